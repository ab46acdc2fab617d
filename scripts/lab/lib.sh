# Sourced by every scripts/lab/ command: the work dir, progress lines and
# small helpers. POSIX sh.

# Downloads, extracted packages, builds and logs live here, outside the
# repository; everything in it is a cache and may be deleted.
LAB_DIR=${XVDM_LAB_DIR:-/var/tmp/xvdm-lab}
LAB_SRC=$(cd "$(dirname "$0")/../.." && pwd)
# The lab's flavour: Debian 12's Xen 4.17 (the host's apt sources) or, with
# XVDM_LAB_XEN=4.20, Debian 13's Xen 4.20 and kernel, fetched through a
# private apt configuration in its own work dir (the host's apt set-up is
# never touched).
LAB_XEN=${XVDM_LAB_XEN:-4.17}
case $LAB_XEN in
4.17) LAB_WORK=$LAB_DIR ;;
4.20) LAB_WORK=$LAB_DIR/xen-4.20 ;;
*)
	echo "lab: XVDM_LAB_XEN must be 4.17 or 4.20" >&2
	exit 1
	;;
esac
LAB_ROOT=$LAB_WORK/root # arm64 packages, extracted (never installed)
LAB_OUT=$LAB_WORK/out   # what the lab boots: xen, kernel, images, daemon
LAB_LOGS=$LAB_WORK/logs
LAB_TRIPLET=aarch64-linux-gnu
export LAB_DIR LAB_SRC LAB_XEN LAB_WORK LAB_ROOT LAB_OUT LAB_LOGS LAB_TRIPLET

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

# Options for apt-get and apt-cache on the flavour's archive: none (the
# host's sources) for 4.17, else a private configuration of trixie's arm64
# packages and sources under $LAB_WORK/apt (its lists fetched by fetch).
# One word per option: the work dir's path must not hold spaces.
LAB_APT=
if [ "$LAB_XEN" != 4.17 ]; then
	a=$LAB_WORK/apt
	LAB_APT="-o Dir::Etc::SourceList=$a/sources.list
		-o Dir::Etc::SourceParts=/nonexistent
		-o Dir::State=$a/state -o Dir::State::Lists=$a/lists
		-o Dir::State::status=$a/state/status -o Dir::Cache=$a/cache
		-o APT::Architecture=arm64 -o APT::Architectures::=arm64"
fi
