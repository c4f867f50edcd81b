/*
 * test_palette.c - unit tests for palette.c: palette names, the semantic
 * palettes' rules, colour ranges and stability, palette.map, the
 * differential scales and the backgrounds.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fg/fg.h"

static enum fg_palette_id
res(enum fg_palette_id p, const char *name)
{
	return fg_palette_resolve(p, name, strlen(name));
}

static void
test_lookup(void **state)
{
	enum fg_palette_id id;
	int i;

	(void)state;
	for (i = 0; i < FG_PAL_COUNT; i++) {
		assert_int_equal(fg_palette_lookup(fg_palette_name((enum fg_palette_id)i),
						   &id), FG_OK);
		assert_int_equal(id, i);
	}
	assert_int_equal(fg_palette_lookup("nope", &id), FG_EINVAL);
}

static void
test_annotation(void **state)
{
	(void)state;
	assert_int_equal(fg_palette_annotation("f_[k]", 5), 'k');
	assert_int_equal(fg_palette_annotation("f_[w]", 5), 'w');
	assert_int_equal(fg_palette_annotation("f_[x]", 5), 0);
	assert_int_equal(fg_palette_annotation("_[k]x", 5), 0);
	assert_int_equal(fg_palette_annotation("[k]", 3), 0);
}

static void
test_semantic_rules(void **state)
{
	(void)state;
	assert_int_equal(res(FG_PAL_JAVA, "do_sys_open_[k]"), FG_PAL_ORANGE);
	assert_int_equal(res(FG_PAL_JAVA, "Interpreter_[j]"), FG_PAL_GREEN);
	assert_int_equal(res(FG_PAL_JAVA, "inl_[i]"), FG_PAL_AQUA);
	assert_int_equal(res(FG_PAL_JAVA, "Ljava/lang/Thread;::run"), FG_PAL_YELLOW);
	assert_int_equal(res(FG_PAL_JAVA, "java/util/HashMap.get"), FG_PAL_GREEN);
	assert_int_equal(res(FG_PAL_JAVA, "memcpy"), FG_PAL_RED);
	assert_int_equal(res(FG_PAL_JS, " "), FG_PAL_GREEN);
	assert_int_equal(res(FG_PAL_JS, "LazyCompile:~f /app/x.js:3_[j]"), FG_PAL_GREEN);
	assert_int_equal(res(FG_PAL_JS, "Builtin:Call_[j]"), FG_PAL_AQUA);
	assert_int_equal(res(FG_PAL_JS, "v8::internal::Run"), FG_PAL_YELLOW);
	assert_int_equal(res(FG_PAL_JS, "some/ai.js"), FG_PAL_GREEN);
	assert_int_equal(res(FG_PAL_JS, "someai.js"), FG_PAL_RED);
	assert_int_equal(res(FG_PAL_PERL, "Perl_pp_entersub"), FG_PAL_GREEN);
	assert_int_equal(res(FG_PAL_PERL, "main::foo"), FG_PAL_YELLOW);
	assert_int_equal(res(FG_PAL_PERL, "x_[k]"), FG_PAL_ORANGE);
	assert_int_equal(res(FG_PAL_RUST, "core::ptr::drop"), FG_PAL_ORANGE);
	assert_int_equal(res(FG_PAL_RUST, "<alloc::vec::Vec<T> as core::ops::Drop>::drop"),
			 FG_PAL_ORANGE);
	assert_int_equal(res(FG_PAL_RUST, "myapp::run"), FG_PAL_YELLOW);
	assert_int_equal(res(FG_PAL_RUST, "main"), FG_PAL_RED);
	assert_int_equal(res(FG_PAL_PYTHON, "get (/usr/lib/python3/site-packages/requests/api.py:10)"),
			 FG_PAL_AQUA);
	assert_int_equal(res(FG_PAL_PYTHON, "loads (/opt/python/3.12/lib/python3.12/json/__init__.py:299)"),
			 FG_PAL_YELLOW);
	assert_int_equal(res(FG_PAL_PYTHON, "main (app.py:3)"), FG_PAL_GREEN);
	assert_int_equal(res(FG_PAL_PYTHON, "PyEval_EvalFrame"), FG_PAL_RED);
	/* stackcollapse-scalene --split leaves */
	assert_int_equal(res(FG_PAL_PYTHON, "[python]"), FG_PAL_GREEN);
	assert_int_equal(res(FG_PAL_PYTHON, "[native]"), FG_PAL_BLUE);
	assert_int_equal(res(FG_PAL_PYTHON, "[system]"), FG_PAL_ORANGE);
	assert_int_equal(res(FG_PAL_WAKEUP, "x"), FG_PAL_AQUA);
	assert_int_equal(res(FG_PAL_CHAIN, "x_[w]"), FG_PAL_AQUA);
	assert_int_equal(res(FG_PAL_CHAIN, "x"), FG_PAL_BLUE);
	assert_int_equal(res(FG_PAL_PURPLE, "x"), FG_PAL_PURPLE);
}

static void
test_ranges_and_stability(void **state)
{
	static const char *const words[] = { "main", "a", "", "zz_top",
		"\xff\xfe", "std::vector<int>::push_back" };
	struct fg_palette *p = fg_palette_new(FG_PAL_HOT, FG_COLOR_NAME, 1);
	struct fg_palette *h = fg_palette_new(FG_PAL_HOT, FG_COLOR_HASH, 1);
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		size_t n = strlen(words[i]);
		struct fg_rgb a = fg_palette_color(p, words[i], n);
		struct fg_rgb b = fg_palette_color(p, words[i], n);
		struct fg_rgb c = fg_palette_color(h, words[i], n);

		/* hot: red 205-255, green 0-230, blue 0-55 */
		assert_true(a.r >= 205 && a.g <= 230 && a.b <= 55);
		assert_true(c.r >= 205 && c.g <= 230 && c.b <= 55);
		assert_memory_equal(&a, &b, sizeof(a));
	}
	/* flamegraph.pl's namehash of "main": first three characters */
	{
		struct fg_rgb c = fg_palette_color(h, "main", 4);
		struct fg_rgb d = fg_palette_color(h, "mai", 3);

		assert_int_equal(c.g, d.g);
	}
	assert_int_equal(fg_palette_color(p, "--", 2).r, 160);
	assert_int_equal(fg_palette_color(p, "-", 1).r, 200);
	fg_palette_free(p);
	fg_palette_free(h);
}

static void
test_random_seeded(void **state)
{
	struct fg_palette *a = fg_palette_new(FG_PAL_BLUE, FG_COLOR_RANDOM, 1234);
	struct fg_palette *b = fg_palette_new(FG_PAL_BLUE, FG_COLOR_RANDOM, 1234);
	int i, differ = 0;

	(void)state;
	for (i = 0; i < 20; i++) {
		struct fg_rgb x = fg_palette_color(a, "f", 1);
		struct fg_rgb y = fg_palette_color(b, "f", 1);
		struct fg_rgb z = fg_palette_color(a, "f", 1);

		assert_memory_equal(&x, &y, sizeof(x));
		fg_palette_color(b, "f", 1);
		differ += x.b != z.b;
		assert_true(x.b >= 205);
	}
	assert_true(differ > 0);
	fg_palette_free(a);
	fg_palette_free(b);
}

static void
test_palette_map(void **state)
{
	char path[] = "/tmp/test_palette.XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	struct fg_palette *p = fg_palette_new(FG_PAL_HOT, FG_COLOR_NAME, 1);
	struct fg_diag d = FG_DIAG_INIT;
	struct fg_rgb c;
	char buf[256];
	size_t n;

	(void)state;
	fputs("a->b->rgb(1,2,3)\nmain->rgb(4,5,6)\n", f);
	fclose(f);
	assert_int_equal(fg_palette_map_read(p, path, &d), FG_OK);
	c = fg_palette_color(p, "a->b", 4);
	assert_int_equal(c.r, 1);
	assert_int_equal(c.b, 3);
	c = fg_palette_color(p, "main", 4);
	assert_int_equal(c.g, 5);
	fg_palette_color(p, "new", 3);
	f = fopen(path, "w+");
	assert_int_equal(fg_palette_map_write(p, f), FG_OK);
	rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	assert_non_null(strstr(buf, "a->b->rgb(1,2,3)\nmain->rgb(4,5,6)\nnew->rgb("));
	f = fopen(path, "w");
	fputs("broken line\n", f);
	fclose(f);
	assert_int_equal(fg_palette_map_read(p, path, &d), FG_EPARSE);
	assert_int_equal(d.line, 1);
	unlink(path);
	/* a missing file is an empty map */
	assert_int_equal(fg_palette_map_read(p, path, &d), FG_OK);
	fg_palette_free(p);
}

static void
test_diff_colors(void **state)
{
	struct fg_rgb c;

	(void)state;
	c = fg_palette_diff_color(0, 10, 0, false);
	assert_true(c.r == 250 && c.g == 250 && c.b == 250);
	c = fg_palette_diff_color(10, 10, 0, false);
	assert_true(c.r == 255 && c.g == 60 && c.b == 60);
	c = fg_palette_diff_color(-10, 10, 0, false);
	assert_true(c.b == 255 && c.r == 60);
	c = fg_palette_diff_color(5, 10, 0, false);
	assert_true(c.r == 255 && c.g == 155);
	/* under the threshold: neutral */
	c = fg_palette_diff_color(1, 10, 2, false);
	assert_true(c.r == 250 && c.g == 250);
	c = fg_palette_diff_color(10, 10, 0, true);
	assert_true(c.r == 230 && c.g == 97 && c.b == 1);
	c = fg_palette_diff_color(-10, 10, 0, true);
	assert_true(c.r == 94 && c.g == 60 && c.b == 153);
}

static void
test_background(void **state)
{
	char a[8], b[8];
	struct fg_rgb c;

	(void)state;
	assert_int_equal(fg_palette_background(NULL, FG_PAL_HOT, a, b), FG_OK);
	assert_string_equal(b, "#eeeeb0");
	assert_int_equal(fg_palette_background(NULL, FG_PAL_MEM, a, b), FG_OK);
	assert_string_equal(b, "#e0ffe0");
	assert_int_equal(fg_palette_background(NULL, FG_PAL_IO, a, b), FG_OK);
	assert_string_equal(b, "#e0e0ff");
	assert_int_equal(fg_palette_background(NULL, FG_PAL_RED, a, b), FG_OK);
	assert_string_equal(b, "#e8e8e8");
	assert_int_equal(fg_palette_background("#A0b0C0", FG_PAL_HOT, a, b), FG_OK);
	assert_string_equal(a, "#a0b0c0");
	assert_string_equal(b, "#a0b0c0");
	assert_int_equal(fg_palette_background("pink", FG_PAL_HOT, a, b), FG_EINVAL);
	assert_int_equal(fg_palette_parse_hex("#12345", &c), FG_EINVAL);
	assert_int_equal(fg_palette_parse_hex("#12345g", &c), FG_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_annotation),
		cmocka_unit_test(test_semantic_rules),
		cmocka_unit_test(test_ranges_and_stability),
		cmocka_unit_test(test_random_seeded),
		cmocka_unit_test(test_palette_map),
		cmocka_unit_test(test_diff_colors),
		cmocka_unit_test(test_background),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
