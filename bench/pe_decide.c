/*
 * pe_decide.c - the peering decision at scale and against the exact model.
 *
 * Part 1: N prefixes (default 1,000,000) over 4 ISPs, each a link; 90% of
 * prefixes reachable through all four, the rest through two or three
 * (peers' customer cones); traffic on T of them (default 100,000), heavy
 * tailed, 3 classes, total 80% of the links' headroom but skewed so that
 * the lowest-latency link of many prefixes overloads. Cycle 1 starts from
 * BGP's choice; cycles 2.. perturb every rate by up to +-20% and run 60 s
 * later (hold-down 300 s): moves per cycle in steady state. Medians of R
 * runs.
 *
 * Part 2: heuristic against the exact GLPK MIP on instances it solves in
 * time (4 links, 100 and 1000 demands, one class, no stability rules, a
 * 20 s limit per MIP): the ratio of traffic-weighted latency, and how often
 * only the exact model fits.
 *
 * usage: pe_decide [PREFIXES [TRAFFIC-PREFIXES [RUNS]]]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/mem.h"
#include "pe/decide.h"

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t rs = 88172645463325252ULL;
static double rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return (double)(rs >> 11) * (1.0 / 9007199254740992.0);
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

typedef struct inst {
	pe_problem p;
	double *cap;
	uint32_t *egress_link, *cand_off, *cand_egress, *bgp_best;
	float *cand_lat;
	pe_demand *dem;
} inst;

static void inst_free(inst *t)
{
	free(t->cap);
	free(t->egress_link);
	free(t->cand_off);
	free(t->cand_egress);
	free(t->bgp_best);
	free(t->cand_lat);
	free(t->dem);
}

/* n_links ISPs; link 0 is the cheapest path for many (skew). */
static void make(inst *t, size_t n_pfx, size_t n_traffic, size_t n_links, unsigned n_class,
		 double fill, bool partial)
{
	memset(t, 0, sizeof *t);
	t->cap = neto_malloc(n_links * sizeof *t->cap);
	t->egress_link = neto_malloc(n_links * sizeof *t->egress_link);
	for (size_t l = 0; l < n_links; l++) {
		t->cap[l] = l == 0 ? 400e9 : 100e9 + 100e9 * (double)l;
		t->egress_link[l] = (uint32_t)l;
	}
	t->cand_off = neto_malloc((n_pfx + 1) * sizeof *t->cand_off);
	t->cand_egress = neto_malloc(n_pfx * n_links * sizeof *t->cand_egress);
	t->cand_lat = neto_malloc(n_pfx * n_links * sizeof *t->cand_lat);
	t->bgp_best = neto_malloc(n_pfx * sizeof *t->bgp_best);
	size_t nc = 0;
	for (size_t i = 0; i < n_pfx; i++) {
		t->cand_off[i] = (uint32_t)nc;
		bool all = !partial || rnd() < 0.9;
		size_t first = nc;
		for (size_t l = 0; l < n_links; l++) {
			if (!all && l != 0 && rnd() < 0.5)
				continue;
			t->cand_egress[nc] = (uint32_t)l;
			/* link 0 (the big peer) is usually fastest */
			t->cand_lat[nc] = (float)(l == 0 ? 5 + 40 * rnd() : 10 + 140 * rnd());
			nc++;
		}
		/* BGP: some candidate, not latency-aware */
		t->bgp_best[i] = t->cand_egress[first + (size_t)(rnd() * (double)(nc - first))];
	}
	t->cand_off[n_pfx] = (uint32_t)nc;
	t->dem = neto_malloc(n_traffic * sizeof *t->dem);
	double sum = 0;
	for (size_t d = 0; d < n_traffic; d++) {
		double u = rnd();
		t->dem[d].pfx = (uint32_t)(((size_t)(rnd() * (double)n_pfx) + d) % n_pfx);
		t->dem[d].cls = (uint8_t)(rnd() * n_class);
		t->dem[d].rate = 1 / (0.001 + u * u);
		sum += t->dem[d].rate;
	}
	double room = 0;
	for (size_t l = 0; l < n_links; l++)
		room += 0.95 * t->cap[l];
	for (size_t d = 0; d < n_traffic; d++)
		t->dem[d].rate *= fill * room / sum;
	pe_problem p = {
		.n_links = n_links, .cap = t->cap, .n_egress = n_links,
		.egress_link = t->egress_link, .n_pfx = n_pfx, .cand_off = t->cand_off,
		.cand_egress = t->cand_egress, .cand_lat = t->cand_lat, .bgp_best = t->bgp_best,
		.n_dem = n_traffic, .dem = t->dem, .n_class = n_class,
	};
	t->p = p;
}

static void scale_part(size_t n_pfx, size_t n_traffic, int runs)
{
	double *t1 = neto_calloc((size_t)runs, sizeof *t1), *t2 = neto_calloc((size_t)runs, 8);
	double *m1 = neto_calloc((size_t)runs, 8), *m2 = neto_calloc((size_t)runs, 8);
	double *ov = neto_calloc((size_t)runs, 8);
	size_t dems = 0;
	for (int r = 0; r < runs; r++) {
		inst t;
		make(&t, n_pfx, n_traffic, 4, 3, 0.8, true);
		/* duplicate (prefix, class) pairs are merged by the caller in
		 * real use; here they are just two demands */
		dems = t.p.n_dem;
		pe_opts o;
		pe_opts_default(&o);
		pe_state s;
		pe_state_init(&s);
		pe_state_fit(&s, n_pfx, 3);
		pe_result res;
		neto_err err;
		double a = mono();
		if (pe_decide(&t.p, &o, &s, 0, &res, &err) != 0) {
			fprintf(stderr, "pe_decide: %s\n", err.msg);
			exit(1);
		}
		t1[r] = mono() - a;
		m1[r] = (double)res.n_moves;
		pe_result_free(&res);
		/* steady state: rates drift, a minute later */
		double moves = 0, tt = 0, over = 0;
		for (int c = 1; c <= 5; c++) {
			for (size_t d = 0; d < t.p.n_dem; d++)
				t.dem[d].rate *= 0.8 + 0.4 * rnd();
			a = mono();
			if (pe_decide(&t.p, &o, &s, 60.0 * c, &res, &err) != 0) {
				fprintf(stderr, "pe_decide: %s\n", err.msg);
				exit(1);
			}
			tt += mono() - a;
			moves += (double)res.n_moves;
			over += (double)res.n_overloaded;
			pe_result_free(&res);
		}
		t2[r] = tt / 5;
		m2[r] = moves / 5;
		ov[r] = over / 5;
		pe_state_free(&s);
		inst_free(&t);
	}
	qsort(t1, (size_t)runs, 8, cmp_d);
	qsort(t2, (size_t)runs, 8, cmp_d);
	qsort(m1, (size_t)runs, 8, cmp_d);
	qsort(m2, (size_t)runs, 8, cmp_d);
	qsort(ov, (size_t)runs, 8, cmp_d);
	printf("scale: %zu prefixes, %zu demands, 4 ISPs, 3 classes, %d runs (medians)\n", n_pfx,
	       dems, runs);
	printf("  cycle 1 (from BGP): %.3f s, %.0f moves\n", t1[runs / 2], m1[runs / 2]);
	printf("  steady cycles (+-20%% drift, 60 s apart): %.3f s, %.0f moves per cycle, "
	       "%.1f links over headroom\n", t2[runs / 2], m2[runs / 2], ov[runs / 2]);
	free(t1);
	free(t2);
	free(m1);
	free(m2);
	free(ov);
}

static void exact_part(size_t n_dem, int count, double tlim)
{
	double *ratio = neto_calloc((size_t)count, 8), *te = neto_calloc((size_t)count, 8);
	double *th = neto_calloc((size_t)count, 8);
	int nr = 0, only_exact = 0, infeasible = 0, timeout = 0;
	for (int i = 0; i < count; i++) {
		inst t;
		make(&t, n_dem, n_dem, 4, 1, 0.85, true);
		/* one demand per prefix */
		for (size_t d = 0; d < n_dem; d++)
			t.dem[d].pfx = (uint32_t)d;
		pe_opts o;
		pe_opts_default(&o);
		o.min_gain_ms = 0;
		o.max_moves = SIZE_MAX;
		o.hold_s = 0;
		pe_state s;
		pe_state_init(&s);
		pe_result res;
		neto_err err;
		double a = mono();
		if (pe_decide(&t.p, &o, &s, 0, &res, &err) != 0)
			exit(1);
		double b = mono();
		pe_exact_result x;
		if (pe_exact(&t.p, 0.95, tlim, &x, &err) != 0) {
			fprintf(stderr, "pe_decide: %s\n", err.msg);
			exit(1);
		}
		double c = mono();
		if (x.status == PE_EXACT_INFEASIBLE) {
			infeasible++;
		} else if (x.status != PE_EXACT_OPTIMAL) {
			timeout++;
		} else if (res.n_overloaded > 0) {
			only_exact++;
		} else {
			ratio[nr] = res.lat_sum / x.lat_sum;
			th[nr] = b - a;
			te[nr] = c - b;
			nr++;
		}
		pe_exact_free(&x);
		pe_result_free(&res);
		pe_state_free(&s);
		inst_free(&t);
	}
	qsort(ratio, (size_t)nr, 8, cmp_d);
	qsort(th, (size_t)nr, 8, cmp_d);
	qsort(te, (size_t)nr, 8, cmp_d);
	printf("exact: %zu demands x 4 ISPs, %d instances: ", n_dem, count);
	if (nr > 0)
		printf("both feasible %d, heuristic/exact latency median %.4f, max %.4f; time "
		       "heuristic %.2f ms, exact %.2f s (medians); ", nr, ratio[nr / 2],
		       ratio[nr - 1], th[nr / 2] * 1e3, te[nr / 2]);
	printf("only exact fits %d, infeasible %d, exact not optimal within %.0f s %d\n",
	       only_exact, infeasible, tlim, timeout);
	free(ratio);
	free(te);
	free(th);
}

int main(int argc, char **argv)
{
	size_t n_pfx = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	size_t n_traffic = argc > 2 ? strtoul(argv[2], NULL, 10) : 100000;
	int runs = argc > 3 ? atoi(argv[3]) : 3;
	if (n_pfx == 0 || n_traffic == 0 || runs < 1) {
		fprintf(stderr, "usage: pe_decide [PREFIXES [TRAFFIC-PREFIXES [RUNS]]]\n");
		return 2;
	}
	scale_part(n_pfx, n_traffic, runs);
	exact_part(100, 20, 20);
	exact_part(1000, 5, 20);
	return 0;
}
