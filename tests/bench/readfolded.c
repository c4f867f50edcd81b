/*
 * readfolded - read folded files into a stack table and do nothing
 * else: the cost of the folded reader alone, the baseline topfns.sh
 * compares topfns with.
 *
 *     readfolded FILE...
 *
 * Reads as topfns does (fg_folded_read into a two-column table, counts
 * per file decided by its first line) and prints the number of distinct
 * stacks and frame names, so the work cannot be optimised away.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fg/fg.h"

int
main(int argc, char **argv)
{
	struct fg_symtab *syms = fg_symtab_new();
	struct fg_stacks *s = fg_stacks_new(syms, 2);
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: readfolded FILE...\n");
		return 2;
	}
	for (i = 1; i < argc; i++) {
		struct fg_folded_opts o = FG_FOLDED_OPTS_INIT;
		struct fg_folded_stats st;
		struct fg_diag d = FG_DIAG_INIT;
		struct fg_lines *l = fg_lines_open(argv[i], &d);

		if (l == NULL || fg_folded_read(l, s, &o, &st, &d) < 0) {
			fprintf(stderr, "readfolded: %s\n", d.msg);
			return 1;
		}
		fg_lines_close(l);
	}
	printf("%zu stacks, %zu names\n", fg_stacks_count(s),
	       fg_symtab_count(syms));
	fg_stacks_free(s);
	fg_symtab_free(syms);
	return 0;
}
