/*
 * collector.c - attribution and aggregation of decoded flows into the flow
 * leaf's record batches (see collector.h).
 *
 * The hot path (one decoded flow) is a prefix lookup, an array lookup for
 * the class and an open-addressing hash update keyed by (window, exporter,
 * egress, class, sampling): no allocation per flow. The table is rebuilt
 * without the flushed windows at each flush, a few times a window.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/collector.h"
#include "agent/collector_pe.h"
#include "agent/flowmsg.h"
#include "lib/lpm.h"
#include "lib/mem.h"

#define N_SEEN 4

typedef struct iface {
	uint32_t ifindex, ingress;
} iface;

typedef struct exporter {
	char *name;
	uint32_t ingress;	/* index into the collector's ingress names */
	iface *ifs;		/* input interfaces at other routers */
	size_t n_ifs;
	ipfix_addr addr;
	bool has_addr;
	int64_t seen[N_SEEN];	/* windows with packets from it, a ring */
	unsigned seen_at;
} exporter;

typedef struct agg {
	int64_t window;		/* start ms; INT64_MIN: empty slot */
	uint32_t exporter, ingress, egress, cls, sampling;
	uint64_t bytes, packets;
} agg;

struct collector {
	char *name;
	int64_t window_ms, flush_delay_ms;
	uint32_t sampling;
	exporter *ex;
	size_t n_ex;
	char **routers;		/* egress names, index = lpm value */
	size_t n_routers;
	uint32_t *router_ing;	/* router -> its index in ingresses, or UINT32_MAX */
	size_t n_router_ing;
	char **ingresses;	/* ingress names */
	size_t n_ingresses;
	lpm *v4, *v6;
	bool compiled;		/* the tables' first stages are current */
	char **classes;
	size_t n_classes;
	uint32_t dscp_class[64];
	ipfix_cache *cache;
	agg *tab;
	size_t cap, used;
	int64_t flushed_until;	/* windows before this one were flushed */
	collector_stats st;
	/* the packet being decoded */
	uint32_t cur_ex;
	int64_t cur_now;
	collector_flow_hook hook;
	void *hook_ctx;
	/* pe_traffic: flows to no site prefix, per destination prefix */
	collector_pe *pe;
	uint32_t *cls_rank;	/* class index -> precedence (0 first) */
	collector_kv_fn pe_sink;
	void *pe_ctx;
};

void collector_set_pe_sink(collector *c, collector_kv_fn fn, void *ctx)
{
	c->pe_sink = fn;
	c->pe_ctx = ctx;
}

void collector_set_flow_hook(collector *c, collector_flow_hook fn, void *ctx)
{
	c->hook = fn;
	c->hook_ctx = ctx;
}

static bool addr_eq(const ipfix_addr *a, const ipfix_addr *b)
{
	return a->family == b->family && memcmp(a->a, b->a, a->family == 4 ? 4 : 16) == 0;
}

static uint32_t intern(char ***v, size_t *n, const char *s)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*v)[i], s) == 0)
			return (uint32_t)i;
	*v = neto_reallocarray(*v, *n + 1, sizeof **v);
	(*v)[*n] = neto_strdup(s);
	return (uint32_t)(*n)++;
}

/* The ingress index of a site prefix's router (by name), made once. */
static uint32_t router_ingress(collector *c, uint32_t r)
{
	if (r >= c->n_router_ing) {
		size_t n = c->n_routers > r ? c->n_routers : (size_t)r + 1;
		c->router_ing = neto_reallocarray(c->router_ing, n, sizeof *c->router_ing);
		for (size_t i = c->n_router_ing; i < n; i++)
			c->router_ing[i] = UINT32_MAX;
		c->n_router_ing = n;
	}
	if (c->router_ing[r] == UINT32_MAX)
		c->router_ing[r] = intern(&c->ingresses, &c->n_ingresses, c->routers[r]);
	return c->router_ing[r];
}

static void tab_init(collector *c, size_t cap)
{
	c->cap = cap;
	c->used = 0;
	c->tab = neto_calloc(cap, sizeof *c->tab);
	for (size_t i = 0; i < cap; i++)
		c->tab[i].window = INT64_MIN;
}

int collector_new(collector **out, const neto_cfg_agent *ag, neto_err *err)
{
	*out = NULL;
	if (!ag->listen)
		return neto_err_set(err, "agent %s: no listen address: no collector", ag->name);
	collector *c = neto_calloc(1, sizeof *c);
	c->name = neto_strdup(ag->name);
	c->window_ms = ag->window_ms > 0 ? ag->window_ms : 10000;
	c->flush_delay_ms = c->window_ms / 10;
	c->sampling = ag->sampling ? ag->sampling : 1;
	c->v4 = lpm_new(4);
	c->v6 = lpm_new(6);
	c->n_ex = ag->n_exporters;
	c->ex = neto_calloc(c->n_ex ? c->n_ex : 1, sizeof *c->ex);
	for (size_t i = 0; i < c->n_ex; i++) {
		c->ex[i].name = neto_strdup(ag->exporters[i]);
		c->ex[i].ingress = intern(&c->ingresses, &c->n_ingresses, ag->exporters[i]);
		for (unsigned k = 0; k < N_SEEN; k++)
			c->ex[i].seen[k] = INT64_MIN;
	}
	for (size_t i = 0; i < ag->n_exporter_addrs; i++) {
		const char *it = ag->exporter_addrs[i], *at = strchr(it, '@');
		size_t nl = at ? (size_t)(at - it) : 0;
		exporter *e = NULL;
		for (size_t j = 0; j < c->n_ex && !e; j++)
			if (strlen(c->ex[j].name) == nl && memcmp(c->ex[j].name, it, nl) == 0)
				e = &c->ex[j];
		if (!e || ipfix_addr_parse(&e->addr, at + 1) != 0) {
			collector_free(c);
			return neto_err_set(err, "agent %s: exporter_addrs: '%s' is not "
					    "EXPORTER@ADDRESS", ag->name, it);
		}
		e->has_addr = true;
	}
	for (size_t i = 0; i < ag->n_ingress_ifaces; i++) {
		const char *it = ag->ingress_ifaces[i], *c1 = strchr(it, ':');
		const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		exporter *e = NULL;
		size_t nl = c1 ? (size_t)(c1 - it) : 0;
		for (size_t j = 0; j < c->n_ex && !e; j++)
			if (strlen(c->ex[j].name) == nl && memcmp(c->ex[j].name, it, nl) == 0)
				e = &c->ex[j];
		if (!e || !c2 || !flowmsg_name_ok(c2 + 1, strlen(c2 + 1))) {
			collector_free(c);
			return neto_err_set(err, "agent %s: ingress_ifaces: '%s' is not "
					    "EXPORTER:IFINDEX:ROUTER", ag->name, it);
		}
		e->ifs = neto_reallocarray(e->ifs, e->n_ifs + 1, sizeof *e->ifs);
		e->ifs[e->n_ifs++] = (iface){ (uint32_t)strtoul(c1 + 1, NULL, 10),
					     intern(&c->ingresses, &c->n_ingresses, c2 + 1) };
	}
	const char *def = ag->default_class ? ag->default_class : "bronze";
	if (!flowmsg_name_ok(def, strlen(def))) {
		collector_free(c);
		return neto_err_set(err, "agent %s: default_class: '%s' is not a class name",
				    ag->name, def);
	}
	uint32_t d = intern(&c->classes, &c->n_classes, def);
	for (size_t i = 0; i < 64; i++)
		c->dscp_class[i] = d;
	for (size_t i = 0; i < ag->n_dscp_classes; i++) {
		const char *it = ag->dscp_classes[i], *colon = strchr(it, ':');
		unsigned long v = colon ? strtoul(it, NULL, 10) : 64;
		if (!colon || v > 63 || !flowmsg_name_ok(colon + 1, strlen(colon + 1))) {
			collector_free(c);
			return neto_err_set(err, "agent %s: dscp_classes: '%s' is not DSCP:CLASS",
					    ag->name, it);
		}
		c->dscp_class[v] = intern(&c->classes, &c->n_classes, colon + 1);
	}
	ipfix_cache_cfg cc;
	ipfix_cache_cfg_defaults(&cc);
	if (ag->template_timeout_ms > 0)
		cc.template_timeout_ms = ag->template_timeout_ms;
	c->cache = ipfix_cache_new(&cc);
	if (ag->pe_traffic) {
		/* class numbers for the peering decision: precedence as listed
		 * in dscp_classes (first listed first), the default class after
		 * them unless listed */
		c->cls_rank = neto_calloc(c->n_classes, sizeof *c->cls_rank);
		uint32_t next = 0;
		bool ranked[64 + 1] = { false };	/* at most 64 + 1 classes */
		for (size_t i = 0; i < ag->n_dscp_classes; i++) {
			uint32_t k = intern(&c->classes, &c->n_classes,
					    strchr(ag->dscp_classes[i], ':') + 1);
			if (!ranked[k]) {
				ranked[k] = true;
				c->cls_rank[k] = next++;
			}
		}
		if (!ranked[d])
			c->cls_rank[d] = next;
		size_t top = ag->pe_traffic_top ? ag->pe_traffic_top : 100000;
		/* entries held per flush: a few per listed prefix (classes,
		 * ingresses, the next window filling up) */
		c->pe = collector_pe_new(top, 4 * top < 65536 ? 65536 : 4 * top);
	}
	tab_init(c, 1024);
	c->flushed_until = INT64_MIN;
	*out = c;
	return 0;
}

void collector_free(collector *c)
{
	if (!c)
		return;
	free(c->name);
	for (size_t i = 0; i < c->n_ex; i++) {
		free(c->ex[i].name);
		free(c->ex[i].ifs);
	}
	free(c->ex);
	for (size_t i = 0; i < c->n_ingresses; i++)
		free(c->ingresses[i]);
	free(c->ingresses);
	for (size_t i = 0; i < c->n_routers; i++)
		free(c->routers[i]);
	free(c->routers);
	free(c->router_ing);
	for (size_t i = 0; i < c->n_classes; i++)
		free(c->classes[i]);
	free(c->classes);
	lpm_free(c->v4);
	lpm_free(c->v6);
	ipfix_cache_free(c->cache);
	free(c->tab);
	collector_pe_free(c->pe);
	free(c->cls_rank);
	free(c);
}

int collector_add_prefix(collector *c, int family, const uint8_t *addr, unsigned plen,
			 const char *router, neto_err *err)
{
	if (!flowmsg_name_ok(router, strlen(router)))
		return neto_err_set(err, "'%s' is not a router name", router);
	uint32_t r = intern(&c->routers, &c->n_routers, router);
	c->compiled = false;
	if (lpm_insert(family == 6 ? c->v6 : c->v4, addr, plen, r) != 0)
		return neto_err_set(err, "prefix length %u out of range", plen);
	return 0;
}

size_t collector_prefixes(const collector *c)
{
	return lpm_size(c->v4) + lpm_size(c->v6);
}

int collector_load_prefixes(collector *c, const char *buf, size_t len, const char *what,
			    neto_err *err)
{
	size_t pos = 0;
	unsigned line = 0;
	while (pos < len) {
		size_t end = pos;
		while (end < len && buf[end] != '\n')
			end++;
		line++;
		char text[256];
		size_t n = end - pos;
		if (n >= sizeof text)
			return neto_err_at(err, what, line, "line longer than %zu bytes",
					   sizeof text - 1);
		memcpy(text, buf + pos, n);
		text[n] = '\0';
		pos = end + 1;
		if (n && text[n - 1] == '\r')
			text[--n] = '\0';
		char *hash = strchr(text, '#');
		if (hash)
			*hash = '\0';
		char *save = NULL;
		char *pfx = strtok_r(text, " \t", &save);
		if (!pfx)
			continue;
		char *router = strtok_r(NULL, " \t", &save);
		char *extra = router ? strtok_r(NULL, " \t", &save) : NULL;
		if (!router || extra)
			return neto_err_at(err, what, line, "expected 'PREFIX ROUTER'");
		int fam;
		uint8_t a[16];
		unsigned plen;
		neto_err e;
		if (lpm_parse_prefix(pfx, &fam, a, &plen, &e) != 0 ||
		    collector_add_prefix(c, fam, a, plen, router, &e) != 0)
			return neto_err_at(err, what, line, "%s", e.msg);
	}
	return 0;
}

static int64_t window_of(const collector *c, int64_t t)
{
	int64_t w = c->window_ms;
	return (t >= 0 ? t / w : (t - w + 1) / w) * w;
}

static size_t hash(const agg *k)
{
	uint64_t h = (uint64_t)k->window * 0x9E3779B97F4A7C15ULL;
	h ^= ((uint64_t)k->exporter << 40) ^ ((uint64_t)k->egress << 20) ^ k->cls ^
	     ((uint64_t)k->ingress << 52);
	h *= 0xff51afd7ed558ccdULL;
	h ^= (uint64_t)k->sampling * 0xc4ceb9fe1a85ec53ULL;
	return (size_t)(h ^ h >> 29);
}

static void tab_add(collector *c, const agg *k);

static void tab_grow(collector *c)
{
	agg *old = c->tab;
	size_t n = c->cap;
	tab_init(c, n * 2);
	for (size_t i = 0; i < n; i++)
		if (old[i].window != INT64_MIN)
			tab_add(c, &old[i]);
	free(old);
}

static void tab_add(collector *c, const agg *k)
{
	if ((c->used + 1) * 4 > c->cap * 3)
		tab_grow(c);
	size_t i = hash(k) & (c->cap - 1);
	for (;; i = (i + 1) & (c->cap - 1)) {
		agg *a = &c->tab[i];
		if (a->window == INT64_MIN) {
			*a = *k;
			c->used++;
			return;
		}
		if (a->window == k->window && a->exporter == k->exporter &&
		    a->egress == k->egress && a->cls == k->cls && a->sampling == k->sampling &&
		    a->ingress == k->ingress) {
			a->bytes += k->bytes;
			a->packets += k->packets;
			return;
		}
	}
}

/* Whether a destination outside the sites could leave through an ISP:
 * not unspecified, loopback, link-local, multicast or reserved (RFC 6890);
 * such flows (neighbour discovery, mDNS, ...) are never the peering
 * decision's business. */
static bool pe_routable(const ipfix_addr *a)
{
	if (a->family == 4)
		return a->a[0] != 0 && a->a[0] != 127 && a->a[0] < 224 &&
		       !(a->a[0] == 169 && a->a[1] == 254);
	static const uint8_t zero[15] = { 0 };
	if (memcmp(a->a, zero, 15) == 0)	/* :: and ::1 */
		return false;
	return a->a[0] != 0xff && !(a->a[0] == 0xfe && (a->a[1] & 0xc0) == 0x80);
}

static void on_flow(void *ctx, const ipfix_flow *f)
{
	collector *c = ctx;
	c->st.flows++;
	if (c->hook)
		c->hook(c->hook_ctx, c->ex[c->cur_ex].name, f);
	uint32_t egress;
	if (f->dst.family == 0) {
		c->st.no_address++;
		return;
	}
	bool inside = lpm_lookup(f->dst.family == 6 ? c->v6 : c->v4, f->dst.a, &egress);
	if (!inside) {
		c->st.unattributed++;
		if (!c->pe || !pe_routable(&f->dst))
			return;
	}
	int64_t now_w = window_of(c, c->cur_now);
	int64_t w = now_w;
	if (f->end_ms > 0) {
		int64_t fw = window_of(c, f->end_ms);
		/* a window whose flush is due is closed for new flows, flushed
		 * or not yet: the leaf may have closed it */
		if (fw < c->flushed_until || fw + c->window_ms + c->flush_delay_ms <= c->cur_now)
			c->st.late++;
		else if (fw <= now_w)
			w = fw;
		/* an end time in the future (exporter clock ahead): arrival */
	}
	const exporter *x = &c->ex[c->cur_ex];
	uint32_t ingress = x->ingress;
	bool by_iface = false;
	for (size_t i = 0; i < x->n_ifs; i++)
		if (x->ifs[i].ifindex == f->in_if) {
			ingress = x->ifs[i].ingress;
			by_iface = true;
			break;
		}
	uint32_t sampling = f->sampling ? f->sampling : c->sampling;
	if (!inside) {
		/* to the outside: for the peering decision, sampling applied
		 * here since the document carries rates. Unless an input
		 * interface says where it entered, the traffic entered the WAN
		 * at the site whose prefix holds its source, when one does: an
		 * export at a border router's interface toward an ISP sees the
		 * traffic of every site */
		uint32_t src_site;
		if (!by_iface && f->src.family != 0 &&
		    lpm_lookup(f->src.family == 6 ? c->v6 : c->v4, f->src.a, &src_site))
			ingress = router_ingress(c, src_site);
		collector_pe_add(c->pe, w, &f->dst, c->cls_rank[c->dscp_class[f->tos >> 2]],
				 ingress, f->bytes * sampling);
		c->st.pe_flows++;
		return;
	}
	agg k = { .window = w,
		  .exporter = c->cur_ex,
		  .ingress = ingress,
		  .egress = egress,
		  .cls = c->dscp_class[f->tos >> 2],
		  .sampling = sampling,
		  .bytes = f->bytes,
		  .packets = f->packets };
	tab_add(c, &k);
	c->st.attributed++;
}

int collector_packet(collector *c, const ipfix_addr *from, const uint8_t *buf, size_t len,
		     int64_t now_ms, neto_err *err)
{
	c->st.packets++;
	c->st.bytes += len;
	size_t e = c->n_ex;
	for (size_t i = 0; i < c->n_ex; i++)
		if (c->ex[i].has_addr && addr_eq(&c->ex[i].addr, from)) {
			e = i;
			break;
		}
	if (e == c->n_ex) {
		c->st.unknown_exporter++;
		char s[64];
		return neto_err_set(err, "collector %s: packet from %s, not an exporter of "
				    "exporter_addrs", c->name, ipfix_addr_str(from, s, sizeof s));
	}
	exporter *x = &c->ex[e];
	int64_t w = window_of(c, now_ms);
	if (x->seen[(x->seen_at + N_SEEN - 1) % N_SEEN] != w) {
		x->seen[x->seen_at] = w;
		x->seen_at = (x->seen_at + 1) % N_SEEN;
	}
	c->cur_ex = (uint32_t)e;
	c->cur_now = now_ms;
	if (!c->compiled) {
		lpm_compile(c->v4);
		lpm_compile(c->v6);
		c->compiled = true;
	}
	if (c->flushed_until == INT64_MIN)
		c->flushed_until = w - c->window_ms; /* flows that ended just before */
	neto_err e2;
	if (ipfix_decode(c->cache, from, buf, len, now_ms, on_flow, c, &e2) != 0) {
		c->st.bad_packets++;
		return neto_err_set(err, "collector %s: exporter %s: %s", c->name, x->name,
				    e2.msg);
	}
	return 0;
}

static bool seen_in(const exporter *x, int64_t w)
{
	for (unsigned k = 0; k < N_SEEN; k++)
		if (x->seen[k] == w)
			return true;
	return false;
}

/* The batches of window w: per exporter, per sampling. */
static int flush_window(collector *c, int64_t w, collector_send_fn fn, void *ctx, neto_err *err)
{
	int rc = 0, sent = 0;
	/* gather the window's entries */
	size_t n = 0;
	for (size_t i = 0; i < c->cap; i++)
		if (c->tab[i].window == w)
			n++;
	agg *v = neto_calloc(n ? n : 1, sizeof *v);
	n = 0;
	for (size_t i = 0; i < c->cap; i++)
		if (c->tab[i].window == w)
			v[n++] = c->tab[i];
	flowmsg_record *recs = neto_calloc(n ? n : 1, sizeof *recs);
	for (uint32_t e = 0; e < c->n_ex; e++) {
		bool any = false;
		/* one batch per distinct sampling rate of this exporter */
		for (size_t i = 0; i < n; i++) {
			if (v[i].exporter != e || v[i].sampling == 0)
				continue;
			uint32_t s = v[i].sampling;
			size_t nr = 0;
			for (size_t j = i; j < n; j++)
				if (v[j].exporter == e && v[j].sampling == s) {
					recs[nr++] = (flowmsg_record){
						.ingress = c->ingresses[v[j].ingress],
						.egress = c->routers[v[j].egress],
						.cls = c->classes[v[j].cls],
						.bytes = v[j].bytes,
						.packets = v[j].packets };
					v[j].sampling = 0; /* taken */
				}
			flowmsg_batch b = { .exporter = c->ex[e].name, .start_ms = w,
					    .window_ms = c->window_ms, .sampling = s,
					    .recs = recs, .n = nr };
			any = true;
			char *text = NULL;
			size_t len;
			char topic[FLOWMSG_NAME_MAX + 8];
			snprintf(topic, sizeof topic, "flow.%s", c->ex[e].name);
			neto_err e2;
			if (flowmsg_batch_encode(&b, &text, &len, &e2) != 0 ||
			    fn(ctx, topic, c->ex[e].name, w + c->window_ms, text, len, &e2) != 0) {
				if (rc == 0)
					neto_err_set(err, "collector %s: %s", c->name, e2.msg);
				rc = -1;
				c->st.send_failures++;
			} else {
				c->st.batches++;
				c->st.records_sent += nr;
				sent++;
			}
			free(text);
		}
		if (!any && seen_in(&c->ex[e], w)) {
			/* alive, nothing to report: an empty batch */
			flowmsg_batch b = { .exporter = c->ex[e].name, .start_ms = w,
					    .window_ms = c->window_ms, .sampling = c->sampling,
					    .recs = recs, .n = 0 };
			char *text = NULL;
			size_t len;
			char topic[FLOWMSG_NAME_MAX + 8];
			snprintf(topic, sizeof topic, "flow.%s", c->ex[e].name);
			neto_err e2;
			if (flowmsg_batch_encode(&b, &text, &len, &e2) != 0 ||
			    fn(ctx, topic, c->ex[e].name, w + c->window_ms, text, len, &e2) != 0) {
				if (rc == 0)
					neto_err_set(err, "collector %s: %s", c->name, e2.msg);
				rc = -1;
				c->st.send_failures++;
			} else {
				c->st.batches++;
				sent++;
			}
			free(text);
		}
	}
	free(recs);
	free(v);
	return rc ? -1 : sent;
}

/* Window w's traffic to the outside: one kv document, written even when
 * empty so the reader sees the agent is alive. */
static int flush_pe(collector *c, int64_t w, neto_err *err)
{
	char *text = collector_pe_window(c->pe, w, c->window_ms,
					 (const char *const *)c->ingresses);
	int rc = 0;
	neto_err e2;
	if (c->pe_sink) {
		if (c->pe_sink(c->pe_ctx, COLLECTOR_PE_NS, c->name, text, strlen(text), &e2) != 0) {
			if (err)
				neto_err_set(err, "collector %s: %s: %s", c->name, COLLECTOR_PE_NS,
					     e2.msg);
			c->st.send_failures++;
			rc = -1;
		} else {
			c->st.pe_writes++;
		}
	}
	free(text);
	return rc;
}

int64_t collector_next_flush(const collector *c)
{
	if (c->flushed_until == INT64_MIN)
		return INT64_MAX;
	return c->flushed_until + c->window_ms + c->flush_delay_ms;
}

int collector_flush(collector *c, int64_t now_ms, bool force, collector_send_fn fn, void *ctx,
		    neto_err *err)
{
	/* templates past their timeout, data sets that waited too long */
	ipfix_cache_expire(c->cache, now_ms);
	if (c->flushed_until == INT64_MIN)
		return 0;
	int total = 0, rc = 0;
	int64_t last = force ? window_of(c, now_ms)
			     : window_of(c, now_ms - c->flush_delay_ms) - c->window_ms;
	/* far behind (a stopped process): nothing older than a few windows */
	if (last - c->flushed_until > 8 * c->window_ms)
		c->flushed_until = last - 8 * c->window_ms;
	while (c->flushed_until <= last) {
		int64_t w = c->flushed_until;
		int n = flush_window(c, w, fn, ctx, rc ? NULL : err);
		if (n < 0)
			rc = -1;
		else
			total += n;
		if (c->pe && flush_pe(c, w, rc ? NULL : err) != 0)
			rc = -1;
		c->flushed_until = w + c->window_ms;
	}
	/* drop the flushed entries (and anything older, e.g. late ones) */
	agg *old = c->tab;
	size_t cap = c->cap;
	tab_init(c, cap);
	for (size_t i = 0; i < cap; i++)
		if (old[i].window != INT64_MIN && old[i].window >= c->flushed_until)
			tab_add(c, &old[i]);
	free(old);
	return rc ? -1 : total;
}

const collector_stats *collector_stats_get(const collector *c)
{
	return &c->st;
}

collector_stats *collector_stats_mut(collector *c)
{
	return &c->st;
}

const ipfix_stats *collector_ipfix_stats(const collector *c)
{
	return ipfix_cache_stats(c->cache);
}

typedef struct sbuf {
	char *p;
	size_t len, cap;
} sbuf;

static void put(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(sbuf *b, const char *fmt, ...)
{
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		b->cap = b->cap * 2 + (size_t)(n > 0 ? n : 0);
		b->p = neto_realloc(b->p, b->cap);
	}
}

static void metric(sbuf *b, const char *agent, const char *name, const char *type,
		   const char *help, uint64_t v)
{
	put(b, "# HELP neto_collector_%s %s\n# TYPE neto_collector_%s %s\n", name, help, name,
	    type);
	put(b, "neto_collector_%s{agent=\"%s\"} %llu\n", name, agent, (unsigned long long)v);
}

char *collector_metrics(const collector *c)
{
	sbuf b = { neto_malloc(4096), 0, 4096 };
	b.p[0] = '\0';
	const collector_stats *s = &c->st;
	const ipfix_stats *x = ipfix_cache_stats(c->cache);
	const char *a = c->name; /* agent names need no escaping (cfg.h) */
	metric(&b, a, "packets_total", "counter", "Export datagrams received.", s->packets);
	metric(&b, a, "bytes_total", "counter", "Export datagram octets received.", s->bytes);
	metric(&b, a, "bad_packets_total", "counter",
	       "Datagrams refused in part or whole by the decoder.", s->bad_packets);
	metric(&b, a, "unknown_exporter_total", "counter",
	       "Datagrams from addresses that are no configured exporter.", s->unknown_exporter);
	metric(&b, a, "kernel_drops_total", "counter",
	       "Datagrams the socket dropped for want of buffer (SO_RXQ_OVFL).", s->kernel_drops);
	metric(&b, a, "flows_total", "counter", "Flow records decoded.", s->flows);
	metric(&b, a, "unattributed_total", "counter",
	       "Flow records whose destination is in no site prefix.", s->unattributed);
	if (c->pe) {
		metric(&b, a, "pe_flows_total", "counter",
		       "Flow records to no site prefix summed for pe-traffic.", s->pe_flows);
		metric(&b, a, "pe_writes_total", "counter",
		       "pe-traffic documents written to the store.", s->pe_writes);
	}
	metric(&b, a, "late_total", "counter",
	       "Flow records whose window was flushed before they came.", s->late);
	metric(&b, a, "batches_total", "counter", "Record batches sent to the store.",
	       s->batches);
	metric(&b, a, "send_failures_total", "counter", "Record batches the store refused.",
	       s->send_failures);
	metric(&b, a, "templates", "gauge", "Templates in the cache.",
	       ipfix_cache_templates(c->cache));
	metric(&b, a, "template_sets_dropped_total", "counter",
	       "Data sets dropped because their template never came.", x->sets_dropped);
	metric(&b, a, "template_sets_pending_total", "counter",
	       "Data sets that waited for their template.", x->sets_pending);
	return b.p;
}
