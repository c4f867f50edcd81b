/*
 * test_pyframe.c - unit tests for pyframe.c, the CPython frame decoder.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fg/fg.h"

/*
 * Decodes the stack "a;b;c" (root first) whose frames' DSOs are given
 * in dsos ("" none; NULL: no DSO information) and returns "x;y" (caller
 * frees), and the result code in *res.
 */
static char *
decode(const struct fg_pyframe_opts *o, const char *stack,
       const char *const *dsos, int *res)
{
	struct fg_symtab *syms = fg_symtab_new(), *dt = fg_symtab_new();
	struct fg_diag d = FG_DIAG_INIT;
	struct fg_pyframe *pf = fg_pyframe_new(syms, dt, o, &d);
	uint32_t ids[64], dso_ids[64];
	size_t n = 0, i;
	const char *p = stack;
	struct fg_buf out = FG_BUF_INIT;
	char *ret;

	assert_non_null(pf);
	while (*p != '\0') {
		const char *e = strchr(p, ';');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		ids[n] = fg_intern(syms, p, len);
		dso_ids[n] = dsos == NULL || dsos[n][0] == '\0' ? UINT32_MAX :
			     fg_intern(dt, dsos[n], strlen(dsos[n]));
		n++;
		p += len + (e != NULL);
	}
	*res = fg_pyframe_apply(pf, ids, dsos ? dso_ids : NULL, &n);
	for (i = 0; i < n; i++) {
		if (i > 0)
			fg_buf_addc(&out, ';');
		fg_buf_adds(&out, fg_symtab_str(syms, ids[i], NULL));
	}
	ret = strdup(out.buf);
	fg_buf_release(&out);
	fg_pyframe_free(pf);
	fg_symtab_free(syms);
	fg_symtab_free(dt);
	return ret;
}

static void
check(const struct fg_pyframe_opts *o, const char *stack,
      const char *const *dsos, int want_res, const char *want)
{
	int res;
	char *got = decode(o, stack, dsos, &res);

	assert_string_equal(got, want);
	assert_int_equal(res, want_res);
	free(got);
}

#define PY "/home/dev/py/3.12.3-fp/bin/python3.12"
#define MAP "/tmp/perf-14917.map"
#define LIBC "/usr/lib/x86_64-linux-gnu/libc.so.6"

/* Python 3.12 frame-pointer build with -X perf (fixture 05). */
static void
test_py312(void **state)
{
	static const char *const dsos[] = {
		LIBC, PY, PY, PY, PY, PY, PY, PY, PY, PY, MAP, PY,
		PY, MAP, PY, PY, MAP, PY, PY, LIBC, "[kernel.kallsyms]",
	};
	struct fg_pyframe_opts o = FG_PYFRAME_OPTS_INIT;
	const char *stack =
		"__libc_start_call_main;Py_BytesMain;pymain_run_python.constprop.0;"
		"_PyRun_AnyFileObject;_PyRun_SimpleFileObject;run_mod;"
		"run_eval_code_obj;PyEval_EvalCode;_PyEval_EvalFrameDefault;"
		"PyObject_Vectorcall;py::<module>:/p/pipeline.py;"
		"_PyEval_EvalFrameDefault;PyObject_Vectorcall;"
		"py::Tokenizer.encode:/p/textlib.py;_PyEval_EvalFrameDefault;"
		"builtin_sorted;py::rank.<locals>.<lambda>:/p/pipeline.py;"
		"_PyEval_EvalFrameDefault;_PyLong_Add;__memmove_avx;"
		"asm_exc_page_fault";

	check(&o, stack, dsos, FG_PY_DECODED,
	      "<module> (pipeline.py);Tokenizer.encode (textlib.py);"
	      "builtin_sorted;rank.<locals>.<lambda> (pipeline.py);"
	      "_PyLong_Add;__memmove_avx;asm_exc_page_fault");
	o.py_self = true;
	check(&o, stack, dsos, FG_PY_DECODED,
	      "<module> (pipeline.py);Tokenizer.encode (textlib.py);"
	      "builtin_sorted;rank.<locals>.<lambda> (pipeline.py);"
	      "__memmove_avx;asm_exc_page_fault");
	o.py_self = false;
	o.keep_root = true;
	o.path = FG_PY_PATH_FULL;
	check(&o, stack, dsos, FG_PY_DECODED,
	      "__libc_start_call_main;Py_BytesMain;pymain_run_python.constprop.0;"
	      "_PyRun_AnyFileObject;_PyRun_SimpleFileObject;run_mod;"
	      "run_eval_code_obj;PyEval_EvalCode;_PyEval_EvalFrameDefault;"
	      "PyObject_Vectorcall;<module> (/p/pipeline.py);"
	      "Tokenizer.encode (/p/textlib.py);builtin_sorted;"
	      "rank.<locals>.<lambda> (/p/pipeline.py);_PyLong_Add;"
	      "__memmove_avx;asm_exc_page_fault");
}

/* Python 3.13.0 without frame pointers, -X perf_jit, DWARF (06b). */
static void
test_py313_perf_jit(void **state)
{
	static const char *const dsos[] = {
		"/opt/python/3.13.0/lib/libpython3.13.so.1.0", "inlined",
		"/opt/python/3.13.0/lib/libpython3.13.so.1.0",
		"/tmp/jitted-32037-1.so",
		"/opt/python/3.13.0/lib/libpython3.13.so.1.0",
		"/opt/python/3.13.0/lib/libpython3.13.so.1.0", "inlined",
		"/opt/python/3.13.0/lib/libpython3.13.so.1.0",
		"/tmp/jitted-32037-612.so",
		"/opt/python/3.13.0/lib/libpython3.13.so.1.0", "inlined",
	};
	struct fg_pyframe_opts o = FG_PYFRAME_OPTS_INIT;
	const char *stack =
		"_PyEval_EvalFrameDefault;_PyEval_EvalFrame;py_trampoline_evaluator;"
		"py::_worker:/usr/lib/python3.13/concurrent/futures/thread.py_[j];"
		"_PyEval_EvalFrameDefault;PyObject_Vectorcall;"
		"_PyObject_VectorcallTstate;py_trampoline_evaluator;"
		"py::_digest:/p/pipeline.py;_PyEval_EvalFrameDefault;Py_INCREF";

	check(&o, stack, dsos, FG_PY_DECODED,
	      "_worker (thread.py);_digest (pipeline.py);Py_INCREF");
	o.py_self = true;
	check(&o, stack, dsos, FG_PY_DECODED,
	      "_worker (thread.py);_digest (pipeline.py)");
}

/* Python 3.11: interpreter frames, no py:: frame (04). */
static void
test_py311(void **state)
{
	struct fg_pyframe_opts o = FG_PYFRAME_OPTS_INIT;
	const char *stack =
		"_start;Py_BytesMain;PyEval_EvalCode;_PyEval_EvalFrameDefault;"
		"_PyEval_Vector;_PyEval_EvalFrameDefault;PyUnicode_Join;"
		"gen_iternext;_PyEval_EvalFrameDefault;memcpy";

	check(&o, stack, NULL, FG_PY_INTERP, stack);
	o.fold_interp = true;
	check(&o, stack, NULL, FG_PY_INTERP,
	      "_start;Py_BytesMain;PyEval_EvalCode;[python];PyUnicode_Join;"
	      "[python];memcpy");
	check(&o, "main;work;memcpy", NULL, FG_PY_UNCHANGED,
	      "main;work;memcpy");
	o.mode = FG_PY_OFF;
	check(&o, "py::f:/x.py;_PyEval_EvalFrameDefault", NULL,
	      FG_PY_UNCHANGED, "py::f:/x.py;_PyEval_EvalFrameDefault");
}

static void
test_names(void **state)
{
	struct fg_pyframe_opts o = FG_PYFRAME_OPTS_INIT;
	static const char *const dsos[] = { "", "/usr/lib/libfoo.so", PY, "" };

	/* a qualname with ':' (from ';'), a file with ' (' and a space */
	check(&o, "py::renamed:with:odd chars (x):/p/odd dir (v2)/weird name.py",
	      NULL, FG_PY_DECODED, "renamed:with:odd chars (x) (weird name.py)");
	check(&o, "py::<module>:<frozen importlib._bootstrap>", NULL,
	      FG_PY_DECODED, "<module> (<frozen importlib._bootstrap>)");
	check(&o, "py::from_exec:<generated code>", NULL, FG_PY_DECODED,
	      "from_exec (<generated code>)");
	check(&o, "py::f:rel/a.py;py::g", NULL, FG_PY_DECODED,
	      "f (a.py);g");
	/* a glue name in another library is that library's; suffixes go */
	check(&o, "py::f:/a.py;PyObject_Call;_PyEval_EvalFrameDefault.cold;x",
	      dsos, FG_PY_DECODED, "f (a.py);PyObject_Call;x");
}

static void
test_table_and_glue(void **state)
{
	struct fg_pyframe_opts o = FG_PYFRAME_OPTS_INIT;
	const char *glue[] = { "^my_dispatch_[0-9]+$" };
	struct fg_symtab *syms = fg_symtab_new();
	struct fg_diag d = FG_DIAG_INIT;
	struct fg_pyframe *pf;
	const struct fg_pyframe_entry *t;
	size_t n, i;

	t = fg_pyframe_table(&n);
	assert_true(n > 40);
	o.glue = glue;
	o.nglue = 1;
	pf = fg_pyframe_new(syms, NULL, &o, &d);
	assert_non_null(pf);
	for (i = 0; i < n; i++)
		assert_int_equal(fg_pyframe_classify(pf, t[i].name,
						     strlen(t[i].name)),
				 t[i].prefix ? FG_PY_NATIVE : t[i].cls);
	assert_int_equal(fg_pyframe_classify(pf, "method_vectorcall_NOARGS", 24),
			 FG_PY_GLUE);
	assert_int_equal(fg_pyframe_classify(pf, "pymain_run_python.constprop.0",
					     29), FG_PY_ROOT);
	assert_int_equal(fg_pyframe_classify(pf, "type_call.isra.0.cold", 21),
			 FG_PY_GLUE);
	assert_int_equal(fg_pyframe_classify(pf, "PyObject_Vectorcall_[k]", 23),
			 FG_PY_GLUE);
	assert_int_equal(fg_pyframe_classify(pf, "my_dispatch_12", 14),
			 FG_PY_GLUE);
	assert_int_equal(fg_pyframe_classify(pf, "my_dispatch_x", 13),
			 FG_PY_NATIVE);
	assert_int_equal(fg_pyframe_classify(pf, "list_sort_impl", 14),
			 FG_PY_NATIVE);
	assert_int_equal(fg_pyframe_classify(pf, "py::", 4), FG_PY_NATIVE);
	fg_pyframe_free(pf);

	glue[0] = "(unclosed";
	pf = fg_pyframe_new(syms, NULL, &o, &d);
	assert_null(pf);
	assert_non_null(strstr(d.msg, "(unclosed"));
	fg_symtab_free(syms);
}

/* The decoder through the perf parser, on the recordings. */
static char *
fold_file(const char *path, const struct fg_pyframe_opts *py)
{
	struct fg_symtab *syms = fg_symtab_new();
	struct fg_stacks *s = fg_stacks_new(syms, 1);
	struct fg_perf_opts o = FG_PERF_OPTS_INIT;
	struct fg_perf_stats st;
	struct fg_diag d = FG_DIAG_INIT;
	struct fg_lines *in = fg_lines_open(path, &d);
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	assert_non_null(in);
	o.py = py;
	assert_int_equal(fg_perf_collapse(in, s, &o, &st, &d), FG_OK);
	assert_int_equal(st.bad, 0);
	fg_lines_close(in);
	fp = open_memstream(&buf, &len);
	assert_int_equal(fg_folded_write(s, fp), FG_OK);
	fclose(fp);
	fg_stacks_free(s);
	fg_symtab_free(syms);
	return buf;
}

static void
test_recordings(void **state)
{
	static const char *const files[] = {
		"fixtures/perf/05-py312-Xperf-fp.txt",
		"fixtures/perf/06-py313-Xperf-fp.txt",
		"fixtures/perf/06b-py313-Xperf_jit-dwarf-injected.txt",
	};
	struct fg_pyframe_opts o = FG_PYFRAME_OPTS_INIT;
	size_t i;

	for (i = 0; i < 3; i++) {
		char *out = fold_file(files[i], &o), *line;
		unsigned decoded = 0;

		/* no trampoline is left, and no eval loop under a Python frame */
		assert_null(strstr(out, "py::"));
		for (line = strtok(out, "\n"); line != NULL;
		     line = strtok(NULL, "\n")) {
			if (strstr(line, ".py)") == NULL)
				continue;
			decoded++;
			assert_null(strstr(line, "_PyEval_EvalFrameDefault"));
			assert_null(strstr(line, "PyObject_Vectorcall"));
			assert_null(strstr(line, "py_trampoline_evaluator"));
			assert_null(strstr(line, "Py_BytesMain"));
		}
		assert_true(decoded > 10);
		free(out);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_py312),
		cmocka_unit_test(test_py313_perf_jit),
		cmocka_unit_test(test_py311),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_table_and_glue),
		cmocka_unit_test(test_recordings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
