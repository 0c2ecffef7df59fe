/*
 * simnet.h - the simulated WAN as a role of neto (`neto sim`, and part of
 * `neto run`): the simulator (src/sim) wired to the store, so that the
 * orchestrator's components reach its routers the way they would reach real
 * ones, from any process.
 *
 * Each tick:
 * - runs the simulation to `now` and replays the demand series (one matrix
 *   per `hour_ms` of simulated time, cycling);
 * - keeps the controller sessions of the routers that a live updating agent
 *   covers (its heartbeat is the session keepalive); a router no agent
 *   covers for the state timeout drops neto's policies (fallback to IGP);
 * - takes policy requests from topic "sim.req" (driver_sim.c) and hands them
 *   to the routers; publishes each policy's state in namespace "sim.dev";
 *   a policy that a router removed by itself is reported to the store's
 *   installed state, as a router's report would be;
 * - publishes measured link loads (namespace "telemetry", key "links"), flow
 *   records per exporter and window (topic "flow.<router>", flowmsg.h); the
 *   topology with its link states (simnet_topo) goes to the store through a
 *   topology agent, as BGP-LS would.
 * docs/sim.md describes the messages.
 *
 * Ownership: a simnet owns its simulator, topology and series; it borrows
 * the store.
 */
#ifndef NETO_AGENT_SIMNET_H
#define NETO_AGENT_SIMNET_H

#include <stdint.h>
#include <stdio.h>

#include "demand/demand.h"
#include "sim/sim.h"
#include "store/store.h"

typedef struct simnet_config {
	const char *topology;	/* topology file */
	const char *classes;	/* classes CSV, or NULL for the example's three */
	const char *series;	/* demand series CSV, or a demand CSV (one hour), or
				 * with abilene: abilene_hourly.txt */
	bool abilene;		/* series is the Abilene data set's hourly file:
				 * one n x n matrix a line, host i = node i-1, all
				 * traffic in the lowest-priority class */
	uint32_t abilene_start;	/* first line to play, 1-based (default 1) */
	const char *scenario;	/* failure scenario, or NULL */
	double scale;		/* demand multiplier (default 1) */
	double speedup;		/* simulated ms per ms of `now` (default 1): a
				 * simulator in its own process runs faster than
				 * the wall clock the other roles use */
	int64_t hour_ms;	/* simulated ms per matrix of the series (default 60000) */
	int64_t telemetry_ms;	/* link loads every (default 1000) */
	int64_t agent_timeout_ms;	/* an agent's heartbeat keeps sessions for (3000) */
	uint64_t seed;
	sim_params params;
	FILE *log;
} simnet_config;

typedef struct simnet simnet;

/* Reads the files and builds the simulator starting at time START (ms since
 * the Unix epoch; simulated time 0). */
int simnet_new(simnet **out, store *st, const simnet_config *cfg, int64_t start,
	       neto_err *err);
void simnet_free(simnet *n);
int simnet_tick(simnet *n, int64_t now, neto_err *err);
/* The simulated clock at `now`, in ms since the Unix epoch: the time that
 * flow records carry, and the clock of the flow agents that read them. */
int64_t simnet_clock(const simnet *n, int64_t now);
/* The class set in use (borrowed). */
const class_set *simnet_classes(const simnet *n);
/* The topology with the simulator's current link states (borrowed; valid
 * until the next tick). */
const topo *simnet_topo(simnet *n);
/* Totals of the last load computation (for the demo's output). */
void simnet_totals(const simnet *n, sim_totals *tot, size_t *hour);

#endif
