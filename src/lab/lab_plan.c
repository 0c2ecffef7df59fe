/*
 * lab_plan.c - the pure half of the lab: from a topology to names,
 * addresses, SIDs, shaped rates and FRR configurations (see lab.h).
 *
 * Links are directed in neto's model and bidirectional on a veth, so each
 * link is paired with an unpaired link of the opposite direction between
 * the same sites (in input order); the pair becomes one veth, each end
 * shaped and weighted by its own direction. A link without a reverse still
 * gets a veth, with the same capacity and metric both ways (IS-IS needs a
 * two-way adjacency).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lab/lab.h"
#include "lib/mem.h"
#include "lib/strbuf.h"

double lab_unit_bps(const char *unit)
{
	if (!unit)
		return 1e3;
	static const struct { const char *name; double bps; } units[] = {
		{ "bps", 1 }, { "kbps", 1e3 }, { "mbps", 1e6 }, { "gbps", 1e9 }, { "tbps", 1e12 },
	};
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strcasecmp(unit, units[i].name) == 0)
			return units[i].bps;
	return 0;
}

static void set_u16(uint8_t a[16], int word, uint32_t v)
{
	a[2 * word] = (uint8_t)(v >> 8);
	a[2 * word + 1] = (uint8_t)v;
}

static int site_make(lab_site *s, const topo_node *n, uint32_t i, const char *prefix,
		     neto_err *err)
{
	uint32_t N = i + 1;
	snprintf(s->ns, sizeof s->ns, "%s%u", prefix, N);
	/* host name: the site's name reduced to what a host name may hold */
	size_t k = 0;
	for (const char *c = n->name; *c && k + 1 < sizeof s->host; c++)
		s->host[k++] = isalnum((unsigned char)*c) ? *c : '-';
	s->host[k] = '\0';
	if (k == 0 || !isalnum((unsigned char)s->host[0]))
		snprintf(s->host, sizeof s->host, "site%u", N);
	snprintf(s->sysid, sizeof s->sysid, "0000.0000.%04x", N & 0xffffu);
	if (n->has_locator) {
		if (n->locator_len > 112)
			return neto_err_set(err, "site %s: locator /%u leaves no room for SIDs",
					    n->name, n->locator_len);
		memcpy(s->locator, n->locator, 16);
		s->loc_len = n->locator_len;
	} else {
		memset(s->locator, 0, 16);
		set_u16(s->locator, 0, 0xfc00);
		set_u16(s->locator, 2, N);
		s->loc_len = 48;
	}
	memcpy(s->end_sid, s->locator, 16);
	s->end_sid[15] |= 0x01;
	memcpy(s->dt6_sid, s->locator, 16);
	s->dt6_sid[14] |= 0x01;
	memcpy(s->loc_addr, s->locator, 16);
	s->loc_addr[15] |= 0xff;
	memset(s->site_prefix, 0, 16);
	set_u16(s->site_prefix, 0, 0xfd00);
	set_u16(s->site_prefix, 2, N);
	memcpy(s->site_addr, s->site_prefix, 16);
	s->site_addr[15] = 1;
	return 0;
}

int lab_plan_make(lab_plan *p, const topo *t, const char *prefix, double scale, neto_err *err)
{
	memset(p, 0, sizeof *p);
	if (!prefix)
		prefix = "nl-";
	size_t plen = strlen(prefix);
	if (plen == 0 || plen > LAB_PREFIX_MAX)
		return neto_err_set(err, "lab prefix '%s': 1..%d characters", prefix,
				    LAB_PREFIX_MAX);
	for (size_t i = 0; i < plen; i++)
		if (!isalnum((unsigned char)prefix[i]) && prefix[i] != '-')
			return neto_err_set(err, "lab prefix '%s': letters, digits and '-' only",
					    prefix);
	if (t->n_nodes > 65535 || t->n_links > 65535)
		return neto_err_set(err, "a lab holds at most 65535 sites and links");
	memcpy(p->prefix, prefix, plen + 1);
	p->unit_bps = lab_unit_bps(t->unit);
	if (p->unit_bps == 0)
		return neto_err_set(err, "capacity unit '%s' is not a rate (bps, kbps, Mbps, Gbps)",
				    t->unit);
	p->n_sites = t->n_nodes;
	p->sites = neto_calloc(t->n_nodes, sizeof *p->sites);
	for (uint32_t i = 0; i < t->n_nodes; i++)
		if (site_make(&p->sites[i], &t->nodes[i], i, prefix, err) != 0) {
			lab_plan_free(p);
			return -1;
		}

	/* pair links with their reverse */
	bool *used = neto_calloc(t->n_links ? t->n_links : 1, sizeof *used);
	p->edges = neto_calloc(t->n_links ? t->n_links : 1, sizeof *p->edges);
	double total_bps = 0;
	for (uint32_t l = 0; l < t->n_links; l++) {
		if (used[l])
			continue;
		const topo_link *L = &t->links[l];
		used[l] = true;
		uint32_t rev = TOPO_NONE;
		for (uint32_t k = t->out_off[L->dst]; k < t->out_off[L->dst + 1]; k++) {
			uint32_t m = t->out_links[k];
			if (!used[m] && t->links[m].dst == L->src) {
				rev = m;
				break;
			}
		}
		if (rev != TOPO_NONE)
			used[rev] = true;
		lab_edge *e = &p->edges[p->n_edges++];
		e->a = L->src < L->dst ? L->src : L->dst;
		e->b = L->src < L->dst ? L->dst : L->src;
		uint32_t fwd = l;	/* a -> b is l when src < dst */
		e->link_ab = L->src == e->a ? fwd : rev;
		e->link_ba = L->src == e->a ? rev : fwd;
		const topo_link *ab = e->link_ab != TOPO_NONE ? &t->links[e->link_ab] : L;
		const topo_link *ba = e->link_ba != TOPO_NONE ? &t->links[e->link_ba] : L;
		e->rate_ab = ab->capacity * p->unit_bps;
		e->rate_ba = ba->capacity * p->unit_bps;
		e->metric_ab = ab->igp;
		e->metric_ba = ba->igp;
		total_bps += e->rate_ab + e->rate_ba;
		uint32_t K = p->n_edges;
		memset(e->addr_a, 0, 16);
		set_u16(e->addr_a, 0, 0xfd00);
		set_u16(e->addr_a, 1, 1);
		set_u16(e->addr_a, 2, K);
		memcpy(e->addr_b, e->addr_a, 16);
		e->addr_a[15] = 1;
		e->addr_b[15] = 2;
		e->v4_a[0] = 10;
		e->v4_a[1] = (uint8_t)(1 + K / 256);
		e->v4_a[2] = (uint8_t)(K % 256);
		memcpy(e->v4_b, e->v4_a, 4);
		e->v4_a[3] = 1;
		e->v4_b[3] = 2;
	}
	free(used);
	/* interface names: to<peer N>, with -<n> for the n-th parallel link */
	for (uint32_t k = 0; k < p->n_edges; k++) {
		lab_edge *e = &p->edges[k];
		uint32_t par = 0;
		for (uint32_t j = 0; j < k; j++)
			if (p->edges[j].a == e->a && p->edges[j].b == e->b)
				par++;
		if (par == 0) {
			snprintf(e->if_a, sizeof e->if_a, "to%u", e->b + 1);
			snprintf(e->if_b, sizeof e->if_b, "to%u", e->a + 1);
		} else {
			snprintf(e->if_a, sizeof e->if_a, "to%u-%u", e->b + 1, par);
			snprintf(e->if_b, sizeof e->if_b, "to%u-%u", e->a + 1, par);
		}
	}
	if (scale <= 0) {
		scale = total_bps > LAB_DEFAULT_BUDGET_BPS ? LAB_DEFAULT_BUDGET_BPS / total_bps : 1;
	}
	p->scale = scale;
	for (uint32_t k = 0; k < p->n_edges; k++) {
		lab_edge *e = &p->edges[k];
		e->rate_ab *= scale;
		e->rate_ba *= scale;
		if (e->rate_ab < LAB_MIN_RATE_BPS)
			e->rate_ab = LAB_MIN_RATE_BPS;
		if (e->rate_ba < LAB_MIN_RATE_BPS)
			e->rate_ba = LAB_MIN_RATE_BPS;
	}
	return 0;
}

void lab_plan_free(lab_plan *p)
{
	free(p->sites);
	free(p->edges);
	memset(p, 0, sizeof *p);
}

char *lab_frr_conf(const lab_plan *p, uint32_t i)
{
	const lab_site *s = &p->sites[i];
	char *c = NULL;
	neto_append_line(&c, "! site %s, written by neto lab up", s->host);
	neto_append_line(&c, "frr defaults traditional");
	neto_append_line(&c, "hostname %s", s->host);
	neto_append_line(&c, "log file /var/run/frr/%s/frr.log", s->ns);
	neto_append_line(&c, "service integrated-vtysh-config");
	neto_append_line(&c, "!");
	/* the instance first: an interface metric above 63 is only valid once
	 * the instance has wide metrics (FRR validates each line as it comes) */
	neto_append_line(&c, "router isis neto");
	neto_append_line(&c, " net 49.0001.%s.00", s->sysid);
	neto_append_line(&c, " is-type level-2-only");
	neto_append_line(&c, " metric-style wide");
	neto_append_line(&c, " lsp-gen-interval 1");
	neto_append_line(&c, " spf-interval 1");
	/* the TE database (`show isis mpls-te database json`) that a router
	 * agent exports over BGP-LS: link-params below, an IPv4 router ID on
	 * lo (FRR's TE database names vertices by it) */
	neto_append_line(&c, " mpls-te on");
	neto_append_line(&c, " mpls-te router-address 10.255.%u.%u", (i + 1) >> 8, (i + 1) & 255);
	neto_append_line(&c, " mpls-te export");
	neto_append_line(&c, "exit");
	neto_append_line(&c, "!");
	/* passive: the locator (on lo) and the site prefix are advertised, no
	 * adjacency is tried there */
	neto_append_line(&c, "interface lo");
	neto_append_line(&c, " ipv6 router isis neto");
	neto_append_line(&c, " isis passive");
	neto_append_line(&c, "exit");
	neto_append_line(&c, "interface site0");
	neto_append_line(&c, " ipv6 router isis neto");
	neto_append_line(&c, " isis passive");
	neto_append_line(&c, "exit");
	for (uint32_t k = 0; k < p->n_edges; k++) {
		const lab_edge *e = &p->edges[k];
		if (e->a != i && e->b != i)
			continue;
		bool is_a = e->a == i;
		neto_append_line(&c, "interface %s", is_a ? e->if_a : e->if_b);
		neto_append_line(&c, " ipv6 router isis neto");
		neto_append_line(&c, " isis network point-to-point");
		neto_append_line(&c, " isis metric %u", is_a ? e->metric_ab : e->metric_ba);
		/* IPv4 too, only so that the TE database tells the links apart
		 * (lab.h) */
		neto_append_line(&c, " ip router isis neto");
		neto_append_line(&c, " isis hello-interval 1");
		neto_append_line(&c, " isis hello-multiplier 3");
		neto_append_line(&c, "exit");
	}
	return c;
}

char *lab_frr_te_conf(const lab_plan *p, uint32_t i)
{
	char *c = NULL;
	neto_append_line(&c, "! site %s, TE link parameters, written by neto lab up",
			 p->sites[i].host);
	for (uint32_t k = 0; k < p->n_edges; k++) {
		const lab_edge *e = &p->edges[k];
		if (e->a != i && e->b != i)
			continue;
		bool is_a = e->a == i;
		neto_append_line(&c, "interface %s", is_a ? e->if_a : e->if_b);
		/* TE: the IGP metric again and the shaped rate as the maximum
		 * bandwidth, in bytes per second as FRR takes it */
		neto_append_line(&c, " link-params");
		neto_append_line(&c, "  metric %u", is_a ? e->metric_ab : e->metric_ba);
		/* zebra starts them all at the veth's speed and refuses a
		 * maximum not above the reservable and unreserved ones: those
		 * first, at 0 (nothing here reserves bandwidth) */
		for (int prio = 0; prio < 8; prio++)
			neto_append_line(&c, "  unrsv-bw %d 0", prio);
		neto_append_line(&c, "  max-rsv-bw 0");
		neto_append_line(&c, "  max-bw %.9g", (is_a ? e->rate_ab : e->rate_ba) / 8.0);
		neto_append_line(&c, "  enable");
		neto_append_line(&c, " exit-link-params");
		neto_append_line(&c, "exit");
	}
	return c;
}
