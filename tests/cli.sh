#!/bin/sh
# Command-line behaviour the golden cases cannot express: what every tool
# does when its output fails (a full disk, a closed pipe, an unwritable
# -o path, -o into a FIFO), and on SIGBUS. Prints "ok"/"not ok" lines and ends with "N passed, N failed".

set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
BUILD=${BUILD:-build}
LC_ALL=C
export LC_ALL
pass=0
fail=0
n=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cli.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM

check() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
		pass=$((pass + 1))
	else
		echo "not ok $n - $2"
		[ -s "$tmp/err" ] && sed 's/^/#   /' "$tmp/err"
		fail=$((fail + 1))
	fi
}

a=fixtures/folded/before.folded
b=fixtures/folded/after.folded
big=fixtures/perf/16-java-perfmap.folded.pl

# Each tool's inputs: two that work, a large one, and arguments that
# fail (a malformed input under --strict).
for tool in difffold flamegraph topfns stackcollapse-perf \
    stackcollapse-pstats stackcollapse-pyspy stackcollapse-scalene; do
	bin=$BUILD/$tool
	args="$a $b"
	bigargs="$big $big"
	badargs="--strict fixtures/folded/malformed.folded $b"
	case $tool in
	stackcollapse-perf)
		args=fixtures/perf/01-c-fp.txt
		bigargs=fixtures/perf/16-java-perfmap.txt
		badargs="--strict fixtures/perf/crafted/garbage.txt" ;;
	stackcollapse-pstats)
		args=fixtures/pstats/own-cprofile-py3.11.pstats
		bigargs=fixtures/pstats/own-cprofile-py3.12.pstats
		badargs="--strict fixtures/pstats/malformed.pstats" ;;
	stackcollapse-pyspy)
		args=fixtures/pyspy/raw-threads.txt
		bigargs=fixtures/pyspy/speedscope-threads-idle.json
		badargs="--strict fixtures/pyspy/raw-bad.txt" ;;
	stackcollapse-scalene)
		args=fixtures/scalene/real/crix-scraper.stacks-combined.v2.3.json
		bigargs=$args
		badargs="--strict fixtures/scalene/edge/malformed.json" ;;
	esac

	# A full disk on standard output: exit 1 and say so.
	"$bin" $args >/dev/full 2>"$tmp/err"
	st=$?
	[ $st = 1 ] && grep -q "^$tool: write error on 'standard output': No space left on device\$" "$tmp/err"
	check $? "$tool: write error on stdout (/dev/full) exits 1 with a message"

	# A closed pipe ends the tool quietly, by SIGPIPE.
	st=$( { "$bin" $bigargs 2>"$tmp/err"; echo $? >"$tmp/st"; } | head -c 1 >/dev/null; cat "$tmp/st")
	[ ! -s "$tmp/err" ] && { [ "$st" = 141 ] || [ "$st" = 0 ]; }
	check $? "$tool: closed pipe ends quietly (status $st)"

	# -o into a directory that does not exist: exit 1, nothing created.
	"$bin" -o "$tmp/no/such/dir/out" $args >"$tmp/out" 2>"$tmp/err"
	st=$?
	[ $st = 1 ] && grep -q "^$tool: cannot create " "$tmp/err" &&
		[ ! -s "$tmp/out" ]
	check $? "$tool: -o into a missing directory exits 1"

	# -o leaves no temporary file behind, on success or failure.
	mkdir -p "$tmp/o-$tool"
	"$bin" -o "$tmp/o-$tool/good" $args 2>"$tmp/err" &&
		"$bin" -o "$tmp/o-$tool/bad" $badargs 2>"$tmp/err"
	[ "$(ls -A "$tmp/o-$tool")" = good ]
	check $? "$tool: -o leaves only the finished file"

	# -o gives the file the usual permissions, not mkstemp's 0600.
	(umask 022 && "$bin" -o "$tmp/o-$tool/perm" $args)
	[ "$(stat -c %a "$tmp/o-$tool/perm")" = 644 ]
	check $? "$tool: -o file has mode 644 under umask 022"

	# -o naming a FIFO (or a device) writes into it: no rename over it.
	rm -f "$tmp/fifo"
	mkfifo "$tmp/fifo"
	cat "$tmp/fifo" >"$tmp/fifo.out" &
	"$bin" -o "$tmp/fifo" $args 2>"$tmp/err"
	st=$?
	wait
	"$bin" $args >"$tmp/fifo.want" 2>/dev/null
	[ $st = 0 ] && [ -p "$tmp/fifo" ] && cmp -s "$tmp/fifo.out" "$tmp/fifo.want"
	check $? "$tool: -o into a FIFO writes through it and keeps it"
done

# SIGBUS (a mapped input cut short as it is read) is an error, not a
# crash: exit 1 with a message, and -o's file is not left behind. The
# tool waits opening a FIFO nobody writes; once it catches SIGBUS (its
# SigCgt shows bit 7 - 1), it is sent one.
for tool in difffold flamegraph topfns stackcollapse-perf; do
	rm -rf "$tmp/bus" && mkdir "$tmp/bus" && mkfifo "$tmp/bus/in"
	case $tool in
	difffold) set -- "$tmp/bus/in" "$a" ;;
	*) set -- "$tmp/bus/in" ;;
	esac
	# (under AddressSanitizer, its own SIGBUS handler would win)
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_sigbus=0 \
		"$BUILD/$tool" -o "$tmp/bus/out" "$@" 2>"$tmp/err" &
	pid=$!
	tries=0
	until [ "$tries" -ge 100 ] || {
		cgt=$(sed -n 's/^SigCgt:[[:space:]]*//p' "/proc/$pid/status" \
			2>/dev/null)
		[ -n "$cgt" ] && [ $((0x$cgt & 0x40)) != 0 ]
	}; do
		sleep 0.05
		tries=$((tries + 1))
	done
	kill -BUS "$pid"
	wait "$pid"
	st=$?
	[ $st = 1 ] &&
		grep -q "^$tool: an input file shrank while it was read" \
			"$tmp/err" &&
		[ "$(ls -A "$tmp/bus")" = in ]
	check $? "$tool: SIGBUS while reading exits 1 with a message"
done

# -j: a regular file of 8.5 MB (two 4 MiB chunks) is read on the
# threads asked for (--verbose says how many), with the output of -j 1;
# 0 and non-numbers are usage errors.
awk 'BEGIN { for (i = 0; i < 150000; i++)
	printf "main;module%d;function%d;leaf%d_with_a_longer_name %d\n",
		i % 97, i % 1009, i, i % 7 + 1 }' >"$tmp/j.folded"
for tool in difffold flamegraph topfns; do
	case $tool in
	difffold) set -- "$tmp/j.folded" "$tmp/j.folded" ;;
	*) set -- "$tmp/j.folded" ;;
	esac
	"$BUILD/$tool" -j 1 --verbose "$@" >"$tmp/j1.out" 2>"$tmp/j1.err" &&
	"$BUILD/$tool" -j 2 --verbose "$@" >"$tmp/j2.out" 2>"$tmp/j2.err" &&
	grep -q 'read on 1 thread$' "$tmp/j1.err" &&
	grep -q 'read on 2 threads$' "$tmp/j2.err" &&
	! grep -q 'read on 1 thread$' "$tmp/j2.err" &&
	cmp -s "$tmp/j1.out" "$tmp/j2.out"
	check $? "$tool: -j 2 reads on two threads, with the output of -j 1"
	for bad in 0 x 1025; do
		"$BUILD/$tool" -j "$bad" "$@" >/dev/null 2>"$tmp/err"
		[ $? = 2 ] && grep -q "^$tool: -j needs a number of threads" \
			"$tmp/err" || break
	done
	check $? "$tool: -j 0, x and 1025 are usage errors"
done

# flamegraph --cp: palette.map in the current directory is read (its
# colours win), then rewritten sorted with every colour used; a second
# run gives the same SVG.
mkdir -p "$tmp/cp"
printf 'main->rgb(1,2,3)\n' >"$tmp/cp/palette.map"
fgbin=$(cd "$BUILD" && pwd)/flamegraph
small=$root/fixtures/flamegraph/small.folded
(cd "$tmp/cp" && "$fgbin" --cp "$small" >one.svg 2>"$tmp/err" &&
	"$fgbin" --cp "$small" >two.svg 2>>"$tmp/err") &&
	grep -q 'fill="rgb(1,2,3)"' "$tmp/cp/one.svg" &&
	cmp -s "$tmp/cp/one.svg" "$tmp/cp/two.svg" &&
	grep -q '^Perl_pp_entersub->rgb(' "$tmp/cp/palette.map" &&
	grep -q '^main->rgb(1,2,3)$' "$tmp/cp/palette.map" &&
	[ "$(wc -l <"$tmp/cp/palette.map")" -gt 20 ] &&
	LC_ALL=C sort -c "$tmp/cp/palette.map" &&
	[ "$(ls -A "$tmp/cp" | tr '\n' ' ')" = "one.svg palette.map two.svg " ]
check $? "flamegraph: --cp reads and rewrites palette.map"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
