/*
 * fuzz_bgp_ls.c - the BGP-LS decoders on arbitrary bytes. The input is split
 * at its first two octets: an NLRI field and a BGP-LS attribute value. Every
 * NLRI that decodes (and every attribute) must encode to bytes that decode
 * and encode to the same bytes again; framing errors stop the list with a
 * message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/bgp/bgpls.h"

static void nlris(const uint8_t *p, size_t len)
{
	wire_rd r = wire_rd_init(p, len);
	neto_err err;
	while (wire_left(&r) > 0) {
		bgpls_nlri n, d;
		const uint8_t *raw;
		size_t raw_len;
		err.msg[0] = '\0';
		int rc = bgpls_nlri_decode(&r, &n, &raw, &raw_len, &err);
		if (rc != 0 && err.msg[0] == '\0')
			abort();
		if (rc == -1)
			return;
		if (rc == 1)
			continue;
		wire_wr w, w2;
		wire_wr_init(&w);
		wire_wr_init(&w2);
		bgpls_nlri_encode(&n, &w);
		/* unknown TLVs are dropped, so the encoding is never longer */
		if (w.len > raw_len)
			abort();
		wire_rd r2 = wire_rd_init(w.buf, w.len);
		if (bgpls_nlri_decode(&r2, &d, &raw, &raw_len, &err) != 0 || wire_left(&r2) != 0)
			abort();
		bgpls_nlri_encode(&d, &w2);
		if (w.len != w2.len || (w.len > 0 && memcmp(w.buf, w2.buf, w.len) != 0))
			abort();
		wire_wr_free(&w);
		wire_wr_free(&w2);
	}
}

static void attr(const uint8_t *p, size_t len)
{
	bgpls_attr a, d;
	neto_err err;
	err.msg[0] = '\0';
	if (bgpls_attr_decode(p, len, &a, &err) != 0) {
		if (err.msg[0] == '\0')
			abort();
		return;
	}
	wire_wr w, w2;
	wire_wr_init(&w);
	wire_wr_init(&w2);
	bgpls_attr_encode(&a, &w);
	if (bgpls_attr_decode(w.buf, w.len, &d, &err) != 0)
		abort();
	bgpls_attr_encode(&d, &w2);
	if (w.len != w2.len || (w.len > 0 && memcmp(w.buf, w2.buf, w.len) != 0))
		abort();
	wire_wr_free(&w);
	wire_wr_free(&w2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	size_t cut = (size_t)(data[0] << 8 | data[1]);
	data += 2;
	size -= 2;
	if (cut > size)
		cut = size;
	nlris(data, cut);
	attr(data + cut, size - cut);
	return 0;
}
