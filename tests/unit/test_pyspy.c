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
#include <unistd.h>

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

/*
 * The raw reader's line hash (pyspy.c): not in a header, so that only
 * tests can make lines collide with it.
 */
extern uint64_t (*fg_pyspy_line_hash)(const void *data, size_t n);

static uint64_t
hash_constant(const void *data, size_t n)
{
	return 0x123456789abcdefULL;
}

/* equal tags, so lines meet in the slots and on the tag */
static uint64_t
hash_by_length(const void *data, size_t n)
{
	return (uint64_t)(n % 5) << 32 | 7;
}

/* the same home slot, different tags */
static uint64_t
hash_by_first_byte(const void *data, size_t n)
{
	return (uint64_t)*(const unsigned char *)data << 32 | 3;
}

static void
test_dedupe_repeated_lines(void **state)
{
	struct fg_pyspy_opts o = FG_PYSPY_OPTS_INIT;
	struct folded f;

	/* equal but for the count; a frame's trailing blank is kept */
	fold("a;b 1\na;c 2\na;b 3\na;b 40\na;b  5\na;c 6\n\na;b 7\n", &o, &f);
	assert_int_equal(f.rc, FG_OK);
	assert_string_equal(f.text, "a;b 51\na;b  5\na;c 8\n");
	assert_int_equal(f.st.lines, 8);
	assert_int_equal(f.st.stacks, 7);
	assert_int_equal(f.totals.stacks_in, 7);
	assert_int_equal(f.totals.in.n, 64);
	free(f.text);
	/* lines that differ map to one stack: both are added to it */
	o.no_threads = true;
	expect("thread (1): x;f (a.py:1) 2\nthread (2): y;f (a.py:1) 3\n"
	       "thread (1): x;f (a.py:1) 4\nf (a.py:1) 8\n", &o,
	       "f (a.py:1) 17\n");
	/* a repeated line whose stack was dropped stays dropped */
	o.drop_empty = true;
	fold("thread (1): x 2\nf (a.py:1) 1\nthread (1): x 3\n  4\n", &o, &f);
	assert_string_equal(f.text, "f (a.py:1) 1\n");
	assert_int_equal(f.totals.dropped.n, 9);
	assert_int_equal(f.totals.empty, 3);
	assert_int_equal(f.totals.stacks_in, 4);
	free(f.text);
	/* empty-stack lines, repeated */
	o = (struct fg_pyspy_opts)FG_PYSPY_OPTS_INIT;
	expect(" 3\na 1\n 4\n\t5\n", &o, "[no Python frames] 12\na 1\n");
}

/* Reads raw under each of the colliding hashes; each must give want. */
static void
expect_colliding(const char *raw, const struct fg_pyspy_opts *o,
		 const char *want)
{
	uint64_t (*const hashes[])(const void *, size_t) = {
		hash_constant, hash_by_length, hash_by_first_byte, NULL
	};
	size_t i;

	for (i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++) {
		fg_pyspy_line_hash = hashes[i];
		expect(raw, o, want);
	}
	fg_pyspy_line_hash = NULL;
}

static void
test_dedupe_colliding_lines(void **state)
{
	struct fg_pyspy_opts o = FG_PYSPY_OPTS_INIT;
	const char *raw = "a;b 1\na;c 2\nb;a 4\na;b 8\nb;a 16\nab;c 32\n"
			  "a;c 64\nthread (1): t;a;c 128\n";

	expect_colliding(raw, &o,
			 "a;b 9\na;c 66\nab;c 32\nb;a 20\nthread (1): t;a;c 128\n");
	o.no_threads = true;
	expect_colliding(raw, &o, "a;b 9\na;c 194\nab;c 32\nb;a 20\n");
}

static void
test_dedupe_many_colliding_lines(void **state)
{
	struct fg_pyspy_opts o = FG_PYSPY_OPTS_INIT;
	struct fg_buf raw, want;
	char line[64];
	int i, n;

	/* enough distinct lines that the table grows while they collide */
	fg_buf_init(&raw);
	fg_buf_init(&want);
	for (i = 0; i < 3000; i++) {
		n = snprintf(line, sizeof(line), "m;f%d;g 1\n", i);
		fg_buf_add(&raw, line, (size_t)n);
	}
	for (i = 0; i < 3000; i++) {
		n = snprintf(line, sizeof(line), "m;f%d;g 2\n", i);
		fg_buf_add(&raw, line, (size_t)n);
	}
	fg_buf_addc(&raw, '\0');
	/* the output is sorted: f0, f1, f10, f100 ... */
	for (i = 0; i < 3000; i++) {
		n = snprintf(line, sizeof(line), "m;f%d;g 3\n", i);
		fg_buf_add(&want, line, (size_t)n);
	}
	fg_buf_addc(&want, '\0');
	{
		struct folded f;

		fg_pyspy_line_hash = hash_by_length;
		fold(raw.buf, &o, &f);
		fg_pyspy_line_hash = NULL;
		assert_int_equal(f.rc, FG_OK);
		assert_int_equal(f.st.stacks, 6000);
		assert_int_equal(f.totals.in.n, 9000);
		assert_int_equal(strlen(f.text), strlen(want.buf));
		/* every stack, once, with 3 */
		for (i = 0; i < 3000; i++) {
			n = snprintf(line, sizeof(line), "\nm;f%d;g 3\n", i);
			assert_non_null(i == 0 ?
				strstr(f.text, line + 1) : strstr(f.text, line));
		}
		free(f.text);
	}
	fg_buf_release(&raw);
	fg_buf_release(&want);
}

static void
test_dedupe_process_frames(void **state)
{
	struct fg_pyspy_opts o = FG_PYSPY_OPTS_INIT;
	const char *raw =
		"process 1:\"py -c a; b\";f (s.py:1) 1\n"
		"process 1:\"py -c a; b\";f (s.py:1) 2\n"
		"process 1:\"py\";f (s.py:1) 4\n"
		"x;process 2:\"c;d\";g 8\n"
		"x;process 2:\"c;d\";g 16\n";

	expect_colliding(raw, &o,
			 "process 1:\"py -c a; b\";f (s.py:1) 3\n"
			 "process 1:\"py\";f (s.py:1) 4\n"
			 "x;process 2:\"c;d\";g 24\n");
	o.no_processes = true;
	expect_colliding(raw, &o, "f (s.py:1) 7\nx;g 24\n");
}

/*
 * A stack already in the table whose frames, joined with ';', spell a
 * raw line whose process frame holds a ';': the line is not that stack.
 */
static void
test_dedupe_process_frame_not_split(void **state)
{
	struct fg_symtab *syms = fg_symtab_new();
	struct fg_stacks *s = fg_stacks_new(syms, 1);
	struct fg_pyspy_opts o = FG_PYSPY_OPTS_INIT;
	struct fg_diag d = FG_DIAG_INIT;
	struct fg_pyspy *p = fg_pyspy_new(s, &o, &d);
	const char *raw = "process 1:\"a;b\";f 2\nprocess 1:\"a;b\";f 4\n";
	struct fg_lines *in = fg_lines_from_mem(raw, strlen(raw), "t.txt");
	struct fg_pyspy_raw_stats st;
	struct fg_count one = { 1, 0 };
	uint32_t ids[3];
	const uint32_t *fr;
	size_t n;

	ids[0] = fg_intern(syms, "process 1:\"a", 12);
	ids[1] = fg_intern(syms, "b\"", 2);
	ids[2] = fg_intern(syms, "f", 1);
	assert_int_equal(fg_pyspy_add(p, ids, 3, &one), FG_OK);
	assert_int_equal(fg_pyspy_read_raw(p, in, &st, &d), FG_OK);
	assert_int_equal(fg_stacks_count(s), 2);
	fr = fg_stacks_frames(s, 0, &n);
	assert_int_equal(n, 3);
	assert_int_equal(fg_stacks_counts(s, 0)[0].n, 1);
	fr = fg_stacks_frames(s, 1, &n);
	assert_int_equal(n, 2);
	assert_string_equal(fg_symtab_str(syms, fr[0], NULL),
			    "process 1:\"a;b\"");
	assert_int_equal(fg_stacks_counts(s, 1)[0].n, 6);
	fg_lines_close(in);
	fg_pyspy_free(p);
	fg_stacks_free(s);
	fg_symtab_free(syms);
}

static void
test_dedupe_after_malformed(void **state)
{
	struct fg_pyspy_opts o = FG_PYSPY_OPTS_INIT;
	struct folded f;

	fold("a;b 1\na;b x\na;b 2\na;b\na;b 4\n", &o, &f);
	assert_int_equal(f.rc, FG_OK);
	assert_string_equal(f.text, "a;b 7\n");
	assert_int_equal(f.st.bad, 2);
	assert_int_equal(f.st.first_bad.line, 2);
	assert_int_equal(f.st.stacks, 3);
	free(f.text);
	/* a malformed line first, then the same stack well formed */
	fold("a;b 1x\na;b 3\na;b 2\n", &o, &f);
	assert_string_equal(f.text, "a;b 5\n");
	assert_int_equal(f.st.bad, 1);
	free(f.text);
	/* strict: the first bad line is fatal, with its line number */
	o.strict = true;
	fold("a;b 1\na;b 2\nc 3\nc 4\na;b -1\na;b 5\n", &o, &f);
	assert_int_equal(f.rc, FG_EPARSE);
	assert_int_equal(f.d.line, 5);
	assert_string_equal(f.text, "a;b 3\nc 7\n");
	free(f.text);
}

/* A file larger than the reader's buffer: batches end where reads do. */
static void
test_dedupe_across_reads(void **state)
{
	struct fg_symtab *syms = fg_symtab_new();
	struct fg_stacks *s = fg_stacks_new(syms, 1);
	struct fg_pyspy_opts o = FG_PYSPY_OPTS_INIT;
	struct fg_diag d = FG_DIAG_INIT;
	struct fg_pyspy *p = fg_pyspy_new(s, &o, &d);
	struct fg_pyspy_raw_stats st;
	struct fg_lines *in;
	char path[] = "/tmp/test_pyspy.XXXXXX";
	FILE *fp;
	uint64_t want[700] = { 0 }, total = 0;
	size_t i;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	assert_non_null(fp);
	/* about 3 MB: 40,000 lines over 700 stacks */
	for (i = 0; i < 40000; i++)
		fprintf(fp, "thread (%zu): w;main (/srv/app/main.py:1);"
			"handler_%zu (/srv/app/handlers/module.py:%zu) %zu\n",
			i % 7, i % 100, i % 100, i % 3 + 1);
	assert_int_equal(fclose(fp), 0);
	in = fg_lines_open(path, &d);
	assert_non_null(in);
	assert_int_equal(fg_pyspy_read_raw(p, in, &st, &d), FG_OK);
	assert_int_equal(st.stacks, 40000);
	assert_int_equal(fg_stacks_count(s), 700);
	/* line i goes to stack i % 700, the order they first appear in */
	for (i = 0; i < 40000; i++) {
		want[i % 700] += i % 3 + 1;
		total += i % 3 + 1;
	}
	for (i = 0; i < 700; i++)
		assert_int_equal(fg_stacks_counts(s, i)[0].n, want[i]);
	assert_int_equal(fg_pyspy_totals(p)->in.n, total);
	unlink(path);
	fg_lines_close(in);
	fg_pyspy_free(p);
	fg_stacks_free(s);
	fg_symtab_free(syms);
}

/* Lines longer than the reader's chunks of remembered text. */
static void
test_dedupe_long_lines(void **state)
{
	struct fg_pyspy_opts o = FG_PYSPY_OPTS_INIT;
	struct fg_buf raw, line;
	struct folded f;
	size_t i, len;

	fg_buf_init(&raw);
	fg_buf_init(&line);
	/* 9,000 frames of 1,000 bytes: a 9 MB stack */
	for (i = 0; i < 9000; i++) {
		if (i > 0)
			fg_buf_addc(&line, ';');
		fg_buf_addc(&line, (char)('a' + i % 26));
		while (line.len % 1001 != 0)
			fg_buf_addc(&line, 'x');
	}
	len = line.len;
	for (i = 0; i < 3; i++) {
		fg_buf_add(&raw, "short 1\n", 8);
		fg_buf_add(&raw, line.buf, len);
		fg_buf_adds(&raw, i == 1 ? "y 2\n" : " 2\n");
	}
	fg_buf_addc(&raw, '\0');
	fold(raw.buf, &o, &f);
	assert_int_equal(f.rc, FG_OK);
	assert_int_equal(f.st.stacks, 6);
	/* the two equal long lines went to one stack, the other to its own */
	assert_int_equal(strlen(f.text), 2 * len + 15);
	assert_memory_equal(f.text + len, " 4\n", 3);
	assert_memory_equal(f.text + 2 * len + 3, "y 2\nshort 3\n", 12);
	free(f.text);
	fg_buf_release(&raw);
	fg_buf_release(&line);
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
		cmocka_unit_test(test_dedupe_repeated_lines),
		cmocka_unit_test(test_dedupe_colliding_lines),
		cmocka_unit_test(test_dedupe_many_colliding_lines),
		cmocka_unit_test(test_dedupe_process_frames),
		cmocka_unit_test(test_dedupe_process_frame_not_split),
		cmocka_unit_test(test_dedupe_after_malformed),
		cmocka_unit_test(test_dedupe_across_reads),
		cmocka_unit_test(test_dedupe_long_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
