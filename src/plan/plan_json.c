/*
 * plan_json.c - plans as documents (plan_json.h): the JSON that `neto plan`
 * writes and `neto plan --verify` reads back, and the operator's table.
 *
 * A step lists only the tunnels whose rates change in it, each with every
 * path it uses in the new configuration: a plan for a large WAN moves a few
 * thousand tunnels per step, and writing all of them at every step would
 * multiply the document by the number of steps. The installed configuration
 * ("initial") is written in full, so that the configurations can be rebuilt
 * from the file alone: configuration k + 1 is configuration k with the
 * tunnels of step k replaced.
 *
 * Reading back goes through the same tunnel reader as `neto te` documents
 * (alloc_json.c) and the same index space (space.c); then each step's
 * configuration is completed from the one before it. Numbers are written with
 * 17 significant digits when they are not whole, so rates read back as the
 * same doubles and the verifier sees exactly what the planner checked.
 */
#include "plan/plan_json.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"

/* ---- writing ---- */

/* s as a JSON string (RFC 8259 section 7). */
static void put_str(FILE *f, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	putc_unlocked('"', f);
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		switch (*c) {
		case '"':
			fputs_unlocked("\\\"", f);
			break;
		case '\\':
			fputs_unlocked("\\\\", f);
			break;
		case '\n':
			fputs_unlocked("\\n", f);
			break;
		case '\t':
			fputs_unlocked("\\t", f);
			break;
		default:
			if (*c < 0x20) {
				fputs_unlocked("\\u00", f);
				putc_unlocked(hex[*c >> 4], f);
				putc_unlocked(hex[*c & 15], f);
			} else {
				putc_unlocked((int)*c, f);
			}
		}
	}
	putc_unlocked('"', f);
}

/* Whole numbers as integers, others with enough digits to read back as the
 * same double. Non-finite values have no JSON form; they never reach here
 * from a checked plan, and are written as null rather than as bad JSON. */
static void put_num(FILE *f, double v)
{
	char buf[40];
	int n;
	if (!isfinite(v)) {
		fputs_unlocked("null", f);
		return;
	}
	if (v == floor(v) && fabs(v) < 1e15)
		n = snprintf(buf, sizeof buf, "%.0f", v);
	else
		n = snprintf(buf, sizeof buf, "%.17g", v);
	if (n > 0)
		fwrite_unlocked(buf, 1, (size_t)n, f);
}

static void put_tunnel_head(FILE *f, const plan_space *s, const plan_tunnel *tu)
{
	fputs_unlocked("{\"src\":", f);
	put_str(f, s->t->nodes[tu->src].name);
	fputs_unlocked(",\"dst\":", f);
	put_str(f, s->t->nodes[tu->dst].name);
	fputs_unlocked(",\"class\":", f);
	put_str(f, tu->cls);
}

static void put_segments(FILE *f, const plan_space *s, const plan_entry *en)
{
	fputs_unlocked("\"segments\":[", f);
	for (uint32_t g = 0; g < en->n_segs; g++) {
		if (g)
			putc_unlocked(',', f);
		put_str(f, s->segs[en->seg_off + g]);
	}
	putc_unlocked(']', f);
}

/* A tunnel with the paths that carry traffic in cfg. */
static void put_tunnel(FILE *f, const plan_space *s, size_t ti, const double *cfg)
{
	const plan_tunnel *tu = &s->tunnels[ti];
	put_tunnel_head(f, s, tu);
	fputs_unlocked(",\"paths\":[", f);
	bool first = true;
	for (uint32_t e = tu->entry_off; e < tu->entry_off + tu->n_entries; e++) {
		if (cfg[e] == 0)
			continue;
		const plan_entry *en = &s->entries[e];
		fputs_unlocked(first ? "{\"links\":[" : ",{\"links\":[", f);
		first = false;
		for (uint32_t i = 0; i < en->n_links; i++) {
			if (i)
				putc_unlocked(',', f);
			put_str(f, s->t->links[s->links[en->link_off + i]].id);
		}
		fputs_unlocked("],", f);
		put_segments(f, s, en);
		fputs_unlocked(",\"rate\":", f);
		put_num(f, cfg[e]);
		putc_unlocked('}', f);
	}
	fputs_unlocked("]}", f);
}

static bool tunnel_used(const plan_tunnel *tu, const double *cfg)
{
	for (uint32_t e = tu->entry_off; e < tu->entry_off + tu->n_entries; e++)
		if (cfg[e] != 0)
			return true;
	return false;
}

static bool tunnel_changes(const plan_tunnel *tu, const double *a, const double *b)
{
	for (uint32_t e = tu->entry_off; e < tu->entry_off + tu->n_entries; e++)
		if (a[e] != b[e])
			return true;
	return false;
}

static const char *action_name(plan_action a)
{
	switch (a) {
	case PLAN_CREATE:
		return "create";
	case PLAN_MODIFY:
		return "modify";
	case PLAN_DELETE:
		return "delete";
	}
	return "modify";
}

static void put_update(FILE *f, const plan_space *s, const plan_update *u, const double *cfg)
{
	const plan_tunnel *tu = &s->tunnels[u->tunnel];
	fputs_unlocked("{\"router\":", f);
	put_str(f, s->t->nodes[tu->src].name);
	fputs_unlocked(",\"policy\":{\"dst\":", f);
	put_str(f, s->t->nodes[tu->dst].name);
	fputs_unlocked(",\"class\":", f);
	put_str(f, tu->cls);
	fputs_unlocked("},\"action\":", f);
	put_str(f, action_name(u->action));
	fputs_unlocked(",\"segment_lists\":[", f);
	bool first = true;
	if (u->action != PLAN_DELETE)
		for (uint32_t e = tu->entry_off; e < tu->entry_off + tu->n_entries; e++) {
			if (cfg[e] == 0)
				continue;
			fputs_unlocked(first ? "{" : ",{", f);
			first = false;
			put_segments(f, s, &s->entries[e]);
			fputs_unlocked(",\"weight\":", f);
			put_num(f, cfg[e]);
			putc_unlocked('}', f);
		}
	fputs_unlocked("]}", f);
}

static void put_throttle(FILE *f, const plan_space *s, const plan_throttle *th)
{
	put_tunnel_head(f, s, &s->tunnels[th->tunnel]);
	fputs_unlocked(",\"rate\":", f);
	put_num(f, th->rate);
	fputs_unlocked(",\"normal\":", f);
	put_num(f, th->normal);
	fprintf(f, ",\"first_step\":%zu,\"last_step\":%zu}", th->first_step, th->last_step);
}

/* Distinct tunnels among the throttle records (a tunnel may have several). */
static size_t count_throttled(const plan_doc *d)
{
	if (d->n_throttled == 0)
		return 0;
	uint8_t *seen = neto_calloc(d->s->n_tunnels, 1);
	size_t n = 0;
	for (size_t i = 0; i < d->n_throttled; i++) {
		uint32_t tu = d->throttled[i].tunnel;
		if (tu < d->s->n_tunnels && !seen[tu]) {
			seen[tu] = 1;
			n++;
		}
	}
	free(seen);
	return n;
}

static void put_classes(FILE *f, const plan_space *s)
{
	neto_strmap m;
	neto_strmap_init(&m);
	fputs_unlocked("\"classes\":[", f);
	size_t n = 0;
	for (size_t i = 0; i < s->n_tunnels; i++) {
		const plan_tunnel *tu = &s->tunnels[i];
		if (!neto_strmap_put(&m, tu->cls, strlen(tu->cls), 0, NULL))
			continue;
		fputs_unlocked(n++ ? ",\n{\"name\":" : "\n{\"name\":", f);
		put_str(f, tu->cls);
		fprintf(f, ",\"priority\":%u}", tu->priority);
	}
	fputs_unlocked("]", f);
	neto_strmap_free(&m);
}

int plan_json_write(FILE *f, const plan_doc *d)
{
	const plan_space *s = d->s;
	size_t n_steps = d->n_configs > 0 ? d->n_configs - 1 : 0;
	double *worst = neto_calloc(n_steps, sizeof *worst);
	plan_verify(s, d->cfg, d->n_configs, NULL, 0, worst);

	flockfile(f);
	putc_unlocked('{', f);
	put_classes(f, s);
	fputs_unlocked(",\n\"initial\":{\"tunnels\":[", f);
	size_t n = 0;
	if (d->n_configs > 0)
		for (size_t i = 0; i < s->n_tunnels; i++) {
			if (!tunnel_used(&s->tunnels[i], d->cfg[0]))
				continue;
			fputs_unlocked(n++ ? ",\n" : "\n", f);
			put_tunnel(f, s, i, d->cfg[0]);
		}
	fputs_unlocked("]},\n\"steps\":[", f);
	for (size_t k = 0; k < n_steps; k++) {
		const double *a = d->cfg[k], *b = d->cfg[k + 1];
		fprintf(f, "%s{\"index\":%zu,\"throttled\":[", k ? ",\n" : "\n", k);
		n = 0;
		for (size_t i = 0; i < d->n_throttled; i++) {
			const plan_throttle *th = &d->throttled[i];
			if (th->first_step > k || th->last_step < k)
				continue;
			fputs_unlocked(n++ ? "," : "", f);
			put_throttle(f, s, th);
		}
		fputs_unlocked("],\n\"tunnels\":[", f);
		n = 0;
		for (size_t i = 0; i < s->n_tunnels; i++) {
			if (!tunnel_changes(&s->tunnels[i], a, b))
				continue;
			fputs_unlocked(n++ ? ",\n" : "\n", f);
			put_tunnel(f, s, i, b);
		}
		fputs_unlocked("],\n\"updates\":[", f);
		if (d->updates != NULL)
			for (size_t u = 0; u < d->n_updates[k]; u++) {
				fputs_unlocked(u ? ",\n" : "\n", f);
				put_update(f, s, &d->updates[k][u], b);
			}
		fputs_unlocked("],\n\"max_transient_utilization\":", f);
		put_num(f, worst[k]);
		putc_unlocked('}', f);
	}
	fprintf(f, "],\n\"summary\":{\"steps\":%zu,\"throttled_tunnels\":%zu,\"swan_bound\":%zu,"
		   "\"compute_seconds\":",
		n_steps, count_throttled(d), d->swan_bound);
	put_num(f, d->compute_seconds);
	if (s->t->unit != NULL) {
		fputs_unlocked(",\"unit\":", f);
		put_str(f, s->t->unit);
	}
	fputs_unlocked("}}\n", f);
	funlockfile(f);
	free(worst);
	if (fflush(f) != 0 || ferror(f))
		return -1;
	return 0;
}

int plan_table_write(FILE *f, const plan_doc *d)
{
	const plan_space *s = d->s;
	const topo *t = s->t;
	const char *unit = t->unit ? t->unit : "the topology's unit";
	size_t n_steps = d->n_configs > 0 ? d->n_configs - 1 : 0;
	double *worst = neto_calloc(n_steps, sizeof *worst);
	plan_verify(s, d->cfg, d->n_configs, NULL, 0, worst);

	fprintf(f, "neto plan: %zu tunnels, %zu step%s, %.3f s\n", s->n_tunnels, n_steps,
		n_steps == 1 ? "" : "s", d->compute_seconds);
	if (d->swan_bound > 0)
		fprintf(f, "SWAN bound: %zu steps\n", d->swan_bound);
	else
		fprintf(f, "SWAN bound: none (some link has no slack)\n");
	if (n_steps == 0) {
		fprintf(f, "nothing to do: the installed configuration is the target\n");
	} else {
		fprintf(f, "\n%4s %14s %9s %10s %10s\n", "step", "peak util", "changed", "updates",
			"throttled");
		for (size_t k = 0; k < n_steps; k++) {
			size_t moved = 0, thr = 0;
			for (size_t i = 0; i < s->n_tunnels; i++)
				moved += tunnel_changes(&s->tunnels[i], d->cfg[k], d->cfg[k + 1]);
			for (size_t i = 0; i < d->n_throttled; i++)
				thr += d->throttled[i].first_step <= k && d->throttled[i].last_step >= k;
			char upd[24];
			if (d->updates != NULL)
				snprintf(upd, sizeof upd, "%zu", d->n_updates[k]);
			else
				snprintf(upd, sizeof upd, "-");
			fprintf(f, "%4zu %13.2f%% %9zu %10s %10zu\n", k, 100 * worst[k], moved, upd,
				thr);
		}
		fprintf(f, "(peak util: the most loaded link while the step is applied, in any "
			   "order;\n changed: tunnels whose rates change)\n");
	}
	fprintf(f, "\nthrottled tunnels: %zu\n", count_throttled(d));
	for (size_t i = 0; i < d->n_throttled; i++) {
		const plan_throttle *th = &d->throttled[i];
		const plan_tunnel *tu = &s->tunnels[th->tunnel];
		fprintf(f, "  %s -> %s class %s: limit %.6g, normal %.6g, steps %zu..%zu\n",
			t->nodes[tu->src].name, t->nodes[tu->dst].name, tu->cls, th->rate, th->normal,
			th->first_step, th->last_step);
	}
	fprintf(f, "(rates in %s; steps numbered from 0)\n", unit);
	free(worst);
	if (fflush(f) != 0 || ferror(f))
		return -1;
	return 0;
}

/* ---- reading ---- */

static int perr(neto_err *err, const char *fname, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int perr(neto_err *err, const char *fname, const char *fmt, ...)
{
	char msg[440];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return neto_err_at(err, fname, 0, "%s", msg);
}

typedef struct rctx {
	const topo *t;
	const plan_classes *cl;
	const char *fname;
	neto_err *err;
} rctx;

static bool is_nonneg(const json_t *v)
{
	return json_is_number(v) && isfinite(json_number_value(v)) && json_number_value(v) >= 0;
}

static bool is_count(const json_t *v)
{
	return json_is_integer(v) && json_integer_value(v) >= 0;
}

/* A node name member of obj at `where`; TOPO_NONE with the message when it
 * is missing or unknown. */
static uint32_t node_at(rctx *c, const json_t *obj, const char *key, const char *where)
{
	const json_t *v = json_object_get(obj, key);
	if (!json_is_string(v)) {
		perr(c->err, c->fname, "%s.%s: missing or not a node name", where, key);
		return TOPO_NONE;
	}
	uint32_t n = topo_find_node(c->t, json_string_value(v), json_string_length(v));
	if (n == TOPO_NONE)
		perr(c->err, c->fname, "%s.%s: unknown node '%.100s'", where, key,
		     json_string_value(v));
	return n;
}

static int class_at(rctx *c, const json_t *obj, const char *where)
{
	const json_t *v = json_object_get(obj, "class");
	uint32_t ci;
	if (!json_is_string(v))
		return perr(c->err, c->fname, "%s.class: missing or not a class name", where);
	if (!neto_strmap_get(&c->cl->by_name, json_string_value(v), json_string_length(v), &ci))
		return perr(c->err, c->fname, "%s.class: unknown class '%.100s'", where,
			    json_string_value(v));
	return 0;
}

static int check_throttled(rctx *c, const json_t *arr, size_t k)
{
	if (arr == NULL)
		return 0;
	if (!json_is_array(arr))
		return perr(c->err, c->fname, "steps[%zu].throttled: not an array", k);
	for (size_t i = 0; i < json_array_size(arr); i++) {
		const json_t *o = json_array_get(arr, i);
		char where[80];
		snprintf(where, sizeof where, "steps[%zu].throttled[%zu]", k, i);
		if (!json_is_object(o))
			return perr(c->err, c->fname, "%s: must be an object", where);
		if (node_at(c, o, "src", where) == TOPO_NONE || node_at(c, o, "dst", where) == TOPO_NONE ||
		    class_at(c, o, where) != 0)
			return -1;
		if (!is_nonneg(json_object_get(o, "rate")))
			return perr(c->err, c->fname, "%s.rate: missing or not a number >= 0", where);
		const json_t *v = json_object_get(o, "normal");
		if (v != NULL && !is_nonneg(v))
			return perr(c->err, c->fname, "%s.normal: not a number >= 0", where);
		static const char *const steps[] = { "first_step", "last_step" };
		for (size_t j = 0; j < 2; j++) {
			v = json_object_get(o, steps[j]);
			if (v != NULL && !is_count(v))
				return perr(c->err, c->fname, "%s.%s: not a whole number >= 0", where,
					    steps[j]);
		}
	}
	return 0;
}

static int check_updates(rctx *c, const json_t *arr, size_t k)
{
	if (arr == NULL)
		return 0;
	if (!json_is_array(arr))
		return perr(c->err, c->fname, "steps[%zu].updates: not an array", k);
	for (size_t i = 0; i < json_array_size(arr); i++) {
		const json_t *o = json_array_get(arr, i);
		char where[80];
		snprintf(where, sizeof where, "steps[%zu].updates[%zu]", k, i);
		if (!json_is_object(o))
			return perr(c->err, c->fname, "%s: must be an object", where);
		if (node_at(c, o, "router", where) == TOPO_NONE)
			return -1;
		const json_t *pol = json_object_get(o, "policy");
		char pw[96];
		snprintf(pw, sizeof pw, "%s.policy", where);
		if (!json_is_object(pol))
			return perr(c->err, c->fname, "%s: missing or not an object", pw);
		if (node_at(c, pol, "dst", pw) == TOPO_NONE || class_at(c, pol, pw) != 0)
			return -1;
		const json_t *act = json_object_get(o, "action");
		if (!json_is_string(act) || (strcmp(json_string_value(act), "create") != 0 &&
					     strcmp(json_string_value(act), "modify") != 0 &&
					     strcmp(json_string_value(act), "delete") != 0))
			return perr(c->err, c->fname, "%s.action: not create, modify or delete",
				    where);
		const json_t *sl = json_object_get(o, "segment_lists");
		if (sl == NULL)
			continue;
		if (!json_is_array(sl))
			return perr(c->err, c->fname, "%s.segment_lists: not an array", where);
		for (size_t j = 0; j < json_array_size(sl); j++) {
			const json_t *e = json_array_get(sl, j);
			if (!json_is_object(e))
				return perr(c->err, c->fname, "%s.segment_lists[%zu]: not an object",
					    where, j);
			const json_t *segs = json_object_get(e, "segments");
			if (!json_is_array(segs))
				return perr(c->err, c->fname,
					    "%s.segment_lists[%zu].segments: missing or not an array",
					    where, j);
			for (size_t g = 0; g < json_array_size(segs); g++)
				if (!plan_json_sid_ok(json_array_get(segs, g)))
					return perr(c->err, c->fname,
						    "%s.segment_lists[%zu].segments[%zu]: not an IPv6 "
						    "address (SRv6 SID)",
						    where, j, g);
			if (!is_nonneg(json_object_get(e, "weight")))
				return perr(c->err, c->fname,
					    "%s.segment_lists[%zu].weight: missing or not a number >= 0",
					    where, j);
		}
	}
	return 0;
}

void plan_json_cfg_free(double **cfg, size_t n_cfg)
{
	if (cfg == NULL)
		return;
	for (size_t i = 0; i < n_cfg; i++)
		free(cfg[i]);
	free(cfg);
}

/* Completes the configurations in place: cfg[k + 1] holds only the tunnels
 * of step k (allocs[k + 1]); every other tunnel keeps its rates of cfg[k]. */
static void complete_steps(const plan_space *s, const plan_alloc *allocs, double **cfg,
			   size_t n_cfg)
{
	neto_strmap idx;
	neto_strmap_init(&idx);
	char *key = NULL;
	size_t cap = 0;
	for (size_t i = 0; i < s->n_tunnels; i++) {
		const plan_tunnel *tu = &s->tunnels[i];
		size_t cl = strlen(tu->cls), n = 8 + cl;
		if (n > cap) {
			cap = 2 * n;
			key = neto_realloc(key, cap);
		}
		memcpy(key, &tu->src, 4);
		memcpy(key + 4, &tu->dst, 4);
		memcpy(key + 8, tu->cls, cl);
		neto_strmap_put(&idx, key, n, (uint32_t)i, NULL);
	}
	uint32_t *listed = neto_calloc(s->n_tunnels, sizeof *listed); /* stamp: step + 1 */
	for (size_t k = 1; k < n_cfg; k++) {
		const plan_alloc *a = &allocs[k];
		for (size_t j = 0; j < a->n_tunnels; j++) {
			const plan_alloc_tunnel *tu = &a->tunnels[j];
			size_t cl = strlen(tu->cls), n = 8 + cl;
			if (n > cap) {
				cap = 2 * n;
				key = neto_realloc(key, cap);
			}
			memcpy(key, &tu->src, 4);
			memcpy(key + 4, &tu->dst, 4);
			memcpy(key + 8, tu->cls, cl);
			uint32_t ti;
			if (neto_strmap_get(&idx, key, n, &ti))
				listed[ti] = (uint32_t)k;
		}
		for (size_t i = 0; i < s->n_tunnels; i++) {
			if (listed[i] == k)
				continue;
			const plan_tunnel *tu = &s->tunnels[i];
			memcpy(cfg[k] + tu->entry_off, cfg[k - 1] + tu->entry_off,
			       tu->n_entries * sizeof *cfg[k]);
		}
	}
	free(listed);
	free(key);
	neto_strmap_free(&idx);
}

static int parse_doc(rctx *c, const json_t *root, plan_alloc **allocs, size_t *n_allocs)
{
	if (!json_is_object(root))
		return perr(c->err, c->fname, "top level must be an object");
	const json_t *init = json_object_get(root, "initial");
	if (!json_is_object(init))
		return perr(c->err, c->fname, "initial: missing or not an object");
	const json_t *steps = json_object_get(root, "steps");
	if (!json_is_array(steps))
		return perr(c->err, c->fname, "steps: missing or not an array");
	size_t ns = json_array_size(steps);
	if (ns > PLAN_MAX_STEPS)
		return perr(c->err, c->fname, "steps: %zu steps, more than %d", ns, PLAN_MAX_STEPS);
	const json_t *sum = json_object_get(root, "summary");
	if (sum != NULL) {
		if (!json_is_object(sum))
			return perr(c->err, c->fname, "summary: not an object");
		const json_t *v = json_object_get(sum, "steps");
		if (v != NULL && (!is_count(v) || (size_t)json_integer_value(v) != ns))
			return perr(c->err, c->fname,
				    "summary.steps: does not match the %zu entries of \"steps\"", ns);
		v = json_object_get(sum, "unit");
		if (v != NULL && !json_is_null(v)) {
			if (!json_is_string(v))
				return perr(c->err, c->fname, "summary.unit: not a string");
			if (c->t->unit != NULL && strcmp(c->t->unit, json_string_value(v)) != 0)
				return perr(c->err, c->fname,
					    "summary.unit: rates in '%.60s', but the topology's "
					    "capacities are in '%.60s'",
					    json_string_value(v), c->t->unit);
		}
	}

	*allocs = neto_calloc(ns + 1, sizeof **allocs);
	*n_allocs = ns + 1;
	if (plan_json_tunnels(&(*allocs)[0], c->t, c->cl, json_object_get(init, "tunnels"),
			      c->fname, "initial.tunnels", c->err) != 0)
		return -1;
	for (size_t k = 0; k < ns; k++) {
		const json_t *st = json_array_get(steps, k);
		if (!json_is_object(st))
			return perr(c->err, c->fname, "steps[%zu]: must be an object", k);
		const json_t *v = json_object_get(st, "index");
		if (v != NULL && (!is_count(v) || (size_t)json_integer_value(v) != k))
			return perr(c->err, c->fname, "steps[%zu].index: must be %zu", k, k);
		v = json_object_get(st, "max_transient_utilization");
		if (v != NULL && !is_nonneg(v))
			return perr(c->err, c->fname,
				    "steps[%zu].max_transient_utilization: not a number >= 0", k);
		if (check_throttled(c, json_object_get(st, "throttled"), k) != 0 ||
		    check_updates(c, json_object_get(st, "updates"), k) != 0)
			return -1;
		char where[48];
		snprintf(where, sizeof where, "steps[%zu].tunnels", k);
		if (plan_json_tunnels(&(*allocs)[k + 1], c->t, c->cl,
				      json_object_get(st, "tunnels"), c->fname, where, c->err) != 0)
			return -1;
	}
	return 0;
}

int plan_json_parse(plan_space *s, double ***cfg, size_t *n_cfg, const char *buf, size_t len,
		    const char *fname, neto_err *err)
{
	const topo *t = s->t;
	plan_space_free(s);
	*cfg = NULL;
	*n_cfg = 0;
	json_error_t je;
	json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL)
		return neto_err_at(err, fname, je.line > 0 ? (unsigned)je.line : 0,
				   "invalid JSON: %s (column %d)", je.text, je.column);
	plan_classes cl;
	plan_classes_init(&cl);
	rctx c = { .t = t, .cl = &cl, .fname = fname, .err = err };
	plan_alloc *allocs = NULL;
	size_t n_allocs = 0;
	int rc = 0;
	if (json_is_object(root))
		rc = plan_json_classes(&cl, json_object_get(root, "classes"), fname, "classes", err);
	if (rc == 0)
		rc = parse_doc(&c, root, &allocs, &n_allocs);
	json_decref(root);
	plan_classes_free(&cl);
	double **out = NULL;
	if (rc == 0) {
		out = neto_calloc(n_allocs, sizeof *out);
		neto_err e2;
		rc = plan_space_build(s, allocs, n_allocs, out, &e2);
		if (rc != 0)
			neto_err_at(err, fname, 0, "%s", e2.msg);
		else
			complete_steps(s, allocs, out, n_allocs);
	}
	for (size_t i = 0; i < n_allocs; i++)
		plan_alloc_free(&allocs[i]);
	free(allocs);
	if (rc != 0) {
		plan_json_cfg_free(out, n_allocs);
		plan_space_free(s);
		return -1;
	}
	*cfg = out;
	*n_cfg = n_allocs;
	return 0;
}
