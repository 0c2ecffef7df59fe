/*
 * topo_io.h - topology parsers. Each takes the whole input as (buf, len), need
 * not be NUL-terminated, does no I/O, and on failure fills *err with
 * "FILE:LINE: problem" (fname names the input in messages). On success the
 * topology is finished (topo_finish has run); on failure *t is left empty
 * (freed and re-initialised) and may be freed again.
 */
#ifndef NETO_TOPO_TOPO_IO_H
#define NETO_TOPO_TOPO_IO_H

#include <stddef.h>
#include <stdio.h>

#include "topo/topo.h"

typedef enum topo_format {
	TOPO_FMT_AUTO = 0,
	TOPO_FMT_REPETITA, /* REPETITA .graph text */
	TOPO_FMT_GRAPHML,  /* Topology Zoo GraphML */
	TOPO_FMT_JSON,     /* neto JSON (docs/formats.md), or networkx node-link JSON */
} topo_format;

typedef struct topo_parse_opts {
	/* Capacity for links without one (GraphML); <= 0 means "required". */
	double default_capacity;
} topo_parse_opts;

/* Guesses the format from the content (first non-blank bytes). */
topo_format topo_detect(const char *buf, size_t len);
const char *topo_format_name(topo_format f);

int topo_parse(topo *t, topo_format fmt, const char *buf, size_t len, const char *fname,
	       const topo_parse_opts *opts, neto_err *err);

int topo_parse_repetita(topo *t, const char *buf, size_t len, const char *fname, neto_err *err);
int topo_parse_graphml(topo *t, const char *buf, size_t len, const char *fname,
		       const topo_parse_opts *opts, neto_err *err);
int topo_parse_json(topo *t, const char *buf, size_t len, const char *fname, neto_err *err);

/* Writes t as a neto JSON document (docs/formats.md) that topo_parse_json
 * reads back as the same topology: every field of every node and link, in
 * the same order, numbers exact (17 significant digits). The output depends
 * on t alone, so equal topologies give equal bytes. Returns 0, or -1 with
 * errno set: EILSEQ when the unit, a node name or a link id is not valid
 * UTF-8 (JSON cannot carry it), ERANGE when an IGP metric is above
 * 16,777,215 (the JSON range); nothing is written then. Else the stream's
 * error. */
int topo_json_write(FILE *f, const topo *t);

#endif
