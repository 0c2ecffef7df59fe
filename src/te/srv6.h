/*
 * srv6.h - SRv6 SIDs and segment lists.
 *
 * Every node has an End SID (its node SID) and every link an End.X SID (its
 * adjacency SID). They come from the topology (node locators, link adjacency
 * SIDs) or, when absent, are generated deterministically (docs/formats.md):
 *   locator of node i (0-based)    fc00:0:<i+1>::/48; bits 16..47 hold i+1
 *                                  as a 32-bit number, so past 0xffff the
 *                                  high half spills into the second group:
 *                                  node 65535 is fc00:1:0::/48
 *   End SID                        the 16 bits right after the locator
 *                                  prefix hold function 0x0001, the rest
 *                                  is zero: node 0 is fc00:0:1:1::
 *   End.X SID of the k-th out-link of the node (0-based, input order)
 *                                  function 0xe000 + k in the same 16 bits
 *                                  (node 0's first link: fc00:0:1:e000::);
 *                                  for k >= 0x2000 the function is
 *                                  0xe000 | (k & 0x1fff) and the next 16
 *                                  bits hold k >> 13
 * A node locator from the topology is used the same way with its own prefix
 * length: the function goes right after locator_len bits (bits that would
 * fall past bit 127 of a very long prefix are dropped). A link's adj_sid,
 * when present, is used as it is.
 *
 * A segment is a uint32_t: a node index, or SRV6_SEG_ADJ | link index.
 */
#ifndef NETO_TE_SRV6_H
#define NETO_TE_SRV6_H

#include <stdbool.h>
#include <stdint.h>

#include "te/spf.h"
#include "topo/topo.h"

#define SRV6_SEG_ADJ 0x80000000u
#define SRV6_DEFAULT_MSD 6

void srv6_node_sid(const topo *t, uint32_t node, uint8_t sid[16]);
void srv6_adj_sid(const topo *t, uint32_t link, uint8_t sid[16]);
/* Text form of a segment's SID into buf (at least 46 bytes). */
const char *srv6_seg_str(const topo *t, uint32_t seg, char *buf, size_t n);

/* Encodes the path (links[0..n), each starting where the previous ends)
 * from its head-end as the fewest segments that force exactly this path,
 * given IGP shortest paths with ECMP: a node SID where the IGP's unique
 * shortest path follows the path, an adjacency SID where it does not. The
 * last segment is always the egress node's SID. Writes at most max segments
 * into segs; returns the count, or -1 when more than max would be needed
 * (or the links are not a path). n == 0 gives 0 segments. */
int srv6_encode(spf_all *spf, const uint32_t *links, uint32_t n, uint32_t *segs, uint32_t max);

/* Replays a segment list from the head-end over IGP shortest paths. Writes the
 * links taken into out (capacity max) and returns their number, or -1 when a
 * node segment meets ECMP, an adjacency segment does not start where the
 * packet is, or the walk is longer than max. Used by tests and by the
 * encoder's self check. */
int srv6_replay(spf_all *spf, uint32_t head, const uint32_t *segs, uint32_t n_segs,
		uint32_t *out, uint32_t max);

#endif
