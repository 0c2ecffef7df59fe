/*
 * ksp.c - K loopless lowest-delay paths with Yen's algorithm (see ksp.h).
 *
 * Workload. The path builder asks for K (typically 4) paths for every pair
 * that carries demand, on WAN graphs that are sparse and long: Topology Zoo's
 * Kdl has 754 nodes, 1,798 directed links, shortest paths of 25 hops on
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
 *     f in the queue, so it is optimal. (It cannot cross the search's own
 *     path either: a node of that path is an ancestor of u in the search,
 *     was popped before u and would have stopped the search.) When the
 *     first alternative link out of the spur node already leads to such a
 *     node, the search is a handful of heap operations. Which tree paths
 *     avoid the removed nodes v0..vi: for each node, the smallest index j
 *     of a node of the current path on its tree path, memoised per
 *     iteration; u is usable at spur i when that index is above i.
 *
 *  3. Only links that can lie on a loopless path to dst are followed. A
 *     simple path from u to dst crosses the biconnected components (blocks)
 *     of the underlying undirected graph on the block tree's path from u to
 *     dst, so its first link is in the same block as u's tree link nh(u).
 *     Links into other blocks (dead-end trees, hanging cycles) are skipped;
 *     a chain node's only links are the path's own next link (removed) and
 *     the way back (a removed node), so it is skipped without a search.
 *
 *  4. Lawler's refinement: a path that left its parent at link index dev
 *     only needs spur searches from dev on; earlier roots gained no new
 *     branch. Candidates that cannot be among the K (more expensive than
 *     the (K - selected)-th best candidate) are cut off inside the search.
 *
 *  5. Candidates stay in pieces (root = a prefix of a selected path, the
 *     links the search found, then the tree path from the node where it
 *     met the tree) with an estimated delay and a polynomial hash that
 *     composes over the pieces; only candidates that are selected, tied or
 *     possibly duplicated are written out link by link.
 *
 *  6. No allocation per call in steady state: scratch arrays live in the
 *     context, and per-node marks are generation stamps instead of clears.
 *
 * Ties. Delays are doubles, compared with a relative tolerance KSP_TOL
 * (candidates are ranked on root + search + tree delays, which may differ
 * from the in-order sum reported in the last bits). Among candidates of
 * equal delay, the one sharing fewer links with the paths already selected
 * wins, then fewer hops, then the smaller sequence of link indices. The tree
 * (and so the first path) prefers fewer hops, then the smaller link index,
 * among equal-delay routes. Like every Yen variant, each spur search keeps
 * one of its equally short spur paths, so among many equal-delay paths the
 * ones offered to the tie-break depend on the search; the delays of the K
 * paths are always the K smallest.
 */
#include "te/ksp.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"

#define KSP_TOL 1e-9
#define NONE UINT32_MAX
#define HASH_BASE 0x100000001b3ULL

/* One out-link of a node, laid out for the inner loops. */
typedef struct kadj {
	uint32_t link, dst, blk;
	double delay;
} kadj;

/* A selected path; links in ksp_ctx.apool. */
typedef struct kpath {
	size_t off;
	uint32_t len;
	uint32_t dev;     /* link index where it left the path it came from */
	double delay;
} kpath;

/* A candidate: the first dev links of selected path `parent`, then mid_len
 * links found by the spur search (in ksp_ctx.mpool), then the tree path from
 * `meet` to the destination. */
typedef struct kcand {
	uint32_t parent, dev, meet, mid_len, len;
	size_t mid_off;
	uint64_t hash;
	double delay;     /* root + search + tree delay */
	bool live;        /* not selected yet */
} kcand;

typedef struct hent {
	double f;
	uint32_t v;
} hent;

struct ksp_ctx {
	const topo *t;
	uint32_t n, m;
	kadj *adj;            /* out-links, slots t->out_off[v] .. */
	uint32_t *blk;        /* block of each link */
	double *ldelay;       /* delay of each link */
	uint32_t *ldst;       /* head node of each link */
	uint64_t *pw;         /* HASH_BASE^k, k <= n */
	/* Reverse shortest-path tree of tree_dst. */
	uint32_t tree_dst;
	double *d;
	uint32_t *nh, *tpar;  /* next link and next node toward tree_dst */
	uint32_t *hops;       /* links on the tree path */
	uint64_t *th;         /* hash of the tree path */
	uint32_t *order;      /* settling order of the tree's Dijkstra */
	/* A* state, valid where sstamp == sgen; closed where cstamp == sgen. */
	uint32_t sgen, *sstamp, *cstamp;
	double *g;
	uint32_t *par, *ppar; /* link and node the search reached a node from */
	hent *heap;
	size_t hn, hcap;
	/* Per iteration (stamp == rgen): removed nodes (rstamp), the index of
	 * each node on the path being spurred (pstamp, pidx), and the memo of
	 * the smallest such index on each tree path (hstamp, hval). */
	uint32_t rgen, *rstamp, *pstamp, *pidx, *hstamp, *hval;
	/* Removed first links of the current spur (lstamp == lgen), links of
	 * the selected paths of the current pair (astamp == agen). */
	uint32_t lgen, *lstamp;
	uint32_t agen, *astamp;
	uint32_t *pnodes;     /* nodes of the path being spurred, n + 1 */
	uint32_t *sbuf;       /* links found by the last spur search */
	uint32_t *wbuf[2];    /* candidates written out, n each */
	uint32_t *stack;      /* n */
	/* Selected paths and candidates of the current pair. */
	kpath *A;
	uint32_t nA;
	size_t capA;
	uint32_t *apool;
	size_t a_used, a_cap;
	kcand *B;
	uint32_t nB;
	size_t capB;
	uint32_t *mpool;
	size_t m_used, m_cap;
	uint32_t *lcp, *share; /* per selected path */
	double *best;          /* smallest live candidate delays, ascending */
	uint32_t nbest, cap_k;
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
static uint32_t gen_next(uint32_t *gen, uint32_t *const *stamps, size_t n_stamps, size_t n)
{
	*gen += 1;
	if (*gen == 0) {
		for (size_t i = 0; i < n_stamps; i++)
			memset(stamps[i], 0, n * sizeof *stamps[i]);
		*gen = 1;
	}
	return *gen;
}

static uint64_t hash_link(uint32_t l)
{
	return ((uint64_t)l + 1) * 0x9E3779B97F4A7C15ULL;
}

/* Grows an array of elem-sized items to hold need of them. */
static void *grow(void *p, size_t *cap, size_t need, size_t elem, size_t first)
{
	if (need <= *cap)
		return p;
	size_t c = *cap ? *cap : first;
	while (c < need)
		c *= 2;
	*cap = c;
	return neto_reallocarray(p, c, elem);
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
	size_t n1 = (size_t)n + 1, m1 = m ? m : 1;
	c->t = t;
	c->n = n;
	c->m = m;
	c->blk = neto_malloc(m1 * sizeof *c->blk);
	compute_blocks(c);
	c->adj = neto_malloc(m1 * sizeof *c->adj);
	c->ldelay = neto_malloc(m1 * sizeof *c->ldelay);
	c->ldst = neto_malloc(m1 * sizeof *c->ldst);
	for (uint32_t l = 0; l < m; l++) {
		c->ldelay[l] = t->links[l].delay;
		c->ldst[l] = t->links[l].dst;
	}
	for (uint32_t v = 0; v < n; v++) {
		for (uint32_t i = t->out_off[v]; i < t->out_off[v + 1]; i++) {
			uint32_t l = t->out_links[i];
			c->adj[i] = (kadj){ l, t->links[l].dst, c->blk[l], t->links[l].delay };
		}
	}
	c->pw = neto_malloc(n1 * sizeof *c->pw);
	c->pw[0] = 1;
	for (size_t k = 1; k < n1; k++)
		c->pw[k] = c->pw[k - 1] * HASH_BASE;
	c->tree_dst = NONE;
	c->d = neto_malloc(n1 * sizeof *c->d);
	c->nh = neto_malloc(n1 * sizeof *c->nh);
	c->tpar = neto_malloc(n1 * sizeof *c->tpar);
	c->hops = neto_malloc(n1 * sizeof *c->hops);
	c->th = neto_malloc(n1 * sizeof *c->th);
	c->order = neto_malloc(n1 * sizeof *c->order);
	c->sstamp = neto_calloc(n1, sizeof *c->sstamp);
	c->cstamp = neto_calloc(n1, sizeof *c->cstamp);
	c->g = neto_malloc(n1 * sizeof *c->g);
	c->par = neto_malloc(n1 * sizeof *c->par);
	c->ppar = neto_malloc(n1 * sizeof *c->ppar);
	c->rstamp = neto_calloc(n1, sizeof *c->rstamp);
	c->pstamp = neto_calloc(n1, sizeof *c->pstamp);
	c->pidx = neto_malloc(n1 * sizeof *c->pidx);
	c->hstamp = neto_calloc(n1, sizeof *c->hstamp);
	c->hval = neto_malloc(n1 * sizeof *c->hval);
	c->lstamp = neto_calloc(m1, sizeof *c->lstamp);
	c->astamp = neto_calloc(m1, sizeof *c->astamp);
	c->pnodes = neto_malloc(n1 * sizeof *c->pnodes);
	c->sbuf = neto_malloc(n1 * sizeof *c->sbuf);
	c->wbuf[0] = neto_malloc(n1 * sizeof *c->wbuf[0]);
	c->wbuf[1] = neto_malloc(n1 * sizeof *c->wbuf[1]);
	c->stack = neto_malloc(n1 * sizeof *c->stack);
	return c;
}

void ksp_ctx_free(ksp_ctx *c)
{
	if (c == NULL)
		return;
	free(c->adj);
	free(c->blk);
	free(c->ldelay);
	free(c->ldst);
	free(c->pw);
	free(c->d);
	free(c->nh);
	free(c->tpar);
	free(c->hops);
	free(c->th);
	free(c->order);
	free(c->sstamp);
	free(c->cstamp);
	free(c->g);
	free(c->par);
	free(c->ppar);
	free(c->heap);
	free(c->rstamp);
	free(c->pstamp);
	free(c->pidx);
	free(c->hstamp);
	free(c->hval);
	free(c->lstamp);
	free(c->astamp);
	free(c->pnodes);
	free(c->sbuf);
	free(c->wbuf[0]);
	free(c->wbuf[1]);
	free(c->stack);
	free(c->A);
	free(c->apool);
	free(c->B);
	free(c->mpool);
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
 * A node's tree parent settles before it, so one pass in settling order
 * gives every node the hash of its tree path. */
static void build_tree(ksp_ctx *c, uint32_t dst)
{
	const topo *t = c->t;
	uint32_t n = c->n, settled = 0;
	for (uint32_t v = 0; v < n; v++) {
		c->d[v] = HUGE_VAL;
		c->nh[v] = NONE;
		c->tpar[v] = NONE;
		c->hops[v] = NONE;
	}
	uint32_t *const st[] = { c->sstamp, c->cstamp };
	uint32_t gen = gen_next(&c->sgen, st, 2, c->n);
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
		c->order[settled++] = u;
		for (uint32_t i = t->in_off[u]; i < t->in_off[u + 1]; i++) {
			uint32_t l = t->in_links[i];
			uint32_t v = t->links[l].src;
			if (c->cstamp[v] == gen)
				continue;
			double nd = c->d[u] + c->ldelay[l];
			uint32_t nhop = c->hops[u] + 1;
			if (!approx_le(c->d[v], nd)) {
				c->d[v] = nd;
				c->nh[v] = l;
				c->tpar[v] = u;
				c->hops[v] = nhop;
				heap_push(c, nd, v);
			} else if (approx_eq(nd, c->d[v]) &&
				   (nhop < c->hops[v] || (nhop == c->hops[v] && l < c->nh[v]))) {
				c->nh[v] = l;
				c->tpar[v] = u;
				c->hops[v] = nhop;
				if (nd < c->d[v]) {
					c->d[v] = nd;
					heap_push(c, nd, v);
				}
			}
		}
	}
	c->th[dst] = 0;
	for (uint32_t k = 1; k < settled; k++) {
		uint32_t v = c->order[k], p = c->tpar[v];
		c->th[v] = hash_link(c->nh[v]) * c->pw[c->hops[p]] + c->th[p];
	}
	c->tree_dst = dst;
}

/* Smallest index j of a node of the current path (pidx) on u's tree path,
 * u included; NONE when there is none. Memoised for the iteration. */
static uint32_t tree_hit(ksp_ctx *c, uint32_t u)
{
	uint32_t rgen = c->rgen, sp = 0, v = u;
	while (v != c->tree_dst && c->hstamp[v] != rgen) {
		c->stack[sp++] = v;
		v = c->tpar[v];
	}
	uint32_t h = v == c->tree_dst ? NONE : c->hval[v];
	while (sp > 0) {
		v = c->stack[--sp];
		if (c->pstamp[v] == rgen && c->pidx[v] < h)
			h = c->pidx[v];
		c->hstamp[v] = rgen;
		c->hval[v] = h;
	}
	return h;
}

/* --- spur search -------------------------------------------------------- */

static void relax(ksp_ctx *c, uint32_t gen, uint32_t w, double gw, uint32_t link, uint32_t from)
{
	if (c->sstamp[w] == gen && c->g[w] <= gw)
		return;
	c->sstamp[w] = gen;
	c->g[w] = gw;
	c->par[w] = link;
	c->ppar[w] = from;
	heap_push(c, gw + c->d[w], w);
}

/* Shortest path from the spur node (index i of the current path) to the
 * tree's destination that avoids the removed nodes (rstamp: the path's nodes
 * up to and including the spur node) and, on its first link, the removed
 * links (lstamp). Gives up when its delay would exceed limit. On success the
 * path is the links c->sbuf[0..return value) up to *meet, then meet's tree
 * path; *delay is its delay. Returns 0 when there is none. */
static uint32_t spur_search(ksp_ctx *c, uint32_t spur, uint32_t i, double limit, uint32_t *meet,
			    double *delay)
{
	const topo *t = c->t;
	uint32_t *const st[] = { c->sstamp, c->cstamp };
	uint32_t gen = gen_next(&c->sgen, st, 2, c->n);
	uint32_t rgen = c->rgen, lgen = c->lgen;
	uint32_t b = c->blk[c->nh[spur]];

	c->hn = 0;
	for (uint32_t k = t->out_off[spur]; k < t->out_off[spur + 1]; k++) {
		const kadj *a = &c->adj[k];
		if (a->blk != b || c->lstamp[a->link] == lgen || c->rstamp[a->dst] == rgen)
			continue;
		if (c->d[a->dst] == HUGE_VAL || a->delay + c->d[a->dst] > limit)
			continue;
		relax(c, gen, a->dst, a->delay, a->link, spur);
	}
	while (c->hn > 0) {
		hent e = heap_pop(c);
		uint32_t u = e.v;
		if (c->cstamp[u] == gen)
			continue;
		if (e.f > limit)
			return 0;
		c->cstamp[u] = gen;
		uint32_t hit = tree_hit(c, u);
		if (hit == NONE || hit > i) {
			/* f(u) is the least f left and u's tree path is
			 * allowed, so search path + tree path is optimal. */
			uint32_t len = 0, v;
			for (v = u; v != spur; v = c->ppar[v])
				len++;
			uint32_t k = len;
			for (v = u; v != spur; v = c->ppar[v])
				c->sbuf[--k] = c->par[v];
			*meet = u;
			*delay = c->g[u] + c->d[u];
			return len;
		}
		uint32_t ub = c->blk[c->nh[u]];
		double gu = c->g[u];
		for (uint32_t k = t->out_off[u]; k < t->out_off[u + 1]; k++) {
			const kadj *a = &c->adj[k];
			if (a->blk != ub || c->rstamp[a->dst] == rgen || c->cstamp[a->dst] == gen)
				continue;
			double gw = gu + a->delay;
			if (c->d[a->dst] == HUGE_VAL || gw + c->d[a->dst] > limit)
				continue;
			relax(c, gen, a->dst, gw, a->link, u);
		}
	}
	return 0;
}

/* --- selected paths and candidates -------------------------------------- */

/* acc + the delays of links, added in path order. */
static double path_delay(const ksp_ctx *c, double acc, const uint32_t *links, uint32_t len)
{
	double s = acc;
	for (uint32_t i = 0; i < len; i++)
		s += c->ldelay[links[i]];
	return s;
}

static const uint32_t *apath_links(const ksp_ctx *c, uint32_t i)
{
	return c->apool + c->A[i].off;
}

/* Writes root, search links and tree path into out; returns the length. */
static uint32_t write_path(const ksp_ctx *c, uint32_t parent, uint32_t dev, const uint32_t *mid,
			   uint32_t mid_len, uint32_t meet, uint32_t *out)
{
	memcpy(out, apath_links(c, parent), dev * sizeof *out);
	memcpy(out + dev, mid, mid_len * sizeof *out);
	uint32_t len = dev + mid_len;
	for (uint32_t v = meet; v != c->tree_dst; v = c->tpar[v])
		out[len++] = c->nh[v];
	return len;
}

static uint32_t write_cand(const ksp_ctx *c, const kcand *q, uint32_t *out)
{
	return write_path(c, q->parent, q->dev, c->mpool + q->mid_off, q->mid_len, q->meet, out);
}

/* Appends a selected path (copied from links, which must not be in apool). */
static void select_path(ksp_ctx *c, const uint32_t *links, uint32_t len, uint32_t dev)
{
	c->A = grow(c->A, &c->capA, (size_t)c->nA + 1, sizeof *c->A, 8);
	c->apool = grow(c->apool, &c->a_cap, c->a_used + len, sizeof *c->apool, 256);
	kpath *p = &c->A[c->nA++];
	p->off = c->a_used;
	p->len = len;
	p->dev = dev;
	p->delay = path_delay(c, 0, links, len);
	memcpy(c->apool + c->a_used, links, len * sizeof *links);
	c->a_used += len;
	for (uint32_t k = 0; k < len; k++)
		c->astamp[links[k]] = c->agen;
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

/* Offers the candidate root (first i links of the path being spurred, whose
 * hash is root_hash) + c->sbuf[0..mid_len) + meet's tree path, unless it is
 * already one. */
static void offer(ksp_ctx *c, uint32_t parent, uint32_t i, uint64_t root_hash, uint32_t mid_len,
		  uint32_t meet, double delay, uint32_t need)
{
	if (delay > best_bound(c, need))
		return;
	uint32_t len = i + mid_len + c->hops[meet];
	uint64_t h = root_hash;
	for (uint32_t k = 0; k < mid_len; k++)
		h = h * HASH_BASE + hash_link(c->sbuf[k]);
	h = h * c->pw[c->hops[meet]] + c->th[meet];

	bool written = false;
	for (uint32_t k = 0; k < c->nB; k++) {
		const kcand *q = &c->B[k];
		if (!q->live || q->hash != h || q->len != len)
			continue;
		/* Most likely the same path found again from another
		 * root; compare link by link to be sure. */
		if (!written) {
			write_path(c, parent, i, c->sbuf, mid_len, meet, c->wbuf[0]);
			written = true;
		}
		write_cand(c, q, c->wbuf[1]);
		if (memcmp(c->wbuf[0], c->wbuf[1], len * sizeof *c->wbuf[0]) == 0)
			return;
	}
	c->B = grow(c->B, &c->capB, (size_t)c->nB + 1, sizeof *c->B, 16);
	c->mpool = grow(c->mpool, &c->m_cap, c->m_used + mid_len, sizeof *c->mpool, 256);
	kcand *q = &c->B[c->nB++];
	q->parent = parent;
	q->dev = i;
	q->meet = meet;
	q->mid_len = mid_len;
	q->mid_off = c->m_used;
	q->len = len;
	q->hash = h;
	q->delay = delay;
	q->live = true;
	memcpy(c->mpool + c->m_used, c->sbuf, mid_len * sizeof *c->sbuf);
	c->m_used += mid_len;
	best_insert(c, delay, need);
}

static uint32_t shared_links(const ksp_ctx *c, const uint32_t *links, uint32_t len)
{
	uint32_t s = 0;
	for (uint32_t i = 0; i < len; i++)
		s += c->astamp[links[i]] == c->agen;
	return s;
}

/* Picks the candidate to select next and writes it into c->wbuf[0]; returns
 * its index, or NONE when there is none. */
static uint32_t select_next(ksp_ctx *c)
{
	double dmin = HUGE_VAL;
	uint32_t first = NONE, tied = 0;
	for (uint32_t i = 0; i < c->nB; i++)
		if (c->B[i].live && c->B[i].delay < dmin)
			dmin = c->B[i].delay;
	for (uint32_t i = 0; i < c->nB; i++)
		if (c->B[i].live && approx_le(c->B[i].delay, dmin)) {
			if (first == NONE)
				first = i;
			tied++;
		}
	if (first == NONE)
		return NONE;
	write_cand(c, &c->B[first], c->wbuf[0]);
	if (tied == 1)
		return first;

	/* Equal delays: fewer shared links, then fewer hops, then the
	 * smaller link sequence. The best so far stays in wbuf[0]. */
	uint32_t best = first;
	uint32_t sbest = shared_links(c, c->wbuf[0], c->B[first].len);
	for (uint32_t i = first + 1; i < c->nB; i++) {
		const kcand *q = &c->B[i];
		if (!q->live || !approx_le(q->delay, dmin))
			continue;
		uint32_t len = write_cand(c, q, c->wbuf[1]);
		uint32_t s = shared_links(c, c->wbuf[1], len);
		uint32_t blen = c->B[best].len;
		bool better;
		if (s != sbest)
			better = s < sbest;
		else if (len != blen)
			better = len < blen;
		else {
			uint32_t k = 0;
			while (k < len && c->wbuf[1][k] == c->wbuf[0][k])
				k++;
			better = k < len && c->wbuf[1][k] < c->wbuf[0][k];
		}
		if (better) {
			uint32_t *tmp = c->wbuf[0];
			c->wbuf[0] = c->wbuf[1];
			c->wbuf[1] = tmp;
			best = i;
			sbest = s;
		}
	}
	return best;
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

/* Cheap test that spur i of the path pl (nodes c->pnodes) has no link to try:
 * the node's only links are the path's own next link (always removed) and
 * one back to the previous node (a removed root node). Chain nodes of a
 * sparse WAN are the common case. */
static bool no_branch(const ksp_ctx *c, uint32_t i, const uint32_t *pl)
{
	uint32_t v = c->pnodes[i];
	uint32_t o = c->t->out_off[v], e = c->t->out_off[v + 1];
	if (e - o == 1)
		return true;
	if (e - o != 2 || i == 0)
		return false;
	uint32_t other = c->adj[o].link == pl[i] ? c->adj[o + 1].dst : c->adj[o].dst;
	return other == c->pnodes[i - 1];
}

static void ensure_per_k(ksp_ctx *c, uint32_t k)
{
	if (k <= c->cap_k)
		return;
	c->best = neto_reallocarray(c->best, k, sizeof *c->best);
	c->lcp = neto_reallocarray(c->lcp, k, sizeof *c->lcp);
	c->share = neto_reallocarray(c->share, k, sizeof *c->share);
	c->cap_k = k;
}

/* Spur searches along selected path cur; offers what they find. */
static void spur_path(ksp_ctx *c, uint32_t cur, uint32_t need)
{
	const kpath P = c->A[cur];
	const uint32_t *pl = apath_links(c, cur); /* A does not grow in here */

	/* Nodes of P, and how far each selected path shares its prefix: the
	 * links removed at spur i are the i-th links of the selected paths
	 * that share P's first i links. */
	uint32_t *const st[] = { c->rstamp, c->pstamp, c->hstamp };
	uint32_t rgen = gen_next(&c->rgen, st, 3, c->n);
	uint32_t v = c->t->links[pl[0]].src;
	c->pnodes[0] = v;
	for (uint32_t i = 0; i < P.len; i++) {
		c->pstamp[c->pnodes[i]] = rgen;
		c->pidx[c->pnodes[i]] = i;
		c->pnodes[i + 1] = c->ldst[pl[i]];
	}
	uint32_t nsh = 0;
	for (uint32_t j = 0; j < c->nA; j++) {
		const uint32_t *ql = apath_links(c, j);
		uint32_t l = 0, lim = c->A[j].len < P.len ? c->A[j].len : P.len;
		while (l < lim && ql[l] == pl[l])
			l++;
		if (l >= P.dev) {
			c->share[nsh] = j;
			c->lcp[nsh++] = l;
		}
	}

	/* Live candidates' delays, for the cut-off bound. */
	c->nbest = 0;
	for (uint32_t i = 0; i < c->nB; i++)
		if (c->B[i].live)
			best_insert(c, c->B[i].delay, need);

	double root_delay = 0;
	uint64_t root_hash = 0;
	for (uint32_t i = 0; i < P.len; i++) {
		v = c->pnodes[i];
		c->rstamp[v] = rgen;
		if (i >= P.dev && !no_branch(c, i, pl)) {
			uint32_t *const lst[] = { c->lstamp };
			uint32_t lgen = gen_next(&c->lgen, lst, 1, c->m);
			for (uint32_t s = 0; s < nsh; s++) {
				uint32_t j = c->share[s];
				if (c->lcp[s] >= i && c->A[j].len > i)
					c->lstamp[apath_links(c, j)[i]] = lgen;
			}
			double limit = best_bound(c, need) - root_delay, delay = 0;
			uint32_t meet = NONE;
			uint32_t ns = spur_search(c, v, i, limit, &meet, &delay);
			if (ns > 0)
				offer(c, cur, i, root_hash, ns, meet, root_delay + delay, need);
		}
		root_delay += c->ldelay[pl[i]];
		root_hash = root_hash * HASH_BASE + hash_link(pl[i]);
	}
}

void ksp_compute(ksp_ctx *c, uint32_t src, uint32_t dst, uint32_t k, ksp_result *r)
{
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

	c->nA = 0;
	c->a_used = 0;
	c->nB = 0;
	c->m_used = 0;
	uint32_t *const ast[] = { c->astamp };
	gen_next(&c->agen, ast, 1, c->m);

	/* First path: the tree path. */
	uint32_t len = 0;
	for (uint32_t v = src; v != dst; v = c->tpar[v])
		c->wbuf[0][len++] = c->nh[v];
	select_path(c, c->wbuf[0], len, 0);

	while (c->nA < k) {
		spur_path(c, c->nA - 1, k - c->nA);
		uint32_t b = select_next(c);
		if (b == NONE)
			break;
		c->B[b].live = false;
		select_path(c, c->wbuf[0], c->B[b].len, c->B[b].dev);
	}

	size_t total = 0;
	for (uint32_t i = 0; i < c->nA; i++)
		total += c->A[i].len;
	result_reserve(r, c->nA, total);
	size_t at = 0;
	for (uint32_t i = 0; i < c->nA; i++) {
		const kpath *p = &c->A[i];
		r->off[i] = (uint32_t)at;
		memcpy(r->links + at, apath_links(c, i), p->len * sizeof *r->links);
		r->delay[i] = p->delay;
		at += p->len;
	}
	r->off[c->nA] = (uint32_t)at;
	r->n_paths = c->nA;
}
