/*
 * demand_csv.c - demands as CSV (docs/formats.md, "Demands CSV").
 *
 *     src,dst,class,rate
 *     NYC,CHI,gold,1200
 *     0,1,bulk,300.5
 *
 * The header names the columns in any order. src, dst and rate are required;
 * without a class column every demand goes to the lowest-priority class, as
 * for REPETITA. src and dst are node names, or 0-based node indices when the
 * field is all digits and no node has that name. Repeated (src, dst, class)
 * triples add up. Unknown or repeated columns are errors. Fields are plain (no
 * quoting); blank lines and lines starting with '#' are comments.
 */
#include "demand/demand.h"

#include <string.h>

#include "lib/text.h"

enum { COL_SRC, COL_DST, COL_CLASS, COL_RATE, N_COLS };

static const char *const col_names[N_COLS] = { "src", "dst", "class", "rate" };

#define MAX_FIELDS 16

static int fail(demand_set *ds)
{
	demand_set_free(ds);
	return -1;
}

static int parse_header(neto_span line, int col[N_COLS], size_t *n_fields, const char *fname,
			unsigned lineno, neto_err *err)
{
	neto_span f[MAX_FIELDS];
	size_t n = neto_split(line, ',', f, MAX_FIELDS);
	if (n > MAX_FIELDS)
		return neto_err_at(err, fname, lineno, "header has more than %d columns",
				   MAX_FIELDS);
	for (int c = 0; c < N_COLS; c++)
		col[c] = -1;
	char b[64];
	for (size_t i = 0; i < n; i++) {
		int c = 0;
		while (c < N_COLS && !neto_span_ieq(f[i], col_names[c]))
			c++;
		if (c == N_COLS)
			return neto_err_at(err, fname, lineno,
					   "header: unknown column '%s' (expected src, dst, "
					   "class, rate)",
					   neto_span_str(f[i], b, sizeof b));
		if (col[c] >= 0)
			return neto_err_at(err, fname, lineno, "header: column '%s' appears twice",
					   col_names[c]);
		col[c] = (int)i;
	}
	for (int c = 0; c < N_COLS; c++)
		if (col[c] < 0 && c != COL_CLASS)
			return neto_err_at(err, fname, lineno,
					   "header must name the columns 'src', 'dst' and "
					   "'rate' (missing '%s')",
					   col_names[c]);
	*n_fields = n;
	return 0;
}

static bool all_digits(neto_span s)
{
	if (s.len == 0)
		return false;
	for (size_t i = 0; i < s.len; i++)
		if (s.p[i] < '0' || s.p[i] > '9')
			return false;
	return true;
}

/* A node field: a name, else an index when all digits. */
static uint32_t resolve_node(const topo *t, neto_span s)
{
	uint32_t v = topo_find_node(t, s.p, s.len);
	if (v != TOPO_NONE)
		return v;
	uint32_t idx;
	if (all_digits(s) && neto_span_to_u32(s, &idx) && idx < t->n_nodes)
		return idx;
	return TOPO_NONE;
}

static int parse_row(demand_set *ds, const topo *t, const class_set *cs, neto_span line,
		     const int col[N_COLS], size_t n_cols, uint32_t default_cls,
		     const char *fname, unsigned lineno, neto_err *err)
{
	neto_span f[MAX_FIELDS];
	size_t n = neto_split(line, ',', f, MAX_FIELDS);
	if (n != n_cols)
		return neto_err_at(err, fname, lineno, "expected %zu fields, found %s%zu", n_cols,
				   n > MAX_FIELDS ? "more than " : "",
				   n > MAX_FIELDS ? (size_t)MAX_FIELDS : n);
	for (size_t i = 0; i < n; i++)
		if (f[i].len > 0 && f[i].p[0] == '"')
			return neto_err_at(err, fname, lineno,
					   "quoted fields are not supported");
	char b[128];
	uint32_t src = resolve_node(t, f[col[COL_SRC]]);
	if (src == TOPO_NONE)
		return neto_err_at(err, fname, lineno, "unknown node '%s' (src)",
				   neto_span_str(f[col[COL_SRC]], b, sizeof b));
	uint32_t dst = resolve_node(t, f[col[COL_DST]]);
	if (dst == TOPO_NONE)
		return neto_err_at(err, fname, lineno, "unknown node '%s' (dst)",
				   neto_span_str(f[col[COL_DST]], b, sizeof b));
	if (src == dst)
		return neto_err_at(err, fname, lineno,
				   "source and destination are the same node '%s'",
				   t->nodes[src].name);
	uint32_t cls = default_cls;
	if (col[COL_CLASS] >= 0) {
		neto_span s = f[col[COL_CLASS]];
		cls = class_find(cs, s.p, s.len);
		if (cls == TOPO_NONE)
			return neto_err_at(err, fname, lineno, "unknown class '%s'",
					   neto_span_str(s, b, sizeof b));
	}
	double rate;
	neto_span r = f[col[COL_RATE]];
	if (!neto_span_to_double(r, &rate))
		return neto_err_at(err, fname, lineno, "rate '%s' is not a number",
				   neto_span_str(r, b, sizeof b));
	if (rate < 0)
		return neto_err_at(err, fname, lineno, "negative rate '%s'",
				   neto_span_str(r, b, sizeof b));
	demand_add(ds, src, dst, cls, rate == 0 ? 0.0 : rate); /* no -0 */
	return 0;
}

int demand_parse_csv(demand_set *ds, const topo *t, const class_set *cs, const char *buf,
		     size_t len, const char *fname, neto_err *err)
{
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) { /* UTF-8 byte order mark */
		buf += 3;
		len -= 3;
	}
	if (neto_text_check_nul(buf, len, fname, err) != 0)
		return fail(ds);
	neto_lines lc;
	neto_span line;
	neto_lines_init(&lc, buf, len);
	if (!neto_lines_next_data(&lc, &line)) {
		neto_err_at(err, fname, 0, "no header line 'src,dst,class,rate'");
		return fail(ds);
	}
	int col[N_COLS] = { -1, -1, -1, -1 };
	size_t n_cols = 0;
	if (parse_header(line, col, &n_cols, fname, lc.lineno, err) != 0)
		return fail(ds);
	uint32_t default_cls = TOPO_NONE;
	if (col[COL_CLASS] < 0) {
		default_cls = class_lowest(cs);
		if (default_cls == TOPO_NONE) {
			neto_err_at(err, fname, lc.lineno, "no traffic class to put demands in");
			return fail(ds);
		}
	}
	while (neto_lines_next_data(&lc, &line))
		if (parse_row(ds, t, cs, line, col, n_cols, default_cls, fname, lc.lineno,
			      err) != 0)
			return fail(ds);
	return 0;
}
