/*
 * test_pe_latency_store.c - measured latency from the store's "pe-latency"
 * rows into the peering decision's input (src/pe/latency_store.h), over a
 * real SQLite store: rows written as the router's prober writes them
 * (probe_row), fresh and stale ones, all-lost ones, rows of egresses and
 * prefixes the peering file and route table do not know, malformed ones;
 * then the candidates' latencies after pe_input_build (measured where a
 * fresh row exists, the default elsewhere).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/lpm.h"
#include "pe/latency_store.h"
#include "router/probe.h"

#define NOW 1795338231602LL

static const char peering[] = "link l1 1G\n"
			      "link l2 1G\n"
			      "egress e1 border1 10.79.0.2 l1\n"
			      "egress e2 border1 10.79.0.6 l2\n"
			      "egress e3 border2 10.79.0.2 l2\n"
			      "egress e6 border1 fd00:79:2::2 l2\n";
static const char routes[] =
	"198.51.100.0/24 border1 10.79.0.2 64501 64501,64999 10.79.0.2\n"
	"198.51.100.0/24 border1 10.79.0.6 64502 64502,64999 10.79.0.6\n"
	"198.51.100.0/24 border2 10.79.0.2 64503 64503,64999 10.79.0.2\n"
	"203.0.113.0/24 border1 10.79.0.2 64501 64501 10.79.0.2\n"
	"2001:db8:100::/48 border1 fd00:79:2::2 64502 64502 fd00:79:2::2\n";

static void put_row(store *st, const char *pfx, const char *target, const char *router,
		    const char *peer, double ms, int64_t at, unsigned sent, unsigned lost)
{
	probe_target t;
	memset(&t, 0, sizeof t);
	snprintf(t.pfx_str, sizeof t.pfx_str, "%s", pfx);
	snprintf(t.addr_str, sizeof t.addr_str, "%s", target);
	probe_addr pa;
	assert_true(probe_addr_parse(peer, &pa));
	char key[256];
	char *body = probe_row(&t, router, &pa, ms, at, sent, lost, key, sizeof key);
	neto_err err;
	assert_int_equal(store_kv_put(st, PE_LAT_NS, key, body, strlen(body), at, &err), 0);
	free(body);
}

static void put_raw(store *st, const char *key, const char *body)
{
	neto_err err;
	assert_int_equal(store_kv_put(st, PE_LAT_NS, key, body, strlen(body), NOW, &err), 0);
}

static float lat_of(const pe_problem *p, pe_input *in, const char *pfx, uint32_t egress)
{
	int fam;
	uint8_t addr[16];
	unsigned plen;
	neto_err err;
	assert_int_equal(lpm_parse_prefix(pfx, &fam, addr, &plen, &err), 0);
	uint32_t i = pe_rib_find(in->rib, fam, addr, (uint8_t)plen);
	assert_true(i != PE_NONE);
	for (uint32_t k = p->cand_off[i]; k < p->cand_off[i + 1]; k++)
		if (p->cand_egress[k] == egress)
			return p->cand_lat[k];
	fail_msg("%s has no candidate egress %u", pfx, egress);
	return -1;
}

static void test_store_rows(void **state)
{
	(void)state;
	char path[] = "/tmp/neto-latstore-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	char uri[64];
	snprintf(uri, sizeof uri, "sqlite:%s", path);
	store *st;
	neto_err err;
	assert_int_equal(store_open(&st, uri, &err), 0);

	/* fresh, measured */
	put_row(st, "198.51.100.0/24", "198.51.100.77", "border1", "10.79.0.2", 20.25, NOW - 1000,
		5, 0);
	put_row(st, "198.51.100.0/24", "198.51.100.77", "border1", "10.79.0.6", 60.5, NOW - 29000,
		5, 1);
	put_row(st, "2001:db8:100::/48", "2001:db8:100::77", "border1", "fd00:79:2::2", 61,
		NOW + 500, 5, 0);	/* a writer's clock slightly ahead */
	/* stale: older than 3 intervals of 10 s */
	put_row(st, "198.51.100.0/24", "198.51.100.77", "border2", "10.79.0.2", 5, NOW - 30001, 5,
		0);
	/* every probe lost */
	put_row(st, "203.0.113.0/24", "203.0.113.1", "border1", "10.79.0.2", -1, NOW, 5, 5);
	/* an egress the peering file does not name (router, then peer) */
	put_row(st, "198.51.100.0/24", "198.51.100.77", "border9", "10.79.0.2", 7, NOW, 5, 0);
	put_row(st, "198.51.100.0/24", "198.51.100.77", "border1", "10.79.0.99", 7, NOW, 5, 0);
	/* a prefix no ISP routes */
	put_row(st, "192.0.2.0/24", "192.0.2.1", "border1", "10.79.0.2", 7, NOW, 5, 0);
	/* malformed */
	put_raw(st, "198.51.100.0/24 border1", "{\"ms\":1,\"at\":1,\"sent\":1,\"lost\":0}");
	put_raw(st, "198.51.100.1/24 border1 10.79.0.2", "{\"ms\":1,\"at\":1,\"sent\":1,\"lost\":0}");
	put_raw(st, "198.51.100.0/24 border1 10.79.0.", "{\"ms\":1,\"at\":1,\"sent\":1,\"lost\":0}");
	put_raw(st, "198.51.100.0/24 border2 10.79.0.3", "not json");
	put_raw(st, "198.51.100.0/24 border2 10.79.0.4", "{\"ms\":-1,\"at\":1,\"sent\":1,\"lost\":0}");
	put_raw(st, "198.51.100.0/24 border2 10.79.0.5", "{\"ms\":\"1\",\"at\":1,\"sent\":1,\"lost\":0}");
	put_raw(st, "198.51.100.0/24 border2 10.79.0.7", "{\"ms\":1,\"at\":1.5,\"sent\":1,\"lost\":0}");
	put_raw(st, "198.51.100.0/24 border2 10.79.0.8", "{\"ms\":1,\"at\":1,\"sent\":1,\"lost\":2}");
	put_raw(st, "198.51.100.0/24 border2 10.79.0.9", "{\"ms\":1,\"at\":1,\"sent\":1}");

	pe_input in;
	pe_input_init(&in);
	assert_int_equal(pe_parse_peering(&in, peering, strlen(peering), "peering", &err), 0);
	assert_int_equal(pe_parse_routes(&in, routes, strlen(routes), "routes", &err), 0);
	pe_lat_store_stats s;
	assert_int_equal(pe_latency_store_read(st, &in, NOW, PE_LAT_STALE_INTERVALS * 10000, &s,
					       &err), 0);
	assert_int_equal(s.rows, 17);
	assert_int_equal(s.used, 3);
	assert_int_equal(s.stale, 1);
	assert_int_equal(s.all_lost, 1);
	assert_int_equal(s.unknown_egress, 2);
	assert_int_equal(s.unrouted, 1);
	assert_int_equal(s.malformed, 9);
	assert_int_equal(in.n_meas, 3);

	pe_problem p;
	assert_int_equal(pe_input_build(&in, &p, &err), 0);
	assert_true(lat_of(&p, &in, "198.51.100.0/24", 0) == 20.25f);	/* e1 */
	assert_true(lat_of(&p, &in, "198.51.100.0/24", 1) == 60.5f);	/* e2 */
	assert_true(lat_of(&p, &in, "198.51.100.0/24", 2) == 100);	/* e3: stale: default */
	assert_true(lat_of(&p, &in, "203.0.113.0/24", 0) == 100);	/* all lost: default */
	assert_true(lat_of(&p, &in, "2001:db8:100::/48", 3) == 61);	/* e6 */

	/* a later "now": everything is stale */
	in.n_meas = 0;
	assert_int_equal(pe_latency_store_read(st, &in, NOW + 3600000, 30000, NULL, &err), 0);
	assert_int_equal(in.n_meas, 0);
	pe_input_free(&in);
	store_close(st);
	unlink(path);
	char side[128];
	snprintf(side, sizeof side, "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", path);
	unlink(side);
}

static void test_row_parse(void **state)
{
	(void)state;
	pe_lat_row r;
	neto_err err;
	const char *b = "{\"ms\":12.3,\"at\":99,\"target\":\"2001:db8::1\",\"sent\":5,\"lost\":0}";
	assert_int_equal(pe_lat_row_parse("2001:db8::/32 r1 2001:db8:ff::1", b, strlen(b), &r,
					  &err), 0);
	assert_int_equal(r.family, 6);
	assert_int_equal(r.plen, 32);
	assert_string_equal(r.router, "r1");
	assert_true(r.has_ms);
	assert_true(r.ms == 12.3);
	assert_true(r.at == 99);
	assert_string_equal(r.target, "2001:db8::1");
	assert_int_equal(r.sent, 5);
	/* IPv4 peer in the last four octets, as BMP has it */
	b = "{\"at\":1,\"sent\":5,\"lost\":5}";
	assert_int_equal(pe_lat_row_parse("10.0.0.0/8 r1 192.0.2.1", b, strlen(b), &r, &err), 0);
	assert_false(r.has_ms);	/* "ms" omitted: all lost */
	const uint8_t want[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 192, 0, 2, 1 };
	assert_memory_equal(r.peer, want, 16);
	assert_int_equal(pe_lat_row_parse("10.0.0.0/8 r1 192.0.2.1 x", b, strlen(b), &r, &err),
			 -1);
	assert_int_equal(pe_lat_row_parse("", b, strlen(b), &r, &err), -1);
	/* a duplicated field is refused, not guessed */
	b = "{\"at\":1,\"at\":2,\"sent\":5,\"lost\":5}";
	assert_int_equal(pe_lat_row_parse("10.0.0.0/8 r1 192.0.2.1", b, strlen(b), &r, &err), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store_rows),
		cmocka_unit_test(test_row_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
