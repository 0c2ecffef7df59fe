/*
 * collector_pe.h - traffic to destinations outside the WAN, per
 * destination prefix, for the peering decision (kv namespace "pe-traffic",
 * docs/ipfix.md, docs/peering.md).
 *
 * A flow whose destination is in no site prefix leaves the WAN towards an
 * ISP. The collector hands such flows here; they are summed per (window,
 * destination /24 for IPv4 or /48 for IPv6, class, ingress) with their
 * octets already multiplied by the sampling rate. At a window's flush the
 * window's entries become one JSON document:
 *
 *   {"at": <window end, ms>, "window_ms": W,
 *    "rows": [{"prefix": "198.51.100.0/24", "class": 0, "rate": 1.2e6,
 *              "ingress": "site1"}, ...],
 *    "rest": {"prefixes": K, "rate": R, "unranked_flows": F}}
 *
 * rate in bit/s over the window. Only the top_n prefixes by total rate
 * (over their classes and ingresses) are listed, every row of each; the
 * other K prefixes are summed into rest. Memory is bounded too: the table
 * holds at most cap entries; a flow that would need a new entry once it is
 * full goes to rest.rate directly (counted in unranked_flows), so a flood
 * of distinct destinations cannot grow the process.
 *
 * No I/O: the caller writes the document. Ownership: collector_pe_new's
 * result is freed by collector_pe_free; collector_pe_window returns a new
 * string the caller frees.
 */
#ifndef NETO_AGENT_COLLECTOR_PE_H
#define NETO_AGENT_COLLECTOR_PE_H

#include <stddef.h>
#include <stdint.h>

#include "proto/ipfix/ipfix.h"

typedef struct collector_pe collector_pe;

/* top_n >= 1 prefixes listed per window; cap >= 1 entries held at most. */
collector_pe *collector_pe_new(size_t top_n, size_t cap);
void collector_pe_free(collector_pe *p);

/* Adds octets (already scaled by the sampling rate) of a flow to dst
 * (family 4 or 6) of class rank cls (0: highest precedence) that entered
 * the WAN at ingress (an index into the names given to collector_pe_window)
 * to window w. */
void collector_pe_add(collector_pe *p, int64_t w, const ipfix_addr *dst, uint32_t cls,
		      uint32_t ingress, uint64_t octets);

/* The document of window w (of window_ms), ingress names by index; then
 * forgets every entry of windows up to w. A new string, caller frees. */
char *collector_pe_window(collector_pe *p, int64_t w, int64_t window_ms,
			  const char *const *ingresses);

/* Entries held (all windows). */
size_t collector_pe_entries(const collector_pe *p);

#endif
