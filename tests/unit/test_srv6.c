/*
 * test_srv6.c - SIDs (generated and from the topology, text form) and
 * segment lists: hand-made encodings, replay failures, and a property test
 * on random graphs with small IGP metrics (ECMP everywhere): every encoded
 * path replays to exactly itself, uses the fewest segments (checked against
 * a dynamic program that asks replay which node segments work), and fails
 * cleanly under a too small MSD.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "te/ksp.h"
#include "te/spf.h"
#include "te/srv6.h"
#include "testutil.h"
#include "topo/topo.h"

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

static void expect_seg(const topo *t, uint32_t seg, const char *want)
{
	char buf[64];
	assert_string_equal(srv6_seg_str(t, seg, buf, sizeof buf), want);
}

static void set_locator(topo_node *n, const char *prefix, uint8_t len)
{
	assert_int_equal(inet_pton(AF_INET6, prefix, n->locator), 1);
	n->has_locator = true;
	n->locator_len = len;
}

static void test_generated_sids(void **state)
{
	(void)state;
	topo t;
	topo_init(&t);
	add_nodes(&t, 3);
	uint32_t l0 = add_link(&t, 0, 1, 1, 1); /* node 0's out-link 0 */
	add_link(&t, 1, 0, 1, 1); /* l1: node 1's out-link 0 */
	add_link(&t, 0, 2, 1, 1); /* l2: node 0's out-link 1 */
	finish(&t);
	expect_seg(&t, 0, "fc00:0:1:1::");
	expect_seg(&t, 2, "fc00:0:3:1::");
	expect_seg(&t, SRV6_SEG_ADJ | l0, "fc00:0:1:e000::");
	expect_seg(&t, SRV6_SEG_ADJ | 2, "fc00:0:1:e001::");
	expect_seg(&t, SRV6_SEG_ADJ | 1, "fc00:0:2:e000::");
	expect_seg(&t, 3, "?");
	expect_seg(&t, SRV6_SEG_ADJ | 3, "?");
	uint8_t sid[16], want[16];
	srv6_node_sid(&t, 1, sid);
	assert_int_equal(inet_pton(AF_INET6, "fc00:0:2:1::", want), 1);
	assert_memory_equal(sid, want, 16);
	topo_free(&t);
}

/* Past 0xffff nodes, i + 1 spills into the second group. */
static void test_generated_sids_large(void **state)
{
	(void)state;
	topo t;
	topo_init(&t);
	add_nodes(&t, 70000);
	uint32_t l0 = add_link(&t, 65535, 65534, 1, 1);
	finish(&t);
	expect_seg(&t, 65533, "fc00:0:fffe:1::");
	expect_seg(&t, 65534, "fc00:0:ffff:1::");
	expect_seg(&t, 65535, "fc00:1:0:1::");
	expect_seg(&t, 69999, "fc00:1:1170:1::");
	expect_seg(&t, SRV6_SEG_ADJ | l0, "fc00:1:0:e000::");
	topo_free(&t);
}

static void test_topology_sids(void **state)
{
	(void)state;
	topo t;
	topo_init(&t);
	add_nodes(&t, 4);
	uint32_t l0 = add_link(&t, 0, 1, 1, 1);
	uint32_t l1 = add_link(&t, 1, 2, 1, 1);
	add_link(&t, 2, 3, 1, 1);
	add_link(&t, 3, 0, 1, 1);
	finish(&t);
	set_locator(&t.nodes[0], "2001:db8:a:ffff::", 48); /* bits past /48 ignored */
	set_locator(&t.nodes[1], "2001:db8:a:b::", 64);
	set_locator(&t.nodes[2], "2001:db8:a:b000::", 52);
	t.links[l1].has_adj_sid = true;
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::42", t.links[l1].adj_sid), 1);
	expect_seg(&t, 0, "2001:db8:a:1::");
	expect_seg(&t, SRV6_SEG_ADJ | l0, "2001:db8:a:e000::");
	expect_seg(&t, 1, "2001:db8:a:b:1::");
	expect_seg(&t, SRV6_SEG_ADJ | l1, "2001:db8::42");
	/* /52: the function straddles the groups at bit 52. */
	expect_seg(&t, 2, "2001:db8:a:b000:1000::");
	expect_seg(&t, 3, "fc00:0:4:1::");
	char small[8];
	srv6_seg_str(&t, 0, small, sizeof small);
	assert_string_equal(small, "?");
	topo_free(&t);
}

/*     1 --- 2
 *    /       \
 *   0         4 --- 5      IGP 1 everywhere except 0-3 (2) and 3-4 (1):
 *    \       /             0 -> 4 is ECMP (via 1-2 is 3, via 3 is 3).
 *     ---3---
 */
static void test_encode_cases(void **state)
{
	(void)state;
	topo t;
	topo_init(&t);
	add_nodes(&t, 6);
	uint32_t a = add_link(&t, 0, 1, 1, 1);
	uint32_t b = add_link(&t, 1, 2, 1, 1);
	uint32_t c = add_link(&t, 2, 4, 1, 1);
	uint32_t d = add_link(&t, 0, 3, 1, 2);
	uint32_t e = add_link(&t, 3, 4, 1, 1);
	uint32_t f = add_link(&t, 4, 5, 1, 1);
	finish(&t);
	spf_all spf;
	spf_all_init(&spf, &t);
	uint32_t segs[8], out[8];

	/* 0-1-2: the unique shortest path, one node SID. */
	const uint32_t p1[] = { a, b };
	assert_int_equal(srv6_encode(&spf, p1, 2, segs, 8), 1);
	assert_int_equal(segs[0], 2);

	/* 0-1-2-4-5: ECMP at 4 from 0, so 0 -> 2 (unique), then 2 -> 5. */
	const uint32_t p2[] = { a, b, c, f };
	assert_int_equal(srv6_encode(&spf, p2, 4, segs, 8), 2);
	assert_int_equal(segs[0], 2);
	assert_int_equal(segs[1], 5);
	assert_int_equal(srv6_replay(&spf, 0, segs, 2, out, 8), 4);
	assert_memory_equal(out, p2, sizeof p2);

	/* 0-3: the IGP prefers nothing else (only way), node SID works. */
	const uint32_t p3[] = { d, e, f };
	int n = srv6_encode(&spf, p3, 3, segs, 8);
	assert_int_equal(n, 2); /* node 3, then node 5 */
	assert_int_equal(segs[0], 3);
	assert_int_equal(segs[1], 5);

	/* MSD 1: the same path cannot be forced. */
	assert_int_equal(srv6_encode(&spf, p3, 3, segs, 1), -1);
	assert_int_equal(srv6_encode(&spf, p2, 4, segs, 1), -1);
	assert_int_equal(srv6_encode(&spf, p1, 2, segs, 1), 1);
	assert_int_equal(srv6_encode(&spf, p1, 2, segs, 0), -1);
	/* Not a path, unknown link, empty path. */
	const uint32_t bad[] = { a, c };
	assert_int_equal(srv6_encode(&spf, bad, 2, segs, 8), -1);
	const uint32_t unknown[] = { 99 };
	assert_int_equal(srv6_encode(&spf, unknown, 1, segs, 8), -1);
	assert_int_equal(srv6_encode(&spf, p1, 0, segs, 8), 0);

	/* Replay failures. */
	const uint32_t ecmp[] = { 4 };
	assert_int_equal(srv6_replay(&spf, 0, ecmp, 1, out, 8), -1);
	const uint32_t wrong_adj[] = { SRV6_SEG_ADJ | c };
	assert_int_equal(srv6_replay(&spf, 0, wrong_adj, 1, out, 8), -1);
	const uint32_t unreach[] = { 0 };
	assert_int_equal(srv6_replay(&spf, 5, unreach, 1, out, 8), -1);
	const uint32_t far[] = { 2 };
	assert_int_equal(srv6_replay(&spf, 0, far, 1, out, 1), -1);
	assert_int_equal(srv6_replay(&spf, 0, far, 1, out, 2), 2);
	const uint32_t adjs[] = { SRV6_SEG_ADJ | a, SRV6_SEG_ADJ | b };
	assert_int_equal(srv6_replay(&spf, 0, adjs, 2, out, 1), -1);
	const uint32_t invalid[] = { 77 };
	assert_int_equal(srv6_replay(&spf, 0, invalid, 1, out, 8), -1);
	const uint32_t here[] = { 0 };
	assert_int_equal(srv6_replay(&spf, 0, here, 1, out, 8), 0);
	assert_int_equal(srv6_replay(&spf, 9, here, 1, out, 8), -1);
	spf_all_free(&spf);
	topo_free(&t);
}

/* Parallel links of equal IGP metric: the node SID is ECMP, so the link is
 * pinned with its End.X, and the egress's End SID closes the list. */
static void test_encode_parallel(void **state)
{
	(void)state;
	topo t;
	topo_init(&t);
	add_nodes(&t, 2);
	add_link(&t, 0, 1, 1, 5);
	uint32_t second = add_link(&t, 0, 1, 1, 5);
	finish(&t);
	spf_all spf;
	spf_all_init(&spf, &t);
	uint32_t segs[4], out[4];
	assert_int_equal(srv6_encode(&spf, &second, 1, segs, 4), 2);
	assert_int_equal(segs[0], SRV6_SEG_ADJ | second);
	assert_int_equal(segs[1], 1);
	assert_int_equal(srv6_replay(&spf, 0, segs, 2, out, 4), 1);
	assert_int_equal(out[0], second);
	assert_int_equal(srv6_encode(&spf, &second, 1, segs, 1), -1);
	spf_all_free(&spf);
	topo_free(&t);
}

/* The fewest segments for the path, by dynamic programming over positions,
 * with replay as the judge of which node segments work. */
static uint32_t optimum(spf_all *spf, const uint32_t *links, uint32_t n)
{
	const topo *t = spf->t;
	uint32_t node_end[64], any_end[64], out[64];
	const uint32_t inf = 1000;
	any_end[0] = 0;
	node_end[0] = inf;
	for (uint32_t j = 1; j <= n; j++) {
		node_end[j] = inf;
		uint32_t vj = t->links[links[j - 1]].dst;
		for (uint32_t i = 0; i < j; i++) {
			uint32_t vi = t->links[links[i]].src;
			int r = srv6_replay(spf, vi, &vj, 1, out, 64);
			if (r == (int)(j - i) && memcmp(out, links + i, (j - i) * sizeof *out) == 0 &&
			    any_end[i] + 1 < node_end[j])
				node_end[j] = any_end[i] + 1;
		}
		uint32_t adj = any_end[j - 1] + 1;
		any_end[j] = adj < node_end[j] ? adj : node_end[j];
		/* any_end[j] counts lists ending either way; the egress rule
		 * is applied at the end only. */
		if (j < n)
			continue;
		uint32_t with_egress = adj + 1;
		return node_end[n] < with_egress ? node_end[n] : with_egress;
	}
	return 0;
}

static void check_path(spf_all *spf, const uint32_t *links, uint32_t n)
{
	const topo *t = spf->t;
	uint32_t segs[64], out[64];
	int ns = srv6_encode(spf, links, n, segs, 64);
	assert_true(ns >= 1);
	/* The egress's End SID is last. */
	assert_int_equal(segs[ns - 1], t->links[links[n - 1]].dst);
	int nr = srv6_replay(spf, t->links[links[0]].src, segs, (uint32_t)ns, out, 64);
	assert_int_equal(nr, (int)n);
	assert_memory_equal(out, links, n * sizeof *links);
	assert_int_equal((uint32_t)ns, optimum(spf, links, n));
	/* MSD: exactly enough works, one less does not. */
	uint32_t again[64];
	assert_int_equal(srv6_encode(spf, links, n, again, (uint32_t)ns), ns);
	assert_memory_equal(again, segs, (size_t)ns * sizeof *segs);
	assert_int_equal(srv6_encode(spf, links, n, again, (uint32_t)ns - 1), -1);
}

static void test_encode_replay_property(void **state)
{
	(void)state;
	uint64_t rs = 31337;
	ksp_result r;
	ksp_result_init(&r);
	size_t checked = 0;
	for (int round = 0; round < 300; round++) {
		topo t;
		topo_init(&t);
		uint32_t n = 2 + (uint32_t)(tu_rand(&rs) % 14);
		uint32_t m = n + (uint32_t)(tu_rand(&rs) % (3 * n));
		uint32_t maxigp = 1 + (uint32_t)(tu_rand(&rs) % 4);
		add_nodes(&t, n);
		while (t.n_links < m) {
			uint32_t s = (uint32_t)(tu_rand(&rs) % n), d = (uint32_t)(tu_rand(&rs) % n);
			if (s == d)
				continue;
			add_link(&t, s, d, 1 + 9 * tu_randf(&rs), 1 + (uint32_t)(tu_rand(&rs) % maxigp));
			if (tu_rand(&rs) % 3 == 0)
				add_link(&t, d, s, 1 + 9 * tu_randf(&rs),
					 1 + (uint32_t)(tu_rand(&rs) % maxigp));
		}
		finish(&t);
		spf_all spf;
		spf_all_init(&spf, &t);
		ksp_ctx *c = ksp_ctx_new(&t);
		/* Candidate paths of every pair ... */
		for (uint32_t d = 0; d < n; d++)
			for (uint32_t s = 0; s < n; s++) {
				if (s == d)
					continue;
				ksp_compute(c, s, d, 6, &r);
				for (uint32_t p = 0; p < r.n_paths; p++, checked++)
					check_path(&spf, r.links + r.off[p], r.off[p + 1] - r.off[p]);
			}
		/* ... and random simple walks. */
		for (int w = 0; w < 50; w++) {
			uint32_t links[64], len = 0, at = (uint32_t)(tu_rand(&rs) % n);
			int seen[64] = { 0 };
			seen[at] = 1;
			for (;;) {
				uint32_t deg = t.out_off[at + 1] - t.out_off[at];
				if (deg == 0)
					break;
				uint32_t l = t.out_links[t.out_off[at] + tu_rand(&rs) % deg];
				if (seen[t.links[l].dst])
					break;
				links[len++] = l;
				at = t.links[l].dst;
				seen[at] = 1;
			}
			if (len > 0) {
				check_path(&spf, links, len);
				checked++;
			}
		}
		ksp_ctx_free(c);
		spf_all_free(&spf);
		topo_free(&t);
	}
	ksp_result_free(&r);
	assert_true(checked > 10000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generated_sids),
		cmocka_unit_test(test_generated_sids_large),
		cmocka_unit_test(test_topology_sids),
		cmocka_unit_test(test_encode_cases),
		cmocka_unit_test(test_encode_parallel),
		cmocka_unit_test(test_encode_replay_property),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
