/*
 * fuzz_demand_series.c - the demand series parser on arbitrary bytes, against a fixed
 * 4-node topology (nodes A, B, C and one named "7") and three classes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "demand/demand.h"

static void fixture(topo *t, class_set *cs)
{
	static const char *const names[] = { "A", "B", "C", "7" };
	neto_err err;
	topo_init(t);
	for (uint32_t v = 0; v < 4; v++)
		if (topo_add_node(t, names[v], strlen(names[v]), &err) == TOPO_NONE)
			abort();
	if (topo_add_link(t, "ab", 2, 0, 1, 10, 1, 1, &err) == TOPO_NONE ||
	    topo_add_link(t, "bc", 2, 1, 2, 10, 1, 1, &err) == TOPO_NONE ||
	    topo_add_link(t, "c7", 2, 2, 3, 10, 1, 1, &err) == TOPO_NONE ||
	    topo_finish(t, &err) != 0)
		abort();
	class_set_init(cs);
	if (class_set_add(cs, "gold", 4, 0, 2, TE_LAT_LOW, 0, &err) != 0 ||
	    class_set_add(cs, "silver", 6, 1, 4, TE_LAT_ANY, 100, &err) != 0 ||
	    class_set_add(cs, "bronze", 6, 2, 8, TE_LAT_LOW, 0, &err) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	topo t;
	class_set cs;
	demand_series s;
	neto_err err;
	err.msg[0] = '\0';
	fixture(&t, &cs);
	int rc = demand_series_parse(&s, &t, &cs, (const char *)data, size, "fuzz.txt", &err);
	if (rc != 0 && (rc != -1 || s.n != 0 || err.msg[0] == '\0'))
		abort();
	if (rc == 0 && (s.n == 0 || s.n > DEMAND_SERIES_MAX))
		abort();
	for (size_t h = 0; h < s.n; h++)
		for (size_t i = 0; i < s.v[h].n; i++) {
			const demand *d = &s.v[h].v[i];
			if (d->src >= t.n_nodes || d->dst >= t.n_nodes || d->src == d->dst ||
			    d->cls >= cs.n || !(d->rate >= 0))
				abort();
		}
	demand_series_free(&s);
	class_set_free(&cs);
	topo_free(&t);
	return 0;
}
