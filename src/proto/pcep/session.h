/*
 * session.h - one PCEP session as a step function (RFC 5440 s4.2, s6.2-6.4,
 * Appendix A): bytes and clock ticks in, bytes and messages out, no I/O.
 *
 * The caller owns the socket: it hands received bytes to
 * pcep_session_input, sends what pcep_session_output holds, calls
 * pcep_session_tick at pcep_session_deadline, and takes the delivered
 * messages (PCRpt, PCUpd, PCInitiate, PCErr, PCNtf) with pcep_session_next.
 * Open, Keepalive and Close are handled here: Open negotiation of the
 * keepalive and dead timers (a negotiable refusal proposes our values in a
 * PCErr 1/4 and waits for a second Open), OpenWait and KeepWait timers,
 * keepalives, the dead timer, and a PCErr (and Close where the RFC says so)
 * for every malformed or unexpected message. Both roles use it: the PCE
 * advertises stateful U/I and SR capabilities, the PCC its own.
 *
 * Times are milliseconds on the caller's clock. Ownership: the session owns
 * its buffers; messages from pcep_session_next belong to the caller
 * (pcep_msg_free then free()).
 */
#ifndef NETO_PROTO_PCEP_SESSION_H
#define NETO_PROTO_PCEP_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/pcep/pcep.h"

typedef enum pcep_state {
	PCEP_ST_IDLE = 0,	/* not started */
	PCEP_ST_OPENWAIT,	/* our Open sent, waiting for the peer's */
	PCEP_ST_KEEPWAIT,	/* peer's Open accepted, waiting for its Keepalive */
	PCEP_ST_UP,
	PCEP_ST_CLOSED,		/* Close sent or received, or the timers ran out */
} pcep_state;

typedef struct pcep_session_cfg {
	bool pcc;		/* the PCC side (else the PCE) */
	uint8_t keepalive;	/* ours, seconds; default 30 */
	uint8_t deadtimer;	/* what we ask the peer to use; default 4 x keepalive */
	uint8_t min_keepalive;	/* peer's smallest acceptable; default 1 */
	uint8_t sid;
	uint8_t msd;		/* SR MSD advertised; default 10 */
	bool srv6;		/* advertise PST 3 (SRv6) too */
	int64_t openwait_ms;	/* default 60 s (RFC 5440 s4.2.1) */
	int64_t keepwait_ms;	/* default 60 s */
	uint32_t max_unknown;	/* unknown messages per minute before Close; 5 */
} pcep_session_cfg;

typedef struct pcep_session {
	pcep_session_cfg cfg;
	pcep_state state;
	/* what the peer's Open said */
	uint8_t peer_keepalive, peer_deadtimer, peer_sid;
	pcep_tlvs peer_caps;	/* the TLVs of its OPEN (owned) */
	bool open_recv, ka_recv, second_open;
	/* our Open (its values change after a PCErr 1/4) */
	uint8_t keepalive, deadtimer;
	int64_t state_since, last_rx, last_tx;
	int64_t unknown_since;
	uint32_t n_unknown;
	/* input */
	uint8_t *in;
	size_t in_len, in_cap;
	/* output: bytes to send */
	wire_wr out;
	/* delivered messages, FIFO */
	pcep_msg **rx;
	size_t rx_head, rx_len, rx_cap;
	/* why it closed: the Close reason sent or received, and text */
	uint8_t close_reason;
	bool close_by_peer;
	char why[256];
	uint64_t n_in, n_out, n_errors_sent;
} pcep_session;

void pcep_session_cfg_default(pcep_session_cfg *c, bool pcc);
void pcep_session_init(pcep_session *s, const pcep_session_cfg *cfg);
void pcep_session_free(pcep_session *s);

/* Sends our Open (the TCP connection is up). */
void pcep_session_start(pcep_session *s, int64_t now);

/* Takes received bytes. Returns 0, or -1 once the session is closed
 * (s->why says why). */
int pcep_session_input(pcep_session *s, const uint8_t *buf, size_t len, int64_t now);

/* Runs the timers: keepalives, dead timer, OpenWait, KeepWait. */
void pcep_session_tick(pcep_session *s, int64_t now);

/* When pcep_session_tick next has something to do (INT64_MAX: nothing). */
int64_t pcep_session_deadline(const pcep_session *s);

/* The next delivered message or NULL; the caller frees it (pcep_msg_free,
 * free). */
pcep_msg *pcep_session_next(pcep_session *s);

/* Queues a message (only once UP; -1 with *err otherwise or if it cannot be
 * encoded). */
int pcep_session_send(pcep_session *s, const pcep_msg *m, int64_t now, neto_err *err);
/* Queues a PCErr (and an SRP-ID it answers, 0: none). */
void pcep_session_send_error(pcep_session *s, uint8_t type, uint8_t value, uint32_t srp_id,
			     int64_t now);
/* Sends Close with REASON and closes. */
void pcep_session_close(pcep_session *s, uint8_t reason, int64_t now);

/* Bytes waiting to be sent; pcep_session_sent(s, n) drops the first n. */
static inline const uint8_t *pcep_session_output(const pcep_session *s, size_t *len)
{
	*len = s->out.len;
	return s->out.buf;
}
void pcep_session_sent(pcep_session *s, size_t n);

const char *pcep_state_name(pcep_state st);

#endif
