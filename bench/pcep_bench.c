/*
 * pcep_bench.c - how fast neto's PCE initiates and sees reported SR LSPs,
 * and what an LSP costs it in memory.
 *
 *   pcep_bench [--lsps N] [--sessions S] [--runs R]
 *
 * The PCCs (neto's own, src/proto/pcep/pcc.c) run in a child process, one
 * TCP connection each from its own loopback address (127.0.0.2, ...), so
 * the PCE's resident memory is its own and both sides use a core. Per run:
 * wait until every session is up and synchronised, then initiate N LSPs
 * (spread round-robin over the sessions, 3 SR-MPLS segments each) and poll
 * until every one is confirmed by a PCRpt carrying its SRP-ID; then update
 * all of them (PCUpd) the same way. Reports the time of each phase, the
 * rate, and the PCE's RSS growth per LSP. Not part of `make test`.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent/pce.h"
#include "lib/mem.h"
#include "proto/pcep/pcc.h"

static int64_t ms_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double sec_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long pages = 0, res = 0;
	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &res) != 2)
			res = 0;
		fclose(f);
	}
	return res * (sysconf(_SC_PAGESIZE) / 1024);
}

static int connect_from(int i, uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET };
	a.sin_addr.s_addr = htonl(0x7f000002u + (uint32_t)i);
	if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		perror("bind");
		exit(1);
	}
	struct sockaddr_in b = { .sin_family = AF_INET, .sin_port = htons(port) };
	b.sin_addr.s_addr = htonl(0x7f000001u);
	if (connect(fd, (struct sockaddr *)&b, sizeof b) != 0) {
		perror("connect");
		exit(1);
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL, 0) | O_NONBLOCK);
	return fd;
}

/* The child: S PCCs until the PCE closes them all. */
static void run_pccs(int s, uint16_t port)
{
	pcc *c = neto_calloc((size_t)s, sizeof *c);
	int *fd = neto_calloc((size_t)s, sizeof *fd);
	struct pollfd *pf = neto_calloc((size_t)s, sizeof *pf);
	for (int i = 0; i < s; i++) {
		pcc_cfg cfg = { 0 };
		pcep_session_cfg_default(&cfg.sess, true);
		cfg.addr.af = 4;
		uint32_t ip = htonl(0x7f000002u + (uint32_t)i);
		memcpy(cfg.addr.a, &ip, 4);
		pcc_init(&c[i], &cfg);
		fd[i] = connect_from(i, port);
		pcc_start(&c[i], ms_now());
	}
	int open = s;
	while (open > 0) {
		for (int i = 0; i < s; i++) {
			pf[i].fd = fd[i];
			pf[i].events = POLLIN | (c[i].s.out.len ? POLLOUT : 0);
			pf[i].revents = 0;
		}
		poll(pf, (nfds_t)s, 100);
		for (int i = 0; i < s; i++) {
			if (fd[i] < 0 || (!pf[i].revents && !c[i].s.out.len))
				continue;
			if (pcc_io(&c[i], fd[i], ms_now()) != 0) {
				close(fd[i]);
				fd[i] = -1;
				open--;
			}
		}
	}
	for (int i = 0; i < s; i++)
		pcc_free(&c[i]);
	free(c);
	free(fd);
	free(pf);
	_exit(0);
}

static pcep_path make_path(uint32_t k, uint32_t base)
{
	pcep_path p = { 0 };
	p.has_endpoints = true;
	p.src.af = p.dst.af = 4;
	uint32_t a = htonl(0x0a000001u), b = htonl(0x0a000000u + (k % 250) + 2);
	memcpy(p.src.a, &a, 4);
	memcpy(p.dst.a, &b, 4);
	p.has_ero = true;
	for (uint32_t j = 0; j < 3; j++) {
		pcep_subobj *o = pcep_ro_add(&p.ero);
		o->type = PCEP_RO_SR;
		o->flags = PCEP_SR_M | PCEP_SR_F;
		o->sid = (base + (k + j) % 1000) << 12;
	}
	return p;
}

/* Polls until every LSP's last request is answered; returns the failures. */
static size_t settle(pce *p, pce_sess **ss, int s, char (*names)[32], uint32_t n)
{
	neto_err err;
	for (;;) {
		pce_poll(p, 10, ms_now(), &err);
		size_t pending = 0, failed = 0;
		for (uint32_t k = 0; k < n; k++) {
			pce_lsp *l = pce_lsp_find(ss[k % (uint32_t)s], names[k]);
			if (l == NULL || l->req == PCE_REQ_PENDING)
				pending++;
			else if (l->req == PCE_REQ_FAILED)
				failed++;
		}
		if (pending == 0)
			return failed;
	}
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int one_run(uint32_t n, int s, double *t_init, double *t_upd, double *kb_per_lsp,
		   double *rss_per_lsp)
{
	neto_err err;
	pce *p;
	pce_cfg pc = { .host = "127.0.0.1", .port = 0 };
	pcep_session_cfg_default(&pc.sess, false);
	if (pce_open(&p, &pc, &err) != 0) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	pid_t child = fork();
	if (child == 0)
		run_pccs(s, p->port);
	pce_sess **ss = neto_calloc((size_t)s, sizeof *ss);
	double t0 = sec_now();
	for (;;) {
		pce_poll(p, 10, ms_now(), &err);
		int up = 0;
		for (int i = 0; i < s; i++) {
			pcep_addr a = { .af = 4 };
			uint32_t ip = htonl(0x7f000002u + (uint32_t)i);
			memcpy(a.a, &ip, 4);
			ss[i] = pce_find(p, &a);
			up += ss[i] && pce_sess_up(ss[i]) && ss[i]->synced;
		}
		if (up == s)
			break;
		if (sec_now() - t0 > 60) {
			fprintf(stderr, "sessions not up\n");
			kill(child, SIGKILL);
			return -1;
		}
	}
	char (*names)[32] = neto_calloc(n, sizeof *names);
	for (uint32_t k = 0; k < n; k++)
		snprintf(names[k], sizeof names[k], "lsp-%u", (unsigned)k);
	long rss0 = rss_kb();
	size_t heap0 = mallinfo2().uordblks;
	double a = sec_now();
	for (uint32_t k = 0; k < n; k++) {
		pcep_path q = make_path(k, 16000);
		if (pce_initiate(ss[k % (uint32_t)s], names[k], &q, ms_now(), &err) != 0) {
			fprintf(stderr, "%s\n", err.msg);
			return -1;
		}
		pcep_path_free(&q);
	}
	size_t f1 = settle(p, ss, s, names, n);
	*t_init = sec_now() - a;
	long rss1 = rss_kb();
	size_t heap1 = mallinfo2().uordblks;
	a = sec_now();
	for (uint32_t k = 0; k < n; k++) {
		pcep_path q = make_path(k, 17000);
		if (pce_update(ss[k % (uint32_t)s], names[k], &q, ms_now(), &err) != 0) {
			fprintf(stderr, "%s\n", err.msg);
			return -1;
		}
		pcep_path_free(&q);
	}
	size_t f2 = settle(p, ss, s, names, n);
	*t_upd = sec_now() - a;
	/* the heap the database holds per LSP (slot, last report with its
	 * ERO, map entries), and the RSS growth (meaningful in a fresh
	 * process: later runs reuse freed pages) */
	*kb_per_lsp = (double)(heap1 - heap0) / n;
	*rss_per_lsp = (double)(rss1 - rss0) / n;
	size_t count = 0;
	for (int i = 0; i < s; i++)
		count += pce_lsp_count(ss[i]);
	if (f1 || f2 || count != n) {
		fprintf(stderr, "failures: %zu initiate, %zu update; %zu LSPs reported\n", f1, f2,
			count);
		return -1;
	}
	free(names);
	free(ss);
	pce_free(p);	/* closes the sockets: the child exits */
	int st;
	waitpid(child, &st, 0);
	return 0;
}

int main(int argc, char **argv)
{
	uint32_t n = 10000;
	int s = 1, runs = 3;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--lsps") == 0)
			n = (uint32_t)atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--sessions") == 0)
			s = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--runs") == 0)
			runs = atoi(argv[i + 1]);
	}
	if (n == 0 || s <= 0 || s > 250 || runs <= 0 || runs > 99) {
		fprintf(stderr, "usage: pcep_bench [--lsps N] [--sessions 1..250] [--runs R]\n");
		return 2;
	}
	double ti[99], tu[99], kb[99], rs[99];
	for (int r = 0; r < runs; r++) {
		if (one_run(n, s, &ti[r], &tu[r], &kb[r], &rs[r]) != 0)
			return 1;
		printf("run %d: %u LSPs over %d sessions: initiate+report %.3f s (%.0f/s), "
		       "update+report %.3f s (%.0f/s), PCE heap %.0f B/LSP, RSS growth %.2f KiB/LSP\n",
		       r + 1, (unsigned)n, s, ti[r], n / ti[r], tu[r], n / tu[r], kb[r], rs[r]);
	}
	double rss_first = rs[0];
	qsort(ti, (size_t)runs, sizeof *ti, cmp_d);
	qsort(tu, (size_t)runs, sizeof *tu, cmp_d);
	qsort(kb, (size_t)runs, sizeof *kb, cmp_d);
	printf("median of %d: initiate+report %.3f s (%.0f LSPs/s), update+report %.3f s "
	       "(%.0f LSPs/s), PCE heap %.0f B/LSP; RSS growth in the first run %.2f KiB/LSP\n",
	       runs, ti[runs / 2], n / ti[runs / 2], tu[runs / 2], n / tu[runs / 2], kb[runs / 2],
	       rss_first);
	return 0;
}
