/*
 * cmd_run.c - `neto run` (every role in one process) and the roles alone:
 * `neto controller`, `neto scheduler`, `neto agent update NAME`, `neto sim`.
 * Reads the configuration, opens nothing itself: runtime.c does the work.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/bgp_cmd.h"
#include "cfg/cfg.h"
#include "cli/run_opts.h"
#include "agent/collector.h"
#include "cmd/cmd.h"
#include "ctl/check.h"
#include "ctl/runtime.h"
#include "store/store.h"
#include "lib/file.h"

#ifndef NETO_DATADIR
#define NETO_DATADIR "examples/b4"
#endif

static volatile int stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static const char *role_name(run_role r)
{
	static const char *const n[N_RUN_ROLES] = { "run", "controller", "scheduler", "agent update",
						     "agent topology", "sim", "check" };
	return n[r];
}

static int check_store(const neto_cfg *cfg, bool quiet)
{
	store *st = NULL;
	neto_err err;
	if (store_open(&st, cfg->store.uri, &err) != 0) {
		fprintf(stderr, "neto check: %s\n", err.msg);
		return 1;
	}
	ctl_check_result r;
	int rc = ctl_store_check(st, stdout, &r, &err);
	store_close(st);
	if (rc != 0) {
		fprintf(stderr, "neto check: %s\n", err.msg);
		return 1;
	}
	if (!quiet || r.problems)
		printf("neto check: %zu plans (%zu running), %zu audit rows%s: %zu problems\n",
		       r.plans, r.running, r.audit_rows,
		       r.converged_checked ? ", installed state checked against the newest plan"
					   : "",
		       r.problems);
	return r.problems ? 1 : 0;
}

static int run_role_cmd(run_role role, int argc, char **argv)
{
	run_cli o;
	neto_err err;
	if (run_cli_parse(&o, role, argc, argv, &err) != 0) {
		fprintf(stderr, "neto %s: %s\n(see neto %s --help)\n", role_name(role), err.msg,
			role_name(role));
		return 2;
	}
	if (o.help) {
		fputs(run_cli_usage(role), stdout);
		return 0;
	}
	neto_cfg cfg;
	if (o.config) {
		char *buf = NULL;
		size_t len = 0;
		if (neto_file_read(o.config, &buf, &len, &err) != 0 ||
		    cfg_parse(buf, len, o.config, &cfg, &err) != 0) {
			free(buf);
			fprintf(stderr, "neto %s: %s\n", role_name(role), err.msg);
			return 1;
		}
		free(buf);
	} else {
		neto_cfg_defaults(&cfg);
	}
	if (o.store) {
		free(cfg.store.uri);
		cfg.store.uri = strdup(o.store);
	}
	if (role == RUN_SIM && !cfg.sim.enabled && o.config) {
		fprintf(stderr, "neto sim: %s has no [sim] section\n", o.config);
		neto_cfg_free(&cfg);
		return 1;
	}
	if (role == RUN_CHECK) {
		int crc = check_store(&cfg, o.quiet);
		neto_cfg_free(&cfg);
		return crc;
	}
	static const unsigned roles[N_RUN_ROLES] = { RUNTIME_ALL,	 RUNTIME_CONTROLLER,
						     RUNTIME_SCHEDULER, RUNTIME_AGENTS,
						     RUNTIME_TOPOLOGY,	 RUNTIME_SIM, 0 };
	runtime_opts ro = { .cfg = &cfg,
			    .roles = roles[role],
			    .agent = o.agent,
			    .topology_file = o.file,
			    .controller_classes = o.classes,
			    .speedup = o.speedup > 0 ? o.speedup : (o.config ? 0 : 60),
			    .virtual_clock = o.virtual_clock,
			    .cycles = o.cycles,
			    .max_ms = o.duration_ms,
			    .api = role == RUN_ALL && !o.no_api,
			    .log = o.quiet ? NULL : stdout,
			    .stop = &stop_flag,
			    .default_topology = NETO_DATADIR "/topology.json",
			    .default_classes = NETO_DATADIR "/classes.csv",
			    .default_series = NETO_DATADIR "/series.csv",
			    .config_path = o.config };
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	runtime_result res;
	int rc = runtime_run(&ro, &res, &err);
	if (rc != 0)
		fprintf(stderr, "neto %s: %s\n", role_name(role), err.msg);
	else if (!o.quiet && role != RUN_ALL)
		printf("neto %s: stopped\n", role_name(role));
	else if (!o.quiet)
		printf("neto %s: stopped after %.1f s of simulated time: %u cycles (%u without a "
		       "plan), %u plans completed, %u failed\n",
		       role_name(role), (double)res.sim_ms / 1000, res.cycles, res.cycle_failures,
		       res.plans_done, res.plans_failed);
	neto_cfg_free(&cfg);
	return rc == 0 ? 0 : 1;
}

int cmd_run(int argc, char **argv)
{
	return run_role_cmd(RUN_ALL, argc, argv);
}

int cmd_role(const char *role, int argc, char **argv)
{
	if (strcmp(role, "check") == 0)
		return run_role_cmd(RUN_CHECK, argc, argv);
	if (strcmp(role, "controller") == 0)
		return run_role_cmd(RUN_CONTROLLER, argc, argv);
	if (strcmp(role, "scheduler") == 0)
		return run_role_cmd(RUN_SCHEDULER, argc, argv);
	if (strcmp(role, "sim") == 0)
		return run_role_cmd(RUN_SIM, argc, argv);
	if (strcmp(role, "agent") == 0) {
		if (argc >= 1 && strcmp(argv[0], "update") == 0)
			return run_role_cmd(RUN_AGENT, argc - 1, argv + 1);
		if (argc >= 1 && strcmp(argv[0], "topology") == 0) {
			for (int i = 1; i < argc; i++)
				if (strcmp(argv[i], "--bgp") == 0)	/* docs/bgp.md */
					return bgp_topology_agent_main(argc - 1, argv + 1);
			return run_role_cmd(RUN_TOPOLOGY, argc - 1, argv + 1);
		}
		if (argc >= 1 && strcmp(argv[0], "flow") == 0)
			return collector_cmd(argc - 1, argv + 1);
		if (argc >= 1 && strcmp(argv[0], "peering") == 0)
			return cmd_peering_agent(argc - 1, argv + 1);
		if (argc >= 1 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
			fputs(run_cli_usage(RUN_AGENT), stdout);
			return 0;
		}
		fprintf(stderr, "neto agent: expected 'neto agent update NAME', 'neto agent "
				"topology NAME --file FILE', 'neto agent flow NAME --config "
				"FILE' or 'neto agent peering NAME'\n");
		return 2;
	}
	fprintf(stderr, "neto: unknown role '%s'\n", role);
	return 2;
}
