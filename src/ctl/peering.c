/*
 * peering.c - the peering decision in the controller's cycle (ctl.h).
 *
 * The peering role writes its decision, per destination prefix the egress
 * (ISP session at a border router) neto wants, to kv "peering"/"desired".
 * The controller makes it happen together with traffic engineering:
 *
 *  1. the document is read and checked (ctl_peering_parse); a stale or
 *     malformed one is ignored with a log line, and the cycle is the plain
 *     TE cycle;
 *  2. the Internet-bound traffic joins the TE demand: per prefix, each
 *     ingress site's rate becomes a demand from that site to the border
 *     site of the prefix's egress (the target egress for the prefixes that
 *     move), in the TE class of the prefix's precedence;
 *  3. when the target leaves part of a demand toward a border site that
 *     moves send more traffic to unallocated (the WAN cannot carry it), the
 *     moves of that class into that site are refused this cycle, with an
 *     audit row, and TE is computed once more without them;
 *  4. the moves left are ordered into congestion-free steps on the peering
 *     links (pe/order.h) and become tasks, one per border router per moved
 *     prefix, in plan steps after the TE transition: the WAN capacity toward
 *     the new border sites is in place before traffic is sent there.
 *
 * The current egress of a prefix is neto's announcement as the border
 * routers report it installed (rows "egress/PREFIX", written by the egress
 * driver), else BGP's choice. When the border routers disagree (a plan cut
 * short), the prefix's traffic is counted on every egress it may use, so the
 * ordering stays safe.
 *
 * Ownership: ctl_peering owns its strings (ctl_peering_free); the result's
 * tasks and refusals belong to the ctl_result.
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctl/ctl.h"
#include "lib/mem.h"
#include "lib/strbuf.h"
#include "lib/strmap.h"
#include "pe/order.h"

/* ---- the document ------------------------------------------------------- */

void ctl_peering_init(ctl_peering *d)
{
	memset(d, 0, sizeof *d);
	d->headroom = 0.95;
	d->local_pref = 200;
}

void ctl_peering_free(ctl_peering *d)
{
	free(d->community);
	for (size_t i = 0; i < d->n_links; i++)
		free(d->links[i].name);
	free(d->links);
	for (size_t i = 0; i < d->n_egress; i++) {
		free(d->egress[i].name);
		free(d->egress[i].router);
		free(d->egress[i].peer);
		free(d->egress[i].nexthop);
	}
	free(d->egress);
	for (size_t i = 0; i < d->n_prefixes; i++) {
		free(d->prefixes[i].prefix);
		for (size_t k = 0; k < d->prefixes[i].n_ingress; k++)
			free(d->prefixes[i].ingress[k].site);
		free(d->prefixes[i].ingress);
	}
	free(d->prefixes);
	free(d->routers);	/* the strings are the egresses' */
	ctl_peering_init(d);
}

/* A non-empty string member, or NULL. */
static const char *str_member(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s && *s ? s : NULL;
}

static bool rate_ok(const json_t *v)
{
	return json_is_number(v) && json_number_value(v) >= 0 && isfinite(json_number_value(v));
}

/* "ADDRESS/LEN", IPv4 or IPv6, LEN within the family. */
static bool prefix_ok(const char *s)
{
	const char *slash = strchr(s, '/');
	if (slash == NULL || slash == s || (size_t)(slash - s) >= INET6_ADDRSTRLEN)
		return false;
	char addr[INET6_ADDRSTRLEN];
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	unsigned char buf[16];
	int max;
	if (inet_pton(AF_INET, addr, buf) == 1)
		max = 32;
	else if (inet_pton(AF_INET6, addr, buf) == 1)
		max = 128;
	else
		return false;
	const char *p = slash + 1;
	if (*p == '\0' || strlen(p) > 3)
		return false;
	int len = 0;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		len = len * 10 + (*p - '0');
	}
	return len <= max;
}

/* "ASN:VAL", each 0..65535 (RFC 1997 communities). */
static bool community_ok(const char *s)
{
	unsigned long v[2];
	for (int k = 0; k < 2; k++) {
		if (*s < '0' || *s > '9')
			return false;
		v[k] = 0;
		int digits = 0;
		while (*s >= '0' && *s <= '9' && digits < 6) {
			v[k] = v[k] * 10 + (unsigned long)(*s++ - '0');
			digits++;
		}
		if (v[k] > 65535)
			return false;
		if (k == 0 && *s++ != ':')
			return false;
	}
	return *s == '\0';
}

static int parse_links(ctl_peering *d, const json_t *a, neto_strmap *by, neto_err *err)
{
	if (!json_is_array(a) || json_array_size(a) == 0)
		return neto_err_set(err, "peering decision: \"links\" is not a non-empty array");
	d->links = neto_calloc(json_array_size(a), sizeof *d->links);
	size_t i;
	json_t *v;
	json_array_foreach(a, i, v) {
		const char *name = str_member(v, "name");
		const json_t *cap = json_object_get(v, "cap");
		if (name == NULL)
			return neto_err_set(err, "peering decision: links[%zu]: no name", i);
		if (!rate_ok(cap) || !(json_number_value(cap) > 0))
			return neto_err_set(err, "peering decision: link %s: \"cap\" is not a "
						 "capacity above 0", name);
		if (!neto_strmap_put(by, name, strlen(name), (uint32_t)i, NULL))
			return neto_err_set(err, "peering decision: link %s twice", name);
		d->links[i].name = neto_strdup(name);
		d->links[i].cap = json_number_value(cap);
		d->n_links++;
	}
	return 0;
}

static int parse_egress(ctl_peering *d, const json_t *a, const neto_strmap *links,
			neto_strmap *by, neto_err *err)
{
	if (!json_is_array(a) || json_array_size(a) == 0)
		return neto_err_set(err, "peering decision: \"egress\" is not a non-empty array");
	d->egress = neto_calloc(json_array_size(a), sizeof *d->egress);
	d->routers = neto_calloc(json_array_size(a), sizeof *d->routers);
	neto_strmap routers;
	neto_strmap_init(&routers);
	size_t i;
	json_t *v;
	int rc = 0;
	json_array_foreach(a, i, v) {
		const char *name = str_member(v, "name"), *router = str_member(v, "router"),
			   *peer = str_member(v, "peer"), *nh = str_member(v, "nexthop"),
			   *link = str_member(v, "link");
		uint32_t l;
		if (name == NULL || router == NULL || peer == NULL || nh == NULL || link == NULL) {
			rc = neto_err_set(err, "peering decision: egress[%zu]: name, router, peer, "
					       "nexthop and link are required strings", i);
			break;
		}
		if (!neto_strmap_get(links, link, strlen(link), &l)) {
			rc = neto_err_set(err, "peering decision: egress %s: unknown link %s", name,
					  link);
			break;
		}
		if (!neto_strmap_put(by, name, strlen(name), (uint32_t)i, NULL)) {
			rc = neto_err_set(err, "peering decision: egress %s twice", name);
			break;
		}
		ctl_pe_egress *e = &d->egress[d->n_egress++];
		e->name = neto_strdup(name);
		e->router = neto_strdup(router);
		e->peer = neto_strdup(peer);
		e->nexthop = neto_strdup(nh);
		e->link = l;
		if (neto_strmap_put(&routers, router, strlen(router), 0, NULL))
			d->routers[d->n_routers++] = e->router;
	}
	neto_strmap_free(&routers);
	return rc;
}

static int parse_prefix(ctl_peering *d, size_t i, const json_t *v, const neto_strmap *egress,
			neto_strmap *seen, neto_err *err)
{
	const char *pfx = str_member(v, "prefix");
	if (pfx == NULL || !prefix_ok(pfx))
		return neto_err_set(err, "peering decision: prefixes[%zu]: \"prefix\" is not an "
					 "IPv4 or IPv6 prefix", i);
	if (!neto_strmap_put(seen, pfx, strlen(pfx), (uint32_t)i, NULL))
		return neto_err_set(err, "peering decision: prefix %s twice", pfx);
	const json_t *cls = json_object_get(v, "class"), *rate = json_object_get(v, "rate"),
		     *bgp = json_object_get(v, "bgp"), *ing = json_object_get(v, "ingress");
	const char *eg = str_member(v, "egress");
	if (!json_is_integer(cls) || json_integer_value(cls) < 0 || json_integer_value(cls) > 255)
		return neto_err_set(err, "peering decision: prefix %s: \"class\" is not 0..255", pfx);
	if (!rate_ok(rate))
		return neto_err_set(err, "peering decision: prefix %s: \"rate\" is not a rate", pfx);
	uint32_t e, b = CTL_PE_NONE;
	if (eg == NULL || !neto_strmap_get(egress, eg, strlen(eg), &e))
		return neto_err_set(err, "peering decision: prefix %s: \"egress\" names no egress",
				    pfx);
	if (bgp != NULL && !json_is_null(bgp)) {
		const char *bn = json_string_value(bgp);
		if (bn == NULL || !neto_strmap_get(egress, bn, strlen(bn), &b))
			return neto_err_set(err, "peering decision: prefix %s: \"bgp\" names no "
						 "egress", pfx);
	}
	if (ing != NULL && !json_is_object(ing))
		return neto_err_set(err, "peering decision: prefix %s: \"ingress\" is not an object",
				    pfx);
	ctl_pe_prefix *p = &d->prefixes[d->n_prefixes++];
	p->prefix = neto_strdup(pfx);
	p->cls = (uint32_t)json_integer_value(cls);
	p->rate = json_number_value(rate);
	p->egress = e;
	p->bgp = b;
	if (ing == NULL)
		return 0;
	p->ingress = neto_calloc(json_object_size(ing) + 1, sizeof *p->ingress);
	const char *site;
	json_t *r;
	json_object_foreach((json_t *)(uintptr_t)ing, site, r) {
		if (*site == '\0' || !rate_ok(r))
			return neto_err_set(err, "peering decision: prefix %s: ingress \"%.64s\" is "
						 "not a site with a rate", pfx, site);
		p->ingress[p->n_ingress].site = neto_strdup(site);
		p->ingress[p->n_ingress].rate = json_number_value(r);
		p->n_ingress++;
	}
	return 0;
}

static int parse_doc(ctl_peering *d, const json_t *o, neto_err *err)
{
	if (!json_is_object(o))
		return neto_err_set(err, "peering decision: not a JSON object");
	const json_t *at = json_object_get(o, "at"), *cyc = json_object_get(o, "cycle"),
		     *hr = json_object_get(o, "headroom"), *lp = json_object_get(o, "local_pref"),
		     *com = json_object_get(o, "community"), *pf = json_object_get(o, "prefixes");
	if (!json_is_integer(at) || json_integer_value(at) < 0)
		return neto_err_set(err, "peering decision: \"at\" is not a time in ms");
	d->at = json_integer_value(at);
	if (cyc != NULL && (!json_is_integer(cyc) || json_integer_value(cyc) < 0))
		return neto_err_set(err, "peering decision: \"cycle\" is not a count");
	d->cycle = cyc ? json_integer_value(cyc) : 0;
	if (hr != NULL) {
		double h = json_number_value(hr);
		if (!json_is_number(hr) || !(h > 0 && h <= 1))
			return neto_err_set(err, "peering decision: \"headroom\" is not in (0, 1]");
		d->headroom = h;
	}
	if (lp != NULL) {
		if (!json_is_integer(lp) || json_integer_value(lp) < 0 ||
		    json_integer_value(lp) > 4294967295LL)
			return neto_err_set(err, "peering decision: \"local_pref\" is not 0..2^32-1");
		d->local_pref = (uint32_t)json_integer_value(lp);
	}
	if (com != NULL && !json_is_null(com)) {
		const char *c = json_string_value(com);
		if (c == NULL || !community_ok(c))
			return neto_err_set(err, "peering decision: \"community\" is not ASN:VALUE");
		d->community = neto_strdup(c);
	}
	neto_strmap links, egress, seen;
	neto_strmap_init(&links);
	neto_strmap_init(&egress);
	neto_strmap_init(&seen);
	int rc = parse_links(d, json_object_get(o, "links"), &links, err);
	if (rc == 0)
		rc = parse_egress(d, json_object_get(o, "egress"), &links, &egress, err);
	if (rc == 0 && !json_is_array(pf))
		rc = neto_err_set(err, "peering decision: \"prefixes\" is not an array");
	if (rc == 0) {
		d->prefixes = neto_calloc(json_array_size(pf) + 1, sizeof *d->prefixes);
		size_t i;
		json_t *v;
		json_array_foreach(pf, i, v) {
			if (!json_is_object(v)) {
				rc = neto_err_set(err, "peering decision: prefixes[%zu] is not an "
						       "object", i);
				break;
			}
			if ((rc = parse_prefix(d, i, v, &egress, &seen, err)) != 0)
				break;
		}
	}
	neto_strmap_free(&links);
	neto_strmap_free(&egress);
	neto_strmap_free(&seen);
	return rc;
}

int ctl_peering_parse(ctl_peering *d, const char *body, size_t len, neto_err *err)
{
	ctl_peering_init(d);
	json_error_t je;
	json_t *o = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (o == NULL)
		return neto_err_set(err, "peering decision: not JSON: line %d: %s", je.line,
				    je.text);
	int rc = parse_doc(d, o, err);
	json_decref(o);
	if (rc != 0)
		ctl_peering_free(d);
	return rc;
}

char *ctl_peering_json(const ctl_peering *d)
{
	json_t *links = json_array(), *eg = json_array(), *pf = json_array();
	for (size_t i = 0; i < d->n_links; i++)
		json_array_append_new(links, json_pack("{s:s,s:f}", "name", d->links[i].name, "cap",
						       d->links[i].cap));
	for (size_t i = 0; i < d->n_egress; i++) {
		const ctl_pe_egress *e = &d->egress[i];
		json_array_append_new(eg, json_pack("{s:s,s:s,s:s,s:s,s:s}", "name", e->name,
						    "router", e->router, "peer", e->peer,
						    "nexthop", e->nexthop, "link",
						    d->links[e->link].name));
	}
	for (size_t i = 0; i < d->n_prefixes; i++) {
		const ctl_pe_prefix *p = &d->prefixes[i];
		json_t *ing = json_object();
		for (size_t k = 0; k < p->n_ingress; k++)
			json_object_set_new(ing, p->ingress[k].site, json_real(p->ingress[k].rate));
		json_t *bgp = p->bgp == CTL_PE_NONE ? json_null()
						    : json_string(d->egress[p->bgp].name);
		json_array_append_new(pf, json_pack("{s:s,s:i,s:f,s:s,s:o,s:o}", "prefix",
						    p->prefix, "class", (int)p->cls, "rate",
						    p->rate, "egress", d->egress[p->egress].name,
						    "bgp", bgp, "ingress", ing));
	}
	json_t *o = json_pack("{s:I,s:I,s:f,s:I,s:o,s:o,s:o,s:o}", "at", (json_int_t)d->at,
			      "cycle", (json_int_t)d->cycle, "headroom", d->headroom,
			      "local_pref", (json_int_t)d->local_pref, "community",
			      d->community ? json_string(d->community) : json_null(), "links",
			      links, "egress", eg, "prefixes", pf);
	char *text = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(17));
	json_decref(o);
	return text;
}

int ctl_peering_load(store *st, int64_t now, int64_t max_age_ms, ctl_peering *d, char **log,
		     neto_err *err)
{
	ctl_peering_init(d);
	char *body = NULL;
	size_t len = 0;
	int64_t updated = 0;
	if (store_kv_get(st, "peering", "desired", &body, &len, &updated, err) != 0)
		return -1;
	if (body == NULL)
		return 0;
	neto_err perr;
	int rc = ctl_peering_parse(d, body, len, &perr);
	free(body);
	if (rc != 0) {
		neto_append_line(log, "peering: decision ignored: %s", perr.msg);
		return 0;
	}
	if (now - d->at > max_age_ms) {
		neto_append_line(log, "peering: decision of cycle %lld is stale (%.1f s old, the "
				      "limit is %.1f s): ignored, egress announcements left as they are",
				 (long long)d->cycle, (double)(now - d->at) / 1000,
				 (double)max_age_ms / 1000);
		ctl_peering_free(d);
		return 0;
	}
	return 1;
}

/* ---- the cycle ---------------------------------------------------------- */

/* Bits per second in one unit of the topology's capacities; 0: unknown. */
static double unit_bps(const char *u)
{
	static const struct {
		const char *name;
		double bps;
	} units[] = { { "bps", 1 },	    { "bit/s", 1 }, { "kbps", 1e3 }, { "kbit/s", 1e3 },
		      { "Mbps", 1e6 },	    { "Mbit/s", 1e6 }, { "Gbps", 1e9 }, { "Gbit/s", 1e9 },
		      { "Tbps", 1e12 },	    { "Tbit/s", 1e12 } };
	if (u == NULL)
		return 0;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strcasecmp(u, units[i].name) == 0)
			return units[i].bps;
	return 0;
}

/* What the cycle knows about one prefix of the decision. */
typedef struct pfx_st {
	uint32_t cur;		/* egress its traffic is on (CTL_PE_NONE: unknown) */
	bool changed;		/* some border router does not hold the target */
	bool remove;		/* the target is BGP's own choice: withdraw */
	bool refused, left;
	char *desired;		/* apply: the announcement */
} pfx_st;

typedef struct pe_cycle {
	const ctl_input *in;
	const ctl_peering *d;
	pfx_st *p;
	double *fixed;		/* per peering link: traffic of prefixes whose
				 * border routers disagree, on the other egresses */
	uint32_t *cls;		/* decision class -> TE class index */
	double unit;		/* bit/s per topology unit, 0: unknown */
	char **log;
} pe_cycle;

static json_t *desired_obj(const ctl_peering *d, const ctl_pe_prefix *p)
{
	const ctl_pe_egress *e = &d->egress[p->egress];
	json_t *o = json_pack("{s:s,s:s,s:s,s:I}", "prefix", p->prefix, "egress", e->name,
			      "nexthop", e->nexthop, "local_pref", (json_int_t)d->local_pref);
	if (d->community)
		json_object_set_new(o, "communities", json_pack("[s]", d->community));
	return o;
}

/* Does an installed announcement hold what the target asks? */
static bool same_member(const json_t *a, const json_t *b, bool list)
{
	if (list) {
		/* absent and empty communities are the same */
		if (a && json_is_array(a) && json_array_size(a) == 0)
			a = NULL;
		if (b && json_is_array(b) && json_array_size(b) == 0)
			b = NULL;
	}
	if (a == NULL || b == NULL)
		return a == b;
	return json_equal((json_t *)(uintptr_t)a, (json_t *)(uintptr_t)b);
}

static bool holds(const json_t *row, const json_t *want)
{
	static const char *const keys[] = { "prefix", "egress", "nexthop", "local_pref",
					    "communities" };
	for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
		if (!same_member(json_object_get(row, keys[k]), json_object_get(want, keys[k]),
				 k == 4))
			return false;
	return true;
}

/* The egress an installed announcement names: by name, else by next hop. */
static uint32_t row_egress(const ctl_peering *d, const json_t *row)
{
	const char *name = json_string_value(json_object_get(row, "egress"));
	const char *nh = json_string_value(json_object_get(row, "nexthop"));
	for (size_t e = 0; name && e < d->n_egress; e++)
		if (strcmp(d->egress[e].name, name) == 0)
			return (uint32_t)e;
	for (size_t e = 0; nh && e < d->n_egress; e++)
		if (strcmp(d->egress[e].nexthop, nh) == 0)
			return (uint32_t)e;
	return CTL_PE_NONE;
}

/* Current egress and the change of every prefix, from the installed rows. */
static void read_current(pe_cycle *c)
{
	const ctl_input *in = c->in;
	const ctl_peering *d = c->d;
	neto_strmap rows;
	neto_strmap_init(&rows);
	char key[1024];
	for (size_t i = 0; i < in->n_installed; i++) {
		const store_installed *r = &in->installed[i];
		if (strncmp(r->policy, "egress/", 7) != 0)
			continue;
		int n = snprintf(key, sizeof key, "%s\t%s", r->router, r->policy);
		if (n > 0 && (size_t)n < sizeof key)
			neto_strmap_put(&rows, key, (size_t)n, (uint32_t)i, NULL);
	}
	uint32_t *seen = neto_calloc(d->n_egress + 1, sizeof *seen);
	for (size_t i = 0; i < d->n_prefixes; i++) {
		const ctl_pe_prefix *p = &d->prefixes[i];
		pfx_st *s = &c->p[i];
		s->remove = p->egress == p->bgp;
		json_t *want = s->remove ? NULL : desired_obj(d, p);
		size_t n_with = 0, n_without = 0;
		memset(seen, 0, (d->n_egress + 1) * sizeof *seen);
		for (size_t k = 0; k < d->n_routers; k++) {
			int n = snprintf(key, sizeof key, "%s\tegress/%s", d->routers[k], p->prefix);
			uint32_t ri;
			if (n <= 0 || (size_t)n >= sizeof key ||
			    !neto_strmap_get(&rows, key, (size_t)n, &ri)) {
				n_without++;
				s->changed |= !s->remove;
				continue;
			}
			json_t *row = json_loads(in->installed[ri].body, 0, NULL);
			uint32_t e = row_egress(d, row);
			if (e == CTL_PE_NONE)
				neto_append_line(c->log, "peering: %s on %s names no egress of the "
							 "decision: its traffic is not counted",
						 in->installed[ri].policy, d->routers[k]);
			seen[e == CTL_PE_NONE ? d->n_egress : e] = 1;
			n_with++;
			s->changed |= s->remove || !holds(row, want);
			json_decref(row);
		}
		if (n_without > 0 && p->bgp != CTL_PE_NONE)
			seen[p->bgp] = 1;
		/* the traffic's egress: the one every border router agrees on;
		 * when they disagree the target if some router holds it, else
		 * the first, the others' links carrying the prefix's rate as
		 * fixed load (it may be on any of them) */
		s->cur = seen[p->egress] ? p->egress : CTL_PE_NONE;
		for (size_t e = 0; e < d->n_egress; e++) {
			if (e == s->cur)
				continue;
			if (!seen[e])
				continue;
			if (s->cur == CTL_PE_NONE)
				s->cur = (uint32_t)e;
			else
				c->fixed[d->egress[e].link] += p->rate;
		}
		if (!s->remove) {
			s->desired = json_dumps(want, JSON_COMPACT | JSON_SORT_KEYS);
			json_decref(want);
		}
	}
	free(seen);
	neto_strmap_free(&rows);
}

/* TE class of each decision class: the classes in precedence order (lower
 * priority number first), decision class k -> the k-th, the lowest for the
 * classes beyond. */
static void map_classes(pe_cycle *c)
{
	const class_set *cs = c->in->classes;
	uint32_t *rank = neto_calloc(cs->n + 1, sizeof *rank);
	for (uint32_t i = 0; i < cs->n; i++)
		rank[i] = i;
	for (uint32_t i = 1; i < cs->n; i++)	/* stable insertion sort: few classes */
		for (uint32_t j = i; j > 0 && cs->v[rank[j - 1]].priority > cs->v[rank[j]].priority;
		     j--) {
			uint32_t x = rank[j];
			rank[j] = rank[j - 1];
			rank[j - 1] = x;
		}
	c->cls = neto_calloc(256, sizeof *c->cls);
	for (uint32_t k = 0; k < 256; k++)
		c->cls[k] = cs->n ? rank[k < cs->n ? k : cs->n - 1] : 0;
	free(rank);
}

/* Is prefix i moving to its target in this computation? */
static bool moving(const pfx_st *s)
{
	return s->changed && !s->refused && !s->left;
}

/* The egress whose border site receives prefix i's traffic. */
static uint32_t site_egress(const pe_cycle *c, size_t i)
{
	return moving(&c->p[i]) ? c->d->prefixes[i].egress : c->p[i].cur;
}

/* A name the topology does not have: logged once per computation, with
 * the first prefix that used it. */
static void unknown_name(pe_cycle *c, neto_strmap *logged, const char *what, const char *name,
			 const char *prefix)
{
	if (logged == NULL || !neto_strmap_put(logged, name, strlen(name), 0, NULL))
		return;
	neto_append_line(c->log, "peering: %s %s (of %s, maybe others) is not in the topology: "
				 "its traffic is not in the TE demand",
			 what, name, prefix);
}

/* The TE demand: the input's plus the Internet-bound traffic. Sites and
 * routers the topology does not know are logged once when log is set. */
static void egress_demands(pe_cycle *c, demand_set *out, bool log)
{
	const topo *t = c->in->t;
	const demand_set *ds = c->in->demands;
	demand_set_init(out);
	for (size_t i = 0; i < ds->n; i++)
		demand_add(out, ds->v[i].src, ds->v[i].dst, ds->v[i].cls, ds->v[i].rate);
	if (!(c->unit > 0))
		return;
	neto_strmap logged;
	neto_strmap_init(&logged);
	neto_strmap *lg = log ? &logged : NULL;
	for (size_t i = 0; i < c->d->n_prefixes; i++) {
		const ctl_pe_prefix *p = &c->d->prefixes[i];
		uint32_t e = site_egress(c, i);
		if (e == CTL_PE_NONE)
			continue;
		const char *router = c->d->egress[e].router;
		uint32_t dst = topo_find_node(t, router, strlen(router));
		if (dst == TOPO_NONE) {
			unknown_name(c, lg, "border router", router, p->prefix);
			continue;
		}
		for (size_t k = 0; k < p->n_ingress; k++) {
			const ctl_pe_ingress *g = &p->ingress[k];
			uint32_t src = topo_find_node(t, g->site, strlen(g->site));
			if (src == TOPO_NONE) {
				unknown_name(c, lg, "ingress site", g->site, p->prefix);
				continue;
			}
			if (src != dst && g->rate > 0)
				demand_add(out, src, dst, c->cls[p->cls], g->rate / c->unit);
		}
	}
	neto_strmap_free(&logged);
}

/* Orders the moves of the prefixes still changing; marks those no order
 * fits as left and appends the steps' tasks from step base when tasks. */
static int order_moves(pe_cycle *c, ctl_result *r, int base, bool tasks, neto_err *err)
{
	const ctl_peering *d = c->d;
	size_t L = d->n_links;
	double *cap = neto_calloc(L + 1, sizeof *cap), *load = neto_calloc(L + 1, sizeof *load);
	pe_order_move *mv = neto_calloc(d->n_prefixes + 1, sizeof *mv);
	uint32_t *pfx = neto_calloc(d->n_prefixes + 1, sizeof *pfx);
	size_t n = 0;
	for (size_t l = 0; l < L; l++) {
		cap[l] = d->links[l].cap;
		load[l] = c->fixed[l];
	}
	for (size_t i = 0; i < d->n_prefixes; i++) {
		const ctl_pe_prefix *p = &d->prefixes[i];
		pfx_st *s = &c->p[i];
		uint32_t from = s->cur == CTL_PE_NONE ? PE_ORDER_NONE : d->egress[s->cur].link;
		if (from != PE_ORDER_NONE)
			load[from] += p->rate;
		s->left = false;
		if (!s->changed || s->refused)
			continue;
		mv[n] = (pe_order_move){ .from = from, .to = d->egress[p->egress].link,
					 .rate = p->rate };
		pfx[n++] = (uint32_t)i;
	}
	pe_order_problem op = { .n_links = L, .cap = cap, .headroom = d->headroom, .load = load,
				.n_moves = n, .moves = mv, .use_slack = true };
	pe_order_result o;
	int rc = pe_order(&op, &o, err);
	if (rc == 0) {
		for (size_t k = 0; k < o.n_left; k++)
			c->p[pfx[o.left[k]]].left = true;
		if (tasks) {
			r->n_egress_moves = n - o.n_left;
			r->n_egress_left = o.n_left;
			r->n_egress_slack = o.n_slack;
			r->n_egress_steps = (int)o.n_steps;
			size_t nt = (n - o.n_left) * d->n_routers;
			r->tasks = neto_reallocarray(r->tasks, r->n_tasks + nt + 1, sizeof *r->tasks);
			for (size_t k = 0; k < o.n_steps; k++)
				for (size_t j = o.step_off[k]; j < o.step_off[k + 1]; j++) {
					size_t i = pfx[o.order[j]];
					const pfx_st *s = &c->p[i];
					for (size_t q = 0; q < d->n_routers; q++) {
						ctl_task *tk = &r->tasks[r->n_tasks++];
						tk->step = base + (int)k;
						tk->router = neto_strdup(d->routers[q]);
						size_t len = strlen(d->prefixes[i].prefix) + 8;
						tk->policy = neto_malloc(len);
						snprintf(tk->policy, len, "egress/%s", d->prefixes[i].prefix);
						tk->action = neto_strdup(s->remove ? "remove" : "apply");
						tk->desired = s->remove ? NULL : neto_strdup(s->desired);
						r->n_egress_tasks++;
					}
				}
			if (o.n_slack > 0)
				neto_append_line(c->log, "peering: no order of the moves fits under the "
							 "%.0f%% headroom: %zu step%s the room up to "
							 "capacity (peak %.1f%%)",
						 100 * d->headroom, o.n_slack,
						 o.n_slack == 1 ? " uses" : "s use",
						 100 * o.peak);
			/* the first few by name, then a count */
			for (size_t k = 0; k < o.n_left && k < 10; k++) {
				size_t i = pfx[o.left[k]];
				neto_append_line(c->log, "peering: %s -> %s fits no peering link even at "
							 "capacity: left for the next cycle",
						 d->prefixes[i].prefix,
						 d->egress[d->prefixes[i].egress].name);
			}
			if (o.n_left > 10)
				neto_append_line(c->log, "peering: %zu more moves left for the next cycle",
						 o.n_left - 10);
		}
		pe_order_result_free(&o);
	}
	free(cap);
	free(load);
	free(mv);
	free(pfx);
	return rc;
}

/* Refuses the moves of class k into border site B when a demand toward B of
 * class k that such a move feeds is not fully allocated. Returns how many. */
static size_t refuse(pe_cycle *c, const demand_set *dm, const ctl_result *r)
{
	const ctl_peering *d = c->d;
	const topo *t = c->in->t;
	size_t cs = c->in->classes->n ? c->in->classes->n : 1;
	bool *congested = neto_calloc((size_t)t->n_nodes * cs + 1, sizeof *congested);
	/* moves that send traffic to another border site: the demands they feed */
	for (size_t i = 0; i < d->n_prefixes; i++) {
		const ctl_pe_prefix *p = &d->prefixes[i];
		const pfx_st *s = &c->p[i];
		if (!moving(s) || s->remove)
			continue;
		const char *to = d->egress[p->egress].router;
		if (s->cur != CTL_PE_NONE && strcmp(d->egress[s->cur].router, to) == 0)
			continue;
		uint32_t dst = topo_find_node(t, to, strlen(to));
		if (dst == TOPO_NONE)
			continue;
		uint32_t k = c->cls[p->cls];
		for (size_t g = 0; g < p->n_ingress; g++) {
			uint32_t src = topo_find_node(t, p->ingress[g].site, strlen(p->ingress[g].site));
			if (src == TOPO_NONE || src == dst)
				continue;
			size_t j = demand_find(dm, src, dst, k);
			if (j == SIZE_MAX)
				continue;
			double tol = 1e-6 * dm->v[j].rate + 1e-12;
			if (r->dem_short[j] > tol)
				congested[(size_t)dst * cs + k] = true;
		}
	}
	size_t n = 0;
	for (size_t i = 0; i < d->n_prefixes; i++) {
		const ctl_pe_prefix *p = &d->prefixes[i];
		pfx_st *s = &c->p[i];
		if (!moving(s) || s->remove)
			continue;
		const char *to = d->egress[p->egress].router;
		if (s->cur != CTL_PE_NONE && strcmp(d->egress[s->cur].router, to) == 0)
			continue;
		uint32_t dst = topo_find_node(t, to, strlen(to));
		uint32_t k = c->cls[p->cls];
		if (dst == TOPO_NONE || !congested[(size_t)dst * cs + k])
			continue;
		s->refused = true;
		n++;
	}
	free(congested);
	return n;
}

static void record_refusals(pe_cycle *c, const demand_set *dm, const ctl_result *first,
			    ctl_result *r)
{
	const ctl_peering *d = c->d;
	const class_set *cs = c->in->classes;
	for (size_t i = 0; i < d->n_prefixes; i++) {
		const ctl_pe_prefix *p = &d->prefixes[i];
		const pfx_st *s = &c->p[i];
		if (!s->refused)
			continue;
		const char *to = d->egress[p->egress].router;
		uint32_t dst = topo_find_node(c->in->t, to, strlen(to));
		uint32_t k = c->cls[p->cls];
		/* the largest unallocated rate toward the site in that class */
		double worst = 0;
		for (size_t j = 0; j < dm->n; j++)
			if (dm->v[j].dst == dst && dm->v[j].cls == k && first->dem_short[j] > worst)
				worst = first->dem_short[j];
		json_t *o = json_pack("{s:s,s:o,s:s,s:s,s:i,s:s,s:s,s:f}", "prefix", p->prefix,
				      "from",
				      s->cur == CTL_PE_NONE ? json_null()
							    : json_string(d->egress[s->cur].name),
				      "to", d->egress[p->egress].name, "site", to, "class",
				      (int)p->cls, "te_class", cs->n ? cs->v[k].name : "",
				      "reason", "wan-congestion", "unallocated", worst);
		char *text = json_dumps(o, JSON_COMPACT);
		json_decref(o);
		r->refused = neto_reallocarray(r->refused, r->n_refused + 1, sizeof *r->refused);
		r->refused[r->n_refused].router = neto_strdup(to);
		r->refused[r->n_refused].detail = text;
		r->n_refused++;
		if (r->n_refused <= 10)
			neto_append_line(c->log, "peering: %s -> %s refused: the WAN cannot carry "
						 "class %s toward %s (%.6g unallocated)",
					 p->prefix, d->egress[p->egress].name,
					 cs->n ? cs->v[k].name : "", to, worst);
	}
	if (r->n_refused > 10)
		neto_append_line(c->log, "peering: %zu more moves refused (audit log)",
				 r->n_refused - 10);
}

int ctl_compute_peering(const ctl_input *in, const ctl_peering *d, ctl_result *r,
			neto_err *err)
{
	pe_cycle c = { .in = in, .d = d };
	char *log = NULL;
	c.log = &log;
	c.p = neto_calloc(d->n_prefixes + 1, sizeof *c.p);
	c.fixed = neto_calloc(d->n_links + 1, sizeof *c.fixed);
	c.unit = unit_bps(in->t->unit);
	if (!(c.unit > 0))
		neto_append_line(&log, "peering: the topology's capacity unit (%s) is not a bit rate "
				       "neto knows: Internet-bound traffic is not in the TE demand",
				 in->t->unit ? in->t->unit : "none");
	map_classes(&c);
	read_current(&c);
	size_t n_changed = 0;
	for (size_t i = 0; i < d->n_prefixes; i++)
		n_changed += c.p[i].changed;

	demand_set dm, dm2;
	demand_set_init(&dm2);
	ctl_input ci = *in;
	ctl_result first;
	memset(&first, 0, sizeof first);
	int rc = order_moves(&c, NULL, 0, false, err);
	if (rc == 0) {
		egress_demands(&c, &dm, true);
		ci.demands = &dm;
		rc = ctl_compute(&ci, r, err);
	} else {
		demand_set_init(&dm);
	}
	if (rc == 0 && refuse(&c, &dm, r) > 0) {
		/* once more, the refused prefixes on their current egress */
		first = *r;
		memset(r, 0, sizeof *r);
		rc = order_moves(&c, NULL, 0, false, err);
		if (rc == 0) {
			egress_demands(&c, &dm2, false);
			ci.demands = &dm2;
			rc = ctl_compute(&ci, r, err);
		}
		if (rc == 0)
			record_refusals(&c, &dm, &first, r);
	}
	if (rc == 0) {
		/* the egress steps after the TE steps: WAN capacity toward the
		 * new border sites first */
		size_t n_te_tasks = r->n_tasks;
		int base = n_te_tasks > 0 ? r->n_steps : 0;
		rc = order_moves(&c, r, base, true, err);
		if (rc == 0 && r->n_egress_steps > 0)
			r->n_steps = base + r->n_egress_steps;
		neto_append_line(&log, "peering: decision of cycle %lld: %zu prefixes, %zu change, "
				       "%zu refused, %zu left; %zu moves in %d egress step%s after %d TE "
				       "step%s",
				 (long long)d->cycle, d->n_prefixes, n_changed, r->n_refused,
				 r->n_egress_left, r->n_egress_moves, r->n_egress_steps,
				 r->n_egress_steps == 1 ? "" : "s", base, base == 1 ? "" : "s");
	}
	if (log) {
		/* the decision's lines after the TE lines */
		size_t a = r->log ? strlen(r->log) : 0, b = strlen(log);
		r->log = neto_realloc(r->log, a + b + 1);
		memcpy(r->log + a, log, b + 1);
	}
	free(log);
	ctl_result_free(&first);
	demand_set_free(&dm);
	demand_set_free(&dm2);
	for (size_t i = 0; i < d->n_prefixes; i++)
		free(c.p[i].desired);
	free(c.p);
	free(c.fixed);
	free(c.cls);
	return rc;
}
