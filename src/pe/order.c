/*
 * order.c - congestion-free ordering of egress moves (order.h).
 *
 * The workload: a decision cycle moves up to a few thousand prefixes over a
 * handful of peering links. Most moves fit in the first step; the rest wait
 * for room that moves out of their destination free. The greedy below is
 * O(steps x moves log moves), which is milliseconds at that size.
 *
 * Why greedy and not exact: ordering unsplittable moves under capacities is
 * a scheduling problem with no known polynomial algorithm (a swap between
 * two full links has no order at all). The test compares the greedy with an
 * exhaustive search on small instances (tests/unit/test_pe_order.c).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"
#include "pe/order.h"

void pe_order_result_free(pe_order_result *r)
{
	free(r->order);
	free(r->step_off);
	free(r->slack);
	free(r->left);
	memset(r, 0, sizeof *r);
}

/* Tolerance of a comparison against a link's limit: rates are sums of
 * doubles, and a move that fits exactly must fit. */
static double eps_of(double cap)
{
	return 1e-9 * cap;
}

/* Does move m put traffic on a link (and which)? */
static bool incoming(const pe_order_move *m)
{
	return m->to != PE_ORDER_NONE && m->to != m->from && m->rate > 0;
}

static int check_problem(const pe_order_problem *p, neto_err *err)
{
	if (!(p->headroom > 0 && p->headroom <= 1))
		return neto_err_set(err, "order: headroom %g outside (0, 1]", p->headroom);
	for (size_t l = 0; l < p->n_links; l++) {
		if (!(p->cap[l] > 0) || !isfinite(p->cap[l]))
			return neto_err_set(err, "order: link %zu: capacity %g not above 0", l,
					    p->cap[l]);
		if (!(p->load[l] >= 0) || !isfinite(p->load[l]))
			return neto_err_set(err, "order: link %zu: load %g not a rate", l,
					    p->load[l]);
	}
	for (size_t m = 0; m < p->n_moves; m++) {
		const pe_order_move *v = &p->moves[m];
		if ((v->from != PE_ORDER_NONE && v->from >= p->n_links) ||
		    (v->to != PE_ORDER_NONE && v->to >= p->n_links))
			return neto_err_set(err, "order: move %zu: link out of range", m);
		if (!(v->rate >= 0) || !isfinite(v->rate))
			return neto_err_set(err, "order: move %zu: rate %g not a rate", m, v->rate);
	}
	return 0;
}

typedef struct cand {
	uint32_t m;
	bool frees;	/* its source link is wanted by a move that does not fit */
	double rate;	/* the order among the freeing and among the others:
			 * the rate, or a shuffle on another attempt */
} cand;

static int cmp_cand(const void *a, const void *b)
{
	const cand *x = a, *y = b;
	if (x->frees != y->frees)
		return x->frees ? -1 : 1;
	if (x->rate != y->rate)
		return x->rate > y->rate ? -1 : 1;
	return x->m < y->m ? -1 : x->m > y->m;
}

/* Stuck: the move to make alone in the slack between headroom and
 * capacity. Among the moves that stay within capacity, the one after which
 * the most other moves fit under headroom (it frees the room they wait
 * for), then the one needing the least slack. SIZE_MAX when none fits even
 * under capacity. O(moves^2), only when stuck. */
static size_t slack_pick(const pe_order_problem *p, double *load, const bool *done,
			 const cand *c, size_t nc)
{
	size_t best = SIZE_MAX, best_n = 0;
	double best_excess = 0;
	for (size_t i = 0; i < nc; i++) {
		const pe_order_move *v = &p->moves[c[i].m];
		if (!incoming(v))
			continue; /* would have fitted: not stuck */
		double after = load[v->to] + v->rate;
		if (after > p->cap[v->to] + eps_of(p->cap[v->to]))
			continue;
		double excess = after - p->headroom * p->cap[v->to];
		/* what fits once v is done */
		load[v->to] += v->rate;
		if (v->from != PE_ORDER_NONE)
			load[v->from] -= v->rate;
		size_t n = 0;
		for (size_t j = 0; j < nc; j++) {
			const pe_order_move *w = &p->moves[c[j].m];
			if (j == i || done[c[j].m] || !incoming(w))
				continue;
			n += load[w->to] + w->rate <=
			     p->headroom * p->cap[w->to] + eps_of(p->cap[w->to]);
		}
		load[v->to] -= v->rate;
		if (v->from != PE_ORDER_NONE)
			load[v->from] += v->rate;
		if (best == SIZE_MAX || n > best_n || (n == best_n && excess < best_excess)) {
			best = c[i].m;
			best_n = n;
			best_excess = excess;
		}
	}
	return best;
}

/* Appends the moves sel[0..n) as one step. */
static void add_step(pe_order_result *r, const uint32_t *sel, size_t n, bool slack)
{
	size_t at = r->step_off[r->n_steps];
	memcpy(r->order + at, sel, n * sizeof *sel);
	r->slack[r->n_steps] = slack;
	r->n_slack += slack;
	r->n_steps++;
	r->step_off[r->n_steps] = at + n;
}

/* A pseudo-random key per (move, attempt): splitmix64. */
static double shuffle_key(uint32_t m, unsigned attempt)
{
	uint64_t z = (uint64_t)m * 0x9E3779B97F4A7C15ULL + attempt * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return (double)((z ^ (z >> 31)) >> 11);
}

/* One greedy run. Attempts 0 and 1 take the larger moves first, later ones
 * a shuffled order (freeing moves still first). Odd attempts are
 * sequential: one move that takes room per step (the parallel greedy may
 * let a small move eat the room a larger one needed), the steps merged
 * afterwards where the merged step is still safe (compact). */
static void order_run(const pe_order_problem *p, pe_order_result *r, unsigned attempt)
{
	bool seq = attempt % 2 == 1;
	memset(r, 0, sizeof *r);
	size_t L = p->n_links, M = p->n_moves;
	double *load = neto_calloc(L + 1, sizeof *load);
	double *want = neto_calloc(L + 1, sizeof *want);
	double *in = neto_calloc(L + 1, sizeof *in);
	bool *blocked = neto_calloc(L + 1, sizeof *blocked);
	bool *done = neto_calloc(M + 1, sizeof *done);
	cand *c = neto_calloc(M + 1, sizeof *c);
	uint32_t *sel = neto_calloc(M + 1, sizeof *sel);
	if (L)
		memcpy(load, p->load, L * sizeof *load);
	r->order = neto_calloc(M + 1, sizeof *r->order);
	r->step_off = neto_calloc(M + 2, sizeof *r->step_off);
	r->slack = neto_calloc(M + 1, sizeof *r->slack);
	r->left = neto_calloc(M + 1, sizeof *r->left);
	size_t remaining = M;

	while (remaining > 0) {
		/* which links cannot take every move still wanting in */
		for (size_t l = 0; l < L; l++) {
			want[l] = 0;
			in[l] = 0;
		}
		for (size_t m = 0; m < M; m++)
			if (!done[m] && incoming(&p->moves[m]))
				want[p->moves[m].to] += p->moves[m].rate;
		for (size_t l = 0; l < L; l++)
			blocked[l] = load[l] + want[l] >
				     p->headroom * p->cap[l] + eps_of(p->cap[l]);
		size_t nc = 0;
		for (size_t m = 0; m < M; m++) {
			if (done[m])
				continue;
			const pe_order_move *v = &p->moves[m];
			c[nc++] = (cand){ .m = (uint32_t)m,
					  .frees = v->from != PE_ORDER_NONE && blocked[v->from],
					  .rate = attempt >= 2 ? shuffle_key((uint32_t)m, attempt)
							       : v->rate };
		}
		qsort(c, nc, sizeof *c, cmp_cand);
		size_t ns = 0;
		bool took = false;
		for (size_t i = 0; i < nc; i++) {
			const pe_order_move *v = &p->moves[c[i].m];
			if (incoming(v)) {
				double lim = p->headroom * p->cap[v->to] + eps_of(p->cap[v->to]);
				if (load[v->to] + in[v->to] + v->rate > lim)
					continue;
				if (seq && took)
					continue;
				in[v->to] += v->rate;
				took = true;
			}
			sel[ns++] = c[i].m;
		}
		bool slack = false;
		if (ns == 0 && p->use_slack && r->n_slack < PE_ORDER_MAX_SLACK) {
			size_t best = slack_pick(p, load, done, c, nc);
			if (best != SIZE_MAX) {
				sel[ns++] = (uint32_t)best;
				slack = true;
			}
		}
		if (ns == 0)
			break;
		for (size_t i = 0; i < ns; i++) {
			const pe_order_move *v = &p->moves[sel[i]];
			if (v->to != PE_ORDER_NONE)
				load[v->to] += v->rate;
			if (v->from != PE_ORDER_NONE) {
				load[v->from] -= v->rate;
				if (load[v->from] < 0)
					load[v->from] = 0;
			}
			done[sel[i]] = true;
		}
		add_step(r, sel, ns, slack);
		remaining -= ns;
	}
	for (size_t m = 0; m < M; m++)
		if (!done[m])
			r->left[r->n_left++] = (uint32_t)m;
	free(load);
	free(want);
	free(in);
	free(blocked);
	free(done);
	free(c);
	free(sel);
}

/* Merges consecutive steps (not the slack ones) while the merged step is
 * still safe from the load before it: a sequential run's one-move steps
 * become as few steps as that order allows. */
static void compact(const pe_order_problem *p, pe_order_result *r)
{
	size_t L = p->n_links;
	double *load = neto_calloc(L + 1, sizeof *load);
	double *in = neto_calloc(L + 1, sizeof *in);
	size_t *off = neto_calloc(r->n_steps + 2, sizeof *off);
	bool *slack = neto_calloc(r->n_steps + 1, sizeof *slack);
	size_t n = 0;
	if (L)
		memcpy(load, p->load, L * sizeof *load);
	/* group [gs, ge) of the old steps forms new step n */
	size_t gs = 0;
	while (gs < r->n_steps) {
		for (size_t l = 0; l < L; l++)
			in[l] = 0;
		size_t ge = gs;
		while (ge < r->n_steps) {
			if (r->slack[ge] && ge > gs)
				break;
			bool ok = true;
			for (size_t i = r->step_off[ge]; i < r->step_off[ge + 1] && ok; i++) {
				const pe_order_move *v = &p->moves[r->order[i]];
				if (incoming(v))
					ok = load[v->to] + in[v->to] + v->rate <=
					     p->headroom * p->cap[v->to] + eps_of(p->cap[v->to]);
				if (ok && incoming(v))
					in[v->to] += v->rate;
			}
			if (!ok && ge > gs)
				break; /* in[] is rebuilt for the next group */
			ge++;
			if (r->slack[ge - 1])
				break;
		}
		off[n + 1] = r->step_off[ge];
		slack[n] = r->slack[gs];
		n++;
		for (size_t i = r->step_off[gs]; i < r->step_off[ge]; i++) {
			const pe_order_move *v = &p->moves[r->order[i]];
			if (v->to != PE_ORDER_NONE)
				load[v->to] += v->rate;
			if (v->from != PE_ORDER_NONE)
				load[v->from] -= v->rate;
		}
		gs = ge;
	}
	free(r->step_off);
	free(r->slack);
	r->step_off = off;
	r->slack = slack;
	r->n_steps = n;
	free(load);
	free(in);
}

/* Fewer moves left; then fewer steps, a slack step counting twice (each
 * step is a barrier over every border router, so a result of many steps
 * is no better for avoiding one slack step); then fewer slack steps. */
static bool better(const pe_order_result *a, const pe_order_result *b)
{
	if (a->n_left != b->n_left)
		return a->n_left < b->n_left;
	if (a->n_steps + a->n_slack != b->n_steps + b->n_slack)
		return a->n_steps + a->n_slack < b->n_steps + b->n_slack;
	return a->n_slack < b->n_slack;
}

int pe_order(const pe_order_problem *p, pe_order_result *r, neto_err *err)
{
	memset(r, 0, sizeof *r);
	if (check_problem(p, err) != 0)
		return -1;
	order_run(p, r, 0);
	/* stuck: the greedy's choices of which move takes a contended link's
	 * room may be what blocked it; a few shuffled attempts */
	for (unsigned a = 1; a < PE_ORDER_ATTEMPTS && (r->n_left > 0 || r->n_slack > 0); a++) {
		if (a % 2 == 1 && p->n_moves > PE_ORDER_SEQ_MAX)
			continue; /* O(moves^2 log moves): small problems only */
		pe_order_result o;
		order_run(p, &o, a);
		if (a % 2 == 1)
			compact(p, &o);
		if (better(&o, r)) {
			pe_order_result_free(r);
			*r = o;
		} else {
			pe_order_result_free(&o);
		}
	}
	pe_order_verify(p, r, NULL, &r->peak);
	return 0;
}

static void violation(pe_order_violation *v, size_t *n, size_t step, uint32_t link,
		      double load, double limit)
{
	if (*n == 0 && v != NULL)
		*v = (pe_order_violation){ .step = step, .link = link, .load = load,
					   .limit = limit };
	(*n)++;
}

size_t pe_order_verify(const pe_order_problem *p, const pe_order_result *r,
		       pe_order_violation *v, double *peak)
{
	size_t L = p->n_links, M = p->n_moves, nv = 0;
	unsigned char *seen = neto_calloc(M + 1, 1);
	double *load = neto_calloc(L + 1, sizeof *load);
	double *in = neto_calloc(L + 1, sizeof *in);
	double top = 0;
	if (L)
		memcpy(load, p->load, L * sizeof *load);
	size_t n_ordered = r->n_steps ? r->step_off[r->n_steps] : 0;
	for (size_t i = 0; i < n_ordered + r->n_left; i++) {
		uint32_t m = i < n_ordered ? r->order[i] : r->left[i - n_ordered];
		if (m >= M || seen[m]++)
			violation(v, &nv, SIZE_MAX, PE_ORDER_NONE, 0, 0);
	}
	for (size_t m = 0; m < M; m++)
		if (!seen[m])
			violation(v, &nv, SIZE_MAX, PE_ORDER_NONE, 0, 0);
	for (size_t k = 0; k < r->n_steps; k++) {
		for (size_t l = 0; l < L; l++)
			in[l] = 0;
		for (size_t i = r->step_off[k]; i < r->step_off[k + 1]; i++) {
			if (r->order[i] >= M)
				continue;
			const pe_order_move *mv = &p->moves[r->order[i]];
			if (incoming(mv) && mv->to < L)
				in[mv->to] += mv->rate;
		}
		for (size_t l = 0; l < L; l++) {
			if (!(in[l] > 0))
				continue;
			double worst = load[l] + in[l];
			double lim = r->slack[k] ? p->cap[l] : p->headroom * p->cap[l];
			if (worst / p->cap[l] > top)
				top = worst / p->cap[l];
			if (worst > lim + eps_of(p->cap[l]))
				violation(v, &nv, k, (uint32_t)l, worst, lim);
		}
		for (size_t i = r->step_off[k]; i < r->step_off[k + 1]; i++) {
			if (r->order[i] >= M)
				continue;
			const pe_order_move *mv = &p->moves[r->order[i]];
			if (mv->to != PE_ORDER_NONE && mv->to < L)
				load[mv->to] += mv->rate;
			if (mv->from != PE_ORDER_NONE && mv->from < L)
				load[mv->from] -= mv->rate;
		}
	}
	if (peak)
		*peak = top;
	free(seen);
	free(load);
	free(in);
	return nv;
}

size_t pe_order_lower_bound(const pe_order_problem *p)
{
	size_t L = p->n_links, M = p->n_moves;
	if (M == 0)
		return 0;
	/* est[m]: earliest step move m can be in; M + 1 = never */
	size_t *est = neto_calloc(M + 1, sizeof *est);
	double *want = neto_calloc(L + 1, sizeof *want);
	size_t never = M + 1, lb = 1;
	for (size_t m = 0; m < M; m++)
		est[m] = 1;
	for (bool changed = true; changed;) {
		changed = false;
		for (size_t m = 0; m < M; m++) {
			const pe_order_move *v = &p->moves[m];
			if (!incoming(v) || est[m] == never)
				continue;
			uint32_t to = v->to;
			double need = p->load[to] + v->rate - p->headroom * p->cap[to] -
				      eps_of(p->cap[to]);
			/* smallest k such that the moves out of `to` that can be
			 * done before step k free at least need */
			size_t k = never;
			if (need <= 0)
				k = 1;
			else
				for (size_t kk = 2; kk <= M + 1 && k == never; kk++) {
					double freed = 0;
					for (size_t o = 0; o < M; o++)
						if (p->moves[o].from == to && p->moves[o].to != to &&
						    est[o] < kk)
							freed += p->moves[o].rate;
					if (freed >= need)
						k = kk;
				}
			if (k > est[m]) {
				est[m] = k;
				changed = true;
			}
		}
	}
	for (size_t m = 0; m < M; m++) {
		const pe_order_move *v = &p->moves[m];
		if (est[m] != never && est[m] > lb)
			lb = est[m];
		if (incoming(v) && est[m] != never)
			want[v->to] += v->rate;
	}
	for (size_t l = 0; l < L && lb < 2; l++)
		if (want[l] > 0 && p->load[l] + want[l] > p->headroom * p->cap[l] + eps_of(p->cap[l]))
			lb = 2;
	free(est);
	free(want);
	return lb;
}
