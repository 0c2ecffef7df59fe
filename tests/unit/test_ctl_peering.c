/*
 * test_ctl_peering.c - the peering decision in the controller's cycle, on
 * an SQLite store: a decision and the installed announcements become egress
 * tasks after the TE steps, in an order that keeps the peering links under
 * headroom, apply or remove as the target is neto's or BGP's; the TE demand
 * carries the Internet-bound traffic; a move the WAN cannot carry is refused
 * with an audit row; a stale or malformed decision is ignored with a log
 * line and changes nothing. Also the document's parser: round trip and
 * refusals.
 *
 * With NETO_PE_DESIRED_CORPUS=DIR set, the decisions used here are written
 * to DIR as the fuzz seed corpus (fuzz/corpus/pe_desired/).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include <arpa/inet.h>

#include "ctl/controller.h"
#include "ctl/ctl.h"
#include "pe/decide.h"
#include "pe/io.h"
#include "pe/order.h"
#include "store/store.h"
#include "testutil.h"

/* Four WAN sites: traffic enters at site1 (and site2, behind site1);
 * border1 and border2 are the border routers. site1 -> border2 has
 * capacity B2 (Mbps). */
static char *topology(double b2)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	fprintf(f,
		"{\"unit\":\"Mbps\",\"nodes\":[{\"name\":\"site1\"},{\"name\":\"border1\"},"
		"{\"name\":\"border2\"},{\"name\":\"site2\"}],\"links\":["
		"{\"id\":\"s2-s1\",\"src\":\"site2\",\"dst\":\"site1\",\"capacity\":10000,"
		"\"delay\":1000,\"adj_sid\":\"fc00:0:4:1::\"},"
		"{\"id\":\"s1-s2\",\"src\":\"site1\",\"dst\":\"site2\",\"capacity\":10000,"
		"\"delay\":1000,\"adj_sid\":\"fc00:0:1:4::\"},"
		"{\"id\":\"s1-b1\",\"src\":\"site1\",\"dst\":\"border1\",\"capacity\":10000,"
		"\"delay\":1000,\"adj_sid\":\"fc00:0:1:1::\"},"
		"{\"id\":\"b1-s1\",\"src\":\"border1\",\"dst\":\"site1\",\"capacity\":10000,"
		"\"delay\":1000,\"adj_sid\":\"fc00:0:2:1::\"},"
		"{\"id\":\"s1-b2\",\"src\":\"site1\",\"dst\":\"border2\",\"capacity\":%g,"
		"\"delay\":1000,\"adj_sid\":\"fc00:0:1:2::\"},"
		"{\"id\":\"b2-s1\",\"src\":\"border2\",\"dst\":\"site1\",\"capacity\":10000,"
		"\"delay\":1000,\"adj_sid\":\"fc00:0:3:1::\"}]}",
		b2);
	fclose(f);
	return buf;
}

/* The decision: links l1 (2G) and l2 (1G), egress e1 on border1 over l1,
 * e2 on border2 over l2, and the prefixes given (JSON array members). */
static char *decision(int64_t at, const char *prefixes)
{
	size_t len = strlen(prefixes) + 1024;
	char *buf = malloc(len);
	assert_non_null(buf);
	snprintf(buf, len,
		"{\"at\":%lld,\"cycle\":7,\"headroom\":0.95,\"local_pref\":200,"
		"\"community\":\"65000:100\","
		"\"links\":[{\"name\":\"l1\",\"cap\":2e9},{\"name\":\"l2\",\"cap\":1e9}],"
		"\"egress\":[{\"name\":\"e1\",\"router\":\"border1\",\"peer\":\"10.79.0.2\","
		"\"nexthop\":\"10.79.0.2\",\"link\":\"l1\"},"
		"{\"name\":\"e2\",\"router\":\"border2\",\"peer\":\"10.79.0.6\","
		"\"nexthop\":\"10.79.0.6\",\"link\":\"l2\"}],"
		"\"prefixes\":[%s]}",
		(long long)at, prefixes);
	return buf;
}

static void save_corpus(const char *name, const char *doc)
{
	const char *dir = getenv("NETO_PE_DESIRED_CORPUS");
	if (dir == NULL)
		return;
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(doc, f);
	fclose(f);
}

typedef struct rig {
	store *st;
	int64_t now;
	controller c;
	FILE *log;
	char *logbuf;
	size_t loglen;
} rig;

static void rig_open_classes(rig *t, double b2, const class_set *cs, const char *dem)
{
	memset(t, 0, sizeof *t);
	neto_err err;
	t->now = 1700000000000LL;
	if (store_open(&t->st, "sqlite::memory:", &err) != 0)
		fail_msg("%s", err.msg);
	char *tdoc = topology(b2);
	int64_t v, id;
	int changed;
	assert_int_equal(store_topology_put(t->st, "test", tdoc, strlen(tdoc), t->now, &v, &changed,
					    &err),
			 0);
	free(tdoc);
	assert_int_equal(store_demand_put(t->st, t->now, dem, strlen(dem), "", &id, &err), 0);
	t->log = open_memstream(&t->logbuf, &t->loglen);
	controller_config cc = { .name = "ctl", .period_ms = 1000000, .lease_ms = 1000000,
				 .log = t->log, .classes = cs };
	controller_init(&t->c, t->st, &cc);
}

static void rig_open(rig *t, double b2)
{
	rig_open_classes(t, b2, NULL, "src,dst,class,rate\nsite1,border1,default,10\n");
}

static void rig_close(rig *t)
{
	controller_free(&t->c);
	fclose(t->log);
	free(t->logbuf);
	store_close(t->st);
}

static void put_decision(rig *t, const char *doc)
{
	neto_err err;
	assert_int_equal(store_kv_put(t->st, "peering", "desired", doc, strlen(doc), t->now, &err),
			 0);
}

/* The role's decision with these prefixes, written at AT (and kept as a
 * fuzz seed named CORPUS, when not NULL). */
static void put_prefixes(rig *t, int64_t at, const char *pfx, const char *corpus)
{
	char *doc = decision(at, pfx);
	if (corpus != NULL)
		save_corpus(corpus, doc);
	put_decision(t, doc);
	free(doc);
}

/* How many audit rows have ACTION. */
static size_t audit_hits(rig *t, const char *action)
{
	store_audit *a = NULL;
	size_t na = 0, hits = 0;
	neto_err err;
	assert_int_equal(store_audit_list(t->st, 0, 1000, &a, &na, &err), 0);
	for (size_t i = 0; i < na; i++)
		hits += strcmp(a[i].action, action) == 0;
	store_audit_free(a, na);
	return hits;
}

/* What the egress driver writes once a border router holds an announcement. */
static void put_installed(rig *t, const char *router, const char *prefix, const char *egress,
			  const char *nexthop)
{
	char policy[128], body[512];
	snprintf(policy, sizeof policy, "egress/%s", prefix);
	snprintf(body, sizeof body,
		 "{\"prefix\":\"%s\",\"egress\":\"%s\",\"nexthop\":\"%s\",\"local_pref\":200,"
		 "\"communities\":[\"65000:100\"]}",
		 prefix, egress, nexthop);
	neto_err err;
	assert_int_equal(store_installed_set(t->st, router, policy, body, "test", t->now, &err), 0);
}

/* One cycle; the plan's tasks. */
static int64_t run_cycle(rig *t, store_task **v, size_t *n)
{
	neto_err err;
	if (t->c.last_plan_id > 0) {
		/* as if the last plan had been applied or replaced */
		store_fence f = { .holder = "ctl", .epoch = t->c.epoch };
		assert_int_equal(store_plan_supersede(t->st, &f, t->c.last_plan_id, "test", t->now,
						      &err),
				 0);
	}
	controller_poke(&t->c);
	if (controller_tick(&t->c, t->now, &err) != 0)
		fail_msg("%s", err.msg);
	fflush(t->log);
	if (t->c.last_plan_id <= 0)
		fail_msg("no plan: %s\nlog:\n%s", t->c.last_error, t->logbuf);
	assert_int_equal(store_task_list(t->st, t->c.last_plan_id, -1, v, n, &err), 0);
	return t->c.last_plan_id;
}

/* The step of the tasks of policy on router (-1: none); *action the action. */
static int task_step(const store_task *v, size_t n, const char *router, const char *policy,
		     const char **action, const char **desired)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].router, router) == 0 && strcmp(v[i].policy, policy) == 0) {
			if (action)
				*action = v[i].action;
			if (desired)
				*desired = v[i].desired;
			return v[i].step;
		}
	return -1;
}

/* A: 600M moves e1 -> e2 (border1 -> border2), but l2 carries B (400M,
 * announced on e2) and C (300M, on e2 already): 700M + 600M > 950M. B goes
 * back to BGP's choice e1 (remove) first, then A fits (900M). C holds its
 * target: no task. The egress steps follow the TE steps, and the TE demand
 * carries the traffic to border2. */
static void test_tasks_ordered(void **state)
{
	(void)state;
	rig t;
	rig_open(&t, 10000);
	const char *pfx =
		"{\"prefix\":\"198.51.100.0/24\",\"class\":0,\"rate\":6e8,\"egress\":\"e2\","
		"\"bgp\":\"e1\",\"ingress\":{\"site1\":6e8}},"
		"{\"prefix\":\"203.0.113.0/24\",\"class\":0,\"rate\":4e8,\"egress\":\"e1\","
		"\"bgp\":\"e1\",\"ingress\":{\"site1\":4e8}},"
		"{\"prefix\":\"2001:db8::/32\",\"class\":0,\"rate\":3e8,\"egress\":\"e2\","
		"\"bgp\":\"e1\",\"ingress\":{\"site1\":2e8,\"border1\":1e8}}";
	put_prefixes(&t, t.now - 5000, pfx, "three-prefixes.json");
	for (int r = 0; r < 2; r++) {
		const char *router = r ? "border2" : "border1";
		put_installed(&t, router, "203.0.113.0/24", "e2", "10.79.0.6");
		put_installed(&t, router, "2001:db8::/32", "e2", "10.79.0.6");
	}
	store_task *v = NULL;
	size_t n = 0;
	int64_t plan = run_cycle(&t, &v, &n);
	int te_last = -1;
	size_t n_egress = 0;
	for (size_t i = 0; i < n; i++) {
		if (strncmp(v[i].policy, "egress/", 7) == 0)
			n_egress++;
		else if (v[i].step > te_last)
			te_last = v[i].step;
	}
	assert_true(te_last >= 0); /* the TE plan installs policies */
	assert_int_equal(n_egress, 4);
	const char *act = NULL, *des = NULL;
	int sa1 = task_step(v, n, "border1", "egress/198.51.100.0/24", &act, &des);
	assert_string_equal(act, "apply");
	json_t *o = json_loads(des, 0, NULL);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "nexthop")), "10.79.0.6");
	assert_string_equal(json_string_value(json_object_get(o, "egress")), "e2");
	assert_int_equal(json_integer_value(json_object_get(o, "local_pref")), 200);
	assert_string_equal(json_string_value(json_array_get(json_object_get(o, "communities"), 0)),
			    "65000:100");
	json_decref(o);
	int sa2 = task_step(v, n, "border2", "egress/198.51.100.0/24", &act, NULL);
	assert_string_equal(act, "apply");
	int sb1 = task_step(v, n, "border1", "egress/203.0.113.0/24", &act, &des);
	assert_string_equal(act, "remove");
	assert_null(des);
	int sb2 = task_step(v, n, "border2", "egress/203.0.113.0/24", &act, NULL);
	assert_string_equal(act, "remove");
	assert_int_equal(task_step(v, n, "border1", "egress/2001:db8::/32", NULL, NULL), -1);
	/* after the TE steps; the removal frees l2 before A moves onto it */
	assert_int_equal(sb1, te_last + 1);
	assert_int_equal(sb2, sb1);
	assert_int_equal(sa1, sb1 + 1);
	assert_int_equal(sa2, sa1);
	store_plan p;
	int found;
	neto_err err;
	assert_int_equal(store_plan_get(t.st, plan, &p, &found, &err), 0);
	assert_int_equal(p.nsteps, sa1 + 1);
	store_plan_clear(&p);
	store_task_free(v, n);

	/* the TE demand: site1 -> border2 carries A (600M) and the IPv6
	 * prefix's site1 share (200M), in Mbps; border1's 100M of it too */
	char *plan_doc = NULL, *sol = NULL;
	assert_int_equal(store_plan_body(t.st, plan, &plan_doc, &sol, &err), 0);
	json_t *s = json_loads(sol, 0, NULL);
	assert_non_null(s);
	double to_b2 = -1, b1_to_b2 = -1, to_b1 = -1;
	size_t i;
	json_t *d;
	json_array_foreach(json_object_get(s, "demands"), i, d) {
		const char *src = json_string_value(json_object_get(d, "src"));
		const char *dst = json_string_value(json_object_get(d, "dst"));
		double rate = json_number_value(json_object_get(d, "demand"));
		if (strcmp(src, "site1") == 0 && strcmp(dst, "border2") == 0)
			to_b2 = rate;
		if (strcmp(src, "border1") == 0 && strcmp(dst, "border2") == 0)
			b1_to_b2 = rate;
		if (strcmp(src, "site1") == 0 && strcmp(dst, "border1") == 0)
			to_b1 = rate;
	}
	assert_true(to_b2 > 799.999 && to_b2 < 800.001);
	assert_true(b1_to_b2 > 99.999 && b1_to_b2 < 100.001);
	/* the CSV's 10 plus B, which returns to e1 at border1 */
	assert_true(to_b1 > 409.999 && to_b1 < 410.001);
	json_decref(s);
	free(plan_doc);
	free(sol);
	fflush(t.log);
	assert_non_null(strstr(t.logbuf, "peering: decision of cycle 7: 3 prefixes, 2 change"));
	rig_close(&t);
}

/* site1 -> border2 has 300 Mbps: the move of A (500M from site1) to e2 at
 * border2 cannot be carried; it is refused with an audit row and stays on
 * e1, and TE, computed again, carries it to border1. The move of D from e2
 * to e1 (toward border1, which has room) is made. */
static void test_refused(void **state)
{
	(void)state;
	rig t;
	rig_open(&t, 300);
	const char *pfx =
		"{\"prefix\":\"198.51.100.0/24\",\"class\":0,\"rate\":5e8,\"egress\":\"e2\","
		"\"bgp\":\"e1\",\"ingress\":{\"site1\":5e8}},"
		"{\"prefix\":\"192.0.2.0/24\",\"class\":0,\"rate\":1e8,\"egress\":\"e1\","
		"\"bgp\":\"e2\",\"ingress\":{\"site1\":1e8,\"nowhere\":5}}";
	put_prefixes(&t, t.now - 1000, pfx, "refused.json");
	store_task *v = NULL;
	size_t n = 0;
	run_cycle(&t, &v, &n);
	assert_int_equal(task_step(v, n, "border1", "egress/198.51.100.0/24", NULL, NULL), -1);
	assert_int_equal(task_step(v, n, "border2", "egress/198.51.100.0/24", NULL, NULL), -1);
	const char *act = NULL;
	assert_true(task_step(v, n, "border2", "egress/192.0.2.0/24", &act, NULL) >= 0);
	assert_string_equal(act, "apply");
	store_task_free(v, n);
	/* the audit row */
	store_audit *a = NULL;
	size_t na = 0;
	neto_err err;
	assert_int_equal(store_audit_list(t.st, 0, 1000, &a, &na, &err), 0);
	size_t hits = 0;
	for (size_t i = 0; i < na; i++) {
		if (strcmp(a[i].action, "egress-refused") != 0)
			continue;
		hits++;
		assert_string_equal(a[i].actor, "controller");
		assert_string_equal(a[i].router, "border2");
		json_t *o = json_loads(a[i].detail, 0, NULL);
		assert_non_null(o);
		assert_string_equal(json_string_value(json_object_get(o, "prefix")),
				    "198.51.100.0/24");
		assert_string_equal(json_string_value(json_object_get(o, "from")), "e1");
		assert_string_equal(json_string_value(json_object_get(o, "to")), "e2");
		assert_string_equal(json_string_value(json_object_get(o, "reason")), "wan-congestion");
		/* 500 Mbps wanted, 300 there */
		double un = json_number_value(json_object_get(o, "unallocated"));
		assert_true(un > 199 && un < 201);
		json_decref(o);
	}
	assert_int_equal(hits, 1);
	store_audit_free(a, na);
	/* recomputed: A's traffic goes to border1, fully allocated */
	char *plan_doc = NULL, *sol = NULL;
	assert_int_equal(store_plan_body(t.st, t.c.last_plan_id, &plan_doc, &sol, &err), 0);
	json_t *s = json_loads(sol, 0, NULL);
	size_t i;
	json_t *d;
	double to_b1 = -1, to_b2 = -1;
	json_array_foreach(json_object_get(s, "demands"), i, d) {
		const char *dst = json_string_value(json_object_get(d, "dst"));
		if (strcmp(dst, "border1") == 0)
			to_b1 = json_number_value(json_object_get(d, "allocated"));
		if (strcmp(dst, "border2") == 0)
			to_b2 = json_number_value(json_object_get(d, "demand"));
	}
	/* the CSV's 10, A's 500 and D's 100, all carried; nothing to border2 */
	assert_true(to_b1 > 609.999 && to_b1 < 610.001);
	assert_true(to_b2 < 0);
	json_decref(s);
	free(plan_doc);
	free(sol);
	fflush(t.log);
	assert_non_null(strstr(t.logbuf, "198.51.100.0/24 -> e2 refused"));
	assert_non_null(strstr(t.logbuf, "ingress site nowhere (of 192.0.2.0/24, maybe others) is "
					 "not in the topology"));
	rig_close(&t);
}

/* site2 already sends 250 Mbps to border2 over site1 -> border2 (300
 * Mbps): a move of 100M from site1 to border2 squeezes one of the two
 * demands, whichever TE serves first; either way the move is refused. */
static void test_refused_squeeze(void **state)
{
	(void)state;
	rig t;
	rig_open_classes(&t, 300, NULL,
			 "src,dst,class,rate\nsite1,border1,default,10\nsite2,border2,default,250\n");
	const char *pfx =
		"{\"prefix\":\"198.51.100.0/24\",\"class\":0,\"rate\":1e8,\"egress\":\"e2\","
		"\"bgp\":\"e1\",\"ingress\":{\"site1\":1e8}}";
	put_prefixes(&t, t.now, pfx, NULL);
	store_task *v = NULL;
	size_t n = 0;
	run_cycle(&t, &v, &n);
	for (size_t i = 0; i < n; i++)
		assert_null(strstr(v[i].policy, "egress/"));
	store_task_free(v, n);
	assert_int_equal(audit_hits(&t, "egress-refused"), 1);
	fflush(t.log);
	assert_non_null(strstr(t.logbuf, "1 refused"));
	rig_close(&t);
}

/* A swap between two peering links at headroom: Y (60M) e1 -> e2 and X
 * (80M) back from e2 to e1 (remove), l1 at 1.88G of 1.9G, l2 at 0.94G of
 * 0.95G. No order fits under headroom; Y goes alone into the slack (l2 at
 * 100%), then X fits. */
static void test_swap_slack(void **state)
{
	(void)state;
	rig t;
	rig_open(&t, 10000);
	const char *pfx =
		"{\"prefix\":\"10.1.0.0/16\",\"class\":0,\"rate\":1.82e9,\"egress\":\"e1\","
		"\"bgp\":\"e1\",\"ingress\":{\"site1\":1.82e9}},"
		"{\"prefix\":\"10.2.0.0/16\",\"class\":0,\"rate\":8.6e8,\"egress\":\"e2\","
		"\"bgp\":\"e1\",\"ingress\":{\"site1\":8.6e8}},"
		"{\"prefix\":\"10.3.0.0/16\",\"class\":0,\"rate\":6e7,\"egress\":\"e2\","
		"\"bgp\":\"e1\",\"ingress\":{\"site1\":6e7}},"
		"{\"prefix\":\"10.4.0.0/16\",\"class\":0,\"rate\":8e7,\"egress\":\"e1\","
		"\"bgp\":\"e1\",\"ingress\":{\"site1\":8e7}}";
	put_prefixes(&t, t.now, pfx, "swap.json");
	for (int r = 0; r < 2; r++) {
		const char *router = r ? "border2" : "border1";
		put_installed(&t, router, "10.2.0.0/16", "e2", "10.79.0.6");
		put_installed(&t, router, "10.4.0.0/16", "e2", "10.79.0.6");
	}
	store_task *v = NULL;
	size_t n = 0;
	run_cycle(&t, &v, &n);
	int te_last = -1;
	for (size_t i = 0; i < n; i++)
		if (strncmp(v[i].policy, "egress/", 7) != 0 && v[i].step > te_last)
			te_last = v[i].step;
	const char *act = NULL;
	assert_int_equal(task_step(v, n, "border1", "egress/10.3.0.0/16", &act, NULL), te_last + 1);
	assert_string_equal(act, "apply");
	assert_int_equal(task_step(v, n, "border2", "egress/10.4.0.0/16", &act, NULL), te_last + 2);
	assert_string_equal(act, "remove");
	assert_int_equal(task_step(v, n, "border1", "egress/10.1.0.0/16", NULL, NULL), -1);
	assert_int_equal(task_step(v, n, "border1", "egress/10.2.0.0/16", NULL, NULL), -1);
	store_task_free(v, n);
	fflush(t.log);
	assert_non_null(strstr(t.logbuf, "1 step uses the room up to capacity (peak 100.0%)"));
	rig_close(&t);
}

/* A controller with peering off does not read the decision. */
static void test_peering_off(void **state)
{
	(void)state;
	rig t;
	rig_open(&t, 10000);
	t.c.cfg.peering_off = true;
	const char *pfx = "{\"prefix\":\"198.51.100.0/24\",\"class\":0,\"rate\":6e8,"
			  "\"egress\":\"e2\",\"bgp\":\"e1\",\"ingress\":{\"site1\":6e8}}";
	put_prefixes(&t, t.now, pfx, NULL);
	store_task *v = NULL;
	size_t n = 0;
	run_cycle(&t, &v, &n);
	for (size_t i = 0; i < n; i++)
		assert_null(strstr(v[i].policy, "egress/"));
	store_task_free(v, n);
	fflush(t.log);
	assert_null(strstr(t.logbuf, "peering"));
	rig_close(&t);
}

/* The tasks of a cycle without any decision. */
static size_t tasks_without(size_t *n_te)
{
	rig t;
	rig_open(&t, 10000);
	store_task *v = NULL;
	size_t n = 0;
	run_cycle(&t, &v, &n);
	*n_te = n;
	store_task_free(v, n);
	rig_close(&t);
	return n;
}

/* A stale decision (older than 30 s) and malformed ones: ignored with a
 * log line; the plan is the plain TE plan. */
static void test_stale_malformed(void **state)
{
	(void)state;
	size_t n_te = 0;
	tasks_without(&n_te);
	const char *pfx = "{\"prefix\":\"198.51.100.0/24\",\"class\":0,\"rate\":6e8,"
			  "\"egress\":\"e2\",\"bgp\":\"e1\",\"ingress\":{\"site1\":6e8}}";
	static const char *const bad[][2] = {
		{ "{\"at\":1,", "not JSON" },
		{ "[]", "not a JSON object" },
		{ "{\"cycle\":1,\"links\":[],\"egress\":[],\"prefixes\":[]}", "\"at\"" },
		{ NULL, "names no egress" },
		{ NULL, "not an IPv4 or IPv6 prefix" },
		{ NULL, "twice" },
		{ NULL, "\"community\"" },
		{ NULL, "\"headroom\"" },
		{ NULL, "unknown link" },
	};
	for (size_t k = 0; k < sizeof bad / sizeof bad[0] + 1; k++) {
		rig t;
		rig_open(&t, 10000);
		char *doc;
		const char *expect;
		if (k == 0) {
			doc = decision(t.now - 31000, pfx);
			expect = "is stale (31.0 s old, the limit is 30.0 s)";
		} else {
			expect = bad[k - 1][1];
			if (bad[k - 1][0]) {
				doc = strdup(bad[k - 1][0]);
			} else {
				char *good = decision(t.now, pfx);
				const char *from[] = { "\"egress\":\"e2\",\"bgp\"",
						       "198.51.100.0/24",
						       "{\"prefix\":\"198.51.100.0/24\"",
						       "65000:100", "0.95",
						       "\"link\":\"l2\"" };
				const char *to[] = { "\"egress\":\"e9\",\"bgp\"",
						     "198.51.100.0/33",
						     "{\"prefix\":\"192.0.2.0/24\",\"class\":0,"
						     "\"rate\":1,\"egress\":\"e1\"},"
						     "{\"prefix\":\"192.0.2.0/24\"",
						     "65000:70000", "1.5", "\"link\":\"l3\"" };
				size_t m = k - 4;
				assert_non_null(strstr(good, from[m]));
				size_t off = (size_t)(strstr(good, from[m]) - good);
				size_t len = strlen(good) + strlen(to[m]) + 1;
				doc = malloc(len);
				snprintf(doc, len, "%.*s%s%s", (int)off, good, to[m],
					 good + off + strlen(from[m]));
				free(good);
			}
		}
		if (k == 1)
			save_corpus("truncated.json", doc);
		put_decision(&t, doc);
		free(doc);
		store_task *v = NULL;
		size_t n = 0;
		run_cycle(&t, &v, &n);
		for (size_t i = 0; i < n; i++)
			assert_null(strstr(v[i].policy, "egress/"));
		assert_int_equal(n, n_te);
		store_task_free(v, n);
		fflush(t.log);
		if (strstr(t.logbuf, expect) == NULL)
			fail_msg("case %zu: no \"%s\" in the log:\n%s", k, expect, t.logbuf);
		assert_null(strstr(t.logbuf, "egress step"));
		rig_close(&t);
	}
}

/* A decision on a settled network asks nothing of the border routers; the
 * border routers disagreeing (a plan cut short) count the prefix on both
 * links and send the target to both again. */
static void test_settled_and_partial(void **state)
{
	(void)state;
	rig t;
	rig_open(&t, 10000);
	const char *pfx = "{\"prefix\":\"198.51.100.0/24\",\"class\":0,\"rate\":6e8,"
			  "\"egress\":\"e2\",\"bgp\":\"e1\",\"ingress\":{\"site1\":6e8}}";
	put_prefixes(&t, t.now, pfx, NULL);
	put_installed(&t, "border1", "198.51.100.0/24", "e2", "10.79.0.6");
	put_installed(&t, "border2", "198.51.100.0/24", "e2", "10.79.0.6");
	store_task *v = NULL;
	size_t n = 0;
	run_cycle(&t, &v, &n);
	for (size_t i = 0; i < n; i++)
		assert_null(strstr(v[i].policy, "egress/"));
	store_task_free(v, n);
	/* border2 lost it */
	neto_err err;
	assert_int_equal(store_installed_set(t.st, "border2", "egress/198.51.100.0/24", NULL, "test",
					     t.now, &err),
			 0);
	run_cycle(&t, &v, &n);
	const char *act = NULL;
	if (task_step(v, n, "border1", "egress/198.51.100.0/24", &act, NULL) < 0)
		fail_msg("log:\n%s", t.logbuf);
	assert_string_equal(act, "apply");
	assert_true(task_step(v, n, "border2", "egress/198.51.100.0/24", &act, NULL) >= 0);
	store_task_free(v, n);
	rig_close(&t);
}

/* The parser: what it writes back reads the same. */
static void test_round_trip(void **state)
{
	(void)state;
	char *doc = decision(1234,
			     "{\"prefix\":\"198.51.100.0/24\",\"class\":2,\"rate\":6e8,"
			     "\"egress\":\"e2\",\"bgp\":null,\"ingress\":{\"site1\":6e8}},"
			     "{\"prefix\":\"2001:db8::/32\",\"class\":0,\"rate\":0,"
			     "\"egress\":\"e1\",\"bgp\":\"e1\"}");
	ctl_peering a, b;
	neto_err err;
	if (ctl_peering_parse(&a, doc, strlen(doc), &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(a.n_links, 2);
	assert_int_equal(a.n_egress, 2);
	assert_int_equal(a.n_routers, 2);
	assert_int_equal(a.n_prefixes, 2);
	assert_int_equal(a.prefixes[0].bgp, CTL_PE_NONE);
	assert_int_equal(a.prefixes[0].cls, 2);
	assert_int_equal(a.prefixes[1].n_ingress, 0);
	char *text = ctl_peering_json(&a);
	save_corpus("round-trip.json", text);
	if (ctl_peering_parse(&b, text, strlen(text), &err) != 0)
		fail_msg("%s", err.msg);
	char *again = ctl_peering_json(&b);
	assert_string_equal(text, again);
	assert_int_equal(b.at, 1234);
	assert_int_equal(b.cycle, 7);
	assert_string_equal(b.community, "65000:100");
	free(text);
	free(again);
	free(doc);
	ctl_peering_free(&a);
	ctl_peering_free(&b);
}

/* A decision as the peering role makes it: the example of tests/data/peer
 * (two transits at r1, a peer at r2) through pe_decide, aggregated per
 * prefix (the rate of its classes, the choice of its first class), written
 * as the decision document; traffic enters at site1. The controller sends
 * every move to both border routers and the moves it orders verify. */
static char *example_decision(int64_t at, size_t *n_moved)
{
	static const char *const files[] = { "peering.txt", "routes.txt", "traffic.txt",
					     "latency.txt" };
	pe_input in;
	pe_input_init(&in);
	neto_err err;
	for (size_t k = 0; k < 4; k++) {
		char rel[128];
		snprintf(rel, sizeof rel, "tests/data/peer/%s", files[k]);
		size_t len;
		char *buf = tu_read(rel, &len);
		int rc = k == 0   ? pe_parse_peering(&in, buf, len, rel, &err)
			 : k == 1 ? pe_parse_routes(&in, buf, len, rel, &err)
			 : k == 2 ? pe_parse_traffic(&in, buf, len, rel, &err)
				  : pe_parse_latency(&in, buf, len, rel, false, &err);
		free(buf);
		if (rc != 0)
			fail_msg("%s", err.msg);
	}
	pe_problem p;
	if (pe_input_build(&in, &p, &err) != 0)
		fail_msg("%s", err.msg);
	pe_opts o;
	pe_opts_default(&o);
	pe_state ps;
	pe_state_init(&ps);
	pe_result r;
	if (pe_decide(&p, &o, &ps, 1000, &r, &err) != 0)
		fail_msg("%s", err.msg);
	ctl_peering d;
	ctl_peering_init(&d);
	d.at = at;
	d.cycle = 1;
	d.headroom = o.headroom;
	d.links = calloc(in.n_links, sizeof *d.links);
	for (size_t l = 0; l < in.n_links; l++)
		d.links[d.n_links++] = (struct ctl_pe_link){ .name = strdup(in.links[l]),
							      .cap = in.cap[l] };
	d.egress = calloc(in.n_egress, sizeof *d.egress);
	d.routers = calloc(in.n_egress, sizeof *d.routers);
	for (size_t e = 0; e < in.n_egress; e++) {
		char a[64];
		static const uint8_t zero[12];
		if (memcmp(in.egress_addr[e], zero, 12) == 0)
			inet_ntop(AF_INET, in.egress_addr[e] + 12, a, sizeof a);
		else
			inet_ntop(AF_INET6, in.egress_addr[e], a, sizeof a);
		ctl_pe_egress *g = &d.egress[d.n_egress++];
		*g = (ctl_pe_egress){ .name = strdup(in.egresses[e]),
				      .router = strdup(in.routers[in.egress_router[e]]),
				      .peer = strdup(a), .nexthop = strdup(a),
				      .link = in.egress_link[e] };
		bool seen = false;
		for (size_t k = 0; k < d.n_routers; k++)
			seen |= strcmp(d.routers[k], g->router) == 0;
		if (!seen)
			d.routers[d.n_routers++] = g->router;
	}
	d.prefixes = calloc(p.n_dem + 1, sizeof *d.prefixes);
	*n_moved = 0;
	for (size_t i = 0; i < p.n_dem; i++) {
		const pe_demand *dm = &p.dem[i];
		if (r.choice[i] == PE_NONE)
			continue;
		ctl_pe_prefix *x = NULL;
		char pf[64];
		int fam;
		uint8_t addr[16], len;
		pe_rib_prefix(in.rib, dm->pfx, &fam, addr, &len);
		pe_prefix_str(fam, addr, len, pf, sizeof pf);
		for (size_t k = 0; k < d.n_prefixes; k++)
			if (strcmp(d.prefixes[k].prefix, pf) == 0)
				x = &d.prefixes[k];
		if (x == NULL) {
			x = &d.prefixes[d.n_prefixes++];
			x->prefix = strdup(pf);
			x->cls = 255;
			x->bgp = p.bgp_best[dm->pfx] == PE_NONE ? CTL_PE_NONE : p.bgp_best[dm->pfx];
			x->ingress = calloc(1, sizeof *x->ingress);
			x->ingress[0].site = strdup("site1");
			x->n_ingress = 1;
		}
		x->rate += dm->rate;
		x->ingress[0].rate += dm->rate;
		if (dm->cls < x->cls) {
			x->cls = dm->cls;
			x->egress = r.choice[i];
		}
	}
	for (size_t k = 0; k < d.n_prefixes; k++)
		*n_moved += d.prefixes[k].egress != d.prefixes[k].bgp;
	char *text = ctl_peering_json(&d);
	ctl_peering_free(&d);
	pe_result_free(&r);
	pe_state_free(&ps);
	pe_input_free(&in);
	return text;
}

/* The plan's egress steps, read back from its tasks on the first border
 * router, checked by the verifier against the decision's links with every
 * prefix starting on BGP's choice (nothing installed): no step can push a
 * peering link above headroom, whatever order the routers take. */
static void verify_egress_steps(const ctl_peering *d, const store_task *v, size_t n)
{
	double cap[16] = { 0 }, load[16] = { 0 };
	assert_true(d->n_links <= 16);
	for (size_t l = 0; l < d->n_links; l++)
		cap[l] = d->links[l].cap;
	pe_order_move *mv = calloc(d->n_prefixes + 1, sizeof *mv);
	int *step = calloc(d->n_prefixes + 1, sizeof *step);
	int first = -1, last = -1;
	for (size_t i = 0; i < d->n_prefixes; i++) {
		const ctl_pe_prefix *p = &d->prefixes[i];
		uint32_t from = p->bgp == CTL_PE_NONE ? PE_ORDER_NONE : d->egress[p->bgp].link;
		if (from != PE_ORDER_NONE)
			load[from] += p->rate;
		mv[i] = (pe_order_move){ .from = from, .to = d->egress[p->egress].link,
					 .rate = p->rate };
		char policy[128];
		snprintf(policy, sizeof policy, "egress/%s", p->prefix);
		step[i] = task_step(v, n, d->routers[0], policy, NULL, NULL);
		if (step[i] >= 0 && (first < 0 || step[i] < first))
			first = step[i];
		if (step[i] > last)
			last = step[i];
	}
	assert_true(first >= 0);
	size_t ns = (size_t)(last - first + 1);
	pe_order_result r = { .order = calloc(d->n_prefixes + 1, sizeof *r.order),
			      .step_off = calloc(ns + 1, sizeof *r.step_off),
			      .slack = calloc(ns + 1, sizeof *r.slack),
			      .left = calloc(d->n_prefixes + 1, sizeof *r.left),
			      .n_steps = ns };
	size_t k = 0;
	for (size_t s = 0; s < ns; s++) {
		for (size_t i = 0; i < d->n_prefixes; i++)
			if (step[i] == first + (int)s)
				r.order[k++] = (uint32_t)i;
		r.step_off[s + 1] = k;
	}
	/* prefixes already on their target have no task: moves that stay */
	for (size_t i = 0; i < d->n_prefixes; i++)
		if (step[i] < 0) {
			assert_int_equal(d->prefixes[i].egress, d->prefixes[i].bgp);
			r.left[r.n_left++] = (uint32_t)i;
		}
	pe_order_problem op = { .n_links = d->n_links, .cap = cap, .headroom = d->headroom,
				.load = load, .n_moves = d->n_prefixes, .moves = mv };
	pe_order_violation viol;
	size_t nv = pe_order_verify(&op, &r, &viol, NULL);
	if (nv != 0)
		fail_msg("%zu violations: step %zu link %u %g > %g", nv, viol.step, viol.link,
			 viol.load, viol.limit);
	pe_order_result_free(&r);
	free(mv);
	free(step);
}

static void test_real_decision(void **state)
{
	(void)state;
	rig t;
	memset(&t, 0, sizeof t);
	neto_err err;
	t.now = 1700000000000LL;
	assert_int_equal(store_open(&t.st, "sqlite::memory:", &err), 0);
	static const char tdoc[] =
		"{\"unit\":\"Gbps\",\"nodes\":[{\"name\":\"site1\"},{\"name\":\"r1\"},"
		"{\"name\":\"r2\"}],\"links\":["
		"{\"id\":\"s1-r1\",\"src\":\"site1\",\"dst\":\"r1\",\"capacity\":40,"
		"\"delay\":1000,\"adj_sid\":\"fc00:0:1:1::\"},"
		"{\"id\":\"r1-s1\",\"src\":\"r1\",\"dst\":\"site1\",\"capacity\":40,"
		"\"delay\":1000,\"adj_sid\":\"fc00:0:2:1::\"},"
		"{\"id\":\"s1-r2\",\"src\":\"site1\",\"dst\":\"r2\",\"capacity\":40,"
		"\"delay\":1000,\"adj_sid\":\"fc00:0:1:2::\"},"
		"{\"id\":\"r2-s1\",\"src\":\"r2\",\"dst\":\"site1\",\"capacity\":40,"
		"\"delay\":1000,\"adj_sid\":\"fc00:0:3:1::\"}]}";
	int64_t v;
	int changed;
	assert_int_equal(store_topology_put(t.st, "test", tdoc, strlen(tdoc), t.now, &v, &changed,
					    &err),
			 0);
	size_t n_moved = 0;
	char *doc = example_decision(t.now - 2000, &n_moved);
	save_corpus("neto-peer-example.json", doc);
	assert_true(n_moved >= 2);
	put_decision(&t, doc);
	ctl_peering d;
	if (ctl_peering_parse(&d, doc, strlen(doc), &err) != 0)
		fail_msg("%s", err.msg);
	free(doc);
	t.log = open_memstream(&t.logbuf, &t.loglen);
	controller_config cc = { .name = "ctl", .period_ms = 1000000, .lease_ms = 1000000,
				 .log = t.log };
	controller_init(&t.c, t.st, &cc);
	store_task *tv = NULL;
	size_t n = 0;
	run_cycle(&t, &tv, &n);
	size_t n_egress = 0;
	for (size_t i = 0; i < n; i++) {
		if (strncmp(tv[i].policy, "egress/", 7) != 0)
			continue;
		n_egress++;
		const ctl_pe_prefix *x = NULL;
		for (size_t k = 0; k < d.n_prefixes; k++)
			if (strcmp(d.prefixes[k].prefix, tv[i].policy + 7) == 0)
				x = &d.prefixes[k];
		if (x == NULL)
			fail_msg("%s is not in the decision", tv[i].policy);
		assert_true(x->egress != x->bgp);
		assert_string_equal(tv[i].action, "apply");
		json_t *o = json_loads(tv[i].desired, 0, NULL);
		assert_string_equal(json_string_value(json_object_get(o, "egress")),
				    d.egress[x->egress].name);
		assert_string_equal(json_string_value(json_object_get(o, "nexthop")),
				    d.egress[x->egress].nexthop);
		assert_null(json_object_get(o, "communities"));
		json_decref(o);
	}
	/* every moved prefix, on both border routers */
	assert_int_equal(n_egress, n_moved * 2);
	verify_egress_steps(&d, tv, n);
	store_task_free(tv, n);
	ctl_peering_free(&d);
	rig_close(&t);
}

/* Decision classes onto TE classes by precedence: with TE classes listed
 * out of order (bronze 2, gold 0, silver 1), decision class 0 is gold, 1
 * silver, 2 and beyond bronze. */
static void test_class_map(void **state)
{
	(void)state;
	class_set cs;
	class_set_init(&cs);
	neto_err err;
	assert_int_equal(class_set_add(&cs, "bronze", 6, 2, 4, TE_LAT_LOW, 0, &err), 0);
	assert_int_equal(class_set_add(&cs, "gold", 4, 0, 4, TE_LAT_LOW, 0, &err), 0);
	assert_int_equal(class_set_add(&cs, "silver", 6, 1, 4, TE_LAT_LOW, 0, &err), 0);
	rig t;
	rig_open_classes(&t, 10000, &cs, "src,dst,class,rate\nsite1,border1,gold,10\n");
	const char *pfx =
		"{\"prefix\":\"10.0.0.0/16\",\"class\":0,\"rate\":1e8,\"egress\":\"e2\","
		"\"bgp\":\"e1\",\"ingress\":{\"site1\":1e8}},"
		"{\"prefix\":\"10.1.0.0/16\",\"class\":1,\"rate\":2e8,\"egress\":\"e2\","
		"\"bgp\":\"e1\",\"ingress\":{\"site1\":2e8}},"
		"{\"prefix\":\"10.2.0.0/16\",\"class\":2,\"rate\":3e8,\"egress\":\"e2\","
		"\"bgp\":\"e1\",\"ingress\":{\"site1\":3e8}},"
		"{\"prefix\":\"10.3.0.0/16\",\"class\":9,\"rate\":4e8,\"egress\":\"e2\","
		"\"bgp\":\"e1\",\"ingress\":{\"site1\":4e8}}";
	put_prefixes(&t, t.now, pfx, NULL);
	store_task *v = NULL;
	size_t n = 0;
	run_cycle(&t, &v, &n);
	store_task_free(v, n);
	char *plan_doc = NULL, *sol = NULL;
	assert_int_equal(store_plan_body(t.st, t.c.last_plan_id, &plan_doc, &sol, &err), 0);
	json_t *s = json_loads(sol, 0, NULL);
	double gold = -1, silver = -1, bronze = -1;
	size_t i;
	json_t *d;
	json_array_foreach(json_object_get(s, "demands"), i, d) {
		if (strcmp(json_string_value(json_object_get(d, "dst")), "border2") != 0)
			continue;
		const char *c = json_string_value(json_object_get(d, "class"));
		double r = json_number_value(json_object_get(d, "demand"));
		if (strcmp(c, "gold") == 0)
			gold = r;
		else if (strcmp(c, "silver") == 0)
			silver = r;
		else if (strcmp(c, "bronze") == 0)
			bronze = r;
	}
	assert_true(gold > 99.999 && gold < 100.001);
	assert_true(silver > 199.999 && silver < 200.001);
	assert_true(bronze > 699.999 && bronze < 700.001);
	json_decref(s);
	free(plan_doc);
	free(sol);
	rig_close(&t);
	class_set_free(&cs);
}

/* What `neto check` and the diff call the same announcement. */
static void test_egress_same(void **state)
{
	(void)state;
	const char *want = "{\"prefix\":\"198.51.100.0/24\",\"egress\":\"e2\","
			   "\"nexthop\":\"10.79.0.6\",\"local_pref\":200}";
	assert_true(ctl_egress_same(want, want));
	assert_true(ctl_egress_same("{\"local_pref\":200,\"communities\":[],\"nexthop\":"
				    "\"10.79.0.6\",\"egress\":\"e2\",\"prefix\":"
				    "\"198.51.100.0/24\",\"at\":5}",
				    want));
	assert_false(ctl_egress_same("{\"prefix\":\"198.51.100.0/24\",\"egress\":\"e2\","
				     "\"nexthop\":\"10.79.0.7\",\"local_pref\":200}",
				     want));
	assert_false(ctl_egress_same("{\"prefix\":\"198.51.100.0/24\",\"egress\":\"e2\","
				     "\"nexthop\":\"10.79.0.6\",\"local_pref\":200,"
				     "\"communities\":[\"65000:1\"]}",
				     want));
	assert_false(ctl_egress_same(NULL, want));
	assert_false(ctl_egress_same("not json", want));
	assert_true(ctl_egress_same(NULL, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tasks_ordered),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_refused_squeeze),
		cmocka_unit_test(test_swap_slack),
		cmocka_unit_test(test_stale_malformed),
		cmocka_unit_test(test_peering_off),
		cmocka_unit_test(test_settled_and_partial),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_real_decision),
		cmocka_unit_test(test_egress_same),
		cmocka_unit_test(test_class_map),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
