/*
 * test_pcep_driver.c - the PCEP southbound driver against neto's PCC over
 * loopback: a task's policy becomes PCE-initiated SR-MPLS LSPs (labels from
 * the map, colour in vendor information), DONE only once the PCC reported
 * the desired segment lists; updates, a path going away, removal, refusals
 * (PCErr) and an inexpressible policy FAILED; a lost session PENDING; a task
 * through the updating agent and the store. And the configuration keys of
 * the driver.
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

#include "agent/driver_pcep.h"
#include "agent/update.h"
#include "cfg/cfg.h"
#include "proto/pcep/pcc.h"

static const char map[] = "# SIDs of the lab\n"
			  "label fc00:0:2:1:: 16002 10.0.0.2\n"
			  "srgb 16000\n"
			  "index fc00:0:3:1:: 3 10.0.0.3\n"
			  "label fc00:0:4:1:: 16004\n"
			  "color gold 100\n"
			  "router r3 10.0.0.3\n";

typedef struct rig {
	agent_driver drv;
	pcc c;
	int fd;
} rig;

static uint8_t refuse_bad(void *arg, const char *name, const pcep_path *path)
{
	(void)arg;
	(void)path;
	return strstr(name, "/bad/") ? PCEP_EV_SIGNALING : 0;
}

static void spin(rig *r, int rounds)
{
	neto_err err;
	for (int i = 0; i < rounds; i++) {
		assert_int_equal(r->drv.refresh(r->drv.ctx, "*", 0, &err), 0);
		if (r->fd >= 0 && pcc_io(&r->c, r->fd, 0) != 0) {
			close(r->fd);
			r->fd = -1;
		}
		usleep(500);
	}
}

static driver_status status(rig *r, const char *policy, const char *desired, char **rb,
			    neto_err *err)
{
	driver_status st;
	char *x = NULL;
	assert_int_equal(r->drv.status(r->drv.ctx, "r1", policy, desired, 0, &st, &x, err), 0);
	if (rb)
		*rb = x;
	else
		free(x);
	return st;
}

static void setup_rig(rig *r)
{
	neto_err err;
	char *peers[] = { (char *)(uintptr_t)"r1=127.0.0.1" };
	driver_pcep_cfg dc = { .listen = "127.0.0.1:0", .peers = peers, .n_peers = 1,
			       .map_text = map };
	if (driver_pcep_init(&r->drv, &dc, &err) != 0)
		fail_msg("%s", err.msg);
	pcc_cfg cfg = { 0 };
	pcep_session_cfg_default(&cfg.sess, true);
	pcep_addr_parse("127.0.0.1", &cfg.addr);
	cfg.accept = refuse_bad;
	pcc_init(&r->c, &cfg);
	r->fd = pcc_connect("127.0.0.1", driver_pcep_pce(&r->drv)->port, &err);
	assert_true(r->fd >= 0);
	pcc_start(&r->c, 0);
	spin(r, 20);
}

static const char one_path[] =
	"{\"src\":\"r1\",\"dst\":\"r3\",\"class\":\"gold\",\"priority\":0,\"paths\":["
	"{\"links\":[\"r1-r2\",\"r2-r3\"],\"segments\":[\"fc00:0:2:1::\",\"fc00:0:3:1::\"],"
	"\"rate\":10,\"weight\":1}]}";
static const char two_paths[] =
	"{\"src\":\"r1\",\"dst\":\"r3\",\"class\":\"gold\",\"priority\":0,\"paths\":["
	"{\"links\":[\"r1-r3\"],\"segments\":[\"fc00:0:3:1::\"],\"rate\":6,\"weight\":0.6},"
	"{\"links\":[\"r1-r4\",\"r4-r3\"],\"segments\":[\"fc00:0:4:1::\",\"fc00:0:3:1::\"],"
	"\"rate\":4,\"weight\":0.4}]}";

static void test_driver(void **state)
{
	(void)state;
	rig r = { 0 };
	setup_rig(&r);
	neto_err err;
	char *rb = NULL;
	/* before anything is asked: not there */
	assert_int_equal(status(&r, "r3/gold", one_path, NULL, &err), DRIVER_PENDING);
	assert_int_equal(status(&r, "r3/gold", NULL, NULL, &err), DRIVER_DONE);

	assert_int_equal(r.drv.apply(r.drv.ctx, "r1", "r3/gold", one_path, 0, &err), 0);
	/* asked again before the answer: not sent twice */
	assert_int_equal(r.drv.apply(r.drv.ctx, "r1", "r3/gold", one_path, 0, &err), 0);
	spin(&r, 10);
	assert_int_equal(r.c.n_initiated, 1);
	assert_int_equal(r.c.n_refused, 0);
	assert_int_equal(status(&r, "r3/gold", one_path, &rb, &err), DRIVER_DONE);
	assert_non_null(rb);
	assert_true(driver_policy_equal(rb, one_path));
	assert_non_null(strstr(rb, "\"plsp_id\":1"));
	free(rb);
	/* what the PCC holds: the labels, the NAIs, the colour, the end points */
	pcc_lsp *l = pcc_find(&r.c, "neto/r3/gold/0");
	assert_non_null(l);
	assert_int_equal(l->path.ero.n, 2);
	assert_int_equal(l->path.ero.sub[0].sid >> 12, 16002);
	assert_int_equal(l->path.ero.sub[1].sid >> 12, 16003);	/* SRGB 16000 + index 3 */
	assert_int_equal(l->path.ero.sub[1].nai.type, PCEP_NAI_IPV4_NODE);
	assert_int_equal(l->path.ero.sub[1].nai.local.a[3], 3);
	assert_true(l->path.has_vendor);
	assert_int_equal(l->path.vendor.data[7], 100);
	assert_int_equal(l->path.dst.a[3], 3);
	assert_true(l->path.srp.tlvs.has_pst);
	assert_int_equal(l->path.srp.tlvs.pst_value, PCEP_PST_SR);

	/* two paths: path 0 updated (PCUpd), path 1 created; weights come back */
	assert_int_equal(r.drv.apply(r.drv.ctx, "r1", "r3/gold", two_paths, 0, &err), 0);
	assert_int_equal(status(&r, "r3/gold", two_paths, NULL, &err), DRIVER_PENDING);
	spin(&r, 10);
	assert_int_equal(status(&r, "r3/gold", two_paths, &rb, &err), DRIVER_DONE);
	assert_true(driver_policy_equal(rb, two_paths));
	assert_false(driver_policy_equal(rb, one_path));
	free(rb);
	assert_int_equal(r.c.n_updated, 1);
	assert_int_equal(pcc_count(&r.c), 2);
	/* back to one path: the second LSP is removed */
	assert_int_equal(r.drv.apply(r.drv.ctx, "r1", "r3/gold", one_path, 0, &err), 0);
	spin(&r, 10);
	assert_int_equal(status(&r, "r3/gold", one_path, NULL, &err), DRIVER_DONE);
	assert_int_equal(pcc_count(&r.c), 1);
	assert_null(pcc_find(&r.c, "neto/r3/gold/1"));

	/* a router that refuses: FAILED with the PCErr */
	assert_int_equal(r.drv.apply(r.drv.ctx, "r1", "r3/bad", one_path, 0, &err), 0);
	spin(&r, 10);
	assert_int_equal(status(&r, "r3/bad", one_path, NULL, &err), DRIVER_FAILED);
	assert_non_null(strstr(err.msg, "PCErr 24/3"));
	/* a SID with no label: FAILED, nothing sent */
	static const char nolabel[] =
		"{\"src\":\"r1\",\"dst\":\"r3\",\"class\":\"gold\",\"paths\":["
		"{\"links\":[],\"segments\":[\"fc00:0:9:1::\"],\"rate\":1,\"weight\":1}]}";
	assert_int_equal(r.drv.apply(r.drv.ctx, "r1", "r3/x", nolabel, 0, &err), -1);
	assert_int_equal(status(&r, "r3/x", nolabel, NULL, &err), DRIVER_FAILED);
	assert_non_null(strstr(err.msg, "no MPLS label"));
	/* a router with no address: an error */
	driver_status st;
	char *x = NULL;
	assert_int_equal(r.drv.apply(r.drv.ctx, "r9", "r3/gold", one_path, 0, &err), -1);

	/* removal: DONE once the PCC reported it gone */
	assert_int_equal(r.drv.remove(r.drv.ctx, "r1", "r3/gold", 0, &err), 0);
	assert_int_equal(status(&r, "r3/gold", NULL, NULL, &err), DRIVER_PENDING);
	spin(&r, 10);
	assert_int_equal(status(&r, "r3/gold", NULL, NULL, &err), DRIVER_DONE);
	assert_int_equal(pcc_count(&r.c), 0);

	/* the session is lost: nothing can be confirmed */
	assert_int_equal(r.drv.apply(r.drv.ctx, "r1", "r3/gold", one_path, 0, &err), 0);
	spin(&r, 10);
	assert_int_equal(status(&r, "r3/gold", one_path, NULL, &err), DRIVER_DONE);
	close(r.fd);
	r.fd = -1;
	spin(&r, 5);
	assert_int_equal(r.drv.status(r.drv.ctx, "r1", "r3/gold", one_path, 0, &st, &x, &err), 0);
	assert_int_equal(st, DRIVER_PENDING);
	assert_int_equal(r.drv.apply(r.drv.ctx, "r1", "r3/gold", one_path, 0, &err), -1);
	pcc_free(&r.c);
	r.drv.close(r.drv.ctx);
}

static void test_cfg_keys(void **state)
{
	(void)state;
	static const char ini[] = "[agent pce]\nrole = update\ndriver = pcep\n"
				  "pcep_listen = 127.0.0.1:4189\n"
				  "pcep_peers = r1=10.0.0.1,r2=2001:db8::2\n"
				  "pcep_map = /etc/neto/pcep.map\n";
	neto_cfg c, d;
	neto_err err;
	if (cfg_parse(ini, strlen(ini), "t.ini", &c, &err) != 0)
		fail_msg("%s", err.msg);
	const neto_cfg_agent *a = cfg_agent_find(&c, "pce");
	assert_string_equal(a->driver, "pcep");
	assert_string_equal(a->pcep_listen, "127.0.0.1:4189");
	assert_int_equal(a->n_pcep_peers, 2);
	assert_string_equal(a->pcep_peers[1], "r2=2001:db8::2");
	assert_string_equal(a->pcep_map, "/etc/neto/pcep.map");
	char *text = cfg_print(&c, 0);
	assert_int_equal(cfg_parse(text, strlen(text), "again", &d, &err), 0);
	char *text2 = cfg_print(&d, 0);
	assert_string_equal(text, text2);
	free(text);
	free(text2);
	neto_cfg_free(&c);
	neto_cfg_free(&d);
	/* the default listen address */
	static const char ini2[] = "[agent pce]\nrole = update\ndriver = pcep\n";
	assert_int_equal(cfg_parse(ini2, strlen(ini2), "t.ini", &c, &err), 0);
	assert_string_equal(cfg_agent_find(&c, "pce")->pcep_listen, "0.0.0.0:4189");
	neto_cfg_free(&c);
	/* errors */
	static const char *const bad[][2] = {
		{ "[agent a]\nrole = update\npcep_map = x\n",
		  "t.ini:3: [agent a] pcep_map: only with driver = pcep" },
		{ "[agent a]\nrole = update\ndriver = pcep\npcep_peers = r1\n",
		  "t.ini:4: [agent a] pcep_peers: 'r1' is not ROUTER=ADDRESS" },
		{ "[agent a]\nrole = update\ndriver = pcep\npcep_peers = r1=10.0.0.300\n",
		  "t.ini:4: [agent a] pcep_peers: 'r1=10.0.0.300' is not ROUTER=ADDRESS" },
		{ "[agent a]\nrole = flow\npcep_listen = 1.2.3.4:1\n",
		  "t.ini:3: [agent a] pcep_listen: not a key of flow agents" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(cfg_parse(bad[i][0], strlen(bad[i][0]), "t.ini", &c, &err), -1);
		assert_string_equal(err.msg, bad[i][1]);
	}
}

static void test_map_errors(void **state)
{
	(void)state;
	static const char *const bad[][2] = {
		{ "label fc00::1 12\n", "map:1: label '12' is not 16..1048575" },
		{ "\nlabel 10.0.0.1 16001\n", "map:2: '10.0.0.1' is not an SRv6 SID" },
		{ "color gold 0\n", "map:1: colour '0' is not 1..4294967295" },
		{ "router r1 nowhere\n", "map:1: router r1: 'nowhere' is not an IP address" },
		{ "dataplane ip\n", NULL },
		{ "index fc00::1 3\n", "map:1: index before any srgb line" },
		{ "srgb 8\n", "map:1: SRGB base '8' is not 16..1048575" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		agent_driver drv;
		neto_err err;
		driver_pcep_cfg dc = { .listen = "127.0.0.1:0", .map_text = bad[i][0] };
		assert_int_equal(driver_pcep_init(&drv, &dc, &err), -1);
		if (bad[i][1])
			assert_string_equal(err.msg, bad[i][1]);
	}
}

/* One task through the updating agent (agent_update_tick, as `neto agent
 * update` runs it) with the PCEP driver: claimed, sent as a PCInitiate,
 * completed once the PCC reported it, the installed state recorded; then a
 * removal task. */
static int64_t plan_task(store *st, const char *action, const char *desired, int64_t now)
{
	neto_err err;
	int held;
	int64_t epoch, plan_id;
	assert_int_equal(store_lease_acquire(st, "controller", "c", now, 60000, &held, &epoch, &err), 0);
	assert_true(held);
	store_fence fc = { "c", epoch };
	store_task_in t = { 0, "r1", "r3/gold", action, desired };
	store_plan_in in = { .kind = "reopt", .priority = 1, .solution = "{}", .plan = "{}",
			     .nsteps = 1, .tasks = &t, .ntasks = 1 };
	if (store_plan_create(st, &fc, &in, now, &plan_id, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(store_lease_acquire(st, "scheduler", "s", now, 60000, &held, &epoch, &err), 0);
	store_fence fs = { "s", epoch };
	store_task *v = NULL;
	size_t n = 0;
	assert_int_equal(store_task_list(st, plan_id, 0, &v, &n, &err), 0);
	assert_int_equal(n, 1);
	int ok = 0;
	assert_int_equal(store_task_assign(st, &fs, v[0].id, "pce", now, now + 60000, &ok, &err), 0);
	assert_true(ok);
	store_task_free(v, n);
	return plan_id;
}

static const char *task_state(store *st, int64_t plan_id, char *out, size_t n)
{
	store_task *v = NULL;
	size_t k = 0;
	neto_err err;
	assert_int_equal(store_task_list(st, plan_id, 0, &v, &k, &err), 0);
	snprintf(out, n, "%s", k ? v[0].state : "none");
	store_task_free(v, k);
	return out;
}

static void test_agent_update(void **state)
{
	(void)state;
	rig r = { 0 };
	setup_rig(&r);
	char dir[] = "/tmp/np-pcep-agent.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char uri[128];
	snprintf(uri, sizeof uri, "sqlite:%s/neto.db", dir);
	store *st = NULL;
	neto_err err;
	if (store_open(&st, uri, &err) != 0)
		fail_msg("%s", err.msg);
	agent_update a;
	agent_update_config uc = { .name = "pce", .routers = "r*", .driver = &r.drv,
				   .resend_ms = 1000 };
	agent_update_init(&a, st, &uc);
	int64_t now = 1000000;
	int64_t plan = plan_task(st, "apply", one_path, now);
	char s1[32];
	for (int i = 0; i < 200 && a.applied < 1; i++) {
		now += 10;
		assert_int_equal(agent_update_tick(&a, now, &err), 0);
		spin(&r, 2);
	}
	assert_int_equal(a.applied, 1);
	assert_string_equal(task_state(st, plan, s1, sizeof s1), "done");
	assert_non_null(pcc_find(&r.c, "neto/r3/gold/0"));
	store_installed *iv = NULL;
	size_t ni = 0;
	assert_int_equal(store_installed_list(st, &iv, &ni, &err), 0);
	assert_int_equal(ni, 1);
	assert_string_equal(iv[0].router, "r1");
	assert_true(driver_policy_equal(iv[0].body, one_path));
	store_installed_free(iv, ni);

	plan = plan_task(st, "remove", NULL, now);
	for (int i = 0; i < 200 && a.applied < 2; i++) {
		now += 10;
		assert_int_equal(agent_update_tick(&a, now, &err), 0);
		spin(&r, 2);
	}
	assert_int_equal(a.applied, 2);
	assert_string_equal(task_state(st, plan, s1, sizeof s1), "done");
	assert_int_equal(pcc_count(&r.c), 0);
	assert_int_equal(store_installed_list(st, &iv, &ni, &err), 0);
	assert_int_equal(ni, 0);
	store_installed_free(iv, ni);

	agent_update_free(&a);
	store_close(st);
	char cmd[256];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	close(r.fd);
	pcc_free(&r.c);
	r.drv.close(r.drv.ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_driver),
		cmocka_unit_test(test_cfg_keys),
		cmocka_unit_test(test_map_errors),
		cmocka_unit_test(test_agent_update),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
