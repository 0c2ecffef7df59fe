/*
 * session.c - the BGP finite state machine (see session.h).
 *
 * The state machine is the RFC 4271 section 8.2.2 table reduced to what a
 * speaker without DelayOpen, damping of peer oscillations or
 * SendNOTIFICATIONwithoutOPEN needs: those optional session attributes are
 * all off, which the RFC allows. Received bytes are framed here (a message
 * may arrive in pieces or many in one read); each whole message is handed
 * to the codec.
 */
#include "proto/bgp/session.h"

#include <stdio.h>
#include <string.h>

#define HOLD_LARGE 240.0	/* RFC 4271 section 8.2.2: "4 minutes" */

const char *bgp_state_name(bgp_state st)
{
	static const char *const names[] = { "Idle", "Connect", "Active", "OpenSent",
					     "OpenConfirm", "Established" };
	return (unsigned)st < 6 ? names[st] : "?";
}

bool bgp_collision_keep(uint32_t local_id, uint32_t remote_id, bool local_initiated)
{
	/* RFC 4271 section 6.8: the speaker with the lower BGP Identifier
	 * closes the connection it initiated */
	return local_initiated ? local_id > remote_id : remote_id > local_id;
}

int bgp_collision_loser(const bgp_session *a, bool a_local_initiated, const bgp_session *b)
{
	/* RFC 4271 section 6.8: a collision with an Established connection
	 * closes the other one */
	if (a->state == BGP_ST_ESTABLISHED)
		return 2;
	if (b->state == BGP_ST_ESTABLISHED)
		return 1;
	/* the peer's identifier is known from OpenConfirm on, on either
	 * connection (both carry the same speaker's OPEN) */
	uint32_t remote;
	if (a->state == BGP_ST_OPENCONFIRM)
		remote = a->peer.bgp_id;
	else if (b->state == BGP_ST_OPENCONFIRM)
		remote = b->peer.bgp_id;
	else
		return 0;
	return bgp_collision_keep(a->cfg.router_id, remote, a_local_initiated) ? 2 : 1;
}

int bgp_session_init(bgp_session *s, const bgp_session_cfg *cfg, neto_err *err)
{
	memset(s, 0, sizeof *s);
	s->cfg = *cfg;
	if (cfg->local_as == 0 || cfg->remote_as == 0)
		return neto_err_set(err, "BGP session: AS 0 is not an AS");
	if (cfg->router_id == 0)
		return neto_err_set(err, "BGP session: router ID 0.0.0.0 is not allowed");
	if (cfg->hold_time == 1 || cfg->hold_time == 2)
		return neto_err_set(err, "BGP session: hold time must be 0 or at least 3 s");
	if (cfg->n_families > BGP_SESSION_MAX_FAMILIES)
		return neto_err_set(err, "BGP session: at most %d families",
				    BGP_SESSION_MAX_FAMILIES);
	if (s->cfg.connect_retry <= 0)
		s->cfg.connect_retry = 30;
	if (s->cfg.idle_hold <= 0)
		s->cfg.idle_hold = 5;
	if (s->cfg.n_families == 0) {
		s->cfg.families[0].afi = BGP_AFI_IPV4;
		s->cfg.families[0].safi = BGP_SAFI_UNICAST;
		s->cfg.n_families = 1;
	}
	s->stopped = true;
	wire_wr_init(&s->out);
	return 0;
}

void bgp_session_free(bgp_session *s)
{
	wire_wr_free(&s->out);
}

static void set_state(bgp_session *s, bgp_state to)
{
	bgp_state from = s->state;
	if (from == to)
		return;
	s->state = to;
	if (to == BGP_ST_ESTABLISHED)
		s->stats.established_count++;
	if (s->on_state != NULL)
		s->on_state(s->ctx, s, from, to);
}

/* Back to Idle: timers off, the connection to be closed by the caller, an
 * automatic restart after the idle hold time unless stopped. */
static void to_idle(bgp_session *s, double now)
{
	s->connected = false;
	s->in_len = 0;
	s->connect_retry_at = s->hold_at = s->keepalive_at = 0;
	s->restart_at = s->stopped ? 0 : now + s->cfg.idle_hold;
	set_state(s, BGP_ST_IDLE);
}

static void queue_notif(bgp_session *s, const bgp_notif *n)
{
	neto_err e;
	if (bgp_notification_encode(n, &s->out, &e) == 0) {
		s->stats.notifs_out++;
		s->stats.msgs_out++;
	}
	s->sent = *n;
}

/* An error: NOTIFICATION (when connected), Idle. Always -1. */
static int fail(bgp_session *s, double now, const bgp_notif *n, const char *msg)
{
	snprintf(s->last_error, sizeof s->last_error, "%s (sent %u/%u: %s)", msg, n->code,
		 n->subcode, bgp_err_name(n->code, n->subcode));
	if (s->connected)
		queue_notif(s, n);
	to_idle(s, now);
	return -1;
}

static int fail_code(bgp_session *s, double now, uint8_t code, uint8_t sub, const char *msg)
{
	bgp_notif n;
	bgp_notif_set(&n, code, sub, NULL, 0);
	return fail(s, now, &n, msg);
}

void bgp_session_start(bgp_session *s, double now)
{
	s->stopped = false;
	if (s->state != BGP_ST_IDLE)
		return;
	s->restart_at = 0;
	s->connect_retry_at = now + s->cfg.connect_retry;
	set_state(s, s->cfg.passive ? BGP_ST_ACTIVE : BGP_ST_CONNECT);
}

void bgp_session_stop(bgp_session *s, double now, uint8_t cease_subcode)
{
	s->stopped = true;
	if (s->connected) {
		bgp_notif n;
		bgp_notif_set(&n, BGP_ERR_CEASE, cease_subcode, NULL, 0);
		queue_notif(s, &n);
	}
	to_idle(s, now);
}

bool bgp_session_wants_connect(const bgp_session *s)
{
	return s->state == BGP_ST_CONNECT && !s->connected;
}

bool bgp_session_accepts(const bgp_session *s)
{
	return (s->state == BGP_ST_CONNECT || s->state == BGP_ST_ACTIVE) && !s->connected;
}

void bgp_session_connected(bgp_session *s, double now)
{
	if (!bgp_session_accepts(s))
		return;
	s->connected = true;
	s->in_len = 0;
	bgp_open o;
	bgp_open_init(&o, s->cfg.local_as, s->cfg.hold_time, s->cfg.router_id);
	for (size_t i = 0; i < s->cfg.n_families; i++) {
		bgp_family f = s->cfg.families[i];
		bgp_open_add_family(&o, f.afi, f.safi);
		if (s->cfg.addpath_receive && f.safi == BGP_SAFI_UNICAST &&
		    (f.afi == BGP_AFI_IPV4 || f.afi == BGP_AFI_IPV6))
			bgp_open_add_addpath(&o, f.afi, f.safi, BGP_ADDPATH_RECEIVE);
	}
	if (s->cfg.eor_receive) {
		/* RFC 4724 section 3: Graceful Restart with no <AFI, SAFI>: we
		 * keep no forwarding state over a restart but take the
		 * receiving speaker's part, End-of-RIB included (restart flags
		 * and time 0) */
		static const uint8_t gr[] = { BGP_CAP_GRACEFUL_RESTART, 2, 0, 0 };
		memcpy(o.other + o.other_len, gr, sizeof gr);
		o.other_len += sizeof gr;
	}
	neto_err e;
	if (bgp_open_encode(&o, &s->out, &e) == 0)
		s->stats.msgs_out++;
	s->connect_retry_at = 0;
	s->hold_at = now + HOLD_LARGE;
	set_state(s, BGP_ST_OPENSENT);
}

void bgp_session_closed(bgp_session *s, double now)
{
	if (!s->connected) {
		/* a failed connection attempt: try again after ConnectRetry */
		if (s->state == BGP_ST_CONNECT) {
			s->connect_retry_at = now + s->cfg.connect_retry;
			set_state(s, BGP_ST_ACTIVE);
		}
		return;
	}
	snprintf(s->last_error, sizeof s->last_error, "connection closed in %s",
		 bgp_state_name(s->state));
	to_idle(s, now);
}

bool bgp_session_has_family(const bgp_session *s, uint16_t afi, uint8_t safi)
{
	for (size_t i = 0; i < s->n_nego; i++)
		if (s->nego[i].afi == afi && s->nego[i].safi == safi)
			return true;
	return false;
}

static void send_keepalive(bgp_session *s, double now)
{
	bgp_keepalive_encode(&s->out);
	s->stats.msgs_out++;
	s->keepalive_at = s->hold > 0 ? now + s->hold / 3.0 : 0;
}

static void restart_hold(bgp_session *s, double now)
{
	s->hold_at = s->hold > 0 ? now + s->hold : 0;
}

/* OPEN in OpenSent (event 19): the session's own checks, then negotiation. */
static int got_open(bgp_session *s, double now, const uint8_t *m, size_t len)
{
	bgp_notif n;
	neto_err e;
	bgp_open o;
	if (bgp_open_decode(m, len, &o, &n, &e) != 0)
		return fail(s, now, &n, e.msg);
	/* RFC 4271 section 6.2 and RFC 6793 section 4.1: the peer's AS */
	if (bgp_open_asn(&o) != s->cfg.remote_as) {
		char msg[128];
		snprintf(msg, sizeof msg, "BGP OPEN: peer AS %u, configured %u", bgp_open_asn(&o),
			 s->cfg.remote_as);
		return fail_code(s, now, BGP_ERR_OPEN, BGP_OPEN_BAD_PEER_AS, msg);
	}
	/* RFC 6286 section 2.2: equal identifiers cannot tell the speakers apart */
	if (o.bgp_id == s->cfg.router_id)
		return fail_code(s, now, BGP_ERR_OPEN, BGP_OPEN_BAD_ID,
				 "BGP OPEN: the peer uses our BGP identifier");
	s->peer = o;
	/* RFC 4271 section 4.2: the smaller hold time */
	s->hold = o.hold_time < s->cfg.hold_time ? o.hold_time : s->cfg.hold_time;
	s->as4 = o.has_as4;
	/* RFC 4760 section 8 / RFC 5492: families both announced; a peer
	 * without multiprotocol capabilities speaks IPv4 unicast only */
	s->n_nego = 0;
	for (size_t i = 0; i < s->cfg.n_families; i++) {
		bgp_family f = s->cfg.families[i];
		bool theirs = o.n_families == 0
				      ? (f.afi == BGP_AFI_IPV4 && f.safi == BGP_SAFI_UNICAST)
				      : bgp_open_has_family(&o, f.afi, f.safi);
		if (theirs)
			s->nego[s->n_nego++] = f;
	}
	/* RFC 7911 section 4: path identifiers arrive on a family when we
	 * announced Receive and the peer Send for it */
	s->addpath_rx = (bgp_addpath){ false, false };
	if (s->cfg.addpath_receive) {
		for (size_t i = 0; i < s->n_nego; i++) {
			bgp_family f = s->nego[i];
			bool send = f.safi == BGP_SAFI_UNICAST &&
				    (bgp_open_addpath(&o, f.afi, f.safi) & BGP_ADDPATH_SEND);
			if (send && f.afi == BGP_AFI_IPV4)
				s->addpath_rx.v4 = true;
			if (send && f.afi == BGP_AFI_IPV6)
				s->addpath_rx.v6 = true;
		}
	}
	send_keepalive(s, now);
	restart_hold(s, now);
	set_state(s, BGP_ST_OPENCONFIRM);
	return 0;
}

static int got_update(bgp_session *s, double now, const uint8_t *m, size_t len)
{
	bgp_update u;
	bgp_notif n;
	neto_err e;
	bgp_upd_opts o = { s->as4, s->cfg.local_as == s->cfg.remote_as };
	int rc = bgp_update_decode_ap(m, len, &o, &s->addpath_rx, &u, &n, &e);
	if (rc < 0)
		return fail(s, now, &n, e.msg);
	s->stats.updates_in++;
	if (rc == BGP_TREAT_AS_WITHDRAW) {
		s->stats.withdraw_faults++;
		snprintf(s->last_error, sizeof s->last_error, "%s", e.msg);
	}
	if (s->on_update != NULL)
		s->on_update(s->ctx, s, &u, rc);
	bgp_update_free(&u);
	restart_hold(s, now);
	return 0;
}

static int got_notification(bgp_session *s, double now, const uint8_t *m, size_t len)
{
	bgp_notification nm;
	neto_err e;
	s->stats.notifs_in++;
	if (bgp_notification_decode(m, len, &nm, &e) == 0) {
		bgp_notif_set(&s->recv, nm.code, nm.subcode, nm.data, nm.data_len);
		snprintf(s->last_error, sizeof s->last_error, "peer sent NOTIFICATION %u/%u: %s",
			 nm.code, nm.subcode, bgp_err_name(nm.code, nm.subcode));
	}
	/* RFC 4271 section 6.4: no NOTIFICATION in reply; close */
	to_idle(s, now);
	return -1;
}

/* One whole message of len octets (header checked). */
static int handle(bgp_session *s, double now, const uint8_t *m, size_t len, uint8_t type)
{
	s->stats.msgs_in++;
	if (type == BGP_NOTIFICATION)
		return got_notification(s, now, m, len);
	switch (s->state) {
	case BGP_ST_OPENSENT:
		if (type == BGP_OPEN)
			return got_open(s, now, m, len);
		/* RFC 6608 section 4: unexpected message in OpenSent */
		return fail_code(s, now, BGP_ERR_FSM, 1, "message other than OPEN in OpenSent");
	case BGP_ST_OPENCONFIRM:
		if (type == BGP_KEEPALIVE) {
			restart_hold(s, now);
			set_state(s, BGP_ST_ESTABLISHED);
			return 0;
		}
		return fail_code(s, now, BGP_ERR_FSM, 2, "message other than KEEPALIVE in OpenConfirm");
	case BGP_ST_ESTABLISHED:
		switch (type) {
		case BGP_KEEPALIVE:
			restart_hold(s, now);
			return 0;
		case BGP_UPDATE:
			return got_update(s, now, m, len);
		case BGP_ROUTE_REFRESH: {
			bgp_refresh r;
			bgp_notif n;
			neto_err e;
			if (bgp_refresh_decode(m, len, &r, &n, &e) != 0)
				return fail(s, now, &n, e.msg);
			if (s->on_refresh != NULL)
				s->on_refresh(s->ctx, s, &r);
			return 0;
		}
		default:
			return fail_code(s, now, BGP_ERR_FSM, 3, "OPEN in Established");
		}
	default:
		return 0;	/* not connected: nothing to read */
	}
}

int bgp_session_input(bgp_session *s, double now, const uint8_t *buf, size_t len)
{
	while (len > 0) {
		if (!s->connected)
			return -1;
		size_t take = sizeof s->in - s->in_len;
		if (take > len)
			take = len;
		memcpy(s->in + s->in_len, buf, take);
		s->in_len += take;
		buf += take;
		len -= take;
		size_t off = 0;
		while (s->in_len - off >= BGP_HDR_LEN) {
			bgp_hdr h;
			bgp_notif n;
			neto_err e;
			if (bgp_hdr_decode(s->in + off, s->in_len - off, &h, &n, &e) != 0)
				return fail(s, now, &n, e.msg);
			if (h.len > s->in_len - off)
				break;
			if (handle(s, now, s->in + off, h.len, h.type) != 0)
				return -1;
			off += h.len;
		}
		memmove(s->in, s->in + off, s->in_len - off);
		s->in_len -= off;
	}
	return 0;
}

int bgp_session_tick(bgp_session *s, double now)
{
	switch (s->state) {
	case BGP_ST_IDLE:
		if (!s->stopped && s->restart_at > 0 && now >= s->restart_at)
			bgp_session_start(s, now);	/* automatic start (event 3/5) */
		return 0;
	case BGP_ST_ACTIVE:
	case BGP_ST_CONNECT:
		/* ConnectRetry expiry (event 9): try (again) to connect */
		if (s->connect_retry_at > 0 && now >= s->connect_retry_at) {
			s->connect_retry_at = now + s->cfg.connect_retry;
			if (!s->cfg.passive)
				set_state(s, BGP_ST_CONNECT);
		}
		return 0;
	default:
		break;
	}
	if (s->hold_at > 0 && now >= s->hold_at)	/* event 10 */
		return fail_code(s, now, BGP_ERR_HOLD, 0, "hold timer expired");
	if ((s->state == BGP_ST_OPENCONFIRM || s->state == BGP_ST_ESTABLISHED) &&
	    s->keepalive_at > 0 && now >= s->keepalive_at)	/* event 11 */
		send_keepalive(s, now);
	return 0;
}

double bgp_session_next_timer(const bgp_session *s)
{
	double t[] = { s->connect_retry_at, s->hold_at, s->keepalive_at, s->restart_at };
	double best = 0;
	for (size_t i = 0; i < 4; i++)
		if (t[i] > 0 && (best == 0 || t[i] < best))
			best = t[i];
	return best;
}

int bgp_session_send(bgp_session *s, const uint8_t *msg, size_t len, neto_err *err)
{
	if (s->state != BGP_ST_ESTABLISHED)
		return neto_err_set(err, "BGP session not established (%s)",
				    bgp_state_name(s->state));
	wire_put_bytes(&s->out, msg, len);
	s->stats.msgs_out++;
	s->stats.updates_out++;
	return 0;
}

void bgp_session_consumed(bgp_session *s, size_t n)
{
	if (n >= s->out.len) {
		s->out.len = 0;
		return;
	}
	memmove(s->out.buf, s->out.buf + n, s->out.len - n);
	s->out.len -= n;
}
