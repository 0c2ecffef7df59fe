/*
 * forward.c - fluid forwarding of the traffic matrix (sim_loads).
 *
 * Every demand is a fluid: a rate that splits and adds up, with no packets,
 * queues or losses other than the ones the model names (docs/sim.md).
 *
 * IGP forwarding. The routers' IGP sees only the links that are up; the
 * simulator keeps a copy of the topology without the down links (rebuilt on
 * the first use after a link changes state) and runs te/spf.h on it. To
 * forward x from u to v it takes u's shortest-path tree: a link (a, b) is on
 * a shortest u -> v path iff dist(a) + igp = dist(b) and b reaches v through
 * such links. Every router on those paths also uses exactly those links to
 * reach v (a subpath of a shortest path is shortest), so the per-router ECMP
 * split is: at each node, in order of distance from u, the traffic that
 * arrived leaves evenly over its next-hop links towards v (parallel links
 * count as separate next hops, as spf.h counts them). This is hash-based
 * ECMP in the fluid limit: an even split, not a tie-break. Each call costs
 * O(nodes + links) once the tree and its node order are cached per source.
 *
 * Policies. A segment list given as links is followed link by link; one
 * that is down black-holes the list's share there (the links before it
 * still carry it). A list given as SRv6 segments is resolved now, over the
 * IGP as it is: a node segment forwards by IGP from where the traffic is
 * (ECMP included), an adjacency segment takes its link. Traffic that meets
 * a down adjacency or a node the IGP cannot reach is dropped there.
 */
#include "sim/sim_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"
#include "te/srv6.h"

void sim_igp_init(sim *s)
{
	topo_init(&s->igp);
	s->igp_dirty = true;
	s->igp_has = false;
	s->amt = neto_calloc(s->t->n_nodes, sizeof *s->amt);
	s->mark = neto_calloc(s->t->n_nodes, sizeof *s->mark);
}

static void igp_clear(sim *s)
{
	if (s->igp_has) {
		for (uint32_t v = 0; v < s->t->n_nodes; v++)
			free(s->igp_ord[v]);
		free(s->igp_ord);
		s->igp_ord = NULL;
		spf_all_free(&s->spf);
	}
	topo_free(&s->igp);
	free(s->igp_orig);
	s->igp_orig = NULL;
	s->igp_has = false;
}

void sim_igp_free(sim *s)
{
	igp_clear(s);
	free(s->amt);
	free(s->mark);
}

void sim_igp_invalidate(sim *s)
{
	s->igp_dirty = true;
}

static void igp_build(sim *s)
{
	const topo *t = s->t;
	igp_clear(s);
	s->igp_dirty = false;
	uint32_t n_up = 0;
	for (uint32_t l = 0; l < t->n_links; l++)
		n_up += s->link_up[l];
	if (n_up == 0)
		return;
	neto_err err;
	for (uint32_t v = 0; v < t->n_nodes; v++)
		if (topo_add_node(&s->igp, t->nodes[v].name, strlen(t->nodes[v].name), &err) !=
		    v)
			abort(); /* the names were valid in t */
	s->igp_orig = neto_malloc((size_t)n_up * sizeof *s->igp_orig);
	for (uint32_t l = 0; l < t->n_links; l++) {
		if (!s->link_up[l])
			continue;
		const topo_link *k = &t->links[l];
		uint32_t g = topo_add_link(&s->igp, k->id, strlen(k->id), k->src, k->dst,
					   k->capacity, k->delay, k->igp, &err);
		if (g == TOPO_NONE)
			abort();
		s->igp_orig[g] = l;
	}
	if (topo_finish(&s->igp, &err) != 0)
		abort();
	spf_all_init(&s->spf, &s->igp);
	s->igp_ord = neto_calloc(t->n_nodes, sizeof *s->igp_ord);
	s->igp_has = true;
}

static int cmp_dist(const void *pa, const void *pb, void *ctx)
{
	const uint64_t *dist = ctx;
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
	if (dist[a] != dist[b])
		return dist[a] < dist[b] ? -1 : 1;
	return a < b ? -1 : (a > b);
}

/* Nodes in order of IGP distance from src (ties by index). */
static const uint32_t *igp_order(sim *s, uint32_t src, const spf_tree *tr)
{
	if (s->igp_ord[src] == NULL) {
		uint32_t n = s->t->n_nodes;
		uint32_t *o = neto_malloc((size_t)n * sizeof *o);
		for (uint32_t v = 0; v < n; v++)
			o[v] = v;
		qsort_r(o, n, sizeof *o, cmp_dist, tr->dist);
		s->igp_ord[src] = o;
	}
	return s->igp_ord[src];
}

/* Forwards x from u to v over the IGP, adding to load. Returns false (and
 * loads nothing) when the IGP has no path. */
static bool igp_forward(sim *s, uint32_t u, uint32_t v, double x, double *load)
{
	if (u == v)
		return true;
	if (!s->igp_has)
		return false;
	const spf_tree *tr = spf_all_get(&s->spf, u);
	uint64_t dv = tr->dist[v];
	if (dv == SPF_INF)
		return false;
	if (!(x > 0))
		return true;
	const topo *g = &s->igp;
	const uint32_t *ord = igp_order(s, u, tr);
	size_t end = 0;
	while (end < g->n_nodes && tr->dist[ord[end]] <= dv)
		end++;

	/* the nodes on shortest u -> v paths, backwards from v */
	s->mark[v] = 1;
	for (size_t i = end; i-- > 0;) {
		uint32_t w = ord[i];
		if (!s->mark[w])
			continue;
		for (uint32_t k = g->in_off[w]; k < g->in_off[w + 1]; k++) {
			const topo_link *l = &g->links[g->in_links[k]];
			if (tr->dist[l->src] != SPF_INF && tr->dist[l->src] + l->igp == tr->dist[w])
				s->mark[l->src] = 1;
		}
	}
	/* push the fluid forwards, evenly over each node's next hops */
	s->amt[u] = x;
	for (size_t i = 0; i < end; i++) {
		uint32_t w = ord[i];
		if (w == v || !s->mark[w] || !(s->amt[w] > 0))
			continue;
		uint32_t nh = 0;
		for (uint32_t k = g->out_off[w]; k < g->out_off[w + 1]; k++) {
			const topo_link *l = &g->links[g->out_links[k]];
			if (s->mark[l->dst] && tr->dist[w] + l->igp == tr->dist[l->dst])
				nh++;
		}
		if (nh == 0)
			continue; /* cannot happen: a marked node leads to v */
		double share = s->amt[w] / nh;
		for (uint32_t k = g->out_off[w]; k < g->out_off[w + 1]; k++) {
			uint32_t gl = g->out_links[k];
			const topo_link *l = &g->links[gl];
			if (s->mark[l->dst] && tr->dist[w] + l->igp == tr->dist[l->dst]) {
				load[s->igp_orig[gl]] += share;
				s->amt[l->dst] += share;
			}
		}
	}
	for (size_t i = 0; i < end; i++) {
		s->amt[ord[i]] = 0;
		s->mark[ord[i]] = 0;
	}
	return true;
}

/* Forwards x from head-end h along one segment list. */
static void list_forward(sim *s, uint32_t h, const sim_seglist *sl, double x, double *load,
			 sim_totals *tot)
{
	const topo *t = s->t;
	if (sl->n_links > 0) {
		for (uint32_t k = 0; k < sl->n_links; k++) {
			uint32_t l = sl->links[k];
			if (!s->link_up[l]) {
				tot->dropped += x;
				return;
			}
			load[l] += x;
		}
		tot->carried += x;
		return;
	}
	uint32_t cur = h;
	for (uint32_t k = 0; k < sl->n_segs; k++) {
		uint32_t g = sl->segs[k];
		if (g & SRV6_SEG_ADJ) {
			uint32_t l = g & ~SRV6_SEG_ADJ;
			if (!s->link_up[l]) {
				tot->dropped += x;
				return;
			}
			load[l] += x;
			cur = t->links[l].dst;
		} else {
			if (!igp_forward(s, cur, g, x, load)) {
				tot->dropped += x;
				return;
			}
			cur = g;
		}
	}
	tot->carried += x;
}

int sim_loads(sim *s, int64_t now, double *link_load, double *link_util, sim_totals *out,
	      neto_err *err)
{
	if (sim_run_to(s, now, err) != 0)
		return -1;
	if (s->igp_dirty)
		igp_build(s);
	const topo *t = s->t;
	double *load = link_load;
	if (load == NULL)
		load = neto_malloc((t->n_links ? t->n_links : 1) * sizeof *load);
	for (uint32_t l = 0; l < t->n_links; l++)
		load[l] = 0;

	sim_totals tot = { 0 };
	for (size_t i = 0; i < s->n_dem; i++) {
		const sim_dem *d = &s->dem[i];
		if (!(d->rate > 0))
			continue;
		tot.offered += d->rate;
		const sim_installed *p = sim_find_installed(s, d->src, d->dst, d->cls);
		if (p == NULL) {
			if (igp_forward(s, d->src, d->dst, d->rate, load)) {
				tot.carried += d->rate;
			} else {
				tot.dropped += d->rate;
				tot.dropped_noroute += d->rate;
			}
			continue;
		}
		tot.steered += d->rate;
		double wsum = 0;
		for (uint32_t k = 0; k < p->policy.n_lists; k++)
			wsum += p->policy.lists[k].weight;
		for (uint32_t k = 0; k < p->policy.n_lists; k++) {
			const sim_seglist *sl = &p->policy.lists[k];
			double x = d->rate * (sl->weight / wsum);
			if (sl->limited && x > sl->rate_limit) {
				tot.throttled += x - sl->rate_limit;
				x = sl->rate_limit;
			}
			list_forward(s, d->src, sl, x, load, &tot);
		}
	}

	for (uint32_t l = 0; l < t->n_links; l++) {
		double cap = t->links[l].capacity;
		double u = load[l] / cap;
		if (link_util != NULL)
			link_util[l] = u;
		if (u > tot.max_util)
			tot.max_util = u;
		if (load[l] > cap * (1 + 1e-9)) {
			tot.n_overloaded++;
			tot.overload += load[l] - cap;
		}
	}
	if (load != link_load)
		free(load);
	if (out != NULL)
		*out = tot;
	return 0;
}
