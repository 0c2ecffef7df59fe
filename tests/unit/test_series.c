/* test_series.c - the demand series CSV (demand_series_parse), on the
 * bundled example WAN and on hand-made inputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "demand/demand.h"
#include "testutil.h"
#include "topo/topo_io.h"

static void load_b4(topo *t, class_set *cs)
{
	size_t len;
	neto_err err;
	char *buf = tu_read("examples/b4/topology.json", &len);
	topo_init(t);
	assert_int_equal(topo_parse(t, TOPO_FMT_AUTO, buf, len, "topology.json", NULL, &err), 0);
	free(buf);
	buf = tu_read("examples/b4/classes.csv", &len);
	class_set_init(cs);
	assert_int_equal(class_parse_csv(cs, buf, len, "classes.csv", &err), 0);
	free(buf);
}

/* The day of the example: 24 hours, each the same pairs as the busy-hour
 * file, and hour 10 (line 83 of the source matrices) equal to it. */
static void test_example_day(void **state)
{
	(void)state;
	topo t;
	class_set cs;
	load_b4(&t, &cs);
	size_t len, dlen;
	neto_err err;
	char *buf = tu_read("examples/b4/series.csv", &len);
	demand_series s;
	assert_int_equal(demand_series_parse(&s, &t, &cs, buf, len, "series.csv", &err), 0);
	free(buf);
	assert_int_equal(s.n, 24);
	buf = tu_read("examples/b4/demands.csv", &dlen);
	demand_set busy;
	demand_set_init(&busy);
	assert_int_equal(demand_parse_csv(&busy, &t, &cs, buf, dlen, "demands.csv", &err), 0);
	free(buf);
	const demand_set *h = &s.v[83 - 73];
	assert_int_equal(h->n, busy.n);
	for (size_t i = 0; i < busy.n; i++) {
		const demand *d = &busy.v[i];
		size_t j = demand_find(h, d->src, d->dst, d->cls);
		assert_true(j != SIZE_MAX);
		assert_float_equal(h->v[j].rate, d->rate, 1e-9);
	}
	/* hours differ from each other */
	double a = 0, b = 0;
	for (size_t i = 0; i < s.v[0].n; i++)
		a += s.v[0].v[i].rate;
	for (size_t i = 0; i < s.v[10].n; i++)
		b += s.v[10].v[i].rate;
	assert_true(a > 0 && b > 0 && a != b);
	demand_set_free(&busy);
	demand_series_free(&s);
	class_set_free(&cs);
	topo_free(&t);
}

static void test_errors_name_the_line(void **state)
{
	(void)state;
	topo t;
	class_set cs;
	load_b4(&t, &cs);
	neto_err err;
	demand_series s;
	static const char bad_node[] = "hour,src,dst,class,rate\n"
				       "0,dublin,hamina,gold,1\n"
				       "1,dublin,atlantis,gold,1\n";
	assert_int_equal(demand_series_parse(&s, &t, &cs, bad_node, strlen(bad_node), "s.csv", &err),
			 -1);
	assert_non_null(strstr(err.msg, "s.csv:3:"));
	assert_int_equal(s.n, 0);
	static const char bad_hour[] = "hour,src,dst,rate\n0,dublin,hamina,1\nx,dublin,hamina,1\n";
	assert_int_equal(demand_series_parse(&s, &t, &cs, bad_hour, strlen(bad_hour), "s.csv", &err),
			 -1);
	assert_non_null(strstr(err.msg, "s.csv:3:"));
	static const char gap[] = "hour,src,dst,class,rate\n2,dublin,hamina,gold,1\n";
	assert_int_equal(demand_series_parse(&s, &t, &cs, gap, strlen(gap), "s.csv", &err), 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.v[0].n, 0);
	assert_int_equal(s.v[2].n, 1);
	demand_series_free(&s);
	class_set_free(&cs);
	topo_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_day),
		cmocka_unit_test(test_errors_name_the_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
