/*
 * pe_cfg.c - the [peering] section of the configuration file (pe_cfg.h).
 *
 * libinih walks the file once; the handler looks only at [peering] and
 * remembers which keys were given. The line reader counts lines, so every
 * message names one, and notices a second [peering] header (libinih would
 * silently merge the two).
 */
#include "pe/pe_cfg.h"

#include <arpa/inet.h>
#include <ini.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg/ini_util.h"
#include "lib/mem.h"

static const char *const keys[] = { "enabled",	  "peering_file", "static_latency",
				     "headroom",  "min_gain_ms",  "max_moves",
				     "hold_s",	  "interval",	  "local_pref",
				     "community", "bmp_listen",	  "bmp_port",
				     "bgp_feeds", "split",	  "split_bits",
				     "bmp_grace" };
#define N_KEYS (sizeof keys / sizeof keys[0])

typedef struct ctx {
	const char *name;
	pe_cfg *c;
	neto_err *err;
	bool failed;
	int header_line;	/* line of the [peering] header, 0 before */
	int seen[N_KEYS];	/* line each key was given on, 0: not yet */
	cfg_lines in;
} ctx;

static int fail(ctx *x, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(ctx *x, int line, const char *fmt, ...)
{
	if (!x->failed) {
		char msg[400];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg, sizeof msg, fmt, ap);
		va_end(ap);
		neto_err_at(x->err, x->name, (unsigned)line, "%s", msg);
	}
	x->failed = true;
	return 0;
}

/* "[peering]" with optional blanks around the name and after the bracket */
static bool is_peering_header(const char *s, size_t n)
{
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' ||
			 s[n - 1] == '\n'))
		n--;
	if (n < 2 || s[0] != '[' || s[n - 1] != ']')
		return false;
	s++;
	n -= 2;
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return n == 7 && memcmp(s, "peering", 7) == 0;
}

/* libinih's line reader, counting lines so that messages can name them. */
static char *reader(char *str, int num, void *stream)
{
	ctx *x = stream;
	if (cfg_lines_next(&x->in, str, num) == NULL)
		return NULL;
	if (is_peering_header(str, strlen(str))) {
		if (x->header_line)
			fail(x, x->in.lineno, "section [peering] given twice (first on line %d)",
			     x->header_line);
		else
			x->header_line = x->in.lineno;
		x->c->present = true;
	}
	return str;
}

static int num(const char *v, double lo, double hi, double *out)
{
	char *end;
	if (v[0] == '\0')
		return -1;
	double d = strtod(v, &end);
	if (*end != '\0' || !isfinite(d) || d < lo || d > hi)
		return -1;
	*out = d;
	return 0;
}


/* RFC 1997 community "ASN:VAL", each 0..65535 */
static int community_val(const char *v, pe_cfg *c)
{
	const char *colon = strchr(v, ':');
	if (colon == NULL || colon == v || strchr(colon + 1, ':') != NULL)
		return -1;
	char hi_s[8];
	size_t hn = (size_t)(colon - v);
	if (hn >= sizeof hi_s)
		return -1;
	memcpy(hi_s, v, hn);
	hi_s[hn] = '\0';
	uint64_t hi, lo;
	if (cfg_uint(hi_s, 65535, &hi) != 0 || cfg_uint(colon + 1, 65535, &lo) != 0)
		return -1;
	c->has_community = true;
	c->community = (uint32_t)(hi << 16 | lo);
	snprintf(c->community_str, sizeof c->community_str, "%u:%u", (unsigned)hi,
		 (unsigned)lo);
	return 0;
}

static int path_val(const char *v, char **out)
{
	if (v[0] == '\0')
		return -1;
	free(*out);
	*out = neto_strdup(v);
	return 0;
}

/* "b1, b2": up to PE_CFG_MAX_FEEDS names of 1..63 characters, each once */
static int feeds_val(const char *v, pe_cfg *c)
{
	char buf[PE_CFG_MAX_FEEDS * 66];
	if (strlen(v) >= sizeof buf)
		return -1;
	snprintf(buf, sizeof buf, "%s", v);
	c->n_bgp_feeds = 0;
	for (char *save = NULL, *t = strtok_r(buf, ", \t", &save); t != NULL;
	     t = strtok_r(NULL, ", \t", &save)) {
		if (c->n_bgp_feeds == PE_CFG_MAX_FEEDS || strlen(t) >= sizeof c->bgp_feeds[0])
			return -1;
		for (size_t i = 0; i < c->n_bgp_feeds; i++)
			if (strcmp(c->bgp_feeds[i], t) == 0)
				return -1;
		snprintf(c->bgp_feeds[c->n_bgp_feeds++], sizeof c->bgp_feeds[0], "%s", t);
	}
	return c->n_bgp_feeds > 0 ? 0 : -1;
}

static int handler(void *user, const char *section, const char *key, const char *v)
{
	ctx *x = user;
	int line = x->in.lineno;
	pe_cfg *c = x->c;
	if (x->failed || strcmp(section, "peering") != 0)
		return 1;
	size_t k = 0;
	while (k < N_KEYS && strcmp(keys[k], key) != 0)
		k++;
	if (k == N_KEYS)
		return fail(x, line,
			    "[peering] unknown key '%.40s' (keys: enabled, peering_file, "
			    "static_latency, headroom, min_gain_ms, max_moves, hold_s, interval, "
			    "local_pref, community, bmp_listen, bmp_port, bgp_feeds, split, "
			    "split_bits, bmp_grace)", key);
	if (x->seen[k])
		return fail(x, line, "[peering] %s given twice (first on line %d)", key,
			    x->seen[k]);
	x->seen[k] = line;
	int bad = 0;
	uint64_t u = 0;
	const char *want = "";
	switch (k) {
	case 0: bad = cfg_bool(v, &c->enabled); want = " (yes or no)"; break;
	case 1: bad = path_val(v, &c->peering_file); want = " (a file name)"; break;
	case 2: bad = path_val(v, &c->static_latency); want = " (a file name)"; break;
	case 3:
		bad = num(v, 0, 1, &c->headroom) || c->headroom <= 0;
		want = " (a fraction in (0, 1])";
		break;
	case 4: bad = num(v, 0, 1e6, &c->min_gain_ms); want = " (ms, 0 or more)"; break;
	case 5:
		bad = cfg_uint(v, 100000000, &u);
		c->max_moves = (size_t)u;
		want = " (an integer 0..100000000)";
		break;
	case 6: bad = num(v, 0, 1e7, &c->hold_s); want = " (s, 0 or more)"; break;
	case 7:
		bad = num(v, 0, 86400, &c->interval_s) || c->interval_s < 0.01;
		want = " (s, 0.01 to 86400)";
		break;
	case 8:
		bad = cfg_uint(v, UINT32_MAX, &u);
		c->local_pref = (uint32_t)u;
		want = " (an integer 0..4294967295)";
		break;
	case 9: bad = community_val(v, c); want = " (ASN:VALUE, each 0..65535)"; break;
	case 10: {
		uint8_t a[16];
		bad = strlen(v) >= sizeof c->bmp_listen ||
		      (inet_pton(AF_INET, v, a) != 1 && inet_pton(AF_INET6, v, a) != 1);
		if (!bad)
			snprintf(c->bmp_listen, sizeof c->bmp_listen, "%s", v);
		want = " (an IPv4 or IPv6 address)";
		break;
	}
	case 11:
		bad = cfg_uint(v, 65535, &u) || u == 0;
		c->bmp_port = (uint16_t)u;
		want = " (a port 1..65535)";
		break;
	case 12:
		bad = feeds_val(v, c);
		want = " (names of [peer NAME] sections, separated by commas)";
		break;
	case 13: bad = cfg_bool(v, &c->split); want = " (yes or no)"; break;
	case 14:
		bad = cfg_uint(v, 4, &u) || u == 0;
		c->split_bits = (unsigned)u;
		want = " (1 to 4)";
		break;
	default: bad = num(v, 0, 3600, &c->bmp_grace_s); want = " (s, 0 to 3600)"; break;
	}
	if (bad)
		return fail(x, line, "[peering] %s: bad value '%.60s'%s", key, v, want);
	return 1;
}

void pe_cfg_defaults(pe_cfg *c)
{
	memset(c, 0, sizeof *c);
	c->headroom = 0.95;
	c->min_gain_ms = 5;
	c->max_moves = 1000;
	c->hold_s = 300;
	c->interval_s = 10;
	c->local_pref = 200;
	snprintf(c->bmp_listen, sizeof c->bmp_listen, "0.0.0.0");
	c->bmp_port = PE_BMP_PORT;
	c->split_bits = 1;
	c->bmp_grace_s = 30;
}

int pe_cfg_parse(const char *buf, size_t len, const char *name, pe_cfg *out, neto_err *err)
{
	pe_cfg_defaults(out);
	char *copy = neto_malloc(len + 1);
	if (len > 0)
		memcpy(copy, buf, len);
	copy[len] = '\0';
	ctx x;
	memset(&x, 0, sizeof x);
	x.name = name;
	x.c = out;
	x.err = err;
	x.in.pos = copy;
	x.in.end = copy + len;
	int rc = ini_parse_stream(reader, &x, handler, &x);
	if (!x.failed && rc != 0)
		fail(&x, rc > 0 ? rc : 0, "syntax error");
	free(copy);
	if (x.failed) {
		pe_cfg_free(out);
		return -1;
	}
	return 0;
}

void pe_cfg_free(pe_cfg *c)
{
	free(c->peering_file);
	free(c->static_latency);
	c->peering_file = c->static_latency = NULL;
}
