# genpstats.py OUT.pstats [NFUNCS [FANOUT [LAYERS [SEED]]]] - make a big
# pstats file for tests/bench/pstats.sh by profiling a generated program.
#
# The program has NFUNCS (20000) functions in LAYERS (25) layers. The
# first time a function runs it calls FANOUT (6) distinct functions of the
# next layer, chosen at random; later calls only do a little work. main()
# calls every function in turn, so every function runs and every edge is
# taken: the profile has NFUNCS functions and about NFUNCS * (FANOUT + 1)
# edges, with a call depth of LAYERS and as many paths through the call
# graph as a large program has.
import cProfile
import random
import sys

out = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
fanout = int(sys.argv[3]) if len(sys.argv) > 3 else 6
layers = int(sys.argv[4]) if len(sys.argv) > 4 else 25
random.seed(int(sys.argv[5]) if len(sys.argv) > 5 else 1)

per = n // layers
src = ["seen = set()"]
for i in range(n):
    layer = i // per
    nxt = range((layer + 1) * per, min(n, (layer + 2) * per))
    callees = sorted(random.sample(nxt, min(fanout, len(nxt))))
    body = ["def f%d():" % i,
            "    x = sum(range(%d))" % (i % 7 * 5),
            "    if %d in seen:" % i,
            "        return x",
            "    seen.add(%d)" % i]
    body += ["    f%d()" % j for j in callees]
    body.append("    return x")
    src.append("\n".join(body))
src.append("def main():\n"
           "    g = globals()\n"
           "    for i in range(%d):\n"
           "        g['f%%d' %% i]()" % n)
code = compile("\n\n".join(src) + "\n", "generated.py", "exec")
env = {"__name__": "generated"}
exec(code, env)
prof = cProfile.Profile()
prof.runcall(env["main"])
prof.dump_stats(out)
