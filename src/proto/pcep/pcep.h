/*
 * pcep.h - PCEP (RFC 5440) messages of a stateful, active PCE: the codec.
 *
 * Scope: what a PCE needs to drive SR policies on stateful PCCs (RFC 8231
 * stateful PCE, RFC 8281 PCE-initiated LSPs, RFC 8408 path setup types,
 * RFC 8664 SR-MPLS, RFC 9603 SRv6, RFC 8697/9862 SR Policy association,
 * RFC 7470 vendor information): Open, Keepalive, PCErr, Close, PCRpt, PCUpd
 * and PCInitiate. Path computation requests (PCReq/PCRep) and notifications
 * are framed and recognised but refused as unsupported (a stateful PCE here
 * computes paths itself).
 *
 * Model: a message decodes into a pcep_msg, a flat structure by message
 * type. PCRpt, PCUpd and PCInitiate carry a list of pcep_path, one per
 * <state-report>, <update-request> or <PCE-initiated-lsp-request> of the
 * RFC grammars (SRP, LSP, END-POINTS, ERO, attributes, RRO). The encoder
 * writes the same structure back; decode(encode(m)) == m for every message
 * the decoder accepts (round-trip tests and the fuzz target check it).
 *
 * Errors: every decoder failure returns -1 with a message in *err AND fills
 * a pcep_perr with the Error-Type/Error-value that the RFCs prescribe for the
 * PCErr answer; perr->close is non-zero when the byte stream can no longer be
 * trusted (a bad common header) and the session must be closed with that
 * Close reason (RFC 5440 s7.17) instead.
 *
 * Caps: a peer's counts never size an allocation on their own; objects and
 * subobjects grow with what is actually present in a message of at most
 * 65535 octets (the 16-bit message length), and lists are capped
 * (PCEP_MAX_PATHS, PCEP_MAX_SUBOBJ).
 *
 * Pure: no I/O, no globals. Ownership: a decoded pcep_msg owns its arrays
 * and strings; free with pcep_msg_free. Encoded buffers belong to the caller
 * (free()).
 */
#ifndef NETO_PROTO_PCEP_H
#define NETO_PROTO_PCEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "lib/wire.h"

#define PCEP_PORT 4189
#define PCEP_VERSION 1
#define PCEP_HDR_LEN 4
#define PCEP_OBJ_HDR_LEN 4
#define PCEP_MAX_MSG 65535
#define PCEP_MAX_PATHS 4096	/* LSP units in one PCRpt/PCUpd/PCInitiate */
#define PCEP_MAX_SUBOBJ 256	/* subobjects in one ERO/RRO */
#define PCEP_MAX_ERRORS 64	/* ERROR objects in one PCErr */
#define PCEP_MAX_METRICS 16
#define PCEP_MAX_PLSP_ID 0xfffffu	/* 20 bits, RFC 8231 s7.3 */

/* Message types (RFC 5440 s6.1, RFC 8231 s6, RFC 8281 s5) */
enum pcep_msg_type {
	PCEP_MSG_OPEN = 1,
	PCEP_MSG_KEEPALIVE = 2,
	PCEP_MSG_PCREQ = 3,
	PCEP_MSG_PCREP = 4,
	PCEP_MSG_PCNTF = 5,
	PCEP_MSG_PCERR = 6,
	PCEP_MSG_CLOSE = 7,
	PCEP_MSG_PCRPT = 10,
	PCEP_MSG_PCUPD = 11,
	PCEP_MSG_PCINITIATE = 12,
};

/* Object classes (IANA "PCEP Objects") */
enum pcep_obj_class {
	PCEP_OBJ_OPEN = 1,
	PCEP_OBJ_RP = 2,
	PCEP_OBJ_NOPATH = 3,
	PCEP_OBJ_ENDPOINTS = 4,
	PCEP_OBJ_BANDWIDTH = 5,
	PCEP_OBJ_METRIC = 6,
	PCEP_OBJ_ERO = 7,
	PCEP_OBJ_RRO = 8,
	PCEP_OBJ_LSPA = 9,
	PCEP_OBJ_IRO = 10,
	PCEP_OBJ_SVEC = 11,
	PCEP_OBJ_NOTF = 12,
	PCEP_OBJ_ERROR = 13,
	PCEP_OBJ_LOAD_BALANCING = 14,
	PCEP_OBJ_CLOSE = 15,
	PCEP_OBJ_OF = 21,
	PCEP_OBJ_LSP = 32,
	PCEP_OBJ_SRP = 33,
	PCEP_OBJ_VENDOR_INFO = 34,
	PCEP_OBJ_ASSOCIATION = 40,
};

/* TLV types (IANA "PCEP TLV Type Indicators") */
enum pcep_tlv_type {
	PCEP_TLV_STATEFUL_PCE_CAP = 16,
	PCEP_TLV_SYMBOLIC_PATH_NAME = 17,
	PCEP_TLV_IPV4_LSP_ID = 18,
	PCEP_TLV_IPV6_LSP_ID = 19,
	PCEP_TLV_LSP_ERROR_CODE = 20,
	PCEP_TLV_SR_PCE_CAP = 26,
	PCEP_TLV_SRV6_PCE_CAP = 27,
	PCEP_TLV_PATH_SETUP_TYPE = 28,
	PCEP_TLV_EXT_ASSOC_ID = 31,
	PCEP_TLV_PST_CAP = 34,
	PCEP_TLV_SRPOLICY_POL_NAME = 56,
	PCEP_TLV_SRPOLICY_CPATH_PREF = 59,
};

/* STATEFUL-PCE-CAPABILITY flags (RFC 8231 s7.1.1, RFC 8281 s4.1) */
#define PCEP_STATEFUL_U 0x1u	/* LSP-UPDATE-CAPABILITY */
#define PCEP_STATEFUL_I 0x4u	/* LSP-INSTANTIATION-CAPABILITY */

/* LSP object flags (RFC 8231 s7.3, RFC 8281 s5.3.1): in the low 12 bits */
#define PCEP_LSP_D 0x001u	/* delegate */
#define PCEP_LSP_S 0x002u	/* sync */
#define PCEP_LSP_R 0x004u	/* remove */
#define PCEP_LSP_A 0x008u	/* administrative */
#define PCEP_LSP_O_MASK 0x070u	/* operational status, 3 bits */
#define PCEP_LSP_O_SHIFT 4
#define PCEP_LSP_C 0x080u	/* created by a PCE */

enum pcep_lsp_oper { PCEP_OPER_DOWN = 0, PCEP_OPER_UP, PCEP_OPER_ACTIVE,
		     PCEP_OPER_GOING_DOWN, PCEP_OPER_GOING_UP };

/* SRP flags (RFC 8281 s5.2) */
#define PCEP_SRP_R 0x1u		/* LSP-REMOVE */

/* Path setup types (RFC 8408, RFC 8664 s4.1, RFC 9603 s4.1) */
#define PCEP_PST_RSVP 0
#define PCEP_PST_SR 1
#define PCEP_PST_SRV6 3

/* ERO/RRO subobject types */
#define PCEP_RO_IPV4 1
#define PCEP_RO_IPV6 2
#define PCEP_RO_SR 36		/* RFC 8664 s4.3.1 */
#define PCEP_RO_SRV6 40		/* RFC 9603 s4.3.1 */

/* SR-ERO flags (RFC 8664 s4.3.1) */
#define PCEP_SR_F 0x008u	/* NAI absent */
#define PCEP_SR_S 0x004u	/* SID absent */
#define PCEP_SR_C 0x002u	/* SID has TC, S and TTL */
#define PCEP_SR_M 0x001u	/* SID is an MPLS label */
/* SRv6-ERO flags (RFC 9603 s4.3.1) */
#define PCEP_SRV6_V 0x008u	/* verify the SID */
#define PCEP_SRV6_T 0x004u	/* SID structure present */
#define PCEP_SRV6_F 0x002u	/* NAI absent */
#define PCEP_SRV6_S 0x001u	/* SID absent */

/* NAI types (RFC 8664 s4.3.1) */
enum pcep_nai_type {
	PCEP_NAI_ABSENT = 0,
	PCEP_NAI_IPV4_NODE = 1,
	PCEP_NAI_IPV6_NODE = 2,
	PCEP_NAI_IPV4_ADJ = 3,
	PCEP_NAI_IPV6_ADJ = 4,
	PCEP_NAI_UNNUMBERED = 5,
	PCEP_NAI_IPV6_LL_ADJ = 6,
};

/* Association types (RFC 8697; SR Policy: RFC 9862 s5) */
#define PCEP_ASSOC_SR_POLICY 6
#define PCEP_ASSOC_R 0x1u	/* remove the association */

/* Vendor information as FRR pathd reads it: enterprise 9 followed by the
 * word 0x00010004 (a type-1 length-4 element) and the colour. */
#define PCEP_ENTERPRISE_CISCO 9u
#define PCEP_VENDOR_COLOR 0x00010004u

/* Close reasons (RFC 5440 s7.17) */
enum pcep_close_reason {
	PCEP_CLOSE_NONE = 1,
	PCEP_CLOSE_DEADTIMER = 2,
	PCEP_CLOSE_MALFORMED = 3,
	PCEP_CLOSE_TOO_MANY_UNKNOWN_REQ = 4,
	PCEP_CLOSE_TOO_MANY_UNKNOWN_MSG = 5,
};

/* Error-Types (RFC 5440 s9.12, RFC 8231 s8.5, RFC 8281 s7.3, RFC 8408,
 * RFC 8664 s6.2, RFC 9603) and the values used here. */
enum pcep_err_type {
	PCEP_ERR_SESSION = 1,		/* session establishment failure */
	PCEP_ERR_CAPABILITY = 2,	/* capability not supported */
	PCEP_ERR_UNKNOWN_OBJECT = 3,	/* 1 class, 2 type */
	PCEP_ERR_NOT_SUPPORTED_OBJECT = 4,	/* 1 class, 2 type */
	PCEP_ERR_POLICY = 5,
	PCEP_ERR_MISSING_OBJECT = 6,
	PCEP_ERR_SECOND_SESSION = 9,
	PCEP_ERR_INVALID_OBJECT = 10,
	PCEP_ERR_INVALID_OPERATION = 19,
	PCEP_ERR_SYNC = 20,
	PCEP_ERR_INVALID_PST = 21,
	PCEP_ERR_BAD_PARAMETER = 23,
	PCEP_ERR_INSTANTIATION = 24,
};
/* type 1 */
#define PCEP_EV_SESSION_BAD_OPEN 1	/* invalid Open or a non-Open */
#define PCEP_EV_SESSION_NO_OPEN 2	/* no Open within OpenWait */
#define PCEP_EV_SESSION_UNACCEPTABLE 3	/* non-negotiable characteristics */
#define PCEP_EV_SESSION_NEGOTIABLE 4	/* negotiable: a new OPEN follows */
#define PCEP_EV_SESSION_SECOND_OPEN 5	/* second Open still unacceptable */
#define PCEP_EV_SESSION_NO_KEEPALIVE 7	/* no Keepalive within KeepWait */
/* type 6 */
#define PCEP_EV_MISSING_ENDPOINTS 3
#define PCEP_EV_MISSING_LSP 8
#define PCEP_EV_MISSING_ERO 9
#define PCEP_EV_MISSING_SRP 10
#define PCEP_EV_MISSING_LSP_ID_TLV 11
/* type 10 */
#define PCEP_EV_P_FLAG 1
#define PCEP_EV_BAD_LABEL 2
#define PCEP_EV_TOO_MANY_SR_ERO 3
#define PCEP_EV_BAD_LABEL_FORMAT 4
#define PCEP_EV_ERO_MIXES 5
#define PCEP_EV_SR_ERO_NO_SID_NAI 6
#define PCEP_EV_SR_RRO_NO_SID_NAI 7
#define PCEP_EV_NO_SYMBOLIC_NAME 8
#define PCEP_EV_RRO_MIXES 10
#define PCEP_EV_MALFORMED_OBJECT 11
#define PCEP_EV_MISSING_SR_CAP 12
#define PCEP_EV_BAD_NAI_TYPE 13
#define PCEP_EV_MISSING_SRV6_CAP 34
#define PCEP_EV_SRV6_ERO_NO_SID_NAI 35
#define PCEP_EV_SRV6_RRO_NO_SID_NAI 36
#define PCEP_EV_BAD_SRV6_STRUCTURE 37
/* type 19 */
#define PCEP_EV_NOT_DELEGATED 1
#define PCEP_EV_NO_STATEFUL_CAP 2
#define PCEP_EV_UNKNOWN_PLSP_ID 3
#define PCEP_EV_REPORT_NO_STATEFUL 5
#define PCEP_EV_INIT_LIMIT 6
#define PCEP_EV_NONZERO_PLSP_ID 8
#define PCEP_EV_NOT_PCE_INITIATED 9
/* type 20 */
#define PCEP_EV_SYNC_CANNOT_PROCESS 1
/* type 21 */
#define PCEP_EV_UNSUPPORTED_PST 1
#define PCEP_EV_MISMATCHED_PST 2
/* type 23 */
#define PCEP_EV_NAME_IN_USE 1
/* type 24 */
#define PCEP_EV_UNACCEPTABLE_PARAMS 1
#define PCEP_EV_INTERNAL 2
#define PCEP_EV_SIGNALING 3

/* What to answer a message the decoder refused. */
typedef struct pcep_perr {
	uint8_t type, value;	/* PCErr Error-Type / Error-value */
	uint8_t close;		/* non-zero: close the session with this reason */
} pcep_perr;

typedef struct pcep_addr {
	uint8_t af;		/* 4 or 6; 0 = none */
	uint8_t a[16];		/* network order; IPv4 in a[0..3] */
} pcep_addr;

/* ---- TLVs ------------------------------------------------------------- */

typedef struct pcep_lsp_ids {	/* IPV4/IPV6-LSP-IDENTIFIERS, RFC 8231 s7.3.1 */
	pcep_addr sender, endpoint;
	uint16_t lsp_id, tunnel_id;
	uint8_t ext_tunnel_id[16];	/* 4 octets for IPv4 */
} pcep_lsp_ids;

typedef struct pcep_srv6_msd {
	uint8_t type, value;
} pcep_srv6_msd;

/* The TLVs an object may carry; has_* says which were present. */
typedef struct pcep_tlvs {
	bool has_stateful;
	uint32_t stateful_flags;	/* PCEP_STATEFUL_* */
	bool has_sr_cap;		/* SR-PCE-CAPABILITY */
	bool sr_cap_sub;		/* inside PATH-SETUP-TYPE-CAPABILITY (RFC 8664
					 * s4.1.2); else at the top level, as the
					 * drafts before it had it (FRR pathd sends both) */
	uint8_t sr_cap_flags, sr_msd;
	bool has_pst_cap;
	uint8_t n_pst, pst[8];		/* PATH-SETUP-TYPE-CAPABILITY list */
	bool has_srv6_cap;
	uint16_t srv6_cap_flags;
	uint8_t n_srv6_msd;
	pcep_srv6_msd srv6_msd[8];
	bool has_pst;
	uint8_t pst_value;		/* PATH-SETUP-TYPE */
	char *name;			/* SYMBOLIC-PATH-NAME (owned), NULL: none */
	bool has_lsp_ids;
	pcep_lsp_ids lsp_ids;
	bool has_lsp_error;
	uint32_t lsp_error;		/* LSP-ERROR-CODE */
	bool has_ext_assoc;		/* EXTENDED-ASSOCIATION-ID: SR Policy */
	uint32_t color;
	pcep_addr policy_endpoint;
	char *policy_name;		/* SRPOLICY-POL-NAME (owned) */
	bool has_preference;
	uint32_t preference;		/* SRPOLICY-CPATH-PREFERENCE */
	uint16_t n_unknown;		/* TLVs skipped (unknown types) */
} pcep_tlvs;

/* ---- objects ---------------------------------------------------------- */

typedef struct pcep_open {	/* RFC 5440 s7.3 */
	uint8_t keepalive, deadtimer, sid;
	pcep_tlvs tlvs;
} pcep_open;

typedef struct pcep_lsp {	/* RFC 8231 s7.3 */
	uint32_t plsp_id;
	uint16_t flags;		/* PCEP_LSP_* with the O field */
	pcep_tlvs tlvs;
} pcep_lsp;

typedef struct pcep_srp {	/* RFC 8231 s7.2, RFC 8281 s5.2 */
	uint32_t flags;		/* PCEP_SRP_R */
	uint32_t srp_id;
	pcep_tlvs tlvs;
} pcep_srp;

typedef struct pcep_nai {	/* RFC 8664 s4.3.2 */
	uint8_t type;		/* enum pcep_nai_type */
	pcep_addr local, remote;	/* node: local only */
	uint32_t local_node, local_if, remote_node, remote_if;	/* unnumbered */
} pcep_nai;

typedef struct pcep_sid_struct {	/* RFC 9603 s4.3.1.1 */
	uint8_t lb, ln, fun, arg, flags;
} pcep_sid_struct;

typedef struct pcep_subobj {
	uint8_t type;		/* PCEP_RO_* */
	bool loose;
	/* IPv4/IPv6 prefix subobjects (RFC 3209 s4.3.3) */
	pcep_addr prefix;
	uint8_t prefix_len;
	/* SR and SRv6 */
	uint16_t flags;		/* PCEP_SR_* or PCEP_SRV6_* */
	uint32_t sid;		/* SR-MPLS: label << 12 | TC | S | TTL, or an index */
	uint8_t sid6[16];	/* SRv6 SID */
	uint16_t behavior;	/* SRv6 endpoint behavior */
	pcep_sid_struct st;	/* when PCEP_SRV6_T */
	pcep_nai nai;
} pcep_subobj;

typedef struct pcep_ro {	/* ERO (RFC 5440 s7.9) or RRO (s7.10) */
	pcep_subobj *sub;	/* owned */
	size_t n;
} pcep_ro;

typedef struct pcep_metric {	/* RFC 5440 s7.8 */
	uint8_t flags, type;
	float value;
} pcep_metric;

typedef struct pcep_assoc {	/* RFC 8697 s6.1 */
	uint16_t flags;		/* PCEP_ASSOC_R */
	uint16_t type, id;
	pcep_addr source;
	pcep_tlvs tlvs;		/* SR Policy: color, endpoint, name, preference */
} pcep_assoc;

typedef struct pcep_vendor {	/* RFC 7470 s4 */
	uint32_t enterprise;
	uint8_t data[32];	/* enterprise-specific information */
	uint8_t len;		/* a multiple of 4 */
} pcep_vendor;

typedef struct pcep_error {	/* RFC 5440 s7.15 */
	uint8_t type, value;
} pcep_error;

/* One LSP unit of PCRpt, PCUpd or PCInitiate. */
typedef struct pcep_path {
	bool has_srp;
	pcep_srp srp;
	bool has_lsp;
	pcep_lsp lsp;
	bool has_endpoints;
	pcep_addr src, dst;	/* END-POINTS (RFC 5440 s7.6) */
	bool has_ero;
	pcep_ro ero;
	bool has_rro;
	pcep_ro rro;
	bool has_bandwidth;
	float bandwidth;	/* octets per second (RFC 5440 s7.7) */
	pcep_metric metric[PCEP_MAX_METRICS];
	uint8_t n_metric;
	bool has_assoc;
	pcep_assoc assoc;
	bool has_vendor;
	pcep_vendor vendor;
} pcep_path;

typedef struct pcep_msg {
	uint8_t type;		/* enum pcep_msg_type */
	/* Open (and a PCErr that proposes new session parameters) */
	bool has_open;
	pcep_open open;
	/* PCErr: the errors and the SRP-IDs of the requests they answer */
	pcep_error *err;	/* owned */
	size_t n_err;
	uint32_t *err_srp;	/* owned; SRP-IDs before the ERROR objects */
	size_t n_err_srp;
	/* Close */
	uint8_t close_reason;
	/* PCRpt, PCUpd, PCInitiate */
	pcep_path *path;	/* owned */
	size_t n_path;
} pcep_msg;

/* ---- functions -------------------------------------------------------- */

/*
 * Framing (RFC 5440 s6.1): looks at the start of a byte stream. Returns 0
 * with *msg_len = 0 when fewer than a header's or a message's octets are
 * there, 0 with *msg_len the whole message's length when it is complete,
 * or -1 on a header that cannot be right (version, length), with *perr set
 * (perr->close = PCEP_CLOSE_MALFORMED).
 */
int pcep_frame(const uint8_t *buf, size_t len, size_t *msg_len, pcep_perr *perr,
	       neto_err *err);

/*
 * Decodes one whole message (buf, len as framed). On success *m is filled
 * (free with pcep_msg_free). On failure returns -1, *err says why, *perr
 * holds the PCErr to answer and *m holds nothing to free.
 */
int pcep_decode(const uint8_t *buf, size_t len, pcep_msg *m, pcep_perr *perr, neto_err *err);

void pcep_msg_free(pcep_msg *m);
void pcep_tlvs_free(pcep_tlvs *t);
void pcep_path_free(pcep_path *p);
/* Deep copy (dst owns its own arrays). */
void pcep_path_copy(pcep_path *dst, const pcep_path *src);
void pcep_ro_copy(pcep_ro *dst, const pcep_ro *src);

/*
 * Encodes *m, appending to w. Returns -1 (with *err) if the message cannot
 * be expressed (e.g. a name over 65535 octets or more than 65535 octets in
 * all); w is then unchanged.
 */
int pcep_encode(const pcep_msg *m, wire_wr *w, neto_err *err);

/* Convenience: the simple messages, appended to w. */
void pcep_encode_keepalive(wire_wr *w);
void pcep_encode_close(wire_wr *w, uint8_t reason);
/* A PCErr with one ERROR object, preceded by an SRP with srp_id when
 * srp_id != 0 (RFC 8231 s6.3: errors about a request carry its SRP). */
void pcep_encode_error(wire_wr *w, uint8_t type, uint8_t value, uint32_t srp_id);

/* Adds a subobject to an ERO/RRO (grows the array). */
pcep_subobj *pcep_ro_add(pcep_ro *ro);

/* Text of an Error-Type/value pair for logs ("Invalid Operation / ..."). */
const char *pcep_err_str(uint8_t type, uint8_t value);
const char *pcep_msg_name(uint8_t type);

/* "10.0.0.1" or "2001:db8::1" into out (at least 46 bytes). */
const char *pcep_addr_str(const pcep_addr *a, char *out, size_t n);
/* Parses an IPv4 or IPv6 literal. Returns 0 or -1. */
int pcep_addr_parse(const char *s, pcep_addr *a);
bool pcep_addr_eq(const pcep_addr *a, const pcep_addr *b);

#endif
