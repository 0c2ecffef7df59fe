/*
 * cmd_probe.c - `neto probe-responder`: answers neto's latency probes
 * (src/proto/probe/probe.h) after a configured delay.
 *
 * In the lab it stands in for an ISP's network: this kernel has no netem,
 * so the delay of a path is the time the responder holds each answer. With
 * `ip route add local PFX dev lo` in its namespace, every address of PFX is
 * local and one wildcard-bound responder answers for all of them; each
 * answer leaves from the address the probe was sent to (IP_PKTINFO /
 * IPV6_PKTINFO on the way in and out; IPV6_FREEBIND, because IPv6 refuses
 * a source from a `local` route that is not an interface address).
 *
 * Timing: the kernel stamps each datagram on arrival (SO_TIMESTAMPNS), and
 * the answer is due that stamp plus the delay, so time the process spends
 * waiting for the CPU does not add to the delay. Held answers sit in a
 * bounded min-heap on their due time (probe_delayq); one ppoll waits for
 * the next datagram or the next due answer, whichever comes first. A full
 * queue drops the probe (counted); malformed datagrams are never answered
 * (counted by reason).
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
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "lab/netns.h"
#include "lib/err.h"
#include "lib/wire.h"
#include "proto/probe/probe.h"

static const char usage[] =
	"usage: neto probe-responder [--bind ADDR] [--port N] [--delay MS]\n"
	"                            [--queue N] [--netns NS] [--quiet]\n"
	"\n"
	"Answers every valid neto latency probe (UDP) after MS milliseconds,\n"
	"from the address it was sent to. Malformed datagrams are not answered;\n"
	"they are counted by reason. On SIGINT or SIGTERM it prints its counters\n"
	"on standard error and exits 0.\n"
	"\n"
	"  --bind ADDR   listen on this IPv4 or IPv6 address only (default: every\n"
	"                address, IPv4 and IPv6; with `ip route add local PFX dev\n"
	"                lo` that includes every address of PFX)\n"
	"  --port N      UDP port (default 7788)\n"
	"  --delay MS    hold each answer this long, measured from the probe's\n"
	"                arrival (default 0; fractions allowed, at most 60000)\n"
	"  --queue N     answers held at most at once; a probe arriving when the\n"
	"                queue is full is dropped and counted (default 4096)\n"
	"  --netns NS    run inside network namespace NS\n"
	"  --quiet       no start line, counters or per-datagram messages; only\n"
	"                errors\n";

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
	(void)sig;
	g_stop = 1;
}

static int64_t clock_ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* One held answer: the probe's fields and where the answer goes. */
typedef struct held {
	int sock;		/* index into the socket array */
	socklen_t peer_len;
	struct sockaddr_storage peer;
	bool has_dst;
	int family;
	uint8_t dst[16];	/* the probe's destination: the answer's source */
	probe_msg msg;
} held;

typedef struct counters {
	uint64_t received, answered, dropped, ignored, send_errors;
	uint64_t malformed[PROBE_N_ERRORS];
} counters;

static int open_socket(int family, const char *addr, uint16_t port, neto_err *err)
{
	int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return neto_err_set(err, "socket: %s", strerror(errno));
	int one = 1;
	(void)setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
	int big = 1 << 20;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	socklen_t sl;
	int rc;
	if (family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		rc = inet_pton(AF_INET, addr, &s4->sin_addr);
		sl = sizeof *s4;
		if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one) != 0)
			rc = -1;
		(void)setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof one);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		rc = inet_pton(AF_INET6, addr, &s6->sin6_addr);
		sl = sizeof *s6;
		/* IPv4 has a socket of its own: no mapped addresses here */
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one) != 0)
			rc = -1;
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof one);
	}
	if (rc != 1) {
		close(fd);
		return neto_err_set(err, "'%s': not an address, or no packet information", addr);
	}
	if (bind(fd, (struct sockaddr *)&ss, sl) != 0) {
		int e = errno;
		close(fd);
		return neto_err_set(err, "bind %s port %u: %s", addr, (unsigned)port, strerror(e));
	}
	return fd;
}

/* Reads what socket i has (at most a batch) and queues the answers. */
static void receive(int fd, int i, double delay_ms, probe_delayq *q, counters *c, bool quiet)
{
	for (int batch = 0; batch < 256; batch++) {
		uint8_t buf[PROBE_MAX_LEN + 1];
		union {
			char b[256];
			struct cmsghdr align;
		} ctl;
		held h;
		memset(&h, 0, sizeof h);
		struct iovec iov = { buf, sizeof buf };
		struct msghdr mh = { .msg_name = &h.peer, .msg_namelen = sizeof h.peer,
				     .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = ctl.b, .msg_controllen = sizeof ctl.b };
		ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);
		if (n < 0)
			return;
		int64_t now_real = clock_ns(CLOCK_REALTIME), now_mono = clock_ns(CLOCK_MONOTONIC);
		int64_t rx_real = now_real;
		c->received++;
		h.sock = i;
		h.peer_len = mh.msg_namelen;
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
			if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SO_TIMESTAMPNS &&
			    cm->cmsg_len >= CMSG_LEN(sizeof(struct timespec))) {
				struct timespec ts;
				memcpy(&ts, CMSG_DATA(cm), sizeof ts);
				rx_real = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
			} else if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO &&
				   cm->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
				struct in_pktinfo pi;
				memcpy(&pi, CMSG_DATA(cm), sizeof pi);
				h.has_dst = true;
				h.family = AF_INET;
				memcpy(h.dst, &pi.ipi_addr, 4);
			} else if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO &&
				   cm->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
				struct in6_pktinfo pi;
				memcpy(&pi, CMSG_DATA(cm), sizeof pi);
				h.has_dst = true;
				h.family = AF_INET6;
				memcpy(h.dst, &pi.ipi6_addr, 16);
			}
		}
		neto_err err;
		int e = probe_decode(buf, (size_t)n, &h.msg, &err);
		if (e != PROBE_OK) {
			c->malformed[e]++;
			if (!quiet && c->malformed[e] <= 10)
				fprintf(stderr, "probe-responder: ignored %zd octets: %s\n", n, err.msg);
			continue;
		}
		if (h.msg.type != PROBE_REQUEST) {
			c->ignored++;	/* an answer is never answered: no loops */
			continue;
		}
		/* due: the arrival stamp plus the delay, on the monotonic clock */
		int64_t waited = now_real - rx_real;
		if (waited < 0 || waited > 1000000000)
			waited = 0;	/* clock stepped: count from now */
		int64_t due = now_mono - waited + (int64_t)(delay_ms * 1e6);
		if (!probe_delayq_push(q, due, &h))
			c->dropped++;
	}
}

static void answer(int fd, held *h, wire_wr *w, counters *c)
{
	probe_msg a = probe_answer_of(&h->msg);
	w->len = 0;
	neto_err err;
	if (probe_encode(&a, w, &err) != 0) {
		c->send_errors++;
		return;
	}
	union {
		char b[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} ctl;
	memset(&ctl, 0, sizeof ctl);
	struct iovec iov = { w->buf, w->len };
	struct msghdr mh = { .msg_name = &h->peer, .msg_namelen = h->peer_len,
			     .msg_iov = &iov, .msg_iovlen = 1 };
	if (h->has_dst) {
		/* the answer's source is the probed address */
		struct cmsghdr *cm = (struct cmsghdr *)ctl.b;
		if (h->family == AF_INET) {
			struct in_pktinfo pi;
			memset(&pi, 0, sizeof pi);
			memcpy(&pi.ipi_spec_dst, h->dst, 4);
			cm->cmsg_level = IPPROTO_IP;
			cm->cmsg_type = IP_PKTINFO;
			cm->cmsg_len = CMSG_LEN(sizeof pi);
			memcpy(CMSG_DATA(cm), &pi, sizeof pi);
			mh.msg_controllen = CMSG_SPACE(sizeof pi);
		} else {
			struct in6_pktinfo pi;
			memset(&pi, 0, sizeof pi);
			memcpy(&pi.ipi6_addr, h->dst, 16);
			cm->cmsg_level = IPPROTO_IPV6;
			cm->cmsg_type = IPV6_PKTINFO;
			cm->cmsg_len = CMSG_LEN(sizeof pi);
			memcpy(CMSG_DATA(cm), &pi, sizeof pi);
			mh.msg_controllen = CMSG_SPACE(sizeof pi);
		}
		mh.msg_control = ctl.b;
	}
	if (sendmsg(fd, &mh, MSG_DONTWAIT) < 0) {
		c->send_errors++;
		return;
	}
	c->answered++;
}

int cmd_probe_responder(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "bind", required_argument, NULL, 'b' },
		{ "port", required_argument, NULL, 'p' },
		{ "delay", required_argument, NULL, 'd' },
		{ "queue", required_argument, NULL, 'q' },
		{ "netns", required_argument, NULL, 'n' },
		{ "quiet", no_argument, NULL, 'Q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *bind_addr = NULL, *netns = NULL;
	long port = PROBE_PORT, qcap = 4096;
	double delay = 0;
	bool quiet = false;
	char *end;
	int c;
	optind = 1;
	while ((c = getopt_long(argc + 1, argv - 1, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			bind_addr = optarg;
			break;
		case 'p':
			port = strtol(optarg, &end, 10);
			if (*end || port < 1 || port > 65535) {
				fputs("neto probe-responder: --port: 1..65535\n", stderr);
				return 2;
			}
			break;
		case 'd':
			delay = strtod(optarg, &end);
			if (*end || optarg[0] == '\0' || !(delay >= 0 && delay <= 60000)) {
				fputs("neto probe-responder: --delay: milliseconds, 0..60000\n", stderr);
				return 2;
			}
			break;
		case 'q':
			qcap = strtol(optarg, &end, 10);
			if (*end || qcap < 1 || qcap > 1000000) {
				fputs("neto probe-responder: --queue: 1..1000000\n", stderr);
				return 2;
			}
			break;
		case 'n':
			netns = optarg;
			break;
		case 'Q':
			quiet = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (optind != argc + 1) {
		fprintf(stderr, "neto probe-responder: unexpected argument '%s'\n", argv[optind - 1]);
		return 2;
	}
	neto_err err;
	if (lab_enter_netns(netns, &err) != 0) {
		fprintf(stderr, "neto probe-responder: %s\n", err.msg);
		return 1;
	}
	int fds[2] = { -1, -1 };
	const char *names[2] = { NULL, NULL };
	int nfd = 0;
	if (bind_addr) {
		int fam = strchr(bind_addr, ':') ? AF_INET6 : AF_INET;
		fds[0] = open_socket(fam, bind_addr, (uint16_t)port, &err);
		if (fds[0] < 0) {
			fprintf(stderr, "neto probe-responder: %s\n", err.msg);
			return 2;
		}
		names[0] = bind_addr;
		nfd = 1;
	} else {
		static const char *const any[2] = { "0.0.0.0", "::" };
		for (int k = 0; k < 2; k++) {
			int fd = open_socket(k ? AF_INET6 : AF_INET, any[k], (uint16_t)port, &err);
			if (fd < 0) {
				fprintf(stderr, "neto probe-responder: %s\n", err.msg);
				continue;
			}
			fds[nfd] = fd;
			names[nfd++] = any[k];
		}
		if (nfd == 0)
			return 2;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (!quiet) {
		fprintf(stderr, "probe-responder: listening on");
		for (int i = 0; i < nfd; i++)
			fprintf(stderr, " %s", names[i]);
		fprintf(stderr, " port %ld, delay %g ms\n", port, delay);
	}
	probe_delayq q;
	probe_delayq_init(&q, (size_t)qcap, sizeof(held));
	counters cnt;
	memset(&cnt, 0, sizeof cnt);
	wire_wr w;
	wire_wr_init(&w);
	held h;
	while (!g_stop) {
		int64_t now = clock_ns(CLOCK_MONOTONIC), due;
		while (probe_delayq_pop_due(&q, now, &h))
			answer(fds[h.sock], &h, &w, &cnt);
		struct timespec to = { 1, 0 };
		if (probe_delayq_peek(&q, &due)) {
			int64_t wait = due - now;
			if (wait < 0)
				wait = 0;
			if (wait < 1000000000) {
				to.tv_sec = 0;
				to.tv_nsec = (long)wait;
			}
		}
		struct pollfd pfd[2];
		for (int i = 0; i < nfd; i++)
			pfd[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
		int r = ppoll(pfd, (nfds_t)nfd, &to, NULL);
		if (r < 0 && errno != EINTR) {
			fprintf(stderr, "neto probe-responder: poll: %s\n", strerror(errno));
			break;
		}
		for (int i = 0; r > 0 && i < nfd; i++)
			if (pfd[i].revents & POLLIN)
				receive(fds[i], i, delay, &q, &cnt, quiet);
	}
	if (!quiet) {
		uint64_t bad = 0;
		for (int e = 1; e < PROBE_N_ERRORS; e++)
			bad += cnt.malformed[e];
		fprintf(stderr,
			"probe-responder: received %llu answered %llu dropped %llu malformed %llu "
			"ignored %llu send-errors %llu held %zu",
			(unsigned long long)cnt.received, (unsigned long long)cnt.answered,
			(unsigned long long)cnt.dropped, (unsigned long long)bad,
			(unsigned long long)cnt.ignored, (unsigned long long)cnt.send_errors, q.n);
		for (int e = 1; e < PROBE_N_ERRORS; e++)
			if (cnt.malformed[e])
				fprintf(stderr, " %s=%llu", probe_error_name(e),
					(unsigned long long)cnt.malformed[e]);
		fputc('\n', stderr);
	}
	wire_wr_free(&w);
	probe_delayq_free(&q);
	for (int i = 0; i < nfd; i++)
		close(fds[i]);
	return 0;
}
