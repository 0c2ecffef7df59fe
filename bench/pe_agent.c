/*
 * pe_agent.c - the peering role's cycle at scale: what reading the store,
 * aggregating the traffic and writing the document add to the decision.
 *
 * N prefixes (default 1,000,000 IPv4 /24s) offered by 4 ISPs at 2 border
 * routers, each ISP on its own link; traffic on T of them (default
 * 100,000) written by 4 flow agents as "pe-traffic" rows of host
 * addresses (aggregated by longest match), 3 classes, each row from one of
 * 8 ingress sites; measured latency rows ("pe-latency") for L of them
 * (default 25,000) on every ISP. The store is an SQLite file in a
 * temporary directory (WAL, as in production). Cycle 1 starts from BGP's
 * choices; cycles 2..C run 60 s apart with the traffic rewritten with every
 * rate drifting by up to +-20%. Prints each cycle's time and its parts
 * (inputs: lease, store reads, aggregation; decision: candidates and
 * pe_decide; store: the document and the audit rows), and the document's
 * size.
 *
 * usage: pe_agent [PREFIXES [TRAFFIC-PREFIXES [LATENCY-PREFIXES [CYCLES]]]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/mem.h"
#include "pe/agent.h"

static uint64_t rs = 88172645463325252ULL;
static double rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return (double)(rs >> 11) * (1.0 / 9007199254740992.0);
}

static void die(const char *what, const neto_err *e)
{
	fprintf(stderr, "pe_agent: %s: %s\n", what, e ? e->msg : "");
	exit(1);
}

/* prefix i: 1.0.0.0/24 upwards, skipping nothing (16M /24s available) */
static void pfx_addr(size_t i, uint8_t a[16])
{
	memset(a, 0, 16);
	uint32_t v = (uint32_t)(0x01000000u + (i << 8));
	a[0] = (uint8_t)(v >> 24);
	a[1] = (uint8_t)(v >> 16);
	a[2] = (uint8_t)(v >> 8);
}

static const char *const peers[4] = { "192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4" };
static const char *const routers[4] = { "r1", "r1", "r2", "r2" };

static void put_traffic(store *st, size_t n_pfx, size_t t_pfx, const double *base,
			int64_t now, bool drift)
{
	size_t cap = t_pfx / 4 * 120 + 4096;
	for (int w = 0; w < 4; w++) {
		char *b = neto_malloc(cap);
		size_t n = (size_t)snprintf(b, cap, "{\"at\":%lld,\"rows\":[", (long long)now);
		for (size_t k = (size_t)w; k < t_pfx; k += 4) {
			size_t i = k * (n_pfx / t_pfx);
			uint8_t a[16];
			pfx_addr(i, a);
			double r = base[k] * (drift ? 0.8 + 0.4 * rnd() : 1);
			n += (size_t)snprintf(b + n, cap - n,
					      "%s{\"prefix\":\"%u.%u.%u.%u\",\"class\":%u,\"rate\":%.6g,"
					      "\"ingress\":\"site%u\"}",
					      k == (size_t)w ? "" : ",", a[0], a[1], a[2],
					      (unsigned)(1 + k % 200), (unsigned)(k % 3), r,
					      (unsigned)(k % 8));
		}
		n += (size_t)snprintf(b + n, cap - n, "]}");
		char key[16];
		snprintf(key, sizeof key, "flow%d", w);
		neto_err err;
		if (store_kv_put(st, "pe-traffic", key, b, n, now, &err) != 0)
			die("kv put", &err);
		free(b);
	}
}

int main(int argc, char **argv)
{
	size_t n_pfx = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	size_t t_pfx = argc > 2 ? strtoul(argv[2], NULL, 10) : 100000;
	size_t l_pfx = argc > 3 ? strtoul(argv[3], NULL, 10) : 25000;
	int cycles = argc > 4 ? atoi(argv[4]) : 5;
	if (n_pfx == 0 || t_pfx == 0 || t_pfx > n_pfx || l_pfx > t_pfx || cycles < 1) {
		fprintf(stderr, "usage: pe_agent [PREFIXES [TRAFFIC [LATENCY [CYCLES]]]]\n");
		return 2;
	}
	char dir[] = "/tmp/neto-bench-pe-agent-XXXXXX";
	if (mkdtemp(dir) == NULL)
		die("mkdtemp", NULL);
	char peering[128], db[128], uri[160];
	snprintf(peering, sizeof peering, "%s/peering.txt", dir);
	snprintf(db, sizeof db, "%s/store.db", dir);
	snprintf(uri, sizeof uri, "sqlite:%s", db);
	/* 4 links sized so that the total traffic is 80% of the headroom, the
	 * fastest ISP's link too small for all that prefers it */
	double *base = neto_malloc(t_pfx * sizeof *base);
	double total = 0;
	for (size_t k = 0; k < t_pfx; k++) {
		base[k] = 1e6 / (0.02 + rnd());	/* heavy-tailed */
		total += base[k];
	}
	double cap = total / (0.8 * 0.95 * 4);
	FILE *f = fopen(peering, "w");
	if (f == NULL)
		die("peering file", NULL);
	for (int e = 0; e < 4; e++)
		fprintf(f, "link l%d %.0f\n", e, cap);
	for (int e = 0; e < 4; e++)
		fprintf(f, "egress isp%d %s %s l%d\n", e, routers[e], peers[e], e);
	fclose(f);
	store *st;
	neto_err err;
	if (store_open(&st, uri, &err) != 0)
		die("store", &err);
	pe_cfg c;
	pe_cfg_defaults(&c);
	c.enabled = true;
	c.peering_file = neto_strdup(peering);
	int64_t now = 1700000000000LL;
	pe_agent_opts o = { .name = "bench", .cfg = &c, .lease_ms = 3600000 };
	pe_agent *a;
	if (pe_agent_new(&a, st, &o, now, &err) != 0)
		die("agent", &err);
	/* the route table: every ISP offers every prefix; paths of 2 to 5 ASes
	 * so that BGP's choice varies */
	pe_input *in = pe_agent_input(a);
	uint16_t pid[4];
	for (int e = 0; e < 4; e++) {
		bmp_peer_hdr h;
		memset(&h, 0, sizeof h);
		uint8_t pa[4] = { 192, 0, 2, (uint8_t)(e + 1) };
		memcpy(h.addr + 12, pa, 4);
		h.as = 64501u + (unsigned)e;
		h.bgp_id = 0x0a000001u + (unsigned)e;
		uint32_t r;
		if (!neto_strmap_get(&in->router_ix, routers[e], 2, &r))
			die("router", NULL);
		if (pe_rib_peer_id(in->rib, r, &h, &pid[e], &err) != 0)
			die("peer", &err);
	}
	bgp_update u[4][4];
	for (int e = 0; e < 4; e++)
		for (int l = 0; l < 4; l++) {
			bgp_update_init(&u[e][l]);
			u[e][l].seen = 1u << BGP_ATTR_ORIGIN | 1u << BGP_ATTR_AS_PATH |
				       1u << BGP_ATTR_NEXT_HOP;
			uint32_t path[5] = { 64501u + (unsigned)e, 3356, 174, 2914, 15169 };
			bgp_update_add_seg(&u[e][l], BGP_AS_SEQUENCE, path, (uint8_t)(2 + l));
			u[e][l].next_hop = 0xc0000201u + (unsigned)e;
		}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (size_t i = 0; i < n_pfx; i++) {
		uint8_t addr[16];
		pfx_addr(i, addr);
		for (int e = 0; e < 4; e++)
			pe_rib_announce(in->rib, pid[e], 4, addr, 24, &u[e][(i * 7 + (size_t)e) % 4]);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	for (int e = 0; e < 4; e++)
		for (int l = 0; l < 4; l++)
			bgp_update_free(&u[e][l]);
	printf("table: %zu prefixes, %zu routes, built in %.2f s\n", pe_rib_n_prefixes(in->rib),
	       pe_rib_n_routes(in->rib),
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9);
	/* measured latency: ISP 0 fastest for most, 5..80 ms */
	for (size_t k = 0; k < l_pfx; k++) {
		size_t i = k * (n_pfx / t_pfx);
		uint8_t a4[16];
		pfx_addr(i, a4);
		for (int e = 0; e < 4; e++) {
			char key[96], body[160];
			snprintf(key, sizeof key, "%u.%u.%u.0/24 %s %s", a4[0], a4[1], a4[2],
				 routers[e], peers[e]);
			int n = snprintf(body, sizeof body,
					 "{\"ms\":%.1f,\"at\":%lld,\"target\":\"%u.%u.%u.1\","
					 "\"sent\":5,\"lost\":0}",
					 5 + 15 * e + 60 * rnd(), (long long)now, a4[0], a4[1], a4[2]);
			if (store_kv_put(st, "pe-latency", key, body, (size_t)n, now, &err) != 0)
				die("kv put", &err);
		}
	}
	for (int cy = 0; cy < cycles; cy++) {
		int64_t t = now + (int64_t)cy * 60000;
		put_traffic(st, n_pfx, t_pfx, base, t, cy > 0);
		pe_agent_stats s;
		if (pe_agent_cycle(a, t, &s, &err) != 0)
			die("cycle", &err);
		char *body;
		size_t len;
		int64_t upd;
		if (store_kv_get(st, "peering", "desired", &body, &len, &upd, &err) != 0)
			die("kv get", &err);
		free(body);
		printf("cycle %d: demands %zu moves %zu (latency %zu overload %zu) announced %zu "
		       "over-headroom %zu: %.0f ms (inputs %.0f, decision %.0f, store %.0f), "
		       "document %.1f MB\n",
		       cy + 1, s.demands, s.moves, s.latency_moves, s.relief_moves, s.announced,
		       s.over_headroom, s.ms, s.ms_inputs, s.ms_decide, s.ms_write,
		       (double)len / 1e6);
	}
	pe_agent_free(a);
	pe_cfg_free(&c);
	store_close(st);
	free(base);
	char wal[160], shm[160];
	snprintf(wal, sizeof wal, "%s-wal", db);
	snprintf(shm, sizeof shm, "%s-shm", db);
	unlink(db);
	unlink(wal);
	unlink(shm);
	unlink(peering);
	rmdir(dir);
	return 0;
}
