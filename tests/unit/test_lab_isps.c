/*
 * test_lab_isps.c - the pure half of the lab's ISPs (src/lab/lab_isp.c):
 * the --isps format (accepted lines, every refusal with FILE:LINE), the
 * generated tables (deterministic, Internet-like length mix, paths of 1 to
 * 5 ASes sharing origins across ISPs, prefixes disjoint and outside the
 * lab's own addresses, most prefixes offered by several ISPs), and the
 * configuration texts (BIRD, bgpd, the peering file read back by neto
 * peer's own parser).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lab/lab_isp.h"
#include "pe/io.h"
#include "testutil.h"
#include "topo/topo_io.h"

static int parse(const char *text, lab_isps *c, neto_err *err)
{
	err->msg[0] = '\0';
	return lab_isps_parse(c, text, strlen(text), "isps.txt", err);
}

static void test_parse_ok(void **state)
{
	(void)state;
	size_t len;
	char *buf = tu_read("tests/data/lab/isps_square.txt", &len);
	lab_isps c;
	neto_err err;
	assert_int_equal(lab_isps_parse(&c, buf, len, "isps_square.txt", &err), 0);
	free(buf);
	assert_int_equal(c.n_isps, 3);
	assert_int_equal(c.n_peerings, 4);
	assert_string_equal(c.isps[0].name, "transit1");
	assert_int_equal(c.isps[0].as, 64501);
	assert_true(c.isps[0].latency_ms == 20);
	assert_int_equal(c.isps[0].n_prefixes, 2000);
	assert_int_equal(c.isps[0].seed, 1);	/* default: index + 1 */
	assert_int_equal(c.isps[1].seed, 7);
	assert_int_equal(c.isps[2].seed, 3);
	assert_int_equal(c.peerings[2].isp, 1);
	assert_string_equal(c.peerings[2].site, "b");
	assert_true(c.peerings[3].capacity == 5e6);
	lab_isps_free(&c);

	/* CRLF, comments, blanks, k suffix, fractional latency */
	assert_int_equal(parse("# x\r\n\r\nisp a 1 0.5 1 seed=0\r\npeering a s1 64k\r\n", &c,
			       &err), 0);
	assert_true(c.peerings[0].capacity == 64e3);
	assert_true(c.isps[0].latency_ms == 0.5);
	assert_int_equal(c.isps[0].seed, 0);
	lab_isps_free(&c);
}

static void refused(const char *text, const char *want)
{
	lab_isps c;
	neto_err err;
	assert_int_equal(parse(text, &c, &err), -1);
	if (!strstr(err.msg, want)) {
		fprintf(stderr, "input: %s\nmessage: %s\nwanted: %s\n", text, err.msg, want);
		fail();
	}
	lab_isps_free(&c);
}

static void test_parse_errors(void **state)
{
	(void)state;
	refused("", "isps.txt: no ISP");
	refused("isp a 1 1 1\n", "ISP a has no peering");
	refused("isp a 1 1\npeering a x 1M\n", "isps.txt:1: expected 'isp NAME");
	refused("isp a 1 1 1 seed=1 x\n", "isps.txt:1: expected");
	refused("\nisp a/b 1 1 1\n", "isps.txt:2: bad ISP name 'a/b'");
	refused("isp abcdefghijklmnop 1 1 1\n", "bad ISP name");
	refused("isp a-b 1 1 1\n", "bad ISP name");
	refused("isp a 1 1 1\nisp a 2 1 1\n", "isps.txt:2: ISP 'a' twice");
	refused("isp a 0 1 1\n", "isps.txt:1: bad AS '0'");
	refused("isp a 65000 1 1\n", "not the WAN's 65000");
	refused("isp a 23456 1 1\n", "bad AS");
	refused("isp a 4294967296 1 1\n", "bad AS");
	refused("isp a 1 1 1\nisp b 1 1 1\n", "isps.txt:2: AS 1 is ISP a's already");
	refused("isp a 1 -1 1\n", "bad latency '-1'");
	refused("isp a 1 10001 1\n", "bad latency");
	refused("isp a 1 nan 1\n", "bad latency");
	refused("isp a 1 1 0\n", "bad prefix count '0'");
	refused("isp a 1 1 200001\n", "bad prefix count");
	refused("isp a 1 1 1 seed=\n", "unknown option 'seed='");
	refused("isp a 1 1 1 seed=x\n", "bad seed 'x'");
	refused("isp a 1 1 1 sed=1\n", "unknown option");
	refused("peering a s 1M\n", "isps.txt:1: unknown ISP 'a'");
	refused("isp a 1 1 1\npeering a s\n", "isps.txt:2: expected 'peering");
	refused("isp a 1 1 1\npeering a s 0\n", "bad capacity '0'");
	refused("isp a 1 1 1\npeering a s 1X\n", "bad capacity");
	refused("isp a 1 1 1\npeering a s -1M\n", "bad capacity");
	refused("isp a 1 1 1\npeering a s 1M\npeering a s 2M\n", "isps.txt:3: ISP a peers with s twice");
	refused("isp a 1 1 1\nrouter x\n", "isps.txt:2: unknown line 'router'");
	refused("isp a 1 1 1 a b c d e f\n", "too many fields");
	char big[4096] = "";
	for (int i = 0; i <= LAB_ISP_MAX; i++)
		snprintf(big + strlen(big), sizeof big - strlen(big), "isp i%d %d 1 1\n", i, i + 1);
	refused(big, "isps.txt:17: more than 16 ISPs");
}

static void test_nul(void **state)
{
	(void)state;
	lab_isps c;
	neto_err err;
	static const char text[] = "isp a 1 1 1\0\npeering a s 1M\n";
	assert_int_equal(lab_isps_parse(&c, text, sizeof text - 1, "isps.txt", &err), -1);
	assert_non_null(strstr(err.msg, "NUL"));
	lab_isps_free(&c);
}

static lab_isps three(void)
{
	lab_isps c;
	neto_err err;
	assert_int_equal(parse("isp t1 64501 20 2000\nisp t2 64502 35 2000 seed=7\n"
			       "isp p3 64503 10 2000\npeering t1 a 10M\npeering t2 a 10M\n"
			       "peering t2 b 10M\npeering p3 b 5M\n", &c, &err), 0);
	return c;
}

static void test_generate(void **state)
{
	(void)state;
	lab_isps c = three();
	lab_isp_table t[3], u[3];
	neto_err err;
	assert_int_equal(lab_isps_generate(&c, t, &err), 0);
	assert_int_equal(lab_isps_generate(&c, u, &err), 0);
	size_t len24 = 0, short_len = 0, total = 0;
	size_t by_len[LAB_ISP_PATH_MAX + 1] = { 0 };
	for (int i = 0; i < 3; i++) {
		assert_int_equal(t[i].n, 2000);
		/* deterministic */
		assert_memory_equal(t[i].routes, u[i].routes, t[i].n * sizeof *t[i].routes);
		for (size_t j = 0; j < t[i].n; j++) {
			const lab_isp_route *r = &t[i].routes[j];
			total++;
			len24 += r->len == 24;
			short_len += r->len <= 20;
			assert_true(r->len >= 14 && r->len <= 24);
			assert_int_equal(r->addr & ((1u << (32 - r->len)) - 1), 0);	/* aligned */
			/* outside 10/8, 100.64/10, 127/8 and the like */
			assert_true(r->addr >= 0x14000000u && r->addr < 0x64000000u);
			assert_true(r->path_len >= 1 && r->path_len <= LAB_ISP_PATH_MAX);
			by_len[r->path_len]++;
			for (int h = 0; h < r->path_len; h++) {
				assert_true(r->path[h] != 65000 && r->path[h] != 64501 &&
					    r->path[h] != 64502 && r->path[h] != 64503);
				for (int g = 0; g < h; g++)
					assert_true(r->path[g] != r->path[h]);
			}
			if (j > 0) {	/* sorted, disjoint */
				const lab_isp_route *q = &t[i].routes[j - 1];
				assert_true((uint64_t)q->addr + (1ull << (32 - q->len)) <= r->addr);
			}
		}
	}
	/* the mix: mostly /24, some short prefixes; paths mostly 2 to 3 */
	assert_true(len24 * 100 > total * 50 && len24 * 100 < total * 70);
	assert_true(short_len * 100 > total * 10);
	for (int l = 1; l <= LAB_ISP_PATH_MAX; l++)
		assert_true(by_len[l] > 0);
	assert_true((by_len[2] + by_len[3]) * 100 > total * 50);
	/* shared prefixes: same origin everywhere, most prefixes through 2-3
	 * ISPs, and some with different path lengths */
	size_t offered[4] = { 0 }, differ = 0, n_union = 0;
	size_t pos[3] = { 0, 0, 0 };
	for (;;) {
		uint32_t lo = UINT32_MAX;
		for (int i = 0; i < 3; i++)
			if (pos[i] < t[i].n && t[i].routes[pos[i]].addr < lo)
				lo = t[i].routes[pos[i]].addr;
		if (lo == UINT32_MAX)
			break;
		const lab_isp_route *have[3];
		int n = 0;
		for (int i = 0; i < 3; i++)
			if (pos[i] < t[i].n && t[i].routes[pos[i]].addr == lo)
				have[n++] = &t[i].routes[pos[i]++];
		offered[n]++;
		n_union++;
		bool d = false;
		for (int k = 1; k < n; k++) {
			assert_int_equal(have[k]->path[have[k]->path_len - 1],
					 have[0]->path[have[0]->path_len - 1]);
			assert_int_equal(have[k]->len, have[0]->len);
			d |= have[k]->path_len != have[0]->path_len;
		}
		differ += d;
	}
	assert_true((offered[2] + offered[3]) * 100 > n_union * 75);
	assert_true(differ * 100 > n_union * 30);
	/* another seed, another selection */
	c.isps[0].seed = 99;
	lab_isp_table v[3];
	assert_int_equal(lab_isps_generate(&c, v, &err), 0);
	assert_true(memcmp(v[0].routes, t[0].routes, t[0].n * sizeof *t[0].routes) != 0);
	assert_memory_equal(v[2].routes, t[2].routes, t[2].n * sizeof *t[2].routes);
	for (int i = 0; i < 3; i++) {
		lab_isp_table_free(&t[i]);
		lab_isp_table_free(&u[i]);
		lab_isp_table_free(&v[i]);
	}
	lab_isps_free(&c);
}

static void test_generate_large(void **state)
{
	(void)state;
	lab_isps c;
	neto_err err;
	char text[2048] = "";
	for (int i = 0; i < LAB_ISP_MAX; i++)
		snprintf(text + strlen(text), sizeof text - strlen(text),
			 "isp i%d %d 1 200000\npeering i%d s 1G\n", i, 100 + i, i);
	assert_int_equal(parse(text, &c, &err), 0);
	lab_isp_table *t = calloc(c.n_isps, sizeof *t);
	assert_int_equal(lab_isps_generate(&c, t, &err), 0);
	for (size_t i = 0; i < c.n_isps; i++) {
		assert_int_equal(t[i].n, 200000);
		lab_isp_table_free(&t[i]);
	}
	free(t);
	lab_isps_free(&c);
}

static void test_confs(void **state)
{
	(void)state;
	size_t len;
	char *buf = tu_read("tests/data/lab/square.json", &len);
	topo tp;
	topo_init(&tp);
	topo_parse_opts po = { 0 };
	neto_err err;
	assert_int_equal(topo_parse(&tp, TOPO_FMT_AUTO, buf, len, "square.json", &po, &err), 0);
	free(buf);
	lab_plan p;
	assert_int_equal(lab_plan_make(&p, &tp, "nlt-i-", 0.5, &err), 0);
	topo_free(&tp);
	lab_isps c = three();
	assert_int_equal(lab_isps_resolve(&c, &p, &err), 0);
	assert_int_equal(c.peerings[2].site_ix, 1);
	lab_isp_table t[3];
	assert_int_equal(lab_isps_generate(&c, t, &err), 0);

	char *bird = lab_isp_bird_conf(&c, 1, &t[1], "/run/x");
	assert_non_null(strstr(bird, "router id 10.250.2.2;"));
	assert_non_null(strstr(bird, "log \"/run/x/bird.log\""));
	assert_non_null(strstr(bird, "protocol bgp p2 {"));
	assert_non_null(strstr(bird, "protocol bgp p3 {"));
	assert_null(strstr(bird, "protocol bgp p1 {"));
	assert_non_null(strstr(bird, "local 10.250.3.2 as 64502;\n  neighbor 10.250.3.1 as 65000;"));
	/* the first route with its path, origin prepended first */
	const lab_isp_route *r = &t[1].routes[0];
	char want[256];
	int n = snprintf(want, sizeof want, "  route %u.%u.%u.%u/%u blackhole {", r->addr >> 24,
			 (r->addr >> 16) & 255, (r->addr >> 8) & 255, r->addr & 255, r->len);
	for (int h = r->path_len - 1; h >= 0; h--)
		n += snprintf(want + n, sizeof want - (size_t)n, " bgp_path.prepend(%u);",
			      r->path[h]);
	assert_non_null(strstr(bird, want));
	size_t routes = 0;
	for (const char *s = bird; (s = strstr(s, "  route ")) != NULL; s++)
		routes++;
	assert_int_equal(routes, 2000);
	free(bird);

	char *b = lab_isp_border_conf(&c, &p, 1);	/* site b */
	assert_non_null(strstr(b, "router bgp 65000\n bgp router-id 10.255.0.2\n"));
	assert_non_null(strstr(b, " neighbor 10.250.3.2 remote-as 64502\n"));
	assert_non_null(strstr(b, " neighbor 10.250.4.2 remote-as 64503\n"));
	assert_null(strstr(b, "10.250.1.2"));
	assert_non_null(strstr(b, " neighbor 10.255.0.1 remote-as 65000\n"));
	assert_non_null(strstr(b, " neighbor 10.255.0.1 update-source 10.255.0.2\n"));
	assert_non_null(strstr(b, " neighbor 10.254.2.2 passive\n"));
	assert_non_null(strstr(b, "  neighbor 10.250.4.2 soft-reconfiguration inbound\n"
				  "  neighbor 10.250.4.2 route-map neto-isp-out out\n"));
	assert_non_null(strstr(b, "  bmp connect 10.254.2.2 port 11019"));
	assert_non_null(strstr(b, "  bmp monitor ipv4 unicast pre-policy\n"));
	assert_non_null(strstr(b, "interface isp2\n ip router isis neto\n isis passive\n"));
	assert_non_null(strstr(b, "interface isp3\n"));
	assert_null(strstr(b, "interface isp1\n"));
	assert_non_null(strstr(b, " default-information originate ipv4 level-2 always\n"));
	free(b);

	/* the peering file, as neto peer reads it */
	char *pf = lab_isp_peering_file(&c, &p);
	assert_non_null(strstr(pf, "link t1-a 5000000\n"));
	assert_non_null(strstr(pf, "link p3-b 2500000\n"));
	assert_non_null(strstr(pf, "egress t2-b b 10.250.3.2 t2-b\n"));
	pe_input in;
	pe_input_init(&in);
	assert_int_equal(pe_parse_peering(&in, pf, strlen(pf), "peering.txt", &err), 0);
	pe_input_free(&in);
	free(pf);

	/* a site the topology does not have */
	strcpy(c.peerings[0].site, "z");
	assert_int_equal(lab_isps_resolve(&c, &p, &err), -1);
	assert_non_null(strstr(err.msg, "no site z"));
	for (int i = 0; i < 3; i++)
		lab_isp_table_free(&t[i]);
	lab_isps_free(&c);
	lab_plan_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_nul),
		cmocka_unit_test(test_generate),
		cmocka_unit_test(test_generate_large),
		cmocka_unit_test(test_confs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
