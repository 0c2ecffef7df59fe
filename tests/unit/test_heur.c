/*
 * test_heur.c - the fast engine on instances whose max-min fair answer is
 * known by hand, and invariants on random instances.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "demand/demand.h"
#include "te/compare.h"
#include "te/paths.h"
#include "te/report.h"
#include "te/te.h"
#include "testutil.h"

/* An instance built by hand: links are named l0, l1, ... between two nodes
 * per link; demands use whatever link lists the test gives them (the engine
 * only sees links, so paths need not be physically consistent). */
typedef struct inst {
	topo t;
	class_set cs;
	demand_set ds;
	te_pathset ps;
	te_problem p;
	double *rate;
} inst;

static void inst_init(inst *in, const double *caps, uint32_t n_links, uint32_t n_nodes)
{
	neto_err err;
	topo_init(&in->t);
	for (uint32_t v = 0; v < n_nodes; v++) {
		char name[16];
		snprintf(name, sizeof name, "n%u", v);
		assert_int_not_equal(topo_add_node(&in->t, name, strlen(name), &err), TOPO_NONE);
	}
	for (uint32_t l = 0; l < n_links; l++) {
		char id[16];
		snprintf(id, sizeof id, "l%u", l);
		assert_int_not_equal(topo_add_link(&in->t, id, strlen(id), 0, 1, caps[l], 100, 1, &err),
				     TOPO_NONE);
	}
	assert_int_equal(topo_finish(&in->t, &err), 0);
	class_set_init(&in->cs);
	demand_set_init(&in->ds);
	te_pathset_init(&in->ps);
	in->rate = NULL;
}

static void inst_free(inst *in)
{
	te_problem_free(&in->p);
	free(in->rate);
	te_pathset_free(&in->ps);
	demand_set_free(&in->ds);
	class_set_free(&in->cs);
	topo_free(&in->t);
}

static void inst_solve(inst *in, te_class_fn fn)
{
	neto_err err;
	assert_int_equal(te_problem_build(&in->p, &in->t, &in->cs, &in->ds, &in->ps, &err), 0);
	in->rate = calloc(te_problem_n_rates(&in->p) + 1, sizeof *in->rate);
	assert_int_equal(te_solve(&in->p, fn, in->rate, &err), 0);
	te_report rep;
	te_report_build(&rep, &in->p, in->rate, 0, "test", 6);
	if (te_report_check(&rep, &err) != 0)
		fail_msg("%s", err.msg);
	te_report_free(&rep);
}

static double alloc_of(const inst *in, size_t d)
{
	double a = 0;
	for (uint32_t k = in->p.dp_off[d]; k < in->p.dp_off[d + 1]; k++)
		a += in->rate[k];
	return a;
}

/* Demand (src, dst) in class cls with one path per list in paths. */
static void add_demand(inst *in, uint32_t src, uint32_t dst, uint32_t cls, double rate,
		       const uint32_t *const *paths, const uint32_t *lens, uint32_t n_paths,
		       const double *delays)
{
	demand_add(&in->ds, src, dst, cls, rate);
	te_pathset_add_pair(&in->ps, src, dst);
	for (uint32_t i = 0; i < n_paths; i++)
		te_pathset_add_path(&in->ps, paths[i], lens[i], NULL, 0, delays ? delays[i] : 100.0 * (i + 1));
}

static void close_to(double a, double b)
{
	if (!(fabs(a - b) <= 1e-6 * fmax(1.0, fabs(b))))
		fail_msg("got %.12g, expected %.12g", a, b);
}
#define CLOSE(a, b) close_to((a), (b))

/* Demand A can use l0 or l1, demand B only l0. Max-min fair: B takes all of
 * l0, A all of l1. An engine that splits A evenly gives B less. */
static void test_reroute_for_poorer(void **state)
{
	(void)state;
	inst in;
	double caps[] = { 10, 10 };
	inst_init(&in, caps, 2, 4);
	class_set_default(&in.cs);
	uint32_t p0[] = { 0 }, p1[] = { 1 };
	const uint32_t *pa[] = { p0, p1 }, *pb[] = { p0 };
	uint32_t la[] = { 1, 1 }, lb[] = { 1 };
	add_demand(&in, 0, 1, 0, 100, pa, la, 2, NULL);
	add_demand(&in, 2, 1, 0, 100, pb, lb, 1, NULL);
	inst_solve(&in, te_heur_class);
	CLOSE(alloc_of(&in, 0), 10);
	CLOSE(alloc_of(&in, 1), 10);
	inst_free(&in);
}

/* One link of 10 shared by demands of 2, 5 and 100: 2, 4, 4. */
static void test_demand_caps(void **state)
{
	(void)state;
	inst in;
	double caps[] = { 10 };
	inst_init(&in, caps, 1, 5);
	class_set_default(&in.cs);
	uint32_t p0[] = { 0 };
	const uint32_t *pa[] = { p0 };
	uint32_t la[] = { 1 };
	add_demand(&in, 0, 1, 0, 2, pa, la, 1, NULL);
	add_demand(&in, 2, 1, 0, 5, pa, la, 1, NULL);
	add_demand(&in, 3, 1, 0, 100, pa, la, 1, NULL);
	inst_solve(&in, te_heur_class);
	CLOSE(alloc_of(&in, 0), 2);
	CLOSE(alloc_of(&in, 1), 4);
	CLOSE(alloc_of(&in, 2), 4);
	inst_free(&in);
}

/* Gold (priority 0) is served before bronze however large bronze is. */
static void test_strict_priority(void **state)
{
	(void)state;
	inst in;
	neto_err err;
	double caps[] = { 10 };
	inst_init(&in, caps, 1, 3);
	assert_int_equal(class_set_add(&in.cs, "bronze", 6, 2, 4, TE_LAT_ANY, 0, &err), 0);
	assert_int_equal(class_set_add(&in.cs, "gold", 4, 0, 4, TE_LAT_LOW, 0, &err), 0);
	uint32_t p0[] = { 0 };
	const uint32_t *pa[] = { p0 };
	uint32_t la[] = { 1 };
	add_demand(&in, 0, 1, 0, 100, pa, la, 1, NULL); /* bronze */
	demand_add(&in.ds, 2, 1, 1, 7);                 /* gold, pair (2,1) */
	te_pathset_add_pair(&in.ps, 2, 1);
	te_pathset_add_path(&in.ps, p0, 1, NULL, 0, 100);
	inst_solve(&in, te_heur_class);
	CLOSE(alloc_of(&in, 1), 7);
	CLOSE(alloc_of(&in, 0), 3);
	inst_free(&in);
}

/* With room everywhere, a low-latency demand sits on its fastest path. */
static void test_low_delay_first(void **state)
{
	(void)state;
	inst in;
	double caps[] = { 100, 100, 100 };
	inst_init(&in, caps, 3, 2);
	class_set_default(&in.cs);
	uint32_t p0[] = { 0 }, p1[] = { 1 }, p2[] = { 2 };
	const uint32_t *pa[] = { p0, p1, p2 };
	uint32_t la[] = { 1, 1, 1 };
	double delays[] = { 10, 20, 30 };
	add_demand(&in, 0, 1, 0, 60, pa, la, 3, delays);
	inst_solve(&in, te_heur_class);
	CLOSE(in.rate[0], 60);
	CLOSE(in.rate[1], 0);
	CLOSE(in.rate[2], 0);
	inst_free(&in);
}

/* A demand whose fast path is full spills onto the next one. */
static void test_spill_when_full(void **state)
{
	(void)state;
	inst in;
	double caps[] = { 25, 100 };
	inst_init(&in, caps, 2, 2);
	class_set_default(&in.cs);
	uint32_t p0[] = { 0 }, p1[] = { 1 };
	const uint32_t *pa[] = { p0, p1 };
	uint32_t la[] = { 1, 1 };
	double delays[] = { 10, 20 };
	add_demand(&in, 0, 1, 0, 60, pa, la, 2, delays);
	inst_solve(&in, te_heur_class);
	CLOSE(in.rate[0], 25);
	CLOSE(in.rate[1], 35);
	inst_free(&in);
}

/* Random instances: invariants hold (checked in inst_solve) and the answer
 * is maximal: every demand short of its rate has every path blocked by a
 * full link. */
static void test_random_maximal(void **state)
{
	(void)state;
	uint64_t seed = 42;
	for (int round = 0; round < 200; round++) {
		inst in;
		uint32_t nl = 2 + (uint32_t)(tu_rand(&seed) % 10);
		double caps[16];
		for (uint32_t l = 0; l < nl; l++)
			caps[l] = 1 + 99 * tu_randf(&seed);
		uint32_t nd = 1 + (uint32_t)(tu_rand(&seed) % 12);
		inst_init(&in, caps, nl, nd + 1);
		class_set_default(&in.cs);
		for (uint32_t d = 0; d < nd; d++) {
			uint32_t np = 1 + (uint32_t)(tu_rand(&seed) % 4);
			uint32_t store[4][4], lens[4];
			const uint32_t *ptrs[4];
			double delays[4];
			for (uint32_t i = 0; i < np; i++) {
				lens[i] = 1 + (uint32_t)(tu_rand(&seed) % (nl < 3 ? nl : 3));
				for (uint32_t k = 0; k < lens[i]; k++) {
					uint32_t l;
					bool dup;
					do { /* a path uses a link at most once */
						l = (uint32_t)(tu_rand(&seed) % nl);
						dup = false;
						for (uint32_t m = 0; m < k; m++)
							dup |= store[i][m] == l;
					} while (dup);
					store[i][k] = l;
				}
				ptrs[i] = store[i];
				delays[i] = 10.0 * (i + 1);
			}
			add_demand(&in, d + 1, 0, 0, 1 + 80 * tu_randf(&seed), ptrs, lens, np, delays);
		}
		inst_solve(&in, te_heur_class);
		te_report rep;
		te_report_build(&rep, &in.p, in.rate, 0, "test", 6);
		for (size_t d = 0; d < in.ds.n; d++) {
			if (rep.dem_alloc[d] >= in.ds.v[d].rate * (1 - 1e-6))
				continue;
			for (uint32_t k = in.p.dp_off[d]; k < in.p.dp_off[d + 1]; k++) {
				const te_path *pa = &in.ps.paths[in.p.dp[k]];
				bool full = false;
				for (uint32_t i = 0; i < pa->n_links; i++) {
					uint32_t l = in.ps.links[pa->link_off + i];
					full |= rep.link_load[l] >= in.t.links[l].capacity * (1 - 1e-6);
				}
				if (!full) {
					fprintf(stderr, "round %d demand %zu rate %g alloc %g path %u\n", round, d, in.ds.v[d].rate, rep.dem_alloc[d], k - in.p.dp_off[d]);
					for (uint32_t i = 0; i < pa->n_links; i++) {
						uint32_t l = in.ps.links[pa->link_off + i];
						fprintf(stderr, "  link %u load %.12g cap %.12g\n", l, rep.link_load[l], in.t.links[l].capacity);
					}
					for (uint32_t q = in.p.dp_off[d]; q < in.p.dp_off[d + 1]; q++) fprintf(stderr, " r=%g", in.rate[q]);
					fprintf(stderr, "\n");
				}
				assert_true(full);
			}
		}
		te_report_free(&rep);
		inst_free(&in);
	}
}


/* Random instances with two classes, solved by both engines class by class on
 * the same residual capacity: the heuristic stays close to the exact max-min
 * fair answer (fairness number and total), instance by instance. */
static void test_random_vs_exact(void **state)
{
	(void)state;
	uint64_t seed = 7;
	double log_sum = 0, worst = 1;
	int n_inst = 0;
	for (int round = 0; round < 150; round++) {
		inst in;
		neto_err err;
		uint32_t nl = 3 + (uint32_t)(tu_rand(&seed) % 10);
		double caps[16];
		for (uint32_t l = 0; l < nl; l++)
			caps[l] = 10 + 90 * tu_randf(&seed);
		uint32_t nd = 2 + (uint32_t)(tu_rand(&seed) % 14);
		inst_init(&in, caps, nl, nd + 1);
		assert_int_equal(class_set_add(&in.cs, "hi", 2, 0, 4, TE_LAT_LOW, 0, &err), 0);
		assert_int_equal(class_set_add(&in.cs, "lo", 2, 1, 4, TE_LAT_ANY, 0, &err), 0);
		for (uint32_t d = 0; d < nd; d++) {
			uint32_t np = 1 + (uint32_t)(tu_rand(&seed) % 4);
			uint32_t store[4][3], lens[4];
			const uint32_t *ptrs[4];
			double delays[4];
			for (uint32_t i = 0; i < np; i++) {
				lens[i] = 1 + (uint32_t)(tu_rand(&seed) % 3);
				for (uint32_t k = 0; k < lens[i]; k++) {
					uint32_t l;
					bool dup;
					do {
						l = (uint32_t)(tu_rand(&seed) % nl);
						dup = false;
						for (uint32_t m = 0; m < k; m++)
							dup |= store[i][m] == l;
					} while (dup);
					store[i][k] = l;
				}
				ptrs[i] = store[i];
				delays[i] = 10.0 * (i + 1) + lens[i];
			}
			uint32_t cls = (uint32_t)(tu_rand(&seed) % 2);
			add_demand(&in, d + 1, 0, cls, 5 + 60 * tu_randf(&seed), ptrs, lens, np, delays);
		}
		assert_int_equal(te_problem_build(&in.p, &in.t, &in.cs, &in.ds, &in.ps, &err), 0);
		size_t nr = te_problem_n_rates(&in.p);
		double *rh = calloc(nr + 1, sizeof *rh), *re = calloc(nr + 1, sizeof *re);
		te_compare cmp;
		assert_int_equal(te_compare_run(&in.p, rh, re, &cmp, &err), 0);
		double f = te_compare_fairness(&cmp.all);
		double ratio = cmp.all.exact_total > 0 ? cmp.all.heur_total / cmp.all.exact_total : 1;
		/* Random path sets are harsher than real networks (where the
		 * benchmarks hold it to 0.99); these bounds catch regressions. */
		if (f < 0.85 || ratio < 0.9)
			fail_msg("instance %d: fairness %.4f total ratio %.4f", round, f, ratio);
		if (f < worst)
			worst = f;
		log_sum += log(f);
		n_inst++;
		te_compare_free(&cmp);
		free(rh);
		free(re);
		inst_free(&in);
	}
	double mean = exp(log_sum / n_inst);
	print_message("heuristic vs exact over %d random instances: mean fairness %.4f, worst %.4f\n",
		      n_inst, mean, worst);
	assert_true(mean >= 0.98);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reroute_for_poorer),
		cmocka_unit_test(test_demand_caps),
		cmocka_unit_test(test_strict_priority),
		cmocka_unit_test(test_low_delay_first),
		cmocka_unit_test(test_spill_when_full),
		cmocka_unit_test(test_random_maximal),
		cmocka_unit_test(test_random_vs_exact),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
