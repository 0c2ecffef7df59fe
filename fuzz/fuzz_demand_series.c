/*
 * fuzz_demand_series.c - the demand series parser on arbitrary bytes, against a fixed
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
