/*
 * fuzz_bgp_srpolicy.c - the SR Policy decoders on arbitrary bytes: the first
 * octet splits the input into an NLRI field and a tunnel encapsulation
 * value. What decodes must encode to bytes that decode and encode to the
 * same bytes again; failures come with a message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/bgp/srpolicy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t cut = data[0];
	data++;
	size--;
	if (cut > size)
		cut = size;
	bgp_sr_policy p, q;
	memset(&p, 0, sizeof p);
	neto_err err;
	err.msg[0] = '\0';
	wire_rd r = wire_rd_init(data, cut);
	int nrc = bgp_srpolicy_nlri_decode(&r, &p, &err);
	if (nrc != 0 && err.msg[0] == '\0')
		abort();
	err.msg[0] = '\0';
	if (bgp_srpolicy_encap_decode(data + cut, size - cut, &p, &err) != 0) {
		if (err.msg[0] == '\0')
			abort();
		return 0;
	}
	if (nrc != 0)
		p.afi = 1;
	wire_wr w, w2;
	wire_wr_init(&w);
	wire_wr_init(&w2);
	bgp_srpolicy_nlri_encode(&p, &w);
	bgp_srpolicy_encap_encode(&p, &w);
	memset(&q, 0, sizeof q);
	r = wire_rd_init(w.buf, w.len);
	if (bgp_srpolicy_nlri_decode(&r, &q, &err) != 0)
		abort();
	if (bgp_srpolicy_encap_decode(w.buf + r.off, w.len - r.off, &q, &err) != 0)
		abort();
	bgp_srpolicy_nlri_encode(&q, &w2);
	bgp_srpolicy_encap_encode(&q, &w2);
	if (w.len != w2.len || memcmp(w.buf, w2.buf, w.len) != 0)
		abort();
	wire_wr_free(&w);
	wire_wr_free(&w2);
	return 0;
}
