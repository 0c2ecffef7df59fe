/*
 * render.c - the tables of `neto show` (render.h): the API's JSON documents
 * turned into aligned text for an operator. Pure apart from writing to the
 * FILE it is given, so that the output is tested against golden text.
 *
 * The renderer trusts nothing in the document: a member that is missing or
 * of the wrong type prints as "-" rather than failing, except a document
 * that is not JSON at all, which is an error.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/render.h"
#include "lib/mem.h"
#include "topo/topo.h"
#include "topo/topo_io.h"

/* ---- a table of strings, printed with aligned columns ----------------------- */

typedef struct tbl {
	size_t ncol;
	const char *align;	/* per column: 'l' or 'r' */
	char **cell;		/* row-major */
	size_t nrow, cap;
} tbl;

static void tbl_init(tbl *t, size_t ncol, const char *align)
{
	memset(t, 0, sizeof *t);
	t->ncol = ncol;
	t->align = align;
}

/* A new string, formatted (caller frees). */
__attribute__((format(printf, 1, 2))) static char *sf(const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	int n = vsnprintf(NULL, 0, f, ap);
	va_end(ap);
	char *s = neto_malloc((size_t)(n > 0 ? n : 0) + 1);
	va_start(ap, f);
	vsnprintf(s, (size_t)(n > 0 ? n : 0) + 1, f, ap);
	va_end(ap);
	return s;
}

/* Adds a row; takes ownership of the ncol strings. */
static void tbl_row(tbl *t, ...)
{
	if (t->nrow == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 16;
		t->cell = neto_reallocarray(t->cell, t->cap * t->ncol, sizeof *t->cell);
	}
	va_list ap;
	va_start(ap, t);
	for (size_t c = 0; c < t->ncol; c++)
		t->cell[t->nrow * t->ncol + c] = va_arg(ap, char *);
	va_end(ap);
	t->nrow++;
}

static void tbl_print(FILE *f, tbl *t)
{
	size_t *w = neto_calloc(t->ncol, sizeof *w);
	for (size_t r = 0; r < t->nrow; r++)
		for (size_t c = 0; c < t->ncol; c++) {
			size_t n = strlen(t->cell[r * t->ncol + c]);
			if (n > w[c])
				w[c] = n;
		}
	for (size_t r = 0; r < t->nrow; r++) {
		for (size_t c = 0; c < t->ncol; c++) {
			const char *s = t->cell[r * t->ncol + c];
			bool last = c + 1 == t->ncol;
			if (t->align[c] == 'r')
				fprintf(f, "%*s", (int)w[c], s);
			else if (last)
				fputs(s, f);
			else
				fprintf(f, "%-*s", (int)w[c], s);
			if (!last)
				fputs("  ", f);
		}
		fputc('\n', f);
	}
	for (size_t k = 0; k < t->nrow * t->ncol; k++)
		free(t->cell[k]);
	free(t->cell);
	free(w);
	memset(t, 0, sizeof *t);
}

/* ---- values ----------------------------------------------------------------- */

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "-";
}

static char *num(const json_t *v)
{
	if (json_is_integer(v))
		return sf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
	if (json_is_real(v))
		return sf("%.6g", json_real_value(v));
	return sf("-");
}

static char *num_of(const json_t *o, const char *key)
{
	return num(json_object_get(o, key));
}

static char *pct(const json_t *v)
{
	return json_is_number(v) ? sf("%.1f%%", 100 * json_number_value(v)) : sf("-");
}

/* Milliseconds since the epoch as UTC time. */
static char *when(const json_t *v)
{
	if (!json_is_integer(v))
		return sf("-");
	time_t t = (time_t)(json_integer_value(v) / 1000);
	struct tm tm;
	if (gmtime_r(&t, &tm) == NULL)
		return sf("-");
	char buf[32];
	strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%SZ", &tm);
	return sf("%s", buf);
}

static void put_when(FILE *f, const json_t *v)
{
	char *s = when(v);
	fputs(s, f);
	free(s);
}

/* ---- one function per document ---------------------------------------------- */

static void r_health(FILE *f, const json_t *d)
{
	fprintf(f, "%s: store %s, schema %" JSON_INTEGER_FORMAT "\n",
		json_is_true(json_object_get(d, "ok")) ? "ok" : "NOT OK", str(d, "store"),
		json_integer_value(json_object_get(d, "schema")));
	static const char *const roles[] = { "controller", "scheduler" };
	for (int i = 0; i < 2; i++) {
		const json_t *r = json_object_get(d, roles[i]);
		fprintf(f, "%-11s ", roles[i]);
		if (!json_is_object(r)) {
			fputs("none\n", f);
			continue;
		}
		fprintf(f, "%s, epoch %" JSON_INTEGER_FORMAT ", lease until ", str(r, "holder"),
			json_integer_value(json_object_get(r, "epoch")));
		put_when(f, json_object_get(r, "expires"));
		fputc('\n', f);
	}
	const json_t *leases = json_object_get(d, "leases");
	if (json_array_size(leases) == 0)
		return;
	tbl t;
	tbl_init(&t, 5, "llrll");
	tbl_row(&t, sf("lease"), sf("holder"), sf("epoch"), sf("expires"), sf("state"));
	size_t i;
	const json_t *l;
	json_array_foreach(leases, i, l)
		tbl_row(&t, sf("%s", str(l, "name")), sf("%s", str(l, "holder")), num_of(l, "epoch"),
			when(json_object_get(l, "expires")),
			sf("%s", json_is_true(json_object_get(l, "valid")) ? "held" : "expired"));
	fputc('\n', f);
	tbl_print(f, &t);
}

static int r_topology(FILE *f, const json_t *d, neto_err *err)
{
	char *text = json_dumps(json_object_get(d, "topology"), JSON_COMPACT);
	if (text == NULL)
		return neto_err_set(err, "the API's answer has no topology");
	topo t;
	topo_init(&t);
	int rc = topo_parse(&t, TOPO_FMT_AUTO, text, strlen(text), "topology", NULL, err);
	free(text);
	if (rc != 0) {
		topo_free(&t);
		return -1;
	}
	fprintf(f, "topology version %" JSON_INTEGER_FORMAT " (",
		json_integer_value(json_object_get(d, "version")));
	put_when(f, json_object_get(d, "at"));
	fprintf(f, "): %u nodes, %u links, unit %s\n\n", t.n_nodes, t.n_links,
		t.unit ? t.unit : "unknown");
	tbl nt;
	tbl_init(&nt, 2, "ll");
	tbl_row(&nt, sf("node"), sf("locator"));
	for (uint32_t v = 0; v < t.n_nodes; v++) {
		char loc[64] = "-";
		if (t.nodes[v].has_locator) {
			char a[48];
			if (inet_ntop(AF_INET6, t.nodes[v].locator, a, sizeof a) == NULL)
				snprintf(a, sizeof a, "?");
			snprintf(loc, sizeof loc, "%s/%u", a, (unsigned)t.nodes[v].locator_len);
		}
		tbl_row(&nt, sf("%s", t.nodes[v].name), sf("%s", loc));
	}
	tbl_print(f, &nt);
	fputc('\n', f);
	tbl lt;
	tbl_init(&lt, 7, "lllrrrl");
	tbl_row(&lt, sf("link"), sf("src"), sf("dst"), sf("capacity"), sf("delay_us"), sf("igp"),
		sf("state"));
	for (uint32_t l = 0; l < t.n_links; l++) {
		const topo_link *k = &t.links[l];
		tbl_row(&lt, sf("%s", k->id), sf("%s", t.nodes[k->src].name),
			sf("%s", t.nodes[k->dst].name), sf("%.6g", k->capacity), sf("%.0f", k->delay),
			sf("%u", k->igp), sf("%s", k->up ? "up" : "down"));
	}
	tbl_print(f, &lt);
	topo_free(&t);
	return 0;
}

static void r_links(FILE *f, const json_t *d)
{
	fprintf(f, "links of topology version %" JSON_INTEGER_FORMAT ", unit %s; planned: ",
		json_integer_value(json_object_get(d, "topology_version")), str(d, "unit"));
	const json_t *plan = json_object_get(d, "plan_id");
	if (json_is_integer(plan))
		fprintf(f, "plan %" JSON_INTEGER_FORMAT, json_integer_value(plan));
	else
		fputs("no plan", f);
	fputs("; measured: ", f);
	if (json_is_integer(json_object_get(d, "telemetry_at")))
		put_when(f, json_object_get(d, "telemetry_at"));
	else
		fputs("no telemetry", f);
	fputs("\n\n", f);
	tbl t;
	tbl_init(&t, 8, "lllrrrrl");
	tbl_row(&t, sf("link"), sf("src"), sf("dst"), sf("capacity"), sf("planned"), sf("measured"),
		sf("util"), sf("state"));
	size_t i;
	const json_t *l;
	json_array_foreach(json_object_get(d, "links"), i, l)
		tbl_row(&t, sf("%s", str(l, "id")), sf("%s", str(l, "src")), sf("%s", str(l, "dst")),
			num_of(l, "capacity"), num_of(l, "planned"), num_of(l, "measured"),
			pct(json_object_get(l, "utilization")),
			sf("%s", json_is_false(json_object_get(l, "up")) ? "down" : "up"));
	tbl_print(f, &t);
	json_int_t un = json_integer_value(json_object_get(d, "unmatched_measurements"));
	if (un > 0)
		fprintf(f, "(%" JSON_INTEGER_FORMAT " measurements name no link of the topology)\n", un);
}

static void r_demands(FILE *f, const json_t *d)
{
	const json_t *rows = json_object_get(d, "demands");
	fprintf(f, "demand matrix %" JSON_INTEGER_FORMAT " at ",
		json_integer_value(json_object_get(d, "id")));
	put_when(f, json_object_get(d, "at"));
	char *total = num_of(d, "total");
	fprintf(f, ": %zu demands, total %s\n", json_array_size(rows), total);
	free(total);
	const json_t *miss = json_object_get(d, "missing");
	if (json_array_size(miss) > 0) {
		fputs("incomplete, missing:", f);
		size_t i;
		const json_t *m;
		json_array_foreach(miss, i, m)
			fprintf(f, "%s %s", i ? "," : "", json_string_value(m) ? json_string_value(m) : "-");
		fputc('\n', f);
	}
	json_t *cls = json_object_get(d, "classes");
	if (json_object_size(cls) > 0) {
		fputc('\n', f);
		tbl t;
		tbl_init(&t, 2, "lr");
		tbl_row(&t, sf("class"), sf("total"));
		const char *k;
		json_t *v;
		json_object_foreach(cls, k, v)
			tbl_row(&t, sf("%s", k), num(v));
		tbl_print(f, &t);
	}
	fputc('\n', f);
	tbl t;
	tbl_init(&t, 4, "lllr");
	tbl_row(&t, sf("src"), sf("dst"), sf("class"), sf("rate"));
	size_t i;
	const json_t *r;
	json_array_foreach(rows, i, r)
		tbl_row(&t, sf("%s", str(r, "src")), sf("%s", str(r, "dst")), sf("%s", str(r, "class")),
			num_of(r, "rate"));
	tbl_print(f, &t);
}

static void r_solution(FILE *f, const json_t *d)
{
	const json_t *s = json_object_get(d, "solution");
	const json_t *sum = json_object_get(s, "summary");
	fprintf(f,
		"solution of plan %" JSON_INTEGER_FORMAT " (%s): topology version %" JSON_INTEGER_FORMAT
		", demand matrix %" JSON_INTEGER_FORMAT "\n",
		json_integer_value(json_object_get(d, "plan_id")), str(d, "state"),
		json_integer_value(json_object_get(d, "topology_version")),
		json_integer_value(json_object_get(d, "demand_id")));
	char *dem = num_of(sum, "total_demand"), *alloc = num_of(sum, "total_allocated"),
	     *mu = pct(json_object_get(sum, "max_utilization")), *secs = num_of(sum, "compute_seconds");
	fprintf(f, "engine %s, demand %s, allocated %s %s, max utilisation %s, %s s\n\n",
		str(sum, "engine"), dem, alloc, str(sum, "unit"), mu, secs);
	free(dem);
	free(alloc);
	free(mu);
	free(secs);
	tbl t;
	tbl_init(&t, 7, "lrrrrrr");
	tbl_row(&t, sf("class"), sf("priority"), sf("demands"), sf("demand"), sf("allocated"),
		sf("satisfied"), sf("mean_delay_us"));
	size_t i;
	const json_t *c;
	json_array_foreach(json_object_get(s, "classes"), i, c)
	{
		double dm = json_number_value(json_object_get(c, "demand"));
		double al = json_number_value(json_object_get(c, "allocated"));
		tbl_row(&t, sf("%s", str(c, "name")), num_of(c, "priority"), num_of(c, "demands"),
			num_of(c, "demand"), num_of(c, "allocated"),
			dm > 0 ? sf("%.1f%%", 100 * al / dm) : sf("-"), num_of(c, "mean_delay"));
	}
	tbl_print(f, &t);
	json_int_t un = json_integer_value(json_object_get(sum, "unreachable"));
	if (un > 0)
		fprintf(f, "%" JSON_INTEGER_FORMAT " demands unreachable\n", un);
}

static void plan_header(FILE *f, const json_t *p)
{
	fprintf(f, "plan %" JSON_INTEGER_FORMAT ": %s, %s, step %" JSON_INTEGER_FORMAT
		   " of %" JSON_INTEGER_FORMAT " (priority %" JSON_INTEGER_FORMAT ")\n",
		json_integer_value(json_object_get(p, "id")), str(p, "kind"), str(p, "state"),
		json_integer_value(json_object_get(p, "step")),
		json_integer_value(json_object_get(p, "nsteps")),
		json_integer_value(json_object_get(p, "priority")));
	fputs("created ", f);
	put_when(f, json_object_get(p, "created"));
	fputs(", updated ", f);
	put_when(f, json_object_get(p, "updated"));
	fprintf(f, ", controller epoch %" JSON_INTEGER_FORMAT "\n",
		json_integer_value(json_object_get(p, "epoch")));
	fprintf(f, "topology version %" JSON_INTEGER_FORMAT ", demand matrix %" JSON_INTEGER_FORMAT
		   ", intents serial %" JSON_INTEGER_FORMAT "\n",
		json_integer_value(json_object_get(p, "topology_version")),
		json_integer_value(json_object_get(p, "demand_id")),
		json_integer_value(json_object_get(p, "intent_serial")));
	if (json_is_string(json_object_get(p, "reason")))
		fprintf(f, "reason: %s\n", str(p, "reason"));
}

static void r_plan(FILE *f, const json_t *d)
{
	plan_header(f, d);
	const json_t *sum = json_object_get(json_object_get(d, "plan"), "summary");
	if (json_is_object(sum)) {
		char *thr = num_of(sum, "throttled_tunnels");
		fprintf(f, "throttled tunnels: %s\n", thr);
		free(thr);
	}
	fputc('\n', f);
	tbl t;
	tbl_init(&t, 7, "rrrrrrr");
	tbl_row(&t, sf("step"), sf("tasks"), sf("pending"), sf("assigned"), sf("done"), sf("failed"),
		sf("cancelled"));
	size_t i;
	const json_t *s;
	json_array_foreach(json_object_get(d, "step_tasks"), i, s)
		tbl_row(&t, num_of(s, "step"), num_of(s, "tasks"), num_of(s, "pending"),
			num_of(s, "assigned"), num_of(s, "done"), num_of(s, "failed"),
			num_of(s, "cancelled"));
	tbl_print(f, &t);
}

static void r_plans(FILE *f, const json_t *d)
{
	tbl t;
	tbl_init(&t, 6, "rllrll");
	tbl_row(&t, sf("plan"), sf("kind"), sf("state"), sf("step"), sf("created"), sf("reason"));
	size_t i;
	const json_t *p;
	json_array_foreach(json_object_get(d, "plans"), i, p)
		tbl_row(&t, num_of(p, "id"), sf("%s", str(p, "kind")), sf("%s", str(p, "state")),
			sf("%" JSON_INTEGER_FORMAT "/%" JSON_INTEGER_FORMAT,
			  json_integer_value(json_object_get(p, "step")),
			  json_integer_value(json_object_get(p, "nsteps"))),
			when(json_object_get(p, "created")), sf("%s", str(p, "reason")));
	tbl_print(f, &t);
}

static void r_tasks(FILE *f, const json_t *d)
{
	tbl t;
	tbl_init(&t, 10, "rrrlllrlll");
	tbl_row(&t, sf("task"), sf("plan"), sf("step"), sf("router"), sf("policy"), sf("action"),
		sf("attempts"), sf("state"), sf("agent"), sf("error"));
	size_t i;
	const json_t *k;
	json_array_foreach(json_object_get(d, "tasks"), i, k)
		tbl_row(&t, num_of(k, "id"), num_of(k, "plan"), num_of(k, "step"),
			sf("%s", str(k, "router")), sf("%s", str(k, "policy")), sf("%s", str(k, "action")),
			num_of(k, "attempts"), sf("%s", str(k, "state")), sf("%s", str(k, "agent")),
			sf("%s", str(k, "error")));
	tbl_print(f, &t);
}

static void r_agents(FILE *f, const json_t *d)
{
	tbl t;
	tbl_init(&t, 5, "lllll");
	tbl_row(&t, sf("agent"), sf("role"), sf("routers"), sf("heartbeat"), sf("age"));
	size_t i;
	const json_t *a;
	json_array_foreach(json_object_get(d, "agents"), i, a)
	{
		char routers[256] = "";
		size_t j;
		const json_t *r;
		json_array_foreach(json_object_get(a, "routers"), j, r)
		{
			size_t n = strlen(routers);
			snprintf(routers + n, sizeof routers - n, "%s%s", j ? "," : "",
				 json_string_value(r) ? json_string_value(r) : "");
		}
		const json_t *age = json_object_get(a, "age_ms");
		tbl_row(&t, sf("%s", str(a, "name")), sf("%s", str(a, "role")),
			sf("%s", routers[0] ? routers : "-"), when(json_object_get(a, "heartbeat")),
			json_is_integer(age) ? sf("%.1f s", (double)json_integer_value(age) / 1e3)
					     : sf("-"));
	}
	tbl_print(f, &t);
}

static void r_intents(FILE *f, const json_t *d)
{
	tbl t;
	tbl_init(&t, 4, "rlll");
	tbl_row(&t, sf("intent"), sf("kind"), sf("created"), sf("body"));
	size_t i;
	const json_t *it;
	json_array_foreach(json_object_get(d, "intents"), i, it)
	{
		char *body = json_dumps(json_object_get(it, "body"), JSON_COMPACT | JSON_ENCODE_ANY);
		tbl_row(&t, num_of(it, "id"), sf("%s", str(it, "kind")),
			when(json_object_get(it, "created")), sf("%s", body ? body : "-"));
		free(body);
	}
	tbl_print(f, &t);
}

static void r_audit(FILE *f, const json_t *d)
{
	tbl t;
	tbl_init(&t, 6, "rlllll");
	tbl_row(&t, sf("id"), sf("at"), sf("actor"), sf("router"), sf("action"), sf("detail"));
	size_t i;
	const json_t *a;
	json_array_foreach(json_object_get(d, "audit"), i, a)
		tbl_row(&t, num_of(a, "id"), when(json_object_get(a, "at")), sf("%s", str(a, "actor")),
			sf("%s", str(a, "router")), sf("%s", str(a, "action")),
			sf("%s", str(a, "detail")));
	tbl_print(f, &t);
}

int api_render(FILE *f, api_show_what what, const char *doc, size_t len, neto_err *err)
{
	if (what == SHOW_METRICS) {
		fwrite(doc, 1, len, f);
		return 0;
	}
	json_error_t je;
	json_t *d = json_loadb(doc, len, 0, &je);
	if (!json_is_object(d)) {
		json_decref(d);
		return neto_err_set(err, "the API's answer is not a JSON object");
	}
	int rc = 0;
	switch (what) {
	case SHOW_HEALTH:
		r_health(f, d);
		break;
	case SHOW_TOPOLOGY:
		rc = r_topology(f, d, err);
		break;
	case SHOW_LINKS:
		r_links(f, d);
		break;
	case SHOW_DEMANDS:
		r_demands(f, d);
		break;
	case SHOW_SOLUTION:
		r_solution(f, d);
		break;
	case SHOW_PLAN:
		r_plan(f, d);
		break;
	case SHOW_PLANS:
		r_plans(f, d);
		break;
	case SHOW_TASKS:
		r_tasks(f, d);
		break;
	case SHOW_AGENTS:
		r_agents(f, d);
		break;
	case SHOW_INTENTS:
		r_intents(f, d);
		break;
	default:
		r_audit(f, d);
		break;
	}
	json_decref(d);
	return rc;
}
