/*
 * bgp_cfg.h - the [bgp] and [peer NAME] sections of neto's configuration
 * file (docs/bgp.md, docs/config.md). The main parser (src/cfg) leaves these
 * sections to this one, which is just as strict: unknown keys, keys given
 * twice and values that do not parse are errors naming the line.
 *
 * [bgp]          local-as, router-id, listen, port, hold-time, connect-retry
 * [peer NAME]    address, remote-as, local-as, router-id, hold-time,
 *                connect-retry, password, families, passive, port,
 *                local-address, add-path-receive
 *
 * Ownership: bgp_cfg_free releases the peer array.
 */
#ifndef NETO_AGENT_BGP_CFG_H
#define NETO_AGENT_BGP_CFG_H

#include <stddef.h>
#include <stdint.h>

#include "agent/bgp_peer.h"
#include "lib/err.h"

#define BGP_CFG_MAX_PEERS 64

typedef struct bgp_cfg {
	bool present;		/* a [bgp] section or a peer exists */
	uint32_t local_as;
	uint32_t router_id;	/* host order */
	char listen[64];	/* "" : do not listen */
	uint16_t port;		/* default 179 */
	uint16_t hold_time;	/* default 90 */
	double connect_retry;	/* seconds, default 30 */
	bgp_peer_cfg *peers;
	size_t n_peers;
} bgp_cfg;

/* Parses the BGP sections of a configuration file (buf, len) named NAME.
 * A file without them gives a bgp_cfg with present false. */
int bgp_cfg_parse(const char *buf, size_t len, const char *name, bgp_cfg *out, neto_err *err);
void bgp_cfg_free(bgp_cfg *c);

/* "ipv4-unicast", "ipv6-unicast", "ls", "ipv4-srpolicy" (GoBGP's names). */
int bgp_family_parse(const char *s, bgp_family *f);
const char *bgp_family_name(bgp_family f);

#endif
