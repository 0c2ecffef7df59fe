/*
 * pe_cfg.h - the [peering] section of neto's configuration file
 * (docs/config.md, docs/peering.md), read by the peering role
 * (`neto agent peering NAME`) and the controller. The main parser (src/cfg)
 * leaves the section to this one, which is as strict: an unknown key, a key
 * given twice, a second [peering] section or a value that does not parse
 * is an error naming the line.
 *
 * [peering]  enabled, peering_file, static_latency, headroom, min_gain_ms,
 *            max_moves, hold_s, interval, local_pref, community, bmp_listen,
 *            bmp_port, bgp_feeds, split, split_bits, bmp_grace
 *
 * Ownership: pe_cfg_free releases the strings.
 */
#ifndef NETO_PE_PE_CFG_H
#define NETO_PE_PE_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

#define PE_BMP_PORT 11019
#define PE_CFG_MAX_FEEDS 64

typedef struct pe_cfg {
	bool present;		/* the file has a [peering] section */
	bool enabled;		/* default no */
	char *peering_file;	/* NULL when not given */
	char *static_latency;	/* NULL when not given */
	double headroom;	/* (0, 1], default 0.95 */
	double min_gain_ms;	/* >= 0, default 5 */
	size_t max_moves;	/* default 1000 */
	double hold_s;		/* >= 0, default 300 */
	double interval_s;	/* > 0, default 10 */
	uint32_t local_pref;	/* default 200 */
	bool has_community;
	uint32_t community;	/* ASN << 16 | VAL */
	char community_str[12];	/* "65000:100", "" when none */
	char bmp_listen[64];	/* default "0.0.0.0" */
	uint16_t bmp_port;	/* default 11019 */
	/* [peer NAME] sections whose ADD-PATH sessions bring routes (beside
	 * BMP), NAME the border router's name in the peering file */
	char bgp_feeds[PE_CFG_MAX_FEEDS][64];
	size_t n_bgp_feeds;	/* default 0: BMP only */
	/* a prefix that fits on no egress whole is announced as 2^split_bits
	 * more-specifics (pe_opts.split) */
	bool split;		/* default no */
	unsigned split_bits;	/* 1..4, default 1 */
	/* s a closed BMP session's routes stay (pe_agent_session_linger);
	 * default 30, 0: removed at once */
	double bmp_grace_s;
} pe_cfg;

/* The defaults above (present and enabled false, no files). */
void pe_cfg_defaults(pe_cfg *c);
/* Parses the [peering] section of a configuration file (buf, len) named
 * NAME; other sections are ignored. Without one: the defaults. On error
 * *out holds no allocation. */
int pe_cfg_parse(const char *buf, size_t len, const char *name, pe_cfg *out, neto_err *err);
void pe_cfg_free(pe_cfg *c);

#endif
