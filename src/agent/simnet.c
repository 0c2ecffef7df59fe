/*
 * simnet.c - the simulated WAN as a role (simnet.h).
 */
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "agent/flowmsg.h"
#include "agent/simnet.h"
#include "ctl/scheduler.h"
#include "lib/file.h"
#include "lib/mem.h"
#include "lib/text.h"
#include "topo/topo_io.h"

typedef struct pending_req {
	uint64_t id;
	char *router, *policy;
	char *requested;	/* JSON text, NULL for a removal */
} pending_req;

struct simnet {
	simnet_config cfg;
	store *st;
	topo t;
	class_set cs;
	demand_series ser;
	sim *s;
	sim_scenario *sc;
	int64_t start;
	size_t hour;
	int64_t next_telemetry;
	bool *link_up;		/* as last logged */
	pending_req *pr;
	size_t n_pr;
	sim_totals last;
};

static void logn(simnet *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logn(simnet *n, const char *fmt, ...)
{
	if (n->cfg.log == NULL)
		return;
	va_list ap;
	va_start(ap, fmt);
	vfprintf(n->cfg.log, fmt, ap);
	va_end(ap);
	fflush(n->cfg.log);
}

const class_set *simnet_classes(const simnet *n)
{
	return &n->cs;
}

const topo *simnet_topo(simnet *n)
{
	for (uint32_t l = 0; l < n->t.n_links; l++)
		n->t.links[l].up = sim_link_up(n->s, l);
	return &n->t;
}

void simnet_totals(const simnet *n, sim_totals *tot, size_t *hour)
{
	*tot = n->last;
	*hour = n->hour;
}

static const char default_classes[] = "name,priority,paths,latency\n"
				      "gold,0,4,low\n"
				      "silver,1,4,low\n"
				      "bronze,2,4,any\n";

/* abilene_hourly.txt: line k is hour k (1-based); each line holds the
 * n x n matrix row by row, entry (i, j) the traffic from host i to host j,
 * host i attached to node i-1. Hours before abilene_start are skipped. */
static int read_abilene(simnet *n, const char *buf, size_t len, neto_err *err)
{
	const char *f = n->cfg.series;
	uint32_t nn = n->t.n_nodes, first = n->cfg.abilene_start ? n->cfg.abilene_start : 1;
	uint32_t cls = class_lowest(&n->cs);
	if (neto_text_check_nul(buf, len, f, err) != 0)
		return -1;
	if (nn > 4096)
		return neto_err_set(err, "%s: a %u-node topology is too large for a full matrix", f,
				    nn);
	size_t want = (size_t)nn * nn;
	neto_span *fields = neto_calloc(want + 1, sizeof *fields);
	neto_lines lc;
	neto_span line;
	neto_lines_init(&lc, buf, len);
	int rc = 0;
	while (rc == 0 && neto_lines_next(&lc, &line)) {
		if (lc.lineno < first || line.len == 0)
			continue;
		size_t nf = neto_split(line, 0, fields, want);
		if (nf != want) {
			rc = neto_err_at(err, f, lc.lineno,
					 "expected %zu numbers (a %u x %u matrix), found %s%zu", want,
					 nn, nn, nf > want ? "more than " : "", nf > want ? want : nf);
			break;
		}
		n->ser.v = neto_reallocarray(n->ser.v, n->ser.n + 1, sizeof *n->ser.v);
		demand_set *ds = &n->ser.v[n->ser.n++];
		demand_set_init(ds);
		for (size_t k = 0; k < want; k++) {
			double r;
			if (!neto_span_to_double(fields[k], &r) || r < 0) {
				rc = neto_err_at(err, f, lc.lineno, "entry %zu is not a rate >= 0",
						 k + 1);
				break;
			}
			uint32_t a = (uint32_t)(k / nn), b = (uint32_t)(k % nn);
			if (a != b && r > 0)
				demand_add(ds, a, b, cls, r);
		}
		if (n->ser.n >= DEMAND_SERIES_MAX)
			break;
	}
	free(fields);
	if (rc == 0 && n->ser.n == 0)
		rc = neto_err_set(err, "%s: no matrix from line %u on", f, first);
	if (rc != 0)
		demand_series_free(&n->ser);
	return rc;
}

static int read_inputs(simnet *n, neto_err *err)
{
	char *buf = NULL;
	size_t len = 0;
	if (neto_file_read(n->cfg.topology, &buf, &len, err) != 0)
		return -1;
	int rc = topo_parse(&n->t, TOPO_FMT_AUTO, buf, len, n->cfg.topology, NULL, err);
	free(buf);
	if (rc != 0)
		return -1;
	if (n->cfg.classes) {
		if (neto_file_read(n->cfg.classes, &buf, &len, err) != 0)
			return -1;
		rc = class_parse_csv(&n->cs, buf, len, n->cfg.classes, err);
		free(buf);
	} else {
		rc = class_parse_csv(&n->cs, default_classes, strlen(default_classes), "classes",
				     err);
	}
	if (rc != 0)
		return -1;
	if (n->cfg.series == NULL) {
		n->ser.n = 1;
		n->ser.v = neto_calloc(1, sizeof *n->ser.v);
		demand_set_init(&n->ser.v[0]);
		goto scenario;
	}
	if (neto_file_read(n->cfg.series, &buf, &len, err) != 0)
		return -1;
	if (n->cfg.abilene) {
		rc = read_abilene(n, buf, len, err);
		free(buf);
		if (rc != 0)
			return -1;
		goto scale;
	}
	/* a series has an "hour" column first; anything else is one matrix */
	size_t i = 0;
	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n' || buf[i] == '\r'))
		i++;
	if (len - i >= 5 && strncasecmp(buf + i, "hour,", 5) == 0) {
		rc = demand_series_parse(&n->ser, &n->t, &n->cs, buf, len, n->cfg.series, err);
	} else {
		n->ser.n = 1;
		n->ser.v = neto_calloc(1, sizeof *n->ser.v);
		demand_set_init(&n->ser.v[0]);
		rc = demand_parse(&n->ser.v[0], DEMAND_FMT_AUTO, &n->t, &n->cs, buf, len,
				  n->cfg.series, err);
		if (rc != 0)
			demand_series_free(&n->ser);
	}
	free(buf);
	if (rc != 0)
		return -1;
scale:
	for (size_t h = 0; h < n->ser.n; h++)
		for (size_t k = 0; k < n->ser.v[h].n; k++)
			n->ser.v[h].v[k].rate *= n->cfg.scale;
scenario:
	if (n->cfg.scenario) {
		if (neto_file_read(n->cfg.scenario, &buf, &len, err) != 0)
			return -1;
		rc = sim_scenario_parse(buf, len, &n->sc, err);
		free(buf);
		if (rc != 0) {
			/* "scenario:LINE:" -> name the file */
			char msg[sizeof err->msg];
			snprintf(msg, sizeof msg, "%s", err->msg);
			neto_err_set(err, "%s: %s", n->cfg.scenario, msg);
			return -1;
		}
	}
	return 0;
}

/* A simulator that starts is a network whose routers just booted: they hold
 * no policy of neto's. What the store remembers of an earlier run (policy
 * states, installed state) is reported gone, as routers would report it. */
static int reboot(simnet *n, int64_t now, neto_err *err)
{
	store_kv *kv = NULL;
	size_t nkv = 0;
	if (store_kv_list(n->st, "sim.dev", &kv, &nkv, err) != 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < nkv && rc == 0; i++)
		rc = store_kv_delete(n->st, "sim.dev", kv[i].key, err);
	store_kv_free(kv, nkv);
	store_installed *in = NULL;
	size_t ni = 0;
	if (rc == 0 && store_installed_list(n->st, &in, &ni, err) != 0)
		return -1;
	for (size_t i = 0; i < ni && rc == 0; i++)
		if (topo_find_node(&n->t, in[i].router, strlen(in[i].router)) != TOPO_NONE)
			rc = store_installed_set(n->st, in[i].router, in[i].policy, NULL,
						 "simulator started: the router holds no policy", now,
						 err);
	store_installed_free(in, ni);
	return rc;
}

int simnet_new(simnet **out, store *st, const simnet_config *cfg, int64_t start, neto_err *err)
{
	simnet *n = neto_calloc(1, sizeof *n);
	n->cfg = *cfg;
	if (!(n->cfg.scale > 0))
		n->cfg.scale = 1;
	if (!(n->cfg.speedup > 0))
		n->cfg.speedup = 1;
	if (n->cfg.hour_ms <= 0)
		n->cfg.hour_ms = 60000;
	if (n->cfg.telemetry_ms <= 0)
		n->cfg.telemetry_ms = 1000;
	if (n->cfg.agent_timeout_ms <= 0)
		n->cfg.agent_timeout_ms = 3000;
	n->st = st;
	n->start = start;
	n->hour = SIZE_MAX;
	topo_init(&n->t);
	class_set_init(&n->cs);
	demand_series_init(&n->ser);
	*out = NULL;
	if (read_inputs(n, err) != 0)
		goto fail;
	n->s = sim_new(&n->t, n->cfg.seed, &n->cfg.params, err);
	if (n->s == NULL)
		goto fail;
	if (n->sc && sim_load_scenario(n->s, n->sc, err) != 0)
		goto fail;
	if (reboot(n, start, err) != 0)
		goto fail;
	n->link_up = neto_calloc(n->t.n_links, sizeof *n->link_up);
	for (uint32_t l = 0; l < n->t.n_links; l++)
		n->link_up[l] = sim_link_up(n->s, l);
	*out = n;
	return 0;
fail:
	simnet_free(n);
	return -1;
}

void simnet_free(simnet *n)
{
	if (n == NULL)
		return;
	for (size_t i = 0; i < n->n_pr; i++) {
		free(n->pr[i].router);
		free(n->pr[i].policy);
		free(n->pr[i].requested);
	}
	free(n->pr);
	free(n->link_up);
	if (n->s)
		sim_free(n->s);
	if (n->sc)
		sim_scenario_free(n->sc);
	demand_series_free(&n->ser);
	class_set_free(&n->cs);
	topo_free(&n->t);
	free(n);
}

static char *dev_key(const char *router, const char *policy)
{
	char *k = neto_malloc(strlen(router) + strlen(policy) + 2);
	strcpy(k, router);
	strcat(k, "|");
	strcat(k, policy);
	return k;
}

/* What ROUTER reports for (dst, cls): the request's document with the
 * router's own links, weights and limits; NULL when it holds nothing. */
static json_t *readback(simnet *n, uint32_t router, uint32_t dst, const char *cls,
			const char *requested)
{
	const sim_installed *in = sim_policy_get(n->s, router, dst, cls);
	if (in == NULL)
		return NULL;
	json_error_t je;
	json_t *doc = requested ? json_loads(requested, 0, &je) : NULL;
	if (!json_is_object(doc)) {
		json_decref(doc);
		doc = json_pack("{s:s,s:s,s:s}", "src", n->t.nodes[router].name, "dst",
				n->t.nodes[dst].name, "class", cls);
	}
	const json_t *old = json_object_get(doc, "paths");
	json_t *paths = json_array();
	for (uint32_t i = 0; i < in->policy.n_lists; i++) {
		const sim_seglist *sl = &in->policy.lists[i];
		json_t *links = json_array();
		for (uint32_t k = 0; k < sl->n_links; k++)
			json_array_append_new(links, json_string(n->t.links[sl->links[k]].id));
		json_t *p = json_pack("{s:o,s:f}", "links", links, "weight", sl->weight);
		if (sl->limited)
			json_object_set_new(p, "limit", json_real(sl->rate_limit));
		/* what the router does not hold, it reports as it was asked */
		const json_t *op = json_array_get(old, i);
		const json_t *segs = json_object_get(op, "segments");
		const json_t *rate = json_object_get(op, "rate");
		if (segs)
			json_object_set_new(p, "segments", json_deep_copy(segs));
		if (rate)
			json_object_set_new(p, "rate", json_deep_copy(rate));
		json_array_append_new(paths, p);
	}
	json_object_set_new(doc, "paths", paths);
	return doc;
}

static int put_dev(simnet *n, const char *router, const char *policy, const char *requested,
		   const char *state, const char *reason, json_t *installed, int64_t now,
		   neto_err *err)
{
	json_error_t je;
	json_t *req = requested ? json_loads(requested, 0, &je) : NULL;
	json_t *o = json_pack("{s:o,s:s,s:o}", "requested", req ? req : json_null(), "state", state,
			      "installed", installed ? installed : json_null());
	if (reason)
		json_object_set_new(o, "reason", json_string(reason));
	char *text = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(17));
	json_decref(o);
	char *key = dev_key(router, policy);
	int rc = store_kv_put(n->st, "sim.dev", key, text, strlen(text), now, err);
	free(key);
	free(text);
	return rc;
}

/* "DST/CLASS" -> dst index and class name (into cls, size n). */
static bool split_policy(const simnet *n, const char *policy, uint32_t *dst, char *cls, size_t sz)
{
	const char *slash = strchr(policy, '/');
	if (slash == NULL || slash == policy || slash[1] == '\0' || strlen(slash + 1) >= sz)
		return false;
	*dst = topo_find_node(&n->t, policy, (size_t)(slash - policy));
	strcpy(cls, slash + 1);
	return *dst != TOPO_NONE;
}

/* The desired state as the simulator's policy; lists and links are stored
 * in *lists and *links (caller frees). */
static const char *to_sim_policy(simnet *n, const json_t *des, sim_policy *p, sim_seglist **lists,
				 uint32_t **links)
{
	const json_t *paths = json_object_get(des, "paths");
	size_t np = json_array_size(paths), total = 0;
	if (!json_is_array(paths) || np == 0 || np > SIM_MAX_LISTS)
		return "desired state: 1..64 paths expected";
	for (size_t i = 0; i < np; i++)
		total += json_array_size(json_object_get(json_array_get(paths, i), "links"));
	*lists = neto_calloc(np, sizeof **lists);
	*links = neto_calloc(total + 1, sizeof **links);
	size_t at = 0;
	for (size_t i = 0; i < np; i++) {
		const json_t *pa = json_array_get(paths, i);
		const json_t *ls = json_object_get(pa, "links");
		const json_t *w = json_object_get(pa, "weight"), *r = json_object_get(pa, "rate");
		const json_t *lim = json_object_get(pa, "limit");
		if (!json_is_array(ls) || json_array_size(ls) == 0)
			return "desired state: a path without links";
		sim_seglist *sl = &(*lists)[i];
		sl->links = *links + at;
		for (size_t k = 0; k < json_array_size(ls); k++) {
			const char *id = json_string_value(json_array_get(ls, k));
			uint32_t l = id ? topo_find_link(&n->t, id, strlen(id)) : TOPO_NONE;
			if (l == TOPO_NONE)
				return "desired state: unknown link";
			(*links)[at++] = l;
		}
		sl->n_links = (uint32_t)json_array_size(ls);
		sl->weight = json_is_number(w) ? json_number_value(w)
			     : json_is_number(r) ? json_number_value(r)
						 : 1;
		if (!(sl->weight > 0))
			sl->weight = 1e-9;
		if (json_is_number(lim)) {
			sl->limited = true;
			sl->rate_limit = json_number_value(lim);
		}
	}
	p->lists = *lists;
	p->n_lists = (uint32_t)np;
	return NULL;
}

static int take_requests(simnet *n, int64_t now, int64_t tsim, neto_err *err)
{
	store_msg *m = NULL;
	size_t nm = 0;
	if (store_msg_take(n->st, "sim.req", now, 10000, &m, &nm, err) != 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < nm && rc == 0; i++) {
		json_error_t je;
		json_t *o = json_loadb(m[i].body, m[i].len, 0, &je);
		const char *op = json_string_value(json_object_get(o, "op"));
		const char *router = json_string_value(json_object_get(o, "router"));
		const char *policy = json_string_value(json_object_get(o, "policy"));
		const json_t *des = json_object_get(o, "desired");
		uint32_t r = router ? topo_find_node(&n->t, router, strlen(router)) : TOPO_NONE;
		uint32_t dst = TOPO_NONE;
		char cls[SIM_CLASS_MAX + 1];
		if (op == NULL || r == TOPO_NONE || policy == NULL ||
		    !split_policy(n, policy, &dst, cls, sizeof cls)) {
			logn(n, "sim: ignored a malformed request\n");
			json_decref(o);
			continue;
		}
		bool apply = strcmp(op, "apply") == 0;
		char *requested = apply && des ? json_dumps(des, JSON_COMPACT | JSON_REAL_PRECISION(17))
					       : NULL;
		uint64_t id = 0;
		neto_err rerr;
		const char *bad = NULL;
		int src = 0;
		if (apply) {
			sim_policy p;
			sim_seglist *lists = NULL;
			uint32_t *links = NULL;
			bad = to_sim_policy(n, des, &p, &lists, &links);
			if (bad == NULL)
				src = sim_request_apply(n->s, r, dst, cls, &p, tsim, &id, &rerr);
			free(lists);
			free(links);
		} else {
			src = sim_request_remove(n->s, r, dst, cls, tsim, &id, &rerr);
		}
		if (bad == NULL && src != 0)
			bad = rerr.msg;
		json_t *inst = readback(n, r, dst, cls, NULL);
		if (bad) {
			/* the router refuses a request it cannot read */
			rc = put_dev(n, router, policy, requested, "rejected", bad, inst, now, err);
			free(requested);
		} else {
			rc = put_dev(n, router, policy, requested, "pending", NULL, inst, now, err);
			n->pr = neto_reallocarray(n->pr, n->n_pr + 1, sizeof *n->pr);
			n->pr[n->n_pr++] = (pending_req){ .id = id,
							  .router = neto_strdup(router),
							  .policy = neto_strdup(policy),
							  .requested = requested };
		}
		json_decref(o);
	}
	store_msg_free(m, nm);
	return rc;
}

static pending_req *find_pr(simnet *n, uint64_t id)
{
	for (size_t i = 0; i < n->n_pr; i++)
		if (n->pr[i].id == id)
			return &n->pr[i];
	return NULL;
}

static void drop_pr(simnet *n, pending_req *p)
{
	free(p->router);
	free(p->policy);
	free(p->requested);
	*p = n->pr[--n->n_pr];
}

static int handle_reports(simnet *n, int64_t now, neto_err *err)
{
	sim_report *v = NULL;
	size_t nv = 0;
	sim_reports(n->s, &v, &nv);
	int rc = 0;
	for (size_t i = 0; i < nv && rc == 0; i++) {
		const sim_report *r = &v[i];
		const char *router = n->t.nodes[r->router].name;
		if (r->kind == SIM_RPT_EXPIRED) {
			char *policy = neto_malloc(strlen(n->t.nodes[r->dst].name) + strlen(r->cls) + 2);
			sprintf(policy, "%s/%s", n->t.nodes[r->dst].name, r->cls);
			logn(n, "sim: %s dropped policy %s: controller session timed out\n", router,
			     policy);
			rc = put_dev(n, router, policy, NULL, "expired", "controller session timed out",
				     NULL, now, err);
			if (rc == 0)
				rc = store_installed_set(n->st, router, policy, NULL,
							 "policy expired: controller session lost", now,
							 err);
			free(policy);
			continue;
		}
		pending_req *p = find_pr(n, r->request_id);
		if (p == NULL)
			continue;
		if (r->kind == SIM_RPT_REJECTED) {
			sim_req_info info;
			neto_err e2;
			const char *why = "rejected by the router";
			if (sim_request_info(n->s, r->request_id, &info, &e2) == 0 && info.reason)
				why = info.reason;
			rc = put_dev(n, router, p->policy, p->requested, "rejected", why,
				     readback(n, r->router, r->dst, r->cls, NULL), now, err);
		} else {
			rc = put_dev(n, router, p->policy, p->requested, "installed", NULL,
				     readback(n, r->router, r->dst, r->cls, p->requested), now, err);
		}
		drop_pr(n, p);
	}
	free(v);
	return rc;
}

/* The controller session of a router stays up while a live updating agent
 * covers it. */
static int refresh_sessions(simnet *n, int64_t now, int64_t tsim, neto_err *err)
{
	store_agent *a = NULL;
	size_t na = 0;
	if (store_agent_list(n->st, &a, &na, err) != 0)
		return -1;
	for (uint32_t v = 0; v < n->t.n_nodes; v++) {
		bool covered = false;
		for (size_t i = 0; i < na && !covered; i++)
			covered = strcmp(a[i].role, "update") == 0 &&
				  now - a[i].heartbeat <= n->cfg.agent_timeout_ms &&
				  sched_router_allowed(a[i].routers, n->t.nodes[v].name);
		neto_err e2;
		if (covered)
			(void)sim_session_refresh(n->s, v, tsim, &e2); /* dropped: stays down */
	}
	store_agent_free(a, na);
	return 0;
}

static int telemetry(simnet *n, int64_t now, int64_t tsim, neto_err *err)
{
	uint32_t L = n->t.n_links;
	double *load = neto_calloc(L + 1, sizeof *load);
	double *util = neto_calloc(L + 1, sizeof *util);
	int rc = sim_loads(n->s, tsim, load, util, &n->last, err);
	if (rc == 0) {
		json_t *links = json_array();
		for (uint32_t l = 0; l < L; l++) {
			const topo_link *k = &n->t.links[l];
			json_array_append_new(
				links, json_pack("{s:s,s:s,s:s,s:f,s:f,s:f,s:b}", "id", k->id, "src",
						 n->t.nodes[k->src].name, "dst", n->t.nodes[k->dst].name,
						 "capacity", k->capacity, "load", load[l], "utilization",
						 util[l], "up", sim_link_up(n->s, l)));
		}
		const sim_totals *t = &n->last;
		json_t *o = json_pack("{s:I,s:i,s:o,s:{s:f,s:f,s:f,s:f,s:f,s:i,s:f}}", "at",
				      (json_int_t)now, "hour", (int)n->hour, "links", links, "totals",
				      "offered", t->offered, "carried", t->carried, "dropped",
				      t->dropped, "throttled", t->throttled, "steered", t->steered,
				      "overloaded_links", (int)t->n_overloaded, "max_utilization",
				      t->max_util);
		char *text = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(17));
		json_decref(o);
		rc = store_kv_put(n->st, "telemetry", "links", text, strlen(text), now, err);
		free(text);
	}
	free(load);
	free(util);
	return rc;
}

static int export_flows(simnet *n, int64_t now, int64_t tsim, neto_err *err)
{
	sim_flow *f = NULL;
	size_t nf = 0;
	if (sim_flows(n->s, tsim, &f, &nf, err) != 0)
		return -1;
	int rc = 0;
	flowmsg_record *recs = neto_calloc(nf + 1, sizeof *recs);
	for (size_t i = 0; i < nf && rc == 0;) {
		/* one batch per (exporter, window) */
		size_t j = i;
		while (j < nf && f[j].exporter == f[i].exporter && f[j].start_ms == f[i].start_ms) {
			recs[j - i] = (flowmsg_record){ .ingress = n->t.nodes[f[j].ingress].name,
							.egress = n->t.nodes[f[j].egress].name,
							.cls = f[j].cls,
							.bytes = f[j].bytes,
							.packets = f[j].packets };
			j++;
		}
		const char *exp = n->t.nodes[f[i].exporter].name;
		flowmsg_batch b = { .exporter = exp,
				    .start_ms = n->start + f[i].start_ms,
				    .window_ms = f[i].end_ms - f[i].start_ms,
				    .sampling = f[i].sampling,
				    .recs = recs,
				    .n = j - i };
		char *text = NULL;
		size_t len = 0;
		if (flowmsg_batch_encode(&b, &text, &len, err) != 0) {
			rc = -1;
			break;
		}
		char topic[FLOWMSG_NAME_MAX + 8];
		snprintf(topic, sizeof topic, "flow.%s", exp);
		rc = store_msg_put(n->st, topic, exp, now, text, len, err);
		free(text);
		i = j;
	}
	free(recs);
	free(f);
	return rc;
}

int simnet_tick(simnet *n, int64_t now, neto_err *err)
{
	int64_t tsim = (int64_t)((double)(now - n->start) * n->cfg.speedup);
	if (tsim < sim_now(n->s))
		tsim = sim_now(n->s);
	if (sim_advance(n->s, tsim, err) != 0)
		return -1;
	size_t hour = (size_t)(tsim / n->cfg.hour_ms) % n->ser.n;
	if (hour != n->hour) {
		if (sim_set_demand_set(n->s, &n->ser.v[hour], &n->cs, tsim, err) != 0)
			return -1;
		n->hour = hour;
		logn(n, "sim: hour %zu of %zu, %zu demands\n", hour, n->ser.n, n->ser.v[hour].n);
	}
	if (refresh_sessions(n, now, tsim, err) != 0 || take_requests(n, now, tsim, err) != 0)
		return -1;
	/* requests with a zero delay complete at once */
	if (sim_advance(n->s, tsim, err) != 0 || handle_reports(n, now, err) != 0)
		return -1;
	for (uint32_t l = 0; l < n->t.n_links; l++)
		if (sim_link_up(n->s, l) != n->link_up[l]) {
			n->link_up[l] = sim_link_up(n->s, l);
			logn(n, "sim: link %s %s\n", n->t.links[l].id, n->link_up[l] ? "up" : "down");
		}
	if (now >= n->next_telemetry) {
		if (telemetry(n, now, tsim, err) != 0)
			return -1;
		n->next_telemetry = now + n->cfg.telemetry_ms;
	}
	return export_flows(n, now, tsim, err);
}

int64_t simnet_clock(const simnet *n, int64_t now)
{
	return n->start + (int64_t)((double)(now - n->start) * n->cfg.speedup);
}
