/*
 * compare.c - class-by-class comparison of the two engines (see compare.h).
 */
#include "te/compare.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/mem.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void add_class(te_compare_class *dst, const te_compare_class *src)
{
	dst->n_demands += src->n_demands;
	dst->heur_total += src->heur_total;
	dst->exact_total += src->exact_total;
	dst->log_fair_sum += src->log_fair_sum;
	if (src->worst < dst->worst)
		dst->worst = src->worst;
	dst->heur_seconds += src->heur_seconds;
	dst->exact_seconds += src->exact_seconds;
}

int te_compare_run(const te_problem *p, double *rate_heur, double *rate_exact, te_compare *c,
		   neto_err *err)
{
	const topo *t = p->topo;
	const demand_set *ds = p->demands;
	memset(c, 0, sizeof *c);
	c->cls = neto_calloc(p->classes->n, sizeof *c->cls);
	c->all.worst = 1.0;
	double mean = 0;
	for (size_t d = 0; d < ds->n; d++)
		mean += ds->v[d].rate;
	mean = ds->n ? mean / (double)ds->n : 0;
	c->theta = 1e-4 * mean;

	size_t nl = t->n_links ? t->n_links : 1;
	double *cap = neto_malloc(nl * sizeof *cap);
	double *cap_e = neto_malloc(nl * sizeof *cap_e);
	for (uint32_t l = 0; l < t->n_links; l++)
		cap[l] = t->links[l].capacity;
	memset(rate_heur, 0, te_problem_n_rates(p) * sizeof *rate_heur);
	memset(rate_exact, 0, te_problem_n_rates(p) * sizeof *rate_exact);
	int rc = 0;
	for (uint32_t i = 0; i < p->classes->n && rc == 0; i++) {
		const uint32_t *dem = p->by_class + p->class_off[i];
		size_t n = p->class_off[i + 1] - p->class_off[i];
		te_compare_class *cc = &c->cls[p->class_order[i]];
		cc->worst = 1.0;
		if (n == 0)
			continue;
		memcpy(cap_e, cap, nl * sizeof *cap);
		double t0 = now();
		rc = te_exact_class(p, dem, n, cap_e, rate_exact, err);
		double t1 = now();
		if (rc != 0)
			break;
		rc = te_heur_class(p, dem, n, cap, rate_heur, err);
		double t2 = now();
		if (rc != 0)
			break;
		cc->exact_seconds = t1 - t0;
		cc->heur_seconds = t2 - t1;
		for (size_t k = 0; k < n; k++) {
			uint32_t d = dem[k];
			double a = 0, o = 0;
			for (uint32_t j = p->dp_off[d]; j < p->dp_off[d + 1]; j++) {
				a += rate_heur[j];
				o += rate_exact[j];
			}
			cc->heur_total += a;
			cc->exact_total += o;
			double ac = fmax(a, c->theta), oc = fmax(o, c->theta);
			double f = ac < oc ? ac / oc : oc / ac;
			if (!(f > 0))
				f = 1.0; /* theta == 0: both rates are zero */
			cc->log_fair_sum += log(f);
			if (f < cc->worst)
				cc->worst = f;
			cc->n_demands++;
		}
		add_class(&c->all, cc);
	}
	free(cap);
	free(cap_e);
	if (rc != 0)
		te_compare_free(c);
	return rc;
}

void te_compare_free(te_compare *c)
{
	free(c->cls);
	c->cls = NULL;
}

static void print_row(FILE *f, const char *name, const te_compare_class *c)
{
	double ratio = c->exact_total > 0 ? c->heur_total / c->exact_total : 1.0;
	double speed = c->heur_seconds > 0 ? c->exact_seconds / c->heur_seconds : 0;
	fprintf(f, "%-12s %8zu %9.4f %9.4f %12.6g %12.6g %9.4f %10.4f %10.4f %9.1f\n", name,
		c->n_demands, te_compare_fairness(c), c->worst, c->heur_total, c->exact_total, ratio,
		c->heur_seconds, c->exact_seconds, speed);
}

void te_compare_print(FILE *f, const te_problem *p, const te_compare *c)
{
	fprintf(f, "heuristic vs exact, class by class on the same residual capacity "
		   "(theta %.6g)\n\n", c->theta);
	fprintf(f, "%-12s %8s %9s %9s %12s %12s %9s %10s %10s %9s\n", "class", "demands",
		"fairness", "worst", "heur total", "exact total", "ratio", "heur s", "exact s",
		"speedup");
	for (uint32_t i = 0; i < p->classes->n; i++) {
		uint32_t k = p->class_order[i];
		print_row(f, p->classes->v[k].name, &c->cls[k]);
	}
	print_row(f, "all", &c->all);
	double ratio = c->all.exact_total > 0 ? c->all.heur_total / c->all.exact_total : 1.0;
	fprintf(f, "\nfairness=%.6f total_ratio=%.6f heur_seconds=%.6f exact_seconds=%.6f\n",
		te_compare_fairness(&c->all), ratio, c->all.heur_seconds, c->all.exact_seconds);
}
