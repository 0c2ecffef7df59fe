/*
 * wire.c - the growing buffer behind wire_wr (see wire.h).
 */
#include "lib/wire.h"

#include <stdlib.h>

#include "lib/mem.h"

void wire_wr_init(wire_wr *w)
{
	w->buf = NULL;
	w->len = 0;
	w->cap = 0;
}

void wire_wr_free(wire_wr *w)
{
	free(w->buf);
	wire_wr_init(w);
}

uint8_t *wire_wr_take(wire_wr *w, size_t *len)
{
	uint8_t *b = w->buf;
	if (len != NULL)
		*len = w->len;
	wire_wr_init(w);
	return b;
}

uint8_t *wire_wr_grow(wire_wr *w, size_t n)
{
	if (n > w->cap - w->len) {
		size_t cap = w->cap ? w->cap : 64;
		while (cap - w->len < n) {
			if (cap > SIZE_MAX / 2)
				abort();	/* a message this size is a bug */
			cap *= 2;
		}
		w->buf = neto_realloc(w->buf, cap);
		w->cap = cap;
	}
	uint8_t *p = w->buf + w->len;
	w->len += n;
	return p;
}

void wire_put_uint(wire_wr *w, uint64_t v, size_t n)
{
	if (n > 8)
		abort();
	uint8_t *p = wire_wr_grow(w, n);
	for (size_t i = n; i > 0; i--) {
		p[i - 1] = (uint8_t)v;
		v >>= 8;
	}
}

void wire_put_u8(wire_wr *w, uint8_t v)
{
	wire_put_uint(w, v, 1);
}

void wire_put_u16(wire_wr *w, uint16_t v)
{
	wire_put_uint(w, v, 2);
}

void wire_put_u24(wire_wr *w, uint32_t v)
{
	wire_put_uint(w, v, 3);
}

void wire_put_u32(wire_wr *w, uint32_t v)
{
	wire_put_uint(w, v, 4);
}

void wire_put_u64(wire_wr *w, uint64_t v)
{
	wire_put_uint(w, v, 8);
}

void wire_put_bytes(wire_wr *w, const void *p, size_t n)
{
	if (n == 0)
		return;
	memcpy(wire_wr_grow(w, n), p, n);
}

void wire_put_zero(wire_wr *w, size_t n)
{
	if (n == 0)
		return;
	memset(wire_wr_grow(w, n), 0, n);
}

static void patch(wire_wr *w, size_t at, uint64_t v, size_t n)
{
	if (at > w->len || n > w->len - at)
		abort();	/* patching outside what was written is a bug */
	for (size_t i = n; i > 0; i--) {
		w->buf[at + i - 1] = (uint8_t)v;
		v >>= 8;
	}
}

void wire_wr_patch_u8(wire_wr *w, size_t at, uint8_t v)
{
	patch(w, at, v, 1);
}

void wire_wr_patch_u16(wire_wr *w, size_t at, uint16_t v)
{
	patch(w, at, v, 2);
}

void wire_wr_patch_u32(wire_wr *w, size_t at, uint32_t v)
{
	patch(w, at, v, 4);
}
