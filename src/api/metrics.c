/*
 * metrics.c - GET /metrics in the Prometheus text exposition format
 * (version 0.0.4): controller timings and counters from the document the
 * controller writes after every cycle (key-value namespace "metrics", key
 * "controller"; fields in docs/api.md), task counts by state, link
 * utilisation (the /links view) and per-class rates. A family whose source
 * is absent (no cycle yet, no topology) is left out rather than reported
 * as zero.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"

/* Label values escape backslash, double quote and line feed. */
static void put_label(api_buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			api_buf_puts(b, "\\\\");
		else if (*s == '"')
			api_buf_puts(b, "\\\"");
		else if (*s == '\n')
			api_buf_puts(b, "\\n");
		else
			api_buf_put(b, s, 1);
	}
}

static void put_value(api_buf *b, double v)
{
	if (isnan(v))
		api_buf_puts(b, "NaN");
	else if (isinf(v))
		api_buf_puts(b, v > 0 ? "+Inf" : "-Inf");
	else {
		/* the shortest form that reads back as v */
		char out[32];
		for (int prec = 1; prec <= 17; prec++) {
			snprintf(out, sizeof out, "%.*g", prec, v);
			if (strtod(out, NULL) == v)
				break;
		}
		api_buf_puts(b, out);
	}
}

static void family(api_buf *b, const char *name, const char *type, const char *help)
{
	api_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void sample(api_buf *b, const char *name, const char *label, const char *lvalue,
		   double v)
{
	api_buf_puts(b, name);
	if (label) {
		api_buf_printf(b, "{%s=\"", label);
		put_label(b, lvalue);
		api_buf_puts(b, "\"}");
	}
	api_buf_puts(b, " ");
	put_value(b, v);
	api_buf_puts(b, "\n");
}

static void controller_metrics(api_buf *b, const json_t *m)
{
	static const struct {
		const char *field, *name, *type, *help;
	} scalars[] = {
		{ "cycles", "neto_cycles_total", "counter",
		  "Controller cycles run by the current leader." },
		{ "plans", "neto_plans_total", "counter", "Plans written by the current leader." },
		{ "failures", "neto_cycle_failures_total", "counter",
		  "Cycles that found no plan (network left as it is)." },
		{ "last_cycle_seconds", "neto_cycle_seconds", "gauge",
		  "Duration of the last controller cycle." },
		{ "te_seconds", "neto_te_seconds", "gauge",
		  "Traffic-engineering computation time of the last cycle." },
		{ "plan_seconds", "neto_plan_seconds", "gauge",
		  "Transition planning time of the last cycle." },
		{ "steps", "neto_plan_steps", "gauge", "Steps of the last plan." },
		{ "tasks", "neto_plan_tasks", "gauge", "Router tasks of the last plan." },
		{ "max_utilization", "neto_target_max_utilization", "gauge",
		  "Highest link utilisation of the last target allocation (1 = full)." },
	};
	for (size_t i = 0; i < sizeof scalars / sizeof scalars[0]; i++) {
		const json_t *v = json_object_get(m, scalars[i].field);
		if (!json_is_number(v))
			continue;
		family(b, scalars[i].name, scalars[i].type, scalars[i].help);
		sample(b, scalars[i].name, NULL, NULL, json_number_value(v));
	}
	static const struct {
		const char *field, *name, *help;
	} per_class[] = {
		{ "allocated", "neto_allocated_rate",
		  "Rate allocated to each class by the last target (topology's unit)." },
		{ "demanded", "neto_demanded_rate",
		  "Rate demanded by each class in the last cycle (topology's unit)." },
	};
	for (size_t i = 0; i < 2; i++) {
		json_t *o = json_object_get(m, per_class[i].field);
		if (!json_is_object(o) || json_object_size(o) == 0)
			continue;
		family(b, per_class[i].name, "gauge", per_class[i].help);
		const char *key;
		json_t *v;
		json_object_foreach(o, key, v)
			if (json_is_number(v))
				sample(b, per_class[i].name, "class", key, json_number_value(v));
	}
}

int api_metrics(store *st, char **text, neto_err *err)
{
	api_buf b = { 0 };
	char *body = NULL;
	size_t len;
	int64_t updated;
	if (store_kv_get(st, "metrics", "controller", &body, &len, &updated, err) != 0)
		goto fail;
	if (body != NULL) {
		json_t *m = json_loadb(body, len, 0, NULL);
		free(body);
		if (json_is_object(m)) {
			controller_metrics(&b, m);
			family(&b, "neto_metrics_updated_seconds", "gauge",
			       "When the controller last wrote its metrics (Unix time).");
			sample(&b, "neto_metrics_updated_seconds", NULL, NULL, (double)updated / 1e3);
		}
		json_decref(m);
	}

	int64_t counts[5];
	if (store_task_counts(st, counts, err) != 0)
		goto fail;
	static const char *const states[5] = { "pending", "assigned", "done", "failed",
					       "cancelled" };
	family(&b, "neto_tasks", "gauge", "Router tasks of all plans by state.");
	for (int i = 0; i < 5; i++)
		sample(&b, "neto_tasks", "state", states[i], (double)counts[i]);

	json_t *doc;
	int rc = api_links_doc(st, &doc, err);
	if (rc == -1)
		goto fail;
	if (rc == 0 && doc != NULL) {
		family(&b, "neto_link_utilization", "gauge",
		       "Load over capacity of each link: measured, else planned (1 = full).");
		size_t i;
		const json_t *l;
		json_array_foreach(json_object_get(doc, "links"), i, l)
			sample(&b, "neto_link_utilization", "link",
			       json_string_value(json_object_get(l, "id")),
			       json_number_value(json_object_get(l, "utilization")));
	}
	json_decref(doc);
	*text = api_buf_take(&b);
	return 0;
fail:
	free(api_buf_take(&b));
	return -1;
}
