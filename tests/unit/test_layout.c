/*
 * test_layout.c - unit tests for layout.c: UTF-8 sanitising, rectangles,
 * pruning thresholds, label truncation (fixed widths and cairo metrics).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fg/fg.h"

struct fx {
	struct fg_symtab *syms;
	struct fg_stacks *s;
	struct fg_tree *t;
	struct fg_layout *l;
};

static void
setup(struct fx *f, const char *text, const struct fg_layout_opts *lo)
{
	struct fg_folded_opts o = FG_FOLDED_OPTS_INIT;
	struct fg_tree_opts to = FG_TREE_OPTS_INIT;
	struct fg_folded_stats st;
	struct fg_diag d = FG_DIAG_INIT;
	struct fg_lines *in = fg_lines_from_mem(text, strlen(text), "t");
	int rc;

	f->syms = fg_symtab_new();
	f->s = fg_stacks_new(f->syms, 1);
	assert_int_equal(fg_folded_read(in, f->s, &o, &st, &d), FG_OK);
	fg_lines_close(in);
	to.min_count = fg_layout_min_count(lo, (double)st.total[0].n);
	f->t = fg_tree_build(f->s, &to, &rc, &d);
	assert_non_null(f->t);
	f->l = fg_layout_new(f->t, lo, &d);
	assert_non_null(f->l);
}

static void
teardown(struct fx *f)
{
	fg_layout_free(f->l);
	fg_tree_free(f->t);
	fg_stacks_free(f->s);
	fg_symtab_free(f->syms);
}

static void
test_sanitize(void **state)
{
	char out[64];
	size_t n;

	(void)state;
	n = fg_utf8_sanitize("ok \xc3\xa9", 5, out, sizeof(out));
	assert_int_equal(n, 5);
	assert_string_equal(out, "ok \xc3\xa9");
	/* NUL, ESC, a lone continuation byte, a cut sequence, an overlong,
	 * a surrogate and U+FFFF each become U+FFFD */
	n = fg_utf8_sanitize("a\0b\x1b" "c\x80" "d\xe2\x82" "e\xc0\xaf"
			     "f\xed\xa0\x80g\xef\xbf\xbf", 20, out, sizeof(out));
	assert_string_equal(out, "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xef\xbf\xbd"
			    "d\xef\xbf\xbd\xef\xbf\xbd" "e\xef\xbf\xbd\xef\xbf\xbd"
			    "f\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdg\xef\xbf\xbd");
	/* U+FFFF is one character: one U+FFFD */
	assert_int_equal(n, strlen(out));
	/* tab stays; a too-small buffer gets the length needed */
	assert_int_equal(fg_utf8_sanitize("\t", 1, out, sizeof(out)), 1);
	assert_int_equal(fg_utf8_sanitize("\x01\x02", 2, out, 2), 6);
	assert_int_equal(fg_utf8_sanitize("\x01\x02", 2, NULL, 0), 6);
}

static void
test_min_count(void **state)
{
	struct fg_layout_opts o;

	(void)state;
	fg_layout_opts_init(&o);
	o.width = 1020;		/* 1000 pixels of frames */
	o.min_width = 1;
	assert_true(fg_layout_min_count(&o, 5000) == 5.0);
	o.min_width_pct = true;
	o.min_width = 2;
	assert_true(fg_layout_min_count(&o, 5000) == 100.0);
	o.total = 10000;	/* --total larger: the threshold follows it */
	assert_true(fg_layout_min_count(&o, 5000) == 200.0);
}

static void
test_geometry(void **state)
{
	struct fg_layout_opts o;
	struct fx f;
	const struct fg_layout_frame *r, *a, *b;

	(void)state;
	fg_layout_opts_init(&o);
	o.width = 1020;
	o.font_width = 0.5;
	setup(&f, "a;b 3\na 1\nc 4\n", &o);
	assert_int_equal(fg_layout_count(f.l), 4);
	r = fg_layout_frame(f.l, 0);
	a = fg_layout_frame(f.l, 1);
	b = fg_layout_frame(f.l, 2);
	assert_true(r->x == 10 && r->w == 1000);
	assert_true(a->x == 10 && a->w == 500);
	/* a's self count is left of its child */
	assert_true(b->x == 10 + 125 && b->w == 375);
	/* roots at the bottom: a child is one row (16 px) above */
	assert_true(a->y - b->y == 16);
	assert_true(r->h == 15);
	/* 3 levels + 36 px title + 34 px details */
	assert_true(fg_layout_height(f.l) == 3 * 16 + 36 + 34);
	assert_string_equal(fg_layout_frame(f.l, 3)->name, "c");
	teardown(&f);

	o.inverted = true;
	o.subtitle = true;
	setup(&f, "a;b 3\na 1\nc 4\n", &o);
	r = fg_layout_frame(f.l, 0);
	b = fg_layout_frame(f.l, 2);
	assert_true(r->y == 36 + 24);
	assert_true(b->y == r->y + 32);
	teardown(&f);
}

static void
test_labels_fixed_width(void **state)
{
	struct fg_layout_opts o;
	struct fx f;
	const struct fg_layout_frame *x;

	(void)state;
	fg_layout_opts_init(&o);
	o.width = 120;		/* 100 pixels */
	o.font_size = 10;
	o.font_width = 1;	/* 10 px per character */
	o.min_width = 0;
	/* the frame is 50 px: 47 px for text, 2 dots take 20 px */
	setup(&f, "abcdefghij_[k] 1\nz 1\n", &o);
	x = fg_layout_frame(f.l, 1);
	assert_string_equal(x->name, "abcdefghij");
	assert_int_equal(x->label_len, 4);
	assert_memory_equal(x->label, "..ij", 4);
	teardown(&f);

	o.truncate_right = true;
	setup(&f, "abcdefghij 1\nz 1\n", &o);
	x = fg_layout_frame(f.l, 1);
	assert_memory_equal(x->label, "ab..", 4);
	/* "z" fits whole */
	assert_int_equal(fg_layout_frame(f.l, 2)->label_len, 1);
	teardown(&f);

	/* 2 characters do not fit: empty */
	setup(&f, "abcdefghij 1\nz 9\n", &o);
	assert_int_equal(fg_layout_frame(f.l, 1)->label_len, 0);
	teardown(&f);
}

static void
test_labels_utf8_never_cut(void **state)
{
	struct fg_layout_opts o;
	struct fx f;
	size_t i, k;
	static const char *const inputs[] = {
		"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9 1\nz 1\n",
		"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe6\x97\xa5 1\nz 1\n",
		"\xf0\x9f\x94\xa5\xf0\x9f\x94\xa5\xf0\x9f\x94\xa5\xf0\x9f\x94\xa5x\xff 1\nz 1\n",
	};

	(void)state;
	for (k = 0; k < sizeof(inputs) / sizeof(inputs[0]); k++) {
		int truncate;

		for (truncate = 0; truncate < 2; truncate++) {
			double w;

			for (w = 40; w <= 160; w += 7) {
				fg_layout_opts_init(&o);
				o.width = w;
				o.truncate_right = truncate;
				setup(&f, inputs[k], &o);
				for (i = 0; i < fg_layout_count(f.l); i++) {
					const struct fg_layout_frame *x =
						fg_layout_frame(f.l, i);
					char buf[256];

					assert_int_equal(fg_utf8_sanitize(x->label,
						x->label_len, buf, sizeof(buf)),
						x->label_len);
					assert_memory_equal(buf, x->label,
							    x->label_len);
				}
				teardown(&f);
			}
		}
	}
}

static void
test_labels_measured(void **state)
{
	struct fg_layout_opts o;
	struct fx f;
	const struct fg_layout_frame *x;

	(void)state;
	fg_layout_opts_init(&o);
	o.width = 220;
	o.font_type = "DejaVu Sans";
	setup(&f, "iiiiiiiiiiiiiiiiiiii 1\nWWWWWWWWWWWWWWWWWWWW 1\n", &o);
	/* the same number of characters: narrow i's keep more of them
	 * (W sorts first) */
	x = fg_layout_frame(f.l, 2);
	assert_string_equal(x->label, "iiiiiiiiiiiiiiiiiiii");
	x = fg_layout_frame(f.l, 1);
	assert_true(x->label_len > 4 && x->label_len < 20);
	assert_memory_equal(x->label, "..W", 3);
	teardown(&f);
}

static void
test_encoding(void **state)
{
	struct fg_layout_opts o;
	struct fx f;
	struct fg_diag d = FG_DIAG_INIT;

	(void)state;
	fg_layout_opts_init(&o);
	o.encoding = "ISO-8859-1";
	setup(&f, "caf\xe9 1\n", &o);
	assert_string_equal(fg_layout_frame(f.l, 1)->name, "caf\xc3\xa9");
	o.encoding = "NO-SUCH-CHARSET";
	assert_null(fg_layout_new(f.t, &o, &d));
	assert_non_null(strstr(d.msg, "NO-SUCH-CHARSET"));
	teardown(&f);
}

/* The labels of f's layout, joined with '|'. */
static void
labels(const struct fx *f, char *out, size_t outsz)
{
	size_t i, len = 0;

	out[0] = '\0';
	for (i = 0; i < fg_layout_count(f->l); i++)
		len += (size_t)snprintf(out + len, outsz - len, "%s|",
					fg_layout_frame(f->l, i)->label);
}

/*
 * Metrics preloaded on a thread give the labels measured on the spot;
 * a preload for another font or size is not used (the font is loaded
 * again), and one never used is let go of.
 */
static void
test_fonts_preload(void **state)
{
	static const char text[] = "iiiiiiiiiiiiiiiiiiii 1\nWWWWWWWWWWWWWWWWWWWW 1\n";
	struct fg_layout_opts o, other;
	struct fx f;
	char want[512], got[512];

	(void)state;
	fg_layout_opts_init(&o);
	o.width = 220;
	o.font_type = "DejaVu Sans";
	setup(&f, text, &o);
	labels(&f, want, sizeof(want));
	teardown(&f);

	fg_layout_fonts_preload(&o);
	setup(&f, text, &o);
	labels(&f, got, sizeof(got));
	assert_string_equal(got, want);
	teardown(&f);

	other = o;
	other.font_size = 24;
	fg_layout_fonts_preload(&other);
	setup(&f, text, &o);
	labels(&f, got, sizeof(got));
	assert_string_equal(got, want);
	teardown(&f);

	fg_layout_fonts_preload(&o);
	fg_layout_fonts_release();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_min_count),
		cmocka_unit_test(test_geometry),
		cmocka_unit_test(test_labels_fixed_width),
		cmocka_unit_test(test_labels_utf8_never_cut),
		cmocka_unit_test(test_labels_measured),
		cmocka_unit_test(test_encoding),
		cmocka_unit_test(test_fonts_preload),
	};

	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	/* fontconfig's caches, so leak checkers see none */
	fg_layout_fonts_release();
	return rc;
}
