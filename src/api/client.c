/*
 * client.c - the HTTP client of `neto show` and `neto intent` (client.h):
 * where the API is, which token to send, and one request at a time with
 * libcurl. Responses are capped (API_CLIENT_MAX_RESPONSE) so that a wrong
 * URL pointing at something huge fails instead of filling memory.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/client.h"
#include "cfg/cfg.h"
#include "lib/file.h"
#include "lib/mem.h"

#define API_CLIENT_MAX_RESPONSE ((size_t)1 << 30) /* 1 GiB */

/* The URL a client uses to reach a server listening on HOST:PORT: the
 * wildcard addresses mean "this machine". */
static char *url_of_listen(const neto_cfg_api *a)
{
	const char *h = a->host;
	if (strcmp(h, "0.0.0.0") == 0)
		h = "127.0.0.1";
	else if (strcmp(h, "::") == 0)
		h = "::1";
	bool v6 = strchr(h, ':') != NULL;
	char buf[128];
	snprintf(buf, sizeof buf, "http://%s%s%s:%u", v6 ? "[" : "", h, v6 ? "]" : "",
		 (unsigned)a->port);
	return neto_strdup(buf);
}

int api_client_resolve(api_client *c, const api_cli_common *o, neto_err *err)
{
	memset(c, 0, sizeof *c);
	neto_cfg cfg;
	bool have_cfg = false;
	if (o->config != NULL) {
		char *buf;
		size_t len;
		if (neto_file_read(o->config, &buf, &len, err) != 0)
			return -1;
		int rc = cfg_parse(buf, len, o->config, &cfg, err);
		free(buf);
		if (rc != 0)
			return -1;
		have_cfg = true;
	}
	if (o->api != NULL) {
		c->base = neto_strdup(o->api);
	} else if (have_cfg && cfg.api.port == 0) {
		neto_cfg_free(&cfg);
		return neto_err_set(err, "%s: [api] listen has port 0 (any free port): give --api URL",
				    o->config);
	} else if (have_cfg) {
		c->base = url_of_listen(&cfg.api);
	} else {
		c->base = neto_strdup(API_DEFAULT_URL);
	}
	size_t n = strlen(c->base);
	while (n > 0 && c->base[n - 1] == '/')
		c->base[--n] = '\0';

	const char *env = getenv("NETO_TOKEN");
	if (o->token != NULL)
		c->token = neto_strdup(o->token);
	else if (env != NULL && env[0] != '\0')
		c->token = neto_strdup(env);
	else if (have_cfg && cfg.api.token != NULL)
		c->token = neto_strdup(cfg.api.token);
	if (have_cfg)
		neto_cfg_free(&cfg);
	return 0;
}

void api_client_free(api_client *c)
{
	free(c->base);
	free(c->token);
	memset(c, 0, sizeof *c);
}

typedef struct sink {
	char *p;
	size_t len, cap;
	bool too_big;
} sink;

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
	sink *s = ud;
	size_t k = size * n;
	if (s->len + k > API_CLIENT_MAX_RESPONSE) {
		s->too_big = true;
		return 0; /* aborts the transfer */
	}
	if (s->len + k + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		while (cap < s->len + k + 1)
			cap *= 2;
		s->p = neto_realloc(s->p, cap);
		s->cap = cap;
	}
	memcpy(s->p + s->len, p, k);
	s->len += k;
	s->p[s->len] = '\0';
	return k;
}

int api_client_request(const api_client *c, const char *method, const char *path,
		       const char *body, size_t len, long *status, char **resp, neto_err *err)
{
	*resp = NULL;
	*status = 0;
	size_t ulen = strlen(c->base) + strlen(path) + 1;
	char *url = neto_malloc(ulen);
	snprintf(url, ulen, "%s%s", c->base, path);
	CURL *h = curl_easy_init();
	if (h == NULL) {
		free(url);
		return neto_err_set(err, "cannot start an HTTP client (libcurl)");
	}
	sink s = { 0 };
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdr = NULL;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 5L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 120L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_USERAGENT, "neto");
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	if (c->token != NULL) {
		size_t an = strlen(c->token) + 32;
		char *auth = neto_malloc(an);
		snprintf(auth, an, "Authorization: Bearer %s", c->token);
		hdr = curl_slist_append(hdr, auth);
		free(auth);
	}
	if (body != NULL) {
		hdr = curl_slist_append(hdr, "Content-Type: application/json");
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	}
	/* no "Expect: 100-continue" round trip for small bodies */
	hdr = curl_slist_append(hdr, "Expect:");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	CURLcode rc = curl_easy_perform(h);
	int ret = 0;
	if (s.too_big) {
		ret = neto_err_set(err, "%s: response larger than %zu bytes", url,
				   (size_t)API_CLIENT_MAX_RESPONSE);
	} else if (rc != CURLE_OK) {
		ret = neto_err_set(err, "cannot reach the API at %s: %s", c->base,
				   errbuf[0] ? errbuf : curl_easy_strerror(rc));
	} else {
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
		*resp = s.p ? s.p : neto_strdup("");
		s.p = NULL;
	}
	free(s.p);
	curl_slist_free_all(hdr);
	curl_easy_cleanup(h);
	free(url);
	return ret;
}
