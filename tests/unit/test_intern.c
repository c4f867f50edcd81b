/*
 * test_intern.c - unit tests for intern.c: names to dense ids, any
 * bytes, many strings, growth, stable pointers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fg/intern.h"

static void
test_intern_basic(void **state)
{
	struct fg_symtab *t = fg_symtab_new();
	const char *s;
	size_t len = 99;

	assert_non_null(t);
	assert_int_equal(fg_symtab_count(t), 0);
	assert_int_equal(fg_symtab_find(t, "a", 1), UINT32_MAX);
	assert_int_equal(fg_intern(t, "main", 4), 0);
	assert_int_equal(fg_intern(t, "parse", 5), 1);
	assert_int_equal(fg_intern(t, "main", 4), 0);
	assert_int_equal(fg_intern(t, "parse", 5), 1);
	assert_int_equal(fg_symtab_count(t), 2);
	assert_int_equal(fg_symtab_find(t, "parse", 5), 1);
	assert_int_equal(fg_symtab_find(t, "pars", 4), UINT32_MAX);
	assert_int_equal(fg_symtab_find(t, "parsed", 6), UINT32_MAX);
	/* find does not add */
	assert_int_equal(fg_symtab_count(t), 2);

	s = fg_symtab_str(t, 1, &len);
	assert_int_equal(len, 5);
	assert_string_equal(s, "parse");
	assert_int_equal(fg_symtab_len(t, 0), 4);
	s = fg_symtab_str(t, 0, NULL);
	assert_string_equal(s, "main");
	/* only the n bytes given are interned */
	assert_int_equal(fg_intern(t, "mainly", 4), 0);
	assert_true(fg_symtab_bytes(t) > 0);
	fg_symtab_free(t);
	fg_symtab_free(NULL);
}

static void
test_intern_any_bytes(void **state)
{
	struct fg_symtab *t = fg_symtab_new();
	uint32_t e, z, a, anb, anc, nul, nul2, hi;
	const char *s;
	size_t len;

	e = fg_intern(t, "", 0);
	z = fg_intern(t, "", 0);
	assert_int_equal(e, z);
	s = fg_symtab_str(t, e, &len);
	assert_int_equal(len, 0);
	assert_int_equal(s[0], '\0');

	a = fg_intern(t, "a", 1);
	anb = fg_intern(t, "a\0b", 3);
	anc = fg_intern(t, "a\0c", 3);
	nul = fg_intern(t, "\0", 1);
	nul2 = fg_intern(t, "\0\0", 2);
	hi = fg_intern(t, "\xff\xfe;\x01 x", 6);
	assert_int_not_equal(a, anb);
	assert_int_not_equal(anb, anc);
	assert_int_not_equal(nul, e);
	assert_int_not_equal(nul, nul2);
	assert_int_equal(fg_symtab_count(t), 7);
	assert_int_equal(fg_intern(t, "a\0b", 3), anb);
	assert_int_equal(fg_symtab_find(t, "a\0c", 3), anc);
	assert_int_equal(fg_symtab_find(t, "a\0d", 3), UINT32_MAX);
	s = fg_symtab_str(t, anb, &len);
	assert_int_equal(len, 3);
	assert_memory_equal(s, "a\0b", 4);	/* and a NUL after it */
	s = fg_symtab_str(t, hi, &len);
	assert_int_equal(len, 6);
	assert_memory_equal(s, "\xff\xfe;\x01 x", 7);
	fg_symtab_free(t);
}

/*
 * Every string of length 0 to 12 over two letters: names that differ in
 * one byte at every position, including the short tails that the hash
 * and the comparison read with overlapping loads.
 */
static void
test_intern_all_short(void **state)
{
	struct fg_symtab *t = fg_symtab_new();
	char buf[16];
	uint32_t next = 0, len, bits, k;

	for (len = 0; len <= 12; len++) {
		for (bits = 0; bits < (1u << len); bits++) {
			for (k = 0; k < len; k++)
				buf[k] = (bits >> k & 1) ? 'b' : 'a';
			assert_int_equal(fg_intern(t, buf, len), next);
			next++;
		}
	}
	assert_int_equal(fg_symtab_count(t), next);
	/* all found again, with their own bytes */
	next = 0;
	for (len = 0; len <= 12; len++) {
		for (bits = 0; bits < (1u << len); bits++) {
			const char *s;
			size_t n;

			for (k = 0; k < len; k++)
				buf[k] = (bits >> k & 1) ? 'b' : 'a';
			assert_int_equal(fg_symtab_find(t, buf, len), next);
			s = fg_symtab_str(t, next, &n);
			assert_int_equal(n, len);
			assert_memory_equal(s, buf, len);
			next++;
		}
	}
	fg_symtab_free(t);
}

/* Many strings: the table grows; ids stay dense, pointers stay put. */
static void
test_intern_many(void **state)
{
	enum { N = 300000 };
	struct fg_symtab *t = fg_symtab_new();
	const char **ptr = calloc(N, sizeof(*ptr));
	char buf[64];
	size_t i;

	assert_non_null(ptr);
	for (i = 0; i < N; i++) {
		int n = snprintf(buf, sizeof(buf), "frame_%zu_%.*s", i,
				 (int)(i % 40), "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");

		assert_int_equal(fg_intern(t, buf, (size_t)n), i);
		ptr[i] = fg_symtab_str(t, (uint32_t)i, NULL);
	}
	assert_int_equal(fg_symtab_count(t), N);
	for (i = 0; i < N; i++) {
		int n = snprintf(buf, sizeof(buf), "frame_%zu_%.*s", i,
				 (int)(i % 40), "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");

		/* the pointer handed out first is still the string */
		assert_ptr_equal(fg_symtab_str(t, (uint32_t)i, NULL), ptr[i]);
		assert_string_equal(ptr[i], buf);
		assert_int_equal(fg_symtab_len(t, (uint32_t)i), n);
		assert_int_equal(fg_intern(t, buf, (size_t)n), i);
	}
	assert_int_equal(fg_symtab_count(t), N);
	assert_true(fg_symtab_bytes(t) > (size_t)N * 8);
	free(ptr);
	fg_symtab_free(t);
}

/* Long names, longer than an arena block. */
static void
test_intern_long(void **state)
{
	enum { LEN = 3 * 1024 * 1024 };
	struct fg_symtab *t = fg_symtab_new();
	char *a = malloc(LEN), *b = malloc(LEN);
	const char *s;
	size_t len;
	uint32_t ia, ib;

	assert_non_null(a);
	assert_non_null(b);
	memset(a, 'q', LEN);
	memcpy(b, a, LEN);
	b[LEN - 1] = 'r';
	ia = fg_intern(t, a, LEN);
	ib = fg_intern(t, b, LEN);
	assert_int_not_equal(ia, ib);
	assert_int_equal(fg_intern(t, a, LEN), ia);
	assert_int_equal(fg_intern(t, a, LEN - 1), 2);
	s = fg_symtab_str(t, ib, &len);
	assert_int_equal(len, LEN);
	assert_memory_equal(s, b, LEN);
	assert_int_equal(s[LEN], '\0');
	free(a);
	free(b);
	fg_symtab_free(t);
}

/* Two tables are independent. */
static void
test_intern_two_tables(void **state)
{
	struct fg_symtab *t = fg_symtab_new(), *u = fg_symtab_new();

	assert_int_equal(fg_intern(t, "x", 1), 0);
	assert_int_equal(fg_intern(u, "y", 1), 0);
	assert_int_equal(fg_intern(u, "x", 1), 1);
	assert_int_equal(fg_symtab_find(t, "y", 1), UINT32_MAX);
	fg_symtab_free(t);
	fg_symtab_free(u);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_intern_basic),
		cmocka_unit_test(test_intern_any_bytes),
		cmocka_unit_test(test_intern_all_short),
		cmocka_unit_test(test_intern_many),
		cmocka_unit_test(test_intern_long),
		cmocka_unit_test(test_intern_two_tables),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
