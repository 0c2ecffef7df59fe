/*
 * test_topo_parse.c - topology parsers: REPETITA, GraphML (Topology Zoo), neto
 * JSON and networkx node-link JSON, format detection, and every kind of bad
 * input with the file name and line the error message must carry.
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
#include <jansson.h>

#include "topo/topo_io.h"
#include "testutil.h"

static void assert_has(const char *msg, const char *needle)
{
	if (strstr(msg, needle) == NULL) {
		print_error("error message \"%s\" lacks \"%s\"\n", msg, needle);
		fail();
	}
}

/* Parses a literal; returns the parser's result. */
static int parse_str(topo *t, topo_format fmt, const char *text, const char *fname,
		     double def_cap, neto_err *err)
{
	topo_parse_opts o = { .default_capacity = def_cap };
	err->msg[0] = '\0';
	/* an exact-size copy, not NUL-terminated, so that ASan sees overreads */
	size_t len = strlen(text);
	char *buf = malloc(len ? len : 1);
	memcpy(buf, text, len);
	int rc = topo_parse(t, fmt, buf, len, fname, &o, err);
	free(buf);
	return rc;
}

/* Expects failure with a message holding every needle; checks *t is empty. */
static void expect_fail(topo_format fmt, const char *text, double def_cap, const char *n1,
			const char *n2)
{
	topo t;
	neto_err err;
	topo_init(&t);
	int rc = parse_str(&t, fmt, text, "in.txt", def_cap, &err);
	if (rc != -1) {
		print_error("parse succeeded, expected an error with \"%s\"\n", n1);
		fail();
	}
	assert_has(err.msg, "in.txt");
	assert_has(err.msg, n1);
	if (n2)
		assert_has(err.msg, n2);
	assert_int_equal(t.n_nodes, 0);
	assert_int_equal(t.n_links, 0);
	assert_null(t.nodes);
	topo_free(&t);
}

static void load(topo *t, topo_format fmt, const char *rel, double def_cap)
{
	size_t len;
	char *buf = tu_read(rel, &len);
	neto_err err;
	topo_parse_opts o = { .default_capacity = def_cap };
	topo_init(t);
	int rc = topo_parse(t, fmt, buf, len, rel, &o, &err);
	if (rc != 0) {
		print_error("%s\n", err.msg);
		fail();
	}
	free(buf);
}

static uint32_t link_of(const topo *t, const char *id)
{
	uint32_t l = topo_find_link(t, id, strlen(id));
	if (l == TOPO_NONE) {
		print_error("no link '%s'\n", id);
		fail();
	}
	return l;
}

static uint32_t node_of(const topo *t, const char *name)
{
	uint32_t v = topo_find_node(t, name, strlen(name));
	if (v == TOPO_NONE) {
		print_error("no node '%s'\n", name);
		fail();
	}
	return v;
}

/* ---- REPETITA ---------------------------------------------------------- */

static void test_repetita_abilene(void **state)
{
	(void)state;
	topo t;
	load(&t, TOPO_FMT_REPETITA, "tests/data/repetita/Abilene.graph", 0);
	assert_int_equal(t.n_nodes, 11);
	assert_int_equal(t.n_links, 28);
	assert_string_equal(t.unit, "kbps");
	assert_string_equal(t.nodes[0].name, "0_New_York");
	assert_true(t.nodes[0].has_coord);
	assert_true(fabs(t.nodes[0].lon - -74.00597) < 1e-9);
	assert_true(fabs(t.nodes[0].lat - 40.71427) < 1e-9);
	const topo_link *l = &t.links[link_of(&t, "edge_0")];
	assert_int_equal(l->src, 0);
	assert_int_equal(l->dst, 1);
	assert_int_equal(l->igp, 10);
	assert_true(l->capacity == 9953280);
	assert_true(l->delay == 1913);
	l = &t.links[link_of(&t, "edge_27")];
	assert_int_equal(l->src, 10);
	assert_int_equal(l->dst, 9);
	/* adjacency is built */
	assert_int_equal(t.out_off[t.n_nodes], 28);
	assert_int_equal(t.in_off[t.n_nodes], 28);
	topo_free(&t);
	topo_free(&t); /* safe twice */
}

static void test_repetita_geant(void **state)
{
	(void)state;
	topo t;
	load(&t, TOPO_FMT_AUTO, "tests/data/repetita/Geant2009.graph", 0);
	assert_int_equal(t.n_nodes, 34);
	assert_int_equal(t.n_links, 104);
	topo_free(&t);
}

#define RG_NODES "NODES 3\nlabel x y\nA 0 0\nB 1 1\nC 2 2\n"
#define RG_EDGES_HDR "label src dest weight bw delay\n"

static void test_repetita_ok_variants(void **state)
{
	(void)state;
	topo t;
	neto_err err;
	topo_init(&t);
	/* delay 0, parallel links, CRLF, comments and blank lines, no final newline */
	const char *g = "# a comment\r\nNODES 3\r\nlabel x y\r\nA 0 0\r\nB 1 1\r\nC 300 2\r\n\r\n"
			"EDGES 3\r\n" RG_EDGES_HDR "e0 0 1 1 100 0\r\ne1 0 1 5 200 10\r\n"
			"e2 1 2 1 100.5 7";
	assert_int_equal(parse_str(&t, TOPO_FMT_REPETITA, g, "g", 0, &err), 0);
	assert_int_equal(t.n_links, 3);
	assert_true(t.links[0].delay == 0);
	assert_int_equal(t.links[1].src, 0);
	assert_int_equal(t.links[1].dst, 1);
	assert_true(t.links[2].capacity == 100.5);
	assert_true(t.nodes[1].has_coord);
	assert_false(t.nodes[2].has_coord); /* x = 300 is not a longitude */
	topo_free(&t);
}

static void test_repetita_errors(void **state)
{
	(void)state;
	const topo_format R = TOPO_FMT_REPETITA;
	/* missing sections */
	expect_fail(R, "", 0, "missing 'NODES", NULL);
	expect_fail(R, "EDGES 1\n" RG_EDGES_HDR "e 0 1 1 1 1\n", 0, "in.txt:1:", "NODES");
	expect_fail(R, RG_NODES, 0, "missing 'EDGES", NULL);
	expect_fail(R, "NODES 1\nA 0 0\n", 0, "in.txt:2:", "header line 'label x y'");
	expect_fail(R, RG_NODES "EDGES 1\ne 0 1 1 1 1\n", 0, "in.txt:7:",
		    "header line 'label src dest");
	/* count mismatches */
	expect_fail(R, "NODES 4\nlabel x y\nA 0 0\nB 1 1\nC 2 2\nEDGES 1\n" RG_EDGES_HDR
		       "e 0 1 1 1 1\n",
		    0, "in.txt:1:", "declares 4 nodes but 3");
	expect_fail(R, "NODES 2\nlabel x y\nA 0 0\nB 1 1\nC 2 2\nEDGES 1\n", 0, "in.txt:5:",
		    "expected 'EDGES <count>'");
	expect_fail(R, RG_NODES "EDGES 2\n" RG_EDGES_HDR "e 0 1 1 1 1\n", 0, "in.txt:6:",
		    "declares 2 links but 1");
	expect_fail(R, RG_NODES "EDGES 1\n" RG_EDGES_HDR "e 0 1 1 1 1\nf 1 0 1 1 1\n", 0,
		    "in.txt:9:", "more link lines than EDGES declares");
	expect_fail(R, "NODES x\n", 0, "in.txt:1:", "count 'x' is not an integer");
	/* malformed lines */
	expect_fail(R, "NODES 1\nlabel x y\nA 0\n", 0, "in.txt:3:", "expected 3 fields");
	expect_fail(R, "NODES 1\nlabel x y\nA 0 0 0\n", 0, "in.txt:3:", "more than 3");
	expect_fail(R, "NODES 1\nlabel x y\nA north 0\n", 0, "in.txt:3:", "'north' is not a number");
	expect_fail(R, RG_NODES "EDGES 1\n" RG_EDGES_HDR "e 0 1 1 1\n", 0, "in.txt:8:",
		    "expected 6 fields");
	expect_fail(R, RG_NODES "EDGES 1\n" RG_EDGES_HDR "e 0 1 ten 1 1\n", 0, "in.txt:8:",
		    "weight 'ten'");
	expect_fail(R, RG_NODES "EDGES 1\n" RG_EDGES_HDR "e 0 1 1 1 1x\n", 0, "in.txt:8:",
		    "delay '1x'");
	expect_fail(R, RG_NODES "EDGES 1\n" RG_EDGES_HDR "e 0 -1 1 1 1\n", 0, "in.txt:8:",
		    "dest '-1' is not a node index");
	/* semantic errors */
	expect_fail(R, RG_NODES "EDGES 1\n" RG_EDGES_HDR "e 0 3 1 1 1\n", 0, "in.txt:8:",
		    "unknown node 3");
	expect_fail(R, RG_NODES "EDGES 1\n" RG_EDGES_HDR "e 0 1 0 1 1\n", 0, "in.txt:8:",
		    "weight '0' is not an integer >= 1");
	expect_fail(R, RG_NODES "EDGES 1\n" RG_EDGES_HDR "e 0 1 1 -5 1\n", 0, "in.txt:8:",
		    "bw '-5'");
	expect_fail(R, RG_NODES "EDGES 1\n" RG_EDGES_HDR "e 0 1 1 0 1\n", 0, "in.txt:8:", "bw '0'");
	expect_fail(R, RG_NODES "EDGES 1\n" RG_EDGES_HDR "e 0 1 1 5 -1\n", 0, "in.txt:8:",
		    "delay '-1'");
	expect_fail(R, RG_NODES "EDGES 1\n" RG_EDGES_HDR "e 1 1 1 5 1\n", 0, "in.txt:8:",
		    "same node");
	expect_fail(R, RG_NODES "EDGES 2\n" RG_EDGES_HDR "e 0 1 1 5 1\ne 1 0 1 5 1\n", 0,
		    "in.txt:9:", "duplicate link id 'e'");
	expect_fail(R, "NODES 2\nlabel x y\nA 0 0\nA 1 1\n", 0, "in.txt:4:",
		    "duplicate node name 'A'");
	expect_fail(R, "NODES 0\nlabel x y\nEDGES 0\n" RG_EDGES_HDR, 0, "in.txt", "no nodes");
}

/* ---- neto JSON --------------------------------------------------------- */

static const char *neto_json =
	"{\n"
	"  \"unit\": \"Mbps\",\n"
	"  \"nodes\": [\n"
	"    {\"name\": \"A\", \"locator\": \"fc00:0:1::/48\", \"lat\": 48.85, \"lon\": 2.35},\n"
	"    {\"name\": \"B\", \"locator\": \"fc00:0:2::/48\", \"lat\": 51.51, \"lon\": -0.13},\n"
	"    {\"name\": \"C\"}\n"
	"  ],\n"
	"  \"links\": [\n"
	"    {\"id\": \"A-B\", \"src\": \"A\", \"dst\": \"B\", \"capacity\": 1000,\n"
	"     \"srlgs\": [1, 2], \"adj_sid\": \"fc00:0:1:e000::\"},\n"
	"    {\"id\": \"B-A\", \"src\": \"B\", \"dst\": \"A\", \"capacity\": 1000, \"igp\": 7},\n"
	"    {\"src\": \"B\", \"dst\": \"C\", \"capacity\": 400, \"delay\": 1500},\n"
	"    {\"src\": \"B\", \"dst\": \"C\", \"capacity\": 400, \"delay\": 1500},\n"
	"    {\"id\": \"B-C_2\", \"src\": \"C\", \"dst\": \"B\", \"capacity\": 400, \"delay\": 0}\n"
	"  ]\n"
	"}\n";

static void test_json_neto(void **state)
{
	(void)state;
	topo t;
	neto_err err;
	topo_init(&t);
	assert_int_equal(parse_str(&t, TOPO_FMT_AUTO, neto_json, "n.json", 0, &err), 0);
	assert_string_equal(t.unit, "Mbps");
	assert_int_equal(t.n_nodes, 3);
	assert_int_equal(t.n_links, 5);
	const topo_node *a = &t.nodes[node_of(&t, "A")];
	static const uint8_t loc[16] = { 0xfc, 0, 0, 0, 0, 1 };
	assert_true(a->has_locator);
	assert_int_equal(a->locator_len, 48);
	assert_memory_equal(a->locator, loc, 16);
	assert_true(a->has_coord);
	assert_false(t.nodes[node_of(&t, "C")].has_coord);

	const topo_link *ab = &t.links[link_of(&t, "A-B")];
	double d = topo_geo_delay_us(48.85, 2.35, 51.51, -0.13);
	assert_true(fabs(ab->delay - d) < 1e-6);
	assert_true(d > 1500 && d < 1800); /* Paris-London, about 340 km */
	assert_int_equal(ab->igp, topo_default_igp(d));
	assert_int_equal(ab->n_srlgs, 2);
	assert_int_equal(ab->srlgs[0], 1);
	assert_int_equal(ab->srlgs[1], 2);
	static const uint8_t sid[16] = { 0xfc, 0, 0, 0, 0, 1, 0xe0, 0 };
	assert_true(ab->has_adj_sid);
	assert_memory_equal(ab->adj_sid, sid, 16);
	assert_int_equal(t.links[link_of(&t, "B-A")].igp, 7);
	assert_false(t.links[link_of(&t, "B-A")].has_adj_sid);
	/* generated ids step around the explicit "B-C_2" */
	const topo_link *bc = &t.links[link_of(&t, "B-C")];
	assert_true(bc->delay == 1500);
	assert_int_equal(bc->igp, 15);
	assert_int_equal(link_of(&t, "B-C_3"), 3);
	assert_int_equal(link_of(&t, "B-C_2"), 4);
	assert_int_equal(t.links[4].igp, 1); /* delay 0 -> metric 1 */
	topo_free(&t);
}

#define JN "\"nodes\":[{\"name\":\"A\"},{\"name\":\"B\"}]"
#define JL(x) "{" JN ",\"links\":[{\"src\":\"A\",\"dst\":\"B\",\"capacity\":1,\"delay\":1}," x "]}"

static void test_json_errors(void **state)
{
	(void)state;
	const topo_format J = TOPO_FMT_JSON;
	/* syntax: jansson's line */
	expect_fail(J, "{\n\"nodes\": [\n{\"name\": \"A\",}\n]}", 0, "in.txt:3:", "invalid JSON");
	expect_fail(J, "{\"nodes\": [], \"nodes\": []}", 0, "in.txt:1:", "duplicate");
	expect_fail(J, "[1,2]", 0, "in.txt", "top level must be an object");
	expect_fail(J, "{\"nodes\":[{\"name\":\"A\"}]}", 0, "in.txt", "links: missing");
	expect_fail(J, "{\"links\":[]}", 0, "in.txt", "nodes: missing");
	expect_fail(J, "{" JN ",\"links\":[],\"colour\":1}", 0, "in.txt",
		    "unknown member \"colour\"");
	expect_fail(J, "{" JN ",\"links\":[]}", 0, "in.txt", "no links");
	/* nodes */
	expect_fail(J, "{\"nodes\":[{\"name\":\"A\"},{\"name\":\"A\"}],\"links\":[]}", 0,
		    "nodes[1]", "duplicate node name 'A'");
	expect_fail(J, "{\"nodes\":[{\"nom\":\"A\"}],\"links\":[]}", 0, "nodes[0]",
		    "unknown member \"nom\"");
	expect_fail(J, "{\"nodes\":[{\"name\":\"\"}],\"links\":[]}", 0, "nodes[0].name", NULL);
	expect_fail(J, "{\"nodes\":[{\"name\":\"A\",\"lat\":1}],\"links\":[]}", 0, "nodes[0]",
		    "lat and lon");
	expect_fail(J, "{\"nodes\":[{\"name\":\"A\",\"lat\":91,\"lon\":0}],\"links\":[]}", 0,
		    "nodes[0].lat", NULL);
	expect_fail(J, "{\"nodes\":[{\"name\":\"A\",\"locator\":\"fc00::\"}],\"links\":[]}", 0,
		    "nodes[0].locator", NULL);
	expect_fail(J, "{\"nodes\":[{\"name\":\"A\",\"locator\":\"fc00::/129\"}],\"links\":[]}",
		    0, "nodes[0].locator", NULL);
	expect_fail(J, "{\"nodes\":[{\"name\":\"A\",\"locator\":\"fc00::1/64\"}],\"links\":[]}",
		    0, "nodes[0].locator", NULL);
	expect_fail(J, "{\"nodes\":[{\"name\":\"A\",\"locator\":\"fc00::/0\"}],\"links\":[]}", 0,
		    "nodes[0].locator", NULL);
	/* links */
	expect_fail(J, JL("{\"src\":\"A\",\"dst\":\"B\",\"capacity\":-1,\"delay\":1}"), 0,
		    "links[1].capacity: must be positive", NULL);
	expect_fail(J, JL("{\"src\":\"A\",\"dst\":\"B\",\"delay\":1}"), 0,
		    "links[1].capacity: missing", NULL);
	expect_fail(J, JL("{\"src\":\"A\",\"dst\":\"Z\",\"capacity\":1,\"delay\":1}"), 0,
		    "links[1].dst: unknown node \"Z\"", NULL);
	expect_fail(J, JL("{\"src\":\"A\",\"dst\":\"A\",\"capacity\":1,\"delay\":1}"), 0,
		    "links[1]", "same node");
	expect_fail(J, JL("{\"src\":\"A\",\"dst\":\"B\",\"capacity\":1}"), 0, "links[1].delay",
		    "no lat/lon");
	expect_fail(J, JL("{\"src\":\"A\",\"dst\":\"B\",\"capacity\":1,\"delay\":-3}"), 0,
		    "links[1].delay", NULL);
	expect_fail(J, JL("{\"src\":\"A\",\"dst\":\"B\",\"capacity\":1,\"delay\":1,\"igp\":0}"), 0,
		    "links[1].igp", NULL);
	expect_fail(J, JL("{\"src\":\"A\",\"dst\":\"B\",\"capacity\":1,\"delay\":1,\"igp\":2.5}"),
		    0, "links[1].igp", NULL);
	expect_fail(J, JL("{\"id\":\"A-B\",\"src\":\"A\",\"dst\":\"B\",\"capacity\":1,\"delay\":1},"
			  "{\"id\":\"A-B\",\"src\":\"A\",\"dst\":\"B\",\"capacity\":1,\"delay\":1}"),
		    0, "links[2]", "duplicate link id 'A-B'");
	expect_fail(J,
		    JL("{\"src\":\"A\",\"dst\":\"B\",\"capacity\":1,\"delay\":1,\"srlgs\":[1,1]}"),
		    0, "links[1].srlgs[1]", "twice");
	expect_fail(J,
		    JL("{\"src\":\"A\",\"dst\":\"B\",\"capacity\":1,\"delay\":1,\"srlgs\":[-1]}"),
		    0, "links[1].srlgs[0]", NULL);
	expect_fail(J,
		    JL("{\"src\":\"A\",\"dst\":\"B\",\"capacity\":1,\"delay\":1,\"adj_sid\":\"x\"}"),
		    0, "links[1].adj_sid", NULL);
	expect_fail(J, JL("{\"src\":\"A\",\"dst\":\"B\",\"capacity\":1,\"delay\":1,\"cap\":1}"), 0,
		    "links[1]", "unknown member \"cap\"");
	expect_fail(J, JL("7"), 0, "links[1]: must be an object", NULL);
	expect_fail(J, "{\"unit\":3," JN ",\"links\":[]}", 0, "unit:", NULL);
}

/* Writes a topology as neto JSON (the test's own encoder). */
static char *to_neto_json(const topo *t)
{
	json_t *root = json_object();
	json_object_set_new(root, "unit", json_string(t->unit));
	json_t *nodes = json_array();
	for (uint32_t v = 0; v < t->n_nodes; v++) {
		json_t *n = json_object();
		json_object_set_new(n, "name", json_string(t->nodes[v].name));
		if (t->nodes[v].has_coord) {
			json_object_set_new(n, "lat", json_real(t->nodes[v].lat));
			json_object_set_new(n, "lon", json_real(t->nodes[v].lon));
		}
		json_array_append_new(nodes, n);
	}
	json_t *links = json_array();
	for (uint32_t i = 0; i < t->n_links; i++) {
		const topo_link *l = &t->links[i];
		json_t *o = json_object();
		json_object_set_new(o, "id", json_string(l->id));
		json_object_set_new(o, "src", json_string(t->nodes[l->src].name));
		json_object_set_new(o, "dst", json_string(t->nodes[l->dst].name));
		json_object_set_new(o, "capacity", json_real(l->capacity));
		json_object_set_new(o, "delay", json_real(l->delay));
		json_object_set_new(o, "igp", json_integer(l->igp));
		json_array_append_new(links, o);
	}
	json_object_set_new(root, "nodes", nodes);
	json_object_set_new(root, "links", links);
	char *s = json_dumps(root, JSON_INDENT(1) | JSON_REAL_PRECISION(17));
	json_decref(root);
	return s;
}

static void assert_same_topo(const topo *a, const topo *b)
{
	assert_int_equal(a->n_nodes, b->n_nodes);
	assert_int_equal(a->n_links, b->n_links);
	for (uint32_t v = 0; v < a->n_nodes; v++) {
		assert_string_equal(a->nodes[v].name, b->nodes[v].name);
		assert_int_equal(a->nodes[v].has_coord, b->nodes[v].has_coord);
		assert_true(a->nodes[v].lat == b->nodes[v].lat);
		assert_true(a->nodes[v].lon == b->nodes[v].lon);
	}
	for (uint32_t i = 0; i < a->n_links; i++) {
		assert_string_equal(a->links[i].id, b->links[i].id);
		assert_int_equal(a->links[i].src, b->links[i].src);
		assert_int_equal(a->links[i].dst, b->links[i].dst);
		assert_true(a->links[i].capacity == b->links[i].capacity);
		assert_true(a->links[i].delay == b->links[i].delay);
		assert_int_equal(a->links[i].igp, b->links[i].igp);
	}
}

/* REPETITA and GraphML, written as neto JSON and read back, are unchanged. */
static void test_json_round_trip(void **state)
{
	(void)state;
	const char *files[] = { "tests/data/repetita/Geant2009.graph",
				"tests/data/zoo/DialtelecomCz.graphml" };
	for (size_t f = 0; f < 2; f++) {
		topo a, b;
		neto_err err;
		load(&a, TOPO_FMT_AUTO, files[f], 1000);
		if (a.unit == NULL)
			a.unit = strdup("Gbps");
		char *s = to_neto_json(&a);
		topo_init(&b);
		assert_int_equal(parse_str(&b, TOPO_FMT_AUTO, s, "rt.json", 0, &err), 0);
		assert_same_topo(&a, &b);
		assert_string_equal(a.unit, b.unit);
		free(s);
		topo_free(&a);
		topo_free(&b);
	}
}

/* ---- networkx node-link JSON ------------------------------------------- */

static void test_networkx_b4(void **state)
{
	(void)state;
	topo t;
	load(&t, TOPO_FMT_AUTO, "tests/data/zoo/b4-teavar.json", 0);
	assert_int_equal(t.n_nodes, 12);
	assert_int_equal(t.n_links, 38);
	assert_null(t.unit);
	assert_string_equal(t.nodes[3].name, "4"); /* ids in file order */
	const topo_link *l = &t.links[link_of(&t, "0-1")];
	assert_true(l->capacity == 5000);
	assert_true(l->delay == 1000);
	assert_int_equal(l->igp, 10);
	assert_int_equal(l->src, node_of(&t, "0"));
	assert_int_equal(l->dst, node_of(&t, "1"));
	topo_free(&t);
}

static void test_networkx_variants(void **state)
{
	(void)state;
	topo t;
	neto_err err;
	topo_init(&t);
	/* undirected: two links per edge; parallels get suffixes; "edges" key;
	 * string ids; latency and igp */
	const char *nx = "{\"directed\": false, \"multigraph\": true, \"graph\": {},"
			 " \"nodes\": [{\"id\": \"x\", \"pos\": 3}, {\"id\": \"y\"}],"
			 " \"edges\": [{\"source\": \"x\", \"target\": \"y\", \"capacity\": 10,"
			 " \"key\": 0, \"latency\": 250},"
			 " {\"source\": \"x\", \"target\": \"y\", \"capacity\": 20, \"key\": 1,"
			 " \"igp\": 3}]}";
	assert_int_equal(parse_str(&t, TOPO_FMT_AUTO, nx, "nx.json", 0, &err), 0);
	assert_int_equal(t.n_links, 4);
	assert_true(t.links[link_of(&t, "x-y")].delay == 250);
	assert_int_equal(t.links[link_of(&t, "y-x")].igp, 3);
	assert_true(t.links[link_of(&t, "y-x")].delay == 250);
	assert_true(t.links[link_of(&t, "x-y_2")].capacity == 20);
	assert_int_equal(t.links[link_of(&t, "y-x_2")].igp, 3);
	topo_free(&t);

	const topo_format J = TOPO_FMT_JSON;
	expect_fail(J, "{\"directed\": 1, \"nodes\": [], \"links\": []}", 0, "directed", NULL);
	expect_fail(J,
		    "{\"directed\": true, \"nodes\": [{\"id\": 0}, {\"id\": 1}], \"links\":"
		    " [{\"source\": 0, \"target\": 1}]}",
		    0, "links[0].capacity: missing", NULL);
	expect_fail(J,
		    "{\"directed\": true, \"nodes\": [{\"id\": 0}, {\"id\": 1}], \"links\":"
		    " [{\"source\": 0, \"target\": 2, \"capacity\": 1}]}",
		    0, "links[0].target: unknown node \"2\"", NULL);
	expect_fail(J,
		    "{\"directed\": true, \"nodes\": [{\"id\": 0}, {\"id\": \"0\"}], \"links\":"
		    " []}",
		    0, "nodes[1]", "duplicate node");
	expect_fail(J, "{\"directed\": true, \"nodes\": [{\"id\": 1.5}], \"links\": []}", 0,
		    "nodes[0].id", NULL);
	expect_fail(J,
		    "{\"directed\": true, \"nodes\": [{\"id\": 0}, {\"id\": 1}], \"links\":"
		    " [{\"source\": 0, \"target\": 1, \"capacity\": 0}]}",
		    0, "links[0].capacity: must be positive", NULL);
	expect_fail(J,
		    "{\"directed\": true, \"nodes\": [{\"id\": 0}, {\"id\": 1}], \"links\":"
		    " [{\"source\": 0, \"target\": 1, \"capacity\": 1, \"delay\": \"5\"}]}",
		    0, "links[0].delay", NULL);
	expect_fail(J,
		    "{\"directed\": true, \"nodes\": [{\"id\": 0}], \"links\": [], \"edges\": []}",
		    0, "both", NULL);
}

/* ---- GraphML ----------------------------------------------------------- */

static void test_graphml_zoo(void **state)
{
	(void)state;
	topo t;
	load(&t, TOPO_FMT_AUTO, "tests/data/zoo/DialtelecomCz.graphml", 1000);
	assert_int_equal(t.n_nodes, 193);
	assert_int_equal(t.n_links, 2 * 151);
	assert_null(t.unit);
	for (uint32_t i = 0; i < t.n_links; i++) {
		assert_true(t.links[i].capacity == 1000);
		assert_true(t.links[i].delay >= 0);
		assert_int_equal(t.links[i].igp, topo_default_igp(t.links[i].delay));
	}
	/* node 0, "Havifov", at 49.77984 N 18.43688 E */
	const topo_node *n = &t.nodes[node_of(&t, "Havifov")];
	assert_true(n->has_coord);
	assert_true(n->lat == 49.77984 && n->lon == 18.43688);
	/* Warsaw has no coordinates in the file: placed, but not marked */
	assert_false(t.nodes[node_of(&t, "Warsaw")].has_coord);
	/* the 11 "None" nodes are named by their ids */
	assert_int_equal(topo_find_node(&t, "None", 4), TOPO_NONE);
	/* node 0 has no edge; the edge 1-115 gives Ostrava-Opava and back */
	uint32_t v = node_of(&t, "Opava");
	uint32_t l = link_of(&t, "Ostrava-Opava");
	assert_int_equal(t.links[l].dst, v);
	uint32_t r = link_of(&t, "Opava-Ostrava");
	assert_true(t.links[r].delay == t.links[l].delay);
	assert_true(fabs(t.links[l].delay - topo_geo_delay_us(49.83465, 18.28204, 49.93866,
							       17.90257)) < 1e-6);
	topo_free(&t);

	load(&t, TOPO_FMT_GRAPHML, "tests/data/zoo/Kdl.graphml", 1000);
	assert_int_equal(t.n_nodes, 754);
	assert_int_equal(t.n_links, 2 * 899);
	/* repeated labels: the first keeps it, the others get suffixes */
	node_of(&t, "Athens");
	node_of(&t, "Athens_2");
	node_of(&t, "Athens_4");
	assert_int_equal(topo_find_node(&t, "Athens_5", 8), TOPO_NONE);
	topo_free(&t);
}

#define GM_HEAD                                                                          \
	"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"                                    \
	"<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">\n"                     \
	"<key attr.name=\"Latitude\" attr.type=\"double\" for=\"node\" id=\"k7\"/>\n"     \
	"<key attr.name=\"Longitude\" attr.type=\"double\" for=\"node\" id=\"k3\"/>\n"    \
	"<key attr.name=\"label\" attr.type=\"string\" for=\"node\" id=\"lbl\"/>\n"       \
	"<key attr.name=\"capacity\" attr.type=\"double\" for=\"edge\" id=\"c\"/>\n"      \
	"<key attr.name=\"delay\" attr.type=\"double\" for=\"edge\" id=\"d\"/>\n"

#define GM_NODE(id, label, lat, lon)                                                 \
	"<node id=\"" id "\"><data key=\"lbl\">" label "</data><data key=\"k7\">" lat \
	"</data><data key=\"k3\">" lon "</data></node>\n"

static void test_graphml_small(void **state)
{
	(void)state;
	topo t;
	neto_err err;
	topo_init(&t);
	const char *g = GM_HEAD "<graph edgedefault=\"directed\">\n" GM_NODE("a", "X", "10", "20")
		GM_NODE("b", "X", "10", "21") GM_NODE("c", "X_2", "11", "20")
		"<node id=\"j\"/>\n"
		"<node id=\"r&amp;d\"><data key=\"lbl\"> R&amp;D <![CDATA[&co]]>\n</data></node>\n"
		"<edge source=\"a\" target=\"b\"/>\n"
		"<edge source=\"a\" target=\"b\"><data key=\"c\">55</data></edge>\n"
		"<edge source=\"b\" target=\"a\" directed=\"false\"><data key=\"d\">9</data></edge>\n"
		"<edge source=\"c\" target=\"c\"/>\n"
		"<edge source=\"j\" target=\"a\"/>\n"
		"</graph></graphml>\n";
	assert_int_equal(parse_str(&t, TOPO_FMT_AUTO, g, "s.graphml", 100, &err), 0);
	assert_int_equal(t.n_nodes, 5);
	assert_int_equal(node_of(&t, "R&D &co"), 4); /* entities, CDATA, trimmed */
	/* X is repeated: first keeps it; the second steps over the real "X_2" */
	assert_int_equal(node_of(&t, "X"), 0);
	assert_int_equal(node_of(&t, "X_3"), 1);
	assert_int_equal(node_of(&t, "X_2"), 2);
	assert_int_equal(node_of(&t, "j"), 3);
	/* directed: one link per edge; the self-loop is skipped */
	assert_int_equal(t.n_links, 5);
	const topo_link *l = &t.links[link_of(&t, "X-X_3")];
	assert_true(l->capacity == 100);
	assert_true(fabs(l->delay - topo_geo_delay_us(10, 20, 10, 21)) < 1e-9);
	assert_true(t.links[link_of(&t, "X-X_3_2")].capacity == 55);
	/* directed="false" on one edge: both directions */
	assert_true(t.links[link_of(&t, "X_3-X")].delay == 9);
	assert_true(t.links[link_of(&t, "X-X_3_3")].delay == 9);
	/* j, without coordinates, sits on its only neighbour: delay 0; the
	 * isolated "R&D &co" needs no position */
	assert_true(t.links[link_of(&t, "j-X")].delay < 1e-6);
	assert_false(t.nodes[3].has_coord);
	topo_free(&t);
}

static void test_graphml_errors(void **state)
{
	(void)state;
	const topo_format G = TOPO_FMT_GRAPHML;
#define GU GM_HEAD "<graph edgedefault=\"undirected\">\n"
#define AB GM_NODE("a", "A", "1", "2") GM_NODE("b", "B", "3", "4")
	/* the nodes are on lines 9 and 10 */
	expect_fail(G, GU AB "<edge source=\"a\" target=\"z\"/>\n</graph></graphml>", 100,
		    "in.txt:11:", "unknown node 'z'");
	expect_fail(G, GU AB "<edge source=\"a\"/>\n</graph></graphml>", 100, "in.txt:11:",
		    "without a target");
	expect_fail(G, GU AB GM_NODE("a", "C", "1", "1") "</graph></graphml>", 100, "in.txt:11:",
		    "duplicate node id 'a'");
	expect_fail(G, GU AB "<edge source=\"a\" target=\"b\"/>\n</graph></graphml>", 0,
		    "in.txt:11:", "no default capacity");
	expect_fail(G, GU AB "<edge source=\"a\" target=\"b\"><data key=\"c\">-1</data></edge>"
			     "</graph></graphml>",
		    100, "in.txt:11:", "capacity must be positive");
	expect_fail(G, GU AB "<edge source=\"a\" target=\"b\"><data key=\"d\">x</data></edge>"
			     "</graph></graphml>",
		    100, "in.txt:11:", "delay 'x' is not a number");
	expect_fail(G, GU GM_NODE("a", "A", "91", "2") "</graph></graphml>", 100, "in.txt:9:",
		    "Latitude 91");
	expect_fail(G, GU GM_NODE("a", "A", "north", "2") "</graph></graphml>", 100, "in.txt:9:",
		    "Latitude 'north'");
	expect_fail(G, GU "<node id=\"a\"/><node id=\"b\"/>\n<edge source=\"a\" target=\"b\"/>"
			  "</graph></graphml>",
		    100, "in.txt:10:", "node 'a' (id a) has no coordinates");
	/* an edge with its own delay needs no coordinates */
	topo t;
	neto_err err;
	topo_init(&t);
	assert_int_equal(parse_str(&t, G,
				   GU "<node id=\"a\"/><node id=\"b\"/><edge source=\"a\" "
				      "target=\"b\"><data key=\"d\">5</data></edge>"
				      "</graph></graphml>",
				   "in.txt", 100, &err),
			 0);
	assert_int_equal(t.n_links, 2);
	topo_free(&t);
	expect_fail(G, GM_HEAD "<graph>\n" AB "</graph></graphml>", 100, "in.txt:8:",
		    "edgedefault");
	expect_fail(G, GM_HEAD "</graphml>", 100, "in.txt", "no <graph>");
	expect_fail(G, GU AB "</graph>\n<graph edgedefault=\"directed\"/></graphml>", 100,
		    "in.txt:12:",
		    "more than one <graph>");
	expect_fail(G, GU AB "</graph>", 100, "in.txt:11:", "XML");
	expect_fail(G, "<?xml version=\"1.0\"?>\n<graph/>", 100, "in.txt:2:",
		    "root element is not <graphml>");
	expect_fail(G, GU AB "<hyperedge/></graph></graphml>", 100, "in.txt:11:", "hyperedge");
	expect_fail(G, GU AB "</graph></graphml>", 100, "in.txt", "no links");
	expect_fail(G,
		    "<?xml version=\"1.0\"?>\n<!DOCTYPE graphml [<!ENTITY a \"aaaa\">]>\n"
		    "<graphml><graph edgedefault=\"directed\"><node id=\"&a;\"/></graph>"
		    "</graphml>",
		    100, "in.txt", "DTD");
	expect_fail(G,
		    "<?xml version=\"1.0\"?>\n<!DOCTYPE graphml SYSTEM \"/etc/passwd\">\n"
		    "<graphml/>",
		    100, "in.txt", "DTD");
	expect_fail(G, GU "<node id=\"a\"><graph/></node></graph></graphml>", 100, "in.txt:9:",
		    "nested");
	expect_fail(G, GM_HEAD "<key attr.name=\"latitude\" for=\"node\" id=\"x\"/>"
			       "<graph edgedefault=\"undirected\"/></graphml>",
		    100, "in.txt:8:", "two keys");
}

/* ---- detection --------------------------------------------------------- */

static void test_detect(void **state)
{
	(void)state;
	assert_int_equal(topo_detect("NODES 3\n", 8), TOPO_FMT_REPETITA);
	assert_int_equal(topo_detect("\xEF\xBB\xBF\n  {}", 7), TOPO_FMT_JSON);
	assert_int_equal(topo_detect(" \r\n\t<?xml", 9), TOPO_FMT_GRAPHML);
	assert_int_equal(topo_detect("NODES", 5), TOPO_FMT_AUTO);
	assert_int_equal(topo_detect("NODESX 1", 8), TOPO_FMT_AUTO);
	assert_int_equal(topo_detect("", 0), TOPO_FMT_AUTO);
	assert_int_equal(topo_detect("   ", 3), TOPO_FMT_AUTO);
	assert_int_equal(topo_detect("label,src", 9), TOPO_FMT_AUTO);
	assert_string_equal(topo_format_name(TOPO_FMT_REPETITA), "repetita");
	assert_string_equal(topo_format_name(TOPO_FMT_GRAPHML), "graphml");
	assert_string_equal(topo_format_name(TOPO_FMT_JSON), "json");
	assert_string_equal(topo_format_name(TOPO_FMT_AUTO), "auto");
	expect_fail(TOPO_FMT_AUTO, "hello", 0, "unknown topology format", NULL);
	expect_fail(TOPO_FMT_AUTO, "", 0, "unknown topology format", NULL);

	/* each real file is recognised */
	const struct {
		const char *path;
		topo_format f;
	} cases[] = {
		{ "tests/data/repetita/Abilene.graph", TOPO_FMT_REPETITA },
		{ "tests/data/zoo/DialtelecomCz.graphml", TOPO_FMT_GRAPHML },
		{ "tests/data/zoo/b4-teavar.json", TOPO_FMT_JSON },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t len;
		char *buf = tu_read(cases[i].path, &len);
		assert_int_equal(topo_detect(buf, len), cases[i].f);
		free(buf);
	}
}

/* A parse into a topology that already holds one replaces it. */
static void test_reparse(void **state)
{
	(void)state;
	topo t;
	neto_err err;
	load(&t, TOPO_FMT_AUTO, "tests/data/repetita/Abilene.graph", 0);
	assert_int_equal(parse_str(&t, TOPO_FMT_AUTO, neto_json, "n.json", 0, &err), 0);
	assert_int_equal(t.n_nodes, 3);
	assert_int_equal(parse_str(&t, TOPO_FMT_AUTO, "{", "bad.json", 0, &err), -1);
	assert_int_equal(t.n_nodes, 0);
	topo_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_repetita_abilene),
		cmocka_unit_test(test_repetita_geant),
		cmocka_unit_test(test_repetita_ok_variants),
		cmocka_unit_test(test_repetita_errors),
		cmocka_unit_test(test_json_neto),
		cmocka_unit_test(test_json_errors),
		cmocka_unit_test(test_json_round_trip),
		cmocka_unit_test(test_networkx_b4),
		cmocka_unit_test(test_networkx_variants),
		cmocka_unit_test(test_graphml_zoo),
		cmocka_unit_test(test_graphml_small),
		cmocka_unit_test(test_graphml_errors),
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_reparse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
