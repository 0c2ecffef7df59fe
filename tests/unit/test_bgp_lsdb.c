/*
 * test_bgp_lsdb.c - BGP-LS into a topology: a topology encoded as BGP-LS
 * UPDATEs (bgpls_from_topo, bgpls_update_encode), decoded by the message
 * codec and applied to the link-state database, comes back as the same
 * topology (names, capacities, metrics, delays, SRLGs, SIDs, locators),
 * minus the link announced one way only. Withdrawals, treat-as-withdraw,
 * a malformed attribute, session loss (stale) and expiry.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent/bgpls_db.h"
#include "agent/bgpls_topo.h"

static void make_topo(topo *t)
{
	neto_err err;
	topo_init(t);
	const char *names[] = { "amsterdam", "berlin", "chicago", "denver" };
	for (int i = 0; i < 4; i++)
		assert_int_not_equal(topo_add_node(t, names[i], strlen(names[i]), &err), TOPO_NONE);
	t->nodes[1].has_locator = true;
	t->nodes[1].locator[0] = 0xfc;
	t->nodes[1].locator[5] = 0x02;
	t->nodes[1].locator_len = 48;
	assert_int_not_equal(topo_add_link(t, "ab", 2, 0, 1, 10e6, 1500, 10, &err), TOPO_NONE);
	assert_int_not_equal(topo_add_link(t, "ba", 2, 1, 0, 10e6, 1500, 10, &err), TOPO_NONE);
	assert_int_not_equal(topo_add_link(t, "bc", 2, 1, 2, 2.5e6, 40000, 300, &err), TOPO_NONE);
	assert_int_not_equal(topo_add_link(t, "cb", 2, 2, 1, 2.5e6, 40001, 301, &err), TOPO_NONE);
	assert_int_not_equal(topo_add_link(t, "ad", 2, 0, 3, 1e6, 10, 5, &err), TOPO_NONE);
	t->links[2].srlgs = malloc(2 * sizeof(uint32_t));
	t->links[2].srlgs[0] = 17;
	t->links[2].srlgs[1] = 18;
	t->links[2].n_srlgs = 2;
	t->links[0].has_adj_sid = true;
	t->links[0].adj_sid[0] = 0xfc;
	t->links[0].adj_sid[15] = 0x41;
	t->unit = strdup("kbps");
	assert_int_equal(topo_finish(t, &err), 0);
}

/* Encodes, decodes and applies one item, as a session would. */
static void feed(bgpls_db *db, uint32_t peer, const bgpls_item *it, bool withdraw)
{
	wire_wr w;
	wire_wr_init(&w);
	neto_err err;
	const uint8_t nh[4] = { 192, 0, 2, 1 };
	if (withdraw)
		assert_int_equal(bgpls_withdraw_encode(&it->nlri, &w, &err), 0);
	else
		assert_int_equal(bgpls_update_encode(&it->nlri, &it->attr, nh, 4, true, 65000, &w,
						     &err), 0);
	bgp_update u;
	bgp_notif n;
	bgp_upd_opts o = { true, false };
	assert_int_equal(bgp_update_decode(w.buf, w.len, &o, &u, &n, &err), 0);
	assert_int_equal(bgpls_db_update(db, peer, &u, 0), 1);
	bgp_update_free(&u);
	wire_wr_free(&w);
}

static const topo_link *find_link(const topo *t, const char *src, const char *dst)
{
	for (uint32_t i = 0; i < t->n_links; i++)
		if (strcmp(t->nodes[t->links[i].src].name, src) == 0 &&
		    strcmp(t->nodes[t->links[i].dst].name, dst) == 0)
			return &t->links[i];
	return NULL;
}

static void test_roundtrip(void **state)
{
	(void)state;
	topo t, back;
	make_topo(&t);
	bgpls_item *items;
	size_t n;
	neto_err err;
	assert_int_equal(bgpls_from_topo(&t, 65000, &items, &n, &err), 0);
	assert_int_equal(n, 4 + 1 + 5);	/* nodes, one locator, links */
	bgpls_db db;
	bgpls_db_init(&db);
	for (size_t i = 0; i < n; i++)
		feed(&db, 0, &items[i], false);
	assert_int_equal(bgpls_db_count(&db), n);
	assert_int_equal(bgpls_db_topology(&db, &back, &err), 0);
	assert_int_equal(back.n_nodes, 4);
	assert_int_equal(back.n_links, 4);	/* "ad" is one-way */
	assert_int_equal(db.stats.links_one_way, 1);
	assert_string_equal(back.unit, "kbps");
	assert_string_equal(back.nodes[0].name, "amsterdam");	/* sorted */
	assert_true(back.nodes[1].has_locator);
	assert_int_equal(back.nodes[1].locator_len, 48);
	assert_int_equal(back.nodes[1].locator[5], 2);
	const topo_link *ab = find_link(&back, "amsterdam", "berlin");
	const topo_link *bc = find_link(&back, "berlin", "chicago");
	const topo_link *cb = find_link(&back, "chicago", "berlin");
	assert_non_null(ab);
	assert_non_null(bc);
	assert_non_null(cb);
	assert_null(find_link(&back, "amsterdam", "denver"));
	assert_true(ab->capacity == 10e6);
	assert_true(bc->capacity == 2.5e6);
	assert_true(bc->delay == 40000);
	assert_true(cb->delay == 40001);
	assert_int_equal(bc->igp, 300);
	assert_int_equal(cb->igp, 301);
	assert_int_equal(bc->n_srlgs, 2);
	assert_int_equal(bc->srlgs[1], 18);
	assert_true(ab->has_adj_sid);
	assert_int_equal(ab->adj_sid[15], 0x41);
	assert_false(bc->has_adj_sid);
	topo_free(&back);

	/* withdrawing berlin->chicago leaves chicago->berlin one-way */
	uint64_t gen = db.generation;
	feed(&db, 0, &items[4 + 1 + 2], true);
	assert_true(db.generation > gen);
	assert_int_equal(bgpls_db_topology(&db, &back, &err), 0);
	assert_int_equal(back.n_links, 2);
	assert_int_equal(db.stats.links_one_way, 2);
	topo_free(&back);

	/* the same link from a second peer: kept when the first goes down */
	feed(&db, 1, &items[4 + 1 + 2], false);
	bgpls_db_peer_down(&db, 0, 100);
	assert_int_equal(bgpls_db_expire(&db, 150, 60), 0);	/* stale, kept */
	assert_int_equal(bgpls_db_topology(&db, &back, &err), 0);
	assert_int_equal(back.n_links, 4);
	topo_free(&back);
	/* the peer comes back and announces chicago->berlin again: fresh */
	feed(&db, 0, &items[4 + 1 + 3], false);
	assert_int_equal(bgpls_db_expire(&db, 160, 60), n - 2);
	assert_int_equal(bgpls_db_count(&db), 2);
	/* only the two directions of berlin-chicago are left, from two
	 * peers; without node NLRI the nodes go by their IGP router IDs */
	assert_int_equal(bgpls_db_topology(&db, &back, &err), 0);
	assert_int_equal(back.n_nodes, 2);
	assert_int_equal(back.n_links, 2);
	assert_string_equal(back.nodes[0].name, "0000.0000.0002");
	assert_string_equal(back.nodes[1].name, "0000.0000.0003");
	topo_free(&back);
	/* nothing at all: no topology */
	bgpls_db_peer_down(&db, 0, 200);
	bgpls_db_peer_down(&db, 1, 200);
	assert_int_equal(bgpls_db_expire(&db, 300, 60), 2);
	err.msg[0] = '\0';
	assert_int_equal(bgpls_db_topology(&db, &back, &err), -1);
	assert_true(err.msg[0] != '\0');
	bgpls_db_free(&db);
	free(items);
	topo_free(&t);
}

/* SRv6 SID NLRI (RFC 9514 section 6) are kept per node: they come back
 * through bgpls_db_node_sids, from any session, and leave the topology as
 * it was. */
static void test_node_sids(void **state)
{
	(void)state;
	topo t, back;
	make_topo(&t);
	bgpls_item *items;
	size_t n;
	neto_err err;
	assert_int_equal(bgpls_from_topo(&t, 65000, &items, &n, &err), 0);
	bgpls_db db;
	bgpls_db_init(&db);
	for (size_t i = 0; i < n; i++)
		feed(&db, 0, &items[i], false);
	/* berlin (the second node) gets End (PSP) and End.DT4 SIDs; the
	 * second from another session */
	bgpls_item sid[2];
	for (int k = 0; k < 2; k++) {
		memset(&sid[k], 0, sizeof sid[k]);
		sid[k].nlri.type = BGPLS_NLRI_SRV6_SID;
		sid[k].nlri.proto = BGPLS_PROTO_ISIS_L2;
		sid[k].nlri.local = items[1].nlri.local;
		sid[k].nlri.link_has = BGPLS_SD_SRV6_SID;
		sid[k].nlri.srv6_sid[0] = 0xfc;
		sid[k].nlri.srv6_sid[5] = 2;
		sid[k].nlri.srv6_sid[7] = (uint8_t)(0x40 + k);
		sid[k].attr.has = 1u << BGPLS_A_SRV6_ENDPOINT | 1u << BGPLS_A_SRV6_SID_STRUCT;
		sid[k].attr.srv6_behavior = k == 0 ? 2 : 0x13;
		sid[k].attr.srv6_lb_len = 32;
		sid[k].attr.srv6_ln_len = 16;
		sid[k].attr.srv6_fun_len = 16;
	}
	assert_int_equal(items[1].nlri.type, BGPLS_NLRI_NODE);
	topo before;
	assert_int_equal(bgpls_db_topology(&db, &before, &err), 0);
	feed(&db, 0, &sid[0], false);
	feed(&db, 1, &sid[1], false);
	assert_int_equal(bgpls_db_count(&db), n + 2);
	const bgpls_entry *e[4];
	assert_int_equal(bgpls_db_node_sids(&db, &items[1].nlri.local, e, 4), 2);
	assert_int_equal(e[0]->nlri.srv6_sid[7], 0x40);
	assert_int_equal(e[0]->attr.srv6_behavior, 2);
	assert_int_equal(e[1]->peer, 1);
	assert_int_equal(e[1]->attr.srv6_behavior, 0x13);
	assert_int_equal(e[1]->attr.srv6_fun_len, 16);
	/* the count is complete even when out is short */
	assert_int_equal(bgpls_db_node_sids(&db, &items[1].nlri.local, e, 1), 2);
	/* another node has none */
	assert_int_equal(bgpls_db_node_sids(&db, &items[0].nlri.local, e, 4), 0);
	/* the topology does not change */
	assert_int_equal(bgpls_db_topology(&db, &back, &err), 0);
	assert_int_equal(back.n_nodes, before.n_nodes);
	assert_int_equal(back.n_links, before.n_links);
	topo_free(&back);
	topo_free(&before);
	/* a withdrawal removes one SID */
	feed(&db, 0, &sid[0], true);
	assert_int_equal(bgpls_db_node_sids(&db, &items[1].nlri.local, e, 4), 1);
	assert_int_equal(e[0]->peer, 1);
	bgpls_db_free(&db);
	free(items);
	topo_free(&t);
}

static void test_faults(void **state)
{
	(void)state;
	topo t;
	make_topo(&t);
	bgpls_item *items;
	size_t n;
	neto_err err;
	assert_int_equal(bgpls_from_topo(&t, 65000, &items, &n, &err), 0);
	bgpls_db db;
	bgpls_db_init(&db);
	feed(&db, 0, &items[5], false);
	assert_int_equal(bgpls_db_count(&db), 1);
	/* the same NLRI in an UPDATE that was treat-as-withdraw: removed */
	wire_wr w;
	wire_wr_init(&w);
	const uint8_t nh[4] = { 192, 0, 2, 1 };
	assert_int_equal(bgpls_update_encode(&items[5].nlri, &items[5].attr, nh, 4, true, 65000,
					     &w, &err), 0);
	bgp_update u;
	bgp_notif nt;
	bgp_upd_opts o = { true, false };
	assert_int_equal(bgp_update_decode(w.buf, w.len, &o, &u, &nt, &err), 0);
	assert_int_equal(bgpls_db_update(&db, 0, &u, BGP_TREAT_AS_WITHDRAW), 1);
	assert_int_equal(bgpls_db_count(&db), 0);
	/* a malformed BGP-LS attribute is discarded, the NLRI kept */
	uint8_t bad[] = { 0x04, 0x41, 0, 3, 1, 2, 3 };
	u.ls_attr = bad;
	u.ls_attr_len = sizeof bad;
	assert_int_equal(bgpls_db_update(&db, 0, &u, 0), 1);
	assert_int_equal(db.stats.attr_discarded, 1);
	assert_int_equal(bgpls_db_count(&db), 1);
	assert_false(db.e[0].has_attr);
	/* other families are not ours */
	u.reach.afi = BGP_AFI_IPV4;
	assert_int_equal(bgpls_db_update(&db, 0, &u, 0), 0);
	bgp_update_free(&u);
	wire_wr_free(&w);
	/* an unknown unit is refused */
	free(t.unit);
	t.unit = strdup("furlongs");
	free(items);
	assert_int_equal(bgpls_from_topo(&t, 65000, &items, &n, &err), -1);
	bgpls_db_free(&db);
	topo_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_node_sids),
		cmocka_unit_test(test_faults),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
