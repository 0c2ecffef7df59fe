/*
 * test_demand_parse.c - classes CSV, demand set index, REPETITA and CSV
 * demand parsers, detection; every kind of bad input with the file name and
 * line its error message must carry.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "demand/demand.h"
#include "topo/topo_io.h"
#include "testutil.h"

static void assert_has(const char *msg, const char *needle)
{
	if (strstr(msg, needle) == NULL) {
		print_error("error message \"%s\" lacks \"%s\"\n", msg, needle);
		fail();
	}
}

/* Exact-size, unterminated copy of a literal, so that ASan sees overreads. */
static char *dup_exact(const char *s, size_t *len)
{
	*len = strlen(s);
	char *b = malloc(*len ? *len : 1);
	memcpy(b, s, *len);
	return b;
}

/* A 4-node line A-B-C-D plus a node named "7" (name beats index). */
static void small_topo(topo *t)
{
	const char *g = "NODES 5\nlabel x y\nA 0 0\nB 0 1\nC 0 2\nD 0 3\n7 0 4\n"
			"EDGES 4\nlabel src dest weight bw delay\n"
			"ab 0 1 1 100 1\nbc 1 2 1 100 1\ncd 2 3 1 100 1\nd7 3 4 1 100 1\n";
	neto_err err;
	topo_init(t);
	assert_int_equal(topo_parse_repetita(t, g, strlen(g), "g", &err), 0);
}

static void three_classes(class_set *cs)
{
	const char *c = "name,priority,paths\ngold,0,2\nsilver,1,\nbronze,5,8\n";
	neto_err err;
	class_set_init(cs);
	assert_int_equal(class_parse_csv(cs, c, strlen(c), "c.csv", &err), 0);
}

/* ---- classes ------------------------------------------------------------ */

static void test_class_csv(void **state)
{
	(void)state;
	class_set cs;
	neto_err err;
	class_set_init(&cs);
	size_t len;
	char *b = dup_exact("\xEF\xBB\xBF# traffic classes\n"
			    "max_delay , Latency,priority,name,paths\r\n"
			    "\n"
			    "20000,low,0,voice,2\r\n"
			    ",any,3,bulk,\r\n"
			    "# comment\n"
			    "0,,1,web,64",
			    &len);
	assert_int_equal(class_parse_csv(&cs, b, len, "c.csv", &err), 0);
	free(b);
	assert_int_equal(cs.n, 3);
	uint32_t v = class_find(&cs, "voice", 5);
	assert_int_equal(v, 0);
	assert_int_equal(cs.v[v].priority, 0);
	assert_int_equal(cs.v[v].k_paths, 2);
	assert_int_equal(cs.v[v].latency, TE_LAT_LOW);
	assert_true(cs.v[v].max_delay == 20000);
	uint32_t bulk = class_find(&cs, "bulk", 4);
	assert_int_equal(cs.v[bulk].k_paths, TE_DEFAULT_K);
	assert_int_equal(cs.v[bulk].latency, TE_LAT_ANY);
	assert_true(cs.v[bulk].max_delay == 0);
	assert_int_equal(class_find(&cs, "nope", 4), TOPO_NONE);
	assert_int_equal(class_lowest(&cs), bulk);
	assert_int_equal(class_max_k(&cs), 64);
	class_set_free(&cs);
	class_set_free(&cs);

	/* only the two required columns */
	const char *m = "priority,name\n2,a\n2,b\n1,c\n";
	assert_int_equal(class_parse_csv(&cs, m, strlen(m), "m.csv", &err), 0);
	assert_int_equal(class_lowest(&cs), 0); /* first on ties */
	assert_int_equal(class_max_k(&cs), TE_DEFAULT_K);
	class_set_free(&cs);

	class_set_default(&cs);
	assert_int_equal(cs.n, 1);
	assert_string_equal(cs.v[0].name, "default");
	assert_int_equal(cs.v[0].priority, 0);
	assert_int_equal(cs.v[0].k_paths, TE_DEFAULT_K);
	assert_int_equal(class_lowest(&cs), 0);
	assert_int_equal(class_set_add(&cs, "default", 7, 1, 1, TE_LAT_LOW, 0, &err), -1);
	assert_has(err.msg, "duplicate class name 'default'");
	assert_int_equal(class_set_add(&cs, "x", 1, 1, 0, TE_LAT_LOW, 0, &err), -1);
	assert_int_equal(class_set_add(&cs, "x", 1, 1, 65, TE_LAT_LOW, 0, &err), -1);
	assert_int_equal(class_set_add(&cs, "x", 1, 1, 1, TE_LAT_LOW, -1, &err), -1);
	assert_int_equal(class_set_add(&cs, "", 0, 1, 1, TE_LAT_LOW, 0, &err), -1);
	assert_int_equal(cs.n, 1);
	class_set_free(&cs);

	class_set_init(&cs);
	assert_int_equal(class_lowest(&cs), TOPO_NONE);
	assert_int_equal(class_max_k(&cs), 0);
}

static void class_fail(const char *text, const char *n1, const char *n2)
{
	class_set cs;
	neto_err err;
	size_t len;
	char *b = dup_exact(text, &len);
	class_set_init(&cs);
	err.msg[0] = '\0';
	if (class_parse_csv(&cs, b, len, "cls.csv", &err) != -1) {
		print_error("parse succeeded, expected \"%s\"\n", n1);
		fail();
	}
	free(b);
	assert_has(err.msg, "cls.csv");
	assert_has(err.msg, n1);
	if (n2)
		assert_has(err.msg, n2);
	assert_int_equal(cs.n, 0);
	class_set_free(&cs);
}

static void test_class_errors(void **state)
{
	(void)state;
	class_fail("", "no header", NULL);
	class_fail("# only a comment\n\n", "no header", NULL);
	class_fail("name,priority\n", "cls.csv:1:", "no classes");
	class_fail("gold,0\n", "cls.csv:1:", "unknown column 'gold'");
	class_fail("name,priority,colour\ngold,0,red\n", "cls.csv:1:", "unknown column 'colour'");
	class_fail("name,paths\ngold,2\n", "cls.csv:1:", "missing 'priority'");
	class_fail("priority\n0\n", "cls.csv:1:", "missing 'name'");
	class_fail("name,priority,name\n", "cls.csv:1:", "'name' appears twice");
	class_fail("name,priority\ngold,0\ngold,1\n", "cls.csv:3:", "duplicate class name 'gold'");
	class_fail("name,priority\ngold,high\n", "cls.csv:2:", "priority 'high'");
	class_fail("name,priority\ngold,-1\n", "cls.csv:2:", "priority '-1'");
	class_fail("name,priority\ngold,0,1\n", "cls.csv:2:", "expected 2 fields, found 3");
	class_fail("name,priority\ngold\n", "cls.csv:2:", "expected 2 fields, found 1");
	class_fail("name,priority,paths\ngold,0,0\n", "cls.csv:2:", "paths '0'");
	class_fail("name,priority,paths\ngold,0,65\n", "cls.csv:2:", "paths '65'");
	class_fail("name,priority,paths\ngold,0,two\n", "cls.csv:2:", "paths 'two'");
	class_fail("name,priority,latency\ngold,0,fast\n", "cls.csv:2:", "latency 'fast'");
	class_fail("name,priority,max_delay\ngold,0,-5\n", "cls.csv:2:", "max_delay '-5'");
	class_fail("name,priority,max_delay\ngold,0,1ms\n", "cls.csv:2:", "max_delay '1ms'");
	class_fail("name,priority\n,0\n", "cls.csv:2:", "empty class name");
	class_fail("name,priority\n\"gold\",0\n", "cls.csv:2:", "quoted");
	class_fail("name,priority\nok,0\n\n# x\nbad,\n", "cls.csv:5:", "priority ''");
}

/* ---- demand set --------------------------------------------------------- */

static void test_demand_set(void **state)
{
	(void)state;
	demand_set ds;
	demand_set_init(&ds);
	assert_int_equal(demand_find(&ds, 0, 1, 0), SIZE_MAX);
	assert_int_equal(demand_add(&ds, 0, 1, 0, 5), 0);
	assert_int_equal(demand_add(&ds, 1, 0, 0, 2), 1);
	assert_int_equal(demand_add(&ds, 0, 1, 1, 3), 2);
	assert_int_equal(demand_add(&ds, 0, 1, 0, 1.5), 0);
	assert_int_equal(ds.n, 3);
	assert_true(ds.v[0].rate == 6.5);
	assert_int_equal(demand_find(&ds, 0, 1, 1), 2);
	assert_int_equal(demand_find(&ds, 1, 0, 1), SIZE_MAX);
	demand_set_free(&ds);
	assert_int_equal(ds.n, 0);

	/* 600,000 distinct triples, then every one again: merges, not copies */
	const uint32_t N = 600000;
	for (uint32_t i = 0; i < N; i++)
		assert_int_equal(demand_add(&ds, i / 1000, i % 1000, i % 3, 1), i);
	assert_int_equal(ds.n, N);
	for (uint32_t i = 0; i < N; i++)
		demand_add(&ds, i / 1000, i % 1000, i % 3, 2);
	assert_int_equal(ds.n, N);
	uint64_t seed = 42;
	for (int k = 0; k < 1000; k++) {
		uint32_t i = (uint32_t)(tu_rand(&seed) % N);
		size_t at = demand_find(&ds, i / 1000, i % 1000, i % 3);
		assert_int_equal(at, i);
		assert_true(ds.v[at].rate == 3);
		assert_int_equal(demand_find(&ds, i / 1000, i % 1000, i % 3 + 3), SIZE_MAX);
	}
	demand_set_free(&ds);
}

/* ---- REPETITA demands ---------------------------------------------------- */

static void test_repetita_abilene(void **state)
{
	(void)state;
	size_t glen, dlen;
	char *g = tu_read("tests/data/repetita/Abilene.graph", &glen);
	char *d = tu_read("tests/data/repetita/Abilene.0000.demands", &dlen);
	topo t;
	class_set cs;
	demand_set ds;
	neto_err err;
	topo_init(&t);
	assert_int_equal(topo_parse(&t, TOPO_FMT_AUTO, g, glen, "Abilene.graph", NULL, &err), 0);
	three_classes(&cs);
	demand_set_init(&ds);
	assert_int_equal(demand_detect(d, dlen), DEMAND_FMT_REPETITA);
	assert_int_equal(demand_parse(&ds, DEMAND_FMT_AUTO, &t, &cs, d, dlen, "a.demands", &err),
			 0);
	assert_int_equal(ds.n, 110);
	uint32_t low = class_find(&cs, "bronze", 6);
	for (size_t i = 0; i < ds.n; i++)
		assert_int_equal(ds.v[i].cls, low);
	/* demand_0 0 1 300632 */
	assert_int_equal(ds.v[0].src, 0);
	assert_int_equal(ds.v[0].dst, 1);
	assert_true(ds.v[0].rate == 300632);
	demand_set_free(&ds);
	class_set_free(&cs);
	topo_free(&t);
	free(g);
	free(d);

	/* Geant2009: 1122 demands */
	g = tu_read("tests/data/repetita/Geant2009.graph", &glen);
	d = tu_read("tests/data/repetita/Geant2009.0000.demands", &dlen);
	assert_int_equal(topo_parse(&t, TOPO_FMT_AUTO, g, glen, "Geant2009.graph", NULL, &err),
			 0);
	class_set_default(&cs);
	assert_int_equal(demand_parse(&ds, DEMAND_FMT_REPETITA, &t, &cs, d, dlen, "g.demands",
				      &err),
			 0);
	assert_int_equal(ds.n, 1122);
	demand_set_free(&ds);
	class_set_free(&cs);
	topo_free(&t);
	free(g);
	free(d);
}

static void demand_fail(demand_format fmt, const char *text, const char *n1, const char *n2)
{
	topo t;
	class_set cs;
	demand_set ds;
	neto_err err;
	size_t len;
	small_topo(&t);
	three_classes(&cs);
	demand_set_init(&ds);
	char *b = dup_exact(text, &len);
	err.msg[0] = '\0';
	if (demand_parse(&ds, fmt, &t, &cs, b, len, "dem.txt", &err) != -1) {
		print_error("parse succeeded, expected \"%s\"\n", n1);
		fail();
	}
	free(b);
	assert_has(err.msg, "dem.txt");
	assert_has(err.msg, n1);
	if (n2)
		assert_has(err.msg, n2);
	assert_int_equal(ds.n, 0);
	demand_set_free(&ds);
	class_set_free(&cs);
	topo_free(&t);
}

#define DH "DEMANDS 2\nlabel src dest bw\n"

static void test_repetita_errors(void **state)
{
	(void)state;
	const demand_format R = DEMAND_FMT_REPETITA;
	demand_fail(R, "", "missing 'DEMANDS", NULL);
	demand_fail(R, "label src dest bw\nd 0 1 1\n", "dem.txt:1:", "expected 'DEMANDS <count>'");
	demand_fail(R, "DEMANDS two\n", "dem.txt:1:", "count 'two'");
	demand_fail(R, "DEMANDS 1\nd 0 1 1\n", "dem.txt:2:", "header line 'label src dest bw'");
	demand_fail(R, DH "d 0 1 1\n", "dem.txt:1:", "declares 2 demands but 1");
	demand_fail(R, DH "d 0 1 1\ne 1 0 1\nf 1 2 1\n", "dem.txt:5:",
		    "more demand lines than DEMANDS declares (2)");
	demand_fail(R, DH "d 0 1\n", "dem.txt:3:", "expected 4 fields");
	demand_fail(R, DH "d 0 1 1 1\n", "dem.txt:3:", "more than 4");
	demand_fail(R, DH "d 0 9 1\ne 1 0 1\n", "dem.txt:3:", "unknown node 9");
	demand_fail(R, DH "d 0 1 1\ne 1 x 1\n", "dem.txt:4:", "dest 'x'");
	demand_fail(R, DH "d 0 1 -1\ne 1 0 1\n", "dem.txt:3:", "negative rate");
	demand_fail(R, DH "d 0 1 lots\ne 1 0 1\n", "dem.txt:3:", "rate 'lots' is not a number");
	demand_fail(R, DH "d 0 1 nan\ne 1 0 1\n", "dem.txt:3:", "rate 'nan'");
	demand_fail(R, DH "d 2 2 -1\ne 1 0 1\n", "dem.txt:3:", "negative rate");

	/* a demand from a node to itself counts as a line but is not kept */
	topo t;
	class_set cs;
	demand_set ds;
	neto_err err;
	small_topo(&t);
	three_classes(&cs);
	demand_set_init(&ds);
	const char *self = DH "d 2 2 1\ne 1 0 1\n";
	assert_int_equal(demand_parse_repetita(&ds, &t, &cs, self, strlen(self), "x", &err), 0);
	assert_int_equal(ds.n, 1);
	assert_int_equal(ds.v[0].src, 1);
	demand_set_free(&ds);
	class_set_free(&cs);

	/* no class at all */
	const char *s = "DEMANDS 1\nlabel src dest bw\nd 0 1 1\n";
	assert_int_equal(demand_parse_repetita(&ds, &t, &cs, s, strlen(s), "x", &err), -1);
	assert_has(err.msg, "no traffic class");
	topo_free(&t);
}

/* ---- CSV demands --------------------------------------------------------- */

static void test_csv(void **state)
{
	(void)state;
	topo t;
	class_set cs;
	demand_set ds;
	neto_err err;
	small_topo(&t);
	three_classes(&cs);
	demand_set_init(&ds);
	size_t len;
	char *b = dup_exact("\xEF\xBB\xBF# demands\n"
			    "rate, class ,src,dst\r\n"
			    "10,gold,A,B\r\n"
			    "\n"
			    "2.5,gold,0,1\r\n"      /* indices: same triple, adds up */
			    "0,bronze,C,A\n"        /* zero rate is kept */
			    "1e3,silver,7,3\n"      /* "7" is a name, not index 7 */
			    "4,silver,4,D\n",       /* "4" is no name: index 4, the node "7" */
			    &len);
	assert_int_equal(demand_detect(b, len), DEMAND_FMT_CSV);
	assert_int_equal(demand_parse(&ds, DEMAND_FMT_AUTO, &t, &cs, b, len, "d.csv", &err), 0);
	free(b);
	assert_int_equal(ds.n, 3);
	size_t i = demand_find(&ds, 0, 1, class_find(&cs, "gold", 4));
	assert_true(ds.v[i].rate == 12.5);
	i = demand_find(&ds, 2, 0, class_find(&cs, "bronze", 6));
	assert_true(ds.v[i].rate == 0);
	i = demand_find(&ds, 4, 3, class_find(&cs, "silver", 6));
	assert_true(ds.v[i].rate == 1004);

	/* a second file adds to the same set */
	const char *more = "src,dst,class,rate\nA,B,gold,1\n";
	assert_int_equal(demand_parse_csv(&ds, &t, &cs, more, strlen(more), "m.csv", &err), 0);
	assert_int_equal(ds.n, 3);
	assert_true(ds.v[0].rate == 13.5);
	demand_set_free(&ds);

	/* without a class column: the lowest-priority class */
	const char *nc = "src,dst,rate\nA,D,3\nD,A,4\n";
	assert_int_equal(demand_parse_csv(&ds, &t, &cs, nc, strlen(nc), "nc.csv", &err), 0);
	assert_int_equal(ds.n, 2);
	assert_int_equal(ds.v[1].cls, class_lowest(&cs));
	demand_set_free(&ds);

	/* header only: no demands, not an error */
	const char *h = "src,dst,class,rate\n";
	assert_int_equal(demand_parse_csv(&ds, &t, &cs, h, strlen(h), "h.csv", &err), 0);
	assert_int_equal(ds.n, 0);
	class_set_free(&cs);
	topo_free(&t);
}

#define CH "src,dst,class,rate\n"

static void test_csv_errors(void **state)
{
	(void)state;
	const demand_format C = DEMAND_FMT_CSV;
	demand_fail(C, "", "no header", NULL);
	demand_fail(C, "A,B,gold,1\n", "dem.txt:1:", "unknown column 'A'");
	demand_fail(C, "src,dst,class\nA,B,gold\n", "dem.txt:1:", "missing 'rate'");
	demand_fail(C, "dst,class,rate\nB,gold,1\n", "dem.txt:1:", "missing 'src'");
	demand_fail(C, "src,dst,class,rate,tos\n", "dem.txt:1:", "unknown column 'tos'");
	demand_fail(C, "src,dst,src,rate\n", "dem.txt:1:", "'src' appears twice");
	demand_fail(C, CH "A,B,gold,1\nA,Z,gold,1\n", "dem.txt:3:", "unknown node 'Z' (dst)");
	demand_fail(C, CH "Q,B,gold,1\n", "dem.txt:2:", "unknown node 'Q' (src)");
	demand_fail(C, CH "0,5,gold,1\n", "dem.txt:2:", "unknown node '5'");
	demand_fail(C, CH "A,B,platinum,1\n", "dem.txt:2:", "unknown class 'platinum'");
	demand_fail(C, CH "A,B,gold,-2\n", "dem.txt:2:", "negative rate '-2'");
	demand_fail(C, CH "A,B,gold,fast\n", "dem.txt:2:", "rate 'fast' is not a number");
	demand_fail(C, CH "A,B,gold,\n", "dem.txt:2:", "rate '' is not a number");
	demand_fail(C, CH "A,B,gold,inf\n", "dem.txt:2:", "rate 'inf'");
	demand_fail(C, CH "A,B,gold\n", "dem.txt:2:", "expected 4 fields, found 3");
	demand_fail(C, CH "A,B,gold,1,2\n", "dem.txt:2:", "expected 4 fields, found 5");
	demand_fail(C, CH "A,A,gold,1\n", "dem.txt:2:", "same node 'A'");
	demand_fail(C, CH "A,0,gold,1\n", "dem.txt:2:", "same node 'A'");
	demand_fail(C, CH "\"A\",B,gold,1\n", "dem.txt:2:", "quoted");

	/* a failed parse leaves the set empty, even one that held demands */
	topo t;
	class_set cs;
	demand_set ds;
	neto_err err;
	small_topo(&t);
	three_classes(&cs);
	demand_set_init(&ds);
	demand_add(&ds, 0, 1, 0, 1);
	const char *bad = CH "A,B,gold,1\nA,B,gold,x\n";
	assert_int_equal(demand_parse_csv(&ds, &t, &cs, bad, strlen(bad), "b.csv", &err), -1);
	assert_int_equal(ds.n, 0);
	demand_set_free(&ds);
	class_set_free(&cs);
	topo_free(&t);
}

/* A large CSV (300,000 demands by index) loads in one pass. */
static void test_csv_large(void **state)
{
	(void)state;
	topo t;
	class_set cs;
	demand_set ds;
	neto_err err;
	size_t glen;
	char *g = tu_read("tests/data/repetita/Geant2009.graph", &glen);
	topo_init(&t);
	assert_int_equal(topo_parse_repetita(&t, g, glen, "g", &err), 0);
	free(g);
	three_classes(&cs);
	demand_set_init(&ds);
	size_t cap = 300000 * 24 + 64, n = 0;
	char *b = malloc(cap);
	n += (size_t)snprintf(b, cap, "src,dst,class,rate\n");
	const char *cls[] = { "gold", "silver", "bronze" };
	size_t expect = 0;
	for (uint32_t i = 0; i < 300000; i++) {
		uint32_t s = i % 34, d = (i / 34) % 34;
		if (s == d)
			continue;
		n += (size_t)snprintf(b + n, cap - n, "%u,%u,%s,%u\n", s, d, cls[(i / 1156) % 3],
				      i % 100);
		expect++;
	}
	assert_int_equal(demand_parse_csv(&ds, &t, &cs, b, n, "big.csv", &err), 0);
	/* 34 * 33 pairs, 3 classes */
	assert_int_equal(ds.n, 34 * 33 * 3);
	assert_true(expect > ds.n);
	free(b);
	demand_set_free(&ds);
	class_set_free(&cs);
	topo_free(&t);
}

static void test_detect(void **state)
{
	(void)state;
	assert_int_equal(demand_detect("DEMANDS 3\n", 10), DEMAND_FMT_REPETITA);
	assert_int_equal(demand_detect("# c\n\nDEMANDS 3\n", 16), DEMAND_FMT_REPETITA);
	assert_int_equal(demand_detect("\xEF\xBB\xBF" "DEMANDS 3", 12), DEMAND_FMT_REPETITA);
	assert_int_equal(demand_detect("src,dst,class,rate\n", 19), DEMAND_FMT_CSV);
	assert_int_equal(demand_detect("DEMAND", 6), DEMAND_FMT_CSV);
	assert_int_equal(demand_detect("", 0), DEMAND_FMT_CSV);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_class_csv),
		cmocka_unit_test(test_class_errors),
		cmocka_unit_test(test_demand_set),
		cmocka_unit_test(test_repetita_abilene),
		cmocka_unit_test(test_repetita_errors),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_csv_errors),
		cmocka_unit_test(test_csv_large),
		cmocka_unit_test(test_detect),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
