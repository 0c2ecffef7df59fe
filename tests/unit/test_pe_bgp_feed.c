/*
 * test_pe_bgp_feed.c - a border router's ADD-PATH iBGP UPDATEs into the
 * peering route table (src/pe/bgp_feed.c). Each UPDATE goes over the wire
 * first: encoded with path identifiers, decoded as the session would.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/wire.h"
#include "pe/bgp_feed.h"
#include "pe/rib.h"

static const bgp_upd_opts IBGP = { .as4 = true, .ibgp = true };
static const bgp_addpath AP = { true, true };

/* Encodes u with path identifiers, decodes it and applies it. */
static int feed(pe_bgp_feed *f, pe_rib *t, const bgp_update *u)
{
	wire_wr w;
	wire_wr_init(&w);
	neto_err err;
	bgp_notif n;
	assert_int_equal(bgp_update_encode_ap(u, &IBGP, &AP, &w, &err), 0);
	bgp_update d;
	int rc = bgp_update_decode_ap(w.buf, w.len, &IBGP, &AP, &d, &n, &err);
	assert_true(rc == 0 || rc == BGP_TREAT_AS_WITHDRAW);
	int r = pe_bgp_feed_update(f, t, &d, rc, &err);
	bgp_update_free(&d);
	wire_wr_free(&w);
	return r;
}

static bgp_pfx v4(uint32_t path_id, uint8_t a, uint8_t b, uint8_t c, uint8_t len)
{
	bgp_pfx p;
	memset(&p, 0, sizeof p);
	p.path_id = path_id;
	p.len = len;
	p.addr[0] = a;
	p.addr[1] = b;
	p.addr[2] = c;
	return p;
}

/* An iBGP announcement of pfx (n of them) with NEXT_HOP nh (host order)
 * and AS path first_as 64999. */
static void announce4(pe_bgp_feed *f, pe_rib *t, bgp_pfx *pfx, size_t n, uint32_t nh,
		      uint32_t first_as)
{
	bgp_update u;
	bgp_update_init(&u);
	u.seen = 1u << BGP_ATTR_ORIGIN | 1u << BGP_ATTR_NEXT_HOP | 1u << BGP_ATTR_LOCAL_PREF;
	u.local_pref = 100;
	uint32_t path[] = { first_as, 64999 };
	bgp_update_add_seg(&u, BGP_AS_SEQUENCE, path, 2);
	u.next_hop = nh;
	u.nlri = pfx;
	u.n_nlri = n;
	assert_int_equal(feed(f, t, &u), 0);
	u.nlri = NULL;
	u.n_nlri = 0;
	bgp_update_free(&u);
}

static void withdraw4(pe_bgp_feed *f, pe_rib *t, bgp_pfx *pfx, size_t n)
{
	bgp_update u;
	bgp_update_init(&u);
	u.withdrawn = pfx;
	u.n_withdrawn = n;
	assert_int_equal(feed(f, t, &u), 0);
	u.withdrawn = NULL;
	u.n_withdrawn = 0;
	bgp_update_free(&u);
}

/* The table peers of the prefix's routes, as next hops' last octets. */
static size_t route_peers(const pe_rib *t, const bgp_pfx *p, uint8_t *last, size_t max)
{
	uint8_t a[16] = { 0 };
	memcpy(a, p->addr, 4);
	uint32_t i = pe_rib_find(t, 4, a, p->len);
	if (i == PE_NONE)
		return 0;
	pe_route r[8];
	size_t n = pe_rib_routes(t, i, r, 8);
	for (size_t k = 0; k < n && k < max; k++)
		last[k] = pe_rib_peer_get(t, r[k].peer)->addr[15];
	return n;
}

static void test_paths(void **state)
{
	(void)state;
	pe_rib *t = pe_rib_new();
	pe_bgp_feed f;
	pe_bgp_feed_init(&f, 7);
	/* one prefix from two ISPs (next hops 10.0.0.1 and .2), another from one */
	bgp_pfx a1 = v4(1, 198, 51, 100, 24), a2 = v4(2, 198, 51, 100, 24);
	bgp_pfx b1 = v4(3, 203, 0, 113, 24);
	announce4(&f, t, &a1, 1, 0x0a000001, 65001);
	announce4(&f, t, &a2, 1, 0x0a000002, 65002);
	announce4(&f, t, &b1, 1, 0x0a000001, 65001);
	assert_int_equal(pe_rib_n_routes(t), 3);
	assert_int_equal(pe_rib_n_peers(t), 2);
	const pe_rib_peer *p0 = pe_rib_peer_get(t, 0);
	assert_int_equal(p0->router, 7);
	assert_true(p0->up);
	assert_int_equal(p0->as, 65001);
	/* the peer address is the next hop, IPv4 in the last four octets */
	const uint8_t want[16] = { [12] = 10, [15] = 1 };
	assert_memory_equal(p0->addr, want, 16);
	uint8_t last[8];
	assert_int_equal(route_peers(t, &a1, last, 8), 2);
	assert_true((last[0] == 1 && last[1] == 2) || (last[0] == 2 && last[1] == 1));
	/* a route keeps the router's LOCAL_PREF (its Loc-RIB, not pre-policy) */
	uint8_t ka[16] = { 198, 51, 100 };
	pe_route r[4];
	assert_int_equal(pe_rib_routes(t, pe_rib_find(t, 4, ka, 24), r, 4), 2);
	assert_int_equal(r[0].attr->local_pref, 100);

	/* withdrawing path 1 leaves path 2's route; an unknown path is nothing */
	bgp_pfx gone[2] = { a1, v4(99, 192, 0, 2, 24) };
	withdraw4(&f, t, gone, 2);
	assert_int_equal(route_peers(t, &a1, last, 8), 1);
	assert_int_equal(last[0], 2);
	assert_int_equal(f.withdrawn, 1);
	assert_int_equal(f.live, 2);

	/* path 2 comes again with another next hop: it moves to that peer */
	announce4(&f, t, &a2, 1, 0x0a000003, 65003);
	assert_int_equal(route_peers(t, &a1, last, 8), 1);
	assert_int_equal(last[0], 3);
	assert_int_equal(pe_rib_n_routes(t), 2);

	/* the session goes: every route of router 7 leaves, the peers are down */
	assert_int_equal(pe_bgp_feed_down(&f, t), 2);
	assert_int_equal(pe_rib_n_routes(t), 0);
	for (size_t i = 0; i < pe_rib_n_peers(t); i++)
		assert_false(pe_rib_peer_get(t, (uint16_t)i)->up);
	assert_int_equal(f.live, 0);
	assert_int_equal(f.router, 7);
	pe_bgp_feed_free(&f);
	pe_rib_free(t);
}

/* Another router's routes stay when one session goes down. */
static void test_two_routers(void **state)
{
	(void)state;
	pe_rib *t = pe_rib_new();
	pe_bgp_feed f1, f2;
	pe_bgp_feed_init(&f1, 1);
	pe_bgp_feed_init(&f2, 2);
	bgp_pfx a = v4(1, 198, 51, 100, 24);
	announce4(&f1, t, &a, 1, 0x0a000001, 65001);
	announce4(&f2, t, &a, 1, 0x0a000001, 65001);	/* the same ISP address */
	assert_int_equal(pe_rib_n_peers(t), 2);
	assert_int_equal(pe_rib_n_routes(t), 2);
	assert_int_equal(pe_bgp_feed_down(&f1, t), 1);
	assert_int_equal(pe_rib_n_routes(t), 1);
	uint8_t last[4];
	assert_int_equal(route_peers(t, &a, last, 4), 1);
	pe_bgp_feed_free(&f1);
	pe_bgp_feed_free(&f2);
	pe_rib_free(t);
}

/* IPv6 over MP_REACH with a global and a link-local next hop (RFC 2545),
 * End-of-RIB for both families, and RFC 7606 treat-as-withdraw. */
static void test_v6_eor_treat(void **state)
{
	(void)state;
	pe_rib *t = pe_rib_new();
	pe_bgp_feed f;
	pe_bgp_feed_init(&f, 3);
	bgp_update u;
	bgp_update_init(&u);
	bgp_pfx p6[2];
	memset(p6, 0, sizeof p6);
	p6[0].path_id = 5;
	p6[0].len = 32;
	p6[0].addr[0] = 0x20;
	p6[0].addr[1] = 0x01;
	p6[0].addr[2] = 0x0d;
	p6[0].addr[3] = 0xb8;
	p6[1] = p6[0];
	p6[1].path_id = 6;
	u.seen = 1u << BGP_ATTR_ORIGIN | 1u << BGP_ATTR_LOCAL_PREF | 1u << BGP_ATTR_MP_REACH;
	uint32_t path[] = { 65001 };
	bgp_update_add_seg(&u, BGP_AS_SEQUENCE, path, 1);
	u.reach.present = true;
	u.reach.afi = BGP_AFI_IPV6;
	u.reach.safi = BGP_SAFI_UNICAST;
	u.reach.nh_len = 32;
	const uint8_t nh[32] = { 0xfc, 0, [15] = 9, [16] = 0xfe, 0x80, [31] = 1 };
	memcpy(u.reach.nh, nh, 32);
	u.reach.pfx = p6;
	u.reach.n_pfx = 2;
	assert_int_equal(feed(&f, t, &u), 0);
	/* both paths have one next hop: one route (documented) */
	assert_int_equal(pe_rib_n_routes(t), 1);
	assert_int_equal(f.live, 2);
	const pe_rib_peer *pp = pe_rib_peer_get(t, 0);
	assert_memory_equal(pp->addr, nh, 16);
	u.reach.pfx = NULL;
	u.reach.n_pfx = 0;
	bgp_update_free(&u);

	/* End-of-RIB: an empty UPDATE (IPv4), an empty MP_UNREACH (IPv6) */
	assert_false(f.eor4 || f.eor6);
	bgp_update_init(&u);
	assert_int_equal(feed(&f, t, &u), 0);
	assert_true(f.eor4);
	assert_false(f.eor6);
	u.seen = 1u << BGP_ATTR_MP_UNREACH;
	u.unreach.present = true;
	u.unreach.afi = BGP_AFI_IPV6;
	u.unreach.safi = BGP_SAFI_UNICAST;
	assert_int_equal(feed(&f, t, &u), 0);
	assert_true(f.eor6);
	assert_int_equal(pe_rib_n_routes(t), 1);
	bgp_update_free(&u);

	/* treat-as-withdraw: the paths the UPDATE announces are withdrawn */
	bgp_pfx a = v4(1, 198, 51, 100, 24);
	announce4(&f, t, &a, 1, 0x0a000001, 65001);
	assert_int_equal(pe_rib_n_routes(t), 2);
	bgp_update d;
	bgp_update_init(&d);
	d.nlri = &a;
	d.n_nlri = 1;
	neto_err err;
	assert_int_equal(pe_bgp_feed_update(&f, t, &d, BGP_TREAT_AS_WITHDRAW, &err), 0);
	assert_int_equal(pe_rib_n_routes(t), 1);
	d.nlri = NULL;
	d.n_nlri = 0;
	bgp_update_free(&d);

	/* an announcement without a next hop is counted, not stored */
	bgp_update_init(&d);
	d.seen = 1u << BGP_ATTR_ORIGIN;
	d.nlri = &a;
	d.n_nlri = 1;
	assert_int_equal(pe_bgp_feed_update(&f, t, &d, 0, &err), 0);
	assert_int_equal(f.no_nexthop, 1);
	assert_int_equal(pe_rib_n_routes(t), 1);
	d.nlri = NULL;
	d.n_nlri = 0;
	bgp_update_free(&d);
	pe_bgp_feed_free(&f);
	pe_rib_free(t);
}

/* Many paths: the path table grows and is rebuilt past withdrawn slots;
 * every path is found again for its withdrawal. */
static void test_many(void **state)
{
	(void)state;
	pe_rib *t = pe_rib_new();
	pe_bgp_feed f;
	pe_bgp_feed_init(&f, 1);
	enum { N = 20000 };
	static bgp_pfx p[N];
	for (int round = 0; round < 3; round++) {
		for (uint32_t i = 0; i < N; i++)
			p[i] = v4(i % 4 + 1, (uint8_t)(10 + (i >> 14)), (uint8_t)(i >> 6),
				  (uint8_t)((i & 63) << 2), 30);
		/* 200 paths of 9 octets an UPDATE, under the 4096 limit */
		for (size_t k = 0; k < N; k += 200)
			announce4(&f, t, p + k, 200, 0x0a000001 + (uint32_t)(k / 200 % 3), 65001);
		assert_int_equal(f.live, N);
		assert_int_equal(pe_rib_n_routes(t), N);
		for (size_t k = 0; k < N; k += 200)
			withdraw4(&f, t, p + k, 200);
		assert_int_equal(f.live, 0);
		assert_int_equal(pe_rib_n_routes(t), 0);
	}
	assert_true(f.cap <= 4 * (size_t)N);
	pe_bgp_feed_free(&f);
	pe_rib_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_two_routers),
		cmocka_unit_test(test_v6_eor_treat),
		cmocka_unit_test(test_many),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
