/*
 * bgp_feed.h - a border router's routes over neto's own iBGP session with
 * ADD-PATH receive (RFC 7911), as the peering role's route source beside
 * BMP (docs/peering.md, "Routes over BGP ADD-PATH").
 *
 * With ADD-PATH the border router sends every path it holds for a prefix,
 * each under its own path identifier, instead of its best one only. A path
 * it learnt from an ISP keeps that ISP's address as NEXT_HOP over iBGP
 * (RFC 4271 section 5.1.3: the next hop is not changed toward internal
 * peers), so the next hop names the ISP peer: each path goes into the
 * route table as the route of peer (this router, next hop), where the BMP
 * collector would put the route of peer (this router, ISP address). The
 * peering file's egress lines (ROUTER, PEER-ADDRESS) match either alike.
 *
 * A withdrawal names (prefix, path identifier) only, so the feed keeps,
 * per path, which table peer holds it: an open-addressing table of 24-octet
 * slots. Two paths of one prefix with the same next hop are one route in
 * the table (the later one's attributes), removed with either.
 *
 * Pure: no I/O; the caller owns the BGP session and calls in with each
 * decoded UPDATE. Ownership: the feed owns its path table
 * (pe_bgp_feed_free); the route table is the caller's.
 */
#ifndef NETO_PE_BGP_FEED_H
#define NETO_PE_BGP_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "pe/rib.h"
#include "proto/bgp/bgp.h"

typedef struct pe_feed_slot pe_feed_slot;

typedef struct pe_bgp_feed {
	uint32_t router;	/* the route table's number for this router */
	pe_feed_slot *slots;
	size_t cap, used, live;	/* slots; taken (live and deleted); live paths */
	bool eor4, eor6;	/* End-of-RIB (RFC 4724 section 2) seen */
	uint64_t announced, withdrawn;	/* paths, since the session came up */
	uint64_t no_nexthop;	/* announcements without a usable NEXT_HOP */
} pe_bgp_feed;

void pe_bgp_feed_init(pe_bgp_feed *f, uint32_t router);
void pe_bgp_feed_free(pe_bgp_feed *f);

/* Applies one UPDATE of the router's session to the table: withdrawals,
 * then announcements (rc = BGP_TREAT_AS_WITHDRAW, from bgp_update_decode:
 * the announced paths are withdrawn, RFC 7606 section 2). An End-of-RIB
 * marker sets eor4 / eor6. -1 and *err only when the table refuses a new
 * peer (more than 65535). */
int pe_bgp_feed_update(pe_bgp_feed *f, pe_rib *t, const bgp_update *u, int rc, neto_err *err);

/* The session went down: every route it brought leaves the table (its
 * table peers are marked down); returns how many. The feed is empty and
 * ready for the next session. */
size_t pe_bgp_feed_down(pe_bgp_feed *f, pe_rib *t);

#endif
