/*
 * genfolded - write a synthetic folded profile to standard output, for
 * the benchmarks.
 *
 *     genfolded [-s seed] NSTACKS NNAMES
 *
 * NSTACKS distinct stacks, each 10 to 60 frames deep (uniformly), with
 * frames drawn from NNAMES distinct names that look like real ones: C
 * (do_sys_open), C++ (std::vector<int>::push_back, with spaces in
 * argument lists), Rust and Go paths, Java methods, Python frames
 * ("process (app/worker.py:42)"), 5 to 40 bytes long. Counts are 1 to
 * 1000. Everything is a function of the seed alone (a fixed-seed
 * xorshift64* generator), so a run is reproducible byte for byte.
 *
 * The stacks grow as a tree, as real profiles do: a few root frames
 * (start_thread, main, ...); each new stack keeps a random-length prefix
 * of a random earlier stack and appends new frames to its depth. Common
 * callees (malloc, memcpy, ...) come up more often than the rest.
 * Stacks are certainly unique: a hash set of the frame-id sequences
 * (names are unique and contain no ';', so equal texts mean equal
 * sequences) rejects a repeat, and another stack is drawn instead.
 *
 * The stacks come out in the order they were made, not sorted.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIN_DEPTH 10
#define MAX_DEPTH 60
#define MIN_NAME 5
#define MAX_NAME 40
#define MAX_COUNT 1000

static const char *progname = "genfolded";

static _Noreturn void
die(const char *msg)
{
	fprintf(stderr, "%s: %s\n", progname, msg);
	exit(1);
}

static void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		die("out of memory");
	return q;
}

/* xorshift64* (Vigna), seeded through splitmix64 so any seed works. */
static uint64_t rng_state;

static void
rng_seed(uint64_t seed)
{
	uint64_t z = seed + 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	rng_state = z ? z : 0x2545f4914f6cdd1dULL;
}

static uint64_t
rng_next(void)
{
	uint64_t x = rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

/* Uniform in [0, n), n > 0 (the bias of the modulo is negligible here). */
static size_t
rng_below(size_t n)
{
	return (size_t)((rng_next() >> 11) % n);
}

/* Uniform in [lo, hi]. */
static size_t
rng_range(size_t lo, size_t hi)
{
	return lo + rng_below(hi - lo + 1);
}

#define PICK(arr) ((arr)[rng_below(sizeof(arr) / sizeof((arr)[0]))])

static uint64_t
hash_bytes(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ s[i]) * 0x100000001b3ULL;
	return h ^ (h >> 29);
}

/* ---- names ---------------------------------------------------------- */

static const char *const c_prefix[] = {
	"do_", "sys_", "__", "vfs_", "ext4_", "tcp_", "ip_", "__x64_sys_",
	"kmem_", "page_", "sched_", "futex_", "ep_", "sock_", "blk_", "nvme_",
	"mm_", "irq_", "rcu_", "", "", "", "pthread_", "g_", "xml", "sqlite3",
	"png_", "ssl_", "evp_", "json_", "lua_", "py_", "_dl_", "__libc_"
};

static const char *const words[] = {
	"open", "read", "write", "close", "poll", "wait", "alloc", "free",
	"lookup", "insert", "remove", "flush", "sync", "lock", "unlock",
	"init", "exit", "parse", "emit", "queue", "dispatch", "handle",
	"submit", "complete", "fault", "map", "unmap", "copy", "fill",
	"scan", "hash", "find", "commit", "rollback", "send", "recv",
	"accept", "connect", "timer", "tick", "update", "render", "draw",
	"encode", "decode", "compress", "inflate", "deflate", "resize",
	"grow", "shrink", "merge", "split", "sort", "compare", "visit",
	"walk", "load", "store", "fetch", "spin", "yield", "wake", "sleep",
	"page", "file", "inode", "dentry", "buffer", "request", "entry",
	"node", "table", "cache", "pool", "slab", "task", "work", "event",
	"frame", "packet", "segment", "block", "chunk", "stream", "message"
};

static const char *const cpp_ns[] = {
	"std", "boost", "folly", "absl", "grpc", "v8", "llvm", "mozilla",
	"rocksdb", "tensorflow", "Eigen", "QtCore", "app", "net", "db"
};

static const char *const cpp_class[] = {
	"vector<int>", "string", "map<int, Node*>", "shared_ptr<Task>",
	"Scheduler", "Parser", "Allocator", "HashMap", "Session",
	"Connection", "Buffer", "Arena", "ThreadPool", "Future<void>",
	"Engine", "Isolate", "Heap", "Compiler", "DBImpl", "MemTable",
	"unique_ptr<Frame>", "basic_string<char>", "Tensor", "Matrix"
};

static const char *const cpp_method[] = {
	"push_back", "emplace", "operator()", "operator=", "run", "Run",
	"Get", "Put", "reserve", "resize", "Execute", "Invoke", "~Buffer",
	"find", "insert", "erase", "Compile", "Visit", "Flush", "Write",
	"Read", "reset", "swap", "append", "lock", "wait", "notify_one"
};

static const char *const cpp_args[] = {
	"(int)", "(char const*)", "(void*, unsigned long)", "()",
	"(std::string const&)", "(int, int)", "(Node*)", "(long) const"
};

static const char *const py_dirs[] = {
	"app", "lib", "site-packages/requests", "django/db", "numpy/core",
	"svc", "asyncio", "json", "http", "concurrent/futures", "tools"
};

static const char *const java_pkg[] = {
	"java.util", "java.lang", "java.io", "io.netty.channel",
	"org.apache.kafka", "com.example.app", "sun.nio.ch", "jdk.internal"
};

static const char *const roots[] = {
	"start_thread", "main", "_start", "[unknown]", "swapper",
	"python3", "java", "kworker/u8:2", "ret_from_fork", "__clone3",
	"tokio-runtime-worker", "runtime.goexit"
};

static const char *const hot[] = {
	"malloc", "free", "memcpy", "memset", "__memmove_avx_unaligned_erms",
	"pthread_mutex_lock", "pthread_mutex_unlock", "_int_malloc",
	"[libc.so.6]", "entry_SYSCALL_64_after_hwframe", "do_syscall_64",
	"page_fault", "asm_exc_page_fault", "__schedule", "schedule"
};

/* Appends to buf (at least 256 bytes) one name in a random style. */
static size_t
make_name(char *buf, size_t cap)
{
	int n = 0;

	switch (rng_below(10)) {
	case 0: case 1: case 2:		/* C: do_sys_open */
		if (rng_below(3) == 0)
			n = snprintf(buf, cap, "%s%s_%s_%s", PICK(c_prefix),
				     PICK(words), PICK(words), PICK(words));
		else
			n = snprintf(buf, cap, "%s%s_%s", PICK(c_prefix),
				     PICK(words), PICK(words));
		break;
	case 3: case 4:			/* C++ */
		if (rng_below(3) == 0)
			n = snprintf(buf, cap, "%s::%s::%s%s", PICK(cpp_ns),
				     PICK(cpp_class), PICK(cpp_method),
				     PICK(cpp_args));
		else
			n = snprintf(buf, cap, "%s::%s::%s", PICK(cpp_ns),
				     PICK(cpp_class), PICK(cpp_method));
		break;
	case 5:				/* Rust */
		if (rng_below(2) == 0)
			n = snprintf(buf, cap, "<%s as %s>::%s",
				     PICK(cpp_class), PICK(words),
				     PICK(words));
		else
			n = snprintf(buf, cap, "%s::%s::%s", PICK(words),
				     PICK(words), PICK(words));
		break;
	case 6:				/* Python */
		n = snprintf(buf, cap, "%s_%s (%s/%s.py:%u)", PICK(words),
			     PICK(words), PICK(py_dirs), PICK(words),
			     (unsigned)rng_range(1, 2000));
		break;
	case 7:				/* Java */
		n = snprintf(buf, cap, "%s.%c%s.%s", PICK(java_pkg),
			     (char)('A' + rng_below(26)), PICK(words),
			     PICK(words));
		break;
	case 8:				/* Go */
		n = snprintf(buf, cap, "%s.(*%c%s).%c%s", PICK(words),
			     (char)('A' + rng_below(26)), PICK(words),
			     (char)('A' + rng_below(26)), PICK(words));
		break;
	default:			/* short or odd ones */
		if (rng_below(2) == 0)
			n = snprintf(buf, cap, "%s_%s", PICK(words),
				     PICK(words));
		else
			n = snprintf(buf, cap, "[%s %s]", PICK(words),
				     PICK(words));
		break;
	}
	if (n < 0 || (size_t)n >= cap)
		return 0;
	return (size_t)n;
}

/*
 * A name must not change how its line parses: no ';' or newline, no
 * leading '#' or blank, no trailing blank, and its last blank-separated
 * field must not look like a count (or "a;leaf 12 7" reads as two).
 */
static int
name_ok(const char *s, size_t n)
{
	size_t i, k;

	if (n < MIN_NAME || n > MAX_NAME)
		return 0;
	if (s[0] == '#' || s[0] == ' ' || s[n - 1] == ' ')
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] == ';' || s[i] == '\n' || s[i] == '\r' ||
		    s[i] == '\t')
			return 0;
	for (k = n; k > 0 && s[k - 1] != ' '; k--)
		;
	for (i = k; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || s[i] == '.'))
			return 1;
	return 0;
}

struct names {
	char *text;		/* every name, back to back */
	size_t *off;		/* name i is text[off[i] .. off[i + 1]) */
	size_t n;
};

static void
make_names(struct names *nm, size_t count)
{
	size_t cap = count * 2, mask, len = 0, textcap = count * 24 + 64;
	uint32_t *set;
	unsigned long tries = 0;
	char buf[256];

	for (mask = 1; mask < cap; mask <<= 1)
		;
	set = xrealloc(NULL, mask * sizeof(*set));
	memset(set, 0, mask * sizeof(*set));
	mask--;
	nm->text = xrealloc(NULL, textcap);
	nm->off = xrealloc(NULL, (count + 1) * sizeof(*nm->off));
	nm->n = 0;
	nm->off[0] = 0;
	while (nm->n < count) {
		const char *s = buf;
		size_t n, j;
		int dup = 0;

		if (nm->n < sizeof(roots) / sizeof(roots[0])) {
			s = roots[nm->n];
			n = strlen(s);
		} else if (nm->n < sizeof(roots) / sizeof(roots[0]) +
				   sizeof(hot) / sizeof(hot[0])) {
			s = hot[nm->n - sizeof(roots) / sizeof(roots[0])];
			n = strlen(s);
		} else {
			n = make_name(buf, sizeof(buf));
			if (!name_ok(buf, n)) {
				if (++tries > 1000000UL)
					die("cannot make that many distinct names");
				continue;
			}
		}
		for (j = hash_bytes(s, n) & mask; set[j] != 0;
		     j = (j + 1) & mask) {
			size_t o = nm->off[set[j] - 1];

			if (nm->off[set[j]] - o == n &&
			    memcmp(nm->text + o, s, n) == 0) {
				dup = 1;
				break;
			}
		}
		if (dup) {
			if (++tries > 1000000UL)
				die("cannot make that many distinct names");
			continue;
		}
		if (len + n > textcap) {
			textcap = (len + n) * 2;
			nm->text = xrealloc(nm->text, textcap);
		}
		memcpy(nm->text + len, s, n);
		len += n;
		set[j] = (uint32_t)++nm->n;
		nm->off[nm->n] = len;
	}
	free(set);
}

/* ---- stacks --------------------------------------------------------- */

struct stacks {
	uint32_t *ids;		/* every stack's frame ids, back to back */
	size_t len, cap;
	size_t *start;		/* stack i is ids[start[i] .. start[i + 1]) */
	size_t n;
	uint32_t *set;		/* hash set: stack index + 1, 0 empty */
	size_t mask;
};

static uint64_t
hash_ids(const uint32_t *ids, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
	size_t i;

	for (i = 0; i < n; i++) {
		h = (h ^ ids[i]) * 0x9fb21c651e98df25ULL;
		h ^= h >> 31;
	}
	return h ^ (h >> 29);
}

/*
 * Adds the candidate ids[start[n] .. len) as stack n if it is new.
 * Returns 1 if added, 0 if it was there already (then it is dropped).
 */
static int
commit_stack(struct stacks *st)
{
	const uint32_t *c = st->ids + st->start[st->n];
	size_t n = st->len - st->start[st->n], j;

	for (j = hash_ids(c, n) & st->mask; st->set[j] != 0;
	     j = (j + 1) & st->mask) {
		size_t k = st->set[j] - 1;
		size_t m = st->start[k + 1] - st->start[k];

		if (m == n && memcmp(st->ids + st->start[k], c,
				     n * sizeof(*c)) == 0) {
			st->len = st->start[st->n];
			return 0;
		}
	}
	st->set[j] = (uint32_t)++st->n;
	st->start[st->n] = st->len;
	return 1;
}

static void
push_id(struct stacks *st, uint32_t id)
{
	if (st->len == st->cap) {
		st->cap = st->cap ? st->cap * 2 : 1 << 20;
		st->ids = xrealloc(st->ids, st->cap * sizeof(*st->ids));
	}
	st->ids[st->len++] = id;
}

/*
 * A frame below the root: one of the hot callees now and then, else a
 * name skewed towards the low ids (u^2), as a few functions dominate
 * real profiles.
 */
static uint32_t
pick_frame(size_t nnames, size_t first)
{
	size_t span = nnames - first;
	double u;

	if (first > sizeof(roots) / sizeof(roots[0]) && rng_below(12) == 0)
		return (uint32_t)(sizeof(roots) / sizeof(roots[0]) +
				  rng_below(sizeof(hot) / sizeof(hot[0])));
	u = (double)(rng_next() >> 11) / 9007199254740992.0;
	return (uint32_t)(first + (size_t)(u * u * (double)span));
}

static void
make_stacks(struct stacks *st, size_t count, size_t nnames)
{
	size_t nroots = sizeof(roots) / sizeof(roots[0]);
	size_t setcap, first = nroots + sizeof(hot) / sizeof(hot[0]);
	unsigned long fails = 0;

	if (first >= nnames)
		first = nnames > nroots ? nroots : 0;
	if (nroots > nnames)
		nroots = nnames;
	for (setcap = 1; setcap < count * 2 + 2; setcap <<= 1)
		;
	st->set = xrealloc(NULL, setcap * sizeof(*st->set));
	memset(st->set, 0, setcap * sizeof(*st->set));
	st->mask = setcap - 1;
	st->start = xrealloc(NULL, (count + 1) * sizeof(*st->start));
	st->start[0] = 0;
	st->n = 0;
	st->ids = NULL;
	st->len = st->cap = 0;
	while (st->n < count) {
		size_t depth = rng_range(MIN_DEPTH, MAX_DEPTH), k, keep = 0;

		if (st->n == 0 || rng_below(500) == 0) {
			/* a new tree: a root frame, the rest fresh */
			push_id(st, (uint32_t)rng_below(nroots));
			keep = 1;
		} else {
			/* a branch off an earlier stack */
			size_t p = rng_below(st->n);
			size_t pn = st->start[p + 1] - st->start[p];
			size_t most = pn < depth - 1 ? pn : depth - 1;

			keep = rng_range(1, most);
			for (k = 0; k < keep; k++)
				push_id(st, st->ids[st->start[p] + k]);
		}
		for (k = keep; k < depth; k++)
			push_id(st, pick_frame(nnames, first));
		if (!commit_stack(st) && ++fails > 100000000UL)
			die("cannot make that many distinct stacks from so few names");
	}
}

/* ---- output --------------------------------------------------------- */

struct out {
	char buf[1 << 16];
	size_t len;
};

static void
out_flush(struct out *o)
{
	if (o->len > 0 && fwrite(o->buf, 1, o->len, stdout) != o->len) {
		fprintf(stderr, "%s: write error: %s\n", progname,
			strerror(errno));
		exit(1);
	}
	o->len = 0;
}

static void
out_add(struct out *o, const char *s, size_t n)
{
	if (sizeof(o->buf) - o->len < n)
		out_flush(o);
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static int
parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > UINT32_MAX - 2)
		return -1;
	*out = (size_t)v;
	return 0;
}

static _Noreturn void
usage(void)
{
	fprintf(stderr, "usage: %s [-s seed] NSTACKS NNAMES\n", progname);
	exit(2);
}

int
main(int argc, char **argv)
{
	static struct out o;
	struct names nm;
	struct stacks st;
	size_t nstacks, nnames, seed = 1, i, j;
	int a = 1;

	if (a + 1 < argc && strcmp(argv[a], "-s") == 0) {
		if (parse_size(argv[a + 1], &seed) < 0)
			usage();
		a += 2;
	}
	if (argc - a != 2 || parse_size(argv[a], &nstacks) < 0 ||
	    parse_size(argv[a + 1], &nnames) < 0)
		usage();
	if (nnames < 1)
		die("NNAMES must be at least 1");
	rng_seed((uint64_t)seed);
	make_names(&nm, nnames);
	make_stacks(&st, nstacks, nnames);
	for (i = 0; i < st.n; i++) {
		char num[24];
		int n;

		for (j = st.start[i]; j < st.start[i + 1]; j++) {
			uint32_t id = st.ids[j];

			if (j > st.start[i])
				out_add(&o, ";", 1);
			out_add(&o, nm.text + nm.off[id],
				nm.off[id + 1] - nm.off[id]);
		}
		n = snprintf(num, sizeof(num), " %u\n",
			     (unsigned)rng_range(1, MAX_COUNT));
		out_add(&o, num, (size_t)n);
	}
	out_flush(&o);
	if (fflush(stdout) != 0 || ferror(stdout))
		die("write error");
	free(st.ids);
	free(st.start);
	free(st.set);
	free(nm.text);
	free(nm.off);
	return 0;
}
