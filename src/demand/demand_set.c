/*
 * demand_set.c - the demand matrix as a flat array of (src, dst, class, rate)
 * with an open-addressing index (see demand.h).
 *
 * Large REPETITA matrices hold hundreds of thousands of demands and CSV files
 * may repeat a triple, so every add looks the triple up: the index is a table
 * of positions in v (UINT32_MAX = empty), linear probing, kept at most half
 * full, rebuilt from v when it doubles. Nothing is ever removed, so there are
 * no tombstones. Positions are 32-bit: a set holds fewer than 2^32 - 1
 * demands (adding more aborts, like running out of memory).
 */
#include "demand/demand.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"

#define SLOT_EMPTY UINT32_MAX

void demand_set_init(demand_set *ds)
{
	memset(ds, 0, sizeof *ds);
}

void demand_set_free(demand_set *ds)
{
	free(ds->v);
	free(ds->slots);
	demand_set_init(ds);
}

static size_t triple_hash(uint32_t src, uint32_t dst, uint32_t cls)
{
	uint64_t k = ((uint64_t)src << 32 | dst) ^ ((uint64_t)cls * 0x9E3779B97F4A7C15ULL);
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	k ^= k >> 33;
	return (size_t)k;
}

static void index_insert(demand_set *ds, uint32_t idx)
{
	size_t mask = ds->n_slots - 1;
	const demand *d = &ds->v[idx];
	size_t i = triple_hash(d->src, d->dst, d->cls) & mask;
	while (ds->slots[i] != SLOT_EMPTY)
		i = (i + 1) & mask;
	ds->slots[i] = idx;
}

static void index_grow(demand_set *ds)
{
	free(ds->slots);
	ds->n_slots = ds->n_slots ? ds->n_slots * 2 : 64;
	ds->slots = neto_reallocarray(NULL, ds->n_slots, sizeof *ds->slots);
	memset(ds->slots, 0xff, ds->n_slots * sizeof *ds->slots);
	for (size_t i = 0; i < ds->n; i++)
		index_insert(ds, (uint32_t)i);
}

size_t demand_find(const demand_set *ds, uint32_t src, uint32_t dst, uint32_t cls)
{
	if (ds->n_slots == 0)
		return SIZE_MAX;
	size_t mask = ds->n_slots - 1;
	for (size_t i = triple_hash(src, dst, cls) & mask; ds->slots[i] != SLOT_EMPTY;
	     i = (i + 1) & mask) {
		const demand *d = &ds->v[ds->slots[i]];
		if (d->src == src && d->dst == dst && d->cls == cls)
			return ds->slots[i];
	}
	return SIZE_MAX;
}

size_t demand_add(demand_set *ds, uint32_t src, uint32_t dst, uint32_t cls, double rate)
{
	size_t at = demand_find(ds, src, dst, cls);
	if (at != SIZE_MAX) {
		ds->v[at].rate += rate;
		return at;
	}
	if (ds->n >= SLOT_EMPTY - 1) {
		fprintf(stderr, "neto: more than %u demands\n", SLOT_EMPTY - 1);
		abort();
	}
	if (ds->n == ds->cap) {
		ds->cap = ds->cap ? ds->cap * 2 : 64;
		ds->v = neto_reallocarray(ds->v, ds->cap, sizeof *ds->v);
	}
	ds->v[ds->n] = (demand){ .src = src, .dst = dst, .cls = cls, .rate = rate };
	size_t idx = ds->n++;
	if (ds->n * 2 > ds->n_slots)
		index_grow(ds); /* re-inserts everything, idx included */
	else
		index_insert(ds, (uint32_t)idx);
	return idx;
}
