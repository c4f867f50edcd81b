#!/bin/sh
# progress.sh - --progress on a terminal: run a tool under script(1) so
# standard error is a pty, feed its input slowly so the progress line is
# drawn, and check that the line is drawn, then erased, and that none of
# it reaches standard output. Also: --quiet draws nothing, and a small
# input draws nothing by default. Ends with "N passed, N failed".

set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
BUILD=${BUILD:-build}
case $BUILD in /*) bin=$BUILD ;; *) bin=$root/$BUILD ;; esac
pass=0
fail=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/progress.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM

if ! command -v script >/dev/null 2>&1; then
	echo "not ok - script(1) is missing (bsdutils)"
	echo "0 passed, 1 failed"
	exit 1
fi

ok() { pass=$((pass + 1)); echo "ok - $1"; }
nok() { fail=$((fail + 1)); echo "not ok - $1"; }

# run NAME OPTIONS: difffold on a slow standard input, under a pty;
# the terminal's bytes go to $tmp/NAME.tty, standard output to .out
run() {
	name=$1
	shift
	WRAPPED="$*" BIN=$bin script -qec '
		(cat fixtures/folded/before.folded; sleep 0.3;
		 cat fixtures/folded/before.folded; sleep 0.3) |
		$BIN/difffold $WRAPPED - fixtures/folded/after.folded' \
		/dev/null >"$tmp/$name.tty" 2>&1 </dev/null
	# the same input without a pty: the expected standard output
	cat fixtures/folded/before.folded fixtures/folded/before.folded |
		"$bin"/difffold - fixtures/folded/after.folded >"$tmp/$name.want"
}

cr=$(printf '\r')
esc=$(printf '\033')

run forced --progress
if grep -q "${cr}difffold: .*B read, .* lines, .*B/s" "$tmp/forced.tty"; then
	ok "--progress draws a line on the terminal"
else
	nok "--progress draws a line on the terminal"
	sed 's/^/#   /' "$tmp/forced.tty" | cat -v
fi
# the last progress line is erased before the output: \r ESC[K
if grep -q "${cr}${esc}\[K" "$tmp/forced.tty"; then
	ok "--progress erases its line at the end"
else
	nok "--progress erases its line at the end"
fi
# standard output (the folded lines, on the same pty) is intact:
# without the progress lines, the terminal shows exactly the output
sed "s/${cr}${esc}\[K//g; s/${cr}difffold: [^${esc}]*${esc}\[K//g; s/${cr}\$//" \
	"$tmp/forced.tty" >"$tmp/forced.clean"
if cmp -s "$tmp/forced.clean" "$tmp/forced.want"; then
	ok "no progress reaches standard output"
else
	nok "no progress reaches standard output"
	diff "$tmp/forced.want" "$tmp/forced.clean" | sed 's/^/#   /' | cat -v
fi

run quiet --progress --quiet
if grep -q "B read" "$tmp/quiet.tty"; then
	nok "--quiet draws nothing"
else
	ok "--quiet draws nothing"
fi

run small
if grep -q "B read" "$tmp/small.tty"; then
	nok "a small input draws nothing by default"
else
	ok "a small input draws nothing by default"
fi

# with standard error not a terminal, --progress still draws (asked for)
(cat fixtures/folded/before.folded; sleep 0.3; cat fixtures/folded/before.folded) |
	"$bin"/difffold --progress - fixtures/folded/after.folded \
	>"$tmp/pipe.out" 2>"$tmp/pipe.err"
if grep -q "B read" "$tmp/pipe.err" && ! grep -q "B read" "$tmp/pipe.out"; then
	ok "--progress goes to standard error only"
else
	nok "--progress goes to standard error only"
fi

# topfns reads folded text line by line, as difffold does
(cat fixtures/folded/before.folded; sleep 0.3; cat fixtures/folded/after.folded) |
	"$bin"/topfns --progress >"$tmp/top.out" 2>"$tmp/top.err"
cat fixtures/folded/before.folded fixtures/folded/after.folded |
	"$bin"/topfns >"$tmp/top.want" 2>/dev/null
if grep -q "^${cr}topfns: .*B read, .* lines, .*B/s" "$tmp/top.err" &&
    cmp -s "$tmp/top.out" "$tmp/top.want"; then
	ok "topfns --progress draws on a slow input"
else
	nok "topfns --progress draws on a slow input"
	cat -v "$tmp/top.err" | sed 's/^/#   /'
fi

# the whole-file readers (py-spy JSON, Scalene JSON, pstats) report
# through the library's read hook: a slow pipe draws, and the output is
# what the same input gives without --progress
slow() {
	head -c 300000 "$1"
	sleep 0.3
	tail -c +300001 "$1"
}
for c in "stackcollapse-pyspy fixtures/pyspy/voronoi-pp.py-spy-0.4.1.py311.speedscope.json" \
    "stackcollapse-scalene fixtures/scalene/real/crix-scraper.stacks-combined.v2.3.json"; do
	set -- $c
	slow "$2" | "$bin/$1" --progress >"$tmp/slow.out" 2>"$tmp/slow.err"
	"$bin/$1" "$2" >"$tmp/slow.want" 2>/dev/null
	if grep -q "^${cr}$1: .*B read, .*B/s" "$tmp/slow.err" &&
	    grep -q "${cr}${esc}\[K\$" "$tmp/slow.err" &&
	    cmp -s "$tmp/slow.out" "$tmp/slow.want"; then
		ok "$1 --progress on a slow JSON input draws and erases"
	else
		nok "$1 --progress on a slow JSON input draws and erases"
		cat -v "$tmp/slow.err" | sed 's/^/#   /'
	fi
done

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
