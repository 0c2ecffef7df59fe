/*
 * fuzz_plan_alloc.c - the reader of `neto te --format json` allocations, on
 * arbitrary bytes against a fixed four-node topology. A success must give
 * tunnels whose paths chain from src to dst with rates >= 0, and a space
 * whose loads add up; a failure an empty allocation with a message.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plan/plan.h"
#include "topo/topo_io.h"

/* Kept for the life of the process. */
static const topo *fuzz_topo(void)
{
	static topo t;
	static int ready;
	static const char doc[] =
		"{\"unit\":\"kbps\",\"nodes\":[{\"name\":\"a\"},{\"name\":\"b\"},{\"name\":\"c\"},"
		"{\"name\":\"d\"}],\"links\":["
		"{\"id\":\"ab\",\"src\":\"a\",\"dst\":\"b\",\"capacity\":10,\"delay\":100},"
		"{\"id\":\"ba\",\"src\":\"b\",\"dst\":\"a\",\"capacity\":10,\"delay\":100},"
		"{\"id\":\"bc\",\"src\":\"b\",\"dst\":\"c\",\"capacity\":10,\"delay\":100},"
		"{\"id\":\"cb\",\"src\":\"c\",\"dst\":\"b\",\"capacity\":10,\"delay\":100},"
		"{\"id\":\"cd\",\"src\":\"c\",\"dst\":\"d\",\"capacity\":10,\"delay\":100},"
		"{\"id\":\"dc\",\"src\":\"d\",\"dst\":\"c\",\"capacity\":10,\"delay\":100},"
		"{\"id\":\"ad\",\"src\":\"a\",\"dst\":\"d\",\"capacity\":10,\"delay\":100},"
		"{\"id\":\"da\",\"src\":\"d\",\"dst\":\"a\",\"capacity\":10,\"delay\":100},"
		"{\"id\":\"ac\",\"src\":\"a\",\"dst\":\"c\",\"capacity\":10,\"delay\":100},"
		"{\"id\":\"ac2\",\"src\":\"a\",\"dst\":\"c\",\"capacity\":10,\"delay\":100}]}";
	if (!ready) {
		neto_err err;
		topo_init(&t);
		if (topo_parse_json(&t, doc, sizeof doc - 1, "fuzz-topo.json", &err) != 0)
			abort();
		ready = 1;
	}
	return &t;
}

static void check(const topo *t, const plan_alloc *a)
{
	for (size_t i = 0; i < a->n_tunnels; i++) {
		const plan_alloc_tunnel *tu = &a->tunnels[i];
		if (tu->src >= t->n_nodes || tu->dst >= t->n_nodes || tu->src == tu->dst ||
		    tu->cls == NULL)
			abort();
		for (uint32_t k = 0; k < tu->n_paths; k++) {
			const plan_alloc_path *p = &tu->paths[k];
			uint32_t at = tu->src;
			if (p->n_links == 0 || !(p->rate >= 0) || !isfinite(p->rate))
				abort();
			for (uint32_t j = 0; j < p->n_links; j++) {
				if (p->links[j] >= t->n_links || t->links[p->links[j]].src != at)
					abort();
				at = t->links[p->links[j]].dst;
			}
			if (at != tu->dst)
				abort();
		}
	}
	/* the space of the allocation alone carries the same rates */
	plan_space s;
	double *cfg[2];
	neto_err err;
	plan_space_init(&s, t);
	if (plan_space_build(&s, a, 1, cfg, &err) != 0)
		abort();
	double sum = 0, want = 0;
	double load[16];
	plan_link_loads(&s, cfg[0], load);
	for (uint32_t l = 0; l < t->n_links; l++)
		sum += load[l];
	for (size_t i = 0; i < a->n_tunnels; i++)
		for (uint32_t k = 0; k < a->tunnels[i].n_paths; k++)
			want += a->tunnels[i].paths[k].rate * a->tunnels[i].paths[k].n_links;
	if (!(fabs(sum - want) <= 1e-9 * (1 + want)) && isfinite(want))
		abort();
	/* a step that changes nothing overloads the links the configuration
	 * overloads (up to rounding right at the threshold) */
	cfg[1] = cfg[0];
	size_t nv = plan_verify(&s, (const double *const *)cfg, 2, NULL, 0, NULL);
	size_t over = 0, close = 0;
	for (uint32_t l = 0; l < t->n_links; l++) {
		double lim = t->links[l].capacity * (1 + 1e-9);
		if (fabs(load[l] - lim) <= 1e-12 * lim)
			close++;
		else
			over += !(load[l] <= lim);
	}
	if (nv < over || nv > over + close)
		abort();
	free(cfg[0]);
	plan_space_free(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const topo *t = fuzz_topo();
	plan_alloc a;
	neto_err err;
	err.msg[0] = '\0';
	int rc = plan_alloc_parse(&a, t, (const char *)data, size, "fuzz.json", &err);
	if (rc != 0) {
		if (rc != -1 || a.n_tunnels != 0 || a.tunnels != NULL || err.msg[0] == '\0')
			abort();
		return 0;
	}
	check(t, &a);
	plan_alloc_free(&a);
	return 0;
}
