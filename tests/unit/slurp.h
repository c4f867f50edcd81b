/*
 * slurp.h - for unit tests: read a whole fixture file into memory.
 * Include after <cmocka.h>.
 */
#ifndef FG_TEST_SLURP_H
#define FG_TEST_SLURP_H

#include <stdio.h>
#include <stdlib.h>

/* The bytes of path (caller frees) and their number in *n. */
static unsigned char *
slurp(const char *path, size_t *n)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *buf;
	long len;

	if (fp == NULL)
		fail_msg("cannot open %s", path);
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)len + 1);
	assert_int_equal(fread(buf, 1, (size_t)len, fp), (size_t)len);
	fclose(fp);
	*n = (size_t)len;
	return buf;
}

#endif /* FG_TEST_SLURP_H */
