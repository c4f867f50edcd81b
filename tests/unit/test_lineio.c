/*
 * test_lineio.c - unit tests for lineio.c, the chunked line reader: line
 * ends, CRLF, a missing final newline, lines longer than a chunk or
 * across chunk boundaries, memory, descriptors, pipes, files, errors.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fg/error.h"
#include "fg/lineio.h"

/* The reader's chunk (lineio.c): lines around it are the hard cases. */
#define CHUNK (1024 * 1024)

/* Reads every line of l and checks it against want[0 .. n-1]. */
static void
expect_lines(struct fg_lines *l, const char *const *want, size_t n)
{
	struct fg_diag d = FG_DIAG_INIT;
	const char *p;
	size_t len, i;

	assert_int_equal(fg_lines_lineno(l), 0);
	for (i = 0; i < n; i++) {
		assert_int_equal(fg_lines_next(l, &p, &len, &d), 1);
		assert_int_equal(len, strlen(want[i]));
		assert_memory_equal(p, want[i], len);
		assert_int_equal(fg_lines_lineno(l), i + 1);
	}
	assert_int_equal(fg_lines_next(l, &p, &len, &d), 0);
	/* the end stays the end */
	assert_int_equal(fg_lines_next(l, &p, &len, &d), 0);
	assert_int_equal(fg_lines_lineno(l), n);
}

static void
check_mem(const char *text, const char *const *want, size_t n)
{
	struct fg_lines *l = fg_lines_from_mem(text, strlen(text), "mem");

	assert_string_equal(fg_lines_name(l), "mem");
	expect_lines(l, want, n);
	assert_int_equal(fg_lines_bytes(l), strlen(text));
	fg_lines_close(l);
}

static void
test_lines_mem(void **state)
{
	static const char *const ab[] = { "a", "b" };
	static const char *const one_empty[] = { "" };
	static const char *const two_empty[] = { "", "" };
	static const char *const cr[] = { "a\rb", "\r", "c" };
	static const char *const spaces[] = { "  x y  ", "\t" };

	check_mem("", NULL, 0);
	check_mem("a\nb\n", ab, 2);
	check_mem("a\nb", ab, 2);		/* no final newline */
	check_mem("a\r\nb\r\n", ab, 2);		/* CRLF */
	check_mem("a\r\nb", ab, 2);
	check_mem("a\r\nb\r", ab, 2);		/* CR at the very end */
	check_mem("\n", one_empty, 1);
	check_mem("\r\n", one_empty, 1);
	check_mem("\n\n", two_empty, 2);
	check_mem("\n\r\n", two_empty, 2);
	/* only a CR before the newline is removed, and only one */
	check_mem("a\rb\n\r\r\nc", cr, 3);
	check_mem("  x y  \n\t\n", spaces, 2);
}

static void
test_lines_mem_nul(void **state)
{
	static const char text[] = "a\0b\nc\0\n\0";
	struct fg_diag d = FG_DIAG_INIT;
	struct fg_lines *l = fg_lines_from_mem(text, sizeof(text) - 1, NULL);
	const char *p;
	size_t n;

	assert_int_equal(fg_lines_next(l, &p, &n, &d), 1);
	assert_int_equal(n, 3);
	assert_memory_equal(p, "a\0b", 3);
	assert_int_equal(fg_lines_next(l, &p, &n, &d), 1);
	assert_int_equal(n, 2);
	assert_memory_equal(p, "c\0", 2);
	assert_int_equal(fg_lines_next(l, &p, &n, &d), 1);
	assert_int_equal(n, 1);
	assert_int_equal(p[0], '\0');
	assert_int_equal(fg_lines_next(l, &p, &n, &d), 0);
	fg_lines_close(l);
	fg_lines_close(NULL);
}

/*
 * Test text: lines of the given lengths, each filled with a letter
 * that names it, CRLF-terminated where crlf says, the last without a
 * newline if noeol.
 */
struct text {
	char *buf;
	size_t len;
	size_t *lens;
	size_t n;
};

static void
make_text(struct text *t, const size_t *lens, size_t n, int crlf, int noeol)
{
	size_t i, total = 0, pos = 0;

	for (i = 0; i < n; i++)
		total += lens[i] + 2;
	t->buf = malloc(total + 1);
	assert_non_null(t->buf);
	t->lens = malloc(n * sizeof(*t->lens));
	assert_non_null(t->lens);
	for (i = 0; i < n; i++) {
		memset(t->buf + pos, 'a' + (int)(i % 26), lens[i]);
		pos += lens[i];
		t->lens[i] = lens[i];
		if (noeol && i + 1 == n)
			break;
		if (crlf)
			t->buf[pos++] = '\r';
		t->buf[pos++] = '\n';
	}
	t->len = pos;
	t->n = n;
}

static void
free_text(struct text *t)
{
	free(t->buf);
	free(t->lens);
}

static void
expect_text(struct fg_lines *l, const struct text *t)
{
	struct fg_diag d = FG_DIAG_INIT;
	const char *p;
	size_t n, i, k;

	for (i = 0; i < t->n; i++) {
		assert_int_equal(fg_lines_next(l, &p, &n, &d), 1);
		assert_int_equal(n, t->lens[i]);
		for (k = 0; k < n; k++)
			if (p[k] != 'a' + (int)(i % 26))
				fail_msg("line %zu byte %zu: %d", i + 1, k, p[k]);
		assert_int_equal(fg_lines_lineno(l), i + 1);
	}
	assert_int_equal(fg_lines_next(l, &p, &n, &d), 0);
	assert_int_equal(fg_lines_bytes(l), t->len);
}

/* Writes t to a temporary file and returns its descriptor, at 0. */
static int
text_file(const struct text *t, char *path)
{
	int fd;

	snprintf(path, 32, "%s", "/tmp/test_lineio.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, t->buf, t->len), (ssize_t)t->len);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

/* Line lengths that put line ends on and around chunk boundaries. */
static const size_t long_lens[] = {
	0, 1, CHUNK - 3, 5, CHUNK, 0, CHUNK + 1, 3 * CHUNK + 7, 2, CHUNK - 1,
	0, 0, 17, 2 * CHUNK, 1,
};

static void
test_lines_fd_long(void **state)
{
	static const int modes[][2] = { { 0, 0 }, { 1, 0 }, { 0, 1 },
					{ 1, 1 } };
	size_t m;

	for (m = 0; m < 4; m++) {
		struct text t;
		struct fg_lines *l;
		char path[32];
		int fd;

		make_text(&t, long_lens, sizeof(long_lens) / sizeof(long_lens[0]),
			  modes[m][0], modes[m][1]);
		fd = text_file(&t, path);
		l = fg_lines_from_fd(fd, "fd");
		assert_string_equal(fg_lines_name(l), "fd");
		expect_text(l, &t);
		fg_lines_close(l);
		/* the reader does not close a descriptor it was given */
		assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
		assert_int_equal(close(fd), 0);

		/* the same through fg_lines_open and from memory */
		l = fg_lines_open(path, NULL);
		assert_non_null(l);
		assert_string_equal(fg_lines_name(l), path);
		expect_text(l, &t);
		fg_lines_close(l);
		l = fg_lines_from_mem(t.buf, t.len, "mem");
		expect_text(l, &t);
		fg_lines_close(l);
		unlink(path);
		free_text(&t);
	}
}

/*
 * Many short lines: every offset in a chunk is a line end somewhere,
 * and a CRLF falls across the boundary.
 */
static void
test_lines_many_short(void **state)
{
	enum { N = 600000 };
	size_t *lens = malloc(N * sizeof(*lens)), i;
	struct text t;
	struct fg_lines *l;
	char path[32];
	int fd;

	assert_non_null(lens);
	for (i = 0; i < N; i++)
		lens[i] = (i * 7919) % 13;
	make_text(&t, lens, N, 1, 0);
	fd = text_file(&t, path);
	l = fg_lines_from_fd(fd, "fd");
	expect_text(l, &t);
	fg_lines_close(l);
	close(fd);
	unlink(path);
	free_text(&t);
	free(lens);
}

/* A pipe delivers the text in pieces of odd sizes. */
static void
test_lines_pipe(void **state)
{
	struct text t;
	struct fg_lines *l;
	int fds[2], status;
	pid_t pid;

	make_text(&t, long_lens, sizeof(long_lens) / sizeof(long_lens[0]), 1,
		  1);
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		size_t pos = 0, step = 1;

		close(fds[0]);
		while (pos < t.len) {
			size_t k = t.len - pos < step ? t.len - pos : step;
			ssize_t w = write(fds[1], t.buf + pos, k);

			if (w <= 0)
				_exit(1);
			pos += (size_t)w;
			step = step * 3 + 1;
			if (step > 100000)
				step = 1;
		}
		_exit(0);
	}
	close(fds[1]);
	l = fg_lines_from_fd(fds[0], "pipe");
	expect_text(l, &t);
	fg_lines_close(l);
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	free_text(&t);
}

static void
test_lines_open_errors(void **state)
{
	struct fg_diag d = FG_DIAG_INIT;
	struct fg_lines *l;
	const char *p;
	size_t n;
	int fd;

	l = fg_lines_open("/nonexistent/dir/file", &d);
	assert_null(l);
	assert_string_equal(d.file, "/nonexistent/dir/file");
	assert_non_null(strstr(d.msg, "cannot open '/nonexistent/dir/file'"));
	assert_non_null(strstr(d.msg, strerror(ENOENT)));
	/* no diag is fine too */
	assert_null(fg_lines_open("/nonexistent/dir/file", NULL));

	/* a read error: a directory opens but cannot be read */
	fg_diag_clear(&d);
	l = fg_lines_open("/", &d);
	assert_non_null(l);
	assert_int_equal(fg_lines_next(l, &p, &n, &d), FG_EIO);
	assert_string_equal(d.file, "/");
	assert_int_equal(d.line, 1);
	assert_non_null(strstr(d.msg, "read error"));
	assert_non_null(strstr(d.msg, strerror(EISDIR)));
	fg_lines_close(l);

	/* a closed descriptor */
	fd = open("/dev/null", O_RDONLY);
	assert_true(fd >= 0);
	close(fd);
	fg_diag_clear(&d);
	l = fg_lines_from_fd(fd, "closed");
	assert_int_equal(fg_lines_next(l, &p, &n, &d), FG_EIO);
	assert_string_equal(d.file, "closed");
	assert_non_null(strstr(d.msg, strerror(EBADF)));
	fg_lines_close(l);
}

static void
test_lines_stdin(void **state)
{
	static const char *const want[] = { "x y", "z" };
	int saved = dup(STDIN_FILENO), fds[2];
	struct fg_lines *l;

	assert_true(saved >= 0);
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], "x y\r\nz", 6), 6);
	close(fds[1]);
	assert_int_equal(dup2(fds[0], STDIN_FILENO), STDIN_FILENO);
	close(fds[0]);
	l = fg_lines_open("-", NULL);
	assert_non_null(l);
	assert_string_equal(fg_lines_name(l), FG_LINES_STDIN_NAME);
	expect_lines(l, want, 2);
	fg_lines_close(l);
	/* standard input is not closed; NULL means standard input too */
	l = fg_lines_open(NULL, NULL);
	assert_non_null(l);
	assert_string_equal(fg_lines_name(l), "<stdin>");
	expect_lines(l, NULL, 0);
	fg_lines_close(l);
	assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
	close(saved);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines_mem),
		cmocka_unit_test(test_lines_mem_nul),
		cmocka_unit_test(test_lines_fd_long),
		cmocka_unit_test(test_lines_many_short),
		cmocka_unit_test(test_lines_pipe),
		cmocka_unit_test(test_lines_open_errors),
		cmocka_unit_test(test_lines_stdin),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
