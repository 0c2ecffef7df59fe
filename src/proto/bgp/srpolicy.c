/*
 * srpolicy.c - SR Policy NLRI and tunnel encapsulation (see srpolicy.h).
 *
 * RFC 9012 section 2: a sub-TLV of type 0..127 has a one-octet length, of
 * type 128..255 a two-octet length. Every TLV and sub-TLV is cut into its
 * own cursor before it is read.
 */
#include "proto/bgp/srpolicy.h"

#include <string.h>

#include "proto/bgp/bgp.h"

enum {
	SUB_PREFERENCE = 12,	/* RFC 9830 section 2.4.1 */
	SUB_BSID = 13,		/* section 2.4.2 */
	SUB_SEGMENT_LIST = 128,	/* section 2.4.4 */
	SEG_WEIGHT = 9,		/* section 2.4.4.1 */
	SEG_TYPE_A = 1,		/* section 2.4.4.2.1 */
	SEG_TYPE_B = 13,	/* section 2.4.4.2.2 */
};

void bgp_srpolicy_nlri_encode(const bgp_sr_policy *p, wire_wr *w)
{
	size_t alen = p->afi == BGP_AFI_IPV6 ? 16 : 4;
	wire_put_u8(w, (uint8_t)((8 + alen) * 8));
	wire_put_u32(w, p->distinguisher);
	wire_put_u32(w, p->color);
	wire_put_bytes(w, p->endpoint, alen);
}

int bgp_srpolicy_nlri_decode(wire_rd *r, bgp_sr_policy *p, neto_err *err)
{
	uint8_t bits = wire_u8(r);
	if (bits != 96 && bits != 192)
		return neto_err_set(err, "SR Policy NLRI of %u bits (96 or 192)", bits);
	p->afi = bits == 192 ? BGP_AFI_IPV6 : BGP_AFI_IPV4;
	p->distinguisher = wire_u32(r);
	p->color = wire_u32(r);
	memset(p->endpoint, 0, sizeof p->endpoint);
	wire_copy(r, p->endpoint, bits == 192 ? 16 : 4);
	if (!wire_ok(r))
		return neto_err_set(err, "SR Policy NLRI truncated");
	return 0;
}

/* A sub-TLV header with a length placeholder; sub_end patches it. */
static size_t sub_begin(wire_wr *w, uint8_t type)
{
	size_t at = wire_wr_mark(w);
	wire_put_u8(w, type);
	if (type >= 128)
		wire_put_u16(w, 0);
	else
		wire_put_u8(w, 0);
	return at;
}

static void sub_end(wire_wr *w, size_t at)
{
	uint8_t type = w->buf[at];
	size_t hdr = type >= 128 ? 3 : 2;
	size_t len = w->len - at - hdr;
	if (type >= 128)
		wire_wr_patch_u16(w, at + 1, (uint16_t)len);
	else
		wire_wr_patch_u8(w, at + 1, (uint8_t)len);
}

void bgp_srpolicy_encap_encode(const bgp_sr_policy *p, wire_wr *w)
{
	size_t tat = wire_wr_mark(w);
	wire_put_u16(w, BGP_TUNNEL_SR_POLICY);
	wire_put_u16(w, 0);
	if (p->has_preference) {
		size_t at = sub_begin(w, SUB_PREFERENCE);
		wire_put_u16(w, 0);	/* flags, reserved */
		wire_put_u32(w, p->preference);
		sub_end(w, at);
	}
	/* optional (RFC 9830 section 2.4.2): only with a SID */
	if (p->bsid_len == 4 || p->bsid_len == 16) {
		size_t at = sub_begin(w, SUB_BSID);
		wire_put_u16(w, 0);
		wire_put_bytes(w, p->bsid, p->bsid_len);	/* label field or SRv6 SID */
		sub_end(w, at);
	}
	for (size_t i = 0; i < p->n_lists; i++) {
		const bgp_sr_seglist *l = &p->lists[i];
		size_t at = sub_begin(w, SUB_SEGMENT_LIST);
		wire_put_u8(w, 0);	/* reserved */
		if (l->has_weight) {
			size_t wat = sub_begin(w, SEG_WEIGHT);
			wire_put_u16(w, 0);
			wire_put_u32(w, l->weight);
			sub_end(w, wat);
		}
		for (size_t k = 0; k < l->n; k++) {
			const bgp_sr_segment *s = &l->seg[k];
			size_t sat = sub_begin(w, s->type == 'A' ? SEG_TYPE_A : SEG_TYPE_B);
			wire_put_u16(w, 0);
			if (s->type == 'A')	/* label, TC 0, S 0, TTL 0 */
				wire_put_u32(w, (s->label & 0xfffff) << 12);
			else
				wire_put_bytes(w, s->sid, 16);
			sub_end(w, sat);
		}
		sub_end(w, at);
	}
	wire_wr_patch_u16(w, tat + 2, (uint16_t)(w->len - tat - 4));
}

/* Reads one sub-TLV header and cuts its value. */
static bool sub_next(wire_rd *r, uint8_t *type, wire_rd *v)
{
	*type = wire_u8(r);
	size_t len = *type >= 128 ? wire_u16(r) : wire_u8(r);
	*v = wire_sub(r, len);
	return wire_ok(r);
}

static int seglist(wire_rd *v, bgp_sr_seglist *l, unsigned *unknown, neto_err *err)
{
	memset(l, 0, sizeof *l);
	wire_u8(v);	/* reserved */
	while (wire_ok(v) && wire_left(v) > 0) {
		uint8_t t;
		wire_rd s;
		if (!sub_next(v, &t, &s))
			return neto_err_set(err, "SR Policy segment list: sub-TLV overruns");
		size_t len = wire_left(&s);
		wire_u16(&s);	/* flags, reserved */
		if (t == SEG_WEIGHT) {
			if (len != 6)
				return neto_err_set(err, "SR Policy weight of %zu octets", len);
			l->has_weight = true;
			l->weight = wire_u32(&s);
		} else if (t == SEG_TYPE_A || t == SEG_TYPE_B) {
			if ((t == SEG_TYPE_A && len != 6) || (t == SEG_TYPE_B && len != 18 && len != 26))
				return neto_err_set(err, "SR Policy segment type %u of %zu octets", t,
						    len);
			if (l->n == BGP_SR_MAX_SEGS)
				return neto_err_set(err, "SR Policy segment list over %d segments",
						    BGP_SR_MAX_SEGS);
			bgp_sr_segment *g = &l->seg[l->n++];
			memset(g, 0, sizeof *g);
			if (t == SEG_TYPE_A) {
				g->type = 'A';
				g->label = wire_u32(&s) >> 12;
			} else {
				g->type = 'B';
				wire_copy(&s, g->sid, 16);
				if (len == 26)	/* behavior and SID structure */
					(*unknown)++;
			}
		} else {
			(*unknown)++;
		}
	}
	return wire_ok(v) ? 0 : neto_err_set(err, "SR Policy segment list truncated");
}

int bgp_srpolicy_encap_decode(const uint8_t *buf, size_t len, bgp_sr_policy *p, neto_err *err)
{
	wire_rd r = wire_rd_init(buf, len);
	p->has_preference = false;
	p->bsid_len = 0;
	p->n_lists = 0;
	p->n_unknown = 0;
	bool found = false;
	while (wire_left(&r) > 0) {
		uint16_t type = wire_u16(&r);
		uint16_t tlen = wire_u16(&r);
		wire_rd t = wire_sub(&r, tlen);
		if (!wire_ok(&r))
			return neto_err_set(err, "tunnel encapsulation TLV overruns");
		if (type != BGP_TUNNEL_SR_POLICY || found) {
			p->n_unknown++;
			continue;
		}
		found = true;
		while (wire_left(&t) > 0) {
			uint8_t st;
			wire_rd v;
			if (!sub_next(&t, &st, &v))
				return neto_err_set(err, "SR Policy sub-TLV overruns");
			size_t vlen = wire_left(&v);
			switch (st) {
			case SUB_PREFERENCE:
				if (vlen != 6)
					return neto_err_set(err, "SR Policy preference of %zu octets", vlen);
				wire_u16(&v);
				p->has_preference = true;
				p->preference = wire_u32(&v);
				break;
			case SUB_BSID:
				if (vlen != 2 && vlen != 6 && vlen != 18)
					return neto_err_set(err, "SR Policy binding SID of %zu octets", vlen);
				wire_u16(&v);
				p->bsid_len = (uint8_t)(vlen - 2);
				wire_copy(&v, p->bsid, p->bsid_len);
				break;
			case SUB_SEGMENT_LIST:
				if (p->n_lists == BGP_SR_MAX_LISTS)
					return neto_err_set(err, "SR Policy with over %d segment lists",
							    BGP_SR_MAX_LISTS);
				if (seglist(&v, &p->lists[p->n_lists], &p->n_unknown, err) != 0)
					return -1;
				p->n_lists++;
				break;
			default:
				p->n_unknown++;
				break;
			}
		}
	}
	if (!found)
		return neto_err_set(err, "no SR Policy tunnel in the tunnel encapsulation");
	return 0;
}

int bgp_srpolicy_update_encode(const bgp_sr_policy *p, const uint8_t *nh, uint8_t nh_len,
			       bool ebgp, uint32_t local_as, wire_wr *w, neto_err *err)
{
	wire_wr nl, enc;
	wire_wr_init(&nl);
	wire_wr_init(&enc);
	bgp_srpolicy_nlri_encode(p, &nl);
	bgp_srpolicy_encap_encode(p, &enc);
	bgp_update u;
	bgp_update_init(&u);
	u.seen = 1u << BGP_ATTR_ORIGIN | 1u << BGP_ATTR_COMMUNITIES | 1u << BGP_ATTR_TUNNEL_ENCAP;
	if (ebgp) {
		bgp_update_add_seg(&u, BGP_AS_SEQUENCE, &local_as, 1);
	} else {
		u.seen |= 1u << BGP_ATTR_AS_PATH | 1u << BGP_ATTR_LOCAL_PREF;
		u.local_pref = 100;
	}
	uint32_t no_advertise = 0xffffff02u;
	u.communities = &no_advertise;
	u.n_communities = 1;
	u.reach.present = true;
	u.reach.afi = p->afi;
	u.reach.safi = BGP_SAFI_SR_POLICY;
	if (nh_len > sizeof u.reach.nh)
		nh_len = sizeof u.reach.nh;
	u.reach.nh_len = nh_len;
	memcpy(u.reach.nh, nh, nh_len);
	u.reach.raw = nl.buf;
	u.reach.raw_len = nl.len;
	u.tunnel_encap = enc.buf;
	u.tunnel_encap_len = (uint16_t)enc.len;
	bgp_upd_opts o = { true, !ebgp };
	int rc = bgp_update_encode(&u, &o, w, err);
	u.communities = NULL;
	bgp_update_free(&u);
	wire_wr_free(&nl);
	wire_wr_free(&enc);
	return rc;
}

int bgp_srpolicy_withdraw_encode(const bgp_sr_policy *p, wire_wr *w, neto_err *err)
{
	wire_wr nl;
	wire_wr_init(&nl);
	bgp_srpolicy_nlri_encode(p, &nl);
	bgp_update u;
	bgp_update_init(&u);
	u.unreach.present = true;
	u.unreach.afi = p->afi;
	u.unreach.safi = BGP_SAFI_SR_POLICY;
	u.unreach.raw = nl.buf;
	u.unreach.raw_len = nl.len;
	bgp_upd_opts o = { true, false };
	int rc = bgp_update_encode(&u, &o, w, err);
	wire_wr_free(&nl);
	return rc;
}
