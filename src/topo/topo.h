/*
 * topo.h - the WAN topology: nodes (sites / routers) and directed links.
 *
 * Links are directed and distinct by id: two links may join the same pair of
 * nodes (parallel links, e.g. in REPETITA). Capacity is in the input's unit
 * (kbps for REPETITA; whatever the operator uses in JSON), the same unit as
 * demand rates. Delay is in microseconds. The IGP metric drives segment
 * encoding (which paths the routers would take by themselves).
 *
 * Ownership: a topo owns all of its strings and arrays; topo_free releases
 * them. Indices (uint32_t) are stable once topo_finish has run.
 */
#ifndef NETO_TOPO_TOPO_H
#define NETO_TOPO_TOPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "lib/strmap.h"

#define TOPO_NONE UINT32_MAX

typedef struct topo_node {
	char *name;
	bool has_locator;
	uint8_t locator[16];  /* SRv6 locator prefix (network byte order) */
	uint8_t locator_len;  /* prefix length in bits */
	bool has_coord;
	double lat, lon;      /* degrees, when known */
} topo_node;

typedef struct topo_link {
	char *id;
	uint32_t src, dst;    /* node indices */
	double capacity;      /* > 0, input's unit */
	double delay;         /* microseconds, >= 0 */
	uint32_t igp;         /* IGP metric, >= 1 */
	uint32_t *srlgs;      /* n_srlgs shared-risk link group numbers */
	uint32_t n_srlgs;
	bool has_adj_sid;
	uint8_t adj_sid[16];  /* SRv6 End.X SID of this adjacency */
	bool up;              /* false: down (kept so that names stay stable);
			       * traffic engineering does not use it */
} topo_link;

typedef struct topo {
	topo_node *nodes;
	uint32_t n_nodes, cap_nodes;
	topo_link *links;
	uint32_t n_links, cap_links;
	char *unit;           /* capacity unit name ("kbps"), or NULL if unknown */
	neto_strmap node_by_name;
	neto_strmap link_by_id;
	/* Out-adjacency in CSR form, built by topo_finish: the links leaving node
	 * v are out_links[out_off[v] .. out_off[v+1]), in input order. */
	uint32_t *out_off;
	uint32_t *out_links;
	uint32_t *in_off;
	uint32_t *in_links;
} topo;

void topo_init(topo *t);
void topo_free(topo *t);

/* Adds a node; returns its index, or TOPO_NONE with *err set when the name is
 * empty or already used. The name is copied. */
uint32_t topo_add_node(topo *t, const char *name, size_t name_len, neto_err *err);

/* Adds a link. id is copied; srlgs are copied. Fails on a duplicate id, an
 * unknown node, a self-loop, capacity <= 0, delay < 0 or igp == 0. The error
 * has no file or line: parsers prefix their own position. */
uint32_t topo_add_link(topo *t, const char *id, size_t id_len, uint32_t src, uint32_t dst,
		       double capacity, double delay, uint32_t igp, neto_err *err);

/* Builds the adjacency arrays. Call once after the last add; fails when the
 * topology has no node or no link. */
int topo_finish(topo *t, neto_err *err);

uint32_t topo_find_node(const topo *t, const char *name, size_t len);
uint32_t topo_find_link(const topo *t, const char *id, size_t len);

/* Great-circle delay in microseconds between two coordinates at 2/3 of the
 * speed of light (propagation in fibre). */
double topo_geo_delay_us(double lat1, double lon1, double lat2, double lon2);

/* Default IGP metric for a link without one: its delay in units of 100 us,
 * rounded up, at least 1 (documented in docs/formats.md). */
uint32_t topo_default_igp(double delay_us);

#endif
