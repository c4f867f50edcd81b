/*
 * test_error.c - unit tests for error.c: status strings, diagnostics,
 * quoting and the allocation policy.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fg/error.h"

/* Returns 1 if the NUL-terminated s is well-formed UTF-8. */
static int
valid_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p != '\0') {
		size_t k, need;

		if (*p < 0x80) {
			p++;
			continue;
		}
		if ((*p & 0xe0) == 0xc0)
			need = 1;
		else if ((*p & 0xf0) == 0xe0)
			need = 2;
		else if ((*p & 0xf8) == 0xf0)
			need = 3;
		else
			return 0;
		for (k = 1; k <= need; k++)
			if ((p[k] & 0xc0) != 0x80)
				return 0;
		p += need + 1;
	}
	return 1;
}

static void
test_strerror_codes(void **state)
{
	static const struct {
		int code;
		const char *text;
	} codes[] = {
		{ FG_OK, "success" },
		{ FG_ENOMEM, "out of memory" },
		{ FG_EIO, "input/output error" },
		{ FG_EPARSE, "malformed input" },
		{ FG_ERANGE, "number out of range" },
		{ FG_EFORMAT, "unexpected input format" },
		{ FG_EDEP, "library failure" },
		{ FG_EINVAL, "invalid argument" },
	};
	size_t i, j;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		const char *s = fg_strerror(codes[i].code);

		assert_non_null(s);
		assert_string_equal(s, codes[i].text);
		/* Each code has its own text. */
		for (j = 0; j < i; j++)
			assert_string_not_equal(s,
			    fg_strerror(codes[j].code));
	}
}

static void
test_strerror_unknown(void **state)
{
	static const int unknown[] = { 1, 2, -8, -100, 12345, INT_MIN, INT_MAX };
	size_t i;

	for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		const char *s = fg_strerror(unknown[i]);

		assert_non_null(s);
		assert_string_equal(s, "unknown error");
	}
}

static void
test_strerror_lowercase(void **state)
{
	int code;

	for (code = FG_EINVAL; code <= FG_OK; code++) {
		const char *s = fg_strerror(code);

		assert_true(strlen(s) > 0);
		for (; *s != '\0'; s++)
			assert_false(*s >= 'A' && *s <= 'Z');
	}
}

static void
test_diag_init(void **state)
{
	struct fg_diag d = FG_DIAG_INIT;

	assert_null(d.file);
	assert_int_equal(d.line, 0);
	assert_int_equal(d.col, 0);
	assert_string_equal(d.msg, "");
}

static void
test_diag_set(void **state)
{
	struct fg_diag d = FG_DIAG_INIT;
	const char *file = "in.folded";

	fg_diag_set(&d, file, 12, 7, "bad %s at %d", "count", 42);
	assert_ptr_equal(d.file, file);
	assert_int_equal(d.line, 12);
	assert_int_equal(d.col, 7);
	assert_string_equal(d.msg, "bad count at 42");

	/* Setting again replaces everything. */
	fg_diag_set(&d, NULL, 0, 0, "%s", "other");
	assert_null(d.file);
	assert_int_equal(d.line, 0);
	assert_int_equal(d.col, 0);
	assert_string_equal(d.msg, "other");

	/* Large line and column numbers survive. */
	fg_diag_set(&d, file, ULONG_MAX, ULONG_MAX - 1, "x");
	assert_true(d.line == ULONG_MAX);
	assert_true(d.col == ULONG_MAX - 1);

	/* A NULL diag is ignored. */
	fg_diag_set(NULL, file, 1, 1, "nothing %d", 1);
}

static void
test_diag_clear(void **state)
{
	struct fg_diag d = FG_DIAG_INIT;

	fg_diag_set(&d, "f", 3, 4, "message");
	fg_diag_clear(&d);
	assert_null(d.file);
	assert_int_equal(d.line, 0);
	assert_int_equal(d.col, 0);
	assert_string_equal(d.msg, "");

	/* NULL is a no-op. */
	fg_diag_clear(NULL);
}

static void
test_diag_set_truncate(void **state)
{
	struct fg_diag d = FG_DIAG_INIT;
	char longmsg[1000];
	size_t i;

	for (i = 0; i < sizeof(longmsg) - 1; i++)
		longmsg[i] = (char)('a' + i % 26);
	longmsg[sizeof(longmsg) - 1] = '\0';
	fg_diag_set(&d, "f", 1, 2, "%s", longmsg);
	assert_int_equal(strlen(d.msg), FG_DIAG_MSG_MAX - 1);
	assert_memory_equal(d.msg, longmsg, FG_DIAG_MSG_MAX - 1);
	assert_int_equal(d.line, 1);
	assert_int_equal(d.col, 2);

	/* Exactly FG_DIAG_MSG_MAX - 1 bytes fit without a cut. */
	longmsg[FG_DIAG_MSG_MAX - 1] = '\0';
	fg_diag_set(&d, NULL, 0, 0, "%s", longmsg);
	assert_string_equal(d.msg, longmsg);
}

/*
 * "A message longer than FG_DIAG_MSG_MAX - 1 bytes is cut at a character
 * boundary": a multibyte UTF-8 character (a file name, say) straddling
 * the limit must not be split in two.
 */
static void
test_diag_set_truncate_utf8(void **state)
{
	struct fg_diag d = FG_DIAG_INIT;
	char msg[FG_DIAG_MSG_MAX + 16];
	size_t i;

	for (i = 0; i < FG_DIAG_MSG_MAX - 2; i++)
		msg[i] = 'x';
	/* U+00E9 (2 bytes) at offsets 254 and 255, then more text. */
	memcpy(msg + FG_DIAG_MSG_MAX - 2, "\xc3\xa9zzz", 6);
	fg_diag_set(&d, NULL, 0, 0, "%s", msg);
	assert_true(strlen(d.msg) <= FG_DIAG_MSG_MAX - 1);
	assert_true(strlen(d.msg) >= FG_DIAG_MSG_MAX - 2);
	assert_memory_equal(d.msg, msg, FG_DIAG_MSG_MAX - 2);
	assert_true(valid_utf8(d.msg));
}

static void
test_diag_quote_printable(void **state)
{
	char buf[128] = "";

	fg_diag_quote(buf, sizeof(buf), "main;foo bar 3", 14, 40);
	assert_string_equal(buf, "'main;foo bar 3'");
}

static void
test_diag_quote_appends(void **state)
{
	char buf[128] = "invalid count ";

	fg_diag_quote(buf, sizeof(buf), "x1", 2, 40);
	assert_string_equal(buf, "invalid count 'x1'");
}

static void
test_diag_quote_empty(void **state)
{
	char buf[16] = "";

	fg_diag_quote(buf, sizeof(buf), "", 0, 40);
	assert_string_equal(buf, "''");
}

static void
test_diag_quote_control(void **state)
{
	char buf[128] = "";

	fg_diag_quote(buf, sizeof(buf), "a\tb\n\x01\x1f\x7f\x80\xff~ z", 12,
		      40);
	assert_string_equal(buf,
	    "'a\\x09b\\x0a\\x01\\x1f\\x7f\\x80\\xff~ z'");
}

static void
test_diag_quote_nul(void **state)
{
	char buf[64] = "";

	fg_diag_quote(buf, sizeof(buf), "a\0b", 3, 40);
	assert_string_equal(buf, "'a\\x00b'");
}

static void
test_diag_quote_cut(void **state)
{
	char buf[128] = "";
	const char *s = "0123456789abcdefghijklmnopqrstuvwxyz";

	fg_diag_quote(buf, sizeof(buf), s, strlen(s), 10);
	assert_string_equal(buf, "'0123456789'...");

	/* Exactly max bytes: no "...". */
	buf[0] = '\0';
	fg_diag_quote(buf, sizeof(buf), s, 10, 10);
	assert_string_equal(buf, "'0123456789'");

	/* max counts input bytes, not output bytes. */
	buf[0] = '\0';
	fg_diag_quote(buf, sizeof(buf), "\x01\x02\x03\x04", 4, 2);
	assert_string_equal(buf, "'\\x01\\x02'...");
}

static void
test_diag_quote_small_buffer(void **state)
{
	char area[64];
	const char *s = "abcdefghijklmnopqrstuvwxyz0123456789";
	size_t sz, len;

	/* For every small size: NUL-terminated, within bounds, cut. */
	for (sz = 6; sz < 40; sz++) {
		memset(area, '#', sizeof(area));
		area[0] = '\0';
		fg_diag_quote(area, sz, s, strlen(s), 100);
		len = strlen(area);
		assert_true(len < sz);
		assert_true(len >= 5);
		assert_int_equal(area[0], '\'');
		assert_string_equal(area + len - 4, "'...");
		/* What was quoted is a prefix of the input. */
		assert_memory_equal(area + 1, s, len - 5);
		/* Nothing written past bufsz. */
		assert_int_equal(area[sz], '#');
	}

	/* Too small for even "''...": left as it was. */
	memset(area, '#', sizeof(area));
	memcpy(area, "abc", 4);
	fg_diag_quote(area, 8, s, strlen(s), 100);
	assert_string_equal(area, "abc");

	/* Escapes are never split by the cut. */
	memset(area, '#', sizeof(area));
	area[0] = '\0';
	fg_diag_quote(area, 16, "\x01\x02\x03\x04\x05\x06", 6, 100);
	len = strlen(area);
	assert_true(len < 16);
	assert_string_equal(area + len - 4, "'...");
	assert_int_equal((len - 5) % 4, 0);
}

/* Runs fn in a child; returns its wait status, its stderr in err. */
static int
run_child(void (*fn)(void), char *err, size_t errsz)
{
	int fds[2], status;
	pid_t pid;
	size_t len = 0;
	ssize_t r;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		dup2(fds[1], STDERR_FILENO);
		fn();
		_exit(0);
	}
	close(fds[1]);
	while (len + 1 < errsz &&
	       (r = read(fds[0], err + len, errsz - 1 - len)) > 0)
		len += (size_t)r;
	err[len] = '\0';
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void
oom_handler_exit(void)
{
	_exit(42);
}

static void
child_oom_with_handler(void)
{
	fg_set_oom_handler(oom_handler_exit);
	/* nmemb * size overflows: out of memory without calling malloc. */
	(void)fg_xreallocarray(NULL, SIZE_MAX / 2 + 2, 2);
	_exit(1);
}

static void
child_oom_without_handler(void)
{
	fg_set_oom_handler(NULL);
	(void)fg_xreallocarray(NULL, SIZE_MAX / 2 + 2, 2);
	_exit(1);
}

static void
test_oom_handler(void **state)
{
	char err[256];
	int status;

	status = run_child(child_oom_with_handler, err, sizeof(err));
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 42);
}

static void
test_oom_aborts(void **state)
{
	char err[4096];
	int status;

	status = run_child(child_oom_without_handler, err, sizeof(err));
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	assert_non_null(strstr(err, "out of memory"));
}

static void
test_xalloc(void **state)
{
	unsigned char *p, *q, *z;
	size_t i;

	/* Zero-byte requests give unique non-NULL pointers. */
	p = fg_xmalloc(0);
	q = fg_xmalloc(0);
	assert_non_null(p);
	assert_non_null(q);
	assert_ptr_not_equal(p, q);
	free(p);
	free(q);

	z = fg_xcalloc(100, 3);
	for (i = 0; i < 300; i++)
		assert_int_equal(z[i], 0);
	free(z);
	z = fg_xcalloc(0, 8);
	assert_non_null(z);
	free(z);

	/* xrealloc(NULL, n) is malloc, and keeps contents when growing. */
	p = fg_xrealloc(NULL, 16);
	for (i = 0; i < 16; i++)
		p[i] = (unsigned char)i;
	p = fg_xrealloc(p, 100000);
	for (i = 0; i < 16; i++)
		assert_int_equal(p[i], i);
	p = fg_xrealloc(p, 0);
	assert_non_null(p);
	free(p);

	p = fg_xreallocarray(NULL, 1000, sizeof(uint32_t));
	memset(p, 0xab, 1000 * sizeof(uint32_t));
	p = fg_xreallocarray(p, 4000, sizeof(uint32_t));
	for (i = 0; i < 1000 * sizeof(uint32_t); i++)
		assert_int_equal(p[i], 0xab);
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strerror_codes),
		cmocka_unit_test(test_strerror_unknown),
		cmocka_unit_test(test_strerror_lowercase),
		cmocka_unit_test(test_diag_init),
		cmocka_unit_test(test_diag_set),
		cmocka_unit_test(test_diag_clear),
		cmocka_unit_test(test_diag_set_truncate),
		cmocka_unit_test(test_diag_set_truncate_utf8),
		cmocka_unit_test(test_diag_quote_printable),
		cmocka_unit_test(test_diag_quote_appends),
		cmocka_unit_test(test_diag_quote_empty),
		cmocka_unit_test(test_diag_quote_control),
		cmocka_unit_test(test_diag_quote_nul),
		cmocka_unit_test(test_diag_quote_cut),
		cmocka_unit_test(test_diag_quote_small_buffer),
		cmocka_unit_test(test_oom_handler),
		cmocka_unit_test(test_oom_aborts),
		cmocka_unit_test(test_xalloc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
