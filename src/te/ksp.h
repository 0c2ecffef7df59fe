/*
 * ksp.h - K loopless paths of lowest delay between two nodes (Yen).
 *
 * Paths are ordered by delay; ties are broken deterministically: first the
 * path sharing fewer links with the paths already chosen, then fewer hops,
 * then the lexicographically smaller sequence of link indices.
 *
 * Ownership: a ksp_ctx holds scratch memory reused across calls (one per
 * thread); results are appended to a caller-owned ksp_result.
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
 * loopless paths exist, none when dst is unreachable). */
void ksp_compute(ksp_ctx *c, uint32_t src, uint32_t dst, uint32_t k, ksp_result *r);

#endif
