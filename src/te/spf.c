/*
 * spf.c - IGP shortest-path trees with ECMP counting (see spf.h).
 *
 * Plain Dijkstra on integer IGP metrics with an indexed binary heap
 * (decrease-key in place, so the heap never holds more than n entries).
 * Metrics are at least 1, so every node is settled after all the nodes on
 * its shortest paths: when v is settled its npaths is final, and relaxing
 * v's links can simply add npaths[v] to its neighbours' counts.
 *
 * The count saturates at 2: the encoder only asks "is the shortest path
 * unique?", and 2 already means "no". Any kind of ECMP makes it 2: two
 * next hops, or two parallel links between the same nodes, since both
 * split traffic on a router.
 *
 * Besides the per-node arrays, a bit per link marks the links that end a
 * unique shortest path: the encoder asks exactly that, once per link of
 * every candidate path, and a bit set stays in cache where the node arrays
 * of hundreds of trees would not.
 *
 * Distances cannot overflow: a simple path has fewer than 2^32 links of
 * metric below 2^32, so its length is below 2^64 - 1 = SPF_INF.
 */
#include "te/spf.h"

#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"

#define HEAP_NONE UINT32_MAX

typedef struct spf_heap {
	uint32_t *v;    /* heap of node indices, ordered by dist */
	uint32_t *pos;  /* position of each node in v, HEAP_NONE when absent */
	uint32_t n;
	const uint64_t *dist;
} spf_heap;

/* Orders by distance, then by node index so that the settling order (and
 * with it pred on ECMP) does not depend on heap internals. */
static int heap_less(const spf_heap *h, uint32_t a, uint32_t b)
{
	uint64_t da = h->dist[a], db = h->dist[b];
	return da < db || (da == db && a < b);
}

static void heap_set(spf_heap *h, uint32_t i, uint32_t v)
{
	h->v[i] = v;
	h->pos[v] = i;
}

static void heap_up(spf_heap *h, uint32_t i)
{
	uint32_t v = h->v[i];
	while (i > 0) {
		uint32_t p = (i - 1) / 2;
		if (!heap_less(h, v, h->v[p]))
			break;
		heap_set(h, i, h->v[p]);
		i = p;
	}
	heap_set(h, i, v);
}

static void heap_down(spf_heap *h, uint32_t i)
{
	uint32_t v = h->v[i];
	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && heap_less(h, h->v[c + 1], h->v[c]))
			c++;
		if (!heap_less(h, h->v[c], v))
			break;
		heap_set(h, i, h->v[c]);
		i = c;
	}
	heap_set(h, i, v);
}

static uint32_t heap_pop(spf_heap *h)
{
	uint32_t top = h->v[0];
	h->pos[top] = HEAP_NONE;
	h->n--;
	if (h->n > 0) {
		h->v[0] = h->v[h->n];
		h->pos[h->v[0]] = 0;
		heap_down(h, 0);
	}
	return top;
}

/* Inserts v or moves it up after its distance decreased. */
static void heap_update(spf_heap *h, uint32_t v)
{
	if (h->pos[v] == HEAP_NONE) {
		h->v[h->n] = v;
		h->pos[v] = h->n;
		h->n++;
	}
	heap_up(h, h->pos[v]);
}

void spf_compute(spf_tree *tr, const topo *t, uint32_t src)
{
	uint32_t n = t->n_nodes;
	tr->src = src;
	tr->dist = neto_malloc((size_t)n * sizeof *tr->dist);
	tr->npaths = neto_calloc(n, sizeof *tr->npaths);
	tr->pred = neto_malloc((size_t)n * sizeof *tr->pred);
	tr->ulink = neto_calloc((size_t)t->n_links / 64 + 1, sizeof *tr->ulink);
	for (uint32_t v = 0; v < n; v++) {
		tr->dist[v] = SPF_INF;
		tr->pred[v] = TOPO_NONE;
	}
	if (src >= n)
		return;

	spf_heap h = { .n = 0, .dist = tr->dist };
	h.v = neto_malloc((size_t)n * sizeof *h.v);
	h.pos = neto_malloc((size_t)n * sizeof *h.pos);
	memset(h.pos, 0xff, (size_t)n * sizeof *h.pos);

	tr->dist[src] = 0;
	tr->npaths[src] = 1;
	heap_update(&h, src);
	while (h.n > 0) {
		uint32_t u = heap_pop(&h);
		uint64_t du = tr->dist[u];
		for (uint32_t i = t->out_off[u]; i < t->out_off[u + 1]; i++) {
			uint32_t l = t->out_links[i];
			uint32_t w = t->links[l].dst;
			uint64_t nd = du + t->links[l].igp;
			if (nd < tr->dist[w]) {
				/* A strictly shorter way in: it replaces all the
				 * earlier ones, and w inherits u's count. */
				tr->dist[w] = nd;
				tr->npaths[w] = tr->npaths[u];
				tr->pred[w] = l;
				heap_update(&h, w);
			} else if (nd == tr->dist[w]) {
				/* Another shortest way in (another next hop or
				 * a parallel link): the paths add up. pred keeps
				 * the first one found; it is only meaningful as
				 * "the" last link when npaths stays 1. */
				unsigned sum = (unsigned)tr->npaths[w] + tr->npaths[u];
				tr->npaths[w] = (uint8_t)(sum > 2 ? 2 : sum);
			}
		}
	}
	free(h.v);
	free(h.pos);
	for (uint32_t v = 0; v < n; v++)
		if (tr->npaths[v] == 1 && tr->pred[v] != TOPO_NONE)
			tr->ulink[tr->pred[v] / 64] |= (uint64_t)1 << (tr->pred[v] % 64);
}

void spf_tree_free(spf_tree *tr)
{
	free(tr->dist);
	free(tr->npaths);
	free(tr->pred);
	free(tr->ulink);
	tr->ulink = NULL;
	tr->dist = NULL;
	tr->npaths = NULL;
	tr->pred = NULL;
}

void spf_all_init(spf_all *a, const topo *t)
{
	a->t = t;
	a->trees = neto_calloc(t->n_nodes ? t->n_nodes : 1, sizeof *a->trees);
}

const spf_tree *spf_all_get(spf_all *a, uint32_t src)
{
	spf_tree *tr = &a->trees[src];
	if (tr->dist == NULL)
		spf_compute(tr, a->t, src);
	return tr;
}

void spf_all_free(spf_all *a)
{
	if (a->trees != NULL) {
		for (uint32_t v = 0; v < a->t->n_nodes; v++)
			spf_tree_free(&a->trees[v]);
	}
	free(a->trees);
	a->trees = NULL;
}
