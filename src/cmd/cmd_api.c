/*
 * cmd_api.c - `neto api`: serves the HTTP API (src/api) from a store, alone,
 * until SIGINT or SIGTERM. The API reads what the controller, scheduler and
 * agents write, so it can run on another machine than they do, and as many
 * times as wanted.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/client.h"
#include "cfg/cfg.h"
#include "cmd/cmd.h"
#include "lib/file.h"
#include "lib/mem.h"

int cmd_api(int argc, char **argv)
{
	api_serve_opts o;
	neto_err err;
	if (api_serve_opts_parse(&o, argc, argv, &err) != 0) {
		fprintf(stderr, "neto api: %s\n(see neto api --help)\n", err.msg);
		return 2;
	}
	if (o.help) {
		fputs(api_serve_usage, stdout);
		return 0;
	}
	neto_cfg cfg;
	if (o.config != NULL) {
		char *buf;
		size_t len;
		if (neto_file_read(o.config, &buf, &len, &err) != 0) {
			fprintf(stderr, "neto api: %s\n", err.msg);
			return 1;
		}
		int rc = cfg_parse(buf, len, o.config, &cfg, &err);
		free(buf);
		if (rc != 0) {
			fprintf(stderr, "neto api: %s\n", err.msg);
			return 1;
		}
	} else {
		neto_cfg_defaults(&cfg);
	}
	if (o.store != NULL) {
		free(cfg.store.uri);
		cfg.store.uri = neto_strdup(o.store);
	}
	if (o.listen != NULL) {
		char *host;
		uint16_t port;
		bool loop;
		if (cfg_parse_listen(o.listen, &host, &port, &loop, &err) != 0) {
			fprintf(stderr, "neto api: --listen: %s\n", err.msg);
			neto_cfg_free(&cfg);
			return 2;
		}
		free(cfg.api.listen);
		free(cfg.api.host);
		cfg.api.listen = neto_strdup(o.listen);
		cfg.api.host = host;
		cfg.api.port = port;
		cfg.api.loopback = loop;
	}

	/* Signals are taken by this thread with sigwait; blocked before the
	 * server's thread starts, so that it inherits the mask. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	api_server *srv;
	if (api_start(&cfg.api, cfg.store.uri, &srv, &err) != 0) {
		fprintf(stderr, "neto api: %s\n", err.msg);
		neto_cfg_free(&cfg);
		return 1;
	}
	bool v6 = strchr(cfg.api.host, ':') != NULL;
	fprintf(stderr, "neto api: listening on %s%s%s:%u%s\n", v6 ? "[" : "", cfg.api.host,
		v6 ? "]" : "", (unsigned)api_port(srv),
		cfg.api.token ? "" : " (no token: POST and DELETE are open)");
	fflush(stderr);
	int sig = 0;
	sigwait(&set, &sig);
	fprintf(stderr, "neto api: %s, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
	api_stop(srv);
	neto_cfg_free(&cfg);
	return 0;
}
