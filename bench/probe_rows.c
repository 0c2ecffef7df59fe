/*
 * probe_rows.c - the store side of latency measurement: how long one
 * border router's round of "pe-latency" rows takes to write (probe_row +
 * store_kv_put_many, 4,096 rows a transaction, as the prober does; beside
 * it, in the same run, store_kv_put, a transaction per row), and how long
 * the peering role takes to read them all into its input
 * (pe_latency_store_read: list, parse, map onto egresses and prefixes).
 * T targets (prefixes) x E egresses rows, in an SQLite store file in DIR.
 *
 * usage: probe_rows [TARGETS [EGRESSES [REPEATS [DIR]]]]
 *        (defaults 1000, 4, 3, /tmp)
 */
#include <stdbool.h>
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

/* One round of rows: a transaction each, or 4,096 a transaction. */
static int write_rows(store *st, size_t nt, unsigned ne, int64_t at, bool batched,
		      neto_err *err)
{
	enum { CHUNK = 4096 };
	static store_kv_row rows[CHUNK];
	static char keys[CHUNK][256];
	static char *bodies[CHUNK];
	size_t n = 0;
	char peer[64];
	for (size_t i = 0; i < nt; i++)
		for (unsigned k = 0; k < ne; k++) {
			probe_target t;
			memset(&t, 0, sizeof t);
			names(i, k, t.pfx_str, t.addr_str, peer);
			probe_addr pa;
			probe_addr_parse(peer, &pa);
			char *body = probe_row(&t, "border1", &pa, 20 + (double)k, at, 5, 0, keys[n],
					       sizeof keys[0]);
			if (!batched) {
				int rc = store_kv_put(st, PE_LAT_NS, keys[n], body, strlen(body), at,
						      err);
				free(body);
				if (rc != 0)
					return -1;
				continue;
			}
			rows[n] = (store_kv_row){ .key = keys[n], .body = body, .len = strlen(body) };
			bodies[n] = body;
			bool last = i == nt - 1 && k == ne - 1;
			if (++n < CHUNK && !last)
				continue;
			int rc = store_kv_put_many(st, PE_LAT_NS, rows, n, at, err);
			for (size_t j = 0; j < n; j++)
				free(bodies[j]);
			n = 0;
			if (rc != 0)
				return -1;
		}
	return 0;
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
	double *tw1 = neto_calloc((size_t)reps, sizeof *tw1);
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
		if (write_rows(st, nt, ne, at, false, &err) != 0) {
			fprintf(stderr, "probe_rows: %s\n", err.msg);
			return 1;
		}
		tw1[r] = mono() - t0;
		t0 = mono();
		if (write_rows(st, nt, ne, at, true, &err) != 0) {
			fprintf(stderr, "probe_rows: %s\n", err.msg);
			return 1;
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
	qsort(tw1, (size_t)reps, sizeof *tw1, cmp_d);
	qsort(tr, (size_t)reps, sizeof *tr, cmp_d);
	size_t rows = nt * ne;
	double w = tw[reps / 2], rd = tr[reps / 2];
	printf("rows %zu (%zu targets x %u egresses), used by the reader %zu\n", rows, nt, ne, used);
	double w1 = tw1[reps / 2];
	printf("write, a transaction per row: %.3f s, %.0f rows/s (median of %d)\n", w1,
	       (double)rows / w1, reps);
	printf("write, 4096 rows a transaction (the prober): %.3f s, %.0f rows/s (median of %d), "
	       "%.1fx faster\n", w, (double)rows / w, reps, w1 / w);
	printf("read into the decision's input: %.3f s, %.0f rows/s (median of %d)\n", rd,
	       (double)rows / rd, reps);
	free(peering);
	free(routes);
	free(tw);
	free(tw1);
	free(tr);
	return used == rows ? 0 : 1;
}
