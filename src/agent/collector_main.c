/*
 * collector_main.c - `neto agent flow NAME`: one flow agent of the
 * configuration as a process of its own, beside `neto run` or the other
 * roles, over the shared store. A leaf with `listen` also runs its
 * collector: a UDP socket for IPFIX / NetFlow v9 / v5 exports, whose
 * batches it writes to the store topics its leaf reads (flow.<exporter>).
 *
 * The socket: SO_RCVBUF from the configuration (rcvbuf), SO_RXQ_OVFL so
 * the kernel reports the datagrams it dropped for want of buffer (counted
 * as kernel_drops), recvmmsg to take up to 64 datagrams a call. One
 * thread does the socket, the flushes and the agent's ticks; the optional
 * /metrics server (libmicrohttpd's own thread) reads the counters under a
 * mutex.
 *
 * With pe_traffic, each window's traffic to destinations outside the WAN
 * also goes to kv "pe-traffic" under the agent's name (collector_pe.h).
 *
 * --flows-log FILE writes every decoded flow as a CSV line (exporter, src,
 * dst, proto, sport, dport, tos, bytes, packets, sampling): the interop
 * tests compare it with other collectors.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "agent/collector.h"
#include "agent/flow.h"
#include "cfg/cfg.h"
#include "lib/file.h"
#include "lib/mem.h"
#include "store/store.h"
#include "topo/topo.h"
#include "topo/topo_io.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char usage[] =
	"usage: neto agent flow NAME [--config FILE] [--store URI] [--for DURATION]\n"
	"                            [--flows-log FILE] [--quiet]\n"
	"\n"
	"Runs the flow agent NAME of the configuration ([agent NAME], role = flow)\n"
	"against the store: a leaf reads its exporters' record batches, a parent\n"
	"its children's partial matrices, the root writes demand matrices\n"
	"(docs/agents.md). With `listen`, the agent also collects IPFIX, NetFlow\n"
	"v9 and v5 exports on that UDP address and writes them as record batches\n"
	"(docs/ipfix.md).\n"
	"\n"
	"options:\n"
	"  --config FILE      the configuration file (required)\n"
	"  --store URI        overrides [store] uri\n"
	"  --for DURATION     stop after this long (e.g. 30s); default: until a signal\n"
	"  --flows-log FILE   write every decoded flow as a CSV line\n"
	"  --quiet            no progress lines\n";

typedef struct proc {
	store *st;
	collector *col;
	pthread_mutex_t mu;
	FILE *flows_log;
	const char *cur_exporter;
	bool quiet;
} proc;

static int send_store(void *ctx, const char *topic, const char *key, int64_t at,
		      const char *body, size_t len, neto_err *err)
{
	proc *p = ctx;
	return store_msg_put(p->st, topic, key, at, body, len, err);
}

static int put_kv(void *ctx, const char *ns, const char *key, const char *body, size_t len,
		  neto_err *err)
{
	proc *p = ctx;
	return store_kv_put(p->st, ns, key, body, len, now_ms(), err);
}

static enum MHD_Result serve_metrics(void *cls, struct MHD_Connection *conn, const char *url,
				     const char *method, const char *version,
				     const char *upload, size_t *upload_len, void **req)
{
	(void)version, (void)upload, (void)upload_len, (void)req;
	proc *p = cls;
	if (strcmp(method, "GET") != 0 || strcmp(url, "/metrics") != 0) {
		static const char nf[] = "not found\n";
		struct MHD_Response *r = MHD_create_response_from_buffer(
			sizeof nf - 1, (void *)(uintptr_t)nf, MHD_RESPMEM_PERSISTENT);
		enum MHD_Result rc = MHD_queue_response(conn, MHD_HTTP_NOT_FOUND, r);
		MHD_destroy_response(r);
		return rc;
	}
	pthread_mutex_lock(&p->mu);
	char *text = collector_metrics(p->col);
	pthread_mutex_unlock(&p->mu);
	struct MHD_Response *r =
		MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(r, "Content-Type", "text/plain; version=0.0.4");
	enum MHD_Result rc = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return rc;
}

static int sockaddr_of(const char *host, uint16_t port, struct sockaddr_storage *ss,
		       socklen_t *sl)
{
	memset(ss, 0, sizeof *ss);
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	if (strcmp(host, "localhost") == 0)
		host = "127.0.0.1";
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		*sl = sizeof *s4;
		return 0;
	}
	if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		*sl = sizeof *s6;
		return 0;
	}
	return -1;
}

static int open_socket(const neto_cfg_agent *ag, neto_err *err)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	if (sockaddr_of(ag->listen_host, ag->listen_port, &ss, &sl) != 0)
		return neto_err_set(err, "listen: '%s' is not an address", ag->listen);
	int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return neto_err_set(err, "socket: %s", strerror(errno));
	int one = 1;
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	if (ag->rcvbuf) {
		int v = (int)ag->rcvbuf;
		/* root may exceed net.core.rmem_max; others get what it allows */
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof v) != 0)
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof v);
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one) != 0) {
		close(fd);
		return neto_err_set(err, "SO_RXQ_OVFL: %s", strerror(errno));
	}
	if (bind(fd, (struct sockaddr *)&ss, sl) != 0) {
		int e = errno;
		close(fd);
		return neto_err_set(err, "bind %s: %s", ag->listen, strerror(e));
	}
	return fd;
}

static void from_sockaddr(const struct sockaddr_storage *ss, ipfix_addr *a)
{
	memset(a, 0, sizeof *a);
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
		a->family = 4;
		memcpy(a->a, &s4->sin_addr, 4);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			a->family = 4;
			memcpy(a->a, &s6->sin6_addr.s6_addr[12], 4);
		} else {
			a->family = 6;
			memcpy(a->a, &s6->sin6_addr, 16);
		}
	}
}

/* The agent's flowagent configuration, as the runtime builds it. */
static int make_agent(flowagent **out, store *st, const neto_cfg *cfg,
		      const neto_cfg_agent *ag, double bits, const char ***kids, neto_err *err)
{
	flowagent_cfg fc = { .name = ag->name,
			     .parent = ag->parent,
			     .window_ms = ag->window_ms,
			     .bits_per_unit = bits };
	if (ag->n_exporters) {
		fc.kind = FLOWAGENT_LEAF;
		fc.exporters = (const char *const *)ag->exporters;
		fc.n_exporters = ag->n_exporters;
	} else {
		size_t nk = 0;
		*kids = neto_calloc(cfg->n_agents + 1, sizeof(char *));
		for (size_t j = 0; j < cfg->n_agents; j++)
			if (cfg->agents[j].role == CFG_ROLE_FLOW && cfg->agents[j].parent &&
			    strcmp(cfg->agents[j].parent, ag->name) == 0)
				(*kids)[nk++] = cfg->agents[j].name;
		fc.kind = FLOWAGENT_PARENT;
		fc.children = *kids;
		fc.n_children = nk;
	}
	if (ag->smoothing == CFG_SMOOTH_EWMA)
		fc.smoothing = (flowagent_smoothing){ .kind = FLOWAGENT_SMOOTH_EWMA,
						      .alpha = ag->smoothing_param };
	else if (ag->smoothing == CFG_SMOOTH_PERCENTILE)
		fc.smoothing = (flowagent_smoothing){ .kind = FLOWAGENT_SMOOTH_PCT,
						      .pct = (uint32_t)ag->smoothing_param };
	return flowagent_new(out, st, &fc, err);
}

/* The topology's unit and SRv6 locators (as site prefixes), when the store
 * has a topology. */
static double from_topology(store *st, collector *col, FILE *log)
{
	int64_t version, at;
	char *body = NULL;
	size_t len = 0;
	neto_err err;
	double bits = 1e6;
	if (store_topology_latest(st, &version, &at, &body, &len, &err) != 0 || !body) {
		free(body);
		return bits;
	}
	topo t;
	topo_init(&t);
	if (topo_parse_json(&t, body, len, "store topology", &err) == 0) {
		if (t.unit && flowagent_unit_bits(t.unit) > 0)
			bits = flowagent_unit_bits(t.unit);
		size_t added = 0;
		for (uint32_t i = 0; col && i < t.n_nodes; i++) {
			const topo_node *n = &t.nodes[i];
			if (!n->has_locator)
				continue;
			bool v4 = false;	/* locators are IPv6 (SRv6) */
			if (collector_add_prefix(col, v4 ? 4 : 6, n->locator, n->locator_len,
						 n->name, &err) == 0)
				added++;
		}
		if (log && col)
			fprintf(log, "flow: %zu site prefixes from the topology's locators\n",
				added);
	}
	topo_free(&t);
	free(body);
	return bits;
}

static void log_flow(void *ctx, const char *exporter, const ipfix_flow *f);

int collector_cmd(int argc, char **argv)
{
	const char *name = NULL, *config = NULL, *store_uri = NULL, *flows_log = NULL;
	int64_t for_ms = 0;
	bool quiet = false;
	neto_err err;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(usage, stdout);
			return 0;
		}
		if (strcmp(a, "--quiet") == 0) {
			quiet = true;
		} else if (a[0] == '-' && a[1] == '-' && i + 1 < argc) {
			const char *v = argv[++i];
			if (strcmp(a, "--config") == 0)
				config = v;
			else if (strcmp(a, "--store") == 0)
				store_uri = v;
			else if (strcmp(a, "--flows-log") == 0)
				flows_log = v;
			else if (strcmp(a, "--for") == 0) {
				if (cfg_parse_duration(v, &for_ms, &err) != 0) {
					fprintf(stderr, "neto agent flow: --for: %s\n", err.msg);
					return 2;
				}
			} else {
				fprintf(stderr, "neto agent flow: unknown option '%s'\n%s", a, usage);
				return 2;
			}
		} else if (a[0] != '-' && !name) {
			name = a;
		} else {
			fprintf(stderr, "neto agent flow: unexpected '%s'\n%s", a, usage);
			return 2;
		}
	}
	if (!name || !config) {
		fprintf(stderr, "neto agent flow: needs NAME and --config FILE\n%s", usage);
		return 2;
	}
	neto_cfg cfg;
	char *buf = NULL;
	size_t len = 0;
	if (neto_file_read(config, &buf, &len, &err) != 0 ||
	    cfg_parse(buf, len, config, &cfg, &err) != 0) {
		free(buf);
		fprintf(stderr, "neto agent flow: %s\n", err.msg);
		return 1;
	}
	free(buf);
	int rc = 1;
	proc p = { .quiet = quiet };
	pthread_mutex_init(&p.mu, NULL);
	flowagent *fa = NULL;
	const char **kids = NULL;
	int fd = -1;
	struct MHD_Daemon *mhd = NULL;
	FILE *log = quiet ? NULL : stdout;
	const neto_cfg_agent *ag = cfg_agent_find(&cfg, name);
	if (!ag || ag->role != CFG_ROLE_FLOW) {
		fprintf(stderr, "neto agent flow: %s has no flow agent [agent %s]\n", config, name);
		goto out;
	}
	if (store_open(&p.st, store_uri ? store_uri : cfg.store.uri, &err) != 0) {
		fprintf(stderr, "neto agent flow: %s\n", err.msg);
		goto out;
	}
	if (ag->listen) {
		if (collector_new(&p.col, ag, &err) != 0) {
			fprintf(stderr, "neto agent flow: %s\n", err.msg);
			goto out;
		}
		if (ag->prefixes) {
			char *pb = NULL;
			size_t pl = 0;
			if (neto_file_read(ag->prefixes, &pb, &pl, &err) != 0 ||
			    collector_load_prefixes(p.col, pb, pl, ag->prefixes, &err) != 0) {
				free(pb);
				fprintf(stderr, "neto agent flow: %s\n", err.msg);
				goto out;
			}
			free(pb);
		}
		if (ag->pe_traffic)
			collector_set_pe_sink(p.col, put_kv, &p);
	}
	double bits = from_topology(p.st, p.col, log);
	if (make_agent(&fa, p.st, &cfg, ag, bits, &kids, &err) != 0) {
		fprintf(stderr, "neto agent flow: %s\n", err.msg);
		goto out;
	}
	if (flows_log) {
		p.flows_log = fopen(flows_log, "w");
		if (!p.flows_log) {
			fprintf(stderr, "neto agent flow: %s: %s\n", flows_log, strerror(errno));
			goto out;
		}
		if (p.col)
			collector_set_flow_hook(p.col, log_flow, p.flows_log);
	}
	if (p.col) {
		fd = open_socket(ag, &err);
		if (fd < 0) {
			fprintf(stderr, "neto agent flow: %s\n", err.msg);
			goto out;
		}
		if (ag->metrics) {
			struct sockaddr_storage ms;
			socklen_t msl;
			char *host = NULL;
			uint16_t port;
			bool lo;
			if (cfg_parse_listen(ag->metrics, &host, &port, &lo, &err) != 0 ||
			    sockaddr_of(host, port, &ms, &msl) != 0) {
				free(host);
				fprintf(stderr, "neto agent flow: metrics: bad address\n");
				goto out;
			}
			free(host);
			unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD |
					 (ms.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0);
			mhd = MHD_start_daemon(flags, port, NULL, NULL, serve_metrics, &p,
					       MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ms,
					       MHD_OPTION_END);
			if (!mhd) {
				fprintf(stderr, "neto agent flow: cannot serve metrics on %s\n",
					ag->metrics);
				goto out;
			}
		}
		if (log)
			fprintf(log, "flow: agent %s collecting on %s (%zu site prefixes)\n",
				name, ag->listen, collector_prefixes(p.col));
	} else if (log) {
		fprintf(log, "flow: agent %s running\n", name);
	}
	if (log)
		fflush(log);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	enum { VLEN = 64, BUFSZ = 65536 };
	static uint8_t bufs[VLEN][BUFSZ];
	struct mmsghdr msgs[VLEN];
	struct iovec iov[VLEN];
	struct sockaddr_storage from[VLEN];
	static char ctl[VLEN][CMSG_SPACE(sizeof(uint32_t))];
	int64_t start = now_ms(), next_tick = 0;
	while (!stop_flag) {
		int64_t now = now_ms();
		if (for_ms && now - start >= for_ms)
			break;
		int timeout = 100;
		if (p.col) {
			int64_t nf = collector_next_flush(p.col);
			if (nf != INT64_MAX && nf - now < timeout)
				timeout = nf - now > 0 ? (int)(nf - now) : 0;
			struct pollfd pfd = { .fd = fd, .events = POLLIN };
			if (poll(&pfd, 1, timeout) > 0) {
				for (int i = 0; i < VLEN; i++) {
					iov[i] = (struct iovec){ bufs[i], BUFSZ };
					memset(&msgs[i], 0, sizeof msgs[i]);
					msgs[i].msg_hdr.msg_iov = &iov[i];
					msgs[i].msg_hdr.msg_iovlen = 1;
					msgs[i].msg_hdr.msg_name = &from[i];
					msgs[i].msg_hdr.msg_namelen = sizeof from[i];
					msgs[i].msg_hdr.msg_control = ctl[i];
					msgs[i].msg_hdr.msg_controllen = sizeof ctl[i];
				}
				int n = recvmmsg(fd, msgs, VLEN, MSG_DONTWAIT, NULL);
				now = now_ms();
				pthread_mutex_lock(&p.mu);
				for (int i = 0; i < n; i++) {
					ipfix_addr fa_addr;
					from_sockaddr(&from[i], &fa_addr);
					for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msgs[i].msg_hdr); cm;
					     cm = CMSG_NXTHDR(&msgs[i].msg_hdr, cm))
						if (cm->cmsg_level == SOL_SOCKET &&
						    cm->cmsg_type == SO_RXQ_OVFL) {
							uint32_t d;
							memcpy(&d, CMSG_DATA(cm), sizeof d);
							collector_stats_mut(p.col)->kernel_drops = d;
						}
					neto_err perr;
					if (collector_packet(p.col, &fa_addr, bufs[i], msgs[i].msg_len,
							     now, &perr) != 0 && log)
						fprintf(log, "flow: %s\n", perr.msg);
				}
				pthread_mutex_unlock(&p.mu);
			}
			now = now_ms();
			pthread_mutex_lock(&p.mu);
			if (now >= collector_next_flush(p.col)) {
				neto_err ferr;
				if (collector_flush(p.col, now, false, send_store, &p, &ferr) < 0 &&
				    log)
					fprintf(log, "flow: %s\n", ferr.msg);
			}
			pthread_mutex_unlock(&p.mu);
		} else {
			struct timespec ts = { 0, 100 * 1000000L };
			nanosleep(&ts, NULL);
		}
		now = now_ms();
		if (now >= next_tick) {
			neto_err terr;
			if (flowagent_tick(fa, now, &terr) != 0 && log)
				fprintf(log, "flow: %s\n", terr.msg);
			next_tick = now + 100;
		}
		if (log)
			fflush(log);
	}
	if (p.col) {
		neto_err ferr;
		pthread_mutex_lock(&p.mu);
		if (collector_flush(p.col, now_ms(), true, send_store, &p, &ferr) < 0 && log)
			fprintf(log, "flow: %s\n", ferr.msg);
		pthread_mutex_unlock(&p.mu);
		if (log) {
			const collector_stats *s = collector_stats_get(p.col);
			fprintf(log,
				"flow: agent %s stopped: %llu packets, %llu flows, %llu attributed, "
				"%llu unattributed, %llu batches, %llu kernel drops\n",
				name, (unsigned long long)s->packets, (unsigned long long)s->flows,
				(unsigned long long)s->attributed,
				(unsigned long long)s->unattributed, (unsigned long long)s->batches,
				(unsigned long long)s->kernel_drops);
		}
	}
	rc = 0;
out:
	if (mhd)
		MHD_stop_daemon(mhd);
	if (fd >= 0)
		close(fd);
	if (p.flows_log)
		fclose(p.flows_log);
	flowagent_free(fa);
	free(kids);
	collector_free(p.col);
	if (p.st)
		store_close(p.st);
	pthread_mutex_destroy(&p.mu);
	neto_cfg_free(&cfg);
	return rc;
}

static void log_flow(void *ctx, const char *exporter, const ipfix_flow *f)
{
	FILE *out = ctx;
	char s[64], d[64];
	fprintf(out, "%s,%s,%s,%u,%u,%u,%u,%llu,%llu,%u\n", exporter,
		ipfix_addr_str(&f->src, s, sizeof s), ipfix_addr_str(&f->dst, d, sizeof d),
		f->proto, f->sport, f->dport, f->tos, (unsigned long long)f->bytes,
		(unsigned long long)f->packets, f->sampling);
}
