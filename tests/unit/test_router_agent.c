/*
 * test_router_agent.c - the pure half of `neto router` (src/router/agent.h):
 * the [router] section (values, refusals with the file's name, other
 * sections left alone, keys once; apply_delay), an LSP's colour from the SR Policy
 * association or the vendor information, its SRv6 segment list (SR-MPLS
 * and SID-less segments refused), and the weights from BANDWIDTH.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "router/agent.h"
#include "testutil.h"

static int parse(const char *text, ragent_cfg *c, neto_err *err)
{
	ragent_cfg_defaults(c);
	return ragent_cfg_parse(text, strlen(text), "r.ini", c, err);
}

static void test_cfg_file(void **state)
{
	(void)state;
	size_t len;
	char *text = tu_read("tests/data/router/router.ini", &len);
	ragent_cfg c;
	neto_err err;
	ragent_cfg_defaults(&c);
	assert_int_equal(ragent_cfg_parse(text, len, "router.ini", &c, &err), 0);
	assert_string_equal(c.name, "r1");
	assert_string_equal(c.pce_host, "fd00:1:1::2");
	assert_int_equal(c.pce_port, 4190);
	assert_int_equal(c.state_timeout_ms, 4000);
	assert_int_equal(c.reconnect_ms, 250);
	assert_int_equal(c.keepalive, 10);
	assert_int_equal(c.rule_prio, 900);
	assert_int_equal(c.addr.af, 6);
	assert_int_equal(c.n_cls, 2);
	assert_int_equal(c.cls[1].color, 20);
	assert_int_equal(c.cls[1].dscp, 10);
	assert_int_equal(c.cls[1].table, 200);
	assert_int_equal(c.n_ep, 2);
	assert_int_equal(c.ep[0].n, 2);
	assert_int_equal(c.ep[0].p[1].len, 48);
	pcep_addr a;
	assert_int_equal(pcep_addr_parse("fd00:ff::3", &a), 0);
	const ragent_endpoint *e = ragent_endpoint_find(&c, &a);
	assert_non_null(e);
	assert_int_equal(e->p[0].len, 64);
	assert_null(ragent_class_find(&c, 30));
	assert_non_null(ragent_class_find(&c, 10));
	assert_string_equal(c.te_source, "frr:r1");
	assert_int_equal(c.te_period_ms, 2000);
	assert_true(c.has_locator);
	assert_int_equal(c.locator.len, 48);
	assert_int_equal(c.locator.addr[0], 0xfc);
	assert_true(c.has_igp_rid);
	assert_int_equal(c.igp_rid[3], 1);
	assert_int_equal(c.n_delays, 2);
	assert_int_equal(c.delays[0].af, 4);
	assert_int_equal(c.delays[0].delay_us, 5000);
	assert_int_equal(c.delays[1].af, 6);
	assert_int_equal(ragent_cfg_check(&c, &err), 0);
	ragent_cfg_free(&c);
	free(text);
}

static void test_cfg_defaults(void **state)
{
	(void)state;
	ragent_cfg c;
	neto_err err;
	/* no [router] section: the defaults, and no PCE to run with */
	assert_int_equal(parse("[store]\nuri = sqlite:x.db\n", &c, &err), 0);
	assert_int_equal(c.pce_port, 4189);
	assert_int_equal(c.state_timeout_ms, 30000);
	assert_int_equal(c.keepalive, 30);
	assert_int_equal(ragent_cfg_check(&c, &err), -1);
	assert_non_null(strstr(err.msg, "PCE"));
	ragent_cfg_free(&c);
	assert_int_equal(parse("[router]\npce = 10.0.0.9\n", &c, &err), 0);
	assert_string_equal(c.pce_host, "10.0.0.9");
	assert_int_equal(c.pce_port, 4189);
	ragent_cfg_free(&c);
	assert_int_equal(parse("[router]\npce = 10.0.0.9:5000\n", &c, &err), 0);
	assert_int_equal(c.pce_port, 5000);
	ragent_cfg_free(&c);
}

/* apply_delay: a duration up to a minute, once per file, 0 by default */
static void test_cfg_apply_delay(void **state)
{
	(void)state;
	ragent_cfg c;
	neto_err err;
	assert_int_equal(parse("[router]\npce = 10.0.0.9\n", &c, &err), 0);
	assert_int_equal(c.apply_delay_ms, 0);
	ragent_cfg_free(&c);
	assert_int_equal(parse("[router]\npce = 10.0.0.9\napply_delay = 2500ms\n", &c, &err), 0);
	assert_int_equal(c.apply_delay_ms, 2500);
	/* the command line's --apply-delay goes through the same setter */
	assert_int_equal(ragent_cfg_set(&c, "apply_delay", "1.5s", &err), 0);
	assert_int_equal(c.apply_delay_ms, 1500);
	assert_int_equal(ragent_cfg_set(&c, "apply_delay", "60s", &err), 0);
	assert_int_equal(c.apply_delay_ms, 60000);
	assert_int_equal(ragent_cfg_set(&c, "apply_delay", "0ms", &err), 0);
	assert_int_equal(c.apply_delay_ms, 0);
	assert_int_equal(ragent_cfg_set(&c, "apply_delay", "61s", &err), -1);
	assert_non_null(strstr(err.msg, "at most 60s"));
	assert_int_equal(c.apply_delay_ms, 0);
	ragent_cfg_free(&c);
}

static void refused(const char *text, const char *want)
{
	ragent_cfg c;
	neto_err err;
	err.msg[0] = '\0';
	assert_int_equal(parse(text, &c, &err), -1);
	if (strstr(err.msg, want) == NULL || strstr(err.msg, "r.ini") == NULL)
		fail_msg("'%s': got '%s', want '%s'", text, err.msg, want);
	ragent_cfg_free(&c);
}

static void test_cfg_refusals(void **state)
{
	(void)state;
	refused("[router]\ncolour = 1\n", "unknown key");
	refused("[router]\npce = pce.example\n", "ADDRESS[:PORT]");
	refused("[router]\npce = 10.0.0.1:0\n", "ADDRESS[:PORT]");
	refused("[router]\npce = [fd00::1]:99999\n", "ADDRESS[:PORT]");
	refused("[router]\nname = a\nname = b\n", "given twice");
	refused("[router]\nstate_timeout = 30\n", "state_timeout");
	refused("[router]\napply_delay = 3\n", "apply_delay");
	refused("[router]\napply_delay = -1s\n", "apply_delay");
	refused("[router]\napply_delay = 2m\n", "at most 60s");
	refused("[router]\napply_delay = 1s\napply_delay = 2s\n", "given twice");
	refused("[router]\nkeepalive = 0\n", "keepalive");
	refused("[router]\nkeepalive = 64\n", "keepalive");
	refused("[router]\nclass = 10 64 100\n", "COLOR DSCP");
	refused("[router]\nclass = 10 46\n", "COLOR DSCP");
	refused("[router]\nclass = 10 46 254\n", "kernel table");
	refused("[router]\nclass = 10 46 100\nclass = 10 10 200\n", "given twice");
	refused("[router]\nendpoint = fd00::3\n", "no prefix");
	refused("[router]\nendpoint = host fd00::/64\n", "address");
	refused("[router]\nendpoint = fd00::3 fd00::/129\n", "endpoint");
	refused("[router]\nendpoint = fd00::3 fd00::/64\nendpoint = fd00::3 fd01::/64\n",
		"given twice");
	refused("[router]\naddress = 300.1.1.1\n", "address");
	refused("[router]\nreconnect = 1ms\n", "reconnect");
	refused("[router]\nte_source = vtysh\n", "te_source");
	refused("[router]\nte_source = frr:a;rm\n", "te_source");
	refused("[router]\nte_source = file:\n", "te_source");
	refused("[router]\nte_period = 10ms\n", "te_period");
	refused("[router]\nlocator = fc00::/129\n", "locator");
	refused("[router]\nigp_router_id = fc00::1\n", "igp_router_id");
	refused("[router]\ndelay = 10.0.0.1\n", "delay");
	refused("[router]\ndelay = 10.0.0.1 16777216\n", "delay");
}

static void test_color(void **state)
{
	(void)state;
	pcep_path p;
	memset(&p, 0, sizeof p);
	uint32_t color = 0;
	assert_false(ragent_path_color(&p, &color));
	/* vendor information as neto's PCE driver and FRR send it */
	p.has_vendor = true;
	p.vendor.enterprise = PCEP_ENTERPRISE_CISCO;
	p.vendor.len = 8;
	uint32_t w[2] = { htonl(PCEP_VENDOR_COLOR), htonl(42) };
	memcpy(p.vendor.data, w, 8);
	assert_true(ragent_path_color(&p, &color));
	assert_int_equal(color, 42);
	/* another enterprise's data is not a colour */
	p.vendor.enterprise = 2636;
	assert_false(ragent_path_color(&p, &color));
	/* the SR Policy association wins (RFC 9862) */
	p.has_assoc = true;
	p.assoc.type = PCEP_ASSOC_SR_POLICY;
	p.assoc.tlvs.has_ext_assoc = true;
	p.assoc.tlvs.color = 7;
	assert_true(ragent_path_color(&p, &color));
	assert_int_equal(color, 7);
}

static pcep_subobj srv6(const char *sid)
{
	pcep_subobj s;
	memset(&s, 0, sizeof s);
	s.type = PCEP_RO_SRV6;
	s.flags = PCEP_SRV6_F;
	pcep_addr a;
	assert_int_equal(pcep_addr_parse(sid, &a), 0);
	memcpy(s.sid6, a.a, 16);
	return s;
}

static void test_ero(void **state)
{
	(void)state;
	pcep_subobj sub[RT_MAX_SEGS + 1];
	pcep_ro ero = { .sub = sub, .n = 2 };
	sub[0] = srv6("fc00:0:2::1");
	sub[1] = srv6("fc00:0:3::100");
	rt_seglist l;
	neto_err err;
	assert_int_equal(ragent_ero_segs(&ero, &l, &err), 0);
	assert_int_equal(l.n_segs, 2);
	assert_memory_equal(l.segs[1], sub[1].sid6, 16);
	/* RFC 9603: S set, the SID is absent */
	sub[1].flags |= PCEP_SRV6_S;
	assert_int_equal(ragent_ero_segs(&ero, &l, &err), -1);
	assert_non_null(strstr(err.msg, "no SID"));
	/* SR-MPLS: no MPLS data plane */
	sub[1] = srv6("fc00:0:3::100");
	sub[1].type = PCEP_RO_SR;
	assert_int_equal(ragent_ero_segs(&ero, &l, &err), -1);
	assert_non_null(strstr(err.msg, "MPLS"));
	sub[1].type = PCEP_RO_IPV6;
	assert_int_equal(ragent_ero_segs(&ero, &l, &err), -1);
	ero.n = 0;
	assert_int_equal(ragent_ero_segs(&ero, &l, &err), -1);
	for (int i = 0; i <= RT_MAX_SEGS; i++)
		sub[i] = srv6("fc00::1");
	ero.n = RT_MAX_SEGS;
	assert_int_equal(ragent_ero_segs(&ero, &l, &err), 0);
	ero.n = RT_MAX_SEGS + 1;
	assert_int_equal(ragent_ero_segs(&ero, &l, &err), -1);
}

static void test_weights(void **state)
{
	(void)state;
	uint32_t w[3];
	const float bw[3] = { 3e6f, 1e6f, 1.5e6f };
	ragent_weights(bw, 3, w);
	assert_int_equal(w[0], 256);
	assert_int_equal(w[1], 85);
	assert_int_equal(w[2], 128);
	/* one without bandwidth: equal weights */
	const float some[3] = { 3e6f, 0, 1e6f };
	ragent_weights(some, 3, w);
	assert_int_equal(w[0], 1);
	assert_int_equal(w[1], 1);
	assert_int_equal(w[2], 1);
	/* a tiny share still gets weight 1 */
	const float tiny[2] = { 1e9f, 1 };
	ragent_weights(tiny, 2, w);
	assert_int_equal(w[0], 256);
	assert_int_equal(w[1], 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cfg_file),    cmocka_unit_test(test_cfg_defaults),
		cmocka_unit_test(test_cfg_apply_delay),
		cmocka_unit_test(test_cfg_refusals), cmocka_unit_test(test_color),
		cmocka_unit_test(test_ero),          cmocka_unit_test(test_weights),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
