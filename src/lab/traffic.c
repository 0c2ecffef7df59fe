/*
 * traffic.c - the lab's traffic generator and receiver (see traffic.h).
 *
 * The sender paces probes on an absolute CLOCK_MONOTONIC schedule (no drift
 * from the time spent sending), sets the traffic class on the socket
 * (IPV6_TCLASS, DSCP << 2) and uses sendto on an unconnected socket: the
 * kernel then routes every datagram with its traffic class, so the DSCP
 * policy rules of the source router apply to it. It ends the flow with three
 * end probes carrying the number sent, so the receiver can count losses at
 * the tail too.
 *
 * The receiver reads the traffic class of each datagram (IPV6_RECVTCLASS) to
 * report the DSCP that arrived, and accounts each flow in a bitmap of
 * sequence numbers (duplicates and reordering are told apart exactly).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lab/lab.h"
#include "lab/netns.h"
#include "lab/traffic.h"
#include "lib/mem.h"
#include "lib/wire.h"

void lab_probe_encode(uint8_t *buf, const lab_probe *p)
{
	wire_wr w;
	wire_wr_init(&w);
	wire_put_u32(&w, LAB_PROBE_MAGIC);
	wire_put_u8(&w, p->kind);
	wire_put_u8(&w, p->dscp);
	wire_put_u16(&w, 0);
	wire_put_u32(&w, p->flow);
	wire_put_u64(&w, p->seq);
	wire_put_u64(&w, p->sent);
	memcpy(buf, w.buf, LAB_PROBE_LEN);
	wire_wr_free(&w);
}

int lab_probe_decode(const uint8_t *buf, size_t len, lab_probe *p, neto_err *err)
{
	wire_rd r = wire_rd_init(buf, len);
	uint32_t magic = wire_u32(&r);
	p->kind = wire_u8(&r);
	p->dscp = wire_u8(&r);
	wire_skip(&r, 2);
	p->flow = wire_u32(&r);
	p->seq = wire_u64(&r);
	p->sent = wire_u64(&r);
	if (!wire_ok(&r))
		return neto_err_set(err, "probe: %zu octets, expected at least %d", len,
				    LAB_PROBE_LEN);
	if (magic != LAB_PROBE_MAGIC)
		return neto_err_set(err, "probe: bad magic 0x%08x", magic);
	if (p->kind > LAB_PROBE_END)
		return neto_err_set(err, "probe: unknown kind %u", p->kind);
	return 0;
}

void lab_flow_account(lab_flow_stats *f, const lab_probe *p, size_t len)
{
	if (p->kind == LAB_PROBE_END) {
		f->sent = p->sent;
		return;
	}
	if (p->seq < LAB_SEQ_TRACK_MAX) {
		size_t byte = (size_t)(p->seq / 8);
		if (byte >= f->seen_cap) {
			size_t cap = f->seen_cap ? f->seen_cap : 1024;
			while (cap <= byte)
				cap *= 2;
			f->seen = neto_realloc(f->seen, cap);
			memset(f->seen + f->seen_cap, 0, cap - f->seen_cap);
			f->seen_cap = cap;
		}
		uint8_t bit = (uint8_t)(1u << (p->seq % 8));
		if (f->seen[byte] & bit) {
			f->duplicates++;
			return;
		}
		f->seen[byte] |= bit;
	}
	f->received++;
	f->bytes += len;
	if (p->seq + 1 < f->max_seq)
		f->reordered++;
	if (p->seq + 1 > f->max_seq)
		f->max_seq = p->seq + 1;
}

uint64_t lab_flow_lost(const lab_flow_stats *f)
{
	uint64_t expected = f->sent > f->max_seq ? f->sent : f->max_seq;
	return expected > f->received ? expected - f->received : 0;
}

void lab_flow_free(lab_flow_stats *f)
{
	free(f->seen);
	f->seen = NULL;
	f->seen_cap = 0;
}

/* ---- the programs --------------------------------------------------------- */

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* "10M", "500k", "1.5G", "2000": bits per second. */
static int parse_rate(const char *s, double *bps)
{
	char *end;
	double v = strtod(s, &end);
	double mult = 1;
	if (*end == 'k' || *end == 'K')
		mult = 1e3, end++;
	else if (*end == 'M')
		mult = 1e6, end++;
	else if (*end == 'G')
		mult = 1e9, end++;
	if (end == s || *end != '\0' || !(v > 0))
		return -1;
	*bps = v * mult;
	return 0;
}

static const char traffic_usage[] =
	"usage: neto lab traffic send --dst ADDR --rate BPS [--netns NS] [--port P]\n"
	"                [--dscp D] [--size OCTETS] [--duration SECONDS] [--flow ID]\n"
	"       neto lab traffic recv [--netns NS] [--port P] [--duration SECONDS]\n"
	"                [--flows N]\n"
	"\n"
	"send   UDP probes to ADDR at BPS bits/s (k, M, G suffixes; IPv6+UDP headers\n"
	"       not counted), marked with DSCP D, for SECONDS (default 5), then end\n"
	"       probes with the count sent. Prints the count sent.\n"
	"recv   counts probes per flow until SECONDS pass or, with --flows N, until\n"
	"       N flows have ended; prints one line per flow:\n"
	"       flow=ID src=ADDR dscp=D received=N sent=N lost=N reordered=N\n"
	"       duplicates=N bytes=N\n"
	"\n"
	"       neto lab traffic run --topology FILE [--prefix P] --flow SRC,DST,DSCP,BPS\n"
	"                [--flow ...] [--duration SECONDS] [--size OCTETS] [--port P]\n"
	"run    flows between the sites of a lab that is up (site names from the\n"
	"       topology): a receiver in each destination site, a sender per flow\n"
	"       from the source site to the destination's site address; prints one\n"
	"       line per flow: flow=N SRC->DST dscp=D rate=BPS sent=N received=N\n"
	"       lost=N reordered=N duplicates=N\n";

enum { T_NETNS = 2000, T_DST, T_PORT, T_RATE, T_DSCP, T_SIZE, T_DURATION, T_FLOW, T_FLOWS,
       T_TOPOLOGY, T_PREFIX };

static const struct option traffic_opts[] = {
	{ "netns", required_argument, NULL, T_NETNS },
	{ "dst", required_argument, NULL, T_DST },
	{ "port", required_argument, NULL, T_PORT },
	{ "rate", required_argument, NULL, T_RATE },
	{ "dscp", required_argument, NULL, T_DSCP },
	{ "size", required_argument, NULL, T_SIZE },
	{ "duration", required_argument, NULL, T_DURATION },
	{ "flow", required_argument, NULL, T_FLOW },
	{ "flows", required_argument, NULL, T_FLOWS },
	{ "topology", required_argument, NULL, T_TOPOLOGY },
	{ "prefix", required_argument, NULL, T_PREFIX },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

#define TRAFFIC_MAX_SPECS 256

typedef struct traffic_args {
	const char *netns, *dst;
	const char *topology, *prefix;
	const char *specs[TRAFFIC_MAX_SPECS];	/* run: SRC,DST,DSCP,BPS */
	unsigned n_specs;
	unsigned port, dscp, size, flow, flows;
	double rate, duration;
} traffic_args;

static int num(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || *end || !(v >= lo && v <= hi)) {
		fprintf(stderr, "neto lab traffic: '%s' out of range %g..%g\n", s, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

static int traffic_send(const traffic_args *a)
{
	struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)a->port) };
	if (!a->dst || inet_pton(AF_INET6, a->dst, &to.sin6_addr) != 1) {
		fprintf(stderr, "neto lab traffic send: --dst must be an IPv6 address\n");
		return 2;
	}
	if (!(a->rate > 0)) {
		fprintf(stderr, "neto lab traffic send: --rate is required\n");
		return 2;
	}
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	int tclass = (int)(a->dscp << 2);
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tclass, sizeof tclass) != 0) {
		perror("IPV6_TCLASS");
		close(fd);
		return 1;
	}
	uint8_t *buf = neto_calloc(1, a->size);
	double interval = (double)a->size * 8.0 / a->rate;
	uint64_t total = (uint64_t)(a->duration / interval);
	uint64_t sent = 0, errors = 0;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (uint64_t i = 0; i < total && !stop_flag; i++) {
		double at = (double)i * interval;
		struct timespec ts = t0;
		ts.tv_sec += (time_t)at;
		ts.tv_nsec += (long)((at - (double)(time_t)at) * 1e9);
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR &&
		       !stop_flag)
			;
		lab_probe p = { LAB_PROBE_DATA, (uint8_t)a->dscp, a->flow, i, 0 };
		lab_probe_encode(buf, &p);
		/* never block: an offered load that the first link cannot take is
		 * dropped and counted (the sequence number moves on), as on a real
		 * host port, instead of slowing the sender to the link's rate */
		if (sendto(fd, buf, a->size, MSG_DONTWAIT, (struct sockaddr *)&to, sizeof to) < 0)
			errors++;
		else
			sent++;
	}
	/* the end probes say how many data probes left this host; the receiver
	 * counts a datagram the kernel refused to send as lost too, because the
	 * sequence numbers keep counting */
	for (int k = 0; k < 3; k++) {
		usleep(20000);	/* room in the queue for the end probes */
		lab_probe p = { LAB_PROBE_END, (uint8_t)a->dscp, a->flow, 0, total };
		lab_probe_encode(buf, &p);
		(void)sendto(fd, buf, a->size, 0, (struct sockaddr *)&to, sizeof to);
	}
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("flow=%u dst=%s dscp=%u sent=%llu send_errors=%llu seconds=%.3f\n", a->flow, a->dst,
	       a->dscp, (unsigned long long)sent, (unsigned long long)errors,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9);
	free(buf);
	close(fd);
	return 0;
}

static lab_flow_stats *find_flow(lab_flow_stats **v, size_t *n, uint32_t flow, const char *src)
{
	for (size_t i = 0; i < *n; i++)
		if ((*v)[i].flow == flow && strcmp((*v)[i].src, src) == 0)
			return &(*v)[i];
	*v = neto_reallocarray(*v, *n + 1, sizeof **v);
	lab_flow_stats *f = &(*v)[(*n)++];
	memset(f, 0, sizeof *f);
	f->flow = flow;
	snprintf(f->src, sizeof f->src, "%s", src);
	return f;
}

static int traffic_recv(const traffic_args *a)
{
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	int one = 1, rcvbuf = 4 << 20;
	(void)setsockopt(fd, IPPROTO_IPV6, IPV6_RECVTCLASS, &one, sizeof one);
	/* the receiver must never be where probes are lost: on a loaded
	 * machine it may not run for a while, and SO_RCVBUF alone is capped by
	 * net.core.rmem_max (about 200 probes); as root, force the size */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) != 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	struct sockaddr_in6 me = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)a->port),
				   .sin6_addr = IN6ADDR_ANY_INIT };
	if (bind(fd, (struct sockaddr *)&me, sizeof me) != 0) {
		perror("bind");
		close(fd);
		return 1;
	}
	/* ready: a test may start its senders once this line is out */
	printf("listening port=%u\n", a->port);
	fflush(stdout);
	lab_flow_stats *flows = NULL;
	size_t n = 0, ended = 0;
	double deadline = mono() + a->duration, end_grace = 0;
	uint8_t buf[65536];
	while (!stop_flag) {
		double now = mono();
		if (now >= deadline || (end_grace > 0 && now >= end_grace))
			break;
		struct pollfd pfd = { fd, POLLIN, 0 };
		int wait_ms = (int)((deadline - now) * 1000) + 1;
		if (wait_ms > 200)
			wait_ms = 200;
		if (poll(&pfd, 1, wait_ms) <= 0)
			continue;
		struct sockaddr_in6 from;
		char cbuf[CMSG_SPACE(sizeof(int))];
		struct iovec iov = { buf, sizeof buf };
		struct msghdr mh = { &from, sizeof from, &iov, 1, cbuf, sizeof cbuf, 0 };
		ssize_t len = recvmsg(fd, &mh, MSG_DONTWAIT);
		if (len < 0)
			continue;
		lab_probe p;
		neto_err err;
		if (lab_probe_decode(buf, (size_t)len, &p, &err) != 0)
			continue;
		int tclass = -1;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
			if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_TCLASS &&
			    c->cmsg_len >= CMSG_LEN(sizeof(int)))
				memcpy(&tclass, CMSG_DATA(c), sizeof tclass);
		char src[INET6_ADDRSTRLEN];
		inet_ntop(AF_INET6, &from.sin6_addr, src, sizeof src);
		lab_flow_stats *f = find_flow(&flows, &n, p.flow, src);
		if (tclass >= 0)
			f->dscp = (uint8_t)(tclass >> 2);
		bool had_end = f->sent > 0;
		lab_flow_account(f, &p, (size_t)len);
		if (p.kind == LAB_PROBE_END && !had_end && ++ended >= a->flows && a->flows > 0)
			end_grace = mono() + 0.3;	/* the last end probes may trail */
	}
	for (size_t i = 0; i < n; i++) {
		const lab_flow_stats *f = &flows[i];
		printf("flow=%u src=%s dscp=%u received=%llu sent=%llu lost=%llu reordered=%llu "
		       "duplicates=%llu bytes=%llu\n",
		       f->flow, f->src, f->dscp, (unsigned long long)f->received,
		       (unsigned long long)f->sent, (unsigned long long)lab_flow_lost(f),
		       (unsigned long long)f->reordered, (unsigned long long)f->duplicates,
		       (unsigned long long)f->bytes);
		lab_flow_free(&flows[i]);
	}
	free(flows);
	close(fd);
	return 0;
}

/* ---- run: flows between the sites of a lab -------------------------------- */

typedef struct run_flow {
	uint32_t src, dst;	/* site indices */
	unsigned dscp;
	double rate;
	int out_fd;		/* the sender's output */
	pid_t pid;
} run_flow;

typedef struct run_recv {
	uint32_t site;
	unsigned n_flows;
	int out_fd;
	pid_t pid;
	char *out;		/* everything it printed */
} run_recv;

/* Forks a child that enters namespace ns and runs fn; its stdout goes to
 * the returned pipe. */
static pid_t spawn(const char *ns, int (*fn)(const traffic_args *), const traffic_args *a,
		   int *out_fd)
{
	int pfd[2];
	if (pipe(pfd) != 0)
		return -1;
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		close(pfd[0]);
		dup2(pfd[1], 1);
		close(pfd[1]);
		neto_err err;
		if (lab_enter_netns(ns, &err) != 0) {
			fprintf(stderr, "neto lab traffic: %s\n", err.msg);
			_exit(1);
		}
		int rc = fn(a);
		fflush(stdout);
		_exit(rc);
	}
	close(pfd[1]);
	*out_fd = pfd[0];
	return pid;
}

/* Reads from fd until it closes (or, with until, until that text appears).
 * Appends to *buf (caller frees). */
static void slurp(int fd, char **buf, const char *until)
{
	size_t len = *buf ? strlen(*buf) : 0;
	for (;;) {
		*buf = neto_realloc(*buf, len + 4097);
		ssize_t n = read(fd, *buf + len, 4096);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		(*buf)[len] = '\0';
		if (until && strstr(*buf, until))
			break;
	}
	(*buf)[len] = '\0';
}

static unsigned long long field(const char *line, const char *name)
{
	const char *p = strstr(line, name);
	return p ? strtoull(p + strlen(name), NULL, 10) : 0;
}

static int traffic_run(const traffic_args *a)
{
	if (!a->topology || a->n_specs == 0) {
		fprintf(stderr, "neto lab traffic run: --topology and --flow are required\n");
		return 2;
	}
	neto_err err;
	topo t;
	lab_plan plan;
	if (lab_topo_load(a->topology, &t, &err) != 0 ||
	    lab_plan_make(&plan, &t, a->prefix ? a->prefix : "nl-", 1, &err) != 0) {
		fprintf(stderr, "neto lab traffic run: %s\n", err.msg);
		topo_free(&t);
		return 1;
	}
	run_flow flows[TRAFFIC_MAX_SPECS];
	run_recv recvs[TRAFFIC_MAX_SPECS];
	unsigned n_recv = 0;
	int rc = 0;
	for (unsigned i = 0; i < a->n_specs && rc == 0; i++) {
		char src[128], dst[128], rate[32];
		unsigned dscp;
		if (sscanf(a->specs[i], "%127[^,],%127[^,],%u,%31s", src, dst, &dscp, rate) != 4 ||
		    dscp > 63 || parse_rate(rate, &flows[i].rate) != 0) {
			fprintf(stderr, "neto lab traffic run: --flow '%s': expected SRC,DST,DSCP,BPS\n",
				a->specs[i]);
			rc = 2;
			break;
		}
		flows[i].src = topo_find_node(&t, src, strlen(src));
		flows[i].dst = topo_find_node(&t, dst, strlen(dst));
		flows[i].dscp = dscp;
		if (flows[i].src == TOPO_NONE || flows[i].dst == TOPO_NONE ||
		    flows[i].src == flows[i].dst) {
			fprintf(stderr, "neto lab traffic run: --flow '%s': unknown or equal sites\n",
				a->specs[i]);
			rc = 2;
			break;
		}
		unsigned r = 0;
		while (r < n_recv && recvs[r].site != flows[i].dst)
			r++;
		if (r == n_recv)
			recvs[n_recv++] = (run_recv){ .site = flows[i].dst, .out_fd = -1, .pid = -1 };
		recvs[r].n_flows++;
	}
	/* receivers first, each ready before any sender starts */
	for (unsigned r = 0; r < n_recv && rc == 0; r++) {
		traffic_args ra = *a;
		ra.flows = recvs[r].n_flows;
		ra.duration = a->duration + 10;
		recvs[r].pid = spawn(plan.sites[recvs[r].site].ns, traffic_recv, &ra,
				     &recvs[r].out_fd);
		if (recvs[r].pid < 0) {
			rc = 1;
			break;
		}
		slurp(recvs[r].out_fd, &recvs[r].out, "listening");
		if (!recvs[r].out || !strstr(recvs[r].out, "listening")) {
			fprintf(stderr, "neto lab traffic run: receiver in %s did not start\n",
				plan.sites[recvs[r].site].ns);
			rc = 1;
		}
	}
	unsigned started = 0;
	for (unsigned i = 0; i < a->n_specs && rc == 0; i++, started++) {
		char dst[INET6_ADDRSTRLEN];
		inet_ntop(AF_INET6, plan.sites[flows[i].dst].site_addr, dst, sizeof dst);
		traffic_args sa = *a;
		sa.dst = dst;
		sa.dscp = flows[i].dscp;
		sa.rate = flows[i].rate;
		sa.flow = i + 1;
		/* from the site's host namespace when the lab has one (lab up
		 * --neto --ipfix): its packets then enter the router through an
		 * interface softflowd watches */
		char hns[48], hpath[80];
		snprintf(hns, sizeof hns, "%sh%u", plan.prefix, flows[i].src + 1);
		snprintf(hpath, sizeof hpath, "/run/netns/%s", hns);
		const char *sns = access(hpath, F_OK) == 0 ? hns : plan.sites[flows[i].src].ns;
		flows[i].pid = spawn(sns, traffic_send, &sa, &flows[i].out_fd);
		if (flows[i].pid < 0)
			rc = 1;
	}
	char *sent_out[TRAFFIC_MAX_SPECS] = { 0 };
	for (unsigned i = 0; i < started; i++) {
		if (flows[i].pid < 0)
			continue;
		slurp(flows[i].out_fd, &sent_out[i], NULL);
		close(flows[i].out_fd);
		waitpid(flows[i].pid, NULL, 0);
	}
	for (unsigned r = 0; r < n_recv; r++) {
		if (recvs[r].pid < 0)
			continue;
		if (rc != 0)
			kill(recvs[r].pid, SIGTERM);
		slurp(recvs[r].out_fd, &recvs[r].out, NULL);
		close(recvs[r].out_fd);
		waitpid(recvs[r].pid, NULL, 0);
	}
	for (unsigned i = 0; rc == 0 && i < a->n_specs; i++) {
		unsigned r = 0;
		while (recvs[r].site != flows[i].dst)
			r++;
		char key[32];
		snprintf(key, sizeof key, "\nflow=%u ", i + 1);
		const char *line = recvs[r].out ? strstr(recvs[r].out, key) : NULL;
		/* offered: sent plus what the source's own first link refused */
		unsigned long long sent = sent_out[i] ? field(sent_out[i], " sent=") +
								field(sent_out[i], " send_errors=")
						      : 0;
		printf("flow=%u %s->%s dscp=%u rate=%.0f sent=%llu received=%llu lost=%llu "
		       "reordered=%llu duplicates=%llu\n",
		       i + 1, t.nodes[flows[i].src].name, t.nodes[flows[i].dst].name, flows[i].dscp,
		       flows[i].rate, sent, line ? field(line, " received=") : 0,
		       line ? field(line, " lost=") : sent, line ? field(line, " reordered=") : 0,
		       line ? field(line, " duplicates=") : 0);
	}
	for (unsigned i = 0; i < a->n_specs; i++)
		free(sent_out[i]);
	for (unsigned r = 0; r < n_recv; r++)
		free(recvs[r].out);
	lab_plan_free(&plan);
	topo_free(&t);
	return rc;
}

int lab_traffic_cmd(int argc, char **argv)
{
	if (argc < 1) {
		fputs(traffic_usage, stderr);
		return 2;
	}
	const char *mode = argv[0];
	if (strcmp(mode, "-h") == 0 || strcmp(mode, "--help") == 0) {
		fputs(traffic_usage, stdout);
		return 0;
	}
	traffic_args a = { .port = 5201, .size = 1000, .duration = 5 };
	double v;
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, "h", traffic_opts, NULL)) != -1) {
		switch (c) {
		case T_NETNS: a.netns = optarg; break;
		case T_DST: a.dst = optarg; break;
		case T_PORT: if (num(optarg, 1, 65535, &v)) return 2; a.port = (unsigned)v; break;
		case T_DSCP: if (num(optarg, 0, 63, &v)) return 2; a.dscp = (unsigned)v; break;
		case T_SIZE:
			if (num(optarg, LAB_PROBE_LEN, 9000, &v))
				return 2;
			a.size = (unsigned)v;
			break;
		case T_DURATION: if (num(optarg, 0.1, 86400, &a.duration)) return 2; break;
		case T_FLOW:
			if (strcmp(mode, "run") == 0) {
				if (a.n_specs == TRAFFIC_MAX_SPECS) {
					fprintf(stderr, "neto lab traffic: at most %d flows\n",
						TRAFFIC_MAX_SPECS);
					return 2;
				}
				a.specs[a.n_specs++] = optarg;
				break;
			}
			if (num(optarg, 0, 4294967295.0, &v))
				return 2;
			a.flow = (unsigned)v;
			break;
		case T_TOPOLOGY: a.topology = optarg; break;
		case T_PREFIX: a.prefix = optarg; break;
		case T_FLOWS: if (num(optarg, 1, 1e6, &v)) return 2; a.flows = (unsigned)v; break;
		case T_RATE:
			if (parse_rate(optarg, &a.rate) != 0) {
				fprintf(stderr, "neto lab traffic: bad rate '%s'\n", optarg);
				return 2;
			}
			break;
		case 'h': fputs(traffic_usage, stdout); return 0;
		default: fputs(traffic_usage, stderr); return 2;
		}
	}
	neto_err err;
	if (strcmp(mode, "run") == 0)
		return traffic_run(&a);
	if (lab_enter_netns(a.netns, &err) != 0) {
		fprintf(stderr, "neto lab traffic: %s\n", err.msg);
		return 1;
	}
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (strcmp(mode, "send") == 0)
		return traffic_send(&a);
	if (strcmp(mode, "recv") == 0)
		return traffic_recv(&a);
	fprintf(stderr, "neto lab traffic: unknown mode '%s'\n", mode);
	return 2;
}
