/*
 * test_pcep_msg.c - the PCEP codec: every message of a real FRR pathd 8.4
 * exchange decodes to the fields it carries; what the encoder writes decodes
 * back to the same message and re-encodes to the same bytes (and the FRR
 * messages re-encode byte for byte where no P flag was set); malformed and
 * unexpected messages are refused with the Error-Type/Error-value the RFCs
 * prescribe.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/pcep/pcep.h"
#include "testutil.h"

typedef struct capmsg {
	char dir[3];
	char name[32];
	uint8_t *buf;
	size_t len;
} capmsg;

/* Reads tests/data/pcep/frr-pathd-8.4-exchange.txt: "<- NAME HEX" lines. */
static size_t load_capture(capmsg *out, size_t cap)
{
	size_t len;
	char *text = tu_read("tests/data/pcep/frr-pathd-8.4-exchange.txt", &len);
	size_t n = 0;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char dir[3], name[32], hex[4096];
		if (sscanf(line, "%2s %31s %4095s", dir, name, hex) != 3 ||
		    (strcmp(dir, "<-") != 0 && strcmp(dir, "->") != 0))
			continue;
		assert_true(n < cap);
		capmsg *m = &out[n++];
		strcpy(m->dir, dir);
		strcpy(m->name, name);
		size_t hl = strlen(hex);
		assert_int_equal(hl % 2, 0);
		m->len = hl / 2;
		m->buf = malloc(m->len);
		for (size_t i = 0; i < m->len; i++) {
			unsigned v;
			assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
			m->buf[i] = (uint8_t)v;
		}
	}
	free(text);
	return n;
}

static void free_capture(capmsg *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(c[i].buf);
}

static void decode_ok(const uint8_t *b, size_t len, pcep_msg *m)
{
	pcep_perr pe;
	neto_err err = { { 0 } };
	size_t fl;
	assert_int_equal(pcep_frame(b, len, &fl, &pe, &err), 0);
	assert_int_equal(fl, len);
	int rc = pcep_decode(b, len, m, &pe, &err);
	if (rc != 0)
		fail_msg("%s", err.msg);
}

/* encode(decode(b)) decodes to an equal encoding */
static void roundtrip(const pcep_msg *m)
{
	wire_wr w, w2;
	wire_wr_init(&w);
	wire_wr_init(&w2);
	neto_err err;
	assert_int_equal(pcep_encode(m, &w, &err), 0);
	pcep_msg m2;
	decode_ok(w.buf, w.len, &m2);
	assert_int_equal(pcep_encode(&m2, &w2, &err), 0);
	assert_int_equal(w.len, w2.len);
	assert_memory_equal(w.buf, w2.buf, w.len);
	pcep_msg_free(&m2);
	wire_wr_free(&w);
	wire_wr_free(&w2);
}

static void test_capture_open(void **state)
{
	(void)state;
	capmsg c[16];
	size_t n = load_capture(c, 16);
	assert_int_equal(n, 7);
	pcep_msg m;
	decode_ok(c[0].buf, c[0].len, &m);
	assert_string_equal(c[0].name, "Open");
	assert_int_equal(m.type, PCEP_MSG_OPEN);
	assert_true(m.has_open);
	assert_int_equal(m.open.keepalive, 30);
	assert_int_equal(m.open.deadtimer, 120);
	assert_int_equal(m.open.sid, 2);
	assert_true(m.open.tlvs.has_stateful);
	assert_int_equal(m.open.tlvs.stateful_flags, PCEP_STATEFUL_U | PCEP_STATEFUL_I);
	assert_true(m.open.tlvs.has_sr_cap);
	assert_false(m.open.tlvs.sr_cap_sub);	/* pathd: the draft's top-level TLV */
	assert_int_equal(m.open.tlvs.sr_msd, 4);
	assert_true(m.open.tlvs.has_pst_cap);
	assert_int_equal(m.open.tlvs.n_pst, 1);
	assert_int_equal(m.open.tlvs.pst[0], PCEP_PST_SR);
	assert_int_equal(m.open.tlvs.n_unknown, 0);
	/* pathd sets no P flags on its Open: the encoder writes the same bytes */
	wire_wr w;
	wire_wr_init(&w);
	neto_err err;
	assert_int_equal(pcep_encode(&m, &w, &err), 0);
	assert_int_equal(w.len, c[0].len);
	assert_memory_equal(w.buf, c[0].buf, w.len);
	wire_wr_free(&w);
	roundtrip(&m);
	pcep_msg_free(&m);

	decode_ok(c[1].buf, c[1].len, &m);
	assert_int_equal(m.type, PCEP_MSG_KEEPALIVE);
	pcep_msg_free(&m);
	free_capture(c, n);
}

static void test_capture_sync_end(void **state)
{
	(void)state;
	capmsg c[16];
	size_t n = load_capture(c, 16);
	pcep_msg m;
	decode_ok(c[2].buf, c[2].len, &m);
	assert_int_equal(m.type, PCEP_MSG_PCRPT);
	assert_int_equal(m.n_path, 1);
	const pcep_path *p = &m.path[0];
	/* RFC 8231 s5.6: the end-of-synchronisation marker, PLSP-ID 0, S clear */
	assert_false(p->has_srp);
	assert_true(p->has_lsp);
	assert_int_equal(p->lsp.plsp_id, 0);
	assert_int_equal(p->lsp.flags & PCEP_LSP_S, 0);
	assert_true(p->lsp.tlvs.has_lsp_ids);
	assert_int_equal(p->lsp.tlvs.lsp_ids.sender.af, 4);
	assert_true(p->has_ero);
	assert_int_equal(p->ero.n, 0);
	roundtrip(&m);
	pcep_msg_free(&m);
	free_capture(c, n);
}

static void check_sr_ero(const pcep_ro *ero)
{
	assert_int_equal(ero->n, 2);
	static const uint32_t labels[] = { 16002, 16003 };
	static const uint8_t nodes[][4] = { { 10, 0, 0, 2 }, { 10, 0, 0, 3 } };
	for (size_t i = 0; i < 2; i++) {
		const pcep_subobj *o = &ero->sub[i];
		assert_int_equal(o->type, PCEP_RO_SR);
		assert_false(o->loose);
		assert_int_equal(o->flags, PCEP_SR_M);
		assert_int_equal(o->sid >> 12, labels[i]);
		assert_int_equal(o->nai.type, PCEP_NAI_IPV4_NODE);
		assert_int_equal(o->nai.local.af, 4);
		assert_memory_equal(o->nai.local.a, nodes[i], 4);
	}
}

static void test_capture_initiate(void **state)
{
	(void)state;
	capmsg c[16];
	size_t n = load_capture(c, 16);
	pcep_msg m;
	assert_string_equal(c[3].dir, "->");
	decode_ok(c[3].buf, c[3].len, &m);
	assert_int_equal(m.type, PCEP_MSG_PCINITIATE);
	assert_int_equal(m.n_path, 1);
	const pcep_path *p = &m.path[0];
	assert_true(p->has_srp);
	assert_int_equal(p->srp.srp_id, 1);
	assert_int_equal(p->srp.flags, 0);
	assert_true(p->srp.tlvs.has_pst);
	assert_int_equal(p->srp.tlvs.pst_value, PCEP_PST_SR);
	assert_int_equal(p->lsp.plsp_id, 0);
	assert_int_equal(p->lsp.flags, PCEP_LSP_D | PCEP_LSP_A);
	assert_string_equal(p->lsp.tlvs.name, "pce-init-1");
	assert_true(p->has_endpoints);
	char a[64];
	assert_string_equal(pcep_addr_str(&p->src, a, sizeof a), "10.0.0.1");
	assert_string_equal(pcep_addr_str(&p->dst, a, sizeof a), "10.0.0.3");
	check_sr_ero(&p->ero);
	/* the message neto sent: the encoder gives the same bytes */
	wire_wr w;
	wire_wr_init(&w);
	neto_err err;
	assert_int_equal(pcep_encode(&m, &w, &err), 0);
	assert_int_equal(w.len, c[3].len);
	assert_memory_equal(w.buf, c[3].buf, w.len);
	wire_wr_free(&w);
	pcep_msg_free(&m);
	free_capture(c, n);
}

static void test_capture_reports(void **state)
{
	(void)state;
	capmsg c[16];
	size_t n = load_capture(c, 16);
	static const uint8_t oper[] = { 0, 0, 0, 0, PCEP_OPER_DOWN, PCEP_OPER_GOING_UP,
					PCEP_OPER_GOING_UP };
	for (size_t i = 4; i < n; i++) {
		pcep_msg m;
		decode_ok(c[i].buf, c[i].len, &m);
		assert_int_equal(m.type, PCEP_MSG_PCRPT);
		assert_int_equal(m.n_path, 1);
		const pcep_path *p = &m.path[0];
		/* the report answers the PCInitiate: SRP-ID 1, PLSP-ID assigned */
		assert_true(p->has_srp);
		assert_int_equal(p->srp.srp_id, 1);
		assert_int_equal(p->srp.tlvs.pst_value, PCEP_PST_SR);
		assert_int_equal(p->lsp.plsp_id, 1);
		assert_true(p->lsp.flags & PCEP_LSP_D);
		assert_true(p->lsp.flags & PCEP_LSP_A);
		assert_true(p->lsp.flags & PCEP_LSP_C);
		assert_int_equal(p->lsp.flags & PCEP_LSP_S, 0);
		assert_int_equal((p->lsp.flags & PCEP_LSP_O_MASK) >> PCEP_LSP_O_SHIFT, oper[i]);
		assert_string_equal(p->lsp.tlvs.name, "pce-init-1");
		assert_true(p->lsp.tlvs.has_lsp_ids);
		char a[64];
		assert_string_equal(pcep_addr_str(&p->lsp.tlvs.lsp_ids.sender, a, sizeof a),
				    "10.0.0.1");
		assert_string_equal(pcep_addr_str(&p->lsp.tlvs.lsp_ids.endpoint, a, sizeof a),
				    "10.0.0.3");
		check_sr_ero(&p->ero);
		roundtrip(&m);
		pcep_msg_free(&m);
	}
	free_capture(c, n);
}

/* A message of every kind the encoder writes, with every TLV and
 * subobject kind: decode(encode(m)) encodes to the same bytes. */
static void test_roundtrip_built(void **state)
{
	(void)state;
	pcep_msg m = { .type = PCEP_MSG_OPEN };
	m.has_open = true;
	m.open.keepalive = 30;
	m.open.deadtimer = 120;
	m.open.sid = 7;
	m.open.tlvs.has_stateful = true;
	m.open.tlvs.stateful_flags = PCEP_STATEFUL_U | PCEP_STATEFUL_I;
	m.open.tlvs.has_pst_cap = true;
	m.open.tlvs.n_pst = 2;
	m.open.tlvs.pst[0] = PCEP_PST_SR;
	m.open.tlvs.pst[1] = PCEP_PST_SRV6;
	m.open.tlvs.has_sr_cap = true;
	m.open.tlvs.sr_cap_sub = true;
	m.open.tlvs.sr_msd = 10;
	m.open.tlvs.has_srv6_cap = true;
	m.open.tlvs.n_srv6_msd = 1;
	m.open.tlvs.srv6_msd[0] = (pcep_srv6_msd){ 41, 8 };
	roundtrip(&m);
	pcep_msg d;
	wire_wr w;
	wire_wr_init(&w);
	neto_err err;
	assert_int_equal(pcep_encode(&m, &w, &err), 0);
	decode_ok(w.buf, w.len, &d);
	assert_true(d.open.tlvs.has_srv6_cap);
	assert_int_equal(d.open.tlvs.srv6_msd[0].type, 41);
	assert_int_equal(d.open.tlvs.n_pst, 2);
	pcep_msg_free(&d);
	wire_wr_free(&w);

	pcep_msg u = { .type = PCEP_MSG_PCUPD };
	pcep_path p = { 0 };
	p.has_srp = true;
	p.srp.srp_id = 42;
	p.srp.tlvs.has_pst = true;
	p.srp.tlvs.pst_value = PCEP_PST_SRV6;
	p.has_lsp = true;
	p.lsp.plsp_id = 0xfffff;
	p.lsp.flags = PCEP_LSP_D | PCEP_LSP_C | (PCEP_OPER_ACTIVE << PCEP_LSP_O_SHIFT);
	p.lsp.tlvs.name = (char *)(uintptr_t)"nyc/gold";
	p.lsp.tlvs.has_lsp_ids = true;
	pcep_addr_parse("2001:db8::1", &p.lsp.tlvs.lsp_ids.sender);
	pcep_addr_parse("2001:db8::9", &p.lsp.tlvs.lsp_ids.endpoint);
	p.lsp.tlvs.lsp_ids.lsp_id = 3;
	p.lsp.tlvs.has_lsp_error = true;
	p.lsp.tlvs.lsp_error = 4;
	p.has_ero = true;
	pcep_subobj sub[5];
	memset(sub, 0, sizeof sub);
	/* SRv6 with SID, NAI and structure; SID only; NAI only (adjacency) */
	sub[0].type = PCEP_RO_SRV6;
	sub[0].flags = PCEP_SRV6_T;
	sub[0].behavior = 1;
	sub[0].sid6[0] = 0xfc;
	sub[0].nai.type = PCEP_NAI_IPV6_NODE;
	pcep_addr_parse("2001:db8::2", &sub[0].nai.local);
	sub[0].st = (pcep_sid_struct){ 32, 16, 16, 0, 0 };
	sub[1].type = PCEP_RO_SRV6;
	sub[1].flags = PCEP_SRV6_F;
	sub[1].sid6[15] = 1;
	sub[2].type = PCEP_RO_SRV6;
	sub[2].flags = PCEP_SRV6_S;
	sub[2].nai.type = PCEP_NAI_IPV6_ADJ;
	pcep_addr_parse("2001:db8:1::1", &sub[2].nai.local);
	pcep_addr_parse("2001:db8:1::2", &sub[2].nai.remote);
	sub[3].type = PCEP_RO_SRV6;
	sub[3].flags = PCEP_SRV6_S;
	sub[3].nai.type = PCEP_NAI_IPV6_LL_ADJ;
	pcep_addr_parse("fe80::1", &sub[3].nai.local);
	pcep_addr_parse("fe80::2", &sub[3].nai.remote);
	sub[3].nai.local_if = 5;
	sub[3].nai.remote_if = 6;
	sub[4].type = PCEP_RO_SRV6;
	sub[4].loose = true;
	sub[4].flags = PCEP_SRV6_F;
	p.ero.sub = sub;
	p.ero.n = 5;
	p.has_bandwidth = true;
	p.bandwidth = 1.25e9f;
	p.n_metric = 1;
	p.metric[0] = (pcep_metric){ 0, 2, 30.0f };
	p.has_assoc = true;
	p.assoc.type = PCEP_ASSOC_SR_POLICY;
	p.assoc.id = 1;
	pcep_addr_parse("2001:db8::1", &p.assoc.source);
	p.assoc.tlvs.has_ext_assoc = true;
	p.assoc.tlvs.color = 100;
	pcep_addr_parse("2001:db8::9", &p.assoc.tlvs.policy_endpoint);
	p.assoc.tlvs.policy_name = (char *)(uintptr_t)"gold";
	p.assoc.tlvs.has_preference = true;
	p.assoc.tlvs.preference = 200;
	p.has_vendor = true;
	p.vendor.enterprise = PCEP_ENTERPRISE_CISCO;
	p.vendor.len = 8;
	p.vendor.data[2] = 0;
	p.vendor.data[1] = 1;
	p.vendor.data[3] = 4;
	p.vendor.data[7] = 100;
	u.path = &p;
	u.n_path = 1;
	roundtrip(&u);
	wire_wr_init(&w);
	assert_int_equal(pcep_encode(&u, &w, &err), 0);
	decode_ok(w.buf, w.len, &d);
	assert_int_equal(d.n_path, 1);
	assert_int_equal(d.path[0].lsp.plsp_id, 0xfffff);
	assert_int_equal(d.path[0].ero.n, 5);
	assert_int_equal(d.path[0].ero.sub[0].st.lb, 32);
	assert_int_equal(d.path[0].ero.sub[3].nai.remote_if, 6);
	assert_true(d.path[0].ero.sub[4].loose);
	assert_int_equal(d.path[0].assoc.tlvs.color, 100);
	assert_string_equal(d.path[0].assoc.tlvs.policy_name, "gold");
	assert_true(d.path[0].bandwidth == 1.25e9f);
	assert_int_equal(d.path[0].lsp.tlvs.lsp_error, 4);
	assert_int_equal(d.path[0].srp.tlvs.pst_value, PCEP_PST_SRV6);
	pcep_msg_free(&d);
	wire_wr_free(&w);

	/* SR-MPLS adjacency and unnumbered NAIs, RRO, IPv4 prefix ERO */
	pcep_msg r = { .type = PCEP_MSG_PCRPT };
	pcep_path q = { 0 };
	q.has_lsp = true;
	q.lsp.plsp_id = 9;
	q.has_ero = true;
	pcep_subobj s2[2];
	memset(s2, 0, sizeof s2);
	s2[0].type = PCEP_RO_SR;
	s2[0].flags = PCEP_SR_M | PCEP_SR_C;
	s2[0].sid = 24001u << 12 | 0x1ff;
	s2[0].nai.type = PCEP_NAI_IPV4_ADJ;
	pcep_addr_parse("10.1.0.1", &s2[0].nai.local);
	pcep_addr_parse("10.1.0.2", &s2[0].nai.remote);
	s2[1].type = PCEP_RO_SR;
	s2[1].flags = PCEP_SR_S;
	s2[1].nai.type = PCEP_NAI_UNNUMBERED;
	s2[1].nai.local_node = 1;
	s2[1].nai.local_if = 2;
	s2[1].nai.remote_node = 3;
	s2[1].nai.remote_if = 4;
	q.ero.sub = s2;
	q.ero.n = 2;
	q.has_rro = true;
	pcep_subobj s3 = { 0 };
	s3.type = PCEP_RO_IPV4;
	pcep_addr_parse("10.0.0.9", &s3.prefix);
	s3.prefix_len = 32;
	q.rro.sub = &s3;
	q.rro.n = 1;
	r.path = &q;
	r.n_path = 1;
	roundtrip(&r);

	/* PCErr with an SRP and an OPEN proposal; Close */
	pcep_error e[2] = { { 24, 1 }, { 19, 9 } };
	uint32_t srp = 5;
	pcep_msg pe = { .type = PCEP_MSG_PCERR, .err = e, .n_err = 2, .err_srp = &srp,
			.n_err_srp = 1 };
	pe.has_open = true;
	pe.open.keepalive = 10;
	pe.open.deadtimer = 40;
	roundtrip(&pe);
	pcep_msg cl = { .type = PCEP_MSG_CLOSE, .close_reason = PCEP_CLOSE_DEADTIMER };
	roundtrip(&cl);
	/* the removal form of PCInitiate needs no ERO */
	pcep_msg rm = { .type = PCEP_MSG_PCINITIATE };
	pcep_path rp = { 0 };
	rp.has_srp = true;
	rp.srp.flags = PCEP_SRP_R;
	rp.srp.srp_id = 77;
	rp.has_lsp = true;
	rp.lsp.plsp_id = 12;
	rm.path = &rp;
	rm.n_path = 1;
	roundtrip(&rm);
}

/* A message from a hex string; returns the decoder's rc and perr. */
static int try_hex(const char *hex, pcep_perr *pe)
{
	char clean[1024];
	size_t k = 0;
	for (const char *h = hex; *h && k + 1 < sizeof clean; h++)
		if (*h != ' ')
			clean[k++] = *h;
	clean[k] = '\0';
	assert_int_equal(k % 2, 0);
	size_t n = k / 2;
	uint8_t *b = malloc(n ? n : 1);
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		assert_int_equal(sscanf(clean + 2 * i, "%2x", &v), 1);
		b[i] = (uint8_t)v;
	}
	pcep_msg m;
	neto_err err = { { 0 } };
	int rc = pcep_decode(b, n, &m, pe, &err);
	if (rc == 0)
		pcep_msg_free(&m);
	else
		assert_true(err.msg[0] != '\0');
	free(b);
	return rc;
}

#define BAD(hex, t, v)                                                                      \
	do {                                                                                \
		pcep_perr pe_;                                                              \
		assert_int_equal(try_hex(hex, &pe_), -1);                                   \
		assert_int_equal(pe_.type, (t));                                            \
		assert_int_equal(pe_.value, (v));                                           \
	} while (0)

static void test_malformed(void **state)
{
	(void)state;
	pcep_perr pe;
	/* the real PCInitiate decodes (the base the variants below break) */
	const char *init = "200c0058211000140000000000000001001c00040000000120100018000000090011000a"
			   "7063652d696e69742d3100000410000c0a0000010a0000030710001c240c100103e82000"
			   "0a000002240c100103e830000a000003";
	assert_int_equal(try_hex(init, &pe), 0);
	/* common header: version 2; length not a multiple of 4; length != buffer */
	BAD("40020004", PCEP_ERR_SESSION, PCEP_EV_SESSION_BAD_OPEN);
	assert_int_equal(try_hex("40020004", &pe), -1);
	assert_int_equal(pe.close, PCEP_CLOSE_MALFORMED);
	BAD("20020005", PCEP_ERR_INVALID_OBJECT, PCEP_EV_MALFORMED_OBJECT);
	BAD("20020008", PCEP_ERR_INVALID_OBJECT, PCEP_EV_MALFORMED_OBJECT);
	/* Keepalive with a body */
	BAD("2002000800000000", PCEP_ERR_INVALID_OBJECT, PCEP_EV_MALFORMED_OBJECT);
	/* unsupported message type (PCReq) and an unknown one */
	BAD("20030004", PCEP_ERR_CAPABILITY, 0);
	BAD("20630004", PCEP_ERR_CAPABILITY, 0);
	/* Open: no OPEN object; a non-OPEN object; OPEN version 2; short OPEN */
	BAD("20010004", PCEP_ERR_SESSION, PCEP_EV_SESSION_BAD_OPEN);
	BAD("2001000c0f10000800000001", PCEP_ERR_SESSION, PCEP_EV_SESSION_BAD_OPEN);
	BAD("2001000c01100008401e7801", PCEP_ERR_SESSION, PCEP_EV_SESSION_UNACCEPTABLE);
	BAD("2001000801100004", PCEP_ERR_SESSION, PCEP_EV_SESSION_BAD_OPEN);
	/* Open with PST 1 but no SR-PCE-CAPABILITY sub-TLV (RFC 8664 s4.1.2) */
	BAD("20010018" "01100014" "201e7801" "0022000800000001" "01000000",
	    PCEP_ERR_INVALID_OBJECT, PCEP_EV_MISSING_SR_CAP);
	/* Open with PST 3 and no SRv6-PCE-CAPABILITY (RFC 9603 s4.1.1) */
	BAD("20010018" "01100014" "201e7801" "0022000800000001" "03000000",
	    PCEP_ERR_INVALID_OBJECT, PCEP_EV_MISSING_SRV6_CAP);
	/* object length shorter than its header, past the message */
	BAD("2001000c01100000201e7801", PCEP_ERR_INVALID_OBJECT, PCEP_EV_MALFORMED_OBJECT);
	BAD("2001000c01100010201e7801", PCEP_ERR_INVALID_OBJECT, PCEP_EV_MALFORMED_OBJECT);
	/* TLV running past its object */
	BAD("20010010011000 0c201e78010010 0008", PCEP_ERR_INVALID_OBJECT,
	    PCEP_EV_MALFORMED_OBJECT);
	/* unknown object class; known class with an unknown type */
	BAD("200a000c6310000800000000", PCEP_ERR_UNKNOWN_OBJECT, 1);
	BAD("200a000c2030000800000000", PCEP_ERR_UNKNOWN_OBJECT, 2);
	/* PCRpt without LSP: an ERO alone */
	BAD("200a000807100004", PCEP_ERR_MISSING_OBJECT, PCEP_EV_MISSING_LSP);
	/* PCRpt: LSP without ERO */
	BAD("200a000c2010000800001000", PCEP_ERR_MISSING_OBJECT, PCEP_EV_MISSING_ERO);
	/* PCUpd without SRP */
	BAD("200b00102010000800001000" "07100004", PCEP_ERR_MISSING_OBJECT, PCEP_EV_MISSING_SRP);
	/* PCInitiate: SRP then ERO without LSP */
	BAD("200c0014211000 0c0000000000000001" "07100004", PCEP_ERR_MISSING_OBJECT,
	    PCEP_EV_MISSING_LSP);
	/* PCInitiate (not a removal) without ERO */
	BAD("200c0018211000 0c0000000000000001" "2010000800000009", PCEP_ERR_MISSING_OBJECT,
	    PCEP_EV_MISSING_ERO);
	/* PCInitiate removal without ERO is fine */
	assert_int_equal(try_hex("200c0018211000 0c0000000100000001" "2010000800001000", &pe),
			 0);
	/* SR-ERO with both S and F (RFC 8664 s4.3.1): 10/6 */
	BAD("200c0020" "2110000c0000000000000001" "2010000800000009" "07100008" "2404000c",
	    PCEP_ERR_INVALID_OBJECT, PCEP_EV_SR_ERO_NO_SID_NAI);
	/* SR-ERO NAI type 7 */
	BAD("200c0024" "2110000c0000000000000001" "2010000800000009" "0710000c" "2408700103e82000",
	    PCEP_ERR_INVALID_OBJECT, PCEP_EV_BAD_NAI_TYPE);
	/* SR-ERO with label 3 (reserved) */
	BAD("200c0028" "2110000c0000000000000001" "2010000800000009" "07100010"
	    "240c100100003000" "0a000002",
	    PCEP_ERR_INVALID_OBJECT, PCEP_EV_BAD_LABEL);
	/* SR-ERO whose length does not match its flags (NAI missing) */
	BAD("200c0024" "2110000c0000000000000001" "2010000800000009" "0710000c" "2408100103e82000",
	    PCEP_ERR_INVALID_OBJECT, PCEP_EV_MALFORMED_OBJECT);
	/* ERO mixing SR and IPv4 subobjects: 10/5 */
	BAD("200c002c" "2110000c0000000000000001" "2010000800000009" "07100014"
	    "2408000903e82000" "01080a00000220 00",
	    PCEP_ERR_INVALID_OBJECT, PCEP_EV_ERO_MIXES);
	/* SRv6-ERO with both S and F: RFC 9603 */
	BAD("200c0024" "2110000c0000000000000001" "2010000800000009" "0710000c" "2808000300000001",
	    PCEP_ERR_INVALID_OBJECT, PCEP_EV_SRV6_ERO_NO_SID_NAI);
	/* SRv6 SID structure over 128 bits */
	BAD("200c003c" "2110000c0000000000000001" "2010000800000009" "07100024"
	    "2820" "0006" "00000001" "fc000000000000000000000000000001" "4040400800000000",
	    PCEP_ERR_INVALID_OBJECT, PCEP_EV_BAD_SRV6_STRUCTURE);
	/* PCErr without ERROR object */
	BAD("20060004", PCEP_ERR_INVALID_OBJECT, PCEP_EV_MALFORMED_OBJECT);
	/* Close without CLOSE */
	BAD("20070004", PCEP_ERR_INVALID_OBJECT, PCEP_EV_MALFORMED_OBJECT);
	/* SYMBOLIC-PATH-NAME empty; with a NUL */
	BAD("200a0014" "2010000c00001000" "00110000" "07100004", PCEP_ERR_INVALID_OBJECT,
	    PCEP_EV_MALFORMED_OBJECT);
	BAD("200a0018" "2010001000001000" "0011000261 00 0000" "07100004",
	    PCEP_ERR_INVALID_OBJECT, PCEP_EV_MALFORMED_OBJECT);
	/* IPV4-LSP-IDENTIFIERS of the wrong length */
	BAD("200a0018" "2010001000001000" "0012000400000000" "07100004", PCEP_ERR_INVALID_OBJECT,
	    PCEP_EV_MALFORMED_OBJECT);
	/* SRP-ID 0xffffffff is reserved */
	BAD("200b001c" "2110000c00000000ffffffff" "2010000800001000" "07100004",
	    PCEP_ERR_INVALID_OBJECT, PCEP_EV_MALFORMED_OBJECT);
	/* unknown TLVs are skipped */
	assert_int_equal(try_hex("200a0018" "2010001000001000" "7777000400000000" "07100004",
				 &pe),
			 0);
}

/* Framing a stream: partial headers and messages ask for more. */
static void test_frame(void **state)
{
	(void)state;
	const uint8_t ka[] = { 0x20, 0x02, 0x00, 0x04, 0x20, 0x02 };
	size_t n;
	pcep_perr pe;
	neto_err err;
	assert_int_equal(pcep_frame(ka, 3, &n, &pe, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(pcep_frame(ka, sizeof ka, &n, &pe, &err), 0);
	assert_int_equal(n, 4);
	const uint8_t big[] = { 0x20, 0x0a, 0x01, 0x00, 0 };
	assert_int_equal(pcep_frame(big, sizeof big, &n, &pe, &err), 0);
	assert_int_equal(n, 0);
}

/* Truncating a valid message at every length never reads out of bounds and
 * always fails with an error to send. */
static void test_truncations(void **state)
{
	(void)state;
	capmsg c[16];
	size_t n = load_capture(c, 16);
	for (size_t i = 0; i < n; i++) {
		for (size_t len = 4; len < c[i].len; len += 4) {
			uint8_t *b = malloc(len);
			memcpy(b, c[i].buf, len);
			b[2] = (uint8_t)(len >> 8);
			b[3] = (uint8_t)len;
			pcep_msg m;
			pcep_perr pe;
			neto_err err;
			if (pcep_decode(b, len, &m, &pe, &err) == 0)
				pcep_msg_free(&m);
			else
				assert_true(pe.type != 0 || pe.close != 0);
			free(b);
		}
	}
	free_capture(c, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capture_open),	 cmocka_unit_test(test_capture_sync_end),
		cmocka_unit_test(test_capture_initiate), cmocka_unit_test(test_capture_reports),
		cmocka_unit_test(test_roundtrip_built),	 cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_frame),		 cmocka_unit_test(test_truncations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
