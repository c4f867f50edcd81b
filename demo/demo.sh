#!/bin/sh
# demo.sh - what `make demo` runs: renders the real recordings shipped in
# fixtures/ with the tools in $BUILD into $BUILD/demo/, and prints where
# each file is and a one-line summary of it.
#
# One line per picture at the end of this file: a file name, a
# description, and the pipeline that writes it (run from the top of the
# repository, with $B the build directory and $D the demo directory).
# Add a line when a tool or a recording is added.

set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
B=${BUILD:-build}
D=$B/demo
mkdir -p "$D" || exit 2
rm -f "$D"/*.svg "$D"/*.png "$D"/*.folded
failed=0

# summary_folded FILE: "N stacks, total T" of a folded file, or for a
# differential one (two counts a line) "N stacks, before B, after A (+R%)"
summary_folded() {
	LC_ALL=C awk '{ n++; a += $NF; if ($(NF - 1) ~ /^[0-9.]+$/) { d = 1; b += $(NF - 1) } }
		END { if (d) printf "%d stacks, before %.15g, after %.15g (%+.1f%%)",
			n, b, a, (b > 0 ? 100 * (a - b) / b : 0)
		      else printf "%d stacks, total %.15g", n, a }' "$1"
}

# hottest FILE: the frame with the largest self count (on top of the
# stack; the "after" count of a differential file), and its share
hottest() {
	LC_ALL=C awk '{ c = $NF; s = $0; sub(/ [^ ]*$/, "", s);
		if (NF > 2 && $(NF - 1) ~ /^[0-9.]+$/) sub(/ [^ ]*$/, "", s);
		k = split(s, f, ";"); self[f[k]] += c; t += c }
		END { for (x in self) if (self[x] > m) { m = self[x]; b = x }
		      if (t > 0) printf "%s (%.1f%%)", b, 100 * m / t }' "$1"
}

# render NAME DESCRIPTION INPUT COMMAND...: runs COMMAND (which writes
# $D/NAME), then prints the file's path, size, frame count and a summary
# of INPUT, the folded data the picture shows
render() {
	name=$1 desc=$2 input=$3
	shift 3
	if ! sh -c "$*" 2>"$D/$name.err"; then
		echo "FAILED  $D/$name: $*"
		sed 's/^/        /' "$D/$name.err"
		failed=$((failed + 1))
		return
	fi
	rm -f "$D/$name.err"
	frames=$(grep -o '<g class="f"' "$D/$name" | wc -l | tr -d ' ')
	kb=$(( ($(wc -c <"$D/$name") + 512) / 1024 ))
	printf '%s: %s; %s KB, %s frames; %s; top self %s\n' "$D/$name" \
		"$desc" "$kb" "$frames" "$(summary_folded "$input")" \
		"$(hottest "$input")"
}

# picture NAME DESCRIPTION FOLD FLAGS: FOLD is a command writing folded
# stacks to standard output; they are kept in $D/NAME.folded and drawn
# with FLAGS into $D/NAME.svg and, for CI reports, $D/NAME.png
picture() {
	pname=$1 pdesc=$2 fold=$3 flags=$4
	render "$pname.svg" "$pdesc" "$D/$pname.folded" \
		"$fold >$D/$pname.folded && \$B/flamegraph $flags -o $D/$pname.svg $D/$pname.folded"
	if [ -s "$D/$pname.svg" ]; then
		if sh -c "\$B/flamegraph $flags -o $D/$pname.png $D/$pname.folded" \
		    2>"$D/$pname.png.err"; then
			rm -f "$D/$pname.png.err"
			echo "$D/$pname.png: the same, as a picture for reports; $(( ($(wc -c <"$D/$pname.png") + 512) / 1024 )) KB"
		else
			echo "FAILED  $D/$pname.png"
			sed 's/^/        /' "$D/$pname.png.err"
			failed=$((failed + 1))
		fi
	fi
}

export B D
echo "flamekit demo: real recordings from fixtures/, drawn into $D/"
echo "(open the .svg files in a browser: hover, click to zoom, Ctrl-F to search)"
echo

picture c "perf, a C program with frame pointers" \
	'$B/stackcollapse-perf fixtures/perf/01-c-fp.txt' \
	'--title "C program (perf, frame pointers)"'
picture python312 "perf, Python 3.12 -X perf, Python frames decoded" \
	'$B/stackcollapse-perf --python fixtures/perf/05-py312-Xperf-fp.txt' \
	'--colors python --title "Python 3.12 -X perf (stackcollapse-perf --python)"'
picture java "perf, a Java program with a perf map" \
	'cat fixtures/perf/16-java-perfmap.folded.pl' \
	'--colors java --title "Java (perf, perf map)"'
picture c-diff "difffold of the C program, before and after a change" \
	'$B/difffold fixtures/perf/01-c-fp.folded.pl fixtures/perf/01-c-fp.after.folded' \
	'--title "C program: after vs before"'
picture pstats "cProfile of a Python 3.12 workload, stacks rebuilt from pstats" \
	'$B/stackcollapse-pstats fixtures/pstats/own-cprofile-py3.12.pstats' \
	'--colors python --countname us --title "cProfile (stackcollapse-pstats)"'
picture pyspy "py-spy speedscope recording, one root per thread" \
	'$B/stackcollapse-pyspy -g function --path base fixtures/pyspy/speedscope-threads-idle.json' \
	'--colors python --title "py-spy (speedscope)"'
picture scalene "Scalene: Python, native and system time per line" \
	'$B/stackcollapse-scalene --split fixtures/scalene/real/crix-scraper.stacks-combined.v2.3.json' \
	'--colors python --countname us --title "Scalene --split: python / native / system"'

echo
if [ "$failed" -ne 0 ]; then
	echo "$failed of the pictures failed"
	exit 1
fi
