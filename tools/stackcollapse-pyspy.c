/*
 * stackcollapse-pyspy - py-spy output (raw, speedscope, Chrome trace)
 * folded: re-aggregated, sorted, at the granularity asked for.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fg/fg.h"
#include "tool.h"

static const char synopsis[] =
	"usage: stackcollapse-pyspy [-hvV] [--drop-empty] [--merge-threads]\n"
	"           [--no-native] [--no-processes] [--no-threads] [--strict]\n"
	"           [-g line|function|file] [--input raw|speedscope|chrometrace]\n"
	"           [-o file] [--path base|full|strip=PREFIX]\n"
	"           [--unit samples|us|ms|s] [transforms] [file ...]\n";

static void
usage(void)
{
	printf("%s", synopsis);
	printf("\n"
"Fold py-spy output into sorted folded stacks: 'py-spy record -f raw' text,\n"
"speedscope JSON (py-spy's or any other writer's) and Chrome trace JSON,\n"
"recognised by content. Reads standard input when no file is given.\n"
"\n"
"      --drop-empty       drop samples with no frames instead of counting\n"
"                         them as '" FG_PYSPY_EMPTY_FRAME "'\n"
"  -g, --granularity G    line (NAME (FILE:LINE), the default), function\n"
"                         (NAME (FILE): a function's lines merge) or file\n"
"      --input FORMAT     raw, speedscope or chrometrace: do not guess\n"
"      --merge-threads    'thread (TID): NAME' becomes 'thread: NAME', and\n"
"                         speedscope profile names are not added as roots\n"
"      --no-native        drop native frames (py-spy --native)\n"
"      --no-processes     drop 'process PID:\"CMDLINE\"' frames\n"
"      --no-threads       drop 'thread (TID): NAME' frames and profile roots\n"
TOOL_HELP_OUTPUT
"      --path P           file names: full (default), base (last component)\n"
"                         or strip=PREFIX (without a leading PREFIX)\n"
"      --strict           stop at the first malformed line\n"
"      --unit U           JSON input: samples (speedscope default when\n"
"                         every profile is sampled), us (default otherwise),\n"
"                         ms or s\n"
"  -v, --verbose          report each file's format, sizes and totals\n"
TOOL_HELP_HV
"\n"
TOOL_COMMON_HELP
"\n"
"Example: stackcollapse-pyspy profile.speedscope.json | flamegraph > p.svg\n");
}

enum input { IN_AUTO, IN_RAW, IN_SPEEDSCOPE, IN_CHROME };

struct run {
	enum input input;
	enum fg_speedscope_unit unit;
	bool verbose;
	bool failed;		/* something was skipped */
	struct fg_pyspy *p;
};

/* How much of an input is read to recognise its format. */
#define HEAD_SIZE 65536

/* Reads up to cap bytes from fd into buf (less only at the end). */
static size_t
read_head(int fd, char *buf, size_t cap, const char *name)
{
	size_t n = 0;
	ssize_t k;

	while (n < cap) {
		k = read(fd, buf + n, cap - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			tool_die(TOOL_EXIT_FAIL, "%s: read error: %s", name,
				 strerror(errno));
		if (k == 0)
			break;
		n += (size_t)k;
	}
	return n;
}

/* Reads the rest of fd after the n bytes at head; the caller frees it. */
static char *
read_rest(int fd, const char *head, size_t *n, const char *name)
{
	size_t cap = *n * 2 + HEAD_SIZE, k;
	char *buf = fg_xmalloc(cap);

	memcpy(buf, head, *n);
	for (;;) {
		if (*n == cap) {
			cap *= 2;
			buf = fg_xrealloc(buf, cap);
		}
		k = read_head(fd, buf + *n, cap - *n, name);
		if (k == 0)
			break;
		*n += k;
	}
	return buf;
}

static void
format_count(const struct fg_count *c, char *buf)
{
	fg_count_format(c, buf);
}

/* The count "after" less "before" (after >= before), for messages. */
static void
count_diff(const struct fg_count *after, const struct fg_count *before,
	   struct fg_count *out)
{
	out->n = after->n - before->n;
	if (after->frac >= before->frac) {
		out->frac = after->frac - before->frac;
	} else {
		out->frac = after->frac + FG_COUNT_FRAC_ONE - before->frac;
		out->n--;
	}
}

static void
report_totals(struct run *r, const char *name, const char *what,
	      const struct fg_pyspy_totals *before, const char *unit)
{
	const struct fg_pyspy_totals *t = fg_pyspy_totals(r->p);
	struct fg_count in, dropped, out;
	char a[FG_COUNT_BUFSZ], b[FG_COUNT_BUFSZ], c[FG_COUNT_BUFSZ];

	count_diff(&t->in, &before->in, &in);
	count_diff(&t->dropped, &before->dropped, &dropped);
	count_diff(&in, &dropped, &out);
	format_count(&in, a);
	format_count(&out, b);
	format_count(&dropped, c);
	tool_warn("%s: %s; total %s %s in, %s out, %s dropped (%lu empty stacks)",
		  name, what, a, unit, b, c, t->empty - before->empty);
}

static void
read_raw(struct run *r, struct fg_lines *in)
{
	struct fg_pyspy_raw_stats st;
	struct fg_pyspy_totals before = *fg_pyspy_totals(r->p);
	struct fg_diag d = FG_DIAG_INIT;
	char what[160];
	int rc;

	if (r->unit != FG_UNIT_AUTO && r->unit != FG_UNIT_SAMPLES)
		tool_die(TOOL_EXIT_FAIL,
			 "%s: raw input counts samples: --unit %s does not apply",
			 fg_lines_name(in), fg_speedscope_unit_name(r->unit));
	rc = fg_pyspy_read_raw(r->p, in, &st, &d);
	if (rc < 0) {
		if (d.msg[0] == '\0')
			fg_diag_set(&d, fg_lines_name(in), 0, 0, "%s",
				    fg_strerror(rc));
		tool_die_diag(&d);
	}
	if (st.bad > 0) {
		tool_warn("%s:%lu: %s (%lu malformed line%s skipped)",
			  st.first_bad.file, st.first_bad.line,
			  st.first_bad.msg, st.bad, st.bad == 1 ? "" : "s");
		if (st.stacks == 0)
			tool_warn("%s: not py-spy output: expected raw text ('FRAME;FRAME;... COUNT' lines), a speedscope JSON object or a Chrome trace array",
				  fg_lines_name(in));
		r->failed = true;
	}
	if (r->verbose) {
		snprintf(what, sizeof(what), "raw: %lu lines, %lu stacks",
			 st.lines, st.stacks);
		report_totals(r, fg_lines_name(in), what, &before, "samples");
	}
}

static void
read_json(struct run *r, enum input kind, int fd, const char *head,
	  size_t nhead, const char *name)
{
	struct fg_speedscope_stats st;
	struct fg_pyspy_totals before = *fg_pyspy_totals(r->p);
	struct fg_diag d = FG_DIAG_INIT;
	char what[320], tot[FG_COUNT_BUFSZ];
	int rc;

	if (kind == IN_SPEEDSCOPE)
		rc = fg_speedscope_read_fd(r->p, fd, head, nhead, name,
					   r->unit, &st, &d);
	else
		rc = fg_speedscope_read_chrometrace_fd(r->p, fd, head, nhead,
						       name, r->unit, &st, &d);
	if (rc < 0) {
		if (d.msg[0] == '\0')
			fg_diag_set(&d, name, 0, 0, "%s", fg_strerror(rc));
		tool_die_diag(&d);
	}
	if (!r->verbose)
		return;
	fg_count_format(&st.total, tot);
	if (kind == IN_SPEEDSCOPE)
		snprintf(what, sizeof(what),
			 "speedscope: %lu profiles (%lu sampled, %lu evented), %lu samples (%lu of weight 0), %lu events, %lu frames; file total %s %s",
			 st.profiles, st.sampled, st.evented, st.samples,
			 st.zero_weight, st.events, st.frames, tot,
			 fg_speedscope_unit_name(st.unit));
	else
		snprintf(what, sizeof(what),
			 "chrometrace: %lu threads, %lu B/E events, %lu other events; file total %s %s",
			 st.threads, st.events, st.other_events, tot,
			 fg_speedscope_unit_name(st.unit));
	report_totals(r, name, what, &before,
		      fg_speedscope_unit_name(st.unit));
}

static void
read_input(struct run *r, const char *arg)
{
	static char head[HEAD_SIZE];
	const char *path = strcmp(arg, "-") == 0 ? NULL : arg;
	const char *name = path ? path : FG_LINES_STDIN_NAME;
	enum input kind = r->input;
	struct fg_diag d = FG_DIAG_INIT;
	struct fg_lines *in;
	size_t nhead = 0;
	char *all;
	int fd = 0;

	if (kind != IN_RAW && path != NULL) {
		fd = open(path, O_RDONLY);
		if (fd < 0)
			tool_die(TOOL_EXIT_FAIL, "cannot open '%s': %s", path,
				 strerror(errno));
	}
	if (kind == IN_AUTO) {
		nhead = read_head(fd, head, sizeof(head), name);
		switch (fg_speedscope_detect(head, nhead)) {
		case FG_SPEEDSCOPE_FILE:
			kind = IN_SPEEDSCOPE;
			break;
		case FG_SPEEDSCOPE_CHROMETRACE:
			kind = IN_CHROME;
			break;
		case FG_SPEEDSCOPE_OTHER_JSON:
			tool_die(TOOL_EXIT_FAIL,
				 "%s: JSON, but not a py-spy format: expected a speedscope object with \"$schema\": \"%s\" or a Chrome trace (an array of events with \"ph\")",
				 name, FG_SPEEDSCOPE_SCHEMA);
		case FG_SPEEDSCOPE_NONE:
			kind = IN_RAW;
			break;
		}
		if (kind == IN_RAW && path == NULL) {
			/* standard input cannot be read again: hold it */
			all = read_rest(fd, head, &nhead, name);
			in = fg_lines_from_mem(all, nhead, name);
			read_raw(r, in);
			fg_lines_close(in);
			free(all);
			return;
		}
		if (kind == IN_RAW)
			close(fd);
	}
	if (kind == IN_RAW) {
		/* streamed: no need to hold the input */
		in = fg_lines_open(path, &d);
		if (in == NULL)
			tool_die_diag(&d);
		tool_progress_lines(in, path);
		read_raw(r, in);
		tool_progress_end();
		fg_lines_close(in);
		return;
	}
	tool_progress_fd(fd, name);
	fg_read_progress(nhead);	/* what was read to recognise it */
	read_json(r, kind, fd, head, nhead, name);
	tool_progress_end();
	if (path != NULL)
		close(fd);
}

enum {
	OPT_DROP_EMPTY = 256,
	OPT_INPUT,
	OPT_MERGE_THREADS,
	OPT_NO_NATIVE,
	OPT_NO_PROCESSES,
	OPT_NO_THREADS,
	OPT_PATH,
	OPT_STRICT,
	OPT_UNIT
};

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "drop-empty", no_argument, NULL, OPT_DROP_EMPTY },
		{ "granularity", required_argument, NULL, 'g' },
		{ "input", required_argument, NULL, OPT_INPUT },
		{ "merge-threads", no_argument, NULL, OPT_MERGE_THREADS },
		{ "no-native", no_argument, NULL, OPT_NO_NATIVE },
		{ "no-processes", no_argument, NULL, OPT_NO_PROCESSES },
		{ "no-threads", no_argument, NULL, OPT_NO_THREADS },
		{ "path", required_argument, NULL, OPT_PATH },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "unit", required_argument, NULL, OPT_UNIT },
		TOOL_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	static const char *const inputs[] = { "raw", "speedscope",
					      "chrometrace" };
	static const char *const grans[] = { "line", "function", "file" };
	static const char *const units[] = { "samples", "us", "ms", "s" };
	struct fg_pyspy_opts o = FG_PYSPY_OPTS_INIT;
	struct run r;
	const char *output = NULL;
	struct fg_diag d = FG_DIAG_INIT;
	struct fg_symtab *syms;
	struct fg_stacks *s;
	struct fg_filter *filter = NULL;
	int ch, i;

	memset(&r, 0, sizeof(r));
	tool_init("stackcollapse-pyspy");
	while ((ch = getopt_long(argc, argv, ":g:ho:vV", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_DROP_EMPTY:
			o.drop_empty = true;
			break;
		case 'g':
			o.granularity = (enum fg_pyspy_granularity)
				tool_choice(synopsis, optarg, grans, 3,
					    "invalid granularity '%s'");
			break;
		case 'h':
			usage();
			tool_output_close();
			return TOOL_EXIT_OK;
		case OPT_INPUT:
			r.input = (enum input)(1 + tool_choice(synopsis, optarg,
							       inputs, 3,
							       "invalid input format '%s'"));
			break;
		case OPT_MERGE_THREADS:
			o.merge_threads = true;
			break;
		case OPT_NO_NATIVE:
			o.no_native = true;
			break;
		case OPT_NO_PROCESSES:
			o.no_processes = true;
			break;
		case OPT_NO_THREADS:
			o.no_threads = true;
			break;
		case 'o':
			output = optarg;
			break;
		case OPT_PATH:
			if (strncmp(optarg, "strip=", 6) == 0) {
				o.path = FG_PYSPY_PATH_STRIP;
				o.strip_prefix = optarg + 6;
				if (o.strip_prefix[0] == '\0')
					tool_usage_error(synopsis,
							 "--path strip= needs a prefix");
			} else if (strcmp(optarg, "full") == 0) {
				o.path = FG_PYSPY_PATH_FULL;
			} else if (strcmp(optarg, "base") == 0) {
				o.path = FG_PYSPY_PATH_BASE;
			} else {
				tool_usage_error(synopsis, "invalid path mode '%s'",
						 optarg);
			}
			break;
		case OPT_STRICT:
			o.strict = true;
			break;
		case OPT_UNIT:
			r.unit = (enum fg_speedscope_unit)
				(FG_UNIT_SAMPLES +
				 tool_choice(synopsis, optarg, units, 4,
					     "invalid unit '%s'"));
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
	r.verbose = tool_verbose;
	tool_stdin_once(synopsis, argc, argv);

	syms = fg_symtab_new();
	s = fg_stacks_new(syms, 1);
	r.p = fg_pyspy_new(s, &o, &d);
	if (r.p == NULL)
		tool_die_diag(&d);
	if (argc == 0)
		read_input(&r, "-");
	for (i = 0; i < argc; i++)
		read_input(&r, argv[i]);
	tool_filter_apply(filter, &s, 1, NULL);

	tool_write_folded(output, s, NULL);

	fg_pyspy_free(r.p);
	fg_filter_free(filter);
	fg_stacks_free(s);
	fg_symtab_free(syms);
	return r.failed ? TOOL_EXIT_FAIL : TOOL_EXIT_OK;
}
