#!/bin/sh
# folded-read.sh - how fast, and in how much memory, difffold reads a big
# folded file, against `cat FILE | wc -l` (the cost of just reading it).
#
# Generates once (cached under $BUILD/bench/, keyed by the parameters and
# the generator's source) a folded file of NSTACKS unique stacks with
# genfolded, and a copy sorted with `LC_ALL=C sort` as the stackcollapse
# tools write them. For each file (as generated, i.e. shuffled, and
# sorted) it then runs, RUNS times each, interleaved:
#
#     sh -c 'cat FILE | wc -l'            the baseline
#     difffold FILE FILE > /dev/null      the reader (+ table, sort, write)
#
# and prints the median wall time, the throughput (MB = 10^6 bytes: one
# file for the baseline, the two files difffold reads), difffold's time
# over the baseline's, its peak RSS (the largest of the runs) and that
# over the bytes of the unique stacks' text (the file less its counts and
# newlines). Targets, marked PASS or FAIL: difffold within 4x the
# baseline's time; peak RSS below 1.5x the stacks' text. The last two
# columns are the median CPU time (user + system, of both processes for
# the baseline) and its ratio: on a machine shared with other jobs the
# wall-time ratio is noisy, the CPU-time ratio much less so. The script
# exits 0 whether or not the targets are met, non-zero only if a
# command fails.
#
# Environment: BUILD (build), RUNS (5), NSTACKS (1000000), NNAMES (4000),
# SEED (1), JOBS (difffold -j; default: the online CPUs). Uses $BUILD/difffold and $BUILD/tests/bench/genfolded:
#     make BUILD=build-bench all build-bench/tests/bench/genfolded
#     BUILD=build-bench sh tests/bench/folded-read.sh

set -eu

. "$(dirname "$0")/lib.sh"

RUNS=${RUNS:-5}
NSTACKS=${NSTACKS:-1000000}
NNAMES=${NNAMES:-4000}
SEED=${SEED:-1}
JOBS=${JOBS:-$(getconf _NPROCESSORS_ONLN)}
MAX_TIME_RATIO=4
MAX_RSS_RATIO=1.5

bench_init folded-read
difffold=$BUILD/difffold
gen=$BUILD/tests/bench/genfolded
bench_require "all $gen" "$difffold" "$gen"

big=$(folded_input "$NSTACKS")
sorted=$(folded_sorted "$big")
textf=${big%.folded}.textbytes
if [ ! -s "$textf" ]; then
	# The stack part of each line: all but the last field and the
	# blank before it (the count) and the newline.
	LC_ALL=C awk '{ n += length($0) - length($NF) - 1 }
		END { printf "%.0f\n", n }' "$big" >"$textf.tmp"
	mv "$textf.tmp" "$textf"
fi
textbytes=$(cat "$textf")

# bench LABEL FILE: measures both commands on FILE; prints two table rows
bench() {
	label=$1
	f=$2
	bytes=$(bytes_of "$f")

	# Untimed: bring the file into the page cache, and check difffold's
	# output once (every stack, with equal before and after counts).
	cat "$f" >/dev/null
	"$difffold" -j "$JOBS" "$f" "$f" >"$tmp/out"
	lines=$(lines_of "$tmp/out")
	if [ "$lines" -ne "$NSTACKS" ]; then
		echo "folded-read: difffold printed $lines stacks for $f," \
		     "expected $NSTACKS" >&2
		exit 1
	fi
	bad=$(LC_ALL=C awk '$(NF - 1) != $NF { n++ } END { print n + 0 }' \
		"$tmp/out")
	if [ "$bad" -ne 0 ]; then
		echo "folded-read: difffold $f $f: $bad lines with" \
		     "before != after" >&2
		exit 1
	fi
	rm -f "$tmp/out"

	rm -f "$tmp"/base.* "$tmp"/diff.*
	i=0
	while [ "$i" -lt "$RUNS" ]; do
		measure base sh -c 'cat "$1" | wc -l' sh "$f"
		measure diff "$difffold" -j "$JOBS" "$f" "$f"
		i=$((i + 1))
	done
	tb=$(median "$tmp/base.wall")
	td=$(median "$tmp/diff.wall")
	cpub=$(median "$tmp/base.cpu")
	cpud=$(median "$tmp/diff.cpu")
	rsskb=$(maximum "$tmp/diff.rss")
	awk -v label="$label" -v bytes="$bytes" -v tb="$tb" -v td="$td" \
	    -v cb="$cpub" -v cd="$cpud" -v rsskb="$rsskb" -v text="$textbytes" \
	    -v maxt="$MAX_TIME_RATIO" -v maxr="$MAX_RSS_RATIO" 'BEGIN {
		tr = td / tb
		cr = cb > 0 ? cd / cb : 0
		rss = rsskb * 1024
		rr = rss / text
		printf "%-8s  %-12s %8.3f %8.1f %8s %4s %10s %9s %4s %7.2f %7s\n",
		       label, "cat | wc -l", tb, bytes / 1e6 / tb, "1.00x", "",
		       "-", "-", "", cb, "1.00x"
		printf "%-8s  %-12s %8.3f %8.1f %7.2fx %4s %10.1f %8.2fx %4s %7.2f %6.2fx\n",
		       label, "difffold", td, 2 * bytes / 1e6 / td, tr,
		       tr <= maxt ? "PASS" : "FAIL", rss / 1e6, rr,
		       rr < maxr ? "PASS" : "FAIL", cd, cr
	}'
}

size=$(bytes_of "$big")
awk -v n="$NSTACKS" -v k="$NNAMES" -v s="$SEED" -v size="$size" \
    -v text="$textbytes" -v runs="$RUNS" -v maxt="$MAX_TIME_RATIO" \
    -v maxr="$MAX_RSS_RATIO" -v jobs="$JOBS" 'BEGIN {
	printf "folded-read: %d unique stacks, %d names, seed %d; " \
	       "file %.1f MB, stack text %.1f MB; difffold -j %d; " \
	       "median of %d runs\n",
	       n, k, s, size / 1e6, text / 1e6, jobs, runs
	printf "targets: difffold time <= %sx cat | wc -l; " \
	       "peak RSS < %sx stack text\n", maxt, maxr
	printf "%-8s  %-12s %8s %8s %8s %4s %10s %9s %4s %7s %7s\n", "file",
	       "command", "time(s)", "MB/s", "x base", "", "RSS(MB)",
	       "RSS/text", "", "cpu(s)", "x base"
}'
bench shuffled "$big"
bench sorted "$sorted"
