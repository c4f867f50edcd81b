/*
 * test_svg.c - unit tests for svg.c: the document is well-formed whatever
 * the names hold, and has the structure lib/assets/DOM.md describes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "fg/fg.h"

struct doc {
	struct fg_buf svg;
	xmlDocPtr x;
	xmlXPathContextPtr xp;
};

static void
render(struct doc *out, const char *text, size_t len,
       struct fg_svg_opts *so)
{
	struct fg_folded_opts o = FG_FOLDED_OPTS_INIT;
	struct fg_tree_opts to = FG_TREE_OPTS_INIT;
	struct fg_layout_opts lo;
	struct fg_folded_stats st;
	struct fg_diag d = FG_DIAG_INIT;
	struct fg_lines *in = fg_lines_from_mem(text, len, "t");
	struct fg_symtab *syms = fg_symtab_new();
	struct fg_stacks *s = fg_stacks_new(syms, 2);
	struct fg_palette *p = fg_palette_new(FG_PAL_HOT, FG_COLOR_NAME, 1);
	struct fg_tree *t;
	struct fg_layout *l;
	int rc;

	assert_int_equal(fg_folded_read(in, s, &o, &st, &d), FG_OK);
	fg_lines_close(in);
	to.one_col = st.ncounts != 2;
	t = fg_tree_build(s, &to, &rc, &d);
	assert_non_null(t);
	fg_layout_opts_init(&lo);
	lo.font_width = 0.59;
	lo.legend = fg_tree_is_diff(t);
	l = fg_layout_new(t, &lo, &d);
	assert_non_null(l);
	fg_buf_init(&out->svg);
	assert_int_equal(fg_svg_write_mem(t, l, p, so, &out->svg, &d), FG_OK);
	out->x = xmlReadMemory(out->svg.buf, (int)out->svg.len, "t.svg", NULL,
			       XML_PARSE_NONET | XML_PARSE_NOERROR |
			       XML_PARSE_NOWARNING);
	assert_non_null(out->x);
	out->xp = xmlXPathNewContext(out->x);
	xmlXPathRegisterNs(out->xp, (const xmlChar *)"s",
			   (const xmlChar *)"http://www.w3.org/2000/svg");
	fg_layout_free(l);
	fg_tree_free(t);
	fg_palette_free(p);
	fg_stacks_free(s);
	fg_symtab_free(syms);
}

static void
done(struct doc *d)
{
	xmlXPathFreeContext(d->xp);
	xmlFreeDoc(d->x);
	fg_buf_release(&d->svg);
}

/* The string value of an XPath expression. */
static char *
q(struct doc *d, const char *expr)
{
	xmlXPathObjectPtr r = xmlXPathEvalExpression((const xmlChar *)expr,
						     d->xp);
	xmlChar *s;
	char *out;

	assert_non_null(r);
	s = xmlXPathCastToString(r);
	out = strdup((const char *)s);
	xmlFree(s);
	xmlXPathFreeObject(r);
	return out;
}

static void
expect(struct doc *d, const char *expr, const char *want)
{
	char *got = q(d, expr);

	assert_string_equal(got, want);
	free(got);
}

static void
test_structure(void **state)
{
	static const char in[] = "main;work 3\nmain 1\n";
	struct fg_svg_opts so;
	struct doc d;
	char *title;

	(void)state;
	fg_svg_opts_init(&so);
	so.subtitle = "sub";
	so.search = "wo.k";
	so.notes = "a -- b-";
	render(&d, in, sizeof(in) - 1, &so);
	expect(&d, "/s:svg/@data-total", "4");
	expect(&d, "/s:svg/@class", "flamegraph");
	expect(&d, "/s:svg/@data-search", "wo.k");
	expect(&d, "/s:svg/@data-truncate", "left");
	expect(&d, "name(/s:svg/*[1])", "defs");
	expect(&d, "name(/s:svg/*[2])", "style");
	expect(&d, "name(/s:svg/*[3])", "script");
	expect(&d, "/s:svg/*[4]/@id", "background");
	expect(&d, "/s:svg/s:text[@id='subtitle']", "sub");
	expect(&d, "/s:svg/s:text[@id='unzoom']/@class", "hide");
	expect(&d, "/s:svg/s:desc[@id='notes']", "a -- b-");
	expect(&d, "count(//s:g[@id='frames']/s:g[@class='f'])", "3");
	expect(&d, "//s:g[@class='f'][1]/s:title", "all (4 samples, 100.00%)");
	expect(&d, "//s:g[@class='f'][2]/s:title", "main (4 samples, 100.00%)");
	expect(&d, "//s:g[@class='f'][2]/@data-self", "1");
	expect(&d, "//s:g[@class='f'][3]/@data-x", "1");
	expect(&d, "//s:g[@class='f'][3]/@data-w", "3");
	expect(&d, "//s:g[@class='f'][3]/@data-d", "2");
	expect(&d, "//s:g[@class='f'][3]/s:text", "work");
	/* the script is all there */
	title = q(&d, "/s:svg/s:script");
	assert_string_equal(title, (const char *)fg_asset_js);
	free(title);
	done(&d);
}

static void
test_hostile_names(void **state)
{
	static const char in[] =
		"a\0b;<x>&\"y\";\x1b[0m;\xff\xfe;]]>;caf\xc3\xa9 2\n";
	struct fg_svg_opts so;
	struct doc d;
	char *title;

	(void)state;
	fg_svg_opts_init(&so);
	so.title = "t\x01<&>\xc3";
	render(&d, in, sizeof(in) - 1, &so);
	expect(&d, "//s:g[@class='f'][2]/s:title",
	       "a\xef\xbf\xbd" "b (2 samples, 100.00%)");
	expect(&d, "//s:g[@class='f'][3]/s:title",
	       "<x>&\"y\" (2 samples, 100.00%)");
	expect(&d, "//s:g[@class='f'][4]/s:title",
	       "\xef\xbf\xbd[0m (2 samples, 100.00%)");
	expect(&d, "//s:g[@class='f'][5]/s:title",
	       "\xef\xbf\xbd\xef\xbf\xbd (2 samples, 100.00%)");
	expect(&d, "//s:g[@class='f'][6]/s:title", "]]> (2 samples, 100.00%)");
	title = q(&d, "/s:svg/s:text[@id='title']");
	assert_string_equal(title, "t\xef\xbf\xbd<&>\xef\xbf\xbd");
	free(title);
	done(&d);
}

static void
test_differential(void **state)
{
	static const char in[] = "a;b 4 1\na;c 0 2\n";
	struct fg_svg_opts so;
	struct doc d;

	(void)state;
	fg_svg_opts_init(&so);
	render(&d, in, sizeof(in) - 1, &so);
	expect(&d, "/s:svg/@class", "flamegraph diff");
	expect(&d, "count(/s:svg/s:g[@id='legend']/s:rect)", "11");
	expect(&d, "//s:g[@class='f'][2]/@data-b", "4");
	expect(&d, "//s:g[@class='f'][2]/@data-a", "3");
	expect(&d, "//s:g[@class='f'][2]/s:title",
	       "a (3 samples, 100.00%; before 4, after 3, -1 / -25.00%)");
	expect(&d, "//s:g[@class='f'][4]/s:title",
	       "c (2 samples, 66.67%; before 0, after 2, +2 / new)");
	/* b shrank by the most: full blue; c grew by 2/3 of that */
	expect(&d, "//s:g[@class='f'][3]/s:rect/@fill", "rgb(60,60,255)");
	expect(&d, "//s:g[@class='f'][4]/s:rect/@fill", "rgb(255,124,124)");
	done(&d);
}

static void
test_factor_exact(void **state)
{
	static const char in[] = "a 3\n";
	struct fg_svg_opts so;
	struct doc d;

	(void)state;
	fg_svg_opts_init(&so);
	so.factor_units = 1;	/* 0.1 */
	so.factor_decimals = 1;
	render(&d, in, sizeof(in) - 1, &so);
	expect(&d, "/s:svg/@data-total", "0.3");
	expect(&d, "//s:g[@class='f'][2]/s:title", "a (0.3 samples, 100.00%)");
	done(&d);
}

static void
test_empty(void **state)
{
	struct fg_svg_opts so;
	struct fg_diag d = FG_DIAG_INIT;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	xmlDocPtr x;

	(void)state;
	fg_svg_opts_init(&so);
	assert_int_equal(fg_svg_write_empty(&so, 1200, f, &d), FG_OK);
	fclose(f);
	x = xmlReadMemory(buf, (int)len, "e.svg", NULL, XML_PARSE_NONET);
	assert_non_null(x);
	assert_non_null(strstr(buf, "no stacks"));
	xmlFreeDoc(x);
	free(buf);
}

/*
 * The SVG of text with so (and a random palette, whose colours depend
 * on the order they are handed out in): its bytes in *out, its status
 * returned, its diagnostic in *d.
 */
static int
render_bytes(const char *text, struct fg_svg_opts *so, struct fg_buf *out,
	     struct fg_diag *d)
{
	struct fg_folded_opts o = FG_FOLDED_OPTS_INIT;
	struct fg_tree_opts to = FG_TREE_OPTS_INIT;
	struct fg_layout_opts lo;
	struct fg_folded_stats st;
	struct fg_lines *in = fg_lines_from_mem(text, strlen(text), "t");
	struct fg_symtab *syms = fg_symtab_new();
	struct fg_stacks *s = fg_stacks_new(syms, 2);
	struct fg_palette *p = fg_palette_new(FG_PAL_HOT, FG_COLOR_RANDOM, 7);
	struct fg_tree *t;
	struct fg_layout *l;
	int rc;

	assert_int_equal(fg_folded_read(in, s, &o, &st, d), FG_OK);
	fg_lines_close(in);
	to.one_col = st.ncounts != 2;
	t = fg_tree_build(s, &to, &rc, d);
	assert_non_null(t);
	fg_layout_opts_init(&lo);
	lo.font_width = 0.59;
	lo.legend = fg_tree_is_diff(t);
	l = fg_layout_new(t, &lo, d);
	assert_non_null(l);
	fg_buf_init(out);
	rc = fg_svg_write_mem(t, l, p, so, out, d);
	fg_layout_free(l);
	fg_tree_free(t);
	fg_palette_free(p);
	fg_stacks_free(s);
	fg_symtab_free(syms);
	return rc;
}

/*
 * Thousands of frames put together on 2 to 17 threads (16 at most are
 * used) give the bytes of one thread, one count or two, and the same
 * failure when a count times --factor does not fit.
 */
static void
test_frames_on_threads(void **state)
{
	static const unsigned jobs[] = { 2, 3, 16, 17 };
	struct fg_buf text = FG_BUF_INIT;
	unsigned two, k, i, j;

	(void)state;
	for (two = 0; two < 2; two++) {
		struct fg_svg_opts so;
		struct fg_buf one, got;
		struct fg_diag d1 = FG_DIAG_INIT, d2 = FG_DIAG_INIT;

		fg_buf_reset(&text);
		for (i = 0; i < 100; i++)
			for (j = 0; j < 60; j++)
				fg_buf_addf(&text, "root;f%u <&>;g%u %u%s\n", i,
					    j, 1 + (i * j) % 7,
					    two ? (j % 2 ? " 3" : " 1") : "");
		fg_svg_opts_init(&so);
		assert_int_equal(render_bytes(text.buf, &so, &one, &d1), FG_OK);
		{
			/* enough frames for the threads to be used */
			size_t nf = 0;
			const char *q;

			for (q = one.buf; (q = strstr(q, "<g class=\"f\"")) != NULL;
			     q++)
				nf++;
			assert_true(nf >= 4096);
		}
		for (k = 0; k < 4; k++) {
			so.jobs = jobs[k];
			assert_int_equal(render_bytes(text.buf, &so, &got, &d2),
					 FG_OK);
			assert_int_equal(got.len, one.len);
			assert_memory_equal(got.buf, one.buf, one.len);
			fg_buf_release(&got);
		}
		fg_buf_release(&one);

		/* every count times 2^64 - 1 overflows */
		so.factor_units = UINT64_MAX;
		so.jobs = 1;
		assert_int_equal(render_bytes(text.buf, &so, &one, &d1),
				 FG_ERANGE);
		so.jobs = 3;
		assert_int_equal(render_bytes(text.buf, &so, &got, &d2),
				 FG_ERANGE);
		assert_string_equal(d2.msg, d1.msg);
		fg_buf_release(&one);
		fg_buf_release(&got);
	}
	fg_buf_release(&text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_hostile_names),
		cmocka_unit_test(test_differential),
		cmocka_unit_test(test_factor_exact),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_frames_on_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
