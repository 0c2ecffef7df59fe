/*
 * spf.h - IGP shortest paths with ECMP awareness.
 *
 * Segment routing steers traffic only where it departs from what the IGP
 * would do by itself, so the encoder needs, for a source s and every node v:
 * the IGP distance, whether the shortest path is unique (ECMP over parallel
 * links or different next hops counts as not unique), and the last link of
 * the unique shortest path.
 *
 * Ownership: spf_tree arrays belong to the tree; spf_tree_free releases them.
 */
#ifndef NETO_TE_SPF_H
#define NETO_TE_SPF_H

#include <stdint.h>

#include "topo/topo.h"

#define SPF_INF UINT64_MAX

typedef struct spf_tree {
	uint32_t src;
	uint64_t *dist;     /* IGP distance from src, SPF_INF if unreachable */
	uint8_t *npaths;    /* number of shortest paths, saturating at 2 */
	uint32_t *pred;     /* last link of a shortest path (TOPO_NONE for src) */
	/* Bit set over links: bit l (ulink[l / 64] >> (l % 64) & 1) is set iff
	 * link l is the last link of the unique shortest path to its head. A
	 * few hundred bytes per tree, so the encoder's hot test stays in cache. */
	uint64_t *ulink;
} spf_tree;

/* Is link l the last link of the unique shortest path to its head? */
static inline int spf_unique_last(const spf_tree *tr, uint32_t l)
{
	return (int)((tr->ulink[l / 64] >> (l % 64)) & 1);
}

/* Dijkstra on IGP metrics from src over a finished topology. Allocates the
 * tree's arrays; tr's previous contents are not freed (pass a fresh tree or
 * one released by spf_tree_free). pred of a node with npaths == 2 is one of
 * its shortest-path last links; with npaths == 1 it is the only one. */
void spf_compute(spf_tree *tr, const topo *t, uint32_t src);
void spf_tree_free(spf_tree *tr);

/* Lazily computed trees for every source (for the encoder). */
typedef struct spf_all {
	const topo *t;
	spf_tree *trees;    /* n_nodes entries; dist == NULL until computed */
} spf_all;

/* Borrows t, which must outlive a. Memory grows to n_nodes trees of
 * 13 bytes per node each as sources are asked for. */
void spf_all_init(spf_all *a, const topo *t);
/* The tree of src (src < n_nodes), computed on first use; owned by a. */
const spf_tree *spf_all_get(spf_all *a, uint32_t src);
void spf_all_free(spf_all *a);

#endif
