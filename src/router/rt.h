/*
 * rt.h - SR policies in the Linux kernel's SRv6 data plane, over rtnetlink.
 *
 * A head-end router steers a traffic class into SRv6 tunnels the way the
 * kernel does it natively:
 *
 *   - the class has a routing table of its own, and a policy rule sends the
 *     packets marked with the class's DSCP to it (ip -6 rule dsfield T table N);
 *   - an SR policy (endpoint prefixes, class, weighted segment lists) is one
 *     IPv6 route per endpoint prefix in that table, with one next hop per
 *     segment list (RTA_MULTIPATH, weight in rtnh_hops + 1) and on each next
 *     hop a seg6 encapsulation in encap mode (RFC 8986 H.Encaps: the packet
 *     is wrapped in an outer IPv6 header with an SRH carrying the list);
 *   - the router's own SIDs are seg6local routes: End (RFC 8986 4.1) and
 *     End.DT6 (4.6, decapsulate and look the inner packet up in a table).
 *
 * Routes are written with NLM_F_REPLACE, so the kernel swaps the whole
 * route atomically (one fib6 entry replaced under the table lock): a change
 * of weights or segments never leaves a moment without a route.
 *
 * This file has two halves. The message builders and parsers are pure
 * functions over (buf, len): no socket, no globals, every attribute checked
 * with libmnl's bounds-checked iteration and validation before it is read.
 * The I/O half (rt_nl_*) sends them on a NETLINK_ROUTE socket of the calling
 * process's network namespace and waits for the kernel's acknowledgement.
 *
 * Netlink is host byte order; addresses and SIDs are network byte order, as
 * the kernel keeps them. Buffers handed to the parsers must be 4-octet
 * aligned (NLMSG_ALIGNTO), as every buffer from malloc or recv is.
 */
#ifndef NETO_ROUTER_RT_H
#define NETO_ROUTER_RT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

#define RT_MAX_SEGS 16		/* segments per list; far above any MSD in use */
#define RT_MAX_LISTS 32		/* segment lists per policy */
#define RT_MAX_PREFIXES 64	/* endpoint prefixes per policy */
#define RT_MAX_WEIGHT 256	/* rtnh_hops is one octet: weight = hops + 1 */

/* Room for any message the builders write (a policy route with every list
 * full is 32 * (8 + 8 + 8 + 8 + 16 * 16 + 20) ~ 10 KiB). */
#define RT_MSG_MAX 16384

typedef struct rt_seglist {
	uint32_t weight;		/* 1 .. RT_MAX_WEIGHT */
	uint32_t oif;			/* ifindex of the next hop, 0: none */
	bool has_via;
	uint8_t via[16];		/* IPv6 gateway, when has_via */
	uint32_t n_segs;		/* 1 .. RT_MAX_SEGS */
	uint8_t segs[RT_MAX_SEGS][16];	/* in travel order: segs[0] first */
} rt_seglist;

typedef struct rt_prefix {
	uint8_t addr[16];
	uint8_t len;			/* 0 .. 128 */
} rt_prefix;

typedef struct rt_policy {
	uint32_t table;			/* the class's routing table */
	uint32_t n_prefixes;
	rt_prefix prefixes[RT_MAX_PREFIXES];
	uint32_t n_lists;
	rt_seglist lists[RT_MAX_LISTS];
} rt_policy;

/* A set of policies read back from the kernel. Caller frees with
 * rt_policy_set_free. */
typedef struct rt_policy_set {
	rt_policy *v;
	size_t n, cap;
} rt_policy_set;

void rt_policy_set_free(rt_policy_set *s);

/* Checks the limits above (weights, segment counts, prefix lengths). */
int rt_policy_check(const rt_policy *p, neto_err *err);

/* Sorts the lists of p (by segments, then weight, then next hop) and its
 * prefixes, so that two policies with the same content compare equal with
 * rt_policy_equal whatever order the kernel or the caller used. */
void rt_policy_canon(rt_policy *p);
bool rt_policy_equal(const rt_policy *a, const rt_policy *b);

/* One line per policy: "table 100 prefixes fd00::/64 lists w=1 via fe80::1
 * dev 2 segs fc00:0:2::1,fc00:0:3::100; ...". Returns the number of
 * characters written (snprintf convention). */
int rt_policy_format(const rt_policy *p, char *out, size_t cap);

/* Parses "W:SID[,SID...]" (a weight and a segment list) into *l. */
int rt_seglist_parse(const char *s, rt_seglist *l, neto_err *err);
/* Parses "ADDR/LEN". */
int rt_prefix_parse(const char *s, rt_prefix *p, neto_err *err);

/* ---- message builders (pure) -------------------------------------------
 * Each writes one netlink request into buf (at most cap octets, 4-aligned),
 * asks for an acknowledgement, and returns its length, or 0 with *err set
 * when it does not fit or the input is invalid. */

enum rt_op { RT_OP_REPLACE, RT_OP_DELETE };

/* The route of endpoint prefix number `prefix` of policy p. */
size_t rt_build_policy_route(void *buf, size_t cap, uint32_t seq, enum rt_op op,
			     const rt_policy *p, uint32_t prefix, neto_err *err);

/* The rule "packets with this DSCP (0..63) look up `table`" at priority prio. */
size_t rt_build_dscp_rule(void *buf, size_t cap, uint32_t seq, enum rt_op op, uint8_t dscp,
			  uint32_t table, uint32_t prio, neto_err *err);

enum rt_sid_action { RT_SID_END = 1, RT_SID_END_DT6 = 2 };

/* A local SID of the router: End, or End.DT6 looking up `table` (254 is
 * main), a /128 route in the main table through device oif. oif must not be
 * the loopback device: Linux turns routes through lo into reject routes.
 * End.DT6 here is the kernel's legacy mode: it forwards the inner packet
 * and never delivers it to a local address (that needs a VRF device). */
size_t rt_build_local_sid(void *buf, size_t cap, uint32_t seq, enum rt_op op,
			  const uint8_t sid[16], enum rt_sid_action action, uint32_t table,
			  uint32_t oif, neto_err *err);

/* A dump request for every IPv6 route (the kernel filters by table only
 * with strict checking; rt_parse_dump filters again). */
size_t rt_build_route_dump(void *buf, size_t cap, uint32_t seq, uint32_t table,
			   neto_err *err);

/* A dump request for every IPv6 policy rule. */
size_t rt_build_rule_dump(void *buf, size_t cap, uint32_t seq, neto_err *err);

/* ---- parsers (pure) ---------------------------------------------------- */

/* The kernel's answer to a request: 0 when buf holds the acknowledgement of
 * seq (NLMSG_ERROR with error 0), -1 with *err and *kernel_errno (positive,
 * 0 when the message itself is malformed) otherwise. */
int rt_parse_ack(const void *buf, size_t len, uint32_t seq, int *kernel_errno, neto_err *err);

/* The outcome of parsing one part of a route dump. */
enum rt_dump_state { RT_DUMP_MORE = 0, RT_DUMP_DONE = 1 };

/* Decodes one datagram of a route dump and adds every seg6-encap route of
 * `table` (0: any table) to *out, merging routes whose tables and segment
 * lists are equal into one policy with several prefixes. Other routes
 * (connected, seg6local, plain) are skipped. Returns RT_DUMP_DONE at
 * NLMSG_DONE, RT_DUMP_MORE when more datagrams follow, -1 with *err on a
 * malformed message or an error from the kernel. */
int rt_parse_dump(const void *buf, size_t len, uint32_t table, rt_policy_set *out,
		  neto_err *err);

/* A DSCP rule read back: packets with this DSCP look up `table`. */
typedef struct rt_rule {
	uint8_t dscp;
	uint32_t table;
	uint32_t prio;
} rt_rule;

typedef struct rt_rule_set {
	rt_rule *v;
	size_t n, cap;
} rt_rule_set;

void rt_rule_set_free(rt_rule_set *s);

/* Decodes one datagram of a rule dump, adding every IPv6 rule that sends a
 * DS field value to a table (and selects on nothing else) to *out. Same
 * return convention as rt_parse_dump. */
int rt_parse_rule_dump(const void *buf, size_t len, rt_rule_set *out, neto_err *err);

/* ---- I/O: a NETLINK_ROUTE socket of the current network namespace ---- */

typedef struct rt_nl rt_nl;

/* Opens the socket (caller closes with rt_nl_close). */
rt_nl *rt_nl_open(neto_err *err);
void rt_nl_close(rt_nl *nl);

/* Installs (REPLACE) or removes every route of p. */
int rt_nl_policy(rt_nl *nl, enum rt_op op, const rt_policy *p, neto_err *err);
int rt_nl_dscp_rule(rt_nl *nl, enum rt_op op, uint8_t dscp, uint32_t table, uint32_t prio,
		    neto_err *err);
int rt_nl_local_sid(rt_nl *nl, enum rt_op op, const uint8_t sid[16], enum rt_sid_action action,
		    uint32_t table, uint32_t oif, neto_err *err);
/* Reads the policies of `table` (0: all) into *out (which it initialises;
 * caller frees with rt_policy_set_free). When raw is not NULL it is called
 * with every datagram of the kernel's reply (to capture test data). */
typedef void (*rt_raw_fn)(const void *buf, size_t len, void *arg);
int rt_nl_read(rt_nl *nl, uint32_t table, rt_policy_set *out, rt_raw_fn raw, void *raw_arg,
	       neto_err *err);

/* Reads the DSCP rules of the namespace into *out (which it initialises;
 * caller frees with rt_rule_set_free). */
int rt_nl_read_rules(rt_nl *nl, rt_rule_set *out, rt_raw_fn raw, void *raw_arg, neto_err *err);

#endif
