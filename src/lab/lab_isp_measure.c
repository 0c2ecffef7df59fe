/*
 * lab_isp_measure.c - `neto lab isp-measure`: the peering role's measured
 * inputs on a lab that is up with --isps (lab_isp_run.c):
 *
 *   traffic  per peering K (border site S, interface ispI), softflowd on
 *            that interface exports IPFIX to a flow agent "pe-ISP-S" in the
 *            management namespace (listening on 10.254.N.2 port
 *            LAB_PE_FLOW_PORT + K), which writes kv "pe-traffic" with
 *            pe_traffic = yes. The interface toward an ISP carries exactly
 *            the traffic that leaves the WAN by that peering, so no packet
 *            is counted twice. softflowd 1.1 exports a steady flow in chunks
 *            of about 5.6 s whatever maxlife says, and the agent counts a
 *            record in the window its end falls in, so --window (12 s)
 *            holds two or three chunks: the rates read 0.93 to 1.4 times
 *            the true one. Probes (UDP 7788) are filtered out.
 *   latency  per border site, `neto router run` with only the prober:
 *            targets DIR/probe-targets.txt (one address per prefix, the
 *            prefix's first host, inside the ISP responders' local routes),
 *            egresses the ISP addresses of the site's peerings; it writes
 *            kv "pe-latency". Answers come back by the ISP's first peering,
 *            possibly at another border site, so every site's rp_filter is
 *            loose (2).
 *
 * Everything goes into DIR/lab.state first, as the rest of the lab does:
 * "proc PID neto ROLE" for neto's processes (roles pe-flow:NAME and
 * router:probe-SITE), "pid PID softflowd", "file PATH" for the generated
 * DIR/pe-flow.ini, DIR/probe-SITE.ini, DIR/probe-targets.txt and the logs;
 * `neto lab down` stops and removes them.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lab/lab.h"
#include "lab/lab_exec.h"
#include "lab/lab_isp.h"
#include "lab/netns.h"
#include "lib/mem.h"

#define LAB_PE_FLOW_PORT 4800	/* + peering K: flow agent K's collector */
#define MEASURE_SITES_MAX 64
#define MEASURE_PEERINGS_MAX LAB_ISP_PEERING_MAX
#define MEASURE_PFX_MAX 1024

typedef struct m_peering {
	char name[64], site_ns[64], site[64], bif[16], ia[24];
	uint32_t k;		/* the K of 10.250.K.0/24 */
	uint32_t site_ix;
} m_peering;

typedef struct m_lab {
	char prefix[32];
	char sites[MEASURE_SITES_MAX][2][64];	/* HOST, NS in plan order */
	size_t n_sites;
	char isp_ns[LAB_ISP_MAX][64];
	size_t n_isps;
	m_peering peer[MEASURE_PEERINGS_MAX];
	size_t n_peer;
} m_lab;

static int read_state(const char *path, m_lab *l, neto_err *err)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return neto_err_set(err, "%s: %s", path, strerror(errno));
	memset(l, 0, sizeof *l);
	char line[1024];
	while (fgets(line, sizeof line, f)) {
		char a[64], b[64], c[64], d[64], e[64], g[16], h[64], i[16], j[24], k[24];
		unsigned as, np;
		double lat, rate;
		if (sscanf(line, "prefix %31s", l->prefix) == 1)
			continue;
		if (sscanf(line, "site %63s %63s", a, b) == 2) {
			/* lab_isp_run.c writes "site HOST NS", lab_neto.c "site NS
			 * HOST", in plan order both: the namespace is the one that
			 * exists */
			char nsp[128];
			snprintf(nsp, sizeof nsp, "/run/netns/%s", a);
			const char *host = access(nsp, F_OK) == 0 ? b : a, *ns = host == a ? b : a;
			size_t s = 0;
			while (s < l->n_sites && strcmp(l->sites[s][0], host) != 0)
				s++;
			if (s == l->n_sites && s < MEASURE_SITES_MAX) {
				snprintf(l->sites[s][0], 64, "%s", host);
				snprintf(l->sites[s][1], 64, "%s", ns);
				l->n_sites++;
			}
			continue;
		}
		if (sscanf(line, "isp %63s %63s %u %u %lf", a, b, &as, &np, &lat) == 5 &&
		    l->n_isps < LAB_ISP_MAX) {
			snprintf(l->isp_ns[l->n_isps++], 64, "%s", b);
			continue;
		}
		if (sscanf(line, "peering %63s %63s %63s %63s %15s %63s %15s %23s %23s %lf", a, b, c,
			   d, g, h, i, j, k, &rate) == 10 && l->n_peer < MEASURE_PEERINGS_MAX) {
			m_peering *p = &l->peer[l->n_peer];
			unsigned kk, x, y, z;
			if (sscanf(j, "%u.%u.%u.%u", &x, &y, &kk, &z) != 4)
				continue;
			snprintf(p->name, sizeof p->name, "%s", a);
			snprintf(p->site_ns, sizeof p->site_ns, "%s", c);
			snprintf(p->site, sizeof p->site, "%s", d);
			snprintf(p->bif, sizeof p->bif, "%s", g);
			snprintf(p->ia, sizeof p->ia, "%s", k);
			p->k = kk;
			l->n_peer++;
		}
		(void)e;
	}
	fclose(f);
	if (l->n_peer == 0 || l->prefix[0] == '\0')
		return neto_err_set(err, "%s: no ISPs in this lab (neto lab up --isps FILE)", path);
	for (size_t q = 0; q < l->n_peer; q++) {
		size_t s = 0;
		while (s < l->n_sites && strcmp(l->sites[s][0], l->peer[q].site) != 0)
			s++;
		if (s == l->n_sites)
			return neto_err_set(err, "%s: peering %s: unknown site %s", path,
					    l->peer[q].name, l->peer[q].site);
		l->peer[q].site_ix = (uint32_t)s;
	}
	return 0;
}

static int parse_v4_prefix(const char *s, uint32_t *addr, unsigned *len)
{
	unsigned a, b, c, d;
	char tail;
	if (sscanf(s, "%u.%u.%u.%u/%u%c", &a, &b, &c, &d, len, &tail) != 5 || a > 255 ||
	    b > 255 || c > 255 || d > 255 || *len > 30)
		return -1;
	*addr = (a << 24) | (b << 16) | (c << 8) | d;
	return 0;
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* Default targets: the first n /24s (by address) that two ISPs or more
 * make local, read back from each ISP's local-routes file. */
static size_t shared_24s(const m_lab *l, uint32_t *out, size_t n)
{
	uint32_t *all = NULL;
	size_t n_all = 0;
	for (size_t i = 0; i < l->n_isps; i++) {
		char path[300], line[128];
		snprintf(path, sizeof path, "/var/run/frr/%s/local-routes", l->isp_ns[i]);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof line, f)) {
			char pfx[64];
			uint32_t a;
			unsigned len;
			if (sscanf(line, "route add local %63s", pfx) == 1 &&
			    parse_v4_prefix(pfx, &a, &len) == 0 && len == 24) {
				all = neto_reallocarray(all, n_all + 1, sizeof *all);
				all[n_all++] = a;
			}
		}
		fclose(f);
	}
	qsort(all, n_all, sizeof *all, u32_cmp);
	size_t got = 0;
	for (size_t i = 0; i + 1 < n_all && got < n; i++) {
		if (all[i] != all[i + 1] || (got && out[got - 1] == all[i]))
			continue;
		out[got++] = all[i];
	}
	free(all);
	return got;
}

static const char measure_usage[] =
	"usage: neto lab isp-measure --dir DIR [--to PFX]... [--count N]\n"
	"                [--probe-interval S] [--window S] [--quiet]\n"
	"  On a lab up with --isps: the peering role's measured inputs.\n"
	"  Traffic: softflowd on every border interface toward an ISP, IPFIX to\n"
	"  a flow agent per peering (pe_traffic = yes) writing kv pe-traffic.\n"
	"  Latency: a prober per border site (neto router run) sending probes\n"
	"  out each of its ISPs to one address per prefix, writing kv pe-latency.\n"
	"  --to PFX            a prefix to probe (A.B.C.D/LEN), repeatable; default:\n"
	"                      the first N /24s two ISPs or more announce\n"
	"  --count N           N of the default (16)\n"
	"  --probe-interval S  seconds between probe rounds (2)\n"
	"  --window S          the flow agents' window in seconds (12: softflowd\n"
	"                      exports steady flows in chunks of about 5.6 s)\n"
	"  Files in DIR: probe-targets.txt, probe-SITE.ini, pe-flow.ini, logs;\n"
	"  `neto lab down` stops everything.\n";

static int write_probe_ini(const char *dir, const m_lab *l, uint32_t s, unsigned interval,
			   char *path, size_t n, neto_err *err)
{
	snprintf(path, n, "%s/probe-%s.ini", dir, l->sites[s][0]);
	FILE *f = fopen(path, "w");
	if (!f)
		return neto_err_set(err, "%s: %s", path, strerror(errno));
	fprintf(f, "; the prober of border site %s (neto lab isp-measure)\n[router]\nname = %s\n"
		   "probe_targets = %s/probe-targets.txt\nprobe_store = sqlite:%s/neto.db\n"
		   "probe_interval = %us\nprobe_count = 5\nprobe_spacing = 20ms\n"
		   "probe_timeout = 800ms\nprobe_egress =",
		l->sites[s][0], l->sites[s][0], dir, dir, interval);
	for (size_t q = 0; q < l->n_peer; q++)
		if (l->peer[q].site_ix == s)
			fprintf(f, " %s", l->peer[q].ia);
	fprintf(f, "\n");
	if (fclose(f) != 0)
		return neto_err_set(err, "%s: write failed", path);
	return 0;
}

static int write_flow_ini(const char *dir, const m_lab *l, unsigned window, neto_err *err)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/pe-flow-prefixes.txt", dir);
	FILE *f = fopen(path, "w");
	if (!f)
		return neto_err_set(err, "%s: %s", path, strerror(errno));
	/* each site's own IPv4 addresses: the sources of its traffic toward
	 * the ISPs (the kernel picks the outgoing interface's address), so
	 * that the flow agents name the site it entered the WAN at */
	for (size_t i = 0; i < l->n_sites; i++) {
		char w0[] = "ip", w1[] = "-n", w3[] = "-o", w4[] = "-4", w5[] = "addr",
		     w6[] = "show", ns[64];
		snprintf(ns, sizeof ns, "%s", l->sites[i][1]);
		char *argv[] = { w0, w1, ns, w3, w4, w5, w6, NULL };
		char *out = NULL;
		if (lab_exec_argv(argv, &out) == 0 && out != NULL)
			for (char *p = strstr(out, " inet "); p != NULL; p = strstr(p + 1, " inet ")) {
				char a[32];
				if (sscanf(p, " inet %31[0-9.]", a) == 1 && strncmp(a, "127.", 4) != 0)
					fprintf(f, "%s/32 %s\n", a, l->sites[i][0]);
			}
		free(out);
	}
	/* the rest of the WAN's own addresses: not toward an ISP */
	fprintf(f, "10.0.0.0/8 %s\nfd00::/8 %s\n", l->sites[0][0], l->sites[0][0]);
	if (fclose(f) != 0)
		return neto_err_set(err, "%s: write failed", path);
	snprintf(path, sizeof path, "%s/pe-flow.ini", dir);
	f = fopen(path, "w");
	if (!f)
		return neto_err_set(err, "%s: %s", path, strerror(errno));
	fprintf(f, "; traffic toward the ISPs (neto lab isp-measure): a flow agent per\n"
		   "; peering, fed by softflowd on the border router's interface to the ISP\n"
		   "[store]\nuri = sqlite:%s/neto.db\n", dir);
	for (size_t q = 0; q < l->n_peer; q++) {
		const m_peering *p = &l->peer[q];
		fprintf(f, "\n[agent pe-%s]\nrole = flow\nwindow = %us\nsmoothing = none\n"
			   "listen = 10.254.%u.2:%u\nrcvbuf = 1048576\nexporters = %s\n"
			   "exporter_addrs = %s@10.254.%u.1\nprefixes = %s/pe-flow-prefixes.txt\n"
			   "dscp_classes = ",
			p->name, window, (p->site_ix + 1) & 255, LAB_PE_FLOW_PORT + p->k, p->site,
			p->site, (p->site_ix + 1) & 255, dir);
		for (int c = 0; c < LAB_NETO_N_CLASSES; c++)
			fprintf(f, "%s%u:%s", c ? ", " : "", lab_neto_classes[c].dscp,
				lab_neto_classes[c].name);
		fprintf(f, "\npe_traffic = yes\n");
	}
	if (fclose(f) != 0)
		return neto_err_set(err, "%s: write failed", path);
	return 0;
}

int lab_isp_measure_up(const char *dir, const uint32_t *pfx, const unsigned *lens, size_t n_pfx,
		       size_t count,
		      unsigned interval, unsigned window, bool quiet, neto_err *err)
{
	char state[PATH_MAX], path[PATH_MAX], log[PATH_MAX], ctl[PATH_MAX], pidf[PATH_MAX];
	m_lab *l = neto_calloc(1, sizeof *l);
	uint32_t *def = NULL;
	FILE *st = NULL;
	int rc = -1;
	snprintf(state, sizeof state, "%s/lab.state", dir);
	if (read_state(state, l, err) != 0)
		goto out;
	if (n_pfx == 0) {
		def = neto_calloc(count, sizeof *def);
		n_pfx = shared_24s(l, def, count);
		pfx = def;
		lens = NULL;
		if (n_pfx == 0) {
			neto_err_set(err, "no /24 announced by two ISPs: give --to PFX");
			goto out;
		}
	}
	st = fopen(state, "a");
	if (!st) {
		neto_err_set(err, "%s: %s", state, strerror(errno));
		goto out;
	}
	/* the targets: the first host address of each prefix */
	snprintf(path, sizeof path, "%s/probe-targets.txt", dir);
	lab_rec(st, "file %s", path);
	FILE *f = fopen(path, "w");
	if (!f) {
		neto_err_set(err, "%s: %s", path, strerror(errno));
		goto out;
	}
	fprintf(f, "# PREFIX TARGET (neto lab isp-measure)\n");
	for (size_t i = 0; i < n_pfx; i++) {
		uint32_t a = pfx[i], t = a + 1;
		fprintf(f, "%u.%u.%u.%u/%u %u.%u.%u.%u\n", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
			a & 255, lens ? lens[i] : 24, t >> 24, (t >> 16) & 255, (t >> 8) & 255, t & 255);
	}
	if (fclose(f) != 0) {
		neto_err_set(err, "%s: write failed", path);
		goto out;
	}
	/* loose reverse-path filtering everywhere: an answer may enter the WAN
	 * at another border site than the probe left, and a site's route back
	 * to the target is BGP's choice, not the probe's egress */
	for (size_t s = 0; s < l->n_sites; s++)
		if (lab_exec(err, "ip", "netns", "exec", l->sites[s][1], "sysctl", "-q", "-w",
			"net.ipv4.conf.all.rp_filter=2", "net.ipv4.conf.default.rp_filter=2",
			(char *)NULL) != 0)
			goto out;
	char mns[48];
	snprintf(mns, sizeof mns, "%sm", l->prefix);
	snprintf(path, sizeof path, "%s/pe-flow.ini", dir);
	lab_rec(st, "file %s", path);
	snprintf(path, sizeof path, "%s/pe-flow-prefixes.txt", dir);
	lab_rec(st, "file %s", path);
	if (write_flow_ini(dir, l, window, err) != 0)
		goto out;
	if (!quiet)
		printf("traffic: flow agents");
	char ini[PATH_MAX];
	snprintf(ini, sizeof ini, "%s/pe-flow.ini", dir);
	for (size_t q = 0; q < l->n_peer; q++) {
		const m_peering *p = &l->peer[q];
		char name[80], role[96];
		snprintf(name, sizeof name, "pe-%s", p->name);
		snprintf(role, sizeof role, "pe-flow:%s", p->name);
		snprintf(log, sizeof log, "%s/neto-%s.log", dir, name);
		lab_rec(st, "file %s", log);
		const char *const argv[] = { "neto", "agent", "flow", name, "--config", ini, NULL };
		if (lab_spawn(st, mns, log, NULL, argv, role, err) < 0)
			goto out;
		if (!quiet)
			printf(" %s", name);
	}
	/* the agents listen before softflowd's first export */
	usleep(300000);
	if (!quiet)
		printf("\ntraffic: softflowd on");
	for (size_t q = 0; q < l->n_peer; q++) {
		const m_peering *p = &l->peer[q];
		char col[48];
		snprintf(col, sizeof col, "10.254.%u.2:%u", (p->site_ix + 1) & 255,
			 LAB_PE_FLOW_PORT + p->k);
		snprintf(log, sizeof log, "%s/softflowd-%s.log", dir, p->name);
		snprintf(ctl, sizeof ctl, "%s/softflowd-%s.ctl", dir, p->name);
		snprintf(pidf, sizeof pidf, "%s/softflowd-%s.pid", dir, p->name);
		lab_rec(st, "file %s", log);
		lab_rec(st, "file %s", ctl);
		lab_rec(st, "file %s", pidf);
		/* flows cut short (softflowd 1.1 hands them over about every
		 * 5.6 s of steady traffic all the same, so a flow record is a
		 * chunk of that length, counted in the window it ends in: the
		 * window must hold two chunks or more); the probes are not
		 * traffic */
		const char *const argv[] = { "softflowd", "-d", "-i", p->bif, "-n", col, "-v", "10",
					     "-t", "maxlife=2", "-t", "general=2", "-t", "expint=1",
					     "-c", ctl, "-p", pidf, "not udp port 7788", NULL };
		if (lab_spawn(st, p->site_ns, log, argv[0], argv, "softflowd", err) < 0)
			goto out;
		if (!quiet)
			printf(" %s:%s", p->site, p->bif);
	}
	if (!quiet)
		printf("\nlatency: probers (%zu prefixes, every %u s) at", n_pfx, interval);
	for (uint32_t s = 0; s < l->n_sites; s++) {
		bool border = false;
		for (size_t q = 0; q < l->n_peer; q++)
			border |= l->peer[q].site_ix == s;
		if (!border)
			continue;
		char pini[PATH_MAX], role[96];
		if (write_probe_ini(dir, l, s, interval, pini, sizeof pini, err) != 0)
			goto out;
		lab_rec(st, "file %s", pini);
		snprintf(role, sizeof role, "router:probe-%s", l->sites[s][0]);
		snprintf(log, sizeof log, "%s/probe-%s.log", dir, l->sites[s][0]);
		lab_rec(st, "file %s", log);
		const char *const argv[] = { "neto", "router", "run", "--netns", l->sites[s][1],
					     "--config", pini, NULL };
		if (lab_spawn(st, NULL, log, NULL, argv, role, err) < 0)
			goto out;
		if (!quiet)
			printf(" %s", l->sites[s][0]);
	}
	if (!quiet)
		printf("\n");
	rc = 0;
out:
	if (st)
		fclose(st);
	free(def);
	free(l);
	return rc;
}

int lab_isp_measure_cmd(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "to", required_argument, NULL, 't' },
		{ "count", required_argument, NULL, 'c' },
		{ "probe-interval", required_argument, NULL, 'p' },
		{ "window", required_argument, NULL, 'w' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = ".";
	uint32_t pfx[MEASURE_PFX_MAX];
	unsigned lens[MEASURE_PFX_MAX];
	size_t n_pfx = 0;
	unsigned long count = LAB_ISP_MEASURE_COUNT, interval = LAB_ISP_MEASURE_INTERVAL,
		      window = LAB_ISP_MEASURE_WINDOW;
	bool quiet = false;
	optind = 1;
	int ch;
	while ((ch = getopt_long(argc, argv, "hq", opts, NULL)) != -1) {
		char *end = NULL;
		switch (ch) {
		case 'd': dir = optarg; break;
		case 'q': quiet = true; break;
		case 'c': count = strtoul(optarg, &end, 10); break;
		case 'p': interval = strtoul(optarg, &end, 10); break;
		case 'w': window = strtoul(optarg, &end, 10); break;
		case 't': {
			unsigned len = 0;
			if (n_pfx == MEASURE_PFX_MAX || parse_v4_prefix(optarg, &pfx[n_pfx], &len) != 0) {
				fprintf(stderr, "neto lab isp-measure: --to %s: not A.B.C.D/LEN "
						"(at most %d)\n", optarg, MEASURE_PFX_MAX);
				return 2;
			}
			pfx[n_pfx] &= len ? ~0u << (32 - len) : 0;
			lens[n_pfx] = len;
			n_pfx++;
			break;
		}
		case 'h': fputs(measure_usage, stdout); return 0;
		default: fputs(measure_usage, stderr); return 2;
		}
		if (end && *end) {
			fprintf(stderr, "neto lab isp-measure: bad number '%s'\n%s", optarg,
				measure_usage);
			return 2;
		}
	}
	if (count < 1 || count > MEASURE_PFX_MAX || interval < 1 || interval > 3600 ||
	    window < 1 || window > 3600) {
		fprintf(stderr, "neto lab isp-measure: --count 1..%d, --probe-interval and "
				"--window 1..3600\n", MEASURE_PFX_MAX);
		return 2;
	}
	neto_err err;
	if (lab_isp_measure_up(dir, pfx, lens, n_pfx, count, (unsigned)interval, (unsigned)window, quiet,
		       &err) != 0) {
		fprintf(stderr, "neto lab isp-measure: %s\n", err.msg);
		return 1;
	}
	return 0;
}
