/*
 * space.c - the planner's index space: the union of the tunnels and paths of
 * several allocations, so that each allocation becomes a flat array of rates
 * (plan.h).
 *
 * Tunnels are matched by (src, dst, class name) and, inside a tunnel, paths
 * by their exact link sequence; a path keeps the segment list of the first
 * allocation that gives it one. Tunnels are numbered in order of first
 * appearance (allocation 0 first), and so are the paths of a tunnel, which
 * makes the space, and everything printed from it, deterministic.
 *
 * Two passes: the first numbers the tunnels and bounds each tunnel's paths by
 * the sum of its path counts over the allocations, which gives every tunnel
 * a provisional block of slots; the second numbers the distinct paths inside
 * those blocks through a hash map keyed by (tunnel, links). The blocks are
 * then packed into contiguous entries. Work and memory are linear in the
 * total size of the allocations. Both lookups use open-addressing tables of
 * indices that compare against the allocations themselves, so no key is
 * ever copied: at UsCarrier's size (74k tunnels, 300k paths per allocation)
 * a map that copied its keys would spend most of the build in malloc.
 */
#include "plan/plan.h"

#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"

void plan_space_init(plan_space *s, const topo *t)
{
	memset(s, 0, sizeof *s);
	s->t = t;
}

void plan_space_free(plan_space *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n_tunnels; i++)
		free(s->tunnels[i].cls);
	free(s->tunnels);
	free(s->entries);
	free(s->links);
	for (size_t i = 0; i < s->n_segs; i++)
		free(s->segs[i]);
	free(s->segs);
	const topo *t = s->t;
	memset(s, 0, sizeof *s);
	s->t = t;
}

/* Where a distinct path was taken from: allocation, tunnel, path. */
typedef struct origin {
	uint32_t alloc, tunnel, path;
} origin;

/* Checks that every class has one priority across the allocations. */
static int check_classes(const plan_alloc *a, size_t n, neto_err *err)
{
	neto_strmap m;
	neto_strmap_init(&m);
	/* value: priority; the allocation that set it in a second map */
	neto_strmap first;
	neto_strmap_init(&first);
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++)
		for (size_t j = 0; j < a[i].n_tunnels && rc == 0; j++) {
			const plan_alloc_tunnel *tu = &a[i].tunnels[j];
			size_t cl = strlen(tu->cls);
			uint32_t prio;
			if (neto_strmap_put(&m, tu->cls, cl, tu->priority, &prio)) {
				neto_strmap_put(&first, tu->cls, cl, (uint32_t)i, NULL);
				continue;
			}
			if (prio != tu->priority) {
				uint32_t at = 0;
				neto_strmap_get(&first, tu->cls, cl, &at);
				rc = neto_err_set(err,
						  "class '%.100s' has priority %u in allocation %u "
						  "but %u in allocation %zu",
						  tu->cls, prio, at, tu->priority, i);
			}
		}
	neto_strmap_free(&m);
	neto_strmap_free(&first);
	return rc;
}

/* An open-addressing table of indices (value + 1; 0 is an empty slot) with
 * each entry's hash beside it. The caller compares candidates itself. */
typedef struct itable {
	uint32_t *val;
	uint64_t *hash;
	size_t mask;
} itable;

static void itable_init(itable *m, size_t n)
{
	size_t cap = 16;
	while (cap < 2 * n)
		cap *= 2;
	m->val = neto_calloc(cap, sizeof *m->val);
	m->hash = neto_calloc(cap, sizeof *m->hash);
	m->mask = cap - 1;
}

static void itable_free(itable *m)
{
	free(m->val);
	free(m->hash);
}

/* FNV-1a over bytes, continuing from h. */
static uint64_t mix(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

#define MIX_SEED 0xcbf29ce484222325ULL

static uint64_t tunnel_hash(const plan_alloc_tunnel *tu)
{
	uint64_t h = mix(MIX_SEED, &tu->src, sizeof tu->src);
	h = mix(h, &tu->dst, sizeof tu->dst);
	return mix(h, tu->cls, strlen(tu->cls));
}

static uint64_t path_hash(uint32_t tid, const plan_alloc_path *p)
{
	uint64_t h = mix(MIX_SEED, &tid, sizeof tid);
	return mix(h, p->links, p->n_links * sizeof *p->links);
}

static bool same_tunnel(const plan_alloc_tunnel *a, const plan_alloc_tunnel *b)
{
	return a->src == b->src && a->dst == b->dst && strcmp(a->cls, b->cls) == 0;
}

static bool same_path(const plan_alloc_path *a, const plan_alloc_path *b)
{
	return a->n_links == b->n_links &&
	       memcmp(a->links, b->links, a->n_links * sizeof *a->links) == 0;
}

int plan_space_build(plan_space *s, const plan_alloc *a, size_t n, double **cfg, neto_err *err)
{
	const topo *t = s->t;
	plan_space_free(s);
	for (size_t i = 0; i < n; i++)
		cfg[i] = NULL;
	if (check_classes(a, n, err) != 0)
		return -1;

	/* pass 1: tunnels in order of first appearance, and a bound on paths */
	size_t total_paths = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < a[i].n_tunnels; j++)
			total_paths += a[i].tunnels[j].n_paths;
	if (total_paths > UINT32_MAX)
		return neto_err_set(err, "more than %u paths in all", UINT32_MAX);

	size_t n_all_tunnels = 0;
	for (size_t i = 0; i < n; i++)
		n_all_tunnels += a[i].n_tunnels;
	itable tmap;
	itable_init(&tmap, n_all_tunnels);
	size_t n_tun = 0;
	const plan_alloc_tunnel **tfirst = /* per tunnel: where it was first seen */
		neto_calloc(n_all_tunnels, sizeof *tfirst);
	uint32_t *bound = neto_calloc(n_all_tunnels, sizeof *bound);
	uint32_t *tid_of = neto_calloc(n_all_tunnels, sizeof *tid_of); /* per input tunnel */
	size_t flat = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < a[i].n_tunnels; j++, flat++) {
			const plan_alloc_tunnel *tu = &a[i].tunnels[j];
			uint64_t h = tunnel_hash(tu);
			size_t at = (size_t)h & tmap.mask;
			while (tmap.val[at] != 0 &&
			       !(tmap.hash[at] == h && same_tunnel(tfirst[tmap.val[at] - 1], tu)))
				at = (at + 1) & tmap.mask;
			uint32_t tid;
			if (tmap.val[at] == 0) {
				tid = (uint32_t)n_tun++;
				tfirst[tid] = tu;
				tmap.val[at] = tid + 1;
				tmap.hash[at] = h;
			} else {
				tid = tmap.val[at] - 1;
			}
			bound[tid] += tu->n_paths;
			tid_of[flat] = tid;
		}
	itable_free(&tmap);

	/* pass 2: distinct paths numbered inside each tunnel's block of slots */
	uint32_t *tmp_off = neto_calloc(n_tun + 1, sizeof *tmp_off);
	for (size_t k = 0; k < n_tun; k++)
		tmp_off[k + 1] = tmp_off[k] + bound[k];
	uint32_t *used = bound; /* reused: distinct paths found per tunnel */
	for (size_t k = 0; k < n_tun; k++)
		used[k] = 0;
	origin *org = neto_calloc(total_paths, sizeof *org);
	uint32_t *pslot = neto_calloc(total_paths, sizeof *pslot); /* per input path */
	itable pmap;
	itable_init(&pmap, total_paths);
	size_t pflat = 0;
	flat = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < a[i].n_tunnels; j++, flat++) {
			const plan_alloc_tunnel *tu = &a[i].tunnels[j];
			uint32_t tid = tid_of[flat];
			for (uint32_t k = 0; k < tu->n_paths; k++, pflat++) {
				const plan_alloc_path *p = &tu->paths[k];
				uint64_t h = path_hash(tid, p);
				size_t at = (size_t)h & pmap.mask;
				uint32_t slot = UINT32_MAX;
				while (pmap.val[at] != 0) {
					uint32_t cand = pmap.val[at] - 1;
					const origin *o = &org[cand];
					if (pmap.hash[at] == h && cand >= tmp_off[tid] &&
					    cand < tmp_off[tid + 1] &&
					    same_path(&a[o->alloc].tunnels[o->tunnel].paths[o->path], p)) {
						slot = cand;
						break;
					}
					at = (at + 1) & pmap.mask;
				}
				if (slot == UINT32_MAX) {
					slot = tmp_off[tid] + used[tid]++;
					org[slot] = (origin){ (uint32_t)i, (uint32_t)j, k };
					pmap.val[at] = slot + 1;
					pmap.hash[at] = h;
				} else {
					const origin *o = &org[slot];
					const plan_alloc_path *q =
						&a[o->alloc].tunnels[o->tunnel].paths[o->path];
					if (q->n_segs == 0 && p->n_segs > 0)
						org[slot] = (origin){ (uint32_t)i, (uint32_t)j, k };
				}
				pslot[pflat] = slot;
			}
		}
	itable_free(&pmap);

	/* pack: tunnels and their entries */
	size_t n_ent = 0, n_links = 0, n_segs = 0;
	for (size_t k = 0; k < n_tun; k++)
		for (uint32_t e = 0; e < used[k]; e++) {
			const origin *o = &org[tmp_off[k] + e];
			const plan_alloc_path *p = &a[o->alloc].tunnels[o->tunnel].paths[o->path];
			n_ent++;
			n_links += p->n_links;
			n_segs += p->n_segs;
		}
	int rc = 0;
	if (n_links > UINT32_MAX || n_segs > UINT32_MAX) {
		rc = neto_err_set(err, "more than %u links or segments in all paths", UINT32_MAX);
		goto done;
	}
	s->tunnels = neto_calloc(n_tun, sizeof *s->tunnels);
	s->entries = neto_calloc(n_ent, sizeof *s->entries);
	s->links = neto_calloc(n_links, sizeof *s->links);
	s->segs = neto_calloc(n_segs, sizeof *s->segs);
	s->n_tunnels = n_tun;
	uint32_t *final_of = neto_calloc(total_paths, sizeof *final_of); /* per slot */
	size_t ei = 0, li = 0, si = 0;
	for (size_t k = 0; k < n_tun; k++) {
		plan_tunnel *tu = &s->tunnels[k];
		tu->src = tfirst[k]->src;
		tu->dst = tfirst[k]->dst;
		tu->cls = neto_strdup(tfirst[k]->cls);
		tu->priority = tfirst[k]->priority;
		tu->entry_off = (uint32_t)ei;
		tu->n_entries = used[k];
		for (uint32_t e = 0; e < used[k]; e++, ei++) {
			const origin *o = &org[tmp_off[k] + e];
			const plan_alloc_path *p = &a[o->alloc].tunnels[o->tunnel].paths[o->path];
			plan_entry *en = &s->entries[ei];
			en->tunnel = (uint32_t)k;
			en->link_off = (uint32_t)li;
			en->n_links = p->n_links;
			memcpy(s->links + li, p->links, p->n_links * sizeof *p->links);
			li += p->n_links;
			en->seg_off = (uint32_t)si;
			en->n_segs = p->n_segs;
			for (uint32_t g = 0; g < p->n_segs; g++)
				s->segs[si++] = neto_strdup(p->segs[g]);
			final_of[tmp_off[k] + e] = (uint32_t)ei;
		}
	}
	s->n_entries = n_ent;
	s->n_links = n_links;
	s->n_segs = n_segs;

	pflat = 0;
	for (size_t i = 0; i < n; i++) {
		cfg[i] = neto_calloc(n_ent, sizeof *cfg[i]);
		for (size_t j = 0; j < a[i].n_tunnels; j++)
			for (uint32_t k = 0; k < a[i].tunnels[j].n_paths; k++, pflat++)
				cfg[i][final_of[pslot[pflat]]] = a[i].tunnels[j].paths[k].rate;
	}
	free(final_of);
done:
	free(pslot);
	free(org);
	free(tmp_off);
	free(bound);
	free(tfirst);
	free(tid_of);
	if (rc != 0) {
		plan_space_free(s);
		s->t = t;
	}
	return rc;
}

void plan_link_loads(const plan_space *s, const double *cfg, double *load)
{
	memset(load, 0, (size_t)s->t->n_links * sizeof *load);
	for (size_t e = 0; e < s->n_entries; e++) {
		double x = cfg[e];
		if (x == 0)
			continue;
		const plan_entry *en = &s->entries[e];
		for (uint32_t i = 0; i < en->n_links; i++)
			load[s->links[en->link_off + i]] += x;
	}
}
