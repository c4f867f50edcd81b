/*
 * fuzz_folded - libFuzzer target for the folded reader and writer.
 *
 * The input is a folded file. It is read twice through fg_lines_from_mem
 * and fg_folded_read: into a one-column table (FG_FOLDED_AUTO with
 * max_counts 1, as difffold reads) and into a two-column table
 * (max_counts 2); the low bit of the input's first byte says which of
 * the two reads is strict (the other is not), so both modes run on
 * every input. Each table is written with fg_folded_write to /dev/null.
 * Then it is read twice more into one table, and once with the hex
 * rewrite as a frame map (read_twice), and the whole input is parsed as
 * one line with fg_folded_parse_line.
 *
 * Invariants (abort() when broken):
 *   - stats: stacks + bad <= lines; ncounts is 0, 1 or 2 and fits the
 *     table; the table holds at most stats.stacks stacks;
 *   - totals: when no total overflowed, fg_stacks_total of each column
 *     equals the stats' total (and columns without counts are 0); when
 *     one did, fg_stacks_total reports FG_ERANGE for some column;
 *   - order: fg_stacks_sorted is a permutation, and adjacent stacks in
 *     it compare strictly increasing under fg_stacks_cmp;
 *   - round trip: what fg_folded_write wrote reads back (strictly,
 *     with the table's number of counts) into the same stacks with the
 *     same counts, and writes out again byte for byte the same;
 *   - merged (fg_stacks_merge) into an empty table, of a new symtab or
 *     of its own, the read-back table writes the same bytes; sorted by
 *     fg_stacks_sorted_by_rank with ids as ranks, it is in id order;
 *   - read twice into one table, every stack is found again and each
 *     count doubles; read with the hexadecimal rewrite as a frame map,
 *     stacks may merge but the total stays;
 *   - read on 2 to 4 threads from a memfd (chunks from 1 to 64 bytes),
 *     twice into one two-column table, the result is that of one thread
 *     reading from memory: status, diagnostics, stats, names, stacks;
 *   - a parsed line: its stack lies inside the input, the two-count
 *     reading is shorter, and every count formats and parses back to
 *     itself.
 */
#define _GNU_SOURCE		/* memfd_create */
#include <sys/mman.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fg/fg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull;

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "fuzz_folded: %s:%d: check failed: %s\n", \
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

/* A count must survive format -> parse unchanged. */
static void
check_count(const struct fg_count *c, unsigned decimals)
{
	char buf[FG_COUNT_BUFSZ];
	struct fg_count back;
	unsigned dec;
	size_t n;

	CHECK(c->frac < FG_COUNT_FRAC_ONE);
	CHECK(decimals <= FG_COUNT_DECIMALS);
	n = fg_count_format(c, buf);
	CHECK(n > 0 && n < FG_COUNT_BUFSZ && buf[n] == '\0');
	CHECK(fg_count_parse(buf, n, &back, &dec) == FG_OK);
	CHECK(fg_count_cmp(&back, c) == 0);
}

static void
check_sorted(const struct fg_stacks *s)
{
	size_t n = fg_stacks_count(s), i;
	uint32_t *order = fg_stacks_sorted(s);
	unsigned char *seen = calloc(n ? n : 1, 1);

	CHECK(order != NULL && seen != NULL);
	for (i = 0; i < n; i++) {
		CHECK(order[i] < n);
		CHECK(!seen[order[i]]);
		seen[order[i]] = 1;
		if (i > 0)
			CHECK(fg_stacks_cmp(s, order[i - 1], order[i]) < 0);
	}
	free(seen);
	free(order);
}

static void
check_totals(const struct fg_stacks *s, const struct fg_folded_stats *st)
{
	unsigned ncols = fg_stacks_ncols(s), c;
	struct fg_count t;
	int ranged = 0;

	for (c = 0; c < ncols; c++) {
		int rc = fg_stacks_total(s, c, &t);

		CHECK(rc == FG_OK || rc == FG_ERANGE);
		if (rc == FG_ERANGE) {
			ranged = 1;
			continue;
		}
		if (c < st->ncounts) {
			if (!st->total_overflow)
				CHECK(fg_count_cmp(&t, &st->total[c]) == 0);
		} else {
			CHECK(fg_count_is_zero(&t));
		}
	}
	CHECK(ranged == (int)st->total_overflow);
}

/* Writes s to a memory buffer; the caller frees *buf. */
static void
write_mem(const struct fg_stacks *s, char **buf, size_t *len)
{
	FILE *fp;

	*buf = NULL;
	*len = 0;
	fp = open_memstream(buf, len);
	CHECK(fp != NULL);
	CHECK(fg_folded_write(s, fp) == FG_OK);
	CHECK(fclose(fp) == 0);
}

/*
 * Merging s (read back from buf) into an empty table of a new symtab,
 * and into one of s's own, gives the same stacks in the same order: the
 * same bytes written.
 */
static void
check_merged(const struct fg_stacks *s, const char *buf, size_t len)
{
	unsigned ncols = fg_stacks_ncols(s), c;
	struct fg_symtab *syms3 = fg_symtab_new();
	struct fg_stacks *m[2];
	char *out;
	size_t olen, i;

	m[0] = fg_stacks_new(syms3, ncols);
	m[1] = fg_stacks_new(fg_stacks_symtab(s), ncols);
	for (i = 0; i < 2; i++) {
		for (c = 0; c < ncols; c++)
			CHECK(fg_stacks_merge(m[i], c, s, c) == FG_OK);
		CHECK(fg_stacks_count(m[i]) == fg_stacks_count(s));
		write_mem(m[i], &out, &olen);
		CHECK(olen == len && memcmp(out, buf, len) == 0);
		free(out);
		fg_stacks_free(m[i]);
	}
	fg_symtab_free(syms3);
}

/*
 * fg_stacks_sorted_by_rank with the ids as ranks: a permutation, each
 * stack before the next by the first differing id, or as its prefix.
 */
static void
check_by_rank(const struct fg_stacks *s)
{
	size_t nsyms = fg_symtab_count(fg_stacks_symtab(s));
	size_t n = fg_stacks_count(s), i, j, na, nb;
	uint32_t *rank = malloc((nsyms ? nsyms : 1) * sizeof(*rank));
	unsigned char *seen = calloc(n ? n : 1, 1);
	uint32_t *order;

	CHECK(rank != NULL && seen != NULL);
	for (i = 0; i < nsyms; i++)
		rank[i] = (uint32_t)i;
	order = fg_stacks_sorted_by_rank(s, rank);
	CHECK(order != NULL);
	for (i = 0; i < n; i++) {
		CHECK(order[i] < n && !seen[order[i]]);
		seen[order[i]] = 1;
		if (i > 0) {
			const uint32_t *a = fg_stacks_frames(s, order[i - 1],
							     &na);
			const uint32_t *b = fg_stacks_frames(s, order[i], &nb);

			for (j = 0; j < na && j < nb && a[j] == b[j]; j++)
				;
			CHECK(j < na && j < nb ? a[j] < b[j] : na < nb);
		}
	}
	free(order);
	free(seen);
	free(rank);
}

/*
 * Writes s, reads that back with the table's number of counts, and checks
 * that the copy holds the same stacks with the same counts and writes out
 * the same bytes.
 */
static void
check_roundtrip(const struct fg_stacks *s)
{
	const struct fg_symtab *syms = fg_stacks_symtab(s);
	unsigned ncols = fg_stacks_ncols(s), c;
	struct fg_symtab *syms2 = fg_symtab_new();
	struct fg_stacks *s2 = fg_stacks_new(syms2, ncols);
	struct fg_folded_opts o = FG_FOLDED_OPTS_INIT;
	struct fg_folded_stats st;
	struct fg_diag d = FG_DIAG_INIT;
	struct fg_lines *in;
	char *buf, *buf2;
	size_t len, len2, i, j, n, cap = 0;
	uint32_t *ids = NULL;

	write_mem(s, &buf, &len);
	in = fg_lines_from_mem(buf, len, "roundtrip");
	o.counts = ncols == 2 ? FG_FOLDED_TWO : FG_FOLDED_ONE;
	o.strict = true;
	if (fg_folded_read(in, s2, &o, &st, &d) != FG_OK) {
		fprintf(stderr, "fuzz_folded: re-reading the output: line %lu: %s\n",
			d.line, d.msg);
		CHECK(!"the written table reads back");
	}
	CHECK(st.bad == 0);
	CHECK(st.stacks == fg_stacks_count(s));
	CHECK(fg_stacks_count(s2) == fg_stacks_count(s));
	for (i = 0; i < fg_stacks_count(s2); i++) {
		const uint32_t *f = fg_stacks_frames(s2, i, &n);
		size_t k;

		if (n > cap) {
			cap = n;
			ids = realloc(ids, cap * sizeof(*ids));
			CHECK(ids != NULL);
		}
		for (j = 0; j < n; j++) {
			size_t nl;
			const char *name = fg_symtab_str(syms2, f[j], &nl);

			ids[j] = fg_symtab_find(syms, name, nl);
			CHECK(ids[j] != UINT32_MAX);
		}
		k = fg_stacks_find(s, ids, n);
		CHECK(k != SIZE_MAX);
		for (c = 0; c < ncols; c++)
			CHECK(fg_count_cmp(&fg_stacks_counts(s2, i)[c],
					   &fg_stacks_counts(s, k)[c]) == 0);
	}
	write_mem(s2, &buf2, &len2);
	CHECK(len2 == len && memcmp(buf, buf2, len) == 0);
	free(buf2);
	check_merged(s2, buf, len);
	check_by_rank(s2);

	free(ids);
	fg_lines_close(in);
	free(buf);
	fg_stacks_free(s2);
	fg_symtab_free(syms2);
}

/* Reads the input into a table of ncols columns and checks it. */
static void
read_into(const uint8_t *data, size_t size, unsigned ncols,
	  unsigned max_counts, int strict)
{
	struct fg_symtab *syms = fg_symtab_new();
	struct fg_stacks *s = fg_stacks_new(syms, ncols);
	struct fg_lines *in = fg_lines_from_mem(data, size, "fuzz");
	struct fg_folded_opts o = FG_FOLDED_OPTS_INIT;
	struct fg_folded_stats st;
	struct fg_diag d = FG_DIAG_INIT;
	size_t i, n;
	int rc;

	CHECK(s != NULL && in != NULL);
	o.col = 0;
	o.counts = FG_FOLDED_AUTO;
	o.max_counts = max_counts;
	o.strict = strict != 0;
	rc = fg_folded_read(in, s, &o, &st, &d);
	CHECK(rc == FG_OK || rc == FG_EPARSE || rc == FG_EFORMAT ||
	      rc == FG_ERANGE);
	if (rc == FG_EPARSE)
		CHECK(strict);
	if (rc < 0)
		CHECK(d.msg[0] != '\0' &&
		      memchr(d.msg, '\0', sizeof(d.msg)) != NULL);
	if (rc == FG_OK && strict)
		CHECK(st.bad == 0);

	CHECK(st.lines <= fg_lines_lineno(in));
	CHECK(st.stacks + st.bad <= st.lines);
	CHECK(st.ncounts <= max_counts && st.ncounts <= ncols);
	CHECK(st.decimals <= FG_COUNT_DECIMALS);
	CHECK(fg_stacks_count(s) <= st.stacks);
	if (st.stacks == 0)
		CHECK(fg_stacks_count(s) == 0);
	check_totals(s, &st);

	for (i = 0; i < fg_stacks_count(s); i++) {
		const struct fg_count *c = fg_stacks_counts(s, i);
		unsigned k;

		CHECK(fg_stacks_frames(s, i, &n) != NULL && n > 0);
		CHECK(fg_stacks_find(s, fg_stacks_frames(s, i, &n), n) == i);
		for (k = 0; k < ncols; k++)
			check_count(&c[k], 0);
	}
	check_sorted(s);
	CHECK(fg_folded_write(s, devnull) == FG_OK);
	check_roundtrip(s);

	fg_lines_close(in);
	fg_stacks_free(s);
	fg_symtab_free(syms);
}

/*
 * Reads the input twice into one table: the second time every stack is
 * found again (by its text), so the table keeps its stacks and each
 * count doubles. Then reads it once more with the hexadecimal rewrite
 * as a frame map: stacks may merge, but the totals stay.
 */
static void
read_twice(const uint8_t *data, size_t size)
{
	struct fg_symtab *syms = fg_symtab_new();
	struct fg_stacks *s = fg_stacks_new(syms, 1), *m;
	struct fg_folded_opts o = FG_FOLDED_OPTS_INIT;
	struct fg_folded_stats st, st2;
	struct fg_diag d = FG_DIAG_INIT;
	struct fg_rewrite *rw;
	struct fg_rewrite_memo memo;
	struct fg_lines *in;
	struct fg_count *first, sum;
	size_t n, i;
	int rc;

	o.max_counts = 1;
	in = fg_lines_from_mem(data, size, "fuzz");
	rc = fg_folded_read(in, s, &o, &st, &d);
	fg_lines_close(in);
	if (rc != FG_OK || st.total_overflow)
		goto done;
	n = fg_stacks_count(s);
	first = malloc((n ? n : 1) * sizeof(*first));
	CHECK(first != NULL);
	for (i = 0; i < n; i++)
		first[i] = fg_stacks_counts(s, i)[0];
	in = fg_lines_from_mem(data, size, "fuzz");
	rc = fg_folded_read(in, s, &o, &st2, &d);
	fg_lines_close(in);
	CHECK(rc == FG_OK || rc == FG_ERANGE);
	if (rc == FG_OK) {
		CHECK(fg_stacks_count(s) == n);
		for (i = 0; i < n; i++) {
			sum = first[i];
			CHECK(fg_count_add(&sum, &first[i]) == FG_OK);
			CHECK(fg_count_cmp(&sum, &fg_stacks_counts(s, i)[0]) == 0);
		}
	}
	free(first);

	rw = fg_rewrite_new(FG_REWRITE_HEX_PATTERN,
			    FG_REWRITE_HEX_REPLACEMENT, &d);
	CHECK(rw != NULL);
	fg_rewrite_memo_init(&memo, rw, syms);
	o.map = fg_rewrite_map;
	o.map_ctx = &memo;
	m = fg_stacks_new(syms, 1);
	in = fg_lines_from_mem(data, size, "fuzz");
	CHECK(fg_folded_read(in, m, &o, &st2, &d) == FG_OK);
	fg_lines_close(in);
	CHECK(fg_stacks_count(m) <= n);
	CHECK(st2.stacks == st.stacks && st2.bad == st.bad);
	CHECK(fg_stacks_total(m, 0, &sum) == FG_OK);
	CHECK(fg_count_cmp(&sum, &st.total[0]) == 0);
	fg_stacks_free(m);
	fg_rewrite_memo_release(&memo);
	fg_rewrite_free(rw);
done:
	fg_stacks_free(s);
	fg_symtab_free(syms);
}

static void
parse_whole(const uint8_t *data, size_t size)
{
	struct fg_folded_line fl;
	struct fg_diag d = FG_DIAG_INIT;
	const char *p = (const char *)data;
	int rc;

	rc = fg_folded_parse_line(p, size, &fl, &d);
	CHECK(rc == 0 || rc == 1 || rc == FG_EPARSE || rc == FG_ERANGE);
	if (rc < 0) {
		CHECK(d.msg[0] != '\0');
		CHECK(d.col <= size + 1);
		return;
	}
	if (rc == 0)
		return;
	CHECK(fl.stack == p);
	CHECK(fl.len1 > 0 && fl.len1 < size);
	check_count(&fl.count1, fl.decimals1);
	if (fl.has2) {
		CHECK(fl.len2 > 0 && fl.len2 < fl.len1);
		check_count(&fl.count2[0], fl.decimals2);
		check_count(&fl.count2[1], fl.decimals2);
		CHECK(fg_count_cmp(&fl.count2[1], &fl.count1) == 0);
	}
}

/* One read of the parallel check: a table read into twice, as difffold. */
struct pread {
	struct fg_symtab *syms;
	struct fg_stacks *s;
	int rc[2];
	struct fg_folded_stats st[2];
	struct fg_diag d[2];
};

static void
pread_run(struct pread *r, const uint8_t *data, size_t size, int fd,
	  unsigned jobs, size_t min_chunk, int strict)
{
	unsigned col;

	r->syms = fg_symtab_new();
	r->s = fg_stacks_new(r->syms, 2);
	for (col = 0; col < 2; col++) {
		struct fg_folded_opts o = FG_FOLDED_OPTS_INIT;
		struct fg_lines *in;

		o.col = col;
		o.max_counts = 1;
		o.strict = strict;
		o.jobs = jobs;
		o.min_chunk = min_chunk;
		fg_diag_clear(&r->d[col]);
		if (fd >= 0) {
			CHECK(lseek(fd, 0, SEEK_SET) == 0);
			in = fg_lines_from_fd(fd, "fuzz");
		} else {
			in = fg_lines_from_mem(data, size, "fuzz");
		}
		r->rc[col] = fg_folded_read(in, r->s, &o, &r->st[col],
					    &r->d[col]);
		fg_lines_close(in);
		if (r->rc[col] < 0) {
			r->rc[1] = 1;	/* not reached */
			break;
		}
	}
}

/*
 * Reading on several threads gives what one thread gives: the file (a
 * memfd, which is a regular file) read into a two-column table twice, on
 * 2 to 4 threads with chunks from 1 to 64 bytes, against the same reads
 * from memory on one thread: the status, diagnostics, stats, names in id
 * order and the stacks with their counts.
 */
static void
check_parallel(const uint8_t *data, size_t size)
{
	struct pread a, b;
	int fd = memfd_create("fuzz_folded", 0), strict;
	unsigned col, jobs;
	size_t i, k, na, nb, min_chunk;

	CHECK(fd >= 0);
	CHECK(size == 0 || write(fd, data, size) == (ssize_t)size);
	strict = size > 0 && (data[0] & 2);
	jobs = 2 + (size > 0 ? data[0] % 3 : 0);
	min_chunk = 1 + (size > 1 ? data[1] % 64 : 0);
	pread_run(&a, data, size, -1, 1, 0, strict);
	pread_run(&b, data, size, fd, jobs, min_chunk, strict);
	for (col = 0; col < 2; col++) {
		CHECK(a.rc[col] == b.rc[col]);
		if (a.rc[col] == 1)
			break;
		CHECK(strcmp(a.d[col].msg, b.d[col].msg) == 0);
		CHECK(a.d[col].line == b.d[col].line);
		CHECK(a.st[col].lines == b.st[col].lines);
		CHECK(a.st[col].stacks == b.st[col].stacks);
		CHECK(a.st[col].bad == b.st[col].bad);
		CHECK(a.st[col].first_bad.line == b.st[col].first_bad.line);
		CHECK(strcmp(a.st[col].first_bad.msg,
			     b.st[col].first_bad.msg) == 0);
		CHECK(a.st[col].ncounts == b.st[col].ncounts);
		CHECK(a.st[col].decimals == b.st[col].decimals);
		CHECK(a.st[col].total_overflow == b.st[col].total_overflow);
		if (!a.st[col].total_overflow)
			CHECK(fg_count_cmp(&a.st[col].total[0],
					   &b.st[col].total[0]) == 0);
	}
	if (a.rc[0] == FG_OK && a.rc[1] == FG_OK) {
		CHECK(fg_symtab_count(a.syms) == fg_symtab_count(b.syms));
		for (i = 0; i < fg_symtab_count(a.syms); i++) {
			const char *x = fg_symtab_str(a.syms, (uint32_t)i, &na);
			const char *y = fg_symtab_str(b.syms, (uint32_t)i, &nb);

			CHECK(na == nb && memcmp(x, y, na) == 0);
		}
		CHECK(fg_stacks_count(a.s) == fg_stacks_count(b.s));
		for (i = 0; i < fg_stacks_count(a.s); i++) {
			const uint32_t *x = fg_stacks_frames(a.s, i, &na);
			const uint32_t *y = fg_stacks_frames(b.s, i, &nb);

			CHECK(na == nb);
			for (k = 0; k < na; k++)
				CHECK(x[k] == y[k]);
			for (col = 0; col < 2; col++)
				CHECK(fg_count_cmp(&fg_stacks_counts(a.s, i)[col],
						   &fg_stacks_counts(b.s, i)[col]) == 0);
		}
	}
	fg_stacks_free(a.s);
	fg_symtab_free(a.syms);
	fg_stacks_free(b.s);
	fg_symtab_free(b.syms);
	close(fd);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int strict = size > 0 && (data[0] & 1);

	if (devnull == NULL) {
		devnull = fopen("/dev/null", "w");
		CHECK(devnull != NULL);
	}
	read_into(data, size, 1, 1, strict);
	read_into(data, size, 2, 2, !strict);
	read_twice(data, size);
	check_parallel(data, size);
	parse_whole(data, size);
	return 0;
}
