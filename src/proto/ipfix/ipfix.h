/*
 * ipfix.h - decoders and encoders of the flow export protocols neto reads:
 * IPFIX (RFC 7011), NetFlow version 9 (RFC 3954) and NetFlow version 5
 * (Cisco's fixed format).
 *
 * What neto needs from a flow record is small: addresses, protocol, ports,
 * the class of service, byte and packet counts, interfaces, times and the
 * sampling rate. The decoders turn every data record, whatever its template,
 * into one flat ipfix_flow and hand it to a callback; everything else a
 * template may carry is skipped by its length.
 *
 * Templates make the template-based formats stateful: an ipfix_cache keeps
 * them, keyed by (exporter address, observation domain or source ID,
 * template ID), each with an expiry (RFC 7011 section 8.4: over UDP a
 * template lives until it is refreshed or times out). Data sets that arrive
 * before their template are copied into a bounded buffer and replayed when
 * the template comes; those that wait too long, or do not fit, are counted
 * as dropped. A data set is never decoded with a template it was not written
 * with: a template whose definition changes (same ID, other fields) replaces
 * the old one for the data that follows it.
 *
 * Sampling: options records (IPFIX samplingInterval 34,
 * samplingPacketInterval/Space 305/306, samplingSize/Population 309/310,
 * samplingProbability 311, samplerRandomInterval 50, with selectorId 302 or samplerId 48 as their
 * key) set the rate of an observation domain; a data record that carries
 * the rate itself, or names a sampler, takes that one. NetFlow v5 has it in
 * the header. ipfix_flow.sampling is 0 when the exporter said nothing; the
 * collector then uses its configuration.
 *
 * Pure: no I/O, no clock (the caller passes `now`), no globals. Errors use
 * neto_err ("ipfix: set 2: template 256: field count 0 in an options
 * template") and, since the protocols have no error message of their own
 * over UDP (RFC 7011 section 10.3.4: the collector discards), an
 * ipfix_status code per message.
 *
 * Ownership: an ipfix_cache owns its templates and buffered sets; free it
 * with ipfix_cache_free. Flows passed to the callback live for the call.
 * Encoders return a buffer the caller frees with free().
 */
#ifndef NETO_PROTO_IPFIX_H
#define NETO_PROTO_IPFIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "lib/wire.h"

/* ---- wire constants ------------------------------------------------------ */

#define IPFIX_VERSION 10
#define NFV9_VERSION 9
#define NFV5_VERSION 5

#define IPFIX_HDR_LEN 16	/* RFC 7011 section 3.1 */
#define NFV9_HDR_LEN 20		/* RFC 3954 section 5.1 */
#define NFV5_HDR_LEN 24
#define NFV5_REC_LEN 48
#define NFV5_MAX_RECS 30	/* what fits one Ethernet frame; exporters send <= 30 */
#define IPFIX_SET_HDR_LEN 4

#define IPFIX_SET_TEMPLATE 2	/* RFC 7011 section 3.3.2 */
#define IPFIX_SET_OPTIONS 3
#define NFV9_SET_TEMPLATE 0	/* RFC 3954 section 5.2 */
#define NFV9_SET_OPTIONS 1
#define IPFIX_MIN_DATA_SET 256	/* both: data set IDs are 256 .. 65535 */
#define IPFIX_VARLEN 65535	/* RFC 7011 section 7: variable-length field */
#define IPFIX_ENTERPRISE_BIT 0x8000u

/* Information elements neto reads (IANA "IPFIX Information Elements"; the
 * NetFlow v9 field types 1..79 share these numbers, RFC 3954 section 8). */
enum {
	IPFIX_IE_OCTET_DELTA = 1,
	IPFIX_IE_PACKET_DELTA = 2,
	IPFIX_IE_PROTOCOL = 4,
	IPFIX_IE_TOS = 5,		/* ipClassOfService */
	IPFIX_IE_SRC_PORT = 7,
	IPFIX_IE_SRC_V4 = 8,
	IPFIX_IE_INGRESS_IF = 10,
	IPFIX_IE_DST_PORT = 11,
	IPFIX_IE_DST_V4 = 12,
	IPFIX_IE_EGRESS_IF = 14,
	IPFIX_IE_END_UPTIME = 21,	/* flowEndSysUpTime, ms */
	IPFIX_IE_START_UPTIME = 22,
	IPFIX_IE_SRC_V6 = 27,
	IPFIX_IE_DST_V6 = 28,
	IPFIX_IE_SAMPLING_INTERVAL = 34,
	IPFIX_IE_SAMPLING_ALGORITHM = 35,
	IPFIX_IE_SAMPLER_ID = 48,		/* v9 FLOW_SAMPLER_ID */
	IPFIX_IE_SAMPLER_MODE = 49,
	IPFIX_IE_SAMPLER_RANDOM_INTERVAL = 50,
	IPFIX_IE_START_SECONDS = 150,
	IPFIX_IE_END_SECONDS = 151,
	IPFIX_IE_START_MS = 152,
	IPFIX_IE_END_MS = 153,
	IPFIX_IE_SYSTEM_INIT_MS = 160,	/* systemInitTimeMilliseconds */
	IPFIX_IE_SELECTOR_ID = 302,
	IPFIX_IE_SELECTOR_ALGORITHM = 304,
	IPFIX_IE_SAMPLING_PACKET_INTERVAL = 305,
	IPFIX_IE_SAMPLING_PACKET_SPACE = 306,
	IPFIX_IE_SAMPLING_SIZE = 309,
	IPFIX_IE_SAMPLING_POPULATION = 310,
	IPFIX_IE_SAMPLING_PROBABILITY = 311,	/* float64 (or float32) */
};

/* ---- the flat record ----------------------------------------------------- */

typedef struct ipfix_addr {
	uint8_t family;		/* 4, 6, or 0 when absent */
	uint8_t a[16];		/* IPv4 in a[0..3] */
} ipfix_addr;

typedef struct ipfix_flow {
	ipfix_addr src, dst;
	uint8_t proto;
	uint8_t tos;		/* ipClassOfService: DSCP << 2 | ECN */
	uint16_t sport, dport;
	uint64_t bytes, packets;	/* as exported (sampled) */
	uint32_t in_if, out_if;
	int64_t start_ms, end_ms;	/* ms since the epoch; 0: not exported */
	uint32_t sampling;	/* 1 in N; 0: unknown */
	uint32_t sampler_id;	/* selectorId / samplerId the record names, 0: none */
	uint32_t domain;	/* observation domain (IPFIX), source ID (v9),
				 * engine type << 8 | engine ID (v5) */
	uint8_t version;	/* 5, 9 or 10 */
} ipfix_flow;

/* ---- decoder state ------------------------------------------------------- */

typedef struct ipfix_cache_cfg {
	int64_t template_timeout_ms;	/* default 30 min (RFC 7011 s8.4 allows any) */
	size_t max_templates;		/* default 65536 */
	size_t max_pending_bytes;	/* buffered data sets; default 1 MiB */
	int64_t pending_timeout_ms;	/* default 60 s */
} ipfix_cache_cfg;

typedef struct ipfix_stats {
	uint64_t messages, bad_messages;
	uint64_t templates, options_templates, withdrawals;
	uint64_t templates_refused;	/* cache full or malformed */
	uint64_t templates_expired;
	uint64_t records;		/* data records decoded (flows + options) */
	uint64_t flows;			/* handed to the callback */
	uint64_t options_records;
	uint64_t sets_pending;		/* data sets buffered before their template */
	uint64_t sets_replayed;
	uint64_t sets_dropped;		/* never got a template */
	uint64_t bytes_dropped;
	uint64_t sets_unknown;		/* reserved set IDs, skipped */
} ipfix_stats;

typedef struct ipfix_cache ipfix_cache;

/* defaults into *c */
void ipfix_cache_cfg_defaults(ipfix_cache_cfg *c);
/* cfg NULL: the defaults. Caller frees with ipfix_cache_free. */
ipfix_cache *ipfix_cache_new(const ipfix_cache_cfg *cfg);
void ipfix_cache_free(ipfix_cache *c);
const ipfix_stats *ipfix_cache_stats(const ipfix_cache *c);
size_t ipfix_cache_templates(const ipfix_cache *c);
/* Drops expired templates and buffered sets older than their timeout
 * (counted as dropped). The decoders expire lazily too; call this now and
 * then so that silent exporters do not hold memory. */
void ipfix_cache_expire(ipfix_cache *c, int64_t now_ms);

typedef void (*ipfix_flow_fn)(void *ctx, const ipfix_flow *f);

/*
 * Decodes one export packet from `exporter` (its source address; the key of
 * its templates) received at now_ms: the version is read from the first two
 * octets (5, 9 or 10). Every data record becomes a call of fn(ctx, flow)
 * (replayed sets included). Returns 0, or -1 with *err when the message is
 * malformed: a message whose framing (header, set lengths) is wrong is
 * discarded whole before anything in it is used (RFC 7011 s10.3.4); a bad
 * template or record stops its set, the rest of the message is used.
 */
int ipfix_decode(ipfix_cache *c, const ipfix_addr *exporter, const uint8_t *buf, size_t len,
		 int64_t now_ms, ipfix_flow_fn fn, void *ctx, neto_err *err);

/* ---- encoders ------------------------------------------------------------ */

/* A template field: IE number (without the enterprise bit), length
 * (IPFIX_VARLEN for variable), enterprise number (0: IETF). */
typedef struct ipfix_field {
	uint16_t ie;
	uint16_t len;
	uint32_t pen;
} ipfix_field;

/* An export message under construction (IPFIX or v9). */
typedef struct ipfix_msg {
	wire_wr w;
	int version;
	size_t set_at;		/* open set's header offset, or SIZE_MAX */
	uint16_t set_id;
	uint32_t records;	/* v9 header count */
	int64_t boot_ms;	/* exporter's boot time: uptime fields are relative */
} ipfix_msg;

/* export_ms: the header's export time; boot_ms: system init time (uptime
 * fields and the v9 sysUpTime are relative to it). */
void ipfix_msg_begin(ipfix_msg *m, int version, int64_t export_ms, int64_t boot_ms,
		     uint32_t seq, uint32_t domain);
/* A template record (scope_n 0) or options template record (scope_n > 0,
 * the first scope_n fields are its scope) in its own set. */
void ipfix_msg_template(ipfix_msg *m, uint16_t tid, const ipfix_field *f, size_t n,
			size_t scope_n);
/* Template withdrawal (IPFIX only; RFC 7011 s8.1): field count 0. */
void ipfix_msg_withdraw(ipfix_msg *m, uint16_t tid, bool options);
/* Data records of template tid (fields f, the first scope_n its scope)
 * with the values of flows[]: each known IE from the flow (addresses,
 * counts, times, sampling...); unknown IEs, enterprise IEs and v9 scope
 * fields as zeros; variable-length fields as empty. */
void ipfix_msg_data(ipfix_msg *m, uint16_t tid, const ipfix_field *f, size_t n, size_t scope_n,
		    const ipfix_flow *flows, size_t nflows);
/* Pads the open set to a multiple of 4 octets (padding, RFC 7011 s3.3.1). */
void ipfix_msg_pad(ipfix_msg *m, size_t to);
/* Finishes the message; caller frees the returned buffer. */
uint8_t *ipfix_msg_end(ipfix_msg *m, size_t *len);

/* NetFlow v5: a whole packet of n (1..30) IPv4 flows. sampling is the
 * header's 14-bit interval (0: none), mode its 2-bit mode. */
uint8_t *ipfix_encode_v5(const ipfix_flow *flows, size_t n, int64_t export_ms, int64_t boot_ms,
			 uint32_t seq, uint16_t engine, uint16_t sampling, uint8_t mode,
			 size_t *len);

/* Addresses */
void ipfix_addr_v4(ipfix_addr *a, uint32_t host_order);
/* "192.0.2.1" or "2001:db8::1" into *a; -1 when not an address. */
int ipfix_addr_parse(ipfix_addr *a, const char *s);
/* into out (>= 46 bytes) */
const char *ipfix_addr_str(const ipfix_addr *a, char *out, size_t n);

#endif
