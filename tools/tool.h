/*
 * tool.h - what every flamekit command shares: its name, diagnostics,
 * usage errors, the -o output file and the final check of the output.
 */
#ifndef FG_TOOL_H
#define FG_TOOL_H

#include <stdint.h>
#include <stdio.h>

#include "fg/error.h"
#include "fg/filter.h"
#include "fg/folded.h"
#include "fg/lineio.h"
#include "fg/stacks.h"

/* Exit statuses: 0 success, 1 failure (input, I/O), 2 usage error. */
#define TOOL_EXIT_OK 0
#define TOOL_EXIT_FAIL 1
#define TOOL_EXIT_USAGE 2

extern const char *tool_name;

/*
 * Sets tool_name to name, restores the default action of SIGPIPE (a
 * closed pipe ends the tool quietly) and arranges for an unfinished -o
 * file to be removed on exit or on SIGINT, SIGTERM or SIGHUP.
 */
void tool_init(const char *name);

/* "name: message" on standard error. */
void tool_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* tool_warn, then exit(status). */
_Noreturn void tool_die(int status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "name: file:line: message" (the parts that are known) on stderr. */
void tool_diag(const struct fg_diag *d);
_Noreturn void tool_die_diag(const struct fg_diag *d);

/*
 * Prints "name: message", the synopsis and a pointer to --help on
 * standard error, and exits 2. msg may be NULL (getopt already said).
 */
_Noreturn void tool_usage_error(const char *synopsis, const char *msg, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Reports the option getopt_long() just refused (it returned '?' or ':';
 * tool_init() turns getopt's own messages off, and optstring should start
 * with ':') as a usage error: exits 2.
 */
_Noreturn void tool_bad_option(const char *synopsis, int ch, char **argv);

/* Prints "name (flamekit) VERSION" and exits 0. */
_Noreturn void tool_version(void);

/*
 * Opens the output: standard output when path is NULL or "-", otherwise
 * a temporary file beside path that tool_output_close() renames over it.
 * Dies (status 1) if the file cannot be created.
 */
FILE *tool_output_open(const char *path);

/*
 * Flushes and closes the output, checking for write errors, and renames
 * the temporary file into place. On a write error it removes the
 * temporary file, reports the error and exits 1.
 */
void tool_output_close(void);

/*
 * Reports the malformed lines a folded read skipped, once per file:
 * "name: file:line: reason (N malformed lines skipped)".
 */
void tool_report_skipped(const struct fg_folded_stats *st);

/*
 * What every tool accepts beside its own options: the stack transforms
 * of flamekit-filters(7), --verbose, --progress and --quiet, and
 * -h/--help, -o/--output and -V/--version. A tool puts
 * TOOL_COMMON_LONGOPTS into its getopt_long table, handles 'h' and 'o'
 * itself, ends its option switch with tool_other_option() (which does
 * 'V', the options here, and calls anything else bad), and prints
 * TOOL_COMMON_HELP in its --help.
 */
#define TOOL_OPT_FILTER 0x1000	/* + enum fg_filter_op */
#define TOOL_OPT_VERBOSE 0x1100
#define TOOL_OPT_PROGRESS 0x1101
#define TOOL_OPT_QUIET 0x1102
#define TOOL_COMMON_LONGOPTS \
	{ "include", required_argument, NULL, TOOL_OPT_FILTER + FG_FILTER_INCLUDE }, \
	{ "exclude", required_argument, NULL, TOOL_OPT_FILTER + FG_FILTER_EXCLUDE }, \
	{ "focus", required_argument, NULL, TOOL_OPT_FILTER + FG_FILTER_FOCUS }, \
	{ "show-from", required_argument, NULL, TOOL_OPT_FILTER + FG_FILTER_SHOW_FROM }, \
	{ "hide", required_argument, NULL, TOOL_OPT_FILTER + FG_FILTER_HIDE }, \
	{ "prune-below", required_argument, NULL, TOOL_OPT_FILTER + FG_FILTER_PRUNE_BELOW }, \
	{ "collapse-recursion", optional_argument, NULL, TOOL_OPT_FILTER + FG_FILTER_COLLAPSE_RECURSION }, \
	{ "simplify-templates", no_argument, NULL, TOOL_OPT_FILTER + FG_FILTER_SIMPLIFY_TEMPLATES }, \
	{ "rename", required_argument, NULL, TOOL_OPT_FILTER + FG_FILTER_RENAME }, \
	{ "verbose", no_argument, NULL, TOOL_OPT_VERBOSE }, \
	{ "progress", no_argument, NULL, TOOL_OPT_PROGRESS }, \
	{ "quiet", no_argument, NULL, TOOL_OPT_QUIET }, \
	{ "help", no_argument, NULL, 'h' }, \
	{ "output", required_argument, NULL, 'o' }, \
	{ "version", no_argument, NULL, 'V' }
/* --help's lines for -o, and for -h and -V, in the tools' usual layout */
#define TOOL_HELP_OUTPUT \
"  -o, --output FILE      write to FILE, replaced only on success\n"
#define TOOL_HELP_HV \
"  -h, --help             print this help and exit\n" \
"  -V, --version          print the version and exit\n"
#define TOOL_COMMON_HELP \
"Stack transforms, in the order given (flamekit-filters(7)):\n" \
"  --include RE  --exclude RE  --focus RE  --show-from RE  --hide RE\n" \
"  --prune-below RE  --collapse-recursion[=all]  --simplify-templates\n" \
"  --rename RE=REPL    and --verbose (a summary), --progress, --quiet\n"

/* Whether --verbose was given (tool_common_option sets it). */
extern int tool_verbose;

/*
 * If ch is one of TOOL_COMMON_LONGOPTS, handles it (adding a transform
 * to *f, made on first use) and returns 1; otherwise returns 0. A bad
 * pattern or argument is a usage error (exit 2).
 */
int tool_common_option(struct fg_filter **f, int ch, const char *arg,
		       const char *synopsis);

/*
 * Runs the transforms of f (NULL: none) on *s. With --verbose, says on
 * standard error how many stacks and counts each transform removed.
 * removed, if not NULL, receives the sum of what they all removed.
 * ncols is the number of count columns in use (0: all of the table's),
 * for the messages. Dies (status 1) on an error.
 */
void tool_filter_apply(struct fg_filter *f, struct fg_stacks **s,
		       unsigned ncols, struct fg_filter_removed *removed);

/*
 * Progress on standard error: one line, redrawn at most 10 times a
 * second, erased by tool_progress_end(). It is drawn with --progress,
 * never with --quiet, and otherwise when standard error is a terminal
 * and the input is a regular file over 64 MB. tool_progress_lines()
 * hooks a line reader (path is what it was opened from; NULL or "-" for
 * standard input); a tool that reads otherwise calls
 * tool_progress_begin() with the input's size (0 when unknown) and
 * tool_progress_update() as it goes.
 */
void tool_progress_lines(struct fg_lines *l, const char *path);
void tool_progress_begin(const char *path, unsigned long long size);
void tool_progress_update(unsigned long long bytes, unsigned long long items,
			  const char *what);
void tool_progress_end(void);
/* Whether tool_progress_begin() decided to draw (what is NULL: no items). */
int tool_progress_active(void);

/*
 * Progress for a reader that reads a whole file through the library's
 * read hook (fg_read_progress_set): tool_progress_fd() starts it for the
 * open descriptor fd (its size when it is a regular file), and
 * tool_progress_end() also removes the hook.
 */
void tool_progress_fd(int fd, const char *name);

/*
 * Writes the folded table s to path (standard output when NULL or "-")
 * through tool_output_open() and tool_output_close(), in the order given
 * (an fg_stacks_sorted() array) or, when order is NULL, sorted. A
 * write error removes -o's file and exits 1. The _jobs form formats the
 * lines of a large table on up to jobs threads.
 */
void tool_write_folded_jobs(const char *path, const struct fg_stacks *s,
			    const uint32_t *order, unsigned jobs);
void tool_write_folded(const char *path, const struct fg_stacks *s,
		       const uint32_t *order);

/*
 * With --verbose, says on standard error what is written:
 * "output: N stacks, total T" ("totals T1 T2" for several columns).
 */
void tool_verbose_summary(const struct fg_stacks *s);

/*
 * Returns the index of arg among names[0..n-1]. Anything else is a usage
 * error (exit 2) worded by msg, a format with one %s for arg.
 */
int tool_choice(const char *synopsis, const char *arg,
		const char *const *names, size_t n, const char *msg)
	__attribute__((format(printf, 5, 0)));

/*
 * Standard input can be read only once: more than one "-" among the
 * argc operands in argv is a usage error (exit 2).
 */
void tool_stdin_once(const char *synopsis, int argc, char *const *argv);

/*
 * The default case of a tool's option switch: -V/--version
 * (tool_version()), tool_common_option(), and for an option it does not
 * know either, tool_bad_option() (exit 2).
 */
void tool_other_option(struct fg_filter **f, int ch, const char *arg,
		       const char *synopsis, char **argv);

/*
 * Reads the folded file path (NULL or "-": standard input) into s with
 * opts, drawing progress, and reports its skipped lines. Returns the
 * still open reader (for its name and size) for the caller to close. A
 * file that cannot be opened or read ends the tool (status 1).
 */
struct fg_lines *tool_read_folded(const char *path, struct fg_stacks *s,
				  const struct fg_folded_opts *opts,
				  struct fg_folded_stats *st);

/*
 * -j/--jobs: the threads a regular file is read with. tool_jobs_parse
 * takes the option's argument (1 to 1024; anything else is a usage
 * error); tool_jobs_online is the default, the online processors.
 */
#define TOOL_HELP_JOBS \
"  -j, --jobs N           threads for a regular file (default: CPUs)\n"
unsigned tool_jobs_parse(const char *synopsis, const char *arg);
unsigned tool_jobs_online(void);

#endif /* FG_TOOL_H */
