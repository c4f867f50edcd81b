/*
 * difffold - two folded profiles into one differential folded file:
 * every stack of either, as "stack before after".
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fg/fg.h"
#include "tool.h"

static const char synopsis[] =
	"usage: difffold [-hnsV] [-j jobs] [--strict] [-o file] [transforms]\n"
	"                before.folded after.folded\n";

static void
usage(void)
{
	printf("%s", synopsis);
	printf("\n"
"Print every stack found in either folded file as 'stack before after',\n"
"sorted, with 0 where a file lacks the stack. Either file may be '-'.\n"
"\n"
TOOL_HELP_JOBS
"  -n, --normalize        scale the before counts so their total equals\n"
"                         the after total (exactly; see difffold(1))\n"
TOOL_HELP_OUTPUT
"  -s, --strip-hex        replace hexadecimal addresses (0x...) in frame\n"
"                         names with '0x...' before matching stacks\n"
"      --strict           stop at the first malformed line\n"
TOOL_HELP_HV
"\n"
TOOL_COMMON_HELP
"\n"
"Example: difffold before.folded after.folded | flamegraph > diff.svg\n");
}

__extension__ typedef unsigned __int128 u128;

struct share {
	uint64_t rem;		/* remainder of the exact quotient */
	uint32_t pos;		/* position in sorted order: the tie-break */
	uint32_t idx;
};

static int
share_cmp(const void *a, const void *b)
{
	const struct share *x = a, *y = b;

	if (x->rem != y->rem)
		return x->rem > y->rem ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/*
 * Scales the before column so that its total becomes the after total,
 * exactly: each count becomes floor(count * after / before) in units of
 * the finest decimal place either file used, and the units left over go
 * one each to the stacks with the largest remainders (ties in sorted
 * order). The totals then agree to the last digit.
 */
static void
normalize(struct fg_stacks *s, const uint32_t *order,
	  const struct fg_folded_stats *st1, const struct fg_folded_stats *st2)
{
	unsigned dec = st1->decimals > st2->decimals ? st1->decimals :
						       st2->decimals;
	size_t n = fg_stacks_count(s), i, nshare = 0;
	uint64_t t1, t2, sum = 0, left;
	struct share *sh;

	if (st1->total_overflow || st2->total_overflow)
		tool_die(TOOL_EXIT_FAIL,
			 "cannot normalize: a total exceeds 18446744073709551615");
	if (fg_count_cmp(&st1->total[0], &st2->total[0]) == 0)
		return;
	if (fg_count_is_zero(&st1->total[0])) {
		tool_warn("cannot normalize: the before total is 0; counts left as they are");
		return;
	}
	if (fg_count_to_units(&st1->total[0], dec, &t1) < 0 ||
	    fg_count_to_units(&st2->total[0], dec, &t2) < 0)
		tool_die(TOOL_EXIT_FAIL,
			 "cannot normalize exactly: totals in units of 10^-%u exceed 64 bits",
			 dec);
	sh = fg_xreallocarray(NULL, n ? n : 1, sizeof(*sh));
	for (i = 0; i < n; i++) {
		struct fg_count *c = &fg_stacks_counts_mut(s, order[i])[0];
		uint64_t u;
		u128 prod;

		/* a count is at most its total, so it fits too */
		if (fg_count_to_units(c, dec, &u) < 0)
			tool_die(TOOL_EXIT_FAIL, "internal error: count units");
		prod = (u128)u * t2;
		fg_count_from_units((uint64_t)(prod / t1), dec, c);
		sum += (uint64_t)(prod / t1);
		if (prod % t1 != 0)
			sh[nshare++] = (struct share){ (uint64_t)(prod % t1),
						       (uint32_t)i, order[i] };
	}
	left = t2 - sum;
	qsort(sh, nshare, sizeof(*sh), share_cmp);
	for (i = 0; i < left && i < nshare; i++) {
		struct fg_count *c = &fg_stacks_counts_mut(s, sh[i].idx)[0];
		struct fg_count unit;

		fg_count_from_units(1, dec, &unit);
		fg_count_add(c, &unit);
	}
	free(sh);
}

static void
read_file(const char *path, struct fg_stacks *s, unsigned col, bool strict,
	  unsigned jobs, struct fg_rewrite_memo *memo,
	  struct fg_folded_stats *st)
{
	struct fg_folded_opts o = FG_FOLDED_OPTS_INIT;
	struct fg_lines *in;

	o.col = col;
	o.counts = FG_FOLDED_AUTO;
	o.max_counts = 1;
	o.strict = strict;
	o.jobs = jobs;
	if (memo != NULL) {
		o.map = fg_rewrite_map;
		o.map_ctx = memo;
	}
	in = tool_read_folded(path, s, &o, st);
	if (tool_verbose) {
		char t[FG_COUNT_BUFSZ];

		fg_count_format(&st->total[0], t);
		tool_warn("%s: %llu bytes, %lu lines, %lu stack lines, %lu malformed, total %s%s; read on %u thread%s",
			  fg_lines_name(in), fg_lines_bytes(in), st->lines,
			  st->stacks, st->bad, t,
			  st->total_overflow ? " (overflowed)" : "",
			  st->threads, st->threads == 1 ? "" : "s");
	}
	fg_lines_close(in);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "jobs", required_argument, NULL, 'j' },
		{ "normalize", no_argument, NULL, 'n' },
		{ "strict", no_argument, NULL, 'S' },
		{ "strip-hex", no_argument, NULL, 's' },
		TOOL_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	bool norm = false, strip = false, strict = false;
	unsigned jobs;
	const char *output = NULL;
	struct fg_folded_stats st1, st2;
	struct fg_rewrite *rw = NULL;
	struct fg_filter *filter = NULL;
	struct fg_rewrite_memo memo;
	struct fg_symtab *syms;
	struct fg_stacks *s;
	struct fg_diag d = FG_DIAG_INIT;
	uint32_t *order;
	int ch;

	tool_init("difffold");
	jobs = tool_jobs_online();
	while ((ch = getopt_long(argc, argv, ":hj:no:sV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage();
			tool_output_close();
			return TOOL_EXIT_OK;
		case 'j':
			jobs = tool_jobs_parse(synopsis, optarg);
			break;
		case 'n':
			norm = true;
			break;
		case 'o':
			output = optarg;
			break;
		case 'S':
			strict = true;
			break;
		case 's':
			strip = true;
			break;
		default:
			tool_other_option(&filter, ch, optarg, synopsis, argv);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 2)
		tool_usage_error(synopsis, argc < 2 ?
				 "two folded files are needed" :
				 "too many operands");
	if (strcmp(argv[0], "-") == 0 && strcmp(argv[1], "-") == 0)
		tool_usage_error(synopsis,
				 "only one of the inputs can be standard input");

	syms = fg_symtab_new();
	s = fg_stacks_new(syms, 2);
	if (strip) {
		rw = fg_rewrite_new(FG_REWRITE_HEX_PATTERN,
				    FG_REWRITE_HEX_REPLACEMENT, &d);
		if (rw == NULL)
			tool_die_diag(&d);
		fg_rewrite_memo_init(&memo, rw, syms);
	}
	read_file(argv[0], s, 0, strict, jobs, strip ? &memo : NULL, &st1);
	read_file(argv[1], s, 1, strict, jobs, strip ? &memo : NULL, &st2);

	if (filter != NULL) {
		/* -n scales what the transforms left */
		tool_filter_apply(filter, &s, 0, NULL);
		st1.total_overflow = fg_stacks_total(s, 0, &st1.total[0]) < 0;
		st2.total_overflow = fg_stacks_total(s, 1, &st2.total[0]) < 0;
	}
	order = fg_stacks_sorted_jobs(s, jobs);
	if (norm)
		normalize(s, order, &st1, &st2);
	tool_verbose_summary(s);
	tool_write_folded_jobs(output, s, order, jobs);

	free(order);
	if (strip) {
		fg_rewrite_memo_release(&memo);
		fg_rewrite_free(rw);
	}
	fg_filter_free(filter);
	fg_stacks_free(s);
	fg_symtab_free(syms);
	return st1.bad || st2.bad ? TOOL_EXIT_FAIL : TOOL_EXIT_OK;
}
