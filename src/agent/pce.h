/*
 * pce.h - neto as a stateful, active PCE (RFC 8231, RFC 8281): a TCP
 * listener (port 4189 by default) accepting PCCs, one pcep_session per
 * connection, and per session the LSP database the PCC reports.
 *
 * LSP database: per session, keyed by PLSP-ID (assigned by the PCC) and by
 * symbolic path name (assigned by neto for the LSPs it creates; the name is
 * how a policy finds its LSP again after a reconnect, when the PCC reports
 * it under a new session). Each entry holds the last report (ERO, flags,
 * delegation) and the bookkeeping of the last request neto made about it:
 * the SRP-ID of the PCInitiate/PCUpd/removal, and whether a PCRpt carrying
 * that SRP-ID confirmed it or a PCErr (or an LSP-ERROR-CODE) refused it.
 *
 * State synchronisation (RFC 8231 s5.6): reports with the S flag fill the
 * database until the end-of-sync marker (PLSP-ID 0); requests are refused
 * until then, so no request races the PCC's own view.
 *
 * Sessions are found by the PCC's address (the TCP peer address). A session
 * that closes is kept, in state CLOSED with its reason, until the same PCC
 * connects again; its LSP database is dropped then (the PCC's sync report
 * is the truth).
 *
 * I/O: non-blocking sockets driven by pce_poll, single-threaded. Ownership:
 * the pce owns everything; pointers into it (pce_sess, pce_lsp) stay valid
 * until the next pce_poll or pce_free.
 */
#ifndef NETO_AGENT_PCE_H
#define NETO_AGENT_PCE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/err.h"
#include "lib/strmap.h"
#include "proto/pcep/session.h"

typedef enum pce_req_state {
	PCE_REQ_NONE = 0,
	PCE_REQ_PENDING,	/* sent, no answer yet */
	PCE_REQ_DONE,		/* a PCRpt with its SRP-ID came back */
	PCE_REQ_FAILED,		/* a PCErr (or an LSP error) answered it */
} pce_req_state;

typedef enum pce_req_kind { PCE_OP_INITIATE = 1, PCE_OP_UPDATE, PCE_OP_REMOVE } pce_req_kind;

typedef struct pce_lsp {
	char *name;		/* symbolic path name (owned); the key */
	bool exists;		/* the PCC reports it (not removed) */
	uint32_t plsp_id;
	uint16_t flags;		/* last LSP flags reported (PCEP_LSP_*) */
	pcep_path report;	/* last report (owned) */
	uint32_t report_srp;	/* SRP-ID of the last report that had one */
	/* the last request */
	pce_req_kind op;
	pce_req_state req;
	uint32_t srp_id;
	int64_t sent_at;
	pcep_ro asked;		/* the ERO the last request asked for (owned) */
	uint8_t err_type, err_value;
	char why[128];
} pce_lsp;

typedef struct pce_u32map {	/* uint32 key -> index, open addressing */
	uint32_t *key, *val;	/* key 0 = empty (PLSP-ID/SRP-ID 0 never stored) */
	size_t cap, count;
} pce_u32map;

typedef struct pce_sess {
	int fd;			/* -1 once closed */
	pcep_addr peer;
	uint16_t peer_port;
	pcep_session s;
	bool synced;		/* end-of-sync marker seen */
	int64_t up_since, closed_at;
	pce_lsp *lsp;		/* slots, one per name ever seen on the session */
	size_t n_lsp, cap_lsp;
	neto_strmap by_name;	/* name -> slot */
	pce_u32map by_plsp;	/* PLSP-ID -> slot */
	pce_u32map by_srp;	/* pending SRP-ID -> slot */
	uint32_t next_srp;
	uint64_t serial;	/* the pce's n-th accepted connection: tells a new
				 * session of the same PCC from the old one */
	uint64_t gen;		/* grows whenever the LSP database changes (a
				 * report, the end-of-sync marker) */
	uint64_t n_reports, n_errors, n_unmatched;
} pce_sess;

typedef struct pce_cfg {
	const char *host;	/* listen address; NULL: 0.0.0.0 */
	uint16_t port;		/* 0: any free port (tests); PCEP_PORT usually */
	pcep_session_cfg sess;
	FILE *log;		/* NULL: quiet */
} pce_cfg;

typedef struct pce {
	pce_cfg cfg;
	int lfd;
	uint16_t port;		/* the port bound */
	pce_sess **sess;
	size_t n_sess;
	uint64_t n_accepted;
} pce;

int pce_open(pce **out, const pce_cfg *cfg, neto_err *err);
void pce_free(pce *p);

/* Accepts, reads, runs the sessions' timers and writes, waiting up to
 * timeout_ms for something to happen (0: do not wait). now is the clock of
 * the timers. */
int pce_poll(pce *p, int timeout_ms, int64_t now, neto_err *err);

/* The newest session of the PCC at address A, or NULL. */
pce_sess *pce_find(pce *p, const pcep_addr *a);
bool pce_sess_up(const pce_sess *s);

/* The LSP named NAME on S, or NULL (never seen). */
pce_lsp *pce_lsp_find(pce_sess *s, const char *name);

/*
 * Requests. PATH gives what to ask for: END-POINTS, ERO, and optionally
 * ASSOCIATION, VENDOR-INFORMATION, BANDWIDTH, METRIC (its SRP and LSP are
 * filled here). NAME is the symbolic path name. Each sends one message with
 * a fresh SRP-ID and marks the LSP's request PENDING. -1 with *err when the
 * session is not up and synchronised, or the request makes no sense (an
 * update of an LSP that is not delegated to us, a removal of an LSP that is
 * not PCE-initiated).
 */
int pce_initiate(pce_sess *s, const char *name, const pcep_path *path, int64_t now,
		 neto_err *err);
int pce_update(pce_sess *s, const char *name, const pcep_path *path, int64_t now,
	       neto_err *err);
int pce_remove(pce_sess *s, const char *name, int64_t now, neto_err *err);

/* Number of LSPs that exist on S. */
size_t pce_lsp_count(const pce_sess *s);

#endif
