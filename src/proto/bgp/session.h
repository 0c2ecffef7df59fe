/*
 * session.h - one BGP session: the RFC 4271 section 8 finite state machine
 * (Idle, Connect, Active, OpenSent, OpenConfirm, Established), driven by the
 * caller's clock and the caller's bytes, with no socket of its own.
 *
 * The caller (a socket layer, or a test) reports transport events
 * (bgp_session_connected, bgp_session_closed), hands in whatever bytes
 * arrived (bgp_session_input), calls bgp_session_tick with the time, and
 * writes out whatever the session queued in `out` (then
 * bgp_session_consumed). When bgp_session_input or bgp_session_tick
 * return -1, or state drops to Idle from a connected state, the caller
 * sends what is queued (a NOTIFICATION) and closes the connection.
 *
 * Timers (RFC 4271 section 10): ConnectRetry (default 30 s), Hold (4 min
 * before the OPEN exchange, then the smaller of both hold times), Keepalive
 * (a third of the hold time). A hold time of 0 turns both off.
 *
 * Every error sends the NOTIFICATION section 6 prescribes: decoding errors
 * (from the codec), FSM errors (RFC 6608 subcodes), hold timer expiry,
 * Cease for stops and collisions. After an error the session goes Idle and,
 * unless stopped, restarts after the idle hold time (automatic start).
 *
 * Ownership: the session owns `out` and its input buffer; received UPDATEs
 * are lent to the on_update callback for the duration of the call.
 */
#ifndef NETO_PROTO_BGP_SESSION_H
#define NETO_PROTO_BGP_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "lib/wire.h"
#include "proto/bgp/bgp.h"

typedef enum bgp_state {
	BGP_ST_IDLE = 0,
	BGP_ST_CONNECT,
	BGP_ST_ACTIVE,
	BGP_ST_OPENSENT,
	BGP_ST_OPENCONFIRM,
	BGP_ST_ESTABLISHED,
} bgp_state;

#define BGP_SESSION_MAX_FAMILIES 8

typedef struct bgp_session_cfg {
	uint32_t local_as, remote_as;
	uint32_t router_id;	/* host order */
	uint16_t hold_time;	/* proposed; 0 or >= 3 (default 90) */
	bool passive;		/* wait for the peer to connect */
	size_t n_families;
	bgp_family families[BGP_SESSION_MAX_FAMILIES];
	double connect_retry;	/* seconds; 0: 30 */
	double idle_hold;	/* seconds before an automatic restart; 0: 5 */
	/* ADD-PATH receive (RFC 7911): announce Receive for the IPv4 and
	 * IPv6 unicast families configured; path identifiers are decoded
	 * for those the peer announced Send for (bgp_session.addpath_rx) */
	bool addpath_receive;
	/* announce Graceful Restart without families (RFC 4724 section 3),
	 * so that peers which send End-of-RIB only to such speakers (FRR)
	 * mark the end of their initial table */
	bool eor_receive;
} bgp_session_cfg;

typedef struct bgp_session bgp_session;

/* rc is 0 or BGP_TREAT_AS_WITHDRAW (every prefix in u is then to be
 * withdrawn; the session stays up). */
typedef void (*bgp_on_update)(void *ctx, bgp_session *s, const bgp_update *u, int rc);
typedef void (*bgp_on_state)(void *ctx, bgp_session *s, bgp_state from, bgp_state to);
typedef void (*bgp_on_refresh)(void *ctx, bgp_session *s, const bgp_refresh *r);

typedef struct bgp_session_stats {
	uint64_t msgs_in, msgs_out, updates_in, updates_out, withdraw_faults;
	uint64_t notifs_in, notifs_out;
	unsigned established_count;
} bgp_session_stats;

struct bgp_session {
	bgp_session_cfg cfg;
	bgp_state state;
	bool stopped;		/* ManualStop: no automatic restart */
	bool connected;		/* a transport connection exists */
	double connect_retry_at, hold_at, keepalive_at, restart_at;	/* 0: off */
	uint16_t hold;		/* negotiated hold time */
	bgp_open peer;		/* the peer's OPEN, from OpenConfirm on */
	bool as4;		/* both announced four-octet AS numbers */
	bgp_addpath addpath_rx;	/* ADD-PATH negotiated for receiving */
	size_t n_nego;		/* families both sides announced */
	bgp_family nego[BGP_SESSION_MAX_FAMILIES];
	wire_wr out;		/* bytes to send; the caller drains them */
	uint8_t in[BGP_MAX_LEN];
	size_t in_len;
	bgp_notif sent, recv;	/* last NOTIFICATIONs each way (code 0: none) */
	char last_error[512];
	bgp_session_stats stats;
	bgp_on_update on_update;
	bgp_on_state on_state;
	bgp_on_refresh on_refresh;
	void *ctx;
};

/* Fills defaults (hold 90, retry 30, idle hold 5) and checks the config. */
int bgp_session_init(bgp_session *s, const bgp_session_cfg *cfg, neto_err *err);
void bgp_session_free(bgp_session *s);

/* ManualStart (event 1/4): Idle -> Connect (active) or Active (passive). */
void bgp_session_start(bgp_session *s, double now);
/* ManualStop (event 2): Cease/administrative shutdown if connected, Idle,
 * no automatic restart. */
void bgp_session_stop(bgp_session *s, double now, uint8_t cease_subcode);

/* True while the session wants the caller to open an outgoing connection
 * (Connect state). */
bool bgp_session_wants_connect(const bgp_session *s);
/* Accepts an incoming connection? (Connect or Active, not connected yet.) */
bool bgp_session_accepts(const bgp_session *s);

/* The transport connection is up (events 16/17): OPEN sent, OpenSent. */
void bgp_session_connected(bgp_session *s, double now);
/* The transport failed or closed (event 18). */
void bgp_session_closed(bgp_session *s, double now);

/* Bytes received. 0, or -1 when the connection must be closed (after
 * sending `out`). */
int bgp_session_input(bgp_session *s, double now, const uint8_t *buf, size_t len);
/* Timers. 0, or -1 when the connection must be closed. */
int bgp_session_tick(bgp_session *s, double now);
/* The earliest time a timer fires (0: none), for the caller's poll. */
double bgp_session_next_timer(const bgp_session *s);

/* Queues a whole encoded message (an UPDATE); only when Established. */
int bgp_session_send(bgp_session *s, const uint8_t *msg, size_t len, neto_err *err);
void bgp_session_consumed(bgp_session *s, size_t n);

bool bgp_session_has_family(const bgp_session *s, uint16_t afi, uint8_t safi);

/* Connection collision (RFC 4271 section 6.8): of two connections to the
 * same peer, the one initiated by the speaker with the higher BGP
 * Identifier survives. True when the connection `local_initiated` (we
 * opened it) is to be kept. */
bool bgp_collision_keep(uint32_t local_id, uint32_t remote_id, bool local_initiated);

/* The resolution of a collision between two sessions with the same peer
 * (RFC 4271 section 6.8): `a` on the connection we initiated when
 * a_local_initiated, `b` on the other one. 0: not decidable yet (neither
 * has received the peer's OPEN, so its BGP Identifier is unknown);
 * 1: `a` loses; 2: `b` loses. A session in Established always wins.
 * The loser is then closed with bgp_session_stop(..., BGP_CEASE_COLLISION),
 * which sends the Cease NOTIFICATION of RFC 4486 subcode 7. */
int bgp_collision_loser(const bgp_session *a, bool a_local_initiated, const bgp_session *b);

const char *bgp_state_name(bgp_state st);

#endif
