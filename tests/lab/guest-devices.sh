# Sourced by the guest's /init (guest-init) for the device tasks of
# scenario-devices.sh (Xen 4.18+): one guest per device, each using it with
# the kernel's own driver and reporting "GUEST: <task> ..." lines, which
# dom0 judges. dom0 drives its side while the guest runs: it waits for the
# guest's "ready"/"listening" lines in xenconsoled's log.
# (busybox ash; say, up, sha and arg come from guest-init.)

MIB=16
NET_MIB=8 # virtio-net moves ~0.2-2 MB/s under TCG: keep the lab short

wait_for() { # shell condition, evaluated every second for up to 15 s
	i=0
	while ! eval "$1" && [ $i -lt 15 ]; do
		sleep 1
		i=$((i + 1))
	done
	eval "$1"
}

# --- virtio-net: an address, ping dom0, $NET_MIB MiB each way over TCP
# (labtool send/recv: busybox nc's half-close truncated the stream).
task_net() {
	ip link set lo up
	wait_for '[ -n "$(nic_of virtio)" ]'
	net_run virtio "$(nic_of virtio)" 10.7.0.2 10.7.0.1 5001 5002
}

# --- the baseline: the same on Xen's PV NIC (netfront).
task_netpv() {
	ip link set lo up
	wait_for '[ -n "$(nic_of pv)" ]'
	net_run pv "$(nic_of pv)" 10.7.1.2 10.7.1.1 5003 5004
}

# The interface driven by virtio_net (virtio), or by another driver (pv).
nic_of() { # virtio|pv
	for n in /sys/class/net/eth*; do
		[ -e "$n" ] || continue
		d=$(basename "$(readlink "$n/device/driver")")
		if [ "$d" = virtio_net ]; then
			[ "$1" = virtio ] && basename "$n"
		else
			[ "$1" = pv ] && basename "$n"
		fi
	done
}

net_run() { # label nic my-ip dom0-ip dom0-port my-port
	drv=$(basename "$(readlink "/sys/class/net/$2/device/driver")")
	ip link set "$2" up
	ip addr add "$3/24" dev "$2"
	say "net $1 $2 driver=$drv mac=$(cat "/sys/class/net/$2/address") up=$(up)"
	# (the first packets may wait for dom0's bridge to learn the port)
	ping -c 3 -W 5 "$4" >/tmp/ping 2>&1
	say "net $1 ping dom0: $(grep -o '[0-9]* packets received' /tmp/ping)"

	labtool gen /tmp/tx $NET_MIB "$(date +%s)"
	say "net $1 tx sha256=$(sha </tmp/tx)"
	labtool send "tcp:$4:$5" /tmp/tx 120 >/tmp/send.out 2>&1
	say "net $1 $(tail -n 1 /tmp/send.out)"
	rm -f /tmp/tx

	labtool recv "tcp:0.0.0.0:$6" /tmp/rx 120 >/tmp/recv.out 2>&1 &
	wait_for 'grep -q listening /tmp/recv.out 2>/dev/null'
	say "net $1 listening on $6"
	wait $!
	say "net $1 rx bytes=$(wc -c </tmp/rx) sha256=$(sha </tmp/rx) ($(tail -n 1 /tmp/recv.out))"
	rm -f /tmp/rx
	st=/sys/class/net/$2/statistics
	say "net stats $1 $2: rx $(cat $st/rx_packets) packets $(cat $st/rx_dropped) dropped, tx $(cat $st/tx_packets) packets $(cat $st/tx_dropped) dropped; TCP retransmitted segments $(awk '/^Tcp:/ && n++ { print $13 }' /proc/net/snmp); irqs: $(grep -i -e virtio -e eth /proc/interrupts | tr -s ' ' | tr '\n' ';')"
}

# --- virtio-console: read a line dom0 wrote, answer it.
task_console() {
	dev=
	for d in /dev/hvc1 /dev/hvc2 /dev/vport0p0; do
		[ -c "$d" ] && { dev=$d; break; }
	done
	if [ -z "$dev" ]; then
		say "console no device ($(ls /dev | grep -e hvc -e vport | tr '\n' ' '))"
		return
	fi
	exec 3<>"$dev"
	# No echo (dom0 would read its own line back) and no CR/LF mapping.
	stty raw -echo <&3
	say "console ready dev=$dev"
	if read -t 60 -r line <&3; then
		echo "pong:$line" >&3
		say "console read '$line' from $dev, answered"
	else
		say "console read nothing in 60 s"
	fi
	sleep 1
	exec 3<&-
}

# --- virtio-input: the key codes dom0 types into its uinput keyboard.
task_input() {
	wait_for 'ls /sys/class/input/ 2>/dev/null | grep -q event'
	dev=
	for e in /sys/class/input/event*; do
		[ -e "$e" ] || continue
		n=$(cat "$e/device/name")
		say "input $(basename "$e"): '$n' driver=$(basename "$(readlink "$e/device/device/driver")")"
		dev=/dev/input/$(basename "$e")
	done
	[ -n "$dev" ] || { say "input no event device"; return; }
	labtool evread "$dev" "$(arg keys)" 60 >/tmp/ev 2>&1 &
	wait_for 'grep -q reading /tmp/ev 2>/dev/null'
	say "input ready $dev"
	wait $!
	say "input read $(tail -n 1 /tmp/ev)"
}

# --- virtio-vsock: 16 MiB round trips, guest-initiated (to CID 2) and
# host-initiated (dom0 asks the daemon to connect to our port).
task_vsock() {
	wait_for '[ -e /dev/vsock ]'
	labtool gen /tmp/tx $MIB "$(date +%s)"
	say "vsock tx sha256=$(sha </tmp/tx)"
	labtool roundtrip vsock:2:5000 /tmp/tx /tmp/rx 180 >/tmp/rt 2>&1
	say "vsock to host: $(cat /tmp/rt) rx sha256=$(sha </tmp/rx)"
	rm -f /tmp/rx
	# VMADDR_CID_ANY
	labtool echo-server vsock:4294967295:5001 /tmp/copy 60 >/tmp/es 2>&1 &
	wait_for 'grep -q listening /tmp/es 2>/dev/null'
	say "vsock listening on 5001"
	wait $!
	say "vsock from host: $(tail -n 1 /tmp/es) copy sha256=$(sha </tmp/copy)"
}
