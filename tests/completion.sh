#!/bin/sh
# completion.sh - the bash completion (completion/flamekit.bash) offers
# each tool's options from its --help, the transforms' =all form, the
# values of --colors, and files for operands. Ends with "N passed, N
# failed"; exits 1 if any failed.

set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
BUILD=${BUILD:-build}
case $BUILD in /*) bin=$BUILD ;; *) bin=$root/$BUILD ;; esac
pass=0
fail=0

# complete TOOL WORD... : the candidates for the last word, one a line
complete_words() {
	PATH=$bin:$PATH bash -c '
		. completion/flamekit.bash
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		_flamekit "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}" | LC_ALL=C sort' bash "$@"
}

# expect NAME WANT TOOL WORD...
expect() {
	name=$1 want=$2
	shift 2
	got=$(complete_words "$@")
	if [ "$got" = "$want" ]; then
		pass=$((pass + 1))
		echo "ok - $name"
	else
		fail=$((fail + 1))
		echo "not ok - $name"
		echo "#   want: $(echo "$want" | tr '\n' ' ')"
		echo "#   got:  $(echo "$got" | tr '\n' ' ')"
	fi
}

nl='
'
for t in "$bin"/*; do
	[ -f "$t" ] && [ -x "$t" ] || continue
	tool=$(basename "$t")
	# every long option of --help is offered
	want=$("$t" --help | grep -o -- '--[a-z][a-z0-9-]*' | LC_ALL=C sort -u)
	got=$(complete_words "$tool" -- | sed 's/=.*//' | LC_ALL=C sort -u)
	if [ "$got" = "$want" ]; then
		pass=$((pass + 1))
		echo "ok - $tool: options from --help"
	else
		fail=$((fail + 1))
		echo "not ok - $tool: options from --help"
	fi
done
expect "difffold: --coll" "--collapse-recursion$nl--collapse-recursion=all" \
	difffold --coll
expect "difffold: --st" "--strict$nl--strip-hex" difffold --st
expect "--colors values" "python" flamegraph --colors py
expect "no completion for a regex" "" difffold --focus ma
expect "files for operands" "fixtures/folded/before.folded" \
	difffold fixtures/folded/befo

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
