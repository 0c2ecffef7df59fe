/*
 * pe_bmp.c - BMP ingest into the peering route table: a full table of
 * N prefixes (default 1,000,000) from each of P ISP peers (default 4),
 * written as Route Monitoring messages by the BMP encoder the way a router
 * packs them (the prefixes of one origin AS share an UPDATE), then framed,
 * decoded and applied. Prints the ingest rate, the table's bytes per
 * (prefix, path), and the time a Peer Down takes to remove one peer.
 *
 * usage: pe_bmp [PREFIXES [PEERS [REPEATS]]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/mem.h"
#include "pe/rib.h"
#include "proto/bmp/bmp.h"

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

#define PER_ORIGIN 16

/* The stream peer k sends: prefix i is 1.0.0.0 + i*256 (/24), origin AS
 * i / PER_ORIGIN; the path through peer k has 1..3 transit ASes that
 * depend on (origin, k); MED on some, communities on all. */
static uint8_t *make_stream(size_t n, unsigned k, size_t *len, size_t *n_msgs)
{
	wire_wr w;
	wire_wr_init(&w);
	neto_err err;
	*n_msgs = 0;
	for (size_t first = 0; first < n; first += PER_ORIGIN) {
		size_t cnt = n - first < PER_ORIGIN ? n - first : PER_ORIGIN;
		bmp_msg m;
		bmp_msg_init(&m, BMP_ROUTE_MONITORING);
		m.peer.addr[12] = 192;
		m.peer.addr[14] = 2;
		m.peer.addr[15] = (uint8_t)(k + 1);
		m.peer.as = 64500 + k;
		m.peer.bgp_id = 0x0a000001u + k;
		m.peer.ts_sec = 1700000000;
		bgp_update *u = &m.update;
		uint32_t origin = 100000 + (uint32_t)(first / PER_ORIGIN);
		uint32_t path[5];
		uint8_t pl = 0;
		path[pl++] = 64500 + k;
		unsigned mid = 1 + (origin * 7 + k * 3) % 3;
		for (unsigned j = 0; j < mid; j++)
			path[pl++] = 1000 + (origin * 13 + k * 31 + j * 7) % 3000;
		path[pl++] = origin;
		u->seen = 1u << BGP_ATTR_ORIGIN | 1u << BGP_ATTR_AS_PATH | 1u << BGP_ATTR_NEXT_HOP |
			  1u << BGP_ATTR_COMMUNITIES;
		bgp_update_add_seg(u, BGP_AS_SEQUENCE, path, pl);
		u->next_hop = 0xc0000200u + k + 1;
		if (origin % 4 == 0) {
			u->seen |= 1u << BGP_ATTR_MED;
			u->med = origin % 100;
		}
		u->communities = neto_malloc(2 * sizeof *u->communities);
		u->communities[0] = (64500u + k) << 16 | 100;
		u->communities[1] = (64500u + k) << 16 | (origin % 50);
		u->n_communities = 2;
		u->nlri = neto_calloc(cnt, sizeof *u->nlri);
		for (size_t i = 0; i < cnt; i++) {
			uint32_t a = 0x01000000u + (uint32_t)(first + i) * 256;
			u->nlri[i].len = 24;
			u->nlri[i].addr[0] = (uint8_t)(a >> 24);
			u->nlri[i].addr[1] = (uint8_t)(a >> 16);
			u->nlri[i].addr[2] = (uint8_t)(a >> 8);
		}
		u->n_nlri = cnt;
		if (bmp_encode(&m, &w, &err) != 0) {
			fprintf(stderr, "pe_bmp: %s\n", err.msg);
			exit(1);
		}
		bmp_msg_free(&m);
		(*n_msgs)++;
	}
	return wire_wr_take(&w, len);
}

static size_t ingest(pe_rib *t, const uint8_t *b, size_t len)
{
	size_t off = 0, n = 0;
	neto_err err;
	while (off < len) {
		size_t ml;
		bmp_msg m;
		if (bmp_frame(b + off, len - off, &ml, &err) != 0 ||
		    bmp_decode(b + off, ml, &m, &err) != 0 || pe_rib_apply(t, 1, &m, &err) != 0) {
			fprintf(stderr, "pe_bmp: %s\n", err.msg);
			exit(1);
		}
		bmp_msg_free(&m);
		off += ml;
		n++;
	}
	return n;
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	unsigned peers = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 4;
	int reps = argc > 3 ? atoi(argv[3]) : 3;
	if (n == 0 || n > 16000000 || peers == 0 || peers > 64 || reps < 1) {
		fprintf(stderr, "usage: pe_bmp [PREFIXES [PEERS [REPEATS]]]\n");
		return 2;
	}
	uint8_t **s = neto_calloc(peers, sizeof *s);
	size_t *sl = neto_calloc(peers, sizeof *sl), msgs = 0, bytes = 0;
	for (unsigned k = 0; k < peers; k++) {
		size_t nm;
		s[k] = make_stream(n, k, &sl[k], &nm);
		msgs += nm;
		bytes += sl[k];
	}
	double *rate = neto_calloc((size_t)reps, sizeof *rate);
	double *down = neto_calloc((size_t)reps, sizeof *down);
	size_t routes = 0, tbytes = 0, attrs = 0;
	for (int r = 0; r < reps; r++) {
		pe_rib *t = pe_rib_new();
		double t0 = mono();
		for (unsigned k = 0; k < peers; k++)
			(void)ingest(t, s[k], sl[k]);
		double dt = mono() - t0;
		rate[r] = (double)n * peers / dt;
		routes = pe_rib_n_routes(t);
		tbytes = pe_rib_bytes(t);
		attrs = pe_rib_n_attrs(t);
		double t1 = mono();
		size_t gone = pe_rib_peer_down(t, 0);
		down[r] = mono() - t1;
		if (gone != n || pe_rib_n_routes(t) != n * (peers - 1)) {
			fprintf(stderr, "pe_bmp: peer down removed %zu of %zu\n", gone, n);
			return 1;
		}
		pe_rib_free(t);
	}
	qsort(rate, (size_t)reps, sizeof *rate, cmp_d);
	qsort(down, (size_t)reps, sizeof *down, cmp_d);
	printf("prefixes %zu peers %u: %zu BMP messages, %.1f MB of stream\n", n, peers, msgs,
	       (double)bytes / 1e6);
	printf("ingest (frame + decode + apply): median %.0f routes/s, %.0f messages/s "
	       "(%d runs)\n", rate[reps / 2], rate[reps / 2] / (double)(n * peers) * (double)msgs,
	       reps);
	printf("table: %zu routes, %zu attribute sets, %.1f MB, %.1f bytes per (prefix, path)\n",
	       routes, attrs, (double)tbytes / 1e6, (double)tbytes / (double)routes);
	printf("peer down (remove %zu routes of one peer): median %.1f ms\n", n,
	       down[reps / 2] * 1e3);
	for (unsigned k = 0; k < peers; k++)
		free(s[k]);
	free(s);
	free(sl);
	free(rate);
	free(down);
	return 0;
}
