# Sourced by every scripts/lab/ command: the work dir, progress lines and
# small helpers. POSIX sh.

# Downloads, extracted packages, builds and logs live here, outside the
# repository; everything in it is a cache and may be deleted.
LAB_DIR=${XVDM_LAB_DIR:-/var/tmp/xvdm-lab}
LAB_SRC=$(cd "$(dirname "$0")/../.." && pwd)
LAB_ROOT=$LAB_DIR/root # arm64 packages, extracted (never installed)
LAB_OUT=$LAB_DIR/out   # what the lab boots: xen, kernel, images, daemon
LAB_LOGS=$LAB_DIR/logs
LAB_TRIPLET=aarch64-linux-gnu
export LAB_DIR LAB_SRC LAB_ROOT LAB_OUT LAB_LOGS LAB_TRIPLET

# Progress line: "lab <command>: message".
say() {
	echo "lab $(basename "$0"): $*"
}

die() {
	echo "lab $(basename "$0"): error: $*" >&2
	exit 1
}

# Seconds since the epoch, for the timings the commands print.
now() {
	date +%s
}

# A checksum of the given strings and files, to tell a cache is stale.
digest() {
	for x in "$@"; do
		if [ -f "$x" ]; then
			sha256sum <"$x"
		else
			echo "$x"
		fi
	done | sha256sum | cut -c1-16
}

# Runs "$@" with a hard timeout; the whole output goes to log file $LOG_TO
# (shown in part on failure).
run_logged() {
	secs=$1
	shift
	if ! timeout -k 10 "$secs" "$@" >"$LOG_TO" 2>&1; then
		tail -n 25 "$LOG_TO" >&2
		die "'$*' failed or took longer than ${secs}s (log $LOG_TO)"
	fi
}
