/*
 * test_top.c - unit tests for top.c: self and total per key, recursion
 * counted once, grouping keys, filters, edges, sorting and deltas.
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
};

/* Loads folded text (1 or 2 counts) into a table of ncols columns. */
static void
load(struct fx *f, const char *text, unsigned ncols)
{
	struct fg_folded_opts o = FG_FOLDED_OPTS_INIT;
	struct fg_folded_stats st;
	struct fg_diag d = FG_DIAG_INIT;
	struct fg_lines *l = fg_lines_from_mem(text, strlen(text), "t");

	f->syms = fg_symtab_new();
	f->s = fg_stacks_new(f->syms, ncols);
	o.counts = (enum fg_folded_counts)ncols;
	assert_int_equal(fg_folded_read(l, f->s, &o, &st, &d), FG_OK);
	assert_int_equal(st.bad, 0);
	fg_lines_close(l);
}

static void
unload(struct fx *f)
{
	fg_stacks_free(f->s);
	fg_symtab_free(f->syms);
}

/* The row of name, which must exist. */
static const struct fg_top_row *
row(const struct fg_top *t, const char *name)
{
	size_t i;

	for (i = 0; i < fg_top_count(t); i++)
		if (strcmp(fg_top_row(t, i)->name, name) == 0)
			return fg_top_row(t, i);
	fail_msg("no row '%s'", name);
	return NULL;
}

static void
assert_count(const struct fg_count *c, uint64_t n)
{
	assert_int_equal(c->frac, 0);
	assert_int_equal(c->n, n);
}

static struct fg_top *
summarise(struct fx *f, enum fg_top_by by, const char *text)
{
	struct fg_diag d = FG_DIAG_INIT;
	struct fg_top *t;

	load(f, text, 1);
	t = fg_top_new(by);
	assert_int_equal(fg_top_run(t, f->s, 0, &d), FG_OK);
	return t;
}

static void
test_self_total(void **state)
{
	struct fx f;
	struct fg_top *t = summarise(&f, FG_TOP_BY_FUNCTION,
				     "main;parse;lex 10\nmain;parse 5\n"
				     "main;eval;add 7\nmain;eval;mul 3\n");
	const struct fg_top_stats *st = fg_top_stats(t);

	assert_count(&st->grand[0], 25);
	assert_int_equal(st->stacks_kept, 4);
	assert_int_equal(fg_top_count(t), 6);
	assert_count(&row(t, "main")->self[0], 0);
	assert_count(&row(t, "main")->total[0], 25);
	assert_int_equal(row(t, "main")->stacks, 4);
	assert_count(&row(t, "parse")->self[0], 5);
	assert_count(&row(t, "parse")->total[0], 15);
	assert_int_equal(row(t, "parse")->stacks, 2);
	assert_count(&row(t, "lex")->self[0], 10);
	fg_top_free(t);
	unload(&f);
}

/* The self counts add up to the grand total, exactly, fractions too. */
static void
test_self_sums_to_total(void **state)
{
	struct fx f;
	struct fg_top *t = summarise(&f, FG_TOP_BY_FUNCTION,
				     "a;b 0.1\na;c 0.2\nb;a;b 0.3\nc 1.4\n"
				     "a;b 0.000000000000000001\n");
	struct fg_count sum = FG_COUNT_ZERO;
	size_t i;

	for (i = 0; i < fg_top_count(t); i++)
		assert_int_equal(fg_count_add(&sum,
					      &fg_top_row(t, i)->self[0]),
				 FG_OK);
	assert_int_equal(fg_count_cmp(&sum, &fg_top_stats(t)->grand[0]), 0);
	assert_int_equal(sum.n, 2);
	assert_int_equal(sum.frac, 1);
	fg_top_free(t);
	unload(&f);
}

/* pprof's rule: direct and mutual recursion count once per stack. */
static void
test_recursion_once(void **state)
{
	struct fx f;
	struct fg_top *t = summarise(&f, FG_TOP_BY_FUNCTION,
				     "main;fib;fib;fib;fib 4\n"
				     "main;a;b;a;b;a 3\n"
				     "main;fib 1\n");
	size_t i;

	assert_count(&row(t, "fib")->total[0], 5);
	assert_count(&row(t, "fib")->self[0], 5);
	assert_count(&row(t, "a")->total[0], 3);
	assert_count(&row(t, "b")->total[0], 3);
	assert_count(&row(t, "b")->self[0], 0);
	assert_int_equal(row(t, "a")->stacks, 1);
	/* no total is above the grand total */
	for (i = 0; i < fg_top_count(t); i++)
		assert_true(fg_count_cmp(&fg_top_row(t, i)->total[0],
					 &fg_top_stats(t)->grand[0]) <= 0);
	fg_top_free(t);
	unload(&f);
}

/* Frames that differ only in the line merge by function. */
static void
test_group_function_merges_lines(void **state)
{
	struct fx f;
	struct fg_top *t = summarise(&f, FG_TOP_BY_FUNCTION,
				     "main (app.py:3);work (app.py:10) 2\n"
				     "main (app.py:4);work (app.py:12);"
				     "work (app.py:10) 5\n");

	assert_int_equal(fg_top_count(t), 2);
	assert_count(&row(t, "work (app.py)")->total[0], 7);
	assert_count(&row(t, "work (app.py)")->self[0], 7);
	assert_count(&row(t, "main (app.py)")->total[0], 7);
	fg_top_free(t);
	unload(&f);
}

static void
check_key(enum fg_top_by by, const char *frame, const char *want)
{
	struct fg_buf b = FG_BUF_INIT;

	fg_top_key(by, frame, strlen(frame), &b);
	assert_string_equal(b.buf, want);
	fg_buf_release(&b);
}

static void
test_keys(void **state)
{
	const enum fg_top_by F = FG_TOP_BY_FUNCTION, FI = FG_TOP_BY_FILE,
			     M = FG_TOP_BY_MODULE, FR = FG_TOP_BY_FRAME;

	/* py-spy, Scalene */
	check_key(F, "forward (aipipe/model.py:27)", "forward (aipipe/model.py)");
	check_key(FI, "forward (aipipe/model.py:27)", "aipipe/model.py");
	check_key(M, "forward (aipipe/model.py:27)", "aipipe");
	check_key(M, "main (pipeline.py:50)", "pipeline");
	check_key(F, "main (pipeline.py)", "main (pipeline.py)");
	check_key(FR, "main (pipeline.py:50)", "main (pipeline.py:50)");
	check_key(M, "get (/usr/lib/python3/dist-packages/requests/api.py:76)",
		  "requests");
	check_key(M, "wait (/opt/python/3.11.7/lib/python3.11/threading.py:629)",
		  "threading");
	check_key(M, "dumps (/x/lib/python3.12/json/__init__.py:9)", "json");
	check_key(M, "f (/venv/lib/python3.12/site-packages/np/core/a.py:1)",
		  "np");
	check_key(M, "_find_and_load (<frozen importlib._bootstrap>:1007)",
		  "importlib");
	check_key(F, "_find_and_load (<frozen importlib._bootstrap>:1007)",
		  "_find_and_load (<frozen importlib._bootstrap>)");
	check_key(M, "create_engine (<exec@langhelpers.py:311>:2)",
		  "<exec@langhelpers.py:311>");
	check_key(M, "main (/home/dev/app/main.py:10)", "/home/dev/app");
	check_key(M, "run (/main.py:1)", "/");
	check_key(FI, "PyEval_EvalCode (python3)", "python3");
	/* perf's CPython trampolines */
	check_key(FI, "py::forward:/srv/app/model.py_[j]", "/srv/app/model.py");
	check_key(M, "py::_load:<frozen importlib._bootstrap>_[j]",
		  "importlib");
	check_key(F, "py::forward:/srv/app/model.py_[j]",
		  "py::forward:/srv/app/model.py_[j]");
	/* native frames */
	check_key(F, "do_syscall_64_[k]", "do_syscall_64_[k]");
	check_key(FI, "do_syscall_64_[k]", "[kernel]");
	check_key(M, "do_syscall_64_[k]", "[kernel]");
	check_key(FI, "Interpreter_[j]", "[jit]");
	check_key(FI, "[libc.so.6]", "[libc.so.6]");
	check_key(FI, "[unknown]", "[unknown]");
	check_key(FI, "memcpy", "memcpy");
	check_key(F, "std::vector<int>::push_back(int const&)",
		  "std::vector<int>::push_back(int const&)");
	/* not Python frames */
	check_key(FI, "thread (8677): MainThread", "thread (8677): MainThread");
	check_key(FI, "(anonymous namespace)::f()", "(anonymous namespace)::f()");
	check_key(FI, "", "");
	check_key(M, " ()", " ()");
}

static void
test_edges_bad_pattern(void **state)
{
	struct fg_diag d = FG_DIAG_INIT;
	struct fg_top *t = fg_top_new(FG_TOP_BY_FUNCTION);

	assert_int_equal(fg_top_set_edges(t, "a(b", &d), FG_EINVAL);
	assert_non_null(strstr(d.msg, "'a(b'"));
	assert_int_equal(d.col, 4);
	fg_top_free(t);
}

static void
test_edges(void **state)
{
	struct fg_diag d = FG_DIAG_INIT;
	struct fx f;
	struct fg_top *t;
	const struct fg_top_edge *e;
	const uint32_t *m;
	size_t n;

	load(&f, "main;a;b;a;b 3\nmain;a;c 2\nx;b 1\nb 4\n", 1);
	t = fg_top_new(FG_TOP_BY_FUNCTION);
	assert_int_equal(fg_top_set_edges(t, "^b$", &d), 0);
	assert_int_equal(fg_top_run(t, f.s, 0, &d), FG_OK);
	assert_int_equal(fg_top_matched(t, &m), 1);
	assert_string_equal(fg_top_row(t, m[0])->name, "b");
	/* a -> b twice in one stack: counted once */
	e = fg_top_callers(t, 0, &n);
	assert_int_equal(n, 2);
	assert_string_equal(fg_top_row(t, e[0].row)->name, "a");
	assert_count(&e[0].count[0], 3);
	assert_string_equal(fg_top_row(t, e[1].row)->name, "x");
	assert_count(&e[1].count[0], 1);
	e = fg_top_callees(t, 0, &n);
	assert_int_equal(n, 1);
	assert_string_equal(fg_top_row(t, e[0].row)->name, "a");
	assert_count(&e[0].count[0], 3);
	assert_null(fg_top_callers(t, 5, &n));
	assert_int_equal(n, 0);
	fg_top_free(t);
	unload(&f);
}

static void
test_differential(void **state)
{
	struct fg_diag d = FG_DIAG_INIT;
	struct fx f;
	struct fg_top *t;
	uint32_t *order;

	load(&f, "main;parse;lex 10 12\nmain;parse 5 0\nmain;eval;mul 3 0\n"
		 "main;eval;div 0 4\nmain;eval;add 7 7\n", 2);
	t = fg_top_new(FG_TOP_BY_FUNCTION);
	assert_int_equal(fg_top_run(t, f.s, 0, &d), FG_OK);
	assert_int_equal(fg_top_stats(t)->ncols, 2);
	assert_count(&fg_top_stats(t)->grand[0], 25);
	assert_count(&fg_top_stats(t)->grand[1], 23);
	assert_count(&row(t, "div")->total[0], 0);
	assert_count(&row(t, "div")->total[1], 4);
	assert_count(&row(t, "parse")->total[0], 15);
	assert_count(&row(t, "parse")->total[1], 12);
	order = fg_top_sorted(t, FG_TOP_SORT_DELTA);
	/* |delta self|: parse 5, div 4, mul 3, lex 2, then ties by total */
	assert_string_equal(fg_top_row(t, order[0])->name, "parse");
	assert_string_equal(fg_top_row(t, order[1])->name, "div");
	assert_string_equal(fg_top_row(t, order[2])->name, "mul");
	assert_string_equal(fg_top_row(t, order[3])->name, "lex");
	free(order);
	fg_top_free(t);
	unload(&f);
}

static void
test_sort(void **state)
{
	struct fx f;
	struct fg_top *t = summarise(&f, FG_TOP_BY_FUNCTION,
				     "r;b 5\nr;a 5\nr;c 2\nr;c;b 1\n");
	uint32_t *o;

	o = fg_top_sorted(t, FG_TOP_SORT_SELF);
	assert_string_equal(fg_top_row(t, o[0])->name, "b");	/* 6 */
	assert_string_equal(fg_top_row(t, o[1])->name, "a");	/* 5 */
	assert_string_equal(fg_top_row(t, o[2])->name, "c");	/* 2 */
	assert_string_equal(fg_top_row(t, o[3])->name, "r");	/* 0 */
	free(o);
	o = fg_top_sorted(t, FG_TOP_SORT_TOTAL);
	assert_string_equal(fg_top_row(t, o[0])->name, "r");
	assert_string_equal(fg_top_row(t, o[1])->name, "b");
	assert_string_equal(fg_top_row(t, o[2])->name, "a");
	free(o);
	o = fg_top_sorted(t, FG_TOP_SORT_NAME);
	assert_string_equal(fg_top_row(t, o[0])->name, "a");
	assert_string_equal(fg_top_row(t, o[3])->name, "r");
	free(o);
	/* delta on one column sorts as self */
	o = fg_top_sorted(t, FG_TOP_SORT_DELTA);
	assert_string_equal(fg_top_row(t, o[0])->name, "b");
	free(o);
	fg_top_free(t);
	unload(&f);
}

static void
test_delta(void **state)
{
	struct fg_count a, b, mag;

	assert_int_equal(fg_count_parse("2.5", 3, &a, NULL), 0);
	assert_int_equal(fg_count_parse("1.75", 4, &b, NULL), 0);
	assert_int_equal(fg_top_delta(&a, &b, &mag), -1);
	assert_int_equal(mag.n, 0);
	assert_int_equal(mag.frac, 750000000000000000ULL);
	assert_int_equal(fg_top_delta(&b, &a, &mag), 1);
	assert_int_equal(mag.frac, 750000000000000000ULL);
	assert_int_equal(fg_top_delta(&a, &a, &mag), 0);
	assert_true(fg_count_is_zero(&mag));
}

static void
test_empty_and_overflow(void **state)
{
	struct fg_diag d = FG_DIAG_INIT;
	struct fx f;
	struct fg_top *t = summarise(&f, FG_TOP_BY_FUNCTION, "");

	assert_int_equal(fg_top_count(t), 0);
	assert_true(fg_count_is_zero(&fg_top_stats(t)->grand[0]));
	/* a second run is refused */
	assert_int_equal(fg_top_run(t, f.s, 0, &d), FG_EINVAL);
	fg_top_free(t);
	unload(&f);

	load(&f, "a 18446744073709551615\nb 1\n", 1);
	t = fg_top_new(FG_TOP_BY_FUNCTION);
	assert_int_equal(fg_top_run(t, f.s, 0, &d), FG_ERANGE);
	assert_non_null(strstr(d.msg, "exceeds"));
	fg_top_free(t);
	/* more columns than the table has */
	t = fg_top_new(FG_TOP_BY_FUNCTION);
	assert_int_equal(fg_top_run(t, f.s, 2, &d), FG_EINVAL);
	fg_top_free(t);
	unload(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_self_total),
		cmocka_unit_test(test_self_sums_to_total),
		cmocka_unit_test(test_recursion_once),
		cmocka_unit_test(test_group_function_merges_lines),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_edges_bad_pattern),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_differential),
		cmocka_unit_test(test_sort),
		cmocka_unit_test(test_delta),
		cmocka_unit_test(test_empty_and_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
