# Scenario 4: a guest reboots, then is destroyed, while the daemon runs. The
# daemon must tear down the first domain, serve the one xl creates for the
# reboot (it reads what the first wrote), tear that down on `xl destroy`,
# leave nothing behind in `xl list` or xenstore, and keep running.
. /lab/lib.sh

image "$SRV/life.img" 8
put_sector "$SRV/life.img" 0 boot-1
mark=$(dm_mark)
follow_dm
guest_create lab-life reboot 'vcpus=1' "disk=[ $(vdisk xvda "$SRV/life.img") ]"
id1=$(xl domid lab-life)
wait_console lab-life 's4 second boot' 180
id2=$(xl domid lab-life 2>/dev/null)
say "first domain $id1, after the reboot $id2"
wait_console lab-life 's4 wrote boot-3' 30
xl destroy lab-life
say "xl destroy lab-life: rc=$? up=$(up)"
wait_gone lab-life 30
# libxl forgets a domain once every mapping of its memory is gone.
i=0
while [ -n "$(leftovers)" ] && [ $i -lt 30 ]; do
	sleep 1
	i=$((i + 1))
done
left=$(leftovers)
say "xl list after ${i}s:"
xl list | sed 's/^/  /'
unfollow
log=$(dm_since "$mark")

check "the guest rebooted into a new domain" -n "$id2" -a "$id1" != "$id2"
check "second incarnation read what the first wrote" \
	-n "$(guest_says lab-life 's4 second boot: read boot-2')"
check "daemon tore down dom$id1" \
	-n "$(echo "$log" | grep -E "dom$id1(:| ).*gone")"
check "daemon attached dom$id2's disk" \
	-n "$(echo "$log" | grep "dom$id2" | grep "$XVDA" | grep attached)"
check "daemon tore down dom$id2 after xl destroy" \
	-n "$(echo "$log" | grep -E "dom$id2(:| ).*gone")"
check "no leftover domain in xl list" -z "$left"
for id in $id1 $id2; do
	check "no backend nodes left for dom$id" -z \
		"$(xenstore-list /local/domain/0/backend/virtio_disk/$id 2>/dev/null)"
done
check "dom0 reads boot-3 written by the second domain" \
	"$(sector "$SRV/life.img" 0)" = boot-3
dm_running
check "daemon still running" $? = 0
result s4-reboot-destroy "dom$id1 rebooted into dom$id2, destroyed, torn down, xl list clean, daemon running"
