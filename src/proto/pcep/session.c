/*
 * session.c - the PCEP session state machine (session.h).
 *
 * States follow RFC 5440 s4.2.1 and Appendix A, folded into what a
 * stateful speaker needs: OpenWait (our Open sent, the peer's awaited),
 * KeepWait (the peer's Open accepted and answered with a Keepalive, its
 * Keepalive acknowledging ours awaited) and Up. The two waits run the
 * OpenWait and KeepWait timers (60 s); a peer Open with timers we do not
 * accept gets one chance: PCErr 1/4 carrying our counter-proposal, then
 * PCErr 1/5 and Close. Once Up, we send a Keepalive whenever nothing else
 * went out for our keepalive period, and close with reason 2 when nothing
 * came in for the peer's DeadTimer (s7.3).
 *
 * Error policy: a message the codec refuses is answered with the PCErr it
 * names; a broken common header (the stream cannot be re-synchronised)
 * closes the session with reason 3; before Up, any refusal or unexpected
 * message closes it (s6.2 "invalid Open or a non-Open": PCErr 1/1). More
 * than max_unknown unsupported messages in a minute close it with reason 5
 * (s6.9, MAX-UNKNOWN-MESSAGES).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"
#include "proto/pcep/session.h"

#define IN_MAX ((size_t)PCEP_MAX_MSG + 65536)

void pcep_session_cfg_default(pcep_session_cfg *c, bool pcc)
{
	memset(c, 0, sizeof *c);
	c->pcc = pcc;
	c->keepalive = 30;
	c->deadtimer = 120;
	c->min_keepalive = 1;
	c->msd = 10;
	c->openwait_ms = 60000;
	c->keepwait_ms = 60000;
	c->max_unknown = 5;
}

void pcep_session_init(pcep_session *s, const pcep_session_cfg *cfg)
{
	memset(s, 0, sizeof *s);
	s->cfg = *cfg;
	s->keepalive = cfg->keepalive;
	s->deadtimer = cfg->deadtimer;
	wire_wr_init(&s->out);
}

void pcep_session_free(pcep_session *s)
{
	pcep_tlvs_free(&s->peer_caps);
	free(s->in);
	wire_wr_free(&s->out);
	for (size_t i = 0; i < s->rx_len; i++) {
		pcep_msg *m = s->rx[(s->rx_head + i) % s->rx_cap];
		pcep_msg_free(m);
		free(m);
	}
	free(s->rx);
	memset(s, 0, sizeof *s);
}

const char *pcep_state_name(pcep_state st)
{
	static const char *const n[] = { "idle", "openwait", "keepwait", "up", "closed" };
	return st <= PCEP_ST_CLOSED ? n[st] : "?";
}

static void set_state(pcep_session *s, pcep_state st, int64_t now)
{
	s->state = st;
	s->state_since = now;
}

static void sent_now(pcep_session *s, int64_t now)
{
	s->last_tx = now;
	s->n_out++;
}

static void send_open(pcep_session *s, int64_t now)
{
	pcep_msg m = { .type = PCEP_MSG_OPEN, .has_open = true };
	m.open.keepalive = s->keepalive;
	m.open.deadtimer = s->deadtimer;
	m.open.sid = s->cfg.sid;
	pcep_tlvs *t = &m.open.tlvs;
	/* RFC 8231 s7.1.1, RFC 8281 s4.1: updates and instantiation */
	t->has_stateful = true;
	t->stateful_flags = PCEP_STATEFUL_U | PCEP_STATEFUL_I;
	/* RFC 8408 s4 with the RFC 8664 s4.1.2 sub-TLV; FRR pathd 8.4 also
	 * looks for the draft's top-level SR-PCE-CAPABILITY, which RFC 8664
	 * tells receivers to ignore, so the PCC side of neto only sends the
	 * standard form */
	t->has_pst_cap = true;
	t->pst[t->n_pst++] = PCEP_PST_SR;
	t->has_sr_cap = true;
	t->sr_cap_sub = true;
	t->sr_msd = s->cfg.msd;
	if (s->cfg.srv6) {
		t->pst[t->n_pst++] = PCEP_PST_SRV6;
		t->has_srv6_cap = true;
		t->n_srv6_msd = 1;
		t->srv6_msd[0] = (pcep_srv6_msd){ 41, s->cfg.msd };	/* SRH Max SL */
	}
	(void)pcep_encode(&m, &s->out, NULL);
	sent_now(s, now);
}

static void send_keepalive(pcep_session *s, int64_t now)
{
	pcep_encode_keepalive(&s->out);
	sent_now(s, now);
}

void pcep_session_send_error(pcep_session *s, uint8_t type, uint8_t value, uint32_t srp_id,
			     int64_t now)
{
	if (s->state == PCEP_ST_CLOSED)
		return;
	pcep_encode_error(&s->out, type, value, srp_id);
	s->n_errors_sent++;
	sent_now(s, now);
}

void pcep_session_close(pcep_session *s, uint8_t reason, int64_t now)
{
	if (s->state == PCEP_ST_CLOSED)
		return;
	if (s->state != PCEP_ST_IDLE) {
		pcep_encode_close(&s->out, reason);
		sent_now(s, now);
	}
	s->close_reason = reason;
	if (s->why[0] == '\0')
		snprintf(s->why, sizeof s->why, "closed by us (reason %u)", (unsigned)reason);
	set_state(s, PCEP_ST_CLOSED, now);
}

/* PCErr then Close: a failure during session establishment. */
static void fail_open(pcep_session *s, uint8_t value, int64_t now, const char *why)
{
	snprintf(s->why, sizeof s->why, "session establishment failed: %s (PCErr 1/%u)", why,
		 (unsigned)value);
	pcep_session_send_error(s, PCEP_ERR_SESSION, value, 0, now);
	pcep_session_close(s, PCEP_CLOSE_NONE, now);
}

void pcep_session_start(pcep_session *s, int64_t now)
{
	s->last_rx = now;
	send_open(s, now);
	set_state(s, PCEP_ST_OPENWAIT, now);
}

static void deliver(pcep_session *s, pcep_msg *m)
{
	if (s->rx_len == s->rx_cap) {
		size_t nc = s->rx_cap ? 2 * s->rx_cap : 16;
		pcep_msg **n = neto_reallocarray(NULL, nc, sizeof *n);
		for (size_t i = 0; i < s->rx_len; i++)
			n[i] = s->rx[(s->rx_head + i) % s->rx_cap];
		free(s->rx);
		s->rx = n;
		s->rx_cap = nc;
		s->rx_head = 0;
	}
	s->rx[(s->rx_head + s->rx_len) % s->rx_cap] = m;
	s->rx_len++;
}

pcep_msg *pcep_session_next(pcep_session *s)
{
	if (s->rx_len == 0)
		return NULL;
	pcep_msg *m = s->rx[s->rx_head];
	s->rx_head = (s->rx_head + 1) % s->rx_cap;
	s->rx_len--;
	return m;
}

/* RFC 5440 s4.2.1: are the peer's timers acceptable? Keepalive 0 means
 * none (and then DeadTimer 0); otherwise the DeadTimer must exceed it. */
static bool timers_ok(const pcep_session *s, uint8_t ka, uint8_t dead)
{
	if (ka == 0)
		return dead == 0;
	return ka >= s->cfg.min_keepalive && dead > ka;
}

static void on_open(pcep_session *s, pcep_msg *m, int64_t now)
{
	if (s->state != PCEP_ST_OPENWAIT || s->open_recv) {
		/* s6.2: one Open per session */
		fail_open(s, PCEP_EV_SESSION_BAD_OPEN, now, "a second Open");
		return;
	}
	const pcep_open *o = &m->open;
	if (!timers_ok(s, o->keepalive, o->deadtimer)) {
		if (s->second_open) {
			fail_open(s, PCEP_EV_SESSION_SECOND_OPEN, now,
				  "the second Open's timers are still unacceptable");
			return;
		}
		/* negotiable: propose ours in the PCErr (s6.7) */
		s->second_open = true;
		pcep_error e = { PCEP_ERR_SESSION, PCEP_EV_SESSION_NEGOTIABLE };
		pcep_msg pe = { .type = PCEP_MSG_PCERR, .err = &e, .n_err = 1, .has_open = true };
		pe.open.keepalive = s->keepalive;
		pe.open.deadtimer = s->deadtimer;
		pe.open.sid = s->cfg.sid;
		(void)pcep_encode(&pe, &s->out, NULL);
		s->n_errors_sent++;
		sent_now(s, now);
		return;
	}
	/* a stateful PCE needs a stateful PCC (RFC 8231 s5.4) that accepts
	 * PCE-initiated LSPs (RFC 8281 s4.1) */
	if (!s->cfg.pcc &&
	    (!o->tlvs.has_stateful || !(o->tlvs.stateful_flags & PCEP_STATEFUL_U))) {
		fail_open(s, PCEP_EV_SESSION_UNACCEPTABLE, now,
			  "the PCC does not advertise stateful updates");
		return;
	}
	s->peer_keepalive = o->keepalive;
	s->peer_deadtimer = o->deadtimer;
	s->peer_sid = o->sid;
	pcep_tlvs_free(&s->peer_caps);
	s->peer_caps = o->tlvs;
	m->open.tlvs.name = m->open.tlvs.policy_name = NULL;	/* moved */
	s->open_recv = true;
	send_keepalive(s, now);
	if (s->ka_recv)
		set_state(s, PCEP_ST_UP, now);
	else
		set_state(s, PCEP_ST_KEEPWAIT, now);
}

static void on_message(pcep_session *s, pcep_msg *m, int64_t now)
{
	switch (m->type) {
	case PCEP_MSG_OPEN:
		on_open(s, m, now);
		break;
	case PCEP_MSG_KEEPALIVE:
		/* the acknowledgement of our Open; later a keepalive (s6.3) */
		if (s->state == PCEP_ST_OPENWAIT || s->state == PCEP_ST_KEEPWAIT) {
			s->ka_recv = true;
			if (s->open_recv)
				set_state(s, PCEP_ST_UP, now);
		}
		break;
	case PCEP_MSG_CLOSE:
		snprintf(s->why, sizeof s->why, "closed by the peer (reason %u)",
			 (unsigned)m->close_reason);
		s->close_reason = m->close_reason;
		s->close_by_peer = true;
		set_state(s, PCEP_ST_CLOSED, now);
		break;
	case PCEP_MSG_PCERR:
		if (s->state != PCEP_ST_UP) {
			/* a counter-proposal (PCErr 1/4 with an Open): adopt it if
			 * acceptable and send a new Open, once */
			if (m->n_err > 0 && m->err[0].type == PCEP_ERR_SESSION &&
			    m->err[0].value == PCEP_EV_SESSION_NEGOTIABLE && m->has_open &&
			    timers_ok(s, m->open.keepalive, m->open.deadtimer) && !s->ka_recv) {
				s->keepalive = m->open.keepalive;
				s->deadtimer = m->open.deadtimer;
				send_open(s, now);
				break;
			}
			snprintf(s->why, sizeof s->why, "the peer refused the session: PCErr %u/%u",
				 m->n_err ? (unsigned)m->err[0].type : 0,
				 m->n_err ? (unsigned)m->err[0].value : 0);
			pcep_session_close(s, PCEP_CLOSE_NONE, now);
			break;
		}
		deliver(s, m);
		return;
	default:
		if (s->state != PCEP_ST_UP) {
			fail_open(s, PCEP_EV_SESSION_BAD_OPEN, now, "a message before the session is up");
			break;
		}
		deliver(s, m);
		return;
	}
	pcep_msg_free(m);
	free(m);
}

static void refused(pcep_session *s, const pcep_perr *pe, const neto_err *err, int64_t now)
{
	if (pe->close) {
		snprintf(s->why, sizeof s->why, "%.250s", err->msg);
		pcep_session_send_error(s, pe->type, pe->value, 0, now);
		pcep_session_close(s, pe->close, now);
		return;
	}
	if (s->state != PCEP_ST_UP) {
		snprintf(s->why, sizeof s->why, "%.250s", err->msg);
		pcep_session_send_error(s, pe->type ? pe->type : PCEP_ERR_SESSION,
					pe->type ? pe->value : PCEP_EV_SESSION_BAD_OPEN, 0, now);
		pcep_session_close(s, PCEP_CLOSE_NONE, now);
		return;
	}
	pcep_session_send_error(s, pe->type, pe->value, 0, now);
	if (pe->type == PCEP_ERR_CAPABILITY) {
		if (now - s->unknown_since > 60000) {
			s->unknown_since = now;
			s->n_unknown = 0;
		}
		if (++s->n_unknown > s->cfg.max_unknown) {
			snprintf(s->why, sizeof s->why, "more than %u unknown messages in a minute",
				 (unsigned)s->cfg.max_unknown);
			pcep_session_close(s, PCEP_CLOSE_TOO_MANY_UNKNOWN_MSG, now);
		}
	}
}

int pcep_session_input(pcep_session *s, const uint8_t *buf, size_t len, int64_t now)
{
	if (s->state == PCEP_ST_CLOSED)
		return -1;
	if (len == 0)
		return 0;
	s->last_rx = now;
	if (s->in_len + len > s->in_cap) {
		size_t nc = s->in_cap ? s->in_cap : 4096;
		while (nc < s->in_len + len)
			nc *= 2;
		s->in = neto_realloc(s->in, nc);
		s->in_cap = nc;
	}
	memcpy(s->in + s->in_len, buf, len);
	s->in_len += len;
	size_t off = 0;
	while (s->state != PCEP_ST_CLOSED) {
		size_t mlen;
		pcep_perr pe;
		neto_err err;
		if (pcep_frame(s->in + off, s->in_len - off, &mlen, &pe, &err) != 0) {
			refused(s, &pe, &err, now);
			break;
		}
		if (mlen == 0)
			break;
		pcep_msg *m = neto_malloc(sizeof *m);
		int rc = pcep_decode(s->in + off, mlen, m, &pe, &err);
		off += mlen;
		s->n_in++;
		if (rc != 0) {
			free(m);
			refused(s, &pe, &err, now);
			continue;
		}
		on_message(s, m, now);
	}
	memmove(s->in, s->in + off, s->in_len - off);
	s->in_len -= off;
	if (s->in_len > IN_MAX)
		s->in_len = 0;	/* cannot happen: a frame is at most 64 KiB */
	return s->state == PCEP_ST_CLOSED ? -1 : 0;
}

int64_t pcep_session_deadline(const pcep_session *s)
{
	switch (s->state) {
	case PCEP_ST_OPENWAIT:
		return s->state_since + s->cfg.openwait_ms;
	case PCEP_ST_KEEPWAIT:
		return s->state_since + s->cfg.keepwait_ms;
	case PCEP_ST_UP: {
		int64_t d = INT64_MAX;
		if (s->keepalive)
			d = s->last_tx + 1000 * (int64_t)s->keepalive;
		if (s->peer_deadtimer && s->last_rx + 1000 * (int64_t)s->peer_deadtimer < d)
			d = s->last_rx + 1000 * (int64_t)s->peer_deadtimer;
		return d;
	}
	default:
		return INT64_MAX;
	}
}

void pcep_session_tick(pcep_session *s, int64_t now)
{
	switch (s->state) {
	case PCEP_ST_OPENWAIT:
		if (now - s->state_since >= s->cfg.openwait_ms)
			fail_open(s, PCEP_EV_SESSION_NO_OPEN, now, "no Open within OpenWait");
		break;
	case PCEP_ST_KEEPWAIT:
		if (now - s->state_since >= s->cfg.keepwait_ms)
			fail_open(s, PCEP_EV_SESSION_NO_KEEPALIVE, now,
				  "no Keepalive within KeepWait");
		break;
	case PCEP_ST_UP:
		if (s->peer_deadtimer && now - s->last_rx >= 1000 * (int64_t)s->peer_deadtimer) {
			snprintf(s->why, sizeof s->why, "nothing from the peer for %u s (DeadTimer)",
				 (unsigned)s->peer_deadtimer);
			pcep_session_close(s, PCEP_CLOSE_DEADTIMER, now);
			break;
		}
		if (s->keepalive && now - s->last_tx >= 1000 * (int64_t)s->keepalive)
			send_keepalive(s, now);
		break;
	default:
		break;
	}
}

int pcep_session_send(pcep_session *s, const pcep_msg *m, int64_t now, neto_err *err)
{
	if (s->state != PCEP_ST_UP)
		return neto_err_set(err, "pcep: session is %s, not up", pcep_state_name(s->state));
	if (pcep_encode(m, &s->out, err) != 0)
		return -1;
	sent_now(s, now);
	return 0;
}

void pcep_session_sent(pcep_session *s, size_t n)
{
	if (n >= s->out.len) {
		s->out.len = 0;
		return;
	}
	memmove(s->out.buf, s->out.buf + n, s->out.len - n);
	s->out.len -= n;
}
