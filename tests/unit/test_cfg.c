/*
 * test_cfg.c - the configuration file: defaults, every key of a full file,
 * errors that name the file and line, golden output of cfg_print and the
 * round trip print(parse(x)) -> parse -> print over the seed corpus, and the
 * shared value syntaxes (durations, listen addresses, URIs, URLs).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cfg/cfg.h"
#include "testutil.h"

static int parse_str(const char *s, neto_cfg *c, neto_err *e)
{
	return cfg_parse(s, strlen(s), "t.ini", c, e);
}

static void test_defaults(void **state)
{
	(void)state;
	neto_cfg c;
	neto_cfg_defaults(&c);
	assert_string_equal(c.store.uri, "sqlite:neto.db");
	assert_int_equal(c.controller.period_ms, 30000);
	assert_int_equal(c.controller.lease_ms, 10000);
	assert_true(c.controller.demand_threshold == 0.1);
	assert_int_equal(c.controller.max_steps, 10);
	assert_int_equal(c.controller.te_engine, CFG_ENGINE_HEURISTIC);
	assert_int_equal(c.controller.k_paths, 4);
	assert_int_equal(c.scheduler.task_timeout_ms, 10000);
	assert_int_equal(c.scheduler.max_attempts, 3);
	assert_int_equal(c.scheduler.backoff_ms, 1000);
	assert_string_equal(c.api.listen, "127.0.0.1:8080");
	assert_string_equal(c.api.host, "127.0.0.1");
	assert_int_equal(c.api.port, 8080);
	assert_true(c.api.loopback);
	assert_null(c.api.token);
	assert_int_equal(c.n_agents, 0);
	assert_false(c.sim.enabled);
	neto_cfg_free(&c);

	/* an empty file, or one of comments only, is the defaults */
	neto_err e;
	assert_int_equal(parse_str("", &c, &e), 0);
	char *a = cfg_print(&c, 0);
	neto_cfg_free(&c);
	assert_int_equal(parse_str("# nothing\n; nothing either\n\n", &c, &e), 0);
	char *b = cfg_print(&c, 0);
	neto_cfg_free(&c);
	neto_cfg_defaults(&c);
	char *d = cfg_print(&c, 0);
	neto_cfg_free(&c);
	assert_string_equal(a, d);
	assert_string_equal(b, d);
	free(a);
	free(b);
	free(d);
}

static void test_full(void **state)
{
	(void)state;
	size_t len;
	char *buf = tu_read("fuzz/corpus/cfg/ok_full.ini", &len);
	neto_cfg c;
	neto_err e;
	int rc = cfg_parse(buf, len, "ok_full.ini", &c, &e);
	if (rc != 0)
		fail_msg("%s", e.msg);
	free(buf);
	assert_string_equal(c.store.uri, "postgresql://neto@db.example.net/neto");
	assert_int_equal(c.controller.period_ms, 60000);
	assert_int_equal(c.controller.lease_ms, 15000);
	assert_true(c.controller.demand_threshold == 0.25);
	assert_int_equal(c.controller.max_steps, 8);
	assert_int_equal(c.controller.te_engine, CFG_ENGINE_EXACT);
	assert_int_equal(c.controller.k_paths, 6);
	assert_int_equal(c.scheduler.task_timeout_ms, 20000);
	assert_int_equal(c.scheduler.max_attempts, 5);
	assert_int_equal(c.scheduler.backoff_ms, 500);
	assert_string_equal(c.api.host, "0.0.0.0");
	assert_int_equal(c.api.port, 9090);
	assert_false(c.api.loopback);
	assert_string_equal(c.api.token, "s3cret-token-0123456789");

	assert_int_equal(c.n_agents, 6);
	const neto_cfg_agent *a = cfg_agent_find(&c, "upd-east");
	assert_non_null(a);
	assert_int_equal(a->role, CFG_ROLE_UPDATE);
	assert_string_equal(a->driver, "sim");
	assert_int_equal(a->n_routers, 3);
	assert_string_equal(a->routers[0], "ny*");
	assert_string_equal(a->routers[1], "wash*");
	assert_string_equal(a->routers[2], "atla");
	a = cfg_agent_find(&c, "upd-west");
	assert_int_equal(a->n_routers, 1);
	assert_string_equal(a->routers[0], "*");
	a = cfg_agent_find(&c, "topo");
	assert_int_equal(a->role, CFG_ROLE_TOPOLOGY);
	a = cfg_agent_find(&c, "flow-root");
	assert_int_equal(a->role, CFG_ROLE_FLOW);
	assert_null(a->parent);
	assert_int_equal(a->n_exporters, 0);
	assert_int_equal(a->window_ms, 30000);
	assert_int_equal(a->smoothing, CFG_SMOOTH_PERCENTILE);
	assert_true(a->smoothing_param == 95);
	a = cfg_agent_find(&c, "flow-leaf1");
	assert_string_equal(a->parent, "flow-root");
	assert_int_equal(a->n_exporters, 2);
	assert_string_equal(a->exporters[1], "chi");
	assert_int_equal(a->smoothing, CFG_SMOOTH_EWMA);
	assert_true(a->smoothing_param == 0.5);
	a = cfg_agent_find(&c, "flow-leaf2");
	assert_int_equal(a->window_ms, 10000);
	assert_int_equal(a->smoothing, CFG_SMOOTH_NONE);
	assert_null(cfg_agent_find(&c, "nobody"));

	assert_true(c.sim.enabled);
	assert_string_equal(c.sim.topology, "examples/b4/topology.json");
	assert_int_equal(c.sim.demands.kind, CFG_SERIES_ABILENE_HOURLY);
	assert_string_equal(c.sim.demands.file, "/work/shared/data/abilene-tm/abilene_hourly.txt");
	assert_true(c.sim.demands.scale == 0.0008);
	assert_int_equal(c.sim.demands.start, 73);
	assert_int_equal(c.sim.demands.step_ms, 600000);
	assert_int_equal(c.sim.seed, 42);
	assert_int_equal(c.sim.install_delay_min_ms, 100);
	assert_int_equal(c.sim.install_delay_max_ms, 1500);
	assert_int_equal(c.sim.state_timeout_ms, 45000);
	assert_string_equal(c.sim.scenario, "scenarios/failure.txt");
	assert_true(c.sim.speedup == 60);
	neto_cfg_free(&c);
}

/* Golden: the effective configuration of a small file, and its redaction. */
static void test_print_golden(void **state)
{
	(void)state;
	static const char in[] = "[controller]\n"
				 "demand_threshold = 0.3\n"
				 "period = 90s\n"
				 "[api]\n"
				 "listen = localhost:0\n"
				 "token = abcdefghijklmnopq\n"
				 "[agent f]\n"
				 "role = flow\n"
				 "exporters = e1\n"
				 "[sim]\n"
				 "topology = t.json\n"
				 "demands = csv d.csv\n"
				 "install_delay = 250ms\n";
	static const char want[] = "# neto configuration (effective values, defaults included)\n"
				   "\n[store]\nuri = sqlite:neto.db\n"
				   "\n[controller]\nperiod = 90s\nlease = 10s\n"
				   "demand_threshold = 0.3\nmax_steps = 10\n"
				   "te_engine = heuristic\nk_paths = 4\ntransition = planned\n"
				   "\n[scheduler]\ntask_timeout = 10s\nmax_attempts = 3\n"
				   "backoff = 1s\n"
				   "\n[api]\nlisten = localhost:0\ntoken = abcdefghijklmnopq\n"
				   "\n[agent f]\nrole = flow\ndriver = sim\nexporters = e1\n"
				   "window = 10s\nsmoothing = ewma:0.3\n"
				   "\n[sim]\ntopology = t.json\ndemands = csv d.csv scale=1 step=1h\n"
				   "seed = 1\ninstall_delay = 250ms..250ms\n"
				   "state_timeout = 30s\nspeedup = 1\n";
	neto_cfg c;
	neto_err e;
	assert_int_equal(parse_str(in, &c, &e), 0);
	assert_true(c.api.loopback);
	assert_int_equal(c.api.port, 0);
	char *out = cfg_print(&c, 0);
	assert_string_equal(out, want);
	free(out);
	out = cfg_print(&c, CFG_PRINT_REDACT);
	assert_non_null(strstr(out, "token = <redacted>\n"));
	assert_null(strstr(out, "abcdefghijklmnopq"));
	free(out);
	neto_cfg_free(&c);
}

/* print(parse(x)) parses again to a configuration that prints the same,
 * for every valid file of the seed corpus; every invalid one fails with a
 * message that names it. */
static void test_corpus_round_trip(void **state)
{
	(void)state;
	static const char *const ok[] = { "ok_full.ini", "ok_empty.ini", "ok_minimal.ini",
					  "ok_bom_crlf.ini" };
	static const char *const bad[] = {
		"bad_unknown_key.ini", "bad_unknown_section.ini", "bad_duration.ini",
		"bad_token.ini",       "bad_parent_cycle.ini",    "bad_dup_key.ini",
		"bad_indent.ini",      "bad_role_key.ini",        "bad_nul.ini",
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		char path[128];
		snprintf(path, sizeof path, "fuzz/corpus/cfg/%s", ok[i]);
		size_t len;
		char *buf = tu_read(path, &len);
		neto_cfg c, c2;
		neto_err e;
		if (cfg_parse(buf, len, ok[i], &c, &e) != 0)
			fail_msg("%s", e.msg);
		char *p1 = cfg_print(&c, 0);
		if (cfg_parse(p1, strlen(p1), "printed", &c2, &e) != 0)
			fail_msg("%s: printed form does not parse: %s\n%s", ok[i], e.msg, p1);
		char *p2 = cfg_print(&c2, 0);
		assert_string_equal(p1, p2);
		free(p1);
		free(p2);
		neto_cfg_free(&c);
		neto_cfg_free(&c2);
		free(buf);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char path[128];
		snprintf(path, sizeof path, "fuzz/corpus/cfg/%s", bad[i]);
		size_t len;
		char *buf = tu_read(path, &len);
		neto_cfg c;
		neto_err e;
		if (cfg_parse(buf, len, bad[i], &c, &e) == 0)
			fail_msg("%s parsed", bad[i]);
		assert_memory_equal(e.msg, bad[i], strlen(bad[i]));
		free(buf);
	}
}

typedef struct bad_case {
	const char *in;
	const char *msg; /* the whole message */
} bad_case;

static void test_errors(void **state)
{
	(void)state;
	static const bad_case cases[] = {
		{ "[controller]\nperiod = 30\n",
		  "t.ini:2: [controller] period: '30' needs a unit (ms, s, m, h)" },
		{ "[controller]\nperiod = 0s\n", "t.ini:2: [controller] period: must be longer than 0" },
		{ "[controller]\nperiod = 1.0005s\n",
		  "t.ini:2: [controller] period: '1.0005s' is not a whole number of milliseconds" },
		{ "[controller]\nperiod = 31d\n",
		  "t.ini:2: [controller] period: '31d' is not a duration (a number and ms, s, m or h)" },
		{ "[controller]\nperiod = 800h\n",
		  "t.ini:2: [controller] period: '800h' is longer than 30 days" },
		{ "[controller]\nperiod = -1s\n",
		  "t.ini:2: [controller] period: '-1s' is not a duration (a number and ms, s, m or h)" },
		{ "\n\n[controler]\n",
		  "t.ini:3: unknown section [controler] (store, controller, scheduler, api, agent "
		  "NAME, sim)" },
		{ "[store]\nurl = x\n", "t.ini:2: [store] unknown key 'url' (keys: uri)" },
		{ "[store]\nuri = mysql://x\n",
		  "t.ini:2: [store] uri: 'mysql://x': unknown scheme 'mysql' (sqlite:PATH, "
		  "postgresql://...)" },
		{ "[store]\nuri = sqlite:\n", "t.ini:2: [store] uri: 'sqlite:': no database path" },
		{ "[store]\nuri =\n", "t.ini:2: [store] uri: empty store URI" },
		{ "[store]\n[store]\n", "t.ini:2: section [store] given twice (first on line 1)" },
		{ "[api]\nlisten = 1.2.3.4:80\nlisten = 1.2.3.4:81\n",
		  "t.ini:3: [api] listen given twice (first on line 2)" },
		{ "uri = x\n", "t.ini:1: key outside a section" },
		{ "[store]\nuri\n", "t.ini:2: expected 'key = value' or '[section]'" },
		{ "[store]\nuri: sqlite:x\n", "t.ini:2: expected 'key = value' or '[section]'" },
		{ "[store\n", "t.ini:1: section header without ']'" },
		{ "[store] x\n", "t.ini:1: text after the section header" },
		{ "[ store]\n",
		  "t.ini:1: unknown section [ store] (store, controller, scheduler, api, agent NAME, "
		  "sim)" },
		{ "[store]\nuri = a\n b\n", "t.ini:3: indented line (continuation lines are not supported)" },
		{ "[controller]\ndemand_threshold = nan\n",
		  "t.ini:2: [controller] demand_threshold: 'nan' is not a number in [0, 1000]" },
		{ "[controller]\ndemand_threshold = 0x1p1\n",
		  "t.ini:2: [controller] demand_threshold: '0x1p1' is not a number in [0, 1000]" },
		{ "[controller]\nmax_steps = 0\n",
		  "t.ini:2: [controller] max_steps: '0' is not a whole number in 1..1000" },
		{ "[controller]\nk_paths = 65\n",
		  "t.ini:2: [controller] k_paths: '65' is not a whole number in 1..64" },
		{ "[controller]\nte_engine = lp\n",
		  "t.ini:2: [controller] te_engine: 'lp' is not heuristic or exact" },
		{ "[scheduler]\nmax_attempts = 3x\n",
		  "t.ini:2: [scheduler] max_attempts: '3x' is not a whole number in 1..1000" },
		{ "[api]\nlisten = 8080\n", "t.ini:2: [api] listen: '8080' is not HOST:PORT" },
		{ "[api]\nlisten = ::1:8080\n",
		  "t.ini:2: [api] listen: '::1:8080': write an IPv6 address in brackets, [ADDR]:PORT" },
		{ "[api]\nlisten = example.com:80\n",
		  "t.ini:2: [api] listen: 'example.com:80': 'example.com' is not an IPv4 address, "
		  "[IPv6] or localhost" },
		{ "[api]\nlisten = 127.0.0.1:65536\n",
		  "t.ini:2: [api] listen: '127.0.0.1:65536': port must be a whole number in 0..65535" },
		{ "[api]\n\nlisten = [2001:db8::1]:80\n",
		  "t.ini:3: [api] listen: '[2001:db8::1]:80' is not a loopback address, so [api] "
		  "token is required" },
		{ "[api]\ntoken = short\n", "t.ini:2: [api] token: must be 16 to 128 characters" },
		{ "[api]\ntoken = abcdefgh\x01ijklmnopq\n",
		  "t.ini:2: [api] token: only visible ASCII characters (no blanks)" },
		{ "[agent]\n",
		  "t.ini:1: unknown section [agent] (store, controller, scheduler, api, agent NAME, "
		  "sim)" },
		{ "[agent a b]\n",
		  "t.ini:1: [agent NAME]: NAME must be 1 to 40 letters, digits, '.', '_' or '-'" },
		{ "[agent a]\nrole = flow\nexporters = x\n[agent a]\n",
		  "t.ini:4: section [agent a] given twice (first on line 1)" },
		{ "[agent a]\ndriver = sim\n",
		  "t.ini:1: [agent a]: role is required (update, topology or flow)" },
		{ "[agent a]\nrole = boss\n",
		  "t.ini:2: [agent a] role: 'boss' is not update, topology or flow" },
		{ "[agent a]\nrole = update\ndriver = netconf\n",
		  "t.ini:3: [agent a] driver: 'netconf' is not a driver (sim, pcep, egress)" },
		{ "[agent a]\nrouters = x,,y\nrole = update\n",
		  "t.ini:2: [agent a] routers: item 2 ('') is empty, has blanks or is repeated" },
		{ "[agent a]\nrouters = x, x\nrole = update\n",
		  "t.ini:2: [agent a] routers: item 2 ('x') is empty, has blanks or is repeated" },
		{ "[agent a]\nwindow = 5s\nrole = topology\n",
		  "t.ini:2: [agent a] window: not a key of topology agents" },
		{ "[agent a]\nrole = flow\nrouters = *\n",
		  "t.ini:3: [agent a] routers: not a key of flow agents" },
		{ "[agent a]\nrole = flow\nexporters = x\nparent = z\n",
		  "t.ini:4: [agent a] parent: 'z' is not another flow agent" },
		{ "[agent a]\nrole = flow\nexporters = x\nparent = a\n",
		  "t.ini:4: [agent a] parent: 'a' is not another flow agent" },
		{ "[agent t]\nrole = topology\n[agent a]\nrole = flow\nexporters = x\nparent = t\n",
		  "t.ini:6: [agent a] parent: 't' is not another flow agent" },
		{ "[agent a]\nrole = flow\n", "t.ini:1: [agent a]: a flow agent needs exporters or a child agent" },
		{ "[agent a]\nrole = flow\nexporters = x\nsmoothing = ewma:0\n",
		  "t.ini:4: [agent a] smoothing: ewma weight: '0' is not a number in (0, 1]" },
		{ "[agent a]\nrole = flow\nexporters = x\nsmoothing = p0\n",
		  "t.ini:4: [agent a] smoothing: percentile: '0' is not a whole number in 1..100" },
		{ "[agent a]\nrole = flow\nexporters = x\nsmoothing = mean\n",
		  "t.ini:4: [agent a] smoothing: 'mean' is not ewma:W, pNN or none" },
		{ "[sim]\nseed = 1\n", "t.ini:1: [sim]: topology is required" },
		{ "[sim]\ntopology = t\ndemands = csv\n",
		  "t.ini:3: [sim] demands: expected 'csv FILE [scale=F] [step=DURATION]' or "
		  "'abilene-hourly FILE [scale=F] [start=HOUR] [step=DURATION]'" },
		{ "[sim]\ntopology = t\ndemands = gravity f\n",
		  "t.ini:3: [sim] demands: unknown series kind (csv or abilene-hourly)" },
		{ "[sim]\ntopology = t\ndemands = csv f start=3\n",
		  "t.ini:3: [sim] demands: unknown option 'start' (csv takes scale=F, step=DURATION)" },
		{ "[sim]\ntopology = t\ndemands = abilene-hourly f scale=1 scale=2\n",
		  "t.ini:3: [sim] demands: option 'scale' given twice" },
		{ "[sim]\ntopology = t\ndemands = abilene-hourly f scale=0\n",
		  "t.ini:3: [sim] demands scale: '0' is not a number in (0, 1e+12]" },
		{ "[sim]\ntopology = t\ninstall_delay = 800ms..200ms\n",
		  "t.ini:3: [sim] install_delay: MIN..MAX with MIN > MAX" },
		{ "[sim]\ntopology = t\nseed = -1\n", "t.ini:3: [sim] seed: '-1' is not a whole number" },
		{ "[sim]\ntopology = t\nspeedup = 0\n",
		  "t.ini:3: [sim] speedup: '0' is not a number in (0, 1e+06]" },
		{ "[sim]\ntopology =\n", "t.ini:2: [sim] topology: empty value" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		neto_cfg c;
		neto_err e;
		memset(&e, 0, sizeof e);
		if (parse_str(cases[i].in, &c, &e) == 0) {
			neto_cfg_free(&c);
			fail_msg("case %zu parsed: %s", i, cases[i].in);
		}
		if (strcmp(e.msg, cases[i].msg) != 0)
			fail_msg("case %zu:\n got  %s\n want %s", i, e.msg, cases[i].msg);
	}
}

static void test_lines(void **state)
{
	(void)state;
	neto_cfg c;
	neto_err e;
	/* a line of exactly the limit is fine (a comment here); one more byte
	 * is not */
	char buf[512];
	memset(buf, 0, sizeof buf);
	memcpy(buf, "[store]\n#", 9);
	memset(buf + 9, 'x', CFG_MAX_LINE - 1);
	strcat(buf, "\n");
	if (parse_str(buf, &c, &e) != 0)
		fail_msg("%s", e.msg);
	neto_cfg_free(&c);
	buf[strlen(buf) - 1] = 'y';
	strcat(buf, "\n");
	assert_int_equal(parse_str(buf, &c, &e), -1);
	assert_string_equal(e.msg, "t.ini:2: line longer than 196 bytes");

	/* string values have their own cap, so that printed lines fit */
	memset(buf, 0, sizeof buf);
	strcpy(buf, "[store]\nuri = sqlite:");
	memset(buf + strlen(buf), 'x', CFG_MAX_VALUE - 7);
	strcat(buf, "\n");
	if (parse_str(buf, &c, &e) != 0)
		fail_msg("%s", e.msg);
	assert_int_equal(strlen(c.store.uri), CFG_MAX_VALUE);
	neto_cfg_free(&c);
	buf[strlen(buf) - 1] = 'y';
	strcat(buf, "\n");
	assert_int_equal(parse_str(buf, &c, &e), -1);
	assert_string_equal(e.msg, "t.ini:2: [store] uri: longer than 160 characters");
	assert_int_equal(parse_str("[store]\nuri =;x\n", &c, &e), -1);
	assert_string_equal(e.msg, "t.ini:2: [store] uri: a value cannot start with ';'");

	/* a NUL byte is named with its line */
	static const char nul[] = "[store]\n\nuri = a\0b\n";
	assert_int_equal(cfg_parse(nul, sizeof nul - 1, "n.ini", &c, &e), -1);
	assert_string_equal(e.msg, "n.ini:3: NUL byte in a text file");

	/* inline comments after a blank, '#' inside a value, no final newline */
	assert_int_equal(parse_str("[store]\nuri = sqlite:a#b ; comment", &c, &e), 0);
	assert_string_equal(c.store.uri, "sqlite:a#b");
	neto_cfg_free(&c);

	/* sections in any order, keys of a section across the file are one set */
	assert_int_equal(parse_str("[sim]\ntopology = t\n[controller]\nlease = 2s\n", &c, &e), 0);
	assert_true(c.sim.enabled);
	assert_int_equal(c.controller.lease_ms, 2000);
	assert_int_equal(c.sim.demands.kind, CFG_SERIES_NONE);
	neto_cfg_free(&c);

	/* the first error wins, later lines change nothing */
	assert_int_equal(parse_str("[store]\nx = 1\ny = 2\n[bogus]\n", &c, &e), -1);
	assert_string_equal(e.msg, "t.ini:4: unknown section [bogus] (store, controller, scheduler, "
				   "api, agent NAME, sim)");
	assert_int_equal(parse_str("[store]\nx = 1\ny = 2\n", &c, &e), -1);
	assert_string_equal(e.msg, "t.ini:2: [store] unknown key 'x' (keys: uri)");
}

static void test_duration(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		int64_t ms;
	} ok[] = { { "0ms", 0 },     { "500ms", 500 },       { "1s", 1000 },     { "1.5s", 1500 },
		   { "2m", 120000 }, { "1h", 3600000 },      { "0.25s", 250 },   { "720h", 2592000000 } };
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		int64_t ms = -1;
		neto_err e;
		if (cfg_parse_duration(ok[i].s, &ms, &e) != 0)
			fail_msg("%s: %s", ok[i].s, e.msg);
		assert_int_equal(ms, ok[i].ms);
	}
	static const char *const bad[] = { "", "s", "1", "1 s", "1S", "1.5ms", "1e3s", "721h",
					   "+1s", "1d", ".s" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int64_t ms;
		neto_err e;
		if (cfg_parse_duration(bad[i], &ms, &e) == 0)
			fail_msg("'%s' parsed", bad[i]);
	}
	char out[32];
	assert_string_equal(cfg_format_duration(30000, out, sizeof out), "30s");
	assert_string_equal(cfg_format_duration(1500, out, sizeof out), "1500ms");
	assert_string_equal(cfg_format_duration(0, out, sizeof out), "0ms");
	assert_string_equal(cfg_format_duration(7200000, out, sizeof out), "2h");
	assert_string_equal(cfg_format_duration(90000, out, sizeof out), "90s");
	assert_string_equal(cfg_format_duration(120000, out, sizeof out), "2m");
}

static void test_listen_uri_url(void **state)
{
	(void)state;
	static const struct {
		const char *s, *host;
		unsigned port;
		bool loop;
	} ok[] = {
		{ "127.0.0.1:8080", "127.0.0.1", 8080, true },
		{ "127.1.2.3:1", "127.1.2.3", 1, true },
		{ "localhost:0", "localhost", 0, true },
		{ "[::1]:443", "::1", 443, true },
		{ "[::]:80", "::", 80, false },
		{ "0.0.0.0:65535", "0.0.0.0", 65535, false },
		{ "10.1.2.3:8080", "10.1.2.3", 8080, false },
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		char *host = NULL;
		uint16_t port;
		bool loop;
		neto_err e;
		if (cfg_parse_listen(ok[i].s, &host, &port, &loop, &e) != 0)
			fail_msg("%s: %s", ok[i].s, e.msg);
		assert_string_equal(host, ok[i].host);
		assert_int_equal(port, ok[i].port);
		assert_int_equal(loop, ok[i].loop);
		free(host);
	}
	static const char *const bad_listen[] = { ":80", "[::1]80", "[]:80", "1.2.3:80",
						  "127.0.0.1:", "127.0.0.1:x", "[zz]:80" };
	for (size_t i = 0; i < sizeof bad_listen / sizeof bad_listen[0]; i++) {
		char *host;
		uint16_t port;
		bool loop;
		neto_err e;
		if (cfg_parse_listen(bad_listen[i], &host, &port, &loop, &e) == 0)
			fail_msg("'%s' parsed", bad_listen[i]);
	}

	neto_err e;
	static const char *const uris[] = { "sqlite:neto.db",  "sqlite::memory:",
					    "file:/tmp/x.db",  "/var/lib/neto.db",
					    "postgresql://u@h/db", "postgres://h",
					    "host=/tmp dbname=neto" };
	for (size_t i = 0; i < sizeof uris / sizeof uris[0]; i++)
		if (cfg_check_store_uri(uris[i], &e) != 0)
			fail_msg("%s: %s", uris[i], e.msg);
	assert_int_equal(cfg_check_store_uri("http://x", &e), -1);
	assert_int_equal(cfg_check_store_uri("postgresql://a b", &e), -1);
	assert_int_equal(cfg_check_store_uri("file:", &e), -1);

	static const char *const urls[] = { "http://127.0.0.1:8080", "https://neto.example/api",
					    "http://[::1]:80/", "http://h" };
	for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++)
		if (cfg_check_http_url(urls[i], &e) != 0)
			fail_msg("%s: %s", urls[i], e.msg);
	static const char *const bad_urls[] = { "ftp://h", "http://", "http://h:", "http://h:0",
						"http://h:99999", "http://h?x=1", "http://a b",
						"127.0.0.1:8080" };
	for (size_t i = 0; i < sizeof bad_urls / sizeof bad_urls[0]; i++)
		if (cfg_check_http_url(bad_urls[i], &e) == 0)
			fail_msg("'%s' accepted", bad_urls[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),     cmocka_unit_test(test_full),
		cmocka_unit_test(test_print_golden), cmocka_unit_test(test_corpus_round_trip),
		cmocka_unit_test(test_errors),       cmocka_unit_test(test_lines),
		cmocka_unit_test(test_duration),     cmocka_unit_test(test_listen_uri_url),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
