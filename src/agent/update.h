/*
 * update.h - the updating agent role (all instances active): claims the tasks
 * the scheduler assigned to it, applies them through its southbound driver
 * and reports each outcome once the router confirms it.
 *
 * A task carries the desired state of a policy, so applying it again after a
 * crash changes nothing; a restarted agent simply finds its assigned tasks in
 * the store and asks the routers again. The outcome is written only while
 * the task is still assigned to this agent and its plan still running (the
 * store checks both in the same transaction), so an agent that was too slow
 * — its task handed to another agent, or the plan stopped or superseded —
 * cannot record a stale result. The agent refuses tasks for routers outside
 * its own patterns, whatever the scheduler says (defence in depth). Once the
 * router reports the desired forwarding state, the installed state recorded
 * is the task's desired document (with the rates the plan expects). With
 * the PCEP driver the installed state also follows what the routers report
 * by themselves, at the end of every tick (driver_pcep_reconcile).
 *
 * Ownership: borrows the store and the driver.
 */
#ifndef NETO_AGENT_UPDATE_H
#define NETO_AGENT_UPDATE_H

#include <stdint.h>
#include <stdio.h>

#include "agent/driver.h"
#include "store/store.h"

typedef struct agent_update_config {
	const char *name;
	const char *routers;		/* comma-separated globs; "*" = all */
	const agent_driver *driver;
	int64_t resend_ms;		/* ask the router again after; default 5000 */
	FILE *log;
} agent_update_config;

typedef struct agent_inflight {
	int64_t task_id, sent_at;
} agent_inflight;

typedef struct agent_update {
	agent_update_config cfg;
	store *st;
	agent_inflight *fl;
	size_t n_fl;
	uint64_t applied, failed, refused, stale;
} agent_update;

void agent_update_init(agent_update *a, store *st, const agent_update_config *cfg);
void agent_update_free(agent_update *a);
/* One step: heartbeat, session refresh, send and confirm tasks. Returns 0,
 * or -1 on a store or driver error (retry later). */
int agent_update_tick(agent_update *a, int64_t now, neto_err *err);

#endif
