/*
 * test_driver_egress.c - the egress driver between two speakers of this
 * process over loopback: the "border router" speaker decodes, with neto's
 * BGP codec, every UPDATE the driver sends. Checked: the desired document's
 * validation (each malformation refused with its reason), IPv4 and IPv6
 * announcements (ORIGIN IGP, empty AS_PATH, NEXT_HOP or MP_REACH next hop,
 * LOCAL_PREF, COMMUNITIES), status and readback, remove as a withdrawal
 * (withdrawn routes field, MP_UNREACH), refusals (bad document, unknown
 * router, eBGP peer) as DRIVER_FAILED, the whole Adj-RIB-Out announced
 * again when the session comes back, and the store's installed rows
 * following the sessions (driver_egress_reconcile).
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/bgp_peer.h"
#include "agent/driver_egress.h"

/* ---- validation ----------------------------------------------------------- */

static void test_parse(void **state)
{
	(void)state;
	egress_route r;
	neto_err err;
	assert_int_equal(driver_egress_parse("egress/198.51.100.0/24",
					     "{\"prefix\":\"198.51.100.0/24\",\"egress\":\"e2\","
					     "\"nexthop\":\"10.79.0.6\",\"local_pref\":200,"
					     "\"communities\":[\"65000:100\",\"no-export\"]}",
					     &r, &err), 0);
	assert_int_equal(r.afi, BGP_AFI_IPV4);
	assert_int_equal(r.pfx.len, 24);
	assert_int_equal(r.pfx.addr[0], 198);
	assert_int_equal(r.nh[3], 6);
	assert_int_equal(r.local_pref, 200);
	assert_int_equal(r.n_comm, 2);
	assert_int_equal(r.comm[0], 65000u << 16 | 100);
	assert_int_equal(r.comm[1], 0xFFFFFF01u);
	char *doc = driver_egress_doc(&r);
	assert_string_equal(doc, "{\"prefix\":\"198.51.100.0/24\",\"egress\":\"e2\",\"nexthop\":"
				 "\"10.79.0.6\",\"local_pref\":200,\"communities\":"
				 "[\"65000:100\",\"65535:65281\"]}");
	/* the canonical document parses to the same route */
	egress_route r2;
	assert_int_equal(driver_egress_parse("egress/198.51.100.0/24", doc, &r2, &err), 0);
	assert_memory_equal(&r, &r2, sizeof r);
	free(doc);
	assert_int_equal(driver_egress_parse("egress/2001:db8:1::/48",
					     "{\"prefix\":\"2001:db8:1::/48\",\"egress\":\"e1\","
					     "\"nexthop\":\"2001:db8:ff::2\",\"local_pref\":0}",
					     &r, &err), 0);
	assert_int_equal(r.afi, BGP_AFI_IPV6);
	assert_int_equal(r.pfx.len, 48);
	assert_int_equal(r.nh[15], 2);
	assert_int_equal(r.n_comm, 0);
	/* 200.0 is 200; communities null or empty: none */
	assert_int_equal(driver_egress_parse("egress/10.0.0.0/8",
					     "{\"prefix\":\"10.0.0.0/8\",\"egress\":\"e1\","
					     "\"nexthop\":\"10.1.1.1\",\"local_pref\":200.0,"
					     "\"communities\":null}", &r, &err), 0);
	assert_int_equal(r.local_pref, 200);
	assert_int_equal(r.n_comm, 0);
	assert_int_equal(driver_egress_parse("egress/10.0.0.0/8",
					     "{\"prefix\":\"10.0.0.0/8\",\"egress\":\"e1\","
					     "\"nexthop\":\"10.1.1.1\",\"local_pref\":4294967295,"
					     "\"communities\":[]}", &r, &err), 0);
	assert_int_equal(r.local_pref, 4294967295u);
	assert_int_equal(r.n_comm, 0);

	static const struct {
		const char *policy, *doc, *why;
	} bad[] = {
		{ "egress/10.0.0.0/8", "nope", "desired state" },
		{ "egress/10.0.0.0/8", "[1]", "not an object" },
		{ "egress/10.0.0.0/8",
		  "{\"prefix\":\"10.0.0.0/8\",\"nexthop\":\"10.1.1.1\",\"local_pref\":1}",
		  "are required" },
		{ "egress/10.0.0.1/8",
		  "{\"prefix\":\"10.0.0.1/8\",\"egress\":\"e\",\"nexthop\":\"10.1.1.1\","
		  "\"local_pref\":1}", "host bits" },
		{ "egress/10.0.0.0/33",
		  "{\"prefix\":\"10.0.0.0/33\",\"egress\":\"e\",\"nexthop\":\"10.1.1.1\","
		  "\"local_pref\":1}", "length must be 0..32" },
		{ "egress/10.0.0.0/08",
		  "{\"prefix\":\"10.0.0.0/08\",\"egress\":\"e\",\"nexthop\":\"10.1.1.1\","
		  "\"local_pref\":1}", "length must be" },
		{ "egress/10.0.0.0",
		  "{\"prefix\":\"10.0.0.0\",\"egress\":\"e\",\"nexthop\":\"10.1.1.1\","
		  "\"local_pref\":1}", "not ADDRESS/LENGTH" },
		{ "egress/10.0.0.256/32",
		  "{\"prefix\":\"10.0.0.256/32\",\"egress\":\"e\",\"nexthop\":\"10.1.1.1\","
		  "\"local_pref\":1}", "not an IPv4 or IPv6 address" },
		{ "egress/10.0.0.0/8",
		  "{\"prefix\":\"10.0.0.0/8\",\"egress\":\"e\",\"nexthop\":\"2001:db8::1\","
		  "\"local_pref\":1}", "not an IPv4 address (the prefix is IPv4)" },
		{ "egress/2001:db8::/32",
		  "{\"prefix\":\"2001:db8::/32\",\"egress\":\"e\",\"nexthop\":\"10.1.1.1\","
		  "\"local_pref\":1}", "not an IPv6 address (the prefix is IPv6)" },
		{ "egress/2001:db8::/32",
		  "{\"prefix\":\"2001:db8::/32\",\"egress\":\"e\",\"nexthop\":\"fe80::1\","
		  "\"local_pref\":1}", "not a global unicast" },
		{ "egress/10.0.0.0/8",
		  "{\"prefix\":\"10.0.0.0/8\",\"egress\":\"e\",\"nexthop\":\"224.0.0.1\","
		  "\"local_pref\":1}", "not a unicast" },
		{ "egress/10.0.0.0/8",
		  "{\"prefix\":\"10.0.0.0/8\",\"egress\":\"e\",\"nexthop\":\"0.0.0.0\","
		  "\"local_pref\":1}", "not a unicast" },
		{ "egress/10.0.0.0/8",
		  "{\"prefix\":\"10.0.0.0/8\",\"egress\":\"e\",\"nexthop\":\"10.1.1.1\","
		  "\"local_pref\":4294967296}", "local_pref must be" },
		{ "egress/10.0.0.0/8",
		  "{\"prefix\":\"10.0.0.0/8\",\"egress\":\"e\",\"nexthop\":\"10.1.1.1\","
		  "\"local_pref\":-1}", "local_pref must be" },
		{ "egress/10.0.0.0/8",
		  "{\"prefix\":\"10.0.0.0/8\",\"egress\":\"e\",\"nexthop\":\"10.1.1.1\","
		  "\"local_pref\":200.5}", "local_pref must be" },
		{ "egress/10.0.0.0/8",
		  "{\"prefix\":\"10.0.0.0/8\",\"egress\":\"e\",\"nexthop\":\"10.1.1.1\","
		  "\"local_pref\":\"200\"}", "local_pref must be" },
		{ "egress/10.0.0.0/8",
		  "{\"prefix\":\"10.0.0.0/8\",\"egress\":\"e\",\"nexthop\":\"10.1.1.1\","
		  "\"local_pref\":1e10}", "local_pref must be" },
		{ "egress/10.0.0.0/8",
		  "{\"prefix\":\"10.0.0.0/8\",\"egress\":\"e\",\"nexthop\":\"127.0.0.1\","
		  "\"local_pref\":1}", "not a unicast" },
		{ "egress/10.0.0.0/8",
		  "{\"prefix\":\"10.0.0.0/8\",\"egress\":\"e\",\"nexthop\":\"10.1.1.1\","
		  "\"local_pref\":1,\"localpref\":2}", "unknown key 'localpref'" },
		{ "egress/10.0.0.0/8",
		  "{\"prefix\":\"10.0.0.0/8\",\"egress\":\"e\",\"nexthop\":\"10.1.1.1\","
		  "\"local_pref\":1,\"communities\":[\"65536:1\"]}", "community '65536:1'" },
		{ "egress/10.0.0.0/8",
		  "{\"prefix\":\"10.0.0.0/8\",\"egress\":\"e\",\"nexthop\":\"10.1.1.1\","
		  "\"local_pref\":1,\"communities\":[\"1:2:3\"]}", "community '1:2:3'" },
		{ "egress/10.0.0.0/8",
		  "{\"prefix\":\"10.0.0.0/8\",\"egress\":\"e\",\"nexthop\":\"10.1.1.1\","
		  "\"local_pref\":1,\"communities\":[\"-1:2\"]}", "community '-1:2'" },
		{ "egress/10.0.0.0/8",
		  "{\"prefix\":\"10.0.0.0/8\",\"egress\":\"e\",\"nexthop\":\"10.1.1.1\","
		  "\"local_pref\":1,\"communities\":\"65000:1\"}", "communities must be a list" },
		{ "egress/10.0.0.0/16",
		  "{\"prefix\":\"10.0.0.0/8\",\"egress\":\"e\",\"nexthop\":\"10.1.1.1\","
		  "\"local_pref\":1}", "not \"egress/10.0.0.0/8\"" },
		{ "10.0.0.0/8",
		  "{\"prefix\":\"10.0.0.0/8\",\"egress\":\"e\",\"nexthop\":\"10.1.1.1\","
		  "\"local_pref\":1}", "not \"egress/10.0.0.0/8\"" },
		{ "egress/10.0.0.0/8",
		  "{\"prefix\":\"10.0.0.0/8\",\"egress\":\"\",\"nexthop\":\"10.1.1.1\","
		  "\"local_pref\":1}", "egress must be a name" },
		{ "egress/10.0.0.0/8",
		  "{\"prefix\":\"10.0.0.0/8\",\"prefix\":\"10.0.0.0/8\",\"egress\":\"e\","
		  "\"nexthop\":\"10.1.1.1\",\"local_pref\":1}", "duplicate" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (driver_egress_parse(bad[i].policy, bad[i].doc, &r, &err) != -1 ||
		    strstr(err.msg, bad[i].why) == NULL)
			fail_msg("case %zu: '%s' gave '%s'", i, bad[i].doc, err.msg);
	}
	assert_int_equal(driver_egress_parse("egress/10.0.0.0/8", NULL, &r, &err), -1);
}

/* ---- against a BGP speaker ------------------------------------------------ */

#define MAX_RX 64

typedef struct rx_msg {
	uint16_t afi;
	bool withdraw;
	bgp_pfx pfx;
	uint8_t nh[16];
	uint8_t nh_len;
	uint32_t seen, local_pref, origin;
	size_t n_segs, n_asns, n_comm;
	uint32_t comm[4];
} rx_msg;

typedef struct rx {
	rx_msg m[MAX_RX];
	size_t n;
} rx;

static void on_update(void *ctx, bgp_peer *p, const bgp_update *u, int rc)
{
	(void)p;
	assert_int_equal(rc, 0);
	rx *r = ctx;
	assert_true(r->n < MAX_RX);
	rx_msg *m = &r->m[r->n++];
	memset(m, 0, sizeof *m);
	m->seen = u->seen;
	m->local_pref = u->local_pref;
	m->origin = u->origin;
	m->n_segs = u->n_segs;
	m->n_asns = u->n_asns;
	m->n_comm = u->n_communities;
	for (size_t i = 0; i < u->n_communities && i < 4; i++)
		m->comm[i] = u->communities[i];
	if (u->n_nlri == 1) {
		m->afi = BGP_AFI_IPV4;
		m->pfx = u->nlri[0];
		m->nh_len = 4;
		for (int k = 0; k < 4; k++)
			m->nh[k] = (uint8_t)(u->next_hop >> (24 - 8 * k));
	} else if (u->n_withdrawn == 1) {
		m->afi = BGP_AFI_IPV4;
		m->withdraw = true;
		m->pfx = u->withdrawn[0];
	} else if (u->reach.present && u->reach.n_pfx == 1) {
		m->afi = u->reach.afi;
		m->pfx = u->reach.pfx[0];
		m->nh_len = u->reach.nh_len;
		memcpy(m->nh, u->reach.nh, 16);
	} else if (u->unreach.present && u->unreach.n_pfx == 1) {
		m->afi = u->unreach.afi;
		m->withdraw = true;
		m->pfx = u->unreach.pfx[0];
	} else {
		fail_msg("an UPDATE with no single prefix");
	}
}

static const char v4_pol[] = "egress/198.51.100.0/24";
static const char v4_doc[] = "{\"prefix\":\"198.51.100.0/24\",\"egress\":\"e2\",\"nexthop\":"
			     "\"10.79.0.6\",\"local_pref\":200,\"communities\":[\"65000:100\"]}";
static const char v6_pol[] = "egress/2001:db8:64::/48";
static const char v6_doc[] = "{\"prefix\":\"2001:db8:64::/48\",\"egress\":\"e3\",\"nexthop\":"
			     "\"2001:db8:79::6\",\"local_pref\":250}";

typedef struct lab {
	bgp_speaker a, b;	/* a: the driver's, b: the border router */
	agent_driver d;
	rx r;
	store *st;
} lab;

static void pump(lab *l, int rounds)
{
	neto_err err;
	for (int i = 0; i < rounds; i++) {
		bgp_speaker_poll(&l->a, 5, &err);
		bgp_speaker_poll(&l->b, 5, &err);
		assert_int_equal(l->d.refresh(l->d.ctx, "*", 0, &err), 0);
	}
}

static void wait_rx(lab *l, size_t n)
{
	for (int i = 0; i < 400 && l->r.n < n; i++)
		pump(l, 1);
	assert_int_equal(l->r.n, n);
}

static driver_status status(lab *l, const char *router, const char *pol, const char *doc,
			    char **rb, neto_err *err)
{
	driver_status st;
	assert_int_equal(l->d.status(l->d.ctx, router, pol, doc, 0, &st, rb, err), 0);
	return st;
}

static void check_v4(const rx_msg *m)
{
	assert_false(m->withdraw);
	assert_int_equal(m->afi, BGP_AFI_IPV4);
	assert_int_equal(m->pfx.len, 24);
	assert_int_equal(m->pfx.addr[0], 198);
	assert_int_equal(m->pfx.addr[1], 51);
	assert_int_equal(m->pfx.addr[2], 100);
	assert_int_equal(m->nh_len, 4);
	uint8_t nh[4] = { 10, 79, 0, 6 };
	assert_memory_equal(m->nh, nh, 4);
	assert_true(m->seen >> BGP_ATTR_ORIGIN & 1);
	assert_int_equal(m->origin, 0);	/* IGP */
	assert_true(m->seen >> BGP_ATTR_AS_PATH & 1);
	assert_int_equal(m->n_segs, 0);	/* empty: iBGP */
	assert_int_equal(m->local_pref, 200);
	assert_int_equal(m->n_comm, 1);
	assert_int_equal(m->comm[0], 65000u << 16 | 100);
	assert_false(m->seen >> BGP_ATTR_MED & 1);
}

static void check_v6(const rx_msg *m)
{
	assert_false(m->withdraw);
	assert_int_equal(m->afi, BGP_AFI_IPV6);
	assert_int_equal(m->pfx.len, 48);
	uint8_t want[16];
	inet_pton(AF_INET6, "2001:db8:64::", want);
	assert_memory_equal(m->pfx.addr, want, 16);
	assert_int_equal(m->nh_len, 16);
	inet_pton(AF_INET6, "2001:db8:79::6", want);
	assert_memory_equal(m->nh, want, 16);
	assert_false(m->seen >> BGP_ATTR_NEXT_HOP & 1);
	assert_int_equal(m->origin, 0);
	assert_true(m->seen >> BGP_ATTR_AS_PATH & 1);
	assert_int_equal(m->n_segs, 0);
	assert_int_equal(m->local_pref, 250);
	assert_false(m->seen >> BGP_ATTR_COMMUNITIES & 1);
}

static int installed(store *st, const char *router, const char *pol, char **body)
{
	store_installed *iv = NULL;
	size_t ni = 0;
	neto_err err;
	assert_int_equal(store_installed_list(st, &iv, &ni, &err), 0);
	int found = 0;
	*body = NULL;
	for (size_t i = 0; i < ni; i++)
		if (strcmp(iv[i].router, router) == 0 && strcmp(iv[i].policy, pol) == 0) {
			found = 1;
			*body = strdup(iv[i].body);
		}
	store_installed_free(iv, ni);
	return found;
}

static void test_driver(void **state)
{
	(void)state;
	lab *l = calloc(1, sizeof *l);
	uint16_t port = (uint16_t)(20000 + (getpid() * 7) % 20000);
	bgp_peer_cfg ca[2], cb;
	memset(ca, 0, sizeof ca);
	memset(&cb, 0, sizeof cb);
	/* the driver's speaker: border1 (iBGP, AS 65000), isp9 (eBGP, never up) */
	strcpy(ca[0].name, "border1");
	strcpy(ca[0].address, "127.0.0.1");
	ca[0].port = port;
	ca[0].s = (bgp_session_cfg){ .local_as = 65000, .remote_as = 65000,
				     .router_id = 0x0a000001, .hold_time = 30, .idle_hold = 0.2,
				     .connect_retry = 0.5, .n_families = 2,
				     .families = { { BGP_AFI_IPV4, BGP_SAFI_UNICAST },
						   { BGP_AFI_IPV6, BGP_SAFI_UNICAST } } };
	strcpy(ca[1].name, "isp9");
	strcpy(ca[1].address, "127.0.0.9");
	ca[1].s = (bgp_session_cfg){ .local_as = 65000, .remote_as = 64999,
				     .router_id = 0x0a000001, .passive = true, .n_families = 1,
				     .families = { { BGP_AFI_IPV4, BGP_SAFI_UNICAST } } };
	/* the border router: listens */
	strcpy(cb.name, "neto");
	strcpy(cb.address, "127.0.0.1");
	cb.s = (bgp_session_cfg){ .local_as = 65000, .remote_as = 65000, .router_id = 0x0a000002,
				  .hold_time = 30, .passive = true, .n_families = 2,
				  .families = { { BGP_AFI_IPV4, BGP_SAFI_UNICAST },
						{ BGP_AFI_IPV6, BGP_SAFI_UNICAST } } };
	neto_err err;
	assert_int_equal(bgp_speaker_init(&l->a, ca, 2, NULL, 0, &err), 0);
	if (bgp_speaker_init(&l->b, &cb, 1, "127.0.0.1", port, &err) != 0) {
		bgp_speaker_free(&l->a);
		free(l);
		skip();	/* the port is taken */
	}
	l->b.on_update = on_update;
	l->b.ctx = &l->r;
	assert_int_equal(store_open(&l->st, "sqlite::memory:", &err), 0);
	driver_egress_init(&l->d, &l->a, NULL);
	assert_string_equal(l->d.name, "egress");
	char *rb = NULL;

	/* a row the store claims from an earlier process: not true any more */
	assert_int_equal(store_installed_set(l->st, "border1", "egress/203.0.113.0/24",
					     "{\"prefix\":\"203.0.113.0/24\",\"egress\":\"e1\","
					     "\"nexthop\":\"10.79.0.2\",\"local_pref\":200}",
					     "test", 1, &err), 0);
	assert_int_equal(store_installed_set(l->st, "border1", "B/gold", "{}", "test", 1, &err),
			 0);
	assert_int_equal(driver_egress_reconcile(&l->d, l->st, "agent-1", "*", 2, &err), 0);
	assert_int_equal(installed(l->st, "border1", "egress/203.0.113.0/24", &rb), 0);
	assert_int_equal(installed(l->st, "border1", "B/gold", &rb), 1);	/* not ours */
	free(rb);

	/* refused: accepted by apply, FAILED with the reason by status */
	static const char bad[] = "{\"prefix\":\"198.51.100.0/24\",\"egress\":\"e2\","
				  "\"nexthop\":\"2001:db8::1\",\"local_pref\":200}";
	assert_int_equal(l->d.apply(l->d.ctx, "border1", v4_pol, bad, 0, &err), 0);
	assert_int_equal(status(l, "border1", v4_pol, bad, &rb, &err), DRIVER_FAILED);
	assert_non_null(strstr(err.msg, "not an IPv4 address"));
	assert_null(rb);
	assert_int_equal(l->d.apply(l->d.ctx, "border7", v4_pol, v4_doc, 0, &err), 0);
	assert_int_equal(status(l, "border7", v4_pol, v4_doc, &rb, &err), DRIVER_FAILED);
	assert_non_null(strstr(err.msg, "not a [peer border7]"));
	assert_int_equal(status(l, "isp9", v4_pol, v4_doc, &rb, &err), DRIVER_FAILED);
	assert_non_null(strstr(err.msg, "eBGP"));

	/* before the session: pending */
	assert_int_equal(l->d.apply(l->d.ctx, "border1", v4_pol, v4_doc, 0, &err), 0);
	assert_int_equal(status(l, "border1", v4_pol, v4_doc, &rb, &err), DRIVER_PENDING);
	bgp_speaker_start(&l->a);
	bgp_speaker_start(&l->b);
	wait_rx(l, 1);
	check_v4(&l->r.m[0]);
	assert_int_equal(status(l, "border1", v4_pol, v4_doc, &rb, &err), DRIVER_DONE);
	assert_non_null(rb);
	assert_string_equal(rb, v4_doc);	/* already canonical */
	free(rb);
	/* another local_pref is not what is announced */
	static const char v4_lp300[] = "{\"prefix\":\"198.51.100.0/24\",\"egress\":\"e2\","
				       "\"nexthop\":\"10.79.0.6\",\"local_pref\":300,"
				       "\"communities\":[\"65000:100\"]}";
	assert_int_equal(status(l, "border1", v4_pol, v4_lp300, &rb, &err), DRIVER_PENDING);

	/* IPv6 through MP_REACH_NLRI */
	assert_int_equal(l->d.apply(l->d.ctx, "border1", v6_pol, v6_doc, 0, &err), 0);
	wait_rx(l, 2);
	check_v6(&l->r.m[1]);
	assert_int_equal(status(l, "border1", v6_pol, v6_doc, &rb, &err), DRIVER_DONE);
	free(rb);

	/* the same task again sends nothing */
	assert_int_equal(l->d.apply(l->d.ctx, "border1", v4_pol, v4_doc, 0, &err), 0);
	pump(l, 20);
	assert_int_equal(l->r.n, 2);

	/* the installed rows: what is announced */
	assert_int_equal(driver_egress_reconcile(&l->d, l->st, "agent-1", "*", 3, &err), 0);
	assert_int_equal(installed(l->st, "border1", v4_pol, &rb), 1);
	assert_string_equal(rb, v4_doc);
	free(rb);
	assert_int_equal(installed(l->st, "border1", v6_pol, &rb), 1);
	free(rb);

	/* remove: withdrawals, IPv4 in the withdrawn routes field, IPv6 in
	 * MP_UNREACH_NLRI; done as removed */
	assert_int_equal(l->d.remove(l->d.ctx, "border1", v4_pol, 0, &err), 0);
	wait_rx(l, 3);
	assert_true(l->r.m[2].withdraw);
	assert_int_equal(l->r.m[2].afi, BGP_AFI_IPV4);
	assert_int_equal(l->r.m[2].pfx.len, 24);
	assert_int_equal(status(l, "border1", v4_pol, NULL, &rb, &err), DRIVER_DONE);
	assert_int_equal(status(l, "border1", v4_pol, v4_doc, &rb, &err), DRIVER_PENDING);
	assert_int_equal(l->d.remove(l->d.ctx, "border1", v6_pol, 0, &err), 0);
	wait_rx(l, 4);
	assert_true(l->r.m[3].withdraw);
	assert_int_equal(l->r.m[3].afi, BGP_AFI_IPV6);
	assert_int_equal(l->r.m[3].pfx.len, 48);
	/* removing what is not there: nothing sent, done */
	assert_int_equal(l->d.remove(l->d.ctx, "border1", v6_pol, 0, &err), 0);
	pump(l, 10);
	assert_int_equal(l->r.n, 4);
	assert_int_equal(status(l, "border1", v6_pol, NULL, &rb, &err), DRIVER_DONE);
	assert_int_equal(driver_egress_reconcile(&l->d, l->st, "agent-1", "*", 4, &err), 0);
	assert_int_equal(installed(l->st, "border1", v4_pol, &rb), 0);
	assert_int_equal(installed(l->st, "border1", v6_pol, &rb), 0);

	/* both announced again; the border router drops the session */
	assert_int_equal(l->d.apply(l->d.ctx, "border1", v4_pol, v4_doc, 0, &err), 0);
	assert_int_equal(l->d.apply(l->d.ctx, "border1", v6_pol, v6_doc, 0, &err), 0);
	wait_rx(l, 6);
	assert_int_equal(driver_egress_reconcile(&l->d, l->st, "agent-1", "*", 5, &err), 0);
	assert_int_equal(installed(l->st, "border1", v6_pol, &rb), 1);
	free(rb);
	bgp_speaker_stop(&l->b);
	for (int i = 0; i < 100 && l->a.peers[0].s.state == BGP_ST_ESTABLISHED; i++)
		pump(l, 1);
	assert_int_not_equal(l->a.peers[0].s.state, BGP_ST_ESTABLISHED);
	assert_int_equal(status(l, "border1", v4_pol, v4_doc, &rb, &err), DRIVER_PENDING);
	assert_int_equal(status(l, "border1", v6_pol, v6_doc, &rb, &err), DRIVER_PENDING);
	/* no session: no route of neto on the router, no row */
	assert_int_equal(driver_egress_reconcile(&l->d, l->st, "agent-1", "*", 6, &err), 0);
	assert_int_equal(installed(l->st, "border1", v4_pol, &rb), 0);
	assert_int_equal(installed(l->st, "border1", v6_pol, &rb), 0);
	/* the session comes back: the whole Adj-RIB-Out again, unasked */
	l->r.n = 0;
	bgp_speaker_start(&l->b);
	wait_rx(l, 2);
	bool v4 = false, v6 = false;
	for (size_t i = 0; i < 2; i++) {
		if (l->r.m[i].afi == BGP_AFI_IPV4) {
			check_v4(&l->r.m[i]);
			v4 = true;
		} else {
			check_v6(&l->r.m[i]);
			v6 = true;
		}
	}
	assert_true(v4 && v6);
	assert_int_equal(status(l, "border1", v4_pol, v4_doc, &rb, &err), DRIVER_DONE);
	free(rb);
	assert_int_equal(driver_egress_reconcile(&l->d, l->st, "agent-1", "*", 7, &err), 0);
	assert_int_equal(installed(l->st, "border1", v4_pol, &rb), 1);
	assert_string_equal(rb, v4_doc);
	free(rb);
	assert_int_equal(installed(l->st, "border1", v6_pol, &rb), 1);
	free(rb);
	/* another agent holding the router's lease: not written by this one */
	assert_int_equal(driver_egress_reconcile(&l->d, l->st, "agent-2", "*", 8, &err), 0);

	l->d.close(l->d.ctx);
	bgp_speaker_stop(&l->a);
	bgp_speaker_free(&l->a);
	bgp_speaker_free(&l->b);
	store_close(l->st);
	free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_driver),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
