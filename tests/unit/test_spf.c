/*
 * test_spf.c - IGP shortest-path trees: distances, ECMP counts (next hops and
 * parallel links) and pred, on hand-made cases and against a naive reference
 * (Bellman-Ford distances, then path counts in order of distance) on random
 * graphs with small metrics, where ECMP is common.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "te/spf.h"
#include "testutil.h"
#include "topo/topo.h"

static void add_nodes(topo *t, uint32_t n)
{
	neto_err err;
	for (uint32_t i = 0; i < n; i++) {
		char name[16];
		snprintf(name, sizeof name, "n%u", i);
		assert_int_equal(topo_add_node(t, name, strlen(name), &err), i);
	}
}

static uint32_t add_link(topo *t, uint32_t s, uint32_t d, uint32_t igp)
{
	char id[16];
	neto_err err;
	snprintf(id, sizeof id, "l%u", t->n_links);
	uint32_t l = topo_add_link(t, id, strlen(id), s, d, 100, 1, igp, &err);
	assert_int_not_equal(l, TOPO_NONE);
	return l;
}

static void finish(topo *t)
{
	neto_err err;
	assert_int_equal(topo_finish(t, &err), 0);
}

/* s=0 -> a=1 -> t=3 and s -> b=2 -> t: two next hops. */
static void test_ecmp_next_hops(void **state)
{
	(void)state;
	topo t;
	topo_init(&t);
	add_nodes(&t, 5);
	uint32_t sa = add_link(&t, 0, 1, 1);
	add_link(&t, 1, 3, 2);
	add_link(&t, 0, 2, 2);
	add_link(&t, 2, 3, 1);
	uint32_t t4 = add_link(&t, 3, 4, 1);
	finish(&t);
	spf_tree tr = { 0 };
	spf_compute(&tr, &t, 0);
	assert_int_equal(tr.src, 0);
	assert_int_equal(tr.dist[0], 0);
	assert_int_equal(tr.npaths[0], 1);
	assert_int_equal(tr.pred[0], TOPO_NONE);
	assert_int_equal(tr.dist[1], 1);
	assert_int_equal(tr.npaths[1], 1);
	assert_int_equal(tr.pred[1], sa);
	assert_int_equal(tr.dist[3], 3);
	assert_int_equal(tr.npaths[3], 2);
	/* ECMP upstream makes everything behind it ECMP too. */
	assert_int_equal(tr.dist[4], 4);
	assert_int_equal(tr.npaths[4], 2);
	assert_int_equal(tr.pred[4], t4);
	spf_tree_free(&tr);
	topo_free(&t);
}

/* Parallel links of equal metric are ECMP; unequal ones are not. */
static void test_ecmp_parallel(void **state)
{
	(void)state;
	topo t;
	topo_init(&t);
	add_nodes(&t, 4);
	add_link(&t, 0, 1, 5);
	add_link(&t, 0, 1, 5);
	add_link(&t, 1, 2, 3);
	uint32_t best = add_link(&t, 1, 2, 2);
	add_link(&t, 2, 3, 1);
	finish(&t);
	spf_tree tr = { 0 };
	spf_compute(&tr, &t, 1);
	assert_int_equal(tr.npaths[2], 1);
	assert_int_equal(tr.pred[2], best);
	assert_int_equal(tr.dist[2], 2);
	assert_int_equal(tr.npaths[3], 1);
	assert_int_equal(tr.dist[0], SPF_INF); /* one-way links */
	assert_int_equal(tr.npaths[0], 0);
	assert_int_equal(tr.pred[0], TOPO_NONE);
	spf_tree_free(&tr);
	spf_compute(&tr, &t, 0);
	assert_int_equal(tr.npaths[1], 2);
	assert_int_equal(tr.npaths[3], 2);
	assert_int_equal(tr.dist[3], 8);
	spf_tree_free(&tr);
	topo_free(&t);
}

/* Reference: Bellman-Ford, then counts by increasing distance. */
static void reference(const topo *t, uint32_t src, uint64_t *dist, unsigned *cnt)
{
	uint32_t n = t->n_nodes;
	for (uint32_t v = 0; v < n; v++)
		dist[v] = SPF_INF;
	dist[src] = 0;
	for (uint32_t it = 0; it < n; it++)
		for (uint32_t l = 0; l < t->n_links; l++) {
			const topo_link *k = &t->links[l];
			if (dist[k->src] != SPF_INF && dist[k->src] + k->igp < dist[k->dst])
				dist[k->dst] = dist[k->src] + k->igp;
		}
	uint32_t order[64];
	for (uint32_t v = 0; v < n; v++)
		order[v] = v;
	for (uint32_t i = 1; i < n; i++) /* insertion sort by distance */
		for (uint32_t j = i; j > 0 && dist[order[j]] < dist[order[j - 1]]; j--) {
			uint32_t x = order[j];
			order[j] = order[j - 1];
			order[j - 1] = x;
		}
	for (uint32_t i = 0; i < n; i++) {
		uint32_t v = order[i];
		cnt[v] = v == src;
		if (dist[v] == SPF_INF || v == src)
			continue;
		for (uint32_t l = 0; l < t->n_links; l++) {
			const topo_link *k = &t->links[l];
			if (k->dst == v && dist[k->src] != SPF_INF && dist[k->src] + k->igp == dist[v])
				cnt[v] += cnt[k->src];
		}
		if (cnt[v] > 2)
			cnt[v] = 2;
	}
}

static void test_random_vs_reference(void **state)
{
	(void)state;
	uint64_t rs = 2024;
	uint64_t dist[64];
	unsigned cnt[64];
	for (int round = 0; round < 400; round++) {
		topo t;
		topo_init(&t);
		uint32_t n = 2 + (uint32_t)(tu_rand(&rs) % 30);
		uint32_t m = n + (uint32_t)(tu_rand(&rs) % (3 * n));
		add_nodes(&t, n);
		while (t.n_links < m) {
			uint32_t s = (uint32_t)(tu_rand(&rs) % n), d = (uint32_t)(tu_rand(&rs) % n);
			if (s != d)
				add_link(&t, s, d, 1 + (uint32_t)(tu_rand(&rs) % 3));
		}
		finish(&t);
		spf_all all;
		spf_all_init(&all, &t);
		for (uint32_t src = 0; src < n; src++) {
			reference(&t, src, dist, cnt);
			const spf_tree *tr = spf_all_get(&all, src);
			assert_ptr_equal(tr, spf_all_get(&all, src)); /* computed once */
			for (uint32_t v = 0; v < n; v++) {
				assert_true(tr->dist[v] == dist[v]);
				assert_int_equal(tr->npaths[v], cnt[v]);
				if (v == src || dist[v] == SPF_INF) {
					assert_int_equal(tr->pred[v], TOPO_NONE);
					continue;
				}
				/* pred is a last link of a shortest path. */
				const topo_link *k = &t.links[tr->pred[v]];
				assert_int_equal(k->dst, v);
				assert_true(dist[k->src] + k->igp == dist[v]);
			}
			/* The bit set marks exactly the links that end a unique
			 * shortest path. */
			for (uint32_t l = 0; l < t.n_links; l++) {
				const topo_link *k = &t.links[l];
				int want = k->dst != src && cnt[k->dst] == 1 &&
					   dist[k->src] != SPF_INF &&
					   dist[k->src] + k->igp == dist[k->dst];
				assert_int_equal(spf_unique_last(tr, l), want);
			}
		}
		spf_all_free(&all);
		topo_free(&t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ecmp_next_hops),
		cmocka_unit_test(test_ecmp_parallel),
		cmocka_unit_test(test_random_vs_reference),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
