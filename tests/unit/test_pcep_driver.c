/*
 * test_pcep_driver.c - the PCEP southbound driver against neto's PCC over
 * loopback: a task's policy becomes PCE-initiated SR-MPLS LSPs (labels from
 * the map, colour in vendor information), DONE only once the PCC reported
 * the desired segment lists; updates, a path going away, removal, refusals
 * (PCErr) and an inexpressible policy FAILED; a lost session PENDING; a task
 * through the updating agent and the store. And the configuration keys of
 * the driver. And the store's installed state following what the PCC
 * reports: LSPs dropped, a restart, other segments, a neto restart, the
 * per-router lease, the state timeout, and a controller cycle that plans a
 * dropped policy again.
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
#include <jansson.h>

#include "agent/driver_pcep.h"
#include "agent/update.h"
#include "cfg/cfg.h"
#include "ctl/controller.h"
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

static void setup_rig_map(rig *r, const char *map_text)
{
	neto_err err;
	char *peers[] = { (char *)(uintptr_t)"r1=127.0.0.1" };
	driver_pcep_cfg dc = { .listen = "127.0.0.1:0", .peers = peers, .n_peers = 1,
			       .map_text = map_text };
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

static void setup_rig(rig *r)
{
	setup_rig_map(r, map);
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

/* ---- the installed state follows the reports ------------------------------------ */

typedef struct irig {
	rig r;
	char dir[64];
	store *st;
	agent_update a;
	int64_t now;
} irig;

static void irig_open(irig *t, const char *map_text)
{
	memset(t, 0, sizeof *t);
	setup_rig_map(&t->r, map_text);
	snprintf(t->dir, sizeof t->dir, "/tmp/np-pcep-inst.XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	char uri[128];
	snprintf(uri, sizeof uri, "sqlite:%s/neto.db", t->dir);
	neto_err err;
	if (store_open(&t->st, uri, &err) != 0)
		fail_msg("%s", err.msg);
	agent_update_config uc = { .name = "pce", .routers = "r*", .driver = &t->r.drv,
				   .resend_ms = 1000 };
	agent_update_init(&t->a, t->st, &uc);
	t->now = 1000000;
}

static void irig_close(irig *t)
{
	agent_update_free(&t->a);
	store_close(t->st);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", t->dir);
	assert_int_equal(system(cmd), 0);
	if (t->r.fd >= 0)
		close(t->r.fd);
	pcc_free(&t->r.c);
	t->r.drv.close(t->r.drv.ctx);
}

static void irig_tick(irig *t, int rounds)
{
	neto_err err;
	for (int i = 0; i < rounds; i++) {
		t->now += 10;
		if (agent_update_tick(&t->a, t->now, &err) != 0)
			fail_msg("%s", err.msg);
		spin(&t->r, 2);
	}
}

/* The installed rows of r1: their number, and the body of POLICY in *body
 * (NULL when absent; caller frees). */
static size_t installed_r1(store *st, const char *policy, char **body)
{
	store_installed *iv = NULL;
	size_t ni = 0, k = 0;
	neto_err err;
	assert_int_equal(store_installed_list(st, &iv, &ni, &err), 0);
	if (body)
		*body = NULL;
	for (size_t i = 0; i < ni; i++) {
		if (strcmp(iv[i].router, "r1") != 0)
			continue;
		k++;
		if (body && strcmp(iv[i].policy, policy) == 0)
			*body = strdup(iv[i].body);
	}
	store_installed_free(iv, ni);
	return k;
}

static void irig_install(irig *t, const char *desired)
{
	uint64_t before = t->a.applied;
	char s1[32];
	int64_t plan = plan_task(t->st, "apply", desired, t->now);
	for (int i = 0; i < 300 && t->a.applied == before; i++)
		irig_tick(t, 1);
	assert_int_equal(t->a.applied, before + 1);
	assert_string_equal(task_state(t->st, plan, s1, sizeof s1), "done");
	char *b = NULL;
	assert_int_equal(installed_r1(t->st, "r3/gold", &b), 1);
	assert_non_null(b);
	assert_true(driver_policy_equal(b, desired));
	free(b);
}

/* Ticks until r1 has N installed rows (or gives up). */
static void irig_wait_rows(irig *t, size_t n)
{
	for (int i = 0; i < 300 && installed_r1(t->st, "", NULL) != n; i++)
		irig_tick(t, 1);
	assert_int_equal(installed_r1(t->st, "", NULL), n);
}

/* The newest audit row's detail contains WHAT. */
static void audit_has(store *st, const char *what)
{
	store_audit *v = NULL;
	size_t n = 0;
	neto_err err;
	assert_int_equal(store_audit_list(st, 0, 100000, &v, &n, &err), 0);
	assert_true(n > 0);
	bool found = false;
	for (size_t i = 0; i < n && !found; i++)
		found = v[i].detail && strstr(v[i].detail, what);
	if (!found)
		fail_msg("no audit row says '%s' (last: %s)", what, v[n - 1].detail);
	store_audit_free(v, n);
}

/* The router removes neto's LSP by itself: the row goes; installed again
 * by a task, then the router restarts with nothing (an empty
 * synchronisation): the row goes again; an LSP the router holds with
 * another segment list: recorded with the reported segments. */
static void test_installed_follows_reports(void **state)
{
	(void)state;
	irig t;
	irig_open(&t, map);
	neto_err err;
	irig_install(&t, one_path);
	/* unchanged reports (keepalives, the same LSP again): the row stays */
	irig_tick(&t, 20);
	assert_int_equal(installed_r1(t.st, "", NULL), 1);

	/* 1. the router drops it (PCRpt with R, no SRP) */
	assert_int_equal(pcc_drop(&t.r.c, "neto/r3/gold/0", 0), 0);
	assert_int_equal(pcc_drop(&t.r.c, "neto/r3/gold/0", 0), -1);
	irig_wait_rows(&t, 0);
	audit_has(t.st, "no longer reports it");

	/* 2. installed again, then the router restarts empty */
	irig_install(&t, one_path);
	close(t.r.fd);
	pcc_free(&t.r.c);
	pcc_cfg cfg = { 0 };
	pcep_session_cfg_default(&cfg.sess, true);
	pcep_addr_parse("127.0.0.1", &cfg.addr);
	pcc_init(&t.r.c, &cfg);
	t.r.fd = pcc_connect("127.0.0.1", driver_pcep_pce(&t.r.drv)->port, &err);
	assert_true(t.r.fd >= 0);
	pcc_start(&t.r.c, 0);
	irig_wait_rows(&t, 0);
	pce_sess *s = driver_pcep_session(&t.r.drv, "r1");
	assert_non_null(s);
	assert_true(s->synced);

	/* 3. installed again (two paths), then the router holds path 0 on
	 * another segment list, path 1 gone, and a local LSP of its own; it
	 * reports that at its next synchronisation */
	irig_install(&t, two_paths);
	pcc_lsp *l = pcc_find(&t.r.c, "neto/r3/gold/0");
	assert_non_null(l);
	l->path.ero.n = 1;
	l->path.ero.sub[0].sid = 16004u << 12;	/* fc00:0:4:1:: */
	assert_int_equal(pcc_drop(&t.r.c, "neto/r3/gold/1", 0), 0);
	pcep_path local = { 0 };
	local.has_ero = true;
	pcep_ro_add(&local.ero)->type = PCEP_RO_SR;
	local.ero.sub[0].sid = 16002u << 12;
	local.ero.sub[0].flags = PCEP_SR_M | PCEP_SR_F;
	assert_non_null(pcc_add_local(&t.r.c, "static-to-r2", &local));
	assert_non_null(pcc_add_local(&t.r.c, "neto/bad-name", &local));
	pcep_path_free(&local);
	close(t.r.fd);
	pcc_restart(&t.r.c);
	t.r.fd = pcc_connect("127.0.0.1", driver_pcep_pce(&t.r.drv)->port, &err);
	assert_true(t.r.fd >= 0);
	pcc_start(&t.r.c, 0);
	char *b = NULL;
	for (int i = 0; i < 300; i++) {
		irig_tick(&t, 1);
		free(b);
		installed_r1(t.st, "r3/gold", &b);
		if (b && strstr(b, "fc00:0:4:1::\"]"))
			break;
	}
	assert_non_null(b);
	assert_int_equal(installed_r1(t.st, "", NULL), 1);	/* the foreign LSPs: no row */
	json_t *doc = json_loads(b, 0, NULL);
	free(b);
	assert_non_null(doc);
	json_t *paths = json_object_get(doc, "paths");
	assert_int_equal(json_array_size(paths), 1);
	json_t *p0 = json_array_get(paths, 0);
	assert_int_equal(json_array_size(json_object_get(p0, "segments")), 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(p0, "segments"), 0)),
			    "fc00:0:4:1::");
	/* PCEP says nothing of links, rates, weights: no links (the segments
	 * are not the planned ones), the planned rate and weight kept */
	assert_int_equal(json_array_size(json_object_get(p0, "links")), 0);
	assert_true(json_real_value(json_object_get(p0, "weight")) == 0.6);
	assert_string_equal(json_string_value(json_object_get(doc, "class")), "gold");
	json_decref(doc);
	audit_has(t.st, "pcep: r1 reports it");
	irig_close(&t);
}

/* A neto that starts with rows in the store (another process wrote them)
 * and a router that reports them as they are: nothing is rewritten; one it
 * does not report: deleted. While another agent holds the router's lease,
 * this one writes nothing. */
static void test_installed_restart_and_fence(void **state)
{
	(void)state;
	irig t;
	irig_open(&t, map);
	neto_err err;
	irig_install(&t, one_path);
	assert_int_equal(store_installed_set(t.st, "r1", "r4/gold", one_path, "test", t.now, &err),
			 0);
	/* a new agent and driver (neto restarted); the PCC reconnects */
	agent_update_free(&t.a);
	close(t.r.fd);
	t.r.drv.close(t.r.drv.ctx);
	char *peers[] = { (char *)(uintptr_t)"r1=127.0.0.1" };
	driver_pcep_cfg dc = { .listen = "127.0.0.1:0", .peers = peers, .n_peers = 1,
			       .map_text = map };
	if (driver_pcep_init(&t.r.drv, &dc, &err) != 0)
		fail_msg("%s", err.msg);
	/* the old agent's lease on r1 still runs: the new one (another name)
	 * may not write r1's rows until it expires */
	agent_update_config uc = { .name = "pce-2", .routers = "r*", .driver = &t.r.drv,
				   .resend_ms = 1000 };
	agent_update_init(&t.a, t.st, &uc);
	pcc_restart(&t.r.c);
	t.r.fd = pcc_connect("127.0.0.1", driver_pcep_pce(&t.r.drv)->port, &err);
	assert_true(t.r.fd >= 0);
	pcc_start(&t.r.c, 0);
	irig_tick(&t, 30);
	pce_sess *s = driver_pcep_session(&t.r.drv, "r1");
	assert_non_null(s);
	assert_true(s->synced);
	assert_int_equal(installed_r1(t.st, "", NULL), 2);	/* fenced: unchanged */
	t.now += 31000;	/* the old lease expires */
	irig_wait_rows(&t, 1);
	char *b = NULL;
	assert_int_equal(installed_r1(t.st, "r3/gold", &b), 1);
	assert_non_null(b);
	assert_true(driver_policy_equal(b, one_path));
	assert_non_null(strstr(b, "r1-r2"));	/* the planned row, links and all */
	free(b);
	store_lease *lv = NULL;
	size_t nl = 0;
	assert_int_equal(store_lease_list(t.st, &lv, &nl, &err), 0);
	bool mine = false;
	for (size_t i = 0; i < nl; i++)
		mine |= strcmp(lv[i].name, "pcep/r1") == 0 && strcmp(lv[i].holder, "pce-2") == 0;
	store_lease_free(lv, nl);
	assert_true(mine);
	irig_close(&t);
}

/* The session is lost: the rows stay (the router keeps its LSPs for its
 * state timeout); once the state timeout passed without a session, the
 * router has flushed neto's LSPs (RFC 8231 s5.7.5) and the rows go. A
 * session back in time keeps them. */
static void test_installed_state_timeout(void **state)
{
	(void)state;
	char map1[sizeof map + 32];
	snprintf(map1, sizeof map1, "%sstate_timeout 1\n", map);
	irig t;
	irig_open(&t, map1);
	neto_err err;
	irig_install(&t, one_path);
	/* lost, back within the state timeout: kept */
	close(t.r.fd);
	t.r.fd = -1;
	irig_tick(&t, 20);
	pce_sess *s = driver_pcep_session(&t.r.drv, "r1");
	assert_true(s == NULL || !pce_sess_up(s));
	assert_int_equal(installed_r1(t.st, "", NULL), 1);
	pcc_restart(&t.r.c);
	t.r.fd = pcc_connect("127.0.0.1", driver_pcep_pce(&t.r.drv)->port, &err);
	assert_true(t.r.fd >= 0);
	pcc_start(&t.r.c, 0);
	irig_tick(&t, 20);
	usleep(1100 * 1000);
	irig_tick(&t, 5);
	assert_int_equal(installed_r1(t.st, "", NULL), 1);

	/* lost for good */
	close(t.r.fd);
	t.r.fd = -1;
	irig_tick(&t, 20);
	assert_int_equal(installed_r1(t.st, "", NULL), 1);	/* not yet */
	usleep(600 * 1000);
	irig_tick(&t, 5);
	assert_int_equal(installed_r1(t.st, "", NULL), 1);	/* still not */
	usleep(600 * 1000);
	irig_tick(&t, 5);
	assert_int_equal(installed_r1(t.st, "", NULL), 0);
	audit_has(t.st, "state timeout (1 s)");
	irig_close(&t);
}

/* The tasks of plan PLAN for r1's policy r3/default with ACTION. */
static size_t plan_tasks_r1(store *st, int64_t plan, const char *action, char **desired)
{
	store_task *v = NULL;
	size_t n = 0, k = 0;
	neto_err err;
	assert_int_equal(store_task_list(st, plan, -1, &v, &n, &err), 0);
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].router, "r1") == 0 && strcmp(v[i].policy, "r3/default") == 0 &&
		    strcmp(v[i].action, action) == 0) {
			k++;
			if (desired && v[i].desired)
				*desired = strdup(v[i].desired);
		}
	store_task_free(v, n);
	return k;
}

/* A controller cycle on the store: the plan it made. */
static int64_t cycle(controller *c, int64_t now)
{
	neto_err err;
	controller_poke(c);
	if (controller_tick(c, now, &err) != 0)
		fail_msg("%s", err.msg);
	assert_true(c->leader);
	assert_true(c->last_plan_id > 0);
	return c->last_plan_id;
}

/* The controller plans from the store: its first plan installs r1's
 * policy (through the agent and the PCC); a second cycle finds it installed
 * and asks nothing of r1; the PCC drops the LSP; the next cycle plans it
 * again. */
static void test_installed_replanned(void **state)
{
	(void)state;
	static const char topo_doc[] =
		"{\"unit\":\"Mbps\",\"nodes\":[{\"name\":\"r1\"},{\"name\":\"r3\"}],\"links\":["
		"{\"id\":\"r1-r3\",\"src\":\"r1\",\"dst\":\"r3\",\"capacity\":100,\"delay\":1000,"
		"\"adj_sid\":\"fc00:0:3:1::\"},"
		"{\"id\":\"r3-r1\",\"src\":\"r3\",\"dst\":\"r1\",\"capacity\":100,\"delay\":1000,"
		"\"adj_sid\":\"fc00:0:2:1::\"}]}";
	static const char dem[] = "src,dst,class,rate\nr1,r3,default,10\n";
	irig t;
	irig_open(&t, map);
	neto_err err;
	int64_t v, id;
	int changed;
	assert_int_equal(store_topology_put(t.st, "test", topo_doc, strlen(topo_doc), t.now, &v,
					    &changed, &err),
			 0);
	assert_int_equal(store_demand_put(t.st, t.now, dem, strlen(dem), "", &id, &err), 0);
	controller c;
	controller_config cc = { .name = "ctl", .period_ms = 1000000, .lease_ms = 1000000 };
	controller_init(&c, t.st, &cc);

	int64_t p1 = cycle(&c, t.now);
	char *d1 = NULL;
	assert_int_equal(plan_tasks_r1(t.st, p1, "apply", &d1), 1);
	assert_non_null(d1);
	/* the scheduler's part: assign to the agent, advance when done */
	int held, ok, adv = 0;
	int64_t epoch;
	assert_int_equal(store_lease_acquire(t.st, "scheduler", "s", t.now, 10000000, &held,
					     &epoch, &err),
			 0);
	store_fence fs = { "s", epoch };
	store_task *tv = NULL;
	size_t nt = 0;
	assert_int_equal(store_task_list(t.st, p1, -1, &tv, &nt, &err), 0);
	for (size_t i = 0; i < nt; i++) {
		assert_int_equal(store_task_assign(t.st, &fs, tv[i].id, "pce", t.now,
						   t.now + 10000000, &ok, &err),
				 0);
		assert_true(ok);
	}
	store_task_free(tv, nt);
	for (int i = 0; i < 300 && t.a.applied < nt; i++)
		irig_tick(&t, 1);
	assert_int_equal(t.a.applied, nt);
	for (int step = 0; step < 10; step++)
		assert_int_equal(store_plan_advance(t.st, &fs, p1, step, t.now, &adv, &err), 0);
	store_plan pl;
	int found = 0;
	assert_int_equal(store_plan_get(t.st, p1, &pl, &found, &err), 0);
	assert_true(found);
	assert_string_equal(pl.state, "done");
	store_plan_clear(&pl);
	char *b = NULL;
	assert_int_equal(installed_r1(t.st, "r3/default", &b), 1);
	assert_true(driver_policy_equal(b, d1));
	free(b);

	/* installed as planned: nothing to do on r1 */
	int64_t p2 = cycle(&c, t.now);
	assert_true(p2 != p1);
	assert_int_equal(plan_tasks_r1(t.st, p2, "apply", NULL), 0);

	/* the router drops it: the store follows, the controller plans it again */
	assert_int_equal(pcc_drop(&t.r.c, "neto/r3/default/0", 0), 0);
	irig_wait_rows(&t, 0);
	int64_t p3 = cycle(&c, t.now);
	char *d3 = NULL;
	assert_int_equal(plan_tasks_r1(t.st, p3, "apply", &d3), 1);
	assert_true(driver_policy_equal(d3, d1));
	free(d1);
	free(d3);
	controller_free(&c);
	irig_close(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_driver),
		cmocka_unit_test(test_cfg_keys),
		cmocka_unit_test(test_map_errors),
		cmocka_unit_test(test_agent_update),
		cmocka_unit_test(test_installed_follows_reports),
		cmocka_unit_test(test_installed_restart_and_fence),
		cmocka_unit_test(test_installed_state_timeout),
		cmocka_unit_test(test_installed_replanned),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
