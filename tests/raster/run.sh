#!/bin/sh
# flamegraph's PNG and PDF output, end to end. Never byte for byte (cairo
# and font versions change pixels): a PNG is checked for its signature,
# its size against the SVG of the same input and options, and the colour
# of pixels inside frames against the fill the SVG gives the same frames
# (background, root, every wide frame, differential ones included); a PDF
# with pdfinfo (page size) and pdftotext (title, frame labels).
#
# Needs $BUILD/flamegraph, $BUILD/difffold and $BUILD/tests/raster/pngpixel
# (make check builds them), pdfinfo and pdftotext (poppler-utils).
# Ends with a line "N passed, N failed".

set -u
LC_ALL=C
export LC_ALL
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 2
BUILD=${BUILD:-build}
case $BUILD in
/*) bin=$BUILD ;;
*) bin=$root/$BUILD ;;
esac
fg=$bin/flamegraph
probe=$bin/tests/raster/pngpixel
tmp=$(mktemp -d "${TMPDIR:-/tmp}/raster.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM
pass=0
fail=0

ok() {
	pass=$((pass + 1))
	echo "ok $1"
}
bad() {
	fail=$((fail + 1))
	echo "FAIL $1: $2"
}

# The frames of an SVG, one per line: x y w h #rrggbb (the wide ones).
svg_frames() {
	sed 's/<rect /\n<rect /g' "$1" |
	sed -n 's/^<rect x="\([0-9.]*\)" y="\([0-9.]*\)" width="\([0-9.]*\)" height="\([0-9.]*\)" fill="rgb(\([0-9]*\),\([0-9]*\),\([0-9]*\))".*/\1 \2 \3 \4 \5 \6 \7/p' |
	awk '$3 >= 6 { printf "%s %s %s %s #%02x%02x%02x\n", $1, $2, $3, $4, $5, $6, $7 }'
}

# compare NAME SCALE SVG PNG: size and frame colours of PNG against SVG.
compare() {
	name=$1 scale=$2 svg=$3 png=$4
	if [ "$(head -c 8 "$png" | od -An -tx1 | tr -d ' \n')" != 89504e470d0a1a0a ]; then
		bad "$name" "no PNG signature"
		return
	fi
	sw=$(sed -n 's/.*<svg [^>]*width="\([0-9]*\)" height="\([0-9]*\)".*/\1 \2/p' "$svg" | head -n 1)
	want=$(echo "$sw" | awk -v s="$scale" '{ printf "%d %d", $1 * s + 0.999, $2 * s + 0.999 }')
	got=$("$probe" "$png" | head -n 1)
	if [ "$got" != "$want" ]; then
		bad "$name" "size $got, expected $want"
		return
	fi
	svg_frames "$svg" | head -n 200 >"$tmp/frames"
	nf=$(wc -l <"$tmp/frames")
	if [ "$nf" -lt 3 ]; then
		bad "$name" "only $nf wide frames in the SVG"
		return
	fi
	pts=$(awk -v s="$scale" '{ printf "%d,%d ", ($1 + 1.5) * s, ($2 + $4 / 2) * s }' "$tmp/frames")
	# shellcheck disable=SC2086
	"$probe" "$png" $pts | sed 1d >"$tmp/got"
	awk '{ print $5 }' "$tmp/frames" >"$tmp/want"
	if ! cmp -s "$tmp/got" "$tmp/want"; then
		bad "$name" "frame colours differ from the SVG's: $(paste -d ' ' "$tmp/want" "$tmp/got" | awk '$1 != $2' | head -n 3 | tr '\n' ';')"
		return
	fi
	ok "$name ($nf frames)"
}

# png NAME SCALE ARGS...: the SVG and the PNG of the same arguments.
png() {
	name=$1 scale=$2
	shift 2
	if ! "$fg" "$@" >"$tmp/$name.svg" 2>"$tmp/err"; then
		bad "$name" "svg: $(cat "$tmp/err")"
		return
	fi
	s=
	[ "$scale" != 1 ] && s="--scale $scale"
	# shellcheck disable=SC2086
	if ! "$fg" $s -o "$tmp/$name.png" "$@" 2>"$tmp/err"; then
		bad "$name" "png: $(cat "$tmp/err")"
		return
	fi
	compare "$name" "$scale" "$tmp/$name.svg" "$tmp/$name.png"
}

c=fixtures/perf/01-c-fp.folded.pl
java=fixtures/perf/16-java-perfmap.folded.pl
"$bin/difffold" "$c" fixtures/perf/01-c-fp.after.folded >"$tmp/diff.folded"

png c-default 1 "$c"
png c-inverted 1 --inverted --title "C, inverted" --subtitle sub "$c"
png c-reverse-minwidth 1 --reverse --minwidth 2 "$c"
png c-flamechart 1 --flamechart --colors blue "$c"
png c-scale2 2 --width 800 --height 20 "$c"
png c-bg-hash 1 --bgcolors '#102030' --colors mem --hash "$c"
png c-stroke 1 --stroke-color '#000000' --sort=weight "$c"
png c-random 1 --random --deterministic --colors aqua "$c"
png java 1 --colors java "$java"
png diff 1 "$tmp/diff.folded"
png diff-cb-negate 1 --colors diff-cb --negate "$tmp/diff.folded"
png diff-threshold 1 --diff-threshold 5 "$tmp/diff.folded"

# --cp: the PNG takes its colours from palette.map and adds to it
printf 'cwork->rgb(1,2,3)\n' >"$tmp/palette.map"
if (cd "$tmp" && "$fg" --cp -o cp.png "$root/$c") &&
    [ "$("$probe" "$tmp/cp.png" 15,380 | sed -n 2p)" = "#010203" ] &&
    grep -q '^main->rgb(' "$tmp/palette.map"; then
	ok "png --cp"
else
	bad "png --cp" "palette.map colour not used or not written"
fi

# the background, top left, in the theme's colour
px=$("$probe" "$tmp/c-default.png" 2,2 | sed -n 2p)
[ "$px" = "#eeeeee" ] && ok "background light" || bad "background light" "$px"
"$fg" --theme dark -o "$tmp/dark.png" "$c"
px=$("$probe" "$tmp/dark.png" 2,2 | sed -n 2p)
[ "$px" = "#1b1d22" ] && ok "background dark" || bad "background dark" "$px"

# --search: every frame whose name matches is in the search colour
"$fg" --search '^(main|cwork)$' --search-color '#00ff00' -o "$tmp/search.png" "$c"
svg_frames "$tmp/c-default.svg" | head -n 3 >"$tmp/frames"
pts=$(awk '{ printf "%d,%d ", $1 + 1.5, $2 + $4 / 2 }' "$tmp/frames")
# shellcheck disable=SC2086
got=$("$probe" "$tmp/search.png" $pts | sed 1d | tr '\n' ' ')
# the first three frames: all, cwork (matched), [unknown]
case $got in
"#dbca32 #00ff00 "*) ok "search colour" ;;
*) bad "search colour" "$got" ;;
esac

# the format from the extension, the option, standard output
"$fg" --format png "$c" >"$tmp/stdout.png" 2>"$tmp/err" &&
	[ "$("$probe" "$tmp/stdout.png" | head -n 1)" = "1200 438" ] &&
	ok "png to standard output" || bad "png to standard output" "$(cat "$tmp/err")"
"$fg" -o "$tmp/upper.PNG" "$c" && "$probe" "$tmp/upper.PNG" >/dev/null &&
	ok "format from .PNG" || bad "format from .PNG" "not a PNG"
"$fg" --format svg -o "$tmp/forced.png" "$c" &&
	head -c 5 "$tmp/forced.png" | grep -q '^<?xml' &&
	ok "--format svg wins over .png" || bad "--format svg wins over .png" "not SVG"

# --fontwidth cannot change measured labels: a warning, a picture
"$fg" --fontwidth 0.59 -o "$tmp/fw.png" "$c" 2>"$tmp/err" &&
	grep -q 'fontwidth' "$tmp/err" && "$probe" "$tmp/fw.png" >/dev/null &&
	ok "png --fontwidth warns" || bad "png --fontwidth warns" "$(cat "$tmp/err")"

# a write error is reported, exit 1
for f in png pdf; do
	if [ -w /dev/full ]; then
		"$fg" --format $f "$c" >/dev/full 2>"$tmp/err"
		rc=$?
		[ $rc -eq 1 ] && grep -q 'write error' "$tmp/err" &&
			ok "$f write error" || bad "$f write error" "exit $rc: $(cat "$tmp/err")"
	fi
done

"$fg" --nametype 'Symbol:' -o "$tmp/nt.png" "$c" 2>"$tmp/err" &&
	grep -q 'nametype' "$tmp/err" && "$probe" "$tmp/nt.png" >/dev/null &&
	ok "png --nametype warns" || bad "png --nametype warns" "$(cat "$tmp/err")"

# empty input: a picture that says so, exit 1
"$fg" -o "$tmp/empty.png" fixtures/flamegraph/empty.folded 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] && [ "$("$probe" "$tmp/empty.png" | head -n 1)" = "1200 60" ] &&
	ok "empty png" || bad "empty png" "exit $rc"

# PDF: page size, text
pdf() {
	name=$1 size=$2 text=$3
	shift 3
	if ! "$fg" -o "$tmp/$name.pdf" "$@" 2>"$tmp/err"; then
		bad "$name" "$(cat "$tmp/err")"
		return
	fi
	got=$(pdfinfo "$tmp/$name.pdf" | sed -n 's/^Page size: *//p')
	case $got in
	$size) ;;
	*) bad "$name" "page size '$got', expected '$size'"; return ;;
	esac
	pdftotext "$tmp/$name.pdf" "$tmp/$name.txt"
	old_ifs=$IFS
	IFS='|'
	for t in $text; do
		if ! grep -qF -- "$t" "$tmp/$name.txt"; then
			IFS=$old_ifs
			bad "$name" "no '$t' in the text"
			return
		fi
	done
	IFS=$old_ifs
	ok "$name"
}
pdf pdf-default '900 x 328.5 pts' 'Flame Graph|__libc_start_call_main|Total: 3,401,401,398 samples' "$c"
pdf pdf-a4 '841.89 x 595.276 pts (A4)' 'C recording|generic_perform_write' --title 'C recording' --page-fit a4 "$c"
pdf pdf-letter '792 x 612 pts (letter)' 'main' --page-fit letter "$c"
pdf pdf-tall-a4 '595.276 x 841.89 pts (A4)' 'narrow|all' --title narrow --width 300 --height 40 --page-fit a4 "$c"
pdf pdf-diff '900 x * pts' 'shrank|grew|Total: before 3,401,401,398, after 2,425,425,423' --format pdf "$tmp/diff.folded"
# --factor scales the legend's full-colour change as it does the SVG's
printf 'main;a 10 2000\nmain;b 500 0\n' >"$tmp/factor.folded"
pdf pdf-diff-factor '900 x * pts' 'full colour: a change of 1.99 samples or more' --factor 0.001 "$tmp/factor.folded"
pdf pdf-notes '900 x * pts' 'Flame Graph' --notes 'kept in the metadata' "$c"
pdfinfo "$tmp/pdf-notes.pdf" | grep -q '^Subject: *kept in the metadata' &&
	ok "pdf notes in the metadata" || bad "pdf notes in the metadata" "no Subject"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
