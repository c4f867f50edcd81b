#!/bin/sh
# smoke.sh - run every libFuzzer target briefly, from its seed corpus.
#
# For each $BUILD/tests/fuzz/fuzz_NAME binary, copies the seeds in
# tests/fuzz/corpus/NAME/ into a fresh scratch corpus under
# $BUILD/fuzz-smoke/NAME/ (so what the fuzzer adds never lands in the
# source tree) and runs the target for FUZZ_SECONDS (60) seconds. A crash,
# leak, timeout or out-of-memory fails the target; its log and any
# reproducer stay in the scratch directory. Prints one line per target
# and a final "N passed, N failed"; exits 1 if any target failed (or
# there is none).
#
# Environment: BUILD (build-fuzz), FUZZ_SECONDS (60). Run through
# `make fuzz-smoke`, which builds the targets with clang first.

set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 2
BUILD=${BUILD:-build-fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
pass=0
fail=0
found=0

case $FUZZ_SECONDS in '' | *[!0-9]*)
	echo "smoke: FUZZ_SECONDS must be a whole number of seconds" >&2
	exit 2 ;;
esac

for bin in "$BUILD"/tests/fuzz/fuzz_*; do
	if [ ! -f "$bin" ] || [ ! -x "$bin" ]; then
		continue
	fi
	case $bin in *.o | *.d) continue ;; esac
	found=$((found + 1))
	target=$(basename "$bin")
	name=${target#fuzz_}
	seeds=tests/fuzz/corpus/$name
	scratch=$BUILD/fuzz-smoke/$name
	rm -rf "$scratch"
	mkdir -p "$scratch/corpus" "$scratch/artifacts" || exit 2
	if [ -d "$seeds" ]; then
		cp -R "$seeds"/. "$scratch/corpus/" || exit 2
	else
		echo "smoke: $target: no seed corpus $seeds/; starting empty" >&2
	fi
	log=$scratch/log
	"$bin" -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 \
		-timeout=10 -print_final_stats=1 \
		-artifact_prefix="$scratch/artifacts/" \
		"$scratch/corpus" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" |
		tail -n 1)
	execs=${execs:-?}
	if [ $rc -eq 0 ]; then
		pass=$((pass + 1))
		echo "$target: ok ($execs executions in ${FUZZ_SECONDS}s)"
	else
		fail=$((fail + 1))
		echo "$target: FAILED (exit $rc after $execs executions; log $log)"
		for a in "$scratch"/artifacts/*; do
			[ -f "$a" ] && echo "  reproducer: $a"
		done
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*check failed)' "$log" |
			head -n 5 | sed 's/^/  /'
	fi
done

if [ $found -eq 0 ]; then
	echo "smoke: no fuzz targets in $BUILD/tests/fuzz/ (make fuzz first)" >&2
	echo "0 passed, 0 failed"
	exit 1
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
