/*
 * fuzz_pyframe - libFuzzer target for the CPython frame decoder.
 *
 * The input is a stack: frames separated by newlines, root first, each
 * "name" or "name\tdso". The first byte picks the options (mode, path,
 * keep_root, py_self, fold_interp, an extra glue pattern).
 *
 * Invariants (abort() when broken):
 *   - the result is never longer than the input, and the return value is
 *     one of enum fg_py_result;
 *   - a stack without a py:: frame comes back unchanged, but for
 *     fold_interp's [python] frames;
 *   - with py:: frames: none of them is left (decoded, a name may
 *     still start with "py::": "py::py::f:/a.py" gives "py::f (a.py)");
 *   - decoding the same stack again with a fresh decoder gives the same.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fg/fg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "fuzz_pyframe: %s:%d: check failed: %s\n", \
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

#define MAXF 256

static size_t
decode(const char *text, size_t n, const struct fg_pyframe_opts *o,
       struct fg_symtab *syms, uint32_t *ids, uint32_t *in_ids,
       size_t *nin, int *res)
{
	struct fg_symtab *dsos = fg_symtab_new();
	struct fg_diag d = FG_DIAG_INIT;
	struct fg_pyframe *pf = fg_pyframe_new(syms, dsos, o, &d);
	uint32_t dso_ids[MAXF];
	const char *p = text, *end = text + n;
	size_t k = 0;

	CHECK(pf != NULL);
	while (p < end && k < MAXF) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		const char *tab = memchr(p, '\t', (size_t)(e - p));

		ids[k] = fg_intern(syms, p, (size_t)((tab ? tab : e) - p));
		dso_ids[k] = tab ? fg_intern(dsos, tab + 1,
					     (size_t)(e - tab - 1)) :
				   UINT32_MAX;
		in_ids[k] = ids[k];
		k++;
		p = nl ? nl + 1 : end;
	}
	*nin = k;
	*res = fg_pyframe_apply(pf, ids, dso_ids, &k);
	fg_pyframe_free(pf);
	fg_symtab_free(dsos);
	return k;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fg_pyframe_opts o = FG_PYFRAME_OPTS_INIT;
	const char *glue[] = { "^f[0-9]$" };
	uint32_t ids[MAXF], in_ids[MAXF], ids2[MAXF], in2[MAXF];
	struct fg_symtab *syms, *syms2;
	size_t n, nin, n2, nin2, i, j;
	int res, res2;
	bool has_py = false;
	uint8_t sel;

	if (size == 0)
		return 0;
	sel = data[0];
	o.mode = sel & 1 ? FG_PY_ON : FG_PY_AUTO;
	o.path = sel & 2 ? FG_PY_PATH_FULL : FG_PY_PATH_BASE;
	o.keep_root = sel & 4;
	o.py_self = sel & 8;
	o.fold_interp = sel & 16;
	if (sel & 32) {
		o.glue = glue;
		o.nglue = 1;
	}
	syms = fg_symtab_new();
	n = decode((const char *)data + 1, size - 1, &o, syms, ids, in_ids,
		   &nin, &res);
	CHECK(n <= nin);
	CHECK(res == FG_PY_UNCHANGED || res == FG_PY_DECODED ||
	      res == FG_PY_INTERP);
	for (i = 0; i < nin; i++) {
		size_t len;
		const char *s = fg_symtab_str(syms, in_ids[i], &len);

		if (len > 4 && memcmp(s, "py::", 4) == 0)
			has_py = true;
	}
	CHECK(has_py == (res == FG_PY_DECODED));
	if (!has_py) {
		uint32_t python = fg_symtab_find(syms, "[python]", 8);

		if (res == FG_PY_UNCHANGED || !o.fold_interp) {
			CHECK(n == nin);
			for (i = 0; i < n; i++)
				CHECK(ids[i] == in_ids[i]);
		} else {
			/* in order: input frames and [python] */
			for (i = 0, j = 0; i < n; i++) {
				if (ids[i] == python)
					continue;
				while (j < nin && in_ids[j] != ids[i])
					j++;
				CHECK(j < nin);
				j++;
			}
		}
	} else {
		/* no input py:: frame is left (a decoded name may start so) */
		for (i = 0; i < n; i++) {
			for (j = 0; j < nin; j++) {
				size_t len;
				const char *s = fg_symtab_str(syms, in_ids[j],
							      &len);

				if (len > 4 && memcmp(s, "py::", 4) == 0)
					CHECK(ids[i] != in_ids[j]);
			}
		}
	}
	syms2 = fg_symtab_new();
	n2 = decode((const char *)data + 1, size - 1, &o, syms2, ids2, in2,
		    &nin2, &res2);
	CHECK(n2 == n && res2 == res && nin2 == nin);
	for (i = 0; i < n; i++) {
		size_t l1, l2;
		const char *a = fg_symtab_str(syms, ids[i], &l1);
		const char *b = fg_symtab_str(syms2, ids2[i], &l2);

		CHECK(l1 == l2 && memcmp(a, b, l1) == 0);
	}
	fg_symtab_free(syms2);
	fg_symtab_free(syms);
	return 0;
}
