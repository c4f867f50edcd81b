#!/bin/sh
# man-examples.sh - run the EXAMPLES of every man page as tests.
#
# In each page's EXAMPLES section, every command shown as "$ command"
# (in a .Bd -literal block or on a .Dl line) whose pipeline uses only
# flamekit tools (and cat) is run in a scratch directory holding
# fixtures/man/* (the files the examples name). A command may continue
# on the next lines when it ends in '|' or '\'. Lines after a command,
# up to the next command or the end of the block, are its expected
# standard output; a command without them must just succeed. Commands
# that need other programs (perf, a profiled application) are counted
# as skipped. The commands of one block share a scratch directory, so
# a later one can read what an earlier one wrote; each block starts
# from a fresh copy. Ends with "N passed, N failed, N skipped".

set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
BUILD=${BUILD:-build}
case $BUILD in /*) bin=$BUILD ;; *) bin=$root/$BUILD ;; esac
pass=0
fail=0
skip=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/manex.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM

tools=cat
for t in "$bin"/*; do
	[ -f "$t" ] && [ -x "$t" ] && tools="$tools $(basename "$t")"
done

# Every example of a page as records: "C<TAB>command" and "O<TAB>line".
extract() {
	awk '
	function unesc(s) {
		gsub(/\\e/, "\\", s); gsub(/\\-/, "-", s); gsub(/\\&/, "", s)
		return s
	}
	/^\.Sh / { inex = ($2 == "EXAMPLES"); next }
	!inex { next }
	/^\.Dl \$ / { sub(/^\.Dl \$ /, ""); print "C\t" unesc($0); print "E\t"; next }
	/^\.Bd -literal/ { inblk = 1; cont = 0; next }
	/^\.Ed/ { if (inblk) print "E\t"; inblk = 0; next }
	!inblk { next }
	{
		line = unesc($0)
		if (cont) {
			sub(/^[ \t]+/, "", line)
			cmd = cmd " " line
		} else if (line ~ /^\$ /) {
			cmd = substr(line, 3)
		} else {
			print "O\t" line
			next
		}
		if (cmd ~ /[|\\]$/) {
			if (cmd ~ /\\$/)
				cmd = substr(cmd, 1, length(cmd) - 1)
			cont = 1
			next
		}
		cont = 0
		print "C\t" cmd
	}' "$1"
}

# runnable CMD: every stage of the pipeline starts with a built tool
runnable() {
	echo "$1" | tr '|' '\n' | while read -r first rest; do
		case " $tools " in
		*" $first "*) ;;
		*) echo no; break ;;
		esac
	done | grep -q no && return 1
	return 0
}

check_one() {
	page=$1 cmd=$2 want=$3
	if ! runnable "$cmd"; then
		skip=$((skip + 1))
		echo "skip - $page: $cmd"
		return
	fi
	if [ "$fresh" = 1 ]; then
		rm -rf "$tmp/run"
		mkdir "$tmp/run"
		cp -RL fixtures/man/. "$tmp/run/"
		fresh=0
	fi
	(cd "$tmp/run" && PATH=$bin:$PATH LC_ALL=C sh -c "$cmd") \
		>"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ -n "$want" ]; then
		printf '%s\n' "$want" >"$tmp/want"
		if [ $rc -eq 0 ] && cmp -s "$tmp/want" "$tmp/out"; then
			pass=$((pass + 1))
			echo "ok - $page: $cmd"
		else
			fail=$((fail + 1))
			echo "not ok - $page: $cmd (exit $rc)"
			diff "$tmp/want" "$tmp/out" | sed 's/^/#   /'
			sed 's/^/#   stderr /' "$tmp/err"
		fi
	elif [ $rc -eq 0 ]; then
		pass=$((pass + 1))
		echo "ok - $page: $cmd"
	else
		fail=$((fail + 1))
		echo "not ok - $page: $cmd (exit $rc)"
		sed 's/^/#   stderr /' "$tmp/err"
	fi
}

for page in man/man?/*.[1-9]; do
	[ -f "$page" ] || continue
	extract "$page" >"$tmp/ex"
	cmd=
	want=
	fresh=1
	while IFS='	' read -r kind text; do
		case $kind in
		C)
			[ -n "$cmd" ] && check_one "$page" "$cmd" "$want"
			cmd=$text
			want= ;;
		O)
			[ -z "$cmd" ] && continue
			if [ -z "$want" ]; then want=$text; else want="$want
$text"; fi ;;
		E)
			[ -n "$cmd" ] && check_one "$page" "$cmd" "$want"
			cmd=
			want=
			fresh=1 ;;
		esac
	done <"$tmp/ex"
done

echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
