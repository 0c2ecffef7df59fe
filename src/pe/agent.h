/*
 * agent.h - the peering role (`neto agent peering NAME`, docs/peering.md):
 * each interval, the egress ISP of every destination prefix with traffic.
 *
 * One instance leads (lease "peering"); the others wait and take over when
 * its lease expires. Each cycle the leader
 *  1. renews the lease (a standby only tries to take it);
 *  2. gathers the traffic: every "pe-traffic" kv row (flow agents) and an
 *     optional text file, aggregated by longest match onto the prefixes the
 *     route table holds routes for, per prefix: the classes' rates summed,
 *     the class of its highest-precedence class, the rate per ingress site;
 *  3. gathers the latency: "pe-latency" kv rows (pe/latency_store.h) not
 *     older than PE_AGENT_MAX_AGE intervals, else the static table, else
 *     the default;
 *  4. runs pe_decide with what it remembers per prefix (its last choice and
 *     when it moved: hold-down), and
 *  5. writes "peering"/"desired" and one audit row per move.
 * The route table comes from the BMP sessions of the border routers (the
 * command does the sockets and feeds pe/collector sessions into
 * pe_agent_rib) or, for tests and runs without routers, from route files
 * and BMP captures through pe_agent_input.
 *
 * Fencing: store_kv_put and store_audit_add take no fence, so the agent
 * renews the lease right before it writes and writes only while the lease
 * is still its own with the epoch it took it at and the local clock is
 * within the lease's end (as the topology agent does; the margin is the
 * lease against clock skew, store.h). A leader that lost the lease writes
 * nothing. When an instance takes the lease it first reads the last
 * "peering"/"desired" document and keeps those choices (held down from the
 * takeover), so a new leader does not undo its predecessor's moves.
 *
 * Ownership: the agent owns its pe_input (route table, peering file, static
 * table) and its memory per prefix; the store is the caller's.
 */
#ifndef NETO_PE_AGENT_H
#define NETO_PE_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/err.h"
#include "pe/io.h"
#include "pe/pe_cfg.h"
#include "store/store.h"

#define PE_AGENT_LEASE "peering"
#define PE_AGENT_NS "peering"
#define PE_AGENT_KEY "desired"
#define PE_AGENT_TRAFFIC_NS "pe-traffic"
/* measured latency older than this many intervals (at least 3 x 10 s) is
 * stale, as is a traffic document */
#define PE_AGENT_MAX_AGE 3

typedef struct pe_agent_opts {
	const char *name;		/* the instance: lease holder, audit and heartbeat */
	const pe_cfg *cfg;		/* [peering]; peering_file is required */
	int64_t lease_ms;		/* lease ttl, default 10 s */
	const char *traffic_file;	/* optional text traffic, re-read every cycle */
	float default_lat;		/* ms, when no latency is known; default 100 */
} pe_agent_opts;

typedef struct pe_agent_stats {
	bool leader;		/* held the lease this cycle */
	bool wrote;		/* wrote the document */
	bool seeded;		/* took over and read the previous document */
	bool reloaded;		/* the peering file or static table changed */
	char warning[sizeof(neto_err)];	/* "" or why the edited files were not taken */
	int64_t cycle;		/* the document's cycle number */
	size_t prefixes_routed, routes, demands, unrouted_rows, stale_rows, meas;
	size_t bad_rows;	/* unreadable traffic rows, latency rows naming no egress */
	size_t moves, latency_moves, relief_moves, withdrawn_moves, capped;
	size_t announced;	/* prefixes whose choice differs from BGP's */
	size_t splits;		/* prefixes announced as more-specifics */
	size_t over_headroom;	/* links */
	double traffic;		/* bit/s placed */
	double ms;		/* the cycle's time, of which: */
	double ms_inputs;	/* traffic and latency read and aggregated */
	double ms_decide;	/* candidates built, decision */
	double ms_write;	/* lease check, document and audit rows written */
} pe_agent_stats;

typedef struct pe_agent pe_agent;

/* Reads the peering file and the static table named by the configuration
 * (again at each cycle: edits apply, egresses matched by name; an edit
 * that does not parse is reported and the last good files stay).
 * t0_ms: the agent's start (hold-down times are kept relative to it). */
int pe_agent_new(pe_agent **out, store *st, const pe_agent_opts *o, int64_t t0_ms,
		 neto_err *err);
void pe_agent_free(pe_agent *a);

/* The inputs: feed routes with pe_parse_routes / pe_read_bmp before the
 * first cycle (router names as in the peering file). */
pe_input *pe_agent_input(pe_agent *a);
pe_rib *pe_agent_rib(pe_agent *a);

/* A route table router number for a new BMP session from address `name`
 * (a closed session's number when one came from that address), and the
 * name it is known by (its sysName once the Initiation arrives, its
 * address before): an egress's ROUTER matches a live session of that name
 * (of two, the one numbered last). */
uint32_t pe_agent_session_new(pe_agent *a, const char *name);
void pe_agent_session_name(pe_agent *a, uint32_t router, const char *name);
/* The session ended (its routes are gone): it no longer names a router. */
void pe_agent_session_end(pe_agent *a, uint32_t router);

/* Grace period ([peering] bmp_grace): the session ended but its routes
 * stay, and it keeps naming its router, until until_ms, or until a newer
 * session of the same name has sent its whole table (synced), whichever
 * comes first; pe_agent_sweep then removes them. A reconnecting router
 * thus never leaves the decision with a partial table, and a short BMP
 * outage moves nothing. */
void pe_agent_session_linger(pe_agent *a, uint32_t router, int64_t until_ms);
/* The session's initial table is complete. */
void pe_agent_session_synced(pe_agent *a, uint32_t router);
/* Ends one lingering session whose time is over or which a synced one
 * replaced, removing its routes: how many (0: none ended; name gets its
 * name, "" when none). Call until it returns 0 and name is "". */
size_t pe_agent_sweep(pe_agent *a, int64_t now_ms, char *name, size_t name_cap);

/* Takes or renews the lease (call every lease/3); *leader says whether this
 * instance leads. A standby that becomes leader reads the last document at
 * its next cycle. */
int pe_agent_lease(pe_agent *a, int64_t now_ms, bool *leader, neto_err *err);
/* One cycle at now_ms (renews the lease first). A standby does nothing but
 * try the lease (s->leader false). -1 and *err on a store or input error. */
int pe_agent_cycle(pe_agent *a, int64_t now_ms, pe_agent_stats *s, neto_err *err);
/* Gives the lease up (stopping). */
int pe_agent_release(pe_agent *a, int64_t now_ms, neto_err *err);

/* "cycle 3: prefixes 5 routes 9 demands 4 moves 2 (latency 2 overload 0
 * withdrawn 0 capped 0) announced 2 over-headroom 0 traffic 3.2e+09 time
 * 1.2 ms (inputs 0.5 decision 0.3 store 0.4)" */
void pe_agent_stats_print(const pe_agent_stats *s, FILE *f);

#endif
