# Scenarios 1-3, one guest of the shipped config (configs/xl/
# guest-virtio-disk.cfg as is: 2 vCPUs, xvda read-write, xvdb read-only):
#   s1-io        dom0's random pattern read back in the guest, the guest's
#                pattern checked in dom0 once the guest is gone, and an ext2
#                filesystem made in dom0 mounted and read in the guest;
#   s2-readonly  writes to the read-only disk fail in the guest and its
#                image is unchanged in dom0;
#   s3-smp       I/O from both vCPUs at once, each checked.
. /lab/lib.sh

say "preparing $SRV/disk.img (32 MiB, random first 4 MiB) and $SRV/data.img (ext2)"
image "$SRV/disk.img" 32
dd if=/dev/urandom of="$SRV/disk.img" bs=1M count=4 conv=notrunc 2>/dev/null
dom0_pattern=$(sha "$SRV/disk.img" 0 4)
rm -rf /tmp/fs
mkdir -p /tmp/fs/docs
echo "written in dom0 at up=$(up)" >/tmp/fs/hello.txt
dd if=/dev/urandom of=/tmp/fs/docs/random.bin bs=1k count=700 2>/dev/null
image "$SRV/data.img" 8
/sbin/mke2fs -q -F -t ext2 -d /tmp/fs "$SRV/data.img" >/tmp/mke2fs.log 2>&1 ||
	say "mke2fs failed: $(cat /tmp/mke2fs.log)"
(cd /tmp/fs && find . -type f | sort | xargs sha256sum) >/tmp/fs.sums
data_before=$(sha "$SRV/data.img")
say "dom0 pattern sha256=$dom0_pattern, data.img sha256=$data_before"

follow_dm
guest_create lab-disk disk
wait_gone lab-disk 300
unfollow

# --- s1-io
check "guest read dom0's pattern" \
	"$(guest_says lab-disk 's1 read ' | sed 's/.*sha256=//')" = "$dom0_pattern"
wrote=$(guest_says lab-disk 's1 wrote ')
g_sha=$(echo "$wrote" | sed -n 's/.*sha256=\([0-9a-f]*\) .*/\1/p')
check "guest's readback equals what it wrote" -n "$g_sha" -a \
	"$(echo "$wrote" | sed 's/.*readback=//')" = "$g_sha"
check "dom0 reads the guest's pattern after it is gone" \
	"$(sha "$SRV/disk.img" 8 4)" = "$g_sha"
nfiles=0
while read -r s f; do
	nfiles=$((nfiles + 1))
	check "guest read $f from the ext2 made in dom0" \
		-n "$(guest_says lab-disk "s1 file $s  $f")"
done </tmp/fs.sums
check "guest mounted the filesystem" -n "$(guest_says lab-disk 's1 mounted')"
result s1-io "4 MiB each way with matching sha256, $nfiles files read from dom0's ext2"

# --- s2-readonly
check "guest sees vdb read-only" \
	-n "$(guest_says lab-disk 's2 ro vda=0 vdb=1')"
check "guest's raw write to vdb failed" \
	-n "$(guest_says lab-disk 's2 write vdb refused')"
check "guest's read-write mount of vdb refused" \
	-n "$(guest_says lab-disk 's2 mount rw refused')"
check "data.img unchanged in dom0" "$(sha "$SRV/data.img")" = "$data_before"
result s2-readonly "writes refused in the guest, data.img sha256 unchanged"

# --- s3-smp
check "guest has 2 vCPUs" -n "$(guest_says lab-disk 'up: .*vcpus=2 ')"
for c in 0 1; do
	w=$(guest_says lab-disk "s3 worker=$c ")
	say "worker $c: $w"
	check "worker $c ran on cpu $c" -n "$(echo "$w" | grep "cpu=$c ")"
	check "worker $c: every round read back what it wrote" \
		-n "$(echo "$w" | grep 'rounds=8 ok=8 ')"
	check "dom0 reads worker $c's last pattern" \
		"$(sha "$SRV/disk.img" $((16 + 4 * c)) 1)" = \
		"$(echo "$w" | sed 's/.*last=//')"
done
check "both workers overlapped" -n "$(guest_says lab-disk 's3 overlap yes')"
result s3-smp "2 vCPUs, 8 checked rounds each, concurrently"
dm_running && say "daemon still running"
