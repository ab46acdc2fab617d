# Scenario 5: two guests at once, one daemon. Each guest sees exactly one
# virtio disk, its own, and what each writes lands in its own image only.
. /lab/lib.sh

for g in lab-a lab-b; do
	image "$SRV/$g.img" 8
	dd if=/dev/urandom of="$SRV/$g.img" bs=1M seek=1 count=3 conv=notrunc \
		2>/dev/null
	put_sector "$SRV/$g.img" 0 "disk-of-$g"
done
mark=$(dm_mark)
follow_dm
for g in lab-a lab-b; do
	guest_create $g own-disk 'vcpus=1' "disk=[ $(vdisk xvda "$SRV/$g.img") ]"
done
ida=$(xl domid lab-a)
idb=$(xl domid lab-b)
# Both guests must be in their I/O loops at the same time: dom0 waits for
# both, then tells them to stop through their disks.
both=no
t0=$(up)
while [ "$(since "$t0")" -lt 180 ]; do
	if grep -q 'reading until told' "$CONSOLES/guest-lab-a.log" &&
		grep -q 'reading until told' "$CONSOLES/guest-lab-b.log"; then
		both=yes
		say "both guests in their I/O loops at up=$(up):"
		xl list | sed 's/^/  /'
		sleep 3
		break
	fi
	sleep 1
done
for g in lab-a lab-b; do
	put_sector "$SRV/$g.img" 2 stop
done
wait_gone lab-a 120
wait_gone lab-b 60
unfollow
log=$(dm_since "$mark")

check "both guests did I/O at the same time" "$both" = yes
for g in lab-a lab-b; do
	[ $g = lab-a ] && id=$ida other=lab-b || { id=$idb; other=lab-a; }
	check "$g saw one virtio disk, its own" \
		-n "$(guest_says $g "s5 $g sees 1 virtio disk(s), vda says 'disk-of-$g'")"
	check "$g's reads all matched" \
		-n "$(guest_says $g "s5 $g read its disk [1-9][0-9]* times, 0 mismatches")"
	check "$g's write is in its image" \
		"$(sector "$SRV/$g.img" 1)" = "written-by-$g"
	check "$g's write is not in $other's image" \
		-z "$(sector "$SRV/$other.img" 1 | grep "written-by-$g")"
	check "daemon attached and tore down dom$id ($g)" \
		-n "$(echo "$log" | grep "dom$id" | grep "$XVDA" | grep attached)" -a \
		-n "$(echo "$log" | grep -E "dom$id(:| ).*gone")"
done
dm_running
check "daemon still running" $? = 0
result s5-two-guests "dom$ida and dom$idb served at once, each saw only its own disk"
