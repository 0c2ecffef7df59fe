/*
 * plan.h - the model of the transition planner: tunnels, their paths, and
 * configurations (a rate on every path of every tunnel).
 *
 * A tunnel is a demand's SR policy at its head-end: (src, dst, class). Its
 * traffic is split over paths with the given rates, and the head-end switches
 * all of a tunnel's rates at once. The planner works in one index space that
 * holds the union of the tunnels and paths of the installed configuration and
 * of the target: a configuration is then one rate per entry, and the entries
 * that a configuration does not use are 0.
 *
 * Ownership: a plan_space owns its arrays and strings (plan_space_free). A
 * configuration is a plain array of plan_space.n_entries doubles owned by
 * whoever allocated it. The space borrows the topology.
 */
#ifndef NETO_PLAN_PLAN_H
#define NETO_PLAN_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "lib/strmap.h"
#include "topo/topo.h"

typedef struct plan_tunnel {
	uint32_t src, dst;      /* node indices */
	char *cls;              /* class name */
	uint32_t priority;      /* class priority, 0 = highest */
	uint32_t entry_off;     /* its paths: entries [entry_off, entry_off + n_entries) */
	uint32_t n_entries;
} plan_tunnel;

typedef struct plan_entry {
	uint32_t tunnel;
	uint32_t link_off, n_links;   /* into plan_space.links */
	uint32_t seg_off, n_segs;     /* into plan_space.segs (SID strings) */
} plan_entry;

typedef struct plan_space {
	const topo *t;
	plan_tunnel *tunnels;
	size_t n_tunnels;
	plan_entry *entries;
	size_t n_entries;
	uint32_t *links;
	size_t n_links;
	char **segs;                  /* owned strings */
	size_t n_segs;
} plan_space;

/* One allocation as read from `neto te --format json` (or a plan step):
 * tunnels with their paths and rates, names resolved against the topology. */
typedef struct plan_alloc_path {
	uint32_t *links;
	uint32_t n_links;
	char **segs;
	uint32_t n_segs;
	double rate;
} plan_alloc_path;

typedef struct plan_alloc_tunnel {
	uint32_t src, dst;
	char *cls;
	uint32_t priority;
	plan_alloc_path *paths;
	uint32_t n_paths;
} plan_alloc_tunnel;

typedef struct plan_alloc {
	plan_alloc_tunnel *tunnels;
	size_t n_tunnels;
} plan_alloc;

void plan_alloc_free(plan_alloc *a);

/* Parses a `neto te --format json` document (buf, len) against the topology:
 * node and link names must exist, a path's links must be connected from src
 * to dst, rates >= 0, priorities from the "classes" array (a class missing
 * there is an error). Errors name fname and the JSON path. */
int plan_alloc_parse(plan_alloc *a, const topo *t, const char *buf, size_t len,
		     const char *fname, neto_err *err);

void plan_space_init(plan_space *s, const topo *t);
void plan_space_free(plan_space *s);

/* Builds the union space of allocations a[0..n) and writes, for each, its
 * configuration: cfg[i] is a new array of s->n_entries rates (caller frees
 * each with free()). Tunnels match by (src, dst, class), paths by their link
 * sequence. */
int plan_space_build(plan_space *s, const plan_alloc *a, size_t n, double **cfg,
		     neto_err *err);

/* Load of every link under configuration cfg (load[] has t->n_links). */
void plan_link_loads(const plan_space *s, const double *cfg, double *load);

/* One congestion-free violation: during the step from configuration `step`
 * to step + 1, link `link` may carry `load` > its capacity. */
typedef struct plan_violation {
	size_t step;
	uint32_t link;
	double load, capacity;
} plan_violation;

/* Checks the property of every step cfg[i] -> cfg[i+1], i < n - 1: on every
 * link, the sum over tunnels of max(load_i(tunnel, l), load_i+1(tunnel, l))
 * is at most the capacity (relative tolerance 1e-9). Writes up to max_v
 * violations into v (may be NULL) and returns how many there are in all.
 * worst[i] (may be NULL, n - 1 entries) gets each step's peak transient
 * utilisation. */
size_t plan_verify(const plan_space *s, const double *const *cfg, size_t n, plan_violation *v,
		   size_t max_v, double *worst);

#endif
