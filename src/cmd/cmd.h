/* cmd.h - subcommands of the neto binary. Each takes the arguments after its
 * name and returns the process exit status. */
#ifndef NETO_CMD_CMD_H
#define NETO_CMD_CMD_H

int cmd_te(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_intent(int argc, char **argv);
int cmd_api(int argc, char **argv);
int cmd_run(int argc, char **argv);
/* controller, scheduler, agent, sim */
int cmd_role(const char *role, int argc, char **argv);
/* the router lab and kernel SR policies */
int cmd_lab(int argc, char **argv);
/* the router agent (PCEP PCC, kernel SR policies) */
int cmd_router_agent(int argc, char **argv);
/* `neto peer`: the peering decision on files (docs/peering.md). */
int cmd_peer(int argc, char **argv);
/* `neto bmp`: the live BMP collector (docs/peering.md). */
int cmd_bmp(int argc, char **argv);
/* `neto probe-responder`: answers latency probes (docs/peering.md). */
int cmd_probe_responder(int argc, char **argv);

/* `neto agent peering NAME`: the peering role (docs/peering.md). */
int cmd_peering_agent(int argc, char **argv);

#endif
