/*
 * fuzz_router_lsexport.c - FRR's TE database JSON into BGP-LS
 * (src/router/lsexport.c) on arbitrary bytes: a refusal has a message and
 * no items; a success's counts add up, and every item encodes through the
 * BGP-LS codec and decodes back with the same attribute TLVs present.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "router/lsexport.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	lsexport_opts o;
	memset(&o, 0, sizeof o);
	lsexport_delay d = { .af = 4, .local = { 10, 1, 12, 1 }, .delay_us = 5000 };
	o.delays = &d;
	o.n_delays = 1;
	o.has_locator = true;
	o.locator.len = 48;
	o.locator.addr[0] = 0xfc;
	memcpy(o.local_rid, (const uint8_t[]){ 10, 0, 0, 1 }, 4);
	lsexport_set s;
	neto_err err;
	err.msg[0] = '\0';
	if (lsexport_frr_ted((const char *)data, size, &o, &s, &err) != 0) {
		if (err.msg[0] == '\0' || s.v != NULL || s.n != 0)
			abort();
		return 0;
	}
	if (s.n != s.n_nodes + s.n_links + s.n_prefixes)
		abort();
	for (size_t i = 0; i < s.n; i++) {
		wire_wr w;
		wire_wr_init(&w);
		bgpls_nlri_encode(&s.v[i].n, &w);
		wire_rd r = wire_rd_init(w.buf, w.len);
		bgpls_nlri back;
		const uint8_t *raw;
		size_t raw_len;
		if (bgpls_nlri_decode(&r, &back, &raw, &raw_len, &err) != 0 || back.type != s.v[i].n.type)
			abort();
		wire_wr_free(&w);
		wire_wr_init(&w);
		bgpls_attr_encode(&s.v[i].a, &w);
		bgpls_attr a;
		if (bgpls_attr_decode(w.buf, w.len, &a, &err) != 0 || a.has != s.v[i].a.has)
			abort();
		wire_wr_free(&w);
	}
	lsexport_set_free(&s);
	return 0;
}
