/*
 * store_plan.c - plans and their tasks (store.h): the controller writes a
 * plan with all its tasks, the scheduler hands tasks to updating agents and
 * moves the plan from step to step, the agents report outcomes.
 *
 * States. A plan is running, then done, failed or superseded; only a
 * running plan's tasks can be assigned or completed, so ending a plan (any
 * of the three ways) also stops its tasks: those not done or cancelled yet
 * (pending, assigned, failed) become cancelled in the same transaction. A
 * task goes pending -> assigned -> done or failed; retry puts an assigned or
 * failed task back to pending; an assigned task past its deadline may be
 * assigned again (possibly to another agent), after which the first agent's
 * outcome is refused.
 *
 * Concurrency. Writers check their fence first (store_fence_check). On
 * SQLite writers are serialised by BEGIN IMMEDIATE; on PostgreSQL they run
 * SERIALIZABLE, so two writers that read and update the same rows (an agent
 * completing a task while the controller supersedes its plan) cannot both
 * commit: one is retried and then sees the other's result.
 *
 * Tasks are inserted TASK_BATCH rows per statement: a plan of ten thousand
 * tasks is a few hundred statements, not ten thousand round trips.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"
#include "store/db.h"
#include "store/store.h"
#include "store/store_int.h"

#define TASK_BATCH 64
#define TASK_ARGS 5	/* per task: step, router, policy, action, desired */

/* Tasks of plans that ended become cancelled unless done (or already so). */
#define UNFINISHED "state IN ('pending', 'assigned', 'failed')"
#define RUNNING_PLANS "(SELECT id FROM plan WHERE state = 'running')"

/* ---- plans --------------------------------------------------------------- */

#define PLAN_COLS "id, created, updated, epoch, kind, state, priority, nsteps, step," \
		  " topology_version, demand_id, intent_serial, reason"

static void read_plan(db_res *r, void *elem)
{
	store_plan *p = elem;
	p->id = db_int(r, 0);
	p->created = db_int(r, 1);
	p->updated = db_int(r, 2);
	p->epoch = db_int(r, 3);
	p->kind = db_strdup(r, 4, NULL);
	p->state = db_strdup(r, 5, NULL);
	p->priority = (int)db_int(r, 6);
	p->nsteps = (int)db_int(r, 7);
	p->step = (int)db_int(r, 8);
	p->topology_version = db_int(r, 9);
	p->demand_id = db_int(r, 10);
	p->intent_serial = db_int(r, 11);
	p->reason = db_strdup(r, 12, NULL);
}

void store_plan_clear(store_plan *p)
{
	if (p == NULL)
		return;
	free(p->kind);
	free(p->state);
	free(p->reason);
	*p = (store_plan){ 0 };
}

void store_plan_free(store_plan *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		store_plan_clear(&v[i]);
	free(v);
}

static void free_plans(void *v, size_t n)
{
	store_plan_free(v, n);
}

static int validate_plan(const store_plan_in *in, neto_err *err)
{
	if (in == NULL || in->kind == NULL || *in->kind == '\0')
		return neto_err_set(err, "plan: no kind");
	if (in->nsteps < 0)
		return neto_err_set(err, "plan: negative number of steps");
	if (in->ntasks > 0 && in->tasks == NULL)
		return neto_err_set(err, "plan: no tasks array");
	for (size_t i = 0; i < in->ntasks; i++) {
		const store_task_in *t = &in->tasks[i];
		if (t->step < 0 || t->step >= in->nsteps)
			return neto_err_set(err, "plan: task %zu: step %d outside 0..%d",
					    i, t->step, in->nsteps - 1);
		if (t->router == NULL || *t->router == '\0' || t->policy == NULL ||
		    *t->policy == '\0')
			return neto_err_set(err, "plan: task %zu: no router or policy", i);
		if (t->action == NULL ||
		    (strcmp(t->action, "apply") != 0 && strcmp(t->action, "remove") != 0))
			return neto_err_set(err, "plan: task %zu: action must be apply or remove",
					    i);
		if (strcmp(t->action, "apply") == 0 && t->desired == NULL)
			return neto_err_set(err, "plan: task %zu: apply without a desired state",
					    i);
	}
	return 0;
}

/* Ends running plan ID as STATE ("superseded", "failed") with REASON and
 * cancels its unfinished tasks; *ended says whether it was running. */
static int end_plan(db *d, int64_t id, const char *state, const char *reason,
		    int64_t now, int *ended, neto_err *err)
{
	int64_t changes;
	if (db_exec(d, "UPDATE plan SET state = $2, reason = $3, updated = $4"
		    " WHERE id = $1 AND state = 'running'",
		    DB_ARGS(DB_I(id), DB_T(state), DB_T(reason), DB_I(now)), &changes,
		    err) != 0)
		return -1;
	*ended = changes > 0;
	if (!*ended)
		return 0;
	return db_exec(d, "UPDATE task SET state = 'cancelled', updated = $2"
		       " WHERE plan_id = $1 AND " UNFINISHED,
		       DB_ARGS(DB_I(id), DB_I(now)), NULL, err);
}

/* The ids of the running plans other than EXCEPT. Caller frees. */
static void read_id(db_res *r, void *elem)
{
	*(int64_t *)elem = db_int(r, 0);
}

static void free_ids(void *v, size_t n)
{
	(void)n;
	free(v);
}

/* Inserts tasks [from, from + n) of IN for plan ID in one statement. */
static int insert_tasks(db *d, int64_t id, const store_plan_in *in, size_t from,
			size_t n, int64_t now, neto_err *err)
{
	size_t cap = 256 + n * 100;	/* a row's text is under 80 bytes */
	char *sql = neto_malloc(cap);
	int len = snprintf(sql, cap, "INSERT INTO task (plan_id, priority, updated, step, router,"
			  " policy, action, desired, state, attempts, not_before,"
			  " deadline) VALUES ");
	db_arg args[3 + TASK_BATCH * TASK_ARGS];
	args[0] = DB_I(id);
	args[1] = DB_I(in->priority);
	args[2] = DB_I(now);
	int k = 3;
	for (size_t i = 0; i < n; i++) {
		const store_task_in *t = &in->tasks[from + i];
		len += snprintf(sql + len, cap - (size_t)len, "%s($1, $2, $3, $%d, $%d, $%d, $%d, $%d,"
			       " 'pending', 0, 0, 0)", i ? ", " : "", k + 1, k + 2,
			       k + 3, k + 4, k + 5);
		args[k++] = DB_I(t->step);
		args[k++] = DB_T(t->router);
		args[k++] = DB_T(t->policy);
		args[k++] = DB_T(t->action);
		args[k++] = DB_T(t->desired);
	}
	int rc = db_exec(d, sql, args, k, NULL, err);
	free(sql);
	return rc;
}

typedef struct plan_ctx {
	const store_fence *f;
	const store_plan_in *in;
	int64_t id, now;
	int from_step;
	const char *reason;
	int done;	/* advance: whether it moved */
} plan_ctx;

static int plan_create_fn(db *d, void *vc, neto_err *err)
{
	plan_ctx *c = vc;
	const store_plan_in *in = c->in;
	int rc = store_fence_check(d, STORE_LEASE_CONTROLLER, c->f, c->now, err);
	if (rc != 0)
		return rc;
	int running = in->ntasks > 0;
	if (db_query_int(d, "INSERT INTO plan (created, updated, epoch, kind, state, priority,"
			 " nsteps, step, topology_version, demand_id, intent_serial,"
			 " solution, body) VALUES ($1, $1, $2, $3, $4, $5, $6, $7, $8, $9,"
			 " $10, $11, $12) RETURNING id",
			 DB_ARGS(DB_I(c->now), DB_I(c->f->epoch), DB_T(in->kind),
				 DB_T(running ? "running" : "done"), DB_I(in->priority),
				 DB_I(in->nsteps), DB_I(running ? 0 : in->nsteps),
				 DB_I(in->topology_version), DB_I(in->demand_id),
				 DB_I(in->intent_serial), DB_T(in->solution), DB_T(in->plan)),
			 &c->id, NULL, err) != 0)
		return -1;

	/* supersede whatever still runs */
	void *ids;
	size_t nids;
	if (store_read_list(d, "SELECT id FROM plan WHERE state = 'running' AND id <> $1"
			    " ORDER BY id", DB_ARGS(DB_I(c->id)), sizeof(int64_t), read_id,
			    free_ids, &ids, &nids, err) != 0)
		return -1;
	char reason[64], detail[128];
	snprintf(reason, sizeof reason, "superseded by plan %lld", (long long)c->id);
	for (size_t i = 0; i < nids && rc == 0; i++) {
		int64_t old = ((int64_t *)ids)[i];
		int ended;
		rc = end_plan(d, old, "superseded", reason, c->now, &ended, err);
		if (rc == 0) {
			snprintf(detail, sizeof detail, "plan %lld: %s", (long long)old,
				 reason);
			rc = store_audit_write(d, c->now, c->f->epoch, c->f->holder, NULL,
					       "supersede", detail, err);
		}
	}
	free(ids);
	if (rc != 0)
		return -1;

	for (size_t i = 0; i < in->ntasks; i += TASK_BATCH) {
		size_t n = in->ntasks - i < TASK_BATCH ? in->ntasks - i : TASK_BATCH;
		if (insert_tasks(d, c->id, in, i, n, c->now, err) != 0)
			return -1;
	}
	snprintf(detail, sizeof detail, "plan %lld: %s, %d steps, %zu tasks%s",
		 (long long)c->id, in->kind, in->nsteps, in->ntasks,
		 running ? "" : ", done");
	return store_audit_write(d, c->now, c->f->epoch, c->f->holder, NULL, "plan",
				 detail, err);
}

int store_plan_create(store *st, const store_fence *f, const store_plan_in *in,
		      int64_t now, int64_t *plan_id, neto_err *err)
{
	if (validate_plan(in, err) != 0)
		return -1;
	plan_ctx c = { .f = f, .in = in, .now = now };
	int rc = db_txn(st->db, DB_WRITE, plan_create_fn, NULL, &c, err);
	if (rc == 0)
		*plan_id = c.id;
	return rc;
}

typedef struct plan_get_ctx {
	int64_t id;
	store_plan p;
	int found;
	char *plan, *solution;
} plan_get_ctx;

static void plan_get_reset(void *vc)
{
	plan_get_ctx *c = vc;
	store_plan_clear(&c->p);
	free(c->plan);
	free(c->solution);
	c->plan = c->solution = NULL;
	c->found = 0;
}

static int plan_get_fn(db *d, void *vc, neto_err *err)
{
	plan_get_ctx *c = vc;
	return db_query_row(d, "SELECT " PLAN_COLS " FROM plan WHERE id = $1",
			    DB_ARGS(DB_I(c->id)), read_plan, &c->p, &c->found, err);
}

static int plan_latest_fn(db *d, void *vc, neto_err *err)
{
	plan_get_ctx *c = vc;
	return db_query_row(d, "SELECT " PLAN_COLS " FROM plan ORDER BY id DESC LIMIT 1",
			    DB_NOARGS, read_plan, &c->p, &c->found, err);
}

static int plan_get_common(store *st, db_txn_fn fn, int64_t id, store_plan *out,
			   int *found, neto_err *err)
{
	plan_get_ctx c = { .id = id };
	*out = (store_plan){ 0 };
	*found = 0;
	if (db_txn(st->db, DB_READ, fn, plan_get_reset, &c, err) != 0)
		return -1;
	*out = c.p;
	*found = c.found;
	return 0;
}

int store_plan_get(store *st, int64_t id, store_plan *out, int *found,
		   neto_err *err)
{
	return plan_get_common(st, plan_get_fn, id, out, found, err);
}

int store_plan_latest(store *st, store_plan *out, int *found, neto_err *err)
{
	return plan_get_common(st, plan_latest_fn, 0, out, found, err);
}

int store_plan_list(store *st, size_t limit, store_plan **v, size_t *n,
		    neto_err *err)
{
	void *a;
	int rc = store_list_txn(st, "SELECT " PLAN_COLS " FROM plan ORDER BY id DESC LIMIT $1",
				DB_ARGS(DB_I(store_limit(limit))), sizeof **v, read_plan,
				free_plans, &a, n, err);
	*v = a;
	return rc;
}

static void read_bodies(db_res *r, void *vc)
{
	plan_get_ctx *c = vc;
	c->plan = db_strdup(r, 0, NULL);
	c->solution = db_strdup(r, 1, NULL);
}

static int plan_body_fn(db *d, void *vc, neto_err *err)
{
	plan_get_ctx *c = vc;
	return db_query_row(d, "SELECT body, solution FROM plan WHERE id = $1",
			    DB_ARGS(DB_I(c->id)), read_bodies, c, &c->found, err);
}

int store_plan_body(store *st, int64_t id, char **plan, char **solution,
		    neto_err *err)
{
	plan_get_ctx c = { .id = id };
	if (plan != NULL)
		*plan = NULL;
	if (solution != NULL)
		*solution = NULL;
	if (db_txn(st->db, DB_READ, plan_body_fn, plan_get_reset, &c, err) != 0)
		return -1;
	if (plan != NULL)
		*plan = c.plan;
	else
		free(c.plan);
	if (solution != NULL)
		*solution = c.solution;
	else
		free(c.solution);
	return 0;
}

typedef struct plan_state {
	char *state;
	int step, nsteps;
	int64_t epoch;
} plan_state;

static void read_plan_state(db_res *r, void *vs)
{
	plan_state *s = vs;
	s->state = db_strdup(r, 0, NULL);
	s->step = (int)db_int(r, 1);
	s->nsteps = (int)db_int(r, 2);
	s->epoch = db_int(r, 3);
}

static int plan_advance_fn(db *d, void *vc, neto_err *err)
{
	plan_ctx *c = vc;
	c->done = 0;
	int rc = store_fence_check(d, STORE_LEASE_SCHEDULER, c->f, c->now, err);
	if (rc != 0)
		return rc;
	plan_state s = { 0 };
	int found;
	if (db_query_row(d, "SELECT state, step, nsteps, epoch FROM plan WHERE id = $1",
			 DB_ARGS(DB_I(c->id)), read_plan_state, &s, &found, err) != 0)
		return -1;
	if (!found)
		return neto_err_set(err, "plan %lld does not exist", (long long)c->id);
	int moving = strcmp(s.state, "running") == 0 && s.step == c->from_step;
	free(s.state);
	if (!moving)
		return 0;
	int64_t left;
	if (db_query_int(d, "SELECT COUNT(*) FROM task WHERE plan_id = $1 AND step = $2"
			 " AND state <> 'done'", DB_ARGS(DB_I(c->id), DB_I(s.step)),
			 &left, NULL, err) != 0)
		return -1;
	if (left > 0)
		return 0;
	int last = s.step + 1 >= s.nsteps;
	if (db_exec(d, "UPDATE plan SET step = $2, state = $3, updated = $4 WHERE id = $1",
		    DB_ARGS(DB_I(c->id), DB_I(s.step + 1), DB_T(last ? "done" : "running"),
			    DB_I(c->now)), NULL, err) != 0)
		return -1;
	c->done = 1;
	char detail[96];
	if (last)
		snprintf(detail, sizeof detail, "plan %lld: done", (long long)c->id);
	else
		snprintf(detail, sizeof detail, "plan %lld: step %d", (long long)c->id,
			 s.step + 1);
	return store_audit_write(d, c->now, s.epoch, c->f->holder, NULL,
				 last ? "done" : "step", detail, err);
}

int store_plan_advance(store *st, const store_fence *f, int64_t plan_id,
		       int from_step, int64_t now, int *advanced, neto_err *err)
{
	plan_ctx c = { .f = f, .id = plan_id, .now = now, .from_step = from_step };
	int rc = db_txn(st->db, DB_WRITE, plan_advance_fn, NULL, &c, err);
	*advanced = rc == 0 && c.done;
	return rc;
}

/* fail (scheduler) and supersede (controller): end a running plan */
static int plan_end_fn(db *d, void *vc, neto_err *err, const char *lease,
		       const char *state, const char *action)
{
	plan_ctx *c = vc;
	int rc = store_fence_check(d, lease, c->f, c->now, err);
	if (rc != 0)
		return rc;
	int64_t epoch;
	int found, ended;
	if (db_query_int(d, "SELECT epoch FROM plan WHERE id = $1", DB_ARGS(DB_I(c->id)),
			 &epoch, &found, err) != 0)
		return -1;
	if (!found)
		return neto_err_set(err, "plan %lld does not exist", (long long)c->id);
	if (end_plan(d, c->id, state, c->reason, c->now, &ended, err) != 0)
		return -1;
	if (!ended)
		return 0;
	char detail[512];
	snprintf(detail, sizeof detail, "plan %lld: %s", (long long)c->id,
		 c->reason ? c->reason : "");
	return store_audit_write(d, c->now, epoch, c->f->holder, NULL, action, detail,
				 err);
}

static int plan_fail_fn(db *d, void *vc, neto_err *err)
{
	return plan_end_fn(d, vc, err, STORE_LEASE_SCHEDULER, "failed", "fail");
}

static int plan_supersede_fn(db *d, void *vc, neto_err *err)
{
	return plan_end_fn(d, vc, err, STORE_LEASE_CONTROLLER, "superseded", "supersede");
}

int store_plan_fail(store *st, const store_fence *f, int64_t plan_id,
		    const char *reason, int64_t now, neto_err *err)
{
	plan_ctx c = { .f = f, .id = plan_id, .now = now, .reason = reason };
	return db_txn(st->db, DB_WRITE, plan_fail_fn, NULL, &c, err);
}

int store_plan_supersede(store *st, const store_fence *f, int64_t plan_id,
			 const char *reason, int64_t now, neto_err *err)
{
	plan_ctx c = { .f = f, .id = plan_id, .now = now, .reason = reason };
	return db_txn(st->db, DB_WRITE, plan_supersede_fn, NULL, &c, err);
}

/* ---- tasks --------------------------------------------------------------- */

#define TASK_COLS "id, plan_id, step, priority, router, policy, action, desired, state," \
		  " agent, attempts, not_before, deadline, updated, error"

static void read_task(db_res *r, void *elem)
{
	store_task *t = elem;
	t->id = db_int(r, 0);
	t->plan_id = db_int(r, 1);
	t->step = (int)db_int(r, 2);
	t->priority = (int)db_int(r, 3);
	t->router = db_strdup(r, 4, NULL);
	t->policy = db_strdup(r, 5, NULL);
	t->action = db_strdup(r, 6, NULL);
	t->desired = db_strdup(r, 7, NULL);
	t->state = db_strdup(r, 8, NULL);
	t->agent = db_strdup(r, 9, NULL);
	t->attempts = (int)db_int(r, 10);
	t->not_before = db_int(r, 11);
	t->deadline = db_int(r, 12);
	t->updated = db_int(r, 13);
	t->error = db_strdup(r, 14, NULL);
}

void store_task_free(store_task *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].router);
		free(v[i].policy);
		free(v[i].action);
		free(v[i].desired);
		free(v[i].state);
		free(v[i].agent);
		free(v[i].error);
	}
	free(v);
}

static void free_tasks(void *v, size_t n)
{
	store_task_free(v, n);
}

int store_task_list(store *st, int64_t plan_id, int step, store_task **v,
		    size_t *n, neto_err *err)
{
	static const char *const sql[2][2] = {
		{ "SELECT " TASK_COLS " FROM task WHERE plan_id IN " RUNNING_PLANS
		  " ORDER BY id",
		  "SELECT " TASK_COLS " FROM task WHERE plan_id IN " RUNNING_PLANS
		  " AND step = $2 ORDER BY id" },
		{ "SELECT " TASK_COLS " FROM task WHERE plan_id = $1 ORDER BY id",
		  "SELECT " TASK_COLS " FROM task WHERE plan_id = $1 AND step = $2"
		  " ORDER BY id" },
	};
	void *a;
	int rc = store_list_txn(st, sql[plan_id != 0][step >= 0],
				DB_ARGS(DB_I(plan_id), DB_I(step)), sizeof **v, read_task,
				free_tasks, &a, n, err);
	*v = a;
	return rc;
}

static int task_counts_fn(db *d, void *vc, neto_err *err)
{
	static const char *const states[5] = { "pending", "assigned", "done", "failed",
					       "cancelled" };
	int64_t *counts = vc;
	db_res *r;
	for (int i = 0; i < 5; i++)
		counts[i] = 0;
	if (db_query(d, &r, "SELECT state, COUNT(*) FROM task GROUP BY state", DB_NOARGS,
		     err) != 0)
		return -1;
	int rc;
	while ((rc = db_step(r, err)) == 1) {
		const char *s = db_text(r, 0, NULL);
		for (int i = 0; i < 5; i++)
			if (s != NULL && strcmp(s, states[i]) == 0)
				counts[i] = db_int(r, 1);
	}
	db_res_free(r);
	return rc < 0 ? -1 : 0;
}

int store_task_counts(store *st, int64_t counts[5], neto_err *err)
{
	return db_txn(st->db, DB_READ, task_counts_fn, NULL, counts, err);
}

typedef struct task_ctx {
	const store_fence *f;
	int64_t id, now, deadline, not_before;
	const char *agent, *error, *installed;
	int ok;
	int accepted;
} task_ctx;

static int task_assign_fn(db *d, void *vc, neto_err *err)
{
	task_ctx *c = vc;
	int rc = store_fence_check(d, STORE_LEASE_SCHEDULER, c->f, c->now, err);
	if (rc != 0)
		return rc;
	int64_t changes;
	if (db_exec(d, "UPDATE task SET state = 'assigned', agent = $2, attempts = attempts + 1,"
		    " deadline = $3, updated = $4"
		    " WHERE id = $1 AND not_before <= $4"
		    " AND (state = 'pending' OR (state = 'assigned' AND deadline < $4))"
		    " AND plan_id IN " RUNNING_PLANS,
		    DB_ARGS(DB_I(c->id), DB_T(c->agent), DB_I(c->deadline), DB_I(c->now)),
		    &changes, err) != 0)
		return -1;
	c->accepted = changes > 0;
	return 0;
}

int store_task_assign(store *st, const store_fence *f, int64_t id,
		      const char *agent, int64_t now, int64_t deadline, int *ok,
		      neto_err *err)
{
	*ok = 0;
	if (agent == NULL || *agent == '\0')
		return neto_err_set(err, "task %lld: no agent", (long long)id);
	task_ctx c = { .f = f, .id = id, .agent = agent, .now = now, .deadline = deadline };
	int rc = db_txn(st->db, DB_WRITE, task_assign_fn, NULL, &c, err);
	*ok = rc == 0 && c.accepted;
	return rc;
}

static int task_retry_fn(db *d, void *vc, neto_err *err)
{
	task_ctx *c = vc;
	int rc = store_fence_check(d, STORE_LEASE_SCHEDULER, c->f, c->now, err);
	if (rc != 0)
		return rc;
	return db_exec(d, "UPDATE task SET state = 'pending', agent = NULL, not_before = $2,"
		       " error = $3, updated = $4"
		       " WHERE id = $1 AND state IN ('assigned', 'failed')"
		       " AND plan_id IN " RUNNING_PLANS,
		       DB_ARGS(DB_I(c->id), DB_I(c->not_before), DB_T(c->error),
			       DB_I(c->now)), NULL, err);
}

int store_task_retry(store *st, const store_fence *f, int64_t id,
		     int64_t not_before, const char *error, int64_t now,
		     neto_err *err)
{
	task_ctx c = { .f = f, .id = id, .not_before = not_before, .error = error,
		       .now = now };
	return db_txn(st->db, DB_WRITE, task_retry_fn, NULL, &c, err);
}

int store_task_claimed(store *st, const char *agent, store_task **v, size_t *n,
		       neto_err *err)
{
	*v = NULL;
	*n = 0;
	if (agent == NULL)
		return neto_err_set(err, "tasks: no agent");
	void *a;
	int rc = store_list_txn(st, "SELECT " TASK_COLS " FROM task WHERE agent = $1"
				" AND state = 'assigned' AND plan_id IN " RUNNING_PLANS
				" ORDER BY id", DB_ARGS(DB_T(agent)), sizeof **v, read_task,
				free_tasks, &a, n, err);
	*v = a;
	return rc;
}

typedef struct task_row {
	char *router, *policy, *action;
	int64_t plan_id, epoch;
	int step;
} task_row;

static void read_task_row(db_res *r, void *vt)
{
	task_row *t = vt;
	t->router = db_strdup(r, 0, NULL);
	t->policy = db_strdup(r, 1, NULL);
	t->action = db_strdup(r, 2, NULL);
	t->plan_id = db_int(r, 3);
	t->step = (int)db_int(r, 4);
	t->epoch = db_int(r, 5);
}

static int task_complete_fn(db *d, void *vc, neto_err *err)
{
	task_ctx *c = vc;
	task_row t = { 0 };
	int found;
	c->accepted = 0;
	if (db_query_row(d, "SELECT t.router, t.policy, t.action, t.plan_id, t.step, p.epoch"
			 " FROM task t JOIN plan p ON p.id = t.plan_id"
			 " WHERE t.id = $1 AND t.state = 'assigned' AND t.agent = $2"
			 " AND p.state = 'running'", DB_ARGS(DB_I(c->id), DB_T(c->agent)),
			 read_task_row, &t, &found, err) != 0)
		return -1;
	if (!found)
		return 0;
	int rc = db_exec(d, "UPDATE task SET state = $2, error = $3, updated = $4 WHERE id = $1",
			 DB_ARGS(DB_I(c->id), DB_T(c->ok ? "done" : "failed"),
				 DB_T(c->ok ? NULL : c->error), DB_I(c->now)), NULL, err);
	if (rc == 0 && c->ok && c->installed != NULL)
		rc = db_exec(d, "INSERT INTO installed (router, policy, body, updated)"
			     " VALUES ($1, $2, $3, $4) ON CONFLICT (router, policy)"
			     " DO UPDATE SET body = excluded.body, updated = excluded.updated",
			     DB_ARGS(DB_T(t.router), DB_T(t.policy), DB_T(c->installed),
				     DB_I(c->now)), NULL, err);
	else if (rc == 0 && c->ok)
		rc = db_exec(d, "DELETE FROM installed WHERE router = $1 AND policy = $2",
			     DB_ARGS(DB_T(t.router), DB_T(t.policy)), NULL, err);
	if (rc == 0) {
		char detail[600];
		snprintf(detail, sizeof detail, "%s plan %lld step %d%s%s", t.policy,
			 (long long)t.plan_id, t.step, c->ok ? "" : " failed: ",
			 c->ok ? "" : (c->error ? c->error : "(no reason)"));
		rc = store_audit_write(d, c->now, t.epoch, c->agent, t.router, t.action,
				       detail, err);
	}
	free(t.router);
	free(t.policy);
	free(t.action);
	if (rc == 0)
		c->accepted = 1;
	return rc;
}

int store_task_complete(store *st, int64_t id, const char *agent, int ok,
			const char *error, const char *installed, int64_t now,
			int *accepted, neto_err *err)
{
	*accepted = 0;
	if (agent == NULL)
		return neto_err_set(err, "task %lld: no agent", (long long)id);
	task_ctx c = { .id = id, .agent = agent, .ok = ok, .error = error,
		       .installed = installed, .now = now };
	int rc = db_txn(st->db, DB_WRITE, task_complete_fn, NULL, &c, err);
	*accepted = rc == 0 && c.accepted;
	return rc;
}
