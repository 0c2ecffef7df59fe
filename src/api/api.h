/*
 * api.h - neto's HTTP/JSON API: what the store knows (health, topology,
 * links, demands, solutions, plans, tasks, agents, intents, audit log,
 * Prometheus metrics) for operators and the `neto show` / `neto intent`
 * commands, and the one thing it changes: intents. docs/api.md lists every
 * route with an example.
 *
 * The server is libmicrohttpd with its internal polling thread: every
 * request is handled on that one thread, which owns the server's one store
 * handle, so no database handle is ever shared between threads. Requests are
 * short reads of the store; a mutating request is one store transaction.
 * When the store fails (a database that went away), the request gets 503
 * and the handle is reopened on the next request.
 *
 * Input is untrusted: bodies are capped (API_MAX_BODY, 413 above it), intent
 * bodies go through the pure parser api_intent_parse (fuzzed), and nothing
 * is written on invalid input. POST and DELETE need "Authorization: Bearer
 * TOKEN" when a token is configured (401 without, 403 with a wrong one; the
 * token is compared in constant time).
 *
 * Ownership: api_start returns a server that api_stop stops and frees.
 * api_intent's strings belong to it (api_intent_free).
 */
#ifndef NETO_API_API_H
#define NETO_API_API_H

#include <stddef.h>
#include <stdint.h>

#include "cfg/cfg.h"
#include "lib/err.h"

#define API_MAX_BODY ((size_t)1 << 20)	/* 1 MiB */

/* ---- intents: the pure parser --------------------------------------------- */

/* Limits of what one intent may declare. */
#define API_MAX_NAME 256	/* bytes of a node, link or class name */
#define API_MAX_CLASSES 64
#define API_MAX_PAIRS 10000
#define API_MAX_PATH 256	/* nodes of a pinned path */

typedef struct api_intent {
	char *kind;	/* "drain-link", "drain-router", "classes", "share", "pin" */
	char *body;	/* the intent without "kind": a compact JSON object with
			 * the members in a fixed order (what the store keeps) */
} api_intent;

/* What was wrong with a request: a message and the JSON path of the value
 * at fault ("classes[2].priority"; empty when it is about no one value). */
typedef struct api_error {
	char msg[256];
	char field[128];
} api_error;

/*
 * Validates an intent document (buf, len), a JSON object with "kind" and
 * the members of that kind (docs/api.md):
 *   drain-link    {"src","dst"} (every link between the two, both ways)
 *                 or {"link": link id}
 *   drain-router  {"router"}
 *   classes       {"classes":[{"name","priority","k"?},...]}
 *   share         {"class","share" in [0,1],"pairs"?:[["A","B"],...]}
 *   pin           {"src","dst","class","path":["src",...,"dst"]}
 * Unknown members, duplicate keys, wrong types and values out of range are
 * errors. Names are checked for form only (the topology may change; the
 * controller skips intents that name what does not exist). On success fills
 * *out (free with api_intent_free); on failure returns -1 with *err set.
 */
int api_intent_parse(const char *buf, size_t len, api_intent *out, api_error *err);
void api_intent_free(api_intent *it);

/* ---- the server ------------------------------------------------------------ */

typedef struct api_server api_server;

/*
 * Opens the store STORE_URI (its own handle) and starts serving on
 * cfg->host:cfg->port (port 0: a free port, see api_port). The token in
 * cfg is copied. Fails when the store cannot be opened or the address
 * cannot be bound, or when cfg has no token and is not on loopback.
 */
int api_start(const neto_cfg_api *cfg, const char *store_uri, api_server **out,
	      neto_err *err);
/* The port the server listens on. */
uint16_t api_port(const api_server *s);
/* Stops the server (waits for the request under way) and frees it. NULL is
 * a no-op. */
void api_stop(api_server *s);

#endif
