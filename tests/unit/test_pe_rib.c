/*
 * test_pe_rib.c - the peering route table: BMP Route Monitoring announces
 * and withdraws per (prefix, router, peer), Peer Down removes exactly that
 * peer's routes, attribute sets are shared and freed with their last route,
 * BGP best-path orders routes as RFC 4271 section 9.1 says, and a random
 * sequence of operations leaves the same table as a naive reference model.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pe/rib.h"
#include "testutil.h"

static void hdr(bmp_peer_hdr *p, uint8_t last, uint32_t as)
{
	memset(p, 0, sizeof *p);
	p->addr[12] = 192;
	p->addr[13] = 0;
	p->addr[14] = 2;
	p->addr[15] = last;
	p->as = as;
	p->bgp_id = 0x0a000000u | last;
}

/* A Route Monitoring message through the encoder and decoder, as a
 * collector would see it. */
static void feed_update(pe_rib *t, uint32_t router, const bmp_peer_hdr *ph, bgp_update *u)
{
	bmp_msg m, d;
	bmp_msg_init(&m, BMP_ROUTE_MONITORING);
	m.peer = *ph;
	m.update = *u;
	wire_wr w;
	wire_wr_init(&w);
	neto_err err;
	assert_int_equal(bmp_encode(&m, &w, &err), 0);
	assert_int_equal(bmp_decode(w.buf, w.len, &d, &err), 0);
	assert_int_equal(pe_rib_apply(t, router, &d, &err), 0);
	bmp_msg_free(&d);
	wire_wr_free(&w);
	bgp_update_free(u);
}

static void upd(bgp_update *u, const uint32_t *path, uint8_t n, uint32_t med, uint32_t nh)
{
	bgp_update_init(u);
	u->seen = 1u << BGP_ATTR_ORIGIN | 1u << BGP_ATTR_AS_PATH | 1u << BGP_ATTR_NEXT_HOP |
		  1u << BGP_ATTR_MED;
	bgp_update_add_seg(u, BGP_AS_SEQUENCE, path, n);
	u->next_hop = nh;
	u->med = med;
}

static void add_nlri(bgp_update *u, uint8_t a, uint8_t b, uint8_t c, uint8_t len)
{
	u->nlri = realloc(u->nlri, (u->n_nlri + 1) * sizeof *u->nlri);
	memset(&u->nlri[u->n_nlri], 0, sizeof *u->nlri);
	u->nlri[u->n_nlri].len = len;
	u->nlri[u->n_nlri].addr[0] = a;
	u->nlri[u->n_nlri].addr[1] = b;
	u->nlri[u->n_nlri].addr[2] = c;
	u->n_nlri++;
}

static void test_bmp_feed(void **state)
{
	(void)state;
	pe_rib *t = pe_rib_new();
	bmp_peer_hdr a, b;
	hdr(&a, 1, 64501);
	hdr(&b, 2, 64502);
	bgp_update u;
	const uint32_t pa[] = { 64501, 15169 }, pb[] = { 64502, 3356, 15169 };
	upd(&u, pa, 2, 10, 0xc0000201);
	add_nlri(&u, 198, 51, 100, 24);
	add_nlri(&u, 203, 0, 113, 24);
	u.communities = malloc(sizeof *u.communities);
	u.communities[0] = 64501u << 16 | 7;
	u.n_communities = 1;
	u.seen |= 1u << BGP_ATTR_COMMUNITIES;
	feed_update(t, 1, &a, &u);
	upd(&u, pb, 3, 0, 0xc0000202);
	add_nlri(&u, 198, 51, 100, 24);
	feed_update(t, 1, &b, &u);
	/* the same peer address seen from another border router is another peer */
	upd(&u, pb, 3, 0, 0xc0000203);
	add_nlri(&u, 198, 51, 100, 24);
	feed_update(t, 2, &b, &u);
	assert_int_equal(pe_rib_n_prefixes(t), 2);
	assert_int_equal(pe_rib_n_routes(t), 4);
	assert_int_equal(pe_rib_n_peers(t), 3);
	/* peer a's two prefixes share one attribute set */
	assert_int_equal(pe_rib_n_attrs(t), 3);

	const uint8_t p1[4] = { 198, 51, 100, 0 };
	uint32_t i = pe_rib_find(t, 4, p1, 24);
	assert_int_not_equal(i, PE_NONE);
	pe_route r[8];
	assert_int_equal(pe_rib_routes(t, i, r, 8), 3);
	const pe_route *best = &r[0];
	for (int k = 1; k < 3; k++)
		if (pe_route_cmp(t, &r[k], best) < 0)
			best = &r[k];
	/* shorter AS path wins */
	assert_int_equal(pe_rib_peer_get(t, best->peer)->as, 64501);
	assert_int_equal(best->attr->path_len, 2);
	assert_int_equal(best->attr->med, 10);
	assert_int_equal(best->attr->n_comm, 1);
	assert_int_equal(pe_attr_comms(best->attr)[0], 64501u << 16 | 7);
	assert_int_equal(best->attr->nh_len, 4);
	assert_int_equal(best->attr->nh[3], 1);
	/* a host-bit-laden key finds the same prefix */
	const uint8_t p1x[4] = { 198, 51, 100, 77 };
	assert_int_equal(pe_rib_find(t, 4, p1x, 24), i);

	/* implicit withdraw: a new path from a replaces the old one */
	upd(&u, pb, 3, 0, 0xc0000201);
	add_nlri(&u, 198, 51, 100, 24);
	feed_update(t, 1, &a, &u);
	assert_int_equal(pe_rib_n_routes(t), 4);
	/* explicit withdraw */
	bgp_update_init(&u);
	u.withdrawn = calloc(1, sizeof *u.withdrawn);
	u.withdrawn[0].len = 24;
	u.withdrawn[0].addr[0] = 203;
	u.withdrawn[0].addr[2] = 113;
	u.n_withdrawn = 1;
	feed_update(t, 1, &a, &u);
	assert_int_equal(pe_rib_n_routes(t), 3);

	/* Peer Down of (router 1, b) removes its route and nothing else */
	bmp_msg m;
	bmp_msg_init(&m, BMP_PEER_DOWN);
	m.peer = b;
	m.down_reason = BMP_DOWN_REMOTE_NODATA;
	neto_err err;
	assert_int_equal(pe_rib_apply(t, 1, &m, &err), 0);
	assert_int_equal(pe_rib_n_routes(t), 2);
	assert_int_equal(pe_rib_routes(t, i, r, 8), 2);
	for (int k = 0; k < 2; k++)
		assert_true(pe_rib_peer_get(t, r[k].peer)->router == 2 ||
			    pe_rib_peer_get(t, r[k].peer)->addr[15] == 1);
	/* post-policy monitoring is ignored */
	upd(&u, pa, 2, 0, 0xc0000201);
	add_nlri(&u, 10, 0, 0, 8);
	a.flags |= BMP_FLAG_L;
	feed_update(t, 1, &a, &u);
	assert_int_equal(pe_rib_n_routes(t), 2);
	assert_true(pe_rib_bytes(t) > 0);
	pe_rib_free(t);
}

static void test_best_path(void **state)
{
	(void)state;
	pe_rib *t = pe_rib_new();
	bmp_peer_hdr h1, h2;
	hdr(&h1, 1, 64501);
	hdr(&h2, 2, 64501);
	uint16_t id1, id2;
	neto_err err;
	assert_int_equal(pe_rib_peer_id(t, 1, &h1, &id1, &err), 0);
	assert_int_equal(pe_rib_peer_id(t, 1, &h2, &id2, &err), 0);
	const uint8_t p[4] = { 10, 0, 0, 0 };
	bgp_update u;
	const uint32_t s2[] = { 64501, 1 }, s3[] = { 64501, 2, 1 };
	/* 1: LOCAL_PREF beats a shorter path */
	upd(&u, s3, 3, 0, 1);
	u.seen |= 1u << BGP_ATTR_LOCAL_PREF;
	u.local_pref = 200;
	pe_rib_announce(t, id1, 4, p, 8, &u);
	bgp_update_free(&u);
	upd(&u, s2, 2, 0, 1);
	pe_rib_announce(t, id2, 4, p, 8, &u);
	bgp_update_free(&u);
	pe_route r[2];
	uint32_t i = pe_rib_find(t, 4, p, 8);
	assert_int_equal(pe_rib_routes(t, i, r, 2), 2);
	int c = pe_route_cmp(t, &r[0], &r[1]);
	assert_true(r[0].peer == id1 ? c < 0 : c > 0);
	/* 2: same neighbour AS, same length: lower MED wins */
	upd(&u, s2, 2, 30, 1);
	pe_rib_announce(t, id1, 4, p, 8, &u);
	bgp_update_free(&u);
	upd(&u, s2, 2, 20, 1);
	pe_rib_announce(t, id2, 4, p, 8, &u);
	bgp_update_free(&u);
	assert_int_equal(pe_rib_routes(t, i, r, 2), 2);
	c = pe_route_cmp(t, &r[0], &r[1]);
	assert_true(r[0].peer == id2 ? c < 0 : c > 0);
	/* 3: an AS_SET counts one */
	upd(&u, s2, 1, 20, 1);
	const uint32_t set[] = { 5, 6, 7 };
	bgp_update_add_seg(&u, BGP_AS_SET, set, 3);
	pe_rib_announce(t, id1, 4, p, 8, &u);
	bgp_update_free(&u);
	assert_int_equal(pe_rib_routes(t, i, r, 2), 2);
	const pe_route *x = r[0].peer == id1 ? &r[0] : &r[1];
	assert_int_equal(x->attr->path_len, 2);
	assert_int_equal(x->attr->n_asns, 4);
	assert_int_equal(x->attr->n_segs, 2);
	/* 4: all equal but the peer: the lower BGP identifier wins */
	upd(&u, s2, 2, 20, 1);
	pe_rib_announce(t, id1, 4, p, 8, &u);
	bgp_update_free(&u);
	assert_int_equal(pe_rib_n_attrs(t), 1);
	assert_int_equal(pe_rib_routes(t, i, r, 2), 2);
	c = pe_route_cmp(t, &r[0], &r[1]);
	assert_true(r[0].peer == id1 ? c < 0 : c > 0);
	pe_rib_free(t);
}

/* Random announce / withdraw / peer-down against a dense reference array. */
#define NP 200
#define NPEER 5
static void test_random_vs_reference(void **state)
{
	(void)state;
	uint64_t seed = 42;
	pe_rib *t = pe_rib_new();
	uint16_t ids[NPEER];
	neto_err err;
	for (int k = 0; k < NPEER; k++) {
		bmp_peer_hdr h;
		hdr(&h, (uint8_t)(k + 1), 64500u + (uint32_t)k);
		assert_int_equal(pe_rib_peer_id(t, (uint32_t)k % 2, &h, &ids[k], &err), 0);
	}
	static uint32_t ref[NP][NPEER];	/* 0: no route, else the MED + 1 */
	memset(ref, 0, sizeof ref);
	for (int step = 0; step < 20000; step++) {
		unsigned pi = (unsigned)(tu_rand(&seed) % NP);
		unsigned k = (unsigned)(tu_rand(&seed) % NPEER);
		uint8_t addr[16] = { 0 };
		int fam = pi % 3 == 0 ? 6 : 4;
		addr[0] = (uint8_t)(pi >> 8 | 0x20);
		addr[1] = (uint8_t)pi;
		uint8_t len = fam == 4 ? 16 : 32;
		unsigned op = (unsigned)(tu_rand(&seed) % 100);
		if (op < 60) {
			bgp_update u;
			const uint32_t path[] = { 64500u + k, 1 + (uint32_t)(pi % 7) };
			uint32_t med = (uint32_t)(tu_rand(&seed) % 4);
			upd(&u, path, 2, med, 1);
			pe_rib_announce(t, ids[k], fam, addr, len, &u);
			bgp_update_free(&u);
			ref[pi][k] = med + 1;
		} else if (op < 99) {
			bool had = pe_rib_withdraw(t, ids[k], fam, addr, len);
			assert_int_equal(had, ref[pi][k] != 0);
			ref[pi][k] = 0;
		} else {
			size_t n = pe_rib_peer_down(t, ids[k]), want = 0;
			for (int q = 0; q < NP; q++) {
				want += ref[q][k] != 0;
				ref[q][k] = 0;
			}
			assert_int_equal(n, want);
		}
	}
	size_t total = 0;
	for (unsigned pi = 0; pi < NP; pi++) {
		uint8_t addr[16] = { 0 };
		int fam = pi % 3 == 0 ? 6 : 4;
		addr[0] = (uint8_t)(pi >> 8 | 0x20);
		addr[1] = (uint8_t)pi;
		uint32_t i = pe_rib_find(t, fam, addr, fam == 4 ? 16 : 32);
		pe_route r[NPEER];
		size_t n = i == PE_NONE ? 0 : pe_rib_routes(t, i, r, NPEER);
		size_t want = 0;
		for (int k = 0; k < NPEER; k++)
			want += ref[pi][k] != 0;
		assert_int_equal(n, want);
		for (size_t j = 0; j < n; j++) {
			int k = 0;
			while (ids[k] != r[j].peer)
				k++;
			assert_int_equal(r[j].attr->med + 1, ref[pi][k]);
		}
		total += n;
	}
	assert_int_equal(pe_rib_n_routes(t), total);
	/* every attribute set still referenced is one a route uses */
	assert_true(pe_rib_n_attrs(t) <= total);
	for (uint16_t k = 0; k < NPEER; k++)
		(void)pe_rib_peer_down(t, ids[k]);
	assert_int_equal(pe_rib_n_routes(t), 0);
	assert_int_equal(pe_rib_n_attrs(t), 0);
	pe_rib_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bmp_feed),
		cmocka_unit_test(test_best_path),
		cmocka_unit_test(test_random_vs_reference),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
