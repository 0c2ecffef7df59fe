/*
 * agent_cfg.c - the [router] section of neto's configuration file (agent.h,
 * docs/router.md), and the pure helpers that turn an LSP into a segment
 * list: its colour, its SRv6 SIDs, the weights of a group.
 *
 * The section is read with libinih over a private copy of the input; other
 * sections are skipped (cfg_parse checks them). class and endpoint may be
 * given several times (one line each); every other key once per file.
 */
#include <arpa/inet.h>
#include <ini.h>
#include <stdlib.h>
#include <string.h>

#include "cfg/cfg.h"
#include "lib/mem.h"
#include "router/agent.h"

void ragent_cfg_defaults(ragent_cfg *c)
{
	memset(c, 0, sizeof *c);
	c->pce_port = PCEP_PORT;
	c->state_timeout_ms = 30000;
	c->reconnect_ms = 1000;
	c->keepalive = 30;
	c->rule_prio = 1000;
	c->te_period_ms = 5000;
	c->telemetry_period_ms = 5000;
	c->telemetry_unit_bps = 1e6;
	probe_cfg_defaults(&c->probe);
}

void ragent_cfg_free(ragent_cfg *c)
{
	free(c->name);
	free(c->pce_host);
	free(c->ep);
	free(c->te_source);
	free(c->delays);
	free(c->telemetry_store);
	free(c->links);
	probe_cfg_free(&c->probe);
	memset(c, 0, sizeof *c);
}

static int parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	char *end;
	if (s[0] < '0' || s[0] > '9')
		return -1;
	unsigned long long v = strtoull(s, &end, 10);
	if (*end != '\0' || v < lo || v > hi)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* "HOST" or "HOST:PORT" ("[V6]:PORT" for IPv6 with a port). */
static int set_pce(ragent_cfg *c, const char *v, neto_err *err)
{
	char host[64];
	uint32_t port = PCEP_PORT;
	pcep_addr a;
	if (pcep_addr_parse(v, &a) == 0) {
		snprintf(host, sizeof host, "%s", v);
	} else {
		const char *colon = v[0] == '[' ? strstr(v, "]:") : strrchr(v, ':');
		size_t hl = colon ? (size_t)(colon - v) - (v[0] == '[') : 0;
		const char *h = v + (v[0] == '[');
		if (colon == NULL || hl == 0 || hl >= sizeof host)
			return neto_err_set(err, "pce: '%.80s' is not ADDRESS[:PORT]", v);
		memcpy(host, h, hl);
		host[hl] = '\0';
		if (parse_u32(colon + 1 + (v[0] == '['), 1, 65535, &port) != 0 ||
		    pcep_addr_parse(host, &a) != 0)
			return neto_err_set(err, "pce: '%.80s' is not ADDRESS[:PORT]", v);
	}
	free(c->pce_host);
	c->pce_host = neto_strdup(host);
	c->pce_port = (uint16_t)port;
	return 0;
}

/* "COLOR DSCP TABLE" */
static int add_class(ragent_cfg *c, const char *v, neto_err *err)
{
	char a[24], b[24], t[24], extra[2];
	uint32_t color, dscp, table;
	if (sscanf(v, "%23s %23s %23s %1s", a, b, t, extra) != 3 ||
	    parse_u32(a, 0, UINT32_MAX, &color) != 0 || parse_u32(b, 0, 63, &dscp) != 0 ||
	    parse_u32(t, 1, UINT32_MAX, &table) != 0)
		return neto_err_set(err, "class: '%.80s' is not COLOR DSCP(0-63) TABLE", v);
	/* 253..255 are the kernel's default, main and local tables: a policy
	 * there would steer every packet, not one class */
	if (table >= 253 && table <= 255)
		return neto_err_set(err, "class: table %u is a kernel table", table);
	for (uint32_t i = 0; i < c->n_cls; i++)
		if (c->cls[i].color == color)
			return neto_err_set(err, "class: colour %u given twice", color);
	if (c->n_cls == RAGENT_MAX_CLASSES)
		return neto_err_set(err, "class: more than %d classes", RAGENT_MAX_CLASSES);
	c->cls[c->n_cls++] = (ragent_class){ .color = color, .dscp = (uint8_t)dscp,
					     .table = table };
	return 0;
}

/* "ADDRESS PREFIX [PREFIX...]" */
static int add_endpoint(ragent_cfg *c, const char *v, neto_err *err)
{
	ragent_endpoint e;
	memset(&e, 0, sizeof e);
	char *copy = neto_strdup(v), *save = NULL;
	int rc = 0;
	char *tok = strtok_r(copy, " \t,", &save);
	if (tok == NULL || pcep_addr_parse(tok, &e.addr) != 0) {
		rc = neto_err_set(err, "endpoint: '%.80s' does not start with an address", v);
		goto out;
	}
	while ((tok = strtok_r(NULL, " \t,", &save)) != NULL) {
		if (e.n == RT_MAX_PREFIXES) {
			rc = neto_err_set(err, "endpoint: more than %d prefixes", RT_MAX_PREFIXES);
			goto out;
		}
		neto_err e2;
		if (rt_prefix_parse(tok, &e.p[e.n], &e2) != 0) {
			rc = neto_err_set(err, "endpoint: %s", e2.msg);
			goto out;
		}
		e.n++;
	}
	if (e.n == 0) {
		rc = neto_err_set(err, "endpoint: '%.80s' has no prefix", v);
		goto out;
	}
	if (ragent_endpoint_find(c, &e.addr)) {
		char as[64];
		rc = neto_err_set(err, "endpoint: %s given twice",
				  pcep_addr_str(&e.addr, as, sizeof as));
		goto out;
	}
	if (c->n_ep == RAGENT_MAX_ENDPOINTS) {
		rc = neto_err_set(err, "endpoint: more than %d end points", RAGENT_MAX_ENDPOINTS);
		goto out;
	}
	c->ep = neto_reallocarray(c->ep, c->n_ep + 1, sizeof *c->ep);
	c->ep[c->n_ep++] = e;
out:
	free(copy);
	return rc;
}

int ragent_cfg_set(ragent_cfg *c, const char *key, const char *v, neto_err *err)
{
	uint32_t u;
	if (strcmp(key, "name") == 0) {
		if (v[0] == '\0' || strlen(v) > 64)
			return neto_err_set(err, "name: 1 to 64 characters");
		free(c->name);
		c->name = neto_strdup(v);
		return 0;
	}
	if (strcmp(key, "pce") == 0)
		return set_pce(c, v, err);
	if (strcmp(key, "address") == 0) {
		if (pcep_addr_parse(v, &c->addr) != 0)
			return neto_err_set(err, "address: '%.80s' is not an IP address", v);
		return 0;
	}
	if (strcmp(key, "state_timeout") == 0 || strcmp(key, "reconnect") == 0) {
		int64_t ms;
		neto_err e2;
		if (cfg_parse_duration(v, &ms, &e2) != 0)
			return neto_err_set(err, "%s: %s", key, e2.msg);
		if (key[0] == 'r' && ms < 10)
			return neto_err_set(err, "reconnect: at least 10ms");
		*(key[0] == 's' ? &c->state_timeout_ms : &c->reconnect_ms) = ms;
		return 0;
	}
	if (strcmp(key, "apply_delay") == 0) {
		int64_t ms;
		neto_err e2;
		if (cfg_parse_duration(v, &ms, &e2) != 0)
			return neto_err_set(err, "apply_delay: %s", e2.msg);
		/* beyond a minute the session's keepalives would stop (the
		 * wait holds the agent's loop) */
		if (ms > 60000)
			return neto_err_set(err, "apply_delay: at most 60s");
		c->apply_delay_ms = ms;
		return 0;
	}
	if (strcmp(key, "keepalive") == 0) {
		/* RFC 5440 s7.3: the OPEN's Keepalive is one octet, 0 disables */
		if (parse_u32(v, 1, 63, &u) != 0)
			return neto_err_set(err, "keepalive: seconds, 1 to 63");
		c->keepalive = (uint8_t)u;
		return 0;
	}
	if (strcmp(key, "rule_priority") == 0) {
		if (parse_u32(v, 1, 32765, &u) != 0)
			return neto_err_set(err, "rule_priority: 1 to 32765");
		c->rule_prio = u;
		return 0;
	}
	if (strcmp(key, "te_source") == 0) {
		if ((strncmp(v, "frr:", 4) != 0 || v[4] == '\0' || strlen(v) > 4 + 40 ||
		     strspn(v + 4, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
			     strlen(v + 4)) &&
		    (strncmp(v, "file:", 5) != 0 || v[5] == '\0'))
			return neto_err_set(err, "te_source: frr:INSTANCE or file:PATH");
		free(c->te_source);
		c->te_source = neto_strdup(v);
		return 0;
	}
	if (strcmp(key, "te_period") == 0) {
		neto_err e2;
		if (cfg_parse_duration(v, &c->te_period_ms, &e2) != 0)
			return neto_err_set(err, "te_period: %s", e2.msg);
		if (c->te_period_ms < 100)
			return neto_err_set(err, "te_period: at least 100ms");
		return 0;
	}
	if (strcmp(key, "locator") == 0) {
		rt_prefix p;
		neto_err e2;
		if (rt_prefix_parse(v, &p, &e2) != 0 || p.len == 0 || p.len > 128)
			return neto_err_set(err, "locator: '%.80s' is not an IPv6 prefix", v);
		memset(&c->locator, 0, sizeof c->locator);
		memcpy(c->locator.addr, p.addr, 16);
		c->locator.len = p.len;
		c->has_locator = true;
		return 0;
	}
	if (strcmp(key, "igp_router_id") == 0) {
		if (inet_pton(AF_INET, v, c->igp_rid) != 1)
			return neto_err_set(err, "igp_router_id: '%.80s' is not an IPv4 address", v);
		c->has_igp_rid = true;
		return 0;
	}
	if (strcmp(key, "delay") == 0) {
		char as[64], us[24], extra[2];
		lsexport_delay d;
		memset(&d, 0, sizeof d);
		pcep_addr a;
		if (sscanf(v, "%63s %23s %1s", as, us, extra) != 2 || pcep_addr_parse(as, &a) != 0 ||
		    parse_u32(us, 0, 0xffffff, &d.delay_us) != 0)
			return neto_err_set(err, "delay: '%.80s' is not ADDRESS MICROSECONDS "
					    "(below 2^24)", v);
		d.af = a.af;
		memcpy(d.local, a.a, 16);
		if (c->n_delays == RAGENT_MAX_ENDPOINTS)
			return neto_err_set(err, "delay: more than %d", RAGENT_MAX_ENDPOINTS);
		c->delays = neto_reallocarray(c->delays, c->n_delays + 1, sizeof *c->delays);
		c->delays[c->n_delays++] = d;
		return 0;
	}
	if (strcmp(key, "telemetry_store") == 0) {
		if (v[0] == '\0' || strlen(v) > 160)
			return neto_err_set(err, "telemetry_store: a store URI");
		free(c->telemetry_store);
		c->telemetry_store = neto_strdup(v);
		return 0;
	}
	if (strcmp(key, "telemetry_period") == 0) {
		neto_err e2;
		if (cfg_parse_duration(v, &c->telemetry_period_ms, &e2) != 0)
			return neto_err_set(err, "telemetry_period: %s", e2.msg);
		if (c->telemetry_period_ms < 100)
			return neto_err_set(err, "telemetry_period: at least 100ms");
		return 0;
	}
	if (strcmp(key, "telemetry_unit") == 0) {
		static const struct { const char *n; double bps; } units[] = {
			{ "bps", 1 }, { "kbps", 1e3 }, { "Mbps", 1e6 }, { "Gbps", 1e9 } };
		for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
			if (strcmp(v, units[i].n) == 0) {
				c->telemetry_unit_bps = units[i].bps;
				return 0;
			}
		return neto_err_set(err, "telemetry_unit: bps, kbps, Mbps or Gbps");
	}
	if (strcmp(key, "link") == 0) {
		telemetry_link l;
		char extra[2];
		memset(&l, 0, sizeof l);
		if (sscanf(v, "%15s %63s %63s %63s %1s", l.ifname, l.id, l.src, l.dst, extra) != 4)
			return neto_err_set(err, "link: '%.80s' is not IFNAME ID SRC DST", v);
		if (c->n_links == RAGENT_MAX_ENDPOINTS)
			return neto_err_set(err, "link: more than %d", RAGENT_MAX_ENDPOINTS);
		c->links = neto_reallocarray(c->links, c->n_links + 1, sizeof *c->links);
		c->links[c->n_links++] = l;
		return 0;
	}
	if (strcmp(key, "class") == 0)
		return add_class(c, v, err);
	if (strcmp(key, "endpoint") == 0)
		return add_endpoint(c, v, err);
	if (strncmp(key, "probe_", 6) == 0)
		return probe_cfg_set(&c->probe, key, v, err);
	return neto_err_set(err, "unknown key '%.40s' (keys: name, pce, address, state_timeout, "
			    "reconnect, keepalive, rule_priority, apply_delay, class, endpoint, "
			    "te_source, te_period, locator, igp_router_id, delay, telemetry_store, "
			    "telemetry_period, telemetry_unit, link, probe_*)", key);
}

typedef struct pctx {
	ragent_cfg *c;
	const char *name;
	neto_err *err;
	bool failed;
	unsigned seen;		/* bit per once-only key */
} pctx;

static int handler(void *user, const char *section, const char *key, const char *value)
{
	pctx *x = user;
	if (x->failed || strcmp(section, "router") != 0)
		return 1;
	static const char *const once[] = { "name", "pce", "address", "state_timeout",
					    "reconnect", "keepalive", "rule_priority", "te_source",
					    "te_period", "locator", "igp_router_id",
					    "telemetry_store", "telemetry_period", "telemetry_unit",
					    "probe_targets", "probe_store", "probe_interval",
					    "probe_count", "probe_port", "probe_timeout",
					    "probe_spacing", "probe_table", "probe_rule_priority",
					    "probe_padding", "apply_delay" };
	for (unsigned i = 0; i < sizeof once / sizeof once[0]; i++) {
		if (strcmp(key, once[i]) != 0)
			continue;
		if (x->seen & (1u << i)) {
			x->failed = true;
			neto_err_set(x->err, "%s: [router] %s given twice", x->name, key);
			return 0;
		}
		x->seen |= 1u << i;
	}
	neto_err e2;
	if (ragent_cfg_set(x->c, key, value, &e2) != 0) {
		x->failed = true;
		neto_err_set(x->err, "%s: [router] %s", x->name, e2.msg);
		return 0;
	}
	return 1;
}

int ragent_cfg_parse(const char *buf, size_t len, const char *name, ragent_cfg *c,
		     neto_err *err)
{
	if (len > CFG_MAX_BYTES)
		return neto_err_set(err, "%s: larger than %zu bytes", name, (size_t)CFG_MAX_BYTES);
	if (memchr(buf, '\0', len))
		return neto_err_set(err, "%s: contains a NUL byte", name);
	char *copy = neto_malloc(len + 1);
	if (len)
		memcpy(copy, buf, len);
	copy[len] = '\0';
	pctx x = { .c = c, .name = name, .err = err };
	int rc = ini_parse_string(copy, handler, &x);
	free(copy);
	if (x.failed)
		return -1;
	if (rc != 0)
		return neto_err_set(err, "%s:%d: syntax error", name, rc);
	return 0;
}

int ragent_cfg_check(const ragent_cfg *c, neto_err *err)
{
	if (c->pce_host == NULL && c->te_source == NULL && c->telemetry_store == NULL &&
	    c->probe.targets == NULL)
		return neto_err_set(err, "no PCE address ([router] pce or --pce), no te_source, "
				    "no telemetry_store and no probe_targets");
	if (c->telemetry_store && c->n_links == 0)
		return neto_err_set(err, "telemetry_store without any link");
	return probe_cfg_check(&c->probe, c->telemetry_store, err);
}

const ragent_class *ragent_class_find(const ragent_cfg *c, uint32_t color)
{
	for (uint32_t i = 0; i < c->n_cls; i++)
		if (c->cls[i].color == color)
			return &c->cls[i];
	return NULL;
}

const ragent_endpoint *ragent_endpoint_find(const ragent_cfg *c, const pcep_addr *a)
{
	for (uint32_t i = 0; i < c->n_ep; i++)
		if (pcep_addr_eq(&c->ep[i].addr, a))
			return &c->ep[i];
	return NULL;
}

/* ---- LSP -> segment list ---------------------------------------------------- */

bool ragent_path_color(const pcep_path *p, uint32_t *color)
{
	/* RFC 9862 s5: the SR Policy association's EXTENDED-ASSOCIATION-ID */
	if (p->has_assoc && p->assoc.type == PCEP_ASSOC_SR_POLICY && p->assoc.tlvs.has_ext_assoc) {
		*color = p->assoc.tlvs.color;
		return true;
	}
	/* vendor information: enterprise 9, the word 0x00010004, the colour */
	if (p->has_vendor && p->vendor.enterprise == PCEP_ENTERPRISE_CISCO && p->vendor.len >= 8) {
		uint32_t w[2];
		memcpy(w, p->vendor.data, 8);
		if (ntohl(w[0]) == PCEP_VENDOR_COLOR) {
			*color = ntohl(w[1]);
			return true;
		}
	}
	return false;
}

int ragent_ero_segs(const pcep_ro *ero, rt_seglist *l, neto_err *err)
{
	if (ero->n == 0)
		return neto_err_set(err, "empty ERO");
	if (ero->n > RT_MAX_SEGS)
		return neto_err_set(err, "%zu segments (at most %d)", ero->n, RT_MAX_SEGS);
	for (size_t i = 0; i < ero->n; i++) {
		const pcep_subobj *s = &ero->sub[i];
		if (s->type == PCEP_RO_SR)
			return neto_err_set(err, "SR-MPLS segment: this router has no MPLS data plane");
		if (s->type != PCEP_RO_SRV6)
			return neto_err_set(err, "ERO subobject %zu is not an SRv6 segment", i + 1);
		/* RFC 9603 s4.3.1: S set means the SID is absent (NAI only);
		 * the kernel needs the SID itself */
		if (s->flags & PCEP_SRV6_S)
			return neto_err_set(err, "SRv6 segment %zu has no SID", i + 1);
		memcpy(l->segs[i], s->sid6, 16);
	}
	l->n_segs = (uint32_t)ero->n;
	return 0;
}

void ragent_weights(const float *bw, size_t n, uint32_t *w)
{
	double max = 0;
	bool all = n > 0;
	for (size_t i = 0; i < n; i++) {
		if (!(bw[i] > 0))
			all = false;
		else if ((double)bw[i] > max)
			max = (double)bw[i];
	}
	for (size_t i = 0; i < n; i++) {
		if (!all) {
			w[i] = 1;
			continue;
		}
		double v = (double)bw[i] / max * RT_MAX_WEIGHT;
		w[i] = v < 1 ? 1 : v > RT_MAX_WEIGHT ? RT_MAX_WEIGHT : (uint32_t)(v + 0.5);
	}
}
