/*
 * pyframe.h - the CPython frame decoder: a stack-to-stack filter.
 *
 * CPython 3.12+ run with -X perf (or 3.13 -X perf_jit and perf inject)
 * leaves one trampoline frame per Python call in native stacks, named
 * "py::QUALNAME:FILENAME", between the interpreter's own frames. The
 * decoder rewrites a stack (an array of frame ids of one symtab, root
 * first) in place:
 *
 *   - py::QUALNAME:FILENAME becomes "QUALNAME (FILE)", FILE the basename
 *     of FILENAME (or all of it with FG_PY_PATH_FULL);
 *   - the interpreter's call-dispatch ("glue") frames are removed between
 *     Python frames and below the innermost one, and the start-up frames
 *     above the outermost one (unless keep_root);
 *   - every other frame (C extensions, libc, the kernel, interpreter
 *     work) stays where it is, under the Python function that called it;
 *     with py_self, interpreter frames below the innermost Python frame
 *     are removed too, so their time is that function's self time.
 *
 * A stack without a py:: frame is left alone, but with fold_interp each
 * run of glue frames becomes one "[python]" frame.
 *
 * The glue and start-up names are a data table (fg_pyframe_table);
 * extra glue patterns (pcre2) can be given. Frame names are matched
 * after removing compiler suffixes (.cold, .isra.N, .constprop.N,
 * .part.N, .lto_priv.N) and flamekit annotations (_[k], _[j], _[i]).
 */
#ifndef FG_PYFRAME_H
#define FG_PYFRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fg/error.h"
#include "fg/intern.h"

#ifdef __cplusplus
extern "C" {
#endif

enum fg_py_mode {
	FG_PY_AUTO = 0,		/* decode stacks that have a py:: frame */
	FG_PY_ON,		/* the same, and count interpreter-only stacks */
	FG_PY_OFF		/* no decoding */
};

enum fg_py_path {
	FG_PY_PATH_BASE = 0,	/* "f (file.py)" */
	FG_PY_PATH_FULL		/* "f (/path/to/file.py)" */
};

struct fg_pyframe_opts {
	enum fg_py_mode mode;
	enum fg_py_path path;
	bool keep_root;		/* keep the start-up frames */
	bool py_self;		/* drop interpreter frames below the leaf */
	bool fold_interp;	/* runs of glue in py::-less stacks -> [python] */
	const char *const *glue;	/* extra glue patterns (pcre2) */
	size_t nglue;
};

#define FG_PYFRAME_OPTS_INIT { FG_PY_AUTO, FG_PY_PATH_BASE, false, false, \
			       false, NULL, 0 }

enum fg_py_class {
	FG_PY_NATIVE = 0,	/* anything else: kept */
	FG_PY_FRAME,		/* py::QUALNAME:FILENAME */
	FG_PY_GLUE,		/* call dispatch: removed */
	FG_PY_ROOT		/* process and thread start-up */
};

/* One row of the built-in table. */
struct fg_pyframe_entry {
	const char *name;
	unsigned char cls;	/* FG_PY_GLUE or FG_PY_ROOT */
	bool prefix;		/* name is a prefix */
};

/* The built-in table, and its length in *n. */
const struct fg_pyframe_entry *fg_pyframe_table(size_t *n);

struct fg_pyframe;

/*
 * A decoder for stacks of syms (borrowed). dsos (borrowed, may be NULL)
 * is the symtab of the DSO ids given to fg_pyframe_apply. Returns NULL
 * with d filled if a glue pattern does not compile.
 */
struct fg_pyframe *fg_pyframe_new(struct fg_symtab *syms,
				  const struct fg_symtab *dsos,
				  const struct fg_pyframe_opts *o,
				  struct fg_diag *d);
void fg_pyframe_free(struct fg_pyframe *pf);

/* The class of a frame name (n bytes at s), by the table and patterns. */
enum fg_py_class fg_pyframe_classify(struct fg_pyframe *pf, const char *s,
				     size_t n);

enum fg_py_result {
	FG_PY_UNCHANGED = 0,	/* no py:: frame and no interpreter frame */
	FG_PY_DECODED,		/* had py:: frames: decoded */
	FG_PY_INTERP		/* interpreter frames only (3.11, no -X perf) */
};

/*
 * Decodes ids[0 .. *n - 1] in place (root first) and sets *n to the new
 * length, never larger. dso_ids (may be NULL) gives each frame's DSO id
 * in the dsos symtab (UINT32_MAX: none); it is reordered along. Returns
 * an enum fg_py_result.
 */
int fg_pyframe_apply(struct fg_pyframe *pf, uint32_t *ids,
		     uint32_t *dso_ids, size_t *n);

#ifdef __cplusplus
}
#endif
#endif /* FG_PYFRAME_H */
