/*
 * scheduler.h - the task scheduler role: active-standby by the store lease
 * "scheduler", it hands the tasks of the running plan's current step to
 * updating agents and moves the plan from step to step.
 *
 * - Step barrier: step k + 1 starts only when every task of step k is done
 *   (the store's advance refuses otherwise), so the congestion-free property
 *   of each step holds on the real network.
 * - Choice of agent, for each pending task: only agents that have sent a
 *   heartbeat recently and whose router patterns allow the task's router
 *   (security constraint), the one with the fewest outstanding tasks
 *   (workload); plans of higher priority (repair before re-optimisation)
 *   first.
 * - Retries: a task that failed, or whose agent did not answer by its
 *   deadline, goes back to pending after a back-off that doubles with each
 *   attempt; after max_attempts the plan is stopped ("failed") and the
 *   network stays in the last completed step, which is congestion-free by
 *   construction. A task that no live agent may take fails the plan too,
 *   after the same time a task would have had for all its attempts.
 *
 * The scheduler keeps nothing in memory that the store does not have: a new
 * leader continues where the old one stopped.
 */
#ifndef NETO_CTL_SCHEDULER_H
#define NETO_CTL_SCHEDULER_H

#include <stdint.h>
#include <stdio.h>

#include "store/store.h"

typedef struct sched_config {
	const char *name;		/* lease holder */
	int64_t lease_ms;		/* default 10000 */
	int64_t task_timeout_ms;	/* default 10000 */
	int max_attempts;		/* default 3 */
	int64_t backoff_ms;		/* first back-off; default 1000 */
	int64_t agent_timeout_ms;	/* agent is live if heartbeat newer; default 3 x lease */
	FILE *log;			/* progress lines; NULL: silent */
} sched_config;

typedef struct sched_stats {
	uint64_t assigned, retried, advanced, plans_done, plans_failed;
} sched_stats;

typedef struct scheduler {
	sched_config cfg;
	store *st;
	int64_t epoch;
	int leader;
	sched_stats stats;
} scheduler;

void sched_init(scheduler *s, store *st, const sched_config *cfg);
/* One step. Returns 0, or -1 on a store error (retry later). */
int sched_tick(scheduler *s, int64_t now, neto_err *err);
void sched_stop(scheduler *s, int64_t now);

/* Does ROUTER match one of the comma-separated glob PATTERNS? */
int sched_router_allowed(const char *patterns, const char *router);

#endif
