/*
 * repetita.c - REPETITA .graph topologies (docs/formats.md, "REPETITA").
 *
 *     NODES 11
 *     label x y
 *     0_New_York -74.00597 40.71427
 *     ...
 *     EDGES 28
 *     label src dest weight bw delay
 *     edge_0 0 1 10 9953280 1913
 *
 * Nodes are numbered by their order (0-based) and named by their label; x/y
 * are longitude/latitude. Links are directed and distinct by label (parallel
 * links occur): src and dest are node indices, weight the IGP metric (>= 1),
 * bw the capacity in kbps and delay the propagation delay in microseconds
 * (0 occurs in the data set and is accepted). Declared counts must match the
 * lines that follow; they never size an allocation.
 */
#include "topo/topo_io.h"

#include <string.h>

#include "lib/mem.h"
#include "lib/text.h"

static int fail(topo *t)
{
	topo_free(t);
	return -1;
}

/* Whether the line looks like "KEYWORD <something>". */
static bool is_section(neto_span line, const char *kw)
{
	neto_span f[3];
	return neto_split(line, 0, f, 2) == 2 && neto_span_eq(f[0], kw);
}

/* "KEYWORD <count>" on its own line. */
static int section(neto_lines *lc, const char *kw, uint32_t *count, const char *fname,
		   neto_err *err)
{
	neto_span line, f[3];
	char b[64];
	if (!neto_lines_next_data(lc, &line))
		return neto_err_at(err, fname, lc->lineno, "missing '%s <count>' section", kw);
	if (neto_split(line, 0, f, 2) != 2 || !neto_span_eq(f[0], kw))
		return neto_err_at(err, fname, lc->lineno, "expected '%s <count>', found '%s'",
				   kw, neto_span_str(line, b, sizeof b));
	if (!neto_span_to_u32(f[1], count))
		return neto_err_at(err, fname, lc->lineno, "%s count '%s' is not an integer", kw,
				   neto_span_str(f[1], b, sizeof b));
	return 0;
}

static int parse_node(topo *t, neto_span line, const char *fname, unsigned lineno,
		      neto_err *err)
{
	neto_span f[3];
	char b[64];
	size_t n = neto_split(line, 0, f, 3);
	if (n != 3)
		return neto_err_at(err, fname, lineno,
				   "expected 3 fields 'label x y', found %s%zu",
				   n > 3 ? "more than " : "", n > 3 ? (size_t)3 : n);
	double x, y;
	if (!neto_span_to_double(f[1], &x))
		return neto_err_at(err, fname, lineno, "x '%s' is not a number",
				   neto_span_str(f[1], b, sizeof b));
	if (!neto_span_to_double(f[2], &y))
		return neto_err_at(err, fname, lineno, "y '%s' is not a number",
				   neto_span_str(f[2], b, sizeof b));
	neto_err e2;
	uint32_t v = topo_add_node(t, f[0].p, f[0].len, &e2);
	if (v == TOPO_NONE)
		return neto_err_at(err, fname, lineno, "%s", e2.msg);
	/* Synthetic topologies use plane coordinates: keep only geographic ones. */
	if (x >= -180 && x <= 180 && y >= -90 && y <= 90) {
		t->nodes[v].has_coord = true;
		t->nodes[v].lon = x;
		t->nodes[v].lat = y;
	}
	return 0;
}

static int parse_link(topo *t, neto_span line, const char *fname, unsigned lineno,
		      neto_err *err)
{
	neto_span f[6];
	char b[64];
	size_t n = neto_split(line, 0, f, 6);
	if (n != 6)
		return neto_err_at(err, fname, lineno,
				   "expected 6 fields 'label src dest weight bw delay', found %s%zu",
				   n > 6 ? "more than " : "", n > 6 ? (size_t)6 : n);
	uint32_t src, dst, weight;
	double bw, delay;
	if (!neto_span_to_u32(f[1], &src))
		return neto_err_at(err, fname, lineno, "src '%s' is not a node index",
				   neto_span_str(f[1], b, sizeof b));
	if (!neto_span_to_u32(f[2], &dst))
		return neto_err_at(err, fname, lineno, "dest '%s' is not a node index",
				   neto_span_str(f[2], b, sizeof b));
	if (src >= t->n_nodes || dst >= t->n_nodes)
		return neto_err_at(err, fname, lineno,
				   "unknown node %u (NODES declares %u, 0..%u)",
				   src >= t->n_nodes ? src : dst, t->n_nodes, t->n_nodes - 1);
	if (!neto_span_to_u32(f[3], &weight) || weight == 0)
		return neto_err_at(err, fname, lineno, "weight '%s' is not an integer >= 1",
				   neto_span_str(f[3], b, sizeof b));
	if (!neto_span_to_double(f[4], &bw) || !(bw > 0))
		return neto_err_at(err, fname, lineno, "bw '%s' is not a positive number",
				   neto_span_str(f[4], b, sizeof b));
	if (!neto_span_to_double(f[5], &delay) || delay < 0)
		return neto_err_at(err, fname, lineno, "delay '%s' is not a number >= 0",
				   neto_span_str(f[5], b, sizeof b));
	neto_err e2;
	if (topo_add_link(t, f[0].p, f[0].len, src, dst, bw, delay == 0 ? 0.0 : delay, weight,
			  &e2) == TOPO_NONE)
		return neto_err_at(err, fname, lineno, "%s", e2.msg);
	return 0;
}

int topo_parse_repetita(topo *t, const char *buf, size_t len, const char *fname, neto_err *err)
{
	static const char *const node_hdr[] = { "label", "x", "y" };
	static const char *const link_hdr[] = { "label", "src", "dest", "weight", "bw", "delay" };
	topo_free(t);
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
		buf += 3;
		len -= 3;
	}
	if (neto_text_check_nul(buf, len, fname, err) != 0)
		return fail(t);
	neto_lines lc;
	neto_span line;
	neto_lines_init(&lc, buf, len);
	uint32_t n_nodes = 0, n_links = 0;

	if (section(&lc, "NODES", &n_nodes, fname, err) != 0)
		return fail(t);
	unsigned decl = lc.lineno;
	if (!neto_lines_next_data(&lc, &line) || !neto_header_is(line, node_hdr, 3)) {
		neto_err_at(err, fname, lc.lineno, "expected header line 'label x y'");
		return fail(t);
	}
	for (uint32_t i = 0; i < n_nodes; i++) {
		if (!neto_lines_next_data(&lc, &line) ||
		    is_section(line, "EDGES")) {
			neto_err_at(err, fname, decl, "NODES declares %u nodes but %u lines follow",
				    n_nodes, i);
			return fail(t);
		}
		if (parse_node(t, line, fname, lc.lineno, err) != 0)
			return fail(t);
	}

	if (section(&lc, "EDGES", &n_links, fname, err) != 0)
		return fail(t);
	decl = lc.lineno;
	if (!neto_lines_next_data(&lc, &line) || !neto_header_is(line, link_hdr, 6)) {
		neto_err_at(err, fname, lc.lineno,
			    "expected header line 'label src dest weight bw delay'");
		return fail(t);
	}
	for (uint32_t i = 0; i < n_links; i++) {
		if (!neto_lines_next_data(&lc, &line)) {
			neto_err_at(err, fname, decl, "EDGES declares %u links but %u lines follow",
				    n_links, i);
			return fail(t);
		}
		if (parse_link(t, line, fname, lc.lineno, err) != 0)
			return fail(t);
	}
	if (neto_lines_next_data(&lc, &line)) {
		neto_err_at(err, fname, lc.lineno, "more link lines than EDGES declares (%u)",
			    n_links);
		return fail(t);
	}

	neto_err e2;
	if (topo_finish(t, &e2) != 0) {
		neto_err_at(err, fname, 0, "%s", e2.msg);
		return fail(t);
	}
	t->unit = neto_strdup("kbps");
	return 0;
}
