#!/bin/sh
# Everything `make check` runs once the build is done: the unit tests
# (cmocka, one binary per library module), public headers compiled alone,
# the golden tests and the man-page lint. Prints a line per group and
# ends with one line "N passed, N failed"; exits 1 if anything failed.

set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
BUILD=${BUILD:-build}
CC=${CC:-cc}
pass=0
fail=0
log=$(mktemp "${TMPDIR:-/tmp}/check.XXXXXX") || exit 2
trap 'rm -f "$log"' EXIT INT TERM

# Unit tests, each binary's TAP output counted case by case. A binary
# that dies without reporting a failed case counts as one failure.
for t in "$BUILD"/tests/unit/test_*; do
	[ -x "$t" ] || continue
	case $t in *.o | *.d) continue ;; esac
	CMOCKA_MESSAGE_OUTPUT=TAP "$t" >"$log" 2>&1
	rc=$?
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
	fi
	if [ "$f" -ne 0 ]; then
		echo "unit $(basename "$t"): $p ok, $f FAILING"
		sed 's/^/#   /' "$log"
	else
		echo "unit $(basename "$t"): $p ok"
	fi
	pass=$((pass + p))
	fail=$((fail + f))
done

# Every public header compiles on its own.
hp=0
hf=0
for h in include/fg/*.h; do
	if printf '#include "%s"\n' "${h#include/}" |
	    $CC -std=c11 -Iinclude -Wall -Wextra -fsyntax-only -x c - 2>"$log"; then
		hp=$((hp + 1))
	else
		hf=$((hf + 1))
		echo "header $h does not compile alone:"
		sed 's/^/#   /' "$log"
	fi
done
echo "headers: $hp ok, $hf failing"
pass=$((pass + hp))
fail=$((fail + hf))

# The golden tests, the output-handling tests and the browser tests
# (tests/browser/, Debian's chromium; needs $BUILD/flamegraph): scripts that end with
# their own "N passed, N failed" line.
for script in tests/golden/run.sh tests/cli.sh tests/completion.sh \
    tests/progress.sh tests/man-examples.sh tests/browser/run.sh \
    tests/raster/run.sh; do
	BUILD=$BUILD sh "$script" >"$log" 2>&1
	grep -v '^ok ' "$log" | sed '$d'
	summary=$(tail -n 1 "$log")
	gp=$(echo "$summary" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed\(, [0-9]* skipped\)\{0,1\}$/\1/p')
	gf=$(echo "$summary" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed\(, [0-9]* skipped\)\{0,1\}$/\2/p')
	if [ -z "$gp" ]; then
		echo "$script ended abnormally: $summary"
		gp=0
		gf=1
	fi
	echo "$script: $gp ok, $gf failing"
	pass=$((pass + gp))
	fail=$((fail + gf))
done

# Every golden SVG is well-formed XML.
xp=0
xf=0
for f in tests/golden/*/*.out tests/golden/*/*.outfile; do
	[ -f "$f" ] || continue
	head -c 5 "$f" | grep -q '^<?xml' || continue
	if xmllint --noout "$f" >"$log" 2>&1; then
		xp=$((xp + 1))
	else
		xf=$((xf + 1))
		echo "xmllint $f:"
		sed 's/^/#   /' "$log"
	fi
done
echo "golden SVGs well-formed: $xp ok, $xf failing"
pass=$((pass + xp))
fail=$((fail + xf))

# Man pages: mandoc -Tlint must have nothing to say.
mp=0
mf=0
for m in man/man?/*.[1-9]; do
	[ -f "$m" ] || continue
	if mandoc -Tlint "$m" >"$log" 2>&1 && [ ! -s "$log" ]; then
		mp=$((mp + 1))
	else
		mf=$((mf + 1))
		echo "man $m:"
		sed 's/^/#   /' "$log"
	fi
done
echo "man pages: $mp ok, $mf failing"
pass=$((pass + mp))
fail=$((fail + mf))

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
