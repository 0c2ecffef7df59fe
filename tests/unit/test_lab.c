/*
 * test_lab.c - the pure parts of the lab: the plan made from a topology
 * (names, link pairing, addresses, SIDs, shaped rates, IS-IS metrics and the
 * FRR configuration) for the B4 example, Abilene and the lab's own square;
 * and the traffic probes (codec, per-flow loss/reorder/duplicate counting).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>

#include "lab/lab.h"
#include "lab/traffic.h"
#include "testutil.h"
#include "topo/topo_io.h"

static void load(topo *t, const char *path)
{
	size_t len;
	char *buf = tu_read(path, &len);
	neto_err err;
	topo_init(t);
	topo_parse_opts o = { 0 };
	assert_int_equal(topo_parse(t, TOPO_FMT_AUTO, buf, len, path, &o, &err), 0);
	free(buf);
}

static void addr_is(const uint8_t a[16], const char *want)
{
	char s[INET6_ADDRSTRLEN];
	inet_ntop(AF_INET6, a, s, sizeof s);
	assert_string_equal(s, want);
}

static void test_square(void **state)
{
	(void)state;
	topo t;
	load(&t, "tests/data/lab/square.json");
	lab_plan p;
	neto_err err;
	assert_int_equal(lab_plan_make(&p, &t, "nlt-q-", 0, &err), 0);
	assert_int_equal(p.n_sites, 4);
	assert_int_equal(p.n_edges, 4);	/* 8 directed links, paired */
	assert_true(p.scale == 1.0);	/* 80 Mbit/s fits the budget */
	assert_string_equal(p.sites[0].ns, "nlt-q-1");
	assert_string_equal(p.sites[2].host, "c");
	assert_string_equal(p.sites[3].sysid, "0000.0000.0004");
	addr_is(p.sites[1].end_sid, "fc00:0:2::1");
	addr_is(p.sites[1].dt6_sid, "fc00:0:2::100");
	addr_is(p.sites[1].loc_addr, "fc00:0:2::ff");
	addr_is(p.sites[1].site_addr, "fd00:0:2::1");
	/* c-d carries metric 15 both ways, on the ends named after the peer */
	uint32_t k_cd = p.n_edges;
	for (uint32_t k = 0; k < p.n_edges; k++)
		if (p.edges[k].a == 2 && p.edges[k].b == 3)
			k_cd = k;
	assert_true(k_cd < p.n_edges);
	const lab_edge *cd = &p.edges[k_cd];
	assert_string_equal(cd->if_a, "to4");
	assert_string_equal(cd->if_b, "to3");
	assert_int_equal(cd->metric_ab, 15);
	assert_int_equal(cd->metric_ba, 15);
	assert_true(cd->rate_ab == 10e6);
	addr_is(cd->addr_a, "fd00:1:3::1");
	addr_is(cd->addr_b, "fd00:1:3::2");

	char *conf = lab_frr_conf(&p, 3);
	assert_non_null(strstr(conf, "hostname d\n"));
	assert_non_null(strstr(conf, "log file /var/run/frr/nlt-q-4/frr.log\n"));
	assert_non_null(strstr(conf, "interface to3\n ipv6 router isis neto\n"
				     " isis network point-to-point\n isis metric 15\n"));
	assert_non_null(strstr(conf, "interface to1\n"));
	assert_null(strstr(conf, "interface to2\n"));	/* d and b share no link */
	assert_non_null(strstr(conf, " net 49.0001.0000.0000.0004.00\n"));
	free(conf);
	lab_plan_free(&p);

	/* an explicit scale, and refused prefixes */
	assert_int_equal(lab_plan_make(&p, &t, "nl-", 0.01, &err), 0);
	assert_true(p.edges[0].rate_ab == 100e3);
	lab_plan_free(&p);
	assert_int_equal(lab_plan_make(&p, &t, "bad/name", 0, &err), -1);
	assert_int_equal(lab_plan_make(&p, &t, "much-too-long-prefix", 0, &err), -1);
	topo_free(&t);
}

static void test_b4(void **state)
{
	(void)state;
	topo t;
	load(&t, "examples/b4/topology.json");
	lab_plan p;
	neto_err err;
	assert_int_equal(lab_plan_make(&p, &t, NULL, 0, &err), 0);
	assert_int_equal(p.n_sites, 12);
	assert_int_equal(p.n_edges * 2, t.n_links);	/* every link has its reverse */
	assert_string_equal(p.sites[3].ns, "nl-4");
	assert_string_equal(p.sites[3].host, "council-bluffs");
	/* the topology's own locators are used: dublin is fc00:0:b::/48 */
	addr_is(p.sites[10].locator, "fc00:0:b::");
	addr_is(p.sites[10].end_sid, "fc00:0:b::1");
	/* scaled so that everything fits 200 Mbit/s */
	double total = 0;
	for (uint32_t k = 0; k < p.n_edges; k++)
		total += p.edges[k].rate_ab + p.edges[k].rate_ba;
	assert_true(total <= LAB_DEFAULT_BUDGET_BPS * 1.000001);
	assert_true(total >= LAB_DEFAULT_BUDGET_BPS * 0.999);
	/* each end takes its own direction's metric */
	for (uint32_t k = 0; k < p.n_edges; k++) {
		const lab_edge *e = &p.edges[k];
		assert_int_equal(e->metric_ab, t.links[e->link_ab].igp);
		assert_int_equal(e->metric_ba, t.links[e->link_ba].igp);
		assert_int_equal(t.links[e->link_ab].src, e->a);
	}
	lab_plan_free(&p);
	topo_free(&t);
}

static void test_abilene(void **state)
{
	(void)state;
	topo t;
	load(&t, "tests/data/repetita/Abilene.graph");
	lab_plan p;
	neto_err err;
	assert_int_equal(lab_plan_make(&p, &t, "nl-ab-", 0, &err), 0);
	assert_true(p.unit_bps == 1e3);	/* REPETITA: kbps */
	assert_int_equal(p.n_sites, 11);
	assert_int_equal(p.n_edges, 14);
	assert_string_equal(p.sites[0].host, "0-New-York");
	for (uint32_t i = 0; i < p.n_sites; i++)
		assert_int_equal(p.sites[i].loc_len, 48);
	lab_plan_free(&p);
	topo_free(&t);
}

static void test_units(void **state)
{
	(void)state;
	assert_true(lab_unit_bps("Mbps") == 1e6);
	assert_true(lab_unit_bps("gbps") == 1e9);
	assert_true(lab_unit_bps(NULL) == 1e3);
	assert_true(lab_unit_bps("furlongs") == 0);
}

static void test_probe(void **state)
{
	(void)state;
	uint8_t buf[64];
	lab_probe p = { LAB_PROBE_END, 46, 0xdeadbeef, 77, 1234567890123ULL }, q;
	lab_probe_encode(buf, &p);
	neto_err err;
	assert_int_equal(lab_probe_decode(buf, LAB_PROBE_LEN, &q, &err), 0);
	assert_int_equal(q.kind, p.kind);
	assert_int_equal(q.dscp, 46);
	assert_int_equal(q.flow, 0xdeadbeef);
	assert_int_equal(q.seq, 77);
	assert_int_equal(q.sent, p.sent);
	for (size_t n = 0; n < LAB_PROBE_LEN; n++)
		assert_int_equal(lab_probe_decode(buf, n, &q, &err), -1);
	buf[0] ^= 1;
	assert_int_equal(lab_probe_decode(buf, LAB_PROBE_LEN, &q, &err), -1);
	buf[0] ^= 1;
	buf[4] = 9;
	assert_int_equal(lab_probe_decode(buf, LAB_PROBE_LEN, &q, &err), -1);
}

static void test_flow_accounting(void **state)
{
	(void)state;
	lab_flow_stats f;
	memset(&f, 0, sizeof f);
	/* 0 1 3 2 2 5 (4 lost, 2 duplicated, 2 reordered), end says 7 sent */
	uint64_t seqs[] = { 0, 1, 3, 2, 2, 5 };
	for (size_t i = 0; i < 6; i++) {
		lab_probe p = { LAB_PROBE_DATA, 0, 1, seqs[i], 0 };
		lab_flow_account(&f, &p, 100);
	}
	assert_int_equal(f.received, 5);
	assert_int_equal(f.duplicates, 1);
	assert_int_equal(f.reordered, 1);
	assert_int_equal(f.bytes, 500);
	assert_int_equal(lab_flow_lost(&f), 1);	/* 4; no end probe yet */
	lab_probe end = { LAB_PROBE_END, 0, 1, 0, 7 };
	lab_flow_account(&f, &end, 100);
	assert_int_equal(lab_flow_lost(&f), 2);	/* 4 and 6 */
	/* far sequence numbers grow the bitmap */
	lab_probe far = { LAB_PROBE_DATA, 0, 1, 1000000, 0 };
	lab_flow_account(&f, &far, 100);
	lab_flow_account(&f, &far, 100);
	assert_int_equal(f.duplicates, 2);
	lab_flow_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_square),
		cmocka_unit_test(test_b4),
		cmocka_unit_test(test_abilene),
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_flow_accounting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
