/* test_runtime.c - the whole orchestrator in one process on the simulated
 * example WAN, with a virtual clock: plans are made, applied step by step by
 * the scheduler and the updating agent through the simulated routers, every
 * stored plan verifies, and the installed state reaches the target. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "agent/driver.h"
#include "cfg/cfg.h"
#include "ctl/check.h"
#include "ctl/runtime.h"
#include "plan/plan.h"
#include "plan/plan_json.h"
#include "store/store.h"
#include "testutil.h"
#include "topo/topo_io.h"

#define B4 NETO_SOURCE_DIR "/examples/b4/"

static char *temp_store(char *path, size_t n)
{
	snprintf(path, n, "/tmp/neto-test-runtime-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	static char uri[300];
	snprintf(uri, sizeof uri, "sqlite:%s", path);
	return uri;
}

static void cleanup(const char *path)
{
	char p[300];
	unlink(path);
	snprintf(p, sizeof p, "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", path);
	unlink(p);
}

/* Every plan in the store verifies against the topology it was made on. */
static void check_plans(store *st, const topo *t, size_t *n_checked)
{
	store_plan *pl = NULL;
	size_t np = 0;
	neto_err err;
	assert_int_equal(store_plan_list(st, 1000, &pl, &np, &err), 0);
	for (size_t i = 0; i < np; i++) {
		char *plan = NULL, *sol = NULL;
		assert_int_equal(store_plan_body(st, pl[i].id, &plan, &sol, &err), 0);
		assert_non_null(plan);
		plan_space s;
		plan_space_init(&s, t);
		double **cfg = NULL;
		size_t n_cfg = 0;
		int rc = plan_json_parse(&s, &cfg, &n_cfg, plan, strlen(plan), "plan", &err);
		if (rc != 0)
			fail_msg("plan %lld: %s", (long long)pl[i].id, err.msg);
		/* capacities: the plan topology has the same links; background
		 * load is zero here (no share intents), so the snapshot's
		 * capacities are the plan's */
		size_t nv = plan_verify(&s, (const double *const *)cfg, n_cfg, NULL, 0, NULL);
		assert_int_equal(nv, 0);
		plan_json_cfg_free(cfg, n_cfg);
		plan_space_free(&s);
		free(plan);
		free(sol);
		(*n_checked)++;
	}
	store_plan_free(pl, np);
}

/* A database of its own on the test cluster (NETO_TEST_PG), so that other
 * tests using the cluster at the same time do not see its rows. Returns the
 * conninfo of the new database. */
static char *pg_database(void)
{
	const char *base = getenv("NETO_TEST_PG");
	if (base == NULL || *base == '\0') {
		if (getenv("NETO_TEST_PG_SKIP"))
			return NULL;
		fail_msg("NETO_TEST_PG is not set (the PostgreSQL fixture did not run); set "
			 "NETO_TEST_PG_SKIP=1 to skip");
	}
	PGconn *c = PQconnectdb(base);
	if (PQstatus(c) != CONNECTION_OK)
		fail_msg("PostgreSQL: %s", PQerrorMessage(c));
	char name[64], sql[160];
	snprintf(name, sizeof name, "neto_runtime_%ld", (long)getpid());
	snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", name);
	PQclear(PQexec(c, sql));
	snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
	PGresult *r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		fail_msg("PostgreSQL: %s", PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
	static char info[512];
	snprintf(info, sizeof info, "%s dbname=%s", base, name);
	return info;
}

static void run_day(const char *uri)
{
	neto_cfg cfg;
	neto_cfg_defaults(&cfg);
	free(cfg.store.uri);
	cfg.store.uri = strdup(uri);
	/* a day: one matrix of the series per controller period */
	runtime_opts o = { .cfg = &cfg,
			   .virtual_clock = true,
			   .cycles = 26,
			   .max_ms = 4 * 3600 * 1000,
			   .log = getenv("NETO_TEST_VERBOSE") ? stderr : NULL,
			   .default_topology = B4 "topology.json",
			   .default_classes = B4 "classes.csv",
			   .default_series = B4 "series.csv" };
	runtime_result res;
	neto_err err;
	int rc = runtime_run(&o, &res, &err);
	if (rc != 0)
		fail_msg("%s", err.msg);
	assert_true(res.cycles >= 26);
	assert_true(res.plans_done >= 26);
	/* every cycle found a plan: the installed state the controller reads
	 * back is one the planner can start from */
	assert_int_equal(res.cycle_failures, 0);
	assert_int_equal(res.plans_failed, 0);

	store *st = NULL;
	assert_int_equal(store_open(&st, cfg.store.uri, &err), 0);
	int64_t ver = 0, at = 0;
	char *body = NULL;
	size_t len = 0;
	assert_int_equal(store_topology_latest(st, &ver, &at, &body, &len, &err), 0);
	topo t;
	topo_init(&t);
	assert_int_equal(topo_parse(&t, TOPO_FMT_AUTO, body, len, "topology", NULL, &err), 0);
	free(body);
	size_t checked = 0;
	check_plans(st, &t, &checked);
	assert_true(checked >= 26);

	/* the installed state is the last completed plan's target: every task
	 * of its last step, and every policy routers hold, agree */
	store_plan last;
	int found = 0;
	assert_int_equal(store_plan_latest(st, &last, &found, &err), 0);
	assert_true(found);
	assert_string_equal(last.state, "done");
	store_task *tk = NULL;
	size_t nt = 0;
	assert_int_equal(store_task_list(st, last.id, -1, &tk, &nt, &err), 0);
	store_installed *in = NULL;
	size_t ni = 0;
	assert_int_equal(store_installed_list(st, &in, &ni, &err), 0);
	assert_true(ni > 0);
	for (size_t i = 0; i < nt; i++) {
		assert_string_equal(tk[i].state, "done");
		/* the newest task for this policy decides its state */
		bool newest = true;
		for (size_t j = 0; j < nt; j++)
			if (j != i && tk[j].step > tk[i].step &&
			    strcmp(tk[j].router, tk[i].router) == 0 &&
			    strcmp(tk[j].policy, tk[i].policy) == 0)
				newest = false;
		if (!newest)
			continue;
		const char *have = NULL;
		for (size_t j = 0; j < ni; j++)
			if (strcmp(in[j].router, tk[i].router) == 0 &&
			    strcmp(in[j].policy, tk[i].policy) == 0)
				have = in[j].body;
		if (strcmp(tk[i].action, "remove") == 0)
			assert_null(have);
		else
			assert_true(driver_policy_equal(have, tk[i].desired));
	}
	store_installed_free(in, ni);
	store_task_free(tk, nt);
	store_plan_clear(&last);
	topo_free(&t);
	store_close(st);
	neto_cfg_free(&cfg);
}

static void test_day_on_the_example(void **state)
{
	(void)state;
	char path[256];
	run_day(temp_store(path, sizeof path));
	cleanup(path);
}

/* The same run with PostgreSQL as the store: identical behaviour. */
static void test_day_on_postgresql(void **state)
{
	(void)state;
	char *info = pg_database();
	if (info == NULL)
		skip();
	run_day(info);
}

/* A store with the b4 example's sim section and a scenario, and its
 * configuration; the caller frees cfg and removes the store. */
static void sim_cfg(neto_cfg *cfg, const char *uri, const char *scenario)
{
	neto_cfg_defaults(cfg);
	free(cfg->store.uri);
	cfg->store.uri = strdup(uri);
	cfg->sim.enabled = true;
	cfg->sim.topology = strdup(B4 "topology.json");
	cfg->sim.demands.kind = CFG_SERIES_CSV;
	cfg->sim.demands.file = strdup(B4 "series.csv");
	cfg->sim.demands.scale = 1;
	cfg->sim.demands.step_ms = 30000;
	cfg->sim.seed = 3;
	cfg->sim.install_delay_min_ms = 100;
	cfg->sim.install_delay_max_ms = 400;
	cfg->sim.state_timeout_ms = 600000;
	cfg->sim.speedup = 1;
	if (scenario)
		cfg->sim.scenario = strdup(scenario);
}

/* A router that rejects every request: its tasks fail, are retried with
 * back-off, and after the attempts the plan is stopped; nothing that was
 * not confirmed is recorded as installed, and the store stays consistent. */
static void test_rejecting_router_stops_the_plan(void **state)
{
	(void)state;
	char path[256];
	neto_cfg cfg;
	sim_cfg(&cfg, temp_store(path, sizeof path), NETO_SOURCE_DIR "/tests/data/runtime/reject-dublin.scn");
	runtime_opts o = { .cfg = &cfg,
			   .virtual_clock = true,
			   .cycles = 3,
			   .max_ms = 3600 * 1000,
			   .log = getenv("NETO_TEST_VERBOSE") ? stderr : NULL };
	runtime_result res;
	neto_err err;
	if (runtime_run(&o, &res, &err) != 0)
		fail_msg("%s", err.msg);
	assert_true(res.plans_failed >= 1);
	store *st = NULL;
	assert_int_equal(store_open(&st, cfg.store.uri, &err), 0);
	store_installed *in = NULL;
	size_t ni = 0;
	assert_int_equal(store_installed_list(st, &in, &ni, &err), 0);
	assert_true(ni > 0);
	for (size_t i = 0; i < ni; i++)
		assert_string_not_equal(in[i].router, "dublin");
	store_installed_free(in, ni);
	store_task *tk = NULL;
	size_t nt = 0;
	assert_int_equal(store_task_list(st, 0, -1, &tk, &nt, &err), 0);
	store_task_free(tk, nt);
	ctl_check_result cr;
	assert_int_equal(ctl_store_check(st, NULL, &cr, &err), 0);
	assert_int_equal(cr.problems, 0);
	store_close(st);
	neto_cfg_free(&cfg);
	cleanup(path);
}

/* A drained link: the controller plans around it (a repair when installed
 * traffic crossed it), and no installed policy uses it afterwards. */
static void test_drain_intent(void **state)
{
	(void)state;
	char path[256];
	neto_cfg cfg;
	sim_cfg(&cfg, temp_store(path, sizeof path), NULL);
	neto_err err;
	store *st = NULL;
	assert_int_equal(store_open(&st, cfg.store.uri, &err), 0);
	int64_t id = 0;
	assert_int_equal(store_intent_add(st, "drain-link", "{\"src\":\"dublin\",\"dst\":\"hamina\"}",
					  1, &id, &err),
			 0);
	runtime_opts o = { .cfg = &cfg,
			   .virtual_clock = true,
			   .cycles = 3,
			   .max_ms = 3600 * 1000,
			   .log = getenv("NETO_TEST_VERBOSE") ? stderr : NULL };
	runtime_result res;
	if (runtime_run(&o, &res, &err) != 0)
		fail_msg("%s", err.msg);
	assert_true(res.plans_done >= 2);
	store_installed *in = NULL;
	size_t ni = 0;
	assert_int_equal(store_installed_list(st, &in, &ni, &err), 0);
	assert_true(ni > 0);
	for (size_t i = 0; i < ni; i++) {
		assert_null(strstr(in[i].body, "\"dublin-hamina\""));
		assert_null(strstr(in[i].body, "\"hamina-dublin\""));
	}
	store_installed_free(in, ni);
	store_close(st);
	neto_cfg_free(&cfg);
	cleanup(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_day_on_the_example),
		cmocka_unit_test(test_day_on_postgresql),
		cmocka_unit_test(test_rejecting_router_stops_the_plan),
		cmocka_unit_test(test_drain_intent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
