/*
 * sim.h - an in-process fluid-model WAN, for tests and the demo.
 *
 * The simulator stands in for the routers of a topology: it accepts SR
 * policy requests the way a router does (asynchronously, after a delay, in
 * order per policy, sometimes rejecting or stalling), keeps the truth of
 * what is installed, forwards a traffic matrix as fluid flows over the
 * installed policies or the IGP, and produces the flow records that the
 * routers would export. Failures (rejections, stalls, link failures, lost
 * controller sessions) come from a scenario file (sim_scenario_parse) or
 * from direct calls. docs/sim.md describes the model and its limits.
 *
 * Properties:
 * - Pure: no I/O, no clock, no globals. Time is passed in by the caller as
 *   milliseconds (int64_t, 0 <= now <= SIM_TIME_MAX) and never goes back:
 *   every call that takes `now` first runs the simulation up to `now` (as
 *   sim_advance does) and fails when `now` is before the simulator's time.
 * - Deterministic: the same topology, seed, parameters and call sequence
 *   give the same results (install delays come from a seeded generator).
 * - Units: rates and capacities are in the topology's capacity unit (a rate
 *   per second, e.g. kbps); flow records convert to bytes with
 *   sim_params.bits_per_unit.
 *
 * Errors follow lib/err.h (0 or -1 and a message); out of memory aborts.
 * Ownership: a sim borrows its topology (which must outlive it and not
 * change) and owns everything else; sim_free releases it. Pointers into the
 * sim that functions hand out (installed policies, class names) are
 * borrowed: class names live as long as the sim, installed policies until
 * the next call that takes `now` or changes state. Arrays that a function
 * allocates for the caller say so; the caller frees them with free().
 */
#ifndef NETO_SIM_SIM_H
#define NETO_SIM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "demand/demand.h"
#include "lib/err.h"
#include "topo/topo.h"

/* Largest time accepted (ms, about 31,700 years); SIM_NEVER is later. */
#define SIM_TIME_MAX ((int64_t)1000000000000000)
#define SIM_NEVER INT64_MAX

/* Caps on what a caller or a scenario may declare. */
#define SIM_MAX_LISTS 64       /* segment lists per policy */
#define SIM_MAX_HOPS 4096      /* links of one segment list */
#define SIM_MAX_SEGS 64        /* SRv6 segments of one segment list */
#define SIM_CLASS_MAX 255      /* bytes of a class name */
#define SIM_MAX_DELAY_MS ((int64_t)86400000) /* install delay parameters: a day */

typedef struct sim sim;

/* ---- parameters ------------------------------------------------------- */

typedef enum sim_delay_dist {
	SIM_DELAY_UNIFORM = 0, /* whole ms, uniform in [delay_min_ms, delay_max_ms] */
	SIM_DELAY_EXP,         /* delay_min_ms + exponential of mean delay_mean_ms,
				* rounded to the ms, at most 50 means */
	SIM_DELAY_FIXED,       /* always delay_min_ms */
} sim_delay_dist;

typedef struct sim_params {
	sim_delay_dist delay_dist;
	int64_t delay_min_ms;     /* default 100 */
	int64_t delay_max_ms;     /* default 500 (uniform) */
	double delay_mean_ms;     /* default 200 (exponential) */
	/* A router removes the policies it holds for neto when its controller
	 * session has not been refreshed for this long (PCEP's State Timeout,
	 * RFC 8231 section 5.6). 0: never. Default 60000. */
	int64_t state_timeout_ms;
	int64_t flow_window_ms;   /* flow record window, > 0; default 60000 */
	uint32_t sampling;        /* 1 in N packets sampled, >= 1; default 1 */
	double packet_bytes;      /* mean packet size, >= 1; default 1000 */
	/* bits per second of one rate unit: 0 (default) takes it from the
	 * topology's unit (bps, kbps, Mbps, Gbps, Tbps, any case); sim_new fails
	 * when the topology has none it knows and this is 0 */
	double bits_per_unit;
} sim_params;

/* Fills *p with the defaults above. */
void sim_params_default(sim_params *p);

/* ---- life cycle ------------------------------------------------------- */

/* A simulator of topology t: one router per node, one link per link, with
 * the links' capacities; a link whose `up` is false starts down. Every
 * router's controller session starts established, refreshed at time 0.
 * params NULL means the defaults. Returns NULL with *err set on invalid
 * parameters. t is borrowed: it must outlive the sim and not change. The
 * caller frees the sim with sim_free. */
sim *sim_new(const topo *t, uint64_t seed, const sim_params *params, neto_err *err);
void sim_free(sim *s);

const topo *sim_topo(const sim *s);
int64_t sim_now(const sim *s);

/* Runs the simulation up to `now`: scenario events, request completions and
 * session expiries that are due, in time order (at the same ms: scenario
 * events, then expiries, then requests in issue order). Fails only when now
 * is before the sim's time or past SIM_TIME_MAX. */
int sim_advance(sim *s, int64_t now, neto_err *err);

/* ---- policies --------------------------------------------------------- */

/* One segment list of a policy. Give it either as the topology links it
 * follows from the head-end to the destination (links[0..n_links), each
 * starting where the previous ends), or as SRv6 segments in the form of
 * te/srv6.h (a node index, or SRV6_SEG_ADJ | link index), which the routers
 * resolve over the IGP as it is at forwarding time (ECMP included), ending
 * at the destination. Exactly one of n_links and n_segs is nonzero. */
typedef struct sim_seglist {
	const uint32_t *links;
	uint32_t n_links;
	const uint32_t *segs;
	uint32_t n_segs;
	double weight;       /* > 0; traffic splits in proportion */
	bool limited;        /* rate-limit this list at the head-end */
	double rate_limit;   /* when limited: at most this rate, >= 0 */
} sim_seglist;

typedef struct sim_policy {
	const sim_seglist *lists;
	uint32_t n_lists;    /* 1..SIM_MAX_LISTS */
} sim_policy;

/* A policy as installed on a router (the truth, read back). */
typedef struct sim_installed {
	uint32_t dst;
	const char *cls;         /* owned by the sim, lives as long as it */
	sim_policy policy;       /* owned by the sim (see the top of this file) */
	uint64_t request_id;     /* the request that installed it */
	int64_t installed_at;    /* ms */
} sim_installed;

typedef enum sim_req_status {
	SIM_REQ_UNKNOWN = 0,  /* no such request */
	SIM_REQ_PENDING,      /* sent, not yet applied */
	SIM_REQ_STALLED,      /* pending, held by a stall of its router that is
			       * on now (it falls due before the stall ends) */
	SIM_REQ_INSTALLED,    /* took effect (for a removal: the policy is gone) */
	SIM_REQ_REJECTED,     /* refused; nothing changed (sim_req_info.reason) */
} sim_req_status;

/* Asks ROUTER to install DESIRED as its policy (DST, CLS), replacing any
 * it has. The change takes effect at now + a drawn install delay, and never
 * before an earlier request for the same policy; until then the router keeps
 * what it had. DESIRED is copied. *request_id gets the request's id (ids
 * count from 1). Fails, with nothing sent, on an unknown router or
 * destination, router == dst, an empty or too long class name, or a policy
 * that is malformed (see sim_seglist; weights finite and > 0, limits finite
 * and >= 0, links and segments in range and contiguous). A request to a
 * router whose session is down succeeds here but is rejected at once
 * (status SIM_REQ_REJECTED). */
int sim_request_apply(sim *s, uint32_t router, uint32_t dst, const char *cls,
		      const sim_policy *desired, int64_t now, uint64_t *request_id,
		      neto_err *err);
/* The same for removing the policy (removing one that is not installed
 * succeeds and changes nothing). */
int sim_request_remove(sim *s, uint32_t router, uint32_t dst, const char *cls,
		       int64_t now, uint64_t *request_id, neto_err *err);

typedef struct sim_req_info {
	sim_req_status status;
	uint32_t router, dst;
	const char *cls;         /* owned by the sim */
	bool remove;
	int64_t issued_at;
	int64_t due_at;          /* when it is expected to complete (pending) */
	int64_t done_at;         /* installed or rejected at; -1 while pending */
	const char *reason;      /* rejected: why (static string); else NULL */
} sim_req_info;

/* Status as of the sim's time. */
sim_req_status sim_request_status(const sim *s, uint64_t request_id);
/* Fails on an unknown id. */
int sim_request_info(const sim *s, uint64_t request_id, sim_req_info *out, neto_err *err);

/* The policy installed on ROUTER for (DST, CLS), or NULL. Borrowed (see the
 * top of this file). */
const sim_installed *sim_policy_get(const sim *s, uint32_t router, uint32_t dst,
				    const char *cls);
/* Every policy installed on ROUTER, ordered by destination then by class (in
 * order of first use of the class name); *out borrowed. Returns the count. */
size_t sim_policies(const sim *s, uint32_t router, const sim_installed **out);

/* What the routers said since the last call, in time order: requests
 * completed or rejected, and policies a router removed by itself when its
 * session expired (request_id 0). *out is a new array the caller frees with
 * free() (NULL when n is 0). */
typedef enum sim_report_kind {
	SIM_RPT_INSTALLED = 0,  /* apply request took effect */
	SIM_RPT_REMOVED,        /* remove request took effect */
	SIM_RPT_REJECTED,       /* request refused */
	SIM_RPT_EXPIRED,        /* policy removed: the session timed out */
} sim_report_kind;

typedef struct sim_report {
	int64_t at;
	sim_report_kind kind;
	uint64_t request_id;     /* 0 for SIM_RPT_EXPIRED */
	uint32_t router, dst;
	const char *cls;         /* owned by the sim */
} sim_report;

void sim_reports(sim *s, sim_report **out, size_t *n);

/* ---- controller sessions ---------------------------------------------- */

/* The controller's keepalive for ROUTER's session. Fails when the session is
 * dropped at `now` (a scenario's session-drop): the refresh does not reach
 * the router. A session that had expired is re-established, without the
 * policies it lost. */
int sim_session_refresh(sim *s, uint32_t router, int64_t now, neto_err *err);
/* Whether ROUTER's session is established (not expired, not dropped). */
bool sim_session_up(const sim *s, uint32_t router);

/* ---- failures --------------------------------------------------------- */

typedef enum sim_event_kind {
	SIM_EV_REJECT = 0,    /* router rejects its next `count` completions */
	SIM_EV_STALL,         /* router completes nothing for `dur` ms */
	SIM_EV_LINK_DOWN,
	SIM_EV_LINK_UP,
	SIM_EV_SESSION_DROP,  /* refreshes do not reach the router for `dur` ms */
} sim_event_kind;

/* One line of a scenario, as parsed (names not yet resolved). */
typedef struct sim_event {
	unsigned line;        /* 1-based line in the scenario */
	int64_t at;           /* ms */
	sim_event_kind kind;
	/* router name; or a link event's first node, or its link id when b is
	 * NULL */
	char *a;
	char *b;              /* a link event's second node, or NULL */
	uint32_t count;       /* SIM_EV_REJECT */
	int64_t dur;          /* SIM_EV_STALL, SIM_EV_SESSION_DROP; SIM_NEVER
			       * when the line has no `for` */
} sim_event;

typedef struct sim_scenario {
	sim_event *v;         /* in file order, which is time order */
	size_t n;
} sim_scenario;

#define SIM_SCENARIO_MAX_EVENTS 100000
#define SIM_SCENARIO_MAX_COUNT 1000000

/* Parses a scenario (docs/sim.md) from (buf, len), which need not be
 * NUL-terminated. Strict: every problem fails with "scenario:LINE: ...".
 * Names are not checked against a topology here (sim_load_scenario does).
 * On success *out is a new scenario the caller frees with
 * sim_scenario_free; on failure *out is NULL. */
int sim_scenario_parse(const char *buf, size_t len, sim_scenario **out, neto_err *err);
void sim_scenario_free(sim_scenario *sc);

/* Schedules the scenario's events in the sim (copies them; sc stays the
 * caller's). Fails, scheduling nothing, on a name the topology does not
 * have, a link event between nodes with no link, or an event before the
 * sim's time: "scenario:LINE: ...". May be called more than once; events
 * at the same ms run in the order they were loaded. */
int sim_load_scenario(sim *s, const sim_scenario *sc, neto_err *err);

/* Takes a link down or up at `now` (as a scenario's link-down/link-up of one
 * link id). */
int sim_link_set(sim *s, uint32_t link, bool up, int64_t now, neto_err *err);
bool sim_link_up(const sim *s, uint32_t link);

/* ---- traffic ---------------------------------------------------------- */

typedef struct sim_demand {
	uint32_t src, dst;   /* src != dst */
	const char *cls;     /* class name, as in policies */
	double rate;         /* >= 0, topology's unit */
} sim_demand;

/* Replaces the traffic matrix from `now` on (repeated triples add up).
 * Fails, changing nothing, on a node out of range, src == dst, a bad class
 * name, or a rate that is negative or not finite. */
int sim_set_demands(sim *s, const sim_demand *v, size_t n, int64_t now, neto_err *err);
/* The same from a demand set whose class indices refer to cs. */
int sim_set_demand_set(sim *s, const demand_set *ds, const class_set *cs, int64_t now,
		       neto_err *err);

typedef struct sim_totals {
	double offered;        /* sum of demand rates */
	double carried;        /* delivered to the destination */
	double dropped;        /* black-holed: down links on a policy's lists,
				* segments the IGP cannot reach, no IGP route */
	double dropped_noroute; /* of which: no policy and no IGP route */
	double throttled;      /* cut by segment list rate limits at head-ends */
	double steered;        /* offered traffic that met a policy */
	uint32_t n_overloaded; /* links with load > capacity (relative 1e-9) */
	double overload;       /* sum over those links of load - capacity */
	double max_util;       /* largest load / capacity */
} sim_totals;

/* Fluid forwarding of the demands at `now` (after running to it): each
 * demand whose head-end has a policy for (dst, class) splits over its
 * segment lists by weight, each list capped by its limit; the others follow
 * the IGP with an even split over equal-cost next hops at every router.
 * link_load and link_util (n_links each; either may be NULL) get each
 * link's load and load / capacity; *tot the totals (may be NULL).
 * carried + dropped + throttled = offered, up to rounding. Overloaded links
 * carry their whole load: the fluid model flags the excess, it does not
 * drop it. */
int sim_loads(sim *s, int64_t now, double *link_load, double *link_util, sim_totals *tot,
	      neto_err *err);

/* ---- flow records ----------------------------------------------------- */

/* The traffic one ingress router saw in one window [start_ms, end_ms):
 * windows are aligned on multiples of flow_window_ms from time 0. The
 * ingress router is the exporter. Counts are of the offered traffic (what
 * enters the ingress, before throttling or drops). */
typedef struct sim_flow {
	int64_t start_ms, end_ms;
	uint32_t exporter;     /* = ingress */
	uint32_t ingress, egress;
	const char *cls;       /* owned by the sim */
	uint8_t dscp;          /* sim_class_dscp, default 0 */
	uint64_t bytes;        /* sampled: divided by `sampling`, rounded */
	uint64_t packets;
	uint32_t sampling;     /* 1 in N */
} sim_flow;

/* Records of every window that ended at or before `now` and was not
 * returned yet, ordered by window, exporter, egress, class. bytes =
 * round(volume in bits / 8), volume = rate x window x bits_per_unit;
 * packets = ceil(bytes / packet_bytes); with sampling N, both are divided
 * by N and rounded to the nearest (halves up), and a record with no sampled
 * packet is not exported. *out is a new array the caller frees with free()
 * (NULL when n is 0). */
int sim_flows(sim *s, int64_t now, sim_flow **out, size_t *n, neto_err *err);

/* DSCP (0..63) that flow records carry for class CLS. */
int sim_class_dscp(sim *s, const char *cls, uint8_t dscp, neto_err *err);

#endif
