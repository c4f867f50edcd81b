# lib.sh - what the benchmark scripts share. A script sources it first:
#
#     set -eu
#     . "$(dirname "$0")/lib.sh"
#
# which sets here (this directory) and root (the worktree) and cds to
# root. bench_init then checks RUNS and /usr/bin/time and makes $cache and
# $tmp; now, elapsed, median and measure time the runs.

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

BUILD=${BUILD:-build}

# bench_init NAME: NAME prefixes the messages; checks that RUNS is a
# positive integer and /usr/bin/time is there, makes the cache directory
# $cache ($BUILD/bench) and a temporary directory $tmp removed on exit.
bench_init() {
	bench=$1
	case $RUNS in '' | *[!0-9]* | 0)
		echo "$bench: RUNS must be a positive integer" >&2
		exit 1 ;;
	esac
	if [ ! -x /usr/bin/time ]; then
		echo "$bench: /usr/bin/time is missing (Debian package time)" >&2
		exit 1
	fi
	cache=$BUILD/bench
	mkdir -p "$cache"
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/$bench-bench.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	trap 'exit 130' INT TERM
}

# bench_require TARGETS FILE...: exits 1 unless every FILE is an
# executable, saying to run make BUILD=$BUILD TARGETS
bench_require() {
	targets=$1
	shift
	for b in "$@"; do
		if [ ! -x "$b" ]; then
			echo "$bench: $b is missing; run" \
			     "make BUILD=$BUILD $targets" >&2
			exit 1
		fi
	done
}

# now: seconds since the epoch, to the nanosecond
now() {
	date +%s.%N
}

# elapsed T0 T1: T1 - T0 in seconds
elapsed() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f\n", b - a }'
}

# median FILE: the median of the numbers in FILE, one a line
median() {
	sort -n "$1" | awk '{ v[NR] = $1 }
		END { if (NR % 2) printf "%.4f\n", v[(NR + 1) / 2];
		      else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# maximum FILE: the largest of the numbers in FILE, one a line
maximum() {
	sort -n "$1" | tail -n 1
}

# measure [-o FILE] NAME CMD...: one timed run of CMD, its standard output
# to FILE (/dev/null); appends the wall time to $tmp/NAME.wall, the CPU
# time (user + system: on a machine shared with other jobs, wall time
# says as much about them as about CMD) to $tmp/NAME.cpu and the peak RSS
# (KB) to $tmp/NAME.rss
measure() {
	out=/dev/null
	if [ "$1" = -o ]; then
		out=$2
		shift 2
	fi
	name=$1
	shift
	t0=$(now)
	/usr/bin/time -f '%M %U %S' -o "$tmp/time1" "$@" >"$out"
	t1=$(now)
	elapsed "$t0" "$t1" >>"$tmp/$name.wall"
	tail -n 1 "$tmp/time1" | awk -v c="$tmp/$name.cpu" \
	    -v r="$tmp/$name.rss" '{ printf "%.4f\n", $2 + $3 >> c;
				    print $1 >> r }'
}

# folded_input N: the file of N unique stacks that $gen (genfolded) makes
# with SEED and NNAMES, generated once into $cache, keyed by those and
# the generator's source
folded_input() {
	gensum=$(cksum <"$here/genfolded.c" | cut -d' ' -f1)
	f=$cache/folded-s$SEED-n$1-k$NNAMES-g$gensum.folded
	if [ ! -s "$f" ]; then
		echo "generating $f ..." >&2
		"$gen" -s "$SEED" "$1" "$NNAMES" >"$f.tmp"
		mv "$f.tmp" "$f"
	fi
	echo "$f"
}

# folded_sorted FILE.folded: FILE.sorted.folded, a copy of it sorted with
# LC_ALL=C sort as the stackcollapse tools write them, made once
folded_sorted() {
	f=${1%.folded}.sorted.folded
	if [ ! -s "$f" ]; then
		echo "sorting into $f ..." >&2
		LC_ALL=C sort -T "$cache" -o "$f.tmp" "$1"
		mv "$f.tmp" "$f"
	fi
	echo "$f"
}

# bytes_of FILE, lines_of FILE: its size in bytes, its number of lines
bytes_of() {
	wc -c <"$1" | tr -d ' '
}

lines_of() {
	wc -l <"$1" | tr -d ' '
}
