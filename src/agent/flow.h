/*
 * flow.h - the flow agents: a tree that turns exporters' flow records into
 * the demand matrices of the store (docs/agents.md).
 *
 * - A leaf reads the record batches of its exporters (store messages on
 *   topic "flow.<exporter>", flowmsg.h), scales them up by the sampling
 *   interval, sums bytes per (ingress, egress, class) over each window and,
 *   once the window has ended and a grace period has passed, sends its
 *   parent a partial matrix (topic "partial.<parent>") of rates, listing the
 *   exporters that sent nothing for that window as missing.
 * - A parent reads its children's partials (topic "partial.<name>"), merges
 *   the partials of a window once every child has reported or a timeout has
 *   passed (a child that did not report is listed as missing, with the
 *   exporters under it as the store's agent registry knows them), smooths
 *   the merged matrices (flow_smooth.h) and either writes the demand matrix
 *   (the root: store_demand_put, neto demand CSV, with the missing list) or
 *   sends a partial to its own parent (an intermediate agent).
 * - A leaf without a parent is a tree of one: it is the root, and smooths
 *   and writes the demand matrix itself.
 *
 * Windows are aligned: window k covers [k * window_ms, (k + 1) * window_ms)
 * of the epoch, and every agent of a tree uses the same window_ms (messages
 * with another window length are rejected). Rates are in the topology's
 * unit: rate = bytes * 8 / window seconds / bits_per_unit (bits_per_unit =
 * 1e6 when the topology's unit is Mbps); every agent of a tree uses the same
 * bits_per_unit, which partials carry and parents check.
 *
 * What survives a crash: each agent keeps in the store (key-value namespace
 * "flow", key: its name) the next window it will close and, for a parent,
 * its smoothing state, written before the window's output. Lost are the
 * messages taken and not yet turned into output: at most the open windows'
 * aggregates (a leaf's bytes so far, a parent's partials of windows not yet
 * merged). Upstream this shows, never silently: the exporters or children
 * whose share was lost are listed as missing for those windows.
 *
 * A tick does a bounded amount of work: per topic at most
 * FLOWAGENT_TAKE_LIMIT messages, at most FLOWAGENT_CLOSE_LIMIT windows
 * closed. An agent that fell more than FLOWAGENT_MAX_BACKLOG windows behind
 * skips to the present (the skipped windows produce no output; reported).
 *
 * Ownership: an agent borrows the store and copies its configuration;
 * flowagent_free releases it.
 */
#ifndef NETO_AGENT_FLOW_H
#define NETO_AGENT_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/flow_smooth.h"
#include "lib/err.h"
#include "store/store.h"

#define FLOWAGENT_KV_NS "flow"
#define FLOWAGENT_DEFAULT_WINDOW_MS 10000
#define FLOWAGENT_DEFAULT_HEARTBEAT_MS 5000
#define FLOWAGENT_TAKE_LIMIT 1000
#define FLOWAGENT_CLOSE_LIMIT 8
#define FLOWAGENT_MAX_BACKLOG 64

typedef enum flowagent_kind {
	FLOWAGENT_LEAF = 0,
	FLOWAGENT_PARENT,
} flowagent_kind;

typedef struct flowagent_cfg {
	const char *name;   /* unique in the tree; a valid flowmsg name */
	flowagent_kind kind;
	/* the agent its partials go to; NULL: the root, which smooths and
	 * writes the demand matrix (a lone leaf may be the root) */
	const char *parent;
	const char *const *exporters; /* leaf: 1 or more, distinct */
	size_t n_exporters;
	const char *const *children;  /* parent: 1 or more, distinct */
	size_t n_children;
	int64_t window_ms;  /* 0: FLOWAGENT_DEFAULT_WINDOW_MS */
	/* leaf: how long after a window's end its records may still arrive;
	 * 0: window_ms / 5 */
	int64_t grace_ms;
	/* parent: how long after a window's end it waits for children that
	 * have not reported; 0: window_ms / 2. It must exceed the children's
	 * own grace or timeout (and the tick period), or their partials arrive
	 * after the parent gave up on them. */
	int64_t timeout_ms;
	double bits_per_unit; /* > 0: bits per second of one rate unit */
	/* parents and the root; a leaf with a parent sends its windows as
	 * measured and ignores it */
	flowagent_smoothing smoothing;
	int64_t heartbeat_ms; /* 0: FLOWAGENT_DEFAULT_HEARTBEAT_MS */
} flowagent_cfg;

typedef struct flowagent flowagent;

/* Counters, for tests, logs and /metrics. */
typedef struct flowagent_stats {
	uint64_t messages;       /* batches (leaf) or partials (parent) accepted */
	uint64_t records;        /* leaf: records aggregated */
	uint64_t local_records;  /* leaf: records with ingress == egress, not demand */
	uint64_t rejected;       /* messages that failed to decode or validate */
	uint64_t late;           /* messages for a window already closed */
	uint64_t duplicates;     /* parent: a second partial of a child for a window */
	uint64_t windows;        /* windows closed (output written) */
	uint64_t skipped;        /* windows skipped after falling behind */
	int64_t next_window;     /* start of the next window to close */
	char last_error[512];    /* last problem reported; "" when none */
} flowagent_stats;

/* Checks the configuration and creates an agent; nothing is read or written
 * before the first tick. */
int flowagent_new(flowagent **out, store *st, const flowagent_cfg *cfg, neto_err *err);
void flowagent_free(flowagent *a);

/*
 * One step at now_ms (the caller's clock, never going back): loads the
 * stored state on the first tick, heartbeats when due, takes the agent's
 * messages up to now_ms, and closes the windows that are due.
 * Returns 0, or -1 with *err set when something needs reporting: a store
 * failure (the tick stopped there; the next tick retries, output not yet
 * written included), or rejected input (messages that failed to decode or
 * validate, late messages, skipped windows; the rest of the tick's work was
 * done). The agent stays usable either way.
 */
int flowagent_tick(flowagent *a, int64_t now_ms, neto_err *err);

const flowagent_stats *flowagent_stats_get(const flowagent *a);

/* Bits per second of a capacity unit name ("bps", "kbps", "Mbps", "Gbps",
 * "Tbps", any case); 0 when unknown. */
double flowagent_unit_bits(const char *unit);

#endif
