/*
 * bgp.h - BGP-4 message codec (RFC 4271) with the extensions neto speaks:
 * capabilities (RFC 5492), multiprotocol (RFC 4760), four-octet AS numbers
 * (RFC 6793), route refresh (RFC 2918) and revised UPDATE error handling
 * (RFC 7606).
 *
 * Decoders take one whole message (buf, len) as framed by bgp_hdr_decode and
 * never read outside it. A malformed message yields -1, a message in the
 * neto_err AND the NOTIFICATION that RFC 4271 section 6 prescribes in a
 * bgp_notif, which the session sends before it closes. UPDATE errors that
 * RFC 7606 downgrades to "treat-as-withdraw" are not session resets: the
 * decoder returns BGP_TREAT_AS_WITHDRAW with the update's NLRI decoded (so
 * the caller can withdraw them) and the notif describing the fault for the
 * log; "attribute discard" errors drop the attribute and count it.
 *
 * Ownership: a decoded bgp_update owns its prefix and AS arrays (freed by
 * bgp_update_free) and BORROWS the raw slices (MP NLRI of non-unicast
 * families, the BGP-LS and tunnel encapsulation attributes, unknown
 * attributes) from the message buffer, which must outlive it. Encoders
 * append a whole message (header included) to a wire_wr the caller owns.
 *
 * Pure: no I/O, no globals, no logging.
 */
#ifndef NETO_PROTO_BGP_BGP_H
#define NETO_PROTO_BGP_BGP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "lib/wire.h"

#define BGP_HDR_LEN 19
#define BGP_MAX_LEN 4096
#define BGP_VERSION 4
#define BGP_AS_TRANS 23456u	/* RFC 6793 section 9 */
#define BGP_PORT 179

enum bgp_msg_type {
	BGP_OPEN = 1,
	BGP_UPDATE = 2,
	BGP_NOTIFICATION = 3,
	BGP_KEEPALIVE = 4,
	BGP_ROUTE_REFRESH = 5,
};

/* NOTIFICATION error codes (RFC 4271 section 4.5, RFC 7313 section 5). */
enum bgp_err_code {
	BGP_ERR_HEADER = 1,
	BGP_ERR_OPEN = 2,
	BGP_ERR_UPDATE = 3,
	BGP_ERR_HOLD = 4,
	BGP_ERR_FSM = 5,
	BGP_ERR_CEASE = 6,
	BGP_ERR_REFRESH = 7,
};

/* Subcodes of BGP_ERR_HEADER (RFC 4271 section 6.1). */
enum {
	BGP_HDR_NOT_SYNC = 1,
	BGP_HDR_BAD_LEN = 2,
	BGP_HDR_BAD_TYPE = 3,
};

/* Subcodes of BGP_ERR_OPEN (RFC 4271 section 6.2, RFC 5492 section 5). */
enum {
	BGP_OPEN_UNSPEC = 0,
	BGP_OPEN_BAD_VERSION = 1,
	BGP_OPEN_BAD_PEER_AS = 2,
	BGP_OPEN_BAD_ID = 3,
	BGP_OPEN_UNSUP_PARAM = 4,
	BGP_OPEN_BAD_HOLD = 6,
	BGP_OPEN_UNSUP_CAP = 7,
};

/* Subcodes of BGP_ERR_UPDATE (RFC 4271 section 6.3). */
enum {
	BGP_UPD_MALFORMED_ATTRS = 1,
	BGP_UPD_UNRECOGNIZED_WK = 2,
	BGP_UPD_MISSING_WK = 3,
	BGP_UPD_ATTR_FLAGS = 4,
	BGP_UPD_ATTR_LEN = 5,
	BGP_UPD_BAD_ORIGIN = 6,
	BGP_UPD_BAD_NEXT_HOP = 8,
	BGP_UPD_OPT_ATTR = 9,
	BGP_UPD_BAD_NETWORK = 10,
	BGP_UPD_BAD_AS_PATH = 11,
};

/* Subcodes of BGP_ERR_CEASE (RFC 4486). */
enum {
	BGP_CEASE_MAX_PREFIX = 1,
	BGP_CEASE_SHUTDOWN = 2,
	BGP_CEASE_DECONFIGURED = 3,
	BGP_CEASE_RESET = 4,
	BGP_CEASE_REJECTED = 5,
	BGP_CEASE_CONFIG_CHANGE = 6,
	BGP_CEASE_COLLISION = 7,
	BGP_CEASE_NO_RESOURCES = 8,
};

/* Address families (IANA) and the subsequent ones neto knows. */
#define BGP_AFI_IPV4 1
#define BGP_AFI_IPV6 2
#define BGP_AFI_LS 16388	/* RFC 9552 */
#define BGP_SAFI_UNICAST 1
#define BGP_SAFI_LS 71		/* RFC 9552 */
#define BGP_SAFI_SR_POLICY 73	/* RFC 9830 */

/* Path attribute type codes. */
enum {
	BGP_ATTR_ORIGIN = 1,
	BGP_ATTR_AS_PATH = 2,
	BGP_ATTR_NEXT_HOP = 3,
	BGP_ATTR_MED = 4,
	BGP_ATTR_LOCAL_PREF = 5,
	BGP_ATTR_ATOMIC_AGGR = 6,
	BGP_ATTR_AGGREGATOR = 7,
	BGP_ATTR_COMMUNITIES = 8,
	BGP_ATTR_MP_REACH = 14,
	BGP_ATTR_MP_UNREACH = 15,
	BGP_ATTR_EXT_COMMUNITIES = 16,
	BGP_ATTR_AS4_PATH = 17,
	BGP_ATTR_AS4_AGGREGATOR = 18,
	BGP_ATTR_TUNNEL_ENCAP = 23,	/* RFC 9012 */
	BGP_ATTR_LS = 29,		/* RFC 9552 */
};

/* Attribute flag bits (RFC 4271 section 4.3). */
#define BGP_AF_OPTIONAL 0x80
#define BGP_AF_TRANSITIVE 0x40
#define BGP_AF_PARTIAL 0x20
#define BGP_AF_EXTLEN 0x10

/* The NOTIFICATION a decoding error calls for. data holds the prescribed
 * data field, truncated to its capacity (a whole attribute can be longer;
 * RFC 4271 only asks for the data to identify the fault). */
#define BGP_NOTIF_DATA_MAX 256
typedef struct bgp_notif {
	uint8_t code, subcode;
	uint16_t data_len;
	uint8_t data[BGP_NOTIF_DATA_MAX];
} bgp_notif;

/* ---- header ------------------------------------------------------------ */

typedef struct bgp_hdr {
	uint16_t len;	/* whole message, header included */
	uint8_t type;
} bgp_hdr;

/* Checks the header at buf (len >= BGP_HDR_LEN octets available): marker all
 * ones, length within 19..4096 and right for the type, known type (RFC 4271
 * sections 4.1, 6.1). 0, or -1 with *err and *n. */
int bgp_hdr_decode(const uint8_t *buf, size_t len, bgp_hdr *h, bgp_notif *n, neto_err *err);

/* ---- OPEN -------------------------------------------------------------- */

#define BGP_CAP_MP 1
#define BGP_CAP_ROUTE_REFRESH 2
#define BGP_CAP_GRACEFUL_RESTART 64	/* RFC 4724 section 3 */
#define BGP_CAP_AS4 65
#define BGP_CAP_ADDPATH 69	/* RFC 7911 section 4 */
/* ADD-PATH Send/Receive field: bits, 3 is both */
#define BGP_ADDPATH_RECEIVE 1
#define BGP_ADDPATH_SEND 2
#define BGP_OPEN_MAX_FAMILIES 16
#define BGP_OPEN_OTHER_MAX 512

typedef struct bgp_family {
	uint16_t afi;
	uint8_t safi;
} bgp_family;

typedef struct bgp_open {
	uint8_t version;
	uint16_t my_as;		/* the 2-octet field (AS_TRANS for a large AS) */
	uint16_t hold_time;	/* seconds; 0 or >= 3 */
	uint32_t bgp_id;	/* host order */
	/* capabilities */
	bool has_as4;
	uint32_t as4;		/* four-octet AS capability value */
	bool route_refresh;
	size_t n_families;
	bgp_family families[BGP_OPEN_MAX_FAMILIES];
	/* ADD-PATH (RFC 7911): per family, BGP_ADDPATH_RECEIVE and/or _SEND */
	size_t n_addpath;
	struct {
		bgp_family f;
		uint8_t mode;
	} addpath[BGP_OPEN_MAX_FAMILIES];
	/* capabilities neto does not interpret, as raw (code, len, value)
	 * triples in arrival order, re-encoded as they came */
	size_t other_len;
	uint8_t other[BGP_OPEN_OTHER_MAX];
} bgp_open;

/* The speaker's AS: the four-octet capability if present, else my_as. */
uint32_t bgp_open_asn(const bgp_open *o);

/* Fills o for an OPEN of asn (my_as becomes AS_TRANS above 65535), with the
 * four-octet and route refresh capabilities and no family. */
void bgp_open_init(bgp_open *o, uint32_t asn, uint16_t hold_time, uint32_t bgp_id);
void bgp_open_add_family(bgp_open *o, uint16_t afi, uint8_t safi);
bool bgp_open_has_family(const bgp_open *o, uint16_t afi, uint8_t safi);
/* Adds a family to the ADD-PATH capability; its mode (0: none). */
void bgp_open_add_addpath(bgp_open *o, uint16_t afi, uint8_t safi, uint8_t mode);
uint8_t bgp_open_addpath(const bgp_open *o, uint16_t afi, uint8_t safi);

/* msg: the whole message. Checks RFC 4271 section 6.2 (version, hold time,
 * BGP identifier not zero, optional parameters) and capability syntax. The
 * peer AS and a BGP identifier equal to ours are the session's checks. */
int bgp_open_decode(const uint8_t *msg, size_t len, bgp_open *o, bgp_notif *n, neto_err *err);
/* One optional parameter (type 2) holding all capabilities. */
int bgp_open_encode(const bgp_open *o, wire_wr *w, neto_err *err);

/* ---- UPDATE ------------------------------------------------------------ */

typedef struct bgp_pfx {
	uint32_t path_id;	/* ADD-PATH path identifier (RFC 7911); 0 without */
	uint8_t len;		/* bits */
	uint8_t addr[16];	/* the significant octets, the rest zero */
} bgp_pfx;

/* AS_PATH segment types (RFC 4271 section 4.3, RFC 5065). */
#define BGP_AS_SET 1
#define BGP_AS_SEQUENCE 2
#define BGP_AS_CONFED_SEQUENCE 3
#define BGP_AS_CONFED_SET 4

typedef struct bgp_as_seg {
	uint8_t type;
	uint8_t n;		/* 1..255 ASNs: asns[first .. first+n) */
	uint32_t first;
} bgp_as_seg;

/* MP_REACH_NLRI / MP_UNREACH_NLRI (RFC 4760 section 3, 4). For the IPv4
 * and IPv6 unicast families the NLRI are decoded into pfx; for any other
 * family they stay raw (e.g. BGP-LS, see bgpls.h). */
typedef struct bgp_mp {
	bool present;
	uint16_t afi;
	uint8_t safi;
	uint8_t nh_len;		/* MP_REACH only */
	uint8_t nh[32];
	bgp_pfx *pfx;		/* owned */
	size_t n_pfx;
	const uint8_t *raw;	/* borrowed: non-unicast NLRI */
	size_t raw_len;
} bgp_mp;

/* An attribute kept as it came (unknown, or known but not interpreted). */
typedef struct bgp_raw_attr {
	uint8_t flags, type;
	const uint8_t *val;	/* borrowed */
	uint16_t len;
} bgp_raw_attr;

#define BGP_UPDATE_MAX_OTHER 32

typedef struct bgp_update {
	bgp_pfx *withdrawn;	/* owned: IPv4 withdrawn routes */
	size_t n_withdrawn;
	bgp_pfx *nlri;		/* owned: IPv4 NLRI */
	size_t n_nlri;
	/* attributes present, bit (type) for types below 32 */
	uint32_t seen;
	uint8_t origin;
	bgp_as_seg *segs;	/* owned */
	size_t n_segs;
	uint32_t *asns;		/* owned */
	size_t n_asns;
	uint32_t next_hop;	/* host order */
	uint32_t med;
	uint32_t local_pref;
	uint32_t *communities;	/* owned */
	size_t n_communities;
	bgp_mp reach, unreach;
	const uint8_t *ls_attr;	/* borrowed: BGP-LS attribute value */
	uint16_t ls_attr_len;
	const uint8_t *tunnel_encap;	/* borrowed: tunnel encapsulation value */
	uint16_t tunnel_encap_len;
	bgp_raw_attr other[BGP_UPDATE_MAX_OTHER];
	size_t n_other;
	/* RFC 7606 outcome: attributes dropped ("attribute discard") */
	unsigned n_discarded;
} bgp_update;

#define BGP_ATTR_SEEN(u, t) (((u)->seen >> (t)) & 1u)

typedef struct bgp_upd_opts {
	bool as4;	/* four-octet AS numbers negotiated (RFC 6793) */
	bool ibgp;	/* LOCAL_PREF is mandatory */
} bgp_upd_opts;

/* ADD-PATH negotiated for receiving (decode) or sending (encode): every
 * IPv4 (v4) / IPv6 (v6) unicast prefix, in the NLRI and withdrawn fields
 * and in MP_REACH/MP_UNREACH, is preceded by a 4-octet path identifier
 * (RFC 7911 section 3), read into and written from bgp_pfx.path_id. */
typedef struct bgp_addpath {
	bool v4, v6;
} bgp_addpath;

/* Result of bgp_update_decode besides 0 and -1 (RFC 7606 section 2). */
#define BGP_TREAT_AS_WITHDRAW 1

void bgp_update_init(bgp_update *u);
void bgp_update_free(bgp_update *u);

/* Decodes an UPDATE. 0: fine. -1: session reset, *n is the NOTIFICATION to
 * send, u is freed. BGP_TREAT_AS_WITHDRAW: a malformed attribute RFC 7606
 * says must not reset the session; u holds every reachable and unreachable
 * prefix found, which the caller withdraws; *n and *err describe the fault.
 * In both non-zero cases *err has the message. u is bgp_update_free'd by the
 * caller after 0 and BGP_TREAT_AS_WITHDRAW. */
int bgp_update_decode(const uint8_t *msg, size_t len, const bgp_upd_opts *o, bgp_update *u,
		      bgp_notif *n, neto_err *err);
/* The same with ADD-PATH path identifiers where ap says (NULL: none). A
 * prefix list that ends inside a path identifier is malformed like any
 * other (3/10 in the NLRI and withdrawn fields, 3/9 in MP_(UN)REACH). */
int bgp_update_decode_ap(const uint8_t *msg, size_t len, const bgp_upd_opts *o,
			 const bgp_addpath *ap, bgp_update *u, bgp_notif *n, neto_err *err);

/* Encodes u: withdrawn routes, the attributes present (seen) in type order,
 * then NLRI. Fails when the message would exceed 4096 octets. */
int bgp_update_encode(const bgp_update *u, const bgp_upd_opts *o, wire_wr *w, neto_err *err);
int bgp_update_encode_ap(const bgp_update *u, const bgp_upd_opts *o, const bgp_addpath *ap,
			 wire_wr *w, neto_err *err);

/* Adds an AS_PATH segment to u (asns copied). */
void bgp_update_add_seg(bgp_update *u, uint8_t type, const uint32_t *asns, uint8_t n);

/* Reads one prefix in the RFC 4271 section 4.3 NLRI encoding (length in
 * bits, then the significant octets) for afi (IPv4: at most 32 bits). */
int bgp_pfx_read(wire_rd *r, uint16_t afi, bgp_pfx *p);
void bgp_pfx_write(wire_wr *w, const bgp_pfx *p);

/* ---- NOTIFICATION, KEEPALIVE, ROUTE-REFRESH ------------------------------ */

typedef struct bgp_notification {
	uint8_t code, subcode;
	const uint8_t *data;	/* borrowed */
	size_t data_len;
} bgp_notification;

int bgp_notification_decode(const uint8_t *msg, size_t len, bgp_notification *m, neto_err *err);
int bgp_notification_encode(const bgp_notif *n, wire_wr *w, neto_err *err);
void bgp_keepalive_encode(wire_wr *w);

typedef struct bgp_refresh {
	uint16_t afi;
	uint8_t subtype;	/* 0 (RFC 2918); RFC 7313 BoRR/EoRR 1/2 */
	uint8_t safi;
} bgp_refresh;

int bgp_refresh_decode(const uint8_t *msg, size_t len, bgp_refresh *m, bgp_notif *n,
		       neto_err *err);
void bgp_refresh_encode(const bgp_refresh *m, wire_wr *w);

/* Human-readable names, for logs. */
const char *bgp_err_name(uint8_t code, uint8_t subcode);
const char *bgp_type_name(uint8_t type);

/* Sets *n (data copied, truncated to BGP_NOTIF_DATA_MAX). */
void bgp_notif_set(bgp_notif *n, uint8_t code, uint8_t subcode, const void *data, size_t len);

#endif
