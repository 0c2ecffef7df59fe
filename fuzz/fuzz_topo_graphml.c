/*
 * fuzz_topo_graphml.c - the GraphML parser on arbitrary bytes. A success must
 * give a consistent, finished topology; a failure an empty one with a message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "topo/topo_io.h"

static void check(const topo *t, int rc, const neto_err *err)
{
	if (rc != 0) {
		if (rc != -1 || t->n_nodes != 0 || t->n_links != 0 || err->msg[0] == '\0')
			abort();
		return;
	}
	if (t->n_nodes == 0 || t->n_links == 0 || t->out_off[t->n_nodes] != t->n_links ||
	    t->in_off[t->n_nodes] != t->n_links)
		abort();
	for (uint32_t i = 0; i < t->n_links; i++) {
		const topo_link *l = &t->links[i];
		if (l->src >= t->n_nodes || l->dst >= t->n_nodes || l->src == l->dst ||
		    !(l->capacity > 0) || !(l->delay >= 0) || l->igp == 0 ||
		    topo_find_link(t, l->id, strlen(l->id)) != i)
			abort();
	}
	for (uint32_t v = 0; v < t->n_nodes; v++)
		if (topo_find_node(t, t->nodes[v].name, strlen(t->nodes[v].name)) != v)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	topo_parse_opts opts = { .default_capacity = 1000 };
	topo t;
	neto_err err;
	err.msg[0] = '\0';
	topo_init(&t);
	int rc = topo_parse_graphml(&t, (const char *)data, size, "fuzz.graphml", &opts, &err);
	check(&t, rc, &err);
	topo_free(&t);
	return 0;
}
