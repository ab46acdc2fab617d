# The non-disk devices, on Xen 4.18+ only (the lab's Xen 4.20): one guest per
# device, each from its shipped config (configs/xl/guest-virtio-<dev>.cfg),
# each device used by the guest's own Linux driver while dom0 plays the host
# side (the guest's half is tests/lab/guest-devices.sh):
#   dev-net      the daemon's tap on a bridge with dom0's address; the
#                guest's virtio_net gets an address, pings dom0 and is
#                pinged, 8 MiB each way over TCP (labtool send/recv),
#                sha256 checked, in MB/s
#   dev-console  a line dom0 writes into the daemon's unix socket is read on
#                the guest's hvc (virtio_console); the guest's answer is read
#                back from the socket
#   dev-input    keys typed into a uinput keyboard in dom0, which the daemon
#                grabs, are read in order from the guest's virtio_input
#                event device
#   dev-vsock    16 MiB round trips guest->dom0 and dom0->guest through the
#                daemon's Firecracker-style unix sockets, sha256 checked, in
#                MB/s (skipped while the daemon has no vsock backend)
#   dev-net-pv   the baseline, not counted: dev-net's transfers on Xen's own
#                PV NIC (netfront/netback) in a fifth guest, and the ratio
# Must be the boot's first guests: the daemon's config names devices by
# domid, and Xen numbers guests 1, 2, 3... in creation order.
. /lab/lib.sh

CONF=/etc/xen-virtio-dm/xen-virtio-dm.conf
RUN=/run/xen-virtio-dm
BR=xvdmbr0
TAP=xvdm1.0
KEYS="35 18 38 38 24 57 45 18 49 28" # h e l l o space x e n enter
MIB=16    # vsock
NET_MIB=8 # virtio-net moves ~0.2-2 MB/s under TCG: keep the lab short
# In this order: dom1 ... dom5 (netpv: Xen's PV NIC, the baseline).
DEVICES="net console input vsock netpv"

# MB/s (10^6 bytes) for $1 MiB in $2 seconds.
mbs() { awk "BEGIN { if ($2 > 0) printf \"%.1f\", $1 * 1.048576 / $2 }"; }
ratio() { awk "BEGIN { if ($2 > 0) printf \"%.3f\", $1 / $2 }"; }
has_vsock() { xen-virtio-dm --help | grep -q vsock; }

# Creates guest lab-<task> paused from /etc/xen/<cfg>, expecting domid $1,
# and waits until the daemon has moved its device to InitWait.
dev_guest() { # domid cfg task [xl VAR=VALUE...]
	want=$1
	cfg=$2
	task=$3
	shift 3
	guest=lab-$task
	: >"$CONSOLES/guest-$guest.log"
	follow_guest "$guest"
	xl create -p "/etc/xen/$cfg" "name=\"$guest\"" \
		"extra=\"console=hvc0 rdinit=/init panic=-1 oops=panic quiet lab.task=$task lab.name=$guest lab.keys=$(echo "$KEYS" | wc -w)\"" \
		"$@" >"/tmp/xl-create-$guest.log" 2>&1
	rc=$?
	id=$(xl domid "$guest" 2>/dev/null)
	say "xl create -p $cfg: rc=$rc domid=$id up=$(up)"
	[ "$rc" = 0 ] || sed "s/^/LAB:   xl| /" "/tmp/xl-create-$guest.log"
	check "$guest is dom$want, as the daemon's config says" "$id" = "$want"
	[ "$id" = "$want" ] || return 1
	[ "$task" != netpv ] || return 0 # no virtio device
	st=/local/domain/0/backend/virtio/$id/0/state
	t0=$(up)
	while [ "$(xenstore-read "$st" 2>/dev/null)" != 2 ] &&
		[ "$(since "$t0")" -lt 30 ]; do
		sleep 1
	done
	check "$guest's virtio backend in InitWait before unpause" \
		"$(xenstore-read "$st" 2>/dev/null)" = 2
}

# The guest is done (powered off), or destroyed after $1 seconds.
dev_end() { # seconds
	wait_gone "$guest" "$1" || { xl destroy "$guest"; wait_gone "$guest" 20; }
	# (a busy loop in the daemon shows here)
	say "daemon CPU time so far: $(awk '{ print ($14 + $15) / 100 }' \
		"/proc/$(cat /run/xen-virtio-dm.pid)/stat" 2>/dev/null) s"
}

# One NIC's checks: ping both ways and $NET_MIB MiB each way. Sets $rates
# to "<guest->dom0> <dom0->guest>" in MB/s.
net_pair() { # label guest-ip dom0-port-from-guest guest-port
	label=$1
	ip=$2
	rates=
	want=virtio_net
	[ "$label" = virtio ] || want='[a-z_-]*'
	if ! wait_console "$guest" "net $label listening" 150; then
		check "$label: the guest got through its transfer to dom0" -n ""
		return 1
	fi
	g=$(guest_says "$guest" "net $label eth")
	say "guest: $g"
	check "$label: the guest's NIC is bound to $want" \
		-n "$(echo "$g" | grep -E "driver=$want ")"
	check "$label: the guest pinged dom0" -n \
		"$(guest_says "$guest" "net $label ping dom0: 3 packets received")"
	ping -c 3 -W 5 "$ip" >/tmp/ping 2>&1
	check "$label: dom0 pinged the guest" \
		-n "$(grep '3 packets received' /tmp/ping)"
	# guest -> dom0 (done: dom0's receiver wrote it)
	tx=$(guest_says "$guest" "net $label tx " | sed 's/.*sha256=//')
	check "$label: $NET_MIB MiB guest->dom0, sha256 matches" \
		-n "$tx" -a "$(sha "/tmp/net-rx-$label")" = "$tx"
	up_s=$(guest_says "$guest" "net $label sent $((NET_MIB << 20)) bytes" |
		sed -n 's/.* in \([0-9.]*\) s.*/\1/p')
	# dom0 -> guest
	out=$(labtool send "tcp:$ip:$4" /tmp/net-tx 120)
	say "dom0 -> guest: $out"
	down_s=$(echo "$out" | sed -n 's/.* in \([0-9.]*\) s.*/\1/p')
	if [ "$label" = virtio ]; then
		# (while the guest lives: its tap goes with the device)
		printf 'LAB: tap %s:' $TAP
		for f in rx_packets tx_packets rx_dropped tx_dropped; do
			printf ' %s=%s' $f "$(cat /sys/class/net/$TAP/statistics/$f)"
		done
		echo
	fi
	wait_console "$guest" "net $label rx " 60
	# Evidence for a slow or stalled transfer: where frames were lost.
	say "dom0 got $(wc -c <"/tmp/net-rx-$label") bytes from the guest; dom0 TCP retransmitted segments $(awk '/^Tcp:/ && n++ { print $13 }' /proc/net/snmp)"
	grep -a "GUEST: net stats" "$CONSOLES/guest-$guest.log" | tr -d '\r' |
		sed 's/^.*GUEST: /LAB: guest: /'
	check "$label: $NET_MIB MiB dom0->guest, sha256 matches" -n \
		"$(guest_says "$guest" "net $label rx bytes=$((NET_MIB << 20)) sha256=$(sha /tmp/net-tx)")"
	rates="$(mbs $NET_MIB "${up_s:-0}") $(mbs $NET_MIB "${down_s:-0}")"
	say "THROUGHPUT net $label: guest->dom0 ${rates% *} MB/s, dom0->guest ${rates#* } MB/s ($NET_MIB MiB each way over TCP)"
	check "$label: both rates measured" \
		-n "$(echo "$rates" | grep '^[0-9.]* [0-9.]*$')"
}

net_bridge() {
	[ -e /sys/class/net/$BR ] && return
	say "bridge $BR 10.7.0.1/24 (virtio-net), 10.7.1.1/24 (Xen's PV NIC)"
	brctl addbr $BR && brctl setfd $BR 0 && brctl stp $BR off
	ip addr add 10.7.0.1/24 dev $BR
	ip addr add 10.7.1.1/24 dev $BR
	ip link set $BR up
	labtool gen /tmp/net-tx $NET_MIB 7
}

dev_net() {
	net_bridge
	dev_guest 1 guest-virtio-net.cfg net || {
		result dev-net "-"
		return
	}
	# The daemon created the tap when xl created the device, and put it
	# on the bridge (its config's bridge key), as a vif hotplug script
	# does for a PV NIC.
	check "the daemon created tap $TAP" -e /sys/class/net/$TAP
	check "the daemon put tap $TAP on bridge $BR" \
		"$(basename "$(readlink /sys/class/net/$TAP/brport/bridge)")" = "$BR"
	check "the daemon brought tap $TAP up" \
		-n "$(ip link show $TAP | grep -w UP)"
	labtool recv tcp:0.0.0.0:5001 /tmp/net-rx-virtio 180 >/dev/null &
	sleep 1
	xl unpause "$guest"
	net_pair virtio 10.7.0.2 5001 5002
	dev_end 60
	result dev-net "virtio_net on tap $TAP in bridge $BR: ping both ways, $NET_MIB MiB each way sha256 ok, guest->dom0 ${rates% *} MB/s, dom0->guest ${rates#* } MB/s"
	NET_VIRTIO=$rates
}

# The baseline, last (Xen's netback once wedged dom0's vCPU 0 under a
# loaded host): the same guest and transfers on Xen's PV NIC, its own
# guest with vif=[...] instead of virtio=[...]. Reported, not counted.
dev_netpv() {
	net_bridge
	dev_guest 5 guest-virtio-net.cfg netpv 'virtio=[ ]' \
		"vif=[ \"bridge=$BR\" ]" || return
	labtool recv tcp:0.0.0.0:5003 /tmp/net-rx-pv 180 >/dev/null &
	sleep 1
	xl unpause "$guest"
	net_pair pv 10.7.1.2 5003 5004
	dev_end 60
	if [ -n "${NET_VIRTIO:-}" ] && [ -n "$rates" ]; then
		say "THROUGHPUT net virtio/PV: guest->dom0 $(ratio "${NET_VIRTIO% *}" "${rates% *}"), dom0->guest $(ratio "${NET_VIRTIO#* }" "${rates#* }")"
	fi
	result dev-net-pv "Xen's netfront/netback, same bridge: guest->dom0 ${rates% *} MB/s, dom0->guest ${rates#* } MB/s"
}

dev_console() {
	sock=$RUN/console-2.sock
	dev_guest 2 guest-virtio-console.cfg console || {
		result dev-console "-"
		return
	}
	check "the daemon listens on $sock" -S "$sock"
	xl unpause "$guest"
	if wait_console "$guest" "console ready" 90; then
		say "guest: $(guest_says "$guest" "console ready")"
		token=$(dd if=/dev/urandom bs=8 count=1 2>/dev/null | od -An -tx1 |
			tr -d ' \n')
		out=$(labtool chat "unix:$sock" "ping-$token" "pong:ping-$token" 30)
		rc=$?
		say "dom0 wrote 'ping-$token' into $sock, $out"
		check "dom0 read the guest's answer from $sock" "$rc" = 0
		wait_console "$guest" "console read '" 30
		check "the guest read dom0's line on its hvc" -n \
			"$(guest_says "$guest" "console read 'ping-$token' from /dev/hvc")"
	else
		check "the guest opened its virtio console" -n ""
	fi
	dev_end 60
	result dev-console "dom0 -> $sock -> guest's $(guest_says "$guest" "console ready" | sed 's/.*dev=//') (virtio_console) -> answer read back in dom0"
}

dev_input() {
	dev_guest 3 guest-virtio-input.cfg input || {
		result dev-input "-"
		return
	}
	g=$(labtool evgrab "$KBD")
	say "dom0's $KBD: $g"
	check "the daemon grabbed dom0's uinput keyboard $KBD" "$g" = grabbed
	xl unpause "$guest"
	if wait_console "$guest" "input ready" 90; then
		guest_says "$guest" "input event" | sed 's/^/LAB: guest: /'
		touch /tmp/input-go
		wait_console "$guest" "input read name=" 30
		r=$(guest_says "$guest" "input read ")
		say "guest: $r"
		check "the guest's event device is the daemon's virtio_input" \
			-n "$(guest_says "$guest" "input event[0-9]*: '.*' driver=virtio_input")"
		check "it has the name of dom0's keyboard" -n \
			"$(guest_says "$guest" "input event[0-9]*: 'xvdm-lab keyboard'")"
		check "the guest read the $(echo "$KEYS" | wc -w) keys in order" -n \
			"$(echo "$r" | grep "codes=$(echo "$KEYS" | tr ' ' ,) presses=")"
	else
		check "the guest found an event device" -n ""
	fi
	dev_end 60
	result dev-input "$(echo "$KEYS" | wc -w) keys typed into dom0's uinput $KBD (grabbed by the daemon) read in order from the guest's virtio_input $(guest_says "$guest" "input ready" | sed 's/.*ready //')"
}

dev_vsock() {
	# dom0's listener for the guest's connections to CID 2 port 5000
	labtool echo-server "unix:$RUN/vsock-4.sock_5000" /tmp/vsock-copy 240 \
		>/tmp/vsock-server.out 2>&1 &
	dev_guest 4 guest-virtio-vsock.cfg vsock || {
		result dev-vsock "-"
		return
	}
	check "the daemon listens on $RUN/vsock-4.sock" -S "$RUN/vsock-4.sock"
	xl unpause "$guest"
	if wait_console "$guest" "vsock listening" 240; then
		r=$(guest_says "$guest" "vsock to host: ")
		say "guest: $r"
		say "dom0's listener: $(tail -n 1 /tmp/vsock-server.out)"
		tx=$(guest_says "$guest" "vsock tx " | sed 's/.*sha256=//')
		check "guest->dom0: dom0's listener got the guest's 16 MiB" \
			-n "$tx" -a "$(sha /tmp/vsock-copy)" = "$tx"
		check "guest->dom0: the echo came back whole" -n \
			"$(echo "$r" | grep "sent $((MIB << 20)) got $((MIB << 20)) .*sha256=$tx")"
		up_s=$(echo "$r" | sed -n 's/.* in \([0-9.]*\) s.*/\1/p')
		labtool gen /tmp/vsock-tx $MIB 9
		out=$(labtool roundtrip "unix:$RUN/vsock-4.sock" /tmp/vsock-tx \
			/tmp/vsock-rx 180 "CONNECT 5001")
		say "dom0 -> guest: $out"
		check "dom0->guest: the echo came back whole" \
			"$(sha /tmp/vsock-rx)" = "$(sha /tmp/vsock-tx)"
		down_s=$(echo "$out" | sed -n 's/.* in \([0-9.]*\) s.*/\1/p')
		wait_console "$guest" "vsock from host" 30
		check "dom0->guest: the guest's copy matches" -n \
			"$(guest_says "$guest" "vsock from host: .*sha256=$(sha /tmp/vsock-tx)")"
	else
		check "the guest's vsock was ready" -n ""
	fi
	dev_end 60
	say "THROUGHPUT vsock: guest->dom0->guest $(mbs $MIB "${up_s:-0}") MB/s, dom0->guest->dom0 $(mbs $MIB "${down_s:-0}") MB/s ($MIB MiB round trips)"
	result dev-vsock "$MIB MiB round trips with sha256: guest-initiated $(mbs $MIB "${up_s:-0}") MB/s, host-initiated (CONNECT 5001) $(mbs $MIB "${down_s:-0}") MB/s"
}

# --- dom0's host sides, then the daemon's config naming them
mkdir -p "$RUN" "$(dirname "$CONF")"
rm -f /tmp/input-go
# shellcheck disable=SC2086 # one argument per key
labtool uinput-kbd /tmp/input-go 240 $KEYS >/tmp/kbd.out 2>&1 &
kbd=$!
i=0
while ! grep -q '^/dev/input/event' /tmp/kbd.out && [ $i -lt 10 ]; do
	sleep 1
	i=$((i + 1))
done
KBD=$(grep '^/dev/input/event' /tmp/kbd.out)
say "dom0's uinput keyboard: ${KBD:-none ($(cat /tmp/kbd.out))}"
cat >"$CONF" <<EOC
[device "1/0"]
tap = $TAP
bridge = $BR
mac = 52:54:00:7a:00:01

[device "2/0"]
console = unix:$RUN/console-2.sock

[device "3/0"]
input = ${KBD:-/dev/input/event0}
input-grab = yes
EOC
vsock=no
if has_vsock; then
	vsock=yes
	cat >>"$CONF" <<EOC

[device "4/0"]
vsock = $RUN/vsock-4.sock
guest-cid = 3
EOC
fi
say "daemon config $CONF:"
sed 's/^/LAB:   /' "$CONF"
/etc/init.d/xen-virtio-dm restart | sed 's/^/LAB:   /'
follow_dm

for d in $DEVICES; do
	if [ $d = vsock ] && [ "$vsock" = no ]; then
		say "RESULT dev-vsock SKIP: this daemon has no vsock backend (xen-virtio-dm --help names no vsock key)"
	else
		"dev_$d"
	fi
done
kill $kbd 2>/dev/null
unfollow
dm_running && say "daemon still running"
