/*
 * test_wire.c - the bounds-checked cursor and writer: reads stop at the end
 * and stay stopped (sticky short flag), sub-cursors cannot reach past their
 * slice, and what the writer puts the reader gets back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "lib/wire.h"

static void test_read_fields(void **state)
{
	(void)state;
	const uint8_t b[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18 };
	wire_rd r = wire_rd_init(b, sizeof b);
	assert_int_equal(wire_u8(&r), 1);
	assert_int_equal(wire_u16(&r), 0x0203);
	assert_int_equal(wire_u24(&r), 0x040506);
	assert_int_equal(wire_u32(&r), 0x0708090aU);
	assert_int_equal(wire_uint(&r, 3), 0x0b0c0d);
	assert_true(wire_ok(&r));
	assert_int_equal(wire_left(&r), 5);
	/* 8 octets are not there: zero, short, and the offset does not move */
	assert_int_equal(wire_u64(&r), 0);
	assert_false(wire_ok(&r));
	/* sticky: even a one-octet read fails now */
	assert_int_equal(wire_u8(&r), 0);
}

static void test_sub(void **state)
{
	(void)state;
	const uint8_t b[] = { 0, 2, 0xaa, 0xbb, 0xcc };
	wire_rd r = wire_rd_init(b, sizeof b);
	uint16_t n = wire_u16(&r);
	wire_rd s = wire_sub(&r, n);
	assert_true(wire_ok(&r));
	assert_int_equal(wire_u16(&s), 0xaabb);
	assert_int_equal(wire_u8(&s), 0);	/* 0xcc belongs to the outer cursor */
	assert_false(wire_ok(&s));
	assert_int_equal(wire_u8(&r), 0xcc);
	assert_true(wire_ok(&r));
	/* a length longer than what is left: both short, nothing consumed */
	wire_rd r2 = wire_rd_init(b, sizeof b);
	wire_rd s2 = wire_sub(&r2, 6);
	assert_false(wire_ok(&r2));
	assert_false(wire_ok(&s2));
	assert_int_equal(wire_left(&s2), 0);
	uint8_t out[4] = { 9, 9, 9, 9 };
	wire_rd r3 = wire_rd_init(b, 3);
	wire_copy(&r3, out, 4);
	assert_false(wire_ok(&r3));
	assert_int_equal(out[0], 0);
	assert_int_equal(out[3], 0);
	assert_int_equal(wire_uint(&r3, 9), 0);	/* more than 8 is refused */
}

static void test_write_patch(void **state)
{
	(void)state;
	wire_wr w;
	wire_wr_init(&w);
	wire_put_u8(&w, 0x11);
	size_t at = wire_wr_mark(&w);
	wire_put_u16(&w, 0);
	for (int i = 0; i < 1000; i++)
		wire_put_u32(&w, (uint32_t)i * 2654435761U);
	wire_put_u24(&w, 0x123456);
	wire_put_u64(&w, 0x0102030405060708ULL);
	wire_put_uint(&w, 0xabcdef, 3);
	wire_put_zero(&w, 2);
	wire_put_bytes(&w, "xy", 2);
	wire_wr_patch_u16(&w, at, (uint16_t)(w.len - at - 2));

	size_t len;
	uint8_t *buf = wire_wr_take(&w, &len);
	assert_null(w.buf);
	wire_rd r = wire_rd_init(buf, len);
	assert_int_equal(wire_u8(&r), 0x11);
	assert_int_equal(wire_u16(&r), len - 3);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(wire_u32(&r), (uint32_t)i * 2654435761U);
	assert_int_equal(wire_u24(&r), 0x123456);
	assert_true(wire_u64(&r) == 0x0102030405060708ULL);
	assert_int_equal(wire_uint(&r, 3), 0xabcdef);
	assert_int_equal(wire_u16(&r), 0);
	assert_int_equal(wire_u8(&r), 'x');
	assert_int_equal(wire_u8(&r), 'y');
	assert_int_equal(wire_left(&r), 0);
	assert_true(wire_ok(&r));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_fields),
		cmocka_unit_test(test_sub),
		cmocka_unit_test(test_write_patch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
