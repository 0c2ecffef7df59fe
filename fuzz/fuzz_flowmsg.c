/*
 * fuzz_flowmsg.c - both flow message decoders on arbitrary bytes. A failure
 * must leave nothing allocated and a message; a success must encode again,
 * and the encoding must decode to the same message and encode to the same
 * bytes (one canonical text per message).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/flowmsg.h"

static void same_str(const char *a, const char *b)
{
	if (strcmp(a, b) != 0)
		abort();
}

static void batch(const uint8_t *data, size_t size)
{
	flowmsg_batch b, c;
	neto_err err;
	err.msg[0] = '\0';
	if (flowmsg_batch_decode(&b, (const char *)data, size, "fuzz", &err) != 0) {
		if (err.msg[0] == '\0' || b.text_ != NULL || b.recs_ != NULL)
			abort();
		return;
	}
	char *out, *out2;
	size_t len, len2;
	if (flowmsg_batch_encode(&b, &out, &len, &err) != 0)
		abort();
	if (flowmsg_batch_decode(&c, out, len, "again", &err) != 0)
		abort();
	same_str(b.exporter, c.exporter);
	if (b.start_ms != c.start_ms || b.window_ms != c.window_ms || b.sampling != c.sampling ||
	    b.n != c.n)
		abort();
	for (size_t i = 0; i < b.n; i++) {
		same_str(b.recs[i].ingress, c.recs[i].ingress);
		same_str(b.recs[i].egress, c.recs[i].egress);
		same_str(b.recs[i].cls, c.recs[i].cls);
		if (b.recs[i].bytes != c.recs[i].bytes || b.recs[i].packets != c.recs[i].packets)
			abort();
	}
	if (flowmsg_batch_encode(&c, &out2, &len2, &err) != 0 || len != len2 ||
	    memcmp(out, out2, len) != 0)
		abort();
	free(out);
	free(out2);
	flowmsg_batch_free(&b);
	flowmsg_batch_free(&c);
}

static void partial(const uint8_t *data, size_t size)
{
	flowmsg_partial p, q;
	neto_err err;
	err.msg[0] = '\0';
	if (flowmsg_partial_decode(&p, (const char *)data, size, "fuzz", &err) != 0) {
		if (err.msg[0] == '\0' || p.text_ != NULL || p.names_ != NULL ||
		    p.entries_ != NULL)
			abort();
		return;
	}
	char *out, *out2;
	size_t len, len2;
	if (flowmsg_partial_encode(&p, &out, &len, &err) != 0)
		abort();
	if (flowmsg_partial_decode(&q, out, len, "again", &err) != 0)
		abort();
	same_str(p.agent, q.agent);
	if (p.start_ms != q.start_ms || p.window_ms != q.window_ms ||
	    p.bits_per_unit != q.bits_per_unit || p.n_covered != q.n_covered ||
	    p.n_missing != q.n_missing || p.n != q.n)
		abort();
	for (size_t i = 0; i < p.n_covered; i++)
		same_str(p.covered[i], q.covered[i]);
	for (size_t i = 0; i < p.n_missing; i++)
		same_str(p.missing[i], q.missing[i]);
	for (size_t i = 0; i < p.n; i++) {
		same_str(p.entries[i].src, q.entries[i].src);
		same_str(p.entries[i].dst, q.entries[i].dst);
		same_str(p.entries[i].cls, q.entries[i].cls);
		if (p.entries[i].rate != q.entries[i].rate)
			abort();
	}
	if (flowmsg_partial_encode(&q, &out2, &len2, &err) != 0 || len != len2 ||
	    memcmp(out, out2, len) != 0)
		abort();
	free(out);
	free(out2);
	flowmsg_partial_free(&p);
	flowmsg_partial_free(&q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	batch(data, size);
	partial(data, size);
	return 0;
}
