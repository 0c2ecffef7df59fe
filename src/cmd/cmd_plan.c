/*
 * cmd_plan.c - `neto plan`: read a topology and two allocations (installed
 * and target), compute a congestion-free transition plan, check it with the
 * verifier, print it; or, with --verify, check a plan file. All I/O of the
 * subcommand is here; the readers, the planner and the verifier are pure.
 *
 * A plan is printed only after plan_verify has found nothing wrong with it,
 * it starts at the installed configuration and it ends at the target (apart
 * from the tunnels it declares throttled): a plan that could overload a link
 * is a bug, and must never reach routers as if it were good.
 */
#include <errno.h>
#include <glpk.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/plan_opts.h"
#include "cmd/cmd.h"
#include "lib/file.h"
#include "lib/mem.h"
#include "plan/plan.h"
#include "plan/plan_json.h"
#include "plan/planner.h"
#include "topo/topo_io.h"

static int load_topology(const plan_cli *o, topo *t)
{
	neto_err err;
	char *buf = NULL;
	size_t len = 0;
	if (neto_file_read(o->topology, &buf, &len, &err) != 0) {
		fprintf(stderr, "neto plan: %s\n", err.msg);
		return -1;
	}
	topo_parse_opts popts = { .default_capacity = o->default_capacity };
	int rc = topo_parse(t, TOPO_FMT_AUTO, buf, len, o->topology, &popts, &err);
	free(buf);
	if (rc != 0)
		fprintf(stderr, "neto plan: %s\n", err.msg);
	return rc;
}

static int load_alloc(const char *path, const topo *t, plan_alloc *a)
{
	neto_err err;
	char *buf = NULL;
	size_t len = 0;
	memset(a, 0, sizeof *a);
	if (neto_file_read(path, &buf, &len, &err) != 0) {
		fprintf(stderr, "neto plan: %s\n", err.msg);
		return -1;
	}
	int rc = plan_alloc_parse(a, t, buf, len, path, &err);
	free(buf);
	if (rc != 0)
		fprintf(stderr, "neto plan: %s\n", err.msg);
	return rc;
}

static double max_util(const plan_space *s, const double *cfg, double *load)
{
	plan_link_loads(s, cfg, load);
	double u = 0;
	for (uint32_t l = 0; l < s->t->n_links; l++)
		if (load[l] / s->t->links[l].capacity > u)
			u = load[l] / s->t->links[l].capacity;
	return u;
}

static bool same_rate(double a, double b)
{
	return fabs(a - b) <= 1e-9 * (1 + fabs(b));
}

/* The plan's own promises: it starts where the routers are, it ends at the
 * target except for the tunnels it declares throttled, rates are numbers
 * >= 0, and no step can overload a link. */
static int check_plan(const plan_space *s, const double *from, const double *to,
		      const plan_result *r, neto_err *err)
{
	if (r->n_configs < 1)
		return neto_err_set(err, "the plan has no configuration");
	for (size_t k = 0; k < r->n_configs; k++)
		for (size_t e = 0; e < s->n_entries; e++)
			if (!(r->cfg[k][e] >= 0) || !isfinite(r->cfg[k][e]))
				return neto_err_set(err, "configuration %zu has a bad rate", k);
	for (size_t e = 0; e < s->n_entries; e++)
		if (r->cfg[0][e] != from[e])
			return neto_err_set(err, "the plan does not start at the installed configuration");
	const double *last = r->cfg[r->n_configs - 1];
	for (size_t i = 0; i < s->n_tunnels; i++) {
		bool throttled = false;
		for (size_t j = 0; j < r->n_throttled && !throttled; j++)
			throttled = r->throttled[j].tunnel == i;
		if (throttled)
			continue;
		const plan_tunnel *tu = &s->tunnels[i];
		for (uint32_t e = tu->entry_off; e < tu->entry_off + tu->n_entries; e++)
			if (!same_rate(last[e], to[e]))
				return neto_err_set(err,
						    "the plan does not end at the target (tunnel %s -> %s "
						    "class %s)",
						    s->t->nodes[tu->src].name, s->t->nodes[tu->dst].name,
						    tu->cls);
	}
	for (size_t j = 0; j < r->n_throttled; j++)
		if (r->throttled[j].tunnel >= s->n_tunnels ||
		    r->throttled[j].first_step > r->throttled[j].last_step ||
		    r->throttled[j].last_step + 2 > r->n_configs)
			return neto_err_set(err, "throttle record %zu is inconsistent", j);
	plan_violation v;
	size_t nv = plan_verify(s, (const double *const *)r->cfg, r->n_configs, &v, 1, NULL);
	if (nv > 0)
		return neto_err_set(err,
				    "%zu overloads; the first at step %zu on link %s: load %.12g > "
				    "capacity %.12g",
				    nv, v.step, s->t->links[v.link].id, v.load, v.capacity);
	return 0;
}

static FILE *open_output(const char *path)
{
	if (path == NULL || strcmp(path, "-") == 0)
		return stdout;
	FILE *f = fopen(path, "w");
	if (f == NULL)
		fprintf(stderr, "neto plan: %s: %s\n", path, strerror(errno));
	return f;
}

static int run_plan(const plan_cli *o, const topo *t)
{
	int status = 1;
	plan_alloc a[2];
	memset(a, 0, sizeof a);
	plan_space s;
	plan_space_init(&s, t);
	double *cfg[2] = { NULL, NULL };
	plan_result res;
	bool have_res = false;
	plan_update **upd = NULL;
	size_t *n_upd = NULL;
	size_t n_steps = 0;
	double *load = neto_calloc(t->n_links, sizeof *load);
	neto_err err;

	if (load_alloc(o->from, t, &a[0]) != 0 || load_alloc(o->to, t, &a[1]) != 0)
		goto done;
	if (plan_space_build(&s, a, 2, cfg, &err) != 0) {
		fprintf(stderr, "neto plan: %s and %s: %s\n", o->from, o->to, err.msg);
		goto done;
	}
	if (!o->quiet)
		fprintf(stderr,
			"neto plan: %zu tunnels (%zu installed, %zu in the target), %zu paths; "
			"peak utilisation %.2f%% installed, %.2f%% target\n",
			s.n_tunnels, a[0].n_tunnels, a[1].n_tunnels, s.n_entries,
			100 * max_util(&s, cfg[0], load), 100 * max_util(&s, cfg[1], load));
	size_t swan = plan_swan_bound(&s, cfg[0], cfg[1]);

	memset(&res, 0, sizeof res);
	/* stdout may carry the plan itself (--format json): nothing from the
	 * LP library may land in it */
	glp_term_out(GLP_OFF);
	plan_opts po = { .max_steps = o->max_steps, .progress = o->quiet ? NULL : stderr };
	if (plan_make(&s, cfg[0], cfg[1], &po, &res, &err) != 0) {
		fprintf(stderr, "neto plan: no plan: %s\n", err.msg);
		goto done;
	}
	have_res = true;
	if (check_plan(&s, cfg[0], cfg[1], &res, &err) != 0) {
		fprintf(stderr, "neto plan: internal error, plan not printed: %s\n", err.msg);
		goto done;
	}
	n_steps = res.n_configs - 1;
	upd = neto_calloc(n_steps, sizeof *upd);
	n_upd = neto_calloc(n_steps, sizeof *n_upd);
	for (size_t k = 0; k < n_steps; k++)
		n_upd[k] = plan_step_updates(&s, res.cfg[k], res.cfg[k + 1], &upd[k]);
	if (!o->quiet)
		fprintf(stderr, "neto plan: %zu steps (SWAN bound %zu), %zu throttle records, %.3f s\n",
			n_steps, swan, res.n_throttled, res.compute_seconds);

	plan_doc d = { .s = &s,
		       .cfg = (const double *const *)res.cfg,
		       .n_configs = res.n_configs,
		       .throttled = res.throttled,
		       .n_throttled = res.n_throttled,
		       .updates = (const plan_update *const *)upd,
		       .n_updates = n_upd,
		       .swan_bound = swan,
		       .compute_seconds = res.compute_seconds };
	FILE *out = open_output(o->output);
	if (out == NULL)
		goto done;
	int wrc = o->format == PLAN_OUT_JSON ? plan_json_write(out, &d) : plan_table_write(out, &d);
	if (out != stdout && fclose(out) != 0)
		wrc = -1;
	if (wrc != 0) {
		fprintf(stderr, "neto plan: writing %s: %s\n", o->output ? o->output : "stdout",
			strerror(errno));
		goto done;
	}
	status = 0;
done:
	for (size_t k = 0; k < n_steps; k++)
		free(upd ? upd[k] : NULL);
	free(upd);
	free(n_upd);
	if (have_res)
		plan_result_free(&res);
	free(cfg[0]);
	free(cfg[1]);
	plan_space_free(&s);
	plan_alloc_free(&a[0]);
	plan_alloc_free(&a[1]);
	free(load);
	return status;
}

static int run_verify(const plan_cli *o, const topo *t)
{
	neto_err err;
	char *buf = NULL;
	size_t len = 0;
	if (neto_file_read(o->plan, &buf, &len, &err) != 0) {
		fprintf(stderr, "neto plan: %s\n", err.msg);
		return 1;
	}
	plan_space s;
	double **cfg = NULL;
	size_t n = 0;
	plan_space_init(&s, t);
	int rc = plan_json_parse(&s, &cfg, &n, buf, len, o->plan, &err);
	free(buf);
	if (rc != 0) {
		fprintf(stderr, "neto plan: %s\n", err.msg);
		return 1;
	}
	size_t n_steps = n - 1;
	double *worst = neto_calloc(n_steps, sizeof *worst);
	size_t nv = plan_verify(&s, (const double *const *)cfg, n, NULL, 0, worst);
	int status = 0;
	if (nv > 0) {
		plan_violation *v = neto_calloc(nv, sizeof *v);
		plan_verify(&s, (const double *const *)cfg, n, v, nv, NULL);
		for (size_t i = 0; i < nv; i++) {
			const topo_link *lk = &t->links[v[i].link];
			printf("step %zu: link %s (%s -> %s): load %.12g > capacity %.12g (%.4f%%)\n",
			       v[i].step, lk->id, t->nodes[lk->src].name, t->nodes[lk->dst].name,
			       v[i].load, v[i].capacity, 100 * v[i].load / v[i].capacity);
		}
		size_t bad_steps = 0;
		for (size_t i = 0; i < nv; i++)
			bad_steps += i == 0 || v[i].step != v[i - 1].step;
		printf("plan does not verify: %zu violations in %zu of %zu steps\n", nv, bad_steps,
		       n_steps);
		free(v);
		status = 1;
	} else {
		double peak = 0;
		for (size_t k = 0; k < n_steps; k++)
			if (worst[k] > peak)
				peak = worst[k];
		printf("plan verifies: %zu steps, peak transient utilisation %.2f%%\n", n_steps,
		       100 * peak);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "neto plan: writing stdout: %s\n", strerror(errno));
		status = 1;
	}
	free(worst);
	plan_json_cfg_free(cfg, n);
	plan_space_free(&s);
	return status;
}

int cmd_plan(int argc, char **argv)
{
	plan_cli o;
	neto_err err;
	if (plan_cli_parse(&o, argc, argv, &err) != 0) {
		fprintf(stderr, "neto plan: %s\n(see neto plan --help)\n", err.msg);
		return 2;
	}
	if (o.help) {
		fputs(plan_cli_usage, stdout);
		return 0;
	}
	topo t;
	topo_init(&t);
	int status = 1;
	if (load_topology(&o, &t) == 0)
		status = o.verify ? run_verify(&o, &t) : run_plan(&o, &t);
	topo_free(&t);
	return status;
}
