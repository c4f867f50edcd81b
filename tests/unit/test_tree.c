/*
 * test_tree.c - unit tests for tree.c: merging, widths, self counts,
 * differential sums, orders, pruning and the stack rewrites.
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
	unsigned ncounts;
};

static void
load(struct fx *f, const char *text)
{
	struct fg_folded_opts o = FG_FOLDED_OPTS_INIT;
	struct fg_folded_stats st;
	struct fg_diag d = FG_DIAG_INIT;
	struct fg_lines *in = fg_lines_from_mem(text, strlen(text), "t");

	f->syms = fg_symtab_new();
	f->s = fg_stacks_new(f->syms, 2);
	assert_int_equal(fg_folded_read(in, f->s, &o, &st, &d), FG_OK);
	f->ncounts = st.ncounts;
	fg_lines_close(in);
}

static void
unload(struct fx *f)
{
	fg_stacks_free(f->s);
	fg_symtab_free(f->syms);
}

static struct fg_tree *
build(struct fx *f, enum fg_tree_sort sort, double min)
{
	struct fg_tree_opts o = FG_TREE_OPTS_INIT;
	struct fg_diag d = FG_DIAG_INIT;
	struct fg_tree *t;
	int rc;

	o.sort = sort;
	o.min_count = min;
	o.one_col = f->ncounts != 2;
	t = fg_tree_build(f->s, &o, &rc, &d);
	assert_non_null(t);
	assert_int_equal(rc, FG_OK);
	return t;
}

/* "name:width:self" of each node in pre-order, space-separated. */
static void
dump(const struct fg_tree *t, uint32_t id, char *out, size_t outsz)
{
	const struct fg_tree_node *n = fg_tree_node(t, id);
	char w[FG_COUNT_BUFSZ], s[FG_COUNT_BUFSZ];
	size_t len = strlen(out);
	uint32_t c;

	fg_count_format(&n->width, w);
	fg_count_format(&n->self, s);
	snprintf(out + len, outsz - len, "%s%s:%s:%s", len ? " " : "",
		 id == 0 ? "all" : fg_symtab_str(fg_tree_symtab(t), n->name, NULL),
		 w, s);
	for (c = n->first_child; c != FG_TREE_NONE;
	     c = fg_tree_node(t, c)->next_sibling)
		dump(t, c, out, outsz);
}

static void
expect(const char *input, enum fg_tree_sort sort, double min,
       const char *want)
{
	struct fx f;
	struct fg_tree *t;
	char got[4096] = "";

	load(&f, input);
	t = build(&f, sort, min);
	dump(t, 0, got, sizeof(got));
	assert_string_equal(got, want);
	fg_tree_free(t);
	unload(&f);
}

static void
test_merge_alpha(void **state)
{
	(void)state;
	expect("b;c 2\na;x 1\na 4\nb;c 3\na;w 1\n", FG_TREE_SORT_ALPHA, 0,
	       "all:11:0 a:6:4 w:1:1 x:1:1 b:5:0 c:5:5");
}

static void
test_weight_order(void **state)
{
	(void)state;
	expect("a;x 1\nb 5\na;y 3\n", FG_TREE_SORT_WEIGHT, 0,
	       "all:9:0 b:5:5 a:4:0 y:3:3 x:1:1");
}

static void
test_input_order_merges_neighbours_only(void **state)
{
	(void)state;
	/* a flame chart: z first, and the b of a;b and a;b;d are two
	 * frames, parted by the neighbours between them (a stack read
	 * twice is still merged by the stack table) */
	expect("z 1\na;b 1\na 1\na;c 1\na;b;d 2\n", FG_TREE_SORT_INPUT, 0,
	       "all:6:0 z:1:1 a:5:1 b:1:1 c:1:1 b:2:0 d:2:2");
}

static void
test_prefix_names_stay_one_frame(void **state)
{
	(void)state;
	/* "f" and "f x": bytewise text order puts "p;f x" between "p;f"
	 * and "p;f;g"; the tree still has one "f" */
	expect("p;f 1\np;f x 1\np;f;g 1\n", FG_TREE_SORT_ALPHA, 0,
	       "all:3:0 p:3:0 f:2:1 g:1:1 f x:1:1");
}

static void
test_prune_keeps_counts_in_parent(void **state)
{
	(void)state;
	expect("a;b 10\na;c 1\na;d 1\n", FG_TREE_SORT_ALPHA, 2,
	       "all:12:0 a:12:0 b:10:10");
}

static void
test_fractional_exact(void **state)
{
	(void)state;
	expect("a 0.1\na;b 0.2\na;b 0.000000000000000001\n",
	       FG_TREE_SORT_ALPHA, 0,
	       "all:0.300000000000000001:0 a:0.300000000000000001:0.1 "
	       "b:0.200000000000000001:0.200000000000000001");
}

static void
test_differential_inclusive(void **state)
{
	struct fx f;
	struct fg_tree *t;
	const struct fg_tree_node *a, *b;
	char x[FG_COUNT_BUFSZ];

	(void)state;
	load(&f, "a;b 5 1\na;c 0 4\na 2 2\n");
	assert_int_equal(f.ncounts, 2);
	t = build(&f, FG_TREE_SORT_ALPHA, 0);
	assert_true(fg_tree_is_diff(t));
	a = fg_tree_node(t, fg_tree_node(t, 0)->first_child);
	fg_count_format(&a->before, x);
	assert_string_equal(x, "7");
	fg_count_format(&a->after, x);
	assert_string_equal(x, "7");
	fg_count_format(&a->width, x);
	assert_string_equal(x, "7");
	b = fg_tree_node(t, a->first_child);
	fg_count_format(&b->after, x);
	assert_string_equal(x, "1");
	fg_count_format(&b->before, x);
	assert_string_equal(x, "5");
	/* the largest inclusive change: b's -4 and c's +4 */
	assert_true(fg_tree_max_delta(t) == 4.0);
	fg_tree_free(t);
	unload(&f);
}

static void
test_diff_width_modes(void **state)
{
	struct fx f;
	struct fg_tree_opts o = FG_TREE_OPTS_INIT;
	struct fg_tree *t;
	char x[FG_COUNT_BUFSZ];
	int rc;

	(void)state;
	load(&f, "a 5 1\nb 0 4\n");
	o.width = FG_TREE_WIDTH_MAX;
	t = fg_tree_build(f.s, &o, &rc, NULL);
	fg_count_format(&fg_tree_node(t, 0)->width, x);
	assert_string_equal(x, "9");
	fg_tree_free(t);
	o.width = FG_TREE_WIDTH_BEFORE;
	t = fg_tree_build(f.s, &o, &rc, NULL);
	fg_count_format(&fg_tree_node(t, 0)->width, x);
	assert_string_equal(x, "5");
	/* b has no width before: it is not drawn */
	assert_int_equal(fg_tree_count(t), 2);
	fg_tree_free(t);
	unload(&f);
}

static void
test_rewrite_reverse_base_chain(void **state)
{
	struct fx f;
	struct fg_tree_rewrite rw = { true, NULL, 0, false };
	struct fg_stacks *r;
	struct fg_tree *t;
	struct fg_tree_opts o = FG_TREE_OPTS_INIT;
	char got[1024] = "";
	uint32_t base;
	int rc;

	(void)state;
	load(&f, "m;a;x 1\nm;b;x 2\nm;a;y 3\n");
	r = fg_tree_rewrite(f.s, &rw, NULL);
	o.one_col = true;
	t = fg_tree_build(r, &o, &rc, NULL);
	dump(t, 0, got, sizeof(got));
	assert_string_equal(got,
			    "all:6:0 x:3:0 a:1:0 m:1:1 b:2:0 m:2:2 y:3:0 a:3:0 m:3:3");
	fg_tree_free(t);
	fg_stacks_free(r);

	base = fg_symtab_find(f.syms, "a", 1);
	rw.reverse = false;
	rw.base = &base;
	rw.nbase = 1;
	r = fg_tree_rewrite(f.s, &rw, NULL);
	t = fg_tree_build(r, &o, &rc, NULL);
	got[0] = '\0';
	dump(t, 0, got, sizeof(got));
	assert_string_equal(got, "all:4:0 a:4:0 x:1:1 y:3:3");
	fg_tree_free(t);
	fg_stacks_free(r);
	unload(&f);

	load(&f, "off;--;wake 1\n");
	rw.base = NULL;
	rw.nbase = 0;
	rw.chain = true;
	r = fg_tree_rewrite(f.s, &rw, NULL);
	t = fg_tree_build(r, &o, &rc, NULL);
	got[0] = '\0';
	dump(t, 0, got, sizeof(got));
	assert_string_equal(got, "all:1:0 off:1:0 --:1:0 wake_[w]:1:1");
	fg_tree_free(t);
	fg_stacks_free(r);
	unload(&f);
}

static void
test_deep_stack(void **state)
{
	struct fg_buf b = FG_BUF_INIT;
	struct fx f;
	struct fg_tree *t;
	int i;

	(void)state;
	for (i = 0; i < 20000; i++)
		fg_buf_addf(&b, "%sf%d", i ? ";" : "", i % 7);
	fg_buf_adds(&b, " 1\n");
	load(&f, b.buf);
	t = build(&f, FG_TREE_SORT_ALPHA, 0);
	assert_int_equal(fg_tree_count(t), 20001);
	assert_int_equal(fg_tree_max_depth(t), 20000);
	fg_tree_free(t);
	unload(&f);
	fg_buf_release(&b);
}

/*
 * The build in name order against a reference: the same stacks put in
 * name order first (fg_stacks_sorted_by_rank) and built in input order,
 * which is how the tree was built before the build learned to group
 * only the frames it draws. And the build on several threads, with
 * ranges as small as one stack, against the build on one: every node,
 * index for index.
 */
static struct fg_symtab *rank_syms;

static int
rank_cmp_names(const void *a, const void *b)
{
	size_t la, lb;
	const char *sa = fg_symtab_str(rank_syms, *(const uint32_t *)a, &la);
	const char *sb = fg_symtab_str(rank_syms, *(const uint32_t *)b, &lb);
	int c = memcmp(sa, sb, la < lb ? la : lb);

	return c != 0 ? c : la < lb ? -1 : la > lb;
}

static void
assert_same_count(const struct fg_count *a, const struct fg_count *b)
{
	assert_true(a->n == b->n);
	assert_true(a->frac == b->frac);
}

static void
assert_same_tree(const struct fg_tree *a, const struct fg_tree *b)
{
	size_t i;

	assert_int_equal(fg_tree_count(a), fg_tree_count(b));
	assert_int_equal(fg_tree_max_depth(a), fg_tree_max_depth(b));
	assert_int_equal(fg_tree_pruned(a), fg_tree_pruned(b));
	assert_int_equal(fg_tree_is_diff(a), fg_tree_is_diff(b));
	assert_true(fg_tree_max_delta(a) == fg_tree_max_delta(b));
	for (i = 0; i < fg_tree_count(a); i++) {
		const struct fg_tree_node *x = fg_tree_node(a, (uint32_t)i);
		const struct fg_tree_node *y = fg_tree_node(b, (uint32_t)i);

		assert_int_equal(x->name, y->name);
		assert_int_equal(x->parent, y->parent);
		assert_int_equal(x->first_child, y->first_child);
		assert_int_equal(x->next_sibling, y->next_sibling);
		assert_int_equal(x->depth, y->depth);
		assert_same_count(&x->x, &y->x);
		assert_same_count(&x->width, &y->width);
		assert_same_count(&x->self, &y->self);
		assert_same_count(&x->before, &y->before);
		assert_same_count(&x->after, &y->after);
	}
}

/* The tree of s in name order, built the reference way (o's sort unused). */
static struct fg_tree *
reference_tree(const struct fg_stacks *s, const struct fg_tree_opts *opts)
{
	struct fg_symtab *syms = fg_stacks_symtab(s);
	uint32_t nnames = (uint32_t)fg_symtab_count(syms), j;
	uint32_t *by_name = malloc((nnames + 1) * sizeof(*by_name));
	uint32_t *rank = malloc((nnames + 1) * sizeof(*rank));
	unsigned ncols = fg_stacks_ncols(s), c;
	struct fg_stacks *sorted = fg_stacks_new(syms, ncols);
	struct fg_tree_opts o = *opts;
	struct fg_tree *t;
	uint32_t *order;
	size_t i;

	for (j = 0; j < nnames; j++)
		by_name[j] = j;
	rank_syms = syms;
	qsort(by_name, nnames, sizeof(*by_name), rank_cmp_names);
	for (j = 0; j < nnames; j++)
		rank[by_name[j]] = j;
	order = fg_stacks_sorted_by_rank(s, rank);
	assert_non_null(order);
	for (i = 0; i < fg_stacks_count(s); i++) {
		size_t n;
		const uint32_t *f = fg_stacks_frames(s, order[i], &n);

		for (c = 0; c < ncols; c++)
			assert_int_equal(fg_stacks_add(sorted, f, n, c,
				&fg_stacks_counts(s, order[i])[c], NULL),
				FG_OK);
	}
	o.sort = FG_TREE_SORT_INPUT;
	o.jobs = 1;
	t = fg_tree_build(sorted, &o, NULL, NULL);
	assert_non_null(t);
	free(order);
	free(by_name);
	free(rank);
	fg_stacks_free(sorted);
	return t;
}

static void
test_alpha_matches_reference(void **state)
{
	static const char alphabet[] = { 'a', 'b', '!', ';', '\0', '\xff' };
	static const double mins[] = { 0, 0.5, 1, 2, 3.5, 40 };
	static const size_t tasks[] = { 1, 2, 5 };
	unsigned seed;

	(void)state;
	srand(7);
	for (seed = 0; seed < 300; seed++) {
		struct fg_symtab *syms = fg_symtab_new();
		unsigned ncols = 1 + (unsigned)(rand() % 2);
		struct fg_stacks *s = fg_stacks_new(syms, ncols);
		uint32_t ids[8], nnames;
		size_t nstacks = 1 + (size_t)(rand() % 200), i, k;
		struct fg_tree_opts o = FG_TREE_OPTS_INIT;
		struct fg_tree *ref, *t;
		unsigned c;

		/* short names over a few bytes: prefixes of each other,
		 * ';', NUL and bytes above 0x7f among them */
		for (i = 0; i < 12; i++) {
			char name[3];
			size_t len = (size_t)(rand() % 4);

			for (k = 0; k < len; k++)
				name[k] = alphabet[rand() % 6];
			fg_intern(syms, name, len);
		}
		nnames = (uint32_t)fg_symtab_count(syms);
		for (i = 0; i < nstacks; i++) {
			size_t depth = (size_t)(rand() % 8);

			for (k = 0; k < depth; k++)
				ids[k] = (uint32_t)rand() % nnames;
			for (c = 0; c < ncols; c++) {
				struct fg_count v = { (uint64_t)(rand() % 4),
						      rand() % 3 == 0 ?
						      (uint64_t)rand() * 1000 : 0 };

				assert_int_equal(fg_stacks_add(s, ids, depth, c,
							       &v, NULL),
						 FG_OK);
			}
		}
		o.min_count = mins[seed % 6];
		o.one_col = ncols == 1 || seed % 4 == 0;
		o.width = (enum fg_tree_width)(seed % 3);
		ref = reference_tree(s, &o);
		o.sort = FG_TREE_SORT_ALPHA;
		t = fg_tree_build(s, &o, NULL, NULL);
		assert_non_null(ref);
		assert_non_null(t);
		assert_same_tree(t, ref);
		fg_tree_free(ref);
		/* on threads, by ranges of one stack and more */
		for (k = 0; k < 3; k++) {
			struct fg_tree *par;

			o.jobs = 2 + (unsigned)k;
			o.task_items = tasks[k];
			par = fg_tree_build(s, &o, NULL, NULL);
			assert_non_null(par);
			assert_same_tree(par, t);
			fg_tree_free(par);
		}
		fg_tree_free(t);
		/* by weight too: the same relinking of the same tree */
		o.sort = FG_TREE_SORT_WEIGHT;
		o.jobs = 1;
		o.task_items = 0;
		ref = fg_tree_build(s, &o, NULL, NULL);
		o.jobs = 3;
		o.task_items = 1;
		t = fg_tree_build(s, &o, NULL, NULL);
		assert_same_tree(t, ref);
		fg_tree_free(t);
		fg_tree_free(ref);
		fg_stacks_free(s);
		fg_symtab_free(syms);
	}
}

/*
 * A table wide enough that the first levels are grouped by counting,
 * not by sorting, on threads and off: the trees agree.
 */
static void
test_wide_table_dense_groups(void **state)
{
	struct fg_symtab *syms = fg_symtab_new();
	struct fg_stacks *s = fg_stacks_new(syms, 1);
	struct fg_tree_opts o = FG_TREE_OPTS_INIT;
	struct fg_tree *one, *two;
	uint32_t ids[6];
	char name[16];
	size_t i, k;

	(void)state;
	for (i = 0; i < 64; i++) {
		snprintf(name, sizeof(name), "f%zu", (i * 37) % 64);
		fg_intern(syms, name, strlen(name));
	}
	srand(11);
	for (i = 0; i < 40000; i++) {
		struct fg_count v = { 1 + (uint64_t)(rand() % 3), 0 };
		size_t depth = 1 + (size_t)(rand() % 6);

		for (k = 0; k < depth; k++)
			ids[k] = (uint32_t)(rand() % (k < 2 ? 3 : 64));
		assert_int_equal(fg_stacks_add(s, ids, depth, 0, &v, NULL),
				 FG_OK);
	}
	o.one_col = true;
	o.min_count = 5;
	one = fg_tree_build(s, &o, NULL, NULL);
	two = reference_tree(s, &o);
	assert_same_tree(one, two);
	fg_tree_free(two);
	o.jobs = 2;
	o.task_items = 3000;
	two = fg_tree_build(s, &o, NULL, NULL);
	assert_true(fg_tree_count(one) > 100);
	assert_true(fg_tree_pruned(one) > 0);
	assert_same_tree(two, one);
	fg_tree_free(one);
	fg_tree_free(two);
	fg_stacks_free(s);
	fg_symtab_free(syms);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_alpha),
		cmocka_unit_test(test_weight_order),
		cmocka_unit_test(test_input_order_merges_neighbours_only),
		cmocka_unit_test(test_prefix_names_stay_one_frame),
		cmocka_unit_test(test_prune_keeps_counts_in_parent),
		cmocka_unit_test(test_fractional_exact),
		cmocka_unit_test(test_differential_inclusive),
		cmocka_unit_test(test_diff_width_modes),
		cmocka_unit_test(test_rewrite_reverse_base_chain),
		cmocka_unit_test(test_deep_stack),
		cmocka_unit_test(test_alpha_matches_reference),
		cmocka_unit_test(test_wide_table_dense_groups),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
