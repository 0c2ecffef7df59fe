/*
 * test_pe_collector.c - the live collector's framing: a BMP stream cut at
 * every possible point across reads gives the same table as one read, two
 * messages in one read are both applied, a bad length or version ends the
 * session with an error naming the router, and closing a session removes
 * that router's routes only. Also the text dump `neto peer` reads back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pe/collector.h"
#include "pe/io.h"
#include "testutil.h"

static void hdr(bmp_peer_hdr *p, uint8_t last, uint32_t as)
{
	memset(p, 0, sizeof *p);
	p->addr[12] = 192;
	p->addr[13] = 0;
	p->addr[14] = 2;
	p->addr[15] = last;
	p->as = as;
	p->bgp_id = 0x0a000000u | last;
}

/* Appends a Route Monitoring message announcing 10.0.c.0/24 with the path
 * (as, 15169) and next hop 192.0.2.last. */
static void rm(wire_wr *w, const bmp_peer_hdr *ph, uint8_t c)
{
	bmp_msg m;
	bmp_msg_init(&m, BMP_ROUTE_MONITORING);
	m.peer = *ph;
	bgp_update *u = &m.update;
	u->seen = 1u << BGP_ATTR_ORIGIN | 1u << BGP_ATTR_AS_PATH | 1u << BGP_ATTR_NEXT_HOP;
	const uint32_t path[] = { ph->as, 15169 };
	bgp_update_add_seg(u, BGP_AS_SEQUENCE, path, 2);
	u->next_hop = 0xc0000200u | ph->addr[15];
	u->nlri = calloc(1, sizeof *u->nlri);
	u->nlri[0].len = 24;
	u->nlri[0].addr[0] = 10;
	u->nlri[0].addr[2] = c;
	u->n_nlri = 1;
	neto_err err;
	assert_int_equal(bmp_encode(&m, w, &err), 0);
	bmp_msg_free(&m);
}

static void stream(wire_wr *w)
{
	bmp_peer_hdr a, b;
	hdr(&a, 1, 64501);
	hdr(&b, 2, 64502);
	bmp_msg m;
	bmp_msg_init(&m, BMP_INITIATION);
	bmp_msg_add_tlv(&m, BMP_INFO_SYSNAME, "border1", 7);
	neto_err err;
	assert_int_equal(bmp_encode(&m, w, &err), 0);
	bmp_msg_free(&m);
	for (uint8_t c = 0; c < 3; c++)
		rm(w, &a, c);
	rm(w, &b, 0);
}

/* Every split of the stream into two reads, and byte-at-a-time reads. */
static void test_split_reads(void **state)
{
	(void)state;
	wire_wr w;
	wire_wr_init(&w);
	stream(&w);
	for (size_t cut = 0; cut <= w.len; cut++) {
		pe_rib *t = pe_rib_new();
		pe_bmp_sess s;
		pe_bmp_sess_init(&s, 0, "r1");
		neto_err err;
		assert_int_equal(pe_bmp_sess_feed(&s, t, w.buf, cut, &err), 0);
		assert_int_equal(pe_bmp_sess_feed(&s, t, w.buf + cut, w.len - cut, &err), 0);
		assert_int_equal(s.n_msgs, 5);
		assert_int_equal(s.len, 0);
		assert_int_equal(pe_rib_n_routes(t), 4);
		assert_int_equal(pe_rib_n_prefixes(t), 3);
		assert_string_equal(s.sysname, "border1");
		pe_bmp_sess_free(&s);
		pe_rib_free(t);
	}
	pe_rib *t = pe_rib_new();
	pe_bmp_sess s;
	pe_bmp_sess_init(&s, 0, "r1");
	neto_err err;
	for (size_t i = 0; i < w.len; i++)
		assert_int_equal(pe_bmp_sess_feed(&s, t, w.buf + i, 1, &err), 0);
	assert_int_equal(s.n_msgs, 5);
	assert_int_equal(pe_rib_n_routes(t), 4);
	pe_bmp_sess_free(&s);
	pe_rib_free(t);
	wire_wr_free(&w);
}

/* Two whole messages and half a third in one read: two applied, the half
 * waits. */
static void test_two_in_one(void **state)
{
	(void)state;
	bmp_peer_hdr a;
	hdr(&a, 1, 64501);
	wire_wr w;
	wire_wr_init(&w);
	rm(&w, &a, 1);
	rm(&w, &a, 2);
	size_t two = w.len;
	rm(&w, &a, 3);
	pe_rib *t = pe_rib_new();
	pe_bmp_sess s;
	pe_bmp_sess_init(&s, 0, "r1");
	neto_err err;
	size_t first = two + (w.len - two) / 2;
	assert_int_equal(pe_bmp_sess_feed(&s, t, w.buf, first, &err), 0);
	assert_int_equal(s.n_msgs, 2);
	assert_int_equal(pe_rib_n_routes(t), 2);
	assert_int_equal(s.len, first - two);
	assert_int_equal(pe_bmp_sess_feed(&s, t, w.buf + first, w.len - first, &err), 0);
	assert_int_equal(s.n_msgs, 3);
	assert_int_equal(pe_rib_n_routes(t), 3);
	pe_bmp_sess_free(&s);
	pe_rib_free(t);
	wire_wr_free(&w);
}

/* A length above the cap, below the header, and a bad version: an error
 * naming the router and the offset; what came before stays applied. */
static void test_bad_length(void **state)
{
	(void)state;
	bmp_peer_hdr a;
	hdr(&a, 1, 64501);
	static const uint8_t bad[][6] = {
		{ 3, 0x7f, 0xff, 0xff, 0xff, 0 },	/* 2 GB */
		{ 3, 0, 0, 0, 5, 4 },			/* shorter than the header */
		{ 1, 0, 0, 0, 6, 4 },			/* version 1 */
	};
	for (size_t k = 0; k < 3; k++) {
		wire_wr w;
		wire_wr_init(&w);
		rm(&w, &a, 1);
		size_t good = w.len;
		pe_rib *t = pe_rib_new();
		pe_bmp_sess s;
		pe_bmp_sess_init(&s, 0, "198.51.100.7");
		neto_err err;
		assert_int_equal(pe_bmp_sess_feed(&s, t, w.buf, w.len, &err), 0);
		assert_int_equal(pe_bmp_sess_feed(&s, t, bad[k], sizeof bad[k], &err), -1);
		char want[64];
		snprintf(want, sizeof want, "198.51.100.7: offset %zu: ", good);
		assert_true(strncmp(err.msg, want, strlen(want)) == 0);
		assert_int_equal(pe_rib_n_routes(t), 1);
		/* the session closes: its routes go, another router's stay */
		pe_bmp_sess other;
		pe_bmp_sess_init(&other, 1, "r2");
		assert_int_equal(pe_bmp_sess_feed(&other, t, w.buf, w.len, &err), 0);
		assert_int_equal(pe_rib_n_routes(t), 2);
		assert_int_equal(pe_bmp_sess_close(&s, t), 1);
		assert_int_equal(pe_rib_n_routes(t), 1);
		assert_false(pe_rib_peer_get(t, 0)->up);
		pe_bmp_sess_free(&other);
		pe_bmp_sess_free(&s);
		pe_rib_free(t);
		wire_wr_free(&w);
	}
}

/* The dump reads back through `neto peer`'s route parser as the same table. */
static void test_dump_roundtrip(void **state)
{
	(void)state;
	wire_wr w;
	wire_wr_init(&w);
	stream(&w);
	pe_rib *t = pe_rib_new();
	pe_bmp_sess s;
	pe_bmp_sess_init(&s, 0, "r1");
	neto_err err;
	assert_int_equal(pe_bmp_sess_feed(&s, t, w.buf, w.len, &err), 0);
	char *text = NULL;
	size_t tlen = 0;
	FILE *f = open_memstream(&text, &tlen);
	const char *names[] = { "r1" };
	assert_int_equal(pe_rib_write_routes(t, names, 1, f), 0);
	fclose(f);
	assert_non_null(strstr(text, "10.0.0.0/24 r1 192.0.2.1 64501 64501,15169 192.0.2.1 "
				     "origin=igp\n"));
	assert_non_null(strstr(text, "10.0.0.0/24 r1 192.0.2.2 64502 64502,15169 192.0.2.2"));
	pe_input in;
	pe_input_init(&in);
	assert_int_equal(pe_parse_routes(&in, text, tlen, "dump", &err), 0);
	assert_int_equal(pe_rib_n_routes(in.rib), 4);
	assert_int_equal(pe_rib_n_prefixes(in.rib), 3);
	pe_input_free(&in);
	free(text);
	pe_bmp_sess_free(&s);
	pe_rib_free(t);
	wire_wr_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_reads),
		cmocka_unit_test(test_two_in_one),
		cmocka_unit_test(test_bad_length),
		cmocka_unit_test(test_dump_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
