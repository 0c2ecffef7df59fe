/*
 * store.h - neto's state: one interface, two databases (SQLite, PostgreSQL).
 *
 * Every component of the orchestrator is stateless: what it knows between
 * two steps of its loop is in the store, so any component can be killed and
 * restarted, on another machine, and continue from the store alone. The store
 * holds topology snapshots, demand matrices, intents, solutions, plans and
 * their tasks, agents, leases, what routers report as installed, an audit
 * log, and two generic facilities (a key-value table and a message queue)
 * that the simulator and the flow agents use to talk across processes.
 *
 * Design:
 * - Each function below is one transaction: writes that belong together (a
 *   plan with all its tasks, a task's outcome with the installed state and
 *   the audit row) commit or roll back together. Callers never see a
 *   half-written state.
 * - The SQL is written once, in the subset both SQLite and PostgreSQL accept
 *   ($1-style parameters, INSERT ... ON CONFLICT, RETURNING), over a thin
 *   driver layer (db.h), so both backends behave identically by construction
 *   and the same tests run against both.
 * - Times are milliseconds since the Unix epoch supplied by the caller
 *   (`now`), never read from the database: tests drive components with a
 *   virtual clock, and all backends see the same times. Leases therefore
 *   assume the machines' clocks agree to well within a lease's length (NTP).
 * - Fencing: a component that holds a lease (the controller, the scheduler)
 *   passes its `store_fence` (holder and epoch) to every write it makes as
 *   that role. The write's transaction first checks that the lease still
 *   belongs to the holder with that epoch; if not, nothing is written and the
 *   function returns STORE_FENCED. A deposed leader can therefore never act.
 * - Bodies (topology, demand matrix, solution, plan, desired policy state)
 *   are stored as text in the formats of docs/formats.md; the store does not
 *   interpret them.
 *
 * Errors: functions return 0 on success, -1 on failure with *err set, and
 * STORE_FENCED (1) where documented. A database that is unreachable is an
 * error the caller may retry; the store never aborts on it.
 *
 * Ownership: every string or array a function returns through an out
 * parameter is allocated for the caller, who frees it with free() or with the
 * matching *_free / *_clear function. Input strings are only read.
 */
#ifndef NETO_STORE_STORE_H
#define NETO_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

#define STORE_FENCED 1

typedef struct store store;

/* ---- opening ------------------------------------------------------------ */

/*
 * Opens the store named by URI and applies any pending schema migrations
 * (each migration in one transaction; the schema version is kept in the
 * store). URI forms:
 *   postgresql://... or postgres://...   PostgreSQL through libpq
 *   sqlite:PATH, file:PATH or a PATH      SQLite file in WAL mode (created)
 *   sqlite::memory:                       private in-memory SQLite (tests)
 * A PostgreSQL conninfo string "host=... dbname=..." is also accepted when it
 * contains '='. Caller closes with store_close().
 */
int store_open(store **out, const char *uri, neto_err *err);
void store_close(store *st);
/* "sqlite" or "postgresql". */
const char *store_backend(const store *st);
/* Current schema version (the number of migrations applied). */
int store_schema_version(store *st, int *version, neto_err *err);

/* ---- leases and fencing -------------------------------------------------- */

typedef struct store_fence {
	const char *holder;	/* unique name of the component instance */
	int64_t epoch;		/* the lease's epoch when it was acquired */
} store_fence;

/*
 * Takes or renews lease NAME for HOLDER until now + ttl_ms. It succeeds when
 * the lease does not exist, has expired, or is already HOLDER's. The epoch
 * grows by one each time the lease changes hands (never on a renewal); a new
 * lease starts at epoch 1. On return *held says whether HOLDER holds it and
 * *epoch is the lease's epoch (whoever holds it).
 */
int store_lease_acquire(store *st, const char *name, const char *holder,
			int64_t now, int64_t ttl_ms, int *held, int64_t *epoch,
			neto_err *err);
/* Gives the lease up (expires it now) if HOLDER holds it; else no-op. */
int store_lease_release(store *st, const char *name, const char *holder,
			int64_t now, neto_err *err);

typedef struct store_lease {
	char *name, *holder;
	int64_t epoch, expires;
} store_lease;
/* All leases, by name. */
int store_lease_list(store *st, store_lease **v, size_t *n, neto_err *err);
void store_lease_free(store_lease *v, size_t n);

/* ---- topology ------------------------------------------------------------ */

/*
 * Stores a topology snapshot (neto topology JSON, docs/formats.md) as a new
 * version, unless it is byte-identical to the latest one; *version gets the
 * new or the unchanged latest version, *changed whether a version was added.
 * SOURCE says where it came from ("file:PATH", "sim", "bgp-ls").
 */
int store_topology_put(store *st, const char *source, const char *body,
		       size_t len, int64_t now, int64_t *version, int *changed,
		       neto_err *err);
/* Latest snapshot; *version = 0 and *body = NULL when there is none. */
int store_topology_latest(store *st, int64_t *version, int64_t *at,
			  char **body, size_t *len, neto_err *err);

/* ---- demands ------------------------------------------------------------- */

/*
 * Stores a demand matrix (neto demand CSV: src,dst,class,rate) measured at
 * time AT. MISSING lists the exporters or leaf agents whose share is missing
 * (comma separated; NULL or "" when complete).
 */
int store_demand_put(store *st, int64_t at, const char *body, size_t len,
		     const char *missing, int64_t *id, neto_err *err);
/* Latest matrix; *id = 0 and *body = NULL when there is none. */
int store_demand_latest(store *st, int64_t *id, int64_t *at, char **body,
			size_t *len, char **missing, neto_err *err);

/* ---- intents ------------------------------------------------------------- */

typedef struct store_intent {
	int64_t id, created;
	char *kind;	/* "drain-link", "drain-router", "classes", "share", "pin" */
	char *body;	/* JSON object, validated by the API before it is stored */
} store_intent;

int store_intent_add(store *st, const char *kind, const char *body,
		     int64_t now, int64_t *id, neto_err *err);
/* *found = 0 when no live intent has that id. */
int store_intent_delete(store *st, int64_t id, int64_t now, int *found,
			neto_err *err);
/* Live intents, by id. */
int store_intent_list(store *st, store_intent **v, size_t *n, neto_err *err);
void store_intent_free(store_intent *v, size_t n);
/* A counter that grows on every intent added or deleted (change detection). */
int store_intent_serial(store *st, int64_t *serial, neto_err *err);

/* ---- plans and tasks ----------------------------------------------------- */

/* A task: the desired state of one SR policy on one router at one step.
 * Desired state, never a delta, so applying a task twice changes nothing. */
typedef struct store_task_in {
	int step;
	const char *router;	/* head-end node label */
	const char *policy;	/* policy key "DST/CLASS" */
	const char *action;	/* "apply" or "remove" */
	const char *desired;	/* JSON: segment lists, weights, rates; NULL for remove */
} store_task_in;

typedef struct store_plan_in {
	const char *kind;	/* "repair" (failure, drain) or "reopt" */
	int priority;		/* lower runs first: repair 0, reopt 1 */
	int64_t topology_version, demand_id, intent_serial;
	const char *solution;	/* `neto te --format json` of the target */
	const char *plan;	/* `neto plan --format json` */
	int nsteps;
	const store_task_in *tasks;
	size_t ntasks;
} store_plan_in;

/*
 * Writes a solution, its plan and every task in one fenced transaction, and
 * an audit row. Any plan still running is marked "superseded" in the same
 * transaction (its unfinished tasks "cancelled"). The new plan starts
 * "running" at step 0, or "done" when it has no tasks. Returns STORE_FENCED
 * (nothing written) when the fence no longer holds lease "controller".
 */
int store_plan_create(store *st, const store_fence *f, const store_plan_in *in,
		      int64_t now, int64_t *plan_id, neto_err *err);

typedef struct store_plan {
	int64_t id, created, updated, epoch;	/* epoch of the controller that made it */
	char *kind;
	char *state;		/* running, done, failed, superseded */
	int priority, nsteps, step;	/* step: the one being applied */
	int64_t topology_version, demand_id, intent_serial;
	char *reason;		/* why it failed or was superseded; NULL */
} store_plan;
void store_plan_clear(store_plan *p);
void store_plan_free(store_plan *v, size_t n);

/* One plan; *found = 0 when it does not exist. */
int store_plan_get(store *st, int64_t id, store_plan *out, int *found,
		   neto_err *err);
/* The newest plan (any state); *found = 0 when there is none. */
int store_plan_latest(store *st, store_plan *out, int *found, neto_err *err);
/* Up to LIMIT most recent plans, newest first. */
int store_plan_list(store *st, size_t limit, store_plan **v, size_t *n,
		    neto_err *err);
/* The plan and solution JSON of plan ID (either may come back NULL). */
int store_plan_body(store *st, int64_t id, char **plan, char **solution,
		    neto_err *err);

/*
 * Scheduler writes, fenced by lease "scheduler":
 * - advance: when every task of step FROM_STEP of a running plan is done,
 *   moves it to FROM_STEP + 1, or to "done" after the last step; *advanced
 *   says whether it moved (0 when tasks remain or the plan moved already).
 * - fail: marks a running plan "failed" with REASON and cancels its
 *   unfinished tasks; the network stays in the last completed step.
 */
int store_plan_advance(store *st, const store_fence *f, int64_t plan_id,
		       int from_step, int64_t now, int *advanced, neto_err *err);
int store_plan_fail(store *st, const store_fence *f, int64_t plan_id,
		    const char *reason, int64_t now, neto_err *err);
/* Controller write (lease "controller"): supersede a running plan. */
int store_plan_supersede(store *st, const store_fence *f, int64_t plan_id,
			 const char *reason, int64_t now, neto_err *err);

typedef struct store_task {
	int64_t id, plan_id;
	int step, priority;	/* priority copied from the plan */
	char *router, *policy, *action;
	char *desired;		/* NULL for remove */
	char *state;		/* pending, assigned, done, failed, cancelled */
	char *agent;		/* NULL until assigned */
	int attempts;
	int64_t not_before;	/* back-off: not to be assigned before */
	int64_t deadline;	/* assigned: outcome expected by */
	int64_t updated;
	char *error;		/* last failure; NULL */
} store_task;
void store_task_free(store_task *v, size_t n);

/* Tasks of plan PLAN_ID (0: of every running plan), of step STEP (-1: all),
 * by id. */
int store_task_list(store *st, int64_t plan_id, int step, store_task **v,
		    size_t *n, neto_err *err);
/* Task counts by state over all plans: pending, assigned, done, failed,
 * cancelled, in that order (for /metrics). */
int store_task_counts(store *st, int64_t counts[5], neto_err *err);

/*
 * Scheduler, fenced by lease "scheduler": hands task ID to AGENT if it is
 * pending (or assigned and past its deadline) and its plan is running;
 * attempts + 1, deadline as given. *ok = 0 when it was not assignable.
 */
int store_task_assign(store *st, const store_fence *f, int64_t id,
		      const char *agent, int64_t now, int64_t deadline, int *ok,
		      neto_err *err);
/* Scheduler: puts an assigned or failed task back to pending, not to be
 * assigned again before NOT_BEFORE (back-off), recording ERROR. */
int store_task_retry(store *st, const store_fence *f, int64_t id,
		     int64_t not_before, const char *error, int64_t now,
		     neto_err *err);

/* Updating agent: the tasks assigned to AGENT whose plan is running. */
int store_task_claimed(store *st, const char *agent, store_task **v, size_t *n,
		       neto_err *err);

/*
 * Updating agent: records the outcome of task ID in one transaction. Only
 * when the task is still assigned to AGENT and its plan still running
 * (*accepted = 1): the task becomes done (OK) or failed (ERROR); on success
 * the installed state of (router, policy) becomes INSTALLED (the state read
 * back from the router; NULL deletes it); an audit row names the router, the
 * policy, the action and the plan. Otherwise nothing is written.
 */
int store_task_complete(store *st, int64_t id, const char *agent, int ok,
			const char *error, const char *installed, int64_t now,
			int *accepted, neto_err *err);

/* ---- installed state (what routers report) ------------------------------- */

typedef struct store_installed {
	char *router, *policy;
	char *body;		/* JSON as read back from the router */
	int64_t updated;
} store_installed;
int store_installed_list(store *st, store_installed **v, size_t *n,
			 neto_err *err);
void store_installed_free(store_installed *v, size_t n);
/* Sets (BODY) or deletes (BODY NULL) one router's installed policy, outside
 * any task: used when a router reports a change by itself (a policy expired,
 * a device resynchronised). Writes an audit row with REASON. */
int store_installed_set(store *st, const char *router, const char *policy,
			const char *body, const char *reason, int64_t now,
			neto_err *err);

/* ---- agents -------------------------------------------------------------- */

typedef struct store_agent {
	char *name, *role;	/* role: "update", "topology", "flow" */
	char *routers;		/* update agents: comma-separated glob patterns of
				 * the routers it may touch ("*" = all) */
	char *info;		/* free JSON (driver, parent, address); NULL */
	int64_t registered, heartbeat;
} store_agent;
/* Registers or refreshes an agent (heartbeat = now). */
int store_agent_heartbeat(store *st, const char *name, const char *role,
			  const char *routers, const char *info, int64_t now,
			  neto_err *err);
int store_agent_list(store *st, store_agent **v, size_t *n, neto_err *err);
void store_agent_free(store_agent *v, size_t n);

/* ---- audit log ----------------------------------------------------------- */

typedef struct store_audit {
	int64_t id, at, epoch;	/* epoch: of the plan's controller, 0 if none */
	char *actor;		/* component that wrote it */
	char *router;		/* NULL when not about one router */
	char *action;		/* e.g. "apply", "remove", "plan", "expire" */
	char *detail;		/* policy, plan id, reason */
} store_audit;
/* Rows with id > AFTER, oldest first, at most LIMIT. */
int store_audit_list(store *st, int64_t after, size_t limit, store_audit **v,
		     size_t *n, neto_err *err);
void store_audit_free(store_audit *v, size_t n);
int store_audit_add(store *st, const char *actor, const char *router,
		    const char *action, const char *detail, int64_t now,
		    neto_err *err);

/* ---- key-value state ----------------------------------------------------- */

/*
 * Small named documents in namespaces: the simulator's router state
 * ("sim.dev"), measured link loads ("telemetry"), metrics. PUT replaces.
 */
int store_kv_put(store *st, const char *ns, const char *key, const char *body,
		 size_t len, int64_t now, neto_err *err);
/* Puts N rows of namespace NS in one transaction: all of them or, on an
 * error, none. For writers of many rows a round (latency probes, traffic
 * per prefix): one commit, not N. The rows are the caller's. */
typedef struct store_kv_row {
	const char *key, *body;
	size_t len;
} store_kv_row;
int store_kv_put_many(store *st, const char *ns, const store_kv_row *rows, size_t n,
		      int64_t now, neto_err *err);
/* *body = NULL when absent. */
int store_kv_get(store *st, const char *ns, const char *key, char **body,
		 size_t *len, int64_t *updated, neto_err *err);
int store_kv_delete(store *st, const char *ns, const char *key, neto_err *err);

typedef struct store_kv {
	char *key, *body;
	size_t len;
	int64_t updated;
} store_kv;
/* Every entry of namespace NS, by key. */
int store_kv_list(store *st, const char *ns, store_kv **v, size_t *n,
		  neto_err *err);
void store_kv_free(store_kv *v, size_t n);

/* ---- message queue ------------------------------------------------------- */

/*
 * Messages on a topic, consumed once: flow records from the simulator to the
 * leaf flow agents ("flow.<exporter>"), partial matrices from leaves to their
 * parent ("partial.<parent>"), policy requests from the sim driver to the
 * simulator ("sim.req"). TAKE returns and deletes, in one transaction, every
 * message of the topic with at <= UNTIL, oldest first (at most LIMIT).
 */
typedef struct store_msg {
	int64_t id, at;
	char *key;		/* sender or subject */
	char *body;
	size_t len;
} store_msg;
int store_msg_put(store *st, const char *topic, const char *key, int64_t at,
		  const char *body, size_t len, neto_err *err);
int store_msg_take(store *st, const char *topic, int64_t until, size_t limit,
		   store_msg **v, size_t *n, neto_err *err);
void store_msg_free(store_msg *v, size_t n);

#endif
