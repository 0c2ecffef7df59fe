/*
 * test_router_lsexport.c - FRR 8.4's real TE database (three IS-IS routers,
 * tests/data/router/isis-mpls-te-database-3routers.json) as BGP-LS: the
 * counts, a node, a link and prefixes field by field, the configured delay
 * and locator, and every item through the project's BGP-LS codec (encode,
 * decode, same NLRI and attribute, an UPDATE that encodes).
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "router/lsexport.h"
#include "testutil.h"

static const char *const SAMPLE = "tests/data/router/isis-mpls-te-database-3routers.json";

static void opts(lsexport_opts *o, lsexport_delay *d)
{
	memset(o, 0, sizeof *o);
	memset(d, 0, sizeof *d);
	d->af = 4;
	inet_pton(AF_INET, "10.1.12.1", d->local);
	d->delay_us = 5000;
	o->delays = d;
	o->n_delays = 1;
	o->asn = 65000;
	o->has_locator = true;
	inet_pton(AF_INET6, "fc00:0:1::", o->locator.addr);
	o->locator.len = 48;
	o->locator_metric = 1;
	inet_pton(AF_INET, "10.0.0.1", o->local_rid);
}

static const lsexport_item *find_link(const lsexport_set *s, const char *local)
{
	uint8_t a[4];
	inet_pton(AF_INET, local, a);
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].n.type == BGPLS_NLRI_LINK && memcmp(s->v[i].n.v4_local, a, 4) == 0)
			return &s->v[i];
	fail_msg("no link from %s", local);
	abort();
}

static const lsexport_item *find_prefix(const lsexport_set *s, int af, const char *addr,
					uint8_t len)
{
	uint8_t a[16] = { 0 };
	inet_pton(af == 4 ? AF_INET : AF_INET6, addr, a);
	for (size_t i = 0; i < s->n; i++) {
		const bgpls_nlri *n = &s->v[i].n;
		if (n->type == (af == 4 ? BGPLS_NLRI_PREFIX4 : BGPLS_NLRI_PREFIX6) &&
		    n->prefix.len == len && memcmp(n->prefix.addr, a, 16) == 0)
			return &s->v[i];
	}
	fail_msg("no prefix %s/%u", addr, len);
	abort();
}

static void test_sample(void **state)
{
	(void)state;
	size_t len;
	char *text = tu_read(SAMPLE, &len);
	lsexport_opts o;
	lsexport_delay d;
	opts(&o, &d);
	lsexport_set s;
	neto_err err;
	assert_int_equal(lsexport_frr_ted(text, len, &o, &s, &err), 0);
	assert_int_equal(s.n_nodes, 3);
	assert_int_equal(s.n_links, 4);
	assert_int_equal(s.n_prefixes, 11);	/* 10 subnets and the locator */
	assert_int_equal(s.n_skipped, 0);
	assert_int_equal(s.n, 18);

	/* node 1 */
	const bgpls_nlri *n = &s.v[0].n;
	const bgpls_attr *a = &s.v[0].a;
	assert_int_equal(n->type, BGPLS_NLRI_NODE);
	assert_int_equal(n->proto, BGPLS_PROTO_ISIS_L2);
	assert_int_equal(n->local.rid_len, 6);
	const uint8_t sys1[6] = { 0, 0, 0, 0, 0, 1 };
	assert_memory_equal(n->local.rid, sys1, 6);
	assert_int_equal(n->local.asn, 65000);
	assert_string_equal(a->name, "vm");
	assert_true(BGPLS_ATTR_HAS(a, BGPLS_A_RID4_LOCAL));
	assert_int_equal(a->rid4_local[3], 1);
	assert_true(BGPLS_ATTR_HAS(a, BGPLS_A_RID6_LOCAL));
	assert_int_equal(a->rid6_local[15], 1);
	assert_int_equal(a->n_ranges, 1);
	assert_int_equal(a->range_first[0].val, 16000);
	assert_int_equal(a->range_size[0], 8000);
	assert_int_equal(a->n_algos, 1);
	assert_int_equal(a->algos[0], 0);

	/* link 1 -> 2 */
	const lsexport_item *l = find_link(&s, "10.1.12.1");
	assert_non_null(l);
	assert_memory_equal(l->n.local.rid, sys1, 6);
	assert_int_equal(l->n.remote.rid[5], 2);
	assert_int_equal(l->n.v4_remote[3], 2);
	assert_int_equal(l->a.igp_metric, 10);
	assert_int_equal(l->a.te_metric, 10);
	assert_true(bgpls_bw_bps(l->a.max_bw) == 1e10);	/* 1.25e9 bytes/s */
	/* IEEE float on the wire (RFC 9552 section 5.3.2.5): the reader gives back
	 * the shortest decimal of that float, so compare as floats */
	assert_true((float)(bgpls_bw_bps(l->a.unrsv_bw[7]) / 8) == 176258176.0f);
	assert_int_equal(l->a.n_adj_sid, 1);
	assert_int_equal(l->a.adj_sid[0].sid.val, 15001);
	assert_int_equal(l->a.adj_sid[0].flags, 0xb0);
	assert_true(BGPLS_ATTR_HAS(&l->a, BGPLS_A_DELAY));
	assert_int_equal(l->a.delay_us, 5000);
	assert_int_equal(l->a.rid4_remote[3], 2);
	/* the reverse link has no delay configured */
	l = find_link(&s, "10.1.12.2");
	assert_non_null(l);
	assert_false(BGPLS_ATTR_HAS(&l->a, BGPLS_A_DELAY));

	/* prefixes: the network of "10.1.12.1/24", prefix SIDs */
	const lsexport_item *p = find_prefix(&s, 4, "10.1.12.0", 24);
	assert_non_null(p);
	assert_int_equal(p->a.prefix_metric, 10);
	assert_false(BGPLS_ATTR_HAS(&p->a, BGPLS_A_PREFIX_SID));
	p = find_prefix(&s, 6, "fc00::3", 128);
	assert_non_null(p);
	assert_int_equal(p->n.local.rid[5], 3);
	assert_int_equal(p->a.psid.val, 103);
	assert_int_equal(p->a.psid.len, 4);
	assert_int_equal(p->a.psid_flags, 0x40);
	/* the locator, on the local node (router ID 10.0.0.1) */
	p = find_prefix(&s, 6, "fc00:0:1::", 48);
	assert_non_null(p);
	assert_true(BGPLS_ATTR_HAS(&p->a, BGPLS_A_SRV6_LOCATOR));
	assert_memory_equal(p->n.local.rid, sys1, 6);

	/* every item through the codec */
	for (size_t i = 0; i < s.n; i++) {
		wire_wr w;
		wire_wr_init(&w);
		bgpls_nlri_encode(&s.v[i].n, &w);
		wire_rd r = wire_rd_init(w.buf, w.len);
		bgpls_nlri back;
		const uint8_t *raw;
		size_t raw_len;
		assert_int_equal(bgpls_nlri_decode(&r, &back, &raw, &raw_len, &err), 0);
		assert_int_equal(back.type, s.v[i].n.type);
		assert_int_equal(back.n_unknown, 0);
		assert_memory_equal(back.local.rid, s.v[i].n.local.rid, 6);
		assert_int_equal(back.link_has, s.v[i].n.link_has);
		wire_wr_free(&w);
		wire_wr_init(&w);
		bgpls_attr_encode(&s.v[i].a, &w);
		bgpls_attr ab;
		assert_int_equal(bgpls_attr_decode(w.buf, w.len, &ab, &err), 0);
		assert_int_equal(ab.has, s.v[i].a.has);
		assert_int_equal(ab.n_unknown, 0);
		wire_wr_free(&w);
		wire_wr_init(&w);
		const uint8_t nh[4] = { 10, 0, 0, 1 };
		assert_int_equal(bgpls_update_encode(&s.v[i].n, &s.v[i].a, nh, 4, true, 65000, &w,
						     &err), 0);
		assert_true(w.len > 19);
		wire_wr_free(&w);
	}
	lsexport_set_free(&s);
	free(text);
}

static void test_refusals(void **state)
{
	(void)state;
	lsexport_opts o;
	memset(&o, 0, sizeof o);
	lsexport_set s;
	neto_err err;
	const char *bad[] = { "", "{", "[]", "{\"ted\":{}}", "{\"ted\":{\"vertices\":{}}}",
			      "{\"ted\":{\"vertices\":[],\"edges\":1}}",
			      "{\"ted\":{\"vertices\":[]},\"ted\":{}}" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(lsexport_frr_ted(bad[i], strlen(bad[i]), &o, &s, &err), -1);
		assert_null(s.v);
	}
	/* entries without what they need are skipped, not fatal */
	const char *partial = "{\"ted\":{\"vertices\":[{\"vertex-id\":1},{\"vertex-id\":2}],"
			      "\"edges\":[{\"local-vertex-id\":1,\"remote-vertex-id\":2,"
			      "\"advertised-router\":\"0000.0000.0001\"}],"
			      "\"subnets\":[{\"vertex-id\":1,\"subnet-id\":\"10.0.0.0/33\","
			      "\"advertised-router\":\"0000.0000.0001\"}]}}";
	assert_int_equal(lsexport_frr_ted(partial, strlen(partial), &o, &s, &err), 0);
	assert_int_equal(s.n_nodes, 1);
	assert_int_equal(s.n_links, 0);	/* vertex 2's system ID is unknown */
	assert_int_equal(s.n_prefixes, 0);	/* /33 */
	assert_int_equal(s.n_skipped, 3);
	lsexport_set_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sample),
		cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
