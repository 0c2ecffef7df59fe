/*
 * paths.c - candidate paths of every demand pair (te_paths_build, paths.h).
 *
 * The pairs are the distinct (src, dst) of the demand set, whatever their
 * classes; each gets K = the largest K of any class, computed once. They are
 * visited grouped by destination because ksp keeps one reverse shortest-path
 * tree per destination: sorted this way a network with every pair in demand
 * builds each tree once. The IGP trees the encoder needs are per source and
 * kept for all sources (spf_all), so their order does not matter.
 *
 * Each path is encoded within the MSD; those that need more segments are
 * dropped and counted in the pair's n_dropped. Order is kept, so a pair's
 * usable paths stay in ascending delay. A pair with no path at all still gets
 * a record (n_paths 0), which the report shows as unreachable.
 */
#include "te/paths.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/mem.h"
#include "te/ksp.h"
#include "te/spf.h"
#include "te/srv6.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : (x > y);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The distinct pairs as (dst << 32 | src), sorted: grouped by destination. */
static size_t distinct_pairs(const demand_set *ds, uint64_t **out)
{
	uint64_t *keys = neto_malloc((ds->n ? ds->n : 1) * sizeof *keys);
	for (size_t i = 0; i < ds->n; i++)
		keys[i] = ((uint64_t)ds->v[i].dst << 32) | ds->v[i].src;
	qsort(keys, ds->n, sizeof *keys, cmp_u64);
	size_t n = 0;
	for (size_t i = 0; i < ds->n; i++)
		if (n == 0 || keys[n - 1] != keys[i])
			keys[n++] = keys[i];
	*out = keys;
	return n;
}

int te_paths_build(te_pathset *ps, const topo *t, const class_set *cs, const demand_set *ds,
		   const te_paths_opts *opts, neto_err *err)
{
	if (opts->msd < 1)
		return neto_err_set(err, "maximum SID depth must be at least 1");
	uint32_t k = class_max_k(cs);
	if (k < 1 || k > TE_MAX_K)
		return neto_err_set(err, "paths per demand must be between 1 and %d", TE_MAX_K);
	for (size_t i = 0; i < ds->n; i++) {
		const demand *d = &ds->v[i];
		if (d->src >= t->n_nodes || d->dst >= t->n_nodes)
			return neto_err_set(err, "demand %zu: node out of range", i);
	}

	uint64_t *keys;
	size_t n_pairs = distinct_pairs(ds, &keys);
	ps->msd = opts->msd;

	ksp_ctx *kc = ksp_ctx_new(t);
	ksp_result r;
	ksp_result_init(&r);
	spf_all spf;
	spf_all_init(&spf, t);
	uint32_t *segs = neto_malloc((size_t)opts->msd * sizeof *segs);
#ifndef NDEBUG
	uint32_t *check = neto_malloc((size_t)t->n_nodes * sizeof *check);
#endif

	int rc = 0;
	double start = now_s(), last = start;
	for (size_t i = 0; i < n_pairs; i++) {
		uint32_t src = (uint32_t)keys[i], dst = (uint32_t)(keys[i] >> 32);
		te_pair *pair = te_pathset_add_pair(ps, src, dst);
		ksp_compute(kc, src, dst, k, &r);
		uint32_t dropped = 0;
		for (uint32_t p = 0; p < r.n_paths; p++) {
			const uint32_t *links = r.links + r.off[p];
			uint32_t nl = r.off[p + 1] - r.off[p];
			if (ps->n_links + nl > UINT32_MAX || ps->n_segs + opts->msd > UINT32_MAX ||
			    ps->n_paths >= UINT32_MAX) {
				/* Offsets in the path set are 32-bit. */
				rc = neto_err_set(err, "more candidate paths than the path set can index "
						  "(%zu paths, %zu links); use fewer paths per demand",
						  ps->n_paths, ps->n_links);
				goto out;
			}
			int ns = srv6_encode(&spf, links, nl, segs, opts->msd);
			if (ns < 0) {
				dropped++;
				continue;
			}
#ifndef NDEBUG
			/* Self check in debug builds: the routers, given these
			 * segments, would walk exactly this path. */
			int nr = srv6_replay(&spf, src, segs, (uint32_t)ns, check, t->n_nodes);
			assert(nr == (int)nl && memcmp(check, links, nl * sizeof *links) == 0);
#endif
			te_pathset_add_path(ps, links, nl, segs, (uint32_t)ns, r.delay[p]);
		}
		pair->n_dropped = dropped; /* add_path grows other pools: pair is valid */
		if (opts->progress && (i & 1023) == 1023) {
			double now = now_s();
			if (now - last >= 2.0) {
				fprintf(stderr, "paths: %zu / %zu pairs (%.0f s)\n", i + 1, n_pairs,
					now - start);
				last = now;
			}
		}
	}
	if (opts->progress && last != start)
		fprintf(stderr, "paths: %zu / %zu pairs (%.0f s)\n", n_pairs, n_pairs, now_s() - start);

out:
	free(segs);
#ifndef NDEBUG
	free(check);
#endif
	spf_all_free(&spf);
	ksp_result_free(&r);
	ksp_ctx_free(kc);
	free(keys);
	return rc;
}
