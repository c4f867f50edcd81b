/*
 * tool.c - usage, diagnostics and safe output for every flamekit command.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fg/fg.h"
#include "tool.h"

const char *tool_name = "flamekit";

static FILE *out_fp;
static const char *out_path;
static char *out_tmp;		/* the temporary file while it exists */
static volatile sig_atomic_t out_tmp_live;
static char out_tmp_sig[4096];	/* a copy for the signal handler */

static void
remove_tmp(void)
{
	if (out_tmp_live) {
		out_tmp_live = 0;
		unlink(out_tmp);
	}
}

static void
on_signal(int sig)
{
	if (out_tmp_live)
		unlink(out_tmp_sig);
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * SIGBUS: a mapped input (a regular file read on several threads) was
 * cut short while it was read, and the pages past its new end are gone.
 * Said as an error, not a crash: exit 1 after removing -o's temporary
 * file.
 */
static char bus_msg[256];
static size_t bus_len;

static void
on_bus(int sig)
{
	(void)sig;
	if (out_tmp_live)
		unlink(out_tmp_sig);
	if (write(STDERR_FILENO, bus_msg, bus_len) < 0)
		bus_len = 0;	/* nothing more can be said */
	_exit(TOOL_EXIT_FAIL);
}

void
tool_init(const char *name)
{
	int n;

	tool_name = name;
	opterr = 0;
	signal(SIGPIPE, SIG_DFL);
	atexit(remove_tmp);
	n = snprintf(bus_msg, sizeof(bus_msg),
		     "%s: an input file shrank while it was read (SIGBUS)\n",
		     name);
	bus_len = n > 0 && (size_t)n < sizeof(bus_msg) ? (size_t)n : 0;
	signal(SIGBUS, on_bus);
}

static void vwarn(const char *fmt, va_list ap)
	__attribute__((format(printf, 1, 0)));

static void
vwarn(const char *fmt, va_list ap)
{
	fflush(stdout);
	fprintf(stderr, "%s: ", tool_name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
tool_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
}

void
tool_die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	exit(status);
}

void
tool_diag(const struct fg_diag *d)
{
	if (d->file != NULL && d->line > 0)
		tool_warn("%s:%lu: %s", d->file, d->line, d->msg);
	else if (d->file != NULL && d->msg[0] != '\0' &&
		 strstr(d->msg, d->file) == NULL)
		tool_warn("%s: %s", d->file, d->msg);
	else
		tool_warn("%s", d->msg[0] ? d->msg : "unknown error");
}

void
tool_die_diag(const struct fg_diag *d)
{
	tool_diag(d);
	exit(TOOL_EXIT_FAIL);
}

void
tool_usage_error(const char *synopsis, const char *msg, ...)
{
	va_list ap;

	if (msg != NULL) {
		va_start(ap, msg);
		vwarn(msg, ap);
		va_end(ap);
	}
	fprintf(stderr, "%s", synopsis);
	fprintf(stderr, "Try '%s --help' for more information.\n", tool_name);
	exit(TOOL_EXIT_USAGE);
}

void
tool_bad_option(const char *synopsis, int ch, char **argv)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";
	const char *eq;

	if (strncmp(arg, "--", 2) == 0) {
		eq = strchr(arg, '=');
		if (ch == ':')
			tool_usage_error(synopsis,
					 "option '%s' needs an argument", arg);
		if (eq != NULL && optopt != 0)
			tool_usage_error(synopsis,
					 "option '%.*s' takes no argument",
					 (int)(eq - arg), arg);
		tool_usage_error(synopsis, "unknown option '%s'", arg);
	}
	if (ch == ':')
		tool_usage_error(synopsis, "option '-%c' needs an argument",
				 optopt);
	tool_usage_error(synopsis, "unknown option '-%c'", optopt);
}

void
tool_version(void)
{
	printf("%s (flamekit) %s\n", tool_name, FG_VERSION);
	tool_output_close();
	exit(TOOL_EXIT_OK);
}

FILE *
tool_output_open(const char *path)
{
	const char *slash;
	size_t dirlen;
	int fd;

	if (path == NULL || strcmp(path, "-") == 0) {
		static char obuf[1 << 16];

		setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
		out_fp = stdout;
		return out_fp;
	}
	/*
	 * A device or a FIFO (/dev/stdout, /dev/null, a named pipe) is
	 * written in place: a rename would replace it with a file.
	 */
	{
		struct stat sb;

		if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode) &&
		    !S_ISDIR(sb.st_mode)) {
			out_fp = fopen(path, "w");
			if (out_fp == NULL)
				tool_die(TOOL_EXIT_FAIL, "cannot open '%s': %s",
					 path, strerror(errno));
			out_path = path;
			return out_fp;
		}
	}
	slash = strrchr(path, '/');
	dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	out_tmp = fg_xmalloc(dirlen + 32);
	memcpy(out_tmp, path, dirlen);
	memcpy(out_tmp + dirlen, ".flamekit-XXXXXX", 17);
	fd = mkstemp(out_tmp);
	if (fd < 0)
		tool_die(TOOL_EXIT_FAIL, "cannot create '%s': %s", out_tmp,
			 strerror(errno));
	if (strlen(out_tmp) < sizeof(out_tmp_sig))
		memcpy(out_tmp_sig, out_tmp, strlen(out_tmp) + 1);
	out_tmp_live = 1;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	/* mkstemp makes 0600; give the file what a plain create would. */
	{
		mode_t mask = umask(0);

		umask(mask);
		fchmod(fd, 0666 & ~mask);
	}
	out_fp = fdopen(fd, "w");
	if (out_fp == NULL)
		tool_die(TOOL_EXIT_FAIL, "cannot open '%s': %s", out_tmp,
			 strerror(errno));
	out_path = path;
	return out_fp;
}

void
tool_output_close(void)
{
	FILE *fp = out_fp ? out_fp : stdout;
	int err = 0;

	if (fflush(fp) != 0 || ferror(fp))
		err = errno ? errno : EIO;
	if (fclose(fp) != 0 && err == 0)
		err = errno ? errno : EIO;
	out_fp = NULL;
	if (err != 0) {
		remove_tmp();
		tool_die(TOOL_EXIT_FAIL, "write error on '%s': %s",
			 out_path ? out_path : "standard output",
			 strerror(err));
	}
	if (out_tmp_live) {
		if (rename(out_tmp, out_path) != 0) {
			err = errno;
			remove_tmp();
			tool_die(TOOL_EXIT_FAIL, "cannot rename '%s' to '%s': %s",
				 out_tmp, out_path, strerror(err));
		}
		out_tmp_live = 0;
	}
}

void
tool_report_skipped(const struct fg_folded_stats *st)
{
	if (st->bad == 0)
		return;
	tool_warn("%s:%lu: %s (%lu malformed line%s skipped)",
		  st->first_bad.file, st->first_bad.line, st->first_bad.msg,
		  st->bad, st->bad == 1 ? "" : "s");
}

int tool_verbose;

enum { PROGRESS_AUTO, PROGRESS_ON, PROGRESS_OFF };
static int progress_mode = PROGRESS_AUTO;

int
tool_common_option(struct fg_filter **f, int ch, const char *arg,
		   const char *synopsis)
{
	struct fg_diag d = FG_DIAG_INIT;
	enum fg_filter_op op;

	switch (ch) {
	case TOOL_OPT_VERBOSE:
		tool_verbose = 1;
		return 1;
	case TOOL_OPT_PROGRESS:
		progress_mode = PROGRESS_ON;
		return 1;
	case TOOL_OPT_QUIET:
		progress_mode = PROGRESS_OFF;
		return 1;
	}
	if (ch < TOOL_OPT_FILTER || ch > TOOL_OPT_FILTER + FG_FILTER_RENAME)
		return 0;
	op = (enum fg_filter_op)(ch - TOOL_OPT_FILTER);
	if (op == FG_FILTER_COLLAPSE_RECURSION && arg != NULL) {
		if (strcmp(arg, "all") != 0)
			tool_usage_error(synopsis,
					 "--collapse-recursion takes no value or 'all', not '%s'",
					 arg);
		op = FG_FILTER_COLLAPSE_RECURSION_ALL;
		arg = NULL;
	}
	if (*f == NULL)
		*f = fg_filter_new();
	if (fg_filter_add(*f, op, arg, &d) < 0)
		tool_usage_error(synopsis, "%s", d.msg);
	return 1;
}

void
tool_filter_apply(struct fg_filter *f, struct fg_stacks **s, unsigned ncols,
		  struct fg_filter_removed *removed)
{
	struct fg_filter_removed *rm;
	struct fg_diag d = FG_DIAG_INIT;
	char buf[2][FG_COUNT_BUFSZ];
	unsigned c;
	size_t i, n;

	if (removed != NULL)
		memset(removed, 0, sizeof(*removed));
	if (f == NULL || (n = fg_filter_count(f)) == 0)
		return;
	rm = fg_xreallocarray(NULL, n, sizeof(*rm));
	if (fg_filter_apply(f, s, rm, &d) < 0)
		tool_die_diag(&d);
	if (ncols == 0 || ncols > fg_stacks_ncols(*s))
		ncols = fg_stacks_ncols(*s);
	for (i = 0; removed != NULL && i < n; i++) {
		removed->stacks += rm[i].stacks;
		for (c = 0; c < ncols; c++)
			if (fg_count_add(&removed->count[c], &rm[i].count[c]) < 0)
				tool_die(TOOL_EXIT_FAIL,
					 "the count removed by the transforms exceeds 18446744073709551615");
	}
	for (i = 0; tool_verbose && i < n; i++) {
		if (rm[i].stacks == 0)
			continue;
		for (c = 0; c < ncols; c++)
			fg_count_format(&rm[i].count[c], buf[c]);
		tool_warn("%s removed %lu stack%s, count %s%s%s",
			  fg_filter_describe(f, i), rm[i].stacks, rm[i].stacks == 1 ? "" : "s",
			  buf[0], ncols > 1 ? " / " : "",
			  ncols > 1 ? buf[1] : "");
	}
	free(rm);
}

/* Progress: state of the one line drawn on standard error. */
#define PROGRESS_AUTO_BYTES (64ull * 1024 * 1024)
static struct {
	int on;
	int drawn;
	unsigned long long size;	/* 0: unknown */
	double start, last;		/* seconds, CLOCK_MONOTONIC */
} progress;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* "812.3 MB" into buf (at least 16 bytes). */
static const char *
human(double v, char *buf, size_t n)
{
	static const char *const unit[] = { "", "k", "M", "G", "T" };
	size_t u = 0;

	while (v >= 1000 && u + 1 < sizeof(unit) / sizeof(unit[0])) {
		v /= 1000;
		u++;
	}
	snprintf(buf, n, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
	return buf;
}

void
tool_progress_begin(const char *path, unsigned long long size)
{
	progress.size = size;
	progress.drawn = 0;
	progress.start = progress.last = now();
	switch (progress_mode) {
	case PROGRESS_ON:
		progress.on = 1;
		break;
	case PROGRESS_OFF:
		progress.on = 0;
		break;
	default:
		progress.on = isatty(STDERR_FILENO) &&
			      size > PROGRESS_AUTO_BYTES;
	}
	(void)path;
}

void
tool_progress_update(unsigned long long bytes, unsigned long long items,
		     const char *what)
{
	char b[16], it[16], rate[16], eta[32] = "";
	double t, secs, bps;

	if (!progress.on)
		return;
	t = now();
	if (t - progress.last < 0.1)
		return;
	progress.last = t;
	secs = t - progress.start;
	bps = secs > 0 ? (double)bytes / secs : 0;
	if (progress.size > 0 && bps > 0 && bytes <= progress.size)
		snprintf(eta, sizeof(eta), ", %3.0f%%, ETA %.0f s",
			 100.0 * (double)bytes / (double)progress.size,
			 (double)(progress.size - bytes) / bps);
	fprintf(stderr, "\r%s: %sB read, %s%s%s%sB/s%s\033[K", tool_name,
		human((double)bytes, b, sizeof(b)),
		what != NULL ? human((double)items, it, sizeof(it)) : "",
		what != NULL ? what : "", what != NULL ? ", " : "",
		human(bps, rate, sizeof(rate)), eta);
	fflush(stderr);
	progress.drawn = 1;
}

int
tool_progress_active(void)
{
	return progress.on;
}

static void
read_hook(void *ctx, unsigned long long bytes)
{
	tool_progress_update(bytes, 0, NULL);
}

void
tool_progress_fd(int fd, const char *name)
{
	struct stat sb;

	tool_progress_begin(name, fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) ?
			    (unsigned long long)sb.st_size : 0);
	if (progress.on)
		fg_read_progress_set(read_hook, NULL);
}

void
tool_progress_end(void)
{
	fg_read_progress_set(NULL, NULL);
	if (progress.drawn) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	progress.drawn = 0;
	progress.on = 0;
}

static void
lines_progress(void *ctx, const struct fg_lines *l)
{
	tool_progress_update(fg_lines_bytes(l), fg_lines_lineno(l), "lines");
}

void
tool_progress_lines(struct fg_lines *l, const char *path)
{
	struct stat sb;
	unsigned long long size = 0;

	if (path != NULL && strcmp(path, "-") != 0 && stat(path, &sb) == 0 &&
	    S_ISREG(sb.st_mode))
		size = (unsigned long long)sb.st_size;
	tool_progress_begin(path, size);
	if (progress.on)
		fg_lines_set_progress(l, lines_progress, NULL);
}

void
tool_write_folded(const char *path, const struct fg_stacks *s,
		  const uint32_t *order)
{
	tool_write_folded_jobs(path, s, order, 1);
}

void
tool_write_folded_jobs(const char *path, const struct fg_stacks *s,
		       const uint32_t *order, unsigned jobs)
{
	FILE *out = tool_output_open(path);
	int rc = order != NULL ?
		 fg_folded_write_sorted_jobs(s, order, out, jobs) :
		 fg_folded_write(s, out);

	if (rc < 0) {
		/* tool_output_close reports the error and removes -o's file */
		tool_output_close();
		tool_die(TOOL_EXIT_FAIL, "write error");
	}
	tool_output_close();
}

void
tool_verbose_summary(const struct fg_stacks *s)
{
	unsigned col, ncols = fg_stacks_ncols(s);
	char t[FG_COUNT_BUFSZ], all[4 * FG_COUNT_BUFSZ] = "";
	struct fg_count c;
	size_t len = 0;

	if (!tool_verbose)
		return;
	for (col = 0; col < ncols; col++) {
		if (fg_stacks_total(s, col, &c) != FG_OK)
			return;
		fg_count_format(&c, t);
		if (len + 1 + strlen(t) >= sizeof(all))
			break;
		len += (size_t)snprintf(all + len, sizeof(all) - len, " %s", t);
	}
	tool_warn("output: %zu stacks, total%s%s", fg_stacks_count(s),
		  ncols > 1 ? "s" : "", all);
}

int
tool_choice(const char *synopsis, const char *arg, const char *const *names,
	    size_t n, const char *msg)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(arg, names[i]) == 0)
			return (int)i;
	/* msg is checked as a format where it is written (tool.h) */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	tool_usage_error(synopsis, msg, arg);
#pragma GCC diagnostic pop
}

void
tool_stdin_once(const char *synopsis, int argc, char *const *argv)
{
	int i, dashes = 0;

	for (i = 0; i < argc; i++)
		if (strcmp(argv[i], "-") == 0 && dashes++ > 0)
			tool_usage_error(synopsis,
					 "standard input can be read only once");
}

void
tool_other_option(struct fg_filter **f, int ch, const char *arg,
		  const char *synopsis, char **argv)
{
	if (ch == 'V')
		tool_version();
	if (!tool_common_option(f, ch, arg, synopsis))
		tool_bad_option(synopsis, ch, argv);
}

struct fg_lines *
tool_read_folded(const char *path, struct fg_stacks *s,
		 const struct fg_folded_opts *opts, struct fg_folded_stats *st)
{
	struct fg_diag d = FG_DIAG_INIT;
	struct fg_lines *in;
	int rc;

	in = fg_lines_open(path, &d);
	if (in == NULL)
		tool_die(TOOL_EXIT_FAIL, "%s", d.msg);
	tool_progress_lines(in, path);
	rc = fg_folded_read(in, s, opts, st, &d);
	tool_progress_end();
	if (rc < 0) {
		if (d.msg[0] == '\0')
			fg_diag_set(&d, fg_lines_name(in), 0, 0, "%s",
				    fg_strerror(rc));
		tool_die_diag(&d);
	}
	tool_report_skipped(st);
	return in;
}

unsigned
tool_jobs_parse(const char *synopsis, const char *arg)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || v < 1 || v > 1024)
		tool_usage_error(synopsis,
				 "-j needs a number of threads from 1 to 1024, not '%s'",
				 arg);
	return (unsigned)v;
}

unsigned
tool_jobs_online(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned)n : 1;
}
