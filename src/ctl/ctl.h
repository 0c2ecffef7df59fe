/*
 * ctl.h - the controller's computation: from the network's state in the
 * store (topology, demands, intents, what routers report as installed) to a
 * target allocation, a congestion-free plan to reach it and the tasks that
 * carry the plan to the routers.
 *
 * The computation is pure (no store, no clock, no I/O): controller.c reads
 * the store, calls ctl_compute, and writes the result in one fenced
 * transaction. Tests call ctl_compute directly.
 *
 * Two topologies are derived from the snapshot:
 * - the plan topology: every link of the snapshot, capacities lowered by the
 *   background load (traffic not under neto's control, routed on IGP
 *   shortest paths); transitions are checked against it;
 * - the TE topology: the same without links that are down or drained, on
 *   which the target is computed. Node order and link ids are the same, and
 *   every link keeps the End.X SID it has in the full topology, so segment
 *   lists mean the same on the routers.
 *
 * Ownership: ctl_result owns everything in it (ctl_result_free).
 */
#ifndef NETO_CTL_CTL_H
#define NETO_CTL_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "demand/demand.h"
#include "lib/err.h"
#include "store/store.h"
#include "topo/topo.h"

/* What the live intents ask for, resolved against the topology. */
typedef struct ctl_intents {
	bool *link_off;		/* per link of the snapshot: drained */
	uint32_t n_drained_links;
	/* share of each class (by class index of the class set in use)
	 * placed under neto; 1 when no intent says otherwise */
	double *class_share;
	/* share intents limited to site pairs: (src, dst, class or
	 * UINT32_MAX for all, share) */
	struct ctl_pair_share {
		uint32_t src, dst, cls;
		double share;
	} *pair_share;
	size_t n_pair_share;
	/* pinned paths: (src, dst, class) on the given links */
	struct ctl_pin {
		uint32_t src, dst, cls;
		uint32_t *links;
		uint32_t n_links;
	} *pins;
	size_t n_pins;
	/* a "classes" intent: the class set to use instead of the default */
	bool have_classes;
	class_set classes;
	/* intents that could not be applied (unknown link, router, class):
	 * one line each, for the cycle log */
	char *warnings;
} ctl_intents;

void ctl_intents_init(ctl_intents *in);
void ctl_intents_free(ctl_intents *in);
/* Reads the class set first (a "classes" intent, else DEF), then resolves
 * the other intents against topology t and that class set. Intents that name
 * what does not exist are skipped with a warning, not an error: the network
 * may have changed since the intent was made. Fails only on a body that is
 * not the JSON the API validated. */
int ctl_intents_read(ctl_intents *in, const topo *t, const class_set *def,
		     const store_intent *v, size_t n, neto_err *err);
/* The class set to use: the classes intent when there is one, else DEF. */
const class_set *ctl_intents_classes(const ctl_intents *in, const class_set *def);

typedef struct ctl_params {
	uint32_t msd;		/* maximum SID depth (default 10) */
	bool exact;		/* the LP engine instead of the heuristic */
	unsigned max_steps;	/* planner's limit (default 10) */
	uint32_t k_paths;	/* 0: as the classes say */
	bool one_shot;		/* the target as a single step: every update at
				 * once, no intermediate configuration, no
				 * throttling ([controller] transition) */
} ctl_params;

typedef struct ctl_input {
	const topo *t;		/* the snapshot; links may be down (up = false) */
	const class_set *classes;
	const demand_set *demands;	/* on t and classes */
	const ctl_intents *intents;
	const store_installed *installed;	/* what routers report */
	size_t n_installed;
	ctl_params params;
} ctl_input;

typedef struct ctl_class_stat {
	char *name;
	double demanded, allocated, background;
} ctl_class_stat;

/* One task's strings, owned by the result (see store_task_in). */
typedef struct ctl_task {
	int step;
	char *router, *policy, *action, *desired;
} ctl_task;

typedef struct ctl_result {
	char *solution;		/* `neto te --format json` of the target */
	char *plan;		/* `neto plan --format json` */
	ctl_task *tasks;
	size_t n_tasks;
	int n_steps;
	size_t n_tunnels, n_changed;	/* tunnels in the plan, tunnels that change */
	size_t n_throttled;
	bool repair;		/* installed traffic crosses a down or drained link */
	double te_seconds, plan_seconds;
	ctl_class_stat *cls;
	size_t n_cls;
	size_t n_ignored;	/* installed policies that could not be read */
	double max_util_target;
	bool one_shot;		/* the plan is the one-shot update */
	size_t n_violations;	/* overloads the verifier finds in the plan
				 * (always 0 for a planned transition) */
	char *log;		/* human lines about the cycle (warnings) */
	/* per demand of the input (ctl_input.demands), the rate under neto's
	 * control that the target does not carry (0: fully allocated) */
	double *dem_short;
	/* egress moves (ctl_compute_peering; all 0 without a decision) */
	size_t n_egress_moves;		/* prefixes whose announcement changes */
	size_t n_egress_tasks;
	int n_egress_steps;		/* plan steps after the TE steps */
	size_t n_egress_slack;		/* steps that use the slack above headroom */
	size_t n_egress_left;		/* moves no order fits: next cycle */
	struct ctl_egress_refusal {
		char *router;		/* the border site the move went to */
		char *detail;		/* audit JSON: prefix, from, to, class, reason */
	} *refused;			/* moves not made: the WAN cannot carry them */
	size_t n_refused;
} ctl_result;

void ctl_result_free(ctl_result *r);

/* Computes the target, the plan and its tasks. Fails (with the reason) when
 * no plan exists within params.max_steps even with throttling: the caller
 * then leaves the network as it is. With params.one_shot the plan is the
 * installed state and the target, one step: it never fails for want of a
 * plan, and the log says whether the verifier finds it congestion-free
 * (n_violations counts the transient overloads it finds). */
int ctl_compute(const ctl_input *in, ctl_result *out, neto_err *err);

/* ---- the peering decision in the cycle (peering.c, docs/peering.md) ---- */

#define CTL_PE_NONE UINT32_MAX

/* kv "peering"/"desired" as the peering role writes it (the contract in
 * docs/peering.md), parsed and checked: every name it uses resolves. */
typedef struct ctl_pe_egress {
	char *name, *router, *peer, *nexthop;
	uint32_t link;			/* index into links */
} ctl_pe_egress;

typedef struct ctl_pe_ingress {
	char *site;
	double rate;			/* bit/s */
} ctl_pe_ingress;

typedef struct ctl_pe_prefix {
	char *prefix;			/* as written, e.g. "198.51.100.0/24" */
	uint32_t cls;			/* 0 = highest precedence */
	double rate;			/* bit/s */
	uint32_t egress;		/* neto's choice (index into egress) */
	uint32_t bgp;			/* BGP's own, CTL_PE_NONE: none */
	ctl_pe_ingress *ingress;
	size_t n_ingress;
} ctl_pe_prefix;

typedef struct ctl_peering {
	int64_t at, cycle;
	double headroom;		/* default 0.95 */
	uint32_t local_pref;		/* default 200 */
	char *community;		/* "ASN:VAL" or NULL */
	struct ctl_pe_link {
		char *name;
		double cap;		/* bit/s */
	} *links;
	size_t n_links;
	ctl_pe_egress *egress;
	size_t n_egress;
	ctl_pe_prefix *prefixes;
	size_t n_prefixes;
	char **routers;			/* distinct border routers, in egress order */
	size_t n_routers;
} ctl_peering;

void ctl_peering_init(ctl_peering *d);
void ctl_peering_free(ctl_peering *d);
/* Parses and checks a decision document; -1 and *err (naming the member)
 * on anything else. *d is initialised by the call. */
int ctl_peering_parse(ctl_peering *d, const char *body, size_t len, neto_err *err);
/* The document of d (the same format; caller frees). */
char *ctl_peering_json(const ctl_peering *d);
/* Reads kv "peering"/"desired": 1 and *d when it parses and its "at" is
 * within max_age_ms of now, 0 when it is absent, stale or malformed (a line
 * in *log says which), -1 when the store fails. */
int ctl_peering_load(store *st, int64_t now, int64_t max_age_ms, ctl_peering *d, char **log,
		     neto_err *err);
/* ctl_compute with the decision d: the Internet-bound traffic in the TE
 * demand, moves the WAN cannot carry refused (r->refused) and the rest as
 * egress tasks in steps after the TE steps (docs/peering.md, "The
 * controller: TE and egress together"). */
int ctl_compute_peering(const ctl_input *in, const ctl_peering *d, ctl_result *out,
			neto_err *err);

/* ---- helpers shared with the tests and the agents ---- */

/* Copies t into *out (initialised, empty) keeping only the links with
 * keep[l] (all when keep is NULL), with capacity cap[l] when cap is not
 * NULL. Nodes are kept in order with their locators; every kept link gets
 * its End.X SID from t explicitly. Link l of t becomes link map[l] of out
 * (TOPO_NONE when dropped; map may be NULL). */
int ctl_topo_copy(topo *out, const topo *t, const bool *keep, const double *cap,
		  uint32_t *map, neto_err *err);

/* Policy key of a tunnel as the store and the routers name it: "DST/CLASS". */
char *ctl_policy_key(const char *dst, const char *cls);

#endif
