/*
 * test_ksp.c - Yen's K lowest-delay loopless paths, held against a brute
 * force enumeration of every simple path on small random graphs (parallel
 * links, one-way links, unreachable pairs), plus determinism and the
 * documented tie-breaks on hand-made graphs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "te/ksp.h"
#include "testutil.h"
#include "topo/topo.h"

static void add_node(topo *t, uint32_t i)
{
	char name[16];
	neto_err err;
	snprintf(name, sizeof name, "n%u", i);
	assert_int_equal(topo_add_node(t, name, strlen(name), &err), i);
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

/* A random graph: n nodes, m links between random distinct nodes; about a
 * third of the links get a reverse link and some pairs get parallel links.
 * Delays are continuous (no ties) or small integers (many ties). */
static void random_graph(topo *t, uint64_t *rs, uint32_t n, uint32_t m, int int_delays)
{
	topo_init(t);
	for (uint32_t i = 0; i < n; i++)
		add_node(t, i);
	while (t->n_links < m) {
		uint32_t s = (uint32_t)(tu_rand(rs) % n), d = (uint32_t)(tu_rand(rs) % n);
		if (s == d)
			continue;
		double delay = int_delays ? (double)(1 + tu_rand(rs) % 4) : 1 + 99 * tu_randf(rs);
		add_link(t, s, d, delay, 1);
		uint64_t x = tu_rand(rs) % 6;
		if (x < 2 && t->n_links < m)
			add_link(t, d, s, delay, 1);
		else if (x == 2 && t->n_links < m)
			add_link(t, s, d, int_delays ? delay : 1 + 99 * tu_randf(rs), 1);
	}
	finish(t);
}

/* --- brute force -------------------------------------------------------- */

typedef struct bf_path {
	double delay;
	uint32_t len;
	uint32_t links[16];
} bf_path;

typedef struct bf {
	const topo *t;
	uint32_t dst;
	bf_path *v;
	size_t n, cap;
	uint32_t stack[16];
	int on[16];
} bf;

static void bf_dfs(bf *b, uint32_t u, uint32_t depth)
{
	const topo *t = b->t;
	if (u == b->dst) {
		if (b->n == b->cap) {
			b->cap = b->cap ? b->cap * 2 : 64;
			b->v = realloc(b->v, b->cap * sizeof *b->v);
			assert_non_null(b->v);
		}
		bf_path *p = &b->v[b->n++];
		p->len = depth;
		p->delay = 0;
		for (uint32_t i = 0; i < depth; i++) {
			p->links[i] = b->stack[i];
			p->delay += t->links[b->stack[i]].delay; /* in path order */
		}
		return;
	}
	b->on[u] = 1;
	for (uint32_t i = t->out_off[u]; i < t->out_off[u + 1]; i++) {
		uint32_t l = t->out_links[i], w = t->links[l].dst;
		if (b->on[w])
			continue;
		b->stack[depth] = l;
		bf_dfs(b, w, depth + 1);
	}
	b->on[u] = 0;
}

static int cmp_bf(const void *a, const void *b)
{
	const bf_path *x = a, *y = b;
	return x->delay < y->delay ? -1 : x->delay > y->delay;
}

/* Every simple path from s to d, sorted by delay. */
static void brute_force(bf *b, const topo *t, uint32_t s, uint32_t d)
{
	b->t = t;
	b->dst = d;
	b->n = 0;
	memset(b->on, 0, sizeof b->on);
	bf_dfs(b, s, 0);
	if (b->n > 0)
		qsort(b->v, b->n, sizeof *b->v, cmp_bf);
}

/* A result is well formed: simple paths from s to d, distinct, delays equal
 * to the sum of their links, in non-decreasing delay. */
static void check_wellformed(const topo *t, const ksp_result *r, uint32_t s, uint32_t d)
{
	for (uint32_t i = 0; i < r->n_paths; i++) {
		uint32_t n = r->off[i + 1] - r->off[i];
		const uint32_t *l = r->links + r->off[i];
		assert_true(n >= 1);
		int seen[64] = { 0 };
		uint32_t at = s;
		double delay = 0;
		seen[at] = 1;
		for (uint32_t k = 0; k < n; k++) {
			assert_int_equal(t->links[l[k]].src, at);
			at = t->links[l[k]].dst;
			assert_false(seen[at]);
			seen[at] = 1;
			delay += t->links[l[k]].delay;
		}
		assert_int_equal(at, d);
		assert_true(delay == r->delay[i]);
		if (i > 0)
			assert_true(r->delay[i] >= r->delay[i - 1] * (1 - 1e-9));
		for (uint32_t j = 0; j < i; j++) {
			uint32_t nj = r->off[j + 1] - r->off[j];
			assert_false(nj == n &&
				     memcmp(r->links + r->off[j], l, n * sizeof *l) == 0);
		}
	}
}

static void yen_vs_brute(int int_delays, uint64_t seed, int rounds)
{
	uint64_t rs = seed;
	bf b = { 0 };
	ksp_result r;
	ksp_result_init(&r);
	for (int round = 0; round < rounds; round++) {
		topo t;
		uint32_t n = 2 + (uint32_t)(tu_rand(&rs) % 9);
		uint32_t m = n + (uint32_t)(tu_rand(&rs) % (2 * n + 6));
		random_graph(&t, &rs, n, m, int_delays);
		ksp_ctx *c = ksp_ctx_new(&t);
		uint32_t k = 1 + (uint32_t)(tu_rand(&rs) % 8);
		/* Destinations in turn, as the path builder does, but also a
		 * few jumps back to exercise the tree cache. */
		for (uint32_t d = 0; d < n; d++) {
			for (uint32_t s = 0; s < n; s++) {
				if (s == d)
					continue;
				brute_force(&b, &t, s, d);
				ksp_compute(c, s, d, k, &r);
				check_wellformed(&t, &r, s, d);
				uint32_t want = b.n < k ? (uint32_t)b.n : k;
				assert_int_equal(r.n_paths, want);
				for (uint32_t i = 0; i < want; i++) {
					/* The i-th delay is the i-th smallest. */
					assert_true(r.delay[i] == b.v[i].delay);
					if (int_delays)
						continue;
					/* No ties: the paths themselves agree. */
					uint32_t len = r.off[i + 1] - r.off[i];
					assert_int_equal(len, b.v[i].len);
					assert_memory_equal(r.links + r.off[i], b.v[i].links,
							    len * sizeof(uint32_t));
				}
			}
		}
		ksp_compute(c, 0, 0, k, &r);
		assert_int_equal(r.n_paths, 0);
		ksp_ctx_free(c);
		topo_free(&t);
	}
	free(b.v);
	ksp_result_free(&r);
}

static void test_yen_brute_continuous(void **state)
{
	(void)state;
	yen_vs_brute(0, 12345, 1500);
}

static void test_yen_brute_integer_ties(void **state)
{
	(void)state;
	yen_vs_brute(1, 777, 1500);
}

/* Larger K than there are paths, on a denser graph: everything is found. */
static void test_yen_all_paths(void **state)
{
	(void)state;
	uint64_t rs = 99;
	bf b = { 0 };
	ksp_result r;
	ksp_result_init(&r);
	for (int round = 0; round < 20; round++) {
		topo t;
		random_graph(&t, &rs, 6, 22, round & 1);
		ksp_ctx *c = ksp_ctx_new(&t);
		for (uint32_t s = 0; s < 6; s++)
			for (uint32_t d = 0; d < 6; d++) {
				if (s == d)
					continue;
				brute_force(&b, &t, s, d);
				ksp_compute(c, s, d, 64, &r);
				check_wellformed(&t, &r, s, d);
				assert_int_equal(r.n_paths, b.n < 64 ? b.n : 64);
			}
		ksp_ctx_free(c);
		topo_free(&t);
	}
	free(b.v);
	ksp_result_free(&r);
}

/* Same answers whatever the order of the queries and the context. */
static void test_determinism(void **state)
{
	(void)state;
	uint64_t rs = 4242;
	for (int round = 0; round < 10; round++) {
		topo t;
		uint32_t n = 12;
		random_graph(&t, &rs, n, 40, 1); /* ties everywhere */
		ksp_ctx *c1 = ksp_ctx_new(&t), *c2 = ksp_ctx_new(&t);
		ksp_result r1, r2;
		ksp_result_init(&r1);
		ksp_result_init(&r2);
		for (uint32_t q = 0; q < 200; q++) {
			uint32_t s = (uint32_t)(tu_rand(&rs) % n), d = (uint32_t)(tu_rand(&rs) % n);
			/* c2 is dragged through another destination first. */
			ksp_compute(c2, d, s, 3, &r2);
			ksp_compute(c1, s, d, 5, &r1);
			ksp_compute(c2, s, d, 5, &r2);
			assert_int_equal(r1.n_paths, r2.n_paths);
			assert_memory_equal(r1.off, r2.off, (r1.n_paths + 1) * sizeof(uint32_t));
			assert_memory_equal(r1.links, r2.links, r1.off[r1.n_paths] * sizeof(uint32_t));
		}
		ksp_result_free(&r1);
		ksp_result_free(&r2);
		ksp_ctx_free(c1);
		ksp_ctx_free(c2);
		topo_free(&t);
	}
}

static void expect_paths(const ksp_result *r, uint32_t n, const uint32_t *const *want,
			 const uint32_t *lens)
{
	assert_int_equal(r->n_paths, n);
	for (uint32_t i = 0; i < n; i++) {
		assert_int_equal(r->off[i + 1] - r->off[i], lens[i]);
		assert_memory_equal(r->links + r->off[i], want[i], lens[i] * sizeof(uint32_t));
	}
}

/* Parallel links are distinct paths; equal ones go by link index. */
static void test_tie_parallel(void **state)
{
	(void)state;
	topo t;
	topo_init(&t);
	for (uint32_t i = 0; i < 3; i++)
		add_node(&t, i);
	add_link(&t, 1, 2, 5, 1);    /* l0 a->t */
	add_link(&t, 0, 1, 3, 1);    /* l1 s->a */
	add_link(&t, 0, 1, 3, 1);    /* l2 s->a, parallel, same delay */
	add_link(&t, 0, 1, 2.5, 1);  /* l3 s->a, faster */
	finish(&t);
	ksp_ctx *c = ksp_ctx_new(&t);
	ksp_result r;
	ksp_result_init(&r);
	ksp_compute(c, 0, 2, 4, &r);
	const uint32_t p0[] = { 3, 0 }, p1[] = { 1, 0 }, p2[] = { 2, 0 };
	const uint32_t *want[] = { p0, p1, p2 };
	const uint32_t lens[] = { 2, 2, 2 };
	expect_paths(&r, 3, want, lens);
	ksp_result_free(&r);
	ksp_ctx_free(c);
	topo_free(&t);
}

/* Equal delay: fewer hops first, even against a smaller link sequence. */
static void test_tie_hops(void **state)
{
	(void)state;
	topo t;
	topo_init(&t);
	for (uint32_t i = 0; i < 6; i++)
		add_node(&t, i); /* s=0 a=1 t=2 c=3 d=4 e=5 */
	add_link(&t, 0, 1, 1, 1); /* l0 s->a */
	add_link(&t, 1, 2, 1, 1); /* l1 a->t: first path s-a-t, delay 2 */
	add_link(&t, 0, 3, 2, 1); /* l2 s->c */
	add_link(&t, 3, 1, 2, 1); /* l3 c->a: X = s-c-a-t, 5, 3 hops, shares l1 */
	add_link(&t, 1, 4, 1, 1); /* l4 a->d */
	add_link(&t, 4, 5, 1, 1); /* l5 d->e */
	add_link(&t, 5, 2, 2, 1); /* l6 e->t: Y = s-a-d-e-t, 5, 4 hops, shares l0 */
	finish(&t);
	ksp_ctx *c = ksp_ctx_new(&t);
	ksp_result r;
	ksp_result_init(&r);
	ksp_compute(c, 0, 2, 3, &r);
	const uint32_t p0[] = { 0, 1 }, p1[] = { 2, 3, 1 }, p2[] = { 0, 4, 5, 6 };
	const uint32_t *want[] = { p0, p1, p2 };
	const uint32_t lens[] = { 2, 3, 4 };
	expect_paths(&r, 3, want, lens);
	topo_free(&t);
	ksp_ctx_free(c);

	/* The first path too: the direct link beats two hops of equal sum. */
	topo_init(&t);
	for (uint32_t i = 0; i < 3; i++)
		add_node(&t, i);
	add_link(&t, 0, 1, 1, 1); /* l0 */
	add_link(&t, 1, 2, 1, 1); /* l1 */
	add_link(&t, 0, 2, 2, 1); /* l2 */
	finish(&t);
	c = ksp_ctx_new(&t);
	ksp_compute(c, 0, 2, 2, &r);
	const uint32_t q0[] = { 2 }, q1[] = { 0, 1 };
	const uint32_t *want2[] = { q0, q1 };
	const uint32_t lens2[] = { 1, 2 };
	expect_paths(&r, 2, want2, lens2);
	ksp_result_free(&r);
	ksp_ctx_free(c);
	topo_free(&t);
}

/* Equal delay: the path sharing fewer links with those chosen comes first,
 * even against fewer hops... here equal hops and a larger sequence. */
static void test_tie_shared(void **state)
{
	(void)state;
	topo t;
	topo_init(&t);
	for (uint32_t i = 0; i < 6; i++)
		add_node(&t, i); /* s=0 a=1 t=2 b=3 c=4 d=5 */
	add_link(&t, 0, 1, 1, 1); /* l0 s->a */
	add_link(&t, 1, 2, 9, 1); /* l1 a->t: first path, 10 */
	add_link(&t, 1, 3, 5, 1); /* l2 a->b */
	add_link(&t, 3, 2, 5, 1); /* l3 b->t: X = s-a-b-t, 11, shares l0 */
	add_link(&t, 0, 4, 3, 1); /* l4 s->c */
	add_link(&t, 4, 5, 4, 1); /* l5 c->d */
	add_link(&t, 5, 2, 4, 1); /* l6 d->t: Y = s-c-d-t, 11, shares nothing */
	finish(&t);
	ksp_ctx *c = ksp_ctx_new(&t);
	ksp_result r;
	ksp_result_init(&r);
	ksp_compute(c, 0, 2, 3, &r);
	const uint32_t p0[] = { 0, 1 }, p1[] = { 4, 5, 6 }, p2[] = { 0, 2, 3 };
	const uint32_t *want[] = { p0, p1, p2 };
	const uint32_t lens[] = { 2, 3, 3 };
	expect_paths(&r, 3, want, lens);
	ksp_result_free(&r);
	ksp_ctx_free(c);
	topo_free(&t);
}

/* Equal delay, shared links and hops: the smaller link sequence first. */
static void test_tie_lex(void **state)
{
	(void)state;
	topo t;
	topo_init(&t);
	for (uint32_t i = 0; i < 5; i++)
		add_node(&t, i); /* s=0 a=1 t=2 c=3 d=4 */
	add_link(&t, 0, 1, 1, 1); /* l0 s->a */
	add_link(&t, 1, 2, 1, 1); /* l1 a->t: first path, 2 */
	add_link(&t, 0, 3, 2, 1); /* l2 s->c */
	add_link(&t, 3, 1, 2, 1); /* l3 c->a: X = s-c-a-t, 5, shares l1 */
	add_link(&t, 1, 4, 2, 1); /* l4 a->d */
	add_link(&t, 4, 2, 2, 1); /* l5 d->t: Y = s-a-d-t, 5, shares l0 */
	finish(&t);
	ksp_ctx *c = ksp_ctx_new(&t);
	ksp_result r;
	ksp_result_init(&r);
	ksp_compute(c, 0, 2, 3, &r);
	const uint32_t p0[] = { 0, 1 }, p1[] = { 0, 4, 5 }, p2[] = { 2, 3, 1 };
	const uint32_t *want[] = { p0, p1, p2 };
	const uint32_t lens[] = { 2, 3, 3 };
	expect_paths(&r, 3, want, lens);
	ksp_result_free(&r);
	ksp_ctx_free(c);
	topo_free(&t);
}

/* Unreachable destinations, one-way links, K = 1 and zero delays. */
static void test_edges(void **state)
{
	(void)state;
	topo t;
	topo_init(&t);
	for (uint32_t i = 0; i < 4; i++)
		add_node(&t, i);
	add_link(&t, 0, 1, 0, 1);
	add_link(&t, 1, 2, 0, 1);
	add_link(&t, 2, 0, 0, 1); /* a zero-delay cycle */
	add_link(&t, 3, 0, 1, 1); /* 3 reaches others, nobody reaches 3 */
	finish(&t);
	ksp_ctx *c = ksp_ctx_new(&t);
	ksp_result r;
	ksp_result_init(&r);
	ksp_compute(c, 0, 3, 4, &r);
	assert_int_equal(r.n_paths, 0);
	ksp_compute(c, 3, 2, 4, &r);
	assert_int_equal(r.n_paths, 1);
	assert_int_equal(r.off[1], 3);
	assert_true(r.delay[0] == 1);
	ksp_compute(c, 0, 2, 1, &r);
	assert_int_equal(r.n_paths, 1);
	ksp_compute(c, 0, 2, 0, &r);
	assert_int_equal(r.n_paths, 0);
	ksp_compute(c, 0, 9, 2, &r);
	assert_int_equal(r.n_paths, 0);
	ksp_result_free(&r);
	ksp_ctx_free(c);
	topo_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_yen_brute_continuous),
		cmocka_unit_test(test_yen_brute_integer_ties),
		cmocka_unit_test(test_yen_all_paths),
		cmocka_unit_test(test_determinism),
		cmocka_unit_test(test_tie_parallel),
		cmocka_unit_test(test_tie_hops),
		cmocka_unit_test(test_tie_shared),
		cmocka_unit_test(test_tie_lex),
		cmocka_unit_test(test_edges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
