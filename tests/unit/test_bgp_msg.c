/*
 * test_bgp_msg.c - the BGP message codec: every message type round-trips
 * (encode, decode, encode gives the same bytes), and each malformation
 * yields the NOTIFICATION code/subcode RFC 4271 section 6 prescribes, or
 * RFC 7606's treat-as-withdraw / attribute discard instead of a reset.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/bgp/bgp.h"

static const bgp_upd_opts AS4 = { true, false };

static void test_open_roundtrip(void **state)
{
	(void)state;
	bgp_open o, d;
	bgp_open_init(&o, 4200000001u, 90, 0x0a000001);
	bgp_open_add_family(&o, BGP_AFI_IPV4, BGP_SAFI_UNICAST);
	bgp_open_add_family(&o, BGP_AFI_LS, BGP_SAFI_LS);
	/* an unknown capability (graceful restart) travels raw */
	o.other[0] = 64;
	o.other[1] = 2;
	o.other[2] = 0x40;
	o.other[3] = 0x78;
	o.other_len = 4;
	wire_wr w, w2;
	wire_wr_init(&w);
	wire_wr_init(&w2);
	neto_err err;
	bgp_notif n;
	assert_int_equal(bgp_open_encode(&o, &w, &err), 0);
	bgp_hdr h;
	assert_int_equal(bgp_hdr_decode(w.buf, w.len, &h, &n, &err), 0);
	assert_int_equal(h.type, BGP_OPEN);
	assert_int_equal(h.len, w.len);
	assert_int_equal(bgp_open_decode(w.buf, w.len, &d, &n, &err), 0);
	assert_int_equal(d.my_as, BGP_AS_TRANS);	/* RFC 6793: large AS */
	assert_int_equal(bgp_open_asn(&d), 4200000001u);
	assert_int_equal(d.hold_time, 90);
	assert_int_equal(d.bgp_id, 0x0a000001);
	assert_true(d.route_refresh);
	assert_true(bgp_open_has_family(&d, BGP_AFI_LS, BGP_SAFI_LS));
	assert_true(bgp_open_has_family(&d, BGP_AFI_IPV4, BGP_SAFI_UNICAST));
	assert_false(bgp_open_has_family(&d, BGP_AFI_IPV6, BGP_SAFI_UNICAST));
	assert_int_equal(d.other_len, 4);
	assert_int_equal(bgp_open_encode(&d, &w2, &err), 0);
	assert_int_equal(w.len, w2.len);
	assert_memory_equal(w.buf, w2.buf, w.len);
	wire_wr_free(&w);
	wire_wr_free(&w2);
}

/* An OPEN with the capabilities FRR bgpd 8.4 announces (AS 65002, id
 * 10.0.0.2, hold 9: IPv4 unicast, old and new route refresh, enhanced
 * route refresh, AS4, extended message, add-path), each in its own
 * optional parameter as FRR does. */
static const uint8_t frr_open[] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0x00, 0x45, 0x01, 0x04, 0xfd, 0xea, 0x00, 0x09, 0x0a, 0x00, 0x00, 0x02,
	0x28, 0x02, 0x06, 0x01, 0x04, 0x00, 0x01, 0x00, 0x01, 0x02, 0x02, 0x80, 0x00, 0x02,
	0x02, 0x02, 0x00, 0x02, 0x02, 0x46, 0x00, 0x02, 0x06, 0x41, 0x04, 0x00, 0x00, 0xfd,
	0xea, 0x02, 0x02, 0x06, 0x00, 0x02, 0x06, 0x45, 0x04, 0x00, 0x01, 0x01, 0x01,
};

static void test_open_frr_layout(void **state)
{
	(void)state;
	bgp_open d;
	bgp_notif n;
	neto_err err;
	assert_int_equal(bgp_open_decode(frr_open, sizeof frr_open, &d, &n, &err), 0);
	assert_int_equal(bgp_open_asn(&d), 65002);
	assert_int_equal(d.hold_time, 9);
	assert_int_equal(d.bgp_id, 0x0a000002);
	assert_true(d.route_refresh);
	assert_true(bgp_open_has_family(&d, BGP_AFI_IPV4, BGP_SAFI_UNICAST));
}

/* OPENs captured in tests/lab: FRR bgpd 8.4 (AS 65003, hold 9, with
 * hostname, graceful restart and other capabilities) and GoBGP 3.10 (AS
 * 65002, ls and ipv4-unicast). */
static const uint8_t real_frr_open[] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0x00, 0x5e, 0x01, 0x04, 0xfd, 0xeb, 0x00, 0x09, 0x0a, 0x4e, 0x00, 0x02,
	0x41, 0x02, 0x06, 0x01, 0x04, 0x00, 0x01, 0x00, 0x01, 0x02, 0x02, 0x80, 0x00, 0x02,
	0x02, 0x02, 0x00, 0x02, 0x02, 0x46, 0x00, 0x02, 0x06, 0x41, 0x04, 0x00, 0x00, 0xfd,
	0xeb, 0x02, 0x02, 0x06, 0x00, 0x02, 0x06, 0x45, 0x04, 0x00, 0x01, 0x01, 0x01, 0x02,
	0x06, 0x49, 0x04, 0x02, 0x76, 0x6d, 0x00, 0x02, 0x04, 0x40, 0x02, 0xc0, 0x78, 0x02,
	0x09, 0x47, 0x07, 0x00, 0x01, 0x01, 0x80, 0x00, 0x00, 0x00,
};
static const uint8_t real_gobgp_open[] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0x00, 0x47, 0x01, 0x04, 0xfd, 0xea, 0x00, 0x09, 0x0a, 0x4d, 0x00, 0x02,
	0x2a, 0x02, 0x28, 0x02, 0x00, 0x49, 0x04, 0x02, 0x76, 0x6d, 0x00, 0x01, 0x04, 0x40,
	0x04, 0x00, 0x47, 0x01, 0x04, 0x00, 0x01, 0x00, 0x01, 0x41, 0x04, 0x00, 0x00, 0xfd,
	0xea, 0x05, 0x0c, 0x40, 0x04, 0x00, 0x47, 0x00, 0x02, 0x00, 0x01, 0x00, 0x01, 0x00,
	0x02,
};

static void test_open_captured(void **state)
{
	(void)state;
	bgp_open d;
	bgp_notif n;
	neto_err err;
	assert_int_equal(bgp_open_decode(real_frr_open, sizeof real_frr_open, &d, &n, &err), 0);
	assert_int_equal(bgp_open_asn(&d), 65003);
	assert_int_equal(d.hold_time, 9);
	assert_int_equal(d.bgp_id, 0x0a4e0002);
	assert_true(d.route_refresh);
	assert_true(bgp_open_has_family(&d, BGP_AFI_IPV4, BGP_SAFI_UNICAST));
	assert_true(d.other_len > 0);	/* FQDN, graceful restart, ... kept raw */
	assert_int_equal(bgp_open_decode(real_gobgp_open, sizeof real_gobgp_open, &d, &n, &err), 0);
	assert_int_equal(bgp_open_asn(&d), 65002);
	assert_true(bgp_open_has_family(&d, BGP_AFI_LS, BGP_SAFI_LS));
	assert_true(bgp_open_has_family(&d, BGP_AFI_IPV4, BGP_SAFI_UNICAST));
	/* re-encoding keeps every capability: decode -> encode -> decode */
	wire_wr w;
	wire_wr_init(&w);
	bgp_open d2;
	assert_int_equal(bgp_open_encode(&d, &w, &err), 0);
	assert_int_equal(bgp_open_decode(w.buf, w.len, &d2, &n, &err), 0);
	assert_int_equal(d2.other_len, d.other_len);
	assert_memory_equal(d2.other, d.other, d.other_len);
	assert_int_equal(d2.n_families, d.n_families);
	wire_wr_free(&w);
}

static int open_err(uint8_t *m, size_t len, bgp_notif *n)
{
	bgp_open d;
	neto_err err;
	err.msg[0] = '\0';
	int rc = bgp_open_decode(m, len, &d, n, &err);
	if (rc != 0)
		assert_true(err.msg[0] != '\0');
	return rc;
}

static void test_open_errors(void **state)
{
	(void)state;
	uint8_t m[sizeof frr_open];
	bgp_notif n;
	/* RFC 4271 6.2: version 3 -> 2/1 with data the largest supported version */
	memcpy(m, frr_open, sizeof m);
	m[19] = 3;
	assert_int_equal(open_err(m, sizeof m, &n), -1);
	assert_int_equal(n.code, BGP_ERR_OPEN);
	assert_int_equal(n.subcode, BGP_OPEN_BAD_VERSION);
	assert_int_equal(n.data_len, 2);
	assert_int_equal(n.data[1], 4);
	/* hold time 2 -> 2/6 */
	memcpy(m, frr_open, sizeof m);
	m[23] = 2;
	assert_int_equal(open_err(m, sizeof m, &n), -1);
	assert_int_equal(n.subcode, BGP_OPEN_BAD_HOLD);
	/* hold time 0 is legal (no keepalives) */
	m[23] = 0;
	assert_int_equal(open_err(m, sizeof m, &n), 0);
	/* BGP identifier 0 -> 2/3 */
	memcpy(m, frr_open, sizeof m);
	memset(m + 24, 0, 4);
	assert_int_equal(open_err(m, sizeof m, &n), -1);
	assert_int_equal(n.subcode, BGP_OPEN_BAD_ID);
	/* an optional parameter of type 1 -> 2/4 */
	memcpy(m, frr_open, sizeof m);
	m[29] = 1;
	assert_int_equal(open_err(m, sizeof m, &n), -1);
	assert_int_equal(n.subcode, BGP_OPEN_UNSUP_PARAM);
	/* optional parameters length one too long -> 2/0 */
	memcpy(m, frr_open, sizeof m);
	m[28]++;
	assert_int_equal(open_err(m, sizeof m, &n), -1);
	assert_int_equal(n.code, BGP_ERR_OPEN);
	assert_int_equal(n.subcode, BGP_OPEN_UNSPEC);
	/* a capability overrunning its parameter -> 2/0 */
	memcpy(m, frr_open, sizeof m);
	m[32] = 9;
	assert_int_equal(open_err(m, sizeof m, &n), -1);
	assert_int_equal(n.subcode, BGP_OPEN_UNSPEC);
	/* AS4 capability with AS 0 -> 2/2 (RFC 7607) */
	memcpy(m, frr_open, sizeof m);
	memset(m + 53, 0, 4);
	assert_int_equal(m[51], 0x41);
	assert_int_equal(open_err(m, sizeof m, &n), -1);
	assert_int_equal(n.subcode, BGP_OPEN_BAD_PEER_AS);
	/* header length disagreeing with the message -> 1/2 */
	memcpy(m, frr_open, sizeof m);
	assert_int_equal(open_err(m, sizeof m - 1, &n), -1);
	assert_int_equal(n.code, BGP_ERR_HEADER);
	assert_int_equal(n.subcode, BGP_HDR_BAD_LEN);
}

static void test_header_errors(void **state)
{
	(void)state;
	uint8_t m[19];
	bgp_hdr h;
	bgp_notif n;
	neto_err err;
	memset(m, 0xff, 16);
	m[16] = 0;
	m[17] = 19;
	m[18] = BGP_KEEPALIVE;
	assert_int_equal(bgp_hdr_decode(m, sizeof m, &h, &n, &err), 0);
	/* marker -> 1/1 */
	m[3] = 0xfe;
	assert_int_equal(bgp_hdr_decode(m, sizeof m, &h, &n, &err), -1);
	assert_int_equal(n.code, BGP_ERR_HEADER);
	assert_int_equal(n.subcode, BGP_HDR_NOT_SYNC);
	m[3] = 0xff;
	/* length 18 and 4097 -> 1/2 with the length field as data */
	m[17] = 18;
	assert_int_equal(bgp_hdr_decode(m, sizeof m, &h, &n, &err), -1);
	assert_int_equal(n.subcode, BGP_HDR_BAD_LEN);
	assert_int_equal(n.data_len, 2);
	assert_int_equal(n.data[1], 18);
	m[16] = 0x10;
	m[17] = 0x01;
	assert_int_equal(bgp_hdr_decode(m, sizeof m, &h, &n, &err), -1);
	assert_int_equal(n.subcode, BGP_HDR_BAD_LEN);
	assert_int_equal(n.data[0], 0x10);
	/* a KEEPALIVE of 20 octets -> 1/2 */
	m[16] = 0;
	m[17] = 20;
	assert_int_equal(bgp_hdr_decode(m, sizeof m, &h, &n, &err), -1);
	assert_int_equal(n.subcode, BGP_HDR_BAD_LEN);
	/* an OPEN of 28 -> 1/2 */
	m[17] = 28;
	m[18] = BGP_OPEN;
	assert_int_equal(bgp_hdr_decode(m, sizeof m, &h, &n, &err), -1);
	assert_int_equal(n.subcode, BGP_HDR_BAD_LEN);
	/* type 9 -> 1/3 with the type as data */
	m[17] = 19;
	m[18] = 9;
	assert_int_equal(bgp_hdr_decode(m, sizeof m, &h, &n, &err), -1);
	assert_int_equal(n.subcode, BGP_HDR_BAD_TYPE);
	assert_int_equal(n.data_len, 1);
	assert_int_equal(n.data[0], 9);
}

static void pfx4(bgp_pfx *p, uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint8_t len)
{
	memset(p, 0, sizeof *p);
	p->len = len;
	p->addr[0] = a;
	p->addr[1] = b;
	p->addr[2] = c;
	p->addr[3] = d;
}

/* An IPv4 UPDATE with every attribute neto interprets. */
static void make_update(bgp_update *u, bgp_pfx *wd, bgp_pfx *nlri, uint32_t *comm)
{
	bgp_update_init(u);
	pfx4(&wd[0], 192, 0, 2, 0, 24);
	pfx4(&nlri[0], 10, 1, 0, 0, 16);
	pfx4(&nlri[1], 10, 2, 3, 128, 25);
	pfx4(&nlri[2], 0, 0, 0, 0, 0);
	u->withdrawn = wd;
	u->n_withdrawn = 1;
	u->nlri = nlri;
	u->n_nlri = 3;
	u->seen = 1u << BGP_ATTR_ORIGIN | 1u << BGP_ATTR_NEXT_HOP | 1u << BGP_ATTR_MED |
		  1u << BGP_ATTR_LOCAL_PREF | 1u << BGP_ATTR_COMMUNITIES;
	u->origin = 1;
	uint32_t seq[] = { 65001, 4200000000u, 65003 };
	uint32_t set[] = { 7, 8 };
	bgp_update_add_seg(u, BGP_AS_SEQUENCE, seq, 3);
	bgp_update_add_seg(u, BGP_AS_SET, set, 2);
	u->next_hop = 0x0a000001;
	u->med = 50;
	u->local_pref = 200;
	comm[0] = 0xfde80064;
	comm[1] = 0xffffff01;
	u->communities = comm;
	u->n_communities = 2;
}

static void test_update_roundtrip(void **state)
{
	(void)state;
	bgp_update u, d;
	bgp_pfx wd[1], nlri[3];
	uint32_t comm[2];
	make_update(&u, wd, nlri, comm);
	wire_wr w, w2;
	wire_wr_init(&w);
	wire_wr_init(&w2);
	neto_err err;
	bgp_notif n;
	assert_int_equal(bgp_update_encode(&u, &AS4, &w, &err), 0);
	assert_int_equal(bgp_update_decode(w.buf, w.len, &AS4, &d, &n, &err), 0);
	assert_int_equal(d.n_withdrawn, 1);
	assert_int_equal(d.withdrawn[0].len, 24);
	assert_int_equal(d.n_nlri, 3);
	assert_int_equal(d.nlri[1].len, 25);
	assert_int_equal(d.nlri[1].addr[3], 128);
	assert_int_equal(d.nlri[2].len, 0);
	assert_int_equal(d.origin, 1);
	assert_int_equal(d.n_segs, 2);
	assert_int_equal(d.segs[0].type, BGP_AS_SEQUENCE);
	assert_int_equal(d.asns[1], 4200000000u);
	assert_int_equal(d.segs[1].type, BGP_AS_SET);
	assert_int_equal(d.asns[d.segs[1].first + 1], 8);
	assert_int_equal(d.next_hop, 0x0a000001);
	assert_int_equal(d.med, 50);
	assert_int_equal(d.local_pref, 200);
	assert_int_equal(d.n_communities, 2);
	assert_int_equal(d.communities[1], 0xffffff01);
	assert_int_equal(bgp_update_encode(&d, &AS4, &w2, &err), 0);
	assert_int_equal(w.len, w2.len);
	assert_memory_equal(w.buf, w2.buf, w.len);
	bgp_update_free(&d);
	/* two-octet AS_PATH when AS4 is not negotiated: AS_TRANS stands in */
	bgp_upd_opts as2 = { false, false };
	wire_wr_free(&w);
	assert_int_equal(bgp_update_encode(&u, &as2, &w, &err), 0);
	assert_int_equal(bgp_update_decode(w.buf, w.len, &as2, &d, &n, &err), 0);
	assert_int_equal(d.asns[1], BGP_AS_TRANS);
	assert_int_equal(d.asns[0], 65001);
	bgp_update_free(&d);
	free(u.segs);
	free(u.asns);
	wire_wr_free(&w);
	wire_wr_free(&w2);
}

static void test_update_mp(void **state)
{
	(void)state;
	bgp_update u, d;
	bgp_update_init(&u);
	bgp_pfx p6[2];
	memset(p6, 0, sizeof p6);
	p6[0].len = 48;
	p6[0].addr[0] = 0x20;
	p6[0].addr[1] = 0x01;
	p6[0].addr[2] = 0x0d;
	p6[0].addr[3] = 0xb8;
	p6[1].len = 128;
	memset(p6[1].addr, 0xab, 16);
	u.seen = 1u << BGP_ATTR_ORIGIN;
	uint32_t seq[] = { 65001 };
	bgp_update_add_seg(&u, BGP_AS_SEQUENCE, seq, 1);
	u.reach.present = true;
	u.reach.afi = BGP_AFI_IPV6;
	u.reach.safi = BGP_SAFI_UNICAST;
	u.reach.nh_len = 16;
	u.reach.nh[0] = 0xfe;
	u.reach.pfx = p6;
	u.reach.n_pfx = 2;
	/* a BGP-LS unreach stays raw; so does a long BGP-LS attribute (the
	 * extended length flag is needed beyond 255 octets) */
	uint8_t ls_nlri[] = { 0, 1, 0, 4, 2, 0, 0, 0 };
	u.unreach.present = true;
	u.unreach.afi = BGP_AFI_LS;
	u.unreach.safi = BGP_SAFI_LS;
	u.unreach.raw = ls_nlri;
	u.unreach.raw_len = sizeof ls_nlri;
	uint8_t lsattr[300];
	for (size_t i = 0; i < sizeof lsattr; i++)
		lsattr[i] = (uint8_t)i;
	u.ls_attr = lsattr;
	u.ls_attr_len = sizeof lsattr;
	u.seen |= 1u << BGP_ATTR_LS;
	wire_wr w, w2;
	wire_wr_init(&w);
	wire_wr_init(&w2);
	neto_err err;
	bgp_notif n;
	assert_int_equal(bgp_update_encode(&u, &AS4, &w, &err), 0);
	assert_int_equal(bgp_update_decode(w.buf, w.len, &AS4, &d, &n, &err), 0);
	assert_true(d.reach.present);
	assert_int_equal(d.reach.afi, BGP_AFI_IPV6);
	assert_int_equal(d.reach.n_pfx, 2);
	assert_int_equal(d.reach.pfx[1].len, 128);
	assert_int_equal(d.reach.pfx[1].addr[15], 0xab);
	assert_int_equal(d.reach.nh_len, 16);
	assert_true(d.unreach.present);
	assert_int_equal(d.unreach.afi, BGP_AFI_LS);
	assert_int_equal(d.unreach.raw_len, sizeof ls_nlri);
	assert_memory_equal(d.unreach.raw, ls_nlri, sizeof ls_nlri);
	assert_int_equal(d.ls_attr_len, 300);
	assert_int_equal(d.ls_attr[299], (uint8_t)299);
	assert_int_equal(bgp_update_encode(&d, &AS4, &w2, &err), 0);
	assert_int_equal(w.len, w2.len);
	assert_memory_equal(w.buf, w2.buf, w.len);
	bgp_update_free(&d);
	free(u.segs);
	free(u.asns);
	wire_wr_free(&w);
	wire_wr_free(&w2);
}

/* Builds an UPDATE with the given attribute bytes and one NLRI 10.0.0.0/8. */
static size_t raw_update(uint8_t *m, const uint8_t *attrs, size_t alen, bool nlri)
{
	memset(m, 0xff, 16);
	size_t k = 19;
	m[k++] = 0;
	m[k++] = 0;
	m[k++] = (uint8_t)(alen >> 8);
	m[k++] = (uint8_t)alen;
	if (alen > 0)
		memcpy(m + k, attrs, alen);
	k += alen;
	if (nlri) {
		m[k++] = 8;
		m[k++] = 10;
	}
	m[16] = (uint8_t)(k >> 8);
	m[17] = (uint8_t)k;
	m[18] = BGP_UPDATE;
	return k;
}

#define ORIGIN_OK 0x40, 1, 1, 0
#define ASPATH_OK 0x40, 2, 6, 2, 1, 0, 0, 0xfd, 0xe9
#define NH_OK 0x40, 3, 4, 10, 0, 0, 1

static int upd(const uint8_t *attrs, size_t alen, bool nlri, bgp_notif *n, bgp_update *d)
{
	uint8_t m[512];
	size_t len = raw_update(m, attrs, alen, nlri);
	neto_err err;
	err.msg[0] = '\0';
	int rc = bgp_update_decode(m, len, &AS4, d, n, &err);
	if (rc != 0)
		assert_true(err.msg[0] != '\0');
	if (rc != -1)
		bgp_update_free(d);
	return rc;
}

/* ADD-PATH (RFC 7911): the capability, and path identifiers in IPv4 NLRI,
 * withdrawn routes and IPv6 MP_REACH_NLRI. */
static void test_addpath(void **state)
{
	(void)state;
	neto_err err;
	bgp_notif n;
	bgp_open o, d;
	bgp_open_init(&o, 65001, 90, 0x01020304);
	bgp_open_add_family(&o, BGP_AFI_IPV4, BGP_SAFI_UNICAST);
	bgp_open_add_family(&o, BGP_AFI_IPV6, BGP_SAFI_UNICAST);
	bgp_open_add_addpath(&o, BGP_AFI_IPV4, BGP_SAFI_UNICAST, BGP_ADDPATH_RECEIVE);
	bgp_open_add_addpath(&o, BGP_AFI_IPV6, BGP_SAFI_UNICAST,
			     BGP_ADDPATH_RECEIVE | BGP_ADDPATH_SEND);
	wire_wr w;
	wire_wr_init(&w);
	assert_int_equal(bgp_open_encode(&o, &w, &err), 0);
	/* section 4: code 69, (AFI, SAFI, Send/Receive) per family */
	const uint8_t cap[] = { 69, 8, 0, 1, 1, 1, 0, 2, 1, 3 };
	bool found = false;
	for (size_t i = 0; i + sizeof cap <= w.len && !found; i++)
		found = memcmp(w.buf + i, cap, sizeof cap) == 0;
	assert_true(found);
	assert_int_equal(bgp_open_decode(w.buf, w.len, &d, &n, &err), 0);
	assert_int_equal(d.n_addpath, 2);
	assert_int_equal(bgp_open_addpath(&d, BGP_AFI_IPV4, BGP_SAFI_UNICAST), BGP_ADDPATH_RECEIVE);
	assert_int_equal(bgp_open_addpath(&d, BGP_AFI_IPV6, BGP_SAFI_UNICAST), 3);
	assert_int_equal(bgp_open_addpath(&d, BGP_AFI_LS, BGP_SAFI_LS), 0);
	assert_int_equal(d.other_len, 0);
	/* a length that is not a multiple of 4: malformed, 2/0 */
	bgp_open_init(&o, 65001, 90, 0x01020304);
	const uint8_t bad[] = { 69, 3, 0, 1, 1 };
	memcpy(o.other, bad, sizeof bad);
	o.other_len = sizeof bad;
	w.len = 0;
	assert_int_equal(bgp_open_encode(&o, &w, &err), 0);
	err.msg[0] = '\0';
	assert_int_equal(bgp_open_decode(w.buf, w.len, &d, &n, &err), -1);
	assert_int_equal(n.code, BGP_ERR_OPEN);
	assert_int_equal(n.subcode, BGP_OPEN_UNSPEC);
	assert_true(strstr(err.msg, "ADD-PATH") != NULL);
	/* a Send/Receive value of 4: the capability is ignored */
	const uint8_t odd[] = { 69, 8, 0, 2, 1, 2, 0, 1, 1, 4 };
	memcpy(o.other, odd, sizeof odd);
	o.other_len = sizeof odd;
	w.len = 0;
	assert_int_equal(bgp_open_encode(&o, &w, &err), 0);
	assert_int_equal(bgp_open_decode(w.buf, w.len, &d, &n, &err), 0);
	assert_int_equal(d.n_addpath, 0);

	/* IPv4: withdrawn and NLRI with path identifiers */
	bgp_update u, du;
	bgp_update_init(&u);
	bgp_pfx nl[2], wd[1];
	memset(nl, 0, sizeof nl);
	memset(wd, 0, sizeof wd);
	nl[0].path_id = 1;
	nl[0].len = 24;
	nl[0].addr[0] = 10;
	nl[1].path_id = 0x01020304;
	nl[1].len = 24;
	nl[1].addr[0] = 10;	/* the same prefix, another path */
	wd[0].path_id = 9;
	wd[0].len = 16;
	wd[0].addr[0] = 172;
	wd[0].addr[1] = 16;
	u.seen = 1u << BGP_ATTR_ORIGIN | 1u << BGP_ATTR_NEXT_HOP;
	uint32_t seq[] = { 65001 };
	bgp_update_add_seg(&u, BGP_AS_SEQUENCE, seq, 1);
	u.next_hop = 0x0a000001;
	u.nlri = nl;
	u.n_nlri = 2;
	u.withdrawn = wd;
	u.n_withdrawn = 1;
	const bgp_addpath v4 = { true, false }, v6 = { false, true };
	w.len = 0;
	assert_int_equal(bgp_update_encode_ap(&u, &AS4, &v4, &w, &err), 0);
	/* withdrawn routes length 7: path id 9, /16, 172.16 */
	const uint8_t wdb[] = { 0, 7, 0, 0, 0, 9, 16, 172, 16 };
	assert_memory_equal(w.buf + 19, wdb, sizeof wdb);
	/* the NLRI field ends with the second path */
	const uint8_t nlb[] = { 0, 0, 0, 1, 24, 10, 0, 0, 1, 2, 3, 4, 24, 10, 0, 0 };
	assert_memory_equal(w.buf + w.len - sizeof nlb, nlb, sizeof nlb);
	assert_int_equal(bgp_update_decode_ap(w.buf, w.len, &AS4, &v4, &du, &n, &err), 0);
	assert_int_equal(du.n_nlri, 2);
	assert_int_equal(du.nlri[0].path_id, 1);
	assert_int_equal(du.nlri[1].path_id, 0x01020304);
	assert_int_equal(du.nlri[1].len, 24);
	assert_int_equal(du.n_withdrawn, 1);
	assert_int_equal(du.withdrawn[0].path_id, 9);
	assert_int_equal(du.withdrawn[0].addr[1], 16);
	bgp_update_free(&du);
	/* re-encoded the same */
	wire_wr w2;
	wire_wr_init(&w2);
	assert_int_equal(bgp_update_decode_ap(w.buf, w.len, &AS4, &v4, &du, &n, &err), 0);
	assert_int_equal(bgp_update_encode_ap(&du, &AS4, &v4, &w2, &err), 0);
	assert_int_equal(w2.len, w.len);
	assert_memory_equal(w2.buf, w.buf, w.len);
	bgp_update_free(&du);
	/* an NLRI field ending inside a path identifier: 3/10 */
	size_t keep = w.len;
	w.len -= 13;	/* drop the second prefix but for 3 octets of its id */
	w.buf[16] = (uint8_t)(w.len >> 8);
	w.buf[17] = (uint8_t)w.len;
	assert_int_equal(bgp_update_decode_ap(w.buf, w.len, &AS4, &v4, &du, &n, &err), -1);
	assert_int_equal(n.code, BGP_ERR_UPDATE);
	assert_int_equal(n.subcode, BGP_UPD_BAD_NETWORK);
	w.len = keep;
	u.nlri = NULL;
	u.withdrawn = NULL;
	u.n_nlri = u.n_withdrawn = 0;
	bgp_update_free(&u);

	/* IPv6 in MP_REACH_NLRI */
	bgp_update_init(&u);
	bgp_pfx p6[1];
	memset(p6, 0, sizeof p6);
	p6[0].path_id = 77;
	p6[0].len = 48;
	p6[0].addr[0] = 0x20;
	p6[0].addr[1] = 0x01;
	u.seen = 1u << BGP_ATTR_ORIGIN;
	bgp_update_add_seg(&u, BGP_AS_SEQUENCE, seq, 1);
	u.reach.present = true;
	u.reach.afi = BGP_AFI_IPV6;
	u.reach.safi = BGP_SAFI_UNICAST;
	u.reach.nh_len = 16;
	u.reach.nh[0] = 0xfe;
	u.reach.pfx = p6;
	u.reach.n_pfx = 1;
	w.len = 0;
	assert_int_equal(bgp_update_encode_ap(&u, &AS4, &v6, &w, &err), 0);
	assert_int_equal(bgp_update_decode_ap(w.buf, w.len, &AS4, &v6, &du, &n, &err), 0);
	assert_int_equal(du.reach.n_pfx, 1);
	assert_int_equal(du.reach.pfx[0].path_id, 77);
	assert_int_equal(du.reach.pfx[0].len, 48);
	assert_int_equal(du.reach.pfx[0].addr[1], 0x01);
	bgp_update_free(&du);
	/* the IPv4 setting does not apply to IPv6: without v6 the 4 octets
	 * of the path identifier read as a prefix length of 0 and then a
	 * /0 ... / 77-bit prefix: not the route sent */
	int rc = bgp_update_decode_ap(w.buf, w.len, &AS4, &v4, &du, &n, &err);
	if (rc == 0) {
		assert_true(du.reach.n_pfx != 1 || du.reach.pfx[0].len != 48);
		bgp_update_free(&du);
	}
	/* MP_REACH_NLRI ending inside a path identifier: 3/9 (the MP
	 * attribute is the last one, so cutting the message cuts it) */
	const uint8_t trunc[] = { 0x90, 14, 0, 24, 0, 2, 1, 16, 0xfe, 0, 0, 0, 0, 0, 0, 0,
				  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	wire_wr m;
	wire_wr_init(&m);
	for (int i = 0; i < 16; i++)
		wire_put_u8(&m, 0xff);
	wire_put_u16(&m, (uint16_t)(19 + 2 + 2 + 4 + sizeof trunc));
	wire_put_u8(&m, 2);
	wire_put_u16(&m, 0);
	wire_put_u16(&m, (uint16_t)(4 + sizeof trunc));
	const uint8_t origin[] = { 0x40, 1, 1, 0 };
	wire_put_bytes(&m, origin, sizeof origin);
	wire_put_bytes(&m, trunc, sizeof trunc);
	/* the MP attribute: AFI 2, SAFI 1, nh 16, reserved, then 3 octets */
	assert_int_equal(bgp_update_decode_ap(m.buf, m.len, &AS4, &v6, &du, &n, &err), -1);
	assert_int_equal(n.code, BGP_ERR_UPDATE);
	assert_int_equal(n.subcode, BGP_UPD_OPT_ATTR);
	wire_wr_free(&m);
	u.reach.pfx = NULL;
	bgp_update_free(&u);
	wire_wr_free(&w);
	wire_wr_free(&w2);
}

static void test_update_errors(void **state)
{
	(void)state;
	bgp_notif n;
	bgp_update d;
	{	/* well-formed */
		const uint8_t a[] = { ORIGIN_OK, ASPATH_OK, NH_OK };
		assert_int_equal(upd(a, sizeof a, true, &n, &d), 0);
	}
	{	/* ORIGIN 3: treat-as-withdraw, 3/6, data the attribute */
		const uint8_t a[] = { 0x40, 1, 1, 3, ASPATH_OK, NH_OK };
		assert_int_equal(upd(a, sizeof a, true, &n, &d), BGP_TREAT_AS_WITHDRAW);
		assert_int_equal(n.code, BGP_ERR_UPDATE);
		assert_int_equal(n.subcode, BGP_UPD_BAD_ORIGIN);
		assert_int_equal(n.data_len, 4);
		assert_int_equal(n.data[3], 3);
	}
	{	/* ORIGIN of length 2: treat-as-withdraw, 3/5 */
		const uint8_t a[] = { 0x40, 1, 2, 0, 0, ASPATH_OK, NH_OK };
		assert_int_equal(upd(a, sizeof a, true, &n, &d), BGP_TREAT_AS_WITHDRAW);
		assert_int_equal(n.subcode, BGP_UPD_ATTR_LEN);
	}
	{	/* ORIGIN marked optional: flags error 3/4, treat-as-withdraw */
		const uint8_t a[] = { 0xc0, 1, 1, 0, ASPATH_OK, NH_OK };
		assert_int_equal(upd(a, sizeof a, true, &n, &d), BGP_TREAT_AS_WITHDRAW);
		assert_int_equal(n.subcode, BGP_UPD_ATTR_FLAGS);
	}
	{	/* AS_PATH segment type 5: 3/11 treat-as-withdraw */
		const uint8_t a[] = { ORIGIN_OK, 0x40, 2, 6, 5, 1, 0, 0, 0xfd, 0xe9, NH_OK };
		assert_int_equal(upd(a, sizeof a, true, &n, &d), BGP_TREAT_AS_WITHDRAW);
		assert_int_equal(n.subcode, BGP_UPD_BAD_AS_PATH);
	}
	{	/* AS_PATH count overrunning the attribute: 3/11 */
		const uint8_t a[] = { ORIGIN_OK, 0x40, 2, 6, 2, 2, 0, 0, 0xfd, 0xe9, NH_OK };
		assert_int_equal(upd(a, sizeof a, true, &n, &d), BGP_TREAT_AS_WITHDRAW);
		assert_int_equal(n.subcode, BGP_UPD_BAD_AS_PATH);
	}
	{	/* NEXT_HOP of 3 octets: 3/5 */
		const uint8_t a[] = { ORIGIN_OK, ASPATH_OK, 0x40, 3, 3, 10, 0, 0 };
		assert_int_equal(upd(a, sizeof a, true, &n, &d), BGP_TREAT_AS_WITHDRAW);
		assert_int_equal(n.subcode, BGP_UPD_ATTR_LEN);
	}
	{	/* missing NEXT_HOP with NLRI: 3/3 with the type as data */
		const uint8_t a[] = { ORIGIN_OK, ASPATH_OK };
		assert_int_equal(upd(a, sizeof a, true, &n, &d), BGP_TREAT_AS_WITHDRAW);
		assert_int_equal(n.subcode, BGP_UPD_MISSING_WK);
		assert_int_equal(n.data_len, 1);
		assert_int_equal(n.data[0], BGP_ATTR_NEXT_HOP);
	}
	{	/* ... but without NLRI nothing is mandatory */
		const uint8_t a[] = { ORIGIN_OK };
		assert_int_equal(upd(a, sizeof a, false, &n, &d), 0);
	}
	{	/* COMMUNITIES of 6 octets: 3/9 treat-as-withdraw */
		const uint8_t a[] = { ORIGIN_OK, ASPATH_OK, NH_OK, 0xc0, 8, 6, 1, 2, 3, 4, 5, 6 };
		assert_int_equal(upd(a, sizeof a, true, &n, &d), BGP_TREAT_AS_WITHDRAW);
		assert_int_equal(n.subcode, BGP_UPD_OPT_ATTR);
	}
	{	/* ATOMIC_AGGREGATE with a value: attribute discard, no error */
		uint8_t m[512];
		const uint8_t a[] = { ORIGIN_OK, ASPATH_OK, NH_OK, 0x40, 6, 1, 0 };
		size_t len = raw_update(m, a, sizeof a, true);
		neto_err err;
		assert_int_equal(bgp_update_decode(m, len, &AS4, &d, &n, &err), 0);
		assert_int_equal(d.n_discarded, 1);
		bgp_update_free(&d);
	}
	{	/* unknown well-known attribute (type 99, not optional): reset 3/2 */
		const uint8_t a[] = { ORIGIN_OK, ASPATH_OK, NH_OK, 0x40, 99, 0 };
		assert_int_equal(upd(a, sizeof a, true, &n, &d), -1);
		assert_int_equal(n.subcode, BGP_UPD_UNRECOGNIZED_WK);
	}
	{	/* MP_REACH_NLRI twice: reset 3/1 */
		const uint8_t a[] = { ORIGIN_OK, ASPATH_OK, 0x80, 14, 5, 0x40, 4, 71, 0, 0,
				      0x80, 14, 5, 0x40, 4, 71, 0, 0 };
		assert_int_equal(upd(a, sizeof a, false, &n, &d), -1);
		assert_int_equal(n.subcode, BGP_UPD_MALFORMED_ATTRS);
	}
	{	/* MP_REACH_NLRI with an IPv6 prefix of 129 bits: reset 3/9 */
		const uint8_t a[] = { ORIGIN_OK, ASPATH_OK, 0x80, 14, 22, 0, 2, 1, 16,
				      0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
				      0, 129 };
		assert_int_equal(upd(a, sizeof a, false, &n, &d), -1);
		assert_int_equal(n.code, BGP_ERR_UPDATE);
		assert_int_equal(n.subcode, BGP_UPD_OPT_ATTR);
	}
	{	/* an attribute overrunning the list while IPv4 NLRI are known:
		 * treat-as-withdraw */
		const uint8_t a[] = { ORIGIN_OK, ASPATH_OK, NH_OK, 0xc0, 8, 9, 0 };
		assert_int_equal(upd(a, sizeof a, true, &n, &d), BGP_TREAT_AS_WITHDRAW);
		assert_int_equal(n.subcode, BGP_UPD_ATTR_LEN);
	}
	{	/* ... and with nothing to withdraw: reset 3/1 */
		const uint8_t a[] = { ORIGIN_OK, 0x80, 14, 40, 0 };
		assert_int_equal(upd(a, sizeof a, false, &n, &d), -1);
		assert_int_equal(n.subcode, BGP_UPD_MALFORMED_ATTRS);
	}
	{	/* withdrawn routes length past the end: reset 3/1 */
		uint8_t m[64];
		size_t len = raw_update(m, NULL, 0, false);
		m[19] = 0;
		m[20] = 5;
		neto_err err;
		assert_int_equal(bgp_update_decode(m, len, &AS4, &d, &n, &err), -1);
		assert_int_equal(n.subcode, BGP_UPD_MALFORMED_ATTRS);
	}
	{	/* NLRI of 33 bits: reset 3/10 */
		uint8_t m[64];
		const uint8_t a[] = { ORIGIN_OK, ASPATH_OK, NH_OK };
		size_t len = raw_update(m, a, sizeof a, true);
		m[len - 2] = 33;
		neto_err err;
		assert_int_equal(bgp_update_decode(m, len, &AS4, &d, &n, &err), -1);
		assert_int_equal(n.subcode, BGP_UPD_BAD_NETWORK);
	}
}

/* RFC 6793 section 4.2.3: a two-octet session's AS_PATH and AS4_PATH */
static void test_as4_path_merge(void **state)
{
	(void)state;
	const uint8_t a[] = { ORIGIN_OK,
			      /* AS_PATH: 65001 23456 65003 (two octets) */
			      0x40, 2, 8, 2, 3, 0xfd, 0xe9, 0x5b, 0xa0, 0xfd, 0xeb,
			      NH_OK,
			      /* AS4_PATH: 4200000000 65003 */
			      0xc0, 17, 10, 2, 2, 0xfa, 0x56, 0xea, 0x00, 0, 0, 0xfd, 0xeb };
	uint8_t m[512];
	size_t len = raw_update(m, a, sizeof a, true);
	bgp_upd_opts as2 = { false, false };
	bgp_update d;
	bgp_notif n;
	neto_err err;
	assert_int_equal(bgp_update_decode(m, len, &as2, &d, &n, &err), 0);
	assert_int_equal(d.n_asns, 3);
	assert_int_equal(d.asns[0], 65001);
	assert_int_equal(d.asns[1], 4200000000u);
	assert_int_equal(d.asns[2], 65003);
	bgp_update_free(&d);
	/* on a four-octet session the AS4_PATH is not used */
	const uint8_t b[] = { ORIGIN_OK, ASPATH_OK, NH_OK,
			      0xc0, 17, 10, 2, 2, 0xfa, 0x56, 0xea, 0x00, 0, 0, 0xfd, 0xeb };
	len = raw_update(m, b, sizeof b, true);
	assert_int_equal(bgp_update_decode(m, len, &AS4, &d, &n, &err), 0);
	assert_int_equal(d.n_asns, 1);
	assert_int_equal(d.asns[0], 65001);
	bgp_update_free(&d);
	/* an AS4_PATH longer than the AS_PATH is ignored */
	const uint8_t c[] = { ORIGIN_OK, 0x40, 2, 4, 2, 1, 0x5b, 0xa0, NH_OK,
			      0xc0, 17, 10, 2, 2, 0xfa, 0x56, 0xea, 0x00, 0, 0, 0xfd, 0xeb };
	len = raw_update(m, c, sizeof c, true);
	assert_int_equal(bgp_update_decode(m, len, &as2, &d, &n, &err), 0);
	assert_int_equal(d.n_asns, 1);
	assert_int_equal(d.asns[0], BGP_AS_TRANS);
	bgp_update_free(&d);
	/* a malformed AS4_PATH is discarded */
	const uint8_t e[] = { ORIGIN_OK, 0x40, 2, 4, 2, 1, 0x5b, 0xa0, NH_OK,
			      0xc0, 17, 6, 2, 2, 0xfa, 0x56, 0xea, 0x00 };
	len = raw_update(m, e, sizeof e, true);
	assert_int_equal(bgp_update_decode(m, len, &as2, &d, &n, &err), 0);
	assert_int_equal(d.n_discarded, 1);
	assert_int_equal(d.asns[0], BGP_AS_TRANS);
	bgp_update_free(&d);
}

static void test_notification_keepalive_refresh(void **state)
{
	(void)state;
	wire_wr w;
	wire_wr_init(&w);
	neto_err err;
	bgp_notif n, n2;
	bgp_notif_set(&n, BGP_ERR_CEASE, BGP_CEASE_SHUTDOWN, "bye", 3);
	assert_int_equal(bgp_notification_encode(&n, &w, &err), 0);
	bgp_notification m;
	assert_int_equal(bgp_notification_decode(w.buf, w.len, &m, &err), 0);
	assert_int_equal(m.code, BGP_ERR_CEASE);
	assert_int_equal(m.subcode, BGP_CEASE_SHUTDOWN);
	assert_int_equal(m.data_len, 3);
	assert_memory_equal(m.data, "bye", 3);
	assert_string_equal(bgp_err_name(m.code, m.subcode), "administrative shutdown");
	wire_wr_free(&w);

	bgp_keepalive_encode(&w);
	bgp_hdr h;
	assert_int_equal(w.len, 19);
	assert_int_equal(bgp_hdr_decode(w.buf, w.len, &h, &n, &err), 0);
	assert_int_equal(h.type, BGP_KEEPALIVE);
	wire_wr_free(&w);

	bgp_refresh rr = { BGP_AFI_LS, 0, BGP_SAFI_LS }, rd;
	bgp_refresh_encode(&rr, &w);
	assert_int_equal(bgp_refresh_decode(w.buf, w.len, &rd, &n, &err), 0);
	assert_int_equal(rd.afi, BGP_AFI_LS);
	assert_int_equal(rd.safi, BGP_SAFI_LS);
	/* RFC 7313: a ROUTE-REFRESH of 24 octets -> 7/1, data the message */
	uint8_t m24[24];
	memcpy(m24, w.buf, 23);
	m24[17] = 24;
	m24[23] = 0;
	assert_int_equal(bgp_refresh_decode(m24, 24, &rd, &n2, &err), -1);
	assert_int_equal(n2.code, BGP_ERR_REFRESH);
	assert_int_equal(n2.subcode, 1);
	assert_int_equal(n2.data_len, 24);
	wire_wr_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_roundtrip),
		cmocka_unit_test(test_open_frr_layout),
		cmocka_unit_test(test_open_captured),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_header_errors),
		cmocka_unit_test(test_update_roundtrip),
		cmocka_unit_test(test_update_mp),
		cmocka_unit_test(test_addpath),
		cmocka_unit_test(test_update_errors),
		cmocka_unit_test(test_as4_path_merge),
		cmocka_unit_test(test_notification_keepalive_refresh),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
