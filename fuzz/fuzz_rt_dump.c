/*
 * fuzz_rt_dump.c - the rtnetlink route and rule dump parsers on arbitrary bytes. A
 * failure must leave a message; every policy it decodes must be one the
 * builder can write again (when it is installable), and what the builder
 * writes must decode to the same policy.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "router/rt.h"

static void check_roundtrip(const rt_policy *p)
{
	neto_err err;
	if (rt_policy_check(p, &err) != 0)
		return;
	static uint8_t buf[RT_MSG_MAX];
	for (uint32_t i = 0; i < p->n_prefixes; i++) {
		size_t len = rt_build_policy_route(buf, sizeof buf, 1, RT_OP_REPLACE, p, i, &err);
		if (len == 0)
			abort();
		rt_policy_set s = { 0 };
		if (rt_parse_dump(buf, len, p->table, &s, &err) != RT_DUMP_MORE || s.n != 1)
			abort();
		rt_policy want = *p;
		want.n_prefixes = 1;
		want.prefixes[0] = p->prefixes[i];
		rt_policy_canon(&want);
		if (!rt_policy_equal(&s.v[0], &want))
			abort();
		rt_policy_set_free(&s);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* netlink buffers are 4-aligned, as recv() into malloc'd memory is */
	uint8_t *buf = malloc(size ? size : 1);
	memcpy(buf, data, size);
	for (int pass = 0; pass < 2; pass++) {
		rt_policy_set set = { 0 };
		neto_err err;
		err.msg[0] = '\0';
		int rc = rt_parse_dump(buf, size, pass ? 100 : 0, &set, &err);
		if (rc < 0 && err.msg[0] == '\0')
			abort();
		for (size_t i = 0; i < set.n; i++) {
			char line[16384];
			rt_policy_format(&set.v[i], line, sizeof line);
			check_roundtrip(&set.v[i]);
		}
		rt_policy_set_free(&set);
	}
	/* the same bytes as a rule dump */
	rt_rule_set rules = { 0 };
	neto_err err;
	err.msg[0] = '\0';
	if (rt_parse_rule_dump(buf, size, &rules, &err) < 0 && err.msg[0] == '\0')
		abort();
	for (size_t i = 0; i < rules.n; i++)
		if (rules.v[i].dscp > 63)
			abort();
	rt_rule_set_free(&rules);
	free(buf);
	return 0;
}
