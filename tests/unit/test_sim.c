/*
 * test_sim.c - the fluid-model WAN simulator: asynchronous installs and
 * their order, readback of the truth, rejections and stalls from a
 * scenario, session expiry and the fall back to IGP paths, link failures
 * (black-holing, IGP reroute), loads against hand-computed values, traffic
 * conservation on random cases, flow records against demand x window, and
 * the REPETITA Abilene topology with its demand matrix.
 *
 * The hand-made topology ("diamond"), every link in both directions:
 *
 *         B
 *       /   \        A-B, B-D, A-C, C-D: capacity 100, IGP 1
 *      A-----D       A-D:                capacity  50, IGP 5
 *       \   /
 *         C
 *
 * so the IGP sends A -> D half via B and half via C (ECMP), and A -> D
 * directly only as a policy's choice.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "demand/demand.h"
#include "sim/sim.h"
#include "te/srv6.h"
#include "testutil.h"
#include "topo/topo_io.h"

enum { A, B, C, D };
/* link indices of the diamond, in the order dia_build adds them */
enum { AB, BA, BD, DB, AC, CA, CD, DC, AD, DA };

static void assert_has(const char *msg, const char *needle)
{
	if (strstr(msg, needle) == NULL) {
		print_error("message \"%s\" lacks \"%s\"\n", msg, needle);
		fail();
	}
}

static void near_at(double got, double want, int line)
{
	if (fabs(got - want) > 1e-9 * (1 + fabs(want))) {
		print_error("line %d: got %.17g, want %.17g\n", line, got, want);
		fail();
	}
}
#define assert_near(got, want) near_at((got), (want), __LINE__)

static void add_pair(topo *t, uint32_t a, uint32_t b, double cap, uint32_t igp)
{
	neto_err err;
	char id[32];
	snprintf(id, sizeof id, "%s-%s", t->nodes[a].name, t->nodes[b].name);
	assert_int_not_equal(topo_add_link(t, id, strlen(id), a, b, cap, 100, igp, &err), TOPO_NONE);
	snprintf(id, sizeof id, "%s-%s", t->nodes[b].name, t->nodes[a].name);
	assert_int_not_equal(topo_add_link(t, id, strlen(id), b, a, cap, 100, igp, &err), TOPO_NONE);
}

static void dia_build(topo *t)
{
	neto_err err;
	topo_init(t);
	const char *names[] = { "A", "B", "C", "D" };
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(topo_add_node(t, names[i], 1, &err), i);
	add_pair(t, A, B, 100, 1);
	add_pair(t, B, D, 100, 1);
	add_pair(t, A, C, 100, 1);
	add_pair(t, C, D, 100, 1);
	add_pair(t, A, D, 50, 5);
	assert_int_equal(topo_finish(t, &err), 0);
}

/* Fixed 100 ms delay, no state timeout, rates in bytes per second. */
static void params_fixed(sim_params *p)
{
	sim_params_default(p);
	p->delay_dist = SIM_DELAY_FIXED;
	p->delay_min_ms = 100;
	p->state_timeout_ms = 0;
	p->bits_per_unit = 8;
}

static sim *dia_sim(topo *t, const sim_params *p)
{
	neto_err err;
	dia_build(t);
	sim *s = sim_new(t, 42, p, &err);
	if (s == NULL) {
		print_error("%s\n", err.msg);
		fail();
	}
	return s;
}

static sim_scenario *scen(const char *text)
{
	sim_scenario *sc;
	neto_err err;
	size_t len = strlen(text);
	char *buf = malloc(len ? len : 1); /* exact size, not terminated */
	memcpy(buf, text, len);
	int rc = sim_scenario_parse(buf, len, &sc, &err);
	free(buf);
	if (rc != 0) {
		print_error("%s\n", err.msg);
		fail();
	}
	return sc;
}

static void load_scen(sim *s, const char *text)
{
	neto_err err;
	sim_scenario *sc = scen(text);
	if (sim_load_scenario(s, sc, &err) != 0) {
		print_error("%s\n", err.msg);
		fail();
	}
	sim_scenario_free(sc);
}

static uint64_t apply(sim *s, uint32_t r, uint32_t dst, const char *cls, const sim_policy *p,
		      int64_t now)
{
	neto_err err;
	uint64_t id = 0;
	if (sim_request_apply(s, r, dst, cls, p, now, &id, &err) != 0) {
		print_error("%s\n", err.msg);
		fail();
	}
	return id;
}

static void advance(sim *s, int64_t now)
{
	neto_err err;
	assert_int_equal(sim_advance(s, now, &err), 0);
}

static void loads(sim *s, int64_t now, double *load, sim_totals *tot)
{
	neto_err err;
	assert_int_equal(sim_loads(s, now, load, NULL, tot, &err), 0);
	assert_near(tot->carried + tot->dropped + tot->throttled, tot->offered);
}

static const uint32_t p_abd[] = { AB, BD };
static const uint32_t p_acd[] = { AC, CD };
static const uint32_t p_ad[] = { AD };

/* ---- installs ------------------------------------------------------------ */

static void test_async_install(void **state)
{
	(void)state;
	topo t;
	sim_params p;
	params_fixed(&p);
	sim *s = dia_sim(&t, &p);
	sim_seglist l[] = { { .links = p_abd, .n_links = 2, .weight = 1 } };
	sim_policy pol = { l, 1 };
	uint64_t id = apply(s, A, D, "gold", &pol, 1000);
	assert_int_equal(id, 1);
	assert_int_equal(sim_request_status(s, id), SIM_REQ_PENDING);
	assert_null(sim_policy_get(s, A, D, "gold"));
	advance(s, 1099);
	assert_int_equal(sim_request_status(s, id), SIM_REQ_PENDING);
	assert_null(sim_policy_get(s, A, D, "gold"));
	advance(s, 1100);
	assert_int_equal(sim_request_status(s, id), SIM_REQ_INSTALLED);
	const sim_installed *in = sim_policy_get(s, A, D, "gold");
	assert_non_null(in);
	assert_int_equal(in->installed_at, 1100);
	assert_int_equal(in->request_id, id);
	sim_req_info info;
	neto_err err;
	assert_int_equal(sim_request_info(s, id, &info, &err), 0);
	assert_int_equal(info.issued_at, 1000);
	assert_int_equal(info.done_at, 1100);
	assert_string_equal(info.cls, "gold");
	assert_int_equal(sim_request_status(s, 99), SIM_REQ_UNKNOWN);
	assert_int_equal(sim_request_info(s, 99, &info, &err), -1);

	sim_report *rp;
	size_t nr;
	sim_reports(s, &rp, &nr);
	assert_int_equal(nr, 1);
	assert_int_equal(rp[0].kind, SIM_RPT_INSTALLED);
	assert_int_equal(rp[0].at, 1100);
	assert_int_equal(rp[0].request_id, id);
	assert_string_equal(rp[0].cls, "gold");
	free(rp);
	sim_reports(s, &rp, &nr);
	assert_int_equal(nr, 0);
	assert_null(rp);

	/* time never goes back */
	assert_int_equal(sim_advance(s, 1000, &err), -1);
	assert_has(err.msg, "before");
	sim_free(s);
	topo_free(&t);
}

/* Uniform delays stay in range, depend only on the seed, and never
 * reorder the requests of one policy. */
static void test_delay_and_order(void **state)
{
	(void)state;
	topo t;
	dia_build(&t);
	sim_params p;
	sim_params_default(&p);
	p.bits_per_unit = 8;
	p.state_timeout_ms = 0;
	int64_t due1[40];
	bool differs = false;
	for (int run = 0; run < 3; run++) {
		neto_err err;
		sim *s = sim_new(&t, run == 2 ? 7 : 1, &p, &err);
		assert_non_null(s);
		sim_seglist l1[] = { { .links = p_abd, .n_links = 2, .weight = 1 } };
		sim_seglist l2[] = { { .links = p_acd, .n_links = 2, .weight = 1 } };
		sim_policy pa = { l1, 1 }, pb = { l2, 1 };
		uint64_t ids[40];
		for (int i = 0; i < 40; i++)
			ids[i] = apply(s, A, D, "gold", i % 2 ? &pb : &pa, 10 * i);
		int64_t prev_done = 0;
		for (int i = 0; i < 40; i++) {
			sim_req_info in;
			assert_int_equal(sim_request_info(s, ids[i], &in, &err), 0);
			assert_true(in.due_at >= 10 * i + p.delay_min_ms);
			if (run == 0)
				due1[i] = in.due_at;
			else if (run == 1)
				assert_int_equal(in.due_at, due1[i]);
			else if (in.due_at != due1[i])
				differs = true;
		}
		advance(s, 10000);
		for (int i = 0; i < 40; i++) {
			sim_req_info in;
			assert_int_equal(sim_request_info(s, ids[i], &in, &err), 0);
			assert_int_equal(in.status, SIM_REQ_INSTALLED);
			assert_true(in.done_at >= prev_done);
			assert_true(in.done_at <= 10 * i + p.delay_max_ms);
			prev_done = in.done_at;
		}
		/* the last request wins */
		const sim_installed *in = sim_policy_get(s, A, D, "gold");
		assert_non_null(in);
		assert_int_equal(in->request_id, ids[39]);
		assert_int_equal(in->policy.lists[0].links[0], AC);
		sim_free(s);
	}
	assert_true(differs);

	/* exponential delays: at least the minimum, and deterministic */
	p.delay_dist = SIM_DELAY_EXP;
	p.delay_min_ms = 20;
	p.delay_mean_ms = 300;
	neto_err err;
	sim *s = sim_new(&t, 3, &p, &err);
	assert_non_null(s);
	sim_seglist l1[] = { { .links = p_abd, .n_links = 2, .weight = 1 } };
	sim_policy pa = { l1, 1 };
	double sum = 0;
	/* one policy each, so that per-policy ordering does not shift them */
	for (int i = 0; i < 400; i++) {
		char cls[16];
		snprintf(cls, sizeof cls, "c%d", i);
		uint64_t id = apply(s, A, D, cls, &pa, 0);
		sim_req_info in;
		assert_int_equal(sim_request_info(s, id, &in, &err), 0);
		assert_true(in.due_at >= 20);
		sum += (double)(in.due_at - 20);
	}
	double mean = sum / 400;
	assert_true(mean > 200 && mean < 400);
	sim_free(s);
	topo_free(&t);
}

static void test_readback_truth(void **state)
{
	(void)state;
	topo t;
	sim_params p;
	params_fixed(&p);
	sim *s = dia_sim(&t, &p);
	sim_seglist l1[] = { { .links = p_abd, .n_links = 2, .weight = 3 },
			     { .links = p_ad, .n_links = 1, .weight = 1, .limited = true,
			       .rate_limit = 7 } };
	sim_policy pol1 = { l1, 2 };
	apply(s, A, D, "gold", &pol1, 0);
	advance(s, 100);
	sim_seglist l2[] = { { .links = p_acd, .n_links = 2, .weight = 1 } };
	sim_policy pol2 = { l2, 1 };
	uint64_t id2 = apply(s, A, D, "gold", &pol2, 500);
	/* asked, not yet true: readback still shows the first policy */
	const sim_installed *in = sim_policy_get(s, A, D, "gold");
	assert_non_null(in);
	assert_int_equal(in->policy.n_lists, 2);
	assert_int_equal(in->policy.lists[0].n_links, 2);
	assert_int_equal(in->policy.lists[0].links[0], AB);
	assert_int_equal(in->policy.lists[0].links[1], BD);
	assert_near(in->policy.lists[0].weight, 3);
	assert_false(in->policy.lists[0].limited);
	assert_true(in->policy.lists[1].limited);
	assert_near(in->policy.lists[1].rate_limit, 7);
	advance(s, 600);
	in = sim_policy_get(s, A, D, "gold");
	assert_int_equal(in->request_id, id2);
	assert_int_equal(in->policy.n_lists, 1);
	assert_int_equal(in->policy.lists[0].links[0], AC);

	/* several policies on a router, read back in (dst, class) order */
	sim_seglist lb[] = { { .links = (const uint32_t[]){ AB }, .n_links = 1, .weight = 1 } };
	sim_policy pb = { lb, 1 };
	apply(s, A, B, "silver", &pb, 600);
	apply(s, A, B, "gold", &pb, 600);
	apply(s, A, D, "silver", &pol2, 600);
	advance(s, 700);
	const sim_installed *all;
	size_t n = sim_policies(s, A, &all);
	assert_int_equal(n, 4);
	assert_int_equal(all[0].dst, B);
	assert_string_equal(all[0].cls, "gold");
	assert_int_equal(all[1].dst, B);
	assert_string_equal(all[1].cls, "silver");
	assert_int_equal(all[2].dst, D);
	assert_string_equal(all[2].cls, "gold");
	assert_int_equal(all[3].dst, D);
	assert_string_equal(all[3].cls, "silver");
	assert_int_equal(sim_policies(s, B, &all), 0);

	/* removal, and removing what is not there */
	neto_err err;
	uint64_t rid;
	assert_int_equal(sim_request_remove(s, A, B, "silver", 800, &rid, &err), 0);
	assert_non_null(sim_policy_get(s, A, B, "silver"));
	advance(s, 900);
	assert_null(sim_policy_get(s, A, B, "silver"));
	assert_int_equal(sim_request_status(s, rid), SIM_REQ_INSTALLED);
	assert_int_equal(sim_request_remove(s, C, B, "gold", 900, &rid, &err), 0);
	advance(s, 1000);
	assert_int_equal(sim_request_status(s, rid), SIM_REQ_INSTALLED);
	assert_null(sim_policy_get(s, A, C, "nosuchclass"));

	/* SRv6 form: read back as given */
	uint32_t segs[] = { B, D };
	sim_seglist ls[] = { { .segs = segs, .n_segs = 2, .weight = 1 } };
	sim_policy ps = { ls, 1 };
	apply(s, A, D, "bronze", &ps, 1000);
	advance(s, 1100);
	in = sim_policy_get(s, A, D, "bronze");
	assert_int_equal(in->policy.lists[0].n_links, 0);
	assert_int_equal(in->policy.lists[0].n_segs, 2);
	assert_int_equal(in->policy.lists[0].segs[1], D);
	sim_free(s);
	topo_free(&t);
}

static void expect_bad_policy(sim *s, uint32_t r, uint32_t dst, const char *cls,
			      const sim_policy *p, const char *needle)
{
	neto_err err;
	uint64_t id = 0;
	err.msg[0] = '\0';
	assert_int_equal(sim_request_apply(s, r, dst, cls, p, sim_now(s), &id, &err), -1);
	assert_has(err.msg, needle);
}

static void test_bad_requests(void **state)
{
	(void)state;
	topo t;
	sim_params p;
	params_fixed(&p);
	sim *s = dia_sim(&t, &p);
	sim_seglist ok[] = { { .links = p_abd, .n_links = 2, .weight = 1 } };
	sim_policy pok = { ok, 1 };
	expect_bad_policy(s, A, A, "gold", &pok, "to itself");
	expect_bad_policy(s, 9, D, "gold", &pok, "out of range");
	expect_bad_policy(s, A, D, "", &pok, "empty class");
	char longname[300];
	memset(longname, 'x', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	expect_bad_policy(s, A, D, longname, &pok, "longer than");
	expect_bad_policy(s, B, D, "gold", &pok, "does not start at 'B'");
	expect_bad_policy(s, A, C, "gold", &pok, "ends at 'D', not at 'C'");
	sim_policy empty = { ok, 0 };
	expect_bad_policy(s, A, D, "gold", &empty, "at least one");
	sim_seglist w0[] = { { .links = p_abd, .n_links = 2, .weight = 0 } };
	sim_policy pw0 = { w0, 1 };
	expect_bad_policy(s, A, D, "gold", &pw0, "weight");
	sim_seglist wn[] = { { .links = p_abd, .n_links = 2, .weight = NAN } };
	sim_policy pwn = { wn, 1 };
	expect_bad_policy(s, A, D, "gold", &pwn, "weight");
	sim_seglist lim[] = { { .links = p_abd, .n_links = 2, .weight = 1, .limited = true,
				.rate_limit = -1 } };
	sim_policy plim = { lim, 1 };
	expect_bad_policy(s, A, D, "gold", &plim, "rate limit");
	uint32_t segs[] = { D };
	sim_seglist both[] = { { .links = p_abd, .n_links = 2, .segs = segs, .n_segs = 1,
				 .weight = 1 } };
	sim_policy pboth = { both, 1 };
	expect_bad_policy(s, A, D, "gold", &pboth, "either links or segments");
	sim_seglist none[] = { { .weight = 1 } };
	sim_policy pnone = { none, 1 };
	expect_bad_policy(s, A, D, "gold", &pnone, "either links or segments");
	uint32_t bad_link[] = { 77 };
	sim_seglist bl[] = { { .links = bad_link, .n_links = 1, .weight = 1 } };
	sim_policy pbl = { bl, 1 };
	expect_bad_policy(s, A, D, "gold", &pbl, "out of range");
	uint32_t bad_adj[] = { SRV6_SEG_ADJ | CD };
	sim_seglist ba[] = { { .segs = bad_adj, .n_segs = 1, .weight = 1 } };
	sim_policy pba = { ba, 1 };
	expect_bad_policy(s, A, D, "gold", &pba, "does not start at 'A'");
	uint32_t bad_node[] = { 12 };
	sim_seglist bn[] = { { .segs = bad_node, .n_segs = 1, .weight = 1 } };
	sim_policy pbn = { bn, 1 };
	expect_bad_policy(s, A, D, "gold", &pbn, "out of range");
	/* nothing was sent */
	assert_int_equal(sim_request_status(s, 1), SIM_REQ_UNKNOWN);

	/* bad parameters */
	neto_err err;
	sim_params bp;
	params_fixed(&bp);
	bp.flow_window_ms = 0;
	assert_null(sim_new(&t, 1, &bp, &err));
	assert_has(err.msg, "flow_window_ms");
	params_fixed(&bp);
	bp.delay_dist = SIM_DELAY_UNIFORM;
	bp.delay_max_ms = 10;
	assert_null(sim_new(&t, 1, &bp, &err));
	assert_has(err.msg, "delay_max_ms");
	params_fixed(&bp);
	bp.bits_per_unit = 0; /* the diamond has no unit */
	assert_null(sim_new(&t, 1, &bp, &err));
	assert_has(err.msg, "bits_per_unit");
	params_fixed(&bp);
	bp.sampling = 0;
	assert_null(sim_new(&t, 1, &bp, &err));
	assert_has(err.msg, "sampling");

	/* bad demands change nothing */
	sim_demand bd[] = { { A, A, "gold", 1 } };
	assert_int_equal(sim_set_demands(s, bd, 1, 0, &err), -1);
	assert_has(err.msg, "to itself");
	sim_demand bd2[] = { { A, D, "gold", -1 } };
	assert_int_equal(sim_set_demands(s, bd2, 1, 0, &err), -1);
	assert_has(err.msg, "rate");
	sim_demand bd3[] = { { A, D, "gold", INFINITY } };
	assert_int_equal(sim_set_demands(s, bd3, 1, 0, &err), -1);
	assert_int_equal(sim_class_dscp(s, "gold", 64, &err), -1);
	assert_int_equal(sim_link_set(s, 99, false, 0, &err), -1);
	assert_int_equal(sim_advance(s, SIM_TIME_MAX + 1, &err), -1);
	sim_free(s);
	topo_free(&t);
}

/* ---- failures from a scenario -------------------------------------------- */

static void test_reject(void **state)
{
	(void)state;
	topo t;
	sim_params p;
	params_fixed(&p);
	sim *s = dia_sim(&t, &p);
	load_scen(s, "# two rejections at A from 1 s on\nat 1000 reject router A count 2\n");
	sim_seglist l[] = { { .links = p_abd, .n_links = 2, .weight = 1 } };
	sim_policy pol = { l, 1 };
	uint64_t id0 = apply(s, A, D, "gold", &pol, 0);   /* done at 100: before */
	uint64_t id1 = apply(s, A, D, "silver", &pol, 950); /* done at 1050 */
	uint64_t id2 = apply(s, A, D, "bronze", &pol, 960);
	uint64_t id3 = apply(s, A, D, "gold", &pol, 970);
	uint64_t idb = apply(s, B, D, "gold", &(sim_policy){ (sim_seglist[]){ {
		.links = (const uint32_t[]){ BD }, .n_links = 1, .weight = 1 } }, 1 }, 970);
	advance(s, 2000);
	assert_int_equal(sim_request_status(s, id0), SIM_REQ_INSTALLED);
	assert_int_equal(sim_request_status(s, id1), SIM_REQ_REJECTED);
	assert_int_equal(sim_request_status(s, id2), SIM_REQ_REJECTED);
	assert_int_equal(sim_request_status(s, id3), SIM_REQ_INSTALLED);
	assert_int_equal(sim_request_status(s, idb), SIM_REQ_INSTALLED); /* other router */
	assert_null(sim_policy_get(s, A, D, "silver"));
	assert_null(sim_policy_get(s, A, D, "bronze"));
	assert_non_null(sim_policy_get(s, A, D, "gold"));
	sim_req_info in;
	neto_err err;
	assert_int_equal(sim_request_info(s, id1, &in, &err), 0);
	assert_int_equal(in.done_at, 1050);
	assert_non_null(in.reason);
	assert_has(in.reason, "rejected");
	sim_report *rp;
	size_t nr;
	sim_reports(s, &rp, &nr);
	assert_int_equal(nr, 5);
	size_t rejected = 0;
	for (size_t i = 0; i < nr; i++) {
		if (i > 0)
			assert_true(rp[i].at >= rp[i - 1].at);
		rejected += rp[i].kind == SIM_RPT_REJECTED;
	}
	assert_int_equal(rejected, 2);
	free(rp);
	sim_free(s);
	topo_free(&t);
}

static void test_stall(void **state)
{
	(void)state;
	topo t;
	sim_params p;
	params_fixed(&p);
	sim *s = dia_sim(&t, &p);
	load_scen(s, "at 1000 stall router A for 5000\n");
	sim_seglist l[] = { { .links = p_abd, .n_links = 2, .weight = 1 } };
	sim_policy pol = { l, 1 };
	uint64_t a1 = apply(s, A, D, "gold", &pol, 950);   /* due 1050: in the stall */
	uint64_t a2 = apply(s, A, D, "silver", &pol, 1500);
	uint64_t b1 = apply(s, B, D, "gold", &(sim_policy){ (sim_seglist[]){ {
		.links = (const uint32_t[]){ BD }, .n_links = 1, .weight = 1 } }, 1 }, 1500);
	advance(s, 2000);
	assert_int_equal(sim_request_status(s, a1), SIM_REQ_STALLED);
	assert_int_equal(sim_request_status(s, a2), SIM_REQ_STALLED);
	assert_int_equal(sim_request_status(s, b1), SIM_REQ_INSTALLED);
	/* due after the stall ends: merely pending */
	uint64_t a3 = apply(s, A, D, "bronze", &pol, 5950);
	advance(s, 5999);
	assert_null(sim_policy_get(s, A, D, "gold"));
	assert_int_equal(sim_request_status(s, a1), SIM_REQ_STALLED);
	assert_int_equal(sim_request_status(s, a3), SIM_REQ_PENDING);
	advance(s, 6000);
	assert_int_equal(sim_request_status(s, a1), SIM_REQ_INSTALLED);
	assert_int_equal(sim_request_status(s, a2), SIM_REQ_INSTALLED);
	sim_req_info in;
	neto_err err;
	assert_int_equal(sim_request_info(s, a1, &in, &err), 0);
	assert_int_equal(in.done_at, 6000);
	advance(s, 6050);
	assert_int_equal(sim_request_status(s, a3), SIM_REQ_INSTALLED);
	/* a stall without end: never completes */
	load_scen(s, "at 7000 stall router C\n");
	uint64_t c1 = apply(s, C, D, "gold", &(sim_policy){ (sim_seglist[]){ {
		.links = (const uint32_t[]){ CD }, .n_links = 1, .weight = 1 } }, 1 }, 7000);
	advance(s, 100000000);
	assert_int_equal(sim_request_status(s, c1), SIM_REQ_STALLED);
	sim_free(s);
	topo_free(&t);
}

/* The controller refreshes every second; A's session drops at 2 s, its last
 * refresh was at 1 s, so with a 3 s state timeout A's policies go at 4 s
 * and its traffic falls back to the IGP. */
static void test_session_expiry(void **state)
{
	(void)state;
	topo t;
	sim_params p;
	params_fixed(&p);
	p.state_timeout_ms = 3000;
	sim *s = dia_sim(&t, &p);
	load_scen(s, "at 2000 session-drop router A for 10000\n");
	neto_err err;
	sim_demand dm[] = { { A, D, "gold", 80 } };
	assert_int_equal(sim_set_demands(s, dm, 1, 0, &err), 0);
	sim_seglist l[] = { { .links = p_ad, .n_links = 1, .weight = 1 } };
	sim_policy pol = { l, 1 };
	apply(s, A, D, "gold", &pol, 0);
	double load[10];
	sim_totals tot;
	int64_t now;
	for (now = 1000; now < 4000; now += 1000) {
		for (uint32_t r = 0; r < 4; r++) {
			int rc = sim_session_refresh(s, r, now, &err);
			assert_int_equal(rc, r == A && now >= 2000 ? -1 : 0);
		}
	}
	assert_has(err.msg, "session");
	assert_false(sim_session_up(s, A));
	assert_true(sim_session_up(s, B));
	loads(s, 3999, load, &tot);
	assert_non_null(sim_policy_get(s, A, D, "gold"));
	assert_near(load[AD], 80);
	assert_near(tot.steered, 80);
	assert_int_equal(tot.n_overloaded, 1);
	assert_near(tot.overload, 30);
	for (uint32_t r = 1; r < 4; r++)
		assert_int_equal(sim_session_refresh(s, r, 3999, &err), 0);
	loads(s, 4000, load, &tot);
	assert_null(sim_policy_get(s, A, D, "gold"));
	assert_near(load[AD], 0);
	assert_near(load[AB], 40);
	assert_near(load[CD], 40);
	assert_near(tot.steered, 0);
	assert_near(tot.carried, 80);
	sim_report *rp;
	size_t nr;
	sim_reports(s, &rp, &nr);
	assert_int_equal(nr, 2);
	assert_int_equal(rp[1].kind, SIM_RPT_EXPIRED);
	assert_int_equal(rp[1].at, 4000);
	assert_int_equal(rp[1].router, A);
	assert_int_equal(rp[1].request_id, 0);
	free(rp);
	/* the other routers kept theirs: B was refreshed */
	/* requests to A fail while the session is down */
	uint64_t id = apply(s, A, D, "gold", &pol, 5000);
	assert_int_equal(sim_request_status(s, id), SIM_REQ_REJECTED);
	assert_int_equal(sim_session_refresh(s, A, 11999, &err), -1);
	/* the drop ends at 12 s: the session comes back, without policies */
	assert_int_equal(sim_session_refresh(s, A, 12000, &err), 0);
	assert_true(sim_session_up(s, A));
	assert_null(sim_policy_get(s, A, D, "gold"));
	id = apply(s, A, D, "gold", &pol, 12000);
	advance(s, 12100);
	assert_int_equal(sim_request_status(s, id), SIM_REQ_INSTALLED);
	/* B, C, D were not refreshed after 3999: they expire at 6999 */
	assert_false(sim_session_up(s, B));
	sim_free(s);
	topo_free(&t);
}

/* A pending request is lost when the session expires before it completes. */
static void test_expiry_rejects_pending(void **state)
{
	(void)state;
	topo t;
	sim_params p;
	params_fixed(&p);
	p.state_timeout_ms = 1000;
	sim *s = dia_sim(&t, &p);
	load_scen(s, "at 0 stall router A for 5000\n");
	sim_seglist l[] = { { .links = p_ad, .n_links = 1, .weight = 1 } };
	sim_policy pol = { l, 1 };
	uint64_t id = apply(s, A, D, "gold", &pol, 500);
	advance(s, 1000);
	assert_int_equal(sim_request_status(s, id), SIM_REQ_REJECTED);
	sim_req_info in;
	neto_err err;
	assert_int_equal(sim_request_info(s, id, &in, &err), 0);
	assert_has(in.reason, "expired");
	advance(s, 6000);
	assert_null(sim_policy_get(s, A, D, "gold"));
	sim_free(s);
	topo_free(&t);
}

static void test_link_down(void **state)
{
	(void)state;
	topo t;
	sim_params p;
	params_fixed(&p);
	sim *s = dia_sim(&t, &p);
	load_scen(s, "at 1000 link-down A B\nat 2000 link-up A B\nat 3000 link-down A-D\n");
	neto_err err;
	sim_demand dm[] = { { A, D, "gold", 80 }, { B, A, "silver", 10 } };
	assert_int_equal(sim_set_demands(s, dm, 2, 0, &err), 0);
	sim_seglist l[] = { { .links = p_abd, .n_links = 2, .weight = 1 },
			    { .links = p_ad, .n_links = 1, .weight = 1 } };
	sim_policy pol = { l, 2 };
	apply(s, A, D, "gold", &pol, 0);
	double load[10];
	sim_totals tot;
	loads(s, 999, load, &tot);
	assert_near(load[AB], 40);
	assert_near(load[BD], 40);
	assert_near(load[AD], 40);
	assert_near(load[BA], 10);
	assert_near(tot.dropped, 0);
	assert_near(tot.carried, 90);

	loads(s, 1000, load, &tot);
	assert_false(sim_link_up(s, AB));
	assert_false(sim_link_up(s, BA));
	/* the policy's list over A-B black-holes its half */
	assert_near(load[AB], 0);
	assert_near(load[AD], 40);
	assert_near(tot.dropped, 40);
	assert_near(tot.dropped_noroute, 0);
	/* B -> A reroutes on the IGP: B-D-C-A (3) beats B-D-A (6) */
	assert_near(load[BA], 0);
	assert_near(load[BD], 10); /* only B -> A now */
	assert_near(load[DC], 10);
	assert_near(load[CA], 10);
	assert_near(tot.carried, 50);

	/* removing the policy: A -> D follows the IGP, now only via C */
	uint64_t rid;
	assert_int_equal(sim_request_remove(s, A, D, "gold", 1500, &rid, &err), 0);
	loads(s, 1600, load, &tot);
	assert_near(load[AC], 80);
	assert_near(load[CD], 80);
	assert_near(load[AD], 0);
	assert_near(tot.dropped, 0);

	/* link-up restores ECMP */
	loads(s, 2000, load, &tot);
	assert_near(load[AB], 40);
	assert_near(load[AC], 40);
	assert_near(load[BA], 10);

	/* one direction only, by link id */
	loads(s, 3000, load, &tot);
	assert_false(sim_link_up(s, AD));
	assert_true(sim_link_up(s, DA));

	/* a node cut off: traffic to it has no route */
	assert_int_equal(sim_link_set(s, AB, false, 3000, &err), 0);
	assert_int_equal(sim_link_set(s, AC, false, 3000, &err), 0);
	loads(s, 3000, load, &tot);
	assert_near(tot.dropped, 80);
	assert_near(tot.dropped_noroute, 80);
	assert_near(tot.carried, 10);
	/* every link down */
	for (uint32_t k = 0; k < t.n_links; k++)
		assert_int_equal(sim_link_set(s, k, false, 3000, &err), 0);
	loads(s, 3000, load, &tot);
	assert_near(tot.dropped, 90);
	for (uint32_t k = 0; k < t.n_links; k++)
		assert_near(load[k], 0);
	sim_free(s);
	topo_free(&t);
}

/* ---- loads --------------------------------------------------------------- */

static void test_loads_hand(void **state)
{
	(void)state;
	topo t;
	sim_params p;
	params_fixed(&p);
	sim *s = dia_sim(&t, &p);
	neto_err err;
	sim_demand dm[] = { { A, D, "gold", 80 }, { B, D, "silver", 30 },
			    { A, D, "gold", 0 } /* adds nothing */ };
	assert_int_equal(sim_set_demands(s, dm, 3, 0, &err), 0);
	double load[10], util[10];
	sim_totals tot;

	/* IGP only: A -> D splits evenly over B and C */
	assert_int_equal(sim_loads(s, 0, load, util, &tot, &err), 0);
	double want0[10] = { [AB] = 40, [BD] = 70, [AC] = 40, [CD] = 40 };
	for (int k = 0; k < 10; k++)
		assert_near(load[k], want0[k]);
	assert_near(util[BD], 0.7);
	assert_near(tot.max_util, 0.7);
	assert_near(tot.offered, 110);
	assert_near(tot.carried, 110);
	assert_int_equal(tot.n_overloaded, 0);

	/* policy: 1/4 direct, 3/4 via B */
	sim_seglist l1[] = { { .links = p_ad, .n_links = 1, .weight = 1 },
			     { .links = p_abd, .n_links = 2, .weight = 3 } };
	sim_policy pol = { l1, 2 };
	apply(s, A, D, "gold", &pol, 0);
	loads(s, 100, load, &tot);
	double want1[10] = { [AD] = 20, [AB] = 60, [BD] = 90 };
	for (int k = 0; k < 10; k++)
		assert_near(load[k], want1[k]);
	assert_near(tot.steered, 80);

	/* the list via B limited to 50: 10 throttled at A */
	l1[1].limited = true;
	l1[1].rate_limit = 50;
	apply(s, A, D, "gold", &pol, 100);
	loads(s, 200, load, &tot);
	double want2[10] = { [AD] = 20, [AB] = 50, [BD] = 80 };
	for (int k = 0; k < 10; k++)
		assert_near(load[k], want2[k]);
	assert_near(tot.throttled, 10);
	assert_near(tot.carried, 100);

	/* the class matters: silver at A has no policy */
	sim_demand dm2[] = { { A, D, "silver", 40 }, { A, D, "gold", 200 } };
	assert_int_equal(sim_set_demands(s, dm2, 2, 200, &err), 0);
	sim_seglist l2[] = { { .links = p_ad, .n_links = 1, .weight = 1 } };
	sim_policy pdir = { l2, 1 };
	apply(s, A, D, "gold", &pdir, 200);
	loads(s, 300, load, &tot);
	assert_near(load[AD], 200);
	assert_near(load[AB], 20);
	assert_near(load[AC], 20);
	assert_int_equal(tot.n_overloaded, 1);
	assert_near(tot.overload, 150);
	assert_near(tot.max_util, 4);

	/* SRv6 forms: node B then node D is the path via B; node D alone is
	 * the IGP's ECMP; an adjacency SID takes its link */
	uint32_t s_bd[] = { B, D }, s_d[] = { D }, s_adj[] = { SRV6_SEG_ADJ | AD };
	sim_seglist l3[] = { { .segs = s_bd, .n_segs = 2, .weight = 1 },
			     { .segs = s_d, .n_segs = 1, .weight = 1 },
			     { .segs = s_adj, .n_segs = 1, .weight = 2 } };
	sim_policy psr = { l3, 3 };
	apply(s, A, D, "gold", &psr, 300);
	loads(s, 400, load, &tot);
	/* gold 200: 50 via B, 50 ECMP (25 + 25), 100 direct; silver 40 ECMP */
	assert_near(load[AB], 50 + 25 + 20);
	assert_near(load[BD], 50 + 25 + 20);
	assert_near(load[AC], 25 + 20);
	assert_near(load[CD], 25 + 20);
	assert_near(load[AD], 100);
	assert_near(tot.carried, 240);
	/* a node segment the IGP cannot reach black-holes its share */
	assert_int_equal(sim_link_set(s, BD, false, 400, &err), 0);
	assert_int_equal(sim_link_set(s, AC, false, 400, &err), 0);
	assert_int_equal(sim_link_set(s, AD, false, 400, &err), 0);
	loads(s, 400, load, &tot);
	/* B -> D: B-A-D is down (A-D down), B-A-C: A-C down -> unreachable;
	 * via B: B->D unreachable: 50 dropped after A-B carried it;
	 * node D from A: unreachable: 50 dropped; direct: 100 dropped;
	 * silver: no route, 40 */
	assert_near(tot.dropped, 240);
	assert_near(tot.dropped_noroute, 40);
	assert_near(load[AB], 50);
	sim_free(s);
	topo_free(&t);
}

/* Parallel links are separate ECMP next hops. */
static void test_parallel_ecmp(void **state)
{
	(void)state;
	topo t;
	neto_err err;
	topo_init(&t);
	assert_int_equal(topo_add_node(&t, "x", 1, &err), 0);
	assert_int_equal(topo_add_node(&t, "y", 1, &err), 1);
	assert_int_equal(topo_add_node(&t, "z", 1, &err), 2);
	assert_int_equal(topo_add_link(&t, "xy1", 3, 0, 1, 10, 1, 1, &err), 0);
	assert_int_equal(topo_add_link(&t, "xy2", 3, 0, 1, 10, 1, 1, &err), 1);
	assert_int_equal(topo_add_link(&t, "xz", 2, 0, 2, 10, 1, 1, &err), 2);
	assert_int_equal(topo_add_link(&t, "zy", 2, 2, 1, 10, 1, 1, &err), 3);
	assert_int_equal(topo_add_link(&t, "yx", 2, 1, 0, 10, 1, 1, &err), 4);
	assert_int_equal(topo_finish(&t, &err), 0);
	sim_params p;
	params_fixed(&p);
	sim *s = sim_new(&t, 1, &p, &err);
	sim_demand dm[] = { { 0, 1, "c", 9 } };
	assert_int_equal(sim_set_demands(s, dm, 1, 0, &err), 0);
	double load[5];
	sim_totals tot;
	loads(s, 0, load, &tot);
	assert_near(load[0], 4.5);
	assert_near(load[1], 4.5);
	assert_near(load[2], 0);
	sim_free(s);
	topo_free(&t);
}

/* Random demands, policies and failures on Abilene: carried + dropped +
 * throttled = offered, and where nothing is dropped or throttled, every
 * node forwards what it does not consume. */
static void test_conservation(void **state)
{
	(void)state;
	size_t len;
	char *buf = tu_read("tests/data/repetita/Abilene.graph", &len);
	topo t;
	neto_err err;
	topo_init(&t);
	assert_int_equal(topo_parse_repetita(&t, buf, len, "Abilene.graph", &err), 0);
	free(buf);
	uint64_t rs = 12345;
	double *load = calloc(t.n_links, sizeof *load);
	for (int round = 0; round < 30; round++) {
		sim_params p;
		params_fixed(&p);
		p.bits_per_unit = 0; /* kbps from the topology */
		sim *s = sim_new(&t, (uint64_t)round, &p, &err);
		assert_non_null(s);
		sim_demand dm[60];
		size_t nd = 0;
		const char *cls[] = { "gold", "silver" };
		while (nd < 60) {
			uint32_t a = (uint32_t)(tu_rand(&rs) % t.n_nodes);
			uint32_t b = (uint32_t)(tu_rand(&rs) % t.n_nodes);
			if (a == b)
				continue;
			dm[nd++] = (sim_demand){ a, b, cls[tu_rand(&rs) % 2],
						 1e6 * tu_randf(&rs) };
		}
		assert_int_equal(sim_set_demands(s, dm, nd, 0, &err), 0);
		bool clean = round % 2 == 0; /* no failure, no limit */
		/* policies: random walks from the head-end, kept when they
		 * reach the destination without a loop */
		for (size_t i = 0; i < nd; i++) {
			uint32_t links[3][32];
			sim_seglist sl[3];
			uint32_t nl = 0;
			for (int k = 0; k < 3; k++) {
				uint32_t cur = dm[i].src, n = 0;
				bool seen[64] = { false };
				seen[cur] = true;
				while (cur != dm[i].dst && n < 32) {
					uint32_t deg = t.out_off[cur + 1] - t.out_off[cur];
					uint32_t l = t.out_links[t.out_off[cur] +
								 tu_rand(&rs) % deg];
					if (seen[t.links[l].dst])
						break;
					links[k][n++] = l;
					cur = t.links[l].dst;
					seen[cur] = true;
				}
				if (cur != dm[i].dst)
					continue;
				sl[nl] = (sim_seglist){ .links = links[k], .n_links = n,
							.weight = 0.1 + tu_randf(&rs) };
				if (!clean && tu_rand(&rs) % 3 == 0) {
					sl[nl].limited = true;
					sl[nl].rate_limit = 1e5 * tu_randf(&rs);
				}
				nl++;
			}
			if (nl > 0) {
				sim_policy pol = { sl, nl };
				apply(s, dm[i].src, dm[i].dst, dm[i].cls, &pol, 0);
			}
		}
		if (!clean)
			for (int k = 0; k < 3; k++)
				assert_int_equal(sim_link_set(s, (uint32_t)(tu_rand(&rs) % t.n_links),
							      false, 0, &err), 0);
		sim_totals tot;
		loads(s, 1000, load, &tot);
		assert_true(tot.offered > 0);
		if (clean) {
			assert_near(tot.dropped, 0);
			assert_near(tot.throttled, 0);
			assert_near(tot.carried, tot.offered);
			for (uint32_t v = 0; v < t.n_nodes; v++) {
				double in = 0, out = 0, src = 0, dst = 0;
				for (uint32_t l = 0; l < t.n_links; l++) {
					if (t.links[l].dst == v)
						in += load[l];
					if (t.links[l].src == v)
						out += load[l];
				}
				for (size_t i = 0; i < nd; i++) {
					src += dm[i].src == v ? dm[i].rate : 0;
					dst += dm[i].dst == v ? dm[i].rate : 0;
				}
				if (fabs((in + src) - (out + dst)) > 1e-6 * (1 + in + src))
					fail_msg("node %u: in %g + sourced %g != out %g + sunk %g", v,
						 in, src, out, dst);
			}
		}
		sim_free(s);
	}
	free(load);
	topo_free(&t);
}

/* ---- flow records -------------------------------------------------------- */

static void test_flows(void **state)
{
	(void)state;
	topo t;
	sim_params p;
	params_fixed(&p);
	p.flow_window_ms = 1000;
	p.packet_bytes = 100;
	sim *s = dia_sim(&t, &p);
	neto_err err;
	assert_int_equal(sim_class_dscp(s, "gold", 46, &err), 0);
	sim_demand dm[] = { { A, D, "gold", 1000 }, { B, D, "silver", 250 } };
	assert_int_equal(sim_set_demands(s, dm, 2, 0, &err), 0);
	sim_flow *f;
	size_t n;
	assert_int_equal(sim_flows(s, 999, &f, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_null(f);
	/* the matrix changes in the middle of window 2 */
	sim_demand dm2[] = { { A, D, "gold", 2000 } };
	assert_int_equal(sim_set_demands(s, dm2, 1, 2500, &err), 0);
	assert_int_equal(sim_flows(s, 3500, &f, &n, &err), 0);
	assert_int_equal(n, 6);
	/* windows 0 and 1: both demands, full */
	for (int w = 0; w < 2; w++) {
		const sim_flow *a = &f[2 * w], *b = &f[2 * w + 1];
		assert_int_equal(a->start_ms, 1000 * w);
		assert_int_equal(a->end_ms, 1000 * w + 1000);
		assert_int_equal(a->exporter, A);
		assert_int_equal(a->ingress, A);
		assert_int_equal(a->egress, D);
		assert_string_equal(a->cls, "gold");
		assert_int_equal(a->dscp, 46);
		assert_int_equal(a->bytes, 1000);
		assert_int_equal(a->packets, 10);
		assert_int_equal(a->sampling, 1);
		assert_int_equal(b->exporter, B);
		assert_string_equal(b->cls, "silver");
		assert_int_equal(b->dscp, 0);
		assert_int_equal(b->bytes, 250);
		assert_int_equal(b->packets, 3);
	}
	/* window 2: gold 1000 x 0.5 + 2000 x 0.5, silver half a window */
	assert_int_equal(f[4].start_ms, 2000);
	assert_int_equal(f[4].bytes, 1500);
	assert_int_equal(f[4].packets, 15);
	assert_int_equal(f[5].bytes, 125);
	assert_int_equal(f[5].packets, 2);
	free(f);
	/* idle: no records, and a long jump costs nothing */
	assert_int_equal(sim_set_demands(s, NULL, 0, 3500, &err), 0);
	assert_int_equal(sim_flows(s, 4000, &f, &n, &err), 0);
	assert_int_equal(n, 1); /* the rest of window 3 */
	assert_int_equal(f[0].start_ms, 3000);
	assert_int_equal(f[0].bytes, 1000);
	free(f);
	assert_int_equal(sim_flows(s, SIM_TIME_MAX, &f, &n, &err), 0);
	assert_int_equal(n, 0);
	sim_free(s);
	topo_free(&t);
}

/* Sampled records scale back to the demand within the rounding. */
static void test_flows_sampled(void **state)
{
	(void)state;
	topo t;
	sim_params p;
	params_fixed(&p);
	p.flow_window_ms = 10000;
	p.packet_bytes = 500;
	p.sampling = 64;
	sim *s = dia_sim(&t, &p);
	neto_err err;
	sim_demand dm[] = { { A, D, "gold", 123457 }, { C, B, "gold", 3 } };
	assert_int_equal(sim_set_demands(s, dm, 2, 0, &err), 0);
	sim_flow *f;
	size_t n;
	assert_int_equal(sim_flows(s, 100000, &f, &n, &err), 0);
	/* C -> B: 30 bytes, 1 packet a window: 1/64 rounds to no packet */
	assert_int_equal(n, 10);
	uint64_t bytes = 0, pkts = 0;
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(f[i].ingress, A);
		assert_int_equal(f[i].sampling, 64);
		bytes += f[i].bytes;
		pkts += f[i].packets;
	}
	double want = 123457.0 * 100; /* bytes over 100 s */
	assert_true(fabs((double)bytes * 64 - want) <= 32.0 * (double)n);
	assert_true(fabs((double)pkts * 64 - ceil(123457.0 * 10 / 500) * 10) <= 32.0 * (double)n);
	free(f);
	sim_free(s);
	topo_free(&t);
}

/* ---- scenario files ------------------------------------------------------ */

static void expect_parse_fail(const char *text, const char *n1, const char *n2)
{
	sim_scenario *sc = (sim_scenario *)1;
	neto_err err;
	size_t len = strlen(text);
	char *buf = malloc(len ? len : 1);
	memcpy(buf, text, len);
	int rc = sim_scenario_parse(buf, len, &sc, &err);
	free(buf);
	if (rc != -1) {
		print_error("parsed, expected an error with \"%s\"\n", n1);
		fail();
	}
	assert_null(sc);
	assert_has(err.msg, n1);
	if (n2 != NULL)
		assert_has(err.msg, n2);
}

static void test_scenario_parse(void **state)
{
	(void)state;
	sim_scenario *sc = scen("# failures\n"
				"\n"
				"at 0 stall router R5 for 20000\r\n"
				"  at 5000   reject router R2 count 3\n"
				"at 10000 session-drop router R3\n"
				"at 10000 session-drop router R4 for 1\n"
				"at 60000 link-down A B\n"
				"at 90000 link-up edge_7\n"
				"at 90000 stall router R5");
	assert_int_equal(sc->n, 7);
	assert_int_equal(sc->v[0].kind, SIM_EV_STALL);
	assert_int_equal(sc->v[0].line, 3);
	assert_int_equal(sc->v[0].at, 0);
	assert_string_equal(sc->v[0].a, "R5");
	assert_int_equal(sc->v[0].dur, 20000);
	assert_int_equal(sc->v[1].kind, SIM_EV_REJECT);
	assert_int_equal(sc->v[1].count, 3);
	assert_string_equal(sc->v[1].a, "R2");
	assert_int_equal(sc->v[2].kind, SIM_EV_SESSION_DROP);
	assert_int_equal(sc->v[2].dur, SIM_NEVER);
	assert_int_equal(sc->v[3].dur, 1);
	assert_int_equal(sc->v[4].kind, SIM_EV_LINK_DOWN);
	assert_string_equal(sc->v[4].a, "A");
	assert_string_equal(sc->v[4].b, "B");
	assert_int_equal(sc->v[5].kind, SIM_EV_LINK_UP);
	assert_string_equal(sc->v[5].a, "edge_7");
	assert_null(sc->v[5].b);
	assert_int_equal(sc->v[6].dur, SIM_NEVER);
	assert_int_equal(sc->v[6].line, 9);
	sim_scenario_free(sc);
	sc = scen("");
	assert_int_equal(sc->n, 0);
	sim_scenario_free(sc);

	expect_parse_fail("at 0 explode router A\n", "scenario:1:", "unknown action 'explode'");
	expect_parse_fail("\n\nafter 0 stall router A\n", "scenario:3:", "expected 'at TIME");
	expect_parse_fail("at\n", "scenario:1:", "expected 'at TIME");
	expect_parse_fail("at -5 stall router A\n", "scenario:1:", "time '-5'");
	expect_parse_fail("at 5s stall router A\n", "scenario:1:", "time '5s'");
	expect_parse_fail("at 99999999999999999999 stall router A\n", "scenario:1:", "time");
	expect_parse_fail("at 1000000000000001 stall router A\n", "scenario:1:", "time");
	expect_parse_fail("at 10 stall router A\nat 5 stall router B\n", "scenario:2:",
			  "before the previous");
	expect_parse_fail("at 0 stall A\n", "scenario:1:", "stall router NAME");
	expect_parse_fail("at 0 stall node A for 5\n", "scenario:1:", "stall router NAME");
	expect_parse_fail("at 0 stall router A for\n", "scenario:1:", "stall router NAME");
	expect_parse_fail("at 0 stall router A until 5\n", "scenario:1:", "stall router NAME");
	expect_parse_fail("at 0 stall router A for 0\n", "scenario:1:", "duration '0'");
	expect_parse_fail("at 0 session-drop router A for x\n", "scenario:1:", "duration 'x'");
	expect_parse_fail("at 0 reject router A\n", "scenario:1:", "reject router NAME count N");
	expect_parse_fail("at 0 reject router A times 3\n", "scenario:1:", "count N");
	expect_parse_fail("at 0 reject router A count 0\n", "scenario:1:", "count '0'");
	expect_parse_fail("at 0 reject router A count 1000001\n", "scenario:1:", "count");
	expect_parse_fail("at 0 link-down\n", "scenario:1:", "link-down|link-up");
	expect_parse_fail("at 0 link-down A B C\n", "scenario:1:", "link-down|link-up");
	expect_parse_fail("at 0 link-up A A\n", "scenario:1:", "to itself");
	expect_parse_fail("at 0 stall router A for 5 and more fields here\n", "scenario:1:",
			  "stall router NAME");
	char longline[400];
	snprintf(longline, sizeof longline, "at 0 stall router %0300d\n", 0);
	expect_parse_fail(longline, "scenario:1:", "longer than");
	/* a NUL byte (strlen would stop at it, so give the length) */
	sim_scenario *x = NULL;
	neto_err err;
	assert_int_equal(sim_scenario_parse("at 0 stall router A\0", 20, &x, &err), -1);
	assert_has(err.msg, "scenario:1:");
	assert_has(err.msg, "NUL");
	assert_null(x);
}

static void test_scenario_load(void **state)
{
	(void)state;
	topo t;
	sim_params p;
	params_fixed(&p);
	sim *s = dia_sim(&t, &p);
	neto_err err;
	const char *bad[][2] = {
		{ "at 0 stall router A\nat 5 stall router Z\n", "scenario:2: unknown router 'Z'" },
		{ "at 0 link-down B C\n", "scenario:1: no link between 'B' and 'C'" },
		{ "at 0 link-down A X\n", "scenario:1: unknown node 'X'" },
		{ "at 0 link-down nope\n", "scenario:1: unknown link 'nope'" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		sim_scenario *sc = scen(bad[i][0]);
		assert_int_equal(sim_load_scenario(s, sc, &err), -1);
		assert_has(err.msg, bad[i][1]);
		sim_scenario_free(sc);
	}
	advance(s, 1000);
	sim_scenario *sc = scen("at 999 stall router A\n");
	assert_int_equal(sim_load_scenario(s, sc, &err), -1);
	assert_has(err.msg, "scenario:1: event at 999 ms is before");
	sim_scenario_free(sc);
	/* nothing of the failed loads was scheduled */
	advance(s, 2000);
	for (uint32_t l = 0; l < t.n_links; l++)
		assert_true(sim_link_up(s, l));
	/* two scenarios merge in time order */
	load_scen(s, "at 3000 link-down A-B\n");
	load_scen(s, "at 2500 link-down B-A\nat 3500 link-up A B\n");
	advance(s, 2600);
	assert_true(sim_link_up(s, AB));
	assert_false(sim_link_up(s, BA));
	advance(s, 3000);
	assert_false(sim_link_up(s, AB));
	advance(s, 3500);
	assert_true(sim_link_up(s, AB));
	assert_true(sim_link_up(s, BA));
	sim_free(s);
	topo_free(&t);
}

/* ---- a real topology ----------------------------------------------------- */

static void test_abilene(void **state)
{
	(void)state;
	size_t glen, dlen;
	char *g = tu_read("tests/data/repetita/Abilene.graph", &glen);
	char *dtext = tu_read("tests/data/repetita/Abilene.0000.demands", &dlen);
	topo t;
	neto_err err;
	topo_init(&t);
	assert_int_equal(topo_parse_repetita(&t, g, glen, "Abilene.graph", &err), 0);
	class_set cs;
	class_set_init(&cs);
	class_set_default(&cs);
	demand_set ds;
	demand_set_init(&ds);
	assert_int_equal(demand_parse_repetita(&ds, &t, &cs, dtext, dlen, "Abilene.0000.demands",
					       &err), 0);
	free(g);
	free(dtext);

	sim_params p;
	sim_params_default(&p);
	p.state_timeout_ms = 0;
	p.flow_window_ms = 60000;
	sim *s = sim_new(&t, 2024, &p, &err);
	assert_non_null(s);
	assert_int_equal(sim_set_demand_set(s, &ds, &cs, 0, &err), 0);
	double *load = calloc(t.n_links, sizeof *load);
	sim_totals tot;
	loads(s, 0, load, &tot);
	double offered = 0, hop_volume = 0;
	spf_all spf;
	spf_all_init(&spf, &t);
	for (size_t i = 0; i < ds.n; i++) {
		offered += ds.v[i].rate;
		/* every IGP metric is 10: each shortest path has dist / 10 links,
		 * however ECMP splits */
		const spf_tree *tr = spf_all_get(&spf, ds.v[i].src);
		hop_volume += ds.v[i].rate * (double)(tr->dist[ds.v[i].dst] / 10);
	}
	spf_all_free(&spf);
	assert_near(tot.offered, offered);
	assert_near(tot.carried, offered);
	double sum = 0;
	for (uint32_t l = 0; l < t.n_links; l++)
		sum += load[l];
	assert_near(sum, hop_volume);

	/* New York - Chicago fails: still everything carried, nothing on it */
	load_scen(s, "at 1000 link-down 0_New_York 1_Chicago\n");
	loads(s, 1000, load, &tot);
	assert_near(tot.carried, offered);
	uint32_t e0 = topo_find_link(&t, "edge_0", 6), e1 = topo_find_link(&t, "edge_1", 6);
	assert_near(load[e0], 0);
	assert_near(load[e1], 0);

	/* steer New York -> Denver through Houston by SRv6 node segments */
	uint32_t ny = topo_find_node(&t, "0_New_York", 10);
	uint32_t den = topo_find_node(&t, "6_Denver", 8);
	uint32_t hou = topo_find_node(&t, "8_Houston", 9);
	uint32_t segs[] = { hou, den };
	sim_seglist sl[] = { { .segs = segs, .n_segs = 2, .weight = 1 } };
	sim_policy pol = { sl, 1 };
	uint64_t id = apply(s, ny, den, "default", &pol, 1000);
	advance(s, 2000);
	assert_int_equal(sim_request_status(s, id), SIM_REQ_INSTALLED);
	loads(s, 2000, load, &tot);
	assert_near(tot.carried, offered);
	assert_near(tot.steered, ds.v[demand_find(&ds, ny, den, 0)].rate);

	/* flow records of one window add up to the matrix */
	sim_flow *f;
	size_t n;
	assert_int_equal(sim_flows(s, 60000, &f, &n, &err), 0);
	assert_int_equal(n, ds.n);
	double bytes = 0;
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(f[i].exporter, f[i].ingress);
		bytes += (double)f[i].bytes;
	}
	/* kbps x 60 s / 8 bits, each record rounded to the byte */
	assert_true(fabs(bytes - offered * 1000 * 60 / 8) <= (double)n);
	free(f);
	free(load);
	sim_free(s);
	demand_set_free(&ds);
	class_set_free(&cs);
	topo_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_async_install),
		cmocka_unit_test(test_delay_and_order),
		cmocka_unit_test(test_readback_truth),
		cmocka_unit_test(test_bad_requests),
		cmocka_unit_test(test_reject),
		cmocka_unit_test(test_stall),
		cmocka_unit_test(test_session_expiry),
		cmocka_unit_test(test_expiry_rejects_pending),
		cmocka_unit_test(test_link_down),
		cmocka_unit_test(test_loads_hand),
		cmocka_unit_test(test_parallel_ecmp),
		cmocka_unit_test(test_conservation),
		cmocka_unit_test(test_flows),
		cmocka_unit_test(test_flows_sampled),
		cmocka_unit_test(test_scenario_parse),
		cmocka_unit_test(test_scenario_load),
		cmocka_unit_test(test_abilene),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
