/*
 * test_topo_json_write.c - the neto JSON writer: every topology of tests/data
 * (REPETITA, GraphML, networkx JSON) and a neto JSON document that uses every
 * member parse back after writing to the same topology, field by field; the
 * output is deterministic; the link member "up"; names JSON cannot carry.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "topo/topo_io.h"
#include "testutil.h"

static void load(topo *t, const char *rel)
{
	size_t len;
	char *buf = tu_read(rel, &len);
	neto_err err;
	topo_parse_opts o = { .default_capacity = 1000 };
	topo_init(t);
	if (topo_parse(t, TOPO_FMT_AUTO, buf, len, rel, &o, &err) != 0) {
		print_error("%s\n", err.msg);
		fail();
	}
	free(buf);
}

static char *write_mem(const topo *t, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	assert_non_null(f);
	assert_int_equal(topo_json_write(f, t), 0);
	fclose(f);
	return buf;
}

static void parse_mem(topo *t, const char *buf, size_t len)
{
	neto_err err;
	topo_init(t);
	if (topo_parse(t, TOPO_FMT_AUTO, buf, len, "written.json", NULL, &err) != 0) {
		print_error("%s\n", err.msg);
		fail();
	}
}

/* Doubles compared bit for bit (so -0.0 differs from 0.0). */
static void assert_same_double(double a, double b)
{
	assert_memory_equal(&a, &b, sizeof a);
}

static void assert_same_topo(const topo *a, const topo *b)
{
	if (a->unit == NULL || b->unit == NULL)
		assert_ptr_equal(a->unit, b->unit);
	else
		assert_string_equal(a->unit, b->unit);
	assert_int_equal(a->n_nodes, b->n_nodes);
	assert_int_equal(a->n_links, b->n_links);
	for (uint32_t v = 0; v < a->n_nodes; v++) {
		const topo_node *x = &a->nodes[v], *y = &b->nodes[v];
		assert_string_equal(x->name, y->name);
		assert_int_equal(x->has_locator, y->has_locator);
		if (x->has_locator) {
			assert_memory_equal(x->locator, y->locator, 16);
			assert_int_equal(x->locator_len, y->locator_len);
		}
		assert_int_equal(x->has_coord, y->has_coord);
		if (x->has_coord) {
			assert_same_double(x->lat, y->lat);
			assert_same_double(x->lon, y->lon);
		}
	}
	for (uint32_t i = 0; i < a->n_links; i++) {
		const topo_link *x = &a->links[i], *y = &b->links[i];
		assert_string_equal(x->id, y->id);
		assert_int_equal(x->src, y->src);
		assert_int_equal(x->dst, y->dst);
		assert_same_double(x->capacity, y->capacity);
		assert_same_double(x->delay, y->delay);
		assert_int_equal(x->igp, y->igp);
		assert_int_equal(x->n_srlgs, y->n_srlgs);
		for (uint32_t k = 0; k < x->n_srlgs; k++)
			assert_int_equal(x->srlgs[k], y->srlgs[k]);
		assert_int_equal(x->has_adj_sid, y->has_adj_sid);
		if (x->has_adj_sid)
			assert_memory_equal(x->adj_sid, y->adj_sid, 16);
		assert_int_equal(x->up, y->up);
	}
	/* the reader rebuilt the adjacency of the same graph */
	for (uint32_t v = 0; v <= a->n_nodes; v++) {
		assert_int_equal(a->out_off[v], b->out_off[v]);
		assert_int_equal(a->in_off[v], b->in_off[v]);
	}
}

/* parse(write(t)) == t, and writing that again gives the same bytes. */
static void check_round_trip(const topo *a)
{
	size_t len, len2;
	char *s = write_mem(a, &len);
	topo b;
	parse_mem(&b, s, len);
	assert_same_topo(a, &b);
	char *s2 = write_mem(&b, &len2);
	assert_int_equal(len, len2);
	assert_memory_equal(s, s2, len);
	free(s);
	free(s2);
	topo_free(&b);
}

static void test_data_files(void **state)
{
	(void)state;
	const char *files[] = {
		"tests/data/repetita/Abilene.graph",   "tests/data/repetita/Geant2009.graph",
		"tests/data/zoo/DialtelecomCz.graphml", "tests/data/zoo/Kdl.graphml",
		"tests/data/zoo/b4-teavar.json",        "examples/b4/topology.json",
	};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		topo t;
		load(&t, files[i]);
		check_round_trip(&t);
		topo_free(&t);
	}
}

/* Every member of the format, awkward numbers and strings. */
static const char *const FULL =
	"{\"unit\": \"Mbps \\\"x\\\"\", \"name\": \"n\", \"description\": \"d\",\n"
	" \"nodes\": [\n"
	"  {\"name\": \"PAR\", \"locator\": \"fc00:0:1::/48\", \"lat\": 48.8566, \"lon\": 2.3522},\n"
	"  {\"name\": \"LON\\u00e9\\t\\\\\", \"locator\": \"2001:db8::/32\", \"lat\": -0.0,"
	"   \"lon\": -0.1278},\n"
	"  {\"name\": \"AMS\"}\n"
	" ],\n"
	" \"links\": [\n"
	"  {\"id\": \"PAR-LON\", \"src\": \"PAR\", \"dst\": \"LON\\u00e9\\t\\\\\","
	"   \"capacity\": 0.1, \"srlgs\": [17, 4294967295, 0], \"adj_sid\": \"fc00:0:1:e001::\","
	"   \"up\": false},\n"
	"  {\"src\": \"LON\\u00e9\\t\\\\\", \"dst\": \"PAR\", \"capacity\": 1e300, \"igp\": 16777215,"
	"   \"up\": true},\n"
	"  {\"src\": \"AMS\", \"dst\": \"PAR\", \"capacity\": 3.0000000000000004, \"delay\": 1e-300},\n"
	"  {\"src\": \"AMS\", \"dst\": \"PAR\", \"capacity\": 123456789012345678, \"delay\": 0}\n"
	" ]}\n";

static void test_every_member(void **state)
{
	(void)state;
	topo t;
	parse_mem(&t, FULL, strlen(FULL));
	assert_false(t.links[0].up);
	assert_true(t.links[1].up);
	assert_true(t.links[2].up);
	assert_true(signbit(t.nodes[1].lat));
	assert_string_equal(t.links[3].id, "AMS-PAR_2");
	check_round_trip(&t);
	size_t len;
	char *s = write_mem(&t, &len);
	assert_non_null(strstr(s, "\"up\":false"));
	assert_non_null(strstr(s, "\"lat\":-0.0"));
	assert_non_null(strstr(s, "\"capacity\":0.10000000000000001"));
	free(s);
	topo_free(&t);
}

static void test_up_member(void **state)
{
	(void)state;
	const char *bad[] = {
		"{\"nodes\":[{\"name\":\"a\"},{\"name\":\"b\"}],\"links\":[{\"src\":\"a\","
		"\"dst\":\"b\",\"capacity\":1,\"delay\":1,\"up\":1}]}",
		"{\"nodes\":[{\"name\":\"a\"},{\"name\":\"b\"}],\"links\":[{\"src\":\"a\","
		"\"dst\":\"b\",\"capacity\":1,\"delay\":1,\"up\":\"false\"}]}",
		"{\"nodes\":[{\"name\":\"a\"},{\"name\":\"b\"}],\"links\":[{\"src\":\"a\","
		"\"dst\":\"b\",\"capacity\":1,\"delay\":1,\"up\":null}]}",
	};
	for (size_t i = 0; i < 3; i++) {
		topo t;
		neto_err err;
		topo_init(&t);
		assert_int_equal(topo_parse(&t, TOPO_FMT_AUTO, bad[i], strlen(bad[i]), "u.json", NULL,
					    &err),
				 -1);
		assert_non_null(strstr(err.msg, "u.json: links[0].up: must be true or false"));
		topo_free(&t);
	}
}

static void test_unwritable(void **state)
{
	(void)state;
	topo t;
	neto_err err;
	topo_init(&t);
	const char *g = "NODES 2\nlabel x y\na\xff 0 0\nb 0 0\n"
			"EDGES 1\nlabel src dest weight bw delay\ne 0 1 1 10 1\n";
	assert_int_equal(topo_parse(&t, TOPO_FMT_AUTO, g, strlen(g), "g", NULL, &err), 0);
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);
	errno = 0;
	assert_int_equal(topo_json_write(f, &t), -1);
	assert_int_equal(errno, EILSEQ);
	fclose(f);
	assert_int_equal(len, 0);
	free(buf);
	topo_free(&t);

	const char *h = "NODES 2\nlabel x y\na 0 0\nb 0 0\n"
			"EDGES 1\nlabel src dest weight bw delay\ne 0 1 16777216 10 1\n";
	topo_init(&t);
	assert_int_equal(topo_parse(&t, TOPO_FMT_AUTO, h, strlen(h), "h", NULL, &err), 0);
	buf = NULL;
	f = open_memstream(&buf, &len);
	errno = 0;
	assert_int_equal(topo_json_write(f, &t), -1);
	assert_int_equal(errno, ERANGE);
	fclose(f);
	free(buf);
	topo_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_data_files),
		cmocka_unit_test(test_every_member),
		cmocka_unit_test(test_up_member),
		cmocka_unit_test(test_unwritable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
