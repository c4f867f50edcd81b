/*
 * test_filter.c - unit tests for filter.c, the stack transforms.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fg/buf.h"
#include "fg/filter.h"
#include "fg/folded.h"
#include "fg/intern.h"
#include "fg/stacks.h"

/*
 * Runs the one-stack text "a;b;c" through f and returns the result as
 * folded text in a static buffer, or "(dropped by N)".
 */
static const char *
run(struct fg_filter *f, struct fg_symtab *syms, const char *stack)
{
	static char res[1024];
	uint32_t *ids = NULL;
	size_t cap = 0, n, on, by = 99, i, len;
	const uint32_t *out;
	struct fg_diag d = FG_DIAG_INIT;
	int rc;

	n = fg_folded_split(syms, stack, strlen(stack), &ids, &cap);
	rc = fg_filter_stack(f, syms, ids, n, &out, &on, &by, &d);
	free(ids);
	assert_true(rc >= 0);
	if (rc == 0) {
		snprintf(res, sizeof(res), "(dropped by %zu)", by);
		return res;
	}
	res[0] = '\0';
	for (i = 0; i < on; i++) {
		const char *s = fg_symtab_str(syms, out[i], &len);

		if (i > 0)
			strcat(res, ";");
		strncat(res, s, len);
	}
	return res;
}

/* A filter of one transform, added without error. */
static struct fg_filter *
one(enum fg_filter_op op, const char *arg)
{
	struct fg_filter *f = fg_filter_new();
	struct fg_diag d = FG_DIAG_INIT;

	assert_int_equal(fg_filter_add(f, op, arg, &d), FG_OK);
	assert_int_equal(fg_filter_count(f), 1);
	return f;
}

static void
test_include_exclude(void **state)
{
	struct fg_symtab *syms = fg_symtab_new();
	struct fg_filter *f = one(FG_FILTER_INCLUDE, "^pa");

	assert_string_equal(run(f, syms, "main;parse;lex"), "main;parse;lex");
	assert_string_equal(run(f, syms, "main;eval"), "(dropped by 0)");
	fg_filter_free(f);
	f = one(FG_FILTER_EXCLUDE, "lex");
	assert_string_equal(run(f, syms, "main;parse;lex"), "(dropped by 0)");
	assert_string_equal(run(f, syms, "main;eval"), "main;eval");
	fg_filter_free(f);
	fg_symtab_free(syms);
}

static void
test_focus_show_from(void **state)
{
	struct fg_symtab *syms = fg_symtab_new();
	struct fg_filter *f = one(FG_FILTER_FOCUS, "^parse$");

	assert_string_equal(run(f, syms, "main;run;parse;lex;parse;x"),
			    "parse;lex;parse;x");
	assert_string_equal(run(f, syms, "parse;lex"), "parse;lex");
	assert_string_equal(run(f, syms, "main;eval"), "(dropped by 0)");
	fg_filter_free(f);

	f = one(FG_FILTER_SHOW_FROM, "^parse$");
	assert_string_equal(run(f, syms, "main;run;parse;lex"),
			    "main > run;parse;lex");
	assert_string_equal(run(f, syms, "parse;lex"), "parse;lex");
	assert_string_equal(run(f, syms, "main;eval"), "(dropped by 0)");
	fg_filter_free(f);
	fg_symtab_free(syms);
}

static void
test_hide(void **state)
{
	struct fg_symtab *syms = fg_symtab_new();
	struct fg_filter *f = one(FG_FILTER_HIDE, "^_PyEval|^PyObject_");

	assert_string_equal(run(f, syms,
				"main;_PyEval_EvalFrameDefault;f (a.py);"
				"PyObject_Vectorcall;g (a.py)"),
			    "main;f (a.py);g (a.py)");
	/* every frame hidden: the count stays on one [hidden] frame */
	assert_string_equal(run(f, syms, "_PyEval_X;PyObject_Y"),
			    FG_FILTER_HIDDEN_FRAME);
	fg_filter_free(f);
	fg_symtab_free(syms);
}

static void
test_prune_below(void **state)
{
	struct fg_symtab *syms = fg_symtab_new();
	struct fg_filter *f = one(FG_FILTER_PRUNE_BELOW, "malloc");

	assert_string_equal(run(f, syms, "main;xmalloc;malloc;sbrk;kernel"),
			    "main;xmalloc");
	assert_string_equal(run(f, syms, "main;free"), "main;free");
	fg_filter_free(f);
	fg_symtab_free(syms);
}

static void
test_collapse_recursion(void **state)
{
	struct fg_symtab *syms = fg_symtab_new();
	struct fg_filter *f = one(FG_FILTER_COLLAPSE_RECURSION, NULL);

	assert_string_equal(run(f, syms, "main;a;a;a;b;a;b;b"),
			    "main;a;b;a;b");
	fg_filter_free(f);

	f = one(FG_FILTER_COLLAPSE_RECURSION_ALL, NULL);
	assert_string_equal(run(f, syms, "a;b;a;b"), "a;b");
	assert_string_equal(run(f, syms, "main;a;a;a"), "main;a");
	assert_string_equal(run(f, syms, "main;a;b;c;a;d"), "main;a;d");
	assert_string_equal(run(f, syms, "x;y;z"), "x;y;z");
	/* the positions are forgotten between stacks */
	assert_string_equal(run(f, syms, "a;b;a;b"), "a;b");
	fg_filter_free(f);
	fg_symtab_free(syms);
}

static const char *
simplify(const char *s)
{
	static char out[512];
	size_t n = fg_filter_simplify_name(s, strlen(s), out);

	out[n] = '\0';
	return out;
}

static void
test_simplify_names(void **state)
{
	assert_string_equal(simplify("std::vector<int>::push_back"),
			    "std::vector<>::push_back");
	assert_string_equal(simplify("std::map<std::string, std::vector<int> >::find"),
			    "std::map<>::find");
	assert_string_equal(simplify("foo::collect::<Vec<u8>>"),
			    "foo::collect::<>");
	assert_string_equal(simplify("core::ptr::drop_in_place::h0123456789abcdef"),
			    "core::ptr::drop_in_place");
	/* not a hash: too short, or not hex */
	assert_string_equal(simplify("a::h0123"), "a::h0123");
	assert_string_equal(simplify("a::h0123456789abcdeg"),
			    "a::h0123456789abcdeg");
	/* Python's names and C++ operators are left alone */
	assert_string_equal(simplify("<module> (a.py)"), "<module> (a.py)");
	assert_string_equal(simplify("f.<locals>.<lambda> (a.py)"),
			    "f.<locals>.<lambda> (a.py)");
	assert_string_equal(simplify("operator<<"), "operator<<");
	assert_string_equal(simplify("Foo::operator<"), "Foo::operator<");
	/* unbalanced: unchanged */
	assert_string_equal(simplify("a<b"), "a<b");
	/* -> inside arguments does not close them */
	assert_string_equal(simplify("f<decltype(a->b)>::g"), "f<>::g");
}

static void
test_simplify_merges(void **state)
{
	struct fg_symtab *syms = fg_symtab_new();
	struct fg_stacks *s = fg_stacks_new(syms, 1);
	struct fg_filter *f = one(FG_FILTER_SIMPLIFY_TEMPLATES, NULL);
	struct fg_count c;
	struct fg_diag d = FG_DIAG_INIT;
	uint32_t ids[2];
	const struct fg_count *got;

	ids[0] = fg_intern(syms, "main", 4);
	ids[1] = fg_intern(syms, "v<int>::f", 9);
	assert_int_equal(fg_count_parse("3", 1, &c, NULL), FG_OK);
	assert_int_equal(fg_stacks_add(s, ids, 2, 0, &c, NULL), FG_OK);
	ids[1] = fg_intern(syms, "v<long>::f", 10);
	assert_int_equal(fg_count_parse("4.5", 3, &c, NULL), FG_OK);
	assert_int_equal(fg_stacks_add(s, ids, 2, 0, &c, NULL), FG_OK);
	assert_int_equal(fg_filter_apply(f, &s, NULL, &d), FG_OK);
	assert_int_equal(fg_stacks_count(s), 1);
	got = fg_stacks_counts(s, 0);
	assert_int_equal(got[0].n, 7);
	assert_int_equal(got[0].frac, FG_COUNT_FRAC_ONE / 2);
	fg_filter_free(f);
	fg_stacks_free(s);
	fg_symtab_free(syms);
}

static void
test_rename(void **state)
{
	struct fg_symtab *syms = fg_symtab_new();
	struct fg_filter *f = one(FG_FILTER_RENAME,
				  "pool-(\\d+)-thread-\\d+=pool-$1-thread");

	assert_string_equal(run(f, syms, "pool-3-thread-17;run"),
			    "pool-3-thread;run");
	assert_string_equal(run(f, syms, "pool-3-thread-9;run"),
			    "pool-3-thread;run");
	fg_filter_free(f);

	/* the last unescaped '=' splits; "\=" in the replacement is '=' */
	f = one(FG_FILTER_RENAME, "a=b\\=c");
	assert_string_equal(run(f, syms, "xa;y"), "xb=c;y");
	fg_filter_free(f);
	f = one(FG_FILTER_RENAME, "k=v=K");
	assert_string_equal(run(f, syms, "k=v;k"), "K;k");
	fg_filter_free(f);
	fg_symtab_free(syms);
}

static void
test_order_matters(void **state)
{
	struct fg_symtab *syms = fg_symtab_new();
	struct fg_filter *f = fg_filter_new();
	struct fg_diag d = FG_DIAG_INIT;

	/* rename first, then include what the rename made */
	assert_int_equal(fg_filter_add(f, FG_FILTER_RENAME, "^lex$=scan", &d),
			 FG_OK);
	assert_int_equal(fg_filter_add(f, FG_FILTER_INCLUDE, "^scan$", &d),
			 FG_OK);
	assert_string_equal(run(f, syms, "main;lex"), "main;scan");
	fg_filter_free(f);

	/* the other way round, the include drops it first */
	f = fg_filter_new();
	assert_int_equal(fg_filter_add(f, FG_FILTER_INCLUDE, "^scan$", &d),
			 FG_OK);
	assert_int_equal(fg_filter_add(f, FG_FILTER_RENAME, "^lex$=scan", &d),
			 FG_OK);
	assert_string_equal(run(f, syms, "main;lex"), "(dropped by 0)");
	fg_filter_free(f);
	fg_symtab_free(syms);
}

static void
test_bad_patterns(void **state)
{
	struct fg_filter *f = fg_filter_new();
	struct fg_diag d = FG_DIAG_INIT;

	assert_int_equal(fg_filter_add(f, FG_FILTER_INCLUDE, "a(b", &d),
			 FG_EINVAL);
	assert_non_null(strstr(d.msg, "--include"));
	assert_non_null(strstr(d.msg, "'a(b'"));
	assert_int_equal(d.col, 4);
	assert_int_equal(fg_filter_add(f, FG_FILTER_RENAME, "nothing", &d),
			 FG_EINVAL);
	assert_non_null(strstr(d.msg, "REGEX=REPLACEMENT"));
	assert_int_equal(fg_filter_add(f, FG_FILTER_RENAME, "=x", &d),
			 FG_EINVAL);
	assert_int_equal(fg_filter_add(f, FG_FILTER_HIDE, NULL, &d),
			 FG_EINVAL);
	assert_int_equal(fg_filter_count(f), 0);
	fg_filter_free(f);
}

/* Odd bytes: invalid UTF-8 and spaces in names, matched byte-wise. */
static void
test_odd_names(void **state)
{
	struct fg_symtab *syms = fg_symtab_new();
	struct fg_filter *f = one(FG_FILTER_HIDE, "\\xff");

	assert_string_equal(run(f, syms, "ma in;bad\xff\xfe;x y"),
			    "ma in;x y");
	fg_filter_free(f);
	f = one(FG_FILTER_FOCUS, "^Foo\\.bar:baz ");
	assert_string_equal(run(f, syms,
				"<module> (a.py);Foo.bar:baz (m.py:3);q"),
			    "Foo.bar:baz (m.py:3);q");
	fg_filter_free(f);
	fg_symtab_free(syms);
}

/* The table form: totals kept but for what was dropped, which is counted. */
static void
test_table_removed(void **state)
{
	struct fg_symtab *syms = fg_symtab_new();
	struct fg_stacks *s = fg_stacks_new(syms, 2);
	struct fg_filter *f = fg_filter_new();
	struct fg_filter_removed rm[2];
	struct fg_diag d = FG_DIAG_INIT;
	struct fg_count c1 = { 5, 0 }, c2 = { 7, 0 }, t;
	uint32_t *ids = NULL;
	size_t cap = 0, n;

	n = fg_folded_split(syms, "main;a;a", 8, &ids, &cap);
	fg_stacks_add(s, ids, n, 0, &c1, NULL);
	fg_stacks_add(s, ids, n, 1, &c2, NULL);
	n = fg_folded_split(syms, "main;a", 6, &ids, &cap);
	fg_stacks_add(s, ids, n, 1, &c2, NULL);
	n = fg_folded_split(syms, "main;gc", 7, &ids, &cap);
	fg_stacks_add(s, ids, n, 0, &c1, NULL);
	free(ids);

	assert_int_equal(fg_filter_add(f, FG_FILTER_EXCLUDE, "^gc$", &d), FG_OK);
	assert_int_equal(fg_filter_add(f, FG_FILTER_COLLAPSE_RECURSION, NULL,
					&d), FG_OK);
	assert_int_equal(fg_filter_apply(f, &s, rm, &d), FG_OK);
	assert_int_equal(fg_stacks_count(s), 1);
	assert_int_equal(rm[0].stacks, 1);
	assert_int_equal(rm[0].count[0].n, 5);
	assert_int_equal(rm[0].count[1].n, 0);
	assert_int_equal(rm[1].stacks, 0);
	assert_int_equal(fg_stacks_total(s, 0, &t), FG_OK);
	assert_int_equal(t.n, 5);
	assert_int_equal(fg_stacks_total(s, 1, &t), FG_OK);
	assert_int_equal(t.n, 14);
	fg_filter_free(f);
	fg_stacks_free(s);
	fg_symtab_free(syms);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_include_exclude),
		cmocka_unit_test(test_focus_show_from),
		cmocka_unit_test(test_hide),
		cmocka_unit_test(test_prune_below),
		cmocka_unit_test(test_collapse_recursion),
		cmocka_unit_test(test_simplify_names),
		cmocka_unit_test(test_simplify_merges),
		cmocka_unit_test(test_rename),
		cmocka_unit_test(test_order_matters),
		cmocka_unit_test(test_bad_patterns),
		cmocka_unit_test(test_odd_names),
		cmocka_unit_test(test_table_removed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
