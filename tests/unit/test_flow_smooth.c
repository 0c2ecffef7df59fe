/*
 * test_flow_smooth.c - the flow agents' matrices and smoothing, on values
 * computed by hand: EWMA (complete and incomplete windows, new and vanished
 * entries, the floor), nearest-rank percentiles over the last W windows,
 * the specification syntax, and the saved state continuing exactly where
 * the original left off.
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

#include "agent/flow_smooth.h"
#include "testutil.h"

/* A matrix from "key=value;key=value" with keys like "A" (not real keys;
 * the smoother does not look inside them). */
static void mx(flowagent_matrix *m, const char *spec)
{
	flowagent_matrix_init(m);
	char buf[256];
	snprintf(buf, sizeof buf, "%s", spec);
	for (char *tok = strtok(buf, ";"); tok; tok = strtok(NULL, ";")) {
		char *eq = strchr(tok, '=');
		assert_non_null(eq);
		*eq = '\0';
		flowagent_matrix_add(m, tok, strlen(tok), strtod(eq + 1, NULL));
	}
}

/* The matrix as "key=value;..." sorted by key, values with %g. */
static void show(const flowagent_matrix *m, char *out, size_t n)
{
	size_t *ord = flowagent_matrix_sorted(m);
	out[0] = '\0';
	for (size_t k = 0; k < m->n; k++) {
		size_t l = strlen(out);
		snprintf(out + l, n - l, "%s%s=%.17g", k ? ";" : "", m->keys[ord[k]],
			 m->val[ord[k]]);
	}
	free(ord);
}

static void step(flowagent_smoother *s, const char *in, bool complete, const char *want)
{
	flowagent_matrix x, out;
	mx(&x, in);
	flowagent_matrix_init(&out);
	flowagent_smoother_step(s, &x, complete, &out);
	char got[512];
	show(&out, got, sizeof got);
	if (strcmp(got, want) != 0) {
		print_error("input %s (%s): got \"%s\", want \"%s\"\n", in,
			    complete ? "complete" : "incomplete", got, want);
		fail();
	}
	flowagent_matrix_free(&x);
	flowagent_matrix_free(&out);
}

static void test_matrix(void **state)
{
	(void)state;
	flowagent_matrix m;
	flowagent_matrix_init(&m);
	assert_null(flowagent_matrix_sorted(&m));
	flowagent_matrix_add3(&m, "b", "a", "gold", 1);
	flowagent_matrix_add3(&m, "a", "b", "gold", 2);
	flowagent_matrix_add3(&m, "b", "a", "gold", 0.5);
	flowagent_matrix_add(&m, "a,b", 3, 7); /* a prefix of "a,b,gold" */
	assert_int_equal(m.n, 3);
	double v;
	assert_true(flowagent_matrix_get(&m, "b,a,gold", 8, &v));
	assert_true(v == 1.5);
	assert_false(flowagent_matrix_get(&m, "b,a", 3, &v));
	char s[256];
	show(&m, s, sizeof s);
	assert_string_equal(s, "a,b=7;a,b,gold=2;b,a,gold=1.5");
	/* long keys take the heap path */
	char big[400];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	flowagent_matrix_add3(&m, big, big, big, 1);
	assert_int_equal(m.klen[3], 3 * 399 + 2);
	flowagent_matrix c;
	flowagent_matrix_init(&c);
	flowagent_matrix_copy(&c, &m);
	assert_int_equal(c.n, 4);
	flowagent_matrix_free(&c);
	flowagent_matrix_free(&m);
}

static void test_spec(void **state)
{
	(void)state;
	flowagent_smoothing s;
	neto_err err;
	char buf[64];
	assert_int_equal(flowagent_smoothing_parse("none", &s, &err), 0);
	assert_int_equal(s.kind, FLOWAGENT_SMOOTH_NONE);
	assert_int_equal(flowagent_smoothing_parse("ewma:0.3", &s, &err), 0);
	assert_int_equal(s.kind, FLOWAGENT_SMOOTH_EWMA);
	assert_true(s.alpha == 0.3);
	flowagent_smoothing_str(&s, buf, sizeof buf);
	assert_string_equal(buf, "ewma:0.3");
	assert_int_equal(flowagent_smoothing_parse("ewma:1", &s, &err), 0);
	assert_int_equal(flowagent_smoothing_parse("p95", &s, &err), 0);
	assert_int_equal(s.kind, FLOWAGENT_SMOOTH_PCT);
	assert_int_equal(s.pct, 95);
	assert_int_equal(s.windows, FLOWAGENT_PCT_DEFAULT_WINDOWS);
	flowagent_smoothing_str(&s, buf, sizeof buf);
	assert_string_equal(buf, "p95:12");
	assert_int_equal(flowagent_smoothing_parse("p50:4", &s, &err), 0);
	assert_int_equal(s.windows, 4);
	static const char *const bad[] = { "ewma:0", "ewma:1.5", "ewma:", "ewma:x", "ewma:nan",
					   "p0",     "p101",     "p",     "p95:", "p95:0",
					   "p-5",    "p9x",      "x",     "",     "p95:1001" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (flowagent_smoothing_parse(bad[i], &s, &err) == 0) {
			print_error("'%s' parsed\n", bad[i]);
			fail();
		}
		assert_non_null(strstr(err.msg, "smoothing"));
	}
}

static void test_none(void **state)
{
	(void)state;
	flowagent_smoothing sp = { .kind = FLOWAGENT_SMOOTH_NONE };
	flowagent_smoother s;
	flowagent_smoother_init(&s, &sp);
	step(&s, "A=1;B=0", true, "A=1;B=0");
	step(&s, "C=2", false, "C=2");
	flowagent_smoother_free(&s);
}

/* alpha 0.5, by hand:
 *   w1 {A 10, B 4}          -> A 10, B 4 (the first window as it is)
 *   w2 {A 20}, complete     -> A 15, B 2 (B absent: a sample of 0)
 *   w3 {A 15, C 8}, missing -> A 15, B 2 (held), C 4 (new: from 0)
 *   w4 {}, complete         -> A 7.5, B 1, C 2
 *   w5 {A 1e12}, complete   -> A 500000000003.75; B 0.5 and C 1 fall below
 *                              1e-9 of it and are dropped
 *   w6 {B 3}, complete      -> A 250000000001.875; B 1.5, new, below the floor */
static void test_ewma(void **state)
{
	(void)state;
	flowagent_smoothing sp;
	neto_err err;
	assert_int_equal(flowagent_smoothing_parse("ewma:0.5", &sp, &err), 0);
	flowagent_smoother s;
	flowagent_smoother_init(&s, &sp);
	step(&s, "A=10;B=4", true, "A=10;B=4");
	step(&s, "A=20", true, "A=15;B=2");
	step(&s, "A=15;C=8", false, "A=15;B=2;C=4");
	step(&s, "", true, "A=7.5;B=1;C=2");
	step(&s, "A=1e12", true, "A=500000000003.75");
	step(&s, "B=3", true, "A=250000000001.875"); /* B 1.5: below the floor */
	flowagent_smoother_free(&s);

	/* alpha 0.3 on one entry: 100, 0, 0 -> 100, 70, 49 */
	assert_int_equal(flowagent_smoothing_parse("ewma:0.3", &sp, &err), 0);
	flowagent_smoother_init(&s, &sp);
	step(&s, "A=100", true, "A=100");
	step(&s, "", true, "A=70");
	step(&s, "", true, "A=49");
	/* an incomplete first look at a key does not stop others decaying */
	step(&s, "B=10", false, "A=49;B=3");
	flowagent_smoother_free(&s);

	/* the first window, even incomplete, is taken as it is */
	flowagent_smoother_init(&s, &sp);
	step(&s, "A=5", false, "A=5");
	flowagent_smoother_free(&s);
}

/* p50 over 4 windows, by hand (nearest rank: the ceil(n/2)-th smallest):
 *   w1 {A 10} c            A [10] -> 10
 *   w2 {A 30, B 5} c       A [10 30] -> 10; B [0 5] -> 0 (dropped)
 *   w3 {A 20} incomplete   A [10 30 20] -> 20; B [0 5] (no sample) -> 0
 *   w4 {} c                A [10 30 20 0] -> 10; B [0 5 0] -> 0
 *   w5 {A 40, B 1} c       (w1 out) A [30 20 0 40] -> 20; B [5 0 1] -> 1 */
static void test_percentile(void **state)
{
	(void)state;
	flowagent_smoothing sp;
	neto_err err;
	assert_int_equal(flowagent_smoothing_parse("p50:4", &sp, &err), 0);
	flowagent_smoother s;
	flowagent_smoother_init(&s, &sp);
	step(&s, "A=10", true, "A=10");
	step(&s, "A=30;B=5", true, "A=10");
	step(&s, "A=20", false, "A=20");
	step(&s, "", true, "A=10");
	step(&s, "A=40;B=1", true, "A=20;B=1");
	assert_int_equal(s.n_hist, 4);
	flowagent_smoother_free(&s);

	/* p95 of 4 samples is the largest, p1 the smallest */
	assert_int_equal(flowagent_smoothing_parse("p95:4", &sp, &err), 0);
	flowagent_smoother_init(&s, &sp);
	step(&s, "A=3", true, "A=3");
	step(&s, "A=1", true, "A=3");
	step(&s, "A=4", true, "A=4");
	step(&s, "A=2", true, "A=4");
	step(&s, "A=1", true, "A=4"); /* [1 4 2 1] */
	step(&s, "A=1", true, "A=4"); /* [4 2 1 1] */
	step(&s, "A=1", true, "A=2"); /* [2 1 1 1] */
	flowagent_smoother_free(&s);

	assert_int_equal(flowagent_smoothing_parse("p1:3", &sp, &err), 0);
	flowagent_smoother_init(&s, &sp);
	step(&s, "A=3", true, "A=3");
	step(&s, "A=1;B=2", true, "A=1");
	step(&s, "A=4;B=3", false, "A=1");
	step(&s, "A=5;B=4", true, "A=1;B=2");
	step(&s, "A=6;B=5", true, "A=4;B=3");
	flowagent_smoother_free(&s);
}

/* Saving after every step and loading into a fresh smoother gives the same
 * outputs as one smoother that ran throughout. */
static void check_resume(const char *spec)
{
	flowagent_smoothing sp;
	neto_err err;
	assert_int_equal(flowagent_smoothing_parse(spec, &sp, &err), 0);
	flowagent_smoother ref, cur;
	flowagent_smoother_init(&ref, &sp);
	flowagent_smoother_init(&cur, &sp);
	uint64_t rs = 99;
	for (int w = 0; w < 30; w++) {
		flowagent_matrix x, o1, o2;
		flowagent_matrix_init(&x);
		flowagent_matrix_init(&o1);
		flowagent_matrix_init(&o2);
		for (int k = 0; k < 6; k++)
			if (tu_rand(&rs) % 3)
				flowagent_matrix_add3(&x, "n", k % 2 ? "m" : "o", k < 3 ? "g" : "b",
						      tu_randf(&rs) * 1000);
		bool complete = tu_rand(&rs) % 4 != 0;
		flowagent_smoother_step(&ref, &x, complete, &o1);
		flowagent_smoother_step(&cur, &x, complete, &o2);
		assert_int_equal(o1.n, o2.n);
		for (size_t i = 0; i < o1.n; i++) {
			double v;
			assert_true(flowagent_matrix_get(&o2, o1.keys[i], o1.klen[i], &v));
			assert_true(v == o1.val[i]);
		}
		/* "restart": through the JSON text, as the store holds it */
		json_t *j = flowagent_smoother_save(&cur);
		char *txt = json_dumps(j, JSON_COMPACT);
		json_decref(j);
		json_t *back = json_loads(txt, 0, NULL);
		free(txt);
		flowagent_smoother_free(&cur);
		flowagent_smoother_init(&cur, &sp);
		assert_int_equal(flowagent_smoother_load(&cur, back, &err), 0);
		json_decref(back);
		flowagent_matrix_free(&x);
		flowagent_matrix_free(&o1);
		flowagent_matrix_free(&o2);
	}
	flowagent_smoother_free(&ref);
	flowagent_smoother_free(&cur);
}

static void test_resume(void **state)
{
	(void)state;
	check_resume("ewma:0.3");
	check_resume("ewma:1");
	check_resume("p95:5");
	check_resume("p50:1");
	check_resume("none");
}

static void test_load_errors(void **state)
{
	(void)state;
	flowagent_smoothing sp;
	neto_err err;
	assert_int_equal(flowagent_smoothing_parse("p50:2", &sp, &err), 0);
	flowagent_smoother s;
	flowagent_smoother_init(&s, &sp);
	static const char *const bad[] = {
		"[]",
		"{}",
		("{\"windows\":[{\"complete\":true,\"rates\":[]},{\"complete\":true,\"rates\":[]},"
		 "{\"complete\":true,\"rates\":[]}]}"),
		"{\"windows\":[{\"rates\":[]}]}",
		"{\"windows\":[{\"complete\":true,\"rates\":[[\"a\"]]}]}",
		"{\"windows\":[{\"complete\":true,\"rates\":[[1,2]]}]}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json_t *j = json_loads(bad[i], 0, NULL);
		assert_non_null(j);
		assert_int_equal(flowagent_smoother_load(&s, j, &err), -1);
		json_decref(j);
	}
	flowagent_smoother_free(&s);
	assert_int_equal(flowagent_smoothing_parse("ewma:0.5", &sp, &err), 0);
	flowagent_smoother_init(&s, &sp);
	json_t *j = json_loads("{\"started\":1,\"ewma\":[]}", 0, NULL);
	assert_int_equal(flowagent_smoother_load(&s, j, &err), -1);
	json_decref(j);
	flowagent_smoother_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matrix),	   cmocka_unit_test(test_spec),
		cmocka_unit_test(test_none),	   cmocka_unit_test(test_ewma),
		cmocka_unit_test(test_percentile), cmocka_unit_test(test_resume),
		cmocka_unit_test(test_load_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
