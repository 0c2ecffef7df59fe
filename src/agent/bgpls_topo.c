/*
 * bgpls_topo.c - a topology as BGP-LS NLRI and attributes (see
 * bgpls_topo.h).
 */
#include "agent/bgpls_topo.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/mem.h"

int bgpls_unit_bps(const char *unit, double *mult, neto_err *err)
{
	static const struct {
		const char *name;
		double mult;
	} units[] = { { "bps", 1 }, { "kbps", 1e3 }, { "Mbps", 1e6 }, { "Gbps", 1e9 } };
	if (unit == NULL) {
		*mult = 1e3;
		return 0;
	}
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strcasecmp(unit, units[i].name) == 0) {
			*mult = units[i].mult;
			return 0;
		}
	return neto_err_set(err, "capacity unit '%s' is not bps, kbps, Mbps or Gbps", unit);
}

static void node_desc(bgpls_node_desc *d, uint32_t asn, uint32_t v)
{
	memset(d, 0, sizeof *d);
	d->present = true;
	d->has = BGPLS_ND_AS | BGPLS_ND_RID;
	d->asn = asn;
	d->rid_len = 6;
	uint32_t n = v + 1;
	d->rid[2] = (uint8_t)(n >> 24);
	d->rid[3] = (uint8_t)(n >> 16);
	d->rid[4] = (uint8_t)(n >> 8);
	d->rid[5] = (uint8_t)n;
}

int bgpls_from_topo(const topo *t, uint32_t asn, bgpls_item **items, size_t *n, neto_err *err)
{
	double mult = 1e3;
	*items = NULL;
	*n = 0;
	if (bgpls_unit_bps(t->unit, &mult, err) != 0)
		return -1;
	size_t cap = (size_t)t->n_nodes * 2 + t->n_links;
	bgpls_item *it = neto_calloc(cap ? cap : 1, sizeof *it);
	size_t k = 0;
	for (uint32_t v = 0; v < t->n_nodes; v++) {
		const topo_node *tn = &t->nodes[v];
		size_t nl = strlen(tn->name);
		if (nl > 255) {
			free(it);
			return neto_err_set(err, "node '%.40s...': name longer than 255 octets",
					    tn->name);
		}
		bgpls_item *x = &it[k++];
		x->nlri.type = BGPLS_NLRI_NODE;
		x->nlri.proto = BGPLS_PROTO_ISIS_L2;
		node_desc(&x->nlri.local, asn, v);
		x->attr.has = 1u << BGPLS_A_NODE_NAME;
		x->attr.name_len = (uint8_t)nl;
		memcpy(x->attr.name, tn->name, nl + 1);
		if (tn->has_locator) {
			bgpls_item *p = &it[k++];
			p->nlri.type = BGPLS_NLRI_PREFIX6;
			p->nlri.proto = BGPLS_PROTO_ISIS_L2;
			node_desc(&p->nlri.local, asn, v);
			p->nlri.link_has = BGPLS_PD_PREFIX;
			p->nlri.prefix.len = tn->locator_len;
			memcpy(p->nlri.prefix.addr, tn->locator, 16);
			p->attr.has = 1u << BGPLS_A_SRV6_LOCATOR;
			p->attr.loc_metric = 0;
		}
	}
	/* the reverse of each link: the first unused link the other way */
	uint32_t *rev = neto_calloc(t->n_links ? t->n_links : 1, sizeof *rev);
	for (uint32_t i = 0; i < t->n_links; i++) {
		const topo_link *l = &t->links[i];
		if (rev[i] != 0)
			continue;
		for (uint32_t j = i + 1; j < t->n_links; j++) {
			const topo_link *r = &t->links[j];
			if (rev[j] == 0 && r->src == l->dst && r->dst == l->src) {
				rev[i] = j + 1;
				rev[j] = i + 1;
				break;
			}
		}
	}
	for (uint32_t i = 0; i < t->n_links; i++) {
		const topo_link *l = &t->links[i];
		bgpls_item *x = &it[k++];
		x->nlri.type = BGPLS_NLRI_LINK;
		x->nlri.proto = BGPLS_PROTO_ISIS_L2;
		node_desc(&x->nlri.local, asn, l->src);
		node_desc(&x->nlri.remote, asn, l->dst);
		x->nlri.link_has = BGPLS_LD_IDS;
		x->nlri.local_id = i + 1;
		x->nlri.remote_id = rev[i];
		bgpls_attr *a = &x->attr;
		a->has = 1u << BGPLS_A_MAX_BW | 1u << BGPLS_A_IGP_METRIC | 1u << BGPLS_A_TE_METRIC |
			 1u << BGPLS_A_DELAY;
		a->max_bw = bgpls_bw_bits(l->capacity * mult);
		a->igp_metric_len = 3;
		a->igp_metric = l->igp > 0xffffff ? 0xffffff : l->igp;
		a->te_metric = l->igp;
		double d = round(l->delay);
		a->delay_us = d > 0xffffff ? 0xffffff : (uint32_t)d;
		if (l->n_srlgs > 0) {
			a->has |= 1u << BGPLS_A_SRLG;
			a->n_srlg = (uint8_t)(l->n_srlgs > BGPLS_MAX_SRLG ? BGPLS_MAX_SRLG : l->n_srlgs);
			memcpy(a->srlg, l->srlgs, a->n_srlg * sizeof *a->srlg);
		}
		if (l->has_adj_sid) {
			a->n_endx = 1;
			a->endx[0].behavior = 5;	/* End.X (RFC 8986 section 10.2) */
			memcpy(a->endx[0].sid, l->adj_sid, 16);
		}
	}
	free(rev);
	*items = it;
	*n = k;
	return 0;
}
