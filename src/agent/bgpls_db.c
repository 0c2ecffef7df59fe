/*
 * bgpls_db.c - BGP-LS link-state database and topology (see bgpls_db.h).
 *
 * Slots are never freed while the database lives: a withdrawn entry is
 * marked dead and its slot (found through the index by the same key) is
 * reused when the NLRI comes back, so the index needs no deletion. The
 * memory held is bounded by the distinct NLRI a collector has seen.
 */
#include "agent/bgpls_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"

void bgpls_db_init(bgpls_db *db)
{
	memset(db, 0, sizeof *db);
	neto_strmap_init(&db->index);
}

void bgpls_db_free(bgpls_db *db)
{
	for (size_t i = 0; i < db->n; i++)
		free(db->e[i].key);
	free(db->e);
	neto_strmap_free(&db->index);
	memset(db, 0, sizeof *db);
}

/* The slot of (peer, NLRI bytes), created dead when absent. */
static bgpls_entry *slot(bgpls_db *db, uint32_t peer, const uint8_t *raw, size_t len)
{
	char stack[512];
	size_t klen = 4 + len;
	char *k = klen <= sizeof stack ? stack : neto_malloc(klen);
	memcpy(k, &peer, 4);
	memcpy(k + 4, raw, len);
	uint32_t idx;
	if (!neto_strmap_get(&db->index, k, klen, &idx)) {
		if (db->n == db->cap) {
			db->cap = db->cap ? db->cap * 2 : 64;
			db->e = neto_reallocarray(db->e, db->cap, sizeof *db->e);
		}
		idx = (uint32_t)db->n++;
		bgpls_entry *e = &db->e[idx];
		memset(e, 0, sizeof *e);
		e->peer = peer;
		e->key = neto_malloc(len ? len : 1);
		memcpy(e->key, raw, len);
		e->key_len = len;
		e->dead = true;
		neto_strmap_put(&db->index, k, klen, idx, NULL);
	}
	if (k != stack)
		free(k);
	return &db->e[idx];
}

size_t bgpls_db_update(bgpls_db *db, uint32_t peer, const bgp_update *u, int rc)
{
	size_t changed = 0;
	neto_err err;
	/* RFC 4760: withdrawals first, then announcements */
	const bgp_mp *lists[2] = { &u->unreach, &u->reach };
	bgpls_attr attr;
	bool has_attr = false;
	if (u->reach.present && u->ls_attr != NULL) {
		if (bgpls_attr_decode(u->ls_attr, u->ls_attr_len, &attr, &err) == 0) {
			has_attr = true;
			db->stats.unknown_tlvs += attr.n_unknown;
		} else {
			db->stats.attr_discarded++;	/* RFC 9552 section 8.2.2 */
		}
	}
	for (int li = 0; li < 2; li++) {
		const bgp_mp *m = lists[li];
		if (!m->present || m->afi != BGP_AFI_LS || m->safi != BGP_SAFI_LS)
			continue;
		bool withdraw = li == 0 || rc == BGP_TREAT_AS_WITHDRAW;
		wire_rd r = wire_rd_init(m->raw, m->raw_len);
		while (wire_left(&r) > 0) {
			bgpls_nlri n;
			const uint8_t *raw = NULL;
			size_t raw_len = 0;
			int nrc = bgpls_nlri_decode(&r, &n, &raw, &raw_len, &err);
			if (nrc < 0) {
				db->stats.malformed_nlri++;
				break;
			}
			db->stats.unknown_tlvs += n.n_unknown;
			if (nrc == 1)
				db->stats.malformed_nlri++;
			bgpls_entry *e = slot(db, peer, raw, raw_len);
			if (withdraw || nrc == 1) {
				/* a malformed NLRI is treated as withdrawn */
				if (!e->dead) {
					e->dead = true;
					db->stats.withdrawn++;
					changed++;
				}
				continue;
			}
			if (e->dead)
				db->stats.added++;
			else
				db->stats.replaced++;
			e->dead = false;
			e->stale = false;
			e->nlri = n;
			e->has_attr = has_attr;
			if (has_attr)
				e->attr = attr;
			changed++;
		}
	}
	if (changed)
		db->generation++;
	return changed;
}

void bgpls_db_peer_down(bgpls_db *db, uint32_t peer, double now)
{
	for (size_t i = 0; i < db->n; i++) {
		bgpls_entry *e = &db->e[i];
		if (e->peer == peer && !e->dead && !e->stale) {
			e->stale = true;
			e->stale_since = now;
		}
	}
}

size_t bgpls_db_expire(bgpls_db *db, double now, double hold)
{
	size_t k = 0;
	for (size_t i = 0; i < db->n; i++) {
		bgpls_entry *e = &db->e[i];
		if (!e->dead && e->stale && now - e->stale_since >= hold) {
			e->dead = true;
			k++;
		}
	}
	db->stats.expired += k;
	if (k)
		db->generation++;
	return k;
}

size_t bgpls_db_count(const bgpls_db *db)
{
	size_t k = 0;
	for (size_t i = 0; i < db->n; i++)
		k += !db->e[i].dead;
	return k;
}

/* ---- topology ---------------------------------------------------------- */

/* A node's identity: AS, BGP-LS ID, IGP router ID (RFC 9552 section
 * 5.2.1.4; the Identifier and protocol are not part of it, so that the
 * same router seen by IS-IS level 1 and level 2 is one node). */
static size_t node_key(const bgpls_node_desc *d, char *out)
{
	size_t k = 0;
	memcpy(out + k, &d->asn, 4);
	k += 4;
	memcpy(out + k, &d->ls_id, 4);
	k += 4;
	out[k++] = (char)d->rid_len;
	memcpy(out + k, d->rid, d->rid_len);
	return k + d->rid_len;
}

typedef struct tnode {
	char name[300];
	const bgpls_node_desc *desc;
	bool has_locator;
	uint8_t locator[16];
	uint8_t locator_len;
	uint32_t idx;
} tnode;

typedef struct tlink {
	char id[700];
	uint32_t a, b;	/* tnode indices */
	const bgpls_entry *e;
} tlink;

typedef struct build {
	tnode *nodes;
	size_t n_nodes;
	neto_strmap by_key;
} build;

static uint32_t node_of(build *b, const bgpls_node_desc *d)
{
	char k[32];
	size_t kl = node_key(d, k);
	uint32_t idx;
	if (neto_strmap_get(&b->by_key, k, kl, &idx))
		return idx;
	b->nodes = neto_reallocarray(b->nodes, b->n_nodes + 1, sizeof *b->nodes);
	tnode *n = &b->nodes[b->n_nodes];
	memset(n, 0, sizeof *n);
	n->desc = d;
	bgpls_rid_str(d, n->name, sizeof n->name);
	idx = (uint32_t)b->n_nodes++;
	neto_strmap_put(&b->by_key, k, kl, idx, NULL);
	return idx;
}

static int cmp_node(const void *x, const void *y)
{
	return strcmp(((const tnode *)x)->name, ((const tnode *)y)->name);
}

static int cmp_link(const void *x, const void *y)
{
	return strcmp(((const tlink *)x)->id, ((const tlink *)y)->id);
}

static bool same_desc(const bgpls_node_desc *a, const bgpls_node_desc *b)
{
	char ka[32], kb[32];
	size_t la = node_key(a, ka), lb = node_key(b, kb);
	return la == lb && memcmp(ka, kb, la) == 0;
}

/* Is r the reverse direction of link NLRI l? Same ends swapped, and the
 * link identifiers or interface addresses swapped when both carry them. */
static bool reverse_of(const bgpls_nlri *l, const bgpls_nlri *r)
{
	if (!same_desc(&l->local, &r->remote) || !same_desc(&l->remote, &r->local))
		return false;
	if ((l->link_has & BGPLS_LD_IDS) && (r->link_has & BGPLS_LD_IDS))
		return l->local_id == r->remote_id && l->remote_id == r->local_id;
	if ((l->link_has & BGPLS_LD_V4_LOCAL) && (r->link_has & BGPLS_LD_V4_REMOTE))
		return memcmp(l->v4_local, r->v4_remote, 4) == 0;
	if ((l->link_has & BGPLS_LD_V6_LOCAL) && (r->link_has & BGPLS_LD_V6_REMOTE))
		return memcmp(l->v6_local, r->v6_remote, 16) == 0;
	return true;
}

size_t bgpls_db_node_sids(const bgpls_db *db, const bgpls_node_desc *d,
			  const bgpls_entry **out, size_t cap)
{
	size_t k = 0;
	for (size_t i = 0; i < db->n; i++) {
		const bgpls_entry *e = &db->e[i];
		if (e->dead || e->nlri.type != BGPLS_NLRI_SRV6_SID || !same_desc(&e->nlri.local, d))
			continue;
		if (k < cap)
			out[k] = e;
		k++;
	}
	return k;
}

int bgpls_db_topology(bgpls_db *db, topo *t, neto_err *err)
{
	build b;
	memset(&b, 0, sizeof b);
	neto_strmap_init(&b.by_key);
	topo_init(t);
	db->stats.links_one_way = 0;
	db->stats.links_no_bandwidth = 0;
	/* nodes: node NLRI first (names), then ends of links */
	for (size_t i = 0; i < db->n; i++) {
		const bgpls_entry *e = &db->e[i];
		if (e->dead || e->nlri.type != BGPLS_NLRI_NODE)
			continue;
		uint32_t v = node_of(&b, &e->nlri.local);	/* may move b.nodes */
		tnode *n = &b.nodes[v];
		if (e->has_attr && BGPLS_ATTR_HAS(&e->attr, BGPLS_A_NODE_NAME))
			snprintf(n->name, sizeof n->name, "%s", e->attr.name);
		else if (e->has_attr && BGPLS_ATTR_HAS(&e->attr, BGPLS_A_RID4_LOCAL))
			snprintf(n->name, sizeof n->name, "%u.%u.%u.%u", e->attr.rid4_local[0],
				 e->attr.rid4_local[1], e->attr.rid4_local[2],
				 e->attr.rid4_local[3]);
	}
	for (size_t i = 0; i < db->n; i++) {
		const bgpls_entry *e = &db->e[i];
		if (e->dead)
			continue;
		if (e->nlri.type == BGPLS_NLRI_LINK) {
			node_of(&b, &e->nlri.local);
			node_of(&b, &e->nlri.remote);
		} else if (e->nlri.type == BGPLS_NLRI_PREFIX6 && e->has_attr &&
			   BGPLS_ATTR_HAS(&e->attr, BGPLS_A_SRV6_LOCATOR)) {
			uint32_t v = node_of(&b, &e->nlri.local);
			tnode *n = &b.nodes[v];
			n->has_locator = true;
			memcpy(n->locator, e->nlri.prefix.addr, 16);
			n->locator_len = e->nlri.prefix.len;
		}
	}
	/* link entries grouped by their (local, remote) node pair, so that the
	 * candidates for the reverse of a link are found without a scan of the
	 * whole database: group -> chain of entries through next[] */
	neto_strmap pairs;
	neto_strmap_init(&pairs);
	uint32_t *next = neto_calloc(db->n ? db->n : 1, sizeof *next);
	uint32_t *head = NULL;
	size_t n_groups = 0;
	for (size_t i = 0; i < db->n; i++) {
		const bgpls_entry *e = &db->e[i];
		if (e->dead || e->nlri.type != BGPLS_NLRI_LINK)
			continue;
		char k[64];
		size_t kl = node_key(&e->nlri.local, k);
		kl += node_key(&e->nlri.remote, k + kl);
		uint32_t g;
		if (neto_strmap_put(&pairs, k, kl, (uint32_t)n_groups, &g)) {
			g = (uint32_t)n_groups++;
			head = neto_reallocarray(head, n_groups, sizeof *head);
			head[g] = UINT32_MAX;
		}
		next[i] = head[g];
		head[g] = (uint32_t)i;
	}
	/* links with both directions present (at most one per entry) */
	tlink *links = neto_reallocarray(NULL, db->n ? db->n : 1, sizeof *links);
	size_t n_links = 0;
	for (size_t i = 0; i < db->n; i++) {
		const bgpls_entry *e = &db->e[i];
		if (e->dead || e->nlri.type != BGPLS_NLRI_LINK)
			continue;
		bool two_way = false;
		char k[64];
		size_t kl = node_key(&e->nlri.remote, k);
		kl += node_key(&e->nlri.local, k + kl);
		uint32_t g;
		if (neto_strmap_get(&pairs, k, kl, &g))
			for (uint32_t j = head[g]; j != UINT32_MAX && !two_way; j = next[j])
				two_way = reverse_of(&e->nlri, &db->e[j].nlri);
		if (!two_way) {
			db->stats.links_one_way++;
			continue;
		}
		if (!e->has_attr || !(BGPLS_ATTR_HAS(&e->attr, BGPLS_A_MAX_BW) ||
				      BGPLS_ATTR_HAS(&e->attr, BGPLS_A_MAX_RSV_BW))) {
			db->stats.links_no_bandwidth++;
			continue;
		}
		tlink *l = &links[n_links++];
		l->e = e;
		l->a = node_of(&b, &e->nlri.local);
		l->b = node_of(&b, &e->nlri.remote);
	}
	/* names: sort nodes, then name the links after them */
	for (size_t i = 0; i < b.n_nodes; i++)
		b.nodes[i].idx = (uint32_t)i;
	tnode *sorted = neto_reallocarray(NULL, b.n_nodes ? b.n_nodes : 1, sizeof *sorted);
	if (b.n_nodes > 0) {
		memcpy(sorted, b.nodes, b.n_nodes * sizeof *sorted);
		qsort(sorted, b.n_nodes, sizeof *sorted, cmp_node);
	}
	uint32_t *topo_idx = neto_reallocarray(NULL, b.n_nodes ? b.n_nodes : 1, sizeof *topo_idx);
	int rc = 0;
	for (size_t i = 0; i < b.n_nodes && rc == 0; i++) {
		const tnode *n = &sorted[i];
		uint32_t v = topo_add_node(t, n->name, strlen(n->name), err);
		if (v == TOPO_NONE) {
			rc = -1;	/* two nodes with the same name */
			break;
		}
		topo_idx[n->idx] = v;
		if (n->has_locator) {
			t->nodes[v].has_locator = true;
			memcpy(t->nodes[v].locator, n->locator, 16);
			t->nodes[v].locator_len = n->locator_len;
		}
	}
	for (size_t i = 0; i < n_links && rc == 0; i++) {
		tlink *l = &links[i];
		const bgpls_nlri *n = &l->e->nlri;
		int k = snprintf(l->id, sizeof l->id, "%s-%s", b.nodes[l->a].name,
				 b.nodes[l->b].name);
		if (k > 0 && (size_t)k < sizeof l->id) {
			if (n->link_has & BGPLS_LD_IDS)
				snprintf(l->id + k, sizeof l->id - (size_t)k, ":%u", n->local_id);
			else if (n->link_has & BGPLS_LD_V4_LOCAL)
				snprintf(l->id + k, sizeof l->id - (size_t)k, ":%u.%u.%u.%u",
					 n->v4_local[0], n->v4_local[1], n->v4_local[2],
					 n->v4_local[3]);
		}
	}
	if (n_links > 0)
		qsort(links, n_links, sizeof *links, cmp_link);
	for (size_t i = 0; i < n_links && rc == 0; i++) {
		const tlink *l = &links[i];
		const bgpls_attr *a = &l->e->attr;
		uint32_t bw = BGPLS_ATTR_HAS(a, BGPLS_A_MAX_BW) ? a->max_bw : a->max_rsv_bw;
		double kbps = bgpls_bw_bps(bw) / 1000.0;
		uint32_t igp = BGPLS_ATTR_HAS(a, BGPLS_A_IGP_METRIC) ? a->igp_metric
			     : BGPLS_ATTR_HAS(a, BGPLS_A_TE_METRIC) ? a->te_metric : 1;
		if (igp == 0)
			igp = 1;
		double delay = BGPLS_ATTR_HAS(a, BGPLS_A_DELAY) ? (double)a->delay_us : 0;
		if (!(kbps > 0)) {
			db->stats.links_no_bandwidth++;
			continue;
		}
		uint32_t li = topo_add_link(t, l->id, strlen(l->id), topo_idx[l->a],
					    topo_idx[l->b], kbps, delay, igp, err);
		if (li == TOPO_NONE) {
			rc = -1;
			break;
		}
		topo_link *tl = &t->links[li];
		if (BGPLS_ATTR_HAS(a, BGPLS_A_SRLG) && a->n_srlg > 0) {
			tl->srlgs = neto_reallocarray(NULL, a->n_srlg, sizeof *tl->srlgs);
			memcpy(tl->srlgs, a->srlg, a->n_srlg * sizeof *tl->srlgs);
			tl->n_srlgs = a->n_srlg;
		}
		if (a->n_endx > 0) {
			tl->has_adj_sid = true;
			memcpy(tl->adj_sid, a->endx[0].sid, 16);
		}
	}
	if (rc == 0) {
		t->unit = neto_strdup("kbps");
		rc = topo_finish(t, err);
	}
	if (rc != 0) {
		topo_free(t);
		topo_init(t);
	}
	free(links);
	free(next);
	free(head);
	neto_strmap_free(&pairs);
	free(sorted);
	free(topo_idx);
	free(b.nodes);
	neto_strmap_free(&b.by_key);
	return rc;
}
