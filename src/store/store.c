/*
 * store.c - opening the store, the helpers its files share, leases,
 * topology snapshots, demand matrices and intents (store.h).
 *
 * Every public function is one call of db_txn: its work is a callback over
 * a context struct holding the inputs and the outputs, so that the driver
 * can run it again from the start on a transient conflict (PostgreSQL);
 * outputs that own memory are dropped by a reset callback before a retry.
 * Writes are DB_WRITE transactions, reads DB_READ (one snapshot).
 *
 * The other functions are in store_plan.c (plans, tasks, installed state)
 * and store_misc.c (agents, audit log, key-value state, message queue).
 */
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"
#include "store/db.h"
#include "store/schema.h"
#include "store/store_int.h"

/* ---- shared helpers ------------------------------------------------------ */

int store_fence_check(db *d, const char *lease, const store_fence *f,
		      int64_t now, neto_err *err)
{
	if (f == NULL || f->holder == NULL)
		return neto_err_set(err, "lease %s: no fence given", lease);
	char sql[200];
	snprintf(sql, sizeof sql,
		 "SELECT epoch FROM lease WHERE name = $1 AND holder = $2 AND epoch = $3"
		 " AND expires > $4%s", db_dialect(d, DB_SQL_FOR_SHARE));
	int64_t epoch;
	int found;
	if (db_query_int(d, sql, DB_ARGS(DB_T(lease), DB_T(f->holder), DB_I(f->epoch),
					 DB_I(now)), &epoch, &found, err) != 0)
		return -1;
	return found ? 0 : STORE_FENCED;
}

int store_audit_write(db *d, int64_t now, int64_t epoch, const char *actor,
		      const char *router, const char *action, const char *detail,
		      neto_err *err)
{
	return db_exec(d, "INSERT INTO audit (at, epoch, actor, router, action, detail)"
		       " VALUES ($1, $2, $3, $4, $5, $6)",
		       DB_ARGS(DB_I(now), DB_I(epoch), DB_T(actor), DB_T(router),
			       DB_T(action), DB_T(detail)), NULL, err);
}

int store_read_list(db *d, const char *sql, const db_arg *args, int nargs,
		    size_t size, void (*row)(db_res *r, void *elem),
		    void (*free_fn)(void *v, size_t n), void **v, size_t *n,
		    neto_err *err)
{
	db_res *r;
	if (db_query(d, &r, sql, args, nargs, err) != 0)
		return -1;
	char *a = NULL;
	size_t len = 0, cap = 0;
	int rc;
	while ((rc = db_step(r, err)) == 1) {
		if (len == cap) {
			cap = cap ? 2 * cap : 8;
			a = neto_reallocarray(a, cap, size);
		}
		memset(a + len * size, 0, size);
		row(r, a + len * size);
		len++;
	}
	db_res_free(r);
	if (rc < 0) {
		free_fn(a, len);
		return -1;
	}
	*v = a;
	*n = len;
	return 0;
}

typedef struct list_ctx {
	const char *sql;
	const db_arg *args;
	int nargs;
	size_t size;
	void (*row)(db_res *r, void *elem);
	void (*free_fn)(void *v, size_t n);
	void *v;
	size_t n;
} list_ctx;

static int list_fn(db *d, void *vc, neto_err *err)
{
	list_ctx *c = vc;
	return store_read_list(d, c->sql, c->args, c->nargs, c->size, c->row,
			       c->free_fn, &c->v, &c->n, err);
}

static void list_reset(void *vc)
{
	list_ctx *c = vc;
	c->free_fn(c->v, c->n);
	c->v = NULL;
	c->n = 0;
}

int store_list_txn(store *st, const char *sql, const db_arg *args, int nargs,
		   size_t size, void (*row)(db_res *r, void *elem),
		   void (*free_fn)(void *v, size_t n), void **v, size_t *n,
		   neto_err *err)
{
	list_ctx c = { sql, args, nargs, size, row, free_fn, NULL, 0 };
	*v = NULL;
	*n = 0;
	if (db_txn(st->db, DB_READ, list_fn, list_reset, &c, err) != 0)
		return -1;
	*v = c.v;
	*n = c.n;
	return 0;
}

int64_t store_limit(size_t limit)
{
	if (limit == 0 || limit > (size_t)INT64_MAX)
		return INT64_MAX;
	return (int64_t)limit;
}

/* ---- opening ------------------------------------------------------------- */

static int has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

int store_open(store **out, const char *uri, neto_err *err)
{
	*out = NULL;
	if (uri == NULL || *uri == '\0')
		return neto_err_set(err, "store: empty URI");
	db *d = NULL;
	int rc;
	if (has_prefix(uri, "postgresql://") || has_prefix(uri, "postgres://"))
		rc = db_open_pg(&d, uri, err);
	else if (has_prefix(uri, "sqlite:"))
		rc = db_open_sqlite(&d, uri + strlen("sqlite:"), err);
	else if (has_prefix(uri, "file:"))
		rc = db_open_sqlite(&d, uri, err);	/* an SQLite URI */
	else if (strchr(uri, '=') != NULL)
		rc = db_open_pg(&d, uri, err);
	else
		rc = db_open_sqlite(&d, uri, err);
	if (rc != 0)
		return -1;
	if (schema_migrate(d, NULL, err) != 0) {
		db_close(d);
		return -1;
	}
	store *st = neto_calloc(1, sizeof *st);
	st->db = d;
	*out = st;
	return 0;
}

void store_close(store *st)
{
	if (st == NULL)
		return;
	db_close(st->db);
	free(st);
}

const char *store_backend(const store *st)
{
	return db_backend_of(st->db) == DB_PG ? "postgresql" : "sqlite";
}

static int version_fn(db *d, void *vc, neto_err *err)
{
	return schema_read_version(d, vc, err);
}

int store_schema_version(store *st, int *version, neto_err *err)
{
	return db_txn(st->db, DB_READ, version_fn, NULL, version, err);
}

/* ---- leases -------------------------------------------------------------- */

typedef struct lease_ctx {
	const char *name, *holder;
	int64_t now, ttl;
	int held;
	int64_t epoch;
} lease_ctx;

typedef struct lease_row {
	char *holder;
	int64_t epoch, expires;
} lease_row;

static void read_lease_row(db_res *r, void *vrow)
{
	lease_row *l = vrow;
	l->holder = db_strdup(r, 0, NULL);
	l->epoch = db_int(r, 1);
	l->expires = db_int(r, 2);
}

static int lease_acquire_fn(db *d, void *vc, neto_err *err)
{
	lease_ctx *c = vc;
	int64_t expires = c->ttl > INT64_MAX - c->now ? INT64_MAX : c->now + c->ttl;
	int64_t changes;
	if (db_exec(d, "INSERT INTO lease (name, holder, epoch, expires) VALUES ($1, $2, 1, $3)"
		    " ON CONFLICT (name) DO NOTHING",
		    DB_ARGS(DB_T(c->name), DB_T(c->holder), DB_I(expires)), &changes,
		    err) != 0)
		return -1;
	if (changes == 1) {	/* a new lease */
		c->held = 1;
		c->epoch = 1;
		return 0;
	}
	lease_row l = { 0 };
	int found;
	if (db_query_row(d, "SELECT holder, epoch, expires FROM lease WHERE name = $1",
			 DB_ARGS(DB_T(c->name)), read_lease_row, &l, &found, err) != 0)
		return -1;
	if (!found) {
		free(l.holder);
		return neto_err_set(err, "lease %s: vanished while being acquired", c->name);
	}
	int rc = 0;
	if (strcmp(l.holder, c->holder) == 0) {	/* renewal: same epoch */
		c->held = 1;
		c->epoch = l.epoch;
		rc = db_exec(d, "UPDATE lease SET expires = $2 WHERE name = $1",
			     DB_ARGS(DB_T(c->name), DB_I(expires)), NULL, err);
	} else if (l.expires <= c->now) {	/* takeover: the epoch grows */
		c->held = 1;
		c->epoch = l.epoch + 1;
		rc = db_exec(d, "UPDATE lease SET holder = $2, epoch = $3, expires = $4"
			     " WHERE name = $1",
			     DB_ARGS(DB_T(c->name), DB_T(c->holder), DB_I(c->epoch),
				     DB_I(expires)), NULL, err);
	} else {
		c->held = 0;
		c->epoch = l.epoch;
	}
	free(l.holder);
	return rc;
}

int store_lease_acquire(store *st, const char *name, const char *holder,
			int64_t now, int64_t ttl_ms, int *held, int64_t *epoch,
			neto_err *err)
{
	if (name == NULL || *name == '\0' || holder == NULL || *holder == '\0')
		return neto_err_set(err, "lease: empty name or holder");
	if (ttl_ms < 0)
		return neto_err_set(err, "lease %s: negative ttl", name);
	lease_ctx c = { name, holder, now, ttl_ms, 0, 0 };
	if (db_txn(st->db, DB_WRITE, lease_acquire_fn, NULL, &c, err) != 0)
		return -1;
	*held = c.held;
	*epoch = c.epoch;
	return 0;
}

static int lease_release_fn(db *d, void *vc, neto_err *err)
{
	lease_ctx *c = vc;
	return db_exec(d, "UPDATE lease SET expires = $3"
		       " WHERE name = $1 AND holder = $2 AND expires > $3",
		       DB_ARGS(DB_T(c->name), DB_T(c->holder), DB_I(c->now)), NULL, err);
}

int store_lease_release(store *st, const char *name, const char *holder,
			int64_t now, neto_err *err)
{
	if (name == NULL || holder == NULL)
		return neto_err_set(err, "lease: no name or holder");
	lease_ctx c = { name, holder, now, 0, 0, 0 };
	return db_txn(st->db, DB_WRITE, lease_release_fn, NULL, &c, err);
}

static void read_lease(db_res *r, void *elem)
{
	store_lease *l = elem;
	l->name = db_strdup(r, 0, NULL);
	l->holder = db_strdup(r, 1, NULL);
	l->epoch = db_int(r, 2);
	l->expires = db_int(r, 3);
}

static void free_leases(void *v, size_t n)
{
	store_lease_free(v, n);
}

int store_lease_list(store *st, store_lease **v, size_t *n, neto_err *err)
{
	void *a;
	int rc = store_list_txn(st, "SELECT name, holder, epoch, expires FROM lease"
				" ORDER BY name", DB_NOARGS, sizeof **v, read_lease,
				free_leases, &a, n, err);
	*v = a;
	return rc;
}

void store_lease_free(store_lease *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].holder);
	}
	free(v);
}

/* ---- topology ------------------------------------------------------------ */

typedef struct body_ctx {
	const char *source, *body, *extra;
	size_t len;
	int64_t now;
	int64_t id;
	int changed;
} body_ctx;

static int topology_put_fn(db *d, void *vc, neto_err *err)
{
	body_ctx *c = vc;
	int found;
	/* the body is compared in the database: it crosses the wire once */
	if (db_query_int(d, "INSERT INTO topology (at, source, body)"
			 " SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM topology"
			 "  WHERE version = (SELECT MAX(version) FROM topology) AND body = $3)"
			 " RETURNING version",
			 DB_ARGS(DB_I(c->now), DB_T(c->source), DB_TN(c->body, c->len)),
			 &c->id, &found, err) != 0)
		return -1;
	c->changed = found;
	if (found)
		return 0;
	return db_query_int(d, "SELECT MAX(version) FROM topology", DB_NOARGS, &c->id,
			    NULL, err);
}

int store_topology_put(store *st, const char *source, const char *body,
		       size_t len, int64_t now, int64_t *version, int *changed,
		       neto_err *err)
{
	if (source == NULL || body == NULL)
		return neto_err_set(err, "topology: no source or body");
	body_ctx c = { .source = source, .body = body, .len = len, .now = now };
	if (db_txn(st->db, DB_WRITE, topology_put_fn, NULL, &c, err) != 0)
		return -1;
	*version = c.id;
	*changed = c.changed;
	return 0;
}

typedef struct latest_ctx {
	int64_t id, at;
	char *body, *missing;
	size_t len;
} latest_ctx;

static void read_latest(db_res *r, void *vc)
{
	latest_ctx *c = vc;
	c->id = db_int(r, 0);
	c->at = db_int(r, 1);
	c->body = db_strdup(r, 2, &c->len);
	c->missing = db_strdup(r, 3, NULL);
}

static void latest_reset(void *vc)
{
	latest_ctx *c = vc;
	free(c->body);
	free(c->missing);
	*c = (latest_ctx){ 0 };
}

static int topology_latest_fn(db *d, void *vc, neto_err *err)
{
	int found;
	return db_query_row(d, "SELECT version, at, body, NULL FROM topology"
			    " ORDER BY version DESC LIMIT 1", DB_NOARGS, read_latest,
			    vc, &found, err);
}

int store_topology_latest(store *st, int64_t *version, int64_t *at,
			  char **body, size_t *len, neto_err *err)
{
	latest_ctx c = { 0 };
	*body = NULL;
	if (db_txn(st->db, DB_READ, topology_latest_fn, latest_reset, &c, err) != 0)
		return -1;
	*version = c.id;
	if (at != NULL)
		*at = c.at;
	*body = c.body;
	if (len != NULL)
		*len = c.len;
	return 0;
}

/* ---- demands ------------------------------------------------------------- */

static int demand_put_fn(db *d, void *vc, neto_err *err)
{
	body_ctx *c = vc;
	const char *missing = c->extra && *c->extra ? c->extra : NULL;
	return db_query_int(d, "INSERT INTO demand (at, body, missing) VALUES ($1, $2, $3)"
			    " RETURNING id",
			    DB_ARGS(DB_I(c->now), DB_TN(c->body, c->len), DB_T(missing)),
			    &c->id, NULL, err);
}

int store_demand_put(store *st, int64_t at, const char *body, size_t len,
		     const char *missing, int64_t *id, neto_err *err)
{
	if (body == NULL)
		return neto_err_set(err, "demand: no body");
	body_ctx c = { .body = body, .len = len, .extra = missing, .now = at };
	if (db_txn(st->db, DB_WRITE, demand_put_fn, NULL, &c, err) != 0)
		return -1;
	*id = c.id;
	return 0;
}

static int demand_latest_fn(db *d, void *vc, neto_err *err)
{
	int found;
	return db_query_row(d, "SELECT id, at, body, missing FROM demand"
			    " ORDER BY id DESC LIMIT 1", DB_NOARGS, read_latest, vc,
			    &found, err);
}

int store_demand_latest(store *st, int64_t *id, int64_t *at, char **body,
			size_t *len, char **missing, neto_err *err)
{
	latest_ctx c = { 0 };
	*body = NULL;
	if (missing != NULL)
		*missing = NULL;
	if (db_txn(st->db, DB_READ, demand_latest_fn, latest_reset, &c, err) != 0)
		return -1;
	*id = c.id;
	if (at != NULL)
		*at = c.at;
	*body = c.body;
	if (len != NULL)
		*len = c.len;
	if (missing != NULL)
		*missing = c.missing;
	else
		free(c.missing);
	return 0;
}

/* ---- intents ------------------------------------------------------------- */

static int bump_intent_serial(db *d, neto_err *err)
{
	return db_exec(d, "UPDATE neto_meta SET value = value + 1 WHERE name = 'intent_serial'",
		       DB_NOARGS, NULL, err);
}

typedef struct intent_ctx {
	const char *kind, *body;
	int64_t now, id;
	int found;
} intent_ctx;

static int intent_add_fn(db *d, void *vc, neto_err *err)
{
	intent_ctx *c = vc;
	if (db_query_int(d, "INSERT INTO intent (created, kind, body) VALUES ($1, $2, $3)"
			 " RETURNING id", DB_ARGS(DB_I(c->now), DB_T(c->kind), DB_T(c->body)),
			 &c->id, NULL, err) != 0)
		return -1;
	return bump_intent_serial(d, err);
}

int store_intent_add(store *st, const char *kind, const char *body,
		     int64_t now, int64_t *id, neto_err *err)
{
	if (kind == NULL || *kind == '\0' || body == NULL)
		return neto_err_set(err, "intent: no kind or body");
	intent_ctx c = { kind, body, now, 0, 0 };
	if (db_txn(st->db, DB_WRITE, intent_add_fn, NULL, &c, err) != 0)
		return -1;
	*id = c.id;
	return 0;
}

static int intent_delete_fn(db *d, void *vc, neto_err *err)
{
	intent_ctx *c = vc;
	int64_t changes;
	if (db_exec(d, "UPDATE intent SET deleted = $2 WHERE id = $1 AND deleted IS NULL",
		    DB_ARGS(DB_I(c->id), DB_I(c->now)), &changes, err) != 0)
		return -1;
	c->found = changes > 0;
	return c->found ? bump_intent_serial(d, err) : 0;
}

int store_intent_delete(store *st, int64_t id, int64_t now, int *found,
			neto_err *err)
{
	intent_ctx c = { NULL, NULL, now, id, 0 };
	if (db_txn(st->db, DB_WRITE, intent_delete_fn, NULL, &c, err) != 0)
		return -1;
	*found = c.found;
	return 0;
}

static void read_intent(db_res *r, void *elem)
{
	store_intent *it = elem;
	it->id = db_int(r, 0);
	it->created = db_int(r, 1);
	it->kind = db_strdup(r, 2, NULL);
	it->body = db_strdup(r, 3, NULL);
}

static void free_intents(void *v, size_t n)
{
	store_intent_free(v, n);
}

int store_intent_list(store *st, store_intent **v, size_t *n, neto_err *err)
{
	void *a;
	int rc = store_list_txn(st, "SELECT id, created, kind, body FROM intent"
				" WHERE deleted IS NULL ORDER BY id", DB_NOARGS,
				sizeof **v, read_intent, free_intents, &a, n, err);
	*v = a;
	return rc;
}

void store_intent_free(store_intent *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].kind);
		free(v[i].body);
	}
	free(v);
}

static int intent_serial_fn(db *d, void *vc, neto_err *err)
{
	return db_query_int(d, "SELECT value FROM neto_meta WHERE name = 'intent_serial'",
			    DB_NOARGS, vc, NULL, err);
}

int store_intent_serial(store *st, int64_t *serial, neto_err *err)
{
	return db_txn(st->db, DB_READ, intent_serial_fn, NULL, serial, err);
}
