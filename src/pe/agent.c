/*
 * agent.c - the peering role's cycle (agent.h, docs/peering.md).
 *
 * What the agent remembers between cycles is per route table prefix (the
 * table never drops a prefix, so its number is stable): the egress neto
 * chose (PE_NONE: BGP's own choice) and when it last moved (hold-down).
 * The decision keeps its pe_state per (prefix, class); since the agent
 * decides per prefix and a prefix's class may change from one cycle to the
 * next, the per-prefix memory is copied into the demand's slot before each
 * decision and read back after it. A prefix that has no traffic, or that
 * the decision moves to BGP's choice, is remembered as PE_NONE: it follows
 * BGP, as the controller does with a prefix the document does not
 * announce. A prefix the decision left where it was keeps its egress, even
 * when BGP now agrees (the route BGP preferred went away) or no route is
 * left at all (a border router's BMP session restarting): when the routes
 * come back, the prefix stays where it was instead of following BGP and
 * waiting out its hold-down.
 */
#include "pe/agent.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/file.h"
#include "lib/lpm.h"
#include "lib/mem.h"
#include "lib/text.h"
#include "pe/collector.h"
#include "pe/decide.h"
#include "pe/latency_store.h"

/* BMP sessions get route table router numbers from here up, apart from
 * the names the peering file and route files use (pe_input's routers). */
#define SESS_BASE 0x40000000u
#define NEVER INT64_MIN

typedef struct sess {
	char addr[64];		/* where it connected from */
	char name[64];		/* its sysName, or addr before the Initiation */
	bool live;		/* connected, or closed and lingering */
	bool synced;		/* its initial table is in */
	int64_t linger_until;	/* closed, routes kept until then; 0: not */
} sess;

typedef struct seed {
	int family;
	uint8_t addr[16];
	uint8_t len;
	uint32_t egress;
} seed;

typedef struct ingress_row {
	uint32_t pfx, site;
	double rate;
} ingress_row;

struct pe_agent {
	store *st;
	char *name;
	const pe_cfg *cfg;
	int64_t lease_ms, t0;
	char *traffic_file;
	char *peering_text, *static_text;	/* the files as last loaded */
	size_t peering_len, static_len;
	pe_input in;
	sess *sess;
	size_t n_sess;
	/* per prefix */
	uint32_t *choice;
	int64_t *moved;
	uint8_t *split;		/* more-specific bits of its split, 0: not split */
	size_t n_mem;
	pe_state state;
	/* lease */
	bool leader, need_seed;
	int64_t epoch, held_until, next_lease;
	int64_t cycle;
	/* a predecessor's choices for prefixes not routed (or without traffic) yet */
	seed *seeds;
	size_t n_seeds;
	int64_t seeds_at, seeds_until;
	/* ingress site names */
	neto_strmap site_ix;
	char **sites;
	size_t n_sites;
};

static double mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static int64_t max_age_ms(const pe_agent *a)
{
	double iv = a->cfg->interval_s > 10 ? a->cfg->interval_s : 10;
	return (int64_t)(PE_AGENT_MAX_AGE * iv * 1000);
}

static uint32_t router_ix(pe_input *in, const char *name)
{
	uint32_t ix;
	size_t n = strlen(name);
	if (neto_strmap_get(&in->router_ix, name, n, &ix))
		return ix;
	ix = (uint32_t)in->n_routers;
	neto_strmap_put(&in->router_ix, name, n, ix, NULL);
	in->routers = neto_reallocarray(in->routers, in->n_routers + 1, sizeof *in->routers);
	in->routers[in->n_routers++] = neto_strdup(name);
	return ix;
}

#define SWAP(x, y)                          \
	do {                                \
		__typeof__(x) swap_tmp_ = (x); \
		(x) = (y);                  \
		(y) = swap_tmp_;            \
	} while (0)

static bool same(const char *a, size_t alen, const char *b, size_t blen)
{
	return a != NULL && alen == blen && memcmp(a, b, alen) == 0;
}

/* Reads the peering file and the static table; when either changed since
 * the last load (or at the first), parses both apart and only then puts
 * them in place: links, egresses and the static table change together,
 * the route table and the router names stay, and what the agent remembers
 * per prefix follows its egress by name (an egress gone: back to BGP's).
 * A file that does not parse leaves everything as it was. */
static int load_files(pe_agent *a, bool *changed, neto_err *err)
{
	*changed = false;
	char *pbuf = NULL, *sbuf = NULL;
	size_t plen = 0, slen = 0;
	const char *pf = a->cfg->peering_file, *sf = a->cfg->static_latency;
	if (neto_file_read(pf, &pbuf, &plen, err) != 0)
		return -1;
	if (sf && neto_file_read(sf, &sbuf, &slen, err) != 0) {
		free(pbuf);
		return -1;
	}
	if (same(a->peering_text, a->peering_len, pbuf, plen) &&
	    (sf == NULL || same(a->static_text, a->static_len, sbuf, slen))) {
		free(pbuf);
		free(sbuf);
		return 0;
	}
	pe_input t;
	pe_input_init(&t);
	if (pe_parse_peering(&t, pbuf, plen, pf, err) != 0 ||
	    (sf && pe_parse_latency(&t, sbuf, slen, sf, true, err) != 0)) {
		pe_input_free(&t);
		free(pbuf);
		free(sbuf);
		return -1;
	}
	pe_input *in = &a->in;
	/* old egress number -> new */
	uint32_t *map = neto_reallocarray(NULL, in->n_egress ? in->n_egress : 1, sizeof *map);
	for (size_t e = 0; e < in->n_egress; e++)
		if (!neto_strmap_get(&t.egress_ix, in->egresses[e], strlen(in->egresses[e]),
				     &map[e]))
			map[e] = PE_NONE;
	/* the new egresses' routers, numbered as the route table knows them */
	uint32_t *er = neto_reallocarray(NULL, t.n_egress ? t.n_egress : 1, sizeof *er);
	for (size_t e = 0; e < t.n_egress; e++)
		er[e] = router_ix(in, t.routers[t.egress_router[e]]);
	free(t.egress_router);
	t.egress_router = er;
	SWAP(in->link_ix, t.link_ix);
	SWAP(in->links, t.links);
	SWAP(in->cap, t.cap);
	SWAP(in->n_links, t.n_links);
	SWAP(in->egress_ix, t.egress_ix);
	SWAP(in->egresses, t.egresses);
	SWAP(in->egress_link, t.egress_link);
	SWAP(in->egress_router, t.egress_router);
	SWAP(in->egress_addr, t.egress_addr);
	SWAP(in->n_egress, t.n_egress);
	SWAP(in->static_lat, t.static_lat);
	pe_input_free(&t);	/* the old ones */
	for (size_t p = 0; p < a->n_mem; p++)
		if (a->choice[p] != PE_NONE)
			a->choice[p] = map[a->choice[p]];
	size_t k = 0;
	for (size_t i = 0; i < a->n_seeds; i++)
		if (map[a->seeds[i].egress] != PE_NONE) {
			a->seeds[k] = a->seeds[i];
			a->seeds[k++].egress = map[a->seeds[i].egress];
		}
	a->n_seeds = k;
	free(map);
	free(a->peering_text);
	free(a->static_text);
	a->peering_text = pbuf;
	a->peering_len = plen;
	a->static_text = sbuf;
	a->static_len = slen;
	*changed = true;
	return 0;
}

int pe_agent_new(pe_agent **out, store *st, const pe_agent_opts *o, int64_t t0_ms,
		 neto_err *err)
{
	*out = NULL;
	if (o->cfg->peering_file == NULL)
		return neto_err_set(err, "peering: no peering file ([peering] peering_file)");
	pe_agent *a = neto_calloc(1, sizeof *a);
	a->st = st;
	a->name = neto_strdup(o->name);
	a->cfg = o->cfg;
	a->lease_ms = o->lease_ms > 0 ? o->lease_ms : 10000;
	a->t0 = t0_ms;
	a->traffic_file = o->traffic_file ? neto_strdup(o->traffic_file) : NULL;
	a->next_lease = NEVER;
	pe_input_init(&a->in);
	a->in.default_lat = o->default_lat > 0 ? o->default_lat : 100;
	pe_state_init(&a->state);
	neto_strmap_init(&a->site_ix);
	bool changed;
	if (load_files(a, &changed, err) != 0) {
		pe_agent_free(a);
		return -1;
	}
	*out = a;
	return 0;
}

void pe_agent_free(pe_agent *a)
{
	if (a == NULL)
		return;
	pe_input_free(&a->in);
	pe_state_free(&a->state);
	neto_strmap_free(&a->site_ix);
	for (size_t i = 0; i < a->n_sites; i++)
		free(a->sites[i]);
	free(a->sites);
	free(a->sess);
	free(a->choice);
	free(a->moved);
	free(a->split);
	free(a->seeds);
	free(a->traffic_file);
	free(a->peering_text);
	free(a->static_text);
	free(a->name);
	free(a);
}

pe_input *pe_agent_input(pe_agent *a)
{
	return &a->in;
}

pe_rib *pe_agent_rib(pe_agent *a)
{
	return a->in.rib;
}

/* A router that reconnects from the same address gets its old number back
 * (its peers are down and empty): the route table's peers, at most 65535,
 * do not grow with every reconnection. */
uint32_t pe_agent_session_new(pe_agent *a, const char *name)
{
	size_t k;
	for (k = 0; k < a->n_sess; k++)
		if (!a->sess[k].live && strcmp(a->sess[k].addr, name) == 0)
			break;
	if (k == a->n_sess)
		a->sess = neto_reallocarray(a->sess, ++a->n_sess, sizeof *a->sess);
	snprintf(a->sess[k].addr, sizeof a->sess[0].addr, "%s", name);
	snprintf(a->sess[k].name, sizeof a->sess[0].name, "%s", name);
	a->sess[k].live = true;
	a->sess[k].synced = false;
	a->sess[k].linger_until = 0;
	return SESS_BASE + (uint32_t)k;
}

void pe_agent_session_linger(pe_agent *a, uint32_t router, int64_t until_ms)
{
	if (router >= SESS_BASE && router - SESS_BASE < a->n_sess)
		a->sess[router - SESS_BASE].linger_until = until_ms;
}

void pe_agent_session_synced(pe_agent *a, uint32_t router)
{
	if (router >= SESS_BASE && router - SESS_BASE < a->n_sess)
		a->sess[router - SESS_BASE].synced = true;
}

size_t pe_agent_sweep(pe_agent *a, int64_t now_ms, char *name, size_t name_cap)
{
	for (size_t k = 0; k < a->n_sess; k++) {
		sess *l = &a->sess[k];
		if (!l->live || l->linger_until == 0)
			continue;
		bool replaced = false;
		for (size_t j = 0; j < a->n_sess && !replaced; j++)
			replaced = j != k && a->sess[j].live && a->sess[j].linger_until == 0 &&
				   a->sess[j].synced && strcmp(a->sess[j].name, l->name) == 0;
		if (!replaced && now_ms < l->linger_until)
			continue;
		size_t n = pe_rib_router_down(a->in.rib, SESS_BASE + (uint32_t)k);
		l->live = false;
		l->linger_until = 0;
		if (name != NULL)
			snprintf(name, name_cap, "%s%s", l->name, replaced ? "" : " (grace over)");
		return n;
	}
	if (name != NULL && name_cap > 0)
		name[0] = '\0';
	return 0;
}

void pe_agent_session_name(pe_agent *a, uint32_t router, const char *name)
{
	if (router >= SESS_BASE && router - SESS_BASE < a->n_sess)
		snprintf(a->sess[router - SESS_BASE].name, sizeof a->sess[0].name, "%s", name);
}

void pe_agent_session_end(pe_agent *a, uint32_t router)
{
	if (router >= SESS_BASE && router - SESS_BASE < a->n_sess)
		a->sess[router - SESS_BASE].live = false;
}

/* ---- lease --------------------------------------------------------------- */

int pe_agent_lease(pe_agent *a, int64_t now, bool *leader, neto_err *err)
{
	int held;
	int64_t epoch;
	if (store_lease_acquire(a->st, PE_AGENT_LEASE, a->name, now, a->lease_ms, &held, &epoch,
				err) != 0) {
		/* unreachable store: ours only until the lease's local end */
		if (a->leader && now >= a->held_until)
			a->leader = false;
		*leader = a->leader;
		return -1;
	}
	if (held && (!a->leader || epoch != a->epoch))
		a->need_seed = true;	/* taken (again): a predecessor may have written */
	a->leader = held != 0;
	a->epoch = epoch;
	if (held)
		a->held_until = now + a->lease_ms;
	a->next_lease = now + a->lease_ms / 3;
	*leader = a->leader;
	char info[96];
	snprintf(info, sizeof info, "{\"lease\":\"%s\",\"leader\":%s,\"epoch\":%lld}",
		 PE_AGENT_LEASE, a->leader ? "true" : "false", (long long)epoch);
	return store_agent_heartbeat(a->st, a->name, "peering", NULL, info, now, err);
}

int pe_agent_release(pe_agent *a, int64_t now, neto_err *err)
{
	if (!a->leader)
		return 0;
	a->leader = false;
	return store_lease_release(a->st, PE_AGENT_LEASE, a->name, now, err);
}

/* Right before a write: the lease is still ours with the same epoch. */
static int still_leader(pe_agent *a, int64_t now, bool *ok, neto_err *err)
{
	int64_t epoch0 = a->epoch;
	bool was = a->leader;
	bool leader;
	if (pe_agent_lease(a, now, &leader, err) != 0)
		return -1;
	*ok = was && leader && a->epoch == epoch0 && now < a->held_until;
	return 0;
}

/* ---- per-prefix memory --------------------------------------------------- */

static void mem_fit(pe_agent *a, size_t n)
{
	if (n <= a->n_mem)
		return;
	a->choice = neto_reallocarray(a->choice, n, sizeof *a->choice);
	a->moved = neto_reallocarray(a->moved, n, sizeof *a->moved);
	a->split = neto_reallocarray(a->split, n, sizeof *a->split);
	for (size_t i = a->n_mem; i < n; i++) {
		a->choice[i] = PE_NONE;
		a->moved[i] = NEVER;
		a->split[i] = 0;
	}
	a->n_mem = n;
}

/* Reads the last document: its cycle number, and its choices as seeds. */
static int read_seeds(pe_agent *a, int64_t now, bool *found, neto_err *err)
{
	char *body = NULL;
	size_t len = 0;
	int64_t upd;
	if (store_kv_get(a->st, PE_AGENT_NS, PE_AGENT_KEY, &body, &len, &upd, err) != 0)
		return -1;
	/* what this instance remembers from an earlier term is older than
	 * the document: the document says what is announced now */
	for (size_t i = 0; i < a->n_mem; i++)
		a->choice[i] = PE_NONE;
	a->n_seeds = 0;
	a->seeds_at = now;
	a->seeds_until = now + (int64_t)(a->cfg->hold_s * 1000) + max_age_ms(a);
	*found = body != NULL;
	if (body == NULL)
		return 0;
	json_error_t je;
	json_t *doc = json_loadb(body, len, 0, &je);
	free(body);
	if (doc == NULL)
		return 0;	/* unreadable: start from BGP's choices */
	json_t *c = json_object_get(doc, "cycle");
	if (json_is_integer(c) && json_integer_value(c) > a->cycle)
		a->cycle = json_integer_value(c);
	json_t *pv = json_object_get(doc, "prefixes"), *row;
	size_t i;
	json_array_foreach(pv, i, row) {
		const char *ps = json_string_value(json_object_get(row, "prefix"));
		const char *es = json_string_value(json_object_get(row, "egress"));
		const char *bs = json_string_value(json_object_get(row, "bgp"));
		if (ps == NULL || es == NULL || (bs && strcmp(bs, es) == 0))
			continue;	/* not announced: BGP's choice */
		seed s;
		unsigned plen;
		neto_err e;
		if (lpm_parse_prefix(ps, &s.family, s.addr, &plen, &e) != 0 ||
		    !neto_strmap_get(&a->in.egress_ix, es, strlen(es), &s.egress))
			continue;
		s.len = (uint8_t)plen;
		a->seeds = neto_reallocarray(a->seeds, a->n_seeds + 1, sizeof *a->seeds);
		a->seeds[a->n_seeds++] = s;
	}
	json_decref(doc);
	return 0;
}

/* Seeds for prefixes with traffic now become the prefix's choice, held
 * down from the takeover. */
static void apply_seeds(pe_agent *a, const double *rate, int64_t now)
{
	if (now > a->seeds_until)
		a->n_seeds = 0;
	size_t k = 0;
	for (size_t i = 0; i < a->n_seeds; i++) {
		const seed *s = &a->seeds[i];
		uint32_t p = pe_rib_find(a->in.rib, s->family, s->addr, s->len);
		if (p != PE_NONE && p < a->n_mem && rate[p] > 0) {
			if (a->choice[p] == PE_NONE) {
				a->choice[p] = s->egress;
				a->moved[p] = a->seeds_at;
			}
			continue;
		}
		a->seeds[k++] = *s;
	}
	a->n_seeds = k;
}

/* ---- traffic ------------------------------------------------------------- */

typedef struct agg {
	pe_agent *a;
	lpm *t[2];		/* routed prefixes: IPv4, IPv6 */
	double *rate;		/* per prefix */
	uint8_t *cls;
	ingress_row *ing;
	size_t n_ing, cap_ing;
	size_t unrouted, stale, bad;
} agg;

static bool routed(const pe_rib *r, uint32_t i)
{
	return pe_rib_routes(r, i, NULL, 0) > 0;
}

static void agg_init(agg *g, pe_agent *a)
{
	memset(g, 0, sizeof *g);
	g->a = a;
	size_t np = pe_rib_n_prefixes(a->in.rib);
	g->rate = neto_calloc(np ? np : 1, sizeof *g->rate);
	g->cls = neto_reallocarray(NULL, np ? np : 1, 1);
	memset(g->cls, 0xff, np ? np : 1);
	g->t[0] = lpm_new(4);
	g->t[1] = lpm_new(6);
	for (uint32_t i = 0; i < np; i++) {
		if (!routed(a->in.rib, i))
			continue;
		int fam;
		uint8_t addr[16], len;
		pe_rib_prefix(a->in.rib, i, &fam, addr, &len);
		lpm_insert(g->t[fam == 6], addr, len, i);
	}
	lpm_compile(g->t[0]);
	lpm_compile(g->t[1]);
}

static void agg_free(agg *g)
{
	lpm_free(g->t[0]);
	lpm_free(g->t[1]);
	free(g->rate);
	free(g->cls);
	free(g->ing);
}

static void mask(uint8_t *a, unsigned len)
{
	for (unsigned b = len; b < 128; b++)
		a[b / 8] &= (uint8_t)~(0x80u >> (b % 8));
}

/* The longest routed prefix holding all of (addr, plen), or PE_NONE. */
static uint32_t match(const agg *g, int fam, const uint8_t *addr, unsigned plen)
{
	const pe_rib *r = g->a->in.rib;
	uint32_t v;
	if (!lpm_lookup(g->t[fam == 6], addr, &v))
		return PE_NONE;
	int f2;
	uint8_t a2[16], l2;
	pe_rib_prefix(r, v, &f2, a2, &l2);
	if (l2 <= plen)
		return v;
	/* a more specific than the traffic's prefix holds its first address:
	 * the traffic belongs to a shorter one */
	for (unsigned l = plen + 1; l-- > 0;) {
		uint8_t m[16];
		memcpy(m, addr, 16);
		mask(m, l);
		uint32_t p = pe_rib_find(r, fam, m, (uint8_t)l);
		if (p != PE_NONE && routed(r, p))
			return p;
	}
	return PE_NONE;
}

static uint32_t site_id(pe_agent *a, const char *s)
{
	uint32_t ix;
	size_t n = strlen(s);
	if (neto_strmap_get(&a->site_ix, s, n, &ix))
		return ix;
	ix = (uint32_t)a->n_sites;
	neto_strmap_put(&a->site_ix, s, n, ix, NULL);
	a->sites = neto_reallocarray(a->sites, a->n_sites + 1, sizeof *a->sites);
	a->sites[a->n_sites++] = neto_strdup(s);
	return ix;
}

static void add_traffic(agg *g, int fam, const uint8_t *addr, unsigned plen, unsigned cls,
			double rate, const char *site)
{
	uint32_t p = match(g, fam, addr, plen);
	if (p == PE_NONE) {
		g->unrouted++;
		return;
	}
	g->rate[p] += rate;
	if (cls < g->cls[p])
		g->cls[p] = (uint8_t)cls;
	if (site == NULL || site[0] == '\0')
		return;
	if (g->n_ing == g->cap_ing) {
		g->cap_ing = g->cap_ing ? 2 * g->cap_ing : 256;
		g->ing = neto_reallocarray(g->ing, g->cap_ing, sizeof *g->ing);
	}
	g->ing[g->n_ing++] = (ingress_row){ p, site_id(g->a, site), rate };
}

static void traffic_doc(agg *g, const char *body, size_t len, int64_t now)
{
	json_error_t je;
	json_t *doc = json_loadb(body, len, 0, &je);
	json_t *rows = json_object_get(doc, "rows"), *row;
	json_t *at = json_object_get(doc, "at");
	if (!json_is_array(rows)) {
		g->bad++;
		json_decref(doc);
		return;
	}
	if (!json_is_number(at) || now - (int64_t)json_number_value(at) > max_age_ms(g->a)) {
		g->stale += json_array_size(rows);
		json_decref(doc);
		return;
	}
	size_t i;
	json_array_foreach(rows, i, row) {
		const char *ps = json_string_value(json_object_get(row, "prefix"));
		json_t *c = json_object_get(row, "class"), *r = json_object_get(row, "rate");
		int fam;
		uint8_t addr[16];
		unsigned plen;
		neto_err e;
		double rate = json_number_value(r);
		if (ps == NULL || lpm_parse_prefix(ps, &fam, addr, &plen, &e) != 0 ||
		    (c != NULL && (!json_is_integer(c) || json_integer_value(c) < 0 ||
				   json_integer_value(c) > 255)) ||
		    !json_is_number(r) || !(rate >= 0) || !isfinite(rate)) {
			g->bad++;
			continue;
		}
		add_traffic(g, fam, addr, plen, c ? (unsigned)json_integer_value(c) : 0, rate,
			    json_string_value(json_object_get(row, "ingress")));
	}
	json_decref(doc);
}

/* "PREFIX CLASS RATE" lines (neto peer's traffic format). */
static int traffic_file(agg *g, const char *fname, neto_err *err)
{
	char *buf;
	size_t len;
	if (neto_file_read(fname, &buf, &len, err) != 0)
		return -1;
	int rc = 0;
	if (neto_text_check_nul(buf, len, fname, err) != 0) {
		free(buf);
		return -1;
	}
	neto_lines c;
	neto_lines_init(&c, buf, len);
	neto_span line, f[4];
	char tmp[80];
	while (neto_lines_next_data(&c, &line)) {
		int fam;
		uint8_t addr[16];
		unsigned plen;
		uint32_t cls;
		double rate;
		neto_err e;
		if (neto_split(line, 0, f, 3) != 3) {
			rc = neto_err_at(err, fname, c.lineno, "expected 'PREFIX CLASS RATE'");
			break;
		}
		if (f[0].len >= sizeof tmp ||
		    lpm_parse_prefix(neto_span_str(f[0], tmp, sizeof tmp), &fam, addr, &plen, &e) !=
			    0) {
			rc = neto_err_at(err, fname, c.lineno, "bad prefix '%s'",
					 neto_span_str(f[0], tmp, sizeof tmp));
			break;
		}
		if (!neto_span_to_u32(f[1], &cls) || cls > 255) {
			rc = neto_err_at(err, fname, c.lineno, "bad class '%s' (0..255, 0 first)",
					 neto_span_str(f[1], tmp, sizeof tmp));
			break;
		}
		if (!pe_parse_rate(f[2].p, f[2].len, &rate)) {
			rc = neto_err_at(err, fname, c.lineno, "bad rate '%s'",
					 neto_span_str(f[2], tmp, sizeof tmp));
			break;
		}
		add_traffic(g, fam, addr, plen, cls, rate, NULL);
	}
	free(buf);
	return rc;
}

/* ---- latency ------------------------------------------------------------- */

/* "pe-latency" rows (src/pe/latency_store.c): fresh ones become the
 * measured latencies, the others are counted. */
static int read_latency(pe_agent *a, int64_t now, pe_agent_stats *s, neto_err *err)
{
	pe_lat_store_stats ls;
	memset(&ls, 0, sizeof ls);
	a->in.n_meas = 0;
	if (pe_latency_store_read(a->st, &a->in, now, max_age_ms(a), &ls, err) != 0)
		return -1;
	s->meas = ls.used;
	s->stale_rows += ls.stale;
	s->bad_rows += ls.malformed + ls.unknown_egress;
	return 0;
}

/* ---- the document -------------------------------------------------------- */

static json_t *ename(const pe_input *in, uint32_t e)
{
	return e == PE_NONE ? json_null() : json_string(in->egresses[e]);
}

static json_t *prefix_json(const pe_input *in, uint32_t p)
{
	int fam;
	uint8_t addr[16], len;
	char s[80];
	pe_rib_prefix(in->rib, p, &fam, addr, &len);
	return json_string(pe_prefix_str(fam, addr, len, s, sizeof s));
}

/* More-specific i of prefix p split by `bits`: the next bits of its address
 * set to i (in address order). */
static json_t *part_json(const pe_input *in, uint32_t p, unsigned bits, unsigned i)
{
	int fam;
	uint8_t addr[16], len;
	char s[80];
	pe_rib_prefix(in->rib, p, &fam, addr, &len);
	for (unsigned b = 0; b < bits; b++) {
		unsigned bit = len + b;
		if (i >> (bits - 1 - b) & 1)
			addr[bit / 8] |= (uint8_t)(0x80u >> (bit % 8));
	}
	return json_string(pe_prefix_str(fam, addr, (uint8_t)(len + bits), s, sizeof s));
}

static int ing_cmp(const void *x, const void *y)
{
	const ingress_row *a = x, *b = y;
	if (a->pfx != b->pfx)
		return a->pfx < b->pfx ? -1 : 1;
	return a->site < b->site ? -1 : a->site > b->site;
}

static char *document(pe_agent *a, const pe_problem *p, const pe_result *r, agg *g,
		      int64_t now)
{
	const pe_input *in = &a->in;
	json_t *doc = json_object();
	json_object_set_new(doc, "at", json_integer(now));
	json_object_set_new(doc, "cycle", json_integer(a->cycle));
	json_object_set_new(doc, "headroom", json_real(a->cfg->headroom));
	json_object_set_new(doc, "local_pref", json_integer(a->cfg->local_pref));
	json_object_set_new(doc, "community", a->cfg->has_community
						      ? json_string(a->cfg->community_str)
						      : json_null());
	json_t *links = json_array();
	for (size_t l = 0; l < in->n_links; l++) {
		json_t *o = json_object();
		json_object_set_new(o, "name", json_string(in->links[l]));
		json_object_set_new(o, "cap", json_real(in->cap[l]));
		json_object_set_new(o, "load", json_real(r->load[l]));
		json_array_append_new(links, o);
	}
	json_object_set_new(doc, "links", links);
	json_t *eg = json_array();
	for (size_t e = 0; e < in->n_egress; e++) {
		char peer[64];
		pe_peer_addr_str(in->egress_addr[e], peer, sizeof peer);
		json_t *o = json_object();
		json_object_set_new(o, "name", json_string(in->egresses[e]));
		json_object_set_new(o, "router", json_string(in->routers[in->egress_router[e]]));
		json_object_set_new(o, "peer", json_string(peer));
		/* eBGP: the ISP's routes carry its address as NEXT_HOP */
		json_object_set_new(o, "nexthop", json_string(peer));
		json_object_set_new(o, "link", json_string(in->links[in->egress_link[e]]));
		json_array_append_new(eg, o);
	}
	json_object_set_new(doc, "egress", eg);
	if (g->n_ing > 1)
		qsort(g->ing, g->n_ing, sizeof *g->ing, ing_cmp);
	json_t *pv = json_array();
	size_t k = 0;
	/* the split of each demand, if any */
	uint32_t *split_of = neto_reallocarray(NULL, p->n_dem ? p->n_dem : 1, sizeof *split_of);
	for (size_t d = 0; d < p->n_dem; d++)
		split_of[d] = PE_NONE;
	for (size_t i = 0; i < r->n_splits; i++)
		split_of[r->splits[i].dem] = (uint32_t)i;
	for (size_t d = 0; d < p->n_dem; d++) {
		uint32_t pf = p->dem[d].pfx;
		if (r->choice[d] == PE_NONE)
			continue;	/* no egress offers it */
		json_t *ing = json_object();
		while (k < g->n_ing && g->ing[k].pfx < pf)
			k++;
		for (; k < g->n_ing && g->ing[k].pfx == pf; k++) {
			const char *site = a->sites[g->ing[k].site];
			json_t *old = json_object_get(ing, site);
			json_object_set_new(ing, site,
					    json_real(g->ing[k].rate +
						      (old ? json_number_value(old) : 0)));
		}
		const pe_split *sp = split_of[d] == PE_NONE ? NULL : &r->splits[split_of[d]];
		unsigned parts = sp ? 1u << sp->bits : 1;
		for (unsigned i = 0; i < parts; i++) {
			json_t *o = json_object();
			if (sp == NULL) {
				json_object_set_new(o, "prefix", prefix_json(in, pf));
			} else {
				/* a more-specific of the split: its traffic is
				 * taken as an equal share (flows are not known
				 * per more-specific) */
				json_object_set_new(o, "prefix", part_json(in, pf, sp->bits, i));
				json_object_set_new(o, "split_of", prefix_json(in, pf));
			}
			json_object_set_new(o, "class", json_integer(g->cls[pf]));
			json_object_set_new(o, "rate", json_real(p->dem[d].rate / parts));
			json_object_set_new(o, "egress", ename(in, sp ? sp->egress[i] : r->choice[d]));
			json_object_set_new(o, "bgp", ename(in, p->bgp_best[pf]));
			json_t *share = json_object();
			const char *site;
			json_t *v;
			json_object_foreach(ing, site, v)
				json_object_set_new(share, site, json_real(json_number_value(v) / parts));
			json_object_set_new(o, "ingress", share);
			json_array_append_new(pv, o);
		}
		json_decref(ing);
	}
	free(split_of);
	json_object_set_new(doc, "prefixes", pv);
	char *s = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	return s;
}

static int audit_moves(pe_agent *a, const pe_problem *p, const pe_result *r, const agg *g,
		       int64_t now, neto_err *err)
{
	const pe_input *in = &a->in;
	for (size_t i = 0; i < r->n_moves; i++) {
		const pe_move *m = &r->moves[i];
		const pe_demand *d = &p->dem[m->dem];
		/* a prefix split again as in the last cycle is no news */
		if (m->reason == PE_SPLIT && a->split[d->pfx] != 0 && m->from == m->to)
			continue;
		json_t *o = json_object();
		json_object_set_new(o, "prefix", prefix_json(in, d->pfx));
		json_object_set_new(o, "class", json_integer(g->cls[d->pfx]));
		json_object_set_new(o, "from", ename(in, m->from));
		json_object_set_new(o, "to", ename(in, m->to));
		json_object_set_new(o, "reason", json_string(pe_reason_name(m->reason)));
		json_object_set_new(o, "rate", json_real(d->rate));
		if (isfinite(m->lat_from))
			json_object_set_new(o, "ms_from", json_real((double)m->lat_from));
		if (isfinite(m->lat_to))
			json_object_set_new(o, "ms_to", json_real((double)m->lat_to));
		if (m->reason == PE_OVERLOAD && m->link < in->n_links)
			json_object_set_new(o, "link", json_string(in->links[m->link]));
		json_object_set_new(o, "cycle", json_integer(a->cycle));
		char *s = json_dumps(o, JSON_COMPACT);
		json_decref(o);
		int rc = store_audit_add(a->st, "peering", NULL, "egress-move", s, now, err);
		free(s);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* ---- one cycle ----------------------------------------------------------- */

/* The route table's routers for each egress: a live BMP session of the
 * egress's ROUTER name (the newest; but a closed one lingering in its grace
 * period while the newest has not sent its whole table yet), else the
 * name's own number (route files). */
static uint32_t *session_routers(const pe_agent *a)
{
	const pe_input *in = &a->in;
	uint32_t *v = neto_reallocarray(NULL, in->n_egress ? in->n_egress : 1, sizeof *v);
	for (size_t e = 0; e < in->n_egress; e++) {
		v[e] = in->egress_router[e];
		const char *nm = in->routers[in->egress_router[e]];
		size_t newest = SIZE_MAX, lingering = SIZE_MAX;
		for (size_t k = a->n_sess; k-- > 0;) {
			const sess *x = &a->sess[k];
			if (!x->live || strcmp(x->name, nm) != 0)
				continue;
			if (x->linger_until == 0 && newest == SIZE_MAX)
				newest = k;
			if (x->linger_until != 0 && lingering == SIZE_MAX)
				lingering = k;
		}
		size_t pick = newest;
		if (lingering != SIZE_MAX && (newest == SIZE_MAX || !a->sess[newest].synced))
			pick = lingering;
		if (pick != SIZE_MAX)
			v[e] = SESS_BASE + (uint32_t)pick;
	}
	return v;
}

static int gather(pe_agent *a, agg *g, int64_t now, neto_err *err)
{
	store_kv *v = NULL;
	size_t n = 0;
	if (store_kv_list(a->st, PE_AGENT_TRAFFIC_NS, &v, &n, err) != 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		traffic_doc(g, v[i].body, v[i].len, now);
	store_kv_free(v, n);
	if (a->traffic_file && traffic_file(g, a->traffic_file, err) != 0)
		return -1;
	return 0;
}

int pe_agent_cycle(pe_agent *a, int64_t now, pe_agent_stats *s, neto_err *err)
{
	double t0 = mono_ms();
	memset(s, 0, sizeof *s);
	bool leader;
	if (pe_agent_lease(a, now, &leader, err) != 0)
		return -1;
	s->leader = leader;
	if (!leader)
		return 0;
	if (a->need_seed) {
		if (read_seeds(a, now, &s->seeded, err) != 0)
			return -1;
		a->need_seed = false;
	}
	/* the files may have been edited: a bad edit is reported, the last
	 * good ones stay in use */
	neto_err ferr;
	if (load_files(a, &s->reloaded, &ferr) != 0)
		snprintf(s->warning, sizeof s->warning, "%s", ferr.msg);
	pe_input *in = &a->in;
	size_t np = pe_rib_n_prefixes(in->rib);
	mem_fit(a, np);
	agg g;
	agg_init(&g, a);
	pe_result r;
	memset(&r, 0, sizeof r);
	int rc = -1;
	if (gather(a, &g, now, err) != 0)
		goto out;
	s->unrouted_rows = g.unrouted;
	s->stale_rows = g.stale;
	s->bad_rows = g.bad;
	if (read_latency(a, now, s, err) != 0)
		goto out;
	/* one demand per prefix with traffic; the decision sees the classes
	 * present by rank (only their order matters to it, and its state
	 * takes prefixes x classes slots) */
	bool present[256] = { false };
	uint8_t rank[256];
	for (uint32_t p = 0; p < np; p++)
		if (g.rate[p] > 0)
			present[g.cls[p]] = true;
	in->n_class = 0;
	for (unsigned c = 0; c < 256; c++)
		if (present[c])
			rank[c] = (uint8_t)in->n_class++;
	if (in->n_class == 0)
		in->n_class = 1;
	in->n_dem = 0;
	for (uint32_t p = 0; p < np; p++) {
		if (!(g.rate[p] > 0)) {
			a->choice[p] = PE_NONE;	/* not announced: back to BGP's */
			continue;
		}
		if (in->n_dem == in->cap_dem) {
			in->cap_dem = in->cap_dem ? 2 * in->cap_dem : 1024;
			in->dem = neto_reallocarray(in->dem, in->cap_dem, sizeof *in->dem);
		}
		in->dem[in->n_dem++] = (pe_demand){ p, rank[g.cls[p]], g.rate[p] };
	}
	apply_seeds(a, g.rate, now);
	double t1 = mono_ms();
	s->ms_inputs = t1 - t0;
	pe_problem p;
	uint32_t *names = in->egress_router, *routers = session_routers(a);
	in->egress_router = routers;
	rc = pe_input_build(in, &p, err);
	in->egress_router = names;
	free(routers);
	if (rc != 0)
		goto out;
	rc = -1;
	/* the memory per prefix into the decision's slot per (prefix, class) */
	pe_state_fit(&a->state, p.n_pfx, p.n_class);
	float *before = neto_reallocarray(NULL, p.n_dem ? p.n_dem : 1, sizeof *before);
	for (size_t d = 0; d < p.n_dem; d++) {
		uint32_t pf = p.dem[d].pfx;
		size_t si = (size_t)pf * a->state.n_class + p.dem[d].cls;
		a->state.cur[si] = a->choice[pf];
		before[d] = a->moved[pf] == NEVER ? -1e30f : (float)((double)(a->moved[pf] - a->t0) / 1000);
		a->state.moved_at[si] = before[d];
	}
	pe_opts o;
	pe_opts_default(&o);
	o.headroom = a->cfg->headroom;
	o.min_gain_ms = a->cfg->min_gain_ms;
	o.max_moves = a->cfg->max_moves;
	o.hold_s = a->cfg->hold_s;
	o.split = a->cfg->split;
	o.split_bits = a->cfg->split_bits;
	if (pe_decide(&p, &o, &a->state, (double)(now - a->t0) / 1000, &r, err) != 0) {
		free(before);
		goto out;
	}
	for (size_t d = 0; d < p.n_dem; d++) {
		uint32_t pf = p.dem[d].pfx, e = r.choice[d];
		size_t si = (size_t)pf * a->state.n_class + p.dem[d].cls;
		/* unroutable: remembered for when the routes come back; an egress
		 * kept stays remembered even while BGP agrees (the other offer
		 * may come back); a change to BGP's choice follows BGP again */
		if (e != PE_NONE && e != a->choice[pf])
			a->choice[pf] = e == p.bgp_best[pf] ? PE_NONE : e;
		if (a->state.moved_at[si] != before[d])
			a->moved[pf] = now;
		s->traffic += e == PE_NONE ? 0 : p.dem[d].rate;
		s->announced += e != PE_NONE && e != p.bgp_best[pf];
	}
	free(before);
	for (size_t pf = 0; pf < np; pf++)
		s->prefixes_routed += routed(in->rib, (uint32_t)pf);
	s->routes = pe_rib_n_routes(in->rib);
	s->demands = p.n_dem;
	s->moves = r.n_moves;
	s->latency_moves = r.n_latency_moves;
	s->relief_moves = r.n_relief_moves;
	s->withdrawn_moves = r.n_withdrawn_moves;
	s->capped = r.n_capped;
	s->over_headroom = r.n_overloaded;
	double t2 = mono_ms();
	s->ms_decide = t2 - t1;
	/* the writes: only while the lease is still ours */
	bool ok;
	if (still_leader(a, now, &ok, err) != 0)
		goto out;
	s->leader = ok;
	if (!ok) {
		rc = 0;
		goto out;
	}
	a->cycle++;
	s->cycle = a->cycle;
	char *body = document(a, &p, &r, &g, now);
	rc = store_kv_put(a->st, PE_AGENT_NS, PE_AGENT_KEY, body, strlen(body), now, err);
	free(body);
	if (rc == 0)
		rc = audit_moves(a, &p, &r, &g, now, err);
	s->wrote = rc == 0;
	if (s->wrote) {
		/* what is split now, for the next cycle's audit */
		for (size_t d = 0; d < p.n_dem; d++)
			a->split[p.dem[d].pfx] = 0;
		for (size_t i = 0; i < r.n_splits; i++)
			a->split[p.dem[r.splits[i].dem].pfx] = r.splits[i].bits;
	}
	s->splits = r.n_splits;
	s->ms_write = mono_ms() - t2;
out:
	pe_result_free(&r);
	agg_free(&g);
	s->ms = mono_ms() - t0;
	return rc;
}

void pe_agent_stats_print(const pe_agent_stats *s, FILE *f)
{
	if (!s->leader) {
		fprintf(f, "peering: standby (lease '%s' held by another instance)\n",
			PE_AGENT_LEASE);
		return;
	}
	fprintf(f,
		"peering: cycle %lld: prefixes %zu routes %zu demands %zu (unrouted rows %zu, "
		"stale %zu, bad %zu, latencies measured %zu) moves %zu (latency %zu overload %zu "
		"withdrawn %zu capped %zu) announced %zu over-headroom %zu traffic %.4g bit/s "
		"time %.1f ms (inputs %.1f decision %.1f store %.1f)%s%s%s\n",
		(long long)s->cycle, s->prefixes_routed, s->routes, s->demands, s->unrouted_rows,
		s->stale_rows, s->bad_rows, s->meas, s->moves, s->latency_moves, s->relief_moves,
		s->withdrawn_moves, s->capped, s->announced, s->over_headroom, s->traffic, s->ms,
		s->ms_inputs, s->ms_decide, s->ms_write,
		s->seeded ? " (took the lease: kept the previous leader's choices)" : "",
		s->reloaded ? " (peering files reloaded)" : "", s->wrote ? "" : " (not written)");
	if (s->splits)
		fprintf(f, "peering: %zu prefixes announced as more-specifics (split)\n", s->splits);
	if (s->warning[0])
		fprintf(f, "peering: files not reloaded, the last good ones stay in use: %s\n",
			s->warning);
	fflush(f);
}
