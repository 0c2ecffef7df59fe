/*
 * bgp_cmd.h - entry points of the BGP commands (see bgp_cmd.c): `neto bgp`
 * and `neto agent topology NAME --bgp`. argv excludes the command words.
 */
#ifndef NETO_AGENT_BGP_CMD_H
#define NETO_AGENT_BGP_CMD_H

int bgp_cmd_main(int argc, char **argv);
int bgp_topology_agent_main(int argc, char **argv);

#endif
