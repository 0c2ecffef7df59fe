/*
 * bgpls_db.h - the link-state database of neto's BGP-LS collector, and the
 * topology built from it.
 *
 * Entries are keyed by (peer, NLRI bytes): each session contributes its own
 * view, so that two route reflectors announcing the same link give two
 * entries and the link survives the loss of either. When a session goes
 * down its entries turn stale (kept, as the network has not changed because
 * a BGP session dropped) and are removed when they stay stale for the hold
 * time; an entry the peer announces again is fresh again.
 *
 * The topology (bgpls_db_topology) has one node per distinct IGP node
 * (AS, BGP-LS identifier, IGP router ID), named by its node name TLV, else
 * by its IPv4 router ID, else by its IGP router ID as text; one directed
 * link per link NLRI whose reverse direction is also present (RFC 9552
 * section 5.2.2 leaves the two-way check to the consumer: a one-way
 * adjacency carries no traffic). Capacity is the maximum link bandwidth in
 * kbps (the unit of REPETITA topologies; unit "kbps"), the IGP metric TLV
 * (else the TE metric, at least 1), the delay of RFC 8571 in microseconds,
 * SRLGs, the first SRv6 End.X SID as the adjacency SID, and SRv6 locators
 * from prefix NLRI with the SRv6 Locator TLV. Nodes and links are sorted by
 * name, so that the same database always gives the same topology.
 *
 * Ownership: the database owns its entries; topologies it builds belong to
 * the caller (topo_free).
 */
#ifndef NETO_AGENT_BGPLS_DB_H
#define NETO_AGENT_BGPLS_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "lib/strmap.h"
#include "proto/bgp/bgp.h"
#include "proto/bgp/bgpls.h"
#include "topo/topo.h"

typedef struct bgpls_entry {
	uint32_t peer;
	uint8_t *key;		/* owned: the NLRI bytes */
	size_t key_len;
	bgpls_nlri nlri;
	bool has_attr;
	bgpls_attr attr;
	bool stale;
	double stale_since;
	bool dead;		/* removed; the slot is reused */
} bgpls_entry;

typedef struct bgpls_db_stats {
	uint64_t added, replaced, withdrawn, expired;
	uint64_t malformed_nlri;	/* skipped, treated as withdrawn */
	uint64_t attr_discarded;	/* malformed BGP-LS attributes */
	uint64_t unknown_tlvs;		/* skipped TLVs, NLRI and attributes */
	uint64_t links_one_way;		/* at the last bgpls_db_topology */
	uint64_t links_no_bandwidth;	/* idem: no bandwidth TLV, left out */
} bgpls_db_stats;

typedef struct bgpls_db {
	bgpls_entry *e;
	size_t n, cap;
	neto_strmap index;	/* "peer/hexkey" -> slot */
	uint64_t generation;	/* bumped on every change */
	bgpls_db_stats stats;
} bgpls_db;

void bgpls_db_init(bgpls_db *db);
void bgpls_db_free(bgpls_db *db);

/* Applies one UPDATE of a peer (rc as bgp_update_decode returned it: on
 * BGP_TREAT_AS_WITHDRAW the announced NLRI are withdrawn). Non-BGP-LS
 * families are ignored. Returns the number of entries changed. */
size_t bgpls_db_update(bgpls_db *db, uint32_t peer, const bgp_update *u, int rc);

/* The session with the peer went down at now (seconds): its entries turn
 * stale. */
void bgpls_db_peer_down(bgpls_db *db, uint32_t peer, double now);
/* Removes entries stale for at least hold seconds; returns how many. */
size_t bgpls_db_expire(bgpls_db *db, double now, double hold);
/* Live (not removed) entries. */
size_t bgpls_db_count(const bgpls_db *db);

/* The SRv6 SIDs of one IGP node (SRv6 SID NLRI, RFC 9514 section 6,
 * whose local node descriptors name the same node as d: AS, BGP-LS
 * identifier, IGP router ID), from every session, stale ones included.
 * Stores at most cap entry pointers in out (valid until the next change of
 * the database; the SID is entry->nlri.srv6_sid, its behavior and
 * structure the entry's attribute) and returns how many there are. The
 * topology has no place for node SIDs: this is how they are read. */
size_t bgpls_db_node_sids(const bgpls_db *db, const bgpls_node_desc *d,
			  const bgpls_entry **out, size_t cap);

/* Builds the topology (see above) into *t (initialised here). Fails when
 * the database gives no node or no link (topo_finish's rule). */
int bgpls_db_topology(bgpls_db *db, topo *t, neto_err *err);

#endif
