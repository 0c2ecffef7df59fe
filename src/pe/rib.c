/*
 * rib.c - the peering route table (see rib.h for the layout and why).
 */
#include "pe/rib.h"

#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"

typedef struct rib_pfx {
	uint8_t addr[16];
	uint8_t len;
	uint8_t family;
	uint16_t n_routes;
	uint32_t first;		/* route chain, PE_NONE when empty */
} rib_pfx;

typedef struct rib_route {
	uint32_t next;
	uint32_t attr;
	uint16_t peer;
} rib_route;

struct pe_rib {
	rib_pfx *pfx;
	size_t n_pfx, cap_pfx;
	uint32_t *pfx_slots;	/* open addressing, PE_NONE empty */
	size_t n_slots;		/* power of two */
	rib_route *routes;
	size_t n_routes_used, cap_routes;	/* pool slots handed out */
	uint32_t free_route;
	size_t n_routes;	/* live */
	pe_attr **attrs;	/* by id; NULL when free */
	size_t n_attr_ids, cap_attrs;
	uint32_t *attr_free;	/* free ids */
	size_t n_attr_free, cap_attr_free;
	uint32_t *attr_buckets;
	size_t n_attr_buckets;	/* power of two */
	size_t n_attrs, attr_bytes;
	pe_rib_peer *peers;
	size_t n_peers, cap_peers;
};

static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static uint64_t hash_bytes(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

pe_rib *pe_rib_new(void)
{
	pe_rib *t = neto_calloc(1, sizeof *t);
	t->n_slots = 1024;
	t->pfx_slots = neto_malloc(t->n_slots * sizeof *t->pfx_slots);
	memset(t->pfx_slots, 0xff, t->n_slots * sizeof *t->pfx_slots);
	t->n_attr_buckets = 1024;
	t->attr_buckets = neto_malloc(t->n_attr_buckets * sizeof *t->attr_buckets);
	memset(t->attr_buckets, 0xff, t->n_attr_buckets * sizeof *t->attr_buckets);
	t->free_route = PE_NONE;
	return t;
}

void pe_rib_free(pe_rib *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->n_attr_ids; i++)
		free(t->attrs[i]);
	free(t->attrs);
	free(t->attr_free);
	free(t->attr_buckets);
	free(t->pfx);
	free(t->pfx_slots);
	free(t->routes);
	free(t->peers);
	free(t);
}

/* ---- peers ---------------------------------------------------------------- */

int pe_rib_peer_id(pe_rib *t, uint32_t router, const bmp_peer_hdr *h, uint16_t *id,
		   neto_err *err)
{
	for (size_t i = 0; i < t->n_peers; i++) {
		pe_rib_peer *p = &t->peers[i];
		if (p->router == router && p->distinguisher == h->distinguisher &&
		    memcmp(p->addr, h->addr, 16) == 0) {
			p->as = h->as;
			p->bgp_id = h->bgp_id;
			*id = (uint16_t)i;
			return 0;
		}
	}
	if (t->n_peers == UINT16_MAX)
		return neto_err_set(err, "route table: more than %u peers", UINT16_MAX);
	if (t->n_peers == t->cap_peers) {
		t->cap_peers = t->cap_peers ? 2 * t->cap_peers : 8;
		t->peers = neto_reallocarray(t->peers, t->cap_peers, sizeof *t->peers);
	}
	pe_rib_peer *p = &t->peers[t->n_peers];
	memset(p, 0, sizeof *p);
	p->router = router;
	p->distinguisher = h->distinguisher;
	memcpy(p->addr, h->addr, 16);
	p->as = h->as;
	p->bgp_id = h->bgp_id;
	*id = (uint16_t)t->n_peers++;
	return 0;
}

size_t pe_rib_n_peers(const pe_rib *t)
{
	return t->n_peers;
}

const pe_rib_peer *pe_rib_peer_get(const pe_rib *t, uint16_t id)
{
	return id < t->n_peers ? &t->peers[id] : NULL;
}

/* ---- prefixes ------------------------------------------------------------- */

static void pfx_key(int family, const uint8_t *addr, uint8_t len, rib_pfx *k)
{
	memset(k, 0, sizeof *k);
	k->family = (uint8_t)family;
	k->len = len;
	/* only the significant bits: the same prefix must have one key */
	size_t full = len / 8;
	memcpy(k->addr, addr, full);
	if (len % 8)
		k->addr[full] = (uint8_t)(addr[full] & (0xff00u >> (len % 8)));
}

static uint64_t pfx_hash(const rib_pfx *k)
{
	uint64_t h = hash_bytes(0xcbf29ce484222325ULL, k->addr, k->family == 4 ? 4 : 16);
	return mix(h ^ ((uint64_t)k->len << 8 | k->family));
}

static bool pfx_eq(const rib_pfx *a, const rib_pfx *b)
{
	return a->family == b->family && a->len == b->len && memcmp(a->addr, b->addr, 16) == 0;
}

static uint32_t pfx_lookup(const pe_rib *t, const rib_pfx *k, size_t *slot)
{
	size_t mask = t->n_slots - 1;
	size_t s = (size_t)pfx_hash(k) & mask;
	for (;; s = (s + 1) & mask) {
		uint32_t i = t->pfx_slots[s];
		if (i == PE_NONE || pfx_eq(&t->pfx[i], k)) {
			*slot = s;
			return i;
		}
	}
}

static void pfx_grow_index(pe_rib *t)
{
	size_t n = t->n_slots * 2;
	uint32_t *slots = neto_malloc(n * sizeof *slots);
	memset(slots, 0xff, n * sizeof *slots);
	for (size_t i = 0; i < t->n_pfx; i++) {
		size_t s = (size_t)pfx_hash(&t->pfx[i]) & (n - 1);
		while (slots[s] != PE_NONE)
			s = (s + 1) & (n - 1);
		slots[s] = (uint32_t)i;
	}
	free(t->pfx_slots);
	t->pfx_slots = slots;
	t->n_slots = n;
}

static uint32_t pfx_get(pe_rib *t, int family, const uint8_t *addr, uint8_t len)
{
	rib_pfx k;
	pfx_key(family, addr, len, &k);
	size_t slot;
	uint32_t i = pfx_lookup(t, &k, &slot);
	if (i != PE_NONE)
		return i;
	/* keep the index at most 3/4 full so probes stay short */
	if ((t->n_pfx + 1) * 4 > t->n_slots * 3) {
		pfx_grow_index(t);
		(void)pfx_lookup(t, &k, &slot);
	}
	if (t->n_pfx == t->cap_pfx) {
		t->cap_pfx = t->cap_pfx ? t->cap_pfx + t->cap_pfx / 2 : 1024;
		t->pfx = neto_reallocarray(t->pfx, t->cap_pfx, sizeof *t->pfx);
	}
	k.first = PE_NONE;
	t->pfx[t->n_pfx] = k;
	t->pfx_slots[slot] = (uint32_t)t->n_pfx;
	return (uint32_t)t->n_pfx++;
}

uint32_t pe_rib_find(const pe_rib *t, int family, const uint8_t *addr, uint8_t len)
{
	rib_pfx k;
	pfx_key(family, addr, len, &k);
	size_t slot;
	return pfx_lookup(t, &k, &slot);
}

size_t pe_rib_n_prefixes(const pe_rib *t)
{
	return t->n_pfx;
}

void pe_rib_prefix(const pe_rib *t, uint32_t i, int *family, uint8_t addr[16], uint8_t *len)
{
	*family = t->pfx[i].family;
	memcpy(addr, t->pfx[i].addr, 16);
	*len = t->pfx[i].len;
}

/* ---- attribute sets ---------------------------------------------------- */

static uint64_t attr_hash(const pe_attr *a)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	h = hash_bytes(h, &a->med, sizeof a->med);
	h = hash_bytes(h, &a->local_pref, sizeof a->local_pref);
	h = hash_bytes(h, &a->origin, 4);	/* origin, has, nh_len, n_segs */
	h = hash_bytes(h, &a->n_asns, 4);	/* n_asns, n_comm */
	h = hash_bytes(h, a->nh, sizeof a->nh);
	h = hash_bytes(h, a->data, (size_t)(a->n_segs + a->n_asns + a->n_comm) * 4);
	return mix(h);
}

static bool attr_eq(const pe_attr *a, const pe_attr *b)
{
	return a->hash == b->hash && a->med == b->med && a->local_pref == b->local_pref &&
	       a->origin == b->origin && a->has == b->has && a->nh_len == b->nh_len &&
	       a->n_segs == b->n_segs && a->n_asns == b->n_asns && a->n_comm == b->n_comm &&
	       memcmp(a->nh, b->nh, sizeof a->nh) == 0 &&
	       memcmp(a->data, b->data, (size_t)(a->n_segs + a->n_asns + a->n_comm) * 4) == 0;
}

static size_t attr_size(const pe_attr *a)
{
	return sizeof *a + (size_t)(a->n_segs + a->n_asns + a->n_comm) * 4;
}

/* Builds the candidate set of u in a scratch allocation (caller frees). */
static pe_attr *attr_build(const bgp_update *u, int family)
{
	size_t n_segs = u->n_segs > 255 ? 255 : u->n_segs;
	size_t n_asns = 0;
	for (size_t i = 0; i < n_segs; i++)
		n_asns += u->segs[i].n;
	size_t n_comm = u->n_communities > UINT16_MAX ? UINT16_MAX : u->n_communities;
	pe_attr *a = neto_calloc(1, sizeof *a + (n_segs + n_asns + n_comm) * 4);
	a->n_segs = (uint8_t)n_segs;
	a->n_asns = (uint16_t)(n_asns > UINT16_MAX ? UINT16_MAX : n_asns);
	a->n_comm = (uint16_t)n_comm;
	uint32_t *asns = a->data + a->n_segs;
	size_t k = 0, plen = 0;
	for (size_t i = 0; i < n_segs; i++) {
		const bgp_as_seg *s = &u->segs[i];
		a->data[i] = (uint32_t)s->type << 8 | s->n;
		for (size_t j = 0; j < s->n && k < a->n_asns; j++)
			asns[k++] = u->asns[s->first + j];
		/* RFC 4271 section 9.1.2.2 a): a set counts one, confederation
		 * segments (RFC 5065 section 5.3) count none */
		if (s->type == BGP_AS_SEQUENCE)
			plen += s->n;
		else if (s->type == BGP_AS_SET)
			plen += 1;
	}
	a->path_len = (uint16_t)(plen > UINT16_MAX ? UINT16_MAX : plen);
	if (n_comm > 0)
		memcpy(a->data + a->n_segs + a->n_asns, u->communities, n_comm * 4);
	a->origin = u->origin;
	if (BGP_ATTR_SEEN(u, BGP_ATTR_MED)) {
		a->has |= PE_HAS_MED;
		a->med = u->med;
	}
	if (BGP_ATTR_SEEN(u, BGP_ATTR_LOCAL_PREF)) {
		a->has |= PE_HAS_LP;
		a->local_pref = u->local_pref;
	}
	if (family == 4 && !u->reach.present) {
		a->nh_len = 4;
		a->nh[0] = (uint8_t)(u->next_hop >> 24);
		a->nh[1] = (uint8_t)(u->next_hop >> 16);
		a->nh[2] = (uint8_t)(u->next_hop >> 8);
		a->nh[3] = (uint8_t)u->next_hop;
	} else if (u->reach.present) {
		/* RFC 4760 section 3: for IPv6 the global address comes first
		 * (a link-local one may follow) */
		a->nh_len = u->reach.nh_len >= 16 ? 16 : u->reach.nh_len;
		memcpy(a->nh, u->reach.nh, a->nh_len);
	}
	a->hash = (uint32_t)attr_hash(a);
	return a;
}

static void attr_grow_buckets(pe_rib *t)
{
	size_t n = t->n_attr_buckets * 2;
	uint32_t *b = neto_malloc(n * sizeof *b);
	memset(b, 0xff, n * sizeof *b);
	for (size_t i = 0; i < t->n_attr_ids; i++) {
		pe_attr *a = t->attrs[i];
		if (a == NULL)
			continue;
		size_t s = a->hash & (n - 1);
		a->next = b[s];
		b[s] = (uint32_t)i;
	}
	free(t->attr_buckets);
	t->attr_buckets = b;
	t->n_attr_buckets = n;
}

/* Interns a (takes it): the id of an equal set with one more reference. */
static uint32_t attr_intern(pe_rib *t, pe_attr *a)
{
	size_t s = a->hash & (t->n_attr_buckets - 1);
	for (uint32_t i = t->attr_buckets[s]; i != PE_NONE; i = t->attrs[i]->next) {
		if (attr_eq(t->attrs[i], a)) {
			free(a);
			t->attrs[i]->refs++;
			return i;
		}
	}
	uint32_t id;
	if (t->n_attr_free > 0) {
		id = t->attr_free[--t->n_attr_free];
	} else {
		if (t->n_attr_ids == t->cap_attrs) {
			t->cap_attrs = t->cap_attrs ? t->cap_attrs * 2 : 1024;
			t->attrs = neto_reallocarray(t->attrs, t->cap_attrs, sizeof *t->attrs);
		}
		id = (uint32_t)t->n_attr_ids++;
	}
	a->refs = 1;
	a->next = t->attr_buckets[s];
	t->attr_buckets[s] = id;
	t->attrs[id] = a;
	t->n_attrs++;
	t->attr_bytes += attr_size(a);
	if (t->n_attrs > t->n_attr_buckets)
		attr_grow_buckets(t);
	return id;
}

static void attr_unref(pe_rib *t, uint32_t id)
{
	pe_attr *a = t->attrs[id];
	if (--a->refs > 0)
		return;
	uint32_t *pp = &t->attr_buckets[a->hash & (t->n_attr_buckets - 1)];
	while (*pp != id)
		pp = &t->attrs[*pp]->next;
	*pp = a->next;
	t->attr_bytes -= attr_size(a);
	free(a);
	t->attrs[id] = NULL;
	t->n_attrs--;
	if (t->n_attr_free == t->cap_attr_free) {
		t->cap_attr_free = t->cap_attr_free ? t->cap_attr_free * 2 : 256;
		t->attr_free = neto_reallocarray(t->attr_free, t->cap_attr_free,
						 sizeof *t->attr_free);
	}
	t->attr_free[t->n_attr_free++] = id;
}

uint32_t pe_attr_neighbor_as(const pe_attr *a)
{
	return a->n_asns > 0 ? pe_attr_asns(a)[0] : 0;
}

/* ---- routes --------------------------------------------------------------- */

static uint32_t route_alloc(pe_rib *t)
{
	if (t->free_route != PE_NONE) {
		uint32_t r = t->free_route;
		t->free_route = t->routes[r].next;
		return r;
	}
	if (t->n_routes_used == t->cap_routes) {
		t->cap_routes = t->cap_routes ? t->cap_routes + t->cap_routes / 2 : 4096;
		t->routes = neto_reallocarray(t->routes, t->cap_routes, sizeof *t->routes);
	}
	return (uint32_t)t->n_routes_used++;
}

void pe_rib_announce(pe_rib *t, uint16_t peer, int family, const uint8_t *addr, uint8_t len,
		     const bgp_update *u)
{
	uint32_t pi = pfx_get(t, family, addr, len);
	uint32_t aid = attr_intern(t, attr_build(u, family));
	rib_pfx *p = &t->pfx[pi];
	for (uint32_t r = p->first; r != PE_NONE; r = t->routes[r].next) {
		if (t->routes[r].peer == peer) {
			/* an implicit withdraw (RFC 4271 section 3.1) */
			attr_unref(t, t->routes[r].attr);
			t->routes[r].attr = aid;
			return;
		}
	}
	uint32_t r = route_alloc(t);
	p = &t->pfx[pi];
	t->routes[r].peer = peer;
	t->routes[r].attr = aid;
	t->routes[r].next = p->first;
	p->first = r;
	p->n_routes++;
	t->n_routes++;
	if (peer < t->n_peers)
		t->peers[peer].n_routes++;
}

static void route_unlink(pe_rib *t, rib_pfx *p, uint32_t *pp)
{
	uint32_t r = *pp;
	*pp = t->routes[r].next;
	attr_unref(t, t->routes[r].attr);
	if (t->routes[r].peer < t->n_peers)
		t->peers[t->routes[r].peer].n_routes--;
	t->routes[r].next = t->free_route;
	t->free_route = r;
	p->n_routes--;
	t->n_routes--;
}

bool pe_rib_withdraw(pe_rib *t, uint16_t peer, int family, const uint8_t *addr, uint8_t len)
{
	uint32_t pi = pe_rib_find(t, family, addr, len);
	if (pi == PE_NONE)
		return false;
	rib_pfx *p = &t->pfx[pi];
	for (uint32_t *pp = &p->first; *pp != PE_NONE; pp = &t->routes[*pp].next) {
		if (t->routes[*pp].peer == peer) {
			route_unlink(t, p, pp);
			return true;
		}
	}
	return false;
}

size_t pe_rib_router_down(pe_rib *t, uint32_t router)
{
	size_t n = 0;
	for (size_t i = 0; i < t->n_peers; i++)
		if (t->peers[i].router == router) {
			n += pe_rib_peer_down(t, (uint16_t)i);
			t->peers[i].up = false;
		}
	return n;
}

size_t pe_rib_router_routes(const pe_rib *t, uint32_t router)
{
	size_t n = 0;
	for (size_t i = 0; i < t->n_peers; i++)
		if (t->peers[i].router == router)
			n += t->peers[i].n_routes;
	return n;
}

size_t pe_rib_peer_down(pe_rib *t, uint16_t peer)
{
	size_t n = 0;
	if (peer < t->n_peers && t->peers[peer].n_routes == 0)
		return 0;
	for (size_t i = 0; i < t->n_pfx; i++) {
		rib_pfx *p = &t->pfx[i];
		uint32_t *pp = &p->first;
		while (*pp != PE_NONE) {
			if (t->routes[*pp].peer == peer) {
				route_unlink(t, p, pp);
				n++;
			} else {
				pp = &t->routes[*pp].next;
			}
		}
	}
	return n;
}

void pe_rib_peer_set_up(pe_rib *t, uint16_t peer, bool up)
{
	if (peer < t->n_peers)
		t->peers[peer].up = up;
}

size_t pe_rib_routes(const pe_rib *t, uint32_t i, pe_route *out, size_t max)
{
	size_t n = 0;
	for (uint32_t r = t->pfx[i].first; r != PE_NONE; r = t->routes[r].next, n++) {
		if (n < max) {
			out[n].peer = t->routes[r].peer;
			out[n].attr = t->attrs[t->routes[r].attr];
		}
	}
	return n;
}

size_t pe_rib_n_routes(const pe_rib *t)
{
	return t->n_routes;
}

size_t pe_rib_n_attrs(const pe_rib *t)
{
	return t->n_attrs;
}

size_t pe_rib_bytes(const pe_rib *t)
{
	return sizeof *t + t->cap_pfx * sizeof *t->pfx + t->n_slots * sizeof *t->pfx_slots +
	       t->cap_routes * sizeof *t->routes + t->cap_attrs * sizeof *t->attrs +
	       t->cap_attr_free * sizeof *t->attr_free +
	       t->n_attr_buckets * sizeof *t->attr_buckets + t->attr_bytes +
	       t->cap_peers * sizeof *t->peers;
}

/* ---- BMP ------------------------------------------------------------------ */

static void announce_all(pe_rib *t, uint16_t peer, const bgp_pfx *p, size_t n, int family,
			 const bgp_update *u)
{
	for (size_t i = 0; i < n; i++)
		pe_rib_announce(t, peer, family, p[i].addr, p[i].len, u);
}

static void withdraw_all(pe_rib *t, uint16_t peer, const bgp_pfx *p, size_t n, int family)
{
	for (size_t i = 0; i < n; i++)
		(void)pe_rib_withdraw(t, peer, family, p[i].addr, p[i].len);
}

int pe_mp_family(const bgp_mp *mp)
{
	if (!mp->present || mp->safi != BGP_SAFI_UNICAST)
		return 0;
	return mp->afi == BGP_AFI_IPV4 ? 4 : mp->afi == BGP_AFI_IPV6 ? 6 : 0;
}

int pe_rib_apply(pe_rib *t, uint32_t router, const bmp_msg *m, neto_err *err)
{
	if (m->type != BMP_ROUTE_MONITORING && m->type != BMP_PEER_UP &&
	    m->type != BMP_PEER_DOWN)
		return 0;
	uint16_t peer;
	if (pe_rib_peer_id(t, router, &m->peer, &peer, err) != 0)
		return -1;
	if (m->type == BMP_PEER_UP) {
		t->peers[peer].up = true;
		return 0;
	}
	if (m->type == BMP_PEER_DOWN) {
		t->peers[peer].up = false;
		(void)pe_rib_peer_down(t, peer);
		return 0;
	}
	/* RFC 7854 section 4.2 L, RFC 8671 O: only the pre-policy Adj-RIB-In
	 * is each ISP's offer */
	if (m->peer.flags & (BMP_FLAG_L | BMP_FLAG_O) || m->peer.type == BMP_PEER_LOC_RIB)
		return 0;
	const bgp_update *u = &m->update;
	withdraw_all(t, peer, u->withdrawn, u->n_withdrawn, 4);
	int uf = pe_mp_family(&u->unreach);
	if (uf)
		withdraw_all(t, peer, u->unreach.pfx, u->unreach.n_pfx, uf);
	int rf = pe_mp_family(&u->reach);
	if (m->update_rc == BGP_TREAT_AS_WITHDRAW) {
		/* RFC 7606 section 2: the announced prefixes are withdrawn */
		withdraw_all(t, peer, u->nlri, u->n_nlri, 4);
		if (rf)
			withdraw_all(t, peer, u->reach.pfx, u->reach.n_pfx, rf);
		return 0;
	}
	announce_all(t, peer, u->nlri, u->n_nlri, 4, u);
	if (rf)
		announce_all(t, peer, u->reach.pfx, u->reach.n_pfx, rf, u);
	return 0;
}

/* ---- best path ------------------------------------------------------------ */

int pe_route_cmp(const pe_rib *t, const pe_route *a, const pe_route *b)
{
	const pe_attr *x = a->attr, *y = b->attr;
	/* RFC 4271 section 9.1.1: LOCAL_PREF; an eBGP route carries none and
	 * the router's default (100 on every common implementation) applies */
	uint32_t lx = x->has & PE_HAS_LP ? x->local_pref : 100;
	uint32_t ly = y->has & PE_HAS_LP ? y->local_pref : 100;
	if (lx != ly)
		return lx > ly ? -1 : 1;
	/* 9.1.2.2 a) - c) */
	if (x->path_len != y->path_len)
		return x->path_len < y->path_len ? -1 : 1;
	if (x->origin != y->origin)
		return x->origin < y->origin ? -1 : 1;
	if (pe_attr_neighbor_as(x) == pe_attr_neighbor_as(y)) {
		uint32_t mx = x->has & PE_HAS_MED ? x->med : 0;
		uint32_t my = y->has & PE_HAS_MED ? y->med : 0;
		if (mx != my)
			return mx < my ? -1 : 1;
	}
	/* f) lowest BGP identifier, g) lowest peer address */
	const pe_rib_peer *px = pe_rib_peer_get(t, a->peer), *py = pe_rib_peer_get(t, b->peer);
	if (px != NULL && py != NULL) {
		if (px->bgp_id != py->bgp_id)
			return px->bgp_id < py->bgp_id ? -1 : 1;
		int c = memcmp(px->addr, py->addr, 16);
		if (c != 0)
			return c;
	}
	return a->peer < b->peer ? -1 : a->peer > b->peer;
}
