# The guest's side of the vhost-user scenario (dom0:
# tests/lab/scenario-vhost-user.sh), sourced by guest-init, which provides
# say, up, sha and arg.
#   vu-blk  two disks on the same image in dom0: one served through the
#           vhost-user front-end by qemu-storage-daemon (two queues), one by
#           our own virtio-blk backend (serial "xvdm-own"); patterns both
#           ways, both vCPUs at once, dd O_DIRECT throughput of each, then
#           the back-end's death and return
#   vu-fs   a virtiofs share served by virtiofsd: read dom0's files, write
#           some, rename and remove
# Image layout (MiB): [0,4) dom0's pattern, [8,12) the guest's, [12,16)
# after the reconnection, [16,20) one 2 MiB region per vCPU, sector 40960
# (20 MiB) dom0's "vu-back" signal, [32,32+n) the throughput runs.

# The disk whose serial is (not) $1: prints vdX.
vu_disk() { # serial yes|no
	for b in /sys/block/vd*; do
		s=$(cat "$b/serial" 2>/dev/null)
		if [ "$s" = "$1" ]; then
			[ "$2" = yes ] && basename "$b"
		else
			[ "$2" = no ] && basename "$b"
		fi
	done | head -n 1
}

# Seconds dd takes for 1 MiB O_DIRECT blocks: read|write dev MiB offset.
vu_dd() {
	t0=$(up)
	if [ "$1" = read ]; then
		dd if="/dev/$2" of=/dev/null bs=1M skip="$4" count="$3" \
			iflag=direct 2>/dev/null || echo "GUEST: vu dd failed" >&2
	else
		dd if=/dev/zero of="/dev/$2" bs=1M seek="$4" count="$3" \
			oflag=direct 2>/dev/null || echo "GUEST: vu dd failed" >&2
	fi
	awk "BEGIN { print $(up) - $t0 }"
}

# Both vCPUs at once, each on its own 2 MiB region (so on its own queue of
# the multi-queue disk), 4 checked rounds each; a worker is a new shell
# pinned by taskset.
vu_mq_worker() { # cpu vdX
	r=$((16 + 2 * $1))
	ok=0
	for i in 1 2 3 4; do
		dd if=/dev/urandom of="/tmp/m$1" bs=1M count=2 2>/dev/null
		a=$(sha256sum <"/tmp/m$1" | cut -d' ' -f1)
		dd if="/tmp/m$1" of="/dev/$2" bs=1M seek=$r oflag=direct 2>/dev/null
		b=$(dd if="/dev/$2" bs=1M skip=$r count=2 iflag=direct 2>/dev/null |
			sha256sum | cut -d' ' -f1)
		[ "$a" = "$b" ] && ok=$((ok + 1))
	done
	echo "ok=$ok last=$a" >"/tmp/mq$1"
}

vu_mq() { # vdX
	for c in 0 1; do
		taskset $((c + 1)) sh -c ". /guest-task-vhost-user.sh && vu_mq_worker $c $1" &
	done
	wait
	say "vu mq hwqueues=$(ls "/sys/block/$1/mq" | wc -l) cpu0 $(cat /tmp/mq0) cpu1 $(cat /tmp/mq1)"
}

# Runs "$@" in the background for at most $1 seconds: a request the device
# never completes must not hang the guest (dd would sit in D state).
bounded() { # seconds command...
	secs=$1
	shift
	"$@" &
	p=$!
	i=0
	while kill -0 "$p" 2>/dev/null; do
		[ $i -ge $((secs * 5)) ] && { say "vu '$*' still running after ${secs}s"; return 1; }
		sleep 0.2
		i=$((i + 1))
	done
	wait "$p"
}

# dom0 kills qemu-storage-daemon once it reads "vu kill-now", starts it
# again, and writes "vu-back" into sector 40960 of the image, which we poll
# through the other disk (it goes on meanwhile). The vhost-user disk is
# then in DEVICE_NEEDS_RESET; Linux's virtio_blk does not reset a device by
# itself: unbinding and binding the driver does, and the front-end, by
# then reconnected, serves it again.
vu_reconnect() { # vu own
	say "vu kill-now"
	t0=$(up)
	n=0
	bad=0
	until [ "$(dd if="/dev/$2" bs=512 skip=40960 count=1 iflag=direct \
		2>/dev/null | tr -d '\0')" = vu-back ]; do
		[ "$(awk "BEGIN { print ($(up) - $t0 > 90) }")" = 1 ] && break
		dd if="/dev/$2" of=/dev/null bs=1M count=4 iflag=direct \
			2>/dev/null || bad=$((bad + 1))
		n=$((n + 1))
		sleep 0.5
	done
	say "vu own disk: $n reads, $bad failed, while the back-end was away ($(awk "BEGIN { print $(up) - $t0 }") s)"
	dev=$(basename "$(readlink "/sys/block/$1/device")")
	say "vu status of $dev before the rebind: $(cat "/sys/bus/virtio/devices/$dev/status" 2>/dev/null)"
	echo "$dev" >/sys/bus/virtio/drivers/virtio_blk/unbind
	echo "$dev" >/sys/bus/virtio/drivers/virtio_blk/bind
	i=0
	vu=
	while [ -z "$vu" ] && [ $i -lt 20 ]; do
		sleep 0.5
		vu=$(vu_disk xvdm-own no)
		i=$((i + 1))
	done
	[ -n "$vu" ] || { say "vu no vhost-user disk after the rebind"; return 0; }
	bounded 20 sh -c "dd if=/dev/$vu bs=1M count=4 iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1 >/tmp/r0"
	dd if=/dev/urandom of=/tmp/pat bs=1M count=4 2>/dev/null
	s=$(sha </tmp/pat)
	bounded 20 dd if=/tmp/pat of="/dev/$vu" bs=1M seek=12 oflag=direct 2>/dev/null
	bounded 20 sh -c "dd if=/dev/$vu bs=1M skip=12 count=4 iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1 >/tmp/r1"
	say "vu after the rebind: $vu status=$(cat "/sys/bus/virtio/devices/$dev/status" 2>/dev/null) read sha256=$(cat /tmp/r0 2>/dev/null) wrote sha256=$s readback=$(cat /tmp/r1 2>/dev/null)"
}

task_vu_blk() {
	i=0
	while [ ! -b /dev/vdb ] && [ $i -lt 10 ]; do
		sleep 1
		i=$((i + 1))
	done
	own=$(vu_disk xvdm-own yes)
	vu=$(vu_disk xvdm-own no)
	say "vu disks vhost-user=$vu own=$own vu-serial='$(cat /sys/block/"$vu"/serial 2>/dev/null)'"
	[ -n "$vu" ] && [ -n "$own" ] || return 0
	s=$(dd if="/dev/$vu" bs=1M count=4 iflag=direct 2>/dev/null | sha)
	say "vu read ${vu}[0,4M) sha256=$s"
	dd if=/dev/urandom of=/tmp/pat bs=1M count=4 2>/dev/null
	s=$(sha </tmp/pat)
	dd if=/tmp/pat of="/dev/$vu" bs=1M seek=8 oflag=direct 2>/dev/null
	r=$(dd if="/dev/$vu" bs=1M skip=8 count=4 iflag=direct 2>/dev/null | sha)
	# The same bytes through the other device: they are in the image.
	o=$(dd if="/dev/$own" bs=1M skip=8 count=4 iflag=direct 2>/dev/null | sha)
	say "vu wrote ${vu}[8M,12M) sha256=$s readback=$r own=$o"
	vu_mq "$vu"
	# What bounds a request on each disk (the front-end's slot size).
	say "vu limits $(for d in $vu $own; do
		q=/sys/block/$d/queue
		echo "$d max_sectors_kb=$(cat "$q/max_sectors_kb") max_segments=$(cat "$q/max_segments") max_segment_size=$(cat "$q/max_segment_size")"
	done | tr '\n' ' ')"
	# Throughput on [32M, 32M+n), dd bs=1M, lab.vu-rounds alternating
	# rounds. The front-end bounds a request by its slot (max_segments);
	# "own-eq" is our own backend with its requests cut to the same size,
	# to tell that apart from what the copies and the other daemon cost.
	n=$(arg vu-mib)
	q=/sys/block/$own/queue
	kb=$(($(cat "/sys/block/$vu/queue/max_segments") *
		$(cat "/sys/block/$vu/queue/max_segment_size") / 1024))
	full=$(cat "$q/max_sectors_kb")
	say "vu bench own-eq: max_sectors_kb $kb instead of $full"
	for round in $(seq "$(arg vu-rounds)"); do
		for k in vu own own-eq; do
			d=$own
			[ "$k" = vu ] && d=$vu
			[ "$k" = own-eq ] && echo "$kb" >"$q/max_sectors_kb"
			say "vu bench round=$round dev=$k read: $n MiB in $(vu_dd read "$d" "$n" 32) s"
			say "vu bench round=$round dev=$k write: $n MiB in $(vu_dd write "$d" "$n" 32) s"
			echo "$full" >"$q/max_sectors_kb"
		done
	done
	vu_reconnect "$vu" "$own"
}

task_vu_fs() {
	tag=$(arg vu-tag)
	if ! mount -t virtiofs "$tag" /mnt 2>/tmp/err; then
		say "vu fs mount $tag failed: $(head -n 1 /tmp/err)"
		return 0
	fi
	say "vu fs mounted: $(grep " /mnt " /proc/mounts)"
	# What dom0 put there: one line per file, sorted, then its digest.
	(cd /mnt && find . -type f | sort | xargs sha256sum) >/tmp/list
	say "vu fs read files=$(wc -l </tmp/list) list-sha256=$(sha </tmp/list)"
	dd if=/dev/urandom of=/tmp/pat bs=1M count=4 2>/dev/null
	cp /tmp/pat /mnt/from-guest.bin
	mkdir -p /mnt/guest-dir
	for i in 1 2 3 4 5 6 7 8; do
		echo "file $i from $(arg name)" >"/mnt/guest-dir/f$i"
	done
	mv /mnt/guest-dir/f8 /mnt/guest-dir/renamed
	rm /mnt/guest-dir/f7 /mnt/to-remove.txt
	sync
	say "vu fs wrote from-guest.bin sha256=$(sha </tmp/pat) readback=$(sha </mnt/from-guest.bin) guest-dir=$(ls /mnt/guest-dir | tr '\n' ' ')"
	umount /mnt && say "vu fs unmounted"
}
