#!/bin/sh
# run.sh - the browser tests of the flamegraph SVG (tests/browser/run.js)
# on SVGs made by $BUILD/flamegraph from fixtures, in Debian's chromium.
# Installs playwright-core into tests/browser/node_modules (npm ci, from
# package-lock.json) when it is missing. Screenshots go to $BUILD/browser/.
# Ends with "N passed, N failed" like the other groups of make check.
#
# Environment: BUILD (build), CHROMIUM (/usr/bin/chromium), FLAMEGRAPH
# ($BUILD/flamegraph), DIFFFOLD ($BUILD/difffold).

set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root" || exit 2
BUILD=${BUILD:-build}
FLAMEGRAPH=${FLAMEGRAPH:-$BUILD/flamegraph}
DIFFFOLD=${DIFFFOLD:-$BUILD/difffold}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
export CHROMIUM
out=$BUILD/browser
folded=fixtures/perf/01-c-fp.folded.pl
after=fixtures/perf/01-c-fp.after.folded
regex='write|strtoll'

die() {
	echo "not ok - $*"
	echo "0 passed, 1 failed"
	exit 1
}

command -v node >/dev/null 2>&1 || die "node is missing (make deps)"
[ -x "$CHROMIUM" ] || die "$CHROMIUM is missing (make deps)"
for t in "$FLAMEGRAPH" "$DIFFFOLD"; do
	[ -x "$t" ] || die "$t is not built"
done
if [ ! -d "$here/node_modules/playwright-core" ]; then
	(cd "$here" && npm ci --no-audit --no-fund --loglevel=error) >&2 ||
		die "npm ci in tests/browser failed"
fi

mkdir -p "$out" || exit 2
rm -f "$out"/*.png
"$FLAMEGRAPH" "$folded" >"$out/c.svg" || die "flamegraph $folded failed"
"$FLAMEGRAPH" --search "$regex" "$folded" >"$out/preset.svg" ||
	die "flamegraph --search failed"
"$DIFFFOLD" "$folded" "$after" >"$out/diff.folded" || die "difffold failed"
"$FLAMEGRAPH" "$out/diff.folded" >"$out/diff.svg" ||
	die "flamegraph of a differential file failed"
"$FLAMEGRAPH" tests/browser/unicode.folded >"$out/unicode.svg" ||
	die "flamegraph tests/browser/unicode.folded failed"
"$FLAMEGRAPH" --truncate-text-right tests/browser/unicode.folded \
	>"$out/unicode-right.svg" || die "flamegraph --truncate-text-right failed"

exec node "$here/run.js" --out "$out" --folded "$folded" --regex "$regex" \
	--svg "$out/c.svg" --preset "$out/preset.svg" --diff "$out/diff.svg" \
	--unicode "$out/unicode.svg" --unicode-right "$out/unicode-right.svg"
