/*
 * main.c - the `neto` binary: dispatches to a subcommand.
 */
#include <stdio.h>
#include <string.h>

#include "agent/bgp_cmd.h"
#include "cmd/cmd.h"

static const char usage[] =
	"usage: neto COMMAND [options]\n"
	"\n"
	"neto is a WAN orchestrator: traffic engineering over segment-routed\n"
	"(SRv6) tunnels between sites.\n"
	"\n"
	"commands:\n"
	"  te         compute a traffic-engineering allocation for a topology and\n"
	"             a demand matrix (see `neto te --help`)\n"
	"  plan       plan a congestion-free transition from the installed\n"
	"             allocation to a new one, or check a plan (see `neto plan --help`)\n"
	"  show       show the orchestrator's state through its HTTP API: topology,\n"
	"             links, demands, plans, tasks, agents... (see `neto show --help`)\n"
	"  intent     add, list or delete intents (drains, classes, shares, pinned\n"
	"             paths) through the HTTP API (see `neto intent --help`)\n"
	"  api        serve the HTTP API from a store (see `neto api --help`)\n"
	"  run        run the whole orchestrator in one process: simulated WAN,\n"
	"             controller, scheduler, agents, API (see `neto run --help`)\n"
	"  controller, scheduler, agent update NAME, sim\n"
	"             one role of the orchestrator alone, against a shared store\n"
	"  agent topology NAME\n"
	"             a topology agent alone, following a file (--file) or BGP-LS\n"
	"             sessions (--bgp)\n"
	"  agent flow NAME\n"
	"             a flow agent alone, with its IPFIX/NetFlow collector when it\n"
	"             has one (see `neto agent flow --help`)\n"
	"  check      check that a store is consistent (see `neto check --help`)\n"
	"  lab        routers in network namespaces (FRR, kernel SRv6) from a\n"
	"             topology, traffic through them, SR policies in the kernel\n"
	"             (see `neto lab --help`)\n"
	"  bgp        BGP speaker: peers, announces a topology as BGP-LS and\n"
	"             prefixes, reports what it receives (see `neto bgp --help`)\n"
	"  router     the agent of a Linux router: a PCEP PCC that installs the\n"
	"             PCE's SR policies in the kernel (see `neto router --help`)\n"
	"  peer       choose the egress ISP of each destination prefix for low\n"
	"             latency within peering capacity (see `neto peer --help`)\n"
	"  bmp        BMP collector: border routers stream every ISP's routes\n"
	"             (see `neto bmp --help`)\n"
	"  probe-responder\n"
	"             answer latency probes after a delay (see\n"
	"             `neto probe-responder --help`)\n"
	"  agent peering NAME\n"
	"             the peering role: the egress ISP per prefix every interval,\n"
	"             from BMP routes, traffic and latency (see `neto agent peering --help`)\n"
	"\n"
	"options:\n"
	"  -h, --help     this text\n"
	"  --version      print the version\n";

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	if (strcmp(cmd, "--version") == 0) {
		printf("neto %s\n", NETO_VERSION);
		return 0;
	}
	if (strcmp(cmd, "te") == 0)
		return cmd_te(argc - 2, argv + 2);
	if (strcmp(cmd, "plan") == 0)
		return cmd_plan(argc - 2, argv + 2);
	if (strcmp(cmd, "show") == 0)
		return cmd_show(argc - 2, argv + 2);
	if (strcmp(cmd, "intent") == 0)
		return cmd_intent(argc - 2, argv + 2);
	if (strcmp(cmd, "api") == 0)
		return cmd_api(argc - 2, argv + 2);
	if (strcmp(cmd, "run") == 0)
		return cmd_run(argc - 2, argv + 2);
	if (strcmp(cmd, "controller") == 0 || strcmp(cmd, "scheduler") == 0 ||
	    strcmp(cmd, "agent") == 0 || strcmp(cmd, "sim") == 0 || strcmp(cmd, "check") == 0)
		return cmd_role(cmd, argc - 2, argv + 2);
	if (strcmp(cmd, "lab") == 0)
		return cmd_lab(argc - 2, argv + 2);
	if (strcmp(cmd, "bgp") == 0)
		return bgp_cmd_main(argc - 2, argv + 2);
	if (strcmp(cmd, "router") == 0)
		return cmd_router_agent(argc - 2, argv + 2);
	if (strcmp(cmd, "peer") == 0)
		return cmd_peer(argc - 2, argv + 2);
	if (strcmp(cmd, "bmp") == 0)
		return cmd_bmp(argc - 2, argv + 2);
	if (strcmp(cmd, "probe-responder") == 0)
		return cmd_probe_responder(argc - 2, argv + 2);
	fprintf(stderr, "neto: unknown command '%s'\n\n%s", cmd, usage);
	return 2;
}
