/*
 * folded.c - reading and writing folded stacks.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fg/error.h"
#include "fg/folded.h"
#include "internal.h"

#define QUOTE_MAX 40

static const struct fg_count zero_count = FG_COUNT_ZERO;

static inline int
blank(char c)
{
	return c == ' ' || c == '\t';
}

static inline int
isdigit_c(char c)
{
	return c >= '0' && c <= '9';
}

static int
bad_count(struct fg_diag *d, int rc, const char *p, size_t n, size_t col)
{
	char q[QUOTE_MAX * 4 + 16] = "";

	fg_diag_quote(q, sizeof(q), p, n, QUOTE_MAX);
	if (rc == FG_ERANGE)
		fg_diag_set(d, NULL, 0, col,
			    "count %s out of range (at most 18446744073709551615 and 18 decimal places)",
			    q);
	else
		fg_diag_set(d, NULL, 0, col, "invalid count %s", q);
	return rc;
}

int
fg_folded_parse_line(const char *p, size_t n, struct fg_folded_line *out,
		     struct fg_diag *d)
{
	size_t b = 0, e = n, k, k2;
	struct fg_count c0;
	unsigned d0;
	int rc;

	while (b < e && blank(p[b]))
		b++;
	if (b == e || p[b] == '#')
		return 0;
	/* Blanks after the count are dropped; those in the stack are kept. */
	while (e > b && blank(p[e - 1]))
		e--;
	/*
	 * The count is the last field. Scan back over what a count can be
	 * made of first: that is the whole field on any valid line, so a
	 * long stack is never walked twice.
	 */
	for (k = e; k > b && (isdigit_c(p[k - 1]) || p[k - 1] == '.'); k--)
		;
	if (k > b && !blank(p[k - 1]))
		for (; k > b && !blank(p[k - 1]); k--)
			;
	if (k == b) {
		char q[QUOTE_MAX * 4 + 16] = "";

		fg_diag_quote(q, sizeof(q), p + b, e - b, QUOTE_MAX);
		fg_diag_set(d, NULL, 0, e + 1, "missing count after %s", q);
		return FG_EPARSE;
	}
	rc = fg_count_parse(p + k, e - k, &out->count1, &out->decimals1);
	if (rc < 0)
		return bad_count(d, rc, p + k, e - k, k + 1);
	/*
	 * Exactly one blank separates the stack from its count, as in
	 * FlameGraph's scripts: a frame that ends in a space keeps it.
	 */
	if (k - 1 == 0) {
		fg_diag_set(d, NULL, 0, 1, "empty stack before the count");
		return FG_EPARSE;
	}
	out->stack = p;
	out->len1 = k - 1;
	out->has2 = false;
	for (k2 = k - 1; k2 > 0 && (isdigit_c(p[k2 - 1]) || p[k2 - 1] == '.');
	     k2--)
		;
	if (k2 > 1 && k2 < k - 1 && blank(p[k2 - 1]) &&
	    fg_count_parse(p + k2, k - 1 - k2, &c0, &d0) == FG_OK) {
		out->has2 = true;
		out->len2 = k2 - 1;
		out->count2[0] = c0;
		out->count2[1] = out->count1;
		out->decimals2 = d0 > out->decimals1 ? d0 : out->decimals1;
	}
	return 1;
}

size_t
fg_folded_split(struct fg_symtab *syms, const char *s, size_t n,
		uint32_t **ids, size_t *cap)
{
	const char *end = s + n;
	size_t k = 0;

	for (;;) {
		const char *semi = memchr(s, ';', (size_t)(end - s));
		const char *stop = semi ? semi : end;

		if (k == *cap) {
			*cap = *cap ? *cap * 2 : 64;
			*ids = fg_xreallocarray(*ids, *cap, sizeof(**ids));
		}
		(*ids)[k++] = fg_intern(syms, s, (size_t)(stop - s));
		if (semi == NULL)
			return k;
		s = semi + 1;
	}
}

/* Records a malformed line; returns FG_EPARSE if it is to be fatal. */
static int
skip(struct fg_lines *in, const struct fg_folded_opts *o,
     struct fg_folded_stats *st, struct fg_diag *line_diag,
     struct fg_diag *d)
{
	line_diag->file = fg_lines_name(in);
	line_diag->line = fg_lines_lineno(in);
	if (st->bad++ == 0)
		st->first_bad = *line_diag;
	if (o->strict) {
		if (d != NULL)
			*d = *line_diag;
		return FG_EPARSE;
	}
	return FG_OK;
}

/*
 * The previous stack line, kept so the next one can reuse its frame ids:
 * folded files come sorted, so neighbours share long prefixes, and a
 * frame that lies wholly inside the bytes two lines share (with its ';')
 * is the same frame. Only the rest is split, interned and mapped.
 */
struct prev {
	char *text;
	size_t len, cap;
	uint32_t *ids;		/* the ids as stored (after the map) */
	size_t *ends;		/* ends[j]: offset just past frame j */
	size_t n, idcap;
};

static size_t
common_prefix(const char *a, size_t na, const char *b, size_t nb)
{
	size_t n = na < nb ? na : nb, i = 0;

	while (i + 8 <= n && memcmp(a + i, b + i, 8) == 0)
		i += 8;
	while (i < n && a[i] == b[i])
		i++;
	return i;
}

/*
 * Splits s into frames, reusing the previous line's ids where it can, and
 * leaves the ids in prev->ids[0 .. prev->n) with s as prev's text.
 * Returns FG_OK or what the map returned.
 */
static int
split_reuse(struct fg_symtab *syms, const struct fg_folded_opts *o,
	    struct prev *pv, const char *s, size_t n, struct fg_diag *d)
{
	size_t l = common_prefix(pv->text, pv->len, s, n), k = 0, pos;
	const char *end = s + n;
	int rc;

	while (k < pv->n && pv->ends[k] < l)
		k++;
	pos = k > 0 ? pv->ends[k - 1] + 1 : 0;
	for (;;) {
		const char *p = s + pos;
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *stop = semi ? semi : end;

		if (k == pv->idcap) {
			pv->idcap = pv->idcap ? pv->idcap * 2 : 64;
			pv->ids = fg_xreallocarray(pv->ids, pv->idcap,
						   sizeof(*pv->ids));
			pv->ends = fg_xreallocarray(pv->ends, pv->idcap,
						    sizeof(*pv->ends));
		}
		pv->ids[k] = fg_intern(syms, p, (size_t)(stop - p));
		if (o->map != NULL) {
			rc = o->map(o->map_ctx, pv->ids[k], &pv->ids[k], d);
			if (rc < 0) {
				pv->n = 0;
				pv->len = 0;
				return rc;
			}
		}
		pv->ends[k++] = (size_t)(stop - s);
		if (semi == NULL)
			break;
		pos = (size_t)(semi - s) + 1;
	}
	pv->n = k;
	if (n > pv->cap) {
		pv->cap = n * 2;
		pv->text = fg_xrealloc(pv->text, pv->cap);
	}
	memcpy(pv->text, s, n);
	pv->len = n;
	return FG_OK;
}

int
fg_folded_read(struct fg_lines *in, struct fg_stacks *dst,
	       const struct fg_folded_opts *opts,
	       struct fg_folded_stats *st, struct fg_diag *d)
{
	static const struct fg_folded_opts defaults = FG_FOLDED_OPTS_INIT;
	const struct fg_folded_opts *o = opts ? opts : &defaults;
	struct fg_symtab *syms = fg_stacks_symtab(dst);
	unsigned ncols = fg_stacks_ncols(dst), nc = (unsigned)o->counts, c;
	struct fg_folded_stats local;
	struct fg_diag ld;
	struct prev pv = { NULL, 0, 0, NULL, NULL, 0, 0 };
	struct fg_count *cs;
	size_t idx, slot = 0;
	uint64_t h = 0;
	const char *p;
	size_t n;
	int rc;

	if (st == NULL)
		st = &local;
	memset(st, 0, sizeof(*st));
	if (nc > 2 || (nc != 0 && o->col + nc > ncols) || o->col >= ncols)
		return FG_EINVAL;
	while ((rc = fg_lines_next(in, &p, &n, d)) > 0) {
		struct fg_folded_line fl;
		const struct fg_count *counts;
		size_t len;
		unsigned dec;

		st->lines++;
		fg_diag_clear(&ld);
		rc = fg_folded_parse_line(p, n, &fl, &ld);
		if (rc == 0)
			continue;
		if (rc < 0) {
			if ((rc = skip(in, o, st, &ld, d)) < 0)
				goto out;
			continue;
		}
		if (nc == 0) {
			nc = fl.has2 ? 2 : 1;
			if (nc > o->max_counts) {
				fg_diag_set(d, fg_lines_name(in),
					    fg_lines_lineno(in), 0,
					    "line has two counts (a differential file?); expected one count per line");
				rc = FG_EFORMAT;
				goto out;
			}
			if (o->col + nc > ncols) {
				rc = FG_EINVAL;
				goto out;
			}
			st->ncounts = nc;
		}
		if (nc == 2) {
			if (!fl.has2) {
				fg_diag_set(&ld, NULL, 0, 0,
					    "expected two counts, found one");
				if ((rc = skip(in, o, st, &ld, d)) < 0)
					goto out;
				continue;
			}
			len = fl.len2;
			counts = fl.count2;
			dec = fl.decimals2;
		} else {
			len = fl.len1;
			counts = &fl.count1;
			dec = fl.decimals1;
		}
		st->ncounts = nc;
		/*
		 * A stack seen before is found by its text, without
		 * splitting and interning its frames again. (A frame map
		 * changes the text, so then every line takes the long way.)
		 */
		idx = SIZE_MAX;
		if (o->map == NULL) {
			h = fg_hash_text(fl.stack, len);
			idx = fg_stacks_text_lookup(dst, fl.stack, len, h,
						    &slot);
		}
		if (idx == SIZE_MAX) {
			rc = split_reuse(syms, o, &pv, fl.stack, len, d);
			if (rc < 0) {
				if (d != NULL && d->line == 0) {
					d->file = fg_lines_name(in);
					d->line = fg_lines_lineno(in);
				}
				goto out;
			}
			if (o->map == NULL)
				idx = fg_stacks_insert(dst, pv.ids, pv.n, h,
						       slot, 1);
			else	/* adding 0 to a column in range cannot fail */
				(void)fg_stacks_add(dst, pv.ids, pv.n, o->col,
						    &zero_count, &idx);
		}
		cs = fg_stacks_counts_mut(dst, idx) + o->col;
		for (c = 0; c < nc; c++) {
			rc = fg_count_add(&cs[c], &counts[c]);
			if (rc < 0) {
				fg_diag_set(d, fg_lines_name(in),
					    fg_lines_lineno(in), 0,
					    "the count of this stack overflows 64 bits");
				goto out;
			}
			if (fg_count_add(&st->total[c], &counts[c]) < 0)
				st->total_overflow = true;
		}
		if (dec > st->decimals)
			st->decimals = dec;
		st->stacks++;
	}
out:
	free(pv.text);
	free(pv.ids);
	free(pv.ends);
	return rc < 0 ? rc : FG_OK;
}

/* An output buffer that goes to a FILE in large writes. */
struct out {
	FILE *fp;
	char *buf;
	size_t len, cap;
	int err;
};

static void
out_flush(struct out *o)
{
	if (o->len > 0 && !o->err &&
	    fwrite(o->buf, 1, o->len, o->fp) != o->len)
		o->err = errno ? errno : EIO;
	o->len = 0;
}

static inline void
out_add(struct out *o, const char *s, size_t n)
{
	if (FG_UNLIKELY(o->cap - o->len < n)) {
		out_flush(o);
		if (n > o->cap) {
			if (!o->err && fwrite(s, 1, n, o->fp) != n)
				o->err = errno ? errno : EIO;
			return;
		}
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

int
fg_folded_write(const struct fg_stacks *s, FILE *fp)
{
	uint32_t *order = fg_stacks_sorted(s);
	int rc = fg_folded_write_sorted(s, order, fp);

	free(order);
	return rc;
}

/*
 * Fetches what writing stack idx will read: in sorted order the stacks
 * are scattered over the table, and waiting for each one's frames and
 * counts to arrive from memory would cost more than writing them.
 */
static inline void
prefetch_stack(const struct fg_stacks *s, uint32_t idx)
{
	const struct fg_stack_entry *e = &s->entries[idx];
	uint32_t k;

	for (k = 0; k < e->n; k += 16)
		__builtin_prefetch(e->ids + k);
	__builtin_prefetch(&s->counts[(size_t)idx * s->ncols]);
}

#define WRITE_AHEAD 8

int
fg_folded_write_sorted(const struct fg_stacks *s, const uint32_t *order,
		       FILE *fp)
{
	const struct fg_symtab *syms = s->syms;
	unsigned ncols = s->ncols, c;
	size_t count = s->n, i, j, len;
	struct out o = { fp, NULL, 0, 256 * 1024, 0 };
	char num[FG_COUNT_BUFSZ + 1];

	o.buf = fg_xmalloc(o.cap);
	for (i = 0; i < count && i < WRITE_AHEAD; i++)
		__builtin_prefetch(&s->entries[order[i]]);
	for (i = 0; i < count && !o.err; i++) {
		const struct fg_stack_entry *e = &s->entries[order[i]];
		const struct fg_count *counts =
			&s->counts[(size_t)order[i] * ncols];

		if (i + 2 * WRITE_AHEAD < count)
			__builtin_prefetch(
				&s->entries[order[i + 2 * WRITE_AHEAD]]);
		if (i + WRITE_AHEAD < count)
			prefetch_stack(s, order[i + WRITE_AHEAD]);
		for (j = 0; j < e->n; j++) {
			const char *name = fg_sym_name(syms, e->ids[j], &len);

			if (j > 0)
				out_add(&o, ";", 1);
			out_add(&o, name, len);
		}
		for (c = 0; c < ncols; c++) {
			num[0] = ' ';
			len = fg_count_format(&counts[c], num + 1);
			out_add(&o, num, len + 1);
		}
		out_add(&o, "\n", 1);
	}
	out_flush(&o);
	free(o.buf);
	if (o.err) {
		errno = o.err;
		return FG_EIO;
	}
	return FG_OK;
}
