/*
 * collector_pe.c - external traffic per destination prefix (see
 * collector_pe.h).
 *
 * The hot path (one flow to the outside) is an open-addressing hash update
 * keyed by (window, family, /24 or /48 prefix, class, ingress): no
 * allocation per flow once the table has grown. The table never holds more
 * than cap entries. Ranking happens once per window at its flush: the
 * window's entries are grouped by prefix (a sort), the groups sorted by
 * total rate, the first top_n kept; O(n log n) in the window's entries.
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/collector_pe.h"
#include "lib/mem.h"

#define PFX_OCTETS 6	/* a /48 */

typedef struct pe_ent {
	int64_t window;		/* start ms; INT64_MIN: empty slot */
	uint8_t family;
	uint8_t pfx[PFX_OCTETS];
	uint32_t cls, ingress;
	uint64_t octets;
} pe_ent;

/* Octets and flows of one window that found the table full. */
typedef struct pe_ovf {
	int64_t window;
	uint64_t octets, flows;
} pe_ovf;

struct collector_pe {
	size_t top_n, cap;	/* cap: entries held at most */
	pe_ent *tab;
	size_t size, used;	/* slots (a power of two), entries */
	pe_ovf *ovf;
	size_t n_ovf;
};

static void tab_init(collector_pe *p, size_t size)
{
	p->size = size;
	p->used = 0;
	p->tab = neto_calloc(size, sizeof *p->tab);
	for (size_t i = 0; i < size; i++)
		p->tab[i].window = INT64_MIN;
}

collector_pe *collector_pe_new(size_t top_n, size_t cap)
{
	collector_pe *p = neto_calloc(1, sizeof *p);
	p->top_n = top_n ? top_n : 1;
	p->cap = cap ? cap : 1;
	tab_init(p, 256);
	return p;
}

void collector_pe_free(collector_pe *p)
{
	if (!p)
		return;
	free(p->tab);
	free(p->ovf);
	free(p);
}

size_t collector_pe_entries(const collector_pe *p)
{
	return p->used;
}

static bool same_key(const pe_ent *a, const pe_ent *b)
{
	return a->window == b->window && a->family == b->family && a->cls == b->cls &&
	       a->ingress == b->ingress && memcmp(a->pfx, b->pfx, PFX_OCTETS) == 0;
}

static size_t hash(const pe_ent *k)
{
	uint64_t h = (uint64_t)k->window * 0x9E3779B97F4A7C15ULL;
	uint64_t x = 0;
	memcpy(&x, k->pfx, PFX_OCTETS);
	h ^= x * 0xff51afd7ed558ccdULL;
	h ^= ((uint64_t)k->cls << 32 | k->ingress) * 0xc4ceb9fe1a85ec53ULL;
	h ^= k->family;
	return (size_t)(h ^ h >> 31);
}

/* The slot of k's key: its entry, or the empty slot where it would go. */
static pe_ent *slot(collector_pe *p, const pe_ent *k)
{
	size_t i = hash(k) & (p->size - 1);
	for (;; i = (i + 1) & (p->size - 1)) {
		pe_ent *e = &p->tab[i];
		if (e->window == INT64_MIN || same_key(e, k))
			return e;
	}
}

static void tab_rebuild(collector_pe *p, size_t size, int64_t drop_upto)
{
	pe_ent *old = p->tab;
	size_t n = p->size;
	tab_init(p, size);
	for (size_t i = 0; i < n; i++)
		if (old[i].window != INT64_MIN && old[i].window > drop_upto) {
			*slot(p, &old[i]) = old[i];
			p->used++;
		}
	free(old);
}

static void overflow(collector_pe *p, int64_t w, uint64_t octets)
{
	for (size_t i = 0; i < p->n_ovf; i++)
		if (p->ovf[i].window == w) {
			p->ovf[i].octets += octets;
			p->ovf[i].flows++;
			return;
		}
	p->ovf = neto_reallocarray(p->ovf, p->n_ovf + 1, sizeof *p->ovf);
	p->ovf[p->n_ovf++] = (pe_ovf){ w, octets, 1 };
}

void collector_pe_add(collector_pe *p, int64_t w, const ipfix_addr *dst, uint32_t cls,
		      uint32_t ingress, uint64_t octets)
{
	pe_ent k = { .window = w, .family = dst->family, .cls = cls, .ingress = ingress,
		     .octets = octets };
	/* the /24 of an IPv4 address, the /48 of an IPv6 one */
	memcpy(k.pfx, dst->a, dst->family == 4 ? 3 : PFX_OCTETS);
	pe_ent *e = slot(p, &k);
	if (e->window != INT64_MIN) {
		e->octets += octets;
		return;
	}
	if (p->used >= p->cap) {
		overflow(p, w, octets);
		return;
	}
	if ((p->used + 1) * 4 > p->size * 3) {
		tab_rebuild(p, p->size * 2, INT64_MIN);
		e = slot(p, &k);
	}
	*e = k;
	p->used++;
}

static int cmp_prefix(const pe_ent *a, const pe_ent *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->pfx, b->pfx, PFX_OCTETS);
}

/* by prefix; within one, larger first, then class, then ingress */
static int cmp_ent(const void *x, const void *y)
{
	const pe_ent *a = x, *b = y;
	int c = cmp_prefix(a, b);
	if (c)
		return c;
	if (a->octets != b->octets)
		return a->octets > b->octets ? -1 : 1;
	if (a->cls != b->cls)
		return a->cls < b->cls ? -1 : 1;
	return a->ingress < b->ingress ? -1 : a->ingress > b->ingress;
}

typedef struct group {
	const pe_ent *first;
	size_t n;
	uint64_t octets;
} group;

/* larger total first; equal totals by prefix, so the output is stable */
static int cmp_group(const void *x, const void *y)
{
	const group *a = x, *b = y;
	if (a->octets != b->octets)
		return a->octets > b->octets ? -1 : 1;
	return cmp_prefix(a->first, b->first);
}

static json_t *prefix_json(const pe_ent *e)
{
	uint8_t a[16] = { 0 };
	char s[INET6_ADDRSTRLEN + 4];
	if (e->family == 4) {
		memcpy(a, e->pfx, 3);
		inet_ntop(AF_INET, a, s, sizeof s);
		strcat(s, "/24");
	} else {
		memcpy(a, e->pfx, PFX_OCTETS);
		inet_ntop(AF_INET6, a, s, sizeof s);
		strcat(s, "/48");
	}
	return json_string(s);
}

char *collector_pe_window(collector_pe *p, int64_t w, int64_t window_ms,
			  const char *const *ingresses)
{
	size_t n = 0;
	for (size_t i = 0; i < p->size; i++)
		n += p->tab[i].window == w;
	pe_ent *v = neto_calloc(n ? n : 1, sizeof *v);
	n = 0;
	for (size_t i = 0; i < p->size; i++)
		if (p->tab[i].window == w)
			v[n++] = p->tab[i];
	qsort(v, n, sizeof *v, cmp_ent);
	group *g = neto_calloc(n ? n : 1, sizeof *g);
	size_t ng = 0;
	for (size_t i = 0; i < n; i++) {
		if (ng == 0 || cmp_prefix(g[ng - 1].first, &v[i]) != 0)
			g[ng++] = (group){ &v[i], 0, 0 };
		g[ng - 1].n++;
		g[ng - 1].octets += v[i].octets;
	}
	qsort(g, ng, sizeof *g, cmp_group);

	/* octets over the window in bit/s */
	double scale = 8.0 * 1000.0 / (double)window_ms;
	json_t *rows = json_array();
	size_t keep = ng < p->top_n ? ng : p->top_n;
	for (size_t i = 0; i < keep; i++)
		for (size_t j = 0; j < g[i].n; j++) {
			const pe_ent *e = &g[i].first[j];
			json_t *r = json_object();
			json_object_set_new(r, "prefix", prefix_json(e));
			json_object_set_new(r, "class", json_integer(e->cls));
			json_object_set_new(r, "rate", json_real((double)e->octets * scale));
			json_object_set_new(r, "ingress", json_string(ingresses[e->ingress]));
			json_array_append_new(rows, r);
		}
	uint64_t rest = 0, unranked = 0;
	for (size_t i = keep; i < ng; i++)
		rest += g[i].octets;
	for (size_t i = 0; i < p->n_ovf; i++)
		if (p->ovf[i].window == w) {
			rest += p->ovf[i].octets;
			unranked += p->ovf[i].flows;
		}
	json_t *doc = json_object();
	json_object_set_new(doc, "at", json_integer(w + window_ms));
	json_object_set_new(doc, "window_ms", json_integer(window_ms));
	json_object_set_new(doc, "rows", rows);
	json_t *r = json_object();
	json_object_set_new(r, "prefixes", json_integer((json_int_t)(ng - keep)));
	json_object_set_new(r, "rate", json_real((double)rest * scale));
	json_object_set_new(r, "unranked_flows", json_integer((json_int_t)unranked));
	json_object_set_new(doc, "rest", r);
	char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
	json_decref(doc);
	free(g);
	free(v);

	/* forget this window and older ones */
	tab_rebuild(p, p->size, w);
	size_t k = 0;
	for (size_t i = 0; i < p->n_ovf; i++)
		if (p->ovf[i].window > w)
			p->ovf[k++] = p->ovf[i];
	p->n_ovf = k;
	if (!text) { /* jansson's allocation failed: the policy of lib/mem.h */
		fputs("neto: out of memory\n", stderr);
		abort();
	}
	return text;
}
