#!/bin/sh
# scalene.sh - how fast, and in how much memory, stackcollapse-scalene
# reads a large Scalene profile, against Python merely loading it:
#
#     python3 -c 'import json; json.load(open(F))'   the baseline
#     stackcollapse-scalene F                         auto: combined_stacks
#     stackcollapse-scalene --source lines F          the line table, cpu
#     stackcollapse-scalene --source lines -m memory F
#
# The profile is generated once by genscalene.py (Scalene 2.3's key set,
# serialised as Scalene does) and cached under $BUILD/bench/, keyed by the
# size, the seed and the generator's checksum; it must be at least 100 MB
# (10^6 bytes). The commands run RUNS times each, interleaved, output to
# /dev/null. For each the script prints the median wall time, the median
# CPU time (user + system: less disturbed by other load on the machine
# than wall time), the throughput in MB/s of wall time, both times over
# the baseline's, and the peak RSS (the largest of the runs). Target,
# marked PASS or FAIL: stackcollapse-scalene's median time (wall and CPU)
# below the baseline's. The script exits 0 whether or not it is met,
# non-zero only if a command fails.
#
# Environment: BUILD (build), RUNS (5), SIZE_MB (110), SEED (1).
#     make && sh tests/bench/scalene.sh

set -eu

. "$(dirname "$0")/lib.sh"

RUNS=${RUNS:-5}
SIZE_MB=${SIZE_MB:-110}
SEED=${SEED:-1}

bench_init scalene
sc=$BUILD/stackcollapse-scalene
bench_require all "$sc"
if ! command -v python3 >/dev/null 2>&1; then
	echo "scalene: python3 is missing" >&2
	exit 1
fi

gensum=$(cksum <"$here/genscalene.py" | cut -d' ' -f1)
big=$cache/scalene-s$SEED-m$SIZE_MB-g$gensum.json
if [ ! -s "$big" ]; then
	echo "generating $big ..." >&2
	python3 "$here/genscalene.py" -s "$SEED" "$SIZE_MB" >"$big.tmp"
	mv "$big.tmp" "$big"
fi
bytes=$(bytes_of "$big")
if [ "$bytes" -lt 100000000 ]; then
	echo "scalene: $big has $bytes bytes, fewer than 100 MB; raise SIZE_MB" >&2
	exit 1
fi

# Untimed: bring the file into the page cache, and check the totals once:
# what was written adds up to the profile's own total, rounded.
cat "$big" >/dev/null
for args in "" "--source lines" "--source lines -m memory"; do
	# shellcheck disable=SC2086
	"$sc" -v $args "$big" 2>"$tmp/err" >"$tmp/out"
	sum=$(awk '{ s += $NF } END { printf "%.0f\n", s }' "$tmp/out")
	said=$(sed -n 's/.* total \([0-9]*\) .*/\1/p' "$tmp/err" | head -n 1)
	if [ "$sum" != "$said" ]; then
		echo "scalene: $sc $args: output adds up to $sum, -v says $said" >&2
		exit 1
	fi
	echo "check: stackcollapse-scalene $args: $(lines_of "$tmp/out") stacks, total $sum" >&2
	sed 's/^/check:   /' "$tmp/err" >&2
done

names="python lines-auto lines-cpu lines-memory"
i=0
while [ "$i" -lt "$RUNS" ]; do
	measure python python3 -c \
		'import json, sys; json.load(open(sys.argv[1]))' "$big"
	measure lines-auto "$sc" "$big"
	measure lines-cpu "$sc" --source lines "$big"
	measure lines-memory "$sc" --source lines -m memory "$big"
	i=$((i + 1))
done

bw=$(median "$tmp/python.wall")
bc=$(median "$tmp/python.cpu")
printf 'scalene: %s, %.1f MB; median of %s runs; machine: %s cores, shared\n' \
	"$(basename "$big")" "$(echo "$bytes" | awk '{ print $1 / 1e6 }')" \
	"$RUNS" "$(nproc 2>/dev/null || echo '?')"
printf 'target: stackcollapse-scalene faster than python3 json.load (wall and CPU)\n'
printf '%-34s %8s %8s %8s %8s %8s %9s\n' command "wall(s)" "cpu(s)" \
	"MB/s" "x wall" "x cpu" "RSS(MB)"
for n in $names; do
	case $n in
	python) label="python3 json.load" ;;
	lines-auto) label="stackcollapse-scalene (combined)" ;;
	lines-cpu) label="... --source lines" ;;
	lines-memory) label="... --source lines -m memory" ;;
	esac
	w=$(median "$tmp/$n.wall")
	c=$(median "$tmp/$n.cpu")
	r=$(maximum "$tmp/$n.rss")
	awk -v l="$label" -v w="$w" -v c="$c" -v r="$r" -v bw="$bw" \
	    -v bc="$bc" -v b="$bytes" -v base="$n" 'BEGIN {
		mark = ""
		if (base != "python")
			mark = (w < bw && c < bc) ? "PASS" : "FAIL"
		printf "%-34s %8.3f %8.3f %8.1f %7.2fx %7.2fx %9.1f %s\n", l,
		       w, c, b / 1e6 / w, w / bw, c / bc, r / 1024, mark
	}'
done
