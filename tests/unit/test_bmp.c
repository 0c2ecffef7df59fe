/*
 * test_bmp.c - the BMP codec (RFC 7854): every message type round-trips
 * through the encoder and decoder (same fields, same bytes on re-encoding),
 * the A flag switches the embedded UPDATE between 2- and 4-octet AS_PATHs,
 * the stream framer waits for whole messages, and each malformation is
 * refused with a message naming it.
 *
 * With NETO_BMP_CORPUS=DIR set, the messages built here are also written to
 * DIR, one per file: that is how fuzz/corpus/bmp was made.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/bmp/bmp.h"

static void peer_hdr(bmp_peer_hdr *p, uint8_t flags, uint8_t last_octet)
{
	memset(p, 0, sizeof *p);
	p->type = BMP_PEER_GLOBAL;
	p->flags = flags;
	if (flags & BMP_FLAG_V) {
		p->addr[0] = 0x20;
		p->addr[1] = 0x01;
		p->addr[2] = 0x0d;
		p->addr[3] = 0xb8;
		p->addr[15] = last_octet;
	} else {
		p->addr[12] = 192;
		p->addr[13] = 0;
		p->addr[14] = 2;
		p->addr[15] = last_octet;
	}
	p->as = 64500 + last_octet;
	p->bgp_id = 0xc0000200u | last_octet;
	p->ts_sec = 1700000000;
	p->ts_usec = 123456;
}

static void save(const char *name, const wire_wr *w)
{
	const char *dir = getenv("NETO_BMP_CORPUS");
	if (dir == NULL)
		return;
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(w->buf, 1, w->len, f), w->len);
	fclose(f);
}

/* Encodes m, decodes it into d, re-encodes d and checks the same bytes. */
static void roundtrip(const bmp_msg *m, bmp_msg *d, const char *name, wire_wr *w)
{
	neto_err err;
	wire_wr_init(w);
	assert_int_equal(bmp_encode(m, w, &err), 0);
	size_t ml;
	assert_int_equal(bmp_frame(w->buf, w->len, &ml, &err), 0);
	assert_int_equal(ml, w->len);
	if (bmp_decode(w->buf, w->len, d, &err) != 0)
		fail_msg("%s: %s", name, err.msg);
	assert_int_equal(d->type, m->type);
	wire_wr w2;
	wire_wr_init(&w2);
	assert_int_equal(bmp_encode(d, &w2, &err), 0);
	assert_int_equal(w2.len, w->len);
	assert_memory_equal(w2.buf, w->buf, w->len);
	wire_wr_free(&w2);
	save(name, w);
}

static void test_initiation_termination(void **state)
{
	(void)state;
	bmp_msg m, d;
	wire_wr w;
	bmp_msg_init(&m, BMP_INITIATION);
	bmp_msg_add_tlv(&m, BMP_INFO_SYSDESCR, "FRRouting 8.4", 13);
	bmp_msg_add_tlv(&m, BMP_INFO_SYSNAME, "border1", 7);
	roundtrip(&m, &d, "initiation", &w);
	assert_int_equal(d.n_tlvs, 2);
	assert_int_equal(d.tlvs[1].type, BMP_INFO_SYSNAME);
	assert_int_equal(d.tlvs[1].len, 7);
	assert_memory_equal(d.tlvs[1].val, "border1", 7);
	bmp_msg_free(&d);
	wire_wr_free(&w);

	bmp_msg_init(&m, BMP_TERMINATION);
	const uint8_t reason[2] = { 0, BMP_TERM_OUT_OF_RESOURCES };
	bmp_msg_add_tlv(&m, BMP_TERM_STRING, "bye", 3);
	bmp_msg_add_tlv(&m, BMP_TERM_REASON, reason, 2);
	roundtrip(&m, &d, "termination", &w);
	assert_int_equal(d.n_tlvs, 2);
	assert_int_equal(d.tlvs[1].val[1], BMP_TERM_OUT_OF_RESOURCES);
	bmp_msg_free(&d);
	/* a reason of 3 octets is refused */
	neto_err err;
	w.buf[w.len - 3] = 3;	/* the reason TLV's length, low octet */
	uint8_t *b = malloc(w.len + 1);
	memcpy(b, w.buf, w.len);
	b[w.len] = 0;
	b[4] = (uint8_t)(w.len + 1);
	assert_int_equal(bmp_decode(b, w.len + 1, &d, &err), -1);
	assert_non_null(strstr(err.msg, "reason TLV of 3 octets"));
	free(b);
	wire_wr_free(&w);
}

static void test_peer_up_down(void **state)
{
	(void)state;
	bmp_msg m, d;
	wire_wr w;
	bmp_msg_init(&m, BMP_PEER_UP);
	peer_hdr(&m.peer, BMP_FLAG_V, 2);
	m.peer.distinguisher = 0x0000fde800000064ULL;
	m.peer.type = BMP_PEER_RD;
	m.local_addr[0] = 0x20;
	m.local_addr[1] = 0x01;
	m.local_addr[15] = 1;
	m.local_port = 41000;
	m.remote_port = 179;
	bgp_open_init(&m.sent_open, 65000, 90, 0x0a000001);
	bgp_open_add_family(&m.sent_open, BGP_AFI_IPV6, BGP_SAFI_UNICAST);
	bgp_open_init(&m.recv_open, 4200000002u, 180, 0x0a000002);
	bgp_open_add_family(&m.recv_open, BGP_AFI_IPV6, BGP_SAFI_UNICAST);
	bmp_msg_add_tlv(&m, BMP_INFO_STRING, "transit-a", 9);
	roundtrip(&m, &d, "peer_up_v6", &w);
	assert_int_equal(d.peer.type, BMP_PEER_RD);
	assert_true(d.peer.flags & BMP_FLAG_V);
	assert_int_equal(d.peer.distinguisher, 0x0000fde800000064ULL);
	assert_int_equal(d.peer.as, 64502);
	assert_int_equal(d.peer.ts_usec, 123456);
	assert_int_equal(d.local_port, 41000);
	assert_int_equal(d.remote_port, 179);
	assert_int_equal(bgp_open_asn(&d.recv_open), 4200000002u);
	assert_int_equal(d.recv_open.hold_time, 180);
	assert_true(bgp_open_has_family(&d.sent_open, BGP_AFI_IPV6, BGP_SAFI_UNICAST));
	assert_int_equal(d.n_tlvs, 1);
	bmp_msg_free(&d);
	wire_wr_free(&w);

	/* Peer Down with the NOTIFICATION the peer sent (Cease, shutdown) */
	bmp_msg_init(&m, BMP_PEER_DOWN);
	peer_hdr(&m.peer, 0, 3);
	m.down_reason = BMP_DOWN_REMOTE_NOTIF;
	bgp_notif_set(&m.notif, BGP_ERR_CEASE, BGP_CEASE_SHUTDOWN, "maintenance", 11);
	roundtrip(&m, &d, "peer_down_notif", &w);
	assert_true(d.has_notif);
	assert_int_equal(d.notif.code, BGP_ERR_CEASE);
	assert_int_equal(d.notif.subcode, BGP_CEASE_SHUTDOWN);
	assert_int_equal(d.notif.data_len, 11);
	bmp_msg_free(&d);
	wire_wr_free(&w);

	bmp_msg_init(&m, BMP_PEER_DOWN);
	peer_hdr(&m.peer, 0, 3);
	m.down_reason = BMP_DOWN_LOCAL_FSM;
	m.fsm_event = 18;	/* an RFC 4271 section 8.1 event number */
	roundtrip(&m, &d, "peer_down_fsm", &w);
	assert_int_equal(d.fsm_event, 18);
	bmp_msg_free(&d);
	wire_wr_free(&w);

	bmp_msg_init(&m, BMP_PEER_DOWN);
	peer_hdr(&m.peer, 0, 3);
	m.down_reason = BMP_DOWN_REMOTE_NODATA;
	roundtrip(&m, &d, "peer_down_nodata", &w);
	assert_false(d.has_notif);
	/* unknown reason 9 */
	neto_err err;
	w.buf[BMP_COMMON_LEN + BMP_PEER_HDR_LEN] = 9;
	assert_int_equal(bmp_decode(w.buf, w.len, &d, &err), -1);
	assert_non_null(strstr(err.msg, "unknown reason 9"));
	wire_wr_free(&w);
}

static void update_v4(bgp_update *u, const uint32_t *path, uint8_t n)
{
	bgp_update_init(u);
	u->seen = 1u << BGP_ATTR_ORIGIN | 1u << BGP_ATTR_AS_PATH | 1u << BGP_ATTR_NEXT_HOP |
		  1u << BGP_ATTR_MED | 1u << BGP_ATTR_COMMUNITIES;
	u->origin = 0;
	bgp_update_add_seg(u, BGP_AS_SEQUENCE, path, n);
	u->next_hop = 0xc0000201;
	u->med = 50;
	u->communities = malloc(2 * sizeof *u->communities);
	u->communities[0] = 64501u << 16 | 100;
	u->communities[1] = 64501u << 16 | 200;
	u->n_communities = 2;
	u->nlri = calloc(2, sizeof *u->nlri);
	u->nlri[0].len = 24;
	u->nlri[0].addr[0] = 198;
	u->nlri[0].addr[1] = 51;
	u->nlri[0].addr[2] = 100;
	u->nlri[1].len = 16;
	u->nlri[1].addr[0] = 203;
	u->nlri[1].addr[1] = 0;
	u->n_nlri = 2;
}

static void test_route_monitoring(void **state)
{
	(void)state;
	bmp_msg m, d;
	wire_wr w;
	neto_err err;
	/* 4-octet ASNs (A clear) */
	bmp_msg_init(&m, BMP_ROUTE_MONITORING);
	peer_hdr(&m.peer, 0, 1);
	const uint32_t path[] = { 64501, 4200000000u, 15169 };
	update_v4(&m.update, path, 3);
	roundtrip(&m, &d, "route_mon_as4", &w);
	assert_int_equal(d.update_rc, 0);
	assert_int_equal(d.update.n_nlri, 2);
	assert_int_equal(d.update.nlri[0].len, 24);
	assert_int_equal(d.update.n_asns, 3);
	assert_int_equal(d.update.asns[1], 4200000000u);
	assert_int_equal(d.update.med, 50);
	assert_int_equal(d.update.n_communities, 2);
	assert_int_equal(d.update.next_hop, 0xc0000201);
	bmp_msg_free(&d);
	/* the same bytes read as 2-octet ASNs (A set) do not make sense: the
	 * path length no longer adds up (RFC 7606: treat-as-withdraw) or the
	 * segment reads other numbers; either way not the 3 ASNs above */
	w.buf[BMP_COMMON_LEN + 1] |= BMP_FLAG_A;
	if (bmp_decode(w.buf, w.len, &d, &err) == 0) {
		assert_true(d.update_rc == BGP_TREAT_AS_WITHDRAW || d.update.n_asns != 3 ||
			    d.update.asns[1] != 4200000000u);
		bmp_msg_free(&d);
	}
	wire_wr_free(&w);
	bmp_msg_free(&m);

	/* 2-octet ASNs (A set): the encoder writes 2 octets per AS */
	bmp_msg_init(&m, BMP_ROUTE_MONITORING);
	peer_hdr(&m.peer, BMP_FLAG_A, 1);
	const uint32_t path2[] = { 64501, 3356, 15169 };
	update_v4(&m.update, path2, 3);
	roundtrip(&m, &d, "route_mon_as2", &w);
	assert_int_equal(d.update.n_asns, 3);
	assert_int_equal(d.update.asns[1], 3356);
	size_t len2 = w.len;
	bmp_msg_free(&d);
	wire_wr_free(&w);
	m.peer.flags = 0;
	wire_wr_init(&w);
	assert_int_equal(bmp_encode(&m, &w, &err), 0);
	assert_int_equal(w.len, len2 + 6);	/* 3 ASNs, 2 octets more each */
	wire_wr_free(&w);
	bmp_msg_free(&m);

	/* IPv6 through MP_REACH_NLRI, and a withdrawal */
	bmp_msg_init(&m, BMP_ROUTE_MONITORING);
	peer_hdr(&m.peer, BMP_FLAG_V, 2);
	bgp_update *u = &m.update;
	u->seen = 1u << BGP_ATTR_ORIGIN | 1u << BGP_ATTR_AS_PATH | 1u << BGP_ATTR_MP_REACH;
	bgp_update_add_seg(u, BGP_AS_SEQUENCE, path, 2);
	u->reach.present = true;
	u->reach.afi = BGP_AFI_IPV6;
	u->reach.safi = BGP_SAFI_UNICAST;
	u->reach.nh_len = 16;
	u->reach.nh[0] = 0x20;
	u->reach.nh[1] = 0x01;
	u->reach.nh[15] = 2;
	u->reach.pfx = calloc(1, sizeof *u->reach.pfx);
	u->reach.pfx[0].len = 32;
	u->reach.pfx[0].addr[0] = 0x20;
	u->reach.pfx[0].addr[1] = 0x01;
	u->reach.pfx[0].addr[2] = 0x0d;
	u->reach.pfx[0].addr[3] = 0xb8;
	u->reach.n_pfx = 1;
	roundtrip(&m, &d, "route_mon_v6", &w);
	assert_true(d.update.reach.present);
	assert_int_equal(d.update.reach.n_pfx, 1);
	assert_int_equal(d.update.reach.pfx[0].len, 32);
	bmp_msg_free(&d);
	wire_wr_free(&w);
	bmp_msg_free(&m);

	bmp_msg_init(&m, BMP_ROUTE_MONITORING);
	peer_hdr(&m.peer, 0, 1);
	m.update.withdrawn = calloc(1, sizeof *m.update.withdrawn);
	m.update.withdrawn[0].len = 24;
	m.update.withdrawn[0].addr[0] = 198;
	m.update.withdrawn[0].addr[1] = 51;
	m.update.withdrawn[0].addr[2] = 100;
	m.update.n_withdrawn = 1;
	roundtrip(&m, &d, "route_mon_withdraw", &w);
	assert_int_equal(d.update.n_withdrawn, 1);
	bmp_msg_free(&d);
	/* trailing octets after the UPDATE */
	uint8_t *b = malloc(w.len + 2);
	memcpy(b, w.buf, w.len);
	b[w.len] = b[w.len + 1] = 0;
	b[4] = (uint8_t)(w.len + 2);
	assert_int_equal(bmp_decode(b, w.len + 2, &d, &err), -1);
	assert_non_null(strstr(err.msg, "after the UPDATE"));
	/* an embedded message that is not an UPDATE */
	b[4] = (uint8_t)w.len;
	b[BMP_COMMON_LEN + BMP_PEER_HDR_LEN + 18] = BGP_KEEPALIVE;
	assert_int_equal(bmp_decode(b, w.len, &d, &err), -1);
	free(b);
	wire_wr_free(&w);
	bmp_msg_free(&m);
}

static void test_stats(void **state)
{
	(void)state;
	bmp_msg m, d;
	wire_wr w;
	bmp_msg_init(&m, BMP_STATS_REPORT);
	peer_hdr(&m.peer, 0, 4);
	m.stats[0].type = 0;	/* prefixes rejected by inbound policy */
	m.stats[0].value = 17;
	m.stats[1].type = 7;	/* routes in Adj-RIB-In */
	m.stats[1].value = 912345;
	m.stats[2].type = 9;
	m.stats[2].afi = BGP_AFI_IPV6;
	m.stats[2].safi = BGP_SAFI_UNICAST;
	m.stats[2].value = 201000;
	static const uint8_t odd[3] = { 1, 2, 3 };
	m.stats[3].type = 4000;
	m.stats[3].len = 3;
	m.stats[3].raw = odd;
	m.n_stats = 4;
	roundtrip(&m, &d, "stats", &w);
	assert_int_equal(d.n_stats, 4);
	assert_int_equal(d.stats[0].value, 17);
	assert_int_equal(d.stats[1].value, 912345);
	assert_int_equal(d.stats[2].afi, BGP_AFI_IPV6);
	assert_int_equal(d.stats[2].value, 201000);
	assert_int_equal(d.stats[3].len, 3);
	bmp_msg_free(&d);
	/* a counter of the wrong length: type 0 with 8 octets */
	neto_err err;
	size_t at = BMP_COMMON_LEN + BMP_PEER_HDR_LEN + 4;
	w.buf[at + 3] = 8;
	assert_int_equal(bmp_decode(w.buf, w.len, &d, &err), -1);
	/* a count larger than the stats present */
	w.buf[at + 3] = 4;
	w.buf[at - 1] = 5;
	assert_int_equal(bmp_decode(w.buf, w.len, &d, &err), -1);
	assert_non_null(strstr(err.msg, "stat 5 of 5 truncated"));
	wire_wr_free(&w);
}

static void test_framing_and_header(void **state)
{
	(void)state;
	bmp_msg m, d;
	wire_wr w;
	neto_err err;
	bmp_msg_init(&m, BMP_INITIATION);
	bmp_msg_add_tlv(&m, BMP_INFO_SYSNAME, "r", 1);
	wire_wr_init(&w);
	assert_int_equal(bmp_encode(&m, &w, &err), 0);
	assert_int_equal(bmp_encode(&m, &w, &err), 0);	/* two in a stream */
	size_t one = w.len / 2, ml = 0;
	for (size_t n = 0; n < one; n++)
		assert_int_equal(bmp_frame(w.buf, n, &ml, &err), 1);
	assert_int_equal(bmp_frame(w.buf, w.len, &ml, &err), 0);
	assert_int_equal(ml, one);
	assert_int_equal(bmp_frame(w.buf + one, w.len - one, &ml, &err), 0);
	/* version 1 */
	w.buf[0] = 1;
	assert_int_equal(bmp_frame(w.buf, 1, &ml, &err), -1);
	assert_non_null(strstr(err.msg, "version 1"));
	w.buf[0] = BMP_VERSION;
	/* length below the common header, above the cap */
	w.buf[4] = 5;
	assert_int_equal(bmp_frame(w.buf, w.len, &ml, &err), -1);
	w.buf[1] = 0x7f;
	assert_int_equal(bmp_frame(w.buf, w.len, &ml, &err), -1);
	w.buf[1] = 0;
	w.buf[4] = (uint8_t)one;
	/* a whole buffer that is not one message */
	assert_int_equal(bmp_decode(w.buf, w.len, &d, &err), -1);
	assert_int_equal(bmp_decode(w.buf, one - 1, &d, &err), -1);
	/* unknown type */
	w.buf[5] = 7;
	assert_int_equal(bmp_decode(w.buf, one, &d, &err), -1);
	assert_non_null(strstr(err.msg, "unknown message type 7"));
	/* a TLV longer than the message */
	w.buf[5] = BMP_INITIATION;
	w.buf[9] = 9;
	assert_int_equal(bmp_decode(w.buf, one, &d, &err), -1);
	assert_non_null(strstr(err.msg, "runs past"));
	wire_wr_free(&w);

	/* a per-peer header cut short, a bad peer type, bad microseconds */
	bmp_msg_init(&m, BMP_PEER_DOWN);
	peer_hdr(&m.peer, 0, 1);
	m.down_reason = BMP_DOWN_DECONFIGURED;
	wire_wr_init(&w);
	assert_int_equal(bmp_encode(&m, &w, &err), 0);
	assert_int_equal(bmp_decode(w.buf, w.len, &d, &err), 0);
	w.buf[BMP_COMMON_LEN] = 9;
	assert_int_equal(bmp_decode(w.buf, w.len, &d, &err), -1);
	assert_non_null(strstr(err.msg, "peer type 9"));
	w.buf[BMP_COMMON_LEN] = 0;
	w.buf[BMP_COMMON_LEN + 38] = 0xff;
	assert_int_equal(bmp_decode(w.buf, w.len, &d, &err), -1);
	w.buf[BMP_COMMON_LEN + 38] = 0;
	w.buf[4] = 20;
	assert_int_equal(bmp_decode(w.buf, 20, &d, &err), -1);
	assert_non_null(strstr(err.msg, "per-peer header truncated"));
	wire_wr_free(&w);
}

/* Every prefix of a truncated or bit-flipped message fails or decodes; none
 * crashes (ASan) and a failure always says why. */
static void test_mutations(void **state)
{
	(void)state;
	bmp_msg m, d;
	wire_wr w;
	neto_err err;
	bmp_msg_init(&m, BMP_ROUTE_MONITORING);
	peer_hdr(&m.peer, 0, 1);
	const uint32_t path[] = { 64501, 3356 };
	update_v4(&m.update, path, 2);
	wire_wr_init(&w);
	assert_int_equal(bmp_encode(&m, &w, &err), 0);
	bmp_msg_free(&m);
	for (size_t i = 0; i < w.len; i++) {
		for (unsigned bit = 0; bit < 8; bit++) {
			w.buf[i] ^= (uint8_t)(1u << bit);
			err.msg[0] = '\0';
			if (bmp_decode(w.buf, w.len, &d, &err) == 0)
				bmp_msg_free(&d);
			else
				assert_true(err.msg[0] != '\0');
			w.buf[i] ^= (uint8_t)(1u << bit);
		}
	}
	wire_wr_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_initiation_termination),
		cmocka_unit_test(test_peer_up_down),
		cmocka_unit_test(test_route_monitoring),
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_framing_and_header),
		cmocka_unit_test(test_mutations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
