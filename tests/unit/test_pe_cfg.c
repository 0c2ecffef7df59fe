/*
 * test_pe_cfg.c - the [peering] section: defaults, every key, and the
 * errors naming their line (unknown key, key twice, section twice, bad
 * values); the main parser accepts a file with [peering].
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cfg/cfg.h"
#include "pe/pe_cfg.h"

static const char good[] =
	"[store]\n"
	"uri = sqlite:x.db\n"
	"[peering]\n"
	"enabled = yes\n"
	"peering_file = /etc/neto/peering.txt\n"
	"static_latency = lat.txt\n"
	"headroom = 0.8\n"
	"min_gain_ms = 2.5\n"
	"max_moves = 50\n"
	"hold_s = 60\n"
	"interval = 5\n"
	"local_pref = 300\n"
	"community = 65000:100\n"
	"bmp_listen = ::1\n"
	"bmp_port = 12000\n"
	"bgp_feeds = border1, border2\n"
	"split = yes\n"
	"split_bits = 2\n"
	"bmp_grace = 0\n"
	"[controller]\n"
	"period = 30s\n";

static void test_good(void **state)
{
	(void)state;
	pe_cfg c;
	neto_err err;
	assert_int_equal(pe_cfg_parse(good, strlen(good), "t.ini", &c, &err), 0);
	assert_true(c.present);
	assert_true(c.enabled);
	assert_string_equal(c.peering_file, "/etc/neto/peering.txt");
	assert_string_equal(c.static_latency, "lat.txt");
	assert_true(c.headroom == 0.8);
	assert_true(c.min_gain_ms == 2.5);
	assert_int_equal(c.max_moves, 50);
	assert_true(c.hold_s == 60);
	assert_true(c.interval_s == 5);
	assert_int_equal(c.local_pref, 300);
	assert_true(c.has_community);
	assert_int_equal(c.community, 65000u << 16 | 100);
	assert_string_equal(c.community_str, "65000:100");
	assert_string_equal(c.bmp_listen, "::1");
	assert_int_equal(c.bmp_port, 12000);
	assert_int_equal(c.n_bgp_feeds, 2);
	assert_string_equal(c.bgp_feeds[1], "border2");
	assert_true(c.split);
	assert_int_equal(c.split_bits, 2);
	assert_true(c.bmp_grace_s == 0);
	pe_cfg_free(&c);
	/* the main parser leaves the section alone, and still refuses others */
	neto_cfg nc;
	assert_int_equal(cfg_parse(good, strlen(good), "t.ini", &nc, &err), 0);
	neto_cfg_free(&nc);
	const char *bad = "[peeringx]\nenabled = yes\n";
	assert_int_equal(cfg_parse(bad, strlen(bad), "t.ini", &nc, &err), -1);
	/* no section: the defaults */
	const char *none = "[store]\nuri = sqlite:x\n";
	assert_int_equal(pe_cfg_parse(none, strlen(none), "t.ini", &c, &err), 0);
	assert_false(c.present);
	assert_false(c.enabled);
	assert_null(c.peering_file);
	assert_true(c.headroom == 0.95);
	assert_true(c.min_gain_ms == 5);
	assert_int_equal(c.max_moves, 1000);
	assert_true(c.hold_s == 300);
	assert_true(c.interval_s == 10);
	assert_int_equal(c.local_pref, 200);
	assert_false(c.has_community);
	assert_string_equal(c.bmp_listen, "0.0.0.0");
	assert_int_equal(c.bmp_port, 11019);
	assert_int_equal(c.n_bgp_feeds, 0);
	assert_false(c.split);
	assert_int_equal(c.split_bits, 1);
	assert_true(c.bmp_grace_s == 30);
	pe_cfg_free(&c);
	/* an empty section is present, not enabled */
	assert_int_equal(pe_cfg_parse("[peering]\n", 10, "t.ini", &c, &err), 0);
	assert_true(c.present);
	assert_false(c.enabled);
	pe_cfg_free(&c);
}

static void bad(const char *text, const char *want)
{
	pe_cfg c;
	neto_err err;
	err.msg[0] = '\0';
	assert_int_equal(pe_cfg_parse(text, strlen(text), "t.ini", &c, &err), -1);
	if (strstr(err.msg, want) == NULL)
		fail_msg("'%s' does not contain '%s'", err.msg, want);
	assert_null(c.peering_file);
	assert_null(c.static_latency);
}

static void test_errors(void **state)
{
	(void)state;
	bad("[peering]\ncolour = red\n", "t.ini:2: [peering] unknown key 'colour'");
	bad("[peering]\nenabled = yes\n\nenabled = no\n",
	    "t.ini:4: [peering] enabled given twice (first on line 2)");
	bad("[peering]\npeering_file = a\n[store]\nuri = x\n[peering]\nhold_s = 1\n",
	    "t.ini:5: section [peering] given twice (first on line 1)");
	bad("[peering]\nenabled = maybe\n", "t.ini:2: [peering] enabled: bad value 'maybe'");
	bad("[peering]\nheadroom = 0\n", "headroom: bad value");
	bad("[peering]\nheadroom = 1.5\n", "headroom: bad value");
	bad("[peering]\nheadroom = nan\n", "headroom: bad value");
	bad("[peering]\nmin_gain_ms = -1\n", "min_gain_ms: bad value");
	bad("[peering]\nmax_moves = -3\n", "max_moves: bad value");
	bad("[peering]\nmax_moves = 2.5\n", "max_moves: bad value");
	bad("[peering]\nhold_s = 5x\n", "hold_s: bad value");
	bad("[peering]\ninterval = 0\n", "interval: bad value");
	bad("[peering]\nlocal_pref = 4294967296\n", "local_pref: bad value");
	bad("[peering]\ncommunity = 65536:1\n", "community: bad value");
	bad("[peering]\ncommunity = 65000\n", "community: bad value");
	bad("[peering]\ncommunity = 1:2:3\n", "community: bad value");
	bad("[peering]\nbmp_listen = localhost\n", "bmp_listen: bad value");
	bad("[peering]\nbmp_port = 0\n", "bmp_port: bad value");
	bad("[peering]\nbmp_port = 65536\n", "bmp_port: bad value");
	bad("[peering]\nbgp_feeds = ,\n", "bgp_feeds: bad value");
	bad("[peering]\nbgp_feeds = b1, b1\n", "bgp_feeds: bad value");
	bad("[peering]\nsplit_bits = 5\n", "split_bits: bad value");
	bad("[peering]\nsplit = maybe\n", "split: bad value");
	bad("[peering]\nbmp_grace = 3601\n", "bmp_grace: bad value");
	bad("[peering]\npeering_file =\n", "t.ini:2: [peering] peering_file: bad value");
	bad("[peering]\nstatic_latency = x\npeering_file = y\nbogus = 1\n", "t.ini:4:");
	bad("[peering\nenabled = yes\n", "t.ini:1: syntax error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
