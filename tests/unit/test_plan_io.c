/*
 * test_plan_io.c - the planner's inputs and outputs: allocations written by
 * `neto te --format json` (tests/data/plan, see its README), the union index
 * space of two allocations, every kind of bad input with the file name and
 * JSON path its message must carry, plan documents written and read back
 * (round trip through the verifier), the table, and `neto plan`'s command
 * line.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "cli/plan_opts.h"
#include "lib/mem.h"
#include "plan/plan.h"
#include "plan/plan_json.h"
#include "testutil.h"
#include "topo/topo_io.h"

static void assert_has(const char *msg, const char *needle)
{
	if (strstr(msg, needle) == NULL) {
		print_error("message \"%s\" lacks \"%s\"\n", msg, needle);
		fail();
	}
}

static void load_abilene(topo *t)
{
	size_t len;
	char *buf = tu_read("tests/data/repetita/Abilene.graph", &len);
	neto_err err;
	topo_init(t);
	if (topo_parse(t, TOPO_FMT_AUTO, buf, len, "Abilene.graph", NULL, &err) != 0) {
		print_error("%s\n", err.msg);
		fail();
	}
	free(buf);
}

static void load_alloc(plan_alloc *a, const topo *t, const char *rel)
{
	size_t len;
	char *buf = tu_read(rel, &len);
	neto_err err;
	if (plan_alloc_parse(a, t, buf, len, rel, &err) != 0) {
		print_error("%s\n", err.msg);
		fail();
	}
	free(buf);
}

/* ---- `neto te` documents --------------------------------------------------- */

/* Per-link loads as the te document states them ("links" array). */
static double *doc_loads(const topo *t, const char *rel)
{
	size_t len;
	char *buf = tu_read(rel, &len);
	json_error_t je;
	json_t *root = json_loadb(buf, len, 0, &je);
	assert_non_null(root);
	double *load = neto_calloc(t->n_links, sizeof *load);
	json_t *links = json_object_get(root, "links");
	assert_int_equal(json_array_size(links), t->n_links);
	for (size_t i = 0; i < json_array_size(links); i++) {
		json_t *l = json_array_get(links, i);
		const char *id = json_string_value(json_object_get(l, "id"));
		uint32_t li = topo_find_link(t, id, strlen(id));
		assert_true(li != TOPO_NONE);
		load[li] = json_number_value(json_object_get(l, "load"));
	}
	json_decref(root);
	free(buf);
	return load;
}

static void test_te_document(void **state)
{
	(void)state;
	topo t;
	load_abilene(&t);
	plan_alloc a;
	load_alloc(&a, &t, "tests/data/plan/cur.json");
	assert_int_equal(a.n_tunnels, 20);
	/* the first demand of cur.csv */
	const plan_alloc_tunnel *tu = &a.tunnels[0];
	assert_string_equal(t.nodes[tu->src].name, "0_New_York");
	assert_string_equal(t.nodes[tu->dst].name, "1_Chicago");
	assert_string_equal(tu->cls, "gold");
	assert_int_equal(tu->priority, 0);
	assert_int_equal(tu->n_paths, 3); /* gold has 3 paths in classes.csv */
	assert_int_equal(tu->paths[0].n_links, 1);
	assert_string_equal(t.links[tu->paths[0].links[0]].id, "edge_0");
	assert_true(tu->paths[0].rate == 300632);
	assert_int_equal(tu->paths[0].n_segs, 1);
	assert_string_equal(tu->paths[0].segs[0], "fc00:0:2:1::");
	assert_string_equal(a.tunnels[1].cls, "bronze");
	assert_int_equal(a.tunnels[1].priority, 1);
	/* every path chains from src to dst */
	for (size_t i = 0; i < a.n_tunnels; i++)
		for (uint32_t k = 0; k < a.tunnels[i].n_paths; k++) {
			const plan_alloc_path *p = &a.tunnels[i].paths[k];
			uint32_t at = a.tunnels[i].src;
			for (uint32_t j = 0; j < p->n_links; j++) {
				assert_int_equal(t.links[p->links[j]].src, at);
				at = t.links[p->links[j]].dst;
			}
			assert_int_equal(at, a.tunnels[i].dst);
			assert_true(p->rate >= 0);
		}
	/* its space and loads are the document's own link loads */
	plan_space s;
	double *cfg[1];
	neto_err err;
	plan_space_init(&s, &t);
	assert_int_equal(plan_space_build(&s, &a, 1, cfg, &err), 0);
	double *load = neto_calloc(t.n_links, sizeof *load);
	plan_link_loads(&s, cfg[0], load);
	double *want = doc_loads(&t, "tests/data/plan/cur.json");
	for (uint32_t l = 0; l < t.n_links; l++)
		assert_true(fabs(load[l] - want[l]) <= 1e-9 * (1 + want[l]));
	free(want);
	free(load);
	free(cfg[0]);
	plan_space_free(&s);
	plan_alloc_free(&a);
	plan_alloc_free(&a); /* safe twice */
	topo_free(&t);
}

/* Distinct (src, dst, class) and (src, dst, class, links) keys of the two
 * documents, counted from the JSON independently of the code under test. */
static void count_union(const char *r1, const char *r2, size_t *tunnels, size_t *paths)
{
	json_t *keys = json_object();
	json_t *pkeys = json_object();
	const char *rels[2] = { r1, r2 };
	for (int f = 0; f < 2; f++) {
		size_t len;
		char *buf = tu_read(rels[f], &len);
		json_error_t je;
		json_t *root = json_loadb(buf, len, 0, &je);
		free(buf);
		json_t *dem = json_object_get(root, "demands");
		for (size_t i = 0; i < json_array_size(dem); i++) {
			json_t *d = json_array_get(dem, i);
			char key[4096];
			int n = snprintf(key, sizeof key, "%s|%s|%s",
					 json_string_value(json_object_get(d, "src")),
					 json_string_value(json_object_get(d, "dst")),
					 json_string_value(json_object_get(d, "class")));
			json_object_set_new(keys, key, json_true());
			json_t *ps = json_object_get(d, "paths");
			for (size_t k = 0; k < json_array_size(ps); k++) {
				char pk[4096];
				int m = snprintf(pk, sizeof pk, "%.*s", n, key);
				json_t *ls = json_object_get(json_array_get(ps, k), "links");
				for (size_t j = 0; j < json_array_size(ls); j++)
					m += snprintf(pk + m, sizeof pk - (size_t)m, "|%s",
						      json_string_value(json_array_get(ls, j)));
				json_object_set_new(pkeys, pk, json_true());
			}
		}
		json_decref(root);
	}
	*tunnels = json_object_size(keys);
	*paths = json_object_size(pkeys);
	json_decref(keys);
	json_decref(pkeys);
}

static void test_union_space(void **state)
{
	(void)state;
	topo t;
	load_abilene(&t);
	plan_alloc a[2];
	load_alloc(&a[0], &t, "tests/data/plan/cur.json");
	load_alloc(&a[1], &t, "tests/data/plan/next.json");
	plan_space s;
	double *cfg[2];
	neto_err err;
	plan_space_init(&s, &t);
	assert_int_equal(plan_space_build(&s, a, 2, cfg, &err), 0);
	size_t n_tun, n_paths;
	count_union("tests/data/plan/cur.json", "tests/data/plan/next.json", &n_tun, &n_paths);
	assert_int_equal(s.n_tunnels, n_tun);
	assert_int_equal(s.n_entries, n_paths);
	assert_true(n_tun > 20 && n_tun < 40); /* some shared, some not */
	/* layout: each tunnel's entries are contiguous and point back at it */
	size_t next = 0;
	for (size_t i = 0; i < s.n_tunnels; i++) {
		assert_int_equal(s.tunnels[i].entry_off, next);
		for (uint32_t e = 0; e < s.tunnels[i].n_entries; e++)
			assert_int_equal(s.entries[next + e].tunnel, i);
		next += s.tunnels[i].n_entries;
	}
	assert_int_equal(next, s.n_entries);
	/* tunnels of allocation 0 come first, in its order */
	for (size_t i = 0; i < a[0].n_tunnels; i++) {
		assert_int_equal(s.tunnels[i].src, a[0].tunnels[i].src);
		assert_string_equal(s.tunnels[i].cls, a[0].tunnels[i].cls);
	}
	/* both configurations carry exactly their documents' loads */
	const char *rel[2] = { "tests/data/plan/cur.json", "tests/data/plan/next.json" };
	double *load = neto_calloc(t.n_links, sizeof *load);
	for (int f = 0; f < 2; f++) {
		plan_link_loads(&s, cfg[f], load);
		double *want = doc_loads(&t, rel[f]);
		for (uint32_t l = 0; l < t.n_links; l++)
			assert_true(fabs(load[l] - want[l]) <= 1e-9 * (1 + want[l]));
		free(want);
	}
	/* a tunnel only in the target is all zero in the installed config */
	size_t only_next = 0;
	for (size_t i = a[0].n_tunnels; i < s.n_tunnels; i++) {
		const plan_tunnel *tu = &s.tunnels[i];
		for (uint32_t e = tu->entry_off; e < tu->entry_off + tu->n_entries; e++)
			assert_true(cfg[0][e] == 0);
		only_next++;
	}
	assert_int_equal(only_next, n_tun - 20);
	/* every segment list is kept */
	for (size_t e = 0; e < s.n_entries; e++)
		assert_true(s.entries[e].n_segs >= 1);
	free(load);
	free(cfg[0]);
	free(cfg[1]);
	plan_space_free(&s);
	plan_alloc_free(&a[0]);
	plan_alloc_free(&a[1]);
	topo_free(&t);
}

/* ---- a small topology for hand-written documents ------------------------- */

/* a, b, c with links both ways (ab, ba, bc, cb, ac, ca) and 20 parallel
 * links a -> c (p0 .. p19); capacities in Mbps. */
static void load_small(topo *t)
{
	char doc[4096];
	int n = snprintf(doc, sizeof doc,
			 "{\"unit\":\"Mbps\",\"nodes\":[{\"name\":\"a\"},{\"name\":\"b\"},{\"name\":\"c\"}],"
			 "\"links\":["
			 "{\"id\":\"ab\",\"src\":\"a\",\"dst\":\"b\",\"capacity\":100,\"delay\":10},"
			 "{\"id\":\"ba\",\"src\":\"b\",\"dst\":\"a\",\"capacity\":100,\"delay\":10},"
			 "{\"id\":\"bc\",\"src\":\"b\",\"dst\":\"c\",\"capacity\":100,\"delay\":10},"
			 "{\"id\":\"cb\",\"src\":\"c\",\"dst\":\"b\",\"capacity\":100,\"delay\":10},"
			 "{\"id\":\"ac\",\"src\":\"a\",\"dst\":\"c\",\"capacity\":100,\"delay\":10},"
			 "{\"id\":\"ca\",\"src\":\"c\",\"dst\":\"a\",\"capacity\":100,\"delay\":10}");
	for (int i = 0; i < 20; i++)
		n += snprintf(doc + n, sizeof doc - (size_t)n,
			      ",{\"id\":\"p%d\",\"src\":\"a\",\"dst\":\"c\",\"capacity\":10,\"delay\":10}",
			      i);
	snprintf(doc + n, sizeof doc - (size_t)n, "]}");
	neto_err err;
	topo_init(t);
	if (topo_parse_json(t, doc, strlen(doc), "small.json", &err) != 0) {
		print_error("%s\n", err.msg);
		fail();
	}
}

static int parse_alloc_str(plan_alloc *a, const topo *t, const char *text, neto_err *err)
{
	/* an exact-size copy, not NUL-terminated, so that ASan sees overreads */
	size_t len = strlen(text);
	char *buf = neto_malloc(len ? len : 1);
	memcpy(buf, text, len);
	err->msg[0] = '\0';
	int rc = plan_alloc_parse(a, t, buf, len, "t.json", err);
	free(buf);
	return rc;
}

#define CLS "\"classes\":[{\"name\":\"gold\",\"priority\":0},{\"name\":\"bronze\",\"priority\":3}]"
#define DOC(demands) "{" CLS ",\"demands\":[" demands "]}"
#define DEM(src, dst, cls, paths)                                                              \
	"{\"src\":\"" src "\",\"dst\":\"" dst "\",\"class\":\"" cls "\",\"paths\":[" paths "]}"
#define P(links, rate) "{\"links\":[" links "],\"rate\":" rate "}"

static void expect_alloc_fail(const char *text, const char *n1, const char *n2)
{
	topo t;
	load_small(&t);
	plan_alloc a;
	neto_err err;
	int rc = parse_alloc_str(&a, &t, text, &err);
	if (rc != -1) {
		print_error("parse succeeded, expected an error with \"%s\"\n", n1);
		fail();
	}
	assert_has(err.msg, "t.json");
	assert_has(err.msg, n1);
	if (n2)
		assert_has(err.msg, n2);
	assert_int_equal(a.n_tunnels, 0);
	assert_null(a.tunnels);
	plan_alloc_free(&a);
	topo_free(&t);
}

static void test_alloc_ok_small(void **state)
{
	(void)state;
	topo t;
	load_small(&t);
	plan_alloc a;
	neto_err err;
	const char *doc =
		"{" CLS ",\"links\":[],\"summary\":{\"unit\":\"Mbps\",\"engine\":\"x\"},"
		"\"demands\":["
		"{\"src\":\"a\",\"dst\":\"c\",\"class\":\"bronze\",\"demand\":5,\"allocated\":3.5,"
		"\"paths\":[{\"links\":[\"ab\",\"bc\"],\"rate\":1.25,\"delay\":20,"
		"\"segments\":[\"fc00:0:2:1::\",\"fc00:0:3:1::\"]},"
		"{\"links\":[\"ac\"],\"rate\":2.25}]},"
		"{\"src\":\"c\",\"dst\":\"a\",\"class\":\"gold\",\"unreachable\":\"no path\",\"paths\":[]}]}";
	assert_int_equal(parse_alloc_str(&a, &t, doc, &err), 0);
	assert_int_equal(a.n_tunnels, 2);
	assert_int_equal(a.tunnels[0].priority, 3);
	assert_int_equal(a.tunnels[0].n_paths, 2);
	assert_int_equal(a.tunnels[0].paths[0].n_links, 2);
	assert_true(a.tunnels[0].paths[0].rate == 1.25);
	assert_int_equal(a.tunnels[0].paths[0].n_segs, 2);
	assert_int_equal(a.tunnels[0].paths[1].n_segs, 0);
	assert_int_equal(a.tunnels[1].n_paths, 0);
	plan_alloc_free(&a);
	topo_free(&t);
}

static void test_alloc_errors(void **state)
{
	(void)state;
	/* syntax, duplicates, shape */
	expect_alloc_fail("{\"classes\":[", "invalid JSON", NULL);
	expect_alloc_fail("{\"classes\":[],\"classes\":[],\"demands\":[]}", "invalid JSON",
			  "duplicate");
	expect_alloc_fail("[]", "top level must be an object", NULL);
	expect_alloc_fail("{\"demands\":[]}", "classes: missing or not an array", NULL);
	expect_alloc_fail("{" CLS "}", "demands: missing or not an array", NULL);
	expect_alloc_fail("{" CLS ",\"demands\":{}}", "demands: missing or not an array", NULL);
	/* classes */
	expect_alloc_fail("{\"classes\":[7],\"demands\":[]}", "classes[0]: must be an object",
			  NULL);
	expect_alloc_fail("{\"classes\":[{\"priority\":0}],\"demands\":[]}", "classes[0].name",
			  NULL);
	expect_alloc_fail("{\"classes\":[{\"name\":\"\",\"priority\":0}],\"demands\":[]}",
			  "classes[0].name", NULL);
	expect_alloc_fail("{\"classes\":[{\"name\":\"g\",\"priority\":-1}],\"demands\":[]}",
			  "classes[0].priority", NULL);
	expect_alloc_fail("{\"classes\":[{\"name\":\"g\",\"priority\":1.5}],\"demands\":[]}",
			  "classes[0].priority", NULL);
	expect_alloc_fail("{\"classes\":[{\"name\":\"g\"}],\"demands\":[]}", "classes[0].priority",
			  NULL);
	expect_alloc_fail("{\"classes\":[{\"name\":\"g\",\"priority\":0},{\"name\":\"g\","
			  "\"priority\":1}],\"demands\":[]}",
			  "classes[1]: class 'g' repeats classes[0]", NULL);
	/* tunnels */
	expect_alloc_fail(DOC("3"), "demands[0]: must be an object", NULL);
	expect_alloc_fail(DOC(DEM("zz", "c", "gold", "")), "demands[0].src: unknown node 'zz'",
			  NULL);
	expect_alloc_fail(DOC("{\"src\":\"a\",\"class\":\"gold\",\"paths\":[]}"),
			  "demands[0].dst: missing", NULL);
	expect_alloc_fail(DOC("{\"src\":\"a\",\"dst\":1,\"class\":\"gold\",\"paths\":[]}"),
			  "demands[0].dst: missing or not a node name", NULL);
	expect_alloc_fail(DOC(DEM("a", "a", "gold", "")), "demands[0]: src and dst are the same",
			  NULL);
	expect_alloc_fail(DOC(DEM("a", "c", "silver", "")),
			  "demands[0].class: unknown class 'silver'", NULL);
	expect_alloc_fail(DOC("{\"src\":\"a\",\"dst\":\"c\",\"paths\":[]}"), "demands[0].class",
			  NULL);
	expect_alloc_fail(DOC(DEM("a", "c", "gold", "") "," DEM("a", "c", "bronze", "") ","
				  DEM("a", "c", "gold", "")),
			  "demands[2]: tunnel 'a' -> 'c' class 'gold' repeats demands[0]", NULL);
	expect_alloc_fail(DOC("{\"src\":\"a\",\"dst\":\"c\",\"class\":\"gold\"}"),
			  "demands[0].paths: missing or not an array", NULL);
	/* paths */
	expect_alloc_fail(DOC(DEM("a", "c", "gold", "1")), "demands[0].paths[0]: must be an object",
			  NULL);
	expect_alloc_fail(DOC(DEM("a", "c", "gold", "{\"rate\":1}")),
			  "demands[0].paths[0].links: missing or not a non-empty array", NULL);
	expect_alloc_fail(DOC(DEM("a", "c", "gold", P("", "1"))),
			  "demands[0].paths[0].links: missing or not a non-empty array", NULL);
	expect_alloc_fail(DOC(DEM("a", "c", "gold", P("\"ab\",3", "1"))),
			  "demands[0].paths[0].links[1]: not a link id", NULL);
	expect_alloc_fail(DOC(DEM("a", "c", "gold", P("\"ac\"", "1") "," P("\"ab\",\"x\"", "1"))),
			  "demands[0].paths[1].links[1]: unknown link 'x'", NULL);
	expect_alloc_fail(DOC(DEM("a", "c", "gold", P("\"ba\",\"ac\"", "1"))),
			  "demands[0].paths[0].links[0]: link 'ba' starts at node 'b', not at 'a'",
			  NULL);
	expect_alloc_fail(DOC(DEM("a", "c", "gold", P("\"ab\",\"ac\"", "1"))),
			  "demands[0].paths[0].links[1]: link 'ac' starts at node 'a', not at 'b'",
			  NULL);
	expect_alloc_fail(DOC(DEM("a", "c", "gold", P("\"ab\"", "1"))),
			  "demands[0].paths[0].links: the path ends at node 'b', not at the "
			  "tunnel's dst 'c'",
			  NULL);
	expect_alloc_fail(DOC(DEM("a", "c", "gold", P("\"ab\",\"ba\"", "1"))),
			  "demands[0].paths[0].links[1]: the path visits node 'a' twice", NULL);
	expect_alloc_fail(DOC(DEM("a", "c", "gold", P("\"ab\",\"bc\",\"cb\",\"bc\"", "1"))),
			  "paths[0].links", "more than a path");
	expect_alloc_fail(DOC(DEM("a", "c", "gold", P("\"ac\"", "-1"))),
			  "demands[0].paths[0].rate: missing or not a number >= 0", NULL);
	expect_alloc_fail(DOC(DEM("a", "c", "gold", P("\"ac\"", "\"5\""))),
			  "demands[0].paths[0].rate", NULL);
	expect_alloc_fail(DOC(DEM("a", "c", "gold", "{\"links\":[\"ac\"]}")),
			  "demands[0].paths[0].rate", NULL);
	expect_alloc_fail(DOC(DEM("a", "c", "gold", P("\"ac\"", "NaN"))), "invalid JSON", NULL);
	expect_alloc_fail(DOC(DEM("a", "c", "gold", P("\"ac\"", "1e999"))), "invalid JSON", NULL);
	expect_alloc_fail(DOC(DEM("a", "c", "gold", P("\"ac\"", "1") "," P("\"ab\",\"bc\"", "1") ","
					  P("\"ac\"", "2"))),
			  "demands[0].paths[2]: same links as paths[0]", NULL);
	expect_alloc_fail(DOC(DEM("a", "c", "gold",
				  "{\"links\":[\"ac\"],\"rate\":1,\"segments\":\"fc00::1\"}")),
			  "demands[0].paths[0].segments: not an array", NULL);
	expect_alloc_fail(DOC(DEM("a", "c", "gold",
				  "{\"links\":[\"ac\"],\"rate\":1,\"segments\":[\"fc00::1\",\"zz\"]}")),
			  "demands[0].paths[0].segments[1]: not an IPv6 address", NULL);
	expect_alloc_fail(DOC(DEM("a", "c", "gold",
				  "{\"links\":[\"ac\"],\"rate\":1,\"segments\":[1]}")),
			  "demands[0].paths[0].segments[0]", NULL);
	/* units: an allocation in Gbps on a Mbps topology */
	expect_alloc_fail("{" CLS ",\"demands\":[],\"summary\":{\"unit\":\"Gbps\"}}",
			  "summary.unit: rates in 'Gbps'", "'Mbps'");
	expect_alloc_fail("{" CLS ",\"demands\":[],\"summary\":[]}", "summary: not an object",
			  NULL);
}

/* Many paths in one tunnel (the hashed check for repeats), and too many
 * segments. */
static void test_alloc_limits(void **state)
{
	(void)state;
	char *doc = neto_malloc(1 << 16);
	int n = snprintf(doc, 1 << 16, "{" CLS ",\"demands\":[{\"src\":\"a\",\"dst\":\"c\","
				       "\"class\":\"gold\",\"paths\":[");
	for (int i = 0; i < 20; i++)
		n += snprintf(doc + n, (size_t)(1 << 16) - (size_t)n,
			      "%s{\"links\":[\"p%d\"],\"rate\":1}", i ? "," : "", i);
	int mark = n;
	snprintf(doc + n, (size_t)(1 << 16) - (size_t)n, "]}]}");
	topo t;
	load_small(&t);
	plan_alloc a;
	neto_err err;
	assert_int_equal(parse_alloc_str(&a, &t, doc, &err), 0);
	assert_int_equal(a.tunnels[0].n_paths, 20);
	plan_alloc_free(&a);
	snprintf(doc + mark, (size_t)(1 << 16) - (size_t)mark, ",{\"links\":[\"p7\"],\"rate\":1}]}]}");
	expect_alloc_fail(doc, "demands[0].paths[20]: same links as paths[7]", NULL);

	n = snprintf(doc, 1 << 16, "{" CLS ",\"demands\":[{\"src\":\"a\",\"dst\":\"c\","
				   "\"class\":\"gold\",\"paths\":[{\"links\":[\"ac\"],\"rate\":1,"
				   "\"segments\":[");
	for (int i = 0; i < 65; i++)
		n += snprintf(doc + n, (size_t)(1 << 16) - (size_t)n, "%s\"fc00::%x\"", i ? "," : "",
			      i + 1);
	snprintf(doc + n, (size_t)(1 << 16) - (size_t)n, "]}]}]}");
	expect_alloc_fail(doc, "demands[0].paths[0].segments: 65 segments, more than 64", NULL);
	free(doc);
	topo_free(&t);
}

static void test_space_segments_and_classes(void **state)
{
	(void)state;
	topo t;
	load_small(&t);
	plan_alloc a[2];
	neto_err err;
	/* the path a-b-c has no segments in the first document, some in the
	 * second: the space keeps them */
	assert_int_equal(parse_alloc_str(&a[0], &t,
					 DOC(DEM("a", "c", "gold", P("\"ab\",\"bc\"", "4") "," P("\"ac\"", "1"))),
					 &err),
			 0);
	assert_int_equal(parse_alloc_str(&a[1], &t,
					 DOC(DEM("a", "c", "gold",
						 "{\"links\":[\"ab\",\"bc\"],\"rate\":2,"
						 "\"segments\":[\"fc00:0:2:1::\",\"fc00:0:3:1::\"]},"
						 "{\"links\":[\"p3\"],\"rate\":7}") ","
					     DEM("c", "a", "bronze", P("\"ca\"", "0.5"))),
					 &err),
			 0);
	plan_space s;
	double *cfg[2];
	plan_space_init(&s, &t);
	assert_int_equal(plan_space_build(&s, a, 2, cfg, &err), 0);
	assert_int_equal(s.n_tunnels, 2);
	assert_int_equal(s.tunnels[0].n_entries, 3); /* a-b-c, ac, p3 */
	assert_int_equal(s.tunnels[1].n_entries, 1);
	assert_int_equal(s.tunnels[1].priority, 3);
	const plan_entry *abc = &s.entries[s.tunnels[0].entry_off];
	assert_int_equal(abc->n_links, 2);
	assert_int_equal(abc->n_segs, 2);
	assert_string_equal(s.segs[abc->seg_off + 1], "fc00:0:3:1::");
	uint32_t e0 = s.tunnels[0].entry_off;
	assert_true(cfg[0][e0] == 4 && cfg[0][e0 + 1] == 1 && cfg[0][e0 + 2] == 0);
	assert_true(cfg[1][e0] == 2 && cfg[1][e0 + 1] == 0 && cfg[1][e0 + 2] == 7);
	assert_true(cfg[0][s.tunnels[1].entry_off] == 0 && cfg[1][s.tunnels[1].entry_off] == 0.5);
	free(cfg[0]);
	free(cfg[1]);
	plan_alloc_free(&a[1]);

	/* the same class with another priority is an error */
	assert_int_equal(parse_alloc_str(&a[1], &t,
					 "{\"classes\":[{\"name\":\"gold\",\"priority\":2}],"
					 "\"demands\":[" DEM("a", "c", "gold", P("\"ac\"", "1")) "]}",
					 &err),
			 0);
	assert_int_equal(plan_space_build(&s, a, 2, cfg, &err), -1);
	assert_has(err.msg, "class 'gold' has priority 0 in allocation 0 but 2 in allocation 1");
	assert_int_equal(s.n_tunnels, 0);
	assert_null(cfg[0]);
	plan_space_free(&s);
	plan_alloc_free(&a[0]);
	plan_alloc_free(&a[1]);
	/* nothing at all: an empty space */
	plan_space_init(&s, &t);
	assert_int_equal(plan_space_build(&s, NULL, 0, NULL, &err), 0);
	assert_int_equal(s.n_entries, 0);
	plan_space_free(&s);
	topo_free(&t);
}

/* ---- plan documents ------------------------------------------------------ */

static char *write_doc(const plan_doc *d, bool json, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	assert_non_null(f);
	int rc = json ? plan_json_write(f, d) : plan_table_write(f, d);
	assert_int_equal(rc, 0);
	fclose(f);
	return buf;
}

/* The union space of the tight fixtures and a plan through one intermediate
 * configuration: installed, intermediate, target. */
typedef struct fixture {
	topo t;
	plan_space s;
	double *cfg[3];
} fixture;

static void load_fixture(fixture *fx)
{
	load_abilene(&fx->t);
	plan_alloc a[2];
	load_alloc(&a[0], &fx->t, "tests/data/plan/cur_tight.json");
	load_alloc(&a[1], &fx->t, "tests/data/plan/next_tight.json");
	neto_err err;
	double *c[2];
	plan_space_init(&fx->s, &fx->t);
	assert_int_equal(plan_space_build(&fx->s, a, 2, c, &err), 0);
	plan_alloc_free(&a[0]);
	plan_alloc_free(&a[1]);
	fx->cfg[0] = c[0];
	fx->cfg[2] = c[1];
	fx->cfg[1] = neto_calloc(fx->s.n_entries, sizeof *fx->cfg[1]);
	for (size_t e = 0; e < fx->s.n_entries; e++)
		fx->cfg[1][e] = (c[0][e] + c[1][e]) / 3; /* not whole: 17 digits */
}

static void free_fixture(fixture *fx)
{
	for (int i = 0; i < 3; i++)
		free(fx->cfg[i]);
	plan_space_free(&fx->s);
	topo_free(&fx->t);
}

static void test_plan_round_trip(void **state)
{
	(void)state;
	fixture fx;
	load_fixture(&fx);
	/* a throttle and some updates, so that the writer shows them and the
	 * reader checks them */
	plan_throttle th = { .tunnel = 1, .rate = 12.5, .normal = 100, .first_step = 0,
			     .last_step = 1 };
	plan_update u0[2] = { { 0, PLAN_MODIFY }, { 3, PLAN_DELETE } };
	plan_update u1[1] = { { 2, PLAN_CREATE } };
	const plan_update *upd[2] = { u0, u1 };
	size_t n_upd[2] = { 2, 1 };
	plan_doc d = { .s = &fx.s, .cfg = (const double *const *)fx.cfg, .n_configs = 3,
		       .throttled = &th, .n_throttled = 1, .updates = upd, .n_updates = n_upd,
		       .swan_bound = 4, .compute_seconds = 0.25 };
	size_t len;
	char *doc = write_doc(&d, true, &len);

	plan_space s2;
	double **cfg2;
	size_t n2;
	neto_err err;
	plan_space_init(&s2, &fx.t);
	if (plan_json_parse(&s2, &cfg2, &n2, doc, len, "plan.json", &err) != 0) {
		print_error("%s\n", err.msg);
		fail();
	}
	assert_int_equal(n2, 3);
	/* the same loads in every configuration, bit for bit, and the same
	 * verdict and peaks */
	double *l1 = neto_calloc(fx.t.n_links, sizeof *l1), *l2 = neto_calloc(fx.t.n_links, sizeof *l2);
	for (size_t k = 0; k < 3; k++) {
		plan_link_loads(&fx.s, fx.cfg[k], l1);
		plan_link_loads(&s2, cfg2[k], l2);
		for (uint32_t l = 0; l < fx.t.n_links; l++)
			assert_true(fabs(l1[l] - l2[l]) <= 1e-12 * (1 + l1[l]));
	}
	/* per tunnel and path, too: match by name and links */
	for (size_t i = 0; i < s2.n_tunnels; i++) {
		const plan_tunnel *b = &s2.tunnels[i];
		size_t j = 0;
		while (j < fx.s.n_tunnels &&
		       !(fx.s.tunnels[j].src == b->src && fx.s.tunnels[j].dst == b->dst &&
			 strcmp(fx.s.tunnels[j].cls, b->cls) == 0))
			j++;
		assert_true(j < fx.s.n_tunnels);
		const plan_tunnel *a = &fx.s.tunnels[j];
		assert_int_equal(a->priority, b->priority);
		for (uint32_t e = b->entry_off; e < b->entry_off + b->n_entries; e++) {
			const plan_entry *eb = &s2.entries[e];
			uint32_t f = a->entry_off;
			while (f < a->entry_off + a->n_entries &&
			       !(fx.s.entries[f].n_links == eb->n_links &&
				 memcmp(fx.s.links + fx.s.entries[f].link_off, s2.links + eb->link_off,
					eb->n_links * sizeof(uint32_t)) == 0))
				f++;
			assert_true(f < a->entry_off + a->n_entries);
			for (size_t k = 0; k < 3; k++)
				assert_true(cfg2[k][e] == fx.cfg[k][f]); /* exact doubles */
			assert_int_equal(eb->n_segs, fx.s.entries[f].n_segs);
		}
	}
	double w1[2], w2[2];
	size_t v1 = plan_verify(&fx.s, (const double *const *)fx.cfg, 3, NULL, 0, w1);
	size_t v2 = plan_verify(&s2, (const double *const *)cfg2, 3, NULL, 0, w2);
	assert_int_equal(v1, v2);
	assert_true(w1[0] == w2[0] && w1[1] == w2[1]);
	/* the document says what it holds */
	json_error_t je;
	json_t *root = json_loadb(doc, len, 0, &je);
	assert_non_null(root);
	json_t *sum = json_object_get(root, "summary");
	assert_int_equal(json_integer_value(json_object_get(sum, "steps")), 2);
	assert_int_equal(json_integer_value(json_object_get(sum, "swan_bound")), 4);
	assert_int_equal(json_integer_value(json_object_get(sum, "throttled_tunnels")), 1);
	assert_string_equal(json_string_value(json_object_get(sum, "unit")), "kbps");
	json_t *st0 = json_array_get(json_object_get(root, "steps"), 0);
	assert_true(json_number_value(json_object_get(st0, "max_transient_utilization")) == w1[0]);
	json_t *thr = json_array_get(json_object_get(st0, "throttled"), 0);
	assert_true(json_number_value(json_object_get(thr, "rate")) == 12.5);
	json_t *up = json_object_get(st0, "updates");
	assert_int_equal(json_array_size(up), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(up, 1), "action")),
			    "delete");
	assert_int_equal(json_array_size(json_object_get(json_array_get(up, 1), "segment_lists")),
			 0);
	json_decref(root);
	free(l1);
	free(l2);
	plan_json_cfg_free(cfg2, n2);
	plan_space_free(&s2);

	/* written again from what was read: the same document */
	plan_doc d2 = d;
	d2.s = &s2;
	plan_space_init(&s2, &fx.t);
	assert_int_equal(plan_json_parse(&s2, &cfg2, &n2, doc, len, "plan.json", &err), 0);
	d2.cfg = (const double *const *)cfg2;
	d2.updates = NULL;
	d2.n_throttled = 0;
	size_t len2;
	char *again = write_doc(&d2, true, &len2);
	plan_space s3;
	double **cfg3;
	size_t n3;
	plan_space_init(&s3, &fx.t);
	assert_int_equal(plan_json_parse(&s3, &cfg3, &n3, again, len2, "again.json", &err), 0);
	assert_int_equal(s3.n_tunnels, s2.n_tunnels);
	assert_int_equal(s3.n_entries, s2.n_entries);
	for (size_t k = 0; k < 3; k++)
		assert_memory_equal(cfg3[k], cfg2[k], s2.n_entries * sizeof(double));
	plan_json_cfg_free(cfg3, n3);
	plan_space_free(&s3);
	plan_json_cfg_free(cfg2, n2);
	plan_space_free(&s2);
	free(again);
	free(doc);
	free_fixture(&fx);
}

static void test_plan_table(void **state)
{
	(void)state;
	fixture fx;
	load_fixture(&fx);
	plan_throttle th = { .tunnel = 1, .rate = 12.5, .normal = 100, .first_step = 0,
			     .last_step = 1 };
	size_t n_upd[2] = { 7, 3 };
	plan_update dummy = { 0, PLAN_MODIFY };
	const plan_update *upd[2] = { &dummy, &dummy };
	plan_doc d = { .s = &fx.s, .cfg = (const double *const *)fx.cfg, .n_configs = 3,
		       .throttled = &th, .n_throttled = 1, .updates = upd, .n_updates = n_upd,
		       .swan_bound = 4, .compute_seconds = 0.25 };
	size_t len;
	char *out = write_doc(&d, false, &len);
	assert_has(out, "2 steps");
	assert_has(out, "SWAN bound: 4 steps");
	assert_has(out, "peak util");
	assert_has(out, "throttled tunnels: 1");
	const plan_tunnel *tu = &fx.s.tunnels[1];
	char line[256];
	snprintf(line, sizeof line, "  %s -> %s class %s: limit 12.5, normal 100, steps 0..1",
		 fx.t.nodes[tu->src].name, fx.t.nodes[tu->dst].name, tu->cls);
	assert_has(out, line);
	assert_has(out, "(rates in kbps");
	/* step lines: index, peak, tunnels moved, updates, throttled */
	double w[2];
	plan_verify(&fx.s, (const double *const *)fx.cfg, 3, NULL, 0, w);
	snprintf(line, sizeof line, "%13.2f%%", 100 * w[0]);
	assert_has(out, line);
	assert_has(out, "          7          1\n");
	free(out);
	/* no step, no slack */
	d.n_configs = 1;
	d.swan_bound = 0;
	d.n_throttled = 0;
	out = write_doc(&d, false, &len);
	assert_has(out, "nothing to do");
	assert_has(out, "SWAN bound: none");
	free(out);
	out = write_doc(&d, true, &len);
	assert_has(out, "\"steps\":[]");
	free(out);
	free_fixture(&fx);
}

static int parse_plan_str(const char *text, neto_err *err)
{
	topo t;
	load_small(&t);
	plan_space s;
	double **cfg;
	size_t n;
	size_t len = strlen(text);
	char *buf = neto_malloc(len ? len : 1);
	memcpy(buf, text, len);
	err->msg[0] = '\0';
	plan_space_init(&s, &t);
	int rc = plan_json_parse(&s, &cfg, &n, buf, len, "p.json", err);
	free(buf);
	if (rc == 0)
		plan_json_cfg_free(cfg, n);
	else
		assert_null(cfg);
	assert_true(rc == 0 || s.n_tunnels == 0);
	plan_space_free(&s);
	topo_free(&t);
	return rc;
}

static void expect_plan_fail(const char *text, const char *n1, const char *n2)
{
	neto_err err;
	if (parse_plan_str(text, &err) != -1) {
		print_error("plan parsed, expected an error with \"%s\"\n", n1);
		fail();
	}
	assert_has(err.msg, "p.json");
	assert_has(err.msg, n1);
	if (n2)
		assert_has(err.msg, n2);
}

#define INIT "\"initial\":{\"tunnels\":[" DEM("a", "c", "gold", P("\"ac\"", "1")) "]}"
#define PLAN(steps) "{" CLS "," INIT ",\"steps\":[" steps "]}"
#define STEP(extra) "{\"tunnels\":[" DEM("a", "c", "gold", P("\"ab\",\"bc\"", "1")) "]" extra "}"

static void test_plan_parse(void **state)
{
	(void)state;
	neto_err err;
	/* a plan with every optional member, and one with none */
	assert_int_equal(parse_plan_str(PLAN(STEP(",\"index\":0,\"max_transient_utilization\":0.5,"
						  "\"throttled\":[{\"src\":\"a\",\"dst\":\"c\","
						  "\"class\":\"gold\",\"rate\":0.5,\"normal\":1,"
						  "\"first_step\":0,\"last_step\":0}],"
						  "\"updates\":[{\"router\":\"a\",\"policy\":{"
						  "\"dst\":\"c\",\"class\":\"gold\"},\"action\":"
						  "\"modify\",\"segment_lists\":[{\"segments\":"
						  "[\"fc00::1\"],\"weight\":1}]}]")),
					&err),
			 0);
	assert_int_equal(parse_plan_str("{" CLS "," INIT ",\"steps\":[],\"summary\":{\"steps\":0}}",
					&err),
			 0);

	expect_plan_fail("{", "invalid JSON", NULL);
	expect_plan_fail("[1]", "top level must be an object", NULL);
	expect_plan_fail("{" INIT ",\"steps\":[]}", "classes: missing", NULL);
	expect_plan_fail("{" CLS ",\"steps\":[]}", "initial: missing or not an object", NULL);
	expect_plan_fail("{" CLS ",\"initial\":{},\"steps\":[]}",
			 "initial.tunnels: missing or not an array", NULL);
	expect_plan_fail("{" CLS "," INIT "}", "steps: missing or not an array", NULL);
	expect_plan_fail("{" CLS ",\"initial\":{\"tunnels\":[" DEM("a", "c", "gold", P("\"ab\"", "1"))
			 "]},\"steps\":[]}",
			 "initial.tunnels[0].paths[0].links: the path ends at node 'b'", NULL);
	expect_plan_fail(PLAN("7"), "steps[0]: must be an object", NULL);
	expect_plan_fail(PLAN(STEP("") "," STEP(",\"index\":0")), "steps[1].index: must be 1",
			 NULL);
	expect_plan_fail(PLAN("{}"), "steps[0].tunnels: missing or not an array", NULL);
	expect_plan_fail(PLAN("{\"tunnels\":[" DEM("a", "c", "gold", P("\"zz\"", "1")) "]}"),
			 "steps[0].tunnels[0].paths[0].links[0]: unknown link 'zz'", NULL);
	expect_plan_fail(PLAN(STEP(",\"max_transient_utilization\":-1")),
			 "steps[0].max_transient_utilization", NULL);
	expect_plan_fail(PLAN(STEP(",\"throttled\":{}")), "steps[0].throttled: not an array", NULL);
	expect_plan_fail(PLAN(STEP(",\"throttled\":[{\"src\":\"a\",\"dst\":\"q\",\"class\":\"gold\","
				   "\"rate\":1}]")),
			 "steps[0].throttled[0].dst: unknown node 'q'", NULL);
	expect_plan_fail(PLAN(STEP(",\"throttled\":[{\"src\":\"a\",\"dst\":\"c\",\"class\":\"gold\","
				   "\"rate\":-2}]")),
			 "steps[0].throttled[0].rate", NULL);
	expect_plan_fail(PLAN(STEP(",\"throttled\":[{\"src\":\"a\",\"dst\":\"c\",\"class\":\"tin\","
				   "\"rate\":1}]")),
			 "steps[0].throttled[0].class: unknown class 'tin'", NULL);
	expect_plan_fail(PLAN(STEP(",\"throttled\":[{\"src\":\"a\",\"dst\":\"c\",\"class\":\"gold\","
				   "\"rate\":1,\"last_step\":0.5}]")),
			 "steps[0].throttled[0].last_step", NULL);
	expect_plan_fail(PLAN(STEP(",\"updates\":[{\"router\":\"a\",\"policy\":{\"dst\":\"c\","
				   "\"class\":\"gold\"},\"action\":\"reboot\"}]")),
			 "steps[0].updates[0].action: not create, modify or delete", NULL);
	expect_plan_fail(PLAN(STEP(",\"updates\":[{\"router\":\"r9\",\"policy\":{\"dst\":\"c\","
				   "\"class\":\"gold\"},\"action\":\"create\"}]")),
			 "steps[0].updates[0].router: unknown node 'r9'", NULL);
	expect_plan_fail(PLAN(STEP(",\"updates\":[{\"router\":\"a\",\"action\":\"create\"}]")),
			 "steps[0].updates[0].policy: missing", NULL);
	expect_plan_fail(PLAN(STEP(",\"updates\":[{\"router\":\"a\",\"policy\":{\"dst\":\"c\","
				   "\"class\":\"gold\"},\"action\":\"create\",\"segment_lists\":"
				   "[{\"segments\":[\"nope\"],\"weight\":1}]}]")),
			 "steps[0].updates[0].segment_lists[0].segments[0]: not an IPv6", NULL);
	expect_plan_fail(PLAN(STEP(",\"updates\":[{\"router\":\"a\",\"policy\":{\"dst\":\"c\","
				   "\"class\":\"gold\"},\"action\":\"create\",\"segment_lists\":"
				   "[{\"segments\":[]}]}]")),
			 "steps[0].updates[0].segment_lists[0].weight", NULL);
	expect_plan_fail("{" CLS "," INIT ",\"steps\":[],\"summary\":{\"steps\":3}}",
			 "summary.steps: does not match the 0 entries", NULL);
	expect_plan_fail("{" CLS "," INIT ",\"steps\":[],\"summary\":{\"unit\":\"kbps\"}}",
			 "summary.unit: rates in 'kbps'", NULL);
	expect_plan_fail(PLAN(STEP(",\"tunnels\":[]")), "invalid JSON", "duplicate");

	/* more steps than any plan may have */
	size_t cap = 16 * 1024;
	char *doc = neto_malloc(cap);
	size_t n = (size_t)snprintf(doc, cap, "{" CLS "," INIT ",\"steps\":[");
	for (int i = 0; i <= PLAN_MAX_STEPS; i++)
		n += (size_t)snprintf(doc + n, cap - n, "%s{\"tunnels\":[]}", i ? "," : "");
	snprintf(doc + n, cap - n, "]}");
	expect_plan_fail(doc, "steps: 1001 steps, more than 1000", NULL);
	free(doc);
}

/* A tunnel listed in a step replaces all of its paths; one not listed keeps
 * its rates; "paths": [] removes it. */
static void test_plan_steps_are_deltas(void **state)
{
	(void)state;
	topo t;
	load_small(&t);
	const char *doc =
		"{" CLS ",\"initial\":{\"tunnels\":["
		DEM("a", "c", "gold", P("\"ac\"", "3") "," P("\"p1\"", "2")) ","
		DEM("c", "a", "bronze", P("\"ca\"", "5")) "]},"
		"\"steps\":[{\"tunnels\":[" DEM("a", "c", "gold", P("\"p2\"", "4")) "]},"
		"{\"tunnels\":[" DEM("c", "a", "bronze", "") "," DEM("b", "a", "bronze", P("\"ba\"", "1")) "]}]}";
	plan_space s;
	double **cfg;
	size_t n;
	neto_err err;
	plan_space_init(&s, &t);
	assert_int_equal(plan_json_parse(&s, &cfg, &n, doc, strlen(doc), "d.json", &err), 0);
	assert_int_equal(n, 3);
	double load[26];
	uint32_t ac = topo_find_link(&t, "ac", 2), p1 = topo_find_link(&t, "p1", 2),
		 p2 = topo_find_link(&t, "p2", 2), ca = topo_find_link(&t, "ca", 2),
		 ba = topo_find_link(&t, "ba", 2);
	plan_link_loads(&s, cfg[0], load);
	assert_true(load[ac] == 3 && load[p1] == 2 && load[p2] == 0 && load[ca] == 5);
	plan_link_loads(&s, cfg[1], load);
	assert_true(load[ac] == 0 && load[p1] == 0 && load[p2] == 4 && load[ca] == 5);
	plan_link_loads(&s, cfg[2], load);
	assert_true(load[p2] == 4 && load[ca] == 0 && load[ba] == 1);
	plan_json_cfg_free(cfg, n);
	plan_space_free(&s);
	topo_free(&t);
}

/* ---- command line -------------------------------------------------------- */

static int cli_v(plan_cli *o, neto_err *e, int n, const char *const *args)
{
	static char store[32][128];
	char *argv[32];
	for (int i = 0; i < n; i++) {
		snprintf(store[i], sizeof store[i], "%s", args[i]);
		argv[i] = store[i];
	}
	e->msg[0] = '\0';
	return plan_cli_parse(o, n, argv, e);
}
#define ARGS(...) ((const char *[]){ __VA_ARGS__ })
#define NARGS(...) ((int)(sizeof((const char *[]){ __VA_ARGS__ }) / sizeof(char *)))
#define CLI(o, e, ...) cli_v((o), (e), NARGS(__VA_ARGS__), ARGS(__VA_ARGS__))

static void expect_cli_error(int rc, const neto_err *e, const char *needle)
{
	assert_int_equal(rc, -1);
	assert_has(e->msg, needle);
}

static void test_cli(void **state)
{
	(void)state;
	plan_cli o;
	neto_err e;
	assert_int_equal(CLI(&o, &e, "--topology", "t", "--from", "a", "--to", "b"), 0);
	assert_string_equal(o.topology, "t");
	assert_string_equal(o.from, "a");
	assert_string_equal(o.to, "b");
	assert_int_equal(o.max_steps, 10);
	assert_int_equal(o.format, PLAN_OUT_TABLE);
	assert_null(o.output);
	assert_false(o.verify);
	assert_false(o.quiet);

	assert_int_equal(CLI(&o, &e, "-t", "t", "--from=a", "--to", "b", "--max-steps", "1000",
			     "-f", "json", "-o", "out", "-q", "--default-capacity=1000"),
			 0);
	assert_int_equal(o.max_steps, 1000);
	assert_int_equal(o.format, PLAN_OUT_JSON);
	assert_string_equal(o.output, "out");
	assert_true(o.quiet);
	assert_true(o.default_capacity == 1000);

	assert_int_equal(CLI(&o, &e, "--verify", "-t", "t", "plan.json"), 0);
	assert_true(o.verify);
	assert_string_equal(o.plan, "plan.json");
	assert_int_equal(CLI(&o, &e, "plan.json", "--topology=t", "--verify"), 0);
	assert_string_equal(o.plan, "plan.json");
	assert_int_equal(CLI(&o, &e, "--verify=p.json", "-t", "t"), 0);
	assert_string_equal(o.plan, "p.json");
	assert_int_equal(CLI(&o, &e, "--verify", "-t", "t", "-"), 0);
	assert_string_equal(o.plan, "-");
	assert_int_equal(CLI(&o, &e, "--verify", "-t", "t", "-q", "--", "-odd.json"), 0);
	assert_string_equal(o.plan, "-odd.json");

	assert_int_equal(CLI(&o, &e, "--help"), 0);
	assert_true(o.help);
	assert_int_equal(CLI(&o, &e, "--verify", "-h"), 0);

	expect_cli_error(CLI(&o, &e, "--from", "a", "--to", "b"), &e, "missing --topology");
	expect_cli_error(CLI(&o, &e, "-t", "t", "--to", "b"), &e, "missing --from");
	expect_cli_error(CLI(&o, &e, "-t", "t", "--from", "a"), &e, "missing --to");
	expect_cli_error(CLI(&o, &e, "-t", "t", "--from", "a", "--to"), &e,
			 "option --to needs a value");
	expect_cli_error(CLI(&o, &e, "-t", "t", "--from", "a", "--to", "b", "--max-steps", "0"), &e,
			 "option --max-steps: '0' is not a whole number in 1..1000");
	expect_cli_error(CLI(&o, &e, "-t", "t", "--from", "a", "--to", "b", "--max-steps", "1001"),
			 &e, "1..1000");
	expect_cli_error(CLI(&o, &e, "-t", "t", "--from", "a", "--to", "b", "--max-steps", "5x"), &e,
			 "'5x'");
	expect_cli_error(CLI(&o, &e, "-t", "t", "--from", "a", "--to", "b", "--max-steps=-3"), &e,
			 "'-3'");
	expect_cli_error(CLI(&o, &e, "-t", "t", "--from", "a", "--to", "b", "-f", "xml"), &e,
			 "'xml' is not table or json");
	expect_cli_error(CLI(&o, &e, "-t", "t", "--from", "a", "--to", "b", "--default-capacity",
			     "0"),
			 &e, "not a positive number");
	expect_cli_error(CLI(&o, &e, "-t", "t", "--from", "a", "--to", "b", "--quiet=yes"), &e,
			 "option --quiet takes no value");
	expect_cli_error(CLI(&o, &e, "-t", "t", "--from", "a", "--to", "b", "--bogus"), &e,
			 "unknown option '--bogus'");
	expect_cli_error(CLI(&o, &e, "-x"), &e, "unknown option '-x'");
	expect_cli_error(CLI(&o, &e, "-tq"), &e, "unknown option '-tq'");
	expect_cli_error(CLI(&o, &e, "-t", "t", "--from", "a", "--to", "b", "extra"), &e,
			 "unexpected argument 'extra'");
	expect_cli_error(CLI(&o, &e, "--verify", "-t", "t"), &e, "--verify needs a plan file");
	expect_cli_error(CLI(&o, &e, "--verify", "-t", "t", "p1", "p2"), &e, "unexpected 'p2'");
	expect_cli_error(CLI(&o, &e, "--verify", "p1"), &e, "missing --topology");
	expect_cli_error(CLI(&o, &e, "--verify", "-t", "t", "p", "--from", "a"), &e,
			 "option --from does not apply to --verify");
	expect_cli_error(CLI(&o, &e, "--verify", "-t", "t", "p", "--max-steps", "3"), &e,
			 "option --max-steps does not apply");
	expect_cli_error(CLI(&o, &e, "--verify", "-t", "t", "p", "-f", "json"), &e,
			 "option --format does not apply");
	expect_cli_error(CLI(&o, &e, "--verify", "-t", "t", "p", "-o", "x"), &e,
			 "option --output does not apply");
	/* the usage documents every option */
	static const char *const opts[] = { "--topology", "--from",  "--to",
					    "--max-steps", "--format", "--output",
					    "--verify",   "--default-capacity", "--quiet",
					    "--help" };
	for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
		assert_has(plan_cli_usage, opts[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_te_document),
		cmocka_unit_test(test_union_space),
		cmocka_unit_test(test_alloc_ok_small),
		cmocka_unit_test(test_alloc_errors),
		cmocka_unit_test(test_alloc_limits),
		cmocka_unit_test(test_space_segments_and_classes),
		cmocka_unit_test(test_plan_round_trip),
		cmocka_unit_test(test_plan_table),
		cmocka_unit_test(test_plan_parse),
		cmocka_unit_test(test_plan_steps_are_deltas),
		cmocka_unit_test(test_cli),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
