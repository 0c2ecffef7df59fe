/*
 * pcep_ctl.c - the PCEP driver under a line-based script, for interop tests
 * with real PCCs (tests/lab/test_pcep_frr.sh) and for trying a router by
 * hand. It runs the driver's PCE and reads commands from standard input
 * while it keeps the sessions going; each command answers one line that
 * starts with "OK" or "FAIL" (then the details).
 *
 *   pcep_ctl --listen HOST:PORT --peers R=ADDR,... [--map FILE]
 *
 * Commands:
 *   wait-up ROUTER SECONDS            the router's session is up and synchronised
 *   wait-down ROUTER SECONDS          the router's session is closed (prints why)
 *   apply ROUTER POLICY JSON          driver apply
 *   remove ROUTER POLICY              driver remove
 *   wait ROUTER POLICY JSON|- SECONDS until status is DONE (prints the readback)
 *                                     or FAILED (prints the reason)
 *   lsps ROUTER                       the LSP database: name plsp-id flags exists
 *   sleep SECONDS                     keep polling for that long
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/driver_pcep.h"
#include "lib/mem.h"

static agent_driver drv;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void pump(void)
{
	neto_err err;
	drv.refresh(drv.ctx, "*", 0, &err);
	poll(NULL, 0, 5);
}

static pce_sess *sess_of(const char *router)
{
	return driver_pcep_session(&drv, router);
}

static void cmd(char *line)
{
	char *save = NULL;
	char *c = strtok_r(line, " \t", &save);
	if (c == NULL)
		return;
	neto_err err;
	err.msg[0] = '\0';
	if (strcmp(c, "wait-up") == 0 || strcmp(c, "wait-down") == 0) {
		const char *r = strtok_r(NULL, " \t", &save);
		const char *t = strtok_r(NULL, " \t", &save);
		bool up = strcmp(c, "wait-up") == 0;
		double end = now_s() + (t ? atof(t) : 30);
		while (now_s() < end) {
			pump();
			pce_sess *s = r ? sess_of(r) : NULL;
			if (up && s && pce_sess_up(s) && s->synced) {
				printf("OK up %zu LSPs\n", pce_lsp_count(s));
				return;
			}
			if (!up && s && s->s.state == PCEP_ST_CLOSED) {
				printf("OK down: %s\n", s->s.why);
				return;
			}
		}
		printf("FAIL timeout\n");
		return;
	}
	if (strcmp(c, "apply") == 0) {
		const char *r = strtok_r(NULL, " \t", &save);
		const char *pol = strtok_r(NULL, " \t", &save);
		const char *js = strtok_r(NULL, "", &save);
		if (!r || !pol || !js || drv.apply(drv.ctx, r, pol, js, 0, &err) != 0)
			printf("FAIL %s\n", err.msg);
		else
			printf("OK\n");
		return;
	}
	if (strcmp(c, "remove") == 0) {
		const char *r = strtok_r(NULL, " \t", &save);
		const char *pol = strtok_r(NULL, " \t", &save);
		if (!r || !pol || drv.remove(drv.ctx, r, pol, 0, &err) != 0)
			printf("FAIL %s\n", err.msg);
		else
			printf("OK\n");
		return;
	}
	if (strcmp(c, "wait") == 0) {
		const char *r = strtok_r(NULL, " \t", &save);
		const char *pol = strtok_r(NULL, " \t", &save);
		const char *js = strtok_r(NULL, " \t", &save);
		const char *t = strtok_r(NULL, " \t", &save);
		if (!r || !pol || !js || !t) {
			printf("FAIL usage: wait ROUTER POLICY JSON|- SECONDS\n");
			return;
		}
		const char *want = strcmp(js, "-") == 0 ? NULL : js;
		double end = now_s() + atof(t);
		while (now_s() < end) {
			pump();
			driver_status st;
			char *rb = NULL;
			if (drv.status(drv.ctx, r, pol, want, 0, &st, &rb, &err) != 0) {
				printf("FAIL %s\n", err.msg);
				return;
			}
			if (st == DRIVER_DONE) {
				printf("OK done %s\n", rb ? rb : "removed");
				free(rb);
				return;
			}
			if (st == DRIVER_FAILED) {
				printf("FAIL refused: %s\n", err.msg);
				return;
			}
		}
		printf("FAIL timeout\n");
		return;
	}
	if (strcmp(c, "lsps") == 0) {
		const char *r = strtok_r(NULL, " \t", &save);
		pce_sess *s = r ? sess_of(r) : NULL;
		if (s == NULL) {
			printf("FAIL no session\n");
			return;
		}
		printf("OK %zu", s->n_lsp);
		for (size_t i = 0; i < s->n_lsp; i++)
			printf(" %s:%u:%03x:%d", s->lsp[i].name, (unsigned)s->lsp[i].plsp_id,
			       (unsigned)s->lsp[i].flags, (int)s->lsp[i].exists);
		printf("\n");
		return;
	}
	if (strcmp(c, "sleep") == 0) {
		const char *t = strtok_r(NULL, " \t", &save);
		double end = now_s() + (t ? atof(t) : 1);
		while (now_s() < end)
			pump();
		printf("OK\n");
		return;
	}
	printf("FAIL unknown command %s\n", c);
}

int main(int argc, char **argv)
{
	const char *listen = "0.0.0.0:4189", *peers = NULL, *map = NULL;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--listen") == 0)
			listen = argv[i + 1];
		else if (strcmp(argv[i], "--peers") == 0)
			peers = argv[i + 1];
		else if (strcmp(argv[i], "--map") == 0)
			map = argv[i + 1];
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	char *items[256];
	size_t n = 0;
	char *pc = peers ? neto_strdup(peers) : NULL;
	for (char *s2 = NULL, *t = pc ? strtok_r(pc, ",", &s2) : NULL; t && n < 256;
	     t = strtok_r(NULL, ",", &s2))
		items[n++] = t;
	driver_pcep_cfg dc = { .listen = listen, .peers = items, .n_peers = n, .map = map,
			       .log = stderr };
	neto_err err;
	if (driver_pcep_init(&drv, &dc, &err) != 0) {
		fprintf(stderr, "pcep_ctl: %s\n", err.msg);
		free(pc);
		return 1;
	}
	char buf[65536];
	size_t len = 0;
	bool eof = false;
	while (!eof) {
		struct pollfd pf = { 0, POLLIN, 0 };
		if (poll(&pf, 1, 10) > 0) {
			ssize_t k = read(0, buf + len, sizeof buf - 1 - len);
			if (k <= 0)
				eof = true;
			else
				len += (size_t)k;
		}
		pump();
		char *nl;
		while ((nl = memchr(buf, '\n', len)) != NULL) {
			*nl = '\0';
			cmd(buf);
			size_t used = (size_t)(nl - buf) + 1;
			memmove(buf, buf + used, len - used);
			len -= used;
		}
		if (len == sizeof buf - 1)
			len = 0;	/* a line too long: dropped */
	}
	drv.close(drv.ctx);
	free(pc);
	return 0;
}
