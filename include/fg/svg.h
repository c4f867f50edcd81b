/*
 * svg.h - the interactive SVG of a laid-out flame tree, written through
 * libxml2's xmlTextWriter, so the document is well-formed whatever bytes
 * the frame names hold. The structure is the contract with the embedded
 * script: lib/assets/DOM.md.
 */
#ifndef FG_SVG_H
#define FG_SVG_H

#include <stdbool.h>
#include <stdio.h>

#include "fg/buf.h"
#include "fg/count.h"
#include "fg/error.h"
#include "fg/layout.h"
#include "fg/palette.h"
#include "fg/tree.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Extra attributes for the frames of one function (--nameattr). */
typedef const char *const *(*fg_svg_attrs_fn)(void *ctx, const char *name,
					      size_t len);

struct fg_svg_opts {
	const char *title;	/* NULL: "Flame Graph" (or Icicle / Chart) */
	const char *subtitle;	/* NULL: none */
	const char *notes;	/* NULL: none */
	const char *countname;	/* "samples" */
	const char *nametype;	/* "Function:" */
	const char *search;	/* preset regex, NULL: none */
	const char *encoding;	/* document encoding, NULL: UTF-8 */
	const char *font_type;
	double font_size;
	double font_width;	/* for the script's estimates (0.59) */
	double min_width;	/* pixels, recorded for the script */
	double frame_height;	/* pixels per level, recorded for the script */
	const char *bg_top, *bg_bottom;	/* "#rrggbb" */
	struct fg_rgb search_color;
	bool stroke;
	struct fg_rgb stroke_color;
	bool inverted, flamechart, truncate_right;
	/* counts shown are multiplied by factor (exactly): factor_units
	 * in units of 10^-factor_decimals; 1 and 0 for none */
	uint64_t factor_units;
	unsigned factor_decimals;
	/* differential */
	bool negate;		/* red means the first count is larger */
	double diff_threshold;	/* percent of the total; smaller is neutral */
	bool diff_cb;		/* colour-blind-safe scale */
	/* --total: the graph's total when larger than the input's (NULL) */
	const struct fg_count *total;
	fg_svg_attrs_fn attrs;	/* NULL or --nameattr's lookup */
	void *attrs_ctx;
	/* threads to put the frames' markup together on (1) */
	unsigned jobs;
};

void fg_svg_opts_init(struct fg_svg_opts *o);

/*
 * Writes the SVG of t as laid out by l, colours from p, to out (a FILE)
 * or mem (appended). Returns FG_OK, FG_EIO (write error, errno set),
 * FG_ERANGE (a count times --factor does not fit) or FG_EDEP (libxml2
 * failed), with d filled.
 */
int fg_svg_write(const struct fg_tree *t, const struct fg_layout *l,
		 struct fg_palette *p, const struct fg_svg_opts *o, FILE *out,
		 struct fg_diag *d);
int fg_svg_write_mem(const struct fg_tree *t, const struct fg_layout *l,
		     struct fg_palette *p, const struct fg_svg_opts *o,
		     struct fg_buf *mem, struct fg_diag *d);

/*
 * The SVG for input without a single stack: a valid document that says
 * so in its title (width from width, in pixels).
 */
int fg_svg_write_empty(const struct fg_svg_opts *o, double width, FILE *out,
		       struct fg_diag *d);

/*
 * c times o's --factor as text in buf (FG_COUNT_BUFSZ + 8 bytes), exact,
 * as the SVG shows counts. Returns the length, or FG_ERANGE.
 */
int fg_svg_count_text(const struct fg_svg_opts *o, const struct fg_count *c,
		      char *buf);

/* The title: o->title, else the default for the kind of graph. */
const char *fg_svg_title(const struct fg_svg_opts *o);

/*
 * The fill of tree node node: its differential colour (maxabs and
 * threshold, in counts, as fg_palette_diff_color takes them), or its
 * name's colour from p ("all" for the root).
 */
struct fg_rgb fg_svg_frame_color(const struct fg_tree *t, uint32_t node,
				 struct fg_palette *p,
				 const struct fg_svg_opts *o, double maxabs,
				 double threshold);

/* The embedded script and style sheet (NUL-terminated). */
extern const unsigned char fg_asset_js[];
extern const unsigned char fg_asset_css[];

#ifdef __cplusplus
}
#endif
#endif /* FG_SVG_H */
