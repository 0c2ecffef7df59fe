/*
 * bgp_feed.c - a border router's ADD-PATH iBGP session into the peering
 * route table (bgp_feed.h).
 */
#include "pe/bgp_feed.h"

#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"

/* One path: (family, prefix, path identifier) -> table peer. family 0 is
 * a free slot, FEED_GONE one whose path was withdrawn (the probe chain
 * goes on past it). */
struct pe_feed_slot {
	uint8_t addr[16];
	uint32_t path_id;
	uint16_t peer;
	uint8_t family;
	uint8_t len;
};

#define FEED_GONE 0xff

void pe_bgp_feed_init(pe_bgp_feed *f, uint32_t router)
{
	memset(f, 0, sizeof *f);
	f->router = router;
}

void pe_bgp_feed_free(pe_bgp_feed *f)
{
	free(f->slots);
	f->slots = NULL;
	f->cap = f->used = f->live = 0;
}

static uint32_t slot_hash(int family, const uint8_t *addr, uint8_t len, uint32_t path_id)
{
	/* FNV-1a over the key's octets */
	uint32_t h = 2166136261u;
	uint8_t k[22];
	memcpy(k, addr, 16);
	k[16] = (uint8_t)family;
	k[17] = len;
	memcpy(k + 18, &path_id, 4);
	for (size_t i = 0; i < sizeof k; i++)
		h = (h ^ k[i]) * 16777619u;
	return h;
}

/* The slot of the path, or NULL. */
static pe_feed_slot *find(const pe_bgp_feed *f, int family, const uint8_t *addr, uint8_t len,
			  uint32_t path_id)
{
	if (f->cap == 0)
		return NULL;
	size_t mask = f->cap - 1;
	for (size_t i = slot_hash(family, addr, len, path_id) & mask;; i = (i + 1) & mask) {
		pe_feed_slot *s = &f->slots[i];
		if (s->family == 0)
			return NULL;
		if (s->family == family && s->len == len && s->path_id == path_id &&
		    memcmp(s->addr, addr, 16) == 0)
			return s;
	}
}

static void insert_slot(pe_bgp_feed *f, const pe_feed_slot *n)
{
	size_t mask = f->cap - 1;
	size_t i = slot_hash(n->family, n->addr, n->len, n->path_id) & mask;
	while (f->slots[i].family != 0 && f->slots[i].family != FEED_GONE)
		i = (i + 1) & mask;
	if (f->slots[i].family == 0)
		f->used++;
	f->slots[i] = *n;
	f->live++;
}

/* Room for one more path: the table is kept under 3/4 full, counting
 * withdrawn slots, and rebuilt without them when it would not be. */
static void reserve(pe_bgp_feed *f)
{
	if ((f->used + 1) * 4 <= f->cap * 3)
		return;
	size_t cap = f->cap ? f->cap : 1024;
	while ((f->live + 1) * 2 > cap)
		cap *= 2;
	pe_feed_slot *old = f->slots;
	size_t ocap = f->cap;
	f->slots = neto_calloc(cap, sizeof *f->slots);
	f->cap = cap;
	f->used = f->live = 0;
	for (size_t i = 0; i < ocap; i++)
		if (old[i].family != 0 && old[i].family != FEED_GONE)
			insert_slot(f, &old[i]);
	free(old);
}

/* The prefix as the table keys it: addr zero past len. */
static void key_addr(const bgp_pfx *p, uint8_t out[16])
{
	memset(out, 0, 16);
	size_t n = (p->len + 7u) / 8;
	if (n > 16)
		n = 16;
	memcpy(out, p->addr, n);
}

static void withdraw(pe_bgp_feed *f, pe_rib *t, const bgp_pfx *p, size_t n, int family)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t a[16];
		key_addr(&p[i], a);
		pe_feed_slot *s = find(f, family, a, p[i].len, p[i].path_id);
		if (s == NULL)
			continue;	/* a path we never had: nothing to do */
		(void)pe_rib_withdraw(t, s->peer, family, a, p[i].len);
		s->family = FEED_GONE;
		f->live--;
		f->withdrawn++;
	}
}

/* The next hop of the UPDATE's announcements (mp: those in MP_REACH_NLRI,
 * else the IPv4 NLRI field's, RFC 4760 section 3) in the 16 octets of a
 * BMP peer address (IPv4 in the last four, RFC 7854 section 4.2); false
 * when the UPDATE has none. */
static bool next_hop(const bgp_update *u, bool mp, uint8_t out[16])
{
	memset(out, 0, 16);
	if (!mp) {
		if (!BGP_ATTR_SEEN(u, BGP_ATTR_NEXT_HOP))
			return false;
		out[12] = (uint8_t)(u->next_hop >> 24);
		out[13] = (uint8_t)(u->next_hop >> 16);
		out[14] = (uint8_t)(u->next_hop >> 8);
		out[15] = (uint8_t)u->next_hop;
		return true;
	}
	/* RFC 4760 section 3: 4 octets for IPv4; 16 or 32 (global, then
	 * link-local, RFC 2545 section 3) for IPv6: the global one */
	if (u->reach.nh_len == 4) {
		memcpy(out + 12, u->reach.nh, 4);
		return true;
	}
	if (u->reach.nh_len == 16 || u->reach.nh_len == 32) {
		memcpy(out, u->reach.nh, 16);
		return true;
	}
	return false;
}

static int announce(pe_bgp_feed *f, pe_rib *t, const bgp_pfx *p, size_t n, int family,
		    bool mp, const bgp_update *u, neto_err *err)
{
	if (n == 0)
		return 0;
	bmp_peer_hdr h;
	memset(&h, 0, sizeof h);
	if (!next_hop(u, mp, h.addr)) {
		f->no_nexthop += n;
		return 0;
	}
	h.as = u->n_asns > 0 ? u->asns[0] : 0;
	uint16_t peer;
	if (pe_rib_peer_id(t, f->router, &h, &peer, err) != 0)
		return -1;
	pe_rib_peer_set_up(t, peer, true);
	for (size_t i = 0; i < n; i++) {
		uint8_t a[16];
		key_addr(&p[i], a);
		pe_feed_slot *s = find(f, family, a, p[i].len, p[i].path_id);
		if (s != NULL && s->peer != peer) {
			/* the path's next hop changed: it is now another ISP's */
			(void)pe_rib_withdraw(t, s->peer, family, a, p[i].len);
			s->peer = peer;
		} else if (s == NULL) {
			reserve(f);
			pe_feed_slot ns;
			memcpy(ns.addr, a, 16);
			ns.path_id = p[i].path_id;
			ns.peer = peer;
			ns.family = (uint8_t)family;
			ns.len = p[i].len;
			insert_slot(f, &ns);
		}
		pe_rib_announce(t, peer, family, a, p[i].len, u);
		f->announced++;
	}
	return 0;
}

int pe_bgp_feed_update(pe_bgp_feed *f, pe_rib *t, const bgp_update *u, int rc, neto_err *err)
{
	/* RFC 4724 section 2: End-of-RIB is an UPDATE with nothing in it for
	 * IPv4 unicast, and one with only an empty MP_UNREACH_NLRI for the
	 * other families */
	if (u->n_withdrawn == 0 && u->n_nlri == 0 && !u->reach.present) {
		if (u->seen == 0 && !u->unreach.present) {
			f->eor4 = true;
			return 0;
		}
		if (u->seen == (1u << BGP_ATTR_MP_UNREACH) && u->unreach.n_pfx == 0) {
			int fam = pe_mp_family(&u->unreach);
			if (fam == 4)
				f->eor4 = true;
			else if (fam == 6)
				f->eor6 = true;
			return 0;
		}
	}
	withdraw(f, t, u->withdrawn, u->n_withdrawn, 4);
	int uf = pe_mp_family(&u->unreach);
	if (uf)
		withdraw(f, t, u->unreach.pfx, u->unreach.n_pfx, uf);
	int rf = pe_mp_family(&u->reach);
	if (rc == BGP_TREAT_AS_WITHDRAW) {
		withdraw(f, t, u->nlri, u->n_nlri, 4);
		if (rf)
			withdraw(f, t, u->reach.pfx, u->reach.n_pfx, rf);
		return 0;
	}
	if (announce(f, t, u->nlri, u->n_nlri, 4, false, u, err) != 0)
		return -1;
	if (rf && announce(f, t, u->reach.pfx, u->reach.n_pfx, rf, true, u, err) != 0)
		return -1;
	return 0;
}

size_t pe_bgp_feed_down(pe_bgp_feed *f, pe_rib *t)
{
	size_t n = pe_rib_router_down(t, f->router);
	uint32_t router = f->router;
	pe_bgp_feed_free(f);
	pe_bgp_feed_init(f, router);
	return n;
}
