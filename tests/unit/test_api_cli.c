/*
 * test_api_cli.c - the client side of the API: the command lines of
 * `neto show`, `neto intent` and `neto api` (values, defaults, errors), and
 * golden tables rendered from API documents.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "api/client.h"
#include "api/render.h"

/* argv in writable storage, as a real one is; options point into it */
static char store_args[16][256];
static char *argv_v[16];
static char *const *mkargv(int n, const char *const *a)
{
	for (int i = 0; i < n; i++) {
		snprintf(store_args[i], sizeof store_args[i], "%s", a[i]);
		argv_v[i] = store_args[i];
	}
	return argv_v;
}
#define ARGS(...) ((const char *[]){ __VA_ARGS__ })
#define NARGS(...) ((int)(sizeof((const char *[]){ __VA_ARGS__ }) / sizeof(char *)))
#define SHOW(o, e, ...) api_show_opts_parse((o), NARGS(__VA_ARGS__), mkargv(NARGS(__VA_ARGS__), ARGS(__VA_ARGS__)), (e))
#define INTENT(o, e, ...) api_intent_opts_parse((o), NARGS(__VA_ARGS__), mkargv(NARGS(__VA_ARGS__), ARGS(__VA_ARGS__)), (e))
#define SERVE(o, e, ...) api_serve_opts_parse((o), NARGS(__VA_ARGS__), mkargv(NARGS(__VA_ARGS__), ARGS(__VA_ARGS__)), (e))

static void test_show_opts(void **state)
{
	(void)state;
	api_show_opts o;
	neto_err e;
	assert_int_equal(SHOW(&o, &e, "links"), 0);
	assert_int_equal(o.what, SHOW_LINKS);
	assert_null(o.c.api);
	assert_false(o.c.json);
	assert_int_equal(o.step, -1);

	assert_int_equal(SHOW(&o, &e, "plan", "12", "--api=http://h:1", "--json", "--token", "t"), 0);
	assert_int_equal(o.what, SHOW_PLAN);
	assert_int_equal(o.id, 12);
	assert_string_equal(o.c.api, "http://h:1");
	assert_string_equal(o.c.token, "t");
	assert_true(o.c.json);
	assert_int_equal(SHOW(&o, &e, "plan"), 0);
	assert_int_equal(o.id, 0);

	assert_int_equal(SHOW(&o, &e, "tasks", "--plan", "3", "--step=1", "--state", "failed"), 0);
	assert_int_equal(o.plan, 3);
	assert_int_equal(o.step, 1);
	assert_string_equal(o.state, "failed");
	assert_int_equal(SHOW(&o, &e, "audit", "--after", "40", "--limit", "5"), 0);
	assert_int_equal(o.after, 40);
	assert_int_equal(o.limit, 5);
	assert_int_equal(SHOW(&o, &e, "--config", "n.ini", "--", "agents"), 0);
	assert_string_equal(o.c.config, "n.ini");
	assert_int_equal(o.what, SHOW_AGENTS);
	assert_int_equal(SHOW(&o, &e, "-h"), 0);
	assert_true(o.c.help);
	assert_int_equal(SHOW(&o, &e, "nonsense", "--help"), 0);

	static const struct {
		int n;
		const char *a[4];
		const char *msg;
	} bad[] = {
		{ 0, { NULL }, "what to show? (health, topology, links, demands, solution, plan, plans, "
			       "tasks, agents, intents, audit, metrics)" },
		{ 1, { "routers" }, "cannot show 'routers'" },
		{ 2, { "plan", "x" }, "plan ID: 'x' is not a whole number in 1..9223372036854775807" },
		{ 2, { "plan", "0" }, "plan ID: '0' is not a whole number in 1..9223372036854775807" },
		{ 2, { "links", "3" }, "unexpected argument '3'" },
		{ 3, { "plan", "1", "2" }, "unexpected argument '2'" },
		{ 2, { "links", "--state=done" }, "--plan, --step and --state apply to `neto show tasks`" },
		{ 2, { "tasks", "--state=running" },
		  "option --state: 'running' is not pending, assigned, done, failed or cancelled" },
		{ 2, { "tasks", "--plan" }, "option --plan needs a value" },
		{ 3, { "links", "--api", "127.0.0.1:8080" },
		  "'127.0.0.1:8080' is not an http:// or https:// URL" },
		{ 2, { "links", "--after=1" }, "--after applies to `neto show audit`" },
		{ 2, { "links", "--limit=1" }, "--limit applies to `neto show plans` and `neto show audit`" },
		{ 2, { "plans", "--limit=1001" }, "option --limit: '1001' is not a whole number in 1..1000" },
		{ 2, { "metrics", "--json" }, "metrics are text, not JSON" },
		{ 2, { "links", "--jsn" }, "unknown option '--jsn'" },
		{ 2, { "links", "-j" }, "unknown option '-j'" },
		{ 2, { "links", "--json=yes" }, "option --json takes no value" },
		{ 3, { "links", "--token", "" }, "option --token: empty token" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(&e, 0, sizeof e);
		if (api_show_opts_parse(&o, bad[i].n, mkargv(bad[i].n, bad[i].a), &e) == 0)
			fail_msg("case %zu parsed", i);
		if (strcmp(e.msg, bad[i].msg) != 0)
			fail_msg("case %zu: '%s', want '%s'", i, e.msg, bad[i].msg);
	}
}

static void test_intent_opts(void **state)
{
	(void)state;
	api_intent_opts o;
	neto_err e;
	assert_int_equal(INTENT(&o, &e, "add", "drain-router", "{\"router\":\"a\"}"), 0);
	assert_int_equal(o.cmd, INTENT_ADD);
	assert_string_equal(o.kind, "drain-router");
	assert_string_equal(o.json, "{\"router\":\"a\"}");
	assert_null(o.file);
	assert_int_equal(INTENT(&o, &e, "add", "pin", "--file", "-", "--token=t"), 0);
	assert_string_equal(o.file, "-");
	assert_null(o.json);
	assert_int_equal(INTENT(&o, &e, "list", "--json"), 0);
	assert_int_equal(o.cmd, INTENT_LIST);
	assert_int_equal(INTENT(&o, &e, "delete", "7"), 0);
	assert_int_equal(o.cmd, INTENT_DELETE);
	assert_int_equal(o.id, 7);

	static const struct {
		int n;
		const char *a[5];
		const char *msg;
	} bad[] = {
		{ 0, { NULL }, "add, list or delete?" },
		{ 1, { "drop" }, "unknown intent command 'drop' (add, list, delete)" },
		{ 1, { "add" }, "intent add needs a KIND" },
		{ 2, { "add", "pin" }, "intent add needs the intent as JSON or --file FILE" },
		{ 5, { "add", "pin", "{}", "--file", "f" },
		  "give the intent as JSON or with --file, not both" },
		{ 4, { "add", "pin", "{}", "x" }, "unexpected argument 'x'" },
		{ 2, { "list", "x" }, "unexpected argument 'x'" },
		{ 1, { "delete" }, "intent delete needs an ID" },
		{ 3, { "delete", "1", "2" }, "intent delete takes one ID" },
		{ 2, { "delete", "-1" }, "unknown option '-1'" },
		{ 3, { "delete", "--", "-1" },
		  "intent ID: '-1' is not a whole number in 1..9223372036854775807" },
		{ 3, { "list", "--file", "f" }, "--file applies to `neto intent add`" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(&e, 0, sizeof e);
		if (api_intent_opts_parse(&o, bad[i].n, mkargv(bad[i].n, bad[i].a), &e) == 0)
			fail_msg("case %zu parsed", i);
		if (strcmp(e.msg, bad[i].msg) != 0)
			fail_msg("case %zu: '%s', want '%s'", i, e.msg, bad[i].msg);
	}
}

static void test_serve_opts(void **state)
{
	(void)state;
	api_serve_opts o;
	neto_err e;
	assert_int_equal(SERVE(&o, &e, "--store", "sqlite:x.db", "--listen=[::1]:0", "--config", "c"),
			 0);
	assert_string_equal(o.store, "sqlite:x.db");
	assert_string_equal(o.listen, "[::1]:0");
	assert_string_equal(o.config, "c");
	assert_int_equal(SERVE(&o, &e, "--listen", "8080"), -1);
	assert_string_equal(e.msg, "option --listen: '8080' is not HOST:PORT");
	assert_int_equal(SERVE(&o, &e, "--store", "redis://x"), -1);
	assert_int_equal(SERVE(&o, &e, "extra"), -1);
	assert_string_equal(e.msg, "unexpected argument 'extra'");
}

static void test_client_resolve(void **state)
{
	(void)state;
	api_client c;
	neto_err e;
	api_cli_common o = { 0 };
	unsetenv("NETO_TOKEN");
	assert_int_equal(api_client_resolve(&c, &o, &e), 0);
	assert_string_equal(c.base, API_DEFAULT_URL);
	assert_null(c.token);
	api_client_free(&c);

	setenv("NETO_TOKEN", "from-env", 1);
	o.api = "http://h:9/prefix//";
	assert_int_equal(api_client_resolve(&c, &o, &e), 0);
	assert_string_equal(c.base, "http://h:9/prefix");
	assert_string_equal(c.token, "from-env");
	api_client_free(&c);
	o.token = "from-option";
	assert_int_equal(api_client_resolve(&c, &o, &e), 0);
	assert_string_equal(c.token, "from-option");
	api_client_free(&c);
	unsetenv("NETO_TOKEN");

	/* from a configuration file: listen on all addresses means here */
	char path[] = "/tmp/neto-cli-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	static const char ini[] = "[api]\nlisten = 0.0.0.0:9191\ntoken = abcdefghijklmnop-cfg\n";
	assert_int_equal(write(fd, ini, sizeof ini - 1), (ssize_t)(sizeof ini - 1));
	close(fd);
	api_cli_common oc = { .config = path };
	assert_int_equal(api_client_resolve(&c, &oc, &e), 0);
	assert_string_equal(c.base, "http://127.0.0.1:9191");
	assert_string_equal(c.token, "abcdefghijklmnop-cfg");
	api_client_free(&c);
	unlink(path);
	assert_int_equal(api_client_resolve(&c, &oc, &e), -1);

	/* nothing listens on port 1 */
	o = (api_cli_common){ .api = "http://127.0.0.1:1" };
	assert_int_equal(api_client_resolve(&c, &o, &e), 0);
	long status;
	char *body;
	assert_int_equal(api_client_request(&c, "GET", "/health", NULL, 0, &status, &body, &e), -1);
	assert_non_null(strstr(e.msg, "cannot reach the API at http://127.0.0.1:1"));
	api_client_free(&c);
}

/* ---- golden tables ------------------------------------------------------------ */

static char *render(api_show_what what, const char *doc)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	neto_err e;
	if (api_render(f, what, doc, strlen(doc), &e) != 0)
		fail_msg("%s", e.msg);
	fclose(f);
	return out;
}

static void golden(api_show_what what, const char *doc, const char *want)
{
	char *got = render(what, doc);
	if (strcmp(got, want) != 0)
		fail_msg("got:\n%s\nwant:\n%s", got, want);
	free(got);
}

/* 1700000000000 ms is 2023-11-14 22:13:20 UTC */
static void test_render(void **state)
{
	(void)state;
	golden(SHOW_HEALTH,
	       "{\"ok\":true,\"store\":\"sqlite\",\"schema\":2,\"now\":1700000000000,"
	       "\"controller\":{\"holder\":\"ctl-a\",\"epoch\":3,\"expires\":1700000010000},"
	       "\"scheduler\":null,\"leases\":[{\"name\":\"controller\",\"holder\":\"ctl-a\","
	       "\"epoch\":3,\"expires\":1700000010000,\"valid\":true},{\"name\":\"scheduler\","
	       "\"holder\":\"sch-b\",\"epoch\":12,\"expires\":1699999990000,\"valid\":false}]}",
	       "ok: store sqlite, schema 2\n"
	       "controller  ctl-a, epoch 3, lease until 2023-11-14 22:13:30Z\n"
	       "scheduler   none\n"
	       "\n"
	       "lease       holder  epoch  expires               state\n"
	       "controller  ctl-a       3  2023-11-14 22:13:30Z  held\n"
	       "scheduler   sch-b      12  2023-11-14 22:13:10Z  expired\n");

	golden(SHOW_TOPOLOGY,
	       "{\"version\":4,\"at\":1700000000000,\"topology\":{\"unit\":\"Mbps\",\"nodes\":["
	       "{\"name\":\"par\",\"locator\":\"fc00:0:1::/48\"},{\"name\":\"lon\"}],\"links\":["
	       "{\"src\":\"par\",\"dst\":\"lon\",\"capacity\":100000,\"delay\":1720},"
	       "{\"id\":\"l2\",\"src\":\"lon\",\"dst\":\"par\",\"capacity\":40000,\"delay\":1720,"
	       "\"igp\":5,\"up\":false}]}}",
	       "topology version 4 (2023-11-14 22:13:20Z): 2 nodes, 2 links, unit Mbps\n"
	       "\n"
	       "node  locator\n"
	       "par   fc00:0:1::/48\n"
	       "lon   -\n"
	       "\n"
	       "link     src  dst  capacity  delay_us  igp  state\n"
	       "par-lon  par  lon    100000      1720   18  up\n"
	       "l2       lon  par     40000      1720    5  down\n");

	golden(SHOW_LINKS,
	       "{\"topology_version\":4,\"unit\":\"Mbps\",\"plan_id\":9,\"telemetry_at\":1700000000000,"
	       "\"unmatched_measurements\":2,\"links\":[{\"id\":\"ab\",\"src\":\"a\",\"dst\":\"b\","
	       "\"capacity\":100.0,\"up\":true,\"planned\":40.0,\"measured\":42.5,"
	       "\"utilization\":0.425},{\"id\":\"ba\",\"src\":\"b\",\"dst\":\"a\",\"capacity\":100.0,"
	       "\"up\":false,\"planned\":null,\"measured\":null,\"utilization\":0.0}]}",
	       "links of topology version 4, unit Mbps; planned: plan 9; measured: 2023-11-14 "
	       "22:13:20Z\n"
	       "\n"
	       "link  src  dst  capacity  planned  measured   util  state\n"
	       "ab    a    b         100       40      42.5  42.5%  up\n"
	       "ba    b    a         100        -         -   0.0%  down\n"
	       "(2 measurements name no link of the topology)\n");

	golden(SHOW_DEMANDS,
	       "{\"id\":3,\"at\":1700000000000,\"missing\":[\"e1\",\"e2\"],\"total\":15.5,"
	       "\"classes\":{\"gold\":10.0,\"bronze\":5.5},\"demands\":[{\"src\":\"a\",\"dst\":\"b\","
	       "\"class\":\"gold\",\"rate\":10.0},{\"src\":\"b\",\"dst\":\"a\",\"class\":\"bronze\","
	       "\"rate\":5.5}]}",
	       "demand matrix 3 at 2023-11-14 22:13:20Z: 2 demands, total 15.5\n"
	       "incomplete, missing: e1, e2\n"
	       "\n"
	       "class   total\n"
	       "gold       10\n"
	       "bronze    5.5\n"
	       "\n"
	       "src  dst  class   rate\n"
	       "a    b    gold      10\n"
	       "b    a    bronze   5.5\n");

	golden(SHOW_SOLUTION,
	       "{\"plan_id\":9,\"state\":\"done\",\"created\":1,\"topology_version\":4,"
	       "\"demand_id\":3,\"intent_serial\":0,\"solution\":{\"classes\":[{\"name\":\"gold\","
	       "\"priority\":0,\"demand\":10,\"allocated\":10,\"mean_delay\":1720,\"demands\":1,"
	       "\"unreachable\":0},{\"name\":\"bronze\",\"priority\":2,\"demand\":8,\"allocated\":2,"
	       "\"mean_delay\":3440.5,\"demands\":2,\"unreachable\":1}],\"demands\":[],\"links\":[],"
	       "\"summary\":{\"total_demand\":18,\"total_allocated\":12,\"max_utilization\":1.0,"
	       "\"compute_seconds\":0.004,\"engine\":\"heuristic\",\"msd\":6,\"unreachable\":1,"
	       "\"unit\":\"Mbps\"}}}",
	       "solution of plan 9 (done): topology version 4, demand matrix 3\n"
	       "engine heuristic, demand 18, allocated 12 Mbps, max utilisation 100.0%, 0.004 s\n"
	       "\n"
	       "class   priority  demands  demand  allocated  satisfied  mean_delay_us\n"
	       "gold           0        1      10         10     100.0%           1720\n"
	       "bronze         2        2       8          2      25.0%         3440.5\n"
	       "1 demands unreachable\n");

	static const char plan_rec[] =
		"\"id\":9,\"kind\":\"repair\",\"state\":\"failed\",\"priority\":0,\"nsteps\":2,"
		"\"step\":1,\"created\":1700000000000,\"updated\":1700000060000,\"epoch\":2,"
		"\"topology_version\":4,\"demand_id\":3,\"intent_serial\":5,\"reason\":\"task 7: "
		"rejected\"";
	char doc[2048];
	snprintf(doc, sizeof doc,
		 "{%s,\"step_tasks\":[{\"step\":0,\"tasks\":3,\"pending\":0,\"assigned\":0,"
		 "\"done\":3,\"failed\":0,\"cancelled\":0},{\"step\":1,\"tasks\":2,\"pending\":0,"
		 "\"assigned\":0,\"done\":0,\"failed\":1,\"cancelled\":1}],"
		 "\"plan\":{\"summary\":{\"steps\":2,\"throttled_tunnels\":1}}}",
		 plan_rec);
	golden(SHOW_PLAN, doc,
	       "plan 9: repair, failed, step 1 of 2 (priority 0)\n"
	       "created 2023-11-14 22:13:20Z, updated 2023-11-14 22:14:20Z, controller epoch 2\n"
	       "topology version 4, demand matrix 3, intents serial 5\n"
	       "reason: task 7: rejected\n"
	       "throttled tunnels: 1\n"
	       "\n"
	       "step  tasks  pending  assigned  done  failed  cancelled\n"
	       "   0      3        0         0     3       0          0\n"
	       "   1      2        0         0     0       1          1\n");
	snprintf(doc, sizeof doc, "{\"plans\":[{%s}]}", plan_rec);
	golden(SHOW_PLANS, doc,
	       "plan  kind    state   step  created               reason\n"
	       "   9  repair  failed   1/2  2023-11-14 22:13:20Z  task 7: rejected\n");

	golden(SHOW_TASKS,
	       "{\"tasks\":[{\"id\":21,\"plan\":9,\"step\":0,\"priority\":0,\"router\":\"a\","
	       "\"policy\":\"b/gold\",\"action\":\"apply\",\"state\":\"failed\",\"agent\":\"upd-1\","
	       "\"attempts\":3,\"not_before\":0,\"deadline\":0,\"updated\":1,\"error\":\"rejected\","
	       "\"desired\":null},{\"id\":22,\"plan\":9,\"step\":1,\"priority\":0,\"router\":\"b\","
	       "\"policy\":\"a/gold\",\"action\":\"remove\",\"state\":\"pending\",\"agent\":null,"
	       "\"attempts\":0,\"not_before\":0,\"deadline\":0,\"updated\":1,\"error\":null,"
	       "\"desired\":null}]}",
	       "task  plan  step  router  policy  action  attempts  state    agent  error\n"
	       "  21     9     0  a       b/gold  apply          3  failed   upd-1  rejected\n"
	       "  22     9     1  b       a/gold  remove         0  pending  -      -\n");

	golden(SHOW_AGENTS,
	       "{\"now\":1700000001500,\"agents\":[{\"name\":\"upd-1\",\"role\":\"update\","
	       "\"routers\":[\"a*\",\"c\"],\"info\":null,\"registered\":1,\"heartbeat\":1700000000000,"
	       "\"age_ms\":1500},{\"name\":\"flow-1\",\"role\":\"flow\",\"routers\":[],\"info\":null,"
	       "\"registered\":1,\"heartbeat\":1700000000000,\"age_ms\":1500}]}",
	       "agent   role    routers  heartbeat             age\n"
	       "upd-1   update  a*,c     2023-11-14 22:13:20Z  1.5 s\n"
	       "flow-1  flow    -        2023-11-14 22:13:20Z  1.5 s\n");

	golden(SHOW_INTENTS,
	       "{\"intents\":[{\"id\":4,\"created\":1700000000000,\"kind\":\"drain-router\","
	       "\"body\":{\"router\":\"a\"}}]}",
	       "intent  kind          created               body\n"
	       "     4  drain-router  2023-11-14 22:13:20Z  {\"router\":\"a\"}\n");

	golden(SHOW_AUDIT,
	       "{\"audit\":[{\"id\":1,\"at\":1700000000000,\"epoch\":0,\"actor\":\"api\","
	       "\"router\":null,\"action\":\"intent-add\",\"detail\":\"intent 4 drain-router\"}],"
	       "\"next\":1}",
	       "id  at                    actor  router  action      detail\n"
	       " 1  2023-11-14 22:13:20Z  api    -       intent-add  intent 4 drain-router\n");

	golden(SHOW_METRICS, "neto_tasks{state=\"done\"} 3\n", "neto_tasks{state=\"done\"} 3\n");

	/* a document of the wrong shape prints dashes; one that is not JSON fails */
	golden(SHOW_TASKS, "{\"tasks\":[{\"id\":\"x\"}]}",
	       "task  plan  step  router  policy  action  attempts  state  agent  error\n"
	       "   -     -     -  -       -       -              -  -      -      -\n");
	neto_err e;
	assert_int_equal(api_render(stdout, SHOW_LINKS, "nope", 4, &e), -1);
	assert_int_equal(api_render(stdout, SHOW_LINKS, "[]", 2, &e), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_show_opts),      cmocka_unit_test(test_intent_opts),
		cmocka_unit_test(test_serve_opts),     cmocka_unit_test(test_client_resolve),
		cmocka_unit_test(test_render),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
