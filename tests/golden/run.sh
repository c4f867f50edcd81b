#!/bin/sh
# Golden tests: run every tool's command-line cases and compare stdout,
# stderr, exit status (and an -o output file) byte for byte.
#
#   tests/golden/<tool>/<case>.args     the arguments: one line, shell words,
#                                       paths relative to the repository root
#   tests/golden/<tool>/<case>.stdin    optional: standard input (else /dev/null)
#   tests/golden/<tool>/<case>.out      expected standard output
#   tests/golden/<tool>/<case>.err      optional: expected standard error (else empty)
#   tests/golden/<tool>/<case>.exit     optional: expected exit status (else 0)
#   tests/golden/<tool>/<case>.pre      optional: put at $OUT before the run
#   tests/golden/<tool>/<case>.outfile  optional: expected content of $OUT
#   tests/golden/<tool>/<case>.filter   optional: a sed script applied to
#                                       standard output before the comparison
#                                       (default: <tool>/all.filter if any)
#
# In .args, $OUT names a file in a scratch directory. When a case uses $OUT
# and has no .outfile, $OUT must not exist after the run unless a .pre put
# it there, in which case it must still hold the .pre (a failed run keeps
# the old file). The scratch directory must hold nothing else: no temporary
# file may be left behind.
#
# Environment: BUILD (default build) holds the binaries; WRAP prefixes each
# run (make valgrind sets it); FG_BLESS=1 rewrites the expectations from
# the actual results (review the diff before committing). Arguments name
# cases to run (tool/case), default all. A case without .out fails once
# and gets one written, so a new case starts from the tool's output.
# Ends with a line "N passed, N failed"; exits 1 if any failed.

set -u
LC_ALL=C
TZ=UTC
export LC_ALL TZ
unset LANG LANGUAGE 2>/dev/null || true

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 2
BUILD=${BUILD:-build}
case $BUILD in
/*) bin=$BUILD ;;
*) bin=$root/$BUILD ;;
esac
WRAP=${WRAP:-}
FG_BLESS=${FG_BLESS:-0}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/golden.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM

pass=0
fail=0
n=0

if [ $# -gt 0 ]; then
	cases=
	for c in "$@"; do
		cases="$cases tests/golden/${c%.args}.args"
	done
else
	cases=$(ls tests/golden/*/*.args 2>/dev/null | LC_ALL=C sort)
fi

for args in $cases; do
	base=${args%.args}
	tool=$(basename "$(dirname "$base")")
	name=$tool/$(basename "$base")
	n=$((n + 1))
	work=$tmp/$n
	mkdir -p "$work/scratch"
	OUT=$work/scratch/out
	export OUT

	if [ -f "$base.pre" ]; then
		cp "$base.pre" "$OUT"
	fi
	stdin=/dev/null
	[ -f "$base.stdin" ] && stdin=$base.stdin
	line=$(cat "$args")
	eval "set -- $line"
	# shellcheck disable=SC2086
	$WRAP "$bin/$tool" "$@" <"$stdin" >"$work/out" 2>"$work/err"
	status=$?
	echo "$status" >"$work/exit"
	filter=$base.filter
	[ -f "$filter" ] || filter=$(dirname "$base")/all.filter
	if [ -f "$filter" ]; then
		sed -f "$filter" "$work/out" >"$work/out.filtered" &&
			mv "$work/out.filtered" "$work/out"
	fi

	want_exit=0
	[ -f "$base.exit" ] && want_exit=$(cat "$base.exit")
	: >"$work/want-err"
	[ -f "$base.err" ] && cp "$base.err" "$work/want-err"

	ok=1
	msgs=
	if [ ! -f "$base.out" ]; then
		ok=0
		msgs="$msgs
no $base.out: written from this run"
		cp "$work/out" "$base.out"
	elif ! cmp -s "$base.out" "$work/out"; then
		ok=0
		msgs="$msgs
$(diff -u "$base.out" "$work/out" | head -n 40)"
	fi
	if ! cmp -s "$work/want-err" "$work/err"; then
		ok=0
		msgs="$msgs
$(diff -u "$work/want-err" "$work/err" | sed 's/^/stderr /' | head -n 20)"
	fi
	if [ "$status" != "$want_exit" ]; then
		ok=0
		msgs="$msgs
exit status $status, expected $want_exit"
	fi
	uses_out=0
	case $line in *'$OUT'*) uses_out=1 ;; esac
	if [ -f "$filter" ] && [ -f "$OUT" ]; then
		sed -f "$filter" "$OUT" >"$work/outfile.filtered"
	elif [ -f "$OUT" ]; then
		cp "$OUT" "$work/outfile.filtered"
	fi
	if [ -f "$base.outfile" ]; then
		if [ ! -f "$OUT" ]; then
			ok=0
			msgs="$msgs
\$OUT was not written"
		elif ! cmp -s "$base.outfile" "$work/outfile.filtered"; then
			ok=0
			msgs="$msgs
$(diff -u "$base.outfile" "$work/outfile.filtered" | head -n 20)"
		fi
	elif [ -f "$base.pre" ]; then
		if ! cmp -s "$base.pre" "$OUT" 2>/dev/null; then
			ok=0
			msgs="$msgs
\$OUT no longer holds the .pre file"
		fi
	elif [ $uses_out = 1 ] && [ -e "$OUT" ]; then
		ok=0
		msgs="$msgs
\$OUT exists after a run that should not have written it"
	fi
	extra=$(ls -A "$work/scratch" | grep -v '^out$')
	if [ -n "$extra" ]; then
		ok=0
		msgs="$msgs
left behind in the output directory: $extra"
	fi

	if [ "$FG_BLESS" = 1 ]; then
		cp "$work/out" "$base.out"
		if [ -s "$work/err" ]; then cp "$work/err" "$base.err"; else rm -f "$base.err"; fi
		if [ "$status" != 0 ]; then echo "$status" >"$base.exit"; else rm -f "$base.exit"; fi
		if [ -f "$base.outfile" ] && [ -f "$OUT" ]; then cp "$work/outfile.filtered" "$base.outfile"; fi
		echo "blessed $n - $name"
		pass=$((pass + 1))
		continue
	fi
	if [ $ok = 1 ]; then
		echo "ok $n - $name"
		pass=$((pass + 1))
	else
		echo "not ok $n - $name"
		printf '%s\n' "$msgs" | sed '1d; s/^/#   /'
		fail=$((fail + 1))
	fi
done

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
