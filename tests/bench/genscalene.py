#!/usr/bin/env python3
"""genscalene.py - write a large Scalene 2.3-shaped JSON profile.

usage: genscalene.py [-s SEED] MEGABYTES > profile.json

The profile has the key set Scalene 2.3 writes (see
shared/docs/formats/scalene.md): many source files, every source line
with its full LineDetail (CPU split, memory, copy, GPU, a sparkline of
[t, MB] pairs, a list of CPU sample timestamps, function ranges), the
functions of each file, string-form `stacks`, `combined_stacks` with
native frames and `memory_stacks`. It is serialised as Scalene does,
json.dumps(sort_keys=True, indent=4), and stops adding files once the
output would pass MEGABYTES * 10^6 bytes. Numbers are consistent: the
per-line CPU percentages of all files add up to 100 and
percent_cpu_time is the sum of a file's lines. Same seed, same bytes.
"""
import json
import random
import sys


NATIVE = ["_PyEval_EvalFrameDefault", "PyObject_Vectorcall", "PyEval_EvalCode",
          "PyNumber_Multiply", "_PyObject_MakeTpCall", "", "PyObject_Call",
          "PyImport_ImportModuleLevelObject", "memcpy", "cfunction_call"]


def line_detail(rnd, lineno, text, func_range, cpu):
    py = cpu * rnd.random()
    c = (cpu - py) * rnd.random()
    sys_ = cpu - py - c
    mb = rnd.choice([0.0, 0.0, 0.0, rnd.random() * 8])
    return {
        "async_task_names": [],
        "cpu_samples_list": [1000.0 + rnd.random() * 30
                             for _ in range(rnd.randint(0, 24))],
        "end_function_line": func_range[1],
        "end_outermost_loop": lineno,
        "end_region_line": func_range[1] or lineno,
        "is_coroutine": False,
        "line": text,
        "lineno": lineno,
        "memory_samples": [[rnd.randint(0, 10**10), rnd.random() * 100]
                           for _ in range(rnd.randint(0, 6))],
        "n_async_await_percent": 0.0,
        "n_async_concurrency_mean": 0.0,
        "n_async_concurrency_peak": 0.0,
        "n_avg_mb": mb / 2,
        "n_copy_mb_s": rnd.random() if mb else 0.0,
        "n_core_utilization": rnd.random(),
        "n_cpu_percent_c": c,
        "n_cpu_percent_python": py,
        "n_gpu_avg_memory_mb": 0.0,
        "n_gpu_peak_memory_mb": 0.0,
        "n_gpu_percent": 0,
        "n_growth_mb": mb,
        "n_malloc_mb": mb,
        "n_mallocs": int(mb),
        "n_peak_mb": mb,
        "n_python_fraction": rnd.random(),
        "n_sys_percent": sys_,
        "n_usage_fraction": rnd.random(),
        "start_function_line": func_range[0],
        "start_outermost_loop": lineno,
        "start_region_line": func_range[0] or lineno,
    }


def source_file(rnd, nfuncs, body):
    """Lines of a module: nfuncs functions of body lines each."""
    lines, funcs = [], []
    lines.append(("import os\n", (0, 0)))
    for f in range(nfuncs):
        start = len(lines) + 1
        name = "func_%d" % f
        end = start + body
        funcs.append((name, start))
        lines.append(("def %s(x):\n" % name, (start, end)))
        for i in range(body):
            lines.append(("    x = x * %d + len(os.sep)  # & < >\n" % i,
                          (start, end)))
        lines.append(("    return x\n", (start, end)))
    return lines, funcs


def main():
    args = sys.argv[1:]
    seed = 1
    if len(args) >= 2 and args[0] == "-s":
        seed = int(args[1])
        args = args[2:]
    if len(args) != 1:
        sys.stderr.write(__doc__)
        sys.exit(2)
    limit = float(args[0]) * 1e6
    rnd = random.Random(seed)

    per_file = 190000        # bytes a file of the shape below takes, roughly
    nfiles = max(1, int(limit / per_file))
    share = [rnd.random() for _ in range(nfiles)]
    total = sum(share)
    files = {}
    stacks, combined, memstacks = [], [], []
    for k in range(nfiles):
        path = "/home/dev/app/pkg%d/mod%d.py" % (k % 50, k)
        src, funcs = source_file(rnd, 6, 6)
        cpu_file = 100.0 * share[k] / total
        weights = [rnd.random() if rng[0] else 0.0 for _, rng in src]
        wsum = sum(weights) or 1.0
        lines = []
        for i, (text, rng) in enumerate(src):
            lines.append(line_detail(rnd, i + 1, text, rng,
                                     cpu_file * weights[i] / wsum))
        functions = []
        for name, start in funcs:
            fl = [ln for ln in lines if ln["start_function_line"] == start]
            f = dict(fl[0])
            f["line"] = name
            f["lineno"] = start
            for key in ("n_cpu_percent_c", "n_cpu_percent_python",
                        "n_sys_percent", "n_malloc_mb"):
                f[key] = sum(ln[key] for ln in fl)
            for key in ("start_function_line", "end_function_line",
                        "start_outermost_loop", "end_outermost_loop",
                        "start_region_line", "end_region_line"):
                del f[key]
            functions.append(f)
        files[path] = {
            "functions": functions,
            "imports": [],
            "leaks": {},
            "lines": lines,
            "percent_cpu_time": sum(ln["n_cpu_percent_python"] +
                                    ln["n_cpu_percent_c"] +
                                    ln["n_sys_percent"] for ln in lines),
        }
        name, start = funcs[rnd.randrange(len(funcs))]
        stacks.append([["/home/dev/app/main.py <module>:3;",
                        "%s %s:%d;" % (path, name, start + 2)],
                       {"c_time": 0.01, "count": rnd.randint(1, 40),
                        "cpu_samples": 0.02, "python_time": 0.01}])
        py = [{"display_name": "<module>",
               "filename_or_module": "/home/dev/app/main.py",
               "ip": None, "kind": "py", "line": 3, "offset": None},
              {"display_name": name, "filename_or_module": path,
               "ip": None, "kind": "py", "line": start + 2,
               "offset": None}]
        # 2.3 stacks are deep: the native part runs through the
        # interpreter's frames (as in the real crix-scraper profile)
        for _ in range(6):
            native = [{"display_name": rnd.choice(NATIVE),
                       "filename_or_module": "/usr/bin/python3.12",
                       "ip": rnd.randint(0x400000, 0x900000),
                       "kind": "native", "line": None,
                       "offset": rnd.randint(0, 4000)}
                      for _ in range(rnd.randint(10, 50))]
            combined.append([py + native, rnd.randint(1, 40)])
        memstacks.append([py, round(sum(ln["n_malloc_mb"] for ln in lines), 6)])

    out = {
        "alloc_samples": 1234,
        "args": [],
        "async_profile": False,
        "combined_stacks": combined,
        "combined_stacks_timeline": [],
        "elapsed_time_sec": 12.5,
        "entrypoint_dir": "/home/dev/app",
        "filename": "/home/dev/app",
        "files": files,
        "gpu": False,
        "gpu_device": "",
        "growth_rate": 0.0,
        "main_thread_id": 1,
        "max_footprint_fname": None,
        "max_footprint_lineno": None,
        "max_footprint_mb": 100.0,
        "max_footprint_python_fraction": 0.5,
        "memory": True,
        "memory_stacks": memstacks,
        "native_allocations_mb": 0.0,
        "program": "/home/dev/app/main.py",
        "samples": [],
        "stacks": stacks,
        "start_time_absolute": 1700000000.0,
        "start_time_perf": 1000.0,
    }
    sys.stdout.write(json.dumps(out, sort_keys=True, indent=4) + "\n")


if __name__ == "__main__":
    main()
