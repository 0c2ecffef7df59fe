/*
 * flow.c - the flow agents (flow.h, docs/agents.md).
 *
 * One structure serves leaves and parents; they differ in what they take
 * (record batches per exporter, or partials from children), in what a
 * window holds (bytes, or rates), and in what closing a window writes.
 *
 * Closing window W, in this order, so that a crash at any point loses at
 * most W's output and never applies W twice:
 *   1. compute the output (a parent also steps its smoother),
 *   2. save the agent's state with next = W + window (one kv write),
 *   3. write the output (a message, or the demand matrix).
 * If 2 fails, the in-memory smoother may be ahead of the store, so the
 * agent reloads its state from the store at the next tick and W, still held
 * in memory, is closed again. If 3 fails, the output is kept and written
 * before anything else at the next tick. A crash between 2 and 3 loses W's
 * output; the parent then lists this agent (or the root's history shows a
 * gap), which is the documented loss.
 *
 * Windows live in a small array: an agent accepts messages only for windows
 * from `next` to one window past now, and closes them in order, so it holds
 * a handful at a time (at most the backlog limit after a stall).
 */
#include "agent/flow.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agent/flowmsg.h"
#include "lib/mem.h"

#define STATE_VERSION 1
#define MAX_TREE_DEPTH 16

typedef struct win {
	int64_t start;
	flowagent_matrix m; /* leaf: bytes (scaled up); parent: rates (summed) */
	bool *seen;         /* per member: the exporter or child reported */
	flowagent_matrix covered, missing; /* parent: names the children listed */
} win;

typedef struct unsent {
	bool pending;
	bool demand;    /* store_demand_put, else store_msg_put on out_topic */
	int64_t at;     /* demand: the window's end */
	char *body;
	size_t len;
	char *missing;  /* demand: comma-separated, or NULL */
} unsent;

struct flowagent {
	store *st;
	flowagent_kind kind;
	char *name, *parent;
	char **members; /* exporters (leaf) or children (parent) */
	size_t n_members;
	neto_strmap member_idx;
	char **topics;  /* leaf: "flow.<exporter>" each; parent: "partial.<name>" */
	size_t n_topics;
	char *out_topic; /* "partial.<parent>"; NULL at the root */
	int64_t window, wait, heartbeat; /* wait: grace (leaf) or timeout (parent) */
	double bits;
	flowagent_smoothing smoothing;
	flowagent_smoother sm;

	bool loaded;
	int64_t next;
	/* started without stored state: windows before this one that received
	 * nothing are not reported (the agent was not there to see them) */
	int64_t fresh_before;
	int64_t next_heartbeat;
	win *wins;
	size_t n_wins;
	unsent out;
	flowagent_stats stats;

	/* the agent registry, read at most once per tick when a child is missing */
	bool have_registry;
	store_agent *reg;
	size_t n_reg;

	/* the tick's report: its first problem */
	neto_err *err;
	int rc;
};

/* ---- reporting ----------------------------------------------------------- */

static void problem(flowagent *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void problem(flowagent *a, const char *fmt, ...)
{
	char *msg = a->stats.last_error;
	size_t cap = sizeof a->stats.last_error;
	int n = snprintf(msg, cap, "flow agent %s: ", a->name);
	size_t used = n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg + used, cap - used, fmt, ap);
	va_end(ap);
	if (a->rc == 0) {
		a->rc = -1;
		neto_err_set(a->err, "%s", a->stats.last_error);
	}
}

/* A store failure: reported, and the tick stops. */
static int store_failed(flowagent *a, const neto_err *e)
{
	problem(a, "store: %s", e->msg);
	return -1;
}

/* ---- configuration ------------------------------------------------------- */

static bool cfg_name_ok(const char *s)
{
	return s != NULL && flowmsg_name_ok(s, strlen(s));
}

static int copy_members(flowagent *a, const char *const *v, size_t n, const char *what,
			neto_err *err)
{
	if (n == 0)
		return neto_err_set(err, "flow agent %s: no %s", a->name, what);
	a->members = neto_reallocarray(NULL, n, sizeof *a->members);
	for (size_t i = 0; i < n; i++) {
		if (!cfg_name_ok(v[i]))
			return neto_err_set(err, "flow agent %s: %s %zu: not a valid name", a->name,
					    what, i);
		if (!neto_strmap_put(&a->member_idx, v[i], strlen(v[i]), (uint32_t)i, NULL))
			return neto_err_set(err, "flow agent %s: %s '%s' is listed twice", a->name,
					    what, v[i]);
		a->members[a->n_members++] = neto_strdup(v[i]);
	}
	return 0;
}

static char *prefixed(const char *prefix, const char *name)
{
	size_t n = strlen(prefix) + strlen(name) + 1;
	char *s = neto_malloc(n);
	snprintf(s, n, "%s%s", prefix, name);
	return s;
}

static int setup(flowagent *a, const flowagent_cfg *cfg, neto_err *err)
{
	a->kind = cfg->kind;
	a->window = cfg->window_ms ? cfg->window_ms : FLOWAGENT_DEFAULT_WINDOW_MS;
	if (a->window < 1 || a->window > FLOWMSG_MAX_WINDOW_MS)
		return neto_err_set(err, "flow agent %s: window must be 1..%d ms", a->name,
				    FLOWMSG_MAX_WINDOW_MS);
	if (!isfinite(cfg->bits_per_unit) || !(cfg->bits_per_unit > 0))
		return neto_err_set(err, "flow agent %s: bits per unit must be a positive number",
				    a->name);
	a->bits = cfg->bits_per_unit;
	a->heartbeat = cfg->heartbeat_ms ? cfg->heartbeat_ms : FLOWAGENT_DEFAULT_HEARTBEAT_MS;
	if (cfg->grace_ms < 0 || cfg->timeout_ms < 0 || a->heartbeat < 0)
		return neto_err_set(err, "flow agent %s: negative grace, timeout or heartbeat",
				    a->name);
	if (cfg->parent != NULL) {
		if (!cfg_name_ok(cfg->parent))
			return neto_err_set(err, "flow agent %s: parent: not a valid name", a->name);
		a->parent = neto_strdup(cfg->parent);
		a->out_topic = prefixed("partial.", cfg->parent);
	}
	if (cfg->kind == FLOWAGENT_LEAF) {
		a->wait = cfg->grace_ms ? cfg->grace_ms : a->window / 5;
		if (copy_members(a, cfg->exporters, cfg->n_exporters, "exporter", err) != 0)
			return -1;
		a->topics = neto_reallocarray(NULL, a->n_members, sizeof *a->topics);
		for (size_t i = 0; i < a->n_members; i++)
			a->topics[a->n_topics++] = prefixed("flow.", a->members[i]);
	} else if (cfg->kind == FLOWAGENT_PARENT) {
		a->wait = cfg->timeout_ms ? cfg->timeout_ms : a->window / 2;
		if (copy_members(a, cfg->children, cfg->n_children, "child", err) != 0)
			return -1;
		if (neto_strmap_get(&a->member_idx, a->name, strlen(a->name), &(uint32_t){ 0 }))
			return neto_err_set(err, "flow agent %s: its own child", a->name);
		a->topics = neto_malloc(sizeof *a->topics);
		a->topics[a->n_topics++] = prefixed("partial.", a->name);
	} else {
		return neto_err_set(err, "flow agent %s: unknown kind", a->name);
	}
	/* smoothing where matrices are merged, and at the root; a leaf that
	 * reports to a parent sends its windows as measured */
	if (cfg->kind == FLOWAGENT_PARENT || a->parent == NULL) {
		a->smoothing = cfg->smoothing;
		if (flowagent_smoothing_check(&a->smoothing, err) != 0)
			return -1;
	}
	flowagent_smoother_init(&a->sm, &a->smoothing);
	return 0;
}

int flowagent_new(flowagent **out, store *st, const flowagent_cfg *cfg, neto_err *err)
{
	*out = NULL;
	if (!cfg_name_ok(cfg->name))
		return neto_err_set(err, "flow agent: name missing or not a valid name");
	flowagent *a = neto_calloc(1, sizeof *a);
	a->st = st;
	a->name = neto_strdup(cfg->name);
	neto_strmap_init(&a->member_idx);
	flowagent_smoother_init(&a->sm, &(flowagent_smoothing){ 0 });
	if (setup(a, cfg, err) != 0) {
		flowagent_free(a);
		return -1;
	}
	a->next_heartbeat = INT64_MIN;
	*out = a;
	return 0;
}

static void win_free(win *w)
{
	flowagent_matrix_free(&w->m);
	flowagent_matrix_free(&w->covered);
	flowagent_matrix_free(&w->missing);
	free(w->seen);
}

static void drop_registry(flowagent *a)
{
	if (a->have_registry)
		store_agent_free(a->reg, a->n_reg);
	a->have_registry = false;
	a->reg = NULL;
	a->n_reg = 0;
}

static void clear_out(flowagent *a)
{
	free(a->out.body);
	free(a->out.missing);
	memset(&a->out, 0, sizeof a->out);
}

void flowagent_free(flowagent *a)
{
	if (a == NULL)
		return;
	for (size_t i = 0; i < a->n_members; i++)
		free(a->members[i]);
	free(a->members);
	for (size_t i = 0; i < a->n_topics; i++)
		free(a->topics[i]);
	free(a->topics);
	neto_strmap_free(&a->member_idx);
	for (size_t i = 0; i < a->n_wins; i++)
		win_free(&a->wins[i]);
	free(a->wins);
	flowagent_smoother_free(&a->sm);
	clear_out(a);
	drop_registry(a);
	free(a->name);
	free(a->parent);
	free(a->out_topic);
	free(a);
}

const flowagent_stats *flowagent_stats_get(const flowagent *a)
{
	return &a->stats;
}

double flowagent_unit_bits(const char *unit)
{
	static const struct {
		const char *name;
		double bits;
	} units[] = { { "bps", 1 }, { "kbps", 1e3 }, { "mbps", 1e6 }, { "gbps", 1e9 }, { "tbps", 1e12 } };
	if (unit == NULL)
		return 0;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strcasecmp(unit, units[i].name) == 0)
			return units[i].bits;
	return 0;
}

/* ---- windows ------------------------------------------------------------- */

/* Start of the window that holds t. */
static int64_t align(int64_t t, int64_t window)
{
	int64_t r = t % window;
	return r < 0 ? t - r - window : t - r;
}

static win *find_win(flowagent *a, int64_t start)
{
	for (size_t i = 0; i < a->n_wins; i++)
		if (a->wins[i].start == start)
			return &a->wins[i];
	return NULL;
}

static win *get_win(flowagent *a, int64_t start)
{
	win *w = find_win(a, start);
	if (w != NULL)
		return w;
	a->wins = neto_reallocarray(a->wins, a->n_wins + 1, sizeof *a->wins);
	w = &a->wins[a->n_wins++];
	memset(w, 0, sizeof *w);
	w->start = start;
	flowagent_matrix_init(&w->m);
	flowagent_matrix_init(&w->covered);
	flowagent_matrix_init(&w->missing);
	w->seen = neto_calloc(a->n_members, sizeof *w->seen);
	return w;
}

/* Drops every window that starts before `before`. */
static void drop_wins_before(flowagent *a, int64_t before)
{
	size_t k = 0;
	for (size_t i = 0; i < a->n_wins; i++) {
		if (a->wins[i].start < before)
			win_free(&a->wins[i]);
		else
			a->wins[k++] = a->wins[i];
	}
	a->n_wins = k;
}

/* ---- state in the store -------------------------------------------------- */

static const char *kind_name(flowagent_kind k)
{
	return k == FLOWAGENT_LEAF ? "leaf" : "parent";
}

static int save_state(flowagent *a, int64_t next, int64_t now)
{
	char sm[64];
	flowagent_smoothing_str(&a->smoothing, sm, sizeof sm);
	json_t *o = json_pack("{s:i, s:s, s:I, s:f, s:I, s:s}", "v", STATE_VERSION, "kind",
			      kind_name(a->kind), "window_ms", (json_int_t)a->window,
			      "bits_per_unit", a->bits, "next", (json_int_t)next, "smoothing", sm);
	json_object_set_new(o, "smoother", flowagent_smoother_save(&a->sm));
	char *body = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	neto_err e2;
	int rc = store_kv_put(a->st, FLOWAGENT_KV_NS, a->name, body, strlen(body), now, &e2);
	free(body);
	if (rc != 0) {
		/* the smoother may be ahead of the store: reload before going on */
		a->loaded = false;
		return store_failed(a, &e2);
	}
	return 0;
}

static bool same_smoothing(const flowagent_smoothing *x, const flowagent_smoothing *y)
{
	return x->kind == y->kind &&
	       (x->kind != FLOWAGENT_SMOOTH_EWMA || x->alpha == y->alpha) &&
	       (x->kind != FLOWAGENT_SMOOTH_PCT || (x->pct == y->pct && x->windows == y->windows));
}

/* Applies a stored state document; returns 0, or -1 when it does not fit
 * this agent (nothing applied, *why set). */
static int apply_state(flowagent *a, const char *body, size_t len, const char **why)
{
	json_error_t je;
	json_t *o = json_loadb(body, len, 0, &je);
	json_t *v = json_object_get(o, "v"), *k = json_object_get(o, "kind");
	json_t *w = json_object_get(o, "window_ms"), *b = json_object_get(o, "bits_per_unit");
	json_t *n = json_object_get(o, "next"), *s = json_object_get(o, "smoothing");
	int rc = -1;
	if (!json_is_integer(v) || json_integer_value(v) != STATE_VERSION || !json_is_string(k) ||
	    !json_is_integer(w) || !json_is_number(b) || !json_is_integer(n) ||
	    !json_is_string(s) || json_integer_value(n) < 0) {
		*why = "not a state this version reads";
	} else if (strcmp(json_string_value(k), kind_name(a->kind)) != 0) {
		*why = "written by an agent of the other kind";
	} else if (json_integer_value(w) != a->window || json_number_value(b) != a->bits) {
		*why = "written with another window or unit";
	} else {
		rc = 0;
		a->next = align(json_integer_value(n), a->window);
		flowagent_smoothing was;
		neto_err e2;
		if (a->smoothing.kind != FLOWAGENT_SMOOTH_NONE) {
			if (flowagent_smoothing_parse(json_string_value(s), &was, &e2) != 0 ||
			    !same_smoothing(&was, &a->smoothing)) {
				*why = "written with other smoothing; smoothing starts afresh";
				rc = 1;
			} else if (flowagent_smoother_load(&a->sm, json_object_get(o, "smoother"),
							   &e2) != 0) {
				*why = "smoothing state unreadable; smoothing starts afresh";
				rc = 1;
			}
		}
	}
	json_decref(o);
	return rc;
}

static int load_state(flowagent *a, int64_t now)
{
	char *body;
	size_t len;
	int64_t updated;
	neto_err e2;
	if (store_kv_get(a->st, FLOWAGENT_KV_NS, a->name, &body, &len, &updated, &e2) != 0)
		return store_failed(a, &e2);
	flowagent_smoother_free(&a->sm);
	flowagent_smoother_init(&a->sm, &a->smoothing);
	/* Without a stored state: the oldest window that may still be open,
	 * so that what is already queued for it is not lost. */
	int64_t fresh_next = align(now - a->window - a->wait, a->window) + a->window;
	a->next = fresh_next;
	a->fresh_before = align(now, a->window);
	if (body != NULL) {
		const char *why = NULL;
		int rc = apply_state(a, body, len, &why);
		if (rc < 0) {
			a->next = fresh_next;
			problem(a, "stored state ignored (%s); starting afresh", why);
		} else {
			a->fresh_before = INT64_MIN;
			if (rc > 0)
				problem(a, "stored state: %s", why);
		}
		free(body);
	}
	if (a->next < 0)
		a->next = 0;
	a->loaded = true;
	a->stats.next_window = a->next;
	return 0;
}

/* ---- heartbeat ------------------------------------------------------------ */

static json_t *name_array(char *const *v, size_t n)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, json_string(v[i]));
	return arr;
}

static int heartbeat(flowagent *a, int64_t now)
{
	if (now < a->next_heartbeat)
		return 0;
	char sm[64];
	flowagent_smoothing_str(&a->smoothing, sm, sizeof sm);
	json_t *o = json_pack("{s:s, s:s?, s:I}", "kind", kind_name(a->kind), "parent", a->parent,
			      "window_ms", (json_int_t)a->window);
	if (a->kind == FLOWAGENT_LEAF) {
		json_object_set_new(o, "exporters", name_array(a->members, a->n_members));
	} else {
		json_object_set_new(o, "children", name_array(a->members, a->n_members));
		json_object_set_new(o, "smoothing", json_string(sm));
	}
	char *info = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	neto_err e2;
	int rc = store_agent_heartbeat(a->st, a->name, "flow", NULL, info, now, &e2);
	free(info);
	if (rc != 0)
		return store_failed(a, &e2);
	a->next_heartbeat = now + a->heartbeat;
	return 0;
}

/* ---- output -------------------------------------------------------------- */

static int flush_out(flowagent *a, int64_t now)
{
	if (!a->out.pending)
		return 0;
	neto_err e2;
	int rc;
	if (a->out.demand) {
		int64_t id;
		rc = store_demand_put(a->st, a->out.at, a->out.body, a->out.len, a->out.missing, &id,
				      &e2);
	} else {
		rc = store_msg_put(a->st, a->out_topic, a->name, now, a->out.body, a->out.len, &e2);
	}
	if (rc != 0)
		return store_failed(a, &e2);
	clear_out(a);
	return 0;
}

/* Splits a copy of key "src,dst,cls" in place. */
static void split_key(char *k, const char **src, const char **dst, const char **cls)
{
	char *c1 = strchr(k, ',');
	char *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
	if (c1 == NULL || c2 == NULL) { /* never: keys come from checked names */
		*src = *dst = *cls = k;
		return;
	}
	*c1 = *c2 = '\0';
	*src = k;
	*dst = c1 + 1;
	*cls = c2 + 1;
}

/* Sorted names of a set. */
static const char **set_names(const flowagent_matrix *s)
{
	const char **v = neto_reallocarray(NULL, s->n + 1, sizeof *v);
	size_t *ord = flowagent_matrix_sorted(s);
	for (size_t i = 0; i < s->n; i++)
		v[i] = s->keys[ord[i]];
	free(ord);
	return v;
}

/* A partial of window `start` with the entries of m (rates). */
static int make_partial(flowagent *a, int64_t start, const flowagent_matrix *m,
			const flowagent_matrix *covered, const flowagent_matrix *missing,
			char **body, size_t *len)
{
	size_t *ord = flowagent_matrix_sorted(m);
	flowmsg_entry *e = neto_reallocarray(NULL, m->n + 1, sizeof *e);
	char **copies = neto_reallocarray(NULL, m->n + 1, sizeof *copies);
	size_t n = 0;
	for (size_t k = 0; k < m->n; k++) {
		size_t i = ord[k];
		if (!isfinite(m->val[i]) || m->val[i] < 0)
			continue;
		copies[n] = neto_strdup(m->keys[i]);
		split_key(copies[n], &e[n].src, &e[n].dst, &e[n].cls);
		e[n].rate = m->val[i];
		n++;
	}
	const char **cov = set_names(covered), **mis = set_names(missing);
	flowmsg_partial p = { .agent = a->name,
			      .start_ms = start,
			      .window_ms = a->window,
			      .bits_per_unit = a->bits,
			      .covered = cov,
			      .n_covered = covered->n,
			      .missing = mis,
			      .n_missing = missing->n,
			      .entries = e,
			      .n = n };
	neto_err e2;
	int rc = flowmsg_partial_encode(&p, body, len, &e2);
	if (rc != 0) /* never: every name was checked on the way in */
		problem(a, "window %lld: %s", (long long)start, e2.msg);
	for (size_t i = 0; i < n; i++)
		free(copies[i]);
	free(copies);
	free(e);
	free(cov);
	free(mis);
	free(ord);
	return rc;
}

/* The neto demand CSV of m (docs/formats.md, "Demands CSV"). */
static char *demand_csv(const flowagent_matrix *m, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	if (f == NULL)
		abort(); /* out of memory: the one policy (mem.h) */
	fputs("src,dst,class,rate\n", f);
	size_t *ord = flowagent_matrix_sorted(m);
	for (size_t k = 0; k < m->n; k++) {
		size_t i = ord[k];
		if (!isfinite(m->val[i]) || m->val[i] < 0)
			continue;
		fwrite(m->keys[i], 1, m->klen[i], f);
		fprintf(f, ",%.17g\n", m->val[i] == 0 ? 0.0 : m->val[i]);
	}
	free(ord);
	if (fclose(f) != 0)
		abort();
	return buf;
}

static char *join_names(const flowagent_matrix *s)
{
	if (s->n == 0)
		return NULL;
	const char **v = set_names(s);
	size_t total = 0;
	for (size_t i = 0; i < s->n; i++)
		total += strlen(v[i]) + 1;
	char *out = neto_malloc(total);
	size_t pos = 0;
	for (size_t i = 0; i < s->n; i++) {
		size_t l = strlen(v[i]);
		memcpy(out + pos, v[i], l);
		pos += l;
		out[pos++] = i + 1 < s->n ? ',' : '\0';
	}
	free(v);
	return out;
}

/*
 * Closes window `start` with its merged matrix m (rates), the covered and
 * missing names (a name in both counts as missing: part of its share is),
 * in the order of the file comment: smooth, save the state, write. Takes
 * the three matrices (frees them).
 */
static int emit(flowagent *a, int64_t start, flowagent_matrix *m, flowagent_matrix *covered,
		flowagent_matrix *missing, int64_t now)
{
	flowagent_matrix cov, out;
	flowagent_matrix_init(&cov);
	flowagent_matrix_init(&out);
	for (size_t i = 0; i < covered->n; i++) {
		double dummy;
		if (!flowagent_matrix_get(missing, covered->keys[i], covered->klen[i], &dummy))
			flowagent_matrix_add(&cov, covered->keys[i], covered->klen[i], 0);
	}
	flowagent_smoother_step(&a->sm, m, missing->n == 0, &out);
	char *body = NULL, *miss = NULL;
	size_t len = 0;
	int rc = 0;
	if (a->out_topic == NULL) {
		body = demand_csv(&out, &len);
		miss = join_names(missing);
	} else {
		rc = make_partial(a, start, &out, &cov, missing, &body, &len);
	}
	flowagent_matrix_free(m);
	flowagent_matrix_free(covered);
	flowagent_matrix_free(missing);
	flowagent_matrix_free(&cov);
	flowagent_matrix_free(&out);
	if (rc == 0 && save_state(a, start + a->window, now) != 0)
		rc = -1;
	if (rc != 0) {
		a->loaded = false; /* the smoother stepped: reload it with the window */
		free(body);
		free(miss);
		return -1;
	}
	a->out = (unsent){ .pending = true,
			   .demand = a->out_topic == NULL,
			   .at = start + a->window,
			   .body = body,
			   .len = len,
			   .missing = miss };
	a->next = start + a->window;
	drop_wins_before(a, a->next);
	a->stats.windows++;
	a->stats.next_window = a->next;
	return flush_out(a, now);
}

/* ---- leaf ---------------------------------------------------------------- */

static void handle_batch(flowagent *a, size_t ex, const store_msg *m, int64_t now)
{
	char what[320];
	snprintf(what, sizeof what, "%s message %lld", a->topics[ex], (long long)m->id);
	flowmsg_batch b;
	neto_err e2;
	if (flowmsg_batch_decode(&b, m->body, m->len, what, &e2) != 0) {
		a->stats.rejected++;
		problem(a, "%s", e2.msg);
		return;
	}
	const char *bad = NULL;
	if (strcmp(b.exporter, a->members[ex]) != 0)
		bad = "the batch names another exporter";
	else if (b.window_ms != a->window)
		bad = "window length differs from this agent's";
	else if (b.start_ms % a->window != 0)
		bad = "window start is not a multiple of the window length";
	else if (b.start_ms > now + a->window)
		bad = "window starts in the future";
	if (bad != NULL) {
		a->stats.rejected++;
		problem(a, "%s: %s (window %lld + %lld ms)", what, bad, (long long)b.start_ms,
			(long long)b.window_ms);
	} else if (b.start_ms < a->next) {
		a->stats.late++;
		problem(a, "%s: late: window %lld is closed, dropped", what, (long long)b.start_ms);
	} else {
		win *w = get_win(a, b.start_ms);
		w->seen[ex] = true;
		for (size_t i = 0; i < b.n; i++) {
			const flowmsg_record *r = &b.recs[i];
			if (strcmp(r->ingress, r->egress) == 0) {
				a->stats.local_records++;
				continue;
			}
			flowagent_matrix_add3(&w->m, r->ingress, r->egress, r->cls,
					      (double)r->bytes * (double)b.sampling);
			a->stats.records++;
		}
		a->stats.messages++;
	}
	flowmsg_batch_free(&b);
}

/* A window from before a fresh start that received nothing: passed over
 * without output. */
static bool pass_over(flowagent *a, const win *w)
{
	if (w != NULL || a->next >= a->fresh_before)
		return false;
	a->next += a->window;
	a->stats.next_window = a->next;
	return true;
}

static int close_leaf_window(flowagent *a, int64_t now)
{
	int64_t start = a->next;
	win *w = find_win(a, start);
	if (pass_over(a, w))
		return 0;
	flowagent_matrix rates, covered, missing;
	flowagent_matrix_init(&rates);
	flowagent_matrix_init(&covered);
	flowagent_matrix_init(&missing);
	/* bytes -> rate in the topology's unit */
	double scale = 8000.0 / ((double)a->window * a->bits);
	if (w != NULL)
		for (size_t i = 0; i < w->m.n; i++)
			flowagent_matrix_add(&rates, w->m.keys[i], w->m.klen[i], w->m.val[i] * scale);
	for (size_t i = 0; i < a->n_members; i++)
		flowagent_matrix_add(w && w->seen[i] ? &covered : &missing, a->members[i],
				     strlen(a->members[i]), 0);
	return emit(a, start, &rates, &covered, &missing, now);
}

/* ---- parent -------------------------------------------------------------- */

static void handle_partial(flowagent *a, const store_msg *m, int64_t now)
{
	char what[320];
	snprintf(what, sizeof what, "%s message %lld", a->topics[0], (long long)m->id);
	flowmsg_partial p;
	neto_err e2;
	if (flowmsg_partial_decode(&p, m->body, m->len, what, &e2) != 0) {
		a->stats.rejected++;
		problem(a, "%s", e2.msg);
		return;
	}
	uint32_t c;
	const char *bad = NULL;
	if (!neto_strmap_get(&a->member_idx, p.agent, strlen(p.agent), &c))
		bad = "the sender is not a child of this agent";
	else if (p.window_ms != a->window)
		bad = "window length differs from this agent's";
	else if (p.bits_per_unit != a->bits)
		bad = "bits per unit differ from this agent's";
	else if (p.start_ms % a->window != 0)
		bad = "window start is not a multiple of the window length";
	else if (p.start_ms > now + a->window)
		bad = "window starts in the future";
	if (bad != NULL) {
		a->stats.rejected++;
		problem(a, "%s from %s: %s", what, p.agent, bad);
	} else if (p.start_ms < a->next) {
		a->stats.late++;
		problem(a, "%s: late partial of %s for window %lld, dropped", what, p.agent,
			(long long)p.start_ms);
	} else {
		win *w = get_win(a, p.start_ms);
		if (w->seen[c]) {
			a->stats.duplicates++;
			problem(a, "%s: second partial of %s for window %lld, dropped", what,
				p.agent, (long long)p.start_ms);
		} else {
			w->seen[c] = true;
			for (size_t i = 0; i < p.n; i++)
				flowagent_matrix_add3(&w->m, p.entries[i].src, p.entries[i].dst,
						      p.entries[i].cls, p.entries[i].rate);
			for (size_t i = 0; i < p.n_covered; i++)
				flowagent_matrix_add(&w->covered, p.covered[i], strlen(p.covered[i]),
						     0);
			for (size_t i = 0; i < p.n_missing; i++)
				flowagent_matrix_add(&w->missing, p.missing[i], strlen(p.missing[i]),
						     0);
			a->stats.messages++;
		}
	}
	flowmsg_partial_free(&p);
}

static const store_agent *registry_find(const flowagent *a, const char *name)
{
	for (size_t i = 0; i < a->n_reg; i++)
		if (strcmp(a->reg[i].name, name) == 0 && a->reg[i].role != NULL &&
		    strcmp(a->reg[i].role, "flow") == 0)
			return &a->reg[i];
	return NULL;
}

/* Adds NAME and everything the registry says is under it. */
static void add_subtree(const flowagent *a, const char *name, flowagent_matrix *out, int depth)
{
	size_t before = out->n;
	flowagent_matrix_add(out, name, strlen(name), 0);
	if (out->n == before || depth >= MAX_TREE_DEPTH) /* seen already: a cycle */
		return;
	const store_agent *ag = registry_find(a, name);
	if (ag == NULL || ag->info == NULL)
		return;
	json_t *info = json_loads(ag->info, 0, NULL);
	json_t *ex = json_object_get(info, "exporters");
	json_t *ch = json_object_get(info, "children");
	for (size_t i = 0; i < json_array_size(ex); i++) {
		json_t *e = json_array_get(ex, i);
		if (json_is_string(e) && flowmsg_name_ok(json_string_value(e), json_string_length(e)))
			flowagent_matrix_add(out, json_string_value(e), json_string_length(e), 0);
	}
	for (size_t i = 0; i < json_array_size(ch); i++) {
		json_t *e = json_array_get(ch, i);
		if (json_is_string(e) && flowmsg_name_ok(json_string_value(e), json_string_length(e)))
			add_subtree(a, json_string_value(e), out, depth + 1);
	}
	json_decref(info);
}

static int close_parent_window(flowagent *a, int64_t now, bool *closed)
{
	*closed = false;
	int64_t start = a->next;
	win *w = find_win(a, start);
	bool all = w != NULL;
	for (size_t i = 0; all && i < a->n_members; i++)
		all = w->seen[i];
	if (!all && now < start + a->window + a->wait)
		return 0;
	if (pass_over(a, w)) {
		*closed = true;
		return 0;
	}
	flowagent_matrix missing, covered;
	flowagent_matrix_init(&missing);
	flowagent_matrix_init(&covered);
	if (w != NULL) {
		flowagent_matrix_copy(&missing, &w->missing);
		flowagent_matrix_copy(&covered, &w->covered);
	}
	if (!all && !a->have_registry) {
		neto_err e2;
		if (store_agent_list(a->st, &a->reg, &a->n_reg, &e2) != 0) {
			flowagent_matrix_free(&missing);
			flowagent_matrix_free(&covered);
			return store_failed(a, &e2);
		}
		a->have_registry = true;
	}
	for (size_t i = 0; i < a->n_members; i++)
		if (w == NULL || !w->seen[i])
			add_subtree(a, a->members[i], &missing, 0);
	flowagent_matrix m;
	flowagent_matrix_init(&m);
	if (w != NULL)
		flowagent_matrix_copy(&m, &w->m);
	if (emit(a, start, &m, &covered, &missing, now) != 0)
		return -1;
	*closed = true;
	return 0;
}

/* ---- tick ---------------------------------------------------------------- */

static int take(flowagent *a, int64_t now)
{
	for (size_t t = 0; t < a->n_topics; t++) {
		store_msg *v;
		size_t n;
		neto_err e2;
		if (store_msg_take(a->st, a->topics[t], now, FLOWAGENT_TAKE_LIMIT, &v, &n, &e2) != 0)
			return store_failed(a, &e2);
		for (size_t i = 0; i < n; i++) {
			if (a->kind == FLOWAGENT_LEAF)
				handle_batch(a, t, &v[i], now);
			else
				handle_partial(a, &v[i], now);
		}
		store_msg_free(v, n);
	}
	return 0;
}

/* An agent that fell far behind (stopped, or a clock jump) starts again
 * with the last window that has ended. */
static void catch_up(flowagent *a, int64_t now)
{
	int64_t cur = align(now, a->window);
	if (a->next >= cur - FLOWAGENT_MAX_BACKLOG * a->window)
		return;
	int64_t to = cur - a->window;
	int64_t skipped = (to - a->next) / a->window;
	a->stats.skipped += (uint64_t)skipped;
	problem(a, "%lld windows behind: skipped to window %lld", (long long)skipped,
		(long long)to);
	a->next = to;
	a->stats.next_window = to;
	drop_wins_before(a, to);
}

int flowagent_tick(flowagent *a, int64_t now_ms, neto_err *err)
{
	a->err = err;
	a->rc = 0;
	drop_registry(a);
	if (flush_out(a, now_ms) != 0)
		return -1;
	if (!a->loaded && load_state(a, now_ms) != 0)
		return -1;
	if (heartbeat(a, now_ms) != 0)
		return -1;
	catch_up(a, now_ms);
	if (take(a, now_ms) != 0)
		return -1;
	for (int k = 0; k < FLOWAGENT_CLOSE_LIMIT; k++) {
		if (a->kind == FLOWAGENT_LEAF) {
			if (now_ms < a->next + a->window + a->wait)
				break;
			if (close_leaf_window(a, now_ms) != 0)
				return -1;
		} else {
			bool closed;
			if (close_parent_window(a, now_ms, &closed) != 0)
				return -1;
			if (!closed)
				break;
		}
	}
	drop_registry(a);
	return a->rc;
}
