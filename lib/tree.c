/*
 * tree.c - the flame tree, built by partitioning ordered stacks.
 *
 * The stacks are put in order (by frame names, frame by frame, or left
 * in table order for a flame chart); then the stacks under any node are
 * one contiguous run, and the stacks under each of its children are
 * contiguous runs inside it. With prefix sums of the counts in that
 * order, a node's width is one subtraction, so a child narrower than
 * min_count is skipped without looking at anything beneath it.
 */
#include <stdlib.h>
#include <string.h>

#include "fg/arena.h"
#include "fg/buf.h"
#include "fg/error.h"
#include "fg/intern.h"
#include "fg/stacks.h"
#include "fg/tree.h"
#include "internal.h"

struct fg_tree {
	struct fg_symtab *syms;
	struct fg_tree_node *nodes;
	size_t n, cap;
	uint32_t max_depth;
	bool diff;
	double max_delta;
	size_t pruned;	/* runs left out for being narrower than min_count */
};

/* What the build works on: one stack in order. */
struct item {
	const uint32_t *ids;
	uint32_t n;
	uint32_t idx;	/* index in the table */
};

struct build {
	const struct fg_stacks *s;
	struct item *items;	/* in order */
	struct fg_count *pw, *pb, *pa;	/* prefix sums: width, before, after */
	const uint32_t *rank;	/* frame id -> rank of its name */
	bool sorted;
	double min_count;
};

/* a - b for a >= b. */
static struct fg_count
count_sub(const struct fg_count *a, const struct fg_count *b)
{
	struct fg_count r;

	if (a->frac >= b->frac) {
		r.frac = a->frac - b->frac;
		r.n = a->n - b->n;
	} else {
		r.frac = a->frac + FG_COUNT_FRAC_ONE - b->frac;
		r.n = a->n - b->n - 1;
	}
	return r;
}

static int
name_cmp(const struct fg_symtab *syms, uint32_t a, uint32_t b)
{
	size_t la, lb;
	const char *sa = fg_symtab_str(syms, a, &la);
	const char *sb = fg_symtab_str(syms, b, &lb);
	int c = memcmp(sa, sb, la < lb ? la : lb);

	if (c != 0)
		return c;
	return la < lb ? -1 : la > lb;
}

static const struct fg_symtab *sort_syms;

static int
id_cmp(const void *a, const void *b)
{
	return name_cmp(sort_syms, *(const uint32_t *)a, *(const uint32_t *)b);
}

static uint32_t
new_node(struct fg_tree *t)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 256;
		t->nodes = fg_xreallocarray(t->nodes, t->cap, sizeof(*t->nodes));
	}
	memset(&t->nodes[t->n], 0, sizeof(t->nodes[0]));
	t->nodes[t->n].first_child = FG_TREE_NONE;
	t->nodes[t->n].next_sibling = FG_TREE_NONE;
	return (uint32_t)t->n++;
}

/* The end of the run of stacks from i whose frame k is f. */
static size_t
run_end(const struct build *b, size_t i, size_t hi, uint32_t k, uint32_t f)
{
	size_t lo, step, j;

	if (!b->sorted) {
		for (j = i + 1; j < hi; j++)
			if (b->items[j].n <= k || b->items[j].ids[k] != f)
				break;
		return j;
	}
	/* sorted: the run is contiguous; gallop, then bisect */
	lo = i + 1;
	step = 1;
	while (lo < hi && b->items[lo].n > k && b->items[lo].ids[k] == f) {
		i = lo;
		lo += step;
		step *= 2;
	}
	if (lo > hi)
		lo = hi;
	/* items[i] is in the run, items[lo] (if < hi) is not */
	while (lo - i > 1) {
		j = i + (lo - i) / 2;
		if (b->items[j].n > k && b->items[j].ids[k] == f)
			i = j;
		else
			lo = j;
	}
	return lo;
}

struct work {
	uint32_t node;
	uint32_t k;	/* frames of the node's stacks before its children's */
	size_t lo, hi;
};

static int
add_ranges(struct fg_tree *t, const struct build *b, struct fg_diag *d)
{
	struct work *stack;
	size_t nstack = 0, cap = 64;
	int rc = FG_OK;

	stack = fg_xreallocarray(NULL, cap, sizeof(*stack));
	stack[nstack++] = (struct work){ 0, 0, 0, fg_stacks_count(b->s) };
	while (nstack > 0) {
		struct work w = stack[--nstack];
		size_t i = w.lo, first = nstack;
		uint32_t last = FG_TREE_NONE;

		while (i < w.hi) {
			const struct item *it = &b->items[i];
			struct fg_tree_node *nd;
			struct fg_count width;
			size_t j;
			uint32_t c;

			if (it->n == w.k) {
				struct fg_count sw =
					count_sub(&b->pw[i + 1], &b->pw[i]);

				if (fg_count_add(&t->nodes[w.node].self, &sw) < 0) {
					rc = FG_ERANGE;
					goto out;
				}
				i++;
				continue;
			}
			j = run_end(b, i, w.hi, w.k, it->ids[w.k]);
			width = count_sub(&b->pw[j], &b->pw[i]);
			if (fg_count_is_zero(&width) ||
			    fg_count_to_double(&width) < b->min_count) {
				if (!fg_count_is_zero(&width))
					t->pruned++;
				i = j;
				continue;
			}
			c = new_node(t);
			nd = &t->nodes[c];
			nd->name = it->ids[w.k];
			nd->parent = w.node;
			nd->depth = w.k + 1;
			nd->x = b->pw[i];
			nd->width = width;
			if (b->pb != NULL) {
				nd->before = count_sub(&b->pb[j], &b->pb[i]);
				nd->after = count_sub(&b->pa[j], &b->pa[i]);
			}
			if (nd->depth > t->max_depth)
				t->max_depth = nd->depth;
			if (last == FG_TREE_NONE)
				t->nodes[w.node].first_child = c;
			else
				t->nodes[last].next_sibling = c;
			last = c;
			if (nstack == cap) {
				cap *= 2;
				stack = fg_xreallocarray(stack, cap,
							 sizeof(*stack));
			}
			stack[nstack++] = (struct work){ c, w.k + 1, i, j };
			i = j;
		}
		/* pop the first child first: nodes come out in pre-order */
		for (i = 0; i < (nstack - first) / 2; i++) {
			struct work tmp = stack[first + i];

			stack[first + i] = stack[nstack - 1 - i];
			stack[nstack - 1 - i] = tmp;
		}
	}
out:
	if (rc < 0)
		fg_diag_set(d, NULL, 0, 0,
			    "a frame's count exceeds 18446744073709551615");
	free(stack);
	return rc;
}

/* Relinks every child list widest first (ties by name) and packs x. */
static void
sort_by_weight(struct fg_tree *t)
{
	uint32_t *kids = NULL;
	size_t cap = 0, i;

	for (i = 0; i < t->n; i++) {
		struct fg_tree_node *p = &t->nodes[i];
		struct fg_count x = p->x;
		size_t nk = 0, k;
		uint32_t c;

		for (c = p->first_child; c != FG_TREE_NONE;
		     c = t->nodes[c].next_sibling) {
			if (nk == cap) {
				cap = cap ? 2 * cap : 64;
				kids = fg_xreallocarray(kids, cap, sizeof(*kids));
			}
			kids[nk++] = c;
		}
		if (nk == 0)
			continue;
		/* insertion sort: child lists are short */
		for (k = 1; k < nk; k++) {
			uint32_t v = kids[k];
			size_t m = k;

			while (m > 0) {
				const struct fg_tree_node *a = &t->nodes[kids[m - 1]];
				const struct fg_tree_node *b = &t->nodes[v];
				int cw = fg_count_cmp(&a->width, &b->width);

				if (cw > 0 || (cw == 0 &&
				    name_cmp(t->syms, a->name, b->name) <= 0))
					break;
				kids[m] = kids[m - 1];
				m--;
			}
			kids[m] = v;
		}
		p->first_child = kids[0];
		for (k = 0; k < nk; k++) {
			struct fg_tree_node *ch = &t->nodes[kids[k]];

			ch->next_sibling = k + 1 < nk ? kids[k + 1] : FG_TREE_NONE;
			ch->x = x;
			/* x + width <= parent end: cannot overflow */
			fg_count_add(&x, &ch->width);
		}
	}
	free(kids);
}

static int
prefix_sums(struct build *b, enum fg_tree_width wmode, bool two)
{
	size_t n = fg_stacks_count(b->s), i;

	b->pw = fg_xcalloc(n + 1, sizeof(*b->pw));
	if (two) {
		b->pb = fg_xcalloc(n + 1, sizeof(*b->pb));
		b->pa = fg_xcalloc(n + 1, sizeof(*b->pa));
	}
	for (i = 0; i < n; i++) {
		const struct fg_count *c = fg_stacks_counts(b->s, b->items[i].idx);
		const struct fg_count *w = &c[0];

		if (two) {
			if (wmode == FG_TREE_WIDTH_AFTER ||
			    (wmode == FG_TREE_WIDTH_MAX &&
			     fg_count_cmp(&c[1], &c[0]) > 0))
				w = &c[1];
			b->pb[i + 1] = b->pb[i];
			b->pa[i + 1] = b->pa[i];
			if (fg_count_add(&b->pb[i + 1], &c[0]) < 0 ||
			    fg_count_add(&b->pa[i + 1], &c[1]) < 0)
				return FG_ERANGE;
		}
		b->pw[i + 1] = b->pw[i];
		if (fg_count_add(&b->pw[i + 1], w) < 0)
			return FG_ERANGE;
	}
	return FG_OK;
}

/* rank[id] = position of the name among all names, bytewise. */
static uint32_t *
name_ranks(const struct fg_symtab *syms)
{
	size_t n = fg_symtab_count(syms), i;
	uint32_t *ids = fg_xreallocarray(NULL, n ? n : 1, sizeof(*ids));
	uint32_t *rank = fg_xreallocarray(NULL, n ? n : 1, sizeof(*rank));

	for (i = 0; i < n; i++)
		ids[i] = (uint32_t)i;
	sort_syms = syms;
	qsort(ids, n, sizeof(*ids), id_cmp);
	for (i = 0; i < n; i++)
		rank[ids[i]] = (uint32_t)i;
	free(ids);
	return rank;
}

static double
delta_max(const struct fg_tree *t)
{
	double m = 0;
	size_t i;

	for (i = 1; i < t->n; i++) {
		double dd = fg_count_to_double(&t->nodes[i].after) -
			    fg_count_to_double(&t->nodes[i].before);

		if (dd < 0)
			dd = -dd;
		if (dd > m)
			m = dd;
	}
	return m;
}

struct fg_tree *
fg_tree_build(const struct fg_stacks *s, const struct fg_tree_opts *opts,
	      int *status, struct fg_diag *d)
{
	struct fg_tree_opts def = FG_TREE_OPTS_INIT;
	struct build b;
	struct fg_tree *t;
	size_t n = fg_stacks_count(s), i;
	uint32_t *rank = NULL, *order = NULL;
	int rc;

	if (opts == NULL)
		opts = &def;
	memset(&b, 0, sizeof(b));
	b.s = s;
	b.sorted = opts->sort != FG_TREE_SORT_INPUT;
	b.min_count = opts->min_count;
	b.items = fg_xreallocarray(NULL, n ? n : 1, sizeof(*b.items));
	if (b.sorted) {
		/* by name, frame by frame: fg_stacks' radix sort */
		rank = name_ranks(fg_stacks_symtab(s));
		order = fg_stacks_sorted_by_rank_jobs(s, rank, opts->jobs);
	}
	for (i = 0; i < n; i++) {
		size_t len, k = order != NULL ? order[i] : i;

		b.items[i].ids = fg_stacks_frames(s, k, &len);
		b.items[i].n = (uint32_t)len;
		b.items[i].idx = (uint32_t)k;
	}
	free(order);

	t = fg_xcalloc(1, sizeof(*t));
	t->syms = fg_stacks_symtab(s);
	t->diff = fg_stacks_ncols(s) == 2 && !opts->one_col;
	new_node(t);
	t->nodes[0].name = FG_TREE_NONE;
	t->nodes[0].parent = FG_TREE_NONE;

	rc = prefix_sums(&b, opts->width, t->diff);
	if (rc < 0) {
		fg_diag_set(d, NULL, 0, 0,
			    "the total count exceeds 18446744073709551615");
	} else {
		t->nodes[0].width = b.pw[n];
		if (b.pb != NULL) {
			t->nodes[0].before = b.pb[n];
			t->nodes[0].after = b.pa[n];
		}
		rc = add_ranges(t, &b, d);
	}
	free(b.items);
	free(b.pw);
	free(b.pb);
	free(b.pa);
	free(rank);
	if (status != NULL)
		*status = rc;
	if (rc < 0) {
		fg_tree_free(t);
		return NULL;
	}
	if (opts->sort == FG_TREE_SORT_WEIGHT)
		sort_by_weight(t);
	if (t->diff)
		t->max_delta = delta_max(t);
	return t;
}

void
fg_tree_free(struct fg_tree *t)
{
	if (t == NULL)
		return;
	free(t->nodes);
	free(t);
}

size_t
fg_tree_count(const struct fg_tree *t)
{
	return t->n;
}

const struct fg_tree_node *
fg_tree_node(const struct fg_tree *t, uint32_t i)
{
	return &t->nodes[i];
}

uint32_t
fg_tree_max_depth(const struct fg_tree *t)
{
	return t->max_depth;
}

bool
fg_tree_is_diff(const struct fg_tree *t)
{
	return t->diff;
}

struct fg_symtab *
fg_tree_symtab(const struct fg_tree *t)
{
	return t->syms;
}

double
fg_tree_max_delta(const struct fg_tree *t)
{
	return t->max_delta;
}

static bool
is_base(const struct fg_tree_rewrite *rw, uint32_t id)
{
	size_t i;

	for (i = 0; i < rw->nbase; i++)
		if (rw->base[i] == id)
			return true;
	return false;
}

struct fg_stacks *
fg_tree_rewrite(const struct fg_stacks *s, const struct fg_tree_rewrite *rw,
		struct fg_diag *d)
{
	struct fg_symtab *syms = fg_stacks_symtab(s);
	unsigned ncols = fg_stacks_ncols(s), c;
	struct fg_stacks *out = fg_stacks_new(syms, ncols);
	size_t n = fg_stacks_count(s), i, cap = 0;
	uint32_t *buf = NULL, *wmap = NULL;
	size_t nwmap = 0;
	uint32_t dash2 = fg_symtab_find(syms, "--", 2);
	struct fg_buf name = FG_BUF_INIT;

	for (i = 0; i < n; i++) {
		size_t len, k, start = 0;
		const uint32_t *ids = fg_stacks_frames(s, i, &len);
		const struct fg_count *cnt = fg_stacks_counts(s, i);
		bool waker = false;

		if (len > cap) {
			cap = len;
			buf = fg_xreallocarray(buf, cap, sizeof(*buf));
		}
		memcpy(buf, ids, len * sizeof(*buf));
		if (rw->reverse) {
			for (k = 0; k < len / 2; k++) {
				uint32_t tmp = buf[k];

				buf[k] = buf[len - 1 - k];
				buf[len - 1 - k] = tmp;
			}
		}
		if (rw->chain && dash2 != UINT32_MAX) {
			for (k = 0; k < len; k++) {
				uint32_t id = buf[k];
				size_t nl;
				const char *str;

				if (id == dash2) {
					waker = true;
					continue;
				}
				if (!waker)
					continue;
				if (id >= nwmap) {
					size_t m = fg_symtab_count(syms);

					wmap = fg_xreallocarray(wmap, m, sizeof(*wmap));
					memset(wmap + nwmap, 0xff,
					       (m - nwmap) * sizeof(*wmap));
					nwmap = m;
				}
				if (wmap[id] == UINT32_MAX) {
					str = fg_symtab_str(syms, id, &nl);
					fg_buf_reset(&name);
					fg_buf_add(&name, str, nl);
					fg_buf_adds(&name, "_[w]");
					wmap[id] = fg_intern(syms, name.buf, name.len);
				}
				buf[k] = wmap[id];
			}
		}
		if (rw->nbase > 0) {
			for (k = 0; k < len; k++)
				if (is_base(rw, buf[k]))
					break;
			if (k == len)
				continue;
			start = k;
		}
		for (c = 0; c < ncols; c++) {
			if (fg_stacks_add(out, buf + start, len - start, c,
					  &cnt[c], NULL) < 0) {
				fg_diag_set(d, NULL, 0, 0,
					    "a stack's count exceeds 18446744073709551615");
				fg_stacks_free(out);
				out = NULL;
				goto done;
			}
		}
	}
done:
	fg_buf_release(&name);
	free(buf);
	free(wmap);
	return out;
}

size_t
fg_tree_pruned(const struct fg_tree *t)
{
	return t->pruned;
}
