/*
 * probe_rows.c - the store side of latency measurement: how long one
 * border router's round of "pe-latency" rows takes to write (probe_row +
 * store_kv_put, one transaction per row, as the prober does), and how long
 * the peering role takes to read them all into its input
 * (pe_latency_store_read: list, parse, map onto egresses and prefixes).
 * T targets (prefixes) x E egresses rows, in an SQLite store file in DIR.
 *
 * usage: probe_rows [TARGETS [EGRESSES [REPEATS [DIR]]]]
 *        (defaults 1000, 4, 3, /tmp)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/mem.h"
#include "pe/latency_store.h"
#include "router/probe.h"

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

/* prefix i: (100 + i / 65536).(i / 256 % 256).(i % 256).0/24, target .1;
 * egress k: 10.79.k.2 */
static void names(size_t i, unsigned k, char *pfx, char *tgt, char *peer)
{
	unsigned a = (unsigned)(100 + (i >> 16)), b = (unsigned)((i >> 8) & 255),
		 c = (unsigned)(i & 255);
	sprintf(pfx, "%u.%u.%u.0/24", a, b, c);
	sprintf(tgt, "%u.%u.%u.1", a, b, c);
	sprintf(peer, "10.79.%u.2", k);
}

int main(int argc, char **argv)
{
	size_t nt = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000;
	unsigned ne = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 4;
	int reps = argc > 3 ? atoi(argv[3]) : 3;
	const char *dir = argc > 4 ? argv[4] : "/tmp";
	if (nt == 0 || nt > 65536 * 64 || ne == 0 || ne > 250 || reps < 1) {
		fputs("usage: probe_rows [TARGETS (1..4194304) [EGRESSES (1..250) [REPEATS "
		      "[DIR]]]]\n", stderr);
		return 2;
	}
	/* the peering input: one link per egress, the routes of every pair */
	char *peering = NULL, *routes = NULL;
	size_t peering_len = 0, routes_len = 0;
	FILE *pf = open_memstream(&peering, &peering_len);
	FILE *rf = open_memstream(&routes, &routes_len);
	if (pf == NULL || rf == NULL)
		return 1;
	for (unsigned k = 0; k < ne; k++)
		fprintf(pf, "link l%u 10G\negress e%u border1 10.79.%u.2 l%u\n", k, k, k, k);
	char pfx[64], tgt[64], peer[64];
	for (size_t i = 0; i < nt; i++)
		for (unsigned k = 0; k < ne; k++) {
			names(i, k, pfx, tgt, peer);
			fprintf(rf, "%s border1 %s %u %u,64999 %s\n", pfx, peer, 64500 + k,
				64500 + k, peer);
		}
	fclose(pf);
	fclose(rf);
	double *tw = neto_calloc((size_t)reps, sizeof *tw);
	double *tr = neto_calloc((size_t)reps, sizeof *tr);
	size_t used = 0;
	for (int r = 0; r < reps; r++) {
		char path[512];
		snprintf(path, sizeof path, "%s/neto-probe-rows-%d.db", dir, (int)getpid());
		char uri[600];
		snprintf(uri, sizeof uri, "sqlite:%s", path);
		store *st;
		neto_err err;
		if (store_open(&st, uri, &err) != 0) {
			fprintf(stderr, "probe_rows: %s\n", err.msg);
			return 1;
		}
		int64_t at = 1795338231602;
		double t0 = mono();
		for (size_t i = 0; i < nt; i++)
			for (unsigned k = 0; k < ne; k++) {
				probe_target t;
				memset(&t, 0, sizeof t);
				names(i, k, t.pfx_str, t.addr_str, peer);
				probe_addr pa;
				probe_addr_parse(peer, &pa);
				char key[256];
				char *body = probe_row(&t, "border1", &pa, 20 + (double)k, at, 5, 0, key,
						       sizeof key);
				if (store_kv_put(st, PE_LAT_NS, key, body, strlen(body), at, &err) !=
				    0) {
					fprintf(stderr, "probe_rows: %s\n", err.msg);
					return 1;
				}
				free(body);
			}
		tw[r] = mono() - t0;
		pe_input in;
		pe_input_init(&in);
		if (pe_parse_peering(&in, peering, peering_len, "peering", &err) != 0 ||
		    pe_parse_routes(&in, routes, routes_len, "routes", &err) != 0) {
			fprintf(stderr, "probe_rows: %s\n", err.msg);
			return 1;
		}
		pe_lat_store_stats s;
		t0 = mono();
		if (pe_latency_store_read(st, &in, at, PE_LAT_MAX_AGE_DEFAULT_MS, &s, &err) != 0) {
			fprintf(stderr, "probe_rows: %s\n", err.msg);
			return 1;
		}
		tr[r] = mono() - t0;
		used = s.used;
		pe_input_free(&in);
		store_close(st);
		unlink(path);
		char side[600];
		snprintf(side, sizeof side, "%s-wal", path);
		unlink(side);
		snprintf(side, sizeof side, "%s-shm", path);
		unlink(side);
	}
	qsort(tw, (size_t)reps, sizeof *tw, cmp_d);
	qsort(tr, (size_t)reps, sizeof *tr, cmp_d);
	size_t rows = nt * ne;
	double w = tw[reps / 2], rd = tr[reps / 2];
	printf("rows %zu (%zu targets x %u egresses), used by the reader %zu\n", rows, nt, ne, used);
	printf("write (one round, a transaction per row): %.3f s, %.0f rows/s (median of %d)\n", w,
	       (double)rows / w, reps);
	printf("read into the decision's input: %.3f s, %.0f rows/s (median of %d)\n", rd,
	       (double)rows / rd, reps);
	free(peering);
	free(routes);
	free(tw);
	free(tr);
	return used == rows ? 0 : 1;
}
