/*
 * cmd_bmp.c - `neto bmp`: the live BMP collector. Listens on TCP (RFC 7854
 * section 3.3: the border router connects to the monitoring station), takes
 * several routers at once on one poll loop with non-blocking sockets, feeds
 * every session's messages into one route table (pe/collector.c frames
 * them), and writes a summary, and optionally the table in `neto peer`'s
 * route format, every interval and on exit (SIGTERM, SIGINT, --for).
 * All the I/O of the collector is here.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cli/argv_util.h"
#include "cmd/cmd.h"
#include "lib/mem.h"
#include "lib/netio.h"
#include "pe/collector.h"

#define BMP_DEFAULT_PORT 11019
#define BMP_MAX_ROUTERS 256

static const char usage[] =
	"usage: neto bmp [--listen ADDR] [--port N] [--for SECONDS]\n"
	"                [--interval SECONDS] [--routes FILE] [--quiet]\n"
	"\n"
	"BMP collector (RFC 7854): border routers connect and stream their BGP\n"
	"peers' pre-policy routes; neto keeps every ISP's offer per prefix.\n"
	"\n"
	"  --listen ADDR       address to listen on (default 0.0.0.0; IPv6 too)\n"
	"  --port N            TCP port (default 11019)\n"
	"  --for SECONDS       stop after this long (default: until SIGTERM/SIGINT)\n"
	"  --interval SECONDS  summary (and --routes) every this long (default 10)\n"
	"  --routes FILE       write the table there in `neto peer --routes` format\n"
	"                      (replaced atomically each interval and on exit)\n"
	"  --quiet             no per-session messages on standard error\n"
	"  -h, --help          this text\n"
	"\n"
	"The summary goes to standard output. Exit status 0, 2 on bad options or\n"
	"when the port cannot be bound.\n";

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

typedef struct conn {
	int fd;
	pe_bmp_sess s;
} conn;

typedef struct coll {
	pe_rib *rib;
	char **names;		/* router number -> address (kept over reconnects) */
	size_t n_names;
	conn conns[BMP_MAX_ROUTERS];
	size_t n_conns;
	bool quiet;
} coll;

/* Each connection is a router number of its own, so that one session
 * ending removes only its own routes even when two routers share an address
 * (NAT, a lab on loopback). The name the route dump and the summary use is
 * the router's Initiation sysName (RFC 7854 section 4.4), stable over
 * reconnects, else its address. */
static uint32_t router_new(coll *c, const char *name)
{
	c->names = neto_reallocarray(c->names, c->n_names + 1, sizeof *c->names);
	c->names[c->n_names] = neto_strdup(name);
	return (uint32_t)c->n_names++;
}

static void refresh_names(coll *c)
{
	for (size_t i = 0; i < c->n_conns; i++) {
		const pe_bmp_sess *s = &c->conns[i].s;
		if (s->sysname[0] && strcmp(c->names[s->router], s->sysname) != 0) {
			free(c->names[s->router]);
			c->names[s->router] = neto_strdup(s->sysname);
		}
	}
}

static void conn_close(coll *c, size_t i, const char *why)
{
	conn *k = &c->conns[i];
	size_t n = pe_bmp_sess_close(&k->s, c->rib);
	if (!c->quiet)
		fprintf(stderr, "bmp: %s: session closed (%s), %" PRIu64 " messages, %zu routes removed\n",
			k->s.name, why, k->s.n_msgs, n);
	close(k->fd);
	pe_bmp_sess_free(&k->s);
	c->conns[i] = c->conns[--c->n_conns];
}

static void summary(coll *c, FILE *f)
{
	refresh_names(c);
	size_t up = 0, routed = 0;
	for (uint32_t i = 0; i < pe_rib_n_prefixes(c->rib); i++)
		routed += pe_rib_routes(c->rib, i, NULL, 0) > 0;
	for (size_t i = 0; i < pe_rib_n_peers(c->rib); i++)
		up += pe_rib_peer_get(c->rib, (uint16_t)i)->up;
	fprintf(f, "bmp: routers %zu peers-up %zu prefixes-routed %zu routes %zu\n", c->n_conns,
		up, routed, pe_rib_n_routes(c->rib));
	for (size_t i = 0; i < c->n_conns; i++)
		fprintf(f, "router %s sysname %s messages %" PRIu64 " stats %" PRIu64 "\n",
			c->conns[i].s.name, c->conns[i].s.sysname[0] ? c->conns[i].s.sysname : "-",
			c->conns[i].s.n_msgs, c->conns[i].s.n_stats);
	for (size_t i = 0; i < pe_rib_n_peers(c->rib); i++) {
		const pe_rib_peer *p = pe_rib_peer_get(c->rib, (uint16_t)i);
		char a[64];
		fprintf(f, "peer %s %s as %" PRIu32 " %s routes %" PRIu32 "\n",
			p->router < c->n_names ? c->names[p->router] : "?",
			pe_peer_addr_str(p->addr, a, sizeof a), p->as, p->up ? "up" : "down",
			p->n_routes);
	}
	fflush(f);
}

static int write_routes(const coll *c, const char *path)
{
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (f == NULL) {
		fprintf(stderr, "bmp: %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	int rc = pe_rib_write_routes(c->rib, (const char *const *)c->names, c->n_names, f);
	if (fclose(f) != 0 || rc != 0 || rename(tmp, path) != 0) {
		fprintf(stderr, "bmp: %s: write failed: %s\n", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* a finite number, 0 or more */
static bool num(const char *s, double *out)
{
	return cli_num(s, out) && *out >= 0;
}

static int listen_on(const char *addr, unsigned port)
{
	neto_err err;
	int fd = neto_tcp_listen(addr, port, 16, &err);
	if (fd < 0)
		fprintf(stderr, "bmp: %s\n", err.msg);
	return fd;
}

static void accept_all(coll *c, int lfd)
{
	for (;;) {
		char host[64];
		int fd = neto_tcp_accept(lfd, host, sizeof host);
		if (fd < 0)
			return;
		if (c->n_conns == BMP_MAX_ROUTERS) {
			fprintf(stderr, "bmp: %s: refused, %d routers connected already\n", host,
				BMP_MAX_ROUTERS);
			close(fd);
			continue;
		}
		conn *k = &c->conns[c->n_conns++];
		k->fd = fd;
		pe_bmp_sess_init(&k->s, router_new(c, host), host);
		if (!c->quiet)
			fprintf(stderr, "bmp: %s: connected\n", host);
	}
}

/* Reads what the connection has; false when it was closed. */
static bool read_conn(coll *c, size_t i)
{
	static uint8_t buf[65536];
	conn *k = &c->conns[i];
	for (;;) {
		ssize_t n = read(k->fd, buf, sizeof buf);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return true;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			conn_close(c, i, n == 0 ? (k->s.len ? "closed inside a message" : "closed by the router")
						: strerror(errno));
			return false;
		}
		neto_err err;
		int rc = pe_bmp_sess_feed(&k->s, c->rib, buf, (size_t)n, &err);
		if (rc < 0) {
			fprintf(stderr, "bmp: %s\n", err.msg);
			conn_close(c, i, "bad message");
			return false;
		}
		if (rc > 0) {
			conn_close(c, i, "Termination");
			return false;
		}
	}
}

int cmd_bmp(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "port", required_argument, NULL, 'p' },
		{ "for", required_argument, NULL, 'f' },
		{ "interval", required_argument, NULL, 'i' },
		{ "routes", required_argument, NULL, 'r' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *addr = "0.0.0.0", *routes = NULL;
	double port = BMP_DEFAULT_PORT, dur = -1, interval = 10;
	bool quiet = false;
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc + 1, argv - 1, "h", lo, NULL)) != -1) {
		switch (ch) {
		case 'l': addr = optarg; break;
		case 'r': routes = optarg; break;
		case 'q': quiet = true; break;
		case 'h': fputs(usage, stdout); return 0;
		case 'p':
			if (!num(optarg, &port) || port < 1 || port > 65535 || port != (int)port) {
				fprintf(stderr, "bmp: bad --port '%s'\n", optarg);
				return 2;
			}
			break;
		case 'f':
		case 'i':
			if (!num(optarg, ch == 'f' ? &dur : &interval) || (ch == 'i' && interval <= 0)) {
				fprintf(stderr, "bmp: bad --%s '%s'\n", ch == 'f' ? "for" : "interval",
					optarg);
				return 2;
			}
			break;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (optind != argc + 1) {
		fputs(usage, stderr);
		return 2;
	}
	int lfd = listen_on(addr, (unsigned)port);
	if (lfd < 0)
		return 2;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	coll *c = neto_calloc(1, sizeof *c);
	c->rib = pe_rib_new();
	c->quiet = quiet;
	if (!quiet)
		fprintf(stderr, "bmp: listening on %s port %u\n", addr, (unsigned)port);
	double t0 = mono(), next = t0 + interval;
	int rc = 0;
	while (!stop_flag) {
		double now = mono();
		if (dur >= 0 && now - t0 >= dur)
			break;
		if (now >= next) {
			summary(c, stdout);
			if (routes && write_routes(c, routes) != 0)
				rc = 1;
			next = now + interval;
		}
		double until = next;
		if (dur >= 0 && t0 + dur < until)
			until = t0 + dur;
		int ms = (int)((until - now) * 1000) + 1;
		struct pollfd pf[BMP_MAX_ROUTERS + 1];
		pf[0] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		for (size_t i = 0; i < c->n_conns; i++)
			pf[i + 1] = (struct pollfd){ .fd = c->conns[i].fd, .events = POLLIN };
		size_t n = c->n_conns;
		int pr = poll(pf, n + 1, ms);
		if (pr < 0) {
			if (errno == EINTR)
				continue;
			perror("bmp: poll");
			rc = 1;
			break;
		}
		/* from the end: closing swaps the last connection into slot i */
		for (size_t i = n; i-- > 0;)
			if (pf[i + 1].revents)
				(void)read_conn(c, i);
		if (pf[0].revents & POLLIN)
			accept_all(c, lfd);
	}
	summary(c, stdout);
	if (routes && write_routes(c, routes) != 0)
		rc = 1;
	while (c->n_conns)
		conn_close(c, c->n_conns - 1, "collector stopping");
	close(lfd);
	for (size_t i = 0; i < c->n_names; i++)
		free(c->names[i]);
	free(c->names);
	pe_rib_free(c->rib);
	free(c);
	return rc;
}
