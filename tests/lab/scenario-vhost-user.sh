# The vhost-user front-end with real daemons nobody here wrote, Debian's
# arm64 binaries run in dom0 (staged by scripts/lab/fetch-vhost-user), on
# Xen 4.18+ (the lab's Xen 4.20): guests of the shipped
# configs/xl/guest-vhost-user-blk.cfg (dom1) and guest-virtiofs.cfg (dom2).
#   vu-blk         qemu-storage-daemon --export type=vhost-user-blk serves
#                  dom1's first disk (two queues): dom0's pattern read in
#                  the guest, the guest's checked in dom0 (and through the
#                  second disk, our own backend on the same image), both
#                  vCPUs writing at once
#   vu-reconnect   qemu-storage-daemon killed under the running guest: the
#                  device fails (NEEDS_RESET) with a log line, the other
#                  disk goes on, the front-end reconnects to the restarted
#                  daemon and the guest, rebinding its driver, uses the
#                  disk again
#   vu-fs          virtiofsd shares a dom0 directory with dom2, which mounts
#                  virtiofs, reads a file and writes one, sha256 both ways
#   vu-throughput  dd O_DIRECT bs=1M on the vhost-user disk vs our own
#                  virtio-blk backend on the same image, same guest: ratio
# Must be the boot's first guests: the daemon's config names devices by
# domid.
. /lab/lib.sh

CONF=/etc/xen-virtio-dm/xen-virtio-dm.conf
RUN=/run/vhost-user
IMG=$SRV/vu.img
SHARE=$SRV/share
MIB=64 # throughput: MiB per dd, at [32M, 32M + MIB)
ROUNDS=3 # throughput: the best of so many
QSD_LOG=/var/log/qemu-storage-daemon.log
VFSD_LOG=/var/log/virtiofsd.log
TAG=xvdm-lab

mkdir -p "$RUN" "$SHARE"
image "$IMG" $((32 + MIB))
dd if=/dev/urandom of="$IMG" bs=1M count=4 conv=notrunc 2>/dev/null
dom0_pattern=$(sha "$IMG" 0 4)
dd if=/dev/urandom of="$SHARE/from-dom0.bin" bs=1M count=4 2>/dev/null
mkdir -p "$SHARE/dir/sub"
for i in 1 2 3 4 5; do
	echo "dom0 file $i" >"$SHARE/dir/sub/f$i"
done
echo "remove me" >"$SHARE/to-remove.txt"
share_list=$(cd "$SHARE" && find . -type f | sort | xargs sha256sum | sha256sum | cut -d' ' -f1)
share_files=$(find "$SHARE" -type f | wc -l)

# The two daemons as a user starts them (see the xl configs' comments).
start_qsd() {
	rm -f "$RUN/blk.sock"
	qemu-storage-daemon \
		--blockdev "driver=file,node-name=file0,filename=$IMG" \
		--blockdev driver=raw,node-name=disk0,file=file0 \
		--export "type=vhost-user-blk,id=vu0,node-name=disk0,addr.type=unix,addr.path=$RUN/blk.sock,writable=on,num-queues=2" \
		>>"$QSD_LOG" 2>&1 &
	qsd=$!
}
start_qsd
/usr/libexec/virtiofsd --socket-path="$RUN/fs.sock" --shared-dir="$SHARE" \
	--sandbox=chroot --cache=never >"$VFSD_LOG" 2>&1 &
vfsd=$!
t0=$(up)
until [ -S "$RUN/blk.sock" ] && [ -S "$RUN/fs.sock" ]; do
	[ "$(since "$t0")" -ge 20 ] && break
	sleep 1
done
say "qemu-storage-daemon $(qemu-storage-daemon --version | head -n 1) pid $qsd, virtiofsd $(/usr/libexec/virtiofsd --version 2>&1 | head -n 1) pid $vfsd, sockets after $(since "$t0")s"
check "qemu-storage-daemon listens on $RUN/blk.sock" -S "$RUN/blk.sock"
check "virtiofsd listens on $RUN/fs.sock" -S "$RUN/fs.sock"

mkdir -p "$(dirname "$CONF")"
cat >"$CONF" <<EOC
[device "1/0"]
vhost-user = $RUN/blk.sock
queues = 2

[device "1/1"]
image = $IMG
serial = "xvdm-own"

[device "2/0"]
vhost-user = $RUN/fs.sock
vhost-user-tag = $TAG
EOC
say "daemon config $CONF:"
sed 's/^/LAB:   /' "$CONF"
/etc/init.d/xen-virtio-dm restart | sed 's/^/LAB:   /'
mark=$(dm_mark)
follow_dm

# vu_guest name cfg domid ndev task: creates the guest paused from the
# shipped config and unpauses it once the daemon moved its ndev backends to
# InitWait (2).
vu_guest() {
	: >"$CONSOLES/guest-$1.log"
	follow_guest "$1"
	xl create -p "$2" "name=\"$1\"" \
		"extra=\"console=hvc0 rdinit=/init panic=-1 oops=panic quiet lab.task=$5 lab.name=$1 lab.vu-mib=$MIB lab.vu-rounds=$ROUNDS lab.vu-tag=$TAG\"" \
		>"/tmp/xl-create-$1.log" 2>&1
	rc=$?
	id=$(xl domid "$1" 2>/dev/null)
	say "xl create -p $1: rc=$rc domid=$id up=$(up)"
	[ "$rc" = 0 ] || sed "s/^/LAB:   xl| /" "/tmp/xl-create-$1.log"
	check "$1 is dom$3, as the daemon's config says" "$id" = "$3"
	be=/local/domain/0/backend/virtio/$3
	want=$(seq 0 $(($4 - 1)) | sed 's/.*/2/' | tr '\n' ' ')
	t0=$(up)
	while [ "$(since "$t0")" -lt 30 ]; do
		s=$(for i in $(seq 0 $(($4 - 1))); do
			xenstore-read "$be/$i/state" 2>/dev/null || echo -
		done | tr '\n' ' ')
		[ "$s" = "$want" ] && break
		sleep 1
	done
	say "backend states after $(since "$t0")s: $s"
	check "$1's backends in InitWait before unpause" "$s" = "$want"
	xl unpause "$1"
}

# dm_wait pattern seconds: until the daemon logs a line matching pattern.
dm_wait() {
	t0=$(up)
	until dm_since "$mark" | grep -q "$1"; do
		[ "$(since "$t0")" -ge "$2" ] && return 1
		sleep 0.2
	done
}

lost=1
back=1
vu_guest lab-vu-blk /etc/xen/guest-vhost-user-blk.cfg 1 2 vu-blk
# The back-end dies under the running guest and comes back (vu-reconnect).
# (as long as the guest lives, at most 420 s: a loaded host slows it down)
t0=$(up)
until grep -q 'GUEST: vu kill-now' "$CONSOLES/guest-lab-vu-blk.log"; do
	xl domid lab-vu-blk >/dev/null 2>&1 && [ "$(since "$t0")" -lt 420 ] ||
		break
	sleep 1
done
if grep -q 'GUEST: vu kill-now' "$CONSOLES/guest-lab-vu-blk.log"; then
	kill -9 "$qsd"
	dm_wait "blk.sock: connection closed; the device needs a reset" 10
	lost=$?
	say "qemu-storage-daemon killed; the daemon saw it: $([ $lost = 0 ] && echo yes || echo no)"
	# The guest reads its other disk meanwhile.
	sleep 2
	start_qsd
	dm_wait "vhost-user back-end $RUN/blk.sock connected" 20
	back=$?
	say "qemu-storage-daemon restarted (pid $qsd); the front-end reconnected: $([ $back = 0 ] && echo yes || echo no)"
	put_sector "$IMG" 40960 vu-back
fi
wait_gone lab-vu-blk 240 || xl destroy lab-vu-blk
vu_guest lab-vu-fs /etc/xen/guest-virtiofs.cfg 2 1 vu-fs
wait_gone lab-vu-fs 120 || xl destroy lab-vu-fs
unfollow

# --- vu-blk
g=lab-vu-blk
say "guest: $(guest_says $g 'vu disks ')"
check "guest read dom0's pattern through qemu-storage-daemon" \
	"$(guest_says $g 'vu read ' | sed 's/.*sha256=//')" = "$dom0_pattern"
wrote=$(guest_says $g 'vu wrote ')
say "guest: $wrote"
g_sha=$(echo "$wrote" | sed -n 's/.*sha256=\([0-9a-f]*\) .*/\1/p')
check "guest's readback equals what it wrote" -n "$g_sha" -a \
	"$(echo "$wrote" | sed -n 's/.*readback=\([0-9a-f]*\).*/\1/p')" = "$g_sha"
check "the guest's own-backend disk reads the same bytes" \
	"$(echo "$wrote" | sed 's/.*own=//')" = "$g_sha"
check "dom0 reads the guest's pattern after it is gone" \
	"$(sha "$IMG" 8 4)" = "$g_sha"
check "the daemon served dom1's disk 0 through $RUN/blk.sock" \
	-n "$(dm_since "$mark" | grep "dom1/.*vhost-user back-end $RUN/blk.sock: 2 queue")"
mq=$(guest_says $g 'vu mq ')
say "guest: $mq"
check "the guest's vhost-user disk has 2 hardware queues" \
	-n "$(echo "$mq" | grep 'hwqueues=2 ')"
for c in 0 1; do
	last=$(echo "$mq" | sed -n "s/.*cpu$c ok=4 last=\([0-9a-f]*\).*/\1/p")
	check "vCPU $c: 4 of 4 rounds checked, its last pattern in dom0's image" \
		-n "$last" -a "$(sha "$IMG" $((16 + 2 * c)) 2)" = "$last"
done
check "qemu-storage-daemon still running" -d "/proc/$qsd"
result vu-blk "qemu-storage-daemon vhost-user-blk behind virtio=[device2], 4 MiB each way with matching sha256, 2 queues written by 2 vCPUs at once"

# --- vu-reconnect
check "the daemon logged the back-end's loss (device needs a reset)" "$lost" = 0
check "the front-end reconnected to the restarted daemon" "$back" = 0
o=$(guest_says $g 'vu own disk: ')
say "guest: $o"
check "the other disk went on, no read failed" \
	-n "$(echo "$o" | grep -E ': [1-9][0-9]* reads, 0 failed')"
rb=$(guest_says $g 'vu after the rebind: ')
say "guest: $rb"
check "after the rebind the guest reads dom0's pattern" \
	"$(echo "$rb" | sed -n 's/.* read sha256=\([0-9a-f]*\) .*/\1/p')" = "$dom0_pattern"
r_sha=$(echo "$rb" | sed -n 's/.* wrote sha256=\([0-9a-f]*\) .*/\1/p')
check "and writes: readback and dom0's image match" -n "$r_sha" -a \
	"$(echo "$rb" | sed 's/.*readback=//')" = "$r_sha" -a \
	"$(sha "$IMG" 12 4)" = "$r_sha"
result vu-reconnect "qemu-storage-daemon killed and restarted under the guest: NEEDS_RESET logged, other disk served meanwhile, reconnected, disk used again after a driver rebind"

# --- vu-throughput: per device and direction, the fastest of $ROUNDS rounds.
best() { # dev read|write
	grep -a "GUEST: vu bench round=.* dev=$1 $2: " "$CONSOLES/guest-$g.log" |
		sed 's/.* in \([0-9.]*\) s.*/\1/' | sort -n | head -n 1
}
ratios=""
for dir in read write; do
	v=$(best vu $dir)
	o=$(best own $dir)
	e=$(best own-eq $dir)
	say "$dir: vhost-user ${v:-?} s, own ${o:-?} s, own with requests as small ${e:-?} s for $MIB MiB (best of $ROUNDS)"
	ok=$(awk "BEGIN { print ($v + 0 > 0 && $o + 0 > 0 && $e + 0 > 0) }" 2>/dev/null)
	check "guest timed $dir on both disks" "$ok" = 1
	if [ "$ok" = 1 ]; then
		rate() { awk "BEGIN { printf \"%.1f\", $MIB / $1 }"; }
		r=$(awk "BEGIN { printf \"%.2f\", $o / $v }")
		r_eq=$(awk "BEGIN { printf \"%.2f\", $e / $v }")
		echo "LAB: THROUGHPUT vhost-user $dir: qemu-storage-daemon $(rate "$v") MiB/s, own backend $(rate "$o") MiB/s ($(rate "$e") with requests as small), vhost-user/own $r ($r_eq)"
		ratios="$ratios${ratios:+, }$dir vhost-user/own $r ($r_eq at equal request size)"
	fi
done
say "guest: $(guest_says $g 'vu limits ')"
check "no dd failed in the guest" \
	-z "$(grep -a 'GUEST: vu dd failed' "$CONSOLES/guest-$g.log")"
result vu-throughput "$ratios (dd bs=1M, $MIB MiB, O_DIRECT, best of $ROUNDS)"

# --- vu-fs
g=lab-vu-fs
say "guest: $(guest_says $g 'vu fs mount')"
check "guest mounted virtiofs tag $TAG" \
	-n "$(guest_says $g "vu fs mounted: $TAG /mnt virtiofs")"
check "guest read dom0's $share_files files, sha256 of each as dom0's" \
	"$(guest_says $g 'vu fs read ' | sed 's/.*list-sha256=//')" = "$share_list"
wrote=$(guest_says $g 'vu fs wrote ')
say "guest: $wrote"
g_sha=$(echo "$wrote" | sed -n 's/.*sha256=\([0-9a-f]*\) .*/\1/p')
check "dom0 reads the guest's 4 MiB file" -n "$g_sha" -a \
	"$(sha "$SHARE/from-guest.bin" 2>/dev/null)" = "$g_sha"
check "dom0 sees the guest's directory: created, renamed, removed" \
	"$(ls "$SHARE/guest-dir" | tr '\n' ' ')" = "f1 f2 f3 f4 f5 f6 renamed " -a \
	"$(cat "$SHARE/guest-dir/renamed" 2>/dev/null)" = "file 8 from lab-vu-fs" -a \
	! -e "$SHARE/to-remove.txt"
check "guest unmounted" -n "$(guest_says $g 'vu fs unmounted')"
check "the daemon served dom2's share through $RUN/fs.sock" \
	-n "$(dm_since "$mark" | grep "dom2/.*vhost-user back-end $RUN/fs.sock")"
check "virtiofsd saw its client" -n "$(grep 'Client connected' "$VFSD_LOG")"
result vu-fs "virtiofsd behind virtio=[device1a], dom0's $share_files files read, 4 MiB file and a directory written, rename and unlink seen by dom0"

kill "$qsd" "$vfsd" 2>/dev/null
sed 's/^/LAB:   qsd| /' "$QSD_LOG" | tail -n 5
sed 's/^/LAB:   virtiofsd| /' "$VFSD_LOG" | tail -n 10
dm_running && say "daemon still running"
