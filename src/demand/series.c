/*
 * series.c - a demand time series as CSV (docs/formats.md, "Demand series"):
 * the demand CSV with a first column "hour", one matrix per hour.
 *
 *     hour,src,dst,class,rate
 *     0,NYC,CHI,gold,1200
 *     1,NYC,CHI,gold,900
 *
 * Each hour's matrix is read by the demand CSV parser itself, so a series
 * accepts and rejects exactly what a demand file does: for hour h the parser
 * sees the header without its first column and, line for line, the lines of
 * hour h without theirs, and blank lines in place of the others. Line
 * numbers in its errors are therefore those of the series file.
 */
#include <stdlib.h>
#include <string.h>

#include "demand/demand.h"
#include "lib/mem.h"
#include "lib/text.h"

void demand_series_init(demand_series *s)
{
	memset(s, 0, sizeof *s);
}

void demand_series_free(demand_series *s)
{
	for (size_t i = 0; i < s->n; i++)
		demand_set_free(&s->v[i]);
	free(s->v);
	demand_series_init(s);
}

/* The first field of line (up to the first comma) and the rest after it. */
static bool cut_first(neto_span line, neto_span *first, neto_span *rest)
{
	const char *c = memchr(line.p, ',', line.len);
	if (c == NULL)
		return false;
	first->p = line.p;
	first->len = (size_t)(c - line.p);
	*first = neto_span_trim(*first);
	rest->p = c + 1;
	rest->len = line.len - (size_t)(c + 1 - line.p);
	return true;
}

int demand_series_parse(demand_series *s, const topo *t, const class_set *cs, const char *buf,
			size_t len, const char *fname, neto_err *err)
{
	demand_series_init(s);
	if (neto_text_check_nul(buf, len, fname, err) != 0)
		return -1;
	neto_lines lc;
	neto_span line, first, rest;
	neto_lines_init(&lc, buf, len);
	if (!neto_lines_next_data(&lc, &line))
		return neto_err_at(err, fname, 0, "empty series: expected a header 'hour,src,dst,...'");
	if (!cut_first(line, &first, &rest) || !neto_span_ieq(first, "hour"))
		return neto_err_at(err, fname, lc.lineno,
				   "header: the first column must be 'hour'");
	unsigned header_line = lc.lineno;
	/* first pass: hours present, and checks of the hour field */
	uint32_t max_hour = 0;
	bool any = false;
	while (neto_lines_next_data(&lc, &line)) {
		uint32_t h;
		char b[32];
		if (!cut_first(line, &first, &rest))
			return neto_err_at(err, fname, lc.lineno, "expected 'hour,...'");
		if (!neto_span_to_u32(first, &h) || h >= DEMAND_SERIES_MAX)
			return neto_err_at(err, fname, lc.lineno,
					   "hour '%s' is not an integer 0..%d",
					   neto_span_str(first, b, sizeof b), DEMAND_SERIES_MAX - 1);
		if (h > max_hour)
			max_hour = h;
		any = true;
	}
	if (!any)
		return neto_err_at(err, fname, header_line, "a series needs at least one demand line");
	s->n = (size_t)max_hour + 1;
	s->v = neto_calloc(s->n, sizeof *s->v);
	for (size_t i = 0; i < s->n; i++)
		demand_set_init(&s->v[i]);
	/* one buffer as long as the input, rewritten for each hour */
	char *hb = neto_malloc(len + 1);
	for (uint32_t h = 0; h <= max_hour; h++) {
		size_t o = 0;
		neto_lines_init(&lc, buf, len);
		bool header_done = false;
		while (neto_lines_next(&lc, &line)) {
			neto_span keep = { line.p, 0 };
			if (line.len > 0 && line.p[0] != '#' && cut_first(line, &first, &rest)) {
				uint32_t lh;
				if (!header_done) {
					keep = rest;
					header_done = true;
				} else if (neto_span_to_u32(first, &lh) && lh == h) {
					keep = rest;
				}
			} else if (!header_done && line.len > 0 && line.p[0] != '#') {
				header_done = true;
			}
			memcpy(hb + o, keep.p, keep.len);
			o += keep.len;
			hb[o++] = '\n';
		}
		if (demand_parse_csv(&s->v[h], t, cs, hb, o, fname, err) != 0) {
			free(hb);
			demand_series_free(s);
			return -1;
		}
	}
	free(hb);
	return 0;
}
