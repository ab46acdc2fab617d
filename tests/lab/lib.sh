# Sourced by the dom0 scenarios (busybox sh): guests from the shipped xl
# config, console and daemon-log helpers, checksums, verdicts.

CFG=/etc/xen/guest-virtio-disk.cfg
SRV=/srv/guest
DM_LOG=/var/log/xen/xen-virtio-dm.log
CONSOLES=/var/log/xen/console
XVDA=51712 # the devid libxl gives vdev=xvda
up() { cut -d' ' -f1 /proc/uptime; }
say() { echo "LAB: $*"; }

# One verdict line per scenario: "LAB: RESULT <name> PASS|FAIL: evidence".
result() {
	name=$1
	shift
	if [ -z "$fails" ]; then
		echo "LAB: RESULT $name PASS: $*"
	else
		echo "LAB: RESULT $name FAIL:$fails"
	fi
	fails=""
}
fails=""

# check "what" <test args>: records a failed check for the next result().
check() {
	what=$1
	shift
	if [ "$@" ]; then
		say "ok: $what"
	else
		say "NOT OK: $what"
		fails="$fails [$what]"
	fi
}

# The shipped guest config, changed only through xl's own VAR=VALUE
# overrides: the guest's name, its task and any other key given.
guest_create() {
	gname=$1
	task=$2
	shift 2
	: >"$CONSOLES/guest-$gname.log"
	follow_guest "$gname"
	xl create "$CFG" "name=\"$gname\"" \
		"extra=\"console=hvc0 rdinit=/init panic=-1 oops=panic quiet lab.task=$task lab.name=$gname\"" \
		"$@" >"/tmp/xl-create-$gname.log" 2>&1
	rc=$?
	say "xl create $gname (task $task): rc=$rc domid=$(xl domid "$gname" 2>/dev/null) up=$(up)"
	[ "$rc" = 0 ] || sed "s/^/LAB:   xl| /" "/tmp/xl-create-$gname.log"
	return "$rc"
}

# A virtio disk in xl's 4.17 syntax, for disk=[...] overrides.
vdisk() { # vdev target [access]
	echo "\"format=raw, vdev=$1, access=${3:-rw}, backendtype=standalone, specification=virtio, target=$2\""
}

# Seconds since uptime $1 (xl itself takes a while under TCG: count time,
# not iterations).
since() { awk "BEGIN { printf \"%d\", $(up) - $1 }"; }

wait_gone() { # name seconds
	t0=$(up)
	while xl domid "$1" >/dev/null 2>&1; do
		[ "$(since "$t0")" -ge "$2" ] &&
			{ say "$1 still there after ${2}s"; return 1; }
		sleep 1
	done
	say "$1 gone (waited $(since "$t0")s) up=$(up)"
}

wait_console() { # name pattern seconds
	t0=$(up)
	until grep -q "$2" "$CONSOLES/guest-$1.log" 2>/dev/null; do
		[ "$(since "$t0")" -ge "$3" ] &&
			{ say "no '$2' from $1 in ${3}s"; return 1; }
		sleep 1
	done
}

# The guest's report line "GUEST: <pattern>...", without the marker.
guest_says() { # name pattern
	grep -a "GUEST: $2" "$CONSOLES/guest-$1.log" 2>/dev/null | tr -d '\r' |
		head -n 1 | sed 's/^.*GUEST: //'
}

# Live progress: the guest's report lines (by name: xenconsoled opens the
# file anew when the guest reboots) and the daemon's log from now on. No
# per-line fork: dom0 shares the two host cores with the guests.
follow_guest() { # name
	tail -F "$CONSOLES/guest-$1.log" 2>/dev/null | tr -d '\r' |
		sed -n "/GUEST: /s/^/$1| /p" &
}

follow_dm() {
	tail -c +$(($(dm_mark) + 1)) -f "$DM_LOG" | sed 's/^/dm| /' &
}

# Stops every follower (busybox tail polls once a second: wait for it).
unfollow() {
	sleep 1
	for p in $(pidof tail); do
		kill "$p" 2>/dev/null
	done
}

sha() { # file [skip_MiB count_MiB]
	if [ $# = 1 ]; then
		sha256sum <"$1" | cut -d' ' -f1
	else
		dd if="$1" bs=1M skip="$2" count="$3" 2>/dev/null |
			sha256sum | cut -d' ' -f1
	fi
}

sector() { # file n: the text in 512-byte sector n
	dd if="$1" bs=512 skip="$2" count=1 2>/dev/null | tr -d '\0'
}

put_sector() { # file n text
	printf '%s' "$3" | dd of="$1" bs=512 seek="$2" conv=sync,notrunc \
		2>/dev/null
}

image() { # file MiB
	mkdir -p "$(dirname "$1")"
	dd if=/dev/zero of="$1" bs=1M count="$2" 2>/dev/null
}

dm_running() {
	/etc/init.d/xen-virtio-dm status >/dev/null
}

# Daemon log lines written since mark=$(dm_mark).
dm_mark() { wc -c <"$DM_LOG"; }
dm_since() { tail -c +$(($1 + 1)) "$DM_LOG"; }

# Domains other than dom0 in `xl list`, dying ones included.
leftovers() {
	xl list | awk 'NR > 1 && $2 != 0 { printf " %s(%s)", $1, $2 }'
}
