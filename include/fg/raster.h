/*
 * raster.h - a laid-out flame tree as a PNG picture or a PDF page, drawn
 * with cairo. The same layout (lib/layout.c), palette and options as the
 * SVG (struct fg_svg_opts: title, subtitle, colours, search, background,
 * differential scale ...), without the interactive parts: what cannot be
 * hovered is written on the picture instead, in a footer under the frames
 * (the total with its unit, how many frames --minwidth left out, the
 * share of the total the --search expression matched).
 *
 * Labels are fitted again with the real text extents of the drawing
 * context's font (DejaVu Sans unless o->font_type names another family,
 * found through fontconfig), cut with ".." at whole UTF-8 characters, and
 * left out when fewer than two characters would remain.
 *
 * PNG: an ARGB image surface of the layout's size times scale (at most
 * 32767 pixels a side, cairo's limit), written with
 * cairo_surface_write_to_png_stream, so any FILE works (a pipe too).
 * PDF: a vector page (1 layout pixel = 0.75 pt, as 96 dpi), text as text
 * (selectable, searchable); with page set, the picture is scaled down to
 * fit an A4 or Letter page, turned to landscape when it is wider than tall.
 */
#ifndef FG_RASTER_H
#define FG_RASTER_H

#include <stdbool.h>
#include <stdio.h>

#include "fg/buf.h"
#include "fg/error.h"
#include "fg/layout.h"
#include "fg/palette.h"
#include "fg/svg.h"
#include "fg/tree.h"

#ifdef __cplusplus
extern "C" {
#endif

enum fg_raster_format {
	FG_RASTER_PNG = 0,
	FG_RASTER_PDF
};

enum fg_raster_page {
	FG_RASTER_PAGE_NONE = 0,	/* the picture's own size */
	FG_RASTER_PAGE_A4,		/* 210 x 297 mm */
	FG_RASTER_PAGE_LETTER		/* 8.5 x 11 in */
};

#define FG_RASTER_MAX_SIDE 32767
#define FG_RASTER_DEFAULT_FONT "DejaVu Sans"

struct fg_raster_opts {
	enum fg_raster_format format;
	double scale;		/* PNG: device pixels per layout pixel (1) */
	bool dark;		/* dark theme: dark background, light text */
	bool bg_given;		/* --bgcolors: keep its colours in the dark */
	enum fg_raster_page page;	/* PDF only */
	const char *min_width;	/* --minwidth as given ("0.1", "0.5%") */
};

void fg_raster_opts_init(struct fg_raster_opts *o);

/* The page size in points (portrait); returns false for PAGE_NONE. */
bool fg_raster_page_size(enum fg_raster_page page, double *w, double *h);

/*
 * Draws t as laid out by l, colours from p, to out. Returns FG_OK, or with
 * d filled FG_ERANGE (the PNG would exceed FG_RASTER_MAX_SIDE, or a count
 * times --factor does not fit), FG_EINVAL (bad --search expression),
 * FG_EDEP (cairo failed) or FG_EIO (write error).
 */
int fg_raster_write(const struct fg_tree *t, const struct fg_layout *l,
		    struct fg_palette *p, const struct fg_svg_opts *so,
		    const struct fg_raster_opts *ro, FILE *out,
		    struct fg_diag *d);

/* The picture for input without a single stack: it says so. */
int fg_raster_write_empty(const struct fg_svg_opts *so,
			  const struct fg_raster_opts *ro, double width,
			  FILE *out, struct fg_diag *d);

/*
 * Fits the label of the n bytes of valid UTF-8 at name into avail pixels
 * of font (NULL: DejaVu Sans) at size, as the renderer does: the whole
 * name, or a cut with ".." (kept at the end with right, else at the
 * start), or "" when fewer than two characters would fit. Writes it to
 * out (reset first, NUL-terminated) and returns its width in pixels, or
 * a negative FG_E* code if the font cannot be loaded.
 */
double fg_raster_fit_label(const char *font, double size, const char *name,
			   size_t n, double avail, bool right,
			   struct fg_buf *out);

#ifdef __cplusplus
}
#endif
#endif /* FG_RASTER_H */
