/*
 * bmp.c - BMP (RFC 7854) message framing, decoding and encoding.
 *
 * Every field is read through a wire_rd cursor; each message body, each TLV
 * and each embedded BGP PDU is cut into a sub-cursor of its declared length
 * first, so a bad inner length can only fail, never read a neighbour's
 * octets. The BGP PDUs are handed to proto/bgp, which checks them as a BGP
 * speaker would; their failures become BMP decode failures (the collector
 * closes the session) except an RFC 7606 treat-as-withdraw, which is a
 * property of the route, not of the BMP stream.
 */
#include "proto/bmp/bmp.h"

#include <stdio.h>
#include <string.h>

void bmp_msg_init(bmp_msg *m, uint8_t type)
{
	memset(m, 0, sizeof *m);
	m->type = type;
	bgp_update_init(&m->update);
}

void bmp_msg_free(bmp_msg *m)
{
	bgp_update_free(&m->update);
}

const char *bmp_type_name(uint8_t type)
{
	switch (type) {
	case BMP_ROUTE_MONITORING: return "Route Monitoring";
	case BMP_STATS_REPORT: return "Statistics Report";
	case BMP_PEER_DOWN: return "Peer Down";
	case BMP_PEER_UP: return "Peer Up";
	case BMP_INITIATION: return "Initiation";
	case BMP_TERMINATION: return "Termination";
	case BMP_ROUTE_MIRRORING: return "Route Mirroring";
	default: return "unknown";
	}
}

bgp_upd_opts bmp_upd_opts(const bmp_peer_hdr *p)
{
	/* RFC 7854 section 4.2: A set means the AS_PATH has 2-octet ASNs.
	 * LOCAL_PREF is not required: the router may monitor eBGP and iBGP
	 * peers alike and BMP does not say which a peer is. */
	bgp_upd_opts o = { .as4 = !(p->flags & BMP_FLAG_A), .ibgp = false };
	return o;
}

int bmp_frame(const uint8_t *buf, size_t len, size_t *msg_len, neto_err *err)
{
	wire_rd r = wire_rd_init(buf, len);
	uint8_t version = wire_u8(&r);
	if (!wire_ok(&r))
		return 1;
	if (version != BMP_VERSION)
		/* RFC 7854 section 4.1: version 3; the drafts' versions 1 and 2
		 * had another header, so nothing after this octet is usable */
		return neto_err_set(err, "BMP: version %u, expected %d", version, BMP_VERSION);
	uint32_t mlen = wire_u32(&r);
	(void)wire_u8(&r);
	if (!wire_ok(&r))
		return 1;
	/* the length counts the common header itself */
	if (mlen < BMP_COMMON_LEN || mlen > BMP_MAX_LEN)
		return neto_err_set(err, "BMP: message length %u outside %d..%u", mlen,
				    BMP_COMMON_LEN, BMP_MAX_LEN);
	if (mlen > len)
		return 1;
	*msg_len = mlen;
	return 0;
}

/* ---- decoding ------------------------------------------------------------ */

static int peer_hdr_read(wire_rd *r, bmp_peer_hdr *p, neto_err *err)
{
	/* RFC 7854 section 4.2 */
	p->type = wire_u8(r);
	p->flags = wire_u8(r);
	p->distinguisher = wire_u64(r);
	wire_copy(r, p->addr, 16);
	p->as = wire_u32(r);
	p->bgp_id = wire_u32(r);
	p->ts_sec = wire_u32(r);
	p->ts_usec = wire_u32(r);
	if (!wire_ok(r))
		return neto_err_set(err, "BMP: per-peer header truncated (need %d octets)",
				    BMP_PEER_HDR_LEN);
	if (p->type > BMP_PEER_LOC_RIB)
		/* a peer type we cannot interpret makes the distinguisher
		 * meaningless; section 4.2 defines 0..2, RFC 9069 adds 3 */
		return neto_err_set(err, "BMP: unknown peer type %u", p->type);
	if (p->ts_usec >= 1000000)
		return neto_err_set(err, "BMP: per-peer header microseconds %u out of range",
				    p->ts_usec);
	return 0;
}

/* The information TLVs to the end of r (sections 4.4, 4.5, 4.10). */
static int tlvs_read(wire_rd *r, bmp_msg *m, const char *what, neto_err *err)
{
	while (wire_left(r) > 0) {
		uint16_t type = wire_u16(r);
		uint16_t len = wire_u16(r);
		wire_rd v = wire_sub(r, len);
		if (!wire_ok(r))
			return neto_err_set(err, "BMP %s: TLV type %u length %u runs past the message",
					    what, type, len);
		if (m->n_tlvs == BMP_MAX_TLVS)
			return neto_err_set(err, "BMP %s: more than %d TLVs", what, BMP_MAX_TLVS);
		m->tlvs[m->n_tlvs].type = type;
		m->tlvs[m->n_tlvs].len = len;
		m->tlvs[m->n_tlvs].val = v.buf;
		m->n_tlvs++;
	}
	return 0;
}

/* Cuts the BGP PDU at the cursor into *pdu after checking its header. */
static int bgp_pdu(wire_rd *r, uint8_t want, wire_rd *pdu, const char *what, neto_err *err)
{
	bgp_hdr h;
	bgp_notif n;
	neto_err e;
	if (wire_left(r) < BGP_HDR_LEN)
		return neto_err_set(err, "BMP %s: %zu octets left, a BGP message needs %d", what,
				    wire_left(r), BGP_HDR_LEN);
	if (bgp_hdr_decode(wire_ptr(r), wire_left(r), &h, &n, &e) != 0)
		return neto_err_set(err, "BMP %s: %s", what, e.msg);
	if (h.type != want)
		return neto_err_set(err, "BMP %s: embedded BGP %s, expected %s", what,
				    bgp_type_name(h.type), bgp_type_name(want));
	*pdu = wire_sub(r, h.len);
	if (!wire_ok(r))
		return neto_err_set(err, "BMP %s: BGP %s of %u octets runs past the message", what,
				    bgp_type_name(want), h.len);
	return 0;
}

static int open_read(wire_rd *r, bgp_open *o, const char *which, neto_err *err)
{
	wire_rd pdu = wire_rd_init(NULL, 0);
	bgp_notif n;
	neto_err e;
	if (bgp_pdu(r, BGP_OPEN, &pdu, which, err) != 0)
		return -1;
	if (bgp_open_decode(pdu.buf, pdu.len, o, &n, &e) != 0)
		return neto_err_set(err, "BMP %s: %s", which, e.msg);
	return 0;
}

static int peer_up_read(wire_rd *r, bmp_msg *m, neto_err *err)
{
	/* RFC 7854 section 4.10 */
	wire_copy(r, m->local_addr, 16);
	m->local_port = wire_u16(r);
	m->remote_port = wire_u16(r);
	if (!wire_ok(r))
		return neto_err_set(err, "BMP Peer Up: truncated before the OPENs");
	if (open_read(r, &m->sent_open, "Peer Up sent OPEN", err) != 0 ||
	    open_read(r, &m->recv_open, "Peer Up received OPEN", err) != 0)
		return -1;
	return tlvs_read(r, m, "Peer Up", err);
}

static int peer_down_read(wire_rd *r, bmp_msg *m, neto_err *err)
{
	/* RFC 7854 section 4.9 */
	m->down_reason = wire_u8(r);
	if (!wire_ok(r))
		return neto_err_set(err, "BMP Peer Down: no reason");
	switch (m->down_reason) {
	case BMP_DOWN_LOCAL_NOTIF:
	case BMP_DOWN_REMOTE_NOTIF: {
		wire_rd pdu = wire_rd_init(NULL, 0);
		bgp_notification nm;
		neto_err e;
		if (bgp_pdu(r, BGP_NOTIFICATION, &pdu, "Peer Down", err) != 0)
			return -1;
		if (bgp_notification_decode(pdu.buf, pdu.len, &nm, &e) != 0)
			return neto_err_set(err, "BMP Peer Down: %s", e.msg);
		m->has_notif = true;
		bgp_notif_set(&m->notif, nm.code, nm.subcode, nm.data, nm.data_len);
		break;
	}
	case BMP_DOWN_LOCAL_FSM:
		m->fsm_event = wire_u16(r);
		if (!wire_ok(r))
			return neto_err_set(err, "BMP Peer Down: FSM event code truncated");
		break;
	case BMP_DOWN_REMOTE_NODATA:
	case BMP_DOWN_DECONFIGURED:
		break;
	default:
		return neto_err_set(err, "BMP Peer Down: unknown reason %u", m->down_reason);
	}
	if (wire_left(r) != 0)
		return neto_err_set(err, "BMP Peer Down: %zu octets after the reason's data",
				    wire_left(r));
	return 0;
}

static int route_mon_read(wire_rd *r, bmp_msg *m, neto_err *err)
{
	/* RFC 7854 section 4.6: one BGP UPDATE and nothing else */
	wire_rd pdu = wire_rd_init(NULL, 0);
	neto_err e;
	if (bgp_pdu(r, BGP_UPDATE, &pdu, "Route Monitoring", err) != 0)
		return -1;
	if (wire_left(r) != 0)
		return neto_err_set(err, "BMP Route Monitoring: %zu octets after the UPDATE",
				    wire_left(r));
	bgp_upd_opts o = bmp_upd_opts(&m->peer);
	int rc = bgp_update_decode(pdu.buf, pdu.len, &o, &m->update, &m->update_fault, &e);
	if (rc < 0)
		return neto_err_set(err, "BMP Route Monitoring: %s", e.msg);
	m->update_rc = rc;
	return 0;
}

static int stats_read(wire_rd *r, bmp_msg *m, neto_err *err)
{
	/* RFC 7854 section 4.8 */
	uint32_t count = wire_u32(r);
	if (!wire_ok(r))
		return neto_err_set(err, "BMP Statistics Report: no count");
	for (uint32_t i = 0; i < count; i++) {
		uint16_t type = wire_u16(r);
		uint16_t len = wire_u16(r);
		wire_rd v = wire_sub(r, len);
		if (!wire_ok(r))
			return neto_err_set(err, "BMP Statistics Report: stat %u of %u truncated", i + 1,
					    count);
		if (m->n_stats == BMP_MAX_STATS)
			return neto_err_set(err, "BMP Statistics Report: more than %d stats",
					    BMP_MAX_STATS);
		bmp_stat *s = &m->stats[m->n_stats++];
		s->type = type;
		s->len = len;
		size_t want;
		switch (type) {
		case 0: case 1: case 2: case 3: case 4: case 5: case 6:
		case 11: case 12: case 13:
			want = 4;
			s->value = wire_u32(&v);
			break;
		case 7: case 8:
			want = 8;
			s->value = wire_u64(&v);
			break;
		case 9: case 10:
			want = 11;
			s->afi = wire_u16(&v);
			s->safi = wire_u8(&v);
			s->value = wire_u64(&v);
			break;
		default:
			want = len;
			s->raw = v.buf;
			break;
		}
		if (len != want)
			return neto_err_set(err, "BMP Statistics Report: stat type %u has length %u, "
					    "expected %zu", type, len, want);
	}
	if (wire_left(r) != 0)
		return neto_err_set(err, "BMP Statistics Report: %zu octets after %u stats",
				    wire_left(r), count);
	return 0;
}

static int term_check(const bmp_msg *m, neto_err *err)
{
	/* RFC 7854 section 4.5: a reason TLV is two octets */
	for (size_t i = 0; i < m->n_tlvs; i++)
		if (m->tlvs[i].type == BMP_TERM_REASON && m->tlvs[i].len != 2)
			return neto_err_set(err, "BMP Termination: reason TLV of %u octets",
					    m->tlvs[i].len);
	return 0;
}

static int decode_body(wire_rd *r, bmp_msg *m, neto_err *err)
{
	switch (m->type) {
	case BMP_INITIATION:
		return tlvs_read(r, m, "Initiation", err);
	case BMP_TERMINATION:
		if (tlvs_read(r, m, "Termination", err) != 0)
			return -1;
		return term_check(m, err);
	default:
		break;
	}
	if (peer_hdr_read(r, &m->peer, err) != 0)
		return -1;
	switch (m->type) {
	case BMP_ROUTE_MONITORING: return route_mon_read(r, m, err);
	case BMP_STATS_REPORT: return stats_read(r, m, err);
	case BMP_PEER_DOWN: return peer_down_read(r, m, err);
	case BMP_PEER_UP: return peer_up_read(r, m, err);
	case BMP_ROUTE_MIRRORING: return tlvs_read(r, m, "Route Mirroring", err);
	default: return -1;
	}
}

int bmp_decode(const uint8_t *buf, size_t len, bmp_msg *m, neto_err *err)
{
	bmp_msg_init(m, 0);
	size_t mlen;
	int fr = bmp_frame(buf, len, &mlen, err);
	if (fr < 0)
		return -1;
	if (fr > 0)
		return neto_err_set(err, "BMP: message of %zu octets is truncated", len);
	if (mlen != len)
		return neto_err_set(err, "BMP: %zu octets, the header says %zu", len, mlen);
	wire_rd r = wire_rd_init(buf, len);
	wire_skip(&r, 5);
	m->type = wire_u8(&r);
	if (m->type > BMP_ROUTE_MIRRORING)
		/* section 4.1: types above 6 are unassigned; their body is not
		 * ours to guess, and the stream cannot be trusted either */
		return neto_err_set(err, "BMP: unknown message type %u", m->type);
	if (decode_body(&r, m, err) != 0) {
		bmp_msg_free(m);
		return -1;
	}
	return 0;
}

/* ---- encoding ------------------------------------------------------------ */

void bmp_msg_add_tlv(bmp_msg *m, uint16_t type, const void *val, uint16_t len)
{
	if (m->n_tlvs == BMP_MAX_TLVS)
		return;
	m->tlvs[m->n_tlvs].type = type;
	m->tlvs[m->n_tlvs].len = len;
	m->tlvs[m->n_tlvs].val = val;
	m->n_tlvs++;
}

static void peer_hdr_write(wire_wr *w, const bmp_peer_hdr *p)
{
	wire_put_u8(w, p->type);
	wire_put_u8(w, p->flags);
	wire_put_u64(w, p->distinguisher);
	wire_put_bytes(w, p->addr, 16);
	wire_put_u32(w, p->as);
	wire_put_u32(w, p->bgp_id);
	wire_put_u32(w, p->ts_sec);
	wire_put_u32(w, p->ts_usec);
}

static void tlvs_write(wire_wr *w, const bmp_msg *m)
{
	for (size_t i = 0; i < m->n_tlvs; i++) {
		wire_put_u16(w, m->tlvs[i].type);
		wire_put_u16(w, m->tlvs[i].len);
		wire_put_bytes(w, m->tlvs[i].val, m->tlvs[i].len);
	}
}

static void stats_write(wire_wr *w, const bmp_msg *m)
{
	wire_put_u32(w, (uint32_t)m->n_stats);
	for (size_t i = 0; i < m->n_stats; i++) {
		const bmp_stat *s = &m->stats[i];
		wire_put_u16(w, s->type);
		switch (s->type) {
		case 0: case 1: case 2: case 3: case 4: case 5: case 6:
		case 11: case 12: case 13:
			wire_put_u16(w, 4);
			wire_put_u32(w, (uint32_t)s->value);
			break;
		case 7: case 8:
			wire_put_u16(w, 8);
			wire_put_u64(w, s->value);
			break;
		case 9: case 10:
			wire_put_u16(w, 11);
			wire_put_u16(w, s->afi);
			wire_put_u8(w, s->safi);
			wire_put_u64(w, s->value);
			break;
		default:
			wire_put_u16(w, s->len);
			wire_put_bytes(w, s->raw, s->len);
			break;
		}
	}
}

int bmp_encode(const bmp_msg *m, wire_wr *w, neto_err *err)
{
	size_t at = wire_wr_mark(w);
	wire_put_u8(w, BMP_VERSION);
	wire_put_u32(w, 0);	/* patched below */
	wire_put_u8(w, m->type);
	if (m->type != BMP_INITIATION && m->type != BMP_TERMINATION)
		peer_hdr_write(w, &m->peer);
	int rc = 0;
	switch (m->type) {
	case BMP_INITIATION:
	case BMP_TERMINATION:
	case BMP_ROUTE_MIRRORING:
		tlvs_write(w, m);
		break;
	case BMP_PEER_UP:
		wire_put_bytes(w, m->local_addr, 16);
		wire_put_u16(w, m->local_port);
		wire_put_u16(w, m->remote_port);
		rc = bgp_open_encode(&m->sent_open, w, err);
		if (rc == 0)
			rc = bgp_open_encode(&m->recv_open, w, err);
		tlvs_write(w, m);
		break;
	case BMP_PEER_DOWN:
		wire_put_u8(w, m->down_reason);
		if (m->down_reason == BMP_DOWN_LOCAL_NOTIF || m->down_reason == BMP_DOWN_REMOTE_NOTIF)
			rc = bgp_notification_encode(&m->notif, w, err);
		else if (m->down_reason == BMP_DOWN_LOCAL_FSM)
			wire_put_u16(w, m->fsm_event);
		break;
	case BMP_ROUTE_MONITORING: {
		bgp_upd_opts o = bmp_upd_opts(&m->peer);
		rc = bgp_update_encode(&m->update, &o, w, err);
		break;
	}
	case BMP_STATS_REPORT:
		stats_write(w, m);
		break;
	default:
		rc = neto_err_set(err, "BMP: cannot encode message type %u", m->type);
		break;
	}
	if (rc != 0) {
		w->len = at;
		return -1;
	}
	size_t len = w->len - at;
	if (len > BMP_MAX_LEN) {
		w->len = at;
		return neto_err_set(err, "BMP: %s of %zu octets exceeds %u", bmp_type_name(m->type),
				    len, BMP_MAX_LEN);
	}
	wire_wr_patch_u32(w, at + 1, (uint32_t)len);
	return 0;
}
