/*
 * lab_run.c - carrying out a lab plan (lab.h): namespaces, veths, shaping,
 * SIDs, FRR daemons; and taking it all down again.
 *
 * Everything `up` creates is first written to the state file DIR/lab.state
 * (flushed and synced line by line), then created: a crash at any moment
 * leaves a state file that names at least everything that exists, so
 * `down`, or the next `up`, removes exactly the lab and nothing else.
 * Records:
 *   prefix P            the lab's name prefix
 *   ns NAME             a network namespace
 *   dir PATH            a directory of FRR files (/etc/frr/NAME, /var/run/frr/NAME)
 *   pidfile PATH        a daemon's pid file, read when the daemon has started
 *   pid PID NAME        a daemon (its command name, checked before a signal so
 *                       that a recycled PID is never hit)
 *
 * Commands run through fork/exec with argument vectors (no shell parsing of
 * names), with their output kept for the error message when they fail.
 * Kernel SIDs are installed through src/router (rtnetlink) from a child that
 * enters the namespace.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <net/if.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cfg/cfg.h"
#include "lab/lab.h"
#include "lab/lab_isp.h"
#include "lab/netns.h"
#include "lib/file.h"
#include "lib/mem.h"
#include "lab/lab_exec.h"
#include "router/rt.h"
#include "topo/topo_io.h"

#define FRR_BIN "/usr/lib/frr"

/* ---- commands ------------------------------------------------------------- */

static void addr_str(const uint8_t a[16], unsigned len, char *out, size_t cap)
{
	char s[INET6_ADDRSTRLEN];
	inet_ntop(AF_INET6, a, s, sizeof s);
	snprintf(out, cap, "%s/%u", s, len);
}

/* ---- state file ------------------------------------------------------------ */

typedef struct lab_state {
	FILE *f;
	char path[512];
} lab_state;

static int state_open(lab_state *s, const char *dir, neto_err *err)
{
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return neto_err_set(err, "%s: %s", dir, strerror(errno));
	snprintf(s->path, sizeof s->path, "%s/lab.state", dir);
	s->f = fopen(s->path, "a");
	if (!s->f)
		return neto_err_set(err, "%s: %s", s->path, strerror(errno));
	return 0;
}

static void state_rec(lab_state *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void state_rec(lab_state *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(s->f, fmt, ap);
	va_end(ap);
	fputc('\n', s->f);
	fflush(s->f);
	fsync(fileno(s->f));
}

/* ---- progress ---------------------------------------------------------------- */

static bool quiet;

static void progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void progress(const char *fmt, ...)
{
	if (quiet)
		return;
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

/* ---- SIDs through rtnetlink in a child that enters the namespace ----------- */

static int install_sids(const lab_site *s, neto_err *err)
{
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) != 0)
		return neto_err_set(err, "pipe: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return neto_err_set(err, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		close(pfd[0]);
		neto_err e;
		e.msg[0] = '\0';
		int rc = -1;
		rt_nl *nl = NULL;
		/* not lo: Linux turns a route through the loopback device into a
		 * reject route (it would loop), seg6local or not */
		uint32_t lo;
		if (lab_enter_netns(s->ns, &e) == 0 && (lo = if_nametoindex("site0")) != 0 &&
		    (nl = rt_nl_open(&e)) != NULL &&
		    rt_nl_local_sid(nl, RT_OP_REPLACE, s->end_sid, RT_SID_END, 0, lo, &e) == 0 &&
		    rt_nl_local_sid(nl, RT_OP_REPLACE, s->dt6_sid, RT_SID_END_DT6, 254, lo, &e) == 0)
			rc = 0;
		rt_nl_close(nl);
		if (rc != 0 && write(pfd[1], e.msg, strlen(e.msg)) < 0)
			_exit(2);
		_exit(rc == 0 ? 0 : 1);
	}
	close(pfd[1]);
	char msg[512] = "";
	ssize_t n = read(pfd[0], msg, sizeof msg - 1);
	if (n > 0)
		msg[n] = '\0';
	close(pfd[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return neto_err_set(err, "%s: SIDs: %s", s->ns, msg[0] ? msg : "child failed");
	return 0;
}

/* ---- FRR -------------------------------------------------------------------- */

static int write_file(const char *path, const char *text, uid_t uid, gid_t gid, neto_err *err)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return neto_err_set(err, "%s: %s", path, strerror(errno));
	fputs(text, f);
	if (fclose(f) != 0)
		return neto_err_set(err, "%s: write failed", path);
	if (chown(path, uid, gid) != 0)
		return neto_err_set(err, "%s: chown: %s", path, strerror(errno));
	return 0;
}

static int make_dir(lab_state *st, const char *path, uid_t uid, gid_t gid, neto_err *err)
{
	state_rec(st, "dir %s", path);
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		return neto_err_set(err, "%s: %s", path, strerror(errno));
	if (chown(path, uid, gid) != 0)
		return neto_err_set(err, "%s: chown: %s", path, strerror(errno));
	return 0;
}

/* Reads a daemon's pid file, waiting up to 10 s for it. */
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

static int start_daemon(lab_state *st, const lab_site *s, const char *daemon, neto_err *err)
{
	char bin[128], pidfile[256], script[1024];
	snprintf(bin, sizeof bin, FRR_BIN "/%s", daemon);
	snprintf(pidfile, sizeof pidfile, "/var/run/frr/%s/%s.pid", s->ns, daemon);
	state_rec(st, "pidfile %s %s", pidfile, daemon);
	/* a UTS namespace per daemon, so that LSPs carry the site's host name */
	snprintf(script, sizeof script, "hostname \"$1\" && exec %s -N \"$2\" -d -u frr -g frr -i \"$3\"",
		 bin);
	if (lab_exec(err, "ip", "netns", "exec", s->ns, "unshare", "--uts", "sh", "-c", script, "sh",
		s->host, s->ns, pidfile, (char *)NULL) != 0)
		return -1;
	pid_t pid = read_pidfile(pidfile);
	if (pid < 0)
		return neto_err_set(err, "%s %s: no pid in %s", s->ns, daemon, pidfile);
	state_rec(st, "pid %ld %s", (long)pid, daemon);
	return 0;
}

/* Every link of site i in isisd's TE (`show isis mpls-te interface`). Now
 * and then isisd still drops the parameters zebra hands it although its
 * circuit exists; zebra sends them again only when they change, so a link
 * missing them gets `no enable` (zebra then withdraws them) and the file
 * te_conf again. A site still missing some after that is only reported:
 * the lab works without TE, only its BGP-LS topology would lack links. */
static int te_check(const lab_plan *p, uint32_t i, const char *te_conf, neto_err *err)
{
	const lab_site *s = &p->sites[i];
	for (int attempt = 0; attempt < 10; attempt++) {
		char a_vtysh[] = "vtysh", a_n[] = "-N", a_c[] = "-c",
		     a_cmd[] = "show isis mpls-te interface";
		char *argv[] = { a_vtysh, a_n, (char *)(uintptr_t)s->ns, a_c, a_cmd, NULL };
		char *out = NULL;
		if (lab_exec_argv(argv, &out) != 0) {
			free(out);
			return neto_err_set(err, "%s: vtysh show isis mpls-te interface failed", s->ns);
		}
		int missing = 0;
		for (uint32_t k = 0; k < p->n_edges; k++) {
			const lab_edge *e = &p->edges[k];
			if (e->a != i && e->b != i)
				continue;
			const char *ifn = e->a == i ? e->if_a : e->if_b;
			char needle[64];
			snprintf(needle, sizeof needle, "link parameters for %s --", ifn);
			if (strstr(out, needle))
				continue;
			missing++;
			char iface[48];
			snprintf(iface, sizeof iface, "interface %s", ifn);
			if (lab_exec(err, "vtysh", "-N", s->ns, "-c", "configure terminal", "-c", iface,
				"-c", "link-params", "-c", "no enable", (char *)NULL) != 0) {
				free(out);
				return -1;
			}
		}
		free(out);
		if (missing == 0)
			return 0;
		usleep(200 * 1000);
		if (lab_exec(err, "vtysh", "-N", s->ns, "-f", te_conf, (char *)NULL) != 0)
			return -1;
		usleep(100 * 1000);
	}
	fprintf(stderr, "neto lab up: %s: isisd lacks the TE parameters of some links "
			"(show isis mpls-te interface)\n", s->ns);
	return 0;
}

static int frr_site(lab_state *st, const lab_plan *p, uint32_t i, neto_err *err)
{
	const lab_site *s = &p->sites[i];
	struct passwd *pw = getpwnam("frr");
	struct group *gr = getgrnam("frr");
	if (!pw || !gr)
		return neto_err_set(err, "no user or group 'frr' (Debian package frr)");
	char etc[256], run_dir[256], path[300];
	snprintf(etc, sizeof etc, "/etc/frr/%s", s->ns);
	snprintf(run_dir, sizeof run_dir, "/var/run/frr/%s", s->ns);
	if (make_dir(st, etc, pw->pw_uid, gr->gr_gid, err) != 0 ||
	    make_dir(st, run_dir, pw->pw_uid, gr->gr_gid, err) != 0)
		return -1;
	char *conf = lab_frr_conf(p, i);
	snprintf(path, sizeof path, "%s/frr.conf", etc);
	int rc = write_file(path, conf, pw->pw_uid, gr->gr_gid, err);
	free(conf);
	snprintf(path, sizeof path, "%s/vtysh.conf", etc);
	if (rc != 0 || write_file(path, "service integrated-vtysh-config\n", pw->pw_uid,
				  gr->gr_gid, err) != 0)
		return -1;
	if (start_daemon(st, s, "zebra", err) != 0 || start_daemon(st, s, "isisd", err) != 0)
		return -1;
	/* vtysh -b loads frr.conf into every daemon of the instance */
	if (lab_exec(err, "vtysh", "-N", s->ns, "-b", (char *)NULL) != 0)
		return -1;
	/* a line a daemon refuses is only logged (vtysh still exits 0): check
	 * that isisd runs on every link of the site */
	char a_vtysh[] = "vtysh", a_n[] = "-N", a_c[] = "-c", a_cmd[] = "show isis interface";
	char *argv[] = { a_vtysh, a_n, (char *)(uintptr_t)s->ns, a_c, a_cmd, NULL };
	char *out = NULL;
	if (lab_exec_argv(argv, &out) != 0) {
		free(out);
		return neto_err_set(err, "%s: vtysh show isis interface failed", s->ns);
	}
	for (uint32_t k = 0; k < p->n_edges; k++) {
		const lab_edge *e = &p->edges[k];
		if (e->a != i && e->b != i)
			continue;
		char needle[24];
		snprintf(needle, sizeof needle, "  %s ", e->a == i ? e->if_a : e->if_b);
		if (!strstr(out, needle)) {
			free(out);
			return neto_err_set(err, "%s: isisd does not run on %s (see %s/frr.log)",
					    s->ns, e->a == i ? e->if_a : e->if_b, run_dir);
		}
	}
	free(out);
	/* now that isisd has its circuits: the TE link parameters */
	conf = lab_frr_te_conf(p, i);
	snprintf(path, sizeof path, "%s/te.conf", etc);
	rc = write_file(path, conf, pw->pw_uid, gr->gr_gid, err);
	free(conf);
	if (rc != 0 || lab_exec(err, "vtysh", "-N", s->ns, "-f", path, (char *)NULL) != 0)
		return -1;
	return te_check(p, i, path, err);
}

/* ---- up ---------------------------------------------------------------------- */

int lab_topo_load(const char *file, topo *t, neto_err *err)
{
	char *buf;
	size_t len;
	if (neto_file_read(file, &buf, &len, err) != 0)
		return -1;
	topo_init(t);
	topo_parse_opts popts = { .default_capacity = 0 };
	int rc = topo_parse(t, TOPO_FMT_AUTO, buf, len, file, &popts, err);
	free(buf);
	return rc;
}

static bool netns_exists(const char *name)
{
	char path[256];
	snprintf(path, sizeof path, "/run/netns/%s", name);
	return access(path, F_OK) == 0;
}

static int sysctls(const char *ns, neto_err *err)
{
	return lab_exec(err, "ip", "netns", "exec", ns, "sysctl", "-q", "-w",
		   "net.ipv6.conf.all.forwarding=1", "net.ipv6.conf.default.forwarding=1",
		   "net.ipv6.conf.all.seg6_enabled=1", "net.ipv6.conf.default.seg6_enabled=1",
		   "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0",
		   "net.ipv6.conf.all.keep_addr_on_down=1", (char *)NULL);
}

/* buffer_ms > 0: the class's queue a bfifo of that long at the rate (at
 * least two full frames), instead of the device's 1000 packets, which at
 * 10 Mbit/s hold about a second of traffic: a router's buffer is tens of
 * milliseconds, and an overload then drops packets instead of delaying
 * them. */
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

static int build(lab_state *st, const lab_plan *p, neto_err *err)
{
	char a[64];
	state_rec(st, "prefix %s", p->prefix);
	progress("namespaces:");
	for (uint32_t i = 0; i < p->n_sites; i++) {
		const lab_site *s = &p->sites[i];
		if (netns_exists(s->ns))
			return neto_err_set(err, "namespace %s exists and is not this lab's "
						 "(another lab with prefix %s?)", s->ns, p->prefix);
		state_rec(st, "ns %s", s->ns);
		if (lab_exec(err, "ip", "netns", "add", s->ns, (char *)NULL) != 0 || sysctls(s->ns, err) != 0 ||
		    lab_exec(err, "ip", "-n", s->ns, "link", "set", "lo", "up", (char *)NULL) != 0)
			return -1;
		addr_str(s->loc_addr, s->loc_len, a, sizeof a);
		/* the IPv4 router ID of IS-IS TE (mpls-te router-address) */
		char rid[32];
		snprintf(rid, sizeof rid, "10.255.%u.%u/32", (i + 1) >> 8, (i + 1) & 255);
		if (lab_exec(err, "ip", "-n", s->ns, "addr", "add", a, "dev", "lo", (char *)NULL) != 0 ||
		    lab_exec(err, "ip", "-n", s->ns, "addr", "add", rid, "dev", "lo", (char *)NULL) != 0)
			return -1;
		/* the site: a veth pair inside the namespace (see lab.h) */
		char sa[64], sp[64];
		addr_str(s->site_prefix, 64, sp, sizeof sp);
		memcpy(sa, sp, sizeof sa);
		uint8_t ff[16];
		memcpy(ff, s->site_prefix, 16);
		ff[15] = 0xff;
		addr_str(ff, 64, sa, sizeof sa);
		addr_str(s->site_addr, 64, sp, sizeof sp);
		if (lab_exec(err, "ip", "-n", s->ns, "link", "add", "site0", "type", "veth", "peer", "name",
			"site1", (char *)NULL) != 0 ||
		    lab_exec(err, "ip", "-n", s->ns, "addr", "add", sa, "dev", "site0", "nodad",
			(char *)NULL) != 0 ||
		    lab_exec(err, "ip", "-n", s->ns, "addr", "add", sp, "dev", "site1", "nodad",
			"noprefixroute", (char *)NULL) != 0 ||
		    lab_exec(err, "ip", "-n", s->ns, "link", "set", "site0", "up", (char *)NULL) != 0 ||
		    lab_exec(err, "ip", "-n", s->ns, "link", "set", "site1", "up", (char *)NULL) != 0)
			return -1;
		if (install_sids(s, err) != 0)
			return -1;
		progress(" %s", s->ns);
	}
	if (p->buffer_ms > 0)
		progress("\nlinks (scale %g, buffers of %lld ms):", p->scale,
			 (long long)p->buffer_ms);
	else
		progress("\nlinks (scale %g):", p->scale);
	for (uint32_t k = 0; k < p->n_edges; k++) {
		const lab_edge *e = &p->edges[k];
		const lab_site *sa = &p->sites[e->a], *sb = &p->sites[e->b];
		char aa[64], ab[64];
		addr_str(e->addr_a, 64, aa, sizeof aa);
		addr_str(e->addr_b, 64, ab, sizeof ab);
		char a4[24], b4[24];
		snprintf(a4, sizeof a4, "%u.%u.%u.%u/24", e->v4_a[0], e->v4_a[1], e->v4_a[2], e->v4_a[3]);
		snprintf(b4, sizeof b4, "%u.%u.%u.%u/24", e->v4_b[0], e->v4_b[1], e->v4_b[2], e->v4_b[3]);
		if (lab_exec(err, "ip", "-n", sa->ns, "link", "add", e->if_a, "type", "veth", "peer",
			"name", e->if_b, "netns", sb->ns, (char *)NULL) != 0 ||
		    lab_exec(err, "ip", "-n", sa->ns, "addr", "add", aa, "dev", e->if_a, "nodad",
			(char *)NULL) != 0 ||
		    lab_exec(err, "ip", "-n", sb->ns, "addr", "add", ab, "dev", e->if_b, "nodad",
			(char *)NULL) != 0 ||
		    lab_exec(err, "ip", "-n", sa->ns, "addr", "add", a4, "dev", e->if_a, (char *)NULL) != 0 ||
		    lab_exec(err, "ip", "-n", sb->ns, "addr", "add", b4, "dev", e->if_b, (char *)NULL) != 0 ||
		    shape(sa->ns, e->if_a, e->rate_ab, p->buffer_ms, err) != 0 ||
		    shape(sb->ns, e->if_b, e->rate_ba, p->buffer_ms, err) != 0 ||
		    lab_exec(err, "ip", "-n", sa->ns, "link", "set", e->if_a, "up", (char *)NULL) != 0 ||
		    lab_exec(err, "ip", "-n", sb->ns, "link", "set", e->if_b, "up", (char *)NULL) != 0)
			return -1;
		progress(" %s-%s", sa->ns, sb->ns);
	}
	progress("\nFRR (zebra, isisd):");
	for (uint32_t i = 0; i < p->n_sites; i++) {
		if (frr_site(st, p, i, err) != 0)
			return -1;
		progress(" %s", p->sites[i].ns);
	}
	progress("\n");
	return 0;
}

static void print_plan(const lab_plan *p)
{
	if (quiet)
		return;
	printf("lab %s: %u sites, %u links, capacities x %g (1 unit = %g bit/s)\n", p->prefix,
	       p->n_sites, p->n_edges, p->scale, p->unit_bps);
	for (uint32_t i = 0; i < p->n_sites; i++) {
		const lab_site *s = &p->sites[i];
		char loc[64], site[64], end[64], dt6[64];
		addr_str(s->locator, s->loc_len, loc, sizeof loc);
		addr_str(s->site_addr, 128, site, sizeof site);
		inet_ntop(AF_INET6, s->end_sid, end, sizeof end);
		inet_ntop(AF_INET6, s->dt6_sid, dt6, sizeof dt6);
		printf("  %-8s %-16s locator %s End %s End.DT6 %s site %s\n", s->ns, s->host, loc,
		       end, dt6, site);
	}
	for (uint32_t k = 0; k < p->n_edges; k++) {
		const lab_edge *e = &p->edges[k];
		printf("  %s:%s <-> %s:%s  %.0f/%.0f bit/s  metric %u/%u\n", p->sites[e->a].ns,
		       e->if_a, p->sites[e->b].ns, e->if_b, e->rate_ab, e->rate_ba, e->metric_ab,
		       e->metric_ba);
	}
	fflush(stdout);
}

int lab_up(const lab_opts *o, neto_err *err)
{
	quiet = o->quiet;
	char path[512];
	snprintf(path, sizeof path, "%s/lab.state", o->dir);
	if (access(path, F_OK) == 0) {
		progress("cleaning up the lab recorded in %s\n", path);
		if (lab_down(o, err) != 0)
			return -1;
	}
	topo t;
	if (lab_topo_load(o->topology, &t, err) != 0)
		return -1;
	lab_plan p;
	int rc = lab_plan_make(&p, &t, o->prefix, o->scale, err);
	topo_free(&t);
	if (rc != 0)
		return -1;
	p.buffer_ms = o->buffer_ms;
	for (size_t k = 0; k < o->n_apply_delay; k++) {
		if (!o->neto) {
			lab_plan_free(&p);
			return neto_err_set(err, "--apply-delay needs --neto");
		}
		if (lab_apply_delay_site(&p, o->apply_delay[k]) < 0) {
			neto_err_set(err, "--apply-delay %s: no such site", o->apply_delay[k]);
			lab_plan_free(&p);
			return -1;
		}
	}
	print_plan(&p);
	if (o->isps && lab_isp_check(o, &p, err) != 0) {
		lab_plan_free(&p);
		return -1;
	}
	lab_state st;
	if (state_open(&st, o->dir, err) != 0) {
		lab_plan_free(&p);
		return -1;
	}
	rc = build(&st, &p, err);
	fclose(st.f);
	if (rc == 0 && o->neto)
		rc = lab_neto_up(o, &p, err);
	if (rc == 0 && o->isps)
		rc = lab_isp_up(o, &p, err);
	lab_plan_free(&p);
	if (rc != 0) {
		neto_err e2;
		progress("\nfailed; removing what was created\n");
		(void)lab_down(o, &e2);
		return -1;
	}
	progress("lab up; state in %s\n", st.path);
	return 0;
}

/* ---- down ---------------------------------------------------------------------- */

/* True when PID runs the program named `name` (the daemon's comm) and has
 * not exited: a zombie (state Z or X) is dead, and a daemon is not our
 * child, so whoever reaps it may take a while. */
static bool pid_is(long pid, const char *name)
{
	char path[64], stat[512];
	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	size_t n = fread(stat, 1, sizeof stat - 1, f);
	fclose(f);
	stat[n] = '\0';
	/* "PID (COMM) STATE ...": COMM may hold spaces and ')' */
	char *open_p = strchr(stat, '('), *close_p = strrchr(stat, ')');
	if (!open_p || !close_p || close_p < open_p || close_p[1] != ' ')
		return false;
	*close_p = '\0';
	char state = close_p[2];
	return strcmp(open_p + 1, name) == 0 && state != 'Z' && state != 'X';
}

bool lab_pid_is(long pid, const char *name)
{
	return pid_is(pid, name);
}

static void stop_pid(long pid, const char *name)
{
	if (!pid_is(pid, name))
		return;
	kill((pid_t)pid, SIGTERM);
	for (int i = 0; i < 60 && pid_is(pid, name); i++)
		usleep(50000);
	if (pid_is(pid, name))
		kill((pid_t)pid, SIGKILL);
}

/* Removes a directory of FRR files (flat: pid files, sockets, config). */
static void remove_dir(const char *path)
{
	if (strncmp(path, "/etc/frr/", 9) != 0 && strncmp(path, "/var/run/frr/", 13) != 0)
		return;	/* a state file naming anything else is not ours to follow */
	DIR *d = opendir(path);
	if (d) {
		struct dirent *de;
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			char f[768];
			snprintf(f, sizeof f, "%s/%s", path, de->d_name);
			unlink(f);
		}
		closedir(d);
	}
	rmdir(path);
}

int lab_down(const lab_opts *o, neto_err *err)
{
	quiet = o->quiet;
	char path[512];
	snprintf(path, sizeof path, "%s/lab.state", o->dir);
	FILE *f = fopen(path, "r");
	if (!f) {
		if (errno == ENOENT) {
			progress("no lab recorded in %s\n", o->dir);
			return 0;
		}
		return neto_err_set(err, "%s: %s", path, strerror(errno));
	}
	char line[600];
	char **ns = NULL, **dirs = NULL, **files = NULL;
	size_t n_ns = 0, n_dirs = 0, n_pids = 0, n_files = 0;
	/* daemons first (a pid file names a daemon that may have started but
	 * not yet been recorded) */
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = '\0';
		char a[512], b[64];
		long pid;
		if (sscanf(line, "pid %ld %63s", &pid, b) == 2) {
			stop_pid(pid, b);
			n_pids++;
		} else if (sscanf(line, "proc %ld %63s", &pid, b) == 2) {
			stop_pid(pid, b);	/* neto's processes (lab_neto.c) */
			n_pids++;
		} else if (sscanf(line, "file %511s", a) == 1) {
			files = neto_reallocarray(files, n_files + 1, sizeof *files);
			files[n_files++] = neto_strdup(a);	/* neto's (lab_neto.c) */
		} else if (sscanf(line, "pidfile %511s %63s", a, b) == 2) {
			FILE *pf = fopen(a, "r");
			if (pf) {
				if (fscanf(pf, "%ld", &pid) == 1 && pid > 1)
					stop_pid(pid, b);
				fclose(pf);
			}
		} else if (sscanf(line, "ns %511s", a) == 1) {
			ns = neto_reallocarray(ns, n_ns + 1, sizeof *ns);
			ns[n_ns++] = neto_strdup(a);
		} else if (sscanf(line, "dir %511s", a) == 1) {
			dirs = neto_reallocarray(dirs, n_dirs + 1, sizeof *dirs);
			dirs[n_dirs++] = neto_strdup(a);
		}
	}
	fclose(f);
	progress("stopped %zu daemons\n", n_pids);
	size_t removed = 0;
	for (size_t i = 0; i < n_ns; i++) {
		if (netns_exists(ns[i])) {
			neto_err e2;
			if (lab_exec(&e2, "ip", "netns", "del", ns[i], (char *)NULL) == 0)
				removed++;
			else
				progress("%s\n", e2.msg);
		}
		free(ns[i]);
	}
	free(ns);
	for (size_t i = 0; i < n_dirs; i++) {
		remove_dir(dirs[i]);
		free(dirs[i]);
	}
	free(dirs);
	for (size_t i = 0; i < n_files; i++) {	/* once their writers have stopped */
		struct stat sb;
		if (lstat(files[i], &sb) == 0 && S_ISREG(sb.st_mode))
			unlink(files[i]);
		free(files[i]);
	}
	free(files);
	progress("removed %zu namespaces, %zu FRR directories\n", removed, n_dirs);
	if (unlink(path) != 0)
		return neto_err_set(err, "%s: %s", path, strerror(errno));
	return 0;
}

/* ---- status -------------------------------------------------------------------- */

int lab_status(const lab_opts *o, neto_err *err)
{
	char path[512];
	snprintf(path, sizeof path, "%s/lab.state", o->dir);
	FILE *f = fopen(path, "r");
	if (!f)
		return neto_err_set(err, "%s: %s (no lab here?)", path, strerror(errno));
	char line[600], cur_ns[256] = "";
	int alive = 0, dead = 0, ns_ok = 0, ns_missing = 0, adj_total = 0;
	printf("%-12s %-8s %-22s %s\n", "namespace", "exists", "daemons", "IS-IS adjacencies up");
	/* records come grouped: ns, later dir/pidfile/pid per site */
	char **names = NULL;
	size_t n = 0;
	struct { long pid; char ns[256]; char name[64]; } *pids = NULL;
	size_t n_pids = 0;
	while (fgets(line, sizeof line, f)) {
		char a[512], b[64];
		long pid;
		if (sscanf(line, "ns %511s", a) == 1) {
			names = neto_reallocarray(names, n + 1, sizeof *names);
			names[n++] = neto_strdup(a);
		} else if (sscanf(line, "pidfile /var/run/frr/%255[^/]/", cur_ns) == 1) {
			continue;
		} else if (sscanf(line, "pid %ld %63s", &pid, b) == 2) {
			pids = neto_reallocarray(pids, n_pids + 1, sizeof *pids);
			pids[n_pids].pid = pid;
			snprintf(pids[n_pids].ns, sizeof pids[n_pids].ns, "%s", cur_ns);
			snprintf(pids[n_pids].name, sizeof pids[n_pids].name, "%s", b);
			n_pids++;
		}
	}
	fclose(f);
	for (size_t i = 0; i < n; i++) {
		bool ex = netns_exists(names[i]);
		ex ? ns_ok++ : ns_missing++;
		char d[128] = "";
		size_t pos = 0;
		for (size_t k = 0; k < n_pids; k++) {
			if (strcmp(pids[k].ns, names[i]) != 0)
				continue;
			bool up = pid_is(pids[k].pid, pids[k].name);
			up ? alive++ : dead++;
			pos += (size_t)snprintf(d + pos, sizeof d - pos, "%s%s%s", pos ? "," : "",
						pids[k].name, up ? "" : "(dead)");
			if (pos >= sizeof d)
				pos = sizeof d - 1;
		}
		int adj = 0;
		char *out = NULL;
		char a_vtysh[] = "vtysh", a_n[] = "-N", a_c[] = "-c", a_cmd[] = "show isis neighbor";
		char *argv[] = { a_vtysh, a_n, names[i], a_c, a_cmd, NULL };
		if (ex && lab_exec_argv(argv, &out) == 0)
			for (char *l = strtok(out, "\n"); l; l = strtok(NULL, "\n"))
				if (strstr(l, " Up "))
					adj++;
		free(out);
		adj_total += adj;
		printf("%-12s %-8s %-22s %d\n", names[i], ex ? "yes" : "MISSING", d[0] ? d : "-", adj);
		free(names[i]);
	}
	free(names);
	free(pids);
	printf("total: %d namespaces (%d missing), %d daemons alive, %d dead, %d adjacencies up\n",
	       ns_ok, ns_missing, alive, dead, adj_total);
	int neto_bad = lab_neto_status(path);
	int isp_bad = lab_isp_status(path);
	return ns_missing == 0 && dead == 0 && neto_bad == 0 && isp_bad == 0 ? 0 : 1;
}

/* ---- command line ---------------------------------------------------------------- */

static const char lab_cmd_usage[] =
	"usage: neto lab up|down|status --topology FILE [--dir DIR] [--scale S]\n"
	"                [--prefix P] [--quiet]\n"
	"  --dir DIR     where the state file lives (default: .)\n"
	"  --scale S     shaped rate = capacity x S (default: the largest S <= 1 that\n"
	"                keeps all links together within 200 Mbit/s)\n"
	"  --prefix P    names of namespaces and FRR instances (default nl-)\n"
	"  --neto        also run neto on the lab: router agents (PCEP) per site,\n"
	"                controller, scheduler, PCE, topology agent, API (docs/lab.md)\n"
	"  --api HOST:PORT  --neto: the API's address (default 127.0.0.1:8080)\n"
	"  --period D    --neto: controller period (default 10s)\n"
	"  --state-timeout D  --neto: routers drop neto's policies after D without\n"
	"                a PCE session (default 10s)\n"
	"  --topology-source file|bgpls  --neto: the topology agent follows a copy of\n"
	"                the file (default), or takes BGP-LS from a router agent per\n"
	"                site that exports its IS-IS TE database and SRv6 locator\n"
	"  --ipfix       --neto: a host namespace per site (PREFIXhN) behind its\n"
	"                router; softflowd on the router's host-facing veth exports\n"
	"                IPFIX to a flow agent that writes the demand to the store\n"
	"  --isps FILE   ISPs (BIRD) peering with border sites (FRR bgpd, BMP); see\n"
	"                docs/lab.md, \"ISPs and peering\"\n"
	"  --isp-measure --isps: softflowd toward every ISP with a flow agent per\n"
	"                peering (kv pe-traffic) and a prober per border site (kv\n"
	"                pe-latency) for 16 shared /24s (`neto lab isp-measure` to\n"
	"                choose the prefixes)\n"

	"  --buffer D    each link direction queues at most D of traffic at its\n"
	"                shaped rate, e.g. 50ms (default: the device's 1000 packets)\n"
	"  --apply-delay SITE=D  --neto: SITE's router agent waits D (at most 60s)\n"
	"                before programming the PCE's requests and reports after it:\n"
	"                a slow control plane or FIB (repeatable, one per site)\n"
	"usage: neto lab link --dir DIR --link ID --state down|up\n"
	"                a link's veth pair down or up, and in the topology neto follows\n"
	"usage: neto lab respawn --dir DIR\n"
	"                start again neto's roles that are not running\n"
	"usage: neto lab demand --dir DIR --file DEMANDS.csv\n"
	"                store a demand matrix (src,dst,class,rate) in the lab's store\n";

int lab_cmd(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "topology", required_argument, NULL, 't' },
		{ "dir", required_argument, NULL, 'd' },
		{ "scale", required_argument, NULL, 's' },
		{ "prefix", required_argument, NULL, 'p' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "neto", no_argument, NULL, 'n' },
		{ "api", required_argument, NULL, 'a' },
		{ "period", required_argument, NULL, 'P' },
		{ "state-timeout", required_argument, NULL, 'T' },
		{ "topology-source", required_argument, NULL, 'O' },
		{ "ipfix", no_argument, NULL, 'I' },
		{ "isps", required_argument, NULL, 'X' },
		{ "isp-measure", no_argument, NULL, 'M' },

		{ "buffer", required_argument, NULL, 'B' },
		{ "apply-delay", required_argument, NULL, 'D' },
		{ "file", required_argument, NULL, 'f' },
		{ "link", required_argument, NULL, 'L' },
		{ "state", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	lab_opts o = { .dir = ".", .prefix = "nl-" };
	const char *verb = argv[0], *file = NULL, *link_id = NULL, *link_state = NULL;
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 't': o.topology = optarg; break;
		case 'd': o.dir = optarg; break;
		case 'p': o.prefix = optarg; break;
		case 'q': o.quiet = true; break;
		case 'n': o.neto = true; break;
		case 'I': o.ipfix = true; break;
		case 'X': o.isps = optarg; break;
		case 'M': o.isp_measure = true; break;
		case 'a': o.api = optarg; break;
		case 'P': o.period = optarg; break;
		case 'T': o.state_timeout = optarg; break;
		case 'O':
			if (strcmp(optarg, "file") != 0 && strcmp(optarg, "bgpls") != 0) {
				fprintf(stderr, "neto lab: --topology-source is file or bgpls\n");
				return 2;
			}
			o.bgpls = strcmp(optarg, "bgpls") == 0;
			break;
		case 'B': {
			neto_err e;
			if (cfg_parse_duration(optarg, &o.buffer_ms, &e) != 0 || o.buffer_ms <= 0) {
				fprintf(stderr, "neto lab: --buffer: a positive duration\n");
				return 2;
			}
			break;
		}
		case 'D': {
			const char *eq = strchr(optarg, '=');
			int64_t ms;
			neto_err e;
			if (!eq || eq == optarg || cfg_parse_duration(eq + 1, &ms, &e) != 0 ||
			    ms > 60000) {
				fprintf(stderr, "neto lab: --apply-delay is SITE=DURATION (at most "
						"60s)\n");
				return 2;
			}
			if (o.n_apply_delay == LAB_MAX_APPLY_DELAYS) {
				fprintf(stderr, "neto lab: at most %d --apply-delay\n",
					LAB_MAX_APPLY_DELAYS);
				return 2;
			}
			o.apply_delay[o.n_apply_delay++] = optarg;
			break;
		}
		case 'f': file = optarg; break;
		case 'L': link_id = optarg; break;
		case 'S': link_state = optarg; break;
		case 's': {
			char *end;
			o.scale = strtod(optarg, &end);
			if (*end || !(o.scale > 0)) {
				fprintf(stderr, "neto lab: --scale must be positive\n");
				return 2;
			}
			break;
		}
		case 'h': fputs(lab_cmd_usage, stdout); return 0;
		default: fputs(lab_cmd_usage, stderr); return 2;
		}
	}
	neto_err err;
	int rc;
	if (strcmp(verb, "up") == 0) {
		if (!o.topology) {
			fprintf(stderr, "neto lab up: --topology is required\n");
			return 2;
		}
		rc = lab_up(&o, &err);
	} else if (strcmp(verb, "down") == 0) {
		rc = lab_down(&o, &err);
	} else if (strcmp(verb, "link") == 0) {
		if (!link_id || !link_state || (strcmp(link_state, "up") != 0 &&
				 strcmp(link_state, "down") != 0)) {
			fprintf(stderr, "neto lab link: --link ID and --state up|down are required\n");
			return 2;
		}
		rc = lab_neto_link(o.dir, link_id, strcmp(link_state, "up") == 0,
				   &err);
	} else if (strcmp(verb, "respawn") == 0) {
		rc = lab_neto_respawn(o.dir, &err);
	} else if (strcmp(verb, "demand") == 0) {
		if (!file) {
			fprintf(stderr, "neto lab demand: --file is required\n");
			return 2;
		}
		rc = lab_neto_demand(o.dir, file, &err);
	} else {
		rc = lab_status(&o, &err);
		if (rc > 0)
			return 1;
	}
	if (rc != 0) {
		fprintf(stderr, "neto lab %s: %s\n", verb, err.msg);
		return 1;
	}
	return 0;
}
