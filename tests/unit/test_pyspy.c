/*
 * test_pyspy.c - unit tests for pyspy.c: frame mapping and the raw reader.
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

struct folded {
	char *text;
	int rc;
	struct fg_pyspy_raw_stats st;
	struct fg_pyspy_totals totals;
	struct fg_diag d;
};

/* Reads raw text with opts; leaves the sorted folded output in f->text. */
static void
fold(const char *raw, const struct fg_pyspy_opts *o, struct folded *f)
{
	struct fg_symtab *syms = fg_symtab_new();
	struct fg_stacks *s = fg_stacks_new(syms, 1);
	struct fg_pyspy *p;
	struct fg_lines *in = fg_lines_from_mem(raw, strlen(raw), "t.txt");
	size_t len = 0;
	FILE *fp;

	memset(f, 0, sizeof(*f));
	p = fg_pyspy_new(s, o, &f->d);
	assert_non_null(p);
	f->rc = fg_pyspy_read_raw(p, in, &f->st, &f->d);
	f->totals = *fg_pyspy_totals(p);
	fp = open_memstream(&f->text, &len);
	assert_non_null(fp);
	assert_int_equal(fg_folded_write(s, fp), FG_OK);
	fclose(fp);
	fg_lines_close(in);
	fg_pyspy_free(p);
	fg_stacks_free(s);
	fg_symtab_free(syms);
}

static void
expect(const char *raw, const struct fg_pyspy_opts *o, const char *want)
{
	struct folded f;

	fold(raw, o, &f);
	assert_int_equal(f.rc, FG_OK);
	assert_string_equal(f.text, want);
	free(f.text);
}

static void
test_reaggregates_and_sorts(void **state)
{
	struct fg_pyspy_opts o = FG_PYSPY_OPTS_INIT;
	struct folded f;

	fold("b (x.py:2) 1\na (x.py:1);c (x.py:3) 2\nb (x.py:2) 4\n"
	     "a (x.py:1) 7\n", &o, &f);
	assert_int_equal(f.rc, FG_OK);
	assert_string_equal(f.text, "a (x.py:1) 7\na (x.py:1);c (x.py:3) 2\n"
				    "b (x.py:2) 5\n");
	assert_int_equal(f.st.lines, 4);
	assert_int_equal(f.st.stacks, 4);
	assert_int_equal(f.totals.in.n, 14);
	free(f.text);
}

static void
test_empty_stack(void **state)
{
	struct fg_pyspy_opts o = FG_PYSPY_OPTS_INIT;
	struct folded f;

	expect(" 17\na (x.py:1) 3\n  2 \n", &o,
	       "[no Python frames] 19\na (x.py:1) 3\n");
	o.drop_empty = true;
	fold(" 17\na (x.py:1) 3\n  2 \n", &o, &f);
	assert_string_equal(f.text, "a (x.py:1) 3\n");
	assert_int_equal(f.totals.in.n, 22);
	assert_int_equal(f.totals.dropped.n, 19);
	assert_int_equal(f.totals.empty, 2);
	free(f.text);
}

static void
test_process_cmdline_not_split(void **state)
{
	struct fg_pyspy_opts o = FG_PYSPY_OPTS_INIT;
	const char *raw =
		"process 1:\"py run.py\";process 2:\"py -c a; b(c=1) --fork\";"
		"thread (2): MainThread;f (s.py:1) 3\n";

	expect(raw, &o,
	       "process 1:\"py run.py\";process 2:\"py -c a; b(c=1) --fork\";"
	       "thread (2): MainThread;f (s.py:1) 3\n");
	o.no_threads = true;
	expect(raw, &o,
	       "process 1:\"py run.py\";process 2:\"py -c a; b(c=1) --fork\";"
	       "f (s.py:1) 3\n");
	o.no_processes = true;
	expect(raw, &o, "f (s.py:1) 3\n");
	/* a command line that ends the stack */
	o = (struct fg_pyspy_opts)FG_PYSPY_OPTS_INIT;
	o.no_processes = true;
	expect("process 9:\"x; y\" 4\n", &o, "[no Python frames] 4\n");
}

static void
test_merge_threads(void **state)
{
	struct fg_pyspy_opts o = FG_PYSPY_OPTS_INIT;

	o.merge_threads = true;
	expect("thread (11): pool-1;f (a.py:1) 1\n"
	       "thread (12): pool-1;f (a.py:1) 2\n"
	       "thread (0x7F3A): ;g (a.py:2) 4\n"
	       "thread (0x16DF7B000);g (a.py:2) 8\n"
	       "thread 0x7F3A;g (a.py:2) 16\n", &o,
	       "thread: ;g (a.py:2) 4\n"
	       "thread: pool-1;f (a.py:1) 3\n"
	       "thread;g (a.py:2) 24\n");
}

static void
test_granularity(void **state)
{
	struct fg_pyspy_opts o = FG_PYSPY_OPTS_INIT;
	const char *raw = "main (/app/run.py:10);work (/app/lib/w.py:3) 2\n"
			  "main (/app/run.py:10);work (/app/lib/w.py:4) 5\n"
			  "main (/app/run.py:11);<lambda> (<string>:1) 1\n";

	o.granularity = FG_PYSPY_FUNCTION;
	expect(raw, &o, "main (/app/run.py);<lambda> (<string>) 1\n"
			"main (/app/run.py);work (/app/lib/w.py) 7\n");
	o.granularity = FG_PYSPY_FILE;
	expect(raw, &o, "/app/run.py;/app/lib/w.py 7\n/app/run.py;<string> 1\n");
	o.granularity = FG_PYSPY_LINE;
	o.path = FG_PYSPY_PATH_BASE;
	expect(raw, &o, "main (run.py:10);work (w.py:3) 2\n"
			"main (run.py:10);work (w.py:4) 5\n"
			"main (run.py:11);<lambda> (<string>:1) 1\n");
	o.path = FG_PYSPY_PATH_STRIP;
	o.strip_prefix = "/app/";
	o.granularity = FG_PYSPY_FUNCTION;
	expect(raw, &o, "main (run.py);<lambda> (<string>) 1\n"
			"main (run.py);work (lib/w.py) 7\n");
}

static void
test_names_with_parentheses(void **state)
{
	struct fg_pyspy_opts o = FG_PYSPY_OPTS_INIT;

	o.granularity = FG_PYSPY_FUNCTION;
	/* the file is in the last " (...)" */
	expect("f (g) (a b.py:3);h:1 (c.py) 1\nbare name 2\n", &o,
	       "bare name 2\nf (g) (a b.py);h:1 (c.py) 1\n");
}

static void
test_native(void **state)
{
	struct fg_pyspy_opts o = FG_PYSPY_OPTS_INIT;
	const char *raw =
		"main (t.py:1);dgemm (libopenblas.so.0);0x7f00ab (libc.so.6) 1\n"
		"main (t.py:1);fast (m.pyx:3);PyX (ext.cpython-311-x86_64-linux-gnu.so) 2\n"
		"main (t.py:1);time_sleep (python3.11) 4\n"
		"main (t.py:1);run (<frozen runpy>:8);k (core.c:9) 8\n";

	o.no_native = true;
	expect(raw, &o, "main (t.py:1) 7\nmain (t.py:1);run (<frozen runpy>:8) 8\n");
}

static void
test_classify_parts(void **state)
{
	struct fg_symtab *syms = fg_symtab_new();
	struct fg_stacks *s = fg_stacks_new(syms, 1);
	struct fg_pyspy_opts o = FG_PYSPY_OPTS_INIT;
	struct fg_diag d = FG_DIAG_INIT;
	struct fg_pyspy *p = fg_pyspy_new(s, &o, &d);
	struct fg_pyspy_frame f;

	memset(&f, 0, sizeof(f));
	f.name = "thread (8677): MainThread";
	f.name_len = strlen(f.name);
	f.file = "";
	assert_int_equal(fg_pyspy_classify_parts(p, &f), FG_PYSPY_THREAD);
	f.name = "process 12:\"python a; b\"";
	f.name_len = strlen(f.name);
	assert_int_equal(fg_pyspy_classify_parts(p, &f), FG_PYSPY_PROCESS);
	f.name = "[self]";
	f.name_len = strlen(f.name);
	f.file = NULL;
	assert_int_equal(fg_pyspy_classify_parts(p, &f), FG_PYSPY_OTHER);
	f.file = "/usr/lib/libz.so.1";
	f.file_len = strlen(f.file);
	assert_int_equal(fg_pyspy_classify_parts(p, &f), FG_PYSPY_NATIVE);
	f.file = "/srv/app.py";
	f.file_len = strlen(f.file);
	assert_int_equal(fg_pyspy_classify_parts(p, &f), FG_PYSPY_PYTHON);
	/* a thread-like name with a file is an ordinary frame */
	f.name = "thread (1)";
	f.name_len = strlen(f.name);
	assert_int_equal(fg_pyspy_classify_parts(p, &f), FG_PYSPY_PYTHON);
	fg_pyspy_free(p);
	fg_stacks_free(s);
	fg_symtab_free(syms);
}

static void
test_map_text_is_remembered(void **state)
{
	struct fg_symtab *syms = fg_symtab_new();
	struct fg_stacks *s = fg_stacks_new(syms, 1);
	struct fg_pyspy_opts o = FG_PYSPY_OPTS_INIT;
	struct fg_diag d = FG_DIAG_INIT;
	struct fg_pyspy *p;
	uint32_t a, b;

	o.granularity = FG_PYSPY_FUNCTION;
	p = fg_pyspy_new(s, &o, &d);
	a = fg_pyspy_map_text(p, "f (a.py:1)", 10);
	b = fg_pyspy_map_text(p, "f (a.py:2)", 10);
	assert_int_equal(a, b);
	assert_string_equal(fg_symtab_str(syms, a, NULL), "f (a.py)");
	assert_int_equal(fg_pyspy_map_text(p, "f (a.py:1)", 10), a);
	o.no_threads = true;
	fg_pyspy_free(p);
	p = fg_pyspy_new(s, &o, &d);
	assert_int_equal(fg_pyspy_map_text(p, "thread (1): x", 13),
			 FG_PYSPY_DROP);
	fg_pyspy_free(p);
	fg_stacks_free(s);
	fg_symtab_free(syms);
}

static void
test_malformed_lines(void **state)
{
	struct fg_pyspy_opts o = FG_PYSPY_OPTS_INIT;
	struct folded f;

	fold("a (x.py:1) 1\nno count\nb (x.py:1) 2x\nb (x.py:1) 2\n", &o, &f);
	assert_int_equal(f.rc, FG_OK);
	assert_string_equal(f.text, "a (x.py:1) 1\nb (x.py:1) 2\n");
	assert_int_equal(f.st.bad, 2);
	assert_int_equal(f.st.first_bad.line, 2);
	assert_string_equal(f.st.first_bad.file, "t.txt");
	free(f.text);
	o.strict = true;
	fold("a (x.py:1) 1\nno count\nb (x.py:1) 2\n", &o, &f);
	assert_int_equal(f.rc, FG_EPARSE);
	assert_int_equal(f.d.line, 2);
	assert_non_null(strstr(f.d.msg, "count"));
	free(f.text);
}

static void
test_crlf_and_trailing_blanks(void **state)
{
	struct fg_pyspy_opts o = FG_PYSPY_OPTS_INIT;

	expect("a (x.py:1) 1\r\na (x.py:1) 2  \n# comment\n\n", &o,
	       "a (x.py:1) 3\n");
}

static void
test_line_zero_kept(void **state)
{
	struct fg_pyspy_opts o = FG_PYSPY_OPTS_INIT;

	o.path = FG_PYSPY_PATH_BASE;
	expect("f (/a/b.py:0) 1\n", &o, "f (b.py:0) 1\n");
}

static void
test_count_overflow(void **state)
{
	struct fg_pyspy_opts o = FG_PYSPY_OPTS_INIT;
	struct folded f;

	fold("a 18446744073709551615\na 1\n", &o, &f);
	assert_int_equal(f.rc, FG_ERANGE);
	assert_int_equal(f.d.line, 2);
	free(f.text);
}

static void
test_strip_needs_prefix(void **state)
{
	struct fg_symtab *syms = fg_symtab_new();
	struct fg_stacks *s = fg_stacks_new(syms, 1);
	struct fg_pyspy_opts o = FG_PYSPY_OPTS_INIT;
	struct fg_diag d = FG_DIAG_INIT;

	o.path = FG_PYSPY_PATH_STRIP;
	assert_null(fg_pyspy_new(s, &o, &d));
	assert_non_null(strstr(d.msg, "prefix"));
	fg_stacks_free(s);
	fg_symtab_free(syms);
}

static void
test_repeated_lines_keep_totals(void **state)
{
	struct fg_pyspy_opts o = FG_PYSPY_OPTS_INIT;
	struct folded f;

	o.no_threads = true;
	o.drop_empty = true;
	fold("thread (1): a 5\nthread (1): a 6\nthread (1): a;f (x.py:1) 1\n"
	     "thread (1): a;f (x.py:1) 2\n", &o, &f);
	assert_string_equal(f.text, "f (x.py:1) 3\n");
	assert_int_equal(f.totals.in.n, 14);
	assert_int_equal(f.totals.dropped.n, 11);
	assert_int_equal(f.totals.empty, 2);
	assert_int_equal(f.totals.stacks_in, 4);
	free(f.text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reaggregates_and_sorts),
		cmocka_unit_test(test_empty_stack),
		cmocka_unit_test(test_process_cmdline_not_split),
		cmocka_unit_test(test_merge_threads),
		cmocka_unit_test(test_granularity),
		cmocka_unit_test(test_names_with_parentheses),
		cmocka_unit_test(test_native),
		cmocka_unit_test(test_classify_parts),
		cmocka_unit_test(test_map_text_is_remembered),
		cmocka_unit_test(test_malformed_lines),
		cmocka_unit_test(test_crlf_and_trailing_blanks),
		cmocka_unit_test(test_line_zero_kept),
		cmocka_unit_test(test_count_overflow),
		cmocka_unit_test(test_strip_needs_prefix),
		cmocka_unit_test(test_repeated_lines_keep_totals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
