/*
 * driver_egress.c - egress announcements over iBGP (see driver_egress.h).
 *
 * The driver keeps an Adj-RIB-Out in memory: per (router, policy) the
 * validated route, its canonical document, and the incarnation of the
 * router's session (its count of Established transitions) on which that
 * route was written. A route written on an earlier incarnation is no longer
 * on the router: the session that carried it is gone, and with it every
 * route it carried (RFC 4271 section 8.2.2, event 18: the peer's routes
 * are removed when its connection closes; no graceful restart is offered).
 */
#include "agent/driver_egress.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "agent/bgp_cfg.h"
#include "agent/bgp_peer.h"
#include "ctl/scheduler.h"
#include "lib/file.h"
#include "lib/mem.h"

#define LEASE_MS 30000		/* a router's lease (agent clock), renewed at half */

typedef struct eg_entry {
	char *router, *policy;
	egress_route r;
	char *doc;		/* canonical document of r */
	bool want;		/* announce (true) or withdraw (false) */
	unsigned sent_inc;	/* incarnation the announcement went out on; 0: not */
} eg_entry;

typedef struct eg_router {
	unsigned done_inc;	/* incarnation whose rows were written; 0: none */
	uint64_t done_gen;	/* generation of the Adj-RIB-Out written */
	bool down_done;		/* rows deleted for the current outage */
	uint64_t gen;		/* bumped on every announcement and withdrawal */
	int64_t lease_until;
} eg_router;

typedef struct eg_drv {
	bgp_speaker *sp;
	bool own;		/* sp was made by driver_egress_open */
	eg_entry *e;
	size_t n;
	eg_router *rt;		/* one per peer of the speaker */
	FILE *log;
} eg_drv;

static void logf_(eg_drv *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(eg_drv *d, const char *fmt, ...)
{
	if (d->log == NULL)
		return;
	va_list ap;
	va_start(ap, fmt);
	vfprintf(d->log, fmt, ap);
	va_end(ap);
	fflush(d->log);
}

/* ---- validation -------------------------------------------------------- */

/* A prefix "ADDR/LEN" of either family, host bits zero. */
static int parse_prefix(const char *s, uint16_t *afi, bgp_pfx *p, neto_err *err)
{
	memset(p, 0, sizeof *p);
	const char *slash = strchr(s, '/');
	char a[INET6_ADDRSTRLEN + 1];
	size_t al = slash ? (size_t)(slash - s) : 0;
	if (slash == NULL || al == 0 || al >= sizeof a)
		return neto_err_set(err, "prefix '%.80s' is not ADDRESS/LENGTH", s);
	memcpy(a, s, al);
	a[al] = '\0';
	unsigned maxlen;
	if (inet_pton(AF_INET, a, p->addr) == 1) {
		*afi = BGP_AFI_IPV4;
		maxlen = 32;
	} else if (inet_pton(AF_INET6, a, p->addr) == 1) {
		*afi = BGP_AFI_IPV6;
		maxlen = 128;
	} else {
		return neto_err_set(err, "prefix '%.80s': '%s' is not an IPv4 or IPv6 address", s, a);
	}
	const char *l = slash + 1;
	unsigned len = 0;
	size_t nd = 0;
	for (; isdigit((unsigned char)l[nd]) && nd < 4; nd++)
		len = len * 10 + (unsigned)(l[nd] - '0');
	if (nd == 0 || l[nd] != '\0' || len > maxlen || (nd > 1 && l[0] == '0'))
		return neto_err_set(err, "prefix '%.80s': the length must be 0..%u", s, maxlen);
	p->len = (uint8_t)len;
	for (unsigned b = len; b < maxlen; b++)
		if (p->addr[b / 8] & (0x80u >> (b % 8)))
			return neto_err_set(err, "prefix '%.80s' has host bits set beyond /%u", s,
					    len);
	return 0;
}

/* A next hop the border router can resolve and forward to: unicast. */
static int parse_nexthop(const char *s, uint16_t afi, uint8_t nh[16], neto_err *err)
{
	memset(nh, 0, 16);
	if (afi == BGP_AFI_IPV4) {
		if (inet_pton(AF_INET, s, nh) != 1)
			return neto_err_set(err, "nexthop '%.80s' is not an IPv4 address (the prefix "
					    "is IPv4)", s);
		if (nh[0] == 0 || nh[0] == 127 || nh[0] >= 224)
			return neto_err_set(err, "nexthop '%.80s' is not a unicast address", s);
		return 0;
	}
	if (inet_pton(AF_INET6, s, nh) != 1)
		return neto_err_set(err, "nexthop '%.80s' is not an IPv6 address (the prefix is "
				    "IPv6)", s);
	static const uint8_t zero[16], loop[16] = { [15] = 1 };
	if (memcmp(nh, zero, 16) == 0 || memcmp(nh, loop, 16) == 0 || nh[0] == 0xff ||
	    (nh[0] == 0xfe && (nh[1] & 0xc0) == 0x80))
		return neto_err_set(err, "nexthop '%.80s' is not a global unicast address", s);
	return 0;
}

/* A community "ASN:VALUE" or a well-known name (RFC 1997). */
static int parse_community(const char *s, uint32_t *c)
{
	if (strcmp(s, "no-export") == 0) {
		*c = 0xFFFFFF01u;
		return 0;
	}
	if (strcmp(s, "no-advertise") == 0) {
		*c = 0xFFFFFF02u;
		return 0;
	}
	if (strcmp(s, "no-export-subconfed") == 0) {
		*c = 0xFFFFFF03u;
		return 0;
	}
	unsigned long part[2];
	const char *q = s;
	for (int k = 0; k < 2; k++) {
		if (!isdigit((unsigned char)*q))
			return -1;
		char *end;
		errno = 0;
		part[k] = strtoul(q, &end, 10);
		if (errno != 0 || part[k] > 65535 || end - q > 5)
			return -1;
		q = end;
		if (k == 0 && *q++ != ':')
			return -1;
	}
	if (*q != '\0')
		return -1;
	*c = (uint32_t)(part[0] << 16 | part[1]);
	return 0;
}

int driver_egress_parse(const char *policy, const char *desired, egress_route *r,
			neto_err *err)
{
	memset(r, 0, sizeof *r);
	if (desired == NULL)
		return neto_err_set(err, "policy %s: no desired state", policy);
	json_error_t je;
	json_t *doc = json_loads(desired, JSON_REJECT_DUPLICATES, &je);
	if (doc == NULL)
		return neto_err_set(err, "policy %s: desired state: %s", policy, je.text);
	int rc = -1;
	neto_err e;
	if (!json_is_object(doc)) {
		neto_err_set(err, "policy %s: the desired state is not an object", policy);
		goto out;
	}
	const char *key;
	json_t *v;
	json_object_foreach(doc, key, v) {
		if (strcmp(key, "prefix") != 0 && strcmp(key, "egress") != 0 &&
		    strcmp(key, "nexthop") != 0 && strcmp(key, "local_pref") != 0 &&
		    strcmp(key, "communities") != 0) {
			neto_err_set(err, "policy %s: unknown key '%.60s' (prefix, egress, nexthop, "
				     "local_pref, communities)", policy, key);
			goto out;
		}
	}
	const char *pfx = json_string_value(json_object_get(doc, "prefix"));
	const char *eg = json_string_value(json_object_get(doc, "egress"));
	const char *nh = json_string_value(json_object_get(doc, "nexthop"));
	json_t *lp = json_object_get(doc, "local_pref");
	json_t *cs = json_object_get(doc, "communities");
	if (pfx == NULL || eg == NULL || nh == NULL || lp == NULL) {
		neto_err_set(err, "policy %s: prefix, egress, nexthop (strings) and local_pref are "
			     "required", policy);
		goto out;
	}
	if (parse_prefix(pfx, &r->afi, &r->pfx, &e) != 0) {
		neto_err_set(err, "policy %s: %s", policy, e.msg);
		goto out;
	}
	/* the policy names the prefix: "egress/PREFIX", the same prefix */
	size_t pl = strlen(EGRESS_POLICY_PREFIX);
	uint16_t pafi;
	bgp_pfx pp;
	if (strncmp(policy, EGRESS_POLICY_PREFIX, pl) != 0 ||
	    parse_prefix(policy + pl, &pafi, &pp, &e) != 0 || pafi != r->afi ||
	    memcmp(&pp, &r->pfx, sizeof pp) != 0) {
		neto_err_set(err, "policy %s: not \"egress/%.80s\"", policy, pfx);
		goto out;
	}
	size_t el = strlen(eg);
	if (el == 0 || el >= sizeof r->egress) {
		neto_err_set(err, "policy %s: egress must be a name of 1..%zu characters", policy,
			     sizeof r->egress - 1);
		goto out;
	}
	memcpy(r->egress, eg, el + 1);
	if (parse_nexthop(nh, r->afi, r->nh, &e) != 0) {
		neto_err_set(err, "policy %s: %s", policy, e.msg);
		goto out;
	}
	/* an integer, also written as a real with no fraction (200.0) */
	double lpv = json_is_integer(lp) ? (double)json_integer_value(lp)
		     : json_is_real(lp)	   ? json_real_value(lp)
					   : -1;
	if (!(lpv >= 0 && lpv <= 4294967295.0) || lpv != (double)(uint32_t)lpv) {
		neto_err_set(err, "policy %s: local_pref must be an integer 0..4294967295", policy);
		goto out;
	}
	r->local_pref = (uint32_t)lpv;
	if (cs != NULL && !json_is_null(cs)) {	/* null: none, like absent */
		if (!json_is_array(cs) || json_array_size(cs) > EGRESS_MAX_COMMUNITIES) {
			neto_err_set(err, "policy %s: communities must be a list of at most %d",
				     policy, EGRESS_MAX_COMMUNITIES);
			goto out;
		}
		for (size_t i = 0; i < json_array_size(cs); i++) {
			const char *s = json_string_value(json_array_get(cs, i));
			if (s == NULL || parse_community(s, &r->comm[r->n_comm]) != 0) {
				neto_err_set(err, "policy %s: community '%.60s' is not ASN:VALUE "
					     "(0..65535 each) or a well-known name", policy,
					     s ? s : "?");
				goto out;
			}
			r->n_comm++;
		}
	}
	rc = 0;
out:
	json_decref(doc);
	return rc;
}

char *driver_egress_doc(const egress_route *r)
{
	char a[INET6_ADDRSTRLEN], n[INET6_ADDRSTRLEN], p[INET6_ADDRSTRLEN + 8];
	int af = r->afi == BGP_AFI_IPV6 ? AF_INET6 : AF_INET;
	inet_ntop(af, r->pfx.addr, a, sizeof a);
	inet_ntop(af, r->nh, n, sizeof n);
	snprintf(p, sizeof p, "%s/%u", a, (unsigned)r->pfx.len);
	json_t *o = json_pack("{s:s, s:s, s:s, s:I}", "prefix", p, "egress", r->egress, "nexthop",
			      n, "local_pref", (json_int_t)r->local_pref);
	if (r->n_comm > 0) {
		json_t *cs = json_array();
		for (size_t i = 0; i < r->n_comm; i++) {
			char c[16];
			snprintf(c, sizeof c, "%u:%u", (unsigned)(r->comm[i] >> 16),
				 (unsigned)(r->comm[i] & 0xffff));
			json_array_append_new(cs, json_string(c));
		}
		json_object_set_new(o, "communities", cs);
	}
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (s == NULL)
		abort();	/* out of memory, like neto_malloc */
	return s;
}

/* The attributes that go on the wire are the same (the egress's name is
 * not one of them). */
static bool same_wire(const egress_route *a, const egress_route *b)
{
	return a->afi == b->afi && a->pfx.len == b->pfx.len &&
	       memcmp(a->pfx.addr, b->pfx.addr, 16) == 0 && memcmp(a->nh, b->nh, 16) == 0 &&
	       a->local_pref == b->local_pref && a->n_comm == b->n_comm &&
	       memcmp(a->comm, b->comm, a->n_comm * sizeof *a->comm) == 0;
}

/* ---- the Adj-RIB-Out ----------------------------------------------------- */

static bgp_peer *peer_of(eg_drv *d, const char *router, size_t *idx)
{
	for (size_t i = 0; i < d->sp->n_peers; i++)
		if (strcmp(d->sp->peers[i].cfg.name, router) == 0) {
			if (idx)
				*idx = i;
			return &d->sp->peers[i];
		}
	return NULL;
}

static eg_entry *find(eg_drv *d, const char *router, const char *policy)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->e[i].router, router) == 0 && strcmp(d->e[i].policy, policy) == 0)
			return &d->e[i];
	return NULL;
}

static void drop_entry(eg_drv *d, eg_entry *x)
{
	free(x->router);
	free(x->policy);
	free(x->doc);
	*x = d->e[--d->n];
}

static bool up(const bgp_peer *p)
{
	return p->s.state == BGP_ST_ESTABLISHED && p->fd >= 0;
}

/* Why the route cannot go to this peer (NULL: it can). */
static const char *unfit(const bgp_peer *p, uint16_t afi, char *buf, size_t cap)
{
	if (p->cfg.s.local_as != p->cfg.s.remote_as) {
		snprintf(buf, cap, "peer %s is eBGP (AS %u, remote AS %u): egress routes go "
			 "over iBGP", p->cfg.name, (unsigned)p->cfg.s.local_as,
			 (unsigned)p->cfg.s.remote_as);
		return buf;
	}
	if (up(p) && !bgp_session_has_family(&p->s, afi, BGP_SAFI_UNICAST)) {
		snprintf(buf, cap, "the session with %s did not negotiate %s", p->cfg.name,
			 afi == BGP_AFI_IPV6 ? "ipv6-unicast" : "ipv4-unicast");
		return buf;
	}
	return NULL;
}

/* The UPDATE announcing (want) or withdrawing r, appended to w. */
static int encode(const egress_route *r, bool want, const bgp_peer *p, wire_wr *w,
		  neto_err *err)
{
	bgp_update u;
	bgp_update_init(&u);
	bgp_pfx pfx = r->pfx;
	uint32_t comm[EGRESS_MAX_COMMUNITIES];
	bgp_upd_opts o = { .as4 = p->s.as4, .ibgp = true };
	if (!want) {
		if (r->afi == BGP_AFI_IPV4) {
			u.withdrawn = &pfx;
			u.n_withdrawn = 1;
		} else {
			/* RFC 4760 section 4: MP_UNREACH_NLRI alone */
			u.unreach.present = true;
			u.unreach.afi = BGP_AFI_IPV6;
			u.unreach.safi = BGP_SAFI_UNICAST;
			u.unreach.pfx = &pfx;
			u.unreach.n_pfx = 1;
		}
		return bgp_update_encode(&u, &o, w, err);
	}
	/* RFC 4271 section 5.1.1: IGP, originated inside the AS;
	 * section 5.1.2: an empty AS_PATH to an internal peer;
	 * section 5.1.5: LOCAL_PREF on every UPDATE to an internal peer */
	u.seen = 1u << BGP_ATTR_ORIGIN | 1u << BGP_ATTR_AS_PATH | 1u << BGP_ATTR_LOCAL_PREF;
	u.origin = 0;
	u.local_pref = r->local_pref;
	if (r->n_comm > 0) {
		memcpy(comm, r->comm, r->n_comm * sizeof *comm);
		u.seen |= 1u << BGP_ATTR_COMMUNITIES;
		u.communities = comm;
		u.n_communities = r->n_comm;
	}
	if (r->afi == BGP_AFI_IPV4) {
		u.seen |= 1u << BGP_ATTR_NEXT_HOP;
		u.next_hop = (uint32_t)r->nh[0] << 24 | (uint32_t)r->nh[1] << 16 |
			     (uint32_t)r->nh[2] << 8 | r->nh[3];
		u.nlri = &pfx;
		u.n_nlri = 1;
	} else {
		/* RFC 4760 section 3 (and RFC 2545 section 3): a 16-octet global
		 * next hop; no NEXT_HOP attribute without IPv4 NLRI */
		u.reach.present = true;
		u.reach.afi = BGP_AFI_IPV6;
		u.reach.safi = BGP_SAFI_UNICAST;
		u.reach.nh_len = 16;
		memcpy(u.reach.nh, r->nh, 16);
		u.reach.pfx = &pfx;
		u.reach.n_pfx = 1;
	}
	/* u borrows every array: nothing to free */
	return bgp_update_encode(&u, &o, w, err);
}

/* Sends what x needs on its router's session, if the session takes it.
 * A withdrawn entry leaves the Adj-RIB-Out once its withdrawal is out (or
 * when there is no session: the router dropped the route with it). */
static void push(eg_drv *d, eg_entry *x, bool *dropped)
{
	*dropped = false;
	size_t idx = 0;
	bgp_peer *p = peer_of(d, x->router, &idx);
	if (p == NULL)
		return;
	unsigned inc = p->s.stats.established_count;
	if (!x->want && (!up(p) || x->sent_inc != inc)) {
		drop_entry(d, x);
		*dropped = true;
		return;
	}
	char why[200];
	if (!up(p) || (x->want && x->sent_inc == inc) || unfit(p, x->r.afi, why, sizeof why))
		return;
	wire_wr w;
	wire_wr_init(&w);
	neto_err err;
	if (encode(&x->r, x->want, p, &w, &err) != 0 ||
	    bgp_speaker_send(d->sp, p, w.buf, w.len, &err) != 0) {
		logf_(d, "egress: %s %s: %s\n", x->router, x->policy, err.msg);
		wire_wr_free(&w);
		return;
	}
	wire_wr_free(&w);
	d->rt[idx].gen++;
	logf_(d, "egress: %s %s: %s\n", x->router, x->policy,
	      x->want ? "announced" : "withdrawn");
	if (x->want) {
		x->sent_inc = inc;
	} else {
		drop_entry(d, x);
		*dropped = true;
	}
}

static void push_all(eg_drv *d)
{
	for (size_t i = 0; i < d->n;) {
		bool dropped;
		push(d, &d->e[i], &dropped);
		if (!dropped)
			i++;
	}
}

/* ---- the driver interface ----------------------------------------------- */

static int eg_apply(void *ctx, const char *router, const char *policy, const char *desired,
		    int64_t now, neto_err *err)
{
	(void)now;
	(void)err;
	eg_drv *d = ctx;
	egress_route r;
	neto_err e;
	char why[200];
	bgp_peer *p = peer_of(d, router, NULL);
	/* refused requests: status() tells why (FAILED) */
	if (p == NULL || driver_egress_parse(policy, desired, &r, &e) != 0 ||
	    unfit(p, r.afi, why, sizeof why) != NULL)
		return 0;
	eg_entry *x = find(d, router, policy);
	if (x == NULL) {
		d->e = neto_reallocarray(d->e, d->n + 1, sizeof *d->e);
		x = &d->e[d->n++];
		memset(x, 0, sizeof *x);
		x->router = neto_strdup(router);
		x->policy = neto_strdup(policy);
	} else if (x->want && same_wire(&x->r, &r)) {
		/* nothing new on the wire; the name may have changed */
		x->r = r;
		free(x->doc);
		x->doc = driver_egress_doc(&r);
		return 0;
	}
	x->r = r;
	free(x->doc);
	x->doc = driver_egress_doc(&r);
	x->want = true;
	x->sent_inc = 0;
	bool dropped;
	push(d, x, &dropped);
	return 0;
}

static int eg_remove(void *ctx, const char *router, const char *policy, int64_t now,
		     neto_err *err)
{
	(void)now;
	(void)err;
	eg_drv *d = ctx;
	eg_entry *x = find(d, router, policy);
	if (x == NULL || !x->want)
		return 0;
	x->want = false;
	bool dropped;
	push(d, x, &dropped);
	return 0;
}

static int eg_status(void *ctx, const char *router, const char *policy, const char *desired,
		     int64_t now, driver_status *st, char **readback, neto_err *err)
{
	(void)now;
	eg_drv *d = ctx;
	*st = DRIVER_PENDING;
	*readback = NULL;
	size_t idx = 0;
	bgp_peer *p = peer_of(d, router, &idx);
	eg_entry *x = find(d, router, policy);
	if (desired == NULL) {
		/* removed: nothing held, and what was sent is on the socket */
		if (x == NULL && (p == NULL || !up(p) || p->s.out.len == 0))
			*st = DRIVER_DONE;
		return 0;
	}
	if (p == NULL) {
		neto_err_set(err, "router %s is not a [peer %s] of the BGP configuration", router,
			     router);
		*st = DRIVER_FAILED;
		return 0;
	}
	egress_route r;
	if (driver_egress_parse(policy, desired, &r, err) != 0) {
		*st = DRIVER_FAILED;
		return 0;
	}
	char why[200];
	if (unfit(p, r.afi, why, sizeof why) != NULL) {
		neto_err_set(err, "%s", why);
		*st = DRIVER_FAILED;
		return 0;
	}
	if (x != NULL && x->want && up(p) && x->sent_inc == p->s.stats.established_count &&
	    p->s.out.len == 0 && same_wire(&x->r, &r) && strcmp(x->r.egress, r.egress) == 0) {
		*st = DRIVER_DONE;
		*readback = neto_strdup(x->doc);
	}
	return 0;
}

static int eg_refresh(void *ctx, const char *routers, int64_t now, neto_err *err)
{
	(void)routers;
	(void)now;
	eg_drv *d = ctx;
	if (bgp_speaker_poll(d->sp, 0, err) != 0)
		return -1;
	push_all(d);
	return 0;
}

static void eg_close(void *ctx)
{
	eg_drv *d = ctx;
	for (size_t i = 0; i < d->n; i++) {
		free(d->e[i].router);
		free(d->e[i].policy);
		free(d->e[i].doc);
	}
	free(d->e);
	free(d->rt);
	if (d->own) {
		bgp_speaker_stop(d->sp);
		bgp_speaker_free(d->sp);
		free(d->sp);
	}
	free(d);
}

void driver_egress_init(agent_driver *drv, bgp_speaker *sp, FILE *log)
{
	eg_drv *d = neto_calloc(1, sizeof *d);
	d->sp = sp;
	d->log = log;
	d->rt = neto_calloc(sp->n_peers ? sp->n_peers : 1, sizeof *d->rt);
	*drv = (agent_driver){ .name = "egress",
			       .ctx = d,
			       .apply = eg_apply,
			       .remove = eg_remove,
			       .status = eg_status,
			       .refresh = eg_refresh,
			       .close = eg_close };
}

/* The owned speaker's sessions, in the agent's log. */
static void on_state(void *ctx, bgp_peer *p, bgp_state from, bgp_state to)
{
	eg_drv *d = ctx;
	if (to == BGP_ST_ESTABLISHED || from == BGP_ST_ESTABLISHED)
		logf_(d, "egress: session with %s %s -> %s%s%s\n", p->cfg.name,
		      bgp_state_name(from), bgp_state_name(to), p->s.last_error[0] ? ": " : "",
		      p->s.last_error);
}

int driver_egress_open(agent_driver *drv, const char *path, const char *routers, FILE *log,
		       neto_err *err)
{
	char *buf = NULL;
	size_t len = 0;
	if (path == NULL)
		return neto_err_set(err, "driver egress: the [bgp] and [peer NAME] sections come "
				    "from the configuration file, and there is none");
	if (neto_file_read(path, &buf, &len, err) != 0)
		return -1;
	bgp_cfg bc;
	int rc = bgp_cfg_parse(buf, len, path, &bc, err);
	free(buf);
	if (rc != 0)
		return -1;
	/* only the routers this agent may change: another agent has the others */
	size_t n = 0;
	for (size_t i = 0; i < bc.n_peers; i++)
		if (sched_router_allowed(routers ? routers : "*", bc.peers[i].name))
			bc.peers[n++] = bc.peers[i];
	bc.n_peers = n;
	if (bc.n_peers == 0) {
		bgp_cfg_free(&bc);
		return neto_err_set(err, "%s: driver egress needs a [peer NAME] section per border "
				    "router (none among %s)", path, routers ? routers : "*");
	}
	bgp_speaker *sp = neto_calloc(1, sizeof *sp);
	if (bgp_speaker_init(sp, bc.peers, bc.n_peers, bc.listen[0] ? bc.listen : NULL, bc.port,
			     err) != 0) {
		bgp_cfg_free(&bc);
		free(sp);
		return -1;
	}
	bgp_cfg_free(&bc);
	driver_egress_init(drv, sp, log);
	((eg_drv *)drv->ctx)->own = true;
	sp->on_state = on_state;
	sp->ctx = drv->ctx;
	bgp_speaker_start(sp);
	return 0;
}

bgp_speaker *driver_egress_speaker(const agent_driver *drv)
{
	return ((const eg_drv *)drv->ctx)->sp;
}

/* ---- installed state ------------------------------------------------------ */

static int router_lease(eg_router *rt, const char *name, store *st, const char *agent,
			int64_t now, bool *held, neto_err *err)
{
	if (rt->lease_until - now > LEASE_MS / 2) {
		*held = true;
		return 0;
	}
	char lname[128];
	snprintf(lname, sizeof lname, "egress/%s", name);
	int h = 0;
	int64_t epoch;
	if (store_lease_acquire(st, lname, agent, now, LEASE_MS, &h, &epoch, err) != 0)
		return -1;
	*held = h != 0;
	rt->lease_until = h ? now + LEASE_MS : 0;
	return 0;
}

static bool is_egress(const char *policy)
{
	return strncmp(policy, EGRESS_POLICY_PREFIX, strlen(EGRESS_POLICY_PREFIX)) == 0;
}

/* The router's egress rows become what is announced on its session (all
 * of them deleted when there is none: session_up false). */
static int write_rows(eg_drv *d, const bgp_peer *p, bool session_up, store *st, int64_t now,
		      neto_err *err)
{
	const char *name = p->cfg.name;
	unsigned inc = p->s.stats.established_count;
	store_installed *iv = NULL;
	size_t ni = 0;
	if (store_installed_list(st, &iv, &ni, err) != 0)
		return -1;
	char why[200];
	int rc = 0;
	for (size_t j = 0; j < ni && rc == 0; j++) {
		if (strcmp(iv[j].router, name) != 0 || !is_egress(iv[j].policy))
			continue;
		eg_entry *x = session_up ? find(d, name, iv[j].policy) : NULL;
		if (x != NULL && x->want && x->sent_inc == inc)
			continue;	/* announced: set below */
		snprintf(why, sizeof why, session_up ? "egress: not announced to %s"
						     : "egress: no BGP session with %s", name);
		rc = store_installed_set(st, name, iv[j].policy, NULL, why, now, err);
		if (rc == 0)
			logf_(d, "egress: %s %s: installed row removed (%s)\n", name, iv[j].policy,
			      session_up ? "not announced" : "no session");
	}
	for (size_t i = 0; i < d->n && rc == 0 && session_up; i++) {
		eg_entry *x = &d->e[i];
		if (strcmp(x->router, name) != 0 || !x->want || x->sent_inc != inc)
			continue;
		const store_installed *row = NULL;
		for (size_t j = 0; j < ni && row == NULL; j++)
			if (strcmp(iv[j].router, name) == 0 && strcmp(iv[j].policy, x->policy) == 0)
				row = &iv[j];
		egress_route rr;
		neto_err e;
		if (row != NULL && driver_egress_parse(x->policy, row->body, &rr, &e) == 0 &&
		    same_wire(&rr, &x->r) && strcmp(rr.egress, x->r.egress) == 0)
			continue;
		snprintf(why, sizeof why, "egress: announced to %s", name);
		rc = store_installed_set(st, name, x->policy, x->doc, why, now, err);
	}
	store_installed_free(iv, ni);
	return rc;
}

int driver_egress_reconcile(const agent_driver *drv, store *st, const char *agent,
			    const char *routers, int64_t now, neto_err *err)
{
	eg_drv *d = drv->ctx;
	for (size_t i = 0; i < d->sp->n_peers; i++) {
		const bgp_peer *p = &d->sp->peers[i];
		eg_router *rt = &d->rt[i];
		if (!sched_router_allowed(routers ? routers : "*", p->cfg.name))
			continue;
		bool held = false;
		if (up(p)) {
			unsigned inc = p->s.stats.established_count;
			rt->down_done = false;
			if (rt->done_inc == inc && rt->done_gen == rt->gen)
				continue;
			/* wait until the whole Adj-RIB-Out is out on this session */
			bool pending = p->s.out.len > 0;
			char why[200];
			for (size_t k = 0; k < d->n && !pending; k++)
				pending = strcmp(d->e[k].router, p->cfg.name) == 0 &&
					  d->e[k].want && d->e[k].sent_inc != inc &&
					  unfit(p, d->e[k].r.afi, why, sizeof why) == NULL;
			if (pending)
				continue;
			if (router_lease(rt, p->cfg.name, st, agent, now, &held, err) != 0)
				return -1;
			if (!held)
				continue;
			if (write_rows(d, p, true, st, now, err) != 0)
				return -1;
			rt->done_inc = inc;
			rt->done_gen = rt->gen;
			continue;
		}
		if (rt->down_done)
			continue;
		if (router_lease(rt, p->cfg.name, st, agent, now, &held, err) != 0)
			return -1;
		if (!held)
			continue;
		if (write_rows(d, p, false, st, now, err) != 0)
			return -1;
		rt->down_done = true;
		rt->done_inc = 0;
	}
	return 0;
}
