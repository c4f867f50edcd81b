/*
 * top.c - self and total counts per function, pprof's way: a stack adds
 * to the total of each key it contains once, however often the key
 * recurs in it.
 *
 * One pass over the stack table. Each distinct frame id is mapped to its
 * key once (fmap); a stamp per key (the stack's index + 1) tells whether
 * the current stack has already added to that key's total, and a stamp
 * per edge does the same for the callers/callees edges.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>

#include "fg/error.h"
#include "fg/intern.h"
#include "fg/top.h"
#include "internal.h"

#define NO_ID UINT32_MAX

struct edge {
	uint32_t m;		/* the matched row */
	uint32_t other;		/* the caller or callee row */
	uint32_t dir;		/* 0 caller, 1 callee */
	size_t stamp;		/* last stack (+1) that added to it */
	struct fg_count count[FG_STACKS_MAX_COLS];
};

struct edge_list {
	struct fg_top_edge *e;
	size_t n;
};

struct fg_top {
	enum fg_top_by by;
	pcre2_code *edge_re;
	pcre2_match_data *md;
	bool ran;

	struct fg_symtab *keys;
	struct fg_top_row *rows;	/* indexed by key id */
	size_t *stamp;			/* per row */
	uint8_t *rmatch;		/* per row: 0 unknown, 1 no, 2 match */
	size_t nrows, cap;
	struct fg_top_stats st;

	/* edges: an open-addressing hash of (m, other, dir) */
	struct edge *edges;
	size_t nedges, edges_cap;
	uint32_t *slots;		/* edge index + 1; 0 empty */
	size_t nslots;

	uint32_t *matched;		/* rows matching edge_re */
	size_t nmatched;
	struct edge_list *callers, *callees;	/* per matched row */
};

const char *
fg_top_by_name(enum fg_top_by by)
{
	switch (by) {
	case FG_TOP_BY_FUNCTION:
		return "function";
	case FG_TOP_BY_FILE:
		return "file";
	case FG_TOP_BY_MODULE:
		return "module";
	case FG_TOP_BY_FRAME:
		return "frame";
	}
	return "function";
}

/* Finds s[0..n-1] in s, the last occurrence, or NULL. */
static const char *
rfind(const char *s, size_t n, const char *pat, size_t m)
{
	size_t i;

	if (m > n)
		return NULL;
	for (i = n - m + 1; i-- > 0;)
		if (memcmp(s + i, pat, m) == 0)
			return s + i;
	return NULL;
}

static bool
has_prefix(const char *s, size_t n, const char *p)
{
	size_t m = strlen(p);

	return n >= m && memcmp(s, p, m) == 0;
}

/* The length of file:line without a trailing ":DIGITS". */
static size_t
strip_line(const char *s, size_t n)
{
	size_t i = n;

	while (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9')
		i--;
	if (i < n && i > 0 && s[i - 1] == ':')
		return i - 1;
	return n;
}

/* The top-level Python module of a file name, into out. */
static void
module_of(const char *f, size_t n, struct fg_buf *out)
{
	static const char *const roots[] = { "site-packages/",
					     "dist-packages/" };
	const char *p, *slash;
	size_t i;

	if (n > 0 && f[0] == '<') {
		/* <frozen importlib._bootstrap> -> importlib */
		if (has_prefix(f, n, "<frozen ") && f[n - 1] == '>') {
			const char *m = f + 8, *end = f + n - 1;
			const char *dot = memchr(m, '.', (size_t)(end - m));

			fg_buf_add(out, m, (size_t)((dot ? dot : end) - m));
			return;
		}
		fg_buf_add(out, f, n);
		return;
	}
	for (i = 0; i < FG_ARRAY_SIZE(roots); i++) {
		p = rfind(f, n, roots[i], strlen(roots[i]));
		if (p != NULL) {
			p += strlen(roots[i]);
			n -= (size_t)(p - f);
			f = p;
			goto relative;
		}
	}
	/* .../lib/python3.12/json/decoder.py -> json */
	p = rfind(f, n, "/lib/python", 11);
	if (p != NULL) {
		const char *q = p + 11, *end = f + n;

		while (q < end && ((*q >= '0' && *q <= '9') || *q == '.'))
			q++;
		if (q < end && *q == '/' && q > p + 11) {
			n = (size_t)(end - q - 1);
			f = q + 1;
			goto relative;
		}
	}
	if (n > 0 && f[0] == '/') {
		slash = rfind(f, n, "/", 1);
		fg_buf_add(out, f, slash == f ? 1 : (size_t)(slash - f));
		return;
	}
relative:
	slash = memchr(f, '/', n);
	if (slash != NULL) {
		fg_buf_add(out, f, (size_t)(slash - f));
		return;
	}
	if (n > 3 && memcmp(f + n - 3, ".py", 3) == 0)
		n -= 3;
	fg_buf_add(out, f, n);
}

void
fg_top_key(enum fg_top_by by, const char *s, size_t n, struct fg_buf *out)
{
	size_t base = n;
	char ann = 0;
	const char *open;

	fg_buf_reset(out);
	if (by == FG_TOP_BY_FRAME) {
		fg_buf_add(out, s, n);
		return;
	}
	if (n >= 4 && s[n - 4] == '_' && s[n - 3] == '[' && s[n - 1] == ']' &&
	    strchr("kjiw", s[n - 2]) != NULL && s[n - 2] != '\0') {
		ann = s[n - 2];
		base = n - 4;
	}
	/* name (file:line) */
	open = base > 0 && s[base - 1] == ')' ?
		rfind(s, base - 1, " (", 2) : NULL;
	if (open != NULL && open > s && open + 2 < s + base - 1) {
		const char *loc = open + 2;
		size_t loclen = (size_t)(s + base - 1 - loc);
		size_t flen = strip_line(loc, loclen);

		switch (by) {
		case FG_TOP_BY_FUNCTION:
			fg_buf_add(out, s, (size_t)(loc - s) + flen);
			fg_buf_addc(out, ')');
			fg_buf_add(out, s + base, n - base);
			break;
		case FG_TOP_BY_FILE:
			fg_buf_add(out, loc, flen);
			break;
		default:
			module_of(loc, flen, out);
			break;
		}
		return;
	}
	/* py::name:file, perf's CPython trampolines */
	if (has_prefix(s, base, "py::") && by != FG_TOP_BY_FUNCTION) {
		const char *colon = memchr(s + 4, ':', base - 4);

		if (colon != NULL && colon + 1 < s + base) {
			const char *f = colon + 1;
			size_t flen = (size_t)(s + base - f);

			if (by == FG_TOP_BY_FILE)
				fg_buf_add(out, f, flen);
			else
				module_of(f, flen, out);
			return;
		}
	}
	if (by == FG_TOP_BY_FUNCTION) {
		fg_buf_add(out, s, n);
		return;
	}
	if (ann == 'k') {
		fg_buf_adds(out, "[kernel]");
		return;
	}
	if (ann == 'j') {
		fg_buf_adds(out, "[jit]");
		return;
	}
	if (base >= 2 && s[0] == '[' && s[base - 1] == ']') {
		fg_buf_add(out, s, base);
		return;
	}
	fg_buf_add(out, s, n);
}

struct fg_top *
fg_top_new(enum fg_top_by by)
{
	struct fg_top *t = fg_xcalloc(1, sizeof(*t));

	t->by = by;
	t->keys = fg_symtab_new();
	return t;
}

void
fg_top_free(struct fg_top *t)
{
	size_t i;

	if (t == NULL)
		return;
	pcre2_code_free(t->edge_re);
	pcre2_match_data_free(t->md);
	fg_symtab_free(t->keys);
	free(t->rows);
	free(t->stamp);
	free(t->rmatch);
	free(t->edges);
	free(t->slots);
	for (i = 0; i < t->nmatched; i++) {
		free(t->callers[i].e);
		free(t->callees[i].e);
	}
	free(t->callers);
	free(t->callees);
	free(t->matched);
	free(t);
}

static pcre2_code *
compile(const char *pattern, struct fg_diag *d)
{
	pcre2_code *re;
	PCRE2_SIZE off;
	int err;

	re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, 0,
			   &err, &off, NULL);
	if (re == NULL) {
		PCRE2_UCHAR msg[160];

		pcre2_get_error_message(err, msg, sizeof(msg));
		fg_diag_set(d, NULL, 0, (unsigned long)off + 1,
			    "invalid regular expression '%s' at offset %lu: %s",
			    pattern, (unsigned long)off, (const char *)msg);
		return NULL;
	}
	/* valgrind cannot follow JIT code; see rewrite.c */
	if (!RUNNING_ON_VALGRIND)
		(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	return re;
}

static int
ensure_md(struct fg_top *t, struct fg_diag *d)
{
	if (t->md == NULL)
		t->md = pcre2_match_data_create(1, NULL);
	if (t->md == NULL) {
		fg_diag_set(d, NULL, 0, 0, "pcre2: cannot allocate match data");
		return FG_EDEP;
	}
	return FG_OK;
}

int
fg_top_set_edges(struct fg_top *t, const char *pattern, struct fg_diag *d)
{
	pcre2_code *re;

	if (t->ran)
		return FG_EINVAL;
	re = compile(pattern, d);
	if (re == NULL)
		return FG_EINVAL;
	pcre2_code_free(t->edge_re);
	t->edge_re = re;
	return ensure_md(t, d);
}

/* 1 if re matches s[0..n-1], 0 if not, FG_EDEP on a pcre2 failure. */
static int
match(struct fg_top *t, pcre2_code *re, const char *s, size_t n,
      struct fg_diag *d)
{
	int rc = pcre2_match(re, (PCRE2_SPTR)(n ? s : ""), n, 0, 0, t->md,
			     NULL);

	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	{
		PCRE2_UCHAR msg[160];

		pcre2_get_error_message(rc, msg, sizeof(msg));
		fg_diag_set(d, NULL, 0, 0, "pcre2 match failed: %s",
			    (const char *)msg);
	}
	return FG_EDEP;
}

/* The row of the key of frame id; memoised in fmap. */
static uint32_t
row_of(struct fg_top *t, const struct fg_symtab *syms, uint32_t *fmap,
       uint32_t id, struct fg_buf *scratch)
{
	const char *s;
	size_t len;
	uint32_t k;

	if (fmap[id] != NO_ID)
		return fmap[id];
	s = fg_symtab_str(syms, id, &len);
	fg_top_key(t->by, s, len, scratch);
	k = fg_intern(t->keys, scratch->buf, scratch->len);
	if (k >= t->nrows) {
		if (k >= t->cap) {
			size_t cap = t->cap ? t->cap * 2 : 256;

			t->rows = fg_xreallocarray(t->rows, cap,
						   sizeof(*t->rows));
			t->stamp = fg_xreallocarray(t->stamp, cap,
						    sizeof(*t->stamp));
			t->rmatch = fg_xreallocarray(t->rmatch, cap, 1);
			t->cap = cap;
		}
		memset(&t->rows[k], 0, sizeof(t->rows[k]));
		t->rows[k].name = fg_symtab_str(t->keys, k, &t->rows[k].len);
		t->stamp[k] = 0;
		t->rmatch[k] = 0;
		t->nrows = k + 1;
	}
	fmap[id] = k;
	return k;
}

static int
add_counts(struct fg_count *acc, const struct fg_count *c, unsigned ncols)
{
	unsigned i;

	for (i = 0; i < ncols; i++)
		if (fg_count_add(&acc[i], &c[i]) < 0)
			return FG_ERANGE;
	return FG_OK;
}

static size_t
edge_hash(uint32_t m, uint32_t other, uint32_t dir)
{
	return (size_t)fg_mix64((uint64_t)m << 32 ^ other ^
				(uint64_t)dir << 63);
}

/* The edge (m, other, dir), added with zero counts if new. */
static struct edge *
edge_get(struct fg_top *t, uint32_t m, uint32_t other, uint32_t dir)
{
	size_t i, mask;

	if (2 * (t->nedges + 1) > t->nslots) {
		size_t ns = t->nslots ? t->nslots * 2 : 64, e;

		free(t->slots);
		t->slots = fg_xcalloc(ns, sizeof(*t->slots));
		t->nslots = ns;
		for (e = 0; e < t->nedges; e++) {
			struct edge *x = &t->edges[e];

			i = edge_hash(x->m, x->other, x->dir) & (ns - 1);
			while (t->slots[i])
				i = (i + 1) & (ns - 1);
			t->slots[i] = (uint32_t)e + 1;
		}
	}
	mask = t->nslots - 1;
	i = edge_hash(m, other, dir) & mask;
	while (t->slots[i]) {
		struct edge *x = &t->edges[t->slots[i] - 1];

		if (x->m == m && x->other == other && x->dir == dir)
			return x;
		i = (i + 1) & mask;
	}
	if (t->nedges == t->edges_cap) {
		t->edges_cap = t->edges_cap ? t->edges_cap * 2 : 64;
		t->edges = fg_xreallocarray(t->edges, t->edges_cap,
					    sizeof(*t->edges));
	}
	t->edges[t->nedges] = (struct edge){ m, other, dir, 0, { FG_COUNT_ZERO,
						       FG_COUNT_ZERO } };
	t->slots[i] = (uint32_t)++t->nedges;
	return &t->edges[t->nedges - 1];
}

static int
row_matches(struct fg_top *t, uint32_t r, struct fg_diag *d)
{
	int rc;

	if (t->rmatch[r])
		return t->rmatch[r] == 2;
	rc = match(t, t->edge_re, t->rows[r].name, t->rows[r].len, d);
	if (rc < 0)
		return rc;
	t->rmatch[r] = rc ? 2 : 1;
	return rc;
}

static int
add_edges(struct fg_top *t, const uint32_t *keys, size_t n, size_t stamp,
	  const struct fg_count *c, unsigned ncols, struct fg_diag *d)
{
	size_t j;
	int rc;

	for (j = 0; j < n; j++) {
		rc = row_matches(t, keys[j], d);
		if (rc <= 0) {
			if (rc < 0)
				return rc;
			continue;
		}
		if (j > 0) {
			struct edge *e = edge_get(t, keys[j], keys[j - 1], 0);

			if (e->stamp != stamp) {
				e->stamp = stamp;
				if (add_counts(e->count, c, ncols) < 0)
					return FG_ERANGE;
			}
		}
		if (j + 1 < n) {
			struct edge *e = edge_get(t, keys[j], keys[j + 1], 1);

			if (e->stamp != stamp) {
				e->stamp = stamp;
				if (add_counts(e->count, c, ncols) < 0)
					return FG_ERANGE;
			}
		}
	}
	return FG_OK;
}

static int
name_cmp(const struct fg_top_row *a, const struct fg_top_row *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->name, b->name, n);

	if (c != 0)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

struct sortent {
	uint32_t idx;
	const struct fg_top_row *row;
	struct fg_count k1, k2;
};

static int
sortent_cmp(const void *pa, const void *pb)
{
	const struct sortent *a = pa, *b = pb;
	int c = fg_count_cmp(&b->k1, &a->k1);

	if (c == 0)
		c = fg_count_cmp(&b->k2, &a->k2);
	if (c == 0)
		c = name_cmp(a->row, b->row);
	return c;
}

/* Groups the edges by matched row and direction, each list sorted. */
static void
collect_edges(struct fg_top *t, unsigned ncols)
{
	uint32_t *pos;
	struct sortent *tmp;
	size_t i, m;
	uint32_t r;

	t->nmatched = 0;
	t->matched = fg_xreallocarray(NULL, t->nrows ? t->nrows : 1,
				      sizeof(*t->matched));
	pos = fg_xreallocarray(NULL, t->nrows ? t->nrows : 1, sizeof(*pos));
	for (r = 0; r < t->nrows; r++) {
		pos[r] = NO_ID;
		/* every key was tested when its stack was summarised */
		if (t->rmatch[r] == 2) {
			pos[r] = (uint32_t)t->nmatched;
			t->matched[t->nmatched++] = r;
		}
	}
	t->callers = fg_xcalloc(t->nmatched ? t->nmatched : 1,
				sizeof(*t->callers));
	t->callees = fg_xcalloc(t->nmatched ? t->nmatched : 1,
				sizeof(*t->callees));
	for (i = 0; i < t->nedges; i++) {
		struct edge *e = &t->edges[i];
		struct edge_list *l = e->dir ? &t->callees[pos[e->m]] :
					       &t->callers[pos[e->m]];

		l->e = fg_xreallocarray(l->e, l->n + 1, sizeof(*l->e));
		l->e[l->n].row = e->other;
		memcpy(l->e[l->n].count, e->count, sizeof(e->count));
		l->n++;
	}
	for (m = 0; m < 2 * t->nmatched; m++) {
		struct edge_list *l = m % 2 ? &t->callees[m / 2] :
					      &t->callers[m / 2];
		struct fg_top_edge *copy;

		if (l->n < 2)
			continue;
		tmp = fg_xreallocarray(NULL, l->n, sizeof(*tmp));
		for (i = 0; i < l->n; i++) {
			tmp[i].idx = (uint32_t)i;
			tmp[i].row = &t->rows[l->e[i].row];
			tmp[i].k1 = l->e[i].count[ncols - 1];
			tmp[i].k2 = l->e[i].count[0];
		}
		qsort(tmp, l->n, sizeof(*tmp), sortent_cmp);
		copy = fg_xreallocarray(NULL, l->n, sizeof(*copy));
		for (i = 0; i < l->n; i++)
			copy[i] = l->e[tmp[i].idx];
		free(l->e);
		l->e = copy;
		free(tmp);
	}
	free(pos);
}

int
fg_top_run(struct fg_top *t, const struct fg_stacks *s, unsigned ncols,
	   struct fg_diag *d)
{
	const struct fg_symtab *syms = fg_stacks_symtab(s);
	size_t nframes = fg_symtab_count(syms), nst = fg_stacks_count(s);
	size_t i, j, cap = 0;
	uint32_t *fmap, *work = NULL, *keys = NULL;
	struct fg_buf scratch = FG_BUF_INIT;
	int rc = FG_OK;

	if (ncols == 0)
		ncols = fg_stacks_ncols(s);
	if (t->ran || ncols > fg_stacks_ncols(s) || ncols > FG_STACKS_MAX_COLS)
		return FG_EINVAL;
	t->ran = true;
	memset(&t->st, 0, sizeof(t->st));
	t->st.ncols = ncols;
	t->st.stacks_in = nst;
	fmap = fg_xreallocarray(NULL, nframes ? nframes : 1, sizeof(*fmap));
	for (i = 0; i < nframes; i++)
		fmap[i] = NO_ID;

	for (i = 0; i < nst; i++) {
		const struct fg_count *c = fg_stacks_counts(s, i);
		const uint32_t *frames;
		size_t n;
		uint32_t leaf;

		frames = fg_stacks_frames(s, i, &n);
		if (n > cap) {
			cap = n * 2;
			work = fg_xreallocarray(work, cap, sizeof(*work));
			keys = fg_xreallocarray(keys, cap, sizeof(*keys));
		}
		if (n == 0)	/* no frame to summarise (never from folded text) */
			continue;
		/*
		 * Every sum below is at most the grand total, so once that
		 * fits, they do too; they are checked all the same.
		 */
		rc = add_counts(t->st.grand, c, ncols);
		if (rc < 0)
			goto overflow;
		t->st.stacks_kept++;
		for (j = 0; j < n; j++) {
			uint32_t k = row_of(t, syms, fmap, frames[j], &scratch);

			keys[j] = k;
			if (t->stamp[k] != i + 1) {
				t->stamp[k] = i + 1;
				t->rows[k].stacks++;
				rc = add_counts(t->rows[k].total, c, ncols);
				if (rc < 0)
					goto overflow;
			}
		}
		leaf = keys[n - 1];
		rc = add_counts(t->rows[leaf].self, c, ncols);
		if (rc < 0)
			goto overflow;
		if (t->edge_re != NULL) {
			rc = add_edges(t, keys, n, i + 1, c, ncols, d);
			if (rc == FG_ERANGE)
				goto overflow;
			if (rc < 0)
				goto out;
		}
	}
	if (t->edge_re != NULL)
		collect_edges(t, ncols);
	rc = FG_OK;
	goto out;
overflow:
	fg_diag_set(d, NULL, 0, 0,
		    "a sum of counts exceeds 18446744073709551615");
	rc = FG_ERANGE;
out:
	fg_buf_release(&scratch);
	free(fmap);
	free(work);
	free(keys);
	return rc;
}

const struct fg_top_stats *
fg_top_stats(const struct fg_top *t)
{
	return &t->st;
}

size_t
fg_top_count(const struct fg_top *t)
{
	return t->nrows;
}

const struct fg_top_row *
fg_top_row(const struct fg_top *t, size_t i)
{
	return &t->rows[i];
}

static void
count_sub(const struct fg_count *x, const struct fg_count *y,
	  struct fg_count *out)
{
	out->n = x->n - y->n;
	if (x->frac >= y->frac) {
		out->frac = x->frac - y->frac;
	} else {
		out->frac = x->frac + (FG_COUNT_FRAC_ONE - y->frac);
		out->n--;
	}
}

int
fg_top_delta(const struct fg_count *a, const struct fg_count *b,
	     struct fg_count *mag)
{
	int c = fg_count_cmp(b, a);

	if (c >= 0)
		count_sub(b, a, mag);
	else
		count_sub(a, b, mag);
	return c < 0 ? -1 : c > 0;
}

uint32_t *
fg_top_sorted(const struct fg_top *t, enum fg_top_sort by)
{
	unsigned last = t->st.ncols ? t->st.ncols - 1 : 0;
	struct sortent *e;
	uint32_t *order;
	size_t i, n = t->nrows;

	if (by == FG_TOP_SORT_DELTA && t->st.ncols < 2)
		by = FG_TOP_SORT_SELF;
	e = fg_xreallocarray(NULL, n ? n : 1, sizeof(*e));
	for (i = 0; i < n; i++) {
		const struct fg_top_row *r = &t->rows[i];
		struct fg_count zero = FG_COUNT_ZERO;

		e[i].idx = (uint32_t)i;
		e[i].row = r;
		switch (by) {
		case FG_TOP_SORT_SELF:
			e[i].k1 = r->self[last];
			e[i].k2 = r->total[last];
			break;
		case FG_TOP_SORT_TOTAL:
			e[i].k1 = r->total[last];
			e[i].k2 = r->self[last];
			break;
		case FG_TOP_SORT_NAME:
			e[i].k1 = e[i].k2 = zero;
			break;
		case FG_TOP_SORT_DELTA:
			fg_top_delta(&r->self[0], &r->self[1], &e[i].k1);
			fg_top_delta(&r->total[0], &r->total[1], &e[i].k2);
			break;
		}
	}
	qsort(e, n, sizeof(*e), sortent_cmp);
	order = fg_xreallocarray(NULL, n ? n : 1, sizeof(*order));
	for (i = 0; i < n; i++)
		order[i] = e[i].idx;
	free(e);
	return order;
}

size_t
fg_top_matched(const struct fg_top *t, const uint32_t **rows)
{
	*rows = t->matched;
	return t->nmatched;
}

const struct fg_top_edge *
fg_top_callers(const struct fg_top *t, size_t m, size_t *n)
{
	if (m >= t->nmatched) {
		*n = 0;
		return NULL;
	}
	*n = t->callers[m].n;
	return t->callers[m].e;
}

const struct fg_top_edge *
fg_top_callees(const struct fg_top *t, size_t m, size_t *n)
{
	if (m >= t->nmatched) {
		*n = 0;
		return NULL;
	}
	*n = t->callees[m].n;
	return t->callees[m].e;
}
