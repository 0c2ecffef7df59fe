/*
 * driver.h - the southbound driver interface of the updating agents.
 *
 * A driver talks to routers in their own protocol (the simulator through the
 * store, later PCEP, BGP SR Policy, Linux SRv6). The agent gives it the
 * desired state of one SR policy on one router — never a delta — and asks
 * later whether the router really holds it. Routers apply changes
 * asynchronously, so apply/remove only send the request, and status reads
 * back what the router reports.
 *
 * Policy state is the JSON document of a task (docs/formats.md, "Tasks"):
 * {"src","dst","class","priority","paths":[{"links","segments","rate",
 * "weight","limit"?}]}: "rate" is the rate the plan expects on the path,
 * "limit" (only while a plan throttles the tunnel) a head-end rate limit.
 * Drivers compare states by their paths (links, segments, weights and
 * limits), not by the text.
 *
 * Ownership: the driver owns ctx; close() releases it. Strings passed in are
 * borrowed for the call; *readback is allocated for the caller.
 */
#ifndef NETO_AGENT_DRIVER_H
#define NETO_AGENT_DRIVER_H

#include <stdint.h>

#include "lib/err.h"

typedef enum driver_status {
	DRIVER_PENDING = 0,	/* not (yet) in the state asked for */
	DRIVER_DONE = 1,	/* the router reports the state asked for */
	DRIVER_FAILED = 2,	/* the router refused; *err has its reason */
} driver_status;

typedef struct agent_driver {
	const char *name;	/* "sim", ... */
	void *ctx;
	/* Asks ROUTER to hold DESIRED as policy POLICY ("DST/CLASS"). */
	int (*apply)(void *ctx, const char *router, const char *policy, const char *desired,
		     int64_t now, neto_err *err);
	/* Asks ROUTER to remove policy POLICY. */
	int (*remove)(void *ctx, const char *router, const char *policy, int64_t now,
		      neto_err *err);
	/* Where the router is with respect to DESIRED (NULL: removed). On
	 * DRIVER_DONE *readback gets the state the router reports (NULL when
	 * removed). Returns -1 on a driver error. */
	int (*status)(void *ctx, const char *router, const char *policy, const char *desired,
		      int64_t now, driver_status *st, char **readback, neto_err *err);
	/* Keeps the sessions to ROUTERS (comma-separated globs) alive. */
	int (*refresh)(void *ctx, const char *routers, int64_t now, neto_err *err);
	void (*close)(void *ctx);
} agent_driver;

/* Two policy documents describe the same forwarding state (same paths with
 * the same links and segments, weights and limits equal within 1e-9
 * relative). NULL equals only NULL. */
int driver_policy_equal(const char *a, const char *b);

#endif
