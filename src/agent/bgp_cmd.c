/*
 * bgp_cmd.c - the BGP speaker as commands (docs/bgp.md):
 *
 *   neto bgp --config FILE [--announce-ls TOPOLOGY] [--announce PREFIX]...
 *            [--duration SECONDS] [--print]
 *       peers with the configured peers; announces a topology as BGP-LS
 *       and IPv4/IPv6 prefixes to the peers that negotiated the family;
 *       writes one JSON object per line for every event (state changes,
 *       NOTIFICATIONs, received routes, with --print every received
 *       BGP-LS NLRI).
 *
 *   neto agent topology NAME --bgp --config FILE [--store URI]
 *            [--stale-hold SECONDS] [--duration SECONDS]
 *       the topology agent fed by BGP-LS: the peers' link-state database
 *       becomes the store's topology (active-standby through the agent's
 *       lease, rate limited; src/agent/topology.h).
 *
 * Both stop on SIGINT/SIGTERM with a Cease NOTIFICATION to every peer.
 */
#include "agent/bgp_cmd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/bgp_cfg.h"
#include "agent/bgp_peer.h"
#include "agent/bgpls_db.h"
#include "agent/bgpls_topo.h"
#include "agent/driver_bgp.h"
#include "agent/topology.h"
#include "cfg/cfg.h"
#include "lib/file.h"
#include "lib/mem.h"
#include "store/store.h"
#include "topo/topo_io.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void catch_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static void emit(json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (s != NULL) {
		puts(s);
		fflush(stdout);
		free(s);
	}
	json_decref(o);
}

static void pfx_str(uint16_t afi, const bgp_pfx *p, char *out, size_t cap)
{
	char a[INET6_ADDRSTRLEN];
	inet_ntop(afi == BGP_AFI_IPV6 ? AF_INET6 : AF_INET, p->addr, a, sizeof a);
	snprintf(out, cap, "%s/%u", a, p->len);
}

static json_t *families_json(const bgp_session *s)
{
	json_t *f = json_array();
	for (size_t i = 0; i < s->n_nego; i++)
		json_array_append_new(f, json_string(bgp_family_name(s->nego[i])));
	return f;
}

/* Loads the configuration's BGP sections (and the store URI). */
static int load_cfg(const char *path, bgp_cfg *bc, char **store_uri, neto_err *err)
{
	char *buf = NULL;
	size_t len = 0;
	if (neto_file_read(path, &buf, &len, err) != 0)
		return -1;
	neto_cfg nc;
	if (cfg_parse(buf, len, path, &nc, err) != 0 || bgp_cfg_parse(buf, len, path, bc, err) != 0) {
		free(buf);
		return -1;
	}
	free(buf);
	if (store_uri != NULL)
		*store_uri = neto_strdup(nc.store.uri);
	neto_cfg_free(&nc);
	if (bc->n_peers == 0) {
		bgp_cfg_free(bc);
		return neto_err_set(err, "%s: no [peer NAME] section", path);
	}
	return 0;
}

/* ---- neto bgp ------------------------------------------------------------ */

/* What is left to announce to a peer: announce_step sends it in slices
 * from the main loop, so that a large table never waits in memory as a
 * whole and the session keeps reading while it goes out. */
typedef struct announce_state {
	bool active;
	size_t next_ls, next4, next6;
	size_t sent;
} announce_state;

typedef struct speaker_ctx {
	bgp_speaker sp;
	bgpls_item *ls;
	size_t n_ls;
	bgp_pfx *pfx4, *pfx6;
	size_t n_pfx4, n_pfx6;
	bool print;
	bgpls_db db;
	/* --sr-policy: ROUTER,POLICY,FILE through the BGP driver */
	bool count_only;	/* --count: no event per UPDATE */
	uint64_t rx_prefixes[BGP_CFG_MAX_PEERS];
	announce_state ann[BGP_CFG_MAX_PEERS];
	double up_at[BGP_CFG_MAX_PEERS];
	size_t n_sr;
	char *sr_router[16], *sr_policy[16], *sr_doc[16];
	int sr_status[16];
} speaker_ctx;

static void print_ls(const bgp_peer *p, const bgp_mp *m, const char *action, const bgp_update *u)
{
	wire_rd r = wire_rd_init(m->raw, m->raw_len);
	bgpls_attr a;
	neto_err err;
	bool has_attr = action[0] == 'a' && u->ls_attr != NULL &&
			bgpls_attr_decode(u->ls_attr, u->ls_attr_len, &a, &err) == 0;
	while (wire_left(&r) > 0) {
		bgpls_nlri n;
		const uint8_t *raw;
		size_t raw_len;
		int rc = bgpls_nlri_decode(&r, &n, &raw, &raw_len, &err);
		if (rc < 0)
			return;
		if (rc > 0)
			continue;
		char loc[40], rem[40];
		bgpls_rid_str(&n.local, loc, sizeof loc);
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:s}", "event", "ls", "peer",
				      p->cfg.name, "action", action, "type",
				      bgpls_nlri_type_name(n.type), "protocol", n.proto, "local", loc);
		if (n.type == BGPLS_NLRI_LINK) {
			bgpls_rid_str(&n.remote, rem, sizeof rem);
			json_object_set_new(o, "remote", json_string(rem));
			json_object_set_new(o, "local_id", json_integer(n.local_id));
			json_object_set_new(o, "remote_id", json_integer(n.remote_id));
		}
		if (n.type == BGPLS_NLRI_SRV6_SID) {
			char sid[INET6_ADDRSTRLEN];
			inet_ntop(AF_INET6, n.srv6_sid, sid, sizeof sid);
			json_object_set_new(o, "sid", json_string(sid));
		}
		if (has_attr) {
			if (BGPLS_ATTR_HAS(&a, BGPLS_A_NODE_NAME))
				json_object_set_new(o, "name", json_string(a.name));
			if (BGPLS_ATTR_HAS(&a, BGPLS_A_MAX_BW))
				json_object_set_new(o, "max_bw_bps", json_real(bgpls_bw_bps(a.max_bw)));
			if (BGPLS_ATTR_HAS(&a, BGPLS_A_IGP_METRIC))
				json_object_set_new(o, "igp_metric", json_integer(a.igp_metric));
			if (BGPLS_ATTR_HAS(&a, BGPLS_A_DELAY))
				json_object_set_new(o, "delay_us", json_integer(a.delay_us));
			if (BGPLS_ATTR_HAS(&a, BGPLS_A_SRV6_ENDPOINT))
				json_object_set_new(o, "behavior", json_integer(a.srv6_behavior));
		}
		emit(o);
	}
}

static void sp_on_update(void *ctx, bgp_peer *p, const bgp_update *u, int rc)
{
	speaker_ctx *c = ctx;
	size_t pi = (size_t)(p - c->sp.peers);
	bgpls_db_update(&c->db, (uint32_t)pi, u, rc);
	c->rx_prefixes[pi] += u->n_nlri + u->reach.n_pfx;
	/* RFC 4724 section 2: an UPDATE with nothing in it ends the table */
	if (u->n_nlri == 0 && u->n_withdrawn == 0 && u->seen == 0 && !u->reach.present &&
	    !u->unreach.present) {
		emit(json_pack("{s:s, s:s, s:I, s:f}", "event", "end-of-rib", "peer", p->cfg.name,
			       "prefixes", (json_int_t)c->rx_prefixes[pi], "seconds",
			       bgp_now() - c->up_at[pi]));
		return;
	}
	if (c->count_only)
		return;
	json_t *ann = json_array(), *wd = json_array();
	char s[64];
	bool taw = rc == BGP_TREAT_AS_WITHDRAW;
	/* RFC 4271 section 9.1.2: a route whose AS path holds our own AS
	 * went round a loop; it is not used (a withdrawal is) */
	bool loop = false;
	for (size_t i = 0; i < u->n_asns; i++)
		loop |= u->asns[i] == p->cfg.s.local_as;
	if (loop && !taw) {
		emit(json_pack("{s:s, s:s, s:i}", "event", "loop", "peer", p->cfg.name, "prefixes",
			       (json_int_t)(u->n_nlri + u->reach.n_pfx)));
		taw = true;	/* whatever it announces is treated as withdrawn */
	}
	for (size_t i = 0; i < u->n_nlri; i++) {
		pfx_str(BGP_AFI_IPV4, &u->nlri[i], s, sizeof s);
		json_array_append_new(taw ? wd : ann, json_string(s));
	}
	for (size_t i = 0; i < u->n_withdrawn; i++) {
		pfx_str(BGP_AFI_IPV4, &u->withdrawn[i], s, sizeof s);
		json_array_append_new(wd, json_string(s));
	}
	for (size_t i = 0; i < u->reach.n_pfx; i++) {
		pfx_str(u->reach.afi, &u->reach.pfx[i], s, sizeof s);
		json_array_append_new(taw ? wd : ann, json_string(s));
	}
	for (size_t i = 0; i < u->unreach.n_pfx; i++) {
		pfx_str(u->unreach.afi, &u->unreach.pfx[i], s, sizeof s);
		json_array_append_new(wd, json_string(s));
	}
	if (json_array_size(ann) + json_array_size(wd) > 0) {
		json_t *path = json_array();
		for (size_t i = 0; i < u->n_asns; i++)
			json_array_append_new(path, json_integer(u->asns[i]));
		json_t *o = json_pack("{s:s, s:s, s:o, s:o, s:o, s:b}", "event", "update", "peer",
				      p->cfg.name, "announce", ann, "withdraw", wd, "as_path", path,
				      "treat_as_withdraw", taw);
		if (BGP_ATTR_SEEN(u, BGP_ATTR_NEXT_HOP)) {
			struct in_addr a = { htonl(u->next_hop) };
			json_object_set_new(o, "next_hop", json_string(inet_ntoa(a)));
		}
		emit(o);
	} else {
		json_decref(ann);
		json_decref(wd);
	}
	if (c->print && u->reach.present && u->reach.afi == BGP_AFI_LS)
		print_ls(p, &u->reach, taw ? "withdraw" : "add", u);
	if (c->print && u->unreach.present && u->unreach.afi == BGP_AFI_LS)
		print_ls(p, &u->unreach, "withdraw", u);
}

/* The local address of p's connection, for NEXT_HOP. */
static int local_addr(const bgp_peer *p, struct sockaddr_storage *sa)
{
	socklen_t l = sizeof *sa;
	return getsockname(p->fd, (struct sockaddr *)sa, &l);
}

/* Encodes the prefixes pf[k..k+m) as one UPDATE to p. */
static int put_prefixes(speaker_ctx *c, bgp_peer *p, bool v6, const bgp_pfx *pf, size_t m,
			const uint8_t *nh, wire_wr *w, neto_err *err)
{
	bool ebgp = p->cfg.s.local_as != p->cfg.s.remote_as;
	bgp_update u;
	bgp_update_init(&u);
	u.seen = 1u << BGP_ATTR_ORIGIN;
	if (ebgp) {
		bgp_update_add_seg(&u, BGP_AS_SEQUENCE, &p->cfg.s.local_as, 1);
	} else {
		u.seen |= 1u << BGP_ATTR_AS_PATH | 1u << BGP_ATTR_LOCAL_PREF;
		u.local_pref = 100;
	}
	if (v6) {
		u.reach.present = true;
		u.reach.afi = BGP_AFI_IPV6;
		u.reach.safi = BGP_SAFI_UNICAST;
		u.reach.nh_len = 16;
		memcpy(u.reach.nh, nh, 16);
		u.reach.pfx = (bgp_pfx *)(uintptr_t)pf;
		u.reach.n_pfx = m;
	} else {
		u.seen |= 1u << BGP_ATTR_NEXT_HOP;
		u.next_hop = (uint32_t)nh[0] << 24 | (uint32_t)nh[1] << 16 | (uint32_t)nh[2] << 8 | nh[3];
		u.nlri = (bgp_pfx *)(uintptr_t)pf;
		u.n_nlri = m;
	}
	bgp_upd_opts o = { p->s.as4, !ebgp };
	w->len = 0;
	int rc = bgp_update_encode(&u, &o, w, err);
	if (rc == 0)
		rc = bgp_speaker_send(&c->sp, p, w->buf, w->len, err);
	u.nlri = NULL;
	u.reach.pfx = NULL;
	bgp_update_free(&u);
	return rc;
}

static void announce_step(speaker_ctx *c, bgp_peer *p)
{
	announce_state *as = &c->ann[p - c->sp.peers];
	if (!as->active || p->s.state != BGP_ST_ESTABLISHED || p->fd < 0)
		return;
	neto_err err;
	wire_wr w;
	wire_wr_init(&w);
	bool ebgp = p->cfg.s.local_as != p->cfg.s.remote_as;
	struct sockaddr_storage la;
	uint8_t nh[16];
	memset(nh, 0, sizeof nh);
	uint8_t nh_len = 4;
	if (local_addr(p, &la) == 0 && la.ss_family == AF_INET6) {
		memcpy(nh, &((struct sockaddr_in6 *)&la)->sin6_addr, 16);
		nh_len = 16;
	} else {
		memcpy(nh, &((struct sockaddr_in *)&la)->sin_addr, 4);
	}
	const size_t budget = 1u << 20;	/* octets queued at most */
	bool ls = bgp_session_has_family(&p->s, BGP_AFI_LS, BGP_SAFI_LS);
	while (ls && as->next_ls < c->n_ls && p->s.out.len < budget) {
		const bgpls_item *it = &c->ls[as->next_ls++];
		w.len = 0;
		if (bgpls_update_encode(&it->nlri, &it->attr, nh, nh_len, ebgp, p->cfg.s.local_as,
					&w, &err) == 0 &&
		    bgp_speaker_send(&c->sp, p, w.buf, w.len, &err) == 0)
			as->sent++;
	}
	/* prefixes of the session's own address family only (next hop) */
	bool v4 = nh_len == 4 && bgp_session_has_family(&p->s, BGP_AFI_IPV4, BGP_SAFI_UNICAST);
	bool v6 = nh_len == 16 && bgp_session_has_family(&p->s, BGP_AFI_IPV6, BGP_SAFI_UNICAST);
	/* per UPDATE: 800 IPv4 prefixes of up to 5 octets or 200 IPv6 ones
	 * of up to 17 fit in 4096 octets with the attributes */
	while (v4 && as->next4 < c->n_pfx4 && p->s.out.len < budget) {
		size_t m = c->n_pfx4 - as->next4 < 800 ? c->n_pfx4 - as->next4 : 800;
		if (put_prefixes(c, p, false, c->pfx4 + as->next4, m, nh, &w, &err) != 0)
			break;
		as->next4 += m;
		as->sent++;
	}
	while (v6 && as->next6 < c->n_pfx6 && p->s.out.len < budget) {
		size_t m = c->n_pfx6 - as->next6 < 200 ? c->n_pfx6 - as->next6 : 200;
		if (put_prefixes(c, p, true, c->pfx6 + as->next6, m, nh, &w, &err) != 0)
			break;
		as->next6 += m;
		as->sent++;
	}
	bool done = (!ls || as->next_ls >= c->n_ls) && (!v4 || as->next4 >= c->n_pfx4) &&
		    (!v6 || as->next6 >= c->n_pfx6);
	if (done && p->s.state == BGP_ST_ESTABLISHED) {
		/* End-of-RIB for IPv4 unicast (RFC 4724 section 2): an empty UPDATE */
		if (bgp_session_has_family(&p->s, BGP_AFI_IPV4, BGP_SAFI_UNICAST)) {
			bgp_update eor;
			bgp_update_init(&eor);
			bgp_upd_opts o = { true, false };
			w.len = 0;
			if (bgp_update_encode(&eor, &o, &w, &err) == 0)
				bgp_speaker_send(&c->sp, p, w.buf, w.len, &err);
		}
		as->active = false;
		emit(json_pack("{s:s, s:s, s:i}", "event", "announced", "peer", p->cfg.name,
			       "updates", (json_int_t)as->sent));
	}
	wire_wr_free(&w);
}

static void state_event(bgp_peer *p, bgp_state from, bgp_state to)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "event", "state", "peer", p->cfg.name,
			      "from", bgp_state_name(from), "to", bgp_state_name(to));
	if (to == BGP_ST_ESTABLISHED) {
		json_object_set_new(o, "families", families_json(&p->s));
		json_object_set_new(o, "hold_time", json_integer(p->s.hold));
		json_object_set_new(o, "peer_as", json_integer(bgp_open_asn(&p->s.peer)));
	}
	if (to == BGP_ST_IDLE && p->s.last_error[0] != '\0')
		json_object_set_new(o, "reason", json_string(p->s.last_error));
	emit(o);
	if (to == BGP_ST_IDLE && p->s.recv.code != 0) {
		emit(json_pack("{s:s, s:s, s:s, s:i, s:i, s:s}", "event", "notification", "peer",
			       p->cfg.name, "direction", "received", "code", p->s.recv.code,
			       "subcode", p->s.recv.subcode, "name",
			       bgp_err_name(p->s.recv.code, p->s.recv.subcode)));
		p->s.recv.code = 0;
	}
	if (to == BGP_ST_IDLE && p->s.sent.code != 0) {
		emit(json_pack("{s:s, s:s, s:s, s:i, s:i, s:s}", "event", "notification", "peer",
			       p->cfg.name, "direction", "sent", "code", p->s.sent.code,
			       "subcode", p->s.sent.subcode, "name",
			       bgp_err_name(p->s.sent.code, p->s.sent.subcode)));
		p->s.sent.code = 0;
	}
}

static void sp_on_state(void *ctx, bgp_peer *p, bgp_state from, bgp_state to)
{
	speaker_ctx *c = ctx;
	state_event(p, from, to);
	if (from == BGP_ST_ESTABLISHED)
		bgpls_db_peer_down(&c->db, (uint32_t)(p - c->sp.peers), bgp_now());
	if (to == BGP_ST_ESTABLISHED) {
		c->up_at[p - c->sp.peers] = bgp_now();
		c->rx_prefixes[p - c->sp.peers] = 0;
		announce_state *as = &c->ann[p - c->sp.peers];
		memset(as, 0, sizeof *as);
		as->active = true;
	}
	if (from == BGP_ST_ESTABLISHED) {
		c->ann[p - c->sp.peers].active = false;
	}
}

/* RFC 2918 section 4: the peer asks for our routes again; the whole
 * announcement is repeated (it is small, and End-of-RIB closes it). */
static void sp_on_refresh(void *ctx, bgp_peer *p, const bgp_refresh *r)
{
	speaker_ctx *c = ctx;
	emit(json_pack("{s:s, s:s, s:i, s:i}", "event", "route-refresh", "peer", p->cfg.name,
		       "afi", r->afi, "safi", r->safi));
	announce_state *as = &c->ann[p - c->sp.peers];
	memset(as, 0, sizeof *as);
	as->active = true;
}

static int parse_pfx(const char *s, bgp_pfx *p, bool *v6)
{
	char a[64];
	const char *slash = strchr(s, '/');
	if (slash == NULL || (size_t)(slash - s) >= sizeof a)
		return -1;
	memcpy(a, s, (size_t)(slash - s));
	a[slash - s] = '\0';
	char *end;
	long len = strtol(slash + 1, &end, 10);
	memset(p, 0, sizeof *p);
	if (inet_pton(AF_INET, a, p->addr) == 1) {
		*v6 = false;
		if (*end != '\0' || len < 0 || len > 32)
			return -1;
	} else if (inet_pton(AF_INET6, a, p->addr) == 1) {
		*v6 = true;
		if (*end != '\0' || len < 0 || len > 128)
			return -1;
	} else {
		return -1;
	}
	p->len = (uint8_t)len;
	return 0;
}

static const char bgp_usage[] =
	"usage: neto bgp --config FILE [--announce-ls TOPOLOGY] [--announce PREFIX]...\n"
	"                [--sr-policy ROUTER,POLICY,TASKFILE]... [--endpoint NODE=ADDRESS]...\n"
	"                [--announce-many N] [--count] [--duration SECONDS] [--print]\n"
	"  Peers with the [peer NAME] sections of FILE (docs/bgp.md); announces the\n"
	"  topology as BGP-LS and the prefixes to the peers that negotiated the\n"
	"  family; one JSON object per line for every event on stdout.\n";

int bgp_cmd_main(int argc, char **argv)
{
	const char *config = NULL, *ls_file = NULL;
	const char *endpoints[16];
	size_t n_endpoints = 0;
	agent_driver drv;
	bool have_drv = false;
	double duration = 0;
	speaker_ctx c;
	memset(&c, 0, sizeof c);
	bgpls_db_init(&c.db);
	int rc = 1;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		bool more = i + 1 < argc;
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(bgp_usage, stdout);
			rc = 0;
			goto out;
		} else if (strcmp(a, "--config") == 0 && more) {
			config = argv[++i];
		} else if (strcmp(a, "--announce-ls") == 0 && more) {
			ls_file = argv[++i];
		} else if (strcmp(a, "--announce") == 0 && more) {
			bgp_pfx p;
			bool v6;
			if (parse_pfx(argv[++i], &p, &v6) != 0) {
				fprintf(stderr, "neto bgp: '%s' is not a prefix\n", argv[i]);
				goto out;
			}
			bgp_pfx **arr = v6 ? &c.pfx6 : &c.pfx4;
			size_t *n = v6 ? &c.n_pfx6 : &c.n_pfx4;
			*arr = neto_reallocarray(*arr, *n + 1, sizeof **arr);
			(*arr)[(*n)++] = p;
		} else if (strcmp(a, "--duration") == 0 && more) {
			duration = strtod(argv[++i], NULL);
		} else if (strcmp(a, "--sr-policy") == 0 && more && c.n_sr < 16) {
			char *spec = argv[++i];
			char *c1 = strchr(spec, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
			neto_err ferr;
			char *doc = NULL;
			size_t dlen;
			if (c2 == NULL) {
				fprintf(stderr, "neto bgp: --sr-policy wants ROUTER,POLICY,FILE\n");
				goto out;
			}
			if (neto_file_read(c2 + 1, &doc, &dlen, &ferr) != 0) {
				fprintf(stderr, "neto bgp: %s\n", ferr.msg);
				goto out;
			}
			c.sr_router[c.n_sr] = neto_strndup(spec, (size_t)(c1 - spec));
			c.sr_policy[c.n_sr] = neto_strndup(c1 + 1, (size_t)(c2 - c1 - 1));
			c.sr_doc[c.n_sr] = doc;
			c.sr_status[c.n_sr] = -1;
			c.n_sr++;
		} else if (strcmp(a, "--endpoint") == 0 && more && n_endpoints < 16) {
			endpoints[n_endpoints++] = argv[++i];
		} else if (strcmp(a, "--announce-many") == 0 && more) {
			/* N consecutive /24s from 11.0.0.0 (benchmarks) */
			long n = strtol(argv[++i], NULL, 10);
			if (n <= 0 || n > (1L << 23)) {
				fprintf(stderr, "neto bgp: --announce-many wants 1..8388608\n");
				goto out;
			}
			c.pfx4 = neto_reallocarray(c.pfx4, c.n_pfx4 + (size_t)n, sizeof *c.pfx4);
			for (long k = 0; k < n; k++) {
				bgp_pfx *q = &c.pfx4[c.n_pfx4++];
				uint32_t a24 = (11u << 24) + ((uint32_t)k << 8);
				memset(q, 0, sizeof *q);
				q->len = 24;
				q->addr[0] = (uint8_t)(a24 >> 24);
				q->addr[1] = (uint8_t)(a24 >> 16);
				q->addr[2] = (uint8_t)(a24 >> 8);
			}
		} else if (strcmp(a, "--count") == 0) {
			c.count_only = true;
		} else if (strcmp(a, "--print") == 0) {
			c.print = true;
		} else {
			fprintf(stderr, "neto bgp: unknown or incomplete option '%s'\n%s", a, bgp_usage);
			rc = 2;
			goto out;
		}
	}
	if (config == NULL) {
		fprintf(stderr, "neto bgp: --config FILE is required\n%s", bgp_usage);
		rc = 2;
		goto out;
	}
	neto_err err;
	bgp_cfg bc;
	if (load_cfg(config, &bc, NULL, &err) != 0) {
		fprintf(stderr, "neto bgp: %s\n", err.msg);
		goto out;
	}
	if (ls_file != NULL) {
		char *buf = NULL;
		size_t len = 0;
		topo t;
		topo_init(&t);
		topo_parse_opts po = { 0 };
		if (neto_file_read(ls_file, &buf, &len, &err) != 0 ||
		    topo_parse(&t, TOPO_FMT_AUTO, buf, len, ls_file, &po, &err) != 0 ||
		    bgpls_from_topo(&t, bc.local_as ? bc.local_as : bc.peers[0].s.local_as, &c.ls,
				    &c.n_ls, &err) != 0) {
			fprintf(stderr, "neto bgp: %s\n", err.msg);
			free(buf);
			topo_free(&t);
			bgp_cfg_free(&bc);
			goto out;
		}
		free(buf);
		topo_free(&t);
	}
	if (bgp_speaker_init(&c.sp, bc.peers, bc.n_peers, bc.listen[0] ? bc.listen : NULL, bc.port,
			     &err) != 0) {
		fprintf(stderr, "neto bgp: %s\n", err.msg);
		bgp_cfg_free(&bc);
		goto out;
	}
	bgp_cfg_free(&bc);
	c.sp.on_update = sp_on_update;
	c.sp.on_state = sp_on_state;
	c.sp.on_refresh = sp_on_refresh;
	c.sp.ctx = &c;
	if (c.n_sr > 0) {
		driver_bgp_init(&drv, &c.sp);
		have_drv = true;
		for (size_t i = 0; i < n_endpoints; i++) {
			char node[128];
			const char *eq = strchr(endpoints[i], '=');
			size_t nl = eq ? (size_t)(eq - endpoints[i]) : 0;
			if (eq == NULL || nl >= sizeof node) {
				fprintf(stderr, "neto bgp: --endpoint wants NODE=ADDRESS\n");
				rc = 2;
				goto stop;
			}
			memcpy(node, endpoints[i], nl);
			node[nl] = '\0';
			if (driver_bgp_set_endpoint(&drv, node, eq + 1, &err) != 0) {
				fprintf(stderr, "neto bgp: %s\n", err.msg);
				goto stop;
			}
		}
		for (size_t i = 0; i < c.n_sr; i++)
			if (drv.apply(drv.ctx, c.sr_router[i], c.sr_policy[i], c.sr_doc[i], 0,
				      &err) != 0) {
				fprintf(stderr, "neto bgp: %s\n", err.msg);
				goto stop;
			}
	}
	catch_signals();
	bgp_speaker_start(&c.sp);
	double end = duration > 0 ? bgp_now() + duration : 0;
	rc = 0;
	while (!stop_flag && (end == 0 || bgp_now() < end)) {
		if (bgp_speaker_poll(&c.sp, 200, &err) != 0) {
			fprintf(stderr, "neto bgp: %s\n", err.msg);
			rc = 1;
			break;
		}
		for (size_t i = 0; i < c.sp.n_peers; i++)
			announce_step(&c, &c.sp.peers[i]);
		if (!have_drv)
			continue;
		if (drv.refresh(drv.ctx, "*", 0, &err) != 0)
			fprintf(stderr, "neto bgp: %s\n", err.msg);
		for (size_t i = 0; i < c.n_sr; i++) {
			driver_status st;
			char *rb = NULL;
			if (drv.status(drv.ctx, c.sr_router[i], c.sr_policy[i], c.sr_doc[i], 0, &st,
				       &rb, &err) != 0)
				continue;
			free(rb);
			if ((int)st != c.sr_status[i]) {
				c.sr_status[i] = (int)st;
				emit(json_pack("{s:s, s:s, s:s, s:s}", "event", "sr-policy", "router",
					       c.sr_router[i], "policy", c.sr_policy[i], "status",
					       st == DRIVER_DONE ? "done"
					       : st == DRIVER_FAILED ? "failed" : "pending"));
			}
		}
	}
stop:
	bgp_speaker_stop(&c.sp);
	emit(json_pack("{s:s, s:i, s:i, s:i}", "event", "stopped", "ls_entries",
		       (json_int_t)bgpls_db_count(&c.db), "ls_malformed",
		       (json_int_t)c.db.stats.malformed_nlri, "ls_unknown_tlvs",
		       (json_int_t)c.db.stats.unknown_tlvs));
	if (have_drv)
		drv.close(drv.ctx);
	bgp_speaker_free(&c.sp);
out:
	for (size_t i = 0; i < c.n_sr; i++) {
		free(c.sr_router[i]);
		free(c.sr_policy[i]);
		free(c.sr_doc[i]);
	}
	free(c.ls);
	free(c.pfx4);
	free(c.pfx6);
	bgpls_db_free(&c.db);
	return rc;
}

/* ---- neto agent topology NAME --bgp ----------------------------------- */

typedef struct agent_ctx {
	bgp_speaker sp;
	bgpls_db db;
} agent_ctx;

static void ag_on_update(void *ctx, bgp_peer *p, const bgp_update *u, int rc)
{
	agent_ctx *c = ctx;
	bgpls_db_update(&c->db, (uint32_t)(p - c->sp.peers), u, rc);
}

static void ag_on_state(void *ctx, bgp_peer *p, bgp_state from, bgp_state to)
{
	agent_ctx *c = ctx;
	state_event(p, from, to);
	if (from == BGP_ST_ESTABLISHED)
		bgpls_db_peer_down(&c->db, (uint32_t)(p - c->sp.peers), bgp_now());
}

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char agent_usage[] =
	"usage: neto agent topology NAME --bgp --config FILE [--store URI]\n"
	"                            [--stale-hold SECONDS] [--duration SECONDS]\n"
	"  The topology agent fed by BGP-LS from the [peer NAME] sections of FILE.\n";

int bgp_topology_agent_main(int argc, char **argv)
{
	const char *name = NULL, *config = NULL, *store_arg = NULL;
	double duration = 0, stale_hold = 60;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		bool more = i + 1 < argc;
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(agent_usage, stdout);
			return 0;
		} else if (strcmp(a, "--bgp") == 0) {
			continue;
		} else if (strcmp(a, "--config") == 0 && more) {
			config = argv[++i];
		} else if (strcmp(a, "--store") == 0 && more) {
			store_arg = argv[++i];
		} else if (strcmp(a, "--duration") == 0 && more) {
			duration = strtod(argv[++i], NULL);
		} else if (strcmp(a, "--stale-hold") == 0 && more) {
			stale_hold = strtod(argv[++i], NULL);
		} else if (a[0] != '-' && name == NULL) {
			name = a;
		} else {
			fprintf(stderr, "neto agent topology: unknown or incomplete option '%s'\n%s",
				a, agent_usage);
			return 2;
		}
	}
	if (name == NULL || config == NULL) {
		fprintf(stderr, "%s", agent_usage);
		return 2;
	}
	neto_err err;
	bgp_cfg bc;
	char *uri = NULL;
	if (load_cfg(config, &bc, &uri, &err) != 0) {
		fprintf(stderr, "neto agent topology: %s\n", err.msg);
		return 1;
	}
	store *st = NULL;
	if (store_open(&st, store_arg ? store_arg : uri, &err) != 0) {
		fprintf(stderr, "neto agent topology: %s\n", err.msg);
		free(uri);
		bgp_cfg_free(&bc);
		return 1;
	}
	free(uri);
	topoagent *ta = NULL;
	topoagent_cfg tc = { .name = name, .source = TOPOAGENT_BGP };
	agent_ctx c;
	memset(&c, 0, sizeof c);
	bgpls_db_init(&c.db);
	int rc = 1;
	if (topoagent_new(&ta, st, &tc, &err) != 0 ||
	    bgp_speaker_init(&c.sp, bc.peers, bc.n_peers, bc.listen[0] ? bc.listen : NULL, bc.port,
			     &err) != 0) {
		fprintf(stderr, "neto agent topology: %s\n", err.msg);
		goto out;
	}
	c.sp.on_update = ag_on_update;
	c.sp.on_state = ag_on_state;
	c.sp.ctx = &c;
	catch_signals();
	bgp_speaker_start(&c.sp);
	double end = duration > 0 ? bgp_now() + duration : 0;
	uint64_t built = 0;
	rc = 0;
	while (!stop_flag && (end == 0 || bgp_now() < end)) {
		if (bgp_speaker_poll(&c.sp, 200, &err) != 0) {
			fprintf(stderr, "neto agent topology: %s\n", err.msg);
			rc = 1;
			break;
		}
		bgpls_db_expire(&c.db, bgp_now(), stale_hold);
		if (c.db.generation != built) {
			built = c.db.generation;
			topo t;
			if (bgpls_db_topology(&c.db, &t, &err) == 0) {
				if (topoagent_set_topology(ta, &t, &err) != 0)
					fprintf(stderr, "neto agent topology: %s\n", err.msg);
				emit(json_pack("{s:s, s:i, s:i, s:i, s:i}", "event", "topology",
					       "nodes", (json_int_t)t.n_nodes, "links",
					       (json_int_t)t.n_links, "one_way",
					       (json_int_t)c.db.stats.links_one_way, "entries",
					       (json_int_t)bgpls_db_count(&c.db)));
				topo_free(&t);
			}
		}
		if (topoagent_tick(ta, wall_ms(), &err) != 0)
			fprintf(stderr, "neto agent topology: %s\n", err.msg);
	}
	bgp_speaker_stop(&c.sp);
	topoagent_release(ta, wall_ms(), &err);
out:
	bgp_speaker_free(&c.sp);
	bgpls_db_free(&c.db);
	topoagent_free(ta);
	store_close(st);
	bgp_cfg_free(&bc);
	return rc;
}
