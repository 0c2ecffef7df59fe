/*
 * store_misc.c - the store's simpler tables (store.h): installed state as
 * routers report it, agents, the audit log, key-value state and the message
 * queue. Each public function is one transaction (see store.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"
#include "store/db.h"
#include "store/store.h"
#include "store/store_int.h"

/* ---- installed state ----------------------------------------------------- */

static void read_installed(db_res *r, void *elem)
{
	store_installed *x = elem;
	x->router = db_strdup(r, 0, NULL);
	x->policy = db_strdup(r, 1, NULL);
	x->body = db_strdup(r, 2, NULL);
	x->updated = db_int(r, 3);
}

static void free_installed(void *v, size_t n)
{
	store_installed_free(v, n);
}

int store_installed_list(store *st, store_installed **v, size_t *n,
			 neto_err *err)
{
	void *a;
	int rc = store_list_txn(st, "SELECT router, policy, body, updated FROM installed"
				" ORDER BY router, policy", DB_NOARGS, sizeof **v,
				read_installed, free_installed, &a, n, err);
	*v = a;
	return rc;
}

void store_installed_free(store_installed *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].router);
		free(v[i].policy);
		free(v[i].body);
	}
	free(v);
}

typedef struct installed_ctx {
	const char *router, *policy, *body, *reason;
	int64_t now;
} installed_ctx;

static int installed_set_fn(db *d, void *vc, neto_err *err)
{
	installed_ctx *c = vc;
	int rc;
	if (c->body != NULL)
		rc = db_exec(d, "INSERT INTO installed (router, policy, body, updated)"
			     " VALUES ($1, $2, $3, $4) ON CONFLICT (router, policy)"
			     " DO UPDATE SET body = excluded.body, updated = excluded.updated",
			     DB_ARGS(DB_T(c->router), DB_T(c->policy), DB_T(c->body),
				     DB_I(c->now)), NULL, err);
	else
		rc = db_exec(d, "DELETE FROM installed WHERE router = $1 AND policy = $2",
			     DB_ARGS(DB_T(c->router), DB_T(c->policy)), NULL, err);
	if (rc != 0)
		return -1;
	char detail[512];
	snprintf(detail, sizeof detail, "%s: %s", c->policy, c->reason ? c->reason : "");
	return store_audit_write(d, c->now, 0, "router", c->router,
				 c->body ? "report" : "expire", detail, err);
}

int store_installed_set(store *st, const char *router, const char *policy,
			const char *body, const char *reason, int64_t now,
			neto_err *err)
{
	if (router == NULL || policy == NULL)
		return neto_err_set(err, "installed: no router or policy");
	installed_ctx c = { router, policy, body, reason, now };
	return db_txn(st->db, DB_WRITE, installed_set_fn, NULL, &c, err);
}

/* ---- agents -------------------------------------------------------------- */

typedef struct agent_ctx {
	const char *name, *role, *routers, *info;
	int64_t now;
} agent_ctx;

static int agent_heartbeat_fn(db *d, void *vc, neto_err *err)
{
	agent_ctx *c = vc;
	return db_exec(d, "INSERT INTO agent (name, role, routers, info, registered, heartbeat)"
		       " VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (name) DO UPDATE SET"
		       " role = excluded.role, routers = excluded.routers,"
		       " info = excluded.info, heartbeat = excluded.heartbeat",
		       DB_ARGS(DB_T(c->name), DB_T(c->role), DB_T(c->routers),
			       DB_T(c->info), DB_I(c->now)), NULL, err);
}

int store_agent_heartbeat(store *st, const char *name, const char *role,
			  const char *routers, const char *info, int64_t now,
			  neto_err *err)
{
	if (name == NULL || *name == '\0' || role == NULL)
		return neto_err_set(err, "agent: no name or role");
	agent_ctx c = { name, role, routers, info, now };
	return db_txn(st->db, DB_WRITE, agent_heartbeat_fn, NULL, &c, err);
}

static void read_agent(db_res *r, void *elem)
{
	store_agent *a = elem;
	a->name = db_strdup(r, 0, NULL);
	a->role = db_strdup(r, 1, NULL);
	a->routers = db_strdup(r, 2, NULL);
	a->info = db_strdup(r, 3, NULL);
	a->registered = db_int(r, 4);
	a->heartbeat = db_int(r, 5);
}

static void free_agents(void *v, size_t n)
{
	store_agent_free(v, n);
}

int store_agent_list(store *st, store_agent **v, size_t *n, neto_err *err)
{
	void *a;
	int rc = store_list_txn(st, "SELECT name, role, routers, info, registered, heartbeat"
				" FROM agent ORDER BY name", DB_NOARGS, sizeof **v,
				read_agent, free_agents, &a, n, err);
	*v = a;
	return rc;
}

void store_agent_free(store_agent *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].role);
		free(v[i].routers);
		free(v[i].info);
	}
	free(v);
}

/* ---- audit log ----------------------------------------------------------- */

static void read_audit(db_res *r, void *elem)
{
	store_audit *a = elem;
	a->id = db_int(r, 0);
	a->at = db_int(r, 1);
	a->epoch = db_int(r, 2);
	a->actor = db_strdup(r, 3, NULL);
	a->router = db_strdup(r, 4, NULL);
	a->action = db_strdup(r, 5, NULL);
	a->detail = db_strdup(r, 6, NULL);
}

static void free_audit(void *v, size_t n)
{
	store_audit_free(v, n);
}

int store_audit_list(store *st, int64_t after, size_t limit, store_audit **v,
		     size_t *n, neto_err *err)
{
	void *a;
	int rc = store_list_txn(st, "SELECT id, at, epoch, actor, router, action, detail"
				" FROM audit WHERE id > $1 ORDER BY id LIMIT $2",
				DB_ARGS(DB_I(after), DB_I(store_limit(limit))),
				sizeof **v, read_audit, free_audit, &a, n, err);
	*v = a;
	return rc;
}

void store_audit_free(store_audit *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].actor);
		free(v[i].router);
		free(v[i].action);
		free(v[i].detail);
	}
	free(v);
}

typedef struct audit_ctx {
	const char *actor, *router, *action, *detail;
	int64_t now;
} audit_ctx;

static int audit_add_fn(db *d, void *vc, neto_err *err)
{
	audit_ctx *c = vc;
	return store_audit_write(d, c->now, 0, c->actor, c->router, c->action,
				 c->detail, err);
}

int store_audit_add(store *st, const char *actor, const char *router,
		    const char *action, const char *detail, int64_t now,
		    neto_err *err)
{
	if (actor == NULL || action == NULL)
		return neto_err_set(err, "audit: no actor or action");
	audit_ctx c = { actor, router, action, detail, now };
	return db_txn(st->db, DB_WRITE, audit_add_fn, NULL, &c, err);
}

/* ---- key-value state ----------------------------------------------------- */

typedef struct kv_ctx {
	const char *ns, *key, *body;
	size_t len;
	int64_t now;
	char *out;
	size_t outlen;
	int64_t updated;
} kv_ctx;

static int kv_put_fn(db *d, void *vc, neto_err *err)
{
	kv_ctx *c = vc;
	return db_exec(d, "INSERT INTO kv (ns, name, body, updated) VALUES ($1, $2, $3, $4)"
		       " ON CONFLICT (ns, name) DO UPDATE SET body = excluded.body,"
		       " updated = excluded.updated",
		       DB_ARGS(DB_T(c->ns), DB_T(c->key), DB_TN(c->body, c->len),
			       DB_I(c->now)), NULL, err);
}

typedef struct kv_many_ctx {
	const char *ns;
	const store_kv_row *rows;
	size_t n;
	int64_t now;
} kv_many_ctx;

static int kv_many_fn(db *d, void *vc, neto_err *err)
{
	kv_many_ctx *c = vc;
	for (size_t i = 0; i < c->n; i++) {
		kv_ctx one = { .ns = c->ns, .key = c->rows[i].key, .body = c->rows[i].body,
			       .len = c->rows[i].len, .now = c->now };
		if (kv_put_fn(d, &one, err) != 0)
			return -1;
	}
	return 0;
}

int store_kv_put_many(store *st, const char *ns, const store_kv_row *rows, size_t n,
		      int64_t now, neto_err *err)
{
	if (ns == NULL)
		return neto_err_set(err, "kv: no namespace");
	/* checked before the transaction: a bad row leaves nothing written */
	for (size_t i = 0; i < n; i++)
		if (rows[i].key == NULL || rows[i].body == NULL)
			return neto_err_set(err, "kv: row %zu of %zu has no key or body", i + 1, n);
	if (n == 0)
		return 0;
	kv_many_ctx c = { .ns = ns, .rows = rows, .n = n, .now = now };
	return db_txn(st->db, DB_WRITE, kv_many_fn, NULL, &c, err);
}

int store_kv_put(store *st, const char *ns, const char *key, const char *body,
		 size_t len, int64_t now, neto_err *err)
{
	if (ns == NULL || key == NULL || body == NULL)
		return neto_err_set(err, "kv: no namespace, key or body");
	kv_ctx c = { .ns = ns, .key = key, .body = body, .len = len, .now = now };
	return db_txn(st->db, DB_WRITE, kv_put_fn, NULL, &c, err);
}

static void read_kv_value(db_res *r, void *vc)
{
	kv_ctx *c = vc;
	c->out = db_strdup(r, 0, &c->outlen);
	c->updated = db_int(r, 1);
}

static int kv_get_fn(db *d, void *vc, neto_err *err)
{
	kv_ctx *c = vc;
	int found;
	return db_query_row(d, "SELECT body, updated FROM kv WHERE ns = $1 AND name = $2",
			    DB_ARGS(DB_T(c->ns), DB_T(c->key)), read_kv_value, c,
			    &found, err);
}

static void kv_reset(void *vc)
{
	kv_ctx *c = vc;
	free(c->out);
	c->out = NULL;
	c->outlen = 0;
	c->updated = 0;
}

int store_kv_get(store *st, const char *ns, const char *key, char **body,
		 size_t *len, int64_t *updated, neto_err *err)
{
	*body = NULL;
	if (ns == NULL || key == NULL)
		return neto_err_set(err, "kv: no namespace or key");
	kv_ctx c = { .ns = ns, .key = key };
	if (db_txn(st->db, DB_READ, kv_get_fn, kv_reset, &c, err) != 0)
		return -1;
	*body = c.out;
	if (len != NULL)
		*len = c.outlen;
	if (updated != NULL)
		*updated = c.updated;
	return 0;
}

static int kv_delete_fn(db *d, void *vc, neto_err *err)
{
	kv_ctx *c = vc;
	return db_exec(d, "DELETE FROM kv WHERE ns = $1 AND name = $2",
		       DB_ARGS(DB_T(c->ns), DB_T(c->key)), NULL, err);
}

int store_kv_delete(store *st, const char *ns, const char *key, neto_err *err)
{
	if (ns == NULL || key == NULL)
		return neto_err_set(err, "kv: no namespace or key");
	kv_ctx c = { .ns = ns, .key = key };
	return db_txn(st->db, DB_WRITE, kv_delete_fn, NULL, &c, err);
}

static void read_kv(db_res *r, void *elem)
{
	store_kv *x = elem;
	x->key = db_strdup(r, 0, NULL);
	x->body = db_strdup(r, 1, &x->len);
	x->updated = db_int(r, 2);
}

static void free_kv(void *v, size_t n)
{
	store_kv_free(v, n);
}

int store_kv_list(store *st, const char *ns, store_kv **v, size_t *n,
		  neto_err *err)
{
	*v = NULL;
	*n = 0;
	if (ns == NULL)
		return neto_err_set(err, "kv: no namespace");
	void *a;
	int rc = store_list_txn(st, "SELECT name, body, updated FROM kv WHERE ns = $1"
				" ORDER BY name", DB_ARGS(DB_T(ns)), sizeof **v, read_kv,
				free_kv, &a, n, err);
	*v = a;
	return rc;
}

void store_kv_free(store_kv *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].key);
		free(v[i].body);
	}
	free(v);
}

/* ---- message queue ------------------------------------------------------- */

typedef struct msg_ctx {
	const char *topic, *key, *body;
	size_t len;
	int64_t at, until, limit;
	store_msg *v;
	size_t n;
} msg_ctx;

static int msg_put_fn(db *d, void *vc, neto_err *err)
{
	msg_ctx *c = vc;
	return db_exec(d, "INSERT INTO msg (topic, subject, at, body) VALUES ($1, $2, $3, $4)",
		       DB_ARGS(DB_T(c->topic), DB_T(c->key), DB_I(c->at),
			       DB_TN(c->body, c->len)), NULL, err);
}

int store_msg_put(store *st, const char *topic, const char *key, int64_t at,
		  const char *body, size_t len, neto_err *err)
{
	if (topic == NULL || body == NULL)
		return neto_err_set(err, "msg: no topic or body");
	msg_ctx c = { .topic = topic, .key = key, .at = at, .body = body, .len = len };
	return db_txn(st->db, DB_WRITE, msg_put_fn, NULL, &c, err);
}

static void read_msg(db_res *r, void *elem)
{
	store_msg *m = elem;
	m->id = db_int(r, 0);
	m->at = db_int(r, 1);
	m->key = db_strdup(r, 2, NULL);
	m->body = db_strdup(r, 3, &m->len);
}

static void free_msgs(void *v, size_t n)
{
	store_msg_free(v, n);
}

static int msg_take_fn(db *d, void *vc, neto_err *err)
{
	msg_ctx *c = vc;
	void *a;
	if (store_read_list(d, "SELECT id, at, subject, body FROM msg"
			    " WHERE topic = $1 AND at <= $2 ORDER BY at, id LIMIT $3",
			    DB_ARGS(DB_T(c->topic), DB_I(c->until), DB_I(c->limit)),
			    sizeof *c->v, read_msg, free_msgs, &a, &c->n, err) != 0)
		return -1;
	c->v = a;
	if (c->n == 0)
		return 0;
	/* the same rows: (at, id) orders them totally, and this transaction
	 * sees no other writer's changes in between */
	return db_exec(d, "DELETE FROM msg WHERE id IN (SELECT id FROM msg"
		       " WHERE topic = $1 AND at <= $2 ORDER BY at, id LIMIT $3)",
		       DB_ARGS(DB_T(c->topic), DB_I(c->until), DB_I(c->limit)), NULL,
		       err);
}

static void msg_reset(void *vc)
{
	msg_ctx *c = vc;
	store_msg_free(c->v, c->n);
	c->v = NULL;
	c->n = 0;
}

int store_msg_take(store *st, const char *topic, int64_t until, size_t limit,
		   store_msg **v, size_t *n, neto_err *err)
{
	*v = NULL;
	*n = 0;
	if (topic == NULL)
		return neto_err_set(err, "msg: no topic");
	msg_ctx c = { .topic = topic, .until = until, .limit = store_limit(limit) };
	if (db_txn(st->db, DB_WRITE, msg_take_fn, msg_reset, &c, err) != 0)
		return -1;
	*v = c.v;
	*n = c.n;
	return 0;
}

void store_msg_free(store_msg *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].key);
		free(v[i].body);
	}
	free(v);
}
