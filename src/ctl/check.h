/*
 * check.h - consistency check of a store (check.c, `neto check`).
 */
#ifndef NETO_CTL_CHECK_H
#define NETO_CTL_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "store/store.h"

typedef struct ctl_check_result {
	size_t plans, running, audit_rows;
	bool converged_checked;	/* the convergence check applied */
	size_t problems;
} ctl_check_result;

/* Checks the store; each problem is a line "problem: ..." on F (may be
 * NULL). Returns 0 (problems counted in r), -1 when the store fails. */
int ctl_store_check(store *st, FILE *f, ctl_check_result *r, neto_err *err);

#endif
