/*
 * stackcollapse-pstats - Python cProfile and profile files (.pstats) to
 * folded stacks, with times in microseconds by default.
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fg/fg.h"
#include "tool.h"

static const char synopsis[] =
	"usage: stackcollapse-pstats [-hV] [--mark-guessed] [--min-percent P]\n"
	"                            [--no-lines] [--path base|full|relative=DIR]\n"
	"                            [--strict] [--unit ns|us|ms|s] [-o file]\n"
	"                            [transforms] [file.pstats ...]\n";

static void
usage(void)
{
	printf("%s", synopsis);
	printf("\n"
"Rebuild folded stacks from the caller->callee totals of Python profile\n"
"files written by cProfile or profile (dump_stats, -o). Several files are\n"
"merged as pstats.Stats(a, b) does; with none, or '-', standard input is\n"
"read. Each function's self time in the output is its tottime and the\n"
"output total is the profile's total time; see stackcollapse-pstats(1).\n"
"\n"
"      --mark-guessed     append '_[?]' to frames whose place in the stack\n"
"                         is an estimate (several callers, recursion)\n"
"      --min-percent P    fold contexts smaller than P %% of the total time\n"
"                         into their caller's self time (default 0)\n"
"      --no-lines         leave line numbers out of frame names, merging a\n"
"                         file's functions of the same name\n"
TOOL_HELP_OUTPUT
"      --path MODE        file names in frames: base (default), full, or\n"
"                         relative=DIR (relative to DIR where below it)\n"
"      --strict           stop at the first malformed entry\n"
"      --unit UNIT        ns, us (default), ms or s\n"
TOOL_HELP_HV
"\n"
TOOL_COMMON_HELP
"\n"
"Example: stackcollapse-pstats run.pstats | flamegraph -o run.png\n");
}

/* Reads all of path (or standard input) into *buf; dies on failure. */
static void
slurp(const char *path, const char *name, struct fg_buf *buf)
{
	FILE *fp = stdin;
	struct stat sb;
	char tmp[65536];
	size_t n;

	fg_buf_reset(buf);
	if (path != NULL) {
		fp = fopen(path, "rb");
		if (fp == NULL)
			tool_die(TOOL_EXIT_FAIL, "cannot open '%s': %s", path,
				 strerror(errno));
	}
	/* a regular file is read into a buffer of its size, not doubled */
	if (fstat(fileno(fp), &sb) == 0 && S_ISREG(sb.st_mode) &&
	    sb.st_size > 0 && (uintmax_t)sb.st_size < SIZE_MAX / 2)
		fg_buf_grow(buf, (size_t)sb.st_size + 1);
	tool_progress_begin(name, S_ISREG(sb.st_mode) && sb.st_size > 0 ?
			    (unsigned long long)sb.st_size : 0);
	while ((n = fread(tmp, 1, sizeof(tmp), fp)) > 0) {
		fg_buf_add(buf, tmp, n);
		tool_progress_update(buf->len, 0, NULL);
	}
	tool_progress_end();
	if (ferror(fp))
		tool_die(TOOL_EXIT_FAIL, "%s: read error: %s", name,
			 strerror(errno));
	if (path != NULL)
		fclose(fp);
}

static double
parse_percent(const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end != '\0' || errno != 0 || !(v >= 0 && v <= 100))
		tool_usage_error(synopsis,
				 "invalid --min-percent '%s': a number from 0 to 100",
				 s);
	return v;
}

static void
parse_path(const char *s, struct fg_pstats_opts *o)
{
	if (strcmp(s, "base") == 0) {
		o->path = FG_PSTATS_PATH_BASE;
	} else if (strcmp(s, "full") == 0) {
		o->path = FG_PSTATS_PATH_FULL;
	} else if (strncmp(s, "relative=", 9) == 0 && s[9] != '\0') {
		o->path = FG_PSTATS_PATH_RELATIVE;
		o->relative_dir = s + 9;
	} else {
		tool_usage_error(synopsis,
				 "invalid --path '%s': base, full or relative=DIR",
				 s);
	}
}

static enum fg_pstats_unit
parse_unit(const char *s)
{
	static const char *const names[] = { "ns", "us", "ms", "s" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i]) == 0)
			return (enum fg_pstats_unit)i;
	tool_usage_error(synopsis, "invalid --unit '%s': ns, us, ms or s", s);
}

int
main(int argc, char **argv)
{
	enum { OPT_MARK = 256, OPT_MIN, OPT_NOLINES, OPT_PATH, OPT_STRICT,
	       OPT_UNIT };
	static const struct option longopts[] = {
		{ "mark-guessed", no_argument, NULL, OPT_MARK },
		{ "min-percent", required_argument, NULL, OPT_MIN },
		{ "no-lines", no_argument, NULL, OPT_NOLINES },
		{ "path", required_argument, NULL, OPT_PATH },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "unit", required_argument, NULL, OPT_UNIT },
		TOOL_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct fg_pstats_opts po = FG_PSTATS_OPTS_INIT;
	struct fg_pstats_result res;
	struct fg_buf buf = FG_BUF_INIT;
	struct fg_diag d = FG_DIAG_INIT;
	const char *output = NULL;
	struct fg_pstats *ps;
	struct fg_symtab *syms;
	struct fg_stacks *s;
	struct fg_filter *filter = NULL;
	bool strict = false, bad = false;
	int ch, i, nfiles, rc;

	tool_init("stackcollapse-pstats");
	while ((ch = getopt_long(argc, argv, ":ho:V", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage();
			tool_output_close();
			return TOOL_EXIT_OK;
		case 'o':
			output = optarg;
			break;
		case OPT_MARK:
			po.mark_guessed = true;
			break;
		case OPT_MIN:
			po.min_fraction = parse_percent(optarg) / 100;
			break;
		case OPT_NOLINES:
			po.no_lines = true;
			break;
		case OPT_PATH:
			parse_path(optarg, &po);
			break;
		case OPT_STRICT:
			strict = true;
			break;
		case OPT_UNIT:
			po.unit = parse_unit(optarg);
			break;
		default:
			tool_other_option(&filter, ch, optarg, synopsis, argv);
		}
	}
	argc -= optind;
	argv += optind;
	nfiles = argc > 0 ? argc : 1;
	tool_stdin_once(synopsis, argc, argv);

	ps = fg_pstats_new();
	for (i = 0; i < nfiles; i++) {
		const char *path = argc > 0 ? argv[i] : "-";
		bool is_stdin = strcmp(path, "-") == 0;
		const char *name = is_stdin ? FG_LINES_STDIN_NAME : path;
		struct fg_pstats_read st;

		slurp(is_stdin ? NULL : path, name, &buf);
		rc = fg_pstats_add(ps, buf.buf, buf.len, name, strict, &st, &d);
		if (rc < 0) {
			d.file = name;
			tool_die_diag(&d);
		}
		if (st.bad > 0) {
			tool_warn("%s: %s (%zu malformed entr%s skipped)", name,
				  st.first_bad.msg, st.bad,
				  st.bad == 1 ? "y" : "ies");
			bad = true;
		}
		if (st.count_edges > 0)
			tool_warn("%s: a profile-module file: per-caller times are estimated from call counts",
				  name);
		if (tool_verbose)
			tool_warn("%s: %zu bytes, %zu malformed entr%s",
				  name, buf.len, st.bad,
				  st.bad == 1 ? "y" : "ies");
	}
	fg_buf_release(&buf);

	syms = fg_symtab_new();
	s = fg_stacks_new(syms, 1);
	rc = fg_pstats_collapse(ps, &po, s, &res, &d);
	if (rc < 0)
		tool_die_diag(&d);
	if (res.raised)
		tool_warn("too many call paths: contexts under %g %% of the total time were merged",
			  res.merge_fraction * 100);
	tool_filter_apply(filter, &s, 1, NULL);
	tool_verbose_summary(s);
	tool_write_folded(output, s, NULL);

	fg_filter_free(filter);
	fg_stacks_free(s);
	fg_symtab_free(syms);
	fg_pstats_free(ps);
	return bad ? TOOL_EXIT_FAIL : TOOL_EXIT_OK;
}
