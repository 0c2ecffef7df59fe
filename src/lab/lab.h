/*
 * lab.h - a lab of real routers from a topology: one network namespace per
 * site running FRR (zebra + isisd, IS-IS over IPv6 with the topology's
 * metrics) on the kernel's SRv6 data plane, one veth pair per link shaped
 * to the link's capacity times a scale factor.
 *
 * Two halves. The plan (lab_plan_make, lab_frr_conf) is pure: names,
 * addresses, SIDs, rates and FRR configurations computed from the topology,
 * so that they can be tested without root. The runner (lab_up, lab_down,
 * lab_status in lab_run.c) carries a plan out with ip(8), tc(8), sysctl and
 * the FRR daemons, and records everything it creates in a state file before
 * creating it, so that `down` (or the next `up` after a crash) removes
 * exactly that.
 *
 * Addressing (N = site index + 1, K = link index + 1, both <= 65535):
 *   locator        the topology's SRv6 locator, else fc00:0:N::/48; the
 *                  address LOC::ff/len sits on lo and IS-IS advertises it
 *   End SID        LOC::1          End.DT6 SID  LOC::100 (table main)
 *   site prefix    fd00:0:N::/64 on a veth pair inside the namespace
 *                  (site0 holds ::ff, site1 the site address ::1); End.DT6
 *                  forwards, never delivers locally, hence the pair
 *   link K         fd00:1:K::1/64 at the lower site index, ::2 at the other;
 *                  10.(1 + K / 256).(K % 256).1/24 and .2 for IS-IS TE
 */
#ifndef NETO_LAB_LAB_H
#define NETO_LAB_LAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "topo/topo.h"

#define LAB_PREFIX_MAX 12	/* namespace names stay short */
#define LAB_DEFAULT_BUDGET_BPS 200e6	/* all shaped directions together */
#define LAB_MIN_RATE_BPS 64e3

typedef struct lab_site {
	char ns[32];		/* namespace and FRR instance name: PREFIX + N */
	char host[32];		/* host name in IS-IS LSPs (the site's name) */
	char sysid[16];		/* IS-IS system id, "0000.0000.000N" (hex) */
	uint8_t locator[16];
	uint8_t loc_len;
	uint8_t end_sid[16], dt6_sid[16], loc_addr[16];
	uint8_t site_prefix[16];	/* /64 */
	uint8_t site_addr[16];	/* ::1 of the site prefix */
} lab_site;

/* One veth pair: end 0 in site a, end 1 in site b. */
typedef struct lab_edge {
	uint32_t a, b;		/* site indices */
	uint32_t link_ab, link_ba;	/* topology link ids, TOPO_NONE when absent */
	char if_a[16], if_b[16];	/* interface names: "to<peer>[-n]" */
	uint8_t addr_a[16], addr_b[16];	/* /64 */
	uint8_t v4_a[4], v4_b[4];	/* /24: 10.(1 + K / 256).(K % 256).1 and .2; FRR 8.4's
					 * TE database keys an IPv6-only edge by the low 64 bits
					 * of its address, which every link's ::1 shares */
	double rate_ab, rate_ba;	/* shaped bit/s, egress of a and of b */
	uint32_t metric_ab, metric_ba;	/* IS-IS metric on a's end, on b's end */
} lab_edge;

typedef struct lab_plan {
	char prefix[LAB_PREFIX_MAX + 1];
	double scale;		/* shaped rate = capacity in bit/s * scale */
	double unit_bps;	/* bit/s of one capacity unit */
	int64_t buffer_ms;	/* each shaped direction's queue holds this long at
				 * its rate (a bfifo); 0: the device's 1000 packets */
	uint32_t n_sites, n_edges;
	lab_site *sites;
	lab_edge *edges;
} lab_plan;

/* Bit/s of one unit named `unit` ("bps", "kbps", "Mbps", "Gbps",
 * case-insensitive; NULL: kbps, REPETITA's unit). 0 when unknown. */
double lab_unit_bps(const char *unit);

/* Computes the plan. scale <= 0 picks the largest scale (at most 1) at which
 * every shaped direction together stays within LAB_DEFAULT_BUDGET_BPS.
 * prefix: letters, digits and '-', ending the names (default "nl-"). Caller
 * frees with lab_plan_free. */
int lab_plan_make(lab_plan *p, const topo *t, const char *prefix, double scale, neto_err *err);
void lab_plan_free(lab_plan *p);

/* The FRR configuration (frr.conf) of site i. Caller frees. */
char *lab_frr_conf(const lab_plan *p, uint32_t i);
/* The TE link parameters of site i (link-params per link: the IGP metric
 * and the shaped rate as maximum bandwidth), loaded after frr.conf: zebra
 * hands link parameters to isisd only when they change, and isisd drops
 * those that come before it has the interface's circuit. Caller frees. */
char *lab_frr_te_conf(const lab_plan *p, uint32_t i);

/* ---- running (root) ------------------------------------------------------ */

/* Reads and parses a topology file of any format neto reads. Caller frees
 * with topo_free (also on failure). */
int lab_topo_load(const char *file, topo *t, neto_err *err);

#define LAB_MAX_APPLY_DELAYS 64

typedef struct lab_opts {
	const char *topology;	/* file */
	const char *dir;	/* state directory */
	const char *prefix;
	double scale;
	bool quiet;
	bool neto;		/* also run neto on the lab (lab_neto.c) */
	const char *api;	/* --neto: the API's HOST:PORT (default 127.0.0.1:8080) */
	const char *period;	/* --neto: controller period (default 10s) */
	const char *state_timeout;	/* --neto: routers' state timeout (default 10s) */
	bool bgpls;		/* --neto: the topology from the routers over BGP-LS, not
				 * from a copy of the file (--topology-source bgpls) */
	bool ipfix;		/* --neto: host namespaces, softflowd and a flow agent
				 * (lab_neto.c): the demand measured with IPFIX */
	const char *isps;	/* ISPs and peerings around border sites (lab_isp.h) */
	bool isp_measure;	/* --isps: flow agents and probers for the peering
				 * role (lab_isp_measure.c) */

	int64_t buffer_ms;	/* --buffer: lab_plan.buffer_ms */
	/* --neto: "SITE=DURATION" per site whose router agent waits that long
	 * before programming each request (the agent's apply_delay) */
	const char *apply_delay[LAB_MAX_APPLY_DELAYS];
	size_t n_apply_delay;
} lab_opts;

int lab_up(const lab_opts *o, neto_err *err);
int lab_down(const lab_opts *o, neto_err *err);
int lab_status(const lab_opts *o, neto_err *err);

/* True when PID runs the program named `name` and has not exited. */
bool lab_pid_is(long pid, const char *name);

/* ---- neto on the lab (lab_neto.c) ------------------------------------------ */

typedef struct lab_neto_class {
	const char *name;	/* the controller's class */
	unsigned dscp, color, table;
} lab_neto_class;
#define LAB_NETO_N_CLASSES 3
extern const lab_neto_class lab_neto_classes[LAB_NETO_N_CLASSES];

/* After the lab is built: the management network, the SIDs neto's TE engine
 * uses, the configuration in o->dir, neto's roles and a router agent per
 * site, each recorded in o->dir/lab.state ("ns", "proc PID COMM ROLE"). */
int lab_neto_up(const lab_opts *o, const lab_plan *p, neto_err *err);
/* The site index of an --apply-delay argument "SITE=D" (SITE: the site's
 * name or namespace); -1 when there is none. */
int lab_apply_delay_site(const lab_plan *p, const char *arg);
/* Prints the recorded neto processes; 1 when one is dead. */
int lab_neto_status(const char *state_path);
/* Starts again neto's roles that are not running (not the router agents). */
int lab_neto_respawn(const char *dir, neto_err *err);
/* Takes the lab link `id` (its veth pair) down or up, and marks it (both
 * directions) in DIR/topology.json, the file the topology agent follows. */
int lab_neto_link(const char *dir, const char *id, bool up, neto_err *err);
/* Writes the demand CSV `file` into the store of the lab in `dir`. */
int lab_neto_demand(const char *dir, const char *file, neto_err *err);

/* `neto lab up|down|status ...`: argv[0] is the verb. */
int lab_cmd(int argc, char **argv);

#endif
