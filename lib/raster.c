/*
 * raster.c - the flame graph as a PNG (cairo image surface) or a PDF page
 * (cairo PDF surface), drawn from the same layout, palette and options as
 * the SVG. Text goes through cairo's toy font API (fontconfig picks the
 * face); labels are fitted with the drawing context's own extents, so
 * what is drawn is what was measured, at any --scale.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>
#include <cairo-pdf.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "fg/buf.h"
#include "fg/count.h"
#include "fg/error.h"
#include "fg/layout.h"
#include "fg/palette.h"
#include "fg/raster.h"
#include "fg/svg.h"
#include "fg/tree.h"
#include "internal.h"

/* 1 layout pixel in PDF points: 96 pixels to the inch. */
#define PT_PER_PX 0.75
/* M_PI is not in C11 */
#define PI 3.14159265358979323846
/* The margin around a picture fitted to a page, points (1/2 inch). */
#define PAGE_MARGIN 36.0

static const struct fg_rgb dark_bg = { 0x1b, 0x1d, 0x22 };
static const struct fg_rgb dark_ui = { 0xdd, 0xdd, 0xdd };
static const struct fg_rgb light_ui = { 0, 0, 0 };

void
fg_raster_opts_init(struct fg_raster_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->format = FG_RASTER_PNG;
	o->scale = 1;
	o->min_width = "0.1";
}

bool
fg_raster_page_size(enum fg_raster_page page, double *w, double *h)
{
	switch (page) {
	case FG_RASTER_PAGE_A4:
		*w = 210 / 25.4 * 72;
		*h = 297 / 25.4 * 72;
		return true;
	case FG_RASTER_PAGE_LETTER:
		*w = 8.5 * 72;
		*h = 11 * 72;
		return true;
	default:
		return false;
	}
}

struct ctx {
	cairo_t *cr;
	const struct fg_svg_opts *so;
	const struct fg_raster_opts *ro;
	struct fg_diag *d;
	struct fg_rgb ui;
	struct fg_buf tmp, label;
	size_t *bounds;		/* character starts of the name being fitted */
	size_t nbounds;
	int rc;
};

static void
set_rgb(cairo_t *cr, struct fg_rgb c)
{
	cairo_set_source_rgb(cr, c.r / 255.0, c.g / 255.0, c.b / 255.0);
}

/* The advance of the n bytes at s (copied to be NUL-terminated). */
static double
advance(cairo_t *cr, struct fg_buf *tmp, const char *s, size_t n)
{
	cairo_text_extents_t e;

	fg_buf_reset(tmp);
	fg_buf_add(tmp, s, n);
	cairo_text_extents(cr, tmp->buf, &e);
	return e.x_advance;
}

/* The advance of the label made of "..", and chars [k, end) (left cut) or
 * [0, k) and ".." (right cut). */
static double
cut_advance(cairo_t *cr, struct fg_buf *tmp, const char *name, size_t n,
	    size_t off, bool right)
{
	cairo_text_extents_t e;

	fg_buf_reset(tmp);
	if (right) {
		fg_buf_add(tmp, name, off);
		fg_buf_add(tmp, "..", 2);
	} else {
		fg_buf_add(tmp, "..", 2);
		fg_buf_add(tmp, name + off, n - off);
	}
	cairo_text_extents(cr, tmp->buf, &e);
	return e.x_advance;
}

/*
 * The label for name in avail pixels, into out; returns its advance. A
 * cut keeps as many whole characters as fit with "..", found by bisection
 * on the character boundaries (the advance grows with the characters
 * kept).
 */
static double
fit(cairo_t *cr, struct fg_buf *tmp, size_t **bounds, size_t *nbounds,
    const char *name, size_t n, double avail, bool right, struct fg_buf *out)
{
	size_t nch = 0, i, lo, hi, best;
	double adv;

	fg_buf_reset(out);
	if (avail <= 0 || n == 0)
		return 0;
	adv = advance(cr, tmp, name, n);
	if (adv <= avail) {
		fg_buf_add(out, name, n);
		return adv;
	}
	if (*nbounds < n + 1) {
		*nbounds = n + 1;
		*bounds = fg_xreallocarray(*bounds, *nbounds, sizeof(**bounds));
	}
	for (i = 0; i < n; i++)
		if (((unsigned char)name[i] & 0xc0) != 0x80)
			(*bounds)[nch++] = i;
	(*bounds)[nch] = n;
	/* keep k characters, 2 <= k < nch; find the largest that fits */
	lo = 2;
	hi = nch;
	best = 0;
	while (lo < hi) {
		size_t k = lo + (hi - lo) / 2;
		size_t off = right ? (*bounds)[k] : (*bounds)[nch - k];

		if (cut_advance(cr, tmp, name, n, off, right) <= avail) {
			best = k;
			lo = k + 1;
		} else {
			hi = k;
		}
	}
	if (best < 2)
		return 0;
	if (right) {
		fg_buf_add(out, name, (*bounds)[best]);
		fg_buf_add(out, "..", 2);
	} else {
		fg_buf_add(out, "..", 2);
		fg_buf_add(out, name + (*bounds)[nch - best],
			   n - (*bounds)[nch - best]);
	}
	return advance(cr, tmp, out->buf, out->len);
}

static void
select_font(cairo_t *cr, const char *font, double size)
{
	cairo_select_font_face(cr, font != NULL ? font : FG_RASTER_DEFAULT_FONT,
			       CAIRO_FONT_SLANT_NORMAL,
			       CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, size);
}

double
fg_raster_fit_label(const char *font, double size, const char *name,
		    size_t n, double avail, bool right, struct fg_buf *out)
{
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_A8, 1, 1);
	cairo_t *cr = cairo_create(s);
	struct fg_buf tmp = FG_BUF_INIT;
	size_t *bounds = NULL, nbounds = 0;
	double w = FG_EDEP;

	select_font(cr, font, size);
	if (cairo_status(cr) == CAIRO_STATUS_SUCCESS)
		w = fit(cr, &tmp, &bounds, &nbounds, name, n, avail, right, out);
	fg_buf_release(&tmp);
	free(bounds);
	cairo_destroy(cr);
	cairo_surface_destroy(s);
	return w;
}

/* Text at (x, y) (the baseline), aligned by anchor: 0 left, 1 centre,
 * 2 right. Returns its advance. */
static double
text_at(struct ctx *c, double x, double y, int anchor, const char *s)
{
	size_t need = fg_utf8_sanitize(s, strlen(s), NULL, 0);
	cairo_text_extents_t e;

	fg_buf_reset(&c->tmp);
	fg_buf_grow(&c->tmp, need + 1);
	fg_utf8_sanitize(s, strlen(s), c->tmp.buf, need + 1);
	c->tmp.len = need;
	cairo_text_extents(c->cr, c->tmp.buf, &e);
	if (anchor == 1)
		x -= e.x_advance / 2;
	else if (anchor == 2)
		x -= e.x_advance;
	cairo_move_to(c->cr, x, y);
	cairo_show_text(c->cr, c->tmp.buf);
	return e.x_advance;
}

/* The background (gradient, flat colour or the dark theme's) and the
 * title band. */
static void
chrome(struct ctx *c, double width, double height, const char *title)
{
	const struct fg_svg_opts *o = c->so;
	cairo_t *cr = c->cr;
	struct fg_rgb top, bottom;

	if (c->ro->dark && !c->ro->bg_given) {
		top = bottom = dark_bg;
	} else if (fg_palette_parse_hex(o->bg_top, &top) < 0 ||
		   fg_palette_parse_hex(o->bg_bottom, &bottom) < 0) {
		top = bottom = (struct fg_rgb){ 0xee, 0xee, 0xee };
	}
	if (memcmp(&top, &bottom, sizeof(top)) == 0) {
		set_rgb(cr, top);
	} else {
		cairo_pattern_t *g = cairo_pattern_create_linear(0, 0, 0, height);

		cairo_pattern_add_color_stop_rgb(g, 0.05, top.r / 255.0,
						 top.g / 255.0, top.b / 255.0);
		cairo_pattern_add_color_stop_rgb(g, 0.95, bottom.r / 255.0,
						 bottom.g / 255.0,
						 bottom.b / 255.0);
		cairo_set_source(cr, g);
		cairo_pattern_destroy(g);
	}
	cairo_rectangle(cr, 0, 0, width, height);
	cairo_fill(cr);

	set_rgb(cr, c->ui);
	select_font(cr, o->font_type, o->font_size + 5);
	text_at(c, width / 2, o->font_size * 2, 1, title);
	select_font(cr, o->font_type, o->font_size);
	if (o->subtitle != NULL)
		text_at(c, width / 2, o->font_size * 4, 1, o->subtitle);
}

/* Appends the number num (len bytes) with its digits in groups of three,
 * as the SVG's script shows counts: "1234567.5" -> "1,234,567.5". */
static void
add_grouped(struct fg_buf *b, const char *num, size_t len)
{
	size_t i, k;

	for (i = 0; i < len && num[i] != '.'; i++)
		;
	for (k = 0; k < len; k++) {
		if (k > 0 && k < i && (i - k) % 3 == 0)
			fg_buf_addc(b, ',');
		fg_buf_addc(b, num[k]);
	}
}

/* The differential colour scale, where the SVG puts its legend. */
static void
legend(struct ctx *c, double width, double top, double maxabs)
{
	const struct fg_svg_opts *o = c->so;
	double y = top - o->font_size * 2 + 3, h = o->font_size + 2;
	double sw = 24, x0;
	struct fg_buf b = FG_BUF_INIT;
	char num[64];
	int i, n = 11;

	x0 = width / 2 - (n * sw) / 2;
	set_rgb(c->cr, c->ui);
	text_at(c, x0 - 6, y + h - 3, 2, o->negate ? "grew" : "shrank");
	for (i = 0; i < n; i++) {
		double v = maxabs * (double)(i - n / 2) / (n / 2);

		set_rgb(c->cr, fg_palette_diff_color(v, maxabs, 0, o->diff_cb));
		cairo_rectangle(c->cr, x0 + i * sw, y, sw, h);
		cairo_fill(c->cr);
	}
	set_rgb(c->cr, c->ui);
	text_at(c, x0 + n * sw + 6, y + h - 3, 0,
		o->negate ? "shrank" : "grew");
	fg_buf_reset(&b);
	fg_buf_adds(&b, "full colour: a change of ");
	maxabs = fg_svg_shown(o, maxabs);
	add_grouped(&b, num, (size_t)snprintf(num, sizeof(num),
					      maxabs >= 1e6 ? "%.0f" : "%.6g",
					      maxabs));
	fg_buf_addf(&b, " %s or more%s", o->countname,
		    o->diff_threshold > 0 ? "; below the threshold: neutral" :
		    "");
	text_at(c, x0 + n * sw + 80, y + h - 3, 0, b.buf);
	fg_buf_release(&b);
}

static void
frame_path(cairo_t *cr, double x, double y, double w, double h)
{
	double r = 2;

	if (w < 3 * r || h < 3 * r) {
		cairo_rectangle(cr, x, y, w, h);
		return;
	}
	cairo_new_sub_path(cr);
	cairo_arc(cr, x + w - r, y + r, r, -PI / 2, 0);
	cairo_arc(cr, x + w - r, y + h - r, r, 0, PI / 2);
	cairo_arc(cr, x + r, y + h - r, r, PI / 2, PI);
	cairo_arc(cr, x + r, y + r, r, PI, 3 * PI / 2);
	cairo_close_path(cr);
}

/* Appends c (times --factor) to b; false if it does not fit. */
static bool
add_count(struct ctx *c, struct fg_buf *b, const struct fg_count *v)
{
	char num[FG_COUNT_BUFSZ + 8];
	int len = fg_svg_count_text(c->so, v, num);

	if (len < 0) {
		c->rc = FG_ERANGE;
		fg_diag_set(c->d, NULL, 0, 0,
			    "a count times --factor exceeds 18446744073709551615");
		return false;
	}
	add_grouped(b, num, (size_t)len);
	return true;
}

/* The footer: what hovering would tell, for a picture that cannot be
 * hovered. */
static void
footer(struct ctx *c, const struct fg_tree *t, const struct fg_layout *l,
       double matched, bool searched)
{
	const struct fg_svg_opts *o = c->so;
	const struct fg_tree_node *root = fg_tree_node(t, 0);
	double width = fg_layout_width(l), height = fg_layout_height(l);
	double y = height - (o->font_size * 2 + 10) / 2, total;
	struct fg_buf b = FG_BUF_INIT;
	size_t pruned = fg_tree_pruned(t);

	fg_buf_adds(&b, "Total: ");
	if (fg_tree_is_diff(t)) {
		double bf = fg_count_to_double(&root->before);
		double af = fg_count_to_double(&root->after);

		fg_buf_adds(&b, "before ");
		if (!add_count(c, &b, &root->before))
			goto out;
		fg_buf_adds(&b, ", after ");
		if (!add_count(c, &b, &root->after))
			goto out;
		fg_buf_addf(&b, " %s", o->countname);
		if (bf > 0)
			fg_buf_addf(&b, " (%+.2f%%)", 100.0 * (af - bf) / bf);
	} else {
		if (!add_count(c, &b, &root->width))
			goto out;
		fg_buf_addf(&b, " %s", o->countname);
	}
	if (pruned > 0) {
		const char *mw = c->ro->min_width;
		size_t n = strlen(mw);

		fg_buf_addf(&b, "; %zu frame%s narrower than %s%s not drawn",
			    pruned, pruned == 1 ? "" : "s", mw,
			    n > 0 && mw[n - 1] == '%' ? " of the total" : " px");
	}
	set_rgb(c->cr, c->ui);
	select_font(c->cr, o->font_type, o->font_size);
	text_at(c, FG_LAYOUT_XPAD, y, 0, b.buf);
	if (searched) {
		total = fg_layout_total(l);
		fg_buf_reset(&b);
		fg_buf_addf(&b, "Matched: %.2f%%",
			    total > 0 ? 100.0 * matched / total : 0.0);
		text_at(c, width - FG_LAYOUT_XPAD, y, 2, b.buf);
	}
out:
	fg_buf_release(&b);
}

static pcre2_code *
compile_search(struct ctx *c)
{
	int err;
	PCRE2_SIZE off;
	pcre2_code *re;

	if (c->so->search == NULL || c->so->search[0] == '\0')
		return NULL;
	re = pcre2_compile((PCRE2_SPTR)c->so->search, PCRE2_ZERO_TERMINATED,
			   PCRE2_UTF, &err, &off, NULL);
	if (re == NULL) {
		PCRE2_UCHAR msg[128];

		pcre2_get_error_message(err, msg, sizeof(msg));
		fg_diag_set(c->d, NULL, 0, 0,
			    "bad --search expression at %zu: %s", (size_t)off,
			    (char *)msg);
		c->rc = FG_EINVAL;
	}
	return re;
}

/*
 * Every frame: its rectangle in its colour (the search colour when the
 * --search expression matches its name), its label. Returns the matched
 * width, a match inside another counted once.
 */
static double
frames(struct ctx *c, const struct fg_tree *t, const struct fg_layout *l,
       struct fg_palette *p, pcre2_code *re)
{
	const struct fg_svg_opts *o = c->so;
	cairo_t *cr = c->cr;
	double total = fg_layout_total(l), maxabs = fg_tree_max_delta(t);
	double thr = o->diff_threshold * total / 100.0, matched = 0;
	double ybase = o->font_size / 3 + 0.5, dots;
	pcre2_match_data *md = NULL;
	bool *covered = NULL;
	size_t i;

	if (re != NULL) {
		md = pcre2_match_data_create_from_pattern(re, NULL);
		covered = fg_xcalloc(fg_tree_count(t), sizeof(*covered));
	}
	select_font(cr, o->font_type, o->font_size);
	dots = advance(cr, &c->tmp, "..", 2);
	cairo_set_line_width(cr, 0.5);
	for (i = 0; i < fg_layout_count(l); i++) {
		const struct fg_layout_frame *f = fg_layout_frame(l, i);
		const struct fg_tree_node *nd = fg_tree_node(t, f->node);
		struct fg_rgb col;
		bool hit = false;

		if (re != NULL) {
			hit = pcre2_match(re, (PCRE2_SPTR)f->name, f->name_len,
					  0, 0, md, NULL) >= 0;
			if (hit && (f->node == 0 || !covered[nd->parent]))
				matched += fg_count_to_double(&nd->width);
			covered[f->node] = hit ||
				(f->node != 0 && covered[nd->parent]);
		}
		if (hit) {
			col = o->search_color;
		} else {
			col = fg_svg_frame_color(t, f->node, p, o, maxabs, thr);
		}
		frame_path(cr, f->x, f->y, f->w, f->h);
		set_rgb(cr, col);
		if (o->stroke) {
			cairo_fill_preserve(cr);
			set_rgb(cr, o->stroke_color);
			cairo_stroke(cr);
		} else {
			cairo_fill(cr);
		}
		/* a label needs room for ".." and two characters */
		if (f->w - 3 <= dots)
			continue;
		fit(cr, &c->tmp, &c->bounds, &c->nbounds, f->name, f->name_len,
		    f->w - 3, o->truncate_right, &c->label);
		if (c->label.len == 0)
			continue;
		cairo_set_source_rgb(cr, 0, 0, 0);
		cairo_move_to(cr, f->x + 3, f->y + f->h / 2 + ybase);
		cairo_show_text(cr, c->label.buf);
	}
	if (md != NULL)
		pcre2_match_data_free(md);
	free(covered);
	return matched;
}

static cairo_status_t
write_cb(void *closure, const unsigned char *data, unsigned int len)
{
	FILE *out = closure;

	if (len > 0 && fwrite(data, 1, len, out) != len)
		return CAIRO_STATUS_WRITE_ERROR;
	return CAIRO_STATUS_SUCCESS;
}

/*
 * The surface for a width x height picture and a context drawing on it
 * in layout pixels.
 */
static int
open_surface(struct ctx *c, double width, double height, FILE *out,
	     cairo_surface_t **sp)
{
	const struct fg_raster_opts *ro = c->ro;
	cairo_surface_t *s;

	if (ro->format == FG_RASTER_PNG) {
		double pw = ceil(width * ro->scale), ph = ceil(height * ro->scale);

		if (pw > FG_RASTER_MAX_SIDE || ph > FG_RASTER_MAX_SIDE) {
			fg_diag_set(c->d, NULL, 0, 0,
				    "the PNG would be %.0f x %.0f pixels, more than cairo's %d a side: use a smaller --width, --height or --scale, or PDF",
				    pw, ph, FG_RASTER_MAX_SIDE);
			return FG_ERANGE;
		}
		s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)pw,
					       (int)ph);
	} else {
		double pw, ph;

		if (fg_raster_page_size(ro->page, &pw, &ph)) {
			if (width > height) {
				double tmp = pw;

				pw = ph;
				ph = tmp;
			}
		} else {
			pw = width * PT_PER_PX;
			ph = height * PT_PER_PX;
		}
		s = cairo_pdf_surface_create_for_stream(write_cb, out, pw, ph);
		if (cairo_surface_status(s) == CAIRO_STATUS_SUCCESS) {
			cairo_pdf_surface_set_metadata(s,
				CAIRO_PDF_METADATA_TITLE,
				fg_svg_title(c->so));
			cairo_pdf_surface_set_metadata(s,
				CAIRO_PDF_METADATA_CREATOR, "flamekit flamegraph");
			/* no date: the same input gives the same file (cairo
			 * drops a date that is not ISO 8601) */
			cairo_pdf_surface_set_metadata(s,
				CAIRO_PDF_METADATA_CREATE_DATE, "none");
			if (c->so->notes != NULL)
				cairo_pdf_surface_set_metadata(s,
					CAIRO_PDF_METADATA_SUBJECT, c->so->notes);
		}
	}
	*sp = s;
	if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
		fg_diag_set(c->d, NULL, 0, 0, "cairo: %s",
			    cairo_status_to_string(cairo_surface_status(s)));
		return FG_EDEP;
	}
	c->cr = cairo_create(s);
	if (ro->format == FG_RASTER_PNG) {
		cairo_scale(c->cr, ro->scale, ro->scale);
	} else {
		double pw, ph, k;

		if (fg_raster_page_size(ro->page, &pw, &ph)) {
			if (width > height) {
				double tmp = pw;

				pw = ph;
				ph = tmp;
			}
			k = fmin((pw - 2 * PAGE_MARGIN) / width,
				 (ph - 2 * PAGE_MARGIN) / height);
			cairo_translate(c->cr, (pw - width * k) / 2,
					PAGE_MARGIN);
			cairo_scale(c->cr, k, k);
		} else {
			cairo_scale(c->cr, PT_PER_PX, PT_PER_PX);
		}
	}
	return FG_OK;
}

/* Finishes the picture: the PNG written out, the PDF page closed. */
static int
close_surface(struct ctx *c, cairo_surface_t *s, FILE *out)
{
	cairo_status_t st = CAIRO_STATUS_SUCCESS;

	if (c->cr != NULL) {
		st = cairo_status(c->cr);
		cairo_destroy(c->cr);
		c->cr = NULL;
	}
	if (c->rc == 0 && st == CAIRO_STATUS_SUCCESS) {
		if (c->ro->format == FG_RASTER_PNG) {
			cairo_surface_flush(s);
			st = cairo_surface_write_to_png_stream(s, write_cb, out);
		} else {
			cairo_surface_finish(s);
			st = cairo_surface_status(s);
		}
	}
	cairo_surface_destroy(s);
	if (c->rc == 0 && st == CAIRO_STATUS_WRITE_ERROR) {
		fg_diag_set(c->d, NULL, 0, 0, "write error: %s",
			    strerror(errno ? errno : EIO));
		c->rc = FG_EIO;
	} else if (c->rc == 0 && st != CAIRO_STATUS_SUCCESS) {
		fg_diag_set(c->d, NULL, 0, 0, "cairo: %s",
			    cairo_status_to_string(st));
		c->rc = FG_EDEP;
	}
	if (c->rc == 0 && (fflush(out) != 0 || ferror(out))) {
		fg_diag_set(c->d, NULL, 0, 0, "write error: %s",
			    strerror(errno));
		c->rc = FG_EIO;
	}
	fg_buf_release(&c->tmp);
	fg_buf_release(&c->label);
	free(c->bounds);
	return c->rc;
}

static void
ctx_init(struct ctx *c, const struct fg_svg_opts *so,
	 const struct fg_raster_opts *ro, struct fg_diag *d)
{
	memset(c, 0, sizeof(*c));
	c->so = so;
	c->ro = ro;
	c->d = d;
	c->ui = ro->dark ? dark_ui : light_ui;
	fg_buf_init(&c->tmp);
	fg_buf_init(&c->label);
}

int
fg_raster_write(const struct fg_tree *t, const struct fg_layout *l,
		struct fg_palette *p, const struct fg_svg_opts *so,
		const struct fg_raster_opts *ro, FILE *out, struct fg_diag *d)
{
	struct ctx c;
	cairo_surface_t *s = NULL;
	double width = fg_layout_width(l), height = fg_layout_height(l);
	double matched;
	pcre2_code *re;

	ctx_init(&c, so, ro, d);
	re = compile_search(&c);
	if (c.rc < 0)
		return c.rc;
	c.rc = open_surface(&c, width, height, out, &s);
	if (c.rc < 0) {
		pcre2_code_free(re);
		if (s != NULL)
			cairo_surface_destroy(s);
		return c.rc;
	}
	chrome(&c, width, height, fg_svg_title(so));
	if (fg_tree_is_diff(t))
		legend(&c, width, fg_layout_top(l), fg_tree_max_delta(t));
	matched = frames(&c, t, l, p, re);
	footer(&c, t, l, matched, re != NULL);
	pcre2_code_free(re);
	return close_surface(&c, s, out);
}

int
fg_raster_write_empty(const struct fg_svg_opts *so,
		      const struct fg_raster_opts *ro, double width,
		      FILE *out, struct fg_diag *d)
{
	struct ctx c;
	cairo_surface_t *s = NULL;
	double height = so->font_size * 5;

	ctx_init(&c, so, ro, d);
	c.rc = open_surface(&c, width, height, out, &s);
	if (c.rc < 0) {
		if (s != NULL)
			cairo_surface_destroy(s);
		return c.rc;
	}
	chrome(&c, width, height, "ERROR: no stacks in the input");
	return close_surface(&c, s, out);
}
