/*
 * driver_bgp.h - the southbound driver that installs SR policies by BGP
 * (SR Policy SAFI 73, RFC 9830): each router is a configured BGP peer (the
 * peer's name is the router's name), each policy "DST/CLASS" one SR Policy
 * NLRI announced to it, with one segment list per path of the task's
 * document (docs/bgp.md, "SR Policy").
 *
 * Mapping of a task document (src/agent/driver.h) to the NLRI and tunnel
 * encapsulation:
 * - endpoint: the address set for DST with driver_bgp_set_endpoint (IPv4:
 *   ipv4-srpolicy, IPv6: ipv6-srpolicy), else the last segment of the first
 *   path (the egress's End SID, IPv6);
 * - color: 1 + (FNV-1a of the class name mod 2^31), so one class has one
 *   color on every router; distinguisher: FNV-1a of "DST/CLASS";
 * - preference 100; one segment list per path, SRv6 (type B) segments, the
 *   weight the path's weight times 1000, rounded, at least 1.
 *
 * Status is DONE while the announcement of exactly the desired document is
 * out on a session that has stayed Established since; a session that drops
 * makes the policy PENDING until it is announced again on the next session
 * (refresh does that). BGP has no per-route acknowledgement: DONE means
 * "announced on a live session", which is what a BGP head-end offers.
 *
 * Ownership: the driver borrows the speaker (which must outlive it); close()
 * frees the driver's own state.
 */
#ifndef NETO_AGENT_DRIVER_BGP_H
#define NETO_AGENT_DRIVER_BGP_H

#include "agent/bgp_peer.h"
#include "agent/driver.h"

void driver_bgp_init(agent_driver *drv, bgp_speaker *sp);
/* The SR policy endpoint of node NODE (an IPv4 or IPv6 literal). */
int driver_bgp_set_endpoint(agent_driver *drv, const char *node, const char *addr, neto_err *err);

#endif
