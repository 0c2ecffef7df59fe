/*
 * demand_repetita.c - REPETITA .demands files (docs/formats.md).
 *
 *     DEMANDS 110
 *     label src dest bw
 *     demand_0 0 1 300632
 *
 * src and dest are 0-based node indices of the matching .graph file, bw a
 * rate in kbps. REPETITA has no classes: every demand goes to the
 * lowest-priority class. The declared count must match the lines that follow;
 * it is never used to size an allocation.
 *
 * A line with src == dest is traffic that stays inside one node: it crosses
 * no link and asks for no routing decision. The published matrices hold such
 * lines (307 of the 96,057 of Rocketfuel AS1239), so here, and only here,
 * they are counted against DEMANDS and otherwise skipped (docs/formats.md);
 * in neto's own CSV a demand from a node to itself is an error.
 */
#include "demand/demand.h"

#include <string.h>

#include "lib/text.h"

static int fail(demand_set *ds)
{
	demand_set_free(ds);
	return -1;
}

static int parse_line(demand_set *ds, const topo *t, uint32_t cls, neto_span line,
		      const char *fname, unsigned lineno, neto_err *err)
{
	neto_span f[4];
	char b[64];
	size_t n = neto_split(line, 0, f, 4);
	if (n != 4)
		return neto_err_at(err, fname, lineno,
				   "expected 4 fields 'label src dest bw', found %s%zu",
				   n > 4 ? "more than " : "", n > 4 ? (size_t)4 : n);
	uint32_t src, dst;
	if (!neto_span_to_u32(f[1], &src))
		return neto_err_at(err, fname, lineno, "src '%s' is not a node index",
				   neto_span_str(f[1], b, sizeof b));
	if (!neto_span_to_u32(f[2], &dst))
		return neto_err_at(err, fname, lineno, "dest '%s' is not a node index",
				   neto_span_str(f[2], b, sizeof b));
	if (src >= t->n_nodes || dst >= t->n_nodes)
		return neto_err_at(err, fname, lineno,
				   "unknown node %u (the topology has %u nodes, 0..%u)",
				   src >= t->n_nodes ? src : dst, t->n_nodes,
				   t->n_nodes ? t->n_nodes - 1 : 0);
	double rate;
	if (!neto_span_to_double(f[3], &rate))
		return neto_err_at(err, fname, lineno, "rate '%s' is not a number",
				   neto_span_str(f[3], b, sizeof b));
	if (rate < 0)
		return neto_err_at(err, fname, lineno, "negative rate '%s'",
				   neto_span_str(f[3], b, sizeof b));
	if (src != dst)
		demand_add(ds, src, dst, cls, rate == 0 ? 0.0 : rate);
	return 0;
}

int demand_parse_repetita(demand_set *ds, const topo *t, const class_set *cs,
			  const char *buf, size_t len, const char *fname, neto_err *err)
{
	static const char *const hdr[] = { "label", "src", "dest", "bw" };
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
		buf += 3;
		len -= 3;
	}
	uint32_t cls = class_lowest(cs);
	if (cls == TOPO_NONE) {
		neto_err_at(err, fname, 0, "no traffic class to put demands in");
		return fail(ds);
	}
	if (neto_text_check_nul(buf, len, fname, err) != 0)
		return fail(ds);
	neto_lines lc;
	neto_span line, f[3];
	char b[64];
	neto_lines_init(&lc, buf, len);
	if (!neto_lines_next_data(&lc, &line)) {
		neto_err_at(err, fname, 0, "missing 'DEMANDS <count>' section");
		return fail(ds);
	}
	uint32_t count = 0;
	if (neto_split(line, 0, f, 2) != 2 || !neto_span_eq(f[0], "DEMANDS")) {
		neto_err_at(err, fname, lc.lineno, "expected 'DEMANDS <count>', found '%s'",
			    neto_span_str(line, b, sizeof b));
		return fail(ds);
	}
	if (!neto_span_to_u32(f[1], &count)) {
		neto_err_at(err, fname, lc.lineno, "DEMANDS count '%s' is not an integer",
			    neto_span_str(f[1], b, sizeof b));
		return fail(ds);
	}
	unsigned decl_line = lc.lineno;
	if (!neto_lines_next_data(&lc, &line) || !neto_header_is(line, hdr, 4)) {
		neto_err_at(err, fname, lc.lineno, "expected header line 'label src dest bw'");
		return fail(ds);
	}
	uint32_t seen = 0;
	while (neto_lines_next_data(&lc, &line)) {
		if (seen == count) {
			neto_err_at(err, fname, lc.lineno,
				    "more demand lines than DEMANDS declares (%u)", count);
			return fail(ds);
		}
		if (parse_line(ds, t, cls, line, fname, lc.lineno, err) != 0)
			return fail(ds);
		seen++;
	}
	if (seen != count) {
		neto_err_at(err, fname, decl_line,
			    "DEMANDS declares %u demands but %u lines follow", count, seen);
		return fail(ds);
	}
	return 0;
}
