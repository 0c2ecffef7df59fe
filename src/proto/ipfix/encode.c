/*
 * encode.c - IPFIX, NetFlow v9 and NetFlow v5 export packets, written the
 * way an exporter writes them: the round-trip tests, the fuzz corpora and
 * the benchmark's sender use it, so the decoders are tested against
 * messages built field by field from the RFCs' layouts, independently of
 * the decoder's code.
 *
 * Values come from ipfix_flow by IE number (see ipfix_msg_data); a field
 * shorter than its value keeps the low octets (reduced-size encoding,
 * RFC 7011 s6.2).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/ipfix/ipfix.h"

static void close_set(ipfix_msg *m)
{
	if (m->set_at == SIZE_MAX)
		return;
	wire_wr_patch_u16(&m->w, m->set_at + 2, (uint16_t)(m->w.len - m->set_at));
	m->set_at = SIZE_MAX;
}

static void open_set(ipfix_msg *m, uint16_t id)
{
	close_set(m);
	m->set_at = wire_wr_mark(&m->w);
	m->set_id = id;
	wire_put_u16(&m->w, id);
	wire_put_u16(&m->w, 0);
}

void ipfix_msg_begin(ipfix_msg *m, int version, int64_t export_ms, int64_t boot_ms,
		     uint32_t seq, uint32_t domain)
{
	memset(m, 0, sizeof *m);
	wire_wr_init(&m->w);
	m->version = version;
	m->set_at = SIZE_MAX;
	m->boot_ms = boot_ms;
	wire_put_u16(&m->w, (uint16_t)version);
	if (version == IPFIX_VERSION) {
		wire_put_u16(&m->w, 0);	/* length, patched */
		wire_put_u32(&m->w, (uint32_t)(export_ms / 1000));
		wire_put_u32(&m->w, seq);
		wire_put_u32(&m->w, domain);
	} else {
		wire_put_u16(&m->w, 0);	/* count, patched */
		wire_put_u32(&m->w, (uint32_t)(export_ms - boot_ms));
		wire_put_u32(&m->w, (uint32_t)(export_ms / 1000));
		wire_put_u32(&m->w, seq);
		wire_put_u32(&m->w, domain);
	}
}

void ipfix_msg_template(ipfix_msg *m, uint16_t tid, const ipfix_field *f, size_t n,
			size_t scope_n)
{
	bool ipfix = m->version == IPFIX_VERSION;
	uint16_t set = scope_n ? (ipfix ? IPFIX_SET_OPTIONS : NFV9_SET_OPTIONS)
			       : (ipfix ? IPFIX_SET_TEMPLATE : NFV9_SET_TEMPLATE);
	open_set(m, set);
	wire_put_u16(&m->w, tid);
	if (ipfix || !scope_n) {
		wire_put_u16(&m->w, (uint16_t)n);
		if (scope_n)
			wire_put_u16(&m->w, (uint16_t)scope_n);
	} else {
		wire_put_u16(&m->w, (uint16_t)(scope_n * 4));
		wire_put_u16(&m->w, (uint16_t)((n - scope_n) * 4));
	}
	for (size_t i = 0; i < n; i++) {
		bool ent = ipfix && f[i].pen != 0;
		wire_put_u16(&m->w, (uint16_t)(f[i].ie | (ent ? IPFIX_ENTERPRISE_BIT : 0)));
		wire_put_u16(&m->w, f[i].len);
		if (ent)
			wire_put_u32(&m->w, f[i].pen);
	}
	m->records++;
	close_set(m);
}

void ipfix_msg_withdraw(ipfix_msg *m, uint16_t tid, bool options)
{
	open_set(m, options ? IPFIX_SET_OPTIONS : IPFIX_SET_TEMPLATE);
	wire_put_u16(&m->w, tid);
	wire_put_u16(&m->w, 0);	/* s8.1: no scope count in a withdrawal */
	close_set(m);
}

static uint64_t value_of(const ipfix_msg *m, const ipfix_flow *fl, uint16_t ie)
{
	switch (ie) {
	case IPFIX_IE_OCTET_DELTA: return fl->bytes;
	case IPFIX_IE_PACKET_DELTA: return fl->packets;
	case IPFIX_IE_PROTOCOL: return fl->proto;
	case IPFIX_IE_TOS: return fl->tos;
	case IPFIX_IE_SRC_PORT: return fl->sport;
	case IPFIX_IE_DST_PORT: return fl->dport;
	case IPFIX_IE_INGRESS_IF: return fl->in_if;
	case IPFIX_IE_EGRESS_IF: return fl->out_if;
	case IPFIX_IE_START_UPTIME: return (uint64_t)(fl->start_ms - m->boot_ms);
	case IPFIX_IE_END_UPTIME: return (uint64_t)(fl->end_ms - m->boot_ms);
	case IPFIX_IE_START_SECONDS: return (uint64_t)fl->start_ms / 1000;
	case IPFIX_IE_END_SECONDS: return (uint64_t)fl->end_ms / 1000;
	case IPFIX_IE_START_MS: return (uint64_t)fl->start_ms;
	case IPFIX_IE_END_MS: return (uint64_t)fl->end_ms;
	case IPFIX_IE_SYSTEM_INIT_MS: return (uint64_t)m->boot_ms;
	case IPFIX_IE_SAMPLING_INTERVAL:
	case IPFIX_IE_SAMPLER_RANDOM_INTERVAL:
	case IPFIX_IE_SAMPLING_POPULATION: return fl->sampling;
	case IPFIX_IE_SAMPLING_PACKET_INTERVAL:
	case IPFIX_IE_SAMPLING_SIZE: return 1;
	case IPFIX_IE_SAMPLING_PACKET_SPACE: return fl->sampling ? fl->sampling - 1 : 0;
	case IPFIX_IE_SAMPLER_ID:
	case IPFIX_IE_SELECTOR_ID: return fl->sampler_id;
	case IPFIX_IE_SAMPLER_MODE:
	case IPFIX_IE_SAMPLING_ALGORITHM: return 2;	/* random */
	default: return 0;
	}
}

static void put_field(ipfix_msg *m, const ipfix_flow *fl, const ipfix_field *f, bool zero)
{
	if (f->len == IPFIX_VARLEN) {
		wire_put_u8(&m->w, 0);	/* s7: empty */
		return;
	}
	if (zero || f->pen) {
		wire_put_zero(&m->w, f->len);
		return;
	}
	const ipfix_addr *a = NULL;
	if (f->ie == IPFIX_IE_SRC_V4 || f->ie == IPFIX_IE_SRC_V6)
		a = &fl->src;
	else if (f->ie == IPFIX_IE_DST_V4 || f->ie == IPFIX_IE_DST_V6)
		a = &fl->dst;
	if (a) {
		size_t n = f->len <= 16 ? f->len : 16;
		wire_put_bytes(&m->w, a->a, n);
		wire_put_zero(&m->w, f->len - n);
		return;
	}
	if (f->ie == IPFIX_IE_SAMPLING_PROBABILITY && (f->len == 8 || f->len == 4)) {
		double p = fl->sampling ? 1.0 / fl->sampling : 0;
		if (f->len == 8) {
			uint64_t bits;
			memcpy(&bits, &p, sizeof bits);
			wire_put_u64(&m->w, bits);
		} else {
			float q = (float)p;
			uint32_t bits;
			memcpy(&bits, &q, sizeof bits);
			wire_put_u32(&m->w, bits);
		}
		return;
	}
	if (f->len <= 8) {
		wire_put_uint(&m->w, value_of(m, fl, f->ie), f->len);
	} else {
		wire_put_zero(&m->w, f->len - 8);
		wire_put_u64(&m->w, value_of(m, fl, f->ie));
	}
}

void ipfix_msg_data(ipfix_msg *m, uint16_t tid, const ipfix_field *f, size_t n, size_t scope_n,
		    const ipfix_flow *flows, size_t nflows)
{
	open_set(m, tid);
	for (size_t r = 0; r < nflows; r++) {
		for (size_t i = 0; i < n; i++)
			put_field(m, &flows[r], &f[i], m->version != IPFIX_VERSION && i < scope_n);
		m->records++;
	}
}

void ipfix_msg_pad(ipfix_msg *m, size_t to)
{
	if (m->set_at == SIZE_MAX || to == 0)
		return;
	size_t len = m->w.len - m->set_at;
	if (len % to)
		wire_put_zero(&m->w, to - len % to);
}

uint8_t *ipfix_msg_end(ipfix_msg *m, size_t *len)
{
	close_set(m);
	if (m->version == IPFIX_VERSION)
		wire_wr_patch_u16(&m->w, 2, (uint16_t)m->w.len);
	else
		wire_wr_patch_u16(&m->w, 2, (uint16_t)m->records);
	return wire_wr_take(&m->w, len);
}

uint8_t *ipfix_encode_v5(const ipfix_flow *flows, size_t n, int64_t export_ms, int64_t boot_ms,
			 uint32_t seq, uint16_t engine, uint16_t sampling, uint8_t mode,
			 size_t *len)
{
	wire_wr w;
	wire_wr_init(&w);
	wire_put_u16(&w, NFV5_VERSION);
	wire_put_u16(&w, (uint16_t)n);
	wire_put_u32(&w, (uint32_t)(export_ms - boot_ms));
	wire_put_u32(&w, (uint32_t)(export_ms / 1000));
	wire_put_u32(&w, (uint32_t)(export_ms % 1000) * 1000000u);
	wire_put_u32(&w, seq);
	wire_put_u16(&w, engine);
	wire_put_u16(&w, (uint16_t)((unsigned)(mode & 3) << 14 | (sampling & 0x3fff)));
	for (size_t i = 0; i < n; i++) {
		const ipfix_flow *f = &flows[i];
		wire_put_bytes(&w, f->src.a, 4);
		wire_put_bytes(&w, f->dst.a, 4);
		wire_put_u32(&w, 0);
		wire_put_u16(&w, (uint16_t)f->in_if);
		wire_put_u16(&w, (uint16_t)f->out_if);
		wire_put_u32(&w, (uint32_t)f->packets);
		wire_put_u32(&w, (uint32_t)f->bytes);
		wire_put_u32(&w, (uint32_t)(f->start_ms - boot_ms));
		wire_put_u32(&w, (uint32_t)(f->end_ms - boot_ms));
		wire_put_u16(&w, f->sport);
		wire_put_u16(&w, f->dport);
		wire_put_u8(&w, 0);
		wire_put_u8(&w, 0);
		wire_put_u8(&w, f->proto);
		wire_put_u8(&w, f->tos);
		wire_put_zero(&w, 8);
	}
	return wire_wr_take(&w, len);
}

void ipfix_addr_v4(ipfix_addr *a, uint32_t host_order)
{
	memset(a, 0, sizeof *a);
	a->family = 4;
	a->a[0] = (uint8_t)(host_order >> 24);
	a->a[1] = (uint8_t)(host_order >> 16);
	a->a[2] = (uint8_t)(host_order >> 8);
	a->a[3] = (uint8_t)host_order;
}

int ipfix_addr_parse(ipfix_addr *a, const char *s)
{
	memset(a, 0, sizeof *a);
	if (inet_pton(AF_INET, s, a->a) == 1) {
		a->family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->a) == 1) {
		a->family = 6;
		return 0;
	}
	return -1;
}

const char *ipfix_addr_str(const ipfix_addr *a, char *out, size_t n)
{
	if (a->family == 4 && inet_ntop(AF_INET, a->a, out, (socklen_t)n))
		return out;
	if (a->family == 6 && inet_ntop(AF_INET6, a->a, out, (socklen_t)n))
		return out;
	snprintf(out, n, "-");
	return out;
}
