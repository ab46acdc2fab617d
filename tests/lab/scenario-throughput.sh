# Scenario 7: dd throughput in one guest, on a disk served by xen-virtio-dm
# (vda) and on Xen's own PV disk (xvdb: xen-blkback over a loop device),
# same boot, same guest, same size; printed as a ratio.
. /lab/lib.sh

image "$SRV/bench.img" 100
image "$SRV/pv.img" 100
loop=$(losetup -f)
losetup "$loop" "$SRV/pv.img"
say "PV disk: $loop over $SRV/pv.img"
follow_dm
guest_create lab-bench bench 'vcpus=1' \
	"disk=[ $(vdisk xvda "$SRV/bench.img"), \"phy:$loop,xvdb,w\" ]"
wait_gone lab-bench 300
unfollow
losetup -d "$loop"
rm -f "$SRV/pv.img"

# The guest times each 96 MiB dd; the best of its rounds counts (the first
# pays for cold caches in dom0).
mibs() { # disk read|write
	grep -a "GUEST: s7 round=[0-9]* $1 $2:" "$CONSOLES/guest-lab-bench.log" |
		tr -d '\r' | sed 's/.*: 96 MiB in \([0-9.]*\) s.*/\1/' |
		awk '$1 > 0 { v = 96 / $1; if (v > best) best = v }
			END { if (best) printf "%.1f", best }'
}
ratio() { awk "BEGIN { printf \"%.2f\", $1 / $2 }"; }
vr=$(mibs vda read)
vw=$(mibs vda write)
pr=$(mibs xvdb read)
pw=$(mibs xvdb write)
for v in "$vr" "$vw" "$pr" "$pw"; do
	check "a figure for every disk and direction" -n "$v"
done
if [ -z "$fails" ]; then
	say "THROUGHPUT read: virtio $vr MiB/s, PV $pr MiB/s, virtio/PV $(ratio "$vr" "$pr")"
	say "THROUGHPUT write: virtio $vw MiB/s, PV $pw MiB/s, virtio/PV $(ratio "$vw" "$pw")"
fi
result s7-throughput "read virtio/PV $(ratio "${vr:-0}" "${pr:-1}"), write virtio/PV $(ratio "${vw:-0}" "${pw:-1}") (dd bs=1M, 96 MiB, O_DIRECT, best of 3)"
rm -f "$SRV/bench.img"
