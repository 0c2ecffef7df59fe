/*
 * test_topoagent.c - the topology agent against an SQLite store in a
 * temporary directory, driven by a virtual clock: change detection of a
 * file, link states in snapshots and the audit log, a standby that does not
 * write, takeover after the lease expires, the rate limit with a flapping
 * link (latest state wins), a file that stops parsing (reported with its
 * line, the last snapshot stays), a restarted instance that does not
 * rewrite what is stored.
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

#include "agent/topology.h"
#include "store/store.h"
#include "topo/topo_io.h"
#include "testutil.h"

typedef struct fx {
	char dir[64];
	char topo_path[128];
	store *st;
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/neto-topoagent-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->topo_path, sizeof f->topo_path, "%s/net.graph", f->dir);
	char uri[128];
	snprintf(uri, sizeof uri, "sqlite:%s/store.db", f->dir);
	neto_err err;
	if (store_open(&f->st, uri, &err) != 0) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	store_close(f->st);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

/* Writes a file through a temporary name and rename(2), as an operator's
 * tools should; the new inode is a new version whatever the mtime. */
static void put_file(const char *path, const char *text)
{
	char tmp[160];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *fp = fopen(tmp, "w");
	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(rename(tmp, path), 0);
}

static const char *const GRAPH_A = "NODES 3\nlabel x y\na 0 0\nb 1 1\nc 2 2\n"
				   "EDGES 4\nlabel src dest weight bw delay\n"
				   "ab 0 1 1 1000 10\nba 1 0 1 1000 10\n"
				   "bc 1 2 1 1000 10\ncb 2 1 1 1000 10\n";
static const char *const GRAPH_B = "NODES 3\nlabel x y\na 0 0\nb 1 1\nc 2 2\n"
				   "EDGES 4\nlabel src dest weight bw delay\n"
				   "ab 0 1 1 2000 10\nba 1 0 1 2000 10\n"
				   "bc 1 2 1 1000 10\ncb 2 1 1 1000 10\n";
static const char *const JSON_DOWN =
	"{\"unit\":\"kbps\",\"nodes\":[{\"name\":\"a\"},{\"name\":\"b\"}],\"links\":["
	"{\"id\":\"ab\",\"src\":\"a\",\"dst\":\"b\",\"capacity\":5,\"delay\":1,\"up\":false},"
	"{\"id\":\"ba\",\"src\":\"b\",\"dst\":\"a\",\"capacity\":5,\"delay\":1,\"up\":false},"
	"{\"id\":\"ab2\",\"src\":\"a\",\"dst\":\"b\",\"capacity\":5,\"delay\":1}]}";

static topoagent *file_agent(fx *f, const char *name)
{
	topoagent_cfg cfg = { .name = name, .source = TOPOAGENT_FILE, .path = f->topo_path };
	topoagent *a;
	neto_err err;
	assert_int_equal(topoagent_new(&a, f->st, &cfg, &err), 0);
	return a;
}

static topoagent *sim_agent(fx *f, const char *name, int64_t interval)
{
	topoagent_cfg cfg = { .name = name, .source = TOPOAGENT_SIM, .min_interval_ms = interval };
	topoagent *a;
	neto_err err;
	assert_int_equal(topoagent_new(&a, f->st, &cfg, &err), 0);
	return a;
}

static void tick_ok(topoagent *a, int64_t now)
{
	neto_err err;
	if (topoagent_tick(a, now, &err) != 0) {
		print_error("tick at %lld: %s\n", (long long)now, err.msg);
		fail();
	}
}

static int64_t latest(fx *f, char **body)
{
	int64_t version, at;
	size_t len;
	char *b;
	neto_err err;
	assert_int_equal(store_topology_latest(f->st, &version, &at, &b, &len, &err), 0);
	if (body)
		*body = b;
	else
		free(b);
	return version;
}

/* The latest snapshot parsed back. */
static void latest_topo(fx *f, topo *t)
{
	char *body;
	latest(f, &body);
	assert_non_null(body);
	neto_err err;
	topo_init(t);
	assert_int_equal(topo_parse_json(t, body, strlen(body), "snapshot", &err), 0);
	free(body);
}

/* Audit details with action "topology", joined by '|'. */
static void audit_details(fx *f, char *out, size_t n)
{
	store_audit *v;
	size_t cnt;
	neto_err err;
	assert_int_equal(store_audit_list(f->st, 0, 100, &v, &cnt, &err), 0);
	out[0] = '\0';
	for (size_t i = 0; i < cnt; i++) {
		if (strcmp(v[i].action, "topology") != 0)
			continue;
		size_t l = strlen(out);
		snprintf(out + l, n - l, "%s%s:%s", l ? "|" : "", v[i].actor, v[i].detail);
	}
	store_audit_free(v, cnt);
}

static void test_file_changes(void **state)
{
	fx *f = *state;
	put_file(f->topo_path, GRAPH_A);
	topoagent *a = file_agent(f, "topo-1");
	tick_ok(a, 1000);
	assert_true(topoagent_status_get(a)->holder);
	assert_int_equal(latest(f, NULL), 1);
	/* nothing changed: nothing written */
	tick_ok(a, 1100);
	tick_ok(a, 5000);
	assert_int_equal(latest(f, NULL), 1);
	topo t;
	latest_topo(f, &t);
	assert_int_equal(t.n_links, 4);
	assert_true(t.links[0].capacity == 1000);
	assert_string_equal(t.unit, "kbps");
	topo_free(&t);

	put_file(f->topo_path, GRAPH_B);
	tick_ok(a, 6000);
	assert_int_equal(latest(f, NULL), 2);
	latest_topo(f, &t);
	assert_true(t.links[0].capacity == 2000);
	topo_free(&t);

	/* any format: JSON with two links down */
	put_file(f->topo_path, JSON_DOWN);
	tick_ok(a, 7000);
	assert_int_equal(latest(f, NULL), 3);
	assert_int_equal(topoagent_status_get(a)->links_down, 2);
	latest_topo(f, &t);
	assert_false(t.links[0].up);
	assert_false(t.links[1].up);
	assert_true(t.links[2].up);
	topo_free(&t);

	char aud[512];
	audit_details(f, aud, sizeof aud);
	assert_string_equal(aud, "topo-1:version 1: 0 links down|topo-1:version 2: 0 links down|"
				 "topo-1:version 3: 2 links down");
	assert_int_equal(topoagent_status_get(a)->snapshots, 3);

	/* the same content in a new file: no new version */
	put_file(f->topo_path, JSON_DOWN);
	tick_ok(a, 9000);
	assert_int_equal(latest(f, NULL), 3);

	/* heartbeat */
	store_agent *ag;
	size_t n;
	neto_err err;
	assert_int_equal(store_agent_list(f->st, &ag, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(ag[0].name, "topo-1");
	assert_string_equal(ag[0].role, "topology");
	assert_non_null(strstr(ag[0].info, "\"holder\":true"));
	store_agent_free(ag, n);
	topoagent_free(a);
}

static void test_bad_file_keeps_snapshot(void **state)
{
	fx *f = *state;
	put_file(f->topo_path, GRAPH_A);
	topoagent *a = file_agent(f, "topo-1");
	tick_ok(a, 1000);
	char *good;
	assert_int_equal(latest(f, &good), 1);

	/* line 8 has a bad capacity */
	put_file(f->topo_path, "NODES 3\nlabel x y\na 0 0\nb 1 1\nc 2 2\n"
			       "EDGES 2\nlabel src dest weight bw delay\n"
			       "ab 0 1 1 -5 10\nba 1 0 1 1000 10\n");
	neto_err err;
	assert_int_equal(topoagent_tick(a, 3000, &err), -1);
	char want[256];
	snprintf(want, sizeof want, "%s:8:", f->topo_path);
	assert_non_null(strstr(err.msg, want));
	assert_non_null(strstr(err.msg, "last good snapshot stays"));
	assert_non_null(strstr(topoagent_status_get(a)->last_error, want));
	assert_int_equal(topoagent_status_get(a)->parse_errors, 1);
	/* reported once; the store keeps the last good snapshot */
	tick_ok(a, 4000);
	tick_ok(a, 9000);
	char *now_body;
	assert_int_equal(latest(f, &now_body), 1);
	assert_string_equal(now_body, good);
	free(now_body);

	/* a file that vanishes: reported once, the snapshot stays */
	assert_int_equal(unlink(f->topo_path), 0);
	assert_int_equal(topoagent_tick(a, 10000, &err), -1);
	assert_non_null(strstr(err.msg, "No such file"));
	tick_ok(a, 11000);
	assert_int_equal(latest(f, NULL), 1);

	/* fixed: a new snapshot, the error is cleared */
	put_file(f->topo_path, GRAPH_B);
	tick_ok(a, 12000);
	assert_int_equal(latest(f, NULL), 2);
	assert_string_equal(topoagent_status_get(a)->last_error, "");
	free(good);
	topoagent_free(a);
}

/* A three-node triangle for the sim source. */
static void triangle(topo *t)
{
	const char *g = "NODES 3\nlabel x y\na 0 0\nb 1 1\nc 2 2\n"
			"EDGES 3\nlabel src dest weight bw delay\n"
			"ab 0 1 1 1000 10\nbc 1 2 1 1000 10\nca 2 0 1 1000 10\n";
	neto_err err;
	topo_init(t);
	assert_int_equal(topo_parse(t, TOPO_FMT_AUTO, g, strlen(g), "tri", NULL, &err), 0);
}

static void test_standby_and_takeover(void **state)
{
	fx *f = *state;
	topo t;
	triangle(&t);
	neto_err err;
	topoagent *a = sim_agent(f, "topo-a", 0);
	topoagent *b = sim_agent(f, "topo-b", 0);
	assert_int_equal(topoagent_set_topology(a, &t, &err), 0);
	tick_ok(a, 1000);
	assert_true(topoagent_status_get(a)->holder);
	assert_int_equal(latest(f, NULL), 1);

	/* b sees a different state, but a holds the lease: b writes nothing */
	t.links[0].up = false;
	assert_int_equal(topoagent_set_topology(b, &t, &err), 0);
	for (int64_t now = 1000; now <= 5000; now += 500) {
		tick_ok(b, now);
		tick_ok(a, now);
	}
	assert_false(topoagent_status_get(b)->holder);
	assert_true(topoagent_status_get(b)->pending);
	assert_int_equal(latest(f, NULL), 1);

	/* a stops (crash: no release). Its lease was last renewed at 4999 or
	 * earlier and runs 5000 ms; b takes over once it has expired. */
	int64_t now = 5500;
	while (!topoagent_status_get(b)->holder) {
		tick_ok(b, now);
		assert_int_equal(latest(f, NULL), topoagent_status_get(b)->holder ? 2 : 1);
		now += 100;
		assert_true(now < 11000);
	}
	assert_true(now > 9000);
	assert_int_equal(latest(f, NULL), 2);
	assert_int_equal(topoagent_status_get(b)->epoch, 2);
	topo s;
	latest_topo(f, &s);
	assert_false(s.links[0].up);
	topo_free(&s);

	/* a comes back: it learns at its next lease attempt that it lost the
	 * lease, and writes nothing even with a new state */
	t.links[0].up = true;
	t.links[1].up = false;
	assert_int_equal(topoagent_set_topology(a, &t, &err), 0);
	tick_ok(a, now + 100);
	assert_false(topoagent_status_get(a)->holder);
	assert_int_equal(latest(f, NULL), 2);

	char aud[512];
	audit_details(f, aud, sizeof aud);
	assert_string_equal(aud, "topo-a:version 1: 0 links down|topo-b:version 2: 1 links down");

	/* a clean shutdown hands over at once */
	assert_int_equal(topoagent_release(b, now + 200, &err), 0);
	tick_ok(a, now + 200 + 5000 / 3 + 1);
	assert_true(topoagent_status_get(a)->holder);
	assert_int_equal(latest(f, NULL), 3);
	topoagent_free(a);
	topoagent_free(b);
	topo_free(&t);
}

/* A link flaps every 100 ms for 2.5 s: at most one snapshot per second,
 * and the state the link ends in. */
static void test_rate_limit(void **state)
{
	fx *f = *state;
	topo t;
	triangle(&t);
	neto_err err;
	topoagent *a = sim_agent(f, "topo-a", 1000);
	assert_int_equal(topoagent_set_topology(a, &t, &err), 0);
	tick_ok(a, 10000);
	assert_int_equal(latest(f, NULL), 1); /* the first one at once */
	int64_t now = 10000;
	for (int i = 1; i <= 25; i++) {
		now = 10000 + 100 * i; /* 10100 .. 12500 */
		t.links[0].up = i % 2 == 0;
		assert_int_equal(topoagent_set_topology(a, &t, &err), 0);
		tick_ok(a, now);
		if (now < 11000)
			assert_int_equal(latest(f, NULL), 1);
	}
	/* 11000: i = 10, up, as version 1: nothing to write. 11100: i = 11,
	 * down, a second after version 1: version 2. 12100: i = 21, down as
	 * stored. 12200: i = 22, up, a second after version 2: version 3.
	 * 12300 .. 12500: within the interval; the link ends down. */
	assert_int_equal(latest(f, NULL), 3);
	assert_int_equal(topoagent_status_get(a)->snapshots, 3);
	assert_true(topoagent_status_get(a)->pending);
	/* the flapping stops: the latest state goes out once the interval since
	 * version 3 has passed, and only it */
	tick_ok(a, 12700);
	tick_ok(a, 13199);
	assert_int_equal(latest(f, NULL), 3);
	tick_ok(a, 13200);
	assert_int_equal(latest(f, NULL), 4);
	assert_false(topoagent_status_get(a)->pending);
	tick_ok(a, 20000);
	assert_int_equal(latest(f, NULL), 4);
	topo s;
	latest_topo(f, &s);
	assert_false(s.links[0].up);
	topo_free(&s);
	char aud[512];
	audit_details(f, aud, sizeof aud);
	assert_string_equal(aud, "topo-a:version 1: 0 links down|topo-a:version 2: 1 links down|"
				 "topo-a:version 3: 0 links down|topo-a:version 4: 1 links down");
	topoagent_free(a);
	topo_free(&t);
}

/* A restarted instance reads the stored snapshot back: the same state is
 * not written again, and the rate limit runs from the stored time. */
static void test_restart(void **state)
{
	fx *f = *state;
	topo t;
	triangle(&t);
	neto_err err;
	topoagent *a = sim_agent(f, "topo-a", 1000);
	assert_int_equal(topoagent_set_topology(a, &t, &err), 0);
	tick_ok(a, 1000);
	topoagent_free(a);
	a = sim_agent(f, "topo-a", 1000);
	assert_int_equal(topoagent_set_topology(a, &t, &err), 0);
	tick_ok(a, 1200);
	assert_int_equal(latest(f, NULL), 1);
	assert_false(topoagent_status_get(a)->pending);
	t.links[2].up = false;
	assert_int_equal(topoagent_set_topology(a, &t, &err), 0);
	tick_ok(a, 1300);
	assert_int_equal(latest(f, NULL), 1);
	tick_ok(a, 2000);
	assert_int_equal(latest(f, NULL), 2);
	topoagent_free(a);
	topo_free(&t);
}

static void test_config(void **state)
{
	fx *f = *state;
	topoagent *a;
	neto_err err;
	topoagent_cfg c = { .name = "", .source = TOPOAGENT_SIM };
	assert_int_equal(topoagent_new(&a, f->st, &c, &err), -1);
	c.name = "x";
	c.source = TOPOAGENT_FILE;
	assert_int_equal(topoagent_new(&a, f->st, &c, &err), -1);
	assert_non_null(strstr(err.msg, "path"));
	c.path = "/nonexistent";
	c.min_interval_ms = -1;
	assert_int_equal(topoagent_new(&a, f->st, &c, &err), -1);
	c.min_interval_ms = 0;
	assert_int_equal(topoagent_new(&a, f->st, &c, &err), 0);
	topo t;
	triangle(&t);
	assert_int_equal(topoagent_set_topology(a, &t, &err), -1);
	topo_free(&t);
	topoagent_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_file_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_file_keeps_snapshot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_standby_and_takeover, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rate_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
