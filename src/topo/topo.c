/* topo.c - construction and validation of the topology model (see topo.h). */
#include "topo/topo.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"

void topo_init(topo *t)
{
	memset(t, 0, sizeof *t);
	neto_strmap_init(&t->node_by_name);
	neto_strmap_init(&t->link_by_id);
}

void topo_free(topo *t)
{
	for (uint32_t i = 0; i < t->n_nodes; i++)
		free(t->nodes[i].name);
	for (uint32_t i = 0; i < t->n_links; i++) {
		free(t->links[i].id);
		free(t->links[i].srlgs);
	}
	free(t->nodes);
	free(t->links);
	free(t->unit);
	free(t->out_off);
	free(t->out_links);
	free(t->in_off);
	free(t->in_links);
	neto_strmap_free(&t->node_by_name);
	neto_strmap_free(&t->link_by_id);
	topo_init(t);
}

uint32_t topo_add_node(topo *t, const char *name, size_t name_len, neto_err *err)
{
	if (name_len == 0) {
		neto_err_set(err, "node with an empty name");
		return TOPO_NONE;
	}
	if (t->n_nodes == TOPO_NONE - 1) {
		neto_err_set(err, "too many nodes");
		return TOPO_NONE;
	}
	if (!neto_strmap_put(&t->node_by_name, name, name_len, t->n_nodes, NULL)) {
		neto_err_set(err, "duplicate node name '%.*s'", (int)(name_len > 200 ? 200 : name_len), name);
		return TOPO_NONE;
	}
	if (t->n_nodes == t->cap_nodes) {
		t->cap_nodes = t->cap_nodes ? t->cap_nodes * 2 : 16;
		t->nodes = neto_reallocarray(t->nodes, t->cap_nodes, sizeof *t->nodes);
	}
	topo_node *n = &t->nodes[t->n_nodes];
	memset(n, 0, sizeof *n);
	n->name = neto_strndup(name, name_len);
	return t->n_nodes++;
}

uint32_t topo_add_link(topo *t, const char *id, size_t id_len, uint32_t src, uint32_t dst,
		       double capacity, double delay, uint32_t igp, neto_err *err)
{
	int idl = (int)(id_len > 200 ? 200 : id_len);
	if (id_len == 0) {
		neto_err_set(err, "link with an empty id");
		return TOPO_NONE;
	}
	if (src >= t->n_nodes || dst >= t->n_nodes) {
		neto_err_set(err, "link '%.*s': unknown node", idl, id);
		return TOPO_NONE;
	}
	if (src == dst) {
		neto_err_set(err, "link '%.*s': source and destination are the same node", idl, id);
		return TOPO_NONE;
	}
	if (!(capacity > 0) || !isfinite(capacity)) {
		neto_err_set(err, "link '%.*s': capacity must be positive", idl, id);
		return TOPO_NONE;
	}
	if (!(delay >= 0) || !isfinite(delay)) {
		neto_err_set(err, "link '%.*s': delay must be zero or positive", idl, id);
		return TOPO_NONE;
	}
	if (igp == 0) {
		neto_err_set(err, "link '%.*s': IGP metric must be at least 1", idl, id);
		return TOPO_NONE;
	}
	if (t->n_links == TOPO_NONE - 1) {
		neto_err_set(err, "too many links");
		return TOPO_NONE;
	}
	if (!neto_strmap_put(&t->link_by_id, id, id_len, t->n_links, NULL)) {
		neto_err_set(err, "duplicate link id '%.*s'", idl, id);
		return TOPO_NONE;
	}
	if (t->n_links == t->cap_links) {
		t->cap_links = t->cap_links ? t->cap_links * 2 : 32;
		t->links = neto_reallocarray(t->links, t->cap_links, sizeof *t->links);
	}
	topo_link *l = &t->links[t->n_links];
	memset(l, 0, sizeof *l);
	l->id = neto_strndup(id, id_len);
	l->src = src;
	l->dst = dst;
	l->capacity = capacity;
	l->up = true;
	l->delay = delay;
	l->igp = igp;
	return t->n_links++;
}

static void build_csr(uint32_t n_nodes, uint32_t n_links, const topo_link *links, bool out,
		      uint32_t **off_out, uint32_t **idx_out)
{
	uint32_t *off = neto_calloc((size_t)n_nodes + 1, sizeof *off);
	uint32_t *idx = neto_malloc((size_t)n_links * sizeof *idx);
	for (uint32_t i = 0; i < n_links; i++)
		off[(out ? links[i].src : links[i].dst) + 1]++;
	for (uint32_t v = 0; v < n_nodes; v++)
		off[v + 1] += off[v];
	uint32_t *fill = neto_malloc((size_t)n_nodes * sizeof *fill);
	memcpy(fill, off, (size_t)n_nodes * sizeof *fill);
	for (uint32_t i = 0; i < n_links; i++)
		idx[fill[out ? links[i].src : links[i].dst]++] = i;
	free(fill);
	*off_out = off;
	*idx_out = idx;
}

int topo_finish(topo *t, neto_err *err)
{
	if (t->n_nodes == 0)
		return neto_err_set(err, "topology has no nodes");
	if (t->n_links == 0)
		return neto_err_set(err, "topology has no links");
	free(t->out_off);
	free(t->out_links);
	free(t->in_off);
	free(t->in_links);
	build_csr(t->n_nodes, t->n_links, t->links, true, &t->out_off, &t->out_links);
	build_csr(t->n_nodes, t->n_links, t->links, false, &t->in_off, &t->in_links);
	return 0;
}

uint32_t topo_find_node(const topo *t, const char *name, size_t len)
{
	uint32_t v;
	return neto_strmap_get(&t->node_by_name, name, len, &v) ? v : TOPO_NONE;
}

uint32_t topo_find_link(const topo *t, const char *id, size_t len)
{
	uint32_t v;
	return neto_strmap_get(&t->link_by_id, id, len, &v) ? v : TOPO_NONE;
}

double topo_geo_delay_us(double lat1, double lon1, double lat2, double lon2)
{
	const double r_km = 6371.0;
	const double d2r = M_PI / 180.0;
	double p1 = lat1 * d2r, p2 = lat2 * d2r;
	double dp = (lat2 - lat1) * d2r, dl = (lon2 - lon1) * d2r;
	double a = sin(dp / 2) * sin(dp / 2) + cos(p1) * cos(p2) * sin(dl / 2) * sin(dl / 2);
	if (a > 1)
		a = 1;
	double km = 2 * r_km * atan2(sqrt(a), sqrt(1 - a));
	/* light in fibre: about 2e5 km/s, i.e. 5 us per km */
	return km * 5.0;
}

uint32_t topo_default_igp(double delay_us)
{
	double m = ceil(delay_us / 100.0);
	if (!(m >= 1))
		return 1;
	if (m > 16777215.0) /* IS-IS wide metric maximum */
		return 16777215u;
	return (uint32_t)m;
}
