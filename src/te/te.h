/*
 * te.h - the allocation problem and the two engines that solve it.
 *
 * A te_problem ties demands to their candidate paths: demand d may use the
 * paths p->dp[p->dp_off[d] .. p->dp_off[d+1]) (indices into ps->paths, in
 * ascending delay), i.e. the first K of its pair's paths for its class, minus
 * those over the class's delay bound. A solution is one rate per entry of dp,
 * the `rate` array, of length p->dp_off[n_demands].
 *
 * Classes are served in strict precedence by te_solve: each class is handed
 * the capacity that the classes above it left, so a lower class only gets
 * what no higher-class demand can use. Inside a class an engine computes
 * demand-capped max-min fair rates, each demand split over its paths:
 *   te_heur_class   multi-path progressive filling (fast, default)
 *   te_exact_class  Danna et al.'s sequence of LPs with GLPK (the oracle)
 *
 * Ownership: te_problem owns dp_off, dp and by_class; it borrows topo, classes,
 * demands and paths, which must outlive it.
 */
#ifndef NETO_TE_TE_H
#define NETO_TE_TE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "demand/demand.h"
#include "lib/err.h"
#include "te/paths.h"
#include "topo/topo.h"

typedef struct te_problem {
	const topo *topo;
	const class_set *classes;
	const demand_set *demands;
	const te_pathset *paths;
	uint32_t *dp_off;      /* n_demands + 1 */
	uint32_t *dp;          /* path indices */
	/* demands grouped by class, classes in priority order: the demands of
	 * the i-th class served are by_class[class_off[i] .. class_off[i+1]) and
	 * its index is class_order[i]. */
	uint32_t *class_order;
	uint32_t *class_off;
	uint32_t *by_class;
	/* Where long computations report progress (stderr in the command
	 * line), or NULL for silence. Borrowed. */
	FILE *progress;
} te_problem;

int te_problem_build(te_problem *p, const topo *t, const class_set *cs, const demand_set *ds,
		     const te_pathset *ps, neto_err *err);
void te_problem_free(te_problem *p);
static inline size_t te_problem_n_rates(const te_problem *p)
{
	return p->dp_off[p->demands->n];
}

/* Allocates the demands dem[0..n) (all of one class) against the residual
 * capacity cap[] (one entry per link). Writes their entries of rate[] and
 * subtracts what they use from cap[]. */
typedef int (*te_class_fn)(const te_problem *p, const uint32_t *dem, size_t n, double *cap,
			   double *rate, neto_err *err);

int te_heur_class(const te_problem *p, const uint32_t *dem, size_t n, double *cap,
		  double *rate, neto_err *err);
int te_exact_class(const te_problem *p, const uint32_t *dem, size_t n, double *cap,
		   double *rate, neto_err *err);

/* Runs fn class by class in priority order; rate[] must have
 * te_problem_n_rates(p) entries. */
int te_solve(const te_problem *p, te_class_fn fn, double *rate, neto_err *err);

/* Tolerances shared by the engines and checks: rates and loads are compared
 * with a relative slack of TE_EPS (of capacity / demand). */
#define TE_EPS 1e-9

#endif
