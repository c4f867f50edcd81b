/*
 * stackcollapse-scalene - Scalene JSON profiles to folded stacks, one
 * metric at a time (CPU, its Python, native and system parts, memory,
 * copy volume, GPU).
 */
#include <fcntl.h>
#include <getopt.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fg/fg.h"
#include "tool.h"

static const char synopsis[] =
	"usage: stackcollapse-scalene [-hvV] [--drop-interp] [--frames style]\n"
	"                             [-m metric] [--no-native] [-o file]\n"
	"                             [--source source] [--split] [--strict]\n"
	"                             [-u unit] [transforms] [file ...]\n";

static void
usage(void)
{
	printf("%s", synopsis);
	printf("\n"
"Turn Scalene JSON profiles (Scalene 1.4 to 2.3) into folded stacks for\n"
"one metric. With no file, or '-', read standard input.\n"
"\n"
"  -m, --metric NAME      cpu (default: python + native + system time),\n"
"                         python, native, system, memory (sampled\n"
"                         allocation), copy (bytes copied) or gpu\n"
"      --source NAME      auto (default), lines (the line table), stacks,\n"
"                         combined (combined_stacks: Python and native\n"
"                         frames) or memory-stacks\n"
"      --frames STYLE     line table frames: file (FILE;FUNCTION;FILE:LINE,\n"
"                         the default) or pyspy (FUNCTION (FILE:LINE))\n"
"      --split            cpu from the line table with one leaf per part:\n"
"                         [python], [native] and [system]\n"
"      --no-native        combined: drop the native frames\n"
"      --drop-interp      combined: drop CPython runtime frames and\n"
"                         unresolved native frames\n"
"  -u, --unit UNIT        ns, us (default for time), ms, s; B, KiB\n"
"                         (default for memory and copy), MiB, GiB;\n"
"                         samples (stacks, combined)\n"
TOOL_HELP_OUTPUT
"      --strict           stop at the first malformed entry\n"
"  -v, --verbose          print each profile's totals on standard error\n"
TOOL_HELP_HV
"\n"
TOOL_COMMON_HELP
"\n"
"Example: stackcollapse-scalene --split profile.json | flamegraph > cpu.svg\n");
}

enum {
	OPT_DROP_INTERP = 256,
	OPT_FRAMES,
	OPT_NO_NATIVE,
	OPT_SOURCE,
	OPT_SPLIT,
	OPT_STRICT
};

static void
verbose_report(const struct fg_scalene *p, const struct fg_scalene_opts *o,
	       const struct fg_scalene_stats *st)
{
	const char *unit = fg_scalene_unit_name(st->unit);

	if (st->empty)
		return;
	tool_warn("%s: source %s, metric %s: %lu entries, %lu stacks, total %llu %s (unrounded %.3Lf)",
		  fg_scalene_name(p), fg_scalene_source_name(st->source),
		  fg_scalene_metric_name(o->metric), st->entries, st->stacks,
		  (unsigned long long)st->total, unit, st->exact);
	if (st->ref_what != NULL)
		tool_warn("%s: the profile's own total: %.3Lf %s (%s)",
			  fg_scalene_name(p), st->ref, unit, st->ref_what);
}

static struct fg_scalene *kept;	/* the last profile read */

/* Collapses one profile into s; returns whether entries were skipped. */
static bool
collapse_file(const char *path, const struct fg_scalene_opts *o,
	      struct fg_stacks *s, bool verbose)
{
	struct fg_scalene_stats st;
	struct fg_diag d = FG_DIAG_INIT;
	struct fg_scalene *p;
	int rc;

	if (path == NULL || strcmp(path, "-") == 0) {
		tool_progress_fd(STDIN_FILENO, FG_LINES_STDIN_NAME);
	} else {
		int fd = open(path, O_RDONLY | O_CLOEXEC);

		tool_progress_fd(fd, path);	/* fd -1: size unknown */
		if (fd >= 0)
			close(fd);
	}
	p = fg_scalene_load(path, &d);
	tool_progress_end();
	if (p == NULL)
		tool_die_diag(&d);
	rc = fg_scalene_collapse(p, o, s, &st, &d);
	if (rc == FG_EINVAL)
		tool_usage_error(synopsis, "%s: %s", fg_scalene_name(p), d.msg);
	if (rc < 0)
		tool_die_diag(&d);
	if (st.empty)
		tool_warn("%s: empty profile: Scalene recorded no samples",
			  fg_scalene_name(p));
	if (st.bad > 0)
		tool_warn("%s: %s (%lu malformed entr%s skipped)",
			  st.first_bad.file, st.first_bad.msg, st.bad,
			  st.bad == 1 ? "y" : "ies");
	if (verbose)
		verbose_report(p, o, &st);
	/*
	 * Each profile is freed when the next one has been read; the last
	 * one is left to the exit: freeing jansson's millions of nodes one
	 * by one would take a sixth of the run. It stays reachable from
	 * here, so leak checkers do not count it.
	 */
	fg_scalene_free(kept);
	kept = p;
	return st.bad > 0;
}

static const char *const frame_styles[] = { "file", "pyspy" };

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "drop-interp", no_argument, NULL, OPT_DROP_INTERP },
		{ "frames", required_argument, NULL, OPT_FRAMES },
		{ "metric", required_argument, NULL, 'm' },
		{ "no-native", no_argument, NULL, OPT_NO_NATIVE },
		{ "source", required_argument, NULL, OPT_SOURCE },
		{ "split", no_argument, NULL, OPT_SPLIT },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "unit", required_argument, NULL, 'u' },
		TOOL_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct fg_scalene_opts o = FG_SCALENE_OPTS_INIT;
	struct fg_diag d = FG_DIAG_INIT;
	const char *output = NULL;
	bool verbose = false, frames_given = false, skipped = false;
	struct fg_symtab *syms;
	struct fg_stacks *s;
	struct fg_filter *filter = NULL;
	int ch, v, i;

	tool_init("stackcollapse-scalene");
#ifdef M_MXFAST
	/*
	 * jansson's tree is millions of small blocks. With glibc's fast
	 * bins, each larger allocation or free first merges every freed
	 * small block (malloc_consolidate): a fifth of the run on a 100 MB
	 * profile. Without them, the whole run takes about 20% less time.
	 */
	mallopt(M_MXFAST, 0);
#endif
	while ((ch = getopt_long(argc, argv, ":hm:o:u:vV", longopts,
				 NULL)) != -1) {
		switch (ch) {
		case OPT_DROP_INTERP:
			o.drop_interp = true;
			break;
		case OPT_FRAMES:
			/* in the order of enum fg_scalene_frames */
			o.frames = (enum fg_scalene_frames)
				tool_choice(synopsis, optarg, frame_styles, 2,
					    "unknown frame style '%s' (file or pyspy)");
			frames_given = true;
			break;
		case 'h':
			usage();
			tool_output_close();
			return TOOL_EXIT_OK;
		case 'm':
			if ((v = fg_scalene_metric_parse(optarg)) < 0)
				tool_usage_error(synopsis,
						 "unknown metric '%s' (cpu, python, native, system, memory, copy or gpu)",
						 optarg);
			o.metric = (enum fg_scalene_metric)v;
			break;
		case OPT_NO_NATIVE:
			o.no_native = true;
			break;
		case 'o':
			output = optarg;
			break;
		case OPT_SOURCE:
			if ((v = fg_scalene_source_parse(optarg)) < 0)
				tool_usage_error(synopsis,
						 "unknown source '%s' (auto, lines, stacks, combined or memory-stacks)",
						 optarg);
			o.source = (enum fg_scalene_source)v;
			break;
		case OPT_SPLIT:
			o.split = true;
			break;
		case OPT_STRICT:
			o.strict = true;
			break;
		case 'u':
			if ((v = fg_scalene_unit_parse(optarg)) < 0)
				tool_usage_error(synopsis,
						 "unknown unit '%s' (ns, us, ms, s, B, KiB, MiB, GiB or samples)",
						 optarg);
			o.unit = (enum fg_scalene_unit)v;
			break;
		case 'v':
			tool_verbose = 1;
			break;
		default:
			tool_other_option(&filter, ch, optarg, synopsis, argv);
		}
	}
	argc -= optind;
	argv += optind;
	verbose = tool_verbose;

	/* --frames is about the line table: it makes auto choose it */
	if (frames_given && o.source == FG_SCALENE_SRC_AUTO)
		o.source = FG_SCALENE_SRC_LINES;
	if (frames_given && o.source != FG_SCALENE_SRC_LINES)
		tool_usage_error(synopsis,
				 "--frames applies to the line table, not source %s",
				 fg_scalene_source_name(o.source));
	if (fg_scalene_check_opts(&o, &d) < 0)
		tool_usage_error(synopsis, "%s", d.msg);
	tool_stdin_once(synopsis, argc, argv);

	syms = fg_symtab_new();
	s = fg_stacks_new(syms, 1);
	if (argc == 0)
		skipped |= collapse_file(NULL, &o, s, verbose);
	for (i = 0; i < argc; i++)
		skipped |= collapse_file(argv[i], &o, s, verbose);
	tool_filter_apply(filter, &s, 1, NULL);

	tool_write_folded(output, s, NULL);

	fg_filter_free(filter);
	fg_stacks_free(s);
	fg_symtab_free(syms);
	return skipped ? TOOL_EXIT_FAIL : TOOL_EXIT_OK;
}
