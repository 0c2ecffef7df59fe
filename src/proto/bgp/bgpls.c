/*
 * bgpls.c - BGP-LS NLRI and attribute codec (see bgpls.h).
 *
 * Each NLRI and each TLV is cut into a sub-cursor of its declared length
 * before it is parsed; a value shorter or longer than its TLV allows is an
 * error of that TLV alone. Fixed-size arrays cap what a peer can make us
 * store; TLVs beyond a cap are counted as skipped.
 */
#include "proto/bgp/bgpls.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *bgpls_nlri_type_name(uint16_t type)
{
	switch (type) {
	case BGPLS_NLRI_NODE: return "node";
	case BGPLS_NLRI_LINK: return "link";
	case BGPLS_NLRI_PREFIX4: return "ipv4-prefix";
	case BGPLS_NLRI_PREFIX6: return "ipv6-prefix";
	case BGPLS_NLRI_SRV6_SID: return "srv6-sid";
	default: return "unknown";
	}
}

/* A float carries about 7 significant digits: 100 Gbps is 12499999744
 * bytes/s as a float. The shortest decimal that reads back as the same
 * float is the value the sender meant (12500000000), so that is the one
 * used. */
double bgpls_bw_bps(uint32_t bits)
{
	float f;
	memcpy(&f, &bits, sizeof f);
	if (!isfinite(f))
		return 0;
	char buf[32];
	for (int digits = 1; digits <= 9; digits++) {
		snprintf(buf, sizeof buf, "%.*g", digits, (double)f);
		float back = strtof(buf, NULL);
		if (memcmp(&back, &f, sizeof f) == 0)
			return strtod(buf, NULL) * 8.0;
	}
	return (double)f * 8.0;
}

uint32_t bgpls_bw_bits(double bps)
{
	float f = (float)(bps / 8.0);
	uint32_t bits;
	memcpy(&bits, &f, sizeof bits);
	return bits;
}

void bgpls_rid_str(const bgpls_node_desc *d, char *out, size_t cap)
{
	const uint8_t *r = d->rid;
	if (d->rid_len == 4 || d->rid_len == 8) {
		snprintf(out, cap, "%u.%u.%u.%u", r[0], r[1], r[2], r[3]);
	} else if (d->rid_len == 6 || d->rid_len == 7) {
		int k = snprintf(out, cap, "%02x%02x.%02x%02x.%02x%02x", r[0], r[1], r[2], r[3],
				 r[4], r[5]);
		if (d->rid_len == 7 && k > 0 && (size_t)k < cap)
			snprintf(out + k, cap - (size_t)k, ".%02x", r[6]);
	} else {
		size_t k = 0;
		out[0] = '\0';
		for (unsigned i = 0; i < d->rid_len && k + 3 <= cap; i++, k += 2)
			snprintf(out + k, cap - k, "%02x", r[i]);
	}
}

/* ---- NLRI -------------------------------------------------------------- */

/* Node descriptor sub-TLVs (RFC 9552 section 5.2.1.4). */
static int node_desc(wire_rd *v, bgpls_node_desc *d, unsigned *unknown, neto_err *err)
{
	memset(d, 0, sizeof *d);
	d->present = true;
	while (wire_left(v) > 0) {
		uint16_t t = wire_u16(v);
		uint16_t l = wire_u16(v);
		wire_rd s = wire_sub(v, l);
		if (!wire_ok(v))
			return neto_err_set(err, "BGP-LS node descriptor TLV %u overruns", t);
		switch (t) {
		case 512:
		case 513:
		case 514:
			if (l != 4)
				return neto_err_set(err, "BGP-LS node descriptor TLV %u: length %u, "
						    "must be 4", t, l);
			if (t == 512) {
				d->asn = wire_u32(&s);
				d->has |= BGPLS_ND_AS;
			} else if (t == 513) {
				d->ls_id = wire_u32(&s);
				d->has |= BGPLS_ND_LS_ID;
			} else {
				d->area = wire_u32(&s);
				d->has |= BGPLS_ND_AREA;
			}
			break;
		case 515:
			/* IGP router ID: 6/7 IS-IS, 4/8 OSPF (and 16/20 for
			 * OSPFv3 in later drafts, which neto does not store) */
			if (l != 4 && l != 6 && l != 7 && l != 8)
				return neto_err_set(err, "BGP-LS IGP router ID of %u octets", l);
			d->rid_len = (uint8_t)l;
			wire_copy(&s, d->rid, l);
			d->has |= BGPLS_ND_RID;
			break;
		default:
			(*unknown)++;
			break;
		}
	}
	return 0;
}

static void put_tlv_hdr(wire_wr *w, uint16_t t, uint16_t l)
{
	wire_put_u16(w, t);
	wire_put_u16(w, l);
}

static void node_desc_put(wire_wr *w, uint16_t type, const bgpls_node_desc *d)
{
	size_t at = wire_wr_mark(w);
	put_tlv_hdr(w, type, 0);
	if (d->has & BGPLS_ND_AS) {
		put_tlv_hdr(w, 512, 4);
		wire_put_u32(w, d->asn);
	}
	if (d->has & BGPLS_ND_LS_ID) {
		put_tlv_hdr(w, 513, 4);
		wire_put_u32(w, d->ls_id);
	}
	if (d->has & BGPLS_ND_AREA) {
		put_tlv_hdr(w, 514, 4);
		wire_put_u32(w, d->area);
	}
	if (d->has & BGPLS_ND_RID) {
		put_tlv_hdr(w, 515, d->rid_len);
		wire_put_bytes(w, d->rid, d->rid_len);
	}
	wire_wr_patch_u16(w, at + 2, (uint16_t)(w->len - at - 4));
}

/* The descriptor TLVs after Protocol-ID and Identifier. */
static int nlri_body(wire_rd *v, bgpls_nlri *n, neto_err *err)
{
	while (wire_left(v) > 0) {
		uint16_t t = wire_u16(v);
		uint16_t l = wire_u16(v);
		wire_rd s = wire_sub(v, l);
		if (!wire_ok(v))
			return neto_err_set(err, "BGP-LS %s NLRI: TLV %u overruns",
					    bgpls_nlri_type_name(n->type), t);
		bool link = n->type == BGPLS_NLRI_LINK;
		bool pfx = n->type == BGPLS_NLRI_PREFIX4 || n->type == BGPLS_NLRI_PREFIX6;
		bool sid = n->type == BGPLS_NLRI_SRV6_SID;
		size_t want = 0;
		switch (t) {
		case 256:
		case 257:
			if (t == 257 && !link) {
				n->n_unknown++;
				continue;
			}
			if (node_desc(&s, t == 256 ? &n->local : &n->remote, &n->n_unknown, err) != 0)
				return -1;
			continue;
		case 258: want = link ? 8 : 0; break;
		case 259: case 260: want = link ? 4 : 0; break;
		case 261: case 262: want = link ? 16 : 0; break;
		case 263: want = (link || pfx || sid) ? 2 : 0; break;
		case 518:
			/* RFC 9514 section 6.1: exactly one SRv6 SID of 16 octets */
			if (!sid) {
				n->n_unknown++;
				continue;
			}
			if (l != 16)
				return neto_err_set(err, "BGP-LS SRv6 SID NLRI: SID information "
						    "TLV length %u, must be 16", l);
			if (n->link_has & BGPLS_SD_SRV6_SID)
				return neto_err_set(err, "BGP-LS SRv6 SID NLRI: two SID "
						    "information TLVs");
			wire_copy(&s, n->srv6_sid, 16);
			n->link_has |= BGPLS_SD_SRV6_SID;
			continue;
		case 264: want = pfx ? 1 : 0; break;
		case 265:
			if (!pfx) {
				n->n_unknown++;
				continue;
			}
			/* RFC 9552 section 5.3.3.1: prefix length, prefix */
			if (bgp_pfx_read(&s, n->type == BGPLS_NLRI_PREFIX6 ? BGP_AFI_IPV6 : BGP_AFI_IPV4,
					 &n->prefix) != 0 || wire_left(&s) != 0)
				return neto_err_set(err, "BGP-LS prefix NLRI: bad IP reachability TLV");
			n->link_has |= BGPLS_PD_PREFIX;
			continue;
		default:
			break;
		}
		if (want == 0) {
			n->n_unknown++;
			continue;
		}
		if (l != want)
			return neto_err_set(err, "BGP-LS %s NLRI: TLV %u length %u, must be %zu",
					    bgpls_nlri_type_name(n->type), t, l, want);
		switch (t) {
		case 258:
			n->local_id = wire_u32(&s);
			n->remote_id = wire_u32(&s);
			n->link_has |= BGPLS_LD_IDS;
			break;
		case 259: wire_copy(&s, n->v4_local, 4); n->link_has |= BGPLS_LD_V4_LOCAL; break;
		case 260: wire_copy(&s, n->v4_remote, 4); n->link_has |= BGPLS_LD_V4_REMOTE; break;
		case 261: wire_copy(&s, n->v6_local, 16); n->link_has |= BGPLS_LD_V6_LOCAL; break;
		case 262: wire_copy(&s, n->v6_remote, 16); n->link_has |= BGPLS_LD_V6_REMOTE; break;
		case 263:
			n->mt_id = wire_u16(&s) & 0x0fff;
			n->link_has |= BGPLS_LD_MT;
			break;
		case 264:
			n->route_type = wire_u8(&s);
			n->link_has |= BGPLS_PD_ROUTE_TYPE;
			break;
		default:
			break;
		}
	}
	/* RFC 9552 sections 5.2.1-5.2.3: the mandatory descriptors */
	if (!n->local.present)
		return neto_err_set(err, "BGP-LS %s NLRI without local node descriptors",
				    bgpls_nlri_type_name(n->type));
	if (n->type == BGPLS_NLRI_LINK && !n->remote.present)
		return neto_err_set(err, "BGP-LS link NLRI without remote node descriptors");
	if ((n->type == BGPLS_NLRI_PREFIX4 || n->type == BGPLS_NLRI_PREFIX6) &&
	    !(n->link_has & BGPLS_PD_PREFIX))
		return neto_err_set(err, "BGP-LS prefix NLRI without IP reachability");
	/* RFC 9514 section 6: the SRv6 SID information TLV is mandatory */
	if (n->type == BGPLS_NLRI_SRV6_SID && !(n->link_has & BGPLS_SD_SRV6_SID))
		return neto_err_set(err, "BGP-LS SRv6 SID NLRI without SID information");
	return 0;
}

int bgpls_nlri_decode(wire_rd *r, bgpls_nlri *n, const uint8_t **raw, size_t *raw_len,
		      neto_err *err)
{
	memset(n, 0, sizeof *n);
	const uint8_t *start = wire_ptr(r);
	n->type = wire_u16(r);
	uint16_t len = wire_u16(r);
	wire_rd v = wire_sub(r, len);
	if (!wire_ok(r))
		return neto_err_set(err, "BGP-LS NLRI of type %u overruns the NLRI field", n->type);
	*raw = start;
	*raw_len = (size_t)(wire_ptr(r) - start);
	if ((n->type < BGPLS_NLRI_NODE || n->type > BGPLS_NLRI_PREFIX6) &&
	    n->type != BGPLS_NLRI_SRV6_SID) {
		/* RFC 9552 section 5.2: unknown NLRI types are ignored */
		n->n_unknown++;
		neto_err_set(err, "BGP-LS NLRI type %u not known", n->type);
		return 1;
	}
	n->proto = wire_u8(&v);
	n->id = wire_u64(&v);
	if (!wire_ok(&v)) {
		neto_err_set(err, "BGP-LS %s NLRI shorter than its header",
			     bgpls_nlri_type_name(n->type));
		return 1;
	}
	if (nlri_body(&v, n, err) != 0)
		return 1;
	return 0;
}

void bgpls_nlri_encode(const bgpls_nlri *n, wire_wr *w)
{
	size_t at = wire_wr_mark(w);
	put_tlv_hdr(w, n->type, 0);
	wire_put_u8(w, n->proto);
	wire_put_u64(w, n->id);
	node_desc_put(w, 256, &n->local);
	if (n->type == BGPLS_NLRI_LINK) {
		node_desc_put(w, 257, &n->remote);
		if (n->link_has & BGPLS_LD_IDS) {
			put_tlv_hdr(w, 258, 8);
			wire_put_u32(w, n->local_id);
			wire_put_u32(w, n->remote_id);
		}
		if (n->link_has & BGPLS_LD_V4_LOCAL) {
			put_tlv_hdr(w, 259, 4);
			wire_put_bytes(w, n->v4_local, 4);
		}
		if (n->link_has & BGPLS_LD_V4_REMOTE) {
			put_tlv_hdr(w, 260, 4);
			wire_put_bytes(w, n->v4_remote, 4);
		}
		if (n->link_has & BGPLS_LD_V6_LOCAL) {
			put_tlv_hdr(w, 261, 16);
			wire_put_bytes(w, n->v6_local, 16);
		}
		if (n->link_has & BGPLS_LD_V6_REMOTE) {
			put_tlv_hdr(w, 262, 16);
			wire_put_bytes(w, n->v6_remote, 16);
		}
	}
	bool pfx = n->type == BGPLS_NLRI_PREFIX4 || n->type == BGPLS_NLRI_PREFIX6;
	bool sid = n->type == BGPLS_NLRI_SRV6_SID;
	if ((n->type == BGPLS_NLRI_LINK || pfx || sid) && (n->link_has & BGPLS_LD_MT)) {
		put_tlv_hdr(w, 263, 2);
		wire_put_u16(w, n->mt_id);
	}
	if (pfx) {
		if (n->link_has & BGPLS_PD_ROUTE_TYPE) {
			put_tlv_hdr(w, 264, 1);
			wire_put_u8(w, n->route_type);
		}
		put_tlv_hdr(w, 265, (uint16_t)(1 + (n->prefix.len + 7u) / 8u));
		bgp_pfx_write(w, &n->prefix);
	}
	if (sid) {
		put_tlv_hdr(w, 518, 16);
		wire_put_bytes(w, n->srv6_sid, 16);
	}
	wire_wr_patch_u16(w, at + 2, (uint16_t)(w->len - at - 4));
}

/* ---- attribute --------------------------------------------------------- */

/* A SID/label field of 3 (label, low 20 bits) or 4 (index) octets. */
static int read_sid(wire_rd *s, bgpls_sid *sid)
{
	size_t l = wire_left(s);
	if (l != 3 && l != 4)
		return -1;
	sid->len = (uint8_t)l;
	sid->val = l == 3 ? (wire_u24(s) & 0xfffff) : wire_u32(s);
	return 0;
}

static uint16_t sid_len(const bgpls_sid *sid)
{
	return sid->len == 3 ? 3 : 4;
}

static void put_sid(wire_wr *w, const bgpls_sid *sid)
{
	if (sid->len == 3)
		wire_put_u24(w, sid->val & 0xfffff);
	else
		wire_put_u32(w, sid->val);
}

static int attr_tlv(bgpls_attr *a, uint16_t t, wire_rd *s, neto_err *err)
{
	size_t l = wire_left(s);
#define WANT(n) do { if (l != (n)) goto badlen; } while (0)
	switch (t) {
	case 1024:
		WANT(1);
		a->node_flags = wire_u8(s);
		a->has |= 1u << BGPLS_A_NODE_FLAGS;
		break;
	case 1026:
		/* RFC 9552 section 5.3.1.3: 1..255 octets */
		if (l == 0 || l > 255)
			goto badlen;
		a->name_len = (uint8_t)l;
		wire_copy(s, a->name, l);
		a->name[l] = '\0';
		a->has |= 1u << BGPLS_A_NODE_NAME;
		break;
	case 1028: WANT(4); wire_copy(s, a->rid4_local, 4); a->has |= 1u << BGPLS_A_RID4_LOCAL; break;
	case 1029: WANT(16); wire_copy(s, a->rid6_local, 16); a->has |= 1u << BGPLS_A_RID6_LOCAL; break;
	case 1030: WANT(4); wire_copy(s, a->rid4_remote, 4); a->has |= 1u << BGPLS_A_RID4_REMOTE; break;
	case 1031: WANT(16); wire_copy(s, a->rid6_remote, 16); a->has |= 1u << BGPLS_A_RID6_REMOTE; break;
	case 1034:
		/* RFC 9085 section 2.1.2: flags, reserved, then ranges of
		 * (size 3 octets, SID/Label sub-TLV 1161) */
		a->sr_flags = wire_u8(s);
		wire_u8(s);
		a->n_ranges = 0;
		if (!wire_ok(s) || wire_left(s) == 0)
			goto badlen;
		while (wire_left(s) > 0) {
			uint32_t size = wire_u24(s);
			uint16_t st = wire_u16(s);
			uint16_t sl = wire_u16(s);
			wire_rd sv = wire_sub(s, sl);
			bgpls_sid first;
			if (!wire_ok(s) || st != 1161 || read_sid(&sv, &first) != 0)
				return neto_err_set(err, "BGP-LS SR capabilities: bad range");
			if (a->n_ranges == BGPLS_MAX_RANGES) {
				a->n_unknown++;
				continue;
			}
			a->range_size[a->n_ranges] = size;
			a->range_first[a->n_ranges++] = first;
		}
		a->has |= 1u << BGPLS_A_SR_CAP;
		break;
	case 1035:
		if (l == 0 || l > BGPLS_MAX_ALGOS)
			goto badlen;
		a->n_algos = (uint8_t)l;
		wire_copy(s, a->algos, l);
		a->has |= 1u << BGPLS_A_SR_ALGO;
		break;
	case 266:
		/* RFC 8814 section 3: (type, value) pairs */
		if (l == 0 || l % 2 != 0 || l / 2 > BGPLS_MAX_MSD)
			goto badlen;
		a->n_msd = (uint8_t)(l / 2);
		for (unsigned i = 0; i < a->n_msd; i++) {
			a->msd_type[i] = wire_u8(s);
			a->msd_value[i] = wire_u8(s);
		}
		a->has |= 1u << BGPLS_A_NODE_MSD;
		break;
	case 1088: WANT(4); a->admin_group = wire_u32(s); a->has |= 1u << BGPLS_A_ADMIN_GROUP; break;
	case 1089: WANT(4); a->max_bw = wire_u32(s); a->has |= 1u << BGPLS_A_MAX_BW; break;
	case 1090: WANT(4); a->max_rsv_bw = wire_u32(s); a->has |= 1u << BGPLS_A_MAX_RSV_BW; break;
	case 1091:
		WANT(32);
		for (int i = 0; i < 8; i++)
			a->unrsv_bw[i] = wire_u32(s);
		a->has |= 1u << BGPLS_A_UNRSV_BW;
		break;
	case 1092:
		/* RFC 9552 section 5.3.2.3 allows 0..4 octets; neto keeps 4 */
		WANT(4);
		a->te_metric = wire_u32(s);
		a->has |= 1u << BGPLS_A_TE_METRIC;
		break;
	case 1095:
		/* RFC 9552 section 5.3.2.4: 1 (IS-IS small), 2 (OSPF), 3 (IS-IS wide) */
		if (l < 1 || l > 3)
			goto badlen;
		a->igp_metric_len = (uint8_t)l;
		a->igp_metric = (uint32_t)wire_uint(s, l);
		if (l == 1)
			a->igp_metric &= 0x3f;
		a->has |= 1u << BGPLS_A_IGP_METRIC;
		break;
	case 1096:
		if (l == 0 || l % 4 != 0 || l / 4 > BGPLS_MAX_SRLG)
			goto badlen;
		a->n_srlg = (uint8_t)(l / 4);
		for (unsigned i = 0; i < a->n_srlg; i++)
			a->srlg[i] = wire_u32(s);
		a->has |= 1u << BGPLS_A_SRLG;
		break;
	case 1099: {
		/* RFC 9085 section 2.2.1: flags, weight, reserved(2), SID */
		bgpls_adj_sid x;
		x.flags = wire_u8(s);
		x.weight = wire_u8(s);
		wire_u16(s);
		if (!wire_ok(s) || read_sid(s, &x.sid) != 0)
			goto badlen;
		if (a->n_adj_sid == BGPLS_MAX_ADJ_SID)
			a->n_unknown++;
		else
			a->adj_sid[a->n_adj_sid++] = x;
		break;
	}
	case 1106: {
		/* RFC 9514 section 4.1: behavior, flags, algorithm, weight,
		 * reserved, SID (16), sub-TLVs (skipped, counted) */
		bgpls_endx x;
		x.behavior = wire_u16(s);
		x.flags = wire_u8(s);
		x.algo = wire_u8(s);
		x.weight = wire_u8(s);
		wire_u8(s);
		wire_copy(s, x.sid, 16);
		if (!wire_ok(s))
			goto badlen;
		while (wire_left(s) > 0) {
			wire_u16(s);
			wire_sub(s, wire_u16(s));
			if (!wire_ok(s))
				goto badlen;
			a->n_unknown++;
		}
		if (a->n_endx == BGPLS_MAX_ENDX)
			a->n_unknown++;
		else
			a->endx[a->n_endx++] = x;
		break;
	}
	case 1114:
		/* RFC 8571 section 2.1: A bit, reserved, delay (24 bits, us) */
		WANT(4);
		{
			uint32_t v = wire_u32(s);
			a->delay_anomalous = (v >> 31) != 0;
			a->delay_us = v & 0xffffff;
		}
		a->has |= 1u << BGPLS_A_DELAY;
		break;
	case 1155: WANT(4); a->prefix_metric = wire_u32(s); a->has |= 1u << BGPLS_A_PREFIX_METRIC; break;
	case 1158:
		/* RFC 9085 section 2.3.1: flags, algorithm, reserved(2), SID */
		a->psid_flags = wire_u8(s);
		a->psid_algo = wire_u8(s);
		wire_u16(s);
		if (!wire_ok(s) || read_sid(s, &a->psid) != 0)
			goto badlen;
		a->has |= 1u << BGPLS_A_PREFIX_SID;
		break;
	case 1162:
		/* RFC 9514 section 5.1: flags, algorithm, reserved(2), metric,
		 * sub-TLVs (skipped, counted) */
		a->loc_flags = wire_u8(s);
		a->loc_algo = wire_u8(s);
		wire_u16(s);
		a->loc_metric = wire_u32(s);
		if (!wire_ok(s))
			goto badlen;
		while (wire_left(s) > 0) {
			wire_u16(s);
			wire_sub(s, wire_u16(s));
			if (!wire_ok(s))
				goto badlen;
			a->n_unknown++;
		}
		a->has |= 1u << BGPLS_A_SRV6_LOCATOR;
		break;
	case 1250:
		/* RFC 9514 section 7.1: endpoint behavior (2), flags, algorithm */
		WANT(4);
		a->srv6_behavior = wire_u16(s);
		a->srv6_flags = wire_u8(s);
		a->srv6_algo = wire_u8(s);
		a->has |= 1u << BGPLS_A_SRV6_ENDPOINT;
		break;
	case 1252:
		/* RFC 9514 section 8: LB, LN, function and argument lengths in
		 * bits; a sum beyond 128 makes the TLV malformed */
		WANT(4);
		a->srv6_lb_len = wire_u8(s);
		a->srv6_ln_len = wire_u8(s);
		a->srv6_fun_len = wire_u8(s);
		a->srv6_arg_len = wire_u8(s);
		if ((unsigned)a->srv6_lb_len + a->srv6_ln_len + a->srv6_fun_len + a->srv6_arg_len >
		    128)
			return neto_err_set(err, "BGP-LS SRv6 SID structure: %u+%u+%u+%u bits, "
					    "more than 128", a->srv6_lb_len, a->srv6_ln_len,
					    a->srv6_fun_len, a->srv6_arg_len);
		a->has |= 1u << BGPLS_A_SRV6_SID_STRUCT;
		break;
	default:
		a->n_unknown++;
		break;
	}
	return 0;
#undef WANT
badlen:
	return neto_err_set(err, "BGP-LS attribute TLV %u: bad length %zu", t, l);
}

int bgpls_attr_decode(const uint8_t *buf, size_t len, bgpls_attr *a, neto_err *err)
{
	memset(a, 0, sizeof *a);
	wire_rd r = wire_rd_init(buf, len);
	while (wire_left(&r) > 0) {
		uint16_t t = wire_u16(&r);
		uint16_t l = wire_u16(&r);
		wire_rd s = wire_sub(&r, l);
		if (!wire_ok(&r))
			return neto_err_set(err, "BGP-LS attribute: TLV %u overruns", t);
		if (attr_tlv(a, t, &s, err) != 0)
			return -1;
	}
	return 0;
}

/* Ascending TLV order: 266 first, then 1024 onwards. */
void bgpls_attr_encode(const bgpls_attr *a, wire_wr *w)
{
#define HAS(k) BGPLS_ATTR_HAS(a, k)
	if (HAS(BGPLS_A_NODE_MSD)) {
		put_tlv_hdr(w, 266, (uint16_t)(2u * a->n_msd));
		for (unsigned i = 0; i < a->n_msd; i++) {
			wire_put_u8(w, a->msd_type[i]);
			wire_put_u8(w, a->msd_value[i]);
		}
	}
	if (HAS(BGPLS_A_NODE_FLAGS)) {
		put_tlv_hdr(w, 1024, 1);
		wire_put_u8(w, a->node_flags);
	}
	if (HAS(BGPLS_A_NODE_NAME)) {
		put_tlv_hdr(w, 1026, a->name_len);
		wire_put_bytes(w, a->name, a->name_len);
	}
	if (HAS(BGPLS_A_RID4_LOCAL)) {
		put_tlv_hdr(w, 1028, 4);
		wire_put_bytes(w, a->rid4_local, 4);
	}
	if (HAS(BGPLS_A_RID6_LOCAL)) {
		put_tlv_hdr(w, 1029, 16);
		wire_put_bytes(w, a->rid6_local, 16);
	}
	if (HAS(BGPLS_A_RID4_REMOTE)) {
		put_tlv_hdr(w, 1030, 4);
		wire_put_bytes(w, a->rid4_remote, 4);
	}
	if (HAS(BGPLS_A_RID6_REMOTE)) {
		put_tlv_hdr(w, 1031, 16);
		wire_put_bytes(w, a->rid6_remote, 16);
	}
	if (HAS(BGPLS_A_SR_CAP)) {
		size_t at = wire_wr_mark(w);
		put_tlv_hdr(w, 1034, 0);
		wire_put_u8(w, a->sr_flags);
		wire_put_u8(w, 0);
		for (unsigned i = 0; i < a->n_ranges; i++) {
			wire_put_u24(w, a->range_size[i]);
			put_tlv_hdr(w, 1161, sid_len(&a->range_first[i]));
			put_sid(w, &a->range_first[i]);
		}
		wire_wr_patch_u16(w, at + 2, (uint16_t)(w->len - at - 4));
	}
	if (HAS(BGPLS_A_SR_ALGO)) {
		put_tlv_hdr(w, 1035, a->n_algos);
		wire_put_bytes(w, a->algos, a->n_algos);
	}
	if (HAS(BGPLS_A_ADMIN_GROUP)) {
		put_tlv_hdr(w, 1088, 4);
		wire_put_u32(w, a->admin_group);
	}
	if (HAS(BGPLS_A_MAX_BW)) {
		put_tlv_hdr(w, 1089, 4);
		wire_put_u32(w, a->max_bw);
	}
	if (HAS(BGPLS_A_MAX_RSV_BW)) {
		put_tlv_hdr(w, 1090, 4);
		wire_put_u32(w, a->max_rsv_bw);
	}
	if (HAS(BGPLS_A_UNRSV_BW)) {
		put_tlv_hdr(w, 1091, 32);
		for (int i = 0; i < 8; i++)
			wire_put_u32(w, a->unrsv_bw[i]);
	}
	if (HAS(BGPLS_A_TE_METRIC)) {
		put_tlv_hdr(w, 1092, 4);
		wire_put_u32(w, a->te_metric);
	}
	if (HAS(BGPLS_A_IGP_METRIC)) {
		uint8_t l = a->igp_metric_len >= 1 && a->igp_metric_len <= 3 ? a->igp_metric_len : 3;
		put_tlv_hdr(w, 1095, l);
		wire_put_uint(w, a->igp_metric, l);
	}
	if (HAS(BGPLS_A_SRLG)) {
		put_tlv_hdr(w, 1096, (uint16_t)(4u * a->n_srlg));
		for (unsigned i = 0; i < a->n_srlg; i++)
			wire_put_u32(w, a->srlg[i]);
	}
	for (unsigned i = 0; i < a->n_adj_sid; i++) {
		const bgpls_adj_sid *x = &a->adj_sid[i];
		put_tlv_hdr(w, 1099, (uint16_t)(4 + sid_len(&x->sid)));
		wire_put_u8(w, x->flags);
		wire_put_u8(w, x->weight);
		wire_put_u16(w, 0);
		put_sid(w, &x->sid);
	}
	for (unsigned i = 0; i < a->n_endx; i++) {
		const bgpls_endx *x = &a->endx[i];
		put_tlv_hdr(w, 1106, 22);
		wire_put_u16(w, x->behavior);
		wire_put_u8(w, x->flags);
		wire_put_u8(w, x->algo);
		wire_put_u8(w, x->weight);
		wire_put_u8(w, 0);
		wire_put_bytes(w, x->sid, 16);
	}
	if (HAS(BGPLS_A_DELAY)) {
		put_tlv_hdr(w, 1114, 4);
		wire_put_u32(w, (a->delay_anomalous ? 1u << 31 : 0) | (a->delay_us & 0xffffff));
	}
	if (HAS(BGPLS_A_PREFIX_METRIC)) {
		put_tlv_hdr(w, 1155, 4);
		wire_put_u32(w, a->prefix_metric);
	}
	if (HAS(BGPLS_A_PREFIX_SID)) {
		put_tlv_hdr(w, 1158, (uint16_t)(4 + sid_len(&a->psid)));
		wire_put_u8(w, a->psid_flags);
		wire_put_u8(w, a->psid_algo);
		wire_put_u16(w, 0);
		put_sid(w, &a->psid);
	}
	if (HAS(BGPLS_A_SRV6_LOCATOR)) {
		put_tlv_hdr(w, 1162, 8);
		wire_put_u8(w, a->loc_flags);
		wire_put_u8(w, a->loc_algo);
		wire_put_u16(w, 0);
		wire_put_u32(w, a->loc_metric);
	}
	if (HAS(BGPLS_A_SRV6_ENDPOINT)) {
		put_tlv_hdr(w, 1250, 4);
		wire_put_u16(w, a->srv6_behavior);
		wire_put_u8(w, a->srv6_flags);
		wire_put_u8(w, a->srv6_algo);
	}
	if (HAS(BGPLS_A_SRV6_SID_STRUCT)) {
		put_tlv_hdr(w, 1252, 4);
		wire_put_u8(w, a->srv6_lb_len);
		wire_put_u8(w, a->srv6_ln_len);
		wire_put_u8(w, a->srv6_fun_len);
		wire_put_u8(w, a->srv6_arg_len);
	}
#undef HAS
}

/* ---- whole UPDATEs ------------------------------------------------------ */

int bgpls_update_encode(const bgpls_nlri *n, const bgpls_attr *a, const uint8_t *nh,
			uint8_t nh_len, bool ebgp, uint32_t local_as, wire_wr *w, neto_err *err)
{
	wire_wr nl, at;
	wire_wr_init(&nl);
	wire_wr_init(&at);
	bgpls_nlri_encode(n, &nl);
	bgp_update u;
	bgp_update_init(&u);
	u.seen = 1u << BGP_ATTR_ORIGIN;
	u.origin = 0;
	if (ebgp) {
		bgp_update_add_seg(&u, BGP_AS_SEQUENCE, &local_as, 1);
	} else {
		u.seen |= 1u << BGP_ATTR_AS_PATH | 1u << BGP_ATTR_LOCAL_PREF;
		u.local_pref = 100;
	}
	u.reach.present = true;
	u.reach.afi = BGP_AFI_LS;
	u.reach.safi = BGP_SAFI_LS;
	if (nh_len > sizeof u.reach.nh)
		nh_len = sizeof u.reach.nh;
	u.reach.nh_len = nh_len;
	memcpy(u.reach.nh, nh, nh_len);
	u.reach.raw = nl.buf;
	u.reach.raw_len = nl.len;
	if (a != NULL) {
		bgpls_attr_encode(a, &at);
		if (at.len > 0) {
			u.seen |= 1u << BGP_ATTR_LS;
			u.ls_attr = at.buf;
			u.ls_attr_len = (uint16_t)at.len;
		}
	}
	bgp_upd_opts o = { true, !ebgp };
	int rc = bgp_update_encode(&u, &o, w, err);
	bgp_update_free(&u);
	wire_wr_free(&nl);
	wire_wr_free(&at);
	return rc;
}

int bgpls_withdraw_encode(const bgpls_nlri *n, wire_wr *w, neto_err *err)
{
	wire_wr nl;
	wire_wr_init(&nl);
	bgpls_nlri_encode(n, &nl);
	bgp_update u;
	bgp_update_init(&u);
	u.unreach.present = true;
	u.unreach.afi = BGP_AFI_LS;
	u.unreach.safi = BGP_SAFI_LS;
	u.unreach.raw = nl.buf;
	u.unreach.raw_len = nl.len;
	bgp_upd_opts o = { true, false };
	int rc = bgp_update_encode(&u, &o, w, err);
	wire_wr_free(&nl);
	return rc;
}
