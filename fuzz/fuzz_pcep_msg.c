/*
 * fuzz_pcep_msg.c - the PCEP decoder on arbitrary bytes. A refusal must come
 * with a message and a PCErr type (or a Close reason); an accepted message
 * must encode, the encoding must decode, and encode again to the same bytes
 * (one canonical encoding per decoded message).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/pcep/pcep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n;
	pcep_perr pe;
	neto_err err;
	err.msg[0] = '\0';
	if (pcep_frame(data, size, &n, &pe, &err) != 0) {
		if (err.msg[0] == '\0' || pe.close == 0)
			abort();
		return 0;
	}
	if (n == 0)
		return 0;
	pcep_msg m, m2;
	if (pcep_decode(data, n, &m, &pe, &err) != 0) {
		if (err.msg[0] == '\0' || (pe.type == 0 && pe.close == 0))
			abort();
		return 0;
	}
	if (m.type == PCEP_MSG_PCNTF) {	/* recognised, not modelled */
		pcep_msg_free(&m);
		return 0;
	}
	wire_wr a, b;
	wire_wr_init(&a);
	wire_wr_init(&b);
	if (pcep_encode(&m, &a, &err) != 0)
		abort();
	if (pcep_decode(a.buf, a.len, &m2, &pe, &err) != 0)
		abort();
	if (pcep_encode(&m2, &b, &err) != 0 || a.len != b.len || memcmp(a.buf, b.buf, a.len) != 0)
		abort();
	pcep_msg_free(&m);
	pcep_msg_free(&m2);
	wire_wr_free(&a);
	wire_wr_free(&b);
	return 0;
}
