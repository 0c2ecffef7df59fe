/*
 * test_pe_agent.c - the peering role's cycle against an SQLite store: the
 * "peering"/"desired" document (choices, BGP's choice, classes summed per
 * prefix, the ingress breakdown, traffic by longest match from "pe-traffic"
 * rows and a file), the audit rows of the moves, measured latency from
 * "pe-latency" rows (stale ones ignored), hold-down across cycles, a
 * standby that writes nothing, a takeover that keeps the previous leader's
 * choices, and a route table fed by a real BMP capture through a live
 * session named by its sysName.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "pe/agent.h"
#include "pe/collector.h"
#include "pe/io.h"
#include "store/store.h"
#include "testutil.h"

#define T0 1700000000000LL	/* ms */
#define DATA NETO_SOURCE_DIR "/tests/data/peer/"

static store *open_store(void)
{
	store *st;
	neto_err err;
	if (store_open(&st, "sqlite::memory:", &err) != 0)
		fail_msg("%s", err.msg);
	return st;
}

static void cfg_for(pe_cfg *c, const char *peering, const char *static_lat)
{
	pe_cfg_defaults(c);
	c->enabled = true;
	c->peering_file = strdup(peering);
	c->static_latency = static_lat ? strdup(static_lat) : NULL;
	c->has_community = true;
	c->community = 65000u << 16 | 100;
	snprintf(c->community_str, sizeof c->community_str, "65000:100");
}

static pe_agent *agent(store *st, const char *name, const pe_cfg *c, const char *routes,
		       const char *traffic_file)
{
	pe_agent_opts o = { .name = name, .cfg = c, .lease_ms = 10000,
			    .traffic_file = traffic_file };
	pe_agent *a;
	neto_err err;
	if (pe_agent_new(&a, st, &o, T0, &err) != 0)
		fail_msg("%s", err.msg);
	if (routes) {
		size_t len;
		char *buf = tu_read(routes, &len);
		if (pe_parse_routes(pe_agent_input(a), buf, len, routes, &err) != 0)
			fail_msg("%s", err.msg);
		free(buf);
	}
	return a;
}

static void kv_put(store *st, const char *ns, const char *key, const char *body)
{
	neto_err err;
	if (store_kv_put(st, ns, key, body, strlen(body), T0, &err) != 0)
		fail_msg("%s", err.msg);
}

static int cycle(pe_agent *a, int64_t now, pe_agent_stats *s)
{
	neto_err err;
	int rc = pe_agent_cycle(a, now, s, &err);
	if (rc != 0)
		fail_msg("%s", err.msg);
	return rc;
}

static json_t *desired(store *st, int64_t *updated)
{
	char *body;
	size_t len;
	int64_t upd;
	neto_err err;
	assert_int_equal(store_kv_get(st, "peering", "desired", &body, &len, &upd, &err), 0);
	assert_non_null(body);
	json_error_t je;
	json_t *d = json_loadb(body, len, 0, &je);
	free(body);
	assert_non_null(d);
	if (updated)
		*updated = upd;
	return d;
}

static json_t *prefix_of(json_t *doc, const char *pfx)
{
	json_t *v = json_object_get(doc, "prefixes"), *row;
	size_t i;
	json_array_foreach(v, i, row) {
		if (strcmp(json_string_value(json_object_get(row, "prefix")), pfx) == 0)
			return row;
	}
	return NULL;
}

static const char *str(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : "(null)";
}

static double dbl(json_t *o, const char *k)
{
	return json_number_value(json_object_get(o, k));
}

static void audit(store *st, store_audit **v, size_t *n)
{
	neto_err err;
	assert_int_equal(store_audit_list(st, 0, 1000, v, n, &err), 0);
}

/* The traffic of tests/data/peer/traffic.txt, as two flow agents would
 * write it: hosts and more-specifics, one class split over ingresses. */
static void put_traffic(store *st, int64_t at)
{
	char b[2048];
	snprintf(b, sizeof b,
		 "{\"at\":%lld,\"rows\":["
		 "{\"prefix\":\"203.0.113.7\",\"class\":0,\"rate\":1.5e9,\"ingress\":\"site1\"},"
		 "{\"prefix\":\"100.64.0.0/16\",\"class\":0,\"rate\":5e8,\"ingress\":\"site1\"},"
		 "{\"prefix\":\"100.66.4.0/24\",\"class\":1,\"rate\":2e8,\"ingress\":\"site1\"},"
		 "{\"prefix\":\"192.0.2.200\",\"class\":1,\"rate\":1e8},"
		 "{\"prefix\":\"2001:db8:1::1\",\"class\":0,\"rate\":1e9,\"ingress\":\"site2\"},"
		 "{\"prefix\":\"198.18.0.1\",\"class\":0,\"rate\":1e6},"
		 "{\"prefix\":\"not a prefix\",\"class\":0,\"rate\":1}]}",
		 (long long)at);
	kv_put(st, "pe-traffic", "flow-a", b);
	snprintf(b, sizeof b,
		 "{\"at\":%lld,\"rows\":["
		 "{\"prefix\":\"203.0.113.0/25\",\"class\":1,\"rate\":5e8,\"ingress\":\"site2\"},"
		 "{\"prefix\":\"100.65.1.1\",\"class\":0,\"rate\":4e8,\"ingress\":\"site2\"},"
		 "{\"prefix\":\"100.66.0.0/16\",\"class\":1,\"rate\":1e8,\"ingress\":\"site2\"},"
		 "{\"prefix\":\"10.1.0.0/16\",\"rate\":5e7}]}",
		 (long long)at);
	kv_put(st, "pe-traffic", "flow-b", b);
	/* a writer that stopped long ago: ignored */
	kv_put(st, "pe-traffic", "flow-dead",
	       "{\"at\":1000,\"rows\":[{\"prefix\":\"100.64.0.0/16\",\"class\":0,"
	       "\"rate\":9e9}]}");
}

static void test_document(void **state)
{
	(void)state;
	store *st = open_store();
	pe_cfg c;
	cfg_for(&c, DATA "peering.txt", DATA "static-latency.txt");
	pe_agent *a = agent(st, "pe1", &c, "tests/data/peer/routes.txt", NULL);
	put_traffic(st, T0);
	pe_agent_stats s;
	cycle(a, T0, &s);
	assert_true(s.leader);
	assert_true(s.wrote);
	assert_false(s.seeded);
	assert_int_equal(s.cycle, 1);
	assert_int_equal(s.demands, 7);	/* 10.0.0.0/8 gets the 10.1.0.0/16 row */
	assert_int_equal(s.unrouted_rows, 1);	/* 198.18.0.1 */
	assert_int_equal(s.stale_rows, 1);
	assert_int_equal(s.bad_rows, 1);	/* "not a prefix" */
	assert_int_equal(s.over_headroom, 0);
	json_t *d = desired(st, NULL);
	assert_int_equal(json_integer_value(json_object_get(d, "cycle")), 1);
	assert_int_equal(json_integer_value(json_object_get(d, "at")), T0);
	assert_true(dbl(d, "headroom") == 0.95);
	assert_int_equal(json_integer_value(json_object_get(d, "local_pref")), 200);
	assert_string_equal(str(d, "community"), "65000:100");
	assert_int_equal(json_array_size(json_object_get(d, "links")), 3);
	json_t *e0 = json_array_get(json_object_get(d, "egress"), 2);
	assert_string_equal(str(e0, "name"), "peer-c");
	assert_string_equal(str(e0, "router"), "r2");
	assert_string_equal(str(e0, "peer"), "198.51.100.3");
	assert_string_equal(str(e0, "nexthop"), "198.51.100.3");
	assert_string_equal(str(e0, "link"), "lnk-c");
	/* 10.0.0.0/8: only a peer no egress names offers it, so not listed */
	assert_int_equal(json_array_size(json_object_get(d, "prefixes")), 6);
	assert_null(prefix_of(d, "10.0.0.0/8"));
	/* classes summed, the highest-precedence class, ingress per site */
	json_t *p = prefix_of(d, "203.0.113.0/24");
	assert_non_null(p);
	assert_true(dbl(p, "rate") == 2e9);
	assert_int_equal(json_integer_value(json_object_get(p, "class")), 0);
	assert_string_equal(str(p, "egress"), "isp-b");
	assert_string_equal(str(p, "bgp"), "isp-b");
	json_t *ing = json_object_get(p, "ingress");
	assert_true(dbl(ing, "site1") == 1.5e9);
	assert_true(dbl(ing, "site2") == 5e8);
	/* peer-c's link (1G) is over headroom: class 1 leaves it */
	p = prefix_of(d, "100.66.0.0/16");
	assert_non_null(p);
	assert_true(dbl(p, "rate") == 3e8);
	assert_int_equal(json_integer_value(json_object_get(p, "class")), 1);
	assert_string_equal(str(p, "egress"), "isp-b");
	assert_string_equal(str(p, "bgp"), "peer-c");
	assert_true(dbl(json_object_get(p, "ingress"), "site1") == 2e8);
	assert_true(dbl(json_object_get(p, "ingress"), "site2") == 1e8);
	p = prefix_of(d, "2001:db8::/32");
	assert_string_equal(str(p, "egress"), "isp-a");	/* ::/0 isp-a 70 ms < 100 */
	assert_string_equal(str(p, "bgp"), "isp-b");
	p = prefix_of(d, "192.0.2.128/25");
	assert_non_null(p);
	assert_int_equal(json_object_size(json_object_get(p, "ingress")), 0);
	assert_null(prefix_of(d, "198.18.0.0/15"));
	json_decref(d);
	/* one audit row per move */
	store_audit *v;
	size_t n;
	audit(st, &v, &n);
	assert_int_equal(n, 2);
	int seen = 0;
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(v[i].actor, "peering");
		assert_string_equal(v[i].action, "egress-move");
		json_error_t je;
		json_t *m = json_loads(v[i].detail, 0, &je);
		assert_non_null(m);
		if (strcmp(str(m, "prefix"), "100.66.0.0/16") == 0) {
			assert_string_equal(str(m, "from"), "peer-c");
			assert_string_equal(str(m, "to"), "isp-b");
			assert_string_equal(str(m, "reason"), "overload");
			seen |= 1;
		} else {
			assert_string_equal(str(m, "prefix"), "2001:db8::/32");
			assert_string_equal(str(m, "from"), "isp-b");
			assert_string_equal(str(m, "to"), "isp-a");
			assert_string_equal(str(m, "reason"), "latency");
			seen |= 2;
		}
		json_decref(m);
	}
	assert_int_equal(seen, 3);
	store_audit_free(v, n);
	pe_agent_free(a);
	pe_cfg_free(&c);
	store_close(st);
}

static void put_latency(store *st, const char *key, double ms, int64_t at)
{
	char b[128];
	snprintf(b, sizeof b, "{\"ms\":%g,\"at\":%lld,\"target\":\"x\",\"sent\":5,\"lost\":0}",
		 ms, (long long)at);
	kv_put(st, "pe-latency", key, b);
}

/* A measured latency makes the move back worth it; the hold-down delays
 * it until hold_s after the move; a stale measurement counts for nothing. */
static void test_holddown(void **state)
{
	(void)state;
	store *st = open_store();
	pe_cfg c;
	cfg_for(&c, DATA "peering.txt", DATA "static-latency.txt");
	pe_agent *a = agent(st, "pe1", &c, "tests/data/peer/routes.txt", NULL);
	put_traffic(st, T0);
	pe_agent_stats s;
	cycle(a, T0, &s);
	assert_int_equal(s.latency_moves, 1);	/* 2001:db8::/32 to isp-a */
	/* isp-b measured at 10 ms: 60 ms better, but held down for 300 s */
	int64_t t = T0 + 10000;
	put_traffic(st, t);
	put_latency(st, "2001:db8::/32 r1 192.0.2.2", 10, t);
	put_latency(st, "203.0.113.0/24 r1 192.0.2.1", 1, 1000);	/* stale */
	cycle(a, t, &s);
	assert_int_equal(s.meas, 1);
	assert_int_equal(s.moves, 0);
	json_t *d = desired(st, NULL);
	assert_int_equal(json_integer_value(json_object_get(d, "cycle")), 2);
	assert_string_equal(str(prefix_of(d, "2001:db8::/32"), "egress"), "isp-a");
	assert_string_equal(str(prefix_of(d, "203.0.113.0/24"), "egress"), "isp-b");
	json_decref(d);
	t = T0 + 299000;
	put_traffic(st, t);
	put_latency(st, "2001:db8::/32 r1 192.0.2.2", 10, t);
	cycle(a, t, &s);
	assert_int_equal(s.moves, 0);
	t = T0 + 301000;
	put_traffic(st, t);
	put_latency(st, "2001:db8::/32 r1 192.0.2.2", 10, t);
	cycle(a, t, &s);
	assert_int_equal(s.latency_moves, 1);
	d = desired(st, NULL);
	json_t *p = prefix_of(d, "2001:db8::/32");
	assert_string_equal(str(p, "egress"), "isp-b");	/* BGP's own: not announced */
	assert_string_equal(str(p, "bgp"), "isp-b");
	json_decref(d);
	store_audit *v;
	size_t n;
	audit(st, &v, &n);
	assert_int_equal(n, 3);
	json_error_t je;
	json_t *m = json_loads(v[2].detail, 0, &je);
	assert_string_equal(str(m, "prefix"), "2001:db8::/32");
	assert_string_equal(str(m, "from"), "isp-a");
	assert_string_equal(str(m, "to"), "isp-b");
	assert_true(dbl(m, "ms_to") == 10);
	json_decref(m);
	store_audit_free(v, n);
	/* traffic gone: nothing listed, and nothing stale counted as traffic */
	t = T0 + 400000;
	cycle(a, t, &s);
	assert_int_equal(s.demands, 0);
	assert_int_equal(s.stale_rows, 11 + 1 + 2);	/* traffic rows, latency rows */
	d = desired(st, NULL);
	assert_int_equal(json_array_size(json_object_get(d, "prefixes")), 0);
	json_decref(d);
	pe_agent_free(a);
	pe_cfg_free(&c);
	store_close(st);
}

/* Two instances: the standby writes nothing; when the leader's lease
 * expires the standby takes over, keeps the leader's choices (which it
 * would not have made itself) and continues the cycle numbers; the old
 * leader, back, writes nothing. */
static void test_takeover(void **state)
{
	(void)state;
	store *st = open_store();
	pe_cfg c;
	cfg_for(&c, DATA "peering.txt", DATA "static-latency.txt");
	pe_agent *a = agent(st, "pe1", &c, "tests/data/peer/routes.txt", NULL);
	pe_agent *b = agent(st, "pe2", &c, "tests/data/peer/routes.txt", NULL);
	put_traffic(st, T0);
	pe_agent_stats s;
	cycle(a, T0, &s);
	assert_true(s.wrote);
	cycle(b, T0 + 1000, &s);
	assert_false(s.leader);
	assert_false(s.wrote);
	int64_t upd;
	json_t *d = desired(st, &upd);
	assert_int_equal(upd, T0);
	json_decref(d);
	/* isp-b is now the fastest for 2001:db8::/32: from scratch, pe2 would
	 * leave it on BGP's isp-b */
	int64_t t = T0 + 11000;
	put_traffic(st, t);
	put_latency(st, "2001:db8::/32 r1 192.0.2.2", 10, t);
	cycle(b, t, &s);
	assert_true(s.leader);
	assert_true(s.seeded);
	assert_true(s.wrote);
	assert_int_equal(s.cycle, 2);
	assert_int_equal(s.moves, 0);
	d = desired(st, &upd);
	assert_int_equal(upd, t);
	assert_string_equal(str(prefix_of(d, "2001:db8::/32"), "egress"), "isp-a");
	assert_string_equal(str(prefix_of(d, "100.66.0.0/16"), "egress"), "isp-b");
	json_decref(d);
	/* the old leader wakes up: it lost the lease, it writes nothing */
	cycle(a, t + 1000, &s);
	assert_false(s.leader);
	assert_false(s.wrote);
	d = desired(st, &upd);
	assert_int_equal(upd, t);
	json_decref(d);
	store_audit *v;
	size_t n;
	audit(st, &v, &n);
	assert_int_equal(n, 2);	/* pe1's two moves only */
	store_audit_free(v, n);
	/* a fresh agent on the same store, no previous choices: it follows
	 * the latency (control) */
	store *st2 = open_store();
	pe_agent *x = agent(st2, "pe3", &c, "tests/data/peer/routes.txt", NULL);
	put_traffic(st2, t);
	put_latency(st2, "2001:db8::/32 r1 192.0.2.2", 10, t);
	cycle(x, t, &s);
	assert_false(s.seeded);
	d = desired(st2, NULL);
	assert_string_equal(str(prefix_of(d, "2001:db8::/32"), "egress"), "isp-b");
	json_decref(d);
	pe_agent_free(x);
	store_close(st2);
	/* pe2 gives the lease up: pe1 takes it at once */
	neto_err err;
	assert_int_equal(pe_agent_release(b, t + 2000, &err), 0);
	cycle(a, t + 3000, &s);
	assert_true(s.leader);
	assert_true(s.seeded);
	assert_int_equal(s.cycle, 3);
	/* pe2 leads again, and once the hold-down is over moves
	 * 2001:db8::/32 back to isp-b; pe1, back in charge, takes that from
	 * the document, not from what it remembers of its own term */
	assert_int_equal(pe_agent_release(a, t + 4000, &err), 0);
	t = T0 + 400000;
	put_traffic(st, t);
	put_latency(st, "2001:db8::/32 r1 192.0.2.2", 10, t);
	cycle(b, t, &s);
	assert_true(s.leader);
	assert_true(s.seeded);
	assert_int_equal(s.moves, 0);	/* held down from the takeover */
	t += 301000;
	put_traffic(st, t);
	put_latency(st, "2001:db8::/32 r1 192.0.2.2", 10, t);
	cycle(b, t, &s);
	assert_int_equal(s.latency_moves, 1);
	assert_int_equal(pe_agent_release(b, t + 1000, &err), 0);
	cycle(a, t + 2000, &s);
	assert_true(s.leader);
	assert_true(s.seeded);
	assert_int_equal(s.moves, 0);
	d = desired(st, NULL);
	assert_string_equal(str(prefix_of(d, "2001:db8::/32"), "egress"), "isp-b");
	json_decref(d);
	audit(st, &v, &n);
	assert_int_equal(n, 3);	/* pe1's two, pe2's one */
	store_audit_free(v, n);
	pe_agent_free(a);
	pe_agent_free(b);
	pe_cfg_free(&c);
	store_close(st);
}

static char *tmp_file(const char *text)
{
	char *path = strdup("/tmp/neto-test-pe-agent-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

/* A real BMP stream (FRR 8.4 bgpd "border1") through a live session that
 * knows the router by its address until the Initiation gives the sysName;
 * text routes for the second ISP; traffic from a file; latency measured. */
static void test_bmp_session(void **state)
{
	(void)state;
	store *st = open_store();
	pe_cfg c;
	cfg_for(&c, DATA "frr-peering.txt", NULL);
	char *traffic = tmp_file("203.0.113.0/24 0 1G\n100.64.0.0/16 0 1G\n"
				 "198.51.100.77 0 1G\n2001:db8::/32 7 1G\n");
	pe_agent *a = agent(st, "pe1", &c, "tests/data/peer/frr-routes.txt", traffic);
	size_t len;
	uint8_t *buf = (uint8_t *)tu_read("tests/data/peer/frr-border1-up.bmp", &len);
	pe_bmp_sess sess;
	pe_bmp_sess_init(&sess, pe_agent_session_new(a, "127.0.0.1"), "127.0.0.1");
	neto_err err;
	assert_int_equal(pe_bmp_sess_feed(&sess, pe_agent_rib(a), buf, len, &err), 0);
	free(buf);
	assert_string_equal(sess.sysname, "border1");
	pe_agent_stats s;
	/* named by its address: no egress is on router "127.0.0.1" */
	cycle(a, T0, &s);
	assert_int_equal(s.routes, 5);
	json_t *d = desired(st, NULL);
	assert_null(prefix_of(d, "100.64.0.0/16"));
	json_decref(d);
	pe_agent_session_name(a, sess.router, sess.sysname);
	put_latency(st, "203.0.113.0/24 border1 192.0.2.1", 50, T0 + 1000);
	put_latency(st, "203.0.113.0/24 r1 192.0.2.2", 20, T0 + 1000);
	cycle(a, T0 + 1000, &s);
	assert_int_equal(s.meas, 2);
	assert_int_equal(s.demands, 3);	/* 198.51.100.77: no route */
	assert_int_equal(s.unrouted_rows, 1);
	d = desired(st, NULL);
	json_t *p = prefix_of(d, "203.0.113.0/24");
	assert_non_null(p);
	assert_string_equal(str(p, "bgp"), "isp-a");	/* the shorter AS path */
	assert_string_equal(str(p, "egress"), "isp-b");	/* 30 ms faster */
	p = prefix_of(d, "100.64.0.0/16");
	assert_non_null(p);
	assert_string_equal(str(p, "egress"), "isp-a");
	assert_string_equal(str(p, "bgp"), "isp-a");
	p = prefix_of(d, "2001:db8::/32");
	assert_non_null(p);
	/* the class as given (the decision sees ranks: 0 and 7 are 0 and 1) */
	assert_int_equal(json_integer_value(json_object_get(p, "class")), 7);
	json_decref(d);
	/* the session ends: its routes go; the prefix only isp-b offers stays */
	pe_bmp_sess_close(&sess, pe_agent_rib(a));
	pe_agent_session_end(a, sess.router);
	pe_bmp_sess_free(&sess);
	cycle(a, T0 + 2000, &s);
	assert_int_equal(s.demands, 1);
	d = desired(st, NULL);
	assert_int_equal(json_array_size(json_object_get(d, "prefixes")), 1);
	p = prefix_of(d, "203.0.113.0/24");
	assert_string_equal(str(p, "egress"), "isp-b");
	assert_string_equal(str(p, "bgp"), "isp-b");
	json_decref(d);
	/* the router reconnects from the same address and sends its routes
	 * again: the same router number, no new route table peers; the
	 * prefix stays on isp-b, where it was, although BGP prefers isp-a
	 * again (not back to BGP's and held down there) */
	size_t peers = pe_rib_n_peers(pe_agent_rib(a));
	uint32_t old = sess.router;
	pe_bmp_sess_init(&sess, pe_agent_session_new(a, "127.0.0.1"), "127.0.0.1");
	assert_int_equal(sess.router, old);
	assert_int_not_equal(pe_agent_session_new(a, "127.0.0.2"), old);
	buf = (uint8_t *)tu_read("tests/data/peer/frr-border1-up.bmp", &len);
	assert_int_equal(pe_bmp_sess_feed(&sess, pe_agent_rib(a), buf, len, &err), 0);
	free(buf);
	pe_agent_session_name(a, sess.router, sess.sysname);
	assert_int_equal(pe_rib_n_peers(pe_agent_rib(a)), peers);
	put_latency(st, "203.0.113.0/24 border1 192.0.2.1", 50, T0 + 3000);
	put_latency(st, "203.0.113.0/24 r1 192.0.2.2", 20, T0 + 3000);
	cycle(a, T0 + 3000, &s);
	assert_int_equal(s.routes, 5);
	assert_int_equal(s.demands, 3);
	d = desired(st, NULL);
	assert_string_equal(str(prefix_of(d, "100.64.0.0/16"), "egress"), "isp-a");
	assert_string_equal(str(prefix_of(d, "203.0.113.0/24"), "egress"), "isp-b");
	assert_string_equal(str(prefix_of(d, "203.0.113.0/24"), "bgp"), "isp-a");
	json_decref(d);
	pe_bmp_sess_free(&sess);
	pe_agent_free(a);
	unlink(traffic);
	free(traffic);
	pe_cfg_free(&c);
	store_close(st);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* The peering file edited while the role runs: the egresses are matched
 * by name (their numbers change), one removed; a bad edit is reported and
 * the last good file stays. */
static void test_reload(void **state)
{
	(void)state;
	store *st = open_store();
	size_t len;
	char *orig = tu_read("tests/data/peer/peering.txt", &len);
	char *path = tmp_file(orig);
	free(orig);
	/* a static table that names no egress the edit removes */
	char *lat = tmp_file("0.0.0.0/0 isp-a 60\n0.0.0.0/0 isp-b 50\n::/0 isp-a 70\n");
	pe_cfg c;
	cfg_for(&c, path, lat);
	pe_agent *a = agent(st, "pe1", &c, "tests/data/peer/routes.txt", NULL);
	put_traffic(st, T0);
	pe_agent_stats s;
	cycle(a, T0, &s);
	assert_false(s.reloaded);
	json_t *d = desired(st, NULL);
	assert_string_equal(str(prefix_of(d, "2001:db8::/32"), "egress"), "isp-a");
	json_decref(d);
	/* isp-a is now egress 1 (was 0), peer-c is gone */
	write_file(path, "link lnk-b 10G\nlink lnk-a 20G\n"
			 "egress isp-b r1 192.0.2.2 lnk-b\negress isp-a r1 192.0.2.1 lnk-a\n");
	int64_t t = T0 + 10000;
	put_traffic(st, t);
	cycle(a, t, &s);
	if (!s.reloaded)
		fail_msg("not reloaded: '%s'", s.warning);
	assert_string_equal(s.warning, "");
	assert_int_equal(s.moves, 0);
	d = desired(st, NULL);
	assert_int_equal(json_array_size(json_object_get(d, "links")), 2);
	assert_int_equal(json_array_size(json_object_get(d, "egress")), 2);
	assert_true(dbl(json_array_get(json_object_get(d, "links"), 1), "cap") == 20e9);
	assert_string_equal(str(prefix_of(d, "2001:db8::/32"), "egress"), "isp-a");	/* held */
	/* peer-c's routes are no egress's now: BGP's choice among the others */
	assert_string_equal(str(prefix_of(d, "100.64.0.0/16"), "bgp"), "isp-a");
	assert_string_not_equal(str(prefix_of(d, "100.66.0.0/16"), "egress"), "peer-c");
	json_decref(d);
	/* a bad edit: reported, the last good file stays */
	write_file(path, "link lnk-b 10G\negress isp-b r1 192.0.2.2 lnk-x\n");
	t += 10000;
	put_traffic(st, t);
	cycle(a, t, &s);
	assert_false(s.reloaded);
	assert_true(s.wrote);
	if (strstr(s.warning, ":2: unknown link 'lnk-x'") == NULL)
		fail_msg("warning: '%s'", s.warning);
	d = desired(st, NULL);
	assert_int_equal(json_array_size(json_object_get(d, "egress")), 2);
	assert_string_equal(str(prefix_of(d, "2001:db8::/32"), "egress"), "isp-a");
	json_decref(d);
	pe_agent_free(a);
	unlink(path);
	free(path);
	unlink(lat);
	free(lat);
	pe_cfg_free(&c);
	store_close(st);
}

static void test_errors(void **state)
{
	(void)state;
	store *st = open_store();
	pe_cfg c;
	pe_agent *a;
	neto_err err;
	pe_agent_opts o = { .name = "pe1", .cfg = &c };
	pe_cfg_defaults(&c);
	assert_int_equal(pe_agent_new(&a, st, &o, T0, &err), -1);
	assert_non_null(strstr(err.msg, "no peering file"));
	cfg_for(&c, "/nonexistent/peering.txt", NULL);
	assert_int_equal(pe_agent_new(&a, st, &o, T0, &err), -1);
	assert_non_null(strstr(err.msg, "/nonexistent/peering.txt"));
	pe_cfg_free(&c);
	/* a bad traffic file fails the cycle, naming the line */
	char *bad = tmp_file("203.0.113.0/24 0 1G\n203.0.113.0/24 zero 1G\n");
	cfg_for(&c, DATA "peering.txt", NULL);
	o.traffic_file = bad;
	assert_int_equal(pe_agent_new(&a, st, &o, T0, &err), 0);
	pe_agent_stats s;
	assert_int_equal(pe_agent_cycle(a, T0, &s, &err), -1);
	assert_non_null(strstr(err.msg, ":2: bad class 'zero'"));
	pe_agent_free(a);
	unlink(bad);
	free(bad);
	pe_cfg_free(&c);
	store_close(st);
}

/* [peering] split: a prefix that fits whole on no egress is announced as
 * two /24s on two egresses, each listed with its share and the covering
 * prefix; one audit row the first time, none when the next cycle splits it
 * the same way. */
static void test_split(void **state)
{
	(void)state;
	char dir[] = "/tmp/neto-pe-split.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char peering[300];
	snprintf(peering, sizeof peering, "%s/peering.txt", dir);
	FILE *f = fopen(peering, "w");
	assert_non_null(f);
	fputs("link l1 1G\nlink l2 1G\negress e1 r1 192.0.2.1 l1\negress e2 r1 192.0.2.2 l2\n", f);
	fclose(f);
	static const char routes[] =
		"198.51.100.0/23 r1 192.0.2.1 64501 64501,64999 192.0.2.1\n"
		"198.51.100.0/23 r1 192.0.2.2 64502 64502,64502,64999 192.0.2.2\n";
	neto_err err;
	store *st = open_store();
	pe_cfg c;
	cfg_for(&c, peering, NULL);
	c.split = true;
	pe_agent *a = agent(st, "pe1", &c, NULL, NULL);
	assert_int_equal(pe_parse_routes(pe_agent_input(a), routes, strlen(routes), "r", &err), 0);
	char b[300];
	snprintf(b, sizeof b,
		 "{\"at\":%lld,\"rows\":[{\"prefix\":\"198.51.100.0/24\",\"class\":0,"
		 "\"rate\":1.5e9,\"ingress\":\"site1\"}]}", (long long)T0);
	kv_put(st, "pe-traffic", "flow-a", b);
	pe_agent_stats s;
	cycle(a, T0, &s);
	assert_int_equal(s.splits, 1);
	json_t *d = desired(st, NULL);
	assert_null(prefix_of(d, "198.51.100.0/23"));
	json_t *lo = prefix_of(d, "198.51.100.0/24"), *hi = prefix_of(d, "198.51.101.0/24");
	assert_non_null(lo);
	assert_non_null(hi);
	assert_string_equal(str(lo, "split_of"), "198.51.100.0/23");
	assert_true(dbl(lo, "rate") == 7.5e8 && dbl(hi, "rate") == 7.5e8);
	assert_true(dbl(json_object_get(hi, "ingress"), "site1") == 7.5e8);
	assert_string_equal(str(lo, "bgp"), "e1");
	assert_true(strcmp(str(lo, "egress"), str(hi, "egress")) != 0);
	json_decref(d);
	store_audit *v;
	size_t n;
	audit(st, &v, &n);
	assert_int_equal(n, 1);
	assert_non_null(strstr(v[0].detail, "\"reason\":\"split\""));
	store_audit_free(v, n);
	/* the same traffic: split the same way, no new audit row */
	snprintf(b, sizeof b,
		 "{\"at\":%lld,\"rows\":[{\"prefix\":\"198.51.100.0/24\",\"class\":0,"
		 "\"rate\":1.5e9,\"ingress\":\"site1\"}]}", (long long)(T0 + 10000));
	kv_put(st, "pe-traffic", "flow-a", b);
	cycle(a, T0 + 10000, &s);
	assert_int_equal(s.splits, 1);
	assert_int_equal(s.over_headroom, 0);
	audit(st, &v, &n);
	assert_int_equal(n, 1);
	store_audit_free(v, n);
	/* without split it stays whole, over headroom */
	pe_agent_free(a);
	c.split = false;
	a = agent(st, "pe1", &c, NULL, NULL);
	assert_int_equal(pe_parse_routes(pe_agent_input(a), routes, strlen(routes), "r", &err), 0);
	cycle(a, T0 + 20000, &s);
	assert_int_equal(s.splits, 0);
	assert_int_equal(s.over_headroom, 1);
	d = desired(st, NULL);
	assert_non_null(prefix_of(d, "198.51.100.0/23"));
	json_decref(d);
	pe_agent_free(a);
	pe_cfg_free(&c);
	store_close(st);
	unlink(peering);
	rmdir(dir);
}

/* Grace period: a closed session's routes stay, and still name its router,
 * until a newer session of the same router has its whole table or the
 * grace ends; a newer session not synced yet does not replace it. */
static void test_grace(void **state)
{
	(void)state;
	store *st = open_store();
	pe_cfg c;
	cfg_for(&c, DATA "frr-peering.txt", NULL);
	char *traffic = tmp_file("203.0.113.0/24 0 1G\n100.64.0.0/16 0 1G\n");
	pe_agent *a = agent(st, "pe1", &c, "tests/data/peer/frr-routes.txt", traffic);
	size_t len;
	uint8_t *buf = (uint8_t *)tu_read("tests/data/peer/frr-border1-up.bmp", &len);
	neto_err err;
	pe_bmp_sess s1, s2;
	pe_bmp_sess_init(&s1, pe_agent_session_new(a, "127.0.0.1"), "127.0.0.1");
	assert_int_equal(pe_bmp_sess_feed(&s1, pe_agent_rib(a), buf, len, &err), 0);
	pe_agent_session_name(a, s1.router, s1.sysname);
	pe_agent_stats s;
	cycle(a, T0, &s);
	assert_int_equal(s.routes, 5);
	json_t *d = desired(st, NULL);
	assert_non_null(prefix_of(d, "100.64.0.0/16"));	/* border1's only */
	json_decref(d);
	/* closed: lingering 30 s, nothing changes */
	pe_agent_session_linger(a, s1.router, T0 + 30000);
	pe_bmp_sess_free(&s1);
	char name[80];
	assert_int_equal(pe_agent_sweep(a, T0 + 1000, name, sizeof name), 0);
	assert_string_equal(name, "");
	cycle(a, T0 + 1000, &s);
	assert_int_equal(s.routes, 5);
	d = desired(st, NULL);
	assert_string_equal(str(prefix_of(d, "100.64.0.0/16"), "egress"), "isp-a");
	json_decref(d);
	/* the router is back: a new number, a partial table (Initiation and
	 * Peer Up only): the lingering session still names border1 */
	pe_bmp_sess_init(&s2, pe_agent_session_new(a, "127.0.0.1"), "127.0.0.1");
	assert_int_not_equal(s2.router, s1.router);
	assert_int_equal(pe_bmp_sess_feed(&s2, pe_agent_rib(a), buf, 338, &err), 0);
	pe_agent_session_name(a, s2.router, "border1");
	cycle(a, T0 + 2000, &s);
	d = desired(st, NULL);
	assert_string_equal(str(prefix_of(d, "100.64.0.0/16"), "egress"), "isp-a");
	json_decref(d);
	assert_int_equal(pe_agent_sweep(a, T0 + 2000, name, sizeof name), 0);
	assert_string_equal(name, "");
	/* its whole table, synced: the old session's routes go */
	assert_int_equal(pe_bmp_sess_feed(&s2, pe_agent_rib(a), buf + 338, len - 338, &err), 0);
	pe_agent_session_synced(a, s2.router);
	size_t before = pe_rib_n_routes(pe_agent_rib(a));
	size_t gone = pe_agent_sweep(a, T0 + 3000, name, sizeof name);
	assert_string_equal(name, "border1");
	assert_true(gone > 0);
	assert_int_equal(pe_rib_n_routes(pe_agent_rib(a)), before - gone);
	cycle(a, T0 + 3000, &s);
	assert_int_equal(s.routes, 5);
	d = desired(st, NULL);
	assert_string_equal(str(prefix_of(d, "100.64.0.0/16"), "egress"), "isp-a");
	json_decref(d);
	/* closed again, and no reconnection: the grace ends, the routes go */
	pe_agent_session_linger(a, s2.router, T0 + 10000);
	pe_bmp_sess_free(&s2);
	assert_int_equal(pe_agent_sweep(a, T0 + 9999, name, sizeof name), 0);
	assert_true(pe_agent_sweep(a, T0 + 10000, name, sizeof name) > 0);
	assert_string_equal(name, "border1 (grace over)");
	cycle(a, T0 + 10000, &s);
	d = desired(st, NULL);
	assert_null(prefix_of(d, "100.64.0.0/16"));
	json_decref(d);
	free(buf);
	pe_agent_free(a);
	unlink(traffic);
	free(traffic);
	pe_cfg_free(&c);
	store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_document),
		cmocka_unit_test(test_holddown),
		cmocka_unit_test(test_takeover),
		cmocka_unit_test(test_bmp_session),
		cmocka_unit_test(test_reload),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_grace),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
