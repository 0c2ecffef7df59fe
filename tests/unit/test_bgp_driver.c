/*
 * test_bgp_driver.c - the BGP SR Policy driver between two speakers of this
 * process over loopback: a task becomes an SR Policy UPDATE the other side
 * decodes (color, endpoint, segment lists, weights), status follows the
 * session (pending, done, pending when it drops), remove withdraws it, and
 * bad tasks or unknown routers are refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/bgp_peer.h"
#include "agent/driver_bgp.h"
#include "proto/bgp/srpolicy.h"

typedef struct rx {
	int reach, unreach;
	bgp_sr_policy last;
} rx;

static void on_update(void *ctx, bgp_peer *p, const bgp_update *u, int rc)
{
	(void)p;
	(void)rc;
	rx *r = ctx;
	neto_err err;
	if (u->reach.present && u->reach.safi == BGP_SAFI_SR_POLICY) {
		wire_rd rd = wire_rd_init(u->reach.raw, u->reach.raw_len);
		assert_int_equal(bgp_srpolicy_nlri_decode(&rd, &r->last, &err), 0);
		assert_int_equal(bgp_srpolicy_encap_decode(u->tunnel_encap, u->tunnel_encap_len,
							   &r->last, &err), 0);
		r->reach++;
	}
	if (u->unreach.present && u->unreach.safi == BGP_SAFI_SR_POLICY)
		r->unreach++;
}

static const char task[] =
	"{\"src\":\"A\",\"dst\":\"B\",\"class\":\"gold\",\"priority\":0,\"paths\":["
	"{\"links\":[\"A-C\",\"C-B\"],\"segments\":[\"fc00:0:3::\",\"fc00:0:2::\"],\"rate\":3,"
	"\"weight\":0.75},"
	"{\"links\":[\"A-B\"],\"segments\":[\"fc00:0:2::\"],\"rate\":1,\"weight\":0.25}]}";

static void pump(bgp_speaker *a, bgp_speaker *b, agent_driver *d, int rounds)
{
	neto_err err;
	for (int i = 0; i < rounds; i++) {
		bgp_speaker_poll(a, 5, &err);
		bgp_speaker_poll(b, 5, &err);
		d->refresh(d->ctx, "*", 0, &err);
	}
}

static void test_driver(void **state)
{
	(void)state;
	uint16_t port = (uint16_t)(20000 + getpid() % 20000);
	bgp_peer_cfg ca, cb;
	memset(&ca, 0, sizeof ca);
	memset(&cb, 0, sizeof cb);
	/* the head-end "r1" listens; the driver's speaker connects */
	strcpy(ca.name, "r1");
	strcpy(ca.address, "127.0.0.1");
	ca.port = port;
	ca.s = (bgp_session_cfg){ .local_as = 65001, .remote_as = 65002, .router_id = 0x01010101,
				  .hold_time = 30, .n_families = 1,
				  .families = { { BGP_AFI_IPV4, BGP_SAFI_SR_POLICY } } };
	strcpy(cb.name, "controller");
	strcpy(cb.address, "127.0.0.1");
	cb.s = (bgp_session_cfg){ .local_as = 65002, .remote_as = 65001, .router_id = 0x02020202,
				  .hold_time = 30, .passive = true, .n_families = 1,
				  .families = { { BGP_AFI_IPV4, BGP_SAFI_SR_POLICY } } };
	bgp_speaker a, b;
	neto_err err;
	assert_int_equal(bgp_speaker_init(&a, &ca, 1, NULL, 0, &err), 0);
	if (bgp_speaker_init(&b, &cb, 1, "127.0.0.1", port, &err) != 0) {
		bgp_speaker_free(&a);
		skip();	/* the port is taken */
	}
	rx r;
	memset(&r, 0, sizeof r);
	b.on_update = on_update;
	b.ctx = &r;
	agent_driver d;
	driver_bgp_init(&d, &a);
	assert_int_equal(driver_bgp_set_endpoint(&d, "B", "192.0.2.2", &err), 0);
	assert_int_equal(driver_bgp_set_endpoint(&d, "X", "nowhere", &err), -1);
	/* refused: an unknown router, a task without paths, a bad segment */
	assert_int_equal(d.apply(d.ctx, "r9", "B/gold", task, 0, &err), -1);
	assert_int_equal(d.apply(d.ctx, "r1", "B/gold", "{\"dst\":\"B\",\"class\":\"gold\"}", 0,
				 &err), -1);
	assert_int_equal(d.apply(d.ctx, "r1", "B/gold",
				 "{\"dst\":\"B\",\"class\":\"gold\",\"paths\":[{\"segments\":[\"x\"]}]}",
				 0, &err), -1);
	/* before the session: pending */
	assert_int_equal(d.apply(d.ctx, "r1", "B/gold", task, 0, &err), 0);
	driver_status st;
	char *rb = NULL;
	assert_int_equal(d.status(d.ctx, "r1", "B/gold", task, 0, &st, &rb, &err), 0);
	assert_int_equal(st, DRIVER_PENDING);
	bgp_speaker_start(&a);
	bgp_speaker_start(&b);
	for (int i = 0; i < 400 && r.reach == 0; i++)
		pump(&a, &b, &d, 1);
	assert_int_equal(r.reach, 1);
	assert_int_equal(r.last.afi, BGP_AFI_IPV4);
	assert_int_equal(r.last.endpoint[3], 2);
	assert_int_equal(r.last.n_lists, 2);
	assert_int_equal(r.last.lists[0].weight, 750);
	assert_int_equal(r.last.lists[1].weight, 250);
	assert_int_equal(r.last.lists[0].n, 2);
	assert_int_equal(r.last.lists[0].seg[0].sid[5], 3);
	assert_int_equal(r.last.preference, 100);
	assert_int_equal(d.status(d.ctx, "r1", "B/gold", task, 0, &st, &rb, &err), 0);
	assert_int_equal(st, DRIVER_DONE);
	assert_non_null(rb);
	free(rb);
	/* the same task again sends nothing */
	assert_int_equal(d.apply(d.ctx, "r1", "B/gold", task, 0, &err), 0);
	pump(&a, &b, &d, 20);
	assert_int_equal(r.reach, 1);
	/* remove: withdrawn, and done as removed */
	assert_int_equal(d.remove(d.ctx, "r1", "B/gold", 0, &err), 0);
	for (int i = 0; i < 200 && r.unreach == 0; i++)
		pump(&a, &b, &d, 1);
	assert_int_equal(r.unreach, 1);
	assert_int_equal(d.status(d.ctx, "r1", "B/gold", NULL, 0, &st, &rb, &err), 0);
	assert_int_equal(st, DRIVER_DONE);
	/* applied again, then the head-end goes away: pending */
	assert_int_equal(d.apply(d.ctx, "r1", "B/gold", task, 0, &err), 0);
	for (int i = 0; i < 200 && r.reach < 2; i++)
		pump(&a, &b, &d, 1);
	assert_int_equal(r.reach, 2);
	bgp_speaker_stop(&b);
	for (int i = 0; i < 100 && a.peers[0].s.state == BGP_ST_ESTABLISHED; i++)
		pump(&a, &b, &d, 1);
	assert_int_equal(d.status(d.ctx, "r1", "B/gold", task, 0, &st, &rb, &err), 0);
	assert_int_equal(st, DRIVER_PENDING);
	assert_int_equal(a.peers[0].s.recv.code, BGP_ERR_CEASE);
	d.close(d.ctx);
	bgp_speaker_free(&a);
	bgp_speaker_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_driver),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
