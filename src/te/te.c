/*
 * te.c - the allocation problem (demand -> candidate paths) and the driver
 * that serves classes in strict precedence (see te.h).
 */
#include "te/te.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/mem.h"

static int cmp_class(const void *a, const void *b, void *ctx)
{
	const te_class *cls = ctx;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	uint32_t px = cls[x].priority, py = cls[y].priority;
	if (px != py)
		return px < py ? -1 : 1;
	return x < y ? -1 : (x > y);
}

int te_problem_build(te_problem *p, const topo *t, const class_set *cs, const demand_set *ds,
		     const te_pathset *ps, neto_err *err)
{
	memset(p, 0, sizeof *p);
	p->topo = t;
	p->classes = cs;
	p->demands = ds;
	p->paths = ps;
	if (cs->n == 0)
		return neto_err_set(err, "no traffic classes");

	size_t n = ds->n;
	p->dp_off = neto_malloc((n + 1) * sizeof *p->dp_off);
	size_t cap = n * 4 + 1, used = 0;
	p->dp = neto_malloc(cap * sizeof *p->dp);
	for (size_t d = 0; d < n; d++) {
		const demand *dm = &ds->v[d];
		const te_class *c = &cs->v[dm->cls];
		p->dp_off[d] = (uint32_t)used;
		const te_pair *pr = te_paths_find(ps, dm->src, dm->dst);
		if (pr == NULL)
			continue;
		uint32_t taken = 0;
		for (uint32_t i = 0; i < pr->n_paths && taken < c->k_paths; i++) {
			const te_path *path = &ps->paths[pr->path_off + i];
			if (c->max_delay > 0 && path->delay > c->max_delay)
				continue;
			if (used == cap) {
				cap *= 2;
				p->dp = neto_reallocarray(p->dp, cap, sizeof *p->dp);
			}
			p->dp[used++] = pr->path_off + i;
			taken++;
		}
		if (used > UINT32_MAX - TE_MAX_K) {
			te_problem_free(p);
			return neto_err_set(err, "too many demand paths (%zu)", used);
		}
	}
	p->dp_off[n] = (uint32_t)used;

	uint32_t nc = cs->n;
	p->class_order = neto_malloc(nc * sizeof *p->class_order);
	for (uint32_t i = 0; i < nc; i++)
		p->class_order[i] = i;
	qsort_r(p->class_order, nc, sizeof *p->class_order, cmp_class, cs->v);
	uint32_t *rank = neto_malloc(nc * sizeof *rank);
	for (uint32_t i = 0; i < nc; i++)
		rank[p->class_order[i]] = i;
	p->class_off = neto_calloc(nc + 1, sizeof *p->class_off);
	for (size_t d = 0; d < n; d++)
		p->class_off[rank[ds->v[d].cls] + 1]++;
	for (uint32_t i = 0; i < nc; i++)
		p->class_off[i + 1] += p->class_off[i];
	uint32_t *fill = neto_malloc(nc * sizeof *fill);
	memcpy(fill, p->class_off, nc * sizeof *fill);
	p->by_class = neto_malloc((n ? n : 1) * sizeof *p->by_class);
	for (size_t d = 0; d < n; d++)
		p->by_class[fill[rank[ds->v[d].cls]]++] = (uint32_t)d;
	free(fill);
	free(rank);
	return 0;
}

void te_problem_free(te_problem *p)
{
	free(p->dp_off);
	free(p->dp);
	free(p->class_order);
	free(p->class_off);
	free(p->by_class);
	memset(p, 0, sizeof *p);
}

int te_solve(const te_problem *p, te_class_fn fn, double *rate, neto_err *err)
{
	const topo *t = p->topo;
	double *cap = neto_malloc((t->n_links ? t->n_links : 1) * sizeof *cap);
	for (uint32_t l = 0; l < t->n_links; l++)
		cap[l] = t->links[l].capacity;
	memset(rate, 0, te_problem_n_rates(p) * sizeof *rate);
	int rc = 0;
	for (uint32_t i = 0; i < p->classes->n && rc == 0; i++) {
		size_t n = p->class_off[i + 1] - p->class_off[i];
		if (n == 0)
			continue;
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		rc = fn(p, p->by_class + p->class_off[i], n, cap, rate, err);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (p->progress && rc == 0)
			fprintf(p->progress, "neto te: class %s: %zu demands allocated in %.2f s\n",
				p->classes->v[p->class_order[i]].name, n,
				(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9);
	}
	free(cap);
	return rc;
}
