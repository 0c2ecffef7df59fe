/*
 * runtime.h - every role of the orchestrator in one process (`neto run`):
 * the simulated WAN, the topology and flow agents, the controller, the
 * scheduler, the updating agents and the API, each driven by its own tick
 * over one store, exactly as they run as separate processes.
 *
 * Time: with a real clock, simulated time runs `speedup` times faster than
 * the wall clock (a 30 s controller period at speedup 10 is 3 s of waiting);
 * with the virtual clock (tests), time jumps by one tick per loop and
 * nothing sleeps, so a day of demand replays in seconds, deterministically
 * for a given seed.
 *
 * Ownership: the runtime borrows the configuration.
 */
#ifndef NETO_CTL_RUNTIME_H
#define NETO_CTL_RUNTIME_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cfg/cfg.h"
#include "lib/err.h"

/* Roles a process runs (runtime_opts.roles). */
#define RUNTIME_SIM 1u		/* the simulated WAN and its measurements */
#define RUNTIME_CONTROLLER 2u
#define RUNTIME_SCHEDULER 4u
#define RUNTIME_AGENTS 8u	/* updating agents (all, or runtime_opts.agent) */
#define RUNTIME_ALL 15u
#define RUNTIME_TOPOLOGY 16u	/* a topology agent following a file (not in ALL:
				 * `neto run` takes the simulator's topology) */

typedef struct runtime_opts {
	const neto_cfg *cfg;
	unsigned roles;		/* RUNTIME_* bits; 0 means all */
	const char *agent;	/* RUNTIME_AGENTS: only this [agent NAME];
				 * RUNTIME_TOPOLOGY: the agent's name */
	const char *topology_file;	/* RUNTIME_TOPOLOGY: the file it follows */
	const char *controller_classes;	/* classes CSV for the controller when
					 * the process has no simulator */
	double speedup;		/* 0: the configuration's */
	bool virtual_clock;
	int64_t tick_ms;	/* simulated ms per loop turn (default 100) */
	unsigned cycles;	/* stop after this many plans have completed or
				 * failed (0: run until stopped) */
	int64_t max_ms;		/* stop after this much simulated time (0: never) */
	bool api;		/* serve the HTTP API */
	FILE *log;		/* progress (stdout in `neto run`); NULL: silent */
	volatile int *stop;	/* set to nonzero to stop (signals); may be NULL */
	/* the data files when the configuration has no [sim] section */
	const char *default_topology, *default_classes, *default_series;
	const char *config_path;	/* the configuration file (driver = egress
					 * reads its [bgp] and [peer NAME]); may be NULL */
} runtime_opts;

typedef struct runtime_result {
	unsigned plans_done, plans_failed, cycles;
	unsigned cycle_failures;	/* controller cycles that found no plan */
	int64_t sim_ms;		/* simulated time run */
} runtime_result;

int runtime_run(const runtime_opts *o, runtime_result *res, neto_err *err);

#endif
