/*
 * genpyspy - generate large py-spy outputs for tests/bench/pyspy.sh.
 *
 *     genpyspy raw SEED BYTES
 *         py-spy raw text (--threads) of at least BYTES bytes, as if
 *         many raw files were concatenated: lines drawn from 50,000
 *         distinct stacks of 20 threads, frames "func (pkg/mod.py:N)".
 *     genpyspy speedscope SEED NSAMPLES NTHREADS
 *         a py-spy speedscope file: NTHREADS sampled profiles sharing
 *         NSAMPLES samples, weights 0.01 (100 Hz), frames in
 *         shared.frames (with a duplicate frame, as py-spy writes them).
 *         Each thread draws its samples from its own 1/NTHREADS of a
 *         pool of 50,000 stacks, so the file has at most 50,000
 *         distinct (thread, stack) pairs.
 *
 * Stacks are walks down a random call tree, so they share prefixes as
 * real profiles do. The output is a pure function of the arguments.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NFUNCS 4000
#define NSTACKS 50000
#define MAXDEPTH 48

static uint64_t rng = 88172645463325252ULL;

static uint64_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static unsigned
pick(unsigned n)
{
	return (unsigned)(next() % n);
}

/* A pool of stacks: frame indexes, root first. */
static unsigned stk[NSTACKS][MAXDEPTH], depth[NSTACKS];

static void
make_stacks(unsigned n)
{
	unsigned i, j;

	for (i = 0; i < n; i++) {
		unsigned parent = i > 0 ? pick(i) : 0;
		unsigned keep = i > 0 ? pick(depth[parent]) : 0;

		/* share a prefix with an earlier stack, then go deeper */
		memcpy(stk[i], stk[parent], keep * sizeof(stk[i][0]));
		depth[i] = keep + 1 + pick(MAXDEPTH - keep > 20 ? 20 :
					  MAXDEPTH - keep);
		if (depth[i] > MAXDEPTH)
			depth[i] = MAXDEPTH;
		for (j = keep; j < depth[i]; j++)
			stk[i][j] = pick(NFUNCS);
	}
}

static void
frame_text(unsigned f, char *buf, size_t n)
{
	snprintf(buf, n, "func_%u (pkg%u/module_%u.py:%u)", f, f % 37,
		 f % 211, 10 + f % 900);
}

static int
gen_raw(unsigned long long bytes)
{
	unsigned long long written = 0;
	char buf[128];
	unsigned j;

	make_stacks(NSTACKS);
	while (written < bytes) {
		unsigned s = pick(NSTACKS);
		unsigned t = s % 20;
		int n;

		n = printf("thread (%u): worker-%u", 8600 + t, t);
		written += (unsigned long long)n;
		for (j = 0; j < depth[s]; j++) {
			frame_text(stk[s][j], buf, sizeof(buf));
			n = printf(";%s", buf);
			written += (unsigned long long)n;
		}
		n = printf(" %u\n", 1 + pick(1000));
		written += (unsigned long long)n;
	}
	return 0;
}

static int
gen_speedscope(unsigned long nsamples, unsigned nthreads)
{
	unsigned t, j, f;
	unsigned long i, per = nsamples / nthreads;

	make_stacks(NSTACKS);
	printf("{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\",\"profiles\":[");
	for (t = 0; t < nthreads; t++) {
		unsigned long n = t + 1 == nthreads ? nsamples - per * t : per;

		printf("%s{\"type\":\"sampled\",\"name\":\"Thread %u \\\"worker-%u\\\"\","
		       "\"unit\":\"seconds\",\"startValue\":0.0,\"endValue\":%lu.%02lu,"
		       "\"samples\":[", t ? "," : "", 8600 + t, t, n / 100,
		       n % 100);
		for (i = 0; i < n; i++) {
			/* each thread runs its own share of the code */
			unsigned s = (t * (NSTACKS / nthreads) +
				      pick(NSTACKS / nthreads)) % NSTACKS;

			putchar(i ? ',' : '[');
			if (i > 0)
				putchar('[');
			for (j = 0; j < depth[s]; j++)
				printf(j ? ",%u" : "%u", stk[s][j]);
			putchar(']');
		}
		printf("],\"weights\":[");
		for (i = 0; i < n; i++)
			printf(i ? ",0.01" : "0.01");
		printf("]}");
	}
	printf("],\"shared\":{\"frames\":[");
	for (f = 0; f <= NFUNCS; f++) {
		/* the last frame repeats frame 0, as py-spy may */
		unsigned g = f == NFUNCS ? 0 : f;

		printf("%s{\"name\":\"func_%u\",\"file\":\"/srv/app/pkg%u/module_%u.py\","
		       "\"line\":%u,\"col\":null}", f ? "," : "", g, g % 37,
		       g % 211, 10 + g % 900);
	}
	printf("]},\"activeProfileIndex\":null,\"exporter\":\"py-spy@0.4.2\","
	       "\"name\":\"py-spy profile\"}\n");
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[1], "raw") == 0) {
		rng += strtoull(argv[2], NULL, 10);
		return gen_raw(strtoull(argv[3], NULL, 10));
	}
	if (argc >= 5 && strcmp(argv[1], "speedscope") == 0) {
		rng += strtoull(argv[2], NULL, 10);
		return gen_speedscope(strtoul(argv[3], NULL, 10),
				      (unsigned)strtoul(argv[4], NULL, 10));
	}
	fprintf(stderr, "usage: genpyspy raw SEED BYTES\n"
			"       genpyspy speedscope SEED NSAMPLES NTHREADS\n");
	return 2;
}
