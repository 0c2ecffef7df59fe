/*
 * compare.h - the heuristic held against the exact engine, class by class, on
 * the same candidate paths and the same residual capacity.
 *
 * Lower classes see what the higher classes left, and two engines that give
 * a higher class the same rates may route it differently; comparing whole
 * runs would then blame the heuristic for a lower class's different residual
 * network. So each class is solved by both engines from the residual capacity
 * that the heuristic's own higher classes left, and compared there.
 *
 * Fairness number (Namyar et al., "Soroush", NSDI 2024): the geometric mean
 * over demands of min(a/o, o/a), where a is the heuristic's rate and o the
 * exact rate, both clamped below at theta = 1e-4 x the instance's mean demand.
 */
#ifndef NETO_TE_COMPARE_H
#define NETO_TE_COMPARE_H

#include <math.h>
#include <stdio.h>

#include "te/te.h"

typedef struct te_compare_class {
	size_t n_demands;
	double heur_total, exact_total;
	double log_fair_sum;     /* sum of log(min(a/o, o/a)) */
	double worst;            /* smallest min(a/o, o/a) */
	double heur_seconds, exact_seconds;
} te_compare_class;

typedef struct te_compare {
	te_compare_class *cls;   /* per class index */
	te_compare_class all;
	double theta;
} te_compare;

/* Runs both engines class by class; rate_heur and rate_exact get each
 * engine's rates (te_problem_n_rates entries each). The heuristic's rates are
 * the ones that continue to the next class. Caller frees with
 * te_compare_free. */
int te_compare_run(const te_problem *p, double *rate_heur, double *rate_exact, te_compare *c,
		   neto_err *err);
void te_compare_free(te_compare *c);

static inline double te_compare_fairness(const te_compare_class *c)
{
	return c->n_demands ? exp(c->log_fair_sum / (double)c->n_demands) : 1.0;
}

void te_compare_print(FILE *f, const te_problem *p, const te_compare *c);

#endif
