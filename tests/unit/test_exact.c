/*
 * test_exact.c - the exact engine (exact.c): hand-checked instances, strict
 * priority, delay preference, and properties of random instances checked
 * against references that share no code with it: an LP per demand that tries
 * to raise it (the definition of max-min fairness) and, for single-path
 * instances, water filling.
 *
 * The engine is also compiled a second time into this file with every dual
 * ignored, so that each round takes the probing fallback; both builds must
 * agree.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <glpk.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "demand/demand.h"
#include "lib/mem.h"
#include "te/paths.h"
#include "te/te.h"
#include "testutil.h"
#include "topo/topo.h"

/* The probing-only build of the engine, under another name. */
#define EXACT_DUAL_MIN HUGE_VAL
#define te_exact_class exact_probe_only
#include "te/exact.c"
#undef te_exact_class
int te_exact_class(const te_problem *p, const uint32_t *dem, size_t n, double *cap,
		   double *rate, neto_err *err);

/* ---- instances ---- */

typedef struct inst {
	topo t;
	class_set cs;
	demand_set ds;
	te_pathset ps;
	te_problem p;
	double *rate;
	bool built;
} inst;

static void inst_init(inst *in, uint32_t n_nodes)
{
	memset(in, 0, sizeof *in);
	topo_init(&in->t);
	class_set_init(&in->cs);
	class_set_default(&in->cs);
	demand_set_init(&in->ds);
	te_pathset_init(&in->ps);
	neto_err err;
	for (uint32_t v = 0; v < n_nodes; v++) {
		char name[16];
		int len = snprintf(name, sizeof name, "n%u", v);
		assert_int_equal(topo_add_node(&in->t, name, (size_t)len, &err), v);
	}
}

static void inst_free(inst *in)
{
	if (in->built)
		te_problem_free(&in->p);
	free(in->rate);
	te_pathset_free(&in->ps);
	demand_set_free(&in->ds);
	class_set_free(&in->cs);
	topo_free(&in->t);
}

static uint32_t add_link(inst *in, uint32_t src, uint32_t dst, double cap, double delay)
{
	char id[16];
	int len = snprintf(id, sizeof id, "l%u", in->t.n_links);
	neto_err err;
	uint32_t l = topo_add_link(&in->t, id, (size_t)len, src, dst, cap, delay, 1, &err);
	assert_int_not_equal(l, TOPO_NONE);
	return l;
}

/* A path of the pair added last. */
static void add_path(inst *in, const uint32_t *links, uint32_t n, double delay)
{
	te_pathset_add_path(&in->ps, links, n, NULL, 0, delay);
}

static void add_class(inst *in, const char *name, uint32_t prio, uint32_t k, te_latency lat)
{
	neto_err err;
	assert_int_equal(class_set_add(&in->cs, name, strlen(name), prio, k, lat, 0, &err), 0);
}

static int inst_solve_with(inst *in, te_class_fn fn, neto_err *err)
{
	if (!in->built) {
		assert_int_equal(topo_finish(&in->t, err), 0);
		assert_int_equal(te_problem_build(&in->p, &in->t, &in->cs, &in->ds, &in->ps, err), 0);
		in->rate = neto_malloc((te_problem_n_rates(&in->p) + 1) * sizeof *in->rate);
		in->built = true;
	}
	return te_solve(&in->p, fn, in->rate, err);
}

static void inst_solve(inst *in)
{
	neto_err err;
	int rc = inst_solve_with(in, te_exact_class, &err);
	if (rc != 0)
		fail_msg("%s", err.msg);
}

static double drate(const inst *in, size_t d)
{
	double s = 0;
	for (uint32_t k = in->p.dp_off[d]; k < in->p.dp_off[d + 1]; k++)
		s += in->rate[k];
	return s;
}

static void assert_near(double got, double want, double tol)
{
	if (!(fabs(got - want) <= tol))
		fail_msg("got %.17g, want %.17g (tolerance %g)", got, want, tol);
}

/* Load of each link over all demands (caller frees). */
static double *link_loads(const inst *in)
{
	double *load = neto_calloc(in->t.n_links, sizeof *load);
	for (size_t d = 0; d < in->ds.n; d++)
		for (uint32_t k = in->p.dp_off[d]; k < in->p.dp_off[d + 1]; k++) {
			const te_path *pa = &in->ps.paths[in->p.dp[k]];
			for (uint32_t j = 0; j < pa->n_links; j++)
				load[in->ps.links[pa->link_off + j]] += in->rate[k];
		}
	return load;
}

/* ---- hand-checked instances ---- */

/* Three demands of 2, 5 and 8 across one link of 10: 2, 4, 4. */
static void test_single_bottleneck(void **state)
{
	(void)state;
	inst in;
	inst_init(&in, 8);
	uint32_t l = add_link(&in, 0, 1, 10, 100);
	const double want[3] = { 2, 4, 4 };
	const double dem[3] = { 2, 5, 8 };
	for (uint32_t i = 0; i < 3; i++) {
		te_pathset_add_pair(&in.ps, 2 + i, 5 + i);
		add_path(&in, &l, 1, 100);
		demand_add(&in.ds, 2 + i, 5 + i, 0, dem[i]);
	}
	inst_solve(&in);
	for (size_t d = 0; d < 3; d++)
		assert_near(drate(&in, d), want[d], 1e-9);
	inst_free(&in);
}

/* d0 has a private link of 2 and shares a link of 10 with d1 (whose rate is
 * unbounded): both get 6, d0 as 2 on its own link and 4 on the shared one. */
static void test_two_paths(void **state)
{
	(void)state;
	inst in;
	inst_init(&in, 4);
	uint32_t a = add_link(&in, 0, 1, 2, 100);
	uint32_t b = add_link(&in, 0, 1, 10, 200);
	te_pathset_add_pair(&in.ps, 0, 1);
	add_path(&in, &a, 1, 100);
	add_path(&in, &b, 1, 200);
	te_pathset_add_pair(&in.ps, 2, 3);
	add_path(&in, &b, 1, 200);
	demand_add(&in.ds, 0, 1, 0, 100);
	demand_add(&in.ds, 2, 3, 0, HUGE_VAL); /* no cap at all */
	inst_solve(&in);
	assert_near(drate(&in, 0), 6, 1e-9);
	assert_near(drate(&in, 1), 6, 1e-9);
	assert_near(in.rate[in.p.dp_off[0]], 2, 1e-9);
	assert_near(in.rate[in.p.dp_off[0] + 1], 4, 1e-9);
	inst_free(&in);
}

/* Two links of 1 in a line, a long flow across both and a short flow on
 * each: max-min gives everyone 1/2 (total 1.5), although starving the long
 * flow would carry 2. */
static void test_maxmin_not_max_throughput(void **state)
{
	(void)state;
	inst in;
	inst_init(&in, 3);
	uint32_t l1 = add_link(&in, 0, 1, 1, 10);
	uint32_t l2 = add_link(&in, 1, 2, 1, 10);
	const uint32_t both[2] = { l1, l2 };
	te_pathset_add_pair(&in.ps, 0, 2);
	add_path(&in, both, 2, 20);
	te_pathset_add_pair(&in.ps, 0, 1);
	add_path(&in, &l1, 1, 10);
	te_pathset_add_pair(&in.ps, 1, 2);
	add_path(&in, &l2, 1, 10);
	demand_add(&in.ds, 0, 2, 0, 10);
	demand_add(&in.ds, 0, 1, 0, 10);
	demand_add(&in.ds, 1, 2, 0, 10);
	inst_solve(&in);
	for (size_t d = 0; d < 3; d++)
		assert_near(drate(&in, d), 0.5, 1e-9);
	inst_free(&in);
}

/* Two levels: a link of 3 used by A and by B's first path, a link of 10
 * used by B's second path and by C. A can never exceed 3, so the first level
 * is 3 with A frozen and B entirely on the big link; B and C then split it:
 * 3, 5, 5 (and not the 13/3 each that the total capacity suggests). */
static void test_two_levels(void **state)
{
	(void)state;
	inst in;
	inst_init(&in, 6);
	uint32_t s = add_link(&in, 0, 1, 3, 10);
	uint32_t g = add_link(&in, 2, 3, 10, 10);
	te_pathset_add_pair(&in.ps, 0, 1); /* A */
	add_path(&in, &s, 1, 10);
	te_pathset_add_pair(&in.ps, 4, 5); /* B */
	add_path(&in, &s, 1, 10);
	add_path(&in, &g, 1, 20);
	te_pathset_add_pair(&in.ps, 2, 3); /* C */
	add_path(&in, &g, 1, 10);
	demand_add(&in.ds, 0, 1, 0, 100);
	demand_add(&in.ds, 4, 5, 0, 100);
	demand_add(&in.ds, 2, 3, 0, 100);
	inst_solve(&in);
	assert_near(drate(&in, 0), 3, 1e-9);
	assert_near(drate(&in, 1), 5, 1e-9);
	assert_near(in.rate[in.p.dp_off[1]], 0, 1e-9);
	assert_near(drate(&in, 2), 5, 1e-9);
	inst_free(&in);
}

/* Kbps-sized capacities: a 100 Gbps link shared by a 1 Mbps demand, a
 * 30 Gbps one and an unbounded one, next to a 40 Gbps link. */
static void test_large_magnitudes(void **state)
{
	(void)state;
	inst in;
	inst_init(&in, 8);
	uint32_t big = add_link(&in, 0, 1, 1e8, 100);
	uint32_t mid = add_link(&in, 0, 1, 4e7, 100);
	te_pathset_add_pair(&in.ps, 2, 3);
	add_path(&in, &big, 1, 100);
	te_pathset_add_pair(&in.ps, 4, 5);
	add_path(&in, &big, 1, 100);
	te_pathset_add_pair(&in.ps, 6, 7);
	add_path(&in, &big, 1, 100);
	add_path(&in, &mid, 1, 200);
	demand_add(&in.ds, 2, 3, 0, 1e3);
	demand_add(&in.ds, 4, 5, 0, 3e7);
	demand_add(&in.ds, 6, 7, 0, 1e30);
	inst_solve(&in);
	assert_near(drate(&in, 0), 1e3, 1e-9 * 1e3);
	assert_near(drate(&in, 1), 3e7, 1e-9 * 3e7);
	assert_near(drate(&in, 2), 1.4e8 - 3e7 - 1e3, 1e-9 * 1e8);
	double *load = link_loads(&in);
	assert_true(load[big] <= 1e8);
	assert_true(load[mid] <= 4e7);
	free(load);
	inst_free(&in);
}

/* A demand with no path (its pair has none, or there is no pair), one of
 * rate 0, one whose path lists a link twice, and one that only a lower class
 * has on its pair; then a lower class behind a higher one that fills the
 * only link. */
static void test_degenerate_demands(void **state)
{
	(void)state;
	inst in;
	inst_init(&in, 10);
	add_class(&in, "low", 1, 4, TE_LAT_LOW);
	uint32_t l = add_link(&in, 0, 1, 10, 100);
	uint32_t m = add_link(&in, 2, 3, 10, 100);
	const uint32_t twice[2] = { m, m };
	te_pathset_add_pair(&in.ps, 0, 1); /* no paths */
	te_pathset_add_pair(&in.ps, 2, 3);
	add_path(&in, &l, 1, 100);
	te_pathset_add_pair(&in.ps, 4, 5);
	add_path(&in, twice, 2, 200);
	size_t none = demand_add(&in.ds, 0, 1, 0, 5);
	size_t zero = demand_add(&in.ds, 2, 3, 0, 0);
	size_t low = demand_add(&in.ds, 2, 3, 1, 7);
	size_t loop = demand_add(&in.ds, 4, 5, 0, 100);
	size_t nopair = demand_add(&in.ds, 9, 8, 1, 5);
	inst_solve(&in);
	assert_true(drate(&in, none) == 0);
	assert_true(drate(&in, zero) == 0);
	assert_near(drate(&in, low), 7, 1e-9);
	assert_near(drate(&in, loop), 5, 1e-9);
	assert_true(drate(&in, nopair) == 0);
	inst_free(&in);

	inst_init(&in, 4);
	add_class(&in, "low", 1, 4, TE_LAT_LOW);
	l = add_link(&in, 0, 1, 10, 100);
	te_pathset_add_pair(&in.ps, 0, 1);
	add_path(&in, &l, 1, 100);
	size_t hi = demand_add(&in.ds, 0, 1, 0, 50);
	size_t lo = demand_add(&in.ds, 0, 1, 1, 50);
	inst_solve(&in);
	assert_near(drate(&in, hi), 10, 1e-9);
	assert_true(drate(&in, lo) == 0);
	inst_free(&in);
}

/* Strict priority: the lower class gets only what the higher one leaves. */
static void test_priority(void **state)
{
	(void)state;
	for (int round = 0; round < 2; round++) {
		inst in;
		inst_init(&in, 4);
		class_set_free(&in.cs);
		add_class(&in, "bronze", 2, 4, TE_LAT_LOW);
		add_class(&in, "gold", 0, 4, TE_LAT_LOW);
		uint32_t l = add_link(&in, 0, 1, 10, 100);
		te_pathset_add_pair(&in.ps, 0, 1);
		add_path(&in, &l, 1, 100);
		te_pathset_add_pair(&in.ps, 2, 3);
		add_path(&in, &l, 1, 100);
		double gold = round == 0 ? 6 : 20;
		size_t b1 = demand_add(&in.ds, 2, 3, 0, 10);
		size_t g = demand_add(&in.ds, 0, 1, 1, gold);
		size_t b2 = demand_add(&in.ds, 0, 1, 0, 10);
		inst_solve(&in);
		assert_near(drate(&in, g), fmin(gold, 10), 1e-9);
		double left = 10 - fmin(gold, 10);
		assert_near(drate(&in, b1), left / 2, 1e-9);
		assert_near(drate(&in, b2), left / 2, 1e-9);
		inst_free(&in);
	}
}

/* Low-latency policy: with room on both paths everything takes the faster;
 * a demand too big for it overflows to the slower; and where fairness needs
 * the fast link for a demand that has no other path, the two-path demand
 * moves to the slow one. */
static void test_delay_preference(void **state)
{
	(void)state;
	const double dem[2] = { 5, 15 };
	for (int i = 0; i < 2; i++) {
		inst in;
		inst_init(&in, 2);
		uint32_t slow = add_link(&in, 0, 1, 10, 1000);
		uint32_t fast = add_link(&in, 0, 1, 10, 100);
		te_pathset_add_pair(&in.ps, 0, 1);
		add_path(&in, &fast, 1, 100);
		add_path(&in, &slow, 1, 1000);
		demand_add(&in.ds, 0, 1, 0, dem[i]);
		inst_solve(&in);
		assert_near(in.rate[0], fmin(dem[i], 10), 1e-9);
		assert_near(in.rate[1], dem[i] - fmin(dem[i], 10), 1e-9);
		inst_free(&in);
	}

	inst in;
	inst_init(&in, 4);
	uint32_t slow = add_link(&in, 0, 1, 10, 1000);
	uint32_t fast = add_link(&in, 0, 1, 10, 100);
	te_pathset_add_pair(&in.ps, 0, 1);
	add_path(&in, &fast, 1, 100);
	add_path(&in, &slow, 1, 1000);
	te_pathset_add_pair(&in.ps, 2, 3);
	add_path(&in, &fast, 1, 100);
	demand_add(&in.ds, 0, 1, 0, 100);
	demand_add(&in.ds, 2, 3, 0, 100);
	inst_solve(&in);
	assert_near(in.rate[0], 0, 1e-9);
	assert_near(in.rate[1], 10, 1e-9);
	assert_near(in.rate[2], 10, 1e-9);
	inst_free(&in);

	/* no preference: any split, same rate */
	inst_init(&in, 2);
	class_set_free(&in.cs);
	add_class(&in, "bulk", 0, 4, TE_LAT_ANY);
	slow = add_link(&in, 0, 1, 10, 1000);
	fast = add_link(&in, 0, 1, 10, 100);
	te_pathset_add_pair(&in.ps, 0, 1);
	add_path(&in, &fast, 1, 100);
	add_path(&in, &slow, 1, 1000);
	demand_add(&in.ds, 0, 1, 0, 12);
	inst_solve(&in);
	assert_near(drate(&in, 0), 12, 1e-9);
	inst_free(&in);
}

/* ---- random instances ---- */

typedef struct gen_opts {
	uint32_t n_nodes, n_links, n_pairs, k, n_classes;
	uint32_t max_hops;
	bool all_k;              /* every pair gets k paths */
	double cap_lo, cap_hi;   /* link capacities, log-uniform */
	double dem_lo, dem_hi;   /* demands, log-uniform */
} gen_opts;

static double log_uniform(uint64_t *s, double lo, double hi)
{
	return lo * exp(log(hi / lo) * tu_randf(s));
}

static int cmp_delay(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Random links, pairs with up to k random paths (link sequences; the engine
 * does not need them to be walks) and demands; ~5% of pairs without a path
 * (unless all_k) and ~5% of demands of rate 0. */
static void gen(inst *in, uint64_t seed, const gen_opts *o)
{
	uint64_t s = seed;
	inst_init(in, o->n_nodes);
	if (o->n_classes > 1) {
		class_set_free(&in->cs);
		for (uint32_t c = 0; c < o->n_classes; c++) {
			char name[16];
			snprintf(name, sizeof name, "c%u", c);
			add_class(in, name, c, o->k, c % 2 ? TE_LAT_ANY : TE_LAT_LOW);
		}
	} else {
		in->cs.v[0].k_paths = o->k;
	}
	double *ldelay = neto_malloc(o->n_links * sizeof *ldelay);
	for (uint32_t i = 0; i < o->n_links; i++) {
		uint32_t a = (uint32_t)(tu_rand(&s) % o->n_nodes);
		uint32_t b = (uint32_t)(tu_rand(&s) % (o->n_nodes - 1));
		if (b >= a)
			b++;
		ldelay[i] = 100 + 10000 * tu_randf(&s);
		add_link(in, a, b, log_uniform(&s, o->cap_lo, o->cap_hi), ldelay[i]);
	}
	/* each path: its delay, then its links */
	double(*paths)[8] = neto_malloc(o->k * sizeof *paths);
	for (uint32_t i = 0; i < o->n_pairs; i++) {
		uint32_t a, b;
		do {
			a = (uint32_t)(tu_rand(&s) % o->n_nodes);
			b = (uint32_t)(tu_rand(&s) % o->n_nodes);
		} while (a == b || te_paths_find(&in->ps, a, b) != NULL);
		te_pathset_add_pair(&in->ps, a, b);
		uint32_t np = tu_randf(&s) < 0.05 ? 0 : 1 + (uint32_t)(tu_rand(&s) % o->k);
		if (o->all_k)
			np = o->k;
		for (uint32_t j = 0; j < np; j++) {
			uint32_t hops = 1 + (uint32_t)(tu_rand(&s) % o->max_hops);
			paths[j][0] = 0;
			paths[j][1] = hops;
			for (uint32_t h = 0; h < hops; h++) {
				uint32_t l;
				bool dup;
				do {
					l = (uint32_t)(tu_rand(&s) % o->n_links);
					dup = false;
					for (uint32_t q = 0; q < h; q++)
						dup |= (uint32_t)paths[j][2 + q] == l;
				} while (dup);
				paths[j][2 + h] = l;
				paths[j][0] += ldelay[l];
			}
		}
		qsort(paths, np, sizeof *paths, cmp_delay);
		for (uint32_t j = 0; j < np; j++) {
			uint32_t links[6];
			uint32_t hops = (uint32_t)paths[j][1];
			for (uint32_t h = 0; h < hops; h++)
				links[h] = (uint32_t)paths[j][2 + h];
			add_path(in, links, hops, paths[j][0]);
		}
		for (uint32_t c = 0; c < o->n_classes; c++) {
			if (o->n_classes > 1 && tu_randf(&s) < 0.3)
				continue;
			double r = tu_randf(&s) < 0.05 ? 0 : log_uniform(&s, o->dem_lo, o->dem_hi);
			demand_add(&in->ds, a, b, c, r);
		}
	}
	free(paths);
	free(ldelay);
}

/* No link over capacity, no demand over its rate, no negative rate. */
static void check_feasible(const inst *in)
{
	double *load = link_loads(in);
	for (uint32_t l = 0; l < in->t.n_links; l++) {
		double c = in->t.links[l].capacity;
		if (!(load[l] <= c * (1 + 1e-9)))
			fail_msg("link %u: load %.17g over capacity %.17g", l, load[l], c);
	}
	free(load);
	for (size_t k = 0; k < te_problem_n_rates(&in->p); k++)
		assert_true(in->rate[k] >= 0 && isfinite(in->rate[k]));
	for (size_t d = 0; d < in->ds.n; d++) {
		double r = drate(in, d), want = in->ds.v[d].rate;
		if (!(r <= want * (1 + 1e-9)))
			fail_msg("demand %zu: %.17g over its rate %.17g", d, r, want);
	}
}

/*
 * The definition of max-min fairness, checked with an LP of its own: for each
 * demand d of class `cls` below its rate, maximise d's rate while every other
 * demand of the class at or below d's rate keeps its rate, over the capacity
 * left by the higher classes. It must not rise above d's rate by more than
 * `tol` (relative to the largest capacity).
 */
static void check_maxmin(const inst *in, uint32_t cls, double tol, uint64_t seed)
{
	const te_problem *p = &in->p;
	uint32_t nl = in->t.n_links;
	uint32_t prio = in->cs.v[cls].priority;
	double *cap = neto_malloc(nl * sizeof *cap);
	double scale = 0;
	for (uint32_t l = 0; l < nl; l++) {
		cap[l] = in->t.links[l].capacity;
		scale = fmax(scale, cap[l]);
	}
	size_t nd = in->ds.n;
	double *x = neto_malloc(nd * sizeof *x);
	for (size_t d = 0; d < nd; d++) {
		x[d] = drate(in, d) / scale;
		if (in->cs.v[in->ds.v[d].cls].priority >= prio || in->ds.v[d].cls == cls)
			continue;
		for (uint32_t k = p->dp_off[d]; k < p->dp_off[d + 1]; k++) {
			const te_path *pa = &in->ps.paths[p->dp[k]];
			for (uint32_t j = 0; j < pa->n_links; j++)
				cap[in->ps.links[pa->link_off + j]] -= in->rate[k];
		}
	}
	/* rows: links, then one per demand of the class; columns: its paths */
	glp_prob *lp = glp_create_prob();
	glp_set_obj_dir(lp, GLP_MAX);
	glp_add_rows(lp, (int)nl);
	/* residuals that are float noise are none (GLPK's presolver has been
	 * seen to return an infeasible "optimum" with bounds of 1e-16) */
	for (uint32_t l = 0; l < nl; l++) {
		double c = cap[l] > 1e-9 * in->t.links[l].capacity ? cap[l] : 0;
		glp_set_row_bnds(lp, (int)l + 1, GLP_UP, 0, c / scale);
	}
	int *row = neto_malloc(nd * sizeof *row);
	size_t ne = 0, nnz = 1;
	for (size_t d = 0; d < nd; d++)
		for (uint32_t k = p->dp_off[d]; k < p->dp_off[d + 1]; k++)
			nnz += in->ps.paths[p->dp[k]].n_links + 1;
	int *ia = neto_malloc(nnz * sizeof *ia), *ja = neto_malloc(nnz * sizeof *ja);
	double *ar = neto_malloc(nnz * sizeof *ar);
	int *col = neto_malloc((te_problem_n_rates(p) + 1) * sizeof *col);
	for (size_t d = 0; d < nd; d++) {
		row[d] = 0;
		if (in->ds.v[d].cls != cls)
			continue;
		row[d] = glp_add_rows(lp, 1);
		glp_set_row_bnds(lp, row[d], GLP_UP, 0, in->ds.v[d].rate / scale);
		for (uint32_t k = p->dp_off[d]; k < p->dp_off[d + 1]; k++) {
			const te_path *pa = &in->ps.paths[p->dp[k]];
			int c = glp_add_cols(lp, 1);
			col[k] = c;
			glp_set_col_bnds(lp, c, GLP_LO, 0, 0);
			for (uint32_t j = 0; j < pa->n_links; j++) {
				ne++;
				ia[ne] = (int)in->ps.links[pa->link_off + j] + 1;
				ja[ne] = c;
				ar[ne] = 1;
			}
			ne++;
			ia[ne] = row[d];
			ja[ne] = c;
			ar[ne] = 1;
		}
	}
	glp_load_matrix(lp, (int)ne, ia, ja, ar);
	glp_smcp parm;
	glp_init_smcp(&parm);
	parm.msg_lev = GLP_MSG_OFF;
	parm.tol_bnd = 1e-10;
	parm.tol_dj = 1e-10;
	for (size_t d = 0; d < nd; d++) {
		double D = in->ds.v[d].rate / scale;
		if (row[d] == 0 || x[d] >= D - tol)
			continue;
		/* Others hold their rates relaxed by float noise only: through
		 * re-routing, d can gain many times (1e4 and more on degenerate
		 * instances) the slack given to them. The slack grows only when
		 * the engine's rates are not jointly feasible without it. */
		for (uint32_t k = p->dp_off[d]; k < p->dp_off[d + 1]; k++)
			glp_set_obj_coef(lp, col[k], 1);
		int status = GLP_UNDEF;
		for (double rel = 1e-13; rel < 2e-11 && status != GLP_OPT; rel *= 10) {
			for (size_t e = 0; e < nd; e++) {
				if (row[e] == 0)
					continue;
				double De = in->ds.v[e].rate / scale;
				double lb = x[e] * (1 - rel) - 1e-15;
				if (e != d && x[e] <= x[d] + tol && lb > 0 && lb < De)
					glp_set_row_bnds(lp, row[e], GLP_DB, lb, De);
				else
					glp_set_row_bnds(lp, row[e], GLP_UP, 0, De);
			}
			assert_int_equal(glp_simplex(lp, &parm), 0);
			status = glp_get_status(lp);
		}
		if (status != GLP_OPT)
			fail_msg("seed %" PRIu64 " class %u: the rates are not jointly feasible", seed,
				 cls);
		double up = glp_get_obj_val(lp);
		if (up > x[d] + tol)
			fail_msg("seed %" PRIu64 " class %u: demand %zu at %.12g (of %.12g) could rise to %.12g",
				 seed, cls, d, x[d] * scale, D * scale, up * scale);
		for (uint32_t k = p->dp_off[d]; k < p->dp_off[d + 1]; k++)
			glp_set_obj_coef(lp, col[k], 0);
	}
	glp_delete_prob(lp);
	free(col);
	free(ar);
	free(ja);
	free(ia);
	free(row);
	free(x);
	free(cap);
}

/* Runs the engine class by class as te_solve does, but watching cap[]: after
 * each class it must hold the capacity minus the loads so far, never below
 * -1e-9 of the link's capacity. */
static void check_residuals(inst *in)
{
	const te_problem *p = &in->p;
	uint32_t nl = in->t.n_links;
	double *cap = neto_malloc(nl * sizeof *cap);
	for (uint32_t l = 0; l < nl; l++)
		cap[l] = in->t.links[l].capacity;
	memset(in->rate, 0, te_problem_n_rates(p) * sizeof *in->rate);
	for (uint32_t i = 0; i < in->cs.n; i++) {
		neto_err err;
		size_t n = p->class_off[i + 1] - p->class_off[i];
		if (te_exact_class(p, p->by_class + p->class_off[i], n, cap, in->rate, &err) != 0)
			fail_msg("%s", err.msg);
		double *load = link_loads(in);
		for (uint32_t l = 0; l < nl; l++) {
			double c = in->t.links[l].capacity;
			assert_true(cap[l] >= -1e-9 * c);
			assert_near(cap[l], c - load[l], 1e-9 * c);
		}
		free(load);
	}
	free(cap);
}

static void test_random_properties(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 40; seed++) {
		gen_opts o = { .n_nodes = 8, .n_links = 12, .n_pairs = 10 + (uint32_t)seed % 20,
			       .k = 1 + (uint32_t)seed % 4, .n_classes = 1 + (uint32_t)seed % 3,
			       .max_hops = 4, .cap_lo = 1, .cap_hi = 100,
			       .dem_lo = 0.5, .dem_hi = 60 };
		if (seed % 5 == 0) { /* kbps-sized */
			o.cap_lo = 1e6;
			o.cap_hi = 1e8;
			o.dem_lo = 1e4;
			o.dem_hi = 5e7;
		}
		inst in;
		gen(&in, seed * 7919, &o);
		inst_solve(&in);
		check_feasible(&in);
		for (uint32_t c = 0; c < in.cs.n; c++)
			check_maxmin(&in, c, 1e-7, seed);
		check_residuals(&in);
		inst_free(&in);
	}
}

/* A mid-sized instance in kbps, every demand with 4 paths, two classes. */
static void test_medium_instance(void **state)
{
	(void)state;
	gen_opts o = { .n_nodes = 20, .n_links = 40, .n_pairs = 150, .k = 4, .n_classes = 2,
		       .max_hops = 4, .all_k = true, .cap_lo = 1e6, .cap_hi = 1e8,
		       .dem_lo = 1e4, .dem_hi = 3e7 };
	inst in;
	gen(&in, 99, &o);
	inst_solve(&in);
	check_feasible(&in);
	for (uint32_t c = 0; c < in.cs.n; c++)
		check_maxmin(&in, c, 1e-7, 99);
	check_residuals(&in);
	inst_free(&in);
}

/* Progressive filling of single-path demands: the textbook max-min fair
 * allocation, computed with nothing in common with the engine. */
static void water_fill(const inst *in, double *out)
{
	const te_problem *p = &in->p;
	size_t nd = in->ds.n;
	uint32_t nl = in->t.n_links;
	double *res = neto_malloc(nl * sizeof *res);
	uint32_t *users = neto_malloc(nl * sizeof *users);
	bool *live = neto_malloc(nd * sizeof *live);
	for (uint32_t l = 0; l < nl; l++)
		res[l] = in->t.links[l].capacity;
	for (size_t d = 0; d < nd; d++) {
		out[d] = 0;
		live[d] = p->dp_off[d + 1] > p->dp_off[d] && in->ds.v[d].rate > 0;
	}
	for (;;) {
		memset(users, 0, nl * sizeof *users);
		bool any = false;
		double step = HUGE_VAL;
		for (size_t d = 0; d < nd; d++) {
			if (!live[d])
				continue;
			any = true;
			step = fmin(step, in->ds.v[d].rate - out[d]);
			const te_path *pa = &in->ps.paths[p->dp[p->dp_off[d]]];
			for (uint32_t j = 0; j < pa->n_links; j++)
				users[in->ps.links[pa->link_off + j]]++;
		}
		if (!any)
			break;
		for (uint32_t l = 0; l < nl; l++)
			if (users[l])
				step = fmin(step, res[l] / users[l]);
		for (size_t d = 0; d < nd; d++) {
			if (!live[d])
				continue;
			out[d] += step;
			const te_path *pa = &in->ps.paths[p->dp[p->dp_off[d]]];
			for (uint32_t j = 0; j < pa->n_links; j++)
				res[in->ps.links[pa->link_off + j]] -= step;
		}
		for (size_t d = 0; d < nd; d++) {
			if (!live[d])
				continue;
			if (out[d] >= in->ds.v[d].rate * (1 - 1e-12))
				live[d] = false;
			const te_path *pa = &in->ps.paths[p->dp[p->dp_off[d]]];
			for (uint32_t j = 0; j < pa->n_links; j++) {
				uint32_t l = in->ps.links[pa->link_off + j];
				if (res[l] <= 1e-12 * in->t.links[l].capacity)
					live[d] = false;
			}
		}
	}
	free(live);
	free(users);
	free(res);
}

static void test_random_single_path_water_fill(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 30; seed++) {
		gen_opts o = { .n_nodes = 10, .n_links = 15, .n_pairs = 40, .k = 1,
			       .n_classes = 1, .max_hops = 4, .cap_lo = 10, .cap_hi = 1000,
			       .dem_lo = 1, .dem_hi = 200 };
		inst in;
		gen(&in, seed * 104729, &o);
		inst_solve(&in);
		check_feasible(&in);
		double *wf = neto_malloc(in.ds.n * sizeof *wf);
		water_fill(&in, wf);
		for (size_t d = 0; d < in.ds.n; d++)
			assert_near(drate(&in, d), wf[d], 1e-7 * 1000);
		free(wf);
		inst_free(&in);
	}
}

/* Every round by probing instead of by duals: same rates. (A class's rates
 * also depend on how the classes above it split their flows; here the only
 * class above is a low-latency one with distinct path delays, whose split is
 * unique.) */
static void test_probe_fallback_agrees(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 15; seed++) {
		gen_opts o = { .n_nodes = 8, .n_links = 12, .n_pairs = 15, .k = 3,
			       .n_classes = 1 + (uint32_t)seed % 2, .max_hops = 3,
			       .cap_lo = 1, .cap_hi = 100, .dem_lo = 0.5, .dem_hi = 60 };
		inst in;
		gen(&in, seed * 31337, &o);
		inst_solve(&in);
		size_t nd = in.ds.n;
		double *a = neto_malloc(nd * sizeof *a);
		for (size_t d = 0; d < nd; d++)
			a[d] = drate(&in, d);
		neto_err err;
		int rc = inst_solve_with(&in, exact_probe_only, &err);
		if (rc != 0)
			fail_msg("%s", err.msg);
		check_feasible(&in);
		for (size_t d = 0; d < nd; d++)
			assert_near(drate(&in, d), a[d], 1e-6 * 100);
		free(a);
		inst_free(&in);
	}
}

/* A malformed problem is an error, not a crash. */
static void test_bad_problem(void **state)
{
	(void)state;
	inst in;
	inst_init(&in, 2);
	uint32_t l = add_link(&in, 0, 1, 10, 100);
	te_pathset_add_pair(&in.ps, 0, 1);
	add_path(&in, &l, 1, 100);
	demand_add(&in.ds, 0, 1, 0, 5);
	inst_solve(&in);
	in.ps.links[0] = 7; /* no such link */
	neto_err err;
	assert_int_equal(inst_solve_with(&in, te_exact_class, &err), -1);
	assert_non_null(strstr(err.msg, "link"));
	inst_free(&in);
}

/* ~1,000 demands x 4 paths over ~100 links: prints the time. */
static void test_timing(void **state)
{
	(void)state;
	gen_opts o = { .n_nodes = 40, .n_links = 100, .n_pairs = 1000, .k = 4, .n_classes = 1,
		       .max_hops = 5, .all_k = true, .cap_lo = 1e6, .cap_hi = 1e8,
		       .dem_lo = 1e3, .dem_hi = 1e7 };
	inst in;
	gen(&in, 2024, &o);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	inst_solve(&in);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
	check_feasible(&in);
	size_t sat = 0;
	for (size_t d = 0; d < in.ds.n; d++)
		sat += drate(&in, d) >= in.ds.v[d].rate * (1 - 1e-9);
	printf("exact: %zu demands, %zu paths, %u links: %.3f s (%zu satisfied)\n", in.ds.n,
	       te_problem_n_rates(&in.p), in.t.n_links, secs, sat);
	inst_free(&in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_bottleneck),
		cmocka_unit_test(test_two_paths),
		cmocka_unit_test(test_maxmin_not_max_throughput),
		cmocka_unit_test(test_two_levels),
		cmocka_unit_test(test_large_magnitudes),
		cmocka_unit_test(test_degenerate_demands),
		cmocka_unit_test(test_priority),
		cmocka_unit_test(test_delay_preference),
		cmocka_unit_test(test_random_properties),
		cmocka_unit_test(test_medium_instance),
		cmocka_unit_test(test_random_single_path_water_fill),
		cmocka_unit_test(test_probe_fallback_agrees),
		cmocka_unit_test(test_bad_problem),
		cmocka_unit_test(test_timing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
