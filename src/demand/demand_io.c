/*
 * demand_io.c - choice of the demand parser (see demand.h): a file whose first
 * data line starts with "DEMANDS" is REPETITA, anything else CSV.
 */
#include "demand/demand.h"

#include <string.h>

#include "lib/text.h"

demand_format demand_detect(const char *buf, size_t len)
{
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
		buf += 3;
		len -= 3;
	}
	neto_lines lc;
	neto_span line;
	neto_lines_init(&lc, buf, len);
	if (neto_lines_next_data(&lc, &line) && line.len >= 7 && memcmp(line.p, "DEMANDS", 7) == 0)
		return DEMAND_FMT_REPETITA;
	return DEMAND_FMT_CSV;
}

int demand_parse(demand_set *ds, demand_format fmt, const topo *t, const class_set *cs,
		 const char *buf, size_t len, const char *fname, neto_err *err)
{
	if (fmt == DEMAND_FMT_AUTO)
		fmt = demand_detect(buf, len);
	switch (fmt) {
	case DEMAND_FMT_REPETITA:
		return demand_parse_repetita(ds, t, cs, buf, len, fname, err);
	case DEMAND_FMT_CSV:
		return demand_parse_csv(ds, t, cs, buf, len, fname, err);
	case DEMAND_FMT_AUTO:
		break;
	}
	demand_set_free(ds);
	return neto_err_at(err, fname, 0, "unknown demand format %d", (int)fmt);
}
