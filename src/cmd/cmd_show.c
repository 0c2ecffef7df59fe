/*
 * cmd_show.c - `neto show WHAT`: reads one document from the HTTP API and
 * prints it as a table (src/api/render.c) or, with --json, as it came. The
 * API does the work; this file only builds the request and reports errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api/client.h"
#include "api/render.h"
#include "cmd/cmd.h"

/* The error message of an API error document, or the start of the body. */
static void print_api_error(long status, const char *body)
{
	json_t *d = json_loads(body, 0, NULL);
	const char *msg = json_string_value(json_object_get(d, "error"));
	const char *field = json_string_value(json_object_get(d, "field"));
	if (msg != NULL)
		fprintf(stderr, "neto show: the API answered %ld: %s%s%s\n", status,
			field ? field : "", field ? ": " : "", msg);
	else
		fprintf(stderr, "neto show: the API answered %ld: %.200s\n", status, body);
	json_decref(d);
}

/* GET path; on success *body is the answer (caller frees). Prints errors
 * and returns the exit status (0 or 1). */
static int get(const api_client *c, const char *path, char **body)
{
	neto_err err;
	long status;
	if (api_client_request(c, "GET", path, NULL, 0, &status, body, &err) != 0) {
		fprintf(stderr, "neto show: %s\n(is `neto api` or `neto run` serving there? see --api)\n",
			err.msg);
		return 1;
	}
	if (status != 200) {
		print_api_error(status, *body);
		free(*body);
		*body = NULL;
		return 1;
	}
	return 0;
}

/* The id of the newest plan, or 0 (and a message) when there is none. */
static int newest_plan(const api_client *c, int64_t *id)
{
	char *body;
	if (get(c, "/plans?limit=1", &body) != 0)
		return 1;
	json_t *d = json_loads(body, 0, NULL);
	free(body);
	json_t *p = json_array_get(json_object_get(d, "plans"), 0);
	*id = json_integer_value(json_object_get(p, "id"));
	json_decref(d);
	if (*id <= 0) {
		fprintf(stderr, "neto show: no plan in the store yet\n");
		return 1;
	}
	return 0;
}

int cmd_show(int argc, char **argv)
{
	api_show_opts o;
	neto_err err;
	if (api_show_opts_parse(&o, argc, argv, &err) != 0) {
		fprintf(stderr, "neto show: %s\n(see neto show --help)\n", err.msg);
		return 2;
	}
	if (o.c.help) {
		fputs(api_show_usage, stdout);
		return 0;
	}
	api_client c;
	if (api_client_resolve(&c, &o.c, &err) != 0) {
		fprintf(stderr, "neto show: %s\n", err.msg);
		return 1;
	}
	static const char *const paths[] = {
		[SHOW_HEALTH] = "/health",   [SHOW_TOPOLOGY] = "/topology", [SHOW_LINKS] = "/links",
		[SHOW_DEMANDS] = "/demands", [SHOW_SOLUTION] = "/solution", [SHOW_PLAN] = "/plans",
		[SHOW_PLANS] = "/plans",     [SHOW_TASKS] = "/tasks",       [SHOW_AGENTS] = "/agents",
		[SHOW_INTENTS] = "/intents", [SHOW_AUDIT] = "/audit",       [SHOW_METRICS] = "/metrics",
	};
	char path[256];
	int status = 0;
	switch (o.what) {
	case SHOW_PLAN: {
		int64_t id = o.id;
		if (id == 0 && (status = newest_plan(&c, &id)) != 0)
			goto done;
		snprintf(path, sizeof path, "/plans/%lld", (long long)id);
		break;
	}
	case SHOW_TASKS: {
		size_t n = (size_t)snprintf(path, sizeof path, "/tasks");
		char sep = '?';
		if (o.plan > 0) {
			n += (size_t)snprintf(path + n, sizeof path - n, "%cplan=%lld", sep,
					      (long long)o.plan);
			sep = '&';
		}
		if (o.step >= 0) {
			n += (size_t)snprintf(path + n, sizeof path - n, "%cstep=%lld", sep,
					      (long long)o.step);
			sep = '&';
		}
		if (o.state)
			snprintf(path + n, sizeof path - n, "%cstate=%s", sep, o.state);
		break;
	}
	case SHOW_PLANS:
		if (o.limit > 0)
			snprintf(path, sizeof path, "/plans?limit=%lld", (long long)o.limit);
		else
			snprintf(path, sizeof path, "/plans");
		break;
	case SHOW_AUDIT:
		if (o.limit > 0)
			snprintf(path, sizeof path, "/audit?after=%lld&limit=%lld", (long long)o.after,
				 (long long)o.limit);
		else
			snprintf(path, sizeof path, "/audit?after=%lld", (long long)o.after);
		break;
	default:
		snprintf(path, sizeof path, "%s", paths[o.what]);
		break;
	}
	char *body;
	if ((status = get(&c, path, &body)) != 0)
		goto done;
	if (o.c.json) {
		fputs(body, stdout);
		fputc('\n', stdout);
	} else if (api_render(stdout, o.what, body, strlen(body), &err) != 0) {
		fprintf(stderr, "neto show: %s\n", err.msg);
		status = 1;
	}
	free(body);
	if (fflush(stdout) != 0) {
		perror("neto show: stdout");
		status = 1;
	}
done:
	api_client_free(&c);
	return status;
}
