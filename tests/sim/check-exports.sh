#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# usage: check-exports.sh BINARY [LIBXENSIM]
#
# Fails, listing them, when BINARY calls a libxen* function that
# libxensim.so does not simulate: under LD_PRELOAD such a call would reach
# the real library and real Xen. xtl_* (libxentoollog) is pure user-space
# logging, so it may pass through to the real library.
set -eu
bin=$1
lib=${2:-$(dirname "$0")/libxensim.so}
have=$(mktemp)
want=$(mktemp)
trap 'rm -f "$have" "$want"' EXIT

# nm prints "U name@VERSION"; keep the bare name.
nm -D --defined-only "$lib" >"$have" || exit 2
nm -D --undefined-only "$bin" >"$want" || exit 2
for f in "$have" "$want"; do
	awk '{ print $NF }' "$f" | sed 's/@.*//' | sort -u >"$f.tmp"
	mv "$f.tmp" "$f"
done
missing=$(grep -E '^(xen|xs_|xc_)' "$want" | grep -Fxv -f "$have" || true)
if [ -n "$missing" ]; then
	echo "$bin calls libxen* functions that $lib does not simulate:" >&2
	printf '  %s\n' $missing >&2
	exit 1
fi
echo "$bin: every libxen* call is simulated"
