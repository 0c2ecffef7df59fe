/*
 * lsexport.c - FRR's TE database as BGP-LS NLRI and attributes (lsexport.h).
 *
 * Two passes over the document: the first learns each vertex's IS-IS
 * system ID from the edges and subnets it advertised (FRR 8.4 does not
 * print it on the vertex itself), the second writes the NLRI. Vertices are
 * looked up by a linear scan: a TE database of one IGP area holds hundreds
 * of vertices at most, and the conversion runs every few seconds.
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"
#include "router/lsexport.h"

typedef struct vtx {
	json_int_t id;
	bool has_sys;
	uint8_t sys[6];
	uint8_t proto;
	bool has_rid4, has_rid6;
	uint8_t rid4[4], rid6[16];
	const json_t *j;
} vtx;

void lsexport_set_free(lsexport_set *s)
{
	free(s->v);
	memset(s, 0, sizeof *s);
}

static lsexport_item *add(lsexport_set *s)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 32;
		s->v = neto_reallocarray(s->v, s->cap, sizeof *s->v);
	}
	lsexport_item *it = &s->v[s->n++];
	memset(it, 0, sizeof *it);
	return it;
}

/* "0000.0000.0001" -> 6 octets */
static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if ((c | 32) >= 'a' && (c | 32) <= 'f')
		return (c | 32) - 'a' + 10;
	return -1;
}

static bool parse_sysid(const char *s, uint8_t out[6])
{
	if (s == NULL || strlen(s) != 14 || s[4] != '.' || s[9] != '.')
		return false;
	int k = 0;
	for (int i = 0; i < 14; i += 2) {
		if (s[i] == '.')
			i++;
		int hi = hexval(s[i]), lo = hexval(s[i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[k++] = (uint8_t)(hi << 4 | lo);
	}
	return k == 6;
}

static uint8_t proto_of(const char *origin)
{
	if (origin && strcmp(origin, "ISIS_L1") == 0)
		return BGPLS_PROTO_ISIS_L1;
	if (origin && strncmp(origin, "OSPF", 4) == 0)
		return BGPLS_PROTO_OSPFV2;
	return BGPLS_PROTO_ISIS_L2;
}

static vtx *find_vtx(vtx *v, size_t n, json_int_t id)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].id == id)
			return &v[i];
	return NULL;
}

static bool get_int(const json_t *o, const char *key, json_int_t *out)
{
	const json_t *j = json_object_get(o, key);
	if (!json_is_integer(j))
		return false;
	*out = json_integer_value(j);
	return true;
}

static bool get_num(const json_t *o, const char *key, double *out)
{
	const json_t *j = json_object_get(o, key);
	if (!json_is_number(j))
		return false;
	*out = json_number_value(j);
	return *out >= 0 && *out < 1e15;
}

/* "0xb0" or a number */
static bool get_flags(const json_t *o, const char *key, uint8_t *out)
{
	const json_t *j = json_object_get(o, key);
	if (json_is_integer(j) && json_integer_value(j) >= 0 && json_integer_value(j) <= 255) {
		*out = (uint8_t)json_integer_value(j);
		return true;
	}
	const char *s = json_string_value(j);
	if (s == NULL)
		return false;
	char *end;
	unsigned long v = strtoul(s, &end, 0);
	if (*end || end == s || v > 255)
		return false;
	*out = (uint8_t)v;
	return true;
}

static void node_desc(const lsexport_opts *o, const vtx *v, bgpls_node_desc *d)
{
	memset(d, 0, sizeof *d);
	d->present = true;
	if (o->asn) {
		d->has |= BGPLS_ND_AS;
		d->asn = o->asn;
	}
	d->has |= BGPLS_ND_RID;
	d->rid_len = 6;
	memcpy(d->rid, v->sys, 6);
}

static void nlri_head(const lsexport_opts *o, const vtx *v, uint16_t type, bgpls_nlri *n)
{
	n->type = type;
	n->proto = v->proto;
	n->id = o->id;
	node_desc(o, v, &n->local);
}

static void put_bw(bgpls_attr *a, int bit, uint32_t *field, double bytes_per_s)
{
	*field = bgpls_bw_bits(bytes_per_s * 8.0);
	a->has |= 1u << bit;
}

static void do_node(lsexport_set *s, const lsexport_opts *o, const vtx *v)
{
	lsexport_item *it = add(s);
	nlri_head(o, v, BGPLS_NLRI_NODE, &it->n);
	bgpls_attr *a = &it->a;
	const char *name = json_string_value(json_object_get(v->j, "name"));
	if (name && name[0] && strlen(name) <= 255) {
		a->name_len = (uint8_t)strlen(name);
		memcpy(a->name, name, a->name_len);
		a->has |= 1u << BGPLS_A_NODE_NAME;
	}
	if (v->has_rid4) {
		memcpy(a->rid4_local, v->rid4, 4);
		a->has |= 1u << BGPLS_A_RID4_LOCAL;
	}
	if (v->has_rid6) {
		memcpy(a->rid6_local, v->rid6, 16);
		a->has |= 1u << BGPLS_A_RID6_LOCAL;
	}
	const json_t *sr = json_object_get(v->j, "segment-routing");
	json_int_t size, lower;
	if (json_is_object(sr) && get_int(sr, "srgb-size", &size) && get_int(sr, "srgb-lower", &lower) &&
	    size > 0 && size < (1 << 24) && lower >= 0 && lower < (1 << 20)) {
		/* RFC 9085 s2.1.2: one range, its first label as a 3-octet SID */
		a->n_ranges = 1;
		a->range_size[0] = (uint32_t)size;
		a->range_first[0] = (bgpls_sid){ .len = 3, .val = (uint32_t)lower };
		a->has |= 1u << BGPLS_A_SR_CAP;
	}
	const json_t *algos = json_object_get(sr, "algorithms");
	for (size_t i = 0; i < json_array_size(algos) && a->n_algos < BGPLS_MAX_ALGOS; i++) {
		const char *k;
		const json_t *val;
		json_object_foreach((json_t *)json_array_get(algos, i), k, val) {
			char *end;
			unsigned long alg = strtoul(k, &end, 10);
			if (*end == '\0' && end != k && alg <= 255 && a->n_algos < BGPLS_MAX_ALGOS)
				a->algos[a->n_algos++] = (uint8_t)alg;
		}
	}
	if (a->n_algos)
		a->has |= 1u << BGPLS_A_SR_ALGO;
	s->n_nodes++;
}

static bool addr_of(const json_t *o, const char *key, int *af, uint8_t out[16])
{
	const char *s = json_string_value(json_object_get(o, key));
	if (s == NULL)
		return false;
	if (inet_pton(AF_INET, s, out) == 1) {
		*af = 4;
		return true;
	}
	if (inet_pton(AF_INET6, s, out) == 1) {
		*af = 6;
		return true;
	}
	return false;
}

static void do_edge(lsexport_set *s, const lsexport_opts *o, vtx *v, size_t nv, const json_t *e)
{
	json_int_t lid, rid, metric;
	vtx *l, *r;
	if (!get_int(e, "local-vertex-id", &lid) || !get_int(e, "remote-vertex-id", &rid) ||
	    (l = find_vtx(v, nv, lid)) == NULL || (r = find_vtx(v, nv, rid)) == NULL ||
	    !l->has_sys || !r->has_sys) {
		s->n_skipped++;
		return;
	}
	lsexport_item *it = add(s);
	bgpls_nlri *n = &it->n;
	nlri_head(o, l, BGPLS_NLRI_LINK, n);
	node_desc(o, r, &n->remote);
	bgpls_attr *a = &it->a;
	const json_t *ea = json_object_get(e, "edge-attributes");
	int af1 = 0, af2 = 0;
	uint8_t la[16] = { 0 }, ra[16] = { 0 };
	bool hl = addr_of(ea, "local-address", &af1, la);
	bool hr = addr_of(ea, "remote-address", &af2, ra);
	if (!hl)
		hl = addr_of(ea, "local-address-v6", &af1, la);
	if (!hr)
		hr = addr_of(ea, "remote-address-v6", &af2, ra);
	/* RFC 9552 s5.2.2: interface and neighbour addresses as link descriptors */
	if (hl) {
		n->link_has |= af1 == 4 ? BGPLS_LD_V4_LOCAL : BGPLS_LD_V6_LOCAL;
		memcpy(af1 == 4 ? n->v4_local : n->v6_local, la, af1 == 4 ? 4 : 16);
	}
	if (hr) {
		n->link_has |= af2 == 4 ? BGPLS_LD_V4_REMOTE : BGPLS_LD_V6_REMOTE;
		memcpy(af2 == 4 ? n->v4_remote : n->v6_remote, ra, af2 == 4 ? 4 : 16);
	}
	if (get_int(e, "metric", &metric) && metric >= 0 && metric < (1 << 24)) {
		a->igp_metric_len = 3;	/* IS-IS wide metric (RFC 9552 s5.3.2.4) */
		a->igp_metric = (uint32_t)metric;
		a->has |= 1u << BGPLS_A_IGP_METRIC;
	}
	json_int_t te;
	if (get_int(ea, "te-metric", &te) && te >= 0 && te <= 0xffffffffLL) {
		a->te_metric = (uint32_t)te;
		a->has |= 1u << BGPLS_A_TE_METRIC;
	}
	double bw;
	if (get_num(ea, "max-link-bandwidth", &bw))
		put_bw(a, BGPLS_A_MAX_BW, &a->max_bw, bw);
	if (get_num(ea, "max-resv-link-bandwidth", &bw))
		put_bw(a, BGPLS_A_MAX_RSV_BW, &a->max_rsv_bw, bw);
	const json_t *un = json_object_get(ea, "unreserved-bandwidth");
	if (json_array_size(un) == 8) {
		bool ok = true;
		for (size_t i = 0; i < 8 && ok; i++) {
			char key[16];
			snprintf(key, sizeof key, "class-type-%zu", i);
			ok = get_num(json_array_get(un, i), key, &bw);
			if (ok)
				a->unrsv_bw[i] = bgpls_bw_bits(bw * 8.0);
		}
		if (ok)
			a->has |= 1u << BGPLS_A_UNRSV_BW;
	}
	const json_t *sr = json_object_get(e, "segment-routing");
	for (size_t i = 0; i < json_array_size(sr) && a->n_adj_sid < BGPLS_MAX_ADJ_SID; i++) {
		const json_t *x = json_array_get(sr, i);
		json_int_t label, weight = 0;
		uint8_t flags = 0;
		if (!get_int(x, "adj-sid", &label) || label < 16 || label >= (1 << 20))
			continue;
		(void)get_flags(x, "flags", &flags);
		if (get_int(x, "weight", &weight) && (weight < 0 || weight > 255))
			weight = 0;
		/* RFC 9085 s2.2.1: a label, 3 octets (IS-IS V and L flags set) */
		a->adj_sid[a->n_adj_sid++] = (bgpls_adj_sid){
			.flags = flags, .weight = (uint8_t)weight,
			.sid = { .len = 3, .val = (uint32_t)label } };
	}
	if (l->has_rid4) {
		memcpy(a->rid4_local, l->rid4, 4);
		a->has |= 1u << BGPLS_A_RID4_LOCAL;
	}
	if (r->has_rid4) {
		memcpy(a->rid4_remote, r->rid4, 4);
		a->has |= 1u << BGPLS_A_RID4_REMOTE;
	}
	for (size_t i = 0; hl && i < o->n_delays; i++) {
		const lsexport_delay *d = &o->delays[i];
		if (d->af == af1 && memcmp(d->local, la, af1 == 4 ? 4 : 16) == 0) {
			/* RFC 8571 s4.1: 24 bits of microseconds */
			a->delay_us = d->delay_us & 0xffffff;
			a->has |= 1u << BGPLS_A_DELAY;
		}
	}
	s->n_links++;
}

/* "10.1.12.1/24" -> the network 10.1.12.0/24 */
static bool parse_subnet(const char *s, int *af, bgp_pfx *p)
{
	char addr[64];
	const char *slash = s ? strchr(s, '/') : NULL;
	if (slash == NULL || (size_t)(slash - s) >= sizeof addr)
		return false;
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	char *end;
	unsigned long len = strtoul(slash + 1, &end, 10);
	if (*end || end == slash + 1)
		return false;
	memset(p, 0, sizeof *p);
	if (inet_pton(AF_INET, addr, p->addr) == 1 && len <= 32)
		*af = 4;
	else if (inet_pton(AF_INET6, addr, p->addr) == 1 && len <= 128)
		*af = 6;
	else
		return false;
	p->len = (uint8_t)len;
	for (unsigned b = (unsigned)len; b < 128; b++)
		p->addr[b / 8] &= (uint8_t)~(0x80u >> (b % 8));
	return true;
}

static void do_subnet(lsexport_set *s, const lsexport_opts *o, vtx *v, size_t nv,
		      const json_t *j)
{
	json_int_t id, metric;
	vtx *x;
	int af;
	bgp_pfx p;
	if (!get_int(j, "vertex-id", &id) || (x = find_vtx(v, nv, id)) == NULL || !x->has_sys ||
	    !parse_subnet(json_string_value(json_object_get(j, "subnet-id")), &af, &p)) {
		s->n_skipped++;
		return;
	}
	lsexport_item *it = add(s);
	nlri_head(o, x, af == 4 ? BGPLS_NLRI_PREFIX4 : BGPLS_NLRI_PREFIX6, &it->n);
	it->n.link_has |= BGPLS_PD_PREFIX;
	it->n.prefix = p;
	bgpls_attr *a = &it->a;
	if (get_int(j, "metric", &metric) && metric >= 0 && metric <= 0xffffffffLL) {
		a->prefix_metric = (uint32_t)metric;
		a->has |= 1u << BGPLS_A_PREFIX_METRIC;
	}
	const json_t *sr = json_object_get(j, "segment-routing");
	json_int_t sid, algo = 0;
	if (get_int(sr, "pref-sid", &sid) && sid >= 0 && sid <= 0xffffffffLL) {
		/* RFC 9085 s2.3.1: an index, 4 octets */
		(void)get_flags(sr, "flags", &a->psid_flags);
		if (get_int(sr, "algo", &algo) && algo >= 0 && algo <= 255)
			a->psid_algo = (uint8_t)algo;
		a->psid = (bgpls_sid){ .len = 4, .val = (uint32_t)sid };
		a->has |= 1u << BGPLS_A_PREFIX_SID;
	}
	s->n_prefixes++;
}

/* A vertex's system ID from an entry it advertised. */
static void learn_sysid(vtx *v, size_t nv, const json_t *e, const char *idkey)
{
	json_int_t id;
	vtx *x;
	if (!get_int(e, idkey, &id) || (x = find_vtx(v, nv, id)) == NULL || x->has_sys)
		return;
	x->has_sys = parse_sysid(json_string_value(json_object_get(e, "advertised-router")),
				 x->sys);
}

int lsexport_frr_ted(const char *buf, size_t len, const lsexport_opts *o, lsexport_set *out,
		     neto_err *err)
{
	memset(out, 0, sizeof *out);
	json_error_t je;
	json_t *doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (doc == NULL)
		return neto_err_set(err, "TE database: line %d: %s", je.line, je.text);
	const json_t *ted = json_object_get(doc, "ted");
	const json_t *vs = json_object_get(ted, "vertices");
	const json_t *es = json_object_get(ted, "edges");
	const json_t *ss = json_object_get(ted, "subnets");
	if (!json_is_object(ted) || !json_is_array(vs) || (es && !json_is_array(es)) ||
	    (ss && !json_is_array(ss))) {
		json_decref(doc);
		return neto_err_set(err, "TE database: no \"ted\" object with a \"vertices\" array");
	}
	size_t nv = json_array_size(vs), ne = json_array_size(es), ns = json_array_size(ss);
	if (nv + ne + ns + 1 > LSEXPORT_MAX_ITEMS) {
		json_decref(doc);
		return neto_err_set(err, "TE database: more than %d entries", LSEXPORT_MAX_ITEMS);
	}
	vtx *v = neto_calloc(nv ? nv : 1, sizeof *v);
	size_t n = 0;
	for (size_t i = 0; i < nv; i++) {
		const json_t *j = json_array_get(vs, i);
		json_int_t id;
		if (!get_int(j, "vertex-id", &id) || find_vtx(v, n, id) != NULL) {
			out->n_skipped++;
			continue;
		}
		vtx *x = &v[n++];
		x->id = id;
		x->j = j;
		x->proto = proto_of(json_string_value(json_object_get(j, "origin")));
		const char *r4 = json_string_value(json_object_get(j, "router-id"));
		const char *r6 = json_string_value(json_object_get(j, "router-id-v6"));
		x->has_rid4 = r4 && inet_pton(AF_INET, r4, x->rid4) == 1;
		x->has_rid6 = r6 && inet_pton(AF_INET6, r6, x->rid6) == 1;
	}
	for (size_t i = 0; i < ne; i++)
		learn_sysid(v, n, json_array_get(es, i), "local-vertex-id");
	for (size_t i = 0; i < ns; i++)
		learn_sysid(v, n, json_array_get(ss, i), "vertex-id");
	for (size_t i = 0; i < n; i++) {
		if (v[i].has_sys)
			do_node(out, o, &v[i]);
		else
			out->n_skipped++;
	}
	for (size_t i = 0; i < ne; i++)
		do_edge(out, o, v, n, json_array_get(es, i));
	for (size_t i = 0; i < ns; i++)
		do_subnet(out, o, v, n, json_array_get(ss, i));
	if (o->has_locator) {
		/* RFC 9514 s5.1: the locator as an IPv6 prefix NLRI of the node */
		vtx *x = NULL;
		for (size_t i = 0; i < n && x == NULL; i++)
			if (v[i].has_sys && v[i].has_rid4 && memcmp(v[i].rid4, o->local_rid, 4) == 0)
				x = &v[i];
		if (x) {
			lsexport_item *it = add(out);
			nlri_head(o, x, BGPLS_NLRI_PREFIX6, &it->n);
			it->n.link_has |= BGPLS_PD_PREFIX;
			it->n.prefix = o->locator;
			it->a.loc_metric = o->locator_metric;
			it->a.has |= 1u << BGPLS_A_SRV6_LOCATOR;
			out->n_prefixes++;
		} else {
			out->n_skipped++;
		}
	}
	free(v);
	json_decref(doc);
	return 0;
}
