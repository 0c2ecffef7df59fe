/*
 * bgp_msg.c - BGP-4 message codec (see bgp.h).
 *
 * Every field is read through wire_rd; every nested element (optional
 * parameter, capability, path attribute, AS_PATH segment) is cut into its
 * own sub-cursor of the declared length before it is parsed, so a wrong
 * inner length is a protocol error and never a read of a neighbour's bytes.
 *
 * UPDATE error handling follows RFC 7606: the attribute list is parsed to
 * the end even after a "treat-as-withdraw" fault, so that all NLRI of the
 * message (including those of MP_REACH_NLRI / MP_UNREACH_NLRI) are known and
 * can be withdrawn; only faults that make the NLRI impossible to locate
 * reset the session. Prefix arrays are allocated from the counts the message
 * itself bounds (at most one prefix per octet), never from a declared count.
 */
#include "proto/bgp/bgp.h"

#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"

void bgp_notif_set(bgp_notif *n, uint8_t code, uint8_t subcode, const void *data, size_t len)
{
	if (n == NULL)
		return;
	n->code = code;
	n->subcode = subcode;
	if (len > BGP_NOTIF_DATA_MAX)
		len = BGP_NOTIF_DATA_MAX;
	n->data_len = (uint16_t)len;
	if (len > 0)
		memcpy(n->data, data, len);
}

const char *bgp_type_name(uint8_t type)
{
	switch (type) {
	case BGP_OPEN: return "OPEN";
	case BGP_UPDATE: return "UPDATE";
	case BGP_NOTIFICATION: return "NOTIFICATION";
	case BGP_KEEPALIVE: return "KEEPALIVE";
	case BGP_ROUTE_REFRESH: return "ROUTE-REFRESH";
	default: return "unknown";
	}
}

const char *bgp_err_name(uint8_t code, uint8_t subcode)
{
	static const char *const hdr[] = { "message header error", "connection not synchronized",
					   "bad message length", "bad message type" };
	static const char *const open[] = { "OPEN message error", "unsupported version number",
					    "bad peer AS", "bad BGP identifier",
					    "unsupported optional parameter", "(deprecated)",
					    "unacceptable hold time", "unsupported capability" };
	static const char *const upd[] = { "UPDATE message error", "malformed attribute list",
					   "unrecognized well-known attribute",
					   "missing well-known attribute", "attribute flags error",
					   "attribute length error", "invalid ORIGIN attribute",
					   "(deprecated)", "invalid NEXT_HOP attribute",
					   "optional attribute error", "invalid network field",
					   "malformed AS_PATH" };
	static const char *const cease[] = { "cease", "maximum number of prefixes reached",
					     "administrative shutdown", "peer de-configured",
					     "administrative reset", "connection rejected",
					     "other configuration change",
					     "connection collision resolution", "out of resources" };
	switch (code) {
	case BGP_ERR_HEADER:
		return subcode < 4 ? hdr[subcode] : hdr[0];
	case BGP_ERR_OPEN:
		return subcode < 8 ? open[subcode] : open[0];
	case BGP_ERR_UPDATE:
		return subcode < 12 ? upd[subcode] : upd[0];
	case BGP_ERR_HOLD:
		return "hold timer expired";
	case BGP_ERR_FSM:
		return "finite state machine error";
	case BGP_ERR_CEASE:
		return subcode < 9 ? cease[subcode] : cease[0];
	case BGP_ERR_REFRESH:
		return "ROUTE-REFRESH message error";
	default:
		return "unknown error";
	}
}

/* ---- header ------------------------------------------------------------ */

static void put_header(wire_wr *w, uint8_t type, size_t *at)
{
	*at = wire_wr_mark(w);
	memset(wire_wr_grow(w, 16), 0xff, 16);
	wire_put_u16(w, 0);
	wire_put_u8(w, type);
}

static int finish_header(wire_wr *w, size_t at, neto_err *err)
{
	size_t len = w->len - at;
	if (len > BGP_MAX_LEN) {
		w->len = at;
		return neto_err_set(err, "BGP message of %zu octets exceeds %d", len, BGP_MAX_LEN);
	}
	wire_wr_patch_u16(w, at + 16, (uint16_t)len);
	return 0;
}

int bgp_hdr_decode(const uint8_t *buf, size_t len, bgp_hdr *h, bgp_notif *n, neto_err *err)
{
	wire_rd r = wire_rd_init(buf, len);
	/* RFC 4271 section 6.1: the marker must be all ones */
	for (int i = 0; i < 16; i++) {
		if (wire_u8(&r) != 0xff) {
			if (!wire_ok(&r))
				break;
			bgp_notif_set(n, BGP_ERR_HEADER, BGP_HDR_NOT_SYNC, NULL, 0);
			return neto_err_set(err, "BGP header: marker is not all ones");
		}
	}
	uint16_t mlen = wire_u16(&r);
	uint8_t type = wire_u8(&r);
	if (!wire_ok(&r)) {
		bgp_notif_set(n, BGP_ERR_HEADER, BGP_HDR_BAD_LEN, NULL, 0);
		return neto_err_set(err, "BGP header: %zu octets, need %d", len, BGP_HDR_LEN);
	}
	uint8_t lenfield[2] = { (uint8_t)(mlen >> 8), (uint8_t)mlen };
	/* RFC 4271 section 4.1: 19 <= length <= 4096 */
	if (mlen < BGP_HDR_LEN || mlen > BGP_MAX_LEN) {
		bgp_notif_set(n, BGP_ERR_HEADER, BGP_HDR_BAD_LEN, lenfield, 2);
		return neto_err_set(err, "BGP header: length %u outside 19..4096", mlen);
	}
	/* RFC 4271 section 6.1: the length must suit the type */
	size_t min = 0;
	bool exact = false;
	switch (type) {
	case BGP_OPEN: min = 29; break;
	case BGP_UPDATE: min = 23; break;
	case BGP_NOTIFICATION: min = 21; break;
	case BGP_KEEPALIVE: min = 19; exact = true; break;
	case BGP_ROUTE_REFRESH: min = 19; break;	/* RFC 7313 section 5: checked by its decoder */
	default:
		bgp_notif_set(n, BGP_ERR_HEADER, BGP_HDR_BAD_TYPE, &type, 1);
		return neto_err_set(err, "BGP header: unknown message type %u", type);
	}
	if (mlen < min || (exact && mlen != min)) {
		bgp_notif_set(n, BGP_ERR_HEADER, BGP_HDR_BAD_LEN, lenfield, 2);
		return neto_err_set(err, "BGP header: length %u wrong for %s", mlen,
				    bgp_type_name(type));
	}
	h->len = mlen;
	h->type = type;
	return 0;
}

/* The body of a message the caller framed: checks the header again so that a
 * decoder is safe on any input (the fuzz targets call them directly). */
static int body(const uint8_t *msg, size_t len, uint8_t type, wire_rd *r, bgp_notif *n,
		neto_err *err)
{
	bgp_hdr h = { 0, 0 };
	*r = wire_rd_init(msg, 0);
	if (bgp_hdr_decode(msg, len, &h, n, err) != 0)
		return -1;
	if (h.type != type)
		return neto_err_set(err, "BGP: %s where %s expected", bgp_type_name(h.type),
				    bgp_type_name(type));
	if (h.len != len) {
		uint8_t lf[2] = { (uint8_t)(h.len >> 8), (uint8_t)h.len };
		bgp_notif_set(n, BGP_ERR_HEADER, BGP_HDR_BAD_LEN, lf, 2);
		return neto_err_set(err, "BGP %s: header says %u octets, message has %zu",
				    bgp_type_name(type), h.len, len);
	}
	*r = wire_rd_init(msg + BGP_HDR_LEN, len - BGP_HDR_LEN);
	return 0;
}

/* ---- OPEN -------------------------------------------------------------- */

uint32_t bgp_open_asn(const bgp_open *o)
{
	return o->has_as4 ? o->as4 : o->my_as;
}

void bgp_open_init(bgp_open *o, uint32_t asn, uint16_t hold_time, uint32_t bgp_id)
{
	memset(o, 0, sizeof *o);
	o->version = BGP_VERSION;
	o->my_as = asn > 65535 ? (uint16_t)BGP_AS_TRANS : (uint16_t)asn;
	o->hold_time = hold_time;
	o->bgp_id = bgp_id;
	o->has_as4 = true;
	o->as4 = asn;
	o->route_refresh = true;
}

void bgp_open_add_addpath(bgp_open *o, uint16_t afi, uint8_t safi, uint8_t mode)
{
	for (size_t i = 0; i < o->n_addpath; i++)
		if (o->addpath[i].f.afi == afi && o->addpath[i].f.safi == safi) {
			o->addpath[i].mode = mode;
			return;
		}
	if (o->n_addpath < BGP_OPEN_MAX_FAMILIES) {
		o->addpath[o->n_addpath].f = (bgp_family){ afi, safi };
		o->addpath[o->n_addpath++].mode = mode;
	}
}

uint8_t bgp_open_addpath(const bgp_open *o, uint16_t afi, uint8_t safi)
{
	for (size_t i = 0; i < o->n_addpath; i++)
		if (o->addpath[i].f.afi == afi && o->addpath[i].f.safi == safi)
			return o->addpath[i].mode;
	return 0;
}

bool bgp_open_has_family(const bgp_open *o, uint16_t afi, uint8_t safi)
{
	for (size_t i = 0; i < o->n_families; i++)
		if (o->families[i].afi == afi && o->families[i].safi == safi)
			return true;
	return false;
}

void bgp_open_add_family(bgp_open *o, uint16_t afi, uint8_t safi)
{
	if (bgp_open_has_family(o, afi, safi) || o->n_families == BGP_OPEN_MAX_FAMILIES)
		return;
	o->families[o->n_families].afi = afi;
	o->families[o->n_families].safi = safi;
	o->n_families++;
}

static int open_fail(bgp_notif *n, uint8_t sub, neto_err *err, const char *what)
{
	bgp_notif_set(n, BGP_ERR_OPEN, sub, NULL, 0);
	return neto_err_set(err, "BGP OPEN: %s", what);
}

/* One capability (RFC 5492 section 4). */
static int open_cap(bgp_open *o, uint8_t code, wire_rd *v, bgp_notif *n, neto_err *err)
{
	size_t len = wire_left(v);
	switch (code) {
	case BGP_CAP_MP: {
		/* RFC 4760 section 8: AFI, reserved, SAFI */
		if (len != 4)
			return open_fail(n, BGP_OPEN_UNSPEC, err,
					 "multiprotocol capability length is not 4");
		uint16_t afi = wire_u16(v);
		wire_u8(v);
		uint8_t safi = wire_u8(v);
		bgp_open_add_family(o, afi, safi);
		return 0;
	}
	case BGP_CAP_ROUTE_REFRESH:
		/* RFC 2918 section 2: length 0 */
		if (len != 0)
			return open_fail(n, BGP_OPEN_UNSPEC, err,
					 "route refresh capability length is not 0");
		o->route_refresh = true;
		return 0;
	case BGP_CAP_AS4:
		/* RFC 6793 section 3: the four-octet AS, length 4 */
		if (len != 4)
			return open_fail(n, BGP_OPEN_UNSPEC, err,
					 "four-octet AS capability length is not 4");
		o->has_as4 = true;
		o->as4 = wire_u32(v);
		if (o->as4 == 0)	/* RFC 7607 section 2 */
			return open_fail(n, BGP_OPEN_BAD_PEER_AS, err, "AS 0 in the four-octet AS capability");
		return 0;
	case BGP_CAP_ADDPATH: {
		/* RFC 7911 section 4: (AFI, SAFI, Send/Receive) of 4 octets
		 * each; a Send/Receive value other than 1..3 makes the whole
		 * capability not understood, so it is ignored */
		if (len == 0 || len % 4 != 0)
			return open_fail(n, BGP_OPEN_UNSPEC, err,
					 "ADD-PATH capability length is not a multiple of 4");
		bgp_open t = *o;
		for (size_t i = 0; i < len / 4; i++) {
			uint16_t afi = wire_u16(v);
			uint8_t safi = wire_u8(v);
			uint8_t mode = wire_u8(v);
			if (mode < 1 || mode > 3)
				return 0;
			bgp_open_add_addpath(&t, afi, safi, mode);
		}
		o->n_addpath = t.n_addpath;
		memcpy(o->addpath, t.addpath, sizeof o->addpath);
		return 0;
	}
	default:
		/* kept for re-encoding; dropped when the room is used up (an
		 * OPEN's parameters fit 255 octets unless RFC 9072 is used) */
		if (o->other_len + 2 + len <= sizeof o->other) {
			o->other[o->other_len++] = code;
			o->other[o->other_len++] = (uint8_t)len;
			wire_copy(v, o->other + o->other_len, len);
			o->other_len += len;
		}
		return 0;
	}
}

int bgp_open_decode(const uint8_t *msg, size_t len, bgp_open *o, bgp_notif *n, neto_err *err)
{
	wire_rd r = wire_rd_init(msg, 0);
	memset(o, 0, sizeof *o);
	if (body(msg, len, BGP_OPEN, &r, n, err) != 0)
		return -1;
	o->version = wire_u8(&r);
	o->my_as = wire_u16(&r);
	o->hold_time = wire_u16(&r);
	o->bgp_id = wire_u32(&r);
	uint8_t opt_len = wire_u8(&r);
	if (!wire_ok(&r))
		return open_fail(n, BGP_OPEN_UNSPEC, err, "truncated");
	/* RFC 4271 section 6.2, in its order */
	if (o->version != BGP_VERSION) {
		uint8_t v[2] = { 0, BGP_VERSION };
		bgp_notif_set(n, BGP_ERR_OPEN, BGP_OPEN_BAD_VERSION, v, 2);
		return neto_err_set(err, "BGP OPEN: version %u, only 4 is supported", o->version);
	}
	if (o->hold_time == 1 || o->hold_time == 2)
		return open_fail(n, BGP_OPEN_BAD_HOLD, err, "hold time 1 or 2 seconds");
	if (o->bgp_id == 0)	/* RFC 6286 section 2.2 */
		return open_fail(n, BGP_OPEN_BAD_ID, err, "BGP identifier 0");
	/* RFC 9072 section 2: a first parameter of type 255 announces the
	 * extended encoding (two-octet lengths) */
	bool ext = false;
	wire_rd params;
	if (opt_len > 0 && wire_left(&r) > 0 && wire_ptr(&r)[0] == 255) {
		wire_u8(&r);
		uint16_t elen = wire_u16(&r);
		params = wire_sub(&r, elen);
		ext = true;
	} else {
		params = wire_sub(&r, opt_len);
	}
	if (!wire_ok(&r) || wire_left(&r) != 0)
		return open_fail(n, BGP_OPEN_UNSPEC, err,
				 "optional parameters length does not match the message");
	while (wire_left(&params) > 0) {
		uint8_t type = wire_u8(&params);
		uint16_t plen = ext ? wire_u16(&params) : wire_u8(&params);
		wire_rd p = wire_sub(&params, plen);
		if (!wire_ok(&params))
			return open_fail(n, BGP_OPEN_UNSPEC, err, "optional parameter overruns");
		if (type != 2) {
			/* RFC 4271 section 6.2; type 1 (authentication) is deprecated */
			bgp_notif_set(n, BGP_ERR_OPEN, BGP_OPEN_UNSUP_PARAM, NULL, 0);
			return neto_err_set(err, "BGP OPEN: unsupported optional parameter %u",
					    type);
		}
		while (wire_left(&p) > 0) {
			uint8_t code = wire_u8(&p);
			uint8_t clen = wire_u8(&p);
			wire_rd v = wire_sub(&p, clen);
			if (!wire_ok(&p))
				return open_fail(n, BGP_OPEN_UNSPEC, err, "capability overruns");
			if (open_cap(o, code, &v, n, err) != 0)
				return -1;
		}
	}
	/* RFC 7607 section 2: AS 0 is never a peer's AS */
	if (!o->has_as4 && o->my_as == 0)
		return open_fail(n, BGP_OPEN_BAD_PEER_AS, err, "AS 0");
	return 0;
}

int bgp_open_encode(const bgp_open *o, wire_wr *w, neto_err *err)
{
	size_t at;
	put_header(w, BGP_OPEN, &at);
	wire_put_u8(w, o->version);
	wire_put_u16(w, o->my_as);
	wire_put_u16(w, o->hold_time);
	wire_put_u32(w, o->bgp_id);
	size_t opt_at = wire_wr_mark(w);
	wire_put_u8(w, 0);
	wire_put_u8(w, 2);	/* capabilities */
	size_t caps_at = wire_wr_mark(w);
	wire_put_u8(w, 0);
	for (size_t i = 0; i < o->n_families; i++) {
		wire_put_u8(w, BGP_CAP_MP);
		wire_put_u8(w, 4);
		wire_put_u16(w, o->families[i].afi);
		wire_put_u8(w, 0);
		wire_put_u8(w, o->families[i].safi);
	}
	if (o->route_refresh) {
		wire_put_u8(w, BGP_CAP_ROUTE_REFRESH);
		wire_put_u8(w, 0);
	}
	if (o->has_as4) {
		wire_put_u8(w, BGP_CAP_AS4);
		wire_put_u8(w, 4);
		wire_put_u32(w, o->as4);
	}
	if (o->n_addpath > 0) {
		wire_put_u8(w, BGP_CAP_ADDPATH);
		wire_put_u8(w, (uint8_t)(4 * o->n_addpath));
		for (size_t i = 0; i < o->n_addpath; i++) {
			wire_put_u16(w, o->addpath[i].f.afi);
			wire_put_u8(w, o->addpath[i].f.safi);
			wire_put_u8(w, o->addpath[i].mode);
		}
	}
	wire_put_bytes(w, o->other, o->other_len);
	size_t caps_len = w->len - caps_at - 1;
	if (caps_len > 253) {
		w->len = at;
		return neto_err_set(err, "BGP OPEN: %zu octets of capabilities do not fit",
				    caps_len);
	}
	wire_wr_patch_u8(w, caps_at, (uint8_t)caps_len);
	wire_wr_patch_u8(w, opt_at, (uint8_t)(caps_len + 2));
	return finish_header(w, at, err);
}

/* ---- prefixes ---------------------------------------------------------- */

int bgp_pfx_read(wire_rd *r, uint16_t afi, bgp_pfx *p)
{
	unsigned max = afi == BGP_AFI_IPV6 ? 128 : 32;
	uint8_t bits = wire_u8(r);
	if (!wire_ok(r) || bits > max)
		return -1;
	size_t octets = (bits + 7u) / 8u;
	memset(p, 0, sizeof *p);
	p->len = bits;
	wire_copy(r, p->addr, octets);
	return wire_ok(r) ? 0 : -1;
}

void bgp_pfx_write(wire_wr *w, const bgp_pfx *p)
{
	wire_put_u8(w, p->len);
	wire_put_bytes(w, p->addr, (p->len + 7u) / 8u);
}

/* All prefixes of r into a fresh array (*out, owned by the caller). Each
 * takes at least one octet, so the length bounds the count. */
static int read_pfxs(wire_rd *r, uint16_t afi, bool addpath, bgp_pfx **out, size_t *n)
{
	size_t cap = wire_left(r);
	*out = NULL;
	*n = 0;
	if (cap == 0)
		return 0;
	bgp_pfx *a = neto_reallocarray(NULL, cap, sizeof *a);
	size_t k = 0;
	while (wire_left(r) > 0) {
		/* RFC 7911 section 3: the path identifier precedes the prefix */
		uint32_t id = addpath ? wire_u32(r) : 0;
		if (!wire_ok(r) || bgp_pfx_read(r, afi, &a[k]) != 0) {
			*out = a;
			*n = k;
			return -1;
		}
		a[k].path_id = id;
		k++;
	}
	*out = a;
	*n = k;
	return 0;
}

/* ---- UPDATE ------------------------------------------------------------ */

void bgp_update_init(bgp_update *u)
{
	memset(u, 0, sizeof *u);
}

void bgp_update_free(bgp_update *u)
{
	free(u->withdrawn);
	free(u->nlri);
	free(u->segs);
	free(u->asns);
	free(u->communities);
	free(u->reach.pfx);
	free(u->unreach.pfx);
	bgp_update_init(u);
}

void bgp_update_add_seg(bgp_update *u, uint8_t type, const uint32_t *asns, uint8_t n)
{
	u->segs = neto_reallocarray(u->segs, u->n_segs + 1, sizeof *u->segs);
	u->asns = neto_reallocarray(u->asns, u->n_asns + n, sizeof *u->asns);
	u->segs[u->n_segs].type = type;
	u->segs[u->n_segs].n = n;
	u->segs[u->n_segs].first = (uint32_t)u->n_asns;
	u->n_segs++;
	memcpy(u->asns + u->n_asns, asns, (size_t)n * sizeof *asns);
	u->n_asns += n;
	u->seen |= 1u << BGP_ATTR_AS_PATH;
}

/* Where the decoder is and the worst outcome so far. */
typedef struct upd_ctx {
	bgp_update *u;
	const bgp_upd_opts *o;
	bgp_notif *n;
	neto_err *err;
	bool withdraw;		/* a treat-as-withdraw fault was found */
	const uint8_t *attr;	/* the attribute being parsed, whole */
	size_t attr_len;
	bgp_addpath ap;
} upd_ctx;

/* RFC 7606 treat-as-withdraw: remembers the first fault, parsing goes on. */
static void upd_withdraw(upd_ctx *c, uint8_t sub, const char *what, unsigned type)
{
	if (!c->withdraw) {
		bgp_notif_set(c->n, BGP_ERR_UPDATE, sub, c->attr, c->attr_len);
		neto_err_set(c->err, "BGP UPDATE: attribute %u: %s (treat-as-withdraw, RFC 7606)",
			     type, what);
	}
	c->withdraw = true;
}

static int upd_reset(upd_ctx *c, uint8_t sub, const void *data, size_t len, const char *what,
		     unsigned type)
{
	bgp_notif_set(c->n, BGP_ERR_UPDATE, sub, data, len);
	if (type != 0)
		return neto_err_set(c->err, "BGP UPDATE: attribute %u: %s", type, what);
	return neto_err_set(c->err, "BGP UPDATE: %s", what);
}

static int attr_as_path(upd_ctx *c, wire_rd *v, bool as4)
{
	bgp_update *u = c->u;
	size_t asz = as4 ? 4 : 2;
	/* RFC 4271 section 4.3 and RFC 7606 section 7.2: segments of type 1..4,
	 * count >= 1, exactly filling the attribute */
	wire_rd chk = *v;
	while (wire_left(&chk) > 0) {
		uint8_t type = wire_u8(&chk);
		uint8_t cnt = wire_u8(&chk);
		wire_skip(&chk, cnt * asz);
		if (!wire_ok(&chk) || type < 1 || type > 4 || cnt == 0) {
			upd_withdraw(c, BGP_UPD_BAD_AS_PATH, "malformed AS_PATH", BGP_ATTR_AS_PATH);
			return 0;
		}
	}
	while (wire_left(v) > 0) {
		uint8_t type = wire_u8(v);
		uint8_t cnt = wire_u8(v);
		uint32_t asns[255];
		for (unsigned i = 0; i < cnt; i++)
			asns[i] = as4 ? wire_u32(v) : wire_u16(v);
		bgp_update_add_seg(u, type, asns, cnt);
	}
	u->seen |= 1u << BGP_ATTR_AS_PATH;
	return 0;
}

static int attr_mp(upd_ctx *c, wire_rd *v, uint8_t type)
{
	bgp_mp *m = type == BGP_ATTR_MP_REACH ? &c->u->reach : &c->u->unreach;
	/* RFC 7606 section 3 (g): at most one of each, else session reset */
	if (m->present)
		return upd_reset(c, BGP_UPD_MALFORMED_ATTRS, NULL, 0, "appears twice", type);
	m->present = true;
	m->afi = wire_u16(v);
	m->safi = wire_u8(v);
	if (type == BGP_ATTR_MP_REACH) {
		/* RFC 4760 section 3 */
		m->nh_len = wire_u8(v);
		if (m->nh_len > sizeof m->nh)
			return upd_reset(c, BGP_UPD_OPT_ATTR, c->attr, c->attr_len,
					 "next hop longer than 32 octets", type);
		wire_copy(v, m->nh, m->nh_len);
		wire_u8(v);	/* reserved */
	}
	if (!wire_ok(v))
		return upd_reset(c, BGP_UPD_OPT_ATTR, c->attr, c->attr_len, "truncated", type);
	bool unicast = m->safi == BGP_SAFI_UNICAST &&
		       (m->afi == BGP_AFI_IPV4 || m->afi == BGP_AFI_IPV6);
	if (unicast && type == BGP_ATTR_MP_REACH) {
		bool ok = m->afi == BGP_AFI_IPV4 ? (m->nh_len == 4 || m->nh_len == 16 || m->nh_len == 32)
						 : (m->nh_len == 16 || m->nh_len == 32);
		if (!ok)
			return upd_reset(c, BGP_UPD_OPT_ATTR, c->attr, c->attr_len,
					 "next hop length does not suit the family", type);
	}
	if (unicast) {
		/* RFC 7606 section 5.3: NLRI that cannot be parsed reset the session */
		bool ap = m->afi == BGP_AFI_IPV4 ? c->ap.v4 : c->ap.v6;
		if (read_pfxs(v, m->afi, ap, &m->pfx, &m->n_pfx) != 0)
			return upd_reset(c, BGP_UPD_OPT_ATTR, c->attr, c->attr_len,
					 "malformed prefix", type);
	} else {
		m->raw = wire_ptr(v);
		m->raw_len = wire_left(v);
	}
	return 0;
}

/* Expected flags of the attributes neto knows (optional, transitive); -1:
 * unknown type. */
static int known_flags(uint8_t type)
{
	switch (type) {
	case BGP_ATTR_ORIGIN:
	case BGP_ATTR_AS_PATH:
	case BGP_ATTR_NEXT_HOP:
	case BGP_ATTR_LOCAL_PREF:
	case BGP_ATTR_ATOMIC_AGGR:
		return BGP_AF_TRANSITIVE;
	case BGP_ATTR_MED:
	case BGP_ATTR_MP_REACH:
	case BGP_ATTR_MP_UNREACH:
	case BGP_ATTR_LS:
		return BGP_AF_OPTIONAL;
	case BGP_ATTR_AGGREGATOR:
	case BGP_ATTR_COMMUNITIES:
	case BGP_ATTR_EXT_COMMUNITIES:
	case BGP_ATTR_AS4_PATH:
	case BGP_ATTR_AS4_AGGREGATOR:
	case BGP_ATTR_TUNNEL_ENCAP:
		return BGP_AF_OPTIONAL | BGP_AF_TRANSITIVE;
	default:
		return -1;
	}
}

static void keep_raw(upd_ctx *c, uint8_t flags, uint8_t type, wire_rd *v)
{
	bgp_update *u = c->u;
	if (u->n_other == BGP_UPDATE_MAX_OTHER) {
		u->n_discarded++;
		return;
	}
	bgp_raw_attr *a = &u->other[u->n_other++];
	a->flags = flags;
	a->type = type;
	a->val = wire_ptr(v);
	a->len = (uint16_t)wire_left(v);
}

static int attr_one(upd_ctx *c, uint8_t flags, uint8_t type, wire_rd *v)
{
	bgp_update *u = c->u;
	size_t len = wire_left(v);
	int want = known_flags(type);
	if (want < 0) {
		/* RFC 4271 section 6.3: an unrecognized well-known attribute */
		if (!(flags & BGP_AF_OPTIONAL))
			return upd_reset(c, BGP_UPD_UNRECOGNIZED_WK, c->attr, c->attr_len,
					 "unrecognized well-known attribute", type);
		keep_raw(c, flags, type, v);
		return 0;
	}
	/* RFC 7606 section 3 (g): repeated MP attributes reset the session,
	 * other repeats are discarded */
	if (type < 32 && BGP_ATTR_SEEN(u, type) && type != BGP_ATTR_MP_REACH &&
	    type != BGP_ATTR_MP_UNREACH) {
		u->n_discarded++;
		return 0;
	}
	/* RFC 7606 section 3 (c): flags in conflict with the type */
	if ((flags & (BGP_AF_OPTIONAL | BGP_AF_TRANSITIVE)) != want) {
		if (type == BGP_ATTR_MP_REACH || type == BGP_ATTR_MP_UNREACH)
			return upd_reset(c, BGP_UPD_ATTR_FLAGS, c->attr, c->attr_len,
					 "flags conflict with the type", type);
		upd_withdraw(c, BGP_UPD_ATTR_FLAGS, "flags conflict with the type", type);
		return 0;
	}
	switch (type) {
	case BGP_ATTR_ORIGIN: {
		/* RFC 7606 section 7.1 */
		uint8_t val = wire_u8(v);
		if (len != 1)
			upd_withdraw(c, BGP_UPD_ATTR_LEN, "length is not 1", type);
		else if (val > 2)
			upd_withdraw(c, BGP_UPD_BAD_ORIGIN, "undefined value", type);
		else
			u->origin = val;
		break;
	}
	case BGP_ATTR_AS_PATH:
		return attr_as_path(c, v, c->o->as4);
	case BGP_ATTR_NEXT_HOP:
	case BGP_ATTR_MED:
	case BGP_ATTR_LOCAL_PREF: {
		/* RFC 7606 sections 7.3, 7.4, 7.5 */
		uint32_t val = wire_u32(v);
		if (len != 4) {
			upd_withdraw(c, BGP_UPD_ATTR_LEN, "length is not 4", type);
			return 0;
		}
		if (type == BGP_ATTR_NEXT_HOP)
			u->next_hop = val;
		else if (type == BGP_ATTR_MED)
			u->med = val;
		else
			u->local_pref = val;
		break;
	}
	case BGP_ATTR_ATOMIC_AGGR:
	case BGP_ATTR_AGGREGATOR:
		/* RFC 7606 sections 7.6, 7.7: attribute discard */
		if ((type == BGP_ATTR_ATOMIC_AGGR && len != 0) ||
		    (type == BGP_ATTR_AGGREGATOR && len != (c->o->as4 ? 8u : 6u))) {
			u->n_discarded++;
			return 0;
		}
		keep_raw(c, flags, type, v);
		break;
	case BGP_ATTR_COMMUNITIES:
		/* RFC 7606 section 7.8 */
		if (len == 0 || len % 4 != 0) {
			upd_withdraw(c, BGP_UPD_OPT_ATTR, "length is not a multiple of 4", type);
			return 0;
		}
		u->communities = neto_reallocarray(NULL, len / 4, sizeof *u->communities);
		u->n_communities = len / 4;
		for (size_t i = 0; i < len / 4; i++)
			u->communities[i] = wire_u32(v);
		break;
	case BGP_ATTR_EXT_COMMUNITIES:
		/* RFC 7606 section 7.14 */
		if (len == 0 || len % 8 != 0) {
			upd_withdraw(c, BGP_UPD_OPT_ATTR, "length is not a multiple of 8", type);
			return 0;
		}
		keep_raw(c, flags, type, v);
		break;
	case BGP_ATTR_MP_REACH:
	case BGP_ATTR_MP_UNREACH:
		if (attr_mp(c, v, type) != 0)
			return -1;
		break;
	case BGP_ATTR_LS:
		/* RFC 9552 section 8.2.2: its TLVs are checked by bgpls.c,
		 * whose errors discard the attribute */
		u->ls_attr = wire_ptr(v);
		u->ls_attr_len = (uint16_t)len;
		break;
	case BGP_ATTR_TUNNEL_ENCAP:
		u->tunnel_encap = wire_ptr(v);
		u->tunnel_encap_len = (uint16_t)len;
		break;
	default:	/* AS4_PATH, AS4_AGGREGATOR: kept as they came */
		keep_raw(c, flags, type, v);
		return 0;
	}
	if (type < 32)
		u->seen |= 1u << type;
	return 0;
}

/* Positions an AS_PATH segment counts for in path length comparisons
 * (RFC 4271 section 9.1.2.2 a, RFC 6793 section 4.2.3). */
static size_t seg_count(const bgp_as_seg *g)
{
	switch (g->type) {
	case BGP_AS_SEQUENCE: return g->n;
	case BGP_AS_SET: return 1;
	default: return 0;	/* confederation segments */
	}
}

/* RFC 6793 section 4.2.3: with a two-octet peer, the AS_PATH (AS_TRANS for
 * four-octet ASNs) and the AS4_PATH are merged: the leading ASes of AS_PATH
 * that the AS4_PATH does not cover, then the AS4_PATH. A malformed AS4_PATH,
 * or one with confederation segments, is discarded (RFC 6793 section 6,
 * RFC 7606 section 7.2); one longer than the AS_PATH is ignored. */
static void merge_as4_path(bgp_update *u)
{
	const bgp_raw_attr *a4 = NULL;
	for (size_t i = 0; i < u->n_other; i++)
		if (u->other[i].type == BGP_ATTR_AS4_PATH)
			a4 = &u->other[i];
	if (a4 == NULL || !BGP_ATTR_SEEN(u, BGP_ATTR_AS_PATH))
		return;
	bgp_update t;
	bgp_update_init(&t);
	wire_rd r = wire_rd_init(a4->val, a4->len);
	while (wire_ok(&r) && wire_left(&r) > 0) {
		uint8_t type = wire_u8(&r);
		uint8_t cnt = wire_u8(&r);
		uint32_t asns[255];
		for (unsigned i = 0; i < cnt; i++)
			asns[i] = wire_u32(&r);
		if (!wire_ok(&r) || cnt == 0 || (type != BGP_AS_SET && type != BGP_AS_SEQUENCE)) {
			bgp_update_free(&t);
			u->n_discarded++;
			return;
		}
		bgp_update_add_seg(&t, type, asns, cnt);
	}
	size_t n_path = 0, n_as4 = 0;
	for (size_t i = 0; i < u->n_segs; i++)
		n_path += seg_count(&u->segs[i]);
	for (size_t i = 0; i < t.n_segs; i++)
		n_as4 += seg_count(&t.segs[i]);
	if (n_as4 > n_path || t.n_segs == 0) {
		bgp_update_free(&t);
		return;
	}
	bgp_update m;
	bgp_update_init(&m);
	size_t keep = n_path - n_as4;
	for (size_t i = 0; i < u->n_segs; i++) {
		const bgp_as_seg *g = &u->segs[i];
		size_t c = seg_count(g);
		if (c > keep) {
			if (keep > 0 && g->type == BGP_AS_SEQUENCE)
				bgp_update_add_seg(&m, g->type, u->asns + g->first, (uint8_t)keep);
			break;
		}
		bgp_update_add_seg(&m, g->type, u->asns + g->first, g->n);
		keep -= c;
	}
	for (size_t i = 0; i < t.n_segs; i++)
		bgp_update_add_seg(&m, t.segs[i].type, t.asns + t.segs[i].first, t.segs[i].n);
	free(u->segs);
	free(u->asns);
	u->segs = m.segs;
	u->n_segs = m.n_segs;
	u->asns = m.asns;
	u->n_asns = m.n_asns;
	bgp_update_free(&t);
}

int bgp_update_decode(const uint8_t *msg, size_t len, const bgp_upd_opts *o, bgp_update *u,
		      bgp_notif *n, neto_err *err)
{
	return bgp_update_decode_ap(msg, len, o, NULL, u, n, err);
}

int bgp_update_decode_ap(const uint8_t *msg, size_t len, const bgp_upd_opts *o,
			 const bgp_addpath *ap, bgp_update *u, bgp_notif *n, neto_err *err)
{
	wire_rd r = wire_rd_init(msg, 0);
	bgp_update_init(u);
	if (body(msg, len, BGP_UPDATE, &r, n, err) != 0)
		return -1;
	upd_ctx c = { u, o, n, err, false, NULL, 0, { false, false } };
	if (ap != NULL)
		c.ap = *ap;
	/* RFC 4271 section 6.3 / RFC 7606 section 4: lengths that do not add
	 * up leave no way to find the NLRI: session reset */
	uint16_t wd_len = wire_u16(&r);
	wire_rd wd = wire_sub(&r, wd_len);
	uint16_t attr_len = wire_u16(&r);
	wire_rd attrs = wire_sub(&r, attr_len);
	if (!wire_ok(&r)) {
		upd_reset(&c, BGP_UPD_MALFORMED_ATTRS, NULL, 0,
			  "withdrawn routes or path attribute length overruns the message", 0);
		goto fail;
	}
	if (read_pfxs(&wd, BGP_AFI_IPV4, c.ap.v4, &u->withdrawn, &u->n_withdrawn) != 0) {
		upd_reset(&c, BGP_UPD_BAD_NETWORK, NULL, 0, "malformed withdrawn route", 0);
		goto fail;
	}
	if (read_pfxs(&r, BGP_AFI_IPV4, c.ap.v4, &u->nlri, &u->n_nlri) != 0) {
		upd_reset(&c, BGP_UPD_BAD_NETWORK, NULL, 0, "malformed NLRI", 0);
		goto fail;
	}
	while (wire_left(&attrs) > 0) {
		const uint8_t *start = wire_ptr(&attrs);
		uint8_t flags = wire_u8(&attrs);
		uint8_t type = wire_u8(&attrs);
		uint16_t alen = (flags & BGP_AF_EXTLEN) ? wire_u16(&attrs) : wire_u8(&attrs);
		wire_rd v = wire_sub(&attrs, alen);
		if (!wire_ok(&attrs)) {
			/* RFC 7606 section 4: an attribute overrunning the list
			 * is treat-as-withdraw when the NLRI are located by the
			 * total length; an MP attribute hidden behind it could
			 * not be withdrawn, so without any NLRI found so far
			 * the session is reset */
			size_t left = (size_t)(attrs.len - (size_t)(start - attrs.buf));
			c.attr = start;
			c.attr_len = left;
			if (u->n_nlri == 0 && u->n_withdrawn == 0 && !u->reach.present &&
			    !u->unreach.present) {
				upd_reset(&c, BGP_UPD_MALFORMED_ATTRS, NULL, 0,
					  "attribute overruns the path attributes", type);
				goto fail;
			}
			upd_withdraw(&c, BGP_UPD_ATTR_LEN, "attribute overruns the path attributes",
				     type);
			break;
		}
		c.attr = start;
		c.attr_len = (size_t)(wire_ptr(&attrs) - start);
		if (attr_one(&c, flags, type, &v) != 0)
			goto fail;
	}
	if (!o->as4)
		merge_as4_path(u);
	/* RFC 7606 section 3 (d): missing well-known mandatory attributes */
	bool reach = u->n_nlri > 0 || (u->reach.present && (u->reach.n_pfx > 0 || u->reach.raw_len > 0));
	if (reach) {
		static const uint8_t mand[] = { BGP_ATTR_ORIGIN, BGP_ATTR_AS_PATH,
						BGP_ATTR_NEXT_HOP, BGP_ATTR_LOCAL_PREF };
		for (size_t i = 0; i < sizeof mand; i++) {
			uint8_t t = mand[i];
			if (t == BGP_ATTR_NEXT_HOP && u->n_nlri == 0)
				continue;
			if (t == BGP_ATTR_LOCAL_PREF && !o->ibgp)
				continue;
			if (!BGP_ATTR_SEEN(u, t) && !c.withdraw) {
				bgp_notif_set(n, BGP_ERR_UPDATE, BGP_UPD_MISSING_WK, &t, 1);
				neto_err_set(err, "BGP UPDATE: missing well-known attribute %u "
					     "(treat-as-withdraw, RFC 7606)", t);
				c.withdraw = true;
			}
		}
	}
	return c.withdraw ? BGP_TREAT_AS_WITHDRAW : 0;
fail:
	bgp_update_free(u);
	return -1;
}

/* Writes one attribute header with a two-octet length placeholder; the
 * matching attr_end shortens it to one octet when the value fits. */
static size_t attr_begin(wire_wr *w, uint8_t flags, uint8_t type)
{
	size_t at = wire_wr_mark(w);
	wire_put_u8(w, flags | BGP_AF_EXTLEN);
	wire_put_u8(w, type);
	wire_put_u16(w, 0);
	return at;
}

static int attr_end(wire_wr *w, size_t at, neto_err *err)
{
	size_t vlen = w->len - at - 4;
	if (vlen > 0xffff)
		return neto_err_set(err, "BGP attribute of %zu octets", vlen);
	if (vlen <= 255) {
		w->buf[at] &= (uint8_t)~BGP_AF_EXTLEN;
		w->buf[at + 2] = (uint8_t)vlen;
		memmove(w->buf + at + 3, w->buf + at + 4, vlen);
		w->len--;
	} else {
		wire_wr_patch_u16(w, at + 2, (uint16_t)vlen);
	}
	return 0;
}

static void put_pfxs(wire_wr *w, const bgp_pfx *p, size_t n, bool addpath)
{
	for (size_t i = 0; i < n; i++) {
		if (addpath)
			wire_put_u32(w, p[i].path_id);
		bgp_pfx_write(w, &p[i]);
	}
}

static void put_mp(wire_wr *w, const bgp_mp *m, bool reach, const bgp_addpath *o)
{
	wire_put_u16(w, m->afi);
	wire_put_u8(w, m->safi);
	if (reach) {
		wire_put_u8(w, m->nh_len);
		wire_put_bytes(w, m->nh, m->nh_len);
		wire_put_u8(w, 0);
	}
	bool ap = m->safi == BGP_SAFI_UNICAST &&
		  (m->afi == BGP_AFI_IPV4 ? o->v4 : m->afi == BGP_AFI_IPV6 && o->v6);
	put_pfxs(w, m->pfx, m->n_pfx, ap);
	wire_put_bytes(w, m->raw, m->raw_len);
}

static int put_attr(wire_wr *w, const bgp_update *u, const bgp_upd_opts *o,
		    const bgp_addpath *ap, uint8_t t,
		    neto_err *err)
{
	int f = known_flags(t);
	bool on = (t == BGP_ATTR_MP_REACH) ? u->reach.present
		: (t == BGP_ATTR_MP_UNREACH) ? u->unreach.present
		: (t < 32 && BGP_ATTR_SEEN(u, t));
	if (f < 0 || !on || t == BGP_ATTR_ATOMIC_AGGR || t == BGP_ATTR_AGGREGATOR ||
	    t == BGP_ATTR_EXT_COMMUNITIES || t == BGP_ATTR_AS4_PATH ||
	    t == BGP_ATTR_AS4_AGGREGATOR)
		return 0;	/* those known ones travel as raw attributes */
	size_t at = attr_begin(w, (uint8_t)f, t);
	switch (t) {
	case BGP_ATTR_ORIGIN:
		wire_put_u8(w, u->origin);
		break;
	case BGP_ATTR_AS_PATH:
		for (size_t i = 0; i < u->n_segs; i++) {
			const bgp_as_seg *s = &u->segs[i];
			wire_put_u8(w, s->type);
			wire_put_u8(w, s->n);
			for (unsigned k = 0; k < s->n; k++) {
				uint32_t a = u->asns[s->first + k];
				if (o->as4)
					wire_put_u32(w, a);
				else	/* RFC 6793 section 4.2.2 */
					wire_put_u16(w, a > 65535 ? (uint16_t)BGP_AS_TRANS : (uint16_t)a);
			}
		}
		break;
	case BGP_ATTR_NEXT_HOP:
		wire_put_u32(w, u->next_hop);
		break;
	case BGP_ATTR_MED:
		wire_put_u32(w, u->med);
		break;
	case BGP_ATTR_LOCAL_PREF:
		wire_put_u32(w, u->local_pref);
		break;
	case BGP_ATTR_COMMUNITIES:
		for (size_t i = 0; i < u->n_communities; i++)
			wire_put_u32(w, u->communities[i]);
		break;
	case BGP_ATTR_MP_REACH:
		put_mp(w, &u->reach, true, ap);
		break;
	case BGP_ATTR_MP_UNREACH:
		put_mp(w, &u->unreach, false, ap);
		break;
	case BGP_ATTR_LS:
		wire_put_bytes(w, u->ls_attr, u->ls_attr_len);
		break;
	case BGP_ATTR_TUNNEL_ENCAP:
		wire_put_bytes(w, u->tunnel_encap, u->tunnel_encap_len);
		break;
	default:
		break;
	}
	return attr_end(w, at, err);
}

int bgp_update_encode(const bgp_update *u, const bgp_upd_opts *o, wire_wr *w, neto_err *err)
{
	return bgp_update_encode_ap(u, o, NULL, w, err);
}

int bgp_update_encode_ap(const bgp_update *u, const bgp_upd_opts *o, const bgp_addpath *ap0,
			 wire_wr *w, neto_err *err)
{
	const bgp_addpath none = { false, false };
	const bgp_addpath *ap = ap0 != NULL ? ap0 : &none;
	size_t at;
	put_header(w, BGP_UPDATE, &at);
	size_t wd_at = wire_wr_mark(w);
	wire_put_u16(w, 0);
	put_pfxs(w, u->withdrawn, u->n_withdrawn, ap->v4);
	size_t wd_len = w->len - wd_at - 2;
	size_t attr_at = wire_wr_mark(w);
	wire_put_u16(w, 0);
	/* attributes in type order, the raw ones among them */
	for (unsigned t = 1; t < 256; t++) {
		if (put_attr(w, u, o, ap, (uint8_t)t, err) != 0)
			goto fail;
		for (size_t i = 0; i < u->n_other; i++) {
			const bgp_raw_attr *a = &u->other[i];
			if (a->type != t)
				continue;
			size_t aat = attr_begin(w, a->flags & (uint8_t)~BGP_AF_EXTLEN, a->type);
			wire_put_bytes(w, a->val, a->len);
			if (attr_end(w, aat, err) != 0)
				goto fail;
		}
	}
	size_t attr_len = w->len - attr_at - 2;
	if (wd_len > 0xffff || attr_len > 0xffff) {
		neto_err_set(err, "BGP UPDATE too long");
		goto fail;
	}
	wire_wr_patch_u16(w, wd_at, (uint16_t)wd_len);
	wire_wr_patch_u16(w, attr_at, (uint16_t)attr_len);
	put_pfxs(w, u->nlri, u->n_nlri, ap->v4);
	return finish_header(w, at, err);
fail:
	w->len = at;
	return -1;
}

/* ---- NOTIFICATION, KEEPALIVE, ROUTE-REFRESH ------------------------------ */

int bgp_notification_decode(const uint8_t *msg, size_t len, bgp_notification *m, neto_err *err)
{
	wire_rd r = wire_rd_init(msg, 0);
	bgp_notif ignored;
	memset(m, 0, sizeof *m);
	/* RFC 4271 section 6.4: a NOTIFICATION is never answered with one */
	if (body(msg, len, BGP_NOTIFICATION, &r, &ignored, err) != 0)
		return -1;
	m->code = wire_u8(&r);
	m->subcode = wire_u8(&r);
	if (!wire_ok(&r))
		return neto_err_set(err, "BGP NOTIFICATION: truncated");
	m->data = wire_ptr(&r);
	m->data_len = wire_left(&r);
	return 0;
}

int bgp_notification_encode(const bgp_notif *n, wire_wr *w, neto_err *err)
{
	size_t at;
	put_header(w, BGP_NOTIFICATION, &at);
	wire_put_u8(w, n->code);
	wire_put_u8(w, n->subcode);
	wire_put_bytes(w, n->data, n->data_len);
	return finish_header(w, at, err);
}

void bgp_keepalive_encode(wire_wr *w)
{
	size_t at;
	put_header(w, BGP_KEEPALIVE, &at);
	wire_wr_patch_u16(w, at + 16, BGP_HDR_LEN);
}

int bgp_refresh_decode(const uint8_t *msg, size_t len, bgp_refresh *m, bgp_notif *n,
		       neto_err *err)
{
	wire_rd r = wire_rd_init(msg, 0);
	memset(m, 0, sizeof *m);
	if (body(msg, len, BGP_ROUTE_REFRESH, &r, n, err) != 0)
		return -1;
	/* RFC 7313 section 5: a length other than 23 is "Invalid Message
	 * Length", with the whole message as data */
	if (len != 23) {
		bgp_notif_set(n, BGP_ERR_REFRESH, 1, msg, len);
		return neto_err_set(err, "BGP ROUTE-REFRESH: length %zu, must be 23", len);
	}
	m->afi = wire_u16(&r);
	m->subtype = wire_u8(&r);
	m->safi = wire_u8(&r);
	return 0;
}

void bgp_refresh_encode(const bgp_refresh *m, wire_wr *w)
{
	size_t at;
	put_header(w, BGP_ROUTE_REFRESH, &at);
	wire_put_u16(w, m->afi);
	wire_put_u8(w, m->subtype);
	wire_put_u8(w, m->safi);
	wire_wr_patch_u16(w, at + 16, 23);
}
