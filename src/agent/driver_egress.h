/*
 * driver_egress.h - the southbound driver "egress": it applies the peering
 * decision (docs/peering.md) by announcing destination prefixes over iBGP
 * to the border routers, with a LOCAL_PREF above the routes the ISPs offer
 * and the NEXT_HOP of the chosen ISP, so that the border router's own BGP
 * decision picks neto's route. Withdrawing the route gives BGP its own
 * choice back.
 *
 * Each border router is a configured BGP peer ([peer NAME] of the
 * configuration file, NAME = the router's name, remote-as = local-as: an
 * iBGP session). A task's policy is "egress/PREFIX" and its desired
 * document (docs/formats.md, docs/peering.md)
 *   {"prefix": "198.51.100.0/24", "egress": "e2", "nexthop": "10.79.0.6",
 *    "local_pref": 200, "communities": ["65000:100"]}   (communities optional)
 * becomes one UPDATE: ORIGIN IGP, an empty AS_PATH (RFC 4271 section 5.1.2:
 * iBGP, originated here), NEXT_HOP (IPv4) or MP_REACH_NLRI (IPv6, RFC 4760)
 * with the next hop, LOCAL_PREF, COMMUNITIES (RFC 1997) when given.
 * "remove" withdraws it (the withdrawn routes field, or MP_UNREACH_NLRI).
 *
 * Status: BGP has no per-route acknowledgement. DONE means that the
 * session is Established, the UPDATE for exactly this state was written to
 * the TCP socket on this incarnation of the session (nothing of it still
 * queued in neto), and the readback is the state announced. A session that
 * drops takes every route of neto with it on the router (no graceful
 * restart is negotiated): the policy is PENDING until the next session,
 * on which refresh() announces the whole Adj-RIB-Out of that router again.
 * A desired document that does not validate, a router that is not a
 * configured peer, an eBGP peer or a session without the prefix's family
 * is refused: apply() accepts the request (returns 0) and status() answers
 * DRIVER_FAILED with the reason, so the updating agent records the failure.
 *
 * Installed state (driver_egress_reconcile): a new process holds no
 * announcement, whatever the store's installed table says; the rows of a
 * router's "egress/..." policies follow what this driver has announced on
 * the router's live session, and are deleted while there is no session.
 *
 * Ownership: driver_egress_init borrows the speaker (it must outlive the
 * driver); driver_egress_open makes a speaker of its own from a
 * configuration file, which close() stops (Cease) and frees.
 */
#ifndef NETO_AGENT_DRIVER_EGRESS_H
#define NETO_AGENT_DRIVER_EGRESS_H

#include <stdint.h>
#include <stdio.h>

#include "agent/driver.h"
#include "proto/bgp/bgp.h"
#include "store/store.h"

/* agent/bgp_peer.h (not included: it brings <sys/socket.h>, whose send()
 * the updating agent's own names would meet) */
typedef struct bgp_speaker bgp_speaker;

#define EGRESS_MAX_COMMUNITIES 32
#define EGRESS_POLICY_PREFIX "egress/"

/* One validated desired document. */
typedef struct egress_route {
	uint16_t afi;		/* BGP_AFI_IPV4 or BGP_AFI_IPV6 */
	bgp_pfx pfx;		/* path_id 0, host bits zero */
	uint8_t nh[16];		/* next hop: 4 or 16 octets by afi */
	uint32_t local_pref;
	size_t n_comm;
	uint32_t comm[EGRESS_MAX_COMMUNITIES];	/* in the order given */
	char egress[64];	/* the egress's name (not on the wire) */
} egress_route;

/* Validates DESIRED for policy POLICY ("egress/PREFIX", the same prefix as
 * the document's): an object with exactly the keys prefix (an IPv4 or IPv6
 * prefix without host bits), egress (a name of 1..63 characters), nexthop
 * (a unicast address of the prefix's family: not unspecified, loopback,
 * multicast, broadcast or IPv6 link-local), local_pref (an integer
 * 0..4294967295; 200.0 counts as 200) and optionally communities (null, or
 * at most 32 of "ASN:VALUE", each 0..65535, or "no-export",
 * "no-advertise", "no-export-subconfed").
 * 0, or -1 with *err naming the fault. */
int driver_egress_parse(const char *policy, const char *desired, egress_route *r,
			neto_err *err);
/* The canonical document of r (what status reads back); caller frees. */
char *driver_egress_doc(const egress_route *r);

/* The driver on a speaker the caller owns and polls (tests). LOG may be
 * NULL. */
void driver_egress_init(agent_driver *drv, bgp_speaker *sp, FILE *log);
/* The driver with a speaker of its own made from the [bgp] and [peer NAME]
 * sections of the configuration file PATH, the peers whose names match
 * ROUTERS (comma-separated globs; NULL: all), started (connections are
 * made and kept by refresh()). */
int driver_egress_open(agent_driver *drv, const char *path, const char *routers, FILE *log,
		       neto_err *err);

/*
 * Makes the store's installed rows of the routers' "egress/..." policies
 * (routers among ROUTERS, globs) follow what the driver has announced:
 * once a router's session is Established and every announcement of its
 * Adj-RIB-Out is written, each announced policy's row is the announced
 * document and other egress rows of that router are deleted; while the
 * session is down, all of that router's egress rows are deleted (the
 * router dropped neto's routes with the session). Written after every
 * change, by the holder of lease "egress/ROUTER" (AGENT) only. NOW is the
 * store's clock.
 */
int driver_egress_reconcile(const agent_driver *drv, store *st, const char *agent,
			    const char *routers, int64_t now, neto_err *err);

/* The driver's speaker (tests, the command). */
bgp_speaker *driver_egress_speaker(const agent_driver *drv);

#endif
