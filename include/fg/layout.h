/*
 * layout.h - where each frame of a flame tree goes: rectangles in pixels,
 * the label that fits in each, and the picture's size. Independent of the
 * output format: the SVG writer and the raster renderer both draw from it.
 *
 * Geometry follows flamegraph.pl: a margin of xpad pixels left and right,
 * the title band on top (ypad1, plus ypad3 for a subtitle, plus a legend
 * band for differential graphs), the details line below (ypad2), one row
 * of frame_height pixels per depth with a 1-pixel gap. Roots are at the
 * bottom, or at the top with inverted (an icicle graph).
 *
 * Only frames at least min_width pixels wide (or min_width percent of the
 * total with min_width_pct) are laid out; fg_layout_min_count() turns
 * that into the count threshold to build the tree with, so narrower
 * frames are never even made.
 *
 * Labels are frame names with their annotation (_[k] _[j] _[i] _[w])
 * removed, made valid UTF-8 (invalid bytes and control characters become
 * U+FFFD), then cut with ".." where they do not fit: measured with cairo
 * in the chosen font, or font_width * font_size per character when
 * font_width is not 0 (flamegraph.pl's estimate). A cut never splits a
 * UTF-8 sequence; a label that would keep fewer than 2 characters is
 * empty.
 */
#ifndef FG_LAYOUT_H
#define FG_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fg/count.h"
#include "fg/error.h"
#include "fg/tree.h"

#ifdef __cplusplus
extern "C" {
#endif

struct fg_layout_opts {
	double width;		/* picture width, pixels (1200) */
	double frame_height;	/* pixels per level (16) */
	double font_size;	/* 12 */
	double font_width;	/* 0: measure the font with cairo */
	const char *font_type;	/* "Verdana" */
	double min_width;	/* 0.1 */
	bool min_width_pct;	/* min_width is a percentage of the total */
	bool inverted;
	bool truncate_right;	/* cut labels at the right end (else left) */
	bool subtitle;		/* leave room for a subtitle line */
	bool legend;		/* leave room for the differential legend */
	const char *encoding;	/* names' character set (NULL: UTF-8) */
	double total;		/* --total: the width's total if larger (0: none) */
};

#define FG_LAYOUT_XPAD 10.0
#define FG_LAYOUT_FRAMEPAD 1.0

void fg_layout_opts_init(struct fg_layout_opts *o);

/*
 * The tree-building threshold for a profile whose total width count is
 * total: frames narrower than it would be narrower than min_width.
 */
double fg_layout_min_count(const struct fg_layout_opts *o, double total);

struct fg_layout_frame {
	uint32_t node;		/* in the tree */
	double x, y, w, h;	/* the rectangle, pixels */
	const char *name;	/* display name (sanitised, annotation off) */
	size_t name_len;
	const char *label;	/* what fits in the rectangle (maybe "") */
	size_t label_len;
};

struct fg_layout;

/*
 * Lays out every node of t (all of them are drawable: the tree was built
 * with fg_layout_min_count()). Frames come in pre-order, parents before
 * children. Returns NULL with d filled if the font cannot be loaded
 * (FG_EDEP) or the encoding is unknown (FG_EINVAL).
 */
struct fg_layout *fg_layout_new(const struct fg_tree *t,
				const struct fg_layout_opts *o,
				struct fg_diag *d);
void fg_layout_free(struct fg_layout *l);

size_t fg_layout_count(const struct fg_layout *l);
const struct fg_layout_frame *fg_layout_frame(const struct fg_layout *l,
					      size_t i);
double fg_layout_width(const struct fg_layout *l);
double fg_layout_height(const struct fg_layout *l);
/* The y of the top of the frame area and of the details line's baseline. */
double fg_layout_top(const struct fg_layout *l);
/* The width count that spans width - 2 * xpad pixels. */
double fg_layout_total(const struct fg_layout *l);

/*
 * Writes to out (at most outsz bytes, NUL-terminated) the n bytes at s as
 * valid UTF-8 with every invalid byte, C0 control character (but tab),
 * U+FFFE and U+FFFF replaced by U+FFFD. Returns the length, or the length
 * needed if outsz is too small (then out holds a prefix).
 */
/*
 * Starts loading the font o names (unless o->font_width is set) on a
 * thread of its own, for the next fg_layout_new with the same font and
 * size to take over; one preload at a time. A tool calls it before it
 * reads its input, so that the two overlap.
 */
void fg_layout_fonts_preload(const struct fg_layout_opts *o);
/*
 * Frees cairo's and fontconfig's process-wide caches. Call it once at
 * exit, when no cairo object is left (it only makes leak checkers quiet).
 */
void fg_layout_fonts_release(void);

size_t fg_utf8_sanitize(const char *s, size_t n, char *out, size_t outsz);

#ifdef __cplusplus
}
#endif
#endif /* FG_LAYOUT_H */
