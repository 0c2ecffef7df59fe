/*
 * sim_int.h - the simulator's state, shared by the files of src/sim (not a
 * public interface: callers use sim.h).
 *
 * sim.c     life cycle, clock, requests, sessions, failures, readback
 * forward.c fluid forwarding (sim_loads) and the IGP view without down links
 * flows.c   traffic matrix and flow records
 * scenario.c the scenario parser
 */
#ifndef NETO_SIM_SIM_INT_H
#define NETO_SIM_SIM_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/strmap.h"
#include "sim/sim.h"
#include "te/spf.h"
#include "topo/topo.h"

/* A policy owned by the sim: the segment lists and one pool of the links and
 * segments they point into. `lists` is what sim_policy.lists shows. */
typedef struct sim_polcopy {
	sim_seglist *lists;
	uint32_t n_lists;
	uint32_t *pool;
} sim_polcopy;

typedef struct sim_req {
	uint32_t router, dst, cls;
	bool remove;
	sim_req_status status;   /* PENDING, INSTALLED or REJECTED */
	int64_t issued, due, done;
	const char *reason;
	sim_polcopy pol;         /* apply: owned until it is installed */
} sim_req;

typedef struct sim_router {
	/* installed policies, sorted by (dst, cls); priv[i] owns pub[i]'s lists */
	sim_installed *pub;
	sim_polcopy *priv;
	uint32_t *pcls;          /* class id of each */
	uint32_t n_pol, cap_pol;
	/* session */
	bool alive;              /* false once expired, until a refresh */
	int64_t last_refresh;
	int64_t drop_until;      /* refreshes fail while now < drop_until */
	/* failures */
	int64_t stall_until;     /* completes nothing while now < stall_until */
	uint64_t reject_left;    /* completions still to reject */
} sim_router;

/* A scheduled, resolved scenario event. */
typedef struct sim_ev {
	int64_t at;
	uint64_t seq;            /* load order, for ties */
	unsigned line;
	sim_event_kind kind;
	uint32_t router;
	uint32_t *links;         /* link events: the links it sets */
	uint32_t n_links;
	uint32_t count;
	int64_t dur;
} sim_ev;

/* One traffic matrix entry, class as an id of the sim's class table. */
typedef struct sim_dem {
	uint32_t src, dst, cls;
	double rate;
} sim_dem;

/* Traffic volume of one key in the open flow window (rate x ms). */
typedef struct sim_vol {
	uint32_t src, dst, cls;
	double vol;
} sim_vol;

struct sim {
	const topo *t;
	sim_params p;
	double bits_per_unit;
	uint64_t rng;
	int64_t now;

	/* class names: id -> name, dscp */
	neto_strmap cls_by_name;
	char **cls_name;
	uint8_t *cls_dscp;
	uint32_t n_cls, cap_cls;

	sim_router *routers;     /* n_nodes */
	bool *link_up;           /* n_links */

	/* requests: id = index + 1 */
	sim_req *reqs;
	size_t n_reqs, cap_reqs;
	size_t *heap;            /* pending request indices, by (due, index) */
	size_t n_heap, cap_heap;
	/* per policy key (router, dst, cls): the latest due time requested */
	neto_strmap pkey;
	int64_t *pkey_due;
	size_t n_pkey, cap_pkey;

	/* scenario events, sorted by (at, seq); ev_next is the first not run */
	sim_ev *ev;
	size_t n_ev, cap_ev, ev_next;
	uint64_t ev_seq;

	sim_report *rpt;
	size_t n_rpt, cap_rpt;

	/* IGP view: the topology without its down links (forward.c) */
	bool igp_dirty;
	bool igp_has;            /* some link is up: igp and spf are valid */
	topo igp;
	uint32_t *igp_orig;      /* igp link -> sim link */
	spf_all spf;
	uint32_t **igp_ord;      /* per source: nodes by distance, lazily */
	double *amt;             /* n_nodes scratch */
	uint8_t *mark;           /* n_nodes scratch */

	/* traffic matrix (flows.c), sorted by (src, dst, cls) */
	sim_dem *dem;
	size_t n_dem;
	double *acc;             /* per dem: volume in the open window */
	sim_vol *carry;          /* volume of earlier matrices in the open window */
	size_t n_carry, cap_carry;
	int64_t win_start;       /* start of the open window */
	int64_t acc_t;           /* volumes accrued up to here */
	sim_flow *recs;          /* records of closed windows, not yet taken */
	size_t n_recs, cap_recs;
};

/* sim.c */
/* Checks a class name (non-empty, at most SIM_CLASS_MAX bytes); *len gets
 * its length. */
int sim_class_check(const char *name, size_t *len, neto_err *err);
/* Class id of NAME, added when new. Fails on an empty or too long name. */
int sim_class_intern(sim *s, const char *name, uint32_t *id, neto_err *err);
/* Checks now and runs the simulation up to it. */
int sim_run_to(sim *s, int64_t now, neto_err *err);
/* Policy installed on router for (dst, cls id), or NULL. */
const sim_installed *sim_find_installed(const sim *s, uint32_t router, uint32_t dst,
					uint32_t cls);

/* forward.c */
void sim_igp_init(sim *s);
void sim_igp_free(sim *s);
/* The link states changed: rebuild the IGP view on next use. */
void sim_igp_invalidate(sim *s);

/* flows.c */
void sim_flows_init(sim *s);
void sim_flows_free(sim *s);
/* Accrues the traffic matrix up to now (closing windows on the way). */
void sim_flows_accrue(sim *s, int64_t now);

#endif
