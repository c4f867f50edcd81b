/*
 * fuzz_pyspy - libFuzzer target for the py-spy raw reader and the frame
 * mapper.
 *
 * The input is raw text. The first byte (if any) picks the options: its
 * bits turn on no_threads, no_processes, merge_threads, no_native,
 * drop_empty and strict, and select the granularity and the path mode
 * (strip uses the prefix "/a"). The rest is read with fg_pyspy_read_raw
 * into a table, which is written to /dev/null.
 *
 * Invariants (abort() when broken):
 *   - the result is FG_OK, FG_EPARSE (only when strict) or FG_ERANGE,
 *     with a message when negative;
 *   - stats: stacks + bad <= lines, and every stack line went through
 *     fg_pyspy_add;
 *   - nothing lost: the table's total plus what drop_empty dropped
 *     equals every count added (when nothing overflowed);
 *   - no stack of the table is empty, and no frame of it is
 *     FG_PYSPY_DROP;
 *   - without drop_empty nothing is dropped;
 *   - the reader's memory of lines seen before changes nothing: the
 *     input read again with a line hash under which most lines collide,
 *     and read a line at a time (so that no line is ever found again),
 *     gives the same output, byte for byte.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fg/fg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* pyspy.c's line hash, for tests (no header declares it) */
extern uint64_t (*fg_pyspy_line_hash)(const void *data, size_t n);

static FILE *devnull;

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "fuzz_pyspy: %s:%d: check failed: %s\n", \
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

/* A hash under which many lines collide: the length and the last byte. */
static uint64_t
weak_hash(const void *data, size_t n)
{
	const unsigned char *p = data;

	return (uint64_t)(n % 3) << 32 | (n ? p[n - 1] % 4 : 0);
}

/* The folded output of s (malloc'd, NUL-terminated). */
static char *
output(const struct fg_stacks *s)
{
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);

	CHECK(fp != NULL);
	CHECK(fg_folded_write(s, fp) == FG_OK);
	CHECK(fclose(fp) == 0);
	return text;
}

/*
 * Reads data into a new table as raw text with o, the whole at once or
 * a line at a time; returns the output. All the reads must succeed.
 */
static char *
reread(const struct fg_pyspy_opts *o, const uint8_t *data, size_t size,
       int by_line)
{
	struct fg_symtab *syms = fg_symtab_new();
	struct fg_stacks *s = fg_stacks_new(syms, 1);
	struct fg_diag d = FG_DIAG_INIT;
	struct fg_pyspy *p = fg_pyspy_new(s, o, &d);
	struct fg_pyspy_raw_stats st;
	struct fg_lines *in;
	const uint8_t *nl;
	size_t n;
	char *text;

	CHECK(p != NULL);
	while (size > 0 || !by_line) {
		n = size;
		if (by_line && (nl = memchr(data, '\n', size)) != NULL)
			n = (size_t)(nl - data) + 1;
		in = fg_lines_from_mem(data, n, "fuzz");
		CHECK(fg_pyspy_read_raw(p, in, &st, &d) == FG_OK);
		fg_lines_close(in);
		data += n;
		size -= n;
		if (!by_line)
			break;
	}
	text = output(s);
	fg_pyspy_free(p);
	fg_stacks_free(s);
	fg_symtab_free(syms);
	return text;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fg_pyspy_opts o = FG_PYSPY_OPTS_INIT;
	struct fg_symtab *syms;
	struct fg_stacks *s;
	struct fg_pyspy *p;
	struct fg_lines *in;
	struct fg_pyspy_raw_stats st;
	const struct fg_pyspy_totals *t;
	struct fg_diag d = FG_DIAG_INIT;
	struct fg_count total, sum;
	unsigned char sel = size > 0 ? data[0] : 0;
	size_t i, n;
	int rc;

	if (devnull == NULL) {
		devnull = fopen("/dev/null", "w");
		CHECK(devnull != NULL);
	}
	o.no_threads = sel & 1;
	o.no_processes = sel & 2;
	o.merge_threads = sel & 4;
	o.no_native = sel & 8;
	o.drop_empty = sel & 16;
	o.strict = sel & 32;
	o.granularity = (enum fg_pyspy_granularity)((sel >> 6) % 3);
	o.path = (enum fg_pyspy_path)(((sel >> 6) + (sel & 1)) % 3);
	o.strip_prefix = "/a";
	if (size > 0) {
		data++;
		size--;
	}
	syms = fg_symtab_new();
	s = fg_stacks_new(syms, 1);
	p = fg_pyspy_new(s, &o, &d);
	CHECK(p != NULL);
	in = fg_lines_from_mem(data, size, "fuzz");
	rc = fg_pyspy_read_raw(p, in, &st, &d);
	CHECK(rc == FG_OK || rc == FG_EPARSE || rc == FG_ERANGE);
	if (rc == FG_EPARSE)
		CHECK(o.strict);
	if (rc < 0)
		CHECK(d.msg[0] != '\0');
	CHECK(st.stacks + st.bad <= st.lines);
	t = fg_pyspy_totals(p);
	CHECK(t->stacks_in >= st.stacks);
	if (!o.drop_empty)
		CHECK(fg_count_is_zero(&t->dropped));
	for (i = 0; i < fg_stacks_count(s); i++) {
		const uint32_t *f = fg_stacks_frames(s, i, &n);
		size_t j;

		CHECK(n > 0);
		for (j = 0; j < n; j++)
			CHECK(f[j] != FG_PYSPY_DROP && f[j] < fg_symtab_count(syms));
	}
	if (rc == FG_OK && fg_stacks_total(s, 0, &total) == FG_OK) {
		sum = total;
		CHECK(fg_count_add(&sum, &t->dropped) == FG_OK);
		CHECK(fg_count_cmp(&sum, &t->in) == 0);
	}
	CHECK(fg_folded_write(s, devnull) == FG_OK);
	if (rc == FG_OK) {
		char *want = output(s), *got;

		fg_pyspy_line_hash = weak_hash;
		got = reread(&o, data, size, 0);
		fg_pyspy_line_hash = NULL;
		CHECK(strcmp(got, want) == 0);
		free(got);
		got = reread(&o, data, size, 1);
		CHECK(strcmp(got, want) == 0);
		free(got);
		free(want);
	}
	fg_lines_close(in);
	fg_pyspy_free(p);
	fg_stacks_free(s);
	fg_symtab_free(syms);
	return 0;
}
