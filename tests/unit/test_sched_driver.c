/*
 * test_sched_driver.c - the scheduler hands a task only to an updating agent
 * whose driver speaks its kind: egress announcements ("egress/PREFIX") to
 * agents with driver egress, SR policies to the others, even when both
 * agents may touch the same border router; a task nobody fitting may take
 * stays pending.
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

#include "ctl/scheduler.h"
#include "store/store.h"

static const char *agent_of(store *st, int64_t plan, const char *policy)
{
	static char name[64];
	store_task *t = NULL;
	size_t n = 0;
	neto_err err;
	assert_int_equal(store_task_list(st, plan, -1, &t, &n, &err), 0);
	name[0] = '\0';
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].policy, policy) == 0 && t[i].agent != NULL)
			snprintf(name, sizeof name, "%s", t[i].agent);
	store_task_free(t, n);
	return name;
}

static void test_driver_match(void **state)
{
	(void)state;
	char path[] = "/tmp/neto-sched-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	char uri[64];
	snprintf(uri, sizeof uri, "sqlite:%s", path);
	store *st = NULL;
	neto_err err;
	assert_int_equal(store_open(&st, uri, &err), 0);
	int64_t now = 1000000;
	/* both may touch border router b */
	assert_int_equal(store_agent_heartbeat(st, "pce", "update", "*", "{\"driver\":\"pcep\"}",
					       now, &err), 0);
	assert_int_equal(store_agent_heartbeat(st, "egress1", "update", "a,b",
					       "{\"driver\":\"egress\"}", now, &err), 0);
	int held = 0;
	int64_t epoch = 0;
	assert_int_equal(store_lease_acquire(st, "controller", "ctl", now, 10000, &held, &epoch,
					     &err), 0);
	assert_true(held);
	store_fence f = { .holder = "ctl", .epoch = epoch };
	store_task_in tasks[] = {
		{ .step = 0, .router = "b", .policy = "d/gold", .action = "apply",
		  .desired = "{\"paths\":[]}" },
		{ .step = 0, .router = "b", .policy = "egress/198.51.100.0/24", .action = "apply",
		  .desired = "{\"prefix\":\"198.51.100.0/24\",\"egress\":\"e1\","
			     "\"nexthop\":\"10.0.0.2\",\"local_pref\":200}" },
		{ .step = 0, .router = "c", .policy = "egress/203.0.113.0/24", .action = "remove" },
	};
	store_plan_in in = { .kind = "reopt", .priority = 1, .nsteps = 1, .tasks = tasks,
			     .ntasks = 3 };
	int64_t plan = 0;
	assert_int_equal(store_plan_create(st, &f, &in, now, &plan, &err), 0);
	scheduler s;
	sched_config cfg = { .name = "sched" };
	sched_init(&s, st, &cfg);
	assert_int_equal(sched_tick(&s, now + 10, &err), 0);
	assert_string_equal(agent_of(st, plan, "d/gold"), "pce");
	assert_string_equal(agent_of(st, plan, "egress/198.51.100.0/24"), "egress1");
	/* router c: the pcep agent may touch it, but it speaks no BGP */
	assert_string_equal(agent_of(st, plan, "egress/203.0.113.0/24"), "");
	sched_stop(&s, now + 20);
	store_close(st);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_driver_match),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
