/*
 * links.c - the per-link view of GET /links and of the link metrics: every
 * link of the latest topology with its capacity, the load the latest
 * solution plans on it, the load measured by telemetry, and utilisation.
 *
 * Three documents are joined by link id: the topology snapshot (parsed with
 * neto's topology reader, so that default link ids are the ones the
 * controller uses), the solution of the newest plan (`neto te --format
 * json`: links[].id and load) and the telemetry document in the key-value
 * namespace "telemetry", key "links" ({"at":ms,"links":[{"id" or "label",
 * "src","dst","load"}]}). A measurement without an id is matched by its
 * ends when exactly one link joins them; measurements that match no link
 * are counted, not shown. Utilisation is measured load over capacity, or
 * planned load over capacity when nothing is measured.
 */
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "lib/mem.h"
#include "topo/topo.h"
#include "topo/topo_io.h"

/* Planned loads from a solution document; NaN where it has none. */
static void planned_loads(const topo *t, const char *solution, double *planned)
{
	json_t *doc = solution ? json_loads(solution, 0, NULL) : NULL;
	const json_t *links = json_object_get(doc, "links");
	size_t i;
	const json_t *l;
	json_array_foreach(links, i, l)
	{
		const char *id = json_string_value(json_object_get(l, "id"));
		const json_t *load = json_object_get(l, "load");
		if (id == NULL || !json_is_number(load))
			continue;
		uint32_t k = topo_find_link(t, id, strlen(id));
		if (k != TOPO_NONE)
			planned[k] = json_number_value(load);
	}
	json_decref(doc);
}

static uint32_t link_by_ends(const topo *t, const char *src, const char *dst)
{
	if (src == NULL || dst == NULL)
		return TOPO_NONE;
	uint32_t a = topo_find_node(t, src, strlen(src)), b = topo_find_node(t, dst, strlen(dst));
	if (a == TOPO_NONE || b == TOPO_NONE)
		return TOPO_NONE;
	uint32_t found = TOPO_NONE;
	for (uint32_t i = t->out_off[a]; i < t->out_off[a + 1]; i++) {
		uint32_t l = t->out_links[i];
		if (t->links[l].dst != b)
			continue;
		if (found != TOPO_NONE)
			return TOPO_NONE; /* parallel links: ambiguous */
		found = l;
	}
	return found;
}

/* Measured loads from the telemetry document; returns the measurements
 * that match no link. */
static size_t measured_loads(const topo *t, const json_t *tel, double *measured)
{
	size_t unmatched = 0;
	size_t i;
	const json_t *m;
	json_array_foreach(json_object_get(tel, "links"), i, m)
	{
		const json_t *load = json_object_get(m, "load");
		const char *id = json_string_value(json_object_get(m, "id"));
		if (id == NULL)
			id = json_string_value(json_object_get(m, "label"));
		uint32_t k = id ? topo_find_link(t, id, strlen(id))
				: link_by_ends(t, json_string_value(json_object_get(m, "src")),
					       json_string_value(json_object_get(m, "dst")));
		if (k == TOPO_NONE || !json_is_number(load)) {
			unmatched++;
			continue;
		}
		measured[k] = json_number_value(load);
	}
	return unmatched;
}

static json_t *num_or_null(double v)
{
	return v == v ? json_real(v) : json_null();
}

int api_links_doc(store *st, json_t **out, neto_err *err)
{
	*out = NULL;
	int64_t version, at;
	char *body = NULL;
	size_t len;
	if (store_topology_latest(st, &version, &at, &body, &len, err) != 0)
		return -1;
	if (body == NULL)
		return 0;
	topo t;
	topo_init(&t);
	int rc = topo_parse(&t, TOPO_FMT_AUTO, body, len, "stored topology", NULL, err);
	free(body);
	if (rc != 0) {
		topo_free(&t);
		return -2;
	}

	/* the newest plan's solution */
	store_plan p;
	int found = 0;
	char *solution = NULL;
	int64_t plan_id = 0;
	if (store_plan_latest(st, &p, &found, err) != 0)
		goto store_failed;
	if (found) {
		plan_id = p.id;
		store_plan_clear(&p);
		char *plan = NULL;
		if (store_plan_body(st, plan_id, &plan, &solution, err) != 0)
			goto store_failed;
		free(plan);
	}
	char *tel_body = NULL;
	size_t tel_len;
	int64_t tel_updated;
	if (store_kv_get(st, "telemetry", "links", &tel_body, &tel_len, &tel_updated, err) != 0) {
		free(solution);
		goto store_failed;
	}

	uint32_t L = t.n_links;
	double *planned = neto_malloc((L + 1) * sizeof *planned);
	double *measured = neto_malloc((L + 1) * sizeof *measured);
	for (uint32_t l = 0; l < L; l++)
		planned[l] = measured[l] = __builtin_nan("");
	planned_loads(&t, solution, planned);
	free(solution);
	json_t *tel = tel_body ? json_loadb(tel_body, tel_len, 0, NULL) : NULL;
	free(tel_body);
	size_t unmatched = tel ? measured_loads(&t, tel, measured) : 0;

	json_t *links = json_array();
	for (uint32_t l = 0; l < L; l++) {
		const topo_link *k = &t.links[l];
		double use = measured[l] == measured[l] ? measured[l]
			     : planned[l] == planned[l] ? planned[l]
							: 0;
		json_array_append_new(
			links, json_pack("{s:s,s:s,s:s,s:f,s:b,s:o,s:o,s:f}", "id", k->id, "src",
					 t.nodes[k->src].name, "dst", t.nodes[k->dst].name, "capacity",
					 k->capacity, "up", k->up, "planned", num_or_null(planned[l]),
					 "measured", num_or_null(measured[l]), "utilization",
					 use / k->capacity));
	}
	const json_t *tel_at = json_object_get(tel, "at");
	*out = json_pack("{s:I,s:o,s:o,s:o,s:I,s:o}", "topology_version", (json_int_t)version,
			 "unit", t.unit ? json_string(t.unit) : json_null(), "plan_id",
			 plan_id ? json_integer(plan_id) : json_null(), "telemetry_at",
			 json_is_integer(tel_at) ? json_integer(json_integer_value(tel_at))
						 : json_null(),
			 "unmatched_measurements", (json_int_t)unmatched, "links", links);
	json_decref(tel);
	free(planned);
	free(measured);
	topo_free(&t);
	return 0;
store_failed:
	topo_free(&t);
	return -1;
}
