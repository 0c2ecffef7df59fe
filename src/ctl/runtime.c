/*
 * runtime.c - all roles in one process (runtime.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/driver_egress.h"
#include "agent/driver_pcep.h"
#include "agent/driver_sim.h"
#include "agent/flow.h"
#include "api/api.h"
#include "agent/simnet.h"
#include "agent/topology.h"
#include "agent/update.h"
#include "ctl/controller.h"
#include "ctl/runtime.h"
#include "ctl/scheduler.h"
#include "lib/file.h"
#include "lib/mem.h"
#include "pe/pe_cfg.h"
#include "store/store.h"

/* Flow records and the flow agents' windows: the same length (simulated
 * time), so that each window of records closes one window of the agents. */
#define FLOW_WINDOW_MS 10000

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int64_t ms)
{
	if (ms <= 0)
		return;
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Is any plan running? */
static int plan_running(store *st, bool *running, int64_t *latest, neto_err *err)
{
	store_plan p;
	int found = 0;
	if (store_plan_latest(st, &p, &found, err) != 0)
		return -1;
	*running = found && strcmp(p.state, "running") == 0;
	*latest = found ? p.id : 0;
	if (found)
		store_plan_clear(&p);
	return 0;
}

/* The flow agents of the configuration, or a default tree: two leaves that
 * split the routers between them under one root. Their clock is the
 * simulator's (records carry simulated time). */
typedef struct flow_tree {
	flowagent **a;
	size_t n;
	char ***lists;	/* per agent: its exporters or children (owned arrays) */
} flow_tree;

static void flow_tree_free(flow_tree *ft)
{
	for (size_t i = 0; i < ft->n; i++) {
		flowagent_free(ft->a[i]);
		free(ft->lists ? ft->lists[i] : NULL);
	}
	free(ft->a);
	free(ft->lists);
	memset(ft, 0, sizeof *ft);
}

static int flow_tree_build(flow_tree *ft, store *st, const neto_cfg *cfg, const topo *t,
			   int64_t window_ms, neto_err *err)
{
	memset(ft, 0, sizeof *ft);
	double bits = flowagent_unit_bits(t->unit);
	if (!(bits > 0))
		return neto_err_set(err, "the topology's capacity unit '%s' is not a rate unit "
					 "the flow agents know (bps .. Tbps)",
				    t->unit ? t->unit : "");
	size_t nf = 0;
	for (size_t i = 0; i < cfg->n_agents; i++)
		nf += cfg->agents[i].role == CFG_ROLE_FLOW;
	if (nf == 0) {
		/* default: leaves flow-a and flow-b, root flow-root */
		static const char *const kids[] = { "flow-a", "flow-b" };
		uint32_t half = t->n_nodes / 2;
		ft->a = neto_calloc(3, sizeof *ft->a);
		ft->lists = neto_calloc(3, sizeof *ft->lists);
		for (int k = 0; k < 2; k++) {
			uint32_t lo = k ? half : 0, hi = k ? t->n_nodes : half;
			ft->lists[k] = neto_calloc(hi - lo + 1, sizeof(char *));
			for (uint32_t v = lo; v < hi; v++)
				ft->lists[k][v - lo] = t->nodes[v].name;
			flowagent_cfg fc = { .name = kids[k],
					     .kind = FLOWAGENT_LEAF,
					     .parent = "flow-root",
					     .exporters = (const char *const *)ft->lists[k],
					     .n_exporters = hi - lo,
					     .window_ms = window_ms,
					     .bits_per_unit = bits };
			if (flowagent_new(&ft->a[ft->n], st, &fc, err) != 0)
				return -1;
			ft->n++;
		}
		flowagent_cfg rc = { .name = "flow-root",
				     .kind = FLOWAGENT_PARENT,
				     .children = kids,
				     .n_children = 2,
				     .window_ms = window_ms,
				     .bits_per_unit = bits,
				     .smoothing = { .kind = FLOWAGENT_SMOOTH_EWMA, .alpha = 0.5 } };
		if (flowagent_new(&ft->a[ft->n], st, &rc, err) != 0)
			return -1;
		ft->n++;
		return 0;
	}
	ft->a = neto_calloc(nf, sizeof *ft->a);
	ft->lists = neto_calloc(nf, sizeof *ft->lists);
	for (size_t i = 0; i < cfg->n_agents; i++) {
		const neto_cfg_agent *ag = &cfg->agents[i];
		if (ag->role != CFG_ROLE_FLOW)
			continue;
		/* an agent with its own collector (listen) runs as `neto agent
		 * flow NAME` beside this process; two instances of one agent
		 * would take each other's messages (docs/ipfix.md) */
		if (ag->listen != NULL)
			continue;
		flowagent_cfg fc = { .name = ag->name,
				     .parent = ag->parent,
				     .window_ms = window_ms,
				     .bits_per_unit = bits };
		if (ag->n_exporters) {
			fc.kind = FLOWAGENT_LEAF;
			fc.exporters = (const char *const *)ag->exporters;
			fc.n_exporters = ag->n_exporters;
		} else {
			size_t nk = 0;
			ft->lists[ft->n] = neto_calloc(cfg->n_agents + 1, sizeof(char *));
			for (size_t j = 0; j < cfg->n_agents; j++)
				if (cfg->agents[j].role == CFG_ROLE_FLOW && cfg->agents[j].parent &&
				    strcmp(cfg->agents[j].parent, ag->name) == 0)
					ft->lists[ft->n][nk++] = cfg->agents[j].name;
			fc.kind = FLOWAGENT_PARENT;
			fc.children = (const char *const *)ft->lists[ft->n];
			fc.n_children = nk;
		}
		if (ag->smoothing == CFG_SMOOTH_EWMA)
			fc.smoothing = (flowagent_smoothing){ .kind = FLOWAGENT_SMOOTH_EWMA,
							      .alpha = ag->smoothing_param };
		else if (ag->smoothing == CFG_SMOOTH_PERCENTILE)
			fc.smoothing = (flowagent_smoothing){ .kind = FLOWAGENT_SMOOTH_PCT,
							      .pct = (uint32_t)ag->smoothing_param };
		if (flowagent_new(&ft->a[ft->n], st, &fc, err) != 0)
			return -1;
		ft->n++;
	}
	return 0;
}

/* The simulated WAN's tick, with the measurements it feeds: the topology
 * with link states (as a topology agent reports it) and the demand matrix
 * of the current hour. */
static int tick_measure(simnet *net, topoagent *ta, flow_tree *ft, int64_t now, FILE *log,
			neto_err *err)
{
	if (simnet_tick(net, now, err) != 0)
		return -1;
	if (topoagent_set_topology(ta, simnet_topo(net), err) != 0 ||
	    topoagent_tick(ta, now, err) != 0)
		return -1;
	int64_t sim_clock = simnet_clock(net, now);
	for (size_t i = 0; i < ft->n; i++) {
		neto_err ferr;
		/* a rejected message is worth a line, not a stop */
		if (flowagent_tick(ft->a[i], sim_clock, &ferr) != 0 && log)
			fprintf(log, "flow: %s\n", ferr.msg);
	}
	return 0;
}

int runtime_run(const runtime_opts *o, runtime_result *res, neto_err *err)
{
	const neto_cfg *cfg = o->cfg;
	memset(res, 0, sizeof *res);
	unsigned roles = o->roles ? o->roles : RUNTIME_ALL;
	/* a tick of simulated time: finer than install delays, coarse enough
	 * that a sped-up run is not all ticks */
	int64_t tick = o->tick_ms > 0 ? o->tick_ms : 100;
	if (o->tick_ms <= 0 && roles == RUNTIME_ALL && !o->virtual_clock && o->speedup > 10)
		tick = (int64_t)(10 * o->speedup);
	double speedup = o->speedup > 0 ? o->speedup
			 : cfg->sim.enabled && cfg->sim.speedup > 0 ? cfg->sim.speedup
								    : 1;
	class_set ccs;
	class_set_init(&ccs);
	store *st = NULL;
	simnet *net = NULL;
	topoagent *ta = NULL;
	flow_tree ft = { 0 };
	api_server *api = NULL;
	agent_driver drv = { 0 };
	agent_update *upd = NULL;
	size_t n_upd = 0;
	agent_driver *pdrv = NULL;	/* per agent, driver = pcep or egress */
	size_t n_pdrv = 0;
	controller ctl;
	scheduler sch;
	bool have_ctl = false, have_sch = false;
	char ctl_name[64], sch_name[64];
	char **globs = NULL;
	int rc = -1;

	if (store_open(&st, cfg->store.uri, err) != 0)
		return -1;
	int64_t t0 = wall_ms();
	int64_t now = t0;

	/* the simulated WAN */
	simnet_config sc = { 0 };
	sc.topology = cfg->sim.enabled ? cfg->sim.topology : o->default_topology;
	sc.classes = o->default_classes;
	/* a [sim] without demands carries no traffic */
	sc.series = cfg->sim.enabled ? cfg->sim.demands.file : o->default_series;
	sc.scale = cfg->sim.enabled ? cfg->sim.demands.scale : 1;
	sc.abilene = cfg->sim.enabled && cfg->sim.demands.kind == CFG_SERIES_ABILENE_HOURLY;
	sc.abilene_start = cfg->sim.demands.start;
	/* built-in demo: one hour of the day per controller period */
	sc.hour_ms = cfg->sim.enabled ? cfg->sim.demands.step_ms : cfg->controller.period_ms;
	sc.scenario = cfg->sim.enabled ? cfg->sim.scenario : NULL;
	sc.seed = cfg->sim.enabled ? cfg->sim.seed : 1;
	sim_params_default(&sc.params);
	if (cfg->sim.enabled) {
		sc.params.delay_min_ms = cfg->sim.install_delay_min_ms;
		sc.params.delay_max_ms = cfg->sim.install_delay_max_ms;
		sc.params.state_timeout_ms = cfg->sim.state_timeout_ms;
	}
	/* the simulator starts at a multiple of the flow window, which is where
	 * the flow agents' windows start */
	/* one process: the whole clock runs faster; a simulator alone: only
	 * simulated time does, leases and timeouts stay on the wall clock that
	 * the other processes share */
	bool dilate = roles == RUNTIME_ALL;
	sc.speedup = dilate ? 1 : speedup;
	sc.params.flow_window_ms = FLOW_WINDOW_MS;
	sc.log = o->log;
	if ((roles & RUNTIME_SIM) && simnet_new(&net, st, &sc, now - now % FLOW_WINDOW_MS, err) != 0)
		goto done;
	char ta_name[64];
	snprintf(ta_name, sizeof ta_name, "topology-%ld", (long)getpid());
	topoagent_cfg tac = { .name = ta_name, .source = TOPOAGENT_SIM };
	if (roles & RUNTIME_TOPOLOGY) {
		tac.name = o->agent;
		tac.source = TOPOAGENT_FILE;
		tac.path = o->topology_file;
	}
	if ((net || (roles & RUNTIME_TOPOLOGY)) && topoagent_new(&ta, st, &tac, err) != 0)
		goto done;
	if (net && flow_tree_build(&ft, st, cfg, simnet_topo(net), FLOW_WINDOW_MS, err) != 0)
		goto done;
	if (o->api && (roles & RUNTIME_CONTROLLER)) {
		if (api_start(&cfg->api, cfg->store.uri, &api, err) != 0)
			goto done;
		if (o->log)
			fprintf(o->log, "API on http://%s:%u/ (try `neto show links`)\n",
				cfg->api.host, (unsigned)api_port(api));
	}
	/* the controller's classes: the simulator's, else a file, else
	 * gold, silver and bronze */
	if (net == NULL && (roles & RUNTIME_CONTROLLER)) {
		static const char gsb[] = "name,priority,paths,latency\n"
					  "gold,0,4,low\nsilver,1,4,low\nbronze,2,4,any\n";
		char *buf = NULL;
		size_t len = 0;
		int crc;
		if (o->controller_classes) {
			if (neto_file_read(o->controller_classes, &buf, &len, err) != 0)
				goto done;
			crc = class_parse_csv(&ccs, buf, len, o->controller_classes, err);
			free(buf);
		} else {
			crc = class_parse_csv(&ccs, gsb, strlen(gsb), "classes", err);
		}
		if (crc != 0)
			goto done;
	}

	/* updating agents: those of the configuration, else one for all */
	driver_sim_init(&drv, st);
	for (size_t i = 0; i < cfg->n_agents; i++)
		n_upd += cfg->agents[i].role == CFG_ROLE_UPDATE;
	if ((roles & RUNTIME_AGENTS) && o->agent && cfg_agent_find(cfg, o->agent) == NULL) {
		neto_err_set(err, "no [agent %s] in the configuration", o->agent);
		goto done;
	}
	upd = neto_calloc(n_upd ? n_upd : 1, sizeof *upd);
	globs = neto_calloc(n_upd ? n_upd : 1, sizeof *globs);
	pdrv = neto_calloc(n_upd ? n_upd : 1, sizeof *pdrv);
	n_pdrv = n_upd ? n_upd : 1;
	size_t k = 0;
	for (size_t i = 0; i < cfg->n_agents; i++) {
		const neto_cfg_agent *a = &cfg->agents[i];
		if (a->role != CFG_ROLE_UPDATE || !(roles & RUNTIME_AGENTS) ||
		    (o->agent && strcmp(o->agent, a->name) != 0))
			continue;
		size_t len = 1;
		for (size_t j = 0; j < a->n_routers; j++)
			len += strlen(a->routers[j]) + 1;
		globs[k] = neto_calloc(len, 1);
		for (size_t j = 0; j < a->n_routers; j++) {
			if (j)
				strcat(globs[k], ",");
			strcat(globs[k], a->routers[j]);
		}
		const agent_driver *ad = &drv;
		if (a->driver && strcmp(a->driver, "pcep") == 0) {
			driver_pcep_cfg pc = { .listen = a->pcep_listen,
					       .peers = a->pcep_peers,
					       .n_peers = a->n_pcep_peers,
					       .map = a->pcep_map,
					       .log = o->log };
			if (driver_pcep_init(&pdrv[k], &pc, err) != 0)
				goto done;
			ad = &pdrv[k];
		} else if (a->driver && strcmp(a->driver, "egress") == 0) {
			/* iBGP sessions from the file's [bgp] and [peer NAME] */
			if (driver_egress_open(&pdrv[k], o->config_path,
					       a->n_routers ? globs[k] : "*", o->log, err) != 0)
				goto done;
			ad = &pdrv[k];
		}
		agent_update_config uc = { .name = a->name,
					   .routers = a->n_routers ? globs[k] : "*",
					   .driver = ad,
					   .log = o->log };
		agent_update_init(&upd[k++], st, &uc);
	}
	n_upd = k;
	if (n_upd == 0 && (roles & RUNTIME_AGENTS) && o->agent == NULL) {
		agent_update_config uc = { .name = "update-1", .routers = "*", .driver = &drv,
					   .log = o->log };
		agent_update_init(&upd[0], st, &uc);
		n_upd = 1;
	}

	snprintf(ctl_name, sizeof ctl_name, "controller-%ld", (long)getpid());
	snprintf(sch_name, sizeof sch_name, "scheduler-%ld", (long)getpid());
	controller_config cc = { .name = ctl_name,
				 .period_ms = cfg->controller.period_ms,
				 .lease_ms = cfg->controller.lease_ms,
				 .demand_threshold = cfg->controller.demand_threshold,
				 .params = { .msd = 10,
					     .exact = cfg->controller.te_engine == CFG_ENGINE_EXACT,
					     .max_steps = cfg->controller.max_steps,
					     .k_paths = cfg->controller.k_paths,
					     .one_shot = cfg->controller.one_shot },
				 .classes = net ? simnet_classes(net) : &ccs,
				 .log = o->log };
	/* [peering]: whether the controller reads the peering role's decision,
	 * and how old a decision may be (three of the role's intervals: one
	 * late or failed cycle of the role is no reason to drop its choices) */
	if (o->config_path != NULL) {
		char *pbuf = NULL;
		size_t plen = 0;
		if (neto_file_read(o->config_path, &pbuf, &plen, err) != 0)
			goto done;
		pe_cfg pc;
		int prc = pe_cfg_parse(pbuf, plen, o->config_path, &pc, err);
		free(pbuf);
		if (prc != 0)
			goto done;
		if (pc.present) {
			cc.peering_off = !pc.enabled;
			cc.peering_max_age_ms = (int64_t)(3 * pc.interval_s * 1000);
		}
		pe_cfg_free(&pc);
	}
	controller_init(&ctl, st, &cc);
	have_ctl = true;
	sched_config scc = { .name = sch_name,
			     .lease_ms = cfg->controller.lease_ms,
			     .task_timeout_ms = cfg->scheduler.task_timeout_ms,
			     .max_attempts = (int)cfg->scheduler.max_attempts,
			     .backoff_ms = cfg->scheduler.backoff_ms,
			     .log = o->log };
	sched_init(&sch, st, &scc);
	have_sch = true;

	int64_t start_plan = 0, shown_plan = 0;
	bool running = false;
	if (plan_running(st, &running, &start_plan, err) != 0)
		goto done;
	int64_t real0 = wall_ms();
	for (;;) {
		if (o->stop && *o->stop)
			break;
		/* a store that fails (unreachable, busy) fails a tick, not the
		 * process: every role retries at its next tick */
		neto_err terr;
		if (net && tick_measure(net, ta, &ft, now, o->log, &terr) != 0 && o->log)
			fprintf(o->log, "sim: %s\n", terr.msg);
		if ((roles & RUNTIME_TOPOLOGY) && topoagent_tick(ta, now, &terr) != 0 && o->log)
			fprintf(o->log, "topology agent %s: %s\n", o->agent, terr.msg);
		if ((roles & RUNTIME_CONTROLLER) && controller_tick(&ctl, now, &terr) != 0 && o->log)
			fprintf(o->log, "controller: %s\n", terr.msg);
		if ((roles & RUNTIME_SCHEDULER) && sched_tick(&sch, now, &terr) != 0 && o->log)
			fprintf(o->log, "scheduler: %s\n", terr.msg);
		for (size_t i = 0; i < n_upd; i++)
			if (agent_update_tick(&upd[i], now, &terr) != 0 && o->log)
				fprintf(o->log, "agent %s: %s\n", upd[i].cfg.name, terr.msg);
		int64_t latest = 0;
		if (plan_running(st, &running, &latest, &terr) != 0) {
			running = true; /* unknown: do not stop on --cycles now */
			latest = shown_plan;
		}
		/* what the network does once a plan is in place */
		if (net && o->log && latest != shown_plan && !running) {
			sim_totals tt;
			size_t hour = 0;
			simnet_totals(net, &tt, &hour);
			fprintf(o->log,
				"  network (hour %zu): %.6g offered, %.1f%% carried, %.1f%% on neto's "
				"policies, %.3g dropped, %.3g throttled, max link utilisation %.1f%%\n",
				hour, tt.offered, tt.offered > 0 ? 100 * tt.carried / tt.offered : 100.0,
				tt.offered > 0 ? 100 * tt.steered / tt.offered : 0.0, tt.dropped,
				tt.throttled, 100 * tt.max_util);
			shown_plan = latest;
		}
		res->cycles = (unsigned)ctl.stats.cycles;
		res->cycle_failures = (unsigned)ctl.stats.failures;
		if (o->cycles && (roles & RUNTIME_CONTROLLER) && ctl.stats.cycles >= o->cycles &&
		    !running)
			break;
		if (o->max_ms && now - t0 >= o->max_ms)
			break;
		/* next tick */
		if (o->virtual_clock) {
			now += tick;
		} else if (!dilate) {
			sleep_ms(tick - (wall_ms() - now));
			now = wall_ms();
		} else {
			int64_t target = now + tick;
			int64_t real_target = real0 + (int64_t)((double)(target - t0) / speedup);
			sleep_ms(real_target - wall_ms());
			now = target;
		}
	}
	res->sim_ms = now - t0;
	{
		store_plan *pl = NULL;
		size_t np = 0;
		if (store_plan_list(st, 1000, &pl, &np, err) != 0)
			goto done;
		for (size_t i = 0; i < np; i++) {
			if (pl[i].id <= start_plan)
				continue;
			res->plans_done += strcmp(pl[i].state, "done") == 0;
			res->plans_failed += strcmp(pl[i].state, "failed") == 0;
		}
		store_plan_free(pl, np);
	}
	rc = 0;
done:
	class_set_free(&ccs);
	if (have_ctl) {
		controller_stop(&ctl, now);
		controller_free(&ctl);
	}
	if (have_sch)
		sched_stop(&sch, now);
	for (size_t i = 0; i < n_upd; i++) {
		agent_update_free(&upd[i]);
		free(globs ? globs[i] : NULL);
	}
	free(upd);
	free(globs);
	for (size_t i = 0; i < n_pdrv; i++)
		if (pdrv[i].close)
			pdrv[i].close(pdrv[i].ctx);
	free(pdrv);
	if (drv.close)
		drv.close(drv.ctx);
	api_stop(api);
	flow_tree_free(&ft);
	if (ta) {
		topoagent_release(ta, now, NULL);
		topoagent_free(ta);
	}
	simnet_free(net);
	store_close(st);
	return rc;
}
