/*
 * check.c - consistency check of a store (`neto check`): what must hold
 * whatever crashed when, and whatever ran twice.
 *
 * 1. Every stored plan verifies: no step can overload a link (the verifier
 *    of `neto plan --verify`, on the latest topology snapshot).
 * 2. At most one plan is running.
 * 3. Plans and tasks agree: a done plan has every task done; a running plan
 *    has every task of its finished steps done and none of its later steps
 *    handed out; a failed or superseded plan has no task still pending or
 *    assigned.
 * 4. Fencing: plans were created by controllers whose epochs never go back
 *    (a deposed leader wrote nothing after its successor), and each epoch
 *    belongs to one controller (two controllers never both acted).
 * 5. Convergence, when no plan is running and the newest is done: the
 *    installed state of every policy that plan touched is its last desired
 *    state.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "agent/driver.h"
#include "ctl/check.h"
#include "ctl/ctl.h"
#include "plan/plan_json.h"
#include "topo/topo_io.h"

static void problem(FILE *f, size_t *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void problem(FILE *f, size_t *n, const char *fmt, ...)
{
	(*n)++;
	if (f == NULL)
		return;
	va_list ap;
	va_start(ap, fmt);
	fputs("problem: ", f);
	vfprintf(f, fmt, ap);
	fputc('\n', f);
	va_end(ap);
}

static int check_plan_body(store *st, const topo *t, const store_plan *p, FILE *f, size_t *n,
			   neto_err *err)
{
	char *plan = NULL, *sol = NULL;
	if (store_plan_body(st, p->id, &plan, &sol, err) != 0)
		return -1;
	free(sol);
	if (plan == NULL) {
		problem(f, n, "plan #%lld has no plan document", (long long)p->id);
		return 0;
	}
	plan_space s;
	plan_space_init(&s, t);
	double **cfg = NULL;
	size_t n_cfg = 0;
	neto_err perr;
	if (plan_json_parse(&s, &cfg, &n_cfg, plan, strlen(plan), "plan", &perr) != 0) {
		problem(f, n, "plan #%lld does not read: %s", (long long)p->id, perr.msg);
	} else {
		plan_violation v;
		size_t nv = plan_verify(&s, (const double *const *)cfg, n_cfg, &v, 1, NULL);
		if (nv > 0)
			problem(f, n, "plan #%lld: %zu overloads, the first at step %zu on %s (%.6g > %.6g)",
				(long long)p->id, nv, v.step, t->links[v.link].id, v.load, v.capacity);
		plan_json_cfg_free(cfg, n_cfg);
	}
	plan_space_free(&s);
	free(plan);
	return 0;
}

static int check_tasks(store *st, const store_plan *p, FILE *f, size_t *n, neto_err *err)
{
	store_task *t = NULL;
	size_t nt = 0;
	if (store_task_list(st, p->id, -1, &t, &nt, err) != 0)
		return -1;
	for (size_t i = 0; i < nt; i++) {
		const store_task *k = &t[i];
		bool open = strcmp(k->state, "pending") == 0 || strcmp(k->state, "assigned") == 0;
		bool done = strcmp(k->state, "done") == 0;
		if (strcmp(p->state, "done") == 0 && !done)
			problem(f, n, "plan #%lld is done but task %lld is %s", (long long)p->id,
				(long long)k->id, k->state);
		else if (strcmp(p->state, "running") == 0 && k->step < p->step && !done)
			problem(f, n, "plan #%lld is at step %d but task %lld of step %d is %s",
				(long long)p->id, p->step, (long long)k->id, k->step, k->state);
		else if (strcmp(p->state, "running") == 0 && k->step > p->step &&
			 strcmp(k->state, "pending") != 0)
			problem(f, n, "plan #%lld is at step %d but task %lld of step %d is %s",
				(long long)p->id, p->step, (long long)k->id, k->step, k->state);
		else if ((strcmp(p->state, "failed") == 0 || strcmp(p->state, "superseded") == 0) &&
			 open)
			problem(f, n, "plan #%lld is %s but task %lld is still %s", (long long)p->id,
				p->state, (long long)k->id, k->state);
	}
	store_task_free(t, nt);
	return 0;
}

/* 5: the installed state is the newest plan's last desired state. */
static int check_converged(store *st, const store_plan *p, FILE *f, size_t *n, neto_err *err)
{
	store_task *t = NULL;
	size_t nt = 0;
	store_installed *in = NULL;
	size_t ni = 0;
	if (store_task_list(st, p->id, -1, &t, &nt, err) != 0)
		return -1;
	if (store_installed_list(st, &in, &ni, err) != 0) {
		store_task_free(t, nt);
		return -1;
	}
	for (size_t i = 0; i < nt; i++) {
		bool newest = true;
		for (size_t j = 0; j < nt && newest; j++)
			newest = !(j != i && t[j].step > t[i].step &&
				   strcmp(t[j].router, t[i].router) == 0 &&
				   strcmp(t[j].policy, t[i].policy) == 0);
		if (!newest)
			continue;
		const char *have = NULL;
		for (size_t j = 0; j < ni; j++)
			if (strcmp(in[j].router, t[i].router) == 0 &&
			    strcmp(in[j].policy, t[i].policy) == 0)
				have = in[j].body;
		bool ok = strcmp(t[i].action, "remove") == 0	     ? have == NULL
			  : strncmp(t[i].policy, "egress/", 7) == 0 ? ctl_egress_same(have, t[i].desired)
							       : driver_policy_equal(have, t[i].desired);
		if (!ok)
			problem(f, n, "policy %s on %s: installed state differs from plan #%lld's target",
				t[i].policy, t[i].router, (long long)p->id);
	}
	store_installed_free(in, ni);
	store_task_free(t, nt);
	return 0;
}

int ctl_store_check(store *st, FILE *f, ctl_check_result *r, neto_err *err)
{
	memset(r, 0, sizeof *r);
	size_t *n = &r->problems;
	int64_t ver = 0, at = 0;
	char *body = NULL;
	size_t len = 0;
	if (store_topology_latest(st, &ver, &at, &body, &len, err) != 0)
		return -1;
	topo t;
	topo_init(&t);
	bool have_topo = false;
	if (body) {
		neto_err terr;
		if (topo_parse(&t, TOPO_FMT_AUTO, body, len, "topology", NULL, &terr) != 0)
			problem(f, n, "the latest topology snapshot does not read: %s", terr.msg);
		else
			have_topo = true;
		free(body);
	}
	store_plan *pl = NULL;
	size_t np = 0;
	int rc = -1;
	if (store_plan_list(st, 1000000, &pl, &np, err) != 0)
		goto out;
	size_t running = 0;
	/* plans come newest first */
	for (size_t i = 0; i < np; i++) {
		const store_plan *p = &pl[i];
		r->plans++;
		running += strcmp(p->state, "running") == 0;
		if (have_topo && check_plan_body(st, &t, p, f, n, err) != 0)
			goto out;
		if (check_tasks(st, p, f, n, err) != 0)
			goto out;
		if (i + 1 < np && pl[i + 1].epoch > p->epoch)
			problem(f, n, "plan #%lld has epoch %lld, older than plan #%lld's %lld before it",
				(long long)p->id, (long long)p->epoch, (long long)pl[i + 1].id,
				(long long)pl[i + 1].epoch);
	}
	if (running > 1)
		problem(f, n, "%zu plans are running at once", running);
	r->running = running;
	/* each epoch is one controller: the actors of "plan" audit rows */
	{
		store_audit *a = NULL;
		size_t na = 0;
		if (store_audit_list(st, 0, 10000000, &a, &na, err) != 0)
			goto out;
		for (size_t i = 0; i < na; i++) {
			if (strcmp(a[i].action, "plan") != 0 || a[i].epoch == 0)
				continue;
			for (size_t j = 0; j < i; j++)
				if (strcmp(a[j].action, "plan") == 0 && a[j].epoch == a[i].epoch &&
				    strcmp(a[j].actor, a[i].actor) != 0) {
					problem(f, n, "epoch %lld was used by two controllers, %s and %s",
						(long long)a[i].epoch, a[j].actor, a[i].actor);
					break;
				}
		}
		r->audit_rows = na;
		store_audit_free(a, na);
	}
	if (np > 0 && running == 0 && strcmp(pl[0].state, "done") == 0) {
		r->converged_checked = true;
		if (check_converged(st, &pl[0], f, n, err) != 0)
			goto out;
	}
	rc = 0;
out:
	store_plan_free(pl, np);
	topo_free(&t);
	return rc;
}
