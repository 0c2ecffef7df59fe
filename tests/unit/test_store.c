/*
 * test_store.c - the store (store.h) against every backend: the same test
 * cases run on an SQLite file, on an in-memory SQLite database and on
 * PostgreSQL.
 *
 * PostgreSQL: NETO_TEST_PG holds a libpq conninfo (CTest sets it to the
 * throwaway cluster of tests/pg/pg-start.sh). Each test case gets a schema
 * of its own on that server, dropped afterwards. When NETO_TEST_PG is unset
 * the PostgreSQL cases fail, so that a run cannot silently skip them,
 * unless NETO_TEST_PG_SKIP=1 says to skip them.
 *
 * Cases that need a second handle on the same database (reopening,
 * contention between handles) are skipped on the in-memory database, which
 * only its one handle can see.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "lib/mem.h"
#include "store/db.h"
#include "store/schema.h"
#include "store/store.h"
#include "testutil.h"

enum backend { BK_FILE, BK_MEMORY, BK_PG };

static enum backend bk_file = BK_FILE, bk_memory = BK_MEMORY, bk_pg = BK_PG;

typedef struct fx {
	enum backend kind;
	char uri[2048];		/* what store_open and db_open_* take */
	char dir[256];		/* SQLite: the temporary directory */
	char schema[64];	/* PostgreSQL: the test's schema */
	store *st;
} fx;

static int pg_counter;

#define OK(call)                                                        \
	do {                                                            \
		neto_err e_;                                            \
		e_.msg[0] = '\0';                                       \
		int rc_ = (call);                                       \
		if (rc_ != 0)                                           \
			fail_msg("%s: rc %d: %s", #call, rc_, e_.msg);  \
	} while (0)
/* the error variable the calls below name */
#define E (&e_)

/* ---- fixtures ------------------------------------------------------------ */

/* Appends one libpq key='value' to a conninfo string. */
static void conninfo_add(char *buf, size_t cap, const char *key, const char *val)
{
	size_t n = strlen(buf);
	n += (size_t)snprintf(buf + n, cap - n, "%s%s='", n ? " " : "", key);
	for (const char *p = val; *p && n + 3 < cap; p++) {
		if (*p == '\'' || *p == '\\')
			buf[n++] = '\\';
		buf[n++] = *p;
	}
	snprintf(buf + n, cap - n, "'");
}

static void quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

static PGconn *pg_admin(void)
{
	PGconn *c = PQconnectdb(getenv("NETO_TEST_PG"));
	if (PQstatus(c) != CONNECTION_OK) {
		print_error("NETO_TEST_PG: %s", PQerrorMessage(c));
		PQfinish(c);
		return NULL;
	}
	PQsetNoticeProcessor(c, quiet, NULL);
	return c;
}

static int pg_sql(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
	if (!ok)
		print_error("%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	return ok ? 0 : -1;
}

static int setup_pg(fx *f)
{
	const char *env = getenv("NETO_TEST_PG");
	if (env == NULL || *env == '\0') {
		print_error("NETO_TEST_PG is not set: it must hold a PostgreSQL conninfo "
			    "(`make test` starts a server), or set NETO_TEST_PG_SKIP=1 "
			    "to skip the PostgreSQL cases\n");
		return -1;
	}
	snprintf(f->schema, sizeof f->schema, "neto_test_%ld_%d", (long)getpid(),
		 ++pg_counter);
	PGconn *c = pg_admin();
	if (c == NULL)
		return -1;
	char sql[256];
	snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s",
		 f->schema, f->schema);
	int rc = pg_sql(c, sql);
	PQfinish(c);
	if (rc != 0)
		return -1;
	/* the same connection, with the schema first in the search path */
	char *perr = NULL;
	PQconninfoOption *opts = PQconninfoParse(env, &perr);
	if (opts == NULL) {
		print_error("NETO_TEST_PG: %s", perr ? perr : "cannot parse");
		PQfreemem(perr);
		return -1;
	}
	char options[512] = "";
	f->uri[0] = '\0';
	for (PQconninfoOption *o = opts; o->keyword != NULL; o++) {
		if (o->val == NULL || *o->val == '\0')
			continue;
		if (strcmp(o->keyword, "options") == 0)
			snprintf(options, sizeof options, "%s ", o->val);
		else
			conninfo_add(f->uri, sizeof f->uri, o->keyword, o->val);
	}
	PQconninfoFree(opts);
	size_t n = strlen(options);
	snprintf(options + n, sizeof options - n, "-csearch_path=%s", f->schema);
	conninfo_add(f->uri, sizeof f->uri, "options", options);
	return 0;
}

static int setup(void **state)
{
	enum backend kind = *(enum backend *)*state;
	fx *f = neto_calloc(1, sizeof *f);
	f->kind = kind;
	switch (kind) {
	case BK_FILE:
		snprintf(f->dir, sizeof f->dir, "/tmp/neto-store-XXXXXX");
		if (mkdtemp(f->dir) == NULL) {
			free(f);
			return -1;
		}
		snprintf(f->uri, sizeof f->uri, "sqlite:%s/neto.db", f->dir);
		break;
	case BK_MEMORY:
		snprintf(f->uri, sizeof f->uri, "sqlite::memory:");
		break;
	case BK_PG:
		if (setup_pg(f) != 0) {
			free(f);
			return -1;
		}
		break;
	}
	neto_err err;
	if (store_open(&f->st, f->uri, &err) != 0) {
		print_error("store_open %s: %s\n", f->uri, err.msg);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	store_close(f->st);
	if (f->kind == BK_FILE) {
		char cmd[512];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
		if (system(cmd) != 0)
			return -1;
	} else if (f->kind == BK_PG) {
		PGconn *c = pg_admin();
		if (c != NULL) {
			char sql[128];
			snprintf(sql, sizeof sql, "DROP SCHEMA %s CASCADE", f->schema);
			pg_sql(c, sql);
			PQfinish(c);
		}
	}
	free(f);
	return 0;
}

/* A raw driver handle on the test's database (not for :memory:). */
static db *raw_db(const fx *f)
{
	db *d = NULL;
	neto_err err;
	int rc = f->kind == BK_PG ? db_open_pg(&d, f->uri, &err)
				  : db_open_sqlite(&d, f->uri + strlen("sqlite:"), &err);
	if (rc != 0)
		fail_msg("db_open: %s", err.msg);
	return d;
}

static void need_shared(const fx *f)
{
	if (f->kind == BK_MEMORY)
		skip();
}

/* ---- helpers ------------------------------------------------------------- */

static size_t count_audit(store *st)
{
	store_audit *a;
	size_t n;
	OK(store_audit_list(st, 0, 0, &a, &n, E));
	store_audit_free(a, n);
	return n;
}

static size_t count_plans(store *st)
{
	store_plan *p;
	size_t n;
	OK(store_plan_list(st, 0, &p, &n, E));
	store_plan_free(p, n);
	return n;
}

static void plan_state(store *st, int64_t id, const char *state, int step)
{
	store_plan p;
	int found;
	OK(store_plan_get(st, id, &p, &found, E));
	assert_true(found);
	assert_string_equal(p.state, state);
	if (step >= 0)
		assert_int_equal(p.step, step);
	store_plan_clear(&p);
}

static void task_state(store *st, int64_t plan, int64_t id, const char *state)
{
	store_task *t;
	size_t n;
	OK(store_task_list(st, plan, -1, &t, &n, E));
	size_t i = 0;
	while (i < n && t[i].id != id)
		i++;
	assert_true(i < n);
	if (strcmp(t[i].state, state) != 0)
		fail_msg("task %lld: state %s, expected %s", (long long)id, t[i].state, state);
	store_task_free(t, n);
}

/* Takes lease NAME for HOLDER at NOW (must succeed) and returns its epoch. */
static int64_t take(store *st, const char *name, const char *holder, int64_t now,
		    int64_t ttl)
{
	int held;
	int64_t epoch;
	OK(store_lease_acquire(st, name, holder, now, ttl, &held, &epoch, E));
	assert_true(held);
	return epoch;
}

/* A plan of NSTEPS steps with TPS tasks per step, routers r<step>-<i>. */
typedef struct plan_buf {
	store_task_in tasks[64];
	char names[64][2][32];
	store_plan_in in;
} plan_buf;

static const store_plan_in *make_plan(plan_buf *b, int nsteps, int tps)
{
	memset(b, 0, sizeof *b);
	size_t n = 0;
	for (int s = 0; s < nsteps; s++)
		for (int i = 0; i < tps; i++, n++) {
			snprintf(b->names[n][0], 32, "r%d-%d", s, i);
			snprintf(b->names[n][1], 32, "D%d/gold", i);
			b->tasks[n] = (store_task_in){ s, b->names[n][0], b->names[n][1],
						       "apply", "{\"sl\":[1]}" };
		}
	b->in = (store_plan_in){ .kind = "reopt", .priority = 1, .topology_version = 3,
				 .demand_id = 4, .intent_serial = 5,
				 .solution = "{\"solution\":1}", .plan = "{\"plan\":1}",
				 .nsteps = nsteps, .tasks = b->tasks, .ntasks = n };
	return &b->in;
}

static void task_ids(store *st, int64_t plan, int step, int64_t *ids, size_t want)
{
	store_task *t;
	size_t n;
	OK(store_task_list(st, plan, step, &t, &n, E));
	assert_int_equal(n, want);
	for (size_t i = 0; i < n; i++)
		ids[i] = t[i].id;
	store_task_free(t, n);
}

/* ---- opening and migrations ---------------------------------------------- */

static void test_open_and_reopen(void **state)
{
	fx *f = *state;
	int v;
	OK(store_schema_version(f->st, &v, E));
	assert_int_equal(v, schema_latest());
	assert_true(v >= 1);
	assert_string_equal(store_backend(f->st),
			    f->kind == BK_PG ? "postgresql" : "sqlite");
	OK(store_kv_put(f->st, "ns", "k", "v1", 2, 10, E));

	need_shared(f);
	/* reopening applies nothing and keeps the data, twice over */
	for (int i = 0; i < 2; i++) {
		store *st2;
		OK(store_open(&st2, f->uri, E));
		OK(store_schema_version(st2, &v, E));
		assert_int_equal(v, schema_latest());
		char *body;
		size_t len;
		int64_t upd;
		OK(store_kv_get(st2, "ns", "k", &body, &len, &upd, E));
		assert_non_null(body);
		assert_int_equal(len, 2);
		assert_memory_equal(body, "v1", 2);
		assert_int_equal(upd, 10);
		free(body);
		store_close(st2);
	}
	/* migrating an up-to-date database is a no-op */
	db *d = raw_db(f);
	int found;
	OK(schema_migrate(d, &found, E));
	assert_int_equal(found, schema_latest());
	/* a schema newer than this build is refused, with a message */
	OK(db_exec(d, "UPDATE neto_meta SET value = 99 WHERE name = 'schema_version'",
		   DB_NOARGS, NULL, E));
	store *st3 = NULL;
	neto_err err;
	assert_int_equal(store_open(&st3, f->uri, &err), -1);
	assert_null(st3);
	assert_non_null(strstr(err.msg, "newer"));
	OK(db_exec(d, "UPDATE neto_meta SET value = $1 WHERE name = 'schema_version'",
		   DB_ARGS(DB_I(schema_latest())), NULL, E));
	db_close(d);
}

/* ---- leases -------------------------------------------------------------- */

static void test_lease(void **state)
{
	store *st = ((fx *)*state)->st;
	int held;
	int64_t epoch;
	/* new lease: epoch 1 */
	OK(store_lease_acquire(st, "controller", "a", 1000, 500, &held, &epoch, E));
	assert_true(held);
	assert_int_equal(epoch, 1);
	/* renewal: same epoch, later expiry */
	OK(store_lease_acquire(st, "controller", "a", 1400, 500, &held, &epoch, E));
	assert_true(held);
	assert_int_equal(epoch, 1);
	/* someone else before expiry (1900): refused, sees the epoch */
	OK(store_lease_acquire(st, "controller", "b", 1899, 500, &held, &epoch, E));
	assert_false(held);
	assert_int_equal(epoch, 1);
	/* a lease of another name is independent */
	OK(store_lease_acquire(st, "scheduler", "b", 1899, 500, &held, &epoch, E));
	assert_true(held);
	assert_int_equal(epoch, 1);
	/* expired: taken over, epoch + 1 */
	OK(store_lease_acquire(st, "controller", "b", 1900, 500, &held, &epoch, E));
	assert_true(held);
	assert_int_equal(epoch, 2);
	/* the old holder cannot renew any more */
	OK(store_lease_acquire(st, "controller", "a", 1950, 500, &held, &epoch, E));
	assert_false(held);
	assert_int_equal(epoch, 2);
	/* release by a non-holder changes nothing */
	OK(store_lease_release(st, "controller", "a", 2000, E));
	OK(store_lease_acquire(st, "controller", "c", 2001, 500, &held, &epoch, E));
	assert_false(held);
	/* release by the holder: free at once, next holder gets epoch 3 */
	OK(store_lease_release(st, "controller", "b", 2100, E));
	OK(store_lease_acquire(st, "controller", "c", 2100, 500, &held, &epoch, E));
	assert_true(held);
	assert_int_equal(epoch, 3);
	/* the holder reacquiring after expiry, nobody in between: same epoch */
	OK(store_lease_acquire(st, "controller", "c", 9000, 500, &held, &epoch, E));
	assert_true(held);
	assert_int_equal(epoch, 3);

	store_lease *l;
	size_t n;
	OK(store_lease_list(st, &l, &n, E));
	assert_int_equal(n, 2);
	assert_string_equal(l[0].name, "controller");
	assert_string_equal(l[0].holder, "c");
	assert_int_equal(l[0].epoch, 3);
	assert_int_equal(l[0].expires, 9500);
	assert_string_equal(l[1].name, "scheduler");
	assert_string_equal(l[1].holder, "b");
	assert_int_equal(l[1].expires, 2399);
	store_lease_free(l, n);

	neto_err err;
	assert_int_equal(store_lease_acquire(st, "", "x", 0, 1, &held, &epoch, &err), -1);
	assert_int_equal(store_lease_acquire(st, "x", "x", 0, -1, &held, &epoch, &err), -1);
}

/* ---- fencing ------------------------------------------------------------- */

static void test_fencing(void **state)
{
	store *st = ((fx *)*state)->st;
	plan_buf b;
	int64_t id, id2;
	store_fence fa = { "ctl-a", take(st, "controller", "ctl-a", 0, 1000) };
	store_fence fs = { "sched", take(st, "scheduler", "sched", 0, 100000) };
	OK(store_plan_create(st, &fa, make_plan(&b, 2, 2), 10, &id, E));
	plan_state(st, id, "running", 0);

	/* b takes the controller lease over after expiry */
	store_fence fb = { "ctl-b", take(st, "controller", "ctl-b", 1000, 1000) };
	assert_int_equal(fb.epoch, 2);
	size_t plans = count_plans(st), audits = count_audit(st);
	store_task *t0;
	size_t nt0;
	OK(store_task_list(st, id, -1, &t0, &nt0, E));

	/* a's writes are refused, nothing written */
	neto_err err;
	assert_int_equal(store_plan_create(st, &fa, make_plan(&b, 1, 1), 1001, &id2, &err),
			 STORE_FENCED);
	assert_int_equal(store_plan_supersede(st, &fa, id, "old", 1001, &err), STORE_FENCED);
	/* right holder, wrong epoch */
	store_fence fb1 = { "ctl-b", 1 };
	assert_int_equal(store_plan_create(st, &fb1, make_plan(&b, 1, 1), 1001, &id2, &err),
			 STORE_FENCED);
	/* a fence of another lease: the controller cannot act as scheduler */
	int ok;
	assert_int_equal(store_plan_advance(st, &fb, id, 0, 1001, &ok, &err), STORE_FENCED);
	assert_false(ok);
	assert_int_equal(store_task_assign(st, &fb, t0[0].id, "ag", 1001, 5000, &ok, &err),
			 STORE_FENCED);
	assert_false(ok);
	assert_int_equal(store_plan_fail(st, &fb, id, "x", 1001, &err), STORE_FENCED);
	assert_int_equal(count_plans(st), plans);
	assert_int_equal(count_audit(st), audits);
	plan_state(st, id, "running", 0);
	store_task *t1;
	size_t nt1;
	OK(store_task_list(st, id, -1, &t1, &nt1, E));
	assert_int_equal(nt1, nt0);
	for (size_t i = 0; i < nt0; i++) {
		assert_string_equal(t1[i].state, "pending");
		assert_int_equal(t1[i].attempts, 0);
	}
	store_task_free(t0, nt0);
	store_task_free(t1, nt1);

	/* the new holder's writes go through, with its epoch on the plan */
	OK(store_plan_create(st, &fb, make_plan(&b, 1, 1), 1002, &id2, E));
	store_plan p;
	int found;
	OK(store_plan_get(st, id2, &p, &found, E));
	assert_int_equal(p.epoch, 2);
	store_plan_clear(&p);
	plan_state(st, id, "superseded", 0);

	/* a released or expired lease fences its holder too */
	OK(store_lease_release(st, "controller", "ctl-b", 1500, E));
	assert_int_equal(store_plan_supersede(st, &fb, id2, "x", 1500, &err), STORE_FENCED);
	assert_int_equal(store_plan_advance(st, &fs, id2, 0, 100000, &ok, &err), STORE_FENCED);
	/* scheduler writes with the scheduler's fence still go through */
	OK(store_plan_advance(st, &fs, id2, 0, 1500, &ok, E));
	assert_false(ok);	/* its task is not done */
	/* no fence at all is an error, not a pass */
	assert_int_equal(store_plan_fail(st, NULL, id2, "x", 1500, &err), -1);
}

/* ---- plans --------------------------------------------------------------- */

static void test_plan_create_supersedes(void **state)
{
	store *st = ((fx *)*state)->st;
	store_fence fc = { "ctl", take(st, "controller", "ctl", 0, 1000000) };
	store_fence fs = { "sch", take(st, "scheduler", "sch", 0, 1000000) };
	plan_buf b;
	int64_t p1, p2, p3;
	int ok, acc;
	OK(store_plan_create(st, &fc, make_plan(&b, 2, 2), 10, &p1, E));
	int64_t s0[2];
	task_ids(st, p1, 0, s0, 2);
	/* one task done, one assigned, step 1 pending */
	OK(store_task_assign(st, &fs, s0[0], "ag", 11, 1000, &ok, E));
	assert_true(ok);
	OK(store_task_complete(st, s0[0], "ag", 1, NULL, "{\"i\":1}", 12, &acc, E));
	assert_true(acc);
	OK(store_task_assign(st, &fs, s0[1], "ag", 13, 1000, &ok, E));
	assert_true(ok);

	make_plan(&b, 1, 1);
	b.in.kind = "repair";
	b.in.priority = 0;
	OK(store_plan_create(st, &fc, &b.in, 20, &p2, E));
	assert_true(p2 > p1);
	store_plan p;
	int found;
	OK(store_plan_get(st, p1, &p, &found, E));
	assert_true(found);
	assert_string_equal(p.state, "superseded");
	assert_non_null(p.reason);
	assert_non_null(strstr(p.reason, "superseded by plan"));
	assert_int_equal(p.updated, 20);
	store_plan_clear(&p);
	task_state(st, p1, s0[0], "done");
	task_state(st, p1, s0[1], "cancelled");
	store_task *t;
	size_t n;
	OK(store_task_list(st, p1, 1, &t, &n, E));
	assert_int_equal(n, 2);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(t[i].state, "cancelled");
	store_task_free(t, n);
	/* the agent's late outcome for the superseded plan is refused */
	OK(store_task_complete(st, s0[1], "ag", 1, NULL, "{}", 21, &acc, E));
	assert_false(acc);

	/* the new plan: running at step 0, every field as given */
	OK(store_plan_latest(st, &p, &found, E));
	assert_true(found);
	assert_int_equal(p.id, p2);
	assert_string_equal(p.kind, "repair");
	assert_string_equal(p.state, "running");
	assert_int_equal(p.priority, 0);
	assert_int_equal(p.nsteps, 1);
	assert_int_equal(p.step, 0);
	assert_int_equal(p.created, 20);
	assert_int_equal(p.topology_version, 3);
	assert_int_equal(p.demand_id, 4);
	assert_int_equal(p.intent_serial, 5);
	assert_int_equal(p.epoch, 1);
	assert_null(p.reason);
	store_plan_clear(&p);
	OK(store_task_list(st, p2, -1, &t, &n, E));
	assert_int_equal(n, 1);
	assert_int_equal(t[0].priority, 0);
	assert_string_equal(t[0].state, "pending");
	assert_string_equal(t[0].router, "r0-0");
	assert_string_equal(t[0].policy, "D0/gold");
	assert_string_equal(t[0].action, "apply");
	assert_string_equal(t[0].desired, "{\"sl\":[1]}");
	assert_null(t[0].agent);
	assert_null(t[0].error);
	store_task_free(t, n);
	/* tasks of every running plan: only p2's */
	OK(store_task_list(st, 0, -1, &t, &n, E));
	assert_int_equal(n, 1);
	assert_int_equal(t[0].plan_id, p2);
	store_task_free(t, n);

	char *pl, *so;
	OK(store_plan_body(st, p2, &pl, &so, E));
	assert_string_equal(pl, "{\"plan\":1}");
	assert_string_equal(so, "{\"solution\":1}");
	free(pl);
	free(so);
	OK(store_plan_body(st, 999999, &pl, &so, E));
	assert_null(pl);
	assert_null(so);

	/* a plan without tasks is done at once and supersedes p2 */
	make_plan(&b, 0, 0);
	b.in.solution = NULL;
	OK(store_plan_create(st, &fc, &b.in, 30, &p3, E));
	plan_state(st, p3, "done", -1);
	plan_state(st, p2, "superseded", 0);

	store_plan *v;
	OK(store_plan_list(st, 2, &v, &n, E));
	assert_int_equal(n, 2);
	assert_int_equal(v[0].id, p3);
	assert_int_equal(v[1].id, p2);
	store_plan_free(v, n);
	OK(store_plan_get(st, 999999, &p, &found, E));
	assert_false(found);

	/* supersede by the controller: a running plan only */
	OK(store_plan_create(st, &fc, make_plan(&b, 1, 1), 40, &p3, E));
	OK(store_plan_supersede(st, &fc, p3, "operator", 41, E));
	OK(store_plan_get(st, p3, &p, &found, E));
	assert_string_equal(p.state, "superseded");
	assert_string_equal(p.reason, "operator");
	store_plan_clear(&p);
	OK(store_plan_supersede(st, &fc, p3, "again", 42, E));	/* no-op */
	OK(store_plan_get(st, p3, &p, &found, E));
	assert_string_equal(p.reason, "operator");
	store_plan_clear(&p);

	int64_t counts[5];
	OK(store_task_counts(st, counts, E));
	assert_int_equal(counts[0], 0);	/* pending */
	assert_int_equal(counts[1], 0);	/* assigned */
	assert_int_equal(counts[2], 1);	/* done */
	assert_int_equal(counts[3], 0);	/* failed */
	assert_int_equal(counts[4], 5);	/* cancelled */
}

static void test_plan_invalid(void **state)
{
	store *st = ((fx *)*state)->st;
	store_fence fc = { "ctl", take(st, "controller", "ctl", 0, 1000000) };
	plan_buf b;
	int64_t id;
	neto_err err;
	make_plan(&b, 2, 2);
	b.tasks[3].step = 2;
	assert_int_equal(store_plan_create(st, &fc, &b.in, 1, &id, &err), -1);
	assert_non_null(strstr(err.msg, "step 2"));
	make_plan(&b, 2, 2);
	b.tasks[1].action = "replace";
	assert_int_equal(store_plan_create(st, &fc, &b.in, 1, &id, &err), -1);
	make_plan(&b, 2, 2);
	b.tasks[1].desired = NULL;
	assert_int_equal(store_plan_create(st, &fc, &b.in, 1, &id, &err), -1);
	make_plan(&b, 2, 2);
	b.tasks[1].action = "remove";
	b.tasks[1].desired = NULL;	/* fine for a remove */
	OK(store_plan_create(st, &fc, &b.in, 1, &id, E));
	assert_int_equal(count_plans(st), 1);
}

static void test_plan_advance(void **state)
{
	store *st = ((fx *)*state)->st;
	store_fence fc = { "ctl", take(st, "controller", "ctl", 0, 1000000) };
	store_fence fs = { "sch", take(st, "scheduler", "sch", 0, 1000000) };
	plan_buf b;
	int64_t id, s0[2], s1[2];
	int ok, acc, adv;
	OK(store_plan_create(st, &fc, make_plan(&b, 2, 2), 10, &id, E));
	task_ids(st, id, 0, s0, 2);
	task_ids(st, id, 1, s1, 2);

	OK(store_plan_advance(st, &fs, id, 0, 11, &adv, E));
	assert_false(adv);
	OK(store_task_assign(st, &fs, s0[0], "ag", 12, 100, &ok, E));
	OK(store_task_complete(st, s0[0], "ag", 1, NULL, "{}", 13, &acc, E));
	assert_true(acc);
	OK(store_plan_advance(st, &fs, id, 0, 14, &adv, E));
	assert_false(adv);	/* s0[1] is pending */
	OK(store_task_assign(st, &fs, s0[1], "ag", 15, 100, &ok, E));
	OK(store_task_complete(st, s0[1], "ag", 0, "timeout", NULL, 16, &acc, E));
	assert_true(acc);
	OK(store_plan_advance(st, &fs, id, 0, 17, &adv, E));
	assert_false(adv);	/* s0[1] failed */
	OK(store_task_retry(st, &fs, s0[1], 18, "timeout", 17, E));
	OK(store_task_assign(st, &fs, s0[1], "ag", 18, 100, &ok, E));
	assert_true(ok);
	OK(store_task_complete(st, s0[1], "ag", 1, NULL, "{}", 19, &acc, E));
	assert_true(acc);
	/* wrong from_step: nothing */
	OK(store_plan_advance(st, &fs, id, 1, 20, &adv, E));
	assert_false(adv);
	OK(store_plan_advance(st, &fs, id, 0, 20, &adv, E));
	assert_true(adv);
	plan_state(st, id, "running", 1);
	/* the same call again: the plan moved already */
	OK(store_plan_advance(st, &fs, id, 0, 21, &adv, E));
	assert_false(adv);
	plan_state(st, id, "running", 1);

	for (int i = 0; i < 2; i++) {
		OK(store_task_assign(st, &fs, s1[i], "ag", 22, 100, &ok, E));
		OK(store_task_complete(st, s1[i], "ag", 1, NULL, "{}", 23, &acc, E));
		assert_true(acc);
	}
	OK(store_plan_advance(st, &fs, id, 1, 24, &adv, E));
	assert_true(adv);
	store_plan p;
	int found;
	OK(store_plan_get(st, id, &p, &found, E));
	assert_string_equal(p.state, "done");
	assert_int_equal(p.updated, 24);
	store_plan_clear(&p);
	OK(store_plan_advance(st, &fs, id, 1, 25, &adv, E));
	assert_false(adv);
	/* fail on a plan that is not running: nothing */
	OK(store_plan_fail(st, &fs, id, "late", 26, E));
	plan_state(st, id, "done", -1);
	neto_err err;
	assert_int_equal(store_plan_advance(st, &fs, 424242, 0, 27, &adv, &err), -1);
}

static void test_plan_fail(void **state)
{
	store *st = ((fx *)*state)->st;
	store_fence fc = { "ctl", take(st, "controller", "ctl", 0, 1000000) };
	store_fence fs = { "sch", take(st, "scheduler", "sch", 0, 1000000) };
	plan_buf b;
	int64_t id, s0[3];
	int ok, acc;
	OK(store_plan_create(st, &fc, make_plan(&b, 1, 3), 10, &id, E));
	task_ids(st, id, 0, s0, 3);
	OK(store_task_assign(st, &fs, s0[0], "ag", 11, 100, &ok, E));
	OK(store_task_complete(st, s0[0], "ag", 1, NULL, "{}", 12, &acc, E));
	OK(store_task_assign(st, &fs, s0[1], "ag", 13, 100, &ok, E));
	OK(store_plan_fail(st, &fs, id, "router r0-2 unreachable", 14, E));
	store_plan p;
	int found;
	OK(store_plan_get(st, id, &p, &found, E));
	assert_string_equal(p.state, "failed");
	assert_string_equal(p.reason, "router r0-2 unreachable");
	store_plan_clear(&p);
	task_state(st, id, s0[0], "done");
	task_state(st, id, s0[1], "cancelled");
	task_state(st, id, s0[2], "cancelled");
	/* nothing of a failed plan can be assigned or completed */
	OK(store_task_assign(st, &fs, s0[2], "ag", 15, 100, &ok, E));
	assert_false(ok);
	OK(store_task_complete(st, s0[1], "ag", 1, NULL, "{}", 16, &acc, E));
	assert_false(acc);
	store_task *t;
	size_t n;
	OK(store_task_claimed(st, "ag", &t, &n, E));
	assert_int_equal(n, 0);
	store_task_free(t, n);
}

/* ---- tasks --------------------------------------------------------------- */

static void test_task_rules(void **state)
{
	store *st = ((fx *)*state)->st;
	store_fence fc = { "ctl", take(st, "controller", "ctl", 0, 1000000) };
	store_fence fs = { "sch", take(st, "scheduler", "sch", 0, 1000000) };
	plan_buf b;
	int64_t id, s0[2];
	int ok, acc;
	OK(store_plan_create(st, &fc, make_plan(&b, 1, 2), 10, &id, E));
	task_ids(st, id, 0, s0, 2);

	/* assign: pending -> assigned, attempts + 1, deadline */
	OK(store_task_assign(st, &fs, s0[0], "ag1", 100, 200, &ok, E));
	assert_true(ok);
	/* assigned and not past its deadline: not assignable */
	OK(store_task_assign(st, &fs, s0[0], "ag2", 150, 300, &ok, E));
	assert_false(ok);
	OK(store_task_assign(st, &fs, s0[0], "ag2", 200, 300, &ok, E));
	assert_false(ok);
	store_task *t;
	size_t n;
	OK(store_task_claimed(st, "ag1", &t, &n, E));
	assert_int_equal(n, 1);
	assert_int_equal(t[0].id, s0[0]);
	assert_string_equal(t[0].state, "assigned");
	assert_string_equal(t[0].agent, "ag1");
	assert_int_equal(t[0].attempts, 1);
	assert_int_equal(t[0].deadline, 200);
	assert_int_equal(t[0].updated, 100);
	store_task_free(t, n);
	/* past the deadline: reassigned to another agent */
	OK(store_task_assign(st, &fs, s0[0], "ag2", 201, 300, &ok, E));
	assert_true(ok);
	OK(store_task_claimed(st, "ag1", &t, &n, E));
	assert_int_equal(n, 0);
	store_task_free(t, n);
	OK(store_task_claimed(st, "ag2", &t, &n, E));
	assert_int_equal(n, 1);
	assert_int_equal(t[0].attempts, 2);
	store_task_free(t, n);
	/* the first agent's outcome is refused, nothing written */
	size_t audits = count_audit(st);
	OK(store_task_complete(st, s0[0], "ag1", 1, NULL, "{\"x\":1}", 210, &acc, E));
	assert_false(acc);
	assert_int_equal(count_audit(st), audits);
	store_installed *in;
	OK(store_installed_list(st, &in, &n, E));
	assert_int_equal(n, 0);
	store_installed_free(in, n);
	/* a task never assigned cannot be completed */
	OK(store_task_complete(st, s0[1], "ag2", 1, NULL, "{}", 211, &acc, E));
	assert_false(acc);
	task_state(st, id, s0[1], "pending");
	/* the current agent's failure is accepted */
	OK(store_task_complete(st, s0[0], "ag2", 0, "netconf: refused", NULL, 212, &acc, E));
	assert_true(acc);
	task_state(st, id, s0[0], "failed");
	/* completing twice: refused (no longer assigned) */
	OK(store_task_complete(st, s0[0], "ag2", 1, NULL, "{}", 213, &acc, E));
	assert_false(acc);
	/* retry: back to pending with back-off and the error kept */
	OK(store_task_retry(st, &fs, s0[0], 500, "netconf: refused", 214, E));
	OK(store_task_list(st, id, 0, &t, &n, E));
	assert_string_equal(t[0].state, "pending");
	assert_null(t[0].agent);
	assert_int_equal(t[0].not_before, 500);
	assert_string_equal(t[0].error, "netconf: refused");
	store_task_free(t, n);
	/* not before NOT_BEFORE */
	OK(store_task_assign(st, &fs, s0[0], "ag1", 499, 900, &ok, E));
	assert_false(ok);
	OK(store_task_assign(st, &fs, s0[0], "ag1", 500, 900, &ok, E));
	assert_true(ok);
	/* retry of an assigned task (the scheduler gave up on the agent) */
	OK(store_task_retry(st, &fs, s0[0], 0, "agent lost", 501, E));
	task_state(st, id, s0[0], "pending");
	/* retry of a pending task: nothing */
	OK(store_task_retry(st, &fs, s0[0], 7777, "x", 502, E));
	OK(store_task_list(st, id, 0, &t, &n, E));
	assert_int_equal(t[0].not_before, 0);
	assert_int_equal(t[0].attempts, 3);
	store_task_free(t, n);
	OK(store_task_assign(st, &fs, s0[0], "ag1", 503, 900, &ok, E));
	assert_true(ok);
	OK(store_task_complete(st, s0[0], "ag1", 1, NULL, "{\"ok\":1}", 504, &acc, E));
	assert_true(acc);
	task_state(st, id, s0[0], "done");
	/* done tasks are not assignable */
	OK(store_task_assign(st, &fs, s0[0], "ag1", 10000, 20000, &ok, E));
	assert_false(ok);
	neto_err err;
	assert_int_equal(store_task_assign(st, &fs, s0[1], "", 505, 900, &ok, &err), -1);

	int64_t counts[5];
	OK(store_task_counts(st, counts, E));
	assert_int_equal(counts[0], 1);
	assert_int_equal(counts[1], 0);
	assert_int_equal(counts[2], 1);
}

static void test_installed_and_audit(void **state)
{
	store *st = ((fx *)*state)->st;
	store_fence fc = { "ctl", take(st, "controller", "ctl", 0, 1000000) };
	store_fence fs = { "sch", take(st, "scheduler", "sch", 0, 1000000) };
	int64_t after = 0;
	store_audit *a;
	size_t n;
	OK(store_audit_list(st, 0, 0, &a, &n, E));
	if (n > 0)
		after = a[n - 1].id;
	store_audit_free(a, n);

	store_task_in tasks[] = {
		{ 0, "r1", "D1/gold", "apply", "{\"sl\":[\"fc00::1\"]}" },
		{ 0, "r2", "D1/gold", "remove", NULL },
	};
	store_plan_in in = { .kind = "reopt", .priority = 1, .nsteps = 1,
			     .tasks = tasks, .ntasks = 2 };
	int64_t id = 0, ids[2] = { 0 };
	int ok, acc;
	OK(store_installed_set(st, "r2", "D1/gold", "{\"old\":1}", "resync", 5, E));
	OK(store_plan_create(st, &fc, &in, 10, &id, E));
	task_ids(st, id, 0, ids, 2);
	OK(store_task_assign(st, &fs, ids[0], "up1", 11, 100, &ok, E));
	OK(store_task_assign(st, &fs, ids[1], "up1", 11, 100, &ok, E));
	OK(store_task_complete(st, ids[0], "up1", 1, NULL, "{\"sl\":[\"fc00::1\"],\"r\":1}",
			       12, &acc, E));
	assert_true(acc);
	OK(store_task_complete(st, ids[1], "up1", 1, NULL, NULL, 13, &acc, E));
	assert_true(acc);

	store_installed *x;
	OK(store_installed_list(st, &x, &n, E));
	assert_int_equal(n, 1);
	assert_string_equal(x[0].router, "r1");
	assert_string_equal(x[0].policy, "D1/gold");
	assert_string_equal(x[0].body, "{\"sl\":[\"fc00::1\"],\"r\":1}");
	assert_int_equal(x[0].updated, 12);
	store_installed_free(x, n);

	OK(store_audit_list(st, after, 0, &a, &n, E));
	/* installed_set, plan, r1 apply, r2 remove */
	assert_int_equal(n, 4);
	assert_string_equal(a[0].action, "report");
	assert_string_equal(a[0].router, "r2");
	assert_int_equal(a[0].epoch, 0);
	assert_string_equal(a[1].action, "plan");
	assert_string_equal(a[1].actor, "ctl");
	assert_null(a[1].router);
	assert_int_equal(a[1].epoch, 1);
	assert_string_equal(a[2].actor, "up1");
	assert_string_equal(a[2].router, "r1");
	assert_string_equal(a[2].action, "apply");
	assert_non_null(strstr(a[2].detail, "D1/gold"));
	char planref[64];
	snprintf(planref, sizeof planref, "plan %lld", (long long)id);
	assert_non_null(strstr(a[2].detail, planref));
	assert_int_equal(a[2].epoch, 1);
	assert_int_equal(a[2].at, 12);
	assert_string_equal(a[3].router, "r2");
	assert_string_equal(a[3].action, "remove");
	assert_true(a[0].id < a[1].id && a[1].id < a[2].id && a[2].id < a[3].id);
	int64_t second = a[1].id;
	store_audit_free(a, n);
	/* after and limit */
	OK(store_audit_list(st, second, 1, &a, &n, E));
	assert_int_equal(n, 1);
	assert_string_equal(a[0].router, "r1");
	store_audit_free(a, n);

	/* a router's own report, then an expiry */
	OK(store_installed_set(st, "r1", "D1/gold", "{\"mod\":1}", "changed on device", 20, E));
	OK(store_installed_set(st, "r0", "D9/bronze", "{}", NULL, 21, E));
	OK(store_installed_list(st, &x, &n, E));
	assert_int_equal(n, 2);
	assert_string_equal(x[0].router, "r0");
	assert_string_equal(x[1].body, "{\"mod\":1}");
	store_installed_free(x, n);
	OK(store_installed_set(st, "r1", "D1/gold", NULL, "policy expired", 22, E));
	OK(store_installed_list(st, &x, &n, E));
	assert_int_equal(n, 1);
	store_installed_free(x, n);
	OK(store_audit_list(st, 0, 0, &a, &n, E));
	assert_string_equal(a[n - 1].action, "expire");
	assert_string_equal(a[n - 1].router, "r1");
	assert_non_null(strstr(a[n - 1].detail, "policy expired"));
	store_audit_free(a, n);

	OK(store_audit_add(st, "api", NULL, "intent", "drain-link l1", 30, E));
	OK(store_audit_list(st, 0, 0, &a, &n, E));
	assert_string_equal(a[n - 1].actor, "api");
	assert_null(a[n - 1].router);
	assert_string_equal(a[n - 1].detail, "drain-link l1");
	assert_int_equal(a[n - 1].at, 30);
	store_audit_free(a, n);
}

/* ---- topology, demands, intents, agents ----------------------------------- */

static void test_topology_and_demand(void **state)
{
	store *st = ((fx *)*state)->st;
	int64_t v, at, id;
	int changed;
	char *body, *missing;
	size_t len;
	OK(store_topology_latest(st, &v, &at, &body, &len, E));
	assert_int_equal(v, 0);
	assert_null(body);
	const char *t1 = "{\"nodes\":[\"a\"]}", *t2 = "{\"nodes\":[\"a\",\"b\"]}";
	OK(store_topology_put(st, "file:x", t1, strlen(t1), 100, &v, &changed, E));
	assert_true(changed);
	int64_t v1 = v;
	OK(store_topology_put(st, "sim", t1, strlen(t1), 200, &v, &changed, E));
	assert_false(changed);
	assert_int_equal(v, v1);
	/* a prefix of the body is a different body */
	OK(store_topology_put(st, "sim", t1, strlen(t1) - 1, 250, &v, &changed, E));
	assert_true(changed);
	OK(store_topology_put(st, "sim", t2, strlen(t2), 300, &v, &changed, E));
	assert_true(changed);
	assert_true(v > v1);
	int64_t v3 = v;
	/* identical to an older version but not to the latest: a new version */
	OK(store_topology_put(st, "sim", t1, strlen(t1), 400, &v, &changed, E));
	assert_true(changed);
	OK(store_topology_put(st, "sim", t2, strlen(t2), 500, &v, &changed, E));
	assert_true(changed);
	assert_true(v > v3);
	OK(store_topology_latest(st, &v, &at, &body, &len, E));
	assert_int_equal(at, 500);
	assert_int_equal(len, strlen(t2));
	assert_memory_equal(body, t2, len);
	assert_int_equal(body[len], '\0');
	free(body);

	OK(store_demand_latest(st, &id, &at, &body, &len, &missing, E));
	assert_int_equal(id, 0);
	assert_null(body);
	assert_null(missing);
	const char *d1 = "a,b,gold,10\n";
	OK(store_demand_put(st, 1000, d1, strlen(d1), "leaf-2,leaf-3", &id, E));
	int64_t id1 = id;
	OK(store_demand_latest(st, &id, &at, &body, &len, &missing, E));
	assert_int_equal(id, id1);
	assert_int_equal(at, 1000);
	assert_string_equal(body, d1);
	assert_string_equal(missing, "leaf-2,leaf-3");
	free(body);
	free(missing);
	OK(store_demand_put(st, 2000, d1, strlen(d1) - 1, "", &id, E));
	assert_true(id > id1);
	OK(store_demand_latest(st, &id, &at, &body, &len, &missing, E));
	assert_int_equal(len, strlen(d1) - 1);
	assert_null(missing);
	free(body);
}

static void test_intents(void **state)
{
	store *st = ((fx *)*state)->st;
	int64_t serial, a, b, c;
	int found;
	OK(store_intent_serial(st, &serial, E));
	assert_int_equal(serial, 0);
	OK(store_intent_add(st, "drain-link", "{\"link\":\"l1\"}", 10, &a, E));
	OK(store_intent_add(st, "pin", "{\"demand\":\"x\"}", 11, &b, E));
	OK(store_intent_add(st, "classes", "{}", 12, &c, E));
	OK(store_intent_serial(st, &serial, E));
	assert_int_equal(serial, 3);
	OK(store_intent_delete(st, b, 13, &found, E));
	assert_true(found);
	OK(store_intent_delete(st, b, 14, &found, E));
	assert_false(found);
	OK(store_intent_delete(st, 987654, 14, &found, E));
	assert_false(found);
	OK(store_intent_serial(st, &serial, E));
	assert_int_equal(serial, 4);
	store_intent *v;
	size_t n;
	OK(store_intent_list(st, &v, &n, E));
	assert_int_equal(n, 2);
	assert_int_equal(v[0].id, a);
	assert_string_equal(v[0].kind, "drain-link");
	assert_string_equal(v[0].body, "{\"link\":\"l1\"}");
	assert_int_equal(v[0].created, 10);
	assert_int_equal(v[1].id, c);
	store_intent_free(v, n);
}

static void test_agents(void **state)
{
	store *st = ((fx *)*state)->st;
	OK(store_agent_heartbeat(st, "up-b", "update", "r1*,r2*", NULL, 10, E));
	OK(store_agent_heartbeat(st, "flow-a", "flow", NULL, "{\"parent\":\"root\"}", 11, E));
	OK(store_agent_heartbeat(st, "up-b", "update", "*", "{\"driver\":\"sim\"}", 20, E));
	store_agent *v;
	size_t n;
	OK(store_agent_list(st, &v, &n, E));
	assert_int_equal(n, 2);
	assert_string_equal(v[0].name, "flow-a");
	assert_null(v[0].routers);
	assert_string_equal(v[0].info, "{\"parent\":\"root\"}");
	assert_string_equal(v[1].name, "up-b");
	assert_string_equal(v[1].routers, "*");
	assert_string_equal(v[1].info, "{\"driver\":\"sim\"}");
	assert_int_equal(v[1].registered, 10);
	assert_int_equal(v[1].heartbeat, 20);
	store_agent_free(v, n);
}

/* ---- key-value state and messages ---------------------------------------- */

static void test_kv(void **state)
{
	store *st = ((fx *)*state)->st;
	char *body;
	size_t len;
	int64_t upd;
	OK(store_kv_get(st, "sim.dev", "r1", &body, &len, &upd, E));
	assert_null(body);
	OK(store_kv_put(st, "sim.dev", "r1", "{\"a\":1}", 7, 10, E));
	OK(store_kv_put(st, "sim.dev", "r1", "{\"a\":2}xyz", 7, 20, E));	/* replaces */
	OK(store_kv_put(st, "sim.dev", "R2", "", 0, 21, E));			/* empty body */
	OK(store_kv_put(st, "sim.dev", "a3", "3", 1, 22, E));
	OK(store_kv_put(st, "telemetry", "r1", "other", 5, 23, E));
	OK(store_kv_get(st, "sim.dev", "r1", &body, &len, &upd, E));
	assert_int_equal(len, 7);
	assert_string_equal(body, "{\"a\":2}");
	assert_int_equal(upd, 20);
	free(body);
	OK(store_kv_get(st, "sim.dev", "R2", &body, &len, &upd, E));
	assert_non_null(body);	/* present, empty */
	assert_int_equal(len, 0);
	free(body);
	store_kv *v;
	size_t n;
	OK(store_kv_list(st, "sim.dev", &v, &n, E));
	assert_int_equal(n, 3);
	/* bytewise order on every backend: upper case first */
	assert_string_equal(v[0].key, "R2");
	assert_string_equal(v[1].key, "a3");
	assert_string_equal(v[2].key, "r1");
	assert_int_equal(v[2].len, 7);
	assert_int_equal(v[2].updated, 20);
	store_kv_free(v, n);
	OK(store_kv_delete(st, "sim.dev", "r1", E));
	OK(store_kv_delete(st, "sim.dev", "nothing", E));
	OK(store_kv_get(st, "sim.dev", "r1", &body, &len, &upd, E));
	assert_null(body);
	OK(store_kv_get(st, "telemetry", "r1", &body, &len, &upd, E));
	assert_string_equal(body, "other");
	free(body);
	OK(store_kv_list(st, "empty", &v, &n, E));
	assert_int_equal(n, 0);
	store_kv_free(v, n);

	/* many rows in one transaction, one of them replacing a row */
	store_kv_row rows[300];
	char keys[300][16];
	for (int i = 0; i < 300; i++) {
		snprintf(keys[i], sizeof keys[i], "k%03d", i);
		rows[i] = (store_kv_row){ .key = keys[i], .body = keys[i], .len = 4 };
	}
	OK(store_kv_put(st, "lat", "k007", "old", 3, 5, E));
	OK(store_kv_put_many(st, "lat", rows, 300, 30, E));
	OK(store_kv_list(st, "lat", &v, &n, E));
	assert_int_equal(n, 300);
	assert_string_equal(v[7].key, "k007");
	assert_memory_equal(v[7].body, "k007", 4);
	assert_int_equal(v[7].updated, 30);
	assert_string_equal(v[299].body, "k299");
	store_kv_free(v, n);
	OK(store_kv_put_many(st, "lat", rows, 0, 31, E));
	/* a row without a key: an error, and none of the others written */
	rows[150].key = NULL;
	rows[0].body = "new";
	rows[0].len = 3;
	neto_err err;
	assert_int_equal(store_kv_put_many(st, "lat", rows, 300, 32, &err), -1);
	assert_non_null(strstr(err.msg, "row 151 of 300"));
	OK(store_kv_get(st, "lat", "k000", &body, &len, &upd, E));
	assert_memory_equal(body, "k000", 4);
	assert_int_equal(upd, 30);
	free(body);
}

static void test_msg(void **state)
{
	store *st = ((fx *)*state)->st;
	OK(store_msg_put(st, "flow.e1", "sim", 30, "m30", 3, E));
	OK(store_msg_put(st, "flow.e1", "sim", 10, "m10", 3, E));
	OK(store_msg_put(st, "flow.e1", NULL, 20, "m20a", 4, E));
	OK(store_msg_put(st, "flow.e1", "sim", 20, "m20b", 4, E));
	OK(store_msg_put(st, "flow.e2", "sim", 5, "other", 5, E));
	store_msg *v;
	size_t n;
	/* until 20, at most 2: m10 then m20a (time, then arrival order) */
	OK(store_msg_take(st, "flow.e1", 20, 2, &v, &n, E));
	assert_int_equal(n, 2);
	assert_int_equal(v[0].at, 10);
	assert_string_equal(v[0].body, "m10");
	assert_string_equal(v[0].key, "sim");
	assert_int_equal(v[1].at, 20);
	assert_string_equal(v[1].body, "m20a");
	assert_int_equal(v[1].len, 4);
	assert_null(v[1].key);
	store_msg_free(v, n);
	/* taken messages are gone; the rest up to 20 */
	OK(store_msg_take(st, "flow.e1", 20, 0, &v, &n, E));
	assert_int_equal(n, 1);
	assert_string_equal(v[0].body, "m20b");
	store_msg_free(v, n);
	OK(store_msg_take(st, "flow.e1", 20, 0, &v, &n, E));
	assert_int_equal(n, 0);
	store_msg_free(v, n);
	OK(store_msg_take(st, "flow.e1", 1000, 100, &v, &n, E));
	assert_int_equal(n, 1);
	assert_string_equal(v[0].body, "m30");
	store_msg_free(v, n);
	/* other topics untouched */
	OK(store_msg_take(st, "flow.e2", 1000, 0, &v, &n, E));
	assert_int_equal(n, 1);
	assert_string_equal(v[0].body, "other");
	store_msg_free(v, n);
	/* ids grow with arrival */
	OK(store_msg_put(st, "t", "k", 1, "a", 1, E));
	OK(store_msg_put(st, "t", "k", 1, "b", 1, E));
	OK(store_msg_take(st, "t", 1, 0, &v, &n, E));
	assert_int_equal(n, 2);
	assert_true(v[0].id < v[1].id);
	store_msg_free(v, n);
}

/* ---- large bodies -------------------------------------------------------- */

static char *big_body(size_t len, uint64_t seed)
{
	char *b = neto_malloc(len + 1);
	static const char alphabet[] = "{}[]\",:0123456789abcdefghijklmnopqrstuvwxyz ";
	for (size_t i = 0; i < len; i++)
		b[i] = alphabet[tu_rand(&seed) % (sizeof alphabet - 1)];
	b[len] = '\0';
	return b;
}

static void test_large_body(void **state)
{
	store *st = ((fx *)*state)->st;
	const size_t len = 20u << 20;	/* 20 MiB */
	char *b = big_body(len, 42);
	int64_t v, v2, at;
	int changed;
	OK(store_topology_put(st, "file:big", b, len, 1, &v, &changed, E));
	assert_true(changed);
	OK(store_topology_put(st, "file:big", b, len, 2, &v2, &changed, E));
	assert_false(changed);
	assert_int_equal(v2, v);
	b[len - 1] ^= 1;	/* one byte differs at the very end */
	OK(store_topology_put(st, "file:big", b, len, 3, &v2, &changed, E));
	assert_true(changed);
	char *out;
	size_t olen;
	OK(store_topology_latest(st, &v, &at, &out, &olen, E));
	assert_int_equal(olen, len);
	assert_true(memcmp(out, b, len) == 0);
	free(out);

	OK(store_kv_put(st, "big", "k", b, len, 4, E));
	int64_t upd;
	OK(store_kv_get(st, "big", "k", &out, &olen, &upd, E));
	assert_int_equal(olen, len);
	assert_true(memcmp(out, b, len) == 0);
	free(out);

	OK(store_msg_put(st, "big", "k", 5, b, len, E));
	store_msg *m;
	size_t n;
	OK(store_msg_take(st, "big", 5, 0, &m, &n, E));
	assert_int_equal(n, 1);
	assert_int_equal(m[0].len, len);
	assert_true(memcmp(m[0].body, b, len) == 0);
	store_msg_free(m, n);

	int64_t id;
	OK(store_demand_put(st, 6, b, len, NULL, &id, E));
	char *missing;
	OK(store_demand_latest(st, &id, &at, &out, &olen, &missing, E));
	assert_int_equal(olen, len);
	assert_true(memcmp(out, b, len) == 0);
	assert_null(missing);
	free(out);
	free(b);
}

/* ---- several handles ----------------------------------------------------- */

#define NTHREADS 6

typedef struct contender {
	const char *uri;
	pthread_barrier_t *barrier;
	int index, rounds;
	int held[8];
	int64_t epoch[8];
	int64_t ids[20];
	int errors;
	char msg[512];
} contender;

static void *lease_contender(void *arg)
{
	contender *c = arg;
	store *st;
	neto_err err;
	if (store_open(&st, c->uri, &err) != 0) {
		c->errors++;
		snprintf(c->msg, sizeof c->msg, "%s", err.msg);
		pthread_barrier_wait(c->barrier);
		for (int r = 0; r < c->rounds; r++)
			pthread_barrier_wait(c->barrier);
		return NULL;
	}
	pthread_barrier_wait(c->barrier);
	for (int r = 0; r < c->rounds; r++) {
		char name[32], holder[32];
		snprintf(name, sizeof name, "lease-%d", r / 2);
		/* even rounds: a new lease; odd rounds: all contend, under
		 * other names, for the expired lease of the round before (its
		 * holder would renew it, keeping epoch 1) */
		snprintf(holder, sizeof holder, "%c%d", r % 2 ? 'g' : 'h', c->index);
		int64_t now = r % 2 ? 1000 : 0;
		if (store_lease_acquire(st, name, holder, now, 500, &c->held[r],
					&c->epoch[r], &err) != 0) {
			c->errors++;
			snprintf(c->msg, sizeof c->msg, "%s", err.msg);
		}
		pthread_barrier_wait(c->barrier);
	}
	store_close(st);
	return NULL;
}

static void test_lease_contention(void **state)
{
	fx *f = *state;
	need_shared(f);
	pthread_barrier_t barrier;
	pthread_barrier_init(&barrier, NULL, NTHREADS);
	contender c[NTHREADS];
	pthread_t th[NTHREADS];
	for (int i = 0; i < NTHREADS; i++) {
		c[i] = (contender){ .uri = f->uri, .barrier = &barrier, .index = i,
				    .rounds = 8 };
		pthread_create(&th[i], NULL, lease_contender, &c[i]);
	}
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&barrier);
	for (int i = 0; i < NTHREADS; i++)
		if (c[i].errors)
			fail_msg("contender %d: %s", i, c[i].msg);
	for (int r = 0; r < 8; r++) {
		int winners = 0;
		for (int i = 0; i < NTHREADS; i++)
			if (c[i].held[r]) {
				winners++;
				assert_int_equal(c[i].epoch[r], r % 2 ? 2 : 1);
			}
		if (winners != 1)
			fail_msg("round %d: %d holders", r, winners);
	}
	/* and the store agrees with the winners */
	store_lease *l;
	size_t n;
	OK(store_lease_list(f->st, &l, &n, E));
	assert_int_equal(n, 4);
	for (size_t k = 0; k < n; k++) {
		int r = 2 * (int)k + 1;
		for (int i = 0; i < NTHREADS; i++)
			if (c[i].held[r]) {
				char holder[32];
				snprintf(holder, sizeof holder, "g%d", i);
				assert_string_equal(l[k].holder, holder);
			}
		assert_int_equal(l[k].epoch, 2);
	}
	store_lease_free(l, n);
}

static void *intent_writer(void *arg)
{
	contender *c = arg;
	store *st;
	neto_err err;
	if (store_open(&st, c->uri, &err) != 0) {
		c->errors++;
		snprintf(c->msg, sizeof c->msg, "%s", err.msg);
		pthread_barrier_wait(c->barrier);
		return NULL;
	}
	pthread_barrier_wait(c->barrier);
	for (int r = 0; r < c->rounds; r++)
		if (store_intent_add(st, "pin", "{}", r, &c->ids[r], &err) != 0) {
			c->errors++;
			snprintf(c->msg, sizeof c->msg, "%s", err.msg);
		}
	store_close(st);
	return NULL;
}

/* Writers on several handles updating the same row (the intent serial):
 * on PostgreSQL they conflict and are retried; nothing is lost. */
static void test_write_contention(void **state)
{
	fx *f = *state;
	need_shared(f);
	pthread_barrier_t barrier;
	pthread_barrier_init(&barrier, NULL, NTHREADS);
	contender c[NTHREADS];
	pthread_t th[NTHREADS];
	for (int i = 0; i < NTHREADS; i++) {
		c[i] = (contender){ .uri = f->uri, .barrier = &barrier, .index = i,
				    .rounds = 20 };
		pthread_create(&th[i], NULL, intent_writer, &c[i]);
	}
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&barrier);
	for (int i = 0; i < NTHREADS; i++)
		if (c[i].errors)
			fail_msg("writer %d: %s", i, c[i].msg);
	int64_t serial;
	OK(store_intent_serial(f->st, &serial, E));
	assert_int_equal(serial, NTHREADS * 20);
	store_intent *v;
	size_t n;
	OK(store_intent_list(f->st, &v, &n, E));
	assert_int_equal(n, NTHREADS * 20);
	store_intent_free(v, n);
}

/* A deposed controller racing its successor: A writes plans as fast as it
 * can with a clock that says its lease is still valid; B, whose clock says
 * it expired, takes the lease over and writes plans too. Once A is fenced
 * it stays fenced, and every plan of A's epoch comes before every plan of
 * B's (the takeover and A's writes are ordered), so one plan runs: B's. */
typedef struct racer {
	const char *uri;
	int created, fenced_after, errors;
	int64_t last_ok;
	char msg[512];
	volatile int *progress;
} racer;

static void *deposed_controller(void *arg)
{
	racer *r = arg;
	store *st;
	neto_err err;
	if (store_open(&st, r->uri, &err) != 0) {
		r->errors++;
		snprintf(r->msg, sizeof r->msg, "%s", err.msg);
		*r->progress = 1000;
		return NULL;
	}
	store_fence fa = { "ctl-a", 1 };
	plan_buf b;
	for (int i = 0; i < 5000; i++) {
		int64_t id;
		int rc = store_plan_create(st, &fa, make_plan(&b, 1, 2), 10, &id, &err);
		if (rc == STORE_FENCED) {
			r->fenced_after = r->created;
			/* and it stays fenced */
			for (int k = 0; k < 5; k++)
				if (store_plan_create(st, &fa, make_plan(&b, 1, 2), 10, &id,
						      &err) != STORE_FENCED)
					r->errors++;
			break;
		}
		if (rc != 0) {
			r->errors++;
			snprintf(r->msg, sizeof r->msg, "%s", err.msg);
			break;
		}
		r->created++;
		r->last_ok = id;
		*r->progress = r->created;
		usleep(500);
	}
	store_close(st);
	return NULL;
}

static void test_fence_race(void **state)
{
	fx *f = *state;
	need_shared(f);
	assert_int_equal(take(f->st, "controller", "ctl-a", 0, 1000), 1);
	volatile int progress = 0;
	racer a = { .uri = f->uri, .progress = &progress, .fenced_after = -1 };
	pthread_t th;
	pthread_create(&th, NULL, deposed_controller, &a);
	while (progress < 3)
		usleep(1000);
	int64_t eb = take(f->st, "controller", "ctl-b", 1000000, 1000);
	assert_int_equal(eb, 2);
	store_fence fb = { "ctl-b", eb };
	plan_buf b;
	int64_t first_b = 0, id;
	for (int i = 0; i < 3; i++) {
		OK(store_plan_create(f->st, &fb, make_plan(&b, 1, 1), 1000001, &id, E));
		if (first_b == 0)
			first_b = id;
	}
	pthread_join(th, NULL);
	if (a.errors)
		fail_msg("controller a: %d errors: %s", a.errors, a.msg);
	assert_true(a.created >= 3);
	assert_int_equal(a.fenced_after, a.created);
	assert_true(a.last_ok < first_b);
	store_plan *v;
	size_t n;
	OK(store_plan_list(f->st, 0, &v, &n, E));
	assert_int_equal(n, (size_t)a.created + 3);
	int running = 0;
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(v[i].epoch, v[i].id < first_b ? 1 : 2);
		if (strcmp(v[i].state, "running") == 0) {
			running++;
			assert_int_equal(v[i].epoch, 2);
			assert_int_equal(v[i].id, id);
		}
	}
	assert_int_equal(running, 1);
	store_plan_free(v, n);
}

/* ---- PostgreSQL only ----------------------------------------------------- */

/* The server drops the connection (restart, terminated backend): the next
 * call reconnects and succeeds. */
static void test_pg_reconnect(void **state)
{
	fx *f = *state;
	if (f->kind != BK_PG)
		skip();
	/* a handle whose backend can be told apart by its application name */
	char uri[sizeof f->uri + 128], name[96];
	snprintf(name, sizeof name, "neto-%s", f->schema);
	snprintf(uri, sizeof uri, "%s", f->uri);
	conninfo_add(uri, sizeof uri, "application_name", name);
	store *st;
	OK(store_open(&st, uri, E));
	OK(store_kv_put(st, "a", "b", "1", 1, 1, E));
	PGconn *c = pg_admin();
	assert_non_null(c);
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
		 " WHERE application_name = '%s'", name);
	assert_int_equal(pg_sql(c, sql), 0);
	PQfinish(c);
	char *body;
	size_t len;
	int64_t upd;
	OK(store_kv_get(st, "a", "b", &body, &len, &upd, E));
	assert_string_equal(body, "1");
	free(body);
	OK(store_kv_put(st, "a", "b", "2", 1, 2, E));
	store_close(st);
}

/* ---- independent of any database ----------------------------------------- */

static void test_open_errors(void **state)
{
	(void)state;
	store *st = (store *)1;
	neto_err err;
	/* nothing listens on port 1 of the loopback */
	assert_int_equal(store_open(&st, "postgresql://neto@127.0.0.1:1/neto", &err), -1);
	assert_null(st);
	assert_non_null(strstr(err.msg, "postgresql"));
	/* no such socket directory */
	st = (store *)1;
	assert_int_equal(store_open(&st, "host=/nonexistent/neto dbname=x connect_timeout=2",
				    &err), -1);
	assert_null(st);
	assert_non_null(strstr(err.msg, "cannot connect"));
	st = (store *)1;
	assert_int_equal(store_open(&st, "sqlite:/nonexistent/dir/neto.db", &err), -1);
	assert_null(st);
	assert_non_null(strstr(err.msg, "sqlite"));
	assert_int_equal(store_open(&st, "", &err), -1);
}

/* ---- main ---------------------------------------------------------------- */

#define CASES(kind)                                                                      \
	{                                                                                \
		cmocka_unit_test_prestate_setup_teardown(test_open_and_reopen, setup,    \
							 teardown, &(kind)),             \
		cmocka_unit_test_prestate_setup_teardown(test_lease, setup, teardown,    \
							 &(kind)),                       \
		cmocka_unit_test_prestate_setup_teardown(test_fencing, setup, teardown,  \
							 &(kind)),                       \
		cmocka_unit_test_prestate_setup_teardown(test_plan_create_supersedes,    \
							 setup, teardown, &(kind)),      \
		cmocka_unit_test_prestate_setup_teardown(test_plan_invalid, setup,       \
							 teardown, &(kind)),             \
		cmocka_unit_test_prestate_setup_teardown(test_plan_advance, setup,       \
							 teardown, &(kind)),             \
		cmocka_unit_test_prestate_setup_teardown(test_plan_fail, setup,          \
							 teardown, &(kind)),             \
		cmocka_unit_test_prestate_setup_teardown(test_task_rules, setup,         \
							 teardown, &(kind)),             \
		cmocka_unit_test_prestate_setup_teardown(test_installed_and_audit,       \
							 setup, teardown, &(kind)),      \
		cmocka_unit_test_prestate_setup_teardown(test_topology_and_demand,       \
							 setup, teardown, &(kind)),      \
		cmocka_unit_test_prestate_setup_teardown(test_intents, setup, teardown,  \
							 &(kind)),                       \
		cmocka_unit_test_prestate_setup_teardown(test_agents, setup, teardown,   \
							 &(kind)),                       \
		cmocka_unit_test_prestate_setup_teardown(test_kv, setup, teardown,       \
							 &(kind)),                       \
		cmocka_unit_test_prestate_setup_teardown(test_msg, setup, teardown,      \
							 &(kind)),                       \
		cmocka_unit_test_prestate_setup_teardown(test_large_body, setup,         \
							 teardown, &(kind)),             \
		cmocka_unit_test_prestate_setup_teardown(test_lease_contention, setup,   \
							 teardown, &(kind)),             \
		cmocka_unit_test_prestate_setup_teardown(test_write_contention, setup,   \
							 teardown, &(kind)),             \
		cmocka_unit_test_prestate_setup_teardown(test_fence_race, setup,         \
							 teardown, &(kind)),             \
		cmocka_unit_test_prestate_setup_teardown(test_pg_reconnect, setup,       \
							 teardown, &(kind)),             \
	}

int main(void)
{
	const struct CMUnitTest on_file[] = CASES(bk_file);
	const struct CMUnitTest on_memory[] = CASES(bk_memory);
	const struct CMUnitTest on_pg[] = CASES(bk_pg);
	const struct CMUnitTest misc[] = { cmocka_unit_test(test_open_errors) };
	int failed = 0;
	failed += cmocka_run_group_tests_name("store on an sqlite file", on_file, NULL, NULL);
	failed += cmocka_run_group_tests_name("store on sqlite :memory:", on_memory, NULL, NULL);
	const char *pg = getenv("NETO_TEST_PG"), *pg_skip = getenv("NETO_TEST_PG_SKIP");
	if ((pg == NULL || *pg == '\0') && pg_skip != NULL && strcmp(pg_skip, "1") == 0)
		print_message("[  SKIPPED ] store on postgresql: NETO_TEST_PG_SKIP=1\n");
	else
		failed += cmocka_run_group_tests_name("store on postgresql", on_pg, NULL, NULL);
	failed += cmocka_run_group_tests_name("store open errors", misc, NULL, NULL);
	return failed != 0;
}
