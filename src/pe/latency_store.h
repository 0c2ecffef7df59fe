/*
 * latency_store.h - measured latency from the store for the peering
 * decision: the rows border routers' probers write (src/router/probe.h)
 * into the key-value namespace "pe-latency",
 *   key  "PREFIX ROUTER PEER-ADDRESS"   e.g. "198.51.100.0/24 border1 10.79.0.2"
 *   body {"ms": 12.3, "at": MS, "target": "198.51.100.1", "sent": 5, "lost": 0}
 * become the measured latencies of a pe_input (what `--latency` files give
 * `neto peer`, io.h): per (routed prefix, egress), where the egress is the
 * one the peering file names with that ROUTER and PEER-ADDRESS.
 *
 * A row is used when it is fresh (at most max_age_ms old at now_ms: the
 * contract makes it 3 probe intervals, PE_LAT_STALE_INTERVALS) and has a
 * median ("ms" null means every probe was lost: no latency is known, the
 * static table or the default applies). Rows that cannot be used are
 * counted by reason, never an error: one bad writer must not stop the
 * decision.
 *
 * Ownership: nothing returned needs freeing; measurements are appended to
 * the pe_input (pe_input_free releases them).
 */
#ifndef NETO_PE_LATENCY_STORE_H
#define NETO_PE_LATENCY_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "pe/io.h"
#include "store/store.h"

#define PE_LAT_NS "pe-latency"
#define PE_LAT_STALE_INTERVALS 3
/* the staleness limit for the probes' default interval (10 s) */
#define PE_LAT_MAX_AGE_DEFAULT_MS (PE_LAT_STALE_INTERVALS * 10000)

typedef struct pe_lat_row {
	int family;		/* of the prefix: 4 or 6 */
	uint8_t addr[16];	/* the prefix (IPv4 in the first 4 octets) */
	uint8_t plen;
	char router[65];
	uint8_t peer[16];	/* the ISP peer (IPv4 in the last 4, as BMP has it) */
	bool has_ms;		/* false: every probe lost */
	double ms;		/* median RTT */
	int64_t at;		/* ms since the epoch */
	char target[64];	/* the probed address (informative) */
	uint32_t sent, lost;
} pe_lat_row;

/* One row (pure): the key and the JSON body (len octets). -1 with *err
 * on a malformed key or body (fields missing or of the wrong type, a
 * negative or absurd ms, lost > sent). */
int pe_lat_row_parse(const char *key, const char *body, size_t len, pe_lat_row *r,
		     neto_err *err);

typedef struct pe_lat_store_stats {
	size_t rows;		/* read */
	size_t used;		/* became measured latencies */
	size_t stale;		/* older than max_age_ms */
	size_t all_lost;	/* "ms" null */
	size_t malformed;
	size_t unknown_egress;	/* (ROUTER, PEER-ADDRESS) no egress names */
	size_t unrouted;	/* a prefix the route table does not hold */
} pe_lat_store_stats;

/* The rows v[0..n) (as store_kv_list gives them) into in's measured
 * latencies (appended; a caller that reads every cycle into the same
 * pe_input sets in->n_meas = 0 first). Pure: unit-tested without a store. */
void pe_lat_rows_apply(pe_input *in, const store_kv *v, size_t n, int64_t now_ms,
		       int64_t max_age_ms, pe_lat_store_stats *stats);

/* Reads namespace "pe-latency" of st and applies it as above. in must hold
 * the peering file (egresses) and the routes already. -1 with *err only
 * when the store cannot be read. stats may be NULL. */
int pe_latency_store_read(store *st, pe_input *in, int64_t now_ms, int64_t max_age_ms,
			  pe_lat_store_stats *stats, neto_err *err);

#endif
