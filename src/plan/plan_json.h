/*
 * plan_json.h - a transition plan as a document: the JSON that `neto plan`
 * writes (docs/formats.md, "Output of neto plan"), the parser that reads it
 * back for `neto plan --verify`, and the operator's table.
 *
 * A plan file holds the installed configuration ("initial") and, per step,
 * the tunnels whose rates change in that step with all of their paths in the
 * new configuration. So a plan file alone is enough to rebuild every
 * configuration and check every step; nothing refers to the inputs the plan
 * was computed from.
 *
 * The writers stream (no document tree in memory); the parser uses jansson,
 * like every JSON input of neto, and never does I/O.
 *
 * The last part of this header is shared by the two JSON readers of the plan
 * module (alloc_json.c, plan_json.c) and is not for other callers.
 */
#ifndef NETO_PLAN_PLAN_JSON_H
#define NETO_PLAN_PLAN_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/err.h"
#include "lib/strmap.h"
#include "plan/plan.h"
#include "plan/planner.h"

/* Most steps a plan may have (`neto plan --max-steps`, and plan files). */
#define PLAN_MAX_STEPS 1000

/* What a plan document shows. Everything is borrowed from the caller. */
typedef struct plan_doc {
	const plan_space *s;
	const double *const *cfg;        /* n_configs configurations, cfg[0] installed */
	size_t n_configs;                /* steps = n_configs - 1 */
	const plan_throttle *throttled;  /* may be NULL when n_throttled is 0 */
	size_t n_throttled;
	/* Router updates of each step (n_configs - 1 lists), or NULL for none. */
	const plan_update *const *updates;
	const size_t *n_updates;
	size_t swan_bound;               /* plan_swan_bound, 0: no slack */
	double compute_seconds;
} plan_doc;

/* Writes the plan as one JSON document. Returns 0, or -1 on a write error
 * (errno set). The peak transient utilisation of every step is computed here
 * with plan_verify, so it is the verifier's own number. */
int plan_json_write(FILE *f, const plan_doc *d);

/* Writes the human-readable summary of `neto plan` (format table). Returns 0,
 * or -1 on a write error. */
int plan_table_write(FILE *f, const plan_doc *d);

/* Parses a plan document (buf, len) against the topology into the space *s
 * (initialised by the caller with plan_space_init and empty) and the list of
 * its configurations: *cfg gets *n_cfg arrays of s->n_entries rates, the
 * installed one first and then one per step. The caller frees them with
 * plan_json_cfg_free and the space with plan_space_free. Errors name fname
 * and the JSON path; on failure *s is empty and *cfg NULL. */
int plan_json_parse(plan_space *s, double ***cfg, size_t *n_cfg, const char *buf, size_t len,
		    const char *fname, neto_err *err);

void plan_json_cfg_free(double **cfg, size_t n_cfg);

/* ---- internal to src/plan: shared by the two JSON readers ---- */

struct json_t;

/* Names and priorities of the classes of one document ("classes" array). */
typedef struct plan_classes {
	neto_strmap by_name;  /* name -> index */
	uint32_t *prio;
	size_t n;
} plan_classes;

void plan_classes_init(plan_classes *c);
void plan_classes_free(plan_classes *c);

/* Reads a "classes" array at JSON path `where`: objects with a unique
 * non-empty string "name" and an integer "priority" >= 0. */
int plan_json_classes(plan_classes *c, const struct json_t *arr, const char *fname,
		      const char *where, neto_err *err);

/* Reads an array of tunnels (the "demands" of `neto te`, the "tunnels" of a
 * plan) at JSON path `where` into *a (initialised empty by the caller: all
 * zero). Node, link and class names must exist, paths chain from src to dst
 * without visiting a node twice, rates are numbers >= 0, segments IPv6
 * addresses; a tunnel or, inside a tunnel, a path given twice is an error.
 * Members that neto does not read are ignored. On failure *a is freed. */
int plan_json_tunnels(plan_alloc *a, const topo *t, const plan_classes *c,
		      const struct json_t *arr, const char *fname, const char *where,
		      neto_err *err);

/* Whether v is a string holding an IPv6 address (an SRv6 SID). */
bool plan_json_sid_ok(const struct json_t *v);

#endif
