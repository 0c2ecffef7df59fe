/*
 * test_pcep_session.c - the PCEP session state machine on a fake clock
 * (two sessions wired back to back in memory), and the PCE with its LSP
 * database against neto's PCC over loopback TCP: Open negotiation,
 * keepalives, the dead timer, errors answered with PCErr and Close, state
 * synchronisation, PCInitiate/PCUpd/removal confirmed by PCRpts carrying
 * their SRP-IDs, refusals by PCErr, a second session refused, a lost
 * session noticed and the LSPs found again after reconnecting.
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

#include "agent/pce.h"
#include "proto/pcep/pcc.h"
#include "proto/pcep/session.h"

/* ---- in-memory wiring -------------------------------------------------------- */

static void pump(pcep_session *from, pcep_session *to, int64_t now)
{
	size_t len;
	const uint8_t *b = pcep_session_output(from, &len);
	if (len == 0)
		return;
	uint8_t *copy = malloc(len);
	memcpy(copy, b, len);
	pcep_session_sent(from, len);
	pcep_session_input(to, copy, len, now);
	free(copy);
}

static void exchange(pcep_session *a, pcep_session *b, int64_t now)
{
	for (int i = 0; i < 4; i++) {
		pump(a, b, now);
		pump(b, a, now);
	}
}

static void test_open_and_timers(void **state)
{
	(void)state;
	pcep_session_cfg ce, cc;
	pcep_session_cfg_default(&ce, false);
	pcep_session_cfg_default(&cc, true);
	ce.keepalive = 10;
	ce.deadtimer = 40;
	cc.keepalive = 30;
	cc.deadtimer = 120;
	pcep_session se, sc;
	pcep_session_init(&se, &ce);
	pcep_session_init(&sc, &cc);
	pcep_session_start(&se, 0);
	pcep_session_start(&sc, 0);
	assert_int_equal(se.state, PCEP_ST_OPENWAIT);
	exchange(&se, &sc, 5);
	assert_int_equal(se.state, PCEP_ST_UP);
	assert_int_equal(sc.state, PCEP_ST_UP);
	/* each side learnt the other's timers and capabilities */
	assert_int_equal(se.peer_keepalive, 30);
	assert_int_equal(se.peer_deadtimer, 120);
	assert_int_equal(sc.peer_deadtimer, 40);
	assert_true(se.peer_caps.stateful_flags & PCEP_STATEFUL_I);
	assert_true(se.peer_caps.has_sr_cap);
	/* the PCE keeps alive every 10 s */
	size_t len;
	pcep_session_tick(&se, 9000);
	pcep_session_output(&se, &len);
	assert_int_equal(len, 0);
	assert_int_equal(pcep_session_deadline(&se), 10005);
	pcep_session_tick(&se, 10005);
	const uint8_t *b = pcep_session_output(&se, &len);
	assert_int_equal(len, 4);
	assert_int_equal(b[1], PCEP_MSG_KEEPALIVE);
	pump(&se, &sc, 10005);
	/* the PCC stops talking: after its 120 s DeadTimer, Close reason 2 */
	pcep_session_tick(&se, 5 + 119000);
	assert_int_equal(se.state, PCEP_ST_UP);
	for (int64_t t = 20000; t < 125005; t += 10000)
		pcep_session_tick(&se, t);
	pcep_session_tick(&se, 125005);
	assert_int_equal(se.state, PCEP_ST_CLOSED);
	assert_int_equal(se.close_reason, PCEP_CLOSE_DEADTIMER);
	pcep_session_sent(&se, 0);
	pump(&se, &sc, 125005);
	assert_int_equal(sc.state, PCEP_ST_CLOSED);
	assert_true(sc.close_by_peer);
	assert_int_equal(sc.close_reason, PCEP_CLOSE_DEADTIMER);
	pcep_session_free(&se);
	pcep_session_free(&sc);
}

/* A peer asking for keepalives every 0 s with a DeadTimer: unacceptable
 * but negotiable (PCErr 1/4 with our Open); it adopts ours and comes up. */
static void test_negotiation(void **state)
{
	(void)state;
	pcep_session_cfg ce, cc;
	pcep_session_cfg_default(&ce, false);
	pcep_session_cfg_default(&cc, true);
	ce.min_keepalive = 5;
	cc.keepalive = 1;
	cc.deadtimer = 4;
	pcep_session se, sc;
	pcep_session_init(&se, &ce);
	pcep_session_init(&sc, &cc);
	pcep_session_start(&se, 0);
	pcep_session_start(&sc, 0);
	exchange(&se, &sc, 1);
	assert_int_equal(se.state, PCEP_ST_UP);
	assert_int_equal(sc.state, PCEP_ST_UP);
	assert_true(se.second_open);
	assert_int_equal(se.peer_keepalive, 30);	/* the PCE's proposal */
	assert_int_equal(se.n_errors_sent, 1);
	pcep_session_free(&se);
	pcep_session_free(&sc);

	/* a PCC that will not change: PCErr 1/5 and Close */
	pcep_session_init(&se, &ce);
	pcep_session_start(&se, 0);
	const uint8_t bad_open[] = { 0x20, 1, 0, 12, 1, 0x10, 0, 8, 0x20, 1, 4, 1 };
	pcep_session_input(&se, bad_open, sizeof bad_open, 1);
	assert_int_equal(se.state, PCEP_ST_OPENWAIT);
	assert_int_equal(pcep_session_input(&se, bad_open, sizeof bad_open, 2), -1);
	assert_int_equal(se.state, PCEP_ST_CLOSED);
	pcep_session_free(&se);
}

static void last_error(pcep_session *s, uint8_t *type, uint8_t *value, bool *closed)
{
	size_t len;
	const uint8_t *b = pcep_session_output(s, &len);
	*type = *value = 0;
	*closed = false;
	size_t off = 0;
	while (off + 4 <= len) {
		size_t ml = (size_t)b[off + 2] << 8 | b[off + 3];
		pcep_msg m;
		pcep_perr pe;
		neto_err err;
		assert_int_equal(pcep_decode(b + off, ml, &m, &pe, &err), 0);
		if (m.type == PCEP_MSG_PCERR) {
			*type = m.err[0].type;
			*value = m.err[0].value;
		}
		if (m.type == PCEP_MSG_CLOSE)
			*closed = true;
		pcep_msg_free(&m);
		off += ml;
	}
	pcep_session_sent(s, len);
}

static void test_errors(void **state)
{
	(void)state;
	pcep_session_cfg c;
	pcep_session_cfg_default(&c, false);
	pcep_session s;
	uint8_t t, v;
	bool closed;
	/* a PCRpt before the session is up: PCErr 1/1 and Close */
	pcep_session_init(&s, &c);
	pcep_session_start(&s, 0);
	pcep_session_sent(&s, 1000);
	const uint8_t rpt[] = { 0x20, 10, 0, 16, 0x20, 0x10, 0, 8, 0, 0, 0x10, 0, 7, 0x10, 0, 4 };
	const uint8_t rpt_noero[] = { 0x20, 10, 0, 12, 0x20, 0x10, 0, 8, 0, 0, 0x10, 0 };
	pcep_session_input(&s, rpt, sizeof rpt, 1);
	last_error(&s, &t, &v, &closed);
	assert_int_equal(t, PCEP_ERR_SESSION);
	assert_int_equal(v, PCEP_EV_SESSION_BAD_OPEN);
	assert_true(closed);
	pcep_session_free(&s);
	/* a PCC without the stateful capability: PCErr 1/3 */
	pcep_session_init(&s, &c);
	pcep_session_start(&s, 0);
	pcep_session_sent(&s, 1000);
	const uint8_t plain_open[] = { 0x20, 1, 0, 12, 1, 0x10, 0, 8, 0x20, 30, 120, 1 };
	pcep_session_input(&s, plain_open, sizeof plain_open, 1);
	last_error(&s, &t, &v, &closed);
	assert_int_equal(t, PCEP_ERR_SESSION);
	assert_int_equal(v, PCEP_EV_SESSION_UNACCEPTABLE);
	assert_true(closed);
	pcep_session_free(&s);
	/* no Open within OpenWait: PCErr 1/2 */
	pcep_session_init(&s, &c);
	pcep_session_start(&s, 0);
	pcep_session_sent(&s, 1000);
	pcep_session_tick(&s, 60000);
	last_error(&s, &t, &v, &closed);
	assert_int_equal(v, PCEP_EV_SESSION_NO_OPEN);
	assert_true(closed);
	pcep_session_free(&s);

	/* once up: a malformed PCRpt gets its PCErr and the session stays */
	pcep_session_cfg cc;
	pcep_session_cfg_default(&cc, true);
	pcep_session sc;
	pcep_session_init(&s, &c);
	pcep_session_init(&sc, &cc);
	pcep_session_start(&s, 0);
	pcep_session_start(&sc, 0);
	exchange(&s, &sc, 1);
	assert_int_equal(s.state, PCEP_ST_UP);
	pcep_session_input(&s, rpt_noero, sizeof rpt_noero, 2);	/* LSP without ERO */
	last_error(&s, &t, &v, &closed);
	assert_int_equal(t, PCEP_ERR_MISSING_OBJECT);
	assert_int_equal(v, PCEP_EV_MISSING_ERO);
	assert_false(closed);
	assert_int_equal(s.state, PCEP_ST_UP);
	/* the well-formed one is delivered */
	pcep_session_input(&s, rpt, sizeof rpt, 3);
	pcep_msg *m = pcep_session_next(&s);
	assert_non_null(m);
	assert_int_equal(m->type, PCEP_MSG_PCRPT);
	assert_int_equal(m->path[0].lsp.plsp_id, 1);
	pcep_msg_free(m);
	free(m);
	/* unsupported messages: PCErr 2; the sixth in a minute closes (reason 5) */
	const uint8_t preq[] = { 0x20, 3, 0, 4 };
	for (int i = 0; i < 5; i++) {
		pcep_session_input(&s, preq, sizeof preq, 10 + i);
		last_error(&s, &t, &v, &closed);
		assert_int_equal(t, PCEP_ERR_CAPABILITY);
		assert_false(closed);
	}
	assert_int_equal(pcep_session_input(&s, preq, sizeof preq, 20), -1);
	assert_int_equal(s.close_reason, PCEP_CLOSE_TOO_MANY_UNKNOWN_MSG);
	pcep_session_free(&s);
	pcep_session_free(&sc);

	/* a bad common header: Close reason 3, whatever the state */
	pcep_session_init(&s, &c);
	pcep_session_init(&sc, &cc);
	pcep_session_start(&s, 0);
	pcep_session_start(&sc, 0);
	exchange(&s, &sc, 1);
	const uint8_t v3[] = { 0x60, 2, 0, 4 };
	assert_int_equal(pcep_session_input(&s, v3, sizeof v3, 2), -1);
	assert_int_equal(s.close_reason, PCEP_CLOSE_MALFORMED);
	pcep_session_free(&s);
	pcep_session_free(&sc);
}

/* ---- PCE and PCC over loopback --------------------------------------------- */

typedef struct rig {
	pce *p;
	pcc c;
	int fd;
	int64_t now;
} rig;

static uint8_t refuse_bad(void *arg, const char *name, const pcep_path *path)
{
	(void)arg;
	(void)path;
	return strncmp(name, "bad", 3) == 0 ? PCEP_EV_UNACCEPTABLE_PARAMS : 0;
}

static void spin(rig *r, int rounds)
{
	neto_err err;
	for (int i = 0; i < rounds; i++) {
		r->now += 1;
		assert_int_equal(pce_poll(r->p, 1, r->now, &err), 0);
		if (r->fd >= 0 && pcc_io(&r->c, r->fd, r->now) != 0) {
			close(r->fd);
			r->fd = -1;
		}
	}
}

static pcep_path sr_path(const uint32_t *labels, size_t n)
{
	pcep_path p = { 0 };
	p.has_endpoints = true;
	pcep_addr_parse("127.0.0.1", &p.src);
	pcep_addr_parse("10.0.0.3", &p.dst);
	p.has_ero = true;
	for (size_t i = 0; i < n; i++) {
		pcep_subobj *o = pcep_ro_add(&p.ero);
		o->type = PCEP_RO_SR;
		o->flags = PCEP_SR_M | PCEP_SR_F;
		o->sid = labels[i] << 12;
	}
	return p;
}

static void pcc_up(rig *r, bool with_local)
{
	neto_err err;
	pcc_cfg cfg = { 0 };
	pcep_session_cfg_default(&cfg.sess, true);
	pcep_addr_parse("127.0.0.1", &cfg.addr);
	cfg.accept = refuse_bad;
	pcc_init(&r->c, &cfg);
	if (with_local) {
		uint32_t l[] = { 16009 };
		pcep_path p = sr_path(l, 1);
		assert_non_null(pcc_add_local(&r->c, "local-1", &p));
		pcep_path_free(&p);
	}
	r->fd = pcc_connect("127.0.0.1", r->p->port, &err);
	assert_true(r->fd >= 0);
	pcc_start(&r->c, r->now);
	spin(r, 20);
}

static void test_pce_loopback(void **state)
{
	(void)state;
	rig r = { 0 };
	neto_err err;
	pce_cfg pc = { .host = "127.0.0.1", .port = 0, .log = getenv("PCEP_TEST_LOG") ? stderr : NULL };
	pcep_session_cfg_default(&pc.sess, false);
	assert_int_equal(pce_open(&r.p, &pc, &err), 0);
	assert_true(r.p->port != 0);
	pcc_up(&r, true);
	pcep_addr lo;
	pcep_addr_parse("127.0.0.1", &lo);
	pce_sess *s = pce_find(r.p, &lo);
	assert_non_null(s);
	assert_true(pce_sess_up(s));
	assert_true(s->synced);
	/* the PCC's own LSP came with the synchronisation, delegated */
	pce_lsp *l = pce_lsp_find(s, "local-1");
	assert_non_null(l);
	assert_true(l->exists);
	assert_true(l->flags & PCEP_LSP_D);
	assert_false(l->flags & PCEP_LSP_C);
	assert_int_equal(l->report.ero.sub[0].sid >> 12, 16009);

	/* PCInitiate: confirmed by a PCRpt with the SRP-ID, PLSP-ID assigned */
	uint32_t l1[] = { 16002, 16003 };
	pcep_path p1 = sr_path(l1, 2);
	assert_int_equal(pce_initiate(s, "nyc/gold", &p1, r.now, &err), 0);
	l = pce_lsp_find(s, "nyc/gold");
	assert_int_equal(l->req, PCE_REQ_PENDING);
	uint32_t srp1 = l->srp_id;
	spin(&r, 10);
	assert_int_equal(l->req, PCE_REQ_DONE);
	assert_int_equal(l->report_srp, srp1);
	assert_true(l->exists);
	assert_true(l->plsp_id != 0);
	assert_true(l->flags & PCEP_LSP_C);
	assert_int_equal(l->report.ero.n, 2);
	assert_int_equal(l->report.ero.sub[1].sid >> 12, 16003);
	pcc_lsp *cl = pcc_find(&r.c, "nyc/gold");
	assert_non_null(cl);
	assert_int_equal(cl->plsp_id, l->plsp_id);
	/* initiating it again is refused locally: it exists */
	assert_int_equal(pce_initiate(s, "nyc/gold", &p1, r.now, &err), -1);

	/* PCUpd of the delegated LSP changes the PCC's segment list */
	uint32_t l2[] = { 16004 };
	pcep_path p2 = sr_path(l2, 1);
	assert_int_equal(pce_update(s, "nyc/gold", &p2, r.now, &err), 0);
	spin(&r, 10);
	l = pce_lsp_find(s, "nyc/gold");
	assert_int_equal(l->req, PCE_REQ_DONE);
	assert_int_equal(l->report.ero.n, 1);
	assert_int_equal(r.c.lsp[0].plsp_id != 0, 1);
	cl = pcc_find(&r.c, "nyc/gold");
	assert_int_equal(cl->path.ero.n, 1);
	assert_int_equal(cl->path.ero.sub[0].sid >> 12, 16004);

	/* a refused instantiation: PCErr 24/1 naming the SRP-ID */
	assert_int_equal(pce_initiate(s, "bad-1", &p1, r.now, &err), 0);
	spin(&r, 10);
	l = pce_lsp_find(s, "bad-1");
	assert_int_equal(l->req, PCE_REQ_FAILED);
	assert_int_equal(l->err_type, PCEP_ERR_INSTANTIATION);
	assert_int_equal(l->err_value, PCEP_EV_UNACCEPTABLE_PARAMS);
	assert_false(l->exists);
	/* the PCC-configured LSP cannot be removed by the PCE */
	assert_int_equal(pce_remove(s, "local-1", r.now, &err), -1);
	/* removal: a PCRpt with R and the SRP-ID; the PCC no longer has it */
	assert_int_equal(pce_remove(s, "nyc/gold", r.now, &err), 0);
	spin(&r, 10);
	l = pce_lsp_find(s, "nyc/gold");
	assert_int_equal(l->req, PCE_REQ_DONE);
	assert_false(l->exists);
	assert_null(pcc_find(&r.c, "nyc/gold"));
	assert_int_equal(pce_lsp_count(s), 1);

	/* created again under the same name: a new PLSP-ID */
	uint32_t old = l->plsp_id;
	assert_int_equal(pce_initiate(s, "nyc/gold", &p1, r.now, &err), 0);
	spin(&r, 10);
	l = pce_lsp_find(s, "nyc/gold");
	assert_int_equal(l->req, PCE_REQ_DONE);
	assert_true(l->plsp_id != old);

	/* a second connection from the same PCC is refused (PCErr 9) */
	int fd2 = pcc_connect("127.0.0.1", r.p->port, &err);
	assert_true(fd2 >= 0);
	spin(&r, 5);
	uint8_t buf[256];
	ssize_t n = read(fd2, buf, sizeof buf);
	assert_true(n >= 8);
	assert_int_equal(buf[1], PCEP_MSG_PCERR);
	close(fd2);
	assert_true(pce_sess_up(pce_find(r.p, &lo)));

	/* the PCC goes away: the PCE notices, the session is closed */
	close(r.fd);
	r.fd = -1;
	spin(&r, 5);
	s = pce_find(r.p, &lo);
	assert_int_equal(s->s.state, PCEP_ST_CLOSED);
	assert_int_equal(pce_initiate(s, "x", &p1, r.now, &err), -1);
	/* it comes back with its LSPs: the new session's sync reports them */
	r.fd = pcc_connect("127.0.0.1", r.p->port, &err);
	assert_true(r.fd >= 0);
	pcep_session_free(&r.c.s);
	pcep_session_init(&r.c.s, &r.c.cfg.sess);
	r.c.synced = false;
	pcc_start(&r.c, r.now);
	spin(&r, 20);
	s = pce_find(r.p, &lo);
	assert_true(pce_sess_up(s));
	assert_true(s->synced);
	l = pce_lsp_find(s, "nyc/gold");
	assert_non_null(l);
	assert_true(l->exists);
	assert_true(l->flags & PCEP_LSP_C);
	assert_int_equal(pce_lsp_count(s), 2);
	pcep_path_free(&p1);
	pcep_path_free(&p2);
	close(r.fd);
	pcc_free(&r.c);
	pce_free(r.p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_and_timers),
		cmocka_unit_test(test_negotiation),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_pce_loopback),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
