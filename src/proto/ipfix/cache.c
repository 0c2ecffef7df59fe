/*
 * cache.c - the template cache of the IPFIX and NetFlow v9 decoders.
 *
 * Templates live in a chained hash table keyed by (exporter address,
 * observation domain, template ID, version); the table doubles when it
 * holds as many templates as buckets. Nothing is allocated from a count an
 * exporter declared: a template's size is bounded by its set's length, and
 * the number of templates by cfg.max_templates (new ones are refused, and
 * counted, once it is reached), so a hostile exporter can hold at most
 * max_templates x 64 KiB.
 *
 * Expiry (RFC 7011 s8.4): a template is valid for template_timeout after
 * it was last received; lookups treat an older one as absent. An expired
 * or withdrawn template stays, dead, for pending_timeout with the
 * fingerprint of its definition: a data set that arrives meanwhile was
 * probably written with it, and is replayed only if the template that
 * comes next has the same definition (otherwise it is dropped, never
 * decoded with a layout it was not written with).
 *
 * Early data sets wait in a FIFO of bounded total size; the oldest goes
 * (counted as dropped) when a new one does not fit or when it is older
 * than pending_timeout.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"
#include "proto/ipfix/ipfix_int.h"

void ipfix_cache_cfg_defaults(ipfix_cache_cfg *c)
{
	c->template_timeout_ms = 30 * 60 * 1000;
	c->max_templates = 65536;
	c->max_pending_bytes = (size_t)1 << 20;
	c->pending_timeout_ms = 60 * 1000;
}

ipfix_cache *ipfix_cache_new(const ipfix_cache_cfg *cfg)
{
	ipfix_cache *c = neto_calloc(1, sizeof *c);
	if (cfg)
		c->cfg = *cfg;
	else
		ipfix_cache_cfg_defaults(&c->cfg);
	c->nb = 64;
	c->tb = neto_calloc(c->nb, sizeof *c->tb);
	c->ndb = 64;
	c->db = neto_calloc(c->ndb, sizeof *c->db);
	return c;
}

void ipfix_cache_free(ipfix_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nb; i++)
		for (ipfix_tmpl *t = c->tb[i], *nx; t; t = nx) {
			nx = t->next;
			free(t);
		}
	for (size_t i = 0; i < c->ndb; i++)
		for (ipfix_dom *d = c->db[i], *nx; d; d = nx) {
			nx = d->next;
			free(d);
		}
	for (ipfix_pending *p = c->pq_head, *nx; p; p = nx) {
		nx = p->next;
		free(p);
	}
	free(c->tb);
	free(c->db);
	free(c);
}

const ipfix_stats *ipfix_cache_stats(const ipfix_cache *c)
{
	return &c->st;
}

size_t ipfix_cache_templates(const ipfix_cache *c)
{
	return c->n - c->ndead;
}

static bool addr_eq(const ipfix_addr *a, const ipfix_addr *b)
{
	if (a->family != b->family)
		return false;
	return memcmp(a->a, b->a, a->family == 4 ? 4 : 16) == 0;
}

bool ipfix_key_eq(const ipfix_key *a, const ipfix_key *b)
{
	return a->tid == b->tid && a->domain == b->domain && a->version == b->version &&
	       addr_eq(&a->exp, &b->exp);
}

/* FNV-1a over the key's fields */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static uint64_t addr_hash(const ipfix_addr *a, uint32_t domain, uint8_t version)
{
	uint64_t h = 14695981039346656037ULL;
	h = fnv(h, &a->family, 1);
	h = fnv(h, a->a, a->family == 4 ? 4 : 16);
	h = fnv(h, &domain, sizeof domain);
	return fnv(h, &version, 1);
}

static uint64_t key_hash(const ipfix_key *k)
{
	uint64_t h = addr_hash(&k->exp, k->domain, k->version);
	return fnv(h, &k->tid, sizeof k->tid);
}

static void tmpl_unlink(ipfix_cache *c, ipfix_tmpl **pp)
{
	ipfix_tmpl *t = *pp;
	*pp = t->next;
	if (t->dead)
		c->ndead--;
	free(t);
	c->n--;
}

static void kill(ipfix_cache *c, ipfix_tmpl *t, int64_t now_ms)
{
	if (t->dead)
		return;
	t->dead = true;
	t->dead_since = now_ms;
	c->ndead++;
}

uint64_t ipfix_tmpl_fingerprint(const ipfix_tmpl *t)
{
	uint64_t h = 14695981039346656037ULL;
	h = fnv(h, &t->n, sizeof t->n);
	h = fnv(h, &t->scope_n, sizeof t->scope_n);
	for (size_t i = 0; i < t->n; i++) {
		h = fnv(h, &t->f[i].ie, sizeof t->f[i].ie);
		h = fnv(h, &t->f[i].len, sizeof t->f[i].len);
		h = fnv(h, &t->f[i].pen, sizeof t->f[i].pen);
	}
	return h ? h : 1;
}

ipfix_tmpl *ipfix_tmpl_find(ipfix_cache *c, const ipfix_key *k, int64_t now_ms, uint64_t *fp)
{
	if (fp)
		*fp = 0;
	for (ipfix_tmpl *t = c->tb[key_hash(k) & (c->nb - 1)]; t; t = t->next) {
		if (!ipfix_key_eq(&t->key, k))
			continue;
		if (!t->dead && t->expires_ms <= now_ms) {
			kill(c, t, now_ms);
			c->st.templates_expired++;
		}
		if (t->dead) {
			if (fp)
				*fp = t->fp;
			return NULL;
		}
		return t;
	}
	return NULL;
}

static void grow(ipfix_cache *c)
{
	size_t nb = c->nb * 2;
	ipfix_tmpl **tb = neto_calloc(nb, sizeof *tb);
	for (size_t i = 0; i < c->nb; i++)
		for (ipfix_tmpl *t = c->tb[i], *nx; t; t = nx) {
			nx = t->next;
			size_t b = key_hash(&t->key) & (nb - 1);
			t->next = tb[b];
			tb[b] = t;
		}
	free(c->tb);
	c->tb = tb;
	c->nb = nb;
}

bool ipfix_tmpl_put(ipfix_cache *c, ipfix_tmpl *t)
{
	ipfix_tmpl **pp = &c->tb[key_hash(&t->key) & (c->nb - 1)];
	for (; *pp; pp = &(*pp)->next)
		if (ipfix_key_eq(&(*pp)->key, &t->key)) {
			/* a refresh or a redefinition: the new one wins */
			t->next = (*pp)->next;
			if ((*pp)->dead)
				c->ndead--;
			free(*pp);
			*pp = t;
			return true;
		}
	if (c->n - c->ndead >= c->cfg.max_templates) {
		free(t);
		c->st.templates_refused++;
		return false;
	}
	t->next = c->tb[key_hash(&t->key) & (c->nb - 1)];
	c->tb[key_hash(&t->key) & (c->nb - 1)] = t;
	c->n++;
	if (c->n > c->nb)
		grow(c);
	return true;
}

size_t ipfix_tmpl_withdraw(ipfix_cache *c, const ipfix_key *k, int64_t now_ms)
{
	size_t gone = 0;
	bool all = k->version == IPFIX_VERSION &&
		   (k->tid == IPFIX_SET_TEMPLATE || k->tid == IPFIX_SET_OPTIONS);
	if (!all) {
		for (ipfix_tmpl *t = c->tb[key_hash(k) & (c->nb - 1)]; t; t = t->next)
			if (ipfix_key_eq(&t->key, k) && !t->dead) {
				kill(c, t, now_ms);
				return 1;
			}
		return 0;
	}
	/* RFC 7011 s8.1: ID 2 withdraws all templates of the domain, ID 3 all
	 * options templates */
	bool options = k->tid == IPFIX_SET_OPTIONS;
	for (size_t i = 0; i < c->nb; i++)
		for (ipfix_tmpl *t = c->tb[i]; t; t = t->next)
			if (!t->dead && t->key.domain == k->domain &&
			    t->key.version == k->version && addr_eq(&t->key.exp, &k->exp) &&
			    (t->scope_n > 0) == options) {
				kill(c, t, now_ms);
				gone++;
			}
	return gone;
}

ipfix_dom *ipfix_dom_get(ipfix_cache *c, const ipfix_addr *exp, uint32_t domain,
			 uint8_t version, bool create)
{
	size_t b = addr_hash(exp, domain, version) & (c->ndb - 1);
	for (ipfix_dom *d = c->db[b]; d; d = d->next)
		if (d->domain == domain && d->version == version && addr_eq(&d->exp, exp))
			return d;
	if (!create || c->nd >= IPFIX_MAX_DOMAINS)
		return NULL;
	if (c->nd >= c->ndb) {
		size_t nb = c->ndb * 2;
		ipfix_dom **db = neto_calloc(nb, sizeof *db);
		for (size_t i = 0; i < c->ndb; i++)
			for (ipfix_dom *d = c->db[i], *nx; d; d = nx) {
				nx = d->next;
				size_t j = addr_hash(&d->exp, d->domain, d->version) & (nb - 1);
				d->next = db[j];
				db[j] = d;
			}
		free(c->db);
		c->db = db;
		c->ndb = nb;
		b = addr_hash(exp, domain, version) & (c->ndb - 1);
	}
	ipfix_dom *d = neto_calloc(1, sizeof *d);
	d->exp = *exp;
	d->domain = domain;
	d->version = version;
	d->next = c->db[b];
	c->db[b] = d;
	c->nd++;
	return d;
}

void ipfix_dom_set_sampler(ipfix_dom *d, uint32_t id, uint32_t n)
{
	for (size_t i = 0; i < d->n_samplers; i++)
		if (d->samplers[i].id == id) {
			d->samplers[i].n = n;
			return;
		}
	if (d->n_samplers < IPFIX_MAX_SAMPLERS)
		d->samplers[d->n_samplers++] = (ipfix_sampler){ id, n };
}

uint32_t ipfix_dom_sampling(const ipfix_dom *d, uint32_t id)
{
	for (size_t i = 0; i < d->n_samplers; i++)
		if (d->samplers[i].id == id)
			return d->samplers[i].n;
	/* a record that names no sampler, in a domain with exactly one: that one */
	if (id == 0 && d->n_samplers == 1)
		return d->samplers[0].n;
	return 0;
}

void ipfix_pending_drop(ipfix_cache *c, ipfix_pending *p)
{
	c->st.sets_dropped++;
	c->st.bytes_dropped += p->len;
	free(p);
}

static void pending_drop_head(ipfix_cache *c)
{
	ipfix_pending *p = c->pq_head;
	c->pq_head = p->next;
	if (!c->pq_head)
		c->pq_tail = NULL;
	c->pq_bytes -= p->len;
	ipfix_pending_drop(c, p);
}

void ipfix_pending_add(ipfix_cache *c, const ipfix_key *k, uint64_t fp, int64_t now_ms,
		       int64_t export_ms, int64_t boot_ms, const uint8_t *data, size_t len)
{
	if (len > c->cfg.max_pending_bytes) {
		c->st.sets_dropped++;
		c->st.bytes_dropped += len;
		return;
	}
	while (c->pq_head && c->pq_bytes + len > c->cfg.max_pending_bytes)
		pending_drop_head(c);
	ipfix_pending *p = neto_malloc(sizeof *p + len);
	p->next = NULL;
	p->key = *k;
	p->fp = fp;
	p->received_ms = now_ms;
	p->export_ms = export_ms;
	p->boot_ms = boot_ms;
	p->len = len;
	memcpy(p->data, data, len);
	if (c->pq_tail)
		c->pq_tail->next = p;
	else
		c->pq_head = p;
	c->pq_tail = p;
	c->pq_bytes += len;
	c->st.sets_pending++;
}

ipfix_pending *ipfix_pending_take(ipfix_cache *c, const ipfix_key *k)
{
	ipfix_pending *prev = NULL;
	for (ipfix_pending *p = c->pq_head; p; prev = p, p = p->next) {
		if (!ipfix_key_eq(&p->key, k))
			continue;
		if (prev)
			prev->next = p->next;
		else
			c->pq_head = p->next;
		if (c->pq_tail == p)
			c->pq_tail = prev;
		c->pq_bytes -= p->len;
		p->next = NULL;
		return p;
	}
	return NULL;
}

void ipfix_cache_expire(ipfix_cache *c, int64_t now_ms)
{
	for (size_t i = 0; i < c->nb; i++)
		for (ipfix_tmpl **pp = &c->tb[i]; *pp;) {
			ipfix_tmpl *t = *pp;
			if (!t->dead && t->expires_ms <= now_ms) {
				kill(c, t, now_ms);
				c->st.templates_expired++;
			}
			if (t->dead && t->dead_since + c->cfg.pending_timeout_ms <= now_ms)
				tmpl_unlink(c, pp);
			else
				pp = &t->next;
		}
	while (c->pq_head && c->pq_head->received_ms + c->cfg.pending_timeout_ms <= now_ms)
		pending_drop_head(c);
}
