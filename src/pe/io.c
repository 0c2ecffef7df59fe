/*
 * io.c - text and BMP inputs of the peering decision (formats in
 * docs/peering.md). Every line is cut into blank-separated fields with the
 * project's bounds-checked line cursor; every error names FILE:LINE.
 */
#include "pe/io.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lpm.h"
#include "lib/mem.h"
#include "lib/text.h"

void pe_input_init(pe_input *in)
{
	memset(in, 0, sizeof *in);
	in->rib = pe_rib_new();
	neto_strmap_init(&in->router_ix);
	neto_strmap_init(&in->link_ix);
	neto_strmap_init(&in->egress_ix);
	in->default_lat = 100;
	in->n_class = 1;
}

static void free_names(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void pe_input_free(pe_input *in)
{
	pe_rib_free(in->rib);
	neto_strmap_free(&in->router_ix);
	neto_strmap_free(&in->link_ix);
	neto_strmap_free(&in->egress_ix);
	free_names(in->routers, in->n_routers);
	free_names(in->links, in->n_links);
	free_names(in->egresses, in->n_egress);
	free(in->cap);
	free(in->egress_link);
	free(in->egress_router);
	free(in->egress_addr);
	free(in->meas);
	pe_lat_table_free(in->static_lat);
	free(in->dem);
	free(in->cand_off);
	free(in->cand_egress);
	free(in->bgp_best);
	free(in->cand_lat);
	free(in->pfx_len);
	free(in->pfx_family);
	memset(in, 0, sizeof *in);
}

bool pe_parse_rate(const char *s, size_t len, double *out)
{
	if (len == 0 || len > 63)
		return false;
	char b[64];
	memcpy(b, s, len);
	b[len] = '\0';
	double mul = 1;
	switch (b[len - 1]) {
	case 'k': case 'K': mul = 1e3; break;
	case 'M': mul = 1e6; break;
	case 'G': mul = 1e9; break;
	case 'T': mul = 1e12; break;
	default: break;
	}
	if (mul != 1)
		len--;
	neto_span sp = { b, len };
	double v;
	if (!neto_span_to_double(sp, &v) || v < 0)
		return false;
	*out = v * mul;
	return true;
}

const char *pe_prefix_str(int family, const uint8_t *addr, uint8_t len, char *out, size_t n)
{
	char a[INET6_ADDRSTRLEN];
	if (inet_ntop(family == 6 ? AF_INET6 : AF_INET, addr, a, sizeof a) == NULL)
		snprintf(a, sizeof a, "?");
	snprintf(out, n, "%s/%u", a, len);
	return out;
}

static uint32_t router_get(pe_input *in, const char *name, size_t len)
{
	uint32_t ix;
	if (neto_strmap_get(&in->router_ix, name, len, &ix))
		return ix;
	ix = (uint32_t)in->n_routers;
	neto_strmap_put(&in->router_ix, name, len, ix, NULL);
	in->routers = neto_reallocarray(in->routers, in->n_routers + 1, sizeof *in->routers);
	in->routers[in->n_routers++] = neto_strndup(name, len);
	return ix;
}

/* A peer address into the 16 octets of a BMP per-peer header (IPv4 in the
 * last four, RFC 7854 section 4.2). */
static bool peer_addr(neto_span s, uint8_t out[16])
{
	char b[64];
	neto_span_str(s, b, sizeof b);
	memset(out, 0, 16);
	if (inet_pton(AF_INET6, b, out) == 1)
		return true;
	return inet_pton(AF_INET, b, out + 12) == 1;
}

static bool prefix(neto_span s, int *family, uint8_t addr[16], unsigned *len)
{
	char b[80];
	neto_err e;
	if (s.len >= sizeof b)
		return false;
	neto_span_str(s, b, sizeof b);
	return lpm_parse_prefix(b, family, addr, len, &e) == 0;
}

int pe_parse_peering(pe_input *in, const char *buf, size_t len, const char *fname,
		     neto_err *err)
{
	if (neto_text_check_nul(buf, len, fname, err) != 0)
		return -1;
	neto_lines c;
	neto_lines_init(&c, buf, len);
	neto_span line, f[6];
	char tmp[80];
	while (neto_lines_next_data(&c, &line)) {
		size_t n = neto_split(line, 0, f, 6);
		if (n == 3 && neto_span_eq(f[0], "link")) {
			double cap;
			if (!pe_parse_rate(f[2].p, f[2].len, &cap))
				return neto_err_at(err, fname, c.lineno, "bad capacity '%s'",
						   neto_span_str(f[2], tmp, sizeof tmp));
			uint32_t old;
			if (!neto_strmap_put(&in->link_ix, f[1].p, f[1].len, (uint32_t)in->n_links,
					     &old))
				return neto_err_at(err, fname, c.lineno, "link '%s' twice",
						   neto_span_str(f[1], tmp, sizeof tmp));
			in->links = neto_reallocarray(in->links, in->n_links + 1, sizeof *in->links);
			in->cap = neto_reallocarray(in->cap, in->n_links + 1, sizeof *in->cap);
			in->links[in->n_links] = neto_strndup(f[1].p, f[1].len);
			in->cap[in->n_links++] = cap;
		} else if (n == 5 && neto_span_eq(f[0], "egress")) {
			uint32_t link, old;
			if (!neto_strmap_get(&in->link_ix, f[4].p, f[4].len, &link))
				return neto_err_at(err, fname, c.lineno, "unknown link '%s'",
						   neto_span_str(f[4], tmp, sizeof tmp));
			uint8_t addr[16];
			if (!peer_addr(f[3], addr))
				return neto_err_at(err, fname, c.lineno, "bad peer address '%s'",
						   neto_span_str(f[3], tmp, sizeof tmp));
			if (!neto_strmap_put(&in->egress_ix, f[1].p, f[1].len,
					     (uint32_t)in->n_egress, &old))
				return neto_err_at(err, fname, c.lineno, "egress '%s' twice",
						   neto_span_str(f[1], tmp, sizeof tmp));
			size_t k = in->n_egress;
			in->egresses = neto_reallocarray(in->egresses, k + 1, sizeof *in->egresses);
			in->egress_link = neto_reallocarray(in->egress_link, k + 1,
							    sizeof *in->egress_link);
			in->egress_router = neto_reallocarray(in->egress_router, k + 1,
							      sizeof *in->egress_router);
			in->egress_addr = neto_reallocarray(in->egress_addr, k + 1,
							    sizeof *in->egress_addr);
			in->egresses[k] = neto_strndup(f[1].p, f[1].len);
			in->egress_link[k] = link;
			in->egress_router[k] = router_get(in, f[2].p, f[2].len);
			memcpy(in->egress_addr[k], addr, 16);
			in->n_egress++;
		} else {
			return neto_err_at(err, fname, c.lineno,
					   "expected 'link NAME CAPACITY' or "
					   "'egress NAME ROUTER PEER-ADDRESS LINK'");
		}
	}
	if (in->n_egress == 0)
		return neto_err_at(err, fname, 0, "no egress");
	return 0;
}

/* "64501,3356,15169" (or "-" for an empty path) as one AS_SEQUENCE. */
static bool as_path(neto_span s, bgp_update *u)
{
	if (neto_span_eq(s, "-"))
		return true;
	neto_span a[256];
	size_t n = neto_split(s, ',', a, 255);
	if (n > 255)
		return false;
	uint32_t asns[255];
	for (size_t i = 0; i < n; i++)
		if (!neto_span_to_u32(a[i], &asns[i]))
			return false;
	bgp_update_add_seg(u, BGP_AS_SEQUENCE, asns, (uint8_t)n);
	return true;
}

static bool communities(neto_span s, bgp_update *u)
{
	neto_span a[64];
	size_t n = neto_split(s, ',', a, 64);
	if (n > 64)
		return false;
	u->communities = neto_reallocarray(NULL, n ? n : 1, sizeof *u->communities);
	for (size_t i = 0; i < n; i++) {
		neto_span hl[2];
		uint32_t hi, lo;
		if (neto_split(a[i], ':', hl, 2) != 2 || !neto_span_to_u32(hl[0], &hi) ||
		    !neto_span_to_u32(hl[1], &lo) || hi > 65535 || lo > 65535)
			return false;
		u->communities[i] = hi << 16 | lo;
	}
	u->n_communities = n;
	u->seen |= 1u << BGP_ATTR_COMMUNITIES;
	return true;
}

static int route_line(pe_input *in, neto_span *f, size_t n, const char *fname, unsigned ln,
		      neto_err *err)
{
	char tmp[80];
	int family;
	uint8_t addr[16];
	unsigned plen;
	if (!prefix(f[0], &family, addr, &plen))
		return neto_err_at(err, fname, ln, "bad prefix '%s'",
				   neto_span_str(f[0], tmp, sizeof tmp));
	bmp_peer_hdr h;
	memset(&h, 0, sizeof h);
	if (!peer_addr(f[2], h.addr))
		return neto_err_at(err, fname, ln, "bad peer address '%s'",
				   neto_span_str(f[2], tmp, sizeof tmp));
	if (!neto_span_to_u32(f[3], &h.as))
		return neto_err_at(err, fname, ln, "bad peer AS '%s'",
				   neto_span_str(f[3], tmp, sizeof tmp));
	bgp_update u;
	bgp_update_init(&u);
	u.seen = 1u << BGP_ATTR_ORIGIN | 1u << BGP_ATTR_AS_PATH | 1u << BGP_ATTR_NEXT_HOP;
	int rc = 0;
	if (!as_path(f[4], &u)) {
		rc = neto_err_at(err, fname, ln, "bad AS path '%s' (ASNs separated by commas)",
				 neto_span_str(f[4], tmp, sizeof tmp));
		goto out;
	}
	uint8_t nh[16];
	if (!peer_addr(f[5], nh)) {
		rc = neto_err_at(err, fname, ln, "bad next hop '%s'",
				 neto_span_str(f[5], tmp, sizeof tmp));
		goto out;
	}
	if (family == 4) {
		u.next_hop = (uint32_t)nh[12] << 24 | (uint32_t)nh[13] << 16 |
			     (uint32_t)nh[14] << 8 | nh[15];
	} else {
		u.reach.present = true;
		u.reach.afi = BGP_AFI_IPV6;
		u.reach.safi = BGP_SAFI_UNICAST;
		u.reach.nh_len = 16;
		memcpy(u.reach.nh, nh, 16);
	}
	for (size_t i = 6; i < n; i++) {
		neto_span kv[2];
		uint32_t v;
		if (neto_split(f[i], '=', kv, 2) != 2)
			goto bad_kv;
		if (neto_span_eq(kv[0], "med") && neto_span_to_u32(kv[1], &v)) {
			u.med = v;
			u.seen |= 1u << BGP_ATTR_MED;
		} else if (neto_span_eq(kv[0], "lp") && neto_span_to_u32(kv[1], &v)) {
			u.local_pref = v;
			u.seen |= 1u << BGP_ATTR_LOCAL_PREF;
		} else if (neto_span_eq(kv[0], "origin") && neto_span_eq(kv[1], "igp")) {
			u.origin = 0;
		} else if (neto_span_eq(kv[0], "origin") && neto_span_eq(kv[1], "egp")) {
			u.origin = 1;
		} else if (neto_span_eq(kv[0], "origin") && neto_span_eq(kv[1], "incomplete")) {
			u.origin = 2;
		} else if (neto_span_eq(kv[0], "comm") && communities(kv[1], &u)) {
			;
		} else {
			goto bad_kv;
		}
		continue;
	bad_kv:
		rc = neto_err_at(err, fname, ln, "bad attribute '%s' (med=N, lp=N, origin=igp|egp|"
				 "incomplete, comm=A:B,...)", neto_span_str(f[i], tmp, sizeof tmp));
		goto out;
	}
	uint32_t router = router_get(in, f[1].p, f[1].len);
	uint16_t peer;
	if (pe_rib_peer_id(in->rib, router, &h, &peer, err) != 0) {
		rc = -1;
		goto out;
	}
	pe_rib_announce(in->rib, peer, family, addr, (uint8_t)plen, &u);
	in->n_route_lines++;
out:
	bgp_update_free(&u);
	return rc;
}

int pe_parse_routes(pe_input *in, const char *buf, size_t len, const char *fname,
		    neto_err *err)
{
	if (neto_text_check_nul(buf, len, fname, err) != 0)
		return -1;
	neto_lines c;
	neto_lines_init(&c, buf, len);
	neto_span line, f[16];
	while (neto_lines_next_data(&c, &line)) {
		size_t n = neto_split(line, 0, f, 12);
		if (n < 6 || n > 12)
			return neto_err_at(err, fname, c.lineno,
					   "expected 'PREFIX ROUTER PEER-ADDRESS PEER-AS AS-PATH "
					   "NEXT-HOP [med=N] [lp=N] [origin=O] [comm=A:B,...]'");
		if (route_line(in, f, n, fname, c.lineno, err) != 0)
			return -1;
	}
	return 0;
}

int pe_read_bmp(pe_input *in, const char *router, const uint8_t *buf, size_t len,
		const char *fname, neto_err *err)
{
	uint32_t r = router_get(in, router, strlen(router));
	size_t off = 0;
	while (off < len) {
		size_t ml;
		neto_err e;
		int fr = bmp_frame(buf + off, len - off, &ml, &e);
		if (fr < 0)
			return neto_err_set(err, "%s: offset %zu: %s", fname, off, e.msg);
		if (fr > 0)
			return neto_err_set(err, "%s: offset %zu: the last message is cut short",
					    fname, off);
		bmp_msg m;
		if (bmp_decode(buf + off, ml, &m, &e) != 0)
			return neto_err_set(err, "%s: offset %zu: %s", fname, off, e.msg);
		int rc = pe_rib_apply(in->rib, r, &m, &e);
		bmp_msg_free(&m);
		if (rc != 0)
			return neto_err_set(err, "%s: offset %zu: %s", fname, off, e.msg);
		in->n_bmp_msgs++;
		off += ml;
	}
	return 0;
}

int pe_parse_traffic(pe_input *in, const char *buf, size_t len, const char *fname,
		     neto_err *err)
{
	if (neto_text_check_nul(buf, len, fname, err) != 0)
		return -1;
	neto_lines c;
	neto_lines_init(&c, buf, len);
	neto_span line, f[4];
	char tmp[80];
	while (neto_lines_next_data(&c, &line)) {
		if (neto_split(line, 0, f, 3) != 3)
			return neto_err_at(err, fname, c.lineno, "expected 'PREFIX CLASS RATE'");
		int family;
		uint8_t addr[16];
		unsigned plen;
		uint32_t cls;
		double rate;
		if (!prefix(f[0], &family, addr, &plen))
			return neto_err_at(err, fname, c.lineno, "bad prefix '%s'",
					   neto_span_str(f[0], tmp, sizeof tmp));
		if (!neto_span_to_u32(f[1], &cls) || cls > 255)
			return neto_err_at(err, fname, c.lineno, "bad class '%s' (0..255, 0 first)",
					   neto_span_str(f[1], tmp, sizeof tmp));
		if (!pe_parse_rate(f[2].p, f[2].len, &rate))
			return neto_err_at(err, fname, c.lineno, "bad rate '%s'",
					   neto_span_str(f[2], tmp, sizeof tmp));
		uint32_t p = pe_rib_find(in->rib, family, addr, (uint8_t)plen);
		if (p == PE_NONE) {
			in->n_traffic_unrouted++;
			continue;
		}
		if (in->n_dem == in->cap_dem) {
			in->cap_dem = in->cap_dem ? 2 * in->cap_dem : 1024;
			in->dem = neto_reallocarray(in->dem, in->cap_dem, sizeof *in->dem);
		}
		in->dem[in->n_dem].pfx = p;
		in->dem[in->n_dem].cls = (uint8_t)cls;
		in->dem[in->n_dem].rate = rate;
		in->n_dem++;
		if (cls + 1 > in->n_class)
			in->n_class = cls + 1;
	}
	return 0;
}

int pe_parse_latency(pe_input *in, const char *buf, size_t len, const char *fname,
		     bool is_static, neto_err *err)
{
	if (neto_text_check_nul(buf, len, fname, err) != 0)
		return -1;
	if (is_static && in->static_lat == NULL)
		in->static_lat = pe_lat_table_new(in->n_egress);
	neto_lines c;
	neto_lines_init(&c, buf, len);
	neto_span line, f[4];
	char tmp[80];
	while (neto_lines_next_data(&c, &line)) {
		if (neto_split(line, 0, f, 3) != 3)
			return neto_err_at(err, fname, c.lineno, "expected 'PREFIX EGRESS MS'");
		int family;
		uint8_t addr[16];
		unsigned plen;
		uint32_t e;
		double ms;
		if (!prefix(f[0], &family, addr, &plen))
			return neto_err_at(err, fname, c.lineno, "bad prefix '%s'",
					   neto_span_str(f[0], tmp, sizeof tmp));
		if (!neto_strmap_get(&in->egress_ix, f[1].p, f[1].len, &e))
			return neto_err_at(err, fname, c.lineno, "unknown egress '%s'",
					   neto_span_str(f[1], tmp, sizeof tmp));
		if (!neto_span_to_double(f[2], &ms) || ms < 0 || ms > 1e6)
			return neto_err_at(err, fname, c.lineno, "bad latency '%s' (ms)",
					   neto_span_str(f[2], tmp, sizeof tmp));
		if (is_static) {
			neto_err e2;
			if (pe_lat_table_add(in->static_lat, e, family, addr, plen, (float)ms, &e2) !=
			    0)
				return neto_err_at(err, fname, c.lineno, "%s", e2.msg);
			continue;
		}
		uint32_t p = pe_rib_find(in->rib, family, addr, (uint8_t)plen);
		if (p == PE_NONE)
			continue;	/* measured for a prefix no ISP offers */
		if (in->n_meas == in->cap_meas) {
			in->cap_meas = in->cap_meas ? 2 * in->cap_meas : 1024;
			in->meas = neto_reallocarray(in->meas, in->cap_meas, sizeof *in->meas);
		}
		in->meas[in->n_meas].pfx = p;
		in->meas[in->n_meas].egress = e;
		in->meas[in->n_meas].ms = (float)ms;
		in->n_meas++;
	}
	return 0;
}

static int meas_cmp(const void *a, const void *b)
{
	const pe_lat_meas *x = a, *y = b;
	if (x->pfx != y->pfx)
		return x->pfx < y->pfx ? -1 : 1;
	return x->egress < y->egress ? -1 : x->egress > y->egress;
}

static bool meas_get(const pe_input *in, uint32_t pfx, uint32_t e, float *ms)
{
	size_t lo = 0, hi = in->n_meas;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const pe_lat_meas *m = &in->meas[mid];
		if (m->pfx < pfx || (m->pfx == pfx && m->egress < e))
			lo = mid + 1;
		else
			hi = mid;
	}
	/* a pair measured twice: one of the values (the sort is not stable) */
	if (lo < in->n_meas && in->meas[lo].pfx == pfx && in->meas[lo].egress == e) {
		*ms = in->meas[lo].ms;
		return true;
	}
	return false;
}

int pe_input_build(pe_input *in, pe_problem *p, neto_err *err)
{
	size_t np = pe_rib_n_prefixes(in->rib), npeers = pe_rib_n_peers(in->rib);
	/* which egress each route table peer is (router and address) */
	uint32_t *peer_egress = neto_reallocarray(NULL, npeers ? npeers : 1, sizeof *peer_egress);
	for (size_t i = 0; i < npeers; i++) {
		const pe_rib_peer *rp = pe_rib_peer_get(in->rib, (uint16_t)i);
		peer_egress[i] = PE_NONE;
		for (size_t e = 0; e < in->n_egress; e++)
			if (in->egress_router[e] == rp->router &&
			    memcmp(in->egress_addr[e], rp->addr, 16) == 0)
				peer_egress[i] = (uint32_t)e;
	}
	if (in->n_meas > 1)
		qsort(in->meas, in->n_meas, sizeof *in->meas, meas_cmp);
	free(in->cand_off);
	free(in->cand_egress);
	free(in->cand_lat);
	free(in->bgp_best);
	free(in->pfx_len);
	free(in->pfx_family);
	in->cand_off = neto_reallocarray(NULL, np + 1, sizeof *in->cand_off);
	in->bgp_best = neto_reallocarray(NULL, np ? np : 1, sizeof *in->bgp_best);
	in->pfx_len = neto_reallocarray(NULL, np ? np : 1, 1);
	in->pfx_family = neto_reallocarray(NULL, np ? np : 1, 1);
	size_t cap = np * 2 + 16, n = 0;
	in->cand_egress = neto_reallocarray(NULL, cap, sizeof *in->cand_egress);
	in->cand_lat = neto_reallocarray(NULL, cap, sizeof *in->cand_lat);
	pe_route rt[64];
	in->n_unmapped = in->n_lat_static = in->n_lat_default = 0;
	for (size_t i = 0; i < np; i++) {
		int fam;
		uint8_t addr[16], len;
		pe_rib_prefix(in->rib, (uint32_t)i, &fam, addr, &len);
		in->pfx_len[i] = len;
		in->pfx_family[i] = (uint8_t)fam;
		in->cand_off[i] = (uint32_t)n;
		in->bgp_best[i] = PE_NONE;
		size_t nr = pe_rib_routes(in->rib, (uint32_t)i, rt, 64);
		if (nr > 64)
			nr = 64;
		const pe_route *best = NULL;
		for (size_t k = 0; k < nr; k++) {
			uint32_t e = peer_egress[rt[k].peer];
			if (e == PE_NONE) {
				in->n_unmapped++;
				continue;
			}
			if (n == cap) {
				cap *= 2;
				in->cand_egress = neto_reallocarray(in->cand_egress, cap,
								    sizeof *in->cand_egress);
				in->cand_lat = neto_reallocarray(in->cand_lat, cap,
								 sizeof *in->cand_lat);
			}
			float ms;
			if (meas_get(in, (uint32_t)i, e, &ms)) {
				;
			} else if (in->static_lat != NULL &&
				   pe_lat_table_get(in->static_lat, e, fam, addr, &ms)) {
				in->n_lat_static++;
			} else {
				ms = in->default_lat;
				in->n_lat_default++;
			}
			in->cand_egress[n] = e;
			in->cand_lat[n] = ms;
			n++;
			if (best == NULL || pe_route_cmp(in->rib, &rt[k], best) < 0) {
				best = &rt[k];
				in->bgp_best[i] = e;
			}
		}
	}
	in->cand_off[np] = (uint32_t)n;
	free(peer_egress);
	memset(p, 0, sizeof *p);
	p->n_links = in->n_links;
	p->cap = in->cap;
	p->n_egress = in->n_egress;
	p->egress_link = in->egress_link;
	p->n_pfx = np;
	p->cand_off = in->cand_off;
	p->cand_egress = in->cand_egress;
	p->cand_lat = in->cand_lat;
	p->bgp_best = in->bgp_best;
	p->pfx_len = in->pfx_len;
	p->pfx_family = in->pfx_family;
	p->n_dem = in->n_dem;
	p->dem = in->dem;
	p->n_class = in->n_class;
	(void)err;
	return 0;
}
