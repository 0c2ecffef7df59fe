/*
 * bgp_decode.c - UPDATE decoding throughput of neto's BGP codec on one core.
 *
 * Usage: bgp_decode [PREFIXES] [REPEATS]
 *
 * Builds the IPv4 table a session would carry: PREFIXES (default 1,000,000)
 * consecutive /24s from 11.0.0.0, 800 per UPDATE with ORIGIN, AS_PATH,
 * NEXT_HOP, MED and a community (the encoder's own messages, as `neto bgp
 * --announce-many` sends them). Then decodes the whole stream REPEATS times
 * (default 7) the way a session does: header check, bgp_update_decode,
 * every prefix visited, bgp_update_free. Prints one line per run and the
 * median: messages and prefixes per second, and the stream's size.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto/bgp/bgp.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	int reps = argc > 2 ? atoi(argv[2]) : 7;
	if (n <= 0 || n > (1L << 23) || reps <= 0 || reps > 101) {
		fprintf(stderr, "usage: bgp_decode [PREFIXES (1..8388608)] [REPEATS (1..101)]\n");
		return 2;
	}
	wire_wr w;
	wire_wr_init(&w);
	neto_err err;
	bgp_upd_opts o = { true, false };
	bgp_pfx *pf = calloc(800, sizeof *pf);
	uint32_t asns[3] = { 65001, 65010, 4200000001u };
	uint32_t comm = 0xfde90064u;
	size_t msgs = 0;
	for (long k = 0; k < n; k += 800) {
		long m = n - k < 800 ? n - k : 800;
		for (long i = 0; i < m; i++) {
			uint32_t a = (11u << 24) + ((uint32_t)(k + i) << 8);
			pf[i].len = 24;
			pf[i].addr[0] = (uint8_t)(a >> 24);
			pf[i].addr[1] = (uint8_t)(a >> 16);
			pf[i].addr[2] = (uint8_t)(a >> 8);
		}
		bgp_update u;
		bgp_update_init(&u);
		u.seen = 1u << BGP_ATTR_ORIGIN | 1u << BGP_ATTR_NEXT_HOP | 1u << BGP_ATTR_MED |
			 1u << BGP_ATTR_COMMUNITIES;
		bgp_update_add_seg(&u, BGP_AS_SEQUENCE, asns, 3);
		u.next_hop = 0x0a000001;
		u.med = 10;
		u.communities = &comm;
		u.n_communities = 1;
		u.nlri = pf;
		u.n_nlri = (size_t)m;
		if (bgp_update_encode(&u, &o, &w, &err) != 0) {
			fprintf(stderr, "bgp_decode: %s\n", err.msg);
			return 1;
		}
		u.nlri = NULL;
		u.communities = NULL;
		bgp_update_free(&u);
		msgs++;
	}
	free(pf);
	double *t = calloc((size_t)reps, sizeof *t);
	uint64_t check = 0;
	for (int r = 0; r < reps; r++) {
		double t0 = now_s();
		size_t off = 0, got = 0;
		while (off < w.len) {
			bgp_hdr h;
			bgp_notif nt;
			bgp_update u;
			if (bgp_hdr_decode(w.buf + off, w.len - off, &h, &nt, &err) != 0 ||
			    bgp_update_decode(w.buf + off, h.len, &o, &u, &nt, &err) != 0) {
				fprintf(stderr, "bgp_decode: %s\n", err.msg);
				return 1;
			}
			for (size_t i = 0; i < u.n_nlri; i++)
				check += u.nlri[i].addr[1];
			got += u.n_nlri;
			bgp_update_free(&u);
			off += h.len;
		}
		t[r] = now_s() - t0;
		if (got != (size_t)n) {
			fprintf(stderr, "bgp_decode: %zu prefixes decoded, %ld sent\n", got, n);
			return 1;
		}
		printf("run %d: %.4f s, %.0f msgs/s, %.0f prefixes/s\n", r + 1, t[r],
		       (double)msgs / t[r], (double)n / t[r]);
	}
	qsort(t, (size_t)reps, sizeof *t, cmp_double);
	double med = t[reps / 2];
	printf("median of %d: %ld prefixes in %zu UPDATEs (%.1f MB): %.4f s, %.0f msgs/s, "
	       "%.2f M prefixes/s (checksum %llu)\n",
	       reps, n, msgs, (double)w.len / 1e6, med, (double)msgs / med, (double)n / med / 1e6,
	       (unsigned long long)check);
	free(t);
	wire_wr_free(&w);
	return 0;
}
