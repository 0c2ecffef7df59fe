/*
 * client.h - the API's command-line side: option parsers of `neto show`,
 * `neto intent` and `neto api` (pure, like every parser of neto: strings
 * point into the caller's argv, no I/O, no globals), and the HTTP client
 * that `neto show` and `neto intent` use (libcurl).
 */
#ifndef NETO_API_CLIENT_H
#define NETO_API_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

#define API_DEFAULT_URL "http://127.0.0.1:8080"

/* What `neto show` shows. */
typedef enum api_show_what {
	SHOW_HEALTH = 0,
	SHOW_TOPOLOGY,
	SHOW_LINKS,
	SHOW_DEMANDS,
	SHOW_SOLUTION,
	SHOW_PLAN,	/* one plan: ID or the newest */
	SHOW_PLANS,
	SHOW_TASKS,
	SHOW_AGENTS,
	SHOW_INTENTS,
	SHOW_AUDIT,
	SHOW_METRICS,
} api_show_what;

typedef enum api_intent_cmd {
	INTENT_ADD = 0,
	INTENT_LIST,
	INTENT_DELETE,
} api_intent_cmd;

/* Options shared by `neto show` and `neto intent`. */
typedef struct api_cli_common {
	const char *api;	/* --api URL; NULL: see api_client_resolve */
	const char *token;	/* --token T */
	const char *config;	/* --config FILE: [api] listen and token */
	bool json;		/* --json: the API's JSON as it comes */
	bool help;
} api_cli_common;

typedef struct api_show_opts {
	api_cli_common c;
	api_show_what what;
	int64_t id;		/* SHOW_PLAN: plan id, 0 = the newest */
	int64_t plan;		/* SHOW_TASKS --plan: 0 = tasks of running plans */
	int64_t step;		/* SHOW_TASKS --step: -1 = all */
	const char *state;	/* SHOW_TASKS --state */
	int64_t after;		/* SHOW_AUDIT --after */
	int64_t limit;		/* SHOW_PLANS, SHOW_AUDIT --limit: 0 = the API's default */
} api_show_opts;

typedef struct api_intent_opts {
	api_cli_common c;
	api_intent_cmd cmd;
	const char *kind;	/* INTENT_ADD */
	const char *json;	/* INTENT_ADD: the members as a JSON object */
	const char *file;	/* INTENT_ADD --file F ("-": stdin) instead of json */
	int64_t id;		/* INTENT_DELETE */
} api_intent_opts;

typedef struct api_serve_opts {
	const char *config;	/* --config FILE */
	const char *store;	/* --store URI: overrides [store] uri */
	const char *listen;	/* --listen HOST:PORT: overrides [api] listen */
	bool help;
} api_serve_opts;

/* Each parses the arguments after its command's name; 0, or -1 with the
 * problem in *err. With --help, required arguments are not checked. */
int api_show_opts_parse(api_show_opts *o, int argc, char *const *argv, neto_err *err);
int api_intent_opts_parse(api_intent_opts *o, int argc, char *const *argv, neto_err *err);
int api_serve_opts_parse(api_serve_opts *o, int argc, char *const *argv, neto_err *err);

extern const char api_show_usage[];
extern const char api_intent_usage[];
extern const char api_serve_usage[];

/* ---- HTTP client ------------------------------------------------------------ */

typedef struct api_client {
	char *base;		/* base URL without a trailing '/' */
	char *token;		/* bearer token, or NULL */
} api_client;

/*
 * Where the API is and which token to send: the base URL is --api, else
 * http://LISTEN from the [api] section of --config, else API_DEFAULT_URL;
 * the token is --token, else the environment variable NETO_TOKEN, else
 * [api] token of --config. Reads the configuration file (this is the one
 * function here that does file I/O). Free with api_client_free.
 */
int api_client_resolve(api_client *c, const api_cli_common *o, neto_err *err);
void api_client_free(api_client *c);

/*
 * One request: METHOD PATH (with its query) and an optional JSON body. On
 * success *status is the HTTP status and *resp the body (terminated; the
 * caller frees). Fails (-1, with a message that says the API is not
 * reachable at the URL) when no HTTP exchange took place.
 */
int api_client_request(const api_client *c, const char *method, const char *path,
		       const char *body, size_t len, long *status, char **resp, neto_err *err);

#endif
