/*
 * lab_isp_run.c - carrying out the lab's ISPs (lab_isp.h) on a lab that is
 * up: ISP namespaces with BIRD 2 and their local prefixes, shaped peering
 * veths, FRR bgpd with BMP at the border sites, probe responders; the ISP
 * part of `neto lab status`; and `neto lab isp-traffic`.
 *
 * As in lab_run.c, every object is recorded in DIR/lab.state before it is
 * created, with the records `lab_down` already follows (ns, dir, pidfile,
 * pid, proc, file), so taking the lab down needs nothing new. Records of
 * our own, for status and traffic (lab_down skips them):
 *   site HOST NS                       every site of the plan
 *   isp NAME NS AS PREFIXES LATENCY    an ISP
 *   peering NAME ISP SITE-NS SITE BORDER-IF ISP-NS ISP-IF BORDER-ADDR
 *           ISP-ADDR RATE              a peering link (NAME = ISP-SITE)
 *   note TEXT                          something status should say
 * Files: DIR/isps.txt (the --isps file as read, so that isp-traffic
 * regenerates the same tables), DIR/peering.txt (the peering file for
 * neto), /var/run/frr/ISP-NS/ (BIRD's configuration, socket, pid file, log,
 * the local routes, the responder's log).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lab/lab_isp.h"
#include "lab/netns.h"
#include "lib/file.h"
#include "lib/mem.h"
#include "lab/lab_exec.h"
#include "pe/io.h"

#define FRR_BIN "/usr/lib/frr"

/* ---- commands (argument vectors, no shell parsing of names) --------------- */

static bool ns_exists(const char *name)
{
	char path[300];
	snprintf(path, sizeof path, "/run/netns/%s", name);
	return access(path, F_OK) == 0;
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

static pid_t read_pidfile(const char *path)
{
	for (int i = 0; i < 200; i++) {
		FILE *f = fopen(path, "r");
		if (f) {
			long pid = 0;
			int ok = fscanf(f, "%ld", &pid);
			fclose(f);
			if (ok == 1 && pid > 1 && kill((pid_t)pid, 0) == 0)
				return (pid_t)pid;
		}
		usleep(50000);
	}
	return -1;
}

/* As the lab's links (lab_run.c): htb at the rate, and with --buffer a
 * bfifo of buffer_ms at that rate (at least two full frames). */
static int shape(const char *ns, const char *dev, double bps, int64_t buffer_ms, neto_err *err)
{
	char rate[32];
	snprintf(rate, sizeof rate, "%.0fbit", bps);
	if (lab_exec(err, "tc", "-n", ns, "qdisc", "replace", "dev", dev, "root", "handle", "1:", "htb",
		"default", "1", (char *)NULL) != 0 ||
	    lab_exec(err, "tc", "-n", ns, "class", "replace", "dev", dev, "parent", "1:", "classid",
		"1:1", "htb", "rate", rate, "ceil", rate, (char *)NULL) != 0)
		return -1;
	if (buffer_ms <= 0)
		return 0;
	double bytes = bps / 8.0 * (double)buffer_ms / 1000.0;
	char limit[32];
	snprintf(limit, sizeof limit, "%.0f", bytes < 3028 ? 3028 : bytes);
	return lab_exec(err, "tc", "-n", ns, "qdisc", "replace", "dev", dev, "parent", "1:1", "handle",
		   "10:", "bfifo", "limit", limit, (char *)NULL);
}

/* ---- loading -------------------------------------------------------------------- */

static int load(const char *file, lab_isps *c, char **text, size_t *len, neto_err *err)
{
	memset(c, 0, sizeof *c);
	if (neto_file_read(file, text, len, err) != 0)
		return -1;
	if (lab_isps_parse(c, *text, *len, file, err) != 0) {
		free(*text);
		*text = NULL;
		return -1;
	}
	return 0;
}

int lab_isp_check(const lab_opts *o, const lab_plan *p, neto_err *err)
{
	lab_isps c;
	char *text = NULL;
	size_t len;
	if (load(o->isps, &c, &text, &len, err) != 0) {
		lab_isps_free(&c);
		return -1;
	}
	free(text);
	int rc = lab_isps_resolve(&c, p, err);
	lab_isps_free(&c);
	return rc;
}

/* ---- up ---------------------------------------------------------------------------- */

static double shaped(const lab_peering *pe, const lab_plan *p)
{
	double r = pe->capacity * p->scale;
	return r < LAB_MIN_RATE_BPS ? LAB_MIN_RATE_BPS : r;
}

/* The management network for BGP and BMP: IPv4 on each border site's veth
 * into PREFIX "m" (created here, border sites only, without --neto). */
static int mgmt(FILE *st, const lab_opts *o, const lab_plan *p, const bool *border,
		neto_err *err)
{
	char mns[32];
	snprintf(mns, sizeof mns, "%sm", p->prefix);
	if (!o->neto) {
		if (ns_exists(mns))
			return neto_err_set(err, "namespace %s exists and is not this lab's", mns);
		lab_rec(st, "ns %s", mns);
		if (lab_exec(err, "ip", "netns", "add", mns, (char *)NULL) != 0 ||
		    lab_exec(err, "ip", "-n", mns, "link", "set", "lo", "up", (char *)NULL) != 0)
			return -1;
	}
	for (uint32_t s = 0; s < p->n_sites; s++) {
		if (!border[s])
			continue;
		const char *ns = p->sites[s].ns;
		char peer[16], a1[32], a2[32];
		snprintf(peer, sizeof peer, "s%u", s + 1);
		snprintf(a1, sizeof a1, "10.254.%u.1/24", (s + 1) & 255);
		snprintf(a2, sizeof a2, "10.254.%u.2/24", (s + 1) & 255);
		if (!o->neto && lab_exec(err, "ip", "-n", ns, "link", "add", "mgmt", "type", "veth", "peer",
				    "name", peer, "netns", mns, (char *)NULL) != 0)
			return -1;
		if (lab_exec(err, "ip", "-n", ns, "addr", "add", a1, "dev", "mgmt", (char *)NULL) != 0 ||
		    lab_exec(err, "ip", "-n", mns, "addr", "add", a2, "dev", peer, (char *)NULL) != 0 ||
		    lab_exec(err, "ip", "-n", ns, "link", "set", "mgmt", "up", (char *)NULL) != 0 ||
		    lab_exec(err, "ip", "-n", mns, "link", "set", peer, "up", (char *)NULL) != 0)
			return -1;
	}
	return 0;
}

static void isp_ns(const lab_plan *p, uint32_t i, char *out, size_t n)
{
	snprintf(out, n, "%si%u", p->prefix, i + 1);
}

/* An ISP's namespace, its prefixes as local routes, BIRD's configuration. */
static int isp_build(FILE *st, const lab_isps *c, const lab_plan *p, uint32_t i,
		     const lab_isp_table *t, neto_err *err)
{
	char ns[32], dir[300], path[400];
	isp_ns(p, i, ns, sizeof ns);
	if (ns_exists(ns))
		return neto_err_set(err, "namespace %s exists and is not this lab's", ns);
	const lab_isp *isp = &c->isps[i];
	lab_rec(st, "isp %s %s %u %u %g", isp->name, ns, isp->as, isp->n_prefixes, isp->latency_ms);
	lab_rec(st, "ns %s", ns);
	if (lab_exec(err, "ip", "netns", "add", ns, (char *)NULL) != 0 ||
	    lab_exec(err, "ip", "-n", ns, "link", "set", "lo", "up", (char *)NULL) != 0)
		return -1;
	snprintf(dir, sizeof dir, "/var/run/frr/%s", ns);
	lab_rec(st, "dir %s", dir);
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return neto_err_set(err, "%s: %s", dir, strerror(errno));
	/* every address of every prefix is the ISP's own: traffic ends here */
	snprintf(path, sizeof path, "%s/local-routes", dir);
	FILE *f = fopen(path, "w");
	if (!f)
		return neto_err_set(err, "%s: %s", path, strerror(errno));
	for (size_t j = 0; j < t->n; j++) {
		uint32_t a = t->routes[j].addr;
		fprintf(f, "route add local %u.%u.%u.%u/%u dev lo\n", a >> 24, (a >> 16) & 255,
			(a >> 8) & 255, a & 255, t->routes[j].len);
	}
	if (fclose(f) != 0)
		return neto_err_set(err, "%s: write failed", path);
	if (lab_exec(err, "ip", "-n", ns, "-batch", path, (char *)NULL) != 0)
		return -1;
	char *conf = lab_isp_bird_conf(c, i, t, dir);
	snprintf(path, sizeof path, "%s/bird.conf", dir);
	int rc = write_text(path, conf, err);
	free(conf);
	return rc;
}

static int peering_build(FILE *st, const lab_isps *c, const lab_plan *p, uint32_t k,
			 neto_err *err)
{
	const lab_peering *pe = &c->peerings[k];
	const lab_site *s = &p->sites[pe->site_ix];
	char ins[32], bif[16], iif[16], ba[24], ia[24], ba24[32], ia24[32];
	isp_ns(p, pe->isp, ins, sizeof ins);
	snprintf(bif, sizeof bif, "isp%u", pe->isp + 1);
	snprintf(iif, sizeof iif, "b%u", pe->site_ix + 1);
	lab_peering_addr(k, false, ba, sizeof ba);
	lab_peering_addr(k, true, ia, sizeof ia);
	snprintf(ba24, sizeof ba24, "%s/24", ba);
	snprintf(ia24, sizeof ia24, "%s/24", ia);
	double rate = shaped(pe, p);
	lab_rec(st, "peering %s-%s %s %s %s %s %s %s %s %s %.0f", c->isps[pe->isp].name, s->host,
	    c->isps[pe->isp].name, s->ns, s->host, bif, ins, iif, ba, ia, rate);
	if (lab_exec(err, "ip", "-n", s->ns, "link", "add", bif, "type", "veth", "peer", "name", iif,
		"netns", ins, (char *)NULL) != 0 ||
	    lab_exec(err, "ip", "-n", s->ns, "addr", "add", ba24, "dev", bif, (char *)NULL) != 0 ||
	    lab_exec(err, "ip", "-n", ins, "addr", "add", ia24, "dev", iif, (char *)NULL) != 0 ||
	    shape(s->ns, bif, rate, p->buffer_ms, err) != 0 ||
	    shape(ins, iif, rate, p->buffer_ms, err) != 0 ||
	    lab_exec(err, "ip", "-n", s->ns, "link", "set", bif, "up", (char *)NULL) != 0 ||
	    lab_exec(err, "ip", "-n", ins, "link", "set", iif, "up", (char *)NULL) != 0)
		return -1;
	/* answers (probe replies) go back through the ISP's first peering */
	uint32_t first = 0;
	while (c->peerings[first].isp != pe->isp)
		first++;
	if (first == k && lab_exec(err, "ip", "-n", ins, "route", "add", "10.0.0.0/8", "via", ba,
			      (char *)NULL) != 0)
		return -1;
	return 0;
}

static int bird_start(FILE *st, const lab_plan *p, uint32_t i, neto_err *err)
{
	char ns[32], conf[300], ctl[300], pidf[300];
	isp_ns(p, i, ns, sizeof ns);
	snprintf(conf, sizeof conf, "/var/run/frr/%s/bird.conf", ns);
	snprintf(ctl, sizeof ctl, "/var/run/frr/%s/bird.ctl", ns);
	snprintf(pidf, sizeof pidf, "/var/run/frr/%s/bird.pid", ns);
	lab_rec(st, "pidfile %s bird", pidf);
	if (lab_exec(err, "ip", "netns", "exec", ns, "bird", "-c", conf, "-s", ctl, "-P", pidf,
		(char *)NULL) != 0)
		return -1;
	pid_t pid = read_pidfile(pidf);
	if (pid < 0)
		return neto_err_set(err, "%s: BIRD wrote no pid to %s", ns, pidf);
	lab_rec(st, "pid %ld bird", (long)pid);
	return 0;
}

static int bgpd_start(FILE *st, const lab_isps *c, const lab_plan *p, uint32_t s, neto_err *err)
{
	const lab_site *site = &p->sites[s];
	char pidf[300], conf[300], script[300];
	snprintf(pidf, sizeof pidf, "/var/run/frr/%s/bgpd.pid", site->ns);
	snprintf(conf, sizeof conf, "/etc/frr/%s/bgp.conf", site->ns);
	char *text = lab_isp_border_conf(c, p, s);
	int rc = write_text(conf, text, err);
	free(text);
	if (rc != 0)
		return -1;
	lab_rec(st, "pidfile %s bgpd", pidf);
	/* its own UTS namespace with the site's name: bgpd's BMP sysName, the
	 * ROUTER of the peering file */
	snprintf(script, sizeof script,
		 "hostname \"$1\" && exec " FRR_BIN "/bgpd -N \"$2\" -d -u frr -g frr -M bmp -i \"$3\"");
	if (lab_exec(err, "ip", "netns", "exec", site->ns, "unshare", "--uts", "sh", "-c", script, "sh",
		site->host, site->ns, pidf, (char *)NULL) != 0)
		return -1;
	pid_t pid = read_pidfile(pidf);
	if (pid < 0)
		return neto_err_set(err, "%s: bgpd wrote no pid to %s", site->ns, pidf);
	lab_rec(st, "pid %ld bgpd", (long)pid);
	/* bgpd takes a moment before vtysh reaches it */
	for (int i = 0; i < 50; i++) {
		neto_err e2;
		if (lab_exec(&e2, "vtysh", "-N", site->ns, "-c", "show bgp summary", (char *)NULL) == 0)
			break;
		usleep(100000);
	}
	return lab_exec(err, "vtysh", "-N", site->ns, "-f", conf, (char *)NULL);
}

static bool self_exe(char *out, size_t n)
{
	ssize_t len = readlink("/proc/self/exe", out, n - 1);
	if (len <= 0)
		return false;
	out[len] = '\0';
	return true;
}

/* `neto probe-responder --delay MS` in ISP i, recorded before it runs. */
static int responder_start(FILE *st, const lab_isps *c, const lab_plan *p, uint32_t i,
			   neto_err *err)
{
	char ns[32], log[300], delay[32], what[96];
	isp_ns(p, i, ns, sizeof ns);
	snprintf(log, sizeof log, "/var/run/frr/%s/responder.log", ns);
	snprintf(delay, sizeof delay, "%g", c->isps[i].latency_ms);
	snprintf(what, sizeof what, "responder-%s", c->isps[i].name);
	const char *argv[] = { "neto", "probe-responder", "--delay", delay, NULL };
	return lab_spawn(st, ns, log, NULL, argv, what, err) < 0 ? -1 : 0;
}

int lab_isp_up(const lab_opts *o, const lab_plan *p, neto_err *err)
{
	lab_isps c;
	char *text = NULL;
	size_t text_len;
	if (load(o->isps, &c, &text, &text_len, err) != 0 || lab_isps_resolve(&c, p, err) != 0) {
		free(text);
		lab_isps_free(&c);
		return -1;
	}
	lab_isp_table *tables = neto_calloc(c.n_isps, sizeof *tables);
	bool *border = neto_calloc(p->n_sites, sizeof *border);
	for (size_t k = 0; k < c.n_peerings; k++)
		border[c.peerings[k].site_ix] = true;
	char path[600], state[600];
	snprintf(state, sizeof state, "%s/lab.state", o->dir);
	FILE *st = fopen(state, "a");
	int rc = -1;
	if (!st) {
		neto_err_set(err, "%s: %s", state, strerror(errno));
		goto out;
	}
	if (lab_isps_generate(&c, tables, err) != 0)
		goto out;
	for (uint32_t s = 0; s < p->n_sites; s++)
		lab_rec(st, "site %s %s", p->sites[s].host, p->sites[s].ns);
	snprintf(path, sizeof path, "%s/isps.txt", o->dir);
	lab_rec(st, "file %s", path);
	if (write_text(path, text, err) != 0)
		goto out;
	if (!o->quiet)
		printf("ISPs (%zu, %zu peerings):", c.n_isps, c.n_peerings);
	fflush(stdout);
	/* IPv4 forwarding everywhere: traffic to ISPs crosses the WAN */
	for (uint32_t s = 0; s < p->n_sites; s++)
		if (lab_exec(err, "ip", "netns", "exec", p->sites[s].ns, "sysctl", "-q", "-w",
			"net.ipv4.ip_forward=1", (char *)NULL) != 0)
			goto out;
	if (mgmt(st, o, p, border, err) != 0)
		goto out;
	for (uint32_t i = 0; i < c.n_isps; i++)
		if (isp_build(st, &c, p, i, &tables[i], err) != 0)
			goto out;
	for (uint32_t k = 0; k < c.n_peerings; k++)
		if (peering_build(st, &c, p, k, err) != 0)
			goto out;
	for (uint32_t i = 0; i < c.n_isps; i++) {
		if (bird_start(st, p, i, err) != 0)
			goto out;
		if (!o->quiet)
			printf(" %s(AS %u, %u prefixes)", c.isps[i].name, c.isps[i].as,
			       c.isps[i].n_prefixes);
		fflush(stdout);
	}
	if (!o->quiet)
		printf("\nborder routers (bgpd, BMP to 10.254.N.2:%d):", LAB_ISP_BMP_PORT);
	for (uint32_t s = 0; s < p->n_sites; s++) {
		if (!border[s])
			continue;
		if (bgpd_start(st, &c, p, s, err) != 0)
			goto out;
		if (!o->quiet)
			printf(" %s", p->sites[s].host);
		fflush(stdout);
	}
	/* the probe responders, when this neto has them */
	char exe[512];
	char a0[512], a1[] = "probe-responder", a2[] = "--help";
	bool have = self_exe(exe, sizeof exe);
	if (have) {
		snprintf(a0, sizeof a0, "%s", exe);
		char *argv[] = { a0, a1, a2, NULL };
		have = lab_exec_argv(argv, NULL) == 0;
	}
	if (!have) {
		lab_rec(st, "note probe responders not started: `neto probe-responder --help` "
			"failed (this neto has no responder); ISP latency is not emulated");
	} else {
		for (uint32_t i = 0; i < c.n_isps; i++)
			if (responder_start(st, &c, p, i, err) != 0)
				goto out;
	}
	snprintf(path, sizeof path, "%s/peering.txt", o->dir);
	lab_rec(st, "file %s", path);
	char *pf = lab_isp_peering_file(&c, p);
	rc = write_text(path, pf, err);
	free(pf);
	if (rc == 0 && !o->quiet)
		printf("\npeering file for neto: %s\n", path);
	if (rc == 0 && o->isp_measure)
		rc = lab_isp_measure_up(o->dir, NULL, NULL, 0, LAB_ISP_MEASURE_COUNT,
					LAB_ISP_MEASURE_INTERVAL, LAB_ISP_MEASURE_WINDOW, o->quiet,
					err);
out:
	if (st)
		fclose(st);
	for (size_t i = 0; i < c.n_isps; i++)
		lab_isp_table_free(&tables[i]);
	free(tables);
	free(border);
	free(text);
	lab_isps_free(&c);
	return rc;
}

/* ---- status ------------------------------------------------------------------------ */

typedef struct st_peering {
	char name[64], isp[32], site_ns[64], site[64], bif[16], ins[64], iif[16], ba[24], ia[24];
	double rate;
} st_peering;

typedef struct st_isp {
	char name[32], ns[64];
	unsigned as, n_prefixes;
	double latency;
} st_isp;

typedef struct st_lab {
	st_isp *isps;
	size_t n_isps;
	st_peering *peer;
	size_t n_peer;
	char **sites;		/* "HOST NS" pairs */
	size_t n_sites;
	char **notes;
	size_t n_notes;
} st_lab;

static void st_free(st_lab *l)
{
	for (size_t i = 0; i < l->n_sites; i++)
		free(l->sites[i]);
	for (size_t i = 0; i < l->n_notes; i++)
		free(l->notes[i]);
	free(l->sites);
	free(l->notes);
	free(l->isps);
	free(l->peer);
	memset(l, 0, sizeof *l);
}

static int st_read(const char *path, st_lab *l)
{
	memset(l, 0, sizeof *l);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	char line[700];
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = '\0';
		st_isp i;
		st_peering pe;
		char h[64], n[64];
		if (sscanf(line, "isp %31s %63s %u %u %lf", i.name, i.ns, &i.as, &i.n_prefixes,
			   &i.latency) == 5) {
			l->isps = neto_reallocarray(l->isps, l->n_isps + 1, sizeof *l->isps);
			l->isps[l->n_isps++] = i;
		} else if (sscanf(line, "peering %63s %31s %63s %63s %15s %63s %15s %23s %23s %lf",
				  pe.name, pe.isp, pe.site_ns, pe.site, pe.bif, pe.ins, pe.iif, pe.ba,
				  pe.ia, &pe.rate) == 10) {
			l->peer = neto_reallocarray(l->peer, l->n_peer + 1, sizeof *l->peer);
			l->peer[l->n_peer++] = pe;
		} else if (sscanf(line, "site %63s %63s", h, n) == 2) {
			l->sites = neto_reallocarray(l->sites, l->n_sites + 2, sizeof *l->sites);
			l->sites[l->n_sites++] = neto_strdup(h);
			l->sites[l->n_sites++] = neto_strdup(n);
		} else if (strncmp(line, "note ", 5) == 0) {
			l->notes = neto_reallocarray(l->notes, l->n_notes + 1, sizeof *l->notes);
			l->notes[l->n_notes++] = neto_strdup(line + 5);
		}
	}
	fclose(f);
	return 0;
}

/* Octets sent (tx) or received by dev in ns; -1 when unknown. */
static double if_bytes(const char *ns, const char *dev, bool tx)
{
	char a0[] = "ip", a1[] = "-n", a3[] = "-j", a4[] = "-s", a5[] = "link", a6[] = "show",
	     a7[] = "dev";
	char nsb[64], devb[16];
	snprintf(nsb, sizeof nsb, "%s", ns);
	snprintf(devb, sizeof devb, "%s", dev);
	char *argv[] = { a0, a1, nsb, a3, a4, a5, a6, a7, devb, NULL };
	char *out = NULL;
	double v = -1;
	if (lab_exec_argv(argv, &out) == 0) {
		json_error_t je;
		json_t *doc = json_loads(out, 0, &je);
		json_t *b = json_object_get(
			json_object_get(json_object_get(json_array_get(doc, 0), "stats64"),
					tx ? "tx" : "rx"),
			"bytes");
		if (json_is_integer(b))
			v = (double)json_integer_value(b);
		json_decref(doc);
	}
	free(out);
	return v;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* bgpd's view of its neighbours: `show bgp ipv4 unicast summary json`. */
static json_t *bgp_summary(const char *ns)
{
	char a0[] = "vtysh", a1[] = "-N", a3[] = "-c", a4[] = "show bgp ipv4 unicast summary json";
	char nsb[64];
	snprintf(nsb, sizeof nsb, "%s", ns);
	char *argv[] = { a0, a1, nsb, a3, a4, NULL };
	char *out = NULL;
	json_t *doc = NULL;
	if (lab_exec_argv(argv, &out) == 0) {
		json_error_t je;
		doc = json_loads(out, 0, &je);
	}
	free(out);
	return doc;
}

int lab_isp_status(const char *state_path)
{
	st_lab l;
	if (st_read(state_path, &l) != 0 || l.n_isps == 0) {
		st_free(&l);
		return 0;
	}
	int bad = 0;
	printf("%-10s %-10s %-7s %-9s %-16s %-12s %-9s %-12s %-12s %s\n", "isp", "namespace", "as",
	       "announced", "peering", "state", "received", "shaped", "out bit/s", "in bit/s");
	double *tx0 = neto_calloc(l.n_peer + 1, sizeof *tx0), *rx0 = neto_calloc(l.n_peer + 1,
										     sizeof *rx0);
	double t0 = now_s();
	for (size_t k = 0; k < l.n_peer; k++) {
		tx0[k] = if_bytes(l.peer[k].site_ns, l.peer[k].bif, true);
		rx0[k] = if_bytes(l.peer[k].site_ns, l.peer[k].bif, false);
	}
	sleep(1);
	double dt = now_s() - t0;
	for (size_t i = 0; i < l.n_isps; i++) {
		const st_isp *isp = &l.isps[i];
		for (size_t k = 0; k < l.n_peer; k++) {
			const st_peering *pe = &l.peer[k];
			if (strcmp(pe->isp, isp->name) != 0)
				continue;
			json_t *sum = bgp_summary(pe->site_ns);
			json_t *nb = json_object_get(json_object_get(sum, "peers"), pe->ia);
			const char *state = json_string_value(json_object_get(nb, "state"));
			json_int_t rcvd = json_integer_value(json_object_get(nb, "pfxRcd"));
			char rc[24] = "-";
			if (state && strcmp(state, "Established") == 0)
				snprintf(rc, sizeof rc, "%lld", (long long)rcvd);
			else
				bad++;
			double tx = if_bytes(pe->site_ns, pe->bif, true),
			       rx = if_bytes(pe->site_ns, pe->bif, false);
			char out_r[24] = "-", in_r[24] = "-";
			if (tx >= 0 && tx0[k] >= 0)
				snprintf(out_r, sizeof out_r, "%.0f", (tx - tx0[k]) * 8 / dt);
			if (rx >= 0 && rx0[k] >= 0)
				snprintf(in_r, sizeof in_r, "%.0f", (rx - rx0[k]) * 8 / dt);
			printf("%-10s %-10s %-7u %-9u %-16s %-12s %-9s %-12.0f %-12s %s\n", isp->name,
			       isp->ns, isp->as, isp->n_prefixes, pe->name, state ? state : "no-bgpd",
			       rc, pe->rate, out_r, in_r);
			json_decref(sum);
		}
	}
	for (size_t i = 0; i < l.n_notes; i++)
		printf("note: %s\n", l.notes[i]);
	printf("isps: %zu, peerings: %zu, sessions not established: %d\n", l.n_isps, l.n_peer,
	       bad);
	free(tx0);
	free(rx0);
	st_free(&l);
	return bad ? 1 : 0;
}

/* ---- isp-traffic ------------------------------------------------------------------------ */

static const char traffic_usage[] =
	"usage: neto lab isp-traffic --dir DIR --from SITE (--isp NAME [--count N] | --to PFX...)\n"
	"                [--rate BPS] [--seconds S] [--size OCTETS] [--dscp D]\n"
	"  UDP (port 9) from SITE's namespace to the first host address of each\n"
	"  prefix in turn, at BPS (default 1M) for S seconds (default 2); then the\n"
	"  octets each peering link carried out of the WAN meanwhile (veth counters)\n"
	"  --isp NAME   the first N (default 50) prefixes ISP NAME announces\n"
	"  --to PFX     a prefix (A.B.C.D/LEN), repeatable\n"
	"  --dscp D     mark the packets with DSCP D (0..63, default 0)\n";

static int parse_v4_prefix(const char *s, uint32_t *addr)
{
	unsigned a, b, c, d, len;
	char tail;
	if (sscanf(s, "%u.%u.%u.%u/%u%c", &a, &b, &c, &d, &len, &tail) != 5 || a > 255 ||
	    b > 255 || c > 255 || d > 255 || len > 32)
		return -1;
	*addr = (a << 24) | (b << 16) | (c << 8) | d;
	return 0;
}

/* The child: sends and exits; prints what it sent. */
static int send_udp(const char *ns, const uint32_t *dst, size_t n, double bps, double secs,
		    size_t size, unsigned dscp)
{
	neto_err e;
	if (lab_enter_netns(ns, &e) != 0) {
		fprintf(stderr, "neto lab isp-traffic: %s\n", e.msg);
		return 1;
	}
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	int tos = (int)(dscp << 2);	/* DSCP in the upper six bits of the TOS octet */
	if (tos && setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof tos) != 0) {
		perror("IP_TOS");
		close(fd);
		return 1;
	}
	uint8_t *buf = neto_calloc(size, 1);
	double interval = (double)size * 8 / bps, start = now_s(), next = start;
	uint64_t sent = 0, bytes = 0, failed = 0;
	size_t i = 0;
	while (now_s() - start < secs) {
		double t = now_s();
		if (t < next) {
			double w = next - t;
			struct timespec ts = { (time_t)w, (long)((w - floor(w)) * 1e9) };
			nanosleep(&ts, NULL);
			continue;
		}
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(9),
					  .sin_addr.s_addr = htonl(dst[i] + 1) };
		i = (i + 1) % n;
		if (sendto(fd, buf, size, 0, (struct sockaddr *)&sa, sizeof sa) == (ssize_t)size) {
			sent++;
			bytes += size;
		} else {
			failed++;
		}
		next += interval;
	}
	close(fd);
	free(buf);
	printf("sent %llu packets %llu octets (payload) to %zu prefixes in %.2f s, %llu failed\n",
	       (unsigned long long)sent, (unsigned long long)bytes, n, now_s() - start,
	       (unsigned long long)failed);
	fflush(stdout);
	return 0;
}

int lab_isp_traffic_cmd(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "from", required_argument, NULL, 'f' },
		{ "isp", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'c' },
		{ "to", required_argument, NULL, 't' },
		{ "rate", required_argument, NULL, 'r' },
		{ "seconds", required_argument, NULL, 's' },
		{ "size", required_argument, NULL, 'z' },
		{ "dscp", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = ".", *from = NULL, *isp = NULL;
	uint32_t *dst = NULL;
	size_t n_dst = 0;
	unsigned long count = 50, size = 1000, dscp = 0;
	double bps = 1e6, secs = 2;
	optind = 1;
	int ch, rc = 2;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		char *end = NULL;
		switch (ch) {
		case 'd': dir = optarg; break;
		case 'f': from = optarg; break;
		case 'i': isp = optarg; break;
		case 'c': count = strtoul(optarg, &end, 10); break;
		case 's': secs = strtod(optarg, &end); break;
		case 'z': size = strtoul(optarg, &end, 10); break;
		case 'D': dscp = strtoul(optarg, &end, 10); break;
		case 'r':
			if (!pe_parse_rate(optarg, strlen(optarg), &bps))
				end = optarg;
			break;
		case 't': {
			uint32_t a;
			if (parse_v4_prefix(optarg, &a) != 0) {
				fprintf(stderr, "neto lab isp-traffic: --to %s: not A.B.C.D/LEN\n",
					optarg);
				goto out;
			}
			dst = neto_reallocarray(dst, n_dst + 1, sizeof *dst);
			dst[n_dst++] = a;
			break;
		}
		case 'h': fputs(traffic_usage, stdout); rc = 0; goto out;
		default: fputs(traffic_usage, stderr); goto out;
		}
		if (end && *end) {
			fprintf(stderr, "neto lab isp-traffic: bad number '%s'\n", optarg);
			goto out;
		}
	}
	if (!from || (!isp && n_dst == 0) || !(bps > 0) || !(secs > 0) || size < 1 ||
	    size > 65000 || count == 0 || dscp > 63) {
		fputs(traffic_usage, stderr);
		goto out;
	}
	char path[600];
	snprintf(path, sizeof path, "%s/lab.state", dir);
	st_lab l;
	if (st_read(path, &l) != 0) {
		fprintf(stderr, "neto lab isp-traffic: %s: %s\n", path, strerror(errno));
		rc = 1;
		goto out;
	}
	const char *ns = NULL;
	for (size_t i = 0; i + 1 < l.n_sites; i += 2)
		if (strcmp(l.sites[i], from) == 0)
			ns = l.sites[i + 1];
	rc = 1;
	if (!ns) {
		fprintf(stderr, "neto lab isp-traffic: no site %s in the lab's ISPs\n", from);
		goto done;
	}
	if (isp) {
		snprintf(path, sizeof path, "%s/isps.txt", dir);
		lab_isps c;
		char *text = NULL;
		size_t len;
		neto_err err;
		if (load(path, &c, &text, &len, &err) != 0) {
			fprintf(stderr, "neto lab isp-traffic: %s\n", err.msg);
			lab_isps_free(&c);
			goto done;
		}
		free(text);
		size_t ix = 0;
		while (ix < c.n_isps && strcmp(c.isps[ix].name, isp) != 0)
			ix++;
		lab_isp_table *t = neto_calloc(c.n_isps, sizeof *t);
		if (ix == c.n_isps) {
			fprintf(stderr, "neto lab isp-traffic: no ISP %s\n", isp);
		} else if (lab_isps_generate(&c, t, &err) != 0) {
			fprintf(stderr, "neto lab isp-traffic: %s\n", err.msg);
		} else {
			for (size_t j = 0; j < t[ix].n && j < count; j++) {
				dst = neto_reallocarray(dst, n_dst + 1, sizeof *dst);
				dst[n_dst++] = t[ix].routes[j].addr;
			}
		}
		for (size_t i = 0; i < c.n_isps; i++)
			lab_isp_table_free(&t[i]);
		free(t);
		lab_isps_free(&c);
		if (n_dst == 0)
			goto done;
	}
	double *tx0 = neto_calloc(l.n_peer + 1, sizeof *tx0);
	for (size_t k = 0; k < l.n_peer; k++)
		tx0[k] = if_bytes(l.peer[k].site_ns, l.peer[k].bif, true);
	double t0 = now_s();
	fflush(stdout);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		/* the sender stops with this command (killed or not): left on its
		 * own it would go on sending for the rest of --seconds */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		_exit(send_udp(ns, dst, n_dst, bps, secs, size, (unsigned)dscp));
	}
	int st = 1;
	if (pid > 0)
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	usleep(300000);	/* the shaper's queue drains */
	double dt = now_s() - t0;
	for (size_t k = 0; k < l.n_peer; k++) {
		double tx = if_bytes(l.peer[k].site_ns, l.peer[k].bif, true);
		double d = tx >= 0 && tx0[k] >= 0 ? tx - tx0[k] : -1;
		printf("link %s tx %.0f octets %.0f bit/s\n", l.peer[k].name, d,
		       d >= 0 ? d * 8 / dt : -1);
	}
	free(tx0);
	rc = pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
done:
	st_free(&l);
out:
	free(dst);
	return rc;
}
