/*
 * report.h - what an allocation means to an operator: per-class totals, link
 * loads, unreachable demands; rendered as a table or as JSON.
 *
 * The JSON writer streams (no document tree in memory), because a large WAN's
 * answer holds millions of path entries.
 *
 * Ownership: te_report owns its arrays; te_report_free releases them. It
 * borrows the problem, which must outlive it.
 */
#ifndef NETO_TE_REPORT_H
#define NETO_TE_REPORT_H

#include <stdio.h>

#include "te/te.h"

typedef struct te_class_sum {
	double demand, allocated;
	double delay_rate;     /* sum over paths of rate * delay, for the mean */
	size_t n_demands, n_unreachable;
} te_class_sum;

typedef enum te_unreach {
	TE_REACH_OK = 0,
	TE_UNREACH_NO_PATH,     /* no loopless path at all */
	TE_UNREACH_MSD,         /* paths exist, none encodable within the MSD */
	TE_UNREACH_DELAY,       /* paths exist, none within the class's max_delay */
} te_unreach;

typedef struct te_report {
	const te_problem *p;
	const double *rate;    /* borrowed: per demand-path entry */
	double *dem_alloc;     /* per demand */
	double *link_load;     /* per link */
	te_class_sum *cls;     /* per class index */
	uint8_t *unreach;      /* per demand, te_unreach */
	size_t n_unreachable;
	double total_demand, total_allocated, max_utilization;
	double compute_seconds;
	const char *engine;    /* "heuristic" or "exact" */
	uint32_t msd;
} te_report;

void te_report_build(te_report *r, const te_problem *p, const double *rate, double secs,
		     const char *engine, uint32_t msd);
void te_report_free(te_report *r);

/* Human-readable summary: per class, the top_links most loaded links, and
 * the unreachable demands. */
void te_report_table(FILE *f, const te_report *r, unsigned top_links);

/* The JSON document described in docs/formats.md. Returns 0, or -1 on a
 * write error (errno set). */
int te_report_json(FILE *f, const te_report *r);

/* Checks the invariants every answer must hold: rates >= 0, a demand's
 * allocation <= its demand, every link's load <= its capacity (relative slack
 * TE_EPS * 1e3). Returns 0, or -1 with the first violation in *err. */
int te_report_check(const te_report *r, neto_err *err);

#endif
