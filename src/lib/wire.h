/*
 * wire.h - bounds-checked reading and writing of binary protocol messages.
 *
 * Every wire decoder in neto (BGP, PCEP, IPFIX/NetFlow, BMP) reads through a
 * wire_rd: a view of (buf, len) with a read offset. Reads never go past the
 * end: a read that would sets the cursor's sticky `short` flag and yields
 * zeros, so a decoder may read a fixed header field by field and check once
 * (wire_ok) before trusting any of it, the way a length-checked parser in C
 * must. wire_sub carves out a nested element (a TLV's value, a path
 * attribute) as its own cursor, so a bad inner length can never make the
 * outer parser read a neighbour's bytes. All multi-octet fields are in
 * network byte order, as every protocol here defines them.
 *
 * The writer (wire_wr) grows a heap buffer; the caller owns wr.buf and frees
 * it with free() (or takes it with wire_wr_take). Length fields that precede
 * their value are written as placeholders and patched once the value is
 * complete (wire_wr_mark / wire_wr_patch_u16 ...).
 *
 * Pure: no I/O, no globals.
 */
#ifndef NETO_LIB_WIRE_H
#define NETO_LIB_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct wire_rd {
	const uint8_t *buf;	/* borrowed */
	size_t len;
	size_t off;
	bool short_;		/* a read ran past the end */
} wire_rd;

static inline wire_rd wire_rd_init(const void *buf, size_t len)
{
	wire_rd r = { (const uint8_t *)buf, len, 0, false };
	return r;
}

static inline size_t wire_left(const wire_rd *r)
{
	return r->len - r->off;
}

static inline bool wire_ok(const wire_rd *r)
{
	return !r->short_;
}

/* True when n more octets can be read; sets the short flag otherwise. */
static inline bool wire_need(wire_rd *r, size_t n)
{
	if (r->short_ || n > r->len - r->off) {
		r->short_ = true;
		return false;
	}
	return true;
}

static inline const uint8_t *wire_ptr(const wire_rd *r)
{
	return r->buf + r->off;
}

static inline uint8_t wire_u8(wire_rd *r)
{
	if (!wire_need(r, 1))
		return 0;
	return r->buf[r->off++];
}

static inline uint16_t wire_u16(wire_rd *r)
{
	if (!wire_need(r, 2))
		return 0;
	const uint8_t *p = r->buf + r->off;
	r->off += 2;
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static inline uint32_t wire_u24(wire_rd *r)
{
	if (!wire_need(r, 3))
		return 0;
	const uint8_t *p = r->buf + r->off;
	r->off += 3;
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static inline uint32_t wire_u32(wire_rd *r)
{
	if (!wire_need(r, 4))
		return 0;
	const uint8_t *p = r->buf + r->off;
	r->off += 4;
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t wire_u64(wire_rd *r)
{
	if (!wire_need(r, 8))
		return 0;
	uint64_t hi = wire_u32(r);
	return hi << 32 | wire_u32(r);
}

/* An unsigned big-endian integer of n octets (0..8), e.g. IPFIX reduced-size
 * encoding (RFC 7011 section 6.2). */
static inline uint64_t wire_uint(wire_rd *r, size_t n)
{
	if (n > 8) {
		r->short_ = true;
		return 0;
	}
	if (!wire_need(r, n))
		return 0;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v = v << 8 | r->buf[r->off + i];
	r->off += n;
	return v;
}

/* Copies n octets into out (zeros on a short read). */
static inline void wire_copy(wire_rd *r, void *out, size_t n)
{
	if (!wire_need(r, n)) {
		memset(out, 0, n);
		return;
	}
	memcpy(out, r->buf + r->off, n);
	r->off += n;
}

static inline void wire_skip(wire_rd *r, size_t n)
{
	if (wire_need(r, n))
		r->off += n;
}

/* The next n octets as a cursor of their own, and skips them here. On a
 * short read both cursors are marked short and the sub-cursor is empty. */
static inline wire_rd wire_sub(wire_rd *r, size_t n)
{
	wire_rd s = { r->buf + r->off, 0, 0, false };
	if (!wire_need(r, n)) {
		s.short_ = true;
		return s;
	}
	s.len = n;
	r->off += n;
	return s;
}

/* ---- writer ------------------------------------------------------------ */

typedef struct wire_wr {
	uint8_t *buf;		/* owned; free() */
	size_t len;
	size_t cap;
} wire_wr;

void wire_wr_init(wire_wr *w);
void wire_wr_free(wire_wr *w);
/* Hands the buffer to the caller (who frees it) and resets w. */
uint8_t *wire_wr_take(wire_wr *w, size_t *len);
/* Makes room for n more octets and returns where they go (len advanced). */
uint8_t *wire_wr_grow(wire_wr *w, size_t n);
void wire_put_u8(wire_wr *w, uint8_t v);
void wire_put_u16(wire_wr *w, uint16_t v);
void wire_put_u24(wire_wr *w, uint32_t v);
void wire_put_u32(wire_wr *w, uint32_t v);
void wire_put_u64(wire_wr *w, uint64_t v);
/* The low n octets of v, big-endian (n <= 8). */
void wire_put_uint(wire_wr *w, uint64_t v, size_t n);
void wire_put_bytes(wire_wr *w, const void *p, size_t n);
void wire_put_zero(wire_wr *w, size_t n);

/* Offset of the next octet: remember it before a length placeholder. */
static inline size_t wire_wr_mark(const wire_wr *w)
{
	return w->len;
}

void wire_wr_patch_u8(wire_wr *w, size_t at, uint8_t v);
void wire_wr_patch_u16(wire_wr *w, size_t at, uint16_t v);
void wire_wr_patch_u32(wire_wr *w, size_t at, uint32_t v);

#endif
