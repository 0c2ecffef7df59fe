/*
 * cmd_intent.c - `neto intent add|list|delete`: the operator's intents,
 * through the HTTP API. An intent to add is checked here first with the
 * API's own validator (api_intent_parse), so that a mistake is reported
 * with the JSON path at fault before anything is sent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api/api.h"
#include "api/client.h"
#include "api/render.h"
#include "cmd/cmd.h"
#include "lib/file.h"

static void print_api_error(long status, const char *body)
{
	json_t *d = json_loads(body, 0, NULL);
	const char *msg = json_string_value(json_object_get(d, "error"));
	const char *field = json_string_value(json_object_get(d, "field"));
	if (msg != NULL)
		fprintf(stderr, "neto intent: the API answered %ld: %s%s%s\n", status,
			field ? field : "", field ? ": " : "", msg);
	else
		fprintf(stderr, "neto intent: the API answered %ld: %.200s\n", status, body);
	if (status == 401 || status == 403)
		fputs("(give the API's token with --token, NETO_TOKEN or --config)\n", stderr);
	json_decref(d);
}

/* The document to send: the members given, with "kind" set. Returns NULL
 * (message printed) when they are not a JSON object or name another kind. */
static char *intent_document(const api_intent_opts *o)
{
	char *text = NULL;
	size_t len;
	neto_err err;
	if (o->file != NULL) {
		if (neto_file_read(o->file, &text, &len, &err) != 0) {
			fprintf(stderr, "neto intent: %s\n", err.msg);
			return NULL;
		}
	}
	json_error_t je;
	json_t *d = o->file ? json_loadb(text, len, JSON_REJECT_DUPLICATES, &je)
			    : json_loads(o->json, JSON_REJECT_DUPLICATES, &je);
	free(text);
	const char *src = o->file ? o->file : "JSON";
	if (d == NULL) {
		fprintf(stderr, "neto intent: %s: invalid JSON: line %d, column %d: %s\n", src, je.line,
			je.column, je.text);
		return NULL;
	}
	if (!json_is_object(d)) {
		fprintf(stderr, "neto intent: %s: the intent must be a JSON object\n", src);
		json_decref(d);
		return NULL;
	}
	const char *kind = json_string_value(json_object_get(d, "kind"));
	if (json_object_get(d, "kind") != NULL && (kind == NULL || strcmp(kind, o->kind) != 0)) {
		fprintf(stderr, "neto intent: %s: \"kind\" says another kind than %s\n", src, o->kind);
		json_decref(d);
		return NULL;
	}
	json_object_set_new(d, "kind", json_string(o->kind));
	char *doc = json_dumps(d, JSON_COMPACT);
	json_decref(d);
	return doc;
}

static int request(const api_client *c, const char *method, const char *path, const char *body,
		   long want, char **resp)
{
	neto_err err;
	long status;
	if (api_client_request(c, method, path, body, body ? strlen(body) : 0, &status, resp,
			       &err) != 0) {
		fprintf(stderr,
			"neto intent: %s\n(is `neto api` or `neto run` serving there? see --api)\n",
			err.msg);
		return 1;
	}
	if (status != want) {
		print_api_error(status, *resp);
		free(*resp);
		*resp = NULL;
		return 1;
	}
	return 0;
}

int cmd_intent(int argc, char **argv)
{
	api_intent_opts o;
	neto_err err;
	if (api_intent_opts_parse(&o, argc, argv, &err) != 0) {
		fprintf(stderr, "neto intent: %s\n(see neto intent --help)\n", err.msg);
		return 2;
	}
	if (o.c.help) {
		fputs(api_intent_usage, stdout);
		return 0;
	}
	char *doc = NULL;
	if (o.cmd == INTENT_ADD) {
		doc = intent_document(&o);
		if (doc == NULL)
			return 2;
		api_intent it;
		api_error ae;
		if (api_intent_parse(doc, strlen(doc), &it, &ae) != 0) {
			fprintf(stderr, "neto intent: invalid %s intent: %s%s%s\n", o.kind, ae.field,
				ae.field[0] ? ": " : "", ae.msg);
			free(doc);
			return 2;
		}
		api_intent_free(&it);
	}
	api_client c;
	if (api_client_resolve(&c, &o.c, &err) != 0) {
		fprintf(stderr, "neto intent: %s\n", err.msg);
		free(doc);
		return 1;
	}
	int status;
	char *resp = NULL;
	char path[64];
	switch (o.cmd) {
	case INTENT_ADD:
		status = request(&c, "POST", "/intents", doc, 201, &resp);
		if (status == 0 && !o.c.json) {
			json_t *d = json_loads(resp, 0, NULL);
			char *body = json_dumps(json_object_get(d, "body"), JSON_COMPACT);
			printf("intent %lld added: %s %s\n",
			       (long long)json_integer_value(json_object_get(d, "id")), o.kind,
			       body ? body : "");
			free(body);
			json_decref(d);
		}
		break;
	case INTENT_LIST:
		status = request(&c, "GET", "/intents", NULL, 200, &resp);
		if (status == 0 && !o.c.json &&
		    api_render(stdout, SHOW_INTENTS, resp, strlen(resp), &err) != 0) {
			fprintf(stderr, "neto intent: %s\n", err.msg);
			status = 1;
		}
		break;
	default:
		snprintf(path, sizeof path, "/intents/%lld", (long long)o.id);
		status = request(&c, "DELETE", path, NULL, 200, &resp);
		if (status == 0 && !o.c.json)
			printf("intent %lld deleted\n", (long long)o.id);
		break;
	}
	if (status == 0 && o.c.json) {
		fputs(resp, stdout);
		fputc('\n', stdout);
	}
	if (fflush(stdout) != 0) {
		perror("neto intent: stdout");
		status = 1;
	}
	free(resp);
	free(doc);
	api_client_free(&c);
	return status;
}
