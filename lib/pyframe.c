/*
 * pyframe.c - the CPython frame decoder: py:: trampoline frames become
 * Python frames, the interpreter's call-dispatch frames go.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "fg/buf.h"
#include "fg/error.h"
#include "fg/intern.h"
#include "fg/pyframe.h"
#include "internal.h"

/*
 * The interpreter's own frames, CPython 3.11 to 3.13 (perf-script.md
 * section 7.4). GLUE: call dispatch and the evaluation loop, which carry
 * no meaning once the Python frames are visible. ROOT: process and
 * thread start-up above the outermost Python frame.
 */
static const struct fg_pyframe_entry table[] = {
	{ "_PyEval_EvalFrameDefault", FG_PY_GLUE, false },
	{ "_PyEval_EvalFrame", FG_PY_GLUE, false },
	{ "_PyEval_Vector", FG_PY_GLUE, false },
	{ "py_trampoline_evaluator", FG_PY_GLUE, false },
	{ "PyObject_Vectorcall", FG_PY_GLUE, false },
	{ "_PyObject_VectorcallTstate", FG_PY_GLUE, false },
	{ "PyObject_VectorcallDict", FG_PY_GLUE, false },
	{ "_PyObject_VectorcallDictTstate", FG_PY_GLUE, false },
	{ "PyObject_VectorcallMethod", FG_PY_GLUE, false },
	{ "_PyFunction_Vectorcall", FG_PY_GLUE, false },
	{ "_PyObject_FastCallDictTstate", FG_PY_GLUE, false },
	{ "PyObject_Call", FG_PY_GLUE, false },
	{ "_PyObject_Call", FG_PY_GLUE, false },
	{ "_PyObject_MakeTpCall", FG_PY_GLUE, false },
	{ "_PyObject_Call_Prepend", FG_PY_GLUE, false },
	{ "PyObject_CallOneArg", FG_PY_GLUE, false },
	{ "PyObject_CallNoArgs", FG_PY_GLUE, false },
	{ "PyObject_CallObject", FG_PY_GLUE, false },
	{ "PyObject_CallFunction", FG_PY_GLUE, false },
	{ "_PyObject_CallFunctionVa", FG_PY_GLUE, false },
	{ "PyObject_CallMethodObjArgs", FG_PY_GLUE, false },
	{ "object_vacall", FG_PY_GLUE, false },
	{ "method_vectorcall", FG_PY_GLUE, false },
	{ "method_vectorcall_", FG_PY_GLUE, true },
	{ "cfunction_vectorcall_", FG_PY_GLUE, true },
	{ "cfunction_call", FG_PY_GLUE, false },
	{ "vectorcall_method", FG_PY_GLUE, false },
	{ "vectorcall_unbound", FG_PY_GLUE, false },
	{ "slot_tp_call", FG_PY_GLUE, false },
	{ "slot_tp_init", FG_PY_GLUE, false },
	{ "type_call", FG_PY_GLUE, false },
	{ "do_call_core", FG_PY_GLUE, false },
	{ "gen_send_ex", FG_PY_GLUE, false },
	{ "gen_send_ex2", FG_PY_GLUE, false },
	{ "gen_iternext", FG_PY_GLUE, false },
	{ "_TAIL_CALL_", FG_PY_GLUE, true },

	{ "_start", FG_PY_ROOT, false },
	{ "__libc_start_main", FG_PY_ROOT, false },
	{ "__libc_start_main_impl", FG_PY_ROOT, false },
	{ "__libc_start_call_main", FG_PY_ROOT, false },
	{ "main", FG_PY_ROOT, false },
	{ "Py_BytesMain", FG_PY_ROOT, false },
	{ "Py_Main", FG_PY_ROOT, false },
	{ "Py_RunMain", FG_PY_ROOT, false },
	{ "pymain_", FG_PY_ROOT, true },
	{ "_PyRun_", FG_PY_ROOT, true },
	{ "PyRun_", FG_PY_ROOT, true },
	{ "pyrun_file", FG_PY_ROOT, false },
	{ "run_mod", FG_PY_ROOT, false },
	{ "run_eval_code_obj", FG_PY_ROOT, false },
	{ "PyEval_EvalCode", FG_PY_ROOT, false },
	{ "start_thread", FG_PY_ROOT, false },
	{ "clone", FG_PY_ROOT, false },
	{ "clone3", FG_PY_ROOT, false },
	{ "pythread_wrapper", FG_PY_ROOT, false },
	{ "thread_run", FG_PY_ROOT, false },
};

const struct fg_pyframe_entry *
fg_pyframe_table(size_t *n)
{
	*n = FG_ARRAY_SIZE(table);
	return table;
}

enum dso_class { DSO_UNSEEN = 0, DSO_NONE, DSO_INTERP, DSO_INLINED,
		 DSO_OTHER };

struct fg_pyframe {
	struct fg_symtab *syms;
	const struct fg_symtab *dsos;
	struct fg_pyframe_opts o;
	pcre2_code **re;
	size_t nre;
	pcre2_match_data *md;
	/* by frame id: class + 1 (0 unknown), | 0x80 once pyid is set */
	unsigned char *cls;
	uint32_t *pyid;			/* by frame id: the decoded name */
	size_t cap;
	unsigned char *dcls;		/* by DSO id: enum dso_class */
	size_t dcap;
	unsigned char *work;		/* per stack: classes */
	size_t wcap;
	uint32_t python;		/* "[python]" */
	struct fg_buf tmp;
};

struct fg_pyframe *
fg_pyframe_new(struct fg_symtab *syms, const struct fg_symtab *dsos,
	       const struct fg_pyframe_opts *o, struct fg_diag *d)
{
	struct fg_pyframe *pf = fg_xcalloc(1, sizeof(*pf));
	size_t i;

	pf->syms = syms;
	pf->dsos = dsos;
	pf->o = *o;
	pf->o.glue = NULL;
	fg_buf_init(&pf->tmp);
	if (o->nglue > 0) {
		pf->re = fg_xcalloc(o->nglue, sizeof(*pf->re));
		for (i = 0; i < o->nglue; i++) {
			int err;
			PCRE2_SIZE off;

			pf->re[i] = pcre2_compile((PCRE2_SPTR)o->glue[i],
						  PCRE2_ZERO_TERMINATED, 0,
						  &err, &off, NULL);
			if (pf->re[i] == NULL) {
				PCRE2_UCHAR msg[160];

				pcre2_get_error_message(err, msg, sizeof(msg));
				fg_diag_set(d, NULL, 0, (unsigned long)off + 1,
					    "bad --py-glue pattern '%s': %s at offset %lu",
					    o->glue[i], (const char *)msg,
					    (unsigned long)off);
				pf->nre = i;
				fg_pyframe_free(pf);
				return NULL;
			}
			pcre2_jit_compile(pf->re[i], PCRE2_JIT_COMPLETE);
		}
		pf->nre = o->nglue;
		pf->md = pcre2_match_data_create(4, NULL);
	}
	pf->python = fg_intern(syms, "[python]", 8);
	return pf;
}

void
fg_pyframe_free(struct fg_pyframe *pf)
{
	size_t i;

	if (pf == NULL)
		return;
	for (i = 0; i < pf->nre; i++)
		pcre2_code_free(pf->re[i]);
	free(pf->re);
	pcre2_match_data_free(pf->md);
	free(pf->cls);
	free(pf->pyid);
	free(pf->dcls);
	free(pf->work);
	fg_buf_release(&pf->tmp);
	free(pf);
}

static bool
ends_with(const char *s, size_t n, const char *suf, size_t m)
{
	return n >= m && memcmp(s + n - m, suf, m) == 0;
}

/* Removes an annotation (_[k]) and compiler suffixes (.isra.0, .cold). */
static size_t
normalize(const char *s, size_t n)
{
	static const char *const numbered[] = { ".isra", ".constprop",
						".part", ".lto_priv" };

	if (n >= 4 && s[n - 4] == '_' && s[n - 3] == '[' && s[n - 1] == ']')
		n -= 4;
	for (;;) {
		size_t e = n, i;
		bool done = true;

		if (ends_with(s, n, ".cold", 5)) {
			n -= 5;
			continue;
		}
		while (e > 0 && s[e - 1] >= '0' && s[e - 1] <= '9')
			e--;
		if (e < n && e > 1 && s[e - 1] == '.') {
			for (i = 0; i < FG_ARRAY_SIZE(numbered); i++) {
				size_t m = strlen(numbered[i]);

				if (ends_with(s, e - 1, numbered[i], m)) {
					n = e - 1 - m;
					done = false;
					break;
				}
			}
		}
		if (done)
			return n;
	}
}

enum fg_py_class
fg_pyframe_classify(struct fg_pyframe *pf, const char *s, size_t n)
{
	size_t i;

	if (n > 4 && memcmp(s, "py::", 4) == 0)
		return FG_PY_FRAME;
	n = normalize(s, n);
	for (i = 0; i < FG_ARRAY_SIZE(table); i++) {
		size_t m = strlen(table[i].name);

		if (table[i].prefix ? (n > m && memcmp(s, table[i].name, m) == 0)
				    : (n == m && memcmp(s, table[i].name, m) == 0))
			return (enum fg_py_class)table[i].cls;
	}
	for (i = 0; i < pf->nre; i++)
		if (pcre2_match(pf->re[i], (PCRE2_SPTR)s, n, 0, 0, pf->md,
				NULL) >= 0)
			return FG_PY_GLUE;
	return FG_PY_NATIVE;
}

static void
grow_ids(struct fg_pyframe *pf, uint32_t id)
{
	size_t ncap = pf->cap ? pf->cap : 1024;

	while (ncap <= id)
		ncap *= 2;
	pf->cls = fg_xrealloc(pf->cls, ncap);
	memset(pf->cls + pf->cap, 0, ncap - pf->cap);
	pf->pyid = fg_xreallocarray(pf->pyid, ncap, sizeof(*pf->pyid));
	pf->cap = ncap;
}

static enum fg_py_class
class_of(struct fg_pyframe *pf, uint32_t id)
{
	if (id >= pf->cap)
		grow_ids(pf, id);
	if ((pf->cls[id] & 0x7f) == 0) {
		size_t len;
		const char *s = fg_symtab_str(pf->syms, id, &len);

		pf->cls[id] = (unsigned char)(fg_pyframe_classify(pf, s, len) + 1);
	}
	return (enum fg_py_class)((pf->cls[id] & 0x7f) - 1);
}

static enum dso_class
dso_class(struct fg_pyframe *pf, uint32_t dso)
{
	const char *s, *b;
	size_t len;

	if (pf->dsos == NULL || dso == UINT32_MAX)
		return DSO_NONE;
	if (dso >= pf->dcap) {
		size_t ncap = pf->dcap ? pf->dcap : 256;

		while (ncap <= dso)
			ncap *= 2;
		pf->dcls = fg_xrealloc(pf->dcls, ncap);
		memset(pf->dcls + pf->dcap, 0, ncap - pf->dcap);
		pf->dcap = ncap;
	}
	if (pf->dcls[dso] != DSO_UNSEEN)
		return (enum dso_class)pf->dcls[dso];
	s = fg_symtab_str(pf->dsos, dso, &len);
	b = s + len;
	while (b > s && b[-1] != '/')
		b--;
	len -= (size_t)(b - s);
	if (len == 7 && memcmp(b, "inlined", 7) == 0) {
		pf->dcls[dso] = DSO_INLINED;
	} else if ((len >= 9 && memcmp(b, "libpython", 9) == 0)) {
		pf->dcls[dso] = DSO_INTERP;
	} else if (len >= 6 && memcmp(b, "python", 6) == 0) {
		/* python, python3, python3.12, python3.13d */
		size_t i = 6;

		while (i < len && ((b[i] >= '0' && b[i] <= '9') || b[i] == '.'))
			i++;
		while (i < len && b[i] >= 'a' && b[i] <= 'z')
			i++;
		pf->dcls[dso] = i == len ? DSO_INTERP : DSO_OTHER;
	} else {
		pf->dcls[dso] = DSO_OTHER;
	}
	return (enum dso_class)pf->dcls[dso];
}

/* "py::QUALNAME:FILENAME" -> "QUALNAME (FILE)" */
static uint32_t
decoded(struct fg_pyframe *pf, uint32_t id)
{
	size_t len, i, split;
	const char *s = fg_symtab_str(pf->syms, id, &len);
	const char *file, *q;
	size_t flen;

	if (pf->cls[id] & 0x80)
		return pf->pyid[id];
	if (len >= 4 && s[len - 4] == '_' && s[len - 3] == '[' &&
	    s[len - 1] == ']')
		len -= 4;
	s += 4;
	len -= 4;
	split = len;
	for (i = 0; i < len; i++) {
		if (s[i] == ':' && i + 1 < len && (s[i + 1] == '/' ||
						  s[i + 1] == '<')) {
			split = i;
			break;
		}
	}
	if (split == len) {
		q = memchr(s, ':', len);
		if (q != NULL)
			split = (size_t)(q - s);
	}
	fg_buf_reset(&pf->tmp);
	fg_buf_add(&pf->tmp, s, split);
	if (split < len) {
		file = s + split + 1;
		flen = len - split - 1;
		if (pf->o.path == FG_PY_PATH_BASE && flen > 0 && file[0] != '<') {
			q = file + flen;
			while (q > file && q[-1] != '/')
				q--;
			if (q < file + flen) {
				flen -= (size_t)(q - file);
				file = q;
			}
		}
		fg_buf_add(&pf->tmp, " (", 2);
		fg_buf_add(&pf->tmp, file, flen);
		fg_buf_addc(&pf->tmp, ')');
	}
	pf->pyid[id] = fg_intern(pf->syms, pf->tmp.buf, pf->tmp.len);
	/* the symtab may have grown: id is still below cap */
	pf->cls[id] |= 0x80;
	return pf->pyid[id];
}

int
fg_pyframe_apply(struct fg_pyframe *pf, uint32_t *ids, uint32_t *dso_ids,
		 size_t *n)
{
	size_t len = *n, i, out = 0, first = SIZE_MAX, last = 0;
	enum dso_class cur = DSO_NONE;
	bool glue = false;

	if (pf->o.mode == FG_PY_OFF)
		return FG_PY_UNCHANGED;
	if (len > pf->wcap) {
		pf->wcap = len * 2;
		pf->work = fg_xrealloc(pf->work, pf->wcap);
	}
	for (i = 0; i < len; i++) {
		enum fg_py_class c = class_of(pf, ids[i]);
		enum dso_class dc = dso_ids ? dso_class(pf, dso_ids[i]) :
					      DSO_NONE;

		/*
		 * An inlined entry (no DSO of its own) belongs to the DSO of
		 * the real frame rootward of it, printed just after it.
		 */
		if (dc == DSO_INLINED || dc == DSO_NONE)
			dc = cur;
		else
			cur = dc;
		/* a glue name in another library is that library's own */
		if (c == FG_PY_GLUE && dc == DSO_OTHER)
			c = FG_PY_NATIVE;
		if (c == FG_PY_GLUE)
			glue = true;
		if (c == FG_PY_FRAME) {
			if (first == SIZE_MAX)
				first = i;
			last = i;
		}
		pf->work[i] = (unsigned char)(c | (dc == DSO_INTERP ? 0x10 : 0));
	}
	if (first == SIZE_MAX) {
		if (!glue)
			return FG_PY_UNCHANGED;
		if (!pf->o.fold_interp)
			return FG_PY_INTERP;
		for (i = 0; i < len; i++) {
			if ((pf->work[i] & 0x0f) == FG_PY_GLUE) {
				if (out > 0 && ids[out - 1] == pf->python &&
				    (pf->work[i - 1] & 0x0f) == FG_PY_GLUE)
					continue;
				ids[out] = pf->python;
			} else {
				ids[out] = ids[i];
			}
			if (dso_ids)
				dso_ids[out] = dso_ids[i];
			out++;
		}
		*n = out;
		return FG_PY_INTERP;
	}
	for (i = 0; i < len; i++) {
		enum fg_py_class c = (enum fg_py_class)(pf->work[i] & 0x0f);
		bool interp = pf->work[i] & 0x10;

		if (c == FG_PY_FRAME) {
			ids[out] = decoded(pf, ids[i]);
		} else if (i < first) {
			if (!pf->o.keep_root &&
			    (c == FG_PY_ROOT || c == FG_PY_GLUE))
				continue;
			ids[out] = ids[i];
		} else if (i < last) {
			if (c == FG_PY_ROOT || c == FG_PY_GLUE)
				continue;
			ids[out] = ids[i];
		} else {
			if (c == FG_PY_GLUE || (pf->o.py_self && interp))
				continue;
			ids[out] = ids[i];
		}
		if (dso_ids)
			dso_ids[out] = dso_ids[i];
		out++;
	}
	*n = out;
	return FG_PY_DECODED;
}
