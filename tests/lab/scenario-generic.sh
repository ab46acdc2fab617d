# Scenario 6, on Xen 4.18+ only (the lab's Xen 4.20): a guest of the shipped
# configs/xl/guest-virtio-generic.cfg, whose devices come from the generic
# virtio=[...] list; the daemon learns them from backend/virtio/<domid>/.
#   s6-generic-blk      dom0's random pattern read back in the guest, the
#                       guest's pattern checked in dom0 once it is gone
#   s6-generic-rng      the guest's /dev/hwrng is virtio_rng.0 and gives bytes
#   s6-generic-console  what the guest writes to its virtio console lands
#                       in the daemon's console file
# Must be the boot's first guest: the daemon's config names devices by
# domid, and Xen gives the first guest dom1. (The guest's name is in
# $guest: lib.sh's result() uses $name.)
. /lab/lib.sh

G=/etc/xen/guest-virtio-generic.cfg
CONF=/etc/xen-virtio-dm/xen-virtio-dm.conf
OUT=/var/log/guest-console.log
DOMID=1
IMG=$SRV/generic.img

image "$IMG" 16
dd if=/dev/urandom of="$IMG" bs=1M count=4 conv=notrunc 2>/dev/null
dom0_pattern=$(sha "$IMG" 0 4)
: >"$OUT"
# libxl numbers the list's devices devid 0, 1, 2 in order.
mkdir -p "$(dirname "$CONF")"
cat >"$CONF" <<EOC
[device "$DOMID/0"]
image = $IMG
serial = "generic-0"

[device "$DOMID/1"]
rng-source = /dev/urandom

[device "$DOMID/2"]
console = file:$OUT
EOC
say "daemon config $CONF:"
sed 's/^/LAB:   /' "$CONF"
# The daemon reads its config when it starts.
/etc/init.d/xen-virtio-dm restart | sed 's/^/LAB:   /'

follow_dm
guest=lab-generic
: >"$CONSOLES/guest-$guest.log"
follow_guest $guest
xl create -p "$G" "name=\"$guest\"" \
	"extra=\"console=hvc0 rdinit=/init panic=-1 oops=panic quiet lab.task=generic lab.name=$guest\"" \
	>/tmp/xl-create-$guest.log 2>&1
rc=$?
id=$(xl domid $guest 2>/dev/null)
say "xl create -p $guest: rc=$rc domid=$id up=$(up)"
[ "$rc" = 0 ] || sed "s/^/LAB:   xl| /" /tmp/xl-create-$guest.log
check "the guest is dom$DOMID, as the daemon's config says" "$id" = "$DOMID"

# libxl does not wait for generic devices: unpause once the daemon has
# moved every backend to InitWait (2), or after 30 s.
be=/local/domain/0/backend/virtio/$DOMID
t0=$(up)
while [ "$(since "$t0")" -lt 30 ]; do
	s="$(xenstore-read $be/0/state $be/1/state $be/2/state 2>/dev/null |
		tr '\n' ' ')"
	[ "$s" = "2 2 2 " ] && break
	sleep 1
done
say "backend states after $(since "$t0")s: $s"
xenstore-ls -f "$be" 2>/dev/null | sed 's/^/LAB:   xs| /'
check "disk backend in InitWait before unpause" \
	"$(xenstore-read $be/0/state 2>/dev/null)" = 2
xl unpause $guest
say "unpaused up=$(up)"
wait_gone $guest 300
unfollow

# --- s6-generic-blk
check "guest read dom0's pattern" \
	"$(guest_says $guest 's6 read ' | sed 's/.*sha256=//')" = "$dom0_pattern"
wrote=$(guest_says $guest 's6 wrote ')
g_sha=$(echo "$wrote" | sed -n 's/.*sha256=\([0-9a-f]*\) .*/\1/p')
check "guest's readback equals what it wrote" -n "$g_sha" -a \
	"$(echo "$wrote" | sed 's/.*readback=//')" = "$g_sha"
check "dom0 reads the guest's pattern after it is gone" \
	"$(sha "$IMG" 8 4)" = "$g_sha"
check "guest read the disk's serial" \
	-n "$(guest_says $guest 's6 serial generic-0')"
result s6-generic-blk "virtio=[device2] disk, 4 MiB each way with matching sha256"

# --- s6-generic-rng
r=$(guest_says $guest 's6 rng ')
say "guest: $r"
check "guest's rng_current is virtio_rng.0" \
	-n "$(echo "$r" | grep 'current=virtio_rng.0 ')"
check "guest read 64 bytes from /dev/hwrng, not all zero" \
	-n "$(echo "$r" | grep 'bytes=64 nonzero=[1-9]')"
result s6-generic-rng "virtio=[device4]: /dev/hwrng is virtio_rng.0, gave 64 bytes"

# --- s6-generic-console
c=$(guest_says $guest 's6 console ')
say "guest: $c"
token=$(echo "$c" | sed -n 's/.*token=\([0-9a-f]*\).*/\1/p')
say "$OUT: $(wc -c <"$OUT") bytes: $(head -c 200 "$OUT" | tr -d '\r' | tr '\n' '|')"
check "guest wrote a token to its virtio console" -n "$token"
check "the token is in the daemon's console file" \
	-n "$token" -a -n "$(grep -a "virtio-console-$token" "$OUT")"
result s6-generic-console "virtio=[device3]: the guest's text is in $OUT"
dm_running && say "daemon still running"
