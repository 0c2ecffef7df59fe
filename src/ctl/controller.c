/*
 * controller.c - the controller role (controller.h).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl/controller.h"
#include "lib/mem.h"
#include "topo/topo_io.h"

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void controller_init(controller *c, store *st, const controller_config *cfg)
{
	memset(c, 0, sizeof *c);
	c->cfg = *cfg;
	if (c->cfg.period_ms <= 0)
		c->cfg.period_ms = 30000;
	if (c->cfg.lease_ms <= 0)
		c->cfg.lease_ms = 10000;
	if (c->cfg.peering_max_age_ms <= 0)
		c->cfg.peering_max_age_ms = 30000;
	if (!(c->cfg.demand_threshold > 0))
		c->cfg.demand_threshold = 0.1;
	c->st = st;
	c->topo_version = -1;
	c->intent_serial = -1;
	c->demand_id = -1;
}

void controller_free(controller *c)
{
	free(c->demand_body);
	c->demand_body = NULL;
}

void controller_poke(controller *c)
{
	c->next_cycle = 0;
}

void controller_stop(controller *c, int64_t now)
{
	if (c->leader)
		store_lease_release(c->st, "controller", c->cfg.name, now, NULL);
	c->leader = false;
}

/* Relative L1 distance between two demand matrices on the same topology and
 * classes: sum |a - b| / sum a (1 when a is empty and b is not). */
static double demand_change(const demand_set *a, const demand_set *b)
{
	double diff = 0, base = 0;
	for (size_t i = 0; i < a->n; i++) {
		const demand *d = &a->v[i];
		size_t j = demand_find(b, d->src, d->dst, d->cls);
		double o = j == SIZE_MAX ? 0 : b->v[j].rate;
		diff += fabs(d->rate - o);
		base += d->rate;
	}
	for (size_t j = 0; j < b->n; j++) {
		const demand *d = &b->v[j];
		if (demand_find(a, d->src, d->dst, d->cls) == SIZE_MAX)
			diff += d->rate;
	}
	if (!(base > 0))
		return diff > 0 ? 1 : 0;
	return diff / base;
}

typedef struct cycle_state {
	int64_t topo_version, topo_at, demand_id, demand_at, intent_serial;
	char *topo_body, *demand_body, *missing;
	size_t topo_len, demand_len;
	store_intent *intents;
	size_t n_intents;
	store_installed *installed;
	size_t n_installed;
} cycle_state;

static void cycle_state_free(cycle_state *s)
{
	free(s->topo_body);
	free(s->demand_body);
	free(s->missing);
	store_intent_free(s->intents, s->n_intents);
	store_installed_free(s->installed, s->n_installed);
	memset(s, 0, sizeof *s);
}

static void logc(controller *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logc(controller *c, const char *fmt, ...)
{
	if (c->cfg.log == NULL)
		return;
	va_list ap;
	va_start(ap, fmt);
	vfprintf(c->cfg.log, fmt, ap);
	va_end(ap);
	fflush(c->cfg.log);
}

static void write_metrics(controller *c, const ctl_result *r, int64_t now)
{
	char buf[4096];
	size_t n = (size_t)snprintf(buf, sizeof buf,
				    "{\"cycles\":%llu,\"plans\":%llu,\"failures\":%llu,"
				    "\"last_cycle_seconds\":%.6f,\"te_seconds\":%.6f,"
				    "\"plan_seconds\":%.6f,\"steps\":%d,\"tasks\":%zu,"
				    "\"max_utilization\":%.6f,\"allocated\":{",
				    (unsigned long long)c->stats.cycles,
				    (unsigned long long)c->stats.plans,
				    (unsigned long long)c->stats.failures,
				    c->stats.last_cycle_seconds, c->stats.te_seconds,
				    c->stats.plan_seconds, r ? r->n_steps : 0, r ? r->n_tasks : 0,
				    r ? r->max_util_target : 0.0);
	for (int pass = 0; pass < 2 && r; pass++) {
		if (pass == 1 && n < sizeof buf)
			n += (size_t)snprintf(buf + n, sizeof buf - n, "},\"demanded\":{");
		for (size_t i = 0; i < r->n_cls && n < sizeof buf; i++)
			n += (size_t)snprintf(buf + n, sizeof buf - n, "%s\"%s\":%.17g",
					      i ? "," : "", r->cls[i].name,
					      pass ? r->cls[i].demanded : r->cls[i].allocated);
	}
	if (r == NULL && n < sizeof buf)
		n += (size_t)snprintf(buf + n, sizeof buf - n, "},\"demanded\":{");
	if (n < sizeof buf)
		n += (size_t)snprintf(buf + n, sizeof buf - n, "}}");
	if (n >= sizeof buf)
		return; /* too many classes for a metrics line: skip, not fatal */
	store_kv_put(c->st, "metrics", "controller", buf, n, now, NULL);
}

/* Reads what decides whether a cycle is due: the latest topology and demand
 * and the intents' serial. Returns 0, or -1 with *err. */
static int read_state(controller *c, cycle_state *s, neto_err *err)
{
	memset(s, 0, sizeof *s);
	if (store_topology_latest(c->st, &s->topo_version, &s->topo_at, &s->topo_body,
				  &s->topo_len, err) != 0 ||
	    store_demand_latest(c->st, &s->demand_id, &s->demand_at, &s->demand_body,
				&s->demand_len, &s->missing, err) != 0 ||
	    store_intent_serial(c->st, &s->intent_serial, err) != 0)
		return -1;
	return 0;
}

/* Reads the rest of what a cycle needs: intents and the installed state
 * (not on every tick: only when a cycle runs). */
static int read_cycle_state(controller *c, cycle_state *s, neto_err *err)
{
	if (store_intent_list(c->st, &s->intents, &s->n_intents, err) != 0 ||
	    store_installed_list(c->st, &s->installed, &s->n_installed, err) != 0)
		return -1;
	return 0;
}

/* Runs one cycle on state s. Returns 0 (a plan written, or a cycle that
 * found nothing to do or no plan: logged), -1 on a store error. */
static int cycle(controller *c, cycle_state *s, const char *why, int64_t now, neto_err *err)
{
	double t0 = mono();
	c->stats.cycles++;
	topo t;
	topo_init(&t);
	class_set none;
	class_set_init(&none);
	ctl_intents in;
	ctl_intents_init(&in);
	demand_set ds, old;
	demand_set_init(&ds);
	demand_set_init(&old);
	ctl_result r;
	memset(&r, 0, sizeof r);
	int rc = 0;
	neto_err cerr;
	const class_set *defcs = c->cfg.classes ? c->cfg.classes : &none;
	if (c->cfg.classes == NULL)
		class_set_default(&none);

	logc(c, "cycle %llu (%s): topology v%lld, demands #%lld%s%s%s, %zu intents, %zu "
		"installed policies\n",
	     (unsigned long long)c->stats.cycles, why, (long long)s->topo_version,
	     (long long)s->demand_id, s->missing && *s->missing ? " (missing: " : "",
	     s->missing && *s->missing ? s->missing : "", s->missing && *s->missing ? ")" : "",
	     s->n_intents, s->n_installed);
	if (topo_parse(&t, TOPO_FMT_AUTO, s->topo_body, s->topo_len, "topology", NULL, &cerr) !=
		    0 ||
	    ctl_intents_read(&in, &t, defcs, s->intents, s->n_intents, &cerr) != 0)
		goto failed;
	const class_set *cs = ctl_intents_classes(&in, defcs);
	if (s->demand_body &&
	    demand_parse(&ds, DEMAND_FMT_AUTO, &t, cs, s->demand_body, s->demand_len, "demands",
			 &cerr) != 0)
		goto failed;

	ctl_input ci = { .t = &t,
			 .classes = cs,
			 .demands = &ds,
			 .intents = &in,
			 .installed = s->installed,
			 .n_installed = s->n_installed,
			 .params = c->cfg.params };
	/* the peering decision, when there is a fresh one (peering.c) */
	ctl_peering pe;
	char *pelog = NULL;
	int have_pe = ctl_peering_load(c->st, now, c->cfg.peering_max_age_ms, &pe, &pelog, err);
	if (pelog)
		logc(c, "  %s", pelog);
	free(pelog);
	if (have_pe < 0) {
		rc = -1;
		goto out;
	}
	int crc = have_pe ? ctl_compute_peering(&ci, &pe, &r, &cerr) : ctl_compute(&ci, &r, &cerr);
	ctl_peering_free(&pe);
	if (crc != 0) {
		if (r.log)
			logc(c, "%s", r.log);
		goto failed;
	}
	if (r.log)
		logc(c, "%s", r.log);
	for (size_t i = 0; i < r.n_cls; i++)
		logc(c, "  %-10s demand %12.6g  allocated %12.6g (%5.1f%%)%s\n", r.cls[i].name,
		     r.cls[i].demanded, r.cls[i].allocated,
		     r.cls[i].demanded > 0 ? 100 * r.cls[i].allocated / r.cls[i].demanded : 100.0,
		     r.cls[i].background > 0 ? "  (part outside neto)" : "");

	store_task_in *ti = neto_calloc(r.n_tasks ? r.n_tasks : 1, sizeof *ti);
	for (size_t i = 0; i < r.n_tasks; i++)
		ti[i] = (store_task_in){ .step = r.tasks[i].step,
					 .router = r.tasks[i].router,
					 .policy = r.tasks[i].policy,
					 .action = r.tasks[i].action,
					 .desired = r.tasks[i].desired };
	store_plan_in pin = { .kind = r.repair ? "repair" : "reopt",
			      .priority = r.repair ? 0 : 1,
			      .topology_version = s->topo_version,
			      .demand_id = s->demand_id,
			      .intent_serial = s->intent_serial,
			      .solution = r.solution,
			      .plan = r.plan,
			      .nsteps = r.n_tasks ? r.n_steps : 0,
			      .tasks = ti,
			      .ntasks = r.n_tasks };
	store_fence f = { .holder = c->cfg.name, .epoch = c->epoch };
	int64_t plan_id = 0;
	int prc = store_plan_create(c->st, &f, &pin, now, &plan_id, err);
	free(ti);
	if (prc == STORE_FENCED) {
		c->stats.fenced++;
		c->leader = false;
		logc(c, "  no longer the leader (epoch %lld is stale): plan not written\n",
		     (long long)c->epoch);
		goto out;
	}
	if (prc != 0) {
		rc = -1;
		goto out;
	}
	c->stats.plans++;
	c->last_plan_id = plan_id;
	for (size_t i = 0; i < r.n_refused; i++)
		store_audit_add(c->st, "controller", r.refused[i].router, "egress-refused",
				r.refused[i].detail, now, NULL);
	c->last_error[0] = '\0';
	c->topo_version = s->topo_version;
	c->intent_serial = s->intent_serial;
	c->demand_id = s->demand_id;
	free(c->demand_body);
	c->demand_body = s->demand_body;
	s->demand_body = NULL;
	c->stats.te_seconds = r.te_seconds;
	c->stats.plan_seconds = r.plan_seconds;
	c->stats.last_cycle_seconds = mono() - t0;
	logc(c, "  plan #%lld (%s): %d steps, %zu tasks, %zu of %zu tunnels change, %zu "
		"throttled; peak utilisation %.1f%%; te %.3f s, plan %.3f s\n",
	     (long long)plan_id, pin.kind, pin.nsteps, r.n_tasks, r.n_changed, r.n_tunnels,
	     r.n_throttled, 100 * r.max_util_target, r.te_seconds, r.plan_seconds);
	write_metrics(c, &r, now);
	goto out;
failed:
	c->stats.failures++;
	c->stats.last_cycle_seconds = mono() - t0;
	snprintf(c->last_error, sizeof c->last_error, "%s", cerr.msg);
	logc(c, "  no plan: %s\n", cerr.msg);
	store_audit_add(c->st, c->cfg.name, NULL, "cycle-failed", cerr.msg, now, NULL);
	/* not again before the next period, unless something changes */
	c->topo_version = s->topo_version;
	c->intent_serial = s->intent_serial;
	c->demand_id = s->demand_id;
	write_metrics(c, NULL, now);
out:
	ctl_result_free(&r);
	demand_set_free(&ds);
	demand_set_free(&old);
	ctl_intents_free(&in);
	class_set_free(&none);
	topo_free(&t);
	return rc;
}

/* Has the demand moved by more than the threshold since the last plan? */
static bool demand_moved(controller *c, const cycle_state *s)
{
	if (s->demand_id == c->demand_id)
		return false;
	if (c->demand_body == NULL || s->demand_body == NULL)
		return true;
	topo t;
	topo_init(&t);
	class_set cs;
	class_set_init(&cs);
	demand_set a, b;
	demand_set_init(&a);
	demand_set_init(&b);
	bool moved = true;
	neto_err e;
	/* compare by (src, dst, class) names: parse both against the current
	 * topology, with every class name the two matrices use accepted */
	if (topo_parse(&t, TOPO_FMT_AUTO, s->topo_body, s->topo_len, "topology", NULL, &e) == 0) {
		const class_set *use = c->cfg.classes;
		if (use == NULL) {
			class_set_default(&cs);
			use = &cs;
		}
		if (demand_parse(&a, DEMAND_FMT_AUTO, &t, use, c->demand_body,
				 strlen(c->demand_body), "old", &e) == 0 &&
		    demand_parse(&b, DEMAND_FMT_AUTO, &t, use, s->demand_body, s->demand_len, "new",
				 &e) == 0)
			moved = demand_change(&a, &b) > c->cfg.demand_threshold;
	}
	demand_set_free(&a);
	demand_set_free(&b);
	class_set_free(&cs);
	topo_free(&t);
	return moved;
}

int controller_tick(controller *c, int64_t now, neto_err *err)
{
	int held = 0;
	int64_t epoch = 0;
	if (store_lease_acquire(c->st, "controller", c->cfg.name, now, c->cfg.lease_ms, &held,
				&epoch, err) != 0)
		return -1;
	if (!held) {
		if (c->leader)
			logc(c, "controller %s: lost the lease (epoch %lld)\n", c->cfg.name,
			     (long long)epoch);
		c->leader = false;
		return 0;
	}
	if (!c->leader || epoch != c->epoch) {
		logc(c, "controller %s: leader, epoch %lld\n", c->cfg.name, (long long)epoch);
		c->leader = true;
		c->epoch = epoch;
		c->next_cycle = 0; /* a new leader plans at once */
	}

	cycle_state s;
	if (read_state(c, &s, err) != 0) {
		cycle_state_free(&s);
		return -1;
	}
	int rc = 0;
	if (s.topo_body == NULL) {
		/* nothing to engineer yet */
		cycle_state_free(&s);
		return 0;
	}
	bool topo_ev = s.topo_version != c->topo_version;
	bool intent_ev = s.intent_serial != c->intent_serial;
	bool periodic = now >= c->next_cycle;
	bool demand_ev = !topo_ev && !intent_ev && !periodic && demand_moved(c, &s);
	if (!topo_ev && !intent_ev && !periodic && !demand_ev)
		goto out;

	/* a plan under way is left to finish unless the network changed under
	 * it (repair) */
	store_plan active;
	int found = 0;
	if (store_plan_latest(c->st, &active, &found, err) != 0) {
		rc = -1;
		goto out;
	}
	bool running = found && strcmp(active.state, "running") == 0;
	store_plan_clear(&active);
	if (running && !topo_ev && !intent_ev)
		goto out; /* the next tick after the plan completes runs the cycle */
	const char *why = topo_ev ? "topology changed"
			  : intent_ev ? "intents changed"
			  : demand_ev ? "demand changed"
				      : "period";
	if (read_cycle_state(c, &s, err) != 0) {
		rc = -1;
		goto out;
	}
	rc = cycle(c, &s, why, now, err);
	c->next_cycle = now + c->cfg.period_ms;
out:
	cycle_state_free(&s);
	return rc;
}
