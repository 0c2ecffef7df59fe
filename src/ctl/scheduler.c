/*
 * scheduler.c - the task scheduler role (scheduler.h).
 */
#include <fnmatch.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/scheduler.h"
#include "lib/mem.h"

void sched_init(scheduler *s, store *st, const sched_config *cfg)
{
	memset(s, 0, sizeof *s);
	s->cfg = *cfg;
	if (s->cfg.lease_ms <= 0)
		s->cfg.lease_ms = 10000;
	if (s->cfg.task_timeout_ms <= 0)
		s->cfg.task_timeout_ms = 10000;
	if (s->cfg.max_attempts <= 0)
		s->cfg.max_attempts = 3;
	if (s->cfg.backoff_ms <= 0)
		s->cfg.backoff_ms = 1000;
	if (s->cfg.agent_timeout_ms <= 0)
		s->cfg.agent_timeout_ms = 3 * s->cfg.lease_ms;
	s->st = st;
}

void sched_stop(scheduler *s, int64_t now)
{
	if (s->leader)
		store_lease_release(s->st, "scheduler", s->cfg.name, now, NULL);
	s->leader = 0;
}

static void logs(scheduler *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logs(scheduler *s, const char *fmt, ...)
{
	if (s->cfg.log == NULL)
		return;
	va_list ap;
	va_start(ap, fmt);
	vfprintf(s->cfg.log, fmt, ap);
	va_end(ap);
	fflush(s->cfg.log);
}

/* Whether agent a's driver speaks the task's kind: an egress announcement
 * ("egress/PREFIX", docs/peering.md) goes over BGP, so only to an agent
 * whose driver is "egress", and an SR policy never to one (both may be
 * allowed the same border router: routers alone do not tell). The driver
 * is in the agent's heartbeat info, {"driver":"NAME"} (agent/update.c). */
static bool driver_fits(const store_agent *a, const char *policy)
{
	bool egress_task = strncmp(policy, "egress/", 7) == 0;
	bool egress_agent = a->info != NULL && strstr(a->info, "\"driver\":\"egress\"") != NULL;
	return egress_task == egress_agent;
}

int sched_router_allowed(const char *patterns, const char *router)
{
	if (patterns == NULL)
		return 0;
	const char *p = patterns;
	while (*p) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char pat[256];
		while (n > 0 && (*p == ' ' || *p == '\t')) {
			p++;
			n--;
		}
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n > 0 && n < sizeof pat) {
			memcpy(pat, p, n);
			pat[n] = '\0';
			if (fnmatch(pat, router, 0) == 0)
				return 1;
		}
		if (e == NULL)
			break;
		p = e + 1;
	}
	return 0;
}

/* Outstanding tasks per live update agent. */
typedef struct agent_load {
	store_agent *a;
	size_t outstanding;
} agent_load;

/* A fenced write: on refusal the scheduler has lost its lease and stops
 * (*rc stays 0); on a store error *rc = -1. True when the caller must stop. */
static bool fenced(scheduler *s, int r, int *rc)
{
	if (r == STORE_FENCED) {
		s->leader = 0;
		return true;
	}
	if (r != 0) {
		*rc = -1;
		return true;
	}
	return false;
}

static int64_t backoff(const scheduler *s, int attempts)
{
	int64_t b = s->cfg.backoff_ms;
	for (int i = 1; i < attempts && b < 3600000; i++)
		b *= 2;
	return b;
}

/* Works on one running plan. */
static int drive_plan(scheduler *s, const store_fence *f, const store_plan *p,
		      agent_load *ag, size_t n_ag, int64_t now, neto_err *err)
{
	store_task *t = NULL;
	size_t n = 0;
	if (store_task_list(s->st, p->id, p->step, &t, &n, err) != 0)
		return -1;
	int rc = 0;
	size_t done = 0;
	for (size_t i = 0; i < n; i++)
		done += strcmp(t[i].state, "done") == 0;
	if (done == n) {
		int adv = 0;
		if (fenced(s, store_plan_advance(s->st, f, p->id, p->step, now, &adv, err), &rc))
			goto out;
		if (adv) {
			s->stats.advanced++;
			if (p->step + 1 >= p->nsteps) {
				s->stats.plans_done++;
				logs(s, "plan #%lld: step %d done; plan complete\n", (long long)p->id,
				     p->step);
			} else {
				logs(s, "plan #%lld: step %d done (%zu tasks); step %d of %d starts\n",
				     (long long)p->id, p->step, n, p->step + 1, p->nsteps);
			}
		}
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		store_task *k = &t[i];
		bool failed = strcmp(k->state, "failed") == 0;
		bool late = strcmp(k->state, "assigned") == 0 && now > k->deadline;
		if (failed || late) {
			if (k->attempts >= s->cfg.max_attempts) {
				char why[512];
				snprintf(why, sizeof why,
					 "task %lld (%s %s on %s) %s after %d attempts%s%s",
					 (long long)k->id, k->action, k->policy, k->router,
					 failed ? "failed" : "timed out", k->attempts,
					 k->error ? ": " : "", k->error ? k->error : "");
				if (fenced(s, store_plan_fail(s->st, f, p->id, why, now, err), &rc))
					goto out;
				s->stats.plans_failed++;
				logs(s, "plan #%lld stopped at step %d: %s\n", (long long)p->id,
				     p->step, why);
				goto out;
			}
			if (fenced(s, store_task_retry(s->st, f, k->id, now + backoff(s, k->attempts),
					     failed ? (k->error ? k->error : "failed") : "timed out",
					     now, err), &rc))
				goto out;
			s->stats.retried++;
			logs(s, "plan #%lld: task %lld on %s %s, retry %d in %lld ms\n",
			     (long long)p->id, (long long)k->id, k->router,
			     failed ? "failed" : "timed out", k->attempts + 1,
			     (long long)backoff(s, k->attempts));
			continue;
		}
		if (strcmp(k->state, "pending") != 0 || now < k->not_before)
			continue;
		agent_load *best = NULL;
		for (size_t j = 0; j < n_ag; j++)
			if (sched_router_allowed(ag[j].a->routers, k->router) &&
			    driver_fits(ag[j].a, k->policy) &&
			    (best == NULL || ag[j].outstanding < best->outstanding))
				best = &ag[j];
		if (best == NULL) {
			/* nobody may touch this router: give up after the time the
			 * task would have had for all of its attempts */
			int64_t limit = (int64_t)s->cfg.max_attempts * s->cfg.task_timeout_ms;
			if (now - k->updated > limit) {
				char why[512];
				snprintf(why, sizeof why,
					 "no live updating agent may touch router %s with a %s",
					 k->router,
					 strncmp(k->policy, "egress/", 7) == 0
						 ? "driver egress"
						 : "driver for SR policies");
				if (fenced(s, store_plan_fail(s->st, f, p->id, why, now, err), &rc))
					goto out;
				s->stats.plans_failed++;
				logs(s, "plan #%lld stopped at step %d: %s\n", (long long)p->id,
				     p->step, why);
				goto out;
			}
			continue;
		}
		int ok = 0;
		if (fenced(s, store_task_assign(s->st, f, k->id, best->a->name, now,
				      now + s->cfg.task_timeout_ms, &ok, err), &rc))
			goto out;
		if (ok) {
			best->outstanding++;
			s->stats.assigned++;
		}
	}
out:
	store_task_free(t, n);
	return rc;
}

int sched_tick(scheduler *s, int64_t now, neto_err *err)
{
	int held = 0;
	int64_t epoch = 0;
	if (store_lease_acquire(s->st, "scheduler", s->cfg.name, now, s->cfg.lease_ms, &held,
				&epoch, err) != 0)
		return -1;
	if (!held) {
		s->leader = 0;
		return 0;
	}
	if (!s->leader || epoch != s->epoch)
		logs(s, "scheduler %s: leader, epoch %lld\n", s->cfg.name, (long long)epoch);
	s->leader = 1;
	s->epoch = epoch;
	store_fence f = { .holder = s->cfg.name, .epoch = epoch };

	store_plan *plans = NULL;
	size_t n_plans = 0;
	store_agent *agents = NULL;
	size_t n_agents = 0;
	store_task *claimed = NULL;
	size_t n_claimed = 0;
	agent_load *ag = NULL;
	size_t n_ag = 0;
	int rc = -1;
	if (store_plan_list(s->st, 16, &plans, &n_plans, err) != 0 ||
	    store_agent_list(s->st, &agents, &n_agents, err) != 0)
		goto out;
	ag = neto_calloc(n_agents ? n_agents : 1, sizeof *ag);
	for (size_t i = 0; i < n_agents; i++) {
		if (strcmp(agents[i].role, "update") != 0 ||
		    now - agents[i].heartbeat > s->cfg.agent_timeout_ms)
			continue;
		ag[n_ag].a = &agents[i];
		if (store_task_claimed(s->st, agents[i].name, &claimed, &n_claimed, err) != 0)
			goto out;
		ag[n_ag].outstanding = n_claimed;
		store_task_free(claimed, n_claimed);
		claimed = NULL;
		n_claimed = 0;
		n_ag++;
	}
	/* repair plans before re-optimisation; newest first inside a priority */
	for (int prio = 0; prio <= 1; prio++)
		for (size_t i = 0; i < n_plans; i++) {
			store_plan *p = &plans[i];
			if (strcmp(p->state, "running") != 0 || (p->priority <= 0 ? 0 : 1) != prio)
				continue;
			if (drive_plan(s, &f, p, ag, n_ag, now, err) != 0)
				goto out;
		}
	rc = 0;
out:
	free(ag);
	store_agent_free(agents, n_agents);
	store_plan_free(plans, n_plans);
	return rc;
}
