/*
 * cfg_print.c - the effective configuration written back as an INI file
 * (cfg.h): every section and key, defaults included, in the order of
 * docs/config.md. Numbers are written in the shortest form that reads back
 * as the same double, durations with the largest exact unit, so that
 * cfg_parse(cfg_print(c)) == c.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg/cfg.h"
#include "lib/mem.h"

typedef struct sbuf {
	char *p;
	size_t len, cap;
} sbuf;

__attribute__((format(printf, 2, 3))) static void put(sbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (b->len + (size_t)n + 1 > b->cap) {
		b->cap = (b->len + (size_t)n + 1) * 2;
		b->p = neto_realloc(b->p, b->cap);
	}
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* Shortest %g form that reads back as exactly v. */
static const char *num(double v, char *out, size_t n)
{
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(out, n, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			break;
	}
	return out;
}

static const char *dur(int64_t ms, char *out, size_t n)
{
	return cfg_format_duration(ms, out, n);
}

static void put_list(sbuf *b, const char *key, char *const *v, size_t n)
{
	put(b, "%s = ", key);
	for (size_t i = 0; i < n; i++)
		put(b, "%s%s", i ? "," : "", v[i]);
	put(b, "\n");
}

static void print_agent(sbuf *b, const neto_cfg_agent *a)
{
	static const char *const roles[] = { "update", "topology", "flow" };
	char t[64];
	put(b, "\n[agent %s]\nrole = %s\ndriver = %s\n", a->name, roles[a->role],
	    a->driver ? a->driver : "sim");
	if (a->role == CFG_ROLE_UPDATE)
		put_list(b, "routers", a->routers, a->n_routers);
	if (a->pcep_listen)
		put(b, "pcep_listen = %s\n", a->pcep_listen);
	if (a->n_pcep_peers)
		put_list(b, "pcep_peers", a->pcep_peers, a->n_pcep_peers);
	if (a->pcep_map)
		put(b, "pcep_map = %s\n", a->pcep_map);
	if (a->role != CFG_ROLE_FLOW)
		return;
	if (a->parent)
		put(b, "parent = %s\n", a->parent);
	if (a->n_exporters)
		put_list(b, "exporters", a->exporters, a->n_exporters);
	put(b, "window = %s\n", dur(a->window_ms, t, sizeof t));
	if (a->smoothing == CFG_SMOOTH_EWMA)
		put(b, "smoothing = ewma:%s\n", num(a->smoothing_param, t, sizeof t));
	else if (a->smoothing == CFG_SMOOTH_PERCENTILE)
		put(b, "smoothing = p%u\n", (unsigned)a->smoothing_param);
	else
		put(b, "smoothing = none\n");
	if (!a->listen)
		return;
	put(b, "listen = %s\nrcvbuf = %u\n", a->listen, (unsigned)a->rcvbuf);
	if (a->n_exporter_addrs)
		put_list(b, "exporter_addrs", a->exporter_addrs, a->n_exporter_addrs);
	if (a->prefixes)
		put(b, "prefixes = %s\n", a->prefixes);
	if (a->n_dscp_classes)
		put_list(b, "dscp_classes", a->dscp_classes, a->n_dscp_classes);
	put(b, "default_class = %s\nsampling = %u\n", a->default_class, (unsigned)a->sampling);
	if (a->metrics)
		put(b, "metrics = %s\n", a->metrics);
	put(b, "template_timeout = %s\n", dur(a->template_timeout_ms, t, sizeof t));
	if (a->n_ingress_ifaces)
		put_list(b, "ingress_ifaces", a->ingress_ifaces, a->n_ingress_ifaces);
	if (a->pe_traffic)
		put(b, "pe_traffic = yes\npe_traffic_top = %u\n", (unsigned)a->pe_traffic_top);
}

static void print_sim(sbuf *b, const neto_cfg_sim *s)
{
	char t[64], u[64];
	put(b, "\n[sim]\ntopology = %s\n", s->topology ? s->topology : "");
	const neto_cfg_series *d = &s->demands;
	if (d->kind == CFG_SERIES_CSV)
		put(b, "demands = csv %s scale=%s step=%s\n", d->file, num(d->scale, t, sizeof t),
		    dur(d->step_ms, u, sizeof u));
	else if (d->kind == CFG_SERIES_ABILENE_HOURLY)
		put(b, "demands = abilene-hourly %s scale=%s start=%u step=%s\n", d->file,
		    num(d->scale, t, sizeof t), (unsigned)d->start, dur(d->step_ms, u, sizeof u));
	put(b, "seed = %" PRIu64 "\n", s->seed);
	put(b, "install_delay = %s..%s\n", dur(s->install_delay_min_ms, t, sizeof t),
	    dur(s->install_delay_max_ms, u, sizeof u));
	put(b, "state_timeout = %s\n", dur(s->state_timeout_ms, t, sizeof t));
	if (s->scenario)
		put(b, "scenario = %s\n", s->scenario);
	put(b, "speedup = %s\n", num(s->speedup, t, sizeof t));
}

char *cfg_print(const neto_cfg *c, unsigned flags)
{
	sbuf b = { 0 };
	char t[64], u[64], v[64];
	put(&b, "# neto configuration (effective values, defaults included)\n");
	put(&b, "\n[store]\nuri = %s\n", c->store.uri);
	const neto_cfg_controller *ct = &c->controller;
	put(&b,
	    "\n[controller]\nperiod = %s\nlease = %s\ndemand_threshold = %s\nmax_steps = %u\n"
	    "te_engine = %s\nk_paths = %u\ntransition = %s\n",
	    dur(ct->period_ms, t, sizeof t), dur(ct->lease_ms, u, sizeof u),
	    num(ct->demand_threshold, v, sizeof v), (unsigned)ct->max_steps,
	    ct->te_engine == CFG_ENGINE_EXACT ? "exact" : "heuristic", (unsigned)ct->k_paths,
	    ct->one_shot ? "one-shot" : "planned");
	const neto_cfg_scheduler *sc = &c->scheduler;
	put(&b, "\n[scheduler]\ntask_timeout = %s\nmax_attempts = %u\nbackoff = %s\n",
	    dur(sc->task_timeout_ms, t, sizeof t), (unsigned)sc->max_attempts,
	    dur(sc->backoff_ms, u, sizeof u));
	put(&b, "\n[api]\nlisten = %s\n", c->api.listen);
	if (c->api.token)
		put(&b, "token = %s\n", (flags & CFG_PRINT_REDACT) ? "<redacted>" : c->api.token);
	for (size_t i = 0; i < c->n_agents; i++)
		print_agent(&b, &c->agents[i]);
	if (c->sim.enabled)
		print_sim(&b, &c->sim);
	return b.p;
}
