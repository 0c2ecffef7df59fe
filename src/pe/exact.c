/*
 * exact.c - the peering assignment solved exactly with GLPK, the oracle the
 * heuristic is measured against.
 *
 * One binary column per (demand, candidate egress); one row per demand
 * (its columns sum to 1: the prefix's traffic of that class leaves by one
 * egress) and one per link (the rates of the columns on it stay under
 * headroom x capacity). The objective is sum rate x latency, class c
 * weighted 1000^(n_class-1-c) so that precedence holds as long as
 * latencies and rates are within three orders of magnitude of each other
 * (the tests' and benchmark's instances are). The simplex gives the LP
 * relaxation's value (a lower bound on any assignment), then branch and
 * cut the integer optimum, within a time limit. Rates are scaled to the
 * largest capacity so that the link rows are well conditioned.
 *
 * GLPK prints nothing (msg_lev off). Instances of a few thousand columns
 * solve in seconds; a full table is for the heuristic.
 */
#include <glpk.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"
#include "pe/decide.h"

void pe_exact_free(pe_exact_result *x)
{
	free(x->choice);
	memset(x, 0, sizeof *x);
}

int pe_exact(const pe_problem *p, double headroom, double time_limit_s, pe_exact_result *x,
	     neto_err *err)
{
	memset(x, 0, sizeof *x);
	x->choice = neto_reallocarray(NULL, p->n_dem ? p->n_dem : 1, sizeof *x->choice);
	for (size_t d = 0; d < p->n_dem; d++)
		x->choice[d] = PE_NONE;
	x->status = PE_EXACT_NONE;
	double scale = 0;
	for (size_t l = 0; l < p->n_links; l++)
		if (p->cap[l] > scale)
			scale = p->cap[l];
	if (scale <= 0)
		scale = 1;
	size_t ncol = 0;
	for (size_t d = 0; d < p->n_dem; d++) {
		if (p->dem[d].pfx >= p->n_pfx || p->dem[d].cls >= p->n_class)
			return neto_err_set(err, "exact peering model: demand %zu out of range", d);
		ncol += p->cand_off[p->dem[d].pfx + 1] - p->cand_off[p->dem[d].pfx];
	}
	if (ncol > 2000000)
		return neto_err_set(err, "exact peering model: %zu columns is too many", ncol);
	glp_prob *lp = glp_create_prob();
	glp_set_obj_dir(lp, GLP_MIN);
	int nd = (int)p->n_dem, nl = (int)p->n_links;
	if (nd + nl > 0)
		glp_add_rows(lp, nd + nl);
	for (int d = 0; d < nd; d++)
		glp_set_row_bnds(lp, d + 1, GLP_FX, 1, 1);
	for (int l = 0; l < nl; l++)
		glp_set_row_bnds(lp, nd + l + 1, GLP_UP, 0, headroom * p->cap[l] / scale);
	if (ncol > 0)
		glp_add_cols(lp, (int)ncol);
	uint32_t *col_dem = neto_reallocarray(NULL, ncol + 1, sizeof *col_dem);
	uint32_t *col_e = neto_reallocarray(NULL, ncol + 1, sizeof *col_e);
	int *ia = neto_reallocarray(NULL, 2 * ncol + 1, sizeof *ia);
	int *ja = neto_reallocarray(NULL, 2 * ncol + 1, sizeof *ja);
	double *ar = neto_reallocarray(NULL, 2 * ncol + 1, sizeof *ar);
	int j = 0, ne = 0;
	for (size_t d = 0; d < p->n_dem; d++) {
		const pe_demand *dm = &p->dem[d];
		double w = pow(1000.0, (double)(p->n_class - 1 - dm->cls));
		for (uint32_t k = p->cand_off[dm->pfx]; k < p->cand_off[dm->pfx + 1]; k++) {
			j++;
			col_dem[j] = (uint32_t)d;
			col_e[j] = p->cand_egress[k];
			glp_set_col_kind(lp, j, GLP_BV);
			glp_set_obj_coef(lp, j, w * dm->rate / scale * (double)p->cand_lat[k]);
			ne++;
			ia[ne] = (int)d + 1;
			ja[ne] = j;
			ar[ne] = 1;
			ne++;
			ia[ne] = nd + (int)p->egress_link[p->cand_egress[k]] + 1;
			ja[ne] = j;
			ar[ne] = dm->rate / scale;
		}
		if (p->cand_off[dm->pfx] == p->cand_off[dm->pfx + 1])
			/* no candidate: nothing can carry it, leave it out */
			glp_set_row_bnds(lp, (int)d + 1, GLP_FR, 0, 0);
	}
	if (ne > 0)
		glp_load_matrix(lp, ne, ia, ja, ar);
	free(ia);
	free(ja);
	free(ar);

	int rc = 0;
	glp_smcp sp;
	glp_init_smcp(&sp);
	sp.msg_lev = GLP_MSG_OFF;
	if (ncol == 0) {
		x->status = PE_EXACT_OPTIMAL;
		goto out;
	}
	int s = glp_simplex(lp, &sp);
	if (s != 0 || glp_get_status(lp) == GLP_NOFEAS) {
		if (s == 0 || s == GLP_ENOPFS) {
			x->status = PE_EXACT_INFEASIBLE;
			goto out;
		}
		rc = neto_err_set(err, "exact peering model: simplex failed (%d)", s);
		goto out;
	}
	if (glp_get_status(lp) != GLP_OPT) {
		rc = neto_err_set(err, "exact peering model: LP status %d", glp_get_status(lp));
		goto out;
	}
	x->lp_bound = glp_get_obj_val(lp) * scale;
	glp_iocp ip;
	glp_init_iocp(&ip);
	ip.msg_lev = GLP_MSG_OFF;
	ip.tm_lim = time_limit_s > 0 ? (int)(time_limit_s * 1000) : INT32_MAX;
	ip.mip_gap = 1e-6;
	s = glp_intopt(lp, &ip);
	int st = glp_mip_status(lp);
	if (st == GLP_NOFEAS) {
		x->status = PE_EXACT_INFEASIBLE;
		goto out;
	}
	if (st != GLP_OPT && st != GLP_FEAS) {
		x->status = PE_EXACT_NONE;	/* time ran out before a solution */
		goto out;
	}
	/* GLP_EMIPGAP: stopped within mip_gap of the bound, optimal for us */
	x->status = st == GLP_OPT && (s == 0 || s == GLP_EMIPGAP) ? PE_EXACT_OPTIMAL
								  : PE_EXACT_FEASIBLE;
	for (int c = 1; c <= (int)ncol; c++) {
		if (glp_mip_col_val(lp, c) > 0.5) {
			uint32_t d = col_dem[c];
			x->choice[d] = col_e[c];
			for (uint32_t k = p->cand_off[p->dem[d].pfx];
			     k < p->cand_off[p->dem[d].pfx + 1]; k++)
				if (p->cand_egress[k] == col_e[c])
					x->lat_sum += p->dem[d].rate * (double)p->cand_lat[k];
		}
	}
out:
	free(col_dem);
	free(col_e);
	glp_delete_prob(lp);
	return rc;
}
