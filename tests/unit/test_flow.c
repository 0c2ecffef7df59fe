/*
 * test_flow.c - flow agents against an SQLite store in a temporary
 * directory, driven by a virtual clock: a three-level tree (root, an
 * intermediate agent, leaves) turning record batches into demand matrices;
 * scale-up by the sampling interval; a silent exporter and a silent leaf
 * listed as missing (with the leaf's exporters), never dropped quietly; late,
 * duplicate and malformed messages rejected and reported; EWMA and
 * percentile smoothing at the root on values computed by hand; a root
 * restarted mid-stream continuing from its stored smoothing state; a leaf
 * restarted without resending; falling behind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent/flow.h"
#include "agent/flowmsg.h"
#include "store/store.h"
#include "testutil.h"

#define W 10000                    /* window */
#define T0 ((int64_t)1000000000) /* a window boundary */

typedef struct fx {
	char dir[64];
	store *st;
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/neto-flow-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	char uri[128];
	snprintf(uri, sizeof uri, "sqlite:%s/store.db", f->dir);
	neto_err err;
	if (store_open(&f->st, uri, &err) != 0) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	store_close(f->st);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

/* ---- helpers ------------------------------------------------------------ */

/* Sends exporter's batch for the window starting at start, at the window's
 * end: recs is "in,eg,cls,bytes;..." (packets = 1). */
static void send_batch(fx *f, const char *exporter, int64_t start, uint32_t sampling,
		       const char *recs)
{
	flowmsg_record r[16];
	char buf[512];
	size_t n = 0;
	snprintf(buf, sizeof buf, "%s", recs);
	char *save = NULL;
	for (char *tok = strtok_r(buf, ";", &save); tok && n < 16;
	     tok = strtok_r(NULL, ";", &save)) {
		char *in = tok, *eg = strchr(in, ',');
		*eg++ = '\0';
		char *cls = strchr(eg, ',');
		*cls++ = '\0';
		char *by = strchr(cls, ',');
		*by++ = '\0';
		r[n++] = (flowmsg_record){ in, eg, cls, strtoull(by, NULL, 10), 1 };
	}
	flowmsg_batch b = { .exporter = exporter,
			    .start_ms = start,
			    .window_ms = W,
			    .sampling = sampling,
			    .recs = r,
			    .n = n };
	char *body;
	size_t len;
	neto_err err;
	assert_int_equal(flowmsg_batch_encode(&b, &body, &len, &err), 0);
	char topic[64];
	snprintf(topic, sizeof topic, "flow.%s", exporter);
	assert_int_equal(store_msg_put(f->st, topic, exporter, start + W, body, len, &err), 0);
	free(body);
}

static flowagent *leaf(fx *f, const char *name, const char *parent, const char *const *ex,
		       size_t n)
{
	flowagent_cfg c = { .name = name,
			    .kind = FLOWAGENT_LEAF,
			    .parent = parent,
			    .exporters = ex,
			    .n_exporters = n,
			    .window_ms = W,
			    .grace_ms = 2000,
			    .bits_per_unit = 1e6 };
	flowagent *a;
	neto_err err;
	if (flowagent_new(&a, f->st, &c, &err) != 0) {
		print_error("%s\n", err.msg);
		fail();
	}
	return a;
}

static flowagent *parent(fx *f, const char *name, const char *up, const char *const *ch, size_t n,
			 int64_t timeout, const char *smoothing)
{
	flowagent_cfg c = { .name = name,
			    .kind = FLOWAGENT_PARENT,
			    .parent = up,
			    .children = ch,
			    .n_children = n,
			    .window_ms = W,
			    .timeout_ms = timeout,
			    .bits_per_unit = 1e6 };
	neto_err err;
	assert_int_equal(flowagent_smoothing_parse(smoothing, &c.smoothing, &err), 0);
	flowagent *a;
	if (flowagent_new(&a, f->st, &c, &err) != 0) {
		print_error("%s\n", err.msg);
		fail();
	}
	return a;
}

static void tick_ok(flowagent *a, int64_t now)
{
	neto_err err;
	if (flowagent_tick(a, now, &err) != 0) {
		print_error("tick at T0%+lld: %s\n", (long long)(now - T0), err.msg);
		fail();
	}
}

/* Ticks every agent (in the order given) every 500 ms in (from, to]. */
static void run(flowagent **v, size_t n, int64_t from, int64_t to)
{
	for (int64_t t = from + 500; t <= to; t += 500)
		for (size_t i = 0; i < n; i++)
			tick_ok(v[i], t);
}

typedef struct demand_row {
	int64_t id, at;
	char *body, *missing;
} demand_row;

static demand_row latest(fx *f)
{
	demand_row d;
	size_t len;
	neto_err err;
	assert_int_equal(store_demand_latest(f->st, &d.id, &d.at, &d.body, &len, &d.missing, &err),
			 0);
	return d;
}

static void row_free(demand_row *d)
{
	free(d->body);
	free(d->missing);
}

static int64_t latest_id(fx *f)
{
	demand_row d = latest(f);
	row_free(&d);
	return d.id;
}

static void expect_demand(fx *f, int64_t id, int64_t at, const char *body, const char *missing)
{
	demand_row d = latest(f);
	assert_int_equal(d.id, id);
	assert_int_equal(d.at, at);
	assert_non_null(d.body);
	if (strcmp(d.body, body) != 0) {
		print_error("demand %lld:\n%s\nwanted:\n%s\n", (long long)d.id, d.body, body);
		fail();
	}
	if (missing == NULL) {
		if (d.missing != NULL && d.missing[0] != '\0') {
			print_error("missing: \"%s\", wanted none\n", d.missing);
			fail();
		}
	} else {
		assert_non_null(d.missing);
		assert_string_equal(d.missing, missing);
	}
	row_free(&d);
}

/* ---- a three-level tree ------------------------------------------------- */

/*
 *            root (timeout 6 s)
 *           /    \
 *   mid (4 s)     l3: e4
 *    /    \
 * l1: e1,e2   l2: e3
 *
 * Rates in Mbps: 1,250,000 bytes in 10 s is 1 Mbps.
 */
static void test_tree(void **state)
{
	fx *f = *state;
	static const char *const ex1[] = { "e1", "e2" }, *const ex2[] = { "e3" },
				 *const ex3[] = { "e4" };
	static const char *const mid_ch[] = { "l1", "l2" }, *const root_ch[] = { "mid", "l3" };
	flowagent *l1 = leaf(f, "l1", "mid", ex1, 2);
	flowagent *l2 = leaf(f, "l2", "mid", ex2, 1);
	flowagent *l3 = leaf(f, "l3", "root", ex3, 1);
	flowagent *mid = parent(f, "mid", "root", mid_ch, 2, 4000, "none");
	flowagent *root = parent(f, "root", NULL, root_ch, 2, 6000, "none");
	flowagent *all[] = { l1, l2, l3, mid, root };
	for (size_t i = 0; i < 5; i++)
		tick_ok(all[i], T0);

	/* window 0: everyone reports. e2 samples 1 in 100; e1 sends a local
	 * record (not demand) and two records of one triple (they add up). */
	send_batch(f, "e1", T0, 1, "PAR,LON,gold,1000000;PAR,LON,gold,250000;PAR,PAR,gold,999");
	send_batch(f, "e2", T0, 100, "LON,PAR,silver,12500");
	send_batch(f, "e3", T0, 1, "AMS,PAR,gold,2500000");
	send_batch(f, "e4", T0, 1, "FRA,AMS,bronze,625000;PAR,LON,gold,1250000");
	run(all, 5, T0, T0 + W + 1500);
	assert_int_equal(latest_id(f), 0);
	run(all, 5, T0 + W + 1500, T0 + W + 2000);
	/* the leaves closed at +2 s, mid merged at once, and so did root */
	expect_demand(f, 1, T0 + W,
		      "src,dst,class,rate\n"
		      "AMS,PAR,gold,2\n"
		      "FRA,AMS,bronze,0.5\n"
		      "LON,PAR,silver,1\n"
		      "PAR,LON,gold,2\n",
		      NULL);
	assert_int_equal(flowagent_stats_get(l1)->records, 3);
	assert_int_equal(flowagent_stats_get(l1)->local_records, 1);
	assert_int_equal(flowagent_stats_get(root)->windows, 1);

	/* window 1: e2 sends nothing, l2 is down (not ticked) */
	int64_t w1 = T0 + W;
	send_batch(f, "e1", w1, 1, "PAR,LON,gold,2500000");
	send_batch(f, "e3", w1, 1, "AMS,PAR,gold,2500000");
	send_batch(f, "e4", w1, 1, "PAR,LON,gold,1250000");
	flowagent *up[] = { l1, l3, mid, root };
	run(up, 4, w1 + W + 2000, w1 + W + 3500);
	assert_int_equal(latest_id(f), 1); /* mid waits for l2 until +4 s, root for mid */
	run(up, 4, w1 + W + 3500, w1 + W + 6000);
	/* mid gave up on l2 at +4 s and reported it with its exporter (from its
	 * heartbeat); l1 reported e2 missing; root had all it waits for */
	expect_demand(f, 2, w1 + W,
		      "src,dst,class,rate\n"
		      "PAR,LON,gold,3\n",
		      "e2,e3,l2");
	/* the agent registry gives each leaf's parent and exporters */
	store_agent *ag;
	size_t n;
	neto_err err;
	assert_int_equal(store_agent_list(f->st, &ag, &n, &err), 0);
	assert_int_equal(n, 5);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(ag[i].role, "flow");
		if (strcmp(ag[i].name, "l1") == 0)
			assert_string_equal(ag[i].info, "{\"kind\":\"leaf\",\"parent\":\"mid\","
							"\"window_ms\":10000,\"exporters\":[\"e1\","
							"\"e2\"]}");
		if (strcmp(ag[i].name, "root") == 0)
			assert_string_equal(ag[i].info, "{\"kind\":\"parent\",\"parent\":null,"
							"\"window_ms\":10000,\"children\":[\"mid\","
							"\"l3\"],\"smoothing\":\"none\"}");
	}
	store_agent_free(ag, n);

	/* l2 comes back: its partial of window 1 is late at mid, reported */
	neto_err e2;
	int64_t now = w1 + W + 6500;
	tick_ok(l2, now);
	assert_int_equal(flowagent_tick(mid, now, &e2), -1);
	assert_non_null(strstr(e2.msg, "late partial of l2"));
	assert_int_equal(flowagent_stats_get(mid)->late, 1);

	/* window 2: everyone again; the root times out on nobody */
	int64_t w2 = w1 + W;
	send_batch(f, "e1", w2, 1, "PAR,LON,gold,1250000");
	send_batch(f, "e2", w2, 1, "");
	send_batch(f, "e3", w2, 1, "");
	send_batch(f, "e4", w2, 1, "");
	run(all, 5, now, w2 + W + 2000);
	expect_demand(f, 3, w2 + W, "src,dst,class,rate\nPAR,LON,gold,1\n", NULL);
	for (size_t i = 0; i < 5; i++)
		flowagent_free(all[i]);
}

/* A root that crashes after taking one child's partial and before merging
 * the window loses that partial; the restarted root lists the child (and
 * its exporters) as missing for the window instead of dropping it quietly. */
static void test_root_crash_loses_partial(void **state)
{
	fx *f = *state;
	static const char *const e1[] = { "e1" }, *const e2[] = { "e2" };
	static const char *const ch[] = { "l1", "l2" };
	flowagent *l1 = leaf(f, "l1", "root", e1, 1);
	flowagent *l2 = leaf(f, "l2", "root", e2, 1);
	flowagent *root = parent(f, "root", NULL, ch, 2, 5000, "none");
	tick_ok(l1, T0);
	tick_ok(l2, T0);
	tick_ok(root, T0);
	send_batch(f, "e1", T0, 1, "A,B,c,1250000");
	send_batch(f, "e2", T0, 1, "B,A,c,1250000");
	tick_ok(l1, T0 + W + 2000);
	tick_ok(root, T0 + W + 2000); /* takes l1's partial, waits for l2 */
	flowagent_free(root);         /* crash */
	root = parent(f, "root", NULL, ch, 2, 5000, "none");
	tick_ok(l2, T0 + W + 2500);
	tick_ok(root, T0 + W + 2500);
	assert_int_equal(latest_id(f), 0);
	tick_ok(root, T0 + W + 5000);
	expect_demand(f, 1, T0 + W, "src,dst,class,rate\nB,A,c,1\n", "e1,l1");
	flowagent_free(l1);
	flowagent_free(l2);
	flowagent_free(root);
}

/* ---- rejected input ----------------------------------------------------- */

static void test_rejects(void **state)
{
	fx *f = *state;
	static const char *const ex[] = { "e1" }, *const ch[] = { "l1" };
	flowagent *l1 = leaf(f, "l1", "root", ex, 1);
	flowagent *root = parent(f, "root", NULL, ch, 1, 5000, "none");
	tick_ok(l1, T0);
	tick_ok(root, T0);
	neto_err err;
	/* garbage, another exporter's batch, another window length, an
	 * unaligned window, and one good batch */
	assert_int_equal(store_msg_put(f->st, "flow.e1", "e1", T0 + 100, "junk", 4, &err), 0);
	send_batch(f, "e2", T0, 1, "A,B,c,1");
	assert_int_equal(store_msg_put(f->st, "flow.e1", "e1", T0 + 200, "", 0, &err), 0);
	{
		flowmsg_batch b = { .exporter = "e1", .start_ms = T0, .window_ms = 5000, .sampling = 1 };
		char *body;
		size_t len;
		assert_int_equal(flowmsg_batch_encode(&b, &body, &len, &err), 0);
		assert_int_equal(store_msg_put(f->st, "flow.e1", "e1", T0 + 300, body, len, &err), 0);
		free(body);
		b.window_ms = W;
		b.start_ms = T0 + 1;
		assert_int_equal(flowmsg_batch_encode(&b, &body, &len, &err), 0);
		assert_int_equal(store_msg_put(f->st, "flow.e1", "e1", T0 + 400, body, len, &err), 0);
		free(body);
	}
	char topic[] = "flow.e1";
	{
		/* e2's batch went to flow.e2; put a copy on e1's topic */
		flowmsg_record r = { "A", "B", "c", 1, 1 };
		flowmsg_batch b = { .exporter = "e2", .start_ms = T0, .window_ms = W, .sampling = 1,
				    .recs = &r, .n = 1 };
		char *body;
		size_t len;
		assert_int_equal(flowmsg_batch_encode(&b, &body, &len, &err), 0);
		assert_int_equal(store_msg_put(f->st, topic, "e2", T0 + 500, body, len, &err), 0);
		free(body);
	}
	send_batch(f, "e1", T0, 1, "A,B,c,1250000");
	assert_int_equal(flowagent_tick(l1, T0 + W + 100, &err), -1);
	assert_non_null(strstr(err.msg, "flow agent l1: flow.e1 message "));
	assert_non_null(strstr(err.msg, ":1: "));
	const flowagent_stats *s = flowagent_stats_get(l1);
	assert_int_equal(s->rejected, 5);
	assert_int_equal(s->messages, 1);
	assert_non_null(strstr(s->last_error, "names another exporter"));
	run((flowagent *[]){ l1, root }, 2, T0 + W + 100, T0 + W + 2100);
	expect_demand(f, 1, T0 + W, "src,dst,class,rate\nA,B,c,1\n", NULL);

	/* a batch for a closed window is late */
	send_batch(f, "e1", T0, 1, "A,B,c,1");
	assert_int_equal(flowagent_tick(l1, T0 + W + 2500, &err), -1);
	assert_non_null(strstr(err.msg, "late: window 1000000000 is closed"));
	assert_int_equal(flowagent_stats_get(l1)->late, 1);

	/* partials the root must refuse: not a child, another unit, a second
	 * one from the same child */
	flowmsg_partial p = { .agent = "stranger", .start_ms = T0 + W, .window_ms = W,
			      .bits_per_unit = 1e6 };
	char *body;
	size_t len;
	assert_int_equal(flowmsg_partial_encode(&p, &body, &len, &err), 0);
	assert_int_equal(store_msg_put(f->st, "partial.root", "x", T0 + W + 2600, body, len, &err),
			 0);
	free(body);
	p.agent = "l1";
	p.bits_per_unit = 1e3;
	assert_int_equal(flowmsg_partial_encode(&p, &body, &len, &err), 0);
	assert_int_equal(store_msg_put(f->st, "partial.root", "x", T0 + W + 2600, body, len, &err),
			 0);
	free(body);
	p.bits_per_unit = 1e6;
	assert_int_equal(flowmsg_partial_encode(&p, &body, &len, &err), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(
			store_msg_put(f->st, "partial.root", "x", T0 + W + 2600, body, len, &err), 0);
	free(body);
	assert_int_equal(flowagent_tick(root, T0 + W + 2600, &err), -1);
	assert_non_null(strstr(err.msg, "not a child"));
	s = flowagent_stats_get(root);
	assert_int_equal(s->rejected, 2);
	assert_int_equal(s->duplicates, 1);
	flowagent_free(l1);
	flowagent_free(root);
}

/* ---- smoothing at the root, and a restart ------------------------------- */

/* One leaf, one root; window k carries rate[k] Mbps on PAR->LON (a rate of
 * -1: the exporter sends an empty batch). Returns the root. */
static flowagent *feed(fx *f, flowagent *l, flowagent *root, const double *rate, int from,
		       int to)
{
	for (int k = from; k < to; k++) {
		int64_t start = T0 + (int64_t)k * W;
		char rec[64];
		if (rate[k] < 0)
			rec[0] = '\0';
		else
			snprintf(rec, sizeof rec, "PAR,LON,gold,%.0f", rate[k] * 1250000);
		send_batch(f, "e1", start, 1, rec);
		run((flowagent *[]){ l, root }, 2, start + W, start + W + W);
	}
	return root;
}

static double last_rate(fx *f)
{
	demand_row d = latest(f);
	const char *p = strstr(d.body, "PAR,LON,gold,");
	double r = p ? strtod(p + 13, NULL) : 0;
	row_free(&d);
	return r;
}

/* EWMA 0.5 by hand: 8, 4, 2, 6, (empty) , 10
 *   -> 8, 6, 4, 5, 2.5, 6.25
 * with the root freed (a crash: no shutdown) after window 2 and a new one
 * started from the store. */
static void test_ewma_restart(void **state)
{
	fx *f = *state;
	static const char *const ex[] = { "e1" }, *const ch[] = { "l1" };
	static const double rate[] = { 8, 4, 2, 6, -1, 10 };
	static const double want[] = { 8, 6, 4, 5, 2.5, 6.25 };
	flowagent *l1 = leaf(f, "l1", "root", ex, 1);
	flowagent *root = parent(f, "root", NULL, ch, 1, 5000, "ewma:0.5");
	tick_ok(l1, T0);
	tick_ok(root, T0);
	for (int k = 0; k < 6; k++) {
		if (k == 3) {
			flowagent_free(root);
			root = parent(f, "root", NULL, ch, 1, 5000, "ewma:0.5");
		}
		feed(f, l1, root, rate, k, k + 1);
		assert_int_equal(latest_id(f), k + 1);
		if (last_rate(f) != want[k]) {
			print_error("window %d: rate %.17g, want %.17g\n", k, last_rate(f), want[k]);
			fail();
		}
	}
	/* the state in the store */
	char *body;
	size_t len;
	int64_t upd;
	neto_err err;
	assert_int_equal(store_kv_get(f->st, "flow", "root", &body, &len, &upd, &err), 0);
	assert_non_null(strstr(body, "\"smoothing\":\"ewma:0.5\""));
	assert_non_null(strstr(body, "[\"PAR,LON,gold\",6.25]"));
	free(body);
	flowagent_free(l1);
	flowagent_free(root);
}

/* A restarted root with other smoothing does not reuse the state. */
static void test_smoothing_changed(void **state)
{
	fx *f = *state;
	static const char *const ex[] = { "e1" }, *const ch[] = { "l1" };
	static const double rate[] = { 8, 4, 2 };
	flowagent *l1 = leaf(f, "l1", "root", ex, 1);
	flowagent *root = parent(f, "root", NULL, ch, 1, 5000, "ewma:0.5");
	tick_ok(l1, T0);
	tick_ok(root, T0);
	feed(f, l1, root, rate, 0, 2);
	assert_true(last_rate(f) == 6);
	flowagent_free(root);
	root = parent(f, "root", NULL, ch, 1, 5000, "ewma:0.25");
	neto_err err;
	assert_int_equal(flowagent_tick(root, T0 + 2 * W + 100, &err), -1);
	assert_non_null(strstr(err.msg, "other smoothing"));
	feed(f, l1, root, rate, 2, 3);
	assert_true(last_rate(f) == 2); /* a fresh start: the first window as it is */
	flowagent_free(l1);
	flowagent_free(root);
}

/* p50 over 3 windows by hand: 8, 4, 2, 6, (empty), 10
 *   samples [8] [8 4] [8 4 2] [4 2 6] [2 6 0] [6 0 10]
 *   -> 8, 4, 4, 4, 2, 6 */
static void test_percentile_root(void **state)
{
	fx *f = *state;
	static const char *const ex[] = { "e1" }, *const ch[] = { "l1" };
	static const double rate[] = { 8, 4, 2, 6, -1, 10 };
	static const double want[] = { 8, 4, 4, 4, 2, 6 };
	flowagent *l1 = leaf(f, "l1", "root", ex, 1);
	flowagent *root = parent(f, "root", NULL, ch, 1, 5000, "p50:3");
	tick_ok(l1, T0);
	tick_ok(root, T0);
	for (int k = 0; k < 6; k++) {
		if (k == 4) { /* a restart in the middle of the history */
			flowagent_free(root);
			root = parent(f, "root", NULL, ch, 1, 5000, "p50:3");
		}
		feed(f, l1, root, rate, k, k + 1);
		if (last_rate(f) != want[k]) {
			print_error("window %d: rate %.17g, want %.17g\n", k, last_rate(f), want[k]);
			fail();
		}
	}
	flowagent_free(l1);
	flowagent_free(root);
}

/* A leaf restarted after closing a window does not send it again, and
 * continues with the next one. */
static void test_leaf_restart(void **state)
{
	fx *f = *state;
	static const char *const ex[] = { "e1" }, *const ch[] = { "l1" };
	flowagent *l1 = leaf(f, "l1", "root", ex, 1);
	flowagent *root = parent(f, "root", NULL, ch, 1, 5000, "none");
	tick_ok(l1, T0);
	tick_ok(root, T0);
	send_batch(f, "e1", T0, 1, "A,B,c,1250000");
	run((flowagent *[]){ l1, root }, 2, T0 + W, T0 + W + 2000);
	assert_int_equal(latest_id(f), 1);
	flowagent_free(l1);
	l1 = leaf(f, "l1", "root", ex, 1);
	send_batch(f, "e1", T0 + W, 1, "A,B,c,2500000");
	run((flowagent *[]){ l1, root }, 2, T0 + W + 2000, T0 + 2 * W + 2000);
	assert_int_equal(flowagent_stats_get(root)->duplicates, 0);
	assert_int_equal(flowagent_stats_get(root)->late, 0);
	assert_int_equal(flowagent_stats_get(l1)->next_window, T0 + 2 * W);
	expect_demand(f, 2, T0 + 2 * W, "src,dst,class,rate\nA,B,c,2\n", NULL);
	flowagent_free(l1);
	flowagent_free(root);
}

/* A leaf without a parent is the root: it smooths (EWMA 0.5: 8, 4 -> 8, 6)
 * and writes the demand matrix, e2 never reporting. */
static void test_lone_leaf(void **state)
{
	fx *f = *state;
	static const char *const ex[] = { "e1", "e2" };
	flowagent_cfg c = { .name = "solo", .kind = FLOWAGENT_LEAF, .exporters = ex,
			    .n_exporters = 2, .window_ms = W, .bits_per_unit = 1e6 };
	neto_err err;
	assert_int_equal(flowagent_smoothing_parse("ewma:0.5", &c.smoothing, &err), 0);
	flowagent *a;
	assert_int_equal(flowagent_new(&a, f->st, &c, &err), 0);
	tick_ok(a, T0);
	send_batch(f, "e1", T0, 1, "A,B,c,10000000");
	run(&a, 1, T0, T0 + W + 2000);
	expect_demand(f, 1, T0 + W, "src,dst,class,rate\nA,B,c,8\n", "e2");
	send_batch(f, "e1", T0 + W, 1, "A,B,c,5000000");
	run(&a, 1, T0 + W + 2000, T0 + 2 * W + 2000);
	expect_demand(f, 2, T0 + 2 * W, "src,dst,class,rate\nA,B,c,6\n", "e2");
	flowagent_free(a);
}

/* A leaf stopped for a long time skips to the present, reported. */
static void test_backlog(void **state)
{
	fx *f = *state;
	static const char *const ex[] = { "e1" };
	flowagent *l1 = leaf(f, "l1", "root", ex, 1);
	tick_ok(l1, T0);
	neto_err err;
	int64_t later = T0 + 100 * W + 5000;
	assert_int_equal(flowagent_tick(l1, later, &err), -1);
	assert_non_null(strstr(err.msg, "windows behind"));
	const flowagent_stats *s = flowagent_stats_get(l1);
	assert_int_equal(s->skipped, 100); /* from T0 - W, the oldest it could see */
	/* and closes the window that ended 5 s ago (grace 2 s), with e1 missing */
	assert_int_equal(s->windows, 1);
	assert_int_equal(s->next_window, T0 + 100 * W);
	tick_ok(l1, later + 1);
	assert_int_equal(s->windows, 1);
	flowagent_free(l1);
	store_msg *v;
	size_t n;
	assert_int_equal(store_msg_take(f->st, "partial.root", later + 10, 10, &v, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].body, "neto-partial,1,l1,1000990000,10000,1000000,0,1,0\n"
				       "covered\nmissing,e1\n");
	store_msg_free(v, n);
}

static void test_config(void **state)
{
	fx *f = *state;
	static const char *const ex[] = { "e1", "e1" }, *const ch[] = { "root" };
	flowagent *a;
	neto_err err;
	flowagent_cfg c = { .name = "l1", .kind = FLOWAGENT_LEAF, .parent = "root", .exporters = ex,
			    .n_exporters = 1, .bits_per_unit = 1e6 };
	assert_int_equal(flowagent_new(&a, f->st, &c, &err), 0);
	flowagent_free(a);
	c.n_exporters = 2;
	assert_int_equal(flowagent_new(&a, f->st, &c, &err), -1);
	assert_non_null(strstr(err.msg, "listed twice"));
	c.n_exporters = 0;
	assert_int_equal(flowagent_new(&a, f->st, &c, &err), -1);
	c.n_exporters = 1;
	c.parent = "a,b";
	assert_int_equal(flowagent_new(&a, f->st, &c, &err), -1);
	c.parent = "root";
	c.bits_per_unit = 0;
	assert_int_equal(flowagent_new(&a, f->st, &c, &err), -1);
	c.bits_per_unit = 1;
	c.name = "";
	assert_int_equal(flowagent_new(&a, f->st, &c, &err), -1);
	flowagent_cfg p = { .name = "root", .kind = FLOWAGENT_PARENT, .children = ch,
			    .n_children = 1, .bits_per_unit = 1e6 };
	assert_int_equal(flowagent_new(&a, f->st, &p, &err), -1);
	assert_non_null(strstr(err.msg, "its own child"));
	p.name = "top";
	p.smoothing.kind = FLOWAGENT_SMOOTH_EWMA;
	p.smoothing.alpha = 2;
	assert_int_equal(flowagent_new(&a, f->st, &p, &err), -1);
	p.smoothing.alpha = 0.5;
	assert_int_equal(flowagent_new(&a, f->st, &p, &err), 0);
	flowagent_free(a);
	assert_true(flowagent_unit_bits("Mbps") == 1e6);
	assert_true(flowagent_unit_bits("KBPS") == 1e3);
	assert_true(flowagent_unit_bits("bps") == 1);
	assert_true(flowagent_unit_bits("furlongs") == 0);
	assert_true(flowagent_unit_bits(NULL) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_root_crash_loses_partial, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rejects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ewma_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_smoothing_changed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_percentile_root, setup, teardown),
		cmocka_unit_test_setup_teardown(test_leaf_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lone_leaf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backlog, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
