/*
 * routes.c - the API's routes (api_int.h, docs/api.md): from a request and
 * the store to a status and a JSON body. Nothing here knows HTTP beyond
 * methods and status codes, so the server (server.c) stays a thin shell.
 *
 * Every response body is JSON (except /metrics): objects built with
 * Jansson, or, for the large documents the store keeps as text (topology,
 * solution, plan), a small envelope with the stored text spliced in
 * unparsed. Errors are {"error": message, "field": JSON path or null}.
 *
 * Order of checks: route (404), method (405), authentication (401, 403),
 * size (413), then the body (400); nothing is written before all of them
 * pass. A failing store gives 503 and asks the server to reopen it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "lib/mem.h"
#include "lib/text.h"

static const char JSON_TYPE[] = "application/json";

static void resp_json(api_resp *rs, int status, json_t *o)
{
	char *text = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(17));
	json_decref(o);
	if (text == NULL)
		abort(); /* out of memory */
	rs->status = status;
	rs->body = neto_strdup(text);
	free(text);
	rs->type = JSON_TYPE;
}

static void resp_error(api_resp *rs, int status, const char *msg, const char *field)
{
	resp_json(rs, status,
		  json_pack("{s:s,s:o}", "error", msg,
			    "field", field && *field ? json_string(field) : json_null()));
}

static int store_failed(api_ctx *ctx, api_resp *rs, const neto_err *e)
{
	char msg[600];
	snprintf(msg, sizeof msg, "store: %s", e->msg);
	ctx->store_failed = true;
	resp_error(rs, 503, msg, NULL);
	return 1;
}

/* ENV (an object with at least one member) with "KEY": RAW appended, RAW
 * being JSON text kept as stored (null when NULL). */
static void resp_splice(api_resp *rs, json_t *env, const char *key, const char *raw)
{
	char *head = json_dumps(env, JSON_COMPACT | JSON_REAL_PRECISION(17));
	json_decref(env);
	if (head == NULL)
		abort();
	api_buf b = { 0 };
	api_buf_put(&b, head, strlen(head) - 1); /* without the closing brace */
	free(head);
	api_buf_printf(&b, ",\"%s\":", key);
	api_buf_puts(&b, raw ? raw : "null");
	api_buf_puts(&b, "}");
	rs->status = 200;
	rs->body = api_buf_take(&b);
	rs->type = JSON_TYPE;
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* A stored JSON text as a value: parsed when it is JSON, else the string. */
static json_t *json_text(const char *s)
{
	if (s == NULL)
		return json_null();
	json_t *v = json_loads(s, JSON_DECODE_ANY, NULL);
	return v ? v : json_string(s);
}

/* Whole number in lo..hi from the query argument NAME; DEF when absent.
 * Returns 0, or 1 with a 400 response. */
static int q_int(const api_req *rq, const char *name, int64_t lo, int64_t hi, int64_t def,
		 int64_t *out, api_resp *rs)
{
	const char *v = rq->query ? rq->query(rq->qctx, name) : NULL;
	if (v == NULL) {
		*out = def;
		return 0;
	}
	uint64_t u;
	if (!neto_span_to_u64((neto_span){ v, strlen(v) }, &u) || (int64_t)u < lo ||
	    u > (uint64_t)hi) {
		char msg[128];
		snprintf(msg, sizeof msg, "must be a whole number in %lld..%lld", (long long)lo,
			 (long long)hi);
		resp_error(rs, 400, msg, name);
		return 1;
	}
	*out = (int64_t)u;
	return 0;
}

/* ---- GET ------------------------------------------------------------------ */

static int h_health(api_ctx *ctx, const api_req *rq, int64_t id, api_resp *rs)
{
	neto_err e;
	store_lease *v;
	size_t n;
	int version;
	if (store_schema_version(ctx->st, &version, &e) != 0 ||
	    store_lease_list(ctx->st, &v, &n, &e) != 0)
		return store_failed(ctx, rs, &e);
	json_t *leases = json_array();
	json_t *role[2] = { json_null(), json_null() };
	static const char *const roles[2] = { "controller", "scheduler" };
	for (size_t i = 0; i < n; i++) {
		bool valid = v[i].expires > rq->now;
		json_array_append_new(leases,
				      json_pack("{s:s,s:s,s:I,s:I,s:b}", "name", v[i].name, "holder",
						v[i].holder, "epoch", (json_int_t)v[i].epoch,
						"expires", (json_int_t)v[i].expires, "valid", valid));
		for (int r = 0; r < 2; r++)
			if (valid && strcmp(v[i].name, roles[r]) == 0) {
				json_decref(role[r]);
				role[r] = json_pack("{s:s,s:I,s:I}", "holder", v[i].holder, "epoch",
						    (json_int_t)v[i].epoch, "expires",
						    (json_int_t)v[i].expires);
			}
	}
	store_lease_free(v, n);
	resp_json(rs, 200,
		  json_pack("{s:b,s:s,s:i,s:I,s:o,s:o,s:o}", "ok", 1, "store",
			    store_backend(ctx->st), "schema", version, "now", (json_int_t)rq->now,
			    "controller", role[0], "scheduler", role[1], "leases", leases));
	return 1;
}

static int h_topology(api_ctx *ctx, const api_req *rq, int64_t id, api_resp *rs)
{
	neto_err e;
	int64_t version, at;
	char *body;
	size_t len;
	if (store_topology_latest(ctx->st, &version, &at, &body, &len, &e) != 0)
		return store_failed(ctx, rs, &e);
	if (body == NULL) {
		resp_error(rs, 404, "no topology in the store yet", NULL);
		return 1;
	}
	resp_splice(rs, json_pack("{s:I,s:I}", "version", (json_int_t)version, "at", (json_int_t)at),
		    "topology", body);
	free(body);
	return 1;
}

static int h_links(api_ctx *ctx, const api_req *rq, int64_t id, api_resp *rs)
{
	neto_err e;
	json_t *doc;
	int rc = api_links_doc(ctx->st, &doc, &e);
	if (rc == -1)
		return store_failed(ctx, rs, &e);
	if (rc == -2) {
		resp_error(rs, 500, e.msg, NULL);
		return 1;
	}
	if (doc == NULL) {
		resp_error(rs, 404, "no topology in the store yet", NULL);
		return 1;
	}
	resp_json(rs, 200, doc);
	return 1;
}

/* The stored demand matrix (CSV with a header naming src, dst, class, rate
 * in any order) as JSON. Returns NULL with *why on a malformed body. */
static json_t *demand_rows(const char *body, size_t len, double *total, json_t *per_class,
			   char *why, size_t nwhy)
{
	neto_lines c;
	neto_span line, f[8];
	neto_lines_init(&c, body, len);
	*total = 0;
	if (!neto_lines_next_data(&c, &line)) {
		snprintf(why, nwhy, "stored demand matrix: no header");
		return NULL;
	}
	size_t nh = neto_split(line, ',', f, 7);
	int col[4] = { -1, -1, -1, -1 }; /* src, dst, class, rate */
	static const char *const names[4] = { "src", "dst", "class", "rate" };
	for (size_t i = 0; i < nh && i < 7; i++)
		for (int k = 0; k < 4; k++)
			if (neto_span_ieq(f[i], names[k]))
				col[k] = (int)i;
	if (nh > 7 || col[0] < 0 || col[1] < 0 || col[3] < 0) {
		snprintf(why, nwhy, "stored demand matrix: header is not src,dst[,class],rate");
		return NULL;
	}
	json_t *rows = json_array();
	while (neto_lines_next_data(&c, &line)) {
		size_t n = neto_split(line, ',', f, 7);
		double rate;
		if (n != nh || !neto_span_to_double(f[col[3]], &rate)) {
			snprintf(why, nwhy, "stored demand matrix: line %u does not parse", c.lineno);
			json_decref(rows);
			return NULL;
		}
		json_t *cls = col[2] >= 0 ? json_stringn(f[col[2]].p, f[col[2]].len) : json_null();
		if (cls == NULL) /* not UTF-8 */
			cls = json_null();
		json_t *src = json_stringn(f[col[0]].p, f[col[0]].len);
		json_t *dst = json_stringn(f[col[1]].p, f[col[1]].len);
		json_array_append_new(rows, json_pack("{s:o?,s:o?,s:o,s:f}", "src", src, "dst", dst,
						      "class", cls, "rate", rate));
		*total += rate;
		if (json_is_string(cls)) {
			json_t *t = json_object_get(per_class, json_string_value(cls));
			json_object_set_new(per_class, json_string_value(cls),
					    json_real((t ? json_real_value(t) : 0) + rate));
		}
	}
	return rows;
}

static int h_demands(api_ctx *ctx, const api_req *rq, int64_t id, api_resp *rs)
{
	neto_err e;
	int64_t mid, at;
	char *body, *missing;
	size_t len;
	if (store_demand_latest(ctx->st, &mid, &at, &body, &len, &missing, &e) != 0)
		return store_failed(ctx, rs, &e);
	if (body == NULL) {
		resp_error(rs, 404, "no demand matrix in the store yet", NULL);
		free(missing);
		return 1;
	}
	json_t *miss = json_array();
	if (missing != NULL && missing[0] != '\0') {
		neto_span f[1024];
		size_t n = neto_split((neto_span){ missing, strlen(missing) }, ',', f, 1023);
		for (size_t i = 0; i < n && i < 1023; i++)
			if (f[i].len > 0)
				json_array_append_new(miss, json_stringn(f[i].p, f[i].len));
	}
	free(missing);
	double total;
	char why[160];
	json_t *per_class = json_object();
	json_t *rows = demand_rows(body, len, &total, per_class, why, sizeof why);
	free(body);
	if (rows == NULL) {
		json_decref(miss);
		json_decref(per_class);
		resp_error(rs, 500, why, NULL);
		return 1;
	}
	resp_json(rs, 200,
		  json_pack("{s:I,s:I,s:o,s:f,s:o,s:o}", "id", (json_int_t)mid, "at", (json_int_t)at,
			    "missing", miss, "total", total, "classes", per_class, "demands", rows));
	return 1;
}

static json_t *plan_json(const store_plan *p)
{
	return json_pack("{s:I,s:s,s:s,s:i,s:i,s:i,s:I,s:I,s:I,s:I,s:I,s:I,s:o}", "id",
			 (json_int_t)p->id, "kind", p->kind ? p->kind : "", "state",
			 p->state ? p->state : "", "priority", p->priority, "nsteps", p->nsteps,
			 "step", p->step, "created", (json_int_t)p->created, "updated",
			 (json_int_t)p->updated, "epoch", (json_int_t)p->epoch, "topology_version",
			 (json_int_t)p->topology_version, "demand_id", (json_int_t)p->demand_id,
			 "intent_serial", (json_int_t)p->intent_serial, "reason",
			 str_or_null(p->reason));
}

static int h_solution(api_ctx *ctx, const api_req *rq, int64_t id, api_resp *rs)
{
	neto_err e;
	store_plan p;
	int found;
	if (store_plan_latest(ctx->st, &p, &found, &e) != 0)
		return store_failed(ctx, rs, &e);
	if (!found) {
		resp_error(rs, 404, "no solution in the store yet", NULL);
		return 1;
	}
	char *plan = NULL, *solution = NULL;
	if (store_plan_body(ctx->st, p.id, &plan, &solution, &e) != 0) {
		store_plan_clear(&p);
		return store_failed(ctx, rs, &e);
	}
	free(plan);
	if (solution == NULL) {
		store_plan_clear(&p);
		resp_error(rs, 404, "the latest plan has no solution", NULL);
		return 1;
	}
	resp_splice(rs,
		    json_pack("{s:I,s:s,s:I,s:I,s:I,s:I}", "plan_id", (json_int_t)p.id, "state",
			      p.state ? p.state : "", "created", (json_int_t)p.created,
			      "topology_version", (json_int_t)p.topology_version, "demand_id",
			      (json_int_t)p.demand_id, "intent_serial", (json_int_t)p.intent_serial),
		    "solution", solution);
	free(solution);
	store_plan_clear(&p);
	return 1;
}

static int h_plans(api_ctx *ctx, const api_req *rq, int64_t id, api_resp *rs)
{
	int64_t limit;
	if (q_int(rq, "limit", 1, 1000, 20, &limit, rs) != 0)
		return 1;
	neto_err e;
	store_plan *v;
	size_t n;
	if (store_plan_list(ctx->st, (size_t)limit, &v, &n, &e) != 0)
		return store_failed(ctx, rs, &e);
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, plan_json(&v[i]));
	store_plan_free(v, n);
	resp_json(rs, 200, json_pack("{s:o}", "plans", arr));
	return 1;
}

static const char *const task_states[5] = { "pending", "assigned", "done", "failed",
					    "cancelled" };

static json_t *task_json(const store_task *t)
{
	return json_pack("{s:I,s:I,s:i,s:i,s:s,s:s,s:s,s:s,s:o,s:i,s:I,s:I,s:I,s:o,s:o}", "id",
			 (json_int_t)t->id, "plan", (json_int_t)t->plan_id, "step", t->step,
			 "priority", t->priority, "router", t->router ? t->router : "", "policy",
			 t->policy ? t->policy : "", "action", t->action ? t->action : "", "state",
			 t->state ? t->state : "", "agent", str_or_null(t->agent), "attempts",
			 t->attempts, "not_before", (json_int_t)t->not_before, "deadline",
			 (json_int_t)t->deadline, "updated", (json_int_t)t->updated, "error",
			 str_or_null(t->error), "desired", json_text(t->desired));
}

static int h_plan(api_ctx *ctx, const api_req *rq, int64_t id, api_resp *rs)
{
	neto_err e;
	store_plan p;
	int found;
	if (store_plan_get(ctx->st, id, &p, &found, &e) != 0)
		return store_failed(ctx, rs, &e);
	if (!found) {
		resp_error(rs, 404, "no such plan", NULL);
		return 1;
	}
	char *plan = NULL, *solution = NULL;
	store_task *t = NULL;
	size_t nt = 0;
	if (store_plan_body(ctx->st, id, &plan, &solution, &e) != 0 ||
	    store_task_list(ctx->st, id, -1, &t, &nt, &e) != 0) {
		free(plan);
		free(solution);
		store_plan_clear(&p);
		return store_failed(ctx, rs, &e);
	}
	free(solution);
	/* tasks per step and state */
	int nsteps = p.nsteps > 0 ? p.nsteps : 0;
	for (size_t i = 0; i < nt; i++)
		if (t[i].step + 1 > nsteps)
			nsteps = t[i].step + 1;
	json_t *steps = json_array();
	for (int s = 0; s < nsteps && s < 100000; s++) {
		json_int_t c[5] = { 0 }, all = 0;
		for (size_t i = 0; i < nt; i++) {
			if (t[i].step != s)
				continue;
			all++;
			for (int k = 0; k < 5; k++)
				if (t[i].state && strcmp(t[i].state, task_states[k]) == 0)
					c[k]++;
		}
		json_array_append_new(steps,
				      json_pack("{s:i,s:I,s:I,s:I,s:I,s:I,s:I}", "step", s, "tasks",
						all, "pending", c[0], "assigned", c[1], "done", c[2],
						"failed", c[3], "cancelled", c[4]));
	}
	store_task_free(t, nt);
	json_t *env = plan_json(&p);
	json_object_set_new(env, "step_tasks", steps);
	store_plan_clear(&p);
	resp_splice(rs, env, "plan", plan);
	free(plan);
	return 1;
}

static int h_tasks(api_ctx *ctx, const api_req *rq, int64_t id, api_resp *rs)
{
	int64_t plan, step;
	if (q_int(rq, "plan", 1, INT64_MAX, 0, &plan, rs) != 0 ||
	    q_int(rq, "step", 0, 1000000, -1, &step, rs) != 0)
		return 1;
	const char *state = rq->query ? rq->query(rq->qctx, "state") : NULL;
	if (state != NULL) {
		bool ok = false;
		for (int k = 0; k < 5 && !ok; k++)
			ok = strcmp(state, task_states[k]) == 0;
		if (!ok) {
			resp_error(rs, 400, "must be pending, assigned, done, failed or cancelled",
				   "state");
			return 1;
		}
	}
	neto_err e;
	store_task *t;
	size_t n;
	if (store_task_list(ctx->st, plan, (int)step, &t, &n, &e) != 0)
		return store_failed(ctx, rs, &e);
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++)
		if (state == NULL || (t[i].state && strcmp(t[i].state, state) == 0))
			json_array_append_new(arr, task_json(&t[i]));
	store_task_free(t, n);
	resp_json(rs, 200, json_pack("{s:o}", "tasks", arr));
	return 1;
}

static int h_agents(api_ctx *ctx, const api_req *rq, int64_t id, api_resp *rs)
{
	neto_err e;
	store_agent *v;
	size_t n;
	if (store_agent_list(ctx->st, &v, &n, &e) != 0)
		return store_failed(ctx, rs, &e);
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *routers = json_array();
		if (v[i].routers && v[i].routers[0]) {
			neto_span f[256];
			size_t nf = neto_split((neto_span){ v[i].routers, strlen(v[i].routers) }, ',',
					       f, 255);
			for (size_t k = 0; k < nf && k < 255; k++)
				json_array_append_new(routers, json_stringn(f[k].p, f[k].len));
		}
		json_array_append_new(
			arr, json_pack("{s:s,s:s,s:o,s:o,s:I,s:I,s:I}", "name", v[i].name, "role",
				       v[i].role ? v[i].role : "", "routers", routers, "info",
				       json_text(v[i].info), "registered", (json_int_t)v[i].registered,
				       "heartbeat", (json_int_t)v[i].heartbeat, "age_ms",
				       (json_int_t)(rq->now - v[i].heartbeat)));
	}
	store_agent_free(v, n);
	resp_json(rs, 200, json_pack("{s:I,s:o}", "now", (json_int_t)rq->now, "agents", arr));
	return 1;
}

static int h_intents(api_ctx *ctx, const api_req *rq, int64_t id, api_resp *rs)
{
	neto_err e;
	store_intent *v;
	size_t n;
	if (store_intent_list(ctx->st, &v, &n, &e) != 0)
		return store_failed(ctx, rs, &e);
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, json_pack("{s:I,s:I,s:s,s:o}", "id", (json_int_t)v[i].id,
						     "created", (json_int_t)v[i].created, "kind",
						     v[i].kind ? v[i].kind : "", "body",
						     json_text(v[i].body)));
	store_intent_free(v, n);
	resp_json(rs, 200, json_pack("{s:o}", "intents", arr));
	return 1;
}

static int h_audit(api_ctx *ctx, const api_req *rq, int64_t id, api_resp *rs)
{
	int64_t after, limit;
	if (q_int(rq, "after", 0, INT64_MAX, 0, &after, rs) != 0 ||
	    q_int(rq, "limit", 1, 1000, 100, &limit, rs) != 0)
		return 1;
	neto_err e;
	store_audit *v;
	size_t n;
	if (store_audit_list(ctx->st, after, (size_t)limit, &v, &n, &e) != 0)
		return store_failed(ctx, rs, &e);
	json_t *arr = json_array();
	int64_t last = after;
	for (size_t i = 0; i < n; i++) {
		json_array_append_new(
			arr, json_pack("{s:I,s:I,s:I,s:s,s:o,s:s,s:o}", "id", (json_int_t)v[i].id,
				       "at", (json_int_t)v[i].at, "epoch", (json_int_t)v[i].epoch,
				       "actor", v[i].actor ? v[i].actor : "", "router",
				       str_or_null(v[i].router), "action",
				       v[i].action ? v[i].action : "", "detail",
				       str_or_null(v[i].detail)));
		last = v[i].id;
	}
	store_audit_free(v, n);
	resp_json(rs, 200, json_pack("{s:o,s:I}", "audit", arr, "next", (json_int_t)last));
	return 1;
}

static int h_metrics(api_ctx *ctx, const api_req *rq, int64_t id, api_resp *rs)
{
	neto_err e;
	char *text;
	if (api_metrics(ctx->st, &text, &e) != 0)
		return store_failed(ctx, rs, &e);
	rs->status = 200;
	rs->body = text;
	rs->type = "text/plain; version=0.0.4; charset=utf-8";
	return 1;
}

/* ---- POST, DELETE ----------------------------------------------------------- */

static int h_intent_add(api_ctx *ctx, const api_req *rq, int64_t id, api_resp *rs)
{
	api_intent it;
	api_error ae;
	if (rq->body == NULL || rq->len == 0) {
		resp_error(rs, 400, "an intent needs a JSON body", NULL);
		return 1;
	}
	if (api_intent_parse(rq->body, rq->len, &it, &ae) != 0) {
		resp_error(rs, 400, ae.msg, ae.field);
		return 1;
	}
	neto_err e;
	int64_t nid;
	if (store_intent_add(ctx->st, it.kind, it.body, rq->now, &nid, &e) != 0) {
		api_intent_free(&it);
		return store_failed(ctx, rs, &e);
	}
	char detail[600];
	snprintf(detail, sizeof detail, "intent %lld %s", (long long)nid, it.kind);
	/* the intent is in; a lost audit row is not worth failing the request */
	(void)store_audit_add(ctx->st, "api", NULL, "intent-add", detail, rq->now, &e);
	resp_json(rs, 201,
		  json_pack("{s:I,s:I,s:s,s:o}", "id", (json_int_t)nid, "created",
			    (json_int_t)rq->now, "kind", it.kind, "body", json_text(it.body)));
	api_intent_free(&it);
	return 1;
}

static int h_intent_delete(api_ctx *ctx, const api_req *rq, int64_t id, api_resp *rs)
{
	neto_err e;
	int found;
	if (store_intent_delete(ctx->st, id, rq->now, &found, &e) != 0)
		return store_failed(ctx, rs, &e);
	if (!found) {
		resp_error(rs, 404, "no live intent with that id", NULL);
		return 1;
	}
	char detail[64];
	snprintf(detail, sizeof detail, "intent %lld", (long long)id);
	(void)store_audit_add(ctx->st, "api", NULL, "intent-delete", detail, rq->now, &e);
	resp_json(rs, 200, json_pack("{s:I,s:b}", "id", (json_int_t)id, "deleted", 1));
	return 1;
}

/* ---- routing ---------------------------------------------------------------- */

typedef int (*handler_fn)(api_ctx *, const api_req *, int64_t, api_resp *);

typedef struct route {
	const char *path;	/* a prefix followed by "/ID" when with_id */
	bool with_id;
	handler_fn get, post, del;
	const char *allow;
} route;

static const route routes[] = {
	{ "/health", false, h_health, NULL, NULL, "GET, HEAD" },
	{ "/topology", false, h_topology, NULL, NULL, "GET, HEAD" },
	{ "/links", false, h_links, NULL, NULL, "GET, HEAD" },
	{ "/demands", false, h_demands, NULL, NULL, "GET, HEAD" },
	{ "/solution", false, h_solution, NULL, NULL, "GET, HEAD" },
	{ "/plans", false, h_plans, NULL, NULL, "GET, HEAD" },
	{ "/plans", true, h_plan, NULL, NULL, "GET, HEAD" },
	{ "/tasks", false, h_tasks, NULL, NULL, "GET, HEAD" },
	{ "/agents", false, h_agents, NULL, NULL, "GET, HEAD" },
	{ "/intents", false, h_intents, h_intent_add, NULL, "GET, HEAD, POST" },
	{ "/intents", true, NULL, NULL, h_intent_delete, "DELETE" },
	{ "/audit", false, h_audit, NULL, NULL, "GET, HEAD" },
	{ "/metrics", false, h_metrics, NULL, NULL, "GET, HEAD" },
};

/* The route of PATH, and the id in it for routes with one. */
static const route *match(const char *path, int64_t *id)
{
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		const route *r = &routes[i];
		size_t n = strlen(r->path);
		if (strncmp(path, r->path, n) != 0)
			continue;
		if (!r->with_id) {
			if (path[n] == '\0')
				return r;
			continue;
		}
		if (path[n] != '/')
			continue;
		const char *s = path + n + 1;
		uint64_t u;
		size_t len = strlen(s);
		if (len == 0 || len > 18 || s[0] == '0' ||
		    !neto_span_to_u64((neto_span){ s, len }, &u))
			continue;
		*id = (int64_t)u;
		return r;
	}
	return NULL;
}

int api_handle(api_ctx *ctx, const api_req *rq, size_t content_length, api_resp *rs)
{
	memset(rs, 0, sizeof *rs);
	int64_t id = 0;
	const route *r = match(rq->path, &id);
	if (r == NULL) {
		resp_error(rs, 404, "no such route", NULL);
		return 1;
	}
	handler_fn fn = NULL;
	bool mutating = false;
	if (strcmp(rq->method, "GET") == 0 || strcmp(rq->method, "HEAD") == 0) {
		fn = r->get;
	} else if (strcmp(rq->method, "POST") == 0) {
		fn = r->post;
		mutating = true;
	} else if (strcmp(rq->method, "DELETE") == 0) {
		fn = r->del;
		mutating = true;
	}
	if (fn == NULL) {
		resp_error(rs, 405, "method not allowed on this route", NULL);
		rs->allow = r->allow;
		return 1;
	}
	if (mutating && ctx->token != NULL) {
		int a = api_auth_check(rq->auth, ctx->token);
		if (a == 401) {
			resp_error(rs, 401, "this request needs 'Authorization: Bearer TOKEN'", NULL);
			rs->challenge = true;
			return 1;
		}
		if (a == 403) {
			resp_error(rs, 403, "wrong token", NULL);
			return 1;
		}
	}
	if (rq->too_big || content_length > API_MAX_BODY) {
		char msg[80];
		snprintf(msg, sizeof msg, "request body larger than %zu bytes", (size_t)API_MAX_BODY);
		resp_error(rs, 413, msg, NULL);
		return 1;
	}
	if (rq->headers_only)
		return 0;
	return fn(ctx, rq, id, rs);
}
