#!/bin/sh
# browser-load.sh - how long Debian's chromium takes to load and first
# paint the SVG flamegraph draws for a 1,000,000-stack input, and to zoom
# in it (target: under 200 ms).
#
# Generates once (cached under $BUILD/bench/, the same file folded-read.sh
# uses) a folded file of NSTACKS unique stacks with genfolded, draws it
# with $BUILD/flamegraph (default options: frames under 0.1 px are left
# out, their counts kept in their parents), then runs
# tests/browser/bench.js on the SVG RUNS times: load (to the end of the
# load event), first paint (the first frame drawn after it), zoom into
# the frame whose zoom redraws the most frames and Reset Zoom (each until
# the next frame is drawn), wall and renderer main-thread CPU time,
# medians; and, as the baseline measured in the same runs, the same file
# with its <script> removed.
#
# Environment: BUILD (build), RUNS (3), NSTACKS (1000000), NNAMES (4000),
# SEED (1), CHROMIUM (/usr/bin/chromium). Needs $BUILD/flamegraph and
# $BUILD/tests/bench/genfolded (make bench builds both).

set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

BUILD=${BUILD:-build}
RUNS=${RUNS:-3}
NSTACKS=${NSTACKS:-1000000}
NNAMES=${NNAMES:-4000}
SEED=${SEED:-1}

flamegraph=$BUILD/flamegraph
gen=$BUILD/tests/bench/genfolded
for b in "$flamegraph" "$gen"; do
	if [ ! -x "$b" ]; then
		echo "browser-load: $b is missing; run" \
		     "make BUILD=$BUILD all $gen" >&2
		exit 1
	fi
done
if [ ! -d tests/browser/node_modules/playwright-core ]; then
	(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
fi

cache=$BUILD/bench
mkdir -p "$cache"
gensum=$(cksum <"$here/genfolded.c" | cut -d' ' -f1)
key=s$SEED-n$NSTACKS-k$NNAMES-g$gensum
big=$cache/folded-$key.folded
svg=$cache/browser-$key.svg

if [ ! -s "$big" ]; then
	echo "generating $big ..." >&2
	"$gen" -s "$SEED" "$NSTACKS" "$NNAMES" >"$big.tmp"
	mv "$big.tmp" "$big"
fi
t0=$(date +%s.%N)
"$flamegraph" -o "$svg" "$big"
t1=$(date +%s.%N)
awk -v n="$NSTACKS" -v a="$t0" -v b="$t1" -v mb="$(wc -c <"$big")" \
    -v load="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN {
	printf "browser-load: %d unique stacks (%.0f MB folded), drawn by " \
	       "flamegraph in %.2f s; load average %s (2 cores, shared: " \
	       "noisy)\n", n, mb / 1e6, b - a, load
}'
node tests/browser/bench.js --runs "$RUNS" "$svg"
