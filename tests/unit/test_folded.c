/*
 * test_folded.c - unit tests for folded.c: parsing a line, splitting,
 * reading a file (one or two counts, detection, malformed lines, strict,
 * comments, exact sums, overflow, a frame map), writing, and reading on
 * several threads (the same result as on one).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fg/fg.h"

static void
test_parse_line_one(void **state)
{
	struct fg_folded_line fl;
	struct fg_diag d = FG_DIAG_INIT;

	assert_int_equal(fg_folded_parse_line("a;b 5", 5, &fl, &d), 1);
	assert_int_equal(fl.len1, 3);
	assert_memory_equal(fl.stack, "a;b", 3);
	assert_true(fl.count1.n == 5 && fl.count1.frac == 0);
	assert_int_equal(fl.decimals1, 0);
	assert_false(fl.has2);

	/* a tab separates too; blanks after the count are dropped */
	assert_int_equal(fg_folded_parse_line("a;b\t7 \t", 7, &fl, &d), 1);
	assert_int_equal(fl.len1, 3);
	assert_true(fl.count1.n == 7);

	/* exactly one blank separates: the others belong to the stack */
	assert_int_equal(fg_folded_parse_line("a;b  5", 6, &fl, &d), 1);
	assert_int_equal(fl.len1, 4);
	assert_memory_equal(fl.stack, "a;b ", 4);
	/* leading blanks belong to the stack as well */
	assert_int_equal(fg_folded_parse_line("  a 5", 5, &fl, &d), 1);
	assert_int_equal(fl.len1, 3);
	assert_memory_equal(fl.stack, "  a", 3);

	/* frames with spaces, fractions */
	assert_int_equal(fg_folded_parse_line("f (x.py:3);g h 2.50", 19, &fl,
					      &d), 1);
	assert_int_equal(fl.len1, 14);
	assert_true(fl.count1.n == 2 &&
		    fl.count1.frac == 500000000000000000ULL);
	assert_int_equal(fl.decimals1, 1);

	/* the stack is whatever stands before: even digits */
	assert_int_equal(fg_folded_parse_line("1 2", 3, &fl, &d), 1);
	assert_int_equal(fl.len1, 1);
	assert_true(fl.count1.n == 2);
	assert_false(fl.has2);	/* a two-count reading needs a stack */
}

static void
test_parse_line_two(void **state)
{
	struct fg_folded_line fl;
	struct fg_diag d = FG_DIAG_INIT;

	assert_int_equal(fg_folded_parse_line("a;b 1 2", 7, &fl, &d), 1);
	assert_true(fl.has2);
	assert_int_equal(fl.len2, 3);
	assert_true(fl.count2[0].n == 1 && fl.count2[1].n == 2);
	/* and the one-count reading: leaf "b 1", count 2 */
	assert_int_equal(fl.len1, 5);
	assert_true(fl.count1.n == 2);

	assert_int_equal(fg_folded_parse_line("a  1.5 2.25", 11, &fl, &d), 1);
	assert_true(fl.has2);
	assert_int_equal(fl.len2, 2);
	assert_memory_equal(fl.stack, "a ", 2);
	assert_int_equal(fl.decimals2, 2);
	assert_true(fl.count2[0].n == 1 &&
		    fl.count2[0].frac == 500000000000000000ULL);
	assert_true(fl.count2[1].n == 2 &&
		    fl.count2[1].frac == 250000000000000000ULL);

	/* "x1 2": no blank before the first number */
	assert_int_equal(fg_folded_parse_line("a;x1 2", 6, &fl, &d), 1);
	assert_false(fl.has2);
	/* a bad first number: only the one-count reading */
	assert_int_equal(fg_folded_parse_line("a 1.2.3 4", 9, &fl, &d), 1);
	assert_false(fl.has2);
	assert_int_equal(fl.len1, 7);
}

static void
test_parse_line_ignored(void **state)
{
	static const char *const lines[] = {
		"", " ", "\t \t", "#", "# a;b 5", "   # x 1 2", "\t#",
	};
	struct fg_folded_line fl;
	struct fg_diag d = FG_DIAG_INIT;
	size_t i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		assert_int_equal(fg_folded_parse_line(lines[i],
						      strlen(lines[i]), &fl,
						      &d), 0);
}

static void
check_bad_line(const char *line, int rc, unsigned long col,
	       const char *msg)
{
	struct fg_folded_line fl;
	struct fg_diag d = FG_DIAG_INIT;

	assert_int_equal(fg_folded_parse_line(line, strlen(line), &fl, &d),
			 rc);
	assert_string_equal(d.msg, msg);
	assert_int_equal(d.col, col);
	assert_null(d.file);
	assert_int_equal(d.line, 0);
}

static void
test_parse_line_bad(void **state)
{
	check_bad_line("a;b", FG_EPARSE, 4, "missing count after 'a;b'");
	check_bad_line("5", FG_EPARSE, 2, "missing count after '5'");
	check_bad_line("  5", FG_EPARSE, 4, "missing count after '5'");
	check_bad_line("a;b x", FG_EPARSE, 5, "invalid count 'x'");
	check_bad_line("a;b -5", FG_EPARSE, 5, "invalid count '-5'");
	check_bad_line("a;b 1e5", FG_EPARSE, 5, "invalid count '1e5'");
	check_bad_line("a;b .5", FG_EPARSE, 5, "invalid count '.5'");
	check_bad_line("a;b 5\r", FG_EPARSE, 5, "invalid count '5\\x0d'");
	check_bad_line(" 5", FG_EPARSE, 3, "missing count after '5'");
	check_bad_line("a 18446744073709551616", FG_ERANGE, 3,
		       "count '18446744073709551616' out of range (at most 18446744073709551615 and 18 decimal places)");
	check_bad_line("a 0.0000000000000000001", FG_ERANGE, 3,
		       "count '0.0000000000000000001' out of range (at most 18446744073709551615 and 18 decimal places)");
}

static void
test_split(void **state)
{
	struct fg_symtab *t = fg_symtab_new();
	uint32_t *ids = NULL;
	size_t cap = 0, n, i;
	char deep[400];

	n = fg_folded_split(t, "a;b;a", 5, &ids, &cap);
	assert_int_equal(n, 3);
	assert_int_equal(ids[0], ids[2]);
	assert_int_not_equal(ids[0], ids[1]);
	assert_string_equal(fg_symtab_str(t, ids[1], NULL), "b");
	/* empty frames are frames */
	n = fg_folded_split(t, ";;", 2, &ids, &cap);
	assert_int_equal(n, 3);
	assert_int_equal(fg_symtab_len(t, ids[0]), 0);
	assert_int_equal(ids[0], ids[2]);
	n = fg_folded_split(t, "", 0, &ids, &cap);
	assert_int_equal(n, 1);
	/* deeper than the first allocation */
	for (i = 0; i < 200; i++) {
		deep[2 * i] = (char)('a' + i % 26);
		deep[2 * i + 1] = ';';
	}
	n = fg_folded_split(t, deep, 399, &ids, &cap);
	assert_int_equal(n, 200);
	assert_true(cap >= 200);
	assert_int_equal(ids[26], ids[0]);
	free(ids);
	fg_symtab_free(t);
}

/*
 * Names of every length from 0 to 100 bytes, of any byte but ';', at
 * the start, middle and very end of an exactly sized buffer (so that
 * AddressSanitizer sees a read past it): the splitter finds each name
 * and hashes it as fg_symtab_find does, whether it takes its fast path
 * (32 bytes readable, a name of up to 32) or not.
 */
static void
test_split_every_length(void **state)
{
	struct fg_symtab *t = fg_symtab_new();
	uint32_t *ids = NULL;
	size_t cap = 0, len, where, i, n;
	char name[101];

	(void)state;
	srand(3);
	for (len = 0; len <= 100; len++) {
		for (i = 0; i < len; i++) {
			name[i] = (char)(rand() % 256);
			if (name[i] == ';')
				name[i] = ':';
		}
		for (where = 0; where < 3; where++) {
			/* "u;" + name + ";v", name + ";v" or "u;" + name */
			size_t pre = where != 1 ? 2 : 0, post = where != 2 ? 2 : 0;
			size_t total = pre + len + post, idx = pre ? 1 : 0;
			char *buf = malloc(total ? total : 1);

			memcpy(buf, "u;", pre);
			memcpy(buf + pre, name, len);
			memcpy(buf + pre + len, ";v", post);
			n = fg_folded_split(t, buf, total, &ids, &cap);
			assert_int_equal(n, 1 + (pre != 0) + (post != 0));
			assert_int_equal(fg_symtab_len(t, ids[idx]), len);
			assert_memory_equal(fg_symtab_str(t, ids[idx], NULL),
					    name, len);
			assert_int_equal(fg_symtab_find(t, name, len),
					 ids[idx]);
			free(buf);
		}
	}
	free(ids);
	fg_symtab_free(t);
}

/*
 * The same names read as stack lines, from an exactly sized buffer: the
 * reader's frames are the names fg_symtab_find finds.
 */
static void
test_read_every_length(void **state)
{
	struct fg_symtab *t = fg_symtab_new();
	struct fg_stacks *s = fg_stacks_new(t, 1);
	struct fg_buf text = FG_BUF_INIT;
	struct fg_diag d = FG_DIAG_INIT;
	struct fg_lines *l;
	char *buf;
	size_t len, i, k, n;

	(void)state;
	for (len = 0; len <= 80; len++) {
		/* a stack of three names: len, len + 1 and len + 2 bytes */
		for (k = 0; k < 3; k++) {
			if (k > 0)
				fg_buf_addc(&text, ';');
			for (i = 0; i < len + k; i++)
				fg_buf_addc(&text, (char)('a' + (i * 7 + len) % 26));
		}
		fg_buf_addf(&text, " %zu\n", len + 1);
	}
	text.len--;	/* no newline at the very end */
	buf = malloc(text.len);
	memcpy(buf, text.buf, text.len);
	l = fg_lines_from_mem(buf, text.len, "in");
	assert_int_equal(fg_folded_read(l, s, NULL, NULL, &d), FG_OK);
	fg_lines_close(l);
	assert_int_equal(fg_stacks_count(s), 81);
	for (i = 0; i < fg_stacks_count(s); i++) {
		const uint32_t *f = fg_stacks_frames(s, i, &n);

		assert_int_equal(n, 3);
		for (k = 0; k < 3; k++) {
			size_t nl;
			const char *nm = fg_symtab_str(t, f[k], &nl);

			assert_int_equal(nl, i + k);
			assert_int_equal(fg_symtab_find(t, nm, nl), f[k]);
		}
	}
	free(buf);
	fg_buf_release(&text);
	fg_stacks_free(s);
	fg_symtab_free(t);
}

/* Reads text into s with opts (NULL: the defaults). */
static int
read_text(const char *text, struct fg_stacks *s,
	  const struct fg_folded_opts *o, struct fg_folded_stats *st,
	  struct fg_diag *d)
{
	struct fg_lines *l = fg_lines_from_mem(text, strlen(text), "in");
	int rc = fg_folded_read(l, s, o, st, d);

	fg_lines_close(l);
	return rc;
}

/* What fg_folded_write writes for s. */
static char *
written(const struct fg_stacks *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	assert_int_equal(fg_folded_write(s, fp), FG_OK);
	assert_int_equal(fclose(fp), 0);
	return buf;
}

static void
check_written(const struct fg_stacks *s, const char *want)
{
	char *got = written(s);

	assert_string_equal(got, want);
	free(got);
}

static void
test_read_one(void **state)
{
	struct fg_symtab *t = fg_symtab_new();
	struct fg_stacks *s = fg_stacks_new(t, 1);
	struct fg_folded_stats st;
	struct fg_diag d = FG_DIAG_INIT;

	assert_int_equal(read_text("main;parse;lex 10\n"
				   "# comment\n"
				   "\n"
				   "main;eval 3\n"
				   "main;parse;lex 5\n"
				   "main;parse 1\n"
				   "main 0\n", s, NULL, &st, &d),
			 FG_OK);
	assert_int_equal(st.lines, 7);
	assert_int_equal(st.stacks, 5);
	assert_int_equal(st.bad, 0);
	assert_int_equal(st.ncounts, 1);
	assert_int_equal(st.decimals, 0);
	assert_true(st.total[0].n == 19 && st.total[0].frac == 0);
	assert_false(st.total_overflow);
	assert_int_equal(fg_stacks_count(s), 4);
	/* a stack with count 0 is kept */
	check_written(s, "main 0\n"
			 "main;eval 3\n"
			 "main;parse 1\n"
			 "main;parse;lex 15\n");
	fg_stacks_free(s);
	fg_symtab_free(t);
}

/* A file's first stack line decides between one and two counts. */
static void
test_read_auto(void **state)
{
	struct fg_symtab *t = fg_symtab_new();
	struct fg_stacks *s = fg_stacks_new(t, 2), *s1;
	struct fg_folded_opts o = FG_FOLDED_OPTS_INIT;
	struct fg_folded_stats st;
	struct fg_diag d = FG_DIAG_INIT;

	/* two counts: both columns */
	assert_int_equal(read_text("# diff\na;b 1 2\na;c 3 0\na;b 1 1\n", s,
				   NULL, &st, &d), FG_OK);
	assert_int_equal(st.ncounts, 2);
	assert_true(st.total[0].n == 5 && st.total[1].n == 3);
	check_written(s, "a;b 2 3\na;c 3 0\n");
	fg_stacks_free(s);

	/* a two-count file where one count is allowed */
	s = fg_stacks_new(t, 2);
	o.max_counts = 1;
	fg_diag_clear(&d);
	assert_int_equal(read_text("\n\na;b 1 2\n", s, &o, &st, &d),
			 FG_EFORMAT);
	assert_string_equal(d.file, "in");
	assert_int_equal(d.line, 3);
	assert_non_null(strstr(d.msg, "two counts"));
	/* but a later line with two numbers is a one-count line */
	fg_diag_clear(&d);
	assert_int_equal(read_text("a;b 1\na;b 1 2\n", s, &o, &st, &d),
			 FG_OK);
	assert_int_equal(st.ncounts, 1);
	check_written(s, "a;b 1 0\na;b 1 2 0\n");
	fg_stacks_free(s);

	/* one count into the second column */
	s = fg_stacks_new(t, 2);
	o = (struct fg_folded_opts)FG_FOLDED_OPTS_INIT;
	o.col = 1;
	assert_int_equal(read_text("x 4\n", s, &o, &st, &d), FG_OK);
	check_written(s, "x 0 4\n");
	/* two counts do not fit from column 1 */
	assert_int_equal(read_text("x 4 5\n", s, &o, &st, &d), FG_EINVAL);
	fg_stacks_free(s);

	/* two counts into a one-column table: not allowed */
	s1 = fg_stacks_new(t, 1);
	o = (struct fg_folded_opts)FG_FOLDED_OPTS_INIT;
	assert_int_equal(read_text("x 4 5\n", s1, &o, &st, &d), FG_EINVAL);
	/* forced one count: the first number is part of the leaf */
	o.counts = FG_FOLDED_ONE;
	assert_int_equal(read_text("x 4 5\n", s1, &o, &st, &d), FG_OK);
	assert_int_equal(st.ncounts, 1);
	check_written(s1, "x 4 5\n");
	/* options out of range */
	o.counts = FG_FOLDED_TWO;
	assert_int_equal(read_text("x 4 5\n", s1, &o, &st, &d), FG_EINVAL);
	o.counts = FG_FOLDED_ONE;
	o.col = 1;
	assert_int_equal(read_text("x 4\n", s1, &o, &st, &d), FG_EINVAL);
	fg_stacks_free(s1);

	/* nothing but comments: no counts decided, nothing added */
	s1 = fg_stacks_new(t, 1);
	assert_int_equal(read_text("# a 1\n\n", s1, NULL, &st, &d), FG_OK);
	assert_int_equal(st.ncounts, 0);
	assert_int_equal(st.lines, 2);
	assert_int_equal(fg_stacks_count(s1), 0);
	fg_stacks_free(s1);
	fg_symtab_free(t);
}

static void
test_read_malformed(void **state)
{
	struct fg_symtab *t = fg_symtab_new();
	struct fg_stacks *s = fg_stacks_new(t, 1);
	struct fg_folded_opts o = FG_FOLDED_OPTS_INIT;
	struct fg_folded_stats st;
	struct fg_diag d = FG_DIAG_INIT;
	static const char text[] = "a 1\n"
				   "b\n"		/* line 2: the first */
				   "c 2\n"
				   "d x\n"
				   "e -1\n"
				   "a 99999999999999999999\n"
				   "c 3\n";

	assert_int_equal(read_text(text, s, NULL, &st, &d), FG_OK);
	assert_int_equal(st.lines, 7);
	assert_int_equal(st.stacks, 3);
	assert_int_equal(st.bad, 4);
	assert_string_equal(st.first_bad.file, "in");
	assert_int_equal(st.first_bad.line, 2);
	assert_int_equal(st.first_bad.col, 2);
	assert_string_equal(st.first_bad.msg, "missing count after 'b'");
	/* every good line counted */
	assert_true(st.total[0].n == 6);
	check_written(s, "a 1\nc 5\n");
	/* d is not touched when the lines are only skipped */
	assert_null(d.file);
	fg_stacks_free(s);

	/* strict: the first one is fatal and reported in d */
	s = fg_stacks_new(t, 1);
	o.strict = true;
	assert_int_equal(read_text(text, s, &o, &st, &d), FG_EPARSE);
	assert_string_equal(d.file, "in");
	assert_int_equal(d.line, 2);
	assert_string_equal(d.msg, "missing count after 'b'");
	assert_int_equal(st.bad, 1);
	fg_stacks_free(s);

	/* in a two-count file, a line with one count is malformed */
	s = fg_stacks_new(t, 2);
	o = (struct fg_folded_opts)FG_FOLDED_OPTS_INIT;
	fg_diag_clear(&d);
	assert_int_equal(read_text("a 1 2\nb 3\nc 4 5\n", s, &o, &st, &d),
			 FG_OK);
	assert_int_equal(st.bad, 1);
	assert_int_equal(st.first_bad.line, 2);
	assert_string_equal(st.first_bad.msg,
			    "expected two counts, found one");
	check_written(s, "a 1 2\nc 4 5\n");
	fg_stacks_free(s);
	/* FG_FOLDED_TWO says so from the start */
	s = fg_stacks_new(t, 2);
	o.counts = FG_FOLDED_TWO;
	assert_int_equal(read_text("b 3\na 1 2\n", s, &o, &st, &d), FG_OK);
	assert_int_equal(st.bad, 1);
	assert_int_equal(st.first_bad.line, 1);
	fg_stacks_free(s);
	fg_symtab_free(t);
}

static void
test_read_crlf_noeol(void **state)
{
	struct fg_symtab *t = fg_symtab_new();
	struct fg_stacks *s = fg_stacks_new(t, 1);
	struct fg_folded_stats st;
	struct fg_diag d = FG_DIAG_INIT;

	assert_int_equal(read_text("a;b 1\r\nc 2\r\n\r\na;b 3", s, NULL, &st,
				   &d), FG_OK);
	assert_int_equal(st.lines, 4);
	assert_int_equal(st.bad, 0);
	check_written(s, "a;b 4\nc 2\n");
	fg_stacks_free(s);
	fg_symtab_free(t);
}

static void
test_read_fractions(void **state)
{
	struct fg_symtab *t = fg_symtab_new();
	struct fg_stacks *s = fg_stacks_new(t, 1);
	struct fg_folded_stats st;
	struct fg_diag d = FG_DIAG_INIT;
	int i;
	char *text = malloc(10 * 8 + 1), *p = text;

	/* 0.1 ten times is 1 exactly, not 0.9999999999999999 */
	for (i = 0; i < 10; i++)
		p += snprintf(p, 9, "a 0.1\n");
	assert_int_equal(read_text(text, s, NULL, &st, &d), FG_OK);
	assert_true(st.total[0].n == 1 && st.total[0].frac == 0);
	assert_int_equal(st.decimals, 1);
	check_written(s, "a 1\n");
	free(text);
	assert_int_equal(read_text("b 0.000000000000000001\nb 2.5\n"
				   "c 5.\n", s, NULL, &st, &d), FG_OK);
	assert_int_equal(st.decimals, 18);
	check_written(s, "a 1\nb 2.500000000000000001\nc 5\n");
	fg_stacks_free(s);
	fg_symtab_free(t);
}

static void
test_read_overflow(void **state)
{
	struct fg_symtab *t = fg_symtab_new();
	struct fg_stacks *s = fg_stacks_new(t, 1);
	struct fg_folded_stats st;
	struct fg_diag d = FG_DIAG_INIT;

	/* one stack's count overflows: fatal, with where */
	assert_int_equal(read_text("a 18446744073709551615\n"
				   "b 1\n"
				   "a 1\n", s, NULL, &st, &d), FG_ERANGE);
	assert_string_equal(d.file, "in");
	assert_int_equal(d.line, 3);
	assert_string_equal(d.msg,
			    "the count of this stack overflows 64 bits");
	/* never wrapped */
	assert_true(fg_stacks_counts(s, 0)[0].n == UINT64_MAX);
	fg_stacks_free(s);

	/* only the total overflows: not fatal, but said */
	s = fg_stacks_new(t, 1);
	assert_int_equal(read_text("a 18446744073709551615\n"
				   "b 1\n", s, NULL, &st, &d), FG_OK);
	assert_true(st.total_overflow);
	check_written(s, "a 18446744073709551615\nb 1\n");
	fg_stacks_free(s);
	fg_symtab_free(t);
}

/*
 * Neighbouring lines share prefixes; the reader reuses the frames of
 * the line before where the shared bytes hold whole frames. Lines that
 * share part of a frame must not.
 */
static void
test_read_shared_prefixes(void **state)
{
	struct fg_symtab *t = fg_symtab_new();
	struct fg_stacks *s = fg_stacks_new(t, 1);
	struct fg_folded_stats st;
	struct fg_diag d = FG_DIAG_INIT;

	assert_int_equal(read_text("ab;c 1\n"
				   "a;c 1\n"	/* "a" inside "ab" */
				   "a;cd 1\n"
				   "a;c;d 1\n"
				   "a;c 1\n"
				   "a;c; 1\n"
				   "a;c;;x 1\n"
				   "a 1\n"
				   "ab 1\n"
				   "a 1\n", s, NULL, &st, &d), FG_OK);
	check_written(s, "a 2\n"
			 "a;c 2\n"
			 "a;c; 1\n"
			 "a;c;;x 1\n"
			 "a;c;d 1\n"
			 "a;cd 1\n"
			 "ab 1\n"
			 "ab;c 1\n");
	assert_int_equal(fg_stacks_count(s), 8);
	/* every frame was interned whole */
	assert_int_not_equal(fg_symtab_find(t, "ab", 2), UINT32_MAX);
	assert_int_not_equal(fg_symtab_find(t, "cd", 2), UINT32_MAX);
	assert_int_equal(fg_symtab_count(t), 7);	/* ab c a cd d "" x */
	fg_stacks_free(s);
	fg_symtab_free(t);
}

/* Stacks added by id and by text meet in one entry. */
static void
test_read_after_add(void **state)
{
	struct fg_symtab *t = fg_symtab_new();
	struct fg_stacks *s = fg_stacks_new(t, 2);
	struct fg_folded_opts o = FG_FOLDED_OPTS_INIT;
	struct fg_count five = { 5, 0 };
	struct fg_diag d = FG_DIAG_INIT;
	uint32_t ids[2], semi;

	ids[0] = fg_intern(t, "a", 1);
	ids[1] = fg_intern(t, "b", 1);
	semi = fg_intern(t, "a;b", 3);
	assert_int_equal(fg_stacks_add(s, ids, 2, 0, &five, NULL), FG_OK);
	/* a stack of one frame named "a;b": same text, another stack */
	assert_int_equal(fg_stacks_add(s, &semi, 1, 0, &five, NULL), FG_OK);
	o.col = 1;
	assert_int_equal(read_text("a;b 2\n", s, &o, NULL, &d), FG_OK);
	assert_int_equal(fg_stacks_count(s), 2);
	assert_true(fg_stacks_counts(s, 0)[1].n == 2);
	assert_true(fg_count_is_zero(&fg_stacks_counts(s, 1)[1]));
	fg_stacks_free(s);
	fg_symtab_free(t);
}

/* A frame map that folds "x<digits>" to "x", and can be made to fail. */
struct upmap {
	struct fg_symtab *t;
	int calls;
	int fail;
};

static int
fold_x(void *ctx, uint32_t id, uint32_t *out, struct fg_diag *d)
{
	struct upmap *m = ctx;
	size_t len;
	const char *s = fg_symtab_str(m->t, id, &len);

	m->calls++;
	if (m->fail) {
		fg_diag_set(d, NULL, 0, 0, "map failed");
		return FG_EDEP;
	}
	if (len > 1 && s[0] == 'x' && s[1] >= '0' && s[1] <= '9')
		*out = fg_intern(m->t, "x", 1);
	else
		*out = id;
	return FG_OK;
}

static void
test_read_map(void **state)
{
	struct fg_symtab *t = fg_symtab_new();
	struct fg_stacks *s = fg_stacks_new(t, 1);
	struct fg_folded_opts o = FG_FOLDED_OPTS_INIT;
	struct upmap m = { t, 0, 0 };
	struct fg_folded_stats st;
	struct fg_diag d = FG_DIAG_INIT;

	o.map = fold_x;
	o.map_ctx = &m;
	assert_int_equal(read_text("a;x1 1\na;x22 2\nx3;b 4\na;x1 8\n", s,
				   &o, &st, &d), FG_OK);
	check_written(s, "a;x 11\nx;b 4\n");
	assert_true(m.calls > 0);
	assert_true(st.total[0].n == 15);
	fg_stacks_free(s);

	/* a failing map stops the read with its status, at its line */
	s = fg_stacks_new(t, 1);
	m.fail = 1;
	assert_int_equal(read_text("# x\na 1\n", s, &o, &st, &d), FG_EDEP);
	assert_string_equal(d.msg, "map failed");
	assert_string_equal(d.file, "in");
	assert_int_equal(d.line, 2);
	fg_stacks_free(s);
	fg_symtab_free(t);
}

/* Write, read back, write again: the same bytes. */
static void
test_write_roundtrip(void **state)
{
	struct fg_symtab *t = fg_symtab_new();
	struct fg_stacks *s = fg_stacks_new(t, 2), *r = fg_stacks_new(t, 2);
	struct fg_folded_opts o = FG_FOLDED_OPTS_INIT;
	struct fg_folded_stats st;
	struct fg_diag d = FG_DIAG_INIT;
	char *a, *b;

	assert_int_equal(read_text("z;y 1 0.5\n"
				   "a b;c d 0 18446744073709551615\n"
				   "a b 7.000001 3\n"
				   "\xff;\x01 2 2\n", s, NULL, &st, &d),
			 FG_OK);
	a = written(s);
	o.counts = FG_FOLDED_TWO;
	o.strict = true;
	assert_int_equal(read_text(a, r, &o, &st, &d), FG_OK);
	b = written(r);
	assert_string_equal(a, b);
	assert_string_equal(a, "a b 7.000001 3\n"
			       "a b;c d 0 18446744073709551615\n"
			       "z;y 1 0.5\n"
			       "\xff;\x01 2 2\n");
	free(a);
	free(b);
	fg_stacks_free(s);
	fg_stacks_free(r);
	fg_symtab_free(t);
}

/* A write error is reported, with errno. */
static void
test_write_error(void **state)
{
	struct fg_symtab *t = fg_symtab_new();
	struct fg_stacks *s = fg_stacks_new(t, 1);
	struct fg_count c = { 1, 0 };
	char name[64];
	uint32_t ids[2];
	FILE *fp;
	int i;

	/* enough output to pass through the writer's buffer */
	ids[0] = fg_intern(t, "a rather long root frame name to fill space",
			   43);
	for (i = 0; i < 20000; i++) {
		int n = snprintf(name, sizeof(name), "leaf number %d", i);

		ids[1] = fg_intern(t, name, (size_t)n);
		fg_stacks_add(s, ids, 2, 0, &c, NULL);
	}
	fp = fopen("/dev/full", "w");
	if (fp == NULL)
		skip();
	errno = 0;
	assert_int_equal(fg_folded_write(s, fp), FG_EIO);
	assert_int_equal(errno, ENOSPC);
	fclose(fp);
	fg_stacks_free(s);
	fg_symtab_free(t);
}

/*
 * Writing on several threads gives the bytes one thread writes (blocks
 * of lines in order, fractions and two columns included), and a write
 * error still comes back as FG_EIO with errno.
 */
static void
test_write_jobs(void **state)
{
	static const unsigned jobs[] = { 2, 3, 5 };
	struct fg_symtab *t = fg_symtab_new();
	struct fg_stacks *s = fg_stacks_new(t, 2);
	char *one = NULL, *many = NULL, name[32];
	size_t lone = 0, lmany = 0, j;
	uint32_t ids[3], *order;
	FILE *fp;
	int i;

	(void)state;
	ids[0] = fg_intern(t, "main", 4);
	for (i = 0; i < 50000; i++) {
		struct fg_count c = { (uint64_t)i, i % 3 ? 0 :
				      FG_COUNT_FRAC_ONE / 4 };
		int n = snprintf(name, sizeof(name), "f%d", i % 977);

		ids[1] = fg_intern(t, name, (size_t)n);
		n = snprintf(name, sizeof(name), "leaf %d", i);
		ids[2] = fg_intern(t, name, (size_t)n);
		size_t depth = i % 3 != 0 ? 3 : 1;

		assert_int_equal(fg_stacks_add(s, ids, depth,
					       (unsigned)(i % 2), &c, NULL),
				 FG_OK);
	}
	order = fg_stacks_sorted(s);
	fp = open_memstream(&one, &lone);
	assert_non_null(fp);
	assert_int_equal(fg_folded_write_sorted(s, order, fp), FG_OK);
	assert_int_equal(fclose(fp), 0);
	for (j = 0; j < sizeof(jobs) / sizeof(jobs[0]); j++) {
		fp = open_memstream(&many, &lmany);
		assert_non_null(fp);
		assert_int_equal(fg_folded_write_sorted_jobs(s, order, fp,
							     jobs[j]), FG_OK);
		assert_int_equal(fclose(fp), 0);
		assert_int_equal(lmany, lone);
		assert_memory_equal(many, one, lone);
		free(many);
		many = NULL;
	}
	fp = fopen("/dev/full", "w");
	if (fp != NULL) {
		errno = 0;
		assert_int_equal(fg_folded_write_sorted_jobs(s, order, fp, 2),
				 FG_EIO);
		assert_int_equal(errno, ENOSPC);
		fclose(fp);
	}
	free(one);
	free(order);
	fg_stacks_free(s);
	fg_symtab_free(t);
}

/* ---- reading on several threads: the same as on one ---- */

struct par_case {
	unsigned col, ncols;
	enum fg_folded_counts counts;
	unsigned max_counts;
	bool strict;
	bool prefill;		/* dst holds stacks before the read */
	off_t offset;		/* read from here (a descriptor moved there) */
};

struct par_result {
	int rc;
	struct fg_diag d;
	struct fg_folded_stats st;
	struct fg_symtab *syms;
	struct fg_stacks *s;
	unsigned long long bytes;
	unsigned long lines;
	off_t end;		/* the descriptor's offset after the read */
};

static void
par_read(const char *path, const struct par_case *pc, unsigned jobs,
	 size_t min_chunk, struct par_result *r)
{
	struct fg_folded_opts o = FG_FOLDED_OPTS_INIT;
	struct fg_lines *l;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(lseek(fd, pc->offset, SEEK_SET), pc->offset);
	r->syms = fg_symtab_new();
	r->s = fg_stacks_new(r->syms, pc->ncols);
	if (pc->prefill) {
		struct fg_count c = { 7, 0 };
		uint32_t ids[3];

		ids[0] = fg_intern(r->syms, "main", 4);
		ids[1] = fg_intern(r->syms, "pre", 3);
		ids[2] = fg_intern(r->syms, "b", 1);
		assert_int_equal(fg_stacks_add(r->s, ids, 3, 0, &c, NULL), 0);
		assert_int_equal(fg_stacks_add(r->s, ids, 1, 0, &c, NULL), 0);
	}
	o.col = pc->col;
	o.counts = pc->counts;
	o.max_counts = pc->max_counts;
	o.strict = pc->strict;
	o.jobs = jobs;
	o.min_chunk = min_chunk;
	fg_diag_clear(&r->d);
	l = fg_lines_from_fd(fd, "in");
	r->rc = fg_folded_read(l, r->s, &o, &r->st, &r->d);
	r->bytes = fg_lines_bytes(l);
	r->lines = fg_lines_lineno(l);
	r->end = lseek(fd, 0, SEEK_CUR);
	fg_lines_close(l);
	close(fd);
}

static void
par_free(struct par_result *r)
{
	fg_stacks_free(r->s);
	fg_symtab_free(r->syms);
}

static void
assert_count_eq(const struct fg_count *a, const struct fg_count *b)
{
	assert_true(a->n == b->n && a->frac == b->frac);
}

/* Everything a one-thread read leaves, a parallel one must leave too. */
static void
assert_same_read(const struct par_result *a, const struct par_result *b)
{
	size_t i, k, n, na, nb, len;
	unsigned c;

	assert_int_equal(a->rc, b->rc);
	if (a->rc == FG_OK) {
		assert_int_equal(a->st.threads, 1);
		assert_true(b->st.threads >= 1);
	}
	assert_string_equal(a->d.msg, b->d.msg);
	assert_int_equal(a->d.line, b->d.line);
	assert_int_equal(a->d.col, b->d.col);
	assert_int_equal(a->st.lines, b->st.lines);
	assert_int_equal(a->st.stacks, b->st.stacks);
	assert_int_equal(a->st.bad, b->st.bad);
	assert_int_equal(a->st.first_bad.line, b->st.first_bad.line);
	assert_string_equal(a->st.first_bad.msg, b->st.first_bad.msg);
	assert_int_equal(a->st.ncounts, b->st.ncounts);
	assert_int_equal(a->st.decimals, b->st.decimals);
	assert_int_equal(a->st.total_overflow, b->st.total_overflow);
	if (!a->st.total_overflow)
		for (c = 0; c < 2; c++)
			assert_count_eq(&a->st.total[c], &b->st.total[c]);
	if (a->rc < 0)
		return;		/* what was read before the error is moot */
	assert_int_equal(a->bytes, b->bytes);
	assert_int_equal(a->lines, b->lines);
	assert_int_equal(a->end, b->end);
	n = fg_symtab_count(a->syms);
	assert_int_equal(n, fg_symtab_count(b->syms));
	for (i = 0; i < n; i++) {
		const char *x = fg_symtab_str(a->syms, (uint32_t)i, &len);

		assert_int_equal(fg_symtab_len(b->syms, (uint32_t)i), len);
		assert_memory_equal(x, fg_symtab_str(b->syms, (uint32_t)i,
						     NULL), len);
	}
	n = fg_stacks_count(a->s);
	assert_int_equal(n, fg_stacks_count(b->s));
	for (i = 0; i < n; i++) {
		const uint32_t *fa = fg_stacks_frames(a->s, i, &na);
		const uint32_t *fb = fg_stacks_frames(b->s, i, &nb);

		assert_int_equal(na, nb);
		for (k = 0; k < na; k++)
			assert_int_equal(fa[k], fb[k]);
		for (c = 0; c < fg_stacks_ncols(a->s); c++)
			assert_count_eq(&fg_stacks_counts(a->s, i)[c],
					&fg_stacks_counts(b->s, i)[c]);
	}
}

/*
 * Reads text from a file on one thread, then on 2, 3, 5 and 8 with
 * chunks as small as a byte, and compares.
 */
static void
check_parallel(const char *text, const struct par_case *pc)
{
	static const unsigned jobs[] = { 2, 3, 5, 8 };
	static const size_t mins[] = { 1, 5, 64 };
	char path[] = "/tmp/fg-test-par-XXXXXX";
	struct par_result seq, par;
	size_t len = strlen(text), j, m;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	par_read(path, pc, 1, 0, &seq);
	for (j = 0; j < sizeof(jobs) / sizeof(*jobs); j++)
		for (m = 0; m < sizeof(mins) / sizeof(*mins); m++) {
			par_read(path, pc, jobs[j], mins[m], &par);
			assert_same_read(&seq, &par);
			par_free(&par);
		}
	par_free(&seq);
	unlink(path);
}

static const struct par_case one_count = { 0, 1, FG_FOLDED_AUTO, 2, false,
					   false, 0 };

static void
test_parallel_same(void **state)
{
	struct par_case pc = one_count;

	(void)state;
	/* repeats across chunks, shared prefixes, comments, blank lines */
	check_parallel("main;a;b 1\nmain;a;c 2\n# note\n\nmain;a;b 3\n"
		       "main;d 4\nother;x 5\nmain;a;c 6\nmain;a;b;e 7\n"
		       "main;d 8\nnew;names;here 9\nmain 10\n", &pc);
	/* malformed lines: the first one's line and reason, the number */
	check_parallel("a;b 1\nbad line\na;c 2\nb x\na;b 3\nc;d\n"
		       "a;b 4\n", &pc);
	/* CRLF, no final newline, fractions */
	check_parallel("a;b 1.5\r\nc;d 2\r\na;b 0.25\r\ne 1", &pc);
	/* nothing but comments before the first stack line */
	check_parallel("# one\n# two\n\n# three\n  \na;b 1\na 2\n", &pc);
	check_parallel("# only comments\n# here\n", &pc);
	check_parallel("", &pc);
	/* a long line across any cut */
	check_parallel("a;b 1\nlong;long;long;long;long;long;long;long;"
		       "long;long;long;long;long;long;long;long;long;long 2\n"
		       "a;b 3\n", &pc);
	/* a stack line with two counts reads as two counts throughout */
	check_parallel("a;b 1 2\nc 3 4\na;b 5\nc 6 7\n", &pc);
	/* read from the descriptor's offset, as for standard input */
	pc.offset = 6;
	check_parallel("a;b 1\na;c 2\na;b 3\nd 4\na;c 5\n", &pc);
}

static void
test_parallel_errors(void **state)
{
	struct par_case pc = one_count;

	(void)state;
	/* strict: the first malformed line, wherever it is */
	pc.strict = true;
	check_parallel("a;b 1\na;c 2\na;b 3\nd 4\na;c x\ne 5\nbad\n", &pc);
	/* a stack's count overflows only once chunks are merged */
	pc.strict = false;
	check_parallel("a;b 18446744073709551615\nc 1\nd 2\ne 3\nf 4\n"
		       "a;b 1\ng 5\n", &pc);
	/* a total overflows, no stack does: not fatal */
	check_parallel("a 18446744073709551615\nc 1\nd 2\ne 3\nf 4\n"
		       "b 1\ng 5\n", &pc);
	/* a second count where only one is allowed */
	pc.max_counts = 1;
	check_parallel("# x\na;b 1 2\nc 3\n", &pc);
}

static void
test_parallel_columns(void **state)
{
	struct par_case pc = { 1, 2, FG_FOLDED_AUTO, 1, false, true, 0 };

	(void)state;
	/* the second file of difffold: into column 1, over stacks there */
	check_parallel("main;pre;b 1\nmain 2\nx;y 3\nmain;pre;b 4\nz 5\n"
		       "x;y 6\nmain;pre 7\n", &pc);
	/* two counts into columns 0 and 1 */
	pc = (struct par_case){ 0, 2, FG_FOLDED_AUTO, 2, false, true, 0 };
	check_parallel("main;pre;b 1 2\nmain 2 3\nx;y 3 0\nbad 1\n"
		       "main;pre;b 4 4\nz 0 5\nx;y 6 1\n", &pc);
	pc.counts = FG_FOLDED_TWO;
	check_parallel("a 1\nb 1 2\nc 1 2\nd 3\n", &pc);
}

/* Random files: names from a few, repeats, bad lines, comments. */
static void
test_parallel_random(void **state)
{
	static const char *const names[] = { "main", "a", "b", "c;", "d e",
					     "0x1f", "" };
	struct par_case pc = one_count;
	char *text = malloc(64 * 1024);
	unsigned seed, i, k, depth;
	size_t n;

	(void)state;
	assert_non_null(text);
	for (seed = 1; seed <= 40; seed++) {
		srand(seed);
		n = 0;
		for (i = 0; i < 60; i++) {
			int kind = rand() % 20;

			if (kind == 0) {
				n += (size_t)sprintf(text + n, "# c\n");
				continue;
			}
			if (kind == 1) {
				n += (size_t)sprintf(text + n, "bad%u\n", i);
				continue;
			}
			depth = 1 + (unsigned)rand() % 5;
			for (k = 0; k < depth; k++)
				n += (size_t)sprintf(text + n, "%s%s",
						     k ? ";" : "",
						     names[rand() % 7]);
			n += (size_t)sprintf(text + n, " %d", rand() % 100);
			if (seed % 2 == 0)
				n += (size_t)sprintf(text + n, " %d",
						     rand() % 100);
			text[n++] = '\n';
		}
		text[n] = '\0';
		pc.ncols = seed % 2 == 0 ? 2 : 1;
		pc.strict = seed % 5 == 0;
		check_parallel(text, &pc);
	}
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_line_one),
		cmocka_unit_test(test_parse_line_two),
		cmocka_unit_test(test_parse_line_ignored),
		cmocka_unit_test(test_parse_line_bad),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_split_every_length),
		cmocka_unit_test(test_read_every_length),
		cmocka_unit_test(test_read_one),
		cmocka_unit_test(test_read_auto),
		cmocka_unit_test(test_read_malformed),
		cmocka_unit_test(test_read_crlf_noeol),
		cmocka_unit_test(test_read_fractions),
		cmocka_unit_test(test_read_overflow),
		cmocka_unit_test(test_read_shared_prefixes),
		cmocka_unit_test(test_read_after_add),
		cmocka_unit_test(test_read_map),
		cmocka_unit_test(test_write_roundtrip),
		cmocka_unit_test(test_write_error),
		cmocka_unit_test(test_write_jobs),
		cmocka_unit_test(test_parallel_same),
		cmocka_unit_test(test_parallel_errors),
		cmocka_unit_test(test_parallel_columns),
		cmocka_unit_test(test_parallel_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
