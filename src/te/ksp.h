/*
 * ksp.h - K loopless paths of lowest delay between two nodes (Yen).
 *
 * Paths are ordered by delay; ties are broken deterministically: first the
 * path sharing fewer links with the paths already chosen, then fewer hops,
 * then the lexicographically smaller sequence of link indices. Delays are
 * compared with a relative tolerance of 1e-9. Links are distinct by index,
 * so parallel links give distinct paths. The same query gives the same
 * answer whatever was asked before and on whichever context.
 *
 * Speed: a context keeps the reverse shortest-path tree of the last
 * destination asked for; ask for all the sources of one destination in a
 * row (ksp.c explains the rest).
 *
 * Ownership: a ksp_ctx holds scratch memory reused across calls (one per
 * thread) and borrows the finished topology, which must outlive it; results
 * go to a caller-owned ksp_result, whose arrays grow as needed and are
 * released by ksp_result_free.
 */
#ifndef NETO_TE_KSP_H
#define NETO_TE_KSP_H

#include <stddef.h>
#include <stdint.h>

#include "topo/topo.h"

typedef struct ksp_result {
	uint32_t n_paths;
	uint32_t *off;      /* path i has links links[off[i] .. off[i+1]) ; n_paths+1 entries */
	uint32_t *links;
	double *delay;      /* n_paths entries, us */
	uint32_t cap_paths;
	size_t cap_links;
} ksp_result;

typedef struct ksp_ctx ksp_ctx;

ksp_ctx *ksp_ctx_new(const topo *t);
void ksp_ctx_free(ksp_ctx *c);

void ksp_result_init(ksp_result *r);
void ksp_result_free(ksp_result *r);

/* Replaces r's contents with up to k paths from src to dst (fewer when fewer
 * loopless paths exist, none when dst is unreachable, src == dst, k == 0 or
 * a node is out of range). r->delay[i] is the sum of the path's link delays
 * in path order. */
void ksp_compute(ksp_ctx *c, uint32_t src, uint32_t dst, uint32_t k, ksp_result *r);

#endif
