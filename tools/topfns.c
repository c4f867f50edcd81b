/*
 * topfns - the top functions of folded profiles: self and total counts
 * per function (a recursive function counted once per stack), as a
 * table for a terminal, CSV, TSV, JSON or Markdown.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fg/fg.h"
#include "tool.h"

static const char synopsis[] =
	"usage: topfns [-hV] [-b key] [-f format] [-j jobs] [-n rows] [-o file]\n"
	"              [-s key] [-t pct] [--callers regex] [--callees regex]\n"
	"              [--strict] [transforms] [file ...]\n";

static void
usage(void)
{
	printf("%s", synopsis);
	printf("\n"
"Summarise folded stacks (several files merge; 1 or 2 counts per line)\n"
"by function: self (as the leaf), total (stacks containing it, once per\n"
"stack however often it recurs), their shares and the number of stacks.\n"
"\n"
"  -b, --by KEY           group frames by function (default), file, module\n"
"                         or frame (the whole frame text)\n"
"  -f, --format FMT       text (default), csv, tsv, json or markdown\n"
TOOL_HELP_JOBS
"  -n, --rows N           show the first N rows (default 20; 0: all)\n"
"  -s, --sort KEY         self (default), total, name or delta (the default\n"
"                         for 2-count input: the largest change first)\n"
"  -t, --threshold PCT    hide rows whose change (2 counts) or share\n"
"                         (1 count) is below PCT %% of the total\n"
"      --callers REGEX    the callers of the matching functions, with the\n"
"                         count along each edge\n"
"      --callees REGEX    the callees of the matching functions\n"
TOOL_HELP_OUTPUT
"      --strict           stop at the first malformed line\n"
TOOL_HELP_HV
"\n"
TOOL_COMMON_HELP
"\n"
"Example: stackcollapse-perf perf.txt | topfns -n 10 --format markdown\n");
}

enum format { FMT_TEXT, FMT_CSV, FMT_TSV, FMT_JSON, FMT_MARKDOWN };

struct opts {
	enum fg_top_by by;
	enum format fmt;
	int sort;		/* enum fg_top_sort, or -1: the default */
	size_t rows;		/* 0: all */
	double threshold;	/* percent; < 0: none */
	const char *callers, *callees;
	bool strict;
	unsigned jobs;
};

/* ---- reading ---- */

struct input {
	struct fg_symtab *syms;
	struct fg_stacks *s;
	unsigned ncols;		/* 0 until a file had a stack line */
	unsigned long bad;
};

static void
read_one(const char *path, struct input *in, bool strict, unsigned jobs)
{
	struct fg_folded_opts o = FG_FOLDED_OPTS_INIT;
	struct fg_folded_stats st;
	struct fg_diag d = FG_DIAG_INIT;
	struct fg_lines *l;
	int rc;

	o.col = 0;
	o.counts = FG_FOLDED_AUTO;
	o.max_counts = 2;
	o.strict = strict;
	o.jobs = jobs;
	l = fg_lines_open(path, &d);
	if (l == NULL) {
		tool_warn("%s", d.msg);
		exit(TOOL_EXIT_FAIL);
	}
	tool_progress_lines(l, path);
	rc = fg_folded_read(l, in->s, &o, &st, &d);
	tool_progress_end();
	if (rc < 0) {
		if (d.msg[0] == '\0')
			fg_diag_set(&d, fg_lines_name(l), 0, 0, "%s",
				    fg_strerror(rc));
		tool_die_diag(&d);
	}
	tool_report_skipped(&st);
	if (tool_verbose)
		tool_warn("%s: %llu bytes, %lu lines, %lu stack lines, %lu malformed; read on %u thread%s",
			  fg_lines_name(l), fg_lines_bytes(l), st.lines,
			  st.stacks, st.bad, st.threads,
			  st.threads == 1 ? "" : "s");
	in->bad += st.bad;
	if (in->ncols != 0 && st.ncounts != 0 && st.ncounts != in->ncols)
		tool_die(TOOL_EXIT_FAIL,
			 "%s: has %u count%s per line, but the input before it has %u: cannot merge a profile with a differential profile",
			 fg_lines_name(l), st.ncounts,
			 st.ncounts == 1 ? "" : "s", in->ncols);
	if (in->ncols == 0)
		in->ncols = st.ncounts;
	fg_lines_close(l);
}

/* ---- numbers ---- */

static double
pct(const struct fg_count *part, const struct fg_count *whole)
{
	double w = fg_count_to_double(whole);

	return w > 0 ? 100.0 * fg_count_to_double(part) / w : 0.0;
}

static void
add_count(struct fg_buf *b, const struct fg_count *c)
{
	char tmp[FG_COUNT_BUFSZ];

	fg_buf_add(b, tmp, fg_count_format(c, tmp));
}

/* "+5", "-3" or "0": after - before, exactly. */
static void
add_delta(struct fg_buf *b, const struct fg_count *before,
	  const struct fg_count *after)
{
	struct fg_count mag;
	int sign = fg_top_delta(before, after, &mag);

	if (sign != 0)
		fg_buf_addc(b, sign > 0 ? '+' : '-');
	add_count(b, &mag);
}

/* The relative change in percent; false when before is 0. */
static bool
rel_change(const struct fg_count *before, const struct fg_count *after,
	   double *out)
{
	double b = fg_count_to_double(before);

	if (fg_count_is_zero(before))
		return false;
	*out = 100.0 * (fg_count_to_double(after) - b) / b;
	return true;
}

/* ---- tables: text, CSV, TSV, Markdown ---- */

struct table {
	unsigned ncols;
	const char *const *head;
	unsigned textmask;	/* bit c: column c is text, else a number */
	struct fg_buf *cells;	/* row-major, ncols per row */
	size_t nrows, cap;
};

#define TABLE_INIT { 0, NULL, 0, NULL, 0, 0 }
#define IS_TEXT(t, c) (((t)->textmask >> (c)) & 1u)

static struct fg_buf *
table_row(struct table *t)
{
	size_t i;

	if (t->nrows == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 32;
		t->cells = fg_xreallocarray(t->cells, t->cap * t->ncols,
					    sizeof(*t->cells));
	}
	for (i = 0; i < t->ncols; i++)
		fg_buf_init(&t->cells[t->nrows * t->ncols + i]);
	return &t->cells[t->nrows++ * t->ncols];
}

static void
table_release(struct table *t)
{
	size_t i;

	for (i = 0; i < t->nrows * t->ncols; i++)
		fg_buf_release(&t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->nrows = t->cap = 0;
}

static bool
printable(unsigned char c)
{
	return c >= 0x20 && c != 0x7f;
}

/* Text: bytes that would move the cursor or ring the bell as \xNN. */
static void
put_text(FILE *out, const struct fg_buf *b)
{
	size_t i;

	for (i = 0; i < b->len; i++) {
		unsigned char c = (unsigned char)b->buf[i];

		if (printable(c))
			putc(c, out);
		else
			fprintf(out, "\\x%02x", c);
	}
}

/* CSV (RFC 4180): quoted when needed, quotes doubled. */
static void
put_csv(FILE *out, const struct fg_buf *b)
{
	size_t i;
	bool quote = b->len > 0 && (b->buf[0] == ' ' ||
				    b->buf[b->len - 1] == ' ');

	for (i = 0; i < b->len && !quote; i++)
		quote = strchr(",\"\r\n", b->buf[i]) != NULL &&
			b->buf[i] != '\0';
	if (!quote) {
		fwrite(b->buf, 1, b->len, out);
		return;
	}
	putc('"', out);
	for (i = 0; i < b->len; i++) {
		if (b->buf[i] == '"')
			putc('"', out);
		putc(b->buf[i], out);
	}
	putc('"', out);
}

/* TSV: tab, newline, return and backslash as \t \n \r \\. */
static void
put_tsv(FILE *out, const struct fg_buf *b)
{
	size_t i;

	for (i = 0; i < b->len; i++) {
		switch (b->buf[i]) {
		case '\t':
			fputs("\\t", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\r':
			fputs("\\r", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		default:
			putc(b->buf[i], out);
		}
	}
}

/*
 * Markdown: a name as a code span (so nothing in it is markup), with
 * pipes escaped for the table, a fence longer than any run of
 * backticks in it, and control bytes as \xNN.
 */
static void
put_md_name(FILE *out, const struct fg_buf *b)
{
	size_t i, run = 0, longest = 0, k;
	bool pad;

	if (b->len == 0)
		return;
	for (i = 0; i < b->len; i++) {
		run = b->buf[i] == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	pad = b->buf[0] == '`' || b->buf[b->len - 1] == '`' ||
	      (b->buf[0] == ' ' && b->buf[b->len - 1] == ' ');
	for (k = 0; k <= longest; k++)
		putc('`', out);
	if (pad)
		putc(' ', out);
	for (i = 0; i < b->len; i++) {
		unsigned char c = (unsigned char)b->buf[i];

		if (c == '|')
			fputs("\\|", out);
		else if (printable(c))
			putc(c, out);
		else
			fprintf(out, "\\x%02x", c);
	}
	if (pad)
		putc(' ', out);
	for (k = 0; k <= longest; k++)
		putc('`', out);
}

/* One cell of a text column in format fmt. */
static void
put_cell(FILE *out, enum format fmt, const struct fg_buf *b)
{
	switch (fmt) {
	case FMT_CSV:
		put_csv(out, b);
		break;
	case FMT_TSV:
		put_tsv(out, b);
		break;
	case FMT_MARKDOWN:
		put_md_name(out, b);
		break;
	default:
		put_text(out, b);
		break;
	}
}

/*
 * Prints t. Numbers are right-aligned in text and in Markdown; a text
 * column is escaped for the format and, in text, left-aligned (the last
 * column is not padded).
 */
static void
table_print(const struct table *t, enum format fmt, const char *indent,
	    FILE *out)
{
	size_t *w = fg_xcalloc(t->ncols, sizeof(*w));
	size_t r, c;
	const char *sep = fmt == FMT_CSV ? "," : "\t";

	switch (fmt) {
	case FMT_TEXT:
		for (c = 0; c < t->ncols; c++)
			w[c] = strlen(t->head[c]);
		for (r = 0; r < t->nrows; r++)
			for (c = 0; c < t->ncols; c++)
				if (t->cells[r * t->ncols + c].len > w[c])
					w[c] = t->cells[r * t->ncols + c].len;
		fputs(indent, out);
		for (c = 0; c + 1 < t->ncols; c++)
			fprintf(out, IS_TEXT(t, c) ? "%-*s  " : "%*s  ",
				(int)w[c], t->head[c]);
		fprintf(out, "%s\n", t->head[t->ncols - 1]);
		for (r = 0; r < t->nrows; r++) {
			const struct fg_buf *row = &t->cells[r * t->ncols];

			fputs(indent, out);
			for (c = 0; c + 1 < t->ncols; c++) {
				if (!IS_TEXT(t, c)) {
					fprintf(out, "%*s  ", (int)w[c],
						row[c].buf);
					continue;
				}
				put_text(out, &row[c]);
				fprintf(out, "%*s  ",
					(int)(w[c] - row[c].len), "");
			}
			put_text(out, &row[t->ncols - 1]);
			putc('\n', out);
		}
		break;
	case FMT_CSV:
	case FMT_TSV:
		for (c = 0; c < t->ncols; c++)
			fprintf(out, "%s%s", c ? sep : "", t->head[c]);
		putc('\n', out);
		for (r = 0; r < t->nrows; r++) {
			for (c = 0; c < t->ncols; c++) {
				const struct fg_buf *b =
					&t->cells[r * t->ncols + c];

				if (c)
					fputs(sep, out);
				put_cell(out, fmt, b);
			}
			putc('\n', out);
		}
		break;
	case FMT_MARKDOWN:
		for (c = 0; c < t->ncols; c++)
			fprintf(out, "| %s ", t->head[c]);
		fputs("|\n", out);
		for (c = 0; c < t->ncols; c++)
			fputs(IS_TEXT(t, c) ? "| --- " : "| ---: ", out);
		fputs("|\n", out);
		for (r = 0; r < t->nrows; r++) {
			const struct fg_buf *row = &t->cells[r * t->ncols];

			for (c = 0; c < t->ncols; c++) {
				fputs("| ", out);
				if (IS_TEXT(t, c))
					put_md_name(out, &row[c]);
				else
					fputs(row[c].buf, out);
				putc(' ', out);
			}
			fputs("|\n", out);
		}
		break;
	case FMT_JSON:
		break;
	}
	free(w);
}

/* ---- JSON ---- */

/* The bytes of a name as valid UTF-8: each invalid byte becomes U+FFFD. */
static json_t *
json_name(const char *s, size_t n)
{
	struct fg_buf b = FG_BUF_INIT;
	json_t *j;
	size_t i = 0;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 :
			     (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
		size_t k;
		bool ok = len > 0 && i + len <= n && c != 0;

		for (k = 1; ok && k < len; k++)
			ok = ((unsigned char)s[i + k] >> 6) == 2;
		if (ok && len > 1) {
			/* reject overlong forms, surrogates, > U+10FFFF */
			unsigned char d = (unsigned char)s[i + 1];

			ok = !(len == 2 && c < 0xc2) &&
			     !(len == 3 && c == 0xe0 && d < 0xa0) &&
			     !(len == 3 && c == 0xed && d >= 0xa0) &&
			     !(len == 4 && c == 0xf0 && d < 0x90) &&
			     !(len == 4 && (c > 0xf4 ||
					    (c == 0xf4 && d >= 0x90)));
		}
		if (ok) {
			fg_buf_add(&b, s + i, len);
			i += len;
		} else {
			fg_buf_adds(&b, "\xef\xbf\xbd");
			i++;
		}
	}
	j = json_stringn(b.buf, b.len);
	fg_buf_release(&b);
	if (j == NULL)
		tool_die(TOOL_EXIT_FAIL, "jansson: cannot make a string");
	return j;
}

/* A count: an integer when it is whole and fits, else the nearest real. */
static json_t *
json_count(const struct fg_count *c)
{
	if (c->frac == 0 && c->n <= (uint64_t)INT64_MAX)
		return json_integer((json_int_t)c->n);
	return json_real(fg_count_to_double(c));
}

static json_t *
json_delta(const struct fg_count *before, const struct fg_count *after)
{
	struct fg_count mag;
	int sign = fg_top_delta(before, after, &mag);

	if (mag.frac == 0 && mag.n <= (uint64_t)INT64_MAX)
		return json_integer(sign < 0 ? -(json_int_t)mag.n :
					       (json_int_t)mag.n);
	return json_real(sign * fg_count_to_double(&mag));
}

/* A percentage rounded to 4 decimals, for display. */
static json_t *
json_pct(double p)
{
	return json_real(round(p * 1e4) / 1e4);
}

static void
jset(json_t *o, const char *key, json_t *v)
{
	if (v == NULL || json_object_set_new(o, key, v) != 0)
		tool_die(TOOL_EXIT_FAIL, "jansson: cannot build the output");
}

static void
jappend(json_t *a, json_t *v)
{
	if (v == NULL || json_array_append_new(a, v) != 0)
		tool_die(TOOL_EXIT_FAIL, "jansson: cannot build the output");
}

/* ---- the summary ---- */

struct ctx {
	const struct opts *o;
	struct fg_top *top;		/* the summary */
	const struct fg_top_stats *st;
	struct fg_filter_removed removed;	/* by the transforms */
	bool diff;
	enum fg_top_sort sort;
	FILE *out;
};

static const char *const sort_names[] = { "self", "total", "name", "delta" };
static const char *const format_names[] = { "text", "csv", "tsv", "json",
					    "markdown" };

/* Whether a row passes --threshold. */
static bool
above_threshold(const struct ctx *x, const struct fg_top_row *r)
{
	const struct fg_count *g = x->st->grand;
	struct fg_count ds, dt;

	if (x->o->threshold < 0)
		return true;
	if (!x->diff)
		return pct(&r->self[0], &g[0]) >= x->o->threshold ||
		       pct(&r->total[0], &g[0]) >= x->o->threshold;
	fg_top_delta(&r->self[0], &r->self[1], &ds);
	fg_top_delta(&r->total[0], &r->total[1], &dt);
	{
		const struct fg_count *big =
			fg_count_cmp(&g[0], &g[1]) >= 0 ? &g[0] : &g[1];

		return pct(&ds, big) >= x->o->threshold ||
		       pct(&dt, big) >= x->o->threshold;
	}
}

/* The rows to show, in order: sorted, thresholded, cut to -n. */
static size_t
select_rows(const struct ctx *x, uint32_t *order)
{
	size_t n = fg_top_count(x->top), i, k = 0;

	for (i = 0; i < n; i++) {
		if (x->o->rows && k == x->o->rows)
			break;
		if (above_threshold(x, fg_top_row(x->top, order[i])))
			order[k++] = order[i];
	}
	return k;
}

static const char *
status_of(const struct fg_top_row *r)
{
	bool b = !fg_count_is_zero(&r->total[0]);
	bool a = !fg_count_is_zero(&r->total[1]);

	if (a && !b)
		return "added";
	if (b && !a)
		return "vanished";
	return "";
}

static void
add_pct(struct fg_buf *b, double p, bool sign, bool percent)
{
	fg_buf_addf(b, sign ? "%+.2f%s" : "%.2f%s", p, percent ? "%" : "");
}

static void
add_rel(struct fg_buf *b, const struct fg_count *before,
	const struct fg_count *after, bool percent)
{
	struct fg_count mag;
	int sign = fg_top_delta(before, after, &mag);
	double p;

	if (!rel_change(before, after, &p)) {
		if (sign != 0)
			fg_buf_adds(b, "new");
		return;
	}
	/* the sign is the exact one, whatever the rounding shows */
	fg_buf_addf(b, "%s%.2f%s", sign > 0 ? "+" : sign < 0 ? "-" : "",
		    fabs(p), percent ? "%" : "");
}

static const char *const head_one[] = { "self", "self%", "sum%", "total",
					"total%", "stacks", NULL };
static const char *const head_one_alone[] = { "self", "self%", "total",
					      "total%", "stacks", NULL };
static const char *const head_one_csv[] = { "self", "self_pct", "sum_pct",
					    "total", "total_pct", "stacks",
					    NULL };
static const char *const head_two[] = {
	"self.before", "self.after", "self.delta", "self.rel",
	"total.before", "total.after", "total.delta", "total.rel", "stacks",
	"status", NULL };
static const char *const head_two_csv[] = {
	"self_before", "self_after", "self_delta", "self_rel_pct",
	"total_before", "total_after", "total_delta", "total_rel_pct",
	"stacks", "status", NULL };

/*
 * Sets the head of t: the columns nums, then name. The name and the
 * status column are text; the rest are numbers.
 */
static void
set_head(struct table *t, const char **buf, const char *const *nums,
	 const char *name)
{
	unsigned i;

	t->textmask = 0;
	for (i = 0; nums[i] != NULL; i++) {
		buf[i] = nums[i];
		if (strcmp(nums[i], "status") == 0 ||
		    strcmp(nums[i], "relation") == 0 ||
		    strcmp(nums[i], "function") == 0)
			t->textmask |= 1u << i;
	}
	t->textmask |= 1u << i;
	buf[i++] = name;
	t->ncols = i;
	t->head = buf;
}

/*
 * One summary row into the table's cells; cum (the running sum of self)
 * is NULL for a row on its own, without the sum% column.
 */
static void
fill_row(const struct ctx *x, const struct fg_top_row *r,
	 struct fg_count *cum, struct fg_buf *cell)
{
	const struct fg_count *g = x->st->grand;
	bool text = x->o->fmt == FMT_TEXT || x->o->fmt == FMT_MARKDOWN;
	int i = 0;

	if (!x->diff) {
		add_count(&cell[i++], &r->self[0]);
		add_pct(&cell[i++], pct(&r->self[0], &g[0]), false, text);
		if (cum != NULL) {
			fg_count_add(cum, &r->self[0]);
			add_pct(&cell[i++], pct(cum, &g[0]), false, text);
		}
		add_count(&cell[i++], &r->total[0]);
		add_pct(&cell[i++], pct(&r->total[0], &g[0]), false, text);
	} else {
		add_count(&cell[i++], &r->self[0]);
		add_count(&cell[i++], &r->self[1]);
		add_delta(&cell[i++], &r->self[0], &r->self[1]);
		add_rel(&cell[i++], &r->self[0], &r->self[1], text);
		add_count(&cell[i++], &r->total[0]);
		add_count(&cell[i++], &r->total[1]);
		add_delta(&cell[i++], &r->total[0], &r->total[1]);
		add_rel(&cell[i++], &r->total[0], &r->total[1], text);
	}
	fg_buf_addf(&cell[i++], "%llu", (unsigned long long)r->stacks);
	if (x->diff)
		fg_buf_adds(&cell[i++], status_of(r));
	fg_buf_add(&cell[i], r->name, r->len);
}

/* "N stack" or "N stacks" */
static void
put_n(FILE *out, unsigned long long n, const char *what)
{
	fprintf(out, "%llu %s%s", n, what, n == 1 ? "" : "s");
}

/* "label: C in N stacks" with before/after counts for two columns. */
static void
put_part(const struct ctx *x, const char *label, const struct fg_count *c,
	 uint64_t nstacks)
{
	char a[FG_COUNT_BUFSZ], b[FG_COUNT_BUFSZ];

	fg_count_format(&c[0], a);
	if (x->diff) {
		fg_count_format(&c[1], b);
		fprintf(x->out, "%s: before %s, after %s, in ", label, a, b);
	} else {
		fprintf(x->out, "%s: %s in ", label, a);
	}
	put_n(x->out, nstacks, "stack");
	putc('\n', x->out);
}

/* The lines above a text table: totals, what filters removed. */
static void
print_header(const struct ctx *x, size_t shown)
{
	const struct fg_top_stats *st = x->st;

	put_part(x, "total", st->grand, st->stacks_kept);
	put_n(x->out, fg_top_count(x->top), fg_top_by_name(x->o->by));
	if (shown != SIZE_MAX)
		fprintf(x->out, ", %zu shown", shown);
	fprintf(x->out, ", sorted by %s\n", sort_names[x->sort]);
	if (x->removed.stacks > 0)
		put_part(x, "filtered out", x->removed.count, x->removed.stacks);
	putc('\n', x->out);
}

static json_t *
json_row(const struct ctx *x, const struct fg_top_row *r)
{
	const struct fg_count *g = x->st->grand;
	json_t *o = json_object();
	double p;

	jset(o, "name", json_name(r->name, r->len));
	if (!x->diff) {
		jset(o, "self", json_count(&r->self[0]));
		jset(o, "self_pct", json_pct(pct(&r->self[0], &g[0])));
		jset(o, "total", json_count(&r->total[0]));
		jset(o, "total_pct", json_pct(pct(&r->total[0], &g[0])));
	} else {
		const char *s = status_of(r);

		jset(o, "status", json_string(*s ? s : "present"));
		jset(o, "self_before", json_count(&r->self[0]));
		jset(o, "self_after", json_count(&r->self[1]));
		jset(o, "self_delta", json_delta(&r->self[0], &r->self[1]));
		jset(o, "self_rel_pct", rel_change(&r->self[0], &r->self[1], &p) ?
					json_pct(p) : json_null());
		jset(o, "total_before", json_count(&r->total[0]));
		jset(o, "total_after", json_count(&r->total[1]));
		jset(o, "total_delta", json_delta(&r->total[0], &r->total[1]));
		jset(o, "total_rel_pct",
		     rel_change(&r->total[0], &r->total[1], &p) ?
		     json_pct(p) : json_null());
	}
	jset(o, "stacks", json_integer((json_int_t)r->stacks));
	return o;
}

static json_t *
json_top(const struct ctx *x)
{
	const struct fg_top_stats *st = x->st;
	json_t *o = json_object();

	jset(o, "schema", json_string("flamekit-topfns/1"));
	jset(o, "by", json_string(fg_top_by_name(x->o->by)));
	jset(o, "sort", json_string(sort_names[x->sort]));
	jset(o, "differential", json_boolean(x->diff));
	if (!x->diff) {
		jset(o, "total", json_count(&st->grand[0]));
		jset(o, "filtered_out", json_count(&x->removed.count[0]));
	} else {
		jset(o, "total_before", json_count(&st->grand[0]));
		jset(o, "total_after", json_count(&st->grand[1]));
		jset(o, "filtered_out_before",
		     json_count(&x->removed.count[0]));
		jset(o, "filtered_out_after",
		     json_count(&x->removed.count[1]));
	}
	jset(o, "stacks", json_integer((json_int_t)st->stacks_kept));
	jset(o, "stacks_filtered_out",
	     json_integer((json_int_t)x->removed.stacks));
	jset(o, "functions", json_integer((json_int_t)fg_top_count(x->top)));
	return o;
}

static void
json_print(json_t *o, FILE *out)
{
	if (json_dumpf(o, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
			       JSON_REAL_PRECISION(15)) != 0)
		tool_die(TOOL_EXIT_FAIL, "write error on the output");
	putc('\n', out);
	json_decref(o);
}

static void
print_summary(struct ctx *x)
{
	uint32_t *order = fg_top_sorted(x->top, x->sort);
	size_t n = select_rows(x, order), i;
	const char *const *nums;
	struct fg_count cum = FG_COUNT_ZERO;
	struct table t = TABLE_INIT;
	const char *hd[16];

	if (x->o->fmt == FMT_JSON) {
		json_t *o = json_top(x), *rows = json_array();

		for (i = 0; i < n; i++)
			jappend(rows, json_row(x, fg_top_row(x->top, order[i])));
		jset(o, "rows", rows);
		json_print(o, x->out);
		free(order);
		return;
	}
	if (x->o->fmt == FMT_CSV || x->o->fmt == FMT_TSV)
		nums = x->diff ? head_two_csv : head_one_csv;
	else
		nums = x->diff ? head_two : head_one;
	set_head(&t, hd, nums, fg_top_by_name(x->o->by));
	for (i = 0; i < n; i++)
		fill_row(x, fg_top_row(x->top, order[i]), &cum, table_row(&t));
	if (x->o->fmt == FMT_TEXT)
		print_header(x, n);
	table_print(&t, x->o->fmt, "", x->out);
	table_release(&t);
	free(order);
}

/* ---- callers and callees ---- */

/* A function matching --callers or --callees, with the edges shown. */
struct fn_edges {
	const struct fg_top_row *row;
	const struct fg_top_edge *e;
	size_t ne;		/* cut to -n */
};

/*
 * The functions of top that matched, in the --sort order, those below
 * --threshold left out, cut to -n; each with its callers or callees,
 * cut to -n. Returns their number; *out is freed by the caller.
 */
static size_t
matched_edges(const struct ctx *x, struct fg_top *top, bool callers,
	      struct fn_edges **out)
{
	const uint32_t *m;
	size_t nm = fg_top_matched(top, &m), n = fg_top_count(top), i, k = 0;
	uint32_t *order = fg_top_sorted(top, x->sort);
	uint32_t *pos = fg_xreallocarray(NULL, n + 1, sizeof(*pos));
	struct fn_edges *f = fg_xreallocarray(NULL, nm + 1, sizeof(*f));

	for (i = 0; i < n; i++)
		pos[i] = UINT32_MAX;
	for (i = 0; i < nm; i++)
		pos[m[i]] = (uint32_t)i;
	for (i = 0; i < n && !(x->o->rows && k == x->o->rows); i++) {
		size_t mi = pos[order[i]];

		if (mi == UINT32_MAX ||
		    !above_threshold(x, fg_top_row(top, order[i])))
			continue;
		f[k].row = fg_top_row(top, order[i]);
		f[k].e = callers ? fg_top_callers(top, mi, &f[k].ne) :
				   fg_top_callees(top, mi, &f[k].ne);
		if (x->o->rows && f[k].ne > x->o->rows)
			f[k].ne = x->o->rows;
		k++;
	}
	free(pos);
	free(order);
	*out = f;
	return k;
}

/* The edge's counts (and share of the function's total) into cells. */
static int
fill_edge(const struct ctx *x, const struct fg_top_row *r,
	  const struct fg_top_edge *e, struct fg_buf *cell)
{
	bool text = x->o->fmt == FMT_TEXT || x->o->fmt == FMT_MARKDOWN;
	int i = 0;

	if (!x->diff) {
		add_count(&cell[i++], &e->count[0]);
		add_pct(&cell[i++], pct(&e->count[0], &r->total[0]), false,
			text);
	} else {
		add_count(&cell[i++], &e->count[0]);
		add_count(&cell[i++], &e->count[1]);
		add_delta(&cell[i++], &e->count[0], &e->count[1]);
	}
	return i;
}

static const char *const head_edge_one[] = { "count", "share", NULL };
static const char *const head_edge_one_csv[] = { "count", "share_pct",
						 NULL };
static const char *const head_edge_two[] = { "before", "after", "delta",
					     NULL };

/* Text: a block per matched function, its row then its edges. */
static void
print_edges_text(struct ctx *x, struct fg_top *top, bool callers)
{
	struct fn_edges *f;
	size_t n = matched_edges(x, top, callers, &f), i, j;
	const char *hd[16];

	fprintf(x->out, "%s of '%s':\n", callers ? "callers" : "callees",
		callers ? x->o->callers : x->o->callees);
	if (n == 0)
		fprintf(x->out, "  no %s matches\n", fg_top_by_name(x->o->by));
	for (i = 0; i < n; i++) {
		struct table one = TABLE_INIT, t = TABLE_INIT;

		putc('\n', x->out);
		set_head(&one, hd, x->diff ? head_two : head_one_alone,
			 fg_top_by_name(x->o->by));
		fill_row(x, f[i].row, NULL, table_row(&one));
		table_print(&one, FMT_TEXT, "", x->out);
		table_release(&one);
		set_head(&t, hd, x->diff ? head_edge_two : head_edge_one,
			 callers ? "caller" : "callee");
		for (j = 0; j < f[i].ne; j++) {
			struct fg_buf *cell = table_row(&t);
			const struct fg_top_row *o = fg_top_row(top,
								f[i].e[j].row);

			fg_buf_add(&cell[fill_edge(x, f[i].row, &f[i].e[j],
						   cell)],
				   o->name, o->len);
		}
		if (t.nrows > 0)
			table_print(&t, FMT_TEXT, "    ", x->out);
		else
			fprintf(x->out, "    (no %s)\n",
				callers ? "caller: always the root" :
					  "callee: always the leaf");
		table_release(&t);
	}
	free(f);
}

/* CSV, TSV, Markdown: rows of one flat table, relation by relation. */
static void
fill_edges_flat(struct ctx *x, struct fg_top *top, bool callers,
		struct table *t)
{
	struct fn_edges *f;
	size_t n = matched_edges(x, top, callers, &f), i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < f[i].ne; j++) {
			struct fg_buf *cell = table_row(t);
			const struct fg_top_row *o = fg_top_row(top,
								f[i].e[j].row);
			int c = fill_edge(x, f[i].row, &f[i].e[j], cell);

			fg_buf_adds(&cell[c++], callers ? "caller" : "callee");
			fg_buf_add(&cell[c++], f[i].row->name, f[i].row->len);
			fg_buf_add(&cell[c], o->name, o->len);
		}
	}
	free(f);
}

static json_t *
json_edges(const struct ctx *x, struct fg_top *top, bool callers)
{
	json_t *a = json_array();
	struct fn_edges *f;
	size_t n = matched_edges(x, top, callers, &f), i, j;

	for (i = 0; i < n; i++) {
		const struct fg_top_row *r = f[i].row;
		json_t *row = json_row(x, r), *edges = json_array();

		for (j = 0; j < f[i].ne; j++) {
			const struct fg_top_edge *e = &f[i].e[j];
			const struct fg_top_row *o = fg_top_row(top, e->row);
			json_t *je = json_object();

			jset(je, "name", json_name(o->name, o->len));
			if (!x->diff) {
				jset(je, "count", json_count(&e->count[0]));
				jset(je, "share_pct",
				     json_pct(pct(&e->count[0], &r->total[0])));
			} else {
				jset(je, "before", json_count(&e->count[0]));
				jset(je, "after", json_count(&e->count[1]));
				jset(je, "delta", json_delta(&e->count[0],
							     &e->count[1]));
			}
			jappend(edges, je);
		}
		jset(row, callers ? "callers" : "callees", edges);
		jappend(a, row);
	}
	free(f);
	return a;
}

/* tops[0]: --callers (or NULL), tops[1]: --callees (or NULL). */
static void
print_edges(struct ctx *x, struct fg_top *const tops[2])
{
	int k;

	if (x->o->fmt == FMT_JSON) {
		json_t *o = json_top(x);

		for (k = 0; k < 2; k++) {
			if (tops[k] == NULL)
				continue;
			jset(o, k == 0 ? "callers_pattern" : "callees_pattern",
			     json_name(k == 0 ? x->o->callers : x->o->callees,
				       strlen(k == 0 ? x->o->callers :
						       x->o->callees)));
			jset(o, k == 0 ? "callers" : "callees",
			     json_edges(x, tops[k], k == 0));
		}
		json_print(o, x->out);
		return;
	}
	if (x->o->fmt == FMT_TEXT) {
		print_header(x, SIZE_MAX);
		for (k = 0; k < 2; k++) {
			if (tops[k] == NULL)
				continue;
			if (k == 1 && tops[0] != NULL)
				putc('\n', x->out);
			print_edges_text(x, tops[k], k == 0);
		}
		return;
	}
	{
		struct table t = TABLE_INIT;
		const char *nums[8], *hd[16];
		const char *const *e = x->diff ? head_edge_two :
				       x->o->fmt == FMT_MARKDOWN ?
				       head_edge_one : head_edge_one_csv;
		int i = 0;

		while (*e != NULL)
			nums[i++] = *e++;
		nums[i++] = "relation";
		nums[i++] = "function";
		nums[i] = NULL;
		set_head(&t, hd, nums, "other");
		for (k = 0; k < 2; k++)
			if (tops[k] != NULL)
				fill_edges_flat(x, tops[k], k == 0, &t);
		table_print(&t, x->o->fmt, "", x->out);
		table_release(&t);
	}
}

/* ---- main ---- */

static long long
parse_num(const char *s, const char *what)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0)
		tool_usage_error(synopsis, "invalid %s '%s'", what, s);
	return v;
}

static const char *const by_names[] = { "function", "file", "module",
					"frame" };

static struct fg_top *
new_top(const struct opts *o, const char *edges)
{
	struct fg_top *t = fg_top_new(o->by);
	struct fg_diag d = FG_DIAG_INIT;

	if (edges != NULL && fg_top_set_edges(t, edges, &d) < 0)
		tool_usage_error(synopsis, "%s", d.msg);
	return t;
}

static void
run_top(struct fg_top *t, const struct input *in)
{
	struct fg_diag d = FG_DIAG_INIT;

	if (fg_top_run(t, in->s, in->ncols ? in->ncols : 1, &d) < 0)
		tool_die_diag(&d);
}

int
main(int argc, char **argv)
{
	enum { OPT_STRICT = 256, OPT_CALLERS, OPT_CALLEES };
	static const struct option longopts[] = {
		{ "by", required_argument, NULL, 'b' },
		{ "callees", required_argument, NULL, OPT_CALLEES },
		{ "callers", required_argument, NULL, OPT_CALLERS },
		{ "format", required_argument, NULL, 'f' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "rows", required_argument, NULL, 'n' },
		{ "sort", required_argument, NULL, 's' },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "threshold", required_argument, NULL, 't' },
		TOOL_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct opts o = { FG_TOP_BY_FUNCTION, FMT_TEXT, -1, 20, -1.0, NULL,
			  NULL, false, 1 };
	struct fg_filter *filter = NULL;
	const char *output = NULL;
	struct input in = { NULL, NULL, 0, 0 };
	struct fg_top *tops[2] = { NULL, NULL };
	struct ctx x;
	int ch, i;

	tool_init("topfns");
	o.jobs = tool_jobs_online();
	while ((ch = getopt_long(argc, argv, ":b:f:hj:n:o:s:t:V", longopts,
				 NULL)) != -1) {
		switch (ch) {
		case 'b':
			o.by = (enum fg_top_by)tool_choice(synopsis, optarg,
							   by_names, 4,
							   "invalid --by key '%s'");
			break;
		case 'f':
			o.fmt = (enum format)tool_choice(synopsis, optarg,
							 format_names, 5,
							 "invalid format '%s'");
			break;
		case 'h':
			usage();
			tool_output_close();
			return TOOL_EXIT_OK;
		case 'j':
			o.jobs = tool_jobs_parse(synopsis, optarg);
			break;
		case 'n':
			o.rows = (size_t)parse_num(optarg, "number of rows");
			break;
		case 'o':
			output = optarg;
			break;
		case 's':
			o.sort = tool_choice(synopsis, optarg, sort_names, 4,
					     "invalid sort key '%s'");
			break;
		case 't': {
			char *end;

			errno = 0;
			o.threshold = strtod(optarg, &end);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    !(o.threshold >= 0 && o.threshold <= 100))
				tool_usage_error(synopsis,
						 "invalid threshold '%s': a percentage from 0 to 100 is needed",
						 optarg);
			break;
		}
		case OPT_STRICT:
			o.strict = true;
			break;
		case OPT_CALLERS:
			o.callers = optarg;
			break;
		case OPT_CALLEES:
			o.callees = optarg;
			break;
		default:
			tool_other_option(&filter, ch, optarg, synopsis, argv);
		}
	}
	argc -= optind;
	argv += optind;
	tool_stdin_once(synopsis, argc, argv);

	/* Compile every pattern before reading anything. */
	x.top = new_top(&o, NULL);
	if (o.callers != NULL)
		tops[0] = new_top(&o, o.callers);
	if (o.callees != NULL)
		tops[1] = o.callers != NULL &&
			  strcmp(o.callers, o.callees) == 0 ? tops[0] :
			  new_top(&o, o.callees);

	in.syms = fg_symtab_new();
	in.s = fg_stacks_new(in.syms, 2);
	if (argc == 0)
		read_one(NULL, &in, o.strict, o.jobs);
	for (i = 0; i < argc; i++)
		read_one(argv[i], &in, o.strict, o.jobs);

	tool_filter_apply(filter, &in.s, in.ncols, &x.removed);
	x.o = &o;
	x.diff = in.ncols == 2;
	if (o.sort < 0)
		x.sort = x.diff ? FG_TOP_SORT_DELTA : FG_TOP_SORT_SELF;
	else
		x.sort = (enum fg_top_sort)o.sort;
	if (x.sort == FG_TOP_SORT_DELTA && !x.diff)
		tool_usage_error(synopsis,
				 "--sort delta needs differential (two-count) input");
	run_top(x.top, &in);
	for (i = 0; i < 2; i++)
		if (tops[i] != NULL && !(i == 1 && tops[1] == tops[0]))
			run_top(tops[i], &in);
	x.st = fg_top_stats(x.top);

	x.out = tool_output_open(output);
	if (tops[0] != NULL || tops[1] != NULL)
		print_edges(&x, tops);
	else
		print_summary(&x);
	tool_output_close();

	if (tops[1] != tops[0])
		fg_top_free(tops[1]);
	fg_top_free(tops[0]);
	fg_top_free(x.top);
	fg_stacks_free(in.s);
	fg_symtab_free(in.syms);
	fg_filter_free(filter);
	return in.bad ? TOOL_EXIT_FAIL : TOOL_EXIT_OK;
}
