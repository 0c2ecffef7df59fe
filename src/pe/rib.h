/*
 * rib.h - the peering route table: every ISP's offer for every prefix, as
 * the border routers' BMP streams report it (pre-policy Adj-RIB-In).
 *
 * One route per (prefix, border router, ISP peer) with what the decision and
 * BGP's best-path need: AS path, next hop, communities, MED, LOCAL_PREF,
 * ORIGIN. The workload is a full Internet table from each of a handful of
 * ISPs at each border router: 1M prefixes x 4 peers is 4M routes, so the
 * table is built for memory first:
 *  - attribute sets are interned: the routes of one peer share a few
 *    hundred thousand distinct sets at most (most prefixes of an origin AS
 *    carry the same path), and each set is stored once with a reference
 *    count, freed when its last route goes;
 *  - a route is 12 octets (next route, attribute set, peer) in one pool
 *    array, chained per prefix, with a free list;
 *  - a prefix is 24 octets in one array with an open-addressing index of
 *    32-bit slots. Prefixes are never removed (a withdrawn prefix keeps its
 *    slot with no route): tables churn the same prefixes back and forth.
 * pe_rib_bytes reports what all of it takes, for the benchmark.
 *
 * A peer is (border router, peer distinguisher, peer address); the border
 * router is the caller's number for the BMP session it came from. A peer
 * going down removes all its routes (RFC 7854 section 4.9: the Adj-RIB-In is
 * gone with the session).
 *
 * Ownership: pe_rib_free releases everything. Attribute pointers returned by
 * lookups stay valid until the next change to the table.
 */
#ifndef NETO_PE_RIB_H
#define NETO_PE_RIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "proto/bmp/bmp.h"

#define PE_NONE UINT32_MAX

/* An interned attribute set. data holds n_segs segment words (type << 8 |
 * count), then n_asns ASNs, then n_comm communities. */
typedef struct pe_attr {
	uint32_t refs;
	uint32_t hash;
	uint32_t next;		/* hash chain (attribute id) */
	uint32_t med, local_pref;
	uint8_t origin;
	uint8_t has;		/* PE_HAS_MED | PE_HAS_LP */
	uint8_t nh_len;		/* 4 or 16 */
	uint8_t n_segs;
	uint16_t n_asns, n_comm;
	uint16_t path_len;	/* RFC 4271 section 9.1.2.2 a): an AS_SET counts 1 */
	uint8_t nh[16];
	uint32_t data[];
} pe_attr;

#define PE_HAS_MED 1
#define PE_HAS_LP 2

static inline const uint32_t *pe_attr_asns(const pe_attr *a)
{
	return a->data + a->n_segs;
}
static inline const uint32_t *pe_attr_comms(const pe_attr *a)
{
	return a->data + a->n_segs + a->n_asns;
}
/* The neighbouring AS (first of the path), 0 for an empty path. */
uint32_t pe_attr_neighbor_as(const pe_attr *a);

typedef struct pe_rib_peer {
	uint32_t router;
	uint64_t distinguisher;
	uint8_t addr[16];
	uint32_t as;
	uint32_t bgp_id;
	bool up;
	uint32_t n_routes;
} pe_rib_peer;

typedef struct pe_route {
	uint16_t peer;
	const pe_attr *attr;
} pe_route;

typedef struct pe_rib pe_rib;

pe_rib *pe_rib_new(void);
void pe_rib_free(pe_rib *t);

/* The peer's number, created on first sight (at most 65535 peers). */
int pe_rib_peer_id(pe_rib *t, uint32_t router, const bmp_peer_hdr *h, uint16_t *id,
		   neto_err *err);
size_t pe_rib_n_peers(const pe_rib *t);
const pe_rib_peer *pe_rib_peer_get(const pe_rib *t, uint16_t id);

/* Adds or replaces the peer's route for the prefix (family 4 or 6, addr in
 * network order, bits past len ignored) with the update's attributes. */
void pe_rib_announce(pe_rib *t, uint16_t peer, int family, const uint8_t *addr, uint8_t len,
		     const bgp_update *u);
/* Removes the peer's route for the prefix; false when it had none. */
bool pe_rib_withdraw(pe_rib *t, uint16_t peer, int family, const uint8_t *addr, uint8_t len);
/* Removes every route of the peer; returns how many. */
size_t pe_rib_peer_down(pe_rib *t, uint16_t peer);
/* Removes every route of every peer of border router `router` and marks
 * them down (its session ended); returns how many routes. */
size_t pe_rib_router_down(pe_rib *t, uint32_t router);
/* Routes held from the peers of border router `router`. */
size_t pe_rib_router_routes(const pe_rib *t, uint32_t router);
/* 4 or 6 for an IPv4 / IPv6 unicast MP_(UN)REACH_NLRI, else 0. */
int pe_mp_family(const bgp_mp *mp);
/* Marks the peer up or down (Peer Up / Peer Down, or its BMP session
 * ending). */
void pe_rib_peer_set_up(pe_rib *t, uint16_t peer, bool up);

/* Applies one decoded BMP message from the session of border router
 * `router`: Route Monitoring of the pre-policy Adj-RIB-In announces and
 * withdraws (post-policy and Adj-RIB-Out monitoring are ignored: they are
 * the router's choice, not the ISP's offer), Peer Up marks the peer up,
 * Peer Down removes its routes. Returns 0 or -1 (too many peers). */
int pe_rib_apply(pe_rib *t, uint32_t router, const bmp_msg *m, neto_err *err);

size_t pe_rib_n_prefixes(const pe_rib *t);
size_t pe_rib_n_routes(const pe_rib *t);
size_t pe_rib_n_attrs(const pe_rib *t);
/* Prefix i (0 <= i < pe_rib_n_prefixes): family, addr (16 octets), len. */
void pe_rib_prefix(const pe_rib *t, uint32_t i, int *family, uint8_t addr[16], uint8_t *len);
/* The prefix's number, or PE_NONE. */
uint32_t pe_rib_find(const pe_rib *t, int family, const uint8_t *addr, uint8_t len);
/* Up to max routes of prefix i into out; returns how many it has. */
size_t pe_rib_routes(const pe_rib *t, uint32_t i, pe_route *out, size_t max);

/* Octets the table holds on the heap (arrays at their capacity, attribute
 * sets with their allocation size). */
size_t pe_rib_bytes(const pe_rib *t);

/* BGP best-path between two routes of one prefix (RFC 4271 section 9.1.2.2):
 * higher LOCAL_PREF (100 when absent), shorter AS path, lower ORIGIN, lower
 * MED between routes from the same neighbouring AS (0 when absent), then
 * lower peer BGP identifier, then lower peer address. Negative when a is
 * preferred. */
int pe_route_cmp(const pe_rib *t, const pe_route *a, const pe_route *b);

#endif
