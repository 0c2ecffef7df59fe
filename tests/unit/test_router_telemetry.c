/*
 * test_router_telemetry.c - the pure half of the router's telemetry
 * (src/router/telemetry.h): an RTM_NEWLINK dump built here with libmnl as
 * the kernel writes it, rates from counters (and a reset), and the merge
 * into the store's telemetry document that keeps other routers' entries.
 */
#include <jansson.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "router/telemetry.h"

static size_t put_link(uint8_t *buf, int index, const char *name, uint64_t txb, bool stats)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_MULTI;
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof *ifi);
	ifi->ifi_index = index;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (stats) {
		struct rtnl_link_stats64 st;
		memset(&st, 0, sizeof st);
		st.tx_bytes = txb;
		st.tx_packets = txb / 1000;
		st.rx_bytes = 7;
		mnl_attr_put(nlh, IFLA_STATS64, sizeof st, &st);
	}
	return nlh->nlmsg_len;
}

static void test_dump(void **state)
{
	(void)state;
	static uint32_t words[2048];
	uint8_t *buf = (uint8_t *)words;
	size_t len = put_link(buf, 1, "lo", 100, true);
	len += put_link(buf + len, 2, "ab", 123456789012ULL, true);
	len += put_link(buf + len, 3, "nostats", 5, false);
	static telemetry_ifs out;
	out.n = 0;
	neto_err err;
	assert_int_equal(telemetry_parse_dump(buf, len, &out, &err), 0);
	assert_int_equal(out.n, 2);
	assert_string_equal(out.v[1].name, "ab");
	assert_int_equal(out.v[1].index, 2);
	assert_true(out.v[1].tx_bytes == 123456789012ULL);
	assert_int_equal(out.v[1].rx_bytes, 7);
	/* the end of the dump */
	struct nlmsghdr *done = mnl_nlmsg_put_header(buf);
	done->nlmsg_type = NLMSG_DONE;
	done->nlmsg_len += 4;
	assert_int_equal(telemetry_parse_dump(buf, done->nlmsg_len, &out, &err), 1);
	/* a message cut short */
	len = put_link(buf, 4, "cd", 1, true);
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	h->nlmsg_len = (uint32_t)(sizeof *h + 4);
	assert_int_equal(telemetry_parse_dump(buf, len, &out, &err), -1);
}

static void test_rate(void **state)
{
	(void)state;
	/* 1 MB in 2 s = 4 Mbit/s */
	assert_true(telemetry_rate_bps(1000, 1001000, 2000) == 4e6);
	assert_true(telemetry_rate_bps(5000, 100, 1000) == 0);	/* counter reset */
	assert_true(telemetry_rate_bps(0, 100, 0) == 0);
}

static void test_merge(void **state)
{
	(void)state;
	const telemetry_link l1 = { "ab", "a-b", "a", "b" }, l2 = { "ac", "a-c", "a", "c" };
	telemetry_load v[2] = { { .link = &l1, .load = 8.5, .tx_bytes = 10 },
				{ .link = &l2, .load = 1, .tx_bytes = 20 } };
	const char *old = "{\"at\":1,\"links\":[{\"id\":\"b-c\",\"src\":\"b\",\"dst\":\"c\",\"load\":3},"
			  "{\"id\":\"a-b\",\"src\":\"a\",\"dst\":\"b\",\"load\":99}]}";
	char *s = telemetry_merge(old, strlen(old), v, 2, 1795320926000LL);
	json_t *d = json_loads(s, 0, NULL);
	assert_non_null(d);
	assert_true(json_integer_value(json_object_get(d, "at")) == 1795320926000LL);
	json_t *links = json_object_get(d, "links");
	assert_int_equal(json_array_size(links), 3);
	/* another router's entry kept, ours replaced in place, a new one added */
	assert_string_equal(json_string_value(json_object_get(json_array_get(links, 0), "id")), "b-c");
	assert_true(json_real_value(json_object_get(json_array_get(links, 1), "load")) == 8.5);
	assert_string_equal(json_string_value(json_object_get(json_array_get(links, 2), "id")), "a-c");
	json_decref(d);
	free(s);
	/* no document, or garbage: a new one */
	s = telemetry_merge("nonsense", 8, v, 1, 5);
	d = json_loads(s, 0, NULL);
	assert_int_equal(json_array_size(json_object_get(d, "links")), 1);
	json_decref(d);
	free(s);
	s = telemetry_merge(NULL, 0, v, 0, 5);
	assert_string_equal(s, "{\"links\":[],\"at\":5}");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dump),
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_merge),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
