/*
 * test_rt.c - the rtnetlink SR policy codec: what the builders write is what
 * the parsers read back; route dumps captured from a real kernel (the seed
 * corpus of fuzz_rt_dump) decode to the policies that were installed;
 * truncated or corrupted dumps fail cleanly; rules and local SIDs carry the
 * fields the kernel needs; the kernel's refusals are reported with its words.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/lwtunnel.h>
#include <linux/rtnetlink.h>
#include <linux/seg6_local.h>

#include "router/rt.h"
#include "testutil.h"

static void addr(uint8_t out[16], const char *s)
{
	assert_int_equal(inet_pton(AF_INET6, s, out), 1);
}

/* A two-list policy: the shape the lab installs. */
static void sample(rt_policy *p)
{
	neto_err err;
	memset(p, 0, sizeof *p);
	p->table = 100;
	p->n_prefixes = 2;
	assert_int_equal(rt_prefix_parse("fd00:0:3::/64", &p->prefixes[0], &err), 0);
	assert_int_equal(rt_prefix_parse("fd00:0:4::1/48", &p->prefixes[1], &err), 0);
	p->n_lists = 2;
	assert_int_equal(rt_seglist_parse("3:fc00:0:2::1,fc00:0:3::100", &p->lists[0], &err), 0);
	assert_int_equal(rt_seglist_parse("1:fc00:0:4::1,fc00:0:5::1,fc00:0:3::100",
					  &p->lists[1], &err), 0);
	for (int i = 0; i < 2; i++) {
		p->lists[i].oif = 7;
		p->lists[i].has_via = true;
		addr(p->lists[i].via, i ? "fe80::2" : "fe80::1");
	}
}

/* Builds the route of every prefix and parses them back as a dump would. */
static void roundtrip(const rt_policy *p)
{
	static uint8_t buf[RT_MSG_MAX];
	neto_err err;
	rt_policy_set set = { 0 };
	for (uint32_t i = 0; i < p->n_prefixes; i++) {
		size_t len = rt_build_policy_route(buf, sizeof buf, 1, RT_OP_REPLACE, p, i, &err);
		assert_true(len > 0);
		assert_int_equal(rt_parse_dump(buf, len, p->table, &set, &err), RT_DUMP_MORE);
	}
	assert_int_equal(set.n, 1);
	rt_policy want = *p;
	rt_policy_canon(&want);
	assert_true(rt_policy_equal(&set.v[0], &want));
	rt_policy_set_free(&set);
}

static void test_roundtrip(void **state)
{
	(void)state;
	rt_policy p;
	sample(&p);
	roundtrip(&p);
	/* host bits of a prefix are cleared */
	assert_int_equal(p.prefixes[1].addr[6], 0);
	/* one list: the plain (non-multipath) route form */
	p.n_lists = 1;
	p.lists[0].has_via = false;
	roundtrip(&p);
	/* every limit at its maximum still fits the message size */
	rt_policy *big = calloc(1, sizeof *big);
	big->table = 4000;	/* above 255: only in RTA_TABLE */
	big->n_prefixes = 1;
	big->n_lists = RT_MAX_LISTS;
	for (uint32_t i = 0; i < RT_MAX_LISTS; i++) {
		rt_seglist *l = &big->lists[i];
		l->weight = RT_MAX_WEIGHT - i;
		l->oif = 1 + i;
		l->has_via = true;
		l->via[15] = (uint8_t)i;
		l->n_segs = RT_MAX_SEGS;
		for (uint32_t s = 0; s < RT_MAX_SEGS; s++) {
			l->segs[s][0] = 0xfc;
			l->segs[s][14] = (uint8_t)i;
			l->segs[s][15] = (uint8_t)s;
		}
	}
	roundtrip(big);
	free(big);
}

static void test_build_refuses(void **state)
{
	(void)state;
	rt_policy p;
	sample(&p);
	neto_err err;
	uint8_t small[64];
	assert_int_equal(rt_build_policy_route(small, sizeof small, 1, RT_OP_REPLACE, &p, 0, &err),
			 0);
	static uint8_t buf[RT_MSG_MAX];
	p.lists[0].weight = RT_MAX_WEIGHT + 1;
	assert_int_equal(rt_build_policy_route(buf, sizeof buf, 1, RT_OP_REPLACE, &p, 0, &err), 0);
	assert_non_null(strstr(err.msg, "weight"));
	sample(&p);
	p.lists[1].has_via = false;	/* multipath needs gateways on Linux */
	assert_int_equal(rt_build_policy_route(buf, sizeof buf, 1, RT_OP_REPLACE, &p, 0, &err), 0);
	sample(&p);
	assert_int_equal(rt_build_policy_route(buf, sizeof buf, 1, RT_OP_REPLACE, &p, 2, &err), 0);
	/* delete: only the destination and table, which removes every next hop */
	size_t len = rt_build_policy_route(buf, sizeof buf, 9, RT_OP_DELETE, &p, 1, &err);
	assert_true(len > 0);
	const struct nlmsghdr *nlh = (const void *)buf;
	assert_int_equal(nlh->nlmsg_type, RTM_DELROUTE);
	assert_int_equal(nlh->nlmsg_seq, 9);
	assert_int_equal(len, MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct rtmsg)) + 8 + 20);
}

static void test_parse_errors(void **state)
{
	(void)state;
	neto_err err;
	rt_seglist l;
	rt_prefix pf;
	assert_int_equal(rt_seglist_parse("0:fc00::1", &l, &err), -1);
	assert_int_equal(rt_seglist_parse("257:fc00::1", &l, &err), -1);
	assert_int_equal(rt_seglist_parse("1:fc00::1,", &l, &err), -1);
	assert_int_equal(rt_seglist_parse("1:fc00::1,nope", &l, &err), -1);
	assert_int_equal(rt_seglist_parse("2:fc00::1,fc00::2", &l, &err), 0);
	assert_int_equal(l.n_segs, 2);
	assert_int_equal(l.weight, 2);
	assert_int_equal(rt_prefix_parse("fd00::/129", &pf, &err), -1);
	assert_int_equal(rt_prefix_parse("fd00::/", &pf, &err), -1);
	assert_int_equal(rt_prefix_parse("10.0.0.0/8", &pf, &err), -1);
	assert_int_equal(rt_prefix_parse("fd00::1", &pf, &err), 0);
	assert_int_equal(pf.len, 128);
}

/* A dump captured from Linux 6.x: table 100 held fd00:0:2::/64 with two
 * next hops (weights 1 and 3) through dev 2 via fd00:1:1::2. */
static void test_kernel_dump(void **state)
{
	(void)state;
	size_t len;
	char *raw = tu_read("fuzz/corpus/rt_dump/multipath-table100.bin", &len);
	void *buf = malloc(len);	/* aligned for netlink */
	memcpy(buf, raw, len);
	neto_err err;
	rt_policy_set set = { 0 };
	assert_int_equal(rt_parse_dump(buf, len, 100, &set, &err), RT_DUMP_DONE);
	assert_int_equal(set.n, 1);
	const rt_policy *p = &set.v[0];
	char line[1024];
	rt_policy_format(p, line, sizeof line);
	assert_string_equal(line, "table 100 prefixes fd00:0:2::/64 lists w=3 oif=2 "
				  "via=fd00:1:1::2 segs=fc00:0:2::100; w=1 oif=2 "
				  "via=fd00:1:1::2 segs=fc00:0:2::1,fc00:0:2::100");
	rt_policy_set_free(&set);
	/* another table: nothing */
	assert_int_equal(rt_parse_dump(buf, len, 101, &set, &err), RT_DUMP_DONE);
	assert_int_equal(set.n, 0);
	rt_policy_set_free(&set);

	/* every truncation fails cleanly or stops early; none reports DONE
	 * with a policy invented from partial data */
	for (size_t cut = 0; cut < len; cut++) {
		rt_policy_set s2 = { 0 };
		int rc = rt_parse_dump(buf, cut, 100, &s2, &err);
		assert_true(rc == -1 || rc == RT_DUMP_MORE || rc == RT_DUMP_DONE);
		if (rc == RT_DUMP_DONE)
			assert_int_equal(s2.n, 1);
		rt_policy_set_free(&s2);
	}
	/* every single-octet corruption is survivable (ASan watches) */
	uint8_t *c = malloc(len);
	for (size_t i = 0; i < len; i++) {
		for (unsigned v = 0; v < 256; v += 51) {
			memcpy(c, raw, len);
			c[i] = (uint8_t)(c[i] ^ v);
			rt_policy_set s2 = { 0 };
			(void)rt_parse_dump(c, len, 0, &s2, &err);
			rt_policy_set_free(&s2);
		}
	}
	free(c);
	free(buf);
	free(raw);
}

static void test_kernel_dump_all(void **state)
{
	(void)state;
	struct { const char *file; size_t n; } cases[] = {
		/* the head-end, every table: the policies of tables 100 and 101 */
		{ "fuzz/corpus/rt_dump/all-tables-head.bin", 2 },
		/* the far end: seg6local SIDs, connected routes; no policy */
		{ "fuzz/corpus/rt_dump/all-tables-seg6local.bin", 0 },
		{ "fuzz/corpus/rt_dump/single-two-prefixes.bin", 1 },
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		size_t len;
		char *raw = tu_read(cases[k].file, &len);
		void *buf = malloc(len);
		memcpy(buf, raw, len);
		neto_err err;
		rt_policy_set set = { 0 };
		assert_int_equal(rt_parse_dump(buf, len, 0, &set, &err), RT_DUMP_DONE);
		assert_int_equal(set.n, cases[k].n);
		if (k == 2) {
			/* two routes with the same list merge into one policy */
			assert_int_equal(set.v[0].n_prefixes, 2);
			assert_int_equal(set.v[0].table, 101);
			assert_int_equal(set.v[0].lists[0].n_segs, 2);
		}
		rt_policy_set_free(&set);
		free(buf);
		free(raw);
	}
}

/* An SRH whose Hdr Ext Len disagrees with its attribute is refused. */
static void test_bad_srh(void **state)
{
	(void)state;
	rt_policy p;
	sample(&p);
	p.n_lists = 1;
	static uint8_t buf[RT_MSG_MAX];
	neto_err err;
	size_t len = rt_build_policy_route(buf, sizeof buf, 1, RT_OP_REPLACE, &p, 0, &err);
	assert_true(len > 0);
	/* find the SRH: routing type 4 after the 4-octet mode */
	size_t at = 0;
	for (size_t i = 0; i + 8 < len; i++)
		if (buf[i] == 1 && buf[i + 1] == 0 && buf[i + 2] == 0 && buf[i + 3] == 0 &&
		    buf[i + 6] == 4) {
			at = i + 4;
			break;
		}
	assert_true(at > 0);
	buf[at + 1] = 2;	/* hdrlen for one segment, but there are two */
	rt_policy_set set = { 0 };
	assert_int_equal(rt_parse_dump(buf, len, 0, &set, &err), -1);
	assert_non_null(strstr(err.msg, "Hdr Ext Len"));
	buf[at + 1] = 4;
	buf[at + 3] = 3;	/* segments left above last entry */
	assert_int_equal(rt_parse_dump(buf, len, 0, &set, &err), -1);
	rt_policy_set_free(&set);
}

static void test_rule_and_sid(void **state)
{
	(void)state;
	uint8_t buf[512];
	neto_err err;
	size_t len = rt_build_dscp_rule(buf, sizeof buf, 3, RT_OP_REPLACE, 46, 100, 1046, &err);
	assert_true(len > 0);
	const struct nlmsghdr *nlh = (const void *)buf;
	assert_int_equal(nlh->nlmsg_type, RTM_NEWRULE);
	assert_true(nlh->nlmsg_flags & NLM_F_EXCL);
	const struct fib_rule_hdr *frh = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(frh->tos, 0xb8);	/* EF */
	assert_int_equal(frh->family, AF_INET6);
	assert_int_equal(frh->action, FR_ACT_TO_TBL);
	assert_int_equal(rt_build_dscp_rule(buf, sizeof buf, 3, RT_OP_REPLACE, 64, 100, 1, &err),
			 0);

	uint8_t sid[16];
	addr(sid, "fc00:0:2::100");
	len = rt_build_local_sid(buf, sizeof buf, 4, RT_OP_REPLACE, sid, RT_SID_END_DT6, 254, 5,
				 &err);
	assert_true(len > 0);
	const struct nlattr *a;
	uint32_t action = 0, table = 0;
	bool saw_type = false;
	mnl_attr_for_each(a, nlh, sizeof(struct rtmsg)) {
		if (mnl_attr_get_type(a) == RTA_ENCAP_TYPE)
			saw_type = mnl_attr_get_u16(a) == LWTUNNEL_ENCAP_SEG6_LOCAL;
		if (mnl_attr_get_type(a) == RTA_ENCAP) {
			const struct nlattr *b;
			mnl_attr_for_each_nested(b, a) {
				if (mnl_attr_get_type(b) == SEG6_LOCAL_ACTION)
					action = mnl_attr_get_u32(b);
				if (mnl_attr_get_type(b) == SEG6_LOCAL_TABLE)
					table = mnl_attr_get_u32(b);
			}
		}
	}
	assert_true(saw_type);
	assert_int_equal(action, SEG6_LOCAL_ACTION_END_DT6);
	assert_int_equal(table, 254);
	assert_int_equal(rt_build_local_sid(buf, sizeof buf, 4, RT_OP_REPLACE, sid,
					    RT_SID_END_DT6, 0, 5, &err), 0);
}

/* Rules: what the builder writes parses back; a dump captured from Linux
 * (EF -> 100 at 1046, AF11 -> 101 at 500, plus a fwmark rule, a source
 * rule and the three default rules) yields exactly the two DSCP rules. */
static void test_rule_dump(void **state)
{
	(void)state;
	uint8_t buf[512];
	neto_err err;
	size_t len = rt_build_dscp_rule(buf, sizeof buf, 3, RT_OP_REPLACE, 34, 4000, 77, &err);
	assert_true(len > 0);
	rt_rule_set rules = { 0 };
	assert_int_equal(rt_parse_rule_dump(buf, len, &rules, &err), RT_DUMP_MORE);
	assert_int_equal(rules.n, 1);
	assert_int_equal(rules.v[0].dscp, 34);
	assert_int_equal(rules.v[0].table, 4000);
	assert_int_equal(rules.v[0].prio, 77);
	rt_rule_set_free(&rules);

	size_t rlen;
	char *raw = tu_read("fuzz/corpus/rt_dump/rules-ef-af11.bin", &rlen);
	void *al = malloc(rlen);
	memcpy(al, raw, rlen);
	assert_int_equal(rt_parse_rule_dump(al, rlen, &rules, &err), RT_DUMP_DONE);
	assert_int_equal(rules.n, 2);
	assert_int_equal(rules.v[0].dscp, 10);
	assert_int_equal(rules.v[0].table, 101);
	assert_int_equal(rules.v[0].prio, 500);
	assert_int_equal(rules.v[1].dscp, 46);
	assert_int_equal(rules.v[1].table, 100);
	rt_rule_set_free(&rules);
	/* a route parser sees no policy in a rule dump, and the reverse */
	rt_policy_set set = { 0 };
	assert_int_equal(rt_parse_dump(al, rlen, 0, &set, &err), RT_DUMP_DONE);
	assert_int_equal(set.n, 0);
	rt_policy_set_free(&set);
	for (size_t cut = 0; cut < rlen; cut++) {
		rt_rule_set r2 = { 0 };
		(void)rt_parse_rule_dump(al, cut, &r2, &err);
		assert_true(r2.n <= 2);
		rt_rule_set_free(&r2);
	}
	free(al);
	free(raw);
}

/* NLMSG_ERROR with EEXIST and an extended-ack message, as the kernel sends
 * it on a capped socket. */
static void test_ack(void **state)
{
	(void)state;
	uint32_t words[64];
	memset(words, 0, sizeof words);
	uint8_t *buf = (uint8_t *)words;
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_flags = NLM_F_CAPPED | NLM_F_ACK_TLVS;
	nlh->nlmsg_seq = 42;
	struct nlmsgerr *e = mnl_nlmsg_put_extra_header(nlh, sizeof *e);
	e->error = -EEXIST;
	e->msg.nlmsg_len = 40;
	e->msg.nlmsg_seq = 42;
	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "File exists here");
	int kerr;
	neto_err err;
	assert_int_equal(rt_parse_ack(buf, nlh->nlmsg_len, 41, &kerr, &err), -1);
	assert_int_equal(kerr, 0);
	assert_int_equal(rt_parse_ack(buf, nlh->nlmsg_len, 42, &kerr, &err), -1);
	assert_int_equal(kerr, EEXIST);
	assert_non_null(strstr(err.msg, "File exists here"));
	e->error = 0;
	assert_int_equal(rt_parse_ack(buf, nlh->nlmsg_len, 42, &kerr, &err), 0);
	/* a truncated error message */
	assert_int_equal(rt_parse_ack(buf, MNL_NLMSG_HDRLEN + 4, 42, &kerr, &err), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_build_refuses),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_kernel_dump),
		cmocka_unit_test(test_kernel_dump_all),
		cmocka_unit_test(test_bad_srh),
		cmocka_unit_test(test_rule_and_sid),
		cmocka_unit_test(test_ack),
		cmocka_unit_test(test_rule_dump),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
