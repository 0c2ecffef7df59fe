/*
 * probe.h - the border router's latency prober: per destination prefix and
 * egress (an ISP next hop), the round-trip time of neto's UDP probes
 * (proto/probe/probe.h), written into the store for the peering decision.
 *
 * Every probe_interval the prober sends probe_count probes to the target
 * address of every prefix (the `probe_targets` file: `PREFIX ADDRESS`
 * lines) through every egress of the same address family (`probe_egress`:
 * the ISPs' next hops), probe_spacing apart, and waits probe_timeout after
 * the last one. The median RTT of the answers, with the numbers sent and
 * lost, goes to the store's key-value namespace "pe-latency", key
 * "PREFIX ROUTER PEER-ADDRESS", body
 *   {"ms": 12.3, "at": MS, "target": "198.51.100.1", "sent": 5, "lost": 0}
 * ("ms" null when every probe was lost; "at" in ms since the epoch).
 *
 * Forcing the egress: a probe must leave through the egress it measures,
 * whatever the routing table prefers. Egress number i gets routing table
 * probe_table + i holding a default route via its next hop (and an
 * unreachable default behind it, so that a probe never falls through to
 * another table when the next hop's route is gone), and a policy rule
 * (priority probe_rule_priority) "fwmark probe_table + i lookup
 * probe_table + i"; the probes of egress i go out on a socket marked
 * (SO_MARK) with that value. The prober installs the routes and rules over
 * rtnetlink at start (replacing leftovers of an earlier run), installs the
 * route via the next hop again before every round (the kernel deletes it
 * when the link goes down; while it cannot be installed the egress's
 * probes are lost), and removes them all when it stops. An answer counts only when it comes back on that
 * socket, from the target address and port, with the probe's identifier,
 * sequence and timestamp. RTTs run from the send to the kernel's receive
 * timestamp (SO_TIMESTAMPNS), so scheduling delay of the agent does not
 * add to them.
 *
 * The prober runs in a thread of its own (probe_start .. probe_stop), with
 * its own store connection; the agent's loop is not involved.
 *
 * Pure parts (unit-tested): the [router] keys (probe_cfg_set), the targets
 * file, the median, the store row, the netlink messages.
 *
 * Ownership: a probe_cfg owns its strings and arrays (probe_cfg_free); a
 * prober owns its sockets, thread and store (probe_stop frees it).
 */
#ifndef NETO_ROUTER_PROBE_H
#define NETO_ROUTER_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/err.h"

#define PROBE_MAX_TARGETS 4096
#define PROBE_MAX_EGRESS 64
#define PROBE_MAX_COUNT 100

typedef struct probe_addr {
	int family;		/* 4 or 6 */
	uint8_t a[16];		/* IPv4 in the first 4 octets */
} probe_addr;

typedef struct probe_cfg {
	char *targets;		/* path of the targets file; NULL: no probing */
	char *store;		/* store URI; NULL: the telemetry_store */
	probe_addr *egress;	/* owned: the ISP next hops */
	uint32_t n_egress;
	int64_t interval_ms;	/* default 10 s */
	uint32_t count;		/* probes per (target, egress) and round; default 5 */
	uint16_t port;		/* the responders' port; default 7788 */
	int64_t timeout_ms;	/* wait after the last probe; default 1 s */
	int64_t spacing_ms;	/* between two probes of a pair; default 20 ms */
	uint32_t table;		/* first routing table (and mark); default 7700 */
	uint32_t rule_prio;	/* default 900 */
	uint16_t pad;		/* padding octets per probe; default 0 */
} probe_cfg;

void probe_cfg_defaults(probe_cfg *c);
void probe_cfg_free(probe_cfg *c);
/* A deep copy of src into dst (which is overwritten). */
void probe_cfg_copy(probe_cfg *dst, const probe_cfg *src);

/* One [router] key starting with "probe_": probe_targets (a file),
 * probe_store (a store URI), probe_egress ("ADDRESS [ADDRESS...]", adds),
 * probe_interval, probe_timeout, probe_spacing (durations), probe_count
 * (1..100), probe_port, probe_table (1..2^31-1-64, not 253..255 within the
 * range), probe_rule_priority (1..32765), probe_padding (0..1400).
 * -1 with *err on an unknown key or a bad value. */
int probe_cfg_set(probe_cfg *c, const char *key, const char *value, neto_err *err);
/* Checks a configuration with targets: egresses, a store (its own, or
 * fallback_store), count x spacing + timeout below the interval. */
int probe_cfg_check(const probe_cfg *c, const char *fallback_store, neto_err *err);

typedef struct probe_target {
	probe_addr pfx;
	uint8_t plen;
	probe_addr addr;
	char pfx_str[64];	/* canonical, e.g. "198.51.100.0/24" */
	char addr_str[64];
} probe_target;

/* The targets file (buf, len) named fname: "PREFIX ADDRESS" lines, '#'
 * comments, blank lines. The address must lie in the prefix, the prefix
 * have no host bits, and each prefix appear once. *v is allocated (caller
 * frees) even when empty. -1 with "FILE:LINE: problem" in *err. */
int probe_targets_parse(const char *buf, size_t len, const char *fname, probe_target **v,
			size_t *n, neto_err *err);

/* The median of v[0..n) (sorted in place); n >= 1. Even n: the mean of
 * the two middle values. */
double probe_median(double *v, size_t n);

/* The store row of one (target, egress) round: the key "PREFIX ROUTER
 * PEER" into key (at least 200 octets) and the JSON body, returned
 * (caller frees). ms < 0: every probe lost ("ms": null). */
char *probe_row(const probe_target *t, const char *router, const probe_addr *peer, double ms,
		int64_t at_ms, unsigned sent, unsigned lost, char *key, size_t key_cap);

/* "1.2.3.4" / "2001:db8::1" */
const char *probe_addr_str(const probe_addr *a, char *out, size_t n);
bool probe_addr_parse(const char *s, probe_addr *a);

/* Netlink requests (acknowledged) for the egress's rule and routes; 0
 * with *err when they do not fit cap. buf must be 4-octet aligned. The
 * routes are the table's default: via gw (metric 0, replaced), or, with gw
 * NULL, unreachable at metric PROBE_UNREACH_METRIC, which catches the
 * probes whenever the route via gw is gone (link down): without it they
 * would fall through to the main table and leave by another egress. */
#define PROBE_UNREACH_METRIC 0x40000000U
size_t probe_build_rule(void *buf, size_t cap, uint32_t seq, bool add, int family,
			uint32_t mark, uint32_t table, uint32_t prio, neto_err *err);
size_t probe_build_route(void *buf, size_t cap, uint32_t seq, bool add, int family,
			 uint32_t table, const probe_addr *gw, neto_err *err);

/* ---- the running prober ----------------------------------------------------- */

typedef struct prober prober;

/* Reads the targets file, opens the store (c->store, else fallback_store),
 * installs the egresses' tables and rules, opens their marked sockets and
 * starts the thread. router names this router in the store keys. */
int probe_start(prober **out, const probe_cfg *c, const char *router,
		const char *fallback_store, FILE *log, neto_err *err);
/* Stops the thread, removes the rules and routes, frees. NULL is fine. */
void probe_stop(prober *p);

#endif
