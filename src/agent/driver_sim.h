/*
 * driver_sim.h - the driver for the simulated WAN, reached through the store
 * (driver_sim.c, docs/sim.md).
 */
#ifndef NETO_AGENT_DRIVER_SIM_H
#define NETO_AGENT_DRIVER_SIM_H

#include "agent/driver.h"
#include "store/store.h"

/* Fills *drv; the driver borrows st. Release with drv->close(drv->ctx). */
void driver_sim_init(agent_driver *drv, store *st);

#endif
