/*
 * test_lpm.c - longest-prefix match against a brute-force linear scan on
 * random tables of both families (nested prefixes made likely by drawing
 * from a few base addresses), plus the edge cases: /0, host routes,
 * replacement, and prefix parsing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/lpm.h"
#include "testutil.h"

typedef struct pfx {
	uint8_t a[16];
	unsigned plen;
	uint32_t v;
} pfx;

static bool covers(const pfx *p, const uint8_t *a)
{
	for (unsigned b = 0; b < p->plen; b++)
		if ((p->a[b / 8] ^ a[b / 8]) & (0x80 >> (b % 8)))
			return false;
	return true;
}

/* the last inserted among the longest covering prefixes wins (replacement) */
static bool brute(const pfx *t, size_t n, const uint8_t *a, uint32_t *v)
{
	int best = -1;
	for (size_t i = 0; i < n; i++)
		if (covers(&t[i], a) && (best < 0 || t[i].plen >= (unsigned)best)) {
			best = (int)t[i].plen;
			*v = t[i].v;
		}
	return best >= 0;
}

static void random_addr(uint64_t *rs, const uint8_t base[4][16], uint8_t *a, unsigned bytes)
{
	memcpy(a, base[tu_rand(rs) % 4], 16);
	/* flip a few random low-order-ish bits so prefixes nest and diverge */
	unsigned flips = (unsigned)(tu_rand(rs) % 4);
	for (unsigned f = 0; f < flips; f++) {
		unsigned b = (unsigned)(tu_rand(rs) % (bytes * 8));
		a[b / 8] ^= (uint8_t)(0x80 >> (b % 8));
	}
	if (tu_rand(rs) % 8 == 0)
		for (unsigned i = 0; i < bytes; i++)
			a[i] = (uint8_t)tu_rand(rs);
}

static void property(int family, uint64_t seed)
{
	unsigned bytes = family == 4 ? 4 : 16, bits = bytes * 8;
	uint64_t rs = seed;
	uint8_t base[4][16];
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 16; j++)
			base[i][j] = (uint8_t)tu_rand(&rs);
	for (int round = 0; round < 20; round++) {
		size_t n = 1 + tu_rand(&rs) % 300;
		pfx *t = calloc(n, sizeof *t);
		lpm *l = lpm_new(family);
		for (size_t i = 0; i < n; i++) {
			random_addr(&rs, base, t[i].a, bytes);
			t[i].plen = (unsigned)(tu_rand(&rs) % (bits + 1));
			for (unsigned b = t[i].plen; b < bits; b++)
				t[i].a[b / 8] &= (uint8_t)~(0x80 >> (b % 8));
			t[i].v = (uint32_t)tu_rand(&rs);
			assert_int_equal(lpm_insert(l, t[i].a, t[i].plen, t[i].v), 0);
		}
		/* half the rounds with the first stage, half walking from the root */
		if (round % 2)
			lpm_compile(l);
		for (int q = 0; q < 2000; q++) {
			uint8_t a[16] = { 0 };
			if (q % 2)
				random_addr(&rs, base, a, bytes);
			else
				memcpy(a, t[tu_rand(&rs) % n].a, bytes), a[bytes - 1] ^= (uint8_t)q;
			uint32_t want = 0, got = 0;
			bool w = brute(t, n, a, &want), g = lpm_lookup(l, a, &got);
			assert_int_equal(w, g);
			if (w)
				assert_int_equal(want, got);
		}
		lpm_free(l);
		free(t);
	}
}

static void test_property_v4(void **state)
{
	(void)state;
	property(4, 1);
	property(4, 99);
}

static void test_property_v6(void **state)
{
	(void)state;
	property(6, 7);
	property(6, 12345);
}

static void test_edges(void **state)
{
	(void)state;
	lpm *l = lpm_new(4);
	uint8_t a[16] = { 0 };
	uint32_t v;
	assert_false(lpm_lookup(l, a, &v));
	assert_int_equal(lpm_insert(l, a, 33, 1), -1);
	assert_int_equal(lpm_insert(l, a, 0, 100), 0); /* default route */
	uint8_t h[4] = { 10, 1, 2, 3 };
	assert_int_equal(lpm_insert(l, h, 32, 7), 0);
	uint8_t n8[4] = { 10, 0, 0, 0 };
	assert_int_equal(lpm_insert(l, n8, 8, 8), 0);
	assert_true(lpm_lookup(l, h, &v));
	assert_int_equal(v, 7);
	h[3] = 4;
	assert_true(lpm_lookup(l, h, &v));
	assert_int_equal(v, 8);
	uint8_t o[4] = { 11, 0, 0, 0 };
	assert_true(lpm_lookup(l, o, &v));
	assert_int_equal(v, 100);
	assert_int_equal(lpm_insert(l, n8, 8, 9), 0); /* replaces */
	assert_true(lpm_lookup(l, h, &v));
	assert_int_equal(v, 9);
	assert_int_equal(lpm_size(l), 3);
	lpm_compile(l);
	assert_true(lpm_lookup(l, h, &v));
	assert_int_equal(v, 9);
	assert_true(lpm_lookup(l, o, &v));
	assert_int_equal(v, 100);
	lpm_free(l);
}

static void test_parse(void **state)
{
	(void)state;
	int fam;
	uint8_t a[16];
	unsigned pl;
	neto_err e;
	assert_int_equal(lpm_parse_prefix("10.0.0.0/8", &fam, a, &pl, &e), 0);
	assert_int_equal(fam, 4);
	assert_int_equal(pl, 8);
	assert_int_equal(a[0], 10);
	assert_int_equal(lpm_parse_prefix("2001:db8::/32", &fam, a, &pl, &e), 0);
	assert_int_equal(fam, 6);
	assert_int_equal(pl, 32);
	assert_int_equal(lpm_parse_prefix("192.0.2.1", &fam, a, &pl, &e), 0);
	assert_int_equal(pl, 32);
	assert_int_equal(lpm_parse_prefix("10.0.0.1/8", &fam, a, &pl, &e), -1);
	assert_non_null(strstr(e.msg, "host bits set"));
	assert_int_equal(lpm_parse_prefix("10.0.0.0/33", &fam, a, &pl, &e), -1);
	assert_int_equal(lpm_parse_prefix("10.0.0.0/08", &fam, a, &pl, &e), -1);
	assert_int_equal(lpm_parse_prefix("10.0.0/8", &fam, a, &pl, &e), -1);
	assert_int_equal(lpm_parse_prefix("", &fam, a, &pl, &e), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_property_v4),
		cmocka_unit_test(test_property_v6),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
