/*
 * update.c - the updating agent role (update.h).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "agent/driver_egress.h"
#include "agent/driver_pcep.h"
#include "agent/update.h"
#include "ctl/scheduler.h"
#include "lib/mem.h"

void agent_update_init(agent_update *a, store *st, const agent_update_config *cfg)
{
	memset(a, 0, sizeof *a);
	a->cfg = *cfg;
	if (a->cfg.resend_ms <= 0)
		a->cfg.resend_ms = 5000;
	if (a->cfg.routers == NULL)
		a->cfg.routers = "*";
	a->st = st;
}

void agent_update_free(agent_update *a)
{
	free(a->fl);
	a->fl = NULL;
	a->n_fl = 0;
}

static void loga(agent_update *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void loga(agent_update *a, const char *fmt, ...)
{
	if (a->cfg.log == NULL)
		return;
	va_list ap;
	va_start(ap, fmt);
	vfprintf(a->cfg.log, fmt, ap);
	va_end(ap);
	fflush(a->cfg.log);
}

static agent_inflight *find_fl(agent_update *a, int64_t id)
{
	for (size_t i = 0; i < a->n_fl; i++)
		if (a->fl[i].task_id == id)
			return &a->fl[i];
	return NULL;
}

static int send(agent_update *a, const store_task *t, int64_t now, neto_err *err)
{
	const agent_driver *d = a->cfg.driver;
	if (strcmp(t->action, "remove") == 0)
		return d->remove(d->ctx, t->router, t->policy, now, err);
	return d->apply(d->ctx, t->router, t->policy, t->desired, now, err);
}

static void forget(agent_update *a, int64_t id)
{
	for (size_t i = 0; i < a->n_fl; i++)
		if (a->fl[i].task_id == id) {
			a->fl[i] = a->fl[--a->n_fl];
			return;
		}
}

/* Records the outcome; the task leaves the in-flight set, so that a retry
 * (the same task handed out again) sends its request anew. */
static int complete(agent_update *a, const store_task *t, int ok, const char *error,
		    const char *readback, int64_t now, neto_err *err)
{
	int accepted = 0;
	forget(a, t->id);
	if (store_task_complete(a->st, t->id, a->cfg.name, ok, error, readback, now, &accepted,
				err) != 0)
		return -1;
	if (!accepted)
		a->stale++;
	else if (ok)
		a->applied++;
	else
		a->failed++;
	return 0;
}

int agent_update_tick(agent_update *a, int64_t now, neto_err *err)
{
	const agent_driver *d = a->cfg.driver;
	char info[128];
	snprintf(info, sizeof info, "{\"driver\":\"%s\"}", d->name);
	if (store_agent_heartbeat(a->st, a->cfg.name, "update", a->cfg.routers, info, now, err) !=
	    0)
		return -1;
	if (d->refresh && d->refresh(d->ctx, a->cfg.routers, now, err) != 0)
		return -1;
	store_task *t = NULL;
	size_t n = 0;
	if (store_task_claimed(a->st, a->cfg.name, &t, &n, err) != 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		store_task *k = &t[i];
		if (!sched_router_allowed(a->cfg.routers, k->router)) {
			char why[300];
			snprintf(why, sizeof why, "agent %s may not touch router %s", a->cfg.name,
				 k->router);
			a->refused++;
			if (complete(a, k, 0, why, NULL, now, err) != 0) {
				rc = -1;
				break;
			}
			continue;
		}
		const char *want = strcmp(k->action, "remove") == 0 ? NULL : k->desired;
		driver_status st = DRIVER_PENDING;
		char *rb = NULL;
		neto_err derr;
		agent_inflight *f = find_fl(a, k->id);
		if (d->status(d->ctx, k->router, k->policy, want, now, &st, &rb, &derr) != 0) {
			/* the router cannot be asked now: try again next tick */
			loga(a, "agent %s: %s: %s\n", a->cfg.name, k->router, derr.msg);
			continue;
		}
		if (st == DRIVER_DONE && (f != NULL || want == NULL || rb != NULL)) {
			/* confirmed (also: already in that state before we asked,
			 * e.g. a task re-sent after a crash). The router's
			 * forwarding state is the desired one (paths, weights,
			 * limits); the installed record keeps the desired document,
			 * whose rates are what this plan expects of the policy: a
			 * router that already forwarded that way, for an older
			 * plan, reports the older plan's rates. */
			int c = complete(a, k, 1, NULL, want ? k->desired : NULL, now, err);
			free(rb);
			if (c != 0) {
				rc = -1;
				break;
			}
			continue;
		}
		free(rb);
		if (st == DRIVER_FAILED && f != NULL) {
			loga(a, "agent %s: task %lld on %s refused: %s\n", a->cfg.name,
			     (long long)k->id, k->router, derr.msg);
			if (complete(a, k, 0, derr.msg, NULL, now, err) != 0) {
				rc = -1;
				break;
			}
			continue;
		}
		if (f == NULL || now - f->sent_at >= a->cfg.resend_ms) {
			if (send(a, k, now, &derr) != 0) {
				loga(a, "agent %s: %s: %s\n", a->cfg.name, k->router, derr.msg);
				continue;
			}
			if (f == NULL) {
				a->fl = neto_reallocarray(a->fl, a->n_fl + 1, sizeof *a->fl);
				f = &a->fl[a->n_fl++];
				f->task_id = k->id;
			}
			f->sent_at = now;
		}
	}
	/* forget what is no longer ours */
	size_t w = 0;
	for (size_t i = 0; i < a->n_fl; i++) {
		bool mine = false;
		for (size_t j = 0; j < n && !mine; j++)
			mine = t[j].id == a->fl[i].task_id;
		if (mine)
			a->fl[w++] = a->fl[i];
	}
	a->n_fl = w;
	store_task_free(t, n);
	/* a PCE learns the routers' state from their reports: the installed
	 * state follows them, after this tick's outcomes are recorded */
	if (rc == 0 && strcmp(d->name, "pcep") == 0)
		rc = driver_pcep_reconcile(d, a->st, a->cfg.name, a->cfg.routers, now, err);
	/* an iBGP announcement lives as long as its session: the installed
	 * state follows what is announced on the live sessions */
	if (rc == 0 && strcmp(d->name, "egress") == 0)
		rc = driver_egress_reconcile(d, a->st, a->cfg.name, a->cfg.routers, now, err);
	return rc;
}
