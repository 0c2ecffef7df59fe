/*
 * ctl_topo.c - derived topologies for the controller (ctl.h): a copy of the
 * snapshot without some links and with other capacities, in which every name
 * and every SID means what it means on the real network.
 *
 * Generated End.X SIDs depend on a link's rank among its node's out-links
 * (srv6.h), so dropping a link would silently renumber its neighbours' SIDs.
 * The copy therefore pins each kept link's SID, computed on the full
 * topology; node SIDs depend only on the node index, which is kept.
 */
#include <string.h>

#include "ctl/ctl.h"
#include "lib/mem.h"
#include "te/srv6.h"

int ctl_topo_copy(topo *out, const topo *t, const bool *keep, const double *cap,
		  uint32_t *map, neto_err *err)
{
	for (uint32_t v = 0; v < t->n_nodes; v++) {
		const topo_node *n = &t->nodes[v];
		if (topo_add_node(out, n->name, strlen(n->name), err) == TOPO_NONE)
			return -1;
		topo_node *m = &out->nodes[v];
		m->has_locator = n->has_locator;
		memcpy(m->locator, n->locator, sizeof m->locator);
		m->locator_len = n->locator_len;
		m->has_coord = n->has_coord;
		m->lat = n->lat;
		m->lon = n->lon;
	}
	if (t->unit)
		out->unit = neto_strdup(t->unit);
	for (uint32_t l = 0; l < t->n_links; l++) {
		if (map)
			map[l] = TOPO_NONE;
		if (keep && !keep[l])
			continue;
		const topo_link *k = &t->links[l];
		double c = cap ? cap[l] : k->capacity;
		uint32_t i = topo_add_link(out, k->id, strlen(k->id), k->src, k->dst, c, k->delay,
					   k->igp, err);
		if (i == TOPO_NONE)
			return -1;
		topo_link *o = &out->links[i];
		o->up = k->up;
		if (k->n_srlgs) {
			o->srlgs = neto_reallocarray(NULL, k->n_srlgs, sizeof *o->srlgs);
			memcpy(o->srlgs, k->srlgs, k->n_srlgs * sizeof *o->srlgs);
			o->n_srlgs = k->n_srlgs;
		}
		o->has_adj_sid = true;
		srv6_adj_sid(t, l, o->adj_sid);
		if (map)
			map[l] = i;
	}
	return topo_finish(out, err);
}

char *ctl_policy_key(const char *dst, const char *cls)
{
	size_t a = strlen(dst), b = strlen(cls);
	char *k = neto_malloc(a + b + 2);
	memcpy(k, dst, a);
	k[a] = '/';
	memcpy(k + a + 1, cls, b + 1);
	return k;
}
