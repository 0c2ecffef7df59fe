/*
 * fuzz_bmp.c - the BMP decoder on arbitrary bytes, and the route table fed
 * by whatever it accepts. A failure must say why; a success must encode
 * again, and that encoding must decode to a message that encodes to the
 * same bytes (the second encoding is canonical).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pe/rib.h"
#include "proto/bmp/bmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bmp_msg m, d;
	neto_err err;
	err.msg[0] = '\0';
	if (bmp_decode(data, size, &m, &err) != 0) {
		if (err.msg[0] == '\0')
			abort();
		return 0;
	}
	pe_rib *t = pe_rib_new();
	if (pe_rib_apply(t, 1, &m, &err) != 0)
		abort();
	if (pe_rib_n_routes(t) > 0 && m.type == BMP_ROUTE_MONITORING) {
		uint16_t peer;
		if (pe_rib_peer_id(t, 1, &m.peer, &peer, &err) != 0)
			abort();
		if (pe_rib_peer_down(t, peer) == 0 || pe_rib_n_routes(t) != 0 ||
		    pe_rib_n_attrs(t) != 0)
			abort();
	}
	pe_rib_free(t);
	wire_wr w1, w2;
	wire_wr_init(&w1);
	wire_wr_init(&w2);
	/* an accepted message may still not re-encode (an UPDATE whose
	 * attributes grow past 4096 octets once normalised) */
	if (bmp_encode(&m, &w1, &err) == 0) {
		if (bmp_decode(w1.buf, w1.len, &d, &err) != 0)
			abort();
		if (d.type != m.type || bmp_encode(&d, &w2, &err) != 0)
			abort();
		wire_wr w3;
		wire_wr_init(&w3);
		bmp_msg d2;
		if (bmp_decode(w2.buf, w2.len, &d2, &err) != 0 || bmp_encode(&d2, &w3, &err) != 0)
			abort();
		if (w3.len != w2.len || memcmp(w3.buf, w2.buf, w2.len) != 0)
			abort();
		bmp_msg_free(&d2);
		wire_wr_free(&w3);
		bmp_msg_free(&d);
	}
	wire_wr_free(&w1);
	wire_wr_free(&w2);
	bmp_msg_free(&m);
	return 0;
}
