/*
 * test_bgp_srpolicy.c - SR Policy NLRI and tunnel encapsulation: round
 * trips with SRv6 and MPLS segment lists, weights, preference and binding
 * SID; a whole UPDATE through the message codec; malformed sub-TLVs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/bgp/bgp.h"
#include "proto/bgp/srpolicy.h"

static void policy(bgp_sr_policy *p)
{
	memset(p, 0, sizeof *p);
	p->afi = BGP_AFI_IPV6;
	p->distinguisher = 7;
	p->color = 100;
	p->endpoint[0] = 0xfc;
	p->endpoint[15] = 3;
	p->has_preference = true;
	p->preference = 200;
	p->bsid_len = 16;
	p->bsid[0] = 0xfc;
	p->bsid[15] = 0xb5;
	p->n_lists = 2;
	p->lists[0].has_weight = true;
	p->lists[0].weight = 3;
	p->lists[0].n = 2;
	p->lists[0].seg[0].type = 'B';
	p->lists[0].seg[0].sid[0] = 0xfc;
	p->lists[0].seg[0].sid[5] = 2;
	p->lists[0].seg[1].type = 'B';
	p->lists[0].seg[1].sid[0] = 0xfc;
	p->lists[0].seg[1].sid[5] = 3;
	p->lists[1].has_weight = true;
	p->lists[1].weight = 1;
	p->lists[1].n = 1;
	p->lists[1].seg[0].type = 'A';
	p->lists[1].seg[0].label = 16003;
}

static void test_roundtrip(void **state)
{
	(void)state;
	bgp_sr_policy p, d;
	policy(&p);
	wire_wr w, w2;
	wire_wr_init(&w);
	wire_wr_init(&w2);
	neto_err err;
	bgp_srpolicy_encap_encode(&p, &w);
	memset(&d, 0, sizeof d);
	assert_int_equal(bgp_srpolicy_encap_decode(w.buf, w.len, &d, &err), 0);
	assert_true(d.has_preference);
	assert_int_equal(d.preference, 200);
	assert_int_equal(d.bsid_len, 16);
	assert_int_equal(d.bsid[15], 0xb5);
	assert_int_equal(d.n_lists, 2);
	assert_int_equal(d.lists[0].weight, 3);
	assert_int_equal(d.lists[0].n, 2);
	assert_int_equal(d.lists[0].seg[1].sid[5], 3);
	assert_int_equal(d.lists[1].seg[0].type, 'A');
	assert_int_equal(d.lists[1].seg[0].label, 16003);
	assert_int_equal(d.n_unknown, 0);
	bgp_srpolicy_encap_encode(&d, &w2);
	assert_int_equal(w.len, w2.len);
	assert_memory_equal(w.buf, w2.buf, w.len);
	wire_wr_free(&w);
	wire_wr_free(&w2);

	bgp_srpolicy_nlri_encode(&p, &w);
	assert_int_equal(w.len, 1 + 8 + 16);
	assert_int_equal(w.buf[0], 192);
	wire_rd r = wire_rd_init(w.buf, w.len);
	assert_int_equal(bgp_srpolicy_nlri_decode(&r, &d, &err), 0);
	assert_int_equal(d.color, 100);
	assert_int_equal(d.distinguisher, 7);
	assert_int_equal(d.endpoint[15], 3);
	wire_wr_free(&w);
	/* an IPv4 endpoint: 96 bits */
	p.afi = BGP_AFI_IPV4;
	bgp_srpolicy_nlri_encode(&p, &w);
	assert_int_equal(w.len, 13);
	assert_int_equal(w.buf[0], 96);
	w.buf[0] = 100;
	r = wire_rd_init(w.buf, w.len);
	assert_int_equal(bgp_srpolicy_nlri_decode(&r, &d, &err), -1);
	wire_wr_free(&w);
}

static void test_update(void **state)
{
	(void)state;
	bgp_sr_policy p, d;
	policy(&p);
	const uint8_t nh[4] = { 10, 0, 0, 1 };
	wire_wr w;
	wire_wr_init(&w);
	neto_err err;
	assert_int_equal(bgp_srpolicy_update_encode(&p, nh, 4, true, 65001, &w, &err), 0);
	bgp_update u;
	bgp_notif n;
	bgp_upd_opts o = { true, false };
	assert_int_equal(bgp_update_decode(w.buf, w.len, &o, &u, &n, &err), 0);
	assert_int_equal(u.reach.safi, BGP_SAFI_SR_POLICY);
	assert_int_equal(u.n_communities, 1);
	assert_int_equal(u.communities[0], 0xffffff02u);
	wire_rd r = wire_rd_init(u.reach.raw, u.reach.raw_len);
	assert_int_equal(bgp_srpolicy_nlri_decode(&r, &d, &err), 0);
	assert_int_equal(bgp_srpolicy_encap_decode(u.tunnel_encap, u.tunnel_encap_len, &d, &err), 0);
	assert_int_equal(d.lists[0].n, 2);
	bgp_update_free(&u);
	wire_wr_free(&w);
	assert_int_equal(bgp_srpolicy_withdraw_encode(&p, &w, &err), 0);
	assert_int_equal(bgp_update_decode(w.buf, w.len, &o, &u, &n, &err), 0);
	assert_true(u.unreach.present);
	assert_int_equal(u.unreach.safi, BGP_SAFI_SR_POLICY);
	bgp_update_free(&u);
	wire_wr_free(&w);
}

static void test_errors(void **state)
{
	(void)state;
	bgp_sr_policy d;
	neto_err err;
	/* preference of 5 octets */
	const uint8_t a[] = { 0, 15, 0, 7, 12, 5, 0, 0, 0, 0, 1 };
	assert_int_equal(bgp_srpolicy_encap_decode(a, sizeof a, &d, &err), -1);
	/* a segment list whose sub-TLV overruns it */
	const uint8_t b[] = { 0, 15, 0, 6, 128, 0, 3, 0, 13, 18 };
	assert_int_equal(bgp_srpolicy_encap_decode(b, sizeof b, &d, &err), -1);
	/* another tunnel type only */
	const uint8_t c[] = { 0, 8, 0, 0 };
	assert_int_equal(bgp_srpolicy_encap_decode(c, sizeof c, &d, &err), -1);
	/* an unknown sub-TLV is skipped and counted */
	const uint8_t e[] = { 0, 15, 0, 4, 99, 2, 0, 0 };
	assert_int_equal(bgp_srpolicy_encap_decode(e, sizeof e, &d, &err), 0);
	assert_int_equal(d.n_unknown, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_update),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
