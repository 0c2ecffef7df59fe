/*
 * cmd_lab.c - `neto lab`: a lab of real Linux routers in network
 * namespaces (up, down, status), traffic through it, and the kernel SR
 * policy programming of one router (policy, rule, sid), which is what a
 * router agent does on a device.
 *
 * The router subcommands enter the namespace given with --netns (setns on
 * /run/netns/NAME, as `ip netns exec` does) and then talk rtnetlink there
 * through src/router/rt.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "lab/lab.h"
#include "lab/lab_isp.h"
#include "lab/netns.h"
#include "lab/traffic.h"
#include "router/rt.h"

static const char lab_usage[] =
	"usage: neto lab up|down|status --topology FILE [--dir DIR] [--scale S] [--prefix P]\n"
	"                [--buffer D]\n"
	"                [--neto [--api HOST:PORT] [--period D] [--state-timeout D]\n"
	"                        [--topology-source file|bgpls] [--ipfix]\n"
	"                        [--apply-delay SITE=D ...]]\n"
	"       neto lab demand --dir DIR --file DEMANDS.csv   (a lab up with --neto)\n"
	"       neto lab respawn --dir DIR   (start neto's stopped roles again)\n"
	"       neto lab link --dir DIR --link ID --state down|up\n"
	"       neto lab traffic send|recv [options]   (see `neto lab traffic --help`)\n"
	"       neto lab up ... --isps FILE   (ISPs around border sites, docs/lab.md)\n"
	"       neto lab isp-traffic --dir DIR --from SITE (--isp NAME | --to PFX...)\n"
	"                [--rate BPS] [--seconds S] [--dscp D]   (a lab up with --isps FILE)\n"
	"       neto lab isp-measure --dir DIR [--to PFX...]   (traffic and latency\n"
	"                measured for the peering role, on a lab up with --isps FILE)\n"
	"       neto lab policy set|del|show --netns NS [options]\n"
	"       neto lab rule add|del --netns NS --dscp D --table T [--prio N]\n"
	"       neto lab rule show --netns NS [--raw FILE]\n"
	"       neto lab sid add|del --netns NS --sid SID --action end|end.dt6 --dev IF\n"
	"                [--table T]\n"
	"\n"
	"up      build a lab from a topology: one network namespace per site, a veth\n"
	"        pair per link shaped to its scaled capacity, SRv6 SIDs per site and\n"
	"        FRR (zebra, isisd) running IS-IS over IPv6 with the topology's metrics\n"
	"        (`neto lab up --help` for every option; --buffer D: each link queues\n"
	"        at most D at its rate; --apply-delay SITE=D: that site's router agent\n"
	"        waits D before programming the PCE's requests)\n"
	"down    stop every daemon and remove everything `up` created (state in DIR)\n"
	"status  namespaces, daemons alive, IS-IS adjacencies up\n"
	"\n"
	"policy set   install an SR policy (REPLACE: make-before-break):\n"
	"             --table T --prefix P [--prefix P...] --list W:SID[,SID...]\n"
	"             [--list ...] --dev IF [--via ADDR]\n"
	"policy del   --table T --prefix P [...]: remove its routes\n"
	"policy show  [--table T] [--raw FILE]: the policies the kernel holds\n"
	"             (--raw also writes the kernel's reply to FILE)\n";

static int parse_u32(const char *s, uint32_t max, uint32_t *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 0);
	if (errno || end == s || *end || v > max) {
		fprintf(stderr, "neto lab: '%s': expected a number up to %u\n", s, max);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

static void raw_write(const void *buf, size_t len, void *arg)
{
	fwrite(buf, 1, len, (FILE *)arg);
}

enum { O_NETNS = 1000, O_TABLE, O_PREFIX, O_LIST, O_DEV, O_VIA, O_RAW, O_DSCP, O_PRIO, O_SID,
       O_ACTION };

static const struct option router_opts[] = {
	{ "netns", required_argument, NULL, O_NETNS },
	{ "table", required_argument, NULL, O_TABLE },
	{ "prefix", required_argument, NULL, O_PREFIX },
	{ "list", required_argument, NULL, O_LIST },
	{ "dev", required_argument, NULL, O_DEV },
	{ "via", required_argument, NULL, O_VIA },
	{ "raw", required_argument, NULL, O_RAW },
	{ "dscp", required_argument, NULL, O_DSCP },
	{ "prio", required_argument, NULL, O_PRIO },
	{ "sid", required_argument, NULL, O_SID },
	{ "action", required_argument, NULL, O_ACTION },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* policy / rule / sid: argv[0] is the subcommand, argv[1] the verb. */
static int cmd_router(int argc, char **argv)
{
	const char *what = argv[0];
	if (argc < 2) {
		fputs(lab_usage, stderr);
		return 2;
	}
	const char *verb = argv[1];
	const char *netns = NULL, *dev = NULL, *via = NULL, *raw = NULL, *action = NULL;
	const char *sid = NULL;
	uint32_t table = 0, dscp = 64, prio = 0;
	static rt_policy p;	/* ~10 KiB: not on the stack */
	memset(&p, 0, sizeof p);
	neto_err err;
	optind = 2;
	int c;
	while ((c = getopt_long(argc, argv, "h", router_opts, NULL)) != -1) {
		switch (c) {
		case O_NETNS: netns = optarg; break;
		case O_TABLE: if (parse_u32(optarg, UINT32_MAX, &table)) return 2; break;
		case O_DSCP: if (parse_u32(optarg, 63, &dscp)) return 2; break;
		case O_PRIO: if (parse_u32(optarg, UINT32_MAX, &prio)) return 2; break;
		case O_DEV: dev = optarg; break;
		case O_VIA: via = optarg; break;
		case O_RAW: raw = optarg; break;
		case O_SID: sid = optarg; break;
		case O_ACTION: action = optarg; break;
		case O_PREFIX:
			if (p.n_prefixes == RT_MAX_PREFIXES) {
				fprintf(stderr, "neto lab: at most %d prefixes\n", RT_MAX_PREFIXES);
				return 2;
			}
			if (rt_prefix_parse(optarg, &p.prefixes[p.n_prefixes], &err) != 0) {
				fprintf(stderr, "neto lab: %s\n", err.msg);
				return 2;
			}
			p.n_prefixes++;
			break;
		case O_LIST:
			if (p.n_lists == RT_MAX_LISTS) {
				fprintf(stderr, "neto lab: at most %d lists\n", RT_MAX_LISTS);
				return 2;
			}
			if (rt_seglist_parse(optarg, &p.lists[p.n_lists], &err) != 0) {
				fprintf(stderr, "neto lab: %s\n", err.msg);
				return 2;
			}
			p.n_lists++;
			break;
		case 'h': fputs(lab_usage, stdout); return 0;
		default: fputs(lab_usage, stderr); return 2;
		}
	}
	if (!netns) {
		fprintf(stderr, "neto lab %s: --netns is required\n", what);
		return 2;
	}
	if (lab_enter_netns(netns, &err) != 0) {
		fprintf(stderr, "neto lab: %s\n", err.msg);
		return 1;
	}
	uint32_t oif = 0;
	if (dev) {
		oif = if_nametoindex(dev);
		if (oif == 0) {
			fprintf(stderr, "neto lab: no device %s in %s\n", dev, netns);
			return 1;
		}
	}
	rt_nl *nl = rt_nl_open(&err);
	if (!nl) {
		fprintf(stderr, "neto lab: %s\n", err.msg);
		return 1;
	}
	int rc = -1;
	bool add = strcmp(verb, "set") == 0 || strcmp(verb, "add") == 0;
	bool del = strcmp(verb, "del") == 0;
	if (strcmp(what, "policy") == 0 && (add || del)) {
		p.table = table;
		for (uint32_t i = 0; i < p.n_lists; i++) {
			p.lists[i].oif = oif;
			if (via) {
				p.lists[i].has_via = true;
				if (inet_pton(AF_INET6, via, p.lists[i].via) != 1) {
					fprintf(stderr, "neto lab: --via %s: not IPv6\n", via);
					goto out;
				}
			}
		}
		if (del && p.n_prefixes > 0 && p.table != 0)
			rc = rt_nl_policy(nl, RT_OP_DELETE, &p, &err);
		else if (add)
			rc = rt_nl_policy(nl, RT_OP_REPLACE, &p, &err);
		else
			err = (neto_err){ "policy del needs --table and --prefix" };
	} else if (strcmp(what, "policy") == 0 && strcmp(verb, "show") == 0) {
		FILE *rf = NULL;
		if (raw && !(rf = fopen(raw, "wb"))) {
			fprintf(stderr, "neto lab: %s: %s\n", raw, strerror(errno));
			goto out;
		}
		rt_policy_set set;
		rc = rt_nl_read(nl, table, &set, rf ? raw_write : NULL, rf, &err);
		if (rf && fclose(rf) != 0)
			rc = neto_err_set(&err, "%s: write failed", raw);
		for (size_t i = 0; rc == 0 && i < set.n; i++) {
			char line[8192];
			rt_policy_format(&set.v[i], line, sizeof line);
			puts(line);
		}
		if (rc == 0)
			rt_policy_set_free(&set);
	} else if (strcmp(what, "rule") == 0 && strcmp(verb, "show") == 0) {
		FILE *rf = NULL;
		if (raw && !(rf = fopen(raw, "wb"))) {
			fprintf(stderr, "neto lab: %s: %s\n", raw, strerror(errno));
			goto out;
		}
		rt_rule_set rules;
		rc = rt_nl_read_rules(nl, &rules, rf ? raw_write : NULL, rf, &err);
		if (rf && fclose(rf) != 0)
			rc = neto_err_set(&err, "%s: write failed", raw);
		for (size_t i = 0; rc == 0 && i < rules.n; i++)
			printf("dscp %u table %u prio %u\n", rules.v[i].dscp, rules.v[i].table,
			       rules.v[i].prio);
		if (rc == 0)
			rt_rule_set_free(&rules);
	} else if (strcmp(what, "rule") == 0 && (add || del)) {
		if (dscp > 63 || table == 0)
			err = (neto_err){ "rule needs --dscp and --table" };
		else
			rc = rt_nl_dscp_rule(nl, add ? RT_OP_REPLACE : RT_OP_DELETE, (uint8_t)dscp,
					     table, prio ? prio : 1000 + dscp, &err);
	} else if (strcmp(what, "sid") == 0 && (add || del)) {
		uint8_t a[16];
		enum rt_sid_action act = RT_SID_END;
		if (!sid || inet_pton(AF_INET6, sid, a) != 1) {
			err = (neto_err){ "sid needs --sid with an IPv6 SID" };
		} else if (action && strcmp(action, "end.dt6") == 0) {
			act = RT_SID_END_DT6;
			rc = 0;
		} else if (action && strcmp(action, "end") != 0) {
			err = (neto_err){ "--action is end or end.dt6" };
		} else {
			rc = 0;
		}
		if (rc == 0)
			rc = rt_nl_local_sid(nl, add ? RT_OP_REPLACE : RT_OP_DELETE, a, act,
					     table ? table : 254, oif, &err);
	} else {
		err = (neto_err){ "unknown subcommand (see neto lab --help)" };
	}
out:
	rt_nl_close(nl);
	if (rc != 0) {
		fprintf(stderr, "neto lab %s %s: %s\n", what, verb, err.msg);
		return 1;
	}
	return 0;
}

int cmd_lab(int argc, char **argv)
{
	if (argc < 1 || strcmp(argv[0], "-h") == 0 || strcmp(argv[0], "--help") == 0) {
		fputs(lab_usage, argc < 1 ? stderr : stdout);
		return argc < 1 ? 2 : 0;
	}
	const char *sub = argv[0];
	if (strcmp(sub, "policy") == 0 || strcmp(sub, "rule") == 0 || strcmp(sub, "sid") == 0)
		return cmd_router(argc, argv);
	if (strcmp(sub, "up") == 0 || strcmp(sub, "down") == 0 || strcmp(sub, "status") == 0 ||
	    strcmp(sub, "demand") == 0 || strcmp(sub, "respawn") == 0 ||
	    strcmp(sub, "link") == 0)
		return lab_cmd(argc, argv);
	if (strcmp(sub, "traffic") == 0)
		return lab_traffic_cmd(argc - 1, argv + 1);
	if (strcmp(sub, "isp-traffic") == 0)
		return lab_isp_traffic_cmd(argc, argv);
	if (strcmp(sub, "isp-measure") == 0)
		return lab_isp_measure_cmd(argc, argv);
	fprintf(stderr, "neto lab: unknown subcommand '%s'\n\n%s", sub, lab_usage);
	return 2;
}
