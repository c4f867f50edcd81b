#!/bin/sh
# pyspy.sh - how fast, and in how much memory, stackcollapse-pyspy folds
# large py-spy files, next to baselines measured in the same run.
#
# Generates once (cached under $BUILD/bench/, keyed by the parameters and
# the generator's source) with genpyspy:
#   - a raw file of RAW_BYTES (200 MB) bytes: lines drawn from 50,000
#     distinct stacks of 20 threads, as if many `py-spy record -f raw`
#     files had been concatenated;
#   - a speedscope file of NSAMPLES (1,000,000) samples over NTHREADS (20)
#     sampled profiles (about 100 MB), as py-spy writes it.
# Then runs, RUNS times each, interleaved:
#     cat FILE > /dev/null                       the baseline (both files)
#     stackcollapse-pyspy FILE > /dev/null       the tool
#     python3 -c 'import json; json.load(...)'   speedscope only: Python's
#                                                json module merely loading it
# and prints median wall time, throughput (MB = 10^6 bytes), the ratio to
# cat, peak RSS (largest of the runs) and, for speedscope, the ratio of
# the tool's time to Python's. Targets, marked PASS or FAIL: raw at
# RAW_TARGET (1000) MB/s or more; speedscope faster than Python's json.
# Before timing it checks the output once: the raw totals against an awk
# re-aggregation, the speedscope total against the sample count.
# The machine may be shared: wall times are noisy; the median and the
# ratios measured in the same run are what to quote. CPU time (user+sys)
# is printed too.
#
# Environment: BUILD (build), RUNS (5), RAW_BYTES, NSAMPLES, NTHREADS,
# SEED (1), RAW_TARGET. Needs $BUILD/stackcollapse-pyspy and
# $BUILD/tests/bench/genpyspy (make bench builds both).

set -eu

. "$(dirname "$0")/lib.sh"

RUNS=${RUNS:-5}
RAW_BYTES=${RAW_BYTES:-200000000}
NSAMPLES=${NSAMPLES:-1000000}
NTHREADS=${NTHREADS:-20}
SEED=${SEED:-1}
RAW_TARGET=${RAW_TARGET:-1000}

bench_init pyspy
tool=$BUILD/stackcollapse-pyspy
gen=$BUILD/tests/bench/genpyspy
bench_require "all $gen" "$tool" "$gen"
have_python=0
command -v python3 >/dev/null 2>&1 && have_python=1

gensum=$(cksum <"$here/genpyspy.c" | cut -d' ' -f1)
raw=$cache/pyspy-raw-s$SEED-b$RAW_BYTES-g$gensum.txt
ss=$cache/pyspy-ss-s$SEED-n$NSAMPLES-t$NTHREADS-g$gensum.json
if [ ! -s "$raw" ]; then
	echo "generating $raw ..." >&2
	"$gen" raw "$SEED" "$RAW_BYTES" >"$raw.tmp"
	mv "$raw.tmp" "$raw"
fi
if [ ! -s "$ss" ]; then
	echo "generating $ss ..." >&2
	"$gen" speedscope "$SEED" "$NSAMPLES" "$NTHREADS" >"$ss.tmp"
	mv "$ss.tmp" "$ss"
fi

# row LABEL NAME BYTES BASE: a table row from the runs of NAME
row() {
	label=$1 name=$2 bytes=$3 base=$4
	w=$(median "$tmp/$name.wall")
	c=$(median "$tmp/$name.cpu")
	r=$(maximum "$tmp/$name.rss")
	awk -v l="$label" -v w="$w" -v c="$c" -v r="$r" -v b="$bytes" \
	    -v base="$base" 'BEGIN {
		mbs = w > 0 ? b / 1e6 / w : 0
		x = base > 0 ? sprintf("%.2fx", w / base) : "-"
		printf "%-34s %8.3f %8.2f %9.1f %8s %9.1f\n", l, w, c, mbs, x,
		       r / 1024
	}'
}

# Untimed checks: nothing lost.
cat "$raw" "$ss" >/dev/null
want=$(awk '{ n += $NF } END { printf "%.0f\n", n }' "$raw")
got=$("$tool" "$raw" | awk '{ n += $NF } END { printf "%.0f\n", n }')
if [ "$want" != "$got" ]; then
	echo "pyspy: raw total $got, expected $want" >&2
	exit 1
fi
got=$("$tool" "$ss" | awk '{ n += $NF } END { printf "%.0f\n", n }')
if [ "$got" != "$NSAMPLES" ]; then
	echo "pyspy: speedscope total $got, expected $NSAMPLES" >&2
	exit 1
fi
rawstacks=$("$tool" "$raw" | wc -l | tr -d ' ')
ssstacks=$("$tool" "$ss" | wc -l | tr -d ' ')

i=0
while [ "$i" -lt "$RUNS" ]; do
	measure cat-raw cat "$raw"
	measure tool-raw "$tool" "$raw"
	measure cat-ss cat "$ss"
	measure tool-ss "$tool" "$ss"
	if [ $have_python = 1 ]; then
		measure python-ss python3 -c \
			'import json, sys; json.load(open(sys.argv[1]))' "$ss"
	fi
	i=$((i + 1))
done

rb=$(bytes_of "$raw")
sb=$(bytes_of "$ss")
echo "pyspy: raw $(awk -v b="$rb" 'BEGIN { printf "%.1f", b / 1e6 }') MB" \
     "($want samples, $rawstacks distinct stacks out);" \
     "speedscope $(awk -v b="$sb" 'BEGIN { printf "%.1f", b / 1e6 }') MB" \
     "($NSAMPLES samples, $NTHREADS profiles, $ssstacks distinct stacks out);" \
     "median of $RUNS runs"
printf "%-34s %8s %8s %9s %8s %9s\n" "command" "wall(s)" "cpu(s)" "MB/s" \
       "x cat" "RSS(MB)"
cr=$(median "$tmp/cat-raw.wall")
cs=$(median "$tmp/cat-ss.wall")
row "cat raw" cat-raw "$rb" 0
row "stackcollapse-pyspy raw" tool-raw "$rb" "$cr"
row "cat speedscope" cat-ss "$sb" 0
row "stackcollapse-pyspy speedscope" tool-ss "$sb" "$cs"
if [ $have_python = 1 ]; then
	row "python3 json.load speedscope" python-ss "$sb" "$cs"
fi
tr=$(median "$tmp/tool-raw.wall")
ts=$(median "$tmp/tool-ss.wall")
awk -v b="$rb" -v t="$tr" -v target="$RAW_TARGET" 'BEGIN {
	mbs = t > 0 ? b / 1e6 / t : 0
	verdict = mbs >= target ? "PASS" : "FAIL"
	printf "target raw >= %d MB/s: %.0f MB/s %s\n", target, mbs, verdict
}'
if [ $have_python = 1 ]; then
	tp=$(median "$tmp/python-ss.wall")
	awk -v t="$ts" -v p="$tp" 'BEGIN {
		ratio = p > 0 ? t / p : 0
		verdict = t < p ? "PASS" : "FAIL"
		printf "target speedscope faster than python json.load: %.3f s vs %.3f s (%.2fx) %s\n",
		       t, p, ratio, verdict
	}'
fi
