/*
 * server.c - the HTTP shell of the API (api.h) over libmicrohttpd.
 *
 * One internal polling thread serves every connection, so the server's one
 * store handle is only ever used by that thread (SQLite handles are not to
 * be shared between threads; a PostgreSQL connection neither). Requests are
 * short store reads, so serving them one at a time costs little; a slow
 * client cannot hold the thread, libmicrohttpd multiplexes the sockets and
 * calls us only with complete data.
 *
 * A request goes through api_handle twice: once with its headers only
 * (wrong route, method or credentials, or a declared length over the cap,
 * are answered before a byte of the body is read), then with the body,
 * which is gathered here up to API_MAX_BODY (beyond it the rest is
 * dropped and the answer is 413).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "api/api_int.h"
#include "lib/mem.h"
#include "lib/text.h"

struct api_server {
	struct MHD_Daemon *d;
	char *store_uri;
	char *token;
	uint16_t port;
	api_ctx ctx;		/* ctx.st: NULL after a failure, until reopened */
	char log[256];		/* libmicrohttpd's last message (start-up errors) */
};

/* State of one request, kept by libmicrohttpd between calls. */
typedef struct conn_state {
	api_buf body;
	bool too_big;
	bool answered;
} conn_state;

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *query_arg(void *qctx, const char *name)
{
	return MHD_lookup_connection_value(qctx, MHD_GET_ARGUMENT_KIND, name);
}

static enum MHD_Result send_resp(struct MHD_Connection *c, api_resp *rs)
{
	size_t n = strlen(rs->body);
	struct MHD_Response *r = MHD_create_response_from_buffer(n, rs->body, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(rs->body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, rs->type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	if (rs->allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, rs->allow);
	if (rs->challenge)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"neto\"");
	enum MHD_Result ret = MHD_queue_response(c, (unsigned)rs->status, r);
	MHD_destroy_response(r);
	return ret;
}

/* Runs api_handle with a usable store (reopened after a failure). */
static int handle(api_server *s, const api_req *rq, size_t clen, api_resp *rs)
{
	if (!rq->headers_only && s->ctx.st == NULL) {
		neto_err e;
		if (store_open(&s->ctx.st, s->store_uri, &e) != 0) {
			s->ctx.st = NULL;
			json_t *o = json_pack("{s:s,s:n}", "error", "store unavailable", "field");
			char *text = json_dumps(o, JSON_COMPACT);
			json_decref(o);
			memset(rs, 0, sizeof *rs);
			rs->status = 503;
			rs->body = neto_strdup(text ? text : "{}");
			rs->type = "application/json";
			free(text);
			return 1;
		}
	}
	s->ctx.store_failed = false;
	int done = api_handle(&s->ctx, rq, clen, rs);
	if (s->ctx.store_failed) {
		store_close(s->ctx.st);
		s->ctx.st = NULL;
	}
	return done;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_size, void **con_cls)
{
	api_server *s = cls;
	conn_state *cs = *con_cls;
	api_req rq = {
		.method = method,
		.path = url,
		.query = query_arg,
		.qctx = c,
		.auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION),
		.now = now_ms(),
	};
	api_resp rs;
	if (cs == NULL) {
		cs = neto_calloc(1, sizeof *cs);
		*con_cls = cs;
		const char *cl =
			MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		uint64_t clen = 0;
		if (cl != NULL && !neto_span_to_u64((neto_span){ cl, strlen(cl) }, &clen))
			clen = 0; /* libmicrohttpd itself rejects a malformed length */
		rq.headers_only = true;
		if (handle(s, &rq, clen > SIZE_MAX ? SIZE_MAX : (size_t)clen, &rs)) {
			cs->answered = true;
			return send_resp(c, &rs);
		}
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (!cs->answered && !cs->too_big) {
			if (cs->body.len + *upload_size > API_MAX_BODY) {
				cs->too_big = true;
				free(api_buf_take(&cs->body));
			} else {
				api_buf_put(&cs->body, upload_data, *upload_size);
			}
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (cs->answered)
		return MHD_YES;
	cs->answered = true;
	rq.body = cs->body.p;
	rq.len = cs->body.len;
	rq.too_big = cs->too_big;
	handle(s, &rq, 0, &rs);
	return send_resp(c, &rs);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	conn_state *cs = *con_cls;
	if (cs == NULL)
		return;
	free(api_buf_take(&cs->body));
	free(cs);
	*con_cls = NULL;
}

__attribute__((format(printf, 2, 0))) static void on_log(void *cls, const char *fmt, va_list ap)
{
	api_server *s = cls;
	vsnprintf(s->log, sizeof s->log, fmt, ap);
	size_t n = strlen(s->log);
	while (n > 0 && (s->log[n - 1] == '\n' || s->log[n - 1] == ' '))
		s->log[--n] = '\0';
}

int api_start(const neto_cfg_api *cfg, const char *store_uri, api_server **out,
	      neto_err *err)
{
	*out = NULL;
	if (cfg->token == NULL && !cfg->loopback)
		return neto_err_set(err, "api: listening on %s needs a token", cfg->host);
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG;
	const char *host = strcmp(cfg->host, "localhost") == 0 ? "127.0.0.1" : cfg->host;
	struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons(cfg->port);
	} else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons(cfg->port);
		flags |= MHD_USE_IPv6;
	} else {
		return neto_err_set(err, "api: '%s' is not an IP address", cfg->host);
	}

	api_server *s = neto_calloc(1, sizeof *s);
	s->store_uri = neto_strdup(store_uri);
	s->token = cfg->token ? neto_strdup(cfg->token) : NULL;
	s->ctx.token = s->token;
	if (store_open(&s->ctx.st, store_uri, err) != 0) {
		s->ctx.st = NULL;
		api_stop(s);
		return -1;
	}
	s->d = MHD_start_daemon(flags, cfg->port, NULL, NULL, on_request, s,
				MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
				MHD_OPTION_EXTERNAL_LOGGER, on_log, s,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
				MHD_OPTION_END);
	if (s->d == NULL) {
		int e = errno;
		neto_err_set(err, "api: cannot listen on %s: %s", cfg->listen ? cfg->listen : host,
			     s->log[0] ? s->log : strerror(e));
		api_stop(s);
		return -1;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info ? info->port : cfg->port;
	*out = s;
	return 0;
}

uint16_t api_port(const api_server *s)
{
	return s->port;
}

void api_stop(api_server *s)
{
	if (s == NULL)
		return;
	if (s->d)
		MHD_stop_daemon(s->d);
	if (s->ctx.st)
		store_close(s->ctx.st);
	free(s->store_uri);
	free(s->token);
	free(s);
}
