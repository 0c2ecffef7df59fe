/*
 * pathset.c - storage of candidate paths: flat pools of links and segments,
 * one record per (src, dst) pair, and a hash index on the pair (see paths.h).
 * Flat pools keep the millions of paths of a large network in a few
 * allocations.
 */
#include "te/paths.h"

#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"

#define SLOT_EMPTY UINT32_MAX

void te_pathset_init(te_pathset *ps)
{
	memset(ps, 0, sizeof *ps);
}

void te_pathset_free(te_pathset *ps)
{
	free(ps->pairs);
	free(ps->paths);
	free(ps->links);
	free(ps->segs);
	free(ps->slots);
	te_pathset_init(ps);
}

static size_t pair_hash(uint32_t src, uint32_t dst)
{
	uint64_t k = ((uint64_t)src << 32) | dst;
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return (size_t)k;
}

static void index_insert(te_pathset *ps, uint32_t idx)
{
	size_t mask = ps->n_slots - 1;
	const te_pair *p = &ps->pairs[idx];
	size_t i = pair_hash(p->src, p->dst) & mask;
	while (ps->slots[i] != SLOT_EMPTY)
		i = (i + 1) & mask;
	ps->slots[i] = idx;
}

static void index_grow(te_pathset *ps)
{
	free(ps->slots);
	ps->n_slots = ps->n_slots ? ps->n_slots * 2 : 64;
	ps->slots = neto_malloc(ps->n_slots * sizeof *ps->slots);
	memset(ps->slots, 0xff, ps->n_slots * sizeof *ps->slots);
	for (size_t i = 0; i < ps->n_pairs; i++)
		index_insert(ps, (uint32_t)i);
}

const te_pair *te_paths_find(const te_pathset *ps, uint32_t src, uint32_t dst)
{
	if (ps->n_slots == 0)
		return NULL;
	size_t mask = ps->n_slots - 1;
	for (size_t i = pair_hash(src, dst) & mask; ps->slots[i] != SLOT_EMPTY; i = (i + 1) & mask) {
		const te_pair *p = &ps->pairs[ps->slots[i]];
		if (p->src == src && p->dst == dst)
			return p;
	}
	return NULL;
}

/* Grows a pool so that it holds need elements; capacities double. */
static void *pool_reserve(void *v, size_t *cap_elems, size_t need, size_t elem)
{
	if (need <= *cap_elems)
		return v;
	size_t c = *cap_elems ? *cap_elems : 256;
	while (c < need)
		c *= 2;
	*cap_elems = c;
	return neto_reallocarray(v, c, elem);
}

/* Pools are allocated to the smallest power of two (at least 256) that holds
 * their count, so the capacity is derived from the count and not stored. */
static size_t pow2_cap(size_t n)
{
	if (n == 0)
		return 0;
	size_t c = 256;
	while (c < n)
		c *= 2;
	return c;
}

te_pair *te_pathset_add_pair(te_pathset *ps, uint32_t src, uint32_t dst)
{
	size_t cap = pow2_cap(ps->n_pairs);
	ps->pairs = pool_reserve(ps->pairs, &cap, ps->n_pairs + 1, sizeof *ps->pairs);
	te_pair *p = &ps->pairs[ps->n_pairs];
	p->src = src;
	p->dst = dst;
	p->path_off = (uint32_t)ps->n_paths;
	p->n_paths = 0;
	p->n_dropped = 0;
	ps->n_pairs++;
	if (ps->n_pairs * 2 > ps->n_slots)
		index_grow(ps);
	else
		index_insert(ps, (uint32_t)(ps->n_pairs - 1));
	return p;
}

void te_pathset_add_path(te_pathset *ps, const uint32_t *links, uint32_t n_links,
			 const uint32_t *segs, uint32_t n_segs, double delay)
{
	size_t cap = pow2_cap(ps->n_paths);
	ps->paths = pool_reserve(ps->paths, &cap, ps->n_paths + 1, sizeof *ps->paths);
	cap = pow2_cap(ps->n_links);
	ps->links = pool_reserve(ps->links, &cap, ps->n_links + n_links, sizeof *ps->links);
	cap = pow2_cap(ps->n_segs);
	ps->segs = pool_reserve(ps->segs, &cap, ps->n_segs + n_segs, sizeof *ps->segs);
	te_path *p = &ps->paths[ps->n_paths++];
	p->link_off = (uint32_t)ps->n_links;
	p->n_links = n_links;
	p->seg_off = (uint32_t)ps->n_segs;
	p->n_segs = n_segs;
	p->delay = delay;
	memcpy(ps->links + ps->n_links, links, n_links * sizeof *links);
	ps->n_links += n_links;
	if (n_segs)
		memcpy(ps->segs + ps->n_segs, segs, n_segs * sizeof *segs);
	ps->n_segs += n_segs;
	ps->pairs[ps->n_pairs - 1].n_paths++;
}
