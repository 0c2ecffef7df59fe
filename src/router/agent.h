/*
 * agent.h - `neto router`: the agent that runs on each Linux router. It is
 * a stateful PCC (RFC 8231, RFC 8281) that delegates its SR policies to
 * neto's PCE and programs the ones the PCE creates into the kernel's SRv6
 * data plane through the rt_ module (rt.h):
 *
 *   - an LSP is one candidate path (one segment list) of an SR policy; the
 *     LSPs with the same colour and end point make one policy, i.e. one
 *     seg6 route per destination prefix of the end point, in the routing
 *     table of the colour's class, with one weighted next hop per LSP;
 *   - every change of the group is one REPLACE (make-before-break);
 *   - after each change the agent reads the table back and reports what the
 *     kernel holds: an LSP whose segment list is in the kernel is UP with
 *     that list as its ERO; one the kernel (or the agent) refused is DOWN
 *     with an LSP-ERROR-CODE (RFC 8231 s7.3.3);
 *   - when the PCEP session has been down longer than the state timeout
 *     (RFC 8231 s5.7.5, RFC 8281 s5.7), the PCE-initiated LSPs and their
 *     routes go, and traffic falls back to the IGP; a session that comes
 *     back within it gets the LSPs in its state synchronisation.
 *
 * Configuration: the [router] section of neto's configuration file
 * (docs/router.md), which cfg_parse leaves to this parser, and command-line
 * flags over it. ragent_cfg_parse is pure (fuzzed, unit-tested).
 *
 * Ownership: a ragent_cfg owns its strings and arrays (ragent_cfg_free);
 * a ragent owns its socket, its netlink socket and its PCC (ragent_free).
 */
#ifndef NETO_ROUTER_AGENT_H
#define NETO_ROUTER_AGENT_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/err.h"
#include "proto/pcep/pcc.h"
#include "router/lsexport.h"
#include "router/probe.h"
#include "router/rt.h"
#include "router/telemetry.h"

#define RAGENT_MAX_CLASSES 64
#define RAGENT_MAX_ENDPOINTS 256

/* LSP-ERROR-CODE values (RFC 8231 s7.3.3) */
#define RAGENT_LSPERR_UNACCEPTABLE 4	/* the path cannot be used here */
#define RAGENT_LSPERR_INTERNAL 5	/* the kernel refused it */

typedef struct ragent_class {	/* colour -> DSCP and routing table */
	uint32_t color;
	uint8_t dscp;		/* 0..63 */
	uint32_t table;		/* 1..2^32-1, not 253..255 */
} ragent_class;

typedef struct ragent_endpoint {	/* an end point's destination prefixes */
	pcep_addr addr;
	uint32_t n;
	rt_prefix p[RT_MAX_PREFIXES];
} ragent_endpoint;

typedef struct ragent_cfg {
	char *name;		/* for logs; default the host name */
	char *pce_host;		/* the PCE's address (literal); required to run */
	uint16_t pce_port;	/* default 4189 */
	pcep_addr addr;		/* our PCC address; af 0: the connection's */
	int64_t state_timeout_ms;	/* default 30 s */
	int64_t reconnect_ms;		/* first retry; doubles up to 32x; default 1 s */
	uint8_t keepalive;	/* seconds; default 30 (dead timer 4x) */
	uint32_t rule_prio;	/* priority of the DSCP rules; default 1000 */
	/* time the agent waits before programming the kernel after a request
	 * of the PCE (PCInitiate, PCUpd), emulating a device's control-plane
	 * and FIB latency; 0 (default): none. The report follows the
	 * programming, so it stays truthful. */
	int64_t apply_delay_ms;
	ragent_class cls[RAGENT_MAX_CLASSES];
	uint32_t n_cls;
	ragent_endpoint *ep;	/* owned */
	uint32_t n_ep;
	/* BGP-LS export (lsexport.h) to the peers of the file's [bgp] and
	 * [peer NAME] sections: the TE database's source, "frr:INSTANCE"
	 * (vtysh -N INSTANCE) or "file:PATH"; NULL: no export */
	char *te_source;
	int64_t te_period_ms;	/* default 5 s */
	bool has_locator;	/* the local SRv6 locator */
	bgp_pfx locator;
	bool has_igp_rid;	/* the local IGP router ID (IPv4) */
	uint8_t igp_rid[4];
	lsexport_delay *delays;	/* owned; unidirectional delay per local address */
	uint32_t n_delays;
	/* interface telemetry (telemetry.h) into the store at telemetry_store;
	 * NULL: none */
	char *telemetry_store;
	int64_t telemetry_period_ms;	/* default 5 s */
	double telemetry_unit_bps;	/* the topology's unit; default 1e6 (Mbps) */
	telemetry_link *links;	/* owned: interface -> topology link */
	uint32_t n_links;
	/* latency probes per (prefix, egress) into the store (probe.h);
	 * probe.targets NULL: none */
	probe_cfg probe;
} ragent_cfg;

void ragent_cfg_defaults(ragent_cfg *c);
void ragent_cfg_free(ragent_cfg *c);

/*
 * Reads the [router] section of the configuration file (buf, len) named
 * NAME into *c (which holds the defaults or earlier values; keys found
 * replace them, class and endpoint lines add). Other sections are ignored:
 * they belong to cfg_parse and the other agents. -1 with "NAME:LINE:
 * problem" in *err on an unknown key or a bad value.
 */
int ragent_cfg_parse(const char *buf, size_t len, const char *name, ragent_cfg *c,
		     neto_err *err);

/* One key = value of [router] (also what the command-line flags use):
 * name, pce, address, state_timeout, reconnect, keepalive, rule_priority,
 * apply_delay (a duration, at most 60 s), class ("COLOR DSCP TABLE"), endpoint ("ADDRESS PREFIX [PREFIX...]"),
 * te_source, te_period, locator, igp_router_id, delay ("ADDRESS MICROSECONDS"),
 * telemetry_store, telemetry_period, telemetry_unit, link ("IFNAME ID SRC DST"). */
int ragent_cfg_set(ragent_cfg *c, const char *key, const char *value, neto_err *err);

/* Checks that the configuration can run (a PCE address). */
int ragent_cfg_check(const ragent_cfg *c, neto_err *err);

const ragent_class *ragent_class_find(const ragent_cfg *c, uint32_t color);
const ragent_endpoint *ragent_endpoint_find(const ragent_cfg *c, const pcep_addr *a);

/* ---- pure helpers (unit-tested) ------------------------------------------ */

/* The SR Policy colour of an LSP: the ASSOCIATION's EXTENDED-ASSOCIATION-ID
 * (RFC 9862) or the vendor information FRR and neto's PCE send. false: none. */
bool ragent_path_color(const pcep_path *p, uint32_t *color);

/* The SRv6 segment list of an ERO into l->segs (SIDs in order). -1 with
 * *err when the ERO is not an SRv6-ERO with every SID present, is empty or
 * longer than RT_MAX_SEGS. */
int ragent_ero_segs(const pcep_ro *ero, rt_seglist *l, neto_err *err);

/* Weights for n LSPs from their BANDWIDTH (when every one has a positive
 * one: proportional, scaled into 1..RT_MAX_WEIGHT), else all 1. */
void ragent_weights(const float *bw, size_t n, uint32_t *w);

/* ---- the agent ----------------------------------------------------------- */

typedef struct ragent_meta ragent_meta;

typedef struct ragent {
	ragent_cfg cfg;
	rt_nl *nl;
	pcc pcc;
	int fd;			/* PCEP connection, -1: none */
	int64_t next_try;	/* next connection attempt (monotonic ms) */
	int64_t backoff;
	int64_t down_since;	/* session not up since; -1: up */
	bool flushed;		/* policies removed after the state timeout */
	ragent_meta *meta;	/* per LSP name: colour, end point, failure */
	size_t n_meta, cap_meta;
	FILE *log;
	struct lsx *lsx;	/* BGP-LS export; NULL: none */
	telemetry *tel;		/* interface telemetry; NULL: none */
	uint64_t n_programmed, n_refused, n_flushes, n_connects;
	bool waited;		/* apply_delay spent in this read of the session */
} ragent;

/* Opens the netlink socket and installs the DSCP rules. cfg is copied
 * (the ragent owns the copy; the caller keeps and frees its own). */
int ragent_open(ragent *a, const ragent_cfg *cfg, FILE *log, neto_err *err);
/* Runs until *stop becomes non-zero; then removes neto's policies and
 * rules and closes the session. */
int ragent_run(ragent *a, volatile sig_atomic_t *stop, neto_err *err);
void ragent_free(ragent *a);

/* ---- BGP-LS export (lsexport_agent.c) ----------------------------------- */

struct bgp_cfg;
typedef struct lsx lsx;
/* A BGP speaker towards the peers of bc that announces the TE database of
 * cfg->te_source every te_period as BGP-LS, only what changed after the
 * first full announcement of each session. */
int lsx_open(lsx **out, const ragent_cfg *cfg, const struct bgp_cfg *bc, FILE *log,
	     neto_err *err);
/* One round: sockets, timers, a read of the TE database when it is due. */
void lsx_poll(lsx *x, int64_t now_ms);
void lsx_free(lsx *x);
/* Runs the source (vtysh, or reads the file): the JSON text, caller frees. */
char *lsx_read_source(const char *source, size_t *len, neto_err *err);

/* Next hop (interface and gateway) the kernel's main table gives dst:
 * RTM_GETROUTE (agent_nl.c). */
int ragent_nexthop(const uint8_t dst[16], uint32_t *oif, bool *has_via, uint8_t via[16],
		   neto_err *err);

#endif
