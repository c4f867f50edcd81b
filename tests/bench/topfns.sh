#!/bin/sh
# topfns.sh - how fast, and in how much memory, topfns summarises a big
# folded file, against `cat FILE` (the cost of reading the bytes) and
# readfolded (the library's folded reader alone, into the same table).
#
# Generates once (cached under $BUILD/bench/, keyed by the parameters and
# this script's checksum) a folded file of NSTACKS unique stacks, about
# 200 bytes a line (200 MB for the default million stacks): 8 to 12
# frames from a few thousand names, Python-style and native, some of
# them recursive. Each stack holds three frames chosen by the digits of
# its number, so the stacks are certainly unique. Then it runs, RUNS
# times each, interleaved:
#
#     cat FILE > /dev/null                 the I/O baseline
#     readfolded FILE > /dev/null          the folded reader alone
#     topfns -n 20 FILE > /dev/null        read and summarise
#     topfns -n 20 --by module FILE        the same, grouping by module
#
# and prints each command's median wall time, throughput, ratio to cat
# and to readfolded, and peak RSS (the largest of its runs). Target,
# marked PASS or FAIL: topfns within 3x the reader's time. Exits 0
# whether or not it is met, non-zero only if a command fails.
#
# Environment: BUILD (build), RUNS (5), NSTACKS (1000000), SEED (1).
#     make all build/tests/bench/readfolded && sh tests/bench/topfns.sh

set -eu

. "$(dirname "$0")/lib.sh"

RUNS=${RUNS:-5}
NSTACKS=${NSTACKS:-1000000}
SEED=${SEED:-1}
MAX_RATIO=3

bench_init topfns.sh
topfns=$BUILD/topfns
reader=$BUILD/tests/bench/readfolded
bench_require "all $reader" "$topfns" "$reader"
case $NSTACKS in '' | *[!0-9]* | 0)
	echo "topfns.sh: NSTACKS must be a positive integer" >&2
	exit 1 ;;
esac

sum=$(cksum <"$here/topfns.sh" | cut -d' ' -f1)
big=$cache/topfns-s$SEED-n$NSTACKS-g$sum.folded

if [ ! -s "$big" ]; then
	echo "generating $big ..." >&2
	LC_ALL=C awk -v n="$NSTACKS" -v seed="$SEED" 'BEGIN {
		srand(seed)
		nn = 3000
		split("worker parse load save encode decode compute lookup " \
		      "flush merge", verb, " ")
		split("app/core app/db app/net lib/util vendor/json " \
		      "site-packages/numpy/linalg site-packages/requests", \
		      mod, " ")
		for (k = 0; k < nn; k++) {
			v = verb[k % 10 + 1]
			if (k % 3 == 0)
				name[k] = sprintf("%s_%d (%s/m%d.py:%d)", v, k,
						  mod[k % 7 + 1], k % 50, k % 400)
			else if (k % 3 == 1)
				name[k] = sprintf("%s_item_%d", v, k)
			else
				name[k] = sprintf("ns::%s<%d>::run_%d", v,
						  k % 9, k)
		}
		for (i = 0; i < n; i++) {
			d1 = i % 100; d2 = int(i / 100) % 100
			d3 = int(i / 10000)
			s = "start_thread;main_loop_" (i % 8)
			s = s ";dispatch_" d1 "::handle"
			s = s ";" name[int(rand() * nn)]
			s = s ";step (app/pipeline/stage" d2 ".py:" d3 % 97 ")"
			s = s ";" name[int(rand() * nn)]
			if (rand() < 0.3) {
				r = name[int(rand() * nn)]
				s = s ";" r ";" r
			}
			s = s ";block_" d3 "_[k]"
			deep = 1 + int(rand() * 3)
			for (k = 0; k < deep; k++)
				s = s ";" name[int(rand() * nn)]
			printf "%s %d\n", s, 1 + int(rand() * 1000)
		}
	}' >"$big.tmp"
	mv "$big.tmp" "$big"
fi

bytes=$(bytes_of "$big")

# Untimed: into the page cache, and check what topfns says.
cat "$big" >/dev/null
stacks=$("$reader" "$big" | cut -d' ' -f1)
if [ "$stacks" -ne "$NSTACKS" ]; then
	echo "topfns.sh: the reader found $stacks stacks, expected $NSTACKS" >&2
	exit 1
fi
"$topfns" -n 0 -f csv "$big" >"$tmp/all.csv"
# The self column adds up to the total: the sum of the file's counts.
want=$(LC_ALL=C awk '{ t += $NF } END { printf "%.0f\n", t }' "$big")
got=$(LC_ALL=C awk -F, 'NR > 1 { t += $1 } END { printf "%.0f\n", t }' \
	"$tmp/all.csv")
if [ "$want" != "$got" ]; then
	echo "topfns.sh: self adds up to $got, the file's counts to $want" >&2
	exit 1
fi
rm -f "$tmp/all.csv"

i=0
while [ "$i" -lt "$RUNS" ]; do
	measure cat cat "$big"
	measure reader "$reader" "$big"
	measure topfns "$topfns" -n 20 "$big"
	measure module "$topfns" -n 20 --by module "$big"
	i=$((i + 1))
done

tc=$(median "$tmp/cat.wall")
tr=$(median "$tmp/reader.wall")
printf 'topfns.sh: %d unique stacks, %.1f MB, seed %d; median of %d runs\n' \
	"$NSTACKS" "$(echo "$bytes" | awk '{ print $1 / 1e6 }')" "$SEED" "$RUNS"
echo "(the machine may be shared: compare ratios measured in this run)"
printf '%-22s %8s %8s %8s %9s %10s\n' command 'time(s)' 'MB/s' 'x cat' \
	'x reader' 'RSS(MB)'
for name in cat reader topfns module; do
	t=$(median "$tmp/$name.wall")
	rss=$(maximum "$tmp/$name.rss")
	case $name in
	cat) label="cat" ;;
	reader) label="readfolded" ;;
	topfns) label="topfns -n 20" ;;
	module) label="topfns --by module" ;;
	esac
	awk -v l="$label" -v t="$t" -v b="$bytes" -v tc="$tc" -v tr="$tr" \
	    -v rss="$rss" -v max="$MAX_RATIO" -v name="$name" 'BEGIN {
		r = t / tr
		verdict = ""
		if (name == "topfns" || name == "module")
			verdict = r <= max ? "PASS" : "FAIL"
		printf "%-22s %8.3f %8.1f %7.2fx %8.2fx %10.1f %s\n", l, t,
		       b / 1e6 / t, t / tc, r, rss / 1024, verdict
	}'
done
echo "target: topfns within ${MAX_RATIO}x readfolded"
