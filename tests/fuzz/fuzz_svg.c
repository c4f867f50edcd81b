/*
 * fuzz_svg - libFuzzer target for the whole flamegraph path: folded
 * bytes -> stack table -> flame tree -> layout -> SVG in memory.
 *
 * The first byte picks the options: sibling order (alpha, weight,
 * input), inverted, label cut side, width mode of differential input,
 * --minwidth in pixels or percent, a narrow or wide picture and whether
 * stacks are reversed first; the rest is the folded input. Labels are
 * measured with fixed widths (cairo would only slow the fuzzer down).
 *
 * Invariants (abort() when broken):
 *   - the SVG parses back with libxml2 (well-formed whatever the names);
 *   - it has one <g class="f"> per laid-out frame;
 *   - every frame's display name and label are valid UTF-8 without
 *     control characters, and a label is the name, or a cut of it
 *     with "..", or empty;
 *   - the root's width is the sum of its children's widths and its
 *     self count (or more, when frames were pruned), and no child is
 *     wider than its parent;
 *   - the tree built on three threads, with ranges of one to four
 *     stacks set aside for them, is the tree built on one, node for
 *     node.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "fg/fg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "fuzz_svg: %s:%d: check failed: %s\n", \
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

static void
check_text(const char *s, size_t n)
{
	char buf[4096];
	size_t m;

	if (n >= sizeof(buf))
		return;
	m = fg_utf8_sanitize(s, n, buf, sizeof(buf));
	CHECK(m == n && memcmp(buf, s, n) == 0);
}

static void
same_count(const struct fg_count *a, const struct fg_count *b)
{
	CHECK(a->n == b->n && a->frac == b->frac);
}

/* a and b are the same tree, index for index. */
static void
check_same(const struct fg_tree *a, const struct fg_tree *b)
{
	size_t i;

	CHECK(fg_tree_count(a) == fg_tree_count(b));
	CHECK(fg_tree_max_depth(a) == fg_tree_max_depth(b));
	CHECK(fg_tree_pruned(a) == fg_tree_pruned(b));
	CHECK(fg_tree_max_delta(a) == fg_tree_max_delta(b));
	for (i = 0; i < fg_tree_count(a); i++) {
		const struct fg_tree_node *x = fg_tree_node(a, (uint32_t)i);
		const struct fg_tree_node *y = fg_tree_node(b, (uint32_t)i);

		CHECK(x->name == y->name && x->parent == y->parent &&
		      x->first_child == y->first_child &&
		      x->next_sibling == y->next_sibling &&
		      x->depth == y->depth);
		same_count(&x->x, &y->x);
		same_count(&x->width, &y->width);
		same_count(&x->self, &y->self);
		same_count(&x->before, &y->before);
		same_count(&x->after, &y->after);
	}
}

static void
check_tree(const struct fg_tree *t)
{
	size_t i;

	for (i = 0; i < fg_tree_count(t); i++) {
		const struct fg_tree_node *p = fg_tree_node(t, (uint32_t)i);
		struct fg_count sum = p->self;
		uint32_t c;

		for (c = p->first_child; c != FG_TREE_NONE;
		     c = fg_tree_node(t, c)->next_sibling) {
			const struct fg_tree_node *ch = fg_tree_node(t, c);

			CHECK(ch->parent == i);
			CHECK(ch->depth == p->depth + 1);
			CHECK(fg_count_cmp(&ch->width, &p->width) <= 0);
			CHECK(fg_count_add(&sum, &ch->width) == FG_OK);
		}
		CHECK(fg_count_cmp(&sum, &p->width) <= 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum fg_tree_sort sorts[] = {
		FG_TREE_SORT_ALPHA, FG_TREE_SORT_WEIGHT, FG_TREE_SORT_INPUT,
		FG_TREE_SORT_ALPHA
	};
	struct fg_folded_opts fo = FG_FOLDED_OPTS_INIT;
	struct fg_tree_opts to = FG_TREE_OPTS_INIT;
	struct fg_tree_rewrite rw = { false, NULL, 0, false };
	struct fg_layout_opts lo;
	struct fg_svg_opts so;
	struct fg_folded_stats st;
	struct fg_diag d = FG_DIAG_INIT;
	struct fg_symtab *syms;
	struct fg_stacks *s, *r = NULL;
	struct fg_tree *t;
	struct fg_layout *l;
	struct fg_palette *p;
	struct fg_buf svg = FG_BUF_INIT;
	struct fg_lines *in;
	xmlDocPtr doc;
	uint8_t flags;
	size_t i, nf = 0;
	const char *q;
	int rc;

	if (size < 1)
		return 0;
	flags = data[0];
	in = fg_lines_from_mem(data + 1, size - 1, "fuzz");
	syms = fg_symtab_new();
	s = fg_stacks_new(syms, 2);
	rc = fg_folded_read(in, s, &fo, &st, &d);
	fg_lines_close(in);
	if (rc < 0)
		goto out;
	if (flags & 0x80) {
		rw.reverse = true;
		rw.chain = (flags & 0x40) != 0;
		r = fg_tree_rewrite(s, &rw, &d);
		CHECK(r != NULL);
	}
	fg_layout_opts_init(&lo);
	lo.font_width = 0.59;
	lo.inverted = (flags & 0x04) != 0;
	lo.truncate_right = (flags & 0x08) != 0;
	lo.min_width_pct = (flags & 0x10) != 0;
	lo.min_width = lo.min_width_pct ? 1 : 0.1;
	lo.width = (flags & 0x20) ? 60 : 1200;
	lo.legend = st.ncounts == 2;
	to.sort = sorts[flags & 3];
	to.width = (enum fg_tree_width)((flags >> 5) % 3);
	to.one_col = st.ncounts != 2;
	/* the threshold from the first column's total: prunes, not exact */
	to.min_count = fg_layout_min_count(&lo,
					   fg_count_to_double(&st.total[0]));
	t = fg_tree_build(r != NULL ? r : s, &to, &rc, &d);
	if (t == NULL) {
		CHECK(rc == FG_ERANGE);
		goto out;
	}
	check_tree(t);
	{
		struct fg_tree_opts po = to;
		struct fg_tree *pt;

		po.jobs = 3;
		po.task_items = 1 + size % 4;
		pt = fg_tree_build(r != NULL ? r : s, &po, &rc, &d);
		CHECK(pt != NULL);
		check_same(pt, t);
		fg_tree_free(pt);
	}
	l = fg_layout_new(t, &lo, &d);
	CHECK(l != NULL);
	for (i = 0; i < fg_layout_count(l); i++) {
		const struct fg_layout_frame *f = fg_layout_frame(l, i);

		check_text(f->name, f->name_len);
		check_text(f->label, f->label_len);
		CHECK(f->label_len == 0 || f->label_len == f->name_len ||
		      (f->label_len >= 2 &&
		       (memcmp(f->label, "..", 2) == 0 ||
			memcmp(f->label + f->label_len - 2, "..", 2) == 0)));
	}
	fg_svg_opts_init(&so);
	so.inverted = lo.inverted;
	so.notes = "fuzz -- notes";
	p = fg_palette_new(FG_PAL_JAVA, FG_COLOR_HASH, 1);
	rc = fg_svg_write_mem(t, l, p, &so, &svg, &d);
	CHECK(rc == FG_OK);
	doc = xmlReadMemory(svg.buf, (int)svg.len, "fuzz.svg", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR |
			    XML_PARSE_NOWARNING | XML_PARSE_HUGE);
	CHECK(doc != NULL);
	xmlFreeDoc(doc);
	for (q = svg.buf; (q = strstr(q, "<g class=\"f\"")) != NULL; q++)
		nf++;
	CHECK(nf == fg_layout_count(l));
	fg_buf_release(&svg);
	fg_palette_free(p);
	fg_layout_free(l);
	fg_tree_free(t);
out:
	fg_stacks_free(r);
	fg_stacks_free(s);
	fg_symtab_free(syms);
	return 0;
}
