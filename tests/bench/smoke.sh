#!/bin/sh
# `make check`'s bench: a few hundred requests per workload through the
# unmodified daemon, then checks that the table and the JSON file are
# whole. No timing is checked.
set -eu

out=tests/bench/smoke.out
json=tests/bench/smoke.json
rm -f "$out" "$json"
tests/bench/bench --smoke --json "$json" >"$out"
cat "$out"

fail() {
	echo "smoke: $*" >&2
	exit 1
}

# The two heading lines and one cell per workload on every metric row.
grep -q '^ *randread *randread *randwrite *randwrite *seqread *seqread$' "$out" ||
	fail "no workload heading"
for row in 'IOPS' 'latency p99 (us)' 'notifications (QueueNotify)' \
	'interrupts (SPI rising edges)' 'foreign map calls' \
	'daemon heap allocations' 'daemon CPU us (utime+stime)' \
	'ours / physical (IOPS)'; do
	line=$(grep -F -m1 "$row" "$out") || fail "no row '$row'"
	cells=$(printf '%s\n' "${line#"$row"}" | wc -w)
	[ "$cells" -eq 6 ] || fail "row '$row' has $cells cells, not 6"
done
grep -q '^null MMIO round trip' "$out" || fail "no null round trip"
grep -q '^slow neighbour' "$out" || fail "no slow-neighbour lines"

# The JSON: parsed when a parser is at hand, else at least whole.
if command -v jq >/dev/null 2>&1; then
	[ "$(jq '.workloads | length' "$json")" -eq 6 ] || fail "bad JSON"
	jq -e '.workloads[].per_request.notifications' "$json" >/dev/null ||
		fail "JSON without per-request counts"
elif python3 -c 'import json' 2>/dev/null; then
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["workloads"]) == 6' "$json" ||
		fail "bad JSON"
else
	head -c1 "$json" | grep -q '{' && tail -c2 "$json" | grep -q '}' ||
		fail "JSON not whole"
fi
echo "smoke: the bench ran; table and JSON are well-formed"
