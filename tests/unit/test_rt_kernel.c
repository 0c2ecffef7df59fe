/*
 * test_rt_kernel.c - src/router against the running kernel, through the
 * API: install, read back (equal as structures), replace, rules, SIDs,
 * delete. The test process moves into a network namespace of its own
 * (unshare CLONE_NEWNET), so nothing it creates outlives it and nothing
 * outside it is touched. Skipped (exit 77 is not a cmocka convention, so
 * each test skips) when not root or when namespaces are unavailable.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <unistd.h>

#include "router/rt.h"

static bool have_ns;
static uint32_t oif;

static int setup(void **state)
{
	(void)state;
	if (geteuid() != 0 || unshare(CLONE_NEWNET) != 0)
		return 0;
	/* a veth pair with a neighbour address to use as the gateway */
	if (system("ip link set lo up && ip link add t0 type veth peer name t1 && "
		   "ip link set t0 up && ip link set t1 up && "
		   "ip addr add fd00:99::1/64 dev t0 nodad && "
		   "sysctl -qw net.ipv6.conf.all.seg6_enabled=1") != 0)
		return 0;
	oif = if_nametoindex("t0");
	have_ns = oif != 0;
	return 0;
}

static void policy(rt_policy *p, uint32_t w0, uint32_t w1, const char *segs1)
{
	neto_err err;
	memset(p, 0, sizeof *p);
	p->table = 4321;	/* above 255: carried in RTA_TABLE only */
	p->n_prefixes = 2;
	assert_int_equal(rt_prefix_parse("fd00:5::/64", &p->prefixes[0], &err), 0);
	assert_int_equal(rt_prefix_parse("fd00:6::/48", &p->prefixes[1], &err), 0);
	p->n_lists = 2;
	char l0[64];
	snprintf(l0, sizeof l0, "%u:fc00:0:2::1,fc00:0:3::100", w0);
	char l1[128];
	snprintf(l1, sizeof l1, "%u:%s", w1, segs1);
	assert_int_equal(rt_seglist_parse(l0, &p->lists[0], &err), 0);
	assert_int_equal(rt_seglist_parse(l1, &p->lists[1], &err), 0);
	for (int i = 0; i < 2; i++) {
		p->lists[i].oif = oif;
		p->lists[i].has_via = true;
		assert_int_equal(inet_pton(AF_INET6, "fd00:99::2", p->lists[i].via), 1);
	}
}

static void expect(rt_nl *nl, const rt_policy *want)
{
	neto_err err;
	rt_policy_set set;
	assert_int_equal(rt_nl_read(nl, want->table, &set, NULL, NULL, &err), 0);
	assert_int_equal(set.n, 1);
	rt_policy w = *want;
	rt_policy_canon(&w);
	if (!rt_policy_equal(&set.v[0], &w)) {
		char a[4096], b[4096];
		rt_policy_format(&set.v[0], a, sizeof a);
		rt_policy_format(&w, b, sizeof b);
		fail_msg("kernel holds '%s', asked '%s'", a, b);
	}
	rt_policy_set_free(&set);
}

static void test_policy_lifecycle(void **state)
{
	(void)state;
	if (!have_ns)
		skip();
	neto_err err;
	rt_nl *nl = rt_nl_open(&err);
	assert_non_null(nl);
	rt_policy p;
	policy(&p, 1, 3, "fc00:0:3::100");
	assert_int_equal(rt_nl_policy(nl, RT_OP_REPLACE, &p, &err), 0);
	expect(nl, &p);
	/* replace: new weights and a longer list */
	policy(&p, 5, 2, "fc00:0:4::1,fc00:0:5::1,fc00:0:3::100");
	assert_int_equal(rt_nl_policy(nl, RT_OP_REPLACE, &p, &err), 0);
	expect(nl, &p);
	/* down to one list: the plain route form */
	p.n_lists = 1;
	assert_int_equal(rt_nl_policy(nl, RT_OP_REPLACE, &p, &err), 0);
	expect(nl, &p);
	/* other tables are not reported */
	rt_policy_set set;
	assert_int_equal(rt_nl_read(nl, 4322, &set, NULL, NULL, &err), 0);
	assert_int_equal(set.n, 0);
	rt_policy_set_free(&set);
	/* delete, twice (the second finds nothing and succeeds) */
	assert_int_equal(rt_nl_policy(nl, RT_OP_DELETE, &p, &err), 0);
	assert_int_equal(rt_nl_policy(nl, RT_OP_DELETE, &p, &err), 0);
	assert_int_equal(rt_nl_read(nl, p.table, &set, NULL, NULL, &err), 0);
	assert_int_equal(set.n, 0);
	rt_policy_set_free(&set);
	/* the kernel's refusal comes back with its reason: no such device */
	policy(&p, 1, 1, "fc00::1");
	p.lists[0].oif = p.lists[1].oif = 9999;
	assert_int_equal(rt_nl_policy(nl, RT_OP_REPLACE, &p, &err), -1);
	assert_non_null(strstr(err.msg, "kernel:"));
	rt_nl_close(nl);
}

static void test_rules_and_sids(void **state)
{
	(void)state;
	if (!have_ns)
		skip();
	neto_err err;
	rt_nl *nl = rt_nl_open(&err);
	assert_non_null(nl);
	assert_int_equal(rt_nl_dscp_rule(nl, RT_OP_REPLACE, 46, 100, 1046, &err), 0);
	/* adding it again is not an error and does not stack a duplicate */
	assert_int_equal(rt_nl_dscp_rule(nl, RT_OP_REPLACE, 46, 100, 1046, &err), 0);
	FILE *f = popen("ip -6 rule show | grep -c 'tos EF lookup 100'", "r");
	int n = 0;
	assert_int_equal(fscanf(f, "%d", &n), 1);
	pclose(f);
	assert_int_equal(n, 1);
	rt_rule_set rules;
	assert_int_equal(rt_nl_read_rules(nl, &rules, NULL, NULL, &err), 0);
	assert_int_equal(rules.n, 1);
	assert_int_equal(rules.v[0].dscp, 46);
	assert_int_equal(rules.v[0].table, 100);
	assert_int_equal(rules.v[0].prio, 1046);
	rt_rule_set_free(&rules);
	assert_int_equal(rt_nl_dscp_rule(nl, RT_OP_DELETE, 46, 100, 1046, &err), 0);
	assert_int_equal(rt_nl_read_rules(nl, &rules, NULL, NULL, &err), 0);
	assert_int_equal(rules.n, 0);
	rt_rule_set_free(&rules);
	assert_int_equal(rt_nl_dscp_rule(nl, RT_OP_DELETE, 46, 100, 1046, &err), 0);

	uint8_t sid[16];
	assert_int_equal(inet_pton(AF_INET6, "fc00:0:9::100", sid), 1);
	assert_int_equal(rt_nl_local_sid(nl, RT_OP_REPLACE, sid, RT_SID_END_DT6, 254, oif, &err),
			 0);
	f = popen("ip -6 route show fc00:0:9::100", "r");
	char line[512] = "";
	assert_non_null(fgets(line, sizeof line, f));
	pclose(f);
	assert_non_null(strstr(line, "seg6local action End.DT6 table main"));
	/* SIDs are not policies: the read-back of every table ignores them */
	rt_policy_set set;
	assert_int_equal(rt_nl_read(nl, 0, &set, NULL, NULL, &err), 0);
	assert_int_equal(set.n, 0);
	rt_policy_set_free(&set);
	assert_int_equal(rt_nl_local_sid(nl, RT_OP_DELETE, sid, RT_SID_END_DT6, 0, 0, &err), 0);
	assert_int_equal(rt_nl_local_sid(nl, RT_OP_DELETE, sid, RT_SID_END_DT6, 0, 0, &err), 0);
	rt_nl_close(nl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_lifecycle),
		cmocka_unit_test(test_rules_and_sids),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
