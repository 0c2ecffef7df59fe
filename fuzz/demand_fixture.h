/*
 * demand_fixture.h - the topology and classes the demand fuzz targets parse
 * against: nodes A, B, C and one named "7", a chain of links, and three
 * classes (gold, silver, bronze). Included by the targets only.
 */
#ifndef NETO_FUZZ_DEMAND_FIXTURE_H
#define NETO_FUZZ_DEMAND_FIXTURE_H

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

#endif
