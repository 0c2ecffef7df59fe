/*
 * fuzz_probe.c - the latency probe decoder on arbitrary bytes. A refusal
 * must carry a known error code and a message; an accepted datagram must be
 * exactly header + padding long, and encode back to the same header and
 * length (the padding is sent as zeros, its content is not checked), which
 * decodes to the same fields. The answer of an accepted probe must encode
 * and decode as an answer with the same fields.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/probe/probe.h"

static void same(const probe_msg *a, const probe_msg *b)
{
	if (a->type != b->type || a->pad != b->pad || a->id != b->id || a->seq != b->seq ||
	    a->ts_ns != b->ts_ns)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	probe_msg m, m2;
	neto_err err;
	err.msg[0] = '\0';
	int rc = probe_decode(data, size, &m, &err);
	if (rc != PROBE_OK) {
		if (rc <= 0 || rc >= PROBE_N_ERRORS || err.msg[0] == '\0')
			abort();
		return 0;
	}
	if (size != (size_t)PROBE_HDR_LEN + m.pad || m.pad > PROBE_MAX_PAD)
		abort();
	wire_wr w;
	wire_wr_init(&w);
	if (probe_encode(&m, &w, &err) != 0 || w.len != size ||
	    memcmp(w.buf, data, PROBE_HDR_LEN) != 0)
		abort();
	if (probe_decode(w.buf, w.len, &m2, NULL) != PROBE_OK)
		abort();
	same(&m, &m2);
	probe_msg a = probe_answer_of(&m);
	w.len = 0;
	if (probe_encode(&a, &w, &err) != 0 || probe_decode(w.buf, w.len, &m2, NULL) != PROBE_OK ||
	    m2.type != PROBE_ANSWER)
		abort();
	m2.type = m.type;
	same(&m, &m2);
	wire_wr_free(&w);
	return 0;
}
