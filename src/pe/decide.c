/*
 * decide.c - the peering decision heuristic (see decide.h for the
 * algorithm and its guarantee).
 *
 * Work per cycle is O(D log D + sum of candidates) for D demands: demands
 * are bucketed by class once, each class sorts its latency-move list and,
 * per overloaded link, that link's demands; every room check is one
 * comparison against the link's limit. Prefixes without traffic cost
 * nothing beyond the state arrays.
 */
#include "pe/decide.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lpm.h"
#include "lib/mem.h"

#define NEVER (-1e30f)
/* two-move chains tried per relief call (each scans the class) */
#define PE_MAX_EJECTS 256

void pe_opts_default(pe_opts *o)
{
	memset(o, 0, sizeof *o);
	o->headroom = 0.95;
	o->min_gain_ms = 5;
	o->max_moves = 1000;
	o->hold_s = 300;
	o->split = false;
	o->split_bits = 1;
	o->split_max_v4 = 24;
	o->split_max_v6 = 48;
}

const char *pe_reason_name(int reason)
{
	switch (reason) {
	case PE_WITHDRAWN: return "withdrawn";
	case PE_LATENCY: return "latency";
	case PE_OVERLOAD: return "overload";
	case PE_SPLIT: return "split";
	default: return "?";
	}
}

void pe_result_free(pe_result *r)
{
	free(r->choice);
	free(r->load);
	free(r->moves);
	free(r->splits);
	memset(r, 0, sizeof *r);
}

void pe_state_init(pe_state *s)
{
	memset(s, 0, sizeof *s);
}

void pe_state_fit(pe_state *s, size_t n_pfx, unsigned n_class)
{
	if (n_pfx <= s->n_pfx && n_class <= s->n_class)
		return;
	size_t np = n_pfx > s->n_pfx ? n_pfx : s->n_pfx;
	unsigned nc = n_class > s->n_class ? n_class : s->n_class;
	uint32_t *cur = neto_reallocarray(NULL, np * nc, sizeof *cur);
	float *at = neto_reallocarray(NULL, np * nc, sizeof *at);
	for (size_t p = 0; p < np; p++) {
		for (unsigned c = 0; c < nc; c++) {
			bool old = p < s->n_pfx && c < s->n_class;
			cur[p * nc + c] = old ? s->cur[p * s->n_class + c] : PE_NONE;
			at[p * nc + c] = old ? s->moved_at[p * s->n_class + c] : NEVER;
		}
	}
	free(s->cur);
	free(s->moved_at);
	s->cur = cur;
	s->moved_at = at;
	s->n_pfx = np;
	s->n_class = nc;
}

void pe_state_free(pe_state *s)
{
	free(s->cur);
	free(s->moved_at);
	pe_state_init(s);
}

/* ---- one cycle ----------------------------------------------------------- */

typedef struct ctx {
	const pe_problem *p;
	const pe_opts *o;
	pe_result *r;
	double *lim;		/* headroom x capacity */
	uint32_t *start;	/* per demand: where it was at the start of the cycle */
	uint32_t *relieved;	/* per demand: first link it was relieved from */
	uint8_t *moved;		/* per demand: a move was recorded */
	uint8_t *elig;		/* per demand: may move for latency this cycle */
	size_t cap_moves, cap_splits;
	bool swaps;		/* relief may exchange demands (swap()) */
} ctx;

static uint32_t link_of(const ctx *x, uint32_t e)
{
	return x->p->egress_link[e];
}

/* The latency of egress e for prefix pfx, +inf when not a candidate. */
static float lat_of(const pe_problem *p, uint32_t pfx, uint32_t e)
{
	for (uint32_t k = p->cand_off[pfx]; k < p->cand_off[pfx + 1]; k++)
		if (p->cand_egress[k] == e)
			return p->cand_lat[k];
	return INFINITY;
}

/* What placing d on egress e costs: its latency, plus min_gain_ms when
 * that is a move from where d started (a move must pay for itself). */
static double cost(const ctx *x, uint32_t d, uint32_t e, float lat)
{
	return (double)lat + (e != x->start[d] ? x->o->min_gain_ms : 0);
}

static bool fits(const ctx *x, uint32_t from, uint32_t to, double rate)
{
	uint32_t lt = link_of(x, to);
	if (from != PE_NONE && link_of(x, from) == lt)
		return true;	/* same link: the load does not change */
	return x->r->load[lt] + rate <= x->lim[lt];
}

static void record(ctx *x, uint32_t d, uint32_t from, uint32_t to, int reason, uint32_t link)
{
	const pe_problem *p = x->p;
	pe_result *r = x->r;
	if (r->n_moves == x->cap_moves) {
		x->cap_moves = x->cap_moves ? 2 * x->cap_moves : 256;
		r->moves = neto_reallocarray(r->moves, x->cap_moves, sizeof *r->moves);
	}
	pe_move *m = &r->moves[r->n_moves++];
	m->dem = d;
	m->from = from;
	m->to = to;
	m->reason = (uint8_t)reason;
	uint32_t pfx = p->dem[d].pfx;
	m->lat_from = from == PE_NONE ? NAN : lat_of(p, pfx, from);
	m->lat_to = to == PE_NONE ? NAN : lat_of(p, pfx, to);
	m->link = link;
	x->moved[d] = 1;
}

static void place(ctx *x, uint32_t d, uint32_t to)
{
	uint32_t from = x->r->choice[d];
	double rate = x->p->dem[d].rate;
	if (from != PE_NONE)
		x->r->load[link_of(x, from)] -= rate;
	x->r->load[link_of(x, to)] += rate;
	x->r->choice[d] = to;
}

typedef struct cand_sort {
	uint32_t d;
	double key, rate;
} cand_sort;

static int by_key_desc(const void *a, const void *b)
{
	const cand_sort *x = a, *y = b;
	if (x->key != y->key)
		return x->key > y->key ? -1 : 1;
	return x->d < y->d ? -1 : x->d > y->d;
}

static int by_key_asc_rate_desc(const void *a, const void *b)
{
	const cand_sort *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->rate != y->rate)
		return x->rate > y->rate ? -1 : 1;
	return x->d < y->d ? -1 : x->d > y->d;
}

/* The cheapest candidate of d (cost()) with room that is not on link
 * `avoid` (PE_NONE when none). */
static uint32_t best_with_room(const ctx *x, uint32_t d, uint32_t avoid, double *c)
{
	const pe_problem *p = x->p;
	uint32_t pfx = p->dem[d].pfx, best = PE_NONE, from = x->r->choice[d];
	double bc = (double)INFINITY;
	for (uint32_t k = p->cand_off[pfx]; k < p->cand_off[pfx + 1]; k++) {
		uint32_t e = p->cand_egress[k];
		if (link_of(x, e) == avoid)
			continue;
		double ce = cost(x, d, e, p->cand_lat[k]);
		if (ce >= bc || !fits(x, from, e, p->dem[d].rate))
			continue;
		best = e;
		bc = ce;
	}
	*c = bc;
	return best;
}

/* Projects the demands whose lowest-latency egress saves more than
 * min_gain_ms onto it, capacity aside (relief sorts that out), the largest
 * gains first, at most max_moves of them; held-down demands stay. */
static void project(ctx *x, const uint32_t *ds, size_t n, const pe_state *s, double now)
{
	const pe_problem *p = x->p;
	const pe_opts *o = x->o;
	cand_sort *l = neto_reallocarray(NULL, n ? n : 1, sizeof *l);
	uint32_t *to = neto_reallocarray(NULL, n ? n : 1, sizeof *to);
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t d = ds[i], pfx = p->dem[d].pfx, cur = x->r->choice[d];
		if (cur == PE_NONE)
			continue;
		size_t si = (size_t)pfx * s->n_class + p->dem[d].cls;
		if (now < (double)s->moved_at[si] + o->hold_s)
			continue;	/* hold-down after a move */
		float lc = lat_of(p, pfx, cur), lb = lc;
		uint32_t be = cur;
		for (uint32_t k = p->cand_off[pfx]; k < p->cand_off[pfx + 1]; k++) {
			if (p->cand_lat[k] < lb) {
				lb = p->cand_lat[k];
				be = p->cand_egress[k];
			}
		}
		if ((double)(lc - lb) > o->min_gain_ms) {
			l[m].d = d;
			l[m].rate = p->dem[d].rate;
			l[m].key = p->dem[d].rate * (double)(lc - lb);
			to[m] = be;
			m++;
		}
	}
	/* keep the destination with its demand through the sort */
	for (size_t i = 0; i < m; i++)
		x->relieved[l[i].d] = to[i];
	qsort(l, m, sizeof *l, by_key_desc);
	for (size_t i = 0; i < m; i++) {
		uint32_t d = l[i].d;
		if (i >= o->max_moves) {
			x->r->n_capped++;
		} else {
			place(x, d, x->relieved[d]);
			x->elig[d] = 1;
		}
		x->relieved[d] = PE_NONE;
	}
	free(l);
	free(to);
}

/* Splits d into 2^bits more-specifics placed on the lowest-latency
 * candidates with room; false (nothing changed) when a part fits nowhere. */
static bool try_split(ctx *x, uint32_t d, uint32_t link)
{
	const pe_problem *p = x->p;
	const pe_opts *o = x->o;
	uint32_t pfx = p->dem[d].pfx;
	unsigned bits = o->split_bits < 1 ? 1 : o->split_bits > 4 ? 4 : o->split_bits;
	if (p->pfx_len == NULL || x->moved[d])
		return false;
	unsigned max = p->pfx_family != NULL && p->pfx_family[pfx] == 6 ? o->split_max_v6
									: o->split_max_v4;
	if (p->pfx_len[pfx] + bits > max)
		return false;
	unsigned parts = 1u << bits;
	double part = p->dem[d].rate / parts;
	uint32_t from = x->r->choice[d];
	x->r->load[link_of(x, from)] -= p->dem[d].rate;
	pe_split sp;
	memset(&sp, 0, sizeof sp);
	sp.dem = d;
	sp.bits = (uint8_t)bits;
	unsigned i;
	for (i = 0; i < parts; i++) {
		uint32_t best = PE_NONE;
		float bl = INFINITY;
		for (uint32_t k = p->cand_off[pfx]; k < p->cand_off[pfx + 1]; k++) {
			uint32_t e = p->cand_egress[k];
			uint32_t l = link_of(x, e);
			if (x->r->load[l] + part <= x->lim[l] && p->cand_lat[k] < bl) {
				best = e;
				bl = p->cand_lat[k];
			}
		}
		if (best == PE_NONE)
			break;
		sp.egress[i] = best;
		x->r->load[link_of(x, best)] += part;
	}
	if (i < parts) {
		for (unsigned j = 0; j < i; j++)
			x->r->load[link_of(x, sp.egress[j])] -= part;
		x->r->load[link_of(x, from)] += p->dem[d].rate;
		return false;
	}
	if (x->r->n_splits == x->cap_splits) {
		x->cap_splits = x->cap_splits ? 2 * x->cap_splits : 16;
		x->r->splits = neto_reallocarray(x->r->splits, x->cap_splits, sizeof *x->r->splits);
	}
	x->r->splits[x->r->n_splits++] = sp;
	record(x, d, x->start[d], sp.egress[0], PE_SPLIT, link);
	x->r->choice[d] = sp.egress[0];
	return true;
}

static int by_rate_desc(const void *a, const void *b)
{
	const cand_sort *x = a, *y = b;
	if (x->rate != y->rate)
		return x->rate > y->rate ? -1 : 1;
	return x->d < y->d ? -1 : x->d > y->d;
}

/* d fits on no other link as things are: try to make room for it on one
 * of its candidate links m by moving demands of the same class off m to
 * links with room (not l, not m), cheapest first: a chain of two moves.
 * True when d moved. */
static bool eject(ctx *x, uint32_t d, uint32_t l, const uint32_t *ds, size_t n,
		  cand_sort *tmp)
{
	const pe_problem *p = x->p;
	pe_result *r = x->r;
	uint32_t pfx = p->dem[d].pfx;
	for (uint32_t k = p->cand_off[pfx]; k < p->cand_off[pfx + 1]; k++) {
		uint32_t e = p->cand_egress[k], m = link_of(x, e);
		if (m == l || p->dem[d].rate > x->lim[m])
			continue;
		double need = r->load[m] + p->dem[d].rate - x->lim[m];
		size_t q = 0;
		for (size_t i = 0; i < n; i++) {
			uint32_t o = ds[i];
			if (o == d || r->choice[o] == PE_NONE || link_of(x, r->choice[o]) != m ||
			    x->moved[o])
				continue;
			tmp[q].d = o;
			tmp[q].rate = p->dem[o].rate;
			tmp[q].key = 0;
			q++;
		}
		/* largest first: the fewest moves to make the room */
		qsort(tmp, q, sizeof *tmp, by_rate_desc);
		double freed = 0;
		size_t used = 0;
		uint32_t *dest = neto_reallocarray(NULL, q ? q : 1, sizeof *dest);
		for (size_t i = 0; i < q && freed < need; i++) {
			uint32_t o = tmp[i].d, best = PE_NONE, opfx = p->dem[o].pfx;
			double bc = (double)INFINITY;
			for (uint32_t j = p->cand_off[opfx]; j < p->cand_off[opfx + 1]; j++) {
				uint32_t f = p->cand_egress[j], lf = link_of(x, f);
				if (lf == l || lf == m || r->load[lf] + tmp[i].rate > x->lim[lf])
					continue;
				double c = cost(x, o, f, p->cand_lat[j]);
				if (c < bc) {
					bc = c;
					best = f;
				}
			}
			if (best == PE_NONE)
				continue;
			/* tentatively: load moves now, undone below if short */
			dest[used] = r->choice[o];
			tmp[used] = tmp[i];
			r->choice[o] = best;
			r->load[m] -= tmp[i].rate;
			r->load[link_of(x, best)] += tmp[i].rate;
			freed += tmp[i].rate;
			used++;
		}
		if (freed >= need) {
			for (size_t i = 0; i < used; i++)
				if (x->relieved[tmp[i].d] == PE_NONE)
					x->relieved[tmp[i].d] = m;
			free(dest);
			if (x->relieved[d] == PE_NONE)
				x->relieved[d] = l;
			place(x, d, e);
			return true;
		}
		for (size_t i = used; i-- > 0;) {
			uint32_t o = tmp[i].d;
			r->load[link_of(x, r->choice[o])] -= tmp[i].rate;
			r->load[m] += tmp[i].rate;
			r->choice[o] = dest[i];
		}
		free(dest);
	}
	return false;
}

/* d is stuck on overloaded link l and fits on no other candidate link,
 * even with eject's chains: try a swap instead. A demand o of the class on
 * one of d's candidate links m, smaller than d and able to use l, trades
 * places with d when m stays under headroom with d on it and l ends under
 * headroom too (so the swap never leaves a link above headroom that was
 * not), the pair that adds the least cost (latency and move prices) first. Packing problems
 * that one-way moves cannot solve often need exactly this exchange. True
 * when the swap was made. Used only after repack() failed. */
static bool swap(ctx *x, uint32_t d, uint32_t l, const uint32_t *ds, size_t n)
{
	const pe_problem *p = x->p;
	pe_result *r = x->r;
	double rd = p->dem[d].rate;
	uint32_t pfx = p->dem[d].pfx;
	uint32_t best_o = PE_NONE, best_e = PE_NONE, best_f = PE_NONE;
	double best_c = (double)INFINITY;
	double cd = cost(x, d, r->choice[d], lat_of(p, pfx, r->choice[d]));
	for (uint32_t k = p->cand_off[pfx]; k < p->cand_off[pfx + 1]; k++) {
		uint32_t e = p->cand_egress[k], m = link_of(x, e);
		if (m == l)
			continue;
		double ce = cost(x, d, e, p->cand_lat[k]) - cd;
		double need = r->load[m] + rd - x->lim[m];	/* o must free this */
		for (size_t i = 0; i < n; i++) {
			uint32_t o = ds[i];
			double ro = p->dem[o].rate;
			if (o == d || x->moved[o] || r->choice[o] == PE_NONE ||
			    link_of(x, r->choice[o]) != m || ro >= rd || ro < need ||
			    r->load[l] - rd + ro > x->lim[l])
				continue;
			uint32_t opfx = p->dem[o].pfx, f = PE_NONE;
			double co = cost(x, o, r->choice[o], lat_of(p, opfx, r->choice[o]));
			double cf = (double)INFINITY;
			for (uint32_t j = p->cand_off[opfx]; j < p->cand_off[opfx + 1]; j++) {
				uint32_t g = p->cand_egress[j];
				double cg = cost(x, o, g, p->cand_lat[j]) - co;
				if (link_of(x, g) == l && cg < cf) {
					cf = cg;
					f = g;
				}
			}
			/* per unit of rate: d's and o's added cost, weighted */
			double c = rd * ce + ro * cf;
			if (f == PE_NONE || c >= best_c)
				continue;
			best_o = o;
			best_e = e;
			best_f = f;
			best_c = c;
		}
	}
	if (best_o == PE_NONE)
		return false;
	if (x->relieved[d] == PE_NONE)
		x->relieved[d] = l;
	if (x->relieved[best_o] == PE_NONE)
		x->relieved[best_o] = link_of(x, best_e);
	/* d leaves l first: l's load only falls, m's stays under headroom */
	place(x, d, best_e);
	place(x, best_o, best_f);
	return true;
}

static void relieve(ctx *x, const uint32_t *ds, size_t n)
{
	const pe_problem *p = x->p;
	pe_result *r = x->r;
	cand_sort *l = neto_reallocarray(NULL, n ? n : 1, sizeof *l);
	cand_sort *tmp = neto_reallocarray(NULL, n ? n : 1, sizeof *tmp);
	/* chains cost a scan of the class each: bounded per call */
	unsigned ejects = 0;
	/* relieving one link frees room on it that a demand stuck on another
	 * overloaded link may use: repeat while a pass moved something (each
	 * move lowers the total overload, so this ends) */
	bool again = true;
	for (unsigned pass = 0; again && pass < 64; pass++) {
		again = false;
		for (uint32_t li = 0; li < p->n_links; li++) {
			if (r->load[li] <= x->lim[li])
				continue;
			size_t m = 0;
			for (size_t i = 0; i < n; i++) {
				uint32_t d = ds[i], cur = r->choice[d];
				if (cur == PE_NONE || link_of(x, cur) != li || x->moved[d])
					continue;
				double c;
				uint32_t alt = best_with_room(x, d, li, &c);
				l[m].d = d;
				l[m].rate = p->dem[d].rate;
				/* extra cost per unit of load moved: the cost
				 * difference (latency, and a move's price) */
				l[m].key = alt == PE_NONE
						   ? (double)INFINITY
						   : c - cost(x, d, cur, lat_of(p, p->dem[d].pfx, cur));
				m++;
			}
			qsort(l, m, sizeof *l, by_key_asc_rate_desc);
			for (size_t i = 0; i < m && r->load[li] > x->lim[li]; i++) {
				uint32_t d = l[i].d;
				double c;
				uint32_t to = best_with_room(x, d, li, &c);
				if (to != PE_NONE) {
					if (x->relieved[d] == PE_NONE)
						x->relieved[d] = li;
					place(x, d, to);
					again = true;
				} else if (ejects < PE_MAX_EJECTS && (ejects++, eject(x, d, li, ds, n, tmp))) {
					again = true;
				} else if (x->swaps && ejects < PE_MAX_EJECTS &&
					   (ejects++, swap(x, d, li, ds, n))) {
					again = true;
				} else if (x->o->split && try_split(x, d, li)) {
					again = true;
				}
			}
		}
	}
	free(l);
	free(tmp);
}

static double overload(const ctx *x)
{
	double o = 0;
	for (size_t l = 0; l < x->p->n_links; l++)
		if (x->r->load[l] > x->lim[l])
			o += x->r->load[l] - x->lim[l];
	return o;
}

/* When relief leaves a link above headroom, moving demands one at a time
 * may simply be the wrong order (a packing problem): place the class again
 * largest demand first, each on its cheapest candidate with room (else the
 * one with the most room left), relieve once more, and keep whichever of
 * the two leaves less traffic above headroom. */
static void repack(ctx *x, const uint32_t *ds, size_t n)
{
	const pe_problem *p = x->p;
	pe_result *r = x->r;
	double before = overload(x);
	if (before <= 0 || n == 0)
		return;
	uint32_t *keep = neto_reallocarray(NULL, n, sizeof *keep);
	uint32_t *keep_rel = neto_reallocarray(NULL, n, sizeof *keep_rel);
	double *keep_load = neto_reallocarray(NULL, p->n_links, sizeof *keep_load);
	memcpy(keep_load, r->load, p->n_links * sizeof *keep_load);
	cand_sort *l = neto_reallocarray(NULL, n, sizeof *l);
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t d = ds[i];
		keep[i] = r->choice[d];
		keep_rel[i] = x->relieved[d];
		if (r->choice[d] == PE_NONE || x->moved[d])
			continue;
		r->load[link_of(x, r->choice[d])] -= p->dem[d].rate;
		r->choice[d] = PE_NONE;
		l[m].d = d;
		l[m].rate = p->dem[d].rate;
		l[m].key = 0;
		m++;
	}
	qsort(l, m, sizeof *l, by_rate_desc);
	for (size_t i = 0; i < m; i++) {
		uint32_t d = l[i].d, pfx = p->dem[d].pfx, best = PE_NONE, roomy = PE_NONE;
		double bc = (double)INFINITY, br = -(double)INFINITY;
		for (uint32_t k = p->cand_off[pfx]; k < p->cand_off[pfx + 1]; k++) {
			uint32_t e = p->cand_egress[k], le = link_of(x, e);
			double room = x->lim[le] - r->load[le];
			double c = cost(x, d, e, p->cand_lat[k]);
			if (room >= p->dem[d].rate && c < bc) {
				bc = c;
				best = e;
			}
			if (room > br) {
				br = room;
				roomy = e;
			}
		}
		if (best == PE_NONE)
			best = roomy;
		r->choice[d] = best;
		r->load[link_of(x, best)] += p->dem[d].rate;
		if (best != x->start[d] && link_of(x, best) != link_of(x, x->start[d]))
			x->relieved[d] = link_of(x, x->start[d]);
	}
	relieve(x, ds, n);
	if (overload(x) >= before) {
		for (size_t i = 0; i < n; i++) {
			r->choice[ds[i]] = keep[i];
			x->relieved[ds[i]] = keep_rel[i];
		}
		memcpy(r->load, keep_load, p->n_links * sizeof *keep_load);
	}
	free(l);
	free(keep);
	free(keep_rel);
	free(keep_load);
}

/* After relief, room is left where demands were moved in whole units:
 * demands that may move for latency (projected this cycle, or moved by
 * relief anyway) take the cheapest candidate with room, the largest saving
 * per unit of load first, never above headroom. */
static void refill(ctx *x, const uint32_t *ds, size_t n)
{
	const pe_problem *p = x->p;
	pe_result *r = x->r;
	cand_sort *l = neto_reallocarray(NULL, n ? n : 1, sizeof *l);
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t d = ds[i], cur = r->choice[d];
		if (cur == PE_NONE || x->moved[d] || (!x->elig[d] && cur == x->start[d]))
			continue;
		double c;
		uint32_t to = best_with_room(x, d, PE_NONE, &c);
		double cc = cost(x, d, cur, lat_of(p, p->dem[d].pfx, cur));
		if (to == PE_NONE || to == cur || c >= cc)
			continue;
		l[m].d = d;
		l[m].rate = p->dem[d].rate;
		l[m].key = cc - c;
		m++;
	}
	qsort(l, m, sizeof *l, by_key_desc);
	for (size_t i = 0; i < m; i++) {
		uint32_t d = l[i].d, cur = r->choice[d];
		double c;
		uint32_t to = best_with_room(x, d, PE_NONE, &c);
		if (to != PE_NONE && to != cur &&
		    c < cost(x, d, cur, lat_of(p, p->dem[d].pfx, cur)))
			place(x, d, to);
	}
	free(l);
}

/* Records each demand of the class that ends elsewhere than it started:
 * relieved off its own starting link, it moved for overload; otherwise for
 * latency (possibly to its second-best egress after relief). */
static void settle(ctx *x, const uint32_t *ds, size_t n)
{
	pe_result *r = x->r;
	for (size_t i = 0; i < n; i++) {
		uint32_t d = ds[i], st = x->start[d], to = r->choice[d];
		if (x->moved[d] || to == st || to == PE_NONE)
			continue;
		if (x->relieved[d] != PE_NONE && x->relieved[d] == link_of(x, st)) {
			record(x, d, st, to, PE_OVERLOAD, x->relieved[d]);
			r->n_relief_moves++;
		} else {
			record(x, d, st, to, PE_LATENCY, PE_NONE);
			r->n_latency_moves++;
		}
	}
}

static int check(const pe_problem *p, neto_err *err)
{
	if (p->n_class == 0 || p->n_class > 256)
		return neto_err_set(err, "peering decision: %u classes (1..256)", p->n_class);
	for (size_t e = 0; e < p->n_egress; e++)
		if (p->egress_link[e] >= p->n_links)
			return neto_err_set(err, "peering decision: egress %zu on link %u of %zu", e,
					    p->egress_link[e], p->n_links);
	for (size_t pf = 0; pf < p->n_pfx; pf++) {
		if (p->cand_off[pf + 1] < p->cand_off[pf])
			return neto_err_set(err, "peering decision: candidate offsets decrease at "
					    "prefix %zu", pf);
		if (p->bgp_best[pf] != PE_NONE && p->bgp_best[pf] >= p->n_egress)
			return neto_err_set(err, "peering decision: BGP choice of prefix %zu is "
					    "egress %u of %zu", pf, p->bgp_best[pf], p->n_egress);
	}
	for (uint32_t k = 0; k < p->cand_off[p->n_pfx]; k++)
		if (p->cand_egress[k] >= p->n_egress || !(p->cand_lat[k] >= 0))
			return neto_err_set(err, "peering decision: candidate %u: egress %u of %zu, "
					    "latency %g", k, p->cand_egress[k], p->n_egress,
					    (double)p->cand_lat[k]);
	for (size_t d = 0; d < p->n_dem; d++)
		if (p->dem[d].pfx >= p->n_pfx || p->dem[d].cls >= p->n_class ||
		    !(p->dem[d].rate >= 0))
			return neto_err_set(err, "peering decision: demand %zu: prefix %u of %zu, "
					    "class %u of %u, rate %g", d, p->dem[d].pfx, p->n_pfx,
					    p->dem[d].cls, p->n_class, p->dem[d].rate);
	for (size_t l = 0; l < p->n_links; l++)
		if (!(p->cap[l] >= 0))
			return neto_err_set(err, "peering decision: link %zu capacity %g", l,
					    p->cap[l]);
	return 0;
}

int pe_decide(const pe_problem *p, const pe_opts *o, pe_state *s, double now, pe_result *r,
	      neto_err *err)
{
	memset(r, 0, sizeof *r);
	if (check(p, err) != 0)
		return -1;
	if (!(o->headroom > 0 && o->headroom <= 1))
		return neto_err_set(err, "peering decision: headroom %g outside (0, 1]",
				    o->headroom);
	pe_state_fit(s, p->n_pfx, p->n_class);
	ctx x = { .p = p, .o = o, .r = r };
	r->choice = neto_reallocarray(NULL, p->n_dem ? p->n_dem : 1, sizeof *r->choice);
	r->load = neto_calloc(p->n_links ? p->n_links : 1, sizeof *r->load);
	x.lim = neto_reallocarray(NULL, p->n_links ? p->n_links : 1, sizeof *x.lim);
	x.moved = neto_calloc(p->n_dem ? p->n_dem : 1, 1);
	x.start = neto_reallocarray(NULL, p->n_dem ? p->n_dem : 1, sizeof *x.start);
	x.elig = neto_calloc(p->n_dem ? p->n_dem : 1, 1);
	x.relieved = neto_reallocarray(NULL, p->n_dem ? p->n_dem : 1, sizeof *x.relieved);
	memset(x.relieved, 0xff, (p->n_dem ? p->n_dem : 1) * sizeof *x.relieved);
	for (size_t l = 0; l < p->n_links; l++)
		x.lim[l] = o->headroom * p->cap[l];

	/* bucket demands by class (counting sort keeps input order within) */
	size_t *start = neto_calloc(p->n_class + 1, sizeof *start);
	for (size_t d = 0; d < p->n_dem; d++)
		start[p->dem[d].cls + 1]++;
	for (unsigned c = 0; c < p->n_class; c++)
		start[c + 1] += start[c];
	uint32_t *order = neto_reallocarray(NULL, p->n_dem ? p->n_dem : 1, sizeof *order);
	size_t *fill = neto_reallocarray(NULL, p->n_class, sizeof *fill);
	memcpy(fill, start, p->n_class * sizeof *fill);
	for (size_t d = 0; d < p->n_dem; d++)
		order[fill[p->dem[d].cls]++] = (uint32_t)d;
	free(fill);

	for (unsigned c = 0; c < p->n_class; c++) {
		const uint32_t *ds = order + start[c];
		size_t n = start[c + 1] - start[c];
		/* where each demand is now: its previous choice, or BGP's */
		for (size_t i = 0; i < n; i++) {
			uint32_t d = ds[i], pfx = p->dem[d].pfx;
			size_t si = (size_t)pfx * s->n_class + c;
			uint32_t prev = s->cur[si];
			r->choice[d] = PE_NONE;
			if (p->cand_off[pfx] == p->cand_off[pfx + 1]) {
				r->n_unroutable++;
				continue;
			}
			uint32_t bgp = p->bgp_best[pfx];
			if (bgp == PE_NONE || isinf(lat_of(p, pfx, bgp)))
				bgp = p->cand_egress[p->cand_off[pfx]];
			uint32_t cur = prev;
			if (cur != PE_NONE && isinf(lat_of(p, pfx, cur))) {
				record(&x, d, cur, bgp, PE_WITHDRAWN, PE_NONE);
				r->n_withdrawn_moves++;
				cur = bgp;
			}
			if (cur == PE_NONE)
				cur = bgp;
			r->choice[d] = cur;
			r->load[link_of(&x, cur)] += p->dem[d].rate;
		}
		for (size_t i = 0; i < n; i++) {
			x.start[ds[i]] = r->choice[ds[i]];
			x.moved[ds[i]] = 0;	/* a withdrawal does not block relief */
		}
		project(&x, ds, n, s, now);
		relieve(&x, ds, n);
		repack(&x, ds, n);
		/* last resort, since an exchange ignores most of the latency a
		 * repacking would weigh: swaps, while a link is above headroom */
		if (overload(&x) > 0) {
			x.swaps = true;
			relieve(&x, ds, n);
			x.swaps = false;
		}
	}
	/* A link can stay above headroom because the demands of a lower class
	 * on it have nowhere else to go while a higher class's do: the
	 * congestion would hit every class on the link, so capacity comes
	 * before precedence here. Relieve again, any class, lowest precedence
	 * first. */
	if (overload(&x) > 0)
		for (unsigned c = p->n_class; c-- > 0;)
			relieve(&x, order + start[c], start[c + 1] - start[c]);
	for (unsigned c = 0; c < p->n_class; c++)
		refill(&x, order + start[c], start[c + 1] - start[c]);
	for (unsigned c = 0; c < p->n_class; c++)
		settle(&x, order + start[c], start[c + 1] - start[c]);

	for (size_t d = 0; d < p->n_dem; d++) {
		uint32_t e = r->choice[d];
		if (e == PE_NONE)
			continue;
		r->rate_sum += p->dem[d].rate;
		r->lat_sum += p->dem[d].rate * (double)lat_of(p, p->dem[d].pfx, e);
		size_t si = (size_t)p->dem[d].pfx * s->n_class + p->dem[d].cls;
		s->cur[si] = e;
		if (x.moved[d])
			s->moved_at[si] = (float)now;
	}
	for (size_t l = 0; l < p->n_links; l++)
		if (r->load[l] > x.lim[l] * (1 + 1e-9))
			r->n_overloaded++;
	free(order);
	free(start);
	free(x.lim);
	free(x.moved);
	free(x.start);
	free(x.elig);
	free(x.relieved);
	return 0;
}

/* ---- static latency table ------------------------------------------------ */

struct pe_lat_table {
	size_t n_egress;
	lpm **t;		/* 2 per egress: IPv4, IPv6 */
	float *ms;
	size_t n_ms, cap_ms;
};

pe_lat_table *pe_lat_table_new(size_t n_egress)
{
	pe_lat_table *t = neto_calloc(1, sizeof *t);
	t->n_egress = n_egress;
	t->t = neto_calloc(2 * (n_egress ? n_egress : 1), sizeof *t->t);
	return t;
}

void pe_lat_table_free(pe_lat_table *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < 2 * t->n_egress; i++)
		if (t->t[i] != NULL)
			lpm_free(t->t[i]);
	free(t->t);
	free(t->ms);
	free(t);
}

int pe_lat_table_add(pe_lat_table *t, uint32_t egress, int family, const uint8_t *addr,
		     unsigned len, float ms, neto_err *err)
{
	if (egress >= t->n_egress)
		return neto_err_set(err, "latency table: egress %u of %zu", egress, t->n_egress);
	if (family != 4 && family != 6)
		return neto_err_set(err, "latency table: family %d", family);
	if (!(ms >= 0))
		return neto_err_set(err, "latency table: latency %g", (double)ms);
	size_t i = 2 * egress + (family == 6);
	if (t->t[i] == NULL)
		t->t[i] = lpm_new(family);
	if (t->n_ms == t->cap_ms) {
		t->cap_ms = t->cap_ms ? 2 * t->cap_ms : 16;
		t->ms = neto_reallocarray(t->ms, t->cap_ms, sizeof *t->ms);
	}
	if (lpm_insert(t->t[i], addr, len, (uint32_t)t->n_ms) != 0)
		return neto_err_set(err, "latency table: prefix length %u", len);
	t->ms[t->n_ms++] = ms;
	return 0;
}

bool pe_lat_table_get(const pe_lat_table *t, uint32_t egress, int family, const uint8_t *addr,
		      float *ms)
{
	if (egress >= t->n_egress || (family != 4 && family != 6))
		return false;
	const lpm *l = t->t[2 * egress + (family == 6)];
	uint32_t v;
	if (l == NULL || !lpm_lookup(l, addr, &v))
		return false;
	*ms = t->ms[v];
	return true;
}
