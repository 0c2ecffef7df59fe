/*
 * test_bgp_cfg.c - the [bgp] and [peer NAME] sections: defaults from [bgp],
 * every key, and the errors naming their line; the main parser accepts a
 * file with them and still refuses unknown sections.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent/bgp_cfg.h"
#include "cfg/cfg.h"

static const char good[] =
	"[store]\n"
	"uri = sqlite:x.db\n"
	"[bgp]\n"
	"local-as = 65000\n"
	"router-id = 10.0.0.1\n"
	"listen = 10.0.0.1\n"
	"hold-time = 30\n"
	"connect-retry = 5\n"
	"[peer gobgp]\n"
	"address = 10.0.0.2\n"
	"remote-as = 4200000001\n"
	"families = ls, ipv4-unicast\n"
	"password = s3cret\n"
	"[peer frr]\n"
	"address = fc00::2\n"
	"remote-as = 65000\n"
	"local-as = 65001\n"
	"router-id = 10.0.0.9\n"
	"hold-time = 0\n"
	"connect-retry = 2\n"
	"passive = yes\n"
	"add-path-receive = yes\n"
	"port = 1179\n"
	"local-address = fc00::1\n";

static void test_good(void **state)
{
	(void)state;
	bgp_cfg c;
	neto_err err;
	assert_int_equal(bgp_cfg_parse(good, strlen(good), "t.ini", &c, &err), 0);
	assert_true(c.present);
	assert_int_equal(c.local_as, 65000);
	assert_int_equal(c.router_id, 0x0a000001);
	assert_string_equal(c.listen, "10.0.0.1");
	assert_int_equal(c.n_peers, 2);
	const bgp_peer_cfg *g = &c.peers[0], *f = &c.peers[1];
	assert_string_equal(g->name, "gobgp");
	assert_int_equal(g->s.local_as, 65000);
	assert_int_equal(g->s.remote_as, 4200000001u);
	assert_int_equal(g->s.hold_time, 30);
	assert_int_equal(g->s.router_id, 0x0a000001);
	assert_int_equal(g->s.n_families, 2);
	assert_int_equal(g->s.families[0].afi, BGP_AFI_LS);
	assert_string_equal(g->password, "s3cret");
	assert_false(g->s.passive);
	assert_int_equal(f->s.local_as, 65001);
	assert_int_equal(f->s.router_id, 0x0a000009);
	assert_int_equal(f->s.hold_time, 0);
	assert_true(g->s.connect_retry == 5 && f->s.connect_retry == 2);
	assert_true(f->s.passive);
	assert_true(f->s.addpath_receive);
	assert_false(g->s.addpath_receive);
	assert_int_equal(f->port, 1179);
	assert_string_equal(f->local_address, "fc00::1");
	bgp_cfg_free(&c);
	/* the main parser leaves these sections alone */
	neto_cfg nc;
	assert_int_equal(cfg_parse(good, strlen(good), "t.ini", &nc, &err), 0);
	neto_cfg_free(&nc);
	const char *bad = "[bgpx]\nlocal-as = 1\n";
	assert_int_equal(cfg_parse(bad, strlen(bad), "t.ini", &nc, &err), -1);
	/* no BGP sections at all */
	assert_int_equal(bgp_cfg_parse("[store]\nuri = sqlite:x\n", 22, "t.ini", &c, &err), 0);
	assert_false(c.present);
	bgp_cfg_free(&c);
}

static void bad(const char *text, const char *want)
{
	bgp_cfg c;
	neto_err err;
	err.msg[0] = '\0';
	assert_int_equal(bgp_cfg_parse(text, strlen(text), "t.ini", &c, &err), -1);
	if (strstr(err.msg, want) == NULL)
		fail_msg("'%s' does not contain '%s'", err.msg, want);
}

static void test_errors(void **state)
{
	(void)state;
	bad("[bgp]\nlocal-as = 0\n", "t.ini:2: [bgp] local-as: bad value");
	bad("[bgp]\nrouter-id = 0.0.0.0\n", "router-id: bad value");
	bad("[bgp]\nhold-time = 2\n", "hold-time: bad value");
	bad("[bgp]\nconnect-retry = 0\n", "connect-retry: bad value");
	bad("[bgp]\nconnect-retry = 65536\n", "connect-retry: bad value");
	bad("[bgp]\ncolour = red\n", "t.ini:2: [bgp] unknown key 'colour'");
	bad("[bgp]\nlocal-as = 1\nlocal-as = 2\n", "t.ini:3: [bgp] local-as given twice");
	bad("[peer x]\naddress = 10.0.0.2\n", "remote-as is required");
	bad("[peer x]\nremote-as = 5\n", "address is required");
	bad("[peer x]\naddress = 10.0.0.2\nremote-as = 5\n", "no local-as");
	bad("[bgp]\nlocal-as = 1\n[peer x]\naddress = 10.0.0.2\nremote-as = 5\n", "no router-id");
	bad("[bgp]\nlocal-as = 1\nrouter-id = 1.1.1.1\n[peer x]\naddress = nowhere\nremote-as = 5\n",
	    "not an IPv4 or IPv6 address");
	bad("[peer x]\nfamilies = ls, ipv9\n", "t.ini:2: [peer x] families: bad value");
	bad("[peer x]\npassive = maybe\n", "passive: bad value");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
