/*
 * filter.c - the stack transforms of flamekit-filters(7), with pcre2.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>

#include "fg/buf.h"
#include "fg/filter.h"
#include "internal.h"

enum { MEMO_UNKNOWN, MEMO_NO, MEMO_YES };

struct xform {
	enum fg_filter_op op;
	pcre2_code *re;			/* NULL for the transforms without one */
	pcre2_match_data *md;
	char *desc;			/* the option as given, for messages */
	char *repl;			/* rename: the replacement */
	size_t rlen;
	unsigned char *memo;		/* id -> MEMO_*: does the name match */
	uint32_t *map;			/* id -> new id + 1 (0: not yet known) */
	size_t cap;			/* entries of memo or map */
};

struct fg_filter {
	struct fg_symtab *syms;		/* what the memos are for */
	struct xform *x;
	size_t nx;
	uint32_t *cur, *next;		/* the stack being transformed */
	size_t cap;
	uint32_t *pos;			/* collapse-recursion=all: id -> index + 1 */
	size_t pos_cap;
	uint32_t hidden;		/* id of FG_FILTER_HIDDEN_FRAME + 1 */
	struct fg_buf scratch;
};

struct fg_filter *
fg_filter_new(void)
{
	struct fg_filter *f = fg_xcalloc(1, sizeof(*f));

	fg_buf_init(&f->scratch);
	return f;
}

void
fg_filter_free(struct fg_filter *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->nx; i++) {
		pcre2_match_data_free(f->x[i].md);
		pcre2_code_free(f->x[i].re);
		free(f->x[i].desc);
		free(f->x[i].repl);
		free(f->x[i].memo);
		free(f->x[i].map);
	}
	free(f->x);
	free(f->cur);
	free(f->next);
	free(f->pos);
	fg_buf_release(&f->scratch);
	free(f);
}

size_t
fg_filter_count(const struct fg_filter *f)
{
	return f->nx;
}

static const char *
op_name(enum fg_filter_op op)
{
	switch (op) {
	case FG_FILTER_INCLUDE:
		return "--include";
	case FG_FILTER_EXCLUDE:
		return "--exclude";
	case FG_FILTER_FOCUS:
		return "--focus";
	case FG_FILTER_SHOW_FROM:
		return "--show-from";
	case FG_FILTER_HIDE:
		return "--hide";
	case FG_FILTER_PRUNE_BELOW:
		return "--prune-below";
	case FG_FILTER_COLLAPSE_RECURSION:
	case FG_FILTER_COLLAPSE_RECURSION_ALL:
		return "--collapse-recursion";
	case FG_FILTER_SIMPLIFY_TEMPLATES:
		return "--simplify-templates";
	case FG_FILTER_RENAME:
		return "--rename";
	}
	return "a transform";
}

static bool
takes_regex(enum fg_filter_op op)
{
	return op != FG_FILTER_COLLAPSE_RECURSION &&
	       op != FG_FILTER_COLLAPSE_RECURSION_ALL &&
	       op != FG_FILTER_SIMPLIFY_TEMPLATES;
}

static int
compile(struct xform *x, const char *pattern, size_t len, struct fg_diag *d)
{
	PCRE2_SIZE off;
	int err;

	x->re = pcre2_compile((PCRE2_SPTR)pattern, len, 0, &err, &off, NULL);
	if (x->re == NULL) {
		PCRE2_UCHAR msg[160];

		pcre2_get_error_message(err, msg, sizeof(msg));
		fg_diag_set(d, NULL, 0, (unsigned long)off + 1,
			    "%s: invalid regular expression '%.*s' at offset %lu: %s",
			    op_name(x->op), (int)len, pattern,
			    (unsigned long)off, (const char *)msg);
		return FG_EINVAL;
	}
	/* As in rewrite.c: the JIT's code confuses valgrind's memcheck. */
	if (!RUNNING_ON_VALGRIND)
		(void)pcre2_jit_compile(x->re, PCRE2_JIT_COMPLETE);
	x->md = pcre2_match_data_create_from_pattern(x->re, NULL);
	if (x->md == NULL)
		fg_xmalloc(SIZE_MAX);	/* the out-of-memory path */
	return FG_OK;
}

/*
 * Splits "REGEX=REPLACEMENT" at the last '=' not preceded by a backslash
 * and stores the replacement with "\=" turned into "=".
 */
static int
split_rename(struct xform *x, const char *arg, size_t *relen,
	     struct fg_diag *d)
{
	size_t n = strlen(arg), i, eq = SIZE_MAX, o = 0;

	for (i = n; i-- > 0;) {
		if (arg[i] == '=' && (i == 0 || arg[i - 1] != '\\')) {
			eq = i;
			break;
		}
	}
	if (eq == SIZE_MAX || eq == 0) {
		fg_diag_set(d, NULL, 0, 0,
			    "--rename: expected REGEX=REPLACEMENT, got '%s'",
			    arg);
		return FG_EINVAL;
	}
	x->repl = fg_xmalloc(n - eq);
	for (i = eq + 1; i < n; i++) {
		if (arg[i] == '\\' && i + 1 < n && arg[i + 1] == '=')
			i++;
		x->repl[o++] = arg[i];
	}
	x->repl[o] = '\0';
	x->rlen = o;
	*relen = eq;
	return FG_OK;
}

int
fg_filter_add(struct fg_filter *f, enum fg_filter_op op, const char *arg,
	      struct fg_diag *d)
{
	struct xform x;
	size_t len;
	int rc;

	memset(&x, 0, sizeof(x));
	x.op = op;
	if (op > FG_FILTER_RENAME) {
		fg_diag_set(d, NULL, 0, 0, "unknown transform %d", (int)op);
		return FG_EINVAL;
	}
	if (takes_regex(op)) {
		if (arg == NULL) {
			fg_diag_set(d, NULL, 0, 0, "%s needs an argument",
				    op_name(op));
			return FG_EINVAL;
		}
		len = strlen(arg);
		if (op == FG_FILTER_RENAME &&
		    (rc = split_rename(&x, arg, &len, d)) < 0)
			return rc;
		if ((rc = compile(&x, arg, len, d)) < 0) {
			free(x.repl);
			return rc;
		}
	}
	if (op == FG_FILTER_COLLAPSE_RECURSION_ALL)
		arg = "all";
	len = strlen(op_name(op)) + (arg ? strlen(arg) + 1 : 0) + 1;
	x.desc = fg_xmalloc(len);
	snprintf(x.desc, len, "%s%s%s", op_name(op), arg ? "=" : "",
		 arg ? arg : "");
	f->x = fg_xreallocarray(f->x, f->nx + 1, sizeof(*f->x));
	f->x[f->nx++] = x;
	return FG_OK;
}

const char *
fg_filter_describe(const struct fg_filter *f, size_t i)
{
	return i < f->nx ? f->x[i].desc : "";
}

/* Forgets what was remembered about another symtab's ids. */
static void
bind(struct fg_filter *f, struct fg_symtab *syms)
{
	size_t i;

	if (f->syms == syms)
		return;
	for (i = 0; i < f->nx; i++) {
		free(f->x[i].memo);
		free(f->x[i].map);
		f->x[i].memo = NULL;
		f->x[i].map = NULL;
		f->x[i].cap = 0;
	}
	free(f->pos);
	f->pos = NULL;
	f->pos_cap = 0;
	f->hidden = 0;
	f->syms = syms;
}

/* Makes x's memo or map cover every id of the symtab. */
static void
cover(struct fg_filter *f, struct xform *x)
{
	size_t n = fg_symtab_count(f->syms), cap = x->cap;

	if (n <= cap)
		return;
	cap = cap ? cap : 256;
	while (cap < n)
		cap *= 2;
	if (x->op == FG_FILTER_RENAME || x->op == FG_FILTER_SIMPLIFY_TEMPLATES) {
		x->map = fg_xreallocarray(x->map, cap, sizeof(*x->map));
		memset(x->map + x->cap, 0, (cap - x->cap) * sizeof(*x->map));
	} else {
		x->memo = fg_xrealloc(x->memo, cap);
		memset(x->memo + x->cap, MEMO_UNKNOWN, cap - x->cap);
	}
	x->cap = cap;
}

/* 1 if the name of id matches x's pattern, 0 if not, FG_EDEP. */
static int
matches(struct fg_filter *f, struct xform *x, uint32_t id, struct fg_diag *d)
{
	const char *s;
	size_t len;
	int rc;

	cover(f, x);
	if (x->memo[id] != MEMO_UNKNOWN)
		return x->memo[id] == MEMO_YES;
	s = fg_symtab_str(f->syms, id, &len);
	rc = pcre2_match(x->re, (PCRE2_SPTR)s, len, 0, 0, x->md, NULL);
	if (rc < 0 && rc != PCRE2_ERROR_NOMATCH) {
		PCRE2_UCHAR msg[160];

		pcre2_get_error_message(rc, msg, sizeof(msg));
		fg_diag_set(d, NULL, 0, 0, "%s: matching '%s' failed: %s",
			    op_name(x->op), s, (const char *)msg);
		return FG_EDEP;
	}
	x->memo[id] = rc >= 0 ? MEMO_YES : MEMO_NO;
	return rc >= 0;
}

/* The index of the first frame of cur that matches, n if none, or <0. */
static long
first_match(struct fg_filter *f, struct xform *x, size_t n, struct fg_diag *d)
{
	size_t i;
	int m;

	for (i = 0; i < n; i++) {
		if ((m = matches(f, x, f->cur[i], d)) < 0)
			return m;
		if (m)
			return (long)i;
	}
	return (long)n;
}

static bool
ident_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == ':';
}

static bool
hex_digit(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

size_t
fg_filter_simplify_name(const char *s, size_t n, char *out)
{
	size_t i = 0, o = 0;

	while (i < n) {
		size_t j, depth;

		/*
		 * A '<' opens template arguments only right after a name
		 * (vector<int>, collect::<T>), not in Python's <module> or
		 * <lambda>, nor in operator<, operator<< and operator<=>.
		 */
		if (s[i] != '<' || i == 0 ||
		    !ident_byte((unsigned char)s[i - 1]) ||
		    (i >= 8 && memcmp(s + i - 8, "operator", 8) == 0)) {
			out[o++] = s[i++];
			continue;
		}
		depth = 0;
		for (j = i; j < n; j++) {
			if (s[j] == '<')
				depth++;
			else if (s[j] == '>' && s[j - 1] != '-' && --depth == 0)
				break;
		}
		if (j == n) {		/* unbalanced: leave the rest alone */
			memcpy(out + o, s + i, n - i);
			return o + n - i;
		}
		out[o++] = '<';
		out[o++] = '>';
		i = j + 1;
	}
	/* Rust's legacy mangling ends a path with ::h and 16 hex digits. */
	if (o >= 19 && memcmp(out + o - 19, "::h", 3) == 0) {
		for (i = o - 16; i < o && hex_digit((unsigned char)out[i]); i++)
			;
		if (i == o)
			o -= 19;
	}
	return o;
}

/* The new id of id under a renaming transform (rename, simplify). */
static int
mapped(struct fg_filter *f, struct xform *x, uint32_t id, uint32_t *out,
       struct fg_diag *d)
{
	const char *s;
	size_t len;

	cover(f, x);
	if (x->map[id] != 0) {
		*out = x->map[id] - 1;
		return FG_OK;
	}
	s = fg_symtab_str(f->syms, id, &len);
	fg_buf_reset(&f->scratch);
	if (x->op == FG_FILTER_SIMPLIFY_TEMPLATES) {
		fg_buf_grow(&f->scratch, len);
		f->scratch.len = fg_filter_simplify_name(s, len,
							 f->scratch.buf);
	} else {
		PCRE2_SIZE outlen;
		int rc;

		fg_buf_grow(&f->scratch, len + x->rlen + 64);
		for (;;) {
			outlen = f->scratch.alloc;
			rc = pcre2_substitute(x->re, (PCRE2_SPTR)s, len, 0,
					      PCRE2_SUBSTITUTE_GLOBAL |
					      PCRE2_SUBSTITUTE_OVERFLOW_LENGTH,
					      x->md, NULL, (PCRE2_SPTR)x->repl,
					      x->rlen,
					      (PCRE2_UCHAR *)f->scratch.buf,
					      &outlen);
			if (rc != PCRE2_ERROR_NOMEMORY)
				break;
			fg_buf_grow(&f->scratch, outlen + 1);
		}
		if (rc < 0) {
			PCRE2_UCHAR msg[160];

			pcre2_get_error_message(rc, msg, sizeof(msg));
			fg_diag_set(d, NULL, 0, 0,
				    "--rename: substitution in '%s' failed: %s",
				    s, (const char *)msg);
			return FG_EDEP;
		}
		f->scratch.len = outlen;
	}
	*out = fg_intern(f->syms, f->scratch.buf, f->scratch.len);
	/* interning may have added ids: cover them before storing */
	cover(f, x);
	x->map[id] = *out + 1;
	return FG_OK;
}

static void
reserve(struct fg_filter *f, size_t n)
{
	size_t cap = f->cap ? f->cap : 64;

	if (n <= f->cap)
		return;
	while (cap < n)
		cap *= 2;
	f->cur = fg_xreallocarray(f->cur, cap, sizeof(*f->cur));
	f->next = fg_xreallocarray(f->next, cap, sizeof(*f->next));
	f->cap = cap;
}

/* show-from: the frames cur[0 .. k-1] become one frame, then cur[k ..]. */
static size_t
join_above(struct fg_filter *f, size_t k, size_t n)
{
	size_t i, len;
	const char *s;

	if (k == 0)
		return n;
	fg_buf_reset(&f->scratch);
	for (i = 0; i < k; i++) {
		if (i > 0)
			fg_buf_adds(&f->scratch, FG_FILTER_JOIN);
		s = fg_symtab_str(f->syms, f->cur[i], &len);
		fg_buf_add(&f->scratch, s, len);
	}
	f->cur[0] = fg_intern(f->syms, f->scratch.buf, f->scratch.len);
	memmove(f->cur + 1, f->cur + k, (n - k) * sizeof(*f->cur));
	return n - k + 1;
}

/* collapse-recursion=all, on cur[0 .. n-1]; returns the new length. */
static size_t
collapse_all(struct fg_filter *f, size_t n)
{
	size_t need = fg_symtab_count(f->syms), i, o = 0, k;

	if (need > f->pos_cap) {
		f->pos = fg_xreallocarray(f->pos, need, sizeof(*f->pos));
		memset(f->pos + f->pos_cap, 0,
		       (need - f->pos_cap) * sizeof(*f->pos));
		f->pos_cap = need;
	}
	for (i = 0; i < n; i++) {
		uint32_t id = f->cur[i];

		if (f->pos[id] != 0) {
			/* back to the first occurrence: drop what followed */
			for (k = f->pos[id]; k < o; k++)
				f->pos[f->cur[k]] = 0;
			o = f->pos[id];
			continue;
		}
		f->cur[o++] = id;
		f->pos[id] = (uint32_t)o;
	}
	for (k = 0; k < o; k++)
		f->pos[f->cur[k]] = 0;
	return o;
}

/* Runs transform x on cur[0 .. *n-1]: 1 kept, 0 dropped, or <0. */
static int
run(struct fg_filter *f, struct xform *x, size_t *n, struct fg_diag *d)
{
	size_t i, o;
	long k;
	int m, rc;
	uint32_t *t;

	switch (x->op) {
	case FG_FILTER_INCLUDE:
	case FG_FILTER_EXCLUDE:
		if ((k = first_match(f, x, *n, d)) < 0)
			return (int)k;
		return ((size_t)k < *n) == (x->op == FG_FILTER_INCLUDE);
	case FG_FILTER_FOCUS:
	case FG_FILTER_SHOW_FROM:
		if ((k = first_match(f, x, *n, d)) < 0)
			return (int)k;
		if ((size_t)k == *n)
			return 0;
		if (x->op == FG_FILTER_SHOW_FROM) {
			*n = join_above(f, (size_t)k, *n);
		} else {
			memmove(f->cur, f->cur + k,
				(*n - (size_t)k) * sizeof(*f->cur));
			*n -= (size_t)k;
		}
		return 1;
	case FG_FILTER_PRUNE_BELOW:
		if ((k = first_match(f, x, *n, d)) < 0)
			return (int)k;
		if ((size_t)k < *n)
			*n = (size_t)k + 1;
		return 1;
	case FG_FILTER_HIDE:
		for (i = o = 0; i < *n; i++) {
			if ((m = matches(f, x, f->cur[i], d)) < 0)
				return m;
			if (!m)
				f->cur[o++] = f->cur[i];
		}
		if (o == 0 && *n > 0) {
			if (f->hidden == 0)
				f->hidden = fg_intern(f->syms,
						      FG_FILTER_HIDDEN_FRAME,
						      strlen(FG_FILTER_HIDDEN_FRAME)) + 1;
			f->cur[o++] = f->hidden - 1;
		}
		*n = o;
		return 1;
	case FG_FILTER_COLLAPSE_RECURSION:
		for (i = o = 0; i < *n; i++)
			if (o == 0 || f->cur[o - 1] != f->cur[i])
				f->cur[o++] = f->cur[i];
		*n = o;
		return 1;
	case FG_FILTER_COLLAPSE_RECURSION_ALL:
		*n = collapse_all(f, *n);
		return 1;
	case FG_FILTER_SIMPLIFY_TEMPLATES:
	case FG_FILTER_RENAME:
		for (i = 0; i < *n; i++) {
			if ((rc = mapped(f, x, f->cur[i], &f->next[i], d)) < 0)
				return rc;
		}
		t = f->cur;
		f->cur = f->next;
		f->next = t;
		return 1;
	}
	return 1;
}

int
fg_filter_stack(struct fg_filter *f, struct fg_symtab *syms,
		const uint32_t *ids, size_t n, const uint32_t **out,
		size_t *out_n, size_t *dropped_by, struct fg_diag *d)
{
	size_t i;
	int rc;

	bind(f, syms);
	reserve(f, n + 1);
	if (n > 0)
		memcpy(f->cur, ids, n * sizeof(*ids));
	for (i = 0; i < f->nx; i++) {
		rc = run(f, &f->x[i], &n, d);
		if (rc <= 0) {
			if (rc == 0 && dropped_by != NULL)
				*dropped_by = i;
			return rc;
		}
	}
	*out = f->cur;
	*out_n = n;
	return 1;
}

int
fg_filter_table(struct fg_filter *f, const struct fg_stacks *src,
		struct fg_stacks *dst, struct fg_filter_removed *removed,
		struct fg_diag *d)
{
	unsigned ncols = fg_stacks_ncols(src), c;
	size_t count = fg_stacks_count(src), i, n, on, by;
	struct fg_symtab *syms = fg_stacks_symtab(src);
	const uint32_t *ids, *out;
	const struct fg_count *cs;
	int rc;

	if (fg_stacks_symtab(dst) != syms || fg_stacks_ncols(dst) != ncols) {
		fg_diag_set(d, NULL, 0, 0,
			    "filter: the tables differ in symtab or columns");
		return FG_EINVAL;
	}
	if (removed != NULL)
		memset(removed, 0, f->nx * sizeof(*removed));
	for (i = 0; i < count; i++) {
		ids = fg_stacks_frames(src, i, &n);
		/* src's pointers are stable: only dst grows below */
		rc = fg_filter_stack(f, syms, ids, n, &out, &on, &by, d);
		if (rc < 0)
			return rc;
		cs = fg_stacks_counts(src, i);
		if (rc == 0) {
			if (removed == NULL)
				continue;
			removed[by].stacks++;
			for (c = 0; c < ncols; c++)
				if (fg_count_add(&removed[by].count[c],
						 &cs[c]) < 0)
					removed[by].count[c] = (struct fg_count){
						UINT64_MAX, FG_COUNT_FRAC_ONE - 1 };
			continue;
		}
		for (c = 0; c < ncols; c++) {
			rc = fg_stacks_add(dst, out, on, c, &cs[c], NULL);
			if (rc < 0) {
				fg_diag_set(d, NULL, 0, 0,
					    "filter: a merged count exceeds 18446744073709551615");
				return rc;
			}
		}
	}
	return FG_OK;
}

int
fg_filter_apply(struct fg_filter *f, struct fg_stacks **s,
		struct fg_filter_removed *removed, struct fg_diag *d)
{
	struct fg_stacks *dst;
	int rc;

	if (f == NULL || f->nx == 0)
		return FG_OK;
	dst = fg_stacks_new(fg_stacks_symtab(*s), fg_stacks_ncols(*s));
	rc = fg_filter_table(f, *s, dst, removed, d);
	if (rc < 0) {
		fg_stacks_free(dst);
		return rc;
	}
	fg_stacks_free(*s);
	*s = dst;
	return FG_OK;
}
