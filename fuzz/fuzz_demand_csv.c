/*
 * fuzz_demand_csv.c - the demands CSV parser on arbitrary bytes, against a fixed
 * 4-node topology (nodes A, B, C and one named "7") and three classes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "demand/demand.h"
#include "demand_fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	topo t;
	class_set cs;
	demand_set ds;
	neto_err err;
	err.msg[0] = '\0';
	fixture(&t, &cs);
	demand_set_init(&ds);
	int rc = demand_parse_csv(&ds, &t, &cs, (const char *)data, size, "fuzz.txt", &err);
	if (rc != 0 && (rc != -1 || ds.n != 0 || err.msg[0] == '\0'))
		abort();
	for (size_t i = 0; i < ds.n; i++) {
		const demand *d = &ds.v[i];
		if (d->src >= t.n_nodes || d->dst >= t.n_nodes || d->src == d->dst ||
		    d->cls >= cs.n || !(d->rate >= 0) ||
		    demand_find(&ds, d->src, d->dst, d->cls) != i)
			abort();
	}
	demand_set_free(&ds);
	class_set_free(&cs);
	topo_free(&t);
	return 0;
}
