/*
 * lsexport.h - FRR's IS-IS TE database as BGP-LS (RFC 9552): the pure
 * conversion of `vtysh -c 'show isis mpls-te database json'` into node,
 * link and prefix NLRI with their attributes, plus the router's own SRv6
 * locator (RFC 9514) and link delays (RFC 8571) from configuration.
 *
 *   - vertex -> node NLRI: IS-IS system ID (from the edges and subnets the
 *     vertex advertised) as the IGP router ID; name, IPv4/IPv6 router IDs,
 *     SR capabilities (SRGB) and algorithms as attributes;
 *   - edge -> link NLRI: local and remote node, interface addresses as
 *     link descriptors; IGP metric, TE metric, maximum, reservable and
 *     unreserved bandwidth, adjacency SIDs, both router IDs, and the
 *     unidirectional delay configured for the local address;
 *   - subnet -> IPv4/IPv6 prefix NLRI: prefix metric and prefix SID;
 *   - the local locator -> an IPv6 prefix NLRI of the local node with the
 *     SRv6 Locator TLV.
 *
 * FRR gives bandwidths in bytes per second; BGP-LS carries them as IEEE
 * floats in bytes per second (bgpls_bw_bits takes bits per second).
 * Subnets are written with their host bits ("10.1.12.1/24"); the NLRI
 * carries the network.
 *
 * Pure: (buf, len) in, a set of (NLRI, attribute) out, no I/O. The JSON is
 * read with Jansson (duplicate keys refused); an entry that lacks what its
 * NLRI needs is skipped and counted, a document that is not a TE database
 * is an error. Caps: LSEXPORT_MAX_ITEMS. Ownership: the caller frees the
 * set with lsexport_set_free.
 */
#ifndef NETO_ROUTER_LSEXPORT_H
#define NETO_ROUTER_LSEXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "proto/bgp/bgpls.h"

#define LSEXPORT_MAX_ITEMS 65536

typedef struct lsexport_delay {	/* a link's delay, by its local address */
	uint8_t af;		/* 4 or 6 */
	uint8_t local[16];
	uint32_t delay_us;	/* < 2^24 (RFC 8571 s4.1) */
} lsexport_delay;

typedef struct lsexport_opts {
	uint64_t id;			/* BGP-LS Identifier; 0 default */
	uint32_t asn;			/* node descriptor AS (TLV 512); 0: none */
	const lsexport_delay *delays;
	size_t n_delays;
	/* the local router's SRv6 locator, announced as a prefix of the
	 * vertex whose IPv4 router ID is local_rid */
	bool has_locator;
	bgp_pfx locator;
	uint32_t locator_metric;
	uint8_t local_rid[4];
} lsexport_opts;

typedef struct lsexport_item {
	bgpls_nlri n;
	bgpls_attr a;
} lsexport_item;

typedef struct lsexport_set {
	lsexport_item *v;	/* owned */
	size_t n, cap;
	size_t n_skipped;	/* entries without what their NLRI needs */
	size_t n_nodes, n_links, n_prefixes;
} lsexport_set;

int lsexport_frr_ted(const char *buf, size_t len, const lsexport_opts *o, lsexport_set *out,
		     neto_err *err);
void lsexport_set_free(lsexport_set *s);

#endif
