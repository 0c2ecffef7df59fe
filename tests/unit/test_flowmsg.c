/*
 * test_flowmsg.c - the flow agents' message codecs: record batches and
 * partial matrices round-trip (encode, decode, compare; and the exact text
 * of a small message), every rule of the decoders with the line it names,
 * the encoders refusing what the decoders would refuse, and caps.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent/flowmsg.h"
#include "testutil.h"

static void assert_has(const char *msg, const char *needle)
{
	if (strstr(msg, needle) == NULL) {
		print_error("error message \"%s\" lacks \"%s\"\n", msg, needle);
		fail();
	}
}

/* Decoders get an exact-size copy, so that ASan sees any overread. */
static int batch_dec(flowmsg_batch *b, const char *text, size_t len, neto_err *err)
{
	char *buf = malloc(len ? len : 1);
	memcpy(buf, text, len);
	int rc = flowmsg_batch_decode(b, buf, len, "msg", err);
	free(buf);
	return rc;
}

static int partial_dec(flowmsg_partial *p, const char *text, size_t len, neto_err *err)
{
	char *buf = malloc(len ? len : 1);
	memcpy(buf, text, len);
	int rc = flowmsg_partial_decode(p, buf, len, "msg", err);
	free(buf);
	return rc;
}

static void test_batch_text(void **state)
{
	(void)state;
	flowmsg_record r[] = {
		{ "PAR", "LON", "gold", 1250000, 1000 },
		{ "PAR", "AMS", "bronze", 0, 0 },
		{ "PAR", "LON", "gold", UINT64_MAX, 18446744073709551615ull },
	};
	flowmsg_batch b = { .exporter = "PAR",
			    .start_ms = 1700000000000,
			    .window_ms = 10000,
			    .sampling = 100,
			    .recs = r,
			    .n = 3 };
	char *out;
	size_t len;
	neto_err err;
	assert_int_equal(flowmsg_batch_encode(&b, &out, &len, &err), 0);
	const char *want = "neto-flows,1,PAR,1700000000000,10000,100,3\n"
			   "PAR,LON,gold,1250000,1000\n"
			   "PAR,AMS,bronze,0,0\n"
			   "PAR,LON,gold,18446744073709551615,18446744073709551615\n";
	assert_string_equal(out, want);
	assert_int_equal(len, strlen(want));
	flowmsg_batch d;
	assert_int_equal(batch_dec(&d, out, len, &err), 0);
	assert_string_equal(d.exporter, "PAR");
	assert_int_equal(d.start_ms, 1700000000000);
	assert_int_equal(d.window_ms, 10000);
	assert_int_equal(d.sampling, 100);
	assert_int_equal(d.n, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_string_equal(d.recs[i].ingress, r[i].ingress);
		assert_string_equal(d.recs[i].egress, r[i].egress);
		assert_string_equal(d.recs[i].cls, r[i].cls);
		assert_true(d.recs[i].bytes == r[i].bytes);
		assert_true(d.recs[i].packets == r[i].packets);
	}
	flowmsg_batch_free(&d);
	free(out);
}

/* Random batches with UTF-8 names survive encode/decode/encode unchanged. */
static void test_batch_random(void **state)
{
	(void)state;
	static const char *const names[] = { "a", "Zürich", "東京", "x y", "n-1_2.3", "😀" };
	uint64_t rs = 42;
	for (int iter = 0; iter < 200; iter++) {
		size_t n = tu_rand(&rs) % 50;
		flowmsg_record *r = calloc(n ? n : 1, sizeof *r);
		for (size_t i = 0; i < n; i++) {
			r[i].ingress = names[tu_rand(&rs) % 6];
			r[i].egress = names[tu_rand(&rs) % 6];
			r[i].cls = names[tu_rand(&rs) % 6];
			r[i].bytes = tu_rand(&rs) >> (tu_rand(&rs) % 64);
			r[i].packets = tu_rand(&rs) % 1000;
		}
		flowmsg_batch b = { .exporter = names[iter % 6],
				    .start_ms = (int64_t)(tu_rand(&rs) >> 20),
				    .window_ms = 1 + (int64_t)(tu_rand(&rs) % FLOWMSG_MAX_WINDOW_MS),
				    .sampling = 1 + (uint32_t)(tu_rand(&rs) % 4096),
				    .recs = r,
				    .n = n };
		char *out, *out2;
		size_t len, len2;
		neto_err err;
		assert_int_equal(flowmsg_batch_encode(&b, &out, &len, &err), 0);
		flowmsg_batch d;
		assert_int_equal(batch_dec(&d, out, len, &err), 0);
		assert_int_equal(flowmsg_batch_encode(&d, &out2, &len2, &err), 0);
		assert_int_equal(len, len2);
		assert_memory_equal(out, out2, len);
		flowmsg_batch_free(&d);
		free(out);
		free(out2);
		free(r);
	}
}

static void test_batch_errors(void **state)
{
	(void)state;
	static const struct {
		const char *text, *n1, *n2;
	} cases[] = {
		{ "", "msg: empty message", NULL },
		{ "neto-flows,1,e,0,10,1,0", "msg:1: line does not end with a newline", NULL },
		{ "neto-flow,1,e,0,10,1,0\n", "msg:1: not a flow record batch", NULL },
		{ "neto-partial,1,a,0,10,1,0,0,0\n", "msg:1: 9 fields, expected 7", NULL },
		{ "neto-flows,2,e,0,10,1,0\n", "msg:1: unsupported version '2'", NULL },
		{ "neto-flows,1,,0,10,1,0\n", "msg:1: exporter: not a valid name", NULL },
		{ "neto-flows,1, e,0,10,1,0\n", "exporter: not a valid name", NULL },
		{ "neto-flows,1,e,-1,10,1,0\n", "window start: '-1' is not an integer", NULL },
		{ "neto-flows,1,e,01,10,1,0\n", "window start: '01'", NULL },
		{ "neto-flows,1,e,0,0,1,0\n", "window length: 0 is not in 1..86400000", NULL },
		{ "neto-flows,1,e,0,86400001,1,0\n", "window length", NULL },
		{ "neto-flows,1,e,9223372036854775807,10,1,0\n", "window end", NULL },
		{ "neto-flows,1,e,0,10,0,0\n", "sampling interval: 0 is not in 1..4294967295", NULL },
		{ "neto-flows,1,e,0,10,4294967296,0\n", "sampling interval", NULL },
		{ "neto-flows,1,e,0,10,1,1000001\n", "record count: 1000001 is not in 0..1000000",
		  NULL },
		{ "neto-flows,1,e,0,10,1,2\na,b,c,1,1\n", "msg:2: the header declares 2 records, found 1",
		  NULL },
		{ "neto-flows,1,e,0,10,1,1\na,b,c,1,1\na,b,c,1,1\n",
		  "msg:3: more lines than the 1 the header declares", NULL },
		{ "neto-flows,1,e,0,10,1,1\na,b,c,1\n", "msg:2: 4 fields, expected 5", NULL },
		{ "neto-flows,1,e,0,10,1,1\na,b,c,1,1,1\n", "msg:2: 6 fields, expected 5", NULL },
		{ "neto-flows,1,e,0,10,1,1\na,b,c,1.5,1\n", "msg:2: bytes: '1.5'", NULL },
		{ "neto-flows,1,e,0,10,1,1\na,b,c,18446744073709551616,1\n", "bytes", NULL },
		{ "neto-flows,1,e,0,10,1,1\na,b,c,+1,1\n", "bytes", NULL },
		{ "neto-flows,1,e,0,10,1,1\na,b,c,1, 1\n", "packets", NULL },
		{ "neto-flows,1,e,0,10,1,1\na,b,c,1,1\r\n", "packets", NULL },
		{ "neto-flows,1,e,0,10,1,1\na,,c,1,1\n", "msg:2: egress: not a valid name", NULL },
		{ "neto-flows,1,e,0,10,1,1\na,b,\x01,1,1\n", "class: not a valid name", NULL },
		{ "neto-flows,1,e,0,10,1,1\na,\xc3\x28,c,1,1\n", "egress", NULL },
		{ "neto-flows,1,e,0,10,1,1\na,\xed\xa0\x80,c,1,1\n", "egress", NULL }, /* surrogate */
		{ "neto-flows,1,e,0,10,1,1\na,\xc0\xaf,c,1,1\n", "egress", NULL },     /* overlong */
		{ "neto-flows,1,e,0,10,1,1\n\n", "msg:2: 1 fields, expected 5", NULL },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		flowmsg_batch b;
		neto_err err;
		if (batch_dec(&b, cases[i].text, strlen(cases[i].text), &err) != -1) {
			print_error("case %zu decoded\n", i);
			fail();
		}
		assert_has(err.msg, cases[i].n1);
		assert_null(b.text_);
		assert_null(b.recs_);
	}
	/* a NUL byte inside a name */
	const char nul[] = "neto-flows,1,e,0,10,1,1\na\0b,b,c,1,1\n";
	flowmsg_batch b;
	neto_err err;
	assert_int_equal(batch_dec(&b, nul, sizeof nul - 1, &err), -1);
	assert_has(err.msg, "msg:2: ingress: not a valid name");
	/* a long name is fine up to the cap */
	char line[1024];
	char nm[FLOWMSG_NAME_MAX + 2];
	memset(nm, 'x', sizeof nm);
	nm[FLOWMSG_NAME_MAX] = '\0';
	snprintf(line, sizeof line, "neto-flows,1,%s,0,10,1,0\n", nm);
	assert_int_equal(batch_dec(&b, line, strlen(line), &err), 0);
	flowmsg_batch_free(&b);
	nm[FLOWMSG_NAME_MAX] = 'x';
	nm[FLOWMSG_NAME_MAX + 1] = '\0';
	snprintf(line, sizeof line, "neto-flows,1,%s,0,10,1,0\n", nm);
	assert_int_equal(batch_dec(&b, line, strlen(line), &err), -1);
}

static void test_batch_encode_refuses(void **state)
{
	(void)state;
	flowmsg_record r = { "a", "b,c", "gold", 1, 1 };
	flowmsg_batch b = { .exporter = "e", .window_ms = 10, .sampling = 1, .recs = &r, .n = 1 };
	char *out = NULL;
	size_t len;
	neto_err err;
	assert_int_equal(flowmsg_batch_encode(&b, &out, &len, &err), -1);
	assert_has(err.msg, "record 0: egress: not a valid name");
	r.egress = "b";
	b.sampling = 0;
	assert_int_equal(flowmsg_batch_encode(&b, &out, &len, &err), -1);
	assert_has(err.msg, "sampling");
	b.sampling = 1;
	b.exporter = "e\n";
	assert_int_equal(flowmsg_batch_encode(&b, &out, &len, &err), -1);
	b.exporter = "e";
	b.window_ms = 0;
	assert_int_equal(flowmsg_batch_encode(&b, &out, &len, &err), -1);
	b.window_ms = 10;
	b.start_ms = -10;
	assert_int_equal(flowmsg_batch_encode(&b, &out, &len, &err), -1);
	b.start_ms = 0;
	b.n = FLOWMSG_MAX_RECORDS + 1;
	assert_int_equal(flowmsg_batch_encode(&b, &out, &len, &err), -1);
	assert_null(out);
}

/* A header that declares the cap costs nothing when the lines are absent. */
static void test_batch_cap(void **state)
{
	(void)state;
	const char *t = "neto-flows,1,e,0,10,1,1000000\na,b,c,1,1\n";
	flowmsg_batch b;
	neto_err err;
	assert_int_equal(batch_dec(&b, t, strlen(t), &err), -1);
	assert_has(err.msg, "declares 1000000 records, found 1");
}

static void test_partial_text(void **state)
{
	(void)state;
	const char *cov[] = { "e1", "e2" };
	const char *mis[] = { "e3", "leaf2" };
	flowmsg_entry e[] = {
		{ "PAR", "LON", "gold", 1.5 },
		{ "LON", "PAR", "gold", 0.1 },
		{ "PAR", "LON", "bronze", 0 },
		{ "AMS", "LON", "gold", 1e300 },
		{ "LON", "AMS", "gold", -0.0 },
		{ "AMS", "PAR", "gold", 4.9406564584124654e-324 },
	};
	flowmsg_partial p = { .agent = "leaf1",
			      .start_ms = 20000,
			      .window_ms = 10000,
			      .bits_per_unit = 1e6,
			      .covered = cov,
			      .n_covered = 2,
			      .missing = mis,
			      .n_missing = 2,
			      .entries = e,
			      .n = 6 };
	char *out;
	size_t len;
	neto_err err;
	assert_int_equal(flowmsg_partial_encode(&p, &out, &len, &err), 0);
	const char *want = "neto-partial,1,leaf1,20000,10000,1000000,2,2,6\n"
			   "covered,e1,e2\n"
			   "missing,e3,leaf2\n"
			   "PAR,LON,gold,1.5\n"
			   "LON,PAR,gold,0.10000000000000001\n"
			   "PAR,LON,bronze,0\n"
			   "AMS,LON,gold,1.0000000000000001e+300\n"
			   "LON,AMS,gold,0\n"
			   "AMS,PAR,gold,4.9406564584124654e-324\n";
	assert_string_equal(out, want);
	flowmsg_partial d;
	assert_int_equal(partial_dec(&d, out, len, &err), 0);
	assert_string_equal(d.agent, "leaf1");
	assert_int_equal(d.start_ms, 20000);
	assert_int_equal(d.window_ms, 10000);
	assert_true(d.bits_per_unit == 1e6);
	assert_int_equal(d.n_covered, 2);
	assert_int_equal(d.n_missing, 2);
	assert_string_equal(d.covered[1], "e2");
	assert_string_equal(d.missing[0], "e3");
	assert_string_equal(d.missing[1], "leaf2");
	assert_int_equal(d.n, 6);
	for (size_t i = 0; i < 6; i++) {
		assert_string_equal(d.entries[i].src, e[i].src);
		assert_string_equal(d.entries[i].dst, e[i].dst);
		assert_string_equal(d.entries[i].cls, e[i].cls);
		assert_true(d.entries[i].rate == e[i].rate);
	}
	assert_false(signbit(d.entries[4].rate));
	flowmsg_partial_free(&d);
	free(out);

	/* empty lists and no entries */
	flowmsg_partial q = { .agent = "root", .window_ms = 1, .bits_per_unit = 1e3 };
	assert_int_equal(flowmsg_partial_encode(&q, &out, &len, &err), 0);
	assert_string_equal(out, "neto-partial,1,root,0,1,1000,0,0,0\ncovered\nmissing\n");
	assert_int_equal(partial_dec(&d, out, len, &err), 0);
	assert_int_equal(d.n_covered + d.n_missing + d.n, 0);
	flowmsg_partial_free(&d);
	free(out);
}

static void test_partial_random(void **state)
{
	(void)state;
	uint64_t rs = 7;
	char nm[64][16];
	for (int i = 0; i < 64; i++)
		snprintf(nm[i], sizeof nm[i], "n%d", i);
	for (int iter = 0; iter < 200; iter++) {
		/* distinct triples: src < dst over 8 nodes, 2 classes */
		flowmsg_entry e[56];
		size_t n = 0;
		for (int s = 0; s < 8; s++)
			for (int t = 0; t < 8; t++)
				for (int c = 0; c < 2 && n < 56; c++)
					if (s != t && tu_rand(&rs) % 3 == 0) {
						e[n].src = nm[s];
						e[n].dst = nm[t];
						e[n].cls = c ? "gold" : "bronze";
						double r = tu_randf(&rs);
						e[n].rate = r * pow(10, (double)(tu_rand(&rs) % 40) - 20);
						n++;
					}
		const char *names[64];
		size_t nn = tu_rand(&rs) % 64;
		for (size_t i = 0; i < nn; i++)
			names[i] = nm[i];
		size_t nc = nn ? tu_rand(&rs) % (nn + 1) : 0;
		flowmsg_partial p = { .agent = nm[iter % 64],
				      .start_ms = (int64_t)(tu_rand(&rs) >> 24),
				      .window_ms = 1000,
				      .bits_per_unit = tu_randf(&rs) * 1e9 + 1e-3,
				      .covered = names,
				      .n_covered = nc,
				      .missing = names + nc,
				      .n_missing = nn - nc,
				      .entries = e,
				      .n = n };
		char *out, *out2;
		size_t len, len2;
		neto_err err;
		assert_int_equal(flowmsg_partial_encode(&p, &out, &len, &err), 0);
		flowmsg_partial d;
		assert_int_equal(partial_dec(&d, out, len, &err), 0);
		assert_true(d.bits_per_unit == p.bits_per_unit);
		for (size_t i = 0; i < n; i++)
			assert_true(d.entries[i].rate == e[i].rate);
		assert_int_equal(flowmsg_partial_encode(&d, &out2, &len2, &err), 0);
		assert_int_equal(len, len2);
		assert_memory_equal(out, out2, len);
		flowmsg_partial_free(&d);
		free(out);
		free(out2);
	}
}

static void test_partial_errors(void **state)
{
	(void)state;
	static const struct {
		const char *text, *n1;
	} cases[] = {
		{ "neto-flows,1,e,0,10,1,0\n", "msg:1: 7 fields, expected 9" },
		{ "neto-partial,1,a,0,10,1,0,0,0\n", "msg:1: missing the 'covered' line" },
		{ "neto-partial,1,a,0,10,1,0,0,0\ncovered\n", "msg:2: missing the 'missing' line" },
		{ "neto-partial,1,a,0,10,1,0,0,0\nmissing\ncovered\n",
		  "msg:2: expected the 'covered' line, found 'missing'" },
		{ "neto-partial,1,a,0,10,0,0,0,0\ncovered\nmissing\n",
		  "msg:1: bits per unit: '0' is not a positive number" },
		{ "neto-partial,1,a,0,10,-1,0,0,0\ncovered\nmissing\n", "bits per unit" },
		{ "neto-partial,1,a,0,10,1e999,0,0,0\ncovered\nmissing\n", "bits per unit" },
		{ "neto-partial,1,a,0,10,0x10,0,0,0\ncovered\nmissing\n", "bits per unit" },
		{ "neto-partial,1,a,0,10,1,1,0,0\ncovered\nmissing\n",
		  "msg:2: 'covered' line: 0 names, the header declares 1" },
		{ "neto-partial,1,a,0,10,1,1,1,0\ncovered,x\nmissing,x\n",
		  "msg:3: 'x' is listed twice" },
		{ "neto-partial,1,a,0,10,1,2,0,0\ncovered,x,x\nmissing\n", "msg:2: 'x' is listed twice" },
		{ "neto-partial,1,a,0,10,1,1,0,0\ncovered,\nmissing\n",
		  "msg:2: covered name 1: not a valid name" },
		{ "neto-partial,1,a,0,10,1,65536,1,0\n", "missing count: 1 is not in 0..0" },
		{ "neto-partial,1,a,0,10,1,0,0,1000001\n", "entry count" },
		{ "neto-partial,1,a,0,10,1,0,0,1\ncovered\nmissing\n",
		  "msg:3: the header declares 1 entries, found 0" },
		{ "neto-partial,1,a,0,10,1,0,0,1\ncovered\nmissing\na,a,c,1\n",
		  "msg:4: src and dst are the same node 'a'" },
		{ "neto-partial,1,a,0,10,1,0,0,2\ncovered\nmissing\na,b,c,1\na,b,c,2\n",
		  "msg:5: (a, b, c) is listed twice" },
		{ "neto-partial,1,a,0,10,1,0,0,1\ncovered\nmissing\na,b,c,-1\n",
		  "msg:4: rate: '-1' is not a number >= 0" },
		{ "neto-partial,1,a,0,10,1,0,0,1\ncovered\nmissing\na,b,c,nan\n", "rate" },
		{ "neto-partial,1,a,0,10,1,0,0,1\ncovered\nmissing\na,b,c,inf\n", "rate" },
		{ "neto-partial,1,a,0,10,1,0,0,1\ncovered\nmissing\na,b,c,1.\n", "rate" },
		{ "neto-partial,1,a,0,10,1,0,0,1\ncovered\nmissing\na,b,c,.5\n", "rate" },
		{ "neto-partial,1,a,0,10,1,0,0,1\ncovered\nmissing\na,b,c,1e\n", "rate" },
		{ "neto-partial,1,a,0,10,1,0,0,1\ncovered\nmissing\na,b,c,1e400\n", "rate" },
		{ "neto-partial,1,a,0,10,1,0,0,1\ncovered\nmissing\na,b,c,1 \n", "rate" },
		{ "neto-partial,1,a,0,10,1,0,0,0\ncovered\nmissing\nx\n",
		  "msg:4: more lines than the 0" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		flowmsg_partial p;
		neto_err err;
		if (partial_dec(&p, cases[i].text, strlen(cases[i].text), &err) != -1) {
			print_error("case %zu decoded\n", i);
			fail();
		}
		assert_has(err.msg, cases[i].n1);
		assert_null(p.text_);
		assert_null(p.names_);
		assert_null(p.entries_);
	}
	/* accepted forms of rates */
	const char *ok = "neto-partial,1,a,0,10,2.5E+3,0,0,3\ncovered\nmissing\n"
			 "a,b,c,007.50\na,c,c,1e-400\nb,a,c,12E2\n";
	flowmsg_partial p;
	neto_err err;
	assert_int_equal(partial_dec(&p, ok, strlen(ok), &err), 0);
	assert_true(p.bits_per_unit == 2500);
	assert_true(p.entries[0].rate == 7.5);
	assert_true(p.entries[1].rate == 0);
	assert_true(p.entries[2].rate == 1200);
	flowmsg_partial_free(&p);
}

static void test_partial_encode_refuses(void **state)
{
	(void)state;
	const char *cov[] = { "e1" };
	const char *mis[] = { "e1" };
	flowmsg_entry e[] = { { "a", "b", "c", 1 }, { "a", "b", "c", 2 } };
	flowmsg_partial p = { .agent = "x",
			      .window_ms = 10,
			      .bits_per_unit = 1,
			      .covered = cov,
			      .n_covered = 1,
			      .missing = mis,
			      .n_missing = 1,
			      .entries = e,
			      .n = 1 };
	char *out = NULL;
	size_t len;
	neto_err err;
	assert_int_equal(flowmsg_partial_encode(&p, &out, &len, &err), -1);
	assert_has(err.msg, "missing[0]: 'e1' is listed twice");
	p.n_missing = 0;
	p.n = 2;
	assert_int_equal(flowmsg_partial_encode(&p, &out, &len, &err), -1);
	assert_has(err.msg, "entry 1: (a, b, c) is listed twice");
	p.n = 1;
	e[0].rate = nan("");
	assert_int_equal(flowmsg_partial_encode(&p, &out, &len, &err), -1);
	assert_has(err.msg, "entry 0: rate");
	e[0].rate = 1;
	e[0].dst = "a";
	assert_int_equal(flowmsg_partial_encode(&p, &out, &len, &err), -1);
	assert_has(err.msg, "same");
	e[0].dst = "b";
	p.bits_per_unit = 0;
	assert_int_equal(flowmsg_partial_encode(&p, &out, &len, &err), -1);
	p.bits_per_unit = 1;
	p.agent = "a,b";
	assert_int_equal(flowmsg_partial_encode(&p, &out, &len, &err), -1);
	assert_null(out);
	p.agent = "ok";
	assert_int_equal(flowmsg_partial_encode(&p, &out, &len, &err), 0);
	free(out);
}

static void test_names(void **state)
{
	(void)state;
	assert_true(flowmsg_name_ok("a", 1));
	assert_true(flowmsg_name_ok("a b", 3));
	assert_true(flowmsg_name_ok("\xf4\x8f\xbf\xbf", 4)); /* U+10FFFF */
	assert_false(flowmsg_name_ok("\xf4\x90\x80\x80", 4)); /* past U+10FFFF */
	assert_false(flowmsg_name_ok("\xe2\x82", 2));          /* truncated */
	assert_false(flowmsg_name_ok("a\x7f", 2));
	assert_false(flowmsg_name_ok("a ", 2));
	assert_false(flowmsg_name_ok("", 0));
	assert_false(flowmsg_name_ok("\xe0\x80\x80", 3)); /* overlong */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batch_text),	     cmocka_unit_test(test_batch_random),
		cmocka_unit_test(test_batch_errors),	     cmocka_unit_test(test_batch_encode_refuses),
		cmocka_unit_test(test_batch_cap),	     cmocka_unit_test(test_partial_text),
		cmocka_unit_test(test_partial_random),	     cmocka_unit_test(test_partial_errors),
		cmocka_unit_test(test_partial_encode_refuses), cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
