/*
 * telemetry.h - the router's interface counters as neto's link telemetry.
 *
 * Every period the agent dumps the links of its network namespace
 * (RTM_GETLINK, IFLA_STATS64: 64-bit byte and packet counters), turns the
 * transmit counters of the interfaces configured as topology links into
 * rates, and merges them into the store's telemetry document (key-value
 * namespace "telemetry", key "links", docs/api.md GET /links):
 * {"at":MS,"links":[{"id":..,"src":..,"dst":..,"load":L,...}]}, load in the
 * topology's unit (bits per second divided by telemetry_unit). Entries of
 * other routers' links are kept; ours are replaced.
 *
 * The parser of the dump and the merge are pure (unit-tested, fuzzed); the
 * I/O is telemetry_dump (a NETLINK_ROUTE socket of the calling process's
 * namespace) and telemetry_poll (the store).
 */
#ifndef NETO_ROUTER_TELEMETRY_H
#define NETO_ROUTER_TELEMETRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/err.h"

#define TELEMETRY_MAX_IFS 1024

typedef struct telemetry_if {
	uint32_t index;
	char name[16];		/* IFNAMSIZ */
	uint64_t rx_bytes, tx_bytes, rx_packets, tx_packets;
} telemetry_if;

typedef struct telemetry_ifs {
	telemetry_if v[TELEMETRY_MAX_IFS];
	size_t n;
} telemetry_ifs;

/* Decodes one datagram of an RTM_GETLINK dump into *out (appending).
 * Returns 1 at NLMSG_DONE, 0 when more follow, -1 with *err on a malformed
 * message or an error from the kernel. Links without a name or IFLA_STATS64
 * are skipped. buf must be 4-octet aligned. */
int telemetry_parse_dump(const void *buf, size_t len, telemetry_ifs *out, neto_err *err);

/* Dumps the links of the current namespace. */
int telemetry_dump(telemetry_ifs *out, neto_err *err);

/* Counter delta over dt_ms as bits per second; a counter that went back
 * (interface re-created, wrap) gives 0. */
double telemetry_rate_bps(uint64_t before, uint64_t after, int64_t dt_ms);

typedef struct telemetry_link {	/* an interface that is a topology link */
	char ifname[16];
	char id[64];		/* the topology's link id */
	char src[64], dst[64];	/* its end nodes */
} telemetry_link;

typedef struct telemetry_load {
	const telemetry_link *link;
	double load;		/* in the topology's unit */
	uint64_t tx_bytes, tx_packets;
} telemetry_load;

/*
 * The telemetry document OLD (NULL or not a telemetry document: start
 * afresh) with the entries of the n loads replaced or added (matched by
 * id), "at" set to at_ms. Returns a new string (caller frees).
 */
char *telemetry_merge(const char *old, size_t old_len, const telemetry_load *v, size_t n,
		      int64_t at_ms);

typedef struct telemetry telemetry;

/* Samples every period_ms and writes to the store at uri. links is copied. */
int telemetry_open(telemetry **out, const char *uri, int64_t period_ms, double unit_bps,
		   const telemetry_link *links, size_t n_links, FILE *log, neto_err *err);
void telemetry_poll(telemetry *t, int64_t now_ms);
void telemetry_free(telemetry *t);

#endif
