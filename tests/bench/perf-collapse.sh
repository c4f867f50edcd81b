#!/bin/sh
# perf-collapse.sh - how fast, and in how much memory, stackcollapse-perf
# folds a big perf script file, against `wc -l` on the same file.
#
# Builds once (cached under $BUILD/bench/) a perf script input of at
# least SIZE_MB (210) MB by concatenating the recordings in fixtures/perf/
# (C, C++, Java, node, Python 3.11-3.13; callchains, srcline lines,
# side-band and no-callchain records) over and over, and a quarter-size
# copy. Then, RUNS (3) times each, interleaved:
#
#     wc -l FILE                             the baseline
#     stackcollapse-perf -j 1 FILE           one thread
#     stackcollapse-perf FILE                the default (-j online CPUs)
#
# and prints each command's median wall time, MB/s (10^6 bytes), time
# over the baseline's, and peak RSS (the largest of its runs, from
# /usr/bin/time), and the peak RSS of -j 1 on the quarter-size file (RSS
# must not grow with the input), and the CPU time of both (on a busy
# machine wall time includes waiting for a CPU). Targets, marked PASS or FAIL: -j 1 at
# 1000 MB/s or more; the default 1.7x faster than -j 1 or better. Before
# timing it checks that -j 1 and the default print the same bytes.
# Exits 0 whether or not the targets are met, non-zero if a command
# fails. The machine may be shared: the figures are noisy; compare the
# ratios measured in the same run.
#
# Environment: BUILD (build), RUNS (3), SIZE_MB (210), SCHED: "fifo"
# runs each timed command under `chrt -f 10` (root only), so that on a
# machine shared with other busy processes it does not wait for a CPU;
# the wall times then measure the program rather than the queue.

set -eu

. "$(dirname "$0")/lib.sh"

RUNS=${RUNS:-3}
SIZE_MB=${SIZE_MB:-210}
MIN_MBS=1000
MIN_SPEEDUP=1.7

bench_init perf-collapse
tool=$BUILD/stackcollapse-perf
bench_require all "$tool"
case $SIZE_MB in '' | *[!0-9]* | 0)
	echo "perf-collapse: SIZE_MB must be a positive integer" >&2
	exit 1 ;;
esac

sched=
case ${SCHED:-} in
'') ;;
fifo) sched="chrt -f 10" ;;
*)
	echo "perf-collapse: SCHED must be empty or fifo" >&2
	exit 1 ;;
esac

# The cache key: the size and a checksum of the recordings.
sum=$(cat fixtures/perf/*.txt | cksum | cut -d' ' -f1)
big=$cache/perf-$SIZE_MB-$sum.txt
small=$cache/perf-$SIZE_MB-$sum.quarter.txt
if [ ! -s "$big" ]; then
	echo "generating $big ..." >&2
	want=$((SIZE_MB * 1000000))
	: >"$big.tmp"
	while [ "$(wc -c <"$big.tmp")" -lt "$want" ]; do
		for i in 1 2 3 4 5 6 7 8 9 10; do
			cat fixtures/perf/*.txt
		done >>"$big.tmp"
	done
	mv "$big.tmp" "$big"
fi
if [ ! -s "$small" ]; then
	bytes=$(bytes_of "$big")
	head -c $((bytes / 4)) "$big" >"$small.tmp"
	mv "$small.tmp" "$small"
fi
bytes=$(bytes_of "$big")
ncpu=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)

# timed NAME CMD...: measure, under $sched, with standard error kept
timed() {
	n=$1
	shift
	# shellcheck disable=SC2086 # $sched is a command and its arguments
	measure "$n" $sched "$@" 2>"$tmp/err"
}

# Untimed: the page cache, and the same bytes from -j 1 and the default.
cat "$big" >/dev/null
"$tool" -j 1 "$big" >"$tmp/one.out" 2>/dev/null
"$tool" "$big" >"$tmp/def.out" 2>/dev/null
if ! cmp -s "$tmp/one.out" "$tmp/def.out"; then
	echo "perf-collapse: -j 1 and the default differ on $big" >&2
	exit 1
fi
stacks=$(lines_of "$tmp/one.out")
rm -f "$tmp/one.out" "$tmp/def.out"

i=0
while [ "$i" -lt "$RUNS" ]; do
	timed wc wc -l "$big"
	timed one "$tool" -j 1 "$big"
	timed def "$tool" "$big"
	timed quarter "$tool" -j 1 "$small"
	i=$((i + 1))
done

tw=$(median "$tmp/wc.wall")
t1=$(median "$tmp/one.wall")
td=$(median "$tmp/def.wall")
c1=$(median "$tmp/one.cpu")
cd=$(median "$tmp/def.cpu")
r1=$(maximum "$tmp/one.rss")
rd=$(maximum "$tmp/def.rss")
rq=$(maximum "$tmp/quarter.rss")
rw=$(maximum "$tmp/wc.rss")
awk -v bytes="$bytes" -v stacks="$stacks" -v runs="$RUNS" -v ncpu="$ncpu" \
    -v tw="$tw" -v t1="$t1" -v td="$td" -v rw="$rw" -v r1="$r1" \
    -v rd="$rd" -v rq="$rq" -v minmbs="$MIN_MBS" -v minsp="$MIN_SPEEDUP" \
    -v c1="$c1" -v cd="$cd" -v load="$(cut -d' ' -f1 /proc/loadavg 2>/dev/null)" \
    -v sched="${SCHED:-normal}" \
    'BEGIN {
	printf "perf-collapse: %.1f MB of perf script, %d stacks out; " \
	       "%d CPUs; median of %d runs; scheduling %s\n",
	       bytes / 1e6, stacks, ncpu, runs, sched
	printf "targets: -j 1 >= %d MB/s; default >= %sx -j 1\n", minmbs, minsp
	printf "%-22s %8s %9s %8s %10s\n", "command", "time(s)", "MB/s",
	       "x wc -l", "RSS(MB)"
	printf "%-22s %8.3f %9.1f %8s %10.1f\n", "wc -l", tw, bytes / 1e6 / tw,
	       "1.00x", rw / 1024
	m1 = bytes / 1e6 / t1
	printf "%-22s %8.3f %9.1f %7.2fx %10.1f %s\n", "stackcollapse-perf -j1",
	       t1, m1, t1 / tw, r1 / 1024, (m1 >= minmbs) ? "PASS" : "FAIL"
	sp = t1 / td
	printf "%-22s %8.3f %9.1f %7.2fx %10.1f %s (%.2fx -j 1)\n",
	       "stackcollapse-perf", td, bytes / 1e6 / td, td / tw, rd / 1024,
	       (sp >= minsp) ? "PASS" : "FAIL", sp
	printf "peak RSS of -j 1 on a quarter of the input: %.1f MB " \
	       "(whole input: %.1f MB)\n", rq / 1024, r1 / 1024
	printf "CPU time (user + sys, median): -j 1 %.2f s (%.1f MB per CPU " \
	       "second), default %.2f s; load average %s\n", c1,
	       bytes / 1e6 / (c1 > 0 ? c1 : 0.01), cd, load
}'
