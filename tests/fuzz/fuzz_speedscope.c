/*
 * fuzz_speedscope - libFuzzer target for the speedscope and Chrome trace
 * readers.
 *
 * The input is a JSON document. The first byte (if any) picks the unit
 * (auto, samples, us, ms, s, weight) and whether the profile roots and
 * thread frames are dropped (merge_threads); the rest is read both as a
 * speedscope file and as a Chrome trace, each into its own table, and
 * fg_speedscope_detect runs on it.
 *
 * Invariants (abort() when broken):
 *   - each reader returns FG_OK, FG_EPARSE, FG_EFORMAT or FG_ERANGE, with
 *     a message (and a line when the input has one) when negative;
 *   - on success nothing is lost: the table's total equals the total the
 *     reader reports for the file, and the unit reported is a concrete
 *     one (never auto);
 *   - no stack of a table is empty, and the table writes out;
 *   - read from a file through a small window (1 to 16 bytes, from the
 *     first byte), each reader gives the same result, the same output
 *     and the same message (line and column included) as from memory.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fg/fg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull;

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "fuzz_speedscope: %s:%d: check failed: %s\n", \
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

struct outcome {
	int rc;
	struct fg_diag d;
	char *text;
	size_t len;
};

/*
 * Reads buf (from memory, or from a file through a window of window
 * bytes when window > 0) and checks the table; fills *out.
 */
static void
read_as(const char *buf, size_t n, int chrome, enum fg_speedscope_unit unit,
	const struct fg_pyspy_opts *o, size_t window, struct outcome *out)
{
	struct fg_symtab *syms = fg_symtab_new();
	struct fg_stacks *s = fg_stacks_new(syms, 1);
	struct fg_diag d = FG_DIAG_INIT;
	struct fg_pyspy *p = fg_pyspy_new(s, o, &d);
	struct fg_speedscope_stats st;
	struct fg_count total;
	size_t i, k;
	FILE *tmp = NULL, *fp;
	int rc;

	CHECK(p != NULL);
	if (window > 0) {
		tmp = tmpfile();
		CHECK(tmp != NULL);
		CHECK(fwrite(buf, 1, n, tmp) == n);
		CHECK(fflush(tmp) == 0);
		rewind(tmp);
		fg_speedscope_set_window(window);
		if (chrome)
			rc = fg_speedscope_read_chrometrace_fd(
				p, fileno(tmp), NULL, 0, "fuzz", unit, &st, &d);
		else
			rc = fg_speedscope_read_fd(p, fileno(tmp), NULL, 0,
						   "fuzz", unit, &st, &d);
		fclose(tmp);
	} else if (chrome) {
		rc = fg_speedscope_read_chrometrace(p, buf, n, "fuzz", unit,
						    &st, &d);
	} else {
		rc = fg_speedscope_read(p, buf, n, "fuzz", unit, &st, &d);
	}
	CHECK(rc == FG_OK || rc == FG_EPARSE || rc == FG_EFORMAT ||
	      rc == FG_ERANGE);
	if (rc < 0)
		CHECK(d.msg[0] != '\0' &&
		      memchr(d.msg, '\0', sizeof(d.msg)) != NULL);
	if (rc == FG_EPARSE)
		CHECK(d.line > 0);
	for (i = 0; i < fg_stacks_count(s); i++) {
		CHECK(fg_stacks_frames(s, i, &k) != NULL);
		CHECK(k > 0);
	}
	if (rc == FG_OK) {
		CHECK(st.unit != FG_UNIT_AUTO);
		if (!chrome || fg_stacks_count(s) > 0) {
			CHECK(fg_stacks_total(s, 0, &total) == FG_OK);
			CHECK(fg_count_cmp(&total, &st.total) == 0);
		}
	}
	CHECK(fg_folded_write(s, devnull) == FG_OK);
	out->rc = rc;
	out->d = d;
	out->text = NULL;
	out->len = 0;
	fp = open_memstream(&out->text, &out->len);
	CHECK(fp != NULL);
	CHECK(fg_folded_write(s, fp) == FG_OK);
	CHECK(fclose(fp) == 0);
	fg_pyspy_free(p);
	fg_stacks_free(s);
	fg_symtab_free(syms);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fg_pyspy_opts o = FG_PYSPY_OPTS_INIT;
	enum fg_speedscope_unit unit = FG_UNIT_AUTO;
	const char *buf;
	char *copy;
	enum fg_speedscope_kind kind;
	struct outcome mem, fd;
	size_t window = 1;
	int chrome;

	if (devnull == NULL) {
		devnull = fopen("/dev/null", "w");
		CHECK(devnull != NULL);
	}
	if (size > 0) {
		unit = (enum fg_speedscope_unit)(data[0] % 6);
		o.merge_threads = data[0] & 8;
		window = 1 + (data[0] >> 4);
		data++;
		size--;
	}
	/* an exact-size copy, so reads past the end are caught */
	copy = malloc(size ? size : 1);
	CHECK(copy != NULL);
	memcpy(copy, data, size);
	buf = copy;
	kind = fg_speedscope_detect(buf, size);
	CHECK(kind == FG_SPEEDSCOPE_NONE || kind == FG_SPEEDSCOPE_FILE ||
	      kind == FG_SPEEDSCOPE_CHROMETRACE ||
	      kind == FG_SPEEDSCOPE_OTHER_JSON);
	for (chrome = 0; chrome < 2; chrome++) {
		read_as(buf, size, chrome, unit, &o, 0, &mem);
		read_as(buf, size, chrome, unit, &o, window, &fd);
		CHECK(fd.rc == mem.rc);
		CHECK(fd.len == mem.len && memcmp(fd.text, mem.text, mem.len) == 0);
		CHECK(fd.d.line == mem.d.line && fd.d.col == mem.d.col);
		CHECK(strcmp(fd.d.msg, mem.d.msg) == 0);
		free(mem.text);
		free(fd.text);
	}
	free(copy);
	return 0;
}
