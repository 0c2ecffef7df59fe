/*
 * ksp.c - K loopless lowest-delay paths with Yen's algorithm (see ksp.h).
 *
 * Workload. The path builder asks for K (typically 4) paths for every pair
 * that carries demand, on WAN graphs that are sparse and long: Topology Zoo's
 * Kdl has 754 nodes, 1,790 directed links, shortest paths of 23 hops on
 * average and 568k ordered pairs. A textbook Yen (one Dijkstra per spur node
 * per iteration) would run tens of millions of Dijkstras there. What makes it
 * fast here:
 *
 *  1. One reverse shortest-path tree per destination (delay d(v) from every
 *     v to dst, next link nh(v)), computed when the destination changes; the
 *     caller asks for pairs grouped by destination so every tree is reused by
 *     all sources. Its tree path is the first of the K paths.
 *
 *  2. Spur searches are A* toward dst with h = d, an exact lower bound. A
 *     search stops at the first popped node u whose tree path avoids every
 *     removed node: that path costs exactly f(u) = g(u) + d(u), the least
 *     f in the queue, so it is optimal. When the first alternative link out
 *     of the spur node already leads to such a node (the common case) the
 *     search is a handful of heap operations. Whether a tree path avoids the
 *     removed nodes v0..vi is an ancestor test on an Euler tour of the tree:
 *     u's tree path meets vj iff u lies in vj's subtree, i.e. tin(u) falls in
 *     vj's interval; subtree intervals nest, so only the maximal ones are
 *     kept (one interval along a tree path).
 *
 *  3. Only links that can lie on a loopless path to dst are followed. A
 *     simple path from u to dst crosses the biconnected components (blocks)
 *     of the underlying undirected graph on the block tree's path from u to
 *     dst, so its first link is in the same block as u's tree link nh(u).
 *     Links into other blocks (dead-end trees, hanging cycles) are skipped;
 *     on a chain node the only candidate is the path's own next link, which
 *     is removed, so most spur nodes cost one pass over their few links.
 *
 *  4. Lawler's refinement: a path that left its parent at link index dev
 *     only needs spur searches from dev on; earlier roots gained no new
 *     branch. Candidates that cannot be among the K (more expensive than
 *     the (K - selected)-th best candidate) are cut off inside the search.
 *
 *  5. No allocation per call in steady state: scratch arrays live in the
 *     context, and per-node marks are generation stamps instead of clears.
 *
 * Ties. Delays are doubles, compared with a relative tolerance KSP_TOL.
 * Among candidates of equal delay, the one sharing fewer links with the
 * paths already selected wins, then fewer hops, then the smaller sequence of
 * link indices. The tree (and so the first path) prefers fewer hops, then
 * the smaller link index, among equal-delay routes. Like every Yen variant,
 * each spur search keeps one of its equally short spur paths, so among many
 * equal-delay paths the ones offered to the tie-break depend on the search;
 * the delays of the K paths are always the K smallest.
 */
#include "te/ksp.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"

#define KSP_TOL 1e-9
#define NONE UINT32_MAX

/* One out-link of a node, laid out for the inner loops. */
typedef struct kadj {
	uint32_t link, dst, blk;
	double delay;
} kadj;

typedef struct kpath {
	size_t off;       /* into the pool of its set */
	uint32_t len;
	uint32_t dev;     /* link index where it leaves the path it came from */
	uint64_t hash;
	double delay;
	bool live;        /* candidates: not selected yet */
} kpath;

typedef struct hent {
	double f;
	uint32_t v;
} hent;

/* A growable array of paths with their links in one pool. */
typedef struct kset {
	kpath *p;
	uint32_t n, cap;
	uint32_t *pool;
	size_t used, cap_pool;
} kset;

struct ksp_ctx {
	const topo *t;
	uint32_t n, m;
	kadj *adj;            /* out-links, slots t->out_off[v] .. */
	uint32_t *blk;        /* block of each link */
	/* Reverse shortest-path tree of tree_dst. */
	uint32_t tree_dst;
	double *d;
	uint32_t *nh, *hops, *tin, *tout;
	uint32_t *tscratch;   /* 2n + 1: child offsets and lists, DFS stack */
	uint32_t *order;
	/* A* state, valid where sstamp == sgen; closed where cstamp == sgen. */
	uint32_t sgen, *sstamp, *cstamp;
	double *g;
	uint32_t *par;
	hent *heap;
	size_t hn, hcap;
	/* Removed nodes of the current iteration (rstamp == rgen), removed
	 * first links of the current spur (lstamp == lgen), links of the
	 * selected paths of the current pair (astamp == agen). */
	uint32_t rgen, *rstamp;
	uint32_t lgen, *lstamp;
	uint32_t agen, *astamp;
	/* Maximal subtree intervals of the removed nodes. */
	uint32_t *iva, *ivb, niv;
	uint32_t *pnodes;     /* nodes of the path being spurred, n + 1 */
	uint32_t *sbuf;       /* spur path, n */
	kset A, B;
	uint32_t *lcp, *share; /* per selected path */
	double *best;          /* smallest live candidate delays, ascending */
	uint32_t nbest, cap_best;
};

static bool approx_le(double a, double b)
{
	return a <= b + KSP_TOL * fabs(b);
}

static bool approx_eq(double a, double b)
{
	return fabs(a - b) <= KSP_TOL * fmax(fabs(a), fabs(b));
}

/* Advances a generation counter; on wrap-around, clears the stamps. */
static uint32_t gen_next(uint32_t *gen, uint32_t *stamp, uint32_t *stamp2, size_t n)
{
	if (++*gen == 0) {
		memset(stamp, 0, n * sizeof *stamp);
		if (stamp2 != NULL)
			memset(stamp2, 0, n * sizeof *stamp2);
		*gen = 1;
	}
	return *gen;
}

/* --- min-heap of (f, node), lazy deletion ------------------------------ */

static bool hent_less(hent a, hent b)
{
	return a.f < b.f || (a.f == b.f && a.v < b.v);
}

static void heap_push(ksp_ctx *c, double f, uint32_t v)
{
	if (c->hn == c->hcap) {
		c->hcap = c->hcap ? c->hcap * 2 : 64;
		c->heap = neto_reallocarray(c->heap, c->hcap, sizeof *c->heap);
	}
	hent e = { f, v };
	size_t i = c->hn++;
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!hent_less(e, c->heap[p]))
			break;
		c->heap[i] = c->heap[p];
		i = p;
	}
	c->heap[i] = e;
}

static hent heap_pop(ksp_ctx *c)
{
	hent top = c->heap[0];
	hent e = c->heap[--c->hn];
	size_t i = 0, n = c->hn;
	for (;;) {
		size_t k = 2 * i + 1;
		if (k >= n)
			break;
		if (k + 1 < n && hent_less(c->heap[k + 1], c->heap[k]))
			k++;
		if (!hent_less(c->heap[k], e))
			break;
		c->heap[i] = c->heap[k];
		i = k;
	}
	if (n > 0)
		c->heap[i] = e;
	return top;
}

/* --- blocks of the underlying undirected graph -------------------------- */

/* Hopcroft-Tarjan biconnected components with an explicit stack, over the
 * multigraph in which every link is an undirected edge. Parallel edges do
 * not change which vertices share a block, which is all that matters here. */
static void compute_blocks(ksp_ctx *c)
{
	const topo *t = c->t;
	uint32_t n = c->n;
	uint32_t *disc = neto_calloc(n, sizeof *disc);
	uint32_t *low = neto_malloc((size_t)n * sizeof *low);
	uint32_t *fv = neto_malloc((size_t)n * sizeof *fv);  /* frame: node */
	uint32_t *fl = neto_malloc((size_t)n * sizeof *fl);  /* frame: link in */
	uint32_t *fi = neto_malloc((size_t)n * sizeof *fi);  /* frame: next neighbour */
	uint32_t *es = neto_malloc((size_t)(c->m ? c->m : 1) * sizeof *es);
	uint32_t timer = 1, nblk = 0, top, etop = 0;

	for (uint32_t l = 0; l < c->m; l++)
		c->blk[l] = NONE;
	for (uint32_t r = 0; r < n; r++) {
		if (disc[r] != 0)
			continue;
		top = 0;
		fv[0] = r;
		fl[0] = NONE;
		fi[0] = 0;
		disc[r] = low[r] = timer++;
		for (;;) {
			uint32_t u = fv[top];
			uint32_t nout = t->out_off[u + 1] - t->out_off[u];
			uint32_t nin = t->in_off[u + 1] - t->in_off[u];
			if (fi[top] < nout + nin) {
				uint32_t k = fi[top]++, l, w;
				if (k < nout) {
					l = t->out_links[t->out_off[u] + k];
					w = t->links[l].dst;
				} else {
					l = t->in_links[t->in_off[u] + k - nout];
					w = t->links[l].src;
				}
				if (l == fl[top])
					continue;
				if (disc[w] == 0) {
					es[etop++] = l;
					disc[w] = low[w] = timer++;
					top++;
					fv[top] = w;
					fl[top] = l;
					fi[top] = 0;
				} else if (disc[w] < disc[u]) {
					es[etop++] = l;
					if (disc[w] < low[u])
						low[u] = disc[w];
				}
				/* disc[w] > disc[u]: a descendant's back edge,
				 * already stacked from its side. */
				continue;
			}
			if (top == 0)
				break;
			uint32_t in = fl[top];
			top--;
			uint32_t p = fv[top];
			if (low[u] < low[p])
				low[p] = low[u];
			if (low[u] >= disc[p]) {
				/* p separates u's subtree: the edges stacked
				 * since the tree edge p-u form one block. */
				uint32_t e;
				do {
					e = es[--etop];
					c->blk[e] = nblk;
				} while (e != in);
				nblk++;
			}
		}
	}
	free(disc);
	free(low);
	free(fv);
	free(fl);
	free(fi);
	free(es);
}

/* --- context ------------------------------------------------------------ */

ksp_ctx *ksp_ctx_new(const topo *t)
{
	ksp_ctx *c = neto_calloc(1, sizeof *c);
	uint32_t n = t->n_nodes, m = t->n_links;
	size_t n1 = (size_t)n + 1;
	c->t = t;
	c->n = n;
	c->m = m;
	c->blk = neto_malloc((m ? m : 1) * sizeof *c->blk);
	compute_blocks(c);
	c->adj = neto_malloc((m ? m : 1) * sizeof *c->adj);
	for (uint32_t v = 0; v < n; v++) {
		for (uint32_t i = t->out_off[v]; i < t->out_off[v + 1]; i++) {
			uint32_t l = t->out_links[i];
			c->adj[i] = (kadj){ l, t->links[l].dst, c->blk[l], t->links[l].delay };
		}
	}
	c->tree_dst = NONE;
	c->d = neto_malloc(n1 * sizeof *c->d);
	c->nh = neto_malloc(n1 * sizeof *c->nh);
	c->hops = neto_malloc(n1 * sizeof *c->hops);
	c->tin = neto_malloc(n1 * sizeof *c->tin);
	c->tout = neto_malloc(n1 * sizeof *c->tout);
	c->tscratch = neto_malloc((2 * n1 + 1) * sizeof *c->tscratch);
	c->order = neto_malloc(n1 * sizeof *c->order);
	c->sstamp = neto_calloc(n1, sizeof *c->sstamp);
	c->cstamp = neto_calloc(n1, sizeof *c->cstamp);
	c->g = neto_malloc(n1 * sizeof *c->g);
	c->par = neto_malloc(n1 * sizeof *c->par);
	c->rstamp = neto_calloc(n1, sizeof *c->rstamp);
	c->lstamp = neto_calloc(m ? m : 1, sizeof *c->lstamp);
	c->astamp = neto_calloc(m ? m : 1, sizeof *c->astamp);
	c->iva = neto_malloc(n1 * sizeof *c->iva);
	c->ivb = neto_malloc(n1 * sizeof *c->ivb);
	c->pnodes = neto_malloc(n1 * sizeof *c->pnodes);
	c->sbuf = neto_malloc(n1 * sizeof *c->sbuf);
	return c;
}

static void kset_free(kset *s)
{
	free(s->p);
	free(s->pool);
}

void ksp_ctx_free(ksp_ctx *c)
{
	if (c == NULL)
		return;
	free(c->adj);
	free(c->blk);
	free(c->d);
	free(c->nh);
	free(c->hops);
	free(c->tin);
	free(c->tout);
	free(c->tscratch);
	free(c->order);
	free(c->sstamp);
	free(c->cstamp);
	free(c->g);
	free(c->par);
	free(c->heap);
	free(c->rstamp);
	free(c->lstamp);
	free(c->astamp);
	free(c->iva);
	free(c->ivb);
	free(c->pnodes);
	free(c->sbuf);
	kset_free(&c->A);
	kset_free(&c->B);
	free(c->lcp);
	free(c->share);
	free(c->best);
	free(c);
}

void ksp_result_init(ksp_result *r)
{
	memset(r, 0, sizeof *r);
}

void ksp_result_free(ksp_result *r)
{
	free(r->off);
	free(r->links);
	free(r->delay);
	ksp_result_init(r);
}

/* --- reverse tree of the destination ------------------------------------ */

/* Dijkstra from dst over in-links. Among routes of equal delay (within the
 * tolerance) a node keeps the one with fewer hops, then the smaller first
 * link: that makes each tree path the smallest by (delay, hops, link
 * sequence), since sequences with different first links compare on them.
 * Then an Euler tour of the tree gives every node its subtree interval
 * [tin, tout). */
static void build_tree(ksp_ctx *c, uint32_t dst)
{
	const topo *t = c->t;
	uint32_t n = c->n;
	for (uint32_t v = 0; v < n; v++) {
		c->d[v] = HUGE_VAL;
		c->nh[v] = NONE;
		c->hops[v] = NONE;
		c->tin[v] = NONE;
		c->tout[v] = NONE;
	}
	uint32_t gen = gen_next(&c->sgen, c->sstamp, c->cstamp, c->n);
	c->hn = 0;
	c->d[dst] = 0;
	c->hops[dst] = 0;
	heap_push(c, 0, dst);
	while (c->hn > 0) {
		hent e = heap_pop(c);
		uint32_t u = e.v;
		if (c->cstamp[u] == gen)
			continue;
		c->cstamp[u] = gen;
		for (uint32_t i = t->in_off[u]; i < t->in_off[u + 1]; i++) {
			uint32_t l = t->in_links[i];
			uint32_t v = t->links[l].src;
			if (c->cstamp[v] == gen)
				continue;
			double nd = c->d[u] + t->links[l].delay;
			uint32_t nhop = c->hops[u] + 1;
			if (!approx_le(c->d[v], nd)) {
				c->d[v] = nd;
				c->nh[v] = l;
				c->hops[v] = nhop;
				heap_push(c, nd, v);
			} else if (approx_eq(nd, c->d[v]) &&
				   (nhop < c->hops[v] || (nhop == c->hops[v] && l < c->nh[v]))) {
				c->nh[v] = l;
				c->hops[v] = nhop;
				if (nd < c->d[v]) {
					c->d[v] = nd;
					heap_push(c, nd, v);
				}
			}
		}
	}

	/* Children lists (CSR by parent), then a preorder walk. */
	uint32_t *coff = c->tscratch, *child = c->tscratch + n + 1, *stack = c->order;
	memset(coff, 0, ((size_t)n + 1) * sizeof *coff);
	for (uint32_t v = 0; v < n; v++)
		if (c->nh[v] != NONE)
			coff[t->links[c->nh[v]].dst + 1]++;
	for (uint32_t v = 0; v < n; v++)
		coff[v + 1] += coff[v];
	/* tout serves as the fill cursor of each parent's child list. */
	for (uint32_t v = 0; v < n; v++)
		c->tout[v] = coff[v];
	for (uint32_t v = 0; v < n; v++)
		if (c->nh[v] != NONE) {
			uint32_t p = t->links[c->nh[v]].dst;
			child[c->tout[p]++] = v;
		}
	uint32_t sp = 0, clock = 0;
	uint32_t *pre = c->pnodes; /* preorder; pnodes is free between calls */
	stack[sp++] = dst;
	while (sp > 0) {
		uint32_t v = stack[--sp];
		c->tin[v] = clock;
		pre[clock++] = v;
		for (uint32_t k = coff[v + 1]; k > coff[v]; k--)
			stack[sp++] = child[k - 1];
	}
	/* Subtree sizes in reverse preorder (pre[0] is dst); tout = tin + size. */
	for (uint32_t k = 0; k < clock; k++)
		c->tout[pre[k]] = 1;
	for (uint32_t k = clock; k > 1; k--) {
		uint32_t v = pre[k - 1];
		c->tout[t->links[c->nh[v]].dst] += c->tout[v];
	}
	for (uint32_t k = 0; k < clock; k++)
		c->tout[pre[k]] += c->tin[pre[k]];
	c->tree_dst = dst;
}

/* --- removed-node intervals --------------------------------------------- */

static void iv_add(ksp_ctx *c, uint32_t v)
{
	uint32_t a = c->tin[v], b = c->tout[v], k, w = 0;
	for (k = 0; k < c->niv; k++)
		if (c->iva[k] <= a && b <= c->ivb[k])
			return; /* inside a removed subtree already */
	for (k = 0; k < c->niv; k++) {
		if (a <= c->iva[k] && c->ivb[k] <= b)
			continue; /* swallowed by the new one */
		c->iva[w] = c->iva[k];
		c->ivb[w] = c->ivb[k];
		w++;
	}
	c->iva[w] = a;
	c->ivb[w] = b;
	c->niv = w + 1;
}

/* Does u's tree path to dst avoid every removed node? */
static bool tree_clean(const ksp_ctx *c, uint32_t u)
{
	uint32_t x = c->tin[u];
	for (uint32_t k = 0; k < c->niv; k++)
		if (c->iva[k] <= x && x < c->ivb[k])
			return false;
	return true;
}

/* --- spur search -------------------------------------------------------- */

static void relax(ksp_ctx *c, uint32_t gen, uint32_t w, double gw, uint32_t link)
{
	if (c->sstamp[w] == gen && c->g[w] <= gw)
		return;
	c->sstamp[w] = gen;
	c->g[w] = gw;
	c->par[w] = link;
	heap_push(c, gw + c->d[w], w);
}

/* Shortest path from spur to the tree's destination that avoids the removed
 * nodes (rstamp, which includes spur itself) and, on its first link, the
 * removed links (lstamp). Gives up when its delay would exceed limit.
 * Writes the links into c->sbuf and returns their number, 0 when none. */
static uint32_t spur_search(ksp_ctx *c, uint32_t spur, double limit)
{
	const topo *t = c->t;
	uint32_t gen = gen_next(&c->sgen, c->sstamp, c->cstamp, c->n);
	uint32_t rgen = c->rgen, lgen = c->lgen;
	uint32_t b = c->blk[c->nh[spur]];

	c->hn = 0;
	for (uint32_t i = t->out_off[spur]; i < t->out_off[spur + 1]; i++) {
		const kadj *a = &c->adj[i];
		if (a->blk != b || c->lstamp[a->link] == lgen || c->rstamp[a->dst] == rgen)
			continue;
		if (c->d[a->dst] == HUGE_VAL || a->delay + c->d[a->dst] > limit)
			continue;
		relax(c, gen, a->dst, a->delay, a->link);
	}
	while (c->hn > 0) {
		hent e = heap_pop(c);
		uint32_t u = e.v;
		if (c->cstamp[u] == gen)
			continue;
		if (e.f > limit)
			return 0;
		c->cstamp[u] = gen;
		if (tree_clean(c, u)) {
			/* f(u) is the least f left and u's tree path is
			 * allowed, so search path + tree path is optimal. */
			uint32_t len = 0, v;
			for (v = u; v != spur; v = t->links[c->par[v]].src)
				len++;
			uint32_t k = len;
			for (v = u; v != spur; v = t->links[c->par[v]].src)
				c->sbuf[--k] = c->par[v];
			for (v = u; v != c->tree_dst; v = t->links[c->nh[v]].dst)
				c->sbuf[len++] = c->nh[v];
			return len;
		}
		uint32_t ub = c->blk[c->nh[u]];
		double gu = c->g[u];
		for (uint32_t i = t->out_off[u]; i < t->out_off[u + 1]; i++) {
			const kadj *a = &c->adj[i];
			if (a->blk != ub || c->rstamp[a->dst] == rgen || c->cstamp[a->dst] == gen)
				continue;
			double gw = gu + a->delay;
			if (c->d[a->dst] == HUGE_VAL || gw + c->d[a->dst] > limit)
				continue;
			relax(c, gen, a->dst, gw, a->link);
		}
	}
	return 0;
}

/* --- path sets ---------------------------------------------------------- */

static uint64_t hash_mix(uint64_t h, const uint32_t *links, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++) {
		h ^= links[i];
		h *= 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	return h;
}

/* acc + the delays of links, added in path order. */
static double path_delay(const ksp_ctx *c, double acc, const uint32_t *links, uint32_t len)
{
	double s = acc;
	for (uint32_t i = 0; i < len; i++)
		s += c->t->links[links[i]].delay;
	return s;
}

/* Appends a path made of a[0..na) then b[0..nb); returns its index. */
static uint32_t kset_add(kset *s, const uint32_t *a, uint32_t na, const uint32_t *b, uint32_t nb)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->p = neto_reallocarray(s->p, s->cap, sizeof *s->p);
	}
	size_t need = s->used + na + nb;
	if (need > s->cap_pool) {
		size_t cap = s->cap_pool ? s->cap_pool : 256;
		while (cap < need)
			cap *= 2;
		s->pool = neto_reallocarray(s->pool, cap, sizeof *s->pool);
		s->cap_pool = cap;
	}
	kpath *p = &s->p[s->n];
	p->off = s->used;
	p->len = na + nb;
	memcpy(s->pool + s->used, a, na * sizeof *a);
	if (nb)
		memcpy(s->pool + s->used + na, b, nb * sizeof *b);
	s->used += na + nb;
	p->live = true;
	return s->n++;
}

static const uint32_t *kpath_links(const kset *s, const kpath *p)
{
	return s->pool + p->off;
}

/* The sorted list of the `need` smallest live candidate delays. */
static void best_insert(ksp_ctx *c, double delay, uint32_t need)
{
	if (c->nbest == need && delay >= c->best[need - 1])
		return;
	uint32_t i = c->nbest < need ? c->nbest++ : need - 1;
	while (i > 0 && c->best[i - 1] > delay) {
		c->best[i] = c->best[i - 1];
		i--;
	}
	c->best[i] = delay;
}

static double best_bound(const ksp_ctx *c, uint32_t need)
{
	if (c->nbest < need)
		return HUGE_VAL;
	double b = c->best[need - 1];
	return b + KSP_TOL * fabs(b);
}

static uint32_t shared_links(const ksp_ctx *c, const uint32_t *links, uint32_t len)
{
	uint32_t s = 0;
	for (uint32_t i = 0; i < len; i++)
		s += c->astamp[links[i]] == c->agen;
	return s;
}

/* Is candidate x preferred to y at equal delay? */
static bool tie_better(const ksp_ctx *c, const kpath *x, uint32_t sx, const kpath *y, uint32_t sy)
{
	if (sx != sy)
		return sx < sy;
	if (x->len != y->len)
		return x->len < y->len;
	const uint32_t *lx = kpath_links(&c->B, x), *ly = kpath_links(&c->B, y);
	for (uint32_t i = 0; i < x->len; i++)
		if (lx[i] != ly[i])
			return lx[i] < ly[i];
	return false;
}

/* Index of the candidate to select next, or NONE when there is none. */
static uint32_t select_next(const ksp_ctx *c)
{
	double dmin = HUGE_VAL;
	for (uint32_t i = 0; i < c->B.n; i++)
		if (c->B.p[i].live && c->B.p[i].delay < dmin)
			dmin = c->B.p[i].delay;
	uint32_t best = NONE, sbest = 0;
	for (uint32_t i = 0; i < c->B.n; i++) {
		const kpath *p = &c->B.p[i];
		if (!p->live || !approx_le(p->delay, dmin))
			continue;
		uint32_t s = shared_links(c, kpath_links(&c->B, p), p->len);
		if (best == NONE || tie_better(c, p, s, &c->B.p[best], sbest)) {
			best = i;
			sbest = s;
		}
	}
	return best;
}

static void select_path(ksp_ctx *c, const uint32_t *links, uint32_t len, uint32_t dev,
			double delay)
{
	uint32_t i = kset_add(&c->A, links, len, NULL, 0);
	kpath *p = &c->A.p[i];
	p->dev = dev;
	p->delay = delay;
	p->live = false;
	for (uint32_t k = 0; k < len; k++)
		c->astamp[links[k]] = c->agen;
}

/* Offers root + spur path as a candidate unless it is already one. */
static void offer(ksp_ctx *c, const uint32_t *root, uint32_t nroot, uint32_t nspur,
		  uint32_t dev, uint32_t need)
{
	/* Sum in path order so that equal paths get bit-identical delays. */
	double delay = path_delay(c, path_delay(c, 0, root, nroot), c->sbuf, nspur);
	if (delay > best_bound(c, need))
		return;
	uint32_t len = nroot + nspur;
	uint64_t h = hash_mix(0x9E3779B97F4A7C15ULL ^ len, root, nroot);
	h = hash_mix(h, c->sbuf, nspur);
	for (uint32_t i = 0; i < c->B.n; i++) {
		const kpath *q = &c->B.p[i];
		if (!q->live || q->hash != h || q->len != len)
			continue;
		const uint32_t *ql = kpath_links(&c->B, q);
		if (memcmp(ql, root, nroot * sizeof *root) == 0 &&
		    memcmp(ql + nroot, c->sbuf, nspur * sizeof *ql) == 0)
			return; /* found again from another root */
	}
	uint32_t i = kset_add(&c->B, root, nroot, c->sbuf, nspur);
	c->B.p[i].dev = dev;
	c->B.p[i].hash = h;
	c->B.p[i].delay = delay;
	best_insert(c, delay, need);
}

static void result_reserve(ksp_result *r, uint32_t paths, size_t links)
{
	if (paths > r->cap_paths || r->off == NULL) {
		uint32_t cap = r->cap_paths ? r->cap_paths : 4;
		while (cap < paths)
			cap *= 2;
		r->off = neto_reallocarray(r->off, (size_t)cap + 1, sizeof *r->off);
		r->delay = neto_reallocarray(r->delay, cap, sizeof *r->delay);
		r->cap_paths = cap;
	}
	if (links > r->cap_links || r->links == NULL) {
		size_t cap = r->cap_links ? r->cap_links : 64;
		while (cap < links)
			cap *= 2;
		r->links = neto_reallocarray(r->links, cap, sizeof *r->links);
		r->cap_links = cap;
	}
}

/* --- Yen ---------------------------------------------------------------- */

static void ensure_per_k(ksp_ctx *c, uint32_t k)
{
	if (k <= c->cap_best)
		return;
	c->best = neto_reallocarray(c->best, k, sizeof *c->best);
	c->lcp = neto_reallocarray(c->lcp, k, sizeof *c->lcp);
	c->share = neto_reallocarray(c->share, k, sizeof *c->share);
	c->cap_best = k;
}

void ksp_compute(ksp_ctx *c, uint32_t src, uint32_t dst, uint32_t k, ksp_result *r)
{
	const topo *t = c->t;
	result_reserve(r, 1, 1);
	r->n_paths = 0;
	r->off[0] = 0;
	if (k == 0 || src >= c->n || dst >= c->n || src == dst)
		return;
	if (c->tree_dst != dst)
		build_tree(c, dst);
	if (c->d[src] == HUGE_VAL)
		return;
	ensure_per_k(c, k);

	c->A.n = 0;
	c->A.used = 0;
	c->B.n = 0;
	c->B.used = 0;
	gen_next(&c->agen, c->astamp, NULL, c->m);

	/* First path: the tree path. */
	uint32_t len = 0;
	for (uint32_t v = src; v != dst; v = t->links[c->nh[v]].dst)
		c->sbuf[len++] = c->nh[v];
	select_path(c, c->sbuf, len, 0, path_delay(c, 0, c->sbuf, len));

	while (c->A.n < k) {
		uint32_t cur = c->A.n - 1;
		kpath P = c->A.p[cur];
		uint32_t need = k - c->A.n;

		/* Nodes of P, and how far each selected path shares its
		 * prefix: the links removed at spur i are the i-th links of
		 * the selected paths that share P's first i links. */
		const uint32_t *pl = kpath_links(&c->A, &P);
		c->pnodes[0] = src;
		for (uint32_t i = 0; i < P.len; i++)
			c->pnodes[i + 1] = t->links[pl[i]].dst;
		uint32_t nsh = 0;
		for (uint32_t j = 0; j < c->A.n; j++) {
			const kpath *q = &c->A.p[j];
			const uint32_t *ql = kpath_links(&c->A, q);
			uint32_t l = 0, lim = q->len < P.len ? q->len : P.len;
			while (l < lim && ql[l] == pl[l])
				l++;
			if (l >= P.dev) {
				c->share[nsh] = j;
				c->lcp[nsh++] = l;
			}
		}

		/* Live candidates' delays, for the cut-off bound. */
		c->nbest = 0;
		for (uint32_t i = 0; i < c->B.n; i++)
			if (c->B.p[i].live)
				best_insert(c, c->B.p[i].delay, need);

		uint32_t rgen = gen_next(&c->rgen, c->rstamp, NULL, c->n);
		c->niv = 0;
		double root_delay = 0;
		for (uint32_t i = 0; i < P.len; i++) {
			uint32_t v = c->pnodes[i];
			c->rstamp[v] = rgen;
			iv_add(c, v);
			if (i >= P.dev) {
				uint32_t lgen = gen_next(&c->lgen, c->lstamp, NULL, c->m);
				for (uint32_t s = 0; s < nsh; s++) {
					const kpath *q = &c->A.p[c->share[s]];
					if (c->lcp[s] >= i && q->len > i)
						c->lstamp[kpath_links(&c->A, q)[i]] = lgen;
				}
				double limit = best_bound(c, need) - root_delay;
				uint32_t ns = spur_search(c, v, limit);
				if (ns > 0)
					offer(c, pl, i, ns, i, need); /* A is not growing here, pl stays valid */
			}
			root_delay += t->links[pl[i]].delay;
		}

		uint32_t b = select_next(c);
		if (b == NONE)
			break;
		kpath *q = &c->B.p[b];
		q->live = false;
		/* q's links live in B's pool, which select_path leaves alone. */
		select_path(c, kpath_links(&c->B, q), q->len, q->dev, q->delay);
	}

	size_t total = 0;
	for (uint32_t i = 0; i < c->A.n; i++)
		total += c->A.p[i].len;
	result_reserve(r, c->A.n, total);
	size_t at = 0;
	for (uint32_t i = 0; i < c->A.n; i++) {
		const kpath *p = &c->A.p[i];
		r->off[i] = (uint32_t)at;
		memcpy(r->links + at, kpath_links(&c->A, p), p->len * sizeof *r->links);
		r->delay[i] = p->delay;
		at += p->len;
	}
	r->off[c->A.n] = (uint32_t)at;
	r->n_paths = c->A.n;
}
