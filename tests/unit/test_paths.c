/*
 * test_paths.c - te_paths_build: one record per distinct pair whatever the
 * classes, K = the largest K, MSD drops counted, unreachable pairs kept with
 * no path, and on random networks the same paths as ksp_compute minus the
 * unencodable ones, each with a segment list that replays to it. On real
 * networks (REPETITA Geant2009, Topology Zoo Kdl) the first path of every
 * pair has the delay of an independent Dijkstra.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "demand/demand.h"
#include "te/ksp.h"
#include "te/paths.h"
#include "te/spf.h"
#include "te/srv6.h"
#include "testutil.h"
#include "topo/topo.h"
#include "topo/topo_io.h"

static void add_nodes(topo *t, uint32_t n)
{
	neto_err err;
	for (uint32_t i = 0; i < n; i++) {
		char name[16];
		snprintf(name, sizeof name, "n%u", i);
		assert_int_not_equal(topo_add_node(t, name, strlen(name), &err), TOPO_NONE);
	}
}

static uint32_t add_link(topo *t, uint32_t s, uint32_t d, double delay, uint32_t igp)
{
	char id[16];
	neto_err err;
	snprintf(id, sizeof id, "l%u", t->n_links);
	uint32_t l = topo_add_link(t, id, strlen(id), s, d, 100, delay, igp, &err);
	assert_int_not_equal(l, TOPO_NONE);
	return l;
}

static void finish(topo *t)
{
	neto_err err;
	assert_int_equal(topo_finish(t, &err), 0);
}

static void add_class(class_set *cs, const char *name, uint32_t prio, uint32_t k)
{
	neto_err err;
	assert_int_equal(class_set_add(cs, name, strlen(name), prio, k, TE_LAT_LOW, 0, &err), 0);
}

/* 0 -> 3 over three disjoint two-hop routes and a direct link; 4 is cut off. */
static void diamond(topo *t)
{
	topo_init(t);
	add_nodes(t, 5);
	add_link(t, 0, 3, 50, 1); /* l0 direct, slow */
	add_link(t, 0, 1, 1, 10);
	add_link(t, 1, 3, 1, 10); /* 2 */
	add_link(t, 0, 2, 2, 10);
	add_link(t, 2, 3, 2, 10); /* 4 */
	add_link(t, 3, 0, 5, 1);
	add_link(t, 4, 0, 5, 1);
	finish(t);
}

static void test_pairs_and_k(void **state)
{
	(void)state;
	topo t;
	diamond(&t);
	class_set cs;
	class_set_init(&cs);
	add_class(&cs, "gold", 0, 2);
	add_class(&cs, "bronze", 1, 3);
	demand_set ds;
	demand_set_init(&ds);
	demand_add(&ds, 0, 3, 0, 1);
	demand_add(&ds, 0, 3, 1, 2);   /* same pair, other class */
	demand_add(&ds, 0, 4, 0, 1);   /* unreachable */
	demand_add(&ds, 3, 0, 1, 1);
	te_pathset ps;
	te_pathset_init(&ps);
	te_paths_opts opts = { .msd = 6, .progress = 0 };
	neto_err err;
	assert_int_equal(te_paths_build(&ps, &t, &cs, &ds, &opts, &err), 0);
	assert_int_equal(ps.n_pairs, 3);
	assert_int_equal(ps.msd, 6);

	const te_pair *p = te_paths_find(&ps, 0, 3);
	assert_non_null(p);
	assert_int_equal(p->n_paths, 3); /* K = 3, the largest */
	assert_int_equal(p->n_dropped, 0);
	const double want[] = { 2, 4, 50 };
	for (uint32_t i = 0; i < 3; i++)
		assert_true(ps.paths[p->path_off + i].delay == want[i]);
	/* The direct link is the IGP's own choice: one segment. */
	const te_path *direct = &ps.paths[p->path_off + 2];
	assert_int_equal(direct->n_links, 1);
	assert_int_equal(ps.links[direct->link_off], 0);
	assert_int_equal(direct->n_segs, 1);
	assert_int_equal(ps.segs[direct->seg_off], 3);

	p = te_paths_find(&ps, 0, 4);
	assert_non_null(p);
	assert_int_equal(p->n_paths, 0);
	assert_int_equal(p->n_dropped, 0);
	p = te_paths_find(&ps, 3, 0);
	assert_non_null(p);
	assert_int_equal(p->n_paths, 1);
	assert_null(te_paths_find(&ps, 1, 3));

	te_pathset_free(&ps);
	demand_set_free(&ds);
	class_set_free(&cs);
	topo_free(&t);
}

/* The fast routes go against the IGP and need two segments: MSD 1 keeps only
 * the direct link, and counts the other two as dropped. */
static void test_msd_drop(void **state)
{
	(void)state;
	topo t;
	diamond(&t);
	class_set cs;
	class_set_init(&cs);
	add_class(&cs, "c", 0, 3);
	demand_set ds;
	demand_set_init(&ds);
	demand_add(&ds, 0, 3, 0, 1);
	te_paths_opts opts = { .msd = 1, .progress = 0 };
	neto_err err;
	te_pathset ps;
	te_pathset_init(&ps);
	assert_int_equal(te_paths_build(&ps, &t, &cs, &ds, &opts, &err), 0);
	const te_pair *p = te_paths_find(&ps, 0, 3);
	assert_non_null(p);
	assert_int_equal(p->n_paths, 1);
	assert_int_equal(p->n_dropped, 2);
	assert_true(ps.paths[p->path_off].delay == 50);
	te_pathset_free(&ps);

	opts.msd = 2;
	te_pathset_init(&ps);
	assert_int_equal(te_paths_build(&ps, &t, &cs, &ds, &opts, &err), 0);
	p = te_paths_find(&ps, 0, 3);
	assert_int_equal(p->n_paths, 3);
	assert_int_equal(p->n_dropped, 0);
	assert_int_equal(ps.paths[p->path_off].n_segs, 2);
	te_pathset_free(&ps);

	opts.msd = 0;
	te_pathset_init(&ps);
	assert_int_equal(te_paths_build(&ps, &t, &cs, &ds, &opts, &err), -1);
	te_pathset_free(&ps);
	opts.msd = 2;
	demand_add(&ds, 0, 9, 0, 1);
	te_pathset_init(&ps);
	assert_int_equal(te_paths_build(&ps, &t, &cs, &ds, &opts, &err), -1);
	te_pathset_free(&ps);

	demand_set_free(&ds);
	class_set_free(&cs);
	topo_free(&t);
}

/* Random networks and demand sets: every pair matches ksp_compute minus the
 * paths over the MSD, and every segment list replays to its path. */
static void test_random_build(void **state)
{
	(void)state;
	uint64_t rs = 555;
	ksp_result r;
	ksp_result_init(&r);
	for (int round = 0; round < 60; round++) {
		topo t;
		topo_init(&t);
		uint32_t n = 3 + (uint32_t)(tu_rand(&rs) % 20);
		uint32_t m = n + (uint32_t)(tu_rand(&rs) % (3 * n));
		add_nodes(&t, n);
		while (t.n_links < m) {
			uint32_t s = (uint32_t)(tu_rand(&rs) % n), d = (uint32_t)(tu_rand(&rs) % n);
			if (s == d)
				continue;
			double delay = 1 + 99 * tu_randf(&rs);
			uint32_t igp = 1 + (uint32_t)(tu_rand(&rs) % 3);
			add_link(&t, s, d, delay, igp);
			if (tu_rand(&rs) % 2)
				add_link(&t, d, s, delay, igp);
		}
		finish(&t);
		class_set cs;
		class_set_init(&cs);
		uint32_t k = 1 + (uint32_t)(tu_rand(&rs) % 6);
		add_class(&cs, "a", 0, k);
		add_class(&cs, "b", 1, 1);
		demand_set ds;
		demand_set_init(&ds);
		for (int i = 0; i < 60; i++) {
			uint32_t s = (uint32_t)(tu_rand(&rs) % n), d = (uint32_t)(tu_rand(&rs) % n);
			if (s != d)
				demand_add(&ds, s, d, (uint32_t)(tu_rand(&rs) % 2), 1);
		}
		te_paths_opts opts = { .msd = 1 + (uint32_t)(tu_rand(&rs) % 4), .progress = 0 };
		te_pathset ps;
		te_pathset_init(&ps);
		neto_err err;
		assert_int_equal(te_paths_build(&ps, &t, &cs, &ds, &opts, &err), 0);

		ksp_ctx *c = ksp_ctx_new(&t);
		spf_all spf;
		spf_all_init(&spf, &t);
		size_t pairs = 0;
		for (size_t i = 0; i < ds.n; i++) {
			const demand *dm = &ds.v[i];
			const te_pair *p = te_paths_find(&ps, dm->src, dm->dst);
			assert_non_null(p);
			ksp_compute(c, dm->src, dm->dst, k, &r);
			uint32_t kept = 0, dropped = 0, segs[8], out[64];
			for (uint32_t q = 0; q < r.n_paths; q++) {
				const uint32_t *links = r.links + r.off[q];
				uint32_t nl = r.off[q + 1] - r.off[q];
				if (srv6_encode(&spf, links, nl, segs, opts.msd) < 0) {
					dropped++;
					continue;
				}
				assert_true(kept < p->n_paths);
				const te_path *tp = &ps.paths[p->path_off + kept++];
				assert_int_equal(tp->n_links, nl);
				assert_memory_equal(ps.links + tp->link_off, links, nl * sizeof *links);
				assert_true(tp->delay == r.delay[q]);
				assert_true(tp->n_segs >= 1 && tp->n_segs <= opts.msd);
				int nr = srv6_replay(&spf, dm->src, ps.segs + tp->seg_off, tp->n_segs,
						     out, 64);
				assert_int_equal(nr, (int)nl);
				assert_memory_equal(out, links, nl * sizeof *links);
			}
			assert_int_equal(p->n_paths, kept);
			assert_int_equal(p->n_dropped, dropped);
		}
		for (size_t i = 0; i < ps.n_pairs; i++) {
			const te_pair *p = &ps.pairs[i];
			assert_ptr_equal(te_paths_find(&ps, p->src, p->dst), p);
			for (uint32_t cl = 0; cl < 2; cl++)
				if (demand_find(&ds, p->src, p->dst, cl) != SIZE_MAX) {
					pairs++;
					break;
				}
		}
		assert_int_equal(pairs, ps.n_pairs); /* no pair without demand */
		spf_all_free(&spf);
		ksp_ctx_free(c);
		te_pathset_free(&ps);
		demand_set_free(&ds);
		class_set_free(&cs);
		topo_free(&t);
	}
	ksp_result_free(&r);
}

/* Plain O(n^2) Dijkstra on delays to dst, over in-links. */
static void delays_to(const topo *t, uint32_t dst, double *dist)
{
	uint32_t n = t->n_nodes;
	char *done = calloc(n, 1);
	assert_non_null(done);
	for (uint32_t v = 0; v < n; v++)
		dist[v] = -1;
	dist[dst] = 0;
	for (;;) {
		uint32_t u = TOPO_NONE;
		for (uint32_t v = 0; v < n; v++)
			if (!done[v] && dist[v] >= 0 && (u == TOPO_NONE || dist[v] < dist[u]))
				u = v;
		if (u == TOPO_NONE)
			break;
		done[u] = 1;
		for (uint32_t i = t->in_off[u]; i < t->in_off[u + 1]; i++) {
			const topo_link *l = &t->links[t->in_links[i]];
			double nd = dist[u] + l->delay;
			if (!done[l->src] && (dist[l->src] < 0 || nd < dist[l->src]))
				dist[l->src] = nd;
		}
	}
	free(done);
}

static void real_network(const char *rel, uint32_t n_dst)
{
	size_t len;
	char *buf = tu_read(rel, &len);
	topo t;
	topo_init(&t);
	topo_parse_opts po = { .default_capacity = 1000 };
	neto_err err;
	assert_int_equal(topo_parse(&t, TOPO_FMT_AUTO, buf, len, rel, &po, &err), 0);
	free(buf);
	if (n_dst > t.n_nodes)
		n_dst = t.n_nodes;

	class_set cs;
	class_set_init(&cs);
	class_set_default(&cs);
	demand_set ds;
	demand_set_init(&ds);
	for (uint32_t d = 0; d < n_dst; d++)
		for (uint32_t s = 0; s < t.n_nodes; s++)
			if (s != d)
				demand_add(&ds, s, d, 0, 1);
	te_paths_opts opts = { .msd = SRV6_DEFAULT_MSD, .progress = 0 };
	te_pathset ps;
	te_pathset_init(&ps);
	assert_int_equal(te_paths_build(&ps, &t, &cs, &ds, &opts, &err), 0);
	assert_int_equal(ps.n_pairs, ds.n);

	/* A debug build replays every segment list inside te_paths_build; here
	 * the first path's delay is held against an independent Dijkstra. */
	double *dist = malloc(t.n_nodes * sizeof *dist);
	assert_non_null(dist);
	for (uint32_t d = 0; d < n_dst; d++) {
		delays_to(&t, d, dist);
		for (uint32_t s = 0; s < t.n_nodes; s++) {
			if (s == d)
				continue;
			const te_pair *p = te_paths_find(&ps, s, d);
			assert_non_null(p);
			uint32_t found = p->n_paths + p->n_dropped;
			assert_true(found <= TE_DEFAULT_K);
			if (dist[s] < 0) {
				assert_int_equal(found, 0);
				continue;
			}
			assert_true(found >= 1);
			if (p->n_paths == 0 || p->n_dropped > 0)
				continue; /* the first path may be the dropped one */
			double got = ps.paths[p->path_off].delay;
			assert_true(fabs(got - dist[s]) <= 1e-9 * dist[s]);
			for (uint32_t i = 1; i < p->n_paths; i++)
				assert_true(ps.paths[p->path_off + i].delay >=
					    ps.paths[p->path_off + i - 1].delay * (1 - 1e-9));
		}
	}
	free(dist);
	te_pathset_free(&ps);
	demand_set_free(&ds);
	class_set_free(&cs);
	topo_free(&t);
}

static void test_real_networks(void **state)
{
	(void)state;
	real_network("tests/data/repetita/Geant2009.graph", 1000);
	real_network("tests/data/zoo/Kdl.graphml", 25);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pairs_and_k),
		cmocka_unit_test(test_msd_drop),
		cmocka_unit_test(test_random_build),
		cmocka_unit_test(test_real_networks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
