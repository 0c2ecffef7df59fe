/*
 * verify.c - the congestion-free property of a transition plan (SWAN,
 * zUpdate), checked exactly.
 *
 * Routers apply a step's updates in any order, and each head-end switches
 * all of a tunnel's rates at once. So during the step from configuration i
 * to i + 1, a tunnel loads link l with either its old or its new load there,
 * and the worst case over all orders is the sum over tunnels of the larger
 * of the two. This is a per-tunnel maximum, not a per-path one: a tunnel
 * that moves traffic from one of its paths to another never carries both.
 *
 * For each step the tunnels are walked once. A tunnel's loads on the links
 * it touches are accumulated in two dense scratch arrays (old and new) with
 * a list of the links touched, and then folded into the step's total and
 * cleared through that list, so a step costs time linear in the links of the
 * paths that carry traffic in either configuration, not in tunnels x links.
 * An entry with rate 0 on both sides is skipped.
 */
#include "plan/plan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"

/* Relative tolerance on capacity (plan.h). */
#define PLAN_VERIFY_TOL 1e-9

size_t plan_verify(const plan_space *s, const double *const *cfg, size_t n, plan_violation *v,
		   size_t max_v, double *worst)
{
	if (n < 2)
		return 0;
	const topo *t = s->t;
	uint32_t nl = t->n_links;
	double *total = neto_calloc(nl, sizeof *total);
	double *la = neto_calloc(nl, sizeof *la);
	double *lb = neto_calloc(nl, sizeof *lb);
	uint32_t *touched = neto_calloc(nl, sizeof *touched);
	uint8_t *mark = neto_calloc(nl, 1);
	size_t found = 0;

	for (size_t step = 0; step + 1 < n; step++) {
		const double *a = cfg[step], *b = cfg[step + 1];
		memset(total, 0, (size_t)nl * sizeof *total);
		for (size_t ti = 0; ti < s->n_tunnels; ti++) {
			const plan_tunnel *tu = &s->tunnels[ti];
			uint32_t nt = 0;
			for (uint32_t e = tu->entry_off; e < tu->entry_off + tu->n_entries; e++) {
				double ra = a[e], rb = b[e];
				if (ra == 0 && rb == 0)
					continue;
				const plan_entry *en = &s->entries[e];
				const uint32_t *lk = s->links + en->link_off;
				for (uint32_t i = 0; i < en->n_links; i++) {
					uint32_t l = lk[i];
					if (!mark[l]) {
						mark[l] = 1;
						touched[nt++] = l;
					}
					la[l] += ra;
					lb[l] += rb;
				}
			}
			for (uint32_t k = 0; k < nt; k++) {
				uint32_t l = touched[k];
				double m = la[l] < lb[l] ? lb[l] : la[l];
				if (isnan(la[l]) || isnan(lb[l]))
					m = (double)NAN; /* never let a bad number pass as a small one */
				total[l] += m;
				la[l] = lb[l] = 0;
				mark[l] = 0;
			}
		}
		double peak = 0;
		for (uint32_t l = 0; l < nl; l++) {
			double cap = t->links[l].capacity;
			double u = total[l] / cap;
			if (u > peak || isnan(u))
				peak = u;
			if (total[l] <= cap * (1 + PLAN_VERIFY_TOL))
				continue;
			if (v != NULL && found < max_v)
				v[found] = (plan_violation){
					.step = step, .link = l, .load = total[l], .capacity = cap
				};
			found++;
		}
		if (worst != NULL)
			worst[step] = peak;
	}
	free(total);
	free(la);
	free(lb);
	free(touched);
	free(mark);
	return found;
}
