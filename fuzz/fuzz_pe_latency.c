/*
 * fuzz_pe_latency.c - one "pe-latency" store row (src/pe/latency_store.h)
 * from arbitrary bytes: the key is the input up to the first newline, the
 * body the rest. A refusal must carry a message; an accepted row must hold
 * a valid prefix length, a terminated router name, lost <= sent and an ms
 * in range, and must come out of pe_lat_rows_apply (with an empty peering
 * input) as an unknown egress, never as a measurement.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"
#include "pe/latency_store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t klen = nl ? (size_t)(nl - data) : size;
	char *key = neto_strndup((const char *)data, klen);
	const char *body = nl ? (const char *)nl + 1 : "";
	size_t blen = nl ? size - klen - 1 : 0;
	pe_lat_row r;
	neto_err err;
	err.msg[0] = '\0';
	if (pe_lat_row_parse(key, body, blen, &r, &err) != 0) {
		if (err.msg[0] == '\0')
			abort();
		free(key);
		return 0;
	}
	if (r.plen > (r.family == 6 ? 128 : 32) || memchr(r.router, '\0', sizeof r.router) == NULL ||
	    r.lost > r.sent || (r.has_ms && !(r.ms >= 0 && r.ms <= 1e6)) ||
	    memchr(r.target, '\0', sizeof r.target) == NULL)
		abort();
	pe_input in;
	pe_input_init(&in);
	store_kv kv = { key, neto_strndup(body, blen), blen, 0 };
	pe_lat_store_stats s;
	pe_lat_rows_apply(&in, &kv, 1, r.at, 0, &s);
	if (s.rows != 1 || s.used != 0 || in.n_meas != 0 ||
	    s.unknown_egress + s.all_lost != 1)
		abort();
	pe_input_free(&in);
	free(kv.body);
	free(key);
	return 0;
}
