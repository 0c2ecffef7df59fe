/*
 * decode.c - IPFIX (RFC 7011), NetFlow v9 (RFC 3954) and NetFlow v5 export
 * packets into flat ipfix_flow records.
 *
 * A message is read twice: first its framing (header, then each set's
 * header and length, which must tile the message exactly), so that a
 * message whose lengths do not add up is discarded before any of it is
 * used (RFC 7011 s10.3.4); then set by set. Every set is cut into its own
 * cursor (wire_sub), so a bad record cannot read into the next set.
 *
 * Data records are decoded with the compiled template (ipfix_int.h): each
 * field is read with its template length (reduced-size encoding of
 * unsigned IEs, RFC 7011 s6.2, is read as any length 1..8), variable-length
 * fields with their 1- or 3-octet length prefix (s7), enterprise-specific
 * fields skipped by their length. What remains of a set after its last
 * whole record is padding (s3.3.1).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"
#include "proto/ipfix/ipfix_int.h"

/* What one message's header says, for the records of its sets. */
typedef struct msg_ctx {
	ipfix_cache *c;
	const ipfix_addr *exp;
	uint32_t domain;
	uint8_t version;
	int64_t now_ms, export_ms;
	int64_t boot_ms;	/* v9: from the header; IPFIX: from options, or 0 */
	ipfix_flow_fn fn;
	void *ctx;
	neto_err *err;
	int failed;
} msg_ctx;

/* Records the first problem of a message; decoding goes on where it can. */
static void fail(msg_ctx *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(msg_ctx *m, const char *fmt, ...)
{
	if (m->failed++)
		return;
	if (!m->err)
		return;
	va_list ap;
	va_start(ap, fmt);
	char buf[400];
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	neto_err_set(m->err, "%s: %s", m->version == IPFIX_VERSION ? "ipfix" : "netflow v9",
		     buf);
}

/* ---- template compilation ------------------------------------------------ */

static bool uint_len(uint16_t len)
{
	return len >= 1 && len <= 8;
}

/* The slot a field fills, from its IE and length; SLOT_SKIP for what neto
 * does not read or a length the IE cannot have (such a field is skipped by
 * its length rather than misread). v9 scope fields are scope types, not IEs
 * (RFC 3954 s6.1), and are skipped. */
static uint8_t slot_of(uint16_t ie, uint16_t len, uint32_t pen, bool v9_scope)
{
	if (pen != 0 || v9_scope || len == IPFIX_VARLEN)
		return SLOT_SKIP;
	switch (ie) {
	case IPFIX_IE_OCTET_DELTA: return uint_len(len) ? SLOT_BYTES : SLOT_SKIP;
	case IPFIX_IE_PACKET_DELTA: return uint_len(len) ? SLOT_PKTS : SLOT_SKIP;
	case IPFIX_IE_PROTOCOL: return len == 1 ? SLOT_PROTO : SLOT_SKIP;
	case IPFIX_IE_TOS: return len == 1 ? SLOT_TOS : SLOT_SKIP;
	case IPFIX_IE_SRC_PORT: return len <= 2 ? SLOT_SPORT : SLOT_SKIP;
	case IPFIX_IE_DST_PORT: return len <= 2 ? SLOT_DPORT : SLOT_SKIP;
	case IPFIX_IE_SRC_V4: return len == 4 ? SLOT_SRC4 : SLOT_SKIP;
	case IPFIX_IE_DST_V4: return len == 4 ? SLOT_DST4 : SLOT_SKIP;
	case IPFIX_IE_SRC_V6: return len == 16 ? SLOT_SRC6 : SLOT_SKIP;
	case IPFIX_IE_DST_V6: return len == 16 ? SLOT_DST6 : SLOT_SKIP;
	case IPFIX_IE_INGRESS_IF: return len <= 4 ? SLOT_INIF : SLOT_SKIP;
	case IPFIX_IE_EGRESS_IF: return len <= 4 ? SLOT_OUTIF : SLOT_SKIP;
	case IPFIX_IE_START_UPTIME: return len <= 4 ? SLOT_START_UP : SLOT_SKIP;
	case IPFIX_IE_END_UPTIME: return len <= 4 ? SLOT_END_UP : SLOT_SKIP;
	case IPFIX_IE_START_SECONDS: return len <= 4 ? SLOT_START_S : SLOT_SKIP;
	case IPFIX_IE_END_SECONDS: return len <= 4 ? SLOT_END_S : SLOT_SKIP;
	case IPFIX_IE_START_MS: return uint_len(len) ? SLOT_START_MS : SLOT_SKIP;
	case IPFIX_IE_END_MS: return uint_len(len) ? SLOT_END_MS : SLOT_SKIP;
	case IPFIX_IE_SYSTEM_INIT_MS: return uint_len(len) ? SLOT_SYS_INIT : SLOT_SKIP;
	case IPFIX_IE_SAMPLING_INTERVAL: return len <= 4 ? SLOT_SAMP_INTERVAL : SLOT_SKIP;
	case IPFIX_IE_SAMPLER_RANDOM_INTERVAL: return len <= 4 ? SLOT_SAMP_RANDOM : SLOT_SKIP;
	case IPFIX_IE_SAMPLING_PACKET_INTERVAL: return len <= 4 ? SLOT_PKT_INTERVAL : SLOT_SKIP;
	case IPFIX_IE_SAMPLING_PACKET_SPACE: return len <= 4 ? SLOT_PKT_SPACE : SLOT_SKIP;
	case IPFIX_IE_SAMPLING_SIZE: return len <= 4 ? SLOT_SAMP_SIZE : SLOT_SKIP;
	case IPFIX_IE_SAMPLING_POPULATION: return len <= 4 ? SLOT_SAMP_POP : SLOT_SKIP;
	case IPFIX_IE_SAMPLING_PROBABILITY:
		return len == 8 || len == 4 ? SLOT_SAMP_PROB : SLOT_SKIP;
	case IPFIX_IE_SAMPLER_ID:
	case IPFIX_IE_SELECTOR_ID: return len <= 4 ? SLOT_SAMPLER_ID : SLOT_SKIP;
	default: return SLOT_SKIP;
	}
}

static ipfix_tmpl *tmpl_alloc(const msg_ctx *m, uint16_t tid, size_t n, size_t scope_n)
{
	ipfix_tmpl *t = neto_calloc(1, sizeof *t + n * sizeof(ipfix_tfield));
	t->key.exp = *m->exp;
	t->key.domain = m->domain;
	t->key.tid = tid;
	t->key.version = m->version;
	t->n = (uint16_t)n;
	t->scope_n = (uint16_t)scope_n;
	t->expires_ms = m->now_ms + m->c->cfg.template_timeout_ms;
	return t;
}

/* Sets the slots and the minimum record length; false for a template no
 * record can be read with (every field of length 0). */
static bool tmpl_compile(ipfix_tmpl *t)
{
	size_t min = 0;
	for (size_t i = 0; i < t->n; i++) {
		ipfix_tfield *f = &t->f[i];
		bool v9_scope = t->key.version == NFV9_VERSION && i < t->scope_n;
		f->slot = slot_of(f->ie, f->len, f->pen, v9_scope);
		min += f->len == IPFIX_VARLEN ? 1 : f->len;
	}
	t->min_len = min;
	t->fp = ipfix_tmpl_fingerprint(t);
	return min > 0;
}

static void data_set(msg_ctx *m, uint16_t tid, wire_rd set);

/* A template arrived: store it, then replay what waited for it. */
static void tmpl_install(msg_ctx *m, ipfix_tmpl *t)
{
	ipfix_key k = t->key;
	uint64_t fp = t->fp;
	if (t->scope_n)
		m->c->st.options_templates++;
	else
		m->c->st.templates++;
	if (!ipfix_tmpl_put(m->c, t))
		return;
	ipfix_pending *p;
	while ((p = ipfix_pending_take(m->c, &k)) != NULL) {
		if (p->fp && p->fp != fp) {
			/* buffered after a template of another definition
			 * went: written with that one, unreadable now */
			ipfix_pending_drop(m->c, p);
			continue;
		}
		msg_ctx r = *m;
		r.export_ms = p->export_ms;
		r.boot_ms = p->boot_ms;
		m->c->st.sets_replayed++;
		data_set(&r, k.tid, wire_rd_init(p->data, p->len));
		if (r.failed && !m->failed)
			m->failed = r.failed;
		free(p);
	}
}

/* RFC 7011 s3.4.1 (template record), s3.4.2 (options template record),
 * s8.1 (withdrawal); RFC 3954 s5.2, s6.1. */
static void template_set(msg_ctx *m, uint16_t set_id, wire_rd s)
{
	bool ipfix = m->version == IPFIX_VERSION;
	bool options = set_id == (ipfix ? IPFIX_SET_OPTIONS : NFV9_SET_OPTIONS);
	while (wire_left(&s) >= 4) {
		uint16_t tid = wire_u16(&s);
		if (tid == 0)
			return;	/* padding (s3.3.1): what is left is zeros */
		size_t n, scope_n = 0;
		if (ipfix || !options) {
			n = wire_u16(&s);
			if (n == 0) {
				if (!ipfix) {
					fail(m, "set %u: template %u has no fields", set_id, tid);
					return;
				}
				/* s8.1: a withdrawal; IDs 2 and 3 withdraw them all */
				if (tid != set_id && tid < IPFIX_MIN_DATA_SET) {
					fail(m, "set %u: withdrawal of template ID %u", set_id,
					     tid);
					return;
				}
				ipfix_key k = { *m->exp, m->domain, tid, m->version };
				ipfix_tmpl_withdraw(m->c, &k, m->now_ms);
				m->c->st.withdrawals++;
				continue;
			}
			if (options) {
				scope_n = wire_u16(&s);
				/* s3.4.2.2: the scope field count MUST NOT be zero */
				if (!wire_ok(&s) || scope_n == 0 || scope_n > n) {
					fail(m, "set %u: options template %u: scope field count "
						"%zu of %zu fields", set_id, tid, scope_n, n);
					return;
				}
			}
		} else {
			/* RFC 3954 s6.1: lengths in octets of the scope and option
			 * (type, length) pairs */
			size_t sl = wire_u16(&s), ol = wire_u16(&s);
			if (!wire_ok(&s) || sl % 4 || ol % 4 || sl == 0) {
				fail(m, "set %u: options template %u: scope length %zu, "
					"option length %zu", set_id, tid, sl, ol);
				return;
			}
			scope_n = sl / 4;
			n = (sl + ol) / 4;
		}
		if (tid < IPFIX_MIN_DATA_SET) {
			/* s3.4.1: template IDs 0-255 are reserved */
			fail(m, "set %u: template ID %u is reserved (< 256)", set_id, tid);
			return;
		}
		/* each field takes at least 4 octets: refuse a count that cannot
		 * be there before allocating for it */
		if (!wire_ok(&s) || n > wire_left(&s) / 4) {
			fail(m, "set %u: template %u declares %zu fields, the set has room "
				"for %zu", set_id, tid, n, wire_left(&s) / 4);
			return;
		}
		ipfix_tmpl *t = tmpl_alloc(m, tid, n, scope_n);
		for (size_t i = 0; i < n; i++) {
			uint16_t ie = wire_u16(&s);
			t->f[i].len = wire_u16(&s);
			if (ipfix && (ie & IPFIX_ENTERPRISE_BIT)) {
				t->f[i].pen = wire_u32(&s);	/* s3.2 */
				ie &= (uint16_t)~IPFIX_ENTERPRISE_BIT;
			}
			t->f[i].ie = ie;
			if (!ipfix && t->f[i].len == IPFIX_VARLEN) {
				/* v9 has no variable-length fields */
				free(t);
				fail(m, "set %u: template %u: field %zu has length 65535",
				     set_id, tid, i + 1);
				return;
			}
		}
		if (!wire_ok(&s)) {
			free(t);
			fail(m, "set %u: template %u: truncated field specifiers", set_id, tid);
			return;
		}
		if (!tmpl_compile(t)) {
			free(t);
			fail(m, "set %u: template %u: records of length 0", set_id, tid);
			return;
		}
		tmpl_install(m, t);
	}
}

/* ---- data records -------------------------------------------------------- */

typedef struct rec_vals {
	ipfix_flow f;
	uint64_t start_up, end_up, sys_init;
	uint32_t interval, random, pkt_interval, pkt_space, size, pop;
	double prob;
	bool has_start_up, has_end_up, has_sampler_id;
} rec_vals;

/* 1-in-N from whichever sampling IEs the record has; 0: none. */
static uint32_t rate_of(const rec_vals *v)
{
	uint64_t n = 0;
	if (v->interval)
		n = v->interval;
	else if (v->random)
		n = v->random;
	else if (v->pkt_interval)	/* RFC 5477: I selected, S skipped */
		n = ((uint64_t)v->pkt_interval + v->pkt_space + v->pkt_interval / 2) /
		    v->pkt_interval;
	else if (v->size && v->pop)	/* n-out-of-N (RFC 5477 s8.2.4) */
		n = ((uint64_t)v->pop + v->size / 2) / v->size;
	else if (v->prob > 0 && v->prob <= 1)	/* probabilistic: 1 / p */
		n = 1 / v->prob < (double)UINT32_MAX ? (uint64_t)(1 / v->prob + 0.5) : UINT32_MAX;
	if (n > UINT32_MAX)
		n = UINT32_MAX;
	return (uint32_t)n;
}

static void put_addr(ipfix_addr *a, uint8_t fam, wire_rd *r, size_t n)
{
	a->family = fam;
	wire_copy(r, a->a, n);
}

/* Reads one record of t from r into v; false when it runs past the set. */
static bool read_record(const ipfix_tmpl *t, wire_rd *r, rec_vals *v)
{
	for (size_t i = 0; i < t->n; i++) {
		const ipfix_tfield *f = &t->f[i];
		size_t len = f->len;
		if (len == IPFIX_VARLEN) {
			/* s7: one octet, or 255 and two more */
			len = wire_u8(r);
			if (len == 255)
				len = wire_u16(r);
			wire_skip(r, len);
			continue;
		}
		switch (f->slot) {
		case SLOT_BYTES: v->f.bytes = wire_uint(r, len); break;
		case SLOT_PKTS: v->f.packets = wire_uint(r, len); break;
		case SLOT_PROTO: v->f.proto = wire_u8(r); break;
		case SLOT_TOS: v->f.tos = wire_u8(r); break;
		case SLOT_SPORT: v->f.sport = (uint16_t)wire_uint(r, len); break;
		case SLOT_DPORT: v->f.dport = (uint16_t)wire_uint(r, len); break;
		case SLOT_SRC4: put_addr(&v->f.src, 4, r, 4); break;
		case SLOT_DST4: put_addr(&v->f.dst, 4, r, 4); break;
		case SLOT_SRC6: put_addr(&v->f.src, 6, r, 16); break;
		case SLOT_DST6: put_addr(&v->f.dst, 6, r, 16); break;
		case SLOT_INIF: v->f.in_if = (uint32_t)wire_uint(r, len); break;
		case SLOT_OUTIF: v->f.out_if = (uint32_t)wire_uint(r, len); break;
		case SLOT_START_UP:
			v->start_up = wire_uint(r, len);
			v->has_start_up = true;
			break;
		case SLOT_END_UP:
			v->end_up = wire_uint(r, len);
			v->has_end_up = true;
			break;
		case SLOT_START_S: v->f.start_ms = (int64_t)wire_uint(r, len) * 1000; break;
		case SLOT_END_S: v->f.end_ms = (int64_t)wire_uint(r, len) * 1000; break;
		case SLOT_START_MS:
			v->f.start_ms = (int64_t)(wire_uint(r, len) & INT64_MAX);
			break;
		case SLOT_END_MS: v->f.end_ms = (int64_t)(wire_uint(r, len) & INT64_MAX); break;
		case SLOT_SYS_INIT: v->sys_init = wire_uint(r, len) & INT64_MAX; break;
		case SLOT_SAMP_INTERVAL: v->interval = (uint32_t)wire_uint(r, len); break;
		case SLOT_SAMP_RANDOM: v->random = (uint32_t)wire_uint(r, len); break;
		case SLOT_PKT_INTERVAL: v->pkt_interval = (uint32_t)wire_uint(r, len); break;
		case SLOT_PKT_SPACE: v->pkt_space = (uint32_t)wire_uint(r, len); break;
		case SLOT_SAMP_SIZE: v->size = (uint32_t)wire_uint(r, len); break;
		case SLOT_SAMP_POP: v->pop = (uint32_t)wire_uint(r, len); break;
		case SLOT_SAMP_PROB: {
			/* float64, or float32 in reduced-size encoding (s6.2) */
			uint64_t bits = wire_uint(r, len);
			if (len == 8) {
				memcpy(&v->prob, &bits, sizeof v->prob);
			} else {
				uint32_t b32 = (uint32_t)bits;
				float p32;
				memcpy(&p32, &b32, sizeof p32);
				v->prob = (double)p32;
			}
			break;
		}
		case SLOT_SAMPLER_ID:
			v->f.sampler_id = (uint32_t)wire_uint(r, len);
			v->has_sampler_id = true;
			break;
		default: wire_skip(r, len); break;
		}
	}
	return wire_ok(r);
}

/* RFC 7011 s3.4.3 / RFC 3954 s5.3 */
static void data_set(msg_ctx *m, uint16_t tid, wire_rd s)
{
	ipfix_key k = { *m->exp, m->domain, tid, m->version };
	uint64_t fp;
	ipfix_tmpl *t = ipfix_tmpl_find(m->c, &k, m->now_ms, &fp);
	if (!t) {
		/* not decodable yet: wait for the template (never guess one) */
		ipfix_pending_add(m->c, &k, fp, m->now_ms, m->export_ms, m->boot_ms, s.buf,
				  s.len);
		return;
	}
	ipfix_dom *d = ipfix_dom_get(m->c, m->exp, m->domain, m->version, t->scope_n > 0);
	int64_t boot = m->boot_ms;
	if (m->version == IPFIX_VERSION && d && d->boot_ms)
		boot = d->boot_ms;
	size_t nrec = 0;
	while (wire_left(&s) >= t->min_len) {
		rec_vals v;
		nrec++;
		memset(&v, 0, sizeof v);
		if (!read_record(t, &s, &v)) {
			fail(m, "data set %u: record %zu runs past the end of its set "
				"(variable-length field too long)", tid, nrec);
			return;
		}
		m->c->st.records++;
		uint32_t rate = rate_of(&v);
		if (t->scope_n) {
			/* an options record: what it says holds for the domain */
			m->c->st.options_records++;
			if (d && rate)
				ipfix_dom_set_sampler(d, v.has_sampler_id ? v.f.sampler_id : 0,
						      rate);
			/* ms since the epoch: anything past 2^50 (year 37,648) is
			 * nonsense, and would overflow the times below */
			if (d && v.sys_init && v.sys_init < (uint64_t)1 << 50)
				d->boot_ms = (int64_t)v.sys_init;
			continue;
		}
		v.f.version = m->version;
		v.f.domain = m->domain;
		if (boot) {
			if (v.has_start_up)
				v.f.start_ms = boot + (int64_t)v.start_up;
			if (v.has_end_up)
				v.f.end_ms = boot + (int64_t)v.end_up;
		}
		if (!rate && d)
			rate = ipfix_dom_sampling(d, v.f.sampler_id);
		v.f.sampling = rate;
		m->c->st.flows++;
		m->fn(m->ctx, &v.f);
	}
}

/* ---- messages ------------------------------------------------------------ */

/* Checks that the sets tile s exactly (first pass). */
static bool sets_ok(msg_ctx *m, wire_rd s, bool v9)
{
	unsigned i = 0;
	while (wire_left(&s) > 0) {
		i++;
		if (v9 && wire_left(&s) < 4) {
			/* trailing octets after the last FlowSet: tolerated as
			 * padding when zero */
			while (wire_left(&s))
				if (wire_u8(&s) != 0) {
					fail(m, "octets after the last FlowSet are not padding");
					return false;
				}
			return true;
		}
		uint16_t id = wire_u16(&s);
		size_t len = wire_u16(&s);
		if (!wire_ok(&s)) {
			fail(m, "set %u: truncated set header", i);
			return false;
		}
		/* RFC 7011 s3.3.2: length counts the header; RFC 3954 s5.2 */
		if (len < IPFIX_SET_HDR_LEN || len - IPFIX_SET_HDR_LEN > wire_left(&s)) {
			fail(m, "set %u (ID %u): length %zu, %zu octets left", i, id, len,
			     wire_left(&s) + IPFIX_SET_HDR_LEN);
			return false;
		}
		wire_skip(&s, len - IPFIX_SET_HDR_LEN);
	}
	return true;
}

static void sets(msg_ctx *m, wire_rd s)
{
	bool ipfix = m->version == IPFIX_VERSION;
	while (wire_left(&s) >= IPFIX_SET_HDR_LEN) {
		uint16_t id = wire_u16(&s);
		size_t len = wire_u16(&s);
		wire_rd body = wire_sub(&s, len - IPFIX_SET_HDR_LEN);
		if (id >= IPFIX_MIN_DATA_SET)
			data_set(m, id, body);
		else if (ipfix && (id == IPFIX_SET_TEMPLATE || id == IPFIX_SET_OPTIONS))
			template_set(m, id, body);
		else if (!ipfix && (id == NFV9_SET_TEMPLATE || id == NFV9_SET_OPTIONS))
			template_set(m, id, body);
		else
			m->c->st.sets_unknown++;	/* reserved: skipped (s3.3.2) */
	}
}

/* RFC 7011 s3.1. A buffer may hold several messages back to back (a
 * stream or a file); over UDP it holds one. */
static int decode_ipfix(msg_ctx *m, wire_rd r)
{
	while (wire_left(&r) > 0) {
		m->c->st.messages++;
		uint16_t ver = wire_u16(&r);
		size_t len = wire_u16(&r);
		uint32_t export_s = wire_u32(&r);
		wire_u32(&r);	/* sequence number */
		m->domain = wire_u32(&r);
		if (!wire_ok(&r)) {
			m->c->st.bad_messages++;
			fail(m, "message header truncated (%zu octets)", r.len);
			return -1;
		}
		if (ver != IPFIX_VERSION) {
			m->c->st.bad_messages++;
			fail(m, "version %u in a message after the first", ver);
			return -1;
		}
		if (len < IPFIX_HDR_LEN || len - IPFIX_HDR_LEN > wire_left(&r)) {
			m->c->st.bad_messages++;
			fail(m, "message length %zu, %zu octets received", len,
			     wire_left(&r) + IPFIX_HDR_LEN);
			return -1;
		}
		wire_rd body = wire_sub(&r, len - IPFIX_HDR_LEN);
		m->export_ms = (int64_t)export_s * 1000;
		m->boot_ms = 0;
		if (!sets_ok(m, body, false)) {
			m->c->st.bad_messages++;
			return -1;
		}
		sets(m, body);
	}
	return m->failed ? -1 : 0;
}

/* RFC 3954 s5.1 */
static int decode_v9(msg_ctx *m, wire_rd r)
{
	m->c->st.messages++;
	wire_u16(&r);	/* version */
	wire_u16(&r);	/* count: records of every kind, informative only */
	uint32_t uptime = wire_u32(&r);
	uint32_t secs = wire_u32(&r);
	wire_u32(&r);	/* sequence */
	m->domain = wire_u32(&r);
	if (!wire_ok(&r)) {
		m->c->st.bad_messages++;
		fail(m, "packet header truncated (%zu octets)", r.len);
		return -1;
	}
	m->export_ms = (int64_t)secs * 1000;
	m->boot_ms = m->export_ms - uptime;
	wire_rd body = wire_sub(&r, wire_left(&r));
	if (!sets_ok(m, body, true)) {
		m->c->st.bad_messages++;
		return -1;
	}
	sets(m, body);
	return m->failed ? -1 : 0;
}

/* NetFlow v5: a 24-octet header and count 48-octet records. */
static int decode_v5(ipfix_cache *c, const ipfix_addr *exp, wire_rd r, ipfix_flow_fn fn,
		     void *ctx, neto_err *err)
{
	c->st.messages++;
	wire_u16(&r);
	size_t count = wire_u16(&r);
	uint32_t uptime = wire_u32(&r);
	uint32_t secs = wire_u32(&r);
	uint32_t nsecs = wire_u32(&r);
	wire_u32(&r);	/* flow sequence */
	uint8_t etype = wire_u8(&r), eid = wire_u8(&r);
	uint16_t samp = wire_u16(&r);
	if (!wire_ok(&r)) {
		c->st.bad_messages++;
		return neto_err_set(err, "netflow v5: header truncated (%zu octets)", r.len);
	}
	if (count == 0 || count > NFV5_MAX_RECS || wire_left(&r) != count * NFV5_REC_LEN) {
		c->st.bad_messages++;
		return neto_err_set(err, "netflow v5: count %zu (1..%d) and %zu octets of "
				    "records (48 each) do not agree", count, NFV5_MAX_RECS,
				    wire_left(&r));
	}
	int64_t boot = (int64_t)secs * 1000 + nsecs / 1000000 - uptime;
	/* the low 14 bits are the interval, the top 2 the mode; 0: unsampled */
	uint32_t rate = samp & 0x3fff;
	for (size_t i = 0; i < count; i++) {
		ipfix_flow f;
		memset(&f, 0, sizeof f);
		put_addr(&f.src, 4, &r, 4);
		put_addr(&f.dst, 4, &r, 4);
		wire_u32(&r);	/* next hop */
		f.in_if = wire_u16(&r);
		f.out_if = wire_u16(&r);
		f.packets = wire_u32(&r);
		f.bytes = wire_u32(&r);
		f.start_ms = boot + wire_u32(&r);
		f.end_ms = boot + wire_u32(&r);
		f.sport = wire_u16(&r);
		f.dport = wire_u16(&r);
		wire_u8(&r);	/* pad */
		wire_u8(&r);	/* TCP flags */
		f.proto = wire_u8(&r);
		f.tos = wire_u8(&r);
		wire_skip(&r, 8);	/* AS numbers, masks, pad */
		f.sampling = rate;
		f.domain = (uint32_t)etype << 8 | eid;
		f.version = NFV5_VERSION;
		c->st.records++;
		c->st.flows++;
		fn(ctx, &f);
	}
	(void)exp;
	return 0;
}

int ipfix_decode(ipfix_cache *c, const ipfix_addr *exporter, const uint8_t *buf, size_t len,
		 int64_t now_ms, ipfix_flow_fn fn, void *ctx, neto_err *err)
{
	wire_rd r = wire_rd_init(buf, len);
	uint16_t ver = wire_u16(&r);
	if (!wire_ok(&r)) {
		c->st.bad_messages++;
		return neto_err_set(err, "flow export: %zu octets, no version", len);
	}
	r.off = 0;
	msg_ctx m = { .c = c, .exp = exporter, .version = (uint8_t)ver, .now_ms = now_ms,
		      .fn = fn, .ctx = ctx, .err = err };
	switch (ver) {
	case IPFIX_VERSION: return decode_ipfix(&m, r);
	case NFV9_VERSION: return decode_v9(&m, r);
	case NFV5_VERSION: return decode_v5(c, exporter, r, fn, ctx, err);
	default:
		c->st.bad_messages++;
		return neto_err_set(err, "flow export: version %u (expected 5, 9 or 10)", ver);
	}
}
