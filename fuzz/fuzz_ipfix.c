/*
 * fuzz_ipfix.c - the flow export decoders (IPFIX, NetFlow v9 and v5: the
 * version is in the input's first two octets) on arbitrary bytes.
 *
 * The input is decoded three times into one cache: at t, at t + 1 s (its
 * templates now known, so its own data sets decode, and sets buffered by
 * the first pass are replayed) and past every timeout (expiry and the
 * buffer's drops), then once more into a cache of tiny limits. Every flow
 * that comes out must be well formed, and must survive a round trip
 * through the encoder (IPFIX and v9) with the same values; a failure must
 * come with a message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/ipfix/ipfix.h"

static const ipfix_field all[] = {
	{ IPFIX_IE_SRC_V6, 16, 0 },      { IPFIX_IE_DST_V6, 16, 0 },
	{ IPFIX_IE_PROTOCOL, 1, 0 },     { IPFIX_IE_TOS, 1, 0 },
	{ IPFIX_IE_SRC_PORT, 2, 0 },     { IPFIX_IE_DST_PORT, 2, 0 },
	{ IPFIX_IE_OCTET_DELTA, 8, 0 },  { IPFIX_IE_PACKET_DELTA, 8, 0 },
	{ IPFIX_IE_INGRESS_IF, 4, 0 },   { IPFIX_IE_EGRESS_IF, 4, 0 },
};

static void check_same(void *ctx, const ipfix_flow *g)
{
	const ipfix_flow *f = ctx;
	if (memcmp(f->src.a, g->src.a, 16) || memcmp(f->dst.a, g->dst.a, 16) ||
	    f->bytes != g->bytes || f->packets != g->packets || f->proto != g->proto ||
	    f->tos != g->tos || f->sport != g->sport || f->dport != g->dport ||
	    f->in_if != g->in_if || f->out_if != g->out_if)
		abort();
}

static void roundtrip(const ipfix_flow *f, int version)
{
	ipfix_msg m;
	ipfix_msg_begin(&m, version, 1000000, 0, 1, 1);
	ipfix_msg_template(&m, 256, all, sizeof all / sizeof all[0], 0);
	ipfix_msg_data(&m, 256, all, sizeof all / sizeof all[0], 0, f, 1);
	size_t len;
	uint8_t *b = ipfix_msg_end(&m, &len);
	ipfix_cache *c = ipfix_cache_new(NULL);
	ipfix_addr x;
	ipfix_addr_v4(&x, 1);
	neto_err err;
	if (ipfix_decode(c, &x, b, len, 0, check_same, (void *)(uintptr_t)f, &err) != 0)
		abort();
	if (ipfix_cache_stats(c)->flows != 1)
		abort();
	ipfix_cache_free(c);
	free(b);
}

static void on_flow(void *ctx, const ipfix_flow *f)
{
	size_t *n = ctx;
	if (f->src.family != 0 && f->src.family != 4 && f->src.family != 6)
		abort();
	if (f->version != 5 && f->version != 9 && f->version != 10)
		abort();
	/* a copy with 16-octet addresses, so that v4 and v6 both fit "all" */
	if ((*n)++ < 4) {
		ipfix_flow g = *f;
		roundtrip(&g, IPFIX_VERSION);
		roundtrip(&g, NFV9_VERSION);
	}
}

static void run(ipfix_cache *c, const uint8_t *data, size_t size, int64_t now)
{
	ipfix_addr x;
	ipfix_addr_v4(&x, 0x7f000001);
	neto_err err;
	err.msg[0] = '\0';
	size_t n = 0;
	if (ipfix_decode(c, &x, data, size, now, on_flow, &n, &err) != 0 && err.msg[0] == '\0')
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ipfix_cache *c = ipfix_cache_new(NULL);
	run(c, data, size, 1000000);
	run(c, data, size, 1001000);
	ipfix_cache_expire(c, 1000000 + 31 * 60 * 1000);
	run(c, data, size, 1000000 + 31 * 60 * 1000);
	ipfix_cache_free(c);

	ipfix_cache_cfg cfg;
	ipfix_cache_cfg_defaults(&cfg);
	cfg.max_templates = 2;
	cfg.max_pending_bytes = 64;
	c = ipfix_cache_new(&cfg);
	run(c, data, size, 5);
	run(c, data, size, 6);
	ipfix_cache_free(c);
	return 0;
}
