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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
