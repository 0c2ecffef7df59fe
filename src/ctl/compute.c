/*
 * compute.c - one controller cycle's computation (ctl.h): background load,
 * the target allocation on the TE topology, the installed allocation from
 * what routers report, the congestion-free plan between them and one task
 * per router update of each step.
 *
 * The target and the installed state meet in the plan module's own format:
 * the target is written as the JSON of `neto te` and read back with
 * plan_alloc_parse against the plan topology, so the stored solution, the
 * plan and the tasks can never disagree about names, links or SIDs. For the
 * sizes a controller cycle handles the text round trip costs milliseconds.
 *
 * Traffic that is not under neto's control (share intents) is routed on the
 * IGP's shortest path, as routers do by themselves, and counted as fixed
 * background load on the links: both the TE engine and the planner see only
 * what is left. A pinned demand keeps its path; its rate (up to what the
 * path can carry) is reserved before the engine runs.
 */
#include <glpk.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl/ctl.h"
#include "lib/mem.h"
#include "lib/strbuf.h"
#include "plan/plan.h"
#include "plan/plan_json.h"
#include "plan/planner.h"
#include "te/paths.h"
#include "te/report.h"
#include "te/spf.h"
#include "te/srv6.h"
#include "te/te.h"

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void ctl_result_free(ctl_result *r)
{
	free(r->solution);
	free(r->plan);
	for (size_t i = 0; i < r->n_tasks; i++) {
		free(r->tasks[i].router);
		free(r->tasks[i].policy);
		free(r->tasks[i].action);
		free(r->tasks[i].desired);
	}
	free(r->tasks);
	for (size_t i = 0; i < r->n_cls; i++)
		free(r->cls[i].name);
	free(r->cls);
	free(r->log);
	free(r->dem_short);
	for (size_t i = 0; i < r->n_refused; i++) {
		free(r->refused[i].router);
		free(r->refused[i].detail);
	}
	free(r->refused);
	memset(r, 0, sizeof *r);
}

/* Share of demand d placed under neto. */
static double share_of(const ctl_intents *in, const demand *d)
{
	double s = in->class_share ? in->class_share[d->cls] : 1.0;
	for (size_t i = 0; i < in->n_pair_share; i++) {
		const struct ctl_pair_share *p = &in->pair_share[i];
		if (p->src == d->src && p->dst == d->dst && (p->cls == UINT32_MAX || p->cls == d->cls))
			s = p->share;
	}
	return s;
}

static const struct ctl_pin *pin_of(const ctl_intents *in, const demand *d)
{
	for (size_t i = 0; i < in->n_pins; i++)
		if (in->pins[i].src == d->src && in->pins[i].dst == d->dst &&
		    in->pins[i].cls == d->cls)
			return &in->pins[i];
	return NULL;
}

/* Adds rate on the IGP shortest path from src to dst in topology t (links
 * indexed like bg[]); one of the equal-cost paths when there are several,
 * the one Dijkstra settled first, so the choice is deterministic. Returns
 * false when dst is unreachable. */
static bool add_igp(spf_all *spf, const topo *t, uint32_t src, uint32_t dst, double rate,
		    const uint32_t *back, double *bg)
{
	const spf_tree *tr = spf_all_get(spf, src);
	if (tr->dist[dst] == SPF_INF)
		return false;
	for (uint32_t v = dst; v != src;) {
		uint32_t l = tr->pred[v];
		bg[back[l]] += rate;
		v = t->links[l].src;
	}
	return true;
}

static char *memstream_close(FILE *f, char **buf)
{
	if (fclose(f) != 0) {
		free(*buf);
		return NULL;
	}
	return *buf;
}

/* Writes the te report of the solved problem as JSON into a new string. */
static char *solution_json(const te_report *rep)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (f == NULL)
		return NULL;
	if (te_report_json(f, rep) != 0) {
		fclose(f);
		free(buf);
		return NULL;
	}
	return memstream_close(f, &buf);
}

/* Moves the tunnels of b to the end of a. */
static void alloc_append(plan_alloc *a, plan_alloc *b)
{
	if (b->n_tunnels == 0)
		return;
	a->tunnels = neto_reallocarray(a->tunnels, a->n_tunnels + b->n_tunnels, sizeof *a->tunnels);
	memcpy(a->tunnels + a->n_tunnels, b->tunnels, b->n_tunnels * sizeof *b->tunnels);
	a->n_tunnels += b->n_tunnels;
	free(b->tunnels);
	b->tunnels = NULL;
	b->n_tunnels = 0;
}

/* The installed allocation: each row read on its own, so that one policy
 * that no longer fits the topology (a link that left it) is skipped and
 * counted instead of hiding every other. */
static void read_installed(const ctl_input *in, const topo *tp, const class_set *cs,
			   plan_alloc *out, ctl_result *r)
{
	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < in->n_installed; i++) {
		/* egress announcements (docs/peering.md) are not SR policies */
		if (strncmp(in->installed[i].policy, "egress/", 7) == 0)
			continue;
		json_error_t je;
		json_t *row = json_loads(in->installed[i].body, JSON_REJECT_DUPLICATES, &je);
		const char *cls = json_string_value(json_object_get(row, "class"));
		if (!json_is_object(row) || cls == NULL) {
			neto_append_line(&r->log, "installed %s %s: not a policy document, ignored",
			      in->installed[i].router, in->installed[i].policy);
			r->n_ignored++;
			json_decref(row);
			continue;
		}
		uint32_t c = class_find(cs, cls, strlen(cls));
		json_int_t prio = c != UINT32_MAX ? (json_int_t)cs->v[c].priority
						  : json_integer_value(json_object_get(row, "priority"));
		json_t *doc = json_pack("{s:[{s:s,s:I}],s:[O]}", "classes", "name", cls, "priority",
					prio, "demands", row);
		char *text = json_dumps(doc, JSON_COMPACT);
		json_decref(doc);
		json_decref(row);
		plan_alloc one;
		neto_err err;
		if (text == NULL ||
		    plan_alloc_parse(&one, tp, text, strlen(text), "installed", &err) != 0) {
			neto_append_line(&r->log, "installed %s %s: %s, ignored", in->installed[i].router,
			      in->installed[i].policy, text ? err.msg : "out of memory");
			r->n_ignored++;
			free(text);
			continue;
		}
		free(text);
		alloc_append(out, &one);
	}
}

/* The pinned tunnels, on their paths, as allocation entries of the plan
 * topology (same link indices as the snapshot). */
static void add_pins(const ctl_input *in, const topo *tt, const uint32_t *map,
		     const double *pin_rate, plan_alloc *target)
{
	const ctl_intents *it = in->intents;
	const class_set *cs = in->classes;
	spf_all spf;
	spf_all_init(&spf, tt);
	for (size_t d = 0; d < in->demands->n; d++) {
		if (!(pin_rate[d] > 0))
			continue;
		const demand *dm = &in->demands->v[d];
		const struct ctl_pin *p = pin_of(it, dm);
		if (p == NULL)
			continue;
		uint32_t *tl = neto_reallocarray(NULL, p->n_links, sizeof *tl);
		for (uint32_t k = 0; k < p->n_links; k++)
			tl[k] = map[p->links[k]];
		uint32_t *segs = neto_reallocarray(NULL, in->params.msd, sizeof *segs);
		int ns = srv6_encode(&spf, tl, p->n_links, segs, in->params.msd);
		target->tunnels = neto_reallocarray(target->tunnels, target->n_tunnels + 1,
						    sizeof *target->tunnels);
		plan_alloc_tunnel *tu = &target->tunnels[target->n_tunnels++];
		memset(tu, 0, sizeof *tu);
		tu->src = dm->src;
		tu->dst = dm->dst;
		tu->cls = neto_strdup(cs->v[dm->cls].name);
		tu->priority = cs->v[dm->cls].priority;
		tu->paths = neto_calloc(1, sizeof *tu->paths);
		tu->n_paths = 1;
		plan_alloc_path *pa = &tu->paths[0];
		pa->links = neto_reallocarray(NULL, p->n_links, sizeof *pa->links);
		memcpy(pa->links, p->links, p->n_links * sizeof *pa->links);
		pa->n_links = p->n_links;
		pa->rate = pin_rate[d];
		if (ns > 0) {
			pa->segs = neto_reallocarray(NULL, (size_t)ns, sizeof *pa->segs);
			for (int k = 0; k < ns; k++) {
				char sid[64];
				pa->segs[k] = neto_strdup(srv6_seg_str(tt, segs[k], sid, sizeof sid));
			}
			pa->n_segs = (uint32_t)ns;
		}
		free(segs);
		free(tl);
	}
	spf_all_free(&spf);
}

/* The desired state of tunnel tu under configuration cfg: the paths that
 * carry traffic, with their planned rates and weights (the split of
 * traffic), and, while the plan throttles the tunnel, each path's rate as a
 * head-end rate limit ("limit"). Without a limit the head-end forwards all
 * the tunnel's traffic by the weights: the rates are what the plan expects,
 * not a cap. */
static char *desired_json(const plan_space *s, const plan_tunnel *tu, const double *cfg,
			  bool limited)
{
	const topo *t = s->t;
	double total = 0;
	for (uint32_t e = tu->entry_off; e < tu->entry_off + tu->n_entries; e++)
		total += cfg[e];
	json_t *paths = json_array();
	for (uint32_t e = tu->entry_off; e < tu->entry_off + tu->n_entries; e++) {
		if (!(cfg[e] > 0))
			continue;
		const plan_entry *en = &s->entries[e];
		json_t *links = json_array(), *segs = json_array();
		for (uint32_t k = 0; k < en->n_links; k++)
			json_array_append_new(links, json_string(t->links[s->links[en->link_off + k]].id));
		for (uint32_t k = 0; k < en->n_segs; k++)
			json_array_append_new(segs, json_string(s->segs[en->seg_off + k]));
		json_t *p = json_pack("{s:o,s:o,s:f,s:f}", "links", links, "segments", segs, "rate",
				      cfg[e], "weight", cfg[e] / total);
		if (limited)
			json_object_set_new(p, "limit", json_real(cfg[e]));
		json_array_append_new(paths, p);
	}
	json_t *o = json_pack("{s:s,s:s,s:s,s:i,s:o}", "src", t->nodes[tu->src].name, "dst",
			      t->nodes[tu->dst].name, "class", tu->cls, "priority",
			      (int)tu->priority, "paths", paths);
	char *text = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(17));
	json_decref(o);
	return text;
}

static void make_tasks(const plan_space *s, const plan_result *res, ctl_result *r)
{
	size_t n_steps = res->n_configs - 1;
	bool *changed = neto_calloc(s->n_tunnels ? s->n_tunnels : 1, sizeof *changed);
	for (size_t k = 0; k < n_steps; k++) {
		plan_update *u = NULL;
		size_t nu = plan_step_updates(s, res->cfg[k], res->cfg[k + 1], &u);
		r->tasks = neto_reallocarray(r->tasks, r->n_tasks + nu, sizeof *r->tasks);
		for (size_t i = 0; i < nu; i++) {
			const plan_tunnel *tu = &s->tunnels[u[i].tunnel];
			ctl_task *tk = &r->tasks[r->n_tasks++];
			changed[u[i].tunnel] = true;
			tk->step = (int)k;
			tk->router = neto_strdup(s->t->nodes[tu->src].name);
			tk->policy = ctl_policy_key(s->t->nodes[tu->dst].name, tu->cls);
			bool del = u[i].action == PLAN_DELETE;
			tk->action = neto_strdup(del ? "remove" : "apply");
			/* throttled in configuration k + 1: limit applied at
			 * step first_step, lifted at step last_step */
			bool lim = false;
			for (size_t j = 0; j < res->n_throttled && !lim; j++)
				lim = res->throttled[j].tunnel == u[i].tunnel &&
				      res->throttled[j].first_step <= k && k < res->throttled[j].last_step;
			tk->desired = del ? NULL : desired_json(s, tu, res->cfg[k + 1], lim);
		}
		free(u);
	}
	for (size_t i = 0; i < s->n_tunnels; i++)
		r->n_changed += changed[i];
	free(changed);
}

static char *plan_text(const plan_space *s, const plan_result *res, size_t swan)
{
	size_t n_steps = res->n_configs - 1;
	plan_update **upd = neto_calloc(n_steps ? n_steps : 1, sizeof *upd);
	size_t *n_upd = neto_calloc(n_steps ? n_steps : 1, sizeof *n_upd);
	for (size_t k = 0; k < n_steps; k++)
		n_upd[k] = plan_step_updates(s, res->cfg[k], res->cfg[k + 1], &upd[k]);
	plan_doc d = { .s = s,
		       .cfg = (const double *const *)res->cfg,
		       .n_configs = res->n_configs,
		       .throttled = res->throttled,
		       .n_throttled = res->n_throttled,
		       .updates = (const plan_update *const *)upd,
		       .n_updates = n_upd,
		       .swan_bound = swan,
		       .compute_seconds = res->compute_seconds };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	char *text = NULL;
	if (f != NULL) {
		if (plan_json_write(f, &d) == 0)
			text = memstream_close(f, &buf);
		else {
			fclose(f);
			free(buf);
		}
	}
	for (size_t k = 0; k < n_steps; k++)
		free(upd[k]);
	free(upd);
	free(n_upd);
	return text;
}

/* The plan's own promises (as `neto plan` checks them before printing):
 * it starts at the installed configuration and no step overloads a link. */
static int check_plan(const plan_space *s, const double *from, const plan_result *res,
		      neto_err *err)
{
	for (size_t e = 0; e < s->n_entries; e++)
		if (res->cfg[0][e] != from[e])
			return neto_err_set(err, "internal error: the plan does not start at the "
						 "installed state");
	plan_violation v;
	if (plan_verify(s, (const double *const *)res->cfg, res->n_configs, &v, 1, NULL) > 0)
		return neto_err_set(err, "internal error: step %zu overloads link %s (%.6g > %.6g)",
				    v.step, s->t->links[v.link].id, v.load, v.capacity);
	return 0;
}

/* The one-shot transition ([controller] transition = one-shot): the
 * installed configuration and the target, one step, every router update at
 * once and nothing throttled. It is what a controller without a planner
 * does; the verifier still checks it so that the log says honestly whether
 * the routers' updates, applied in any order, may overload a link. */
static void one_shot(const plan_space *s, const double *from, const double *to,
		     plan_result *res, ctl_result *r)
{
	double t0 = mono();
	memset(res, 0, sizeof *res);
	res->n_configs = 2;
	res->cfg = neto_calloc(2, sizeof *res->cfg);
	for (int k = 0; k < 2; k++) {
		res->cfg[k] = neto_calloc(s->n_entries ? s->n_entries : 1, sizeof *res->cfg[k]);
		if (s->n_entries)
			memcpy(res->cfg[k], k ? to : from, s->n_entries * sizeof *to);
	}
	plan_violation v;
	double worst = 0;
	r->one_shot = true;
	r->n_violations = plan_verify(s, (const double *const *)res->cfg, 2, &v, 1, &worst);
	if (r->n_violations > 0)
		neto_append_line(&r->log,
				 "one-shot transition (planning disabled): the verifier finds %zu "
				 "transient overload%s, e.g. link %s (%.6g > %.6g); peak %.1f%%",
				 r->n_violations, r->n_violations == 1 ? "" : "s",
				 s->t->links[v.link].id, v.load, v.capacity, 100 * worst);
	else
		neto_append_line(&r->log,
				 "one-shot transition (planning disabled): the verifier finds it "
				 "congestion-free (peak %.1f%%)",
				 100 * worst);
	res->compute_seconds = mono() - t0;
}

int ctl_compute(const ctl_input *in, ctl_result *r, neto_err *err)
{
	memset(r, 0, sizeof *r);
	const topo *t = in->t;
	const class_set *cs = in->classes;
	const demand_set *ds = in->demands;
	const ctl_intents *it = in->intents;
	uint32_t msd = in->params.msd ? in->params.msd : 10;
	int rc = -1;

	uint32_t L = t->n_links;
	double *bg = neto_calloc(L + 1, sizeof *bg);
	double *pinned = neto_calloc(L + 1, sizeof *pinned);
	double *cap = neto_calloc(L + 1, sizeof *cap);
	double *pin_rate = neto_calloc(ds->n + 1, sizeof *pin_rate);
	bool *keep = neto_calloc(L + 1, sizeof *keep);
	uint32_t *map = neto_calloc(L + 1, sizeof *map);
	uint32_t *back = neto_calloc(L + 1, sizeof *back);
	topo tp, tt;
	topo_init(&tp);
	topo_init(&tt);
	demand_set tds;
	demand_set_init(&tds);
	te_pathset ps;
	te_pathset_init(&ps);
	te_problem prob;
	bool have_prob = false, have_rep = false;
	te_report rep;
	double *rate = NULL;
	plan_alloc a[2];
	memset(a, 0, sizeof a);
	plan_space s;
	plan_space_init(&s, &tp);
	double *cfg[2] = { NULL, NULL };
	plan_result res;
	memset(&res, 0, sizeof res);
	bool have_res = false;

	/* links the engine may use */
	for (uint32_t l = 0; l < L; l++)
		keep[l] = t->links[l].up && !(it->link_off && it->link_off[l]);
	/* background: the uncontrolled share on IGP shortest paths of the
	 * usable network (what the routers' IGP converges to without the
	 * drained and failed links) */
	if (ctl_topo_copy(&tt, t, keep, NULL, map, err) != 0)
		goto done;
	for (uint32_t l = 0; l < L; l++)
		if (map[l] != TOPO_NONE)
			back[map[l]] = l;
	r->n_cls = cs->n;
	r->cls = neto_calloc(cs->n ? cs->n : 1, sizeof *r->cls);
	for (uint32_t c = 0; c < cs->n; c++)
		r->cls[c].name = neto_strdup(cs->v[c].name);
	{
		spf_all spf;
		spf_all_init(&spf, &tt);
		for (size_t d = 0; d < ds->n; d++) {
			const demand *dm = &ds->v[d];
			double share = share_of(it, dm);
			double out = dm->rate * (1 - share);
			r->cls[dm->cls].demanded += dm->rate;
			if (out > 0) {
				if (add_igp(&spf, &tt, dm->src, dm->dst, out, back, bg))
					r->cls[dm->cls].background += out;
			}
		}
		spf_all_free(&spf);
	}
	for (uint32_t l = 0; l < L; l++) {
		double c = t->links[l].capacity;
		cap[l] = c - bg[l] > 1e-9 * c ? c - bg[l] : 1e-9 * c;
		if (bg[l] > c * (1 + 1e-9))
			neto_append_line(&r->log, "link %s: traffic outside neto's control (%.6g) exceeds its capacity "
				 "(%.6g)",
			      t->links[l].id, bg[l], c);
	}
	/* pinned demands: reserved on their path before the engine runs */
	for (size_t d = 0; d < ds->n; d++) {
		const demand *dm = &ds->v[d];
		const struct ctl_pin *p = pin_of(it, dm);
		if (p == NULL)
			continue;
		double want = dm->rate * share_of(it, dm), room = want;
		for (uint32_t k = 0; k < p->n_links; k++) {
			uint32_t l = p->links[k];
			double free_ = cap[l] - pinned[l];
			room = free_ < room ? free_ : room;
		}
		room = room > 0 ? room : 0;
		pin_rate[d] = room;
		for (uint32_t k = 0; k < p->n_links; k++)
			pinned[p->links[k]] += room;
		if (room < want * (1 - 1e-9))
			neto_append_line(&r->log, "pin %s -> %s %s: its path carries %.6g of %.6g",
			      t->nodes[dm->src].name, t->nodes[dm->dst].name, cs->v[dm->cls].name,
			      room, want);
	}
	/* the plan topology (every link, background removed) and the TE
	 * topology (usable links, background and pins removed) */
	if (ctl_topo_copy(&tp, t, NULL, cap, NULL, err) != 0)
		goto done;
	for (uint32_t l = 0; l < L; l++) {
		double c = cap[l] - pinned[l];
		cap[l] = c > 1e-9 * t->links[l].capacity ? c : 1e-9 * t->links[l].capacity;
	}
	topo_free(&tt);
	topo_init(&tt);
	if (ctl_topo_copy(&tt, t, keep, cap, map, err) != 0)
		goto done;
	for (size_t d = 0; d < ds->n; d++) {
		const demand *dm = &ds->v[d];
		double x = dm->rate * share_of(it, dm) - pin_rate[d];
		if (x > 0 && !pin_of(it, dm))
			demand_add(&tds, dm->src, dm->dst, dm->cls, x);
	}

	/* the target */
	double t0 = mono();
	te_paths_opts popts = { .msd = msd, .progress = 0 };
	class_set kcs;
	class_set_init(&kcs);
	const class_set *ecs = cs;
	if (in->params.k_paths > 0) {
		for (uint32_t c = 0; c < cs->n; c++)
			class_set_add(&kcs, cs->v[c].name, strlen(cs->v[c].name), cs->v[c].priority,
				      in->params.k_paths, cs->v[c].latency, cs->v[c].max_delay, NULL);
		ecs = &kcs;
	}
	int prc = te_paths_build(&ps, &tt, ecs, &tds, &popts, err);
	if (prc == 0)
		prc = te_problem_build(&prob, &tt, ecs, &tds, &ps, err);
	if (prc != 0) {
		class_set_free(&kcs);
		goto done;
	}
	have_prob = true;
	prob.progress = NULL;
	rate = neto_malloc((te_problem_n_rates(&prob) + 1) * sizeof *rate);
	glp_term_out(GLP_OFF);
	if (te_solve(&prob, in->params.exact ? te_exact_class : te_heur_class, rate, err) != 0) {
		class_set_free(&kcs);
		goto done;
	}
	r->te_seconds = mono() - t0;
	te_report_build(&rep, &prob, rate, r->te_seconds, in->params.exact ? "exact" : "heuristic",
			msd);
	have_rep = true;
	if (te_report_check(&rep, err) != 0) {
		class_set_free(&kcs);
		goto done;
	}
	r->max_util_target = rep.max_utilization;
	for (size_t d = 0; d < tds.n; d++)
		r->cls[tds.v[d].cls].allocated += rep.dem_alloc[d];
	for (size_t d = 0; d < ds->n; d++)
		r->cls[ds->v[d].cls].allocated += pin_rate[d];
	r->dem_short = neto_calloc(ds->n + 1, sizeof *r->dem_short);
	for (size_t d = 0; d < ds->n; d++) {
		const demand *dm = &ds->v[d];
		size_t j = pin_of(it, dm) ? SIZE_MAX : demand_find(&tds, dm->src, dm->dst, dm->cls);
		double got = pin_rate[d] + (j != SIZE_MAX ? rep.dem_alloc[j] : 0);
		double want = dm->rate * share_of(it, dm);
		r->dem_short[d] = want - got > 0 ? want - got : 0;
	}
	r->solution = solution_json(&rep);
	class_set_free(&kcs);
	if (r->solution == NULL) {
		neto_err_set(err, "writing the solution failed");
		goto done;
	}
	if (plan_alloc_parse(&a[1], &tp, r->solution, strlen(r->solution), "solution", err) != 0)
		goto done;
	add_pins(in, &tt, map, pin_rate, &a[1]);

	/* the installed state */
	read_installed(in, &tp, cs, &a[0], r);
	for (size_t i = 0; i < a[0].n_tunnels && !r->repair; i++)
		for (uint32_t k = 0; k < a[0].tunnels[i].n_paths && !r->repair; k++) {
			const plan_alloc_path *p = &a[0].tunnels[i].paths[k];
			for (uint32_t j = 0; j < p->n_links && p->rate > 0; j++)
				if (!keep[p->links[j]])
					r->repair = true;
		}

	/* the plan */
	double t1 = mono();
	if (plan_space_build(&s, a, 2, cfg, err) != 0)
		goto done;
	size_t swan = plan_swan_bound(&s, cfg[0], cfg[1]);
	if (in->params.one_shot) {
		one_shot(&s, cfg[0], cfg[1], &res, r);
		have_res = true;
	} else {
		plan_opts po = { .max_steps = in->params.max_steps, .progress = NULL };
		if (plan_make(&s, cfg[0], cfg[1], &po, &res, err) != 0)
			goto done;
		have_res = true;
		if (check_plan(&s, cfg[0], &res, err) != 0)
			goto done;
	}
	r->plan_seconds = mono() - t1;
	r->n_steps = (int)(res.n_configs - 1);
	r->n_tunnels = s.n_tunnels;
	r->n_throttled = res.n_throttled;
	make_tasks(&s, &res, r);
	r->plan = plan_text(&s, &res, swan);
	if (r->plan == NULL) {
		neto_err_set(err, "writing the plan failed");
		goto done;
	}
	if (it->warnings)
		neto_append_line(&r->log, "%s", it->warnings);
	rc = 0;
done:
	if (have_res)
		plan_result_free(&res);
	free(cfg[0]);
	free(cfg[1]);
	plan_space_free(&s);
	plan_alloc_free(&a[0]);
	plan_alloc_free(&a[1]);
	if (have_rep)
		te_report_free(&rep);
	free(rate);
	if (have_prob)
		te_problem_free(&prob);
	te_pathset_free(&ps);
	demand_set_free(&tds);
	topo_free(&tp);
	topo_free(&tt);
	free(bg);
	free(pinned);
	free(cap);
	free(pin_rate);
	free(keep);
	free(map);
	free(back);
	if (rc != 0) {
		char *log = r->log;
		r->log = NULL;
		ctl_result_free(r);
		r->log = log;
	}
	return rc;
}
