/*
 * test_router_probe.c - the pure half of the router's latency prober
 * (src/router/probe.h): the [router] probe_* keys (through the section
 * parser, values and refusals), the check, the targets file, the median,
 * the store row, and the netlink rule and route requests decoded back with
 * libmnl as the kernel would read them.
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "router/agent.h"
#include "router/probe.h"

static int parse(const char *text, ragent_cfg *c, neto_err *err)
{
	ragent_cfg_defaults(c);
	return ragent_cfg_parse(text, strlen(text), "t.ini", c, err);
}

static void test_cfg_keys(void **state)
{
	(void)state;
	ragent_cfg c;
	neto_err err;
	const char *text = "[router]\n"
			   "name = border1\n"
			   "probe_targets = /etc/neto/targets\n"
			   "probe_egress = 10.79.0.2 10.79.0.6\n"
			   "probe_egress = fd00:79:1::2\n"
			   "probe_store = sqlite:/tmp/x.db\n"
			   "probe_interval = 5s\n"
			   "probe_count = 7\n"
			   "probe_port = 9999\n"
			   "probe_timeout = 500ms\n"
			   "probe_spacing = 10ms\n"
			   "probe_table = 30000\n"
			   "probe_rule_priority = 800\n"
			   "probe_padding = 100\n";
	assert_int_equal(parse(text, &c, &err), 0);
	assert_string_equal(c.probe.targets, "/etc/neto/targets");
	assert_string_equal(c.probe.store, "sqlite:/tmp/x.db");
	assert_int_equal(c.probe.n_egress, 3);
	char s[64];
	assert_string_equal(probe_addr_str(&c.probe.egress[1], s, sizeof s), "10.79.0.6");
	assert_int_equal(c.probe.egress[2].family, 6);
	assert_true(c.probe.interval_ms == 5000);
	assert_int_equal(c.probe.count, 7);
	assert_int_equal(c.probe.port, 9999);
	assert_true(c.probe.timeout_ms == 500);
	assert_true(c.probe.spacing_ms == 10);
	assert_int_equal(c.probe.table, 30000);
	assert_int_equal(c.probe.rule_prio, 800);
	assert_int_equal(c.probe.pad, 100);
	/* probes alone make a runnable agent */
	assert_int_equal(ragent_cfg_check(&c, &err), 0);
	ragent_cfg_free(&c);
}

static void test_cfg_defaults(void **state)
{
	(void)state;
	ragent_cfg c;
	neto_err err;
	assert_int_equal(parse("[router]\npce = 10.0.0.1\n", &c, &err), 0);
	assert_null(c.probe.targets);
	assert_true(c.probe.interval_ms == 10000);
	assert_int_equal(c.probe.count, 5);
	assert_int_equal(c.probe.port, 7788);
	assert_true(c.probe.timeout_ms == 1000);
	assert_true(c.probe.spacing_ms == 20);
	assert_int_equal(c.probe.table, 7700);
	assert_int_equal(c.probe.rule_prio, 900);
	assert_int_equal(ragent_cfg_check(&c, &err), 0);
	ragent_cfg_free(&c);
}

static void refused(const char *line, const char *want)
{
	char text[512];
	snprintf(text, sizeof text, "[router]\npce = 10.0.0.1\n%s\n", line);
	ragent_cfg c;
	neto_err err;
	err.msg[0] = '\0';
	int rc = parse(text, &c, &err);
	if (rc == 0)
		fail_msg("accepted: %s", line);
	if (strstr(err.msg, want) == NULL)
		fail_msg("'%s': message '%s' lacks '%s'", line, err.msg, want);
	ragent_cfg_free(&c);
}

static void test_cfg_refusals(void **state)
{
	(void)state;
	refused("probe_egress = 10.79.0.300", "not an IP address");
	refused("probe_egress = fe80::1", "link-local");
	refused("probe_egress = 10.0.0.1 10.0.0.1", "twice");
	refused("probe_egress =", "no address");
	refused("probe_count = 0", "probe_count");
	refused("probe_count = 101", "probe_count");
	refused("probe_port = 70000", "probe_port");
	refused("probe_interval = 50ms", "probe_interval");
	refused("probe_interval = soon", "probe_interval");
	refused("probe_table = 200", "probe_table");
	refused("probe_table = 254", "probe_table");
	refused("probe_rule_priority = 32766", "probe_rule_priority");
	refused("probe_padding = 1401", "probe_padding");
	refused("probe_colour = 1", "unknown key");
	refused("probe_count = 3\nprobe_count = 4", "given twice");
	refused("probe_targets = a\nprobe_targets = b", "given twice");
}

static void test_cfg_check(void **state)
{
	(void)state;
	ragent_cfg c;
	neto_err err;
	assert_int_equal(parse("[router]\nprobe_targets = t\n", &c, &err), 0);
	assert_int_equal(ragent_cfg_check(&c, &err), -1);
	assert_non_null(strstr(err.msg, "probe_egress"));
	ragent_cfg_free(&c);
	assert_int_equal(parse("[router]\nprobe_targets = t\nprobe_egress = 10.0.0.1\n", &c, &err),
			 0);
	assert_int_equal(ragent_cfg_check(&c, &err), -1);
	assert_non_null(strstr(err.msg, "probe_store"));
	/* the telemetry store serves too (probe_cfg_check's fallback) */
	assert_int_equal(probe_cfg_check(&c.probe, "sqlite:x.db", &err), 0);
	ragent_cfg_free(&c);
	/* a round must fit the interval: 5 x 20 ms + 1 s >= 1 s */
	assert_int_equal(parse("[router]\nprobe_targets = t\nprobe_egress = 10.0.0.1\n"
			       "probe_store = x\nprobe_interval = 1s\n", &c, &err), 0);
	assert_int_equal(ragent_cfg_check(&c, &err), -1);
	assert_non_null(strstr(err.msg, "below probe_interval"));
	/* the copy the agent keeps is deep */
	probe_cfg d;
	probe_cfg_copy(&d, &c.probe);
	ragent_cfg_free(&c);
	assert_string_equal(d.targets, "t");
	assert_int_equal(d.n_egress, 1);
	probe_cfg_free(&d);
}

static void test_targets(void **state)
{
	(void)state;
	const char *text = "# PREFIX TARGET\n"
			   "198.51.100.0/24 198.51.100.77\n"
			   "\n"
			   "2001:db8:100::/48   2001:db8:100::77\r\n"
			   "203.0.113.7/32 203.0.113.7\n";
	probe_target *v;
	size_t n;
	neto_err err;
	assert_int_equal(probe_targets_parse(text, strlen(text), "t", &v, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(v[0].pfx_str, "198.51.100.0/24");
	assert_string_equal(v[0].addr_str, "198.51.100.77");
	assert_int_equal(v[0].plen, 24);
	assert_string_equal(v[1].pfx_str, "2001:db8:100::/48");
	assert_int_equal(v[1].addr.family, 6);
	assert_string_equal(v[2].pfx_str, "203.0.113.7/32");
	free(v);
	static const struct {
		const char *text, *want;
	} bad[] = {
		{ "198.51.100.0/24\n", "t:1: expected" },
		{ "198.51.100.0/24 1.2.3.4 x\n", "expected" },
		{ "198.51.100.0 198.51.100.1\n", "not a prefix" },
		{ "198.51.100.0/33 198.51.100.1\n", "not a prefix" },
		{ "198.51.100.1/24 198.51.100.1\n", "host bits" },
		{ "198.51.100.0/24 198.51.101.1\n", "not in" },
		{ "198.51.100.0/24 2001:db8::1\n", "not in" },
		{ "198.51.100.0/24 nowhere\n", "not an IP address" },
		{ "# c\n198.51.100.0/24 198.51.100.1\n198.51.100.0/24 198.51.100.2\n",
		  "t:3: 198.51.100.0/24 given twice" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err.msg[0] = '\0';
		assert_int_equal(probe_targets_parse(bad[i].text, strlen(bad[i].text), "t", &v, &n,
						     &err), -1);
		if (strstr(err.msg, bad[i].want) == NULL)
			fail_msg("'%s': '%s' lacks '%s'", bad[i].text, err.msg, bad[i].want);
		free(v);
	}
	/* a NUL byte */
	assert_int_equal(probe_targets_parse("1.0.0.0/8 1.0.0.1\0\n", 19, "t", &v, &n, &err), -1);
	free(v);
}

static void test_median(void **state)
{
	(void)state;
	double a[] = { 60.2, 20.1, 80.5, 20.3, 21.0 };
	assert_true(probe_median(a, 5) == 21.0);
	double b[] = { 4, 1, 3, 2 };
	assert_true(probe_median(b, 4) == 2.5);
	double c[] = { 7 };
	assert_true(probe_median(c, 1) == 7);
}

static void test_row(void **state)
{
	(void)state;
	probe_target t;
	memset(&t, 0, sizeof t);
	snprintf(t.pfx_str, sizeof t.pfx_str, "198.51.100.0/24");
	snprintf(t.addr_str, sizeof t.addr_str, "198.51.100.77");
	probe_addr peer;
	assert_true(probe_addr_parse("10.79.0.2", &peer));
	char key[256];
	char *body = probe_row(&t, "border1", &peer, 20.23456, 1795338231602, 5, 1, key,
			       sizeof key);
	assert_string_equal(key, "198.51.100.0/24 border1 10.79.0.2");
	assert_string_equal(body, "{\"ms\":20.235,\"at\":1795338231602,\"target\":\"198.51.100.77\","
				  "\"sent\":5,\"lost\":1}");
	free(body);
	body = probe_row(&t, "border1", &peer, -1, 5, 5, 5, key, sizeof key);
	assert_string_equal(body, "{\"ms\":null,\"at\":5,\"target\":\"198.51.100.77\",\"sent\":5,"
				  "\"lost\":5}");
	free(body);
}

/* ---- netlink requests ------------------------------------------------------------ */

typedef struct attrs {
	const struct nlattr *a[RTA_MAX + FRA_MAX + 2];
} attrs;

static int put_attr(const struct nlattr *a, void *data)
{
	attrs *x = data;
	int t = mnl_attr_get_type(a);
	if (t < (int)(sizeof x->a / sizeof x->a[0]))
		x->a[t] = a;
	return MNL_CB_OK;
}

static void test_netlink(void **state)
{
	(void)state;
	uint32_t buf[64];
	neto_err err;
	size_t n = probe_build_rule(buf, sizeof buf, 77, true, 6, 7701, 7701, 900, &err);
	assert_true(n > 0);
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	assert_int_equal(nlh->nlmsg_len, n);
	assert_int_equal(nlh->nlmsg_type, RTM_NEWRULE);
	assert_int_equal(nlh->nlmsg_seq, 77);
	assert_true(nlh->nlmsg_flags & NLM_F_ACK);
	assert_true(nlh->nlmsg_flags & NLM_F_EXCL);
	const struct fib_rule_hdr *h = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(h->family, AF_INET6);
	assert_int_equal(h->action, FR_ACT_TO_TBL);
	attrs x;
	memset(&x, 0, sizeof x);
	assert_int_equal(mnl_attr_parse(nlh, sizeof *h, put_attr, &x), MNL_CB_OK);
	assert_int_equal(mnl_attr_get_u32(x.a[FRA_FWMARK]), 7701);
	assert_int_equal(mnl_attr_get_u32(x.a[FRA_FWMASK]), 0xffffffffU);
	assert_int_equal(mnl_attr_get_u32(x.a[FRA_TABLE]), 7701);
	assert_int_equal(mnl_attr_get_u32(x.a[FRA_PRIORITY]), 900);
	n = probe_build_rule(buf, sizeof buf, 78, false, 4, 1, 1, 900, &err);
	assert_int_equal(nlh->nlmsg_type, RTM_DELRULE);
	assert_int_equal(h->family, AF_INET);
	assert_int_equal(h->table, 1);	/* a table below 256 also in the header */
	/* too small a buffer */
	assert_int_equal(probe_build_rule(buf, 16, 1, true, 4, 1, 1, 1, &err), 0);

	probe_addr gw;
	assert_true(probe_addr_parse("10.79.0.6", &gw));
	n = probe_build_route(buf, sizeof buf, 79, true, 4, 7701, &gw, &err);
	assert_true(n > 0);
	assert_int_equal(nlh->nlmsg_type, RTM_NEWROUTE);
	assert_true(nlh->nlmsg_flags & NLM_F_REPLACE);
	const struct rtmsg *r = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(r->rtm_family, AF_INET);
	assert_int_equal(r->rtm_dst_len, 0);
	assert_int_equal(r->rtm_table, RT_TABLE_UNSPEC);
	assert_int_equal(r->rtm_type, RTN_UNICAST);
	memset(&x, 0, sizeof x);
	assert_int_equal(mnl_attr_parse(nlh, sizeof *r, put_attr, &x), MNL_CB_OK);
	assert_int_equal(mnl_attr_get_u32(x.a[RTA_TABLE]), 7701);
	assert_int_equal(mnl_attr_get_payload_len(x.a[RTA_GATEWAY]), 4);
	assert_memory_equal(mnl_attr_get_payload(x.a[RTA_GATEWAY]), gw.a, 4);
	assert_true(probe_addr_parse("fd00:79:2::2", &gw));
	n = probe_build_route(buf, sizeof buf, 80, false, 6, 7703, &gw, &err);
	assert_int_equal(nlh->nlmsg_type, RTM_DELROUTE);
	assert_int_equal(r->rtm_family, AF_INET6);
	memset(&x, 0, sizeof x);
	assert_int_equal(mnl_attr_parse(nlh, sizeof *r, put_attr, &x), MNL_CB_OK);
	assert_int_equal(mnl_attr_get_payload_len(x.a[RTA_GATEWAY]), 16);
	assert_memory_equal(mnl_attr_get_payload(x.a[RTA_GATEWAY]), gw.a, 16);
	assert_int_equal(probe_build_route(buf, 20, 1, true, 6, 1, &gw, &err), 0);
	/* a gateway of the other family */
	assert_int_equal(probe_build_route(buf, sizeof buf, 1, true, 4, 1, &gw, &err), 0);
	/* the unreachable default behind it: no gateway, a high metric */
	n = probe_build_route(buf, sizeof buf, 81, true, 6, 7703, NULL, &err);
	assert_true(n > 0);
	assert_int_equal(r->rtm_type, RTN_UNREACHABLE);
	assert_int_equal(r->rtm_family, AF_INET6);
	memset(&x, 0, sizeof x);
	assert_int_equal(mnl_attr_parse(nlh, sizeof *r, put_attr, &x), MNL_CB_OK);
	assert_null(x.a[RTA_GATEWAY]);
	assert_int_equal(mnl_attr_get_u32(x.a[RTA_PRIORITY]), PROBE_UNREACH_METRIC);
	assert_int_equal(mnl_attr_get_u32(x.a[RTA_TABLE]), 7703);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cfg_keys),  cmocka_unit_test(test_cfg_defaults),
		cmocka_unit_test(test_cfg_refusals), cmocka_unit_test(test_cfg_check),
		cmocka_unit_test(test_targets),   cmocka_unit_test(test_median),
		cmocka_unit_test(test_row),       cmocka_unit_test(test_netlink),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
