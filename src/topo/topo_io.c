/*
 * topo_io.c - choice of the topology parser (see topo_io.h).
 *
 * Detection looks only at the first meaningful bytes, after an optional UTF-8
 * byte order mark and blanks: '<' is GraphML (XML), '{' JSON, and a first
 * line "NODES <count>" REPETITA. Anything else is reported, not guessed.
 */
#include "topo/topo_io.h"

#include <string.h>

topo_format topo_detect(const char *buf, size_t len)
{
	size_t i = 0;
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n' ||
			   buf[i] == '\v' || buf[i] == '\f'))
		i++;
	if (i >= len)
		return TOPO_FMT_AUTO;
	if (buf[i] == '<')
		return TOPO_FMT_GRAPHML;
	if (buf[i] == '{')
		return TOPO_FMT_JSON;
	if (len - i > 5 && memcmp(buf + i, "NODES", 5) == 0 &&
	    (buf[i + 5] == ' ' || buf[i + 5] == '\t'))
		return TOPO_FMT_REPETITA;
	return TOPO_FMT_AUTO;
}

const char *topo_format_name(topo_format f)
{
	switch (f) {
	case TOPO_FMT_AUTO:
		return "auto";
	case TOPO_FMT_REPETITA:
		return "repetita";
	case TOPO_FMT_GRAPHML:
		return "graphml";
	case TOPO_FMT_JSON:
		return "json";
	}
	return "unknown";
}

int topo_parse(topo *t, topo_format fmt, const char *buf, size_t len, const char *fname,
	       const topo_parse_opts *opts, neto_err *err)
{
	if (fmt == TOPO_FMT_AUTO) {
		fmt = topo_detect(buf, len);
		if (fmt == TOPO_FMT_AUTO) {
			topo_free(t);
			return neto_err_at(err, fname, 0,
					   "unknown topology format: expected GraphML ('<'), "
					   "JSON ('{') or REPETITA ('NODES <count>')");
		}
	}
	switch (fmt) {
	case TOPO_FMT_REPETITA:
		return topo_parse_repetita(t, buf, len, fname, err);
	case TOPO_FMT_GRAPHML:
		return topo_parse_graphml(t, buf, len, fname, opts, err);
	case TOPO_FMT_JSON:
		return topo_parse_json(t, buf, len, fname, err);
	case TOPO_FMT_AUTO:
		break;
	}
	topo_free(t);
	return neto_err_at(err, fname, 0, "unknown topology format %d", (int)fmt);
}
