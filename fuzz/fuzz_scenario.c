/*
 * fuzz_scenario.c - the simulator's scenario parser on arbitrary bytes.
 *
 * A failure must leave no scenario and a message naming the scenario; a
 * success well-formed events in time order. A parsed scenario is then run:
 * loaded into a simulator of a fixed 3-node topology (routers A, B, C;
 * links ab, ba, bc, cb, ac), with a few policy requests and demands, up to
 * just past its last event, where loads must conserve traffic.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"

static void fixture(topo *t)
{
	static const char *const names[] = { "A", "B", "C" };
	static const struct {
		const char *id;
		uint32_t s, d;
	} links[] = { { "ab", 0, 1 }, { "ba", 1, 0 }, { "bc", 1, 2 }, { "cb", 2, 1 },
		      { "ac", 0, 2 } };
	neto_err err;
	topo_init(t);
	for (uint32_t v = 0; v < 3; v++)
		if (topo_add_node(t, names[v], 1, &err) == TOPO_NONE)
			abort();
	for (size_t i = 0; i < sizeof links / sizeof links[0]; i++)
		if (topo_add_link(t, links[i].id, 2, links[i].s, links[i].d, 10, 1, 1, &err) ==
		    TOPO_NONE)
			abort();
	if (topo_finish(t, &err) != 0)
		abort();
}

static void check(const sim_scenario *sc)
{
	int64_t prev = 0;
	unsigned line = 0;
	for (size_t i = 0; i < sc->n; i++) {
		const sim_event *e = &sc->v[i];
		if (e->at < prev || e->at > SIM_TIME_MAX || e->line <= line || e->a == NULL ||
		    strlen(e->a) == 0 || strlen(e->a) > 255)
			abort();
		switch (e->kind) {
		case SIM_EV_REJECT:
			if (e->count < 1 || e->count > SIM_SCENARIO_MAX_COUNT || e->b != NULL)
				abort();
			break;
		case SIM_EV_STALL:
		case SIM_EV_SESSION_DROP:
			if ((e->dur < 1 || e->dur > SIM_TIME_MAX) && e->dur != SIM_NEVER)
				abort();
			if (e->b != NULL)
				abort();
			break;
		case SIM_EV_LINK_DOWN:
		case SIM_EV_LINK_UP:
			if (e->b != NULL && (strlen(e->b) == 0 || strcmp(e->a, e->b) == 0))
				abort();
			break;
		default:
			abort();
		}
		prev = e->at;
		line = e->line;
	}
}

static void run(const sim_scenario *sc)
{
	topo t;
	neto_err err;
	fixture(&t);
	sim_params p;
	sim_params_default(&p);
	p.bits_per_unit = 8;
	p.state_timeout_ms = 5000;
	p.flow_window_ms = SIM_TIME_MAX; /* one window: a far clock stays cheap */
	sim *s = sim_new(&t, 1, &p, &err);
	if (s == NULL)
		abort();
	if (sim_load_scenario(s, sc, &err) == 0) {
		int64_t end = sc->n ? sc->v[sc->n - 1].at : 0;
		end = end < SIM_TIME_MAX - 1000 ? end + 1000 : SIM_TIME_MAX;
		static const uint32_t ab_bc[] = { 0, 2 }, ac[] = { 4 };
		sim_seglist l[] = { { .links = ab_bc, .n_links = 2, .weight = 1 },
				    { .links = ac, .n_links = 1, .weight = 1, .limited = true,
				      .rate_limit = 2 } };
		sim_policy pol = { l, 2 };
		sim_demand dm[] = { { 0, 2, "gold", 8 }, { 1, 0, "gold", 3 } };
		uint64_t id;
		if (sim_set_demands(s, dm, 2, 0, &err) != 0 ||
		    sim_request_apply(s, 0, 2, "gold", &pol, 0, &id, &err) != 0)
			abort();
		for (int64_t now = 0; now <= end; now = now + end / 4 + 1) {
			if (sim_session_refresh(s, 0, now, &err) != 0 && sim_session_up(s, 0))
				abort();
			sim_totals tot;
			if (sim_loads(s, now, NULL, NULL, &tot, &err) != 0)
				abort();
			if (fabs(tot.carried + tot.dropped + tot.throttled - tot.offered) > 1e-9)
				abort();
		}
		if (sim_request_status(s, id) == SIM_REQ_UNKNOWN)
			abort();
	} else if (strncmp(err.msg, "scenario:", 9) != 0) {
		abort();
	}
	sim_report *rp;
	size_t n;
	sim_reports(s, &rp, &n);
	free(rp);
	sim_free(s);
	topo_free(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static sim_scenario dummy;
	sim_scenario *sc = &dummy; /* the parser must reset it */
	neto_err err;
	err.msg[0] = '\0';
	int rc = sim_scenario_parse((const char *)data, size, &sc, &err);
	if (rc != 0) {
		if (rc != -1 || sc != NULL || strncmp(err.msg, "scenario", 8) != 0)
			abort();
		return 0;
	}
	if (sc == NULL)
		abort();
	check(sc);
	run(sc);
	sim_scenario_free(sc);
	return 0;
}
