/*
 * test_bgp_session.c - the BGP state machine without sockets: two sessions
 * wired back to back through their output buffers, on a fake clock. The
 * OPEN exchange, hold time and family negotiation, keepalives, hold timer
 * expiry, FSM errors, a malformed UPDATE, treat-as-withdraw, stop, automatic
 * restart and the collision rule.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/bgp/session.h"

typedef struct rec {
	int updates, withdraw_faults;
	size_t prefixes;
} rec;

static void on_update(void *ctx, bgp_session *s, const bgp_update *u, int rc)
{
	(void)s;
	rec *r = ctx;
	r->updates++;
	r->prefixes += u->n_nlri;
	if (rc == BGP_TREAT_AS_WITHDRAW)
		r->withdraw_faults++;
}

static void cfg(bgp_session_cfg *c, uint32_t las, uint32_t ras, uint32_t id, uint16_t hold)
{
	memset(c, 0, sizeof *c);
	c->local_as = las;
	c->remote_as = ras;
	c->router_id = id;
	c->hold_time = hold;
}

/* Moves queued bytes both ways until nothing moves. */
static void pump(bgp_session *a, bgp_session *b, double now)
{
	for (int i = 0; i < 10; i++) {
		bool moved = false;
		if (a->out.len > 0) {
			size_t n = a->out.len;
			uint8_t *copy = malloc(n);
			memcpy(copy, a->out.buf, n);
			bgp_session_consumed(a, n);
			bgp_session_input(b, now, copy, n);
			free(copy);
			moved = true;
		}
		if (b->out.len > 0) {
			size_t n = b->out.len;
			uint8_t *copy = malloc(n);
			memcpy(copy, b->out.buf, n);
			bgp_session_consumed(b, n);
			bgp_session_input(a, now, copy, n);
			free(copy);
			moved = true;
		}
		if (!moved)
			return;
	}
}

static void up(bgp_session *a, bgp_session *b, double now)
{
	bgp_session_start(a, now);
	bgp_session_start(b, now);
	assert_true(bgp_session_wants_connect(a));
	assert_false(bgp_session_wants_connect(b));	/* passive */
	assert_true(bgp_session_accepts(b));
	bgp_session_connected(a, now);
	bgp_session_connected(b, now);
	assert_int_equal(a->state, BGP_ST_OPENSENT);
	pump(a, b, now);
}

static void pair(bgp_session *a, bgp_session *b, uint16_t hold_a, uint16_t hold_b)
{
	bgp_session_cfg ca, cb;
	neto_err err;
	cfg(&ca, 65001, 4200000002u, 0x01010101, hold_a);
	ca.families[0] = (bgp_family){ BGP_AFI_IPV4, BGP_SAFI_UNICAST };
	ca.families[1] = (bgp_family){ BGP_AFI_LS, BGP_SAFI_LS };
	ca.n_families = 2;
	cfg(&cb, 4200000002u, 65001, 0x02020202, hold_b);
	cb.passive = true;
	cb.families[0] = (bgp_family){ BGP_AFI_LS, BGP_SAFI_LS };
	cb.families[1] = (bgp_family){ BGP_AFI_IPV6, BGP_SAFI_UNICAST };
	cb.n_families = 2;
	assert_int_equal(bgp_session_init(a, &ca, &err), 0);
	assert_int_equal(bgp_session_init(b, &cb, &err), 0);
}

static void test_establish(void **state)
{
	(void)state;
	bgp_session a, b;
	pair(&a, &b, 90, 30);
	up(&a, &b, 100);
	assert_int_equal(a.state, BGP_ST_ESTABLISHED);
	assert_int_equal(b.state, BGP_ST_ESTABLISHED);
	assert_int_equal(a.hold, 30);
	assert_int_equal(b.hold, 30);
	assert_true(a.as4);
	/* only BGP-LS was announced by both */
	assert_int_equal(a.n_nego, 1);
	assert_true(bgp_session_has_family(&a, BGP_AFI_LS, BGP_SAFI_LS));
	assert_false(bgp_session_has_family(&a, BGP_AFI_IPV4, BGP_SAFI_UNICAST));
	assert_false(bgp_session_has_family(&b, BGP_AFI_IPV6, BGP_SAFI_UNICAST));
	/* keepalives every hold/3 keep both up */
	for (double t = 100; t < 200; t += 1) {
		assert_int_equal(bgp_session_tick(&a, t), 0);
		assert_int_equal(bgp_session_tick(&b, t), 0);
		pump(&a, &b, t);
	}
	assert_int_equal(a.state, BGP_ST_ESTABLISHED);
	assert_int_equal(b.state, BGP_ST_ESTABLISHED);
	assert_true(a.stats.msgs_out > 5);
	/* b stops hearing from a: its hold timer expires at 30 s, it sends
	 * NOTIFICATION 4/0 and goes Idle */
	double t = 200;
	for (; t < 240 && b.state == BGP_ST_ESTABLISHED; t += 1)
		bgp_session_tick(&b, t);
	assert_int_equal(b.state, BGP_ST_IDLE);
	assert_true(t <= 231);
	assert_int_equal(b.sent.code, BGP_ERR_HOLD);
	bgp_session_input(&a, t, b.out.buf, b.out.len);
	bgp_session_consumed(&b, b.out.len);
	assert_int_equal(a.state, BGP_ST_IDLE);
	assert_int_equal(a.recv.code, BGP_ERR_HOLD);
	/* automatic restart after the idle hold time */
	bgp_session_tick(&a, t + 10);
	assert_int_equal(a.state, BGP_ST_CONNECT);
	bgp_session_free(&a);
	bgp_session_free(&b);
}

static void test_bad_peer_as(void **state)
{
	(void)state;
	bgp_session a, b;
	pair(&a, &b, 90, 90);
	a.cfg.remote_as = 65009;
	up(&a, &b, 1);
	assert_int_equal(a.state, BGP_ST_IDLE);
	assert_int_equal(a.sent.code, BGP_ERR_OPEN);
	assert_int_equal(a.sent.subcode, BGP_OPEN_BAD_PEER_AS);
	assert_int_equal(b.state, BGP_ST_IDLE);
	assert_int_equal(b.recv.code, BGP_ERR_OPEN);
	assert_int_equal(b.recv.subcode, BGP_OPEN_BAD_PEER_AS);
	/* the same identifier on both sides: 2/3 */
	bgp_session_free(&a);
	bgp_session_free(&b);
	pair(&a, &b, 90, 90);
	b.cfg.router_id = a.cfg.router_id;
	up(&a, &b, 1);
	assert_int_equal(b.sent.subcode, BGP_OPEN_BAD_ID);
	bgp_session_free(&a);
	bgp_session_free(&b);
}

static void test_updates(void **state)
{
	(void)state;
	bgp_session a, b;
	rec r = { 0, 0, 0 };
	pair(&a, &b, 90, 90);
	b.on_update = on_update;
	b.ctx = &r;
	/* an UPDATE before Established is refused */
	neto_err err;
	uint8_t eor[23] = { 0 };
	memset(eor, 0xff, 16);
	eor[17] = 23;
	eor[18] = BGP_UPDATE;
	assert_int_equal(bgp_session_send(&a, eor, sizeof eor, &err), -1);
	up(&a, &b, 1);
	assert_int_equal(bgp_session_send(&a, eor, sizeof eor, &err), 0);
	/* one prefix, all attributes fine */
	uint8_t good[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			   0xff, 0xff, 0xff, 0xff, 0xff, 0, 48, 2, 0, 0, 0, 20,
			   0x40, 1, 1, 0, 0x40, 2, 6, 2, 1, 0, 0, 0xfd, 0xe9,
			   0x40, 3, 4, 10, 0, 0, 1, 8, 10 };
	good[17] = sizeof good;
	assert_int_equal(bgp_session_send(&a, good, sizeof good, &err), 0);
	/* ORIGIN 5: treat-as-withdraw, the session stays */
	uint8_t taw[sizeof good];
	memcpy(taw, good, sizeof taw);
	taw[26] = 5;
	assert_int_equal(bgp_session_send(&a, taw, sizeof taw, &err), 0);
	/* the message arrives in one-octet pieces */
	uint8_t all[23 + 2 * sizeof good];
	size_t n = a.out.len;
	assert_int_equal(n, sizeof all);
	memcpy(all, a.out.buf, n);
	bgp_session_consumed(&a, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(bgp_session_input(&b, 2, all + i, 1), 0);
	assert_int_equal(r.updates, 3);
	assert_int_equal(r.prefixes, 2);
	assert_int_equal(r.withdraw_faults, 1);
	assert_int_equal(b.state, BGP_ST_ESTABLISHED);
	/* a prefix of 40 bits: session reset with 3/10 */
	uint8_t bad[sizeof good];
	memcpy(bad, good, sizeof bad);
	bad[sizeof bad - 2] = 40;
	assert_int_equal(bgp_session_input(&b, 3, bad, sizeof bad), -1);
	assert_int_equal(b.state, BGP_ST_IDLE);
	assert_int_equal(b.sent.code, BGP_ERR_UPDATE);
	assert_int_equal(b.sent.subcode, BGP_UPD_BAD_NETWORK);
	pump(&a, &b, 3);
	assert_int_equal(a.recv.subcode, BGP_UPD_BAD_NETWORK);
	assert_int_equal(a.state, BGP_ST_IDLE);
	bgp_session_free(&a);
	bgp_session_free(&b);
}

static void test_fsm_errors_and_stop(void **state)
{
	(void)state;
	bgp_session a, b;
	pair(&a, &b, 90, 90);
	bgp_session_start(&b, 0);
	bgp_session_connected(&b, 0);
	/* a KEEPALIVE in OpenSent: 5/1 (RFC 6608) */
	uint8_t ka[19];
	memset(ka, 0xff, 16);
	ka[16] = 0;
	ka[17] = 19;
	ka[18] = BGP_KEEPALIVE;
	assert_int_equal(bgp_session_input(&b, 1, ka, sizeof ka), -1);
	assert_int_equal(b.sent.code, BGP_ERR_FSM);
	assert_int_equal(b.sent.subcode, 1);
	/* a bad marker: 1/1 */
	bgp_session_free(&b);
	pair(&a, &b, 90, 90);
	bgp_session_start(&b, 0);
	bgp_session_connected(&b, 0);
	ka[0] = 0;
	assert_int_equal(bgp_session_input(&b, 1, ka, sizeof ka), -1);
	assert_int_equal(b.sent.code, BGP_ERR_HEADER);
	assert_int_equal(b.sent.subcode, BGP_HDR_NOT_SYNC);
	bgp_session_free(&a);
	bgp_session_free(&b);
	/* stop: Cease / administrative shutdown, no automatic restart */
	pair(&a, &b, 90, 90);
	up(&a, &b, 1);
	bgp_session_stop(&a, 2, BGP_CEASE_SHUTDOWN);
	pump(&a, &b, 2);
	assert_int_equal(b.recv.code, BGP_ERR_CEASE);
	assert_int_equal(b.recv.subcode, BGP_CEASE_SHUTDOWN);
	bgp_session_tick(&a, 100);
	assert_int_equal(a.state, BGP_ST_IDLE);
	bgp_session_tick(&b, 100);
	assert_int_equal(b.state, BGP_ST_ACTIVE);	/* b restarts, passively */
	/* a failed connection attempt: Active, then Connect on retry */
	bgp_session_start(&a, 100);
	bgp_session_closed(&a, 100);
	assert_int_equal(a.state, BGP_ST_ACTIVE);
	bgp_session_tick(&a, 131);
	assert_int_equal(a.state, BGP_ST_CONNECT);
	bgp_session_free(&a);
	bgp_session_free(&b);
}

static void test_collision(void **state)
{
	(void)state;
	/* RFC 4271 section 6.8: the higher identifier's connection survives */
	assert_true(bgp_collision_keep(2, 1, true));
	assert_false(bgp_collision_keep(2, 1, false));
	assert_false(bgp_collision_keep(1, 2, true));
	assert_true(bgp_collision_keep(1, 2, false));
}

/* Moves a's queued bytes to b only. */
static void deliver(bgp_session *a, bgp_session *b, double now)
{
	size_t n = a->out.len;
	uint8_t *copy = malloc(n ? n : 1);
	memcpy(copy, a->out.buf, n);
	bgp_session_consumed(a, n);
	bgp_session_input(b, now, copy, n);
	free(copy);
}

/* Two connections between X (identifier 1.1.1.1) and Y (2.2.2.2), both in
 * OpenSent: conn1 opened by X (x1, y1), conn2 opened by Y (x2, y2). The
 * collision is undecided until an OPEN arrives; then on both sides conn1,
 * the one opened by the lower identifier, loses with Cease/7 and conn2
 * reaches Established. */
static void test_collision_opensent(void **state)
{
	(void)state;
	bgp_session x1, x2, y1, y2;
	bgp_session_cfg cx, cy;
	neto_err err;
	cfg(&cx, 65001, 65002, 0x01010101, 90);
	cfg(&cy, 65002, 65001, 0x02020202, 90);
	assert_int_equal(bgp_session_init(&x1, &cx, &err), 0);
	assert_int_equal(bgp_session_init(&x2, &cx, &err), 0);
	assert_int_equal(bgp_session_init(&y1, &cy, &err), 0);
	assert_int_equal(bgp_session_init(&y2, &cy, &err), 0);
	bgp_session *all[4] = { &x1, &x2, &y1, &y2 };
	for (int i = 0; i < 4; i++) {
		bgp_session_start(all[i], 0);
		bgp_session_connected(all[i], 0);
		assert_int_equal(all[i]->state, BGP_ST_OPENSENT);
	}
	/* no identifier known yet: undecided on both sides */
	assert_int_equal(bgp_collision_loser(&x1, true, &x2), 0);
	assert_int_equal(bgp_collision_loser(&y2, true, &y1), 0);
	/* Y's OPEN arrives on conn2 at X: X knows 2.2.2.2 > 1.1.1.1, so its
	 * own connection conn1 loses */
	deliver(&y2, &x2, 1);
	assert_int_equal(x2.state, BGP_ST_OPENCONFIRM);
	assert_int_equal(bgp_collision_loser(&x1, true, &x2), 1);
	/* X's OPEN arrives on conn1 at Y: Y keeps its own conn2 */
	deliver(&x1, &y1, 1);
	assert_int_equal(y1.state, BGP_ST_OPENCONFIRM);
	assert_int_equal(bgp_collision_loser(&y2, true, &y1), 2);
	/* X closes conn1 with Cease/connection collision resolution */
	bgp_session_stop(&x1, 1, BGP_CEASE_COLLISION);
	assert_int_equal(x1.state, BGP_ST_IDLE);
	assert_int_equal(x1.sent.code, BGP_ERR_CEASE);
	assert_int_equal(x1.sent.subcode, BGP_CEASE_COLLISION);
	deliver(&x1, &y1, 1);
	assert_int_equal(y1.state, BGP_ST_IDLE);
	assert_int_equal(y1.recv.code, BGP_ERR_CEASE);
	assert_int_equal(y1.recv.subcode, BGP_CEASE_COLLISION);
	/* conn2 completes */
	pump(&x2, &y2, 1);
	assert_int_equal(x2.state, BGP_ST_ESTABLISHED);
	assert_int_equal(y2.state, BGP_ST_ESTABLISHED);
	/* an Established session always wins, whichever side it is */
	assert_int_equal(bgp_collision_loser(&x2, false, &x1), 2);
	assert_int_equal(bgp_collision_loser(&x1, true, &x2), 1);
	for (int i = 0; i < 4; i++)
		bgp_session_free(all[i]);
}

typedef struct paths {
	size_t n;
	uint32_t ids[4];
} paths;

static void on_paths(void *ctx, bgp_session *s, const bgp_update *u, int rc)
{
	(void)s;
	(void)rc;
	paths *p = ctx;
	for (size_t i = 0; i < u->n_nlri && p->n < 4; i++)
		p->ids[p->n++] = u->nlri[i].path_id;
}

/* ADD-PATH receive (RFC 7911): announced for the unicast families, taken
 * into use for those the peer can send, path identifiers then decoded. */
static void test_addpath(void **state)
{
	(void)state;
	bgp_session x;
	bgp_session_cfg c;
	neto_err err;
	cfg(&c, 65001, 65002, 0x01010101, 90);
	c.families[0] = (bgp_family){ BGP_AFI_IPV4, BGP_SAFI_UNICAST };
	c.families[1] = (bgp_family){ BGP_AFI_IPV6, BGP_SAFI_UNICAST };
	c.families[2] = (bgp_family){ BGP_AFI_LS, BGP_SAFI_LS };
	c.n_families = 3;
	c.addpath_receive = true;
	c.eor_receive = true;
	assert_int_equal(bgp_session_init(&x, &c, &err), 0);
	paths got;
	memset(&got, 0, sizeof got);
	x.on_update = on_paths;
	x.ctx = &got;
	bgp_session_start(&x, 0);
	bgp_session_connected(&x, 0);
	/* our OPEN: Receive for IPv4 and IPv6 unicast, not for BGP-LS */
	bgp_open mine;
	bgp_notif n;
	assert_int_equal(bgp_open_decode(x.out.buf, x.out.len, &mine, &n, &err), 0);
	assert_int_equal(mine.n_addpath, 2);
	assert_int_equal(bgp_open_addpath(&mine, BGP_AFI_IPV4, BGP_SAFI_UNICAST), BGP_ADDPATH_RECEIVE);
	assert_int_equal(bgp_open_addpath(&mine, BGP_AFI_IPV6, BGP_SAFI_UNICAST), BGP_ADDPATH_RECEIVE);
	/* and Graceful Restart without families: flags and time 0 (RFC 4724
	 * section 3), kept as a capability neto does not interpret */
	const uint8_t gr[] = { BGP_CAP_GRACEFUL_RESTART, 2, 0, 0 };
	assert_int_equal(mine.other_len, sizeof gr);
	assert_memory_equal(mine.other, gr, sizeof gr);
	bgp_session_consumed(&x, x.out.len);
	/* the peer sends on IPv4 only (and receives on IPv6: no use to us) */
	bgp_open o;
	bgp_open_init(&o, 65002, 90, 0x02020202);
	bgp_open_add_family(&o, BGP_AFI_IPV4, BGP_SAFI_UNICAST);
	bgp_open_add_family(&o, BGP_AFI_IPV6, BGP_SAFI_UNICAST);
	bgp_open_add_addpath(&o, BGP_AFI_IPV4, BGP_SAFI_UNICAST, BGP_ADDPATH_SEND);
	bgp_open_add_addpath(&o, BGP_AFI_IPV6, BGP_SAFI_UNICAST, BGP_ADDPATH_RECEIVE);
	wire_wr w;
	wire_wr_init(&w);
	assert_int_equal(bgp_open_encode(&o, &w, &err), 0);
	bgp_keepalive_encode(&w);
	assert_int_equal(bgp_session_input(&x, 1, w.buf, w.len), 0);
	assert_int_equal(x.state, BGP_ST_ESTABLISHED);
	assert_true(x.addpath_rx.v4);
	assert_false(x.addpath_rx.v6);
	/* two paths of one prefix */
	bgp_update u;
	bgp_update_init(&u);
	bgp_pfx pf[2];
	memset(pf, 0, sizeof pf);
	pf[0].path_id = 5;
	pf[0].len = 24;
	pf[0].addr[0] = 10;
	pf[1] = pf[0];
	pf[1].path_id = 6;
	u.seen = 1u << BGP_ATTR_ORIGIN | 1u << BGP_ATTR_NEXT_HOP;
	uint32_t seq[] = { 65002 };
	bgp_update_add_seg(&u, BGP_AS_SEQUENCE, seq, 1);
	u.next_hop = 0x0a000002;
	u.nlri = pf;
	u.n_nlri = 2;
	bgp_upd_opts uo = { true, false };
	bgp_addpath ap = { true, false };
	w.len = 0;
	assert_int_equal(bgp_update_encode_ap(&u, &uo, &ap, &w, &err), 0);
	assert_int_equal(bgp_session_input(&x, 2, w.buf, w.len), 0);
	assert_int_equal(x.state, BGP_ST_ESTABLISHED);
	assert_int_equal(got.n, 2);
	assert_int_equal(got.ids[0], 5);
	assert_int_equal(got.ids[1], 6);
	u.nlri = NULL;
	bgp_update_free(&u);
	wire_wr_free(&w);
	bgp_session_free(&x);

	/* without the setting nothing is announced or expected */
	c.addpath_receive = false;
	assert_int_equal(bgp_session_init(&x, &c, &err), 0);
	bgp_session_start(&x, 0);
	bgp_session_connected(&x, 0);
	assert_int_equal(bgp_open_decode(x.out.buf, x.out.len, &mine, &n, &err), 0);
	assert_int_equal(mine.n_addpath, 0);
	bgp_session_free(&x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_establish),
		cmocka_unit_test(test_bad_peer_as),
		cmocka_unit_test(test_updates),
		cmocka_unit_test(test_fsm_errors_and_stop),
		cmocka_unit_test(test_collision),
		cmocka_unit_test(test_collision_opensent),
		cmocka_unit_test(test_addpath),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
