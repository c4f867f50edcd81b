/*
 * pstats.c - cProfile and profile files to folded stacks.
 *
 * Reading: each file is decoded with marshal.c and its entries merged
 * into a table of functions (keyed by file, line and name) and a table of
 * caller->callee edges, summing what several files say about the same
 * function or edge, as pstats.Stats.add() does.
 *
 * Collapsing (docs/formats/pstats.md, section 6.6):
 *   - the call graph without profile's fake frames is split into
 *     strongly connected components (Tarjan, iterative);
 *   - an SCC S has self time tt(S) (its members' tt), out-flow (the
 *     cumulative time of edges leaving it) and T(S) = tt(S) + out-flow,
 *     in-flow I(S) (the cumulative time of edges entering it) and a root
 *     share, T(S) - I(S) when it has calls from no profiled caller;
 *   - each context in which S is reached gets the share
 *     phi = flow / (root share + I(S)) of S: every member m gets phi * tt(m)
 *     as self time on the path from the member that was called to m along
 *     a breadth-first spanning tree of S, and every edge m->g leaving S
 *     passes phi * ct(m->g) to g's SCC. The shares of all contexts of S
 *     add up to 1, so S's members get exactly their tt and every edge
 *     between SCCs passes exactly its ct;
 *   - the values are rounded to whole units in two steps that both hand
 *     out the remainders by largest fraction: the total to the functions,
 *     then each function's part to its stacks.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fg/buf.h"
#include "fg/error.h"
#include "fg/intern.h"
#include "fg/marshal.h"
#include "fg/pstats.h"
#include "fg/stacks.h"
#include "internal.h"

#define NONE UINT32_MAX

struct func {
	uint32_t file, name;	/* ids in ps->strs */
	int64_t line;
	double cc, nc, tt, ct;
	bool fake;
	uint32_t frame, frame_guessed;	/* ids in the output symtab */
	uint32_t scc;			/* after collapsing */
};

struct edge {
	uint32_t caller, callee;
	double nc, cc, tt, ct;
	bool counts;		/* profile: a call count and no times */
};

/* An open-addressing index of table rows: slot = row + 1, 0 is empty. */
struct index {
	uint32_t *slots;
	size_t mask;
};

struct fg_pstats {
	struct fg_symtab *strs;	/* file names and function names */
	struct func *funcs;
	size_t nfuncs, funcap;
	struct edge *edges;
	size_t nedges, edgecap;
	struct index fidx, eidx;
	struct fg_buf scratch;
	/* during one add: key object -> function, as keys are shared */
	const struct fg_mobj **kc_keys;
	uint32_t *kc_vals;
	size_t kc_mask, kc_n;
};

/* ---- the two indexes ---- */

static uint64_t
func_hash(uint32_t file, int64_t line, uint32_t name)
{
	return fg_mix64(((uint64_t)file << 32 | name) ^
			fg_mix64((uint64_t)line + 0x9e3779b97f4a7c15ULL));
}

static uint64_t
edge_hash(uint32_t caller, uint32_t callee)
{
	return fg_mix64((uint64_t)caller << 32 | callee);
}

static void
index_init(struct index *ix)
{
	ix->mask = 1023;
	ix->slots = fg_xcalloc(ix->mask + 1, sizeof(*ix->slots));
}

static void
index_put(struct index *ix, uint64_t h, uint32_t row)
{
	size_t i = h & ix->mask;

	while (ix->slots[i] != 0)
		i = (i + 1) & ix->mask;
	ix->slots[i] = row + 1;
}

static void
func_grow_index(struct fg_pstats *ps)
{
	size_t i;

	if (2 * (ps->nfuncs + 1) <= ps->fidx.mask)
		return;
	free(ps->fidx.slots);
	ps->fidx.mask = 2 * ps->fidx.mask + 1;
	ps->fidx.slots = fg_xcalloc(ps->fidx.mask + 1, sizeof(uint32_t));
	for (i = 0; i < ps->nfuncs; i++) {
		const struct func *f = &ps->funcs[i];

		index_put(&ps->fidx, func_hash(f->file, f->line, f->name),
			  (uint32_t)i);
	}
}

static void
edge_grow_index(struct fg_pstats *ps)
{
	size_t i;

	if (2 * (ps->nedges + 1) <= ps->eidx.mask)
		return;
	free(ps->eidx.slots);
	ps->eidx.mask = 2 * ps->eidx.mask + 1;
	ps->eidx.slots = fg_xcalloc(ps->eidx.mask + 1, sizeof(uint32_t));
	for (i = 0; i < ps->nedges; i++)
		index_put(&ps->eidx, edge_hash(ps->edges[i].caller,
					       ps->edges[i].callee),
			  (uint32_t)i);
}

/* The row of function (file, line, name), added (zeroed) if new. */
static uint32_t
func_get(struct fg_pstats *ps, uint32_t file, int64_t line, uint32_t name)
{
	uint64_t h = func_hash(file, line, name);
	size_t i = h & ps->fidx.mask;
	struct func *f;
	uint32_t s;

	while ((s = ps->fidx.slots[i]) != 0) {
		f = &ps->funcs[s - 1];
		if (f->file == file && f->line == line && f->name == name)
			return s - 1;
		i = (i + 1) & ps->fidx.mask;
	}
	if (ps->nfuncs >= UINT32_MAX - 1)
		fg_xmalloc(SIZE_MAX);	/* beyond any real profile: abort */
	if (ps->nfuncs == ps->funcap) {
		ps->funcap = ps->funcap ? 2 * ps->funcap : 256;
		ps->funcs = fg_xreallocarray(ps->funcs, ps->funcap,
					     sizeof(*ps->funcs));
	}
	f = &ps->funcs[ps->nfuncs];
	memset(f, 0, sizeof(*f));
	f->file = file;
	f->line = line;
	f->name = name;
	f->frame = f->frame_guessed = f->scc = NONE;
	{
		size_t flen;
		const char *fs = fg_symtab_str(ps->strs, file, &flen);

		f->fake = line == 0 && flen == 7 && memcmp(fs, "profile", 7) == 0;
	}
	ps->fidx.slots[i] = (uint32_t)ps->nfuncs + 1;
	ps->nfuncs++;
	func_grow_index(ps);
	return (uint32_t)ps->nfuncs - 1;
}

static struct edge *
edge_get(struct fg_pstats *ps, uint32_t caller, uint32_t callee, bool *isnew)
{
	uint64_t h = edge_hash(caller, callee);
	size_t i = h & ps->eidx.mask;
	struct edge *e;
	uint32_t s;

	while ((s = ps->eidx.slots[i]) != 0) {
		e = &ps->edges[s - 1];
		if (e->caller == caller && e->callee == callee) {
			*isnew = false;
			return e;
		}
		i = (i + 1) & ps->eidx.mask;
	}
	if (ps->nedges == ps->edgecap) {
		ps->edgecap = ps->edgecap ? 2 * ps->edgecap : 1024;
		ps->edges = fg_xreallocarray(ps->edges, ps->edgecap,
					     sizeof(*ps->edges));
	}
	e = &ps->edges[ps->nedges];
	memset(e, 0, sizeof(*e));
	e->caller = caller;
	e->callee = callee;
	ps->eidx.slots[i] = (uint32_t)ps->nedges + 1;
	ps->nedges++;
	edge_grow_index(ps);
	*isnew = true;
	return &ps->edges[ps->nedges - 1];
}

struct fg_pstats *
fg_pstats_new(void)
{
	struct fg_pstats *ps = fg_xcalloc(1, sizeof(*ps));

	ps->strs = fg_symtab_new();
	index_init(&ps->fidx);
	index_init(&ps->eidx);
	fg_buf_init(&ps->scratch);
	return ps;
}

void
fg_pstats_free(struct fg_pstats *ps)
{
	if (ps == NULL)
		return;
	fg_symtab_free(ps->strs);
	free(ps->funcs);
	free(ps->edges);
	free(ps->fidx.slots);
	free(ps->eidx.slots);
	fg_buf_release(&ps->scratch);
	free(ps);
}

/* ---- reading ---- */

static bool
is_text(const struct fg_mobj *o)
{
	return o->type == FG_M_STR || o->type == FG_M_BYTES;
}

/* A number that may be a time or a count: finite and not negative. */
static bool
get_num(const struct fg_mobj *o, double *v)
{
	return fg_mobj_number(o, v) && isfinite(*v) && *v >= 0;
}

/*
 * The function a (file, line, name) key names, or NONE with why filled.
 * A code object as the name (python -m profile) becomes the text pstats
 * prints for it, without the address.
 */
static uint32_t
key_func(struct fg_pstats *ps, const struct fg_mobj *k, char *why,
	 size_t whysz)
{
	const struct fg_mobj *file, *line, *name;
	uint32_t fid, nid;

	if (k->type != FG_M_TUPLE || k->u.seq.n != 3) {
		snprintf(why, whysz, "function key is a %s, not a 3-tuple",
			 fg_mtype_name(k->type));
		return NONE;
	}
	file = k->u.seq.items[0];
	line = k->u.seq.items[1];
	name = k->u.seq.items[2];
	if (!is_text(file) || line->type != FG_M_INT || line->big ||
	    !(is_text(name) || name->type == FG_M_CODE)) {
		snprintf(why, whysz,
			 "function key is (%s, %s, %s), not (str, int, str)",
			 fg_mtype_name(file->type), fg_mtype_name(line->type),
			 fg_mtype_name(name->type));
		return NONE;
	}
	fid = fg_intern(ps->strs, file->u.str.p, file->u.str.n);
	if (name->type == FG_M_CODE) {
		const struct fg_mobj *cn = name->u.code->name;
		const struct fg_mobj *cf = name->u.code->filename;

		fg_buf_reset(&ps->scratch);
		fg_buf_adds(&ps->scratch, "<code object ");
		fg_buf_add(&ps->scratch, cn->u.str.p, cn->u.str.n);
		fg_buf_adds(&ps->scratch, ", file \"");
		fg_buf_add(&ps->scratch, cf->u.str.p, cf->u.str.n);
		fg_buf_addf(&ps->scratch, "\", line %lld>",
			    (long long)name->u.code->firstlineno);
		nid = fg_intern(ps->strs, ps->scratch.buf, ps->scratch.len);
	} else {
		nid = fg_intern(ps->strs, name->u.str.p, name->u.str.n);
	}
	return func_get(ps, fid, line->u.i, nid);
}

/*
 * key_func through a cache by object: Python 3 writes a caller's key
 * tuple once and refers to it from every callers dict it appears in.
 */
static uint32_t
key_func_cached(struct fg_pstats *ps, const struct fg_mobj *k, char *why,
		size_t whysz)
{
	size_t i = fg_mix64((uintptr_t)k) & ps->kc_mask;
	uint32_t f;

	while (ps->kc_keys[i] != NULL) {
		if (ps->kc_keys[i] == k)
			return ps->kc_vals[i];
		i = (i + 1) & ps->kc_mask;
	}
	f = key_func(ps, k, why, whysz);
	if (f == NONE)
		return f;
	ps->kc_keys[i] = k;
	ps->kc_vals[i] = f;
	if (2 * ++ps->kc_n > ps->kc_mask) {
		const struct fg_mobj **ok = ps->kc_keys;
		uint32_t *ov = ps->kc_vals;
		size_t om = ps->kc_mask, j;

		ps->kc_mask = 2 * om + 1;
		ps->kc_keys = fg_xcalloc(ps->kc_mask + 1, sizeof(*ok));
		ps->kc_vals = fg_xmalloc((ps->kc_mask + 1) * sizeof(*ov));
		for (j = 0; j <= om; j++) {
			if (ok[j] == NULL)
				continue;
			i = fg_mix64((uintptr_t)ok[j]) & ps->kc_mask;
			while (ps->kc_keys[i] != NULL)
				i = (i + 1) & ps->kc_mask;
			ps->kc_keys[i] = ok[j];
			ps->kc_vals[i] = ov[j];
		}
		free(ok);
		free(ov);
	}
	return f;
}

/* Checks one (key, value) entry without changing ps; why on failure. */
static bool
check_entry(const struct fg_mobj *val, char *why, size_t whysz)
{
	const struct fg_mobj *callers;
	double v;
	size_t k;

	if (val->type != FG_M_TUPLE || val->u.seq.n != 5) {
		if (val->type == FG_M_TUPLE)
			snprintf(why, whysz, "value is a tuple of %zu, not (cc, nc, tt, ct, callers)",
				 val->u.seq.n);
		else
			snprintf(why, whysz, "value is a %s, not (cc, nc, tt, ct, callers)",
				 fg_mtype_name(val->type));
		return false;
	}
	for (k = 0; k < 4; k++) {
		if (!get_num(val->u.seq.items[k], &v)) {
			snprintf(why, whysz, "value field %zu is not a number >= 0",
				 k);
			return false;
		}
	}
	callers = val->u.seq.items[4];
	if (callers->type != FG_M_DICT) {
		snprintf(why, whysz, "callers is a %s, not a dict",
			 fg_mtype_name(callers->type));
		return false;
	}
	for (k = 0; k < callers->u.seq.n; k += 2) {
		const struct fg_mobj *ck = callers->u.seq.items[k];
		const struct fg_mobj *cv = callers->u.seq.items[k + 1];
		size_t j;

		if (ck->type != FG_M_TUPLE || ck->u.seq.n != 3 ||
		    !is_text(ck->u.seq.items[0]) ||
		    ck->u.seq.items[1]->type != FG_M_INT ||
		    ck->u.seq.items[1]->big ||
		    !(is_text(ck->u.seq.items[2]) ||
		      ck->u.seq.items[2]->type == FG_M_CODE)) {
			snprintf(why, whysz, "caller key is not (str, int, str)");
			return false;
		}
		if (cv->type == FG_M_INT) {
			if (!get_num(cv, &v)) {
				snprintf(why, whysz, "caller call count is negative");
				return false;
			}
			continue;
		}
		/* (nc, cc, tt, ct), or several such, summed (old files) */
		if (cv->type != FG_M_TUPLE || cv->u.seq.n == 0 ||
		    cv->u.seq.n % 4 != 0) {
			snprintf(why, whysz, "caller value is a %s, not (nc, cc, tt, ct) or an int",
				 fg_mtype_name(cv->type));
			return false;
		}
		for (j = 0; j < cv->u.seq.n; j++) {
			if (!get_num(cv->u.seq.items[j], &v)) {
				snprintf(why, whysz, "caller value field %zu is not a number >= 0",
					 j);
				return false;
			}
		}
	}
	return true;
}

static void
add_entry(struct fg_pstats *ps, uint32_t fi, const struct fg_mobj *val,
	  struct fg_pstats_read *st)
{
	const struct fg_mobj *callers = val->u.seq.items[4];
	struct func *f = &ps->funcs[fi];
	double v[4];
	size_t k;

	for (k = 0; k < 4; k++)
		fg_mobj_number(val->u.seq.items[k], &v[k]);
	f->cc += v[0];
	f->nc += v[1];
	f->tt += v[2];
	f->ct += v[3];
	st->entries++;
	for (k = 0; k < callers->u.seq.n; k += 2) {
		const struct fg_mobj *cv = callers->u.seq.items[k + 1];
		char why[8];
		uint32_t ci = key_func_cached(ps, callers->u.seq.items[k], why,
					      sizeof(why));
		struct edge *e;
		bool isnew;
		size_t j;

		e = edge_get(ps, ci, fi, &isnew);
		st->edges++;
		if (cv->type == FG_M_INT) {
			double n;

			fg_mobj_number(cv, &n);
			e->nc += n;
			e->cc += n;
			e->counts = true;
			st->count_edges++;
			continue;
		}
		for (j = 0; j < cv->u.seq.n; j += 4) {
			double t[4];
			size_t i;

			for (i = 0; i < 4; i++)
				fg_mobj_number(cv->u.seq.items[j + i], &t[i]);
			e->nc += t[0];
			e->cc += t[1];
			e->tt += t[2];
			e->ct += t[3];
		}
	}
}

/* Merges the entries of the decoded dict top into ps. */
static int
add_top(struct fg_pstats *ps, const struct fg_mobj *top, const char *name,
	bool strict, struct fg_pstats_read *st, struct fg_diag *d)
{
	size_t k;

	if (top->type != FG_M_DICT) {
		fg_diag_set(d, name, 0, 1,
			    "not a pstats file: the marshalled object is a %s, not a dict",
			    fg_mtype_name(top->type));
		return FG_EFORMAT;
	}
	for (k = 0; k < top->u.seq.n; k += 2) {
		const struct fg_mobj *key = top->u.seq.items[k];
		const struct fg_mobj *val = top->u.seq.items[k + 1];
		char why[160];
		uint32_t fi;

		/* Validate all before touching ps, so a bad entry adds nothing. */
		fi = NONE;
		if (check_entry(val, why, sizeof(why)))
			fi = key_func_cached(ps, key, why, sizeof(why));
		if (fi == NONE) {
			if (st->bad++ == 0)
				fg_diag_set(&st->first_bad, name, 0, key->off + 1,
					    "byte %zu: %s", key->off, why);
			if (strict) {
				if (d != NULL)
					*d = st->first_bad;
				return FG_EPARSE;
			}
			continue;
		}
		add_entry(ps, fi, val, st);
	}
	if (st->entries == 0 && top->u.seq.n > 0) {
		if (d != NULL)
			*d = st->first_bad;
		return FG_EFORMAT;
	}
	return FG_OK;
}

/*
 * The decoded objects are needed only while the entries are merged:
 * the decoder is freed before returning, so collapsing does not hold
 * the tree of the last file.
 */
int
fg_pstats_add(struct fg_pstats *ps, const void *buf, size_t n,
	      const char *name, bool strict, struct fg_pstats_read *st,
	      struct fg_diag *d)
{
	struct fg_marshal *m = fg_marshal_new();
	const struct fg_marshal_stats *ms;
	const struct fg_mobj *top;
	int rc;

	memset(st, 0, sizeof(*st));
	ps->kc_mask = 1023;
	ps->kc_n = 0;
	ps->kc_keys = fg_xcalloc(ps->kc_mask + 1, sizeof(*ps->kc_keys));
	ps->kc_vals = fg_xmalloc((ps->kc_mask + 1) * sizeof(*ps->kc_vals));
	rc = fg_marshal_load(m, buf, n, &top, d);
	if (rc < 0) {
		if (d != NULL)
			d->file = name;
	} else {
		ms = fg_marshal_stats(m);
		st->flag_ref = ms->flag_ref;
		st->v5 = ms->v5;
		rc = add_top(ps, top, name, strict, st, d);
	}
	fg_marshal_free(m);
	free(ps->kc_keys);
	free(ps->kc_vals);
	ps->kc_keys = NULL;
	ps->kc_vals = NULL;
	return rc;
}

size_t
fg_pstats_count(const struct fg_pstats *ps)
{
	return ps->nfuncs;
}

void
fg_pstats_func(const struct fg_pstats *ps, size_t i, struct fg_pstats_func *f)
{
	const struct func *g = &ps->funcs[i];

	f->file = fg_symtab_str(ps->strs, g->file, &f->file_len);
	f->name = fg_symtab_str(ps->strs, g->name, &f->name_len);
	f->line = g->line;
	f->cc = g->cc;
	f->nc = g->nc;
	f->tt = g->tt;
	f->ct = g->ct;
	f->fake = g->fake;
	f->frame = g->frame;
	f->scc = g->scc;
}

size_t
fg_pstats_edge_count(const struct fg_pstats *ps)
{
	return ps->nedges;
}

void
fg_pstats_edge(const struct fg_pstats *ps, size_t i, struct fg_pstats_edge *e)
{
	const struct edge *g = &ps->edges[i];

	e->caller = g->caller;
	e->callee = g->callee;
	e->nc = g->nc;
	e->cc = g->cc;
	e->tt = g->tt;
	e->ct = g->ct;
	e->counts = g->counts;
}

/* ---- the call graph ---- */

struct graph {
	size_t n;
	uint32_t *out_start, *out;	/* CSR: edge rows by caller */
	uint32_t *scc;			/* function -> SCC */
	uint32_t *scc_start, *members;	/* SCC -> its functions */
	size_t nscc;
	double *rootcalls;		/* calls from no profiled caller */
	double *ect;		/* edge ct used (estimated or not) */
};

/* Out-edges by caller, skipping edges that touch a fake frame. */
static void
graph_build(const struct fg_pstats *ps, struct graph *g)
{
	size_t n = ps->nfuncs, i;
	uint32_t *fill;

	g->n = n;
	g->out_start = fg_xcalloc(n + 1, sizeof(uint32_t));
	g->rootcalls = fg_xcalloc(n ? n : 1, sizeof(double));
	for (i = 0; i < n; i++)
		g->rootcalls[i] = ps->funcs[i].nc;
	for (i = 0; i < ps->nedges; i++) {
		const struct edge *e = &ps->edges[i];

		if (ps->funcs[e->callee].fake)
			continue;
		if (!ps->funcs[e->caller].fake) {
			g->out_start[e->caller + 1]++;
			g->rootcalls[e->callee] -= e->nc;
		}
	}
	for (i = 0; i < n; i++) {
		g->out_start[i + 1] += g->out_start[i];
		if (g->rootcalls[i] < 0.5)	/* counts are whole */
			g->rootcalls[i] = 0;
	}
	g->out = fg_xmalloc((g->out_start[n] ? g->out_start[n] : 1) *
			    sizeof(uint32_t));
	fill = fg_xmalloc((n ? n : 1) * sizeof(uint32_t));
	memcpy(fill, g->out_start, n * sizeof(uint32_t));
	for (i = 0; i < ps->nedges; i++) {
		const struct edge *e = &ps->edges[i];

		if (ps->funcs[e->callee].fake || ps->funcs[e->caller].fake)
			continue;
		g->out[fill[e->caller]++] = (uint32_t)i;
	}
	free(fill);
}

/* Tarjan's strongly connected components, without recursion. */
static void
graph_scc(const struct fg_pstats *ps, struct graph *g)
{
	size_t n = g->n, i, sp = 0, csp = 0, next = 0, nmem = 0;
	uint32_t *idx = fg_xmalloc((n ? n : 1) * sizeof(uint32_t));
	uint32_t *low = fg_xmalloc((n ? n : 1) * sizeof(uint32_t));
	uint32_t *stack = fg_xmalloc((n ? n : 1) * sizeof(uint32_t));
	bool *on = fg_xcalloc(n ? n : 1, sizeof(bool));
	struct { uint32_t v, e; } *call = fg_xmalloc((n ? n : 1) *
						      sizeof(*call));

	g->scc = fg_xmalloc((n ? n : 1) * sizeof(uint32_t));
	g->members = fg_xmalloc((n ? n : 1) * sizeof(uint32_t));
	g->scc_start = fg_xmalloc((n + 1) * sizeof(uint32_t));
	g->nscc = 0;
	for (i = 0; i < n; i++)
		idx[i] = NONE;
	for (i = 0; i < n; i++) {
		if (idx[i] != NONE || ps->funcs[i].fake)
			continue;
		call[csp].v = (uint32_t)i;
		call[csp].e = g->out_start[i];
		csp++;
		idx[i] = low[i] = (uint32_t)next++;
		stack[sp++] = (uint32_t)i;
		on[i] = true;
		while (csp > 0) {
			uint32_t v = call[csp - 1].v;

			if (call[csp - 1].e < g->out_start[v + 1]) {
				uint32_t w = ps->edges[g->out[call[csp - 1].e++]].callee;

				if (idx[w] == NONE) {
					idx[w] = low[w] = (uint32_t)next++;
					stack[sp++] = w;
					on[w] = true;
					call[csp].v = w;
					call[csp].e = g->out_start[w];
					csp++;
				} else if (on[w] && idx[w] < low[v]) {
					low[v] = idx[w];
				}
				continue;
			}
			if (low[v] == idx[v]) {
				uint32_t w;

				g->scc_start[g->nscc] = (uint32_t)nmem;
				do {
					w = stack[--sp];
					on[w] = false;
					g->scc[w] = (uint32_t)g->nscc;
					g->members[nmem++] = w;
				} while (w != v);
				g->nscc++;
			}
			csp--;
			if (csp > 0) {
				uint32_t u = call[csp - 1].v;

				if (low[v] < low[u])
					low[u] = low[v];
			}
		}
	}
	g->scc_start[g->nscc] = (uint32_t)nmem;
	for (i = 0; i < n; i++)
		if (ps->funcs[i].fake)
			g->scc[i] = NONE;
	free(idx);
	free(low);
	free(stack);
	free(on);
	free(call);
}

/*
 * The cumulative time each edge passes on. cProfile records it; for a
 * profile-module call count it is estimated as the callee's ct times the
 * edge's share of the callee's calls from outside its SCC (calls from
 * inside a recursive SCC pass no time out of it).
 */
static bool
graph_edge_times(const struct fg_pstats *ps, struct graph *g)
{
	double *ext = fg_xcalloc(g->n ? g->n : 1, sizeof(double));
	bool estimated = false;
	size_t i;

	g->ect = fg_xcalloc(ps->nedges ? ps->nedges : 1, sizeof(double));
	for (i = 0; i < ps->nedges; i++) {
		const struct edge *e = &ps->edges[i];

		if (e->counts && g->scc[e->callee] != NONE &&
		    g->scc[e->caller] != g->scc[e->callee])
			ext[e->callee] += e->nc;
	}
	for (i = 0; i < ps->nedges; i++) {
		const struct edge *e = &ps->edges[i];
		double den;

		if (!e->counts) {
			g->ect[i] = e->ct;
			continue;
		}
		estimated = true;
		den = ext[e->callee] + g->rootcalls[e->callee];
		g->ect[i] = den > 0 ?
			(double)ps->funcs[e->callee].ct * e->nc / den : 0;
	}
	free(ext);
	return estimated;
}

static void
graph_free(struct graph *g)
{
	free(g->out_start);
	free(g->out);
	free(g->scc);
	free(g->scc_start);
	free(g->members);
	free(g->rootcalls);
	free(g->ect);
}

/* ---- expansion ---- */

struct sccinfo {
	double tt, T, in, root, inflow;
	uint32_t entry;		/* the member root calls enter by */
};

/* A node of the tree of emitted paths. */
struct pnode {
	uint32_t func;
	uint32_t parent;	/* NONE at a root */
	bool guessed;
};

/* Self time placed at a path node. */
struct emit {
	uint32_t node;
	uint32_t func;		/* NONE: the fake frames' self time */
	double value;
};

/* A breadth-first spanning tree of one SCC from one entry member. */
struct bfs {
	uint32_t scc, entry;
	uint32_t *order;	/* members, entry first */
	uint32_t *up;		/* per position in order: parent position */
};

/* SCCs larger than this have their spanning trees computed each time. */
#define BFS_CACHE_MAX 256

struct work {
	uint32_t scc, entry, parent;
	double flow;
};

struct expander {
	const struct fg_pstats *ps;
	const struct graph *g;
	struct sccinfo *si;
	uint32_t *local;	/* function -> position in its SCC's BFS */
	struct bfs *bfs;
	size_t nbfs, bfscap;
	struct pnode *nodes;
	size_t nnodes, nodecap;
	struct emit *emits;
	size_t nemits, emitcap;
	struct work *stack;
	size_t nstack, stackcap;
	double fold;	/* below: into the caller's self time */
	double merge;	/* below: into the SCC's pending context */
	/* per edge: its small contexts merged into one (see expand_all) */
	double *pflow, *pbest;
	uint32_t *pparent;
	uint32_t *porder;	/* edges by callee SCC, callers' SCCs first */
	size_t nporder;
	bool mark;
	struct fg_pstats_result *res;
	/* the BFS cache: (scc, entry) -> bfs row + 1 */
	struct index bidx;
	struct bfs big;		/* the tree of an SCC too big to cache */
};

static uint32_t
add_node(struct expander *x, uint32_t func, uint32_t parent, bool guessed)
{
	if (x->nnodes == x->nodecap) {
		x->nodecap = x->nodecap ? 2 * x->nodecap : 4096;
		x->nodes = fg_xreallocarray(x->nodes, x->nodecap,
					    sizeof(*x->nodes));
	}
	if (x->nnodes >= NONE - 1)
		fg_xmalloc(SIZE_MAX);	/* 4 billion frames: abort */
	x->nodes[x->nnodes].func = func;
	x->nodes[x->nnodes].parent = parent;
	x->nodes[x->nnodes].guessed = guessed;
	return (uint32_t)x->nnodes++;
}

static void
add_emit(struct expander *x, uint32_t node, uint32_t func,
	 double value)
{
	if (value <= 0)
		return;
	if (x->nemits == x->emitcap) {
		x->emitcap = x->emitcap ? 2 * x->emitcap : 4096;
		x->emits = fg_xreallocarray(x->emits, x->emitcap,
					    sizeof(*x->emits));
	}
	x->emits[x->nemits].node = node;
	x->emits[x->nemits].func = func;
	x->emits[x->nemits].value = value;
	x->nemits++;
}

static void
push_work(struct expander *x, uint32_t scc, uint32_t entry, double flow,
	  uint32_t parent)
{
	if (x->nstack == x->stackcap) {
		x->stackcap = x->stackcap ? 2 * x->stackcap : 256;
		x->stack = fg_xreallocarray(x->stack, x->stackcap,
					    sizeof(*x->stack));
	}
	x->stack[x->nstack].scc = scc;
	x->stack[x->nstack].entry = entry;
	x->stack[x->nstack].flow = flow;
	x->stack[x->nstack].parent = parent;
	x->nstack++;
}

/* Fills b with the breadth-first spanning tree of SCC s from entry. */
static void
bfs_fill(struct expander *x, uint32_t s, uint32_t entry, struct bfs *b)
{
	const struct graph *g = x->g;
	size_t size = g->scc_start[s + 1] - g->scc_start[s], head, tail, k;

	b->scc = s;
	b->entry = entry;
	/* local[] marks visited members with their position */
	for (k = 0; k < size; k++)
		x->local[g->members[g->scc_start[s] + k]] = NONE;
	b->order[0] = entry;
	b->up[0] = NONE;
	x->local[entry] = 0;
	head = 0;
	tail = 1;
	while (head < tail) {
		uint32_t v = b->order[head], j;

		for (j = g->out_start[v]; j < g->out_start[v + 1]; j++) {
			uint32_t w = x->ps->edges[g->out[j]].callee;

			if (g->scc[w] != s || x->local[w] != NONE)
				continue;
			x->local[w] = (uint32_t)tail;
			b->order[tail] = w;
			b->up[tail] = (uint32_t)head;
			tail++;
		}
		head++;
	}
}

/*
 * The spanning tree of SCC s from member entry: cached per (SCC, entry)
 * for SCCs of up to BFS_CACHE_MAX members, computed again each time for
 * larger ones (whose trees, one per entry, could take size^2 memory).
 */
static const struct bfs *
get_bfs(struct expander *x, uint32_t s, uint32_t entry)
{
	const struct graph *g = x->g;
	uint64_t h = edge_hash(s, entry);
	size_t size = g->scc_start[s + 1] - g->scc_start[s], i, k;
	struct bfs *b;
	uint32_t slot;

	if (size > BFS_CACHE_MAX) {
		b = &x->big;
		if (b->order == NULL) {
			b->order = fg_xmalloc(g->n * sizeof(uint32_t));
			b->up = fg_xmalloc(g->n * sizeof(uint32_t));
		}
		bfs_fill(x, s, entry, b);
		return b;
	}
	i = h & x->bidx.mask;
	while ((slot = x->bidx.slots[i]) != 0) {
		b = &x->bfs[slot - 1];
		if (b->scc == s && b->entry == entry)
			return b;
		i = (i + 1) & x->bidx.mask;
	}
	if (x->nbfs == x->bfscap) {
		x->bfscap = x->bfscap ? 2 * x->bfscap : 64;
		x->bfs = fg_xreallocarray(x->bfs, x->bfscap, sizeof(*x->bfs));
	}
	b = &x->bfs[x->nbfs];
	b->order = fg_xmalloc(size * sizeof(uint32_t));
	b->up = fg_xmalloc(size * sizeof(uint32_t));
	bfs_fill(x, s, entry, b);
	x->bidx.slots[i] = (uint32_t)x->nbfs + 1;
	x->nbfs++;
	if (2 * (x->nbfs + 1) > x->bidx.mask) {
		free(x->bidx.slots);
		x->bidx.mask = 2 * x->bidx.mask + 1;
		x->bidx.slots = fg_xcalloc(x->bidx.mask + 1, sizeof(uint32_t));
		for (k = 0; k < x->nbfs; k++)
			index_put(&x->bidx, edge_hash(x->bfs[k].scc,
						      x->bfs[k].entry),
				  (uint32_t)k);
	}
	return &x->bfs[x->nbfs - 1];
}

/* One context of one SCC: emit its members, queue its callees. */
static void
expand_one(struct expander *x, const struct work *w)
{
	const struct fg_pstats *ps = x->ps;
	const struct graph *g = x->g;
	const struct sccinfo *s = &x->si[w->scc];
	size_t size = g->scc_start[w->scc + 1] - g->scc_start[w->scc], k;
	double phi = s->inflow > 0 ? w->flow / s->inflow : 0;
	bool split = phi < 1 - 1e-9;
	const struct bfs *b = NULL;
	uint32_t *nodes, one;

	x->res->contexts++;
	if (split)
		x->res->guessed++;
	if (size > 1) {
		b = get_bfs(x, w->scc, w->entry);
		nodes = fg_xmalloc(size * sizeof(uint32_t));
	} else {
		nodes = &one;
	}
	for (k = 0; k < size; k++) {
		uint32_t m = b ? b->order[k] : w->entry, j;
		uint32_t parent = k == 0 ? w->parent : nodes[b->up[k]];
		double self;

		nodes[k] = add_node(x, m, parent,
				    x->mark && (split || k > 0));
		self = phi * ps->funcs[m].tt;
		for (j = g->out_start[m]; j < g->out_start[m + 1]; j++) {
			uint32_t e = g->out[j];
			uint32_t callee = ps->edges[e].callee;
			uint32_t c = g->scc[callee];
			const struct sccinfo *cs = &x->si[c];
			double flow, mass;

			if (c == w->scc)
				continue;
			flow = phi * g->ect[e];
			if (!(flow > 0) || !(cs->inflow > 0))
				continue;
			mass = flow / cs->inflow * cs->T;
			if (mass < x->fold) {
				self += mass;
				x->res->pruned++;
				continue;
			}
			if (mass < x->merge) {
				x->pflow[e] += flow;
				if (flow > x->pbest[e]) {
					x->pbest[e] = flow;
					x->pparent[e] = nodes[k];
				}
				x->res->merged++;
				continue;
			}
			push_work(x, c, callee, flow, nodes[k]);
		}
		add_emit(x, nodes[k], m, self);
	}
	if (nodes != &one)
		free(nodes);
}

/* Runs the queued contexts; false once there are more than max frames. */
static bool
drain(struct expander *x, size_t max)
{
	while (x->nstack > 0) {
		struct work w = x->stack[--x->nstack];

		expand_one(x, &w);
		if (x->nnodes > max)
			return false;
	}
	return true;
}

/*
 * Expands every root, then the merged small contexts: the contexts an
 * edge m->g opens that are too small to draw one by one become a single
 * context of g's SCC with their total flow, placed under the context of m
 * that passed the most. SCCs are numbered callees first (Tarjan), so
 * taking edges by their callee's SCC from the last down handles an SCC's
 * merged contexts before those of its callees, which they may add to.
 * Every bit of flow thus goes through its own edge and is expanded
 * exactly once: totals, self times and that edge's time are kept, while
 * edges higher up gain or lose what moved. Returns false past max
 * frames.
 */
static bool
expand_all(struct expander *x, size_t max)
{
	const struct graph *g = x->g;
	size_t s, i;

	for (s = 0; s < g->nscc; s++) {
		if (!(x->si[s].root > 0))
			continue;
		x->res->roots++;
		push_work(x, (uint32_t)s, x->si[s].entry, x->si[s].root, NONE);
		if (!drain(x, max))
			return false;
	}
	for (i = 0; i < x->nporder; i++) {
		uint32_t e = x->porder[i];
		uint32_t callee = x->ps->edges[e].callee;

		if (!(x->pflow[e] > 0))
			continue;
		push_work(x, g->scc[callee], callee, x->pflow[e],
			  x->pparent[e]);
		if (!drain(x, max))
			return false;
	}
	return true;
}

/* x->porder: the edges between SCCs, by callee SCC from the last down. */
static void
order_edges(struct expander *x)
{
	const struct fg_pstats *ps = x->ps;
	const struct graph *g = x->g;
	uint32_t *start = fg_xcalloc(g->nscc + 1, sizeof(uint32_t));
	size_t i;

	for (i = 0; i < ps->nedges; i++) {
		uint32_t a = g->scc[ps->edges[i].caller];
		uint32_t b = g->scc[ps->edges[i].callee];

		if (a != NONE && b != NONE && a != b)
			start[g->nscc - 1 - b + 1]++;
	}
	for (i = 0; i < g->nscc; i++)
		start[i + 1] += start[i];
	x->nporder = start[g->nscc];
	x->porder = fg_xmalloc((x->nporder ? x->nporder : 1) *
			       sizeof(uint32_t));
	for (i = 0; i < ps->nedges; i++) {
		uint32_t a = g->scc[ps->edges[i].caller];
		uint32_t b = g->scc[ps->edges[i].callee];

		if (a != NONE && b != NONE && a != b)
			x->porder[start[g->nscc - 1 - b]++] = (uint32_t)i;
	}
	free(start);
}

static void
scc_info(const struct fg_pstats *ps, const struct graph *g,
	 struct sccinfo *si, size_t *recursive)
{
	size_t s, i;
	double *rc = fg_xcalloc(g->nscc ? g->nscc : 1, sizeof(double));
	bool *hasin = fg_xcalloc(g->nscc ? g->nscc : 1, sizeof(bool));

	for (s = 0; s < g->nscc; s++) {
		struct sccinfo *x = &si[s];
		uint32_t k;
		double best = -1;

		memset(x, 0, sizeof(*x));
		if (g->scc_start[s + 1] - g->scc_start[s] > 1)
			(*recursive)++;
		for (k = g->scc_start[s]; k < g->scc_start[s + 1]; k++) {
			uint32_t m = g->members[k];
			/* the entry: most root calls, else most tt */
			double key = g->rootcalls[m] > 0 ?
					     1e300 + g->rootcalls[m] :
					     ps->funcs[m].tt;

			if (key > best || (key == best && m < x->entry)) {
				best = key;
				x->entry = m;
			}
			x->tt += ps->funcs[m].tt;
			rc[s] += g->rootcalls[m];
		}
	}
	for (i = 0; i < ps->nedges; i++) {
		const struct edge *e = &ps->edges[i];
		uint32_t a = g->scc[e->caller], b = g->scc[e->callee];

		if (a == NONE || b == NONE || a == b)
			continue;
		si[a].T += g->ect[i];
		si[b].in += g->ect[i];
		hasin[b] = true;
	}
	for (s = 0; s < g->nscc; s++) {
		struct sccinfo *x = &si[s];

		x->T += x->tt;
		if (x->T > x->in && (!hasin[s] || rc[s] > 0))
			x->root = x->T - x->in;
		x->inflow = x->root + x->in;
		if (!(x->inflow > 0) && x->T > 0) {
			x->root = x->T;
			x->inflow = x->T;
		}
	}
	free(rc);
	free(hasin);
}

/* ---- rounding and output ---- */

struct share {
	double frac;
	uint32_t i;
};

static int
share_cmp(const void *a, const void *b)
{
	const struct share *x = a, *y = b;

	if (x->frac != y->frac)
		return x->frac > y->frac ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/*
 * Splits target whole units among n values v (any scale) in proportion
 * to them: each gets the floor of its exact share, and the units left go
 * one each to the largest fractions (ties: lowest index), so out adds up
 * to target exactly.
 */
static void
apportion(const double *v, size_t n, uint64_t target, uint64_t *out)
{
	struct share *sh;
	double sum = 0, scale;
	uint64_t given = 0;
	size_t i;

	for (i = 0; i < n; i++)
		sum += v[i];
	if (n == 0)
		return;
	if (!(sum > 0)) {
		memset(out, 0, n * sizeof(*out));
		out[0] = target;
		return;
	}
	scale = (double)target / sum;
	sh = fg_xmalloc(n * sizeof(*sh));
	for (i = 0; i < n; i++) {
		double x = v[i] * scale, f = floor(x);

		if (f > (double)(target - given))
			f = (double)(target - given);
		out[i] = (uint64_t)f;
		given += out[i];
		sh[i].frac = x - f;
		sh[i].i = (uint32_t)i;
	}
	qsort(sh, n, sizeof(*sh), share_cmp);
	/* float error can leave more than n units: go round again */
	for (i = 0; given < target; i = (i + 1) % n) {
		out[sh[i].i]++;
		given++;
	}
	free(sh);
}

/* Appends the frame name of function fi under the options to b. */
static void
frame_name(const struct fg_pstats *ps, uint32_t fi,
	   const struct fg_pstats_opts *o, struct fg_buf *b)
{
	const struct func *f = &ps->funcs[fi];
	size_t flen, nlen, start = b->len, i;
	const char *file = fg_symtab_str(ps->strs, f->file, &flen);
	const char *name = fg_symtab_str(ps->strs, f->name, &nlen);

	if (f->line == 0 && flen == 1 && file[0] == '~') {
		/* cProfile's C functions keep their own names */
		fg_buf_add(b, name, nlen);
	} else if (f->line == 0 && flen == 0) {
		/* profile's C functions: bare names */
		fg_buf_adds(b, "<built-in ");
		fg_buf_add(b, name, nlen);
		fg_buf_addc(b, '>');
	} else {
		const char *p = file;
		size_t n = flen;

		if (o->path == FG_PSTATS_PATH_BASE) {
			const char *slash = NULL;

			for (i = 0; i < flen; i++)
				if (file[i] == '/')
					slash = file + i;
			/* "<frozen importlib._bootstrap>" has no slash */
			if (slash != NULL && slash + 1 < file + flen) {
				n = flen - (size_t)(slash + 1 - file);
				p = slash + 1;
			}
		} else if (o->path == FG_PSTATS_PATH_RELATIVE) {
			size_t dl = strlen(o->relative_dir);

			while (dl > 1 && o->relative_dir[dl - 1] == '/')
				dl--;
			if (flen > dl + 1 && memcmp(file, o->relative_dir, dl) == 0 &&
			    (file[dl] == '/' || o->relative_dir[dl - 1] == '/')) {
				size_t skip = file[dl] == '/' ? dl + 1 : dl;

				p = file + skip;
				n = flen - skip;
			}
		}
		fg_buf_add(b, name, nlen);
		fg_buf_adds(b, " (");
		fg_buf_add(b, p, n);
		if (!o->no_lines)
			fg_buf_addf(b, ":%lld", (long long)f->line);
		fg_buf_addc(b, ')');
	}
	/* ';' separates frames and a newline ends a line */
	for (i = start; i < b->len; i++) {
		if (b->buf[i] == ';')
			b->buf[i] = ':';
		else if (b->buf[i] == '\n' || b->buf[i] == '\r')
			b->buf[i] = ' ';
	}
}

static uint32_t
frame_id(struct fg_pstats *ps, uint32_t fi, bool guessed,
	 const struct fg_pstats_opts *o, struct fg_symtab *syms)
{
	struct func *f = &ps->funcs[fi];
	uint32_t *slot = guessed ? &f->frame_guessed : &f->frame;

	if (*slot == NONE) {
		fg_buf_reset(&ps->scratch);
		frame_name(ps, fi, o, &ps->scratch);
		if (guessed)
			fg_buf_adds(&ps->scratch, FG_PSTATS_MARK_SUFFIX);
		*slot = fg_intern(syms, ps->scratch.buf, ps->scratch.len);
	}
	return *slot;
}

/*
 * Rounds the emissions to units (two-level apportionment) and adds them
 * to out. Returns FG_OK or FG_ERANGE.
 */
static int
emit_stacks(struct fg_pstats *ps, struct expander *x,
	    const struct fg_pstats_opts *o, double total, double fake_tt,
	    double scale,
	    unsigned decimals,
	    struct fg_stacks *out, struct fg_pstats_result *res,
	    struct fg_diag *d)
{
	struct fg_symtab *syms = fg_stacks_symtab(out);
	size_t n = x->nemits, i, j, ngroups = 0, cap = 0;
	uint32_t (*ord)[2] = fg_xmalloc((n ? n : 1) * sizeof(*ord));
	double *gsum = NULL;
	double *vals = fg_xmalloc((n ? n : 1) * sizeof(double));
	uint64_t *gunits = NULL, *units = fg_xmalloc((n ? n : 1) *
						      sizeof(uint64_t));
	size_t *gstart = NULL;
	uint32_t *ids = NULL;
	double tu;
	uint64_t target;
	int rc = FG_OK;

	/* by function (fake frames last), then emission: a counting sort */
	{
		size_t nb = ps->nfuncs + 2;
		size_t *pos = fg_xcalloc(nb, sizeof(size_t));

		for (i = 0; i < n; i++) {
			uint32_t f = x->emits[i].func;

			pos[(f == NONE ? ps->nfuncs : f) + 1]++;
		}
		for (i = 1; i < nb; i++)
			pos[i] += pos[i - 1];
		for (i = 0; i < n; i++) {
			uint32_t f = x->emits[i].func;
			size_t at = pos[f == NONE ? ps->nfuncs : f]++;

			ord[at][0] = f;
			ord[at][1] = (uint32_t)i;
		}
		free(pos);
	}
	gsum = fg_xmalloc((n ? n : 1) * sizeof(double));
	gunits = fg_xmalloc((n ? n : 1) * sizeof(uint64_t));
	gstart = fg_xmalloc((n + 1) * sizeof(size_t));
	for (i = 0; i < n; i = j) {
		gstart[ngroups] = i;
		gsum[ngroups] = 0;
		for (j = i; j < n && ord[j][0] == ord[i][0]; j++)
			gsum[ngroups] += x->emits[ord[j][1]].value;
		ngroups++;
	}
	gstart[ngroups] = n;
	tu = nearbyint(total * scale);
	if (!(tu < 18446744073709551616.0)) {
		fg_diag_set(d, NULL, 0, 0,
			    "the total time, %g s, is more than 2^64 - 1 %s",
			    res->total, scale == 1e9 ? "nanoseconds" :
							"microseconds");
		rc = FG_ERANGE;
		goto out;
	}
	target = (uint64_t)tu;
	if (ngroups == 0)
		target = 0;
	/*
	 * Without --min-percent each function's self time is its tt exactly
	 * (in theory; the sums of its stacks carry float error): share the
	 * total by the tt themselves, exactly in integers when the times are
	 * whole numbers (integer timers), whose products can pass 2^53.
	 */
	if (o->min_fraction == 0) {
		bool whole = true;
		uint64_t sum = 0;

		for (i = 0; i < ngroups; i++) {
			uint32_t f = ord[gstart[i]][0];

			gsum[i] = f == NONE ? fake_tt : ps->funcs[f].tt;
			if (gsum[i] != floor(gsum[i]) ||
			    !(gsum[i] * scale < 9.2e18))
				whole = false;
		}
		for (i = 0; whole && i < ngroups; i++) {
			unsigned __int128 u = (unsigned __int128)(uint64_t)gsum[i] *
					      (uint64_t)scale;

			gunits[i] = (uint64_t)u;
			if (u >> 64 || sum + gunits[i] < sum)
				whole = false;
			sum += gunits[i];
		}
		if (whole) {
			target = sum;
			goto split;
		}
	}
	apportion(gsum, ngroups, target, gunits);
split:
	for (i = 0; i < ngroups; i++) {
		size_t m = gstart[i + 1] - gstart[i];

		for (j = 0; j < m; j++)
			vals[j] = x->emits[ord[gstart[i] + j][1]].value;
		apportion(vals, m, gunits[i], units + gstart[i]);
	}
	for (i = 0; i < n; i++) {
		const struct emit *e = &x->emits[ord[i][1]];
		struct fg_count c;
		size_t depth = 0, k;
		uint32_t p;

		if (units[i] == 0)
			continue;
		for (p = e->node; p != NONE; p = x->nodes[p].parent)
			depth++;
		if (e->func == NONE)
			depth = 1;
		if (depth > cap) {
			cap = depth * 2;
			ids = fg_xreallocarray(ids, cap, sizeof(*ids));
		}
		if (e->func == NONE) {
			ids[0] = fg_intern(syms, FG_PSTATS_PROFILE_FRAME,
					   strlen(FG_PSTATS_PROFILE_FRAME));
		} else {
			k = depth;
			for (p = e->node; p != NONE; p = x->nodes[p].parent)
				ids[--k] = frame_id(ps, x->nodes[p].func,
						    x->nodes[p].guessed, o,
						    syms);
		}
		fg_count_from_units(units[i], decimals, &c);
		rc = fg_stacks_add(out, ids, depth, 0, &c, NULL);
		if (rc < 0) {
			fg_diag_set(d, NULL, 0, 0, "a stack's count overflows");
			goto out;
		}
		fg_count_add(&res->out_total, &c);
	}
out:
	free(ids);
	free(ord);
	free(vals);
	free(units);
	free(gsum);
	free(gunits);
	free(gstart);
	return rc;
}

int
fg_pstats_collapse(struct fg_pstats *ps, const struct fg_pstats_opts *o,
		   struct fg_stacks *out, struct fg_pstats_result *res,
		   struct fg_diag *d)
{
	struct graph g;
	struct expander x;
	double scale;
	double total = 0, fake_tt = 0;
	unsigned decimals;
	size_t i, max_frames;
	int rc;

	memset(res, 0, sizeof(*res));
	if (o->path == FG_PSTATS_PATH_RELATIVE &&
	    (o->relative_dir == NULL || o->relative_dir[0] == '\0')) {
		fg_diag_set(d, NULL, 0, 0, "--path=relative needs a directory");
		return FG_EINVAL;
	}
	if (!(o->min_fraction >= 0 && o->min_fraction <= 1)) {
		fg_diag_set(d, NULL, 0, 0, "the minimum fraction must be within 0 and 1");
		return FG_EINVAL;
	}
	switch (o->unit) {
	case FG_PSTATS_NS:
		scale = 1e9;
		decimals = 0;
		break;
	case FG_PSTATS_US:
		scale = 1e6;
		decimals = 0;
		break;
	case FG_PSTATS_MS:
		scale = 1e6;
		decimals = 3;
		break;
	case FG_PSTATS_S:
		scale = 1e6;
		decimals = 6;
		break;
	default:
		fg_diag_set(d, NULL, 0, 0, "unknown unit");
		return FG_EINVAL;
	}
	for (i = 0; i < ps->nfuncs; i++) {
		ps->funcs[i].frame = ps->funcs[i].frame_guessed = NONE;
		total += ps->funcs[i].tt;
		if (ps->funcs[i].fake)
			fake_tt += ps->funcs[i].tt;
	}
	res->total = (double)total;
	res->functions = ps->nfuncs;
	res->edges = ps->nedges;

	memset(&g, 0, sizeof(g));
	graph_build(ps, &g);
	graph_scc(ps, &g);
	res->estimated_edges = graph_edge_times(ps, &g);
	res->sccs = g.nscc;

	memset(&x, 0, sizeof(x));
	x.ps = ps;
	x.g = &g;
	x.res = res;
	x.mark = o->mark_guessed;
	x.si = fg_xmalloc((g.nscc ? g.nscc : 1) * sizeof(*x.si));
	x.local = fg_xmalloc((ps->nfuncs ? ps->nfuncs : 1) * sizeof(uint32_t));
	index_init(&x.bidx);
	scc_info(ps, &g, x.si, &res->recursive);

	/*
	 * A graph with very many paths would make very many stacks: past
	 * max_frames frames, start again with a floor ten times higher.
	 */
	res->merge_fraction = FG_PSTATS_MERGE_FRACTION;
	max_frames = o->max_frames ? o->max_frames : FG_PSTATS_MAX_FRAMES;
	x.pflow = fg_xmalloc((ps->nedges ? ps->nedges : 1) * sizeof(*x.pflow));
	x.pbest = fg_xmalloc((ps->nedges ? ps->nedges : 1) * sizeof(*x.pbest));
	x.pparent = fg_xmalloc((ps->nedges ? ps->nedges : 1) *
			       sizeof(*x.pparent));
	order_edges(&x);
	for (;;) {
		x.fold = total * o->min_fraction;
		x.merge = total * res->merge_fraction;
		x.nnodes = x.nemits = x.nstack = 0;
		res->roots = res->contexts = res->pruned = res->guessed = 0;
		res->merged = 0;
		for (i = 0; i < ps->nedges; i++) {
			x.pflow[i] = x.pbest[i] = 0;
			x.pparent[i] = NONE;
		}
		if (expand_all(&x, max_frames) || res->merge_fraction >= 1)
			break;
		res->merge_fraction *= 10;
		if (res->merge_fraction > 1)
			res->merge_fraction = 1;
		res->raised = true;
	}
	if (fake_tt > 0)
		add_emit(&x, NONE, NONE, fake_tt);
	rc = emit_stacks(ps, &x, o, total, fake_tt, scale, decimals, out, res,
			 d);
	/* every function gets its frame name and SCC, for fg_pstats_func() */
	for (i = 0; i < ps->nfuncs; i++) {
		ps->funcs[i].scc = g.scc[i];
		if (!ps->funcs[i].fake)
			frame_id(ps, (uint32_t)i, false, o,
				 fg_stacks_symtab(out));
	}

	for (i = 0; i < x.nbfs; i++) {
		free(x.bfs[i].order);
		free(x.bfs[i].up);
	}
	free(x.bfs);
	free(x.big.order);
	free(x.big.up);
	free(x.bidx.slots);
	free(x.nodes);
	free(x.emits);
	free(x.stack);
	free(x.si);
	free(x.local);
	free(x.pflow);
	free(x.pbest);
	free(x.pparent);
	free(x.porder);
	graph_free(&g);
	return rc;
}
