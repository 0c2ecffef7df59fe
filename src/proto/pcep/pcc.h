/*
 * pcc.h - a minimal stateful PCC (RFC 8231, RFC 8281) over pcep_session:
 * it synchronises its LSPs when the session comes up (PCRpt with the S flag,
 * then the end-of-sync marker), accepts PCE-initiated LSPs, updates of
 * delegated LSPs and removals, and answers each with a PCRpt carrying the
 * request's SRP-ID, or a PCErr naming the SRP-ID and the RFC's error.
 *
 * It holds LSPs as state only (no forwarding): it is the test peer of the
 * PCE and the benchmark's, and the base of a router agent that would apply
 * the LSPs to a data plane (the hook is pcc_cfg.accept).
 *
 * The state machine is pure (bytes in, bytes out); pcc_connect and pcc_io
 * are the optional socket glue. Ownership: the pcc owns its LSPs and
 * session; pointers to pcc_lsp stay valid until the next input.
 */
#ifndef NETO_PROTO_PCEP_PCC_H
#define NETO_PROTO_PCEP_PCC_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/strmap.h"
#include "proto/pcep/session.h"

typedef struct pcc_lsp {
	char *name;		/* owned; the slot's key */
	bool alive;
	uint32_t plsp_id;
	uint16_t flags;		/* PCEP_LSP_* as reported */
	pcep_path path;		/* ERO, END-POINTS, ASSOCIATION... as installed */
	uint32_t last_srp;
	uint32_t lsp_error;	/* LSP-ERROR-CODE to report (RFC 8231 s7.3.3), 0: none */
} pcc_lsp;

/* May refuse an LSP (returns an Error-value of Error-Type 24, e.g.
 * PCEP_EV_UNACCEPTABLE_PARAMS, or 0 to accept). */
typedef uint8_t (*pcc_accept_fn)(void *arg, const char *name, const pcep_path *path);

/* Called once an accepted request is held (initiated or updated; removed
 * with l->alive false), before its report is written: a data plane applies
 * it here and may rewrite what the report says (l->path.ero, the O field of
 * l->flags, l->lsp_error). */
struct pcc;
typedef void (*pcc_installed_fn)(void *arg, struct pcc *c, pcc_lsp *l);

typedef struct pcc_cfg {
	pcep_session_cfg sess;
	pcep_addr addr;		/* our address (LSP identifiers) */
	pcc_accept_fn accept;	/* NULL: accept all */
	void *accept_arg;
	uint32_t max_lsps;	/* 0: no limit (else PCErr 19/6 beyond) */
	pcc_installed_fn installed;	/* NULL: none */
	void *installed_arg;
} pcc_cfg;

typedef struct pcc {
	pcc_cfg cfg;
	pcep_session s;
	pcc_lsp *lsp;		/* slots, one per name */
	size_t n_lsp, cap_lsp;
	neto_strmap by_name;
	uint32_t *plsp_slot;	/* PLSP-ID -> slot + 1 (0: none) */
	size_t cap_plsp;
	uint32_t next_plsp;
	bool synced;		/* our state report sent */
	uint64_t n_initiated, n_updated, n_removed, n_refused;
} pcc;

void pcc_init(pcc *c, const pcc_cfg *cfg);
void pcc_free(pcc *c);
void pcc_start(pcc *c, int64_t now);
/* Bytes from the PCE. Returns -1 once the session is closed. */
int pcc_input(pcc *c, const uint8_t *buf, size_t len, int64_t now);
void pcc_tick(pcc *c, int64_t now);
/* A new session (after the connection was lost) that keeps the LSPs: they
 * are reported again at synchronisation (RFC 8231 s5.6). */
void pcc_restart(pcc *c);

/* An LSP configured on the PCC itself (delegated to the PCE, reported at
 * synchronisation). */
pcc_lsp *pcc_add_local(pcc *c, const char *name, const pcep_path *path);
pcc_lsp *pcc_find(pcc *c, const char *name);
size_t pcc_count(const pcc *c);
/* The router removes LSP NAME by itself (an operator, a local policy, a
 * failure it will not recover from) and reports it with the R flag (RFC
 * 8231 s7.3), without an SRP-ID (no request of the PCE caused it). -1 when
 * there is no such LSP or it is gone already. */
int pcc_drop(pcc *c, const char *name, int64_t now);

/* Socket glue: a blocking connect to HOST:PORT, then non-blocking. Returns
 * the fd or -1 with *err. */
int pcc_connect(const char *host, uint16_t port, neto_err *err);
/* Reads what is there, processes it, runs the timers, writes. Returns -1
 * when the connection or the session is closed. */
int pcc_io(pcc *c, int fd, int64_t now);

#endif
