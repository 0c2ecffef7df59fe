/*
 * probe.c - the border router's latency prober (probe.h).
 *
 * Trade-offs:
 *  - One thread, one poll loop, all pairs of a round in flight at once:
 *    probe k of every pair goes out together, then probe k + 1 a spacing
 *    later, so a round takes count x spacing + timeout whatever the number
 *    of pairs. Sequence numbers say which pair and probe an answer is for
 *    (round base + pair x count + k), so nothing is looked up per answer.
 *  - The send time is read just before sendto and the receive time is the
 *    kernel's stamp: the agent being descheduled delays the send (both
 *    ends of the measured interval move together) but never lengthens an
 *    RTT on the receive side.
 *  - A probe the kernel refuses to send (no route, no neighbour) counts as
 *    sent and lost: through that egress the prefix is not reachable.
 *  - Policy routing (a table and a fwmark rule per egress) rather than
 *    SO_BINDTODEVICE: binding to a device still needs a route through it,
 *    and several egresses may share a device.
 */
#include "router/probe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cfg/cfg.h"
#include "lib/file.h"
#include "lib/mem.h"
#include "lib/text.h"
#include "lib/wire.h"
#include "proto/probe/probe.h"
#include "store/store.h"

/* ---- configuration ------------------------------------------------------------ */

void probe_cfg_defaults(probe_cfg *c)
{
	memset(c, 0, sizeof *c);
	c->interval_ms = 10000;
	c->count = 5;
	c->port = PROBE_PORT;
	c->timeout_ms = 1000;
	c->spacing_ms = 20;
	c->table = 7700;
	c->rule_prio = 900;
}

void probe_cfg_free(probe_cfg *c)
{
	free(c->targets);
	free(c->store);
	free(c->egress);
	memset(c, 0, sizeof *c);
}

void probe_cfg_copy(probe_cfg *dst, const probe_cfg *src)
{
	*dst = *src;
	dst->targets = src->targets ? neto_strdup(src->targets) : NULL;
	dst->store = src->store ? neto_strdup(src->store) : NULL;
	dst->egress = NULL;
	if (src->n_egress) {
		dst->egress = neto_reallocarray(NULL, src->n_egress, sizeof *dst->egress);
		memcpy(dst->egress, src->egress, src->n_egress * sizeof *dst->egress);
	}
}

bool probe_addr_parse(const char *s, probe_addr *a)
{
	memset(a, 0, sizeof *a);
	if (inet_pton(AF_INET, s, a->a) == 1) {
		a->family = 4;
		return true;
	}
	if (inet_pton(AF_INET6, s, a->a) == 1) {
		a->family = 6;
		return true;
	}
	return false;
}

const char *probe_addr_str(const probe_addr *a, char *out, size_t n)
{
	if (inet_ntop(a->family == 6 ? AF_INET6 : AF_INET, a->a, out, (socklen_t)n) == NULL)
		snprintf(out, n, "?");
	return out;
}

static int parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	char *end;
	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (*end != '\0' || errno != 0 || v < lo || v > hi)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int add_egress(probe_cfg *c, const char *v, neto_err *err)
{
	char *copy = neto_strdup(v), *save = NULL;
	int rc = 0;
	size_t added = 0;
	for (char *t = strtok_r(copy, " \t,", &save); t; t = strtok_r(NULL, " \t,", &save)) {
		probe_addr a;
		if (!probe_addr_parse(t, &a)) {
			rc = neto_err_set(err, "probe_egress: '%.64s' is not an IP address", t);
			break;
		}
		/* a link-local next hop needs an interface, which this key
		 * does not name */
		if (a.family == 6 && a.a[0] == 0xfe && (a.a[1] & 0xc0) == 0x80) {
			rc = neto_err_set(err, "probe_egress: %.64s is link-local (not supported)", t);
			break;
		}
		for (uint32_t i = 0; i < c->n_egress && rc == 0; i++)
			if (c->egress[i].family == a.family && memcmp(c->egress[i].a, a.a, 16) == 0)
				rc = neto_err_set(err, "probe_egress: %.64s given twice", t);
		if (rc != 0)
			break;
		if (c->n_egress == PROBE_MAX_EGRESS) {
			rc = neto_err_set(err, "probe_egress: more than %d", PROBE_MAX_EGRESS);
			break;
		}
		c->egress = neto_reallocarray(c->egress, c->n_egress + 1, sizeof *c->egress);
		c->egress[c->n_egress++] = a;
		added++;
	}
	if (rc == 0 && added == 0)
		rc = neto_err_set(err, "probe_egress: no address");
	free(copy);
	return rc;
}

static int set_duration(const char *key, const char *v, int64_t min_ms, int64_t *out,
			neto_err *err)
{
	neto_err e2;
	int64_t ms;
	if (cfg_parse_duration(v, &ms, &e2) != 0)
		return neto_err_set(err, "%s: %s", key, e2.msg);
	if (ms < min_ms || ms > 3600000)
		return neto_err_set(err, "%s: %lld ms to 1 hour", key, (long long)min_ms);
	*out = ms;
	return 0;
}

int probe_cfg_set(probe_cfg *c, const char *key, const char *v, neto_err *err)
{
	uint32_t u;
	if (strcmp(key, "probe_targets") == 0 || strcmp(key, "probe_store") == 0) {
		if (v[0] == '\0' || strlen(v) > 400)
			return neto_err_set(err, "%s: a %s", key,
					    key[6] == 't' ? "file name" : "store URI");
		char **dst = key[6] == 't' ? &c->targets : &c->store;
		free(*dst);
		*dst = neto_strdup(v);
		return 0;
	}
	if (strcmp(key, "probe_egress") == 0)
		return add_egress(c, v, err);
	if (strcmp(key, "probe_interval") == 0)
		return set_duration(key, v, 100, &c->interval_ms, err);
	if (strcmp(key, "probe_timeout") == 0)
		return set_duration(key, v, 10, &c->timeout_ms, err);
	if (strcmp(key, "probe_spacing") == 0)
		return set_duration(key, v, 0, &c->spacing_ms, err);
	if (strcmp(key, "probe_count") == 0) {
		if (parse_u32(v, 1, PROBE_MAX_COUNT, &u) != 0)
			return neto_err_set(err, "probe_count: 1 to %d", PROBE_MAX_COUNT);
		c->count = u;
		return 0;
	}
	if (strcmp(key, "probe_port") == 0) {
		if (parse_u32(v, 1, 65535, &u) != 0)
			return neto_err_set(err, "probe_port: 1 to 65535");
		c->port = (uint16_t)u;
		return 0;
	}
	if (strcmp(key, "probe_table") == 0) {
		/* the range table .. table + 63 must avoid the kernel's
		 * default, main and local tables (253..255) */
		if (parse_u32(v, 1, 0x7fffffffU - PROBE_MAX_EGRESS, &u) != 0 ||
		    (u <= 255 && u + PROBE_MAX_EGRESS > 253))
			return neto_err_set(err, "probe_table: 1..189 or 256..%u (the range of %d "
					    "tables must avoid 253..255)",
					    0x7fffffffU - PROBE_MAX_EGRESS, PROBE_MAX_EGRESS);
		c->table = u;
		return 0;
	}
	if (strcmp(key, "probe_rule_priority") == 0) {
		if (parse_u32(v, 1, 32765, &u) != 0)
			return neto_err_set(err, "probe_rule_priority: 1 to 32765");
		c->rule_prio = u;
		return 0;
	}
	if (strcmp(key, "probe_padding") == 0) {
		if (parse_u32(v, 0, PROBE_MAX_PAD, &u) != 0)
			return neto_err_set(err, "probe_padding: 0 to %d octets", PROBE_MAX_PAD);
		c->pad = (uint16_t)u;
		return 0;
	}
	return neto_err_set(err, "unknown key '%.40s' (probe keys: probe_targets, probe_egress, "
			    "probe_store, probe_interval, probe_count, probe_port, probe_timeout, "
			    "probe_spacing, probe_table, probe_rule_priority, probe_padding)", key);
}

int probe_cfg_check(const probe_cfg *c, const char *fallback_store, neto_err *err)
{
	if (c->targets == NULL)
		return 0;
	if (c->n_egress == 0)
		return neto_err_set(err, "probe_targets without probe_egress");
	if (c->store == NULL && fallback_store == NULL)
		return neto_err_set(err, "probe_targets without probe_store (or telemetry_store)");
	if ((int64_t)c->count * c->spacing_ms + c->timeout_ms >= c->interval_ms)
		return neto_err_set(err, "probe_count x probe_spacing + probe_timeout (%lld ms) "
				    "must be below probe_interval (%lld ms)",
				    (long long)((int64_t)c->count * c->spacing_ms + c->timeout_ms),
				    (long long)c->interval_ms);
	return 0;
}

/* ---- targets file ----------------------------------------------------------------- */

static bool in_prefix(const probe_addr *a, const probe_addr *p, unsigned len)
{
	if (a->family != p->family)
		return false;
	unsigned full = len / 8, rest = len % 8;
	if (memcmp(a->a, p->a, full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (a->a[full] & mask) == (p->a[full] & mask);
}

static bool host_bits_zero(const probe_addr *p, unsigned len)
{
	unsigned total = p->family == 6 ? 128 : 32;
	for (unsigned b = len; b < total; b++)
		if (p->a[b / 8] & (0x80 >> (b % 8)))
			return false;
	return true;
}

int probe_targets_parse(const char *buf, size_t len, const char *fname, probe_target **v,
			size_t *n, neto_err *err)
{
	*v = neto_calloc(1, sizeof **v);
	*n = 0;
	if (neto_text_check_nul(buf, len, fname, err) != 0)
		return -1;
	neto_lines c;
	neto_lines_init(&c, buf, len);
	neto_span line, f[3];
	size_t cap = 1;
	while (neto_lines_next_data(&c, &line)) {
		if (neto_split(line, 0, f, 3) != 2)
			return neto_err_at(err, fname, c.lineno, "expected 'PREFIX ADDRESS'");
		char ps[80], as[80];
		neto_span_str(f[0], ps, sizeof ps);
		neto_span_str(f[1], as, sizeof as);
		probe_target t;
		memset(&t, 0, sizeof t);
		char *slash = strchr(ps, '/');
		uint32_t plen;
		if (slash == NULL)
			return neto_err_at(err, fname, c.lineno, "'%s' is not a prefix (ADDR/LEN)", ps);
		*slash = '\0';
		if (!probe_addr_parse(ps, &t.pfx) ||
		    parse_u32(slash + 1, 0, t.pfx.family == 6 ? 128 : 32, &plen) != 0)
			return neto_err_at(err, fname, c.lineno, "'%s/%s' is not a prefix", ps,
					   slash + 1);
		t.plen = (uint8_t)plen;
		if (!host_bits_zero(&t.pfx, plen))
			return neto_err_at(err, fname, c.lineno, "%s/%u has host bits set", ps,
					   (unsigned)plen);
		if (!probe_addr_parse(as, &t.addr))
			return neto_err_at(err, fname, c.lineno, "'%s' is not an IP address", as);
		if (!in_prefix(&t.addr, &t.pfx, plen))
			return neto_err_at(err, fname, c.lineno, "%s is not in %s/%u", as, ps,
					   (unsigned)plen);
		/* INET6_ADDRSTRLEN (46) + "/128" fits pfx_str */
		char canon[48];
		snprintf(t.pfx_str, sizeof t.pfx_str, "%s/%u",
			 probe_addr_str(&t.pfx, canon, sizeof canon), (unsigned)plen);
		probe_addr_str(&t.addr, t.addr_str, sizeof t.addr_str);
		for (size_t i = 0; i < *n; i++)
			if ((*v)[i].plen == t.plen && (*v)[i].pfx.family == t.pfx.family &&
			    memcmp((*v)[i].pfx.a, t.pfx.a, 16) == 0)
				return neto_err_at(err, fname, c.lineno, "%s given twice", t.pfx_str);
		if (*n == PROBE_MAX_TARGETS)
			return neto_err_at(err, fname, c.lineno, "more than %d targets",
					   PROBE_MAX_TARGETS);
		if (*n == cap) {
			cap *= 2;
			*v = neto_reallocarray(*v, cap, sizeof **v);
		}
		(*v)[(*n)++] = t;
	}
	return 0;
}

/* ---- results ------------------------------------------------------------------------ */

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

double probe_median(double *v, size_t n)
{
	qsort(v, n, sizeof *v, dbl_cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

char *probe_row(const probe_target *t, const char *router, const probe_addr *peer, double ms,
		int64_t at_ms, unsigned sent, unsigned lost, char *key, size_t key_cap)
{
	char ps[64];
	snprintf(key, key_cap, "%s %s %s", t->pfx_str, router, probe_addr_str(peer, ps, sizeof ps));
	/* microsecond resolution is all an RTT of this kind carries */
	json_t *m = ms < 0 ? json_null() : json_real(round(ms * 1000) / 1000);
	json_t *o = json_pack("{s:o,s:I,s:s,s:i,s:i}", "ms", m, "at", (json_int_t)at_ms, "target",
			      t->addr_str, "sent", (int)sent, "lost", (int)lost);
	char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9))
		    : NULL;
	json_decref(o);
	if (s == NULL)
		abort();	/* jansson fails only when out of memory */
	return s;
}

/* ---- netlink messages (pure) ------------------------------------------------------------ */

size_t probe_build_rule(void *buf, size_t cap, uint32_t seq, bool add, int family,
			uint32_t mark, uint32_t table, uint32_t prio, neto_err *err)
{
	size_t need = MNL_ALIGN(sizeof(struct nlmsghdr)) + MNL_ALIGN(sizeof(struct fib_rule_hdr)) +
		      4 * MNL_ALIGN(sizeof(struct nlattr) + 4);
	if (cap < need)
		return neto_err_set(err, "rule: buffer of %zu octets too small", cap), 0;
	memset(buf, 0, need);
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = add ? RTM_NEWRULE : RTM_DELRULE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_EXCL : 0);
	nlh->nlmsg_seq = seq;
	struct fib_rule_hdr *h = mnl_nlmsg_put_extra_header(nlh, sizeof *h);
	h->family = family == 6 ? AF_INET6 : AF_INET;
	h->action = FR_ACT_TO_TBL;
	h->table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
	mnl_attr_put_u32(nlh, FRA_PRIORITY, prio);
	mnl_attr_put_u32(nlh, FRA_FWMARK, mark);
	mnl_attr_put_u32(nlh, FRA_FWMASK, 0xffffffffU);
	mnl_attr_put_u32(nlh, FRA_TABLE, table);
	return nlh->nlmsg_len;
}

size_t probe_build_route(void *buf, size_t cap, uint32_t seq, bool add, int family,
			 uint32_t table, const probe_addr *gw, neto_err *err)
{
	size_t need = MNL_ALIGN(sizeof(struct nlmsghdr)) + MNL_ALIGN(sizeof(struct rtmsg)) +
		      2 * MNL_ALIGN(sizeof(struct nlattr) + 4) + MNL_ALIGN(sizeof(struct nlattr) + 16);
	if (gw && gw->family != family)
		return neto_err_set(err, "route: gateway of another family"), 0;
	if (cap < need)
		return neto_err_set(err, "route: buffer of %zu octets too small", cap), 0;
	memset(buf, 0, need);
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = add ? RTM_NEWROUTE : RTM_DELROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_REPLACE : 0);
	nlh->nlmsg_seq = seq;
	struct rtmsg *r = mnl_nlmsg_put_extra_header(nlh, sizeof *r);
	r->rtm_family = family == 6 ? AF_INET6 : AF_INET;
	r->rtm_dst_len = 0;	/* the default route of the egress's table */
	r->rtm_table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
	r->rtm_protocol = RTPROT_STATIC;
	r->rtm_scope = RT_SCOPE_UNIVERSE;
	r->rtm_type = gw ? RTN_UNICAST : RTN_UNREACHABLE;
	mnl_attr_put_u32(nlh, RTA_TABLE, table);
	if (gw)
		mnl_attr_put(nlh, RTA_GATEWAY, family == 6 ? 16 : 4, gw->a);
	else
		mnl_attr_put_u32(nlh, RTA_PRIORITY, PROBE_UNREACH_METRIC);
	return nlh->nlmsg_len;
}

/* ---- the running prober ------------------------------------------------------------------ */

typedef struct egress_rt {
	probe_addr peer;
	char peer_str[64];
	int fd;			/* marked UDP socket, -1: none */
	uint32_t table;
	bool has_rule, has_unreach;
	bool has_route;		/* the route via the next hop is installed */
} egress_rt;

typedef struct pair {
	uint32_t t, e;		/* target, egress */
} pair;

struct prober {
	probe_cfg cfg;
	char *router;
	store *st;
	FILE *log;
	probe_target *t;
	size_t n_t;
	egress_rt *eg;
	size_t n_eg;
	pair *pairs;
	size_t n_pairs;
	struct mnl_socket *nl;
	uint32_t nl_seq;
	uint32_t id;		/* identifies our probes (random per start) */
	uint32_t round;
	pthread_t th;
	bool running;
	int wake[2];		/* stop pipe */
	atomic_int stop;
	wire_wr w;
	/* per round: per pair x count */
	int64_t *tx_ns, *rtt_ns;
	uint64_t n_rounds, n_sent, n_answers, n_stray;
};

static void plog(prober *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void plog(prober *p, const char *fmt, ...)
{
	if (p->log == NULL)
		return;
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	int n = snprintf(line, sizeof line, "router %s: probe: ", p->router);
	vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	va_end(ap);
	/* one call: the agent's thread writes to the same stream */
	fprintf(p->log, "%s\n", line);
	fflush(p->log);
}

static int64_t clock_ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Sends one request (in the 4-aligned buffer buf) and waits for its
 * acknowledgement. *kerr: the kernel's errno on a refusal. */
static int nl_transact(prober *p, void *buf, size_t len, int *kerr, neto_err *err)
{
	*kerr = 0;
	const struct nlmsghdr *req = buf;
	uint32_t seq = req->nlmsg_seq;
	if (mnl_socket_sendto(p->nl, buf, len) < 0)
		return neto_err_set(err, "netlink send: %s", strerror(errno));
	uint32_t rx[2048];
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(p->nl, rx, sizeof rx);
		if (n < 0)
			return neto_err_set(err, "netlink receive: %s", strerror(errno));
		int left = (int)n;
		for (const struct nlmsghdr *h = (const struct nlmsghdr *)rx;
		     mnl_nlmsg_ok(h, left) && h->nlmsg_len <= (uint32_t)left;
		     h = mnl_nlmsg_next(h, &left)) {
			if (h->nlmsg_type != NLMSG_ERROR || h->nlmsg_seq != seq)
				continue;
			if (mnl_nlmsg_get_payload_len(h) < sizeof(struct nlmsgerr))
				return neto_err_set(err, "netlink: short acknowledgement");
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);
			if (e->error == 0)
				return 0;
			*kerr = -e->error;
			return neto_err_set(err, "kernel: %s",
					    *kerr > 0 && *kerr < 4096 ? strerror(*kerr) : "bad error");
		}
	}
}

static int rule_op(prober *p, bool add, const egress_rt *e, int *kerr, neto_err *err)
{
	uint32_t buf[64];
	size_t len = probe_build_rule(buf, sizeof buf, ++p->nl_seq, add, e->peer.family, e->table,
				      e->table, p->cfg.rule_prio, err);
	return len ? nl_transact(p, buf, len, kerr, err) : -1;
}

/* The default route via the next hop, or (unreach) the unreachable one. */
static int route_op(prober *p, bool add, bool unreach, const egress_rt *e, int *kerr,
		    neto_err *err)
{
	uint32_t buf[64];
	size_t len = probe_build_route(buf, sizeof buf, ++p->nl_seq, add, e->peer.family, e->table,
				       unreach ? NULL : &e->peer, err);
	return len ? nl_transact(p, buf, len, kerr, err) : -1;
}

/* (Re)installs the route via the next hop; logs when that changes. */
static void route_refresh(prober *p, egress_rt *e)
{
	int kerr;
	neto_err err;
	bool ok = route_op(p, true, false, e, &kerr, &err) == 0;
	if (ok != e->has_route) {
		if (ok)
			plog(p, "egress %s: default route via it in table %u", e->peer_str,
			     e->table);
		else
			plog(p, "egress %s: no route via it in table %u (%s): its probes are lost",
			     e->peer_str, e->table, err.msg);
	}
	e->has_route = ok;
}

/* The table, rule and marked socket of egress e. */
static int egress_up(prober *p, egress_rt *e, neto_err *err)
{
	int kerr;
	neto_err e2;
	/* a rule left by an earlier run that was killed: remove it first */
	for (int i = 0; i < 8 && rule_op(p, false, e, &kerr, &e2) == 0; i++)
		;
	/* the unreachable default first: from the moment the rule exists,
	 * no marked probe can fall through to another table */
	if (route_op(p, true, true, e, &kerr, &e2) != 0)
		return neto_err_set(err, "egress %s: unreachable route in table %u: %s",
				    e->peer_str, e->table, e2.msg);
	e->has_unreach = true;
	e->has_route = true;	/* so that a failure is logged once */
	route_refresh(p, e);
	if (rule_op(p, true, e, &kerr, &e2) != 0)
		return neto_err_set(err, "egress %s: rule fwmark %u: %s", e->peer_str, e->table,
				    e2.msg);
	e->has_rule = true;
	e->fd = socket(e->peer.family == 6 ? AF_INET6 : AF_INET,
		       SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (e->fd < 0)
		return neto_err_set(err, "socket: %s", strerror(errno));
	int one = 1, mark = (int)e->table;
	if (setsockopt(e->fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark) != 0)
		return neto_err_set(err, "egress %s: SO_MARK (needs CAP_NET_ADMIN): %s",
				    e->peer_str, strerror(errno));
	(void)setsockopt(e->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
	return 0;
}

static void egress_down(prober *p, egress_rt *e)
{
	int kerr;
	neto_err err;
	if (e->fd >= 0)
		close(e->fd);
	e->fd = -1;
	if (e->has_rule && rule_op(p, false, e, &kerr, &err) != 0)
		plog(p, "egress %s: removing rule: %s", e->peer_str, err.msg);
	if (e->has_route && route_op(p, false, false, e, &kerr, &err) != 0 && kerr != ESRCH)
		plog(p, "egress %s: removing route: %s", e->peer_str, err.msg);
	if (e->has_unreach && route_op(p, false, true, e, &kerr, &err) != 0 && kerr != ESRCH)
		plog(p, "egress %s: removing unreachable route: %s", e->peer_str, err.msg);
	e->has_rule = e->has_route = e->has_unreach = false;
}

static void send_probe(prober *p, size_t pi, uint32_t k, uint32_t base)
{
	const pair *pr = &p->pairs[pi];
	const probe_target *t = &p->t[pr->t];
	egress_rt *e = &p->eg[pr->e];
	size_t slot = pi * p->cfg.count + k;
	probe_msg m = { .type = PROBE_REQUEST, .pad = p->cfg.pad, .id = p->id,
			.seq = base + (uint32_t)slot };
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	socklen_t sl;
	if (t->addr.family == 4) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(p->cfg.port);
		memcpy(&s4->sin_addr, t->addr.a, 4);
		sl = sizeof *s4;
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(p->cfg.port);
		memcpy(&s6->sin6_addr, t->addr.a, 16);
		sl = sizeof *s6;
	}
	int64_t now = clock_ns(CLOCK_REALTIME);
	m.ts_ns = (uint64_t)now;
	p->w.len = 0;
	neto_err err;
	if (probe_encode(&m, &p->w, &err) != 0)
		return;
	p->tx_ns[slot] = now;
	p->n_sent++;
	if (sendto(e->fd, p->w.buf, p->w.len, 0, (struct sockaddr *)&ss, sl) < 0)
		p->tx_ns[slot] = -1;	/* refused by the kernel: lost */
}

/* Reads the answers waiting on egress ei's socket. */
static void receive(prober *p, size_t ei, uint32_t base)
{
	egress_rt *e = &p->eg[ei];
	size_t n_slots = p->n_pairs * p->cfg.count;
	for (int batch = 0; batch < 1024; batch++) {
		uint8_t buf[PROBE_MAX_LEN + 1];
		union {
			char b[128];
			struct cmsghdr align;
		} ctl;
		struct sockaddr_storage from;
		struct iovec iov = { buf, sizeof buf };
		struct msghdr mh = { .msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov,
				     .msg_iovlen = 1, .msg_control = ctl.b,
				     .msg_controllen = sizeof ctl.b };
		ssize_t n = recvmsg(e->fd, &mh, MSG_DONTWAIT);
		if (n < 0)
			return;
		int64_t rx = clock_ns(CLOCK_REALTIME);
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
			if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SO_TIMESTAMPNS &&
			    cm->cmsg_len >= CMSG_LEN(sizeof(struct timespec))) {
				struct timespec ts;
				memcpy(&ts, CMSG_DATA(cm), sizeof ts);
				rx = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
			}
		probe_msg m;
		uint32_t slot = 0;
		if (probe_decode(buf, (size_t)n, &m, NULL) != PROBE_OK || m.type != PROBE_ANSWER ||
		    m.id != p->id || (slot = m.seq - base) >= n_slots) {
			p->n_stray++;	/* not ours, or from an earlier round */
			continue;
		}
		const pair *pr = &p->pairs[slot / p->cfg.count];
		const probe_target *t = &p->t[pr->t];
		/* the answer must come from the probed address, on the socket
		 * of the egress the probe left by */
		bool from_target = false;
		if (from.ss_family == AF_INET && t->addr.family == 4) {
			const struct sockaddr_in *s4 = (const struct sockaddr_in *)&from;
			from_target = memcmp(&s4->sin_addr, t->addr.a, 4) == 0 &&
				      ntohs(s4->sin_port) == p->cfg.port;
		} else if (from.ss_family == AF_INET6 && t->addr.family == 6) {
			const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&from;
			from_target = memcmp(&s6->sin6_addr, t->addr.a, 16) == 0 &&
				      ntohs(s6->sin6_port) == p->cfg.port;
		}
		if (pr->e != ei || !from_target || p->tx_ns[slot] < 0 ||
		    m.ts_ns != (uint64_t)p->tx_ns[slot] || p->rtt_ns[slot] >= 0) {
			p->n_stray++;
			continue;
		}
		int64_t rtt = rx - p->tx_ns[slot];
		p->rtt_ns[slot] = rtt < 0 ? 0 : rtt;
		p->n_answers++;
	}
}

/* Waits until deadline (monotonic ns) or a stop, receiving. Returns false
 * on stop. With all_in, returns early once every probe is answered. */
static bool wait_until(prober *p, int64_t deadline, uint32_t base, bool all_in)
{
	struct pollfd *pfd = neto_calloc(p->n_eg + 1, sizeof *pfd);
	bool ok = true;
	for (;;) {
		if (atomic_load(&p->stop)) {
			ok = false;
			break;
		}
		if (all_in) {
			size_t n_slots = p->n_pairs * p->cfg.count, done = 0;
			for (size_t i = 0; i < n_slots; i++)
				done += p->rtt_ns[i] >= 0 || p->tx_ns[i] < 0;
			if (done == n_slots)
				break;
		}
		int64_t now = clock_ns(CLOCK_MONOTONIC);
		if (now >= deadline)
			break;
		for (size_t i = 0; i < p->n_eg; i++)
			pfd[i] = (struct pollfd){ .fd = p->eg[i].fd, .events = POLLIN };
		pfd[p->n_eg] = (struct pollfd){ .fd = p->wake[0], .events = POLLIN };
		int64_t left = deadline - now;
		struct timespec to = { (time_t)(left / 1000000000), (long)(left % 1000000000) };
		int r = ppoll(pfd, (nfds_t)p->n_eg + 1, &to, NULL);
		if (r < 0 && errno != EINTR) {
			plog(p, "poll: %s", strerror(errno));
			break;
		}
		for (size_t i = 0; r > 0 && i < p->n_eg; i++)
			if (pfd[i].revents & POLLIN)
				receive(p, i, base);
	}
	free(pfd);
	return ok;
}

static int64_t wall_ms(void)
{
	return clock_ns(CLOCK_REALTIME) / 1000000;
}

/* Rows go to the store PROBE_CHUNK at a time, each chunk one transaction
 * (store_kv_put_many): a round of 4,096 targets x 64 egresses is 262,144
 * rows, which one transaction a row could not write within a round. */
#define PROBE_CHUNK 4096
/* Rounds with more pairs than this log a summary, not a line a pair. */
#define PROBE_LOG_PAIRS 64

/* Writes the rows and frees their bodies (bodies[i] is rows[i].body). */
static void flush_rows(prober *p, store_kv_row *rows, char **bodies, size_t *n, int64_t at)
{
	neto_err err;
	if (*n > 0 && store_kv_put_many(p->st, "pe-latency", rows, *n, at, &err) != 0)
		plog(p, "store: %zu rows not written: %s", *n, err.msg);
	for (size_t i = 0; i < *n; i++)
		free(bodies[i]);
	*n = 0;
}

static void write_results(prober *p)
{
	uint32_t cnt = p->cfg.count;
	double *v = neto_calloc(cnt, sizeof *v);
	int64_t at = wall_ms();
	size_t chunk = p->n_pairs < PROBE_CHUNK ? p->n_pairs : PROBE_CHUNK;
	store_kv_row *rows = neto_calloc(chunk ? chunk : 1, sizeof *rows);
	char(*keys)[256] = neto_calloc(chunk ? chunk : 1, sizeof *keys);
	char **bodies = neto_calloc(chunk ? chunk : 1, sizeof *bodies);
	size_t nrows = 0, answered = 0, lost = 0;
	for (size_t pi = 0; pi < p->n_pairs; pi++) {
		size_t got = 0;
		for (uint32_t k = 0; k < cnt; k++) {
			int64_t r = p->rtt_ns[pi * cnt + k];
			if (r >= 0)
				v[got++] = (double)r / 1e6;
		}
		double ms = got ? probe_median(v, got) : -1;
		const probe_target *t = &p->t[p->pairs[pi].t];
		const egress_rt *e = &p->eg[p->pairs[pi].e];
		char *body = probe_row(t, p->router, &e->peer, ms, at, cnt, (unsigned)(cnt - got),
				       keys[nrows], sizeof keys[0]);
		rows[nrows] = (store_kv_row){ .key = keys[nrows], .body = body, .len = strlen(body) };
		bodies[nrows] = body;
		if (++nrows == chunk)
			flush_rows(p, rows, bodies, &nrows, at);
		answered += got > 0;
		lost += cnt - got;
		if (p->n_pairs > PROBE_LOG_PAIRS)
			continue;
		if (got)
			plog(p, "%s (%s) via %s: median %.3f ms, %u sent, %zu lost", t->pfx_str,
			     t->addr_str, e->peer_str, ms, cnt, cnt - got);
		else
			plog(p, "%s (%s) via %s: all %u lost", t->pfx_str, t->addr_str,
			     e->peer_str, cnt);
	}
	flush_rows(p, rows, bodies, &nrows, at);
	if (p->n_pairs > PROBE_LOG_PAIRS)
		plog(p, "round: %zu (target, egress) pairs, %zu answered, %zu of %zu probes lost",
		     p->n_pairs, answered, lost, p->n_pairs * cnt);
	free(bodies);
	free(keys);
	free(rows);
	free(v);
}

/* One round; false when stopped during it (nothing written). */
static bool run_round(prober *p)
{
	size_t n_slots = p->n_pairs * p->cfg.count;
	uint32_t base = p->round * (uint32_t)n_slots;
	p->round++;
	for (size_t i = 0; i < n_slots; i++) {
		p->tx_ns[i] = -1;
		p->rtt_ns[i] = -1;
	}
	for (size_t i = 0; i < p->n_eg; i++)
		route_refresh(p, &p->eg[i]);
	int64_t last = clock_ns(CLOCK_MONOTONIC);
	for (uint32_t k = 0; k < p->cfg.count; k++) {
		for (size_t pi = 0; pi < p->n_pairs; pi++)
			send_probe(p, pi, k, base);
		last = clock_ns(CLOCK_MONOTONIC);
		if (k + 1 < p->cfg.count &&
		    !wait_until(p, last + p->cfg.spacing_ms * 1000000, base, false))
			return false;
	}
	if (!wait_until(p, last + p->cfg.timeout_ms * 1000000, base, true))
		return false;
	p->n_rounds++;
	write_results(p);
	return true;
}

static void *thread_main(void *arg)
{
	prober *p = arg;
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);	/* signals are the agent's */
	int64_t next = clock_ns(CLOCK_MONOTONIC);
	while (!atomic_load(&p->stop)) {
		if (!run_round(p))
			break;
		next += p->cfg.interval_ms * 1000000;
		int64_t now = clock_ns(CLOCK_MONOTONIC);
		if (next < now)
			next = now;	/* a late round: no burst to catch up */
		if (!wait_until(p, next, p->round * (uint32_t)(p->n_pairs * p->cfg.count), false))
			break;
	}
	return NULL;
}

static void prober_free(prober *p)
{
	for (size_t i = 0; i < p->n_eg; i++)
		egress_down(p, &p->eg[i]);
	if (p->nl)
		mnl_socket_close(p->nl);
	if (p->wake[0] >= 0)
		close(p->wake[0]);
	if (p->wake[1] >= 0)
		close(p->wake[1]);
	store_close(p->st);
	probe_cfg_free(&p->cfg);
	wire_wr_free(&p->w);
	free(p->router);
	free(p->t);
	free(p->eg);
	free(p->pairs);
	free(p->tx_ns);
	free(p->rtt_ns);
	free(p);
}

int probe_start(prober **out, const probe_cfg *c, const char *router,
		const char *fallback_store, FILE *log, neto_err *err)
{
	*out = NULL;
	if (probe_cfg_check(c, fallback_store, err) != 0)
		return -1;
	prober *p = neto_calloc(1, sizeof *p);
	p->wake[0] = p->wake[1] = -1;
	probe_cfg_copy(&p->cfg, c);
	p->router = neto_strdup(router ? router : "router");
	p->log = log;
	wire_wr_init(&p->w);
	char *buf = NULL;
	size_t len;
	int rc = neto_file_read(c->targets, &buf, &len, err);
	if (rc == 0)
		rc = probe_targets_parse(buf, len, c->targets, &p->t, &p->n_t, err);
	free(buf);
	if (rc != 0)
		goto fail;
	if (store_open(&p->st, c->store ? c->store : fallback_store, err) != 0)
		goto fail;
	p->nl = mnl_socket_open(NETLINK_ROUTE);
	if (p->nl == NULL || mnl_socket_bind(p->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		neto_err_set(err, "netlink: %s", strerror(errno));
		goto fail;
	}
	p->nl_seq = (uint32_t)time(NULL);
	p->n_eg = c->n_egress;
	p->eg = neto_calloc(p->n_eg, sizeof *p->eg);
	for (size_t i = 0; i < p->n_eg; i++) {
		p->eg[i].fd = -1;
		p->eg[i].peer = c->egress[i];
		p->eg[i].table = c->table + (uint32_t)i;
		probe_addr_str(&c->egress[i], p->eg[i].peer_str, sizeof p->eg[i].peer_str);
	}
	for (size_t i = 0; i < p->n_eg; i++)
		if (egress_up(p, &p->eg[i], err) != 0)
			goto fail;
	/* every target through every egress of its family */
	p->pairs = neto_calloc(p->n_t * p->n_eg + 1, sizeof *p->pairs);
	for (size_t t = 0; t < p->n_t; t++)
		for (size_t e = 0; e < p->n_eg; e++)
			if (p->t[t].addr.family == p->eg[e].peer.family)
				p->pairs[p->n_pairs++] = (pair){ (uint32_t)t, (uint32_t)e };
	if (p->n_pairs == 0) {
		neto_err_set(err, "no target has an egress of its address family");
		goto fail;
	}
	p->tx_ns = neto_calloc(p->n_pairs * c->count, sizeof *p->tx_ns);
	p->rtt_ns = neto_calloc(p->n_pairs * c->count, sizeof *p->rtt_ns);
	uint32_t id = 0;
	int ur = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (ur < 0 || read(ur, &id, sizeof id) != (ssize_t)sizeof id)
		id = (uint32_t)getpid() ^ (uint32_t)clock_ns(CLOCK_REALTIME);
	if (ur >= 0)
		close(ur);
	p->id = id;
	if (pipe2(p->wake, O_CLOEXEC | O_NONBLOCK) != 0) {
		neto_err_set(err, "pipe: %s", strerror(errno));
		goto fail;
	}
	atomic_init(&p->stop, 0);
	if (pthread_create(&p->th, NULL, thread_main, p) != 0) {
		neto_err_set(err, "cannot start the prober thread");
		goto fail;
	}
	p->running = true;
	plog(p, "%zu target(s), %zu egress(es), %zu pair(s), %u probe(s) every %lld ms, "
	     "tables %u..%u", p->n_t, p->n_eg, p->n_pairs, c->count, (long long)c->interval_ms,
	     c->table, c->table + (uint32_t)p->n_eg - 1);
	*out = p;
	return 0;
fail:
	prober_free(p);
	return -1;
}

void probe_stop(prober *p)
{
	if (p == NULL)
		return;
	if (p->running) {
		atomic_store(&p->stop, 1);
		char b = 1;
		(void)!write(p->wake[1], &b, 1);
		pthread_join(p->th, NULL);
	}
	plog(p, "stopped after %llu round(s): %llu sent, %llu answered, %llu stray",
	     (unsigned long long)p->n_rounds, (unsigned long long)p->n_sent,
	     (unsigned long long)p->n_answers, (unsigned long long)p->n_stray);
	prober_free(p);
}
