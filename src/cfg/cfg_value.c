/*
 * cfg_value.c - the value syntaxes of the configuration file that other
 * parts of neto share (cfg.h): durations, listen addresses, store URIs and
 * API URLs. Each function checks a whole C string; nothing here allocates
 * except the host returned by cfg_parse_listen.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cfg/cfg.h"
#include "lib/mem.h"
#include "lib/text.h"

#define MAX_DURATION_MS ((int64_t)30 * 24 * 3600 * 1000) /* 30 days */

int cfg_parse_duration(const char *s, int64_t *ms, neto_err *err)
{
	size_t n = strlen(s), num = 0;
	while (num < n && ((s[num] >= '0' && s[num] <= '9') || s[num] == '.'))
		num++;
	const char *unit = s + num;
	double mult;
	if (strcmp(unit, "ms") == 0)
		mult = 1;
	else if (strcmp(unit, "s") == 0)
		mult = 1e3;
	else if (strcmp(unit, "m") == 0)
		mult = 60e3;
	else if (strcmp(unit, "h") == 0)
		mult = 3600e3;
	else if (num == n && num > 0)
		return neto_err_set(err, "'%.60s' needs a unit (ms, s, m, h)", s);
	else
		return neto_err_set(err, "'%.60s' is not a duration (a number and ms, s, m or h)", s);
	double v;
	if (num == 0 || !neto_span_to_double((neto_span){ s, num }, &v))
		return neto_err_set(err, "'%.60s' is not a duration (a number and ms, s, m or h)", s);
	double total = v * mult;
	if (total > (double)MAX_DURATION_MS)
		return neto_err_set(err, "'%.60s' is longer than 30 days", s);
	double whole = (double)(int64_t)(total + 0.5);
	/* 1.5s is 1500 ms; 1.0005s is not a whole number of milliseconds */
	if (total - whole > 1e-6 || whole - total > 1e-6)
		return neto_err_set(err, "'%.60s' is not a whole number of milliseconds", s);
	*ms = (int64_t)whole;
	return 0;
}

const char *cfg_format_duration(int64_t ms, char *out, size_t n)
{
	static const struct {
		int64_t div;
		const char *unit;
	} units[] = { { 3600000, "h" }, { 60000, "m" }, { 1000, "s" } };
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (ms > 0 && ms % units[i].div == 0) {
			snprintf(out, n, "%" PRId64 "%s", ms / units[i].div, units[i].unit);
			return out;
		}
	snprintf(out, n, "%" PRId64 "ms", ms);
	return out;
}

int cfg_parse_listen(const char *s, char **host, uint16_t *port, bool *loopback,
		     neto_err *err)
{
	char h[64];
	const char *colon;
	size_t hlen;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (close == NULL || close[1] != ':')
			return neto_err_set(err, "'%.80s' is not HOST:PORT ([IPv6]:PORT for IPv6)", s);
		hlen = (size_t)(close - s - 1);
		if (hlen == 0 || hlen >= sizeof h)
			return neto_err_set(err, "'%.80s': bad IPv6 address", s);
		memcpy(h, s + 1, hlen);
		h[hlen] = '\0';
		colon = close + 1;
		struct in6_addr a6;
		if (inet_pton(AF_INET6, h, &a6) != 1)
			return neto_err_set(err, "'%.80s': '%s' is not an IPv6 address", s, h);
		*loopback = IN6_IS_ADDR_LOOPBACK(&a6);
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL)
			return neto_err_set(err, "'%.80s' is not HOST:PORT", s);
		hlen = (size_t)(colon - s);
		if (hlen == 0 || hlen >= sizeof h)
			return neto_err_set(err, "'%.80s' is not HOST:PORT", s);
		memcpy(h, s, hlen);
		h[hlen] = '\0';
		struct in_addr a4;
		if (strcmp(h, "localhost") == 0) {
			*loopback = true;
		} else if (strchr(h, ':') != NULL) {
			return neto_err_set(err, "'%.80s': write an IPv6 address in brackets, [ADDR]:PORT",
					    s);
		} else if (inet_pton(AF_INET, h, &a4) == 1) {
			*loopback = (ntohl(a4.s_addr) >> 24) == 127;
		} else {
			return neto_err_set(err,
					    "'%.80s': '%s' is not an IPv4 address, [IPv6] or localhost",
					    s, h);
		}
	}
	uint32_t p;
	const char *ps = colon + 1;
	if (!neto_span_to_u32((neto_span){ ps, strlen(ps) }, &p) || p > 65535)
		return neto_err_set(err, "'%.80s': port must be a whole number in 0..65535", s);
	*port = (uint16_t)p;
	*host = neto_strdup(h);
	return 0;
}

static bool has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

static bool has_space(const char *s)
{
	for (; *s; s++)
		if (*s == ' ' || *s == '\t' || (unsigned char)*s < 0x20)
			return true;
	return false;
}

int cfg_check_store_uri(const char *s, neto_err *err)
{
	if (s[0] == '\0')
		return neto_err_set(err, "empty store URI");
	if (has_prefix(s, "postgresql://") || has_prefix(s, "postgres://")) {
		if (has_space(s))
			return neto_err_set(err, "'%.80s': a URI has no blanks", s);
		return 0;
	}
	if (strchr(s, '=') != NULL && !has_prefix(s, "sqlite:") && !has_prefix(s, "file:"))
		return 0; /* PostgreSQL conninfo "host=... dbname=..." */
	if (has_prefix(s, "sqlite:") || has_prefix(s, "file:")) {
		const char *rest = strchr(s, ':') + 1;
		if (rest[0] == '\0')
			return neto_err_set(err, "'%.80s': no database path", s);
		return 0;
	}
	const char *sch = strstr(s, "://");
	if (sch != NULL)
		return neto_err_set(err,
				    "'%.80s': unknown scheme '%.*s' (sqlite:PATH, postgresql://...)",
				    s, (int)(sch - s > 20 ? 20 : sch - s), s);
	return 0; /* a plain path: an SQLite file */
}

int cfg_check_http_url(const char *s, neto_err *err)
{
	const char *rest;
	if (has_prefix(s, "http://"))
		rest = s + 7;
	else if (has_prefix(s, "https://"))
		rest = s + 8;
	else
		return neto_err_set(err, "'%.80s' is not an http:// or https:// URL", s);
	if (has_space(s))
		return neto_err_set(err, "'%.80s': a URL has no blanks", s);
	size_t hostlen = strcspn(rest, "/?#");
	if (hostlen == 0)
		return neto_err_set(err, "'%.80s': no host", s);
	if (rest[hostlen] == '?' || rest[hostlen] == '#')
		return neto_err_set(err, "'%.80s': no query or fragment in the base URL", s);
	/* an explicit port must be a number */
	const char *end = rest + hostlen;
	const char *p = end;
	while (p > rest && p[-1] >= '0' && p[-1] <= '9')
		p--;
	if (p > rest && p[-1] == ':' && p == end)
		return neto_err_set(err, "'%.80s': empty port", s);
	if (p > rest && p[-1] == ':' && p < end) {
		uint32_t port;
		if (!neto_span_to_u32((neto_span){ p, (size_t)(end - p) }, &port) || port == 0 ||
		    port > 65535)
			return neto_err_set(err, "'%.80s': port must be 1..65535", s);
	}
	return 0;
}
