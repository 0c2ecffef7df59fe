/*
 * driver_sim.c - the southbound driver for the simulated WAN (driver.h).
 *
 * The simulator may run in another process (`neto sim`), so the driver
 * reaches its routers through the store, like a management network:
 * requests go as messages on topic "sim.req", and each simulated router
 * publishes the state of each policy in key-value namespace "sim.dev" under
 * "ROUTER|POLICY" (docs/sim.md):
 *   {"requested": <last desired state or null>, "state": "pending" |
 *    "installed" | "rejected", "installed": <what the router holds or null>,
 *    "reason": "..."}
 * Sessions: the simulator keeps a router's policies while an updating agent
 * whose patterns cover it sends heartbeats (store_agent_heartbeat), which is
 * the agent's tick; the driver has nothing more to refresh.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "agent/driver_sim.h"
#include "lib/mem.h"

typedef struct sim_drv {
	store *st;
} sim_drv;

static int put_req(sim_drv *d, const char *op, const char *router, const char *policy,
		   const char *desired, int64_t now, neto_err *err)
{
	json_t *o = json_pack("{s:s,s:s,s:s}", "op", op, "router", router, "policy", policy);
	if (desired) {
		json_error_t je;
		json_t *des = json_loads(desired, 0, &je);
		if (!json_is_object(des)) {
			json_decref(des);
			json_decref(o);
			return neto_err_set(err, "policy %s on %s: desired state is not JSON", policy,
					    router);
		}
		json_object_set_new(o, "desired", des);
	}
	char *text = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(17));
	json_decref(o);
	int rc = store_msg_put(d->st, "sim.req", router, now, text, strlen(text), err);
	free(text);
	return rc;
}

static int sim_apply(void *ctx, const char *router, const char *policy, const char *desired,
		     int64_t now, neto_err *err)
{
	return put_req(ctx, "apply", router, policy, desired, now, err);
}

static int sim_remove(void *ctx, const char *router, const char *policy, int64_t now,
		      neto_err *err)
{
	return put_req(ctx, "remove", router, policy, NULL, now, err);
}

static char *dump(const json_t *v)
{
	if (v == NULL || json_is_null(v))
		return NULL;
	return json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(17));
}

static int sim_status(void *ctx, const char *router, const char *policy, const char *desired,
		      int64_t now, driver_status *st, char **readback, neto_err *err)
{
	sim_drv *d = ctx;
	(void)now;
	*st = DRIVER_PENDING;
	*readback = NULL;
	char *key = neto_malloc(strlen(router) + strlen(policy) + 2);
	strcpy(key, router);
	strcat(key, "|");
	strcat(key, policy);
	char *body = NULL;
	size_t len = 0;
	int64_t upd = 0;
	int rc = store_kv_get(d->st, "sim.dev", key, &body, &len, &upd, err);
	free(key);
	if (rc != 0)
		return -1;
	if (body == NULL) {
		/* the router never heard of this policy */
		if (desired == NULL)
			*st = DRIVER_DONE;
		return 0;
	}
	json_error_t je;
	json_t *o = json_loadb(body, len, 0, &je);
	free(body);
	if (!json_is_object(o)) {
		json_decref(o);
		return neto_err_set(err, "%s: unreadable state of policy %s", router, policy);
	}
	char *inst = dump(json_object_get(o, "installed"));
	char *req = dump(json_object_get(o, "requested"));
	const char *state = json_string_value(json_object_get(o, "state"));
	if (driver_policy_equal(inst, desired)) {
		*st = DRIVER_DONE;
		*readback = inst;
		inst = NULL;
	} else if (state && strcmp(state, "rejected") == 0 && driver_policy_equal(req, desired)) {
		const char *why = json_string_value(json_object_get(o, "reason"));
		neto_err_set(err, "%s", why ? why : "rejected by the router");
		*st = DRIVER_FAILED;
	}
	free(inst);
	free(req);
	json_decref(o);
	return 0;
}

static void sim_close(void *ctx)
{
	free(ctx);
}

void driver_sim_init(agent_driver *drv, store *st)
{
	sim_drv *d = neto_calloc(1, sizeof *d);
	d->st = st;
	*drv = (agent_driver){ .name = "sim",
			       .ctx = d,
			       .apply = sim_apply,
			       .remove = sim_remove,
			       .status = sim_status,
			       .refresh = NULL,
			       .close = sim_close };
}
