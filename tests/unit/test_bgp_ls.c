/*
 * test_bgp_ls.c - the BGP-LS codec: node, link and prefix NLRI and the
 * attribute with its SR, SRv6 and delay TLVs round-trip byte for byte;
 * unknown TLVs are counted and skipped; a malformed NLRI is skipped
 * (treat-as-withdraw) while broken framing stops the list; a malformed
 * attribute is refused (attribute discard). A whole UPDATE carrying BGP-LS
 * decodes through the message codec.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/bgp/bgpls.h"

static void node_desc(bgpls_node_desc *d, uint8_t last)
{
	memset(d, 0, sizeof *d);
	d->present = true;
	d->has = BGPLS_ND_AS | BGPLS_ND_LS_ID | BGPLS_ND_RID;
	d->asn = 65000;
	d->ls_id = 7;
	d->rid_len = 6;
	const uint8_t sys[6] = { 0x19, 0x21, 0x68, 0x00, 0x00, last };
	memcpy(d->rid, sys, 6);
}

static void link_nlri(bgpls_nlri *n)
{
	memset(n, 0, sizeof *n);
	n->type = BGPLS_NLRI_LINK;
	n->proto = BGPLS_PROTO_ISIS_L2;
	n->id = 0;
	node_desc(&n->local, 1);
	node_desc(&n->remote, 2);
	n->link_has = BGPLS_LD_IDS | BGPLS_LD_V4_LOCAL | BGPLS_LD_V4_REMOTE | BGPLS_LD_V6_LOCAL |
		      BGPLS_LD_MT;
	n->local_id = 11;
	n->remote_id = 12;
	const uint8_t a[4] = { 10, 0, 12, 1 }, b[4] = { 10, 0, 12, 2 };
	memcpy(n->v4_local, a, 4);
	memcpy(n->v4_remote, b, 4);
	n->v6_local[0] = 0xfc;
	n->v6_local[15] = 1;
	n->mt_id = 2;
}

static void roundtrip_nlri(const bgpls_nlri *n, bgpls_nlri *d)
{
	wire_wr w, w2;
	wire_wr_init(&w);
	wire_wr_init(&w2);
	bgpls_nlri_encode(n, &w);
	wire_rd r = wire_rd_init(w.buf, w.len);
	const uint8_t *raw;
	size_t raw_len;
	neto_err err;
	assert_int_equal(bgpls_nlri_decode(&r, d, &raw, &raw_len, &err), 0);
	assert_int_equal(wire_left(&r), 0);
	assert_int_equal(raw_len, w.len);
	bgpls_nlri_encode(d, &w2);
	assert_int_equal(w.len, w2.len);
	assert_memory_equal(w.buf, w2.buf, w.len);
	wire_wr_free(&w);
	wire_wr_free(&w2);
}

static void test_nlri_roundtrip(void **state)
{
	(void)state;
	bgpls_nlri n, d;
	link_nlri(&n);
	roundtrip_nlri(&n, &d);
	assert_int_equal(d.type, BGPLS_NLRI_LINK);
	assert_int_equal(d.proto, BGPLS_PROTO_ISIS_L2);
	assert_int_equal(d.local.asn, 65000);
	assert_int_equal(d.remote.rid[5], 2);
	assert_int_equal(d.local_id, 11);
	assert_int_equal(d.remote_id, 12);
	assert_int_equal(d.v4_remote[3], 2);
	assert_int_equal(d.v6_local[0], 0xfc);
	assert_int_equal(d.mt_id, 2);
	char rid[32];
	bgpls_rid_str(&d.local, rid, sizeof rid);
	assert_string_equal(rid, "1921.6800.0001");

	memset(&n, 0, sizeof n);
	n.type = BGPLS_NLRI_NODE;
	n.proto = BGPLS_PROTO_OSPFV2;
	n.id = 0x1122334455667788ull;
	n.local.present = true;
	n.local.has = BGPLS_ND_AREA | BGPLS_ND_RID;
	n.local.area = 0;
	n.local.rid_len = 4;
	n.local.rid[0] = 192;
	n.local.rid[3] = 9;
	roundtrip_nlri(&n, &d);
	assert_int_equal(d.type, BGPLS_NLRI_NODE);
	assert_true(d.id == 0x1122334455667788ull);
	assert_int_equal(d.local.has, BGPLS_ND_AREA | BGPLS_ND_RID);
	bgpls_rid_str(&d.local, rid, sizeof rid);
	assert_string_equal(rid, "192.0.0.9");

	memset(&n, 0, sizeof n);
	n.type = BGPLS_NLRI_PREFIX6;
	n.proto = BGPLS_PROTO_ISIS_L2;
	node_desc(&n.local, 3);
	n.link_has = BGPLS_PD_PREFIX | BGPLS_LD_MT;
	n.mt_id = 2;
	n.prefix.len = 48;
	n.prefix.addr[0] = 0xfc;
	n.prefix.addr[1] = 0x00;
	n.prefix.addr[5] = 3;
	roundtrip_nlri(&n, &d);
	assert_int_equal(d.prefix.len, 48);
	assert_int_equal(d.prefix.addr[5], 3);
}

static void test_nlri_errors(void **state)
{
	(void)state;
	bgpls_nlri n, d;
	link_nlri(&n);
	wire_wr w;
	wire_wr_init(&w);
	bgpls_nlri_encode(&n, &w);
	size_t one = w.len;
	/* an unknown descriptor TLV (type 300) inside the link descriptors:
	 * counted, the rest decoded */
	wire_put_u16(&w, 300);
	wire_put_u16(&w, 2);
	wire_put_u16(&w, 0xabcd);
	wire_wr_patch_u16(&w, 2, (uint16_t)(w.len - 4));
	const uint8_t *raw;
	size_t raw_len;
	neto_err err;
	wire_rd r = wire_rd_init(w.buf, w.len);
	assert_int_equal(bgpls_nlri_decode(&r, &d, &raw, &raw_len, &err), 0);
	assert_int_equal(d.n_unknown, 1);
	assert_int_equal(d.remote_id, 12);
	/* an unknown node descriptor sub-TLV is counted too */
	w.buf[4 + 9 + 4] = 0x02;	/* first sub-TLV of 256: 512 -> 0x0200 + ... */
	w.buf[4 + 9 + 5] = 0x77;
	r = wire_rd_init(w.buf, w.len);
	assert_int_equal(bgpls_nlri_decode(&r, &d, &raw, &raw_len, &err), 0);
	assert_int_equal(d.n_unknown, 2);
	assert_int_equal(d.local.has & BGPLS_ND_AS, 0);
	wire_wr_free(&w);

	/* a link descriptor of a wrong length inside a good frame: 1 (skip,
	 * treat-as-withdraw), the next NLRI is still read */
	bgpls_nlri_encode(&n, &w);
	bgpls_nlri_encode(&n, &w);
	/* TLV 259 (IPv4 interface address) length 4 -> 5 would overrun; use
	 * the link local/remote IDs TLV (258, length 8): make it 4 */
	size_t k = 4 + 9;
	while (k < one) {
		uint16_t t = (uint16_t)(w.buf[k] << 8 | w.buf[k + 1]);
		uint16_t l = (uint16_t)(w.buf[k + 2] << 8 | w.buf[k + 3]);
		if (t == 258) {
			/* shrink its declared length and pad the gap with an
			 * unknown TLV so the frame stays intact */
			w.buf[k + 3] = 4;
			w.buf[k + 8] = 0x01;
			w.buf[k + 9] = 0x99;
			w.buf[k + 10] = 0;
			w.buf[k + 11] = 0;
			break;
		}
		k += 4u + l;
	}
	assert_true(k < one);
	r = wire_rd_init(w.buf, w.len);
	err.msg[0] = '\0';
	assert_int_equal(bgpls_nlri_decode(&r, &d, &raw, &raw_len, &err), 1);
	assert_true(err.msg[0] != '\0');
	assert_int_equal(raw_len, one);
	assert_int_equal(bgpls_nlri_decode(&r, &d, &raw, &raw_len, &err), 0);
	assert_int_equal(wire_left(&r), 0);
	/* a frame longer than the field: -1 */
	r = wire_rd_init(w.buf, one - 1);
	assert_int_equal(bgpls_nlri_decode(&r, &d, &raw, &raw_len, &err), -1);
	wire_wr_free(&w);

	/* a link NLRI without remote node descriptors: 1 */
	n.type = BGPLS_NLRI_PREFIX4;	/* encoded without 257 ... */
	n.link_has = BGPLS_PD_PREFIX;
	n.prefix.len = 24;
	bgpls_nlri_encode(&n, &w);
	w.buf[1] = BGPLS_NLRI_LINK;	/* ... then called a link */
	r = wire_rd_init(w.buf, w.len);
	assert_int_equal(bgpls_nlri_decode(&r, &d, &raw, &raw_len, &err), 1);
	wire_wr_free(&w);
	/* an unknown NLRI type (5, SR Policy candidate path): skipped, 1 */
	const uint8_t sid6[] = { 0, 5, 0, 3, 1, 2, 3 };
	r = wire_rd_init(sid6, sizeof sid6);
	assert_int_equal(bgpls_nlri_decode(&r, &d, &raw, &raw_len, &err), 1);
	assert_int_equal(wire_left(&r), 0);
}

static void full_attr(bgpls_attr *a)
{
	memset(a, 0, sizeof *a);
	a->has = (1u << BGPLS_A_COUNT) - 1;
	a->node_flags = 0x20;
	a->name_len = 4;
	memcpy(a->name, "pe-1", 5);
	a->srv6_behavior = 0x30;
	a->srv6_flags = 0x80;
	a->srv6_algo = 128;
	a->srv6_lb_len = 32;
	a->srv6_ln_len = 16;
	a->srv6_fun_len = 16;
	a->srv6_arg_len = 0;
	a->rid4_local[0] = 10;
	a->rid4_remote[0] = 11;
	a->rid6_local[0] = 0xfc;
	a->rid6_remote[0] = 0xfd;
	a->sr_flags = 0xc0;
	a->n_ranges = 2;
	a->range_size[0] = 8000;
	a->range_first[0].len = 3;
	a->range_first[0].val = 16000;
	a->range_size[1] = 100;
	a->range_first[1].len = 4;
	a->range_first[1].val = 900000;
	a->n_algos = 2;
	a->algos[1] = 1;
	a->n_msd = 2;
	a->msd_type[0] = 1;
	a->msd_value[0] = 10;
	a->msd_type[1] = 41;	/* SRH max segments left */
	a->msd_value[1] = 8;
	a->admin_group = 0x5;
	a->max_bw = bgpls_bw_bits(10e9);
	a->max_rsv_bw = bgpls_bw_bits(8e9);
	for (int i = 0; i < 8; i++)
		a->unrsv_bw[i] = bgpls_bw_bits(1e9 * i);
	a->te_metric = 123;
	a->igp_metric_len = 3;
	a->igp_metric = 0x10203;
	a->n_srlg = 2;
	a->srlg[0] = 77;
	a->srlg[1] = 88;
	a->delay_anomalous = true;
	a->delay_us = 4321;
	a->prefix_metric = 10;
	a->psid_flags = 0x40;
	a->psid.len = 4;
	a->psid.val = 101;
	a->loc_algo = 0;
	a->loc_metric = 20;
	a->n_adj_sid = 1;
	a->adj_sid[0].flags = 0x30;
	a->adj_sid[0].weight = 1;
	a->adj_sid[0].sid.len = 3;
	a->adj_sid[0].sid.val = 24001;
	a->n_endx = 1;
	a->endx[0].behavior = 0x39;
	a->endx[0].weight = 2;
	a->endx[0].sid[0] = 0xfc;
	a->endx[0].sid[15] = 0x41;
}

static void test_attr_roundtrip(void **state)
{
	(void)state;
	bgpls_attr a, d;
	full_attr(&a);
	wire_wr w, w2;
	wire_wr_init(&w);
	wire_wr_init(&w2);
	bgpls_attr_encode(&a, &w);
	neto_err err;
	assert_int_equal(bgpls_attr_decode(w.buf, w.len, &d, &err), 0);
	assert_int_equal(d.has, a.has);
	assert_string_equal(d.name, "pe-1");
	assert_int_equal(d.n_ranges, 2);
	assert_int_equal(d.range_first[0].val, 16000);
	assert_int_equal(d.range_first[1].val, 900000);
	assert_int_equal(d.n_msd, 2);
	assert_int_equal(d.msd_type[1], 41);
	assert_true(bgpls_bw_bps(d.max_bw) == 10e9);
	assert_true(bgpls_bw_bps(d.unrsv_bw[7]) == 7e9);
	assert_int_equal(d.igp_metric, 0x10203);
	assert_int_equal(d.n_srlg, 2);
	assert_int_equal(d.srlg[1], 88);
	assert_true(d.delay_anomalous);
	assert_int_equal(d.delay_us, 4321);
	assert_int_equal(d.psid.val, 101);
	assert_int_equal(d.adj_sid[0].sid.val, 24001);
	assert_int_equal(d.adj_sid[0].sid.len, 3);
	assert_int_equal(d.n_endx, 1);
	assert_int_equal(d.endx[0].behavior, 0x39);
	assert_int_equal(d.endx[0].sid[15], 0x41);
	assert_int_equal(d.loc_metric, 20);
	assert_int_equal(d.srv6_behavior, 0x30);
	assert_int_equal(d.srv6_flags, 0x80);
	assert_int_equal(d.srv6_algo, 128);
	assert_int_equal(d.srv6_lb_len, 32);
	assert_int_equal(d.srv6_ln_len, 16);
	assert_int_equal(d.srv6_fun_len, 16);
	assert_int_equal(d.srv6_arg_len, 0);
	assert_int_equal(d.n_unknown, 0);
	bgpls_attr_encode(&d, &w2);
	assert_int_equal(w.len, w2.len);
	assert_memory_equal(w.buf, w2.buf, w.len);
	/* an unknown TLV is counted */
	wire_put_u16(&w, 1172);
	wire_put_u16(&w, 1);
	wire_put_u8(&w, 0);
	assert_int_equal(bgpls_attr_decode(w.buf, w.len, &d, &err), 0);
	assert_int_equal(d.n_unknown, 1);
	/* a max bandwidth of 3 octets: refused (attribute discard) */
	const uint8_t bad[] = { 0x04, 0x41, 0, 3, 1, 2, 3 };
	err.msg[0] = '\0';
	assert_int_equal(bgpls_attr_decode(bad, sizeof bad, &d, &err), -1);
	assert_true(strstr(err.msg, "1089") != NULL);
	/* an IGP metric of 4 octets: refused */
	const uint8_t bad2[] = { 0x04, 0x47, 0, 4, 0, 0, 0, 1 };
	assert_int_equal(bgpls_attr_decode(bad2, sizeof bad2, &d, &err), -1);
	/* a TLV overrunning the attribute: refused */
	const uint8_t bad3[] = { 0x04, 0x02, 0, 9, 'x' };
	assert_int_equal(bgpls_attr_decode(bad3, sizeof bad3, &d, &err), -1);
	wire_wr_free(&w);
	wire_wr_free(&w2);
}

/* RFC 9514 section 6: the SRv6 SID NLRI, and its attributes (sections 7.1
 * and 8). */
static void test_srv6_sid(void **state)
{
	(void)state;
	bgpls_nlri n, d;
	memset(&n, 0, sizeof n);
	n.type = BGPLS_NLRI_SRV6_SID;
	n.proto = BGPLS_PROTO_ISIS_L2;
	n.id = 0;
	node_desc(&n.local, 4);
	n.link_has = BGPLS_SD_SRV6_SID | BGPLS_LD_MT;
	n.mt_id = 2;
	const uint8_t sid[16] = { 0xfc, 0, 0, 0, 0, 4, 0, 0x40 };
	memcpy(n.srv6_sid, sid, 16);
	roundtrip_nlri(&n, &d);
	assert_int_equal(d.type, BGPLS_NLRI_SRV6_SID);
	assert_string_equal(bgpls_nlri_type_name(d.type), "srv6-sid");
	assert_int_equal(d.link_has, BGPLS_SD_SRV6_SID | BGPLS_LD_MT);
	assert_int_equal(d.mt_id, 2);
	assert_memory_equal(d.srv6_sid, sid, 16);
	assert_int_equal(d.local.rid[5], 4);
	assert_int_equal(d.n_unknown, 0);

	/* the wire form: type 6, then after the local node descriptors the
	 * MT-ID TLV and the SID information TLV 518 of 16 octets, last */
	wire_wr w;
	wire_wr_init(&w);
	bgpls_nlri_encode(&n, &w);
	assert_int_equal(w.buf[0] << 8 | w.buf[1], 6);
	assert_int_equal((size_t)(w.buf[2] << 8 | w.buf[3]), w.len - 4);
	const uint8_t *tail = w.buf + w.len - 20;
	assert_int_equal(tail[0] << 8 | tail[1], 518);
	assert_int_equal(tail[2] << 8 | tail[3], 16);
	assert_memory_equal(tail + 4, sid, 16);
	const uint8_t *raw;
	size_t raw_len;
	neto_err err;

	/* a SID information TLV of 15 octets: this NLRI malformed (1), the
	 * list goes on */
	wire_wr b;
	wire_wr_init(&b);
	wire_put_bytes(&b, w.buf, w.len - 1);
	b.buf[3]--;
	b.buf[b.len - 16]--;	/* TLV 518 length 16 -> 15 */
	assert_int_equal(b.buf[b.len - 18], 518 & 0xff);
	wire_put_bytes(&b, w.buf, w.len);	/* a good one follows */
	wire_rd r = wire_rd_init(b.buf, b.len);
	err.msg[0] = '\0';
	assert_int_equal(bgpls_nlri_decode(&r, &d, &raw, &raw_len, &err), 1);
	assert_true(strstr(err.msg, "length 15") != NULL);
	assert_int_equal(raw_len, w.len - 1);
	assert_int_equal(bgpls_nlri_decode(&r, &d, &raw, &raw_len, &err), 0);
	assert_int_equal(wire_left(&r), 0);
	wire_wr_free(&b);

	/* without the SID information TLV: malformed */
	wire_wr_init(&b);
	wire_put_bytes(&b, w.buf, w.len - 20);
	b.buf[3] = (uint8_t)(b.buf[3] - 20);
	r = wire_rd_init(b.buf, b.len);
	assert_int_equal(bgpls_nlri_decode(&r, &d, &raw, &raw_len, &err), 1);
	assert_true(strstr(err.msg, "without SID information") != NULL);
	wire_wr_free(&b);

	/* two SID information TLVs: malformed (one SID per NLRI) */
	wire_wr_init(&b);
	wire_put_bytes(&b, w.buf, w.len);
	wire_put_bytes(&b, tail, 20);
	b.buf[3] = (uint8_t)(b.buf[3] + 20);
	r = wire_rd_init(b.buf, b.len);
	assert_int_equal(bgpls_nlri_decode(&r, &d, &raw, &raw_len, &err), 1);
	assert_true(strstr(err.msg, "two SID") != NULL);
	wire_wr_free(&b);

	/* TLV 518 in a node NLRI is not a descriptor there: skipped, counted */
	bgpls_nlri nn;
	memset(&nn, 0, sizeof nn);
	nn.type = BGPLS_NLRI_NODE;
	nn.proto = BGPLS_PROTO_ISIS_L2;
	node_desc(&nn.local, 4);
	wire_wr_init(&b);
	bgpls_nlri_encode(&nn, &b);
	wire_put_bytes(&b, tail, 20);
	b.buf[3] = (uint8_t)(b.buf[3] + 20);
	r = wire_rd_init(b.buf, b.len);
	assert_int_equal(bgpls_nlri_decode(&r, &d, &raw, &raw_len, &err), 0);
	assert_int_equal(d.n_unknown, 1);
	assert_int_equal(d.link_has, 0);
	wire_wr_free(&b);
	wire_wr_free(&w);

	/* the attributes: endpoint behavior End with PSP (RFC 8986 codepoint
	 * 2) and a 32/16/16/0 structure */
	bgpls_attr a, da;
	memset(&a, 0, sizeof a);
	a.has = 1u << BGPLS_A_SRV6_ENDPOINT | 1u << BGPLS_A_SRV6_SID_STRUCT;
	a.srv6_behavior = 2;
	a.srv6_algo = 0;
	a.srv6_lb_len = 32;
	a.srv6_ln_len = 16;
	a.srv6_fun_len = 16;
	wire_wr_init(&w);
	bgpls_attr_encode(&a, &w);
	const uint8_t want[] = { 0x04, 0xe2, 0, 4, 0, 2, 0, 0, 0x04, 0xe4, 0, 4, 32, 16, 16, 0 };
	assert_int_equal(w.len, sizeof want);
	assert_memory_equal(w.buf, want, sizeof want);
	assert_int_equal(bgpls_attr_decode(w.buf, w.len, &da, &err), 0);
	assert_int_equal(da.has, a.has);
	assert_int_equal(da.srv6_behavior, 2);
	assert_int_equal(da.srv6_fun_len, 16);
	wire_wr_free(&w);
	/* a structure of more than 128 bits: the attribute is malformed */
	const uint8_t big[] = { 0x04, 0xe4, 0, 4, 64, 32, 32, 1 };
	assert_int_equal(bgpls_attr_decode(big, sizeof big, &da, &err), -1);
	assert_true(strstr(err.msg, "more than 128") != NULL);
	/* exactly 128 is allowed */
	const uint8_t full[] = { 0x04, 0xe4, 0, 4, 64, 32, 32, 0 };
	assert_int_equal(bgpls_attr_decode(full, sizeof full, &da, &err), 0);
	/* an endpoint behavior TLV of 3 or 5 octets: malformed */
	const uint8_t short_eb[] = { 0x04, 0xe2, 0, 3, 0, 2, 0 };
	assert_int_equal(bgpls_attr_decode(short_eb, sizeof short_eb, &da, &err), -1);
	assert_true(strstr(err.msg, "1250") != NULL);
	const uint8_t long_eb[] = { 0x04, 0xe2, 0, 5, 0, 2, 0, 0, 0 };
	assert_int_equal(bgpls_attr_decode(long_eb, sizeof long_eb, &da, &err), -1);
}

static void test_update(void **state)
{
	(void)state;
	bgpls_nlri n, d;
	bgpls_attr a, da;
	link_nlri(&n);
	full_attr(&a);
	const uint8_t nh[4] = { 10, 0, 0, 1 };
	wire_wr w;
	wire_wr_init(&w);
	neto_err err;
	assert_int_equal(bgpls_update_encode(&n, &a, nh, 4, true, 65001, &w, &err), 0);
	bgp_update u;
	bgp_notif nt;
	bgp_upd_opts o = { true, false };
	assert_int_equal(bgp_update_decode(w.buf, w.len, &o, &u, &nt, &err), 0);
	assert_true(u.reach.present);
	assert_int_equal(u.reach.afi, BGP_AFI_LS);
	assert_int_equal(u.reach.safi, BGP_SAFI_LS);
	assert_int_equal(u.reach.nh_len, 4);
	assert_int_equal(u.asns[0], 65001);
	wire_rd r = wire_rd_init(u.reach.raw, u.reach.raw_len);
	const uint8_t *raw;
	size_t raw_len;
	assert_int_equal(bgpls_nlri_decode(&r, &d, &raw, &raw_len, &err), 0);
	assert_int_equal(d.remote_id, 12);
	assert_int_equal(bgpls_attr_decode(u.ls_attr, u.ls_attr_len, &da, &err), 0);
	assert_int_equal(da.delay_us, 4321);
	bgp_update_free(&u);
	wire_wr_free(&w);

	assert_int_equal(bgpls_withdraw_encode(&n, &w, &err), 0);
	assert_int_equal(bgp_update_decode(w.buf, w.len, &o, &u, &nt, &err), 0);
	assert_true(u.unreach.present);
	assert_false(u.reach.present);
	r = wire_rd_init(u.unreach.raw, u.unreach.raw_len);
	assert_int_equal(bgpls_nlri_decode(&r, &d, &raw, &raw_len, &err), 0);
	assert_int_equal(d.type, BGPLS_NLRI_LINK);
	bgp_update_free(&u);
	wire_wr_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nlri_roundtrip),
		cmocka_unit_test(test_nlri_errors),
		cmocka_unit_test(test_attr_roundtrip),
		cmocka_unit_test(test_srv6_sid),
		cmocka_unit_test(test_update),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
