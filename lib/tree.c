/*
 * tree.c - the flame tree, built by partitioning stacks.
 *
 * In name order (the default), the stacks under a node are grouped by
 * the rank of their next frame's name, level by level, and only the
 * groups at least min_count wide are grouped again (below, "the build
 * in name order"): the work follows the frames drawn, not the frames
 * read. In table order (a flame chart) the stacks under any node are
 * one contiguous run of the table, and the runs of equal frames inside
 * it are its children; with prefix sums of the counts in that order, a
 * node's width is one subtraction. Either way a child narrower than
 * min_count is skipped without looking at anything beneath it, and the
 * nodes come out with the same indices.
 */
#include <pthread.h>
#include <stdatomic.h>
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

/* What the build in input order works on: one stack. */
struct item {
	const uint32_t *ids;
	uint32_t n;
	uint32_t idx;	/* index in the table */
};

struct build {
	const struct fg_stacks *s;
	struct item *items;	/* in order */
	struct fg_count *pw, *pb, *pa;	/* prefix sums: width, before, after */
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
	size_t j;

	for (j = i + 1; j < hi; j++)
		if (b->items[j].n <= k || b->items[j].ids[k] != f)
			break;
	return j;
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

/*
 * The build in name order. Stacks are not sorted in full: the stacks
 * under a node (one range of items, sharing the node's frames) are
 * grouped by their next frame's name rank, a child is made of each
 * group at least min_count wide, and only those groups are grouped
 * again. A group too narrow is never looked into, so the work follows
 * the frames drawn, not the frames read: the x of each child is the
 * node's x plus the widths of everything ordered before it (its self
 * stacks, which end here, come first).
 */
/* the build stays on one thread below this many stacks */
#define TREE_PAR_MIN 32768
#define MAX_TREE_JOBS 64
/* a range this wide, and twice as wide as there are keys, is counted */
#define DENSE_MIN 1024

struct pitem {
	const uint32_t *ids;
	uint32_t n;
	uint32_t idx;		/* index in the table */
	struct fg_count w;	/* the width count */
};

struct pbuild {
	const struct fg_stacks *s;
	struct pitem *items;
	uint32_t *rank1;	/* frame id -> rank of its name + 1 */
	size_t nkeys;		/* keys are 0 .. nkeys - 1 */
	unsigned kbits;		/* a rank + 1 fits in this many bits */
	bool diff;
	double min_count;
};

/* One thread's room for grouping ranges of up to cap items. */
struct scratch {
	struct pitem *tmp;
	uint64_t *keys, *ktmp;	/* rank << 32 | position in the range */
	struct work *stack;
	size_t nstack, stackcap;
	uint32_t *cnt, *end;	/* by key, for ranges grouped densely */
};

static void
scratch_init(struct scratch *sc, size_t cap)
{
	sc->tmp = fg_xbig(cap, sizeof(*sc->tmp));
	sc->keys = fg_xbig(cap, sizeof(*sc->keys));
	sc->ktmp = fg_xbig(cap, sizeof(*sc->ktmp));
	sc->stackcap = 64;
	sc->stack = fg_xreallocarray(NULL, sc->stackcap, sizeof(*sc->stack));
	sc->nstack = 0;
	sc->cnt = sc->end = NULL;
}

static void
scratch_free(struct scratch *sc)
{
	free(sc->tmp);
	free(sc->keys);
	free(sc->ktmp);
	free(sc->stack);
	free(sc->cnt);
	free(sc->end);
}

static void
push_work(struct scratch *sc, struct work w)
{
	if (sc->nstack == sc->stackcap) {
		sc->stackcap *= 2;
		sc->stack = fg_xreallocarray(sc->stack, sc->stackcap,
					     sizeof(*sc->stack));
	}
	sc->stack[sc->nstack++] = w;
}

/* acc += v, for sums already known not to overflow. */
static inline void
count_acc(struct fg_count *acc, const struct fg_count *v)
{
	acc->n += v->n;
	acc->frac += v->frac;
	if (acc->frac >= FG_COUNT_FRAC_ONE) {
		acc->frac -= FG_COUNT_FRAC_ONE;
		acc->n++;
	}
}

/* Sorts keys[0 .. m) (a key's low half is unique: a full order). */
static void
sort_keys(const struct pbuild *b, struct scratch *sc, size_t m)
{
	size_t count[256], i;
	unsigned shift;
	uint64_t *a = sc->keys, *t = sc->ktmp, *sw;

	if (m <= 32) {
		for (i = 1; i < m; i++) {
			uint64_t v = a[i];
			size_t j;

			for (j = i; j > 0 && a[j - 1] > v; j--)
				a[j] = a[j - 1];
			a[j] = v;
		}
		return;
	}
	/* LSD on the rank only: stable, so positions stay in order */
	for (shift = 32; shift < 32 + b->kbits; shift += 8) {
		size_t sum = 0;

		memset(count, 0, sizeof(count));
		for (i = 0; i < m; i++)
			count[(a[i] >> shift) & 255]++;
		for (i = 0; i < 256; i++) {
			size_t c = count[i];

			count[i] = sum;
			sum += c;
		}
		for (i = 0; i < m; i++)
			t[count[(a[i] >> shift) & 255]++] = a[i];
		sw = a;
		a = t;
		t = sw;
	}
	if (a != sc->keys)
		memcpy(sc->keys, a, m * sizeof(*a));
}

/* Sets a new node's differential counts: the sums over its range. */
static void
diff_counts(const struct pbuild *b, struct fg_tree_node *nd, size_t lo,
	    size_t hi)
{
	struct fg_count bf = FG_COUNT_ZERO, af = FG_COUNT_ZERO;
	size_t i;

	for (i = lo; i < hi; i++) {
		const struct fg_count *c = fg_stacks_counts(b->s,
							    b->items[i].idx);

		count_acc(&bf, &c[0]);
		count_acc(&af, &c[1]);
	}
	nd->before = bf;
	nd->after = af;
}

/*
 * Makes a child of node p for items[lo .. hi), whose frame k is the
 * child's, width wide, at x; links it after last. Returns its index.
 */
static uint32_t
add_child(struct fg_tree *t, const struct pbuild *b, uint32_t p,
	  uint32_t last, uint32_t k, size_t lo, size_t hi,
	  const struct fg_count *x, const struct fg_count *width)
{
	uint32_t c = new_node(t);
	struct fg_tree_node *nd = &t->nodes[c];

	nd->name = b->items[lo].ids[k];
	nd->parent = p;
	nd->depth = k + 1;
	nd->x = *x;
	nd->width = *width;
	if (b->diff)
		diff_counts(b, nd, lo, hi);
	if (nd->depth > t->max_depth)
		t->max_depth = nd->depth;
	if (last == FG_TREE_NONE)
		t->nodes[p].first_child = c;
	else
		t->nodes[last].next_sibling = c;
	return c;
}

/* Whether a run this wide is left out (counting it if it is). */
static bool
too_narrow(struct fg_tree *t, const struct pbuild *b,
	   const struct fg_count *width)
{
	if (fg_count_is_zero(width))
		return true;
	if (fg_count_to_double(width) < b->min_count) {
		t->pruned++;
		return true;
	}
	return false;
}

/* A node over one stack: its frames from k on are a chain. */
static int
add_chain(struct fg_tree *t, const struct pbuild *b, struct work w)
{
	const struct pitem *it = &b->items[w.lo];
	struct fg_count x = t->nodes[w.node].x;
	uint32_t k;

	for (k = w.k; k < it->n; k++) {
		if (too_narrow(t, b, &it->w))
			return FG_OK;
		w.node = add_child(t, b, w.node, FG_TREE_NONE, k, w.lo, w.hi,
				   &x, &it->w);
	}
	return fg_count_add(&t->nodes[w.node].self, &it->w);
}

/*
 * Makes the child of w.node for the run items[w.lo + i .. w.lo + j),
 * whose key is key, or adds the run to w.node's self count (key 0);
 * *x is the run's x, moved past it.
 */
static int
add_run(struct fg_tree *t, const struct pbuild *b, struct scratch *sc,
	struct work w, uint64_t key, size_t i, size_t j, uint32_t *last,
	struct fg_count *x)
{
	struct fg_count width = b->items[w.lo + i].w;
	size_t k;

	for (k = i + 1; k < j; k++)
		count_acc(&width, &b->items[w.lo + k].w);
	if (key == 0) {
		if (fg_count_add(&t->nodes[w.node].self, &width) < 0)
			return FG_ERANGE;
	} else if (!too_narrow(t, b, &width)) {
		*last = add_child(t, b, w.node, *last, w.k, w.lo + i, w.lo + j,
				  x, &width);
		push_work(sc, (struct work){ *last, w.k + 1, w.lo + i,
					     w.lo + j });
	}
	count_acc(x, &width);
	return FG_OK;
}

/* The key of an item at frame k: its name's rank + 1, 0 past its end. */
static FG_ALWAYS_INLINE uint32_t
item_key(const struct pbuild *b, const struct pitem *items, size_t i,
	 size_t m, uint32_t k)
{
	/* the frames are scattered over the table */
	if (i + 16 < m && k < items[i + 16].n)
		__builtin_prefetch(items[i + 16].ids + k);
	return items[i].n > k ? b->rank1[items[i].ids[k]] : 0;
}

/*
 * Groups a wide range by counting: one pass counts each key, one moves
 * the items to their key's place, and the runs are read off the counts
 * in key order.
 */
static int
expand_dense(struct fg_tree *t, const struct pbuild *b, struct scratch *sc,
	     struct work w, uint32_t *last, struct fg_count *x)
{
	struct pitem *items = b->items + w.lo;
	uint32_t *keys = (uint32_t *)sc->keys;	/* room for 2 m */
	size_t m = w.hi - w.lo, i, key, sum = 0;
	int rc;

	if (sc->cnt == NULL) {
		sc->cnt = fg_xreallocarray(NULL, b->nkeys, sizeof(*sc->cnt));
		sc->end = fg_xreallocarray(NULL, b->nkeys, sizeof(*sc->end));
	}
	memset(sc->cnt, 0, b->nkeys * sizeof(*sc->cnt));
	for (i = 0; i < m; i++) {
		keys[i] = item_key(b, items, i, m, w.k);
		sc->cnt[keys[i]]++;
	}
	for (key = 0; key < b->nkeys; key++) {
		sc->end[key] = (uint32_t)sum;
		sum += sc->cnt[key];
	}
	if (sc->cnt[keys[0]] != m) {
		for (i = 0; i < m; i++)
			sc->tmp[sc->end[keys[i]]++] = items[i];
		memcpy(items, sc->tmp, m * sizeof(*items));
	} else {
		sc->end[keys[0]] = (uint32_t)m;
	}
	for (key = 0; key < b->nkeys; key++) {
		if (sc->cnt[key] == 0)
			continue;
		rc = add_run(t, b, sc, w, key, sc->end[key] - sc->cnt[key],
			     sc->end[key], last, x);
		if (rc < 0)
			return rc;
	}
	return FG_OK;
}

/* Groups a range by sorting its keys. */
static int
expand_sorted(struct fg_tree *t, const struct pbuild *b, struct scratch *sc,
	      struct work w, uint32_t *last, struct fg_count *x)
{
	struct pitem *items = b->items + w.lo;
	size_t m = w.hi - w.lo, i, j;
	uint64_t *keys = sc->keys, lo_key = UINT64_MAX, hi_key = 0;
	int rc;

	for (i = 0; i < m; i++) {
		uint64_t key = item_key(b, items, i, m, w.k);

		if (key < lo_key)
			lo_key = key;
		if (key > hi_key)
			hi_key = key;
		keys[i] = key << 32 | i;
	}
	if (lo_key != hi_key) {
		sort_keys(b, sc, m);
		for (i = 0; i < m; i++)
			sc->tmp[i] = items[(uint32_t)keys[i]];
		memcpy(items, sc->tmp, m * sizeof(*items));
	}
	for (i = 0; i < m; i = j) {
		/* (unsorted if all are equal: one run, as sorted) */
		for (j = i + 1; j < m && keys[j] >> 32 == keys[i] >> 32; j++)
			;
		rc = add_run(t, b, sc, w, keys[i] >> 32, i, j, last, x);
		if (rc < 0)
			return rc;
	}
	return FG_OK;
}

/*
 * Makes the children of w.node from items[w.lo .. w.hi), in name
 * order and at consecutive indices, and pushes their works so that the
 * first child's comes off the stack first: the nodes of a subtree then
 * take consecutive indices after its root's siblings.
 */
static int
expand(struct fg_tree *t, const struct pbuild *b, struct scratch *sc,
       struct work w)
{
	size_t m = w.hi - w.lo, i, first = sc->nstack;
	uint32_t last = FG_TREE_NONE;
	struct fg_count x = t->nodes[w.node].x;
	int rc;

	if (m == 1)
		return add_chain(t, b, w);
	if (m >= DENSE_MIN && m / 2 >= b->nkeys)
		rc = expand_dense(t, b, sc, w, &last, &x);
	else
		rc = expand_sorted(t, b, sc, w, &last, &x);
	if (rc < 0)
		return rc;
	for (i = 0; i < (sc->nstack - first) / 2; i++) {
		struct work tmp = sc->stack[first + i];

		sc->stack[first + i] = sc->stack[sc->nstack - 1 - i];
		sc->stack[sc->nstack - 1 - i] = tmp;
	}
	return FG_OK;
}

/* Builds the subtree under w.node, one range after another. */
static int
build_range(struct fg_tree *t, const struct pbuild *b, struct scratch *sc,
	    struct work w)
{
	int rc;

	push_work(sc, w);
	while (sc->nstack > 0)
		if ((rc = expand(t, b, sc, sc->stack[--sc->nstack])) < 0)
			return rc;
	return FG_OK;
}

/*
 * On several threads. The caller's thread expands the ranges wider
 * than a task's share in the order above, and sets the narrower ones
 * aside as tasks, noting where each falls among the nodes it makes.
 * The threads then build each task's subtree as a tree of its own
 * (whose node 0 stands for the task's node), and the trees are joined
 * by renumbering: a subtree's nodes are consecutive in the order a
 * single thread makes them, so every index comes out the same.
 */
struct task {
	struct work w;		/* in the caller's tree */
	struct fg_count x0;	/* the x of w.node */
	struct fg_tree *sub;
	uint32_t base;		/* the index of sub's node 1, joined */
	int rc;
};

/* a run of the caller's nodes, or (task != NONE) a task's subtree */
struct seg {
	uint32_t start, count, task;
};

struct par_build {
	const struct pbuild *b;
	struct task *tasks;
	uint32_t *order;	/* the tasks, widest first */
	size_t ntasks;
	size_t most;		/* items in the widest task */
	atomic_size_t next;	/* in order */
};

static void *
par_worker(void *arg)
{
	struct par_build *pb = arg;
	struct scratch sc;
	size_t i;

	scratch_init(&sc, pb->most);
	while ((i = atomic_fetch_add(&pb->next, 1)) < pb->ntasks) {
		struct task *tk = &pb->tasks[pb->order[i]];
		struct fg_tree *sub = fg_xcalloc(1, sizeof(*sub));

		tk->sub = sub;
		new_node(sub);
		sub->nodes[0].x = tk->x0;
		tk->rc = build_range(sub, pb->b, &sc,
				     (struct work){ 0, tk->w.k, tk->w.lo,
						    tk->w.hi });
	}
	scratch_free(&sc);
	return NULL;
}

static int
task_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? 1 : x > y ? -1 : 0;	/* widest first */
}

/* Renumbers the caller's nodes and the tasks' into one array. */
static int
join_tasks(struct fg_tree *t, struct task *tasks, const struct seg *segs,
	   size_t nsegs)
{
	struct fg_tree_node *nodes;
	uint32_t *gmap = fg_xreallocarray(NULL, t->n, sizeof(*gmap));
	size_t total = t->n, next = 1, i, j;
	int rc = FG_OK;

	for (i = 0; i < nsegs; i++)
		if (segs[i].task != FG_TREE_NONE)
			total += tasks[segs[i].task].sub->n - 1;
	if (total >= FG_TREE_NONE)
		fg_xmalloc(SIZE_MAX);	/* more than indexes can name */
	gmap[0] = 0;
	for (i = 0; i < nsegs; i++) {
		if (segs[i].task == FG_TREE_NONE) {
			for (j = 0; j < segs[i].count; j++)
				gmap[segs[i].start + j] = (uint32_t)next++;
		} else {
			tasks[segs[i].task].base = (uint32_t)next;
			next += tasks[segs[i].task].sub->n - 1;
		}
	}
#define MAP(v, to) ((v) == FG_TREE_NONE ? FG_TREE_NONE : (to))
	nodes = fg_xreallocarray(NULL, total, sizeof(*nodes));
	for (i = 0; i < t->n; i++) {
		struct fg_tree_node nd = t->nodes[i];

		nd.parent = MAP(nd.parent, gmap[nd.parent]);
		nd.first_child = MAP(nd.first_child, gmap[nd.first_child]);
		nd.next_sibling = MAP(nd.next_sibling, gmap[nd.next_sibling]);
		nodes[gmap[i]] = nd;
	}
	for (i = 0; i < nsegs; i++) {
		const struct task *tk;
		const struct fg_tree *sub;
		uint32_t p, base;

		if (segs[i].task == FG_TREE_NONE)
			continue;
		tk = &tasks[segs[i].task];
		sub = tk->sub;
		p = gmap[tk->w.node];
		base = tk->base - 1;
		nodes[p].first_child = MAP(sub->nodes[0].first_child,
					   base + sub->nodes[0].first_child);
		if (fg_count_add(&nodes[p].self, &sub->nodes[0].self) < 0)
			rc = FG_ERANGE;
		for (j = 1; j < sub->n; j++) {
			struct fg_tree_node nd = sub->nodes[j];

			nd.parent = nd.parent == 0 ? p : base + nd.parent;
			nd.first_child = MAP(nd.first_child,
					     base + nd.first_child);
			nd.next_sibling = MAP(nd.next_sibling,
					      base + nd.next_sibling);
			nodes[base + j] = nd;
		}
		t->pruned += sub->pruned;
		if (sub->max_depth > t->max_depth)
			t->max_depth = sub->max_depth;
	}
#undef MAP
	free(gmap);
	free(t->nodes);
	t->nodes = nodes;
	t->n = t->cap = total;
	return rc;
}

static int
build_par(struct fg_tree *t, const struct pbuild *b, unsigned jobs,
	  size_t share)
{
	struct par_build pb;
	struct scratch sc;
	struct task *tasks = NULL;
	struct seg *segs = NULL;
	uint64_t *by_size;
	pthread_t tid[MAX_TREE_JOBS];
	bool started[MAX_TREE_JOBS];
	size_t n = fg_stacks_count(b->s), ntasks = 0, tcap = 0, nsegs = 0;
	size_t scap = 0, i, start;
	unsigned k;
	int rc = FG_OK;

	scratch_init(&sc, n);
	push_work(&sc, (struct work){ 0, 0, 0, n });
	while (sc.nstack > 0 && rc == FG_OK) {
		struct work w = sc.stack[--sc.nstack];

		if (nsegs == scap) {
			scap = scap ? 2 * scap : 64;
			segs = fg_xreallocarray(segs, scap, sizeof(*segs));
		}
		if (w.node != 0 && w.hi - w.lo <= share) {
			if (ntasks == tcap) {
				tcap = tcap ? 2 * tcap : 64;
				tasks = fg_xreallocarray(tasks, tcap,
							 sizeof(*tasks));
			}
			tasks[ntasks] = (struct task){
				w, t->nodes[w.node].x, NULL, 0, FG_OK
			};
			segs[nsegs++] = (struct seg){ 0, 0, (uint32_t)ntasks };
			ntasks++;
			continue;
		}
		start = t->n;
		rc = expand(t, b, &sc, w);
		segs[nsegs++] = (struct seg){ (uint32_t)start,
					      (uint32_t)(t->n - start),
					      FG_TREE_NONE };
	}
	scratch_free(&sc);

	pb.b = b;
	pb.tasks = tasks;
	pb.ntasks = rc == FG_OK ? ntasks : 0;
	pb.order = fg_xreallocarray(NULL, ntasks ? ntasks : 1,
				    sizeof(*pb.order));
	by_size = fg_xreallocarray(NULL, ntasks ? ntasks : 1,
				   sizeof(*by_size));
	pb.most = 1;
	for (i = 0; i < ntasks; i++) {
		size_t m = tasks[i].w.hi - tasks[i].w.lo;

		by_size[i] = (uint64_t)m << 32 | i;
		if (m > pb.most)
			pb.most = m;
	}
	qsort(by_size, ntasks, sizeof(*by_size), task_cmp);
	for (i = 0; i < ntasks; i++)
		pb.order[i] = (uint32_t)by_size[i];
	free(by_size);
	atomic_init(&pb.next, 0);
	for (k = 1; k < jobs && pb.ntasks > 0; k++)
		started[k] = pthread_create(&tid[k], NULL, par_worker,
					    &pb) == 0;
	par_worker(&pb);
	for (k = 1; k < jobs && pb.ntasks > 0; k++)
		if (started[k])
			pthread_join(tid[k], NULL);
	for (i = 0; i < pb.ntasks && rc == FG_OK; i++)
		rc = tasks[i].rc;
	if (rc == FG_OK)
		rc = join_tasks(t, tasks, segs, nsegs);
	for (i = 0; i < ntasks; i++)
		fg_tree_free(tasks[i].sub);
	free(pb.order);
	free(tasks);
	free(segs);
	return rc;
}

static int
add_groups(struct fg_tree *t, const struct pbuild *b,
	   const struct fg_tree_opts *opts, struct fg_diag *d)
{
	size_t n = fg_stacks_count(b->s), share = opts->task_items;
	unsigned jobs = opts->jobs > MAX_TREE_JOBS ? MAX_TREE_JOBS : opts->jobs;
	int rc;

	if (share == 0 && n >= TREE_PAR_MIN && jobs > 1)
		share = n / (4 * jobs);
	if (jobs > 1 && share > 0) {
		rc = build_par(t, b, jobs, share);
	} else {
		struct scratch sc;

		scratch_init(&sc, n);
		rc = build_range(t, b, &sc, (struct work){ 0, 0, 0, n });
		scratch_free(&sc);
	}
	if (rc < 0)
		fg_diag_set(d, NULL, 0, 0,
			    "a frame's count exceeds 18446744073709551615");
	return rc;
}

/*
 * Fills b's items and root totals; FG_ERANGE if a total overflows (then
 * no sum over a part of the stacks can).
 */
static int
pbuild_init(struct pbuild *b, struct fg_tree *t,
	    const struct fg_tree_opts *opts)
{
	const struct fg_stacks *s = b->s;
	size_t n = fg_stacks_count(s), nsyms, i;
	struct fg_count *root = &t->nodes[0].width;
	uint32_t *rank = name_ranks(fg_stacks_symtab(s));

	nsyms = fg_symtab_count(fg_stacks_symtab(s));
	b->rank1 = rank;
	b->nkeys = nsyms + 1;
	for (i = 0; i < nsyms; i++)
		rank[i]++;
	b->kbits = 1;
	while (b->kbits < 32 && ((uint64_t)1 << b->kbits) <= nsyms)
		b->kbits++;
	b->items = fg_xbig(n, sizeof(*b->items));
	for (i = 0; i < n; i++) {
		const struct fg_count *c = fg_stacks_counts(s, i);
		struct pitem *it = &b->items[i];
		size_t len;

		it->ids = fg_stacks_frames(s, i, &len);
		it->n = (uint32_t)len;
		it->idx = (uint32_t)i;
		it->w = c[0];
		if (b->diff) {
			if (opts->width == FG_TREE_WIDTH_AFTER ||
			    (opts->width == FG_TREE_WIDTH_MAX &&
			     fg_count_cmp(&c[1], &c[0]) > 0))
				it->w = c[1];
			if (fg_count_add(&t->nodes[0].before, &c[0]) < 0 ||
			    fg_count_add(&t->nodes[0].after, &c[1]) < 0)
				return FG_ERANGE;
		}
		if (fg_count_add(root, &it->w) < 0)
			return FG_ERANGE;
	}
	return FG_OK;
}

static void
pbuild_free(struct pbuild *b)
{
	free(b->items);
	free(b->rank1);
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
	struct fg_tree *t;
	int rc;

	if (opts == NULL)
		opts = &def;
	t = fg_xcalloc(1, sizeof(*t));
	t->syms = fg_stacks_symtab(s);
	t->diff = fg_stacks_ncols(s) == 2 && !opts->one_col;
	new_node(t);
	t->nodes[0].name = FG_TREE_NONE;
	t->nodes[0].parent = FG_TREE_NONE;

	if (opts->sort == FG_TREE_SORT_INPUT) {
		struct build b;
		size_t n = fg_stacks_count(s), i;

		memset(&b, 0, sizeof(b));
		b.s = s;
		b.min_count = opts->min_count;
		b.items = fg_xreallocarray(NULL, n ? n : 1, sizeof(*b.items));
		for (i = 0; i < n; i++) {
			size_t len;

			b.items[i].ids = fg_stacks_frames(s, i, &len);
			b.items[i].n = (uint32_t)len;
			b.items[i].idx = (uint32_t)i;
		}
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
	} else {
		struct pbuild pb;

		memset(&pb, 0, sizeof(pb));
		pb.s = s;
		pb.diff = t->diff;
		pb.min_count = opts->min_count;
		rc = pbuild_init(&pb, t, opts);
		if (rc < 0)
			fg_diag_set(d, NULL, 0, 0,
				    "the total count exceeds 18446744073709551615");
		else
			rc = add_groups(t, &pb, opts, d);
		pbuild_free(&pb);
	}
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
