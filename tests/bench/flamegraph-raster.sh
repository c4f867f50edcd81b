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

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

BUILD=${BUILD:-build}
RUNS=${RUNS:-3}
NSTACKS=${NSTACKS:-128000}
NNAMES=${NNAMES:-4000}
SEED=${SEED:-1}
BIG=${BIG:-0}

fg=$BUILD/flamegraph
gen=$BUILD/tests/bench/genfolded
for b in "$fg" "$gen"; do
	if [ ! -x "$b" ]; then
		echo "flamegraph-raster.sh: $b is missing; run make all $gen" >&2
		exit 1
	fi
done
if [ ! -x /usr/bin/time ]; then
	echo "flamegraph-raster.sh: /usr/bin/time is missing (Debian package time)" >&2
	exit 1
fi
case $RUNS in '' | *[!0-9]* | 0)
	echo "flamegraph-raster.sh: RUNS must be a positive integer" >&2
	exit 1 ;;
esac

cache=$BUILD/bench
mkdir -p "$cache"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/flamegraph-raster.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
gensum=$(cksum <"$here/genfolded.c" | cut -d' ' -f1)

# input N: the cached file of N unique stacks
input() {
	f=$cache/folded-s$SEED-n$1-k$NNAMES-g$gensum.folded
	if [ ! -s "$f" ]; then
		echo "generating $f ..." >&2
		"$gen" -s "$SEED" "$1" "$NNAMES" >"$f.tmp"
		mv "$f.tmp" "$f"
	fi
	echo "$f"
}

now() {
	date +%s.%N
}

median() {
	sort -n "$1" | awk '{ v[NR] = $1 }
		END { if (NR % 2) printf "%.4f\n", v[(NR + 1) / 2];
		      else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# run NAME CMD...: one timed run, wall time and RSS appended to NAME's lists
run() {
	name=$1
	shift
	t0=$(now)
	/usr/bin/time -f '%M %U %S' -o "$tmp/rss1" "$@" >"$tmp/out.$name"
	t1=$(now)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f\n", b - a }' >>"$tmp/t.$name"
	tail -n 1 "$tmp/rss1" | awk '{ print $1 }' >>"$tmp/rss.$name"
	tail -n 1 "$tmp/rss1" | awk '{ printf "%.4f\n", $2 + $3 }' >>"$tmp/cpu.$name"
}

bench() {
	f=$1
	runs=$2
	bytes=$(wc -c <"$f" | tr -d ' ')
	cat "$f" >/dev/null
	for n in cat svg png pdf; do
		: >"$tmp/t.$n"
		: >"$tmp/rss.$n"
		: >"$tmp/cpu.$n"
	done
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
	tc=$(median "$tmp/t.cat")
	printf "%s: %.1f MB, %s unique stacks; median of %d runs\n" \
	       "$(basename "$f")" "$(echo "$bytes" | awk '{ print $1 / 1e6 }')" \
	       "$(wc -l <"$f" | tr -d ' ')" "$runs"
	printf "%-6s %8s %8s %8s %8s %8s %9s %10s\n" output "wall(s)" "x cat" \
	       "x svg" "cpu(s)" "x svg" "RSS(MB)" "size(MB)"
	ts=$(median "$tmp/t.svg")
	cs=$(median "$tmp/cpu.svg")
	for n in cat svg png pdf; do
		t=$(median "$tmp/t.$n")
		c=$(median "$tmp/cpu.$n")
		rss=$(sort -n "$tmp/rss.$n" | tail -n 1)
		size=$(wc -c <"$tmp/out.$n" | tr -d ' ')
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

bench "$(input "$NSTACKS")" "$RUNS"
if [ "$BIG" = 1 ]; then
	bench "$(input 1000000)" "$RUNS"
fi
