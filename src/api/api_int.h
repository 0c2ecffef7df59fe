/*
 * api_int.h - inside the API: the request handler that the HTTP server
 * calls, separated from libmicrohttpd so that one function maps a request
 * (method, path, query, Authorization header, body) and the store to a
 * response. Not a public interface.
 */
#ifndef NETO_API_API_INT_H
#define NETO_API_API_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "api/api.h"
#include "store/store.h"

/* A growing text buffer; aborts on out of memory. */
typedef struct api_buf {
	char *p;
	size_t len, cap;
} api_buf;

void api_buf_put(api_buf *b, const char *s, size_t n);
void api_buf_puts(api_buf *b, const char *s);
void api_buf_printf(api_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Takes the text (NUL-terminated, never NULL) and empties the buffer. */
char *api_buf_take(api_buf *b);

typedef struct api_req {
	const char *method;	/* "GET", "POST", ... */
	const char *path;	/* without the query string */
	/* value of query argument NAME, or NULL */
	const char *(*query)(void *qctx, const char *name);
	void *qctx;
	const char *auth;	/* Authorization header, or NULL */
	const char *body;	/* request body (not terminated), NULL when none */
	size_t len;
	bool too_big;		/* the body was over API_MAX_BODY (and dropped) */
	bool headers_only;	/* first call: the body has not been read yet */
	int64_t now;		/* ms since the epoch */
} api_req;

typedef struct api_resp {
	int status;
	char *body;		/* owned; NUL-terminated */
	const char *type;	/* content type (static) */
	const char *allow;	/* Allow header for 405, or NULL */
	bool challenge;		/* add WWW-Authenticate (401) */
} api_resp;

typedef struct api_ctx {
	store *st;
	const char *token;	/* NULL: no authentication */
	bool store_failed;	/* set by api_handle when the store failed */
} api_ctx;

/*
 * Handles one request. With rq->headers_only, answers only what can be
 * decided from the method, path and headers (404, 405, 401, 403, 413 from
 * the length): returns 1 when it did so (*rs filled), 0 when the body is
 * needed. Otherwise returns 1 with *rs always filled. The caller frees
 * rs->body.
 */
int api_handle(api_ctx *ctx, const api_req *rq, size_t content_length, api_resp *rs);

/* Metrics text (Prometheus exposition format 0.0.4) from the store. */
int api_metrics(store *st, char **text, neto_err *err);

/* Per-link view shared by /links and /metrics: the JSON document of
 * GET /links (docs/api.md), *doc = NULL when the store has no topology.
 * Returns 0, -1 when the store failed, -2 when what it holds does not
 * parse (a topology that is not neto JSON). Caller decrefs *doc. */
int api_links_doc(store *st, json_t **doc, neto_err *err);

/* Whether the Authorization header carries TOKEN: 0 yes, 401 when it is
 * missing or not a bearer token, 403 when the token is wrong. */
int api_auth_check(const char *header, const char *token);

#endif
