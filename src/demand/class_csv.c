/*
 * class_csv.c - the classes CSV (docs/formats.md, "Classes CSV").
 *
 *     name,priority,paths,latency,max_delay
 *     gold,0,8,low,20000
 *     bulk,2,4,any,
 *
 * The header names the columns, in any order; `name` and `priority` are
 * required, the others optional (an empty field takes the default). An unknown
 * or repeated column is an error rather than ignored, so that a misspelt
 * `max_dealy` cannot quietly drop a latency bound. Fields are plain: no
 * quoting, so names cannot hold commas. Blank lines and lines starting with
 * '#' are comments.
 */
#include "demand/demand.h"

#include <string.h>

#include "lib/text.h"

enum { COL_NAME, COL_PRIORITY, COL_PATHS, COL_LATENCY, COL_MAX_DELAY, N_COLS };

static const char *const col_names[N_COLS] = { "name", "priority", "paths", "latency",
					       "max_delay" };

/* More than this many fields on a line is reported as a wrong field count. */
#define MAX_FIELDS 16

static int fail(class_set *cs, neto_err *err)
{
	class_set_free(cs);
	return -1;
}

/* Reads the header into col[] (field position of each column, or -1). */
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
					   "header: unknown column '%s' (expected name, "
					   "priority, paths, latency, max_delay)",
					   neto_span_str(f[i], b, sizeof b));
		if (col[c] >= 0)
			return neto_err_at(err, fname, lineno, "header: column '%s' appears twice",
					   col_names[c]);
		col[c] = (int)i;
	}
	if (col[COL_NAME] < 0 || col[COL_PRIORITY] < 0)
		return neto_err_at(err, fname, lineno,
				   "header must name the columns 'name' and 'priority' "
				   "(missing '%s')",
				   col[COL_NAME] < 0 ? "name" : "priority");
	*n_fields = n;
	return 0;
}

static int parse_row(class_set *cs, neto_span line, const int col[N_COLS], size_t n_cols,
		     const char *fname, unsigned lineno, neto_err *err)
{
	neto_span f[MAX_FIELDS];
	size_t n = neto_split(line, ',', f, MAX_FIELDS);
	if (n != n_cols)
		return neto_err_at(err, fname, lineno, "expected %zu fields, found %s%zu", n_cols,
				   n > MAX_FIELDS ? "more than " : "",
				   n > MAX_FIELDS ? (size_t)MAX_FIELDS : n);
	char b[64];
	for (size_t i = 0; i < n; i++)
		if (f[i].len > 0 && f[i].p[0] == '"')
			return neto_err_at(err, fname, lineno,
					   "quoted fields are not supported");
	neto_span name = f[col[COL_NAME]];
	if (name.len == 0)
		return neto_err_at(err, fname, lineno, "empty class name");
	uint32_t prio, k = TE_DEFAULT_K;
	te_latency lat = TE_LAT_LOW;
	double max_delay = 0;
	if (!neto_span_to_u32(f[col[COL_PRIORITY]], &prio))
		return neto_err_at(err, fname, lineno,
				   "priority '%s' is not a non-negative integer",
				   neto_span_str(f[col[COL_PRIORITY]], b, sizeof b));
	if (col[COL_PATHS] >= 0 && f[col[COL_PATHS]].len > 0) {
		neto_span s = f[col[COL_PATHS]];
		if (!neto_span_to_u32(s, &k) || k < 1 || k > TE_MAX_K)
			return neto_err_at(err, fname, lineno,
					   "paths '%s' is not an integer in 1..%d",
					   neto_span_str(s, b, sizeof b), TE_MAX_K);
	}
	if (col[COL_LATENCY] >= 0 && f[col[COL_LATENCY]].len > 0) {
		neto_span s = f[col[COL_LATENCY]];
		if (neto_span_ieq(s, "low"))
			lat = TE_LAT_LOW;
		else if (neto_span_ieq(s, "any"))
			lat = TE_LAT_ANY;
		else
			return neto_err_at(err, fname, lineno,
					   "latency '%s' is neither 'low' nor 'any'",
					   neto_span_str(s, b, sizeof b));
	}
	if (col[COL_MAX_DELAY] >= 0 && f[col[COL_MAX_DELAY]].len > 0) {
		neto_span s = f[col[COL_MAX_DELAY]];
		if (!neto_span_to_double(s, &max_delay) || max_delay < 0)
			return neto_err_at(err, fname, lineno,
					   "max_delay '%s' is not a number >= 0 (microseconds)",
					   neto_span_str(s, b, sizeof b));
	}
	neto_err e2;
	if (class_set_add(cs, name.p, name.len, prio, k, lat, max_delay, &e2) != 0)
		return neto_err_at(err, fname, lineno, "%s", e2.msg);
	return 0;
}

int class_parse_csv(class_set *cs, const char *buf, size_t len, const char *fname,
		    neto_err *err)
{
	if (neto_text_check_nul(buf, len, fname, err) != 0)
		return fail(cs, err);
	neto_lines lc;
	neto_span line;
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) { /* UTF-8 byte order mark */
		buf += 3;
		len -= 3;
	}
	neto_lines_init(&lc, buf, len);
	if (!neto_lines_next_data(&lc, &line)) {
		neto_err_at(err, fname, 0, "no header line 'name,priority,...' and no classes");
		return fail(cs, err);
	}
	int col[N_COLS] = { -1, -1, -1, -1, -1 };
	size_t n_cols = 0;
	if (parse_header(line, col, &n_cols, fname, lc.lineno, err) != 0)
		return fail(cs, err);
	unsigned header_line = lc.lineno;
	uint32_t added = 0;
	while (neto_lines_next_data(&lc, &line)) {
		if (parse_row(cs, line, col, n_cols, fname, lc.lineno, err) != 0)
			return fail(cs, err);
		added++;
	}
	if (added == 0) {
		neto_err_at(err, fname, header_line, "no classes after the header");
		return fail(cs, err);
	}
	return 0;
}
