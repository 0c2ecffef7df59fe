/*
 * controller.h - the controller role: active-standby by the store lease
 * "controller", it turns the network's state into plans and tasks.
 *
 * Every cycle (period) and on events — a new topology version, an intent
 * added or deleted, the demand matrix changed by more than a threshold — the
 * leader reads topology, demands, intents and the installed state from the
 * store, runs ctl_compute and writes the solution, the plan and its tasks in
 * one transaction fenced by its lease epoch. A deposed leader's write is
 * refused by the store and the controller steps down.
 *
 * While a plan is being applied the controller waits for it, except for a
 * repair (topology change or drain): then it plans again from what is
 * installed now and the new plan supersedes the old one.
 *
 * All the state a controller keeps in memory is an optimisation (the last
 * demand matrix, for the change threshold); a restarted controller plans at
 * once and continues from the store.
 *
 * Ownership: the controller borrows the store and the default class set.
 */
#ifndef NETO_CTL_CONTROLLER_H
#define NETO_CTL_CONTROLLER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ctl/ctl.h"
#include "store/store.h"

typedef struct controller_config {
	const char *name;		/* lease holder: unique per instance */
	int64_t period_ms;		/* default 30000 */
	int64_t lease_ms;		/* default 10000 */
	double demand_threshold;	/* relative L1 change; default 0.1 */
	ctl_params params;
	const class_set *classes;	/* default classes (no classes intent) */
	FILE *log;			/* one block per cycle; NULL: silent */
	/* the peering decision (kv "peering"/"desired") is used while its
	 * "at" is younger than this; default 30000, three of the peering
	 * role's default 10 s intervals */
	int64_t peering_max_age_ms;
} controller_config;

typedef struct controller_stats {
	uint64_t cycles, plans, failures, fenced;
	double last_cycle_seconds, te_seconds, plan_seconds;
} controller_stats;

typedef struct controller {
	controller_config cfg;
	store *st;
	bool leader;
	int64_t epoch;
	int64_t next_cycle;
	int64_t topo_version, intent_serial, demand_id;
	/* the demand matrix the last plan was made for: CSV body */
	char *demand_body;
	controller_stats stats;
	/* last cycle's outcome, for the cycle log and tests */
	int64_t last_plan_id;
	char last_error[512];
} controller;

void controller_init(controller *c, store *st, const controller_config *cfg);
void controller_free(controller *c);
/* One step: renew or take the lease, and run a cycle when one is due.
 * Returns 0, or -1 when the store failed (the caller retries later). A cycle
 * that finds no plan is not an error of the tick: it is logged, counted in
 * stats.failures and retried at the next period. */
int controller_tick(controller *c, int64_t now, neto_err *err);
/* Ask for a cycle at the next tick (tests, the API). */
void controller_poke(controller *c);
/* Gives the lease up (clean shutdown), so that a standby takes over at once. */
void controller_stop(controller *c, int64_t now);

#endif
