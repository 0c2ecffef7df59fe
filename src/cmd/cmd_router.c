/*
 * cmd_router.c - `neto router`: the agent of a Linux router (run), and a
 * line-driven PCE for labs and tests (pce). docs/router.md.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/bgp_cfg.h"
#include "agent/pce.h"
#include "cfg/cfg.h"
#include "cmd/cmd.h"
#include "lab/netns.h"
#include "lib/file.h"
#include "lib/mem.h"
#include "router/agent.h"

static const char usage[] =
	"usage: neto router run [options]\n"
	"       neto router pce [--listen HOST:PORT] [--netns NS] [--keepalive S]\n"
	"\n"
	"run: the router agent. A stateful PCEP PCC (SRv6 RFC 9603 and SR-MPLS\n"
	"RFC 8664 path setup types) that connects to neto's PCE, accepts the SR\n"
	"policies it creates, updates and removes, installs each SRv6 policy in\n"
	"this network namespace's kernel as a seg6 route per destination prefix\n"
	"in the table of its colour's class (one weighted next hop per segment\n"
	"list, replaced atomically), and reports what the kernel holds. SR-MPLS\n"
	"paths are accepted but reported down (no MPLS data plane). When the\n"
	"session has been down for the state timeout, the policies are removed\n"
	"and traffic follows the IGP. On SIGINT/SIGTERM the policies and the\n"
	"DSCP rules are removed and the session is closed.\n"
	"\n"
	"  --config FILE          read the [router] section of FILE (flags below\n"
	"                         override its keys; class/endpoint add to it)\n"
	"  --netns NS             run inside network namespace NS\n"
	"  --name NAME            the router's name in logs\n"
	"  --pce ADDR[:PORT]      the PCE (port 4189 by default); without it the\n"
	"                         agent only exports, samples or probes (below),\n"
	"                         and one of those must be configured\n"
	"  --address ADDR         our PCC address in LSP identifiers (default:\n"
	"                         the connection's local address)\n"
	"  --state-timeout DUR    remove the policies after the session has been\n"
	"                         down this long (default 30s)\n"
	"  --reconnect DUR        first reconnection delay, doubling up to 32x\n"
	"                         (default 1s)\n"
	"  --keepalive S          PCEP keepalive in seconds, 1..63 (default 30;\n"
	"                         dead timer 4x)\n"
	"  --rule-priority N      priority of the DSCP rules (default 1000)\n"
	"  --apply-delay DUR      wait DUR (at most 60s) before programming the\n"
	"                         kernel after the PCE's requests, reporting only\n"
	"                         after it: a device's control-plane and FIB\n"
	"                         latency, for labs (default 0)\n"
	"  --class 'COLOR DSCP TABLE'\n"
	"                         colour COLOR's policies go to TABLE, which the\n"
	"                         packets marked DSCP look up (repeatable)\n"
	"  --endpoint 'ADDR PREFIX...'\n"
	"                         destination prefixes of end point ADDR\n"
	"                         (repeatable; default: ADDR/128 for IPv6)\n"
	"The BGP-LS export (te_source, te_period, locator, igp_router_id, delay)\n"
	"and the interface telemetry (telemetry_store, telemetry_period,\n"
	"telemetry_unit, link) and the latency probes through each ISP (probe_*)\n"
	"are configured in [router] only; see docs/router.md.\n"
	"\n"
	"pce: a PCE on HOST:PORT (default 127.0.0.1:4189) driven by lines on\n"
	"standard input, answering on standard output:\n"
	"  initiate PCC NAME ENDPOINT COLOR SID[,SID...] [BANDWIDTH]\n"
	"  update PCC NAME SID[,SID...] [BANDWIDTH]\n"
	"  remove PCC NAME\n"
	"  show PCC        one line per LSP the PCC reported, then 'end'\n"
	"  sessions        one line per session, then 'end'\n"
	"  quit\n"
	"Each request answers 'ok' or 'error: ...'; the outcome (a PCRpt with its\n"
	"SRP-ID, a PCErr) shows in 'show'.\n";

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
	(void)sig;
	g_stop = 1;
}

static void catch_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- run ------------------------------------------------------------------- */

static int cmd_router_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "netns", required_argument, NULL, 'n' },
		{ "name", required_argument, NULL, 1 },
		{ "pce", required_argument, NULL, 2 },
		{ "address", required_argument, NULL, 3 },
		{ "state-timeout", required_argument, NULL, 4 },
		{ "reconnect", required_argument, NULL, 5 },
		{ "keepalive", required_argument, NULL, 6 },
		{ "rule-priority", required_argument, NULL, 7 },
		{ "class", required_argument, NULL, 8 },
		{ "endpoint", required_argument, NULL, 9 },
		{ "apply-delay", required_argument, NULL, 10 },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const keys[] = { NULL, "name", "pce", "address", "state_timeout",
					    "reconnect", "keepalive", "rule_priority", "class",
					    "endpoint", "apply_delay" };
	const char *config = NULL, *netns = NULL;
	/* flags are applied after the file, in their order */
	int *fk = neto_calloc((size_t)argc + 1, sizeof *fk);
	char **fv = neto_calloc((size_t)argc + 1, sizeof *fv);
	size_t nf = 0;
	int c, rc = 1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			rc = 0;
			goto out;
		}
		if (c == 'c')
			config = optarg;
		else if (c == 'n')
			netns = optarg;
		else if (c >= 1 && c <= 10) {
			fk[nf] = c;
			fv[nf++] = optarg;
		} else {
			fputs(usage, stderr);
			rc = 2;
			goto out;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "neto router run: unexpected argument '%s'\n", argv[optind]);
		rc = 2;
		goto out;
	}
	ragent_cfg cfg;
	ragent_cfg_defaults(&cfg);
	neto_err err;
	bgp_cfg bc;
	memset(&bc, 0, sizeof bc);
	if (config) {
		size_t len;
		char *buf = NULL;
		if (neto_file_read(config, &buf, &len, &err) != 0) {
			fprintf(stderr, "neto router run: %s\n", err.msg);
			ragent_cfg_free(&cfg);
			goto out;
		}
		/* the whole file must be a valid neto configuration */
		neto_cfg whole;
		int bad = cfg_parse(buf, len, config, &whole, &err);
		if (bad == 0)
			neto_cfg_free(&whole);
		if (bad != 0 || ragent_cfg_parse(buf, len, config, &cfg, &err) != 0 ||
		    bgp_cfg_parse(buf, len, config, &bc, &err) != 0) {
			fprintf(stderr, "neto router run: %s\n", err.msg);
			free(buf);
			ragent_cfg_free(&cfg);
			goto out;
		}
		free(buf);
	}
	for (size_t i = 0; i < nf; i++) {
		if (ragent_cfg_set(&cfg, keys[fk[i]], fv[i], &err) != 0) {
			fprintf(stderr, "neto router run: --%s\n", err.msg);
			ragent_cfg_free(&cfg);
			rc = 2;
			goto out;
		}
	}
	if (cfg.name == NULL) {
		char host[65] = "router";
		gethostname(host, sizeof host - 1);
		cfg.name = neto_strdup(host);
	}
	if (lab_enter_netns(netns, &err) != 0) {
		fprintf(stderr, "neto router run: %s\n", err.msg);
		ragent_cfg_free(&cfg);
		goto out;
	}
	catch_signals();
	ragent a;
	if (ragent_open(&a, &cfg, stderr, &err) != 0) {
		fprintf(stderr, "neto router run: %s\n", err.msg);
		ragent_cfg_free(&cfg);
		goto out;
	}
	if (cfg.te_source && lsx_open(&a.lsx, &cfg, &bc, stderr, &err) != 0) {
		fprintf(stderr, "neto router run: %s\n", err.msg);
		ragent_cfg_free(&cfg);
		ragent_free(&a);
		goto out;
	}
	if (cfg.telemetry_store &&
	    telemetry_open(&a.tel, cfg.telemetry_store, cfg.telemetry_period_ms,
			   cfg.telemetry_unit_bps, cfg.links, cfg.n_links, stderr, &err) != 0) {
		fprintf(stderr, "neto router run: %s\n", err.msg);
		ragent_cfg_free(&cfg);
		ragent_free(&a);
		goto out;
	}
	ragent_cfg_free(&cfg);
	rc = ragent_run(&a, &g_stop, &err) == 0 ? 0 : 1;
	if (rc != 0)
		fprintf(stderr, "neto router run: %s\n", err.msg);
	ragent_free(&a);
out:
	bgp_cfg_free(&bc);
	free(fk);
	free(fv);
	return rc;
}

/* ---- pce --------------------------------------------------------------------- */

static int parse_segs(const char *s, pcep_ro *ero, neto_err *err)
{
	char *copy = neto_strdup(s), *save = NULL;
	int rc = 0;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		pcep_addr a;
		if (pcep_addr_parse(t, &a) != 0 || a.af != 6) {
			rc = neto_err_set(err, "'%s' is not an SRv6 SID", t);
			break;
		}
		pcep_subobj *o = pcep_ro_add(ero);
		/* RFC 9603 s4.3.1: the SID alone (F: no NAI) */
		o->type = PCEP_RO_SRV6;
		o->flags = PCEP_SRV6_F;
		memcpy(o->sid6, a.a, 16);
	}
	free(copy);
	if (rc == 0 && ero->n == 0)
		rc = neto_err_set(err, "no SID");
	return rc;
}

static const char *req_name(pce_req_state s)
{
	switch (s) {
	case PCE_REQ_PENDING:
		return "pending";
	case PCE_REQ_DONE:
		return "done";
	case PCE_REQ_FAILED:
		return "failed";
	default:
		return "none";
	}
}

static void show(pce_sess *s)
{
	for (size_t i = 0; i < s->n_lsp; i++) {
		const pce_lsp *l = &s->lsp[i];
		char segs[2048] = "";
		size_t pos = 0;
		for (size_t k = 0; k < l->report.ero.n && pos < sizeof segs - 64; k++) {
			const pcep_subobj *o = &l->report.ero.sub[k];
			pcep_addr a = { .af = 6 };
			char as[64];
			if (o->type == PCEP_RO_SRV6) {
				memcpy(a.a, o->sid6, 16);
				pcep_addr_str(&a, as, sizeof as);
			} else {
				snprintf(as, sizeof as, "label:%u", (unsigned)(o->sid >> 12));
			}
			pos += (size_t)snprintf(segs + pos, sizeof segs - pos, "%s%s", k ? "," : "", as);
		}
		printf("lsp %s exists=%d plsp=%u oper=%u delegated=%d created=%d req=%s "
		       "err=%u/%u lsp_error=%u segs=%s\n",
		       l->name, l->exists, l->plsp_id,
		       (unsigned)((l->flags & PCEP_LSP_O_MASK) >> PCEP_LSP_O_SHIFT),
		       !!(l->flags & PCEP_LSP_D), !!(l->flags & PCEP_LSP_C), req_name(l->req),
		       l->err_type, l->err_value,
		       l->report.lsp.tlvs.has_lsp_error ? l->report.lsp.tlvs.lsp_error : 0,
		       segs[0] ? segs : "-");
	}
}

static void pce_line(pce *p, char *line)
{
	char *save = NULL, *tok[8] = { 0 };
	int n = 0;
	for (char *t = strtok_r(line, " \t\r\n", &save); t && n < 8;
	     t = strtok_r(NULL, " \t\r\n", &save))
		tok[n++] = t;
	if (n == 0)
		return;
	neto_err err;
	if (strcmp(tok[0], "sessions") == 0) {
		for (size_t i = 0; i < p->n_sess; i++) {
			char as[64];
			printf("session %s state=%s synced=%d lsps=%zu\n",
			       pcep_addr_str(&p->sess[i]->peer, as, sizeof as),
			       pcep_state_name(p->sess[i]->s.state), p->sess[i]->synced,
			       pce_lsp_count(p->sess[i]));
		}
		puts("end");
		return;
	}
	if (strcmp(tok[0], "quit") == 0) {
		g_stop = 1;
		return;
	}
	pcep_addr peer;
	if (n < 2 || pcep_addr_parse(tok[1], &peer) != 0) {
		puts("error: expected a command and a PCC address");
		return;
	}
	pce_sess *s = pce_find(p, &peer);
	if (s == NULL) {
		puts("error: no session with that PCC");
		return;
	}
	if (strcmp(tok[0], "show") == 0) {
		show(s);
		puts("end");
		return;
	}
	pcep_path path;
	memset(&path, 0, sizeof path);
	int rc;
	if (strcmp(tok[0], "initiate") == 0 && (n == 6 || n == 7)) {
		char *end;
		unsigned long color = strtoul(tok[4], &end, 10);
		path.has_endpoints = true;
		path.src = peer;
		if (*end || pcep_addr_parse(tok[3], &path.dst) != 0 ||
		    parse_segs(tok[5], &path.ero, &err) != 0) {
			printf("error: %s\n", *end ? "bad colour" : "bad end point or SIDs");
			pcep_path_free(&path);
			return;
		}
		path.has_ero = true;
		/* the colour as neto's PCE driver sends it */
		path.has_vendor = true;
		path.vendor.enterprise = PCEP_ENTERPRISE_CISCO;
		path.vendor.len = 8;
		uint32_t w[2] = { htonl(PCEP_VENDOR_COLOR), htonl((uint32_t)color) };
		memcpy(path.vendor.data, w, 8);
		if (n == 7) {
			path.has_bandwidth = true;
			path.bandwidth = strtof(tok[6], NULL);
		}
		rc = pce_initiate(s, tok[2], &path, mono_ms(), &err);
	} else if (strcmp(tok[0], "update") == 0 && (n == 4 || n == 5)) {
		if (parse_segs(tok[3], &path.ero, &err) != 0) {
			printf("error: %s\n", err.msg);
			pcep_path_free(&path);
			return;
		}
		path.has_ero = true;
		if (n == 5) {
			path.has_bandwidth = true;
			path.bandwidth = strtof(tok[4], NULL);
		}
		rc = pce_update(s, tok[2], &path, mono_ms(), &err);
	} else if (strcmp(tok[0], "remove") == 0 && n == 3) {
		rc = pce_remove(s, tok[2], mono_ms(), &err);
	} else {
		puts("error: unknown command or wrong arguments (see neto router --help)");
		return;
	}
	pcep_path_free(&path);
	if (rc == 0)
		puts("ok");
	else
		printf("error: %s\n", err.msg);
}

static int cmd_router_pce(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "netns", required_argument, NULL, 'n' },
		{ "keepalive", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *listen = "127.0.0.1:4189", *netns = NULL;
	long ka = 30;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			listen = optarg;
			break;
		case 'n':
			netns = optarg;
			break;
		case 'k':
			ka = strtol(optarg, NULL, 10);
			if (ka < 1 || ka > 63) {
				fputs("neto router pce: --keepalive: 1..63\n", stderr);
				return 2;
			}
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	neto_err err;
	char *host = NULL;
	uint16_t port;
	bool loop;
	if (cfg_parse_listen(listen, &host, &port, &loop, &err) != 0) {
		fprintf(stderr, "neto router pce: --listen: %s\n", err.msg);
		return 2;
	}
	if (lab_enter_netns(netns, &err) != 0) {
		fprintf(stderr, "neto router pce: %s\n", err.msg);
		free(host);
		return 1;
	}
	catch_signals();
	setvbuf(stdout, NULL, _IOLBF, 0);
	pce_cfg pc;
	memset(&pc, 0, sizeof pc);
	pc.host = host;
	pc.port = port;
	pcep_session_cfg_default(&pc.sess, false);
	pc.sess.keepalive = (uint8_t)ka;
	pc.sess.deadtimer = (uint8_t)(4 * ka);
	pc.sess.srv6 = true;
	pc.log = stderr;
	pce *p;
	if (pce_open(&p, &pc, &err) != 0) {
		fprintf(stderr, "neto router pce: %s\n", err.msg);
		free(host);
		return 1;
	}
	printf("listening %s port %u\n", host, (unsigned)p->port);
	char buf[4096];
	size_t have = 0;
	bool eof = false;
	while (!g_stop && !eof) {
		if (pce_poll(p, 50, mono_ms(), &err) != 0)
			fprintf(stderr, "neto router pce: %s\n", err.msg);
		struct pollfd pfd = { .fd = 0, .events = POLLIN };
		while (!eof && poll(&pfd, 1, 0) > 0) {
			ssize_t r = read(0, buf + have, sizeof buf - 1 - have);
			if (r <= 0) {
				eof = r == 0 || (errno != EINTR && errno != EAGAIN);
				break;
			}
			have += (size_t)r;
			char *nl;
			while ((nl = memchr(buf, '\n', have)) != NULL) {
				*nl = '\0';
				pce_line(p, buf);
				(void)pce_poll(p, 0, mono_ms(), &err);	/* send it now */
				size_t used = (size_t)(nl + 1 - buf);
				memmove(buf, nl + 1, have - used);
				have -= used;
			}
			if (have == sizeof buf - 1)
				have = 0;	/* a line too long: dropped */
		}
	}
	pce_free(p);
	free(host);
	return 0;
}

int cmd_router_agent(int argc, char **argv)
{
	if (argc < 1) {
		fputs(usage, stderr);
		return 2;
	}
	if (strcmp(argv[0], "-h") == 0 || strcmp(argv[0], "--help") == 0 ||
	    strcmp(argv[0], "help") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	if (strcmp(argv[0], "run") == 0)
		return cmd_router_run(argc, argv);
	if (strcmp(argv[0], "pce") == 0)
		return cmd_router_pce(argc, argv);
	fprintf(stderr, "neto router: unknown subcommand '%s'\n\n%s", argv[0], usage);
	return 2;
}
