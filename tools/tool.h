/*
 * tool.h - what every flamekit command shares: its name, diagnostics,
 * usage errors, the -o output file and the final check of the output.
 */
#ifndef FG_TOOL_H
#define FG_TOOL_H

#include <stdint.h>
#include <stdio.h>

#include "fg/error.h"
#include "fg/folded.h"

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

#endif /* FG_TOOL_H */
