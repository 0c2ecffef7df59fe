/*
 * exact.c - the exact allocation engine: demand-capped max-min fair rates on
 * fixed candidate paths by a sequence of linear programs, after Danna, Mandal
 * and Singh, "A practical algorithm for balancing the max-min fairness and
 * throughput objectives in traffic engineering" (INFOCOM 2012).
 *
 * The workload: one traffic class at a time, against the capacity the higher
 * classes left. This engine is the reference the fast engine (heur.c) is
 * measured against, so it favours being right over being quick: 1,000
 * demands with 4 paths each over 100 links take a few seconds, 3,000 over 300
 * links a minute or two (the simplex pivots grow with both the rows and the
 * number of rounds).
 *
 * The LP. One column f_{d,p} >= 0 per (demand, usable path) and one column t.
 * Rows, all built once:
 *   link rows    sum of f over the paths through l      <= cap[l]
 *   cap rows     sum_p f_{d,p}                          = level of d, once frozen
 *   fair rows    sum_p f_{d,p} - t                      >= 0, while not frozen
 * and t <= the smallest D_d among the demands not yet frozen. Maximise t.
 * An unfrozen demand needs no row for D_d: t is below it, and a solution
 * that gives a demand more than D_d can give it less without harm to anyone.
 *
 * After each solve, with optimum t*, a demand is frozen (its rate is final):
 *   - when D_d <= t*: it is satisfied;
 *   - when its fair row is tight with a nonzero dual. By complementary
 *     slackness every optimal primal solution then has that row tight, so
 *     the demand is exactly t* in every allocation that gives all unfrozen
 *     demands t*: it cannot be raised without lowering someone at t*.
 * Freezing fixes the demand's cap row at its level and switches its fair row
 * off. Only row bounds change, never the matrix, so the next solve starts
 * from the previous optimal basis, which stays dual feasible: dual simplex,
 * no presolve.
 *
 * Rounds. In exact arithmetic every round freezes someone: the duals of the
 * fair rows plus the reduced cost of t sum to t's objective coefficient, 1,
 * so either t sits at its bound (the smallest D_d: that demand is satisfied)
 * or some fair row has a nonzero dual. In floating point the duals of a
 * degenerate optimum can all come out as noise. When a round freezes nobody,
 * each unfrozen demand is probed instead: with t held at t*, maximise that
 * demand alone; those that cannot exceed t* are frozen. Were every demand
 * able to exceed t* on its own, the average of those solutions would raise
 * all of them at once, contradicting the optimality of t*; so if the probes
 * still find nobody (numerical trouble), the demand whose probe rose least
 * is frozen at t*. Rounds that speculate (see rounds()) may fail, but they
 * are bounded too; a hard cap on rounds turns anything unforeseen into an
 * error, never into a loop.
 *
 * Last, with every rate fixed, one more LP chooses the split: for classes
 * with the low-latency policy it minimises sum over paths of delay * f, so a
 * demand uses its fastest paths as far as fairness allows; for the others it
 * only re-solves for a feasible point.
 *
 * Numerics. Capacities reach 1e8 (kbps): all capacities and demands are
 * divided by the largest residual capacity of a link in use and multiplied
 * back at the end; a demand's cap is first lowered to what its paths could
 * ever carry (the sum of their bottlenecks), which changes no rate and keeps
 * every bound of the LP within a small multiple of 1. Results are cleaned:
 * negatives and specks below 1e-12 of the scale become 0, each demand's flows
 * are rescaled to exactly its frozen level, and a link left over capacity by
 * solver tolerance has the flows through it scaled down, so no residual
 * capacity goes negative.
 *
 * Memory: the GLPK problem and O(columns + nonzeros) arrays, freed before
 * returning. GLPK's terminal output is silenced per call (msg_lev), not
 * globally. A solver failure is reported through neto_err.
 */
#include "te/te.h"

#include <glpk.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/mem.h"

/* A fair row's dual must be below minus this to freeze its demand (the dual
 * of a binding >= row of a maximisation is negative in GLPK). The duals of the
 * fair rows sum to 1, so genuine ones are typically of order 1 / demands,
 * while noise stays near the dual tolerance; a genuine dual below this only
 * costs another round. */
#ifndef EXACT_DUAL_MIN
#define EXACT_DUAL_MIN 1e-8
#endif
/* Primal and dual feasibility tolerances of the simplex (GLPK's default is
 * 1e-7); the LP is well scaled (coefficients 1, bounds O(1)), so tighter ones
 * cost little and make the levels accurate to about that much. */
#ifndef EXACT_TOL
#define EXACT_TOL 1e-9
#endif
/* A demand with D_d <= t* (1 + EXACT_SAT_REL) + EXACT_ABS is satisfied. */
#define EXACT_SAT_REL 1e-9
/* Scaled quantities below this are zero. */
#define EXACT_ABS 1e-12
/* A probe that cannot raise a demand above t* (1 + EXACT_PROBE_REL) + EXACT_ABS
 * freezes it; others are held at t* (1 - EXACT_PROBE_REL) while probing so
 * that the probe LP stays feasible despite solver tolerance. */
#define EXACT_PROBE_REL 1e-7

/* One demand of the class that gets a column. */
typedef struct xdem {
	uint32_t d;    /* demand index */
	int col;       /* first column (1-based); its columns are col .. col+n_cols */
	int n_cols;
	double cap;    /* scaled effective cap: min(D_d, sum of path bottlenecks) */
	double val;    /* frozen level, scaled */
	bool frozen;
} xdem;

typedef struct exact {
	const te_problem *p;
	glp_prob *lp;
	xdem *v;
	size_t n;
	size_t n_frozen;
	int n_lrows;    /* link rows 1..n_lrows */
	int n_fcols;    /* f columns 1..n_fcols; t is n_fcols + 1 */
	uint32_t *col_dp;  /* f column c -> entry of p->dp (index of rate[]), at c-1 */
	double scale;
	double fair_off; /* lower bound that disables a fair row (see freeze) */
	bool first;
	uint8_t *mark;
	uint8_t *rstat, *cstat; /* a saved basis */
} exact;

static int cap_row(const exact *x, size_t i)
{
	return x->n_lrows + 1 + (int)i;
}

static int fair_row(const exact *x, size_t i)
{
	return x->n_lrows + (int)x->n + 1 + (int)i;
}

static int t_col(const exact *x)
{
	return x->n_fcols + 1;
}

static void set_bnds_col(glp_prob *lp, int j, double lb, double ub)
{
	if (ub <= lb)
		glp_set_col_bnds(lp, j, GLP_FX, lb, lb);
	else
		glp_set_col_bnds(lp, j, GLP_DB, lb, ub);
}

/* GLPK's terminal hook while progress is wanted: its iteration lines (those
 * with an objective value) go to the progress stream, the rest nowhere. */
static int glpk_progress(void *info, const char *s)
{
	unsigned long it;
	/* GLPK's iteration lines read "*  3679: obj = ..." (or " " first) */
	if (strstr(s, "obj =") != NULL && sscanf(s + 1, "%lu:", &it) == 1)
		fprintf((FILE *)info, "neto te: exact: LP solve at simplex iteration %lu\n", it);
	return 1; /* handled: GLPK prints nothing itself */
}

static int solve_lp(exact *x, glp_smcp parm, bool may_fail, const char *what, neto_err *err);

/* Solves from the current basis with `meth`. Returns 0 at an optimum, 1 when
 * the LP has no feasible point and `may_fail` is set, -1 on error. */
static int solve(exact *x, int meth, bool may_fail, const char *what, neto_err *err)
{
	glp_smcp parm;
	glp_init_smcp(&parm);
	parm.msg_lev = GLP_MSG_OFF;
	parm.meth = meth;
	if (x->p->progress) {
		/* one solve on a large class can take minutes: after 5 s,
		 * report the simplex's progress every 10 s */
		parm.msg_lev = GLP_MSG_ON;
		parm.out_dly = 5000;
		parm.out_frq = 10000;
		glp_term_hook(glpk_progress, x->p->progress);
	}
	int rc = solve_lp(x, parm, may_fail, what, err);
	if (x->p->progress)
		glp_term_hook(NULL, NULL);
	return rc;
}

/* A solver failure is retried once from scratch with the presolver (a fresh
 * start sometimes gets past a basis that went numerically bad). */
static int solve_lp(exact *x, glp_smcp parm, bool may_fail, const char *what, neto_err *err)
{
	parm.presolve = GLP_OFF;
	parm.tol_bnd = EXACT_TOL;
	parm.tol_dj = EXACT_TOL;
	int rc = glp_simplex(x->lp, &parm);
	if (rc == 0 && glp_get_status(x->lp) == GLP_OPT)
		return 0;
	if (rc == 0 && glp_get_status(x->lp) == GLP_NOFEAS && may_fail)
		return 1;
	glp_std_basis(x->lp);
	parm.meth = GLP_PRIMAL;
	parm.presolve = GLP_ON;
	rc = glp_simplex(x->lp, &parm);
	if (rc == 0 && glp_get_status(x->lp) == GLP_OPT)
		return 0;
	if (may_fail && (rc == GLP_ENOPFS || (rc == 0 && glp_get_status(x->lp) == GLP_NOFEAS)))
		return 1;
	return neto_err_set(err, "exact engine: %s LP failed (glp_simplex %d, status %d)", what,
			    rc, glp_get_status(x->lp));
}

/* Fixes demand i at val. Its fair row is switched off by moving its lower
 * bound below anything the row can reach (sum f - t >= -t >= -max cap), not
 * by making the row free: a free nonbasic row with a nonzero dual would make
 * the basis dual infeasible, and the next dual simplex would start over from
 * far away. This way only primal feasibility is lost, which is what the
 * dual simplex repairs in a few pivots. */
static void freeze(exact *x, size_t i, double val)
{
	xdem *v = &x->v[i];
	if (val < 0)
		val = 0;
	v->val = val;
	v->frozen = true;
	x->n_frozen++;
	glp_set_row_bnds(x->lp, cap_row(x, i), GLP_FX, val, val);
	glp_set_row_bnds(x->lp, fair_row(x, i), GLP_LO, x->fair_off, 0);
}

/* Undoes freeze(). */
static void thaw(exact *x, size_t i)
{
	xdem *v = &x->v[i];
	v->frozen = false;
	x->n_frozen--;
	glp_set_row_bnds(x->lp, cap_row(x, i), GLP_FR, 0, 0);
	glp_set_row_bnds(x->lp, fair_row(x, i), GLP_LO, 0, 0);
}

static void save_basis(exact *x)
{
	int nr = glp_get_num_rows(x->lp), nc = glp_get_num_cols(x->lp);
	for (int i = 1; i <= nr; i++)
		x->rstat[i - 1] = (uint8_t)glp_get_row_stat(x->lp, i);
	for (int j = 1; j <= nc; j++)
		x->cstat[j - 1] = (uint8_t)glp_get_col_stat(x->lp, j);
}

static void restore_basis(exact *x)
{
	int nr = glp_get_num_rows(x->lp), nc = glp_get_num_cols(x->lp);
	for (int i = 1; i <= nr; i++)
		glp_set_row_stat(x->lp, i, x->rstat[i - 1]);
	for (int j = 1; j <= nc; j++)
		glp_set_col_stat(x->lp, j, x->cstat[j - 1]);
}

static void set_dem_obj(exact *x, size_t i, double coef)
{
	for (int c = 0; c < x->v[i].n_cols; c++)
		glp_set_obj_coef(x->lp, x->v[i].col + c, coef);
}

/* The fallback of a round that froze nobody (see the top of the file): with
 * every unfrozen demand held at t*, maximise each one alone; freeze those
 * that cannot rise above t*, or else the one that rose least. */
static int probe(exact *x, double tstar, neto_err *err)
{
	int tc = t_col(x);
	double hold = tstar * (1 - EXACT_PROBE_REL);
	glp_set_col_bnds(x->lp, tc, GLP_FX, hold, hold);
	glp_set_obj_coef(x->lp, tc, 0);
	size_t least = SIZE_MAX;
	double least_v = HUGE_VAL;
	size_t found = 0;
	memset(x->mark, 0, x->n);
	for (size_t i = 0; i < x->n; i++) {
		if (x->v[i].frozen)
			continue;
		set_dem_obj(x, i, 1);
		int rc = solve(x, GLP_PRIMAL, false, "probe", err);
		set_dem_obj(x, i, 0);
		if (rc != 0)
			return -1;
		double m = glp_get_obj_val(x->lp);
		if (m <= tstar * (1 + EXACT_PROBE_REL) + EXACT_ABS) {
			x->mark[i] = 1;
			found++;
		}
		if (m < least_v) {
			least_v = m;
			least = i;
		}
	}
	glp_set_obj_coef(x->lp, tc, 1);
	if (found == 0 && least != SIZE_MAX)
		x->mark[least] = 1;
	for (size_t i = 0; i < x->n; i++)
		if (x->mark[i])
			freeze(x, i, fmin(tstar, x->v[i].cap));
	return 0;
}

typedef struct capidx {
	double cap;
	size_t i;
} capidx;

static int cmp_capidx(const void *a, const void *b)
{
	const capidx *x = a, *y = b;
	if (x->cap != y->cap)
		return x->cap < y->cap ? -1 : 1;
	return x->i < y->i ? -1 : (x->i > y->i);
}

/* Freezes, after a solve with optimum t*, the unfrozen demands that are
 * satisfied or whose fair row has a nonzero dual. Sets *sat when a demand
 * was satisfied. */
static void freeze_at(exact *x, double tstar, bool *sat)
{
	*sat = false;
	memset(x->mark, 0, x->n);
	for (size_t i = 0; i < x->n; i++) {
		const xdem *v = &x->v[i];
		if (v->frozen)
			continue;
		int r = fair_row(x, i);
		if (v->cap <= tstar * (1 + EXACT_SAT_REL) + EXACT_ABS) {
			x->mark[i] = 1;
			*sat = true;
		} else if (glp_get_row_stat(x->lp, r) != GLP_BS &&
			   -glp_get_row_dual(x->lp, r) > EXACT_DUAL_MIN) {
			x->mark[i] = 1;
		}
	}
	for (size_t i = 0; i < x->n; i++)
		if (x->mark[i])
			freeze(x, i, fmin(tstar, x->v[i].cap));
}

/*
 * The rounds of max t. Many demands of a class are often satisfied, each at
 * its own level, and a round per level would cost one LP each. So a round may
 * speculate: it assumes that the j unfrozen demands with the smallest caps are
 * satisfied (fixes them at their caps) and asks for a level t of at least
 * the j-th cap. If that LP is feasible the assumption was right: a max-min
 * fair allocation that left one of them, e, below its cap would be beaten by
 * the LP's solution, which gives e more and everyone else either their cap or
 * at least e's cap. If it is infeasible the level lies below the j-th cap;
 * the assumption is taken back, with the basis saved before it, and a
 * smaller j is tried. j doubles after a round that ended on a cap and falls
 * to 0 (a plain round) after one that ended at a bottleneck, and to a
 * quarter after a failed guess. Every successful round freezes someone, and
 * a run of failed guesses ends in a plain round after log4(j) tries, so
 * 4 n + 64 rounds are never reached unless something is wrong.
 *
 * On the 1,000-demand benchmark instance this cuts the LPs from ~760 to ~180
 * and the simplex pivots from ~95,000 to ~40,000 (together with the switched
 * off cap rows).
 */
static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int rounds(exact *x, neto_err *err)
{
	size_t n = x->n;
	capidx *ord = neto_malloc(n * sizeof *ord);
	size_t *list = neto_malloc(n * sizeof *list);
	for (size_t i = 0; i < n; i++) {
		ord[i].cap = x->v[i].cap;
		ord[i].i = i;
	}
	qsort(ord, n, sizeof *ord, cmp_capidx);
	size_t spec = 0;
	size_t max_rounds = 4 * n + 64;
	int rc = 0;
	double last_report = now_seconds();
	for (size_t round = 0; x->n_frozen < n; round++) {
		if (x->p->progress && now_seconds() - last_report >= 5.0) {
			/* an exact run on a large class takes minutes: say so */
			fprintf(x->p->progress, "neto te: exact: %zu of %zu demands fixed after %zu LPs\n",
				x->n_frozen, n, round);
			last_report = now_seconds();
		}
		if (round >= max_rounds) {
			rc = neto_err_set(err, "exact engine: no progress after %zu rounds", round);
			break;
		}
		size_t m = 0;
		for (size_t k = 0; k < n; k++)
			if (!x->v[ord[k].i].frozen)
				list[m++] = ord[k].i;
		size_t j = x->first ? 0 : (spec < m ? spec : m);
		size_t before = x->n_frozen;
		double lb = 0, ub = x->v[list[0]].cap;
		if (j > 0) {
			save_basis(x);
			for (size_t q = 0; q < j; q++)
				freeze(x, list[q], x->v[list[q]].cap);
			lb = x->v[list[j - 1]].cap;
			ub = j < m ? x->v[list[j]].cap : lb;
		}
		set_bnds_col(x->lp, t_col(x), lb, ub);
		int st = solve(x, x->first ? GLP_PRIMAL : GLP_DUALP, j > 0, "max-min", err);
		if (st < 0) {
			rc = -1;
			break;
		}
		if (st == 1) { /* the level is below the j-th cap */
			for (size_t q = 0; q < j; q++)
				thaw(x, list[q]);
			restore_basis(x);
			spec = j / 4;
			continue;
		}
		x->first = false;
		double tstar = fmax(glp_get_col_prim(x->lp, t_col(x)), lb);
		bool sat;
		freeze_at(x, tstar, &sat);
		spec = sat ? (j > 0 ? 2 * j : 1) : 0;
		if (x->n_frozen == before && probe(x, tstar, err) != 0) {
			rc = -1;
			break;
		}
	}
	free(list);
	free(ord);
	return rc;
}

/* With every rate fixed, choose the split: least total delay for the
 * low-latency policy, any feasible point otherwise. */
static int split(exact *x, te_latency lat, neto_err *err)
{
	const te_pathset *ps = x->p->paths;
	int tc = t_col(x);
	glp_set_col_bnds(x->lp, tc, GLP_FX, 0, 0);
	glp_set_obj_coef(x->lp, tc, 0);
	glp_set_obj_dir(x->lp, GLP_MIN);
	double dmax = 0;
	for (int c = 0; c < x->n_fcols; c++)
		dmax = fmax(dmax, ps->paths[x->p->dp[x->col_dp[c]]].delay);
	for (int c = 0; c < x->n_fcols; c++) {
		double coef = 0;
		if (lat == TE_LAT_LOW && dmax > 0)
			coef = ps->paths[x->p->dp[x->col_dp[c]]].delay / dmax;
		glp_set_obj_coef(x->lp, c + 1, coef);
	}
	return solve(x, GLP_PRIMAL, false, "split", err);
}

/* Reads the split out of the LP into rate[] (unscaled, cleaned, each demand
 * at exactly its frozen level, no link over `res`) and subtracts it from
 * cap[]. */
static void write_rates(exact *x, const double *res, double *cap, double *rate)
{
	const te_problem *p = x->p;
	const te_pathset *ps = p->paths;
	uint32_t n_links = p->topo->n_links;
	double *f = neto_malloc(((size_t)x->n_fcols + 1) * sizeof *f);
	for (size_t i = 0; i < x->n; i++) {
		const xdem *v = &x->v[i];
		double sum = 0;
		for (int c = v->col; c < v->col + v->n_cols; c++) {
			double y = glp_get_col_prim(x->lp, c);
			if (!(y > EXACT_ABS))
				y = 0;
			f[c - 1] = y;
			sum += y;
		}
		double target = fmin(v->val * x->scale, p->demands->v[v->d].rate);
		double k = sum > 0 ? target / sum : 0;
		for (int c = v->col; c < v->col + v->n_cols; c++)
			f[c - 1] *= k;
	}
	double *load = neto_calloc(n_links, sizeof *load);
	for (int c = 0; c < x->n_fcols; c++) {
		const te_path *pa = &ps->paths[p->dp[x->col_dp[c]]];
		for (uint32_t j = 0; j < pa->n_links; j++)
			load[ps->links[pa->link_off + j]] += f[c];
	}
	/* factor by which the flows through each link must shrink (1: none) */
	double *shrink = neto_malloc(n_links * sizeof *shrink);
	bool over = false;
	for (uint32_t l = 0; l < n_links; l++) {
		shrink[l] = 1;
		if (load[l] > res[l]) {
			shrink[l] = load[l] > 0 ? res[l] / load[l] : 1;
			over = true;
		}
	}
	if (over) {
		memset(load, 0, n_links * sizeof *load);
		for (int c = 0; c < x->n_fcols; c++) {
			const te_path *pa = &ps->paths[p->dp[x->col_dp[c]]];
			double m = 1;
			for (uint32_t j = 0; j < pa->n_links; j++)
				m = fmin(m, shrink[ps->links[pa->link_off + j]]);
			f[c] *= m;
			for (uint32_t j = 0; j < pa->n_links; j++)
				load[ps->links[pa->link_off + j]] += f[c];
		}
	}
	for (int c = 0; c < x->n_fcols; c++)
		rate[x->col_dp[c]] = f[c];
	for (uint32_t l = 0; l < n_links; l++)
		if (load[l] > 0)
			cap[l] -= load[l];
	free(shrink);
	free(load);
	free(f);
}

/* Checks that the class's demands, paths and links are in range, so that
 * neither this file nor GLPK reads out of bounds on a malformed problem. */
static int check_problem(const te_problem *p, const uint32_t *dem, size_t n, neto_err *err)
{
	const te_pathset *ps = p->paths;
	for (size_t i = 0; i < n; i++) {
		uint32_t d = dem[i];
		if (d >= p->demands->n)
			return neto_err_set(err, "exact engine: demand %" PRIu32 " out of range", d);
		if (p->demands->v[d].cls >= p->classes->n)
			return neto_err_set(err, "exact engine: demand %" PRIu32 " has no class", d);
		for (uint32_t k = p->dp_off[d]; k < p->dp_off[d + 1]; k++) {
			uint32_t pi = p->dp[k];
			if (pi >= ps->n_paths)
				return neto_err_set(err, "exact engine: path %" PRIu32 " out of range",
						    pi);
			const te_path *pa = &ps->paths[pi];
			if (pa->n_links == 0 || (size_t)pa->link_off + pa->n_links > ps->n_links)
				return neto_err_set(err, "exact engine: path %" PRIu32 " has no valid links",
						    pi);
			for (uint32_t j = 0; j < pa->n_links; j++)
				if (ps->links[pa->link_off + j] >= p->topo->n_links)
					return neto_err_set(err, "exact engine: path %" PRIu32
							    " uses unknown link", pi);
		}
	}
	return 0;
}

/* Smallest residual along a path (a link used twice counts twice). */
static double path_bottleneck(const te_pathset *ps, const te_path *pa, const double *res)
{
	double b = HUGE_VAL;
	for (uint32_t j = 0; j < pa->n_links; j++) {
		uint32_t l = ps->links[pa->link_off + j];
		uint32_t mult = 0;
		for (uint32_t k = 0; k < pa->n_links; k++)
			mult += ps->links[pa->link_off + k] == l;
		b = fmin(b, res[l] / mult);
	}
	return b;
}

/* Builds the LP of the class (see the top of the file), zeroing specks of
 * residual capacity in res[]. Returns -1 when it would not fit GLPK's int
 * indices. */
static int build(exact *x, const uint32_t *dem, size_t n, double *res, neto_err *err)
{
	const te_problem *p = x->p;
	const te_pathset *ps = p->paths;
	uint32_t n_links = p->topo->n_links;

	/* pass 1: scale, active demands, columns, link rows, nonzeros */
	double scale = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t d = dem[i];
		for (uint32_t k = p->dp_off[d]; k < p->dp_off[d + 1]; k++) {
			const te_path *pa = &ps->paths[p->dp[k]];
			for (uint32_t j = 0; j < pa->n_links; j++)
				scale = fmax(scale, res[ps->links[pa->link_off + j]]);
		}
	}
	x->scale = scale;
	if (!(scale > 0))
		return 0;
	/* a residual that is a speck next to the scale is none: GLPK cannot
	 * tell such a bound from 0 and its presolver can mistreat it */
	for (uint32_t l = 0; l < n_links; l++)
		if (res[l] <= EXACT_ABS * scale)
			res[l] = 0;
	int *row_of = neto_calloc(n_links, sizeof *row_of);
	x->v = neto_malloc((n ? n : 1) * sizeof *x->v);
	size_t n_cols = 0, nnz = 0;
	int n_lrows = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t d = dem[i];
		double rate = p->demands->v[d].rate;
		if (!(rate > 0)) /* also NaN; +inf is a demand without a cap */
			continue;
		double reach = 0;
		size_t cols = 0;
		for (uint32_t k = p->dp_off[d]; k < p->dp_off[d + 1]; k++) {
			const te_path *pa = &ps->paths[p->dp[k]];
			double b = path_bottleneck(ps, pa, res);
			if (!(b > 0))
				continue;
			reach += b;
			cols++;
			nnz += pa->n_links + 2;
			for (uint32_t j = 0; j < pa->n_links; j++) {
				uint32_t l = ps->links[pa->link_off + j];
				if (row_of[l] == 0)
					row_of[l] = ++n_lrows;
			}
		}
		if (cols == 0)
			continue;
		xdem *v = &x->v[x->n++];
		v->d = d;
		v->col = (int)n_cols + 1;
		v->n_cols = (int)cols;
		v->cap = fmin(rate, reach) / scale;
		v->val = 0;
		v->frozen = false;
		n_cols += cols;
		if (n_cols > INT_MAX / 4 || nnz > INT_MAX / 4 || x->n > INT_MAX / 4) {
			free(row_of);
			return neto_err_set(err, "exact engine: class too large for the LP solver");
		}
	}
	x->n_lrows = n_lrows;
	x->n_fcols = (int)n_cols;
	x->fair_off = -1;
	for (size_t i = 0; i < x->n; i++)
		x->fair_off = fmin(x->fair_off, -1 - x->v[i].cap);
	nnz += x->n; /* t in every fair row */
	if (x->n == 0) {
		free(row_of);
		return 0;
	}

	/* pass 2: the problem */
	glp_prob *lp = glp_create_prob();
	x->lp = lp;
	glp_set_obj_dir(lp, GLP_MAX);
	glp_add_rows(lp, n_lrows + 2 * (int)x->n);
	glp_add_cols(lp, (int)n_cols + 1);
	for (uint32_t l = 0; l < n_links; l++)
		if (row_of[l])
			glp_set_row_bnds(lp, row_of[l], GLP_UP, 0, res[l] / scale);
	x->col_dp = neto_malloc((n_cols ? n_cols : 1) * sizeof *x->col_dp);
	x->mark = neto_malloc(x->n);
	x->rstat = neto_malloc((size_t)n_lrows + 2 * x->n);
	x->cstat = neto_malloc(n_cols + 1);
	int *ia = neto_malloc((nnz + 1) * sizeof *ia);
	int *ja = neto_malloc((nnz + 1) * sizeof *ja);
	double *ar = neto_malloc((nnz + 1) * sizeof *ar);
	size_t ne = 0;
	int tc = (int)n_cols + 1;
	for (size_t i = 0; i < x->n; i++) {
		const xdem *v = &x->v[i];
		glp_set_row_bnds(lp, cap_row(x, i), GLP_FR, 0, 0);
		glp_set_row_bnds(lp, fair_row(x, i), GLP_LO, 0, 0);
		int c = v->col;
		for (uint32_t k = p->dp_off[v->d]; k < p->dp_off[v->d + 1]; k++) {
			const te_path *pa = &ps->paths[p->dp[k]];
			if (!(path_bottleneck(ps, pa, res) > 0))
				continue;
			x->col_dp[c - 1] = k;
			glp_set_col_bnds(lp, c, GLP_LO, 0, 0);
			size_t first = ne;
			for (uint32_t j = 0; j < pa->n_links; j++) {
				int r = row_of[ps->links[pa->link_off + j]];
				size_t e = first;
				while (e < ne && ia[e + 1] != r)
					e++;
				if (e < ne) { /* the path uses the link again */
					ar[e + 1] += 1;
					continue;
				}
				ne++;
				ia[ne] = r;
				ja[ne] = c;
				ar[ne] = 1;
			}
			ne++;
			ia[ne] = cap_row(x, i);
			ja[ne] = c;
			ar[ne] = 1;
			ne++;
			ia[ne] = fair_row(x, i);
			ja[ne] = c;
			ar[ne] = 1;
			c++;
		}
		ne++;
		ia[ne] = fair_row(x, i);
		ja[ne] = tc;
		ar[ne] = -1;
	}
	glp_load_matrix(lp, (int)ne, ia, ja, ar);
	glp_set_obj_coef(lp, tc, 1);
	free(ar);
	free(ja);
	free(ia);
	free(row_of);
	glp_std_basis(lp);
	x->first = true;
	return 0;
}

int te_exact_class(const te_problem *p, const uint32_t *dem, size_t n, double *cap,
		   double *rate, neto_err *err)
{
	if (check_problem(p, dem, n, err) != 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		for (uint32_t k = p->dp_off[dem[i]]; k < p->dp_off[dem[i] + 1]; k++)
			rate[k] = 0;
	if (n == 0)
		return 0;

	/* residual capacity; noise below TE_EPS of a link's capacity is none */
	uint32_t n_links = p->topo->n_links;
	double *res = neto_malloc((n_links ? n_links : 1) * sizeof *res);
	for (uint32_t l = 0; l < n_links; l++) {
		double c = cap[l];
		res[l] = c > TE_EPS * p->topo->links[l].capacity ? c : 0;
	}

	exact x;
	memset(&x, 0, sizeof x);
	x.p = p;
	int rc = build(&x, dem, n, res, err);
	if (rc == 0 && x.n > 0) {
		te_latency lat = p->classes->v[p->demands->v[dem[0]].cls].latency;
		rc = rounds(&x, err);
		if (rc == 0)
			rc = split(&x, lat, err);
		if (rc == 0)
			write_rates(&x, res, cap, rate);
	}
	if (x.lp != NULL)
		glp_delete_prob(x.lp);
	free(x.mark);
	free(x.rstat);
	free(x.cstat);
	free(x.col_dp);
	free(x.v);
	free(res);
	return rc;
}
