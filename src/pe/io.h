/*
 * io.h - the peering decision's inputs as text (and BMP captures), gathered
 * into one pe_input that builds a pe_problem. Formats: docs/peering.md.
 *
 * Parsers are pure: they take (buf, len) and a file name for messages
 * ("FILE:LINE: problem"); the command does the file I/O. Order matters:
 * the peering file (links, egresses) first, then routes (text or BMP),
 * then traffic and latencies, which name prefixes and egresses already
 * known.
 *
 * Ownership: pe_input_free releases everything, the problem arrays built by
 * pe_input_build included; the pe_problem borrows them.
 */
#ifndef NETO_PE_IO_H
#define NETO_PE_IO_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "lib/strmap.h"
#include "pe/decide.h"
#include "pe/rib.h"

typedef struct pe_lat_meas {
	uint32_t pfx, egress;
	float ms;
} pe_lat_meas;

typedef struct pe_input {
	pe_rib *rib;
	neto_strmap router_ix;
	char **routers;
	size_t n_routers;
	neto_strmap link_ix;
	char **links;
	double *cap;
	size_t n_links;
	neto_strmap egress_ix;
	char **egresses;
	uint32_t *egress_link, *egress_router;
	uint8_t (*egress_addr)[16];
	size_t n_egress;
	pe_lat_meas *meas;
	size_t n_meas, cap_meas;
	pe_lat_table *static_lat;
	float default_lat;	/* ms, when neither table knows; default 100 */
	pe_demand *dem;
	size_t n_dem, cap_dem;
	unsigned n_class;
	/* counters for the report */
	size_t n_route_lines, n_bmp_msgs, n_traffic_unrouted;
	/* built by pe_input_build */
	uint32_t *cand_off, *cand_egress, *bgp_best;
	float *cand_lat;
	uint8_t *pfx_len, *pfx_family;
	size_t n_unmapped;	/* routes from peers no egress names */
	size_t n_lat_static, n_lat_default;
} pe_input;

void pe_input_init(pe_input *in);
void pe_input_free(pe_input *in);

/* "link NAME CAPACITY" and "egress NAME ROUTER PEER-ADDRESS LINK" lines. */
int pe_parse_peering(pe_input *in, const char *buf, size_t len, const char *fname,
		     neto_err *err);
/* "PREFIX ROUTER PEER-ADDRESS PEER-AS AS-PATH NEXT-HOP [med=N] [lp=N]
 * [origin=igp|egp|incomplete] [comm=A:B,...]" lines. */
int pe_parse_routes(pe_input *in, const char *buf, size_t len, const char *fname,
		    neto_err *err);
/* A BMP byte stream as received from border router `router`. */
int pe_read_bmp(pe_input *in, const char *router, const uint8_t *buf, size_t len,
		const char *fname, neto_err *err);
/* "PREFIX CLASS RATE" lines; a prefix without any route is counted. */
int pe_parse_traffic(pe_input *in, const char *buf, size_t len, const char *fname,
		     neto_err *err);
/* "PREFIX EGRESS MS" lines: measured (per known prefix) or static (any
 * covering prefix, longest match). */
int pe_parse_latency(pe_input *in, const char *buf, size_t len, const char *fname,
		     bool is_static, neto_err *err);

/* Builds the candidates (routes of peers that an egress names), their
 * latencies (measured, else static, else default_lat) and BGP's choice. */
int pe_input_build(pe_input *in, pe_problem *p, neto_err *err);

/* "10.0.0.0/8" etc. into out (at least 64 octets). */
const char *pe_prefix_str(int family, const uint8_t *addr, uint8_t len, char *out, size_t n);

/* "10G", "2.5M", "300k", "1e9": bit/s. */
bool pe_parse_rate(const char *s, size_t len, double *out);

#endif
