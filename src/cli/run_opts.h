/*
 * run_opts.h - the command line of the orchestrator's roles: `neto run` (all
 * roles in one process) and `neto controller`, `neto scheduler`,
 * `neto agent update NAME` and `neto sim`, each alone against a shared store.
 * Parsed without global state, so that it is tested and fuzzed like every
 * other parser. Strings point into the caller's argv.
 */
#ifndef NETO_CLI_RUN_OPTS_H
#define NETO_CLI_RUN_OPTS_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/err.h"

typedef enum run_role {
	RUN_ALL = 0,	/* neto run */
	RUN_CONTROLLER,
	RUN_SCHEDULER,
	RUN_AGENT,	/* neto agent update NAME */
	RUN_TOPOLOGY,	/* neto agent topology NAME --file FILE */
	RUN_SIM,
	RUN_CHECK,	/* neto check: consistency of a store */
	N_RUN_ROLES,
} run_role;

typedef struct run_cli {
	run_role role;
	const char *config;	/* --config FILE; NULL: built-in defaults */
	const char *store;	/* --store URI: overrides [store] uri */
	const char *agent;	/* RUN_AGENT: the [agent NAME] to run */
	const char *classes;	/* controller: default classes CSV */
	const char *file;	/* RUN_TOPOLOGY: the topology file to follow */
	uint32_t cycles;	/* --cycles N: stop after N controller cycles (0: never) */
	int64_t duration_ms;	/* --for DURATION of simulated time (0: no limit) */
	double speedup;		/* --speedup X (0: the configuration's) */
	bool virtual_clock;	/* --virtual-clock: no sleeping (tests) */
	bool no_api;		/* --no-api */
	bool quiet;
	bool help;
} run_cli;

/* Parses argv[0..argc) after the role's words ("run", "controller", ...,
 * "agent update"). Returns 0, or -1 with the problem in *err. */
int run_cli_parse(run_cli *o, run_role role, int argc, char *const *argv, neto_err *err);

/* `--help` of each role. */
const char *run_cli_usage(run_role role);

#endif
