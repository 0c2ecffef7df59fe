/*
 * test_planner.c - the transition planner (planner.c, updates.c): hand-made
 * instances with known answers (a direct jump, swaps on links with and
 * without slack, throttling of the low class, a plan that only a higher
 * class could make room for), the order of router updates, SWAN's bound,
 * and properties of random instances checked with plan_verify: every plan
 * verifies, starts at the installed configuration and ends at the target,
 * throttles only classes below the highest, and takes no more steps than
 * SWAN's bound when every link has slack. A large random instance is timed.
 *
 * Instances are built directly as plan_space structures (paths are lists of
 * link indices; the planner does not need them to be connected).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/mem.h"
#include "plan/plan.h"
#include "plan/planner.h"
#include "testutil.h"
#include "topo/topo.h"

/* ---- building instances ---- */

typedef struct inst {
	topo t;
	plan_space s;
	size_t cap_t, cap_e, cap_l;
	double *from, *to;
} inst;

static void inst_init(inst *in, uint32_t n_nodes)
{
	memset(in, 0, sizeof *in);
	topo_init(&in->t);
	neto_err err;
	for (uint32_t v = 0; v < n_nodes; v++) {
		char name[16];
		int len = snprintf(name, sizeof name, "n%u", v);
		assert_int_equal(topo_add_node(&in->t, name, (size_t)len, &err), v);
	}
	plan_space_init(&in->s, &in->t);
}

static uint32_t add_link(inst *in, uint32_t src, uint32_t dst, double cap)
{
	char id[32];
	int len = snprintf(id, sizeof id, "l%u", in->t.n_links);
	neto_err err;
	uint32_t l = topo_add_link(&in->t, id, (size_t)len, src, dst, cap, 100, 1, &err);
	assert_int_not_equal(l, TOPO_NONE);
	return l;
}

static void finish_topo(inst *in)
{
	neto_err err;
	assert_int_equal(topo_finish(&in->t, &err), 0);
}

static const char *const class_name[] = { "gold", "silver", "bronze", "lead" };

/* Adds a tunnel; its paths must follow before the next tunnel. */
static uint32_t add_tunnel(inst *in, uint32_t src, uint32_t dst, uint32_t prio)
{
	plan_space *s = &in->s;
	if (s->n_tunnels == in->cap_t) {
		in->cap_t = in->cap_t ? 2 * in->cap_t : 16;
		s->tunnels = neto_reallocarray(s->tunnels, in->cap_t, sizeof *s->tunnels);
	}
	plan_tunnel *tu = &s->tunnels[s->n_tunnels];
	memset(tu, 0, sizeof *tu);
	tu->src = src;
	tu->dst = dst;
	tu->cls = neto_strdup(class_name[prio]);
	tu->priority = prio;
	tu->entry_off = (uint32_t)s->n_entries;
	return (uint32_t)s->n_tunnels++;
}

/* Adds a path of the last tunnel with its rate before and after. */
static uint32_t add_path(inst *in, const uint32_t *links, uint32_t n, double from, double to)
{
	plan_space *s = &in->s;
	assert_true(s->n_tunnels > 0);
	if (s->n_entries == in->cap_e) {
		in->cap_e = in->cap_e ? 2 * in->cap_e : 16;
		s->entries = neto_reallocarray(s->entries, in->cap_e, sizeof *s->entries);
		in->from = neto_reallocarray(in->from, in->cap_e, sizeof *in->from);
		in->to = neto_reallocarray(in->to, in->cap_e, sizeof *in->to);
	}
	while (s->n_links + n > in->cap_l) {
		in->cap_l = in->cap_l ? 2 * in->cap_l : 64;
		s->links = neto_reallocarray(s->links, in->cap_l, sizeof *s->links);
	}
	uint32_t e = (uint32_t)s->n_entries++;
	s->entries[e] = (plan_entry){
		.tunnel = (uint32_t)s->n_tunnels - 1,
		.link_off = (uint32_t)s->n_links,
		.n_links = n,
	};
	memcpy(s->links + s->n_links, links, n * sizeof *links);
	s->n_links += n;
	s->tunnels[s->n_tunnels - 1].n_entries++;
	in->from[e] = from;
	in->to[e] = to;
	return e;
}

static void inst_free(inst *in)
{
	plan_space_free(&in->s);
	free(in->from);
	free(in->to);
	topo_free(&in->t);
}

/* One-link path helper. */
static uint32_t path1(inst *in, uint32_t l, double from, double to)
{
	return add_path(in, &l, 1, from, to);
}

static double total(const inst *in, uint32_t t, const double *c)
{
	const plan_tunnel *tu = &in->s.tunnels[t];
	double sum = 0;
	for (uint32_t e = tu->entry_off; e < tu->entry_off + tu->n_entries; e++)
		sum += c[e];
	return sum;
}

/* The properties every plan must have. */
static void check_plan(const inst *in, const plan_result *r, unsigned max_steps)
{
	const plan_space *s = &in->s;
	assert_true(r->n_configs >= 2);
	assert_true(r->n_configs - 1 <= max_steps);
	assert_memory_equal(r->cfg[0], in->from, s->n_entries * sizeof(double));
	assert_memory_equal(r->cfg[r->n_configs - 1], in->to, s->n_entries * sizeof(double));
	plan_violation v[4];
	size_t nv = plan_verify(s, (const double *const *)r->cfg, r->n_configs, v, 4, NULL);
	if (nv > 0)
		fprintf(stderr, "violation: step %zu link %u load %.17g cap %.17g\n", v[0].step,
			v[0].link, v[0].load, v[0].capacity);
	assert_int_equal(nv, 0);
	uint32_t top = UINT32_MAX;
	for (size_t t = 0; t < s->n_tunnels; t++)
		if (s->tunnels[t].priority < top)
			top = s->tunnels[t].priority;
	for (size_t t = 0; t < s->n_tunnels; t++) {
		double nrm = fmin(total(in, (uint32_t)t, in->from), total(in, (uint32_t)t, in->to));
		bool throttled = false;
		for (size_t k = 0; k < r->n_throttled; k++)
			throttled |= r->throttled[k].tunnel == t;
		if (throttled)
			continue;
		for (size_t i = 1; i + 1 < r->n_configs; i++)
			assert_true(total(in, (uint32_t)t, r->cfg[i]) >= nrm * (1 - 1e-6) - 1e-6);
	}
	for (size_t k = 0; k < r->n_throttled; k++) {
		const plan_throttle *th = &r->throttled[k];
		assert_true(th->tunnel < s->n_tunnels);
		assert_true(s->tunnels[th->tunnel].priority > top);
		assert_true(th->rate < th->normal);
		assert_true(th->rate >= 0);
		assert_true(th->first_step <= th->last_step);
		assert_true(th->last_step + 1 < r->n_configs);
		for (size_t i = th->first_step + 1; i <= th->last_step; i++)
			assert_true(total(in, th->tunnel, r->cfg[i]) <= th->rate * (1 + 1e-9) + 1e-9);
	}
}

static int plan(inst *in, unsigned max_steps, plan_result *r, neto_err *err)
{
	plan_opts o = { .max_steps = max_steps, .progress = NULL };
	if (getenv("PLAN_PROGRESS") != NULL)
		o.progress = stderr;
	return plan_make(&in->s, in->from, in->to, &o, r, err);
}

/* ---- hand-made instances ---- */

/* Enough slack everywhere: one step. */
static void test_direct(void **state)
{
	(void)state;
	inst in;
	inst_init(&in, 3);
	uint32_t ab = add_link(&in, 0, 1, 10), bc = add_link(&in, 1, 2, 10);
	uint32_t ac = add_link(&in, 0, 2, 10);
	finish_topo(&in);
	add_tunnel(&in, 0, 2, 0);
	uint32_t p[2] = { ab, bc };
	add_path(&in, p, 2, 4, 1);
	path1(&in, ac, 1, 4);
	add_tunnel(&in, 0, 1, 1);
	path1(&in, ab, 3, 5);
	plan_result r;
	neto_err err;
	assert_int_equal(plan(&in, 10, &r, &err), 0);
	check_plan(&in, &r, 10);
	assert_int_equal(r.n_configs, 2);
	assert_int_equal(r.n_throttled, 0);
	assert_true(r.compute_seconds >= 0);
	plan_result_free(&r);
	/* busiest link 7 of 10 before: slack 0.3, ceil(1 / 0.3) = 4 */
	assert_int_equal(plan_swan_bound(&in.s, in.from, in.to), 4);
	inst_free(&in);
}

/* Two tunnels swap parallel links of capacity 10 at `rate` each; classes
 * gold and silver. */
static void swap_instance(inst *in, double rate)
{
	inst_init(in, 2);
	uint32_t l1 = add_link(in, 0, 1, 10), l2 = add_link(in, 0, 1, 10);
	finish_topo(in);
	add_tunnel(in, 0, 1, 0);
	path1(in, l1, rate, 0);
	path1(in, l2, 0, rate);
	add_tunnel(in, 0, 1, 1);
	path1(in, l2, rate, 0);
	path1(in, l1, 0, rate);
}

/* Rates 6 of 10: the direct jump loads each link with 12, one
 * intermediate configuration (half way) suffices. */
static void test_swap_one_intermediate(void **state)
{
	(void)state;
	inst in;
	swap_instance(&in, 6);
	plan_result r;
	neto_err err;
	assert_int_equal(plan(&in, 10, &r, &err), 0);
	check_plan(&in, &r, 10);
	assert_int_equal(r.n_configs, 3);
	assert_int_equal(r.n_throttled, 0);
	/* slack 0.4: SWAN's bound is ceil(2.5) = 3 steps */
	assert_int_equal(plan_swan_bound(&in.s, in.from, in.to), 3);
	plan_result_free(&r);
	inst_free(&in);
}

/* Rates 8 of 10: each step can move at most 2 of either tunnel, so 4 steps
 * are the fewest (SWAN's bound: 5). Without enough steps the silver
 * tunnel is throttled. */
static void test_swap_slack(void **state)
{
	(void)state;
	inst in;
	swap_instance(&in, 8);
	plan_result r;
	neto_err err;
	assert_int_equal(plan(&in, 10, &r, &err), 0);
	check_plan(&in, &r, 10);
	assert_int_equal(r.n_configs, 5);
	assert_int_equal(r.n_throttled, 0);
	assert_int_equal(plan_swan_bound(&in.s, in.from, in.to), 5);
	plan_result_free(&r);

	/* three steps: only with silver rate-limited meanwhile */
	assert_int_equal(plan(&in, 3, &r, &err), 0);
	check_plan(&in, &r, 3);
	assert_true(r.n_throttled >= 1);
	for (size_t k = 0; k < r.n_throttled; k++)
		assert_int_equal(r.throttled[k].tunnel, 1);
	plan_result_free(&r);

	/* one step: impossible */
	assert_int_equal(plan(&in, 1, &r, &err), -1);
	assert_true(strstr(err.msg, "within 1 step,") != NULL);
	assert_int_equal(r.n_configs, 0);
	inst_free(&in);
}

/* Two gold tunnels swap full links that bronze traffic shares: only
 * throttling bronze makes room. */
static void test_throttle_low_class(void **state)
{
	(void)state;
	inst in;
	inst_init(&in, 2);
	uint32_t l1 = add_link(&in, 0, 1, 10), l2 = add_link(&in, 0, 1, 10);
	finish_topo(&in);
	add_tunnel(&in, 0, 1, 0);
	path1(&in, l1, 6, 0);
	path1(&in, l2, 0, 6);
	add_tunnel(&in, 1, 0, 0); /* a second gold tunnel needs another pair */
	path1(&in, l2, 6, 0);
	path1(&in, l1, 0, 6);
	add_tunnel(&in, 0, 1, 2);
	path1(&in, l1, 4, 4);
	add_tunnel(&in, 1, 0, 2);
	path1(&in, l2, 4, 4);
	assert_int_equal(plan_swan_bound(&in.s, in.from, in.to), 0);
	plan_result r;
	neto_err err;
	assert_int_equal(plan(&in, 10, &r, &err), 0);
	check_plan(&in, &r, 10);
	assert_true(r.n_throttled >= 1);
	for (size_t k = 0; k < r.n_throttled; k++)
		assert_int_equal(in.s.tunnels[r.throttled[k].tunnel].priority, 2);
	plan_result_free(&r);
	inst_free(&in);
}

/* Gold tunnels swap full links that carry nothing else; the bronze tunnel
 * elsewhere cannot help, and gold is never throttled: no plan. */
static void test_no_plan_without_higher_class(void **state)
{
	(void)state;
	inst in;
	inst_init(&in, 3);
	uint32_t l1 = add_link(&in, 0, 1, 10), l2 = add_link(&in, 0, 1, 10);
	uint32_t l3 = add_link(&in, 1, 2, 10);
	finish_topo(&in);
	add_tunnel(&in, 0, 1, 0);
	path1(&in, l1, 10, 0);
	path1(&in, l2, 0, 10);
	add_tunnel(&in, 1, 0, 0);
	path1(&in, l2, 10, 0);
	path1(&in, l1, 0, 10);
	add_tunnel(&in, 1, 2, 2);
	path1(&in, l3, 5, 9);
	plan_result r;
	neto_err err;
	assert_int_equal(plan(&in, 10, &r, &err), -1);
	assert_true(strstr(err.msg, "no congestion-free plan within 10 steps, even with the "
				    "classes below 'gold' (never throttled)") != NULL);
	assert_int_equal(r.n_configs, 0);
	assert_null(r.cfg);
	assert_int_equal(r.n_throttled, 0);
	inst_free(&in);
}

/* Bronze tunnels swap full links shared with silver traffic: bronze makes
 * room for itself, silver is never throttled for a lower class's moves. */
static void test_no_throttle_for_lower_class(void **state)
{
	(void)state;
	inst in;
	inst_init(&in, 2);
	uint32_t l1 = add_link(&in, 0, 1, 10), l2 = add_link(&in, 0, 1, 10);
	finish_topo(&in);
	add_tunnel(&in, 0, 1, 0); /* gold elsewhere is the highest class */
	path1(&in, l1, 1, 1);
	add_tunnel(&in, 0, 1, 2);
	path1(&in, l1, 5, 0);
	path1(&in, l2, 0, 5);
	add_tunnel(&in, 1, 0, 2);
	path1(&in, l2, 5, 0);
	path1(&in, l1, 0, 5);
	add_tunnel(&in, 0, 1, 1);
	path1(&in, l1, 4, 4);
	add_tunnel(&in, 1, 0, 1);
	path1(&in, l2, 5, 5);
	plan_result r;
	neto_err err;
	assert_int_equal(plan(&in, 10, &r, &err), 0);
	check_plan(&in, &r, 10);
	assert_true(r.n_throttled >= 1);
	for (size_t k = 0; k < r.n_throttled; k++)
		assert_int_equal(in.s.tunnels[r.throttled[k].tunnel].priority, 2);
	plan_result_free(&r);
	inst_free(&in);
}

/* A swap on full links resolved without throttling by parking traffic on a
 * third path with room. */
static void test_third_path(void **state)
{
	(void)state;
	inst in;
	inst_init(&in, 2);
	uint32_t l1 = add_link(&in, 0, 1, 10), l2 = add_link(&in, 0, 1, 10);
	uint32_t l3 = add_link(&in, 0, 1, 10);
	finish_topo(&in);
	add_tunnel(&in, 0, 1, 0);
	path1(&in, l1, 10, 0);
	path1(&in, l2, 0, 10);
	path1(&in, l3, 0, 0);
	add_tunnel(&in, 0, 1, 1);
	path1(&in, l2, 10, 0);
	path1(&in, l1, 0, 10);
	plan_result r;
	neto_err err;
	assert_int_equal(plan(&in, 10, &r, &err), 0);
	check_plan(&in, &r, 10);
	assert_int_equal(r.n_throttled, 0);
	assert_int_equal(r.n_configs, 4); /* park, swap, unpark */
	plan_result_free(&r);
	inst_free(&in);
}

/* Inputs that no plan can start from, and malformed ones. */
static void test_bad_input(void **state)
{
	(void)state;
	inst in;
	inst_init(&in, 2);
	uint32_t l1 = add_link(&in, 0, 1, 10);
	finish_topo(&in);
	add_tunnel(&in, 0, 1, 0);
	path1(&in, l1, 11, 5);
	plan_result r;
	neto_err err;
	assert_int_equal(plan(&in, 10, &r, &err), -1);
	assert_true(strstr(err.msg, "installed configuration already overloads link 'l0'") != NULL);
	in.from[0] = 5;
	in.to[0] = 12;
	assert_int_equal(plan(&in, 10, &r, &err), -1);
	assert_true(strstr(err.msg, "target overloads link 'l0'") != NULL);
	in.to[0] = NAN;
	assert_int_equal(plan(&in, 10, &r, &err), -1);
	in.to[0] = -1;
	assert_int_equal(plan(&in, 10, &r, &err), -1);
	in.to[0] = 5;
	in.s.links[0] = 7;
	assert_int_equal(plan(&in, 10, &r, &err), -1);
	assert_true(strstr(err.msg, "unknown link") != NULL);
	in.s.links[0] = l1;
	/* nothing changes: one step, nothing to do */
	assert_int_equal(plan(&in, 0, &r, &err), 0);
	check_plan(&in, &r, 10);
	assert_int_equal(r.n_configs, 2);
	plan_result_free(&r);
	inst_free(&in);
}

/* ---- router updates ---- */

static void test_updates(void **state)
{
	(void)state;
	inst in;
	inst_init(&in, 2);
	uint32_t l1 = add_link(&in, 0, 1, 100), l2 = add_link(&in, 0, 1, 100);
	finish_topo(&in);
	add_tunnel(&in, 0, 1, 0); /* 0: created */
	path1(&in, l1, 0, 5);
	add_tunnel(&in, 1, 0, 0); /* 1: grows */
	path1(&in, l2, 3, 4);
	add_tunnel(&in, 0, 1, 1); /* 2: unchanged */
	path1(&in, l1, 2, 2);
	add_tunnel(&in, 1, 0, 1); /* 3: deleted */
	path1(&in, l2, 2, 0);
	add_tunnel(&in, 0, 1, 2); /* 4: shrinks while moving */
	path1(&in, l1, 6, 0);
	path1(&in, l2, 0, 5);
	add_tunnel(&in, 1, 0, 2); /* 5: moves, same total */
	path1(&in, l1, 1, 0);
	path1(&in, l2, 0, 1);
	plan_update *u;
	size_t n = plan_step_updates(&in.s, in.from, in.to, &u);
	assert_int_equal(n, 5);
	assert_int_equal(u[0].tunnel, 3);
	assert_int_equal(u[0].action, PLAN_DELETE);
	assert_int_equal(u[1].tunnel, 4);
	assert_int_equal(u[1].action, PLAN_MODIFY);
	assert_int_equal(u[2].tunnel, 1);
	assert_int_equal(u[2].action, PLAN_MODIFY);
	assert_int_equal(u[3].tunnel, 5);
	assert_int_equal(u[3].action, PLAN_MODIFY);
	assert_int_equal(u[4].tunnel, 0);
	assert_int_equal(u[4].action, PLAN_CREATE);
	free(u);
	n = plan_step_updates(&in.s, in.from, in.from, &u);
	assert_int_equal(n, 0);
	free(u);
	inst_free(&in);
}

/* ---- random instances ---- */

typedef struct rparams {
	uint32_t nodes, links, tunnels, max_paths, max_len;
	bool swap;                /* two paths each: one before, the other after */
	double umax_lo, umax_hi;  /* peak utilisation of each configuration */
	uint32_t classes;
	bool maxmin;              /* fill links like a max-min fair allocation */
} rparams;

/* Scales the configuration c so that its busiest link is at utilisation u. */
static void fit(inst *in, double *c, double u)
{
	double *load = neto_calloc(in->t.n_links, sizeof *load);
	for (size_t e = 0; e < in->s.n_entries; e++) {
		const plan_entry *en = &in->s.entries[e];
		for (uint32_t i = 0; i < en->n_links; i++)
			load[in->s.links[en->link_off + i]] += c[e];
	}
	double peak = 0;
	for (uint32_t l = 0; l < in->t.n_links; l++)
		peak = fmax(peak, load[l] / in->t.links[l].capacity);
	if (peak > 0)
		for (size_t e = 0; e < in->s.n_entries; e++)
			c[e] *= u / peak;
	free(load);
}

/*
 * Fills the links like a max-min fair TE allocation with fixed splits: c
 * holds each tunnel's split weights on entry; every tunnel's rate rises at
 * the same pace until its demand (random, 1 to 30) is met or one of its
 * links is full. Most bottleneck links end up exactly full, as in `neto te`
 * output, which is what makes transitions hard.
 */
static void fill_maxmin(inst *in, double *c, uint64_t *rs)
{
	const plan_space *s = &in->s;
	size_t nt = s->n_tunnels;
	uint32_t nl = in->t.n_links;
	double *rate = neto_calloc(nt, sizeof *rate);
	double *dem = neto_malloc(nt * sizeof *dem);
	bool *active = neto_calloc(nt, sizeof *active);
	double *load = neto_malloc(nl * sizeof *load);
	double *coef = neto_malloc(nl * sizeof *coef);
	for (size_t t = 0; t < nt; t++) {
		double w = total(in, (uint32_t)t, c);
		dem[t] = 1 + 29 * tu_randf(rs);
		active[t] = w > 0;
		const plan_tunnel *tu = &s->tunnels[t];
		for (uint32_t e = tu->entry_off; e < tu->entry_off + tu->n_entries; e++)
			c[e] = w > 0 ? c[e] / w : 0;
	}
	for (;;) {
		memset(load, 0, nl * sizeof *load);
		memset(coef, 0, nl * sizeof *coef);
		bool any = false;
		for (size_t t = 0; t < nt; t++) {
			const plan_tunnel *tu = &s->tunnels[t];
			any |= active[t];
			for (uint32_t e = tu->entry_off; e < tu->entry_off + tu->n_entries; e++) {
				const plan_entry *en = &s->entries[e];
				for (uint32_t i = 0; i < en->n_links; i++) {
					load[s->links[en->link_off + i]] += c[e] * rate[t];
					if (active[t])
						coef[s->links[en->link_off + i]] += c[e];
				}
			}
		}
		if (!any)
			break;
		double d = HUGE_VAL;
		for (uint32_t l = 0; l < nl; l++)
			if (coef[l] > 0)
				d = fmin(d, fmax(in->t.links[l].capacity - load[l], 0) / coef[l]);
		for (size_t t = 0; t < nt; t++)
			if (active[t])
				d = fmin(d, dem[t] - rate[t]);
		for (uint32_t l = 0; l < nl; l++)
			load[l] += coef[l] * d;
		for (size_t t = 0; t < nt; t++) {
			if (!active[t])
				continue;
			rate[t] += d;
			if (rate[t] >= dem[t])
				active[t] = false;
			const plan_tunnel *tu = &s->tunnels[t];
			for (uint32_t e = tu->entry_off; e < tu->entry_off + tu->n_entries; e++) {
				const plan_entry *en = &s->entries[e];
				for (uint32_t i = 0; i < en->n_links && c[e] > 0; i++) {
					uint32_t l = s->links[en->link_off + i];
					if (load[l] >= in->t.links[l].capacity * (1 - 1e-12))
						active[t] = false;
				}
			}
		}
	}
	for (size_t t = 0; t < nt; t++) {
		const plan_tunnel *tu = &s->tunnels[t];
		for (uint32_t e = tu->entry_off; e < tu->entry_off + tu->n_entries; e++)
			c[e] *= rate[t];
	}
	/* no link above its capacity, whatever the rounding */
	fit(in, c, 1);
	free(rate);
	free(dem);
	free(active);
	free(load);
	free(coef);
}

/* Random rates over a tunnel's paths: some paths unused, sometimes the
 * whole tunnel (created or deleted). */
static void random_split(uint64_t *rs, double *c, uint32_t n)
{
	double r = tu_randf(rs);
	bool none = r < 0.1;
	for (uint32_t k = 0; k < n; k++)
		c[k] = none || tu_randf(rs) < 0.3 ? 0 : 1 + 9 * tu_randf(rs);
}

static void random_instance(inst *in, const rparams *p, uint64_t *rs)
{
	inst_init(in, p->nodes);
	for (uint32_t l = 0; l < p->links; l++) {
		uint32_t a = (uint32_t)(tu_rand(rs) % p->nodes);
		uint32_t b = (uint32_t)(tu_rand(rs) % (p->nodes - 1));
		if (b >= a)
			b++;
		add_link(in, a, b, 10 + 90 * tu_randf(rs));
	}
	finish_topo(in);
	uint32_t *links = neto_malloc(p->max_len * sizeof *links);
	double *fr = neto_malloc(p->max_paths * sizeof *fr);
	double *to = neto_malloc(p->max_paths * sizeof *to);
	for (uint32_t t = 0; t < p->tunnels; t++) {
		/* distinct (src, dst, class) by construction: t's own pair */
		add_tunnel(in, t % p->nodes, (t / p->nodes) % p->nodes,
			   (uint32_t)(tu_rand(rs) % p->classes));
		uint32_t np = 1 + (uint32_t)(tu_rand(rs) % p->max_paths);
		random_split(rs, fr, np);
		random_split(rs, to, np);
		if (p->swap) {
			np = 2;
			fr[0] = to[1] = 1;
			fr[1] = to[0] = 0;
		}
		for (uint32_t k = 0; k < np; k++) {
			uint32_t len = 1 + (uint32_t)(tu_rand(rs) % p->max_len);
			for (uint32_t i = 0; i < len; i++) {
				uint32_t l;
				bool dup;
				do {
					l = (uint32_t)(tu_rand(rs) % p->links);
					dup = false;
					for (uint32_t j = 0; j < i; j++)
						dup |= links[j] == l;
				} while (dup);
				links[i] = l;
			}
			add_path(in, links, len, fr[k], to[k]);
		}
	}
	free(links);
	free(fr);
	free(to);
	if (p->maxmin) {
		fill_maxmin(in, in->from, rs);
		fill_maxmin(in, in->to, rs);
		return;
	}
	double u = p->umax_lo + (p->umax_hi - p->umax_lo) * tu_randf(rs);
	fit(in, in->from, u);
	u = p->umax_lo + (p->umax_hi - p->umax_lo) * tu_randf(rs);
	fit(in, in->to, u);
}

static void random_round(const rparams *p, uint64_t seed, size_t *stats)
{
	uint64_t rs = seed;
	inst in;
	random_instance(&in, p, &rs);
	plan_result r;
	neto_err err;
	size_t swan = plan_swan_bound(&in.s, in.from, in.to);
	int rc = plan(&in, 10, &r, &err);
	if (rc == 0) {
		check_plan(&in, &r, 10);
		size_t steps = r.n_configs - 1;
		if (swan > 0 && swan <= 10) {
			if (steps > swan)
				fprintf(stderr, "seed %llu: %zu steps > SWAN %zu\n",
					(unsigned long long)seed, steps, swan);
			assert_true(steps <= swan);
			assert_int_equal(r.n_throttled, 0);
		}
		if (steps > 1) {
			/* the direct jump must not have worked */
			const double *two[2] = { in.from, in.to };
			assert_true(plan_verify(&in.s, two, 2, NULL, 0, NULL) > 0);
		}
		stats[0]++;
		stats[1] += steps;
		stats[2] += r.n_throttled > 0;
		plan_result_free(&r);
	} else {
		/* with slack, a plan within SWAN's bound always exists */
		if (swan > 0 && swan <= 10)
			fprintf(stderr, "seed %llu: %s\n", (unsigned long long)seed, err.msg);
		assert_false(swan > 0 && swan <= 10);
		assert_true(err.msg[0] != '\0');
		assert_int_equal(r.n_configs, 0);
		stats[3]++;
	}
	inst_free(&in);
}

static void test_random_slack(void **state)
{
	(void)state;
	rparams p = { .nodes = 6, .links = 10, .tunnels = 12, .max_paths = 3, .max_len = 3,
		      .umax_lo = 0.5, .umax_hi = 0.95, .classes = 3 };
	size_t stats[4] = { 0 };
	for (uint64_t seed = 1; seed <= 300; seed++)
		random_round(&p, seed * 7919, stats);
	printf("slack: %zu plans (%zu steps in all, %zu throttled), %zu without\n", stats[0],
	       stats[1], stats[2], stats[3]);
	assert_int_equal(stats[3], 0);
}

static void test_random_tight(void **state)
{
	(void)state;
	rparams p = { .nodes = 6, .links = 10, .tunnels = 14, .max_paths = 3, .max_len = 3,
		      .umax_lo = 1, .umax_hi = 1, .classes = 3, .maxmin = true };
	size_t stats[4] = { 0 };
	for (uint64_t seed = 1; seed <= 300; seed++)
		random_round(&p, seed * 104729, stats);
	printf("tight: %zu plans (%zu steps in all, %zu throttled), %zu without\n", stats[0],
	       stats[1], stats[2], stats[3]);
	assert_true(stats[0] > 0);
}

static void test_random_one_class(void **state)
{
	(void)state;
	rparams p = { .nodes = 5, .links = 8, .tunnels = 10, .max_paths = 3, .max_len = 2,
		      .umax_lo = 0.8, .umax_hi = 1, .classes = 1, .maxmin = true };
	size_t stats[4] = { 0 };
	for (uint64_t seed = 1; seed <= 200; seed++)
		random_round(&p, seed * 15485863, stats);
	printf("one class: %zu plans (%zu steps in all, %zu throttled), %zu without\n",
	       stats[0], stats[1], stats[2], stats[3]);
	assert_int_equal(stats[2], 0);
}

/* Every tunnel moves from one path to another on full links: cycles that
 * only throttling breaks; mid-sized, so that the planner's methods for
 * larger instances run too. */
static void test_random_swaps(void **state)
{
	(void)state;
	static const rparams sizes[] = {
		{ .nodes = 6, .links = 10, .tunnels = 12, .max_paths = 2, .max_len = 3,
		  .swap = true, .classes = 3, .maxmin = true },
		{ .nodes = 20, .links = 40, .tunnels = 400, .max_paths = 2, .max_len = 4,
		  .swap = true, .classes = 3, .maxmin = true },
	};
	static const size_t rounds[] = { 200, 5 };
	for (size_t z = 0; z < 2; z++) {
		size_t stats[4] = { 0 };
		for (uint64_t seed = 1; seed <= rounds[z]; seed++)
			random_round(&sizes[z], seed * 2654435761u + z, stats);
		printf("swaps (%u tunnels): %zu plans (%zu steps in all, %zu throttled), %zu "
		       "without\n", sizes[z].tunnels, stats[0], stats[1], stats[2], stats[3]);
		assert_true(stats[0] > 0);
	}
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Thousands of tunnels on a few hundred links. */
static void test_timing(void **state)
{
	(void)state;
	static const struct {
		double lo, hi;
		const char *what;
	} runs[] = { { 0.6, 0.9, "slack" }, { 1, 1, "max-min fair, full links" } };
	for (size_t k = 0; k < sizeof runs / sizeof runs[0]; k++) {
		rparams p = { .nodes = 100, .links = 300, .tunnels = 5000, .max_paths = 4,
			      .max_len = 6, .umax_lo = runs[k].lo, .umax_hi = runs[k].hi,
			      .classes = 3, .maxmin = runs[k].hi >= 1 };
		uint64_t rs = 424242 + k;
		inst in;
		random_instance(&in, &p, &rs);
		plan_result r;
		neto_err err;
		double t0 = now();
		int rc = plan(&in, 10, &r, &err);
		double secs = now() - t0;
		if (rc == 0) {
			check_plan(&in, &r, 10);
			double vol = 0, all = 0;
			for (size_t i = 0; i < r.n_throttled; i++)
				vol += r.throttled[i].normal - r.throttled[i].rate;
			for (size_t t = 0; t < in.s.n_tunnels; t++)
				all += fmin(total(&in, (uint32_t)t, in.from),
					    total(&in, (uint32_t)t, in.to));
			printf("timing (%s): %zu tunnels, %zu paths, %u links: %zu steps, %zu "
			       "throttled (%.2g%% of the traffic), %.3f s\n",
			       runs[k].what, in.s.n_tunnels, in.s.n_entries, in.t.n_links,
			       r.n_configs - 1, r.n_throttled, all > 0 ? 100 * vol / all : 0, secs);
			plan_result_free(&r);
		} else {
			printf("timing (%s): no plan (%s), %.3f s\n", runs[k].what, err.msg, secs);
		}
		inst_free(&in);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_direct),
		cmocka_unit_test(test_swap_one_intermediate),
		cmocka_unit_test(test_swap_slack),
		cmocka_unit_test(test_throttle_low_class),
		cmocka_unit_test(test_no_plan_without_higher_class),
		cmocka_unit_test(test_no_throttle_for_lower_class),
		cmocka_unit_test(test_third_path),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_updates),
		cmocka_unit_test(test_random_slack),
		cmocka_unit_test(test_random_tight),
		cmocka_unit_test(test_random_one_class),
		cmocka_unit_test(test_random_swaps),
		cmocka_unit_test(test_timing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
