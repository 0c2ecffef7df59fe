/*
 * topology.h - the topology agent: keeps the store's topology snapshot
 * (store_topology_put, neto JSON) in step with a source (docs/agents.md).
 *
 * Sources:
 * - "file": a topology file in any format neto reads (REPETITA, GraphML,
 *   neto or networkx JSON), re-read whenever its identity, size or mtime
 *   changes. A file that stops parsing is reported and the last good
 *   snapshot stays in force.
 * - "sim": the caller (the simulator process) hands the current topology,
 *   with each link's `up`, through topoagent_set_topology.
 * - "bgp": the same, from the BGP-LS database of `neto agent topology NAME
 *   --bgp` (docs/bgp.md).
 *
 * Active-standby: any number of instances may run; the one that holds store
 * lease "topology" (taken with the agent's name as holder) writes, the others
 * only follow their source and take over when the lease expires.
 *
 * Rate limit: at most one new snapshot per min_interval_ms; the latest state
 * wins (intermediate states of a flapping link are never written). A new
 * snapshot is recorded in the audit log (actor: the agent's name, action
 * "topology", detail "version N: K links down").
 *
 * The agent is a step function: topoagent_tick does a bounded amount of work
 * (one stat, at most one read and parse of the file, at most three store
 * transactions) and returns. It keeps no state that matters across restarts:
 * on taking the lease it reads the latest snapshot back from the store.
 *
 * Ownership: the agent borrows the store (which must outlive it) and copies
 * everything else; topoagent_free releases it.
 */
#ifndef NETO_AGENT_TOPOLOGY_H
#define NETO_AGENT_TOPOLOGY_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/err.h"
#include "store/store.h"
#include "topo/topo.h"

#define TOPOAGENT_LEASE "topology"
#define TOPOAGENT_DEFAULT_INTERVAL_MS 1000
#define TOPOAGENT_DEFAULT_TTL_MS 5000

typedef enum topoagent_source {
	TOPOAGENT_FILE = 0,
	TOPOAGENT_SIM,
	TOPOAGENT_BGP,	/* like sim: the BGP-LS database hands the topology */
} topoagent_source;

typedef struct topoagent_cfg {
	const char *name;          /* unique per instance: the lease holder, the actor */
	topoagent_source source;
	const char *path;          /* file source: the topology file */
	double default_capacity;   /* file source: GraphML links without one; 0: required */
	int64_t min_interval_ms;   /* 0: TOPOAGENT_DEFAULT_INTERVAL_MS */
	int64_t lease_ttl_ms;      /* 0: TOPOAGENT_DEFAULT_TTL_MS */
} topoagent_cfg;

typedef struct topoagent topoagent;

/* What an agent has done, for tests, logs and /metrics. */
typedef struct topoagent_status {
	bool holder;              /* holds the lease as of the last tick */
	int64_t epoch;            /* the lease's epoch as last seen */
	int64_t version;          /* latest snapshot version known (0: none) */
	uint64_t snapshots;       /* snapshots this instance added */
	uint64_t parse_errors;    /* file versions that did not parse */
	uint32_t links_down;      /* in the current source state */
	bool pending;             /* source state not yet in the store */
	char last_error[512];     /* last problem reported; "" when none */
} topoagent_status;

/* Checks the configuration and creates an agent; nothing is read or
 * written before the first tick. The caller frees it with topoagent_free. */
int topoagent_new(topoagent **out, store *st, const topoagent_cfg *cfg, neto_err *err);
void topoagent_free(topoagent *a);

/*
 * One step at time now_ms (ms since the epoch; the caller's clock, never
 * going back): renews or tries to take the lease (at most every third of its
 * ttl), heartbeats, re-reads the file if it changed, and writes a snapshot if
 * this instance holds the lease, the source state differs from the stored
 * one and min_interval_ms has passed since the last snapshot.
 * Returns 0, or -1 with *err set when something needs reporting: the store
 * failed (retried at the next tick), or the file changed and does not parse
 * ("FILE:LINE: problem"; reported once per change of the file, the last good
 * snapshot stays). Either way the agent stays usable.
 */
int topoagent_tick(topoagent *a, int64_t now_ms, neto_err *err);

/*
 * Sim source: the current topology and its link states. The topology is
 * serialised at once (t is not kept); an unchanged state costs a
 * comparison. Fails on a file-source agent, or when t has no JSON form
 * (names that are not UTF-8).
 */
int topoagent_set_topology(topoagent *a, const topo *t, neto_err *err);

/* Releases the lease if held (a clean shutdown: a standby takes over at
 * once instead of after the ttl). */
int topoagent_release(topoagent *a, int64_t now_ms, neto_err *err);

const topoagent_status *topoagent_status_get(const topoagent *a);

#endif
