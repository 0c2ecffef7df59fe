/*
 * bgpls_topo.h - a neto topology as BGP-LS: what `neto bgp --announce-ls`
 * originates (and what the tests feed the collector), the inverse of
 * bgpls_db_topology.
 *
 * Each node becomes a node NLRI (IS-IS level 2, Identifier 0, local node
 * descriptors: the AS and an IS-IS system ID 0000.0000.NNNN from its
 * position, counting from 1) with the node name TLV; each link a link NLRI
 * with link local/remote identifiers (its position counting from 1, and its
 * reverse link's; 0 when it has none) and the attributes: maximum link
 * bandwidth (capacity converted from the topology's unit to bytes per
 * second, RFC 9552 section 5.3.2), IGP metric (3 octets), TE default
 * metric, unidirectional link delay (RFC 8571), SRLGs, and the adjacency
 * SID as an SRv6 End.X SID (RFC 9514); a node with an SRv6 locator also
 * gets an IPv6 prefix NLRI with the SRv6 Locator TLV.
 *
 * Units: "bps", "kbps" (also the default when the topology names none),
 * "Mbps", "Gbps" (case-insensitive); any other unit is an error.
 *
 * Ownership: the arrays are the caller's (free()).
 */
#ifndef NETO_AGENT_BGPLS_TOPO_H
#define NETO_AGENT_BGPLS_TOPO_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "proto/bgp/bgpls.h"
#include "topo/topo.h"

typedef struct bgpls_item {
	bgpls_nlri nlri;
	bgpls_attr attr;
} bgpls_item;

int bgpls_from_topo(const topo *t, uint32_t asn, bgpls_item **items, size_t *n, neto_err *err);

/* Multiplier from a capacity unit to bits per second (see above). */
int bgpls_unit_bps(const char *unit, double *mult, neto_err *err);

#endif
