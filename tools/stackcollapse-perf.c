/*
 * stackcollapse-perf - `perf script` output to folded stacks, with the
 * CPython frame decoder.
 */
#define _DEFAULT_SOURCE		/* madvise */
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fg/fg.h"
#include "tool.h"

static const char synopsis[] =
	"usage: stackcollapse-perf [-hV] [-j N] [-o file] [option ...] [transforms]\n"
	"                          [file ...]\n";

static void
usage(void)
{
	printf("%s", synopsis);
	printf("\n"
"Read the text of 'perf script' (files, or standard input) and print one\n"
"line per distinct stack, 'comm;root;...;leaf weight', sorted. A sample\n"
"weighs its period when the header shows one, else 1.\n"
"\n"
TOOL_HELP_JOBS
"      --pid, --tid       root frame comm-PID, or comm-PID/TID\n"
"      --kernel, --jit    mark kernel _[k] / JIT _[j] frames; --all: both\n"
"      --addrs            show the address of unknown symbols\n"
"      --event-filter EVENT  keep EVENT (default: the first one seen)\n"
"      --count-samples    weigh every sample 1, not its period\n"
"      --inline, --context, --srcline  inlined frames _[i]; :file:line on\n"
"                         inlined / all frames (perf script -F +srcline)\n"
"      --skip-after FUNC  start each stack at FUNC (repeatable)\n"
"      --no-tidy          keep argument lists and quotes in symbols\n"
"      --strict           stop at the first unparseable line\n"
TOOL_HELP_OUTPUT
"  -h, --help, -V, --version\n"
"CPython 3.12+ (-X perf, or -X perf_jit and perf inject): py:: frames\n"
"become Python frames and the interpreter's glue is removed.\n"
"      --python, --no-python  decode and report 3.11-style stacks / never\n"
"      --py-path base|full    file name of a Python frame (default base)\n"
"      --py-glue REGEX    more interpreter frames to remove (repeatable)\n"
"      --keep-root        keep start-up frames above the first Python frame\n"
"      --py-self          interpreter frames count as the function's self\n"
"      --fold-interp      runs of interpreter frames become [python]\n"
"\n"
TOOL_COMMON_HELP
"\n"
"Example: perf script | stackcollapse-perf --python | flamegraph > out.svg\n");
}

enum {
	OPT_PID = 256, OPT_TID, OPT_KERNEL, OPT_JIT, OPT_ALL, OPT_ADDRS,
	OPT_EVENT, OPT_COUNT, OPT_INLINE, OPT_CONTEXT, OPT_SRCLINE, OPT_SKIP,
	OPT_NOTIDY, OPT_STRICT, OPT_PYTHON, OPT_NOPYTHON, OPT_PYPATH,
	OPT_PYGLUE, OPT_KEEPROOT, OPT_PYSELF, OPT_FOLD
};

static bool jobs_given;		/* -j was on the command line */

static void
mem_progress(void *ctx, unsigned long long bytes)
{
	tool_progress_update(bytes, 0, NULL);
}

static int
collapse_one(const char *path, unsigned jobs, struct fg_stacks *s,
	     struct fg_perf_opts *o, struct fg_perf_stats *st,
	     struct fg_diag *d)
{
	const char *name = path;
	struct stat sb;
	int fd, rc;

	if (path == NULL || strcmp(path, "-") == 0) {
		fd = STDIN_FILENO;
		name = FG_LINES_STDIN_NAME;
	} else {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fg_diag_set(d, NULL, 0, 0, "cannot open '%s': %s", path,
				    strerror(errno));
			return FG_EIO;
		}
	}
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) &&
	    (unsigned long long)sb.st_size < (unsigned long long)SIZE_MAX &&
	    lseek(fd, 0, SEEK_CUR) == 0) {
		size_t n = (size_t)sb.st_size;
		void *m = NULL;

		if (n > 0) {
			m = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
			if (m == MAP_FAILED) {
				fg_diag_set(d, NULL, 0, 0, "cannot map '%s': %s",
					    name, strerror(errno));
				if (fd != STDIN_FILENO)
					close(fd);
				return FG_EIO;
			}
			madvise(m, n, MADV_SEQUENTIAL);
		}
		/* by default, below 4 MiB a chunk is not worth a thread */
		if (!jobs_given && n / jobs < (4u << 20))
			jobs = (unsigned)(n / (4u << 20)) + 1;
		o->flags |= FG_PERF_MMAPPED;
		tool_progress_begin(name, n);
		if (tool_progress_active())
			o->progress = mem_progress;
		rc = fg_perf_collapse_mem(m ? m : "", n, name, jobs, s, o, st,
					  d);
		tool_progress_end();
		o->progress = NULL;
		o->flags &= ~(unsigned)FG_PERF_MMAPPED;
		if (m != NULL)
			munmap(m, n);
	} else {
		struct fg_lines *in = fg_lines_from_fd(fd, name);

		tool_progress_lines(in, NULL);
		rc = fg_perf_collapse(in, s, o, st, d);
		tool_progress_end();
		fg_lines_close(in);
	}
	if (fd != STDIN_FILENO)
		close(fd);
	return rc;
}

/* An event name, quoted and made printable. */
static void
quote_event(char *buf, size_t sz, const char *name, size_t len)
{
	buf[0] = '\0';
	fg_diag_quote(buf, sz, name, len < 128 ? len : 127, 60);
}

/* "'a' (3 samples), 'b' (5 samples)" for every event but the kept one */
static void
report_events(const char *name, const struct fg_perf_stats *st,
	      bool explicit_filter, const char *filter)
{
	struct fg_buf b = FG_BUF_INIT;
	size_t i, skipped = 0;
	char q[80], kept[80];

	for (i = 0; i < st->nevents; i++) {
		const struct fg_perf_event_stat *e = &st->events[i];

		if (e->len == st->event_len &&
		    memcmp(e->name, st->event, e->len < 128 ? e->len : 127) == 0)
			continue;
		quote_event(q, sizeof(q), e->name, e->len);
		fg_buf_addf(&b, "%s%s (%llu sample%s)", skipped ? ", " : "",
			    q, e->samples, e->samples == 1 ? "" : "s");
		skipped++;
	}
	if (st->other_events > 0)
		fg_buf_addf(&b, "%sother events (%llu samples)",
			    skipped++ ? ", " : "", st->other_events);
	quote_event(kept, sizeof(kept), st->event, st->event_len);
	if (explicit_filter && st->kept == 0 && st->samples > 0)
		tool_warn("%s: no samples of event '%s'; the input has %s",
			  name, filter, b.buf);
	else if (!explicit_filter && skipped > 0)
		tool_warn("%s: kept event %s (%llu sample%s); skipped %s; "
			  "choose with --event-filter", name, kept,
			  st->kept, st->kept == 1 ? "" : "s", b.buf);
	fg_buf_release(&b);
}

static void
report(const char *name, const struct fg_perf_stats *st,
       const struct fg_perf_opts *o, bool user_event, bool want_srcline,
       bool py_warn, bool *warned_py)
{
	report_events(name, st, user_event, o->event);
	if (st->lost > 0 || st->lost_records > 0)
		tool_warn("%s: perf lost %llu sample%s (%llu PERF_RECORD_LOST record%s); the profile is incomplete",
			  name, st->lost, st->lost == 1 ? "" : "s",
			  st->lost_records, st->lost_records == 1 ? "" : "s");
	if (want_srcline && st->srclines == 0 && st->samples > 0)
		tool_warn("%s: no srcline lines in the input: --srcline and --context need 'perf script -F +srcline'",
			  name);
	if (py_warn && st->py_interp > 0 && !*warned_py) {
		tool_warn("%s: %llu stack%s show%s CPython interpreter frames but no Python functions; record with 'python3.12 -X perf' (or newer) to see them",
			  name, st->py_interp, st->py_interp == 1 ? "" : "s",
			  st->py_interp == 1 ? "s" : "");
		*warned_py = true;
	}
	if (st->bad > 0)
		tool_warn("%s:%lu: %s (%llu unparseable line%s skipped)",
			  st->first_bad.file ? st->first_bad.file : name,
			  st->first_bad.line, st->first_bad.msg, st->bad,
			  st->bad == 1 ? "" : "s");
}

static const char *const py_paths[] = { "base", "full" };

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "addrs", no_argument, NULL, OPT_ADDRS },
		{ "all", no_argument, NULL, OPT_ALL },
		{ "context", no_argument, NULL, OPT_CONTEXT },
		{ "count-samples", no_argument, NULL, OPT_COUNT },
		{ "event-filter", required_argument, NULL, OPT_EVENT },
		{ "fold-interp", no_argument, NULL, OPT_FOLD },
		{ "inline", no_argument, NULL, OPT_INLINE },
		{ "jit", no_argument, NULL, OPT_JIT },
		{ "jobs", required_argument, NULL, 'j' },
		{ "keep-root", no_argument, NULL, OPT_KEEPROOT },
		{ "kernel", no_argument, NULL, OPT_KERNEL },
		{ "no-python", no_argument, NULL, OPT_NOPYTHON },
		{ "no-tidy", no_argument, NULL, OPT_NOTIDY },
		{ "pid", no_argument, NULL, OPT_PID },
		{ "py-glue", required_argument, NULL, OPT_PYGLUE },
		{ "py-path", required_argument, NULL, OPT_PYPATH },
		{ "py-self", no_argument, NULL, OPT_PYSELF },
		{ "python", no_argument, NULL, OPT_PYTHON },
		{ "skip-after", required_argument, NULL, OPT_SKIP },
		{ "srcline", no_argument, NULL, OPT_SRCLINE },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "tid", no_argument, NULL, OPT_TID },
		TOOL_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct fg_perf_opts o = FG_PERF_OPTS_INIT;
	struct fg_pyframe_opts py = FG_PYFRAME_OPTS_INIT;
	const char **skip = NULL, **glue = NULL;
	size_t nskip = 0, nglue = 0;
	bool python = false, nopython = false, pyopt = false;
	bool warned_py = false, any_bad = false;
	bool user_event;
	const char *output = NULL;
	char chosen[128];
	unsigned jobs = tool_jobs_online();
	struct fg_symtab *syms;
	struct fg_stacks *s;
	struct fg_filter *filter = NULL;
	struct fg_diag d = FG_DIAG_INIT;
	int ch, i, nfiles;

	tool_init("stackcollapse-perf");
	while ((ch = getopt_long(argc, argv, ":hj:o:V", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage();
			tool_output_close();
			return TOOL_EXIT_OK;
		case 'j':
			jobs = tool_jobs_parse(synopsis, optarg);
			jobs_given = true;
			break;
		case 'o':
			output = optarg;
			break;
		case OPT_PID:
			o.flags |= FG_PERF_PID;
			break;
		case OPT_TID:
			o.flags |= FG_PERF_TID;
			break;
		case OPT_KERNEL:
			o.flags |= FG_PERF_KERNEL;
			break;
		case OPT_JIT:
			o.flags |= FG_PERF_JIT;
			break;
		case OPT_ALL:
			o.flags |= FG_PERF_KERNEL | FG_PERF_JIT;
			break;
		case OPT_ADDRS:
			o.flags |= FG_PERF_ADDRS;
			break;
		case OPT_EVENT:
			if (optarg[0] == '\0')
				tool_usage_error(synopsis,
						 "--event-filter needs an event name");
			o.event = optarg;
			break;
		case OPT_COUNT:
			o.flags |= FG_PERF_COUNT_SAMPLES;
			break;
		case OPT_INLINE:
			o.flags |= FG_PERF_INLINE;
			break;
		case OPT_CONTEXT:
			o.flags |= FG_PERF_CONTEXT | FG_PERF_INLINE;
			break;
		case OPT_SRCLINE:
			o.flags |= FG_PERF_SRCLINE;
			break;
		case OPT_SKIP:
			skip = fg_xreallocarray(skip, nskip + 1, sizeof(*skip));
			skip[nskip++] = optarg;
			break;
		case OPT_NOTIDY:
			o.flags |= FG_PERF_NO_TIDY;
			break;
		case OPT_STRICT:
			o.flags |= FG_PERF_STRICT;
			break;
		case OPT_PYTHON:
			python = true;
			break;
		case OPT_NOPYTHON:
			nopython = true;
			break;
		case OPT_PYPATH:
			/* in the order of enum fg_py_path */
			py.path = (enum fg_py_path)
				tool_choice(synopsis, optarg, py_paths, 2,
					    "--py-path must be 'base' or 'full', not '%s'");
			pyopt = true;
			break;
		case OPT_PYGLUE:
			glue = fg_xreallocarray(glue, nglue + 1, sizeof(*glue));
			glue[nglue++] = optarg;
			pyopt = true;
			break;
		case OPT_KEEPROOT:
			py.keep_root = true;
			pyopt = true;
			break;
		case OPT_PYSELF:
			py.py_self = true;
			pyopt = true;
			break;
		case OPT_FOLD:
			py.fold_interp = true;
			pyopt = true;
			break;
		default:
			tool_other_option(&filter, ch, optarg, synopsis, argv);
		}
	}
	if ((o.flags & FG_PERF_PID) && (o.flags & FG_PERF_TID))
		o.flags &= ~(unsigned)FG_PERF_PID;
	if (nopython && (python || pyopt))
		tool_usage_error(synopsis,
				 "--no-python cannot be combined with --python or the --py-*, --keep-root, --fold-interp options");
	py.mode = nopython ? FG_PY_OFF : python ? FG_PY_ON : FG_PY_AUTO;
	py.glue = glue;
	py.nglue = nglue;
	user_event = o.event != NULL;
	o.py = &py;
	o.skip_after = skip;
	o.nskip_after = nskip;
	argc -= optind;
	argv += optind;
	tool_stdin_once(synopsis, argc, argv);

	/* a bad --py-glue pattern is a usage error, found before reading */
	{
		struct fg_symtab *t = fg_symtab_new();
		struct fg_pyframe *pf = fg_pyframe_new(t, NULL, &py, &d);

		if (pf == NULL)
			tool_usage_error(synopsis, "%s", d.msg);
		fg_pyframe_free(pf);
		fg_symtab_free(t);
	}

	syms = fg_symtab_new();
	s = fg_stacks_new(syms, 1);
	nfiles = argc > 0 ? argc : 1;
	for (i = 0; i < nfiles; i++) {
		const char *path = argc > 0 ? argv[i] : NULL;
		const char *name = path && strcmp(path, "-") != 0 ?
				   path : FG_LINES_STDIN_NAME;
		struct fg_perf_stats st;
		int rc;

		fg_diag_clear(&d);
		rc = collapse_one(path, jobs, s, &o, &st, &d);
		if (rc < 0) {
			if (d.msg[0] == '\0')
				fg_diag_set(&d, name, 0, 0, "%s",
					    fg_strerror(rc));
			tool_die_diag(&d);
		}
		report(name, &st, &o, user_event,
		       o.flags & (FG_PERF_SRCLINE | FG_PERF_CONTEXT),
		       python || py.fold_interp, &warned_py);
		if (tool_verbose) {
			char w[FG_COUNT_BUFSZ], ev[80];

			fg_count_format(&st.weight, w);
			quote_event(ev, sizeof(ev), st.event, st.event_len);
			tool_warn("%s: %llu lines, %llu samples, %llu of event %s weighing %s, %llu without a callchain, %llu Python stacks decoded, %llu unparseable lines",
				  name, st.lines, st.samples, st.kept, ev, w,
				  st.nocallchain, st.py_decoded, st.bad);
		}
		if (st.bad > 0)
			any_bad = true;
		/* the next files keep the event the first one chose */
		if (o.event == NULL && st.event_len > 0 &&
		    st.event_len < sizeof(chosen) &&
		    memchr(st.event, '\0', st.event_len) == NULL) {
			memcpy(chosen, st.event, sizeof(chosen));
			o.event = chosen;
			o.flags |= FG_PERF_EVENT_EXACT;
		}
	}

	tool_filter_apply(filter, &s, 1, NULL);
	tool_verbose_summary(s);
	tool_write_folded(output, s, NULL);
	fg_filter_free(filter);
	fg_stacks_free(s);
	fg_symtab_free(syms);
	free(skip);
	free(glue);
	return any_bad ? TOOL_EXIT_FAIL : TOOL_EXIT_OK;
}
