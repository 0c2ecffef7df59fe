/*
 * lab_neto.c - neto itself on a lab that is up (`neto lab up --neto`): the
 * orchestrator's roles, a router agent per site and a management network
 * between them, all recorded in the lab's state file so that `down` stops
 * them (by PID) and removes the network.
 *
 * Layout (N = site index + 1):
 *   management namespace PREFIX "m": one veth pair per site, "s<N>" there
 *       (fd00:ff:N::2/64) and "mgmt" in the site (fd00:ff:N::1/64); IS-IS
 *       does not run on it, so it never carries data traffic
 *   PCE: the updating agent `pce` (driver pcep) inside the management
 *       namespace, listening on [::]:4189
 *   router agents: `neto router run --netns SITE` per site, PCC address
 *       fd00:ff:N::1, one class (colour, DSCP, table) per traffic class, the
 *       end point of every other site mapped to its site prefix; with
 *       --apply-delay SITE=D, that site's agent runs with --apply-delay D
 *       (recorded as "apply-delay NS D", shown by status)
 *   controller, scheduler, topology agent (`--file DIR/topology.json`, a
 *       copy of the lab's topology that `neto lab link` rewrites; with
 *       --topology-source bgpls, `--bgp` inside the management namespace,
 *       fed by a BGP-LS exporter in every site: bgpls_exporter),
 *       API: in the host's namespace (they only need the store), SQLite in
 *       DIR/neto.db
 *   SIDs the TE engine names (src/te/srv6.h): a node's End SID LOC:1:: is
 *       a local address of the site (the kernel's own SRH processing then
 *       does End while segments are left and decapsulates at the last one,
 *       which seg6local End does not); each link's End.X SID is a seg6local
 *       End.X route to the neighbour
 *
 * State records (appended after the lab's own): "ns NAME" for the
 * management namespace and "proc PID COMM ROLE" per process; lab_down
 * stops every proc (SIGTERM: the router agents remove their policies)
 * before deleting the namespaces.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lab/lab.h"
#include "lab/lab_exec.h"
#include "lab/netns.h"
#include "lib/file.h"
#include "lib/mem.h"
#include "store/store.h"
#include "te/srv6.h"
#include "topo/topo_io.h"

/* The classes of the controller's defaults (gold, silver, bronze) as the
 * lab marks them: DSCP, SR policy colour, routing table. Unmarked traffic
 * (DSCP 0) is not neto's and follows the IGP. */
#define LAB_NETO_N_ROLES 5

const lab_neto_class lab_neto_classes[LAB_NETO_N_CLASSES] = {
	{ "gold", 46, 10, 100 },
	{ "silver", 26, 20, 200 },
	{ "bronze", 10, 30, 300 },
};

static int sh(neto_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Runs a command line built from trusted parts (names and addresses the
 * plan computed); on failure, the line and its output go to *err. */
static int sh(neto_err *err, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	char full[1100];
	snprintf(full, sizeof full, "%s 2>&1", line);
	FILE *p = popen(full, "r");
	if (!p)
		return neto_err_set(err, "%s: %s", line, strerror(errno));
	char out[512];
	size_t n = fread(out, 1, sizeof out - 1, p);
	out[n] = '\0';
	int st = pclose(p);
	if (st != 0) {
		out[strcspn(out, "\n")] = '\0';
		return neto_err_set(err, "%s: %s", line, out);
	}
	return 0;
}

static void a6(const uint8_t a[16], char *out, size_t cap)
{
	inet_ntop(AF_INET6, a, out, (socklen_t)cap);
}

static int write_text(const char *path, const char *text, neto_err *err)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return neto_err_set(err, "%s: %s", path, strerror(errno));
	fputs(text, f);
	if (fclose(f) != 0)
		return neto_err_set(err, "%s: write failed", path);
	return 0;
}

/* The management network: a namespace and a veth pair per site. */
static int mgmt_net(FILE *st, const lab_plan *p, const char *mns, neto_err *err)
{
	char path[300];
	snprintf(path, sizeof path, "/run/netns/%s", mns);
	if (access(path, F_OK) == 0)
		return neto_err_set(err, "namespace %s exists and is not this lab's", mns);
	lab_rec(st, "ns %s", mns);
	if (sh(err, "ip netns add %s", mns) != 0 ||
	    sh(err, "ip netns exec %s sysctl -q -w net.ipv6.conf.all.accept_dad=0 "
		    "net.ipv6.conf.default.accept_dad=0", mns) != 0 ||
	    sh(err, "ip -n %s link set lo up", mns) != 0)
		return -1;
	for (uint32_t i = 0; i < p->n_sites; i++) {
		const char *ns = p->sites[i].ns;
		unsigned n = i + 1;
		/* multipath by ports: the flows of one demand spread over a
		 * policy's segment lists as its weights say */
		if (sh(err, "ip netns exec %s sysctl -q -w net.ipv6.fib_multipath_hash_policy=1",
		       ns) != 0 ||
		    sh(err, "ip -n %s link add mgmt type veth peer name s%u netns %s", ns, n, mns) != 0 ||
		    sh(err, "ip -n %s addr add fd00:ff:%x::1/64 dev mgmt nodad", ns, n) != 0 ||
		    sh(err, "ip -n %s addr add fd00:ff:%x::2/64 dev s%u nodad", mns, n, n) != 0 ||
		    sh(err, "ip -n %s link set mgmt up", ns) != 0 ||
		    sh(err, "ip -n %s link set s%u up", mns, n) != 0)
			return -1;
	}
	return 0;
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* With --topology-source bgpls the controller numbers End.X SIDs in the
 * order of the topology the BGP-LS database gives (src/te/srv6.h: the k-th
 * out-link of a node), and that topology names links SRC-DST:LOCAL_IPV4 and
 * sorts them by name (src/agent/bgpls_db.c), not in the file's order. This
 * builds that topology's skeleton (the sites' locators, which every
 * exporter announces, and the links in that order) into *b; ids[] gets
 * each plan direction's link id (edge k: 2k a->b, 2k+1 b->a). */
static int bgpls_order(const lab_plan *p, const topo *t, topo *b, char (*ids)[96],
		       neto_err *err)
{
	topo_init(b);
	const char **names = neto_calloc(p->n_sites ? p->n_sites : 1, sizeof *names);
	for (uint32_t i = 0; i < p->n_sites; i++)
		names[i] = p->sites[i].host;
	qsort(names, p->n_sites, sizeof *names, cmp_str);
	int rc = 0;
	for (uint32_t i = 0; i < p->n_sites && rc == 0; i++)
		if (topo_add_node(b, names[i], strlen(names[i]), err) == TOPO_NONE)
			rc = -1;
	free(names);
	for (uint32_t i = 0; i < p->n_sites && rc == 0; i++) {
		uint32_t v = topo_find_node(b, p->sites[i].host, strlen(p->sites[i].host));
		b->nodes[v].has_locator = true;
		memcpy(b->nodes[v].locator, p->sites[i].locator, 16);
		b->nodes[v].locator_len = p->sites[i].loc_len;
	}
	/* (id, direction index) pairs sorted by id: the id comes first, so
	 * cmp_str compares them */
	struct dir_id { const char *id; uint32_t k; } *sorted =
		neto_calloc(2 * (size_t)p->n_edges + 1, sizeof *sorted);
	size_t n = 0;
	for (uint32_t k = 0; k < p->n_edges; k++) {
		const lab_edge *e = &p->edges[k];
		ids[2 * k][0] = ids[2 * k + 1][0] = '\0';
		if (e->link_ab != TOPO_NONE) {
			snprintf(ids[2 * k], 96, "%s-%s:%u.%u.%u.%u", p->sites[e->a].host,
				 p->sites[e->b].host, e->v4_a[0], e->v4_a[1], e->v4_a[2], e->v4_a[3]);
			sorted[n++] = (struct dir_id){ ids[2 * k], 2 * k };
		}
		if (e->link_ba != TOPO_NONE) {
			snprintf(ids[2 * k + 1], 96, "%s-%s:%u.%u.%u.%u", p->sites[e->b].host,
				 p->sites[e->a].host, e->v4_b[0], e->v4_b[1], e->v4_b[2], e->v4_b[3]);
			sorted[n++] = (struct dir_id){ ids[2 * k + 1], 2 * k + 1 };
		}
	}
	qsort(sorted, n, sizeof *sorted, cmp_str);
	for (size_t j = 0; j < n && rc == 0; j++) {
		/* the source and destination sites, by the plan's direction */
		uint32_t k = sorted[j].k;
		const lab_edge *e = &p->edges[k / 2];
		uint32_t src = k % 2 ? e->b : e->a, dst = k % 2 ? e->a : e->b;
		uint32_t link = k % 2 ? e->link_ba : e->link_ab;
		uint32_t vs = topo_find_node(b, p->sites[src].host, strlen(p->sites[src].host));
		uint32_t vd = topo_find_node(b, p->sites[dst].host, strlen(p->sites[dst].host));
		if (topo_add_link(b, sorted[j].id, strlen(sorted[j].id), vs, vd,
				  t->links[link].capacity,
				  0, 1, err) == TOPO_NONE)
			rc = -1;
	}
	free(sorted);
	if (rc == 0)
		rc = topo_finish(b, err);
	return rc;
}

/* The SIDs neto's TE engine puts in segment lists (see the top). */
static int te_sids(const lab_plan *p, const topo *t, bool bgpls, neto_err *err)
{
	for (uint32_t i = 0; i < p->n_sites && i < t->n_nodes; i++) {
		uint8_t sid[16];
		char s[64];
		srv6_node_sid(t, i, sid);
		a6(sid, s, sizeof s);
		if (sh(err, "ip -n %s -6 addr add %s/128 dev lo", p->sites[i].ns, s) != 0)
			return -1;
	}
	topo b;
	char (*ids)[96] = neto_calloc(2 * (size_t)p->n_edges + 1, sizeof *ids);
	if (bgpls && bgpls_order(p, t, &b, ids, err) != 0) {
		topo_free(&b);
		free(ids);
		return -1;
	}
	int rc = 0;
	for (uint32_t k = 0; k < p->n_edges && rc == 0; k++) {
		const lab_edge *e = &p->edges[k];
		for (int dir = 0; dir < 2 && rc == 0; dir++) {
			uint32_t link = dir ? e->link_ba : e->link_ab;
			if (link == TOPO_NONE)
				continue;
			uint8_t sid[16];
			char s[64], nh[64];
			if (bgpls)
				srv6_adj_sid(&b, topo_find_link(&b, ids[2 * k + dir],
								strlen(ids[2 * k + dir])), sid);
			else
				srv6_adj_sid(t, link, sid);
			a6(sid, s, sizeof s);
			a6(dir ? e->addr_a : e->addr_b, nh, sizeof nh);
			if (sh(err, "ip -n %s -6 route replace %s/128 encap seg6local action End.X "
				    "nh6 %s dev %s", p->sites[dir ? e->b : e->a].ns, s, nh,
			       dir ? e->if_b : e->if_a) != 0)
				rc = -1;
		}
	}
	if (bgpls)
		topo_free(&b);
	free(ids);
	return rc;
}

/* Starts neto's roles (all, or those named in only[]) against the lab's
 * configuration; records each. */
static int start_roles(FILE *st, const char *dir, const char *topo_abs, const char *mns,
		       bool bgpls, bool only[], bool quiet, neto_err *err)
{
	char ini[PATH_MAX + 16], log[PATH_MAX + 64];
	snprintf(ini, sizeof ini, "%s/neto.ini", dir);
	/* roles that only need the store run here; the PCE in the management
	 * namespace */
	struct {
		const char *role, *ns;
		const char *argv[12];
	} roles[LAB_NETO_N_ROLES] = {
		{ "controller", NULL, { "neto", "controller", "--config", ini, NULL } },
		{ "scheduler", NULL, { "neto", "scheduler", "--config", ini, NULL } },
		{ "topology", NULL, { "neto", "agent", "topology", "topo", "--file", topo_abs,
				       "--config", ini, NULL } },
		{ "update", mns, { "neto", "agent", "update", "pce", "--config", ini, NULL } },
		{ "api", NULL, { "neto", "api", "--config", ini, NULL } },
	};
	/* from BGP-LS: the topology agent peers with the exporter over the
	 * management network, from inside it */
	const char *const topo_bgp[] = { "neto", "agent", "topology", "topo", "--bgp",
					 "--config", ini, NULL };
	if (bgpls) {
		roles[2].ns = mns;
		memcpy(roles[2].argv, topo_bgp, sizeof topo_bgp);
	}
	for (size_t r = 0; r < LAB_NETO_N_ROLES; r++) {
		if (only && !only[r])
			continue;
		snprintf(log, sizeof log, "%s/neto-%s.log", dir, roles[r].role);
		if (lab_spawn(st, roles[r].ns, log, NULL, roles[r].argv, roles[r].role, err) < 0)
			return -1;
		if (!quiet)
			printf(" %s", roles[r].role);
		fflush(stdout);
	}
	return 0;
}

/* The BGP-LS exporters: per site a router agent with no PCE, exporting
 * the site's FRR IS-IS TE database every LAB_BGPLS_PERIOD to the topology
 * agent over the management network (it listens on fd00:ff:N::1, the
 * agent connects), with the site's SRv6 locator and, as the link delays
 * (RFC 8571), the topology file's: the lab has no delay emulation, so a
 * router announces the delay the file gives its link as if it measured it.
 * Every exporter announces the whole area (IS-IS floods every LSP to every
 * router) and its own locator; the topology agent takes a link announced
 * over several sessions once (docs/bgp.md), and gives every node the
 * locator its own router announced. Files DIR/bgpls-NS.ini and .log. */
#define LAB_BGPLS_AS 65000
#define LAB_IPFIX_PORT 4739	/* the flow agent's collector, in the management namespace */
#define LAB_BGPLS_PERIOD "1s"
static int bgpls_exporter(FILE *st, const char *dir, const lab_plan *p, const topo *t, uint32_t i,
			  bool quiet, neto_err *err)
{
	const lab_site *s = &p->sites[i];
	char loc[64], ini[PATH_MAX + 64], log[PATH_MAX + 64], rid[24];
	a6(s->locator, loc, sizeof loc);
	/* the site's IS-IS TE router address (lab_run.c), which is also how the
	 * exporter finds its own vertex for the locator */
	snprintf(rid, sizeof rid, "10.255.%u.%u", (i + 1) >> 8, (i + 1) & 255);
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	fprintf(m, "; generated by neto lab up --neto --topology-source bgpls\n"
		   "[router]\nname = ls-%s\nte_source = frr:%s\nte_period = %s\n"
		   "locator = %s/%u\nigp_router_id = %s\n",
		s->host, s->ns, LAB_BGPLS_PERIOD, loc, s->loc_len, rid);
	/* every link's delay, keyed by its local IPv4 address (what the
	 * exporter names a link by when it has one): every exporter announces
	 * every link with the same attributes */
	for (uint32_t k = 0; k < p->n_edges; k++) {
		const lab_edge *e = &p->edges[k];
		if (e->link_ab != TOPO_NONE)
			fprintf(m, "delay = %u.%u.%u.%u %.0f\n", e->v4_a[0], e->v4_a[1], e->v4_a[2],
				e->v4_a[3], t->links[e->link_ab].delay);
		if (e->link_ba != TOPO_NONE)
			fprintf(m, "delay = %u.%u.%u.%u %.0f\n", e->v4_b[0], e->v4_b[1], e->v4_b[2],
				e->v4_b[3], t->links[e->link_ba].delay);
	}
	fprintf(m, "\n[bgp]\nlocal-as = %u\nrouter-id = %s\nlisten = fd00:ff:%x::1\n"
		   "hold-time = 9\n\n[peer topo]\naddress = fd00:ff:%x::2\nremote-as = %u\n"
		   "families = ls\npassive = yes\n", LAB_BGPLS_AS, rid, i + 1, i + 1, LAB_BGPLS_AS);
	fclose(m);
	snprintf(ini, sizeof ini, "%s/bgpls-%s.ini", dir, s->ns);
	snprintf(log, sizeof log, "%s/bgpls-%s.log", dir, s->ns);
	lab_rec(st, "file %s", ini);
	lab_rec(st, "file %s", log);
	unlink(log);
	int rc = write_text(ini, text, err);
	free(text);
	if (rc != 0)
		return -1;
	char role[64];
	snprintf(role, sizeof role, "bgpls:%s", s->ns);
	const char *const argv[] = { "neto", "router", "run", "--netns", s->ns, "--config", ini,
				     NULL };
	if (lab_spawn(st, NULL, log, NULL, argv, role, err) < 0)
		return -1;
	if (!quiet)
		printf(" %s", s->ns);
	return 0;
}

static const char *const role_names[LAB_NETO_N_ROLES] = { "controller", "scheduler", "topology",
							  "update", "api" };

/* The host side of site i (--ipfix): the host namespace PREFIXhN and the
 * addresses of the veth pair "host" (router) / "site" (host), X:0:1::1/80
 * and X:0:1::2/80 where X::/64 is the site prefix: inside the prefix the
 * other sites' policies steer to, more specific than the router's /64. */
static void host_addrs(const lab_plan *p, uint32_t i, char *hns, size_t hcap, char rtr[64],
		       char host[64])
{
	snprintf(hns, hcap, "%sh%u", p->prefix, i + 1);
	uint8_t a[16];
	memcpy(a, p->sites[i].site_prefix, 16);
	memset(a + 8, 0, 8);
	a[11] = 1;
	a[15] = 1;
	a6(a, rtr, 64);
	a[15] = 2;
	a6(a, host, 64);
}

/* --ipfix: per site a host namespace behind the router, softflowd on the
 * router's host-facing veth exporting IPFIX (short timeouts: a flow is
 * exported within 5 s) to the flow agent "ipfix" in the management
 * namespace, which writes the demand matrices to the store. The traffic
 * generator sends from the host namespaces when they exist (traffic.c), so
 * that its packets cross an ingress interface before SRv6 encapsulation. */
static int ipfix_up(FILE *st, const char *dir, const lab_plan *p, const char *mns, bool quiet,
		    neto_err *err)
{
	char log[PATH_MAX + 64], ctl[PATH_MAX + 64], pidf[PATH_MAX + 64], ini[PATH_MAX + 16];
	for (uint32_t i = 0; i < p->n_sites; i++) {
		const char *ns = p->sites[i].ns;
		char hns[48], rtr[64], host[64];
		host_addrs(p, i, hns, sizeof hns, rtr, host);
		snprintf(ctl, sizeof ctl, "/run/netns/%s", hns);
		if (access(ctl, F_OK) == 0)
			return neto_err_set(err, "namespace %s exists and is not this lab's", hns);
		lab_rec(st, "ns %s", hns);
		if (sh(err, "ip netns add %s", hns) != 0 || sh(err, "ip -n %s link set lo up", hns) != 0 ||
		    sh(err, "ip -n %s link add host type veth peer name site netns %s", ns, hns) != 0 ||
		    sh(err, "ip netns exec %s sysctl -q -w net.ipv6.conf.host.forwarding=1", ns) != 0 ||
		    sh(err, "ip -n %s addr add %s/80 dev host nodad", ns, rtr) != 0 ||
		    sh(err, "ip -n %s addr add %s/80 dev site nodad", hns, host) != 0 ||
		    sh(err, "ip -n %s link set host up", ns) != 0 ||
		    sh(err, "ip -n %s link set site up", hns) != 0 ||
		    sh(err, "ip -n %s -6 route add default via %s dev site", hns, rtr) != 0)
			return -1;
	}
	snprintf(ini, sizeof ini, "%s/neto.ini", dir);
	snprintf(log, sizeof log, "%s/neto-ipfix.log", dir);
	const char *const fargv[] = { "neto", "agent", "flow", "ipfix", "--config", ini, NULL };
	if (lab_spawn(st, mns, log, NULL, fargv, "ipfix", err) < 0)
		return -1;
	if (!quiet)
		printf("\nneto: IPFIX: flow agent ipfix, softflowd on");
	for (uint32_t i = 0; i < p->n_sites; i++) {
		const char *ns = p->sites[i].ns;
		char col[64];
		snprintf(col, sizeof col, "[fd00:ff:%x::2]:%u", i + 1, LAB_IPFIX_PORT);
		snprintf(log, sizeof log, "%s/softflowd-%s.log", dir, ns);
		snprintf(ctl, sizeof ctl, "%s/softflowd-%s.ctl", dir, ns);
		snprintf(pidf, sizeof pidf, "%s/softflowd-%s.pid", dir, ns);
		lab_rec(st, "file %s", log);
		lab_rec(st, "file %s", ctl);
		lab_rec(st, "file %s", pidf);
		unlink(log);
		const char *const argv[] = { "softflowd", "-d", "-i", "host", "-n", col, "-v", "10",
					     "-t", "maxlife=5", "-t", "general=5", "-c", ctl,
					     "-p", pidf, NULL };
		if (lab_spawn(st, ns, log, argv[0], argv, "softflowd", err) < 0)
			return -1;
		if (!quiet)
			printf(" %s", ns);
	}
	return 0;
}

int lab_apply_delay_site(const lab_plan *p, const char *arg)
{
	const char *eq = strchr(arg, '=');
	if (eq == NULL)
		return -1;
	size_t n = (size_t)(eq - arg);
	for (uint32_t i = 0; i < p->n_sites; i++)
		if ((strlen(p->sites[i].host) == n && strncmp(p->sites[i].host, arg, n) == 0) ||
		    (strlen(p->sites[i].ns) == n && strncmp(p->sites[i].ns, arg, n) == 0))
			return (int)i;
	return -1;
}

int lab_neto_up(const lab_opts *o, const lab_plan *p, neto_err *err)
{
	char path[PATH_MAX + 128], dir[PATH_MAX], topo_abs[PATH_MAX + 32];
	if (!realpath(o->dir, dir) || !realpath(o->topology, topo_abs))
		return neto_err_set(err, "%s: %s", o->dir, strerror(errno));
	topo t;
	if (lab_topo_load(o->topology, &t, err) != 0) {
		topo_free(&t);
		return -1;
	}
	snprintf(path, sizeof path, "%s/lab.state", dir);
	FILE *st = fopen(path, "a");
	if (!st) {
		topo_free(&t);
		return neto_err_set(err, "%s: %s", path, strerror(errno));
	}
	char mns[48];
	snprintf(mns, sizeof mns, "%sm", p->prefix);
	int rc = -1;
	char *text = NULL;
	size_t len = 0;
	FILE *m = NULL;
	/* --apply-delay SITE=D (lab_up checked the sites) */
	const char **delay = neto_calloc(p->n_sites, sizeof *delay);
	for (size_t k = 0; k < o->n_apply_delay; k++) {
		const char *arg = o->apply_delay[k];
		int i = lab_apply_delay_site(p, arg);
		if (i < 0) {
			neto_err_set(err, "--apply-delay %s: no such site", arg);
			goto out;
		}
		delay[i] = strchr(arg, '=') + 1;
	}
	if (!o->quiet)
		printf("neto: management network %s:", mns);
	fflush(stdout);
	if (mgmt_net(st, p, mns, err) != 0 || te_sids(p, &t, o->bgpls, err) != 0)
		goto out;
	for (uint32_t i = 0; i < p->n_sites; i++)
		lab_rec(st, "site %s %s", p->sites[i].ns, p->sites[i].host);
	/* a fresh store: an old one would claim policies these routers never
	 * held */
	static const char *const files[] = { "neto.db", "neto.db-wal", "neto.db-shm", "neto.ini",
					      "pcep.map", "neto-controller.log",
					      "neto-scheduler.log", "neto-topology.log",
					      "neto-update.log", "neto-api.log", "neto-ipfix.log",
					      "ipfix-prefixes.txt" };
	for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
		snprintf(path, sizeof path, "%s/%s", dir, files[k]);
		lab_rec(st, "file %s", path);
		unlink(path);
	}
	for (uint32_t i = 0; i < p->n_sites; i++) {
		snprintf(path, sizeof path, "%s/router-%s.log", dir, p->sites[i].ns);
		lab_rec(st, "file %s", path);
		unlink(path);
	}
	/* the topology agent follows a copy in DIR, which `neto lab link`
	 * rewrites when it takes a link down or up */
	snprintf(topo_abs, sizeof topo_abs, "%s/topology.json", dir);
	lab_rec(st, "file %s", topo_abs);
	FILE *tf = fopen(topo_abs, "w");
	if (!tf || topo_json_write(tf, &t) != 0 || fclose(tf) != 0) {
		neto_err_set(err, "%s: cannot write", topo_abs);
		goto out;
	}
	/* the configuration and the PCE's map of routers */
	m = open_memstream(&text, &len);
	for (uint32_t i = 0; i < p->n_sites; i++)
		fprintf(m, "router %s fd00:ff:%x::1\n", p->sites[i].host, i + 1);
	for (int c = 0; c < LAB_NETO_N_CLASSES; c++)
		fprintf(m, "color %s %u\n", lab_neto_classes[c].name, lab_neto_classes[c].color);
	fprintf(m, "dataplane srv6\n");
	fclose(m);
	m = NULL;
	snprintf(path, sizeof path, "%s/pcep.map", dir);
	rc = write_text(path, text, err);
	free(text);
	text = NULL;
	if (rc != 0)
		goto out;
	rc = -1;
	m = open_memstream(&text, &len);
	fprintf(m, "; generated by neto lab up --neto\n[store]\nuri = sqlite:%s/neto.db\n\n"
		   "[controller]\nperiod = %s\n\n[api]\nlisten = %s\n\n"
		   "[agent pce]\nrole = update\ndriver = pcep\npcep_listen = [::]:4189\n"
		   "pcep_map = %s/pcep.map\n\n[agent topo]\nrole = topology\n",
		dir, o->period ? o->period : "10s", o->api ? o->api : "127.0.0.1:8080", dir);
	if (o->bgpls) {
		fprintf(m, "\n; the topology agent's BGP-LS sessions, one with each site's "
			   "exporter (bgpls-SITE.ini); the exporters start beside it,\n; so a refused "
			   "first attempt is retried soon\n[bgp]\nlocal-as = %u\n"
			   "router-id = 10.255.255.254\nhold-time = 9\nconnect-retry = 2\n",
		LAB_BGPLS_AS);
		for (uint32_t i = 0; i < p->n_sites; i++)
			fprintf(m, "\n[peer ls%u]\naddress = fd00:ff:%x::1\nremote-as = %u\n"
				   "families = ls\n", i + 1, i + 1, LAB_BGPLS_AS);
	}
	if (o->ipfix) {
		/* the flow agent (ipfix_up): every router an exporter from its
		 * management address, the site prefixes, the lab's classes */
		fprintf(m, "\n; the demand from IPFIX (--ipfix)\n[agent ipfix]\nrole = flow\n"
			   "window = 5s\nsmoothing = none\nlisten = [::]:%u\nrcvbuf = 4194304\n"
			   "prefixes = %s/ipfix-prefixes.txt\nexporters = ", LAB_IPFIX_PORT, dir);
		for (uint32_t i = 0; i < p->n_sites; i++)
			fprintf(m, "%s%s", i ? ", " : "", p->sites[i].host);
		fprintf(m, "\nexporter_addrs = ");
		for (uint32_t i = 0; i < p->n_sites; i++)
			fprintf(m, "%s%s@fd00:ff:%x::1", i ? ", " : "", p->sites[i].host, i + 1);
		fprintf(m, "\ndscp_classes = ");
		for (int c = 0; c < LAB_NETO_N_CLASSES; c++)
			fprintf(m, "%s%u:%s", c ? ", " : "", lab_neto_classes[c].dscp,
				lab_neto_classes[c].name);
		fprintf(m, "\n");
		snprintf(path, sizeof path, "%s/ipfix-prefixes.txt", dir);
		FILE *pf = fopen(path, "w");
		if (!pf) {
			neto_err_set(err, "%s: %s", path, strerror(errno));
			goto out;
		}
		for (uint32_t i = 0; i < p->n_sites; i++) {
			char sp[64];
			a6(p->sites[i].site_prefix, sp, sizeof sp);
			fprintf(pf, "%s/64 %s\n", sp, p->sites[i].host);
		}
		if (fclose(pf) != 0) {
			neto_err_set(err, "%s: write failed", path);
			goto out;
		}
	}
	fclose(m);
	m = NULL;
	char ini[PATH_MAX + 16];
	snprintf(ini, sizeof ini, "%s/neto.ini", dir);
	if (write_text(ini, text, err) != 0)
		goto out;
	if (!o->quiet)
		printf(" %u sites\nneto: config %s", p->n_sites, ini);
	lab_rec(st, "neto %s %s", topo_abs, mns);
	if (o->bgpls) {
		/* the demand's conversion to the BGP-LS topology's kbps */
		lab_rec(st, "topology-source bgpls %.17g %.17g", p->unit_bps, p->scale);
		if (!o->quiet)
			printf("\nneto: BGP-LS exporters (DIR/bgpls-SITE.ini) in");
		for (uint32_t i = 0; i < p->n_sites; i++)
			if (bgpls_exporter(st, dir, p, &t, i, o->quiet, err) != 0)
				goto out;
	}
	if (!o->quiet)
		printf("\nneto: roles:");
	if (start_roles(st, dir, topo_abs, mns, o->bgpls, NULL, o->quiet, err) != 0)
		goto out;
	if (o->ipfix && ipfix_up(st, dir, p, mns, o->quiet, err) != 0)
		goto out;
	char log[PATH_MAX + 64];
	if (!o->quiet)
		printf("\nneto: router agents:");
	for (uint32_t i = 0; i < p->n_sites; i++) {
		const lab_site *s = &p->sites[i];
		const char *argv[16 + 2 * LAB_NETO_N_CLASSES + 2 * 256];
		size_t n = 0;
		char pce[64], addr[64], stmo[32];
		snprintf(pce, sizeof pce, "[fd00:ff:%x::2]:4189", i + 1);
		snprintf(addr, sizeof addr, "fd00:ff:%x::1", i + 1);
		snprintf(stmo, sizeof stmo, "%s", o->state_timeout ? o->state_timeout : "10s");
		argv[n++] = "neto";
		argv[n++] = "router";
		argv[n++] = "run";
		argv[n++] = "--netns";
		argv[n++] = s->ns;
		argv[n++] = "--name";
		argv[n++] = s->host;
		argv[n++] = "--pce";
		argv[n++] = pce;
		argv[n++] = "--address";
		argv[n++] = addr;
		argv[n++] = "--state-timeout";
		argv[n++] = stmo;
		argv[n++] = "--keepalive";
		argv[n++] = "5";
		if (delay[i]) {
			argv[n++] = "--apply-delay";
			argv[n++] = delay[i];
			lab_rec(st, "apply-delay %s %s", s->ns, delay[i]);
		}
		char cls[LAB_NETO_N_CLASSES][32];
		for (int c = 0; c < LAB_NETO_N_CLASSES; c++) {
			snprintf(cls[c], sizeof cls[c], "%u %u %u", lab_neto_classes[c].color,
				 lab_neto_classes[c].dscp, lab_neto_classes[c].table);
			argv[n++] = "--class";
			argv[n++] = cls[c];
		}
		char (*eps)[96] = neto_calloc(p->n_sites, sizeof *eps);
		for (uint32_t j = 0; j < p->n_sites && n < sizeof argv / sizeof argv[0] - 3; j++) {
			if (j == i)
				continue;
			char sp[64];
			a6(p->sites[j].site_prefix, sp, sizeof sp);
			snprintf(eps[j], sizeof eps[j], "fd00:ff:%x::1 %s/64", j + 1, sp);
			argv[n++] = "--endpoint";
			argv[n++] = eps[j];
		}
		argv[n] = NULL;
		snprintf(log, sizeof log, "%s/router-%s.log", dir, s->ns);
		char role[64];
		snprintf(role, sizeof role, "router:%s", s->ns);
		pid_t pid = lab_spawn(st, NULL, log, NULL, argv, role, err);
		free(eps);
		if (pid < 0)
			goto out;
		if (!o->quiet)
			printf(" %s", s->ns);
		fflush(stdout);
	}
	if (!o->quiet)
		printf("\nneto: store %s/neto.db, API http://%s, logs %s/*.log\n", dir,
		       o->api ? o->api : "127.0.0.1:8080", dir);
	rc = 0;
out:
	if (rc != 0 && !o->quiet)
		printf("\n");
	free(text);
	free(delay);
	fclose(st);
	topo_free(&t);
	return rc;
}

int lab_neto_status(const char *state_path)
{
	FILE *f = fopen(state_path, "r");
	if (!f)
		return 0;
	char line[600];
	struct { long pid; char comm[64], role[128]; } *procs = NULL;
	size_t n = 0;
	while (fgets(line, sizeof line, f)) {
		long pid;
		char comm[64], role[128];
		char ns[64], d[32];
		if (sscanf(line, "apply-delay %63s %31s", ns, d) == 2)
			printf("neto: router:%s applies the PCE's requests after %s "
			       "(--apply-delay)\n", ns, d);
		if (sscanf(line, "proc %ld %63s %127s", &pid, comm, role) != 3)
			continue;
		size_t i = 0;	/* a role started again replaces its record */
		while (i < n && strcmp(procs[i].role, role) != 0)
			i++;
		if (i == n)
			procs = neto_reallocarray(procs, ++n, sizeof *procs);
		procs[i].pid = pid;
		snprintf(procs[i].comm, sizeof procs[i].comm, "%s", comm);
		snprintf(procs[i].role, sizeof procs[i].role, "%s", role);
	}
	fclose(f);
	int alive = 0, dead = 0;
	if (n)
		printf("%-22s %-8s %s\n", "neto process", "pid", "state");
	for (size_t i = 0; i < n; i++) {
		bool up = lab_pid_is(procs[i].pid, procs[i].comm);
		up ? alive++ : dead++;
		printf("%-22s %-8ld %s\n", procs[i].role, procs[i].pid, up ? "running" : "DEAD");
	}
	if (n)
		printf("neto: %d processes running, %d dead\n", alive, dead);
	free(procs);
	return dead == 0 ? 0 : 1;
}

/* True when namespace ns holds a seg6 route in a class table. */
static bool holds_policies(const char *ns)
{
	for (int c = 0; c < LAB_NETO_N_CLASSES; c++) {
		char line[256];
		snprintf(line, sizeof line, "ip -n %s -6 route show table %u 2>/dev/null", ns,
			 lab_neto_classes[c].table);
		FILE *p = popen(line, "r");
		if (!p)
			return true;	/* cannot tell: keep the store's records */
		bool any = false;
		char buf[512];
		while (fgets(buf, sizeof buf, p))
			if (strstr(buf, "seg6"))
				any = true;
		pclose(p);
		if (any)
			return true;
	}
	return false;
}

/* The store's installed state against what the routers hold: a router
 * whose class tables are empty (its state timeout removed neto's policies
 * while neto was down) holds none of the policies the store lists for it.
 * The PCEP update agent records installed state only from its tasks'
 * outcomes, so without this a restarted controller would see nothing to
 * change. */
static int reconcile(const char *dir, char (*sites)[2][64], size_t n_sites, neto_err *err)
{
	char uri[PATH_MAX + 16];
	snprintf(uri, sizeof uri, "sqlite:%s/neto.db", dir);
	store *s;
	if (store_open(&s, uri, err) != 0)
		return -1;
	store_installed *in = NULL;
	size_t ni = 0;
	int rc = store_installed_list(s, &in, &ni, err);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	size_t cleared = 0;
	for (size_t k = 0; k < n_sites && rc == 0; k++) {
		if (holds_policies(sites[k][0]))
			continue;
		for (size_t i = 0; i < ni && rc == 0; i++)
			if (strcmp(in[i].router, sites[k][1]) == 0) {
				rc = store_installed_set(s, in[i].router, in[i].policy, NULL,
							 "lab: the router holds no neto policy", now,
							 err);
				cleared++;
			}
	}
	store_installed_free(in, ni);
	store_close(s);
	if (rc == 0)
		printf("neto: %zu installed policy record(s) cleared (routers holding none)\n",
		       cleared);
	return rc;
}

/* Starts again the roles whose last recorded process is not running (after
 * a crash, or `kill -9` in a test); the router agents are the routers' own
 * and are left alone. */
int lab_neto_respawn(const char *dir_arg, neto_err *err)
{
	char dir[PATH_MAX], path[PATH_MAX + 32], line[PATH_MAX + 128];
	if (!realpath(dir_arg, dir))
		return neto_err_set(err, "%s: %s", dir_arg, strerror(errno));
	snprintf(path, sizeof path, "%s/lab.state", dir);
	FILE *f = fopen(path, "r");
	if (!f)
		return neto_err_set(err, "%s: %s", path, strerror(errno));
	char topo_abs[PATH_MAX] = "", mns[64] = "";
	bool bgpls = false;
	long pids[LAB_NETO_N_ROLES] = { 0 };
	char (*sites)[2][64] = NULL;
	size_t n_sites = 0;
	while (fgets(line, sizeof line, f)) {
		long pid;
		char comm[64], role[128], a[64], b[64];
		if (sscanf(line, "neto %4095s %63s", topo_abs, mns) == 2)
			continue;
		if (strncmp(line, "topology-source bgpls ", 22) == 0) {
			bgpls = true;
			continue;
		}
		if (sscanf(line, "site %63s %63s", a, b) == 2) {
			sites = neto_reallocarray(sites, n_sites + 1, sizeof *sites);
			memcpy(sites[n_sites][0], a, sizeof a);
			memcpy(sites[n_sites++][1], b, sizeof b);
			continue;
		}
		if (sscanf(line, "proc %ld %63s %127s", &pid, comm, role) != 3)
			continue;
		for (int r = 0; r < LAB_NETO_N_ROLES; r++)
			if (strcmp(role, role_names[r]) == 0)
				pids[r] = pid;
	}
	fclose(f);
	if (!topo_abs[0]) {
		free(sites);
		return neto_err_set(err, "%s: no neto on this lab (up --neto)", path);
	}
	int rrc = reconcile(dir, sites, n_sites, err);
	free(sites);
	if (rrc != 0)
		return -1;
	bool only[LAB_NETO_N_ROLES];
	int n = 0;
	for (int r = 0; r < LAB_NETO_N_ROLES; r++) {
		only[r] = !lab_pid_is(pids[r], "neto");
		n += only[r];
	}
	FILE *st = fopen(path, "a");
	if (!st)
		return neto_err_set(err, "%s: %s", path, strerror(errno));
	printf("neto: starting %d role(s):", n);
	int rc = start_roles(st, dir, topo_abs, mns, bgpls, only, false, err);
	printf("\n");
	fclose(st);
	return rc;
}

/* ---- neto lab demand: a demand matrix into the lab's store ---------------- */

int lab_neto_demand(const char *dir, const char *file, neto_err *err)
{
	char uri[PATH_MAX + 16];
	snprintf(uri, sizeof uri, "sqlite:%s/neto.db", dir);
	char *body;
	size_t len;
	if (neto_file_read(file, &body, &len, err) != 0)
		return -1;
	/* with the topology from BGP-LS the store's capacities are the shaped
	 * rates in kbps: rates in the file's unit are converted the same way
	 * (rate x unit x scale / 1000) */
	char path[PATH_MAX + 32], line[PATH_MAX + 128];
	snprintf(path, sizeof path, "%s/lab.state", dir);
	double unit_bps = 0, scale = 0;
	FILE *f = fopen(path, "r");
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "topology-source bgpls %lf %lf", &unit_bps, &scale) == 2)
			break;
	if (f)
		fclose(f);
	if (unit_bps > 0 && scale > 0) {
		char *conv = NULL;
		size_t clen = 0;
		FILE *m = open_memstream(&conv, &clen);
		char *save = NULL;
		for (char *l = strtok_r(body, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			char *comma = strrchr(l, ',');
			char *end = NULL;
			double r = comma ? strtod(comma + 1, &end) : 0;
			if (!comma || end == comma + 1 || (*end && *end != '\r')) {
				fprintf(m, "%s\n", l);	/* the header, or left to the parser */
				continue;
			}
			fprintf(m, "%.*s,%.10g\n", (int)(comma - l), l, r * unit_bps * scale / 1000.0);
		}
		fclose(m);
		free(body);
		body = conv;
		len = clen;
		printf("rates converted to the BGP-LS topology's kbps (x %g)\n",
		       unit_bps * scale / 1000.0);
	}
	store *s;
	if (store_open(&s, uri, err) != 0) {
		free(body);
		return -1;
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, id = 0;
	int rc = store_demand_put(s, now, body, len, NULL, &id, err);
	store_close(s);
	free(body);
	if (rc == 0)
		printf("demand matrix %lld stored\n", (long long)id);
	return rc;
}

/* ---- neto lab link: a link failure (or repair) in the lab and in the
 * topology the topology agent follows -------------------------------------- */

int lab_neto_link(const char *dir_arg, const char *id, bool up, neto_err *err)
{
	char dir[PATH_MAX], path[PATH_MAX + 32], line[PATH_MAX + 128], prefix[64] = "";
	if (!realpath(dir_arg, dir))
		return neto_err_set(err, "%s: %s", dir_arg, strerror(errno));
	snprintf(path, sizeof path, "%s/lab.state", dir);
	FILE *f = fopen(path, "r");
	if (!f)
		return neto_err_set(err, "%s: %s", path, strerror(errno));
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "prefix %63s", prefix) == 1)
			break;
	fclose(f);
	snprintf(path, sizeof path, "%s/topology.json", dir);
	topo t;
	if (lab_topo_load(path, &t, err) != 0) {
		topo_free(&t);
		return -1;
	}
	lab_plan p;
	if (lab_plan_make(&p, &t, prefix, 1, err) != 0) {
		topo_free(&t);
		return -1;
	}
	int rc = -1;
	uint32_t k = 0;
	for (; k < p.n_edges; k++) {
		const lab_edge *e = &p.edges[k];
		if ((e->link_ab != TOPO_NONE && strcmp(t.links[e->link_ab].id, id) == 0) ||
		    (e->link_ba != TOPO_NONE && strcmp(t.links[e->link_ba].id, id) == 0))
			break;
	}
	if (k == p.n_edges) {
		neto_err_set(err, "no link '%s' in %s", id, path);
		goto out;
	}
	const lab_edge *e = &p.edges[k];
	/* the veth pair carries both directions: both go down (or up) */
	if (sh(err, "ip -n %s link set %s %s", p.sites[e->a].ns, e->if_a, up ? "up" : "down") != 0 ||
	    sh(err, "ip -n %s link set %s %s", p.sites[e->b].ns, e->if_b, up ? "up" : "down") != 0)
		goto out;
	if (e->link_ab != TOPO_NONE)
		t.links[e->link_ab].up = up;
	if (e->link_ba != TOPO_NONE)
		t.links[e->link_ba].up = up;
	char tmp[PATH_MAX + 48];
	snprintf(tmp, sizeof tmp, "%s/topology.json.new", dir);
	FILE *tf = fopen(tmp, "w");
	if (!tf || topo_json_write(tf, &t) != 0 || fclose(tf) != 0 || rename(tmp, path) != 0) {
		neto_err_set(err, "%s: cannot write", path);
		unlink(tmp);
		goto out;
	}
	printf("link %s:%s <-> %s:%s %s\n", p.sites[e->a].ns, e->if_a, p.sites[e->b].ns, e->if_b,
	       up ? "up" : "down");
	rc = 0;
out:
	lab_plan_free(&p);
	topo_free(&t);
	return rc;
}
