#!/bin/sh
# pstats.sh - how fast, and in how much memory, stackcollapse-pstats
# converts a big profile, against Python merely loading the same file
# with `python -c "import pstats; pstats.Stats(FILE)"`.
#
# Generates once (cached under $BUILD/bench/, keyed by the parameters and
# the generator's checksum) a pstats file by profiling a generated program
# of NFUNCS functions (tests/bench/genpstats.py, with cProfile): about
# NFUNCS functions and NFUNCS * (FANOUT + 1) edges. Then runs, RUNS times
# each, interleaved:
#
#     $PYTHON -c "import pstats; pstats.Stats(FILE)"     the baseline
#     stackcollapse-pstats FILE > /dev/null                the tool
#
# and prints the median wall time of each, the tool's time over the
# baseline's, the median CPU time (user + system: less disturbed by other
# load on the machine than wall time) and each one's peak RSS (the
# largest of the runs). Target,
# marked PASS or FAIL: the tool faster than the baseline. Before timing,
# it checks once that the output total equals the profile's total time
# (Python's total_tt, in microseconds). The script exits 0 whether or not
# the target is met, non-zero only if a command fails.
#
# Environment: BUILD (build), RUNS (5), NFUNCS (20000), FANOUT (6),
# LAYERS (25), SEED (1), PYTHON (python3). Python is needed only here, to
# make the file and for the baseline: the tool never runs it.

set -eu

. "$(dirname "$0")/lib.sh"

RUNS=${RUNS:-5}
NFUNCS=${NFUNCS:-20000}
FANOUT=${FANOUT:-6}
LAYERS=${LAYERS:-25}
SEED=${SEED:-1}
PYTHON=${PYTHON:-python3}

bench_init pstats
tool=$BUILD/stackcollapse-pstats
bench_require all "$tool"
if ! command -v "$PYTHON" >/dev/null 2>&1; then
	echo "pstats: $PYTHON not found (set PYTHON)" >&2
	exit 1
fi
gensum=$(cksum <"$here/genpstats.py" | cut -d' ' -f1)
pyver=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
key=n$NFUNCS-f$FANOUT-l$LAYERS-s$SEED-py$pyver-g$gensum
big=$cache/pstats-$key.pstats
if [ ! -s "$big" ]; then
	echo "generating $big ..." >&2
	"$PYTHON" "$here/genpstats.py" "$big.tmp" "$NFUNCS" "$FANOUT" \
		"$LAYERS" "$SEED"
	mv "$big.tmp" "$big"
fi

# What the file holds, and the check of the output total.
info=$("$PYTHON" -c '
import pstats, sys
s = pstats.Stats(sys.argv[1])
print(len(s.stats), sum(len(v[4]) for v in s.stats.values()),
      "%.0f" % round(s.total_tt * 1e6))' "$big")
nfuncs=$(echo "$info" | cut -d' ' -f1)
nedges=$(echo "$info" | cut -d' ' -f2)
want=$(echo "$info" | cut -d' ' -f3)
"$tool" "$big" >"$tmp/out" 2>"$tmp/err"
got=$(awk '{ s += $NF } END { printf "%.0f\n", s }' "$tmp/out")
lines=$(lines_of "$tmp/out")
outbytes=$(bytes_of "$tmp/out")
if [ "$got" != "$want" ]; then
	echo "pstats: output total $got us, expected $want us" >&2
	exit 1
fi
rm -f "$tmp/out"

cat "$big" >/dev/null
i=0
while [ "$i" -lt "$RUNS" ]; do
	measure base "$PYTHON" -c \
		'import pstats, sys; pstats.Stats(sys.argv[1])' "$big"
	measure tool "$tool" "$big" 2>/dev/null
	i=$((i + 1))
done
tb=$(median "$tmp/base.wall")
tt=$(median "$tmp/tool.wall")
cb=$(median "$tmp/base.cpu")
ct=$(median "$tmp/tool.cpu")
rb=$(maximum "$tmp/base.rss")
rt=$(maximum "$tmp/tool.rss")
size=$(bytes_of "$big")

awk -v nf="$nfuncs" -v ne="$nedges" -v size="$size" -v runs="$RUNS" \
    -v lines="$lines" -v ob="$outbytes" -v tb="$tb" -v tt="$tt" \
    -v rb="$rb" -v rt="$rt" -v cb="$cb" -v ct="$ct" \
    -v py="$PYTHON $pyver" 'BEGIN {
	printf "pstats: %d functions, %d edges, file %.1f MB; output %d stacks, " \
	       "%.1f MB; median of %d runs\n", nf, ne, size / 1e6, lines,
	       ob / 1e6, runs
	printf "target: stackcollapse-pstats faster than %s loading the file\n", py
	printf "%-30s %8s %8s %8s %8s %9s\n", "command", "wall(s)", "x base",
	       "cpu(s)", "x base", "RSS(MB)"
	printf "%-30s %8.3f %8s %8.2f %8s %9.1f\n",
	       "python: pstats.Stats(FILE)", tb, "1.00x", cb, "1.00x", rb / 1024
	printf "%-30s %8.3f %7.2fx %8.2f %7.2fx %9.1f  %s\n",
	       "stackcollapse-pstats FILE", tt, tt / tb, ct,
	       (cb > 0 ? ct / cb : 0), rt / 1024, (tt < tb ? "PASS" : "FAIL")
}'
