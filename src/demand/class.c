/*
 * class.c - the set of traffic classes (see demand.h).
 *
 * A handful of classes at most in practice; they live in a growing array with
 * a name index so that demand parsers resolve a class field without copying it.
 */
#include "demand/demand.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"

void class_set_init(class_set *cs)
{
	cs->v = NULL;
	cs->n = 0;
	neto_strmap_init(&cs->by_name);
}

void class_set_free(class_set *cs)
{
	for (uint32_t i = 0; i < cs->n; i++)
		free(cs->v[i].name);
	free(cs->v);
	neto_strmap_free(&cs->by_name);
	class_set_init(cs);
}

void class_set_default(class_set *cs)
{
	class_set_free(cs);
	class_set_add(cs, "default", 7, 0, TE_DEFAULT_K, TE_LAT_LOW, 0, NULL);
}

int class_set_add(class_set *cs, const char *name, size_t len, uint32_t priority,
		  uint32_t k_paths, te_latency lat, double max_delay, neto_err *err)
{
	int nl = (int)(len > 200 ? 200 : len);
	if (len == 0)
		return neto_err_set(err, "class with an empty name");
	if (k_paths < 1 || k_paths > TE_MAX_K)
		return neto_err_set(err, "class '%.*s': paths must be 1..%d", nl, name, TE_MAX_K);
	if (lat != TE_LAT_LOW && lat != TE_LAT_ANY)
		return neto_err_set(err, "class '%.*s': unknown latency policy", nl, name);
	if (!(max_delay >= 0) || !isfinite(max_delay))
		return neto_err_set(err, "class '%.*s': max_delay must be zero or positive", nl,
				    name);
	if (cs->n == UINT32_MAX - 1)
		return neto_err_set(err, "too many classes");
	if (!neto_strmap_put(&cs->by_name, name, len, cs->n, NULL))
		return neto_err_set(err, "duplicate class name '%.*s'", nl, name);
	/* Classes are few: grow one at a time. */
	cs->v = neto_reallocarray(cs->v, (size_t)cs->n + 1, sizeof *cs->v);
	te_class *c = &cs->v[cs->n++];
	c->name = neto_strndup(name, len);
	c->priority = priority;
	c->k_paths = k_paths;
	c->latency = lat;
	c->max_delay = max_delay;
	return 0;
}

uint32_t class_find(const class_set *cs, const char *name, size_t len)
{
	uint32_t v;
	return neto_strmap_get(&cs->by_name, name, len, &v) ? v : TOPO_NONE;
}

uint32_t class_lowest(const class_set *cs)
{
	if (cs->n == 0)
		return TOPO_NONE;
	uint32_t best = 0;
	for (uint32_t i = 1; i < cs->n; i++)
		if (cs->v[i].priority > cs->v[best].priority)
			best = i;
	return best;
}

uint32_t class_max_k(const class_set *cs)
{
	uint32_t k = 0;
	for (uint32_t i = 0; i < cs->n; i++)
		if (cs->v[i].k_paths > k)
			k = cs->v[i].k_paths;
	return k;
}
