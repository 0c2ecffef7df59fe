/*
 * planner.h - congestion-free transition plans (SWAN, zUpdate).
 *
 * From the installed configuration `from` to the target `to` (both in one
 * plan_space), plan_make finds a short sequence of configurations
 * from = c0, c1, ..., ck = to' where every step c_i -> c_i+1 is congestion-
 * free (plan_verify finds nothing), and to' is the target, or the target
 * with declared temporary throttling of the lowest classes when nothing else
 * works. Higher classes are never throttled to make room for lower ones: the
 * highest class present is never throttled, and any other class only for
 * the moves of its own or higher classes (docs/design.md, "Transition
 * planning").
 *
 * Ownership: a plan_result owns its configurations and throttle records;
 * plan_result_free releases them.
 */
#ifndef NETO_PLAN_PLANNER_H
#define NETO_PLAN_PLANNER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/err.h"
#include "plan/plan.h"

typedef struct plan_opts {
	unsigned max_steps;   /* at most this many steps (0: the default, 10) */
	FILE *progress;       /* progress messages, or NULL */
} plan_opts;

/* A tunnel rate-limited below both its installed and its target rate during
 * steps [first_step, last_step] (step i is the move c_i -> c_i+1): step
 * first_step applies the limit, step last_step lifts it, and the
 * configurations in between (c_first_step+1 .. c_last_step) give the tunnel
 * at most `rate` in all. */
typedef struct plan_throttle {
	uint32_t tunnel;
	double rate;          /* the limit */
	double normal;        /* min(installed, target) total rate it had */
	size_t first_step, last_step;
} plan_throttle;

typedef struct plan_result {
	size_t n_configs;     /* k + 1: cfg[0] = from ... cfg[k] = to */
	double **cfg;         /* each s->n_entries rates */
	plan_throttle *throttled;
	size_t n_throttled;
	double compute_seconds;
} plan_result;

void plan_result_free(plan_result *r);

/* Returns 0 with a plan, or -1 with a clear reason in *err when no plan
 * within o->max_steps exists even with throttling (no partial plan; *out is
 * then empty, apart from compute_seconds). A plan has at least one step,
 * also when nothing changes. o may be NULL (defaults, no progress). */
int plan_make(const plan_space *s, const double *from, const double *to, const plan_opts *o,
	      plan_result *out, neto_err *err);

/* SWAN's bound for the instance: with scratch capacity s (the smallest
 * fraction of capacity left free on any link by both from and to), ceil(1/s)
 * - 1 intermediate configurations suffice. Returns that number of steps
 * (intermediates + 1), or 0 when some link has no slack (a relative slack
 * of 1e-9 or less, the verifier's tolerance, counts as none). */
size_t plan_swan_bound(const plan_space *s, const double *from, const double *to);

/* Router updates of one step: per head-end router, the SR policies to
 * create, modify or delete to go from configuration a to b. */
typedef enum plan_action {
	PLAN_CREATE,
	PLAN_MODIFY,
	PLAN_DELETE,
} plan_action;

typedef struct plan_update {
	uint32_t tunnel;      /* router = tunnels[tunnel].src */
	plan_action action;
} plan_update;

/* Writes into *out (caller frees) the updates of the step a -> b, ordered so
 * that removals and shrinking come before growth; returns their number. */
size_t plan_step_updates(const plan_space *s, const double *a, const double *b,
			 plan_update **out);

#endif
