/*
 * cmd_peering.c - `neto agent peering NAME`: the peering role
 * (docs/peering.md). Reads the configuration, listens for the border
 * routers' BMP sessions (one poll loop, non-blocking sockets, as `neto bmp`
 * does), and runs the agent's cycle (src/pe/agent.c) every interval. All
 * the I/O of the role is here.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "agent/bgp_cfg.h"
#include "agent/bgp_peer.h"
#include "cfg/cfg.h"
#include "cli/argv_util.h"
#include "cmd/cmd.h"
#include "lib/file.h"
#include "lib/mem.h"
#include "lib/netio.h"
#include "pe/agent.h"
#include "pe/bgp_feed.h"
#include "pe/collector.h"
#include "pe/pe_cfg.h"

#define MAX_ROUTERS 256
/* The first decision waits for the border routers' initial table dumps: a
 * decision on a partial table moves prefixes to the egresses that happen
 * to be known, holds them down there, and one made before any router
 * connected would withdraw every announcement (after a restart, traffic
 * would swing to BGP's choice and back). So while listening, the first
 * cycle is put off, a window at a time, while no router is connected, the
 * table is empty, or the route count still grew by more than 0.1% in the
 * last window (so at least one window passes); never beyond
 * SETTLE_MAX_MS after the start (routers that stay away, or a table that
 * never stops growing, do not stop the role for ever). Churn on a settled
 * table adds and removes routes alike, so the count levels off. */
#define SETTLE_WINDOW_MS 2000
#define SETTLE_MAX_MS 60000

static const char usage[] =
	"usage: neto agent peering NAME [--config FILE] [--store URI] [options]\n"
	"\n"
	"The peering role: every interval, chooses the egress ISP of each\n"
	"destination prefix with traffic (lowest latency, peering links under the\n"
	"headroom, few moves) and writes the choice to the store (kv 'peering'/\n"
	"'desired') with an audit row per move (docs/peering.md). One instance\n"
	"leads (lease 'peering'); others wait and take over. The border routers\n"
	"stream their ISPs' routes over BMP to bmp_listen:bmp_port ([peering]),\n"
	"or over iBGP with ADD-PATH to neto (the [peer NAME] sections that\n"
	"[peering] bgp_feeds names), or both;\n"
	"traffic comes from 'pe-traffic' rows (flow agents) and --traffic,\n"
	"latency from 'pe-latency' rows (probes), else the static table.\n"
	"\n"
	"  --config FILE          configuration: [store], [controller] lease,\n"
	"                         [peering] (which must say enabled = yes),\n"
	"                         [bgp] and [peer NAME] for bgp_feeds\n"
	"  --store URI            the store (overrides [store] uri)\n"
	"  --peering FILE         the peering file (overrides peering_file)\n"
	"  --static-latency FILE  the static latency table (overrides static_latency)\n"
	"  --traffic FILE         also 'PREFIX CLASS RATE' lines, re-read each cycle\n"
	"  --routes FILE          routes in the text format, loaded at start\n"
	"                         (repeatable; for runs without border routers)\n"
	"  --bmp ROUTER=FILE      a captured BMP stream of ROUTER, loaded at start\n"
	"  --interval SECONDS     overrides interval\n"
	"  --default-latency MS   when no latency is known (default 100)\n"
	"  --no-listen            no BMP listener (routes from files only)\n"
	"  --once                 one cycle at once, then exit (implies --no-listen,\n"
	"                         and no BGP sessions)\n"
	"  --quiet                no progress lines\n"
	"  -h, --help             this text\n"
	"\n"
	"Without --once the first cycle comes one interval after the start, and\n"
	"waits (2 s at a time, at most 60 s from the start) while no router is\n"
	"connected, no route is known or the routes still grow by more than 0.1%\n"
	"in 2 s (with BGP feeds only, End-of-RIB from each ends the wait), so\n"
	"that the routers can connect and send their routes. SIGTERM or SIGINT\n"
	"ends the cycle under way, gives the lease up and exits 0.\n"
	"Exit status: 0; 1 on a bad configuration, a file or store that cannot\n"
	"be read at start, a BMP port that cannot be bound, or a failed cycle\n"
	"with --once (otherwise a failed cycle is reported and the next tried);\n"
	"2 on bad options.\n";

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

typedef struct conn {
	int fd;
	pe_bmp_sess s;
	/* is its initial table in? (a grace period's end waits for it) */
	bool synced;
	size_t last_routes;
	int64_t next_check;
} conn;

/* A border router's ADD-PATH iBGP session ([peering] bgp_feeds). */
typedef struct feed {
	pe_bgp_feed f;
	bool up;	/* Established: f.router names a live session */
} feed;

typedef struct role {
	pe_agent *a;
	conn conns[MAX_ROUTERS];
	size_t n_conns;
	bool quiet;
	double grace_s;		/* [peering] bmp_grace */
	bgp_speaker sp;
	bool has_sp;
	feed *feeds;	/* one per speaker peer */
} role;

static int listen_on(const char *addr, unsigned port)
{
	neto_err err;
	int fd = neto_tcp_listen(addr, port, 16, &err);
	if (fd < 0)
		fprintf(stderr, "neto agent peering: %s\n", err.msg);
	return fd;
}

static void conn_close(role *r, size_t i, const char *why, bool stopping)
{
	conn *k = &r->conns[i];
	if (r->grace_s > 0 && !stopping) {
		/* the routes stay for the grace period (or until the router's
		 * next session has sent its table): a short outage moves
		 * nothing */
		pe_agent_session_linger(r->a, k->s.router,
					wall_ms() + (int64_t)(r->grace_s * 1000));
		if (!r->quiet)
			fprintf(stderr, "peering: BMP %s (%s): session closed (%s), its routes kept "
					"for up to %g s\n",
				k->s.name, k->s.sysname[0] ? k->s.sysname : "-", why, r->grace_s);
	} else {
		size_t n = pe_bmp_sess_close(&k->s, pe_agent_rib(r->a));
		pe_agent_session_end(r->a, k->s.router);
		if (!r->quiet)
			fprintf(stderr, "peering: BMP %s (%s): session closed (%s), %zu routes "
					"removed\n",
				k->s.name, k->s.sysname[0] ? k->s.sysname : "-", why, n);
	}
	close(k->fd);
	pe_bmp_sess_free(&k->s);
	r->conns[i] = r->conns[--r->n_conns];
}

static void accept_all(role *r, int lfd)
{
	for (;;) {
		char host[64];
		int fd = neto_tcp_accept(lfd, host, sizeof host);
		if (fd < 0)
			return;
		if (r->n_conns == MAX_ROUTERS) {
			fprintf(stderr, "peering: BMP %s: refused, %d routers connected already\n",
				host, MAX_ROUTERS);
			close(fd);
			continue;
		}
		conn *k = &r->conns[r->n_conns++];
		memset(k, 0, sizeof *k);
		k->fd = fd;
		/* named by its address until its Initiation gives the sysName */
		pe_bmp_sess_init(&k->s, pe_agent_session_new(r->a, host), host);
		if (!r->quiet)
			fprintf(stderr, "peering: BMP %s: connected\n", host);
	}
}

static void read_conn(role *r, size_t i)
{
	static uint8_t buf[65536];
	conn *k = &r->conns[i];
	for (;;) {
		ssize_t n = read(k->fd, buf, sizeof buf);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			conn_close(r, i, n == 0 ? "closed by the router" : strerror(errno), false);
			return;
		}
		neto_err err;
		int rc = pe_bmp_sess_feed(&k->s, pe_agent_rib(r->a), buf, (size_t)n, &err);
		if (k->s.sysname[0])
			pe_agent_session_name(r->a, k->s.router, k->s.sysname);
		if (rc < 0) {
			fprintf(stderr, "peering: BMP %s\n", err.msg);
			conn_close(r, i, "bad message", false);
			return;
		}
		if (rc > 0) {
			conn_close(r, i, "Termination", false);
			return;
		}
	}
}

/* A BMP session's table is taken as whole once its route count stops
 * growing (BMP has no end marker FRR sends: RFC 7854 leaves it to the
 * router), by the same rule as the first decision's wait. Then lingering
 * sessions it replaces end (pe_agent_sweep). */
static void grace_work(role *r, int64_t now)
{
	for (size_t i = 0; i < r->n_conns; i++) {
		conn *k = &r->conns[i];
		if (k->synced || now < k->next_check)
			continue;
		size_t n = pe_rib_router_routes(pe_agent_rib(r->a), k->s.router);
		if (k->next_check != 0 && n > 0 && n <= k->last_routes + k->last_routes / 1000) {
			k->synced = true;
			pe_agent_session_synced(r->a, k->s.router);
		}
		k->last_routes = n;
		k->next_check = now + SETTLE_WINDOW_MS;
	}
	char name[80];
	for (;;) {
		size_t n = pe_agent_sweep(r->a, now, name, sizeof name);
		if (name[0] == '\0')
			break;
		if (!r->quiet)
			fprintf(stderr, "peering: BMP %s: closed session's %zu routes removed\n", name,
				n);
	}
}

/* ---- routes over BGP ADD-PATH ---------------------------------------------- */

static void feed_down(role *r, feed *fd, const bgp_peer *p, const char *why)
{
	uint64_t paths = fd->f.announced;
	size_t n = pe_bgp_feed_down(&fd->f, pe_agent_rib(r->a));
	pe_agent_session_end(r->a, fd->f.router);
	fd->up = false;
	if (!r->quiet)
		fprintf(stderr, "peering: BGP %s (%s): session down (%s), %zu routes removed "
				"(%llu paths announced on it)\n",
			p->cfg.name, p->cfg.address, why, n, (unsigned long long)paths);
}

static void on_bgp_state(void *ctx, bgp_peer *p, bgp_state from, bgp_state to)
{
	role *r = ctx;
	feed *fd = &r->feeds[p - r->sp.peers];
	if (to == BGP_ST_ESTABLISHED && !fd->up) {
		char id[80];
		snprintf(id, sizeof id, "bgp %s", p->cfg.address);
		uint32_t router = pe_agent_session_new(r->a, id);
		pe_agent_session_name(r->a, router, p->cfg.name);
		pe_bgp_feed_init(&fd->f, router);
		fd->up = true;
		if (!r->quiet)
			fprintf(stderr, "peering: BGP %s (%s): established%s\n", p->cfg.name,
				p->cfg.address,
				p->s.addpath_rx.v4 || p->s.addpath_rx.v6
					? ""
					: " without ADD-PATH: only the router's best paths");
	} else if (from == BGP_ST_ESTABLISHED && fd->up) {
		feed_down(r, fd, p, p->s.last_error[0] ? p->s.last_error : bgp_state_name(to));
	}
}

static void on_bgp_update(void *ctx, bgp_peer *p, const bgp_update *u, int rc)
{
	role *r = ctx;
	feed *fd = &r->feeds[p - r->sp.peers];
	if (!fd->up)
		return;
	bool e4 = fd->f.eor4, e6 = fd->f.eor6;
	neto_err err;
	if (pe_bgp_feed_update(&fd->f, pe_agent_rib(r->a), u, rc, &err) != 0)
		fprintf(stderr, "peering: BGP %s: %s\n", p->cfg.name, err.msg);
	if (!r->quiet && (fd->f.eor4 != e4 || fd->f.eor6 != e6))
		fprintf(stderr, "peering: BGP %s: End-of-RIB (%s) after %llu paths\n",
			p->cfg.name, fd->f.eor4 != e4 ? "IPv4" : "IPv6",
			(unsigned long long)fd->f.announced);
}

/* The [peer NAME] sections that [peering] bgp_feeds names, checked: each
 * must exist and ask for ADD-PATH receive. The speaker gets those only. */
static int feeds_start(role *r, const pe_cfg *pc, const char *config, neto_err *err)
{
	if (pc->n_bgp_feeds == 0)
		return 0;
	if (config == NULL)
		return neto_err_set(err, "bgp_feeds needs --config (its [bgp] and [peer NAME])");
	char *buf = NULL;
	size_t len = 0;
	bgp_cfg bc;
	if (neto_file_read(config, &buf, &len, err) != 0)
		return -1;
	int rc = bgp_cfg_parse(buf, len, config, &bc, err);
	free(buf);
	if (rc != 0)
		return -1;
	bgp_peer_cfg *peers = neto_reallocarray(NULL, pc->n_bgp_feeds, sizeof *peers);
	for (size_t i = 0; i < pc->n_bgp_feeds && rc == 0; i++) {
		size_t k = 0;
		while (k < bc.n_peers && strcmp(bc.peers[k].name, pc->bgp_feeds[i]) != 0)
			k++;
		if (k == bc.n_peers)
			rc = neto_err_set(err, "%s: [peering] bgp_feeds names '%s', which has no "
					  "[peer %s] section", config, pc->bgp_feeds[i],
					  pc->bgp_feeds[i]);
		else if (!bc.peers[k].s.addpath_receive)
			rc = neto_err_set(err, "%s: [peer %s] is a route feed ([peering] bgp_feeds) "
					  "but lacks add-path-receive = yes: it would bring one "
					  "path per prefix, not every ISP's", config,
					  pc->bgp_feeds[i]);
		else {
			peers[i] = bc.peers[k];
			peers[i].s.eor_receive = true;	/* the first decision waits for it */
		}
	}
	if (rc == 0)
		rc = bgp_speaker_init(&r->sp, peers, pc->n_bgp_feeds,
				      bc.listen[0] ? bc.listen : NULL, bc.port, err);
	free(peers);
	bgp_cfg_free(&bc);
	if (rc != 0)
		return -1;
	r->has_sp = true;
	r->feeds = neto_calloc(r->sp.n_peers, sizeof *r->feeds);
	r->sp.on_update = on_bgp_update;
	r->sp.on_state = on_bgp_state;
	r->sp.ctx = r;
	bgp_speaker_start(&r->sp);
	return 0;
}

static void feeds_stop(role *r)
{
	if (!r->has_sp)
		return;
	bgp_speaker_stop(&r->sp);
	for (size_t i = 0; i < r->sp.n_peers; i++)
		if (r->feeds[i].up)
			feed_down(r, &r->feeds[i], &r->sp.peers[i], "stopping");
	for (size_t i = 0; i < r->sp.n_peers; i++)
		pe_bgp_feed_free(&r->feeds[i].f);
	bgp_speaker_free(&r->sp);
	free(r->feeds);
	r->has_sp = false;
}

/* Sessions up, and whether every one of them has sent End-of-RIB for
 * the families it carries. */
static size_t feeds_up(const role *r, bool *all_eor)
{
	size_t n = 0;
	*all_eor = true;
	for (size_t i = 0; r->has_sp && i < r->sp.n_peers; i++) {
		const feed *fd = &r->feeds[i];
		if (!fd->up)
			continue;
		n++;
		const bgp_session *s = &r->sp.peers[i].s;
		bool v4 = false, v6 = false;
		for (size_t k = 0; k < s->n_nego; k++) {
			v4 |= s->nego[k].afi == BGP_AFI_IPV4 && s->nego[k].safi == BGP_SAFI_UNICAST;
			v6 |= s->nego[k].afi == BGP_AFI_IPV6 && s->nego[k].safi == BGP_SAFI_UNICAST;
		}
		if ((v4 && !fd->f.eor4) || (v6 && !fd->f.eor6))
			*all_eor = false;
	}
	return n;
}

typedef struct popts {
	const char *name, *config, *store, *peering, *static_lat, *traffic;
	const char **routes, **bmp;
	size_t n_routes, n_bmp;
	double interval, default_lat;
	bool once, no_listen, quiet;
} popts;


/* 0, 1 for --help, -1 (message printed) on a bad option */
static int parse(popts *o, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "store", required_argument, NULL, 's' },
		{ "peering", required_argument, NULL, 'p' },
		{ "static-latency", required_argument, NULL, 'L' },
		{ "traffic", required_argument, NULL, 't' },
		{ "routes", required_argument, NULL, 'r' },
		{ "bmp", required_argument, NULL, 'b' },
		{ "interval", required_argument, NULL, 'i' },
		{ "default-latency", required_argument, NULL, 'D' },
		{ "no-listen", no_argument, NULL, 'n' },
		{ "once", no_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	memset(o, 0, sizeof *o);
	o->interval = -1;
	o->default_lat = 100;
	optind = 1;
	opterr = 0;
	int c, li = 0;
	/* argv[-1] is "peering": getopt takes it for the program's name */
	while ((c = getopt_long(argc + 1, argv - 1, "h", lo, &li)) != -1) {
		switch (c) {
		case 'c': o->config = optarg; break;
		case 's': o->store = optarg; break;
		case 'p': o->peering = optarg; break;
		case 'L': o->static_lat = optarg; break;
		case 't': o->traffic = optarg; break;
		case 'r': cli_push(&o->routes, &o->n_routes, optarg); break;
		case 'b':
			if (strchr(optarg, '=') == NULL || optarg[0] == '=') {
				fprintf(stderr, "neto agent peering: --bmp wants ROUTER=FILE, got "
						"'%s'\n", optarg);
				return -1;
			}
			cli_push(&o->bmp, &o->n_bmp, optarg);
			break;
		case 'i':
			if (!cli_num(optarg, &o->interval) || o->interval < 0.01 || o->interval > 86400)
				goto bad;
			break;
		case 'D':
			if (!cli_num(optarg, &o->default_lat) || o->default_lat <= 0 ||
			    o->default_lat > 1e6)
				goto bad;
			break;
		case 'n': o->no_listen = true; break;
		case 'o': o->once = o->no_listen = true; break;
		case 'q': o->quiet = true; break;
		case 'h': return 1;
		default:
			fprintf(stderr, "neto agent peering: unknown or incomplete option '%s'\n",
				argv[optind - 2]);
			return -1;
		}
		continue;
	bad:
		fprintf(stderr, "neto agent peering: bad value '%s' for --%s\n", optarg,
			lo[li].name);
		return -1;
	}
	if (optind - 1 >= argc) {
		fprintf(stderr, "neto agent peering: expected NAME (this instance's name)\n");
		return -1;
	}
	o->name = argv[optind - 1];
	if (optind < argc) {
		fprintf(stderr, "neto agent peering: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	return 0;
}

static int load_files(const popts *o, pe_agent *a)
{
	neto_err err;
	pe_input *in = pe_agent_input(a);
	for (size_t i = 0; i < o->n_routes; i++) {
		char *buf;
		size_t len;
		if (neto_file_read(o->routes[i], &buf, &len, &err) != 0)
			goto fail;
		int rc = pe_parse_routes(in, buf, len, o->routes[i], &err);
		free(buf);
		if (rc != 0)
			goto fail;
	}
	for (size_t i = 0; i < o->n_bmp; i++) {
		const char *eq = strchr(o->bmp[i], '=');
		char *router = neto_strndup(o->bmp[i], (size_t)(eq - o->bmp[i]));
		char *buf;
		size_t len;
		int rc = neto_file_read(eq + 1, &buf, &len, &err);
		if (rc == 0) {
			rc = pe_read_bmp(in, router, (const uint8_t *)buf, len, eq + 1, &err);
			free(buf);
		}
		free(router);
		if (rc != 0)
			goto fail;
	}
	return 0;
fail:
	fprintf(stderr, "neto agent peering: %s\n", err.msg);
	return -1;
}

/* Configuration: neto's (store, lease) and [peering]. */
static int load_cfg(const popts *o, neto_cfg *cfg, pe_cfg *pc)
{
	neto_err err;
	pe_cfg_defaults(pc);
	if (o->config == NULL) {
		neto_cfg_defaults(cfg);
		pc->enabled = true;	/* started by hand: no section to say otherwise */
	} else {
		char *buf = NULL;
		size_t len = 0;
		if (neto_file_read(o->config, &buf, &len, &err) != 0 ||
		    cfg_parse(buf, len, o->config, cfg, &err) != 0) {
			free(buf);
			fprintf(stderr, "neto agent peering: %s\n", err.msg);
			return -1;
		}
		int rc = pe_cfg_parse(buf, len, o->config, pc, &err);
		free(buf);
		if (rc != 0) {
			neto_cfg_free(cfg);
			fprintf(stderr, "neto agent peering: %s\n", err.msg);
			return -1;
		}
		if (!pc->enabled) {
			fprintf(stderr, "neto agent peering: %s: peering is not enabled ([peering] "
					"enabled = yes)\n", o->config);
			neto_cfg_free(cfg);
			pe_cfg_free(pc);
			return -1;
		}
	}
	if (o->store) {
		free(cfg->store.uri);
		cfg->store.uri = neto_strdup(o->store);
	}
	if (o->peering) {
		free(pc->peering_file);
		pc->peering_file = neto_strdup(o->peering);
	}
	if (o->static_lat) {
		free(pc->static_latency);
		pc->static_latency = neto_strdup(o->static_lat);
	}
	if (o->interval > 0)
		pc->interval_s = o->interval;
	if (pc->peering_file == NULL) {
		fprintf(stderr, "neto agent peering: no peering file (--peering or [peering] "
				"peering_file)\n");
		neto_cfg_free(cfg);
		pe_cfg_free(pc);
		return -1;
	}
	return 0;
}

static int run(const popts *o, const neto_cfg *cfg, const pe_cfg *pc, store *st)
{
	neto_err err;
	int64_t t0 = wall_ms();
	pe_agent_opts ao = { .name = o->name,
			     .cfg = pc,
			     .lease_ms = cfg->controller.lease_ms,
			     .traffic_file = o->traffic,
			     .default_lat = (float)o->default_lat };
	role *r = neto_calloc(1, sizeof *r);
	r->quiet = o->quiet;
	r->grace_s = pc->bmp_grace_s;
	int lfd = -1, status = 0;
	if (pe_agent_new(&r->a, st, &ao, t0, &err) != 0) {
		fprintf(stderr, "neto agent peering: %s\n", err.msg);
		free(r);
		return 1;
	}
	if (load_files(o, r->a) != 0) {
		status = 1;
		goto out;
	}
	if (!o->no_listen) {
		lfd = listen_on(pc->bmp_listen, pc->bmp_port);
		if (lfd < 0) {
			status = 1;
			goto out;
		}
		if (!o->quiet)
			fprintf(stderr, "peering: %s: BMP on %s port %u, a cycle every %g s\n",
				o->name, pc->bmp_listen, (unsigned)pc->bmp_port, pc->interval_s);
	}
	if (!o->once && feeds_start(r, pc, o->config, &err) != 0) {
		fprintf(stderr, "neto agent peering: %s\n", err.msg);
		status = 1;
		goto out;
	}
	if (r->has_sp && !o->quiet)
		fprintf(stderr, "peering: %s: routes also over BGP ADD-PATH from %zu border "
				"routers\n", o->name, r->sp.n_peers);
	int64_t iv = (int64_t)(pc->interval_s * 1000);
	int64_t next_cycle = o->once ? t0 : t0 + iv, next_lease = t0;
	int64_t lease_step = ao.lease_ms / 3 > 0 ? ao.lease_ms / 3 : 1;
	bool settled = o->once || (lfd < 0 && !r->has_sp);
	size_t settle_routes = 0;
	bool observed = false;	/* settle_routes holds a count */
	while (!stop_flag) {
		int64_t now = wall_ms();
		grace_work(r, now);
		if (now >= next_cycle && !settled) {
			size_t nr = pe_rib_n_routes(pe_agent_rib(r->a));
			bool all_eor;
			size_t nf = feeds_up(r, &all_eor);
			bool waiting = r->n_conns + nf == 0 || nr == 0 || !observed ||
				       nr > settle_routes + settle_routes / 1000;
			/* RFC 4724: End-of-RIB from every BGP feed says their
			 * tables are whole; BMP sessions have no such marker */
			if (nf > 0 && all_eor && r->n_conns == 0 && nr > 0)
				waiting = false;
			observed = true;
			if (waiting && now - t0 < SETTLE_MAX_MS) {
				if (!o->quiet)
					fprintf(stderr,
						"peering: %s: waiting for the routers' tables: %zu routes "
						"from %zu BMP and %zu BGP sessions\n",
						o->name, nr, r->n_conns, nf);
				settle_routes = nr;
				next_cycle = now + SETTLE_WINDOW_MS;
				continue;
			}
			settled = true;
		}
		if (now >= next_cycle) {
			pe_agent_stats s;
			int rc = pe_agent_cycle(r->a, now, &s, &err);
			if (rc != 0)
				fprintf(stderr, "peering: %s: cycle failed: %s\n", o->name, err.msg);
			else if (!o->quiet)
				pe_agent_stats_print(&s, stdout);
			if (o->once) {
				status = rc != 0;
				break;
			}
			next_cycle += iv;
			if (next_cycle <= now)	/* a cycle longer than the interval */
				next_cycle = now + iv;
			next_lease = now + lease_step;
		} else if (now >= next_lease) {
			bool leader;
			if (pe_agent_lease(r->a, now, &leader, &err) != 0)
				fprintf(stderr, "peering: %s: lease: %s\n", o->name, err.msg);
			next_lease = now + lease_step;
		}
		int64_t until = next_cycle < next_lease ? next_cycle : next_lease;
		int ms = until > now ? (int)(until - now) : 0;
		struct pollfd pf[MAX_ROUTERS + 1 + BGP_SPEAKER_MAX_FDS];
		size_t n = r->n_conns, npf = 0;
		if (lfd >= 0)
			pf[npf++] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		for (size_t i = 0; i < n; i++)
			pf[npf++] = (struct pollfd){ .fd = r->conns[i].fd, .events = POLLIN };
		if (r->has_sp)
			npf += bgp_speaker_wait_set(&r->sp, pf + npf, BGP_SPEAKER_MAX_FDS, &ms);
		int pr = poll(pf, npf, ms);
		if (pr < 0) {
			if (errno == EINTR)
				continue;
			perror("neto agent peering: poll");
			status = 1;
			break;
		}
		size_t off = lfd >= 0;
		/* from the end: closing swaps the last connection into slot i */
		for (size_t i = n; i-- > 0;)
			if (pf[i + off].revents)
				read_conn(r, i);
		if (lfd >= 0 && (pf[0].revents & POLLIN))
			accept_all(r, lfd);
		/* the speaker does what is ready (it polls again, not waiting) */
		if (r->has_sp && bgp_speaker_poll(&r->sp, 0, &err) != 0)
			fprintf(stderr, "peering: %s: BGP: %s\n", o->name, err.msg);
	}
	if (pe_agent_release(r->a, wall_ms(), &err) != 0)
		fprintf(stderr, "peering: %s: releasing the lease: %s\n", o->name, err.msg);
out:
	feeds_stop(r);
	while (r->n_conns)
		conn_close(r, r->n_conns - 1, "stopping", true);
	if (lfd >= 0)
		close(lfd);
	pe_agent_free(r->a);
	free(r);
	if (!o->quiet && !o->once && status == 0)
		printf("peering: %s: stopped\n", o->name);
	return status;
}

int cmd_peering_agent(int argc, char **argv)
{
	popts o;
	int rc = parse(&o, argc, argv);
	if (rc != 0) {
		if (rc > 0)
			fputs(usage, stdout);
		else
			fputs("(see neto agent peering --help)\n", stderr);
		free(o.routes);
		free(o.bmp);
		return rc > 0 ? 0 : 2;
	}
	neto_cfg cfg;
	pe_cfg pc;
	if (load_cfg(&o, &cfg, &pc) != 0) {
		free(o.routes);
		free(o.bmp);
		return 1;
	}
	store *st = NULL;
	neto_err err;
	int status = 1;
	if (store_open(&st, cfg.store.uri, &err) != 0) {
		fprintf(stderr, "neto agent peering: %s\n", err.msg);
	} else {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_signal;
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		signal(SIGPIPE, SIG_IGN);
		status = run(&o, &cfg, &pc, st);
		store_close(st);
	}
	neto_cfg_free(&cfg);
	pe_cfg_free(&pc);
	free(o.routes);
	free(o.bmp);
	return status;
}
