/*
 * test_rewrite.c - unit tests for rewrite.c: s/pattern/replacement/g on
 * names with pcre2, errors, and the memo that serves as a frame map.
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

static struct fg_rewrite *
hex(void)
{
	struct fg_diag d = FG_DIAG_INIT;
	struct fg_rewrite *rw = fg_rewrite_new(FG_REWRITE_HEX_PATTERN,
					       FG_REWRITE_HEX_REPLACEMENT, &d);

	assert_non_null(rw);
	return rw;
}

static void
check_apply(struct fg_rewrite *rw, const char *in, size_t n, int want_rc,
	    const char *want, size_t want_len)
{
	struct fg_buf out = FG_BUF_INIT;
	struct fg_diag d = FG_DIAG_INIT;

	fg_buf_addf(&out, "old contents");
	assert_int_equal(fg_rewrite_apply(rw, in, n, &out, &d), want_rc);
	assert_int_equal(out.len, want_len);
	assert_memory_equal(out.buf, want, want_len);
	assert_int_equal(out.buf[out.len], '\0');
	fg_buf_release(&out);
}

#define APPLY(rw, in, rc, want) \
	check_apply(rw, in, sizeof(in) - 1, rc, want, sizeof(want) - 1)

static void
test_rewrite_hex(void **state)
{
	struct fg_rewrite *rw = hex();

	APPLY(rw, "foo+0x7f3a12 bar 0xDEADbeef", 2,
	      "foo+0x... bar 0x...");
	APPLY(rw, "[unknown] 0x0", 1, "[unknown] 0x...");
	APPLY(rw, "0x1;0x2", 2, "0x...;0x...");
	/* no digits, an uppercase X, a non-hex digit: no match */
	APPLY(rw, "0x", 0, "0x");
	APPLY(rw, "0X1f", 0, "0X1f");
	APPLY(rw, "0xg", 0, "0xg");
	/* the match stops at the first non-hex byte */
	APPLY(rw, "0x12gh", 1, "0x...gh");
	APPLY(rw, "00x1", 1, "00x...");
	APPLY(rw, "plain_name", 0, "plain_name");
	APPLY(rw, "", 0, "");
	/* bytes that are not UTF-8, and NULs, are just bytes */
	APPLY(rw, "\xff\xfe 0xab\0x0x1", 2, "\xff\xfe 0x...\0x0x...");
	fg_rewrite_free(rw);
	fg_rewrite_free(NULL);
}

static void
test_rewrite_literal_and_growth(void **state)
{
	struct fg_diag d = FG_DIAG_INIT;
	struct fg_rewrite *rw = fg_rewrite_new("(a)", "$1<\\0>", &d);
	struct fg_buf out = FG_BUF_INIT;
	char in[2000];
	size_t i;

	assert_non_null(rw);
	/* the replacement is literal: no $1, no escapes */
	APPLY(rw, "xay", 1, "x$1<\\0>y");
	/* a result much longer than the input */
	memset(in, 'a', sizeof(in));
	assert_int_equal(fg_rewrite_apply(rw, in, sizeof(in), &out, &d),
			 (int)sizeof(in));
	assert_int_equal(out.len, sizeof(in) * 6);
	for (i = 0; i < out.len; i += 6)
		assert_memory_equal(out.buf + i, "$1<\\0>", 6);
	/* and a shorter one again, into the same buffer */
	assert_int_equal(fg_rewrite_apply(rw, "bab", 3, &out, &d), 1);
	assert_int_equal(out.len, 8);
	assert_string_equal(out.buf, "b$1<\\0>b");
	fg_buf_release(&out);
	fg_rewrite_free(rw);

	/* an empty replacement deletes */
	rw = fg_rewrite_new(" +", "", &d);
	assert_non_null(rw);
	APPLY(rw, "a  b c", 2, "abc");
	fg_rewrite_free(rw);
}

static void
test_rewrite_invalid(void **state)
{
	static const struct {
		const char *pattern;
		unsigned long col;
	} bad[] = {
		{ "a(b", 4 },		/* missing ) at the end */
		{ "ab)", 3 },		/* unmatched ) */
		{ "[z-a]", 4 },		/* range out of order */
		{ "x{2,1}", 6 },	/* numbers out of order */
		{ "*a", 1 },		/* nothing to repeat */
	};
	struct fg_diag d;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fg_diag_clear(&d);
		assert_null(fg_rewrite_new(bad[i].pattern, "x", &d));
		assert_int_equal(d.col, bad[i].col);
		assert_null(d.file);
		assert_int_equal(d.line, 0);
		assert_true(strncmp(d.msg, "invalid regular expression '", 28) == 0);
		assert_non_null(strstr(d.msg, bad[i].pattern));
		/* pcre2's own words follow */
		assert_true(strlen(d.msg) > strlen(bad[i].pattern) + 32);
	}
	/* no diag is fine too */
	assert_null(fg_rewrite_new("(", "x", NULL));
}

/* pcre2 gives up on catastrophic backtracking: FG_EDEP, not a hang. */
static void
test_rewrite_match_limit(void **state)
{
	struct fg_diag d = FG_DIAG_INIT;
	struct fg_rewrite *rw = fg_rewrite_new("(a+)+$", "x", &d);
	struct fg_buf out = FG_BUF_INIT;
	char in[64];

	assert_non_null(rw);
	memset(in, 'a', sizeof(in));
	in[sizeof(in) - 1] = 'b';
	assert_int_equal(fg_rewrite_apply(rw, in, sizeof(in), &out, &d),
			 FG_EDEP);
	assert_true(strncmp(d.msg, "regular expression failed: ", 27) == 0);
	assert_int_equal(out.buf[0], '\0');
	fg_buf_release(&out);
	fg_rewrite_free(rw);
}

static void
test_rewrite_memo(void **state)
{
	struct fg_symtab *t = fg_symtab_new();
	struct fg_rewrite *rw = hex();
	struct fg_rewrite_memo m;
	struct fg_diag d = FG_DIAG_INIT;
	uint32_t a, b, c, out1, out2, out3, big, i;
	char name[32];

	fg_rewrite_memo_init(&m, rw, t);
	a = fg_intern(t, "jit 0x7f01", 10);
	b = fg_intern(t, "jit 0x7f02", 10);
	c = fg_intern(t, "main", 4);
	assert_int_equal(fg_rewrite_map(&m, a, &out1, &d), FG_OK);
	assert_int_equal(fg_rewrite_map(&m, b, &out2, &d), FG_OK);
	assert_int_equal(fg_rewrite_map(&m, c, &out3, &d), FG_OK);
	/* both addresses become one name; a name without one stays */
	assert_int_equal(out1, out2);
	assert_string_equal(fg_symtab_str(t, out1, NULL), "jit 0x...");
	assert_int_equal(out3, c);
	assert_int_equal(fg_symtab_count(t), 4);
	/* asked again: the remembered answer, nothing new interned */
	assert_int_equal(fg_rewrite_map(&m, a, &out3, &d), FG_OK);
	assert_int_equal(out3, out1);
	/* the rewritten name maps to itself */
	assert_int_equal(fg_rewrite_map(&m, out1, &out3, &d), FG_OK);
	assert_int_equal(out3, out1);
	assert_int_equal(fg_symtab_count(t), 4);

	/* a high id first: the memo grows to it */
	for (i = 0; i < 1000; i++) {
		int n = snprintf(name, sizeof(name), "f 0x%x", i);

		big = fg_intern(t, name, (size_t)n);
	}
	assert_int_equal(fg_rewrite_map(&m, big, &out3, &d), FG_OK);
	assert_int_not_equal(out3, big);
	assert_string_equal(fg_symtab_str(t, out3, NULL), "f 0x...");
	assert_int_equal(fg_rewrite_map(&m, big - 500, &out2, &d), FG_OK);
	assert_int_equal(out2, out3);
	fg_rewrite_memo_release(&m);
	fg_rewrite_free(rw);
	fg_symtab_free(t);
}

/* The memo as the folded reader's frame map: stacks merge. */
static void
test_rewrite_in_reader(void **state)
{
	static const char text[] = "main;jit 0x7f01;leaf 3\n"
				   "main;jit 0x7f02;leaf 4\n"
				   "main;other 0x1 0x2 1\n"
				   "main;jit 0x7f01;leaf 1\n";
	struct fg_symtab *t = fg_symtab_new();
	struct fg_stacks *s = fg_stacks_new(t, 1);
	struct fg_rewrite *rw = hex();
	struct fg_rewrite_memo m;
	struct fg_folded_opts o = FG_FOLDED_OPTS_INIT;
	struct fg_diag d = FG_DIAG_INIT;
	struct fg_lines *l = fg_lines_from_mem(text, sizeof(text) - 1, "in");
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	fg_rewrite_memo_init(&m, rw, t);
	o.map = fg_rewrite_map;
	o.map_ctx = &m;
	o.counts = FG_FOLDED_ONE;
	assert_int_equal(fg_folded_read(l, s, &o, NULL, &d), FG_OK);
	fp = open_memstream(&buf, &len);
	assert_non_null(fp);
	assert_int_equal(fg_folded_write(s, fp), FG_OK);
	fclose(fp);
	assert_string_equal(buf, "main;jit 0x...;leaf 8\n"
				 "main;other 0x... 0x... 1\n");
	free(buf);
	fg_lines_close(l);
	fg_rewrite_memo_release(&m);
	fg_rewrite_free(rw);
	fg_stacks_free(s);
	fg_symtab_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rewrite_hex),
		cmocka_unit_test(test_rewrite_literal_and_growth),
		cmocka_unit_test(test_rewrite_invalid),
		cmocka_unit_test(test_rewrite_match_limit),
		cmocka_unit_test(test_rewrite_memo),
		cmocka_unit_test(test_rewrite_in_reader),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
