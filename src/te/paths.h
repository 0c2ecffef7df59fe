/*
 * paths.h - candidate paths of every (src, dst) pair that carries demand.
 *
 * Paths are computed once per pair (shared by the classes of that pair) with
 * K = the largest K of the classes present, encoded as SRv6 segment lists,
 * and dropped when they need more segments than the MSD. Each pair keeps its
 * usable paths in ascending delay order.
 *
 * Ownership: a te_pathset owns all of its arrays.
 */
#ifndef NETO_TE_PATHS_H
#define NETO_TE_PATHS_H

#include <stddef.h>
#include <stdint.h>

#include "demand/demand.h"
#include "lib/err.h"
#include "topo/topo.h"

typedef struct te_path {
	uint32_t link_off;   /* into te_pathset.links */
	uint32_t n_links;
	uint32_t seg_off;    /* into te_pathset.segs */
	uint32_t n_segs;
	double delay;        /* us */
} te_path;

typedef struct te_pair {
	uint32_t src, dst;
	uint32_t path_off;   /* into te_pathset.paths */
	uint32_t n_paths;    /* usable paths (within MSD), ascending delay */
	uint32_t n_dropped;  /* loopless paths found but not encodable within MSD */
} te_pair;

typedef struct te_pathset {
	te_pair *pairs;
	size_t n_pairs;
	te_path *paths;
	size_t n_paths;
	uint32_t *links;
	size_t n_links;
	uint32_t *segs;
	size_t n_segs;
	uint32_t msd;
	/* index (src, dst) -> pair, open addressing */
	uint32_t *slots;
	size_t n_slots;
} te_pathset;

typedef struct te_paths_opts {
	uint32_t msd;        /* maximum SID depth, >= 1 */
	int progress;        /* print progress to stderr on long runs */
} te_paths_opts;

void te_pathset_init(te_pathset *ps);
void te_pathset_free(te_pathset *ps);

/* Computes paths for every distinct (src, dst) of ds into an empty ps (just
 * initialised): K = class_max_k(cs) loopless paths of lowest delay per pair
 * (ksp.h), each encoded within opts->msd segments (srv6.h). Pairs are stored
 * grouped by destination; look them up with te_paths_find. Fails only on
 * invalid options, demands naming nodes outside t, or more paths than the
 * set's 32-bit offsets can index (ps then holds the pairs done so far and is
 * still to be freed by the caller). */
int te_paths_build(te_pathset *ps, const topo *t, const class_set *cs, const demand_set *ds,
		   const te_paths_opts *opts, neto_err *err);

/* The pair record of (src, dst), or NULL when it has none. */
const te_pair *te_paths_find(const te_pathset *ps, uint32_t src, uint32_t dst);

/* Low-level building (pathset.c), used by te_paths_build and by tests that
 * need hand-made path sets. Pairs are added once; a pair's paths must be
 * added right after it, in ascending delay. */
te_pair *te_pathset_add_pair(te_pathset *ps, uint32_t src, uint32_t dst);
/* Appends a path to the last pair added; links and segs are copied. */
void te_pathset_add_path(te_pathset *ps, const uint32_t *links, uint32_t n_links,
			 const uint32_t *segs, uint32_t n_segs, double delay);

#endif
