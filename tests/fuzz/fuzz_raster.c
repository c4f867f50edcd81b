/*
 * fuzz_raster - libFuzzer target for flamegraph's PNG and PDF path:
 * folded bytes -> stack table -> flame tree -> layout -> cairo, in
 * memory.
 *
 * The first byte picks the options: PNG or PDF, --page-fit, the dark
 * theme, a --search expression, inverted, label cut side, --scale and
 * --minwidth in percent; the rest is the folded input. The picture is
 * small (200 pixels wide) to keep the fuzzer fast; the font caches are
 * freed after every input (slow, but leak checking needs it).
 *
 * Invariants (abort() when broken):
 *   - the writer returns FG_OK, or FG_ERANGE for a PNG taller than
 *     cairo allows (then nothing is written);
 *   - a PNG decodes with cairo, at the layout's size times the scale;
 *     a PDF starts with "%PDF-" and ends with "%%EOF";
 *   - every frame's name fitted to its width is valid UTF-8, no wider
 *     than the room, and the name, or a cut of it with "..", or empty.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>

#include "fg/fg.h"
#include "fg/raster.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "fuzz_raster: %s:%d: check failed: %s\n", \
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

struct reader {
	const char *p;
	size_t left;
};

static cairo_status_t
read_cb(void *closure, unsigned char *out, unsigned int len)
{
	struct reader *r = closure;

	if (len > r->left)
		return CAIRO_STATUS_READ_ERROR;
	memcpy(out, r->p, len);
	r->p += len;
	r->left -= len;
	return CAIRO_STATUS_SUCCESS;
}

static void
check_labels(const struct fg_layout *l, bool right)
{
	struct fg_buf b = FG_BUF_INIT;
	char tmp[4096];
	size_t i;

	/* the first frames: fitting is measured, so keep it short */
	for (i = 0; i < fg_layout_count(l) && i < 16; i++) {
		const struct fg_layout_frame *f = fg_layout_frame(l, i);
		double w = fg_raster_fit_label(NULL, 12, f->name, f->name_len,
					       f->w - 3, right, &b);

		CHECK(w == 0 || (w > 0 && w <= f->w - 3 + 1e-9));
		if (b.len < sizeof(tmp)) {
			CHECK(fg_utf8_sanitize(b.buf, b.len, tmp, sizeof(tmp)) ==
			      b.len);
			CHECK(memcmp(tmp, b.buf, b.len) == 0);
		}
		CHECK(b.len == 0 || (b.len == f->name_len &&
				     memcmp(b.buf, f->name, b.len) == 0) ||
		      (b.len > 2 && (memcmp(b.buf, "..", 2) == 0 ||
				     memcmp(b.buf + b.len - 2, "..", 2) == 0)));
	}
	fg_buf_release(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fg_folded_opts fo = FG_FOLDED_OPTS_INIT;
	struct fg_tree_opts to = FG_TREE_OPTS_INIT;
	struct fg_layout_opts lo;
	struct fg_svg_opts so;
	struct fg_raster_opts ro;
	struct fg_folded_stats st;
	struct fg_diag d = FG_DIAG_INIT;
	struct fg_symtab *syms;
	struct fg_stacks *s;
	struct fg_tree *t;
	struct fg_layout *l;
	struct fg_palette *p;
	struct fg_lines *in;
	char *buf = NULL;
	size_t len = 0;
	FILE *m;
	uint8_t flags;
	int rc;

	if (size < 1)
		return 0;
	flags = data[0];
	in = fg_lines_from_mem(data + 1, size - 1, "fuzz");
	syms = fg_symtab_new();
	s = fg_stacks_new(syms, 2);
	rc = fg_folded_read(in, s, &fo, &st, &d);
	fg_lines_close(in);
	if (rc < 0)
		goto out;
	fg_layout_opts_init(&lo);
	fg_svg_opts_init(&so);
	fg_raster_opts_init(&ro);
	lo.font_type = so.font_type = FG_RASTER_DEFAULT_FONT;
	lo.font_width = 0.59;	/* the layout's own labels are not drawn */
	lo.width = 200;
	lo.inverted = so.inverted = (flags & 0x04) != 0;
	lo.truncate_right = so.truncate_right = (flags & 0x08) != 0;
	lo.min_width_pct = (flags & 0x10) != 0;
	lo.min_width = lo.min_width_pct ? 1 : 0.1;
	lo.legend = st.ncounts == 2;
	ro.format = (flags & 0x01) ? FG_RASTER_PDF : FG_RASTER_PNG;
	ro.page = (flags & 0x02) ? FG_RASTER_PAGE_LETTER : FG_RASTER_PAGE_NONE;
	ro.dark = (flags & 0x20) != 0;
	ro.scale = (flags & 0x40) ? 1.5 : 1;
	so.search = (flags & 0x80) ? "^[a-m]|\xc3\xa9" : NULL;
	to.one_col = st.ncounts != 2;
	to.min_count = fg_layout_min_count(&lo,
					   fg_count_to_double(&st.total[0]));
	t = fg_tree_build(s, &to, &rc, &d);
	if (t == NULL) {
		CHECK(rc == FG_ERANGE);
		goto out;
	}
	l = fg_layout_new(t, &lo, &d);
	CHECK(l != NULL);
	check_labels(l, lo.truncate_right);
	p = fg_palette_new(FG_PAL_HOT, FG_COLOR_NAME, 1);
	m = open_memstream(&buf, &len);
	CHECK(m != NULL);
	rc = fg_raster_write(t, l, p, &so, &ro, m, &d);
	CHECK(fclose(m) == 0);
	if (rc == FG_ERANGE) {
		CHECK(ro.format == FG_RASTER_PNG && len == 0);
	} else if (ro.format == FG_RASTER_PNG) {
		struct reader r = { buf, len };
		cairo_surface_t *img;

		CHECK(rc == FG_OK);
		img = cairo_image_surface_create_from_png_stream(read_cb, &r);
		CHECK(cairo_surface_status(img) == CAIRO_STATUS_SUCCESS);
		CHECK(cairo_image_surface_get_width(img) ==
		      (int)ceil(200 * ro.scale));
		CHECK(cairo_image_surface_get_height(img) ==
		      (int)ceil(fg_layout_height(l) * ro.scale));
		cairo_surface_destroy(img);
	} else {
		CHECK(rc == FG_OK);
		CHECK(len > 10 && memcmp(buf, "%PDF-", 5) == 0);
		CHECK(strstr(buf + len - 10, "%%EOF") != NULL);
	}
	free(buf);
	fg_palette_free(p);
	fg_layout_free(l);
	fg_tree_free(t);
out:
	fg_stacks_free(s);
	fg_symtab_free(syms);
	/* fontconfig loses some of what it caches unless it is finalised:
	 * do it every time, or the leak checker stops the run */
	fg_layout_fonts_release();
	return 0;
}
