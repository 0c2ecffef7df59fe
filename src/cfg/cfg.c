/*
 * cfg.c - the configuration file parser (cfg.h).
 *
 * Two passes over a private, NUL-terminated copy of the input:
 *
 * 1. A line scan that libinih does not do for us: line length (libinih
 *    silently splits long lines), indented lines (libinih joins them to the
 *    previous value, Python style, which would read as a repeated key),
 *    section headers (libinih truncates long names, ignores text after the
 *    ']' and does not report sections without keys), lines without '=' and
 *    keys outside a section. Every section header is checked here, so that
 *    a misspelt [controler] is an error even when it has no keys.
 * 2. libinih's ini_parse_stream over the same lines, one key at a time,
 *    through a reader that counts lines so that every message names the
 *    line. Keys are checked as they come; what depends on several keys (an
 *    agent's role and the keys that apply to it, flow agent parents, the API
 *    token on a public address) is checked at the end.
 *
 * libinih strips blanks around names and values and treats ";" after a
 * blank as the start of a comment; docs/config.md says so. The first error
 * wins: later lines are still read by libinih but change nothing.
 */
#include <arpa/inet.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg/cfg.h"
#include "lib/mem.h"
#include "lib/text.h"

/* ---- defaults and lifetime ------------------------------------------------ */

void neto_cfg_defaults(neto_cfg *c)
{
	memset(c, 0, sizeof *c);
	c->store.uri = neto_strdup("sqlite:neto.db");
	c->controller = (neto_cfg_controller){
		.period_ms = 30000,
		.lease_ms = 10000,
		.demand_threshold = 0.1,
		.max_steps = 10,
		.te_engine = CFG_ENGINE_HEURISTIC,
		.k_paths = 4,
	};
	c->scheduler = (neto_cfg_scheduler){
		.task_timeout_ms = 10000,
		.max_attempts = 3,
		.backoff_ms = 1000,
	};
	c->api.listen = neto_strdup("127.0.0.1:8080");
	c->api.host = neto_strdup("127.0.0.1");
	c->api.port = 8080;
	c->api.loopback = true;
	c->sim = (neto_cfg_sim){
		.demands = { .scale = 1, .start = 1, .step_ms = 3600000 },
		.seed = 1,
		.install_delay_min_ms = 200,
		.install_delay_max_ms = 800,
		.state_timeout_ms = 30000,
		.speedup = 1,
	};
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void neto_cfg_free(neto_cfg *c)
{
	free(c->store.uri);
	free(c->api.listen);
	free(c->api.host);
	free(c->api.token);
	for (size_t i = 0; i < c->n_agents; i++) {
		neto_cfg_agent *a = &c->agents[i];
		free(a->name);
		free(a->driver);
		free_list(a->routers, a->n_routers);
		free(a->parent);
		free_list(a->exporters, a->n_exporters);
		free(a->pcep_listen);
		free_list(a->pcep_peers, a->n_pcep_peers);
		free(a->pcep_map);
		free(a->listen);
		free(a->listen_host);
		free_list(a->exporter_addrs, a->n_exporter_addrs);
		free(a->prefixes);
		free_list(a->dscp_classes, a->n_dscp_classes);
		free(a->default_class);
		free(a->metrics);
		free_list(a->ingress_ifaces, a->n_ingress_ifaces);
	}
	free(c->agents);
	free(c->sim.topology);
	free(c->sim.demands.file);
	free(c->sim.scenario);
	memset(c, 0, sizeof *c);
}

const neto_cfg_agent *cfg_agent_find(const neto_cfg *c, const char *name)
{
	for (size_t i = 0; i < c->n_agents; i++)
		if (strcmp(c->agents[i].name, name) == 0)
			return &c->agents[i];
	return NULL;
}

/* ---- keys ------------------------------------------------------------------ */

typedef enum sect {
	S_STORE,
	S_CONTROLLER,
	S_SCHEDULER,
	S_API,
	S_AGENT,
	S_SIM,
	S_COUNT
} sect;

static const char *const sect_names[S_COUNT] = { "store", "controller", "scheduler",
						 "api", "agent", "sim" };

/* The keys of each section, NULL-terminated; a key's index is its bit in
 * the "seen" masks. */
static const char *const keys_store[] = { "uri", NULL };
static const char *const keys_controller[] = { "period",   "lease",     "demand_threshold",
					       "max_steps", "te_engine", "k_paths",
					       "transition", NULL };
static const char *const keys_scheduler[] = { "task_timeout", "max_attempts", "backoff",
					      NULL };
static const char *const keys_api[] = { "listen", "token", NULL };
enum { A_ROLE, A_DRIVER, A_ROUTERS, A_PARENT, A_EXPORTERS, A_WINDOW, A_SMOOTHING,
       A_PCEP_LISTEN, A_PCEP_PEERS, A_PCEP_MAP,
       A_LISTEN, A_RCVBUF, A_EXPORTER_ADDRS, A_PREFIXES, A_DSCP_CLASSES, A_DEFAULT_CLASS,
       A_SAMPLING, A_METRICS, A_TEMPLATE_TIMEOUT, A_INGRESS_IFACES,
       A_PE_TRAFFIC, A_PE_TRAFFIC_TOP, A_NKEYS };
static const char *const keys_agent[] = { "role",      "driver", "routers",   "parent",
					  "exporters", "window", "smoothing",
					  "pcep_listen", "pcep_peers", "pcep_map",
					  "listen", "rcvbuf", "exporter_addrs", "prefixes",
					  "dscp_classes", "default_class", "sampling", "metrics",
					  "template_timeout", "ingress_ifaces",
					  "pe_traffic", "pe_traffic_top", NULL };
static const char *const keys_sim[] = { "topology",      "demands",  "seed",
					"install_delay", "state_timeout", "scenario",
					"speedup",       NULL };
static const char *const *const sect_keys[S_COUNT] = { keys_store, keys_controller,
						       keys_scheduler, keys_api,
						       keys_agent, keys_sim };

#define MAX_KEYS 24

typedef struct agent_lines {
	unsigned header;		/* line of "[agent NAME]" */
	unsigned key[A_NKEYS];		/* line of each key, 0 when absent */
} agent_lines;

typedef struct parse_ctx {
	const char *name;		/* file name for messages */
	neto_cfg *cfg;
	neto_err *err;
	bool failed;
	/* reader state */
	const char *p, *end;
	unsigned lineno;		/* line being read or handled */
	bool at_line_start;
	/* sections seen in the line scan: line of the header, 0 if absent */
	unsigned sect_line[S_COUNT];
	unsigned seen[S_COUNT][MAX_KEYS];	/* line of each key given */
	agent_lines *alines;		/* per agent, same order as cfg->agents */
	unsigned listen_line, token_line;
} parse_ctx;

__attribute__((format(printf, 3, 4))) static int fail_at(parse_ctx *x, unsigned line,
							 const char *fmt, ...)
{
	if (x->failed)
		return -1;
	x->failed = true;
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return neto_err_at(x->err, x->name, line, "%s", msg);
}

/* ---- pass 1: lines and section headers ------------------------------------- */

static bool agent_name_ok(const char *s, size_t n)
{
	if (n == 0 || n > 40)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-'))
			return false;
	}
	return true;
}

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\f' || ch == '\v';
}

/* A section header line "[...]": records the section (and creates the
 * agent). */
static int scan_header(parse_ctx *x, const char *s, size_t n, unsigned line)
{
	const char *close = memchr(s, ']', n);
	if (close == NULL)
		return fail_at(x, line, "section header without ']'");
	for (const char *q = close + 1; q < s + n; q++) {
		if (*q == ';' || *q == '#')
			break;
		if (!is_blank(*q))
			return fail_at(x, line, "text after the section header");
	}
	const char *in = s + 1;
	size_t len = (size_t)(close - in);
	if (len > CFG_MAX_SECTION)
		return fail_at(x, line, "section name too long");
	for (int k = 0; k < S_COUNT; k++) {
		if (k == S_AGENT)
			continue;
		if (len == strlen(sect_names[k]) && memcmp(in, sect_names[k], len) == 0) {
			if (x->sect_line[k])
				return fail_at(x, line, "section [%s] given twice (first on line %u)",
					       sect_names[k], x->sect_line[k]);
			x->sect_line[k] = line;
			return 0;
		}
	}
	/* [bgp] and [peer NAME] belong to the BGP speaker, which parses them
	 * itself (src/agent/bgp_cfg.c, docs/bgp.md) */
	if ((len == 3 && memcmp(in, "bgp", 3) == 0) || (len > 5 && memcmp(in, "peer ", 5) == 0))
		return 0;
	/* [router] belongs to `neto router` (src/router/agent_cfg.c, docs/router.md) */
	if (len == 6 && memcmp(in, "router", 6) == 0)
		return 0;
	/* [peering] belongs to the peering role (src/pe/pe_cfg.c, docs/peering.md) */
	if (len == 7 && memcmp(in, "peering", 7) == 0)
		return 0;
	if (len > 6 && memcmp(in, "agent ", 6) == 0) {
		const char *nm = in + 6;
		size_t nlen = len - 6;
		if (!agent_name_ok(nm, nlen))
			return fail_at(x, line,
				       "[agent NAME]: NAME must be 1 to 40 letters, digits, '.', '_' or '-'");
		neto_cfg *c = x->cfg;
		for (size_t i = 0; i < c->n_agents; i++)
			if (strlen(c->agents[i].name) == nlen &&
			    memcmp(c->agents[i].name, nm, nlen) == 0)
				return fail_at(x, line,
					       "section [agent %s] given twice (first on line %u)",
					       c->agents[i].name, x->alines[i].header);
		if (c->n_agents == CFG_MAX_AGENTS)
			return fail_at(x, line, "more than %d agents", CFG_MAX_AGENTS);
		c->agents = neto_reallocarray(c->agents, c->n_agents + 1, sizeof *c->agents);
		x->alines = neto_reallocarray(x->alines, c->n_agents + 1, sizeof *x->alines);
		neto_cfg_agent *a = &c->agents[c->n_agents];
		memset(a, 0, sizeof *a);
		a->name = neto_strndup(nm, nlen);
		a->window_ms = 10000;
		a->smoothing = CFG_SMOOTH_EWMA;
		a->smoothing_param = 0.3;
		memset(&x->alines[c->n_agents], 0, sizeof *x->alines);
		x->alines[c->n_agents].header = line;
		c->n_agents++;
		x->sect_line[S_AGENT] = line;
		return 0;
	}
	char shown[64];
	return fail_at(x, line,
		       "unknown section [%s] (store, controller, scheduler, api, agent NAME, sim)",
		       neto_span_str((neto_span){ in, len }, shown, sizeof shown));
}

static int scan_lines(parse_ctx *x, const char *buf, size_t len)
{
	unsigned line = 0;
	bool in_section = false;
	size_t pos = 0;
	while (pos < len) {
		line++;
		const char *s = buf + pos;
		const char *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;
		pos += n + (nl != NULL);
		/* counted with the BOM and '\r', as libinih's buffer holds them */
		if (n > CFG_MAX_LINE)
			return fail_at(x, line, "line longer than %d bytes", CFG_MAX_LINE);
		if (n > 0 && s[n - 1] == '\r')
			n--;
		if (line == 1 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
			s += 3;
			n -= 3;
		}
		size_t i = 0;
		while (i < n && is_blank(s[i]))
			i++;
		if (i == n || s[i] == ';' || s[i] == '#')
			continue;
		if (i > 0)
			return fail_at(x, line,
				       "indented line (continuation lines are not supported)");
		if (s[0] == '[') {
			if (scan_header(x, s, n, line) != 0)
				return -1;
			in_section = true;
			continue;
		}
		size_t eq = 0;
		while (eq < n && s[eq] != '=' && s[eq] != ':')
			eq++;
		if (eq == n || s[eq] != '=')
			return fail_at(x, line, "expected 'key = value' or '[section]'");
		if (!in_section)
			return fail_at(x, line, "key outside a section");
	}
	return 0;
}

/* ---- pass 2: keys --------------------------------------------------------- */

/* fgets-like reader over the scanned copy; counts lines as they start. */
static char *reader(char *str, int num, void *stream)
{
	parse_ctx *x = stream;
	if (x->p >= x->end || num < 2)
		return NULL;
	if (x->at_line_start)
		x->lineno++;
	int i = 0;
	while (i < num - 1 && x->p < x->end) {
		char ch = *x->p++;
		str[i++] = ch;
		if (ch == '\n')
			break;
	}
	str[i] = '\0';
	x->at_line_start = i > 0 && str[i - 1] == '\n';
	return str;
}

static bool plain_number(const char *v)
{
	if (v[0] == '\0')
		return false;
	for (const char *p = v; *p; p++)
		if (!strchr("0123456789.eE+-", *p))
			return false;
	return true;
}

static int get_double(parse_ctx *x, const char *sec, const char *key, const char *v, double lo,
		      double hi, bool lo_open, double *out)
{
	double d;
	if (!plain_number(v) || !neto_span_to_double((neto_span){ v, strlen(v) }, &d) ||
	    d < lo || (lo_open && d == lo) || d > hi)
		return fail_at(x, x->lineno, "[%s] %s: '%.60s' is not a number in %s%g, %g]", sec,
			       key, v, lo_open ? "(" : "[", lo, hi);
	*out = d;
	return 0;
}

static int get_u32(parse_ctx *x, const char *sec, const char *key, const char *v, uint32_t lo,
		   uint32_t hi, uint32_t *out)
{
	uint32_t u;
	if (!neto_span_to_u32((neto_span){ v, strlen(v) }, &u) || u < lo || u > hi)
		return fail_at(x, x->lineno, "[%s] %s: '%.60s' is not a whole number in %u..%u", sec,
			       key, v, lo, hi);
	*out = u;
	return 0;
}

static int get_duration(parse_ctx *x, const char *sec, const char *key, const char *v,
			bool allow_zero, int64_t *out)
{
	neto_err e;
	int64_t ms;
	if (cfg_parse_duration(v, &ms, &e) != 0)
		return fail_at(x, x->lineno, "[%s] %s: %s", sec, key, e.msg);
	if (ms == 0 && !allow_zero)
		return fail_at(x, x->lineno, "[%s] %s: must be longer than 0", sec, key);
	*out = ms;
	return 0;
}

static int get_string(parse_ctx *x, const char *sec, const char *key, const char *v, char **out)
{
	if (v[0] == '\0')
		return fail_at(x, x->lineno, "[%s] %s: empty value", sec, key);
	if (strlen(v) > CFG_MAX_VALUE)
		return fail_at(x, x->lineno, "[%s] %s: longer than %d characters", sec, key,
			       CFG_MAX_VALUE);
	free(*out);
	*out = neto_strdup(v);
	return 0;
}

/* A comma-separated list of non-empty items without blanks; duplicates are
 * errors. */
static int get_list(parse_ctx *x, const char *sec, const char *key, const char *v, char ***out,
		    size_t *n)
{
	neto_span f[256];
	size_t nf = neto_split((neto_span){ v, strlen(v) }, ',', f, 255);
	if (nf > 255)
		return fail_at(x, x->lineno, "[%s] %s: more than 255 items", sec, key);
	char **items = neto_calloc(nf ? nf : 1, sizeof *items);
	for (size_t i = 0; i < nf; i++) {
		bool bad = f[i].len == 0;
		for (size_t j = 0; j < f[i].len && !bad; j++)
			bad = is_blank(f[i].p[j]);
		for (size_t j = 0; j < i && !bad; j++)
			bad = strlen(items[j]) == f[i].len && memcmp(items[j], f[i].p, f[i].len) == 0;
		if (bad) {
			free_list(items, i);
			char shown[64];
			return fail_at(x, x->lineno,
				       "[%s] %s: item %zu ('%s') is empty, has blanks or is repeated",
				       sec, key, i + 1, neto_span_str(f[i], shown, sizeof shown));
		}
		items[i] = neto_strndup(f[i].p, f[i].len);
	}
	*out = items;
	*n = nf;
	return 0;
}

static int set_controller(parse_ctx *x, int k, const char *v)
{
	neto_cfg_controller *c = &x->cfg->controller;
	const char *key = keys_controller[k];
	switch (k) {
	case 0:
		return get_duration(x, "controller", key, v, false, &c->period_ms);
	case 1:
		return get_duration(x, "controller", key, v, false, &c->lease_ms);
	case 2:
		return get_double(x, "controller", key, v, 0, 1000, false, &c->demand_threshold);
	case 3:
		return get_u32(x, "controller", key, v, 1, 1000, &c->max_steps);
	case 4:
		if (strcmp(v, "heuristic") == 0)
			c->te_engine = CFG_ENGINE_HEURISTIC;
		else if (strcmp(v, "exact") == 0)
			c->te_engine = CFG_ENGINE_EXACT;
		else
			return fail_at(x, x->lineno,
				       "[controller] te_engine: '%.60s' is not heuristic or exact", v);
		return 0;
	case 6:
		if (strcmp(v, "planned") == 0)
			c->one_shot = false;
		else if (strcmp(v, "one-shot") == 0)
			c->one_shot = true;
		else
			return fail_at(x, x->lineno,
				       "[controller] transition: '%.60s' is not planned or one-shot",
				       v);
		return 0;
	default:
		return get_u32(x, "controller", key, v, 1, 64, &c->k_paths);
	}
}

static int set_scheduler(parse_ctx *x, int k, const char *v)
{
	neto_cfg_scheduler *s = &x->cfg->scheduler;
	const char *key = keys_scheduler[k];
	switch (k) {
	case 0:
		return get_duration(x, "scheduler", key, v, false, &s->task_timeout_ms);
	case 1:
		return get_u32(x, "scheduler", key, v, 1, 1000, &s->max_attempts);
	default:
		return get_duration(x, "scheduler", key, v, true, &s->backoff_ms);
	}
}

static int set_api(parse_ctx *x, int k, const char *v)
{
	neto_cfg_api *a = &x->cfg->api;
	if (k == 0) {
		neto_err e;
		char *host;
		uint16_t port;
		bool loop;
		if (cfg_parse_listen(v, &host, &port, &loop, &e) != 0)
			return fail_at(x, x->lineno, "[api] listen: %s", e.msg);
		free(a->listen);
		free(a->host);
		a->listen = neto_strdup(v);
		a->host = host;
		a->port = port;
		a->loopback = loop;
		x->listen_line = x->lineno;
		return 0;
	}
	size_t n = strlen(v);
	if (n < 16 || n > 128)
		return fail_at(x, x->lineno, "[api] token: must be 16 to 128 characters");
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] <= 0x20 || (unsigned char)v[i] >= 0x7f)
			return fail_at(x, x->lineno,
				       "[api] token: only visible ASCII characters (no blanks)");
	x->token_line = x->lineno;
	return get_string(x, "api", "token", v, &a->token);
}

static int set_smoothing(parse_ctx *x, neto_cfg_agent *a, const char *v)
{
	char sec[64];
	snprintf(sec, sizeof sec, "agent %s", a->name);
	if (strcmp(v, "none") == 0) {
		a->smoothing = CFG_SMOOTH_NONE;
		a->smoothing_param = 0;
		return 0;
	}
	if (strncmp(v, "ewma:", 5) == 0) {
		a->smoothing = CFG_SMOOTH_EWMA;
		return get_double(x, sec, "smoothing: ewma weight", v + 5, 0, 1, true,
				  &a->smoothing_param);
	}
	if (v[0] == 'p') {
		uint32_t p = 0;
		if (get_u32(x, sec, "smoothing: percentile", v + 1, 1, 100, &p) != 0)
			return -1;
		a->smoothing = CFG_SMOOTH_PERCENTILE;
		a->smoothing_param = p;
		return 0;
	}
	return fail_at(x, x->lineno, "[agent %s] smoothing: '%.60s' is not ewma:W, pNN or none",
		       a->name, v);
}

/* The collector's keys (docs/config.md, docs/ipfix.md). */
static int set_collector(parse_ctx *x, neto_cfg_agent *a, const char *sec, int k, const char *v)
{
	neto_err e;
	switch (k) {
	case A_LISTEN: {
		bool lo;
		char *host = NULL;
		if (cfg_parse_listen(v, &host, &a->listen_port, &lo, &e) != 0)
			return fail_at(x, x->lineno, "[%s] listen: %s", sec, e.msg);
		free(a->listen_host);
		a->listen_host = host;
		return get_string(x, sec, "listen", v, &a->listen);
	}
	case A_RCVBUF:
		return get_u32(x, sec, "rcvbuf", v, 0, 1u << 30, &a->rcvbuf);
	case A_EXPORTER_ADDRS:
		if (get_list(x, sec, "exporter_addrs", v, &a->exporter_addrs,
			     &a->n_exporter_addrs) != 0)
			return -1;
		for (size_t i = 0; i < a->n_exporter_addrs; i++) {
			const char *at = strchr(a->exporter_addrs[i], '@');
			uint8_t buf[16];
			if (!at || at == a->exporter_addrs[i] ||
			    (inet_pton(AF_INET, at + 1, buf) != 1 &&
			     inet_pton(AF_INET6, at + 1, buf) != 1))
				return fail_at(x, x->lineno,
					       "[%s] exporter_addrs: '%.60s' is not NAME@ADDRESS "
					       "(an IPv4 or IPv6 address)", sec, a->exporter_addrs[i]);
		}
		return 0;
	case A_PREFIXES:
		return get_string(x, sec, "prefixes", v, &a->prefixes);
	case A_DSCP_CLASSES:
		if (get_list(x, sec, "dscp_classes", v, &a->dscp_classes, &a->n_dscp_classes) != 0)
			return -1;
		for (size_t i = 0; i < a->n_dscp_classes; i++) {
			const char *it = a->dscp_classes[i], *colon = strchr(it, ':');
			uint32_t d;
			if (!colon || colon[1] == '\0' ||
			    !neto_span_to_u32((neto_span){ it, (size_t)(colon - it) }, &d) || d > 63)
				return fail_at(x, x->lineno,
					       "[%s] dscp_classes: '%.60s' is not DSCP:CLASS "
					       "(DSCP 0..63)", sec, it);
		}
		return 0;
	case A_DEFAULT_CLASS:
		return get_string(x, sec, "default_class", v, &a->default_class);
	case A_SAMPLING:
		return get_u32(x, sec, "sampling", v, 1, UINT32_MAX, &a->sampling);
	case A_METRICS: {
		bool lo;
		uint16_t port;
		char *host = NULL;
		if (cfg_parse_listen(v, &host, &port, &lo, &e) != 0)
			return fail_at(x, x->lineno, "[%s] metrics: %s", sec, e.msg);
		free(host);
		return get_string(x, sec, "metrics", v, &a->metrics);
	}
	case A_INGRESS_IFACES:
		if (get_list(x, sec, "ingress_ifaces", v, &a->ingress_ifaces,
			     &a->n_ingress_ifaces) != 0)
			return -1;
		for (size_t i = 0; i < a->n_ingress_ifaces; i++) {
			const char *it = a->ingress_ifaces[i], *c1 = strchr(it, ':');
			const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
			uint32_t ifx;
			if (!c1 || !c2 || c1 == it || c2[1] == '\0' || strchr(c2 + 1, ':') ||
			    !neto_span_to_u32((neto_span){ c1 + 1, (size_t)(c2 - c1 - 1) }, &ifx))
				return fail_at(x, x->lineno,
					       "[%s] ingress_ifaces: '%.60s' is not "
					       "EXPORTER:IFINDEX:ROUTER", sec, it);
		}
		return 0;
	case A_PE_TRAFFIC:
		if (strcmp(v, "yes") != 0 && strcmp(v, "no") != 0)
			return fail_at(x, x->lineno, "[%s] pe_traffic: '%.60s' is not yes or no",
				       sec, v);
		a->pe_traffic = strcmp(v, "yes") == 0;
		return 0;
	case A_PE_TRAFFIC_TOP:
		return get_u32(x, sec, "pe_traffic_top", v, 1, 10000000, &a->pe_traffic_top);
	default:
		return get_duration(x, sec, "template_timeout", v, false, &a->template_timeout_ms);
	}
}

static int set_agent(parse_ctx *x, size_t idx, int k, const char *v)
{
	neto_cfg_agent *a = &x->cfg->agents[idx];
	char sec[64];
	snprintf(sec, sizeof sec, "agent %s", a->name);
	switch (k) {
	case A_ROLE:
		if (strcmp(v, "update") == 0)
			a->role = CFG_ROLE_UPDATE;
		else if (strcmp(v, "topology") == 0)
			a->role = CFG_ROLE_TOPOLOGY;
		else if (strcmp(v, "flow") == 0)
			a->role = CFG_ROLE_FLOW;
		else
			return fail_at(x, x->lineno,
				       "[%s] role: '%.60s' is not update, topology or flow", sec, v);
		return 0;
	case A_DRIVER:
		if (strcmp(v, "sim") != 0 && strcmp(v, "pcep") != 0 && strcmp(v, "egress") != 0)
			return fail_at(x, x->lineno,
				       "[%s] driver: '%.60s' is not a driver (sim, pcep, egress)", sec,
				       v);
		return get_string(x, sec, "driver", v, &a->driver);
	case A_ROUTERS:
		return get_list(x, sec, "routers", v, &a->routers, &a->n_routers);
	case A_PARENT:
		if (!agent_name_ok(v, strlen(v)))
			return fail_at(x, x->lineno, "[%s] parent: '%.60s' is not an agent name", sec,
				       v);
		return get_string(x, sec, "parent", v, &a->parent);
	case A_EXPORTERS:
		return get_list(x, sec, "exporters", v, &a->exporters, &a->n_exporters);
	case A_WINDOW:
		return get_duration(x, sec, "window", v, false, &a->window_ms);
	case A_PCEP_LISTEN: {
		char *host = NULL;
		uint16_t port;
		bool lo;
		neto_err e;
		if (cfg_parse_listen(v, &host, &port, &lo, &e) != 0)
			return fail_at(x, x->lineno, "[%s] pcep_listen: %s", sec, e.msg);
		free(host);
		return get_string(x, sec, "pcep_listen", v, &a->pcep_listen);
	}
	case A_PCEP_PEERS:
		if (get_list(x, sec, "pcep_peers", v, &a->pcep_peers, &a->n_pcep_peers) != 0)
			return -1;
		for (size_t i = 0; i < a->n_pcep_peers; i++) {
			const char *eq = strchr(a->pcep_peers[i], '=');
			unsigned char addr[16];
			if (eq == NULL || eq == a->pcep_peers[i] ||
			    (inet_pton(AF_INET, eq + 1, addr) != 1 &&
			     inet_pton(AF_INET6, eq + 1, addr) != 1))
				return fail_at(x, x->lineno,
					       "[%s] pcep_peers: '%.60s' is not ROUTER=ADDRESS", sec,
					       a->pcep_peers[i]);
		}
		return 0;
	case A_PCEP_MAP:
		return get_string(x, sec, "pcep_map", v, &a->pcep_map);
	case A_SMOOTHING:
		return set_smoothing(x, a, v);
	default:
		return set_collector(x, a, sec, k, v);
	}
}

/* "KIND FILE [scale=F] [start=N] [step=DURATION]" */
static int set_series(parse_ctx *x, const char *v)
{
	neto_cfg_series *s = &x->cfg->sim.demands;
	neto_span f[8];
	size_t nf = neto_split((neto_span){ v, strlen(v) }, 0, f, 6);
	if (nf < 2 || nf > 5)
		return fail_at(x, x->lineno,
			       "[sim] demands: expected 'csv FILE [scale=F] [step=DURATION]' or "
			       "'abilene-hourly FILE [scale=F] [start=HOUR] [step=DURATION]'");
	if (neto_span_eq(f[0], "csv"))
		s->kind = CFG_SERIES_CSV;
	else if (neto_span_eq(f[0], "abilene-hourly"))
		s->kind = CFG_SERIES_ABILENE_HOURLY;
	else
		return fail_at(x, x->lineno,
			       "[sim] demands: unknown series kind (csv or abilene-hourly)");
	if (f[1].len > CFG_MAX_SERIES_FILE)
		return fail_at(x, x->lineno, "[sim] demands: file name longer than %d characters",
			       CFG_MAX_SERIES_FILE);
	free(s->file);
	s->file = neto_strndup(f[1].p, f[1].len);
	bool seen[3] = { false, false, false };
	for (size_t i = 2; i < nf; i++) {
		char opt[80];
		neto_span_str(f[i], opt, sizeof opt);
		char *eq = strchr(opt, '=');
		int which = -1;
		if (eq != NULL) {
			*eq = '\0';
			if (strcmp(opt, "scale") == 0)
				which = 0;
			else if (strcmp(opt, "start") == 0 && s->kind == CFG_SERIES_ABILENE_HOURLY)
				which = 1;
			else if (strcmp(opt, "step") == 0)
				which = 2;
		}
		if (which < 0)
			return fail_at(x, x->lineno, "[sim] demands: unknown option '%s'%s", opt,
				       s->kind == CFG_SERIES_CSV ? " (csv takes scale=F, step=DURATION)"
							       : " (scale=F, start=HOUR, step=DURATION)");
		if (seen[which])
			return fail_at(x, x->lineno, "[sim] demands: option '%s' given twice", opt);
		seen[which] = true;
		const char *val = eq + 1;
		int rc;
		if (which == 0)
			rc = get_double(x, "sim", "demands scale", val, 0, 1e12, true, &s->scale);
		else if (which == 1)
			rc = get_u32(x, "sim", "demands start", val, 1, 1000000, &s->start);
		else
			rc = get_duration(x, "sim", "demands step", val, false, &s->step_ms);
		if (rc != 0)
			return -1;
	}
	return 0;
}

static int set_sim(parse_ctx *x, int k, const char *v)
{
	neto_cfg_sim *s = &x->cfg->sim;
	const char *key = keys_sim[k];
	switch (k) {
	case 0:
		return get_string(x, "sim", key, v, &s->topology);
	case 1:
		return set_series(x, v);
	case 2:
		if (!neto_span_to_u64((neto_span){ v, strlen(v) }, &s->seed))
			return fail_at(x, x->lineno, "[sim] seed: '%.60s' is not a whole number", v);
		return 0;
	case 3: {
		const char *dots = strstr(v, "..");
		char lo[64];
		const char *hi = v;
		if (dots != NULL) {
			size_t n = (size_t)(dots - v);
			if (n >= sizeof lo)
				return fail_at(x, x->lineno, "[sim] install_delay: bad range");
			memcpy(lo, v, n);
			lo[n] = '\0';
			hi = dots + 2;
		} else {
			snprintf(lo, sizeof lo, "%s", v);
		}
		if (get_duration(x, "sim", key, lo, true, &s->install_delay_min_ms) != 0 ||
		    get_duration(x, "sim", key, hi, true, &s->install_delay_max_ms) != 0)
			return -1;
		if (s->install_delay_min_ms > s->install_delay_max_ms)
			return fail_at(x, x->lineno, "[sim] install_delay: MIN..MAX with MIN > MAX");
		return 0;
	}
	case 4:
		return get_duration(x, "sim", key, v, false, &s->state_timeout_ms);
	case 5:
		return get_string(x, "sim", key, v, &s->scenario);
	default:
		return get_double(x, "sim", key, v, 0, 1e6, true, &s->speedup);
	}
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	parse_ctx *x = user;
	if (x->failed)
		return 1;
	sect s = S_COUNT;
	size_t agent = 0;
	if (strcmp(section, "bgp") == 0 || strncmp(section, "peer ", 5) == 0)
		return 1;	/* see scan_header */
	if (strcmp(section, "router") == 0 || strcmp(section, "peering") == 0)
		return 1;
	if (strncmp(section, "agent ", 6) == 0) {
		s = S_AGENT;
		for (agent = 0; agent < x->cfg->n_agents; agent++)
			if (strcmp(x->cfg->agents[agent].name, section + 6) == 0)
				break;
		if (agent == x->cfg->n_agents) {
			fail_at(x, x->lineno, "internal: unscanned section");
			return 0;
		}
	} else {
		for (int i = 0; i < S_COUNT; i++)
			if (i != S_AGENT && strcmp(section, sect_names[i]) == 0)
				s = (sect)i;
		if (s == S_COUNT) {
			fail_at(x, x->lineno, "internal: unscanned section");
			return 0;
		}
	}
	const char *const *keys = sect_keys[s];
	int k = 0;
	while (keys[k] != NULL && strcmp(keys[k], name) != 0)
		k++;
	if (keys[k] == NULL) {
		char list[256] = "";
		for (int i = 0; keys[i] != NULL; i++)
			snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
				 i ? ", " : "", keys[i]);
		fail_at(x, x->lineno, "[%s] unknown key '%.60s' (keys: %s)", section, name, list);
		return 0;
	}
	unsigned *seen = s == S_AGENT ? x->alines[agent].key : x->seen[s];
	if (seen[k]) {
		fail_at(x, x->lineno, "[%s] %s given twice (first on line %u)", section, name,
			seen[k]);
		return 0;
	}
	seen[k] = x->lineno;
	if (value[0] == ';') {
		/* "key =;x" reads as ";x", "key = ;x" as a comment: refuse both */
		fail_at(x, x->lineno, "[%s] %s: a value cannot start with ';'", section, name);
		return 0;
	}
	int rc;
	switch (s) {
	case S_STORE: {
		neto_err e;
		if (cfg_check_store_uri(value, &e) != 0) {
			fail_at(x, x->lineno, "[store] uri: %s", e.msg);
			return 0;
		}
		rc = get_string(x, "store", name, value, &x->cfg->store.uri);
		break;
	}
	case S_CONTROLLER:
		rc = set_controller(x, k, value);
		break;
	case S_SCHEDULER:
		rc = set_scheduler(x, k, value);
		break;
	case S_API:
		rc = set_api(x, k, value);
		break;
	case S_AGENT:
		rc = set_agent(x, agent, k, value);
		break;
	default:
		rc = set_sim(x, k, value);
		break;
	}
	return rc == 0;
}

/* ---- checks across keys --------------------------------------------------- */

static int collector_check(parse_ctx *x, neto_cfg_agent *a, const agent_lines *al);

static int check_agents(parse_ctx *x)
{
	neto_cfg *c = x->cfg;
	/* which keys each role takes */
	static const bool applies[3][A_NKEYS] = {
		[CFG_ROLE_UPDATE] = { [A_ROLE] = true, [A_DRIVER] = true, [A_ROUTERS] = true,
				      [A_PCEP_LISTEN] = true, [A_PCEP_PEERS] = true,
				      [A_PCEP_MAP] = true },
		[CFG_ROLE_TOPOLOGY] = { [A_ROLE] = true, [A_DRIVER] = true },
		[CFG_ROLE_FLOW] = { [A_ROLE] = true, [A_DRIVER] = true, [A_PARENT] = true,
				    [A_EXPORTERS] = true, [A_WINDOW] = true, [A_SMOOTHING] = true,
				    [A_LISTEN] = true, [A_RCVBUF] = true, [A_EXPORTER_ADDRS] = true,
				    [A_PREFIXES] = true, [A_DSCP_CLASSES] = true,
				    [A_DEFAULT_CLASS] = true, [A_SAMPLING] = true, [A_METRICS] = true,
				    [A_TEMPLATE_TIMEOUT] = true, [A_INGRESS_IFACES] = true,
				    [A_PE_TRAFFIC] = true, [A_PE_TRAFFIC_TOP] = true },
	};
	static const char *const role_names[] = { "update", "topology", "flow" };
	for (size_t i = 0; i < c->n_agents; i++) {
		neto_cfg_agent *a = &c->agents[i];
		const agent_lines *al = &x->alines[i];
		if (!al->key[A_ROLE])
			return fail_at(x, al->header,
				       "[agent %s]: role is required (update, topology or flow)", a->name);
		for (int k = 0; k < A_NKEYS; k++)
			if (al->key[k] && !applies[a->role][k])
				return fail_at(x, al->key[k], "[agent %s] %s: not a key of %s agents",
					       a->name, keys_agent[k], role_names[a->role]);
		if (a->driver == NULL)
			a->driver = neto_strdup("sim");
		for (int k = A_PCEP_LISTEN; k <= A_PCEP_MAP; k++)
			if (al->key[k] && strcmp(a->driver, "pcep") != 0)
				return fail_at(x, al->key[k], "[agent %s] %s: only with driver = pcep",
					       a->name, keys_agent[k]);
		if (strcmp(a->driver, "pcep") == 0 && a->pcep_listen == NULL)
			a->pcep_listen = neto_strdup("0.0.0.0:4189");
		if (a->role == CFG_ROLE_UPDATE && a->n_routers == 0) {
			a->routers = neto_calloc(1, sizeof *a->routers);
			a->routers[0] = neto_strdup("*");
			a->n_routers = 1;
		}
		if (a->role != CFG_ROLE_FLOW) {
			a->window_ms = 0;
			a->smoothing = CFG_SMOOTH_NONE;
			a->smoothing_param = 0;
		}
	}
	for (size_t i = 0; i < c->n_agents; i++) {
		neto_cfg_agent *a = &c->agents[i];
		if (a->role != CFG_ROLE_FLOW)
			continue;
		const agent_lines *al = &x->alines[i];
		if (a->parent != NULL) {
			const neto_cfg_agent *p = cfg_agent_find(c, a->parent);
			if (p == NULL || p->role != CFG_ROLE_FLOW || p == a)
				return fail_at(x, al->key[A_PARENT],
					       "[agent %s] parent: '%s' is not another flow agent",
					       a->name, a->parent);
			/* walk up: at most n_agents steps without a cycle */
			const neto_cfg_agent *q = a;
			size_t steps = 0;
			while (q != NULL && q->parent != NULL && steps <= c->n_agents) {
				q = cfg_agent_find(c, q->parent);
				steps++;
			}
			if (steps > c->n_agents)
				return fail_at(x, al->key[A_PARENT],
					       "[agent %s] parent: the flow agents' parents form a cycle",
					       a->name);
		}
		if (collector_check(x, a, al) != 0)
			return -1;
		if (a->n_exporters == 0) {
			bool child = false;
			for (size_t j = 0; j < c->n_agents && !child; j++)
				child = c->agents[j].role == CFG_ROLE_FLOW && c->agents[j].parent &&
					strcmp(c->agents[j].parent, a->name) == 0;
			if (!child)
				return fail_at(x, al->header,
					       "[agent %s]: a flow agent needs exporters or a child agent",
					       a->name);
		}
	}
	return 0;
}

/* The collector's keys need listen, and name the agent's exporters. */
static int collector_check(parse_ctx *x, neto_cfg_agent *a, const agent_lines *al)
{
	if (!a->listen) {
		for (int k = A_RCVBUF; k < A_NKEYS; k++)
			if (al->key[k])
				return fail_at(x, al->key[k], "[agent %s] %s: needs listen (the "
					       "collector's address)", a->name, keys_agent[k]);
		return 0;
	}
	if (a->n_exporters == 0)
		return fail_at(x, al->key[A_LISTEN],
			       "[agent %s] listen: a collector needs exporters", a->name);
	for (size_t i = 0; i < a->n_exporter_addrs; i++) {
		const char *it = a->exporter_addrs[i];
		size_t nl = (size_t)(strchr(it, '@') - it);
		bool found = false;
		for (size_t j = 0; j < a->n_exporters && !found; j++)
			found = strlen(a->exporters[j]) == nl && memcmp(a->exporters[j], it, nl) == 0;
		if (!found)
			return fail_at(x, al->key[A_EXPORTER_ADDRS],
				       "[agent %s] exporter_addrs: '%.60s' names no exporter of "
				       "this agent", a->name, it);
	}
	for (size_t i = 0; i < a->n_ingress_ifaces; i++) {
		const char *it = a->ingress_ifaces[i];
		size_t nl = (size_t)(strchr(it, ':') - it);
		bool found = false;
		for (size_t j = 0; j < a->n_exporters && !found; j++)
			found = strlen(a->exporters[j]) == nl && memcmp(a->exporters[j], it, nl) == 0;
		if (!found)
			return fail_at(x, al->key[A_INGRESS_IFACES],
				       "[agent %s] ingress_ifaces: '%.60s' names no exporter of "
				       "this agent", a->name, it);
	}
	if (!a->default_class)
		a->default_class = neto_strdup("bronze");
	if (!a->sampling)
		a->sampling = 1;
	if (!a->template_timeout_ms)
		a->template_timeout_ms = 30 * 60 * 1000;
	if (al->key[A_PE_TRAFFIC_TOP] && !a->pe_traffic)
		return fail_at(x, al->key[A_PE_TRAFFIC_TOP],
			       "[agent %s] pe_traffic_top: needs pe_traffic = yes", a->name);
	if (!a->pe_traffic_top)
		a->pe_traffic_top = 100000;
	return 0;
}

static int check_all(parse_ctx *x)
{
	neto_cfg *c = x->cfg;
	if (!c->api.loopback && c->api.token == NULL)
		return fail_at(x, x->listen_line,
			       "[api] listen: '%s' is not a loopback address, so [api] token is required",
			       c->api.listen);
	if (check_agents(x) != 0)
		return -1;
	c->sim.enabled = x->sect_line[S_SIM] != 0;
	if (c->sim.enabled && c->sim.topology == NULL)
		return fail_at(x, x->sect_line[S_SIM], "[sim]: topology is required");
	return 0;
}

int cfg_parse(const char *buf, size_t len, const char *name, neto_cfg *out, neto_err *err)
{
	if (len > CFG_MAX_BYTES)
		return neto_err_at(err, name, 0, "configuration larger than %zu bytes",
				   (size_t)CFG_MAX_BYTES);
	if (neto_text_check_nul(buf, len, name, err) != 0)
		return -1;
	neto_cfg_defaults(out);
	char *copy = neto_malloc(len + 1);
	if (len > 0)
		memcpy(copy, buf, len);
	copy[len] = '\0';

	parse_ctx x = { .name = name, .cfg = out, .err = err, .p = copy, .end = copy + len,
			.at_line_start = true };
	int rc = scan_lines(&x, copy, len);
	if (rc == 0) {
		int bad = ini_parse_stream(reader, &x, handler, &x);
		if (x.failed)
			rc = -1;
		else if (bad != 0)
			/* the line scan lets through nothing that libinih rejects;
			 * kept as a defensive check */
			rc = fail_at(&x, bad > 0 ? (unsigned)bad : 0, "syntax error");
	}
	if (rc == 0)
		rc = check_all(&x);
	free(x.alines);
	free(copy);
	if (rc != 0) {
		neto_cfg_free(out);
		return -1;
	}
	return 0;
}
