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

. "$(dirname "$0")/lib.sh"

RUNS=${RUNS:-3}
NSTACKS=${NSTACKS:-1000000}
NNAMES=${NNAMES:-4000}
SEED=${SEED:-1}

flamegraph=$BUILD/flamegraph
gen=$BUILD/tests/bench/genfolded
bench=browser-load
bench_require "all $gen" "$flamegraph" "$gen"
if [ ! -d tests/browser/node_modules/playwright-core ]; then
	(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
fi

cache=$BUILD/bench
mkdir -p "$cache"
big=$(folded_input "$NSTACKS")
svg=$cache/browser-${big#"$cache"/folded-}
svg=${svg%.folded}.svg
t0=$(now)
"$flamegraph" -o "$svg" "$big"
t1=$(now)
awk -v n="$NSTACKS" -v a="$t0" -v b="$t1" -v mb="$(wc -c <"$big")" \
    -v load="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN {
	printf "browser-load: %d unique stacks (%.0f MB folded), drawn by " \
	       "flamegraph in %.2f s; load average %s (2 cores, shared: " \
	       "noisy)\n", n, mb / 1e6, b - a, load
}'
node tests/browser/bench.js --runs "$RUNS" "$svg"
