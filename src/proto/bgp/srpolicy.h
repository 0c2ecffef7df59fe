/*
 * srpolicy.h - SR Policy in BGP (RFC 9830, SAFI 73): the NLRI
 * (distinguisher, color, endpoint) and the Tunnel Encapsulation attribute
 * (RFC 9012, attribute 23) with one SR Policy tunnel (type 15): preference,
 * binding SID, and segment lists with weights made of MPLS (type A) or SRv6
 * (type B) segments.
 *
 * Encoders and decoders; the decoders accept what the encoders write plus
 * the sub-TLVs neto does not use (skipped and counted), and refuse lengths
 * that do not add up. Plain values, no allocation. Pure.
 */
#ifndef NETO_PROTO_BGP_SRPOLICY_H
#define NETO_PROTO_BGP_SRPOLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "lib/wire.h"

#define BGP_SR_MAX_SEGS 16
#define BGP_SR_MAX_LISTS 8
#define BGP_TUNNEL_SR_POLICY 15	/* RFC 9012 / RFC 9830 tunnel type */

typedef struct bgp_sr_segment {
	char type;		/* 'A': MPLS label, 'B': SRv6 SID */
	uint32_t label;		/* type A: 20 bits */
	uint8_t sid[16];	/* type B */
} bgp_sr_segment;

typedef struct bgp_sr_seglist {
	bool has_weight;
	uint32_t weight;
	size_t n;
	bgp_sr_segment seg[BGP_SR_MAX_SEGS];
} bgp_sr_seglist;

typedef struct bgp_sr_policy {
	uint16_t afi;		/* 1: IPv4 endpoint, 2: IPv6 */
	uint32_t distinguisher;
	uint32_t color;
	uint8_t endpoint[16];
	bool has_preference;
	uint32_t preference;
	uint8_t bsid_len;	/* 0 (none), 4 (MPLS label), 16 (SRv6) */
	uint8_t bsid[16];
	size_t n_lists;
	bgp_sr_seglist lists[BGP_SR_MAX_LISTS];
	unsigned n_unknown;	/* sub-TLVs skipped by the decoder */
} bgp_sr_policy;

/* NLRI (RFC 9830 section 2.1): length in bits, distinguisher, color,
 * endpoint. */
void bgp_srpolicy_nlri_encode(const bgp_sr_policy *p, wire_wr *w);
int bgp_srpolicy_nlri_decode(wire_rd *r, bgp_sr_policy *p, neto_err *err);

/* Tunnel Encapsulation attribute value with one SR Policy tunnel TLV. */
void bgp_srpolicy_encap_encode(const bgp_sr_policy *p, wire_wr *w);
int bgp_srpolicy_encap_decode(const uint8_t *buf, size_t len, bgp_sr_policy *p, neto_err *err);

/* Whole UPDATEs: the policy announced (ORIGIN IGP, AS_PATH, the NO_ADVERTISE
 * community of RFC 9830 section 4.2.1 so that it goes no further than the
 * head-end, MP_REACH_NLRI with next hop nh, the tunnel encapsulation), or
 * withdrawn. */
int bgp_srpolicy_update_encode(const bgp_sr_policy *p, const uint8_t *nh, uint8_t nh_len,
			       bool ebgp, uint32_t local_as, wire_wr *w, neto_err *err);
int bgp_srpolicy_withdraw_encode(const bgp_sr_policy *p, wire_wr *w, neto_err *err);

#endif
