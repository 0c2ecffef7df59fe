/*
 * bgpls.h - BGP-LS codec (RFC 9552): the link-state NLRI (node, link, IPv4
 * and IPv6 prefix, the SRv6 SID NLRI of RFC 9514 section 6) and the BGP-LS attribute, with the segment routing TLVs
 * of RFC 9085 and RFC 9514 (SRv6) and the delay of RFC 8571.
 *
 * These are the payloads of an UPDATE's MP_REACH_NLRI / MP_UNREACH_NLRI
 * (AFI 16388, SAFI 71) and of path attribute 29, which bgp_update_decode
 * leaves raw. The decoders here take those raw bytes.
 *
 * Unknown TLVs are skipped and counted (n_unknown), never fatal: BGP-LS
 * grows by new TLVs, and a collector must keep what it understands. Error
 * handling follows RFC 9552 section 8.2.2: an NLRI malformed inside a good
 * outer type/length is skipped and treated as withdrawn; NLRI framing that
 * is broken (a length past the end) makes the whole list unusable (AFI/SAFI
 * disable or session reset, the session's choice); a malformed BGP-LS
 * attribute is discarded.
 *
 * Encoders write TLVs in ascending type order (RFC 9552 section 5.1), so
 * that an encoded NLRI is canonical and its bytes can serve as its key.
 *
 * Structures are plain values (no pointers), so copies are free of
 * ownership questions. Pure: no I/O, no globals.
 */
#ifndef NETO_PROTO_BGP_BGPLS_H
#define NETO_PROTO_BGP_BGPLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "lib/wire.h"
#include "proto/bgp/bgp.h"

/* NLRI types (RFC 9552 section 5.2) */
enum {
	BGPLS_NLRI_NODE = 1,
	BGPLS_NLRI_LINK = 2,
	BGPLS_NLRI_PREFIX4 = 3,
	BGPLS_NLRI_PREFIX6 = 4,
	/* 5: SR Policy candidate path: not decoded, skipped */
	BGPLS_NLRI_SRV6_SID = 6,	/* RFC 9514 section 6 */
};

/* Protocol-IDs (RFC 9552 section 5.2) */
enum {
	BGPLS_PROTO_ISIS_L1 = 1,
	BGPLS_PROTO_ISIS_L2 = 2,
	BGPLS_PROTO_OSPFV2 = 3,
	BGPLS_PROTO_DIRECT = 4,
	BGPLS_PROTO_STATIC = 5,
	BGPLS_PROTO_OSPFV3 = 6,
};

/* Node descriptor fields present (bits of bgpls_node_desc.has) */
#define BGPLS_ND_AS (1u << 0)		/* TLV 512 */
#define BGPLS_ND_LS_ID (1u << 1)	/* TLV 513 */
#define BGPLS_ND_AREA (1u << 2)		/* TLV 514 */
#define BGPLS_ND_RID (1u << 3)		/* TLV 515 */

typedef struct bgpls_node_desc {
	bool present;
	unsigned has;
	uint32_t asn;
	uint32_t ls_id;
	uint32_t area;
	uint8_t rid_len;	/* 4 (OSPF), 6 (IS-IS), 7 (IS-IS pseudonode), 8 */
	uint8_t rid[8];
} bgpls_node_desc;

/* Link descriptor fields present (bits of bgpls_nlri.link_has) */
#define BGPLS_LD_IDS (1u << 0)		/* TLV 258 */
#define BGPLS_LD_V4_LOCAL (1u << 1)	/* TLV 259 */
#define BGPLS_LD_V4_REMOTE (1u << 2)	/* TLV 260 */
#define BGPLS_LD_V6_LOCAL (1u << 3)	/* TLV 261 */
#define BGPLS_LD_V6_REMOTE (1u << 4)	/* TLV 262 */
#define BGPLS_LD_MT (1u << 5)		/* TLV 263 */
#define BGPLS_PD_ROUTE_TYPE (1u << 6)	/* TLV 264 */
#define BGPLS_PD_PREFIX (1u << 7)	/* TLV 265 */
#define BGPLS_SD_SRV6_SID (1u << 8)	/* TLV 518: SRv6 SID information */

typedef struct bgpls_nlri {
	uint16_t type;
	uint8_t proto;
	uint64_t id;		/* Identifier (routing universe) */
	bgpls_node_desc local, remote;
	unsigned link_has;	/* link and prefix descriptor fields present */
	uint32_t local_id, remote_id;
	uint8_t v4_local[4], v4_remote[4];
	uint8_t v6_local[16], v6_remote[16];
	uint16_t mt_id;
	uint8_t route_type;	/* OSPF route type (prefix NLRI) */
	bgp_pfx prefix;		/* prefix NLRI (TLV 265) */
	uint8_t srv6_sid[16];	/* SRv6 SID NLRI (TLV 518, RFC 9514 section 6.1) */
	unsigned n_unknown;	/* TLVs skipped */
} bgpls_nlri;

/* Reads one NLRI from r (an MP_REACH/MP_UNREACH NLRI field of AFI 16388 /
 * SAFI 71). 0: decoded; *raw / *raw_len are its bytes in r (type and length
 * included), the key of a link-state database. 1: the NLRI is framed but
 * malformed inside, skipped (treat it as withdrawn); *raw is still set.
 * -1: the framing is broken, nothing more can be read from r. err set on
 * 1 and -1. */
int bgpls_nlri_decode(wire_rd *r, bgpls_nlri *n, const uint8_t **raw, size_t *raw_len,
		      neto_err *err);
void bgpls_nlri_encode(const bgpls_nlri *n, wire_wr *w);

/* Attribute TLVs present (bits of bgpls_attr.has) */
enum {
	BGPLS_A_NODE_FLAGS,	/* 1024 */
	BGPLS_A_NODE_NAME,	/* 1026 */
	BGPLS_A_RID4_LOCAL,	/* 1028 */
	BGPLS_A_RID6_LOCAL,	/* 1029 */
	BGPLS_A_RID4_REMOTE,	/* 1030 */
	BGPLS_A_RID6_REMOTE,	/* 1031 */
	BGPLS_A_SR_CAP,		/* 1034 */
	BGPLS_A_SR_ALGO,	/* 1035 */
	BGPLS_A_NODE_MSD,	/* 266 */
	BGPLS_A_ADMIN_GROUP,	/* 1088 */
	BGPLS_A_MAX_BW,		/* 1089 */
	BGPLS_A_MAX_RSV_BW,	/* 1090 */
	BGPLS_A_UNRSV_BW,	/* 1091 */
	BGPLS_A_TE_METRIC,	/* 1092 */
	BGPLS_A_IGP_METRIC,	/* 1095 */
	BGPLS_A_SRLG,		/* 1096 */
	BGPLS_A_DELAY,		/* 1114 */
	BGPLS_A_PREFIX_METRIC,	/* 1155 */
	BGPLS_A_PREFIX_SID,	/* 1158 */
	BGPLS_A_SRV6_LOCATOR,	/* 1162 */
	BGPLS_A_SRV6_ENDPOINT,	/* 1250 */
	BGPLS_A_SRV6_SID_STRUCT,	/* 1252 */
	BGPLS_A_COUNT
};

#define BGPLS_ATTR_HAS(a, k) (((a)->has >> (k)) & 1u)
#define BGPLS_MAX_SRLG 32
#define BGPLS_MAX_RANGES 4
#define BGPLS_MAX_ALGOS 16
#define BGPLS_MAX_MSD 8
#define BGPLS_MAX_ADJ_SID 4
#define BGPLS_MAX_ENDX 4

/* A SID or label of the SR-MPLS TLVs: a 20-bit label in 3 octets or a 32-bit
 * index in 4 (RFC 9085 section 2.1.1). */
typedef struct bgpls_sid {
	uint8_t len;		/* 3 or 4 */
	uint32_t val;
} bgpls_sid;

typedef struct bgpls_adj_sid {	/* TLV 1099, RFC 9085 section 2.2.1 */
	uint8_t flags, weight;
	bgpls_sid sid;
} bgpls_adj_sid;

typedef struct bgpls_endx {	/* TLV 1106, RFC 9514 section 4.1 */
	uint16_t behavior;
	uint8_t flags, algo, weight;
	uint8_t sid[16];
} bgpls_endx;

typedef struct bgpls_attr {
	uint32_t has;		/* bits BGPLS_A_... */
	uint8_t node_flags;
	uint8_t name_len;
	char name[256];		/* NUL-terminated; name_len octets on the wire */
	uint8_t rid4_local[4], rid4_remote[4];
	uint8_t rid6_local[16], rid6_remote[16];
	/* SR capabilities: flags and SRGB ranges */
	uint8_t sr_flags;
	uint8_t n_ranges;
	uint32_t range_size[BGPLS_MAX_RANGES];
	bgpls_sid range_first[BGPLS_MAX_RANGES];
	uint8_t n_algos;
	uint8_t algos[BGPLS_MAX_ALGOS];
	uint8_t n_msd;
	uint8_t msd_type[BGPLS_MAX_MSD], msd_value[BGPLS_MAX_MSD];
	uint32_t admin_group;
	/* bandwidths: IEEE 754 single precision in bytes per second, kept as
	 * their bits so that they re-encode exactly (see bgpls_bw_bps) */
	uint32_t max_bw, max_rsv_bw, unrsv_bw[8];
	uint32_t te_metric;
	uint8_t igp_metric_len;	/* 1..3 octets (RFC 9552 section 5.3.2.4) */
	uint32_t igp_metric;
	uint8_t n_srlg;
	uint32_t srlg[BGPLS_MAX_SRLG];
	bool delay_anomalous;	/* the A bit (RFC 8571 section 2.1) */
	uint32_t delay_us;	/* 24 bits, microseconds */
	uint32_t prefix_metric;
	uint8_t psid_flags, psid_algo;
	bgpls_sid psid;
	uint8_t loc_flags, loc_algo;
	uint32_t loc_metric;
	uint8_t n_adj_sid;
	bgpls_adj_sid adj_sid[BGPLS_MAX_ADJ_SID];
	uint8_t n_endx;
	bgpls_endx endx[BGPLS_MAX_ENDX];
	/* attributes of an SRv6 SID NLRI (RFC 9514 sections 7.1 and 8):
	 * the endpoint behavior (RFC 8986 codepoint), its flags and algorithm,
	 * and the SID structure: locator block, locator node, function and
	 * argument lengths in bits (their sum at most 128) */
	uint16_t srv6_behavior;
	uint8_t srv6_flags, srv6_algo;
	uint8_t srv6_lb_len, srv6_ln_len, srv6_fun_len, srv6_arg_len;
	unsigned n_unknown;	/* TLVs skipped (unknown, or beyond the caps) */
} bgpls_attr;

/* Decodes a BGP-LS attribute value. -1 (err set): malformed, the caller
 * discards the attribute (RFC 9552 section 8.2.2). */
int bgpls_attr_decode(const uint8_t *buf, size_t len, bgpls_attr *a, neto_err *err);
void bgpls_attr_encode(const bgpls_attr *a, wire_wr *w);

/* Bandwidth TLV bits (bytes per second, float) to bits per second, and back. */
double bgpls_bw_bps(uint32_t bits);
uint32_t bgpls_bw_bits(double bps);

/* The IGP router ID as text: "a.b.c.d" for OSPF, "xxxx.xxxx.xxxx[.nn]" for
 * IS-IS (the system ID and pseudonode), hex otherwise. */
void bgpls_rid_str(const bgpls_node_desc *d, char *out, size_t cap);

const char *bgpls_nlri_type_name(uint16_t type);

/* One UPDATE announcing n with attribute a (NULL: none): ORIGIN IGP, an
 * AS_PATH of local_as for eBGP (empty for iBGP, with LOCAL_PREF 100), the
 * next hop nh (4 or 16 octets) in MP_REACH_NLRI. Appended to w. */
int bgpls_update_encode(const bgpls_nlri *n, const bgpls_attr *a, const uint8_t *nh,
			uint8_t nh_len, bool ebgp, uint32_t local_as, wire_wr *w, neto_err *err);
/* One UPDATE withdrawing n (MP_UNREACH_NLRI). */
int bgpls_withdraw_encode(const bgpls_nlri *n, wire_wr *w, neto_err *err);

#endif
