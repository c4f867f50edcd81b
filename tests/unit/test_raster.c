/*
 * test_raster.c - unit tests for raster.c: label fitting with cairo's
 * extents, PNG size and pixel colours at known places (background, root
 * frame, a differential frame, a search match, the dark theme, --scale),
 * the PNG size limit, PDF page sizes, the empty picture, and the tree's
 * count of frames pruned by --minwidth. Pixels are read back through
 * cairo; nothing is compared byte for byte (cairo and fonts change
 * pixels).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>

#include "fg/fg.h"
#include "fg/raster.h"

struct fx {
	struct fg_symtab *syms;
	struct fg_stacks *s;
	struct fg_tree *t;
	struct fg_layout *l;
	struct fg_palette *p;
	struct fg_svg_opts so;
	struct fg_raster_opts ro;
	struct fg_layout_opts lo;
};

static void
setup(struct fx *f, const char *text, double min_width)
{
	struct fg_folded_opts o = FG_FOLDED_OPTS_INIT;
	struct fg_tree_opts to = FG_TREE_OPTS_INIT;
	struct fg_folded_stats st;
	struct fg_diag d = FG_DIAG_INIT;
	struct fg_lines *in = fg_lines_from_mem(text, strlen(text), "t");
	int rc;

	fg_layout_opts_init(&f->lo);
	fg_svg_opts_init(&f->so);
	fg_raster_opts_init(&f->ro);
	f->lo.font_type = f->so.font_type = FG_RASTER_DEFAULT_FONT;
	f->lo.min_width = min_width;
	f->lo.width = 600;
	o.col = 0;
	o.counts = FG_FOLDED_AUTO;
	o.max_counts = 2;
	f->syms = fg_symtab_new();
	f->s = fg_stacks_new(f->syms, 2);
	assert_int_equal(fg_folded_read(in, f->s, &o, &st, &d), FG_OK);
	fg_lines_close(in);
	to.one_col = st.ncounts == 1;
	to.min_count = fg_layout_min_count(&f->lo,
		(double)st.total[st.ncounts == 2 ? 1 : 0].n);
	f->t = fg_tree_build(f->s, &to, &rc, &d);
	assert_non_null(f->t);
	f->lo.legend = fg_tree_is_diff(f->t);
	f->l = fg_layout_new(f->t, &f->lo, &d);
	assert_non_null(f->l);
	f->p = fg_palette_new(FG_PAL_HOT, FG_COLOR_NAME, 1234);
}

static void
teardown(struct fx *f)
{
	fg_palette_free(f->p);
	fg_layout_free(f->l);
	fg_tree_free(f->t);
	fg_stacks_free(f->s);
	fg_symtab_free(f->syms);
}

/* Renders f to memory; returns the bytes (caller frees), *len set. */
static char *
render(struct fx *f, size_t *len, int expect)
{
	char *buf = NULL;
	FILE *m = open_memstream(&buf, len);
	struct fg_diag d = FG_DIAG_INIT;

	assert_non_null(m);
	assert_int_equal(fg_raster_write(f->t, f->l, f->p, &f->so, &f->ro, m,
					 &d), expect);
	fclose(m);
	return buf;
}

struct reader {
	const char *p;
	size_t left;
};

static cairo_status_t
read_cb(void *closure, unsigned char *data, unsigned int len)
{
	struct reader *r = closure;

	if (len > r->left)
		return CAIRO_STATUS_READ_ERROR;
	memcpy(data, r->p, len);
	r->p += len;
	r->left -= len;
	return CAIRO_STATUS_SUCCESS;
}

static cairo_surface_t *
decode(const char *png, size_t len)
{
	struct reader r = { png, len };
	cairo_surface_t *s;

	assert_true(len > 8);
	assert_memory_equal(png, "\x89PNG\r\n\x1a\n", 8);
	s = cairo_image_surface_create_from_png_stream(read_cb, &r);
	assert_int_equal(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
	return s;
}

static struct fg_rgb
pixel(cairo_surface_t *s, double x, double y)
{
	const unsigned char *data;
	uint32_t v;
	int stride;

	cairo_surface_flush(s);
	data = cairo_image_surface_get_data(s);
	stride = cairo_image_surface_get_stride(s);
	assert_true(x >= 0 && x < cairo_image_surface_get_width(s));
	assert_true(y >= 0 && y < cairo_image_surface_get_height(s));
	memcpy(&v, data + (size_t)y * (size_t)stride + (size_t)x * 4, 4);
	return (struct fg_rgb){ (uint8_t)(v >> 16), (uint8_t)(v >> 8),
				(uint8_t)v };
}

static void
assert_rgb(struct fg_rgb got, struct fg_rgb want)
{
	if (got.r != want.r || got.g != want.g || got.b != want.b)
		fail_msg("pixel rgb(%u,%u,%u), expected rgb(%u,%u,%u)", got.r,
			 got.g, got.b, want.r, want.g, want.b);
}

/* The layout frame of node, by its display name. */
static const struct fg_layout_frame *
frame_named(const struct fg_layout *l, const char *name)
{
	size_t i;

	for (i = 0; i < fg_layout_count(l); i++) {
		const struct fg_layout_frame *f = fg_layout_frame(l, i);

		if (f->name_len == strlen(name) &&
		    memcmp(f->name, name, f->name_len) == 0)
			return f;
	}
	fail_msg("no frame %s", name);
	return NULL;
}

/* A point inside frame f left of its label, in device pixels. */
static void
inside(const struct fg_layout_frame *f, double scale, double *x, double *y)
{
	*x = (f->x + 1.5) * scale;
	*y = (f->y + f->h / 2) * scale;
}

static const char small[] =
	"main;parse;lex 30\n"
	"main;parse 10\n"
	"main;run;loop;work 50\n"
	"main;run;tiny 1\n"
	"main;run;tinier 1\n"
	"idle 9\n";

static void
test_fit_label(void **state)
{
	struct fg_buf b = FG_BUF_INIT;
	const char *name = "std::vector<int>::push_back";
	const char *u = "\xc3\xa9t\xc3\xa9\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
			"\xf0\x9f\x94\xa5\xf0\x9f\x94\xa5";
	double whole, w, avail;
	size_t i;

	(void)state;
	whole = fg_raster_fit_label(NULL, 12, name, strlen(name), 1000, false,
				    &b);
	assert_true(whole > 0);
	assert_string_equal(b.buf, name);
	/* a cut at the start keeps the end, fits, and is ".." + suffix */
	avail = whole / 2;
	w = fg_raster_fit_label(NULL, 12, name, strlen(name), avail, false, &b);
	assert_true(w <= avail && w > 0);
	assert_memory_equal(b.buf, "..", 2);
	assert_string_equal(name + strlen(name) - (b.len - 2), b.buf + 2);
	/* a cut at the end keeps the start */
	w = fg_raster_fit_label(NULL, 12, name, strlen(name), avail, true, &b);
	assert_true(w <= avail && w > 0);
	assert_memory_equal(b.buf + b.len - 2, "..", 2);
	assert_memory_equal(b.buf, name, b.len - 2);
	/* fewer than two characters: nothing */
	w = fg_raster_fit_label(NULL, 12, name, strlen(name), 12, true, &b);
	assert_true(w == 0);
	assert_int_equal(b.len, 0);
	/* UTF-8: every cut keeps whole characters, at every width */
	whole = fg_raster_fit_label(NULL, 12, u, strlen(u), 1000, true, &b);
	for (avail = 1; avail < whole + 2; avail += 0.5) {
		char tmp[64];
		bool right = (int)avail % 2 == 0;

		w = fg_raster_fit_label(NULL, 12, u, strlen(u), avail, right,
					&b);
		assert_true(w <= avail);
		assert_int_equal(fg_utf8_sanitize(b.buf, b.len, tmp,
						  sizeof(tmp)), b.len);
		assert_string_equal(tmp, b.buf);
		if (b.len > 0 && b.len < strlen(u)) {
			size_t chars = 0;

			for (i = 0; i < b.len; i++)
				chars += ((unsigned char)b.buf[i] & 0xc0) != 0x80;
			assert_true(chars >= 4);	/* 2 + ".." */
		}
	}
	fg_buf_release(&b);
}

static void
test_png_pixels(void **state)
{
	struct fx f;
	size_t len;
	char *png;
	cairo_surface_t *s;
	struct fg_rgb top;
	double x, y;

	(void)state;
	setup(&f, small, 0.1);
	png = render(&f, &len, FG_OK);
	s = decode(png, len);
	assert_int_equal(cairo_image_surface_get_width(s), 600);
	assert_int_equal(cairo_image_surface_get_height(s),
			 (int)fg_layout_height(f.l));
	/* the background's top colour, in the title band's corner */
	assert_int_equal(fg_palette_parse_hex(f.so.bg_top, &top), FG_OK);
	assert_rgb(pixel(s, 2, 2), top);
	/* the root frame, in the colour of "all" */
	inside(fg_layout_frame(f.l, 0), 1, &x, &y);
	assert_rgb(pixel(s, x, y), fg_palette_color(f.p, "all", 3));
	/* a named frame */
	inside(frame_named(f.l, "work"), 1, &x, &y);
	assert_rgb(pixel(s, x, y), fg_palette_color(f.p, "work", 4));
	cairo_surface_destroy(s);
	free(png);

	/* --scale 2: twice the pixels, the same colours at twice the place */
	f.ro.scale = 2;
	png = render(&f, &len, FG_OK);
	s = decode(png, len);
	assert_int_equal(cairo_image_surface_get_width(s), 1200);
	assert_int_equal(cairo_image_surface_get_height(s),
			 (int)(2 * fg_layout_height(f.l)));
	inside(frame_named(f.l, "work"), 2, &x, &y);
	assert_rgb(pixel(s, x, y), fg_palette_color(f.p, "work", 4));
	cairo_surface_destroy(s);
	free(png);

	/* the dark theme's background; --search paints the matches */
	f.ro.scale = 1;
	f.ro.dark = true;
	f.so.search = "^(lex|loop)$";
	png = render(&f, &len, FG_OK);
	s = decode(png, len);
	assert_rgb(pixel(s, 2, 2), (struct fg_rgb){ 0x1b, 0x1d, 0x22 });
	inside(frame_named(f.l, "loop"), 1, &x, &y);
	assert_rgb(pixel(s, x, y), f.so.search_color);
	inside(frame_named(f.l, "run"), 1, &x, &y);
	assert_rgb(pixel(s, x, y), fg_palette_color(f.p, "run", 3));
	cairo_surface_destroy(s);
	free(png);

	/* a bad expression is an error, not a picture */
	f.so.search = "(";
	free(render(&f, &len, FG_EINVAL));
	teardown(&f);
}

static void
test_png_diff(void **state)
{
	struct fx f;
	size_t len;
	char *png;
	cairo_surface_t *s;
	struct fg_rgb grew, shrank;
	double x, y;

	(void)state;
	setup(&f, "main;grow 10 90\nmain;shrink 90 10\nmain;same 50 50\n", 0.1);
	assert_true(fg_tree_is_diff(f.t));
	png = render(&f, &len, FG_OK);
	s = decode(png, len);
	inside(frame_named(f.l, "grow"), 1, &x, &y);
	grew = pixel(s, x, y);
	assert_true(grew.r > grew.b);
	inside(frame_named(f.l, "shrink"), 1, &x, &y);
	shrank = pixel(s, x, y);
	assert_true(shrank.b > shrank.r);
	cairo_surface_destroy(s);
	free(png);

	/* --negate swaps the hues */
	f.so.negate = true;
	png = render(&f, &len, FG_OK);
	s = decode(png, len);
	inside(frame_named(f.l, "grow"), 1, &x, &y);
	grew = pixel(s, x, y);
	assert_true(grew.b > grew.r);
	cairo_surface_destroy(s);
	free(png);
	teardown(&f);
}

static void
test_png_limit(void **state)
{
	struct fx f;
	size_t len;

	(void)state;
	setup(&f, small, 0.1);
	f.ro.scale = 60;	/* 36000 pixels wide */
	free(render(&f, &len, FG_ERANGE));
	teardown(&f);
}

/* The first /MediaBox of a PDF, in points. */
static void
media_box(const char *pdf, size_t len, double *w, double *h)
{
	const char *p = pdf;
	double x0, y0;

	while ((p = memchr(p, '/', len - (size_t)(p - pdf))) != NULL) {
		if (sscanf(p, "/MediaBox [ %lf %lf %lf %lf ]", &x0, &y0, w,
			   h) == 4)
			return;
		p++;
	}
	fail_msg("no /MediaBox");
}

static void
test_pdf(void **state)
{
	struct fx f;
	size_t len;
	char *pdf;
	double w, h, a4w, a4h;

	(void)state;
	setup(&f, small, 0.1);
	f.ro.format = FG_RASTER_PDF;
	pdf = render(&f, &len, FG_OK);
	assert_memory_equal(pdf, "%PDF-", 5);
	media_box(pdf, len, &w, &h);
	assert_true(w > 449.9 && w < 450.1);	/* 600 px at 96 dpi */
	assert_true(h > fg_layout_height(f.l) * 0.75 - 0.1 &&
		    h < fg_layout_height(f.l) * 0.75 + 0.1);
	free(pdf);

	/* wider than tall: an A4 page in landscape */
	f.ro.page = FG_RASTER_PAGE_A4;
	assert_true(fg_raster_page_size(FG_RASTER_PAGE_A4, &a4w, &a4h));
	pdf = render(&f, &len, FG_OK);
	media_box(pdf, len, &w, &h);
	assert_true(w > a4h - 0.5 && w < a4h + 0.5);
	assert_true(h > a4w - 0.5 && h < a4w + 0.5);
	free(pdf);
	assert_false(fg_raster_page_size(FG_RASTER_PAGE_NONE, &w, &h));
	assert_true(fg_raster_page_size(FG_RASTER_PAGE_LETTER, &w, &h));
	assert_true(w == 612 && h == 792);
	teardown(&f);
}

static void
test_empty(void **state)
{
	struct fg_svg_opts so;
	struct fg_raster_opts ro;
	struct fg_diag d = FG_DIAG_INIT;
	char *buf = NULL;
	size_t len;
	FILE *m = open_memstream(&buf, &len);
	cairo_surface_t *s;

	(void)state;
	fg_svg_opts_init(&so);
	fg_raster_opts_init(&ro);
	assert_int_equal(fg_raster_write_empty(&so, &ro, 300, m, &d), FG_OK);
	fclose(m);
	s = decode(buf, len);
	assert_int_equal(cairo_image_surface_get_width(s), 300);
	assert_int_equal(cairo_image_surface_get_height(s), 60);
	cairo_surface_destroy(s);
	free(buf);
}

static void
test_pruned(void **state)
{
	struct fx f;

	(void)state;
	/* at 600 px, 102 counts: 1 count is 5.7 px; 6 px hides "tiny" and
	 * "tinier" but nothing wider */
	setup(&f, small, 6);
	assert_int_equal(fg_tree_pruned(f.t), 2);
	teardown(&f);
	setup(&f, small, 0.1);
	assert_int_equal(fg_tree_pruned(f.t), 0);
	teardown(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fit_label),
		cmocka_unit_test(test_png_pixels),
		cmocka_unit_test(test_png_diff),
		cmocka_unit_test(test_png_limit),
		cmocka_unit_test(test_pdf),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_pruned),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	fg_layout_fonts_release();
	return rc;
}
