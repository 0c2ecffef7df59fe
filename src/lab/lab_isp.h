/*
 * lab_isp.h - ISPs around the lab (`neto lab up --isps FILE`): border sites
 * of the WAN peering over real BGP with ISPs that announce a generated,
 * Internet-like table, so that neto's peering engineering meets real
 * routers.
 *
 * Two halves again, as in lab.h. The pure half (lab_isp.c): the --isps text
 * format, the deterministic table of each ISP (prefixes and AS paths from a
 * seed), and the configuration texts (BIRD 2 per ISP, FRR bgpd per border
 * site, the peering file for neto). The runner (lab_isp_run.c) builds them
 * on a lab that is up, records everything in the lab's state file first,
 * and reports on them.
 *
 * Layout (N = site index + 1, K = peering index + 1 <= 250, I = ISP index + 1):
 *   ISP namespace   PREFIX "i" I, BIRD 2 with one eBGP session per peering,
 *                   every announced prefix a local route (`ip route add
 *                   local PFX dev lo`) so traffic to it is absorbed there
 *   peering K       a veth pair: "isp<I>" in the border site (10.250.K.1/24),
 *                   "b<N>" in the ISP (10.250.K.2/24), shaped with htb on
 *                   both ends to CAPACITY x the lab's scale
 *   border site     FRR bgpd (AS LAB_ISP_WAN_AS, router ID 10.255.x.N as on
 *                   lo), eBGP to each of its ISPs, iBGP (full mesh over the
 *                   lo addresses) to the other border sites, a passive iBGP
 *                   neighbour 10.254.N.2 for neto's injector, BMP to neto's
 *                   collector at 10.254.N.2 port LAB_ISP_BMP_PORT
 *   management      the namespace PREFIX "m" of lab_neto.c (created here
 *                   with only the border sites' veths when --neto is not
 *                   given): 10.254.N.1/24 on "mgmt" in the site, .2 on "s<N>"
 *   next hops       an ISP route's next hop is the ISP's peering address;
 *                   isisd advertises the peering subnets and lo's IPv4
 *                   address (passive), so every site reaches every next hop
 *                   and border routers reach each other for iBGP
 */
#ifndef NETO_LAB_LAB_ISP_H
#define NETO_LAB_LAB_ISP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lab/lab.h"
#include "lib/err.h"

#define LAB_ISP_MAX 16			/* ISPs in one lab */
#define LAB_ISP_PEERING_MAX 250		/* peerings: 10.250.K.0/24 */
#define LAB_ISP_PREFIXES_MAX 200000u	/* per ISP and in all */
#define LAB_ISP_NAME_MAX 15
#define LAB_ISP_LATENCY_MAX 10000.0	/* ms */
#define LAB_ISP_WAN_AS 65000u		/* the WAN's AS at every border router */
#define LAB_ISP_BMP_PORT 11019		/* neto's BMP collector (docs/peering.md) */
#define LAB_ISP_PATH_MAX 5		/* ASes after the ISP's own */

typedef struct lab_isp {
	char name[LAB_ISP_NAME_MAX + 1];
	uint32_t as;
	double latency_ms;	/* the probe responder's delay */
	uint32_t n_prefixes;
	uint64_t seed;		/* default: the ISP's index + 1 */
} lab_isp;

typedef struct lab_peering {
	uint32_t isp;		/* index into lab_isps.isps */
	char site[64];		/* the border site's name in the topology */
	double capacity;	/* bit/s before the lab's scale */
	uint32_t site_ix;	/* set by lab_isps_resolve */
} lab_peering;

typedef struct lab_isps {
	lab_isp *isps;
	size_t n_isps;
	lab_peering *peerings;
	size_t n_peerings;
} lab_isps;

/* Parses the --isps format (docs/formats.md) from (buf, len); errors name
 * FNAME:LINE. *out is valid (possibly partly filled) on return either way;
 * the caller frees it with lab_isps_free. */
int lab_isps_parse(lab_isps *out, const char *buf, size_t len, const char *fname,
		   neto_err *err);
void lab_isps_free(lab_isps *c);

/* Maps each peering's site name onto the plan's sites (their host names). */
int lab_isps_resolve(lab_isps *c, const lab_plan *p, neto_err *err);

/* One announced route: the prefix and the AS path after the ISP's own AS
 * (BIRD prepends that one on export); path[path_len - 1] is the origin. */
typedef struct lab_isp_route {
	uint32_t addr;		/* host order, the prefix's first address */
	uint8_t len;
	uint8_t path_len;	/* 1 .. LAB_ISP_PATH_MAX */
	uint32_t path[LAB_ISP_PATH_MAX];
} lab_isp_route;

typedef struct lab_isp_table {
	lab_isp_route *routes;	/* sorted by address */
	size_t n;
} lab_isp_table;

/* Generates every ISP's table (tables[c->n_isps], filled; caller frees each
 * with lab_isp_table_free). Deterministic: a universe of prefixes (disjoint,
 * from 20.0.0.0 up, lengths mixed roughly like the Internet's table: mostly
 * /24, then /22, /23, /20, /21, /19, /16 ...) and one origin AS per prefix,
 * the same for every ISP; each ISP draws its PREFIXES from the universe with
 * its seed, so a prefix is offered by 2.3 ISPs on average, and its path to
 * an origin (1 .. 5 ASes) depends on the seed and the origin. */
int lab_isps_generate(const lab_isps *c, lab_isp_table *tables, neto_err *err);
void lab_isp_table_free(lab_isp_table *t);

/* Text of a peering's addresses: 10.250.K.1 (border) or .2 (ISP). */
void lab_peering_addr(uint32_t k, bool isp_side, char *out, size_t n);

/* BIRD 2 configuration of ISP i; log and control files under rundir.
 * Caller frees. */
char *lab_isp_bird_conf(const lab_isps *c, uint32_t i, const lab_isp_table *t,
			const char *rundir);
/* FRR configuration (bgpd, and the IS-IS lines that advertise next hops) of
 * plan site s, a border site. Caller frees. */
char *lab_isp_border_conf(const lab_isps *c, const lab_plan *p, uint32_t s);
/* The peering file (docs/peering.md): a link per peering at its shaped
 * capacity, an egress per peering named ISP-SITE. Caller frees. */
char *lab_isp_peering_file(const lab_isps *c, const lab_plan *p);

/* ---- running (lab_isp_run.c) ------------------------------------------- */

/* Before anything is built: reads and checks o->isps against the plan. */
int lab_isp_check(const lab_opts *o, const lab_plan *p, neto_err *err);
/* After the lab (and neto, with --neto) is up: ISPs, peerings, bgpd. */
int lab_isp_up(const lab_opts *o, const lab_plan *p, neto_err *err);
/* Prints ISPs, sessions and peering rates of the lab recorded in
 * state_path; 1 when something is wrong, 0 otherwise (also without ISPs). */
int lab_isp_status(const char *state_path);
/* `neto lab isp-traffic ...` */
int lab_isp_traffic_cmd(int argc, char **argv);
/* `neto lab isp-measure ...` (lab_isp_measure.c): flow agents and probers
 * for the peering role's measured inputs. */
int lab_isp_measure_cmd(int argc, char **argv);
/* The same on the lab in DIR: probe targets pfx[n] (lengths lens[n], NULL:
 * /24) or, with n == 0, the first `count` /24s two ISPs announce; probe
 * rounds every `interval` s, flow windows of `window` s. */
int lab_isp_measure_up(const char *dir, const uint32_t *pfx, const unsigned *lens, size_t n,
		       size_t count, unsigned interval, unsigned window, bool quiet,
		       neto_err *err);
#define LAB_ISP_MEASURE_COUNT 16	/* defaults of --isp-measure and isp-measure */
#define LAB_ISP_MEASURE_INTERVAL 2
#define LAB_ISP_MEASURE_WINDOW 12

#endif
