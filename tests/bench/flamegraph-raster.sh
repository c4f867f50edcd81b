#!/bin/sh
# flamegraph-raster.sh - flamegraph's PNG and PDF beside its SVG: wall
# time and peak RSS on the same big folded file, with `cat FILE >
# /dev/null` measured in the same run as the baseline.
#
# Inputs are made by genfolded and cached under $BUILD/bench/ under the
# same names tests/bench/flamegraph.sh uses (so the two share them): the
# ~100 MB file of NSTACKS (128 000) unique stacks, and, with BIG=1, one of
# 1 000 000 stacks (about 800 MB), where issue 5 asks that the PNG take
# no more time than the SVG. For each file it runs, RUNS times each,
# interleaved:
#
#     cat FILE > /dev/null
#     flamegraph FILE > out.svg
#     flamegraph --format png FILE > out.png
#     flamegraph --format pdf FILE > out.pdf
#
# and prints median wall times, each over cat's, PNG and PDF over SVG,
# median CPU times (user + system: on a busy machine wall time mostly
# measures waiting for a core) and their ratio to the SVG's (the target,
# marked PASS or FAIL for both: PNG <= SVG), peak RSS (the largest of
# the runs) and the output's size. The machine is shared and has 2 cores:
# read the ratios more than the seconds. Exits 0 whether or not the
# target is met, non-zero only if a command fails.
#
# Environment: BUILD (build), RUNS (3), NSTACKS (128000), NNAMES (4000),
# SEED (1), BIG (0). Uses $BUILD/flamegraph, $BUILD/tests/bench/genfolded:
#     make all build/tests/bench/genfolded && sh tests/bench/flamegraph-raster.sh

set -eu

. "$(dirname "$0")/lib.sh"

RUNS=${RUNS:-3}
NSTACKS=${NSTACKS:-128000}
NNAMES=${NNAMES:-4000}
SEED=${SEED:-1}
BIG=${BIG:-0}

bench_init flamegraph-raster
fg=$BUILD/flamegraph
gen=$BUILD/tests/bench/genfolded
bench_require "all $gen" "$fg" "$gen"

# run NAME CMD...: one timed run, its output kept in $tmp/out.NAME
run() {
	measure -o "$tmp/out.$1" "$@"
}

bench() {
	f=$1
	runs=$2
	bytes=$(bytes_of "$f")
	cat "$f" >/dev/null
	rm -f "$tmp"/*.wall "$tmp"/*.cpu "$tmp"/*.rss
	i=0
	while [ "$i" -lt "$runs" ]; do
		run cat cat "$f"
		run svg "$fg" "$f"
		run png "$fg" --format png "$f"
		run pdf "$fg" --format pdf "$f"
		i=$((i + 1))
	done
	head -c 8 "$tmp/out.png" | od -An -tx1 | tr -d ' \n' | grep -q '^89504e470d0a1a0a$' || {
		echo "flamegraph-raster.sh: the PNG is not a PNG" >&2
		exit 1
	}
	head -c 5 "$tmp/out.pdf" | grep -q '^%PDF-' || {
		echo "flamegraph-raster.sh: the PDF is not a PDF" >&2
		exit 1
	}
	tc=$(median "$tmp/cat.wall")
	printf "%s: %.1f MB, %s unique stacks; median of %d runs\n" \
	       "$(basename "$f")" "$(echo "$bytes" | awk '{ print $1 / 1e6 }')" \
	       "$(lines_of "$f")" "$runs"
	printf "%-6s %8s %8s %8s %8s %8s %9s %10s\n" output "wall(s)" "x cat" \
	       "x svg" "cpu(s)" "x svg" "RSS(MB)" "size(MB)"
	ts=$(median "$tmp/svg.wall")
	cs=$(median "$tmp/svg.cpu")
	for n in cat svg png pdf; do
		t=$(median "$tmp/$n.wall")
		c=$(median "$tmp/$n.cpu")
		rss=$(maximum "$tmp/$n.rss")
		size=$(bytes_of "$tmp/out.$n")
		[ "$n" = cat ] && size=0
		mark=
		if [ "$n" = png ]; then
			mark=$(awk -v t="$t" -v ts="$ts" -v c="$c" -v cs="$cs" 'BEGIN {
				print (t <= ts ? "wall PASS" : "wall FAIL") \
				      (c <= cs ? ", cpu PASS" : ", cpu FAIL") }')
		fi
		awk -v n="$n" -v t="$t" -v tc="$tc" -v ts="$ts" -v rss="$rss" \
		    -v c="$c" -v cs="$cs" -v size="$size" -v mark="$mark" 'BEGIN {
			printf "%-6s %8.3f %7.2fx %7.2fx %8.3f %7.2fx %9.1f %10.2f %s\n",
			       n, t, t / tc, t / ts, c, (cs > 0 ? c / cs : 0),
			       rss * 1024 / 1e6, size / 1e6, mark
		}'
	done
}

bench "$(folded_input "$NSTACKS")" "$RUNS"
if [ "$BIG" = 1 ]; then
	bench "$(folded_input 1000000)" "$RUNS"
fi
