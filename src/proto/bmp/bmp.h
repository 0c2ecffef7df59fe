/*
 * bmp.h - BGP Monitoring Protocol codec (RFC 7854), the collector's side.
 *
 * A border router streams BMP over TCP to neto: who its BGP peers are (Peer
 * Up/Down), every UPDATE each peer sent before policy (Route Monitoring of
 * the pre-policy Adj-RIB-In), and counters (Statistics Report). The peering
 * decision needs exactly the pre-policy routes: every ISP's offer for every
 * prefix, not just the one the router picked.
 *
 * bmp_frame finds message boundaries in a TCP byte stream; bmp_decode
 * decodes one whole message. The embedded BGP PDUs go through the BGP codec
 * (proto/bgp): OPENs of Peer Up, the NOTIFICATION of Peer Down, the UPDATE
 * of Route Monitoring, whose AS_PATH has 2-octet ASNs when the per-peer
 * header's A flag is set (RFC 7854 section 4.2) and 4-octet ones otherwise.
 *
 * BMP has no error message (RFC 7854 section 3.3: the monitoring station
 * only listens); a malformed message yields -1 and a message in the
 * neto_err, and the collector closes the session. An UPDATE that RFC 7606
 * treats as withdraw is not a BMP error: bmp_decode returns 0 with
 * update_rc = BGP_TREAT_AS_WITHDRAW, and the route table withdraws its
 * prefixes.
 *
 * Ownership: a decoded bmp_msg owns the arrays of its bgp_update (released by
 * bmp_msg_free) and BORROWS the information TLV values, the raw BGP PDU and
 * the update's raw slices from the input buffer, which must outlive it.
 * bmp_encode appends one whole message to a wire_wr the caller owns.
 *
 * Pure: no I/O, no globals, no logging.
 */
#ifndef NETO_PROTO_BMP_BMP_H
#define NETO_PROTO_BMP_BMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "lib/wire.h"
#include "proto/bgp/bgp.h"

#define BMP_VERSION 3
#define BMP_COMMON_LEN 6	/* version, length, type */
#define BMP_PEER_HDR_LEN 42
/* A cap on one message: the largest BGP PDU (RFC 8654 extended messages,
 * 65535) with the per-peer header, or a Peer Up with two OPENs and TLVs.
 * A length above it is a broken or hostile stream (STYLE: never allocate
 * or wait for a peer's count without a cap). */
#define BMP_MAX_LEN (1u << 17)

/* Message types (RFC 7854 section 4.1). */
enum bmp_type {
	BMP_ROUTE_MONITORING = 0,
	BMP_STATS_REPORT = 1,
	BMP_PEER_DOWN = 2,
	BMP_PEER_UP = 3,
	BMP_INITIATION = 4,
	BMP_TERMINATION = 5,
	BMP_ROUTE_MIRRORING = 6,
};

/* Peer types (RFC 7854 section 4.2, RFC 9069 for Loc-RIB). */
enum {
	BMP_PEER_GLOBAL = 0,
	BMP_PEER_RD = 1,
	BMP_PEER_LOCAL = 2,
	BMP_PEER_LOC_RIB = 3,
};

/* Per-peer header flags (RFC 7854 section 4.2; O from RFC 8671). */
#define BMP_FLAG_V 0x80	/* peer address is IPv6 */
#define BMP_FLAG_L 0x40	/* post-policy Adj-RIB-In */
#define BMP_FLAG_A 0x20	/* legacy 2-octet AS_PATH */
#define BMP_FLAG_O 0x10	/* Adj-RIB-Out */

typedef struct bmp_peer_hdr {
	uint8_t type;
	uint8_t flags;
	uint64_t distinguisher;
	uint8_t addr[16];	/* IPv4 in the last 4 octets, as on the wire */
	uint32_t as;
	uint32_t bgp_id;	/* host order */
	uint32_t ts_sec, ts_usec;
} bmp_peer_hdr;

/* Information TLV types of Initiation (section 4.4) and Peer Up (4.10). */
enum {
	BMP_INFO_STRING = 0,
	BMP_INFO_SYSDESCR = 1,
	BMP_INFO_SYSNAME = 2,
};
/* Termination TLV types (section 4.5) and reasons. */
enum {
	BMP_TERM_STRING = 0,
	BMP_TERM_REASON = 1,
};
enum {
	BMP_TERM_ADMIN_CLOSE = 0,
	BMP_TERM_UNSPECIFIED = 1,
	BMP_TERM_OUT_OF_RESOURCES = 2,
	BMP_TERM_REDUNDANT = 3,
	BMP_TERM_PERM_ADMIN_CLOSE = 4,
};
/* Peer Down reasons (section 4.9). */
enum {
	BMP_DOWN_LOCAL_NOTIF = 1,	/* data: the NOTIFICATION the router sent */
	BMP_DOWN_LOCAL_FSM = 2,		/* data: 2-octet FSM event code */
	BMP_DOWN_REMOTE_NOTIF = 3,	/* data: the NOTIFICATION the peer sent */
	BMP_DOWN_REMOTE_NODATA = 4,
	BMP_DOWN_DECONFIGURED = 5,
};

typedef struct bmp_tlv {
	uint16_t type;
	uint16_t len;
	const uint8_t *val;	/* borrowed */
} bmp_tlv;

#define BMP_MAX_TLVS 16

/* One Statistics Report entry (section 4.8). Types 0..6 and 11..13 are
 * 32-bit counters, 7 and 8 64-bit gauges, 9 and 10 a gauge per AFI/SAFI.
 * An unknown type is kept with its length and value (raw). */
typedef struct bmp_stat {
	uint16_t type;
	uint16_t len;
	uint64_t value;
	uint16_t afi;	/* types 9, 10 */
	uint8_t safi;
	const uint8_t *raw;	/* borrowed: unknown types */
} bmp_stat;

#define BMP_MAX_STATS 64

typedef struct bmp_msg {
	uint8_t type;
	bmp_peer_hdr peer;	/* all types but Initiation and Termination */
	/* Initiation, Termination, Peer Up (optional), Route Mirroring */
	bmp_tlv tlvs[BMP_MAX_TLVS];
	size_t n_tlvs;
	/* Peer Up (section 4.10) */
	uint8_t local_addr[16];
	uint16_t local_port, remote_port;
	bgp_open sent_open, recv_open;
	/* Peer Down (section 4.9) */
	uint8_t down_reason;
	uint16_t fsm_event;
	bool has_notif;
	bgp_notif notif;
	/* Route Monitoring (section 4.6): the UPDATE as decoded */
	bgp_update update;
	int update_rc;		/* 0 or BGP_TREAT_AS_WITHDRAW */
	bgp_notif update_fault;	/* when update_rc != 0 */
	/* Statistics Report (section 4.8) */
	bmp_stat stats[BMP_MAX_STATS];
	size_t n_stats;
} bmp_msg;

void bmp_msg_init(bmp_msg *m, uint8_t type);
void bmp_msg_free(bmp_msg *m);

/* Looks at the start of a byte stream: 0 and *msg_len (the whole message,
 * common header included) when a complete message is buffered, 1 when more
 * octets are needed, -1 on a bad version or length (the collector closes). */
int bmp_frame(const uint8_t *buf, size_t len, size_t *msg_len, neto_err *err);

/* Decodes one whole message (as framed by bmp_frame). 0, or -1 with *err and
 * m freed. After 0 the caller bmp_msg_free's m. */
int bmp_decode(const uint8_t *buf, size_t len, bmp_msg *m, neto_err *err);

/* Appends m as one message: the common header, the per-peer header where the
 * type has one, and the type's body (the embedded BGP PDUs encoded by
 * proto/bgp, the UPDATE with 2-octet ASNs when the A flag is set). */
int bmp_encode(const bmp_msg *m, wire_wr *w, neto_err *err);

/* Adds an information TLV (value borrowed until encoded). */
void bmp_msg_add_tlv(bmp_msg *m, uint16_t type, const void *val, uint16_t len);

/* The options the Route Monitoring UPDATE is decoded with. */
bgp_upd_opts bmp_upd_opts(const bmp_peer_hdr *p);

const char *bmp_type_name(uint8_t type);

#endif
