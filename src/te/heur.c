/*
 * heur.c - the fast allocation engine: multi-path progressive filling with
 * bottleneck-aware re-weighting.
 *
 * The workload: one traffic class at a time, up to millions of demands with
 * K candidate paths each, against the capacity the higher classes left. The
 * goal is the demand-capped max-min fair allocation that the exact engine
 * (exact.c) computes with a sequence of LPs, in a small fraction of its time.
 *
 * One round is a progressive filling ("water filling") over demands, not over
 * paths: a common level rises from zero and every demand that is neither
 * satisfied nor blocked has rate equal to the level. A demand splits its
 * growth over its unblocked paths in proportion to per-path weights. When a
 * link fills, every path through it is blocked; its demands keep rising on
 * their remaining paths (their weights renormalised), and a demand stops when
 * all of its paths are blocked or it reaches its demand. The result is
 * maximal: no demand could get more on any of its paths without overloading
 * a link. All loads are kept as linear functions of the level (A + B * level)
 * so that each event costs time proportional to the paths it touches, and the
 * next link to fill is found in a segment tree over the links.
 *
 * What plain filling gets wrong is the split: a demand that spread its growth
 * over a path whose link fills early took capacity that demands with fewer
 * options needed. Two mechanisms correct it:
 *  - Evacuation, inside a round: when a link is about to fill, every demand
 *    with another way (a growing path that avoids the link, or for a demand
 *    already satisfied, any path with room) moves the flow it has on the link
 *    there, as far as those paths have room, and stops growing on it. The
 *    link then fills only with the demands that have no other way. Each link
 *    evacuates once per round, which bounds the work.
 *  - Re-weighting, between rounds: each path p of demand i has a bottleneck
 *    level b_p (the level at which its first link filled) and i ended at rate
 *    x_i. In a max-min fair allocation a demand does not use a path whose
 *    bottleneck is below its own rate (it would be taking capacity from
 *    poorer demands), so the next round's weights follow where the flow went
 *    and put such paths on standby. Of all rounds, the one whose sorted rate
 *    vector is lexicographically largest (the max-min order) is kept; rounds
 *    stop when the allocation no longer changes or a round is no better than
 *    the best so far.
 *
 * Finally, for classes with the low-latency policy, a pass moves each demand's
 * flow from its slower paths to its faster ones wherever the faster path has
 * spare capacity: rates stay the same, delay falls. Capacity that this frees
 * on slow paths goes to the demands still short of their rate, poorest first,
 * so the answer stays maximal.
 *
 * Memory: per class, O(subflows + sum of path lengths) (the link -> subflow
 * index); everything is freed before returning.
 */
#include "te/te.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"

/* Rounds beyond the fourth changed nothing measurable on the REPETITA
 * benchmarks (docs/benchmarks.md) and cost time on large classes. */
#define HEUR_MAX_ROUNDS 4
#define HEUR_PENALTY_EXP 4.0
/* two fill levels closer than this (relative) are the same level */
#define HEUR_LEVEL_TOL 1e-6

/* Segment tree over links: minimum of the level at which each link fills. */
typedef struct mintree {
	size_t size; /* leaves, power of two */
	double *v;   /* 2*size nodes */
	uint32_t *arg;
} mintree;

static void mt_init(mintree *t, size_t n)
{
	t->size = 1;
	while (t->size < n)
		t->size *= 2;
	t->v = neto_malloc(2 * t->size * sizeof *t->v);
	t->arg = neto_malloc(2 * t->size * sizeof *t->arg);
	for (size_t i = 0; i < 2 * t->size; i++) {
		t->v[i] = HUGE_VAL;
		t->arg[i] = UINT32_MAX;
	}
	for (size_t i = 0; i < t->size; i++)
		t->arg[t->size + i] = (uint32_t)i;
}

static void mt_free(mintree *t)
{
	free(t->v);
	free(t->arg);
}

static void mt_set(mintree *t, uint32_t i, double val)
{
	size_t k = t->size + i;
	t->v[k] = val;
	for (k /= 2; k >= 1; k /= 2) {
		size_t a = 2 * k, b = a + 1;
		size_t m = t->v[b] < t->v[a] ? b : a;
		if (t->v[k] == t->v[m] && t->arg[k] == t->arg[m])
			break;
		t->v[k] = t->v[m];
		t->arg[k] = t->arg[m];
	}
}

typedef enum sf_state {
	SF_STANDBY = 0, /* weight 0: used only when the demand has nothing else */
	SF_ACTIVE,      /* growing with the level */
	SF_DONE,        /* frozen: blocked or its demand satisfied */
} sf_state;

/* Per-class working set. Subflow j is one (demand, path) entry. */
typedef struct heur {
	const te_problem *p;
	const uint32_t *dem; /* local demand i -> global demand */
	size_t n;
	uint32_t n_links;
	const double *cap;   /* residual capacity per link */

	uint32_t *sf_off;    /* n + 1: subflows of local demand i */
	size_t n_sf;
	uint32_t *sf_dem;    /* subflow -> local demand */
	const uint32_t **sf_links; /* subflow -> its path's links */
	uint32_t *sf_nlinks;
	uint32_t *link_off;  /* links -> subflows through them */
	uint32_t *link_sf;
	uint32_t *by_cap;    /* local demands in ascending demand order */

	/* one round */
	double *w;           /* weights (input) */
	double *e;           /* effective growth share of each active subflow */
	double *c;           /* rate = c + e * level while active */
	double *r;           /* final rate */
	uint8_t *st;
	double *A, *B;       /* link load = A + B * level */
	double *sat;         /* level at which the link filled, HUGE_VAL if never */
	uint8_t *evacuated;  /* the link has had its one evacuation this round */
	/* generation stamps that answer "is the demand's q-th subflow through
	 * link l" and "is link m on subflow j's path" in O(1) during an
	 * evacuation; reset at the start of every round */
	uint32_t *sf_stamp, sf_gen;
	uint32_t *link_stamp, link_gen;
	uint8_t *dirty;
	uint32_t *dirty_list;
	size_t n_dirty;
	uint32_t *touched;   /* demands touched by the current event */
	uint8_t *dmark;
	size_t n_touched;
	uint8_t *dfrozen;
	mintree tree;
} heur;

static double demand_rate(const heur *h, uint32_t i)
{
	return h->p->demands->v[h->dem[i]].rate;
}

static void mark_dirty(heur *h, uint32_t l)
{
	if (!h->dirty[l]) {
		h->dirty[l] = 1;
		h->dirty_list[h->n_dirty++] = l;
	}
}

/* Changes subflow j's share of its demand's growth to e_new at the current
 * level, keeping its rate continuous. */
static void sf_reshare(heur *h, uint32_t j, double e_new, double level)
{
	double d = e_new - h->e[j];
	if (d == 0)
		return;
	h->e[j] = e_new;
	h->c[j] -= d * level;
	for (uint32_t k = 0; k < h->sf_nlinks[j]; k++) {
		uint32_t l = h->sf_links[j][k];
		h->B[l] += d;
		h->A[l] -= d * level;
		mark_dirty(h, l);
	}
}

/* Freezes subflow j at its current rate. */
static void sf_freeze(heur *h, uint32_t j, double level)
{
	if (h->st[j] == SF_ACTIVE) {
		h->r[j] = h->c[j] + h->e[j] * level;
		sf_reshare(h, j, 0.0, level);
	} else {
		h->r[j] = 0;
	}
	h->st[j] = SF_DONE;
}

static bool sf_blocked(const heur *h, uint32_t j)
{
	for (uint32_t k = 0; k < h->sf_nlinks[j]; k++)
		if (h->sat[h->sf_links[j][k]] < HUGE_VAL)
			return true;
	return false;
}

/* After demand i lost paths: spread its growth over the paths it has left,
 * falling back to its standby paths. Returns false when it has none left. */
static bool dem_renormalise(heur *h, uint32_t i, double level)
{
	double W = 0;
	for (uint32_t j = h->sf_off[i]; j < h->sf_off[i + 1]; j++)
		if (h->st[j] == SF_ACTIVE)
			W += h->w[j];
	if (W <= 0) {
		for (uint32_t j = h->sf_off[i]; j < h->sf_off[i + 1]; j++) {
			if (h->st[j] != SF_STANDBY)
				continue;
			if (sf_blocked(h, j)) {
				h->st[j] = SF_DONE;
				h->r[j] = 0;
				continue;
			}
			h->st[j] = SF_ACTIVE;
			h->e[j] = 0;
			h->c[j] = 0;
			h->w[j] = 1.0;
			W += 1.0;
		}
		if (W <= 0)
			return false;
	}
	for (uint32_t j = h->sf_off[i]; j < h->sf_off[i + 1]; j++)
		if (h->st[j] == SF_ACTIVE)
			sf_reshare(h, j, h->w[j] / W, level);
	return true;
}

static void dem_freeze(heur *h, uint32_t i, double level)
{
	for (uint32_t j = h->sf_off[i]; j < h->sf_off[i + 1]; j++)
		if (h->st[j] != SF_DONE)
			sf_freeze(h, j, level);
	h->dfrozen[i] = 1;
}

static void flush_dirty(heur *h, double level)
{
	for (size_t k = 0; k < h->n_dirty; k++) {
		uint32_t l = h->dirty_list[k];
		h->dirty[l] = 0;
		double s = HUGE_VAL;
		if (h->sat[l] == HUGE_VAL && h->B[l] > 1e-15) {
			double slack = h->cap[l] - (h->A[l] + h->B[l] * level);
			s = level + (slack > 0 ? slack / h->B[l] : 0);
		}
		mt_set(&h->tree, l, s);
	}
	h->n_dirty = 0;
}

/* Current rate of subflow j at the given level. */
static double sf_rate(const heur *h, uint32_t j, double level)
{
	return h->st[j] == SF_ACTIVE ? h->c[j] + h->e[j] * level : h->st[j] == SF_DONE ? h->r[j] : 0;
}

/* Moves up to amount of rate from subflow j to subflow q, as far as q's
 * links have room; the demand's rate does not change. The links of j's path
 * must carry the current link stamp (links both paths use gain nothing).
 * Returns what moved. */
static double sf_move(heur *h, uint32_t j, uint32_t q, double amount, double level)
{
	double room = amount;
	for (uint32_t m = 0; m < h->sf_nlinks[q]; m++) {
		uint32_t lm = h->sf_links[q][m];
		if (h->link_stamp[lm] == h->link_gen)
			continue;
		double spare = h->cap[lm] - (h->A[lm] + h->B[lm] * level);
		if (spare < room)
			room = spare;
	}
	if (room <= 0)
		return 0;
	for (uint32_t m = 0; m < h->sf_nlinks[q]; m++) {
		h->A[h->sf_links[q][m]] += room;
		mark_dirty(h, h->sf_links[q][m]);
	}
	for (uint32_t m = 0; m < h->sf_nlinks[j]; m++) {
		h->A[h->sf_links[j][m]] -= room;
		mark_dirty(h, h->sf_links[j][m]);
	}
	if (h->st[q] == SF_ACTIVE)
		h->c[q] += room;
	else
		h->r[q] += room;
	if (h->st[j] == SF_ACTIVE)
		h->c[j] -= room;
	else
		h->r[j] -= room;
	return room;
}

/* Link l is about to fill. Demands that have other ways move the flow they
 * have on l there, as far as those paths have room, and those still growing
 * stop growing on l: the capacity goes to the demands that have no other way.
 * That includes demands already satisfied, whose early, evenly spread flow
 * may sit on links that others need. Returns true when l got room back (it is
 * then not full yet). */
static bool heur_evacuate(heur *h, uint32_t l, double level)
{
	bool moved = false;
	h->evacuated[l] = 1; /* once per link and round: this bounds the work */
	h->n_touched = 0;
	/* link_sf[l] lists subflows in index order and a demand's subflows are
	 * consecutive, so the subflows of one demand through l form a run */
	uint32_t k = h->link_off[l], end = h->link_off[l + 1];
	while (k < end) {
		uint32_t i = h->sf_dem[h->link_sf[k]];
		uint32_t run = k;
		while (k < end && h->sf_dem[h->link_sf[k]] == i)
			k++;
		uint32_t a = h->sf_off[i], z = h->sf_off[i + 1];
		if (z - a < 2)
			continue; /* a single path: no other way */
		/* stamp this demand's subflows through l */
		h->sf_gen++;
		for (uint32_t x = run; x < k; x++)
			h->sf_stamp[h->link_sf[x] - a] = h->sf_gen;
		bool other_active = false;
		for (uint32_t q = a; q < z; q++)
			if (h->st[q] == SF_ACTIVE && h->sf_stamp[q - a] != h->sf_gen)
				other_active = true;
		for (uint32_t x = run; x < k; x++) {
			uint32_t j = h->link_sf[x];
			if (h->st[j] == SF_STANDBY)
				continue;
			double r = sf_rate(h, j, level);
			if (h->st[j] == SF_ACTIVE) {
				if (!other_active)
					continue; /* l is this demand's only way to grow */
				sf_freeze(h, j, level);
				h->w[j] = 0;
				if (!h->dmark[i]) {
					h->dmark[i] = 1;
					h->touched[h->n_touched++] = i;
				}
			}
			if (r <= 0)
				continue;
			h->link_gen++;
			for (uint32_t m = 0; m < h->sf_nlinks[j]; m++)
				h->link_stamp[h->sf_links[j][m]] = h->link_gen;
			for (uint32_t q = a; q < z && r > 0; q++) {
				if (h->st[q] == SF_STANDBY || h->sf_stamp[q - a] == h->sf_gen)
					continue; /* not started, or also through l (j too) */
				double got = sf_move(h, j, q, r, level);
				if (got > 0) {
					r -= got;
					moved = true;
				}
			}
		}
	}
	for (size_t t = 0; t < h->n_touched; t++) {
		uint32_t i = h->touched[t];
		h->dmark[i] = 0;
		if (!h->dfrozen[i])
			dem_renormalise(h, i, level);
	}
	return moved;
}

/* One progressive filling with the weights in h->w. Fills h->r and h->sat. */
static void heur_round(heur *h)
{
	h->link_gen = 0;
	h->sf_gen = 0;
	memset(h->sf_stamp, 0, TE_MAX_K * sizeof *h->sf_stamp);
	for (uint32_t l = 0; l < h->n_links; l++) {
		h->A[l] = 0;
		h->B[l] = 0;
		h->sat[l] = HUGE_VAL;
		h->evacuated[l] = 0;
		h->link_stamp[l] = 0;
		mt_set(&h->tree, l, HUGE_VAL);
	}
	size_t active = 0;
	for (size_t i = 0; i < h->n; i++) {
		h->dfrozen[i] = 0;
		double W = 0;
		for (uint32_t j = h->sf_off[i]; j < h->sf_off[i + 1]; j++) {
			h->e[j] = 0;
			h->c[j] = 0;
			h->r[j] = 0;
			h->st[j] = h->w[j] > 0 ? SF_ACTIVE : SF_STANDBY;
			W += h->w[j];
		}
		if (h->sf_off[i] == h->sf_off[i + 1]) {
			h->dfrozen[i] = 1; /* no path: nothing to give */
			continue;
		}
		if (W <= 0) { /* all standby: use them all */
			for (uint32_t j = h->sf_off[i]; j < h->sf_off[i + 1]; j++) {
				h->w[j] = 1.0;
				h->st[j] = SF_ACTIVE;
			}
			W = h->sf_off[i + 1] - h->sf_off[i];
		}
		for (uint32_t j = h->sf_off[i]; j < h->sf_off[i + 1]; j++)
			if (h->st[j] == SF_ACTIVE)
				sf_reshare(h, j, h->w[j] / W, 0.0);
		active++;
	}
	double level = 0;
	flush_dirty(h, level);
	size_t next_cap = 0;
	while (active > 0) {
		while (next_cap < h->n && h->dfrozen[h->by_cap[next_cap]])
			next_cap++;
		double cap_level = next_cap < h->n ? demand_rate(h, h->by_cap[next_cap]) : HUGE_VAL;
		double link_level = h->tree.v[1];
		if (cap_level <= link_level) {
			/* the next demand is satisfied */
			if (cap_level > level)
				level = cap_level;
			uint32_t i = h->by_cap[next_cap++];
			dem_freeze(h, i, level);
			active--;
		} else {
			uint32_t l = h->tree.arg[1];
			if (link_level > level)
				level = link_level;
			if (!h->evacuated[l] && heur_evacuate(h, l, level)) {
				flush_dirty(h, level);
				continue;
			}
			h->sat[l] = level;
			mt_set(&h->tree, l, HUGE_VAL);
			/* block every growing subflow through l */
			h->n_touched = 0;
			for (uint32_t k = h->link_off[l]; k < h->link_off[l + 1]; k++) {
				uint32_t j = h->link_sf[k];
				if (h->st[j] == SF_DONE)
					continue;
				sf_freeze(h, j, level);
				uint32_t i = h->sf_dem[j];
				if (!h->dmark[i]) {
					h->dmark[i] = 1;
					h->touched[h->n_touched++] = i;
				}
			}
			for (size_t k = 0; k < h->n_touched; k++) {
				uint32_t i = h->touched[k];
				h->dmark[i] = 0;
				if (h->dfrozen[i])
					continue;
				if (!dem_renormalise(h, i, level)) {
					dem_freeze(h, i, level);
					active--;
				}
			}
		}
		flush_dirty(h, level);
	}
}

/* local demands by demand (rate cap); ctx is the heur */
static int cmp_by_cap(const void *a, const void *b, void *ctx)
{
	const heur *h = ctx;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	double rx = h->p->demands->v[h->dem[x]].rate;
	double ry = h->p->demands->v[h->dem[y]].rate;
	if (rx != ry)
		return rx < ry ? -1 : 1;
	return x < y ? -1 : (x > y);
}

/* indices by the value they have in the array ctx */
static int cmp_by_x(const void *a, const void *b, void *ctx)
{
	const double *v = ctx;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	if (v[x] != v[y])
		return v[x] < v[y] ? -1 : 1;
	return x < y ? -1 : (x > y);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : (x > y);
}

static void heur_setup(heur *h, const te_problem *p, const uint32_t *dem, size_t n,
		       const double *cap)
{
	memset(h, 0, sizeof *h);
	h->p = p;
	h->dem = dem;
	h->n = n;
	h->cap = cap;
	h->n_links = p->topo->n_links;
	const te_pathset *ps = p->paths;

	h->sf_off = neto_malloc((n + 1) * sizeof *h->sf_off);
	size_t nsf = 0;
	for (size_t i = 0; i < n; i++) {
		h->sf_off[i] = (uint32_t)nsf;
		nsf += p->dp_off[dem[i] + 1] - p->dp_off[dem[i]];
	}
	h->sf_off[n] = (uint32_t)nsf;
	h->n_sf = nsf;
	size_t nsf1 = nsf ? nsf : 1;
	h->sf_dem = neto_malloc(nsf1 * sizeof *h->sf_dem);
	h->sf_links = neto_malloc(nsf1 * sizeof *h->sf_links);
	h->sf_nlinks = neto_malloc(nsf1 * sizeof *h->sf_nlinks);
	h->link_off = neto_calloc((size_t)h->n_links + 1, sizeof *h->link_off);
	for (size_t i = 0; i < n; i++) {
		uint32_t base = p->dp_off[dem[i]];
		for (uint32_t j = h->sf_off[i]; j < h->sf_off[i + 1]; j++) {
			const te_path *path = &ps->paths[p->dp[base + (j - h->sf_off[i])]];
			h->sf_dem[j] = (uint32_t)i;
			h->sf_links[j] = ps->links + path->link_off;
			h->sf_nlinks[j] = path->n_links;
			for (uint32_t k = 0; k < path->n_links; k++)
				h->link_off[h->sf_links[j][k] + 1]++;
		}
	}
	for (uint32_t l = 0; l < h->n_links; l++)
		h->link_off[l + 1] += h->link_off[l];
	h->link_sf = neto_malloc(((size_t)h->link_off[h->n_links] + 1) * sizeof *h->link_sf);
	uint32_t *fill = neto_malloc(((size_t)h->n_links + 1) * sizeof *fill);
	memcpy(fill, h->link_off, (size_t)h->n_links * sizeof *fill);
	for (uint32_t j = 0; j < nsf; j++)
		for (uint32_t k = 0; k < h->sf_nlinks[j]; k++)
			h->link_sf[fill[h->sf_links[j][k]]++] = j;
	free(fill);

	h->by_cap = neto_malloc((n ? n : 1) * sizeof *h->by_cap);
	for (size_t i = 0; i < n; i++)
		h->by_cap[i] = (uint32_t)i;
	qsort_r(h->by_cap, n, sizeof *h->by_cap, cmp_by_cap, h);

	h->w = neto_malloc(nsf1 * sizeof *h->w);
	h->e = neto_malloc(nsf1 * sizeof *h->e);
	h->c = neto_malloc(nsf1 * sizeof *h->c);
	h->r = neto_malloc(nsf1 * sizeof *h->r);
	h->st = neto_malloc(nsf1);
	size_t nl1 = (size_t)h->n_links + 1;
	h->A = neto_malloc(nl1 * sizeof *h->A);
	h->B = neto_malloc(nl1 * sizeof *h->B);
	h->sat = neto_malloc(nl1 * sizeof *h->sat);
	h->dirty = neto_calloc(nl1, 1);
	h->evacuated = neto_calloc(nl1, 1);
	h->link_stamp = neto_calloc(nl1, sizeof *h->link_stamp);
	h->sf_stamp = neto_calloc(TE_MAX_K, sizeof *h->sf_stamp);
	h->dirty_list = neto_malloc(nl1 * sizeof *h->dirty_list);
	h->touched = neto_malloc((n ? n : 1) * sizeof *h->touched);
	h->dmark = neto_calloc(n ? n : 1, 1);
	h->dfrozen = neto_calloc(n ? n : 1, 1);
	mt_init(&h->tree, h->n_links ? h->n_links : 1);
}

static void heur_teardown(heur *h)
{
	free(h->sf_off);
	free(h->sf_dem);
	free(h->sf_links);
	free(h->sf_nlinks);
	free(h->link_off);
	free(h->link_sf);
	free(h->by_cap);
	free(h->w);
	free(h->e);
	free(h->c);
	free(h->r);
	free(h->st);
	free(h->A);
	free(h->B);
	free(h->sat);
	free(h->dirty);
	free(h->evacuated);
	free(h->link_stamp);
	free(h->sf_stamp);
	free(h->dirty_list);
	free(h->touched);
	free(h->dmark);
	free(h->dfrozen);
	mt_free(&h->tree);
}

/* Bottleneck level of subflow j in the last round: the smallest fill level of
 * its links (HUGE_VAL when none filled). */
static double sf_bottleneck(const heur *h, uint32_t j)
{
	double b = HUGE_VAL;
	for (uint32_t k = 0; k < h->sf_nlinks[j]; k++) {
		double s = h->sat[h->sf_links[j][k]];
		if (s < b)
			b = s;
	}
	return b;
}

/* Next round's weights from the last round's outcome (see the file comment):
 * a path keeps the share of the demand's flow it carried, unless its
 * bottleneck filled below the demand's own rate (the demand was taking
 * capacity from poorer demands there); such a path goes to standby, used only
 * once the demand's other paths are blocked. When every path of a demand is
 * in that situation, the least congested ones keep most weight. */
static void heur_reweight(heur *h)
{
	for (size_t i = 0; i < h->n; i++) {
		uint32_t a = h->sf_off[i], z = h->sf_off[i + 1];
		if (z - a < 2)
			continue;
		double x = 0;
		for (uint32_t j = a; j < z; j++)
			x += h->r[j];
		if (x <= 0)
			continue;
		double W = 0;
		for (uint32_t j = a; j < z; j++) {
			double b = sf_bottleneck(h, j);
			h->w[j] = b >= x * (1 - HEUR_LEVEL_TOL) ? h->r[j] / x : 0.0;
			W += h->w[j];
		}
		if (W > 0)
			continue;
		for (uint32_t j = a; j < z; j++) {
			double b = sf_bottleneck(h, j);
			double pen = b < x ? pow(b / x, HEUR_PENALTY_EXP) : 1.0;
			h->w[j] = h->r[j] / x * pen;
		}
	}
}

/* Leximin comparison of two allocations' sorted demand rates: > 0 when a is
 * better (more max-min fair) than b. Rates within a relative 1e-9 are equal. */
static int leximin_cmp(const double *a, const double *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		double tol = 1e-9 * fmax(fabs(a[i]), fabs(b[i]));
		if (a[i] > b[i] + tol)
			return 1;
		if (a[i] < b[i] - tol)
			return -1;
	}
	return 0;
}

static void demand_totals(const heur *h, double *x)
{
	for (size_t i = 0; i < h->n; i++) {
		double s = 0;
		for (uint32_t j = h->sf_off[i]; j < h->sf_off[i + 1]; j++)
			s += h->r[j];
		x[i] = s;
	}
}

/* Moves each demand's flow from slower to faster paths where the faster path
 * has spare capacity. load[] holds this class's load per link. */
static void heur_prefer_low_delay(heur *h, double *r, double *load)
{
	const te_pathset *ps = h->p->paths;
	for (size_t i = 0; i < h->n; i++) {
		uint32_t a = h->sf_off[i], z = h->sf_off[i + 1];
		const te_class *cls = &h->p->classes->v[h->p->demands->v[h->dem[i]].cls];
		if (cls->latency != TE_LAT_LOW || z - a < 2)
			continue;
		/* subflows are in ascending delay (te_problem keeps path order) */
		for (uint32_t fast = a; fast < z; fast++) {
			for (uint32_t slow = z; slow-- > fast + 1;) {
				if (r[slow] <= 0)
					continue;
				const te_path *pf = &ps->paths[h->p->dp[h->p->dp_off[h->dem[i]] + (fast - a)]];
				const te_path *pl = &ps->paths[h->p->dp[h->p->dp_off[h->dem[i]] + (slow - a)]];
				if (pf->delay >= pl->delay)
					continue;
				/* spare capacity on the fast path, counting that flow
				 * leaving the slow path frees links they share */
				double room = r[slow];
				h->link_gen++;
				for (uint32_t m = 0; m < h->sf_nlinks[slow]; m++)
					h->link_stamp[h->sf_links[slow][m]] = h->link_gen;
				for (uint32_t k = 0; k < h->sf_nlinks[fast]; k++) {
					uint32_t l = h->sf_links[fast][k];
					if (h->link_stamp[l] == h->link_gen)
						continue;
					double spare = h->cap[l] - load[l];
					if (spare < room)
						room = spare;
				}
				if (room <= 0)
					continue;
				r[slow] -= room;
				r[fast] += room;
				for (uint32_t k = 0; k < h->sf_nlinks[slow]; k++)
					load[h->sf_links[slow][k]] -= room;
				for (uint32_t k = 0; k < h->sf_nlinks[fast]; k++)
					load[h->sf_links[fast][k]] += room;
			}
		}
	}
}

/* The low-delay pass can free capacity on slow paths (a satisfied demand
 * leaves a shared link); hand it to the demands still short of their rate,
 * poorest first, so that the answer stays maximal. */
static void heur_top_up(const heur *h, double *r, double *load)
{
	double *x = neto_malloc((h->n ? h->n : 1) * sizeof *x);
	uint32_t *order = neto_malloc((h->n ? h->n : 1) * sizeof *order);
	size_t m = 0;
	for (size_t i = 0; i < h->n; i++) {
		double s = 0;
		for (uint32_t j = h->sf_off[i]; j < h->sf_off[i + 1]; j++)
			s += r[j];
		x[i] = s;
		if (s < demand_rate(h, (uint32_t)i))
			order[m++] = (uint32_t)i;
	}
	qsort_r(order, m, sizeof *order, cmp_by_x, x);
	for (size_t k = 0; k < m; k++) {
		uint32_t i = order[k];
		double want = demand_rate(h, i) - x[i];
		for (uint32_t j = h->sf_off[i]; j < h->sf_off[i + 1] && want > 0; j++) {
			double room = want;
			for (uint32_t q = 0; q < h->sf_nlinks[j]; q++) {
				uint32_t l = h->sf_links[j][q];
				double spare = h->cap[l] - load[l];
				if (spare < room)
					room = spare;
			}
			if (room <= 0)
				continue;
			r[j] += room;
			want -= room;
			for (uint32_t q = 0; q < h->sf_nlinks[j]; q++)
				load[h->sf_links[j][q]] += room;
		}
	}
	free(x);
	free(order);
}

int te_heur_class(const te_problem *p, const uint32_t *dem, size_t n, double *cap,
		  double *rate, neto_err *err)
{
	(void)err;
	heur h;
	heur_setup(&h, p, dem, n, cap);
	size_t nsf1 = h.n_sf ? h.n_sf : 1;

	/* First round: equal weights. */
	for (size_t i = 0; i < n; i++) {
		uint32_t a = h.sf_off[i], z = h.sf_off[i + 1];
		for (uint32_t j = a; j < z; j++)
			h.w[j] = 1.0;
	}

	double *best_r = neto_malloc(nsf1 * sizeof *best_r);
	double *best_sorted = neto_malloc((n ? n : 1) * sizeof *best_sorted);
	double *cur_sorted = neto_malloc((n ? n : 1) * sizeof *cur_sorted);
	double *prev_x = neto_calloc(n ? n : 1, sizeof *prev_x);
	bool have_best = false;
	for (int round = 0; round < HEUR_MAX_ROUNDS; round++) {
		heur_round(&h);
		demand_totals(&h, cur_sorted);
		double change = 0;
		for (size_t i = 0; i < n; i++) {
			double d = fabs(cur_sorted[i] - prev_x[i]);
			double ref = fmax(cur_sorted[i], prev_x[i]);
			if (ref > 0 && d / ref > change)
				change = d / ref;
			prev_x[i] = cur_sorted[i];
		}
		qsort(cur_sorted, n, sizeof *cur_sorted, cmp_double);
		if (!have_best || leximin_cmp(cur_sorted, best_sorted, n) > 0) {
			memcpy(best_r, h.r, h.n_sf * sizeof *best_r);
			memcpy(best_sorted, cur_sorted, n * sizeof *best_sorted);
			have_best = true;
		} else {
			/* re-weighting made it no better: later rounds were not
			 * seen to recover on the benchmarks, so stop */
			break;
		}
		if (round > 0 && change < 1e-6)
			break;
		heur_reweight(&h);
	}

	/* This class's load, clamped to the residual capacity: the progressive
	 * filling keeps loads within capacity up to rounding, and rounding must
	 * never show as an overloaded link. */
	double *load = neto_calloc((size_t)h.n_links + 1, sizeof *load);
	for (uint32_t j = 0; j < h.n_sf; j++) {
		if (best_r[j] < 0)
			best_r[j] = 0;
		for (uint32_t k = 0; k < h.sf_nlinks[j]; k++)
			load[h.sf_links[j][k]] += best_r[j];
	}
	for (uint32_t j = 0; j < h.n_sf; j++) {
		double f = 1.0;
		for (uint32_t k = 0; k < h.sf_nlinks[j]; k++) {
			uint32_t l = h.sf_links[j][k];
			if (load[l] > cap[l] && load[l] > 0) {
				double g = cap[l] / load[l];
				if (g < f)
					f = g;
			}
		}
		best_r[j] *= f;
	}
	memset(load, 0, (size_t)h.n_links * sizeof *load);
	for (uint32_t j = 0; j < h.n_sf; j++)
		for (uint32_t k = 0; k < h.sf_nlinks[j]; k++)
			load[h.sf_links[j][k]] += best_r[j];

	heur_prefer_low_delay(&h, best_r, load);
	heur_top_up(&h, best_r, load);

	for (size_t i = 0; i < n; i++) {
		uint32_t base = p->dp_off[dem[i]];
		for (uint32_t j = h.sf_off[i]; j < h.sf_off[i + 1]; j++)
			rate[base + (j - h.sf_off[i])] = best_r[j];
	}
	for (uint32_t l = 0; l < h.n_links; l++) {
		cap[l] -= load[l];
		if (cap[l] < 0)
			cap[l] = 0;
	}
	free(load);
	free(best_r);
	free(best_sorted);
	free(cur_sorted);
	free(prev_x);
	heur_teardown(&h);
	return 0;
}
