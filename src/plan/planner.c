/*
 * planner.c - congestion-free transition plans (planner.h): from the
 * installed configuration to the target in few steps, each of which is safe
 * in whatever order the head-ends apply it (the property of plan_verify).
 * docs/design.md, "Transition planning", gives the algorithm and the reasons
 * for it; this is the short version.
 *
 * The workload: up to ~100k tunnels of a few paths each over a few hundred
 * links, most of which change between two TE runs, with bottleneck links full
 * in both (max-min fair allocations saturate them). The answer is wanted in
 * about a second.
 *
 * Vocabulary. For the transition S -> T a tunnel loads link l with a(t, l)
 * under S and b(t, l) under T. The direct jump loads l with
 * W(l) = sum_t max(a, b); links where that exceeds the capacity are "hot".
 * If every tunnel only moves along its own segment S_t -> T_t (a "schedule":
 * configuration i gives tunnel t the rates S_t + lambda_t(i) (T_t - S_t),
 * lambda_t non-decreasing from 0 to 1), a tunnel's load on a link always lies
 * between a and b, so links that are not hot can never be overloaded by any
 * schedule, and tunnels that change on no hot link ("cold movers") can jump
 * in the first step. Only tunnels that change on a hot link ("hot movers")
 * need planning, and only hot links need watching.
 *
 * Under a monotone schedule the worst case of step i on link l is
 *   load_i(l) + sum_t g(t, l) (lambda_t(i+1) - lambda_t(i)),  g = max(b - a, 0):
 * growth must fit in the capacity that is free before the step, and
 * shrinking frees capacity only for the next step.
 *
 * Methods, cheapest first; every candidate plan is checked with plan_verify
 * before it is accepted, and the shortest wins:
 *   1. the direct jump, when no link is hot;
 *   2. two schedules in closed form or near-linear time: the uniform one
 *      (lambda = i/k for everyone; the smallest k that works follows from
 *      the per-link sums of growth and shrinkage, and is below SWAN's bound
 *      whenever every link has slack), and a greedy one (each step advances
 *      every unfinished hot mover by the same fraction of what it has left,
 *      progressive filling over the hot links, freezing the movers that grow
 *      on a link as soon as it fills);
 *   3. the best monotone schedule by LP (the "schedule LP": a variable per
 *      hot mover and intermediate configuration, rows only for the hot
 *      links), for each step count from 2 up while the LP is small and a
 *      deterministic work budget lasts; with no plan yet, first once at
 *      max_steps with shortfalls allowed in the middle steps and minimised
 *      (the "elastic" schedule LP), which says whether any monotone
 *      schedule exists;
 *   4. on small instances, the general LP (below) for fewer steps still:
 *      it may park traffic on a tunnel's other paths;
 *   5. no plan yet (a cycle of tunnels each waiting for another's room on
 *      full links): throttling. By decreasing quality and cost: the general
 *      LP with throttling (small instances), the schedule LP with throttling
 *      (mid-sized), the elastic schedule with its shortfalls covered by
 *      rate limits, the greedy schedule with throttling, and last the
 *      general LP whatever its size, first from where the greedy schedule
 *      stopped.
 *
 * Throttling: only classes below the highest class present are throttled,
 * and a class only for the moves of its own or higher classes: the LPs
 * minimise each class's throttling in turn, the highest class that may be
 * throttled first (so it is throttled only by as much as those moves need
 * with every lower class out of the way), and the heuristics pick, on each
 * link that lacks room, the lowest classes first and none below the highest
 * class that needs the room. A throttled tunnel's traffic is rate-limited
 * for a range of steps (planner.h); the last step lifts every limit.
 *
 * The LP (one per step count k), in the style of SWAN (SIGCOMM'13): a
 * variable r[j][e] >= 0 per intermediate configuration j and entry e of a
 * tunnel in the LP (the core); per step i and group of a tunnel's entries
 * that cross the same links, u[i][g] >= the group's load before and after the
 * step (a group stands for every link its entries share, so a tunnel needs a
 * few of them instead of one per link); per step and link crossed by the core
 * sum_g u[i][g] <= capacity - load of the other tunnels; per intermediate and
 * tunnel sum_e r[j][e] (+ its throttle) >= min(total before, total after).
 * It is exact but large (GLPK needs seconds beyond ~50k nonzeros), hence
 * the restricted LPs above.
 *
 * Numbers: the schedule LPs divide each link row by its capacity, the
 * general LP divides rates by the largest capacity in it; the planner works
 * against capacity x (1 + 1e-10), inside plan_verify's 1e-9, so that
 * rounding in the configurations built from a schedule stays invisible.
 * When an LP solution misses the verifier's tolerance, its basis is handed
 * to GLPK's exact (rational) simplex and read again. GLPK's presolver is
 * never used: on these degenerate LPs it declared feasible ones infeasible.
 *
 * Memory: everything is freed before returning; a plan_result owns its
 * configurations. GLPK's terminal output is silenced per call.
 */
#include "plan/planner.h"

#include <glpk.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/mem.h"

#define PLAN_DEFAULT_STEPS 10
/* Capacity the planner works against, relative to the real one. */
#define PLAN_CAP_TOL 1e-10
/* plan_verify's tolerance, for the message about an overloaded input. */
#define PLAN_VERIFY_TOL 1e-9
/* Feasibility tolerance of the simplex (scaled rates are at most 1). */
#define PLAN_LP_TOL 1e-10
/* A tunnel whose total falls below its normal rate by less than this
 * fraction of it, or of the largest capacity times PLAN_LP_NOISE, is not
 * throttled (LP tolerance), and is left as it is. */
#define PLAN_THROTTLE_REL 1e-7
#define PLAN_LP_NOISE 1e-9
/* Size limits (nonzeros) of the LPs that only look for a shorter plan:
 * the schedule LP and the general one. Larger LPs are left out, and the
 * general LP is solved beyond its limit only when nothing else works. */
#define PLAN_SCHED_MAX 400000
#define PLAN_LP_SMALL 40000
/* Size (nonzeros) up to which the general LP is the first resort when no
 * schedule works; above it, the greedy schedule with throttling is. */
#define PLAN_LP_FALLBACK 50000
/* Size (nonzeros, estimated) up to which the schedule LP with throttling is
 * tried. */
#define PLAN_TSCHED_MAX 60000
/* Work (simplex iterations x (rows + columns)) that all the LPs looking for
 * a shorter plan may spend together: GLPK's primal simplex does roughly
 * 3e7 to 3e8 of it a second on these LPs. A deterministic budget, unlike a
 * time limit: the same input gives the same plan on any machine. */
#define PLAN_LP_WORK 5e7
/* An LP that would get fewer iterations than this is not started. */
#define PLAN_LP_MIN_IT 200
/* Relative slack when a class's throttle is held at its minimum. */
#define PLAN_LEX_REL 1e-6

/* Appends to growable arrays. */
#define GROW(arr, n, cap)                                                            \
	do {                                                                         \
		if ((n) == (cap)) {                                                  \
			(cap) = (cap) ? 2 * (cap) : 64;                              \
			(arr) = neto_reallocarray((arr), (cap), sizeof *(arr));      \
		}                                                                    \
	} while (0)

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* ---- the planner's view of the instance ---- */

typedef struct planner {
	const plan_space *s;
	const double *from, *to;
	unsigned max_steps;
	FILE *progress;
	uint32_t nl;
	size_t nt, ne;
	double *capi;     /* working capacity per link */
	double *normal;   /* per tunnel: min(total before, total after) */
	double *maxtot;   /* per tunnel: max of the two */
	uint8_t *elig;    /* per tunnel: its class may be throttled */
	uint32_t top;     /* priority of the highest class present */
	double capmax;    /* largest capacity */
	double *work;     /* what is left of PLAN_LP_WORK */
} planner;

/* A sequence of configurations, each pl->ne rates, owned. */
typedef struct seq {
	double **cfg;
	size_t n, cap;
} seq;

static void seq_push(seq *q, double *c)
{
	if (q->n == q->cap) {
		q->cap = q->cap ? 2 * q->cap : 16;
		q->cfg = neto_reallocarray(q->cfg, q->cap, sizeof *q->cfg);
	}
	q->cfg[q->n++] = c;
}

static void seq_truncate(seq *q, size_t n)
{
	while (q->n > n)
		free(q->cfg[--q->n]);
}

static double *cfg_dup_n(const double *c, size_t ne)
{
	double *d = neto_malloc((ne ? ne : 1) * sizeof *d);
	memcpy(d, c, ne * sizeof *d);
	return d;
}

/* Replaces dst by a copy of src (ne rates per configuration). */
static void seq_copy(seq *dst, const seq *src, size_t ne)
{
	seq_truncate(dst, 0);
	for (size_t i = 0; i < src->n; i++)
		seq_push(dst, cfg_dup_n(src->cfg[i], ne));
}

static void seq_free(seq *q)
{
	seq_truncate(q, 0);
	free(q->cfg);
	memset(q, 0, sizeof *q);
}

static double *cfg_dup(const planner *pl, const double *c)
{
	return cfg_dup_n(c, pl->ne);
}

/* Replaces the contents of dst by those of src, which is left empty. */
static void seq_move(seq *dst, seq *src)
{
	seq_truncate(dst, 0);
	for (size_t i = 0; i < src->n; i++)
		seq_push(dst, src->cfg[i]);
	src->n = 0;
}

/* Starts q as [c0]. */
static void seq_start(const planner *pl, seq *q, const double *c0)
{
	memset(q, 0, sizeof *q);
	seq_push(q, cfg_dup(pl, c0));
}

/* Makes q (started, possibly emptied by seq_move) [c0] again. */
static void seq_restart(const planner *pl, seq *q, const double *c0)
{
	seq_truncate(q, 0);
	seq_push(q, cfg_dup(pl, c0));
}

static bool seq_verifies(const planner *pl, const seq *q)
{
	return plan_verify(pl->s, (const double *const *)q->cfg, q->n, NULL, 0, NULL) == 0;
}

static void say(const planner *pl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(const planner *pl, const char *fmt, ...)
{
	if (pl->progress == NULL)
		return;
	va_list ap;
	va_start(ap, fmt);
	fputs("neto plan: ", pl->progress);
	vfprintf(pl->progress, fmt, ap);
	fputc('\n', pl->progress);
	va_end(ap);
}

/* ---- a transition S -> T: per-tunnel link loads, hot links, movers ---- */

typedef struct tload {
	uint32_t l;
	double a, b;      /* the tunnel's load on l under S and under T */
} tload;

enum { MOVE_NONE, MOVE_COLD, MOVE_HOT };

typedef struct trans {
	const double *S, *T;
	size_t *off;      /* tunnel t's loads are p[off[t] .. off[t+1]) */
	tload *p;
	double *A, *B, *W;
	uint8_t *hot;
	uint32_t *hot_list;
	uint32_t n_hot;
	uint8_t *kind;    /* MOVE_* per tunnel */
	size_t n_hotmov;
} trans;

static void trans_free(trans *tr)
{
	free(tr->off);
	free(tr->p);
	free(tr->A);
	free(tr->B);
	free(tr->W);
	free(tr->hot);
	free(tr->hot_list);
	free(tr->kind);
	memset(tr, 0, sizeof *tr);
}

static void trans_build(const planner *pl, trans *tr, const double *S, const double *T)
{
	const plan_space *s = pl->s;
	uint32_t nl = pl->nl;
	memset(tr, 0, sizeof *tr);
	tr->S = S;
	tr->T = T;
	tr->off = neto_malloc((pl->nt + 1) * sizeof *tr->off);
	tr->A = neto_calloc(nl, sizeof *tr->A);
	tr->B = neto_calloc(nl, sizeof *tr->B);
	tr->W = neto_calloc(nl, sizeof *tr->W);
	tr->hot = neto_calloc(nl, 1);
	tr->hot_list = neto_malloc(nl * sizeof *tr->hot_list);
	tr->kind = neto_calloc(pl->nt ? pl->nt : 1, 1);
	double *la = neto_calloc(nl, sizeof *la), *lb = neto_calloc(nl, sizeof *lb);
	uint8_t *mark = neto_calloc(nl, 1);
	uint32_t *touched = neto_malloc(nl * sizeof *touched);
	size_t np = 0, cap = 1024;
	tr->p = neto_malloc(cap * sizeof *tr->p);
	for (size_t t = 0; t < pl->nt; t++) {
		const plan_tunnel *tu = &s->tunnels[t];
		uint32_t nt = 0;
		bool changed = false;
		tr->off[t] = np;
		for (uint32_t e = tu->entry_off; e < tu->entry_off + tu->n_entries; e++) {
			double ra = S[e], rb = T[e];
			changed |= ra != rb;
			if (ra == 0 && rb == 0)
				continue;
			const plan_entry *en = &s->entries[e];
			for (uint32_t i = 0; i < en->n_links; i++) {
				uint32_t l = s->links[en->link_off + i];
				if (!mark[l]) {
					mark[l] = 1;
					touched[nt++] = l;
				}
				la[l] += ra;
				lb[l] += rb;
			}
		}
		if (np + nt > cap) {
			while (np + nt > cap)
				cap *= 2;
			tr->p = neto_reallocarray(tr->p, cap, sizeof *tr->p);
		}
		for (uint32_t k = 0; k < nt; k++) {
			uint32_t l = touched[k];
			tr->p[np++] = (tload){ .l = l, .a = la[l], .b = lb[l] };
			tr->A[l] += la[l];
			tr->B[l] += lb[l];
			tr->W[l] += fmax(la[l], lb[l]);
			la[l] = lb[l] = 0;
			mark[l] = 0;
		}
		tr->kind[t] = changed ? MOVE_COLD : MOVE_NONE;
	}
	tr->off[pl->nt] = np;
	for (uint32_t l = 0; l < nl; l++)
		if (tr->W[l] > pl->capi[l]) {
			tr->hot[l] = 1;
			tr->hot_list[tr->n_hot++] = l;
		}
	for (size_t t = 0; t < pl->nt; t++) {
		if (tr->kind[t] == MOVE_NONE)
			continue;
		for (size_t k = tr->off[t]; k < tr->off[t + 1]; k++)
			if (tr->hot[tr->p[k].l] && tr->p[k].a != tr->p[k].b) {
				tr->kind[t] = MOVE_HOT;
				tr->n_hotmov++;
				break;
			}
	}
	free(la);
	free(lb);
	free(mark);
	free(touched);
}

/* ---- the uniform schedule ---- */

/* The fewest steps k for which lambda = i / k works: on every hot link the
 * growth G must fit k times into what S leaves free, and the shrinkage D
 * k times into what T leaves free (the worst steps are the first and the
 * last). SIZE_MAX when no k does. */
static size_t uniform_steps(const planner *pl, const trans *tr)
{
	double *G = neto_calloc(pl->nl, sizeof *G), *D = neto_calloc(pl->nl, sizeof *D);
	for (size_t t = 0; t < pl->nt; t++) {
		if (tr->kind[t] != MOVE_HOT)
			continue;
		for (size_t k = tr->off[t]; k < tr->off[t + 1]; k++) {
			const tload *p = &tr->p[k];
			if (p->b > p->a)
				G[p->l] += p->b - p->a;
			else
				D[p->l] += p->a - p->b;
		}
	}
	double need = 1;
	for (uint32_t h = 0; h < tr->n_hot; h++) {
		uint32_t l = tr->hot_list[h];
		double ra = pl->capi[l] - tr->A[l], rb = pl->capi[l] - tr->B[l];
		if ((G[l] > 0 && !(ra > 0)) || (D[l] > 0 && !(rb > 0))) {
			need = HUGE_VAL;
			break;
		}
		if (G[l] > 0)
			need = fmax(need, G[l] / ra);
		if (D[l] > 0)
			need = fmax(need, D[l] / rb);
	}
	free(G);
	free(D);
	if (!(need <= 1e6))
		return SIZE_MAX;
	return (size_t)ceil(need);
}

/* Appends c_1 .. c_k of the uniform schedule to q (which holds S). */
static void uniform_build(const planner *pl, const trans *tr, size_t k, seq *q)
{
	for (size_t i = 1; i < k; i++) {
		double x = (double)i / (double)k;
		double *c = neto_malloc((pl->ne ? pl->ne : 1) * sizeof *c);
		for (size_t e = 0; e < pl->ne; e++)
			c[e] = tr->S[e] == tr->T[e] ? tr->T[e] : tr->S[e] + (tr->T[e] - tr->S[e]) * x;
		seq_push(q, c);
	}
	seq_push(q, cfg_dup(pl, tr->T));
}

/* ---- the greedy schedule ---- */

typedef struct hload {
	uint32_t l;
	double d;          /* growth (b - a > 0) or change (b - a) on a hot link */
} hload;

/* A tunnel of the greedy schedule: a hot mover, or with throttling also a
 * tunnel that may be throttled and loads a hot link. */
typedef struct gmember {
	uint32_t t;
	bool mover;
	bool blocked;
	double lam;        /* movers: lambda */
	double mu;         /* the fraction of its rates it keeps (1: not throttled) */
	double dl;         /* level at which it was blocked in this step */
	size_t hoff;       /* its hot links: h[hoff .. next member's hoff) */
} gmember;

typedef struct ghot {
	uint32_t l;
	double a, b;       /* its load on a hot link under S and T */
} ghot;

typedef struct gstate {
	const planner *pl;
	const trans *tr;
	size_t n;
	gmember *m;
	ghot *h;
	size_t *loff;      /* per hot link: members growing on it */
	uint32_t *lm;
	double *load, *freec, *rate, *need, *gain;
	uint32_t *top;
	size_t *cnt;
	bool throttled;
} gstate;

/* A member's load on a hot link before throttling. */
static double gm_unit(const gmember *m, const ghot *h)
{
	return m->mover ? h->a + (h->b - h->a) * m->lam : h->a;
}

static bool gm_active(const gmember *m)
{
	return m->mover && m->lam < 1 && m->mu > 0;
}

static void gstate_build(gstate *g, const planner *pl, const trans *tr, bool throttle)
{
	memset(g, 0, sizeof *g);
	g->pl = pl;
	g->tr = tr;
	size_t cap = 0, nh = 0, caph = 0;
	uint32_t nl = pl->nl;
	g->loff = neto_calloc((size_t)nl + 1, sizeof *g->loff);
	for (size_t t = 0; t < pl->nt; t++) {
		bool mover = tr->kind[t] == MOVE_HOT;
		bool scratch = false;
		if (!mover && throttle && pl->elig[t] && pl->normal[t] > 0)
			for (size_t k = tr->off[t]; k < tr->off[t + 1] && !scratch; k++)
				scratch = tr->hot[tr->p[k].l];
		if (!mover && !scratch)
			continue;
		GROW(g->m, g->n, cap);
		g->m[g->n] = (gmember){ .t = (uint32_t)t, .mover = mover, .mu = 1, .hoff = nh };
		for (size_t k = tr->off[t]; k < tr->off[t + 1]; k++) {
			const tload *p = &tr->p[k];
			if (!tr->hot[p->l])
				continue;
			GROW(g->h, nh, caph);
			g->h[nh++] = (ghot){ p->l, p->a, p->b };
			if (mover && p->b > p->a)
				g->loff[p->l + 1]++;
		}
		g->n++;
	}
	GROW(g->m, g->n, cap);
	g->m[g->n].hoff = nh; /* sentinel */
	for (uint32_t l = 0; l < nl; l++)
		g->loff[l + 1] += g->loff[l];
	g->lm = neto_malloc((g->loff[nl] ? g->loff[nl] : 1) * sizeof *g->lm);
	size_t *fill = neto_malloc(((size_t)nl + 1) * sizeof *fill);
	memcpy(fill, g->loff, ((size_t)nl + 1) * sizeof *fill);
	for (size_t i = 0; i < g->n; i++)
		if (g->m[i].mover)
			for (size_t k = g->m[i].hoff; k < g->m[i + 1].hoff; k++)
				if (g->h[k].b > g->h[k].a)
					g->lm[fill[g->h[k].l]++] = (uint32_t)i;
	free(fill);
	g->load = neto_malloc(nl * sizeof *g->load);
	memcpy(g->load, tr->A, nl * sizeof *g->load);
	g->freec = neto_malloc(nl * sizeof *g->freec);
	g->rate = neto_malloc(nl * sizeof *g->rate);
	g->need = neto_malloc(nl * sizeof *g->need);
	g->gain = neto_malloc(nl * sizeof *g->gain);
	g->top = neto_malloc(nl * sizeof *g->top);
	g->cnt = neto_malloc(nl * sizeof *g->cnt);
}

static void gstate_free(gstate *g)
{
	free(g->m);
	free(g->h);
	free(g->loff);
	free(g->lm);
	free(g->load);
	free(g->freec);
	free(g->rate);
	free(g->need);
	free(g->gain);
	free(g->top);
	free(g->cnt);
}

static size_t gm_left(const gstate *g)
{
	size_t left = 0;
	for (size_t i = 0; i < g->n; i++)
		left += gm_active(&g->m[i]);
	return left;
}

/* One step of progressive filling (see greedy()) that takes no mover past
 * lambda = cap; returns the largest advance of a mover's lambda. */
static double greedy_step(gstate *g, double cap)
{
	const trans *tr = g->tr;
	for (uint32_t h = 0; h < tr->n_hot; h++) {
		uint32_t l = tr->hot_list[h];
		g->freec[l] = fmax(g->pl->capi[l] - g->load[l], 0);
		g->rate[l] = 0;
		g->cnt[l] = 0;
	}
	for (size_t i = 0; i < g->n; i++) {
		gmember *m = &g->m[i];
		m->blocked = false;
		if (!gm_active(m) || m->lam >= cap)
			continue;
		for (size_t k = m->hoff; k < g->m[i + 1].hoff; k++)
			if (g->h[k].b > g->h[k].a) {
				g->rate[g->h[k].l] += (g->h[k].b - g->h[k].a) * m->mu * (cap - m->lam);
				g->cnt[g->h[k].l]++;
			}
	}
	double theta = 0;
	for (;;) {
		double best = HUGE_VAL;
		uint32_t arg = UINT32_MAX;
		for (uint32_t h = 0; h < tr->n_hot; h++) {
			uint32_t l = tr->hot_list[h];
			if (g->cnt[l] == 0 || !(g->rate[l] > 0))
				continue;
			double x = g->freec[l] / g->rate[l];
			if (x < best) {
				best = x;
				arg = l;
			}
		}
		if (arg == UINT32_MAX || theta + best >= 1) {
			theta = 1;
			break;
		}
		theta += best;
		for (uint32_t h = 0; h < tr->n_hot; h++) {
			uint32_t l = tr->hot_list[h];
			if (g->cnt[l] > 0)
				g->freec[l] = fmax(g->freec[l] - g->rate[l] * best, 0);
		}
		g->freec[arg] = 0;
		for (size_t k = g->loff[arg]; k < g->loff[arg + 1]; k++) {
			gmember *m = &g->m[g->lm[k]];
			if (!gm_active(m) || m->lam >= cap || m->blocked)
				continue;
			m->blocked = true;
			m->dl = theta;
			for (size_t j = m->hoff; j < (m + 1)->hoff; j++) {
				const ghot *h = &g->h[j];
				if (!(h->b > h->a))
					continue;
				g->rate[h->l] -= (h->b - h->a) * m->mu * (cap - m->lam);
				if (--g->cnt[h->l] == 0)
					g->rate[h->l] = 0;
			}
		}
	}
	double adv = 0;
	for (size_t i = 0; i < g->n; i++) {
		gmember *m = &g->m[i];
		if (!gm_active(m) || m->lam >= cap)
			continue;
		double d = m->blocked ? m->dl : theta;
		if (!(d > 0))
			continue;
		double nlam = d >= 1 ? cap : m->lam + d * (cap - m->lam);
		if (!(nlam > m->lam))
			continue;
		adv = fmax(adv, nlam - m->lam);
		for (size_t k = m->hoff; k < (m + 1)->hoff; k++)
			g->load[g->h[k].l] += (g->h[k].b - g->h[k].a) * m->mu * (nlam - m->lam);
		m->lam = nlam;
	}
	return adv;
}

static int cmp_cand(const void *x, const void *y, void *ctx)
{
	const gstate *g = ctx;
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
	uint32_t pa = g->pl->s->tunnels[g->m[a].t].priority;
	uint32_t pb = g->pl->s->tunnels[g->m[b].t].priority;
	if (pa != pb)
		return pa > pb ? -1 : 1; /* lowest class first */
	return a < b ? -1 : (a > b);
}

/* Lowers member m's fraction by dmu: its load leaves the links after this
 * step, and so does the growth it still needed to reach `next`. */
static void gm_lower(gstate *g, gmember *m, double dmu, double pace, double next)
{
	for (size_t k = m->hoff; k < (m + 1)->hoff; k++) {
		const ghot *h = &g->h[k];
		double u = gm_unit(m, h) * dmu;
		g->gain[h->l] += u;
		g->load[h->l] -= u;
		if (gm_active(m) && m->lam < pace && h->b > h->a)
			g->need[h->l] -= (h->b - h->a) * dmu * (fmin(next, 1) - m->lam);
	}
	m->mu -= dmu;
	if (m->mu < 1e-12)
		m->mu = 0;
	g->throttled = true;
}

/*
 * Throttles, from the configuration this step ends in to the last step,
 * just enough to let the movers that lag behind `pace` reach `next` in the
 * next step: on each link where their growth to `next` exceeds the free
 * capacity, tunnels are rate-limited until the load they give up there
 * covers the difference. The candidates on a link are the tunnels that may
 * be throttled, are not of a lower class than the highest lagging class
 * there (a class never makes room for a lower one) and load it; the lowest
 * class goes first, and a lagging mover may be among them. Returns the
 * number of tunnels whose limit was lowered.
 */
static size_t greedy_throttle(gstate *g, double pace, double next)
{
	const trans *tr = g->tr;
	const plan_space *s = g->pl->s;
	for (uint32_t h = 0; h < tr->n_hot; h++) {
		uint32_t l = tr->hot_list[h];
		g->need[l] = 0;
		g->gain[l] = 0;
		g->top[l] = UINT32_MAX;
	}
	for (size_t i = 0; i < g->n; i++) {
		const gmember *m = &g->m[i];
		if (!gm_active(m) || m->lam >= pace)
			continue;
		uint32_t pr = s->tunnels[m->t].priority;
		for (size_t k = m->hoff; k < (m + 1)->hoff; k++) {
			const ghot *h = &g->h[k];
			if (!(h->b > h->a))
				continue;
			g->need[h->l] += (h->b - h->a) * m->mu * (fmin(next, 1) - m->lam);
			if (pr < g->top[h->l])
				g->top[h->l] = pr;
		}
	}
	for (uint32_t h = 0; h < tr->n_hot; h++) {
		uint32_t l = tr->hot_list[h];
		g->need[l] -= fmax(g->pl->capi[l] - g->load[l], 0);
	}
	uint32_t *cand = neto_malloc((g->n ? g->n : 1) * sizeof *cand);
	size_t nc = 0;
	for (size_t i = 0; i < g->n; i++) {
		const gmember *m = &g->m[i];
		if (m->mu > 0 && g->pl->elig[m->t] && g->pl->normal[m->t] > 0)
			cand[nc++] = (uint32_t)i;
	}
	qsort_r(cand, nc, sizeof *cand, cmp_cand, g);
	size_t n = 0;
	for (size_t c = 0; c < nc; c++) {
		gmember *m = &g->m[cand[c]];
		uint32_t pr = s->tunnels[m->t].priority;
		double dmu = 0;
		for (size_t k = m->hoff; k < (m + 1)->hoff; k++) {
			uint32_t l = g->h[k].l;
			double u = gm_unit(m, &g->h[k]);
			if (g->top[l] == UINT32_MAX || pr < g->top[l] || !(g->gain[l] < g->need[l]) ||
			    !(u > 0))
				continue;
			dmu = fmax(dmu, (g->need[l] - g->gain[l]) / u);
		}
		if (!(dmu > 0))
			continue;
		gm_lower(g, m, fmin(dmu, m->mu), pace, next);
		n++;
	}
	free(cand);
	return n;
}

static void greedy_config(const gstate *g, seq *q)
{
	const planner *pl = g->pl;
	const plan_space *s = pl->s;
	const double *S = g->tr->S, *T = g->tr->T;
	double *c = cfg_dup(pl, T);
	for (size_t i = 0; i < g->n; i++) {
		const gmember *m = &g->m[i];
		if (m->mu >= 1 && (!m->mover || m->lam >= 1))
			continue;
		const plan_tunnel *tu = &s->tunnels[m->t];
		for (uint32_t e = tu->entry_off; e < tu->entry_off + tu->n_entries; e++) {
			double x = m->mover && m->lam < 1 ? S[e] + (T[e] - S[e]) * m->lam : T[e];
			c[e] = m->mu >= 1 ? x : x * m->mu;
		}
	}
	seq_push(q, c);
}

/*
 * Appends to q (which holds S) the configurations of the greedy schedule,
 * at most `budget` of them. Each step starts from the loads of the current
 * configuration on the hot links and raises a common level theta from 0 to
 * 1: every unfinished hot mover advances by theta times what it has left,
 * so its growth on link l consumes g (1 - lambda) per unit of theta. When a
 * link runs out of free capacity, the movers growing on it stop at the
 * current level. Movers that grow on no hot link, and cold movers, finish
 * in the first step. Without `throttle` the schedule ends at a step in
 * which nobody can advance.
 *
 * With `throttle`, the last step is kept for lifting rate limits. After
 * each step, the movers that lag behind an even pace (lambda below
 * (i + 1) / moves after step i, for `moves` = budget - 1) get room to reach
 * the next mark by throttling (greedy_throttle). A throttled tunnel keeps
 * a fraction mu of its rates and goes on moving; after the last move step
 * the unfinished ones that may be throttled are parked at mu = 0. The last
 * step lifts every limit at once: each throttled tunnel is at mu times its
 * target or at 0, so the step loads each link with exactly the target's
 * load. Returns true when the last configuration appended is T.
 */
static bool greedy(const planner *pl, const trans *tr, unsigned budget, bool throttle, seq *q)
{
	gstate g;
	gstate_build(&g, pl, tr, throttle);
	size_t left = gm_left(&g);
	unsigned moves = throttle ? budget - 1 : budget;
	for (unsigned step = 0; step < moves && left > 0; step++) {
		double adv = greedy_step(&g, 1);
		size_t thr = 0;
		if (throttle && gm_left(&g) > 0) {
			if (step + 2 == moves) {
				/* room for every mover to finish in the last move */
				thr = greedy_throttle(&g, 2, 1);
			} else if (step + 1 == moves) {
				for (size_t i = 0; i < g.n; i++) {
					gmember *m = &g.m[i];
					if (gm_active(m) && pl->elig[m->t] && pl->normal[m->t] > 0) {
						gm_lower(&g, m, m->mu, 0, 0);
						thr++;
					}
				}
			} else if (!(adv > 1e-9)) {
				/* a stall: room to reach the next mark of an even pace */
				thr = greedy_throttle(&g, 2, (double)(step + 2) / moves);
			}
		}
		if (!(adv > 1e-9) && thr == 0)
			break;
		greedy_config(&g, q);
		left = gm_left(&g);
	}
	if (left == 0 && g.throttled)
		seq_push(q, cfg_dup(pl, tr->T));
	gstate_free(&g);
	return left == 0;
}

/* ---- the schedule LP ---- */

/*
 * The best monotone schedule in k steps, by LP: a variable x[m][i] =
 * lambda of hot mover m in configuration i (1 <= i < k), rows
 *   step i, hot link l:  sum_m g(m, l) x[m][i+1] - d(m, l) x[m][i] <= cap - A
 * (x[m][0] = 0 and x[m][k] = 1 move to the right-hand side) and
 * x[m][i] <= x[m][i+1]. Each link row is divided by its capacity, so the
 * solver's tolerance is relative to each link. Small: the rows are the hot
 * links and the monotonicity of each mover, the nonzeros twice the (hot
 * mover, hot link) pairs per step. Appends the plan to q after n0 on
 * success. 1: no monotone schedule in k steps, -1: failure.
 */
typedef struct mvset {
	size_t nm;
	uint32_t *mt;        /* mover -> tunnel */
	size_t *coff;        /* hot changes of mover m: ch[coff[m] .. coff[m+1]) */
	hload *ch;
} mvset;

static void mvset_build(const planner *pl, const trans *tr, mvset *v)
{
	memset(v, 0, sizeof *v);
	v->mt = neto_malloc((tr->n_hotmov ? tr->n_hotmov : 1) * sizeof *v->mt);
	v->coff = neto_malloc((tr->n_hotmov + 1) * sizeof *v->coff);
	size_t nc = 0, cap = 0;
	for (size_t t = 0; t < pl->nt; t++) {
		if (tr->kind[t] != MOVE_HOT)
			continue;
		v->coff[v->nm] = nc;
		v->mt[v->nm++] = (uint32_t)t;
		for (size_t k = tr->off[t]; k < tr->off[t + 1]; k++) {
			const tload *p = &tr->p[k];
			if (!tr->hot[p->l] || p->a == p->b)
				continue;
			GROW(v->ch, nc, cap);
			v->ch[nc++] = (hload){ p->l, p->b - p->a };
		}
	}
	v->coff[v->nm] = nc;
}

static void mvset_free(mvset *v)
{
	free(v->mt);
	free(v->coff);
	free(v->ch);
	memset(v, 0, sizeof *v);
}

static double sched_size(const mvset *v, size_t k)
{
	return 2.0 * (double)v->coff[v->nm] * (double)k + 2.0 * (double)v->nm * (double)k;
}

/* Solves an LP of the planner from the standard basis (or the current one
 * when `warm`), without the presolver: on these degenerate LPs (rows with
 * nothing left free) GLPK's presolver can declare a feasible LP infeasible.
 * Every solve has an iteration cap, since with tight tolerances the simplex
 * can stall on degenerate vertices; a solve that reaches it is tried once
 * more from the standard basis with ten times looser tolerances (the plan
 * is verified exactly afterwards anyway). 0: optimal, 1: infeasible, -1:
 * failure or it_lim reached. */
static int simplex(glp_prob *P, bool warm, int it_lim, int meth)
{
	glp_smcp parm;
	glp_init_smcp(&parm);
	parm.msg_lev = GLP_MSG_OFF;
	parm.meth = meth;
	parm.presolve = GLP_OFF;
	parm.tol_bnd = PLAN_LP_TOL;
	parm.tol_dj = PLAN_LP_TOL;
	double cap = 50.0 * (glp_get_num_rows(P) + glp_get_num_cols(P)) + 10000;
	int lim = cap < it_lim ? (int)cap : it_lim;
	for (int attempt = 0; attempt < 2; attempt++) {
		parm.it_lim = lim;
		if (!warm || attempt > 0)
			glp_std_basis(P);
		int rc = glp_simplex(P, &parm);
		if (rc == 0 && glp_get_status(P) == GLP_OPT)
			return 0;
		if (rc == 0 && glp_get_status(P) == GLP_NOFEAS)
			return 1;
		if (rc == GLP_EITLIM && lim >= it_lim)
			return -1; /* the caller's limit, not a stall */
		parm.tol_bnd = 10 * PLAN_LP_TOL;
		parm.tol_dj = 10 * PLAN_LP_TOL;
		parm.meth = GLP_PRIMAL;
	}
	return -1;
}

/* The iteration limit of an optional LP of `size` rows and columns under
 * what is left of the work budget, or 0 when it is not worth starting. */
static int budget_it(const planner *pl, double size)
{
	double it = *pl->work / fmax(size, 1);
	if (it < PLAN_LP_MIN_IT)
		return 0;
	return it > INT_MAX ? INT_MAX : (int)it;
}

static void budget_spend(const planner *pl, glp_prob *P)
{
	*pl->work -= (double)glp_get_it_cnt(P) * (double)(glp_get_num_rows(P) + glp_get_num_cols(P));
}

/* GLPK's exact (rational) simplex from the current basis, for a solution
 * that missed the verifier's tolerance. 0: optimal; 1 otherwise. */
static int exact_simplex(glp_prob *P)
{
	glp_smcp parm;
	glp_init_smcp(&parm);
	parm.msg_lev = GLP_MSG_OFF;
	return glp_exact(P, &parm) == 0 && glp_get_status(P) == GLP_OPT ? 0 : 1;
}

static void sched_extract(const planner *pl, const trans *tr, const mvset *v, glp_prob *P,
			  size_t k, seq *q)
{
	const plan_space *s = pl->s;
	double *lam = neto_calloc(v->nm ? v->nm : 1, sizeof *lam);
	for (size_t i = 1; i < k; i++) {
		double *c = cfg_dup(pl, tr->T);
		for (size_t m = 0; m < v->nm; m++) {
			double x = glp_get_col_prim(P, 1 + (int)(m * (k - 1) + i - 1));
			if (!(x > 1e-12))
				x = 0;
			if (x > 1 - 1e-12)
				x = 1;
			lam[m] = fmax(lam[m], x);
			if (lam[m] >= 1)
				continue;
			const plan_tunnel *tu = &s->tunnels[v->mt[m]];
			for (uint32_t e = tu->entry_off; e < tu->entry_off + tu->n_entries; e++)
				c[e] = lam[m] > 0 ? tr->S[e] + (tr->T[e] - tr->S[e]) * lam[m] : tr->S[e];
		}
		seq_push(q, c);
	}
	seq_push(q, cfg_dup(pl, tr->T));
	free(lam);
}

static size_t elastic_cover(const planner *pl, const trans *tr, seq *q, size_t n0);

/* With `elastic`, *thr gets the number of tunnels throttled to cover the
 * schedule's shortfalls. */
static int sched_try(const planner *pl, const trans *tr, const mvset *v, size_t k, seq *q,
		     size_t n0, bool elastic, size_t *thr)
{
	size_t nm = v->nm;
	double dn = (double)nm * (double)(k - 1);
	double dr = (double)tr->n_hot * (double)k + (double)nm * (double)(k > 2 ? k - 2 : 0);
	double dz = sched_size(v, k);
	if (dn > INT_MAX / 2 || dr > INT_MAX / 2 || dz > INT_MAX / 2)
		return -1;
	int it_lim = elastic ? INT_MAX : budget_it(pl, dn + dr);
	if (it_lim == 0)
		return -1;
	double t0 = now_seconds();
	glp_prob *P = glp_create_prob();
	if (dr > 0)
		glp_add_rows(P, (int)dr);
	if (dn > 0)
		glp_add_cols(P, (int)dn);
	for (int j = 1; j <= (int)dn; j++)
		glp_set_col_bnds(P, j, GLP_DB, 0, 1);
	/* hot link -> its row offset */
	int32_t *hrow = neto_malloc(pl->nl * sizeof *hrow);
	double *G = neto_calloc(pl->nl, sizeof *G);
	for (uint32_t h = 0; h < tr->n_hot; h++)
		hrow[tr->hot_list[h]] = (int32_t)h;
	size_t n = (size_t)dz + 1;
	int *ia = neto_malloc((n + 1) * sizeof *ia);
	int *ja = neto_malloc((n + 1) * sizeof *ja);
	double *ar = neto_malloc((n + 1) * sizeof *ar);
	size_t ne = 0;
	for (size_t m = 0; m < nm; m++)
		for (size_t j = v->coff[m]; j < v->coff[m + 1]; j++) {
			uint32_t l = v->ch[j].l;
			double d = v->ch[j].d / pl->capi[l];
			if (d > 0)
				G[l] += v->ch[j].d;
			for (size_t i = 0; i < k; i++) {
				int row = 1 + (int)(i * tr->n_hot) + hrow[l];
				/* growth with the later lambda, shrinkage with the earlier */
				if (d > 0 && i + 1 < k) {
					ne++;
					ia[ne] = row;
					ja[ne] = 1 + (int)(m * (k - 1) + i);
					ar[ne] = d;
				} else if (d < 0 && i > 0) {
					ne++;
					ia[ne] = row;
					ja[ne] = 1 + (int)(m * (k - 1) + i - 1);
					ar[ne] = d;
				}
			}
		}
	for (size_t i = 0; i < k; i++)
		for (uint32_t h = 0; h < tr->n_hot; h++) {
			uint32_t l = tr->hot_list[h];
			double rhs = pl->capi[l] - tr->A[l];
			if (i == k - 1)
				rhs -= G[l];
			glp_set_row_bnds(P, 1 + (int)(i * tr->n_hot + h), GLP_UP, 0, rhs / pl->capi[l]);
		}
	int row = (int)(k * tr->n_hot);
	for (size_t m = 0; m < nm; m++)
		for (size_t i = 1; i + 1 < k; i++) {
			row++;
			glp_set_row_bnds(P, row, GLP_UP, 0, 0);
			ne++;
			ia[ne] = row;
			ja[ne] = 1 + (int)(m * (k - 1) + i - 1);
			ar[ne] = 1;
			ne++;
			ia[ne] = row;
			ja[ne] = 1 + (int)(m * (k - 1) + i);
			ar[ne] = -1;
		}
	glp_load_matrix(P, (int)ne, ia, ja, ar);
	free(ia);
	free(ja);
	free(ar);
	free(hrow);
	free(G);
	if (elastic && k > 2) {
		/* a shortfall on each hot link in each middle step, minimised
		 * (in units of the largest capacity) */
		int c0 = glp_add_cols(P, (int)((k - 2) * tr->n_hot));
		for (size_t i = 1; i + 1 < k; i++)
			for (uint32_t h = 0; h < tr->n_hot; h++) {
				int col = c0 + (int)((i - 1) * tr->n_hot + h);
				int ind[2] = { 0, 1 + (int)(i * tr->n_hot + h) };
				double val[2] = { 0, -1 };
				glp_set_col_bnds(P, col, GLP_LO, 0, 0);
				glp_set_obj_coef(P, col, pl->capi[tr->hot_list[h]] / pl->capmax);
				glp_set_mat_col(P, col, 1, ind, val);
			}
	}
	int rc = simplex(P, false, it_lim, GLP_PRIMAL);
	if (!elastic)
		budget_spend(pl, P);
	say(pl, "schedule LP, %zu steps: %d rows, %d columns, %d nonzeros: %s after %d "
		"iterations, %.3f s", k, glp_get_num_rows(P), glp_get_num_cols(P),
	    glp_get_num_nz(P), rc == 0 ? "feasible" : rc == 1 ? "infeasible" : "given up",
	    glp_get_it_cnt(P), now_seconds() - t0);
	if (rc == 0 && elastic && k > 2 && glp_get_obj_val(P) <= 1e-9) {
		/* no shortfall but the solver's tolerance: a schedule without
		 * any, from this basis */
		int nc = glp_get_num_cols(P);
		for (int j = nc - (int)((k - 2) * tr->n_hot) + 1; j <= nc; j++)
			glp_set_col_bnds(P, j, GLP_FX, 0, 0);
		rc = simplex(P, true, INT_MAX, GLP_PRIMAL);
		elastic = false;
		*thr = 0;
	}
	if (rc == 0 && elastic) {
		seq_truncate(q, n0);
		sched_extract(pl, tr, v, P, k, q);
		*thr = elastic_cover(pl, tr, q, n0);
		rc = seq_verifies(pl, q) ? 0 : 1;
	} else if (rc == 0) {
		seq_truncate(q, n0);
		sched_extract(pl, tr, v, P, k, q);
		if (!seq_verifies(pl, q)) {
			rc = exact_simplex(P);
			if (rc == 0) {
				seq_truncate(q, n0);
				sched_extract(pl, tr, v, P, k, q);
				rc = seq_verifies(pl, q) ? 0 : 1;
			}
		}
	}
	glp_delete_prob(P);
	return rc;
}

/*
 * Covers the shortfalls of a schedule by throttling. q holds, after its
 * first n0 configurations (the last of them tr->S), the configurations of a
 * monotone schedule whose middle steps may overload hot links. Each
 * overloaded (link, step) is covered, the largest first, by rate-limiting
 * tunnels that load the link in that step, the lowest class first and none
 * of a lower class than the highest class growing there (a class never
 * makes room for a lower one); a tunnel keeps a fraction f of its rates in
 * every intermediate configuration, which lowers its load in every middle
 * step. What cannot be covered is left (the plan then fails verification).
 */
typedef struct cover_t {
	uint32_t t;
	double f;          /* the fraction it keeps */
	size_t off;        /* its hot loads: cl[off .. next off), per step */
} cover_t;

static int cmp_short(const void *x, const void *y, void *ctx)
{
	const double *sh = ctx;
	size_t a = *(const size_t *)x, b = *(const size_t *)y;
	if (sh[a] != sh[b])
		return sh[a] > sh[b] ? -1 : 1;
	return a < b ? -1 : (a > b);
}

static size_t elastic_cover(const planner *pl, const trans *tr, seq *q, size_t n0)
{
	const plan_space *s = pl->s;
	size_t k = q->n - n0;      /* steps of the schedule */
	size_t nh = tr->n_hot;
	if (k < 3)
		return 0;
	int32_t *hrow = neto_malloc(pl->nl * sizeof *hrow);
	for (uint32_t l = 0; l < pl->nl; l++)
		hrow[l] = -1;
	for (uint32_t h = 0; h < nh; h++)
		hrow[tr->hot_list[h]] = (int32_t)h;
	/* per hot link and step: the transient load and the highest class
	 * growing there */
	double *load = neto_calloc(k * nh, sizeof *load);
	uint32_t *top = neto_malloc(k * nh * sizeof *top);
	for (size_t i = 0; i < k * nh; i++)
		top[i] = UINT32_MAX;
	double *la = neto_calloc(pl->nl, sizeof *la), *lb = neto_calloc(pl->nl, sizeof *lb);
	/* a tunnel's per-step maxima on its hot links, for those that may be
	 * throttled */
	cover_t *cv = NULL;
	size_t ncv = 0, capcv = 0;
	hload *cl = NULL;   /* (link, transient load) per candidate, step, link */
	size_t ncl = 0, capcl = 0;
	for (size_t t = 0; t < pl->nt; t++) {
		const plan_tunnel *tu = &s->tunnels[t];
		bool hot = false;
		for (size_t j = tr->off[t]; j < tr->off[t + 1] && !hot; j++)
			hot = tr->hot[tr->p[j].l];
		if (!hot)
			continue;
		bool cand = pl->elig[t] && pl->normal[t] > 0;
		if (cand) {
			GROW(cv, ncv, capcv);
			cv[ncv++] = (cover_t){ .t = (uint32_t)t, .f = 1, .off = ncl };
		}
		for (size_t i = 0; i < k; i++) {
			const double *c0 = q->cfg[n0 - 1 + i], *c1 = q->cfg[n0 + i];
			for (uint32_t e = tu->entry_off; e < tu->entry_off + tu->n_entries; e++) {
				if (c0[e] == 0 && c1[e] == 0)
					continue;
				const plan_entry *en = &s->entries[e];
				for (uint32_t x = 0; x < en->n_links; x++) {
					uint32_t l = s->links[en->link_off + x];
					la[l] += c0[e];
					lb[l] += c1[e];
				}
			}
			for (size_t j = tr->off[t]; j < tr->off[t + 1]; j++) {
				uint32_t l = tr->p[j].l;
				if (hrow[l] < 0)
					continue;
				double m = fmax(la[l], lb[l]);
				load[i * nh + (size_t)hrow[l]] += m;
				if (lb[l] > la[l] && tu->priority < top[i * nh + (size_t)hrow[l]])
					top[i * nh + (size_t)hrow[l]] = tu->priority;
				if (cand && i > 0 && i + 1 < k) {
					GROW(cl, ncl, capcl);
					cl[ncl++] = (hload){ (uint32_t)(i * nh + (size_t)hrow[l]), m };
				}
			}
			for (size_t j = tr->off[t]; j < tr->off[t + 1]; j++)
				la[tr->p[j].l] = lb[tr->p[j].l] = 0;
		}
	}
	GROW(cv, ncv, capcv);
	cv[ncv].off = ncl;
	/* shortfalls of the middle steps, the largest first */
	double *sh = neto_calloc(k * nh, sizeof *sh);
	size_t *ord = neto_malloc(k * nh * sizeof *ord);
	size_t no = 0;
	for (size_t i = 1; i + 1 < k; i++)
		for (uint32_t h = 0; h < nh; h++) {
			double x = load[i * nh + h] - pl->capi[tr->hot_list[h]];
			if (x > 0) {
				sh[i * nh + h] = x;
				ord[no++] = i * nh + h;
			}
		}
	qsort_r(ord, no, sizeof *ord, cmp_short, sh);
	/* candidates by (link, step): lowest class first */
	uint32_t *cidx = neto_malloc((ncv ? ncv : 1) * sizeof *cidx);
	for (size_t c = 0; c < ncv; c++)
		cidx[c] = (uint32_t)c;
	for (size_t a = 1; a < ncv; a++) { /* stable insertion sort by class */
		uint32_t x = cidx[a];
		uint32_t px = s->tunnels[cv[x].t].priority;
		size_t b = a;
		while (b > 0 && s->tunnels[cv[cidx[b - 1]].t].priority < px) {
			cidx[b] = cidx[b - 1];
			b--;
		}
		cidx[b] = x;
	}
	for (size_t o = 0; o < no; o++) {
		size_t key = ord[o];
		for (size_t c = 0; c < ncv && sh[key] > 0; c++) {
			cover_t *v = &cv[cidx[c]];
			if (v->f <= 0 || s->tunnels[v->t].priority < top[key])
				continue;
			double m = 0;
			for (size_t j = v->off; j < (v + 1)->off; j++)
				if (cl[j].l == key)
					m = cl[j].d;
			if (!(m > 0))
				continue;
			/* lowering f by df frees df times its unthrottled load */
			double df = fmin(v->f, sh[key] / m);
			v->f -= df;
			for (size_t j = v->off; j < (v + 1)->off; j++)
				sh[cl[j].l] -= df * cl[j].d;
		}
	}
	size_t n = 0;
	for (size_t c = 0; c < ncv; c++) {
		if (cv[c].f >= 1)
			continue;
		n++;
		const plan_tunnel *tu = &s->tunnels[cv[c].t];
		double f = cv[c].f < 1e-12 ? 0 : cv[c].f;
		for (size_t i = n0; i + 1 < q->n; i++)
			for (uint32_t e = tu->entry_off; e < tu->entry_off + tu->n_entries; e++)
				q->cfg[i][e] *= f;
	}
	free(hrow);
	free(load);
	free(top);
	free(la);
	free(lb);
	free(cv);
	free(cl);
	free(sh);
	free(ord);
	free(cidx);
	return n;
}

/* Lexicographic comparison of throttle volumes within tolerance: is `a`
 * (no) worse than `best`? */
static bool vol_ok(const double *a, const double *best, size_t n, double scale)
{
	for (size_t i = 0; i < n; i++) {
		double lim = best[i] * (1 + 10 * PLAN_LEX_REL) + 100 * PLAN_LP_TOL * scale;
		if (a[i] > lim)
			return false;
		if (a[i] < best[i] - 100 * PLAN_LP_TOL * scale)
			return true;
	}
	return true;
}

/* ---- the schedule LP with throttling ---- */

/* An LP written row by row, loaded into GLPK at once. */
typedef struct lpw {
	int nr, nc;
	int *rtype, *ctype;
	double *rlo, *rhi, *clo, *chi;
	size_t cap_r, cap_c;
	int *ia, *ja;
	double *ar;
	size_t nz, cap_z;
} lpw;

static int lpw_col(lpw *w, int type, double lo, double hi)
{
	if ((size_t)w->nc == w->cap_c) {
		w->cap_c = w->cap_c ? 2 * w->cap_c : 1024;
		w->ctype = neto_reallocarray(w->ctype, w->cap_c, sizeof *w->ctype);
		w->clo = neto_reallocarray(w->clo, w->cap_c, sizeof *w->clo);
		w->chi = neto_reallocarray(w->chi, w->cap_c, sizeof *w->chi);
	}
	w->ctype[w->nc] = type;
	w->clo[w->nc] = lo;
	w->chi[w->nc] = hi;
	return ++w->nc;
}

static int lpw_row(lpw *w, int type, double lo, double hi)
{
	if ((size_t)w->nr == w->cap_r) {
		w->cap_r = w->cap_r ? 2 * w->cap_r : 1024;
		w->rtype = neto_reallocarray(w->rtype, w->cap_r, sizeof *w->rtype);
		w->rlo = neto_reallocarray(w->rlo, w->cap_r, sizeof *w->rlo);
		w->rhi = neto_reallocarray(w->rhi, w->cap_r, sizeof *w->rhi);
	}
	w->rtype[w->nr] = type;
	w->rlo[w->nr] = lo;
	w->rhi[w->nr] = hi;
	return ++w->nr;
}

static void lpw_nz(lpw *w, int row, int col, double v)
{
	if (w->nz + 1 >= w->cap_z) {
		w->cap_z = w->cap_z ? 2 * w->cap_z : 4096;
		w->ia = neto_reallocarray(w->ia, w->cap_z, sizeof *w->ia);
		w->ja = neto_reallocarray(w->ja, w->cap_z, sizeof *w->ja);
		w->ar = neto_reallocarray(w->ar, w->cap_z, sizeof *w->ar);
	}
	w->nz++;
	w->ia[w->nz] = row;
	w->ja[w->nz] = col;
	w->ar[w->nz] = v;
}

/* Moves the LP into a new GLPK problem and empties w. */
static glp_prob *lpw_load(lpw *w)
{
	glp_prob *P = glp_create_prob();
	glp_set_obj_dir(P, GLP_MIN);
	if (w->nr > 0)
		glp_add_rows(P, w->nr);
	if (w->nc > 0)
		glp_add_cols(P, w->nc);
	for (int i = 0; i < w->nr; i++)
		glp_set_row_bnds(P, i + 1, w->rtype[i], w->rlo[i], w->rhi[i]);
	for (int j = 0; j < w->nc; j++)
		glp_set_col_bnds(P, j + 1, w->ctype[j], w->clo[j], w->chi[j]);
	glp_load_matrix(P, (int)w->nz, w->ia, w->ja, w->ar);
	free(w->rtype);
	free(w->ctype);
	free(w->rlo);
	free(w->rhi);
	free(w->clo);
	free(w->chi);
	free(w->ia);
	free(w->ja);
	free(w->ar);
	memset(w, 0, sizeof *w);
	return P;
}

/*
 * Monotone schedules with throttling, by LP; like the schedule LP, its rows
 * are the hot links, so it stays small where the general LP does not. Each
 * tunnel that may be throttled and loads a hot link gets a throttle z >= 0
 * (its total in every intermediate configuration is at least its normal
 * rate minus z), and:
 *   a mover:     configuration i is alpha_i S + beta_i T, alpha falling
 *                from 1 to 0, beta rising from 0 to 1, alpha + beta <= 1
 *                (throttled while alpha + beta < 1); its load on a link it
 *                uses in only one of S and T is linear in alpha or beta, and
 *                on a link it uses in both the step's maximum is a variable
 *                above both loads;
 *   any other:   configuration i is mu_i T (it carries the same load on every
 *                hot link in S and T), the step's maximum a variable above
 *                mu_i and mu_i+1.
 * Other movers keep the plain schedule (lambda). The classes' throttles are
 * minimised in turn, the highest class first (vol[] gets each class slot's
 * total, as in lp_throttle).
 */
typedef struct tsmember {
	uint32_t t;
	int kind;          /* 0: lambda mover, 1: alpha/beta mover, 2: scaled */
	int col;           /* first variable column: per kind, see tsched_build */
	int zcol;          /* throttle column, or 0 */
	uint32_t cls;      /* class slot of the throttle */
} tsmember;

typedef struct tsched {
	size_t n;
	tsmember *m;
	uint32_t *prios;   /* class slots: priorities, highest class first */
	size_t ncls;
	int crow0;         /* first class row */
	size_t k;
	glp_prob *P;
} tsched;

static void tsched_free(tsched *x)
{
	free(x->m);
	free(x->prios);
	if (x->P != NULL)
		glp_delete_prob(x->P);
	memset(x, 0, sizeof *x);
}

/* Number of nonzeros of the LP with k steps, roughly. */
static double tsched_size(const planner *pl, const trans *tr, size_t k)
{
	double pairs = 0, members = 0;
	for (size_t t = 0; t < pl->nt; t++) {
		bool mover = tr->kind[t] == MOVE_HOT;
		bool el = pl->elig[t] && pl->normal[t] > 0;
		size_t hp = 0;
		for (size_t j = tr->off[t]; j < tr->off[t + 1]; j++)
			hp += tr->hot[tr->p[j].l];
		if (!mover && !(el && hp > 0))
			continue;
		members++;
		pairs += (double)hp * (el ? 3 : 1);
	}
	return (double)k * (2 * pairs + 6 * members);
}

static void tsched_build(tsched *x, const planner *pl, const trans *tr, size_t k)
{
	const plan_space *s = pl->s;
	memset(x, 0, sizeof *x);
	x->k = k;
	size_t cap = 0;
	for (size_t t = 0; t < pl->nt; t++) {
		bool mover = tr->kind[t] == MOVE_HOT;
		bool el = pl->elig[t] && pl->normal[t] > 0;
		bool hot = false;
		for (size_t j = tr->off[t]; j < tr->off[t + 1] && !hot; j++)
			hot = tr->hot[tr->p[j].l];
		if (!mover && !(el && hot))
			continue;
		GROW(x->m, x->n, cap);
		x->m[x->n++] = (tsmember){ .t = (uint32_t)t, .kind = !mover ? 2 : el ? 1 : 0 };
	}
	/* class slots of the throttles */
	x->prios = neto_malloc((x->n ? x->n : 1) * sizeof *x->prios);
	for (size_t i = 0; i < x->n; i++)
		if (x->m[i].kind > 0)
			x->prios[x->ncls++] = s->tunnels[x->m[i].t].priority;
	qsort(x->prios, x->ncls, sizeof *x->prios, cmp_u32);
	size_t nu = 0;
	for (size_t i = 0; i < x->ncls; i++)
		if (nu == 0 || x->prios[nu - 1] != x->prios[i])
			x->prios[nu++] = x->prios[i];
	x->ncls = nu;
	for (size_t i = 0; i < x->n; i++) {
		uint32_t pr = s->tunnels[x->m[i].t].priority;
		for (size_t c = 0; c < nu; c++)
			if (x->prios[c] == pr)
				x->m[i].cls = (uint32_t)c;
	}

	lpw w;
	memset(&w, 0, sizeof w);
	int K = (int)k;
	/* columns: lambda x[1..k-1]; alpha/beta a[1..k-1], b[1..k-1];
	 * scaled mu[1..k-1], v[1..k-2]; throttles */
	for (size_t i = 0; i < x->n; i++) {
		tsmember *m = &x->m[i];
		double nrm = pl->normal[m->t];
		if (m->kind == 0) {
			m->col = w.nc + 1;
			for (int j = 1; j < K; j++)
				lpw_col(&w, GLP_DB, 0, 1);
		} else if (m->kind == 1) {
			m->col = w.nc + 1;
			for (int j = 1; j < 2 * K - 1; j++)
				lpw_col(&w, GLP_DB, 0, 1);
		} else {
			m->col = w.nc + 1;
			for (int j = 1; j < K; j++)
				lpw_col(&w, GLP_DB, 0, 1);
			for (int j = 1; j + 1 < K; j++)
				lpw_col(&w, GLP_DB, 0, 1);
		}
		if (m->kind > 0)
			m->zcol = lpw_col(&w, nrm > 0 ? GLP_DB : GLP_FX, 0, 1);
	}
	/* columns of alpha/beta: a_j = col + j - 1, b_j = col + (k - 1) + j - 1 */
#define XA(m, j) ((m)->col + (j) - 1)
#define XB(m, j) ((m)->col + (K - 1) + (j) - 1)
#define XMU(m, j) ((m)->col + (j) - 1)
#define XV(m, j) ((m)->col + (K - 1) + (j) - 1)

	/* per-member rows */
	for (size_t i = 0; i < x->n; i++) {
		const tsmember *m = &x->m[i];
		double nrm = pl->normal[m->t];
		double A = 0, B = 0;
		const plan_tunnel *tu = &s->tunnels[m->t];
		for (uint32_t e = tu->entry_off; e < tu->entry_off + tu->n_entries; e++) {
			A += tr->S[e];
			B += tr->T[e];
		}
		/* throttles are in units of the normal rate: total >= nrm (1 - z) */
		if (m->kind == 0) {
			for (int j = 1; j + 1 < K; j++) {
				int r = lpw_row(&w, GLP_UP, 0, 0);
				lpw_nz(&w, r, m->col + j - 1, 1);
				lpw_nz(&w, r, m->col + j, -1);
			}
		} else if (m->kind == 1) {
			for (int j = 1; j < K; j++) {
				int r;
				if (j + 1 < K) {
					r = lpw_row(&w, GLP_LO, 0, 0); /* alpha falls */
					lpw_nz(&w, r, XA(m, j), 1);
					lpw_nz(&w, r, XA(m, j + 1), -1);
					r = lpw_row(&w, GLP_UP, 0, 0); /* beta rises */
					lpw_nz(&w, r, XB(m, j), 1);
					lpw_nz(&w, r, XB(m, j + 1), -1);
				}
				r = lpw_row(&w, GLP_UP, 0, 1);
				lpw_nz(&w, r, XA(m, j), 1);
				lpw_nz(&w, r, XB(m, j), 1);
				if (nrm > 0) {
					r = lpw_row(&w, GLP_LO, 1, 0);
					lpw_nz(&w, r, XA(m, j), A / nrm);
					lpw_nz(&w, r, XB(m, j), B / nrm);
					lpw_nz(&w, r, m->zcol, 1);
				}
			}
		} else {
			for (int j = 1; j < K; j++) {
				int r = lpw_row(&w, GLP_LO, 1, 0);
				lpw_nz(&w, r, XMU(m, j), B / nrm);
				lpw_nz(&w, r, m->zcol, 1);
			}
			for (int j = 1; j + 1 < K; j++) {
				int r = lpw_row(&w, GLP_LO, 0, 0);
				lpw_nz(&w, r, XV(m, j), 1);
				lpw_nz(&w, r, XMU(m, j), -1);
				r = lpw_row(&w, GLP_LO, 0, 0);
				lpw_nz(&w, r, XV(m, j), 1);
				lpw_nz(&w, r, XMU(m, j + 1), -1);
			}
		}
	}

	/* link rows: per step and hot link, the members' terms; their
	 * constants and the other tunnels' load go to the right-hand side */
	int32_t *hrow = neto_malloc(pl->nl * sizeof *hrow);
	double *rhs = neto_malloc((size_t)K * tr->n_hot * sizeof *rhs);
	for (uint32_t h = 0; h < tr->n_hot; h++) {
		uint32_t l = tr->hot_list[h];
		hrow[l] = (int32_t)h;
		for (int i = 0; i < K; i++)
			rhs[(size_t)i * tr->n_hot + h] = pl->capi[l] - tr->A[l];
	}
	int row0 = w.nr + 1;
	for (int i = 0; i < K; i++)
		for (uint32_t h = 0; h < tr->n_hot; h++)
			lpw_row(&w, GLP_UP, 0, 0); /* bounds set below */
#define LROW(i, h) (row0 + (i) * (int)tr->n_hot + (int)(h))
#define RHS(i, h) rhs[(size_t)(i) * tr->n_hot + (h)]
	for (size_t q = 0; q < x->n; q++) {
		const tsmember *m = &x->m[q];
		for (size_t j = tr->off[m->t]; j < tr->off[m->t + 1]; j++) {
			const tload *p = &tr->p[j];
			if (!tr->hot[p->l])
				continue;
			uint32_t h = (uint32_t)hrow[p->l];
			double c = pl->capi[p->l];
			for (int i = 0; i < K; i++)
				RHS(i, h) += p->a; /* the member's load is written below */
			if (m->kind == 0) {
				/* a + g x_i+1 - d x_i, x_0 = 0, x_k = 1 */
				double gr = fmax(p->b - p->a, 0), dr = fmax(p->a - p->b, 0);
				for (int i = 0; i < K; i++) {
					RHS(i, h) -= p->a;
					if (gr > 0) {
						if (i + 1 < K)
							lpw_nz(&w, LROW(i, h), m->col + i, gr / c);
						else
							RHS(i, h) -= gr;
					}
					if (dr > 0 && i > 0)
						lpw_nz(&w, LROW(i, h), m->col + i - 1, -dr / c);
				}
			} else if (m->kind == 2) {
				/* a v_i, v_0 = v_k-1 = 1 */
				for (int i = 0; i < K; i++) {
					if (i == 0 || i == K - 1)
						RHS(i, h) -= p->a;
					else
						lpw_nz(&w, LROW(i, h), XV(m, i), p->a / c);
				}
			} else if (p->a == 0 || p->b == 0) {
				/* b beta_i+1 or a alpha_i */
				for (int i = 0; i < K; i++) {
					if (p->a == 0) {
						if (i + 1 < K)
							lpw_nz(&w, LROW(i, h), XB(m, i + 1), p->b / c);
						else
							RHS(i, h) -= p->b;
					} else {
						if (i > 0)
							lpw_nz(&w, LROW(i, h), XA(m, i), p->a / c);
						else
							RHS(i, h) -= p->a;
					}
				}
			} else {
				/* u_i >= alpha_i a + beta_i b and the same at i + 1 */
				for (int i = 0; i < K; i++) {
					double lo = i == 0 ? p->a : i == K - 1 ? p->b : 0;
					int u = lpw_col(&w, GLP_LO, lo / c, 0);
					lpw_nz(&w, LROW(i, h), u, 1);
					for (int side = 0; side < 2; side++) {
						int cf = i + side;
						if (cf == 0 || cf == K)
							continue;
						int r = lpw_row(&w, GLP_LO, 0, 0);
						lpw_nz(&w, r, u, 1);
						lpw_nz(&w, r, XA(m, cf), -p->a / c);
						lpw_nz(&w, r, XB(m, cf), -p->b / c);
					}
				}
			}
		}
	}
	for (int i = 0; i < K; i++)
		for (uint32_t h = 0; h < tr->n_hot; h++) {
			uint32_t l = tr->hot_list[h];
			int r = LROW(i, h) - 1;
			w.rhi[r] = RHS(i, h) / pl->capi[l];
		}
#undef LROW
#undef RHS
	/* class rows, bounded once a class's least throttle is known */
	x->crow0 = w.nr + 1;
	for (size_t c = 0; c < x->ncls; c++)
		lpw_row(&w, GLP_FR, 0, 0);
	for (size_t i = 0; i < x->n; i++)
		if (x->m[i].kind > 0) {
			double nrm = pl->normal[x->m[i].t];
			lpw_nz(&w, x->crow0 + (int)x->m[i].cls, x->m[i].zcol, nrm / pl->capmax);
		}
	free(hrow);
	free(rhs);
	x->P = lpw_load(&w);
}

static void tsched_extract(const tsched *x, const planner *pl, const trans *tr, seq *q)
{
	const plan_space *s = pl->s;
	int K = (int)x->k;
	for (int j = 1; j < K; j++) {
		double *c = cfg_dup(pl, tr->T);
		for (size_t i = 0; i < x->n; i++) {
			const tsmember *m = &x->m[i];
			const plan_tunnel *tu = &s->tunnels[m->t];
			double a, b;
			if (m->kind == 0) {
				b = glp_get_col_prim(x->P, m->col + j - 1);
				a = 1 - b;
			} else if (m->kind == 1) {
				a = glp_get_col_prim(x->P, XA(m, j));
				b = glp_get_col_prim(x->P, XB(m, j));
			} else {
				a = 0;
				b = glp_get_col_prim(x->P, XMU(m, j));
			}
			a = a > 1e-12 ? fmin(a, 1) : 0;
			b = b > 1e-12 ? fmin(b, 1) : 0;
			for (uint32_t e = tu->entry_off; e < tu->entry_off + tu->n_entries; e++)
				c[e] = (a > 0 ? a * tr->S[e] : 0) + (b > 0 ? b * tr->T[e] : 0);
		}
		seq_push(q, c);
	}
	seq_push(q, cfg_dup(pl, tr->T));
}
#undef XA
#undef XB
#undef XMU
#undef XV

/* The least throttling with monotone schedules in k steps (see above).
 * 0: a plan appended to q after n0, 1: none, -1: failure. */
static int tsched_try(const planner *pl, const trans *tr, size_t k, double *vol, size_t nvol,
		      seq *q, size_t n0)
{
	tsched x;
	double t0 = now_seconds();
	tsched_build(&x, pl, tr, k);
	int rc = simplex(x.P, false, INT_MAX, GLP_PRIMAL);
	for (size_t c = 0; rc == 0 && c < x.ncls; c++) {
		for (size_t i = 0; i < x.n; i++)
			if (x.m[i].kind > 0)
				glp_set_obj_coef(x.P, x.m[i].zcol,
						 x.m[i].cls == c ? pl->normal[x.m[i].t] / pl->capmax : 0);
		if (simplex(x.P, true, INT_MAX, GLP_PRIMAL) != 0) {
			rc = -1;
			break;
		}
		double v = fmax(glp_get_obj_val(x.P), 0);
		if (c < nvol)
			vol[c] = v * pl->capmax;
		glp_set_row_bnds(x.P, x.crow0 + (int)c, GLP_UP, 0,
				 v * (1 + PLAN_LEX_REL) + 10 * PLAN_LP_TOL);
	}
	say(pl, "schedule LP with throttling, %zu steps: %d rows, %d columns, %d nonzeros: %s, "
		"%.3f s", k, glp_get_num_rows(x.P), glp_get_num_cols(x.P), glp_get_num_nz(x.P),
	    rc == 0 ? "feasible" : rc == 1 ? "infeasible" : "failed", now_seconds() - t0);
	if (rc == 0) {
		seq_truncate(q, n0);
		tsched_extract(&x, pl, tr, q);
		if (!seq_verifies(pl, q)) {
			rc = exact_simplex(x.P);
			if (rc == 0) {
				seq_truncate(q, n0);
				tsched_extract(&x, pl, tr, q);
				rc = seq_verifies(pl, q) ? 0 : 1;
			}
		}
	}
	tsched_free(&x);
	return rc;
}

/* The least throttling within kmax steps, then the fewest steps that need
 * no more (binary search). 0: plan in q after n0, 1: none, -1: failure. */
static int tsched_stage(const planner *pl, const trans *tr, size_t kmax, seq *q, size_t n0)
{
	size_t ncls = 0;
	uint32_t seen[64];
	for (size_t t = 0; t < pl->nt && ncls < 64; t++) {
		if (!pl->elig[t])
			continue;
		bool dup = false;
		for (size_t c = 0; c < ncls; c++)
			dup |= seen[c] == pl->s->tunnels[t].priority;
		if (!dup)
			seen[ncls++] = pl->s->tunnels[t].priority;
	}
	double vmax[64] = { 0 }, v[64] = { 0 };
	int rc = tsched_try(pl, tr, kmax, vmax, 64, q, n0);
	if (rc != 0)
		return rc;
	seq best;
	memset(&best, 0, sizeof best);
	seq_copy(&best, q, pl->ne);
	size_t lo = 2, hi = kmax;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = tsched_try(pl, tr, mid, v, 64, q, n0);
		if (r < 0)
			break;
		if (r == 0 && vol_ok(v, vmax, 64, pl->capmax)) {
			hi = mid;
			seq_copy(&best, q, pl->ne);
		} else {
			lo = mid + 1;
		}
	}
	seq_move(q, &best);
	seq_free(&best);
	return 0;
}

/* ---- the LP ---- */

/* The tunnels of an LP, their entry groups and the links they cross. Built
 * once per transition and core; the LP for each step count is built from
 * it. */
typedef struct lpcore {
	size_t nc;
	uint32_t *ct;        /* core tunnels */
	uint32_t *ce_off;    /* core tunnel i: local entries ce_off[i] .. ce_off[i+1] */
	size_t nce;
	uint32_t *ce;        /* local entry -> entry */
	/* groups: entries of one tunnel that cross the same links */
	size_t ng;
	uint32_t *g_t;       /* core index */
	size_t *g_eoff;      /* members g_e/g_c[g_eoff[g] .. g_eoff[g+1]) */
	uint32_t *g_e;       /* local entry */
	double *g_c;         /* times the entry crosses the group's links */
	size_t *g_loff;      /* links g_l[g_loff[g] .. g_loff[g+1]) */
	uint32_t *g_l;
	double *g_s, *g_tb;  /* the group's load under S and under T */
	/* rows: links crossed by the core */
	size_t nr;
	uint32_t *rl;
	size_t *rl_off;      /* groups crossing row link i: rl_g[rl_off[i] .. rl_off[i+1]) */
	uint32_t *rl_g;
	double *bg0, *bg1;   /* load of the other tunnels in the first step, later */
	/* throttling */
	size_t nz;           /* core tunnels that may be throttled */
	int32_t *zc;         /* per core tunnel: its throttle variable, or -1 */
	uint32_t *z_cls;     /* per throttle variable: class slot */
	size_t ncls;         /* class slots, highest class first */
	double scale;
} lpcore;

static void lpcore_free(lpcore *c)
{
	free(c->ct);
	free(c->ce_off);
	free(c->ce);
	free(c->g_t);
	free(c->g_eoff);
	free(c->g_e);
	free(c->g_c);
	free(c->g_loff);
	free(c->g_l);
	free(c->g_s);
	free(c->g_tb);
	free(c->rl);
	free(c->rl_off);
	free(c->rl_g);
	free(c->bg0);
	free(c->bg1);
	free(c->zc);
	free(c->z_cls);
	memset(c, 0, sizeof *c);
}

/*
 * The core of the transition: hot movers, and with `throttle` also every
 * tunnel that may be throttled and loads a hot link. Groups: for a tunnel
 * with at most 64 paths none of which crosses a link twice, the links whose
 * set of crossing entries is the same share one group; otherwise each link
 * is its own group.
 */
static void lpcore_build(const planner *pl, const trans *tr, bool throttle, lpcore *c)
{
	const plan_space *s = pl->s;
	uint32_t nl = pl->nl;
	memset(c, 0, sizeof *c);
	uint8_t *in = neto_calloc(pl->nt ? pl->nt : 1, 1);
	for (size_t t = 0; t < pl->nt; t++) {
		bool take = tr->kind[t] == MOVE_HOT;
		if (!take && throttle && pl->elig[t] && pl->normal[t] > 0)
			for (size_t k = tr->off[t]; k < tr->off[t + 1] && !take; k++)
				take = tr->hot[tr->p[k].l];
		in[t] = take;
		c->nc += take;
	}
	c->ct = neto_malloc((c->nc ? c->nc : 1) * sizeof *c->ct);
	c->ce_off = neto_malloc((c->nc + 1) * sizeof *c->ce_off);
	size_t i = 0;
	for (size_t t = 0; t < pl->nt; t++)
		if (in[t]) {
			c->ct[i] = (uint32_t)t;
			c->ce_off[i] = (uint32_t)c->nce;
			c->nce += s->tunnels[t].n_entries;
			i++;
		}
	c->ce_off[c->nc] = (uint32_t)c->nce;
	c->ce = neto_malloc((c->nce ? c->nce : 1) * sizeof *c->ce);
	for (i = 0; i < c->nc; i++)
		for (uint32_t x = 0; x < s->tunnels[c->ct[i]].n_entries; x++)
			c->ce[c->ce_off[i] + x] = s->tunnels[c->ct[i]].entry_off + x;

	/* groups */
	uint64_t *mask = neto_calloc(nl, sizeof *mask);
	uint32_t *touched = neto_malloc(nl * sizeof *touched);
	uint8_t *mark = neto_calloc(nl, 1);
	size_t cap_g = 0, cap_e = 0, cap_l = 0, ne = 0, nlk = 0;
	uint64_t *gmask = NULL;
	size_t cap_gm = 0;
	for (i = 0; i < c->nc; i++) {
		const plan_tunnel *tu = &s->tunnels[c->ct[i]];
		uint32_t nt = 0;
		bool by_mask = tu->n_entries <= 64;
		for (uint32_t x = 0; x < tu->n_entries; x++) {
			const plan_entry *en = &s->entries[tu->entry_off + x];
			for (uint32_t j = 0; j < en->n_links; j++) {
				uint32_t l = s->links[en->link_off + j];
				if (!mark[l]) {
					mark[l] = 1;
					touched[nt++] = l;
				}
				if (by_mask) {
					if (mask[l] & ((uint64_t)1 << x))
						by_mask = false;
					mask[l] |= (uint64_t)1 << x;
				}
			}
		}
		qsort(touched, nt, sizeof *touched, cmp_u32);
		size_t g0 = c->ng;
		for (uint32_t k = 0; k < nt; k++) {
			uint32_t l = touched[k];
			size_t g = c->ng;
			if (by_mask)
				for (size_t h = g0; h < c->ng; h++)
					if (gmask[h - g0] == mask[l]) {
						g = h;
						break;
					}
			if (g == c->ng) {
				/* a new group: its members and their multiplicity on l */
				GROW(c->g_t, c->ng, cap_g);
				size_t cg = cap_g;
				c->g_eoff = neto_reallocarray(c->g_eoff, cg + 1, sizeof *c->g_eoff);
				c->g_loff = neto_reallocarray(c->g_loff, cg + 1, sizeof *c->g_loff);
				c->g_s = neto_reallocarray(c->g_s, cg, sizeof *c->g_s);
				c->g_tb = neto_reallocarray(c->g_tb, cg, sizeof *c->g_tb);
				if (g - g0 >= cap_gm) {
					cap_gm = cap_gm ? 2 * cap_gm : 64;
					gmask = neto_reallocarray(gmask, cap_gm, sizeof *gmask);
				}
				gmask[g - g0] = mask[l];
				c->g_t[g] = (uint32_t)i;
				c->g_eoff[g] = ne;
				double sa = 0, sb = 0;
				for (uint32_t x = 0; x < tu->n_entries; x++) {
					const plan_entry *en = &s->entries[tu->entry_off + x];
					double m = 0;
					for (uint32_t j = 0; j < en->n_links; j++)
						m += s->links[en->link_off + j] == l;
					if (m == 0)
						continue;
					if (ne == cap_e) {
						cap_e = cap_e ? 2 * cap_e : 256;
						c->g_e = neto_reallocarray(c->g_e, cap_e, sizeof *c->g_e);
						c->g_c = neto_reallocarray(c->g_c, cap_e, sizeof *c->g_c);
					}
					c->g_e[ne] = c->ce_off[i] + x;
					c->g_c[ne] = m;
					ne++;
					sa += m * tr->S[tu->entry_off + x];
					sb += m * tr->T[tu->entry_off + x];
				}
				c->g_s[g] = sa;
				c->g_tb[g] = sb;
				c->ng++;
				c->g_eoff[c->ng] = ne;
				c->g_loff[g] = SIZE_MAX; /* links filled below */
			}
			/* from here on mask[l] holds the link's group */
			mask[l] = (uint64_t)g;
		}
		/* links of the tunnel's groups, contiguous per group */
		size_t ng_t = c->ng - g0;
		size_t *cntg = neto_calloc(ng_t ? ng_t : 1, sizeof *cntg);
		for (uint32_t k = 0; k < nt; k++)
			cntg[(size_t)mask[touched[k]] - g0]++;
		size_t pos = nlk;
		for (size_t h = 0; h < ng_t; h++) {
			c->g_loff[g0 + h] = pos;
			pos += cntg[h];
			cntg[h] = 0;
		}
		while (pos > cap_l) {
			cap_l = cap_l ? 2 * cap_l : 1024;
			c->g_l = neto_reallocarray(c->g_l, cap_l, sizeof *c->g_l);
		}
		for (uint32_t k = 0; k < nt; k++) {
			uint32_t l = touched[k];
			size_t h = (size_t)mask[l] - g0;
			c->g_l[c->g_loff[g0 + h] + cntg[h]++] = l;
		}
		nlk = pos;
		free(cntg);
		for (uint32_t k = 0; k < nt; k++) {
			mask[touched[k]] = 0;
			mark[touched[k]] = 0;
		}
	}
	if (c->ng == 0) {
		c->g_eoff = neto_calloc(1, sizeof *c->g_eoff);
		c->g_loff = neto_calloc(1, sizeof *c->g_loff);
	}
	c->g_loff[c->ng] = nlk;
	free(gmask);

	/* rows: every link a group crosses, with the groups crossing it */
	uint32_t *row_of = neto_malloc(nl * sizeof *row_of);
	for (uint32_t l = 0; l < nl; l++)
		row_of[l] = UINT32_MAX;
	size_t *rcnt = neto_calloc((size_t)nl + 1, sizeof *rcnt);
	for (size_t k = 0; k < nlk; k++)
		rcnt[c->g_l[k]]++;
	c->rl = neto_malloc(nl * sizeof *c->rl);
	for (uint32_t l = 0; l < nl; l++)
		if (rcnt[l] > 0) {
			row_of[l] = (uint32_t)c->nr;
			c->rl[c->nr++] = l;
		}
	c->rl_off = neto_calloc(c->nr + 1, sizeof *c->rl_off);
	for (size_t r = 0; r < c->nr; r++)
		c->rl_off[r + 1] = c->rl_off[r] + rcnt[c->rl[r]];
	c->rl_g = neto_malloc((nlk ? nlk : 1) * sizeof *c->rl_g);
	memset(rcnt, 0, ((size_t)nl + 1) * sizeof *rcnt);
	for (size_t g = 0; g < c->ng; g++)
		for (size_t k = c->g_loff[g]; k < c->g_loff[g + 1]; k++) {
			uint32_t r = row_of[c->g_l[k]];
			c->rl_g[c->rl_off[r] + rcnt[r]++] = (uint32_t)g;
		}
	free(rcnt);

	/* the load of everyone else on the row links */
	c->bg0 = neto_calloc(c->nr ? c->nr : 1, sizeof *c->bg0);
	c->bg1 = neto_calloc(c->nr ? c->nr : 1, sizeof *c->bg1);
	for (size_t t = 0; t < pl->nt; t++) {
		if (in[t])
			continue;
		for (size_t k = tr->off[t]; k < tr->off[t + 1]; k++) {
			uint32_t r = row_of[tr->p[k].l];
			if (r == UINT32_MAX)
				continue;
			c->bg0[r] += fmax(tr->p[k].a, tr->p[k].b);
			c->bg1[r] += tr->p[k].b;
		}
	}
	c->scale = 0;
	for (size_t r = 0; r < c->nr; r++)
		c->scale = fmax(c->scale, pl->capi[c->rl[r]]);
	if (!(c->scale > 0))
		c->scale = 1;

	/* throttle variables and their classes, highest class first */
	c->zc = neto_malloc((c->nc ? c->nc : 1) * sizeof *c->zc);
	uint32_t *prios = neto_malloc((c->nc ? c->nc : 1) * sizeof *prios);
	size_t np = 0;
	for (i = 0; i < c->nc; i++) {
		uint32_t t = c->ct[i];
		c->zc[i] = -1;
		if (throttle && pl->elig[t] && pl->normal[t] > 0) {
			c->zc[i] = (int32_t)c->nz++;
			prios[np++] = s->tunnels[t].priority;
		}
	}
	qsort(prios, np, sizeof *prios, cmp_u32);
	size_t nu = 0;
	for (size_t k = 0; k < np; k++)
		if (nu == 0 || prios[nu - 1] != prios[k])
			prios[nu++] = prios[k];
	c->ncls = nu;
	c->z_cls = neto_malloc((c->nz ? c->nz : 1) * sizeof *c->z_cls);
	for (i = 0; i < c->nc; i++) {
		if (c->zc[i] < 0)
			continue;
		uint32_t pr = s->tunnels[c->ct[i]].priority;
		size_t lo = 0, hi = nu;
		while (lo + 1 < hi) {
			size_t mid = (lo + hi) / 2;
			if (prios[mid] <= pr)
				lo = mid;
			else
				hi = mid;
		}
		c->z_cls[c->zc[i]] = (uint32_t)lo;
	}
	free(prios);
	free(row_of);
	free(mask);
	free(touched);
	free(mark);
	free(in);
}

/* Nonzeros of the LP with k steps. */
static double lp_size(const lpcore *c, size_t k)
{
	double gl = 0, ge = 0;
	for (size_t g = 0; g < c->ng; g++) {
		gl += (double)(c->g_loff[g + 1] - c->g_loff[g]);
		ge += (double)(c->g_eoff[g + 1] - c->g_eoff[g]) + 1;
	}
	double kk = (double)k;
	return kk * gl + 2 * (kk - 1) * ge + (kk - 1) * (double)(c->nce + c->nz) + (double)c->nz;
}

typedef struct lp {
	const planner *pl;
	const trans *tr;
	const lpcore *c;
	size_t k;
	glp_prob *P;
	int r0, u0, z0;          /* first columns (1-based) */
	int crow0;               /* first class row */
} lp;

static int col_r(const lp *x, size_t j, size_t le)
{
	return x->r0 + (int)((j - 1) * x->c->nce + le);
}

static int col_u(const lp *x, size_t i, size_t g)
{
	return x->u0 + (int)(i * x->c->ng + g);
}

/* Builds the LP with k >= 2 steps (see the top of the file). Returns -1
 * when it does not fit GLPK's int indices. */
static int lp_build(lp *x, const planner *pl, const trans *tr, const lpcore *c, size_t k)
{
	memset(x, 0, sizeof *x);
	x->pl = pl;
	x->tr = tr;
	x->c = c;
	x->k = k;
	double nnz = lp_size(c, k);
	double rows = (double)k * (double)c->nr + 2.0 * (double)(k - 1) * (double)c->ng +
		      (double)(k - 1) * (double)c->nc + (double)c->ncls;
	double cols = (double)(k - 1) * (double)c->nce + (double)k * (double)c->ng + (double)c->nz;
	if (nnz > INT_MAX / 2 || rows > INT_MAX / 2 || cols > INT_MAX / 2)
		return -1;
	double sc = c->scale;
	glp_prob *P = glp_create_prob();
	x->P = P;
	glp_set_obj_dir(P, GLP_MIN);
	int nrows = (int)rows, ncols = (int)cols;
	if (nrows > 0)
		glp_add_rows(P, nrows);
	if (ncols > 0)
		glp_add_cols(P, ncols);
	x->r0 = 1;
	x->u0 = 1 + (int)((k - 1) * c->nce);
	x->z0 = x->u0 + (int)(k * c->ng);
	size_t n = (size_t)nnz + 1;
	int *ia = neto_malloc((n + 1) * sizeof *ia);
	int *ja = neto_malloc((n + 1) * sizeof *ja);
	double *ar = neto_malloc((n + 1) * sizeof *ar);
	size_t ne = 0;
#define NZ(row, col, val)                                                            \
	do {                                                                         \
		ne++;                                                                \
		ia[ne] = (row);                                                      \
		ja[ne] = (col);                                                      \
		ar[ne] = (val);                                                      \
	} while (0)
	int row = 0;
	/* link rows */
	for (size_t i = 0; i < k; i++)
		for (size_t r = 0; r < c->nr; r++) {
			row++;
			double bg = i == 0 ? c->bg0[r] : c->bg1[r];
			glp_set_row_bnds(P, row, GLP_UP, 0, (pl->capi[c->rl[r]] - bg) / sc);
			for (size_t q = c->rl_off[r]; q < c->rl_off[r + 1]; q++)
				NZ(row, col_u(x, i, c->rl_g[q]), 1.0);
		}
	/* group rows: u before and after each intermediate configuration */
	for (size_t j = 1; j < k; j++)
		for (size_t g = 0; g < c->ng; g++)
			for (size_t side = 0; side < 2; side++) {
				row++;
				glp_set_row_bnds(P, row, GLP_LO, 0, 0);
				NZ(row, col_u(x, j - 1 + side, g), 1.0);
				for (size_t q = c->g_eoff[g]; q < c->g_eoff[g + 1]; q++)
					NZ(row, col_r(x, j, c->g_e[q]), -c->g_c[q]);
			}
	/* tunnel rows */
	for (size_t j = 1; j < k; j++)
		for (size_t i = 0; i < c->nc; i++) {
			row++;
			double nrm = pl->normal[c->ct[i]];
			if (nrm > 0)
				glp_set_row_bnds(P, row, GLP_LO, nrm / sc, 0);
			else
				glp_set_row_bnds(P, row, GLP_FR, 0, 0);
			for (uint32_t le = c->ce_off[i]; le < c->ce_off[i + 1]; le++)
				NZ(row, col_r(x, j, le), 1.0);
			if (c->zc[i] >= 0)
				NZ(row, x->z0 + c->zc[i], 1.0);
		}
	/* class rows: the total throttle of each class, bounded once fixed */
	x->crow0 = row + 1;
	for (size_t q = 0; q < c->ncls; q++) {
		row++;
		glp_set_row_bnds(P, row, GLP_FR, 0, 0);
	}
	for (size_t i = 0; i < c->nc; i++)
		if (c->zc[i] >= 0)
			NZ(x->crow0 + (int)c->z_cls[c->zc[i]], x->z0 + c->zc[i], 1.0);
#undef NZ
	/* columns */
	for (size_t j = 1; j < k; j++)
		for (size_t le = 0; le < c->nce; le++)
			glp_set_col_bnds(P, col_r(x, j, le), GLP_LO, 0, 0);
	for (size_t i = 0; i < k; i++)
		for (size_t g = 0; g < c->ng; g++) {
			double lb = 0;
			if (i == 0)
				lb = c->g_s[g];
			if (i == k - 1)
				lb = fmax(lb, c->g_tb[g]);
			glp_set_col_bnds(P, col_u(x, i, g), GLP_LO, lb / sc, 0);
		}
	for (size_t i = 0; i < c->nc; i++)
		if (c->zc[i] >= 0) {
			double nrm = pl->normal[c->ct[i]] / sc;
			glp_set_col_bnds(P, x->z0 + c->zc[i], GLP_DB, 0, nrm);
		}
	glp_load_matrix(P, (int)ne, ia, ja, ar);
	free(ia);
	free(ja);
	free(ar);
	return 0;
}

static void lp_free(lp *x)
{
	if (x->P != NULL)
		glp_delete_prob(x->P);
	x->P = NULL;
}

/* Appends the LP's configurations c_1 .. c_k-1 and T to q: the other
 * tunnels at T, the core's rates cleaned (specks and negatives are 0) and no
 * tunnel above its larger total. */
static void lp_extract(const lp *x, seq *q)
{
	const planner *pl = x->pl;
	const lpcore *c = x->c;
	double sc = c->scale;
	for (size_t j = 1; j < x->k; j++) {
		double *cf = cfg_dup(pl, x->tr->T);
		for (size_t i = 0; i < c->nc; i++) {
			double tot = 0;
			for (uint32_t le = c->ce_off[i]; le < c->ce_off[i + 1]; le++) {
				double v = glp_get_col_prim(x->P, col_r(x, j, le));
				v = v > 1e-13 ? v * sc : 0;
				cf[c->ce[le]] = v;
				tot += v;
			}
			double mx = pl->maxtot[c->ct[i]];
			if (tot > mx) {
				double f = tot > 0 ? mx / tot : 0;
				for (uint32_t le = c->ce_off[i]; le < c->ce_off[i + 1]; le++)
					cf[c->ce[le]] *= f;
			}
		}
		seq_push(q, cf);
	}
	seq_push(q, cfg_dup(pl, x->tr->T));
}

/* Reads the solution into q after its first n0 configurations and checks
 * the whole sequence; on a miss, tries the exact simplex once. */
static bool lp_take(lp *x, seq *q, size_t n0)
{
	seq_truncate(q, n0);
	lp_extract(x, q);
	if (seq_verifies(x->pl, q))
		return true;
	if (exact_simplex(x->P) != 0)
		return false;
	seq_truncate(q, n0);
	lp_extract(x, q);
	return seq_verifies(x->pl, q);
}

/* Is there a plan in k steps without throttling? On success the plan's
 * configurations are appended to q after its first n0. 1: no, -1: the LP
 * failed. */
static int lp_try(const planner *pl, const trans *tr, const lpcore *c, size_t k, seq *q,
		  size_t n0, bool optional)
{
	lp x;
	int it_lim = optional ? budget_it(pl, lp_size(c, k) / 2) : INT_MAX;
	if (it_lim == 0)
		return -1;
	double t0 = now_seconds();
	if (lp_build(&x, pl, tr, c, k) != 0)
		return -1;
	int rc = simplex(x.P, false, it_lim, GLP_PRIMAL);
	if (optional)
		budget_spend(pl, x.P);
	say(pl, "LP, %zu steps: %d rows, %d columns, %d nonzeros: %s after %d iterations, "
		"%.3f s", k, glp_get_num_rows(x.P), glp_get_num_cols(x.P), glp_get_num_nz(x.P),
	    rc == 0 ? "feasible" : rc == 1 ? "infeasible" : "given up", glp_get_it_cnt(x.P),
	    now_seconds() - t0);
	if (rc == 0)
		rc = lp_take(&x, q, n0) ? 0 : 1;
	lp_free(&x);
	return rc;
}

/*
 * The least throttling in k steps, class by class from the highest class
 * that may be throttled: vol[q] gets each class slot's total. On success
 * the plan is appended to q after n0. 1: no plan even with throttling.
 */
static int lp_throttle(const planner *pl, const trans *tr, const lpcore *c, size_t k,
		       double *vol, seq *q, size_t n0)
{
	lp x;
	if (lp_build(&x, pl, tr, c, k) != 0)
		return -1;
	int rc = simplex(x.P, false, INT_MAX, GLP_PRIMAL);
	for (size_t cl = 0; rc == 0 && cl < c->ncls; cl++) {
		for (size_t i = 0; i < c->nc; i++)
			if (c->zc[i] >= 0)
				glp_set_obj_coef(x.P, x.z0 + c->zc[i],
						 c->z_cls[c->zc[i]] == cl ? 1.0 : 0.0);
		/* the bounds on the classes above keep the point feasible */
		if (simplex(x.P, true, INT_MAX, GLP_PRIMAL) != 0) {
			rc = -1;
			break;
		}
		double v = fmax(glp_get_obj_val(x.P), 0);
		vol[cl] = v * c->scale;
		glp_set_row_bnds(x.P, x.crow0 + (int)cl, GLP_UP, 0,
				 v * (1 + PLAN_LEX_REL) + 10 * PLAN_LP_TOL);
	}
	if (rc == 0)
		rc = lp_take(&x, q, n0) ? 0 : 1;
	lp_free(&x);
	return rc;
}

/*
 * The LP stage for the transition tr, within `kmax` steps: the fewest steps
 * without throttling, found by binary search over [kmin, kmax] (a plan in k
 * steps gives one in k + 1 by repeating a configuration); if there is none
 * and `throttle`, the least throttling with kmax steps and then the fewest
 * steps that need no more. The plan's configurations are appended to q
 * after its first n0 (which end in tr->S). Returns 0 with a plan, 1 without,
 * -1 when the LP failed.
 */
static int lp_stage(const planner *pl, const trans *tr, size_t kmin, size_t kmax, bool throttle,
		    seq *q, size_t n0)
{
	if (kmin < 2)
		kmin = 2;
	if (kmax < kmin)
		return 1;
	lpcore c;
	lpcore_build(pl, tr, false, &c);
	say(pl, "LP over %zu tunnels (%zu path groups, %zu links), %zu to %zu steps", c.nc, c.ng,
	    c.nr, kmin, kmax);
	/* kmax first: when it fails, only throttling can help; otherwise the
	 * fewest steps, from the small (cheap) LPs up */
	int rc = lp_try(pl, tr, &c, kmax, q, n0, false);
	for (size_t k = kmin; rc == 0 && k < kmax; k++) {
		seq t;
		memset(&t, 0, sizeof t);
		seq_copy(&t, q, pl->ne);
		seq_truncate(&t, n0);
		int r = lp_try(pl, tr, &c, k, &t, n0, true);
		if (r == 0)
			seq_move(q, &t);
		seq_free(&t);
		if (r != 1)
			break;
	}
	lpcore_free(&c);
	if (rc != 1 || !throttle)
		return rc;

	lpcore_build(pl, tr, true, &c);
	if (c.nz == 0) {
		lpcore_free(&c);
		return 1;
	}
	say(pl, "no plan within %zu steps without throttling; LP with %zu tunnels that may be "
		"throttled", kmax, c.nz);
	double *vmax = neto_calloc(c.ncls, sizeof *vmax);
	double *v = neto_calloc(c.ncls, sizeof *v);
	seq best;
	memset(&best, 0, sizeof best);
	rc = lp_throttle(pl, tr, &c, kmax, vmax, q, n0);
	if (rc == 0) {
		/* the least throttling needs kmax steps at most: the fewest
		 * steps that need no more (binary search: the least throttling
		 * never grows with more steps) */
		seq_copy(&best, q, pl->ne);
		size_t lo = kmin, hi = kmax;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			int r = lp_throttle(pl, tr, &c, mid, v, q, n0);
			if (r < 0)
				break;
			if (r == 0 && vol_ok(v, vmax, c.ncls, c.scale)) {
				hi = mid;
				seq_copy(&best, q, pl->ne);
			} else {
				lo = mid + 1;
			}
		}
		seq_move(q, &best);
	}
	seq_free(&best);
	free(v);
	free(vmax);
	lpcore_free(&c);
	return rc;
}

/* ---- throttle records ---- */

static double tunnel_total(const plan_space *s, size_t t, const double *c)
{
	const plan_tunnel *tu = &s->tunnels[t];
	double sum = 0;
	for (uint32_t e = tu->entry_off; e < tu->entry_off + tu->n_entries; e++)
		sum += c[e];
	return sum;
}

/*
 * Finds the tunnels whose total falls below their normal rate in some
 * intermediate configuration. Such a tunnel is held at one limit, the lowest
 * total it reaches, from the first configuration where it falls short to the
 * last (lowering a tunnel's rates never breaks a step), and recorded: the
 * limit is applied by the step into the first of them and lifted by the step
 * out of the last. A tunnel that may not be throttled and falls short by
 * more than the LP's tolerance is an internal error.
 */
static int throttles(const planner *pl, seq *q, plan_result *out, neto_err *err)
{
	const plan_space *s = pl->s;
	size_t cap = 0;
	for (size_t t = 0; t < pl->nt; t++) {
		double nrm = pl->normal[t];
		if (!(nrm > 0))
			continue;
		double noise = fmax(nrm * PLAN_THROTTLE_REL, pl->capmax * PLAN_LP_NOISE);
		size_t first = 0, last = 0;
		double lim = HUGE_VAL;
		for (size_t i = 1; i + 1 < q->n; i++) {
			double tot = tunnel_total(s, t, q->cfg[i]);
			if (tot >= nrm - noise)
				continue;
			if (!pl->elig[t])
				return neto_err_set(err, "planner: internal error: tunnel %zu of the "
							 "highest class lost traffic", t);
			if (first == 0)
				first = i;
			last = i;
		}
		if (first == 0)
			continue;
		for (size_t i = first; i <= last; i++)
			lim = fmin(lim, tunnel_total(s, t, q->cfg[i]));
		lim = fmax(lim, 0);
		const plan_tunnel *tu = &s->tunnels[t];
		for (size_t i = first; i <= last; i++) {
			double tot = tunnel_total(s, t, q->cfg[i]);
			double f = tot > lim ? lim / tot : 1;
			if (f < 1)
				for (uint32_t e = tu->entry_off; e < tu->entry_off + tu->n_entries; e++)
					q->cfg[i][e] *= f;
		}
		GROW(out->throttled, out->n_throttled, cap);
		out->throttled[out->n_throttled++] = (plan_throttle){
			.tunnel = (uint32_t)t,
			.rate = lim,
			.normal = nrm,
			.first_step = first - 1,
			.last_step = last,
		};
	}
	return 0;
}

/* ---- entry points ---- */

void plan_result_free(plan_result *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n_configs; i++)
		free(r->cfg[i]);
	free(r->cfg);
	free(r->throttled);
	memset(r, 0, sizeof *r);
}

size_t plan_swan_bound(const plan_space *s, const double *from, const double *to)
{
	const topo *t = s->t;
	double *la = neto_calloc(t->n_links ? t->n_links : 1, sizeof *la);
	double *lb = neto_calloc(t->n_links ? t->n_links : 1, sizeof *lb);
	for (size_t e = 0; e < s->n_entries; e++) {
		const plan_entry *en = &s->entries[e];
		for (uint32_t i = 0; i < en->n_links; i++) {
			la[s->links[en->link_off + i]] += from[e];
			lb[s->links[en->link_off + i]] += to[e];
		}
	}
	double slack = 1;
	for (uint32_t l = 0; l < t->n_links; l++) {
		double c = t->links[l].capacity;
		slack = fmin(slack, (c - fmax(la[l], lb[l])) / c);
	}
	free(la);
	free(lb);
	/* a link full up to rounding (sums of rates differ from the capacity
	 * in the last bits) has no slack: the verifier's own tolerance */
	if (!(slack > 1e-9))
		return 0;
	/* ceil(1/s) - 1 intermediates, one more step; 1/s within rounding of
	 * an integer counts as that integer */
	double k = ceil(1 / slack - 1e-9);
	return k < 1 ? 1 : (size_t)k;
}

/* Checks the space and both configurations, so that nothing below reads out
 * of bounds or computes with a NaN. */
static int check_input(const plan_space *s, const double *from, const double *to, neto_err *err)
{
	if (s->t == NULL)
		return neto_err_set(err, "planner: the space has no topology");
	uint32_t nl = s->t->n_links;
	for (uint32_t l = 0; l < nl; l++)
		if (!(s->t->links[l].capacity > 0) || !isfinite(s->t->links[l].capacity))
			return neto_err_set(err, "planner: link '%s' has no positive capacity",
					    s->t->links[l].id);
	size_t next = 0;
	for (size_t t = 0; t < s->n_tunnels; t++) {
		const plan_tunnel *tu = &s->tunnels[t];
		if (tu->entry_off != next || (size_t)tu->entry_off + tu->n_entries > s->n_entries)
			return neto_err_set(err, "planner: tunnel %zu: entries out of order", t);
		next += tu->n_entries;
	}
	if (next != s->n_entries)
		return neto_err_set(err, "planner: entries not covered by tunnels");
	for (size_t e = 0; e < s->n_entries; e++) {
		const plan_entry *en = &s->entries[e];
		if ((size_t)en->link_off + en->n_links > s->n_links)
			return neto_err_set(err, "planner: entry %zu: links out of range", e);
		for (uint32_t i = 0; i < en->n_links; i++)
			if (s->links[en->link_off + i] >= nl)
				return neto_err_set(err, "planner: entry %zu: unknown link", e);
		if (!(from[e] >= 0) || !(to[e] >= 0) || !isfinite(from[e]) || !isfinite(to[e]))
			return neto_err_set(err, "planner: entry %zu: rate not a finite number >= 0",
					    e);
	}
	return 0;
}

/* Refuses an installed or target configuration that already overloads a
 * link: no step that starts or ends there can be congestion-free. */
static int check_loads(const planner *pl, const trans *tr, neto_err *err)
{
	const topo *t = pl->s->t;
	for (uint32_t l = 0; l < pl->nl; l++) {
		double c = t->links[l].capacity;
		if (tr->A[l] > c * (1 + PLAN_VERIFY_TOL))
			return neto_err_set(err, "the installed configuration already overloads link "
						 "'%s' (%.6g > capacity %.6g)", t->links[l].id,
					    tr->A[l], c);
		if (tr->B[l] > c * (1 + PLAN_VERIFY_TOL))
			return neto_err_set(err, "the target overloads link '%s' (%.6g > capacity "
						 "%.6g)", t->links[l].id, tr->B[l], c);
	}
	return 0;
}

/* The hot link that the direct jump overloads most, for messages. */
static uint32_t worst_hot(const planner *pl, const trans *tr)
{
	uint32_t w = UINT32_MAX;
	double worst = 0;
	for (uint32_t h = 0; h < tr->n_hot; h++) {
		uint32_t l = tr->hot_list[h];
		double u = tr->W[l] / pl->s->t->links[l].capacity;
		if (u > worst) {
			worst = u;
			w = l;
		}
	}
	return w;
}

/* Replaces q by t when t is a plan with fewer steps. */
static bool take_shorter(seq *q, seq *t, bool have)
{
	if (have && t->n >= q->n)
		return false;
	seq_move(q, t);
	return true;
}

/* Finds a plan into q (which holds from); 0 with a plan, 1 without, -1 when
 * an LP failed. The methods, in order, are those of the top of the file. */
static int find_plan(const planner *pl, const trans *tr0, seq *q)
{
	size_t kmax = pl->max_steps;
	if (tr0->n_hot == 0) {
		seq_push(q, cfg_dup(pl, pl->to));
		return seq_verifies(pl, q) ? 0 : 1;
	}
	if (kmax < 2)
		return 1;

	/* the greedy and the uniform schedules */
	seq g, t;
	seq_start(pl, &g, pl->from);
	seq_start(pl, &t, pl->from);
	bool have = false;
	bool gdone = greedy(pl, tr0, pl->max_steps, false, &g);
	if (gdone && seq_verifies(pl, &g)) {
		seq_copy(q, &g, pl->ne);
		have = true;
	}
	size_t ku = uniform_steps(pl, tr0);
	for (size_t k = ku; ku != SIZE_MAX && k <= kmax && k <= ku + 1; k++) {
		seq_restart(pl, &t, pl->from);
		uniform_build(pl, tr0, k, &t);
		if ((!have || t.n < q->n) && seq_verifies(pl, &t)) {
			have = take_shorter(q, &t, have) || have;
			break;
		}
	}
	say(pl, "greedy schedule: %s%zu steps; uniform schedule: %s%zu steps",
	    gdone ? "" : "none within ", gdone ? g.n - 1 : kmax, ku == SIZE_MAX ? "none, " : "",
	    ku == SIZE_MAX ? 0 : ku);

	/* no plan yet: the schedule LP at kmax with shortfalls allowed in the
	 * middle steps tells at once whether a monotone schedule exists; if
	 * not, its schedule with the shortfalls covered by throttling is kept
	 * for later */
	mvset v;
	mvset_build(pl, tr0, &v);
	seq el;
	memset(&el, 0, sizeof el);
	bool have_el = false;
	if (!have && sched_size(&v, kmax) <= PLAN_SCHED_MAX) {
		size_t thr = 0;
		seq_start(pl, &el, pl->from);
		if (sched_try(pl, tr0, &v, kmax, &el, 1, true, &thr) == 0) {
			if (thr == 0) {
				seq_move(q, &el);
				have = true;
			} else {
				have_el = true;
			}
		}
	}

	/* the best monotone schedule, when its LP is not too large */
	size_t hi = have ? q->n - 2 : 0;
	for (size_t k = 2; k <= hi && sched_size(&v, k) <= PLAN_SCHED_MAX; k++) {
		seq_restart(pl, &t, pl->from);
		int r = sched_try(pl, tr0, &v, k, &t, 1, false, NULL);
		if (r == 0)
			have = take_shorter(q, &t, have) || have;
		if (r != 1)
			break;
	}
	mvset_free(&v);

	/* free intermediate splits (parking on other paths), on small
	 * instances */
	if (have && q->n > 3) {
		lpcore c;
		lpcore_build(pl, tr0, false, &c);
		for (size_t k = 2; k + 1 < q->n && lp_size(&c, k) <= PLAN_LP_SMALL; k++) {
			seq_restart(pl, &t, pl->from);
			int r = lp_try(pl, tr0, &c, k, &t, 1, true);
			if (r == 0)
				take_shorter(q, &t, have);
			if (r != 1)
				break;
		}
		lpcore_free(&c);
	}

	/* still nothing: throttling. The general LP (which may also park
	 * traffic and avoid throttling) on small instances; the schedule LP
	 * with throttling on mid-sized ones; then the schedule with its
	 * shortfalls covered, the greedy schedule with throttling, and last
	 * the general LP whatever its size (first from where the greedy
	 * schedule stopped, which leaves it fewer tunnels) */
	int rc = have ? 0 : 1;
	if (!have) {
		lpcore c;
		lpcore_build(pl, tr0, true, &c);
		double full = lp_size(&c, kmax);
		lpcore_free(&c);
		if (full <= PLAN_LP_FALLBACK)
			rc = lp_stage(pl, tr0, 2, kmax, true, q, 1);
		if (rc != 0 && tsched_size(pl, tr0, kmax) <= PLAN_TSCHED_MAX) {
			seq_restart(pl, q, pl->from);
			rc = tsched_stage(pl, tr0, kmax, q, 1);
		}
		if (rc != 0 && have_el) {
			say(pl, "schedule with its shortfalls covered by throttling: %zu steps",
			    el.n - 1);
			seq_move(q, &el);
			rc = 0;
		}
		if (rc != 0) {
			seq_restart(pl, &t, pl->from);
			if (greedy(pl, tr0, pl->max_steps, true, &t) && seq_verifies(pl, &t)) {
				say(pl, "greedy schedule with throttling: %zu steps", t.n - 1);
				seq_move(q, &t);
				rc = 0;
			}
		}
		size_t j = g.n - 1;
		if (j + 2 > kmax)
			j = kmax - 2;
		if (rc != 0 && j > 0 && full > PLAN_LP_FALLBACK) {
			trans tr;
			trans_build(pl, &tr, g.cfg[j], pl->to);
			seq_copy(q, &g, pl->ne);
			seq_truncate(q, j + 1);
			say(pl, "general LP from step %zu of the greedy schedule", j);
			rc = lp_stage(pl, &tr, 2, kmax - j, true, q, j + 1);
			trans_free(&tr);
		}
		if (rc != 0 && full > PLAN_LP_FALLBACK) {
			seq_restart(pl, q, pl->from);
			rc = lp_stage(pl, tr0, 2, kmax, true, q, 1);
		}
	}
	seq_free(&el);
	seq_free(&g);
	seq_free(&t);
	return rc;
}

int plan_make(const plan_space *s, const double *from, const double *to, const plan_opts *o,
	      plan_result *out, neto_err *err)
{
	double t0 = now_seconds();
	memset(out, 0, sizeof *out);
	if (check_input(s, from, to, err) != 0)
		return -1;
	planner pl = {
		.s = s,
		.from = from,
		.to = to,
		.max_steps = o != NULL && o->max_steps > 0 ? o->max_steps : PLAN_DEFAULT_STEPS,
		.progress = o != NULL ? o->progress : NULL,
		.nl = s->t->n_links,
		.nt = s->n_tunnels,
		.ne = s->n_entries,
		.top = UINT32_MAX,
	};
	double work = PLAN_LP_WORK;
	pl.work = &work;
	pl.capi = neto_malloc((pl.nl ? pl.nl : 1) * sizeof *pl.capi);
	for (uint32_t l = 0; l < pl.nl; l++) {
		pl.capi[l] = s->t->links[l].capacity * (1 + PLAN_CAP_TOL);
		pl.capmax = fmax(pl.capmax, s->t->links[l].capacity);
	}
	pl.normal = neto_malloc((pl.nt ? pl.nt : 1) * sizeof *pl.normal);
	pl.maxtot = neto_malloc((pl.nt ? pl.nt : 1) * sizeof *pl.maxtot);
	pl.elig = neto_calloc(pl.nt ? pl.nt : 1, 1);
	for (size_t t = 0; t < pl.nt; t++) {
		double a = tunnel_total(s, t, from), b = tunnel_total(s, t, to);
		pl.normal[t] = fmin(a, b);
		pl.maxtot[t] = fmax(a, b);
		if (s->tunnels[t].priority < pl.top)
			pl.top = s->tunnels[t].priority;
	}
	for (size_t t = 0; t < pl.nt; t++)
		pl.elig[t] = s->tunnels[t].priority > pl.top;

	trans tr0;
	trans_build(&pl, &tr0, from, to);
	int rc = check_loads(&pl, &tr0, err);
	seq q;
	seq_start(&pl, &q, from);
	if (rc == 0) {
		say(&pl, "%zu tunnels, %zu change on %" PRIu32 " links that a direct jump overloads",
		    pl.nt, tr0.n_hotmov, tr0.n_hot);
		int f = find_plan(&pl, &tr0, &q);
		if (f < 0) {
			rc = neto_err_set(err, "planner: the LP solver failed");
		} else if (f > 0) {
			uint32_t w = worst_hot(&pl, &tr0);
			const char *cls = NULL;
			bool lower = false;
			for (size_t t = 0; t < pl.nt; t++) {
				if (s->tunnels[t].priority == pl.top && cls == NULL)
					cls = s->tunnels[t].cls;
				lower |= pl.elig[t];
			}
			rc = neto_err_set(err,
					  "no congestion-free plan within %u step%s, %s '%s' "
					  "(never throttled); the direct jump overloads %" PRIu32
					  " link%s, most '%s' (%.3g x capacity)",
					  pl.max_steps, pl.max_steps == 1 ? "" : "s",
					  lower ? "even with the classes below" : "and no class below",
					  cls ? cls : "?", tr0.n_hot, tr0.n_hot == 1 ? "" : "s",
					  w == UINT32_MAX ? "?" : s->t->links[w].id,
					  w == UINT32_MAX ? 0 : tr0.W[w] / s->t->links[w].capacity);
		}
	}
	if (rc == 0)
		rc = throttles(&pl, &q, out, err);
	if (rc == 0 && (q.n < 2 || memcmp(q.cfg[0], from, pl.ne * sizeof *from) != 0 ||
			memcmp(q.cfg[q.n - 1], to, pl.ne * sizeof *to) != 0 || !seq_verifies(&pl, &q)))
		rc = neto_err_set(err, "planner: internal error: the plan does not verify");
	if (rc == 0) {
		out->n_configs = q.n;
		out->cfg = q.cfg;
		q.cfg = NULL;
		q.n = 0;
		say(&pl, "%zu steps, %zu tunnels throttled", out->n_configs - 1, out->n_throttled);
	} else {
		free(out->throttled);
		memset(out, 0, sizeof *out);
	}
	seq_free(&q);
	trans_free(&tr0);
	free(pl.capi);
	free(pl.normal);
	free(pl.maxtot);
	free(pl.elig);
	out->compute_seconds = now_seconds() - t0;
	return rc;
}
