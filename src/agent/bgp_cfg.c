/*
 * bgp_cfg.c - the BGP sections of the configuration file (see bgp_cfg.h).
 *
 * libinih walks the file once; this handler only looks at [bgp] and
 * [peer NAME] and remembers, per section, which keys were given and on
 * which line. Peer defaults (local AS, router ID, hold time) come from
 * [bgp] and are applied at the end, whatever the order of the sections.
 */
#include "agent/bgp_cfg.h"

#include <arpa/inet.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg/ini_util.h"
#include "lib/mem.h"

static const struct {
	const char *name;
	bgp_family f;
} families[] = {
	{ "ipv4-unicast", { BGP_AFI_IPV4, BGP_SAFI_UNICAST } },
	{ "ipv6-unicast", { BGP_AFI_IPV6, BGP_SAFI_UNICAST } },
	{ "ls", { BGP_AFI_LS, BGP_SAFI_LS } },
	{ "ipv4-srpolicy", { BGP_AFI_IPV4, BGP_SAFI_SR_POLICY } },
	{ "ipv6-srpolicy", { BGP_AFI_IPV6, BGP_SAFI_SR_POLICY } },
};

int bgp_family_parse(const char *s, bgp_family *f)
{
	for (size_t i = 0; i < sizeof families / sizeof families[0]; i++)
		if (strcmp(s, families[i].name) == 0) {
			*f = families[i].f;
			return 0;
		}
	return -1;
}

const char *bgp_family_name(bgp_family f)
{
	for (size_t i = 0; i < sizeof families / sizeof families[0]; i++)
		if (families[i].f.afi == f.afi && families[i].f.safi == f.safi)
			return families[i].name;
	return "unknown";
}

enum { K_LOCAL_AS, K_ROUTER_ID, K_HOLD, K_PEER_KEYS };
#define PEER_HAS_LOCAL_AS 1u
#define PEER_HAS_ROUTER_ID 2u
#define PEER_HAS_HOLD 4u
#define PEER_HAS_RETRY 8u

typedef struct ctx {
	const char *name;
	bgp_cfg *c;
	neto_err *err;
	bool failed;
	unsigned *peer_has;	/* per peer: which defaults it overrode */
	unsigned *peer_line;
	bool peer_addr[BGP_CFG_MAX_PEERS], peer_ras[BGP_CFG_MAX_PEERS];
	char seen[BGP_CFG_MAX_PEERS + 1][16][24];
	cfg_lines in;
} ctx;

static char *reader(char *str, int num, void *stream)
{
	return cfg_lines_next(&((ctx *)stream)->in, str, num);
}

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

static int u32(const char *v, uint64_t max, uint32_t *out)
{
	uint64_t n;
	if (cfg_uint(v, max, &n) != 0)
		return -1;
	*out = (uint32_t)n;
	return 0;
}

static int ipv4_id(const char *v, uint32_t *out)
{
	struct in_addr a;
	if (inet_pton(AF_INET, v, &a) != 1 || a.s_addr == 0)
		return -1;
	*out = ntohl(a.s_addr);
	return 0;
}

static int copy_str(char *dst, size_t cap, const char *v)
{
	size_t n = strlen(v);
	if (n == 0 || n >= cap)
		return -1;
	memcpy(dst, v, n + 1);
	return 0;
}


static int hold_val(const char *v, uint16_t *out)
{
	uint32_t h;
	if (u32(v, 65535, &h) != 0 || h == 1 || h == 2)
		return -1;
	*out = (uint16_t)h;
	return 0;
}

/* ConnectRetryTime (RFC 4271 section 10): 1..65535 seconds */
static int retry_val(const char *v, double *out)
{
	uint32_t r;
	if (u32(v, 65535, &r) != 0 || r == 0)
		return -1;
	*out = r;
	return 0;
}

static int families_val(const char *v, bgp_session_cfg *s)
{
	char buf[200];
	if (copy_str(buf, sizeof buf, v) != 0)
		return -1;
	s->n_families = 0;
	for (char *save = NULL, *t = strtok_r(buf, ", ", &save); t != NULL;
	     t = strtok_r(NULL, ", ", &save)) {
		bgp_family f;
		if (bgp_family_parse(t, &f) != 0 || s->n_families == BGP_SESSION_MAX_FAMILIES)
			return -1;
		s->families[s->n_families++] = f;
	}
	return s->n_families > 0 ? 0 : -1;
}

static int handler(void *user, const char *section, const char *key, const char *v)
{
	ctx *x = user;
	int line = x->in.lineno;
	bgp_cfg *c = x->c;
	if (x->failed)
		return 1;
	bool is_bgp = strcmp(section, "bgp") == 0;
	if (!is_bgp && strncmp(section, "peer ", 5) != 0)
		return 1;
	c->present = true;
	size_t pi = 0;
	bgp_peer_cfg *p = NULL;
	if (!is_bgp) {
		const char *nm = section + 5;
		for (pi = 0; pi < c->n_peers; pi++)
			if (strcmp(c->peers[pi].name, nm) == 0)
				break;
		if (pi == c->n_peers) {
			if (c->n_peers == BGP_CFG_MAX_PEERS)
				return fail(x, line, "more than %d peers", BGP_CFG_MAX_PEERS);
			if (strlen(nm) == 0 || strlen(nm) >= sizeof c->peers[0].name)
				return fail(x, line, "[peer NAME]: bad name '%s'", nm);
			c->peers = neto_reallocarray(c->peers, c->n_peers + 1, sizeof *c->peers);
			memset(&c->peers[pi], 0, sizeof c->peers[pi]);
			snprintf(c->peers[pi].name, sizeof c->peers[pi].name, "%s", nm);
			c->n_peers++;
		}
		p = &c->peers[pi];
	}
	/* a key given twice */
	char (*seen)[24] = x->seen[is_bgp ? BGP_CFG_MAX_PEERS : pi];
	for (int i = 0; i < 16 && seen[i][0]; i++)
		if (strcmp(seen[i], key) == 0)
			return fail(x, line, "[%s] %s given twice", section, key);
	for (int i = 0; i < 16; i++)
		if (!seen[i][0]) {
			snprintf(seen[i], sizeof seen[i], "%s", key);
			break;
		}
	int bad = 0;
	if (is_bgp) {
		if (strcmp(key, "local-as") == 0)
			bad = u32(v, UINT32_MAX, &c->local_as) || c->local_as == 0;
		else if (strcmp(key, "router-id") == 0)
			bad = ipv4_id(v, &c->router_id);
		else if (strcmp(key, "listen") == 0)
			bad = copy_str(c->listen, sizeof c->listen, v);
		else if (strcmp(key, "port") == 0) {
			uint32_t port = 0;
			bad = u32(v, 65535, &port) || port == 0;
			c->port = (uint16_t)port;
		} else if (strcmp(key, "hold-time") == 0)
			bad = hold_val(v, &c->hold_time);
		else if (strcmp(key, "connect-retry") == 0)
			bad = retry_val(v, &c->connect_retry);
		else
			return fail(x, line, "[bgp] unknown key '%.40s' (keys: local-as, router-id, "
				    "listen, port, hold-time, connect-retry)", key);
	} else {
		bgp_session_cfg *s = &p->s;
		if (strcmp(key, "address") == 0) {
			bad = copy_str(p->address, sizeof p->address, v);
			x->peer_addr[pi] = true;
		} else if (strcmp(key, "remote-as") == 0) {
			bad = u32(v, UINT32_MAX, &s->remote_as) || s->remote_as == 0;
			x->peer_ras[pi] = true;
		} else if (strcmp(key, "local-as") == 0) {
			bad = u32(v, UINT32_MAX, &s->local_as) || s->local_as == 0;
			x->peer_has[pi] |= PEER_HAS_LOCAL_AS;
		} else if (strcmp(key, "router-id") == 0) {
			bad = ipv4_id(v, &s->router_id);
			x->peer_has[pi] |= PEER_HAS_ROUTER_ID;
		} else if (strcmp(key, "hold-time") == 0) {
			bad = hold_val(v, &s->hold_time);
			x->peer_has[pi] |= PEER_HAS_HOLD;
		} else if (strcmp(key, "connect-retry") == 0) {
			bad = retry_val(v, &p->s.connect_retry);
			x->peer_has[pi] |= PEER_HAS_RETRY;
		} else if (strcmp(key, "password") == 0) {
			bad = copy_str(p->password, sizeof p->password, v);
		} else if (strcmp(key, "families") == 0) {
			bad = families_val(v, s);
		} else if (strcmp(key, "passive") == 0) {
			bad = cfg_bool(v, &s->passive);
		} else if (strcmp(key, "port") == 0) {
			uint32_t port = 0;
			bad = u32(v, 65535, &port) || port == 0;
			p->port = (uint16_t)port;
		} else if (strcmp(key, "local-address") == 0) {
			bad = copy_str(p->local_address, sizeof p->local_address, v);
		} else if (strcmp(key, "add-path-receive") == 0) {
			/* RFC 7911: learn every path of IPv4/IPv6 unicast */
			bad = cfg_bool(v, &s->addpath_receive);
		} else {
			return fail(x, line, "[%s] unknown key '%.40s' (keys: address, remote-as, "
				    "local-as, router-id, hold-time, connect-retry, password, families, "
				    "passive, port, local-address, add-path-receive)", section, key);
		}
		if (!x->peer_line[pi])
			x->peer_line[pi] = (unsigned)line;
	}
	if (bad)
		return fail(x, line, "[%s] %s: bad value", section, key);
	return 1;
}

int bgp_cfg_parse(const char *buf, size_t len, const char *name, bgp_cfg *out, neto_err *err)
{
	memset(out, 0, sizeof *out);
	out->port = BGP_PORT;
	out->hold_time = 90;
	out->connect_retry = 30;
	char *copy = neto_malloc(len + 1);
	if (len > 0)
		memcpy(copy, buf, len);
	copy[len] = '\0';
	ctx *x = neto_calloc(1, sizeof *x);
	x->name = name;
	x->c = out;
	x->err = err;
	x->peer_has = neto_calloc(BGP_CFG_MAX_PEERS, sizeof *x->peer_has);
	x->peer_line = neto_calloc(BGP_CFG_MAX_PEERS, sizeof *x->peer_line);
	x->in.pos = copy;
	x->in.end = copy + len;
	int rc = ini_parse_stream(reader, x, handler, x);
	if (!x->failed && rc != 0)
		fail(x, rc > 0 ? rc : 0, "syntax error");
	for (size_t i = 0; !x->failed && i < out->n_peers; i++) {
		bgp_peer_cfg *p = &out->peers[i];
		int line = (int)x->peer_line[i];
		if (!x->peer_addr[i])
			fail(x, line, "[peer %s]: address is required", p->name);
		else if (!x->peer_ras[i])
			fail(x, line, "[peer %s]: remote-as is required", p->name);
		if (!(x->peer_has[i] & PEER_HAS_LOCAL_AS))
			p->s.local_as = out->local_as;
		if (!(x->peer_has[i] & PEER_HAS_ROUTER_ID))
			p->s.router_id = out->router_id;
		if (!(x->peer_has[i] & PEER_HAS_HOLD))
			p->s.hold_time = out->hold_time;
		if (!(x->peer_has[i] & PEER_HAS_RETRY))
			p->s.connect_retry = out->connect_retry;
		if (!x->failed && p->s.local_as == 0)
			fail(x, line, "[peer %s]: no local-as (here or in [bgp])", p->name);
		if (!x->failed && p->s.router_id == 0)
			fail(x, line, "[peer %s]: no router-id (here or in [bgp])", p->name);
		struct sockaddr_storage sa;
		socklen_t sl;
		neto_err e;
		if (!x->failed && bgp_sockaddr(p->address, 179, &sa, &sl, &e) != 0)
			fail(x, line, "[peer %s] address: %.200s", p->name, e.msg);
	}
	bool failed = x->failed;
	free(x->peer_has);
	free(x->peer_line);
	free(x);
	free(copy);
	if (failed) {
		bgp_cfg_free(out);
		return -1;
	}
	return 0;
}

void bgp_cfg_free(bgp_cfg *c)
{
	free(c->peers);
	c->peers = NULL;
	c->n_peers = 0;
}
