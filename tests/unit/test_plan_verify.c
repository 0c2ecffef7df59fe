/*
 * test_plan_verify.c - the congestion-free check of transition plans: hand-
 * made plans whose answer is known (a swap of two tunnels over full links
 * must be caught; the same swap one tunnel at a time through a free link must
 * pass; a tunnel moving its own traffic between paths that share a link is
 * not double-counted), the tolerance, violation lists and peaks, a property
 * test against a naive reference, and the speed on a UsCarrier-sized plan.
 */
#include <math.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "lib/mem.h"
#include "plan/plan.h"
#include "plan/plan_json.h"
#include "testutil.h"
#include "topo/topo_io.h"

/* a -> b over three parallel links of capacity 10; a -> x -> b -> c for the
 * shared-link case. */
static const char topo_json[] =
	"{\"nodes\":[{\"name\":\"a\"},{\"name\":\"b\"},{\"name\":\"c\"},{\"name\":\"x\"}],"
	"\"links\":["
	"{\"id\":\"l1\",\"src\":\"a\",\"dst\":\"b\",\"capacity\":10,\"delay\":100},"
	"{\"id\":\"l2\",\"src\":\"a\",\"dst\":\"b\",\"capacity\":10,\"delay\":100},"
	"{\"id\":\"l3\",\"src\":\"a\",\"dst\":\"b\",\"capacity\":10,\"delay\":100},"
	"{\"id\":\"ax\",\"src\":\"a\",\"dst\":\"x\",\"capacity\":10,\"delay\":100},"
	"{\"id\":\"xb\",\"src\":\"x\",\"dst\":\"b\",\"capacity\":10,\"delay\":100},"
	"{\"id\":\"bc\",\"src\":\"b\",\"dst\":\"c\",\"capacity\":10,\"delay\":100}]}";

static void load_topo(topo *t)
{
	neto_err err;
	topo_init(t);
	if (topo_parse_json(t, topo_json, strlen(topo_json), "t.json", &err) != 0) {
		print_error("%s\n", err.msg);
		fail();
	}
}

#define CLASSES                                                                               \
	"\"classes\":[{\"name\":\"gold\",\"priority\":0},{\"name\":\"bronze\",\"priority\":1}]"
#define TUN(src, dst, cls, paths)                                                              \
	"{\"src\":\"" src "\",\"dst\":\"" dst "\",\"class\":\"" cls "\",\"paths\":[" paths "]}"
#define PATH1(l, r) "{\"links\":[\"" l "\"],\"rate\":" #r "}"

typedef struct loaded {
	topo t;
	plan_space s;
	double **cfg;
	size_t n;
} loaded;

static void load_plan(loaded *p, const char *doc)
{
	neto_err err;
	load_topo(&p->t);
	plan_space_init(&p->s, &p->t);
	if (plan_json_parse(&p->s, &p->cfg, &p->n, doc, strlen(doc), "plan.json", &err) != 0) {
		print_error("%s\n", err.msg);
		fail();
	}
}

static void free_plan(loaded *p)
{
	plan_json_cfg_free(p->cfg, p->n);
	plan_space_free(&p->s);
	topo_free(&p->t);
}

static uint32_t link_of(const topo *t, const char *id)
{
	uint32_t l = topo_find_link(t, id, strlen(id));
	assert_true(l != TOPO_NONE);
	return l;
}

static const char swap_direct[] =
	"{" CLASSES ",\"initial\":{\"tunnels\":[" TUN("a", "b", "gold", PATH1("l1", 10)) ","
	TUN("a", "b", "bronze", PATH1("l2", 10)) "]},"
	"\"steps\":[{\"index\":0,\"tunnels\":[" TUN("a", "b", "gold", PATH1("l2", 10)) ","
	TUN("a", "b", "bronze", PATH1("l1", 10)) "]}]}";

static void test_swap_on_full_links_is_caught(void **state)
{
	(void)state;
	loaded p;
	load_plan(&p, swap_direct);
	assert_int_equal(p.n, 2);
	plan_violation v[4];
	double worst[1];
	size_t nv = plan_verify(&p.s, (const double *const *)p.cfg, p.n, v, 4, worst);
	assert_int_equal(nv, 2);
	uint32_t l1 = link_of(&p.t, "l1"), l2 = link_of(&p.t, "l2");
	assert_int_equal(v[0].step, 0);
	assert_int_equal(v[0].link, l1 < l2 ? l1 : l2);
	assert_int_equal(v[1].link, l1 < l2 ? l2 : l1);
	for (int i = 0; i < 2; i++) {
		assert_true(v[i].load == 20);
		assert_true(v[i].capacity == 10);
	}
	assert_true(worst[0] == 2.0);
	/* counting without a list, and a list shorter than the count */
	assert_int_equal(plan_verify(&p.s, (const double *const *)p.cfg, p.n, NULL, 0, NULL), 2);
	assert_int_equal(plan_verify(&p.s, (const double *const *)p.cfg, p.n, v, 1, NULL), 2);
	free_plan(&p);
}

/* The same swap through the free link l3, one tunnel per step. */
static const char swap_staged[] =
	"{" CLASSES ",\"initial\":{\"tunnels\":[" TUN("a", "b", "gold", PATH1("l1", 10)) ","
	TUN("a", "b", "bronze", PATH1("l2", 10)) "]},"
	"\"steps\":["
	"{\"index\":0,\"tunnels\":[" TUN("a", "b", "gold", PATH1("l3", 10)) "]},"
	"{\"index\":1,\"tunnels\":[" TUN("a", "b", "bronze", PATH1("l1", 10)) "]},"
	"{\"index\":2,\"tunnels\":[" TUN("a", "b", "gold", PATH1("l2", 10)) "]}]}";

static void test_one_tunnel_at_a_time_passes(void **state)
{
	(void)state;
	loaded p;
	load_plan(&p, swap_staged);
	assert_int_equal(p.n, 4);
	double worst[3];
	assert_int_equal(plan_verify(&p.s, (const double *const *)p.cfg, p.n, NULL, 0, worst), 0);
	for (int i = 0; i < 3; i++)
		assert_true(worst[i] == 1.0);
	/* the configurations are what the steps say: the end state is the swap */
	double load[6];
	plan_link_loads(&p.s, p.cfg[3], load);
	assert_true(load[link_of(&p.t, "l1")] == 10);
	assert_true(load[link_of(&p.t, "l2")] == 10);
	assert_true(load[link_of(&p.t, "l3")] == 0);
	/* skipping the middle step breaks it: gold onto l2 while bronze is there */
	const double *skip[3] = { p.cfg[0], p.cfg[1], p.cfg[3] };
	plan_violation v[4];
	size_t nv = plan_verify(&p.s, skip, 3, v, 4, NULL);
	assert_true(nv >= 1);
	assert_int_equal(v[0].step, 1);
	free_plan(&p);
}

/* A tunnel moves its own 10 units between two paths that share link bc:
 * it never carries both, so bc sees 10, not 20. */
static const char own_move[] =
	"{" CLASSES ",\"initial\":{\"tunnels\":["
	TUN("a", "c", "gold", "{\"links\":[\"l1\",\"bc\"],\"rate\":10}") "]},"
	"\"steps\":[{\"tunnels\":["
	TUN("a", "c", "gold", "{\"links\":[\"ax\",\"xb\",\"bc\"],\"rate\":10}") "]}]}";

static void test_per_tunnel_max_not_per_path(void **state)
{
	(void)state;
	loaded p;
	load_plan(&p, own_move);
	double worst[1];
	assert_int_equal(plan_verify(&p.s, (const double *const *)p.cfg, p.n, NULL, 0, worst), 0);
	assert_true(worst[0] == 1.0);
	free_plan(&p);
}

static void test_tolerance(void **state)
{
	(void)state;
	loaded p;
	load_plan(&p, swap_staged);
	/* scale gold's rate in the last configuration just past capacity */
	double *c = p.cfg[3];
	size_t gi = SIZE_MAX;
	for (size_t i = 0; i < p.s.n_tunnels; i++)
		if (strcmp(p.s.tunnels[i].cls, "gold") == 0)
			gi = i;
	assert_true(gi < p.s.n_tunnels);
	plan_tunnel gold = p.s.tunnels[gi];
	uint32_t e_l2 = UINT32_MAX;
	uint32_t l2 = link_of(&p.t, "l2");
	for (uint32_t e = gold.entry_off; e < gold.entry_off + gold.n_entries; e++)
		if (p.s.links[p.s.entries[e].link_off] == l2)
			e_l2 = e;
	assert_true(e_l2 != UINT32_MAX);
	c[e_l2] = 10 * (1 + 1e-12); /* within 1e-9: rounding, not overload */
	assert_int_equal(plan_verify(&p.s, (const double *const *)p.cfg, p.n, NULL, 0, NULL), 0);
	c[e_l2] = 10 * (1 + 1e-7);
	plan_violation v[2];
	assert_int_equal(plan_verify(&p.s, (const double *const *)p.cfg, p.n, v, 2, NULL), 1);
	assert_int_equal(v[0].step, 2);
	assert_int_equal(v[0].link, l2);
	c[e_l2] = (double)NAN; /* a bad number is never a pass */
	assert_int_equal(plan_verify(&p.s, (const double *const *)p.cfg, p.n, NULL, 0, NULL), 1);
	free_plan(&p);
}

static void test_trivial_plans(void **state)
{
	(void)state;
	loaded p;
	load_plan(&p, swap_direct);
	/* no step: nothing to check */
	assert_int_equal(plan_verify(&p.s, (const double *const *)p.cfg, 1, NULL, 0, NULL), 0);
	assert_int_equal(plan_verify(&p.s, (const double *const *)p.cfg, 0, NULL, 0, NULL), 0);
	/* a step that changes nothing is as loaded as the configuration */
	const double *same[2] = { p.cfg[0], p.cfg[0] };
	double worst[1];
	assert_int_equal(plan_verify(&p.s, same, 2, NULL, 0, worst), 0);
	assert_true(worst[0] == 1.0);
	free_plan(&p);
}

/* ---- property test against a naive reference ---------------------------- */

/* A random topology: a ring of n nodes both ways plus random chords. */
static void random_topo(topo *t, uint32_t n, uint32_t chords, uint64_t *rng)
{
	neto_err err;
	topo_init(t);
	char name[32];
	for (uint32_t v = 0; v < n; v++) {
		snprintf(name, sizeof name, "n%u", v);
		assert_int_not_equal(topo_add_node(t, name, strlen(name), &err), TOPO_NONE);
	}
	uint32_t id = 0;
	for (uint32_t v = 0; v < n; v++) {
		uint32_t w = (v + 1) % n;
		for (int dir = 0; dir < 2; dir++) {
			snprintf(name, sizeof name, "e%u", id++);
			double cap = 50 + 100 * tu_randf(rng);
			assert_int_not_equal(topo_add_link(t, name, strlen(name), dir ? w : v,
							   dir ? v : w, cap, 100, 1, &err),
					     TOPO_NONE);
		}
	}
	for (uint32_t k = 0; k < chords;) {
		uint32_t v = (uint32_t)(tu_rand(rng) % n), w = (uint32_t)(tu_rand(rng) % n);
		if (v == w)
			continue;
		k++;
		for (int dir = 0; dir < 2; dir++) {
			snprintf(name, sizeof name, "e%u", id++);
			double cap = 50 + 100 * tu_randf(rng);
			assert_int_not_equal(topo_add_link(t, name, strlen(name), dir ? w : v,
							   dir ? v : w, cap, 100, 1, &err),
					     TOPO_NONE);
		}
	}
	assert_int_equal(topo_finish(t, &err), 0);
}

/* A loopless random walk of 1..max_len links from src; returns its length
 * and its end node in *dst. */
static uint32_t random_walk(const topo *t, uint32_t src, uint32_t max_len, uint32_t *links,
			    uint8_t *seen, uint64_t *rng, uint32_t *dst)
{
	memset(seen, 0, t->n_nodes);
	seen[src] = 1;
	uint32_t at = src, n = 0;
	uint32_t len = 1 + (uint32_t)(tu_rand(rng) % max_len);
	while (n < len) {
		uint32_t deg = t->out_off[at + 1] - t->out_off[at];
		uint32_t pick = UINT32_MAX;
		for (uint32_t tries = 0; tries < 2 * deg && pick == UINT32_MAX; tries++) {
			uint32_t l = t->out_links[t->out_off[at] + (uint32_t)(tu_rand(rng) % deg)];
			if (!seen[t->links[l].dst])
				pick = l;
		}
		if (pick == UINT32_MAX)
			break;
		links[n++] = pick;
		at = t->links[pick].dst;
		seen[at] = 1;
	}
	if (n == 0) { /* take any link: the ring always has one */
		links[n++] = t->out_links[t->out_off[src]];
		at = t->links[links[0]].dst;
	}
	*dst = at;
	return n;
}

/* A space of n_tun tunnels with paths_per (fixed) or 1..paths_per random
 * paths each, built
 * directly (the verifier does not care how it was made). */
static void random_space(plan_space *s, const topo *t, size_t n_tun, uint32_t paths_per,
			 bool fixed, uint32_t max_len, uint64_t *rng)
{
	plan_space_init(s, t);
	s->tunnels = neto_calloc(n_tun, sizeof *s->tunnels);
	s->n_tunnels = n_tun;
	size_t cap_e = n_tun * paths_per, cap_l = cap_e * max_len;
	s->entries = neto_calloc(cap_e, sizeof *s->entries);
	s->links = neto_calloc(cap_l, sizeof *s->links);
	uint8_t *seen = neto_malloc(t->n_nodes);
	for (size_t i = 0; i < n_tun; i++) {
		plan_tunnel *tu = &s->tunnels[i];
		tu->src = (uint32_t)(tu_rand(rng) % t->n_nodes);
		tu->cls = neto_strdup("c");
		tu->entry_off = (uint32_t)s->n_entries;
		uint32_t np = fixed ? paths_per : 1 + (uint32_t)(tu_rand(rng) % paths_per);
		for (uint32_t k = 0; k < np; k++) {
			plan_entry *en = &s->entries[s->n_entries];
			en->tunnel = (uint32_t)i;
			en->link_off = (uint32_t)s->n_links;
			uint32_t dst;
			en->n_links = random_walk(t, tu->src, max_len, s->links + s->n_links, seen, rng,
						  &dst);
			tu->dst = dst; /* the verifier only needs the links */
			s->n_links += en->n_links;
			s->n_entries++;
		}
		tu->n_entries = np;
	}
	free(seen);
}

static double **random_cfgs(const plan_space *s, size_t n, double zero_share, double scale,
			    uint64_t *rng)
{
	double **c = neto_calloc(n, sizeof *c);
	for (size_t i = 0; i < n; i++) {
		c[i] = neto_calloc(s->n_entries, sizeof *c[i]);
		for (size_t e = 0; e < s->n_entries; e++)
			c[i][e] = tu_randf(rng) < zero_share ? 0 : scale * tu_randf(rng);
	}
	return c;
}

/* The definition, computed the slow way: per step, link and tunnel. */
static size_t naive_verify(const plan_space *s, double *const *cfg, size_t n, double *worst)
{
	const topo *t = s->t;
	size_t found = 0;
	for (size_t st = 0; st + 1 < n; st++) {
		worst[st] = 0;
		for (uint32_t l = 0; l < t->n_links; l++) {
			double total = 0;
			for (size_t ti = 0; ti < s->n_tunnels; ti++) {
				const plan_tunnel *tu = &s->tunnels[ti];
				double a = 0, b = 0;
				for (uint32_t e = tu->entry_off; e < tu->entry_off + tu->n_entries; e++) {
					const plan_entry *en = &s->entries[e];
					for (uint32_t i = 0; i < en->n_links; i++)
						if (s->links[en->link_off + i] == l) {
							a += cfg[st][e];
							b += cfg[st + 1][e];
						}
				}
				total += a > b ? a : b;
			}
			double cap = t->links[l].capacity;
			if (total / cap > worst[st])
				worst[st] = total / cap;
			found += total > cap * (1 + 1e-9);
		}
	}
	return found;
}

static void test_property_against_naive(void **state)
{
	(void)state;
	uint64_t rng = 42;
	int failing = 0, passing = 0;
	for (int round = 0; round < 40; round++) {
		topo t;
		plan_space s;
		random_topo(&t, 4 + (uint32_t)(tu_rand(&rng) % 10), 6, &rng);
		random_space(&s, &t, 1 + tu_rand(&rng) % 30, 4, false, 5, &rng);
		size_t n = 2 + tu_rand(&rng) % 4;
		double **c = random_cfgs(&s, n, 0.4, 30 * tu_randf(&rng), &rng);
		double w1[8], w2[8];
		plan_violation v[4096];
		size_t got = plan_verify(&s, (const double *const *)c, n, v, 4096, w1);
		size_t want = naive_verify(&s, c, n, w2);
		assert_int_equal(got, want);
		failing += got > 0;
		passing += got == 0;
		for (size_t i = 0; i + 1 < n; i++)
			assert_true(fabs(w1[i] - w2[i]) <= 1e-12 * (1 + w2[i]));
		for (size_t i = 0; i < got && i < 4096; i++) {
			assert_true(v[i].load > v[i].capacity);
			assert_true(v[i].capacity == t.links[v[i].link].capacity);
			if (i > 0)
				assert_true(v[i].step > v[i - 1].step ||
					    (v[i].step == v[i - 1].step && v[i].link > v[i - 1].link));
		}
		/* per-link loads of a configuration: the sum over its paths */
		double *load = neto_calloc(t.n_links, sizeof *load);
		plan_link_loads(&s, c[0], load);
		double sum_load = 0, sum_rate_len = 0;
		for (uint32_t l = 0; l < t.n_links; l++)
			sum_load += load[l];
		for (size_t e = 0; e < s.n_entries; e++)
			sum_rate_len += c[0][e] * s.entries[e].n_links;
		assert_true(fabs(sum_load - sum_rate_len) <= 1e-9 * (1 + sum_rate_len));
		free(load);
		plan_json_cfg_free(c, n);
		plan_space_free(&s);
		topo_free(&t);
	}
	/* the instances exercise both answers */
	assert_true(failing >= 5);
	assert_true(passing >= 5);
}

/* ---- speed ----------------------------------------------------------------- */

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* UsCarrier's size: 158 nodes, 378 links, 74k tunnels with 4 paths each; a
 * 10-step plan (11 configurations) where every tunnel changes every step.
 * The verifier must handle it; how fast is measured by `make bench`, not
 * asserted here (a loaded machine would fail a timed test). */
static void test_speed_uscarrier_size(void **state)
{
	(void)state;
	uint64_t rng = 7;
	topo t;
	random_topo(&t, 158, 31, &rng);
	assert_int_equal(t.n_links, 378);
	plan_space s;
	random_space(&s, &t, 74000, 4, true, 12, &rng);
	double **c = random_cfgs(&s, 11, 0.0, 1.0, &rng);
	double worst[10];
	double t0 = now();
	size_t nv = plan_verify(&s, (const double *const *)c, 11, NULL, 0, worst);
	double secs = now() - t0;
	print_message("verified 10 steps of %zu tunnels, %zu paths, %zu path links in %.3f s "
		      "(%zu violations)\n",
		      s.n_tunnels, s.n_entries, s.n_links, secs, nv);
	assert_true(nv <= 10 * s.t->n_links);
	plan_json_cfg_free(c, 11);
	plan_space_free(&s);
	topo_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_swap_on_full_links_is_caught),
		cmocka_unit_test(test_one_tunnel_at_a_time_passes),
		cmocka_unit_test(test_per_tunnel_max_not_per_path),
		cmocka_unit_test(test_tolerance),
		cmocka_unit_test(test_trivial_plans),
		cmocka_unit_test(test_property_against_naive),
		cmocka_unit_test(test_speed_uscarrier_size),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
