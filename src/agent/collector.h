/*
 * collector.h - the flow collector: IPFIX / NetFlow v9 / v5 export packets
 * in, flow record batches (flowmsg.h, "neto-flows") out, one per exporter,
 * window and sampling rate, for the leaf flow agent that reads topic
 * "flow.<exporter>" (docs/agents.md, docs/ipfix.md).
 *
 * Each decoded flow is attributed:
 * - ingress: the router whose exporter address sent the packet (the
 *   configuration's exporter_addrs, NAME@ADDRESS), or the router that
 *   ingress_ifaces names for the flow's input interface on that exporter;
 * - egress: the router whose site prefix holds the destination address,
 *   longest match (a prefix file, "PREFIX ROUTER" lines, and the SRv6
 *   locators of the topology's nodes when there is one);
 * - class: from the DSCP (ipClassOfService >> 2) through the dscp_classes
 *   map, the default class for the others;
 * - sampling: what the exporter said (options records, the v5 header),
 *   else the configuration's. The leaf scales by it; the collector passes
 *   it in the batch (one batch per rate).
 * and summed per (window, exporter, egress, class, sampling). A flow goes
 * to the window of its end time when that window is still open here, else
 * to the window it arrived in (counted as late). A window is flushed at its
 * end plus flush_delay (default a tenth of the window, below the leaf's
 * grace of a fifth): a batch per (exporter, sampling) with its records, or
 * an empty batch for an exporter that sent packets in the window but no
 * attributable flow (it is alive and saw nothing); an exporter that sent
 * nothing gets no batch and the leaf lists it as missing.
 *
 * The core here does no I/O: packets and the clock come in as arguments,
 * batches go out through a callback, so tests drive it with the encoder's
 * messages. collector_main.c owns the socket, the store and the process.
 *
 * Ownership: collector_new copies what it keeps from the configuration;
 * collector_free releases everything.
 */
#ifndef NETO_AGENT_COLLECTOR_H
#define NETO_AGENT_COLLECTOR_H

#include <stddef.h>
#include <stdint.h>

#include "cfg/cfg.h"
#include "lib/err.h"
#include "proto/ipfix/ipfix.h"

typedef struct collector collector;

typedef struct collector_stats {
	uint64_t packets, bytes;	/* datagrams and octets received */
	uint64_t bad_packets;		/* refused by the decoder (wholly or partly) */
	uint64_t unknown_exporter;	/* packets from an address not configured */
	uint64_t flows;			/* decoded flows */
	uint64_t attributed;		/* flows aggregated */
	uint64_t unattributed;		/* destination in no site prefix */
	uint64_t no_address;		/* flows without a destination address */
	uint64_t late;			/* flows whose end window was already flushed */
	uint64_t batches, records_sent;
	uint64_t send_failures;
	uint64_t kernel_drops;		/* SO_RXQ_OVFL: datagrams the socket dropped */
	uint64_t pe_flows;		/* unattributed flows summed for pe-traffic */
	uint64_t pe_writes;		/* pe-traffic documents written */
} collector_stats;

/* Called for each batch: topic "flow.<exporter>", key the exporter, at the
 * window's end. Returns 0, or -1 (the batch is counted as a failure). */
typedef int (*collector_send_fn)(void *ctx, const char *topic, const char *key, int64_t at,
				 const char *body, size_t len, neto_err *err);

/* From a flow agent's configuration (listen set); window_ms and the rest
 * from it. Errors name the key. */
int collector_new(collector **out, const neto_cfg_agent *ag, neto_err *err);
void collector_free(collector *c);

/* Site prefixes, one "PREFIX ROUTER" a line ('#' comments, blank lines);
 * what names the file and line in errors. A later line for the same prefix
 * replaces the earlier one. */
int collector_load_prefixes(collector *c, const char *buf, size_t len, const char *what,
			    neto_err *err);
/* One prefix (family 4 or 6; addr 16 octets) of router. */
int collector_add_prefix(collector *c, int family, const uint8_t *addr, unsigned plen,
			 const char *router, neto_err *err);
size_t collector_prefixes(const collector *c);

/* One export packet from `from` at now_ms. Returns 0, or -1 with *err for
 * a packet that was refused in part or whole (counted; not fatal). */
int collector_packet(collector *c, const ipfix_addr *from, const uint8_t *buf, size_t len,
		     int64_t now_ms, neto_err *err);

/* Sends the batches of every window due at now_ms (force: every open
 * window, e.g. at exit). Returns the number of batches sent, or -1 with
 * *err when a send failed (the other batches were still sent). */
int collector_flush(collector *c, int64_t now_ms, bool force, collector_send_fn fn, void *ctx,
		    neto_err *err);

/* Calls fn(ctx, exporter, flow) for every decoded flow, before attribution
 * (NULL: none). For logs and tests. */
typedef void (*collector_flow_hook)(void *ctx, const char *exporter, const ipfix_flow *f);
void collector_set_flow_hook(collector *c, collector_flow_hook fn, void *ctx);

/* pe_traffic (docs/ipfix.md): flows whose destination is in no site
 * prefix are summed per destination /24 or /48, class and ingress
 * (collector_pe.h), and each flushed window's document is written through
 * fn(ctx, COLLECTOR_PE_NS, agent name, body, len): a kv put. Without a
 * sink the documents are dropped. Returns 0, or -1 (counted as a send
 * failure). */
#define COLLECTOR_PE_NS "pe-traffic"
typedef int (*collector_kv_fn)(void *ctx, const char *ns, const char *key, const char *body,
			       size_t len, neto_err *err);
void collector_set_pe_sink(collector *c, collector_kv_fn fn, void *ctx);

const collector_stats *collector_stats_get(const collector *c);
collector_stats *collector_stats_mut(collector *c);
const ipfix_stats *collector_ipfix_stats(const collector *c);
/* The time the next flush is due (ms), or INT64_MAX when nothing is open. */
int64_t collector_next_flush(const collector *c);

/* Counters in the Prometheus text format (as GET /metrics, docs/api.md):
 * new string, caller frees. */
char *collector_metrics(const collector *c);

/* `neto agent flow NAME [--config FILE] [--store URI] [--for DURATION]`:
 * the flow agent NAME, with its collector when it has `listen`. */
int collector_cmd(int argc, char **argv);

#endif
