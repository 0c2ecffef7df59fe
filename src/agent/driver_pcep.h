/*
 * driver_pcep.h - the southbound driver of the updating agents for routers
 * that are stateful PCCs (driver.h; docs/pcep.md): neto is their active,
 * stateful PCE.
 *
 * A policy "DST/CLASS" on router R becomes one PCE-initiated SR LSP per
 * path of the task's desired state, named "neto/DST/CLASS/I" on R's
 * session: PCInitiate when it does not exist, PCUpd when its segment list
 * changed, PCInitiate with the R flag for paths (or policies) that go. The
 * head-end is R (its PCC address), the END-POINTS destination DST's address,
 * the colour the class's (a vendor-information object, as FRR pathd reads
 * it). Segments are SRv6 SIDs in neto's model: with the mpls data plane
 * (FRR pathd 8.4) each SID maps to an MPLS label (and, optionally, the node
 * address the SR-ERO names as its NAI); with the srv6 data plane they go as
 * SRv6-ERO subobjects (RFC 9603).
 *
 * status() is DONE only when the PCC's reports show every path's LSP with
 * the desired segment list (and no LSP of the policy beyond them; none at
 * all for a removal), FAILED when a PCErr or an LSP error answered the last
 * request, PENDING otherwise (including while the session is down). The
 * readback is the desired document with each path's segments as the PCC
 * reported them, plus a "pcep" array with the LSPs' PLSP-IDs and flags;
 * weights and rate limits are not signalled in PCEP, so they are the
 * desired ones.
 *
 * The PCE runs inside the driver: every call polls its sockets without
 * waiting, so the agent's tick drives the sessions. Session timers use the
 * monotonic clock, not the agent's (which may run faster in a simulation).
 */
#ifndef NETO_AGENT_DRIVER_PCEP_H
#define NETO_AGENT_DRIVER_PCEP_H

#include <stdio.h>

#include "agent/driver.h"
#include "agent/pce.h"
#include "store/store.h"

typedef struct driver_pcep_cfg {
	const char *listen;		/* "HOST:PORT"; NULL: "0.0.0.0:4189" */
	char *const *peers;		/* "ROUTER=ADDRESS" items */
	size_t n_peers;
	const char *map;		/* map file (docs/pcep.md); NULL: none */
	const char *map_text;		/* or the map's text itself (tests) */
	uint8_t keepalive, deadtimer;	/* 0: 30 s and 120 s */
	FILE *log;
} driver_pcep_cfg;

int driver_pcep_init(agent_driver *drv, const driver_pcep_cfg *cfg, neto_err *err);

/*
 * Makes the store's installed state of the routers (among ROUTERS, globs)
 * follow what their PCCs report (docs/pcep.md, "Installed state"): after a
 * session's synchronisation and after every report that changes its LSP
 * database, each policy with LSPs named "neto/DST/CLASS/I" is recorded as
 * reported and the rows of policies no longer reported are deleted; once a
 * router has had no session for the state timeout, its rows are deleted.
 * Only the holder of lease "pcep/ROUTER" (AGENT, taken while the session is
 * up) writes them. NOW is the store's clock (the agent's).
 */
int driver_pcep_reconcile(const agent_driver *drv, store *st, const char *agent,
			  const char *routers, int64_t now, neto_err *err);

/* The PCE inside (tests: its port, its sessions). */
pce *driver_pcep_pce(const agent_driver *drv);
/* The session of ROUTER (by its mapped address), or NULL. */
pce_sess *driver_pcep_session(const agent_driver *drv, const char *router);

#endif
