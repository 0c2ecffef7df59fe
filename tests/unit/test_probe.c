/*
 * test_probe.c - the latency probe codec and the responder's delay queue
 * (src/proto/probe/probe.h): round trips through the encoder, every
 * malformation with its error code, every truncation and every single-bit
 * flip of a valid message, the encoder's refusals; the delay queue against
 * a sorted reference, FIFO among equal due times, its bound.
 *
 * With NETO_PROBE_CORPUS=DIR it also writes the fuzz seed corpus
 * (fuzz/corpus/probe/) from the encoder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/probe/probe.h"
#include "testutil.h"

static size_t enc(const probe_msg *m, uint8_t *out)
{
	wire_wr w;
	wire_wr_init(&w);
	neto_err err;
	assert_int_equal(probe_encode(m, &w, &err), 0);
	assert_true(w.len <= PROBE_MAX_LEN);
	memcpy(out, w.buf, w.len);
	size_t n = w.len;
	wire_wr_free(&w);
	return n;
}

static void test_round_trip(void **state)
{
	(void)state;
	const probe_msg cases[] = {
		{ PROBE_REQUEST, 0, 0, 0, 0 },
		{ PROBE_REQUEST, 7, 0xdeadbeef, 42, 1795338231602000000ULL },
		{ PROBE_ANSWER, PROBE_MAX_PAD, UINT32_MAX, UINT32_MAX, UINT64_MAX },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint8_t b[PROBE_MAX_LEN];
		size_t n = enc(&cases[i], b);
		assert_int_equal(n, PROBE_HDR_LEN + cases[i].pad);
		probe_msg m;
		neto_err err;
		assert_int_equal(probe_decode(b, n, &m, &err), PROBE_OK);
		assert_int_equal(m.type, cases[i].type);
		assert_int_equal(m.pad, cases[i].pad);
		assert_int_equal(m.id, cases[i].id);
		assert_int_equal(m.seq, cases[i].seq);
		assert_true(m.ts_ns == cases[i].ts_ns);
		/* byte-identical again */
		uint8_t b2[PROBE_MAX_LEN];
		assert_int_equal(enc(&m, b2), n);
		assert_memory_equal(b, b2, n);
	}
	/* the wire layout, field by field (probe.h) */
	const probe_msg m = { PROBE_REQUEST, 2, 0x01020304, 0x05060708, 0x1112131415161718ULL };
	uint8_t b[64];
	size_t n = enc(&m, b);
	const uint8_t want[] = { 'N', 'P', 'R', 'O', 1, 1, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8,
				 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0, 0 };
	assert_int_equal(n, sizeof want);
	assert_memory_equal(b, want, n);
}

static void test_answer_of(void **state)
{
	(void)state;
	const probe_msg q = { PROBE_REQUEST, 100, 9, 10, 11 };
	probe_msg a = probe_answer_of(&q);
	assert_int_equal(a.type, PROBE_ANSWER);
	assert_int_equal(a.pad, 100);
	assert_int_equal(a.id, 9);
	assert_int_equal(a.seq, 10);
	assert_true(a.ts_ns == 11);
}

static void expect_err(const uint8_t *b, size_t n, int code)
{
	probe_msg m;
	neto_err err;
	err.msg[0] = '\0';
	assert_int_equal(probe_decode(b, n, &m, &err), code);
	assert_true(strncmp(err.msg, "probe: ", 7) == 0);
	assert_int_equal(m.type, 0);	/* nothing half-decoded */
}

static void test_malformed(void **state)
{
	(void)state;
	const probe_msg q = { PROBE_REQUEST, 4, 1, 2, 3 };
	uint8_t b[64], x[64];
	size_t n = enc(&q, b);
	expect_err(b, 0, PROBE_E_SHORT);
	expect_err(b, 4, PROBE_E_SHORT);
	expect_err(b, PROBE_HDR_LEN - 1, PROBE_E_SHORT);
	/* a short datagram of another protocol */
	expect_err((const uint8_t *)"hello\n", 6, PROBE_E_MAGIC);
	memcpy(x, b, n);
	x[0] ^= 0x20;
	expect_err(x, n, PROBE_E_MAGIC);
	memcpy(x, b, n);
	x[4] = 2;
	expect_err(x, n, PROBE_E_VERSION);
	memcpy(x, b, n);
	x[5] = 0;
	expect_err(x, n, PROBE_E_TYPE);
	x[5] = 3;
	expect_err(x, n, PROBE_E_TYPE);
	/* padding shorter and longer than declared */
	expect_err(b, n - 1, PROBE_E_LENGTH);
	memcpy(x, b, n);
	x[n] = 0;
	expect_err(x, n + 1, PROBE_E_LENGTH);
	/* a declared padding above the cap, whatever follows */
	memcpy(x, b, n);
	x[6] = (PROBE_MAX_PAD + 1) >> 8;
	x[7] = (PROBE_MAX_PAD + 1) & 0xff;
	expect_err(x, n, PROBE_E_PAD);
	/* every truncation of a valid message fails */
	for (size_t k = 0; k < n; k++) {
		probe_msg m;
		assert_int_not_equal(probe_decode(b, k, &m, NULL), PROBE_OK);
	}
	/* every single-bit flip of magic, version, type or padding length
	 * fails; one in identifier, sequence, timestamp or padding content
	 * is a valid message (those are values, not structure) */
	for (size_t bit = 0; bit < 8 * n; bit++) {
		memcpy(x, b, n);
		x[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		probe_msg m;
		int rc = probe_decode(x, n, &m, NULL);
		if (bit / 8 < 8)
			assert_int_not_equal(rc, PROBE_OK);
		else
			assert_int_equal(rc, PROBE_OK);
	}
	assert_string_equal(probe_error_name(PROBE_E_LENGTH), "length");
	assert_string_equal(probe_error_name(99), "?");
}

static void test_encode_refuses(void **state)
{
	(void)state;
	wire_wr w;
	wire_wr_init(&w);
	neto_err err;
	probe_msg m = { 0, 0, 0, 0, 0 };
	assert_int_equal(probe_encode(&m, &w, &err), -1);
	m.type = PROBE_REQUEST;
	m.pad = PROBE_MAX_PAD + 1;
	assert_int_equal(probe_encode(&m, &w, &err), -1);
	assert_int_equal(w.len, 0);
	wire_wr_free(&w);
}

/* ---- delay queue ---------------------------------------------------------------- */

typedef struct item {
	int64_t due;
	uint64_t n;
} item;

static void test_delayq_order(void **state)
{
	(void)state;
	uint64_t rng = 7;
	probe_delayq q;
	probe_delayq_init(&q, 1000, sizeof(item));
	item ref[1000];
	size_t nref = 0;
	int64_t now = 0;
	/* random pushes and pops against a sorted reference */
	for (int step = 0; step < 20000; step++) {
		if (tu_randf(&rng) < 0.55 && q.n < 1000) {
			item it = { now + (int64_t)(tu_rand(&rng) % 50), (uint64_t)step };
			assert_true(probe_delayq_push(&q, it.due, &it));
			ref[nref++] = it;
		} else {
			now += (int64_t)(tu_rand(&rng) % 10);
			item got;
			while (probe_delayq_pop_due(&q, now, &got)) {
				/* the earliest in the reference, first come among equals */
				size_t best = 0;
				for (size_t i = 1; i < nref; i++)
					if (ref[i].due < ref[best].due ||
					    (ref[i].due == ref[best].due && ref[i].n < ref[best].n))
						best = i;
				assert_true(nref > 0);
				assert_true(got.due == ref[best].due);
				assert_true(got.n == ref[best].n);
				assert_true(got.due <= now);
				ref[best] = ref[--nref];
			}
			int64_t due;
			if (probe_delayq_peek(&q, &due))
				assert_true(due > now);
		}
		assert_int_equal(q.n, nref);
	}
	probe_delayq_free(&q);
}

static void test_delayq_bound(void **state)
{
	(void)state;
	probe_delayq q;
	probe_delayq_init(&q, 3, sizeof(int));
	int v = 1;
	assert_true(probe_delayq_push(&q, 30, &v));
	v = 2;
	assert_true(probe_delayq_push(&q, 10, &v));
	v = 3;
	assert_true(probe_delayq_push(&q, 10, &v));
	v = 4;
	assert_false(probe_delayq_push(&q, 5, &v));	/* full: refused */
	int64_t due;
	assert_true(probe_delayq_peek(&q, &due));
	assert_true(due == 10);
	int got;
	assert_false(probe_delayq_pop_due(&q, 9, &got));	/* not due yet */
	assert_true(probe_delayq_pop_due(&q, 10, &got));
	assert_int_equal(got, 2);
	assert_true(probe_delayq_pop_due(&q, 10, &got));
	assert_int_equal(got, 3);	/* equal times: arrival order */
	assert_true(probe_delayq_push(&q, 20, &v));	/* room again */
	assert_true(probe_delayq_pop_due(&q, 100, &got));
	assert_int_equal(got, 4);
	assert_true(probe_delayq_pop_due(&q, 100, &got));
	assert_int_equal(got, 1);
	assert_false(probe_delayq_peek(&q, &due));
	probe_delayq_free(&q);
}

/* NETO_PROBE_CORPUS=DIR: the fuzz seeds, written by the encoder. */
static void write_corpus(void)
{
	const char *dir = getenv("NETO_PROBE_CORPUS");
	if (dir == NULL)
		return;
	const struct {
		const char *name;
		probe_msg m;
	} seeds[] = {
		{ "request", { PROBE_REQUEST, 0, 0x1a2b3c4d, 1, 1795338231602000000ULL } },
		{ "answer", { PROBE_ANSWER, 0, 0x1a2b3c4d, 1, 1795338231602000000ULL } },
		{ "request-pad64", { PROBE_REQUEST, 64, 7, 99, 123456789 } },
		{ "answer-pad1400", { PROBE_ANSWER, PROBE_MAX_PAD, 7, 100, 123456790 } },
	};
	for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
		uint8_t b[PROBE_MAX_LEN];
		size_t n = enc(&seeds[i].m, b);
		char path[512];
		snprintf(path, sizeof path, "%s/%s", dir, seeds[i].name);
		FILE *f = fopen(path, "wb");
		assert_non_null(f);
		assert_int_equal(fwrite(b, 1, n, f), n);
		fclose(f);
	}
}

static void test_corpus(void **state)
{
	(void)state;
	write_corpus();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),    cmocka_unit_test(test_answer_of),
		cmocka_unit_test(test_malformed),     cmocka_unit_test(test_encode_refuses),
		cmocka_unit_test(test_delayq_order),  cmocka_unit_test(test_delayq_bound),
		cmocka_unit_test(test_corpus),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
