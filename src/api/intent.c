/*
 * intent.c - validation of intent documents (api.h), the only input of the
 * API that changes anything. Pure: no store, no I/O; the fuzz target
 * fuzz/fuzz_intent.c feeds it arbitrary bytes.
 *
 * The document is read with Jansson (duplicate keys rejected, NUL in strings
 * rejected) and rebuilt member by member into a new object, so that what is
 * stored holds only the members checked here, in a fixed order: the stored
 * body of two equivalent requests is the same text. Every error names the
 * JSON path of the value at fault.
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "lib/mem.h"

__attribute__((format(printf, 3, 4))) static int bad(api_error *e, const char *field,
						     const char *fmt, ...)
{
	if (e == NULL)
		return -1;
	snprintf(e->field, sizeof e->field, "%s", field ? field : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return -1;
}

/* Members of o other than those listed are errors. */
static int only_members(json_t *o, const char *const *allowed, const char *prefix,
			api_error *e)
{
	const char *key;
	json_t *v;
	json_object_foreach(o, key, v)
	{
		bool ok = false;
		for (size_t i = 0; allowed[i] != NULL && !ok; i++)
			ok = strcmp(key, allowed[i]) == 0;
		if (!ok) {
			char f[128];
			snprintf(f, sizeof f, "%s%.100s", prefix, key);
			return bad(e, f, "unknown member");
		}
	}
	return 0;
}

static bool name_ok(const char *s, size_t n)
{
	if (n == 0 || n > API_MAX_NAME)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

/* A name (node, link, class) at FIELD: a non-empty string without control
 * characters, at most API_MAX_NAME bytes. */
static const char *get_name(const json_t *v, const char *field, api_error *e)
{
	if (v == NULL) {
		bad(e, field, "missing");
		return NULL;
	}
	if (!json_is_string(v)) {
		bad(e, field, "must be a string");
		return NULL;
	}
	if (!name_ok(json_string_value(v), json_string_length(v))) {
		bad(e, field, "must be 1 to %d bytes without control characters", API_MAX_NAME);
		return NULL;
	}
	return json_string_value(v);
}

static int add_name(json_t *out, const json_t *in, const char *key, api_error *e)
{
	const char *s = get_name(json_object_get(in, key), key, e);
	if (s == NULL)
		return -1;
	json_object_set_new(out, key, json_string(s));
	return 0;
}

static int parse_drain_link(json_t *in, json_t *out, api_error *e)
{
	static const char *const allowed[] = { "kind", "src", "dst", "link", NULL };
	if (only_members(in, allowed, "", e) != 0)
		return -1;
	bool has_link = json_object_get(in, "link") != NULL;
	bool has_ends = json_object_get(in, "src") != NULL || json_object_get(in, "dst") != NULL;
	if (has_link && has_ends)
		return bad(e, "link", "give either \"link\" or \"src\" and \"dst\", not both");
	if (has_link)
		return add_name(out, in, "link", e);
	if (add_name(out, in, "src", e) != 0 || add_name(out, in, "dst", e) != 0)
		return -1;
	if (strcmp(json_string_value(json_object_get(out, "src")),
		   json_string_value(json_object_get(out, "dst"))) == 0)
		return bad(e, "dst", "same node as src");
	return 0;
}

static int parse_drain_router(json_t *in, json_t *out, api_error *e)
{
	static const char *const allowed[] = { "kind", "router", NULL };
	if (only_members(in, allowed, "", e) != 0)
		return -1;
	return add_name(out, in, "router", e);
}

/* A whole number in lo..hi (JSON integers only: 2.0 is not one). */
static int get_int(const json_t *v, const char *field, json_int_t lo, json_int_t hi,
		   json_int_t *out, api_error *e)
{
	if (v == NULL)
		return bad(e, field, "missing");
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
		return bad(e, field, "must be a whole number in %lld..%lld", (long long)lo,
			   (long long)hi);
	*out = json_integer_value(v);
	return 0;
}

static int parse_classes(json_t *in, json_t *out, api_error *e)
{
	static const char *const allowed[] = { "kind", "classes", NULL };
	static const char *const cls_allowed[] = { "name", "priority", "k", NULL };
	if (only_members(in, allowed, "", e) != 0)
		return -1;
	const json_t *arr = json_object_get(in, "classes");
	if (arr == NULL)
		return bad(e, "classes", "missing");
	if (!json_is_array(arr) || json_array_size(arr) == 0 ||
	    json_array_size(arr) > API_MAX_CLASSES)
		return bad(e, "classes", "must be an array of 1 to %d classes", API_MAX_CLASSES);
	json_t *list = json_array();
	json_object_set_new(out, "classes", list);
	size_t i;
	json_t *c;
	json_array_foreach(arr, i, c)
	{
		char f[128], prefix[64];
		snprintf(prefix, sizeof prefix, "classes[%zu].", i);
		if (!json_is_object(c)) {
			snprintf(f, sizeof f, "classes[%zu]", i);
			return bad(e, f, "must be an object");
		}
		if (only_members(c, cls_allowed, prefix, e) != 0)
			return -1;
		snprintf(f, sizeof f, "%sname", prefix);
		const char *name = get_name(json_object_get(c, "name"), f, e);
		if (name == NULL)
			return -1;
		for (size_t j = 0; j < i; j++)
			if (strcmp(json_string_value(json_object_get(json_array_get(list, j), "name")),
				   name) == 0)
				return bad(e, f, "class '%.60s' given twice", name);
		json_int_t prio = 0, k = 4;
		snprintf(f, sizeof f, "%spriority", prefix);
		if (get_int(json_object_get(c, "priority"), f, 0, 1000000, &prio, e) != 0)
			return -1;
		snprintf(f, sizeof f, "%sk", prefix);
		if (json_object_get(c, "k") != NULL &&
		    get_int(json_object_get(c, "k"), f, 1, 64, &k, e) != 0)
			return -1;
		json_t *o = json_object();
		json_object_set_new(o, "name", json_string(name));
		json_object_set_new(o, "priority", json_integer(prio));
		json_object_set_new(o, "k", json_integer(k));
		json_array_append_new(list, o);
	}
	return 0;
}

static int parse_share(json_t *in, json_t *out, api_error *e)
{
	static const char *const allowed[] = { "kind", "class", "share", "pairs", NULL };
	if (only_members(in, allowed, "", e) != 0)
		return -1;
	if (add_name(out, in, "class", e) != 0)
		return -1;
	const json_t *sv = json_object_get(in, "share");
	if (sv == NULL)
		return bad(e, "share", "missing");
	if (!json_is_number(sv) || !(json_number_value(sv) >= 0 && json_number_value(sv) <= 1))
		return bad(e, "share", "must be a number in [0, 1]");
	json_object_set_new(out, "share", json_real(json_number_value(sv)));
	const json_t *pairs = json_object_get(in, "pairs");
	if (pairs == NULL)
		return 0;
	if (!json_is_array(pairs) || json_array_size(pairs) == 0 ||
	    json_array_size(pairs) > API_MAX_PAIRS)
		return bad(e, "pairs", "must be an array of 1 to %d [src, dst] pairs", API_MAX_PAIRS);
	json_t *list = json_array();
	json_object_set_new(out, "pairs", list);
	size_t i;
	const json_t *p;
	json_array_foreach(pairs, i, p)
	{
		char f[64];
		snprintf(f, sizeof f, "pairs[%zu]", i);
		if (!json_is_array(p) || json_array_size(p) != 2)
			return bad(e, f, "must be an array of two node names");
		const char *ends[2];
		for (size_t k = 0; k < 2; k++) {
			char g[80];
			snprintf(g, sizeof g, "pairs[%zu][%zu]", i, k);
			ends[k] = get_name(json_array_get(p, k), g, e);
			if (ends[k] == NULL)
				return -1;
		}
		if (strcmp(ends[0], ends[1]) == 0)
			return bad(e, f, "a pair of the same node");
		json_array_append_new(list, json_pack("[ss]", ends[0], ends[1]));
	}
	return 0;
}

static int parse_pin(json_t *in, json_t *out, api_error *e)
{
	static const char *const allowed[] = { "kind", "src", "dst", "class", "path", NULL };
	if (only_members(in, allowed, "", e) != 0)
		return -1;
	if (add_name(out, in, "src", e) != 0 || add_name(out, in, "dst", e) != 0 ||
	    add_name(out, in, "class", e) != 0)
		return -1;
	const char *src = json_string_value(json_object_get(out, "src"));
	const char *dst = json_string_value(json_object_get(out, "dst"));
	if (strcmp(src, dst) == 0)
		return bad(e, "dst", "same node as src");
	const json_t *path = json_object_get(in, "path");
	if (path == NULL)
		return bad(e, "path", "missing");
	size_t n = json_is_array(path) ? json_array_size(path) : 0;
	if (n < 2 || n > API_MAX_PATH)
		return bad(e, "path", "must be an array of 2 to %d node names", API_MAX_PATH);
	json_t *list = json_array();
	json_object_set_new(out, "path", list);
	for (size_t i = 0; i < n; i++) {
		char f[64];
		snprintf(f, sizeof f, "path[%zu]", i);
		const char *v = get_name(json_array_get(path, i), f, e);
		if (v == NULL)
			return -1;
		if (i == 0 && strcmp(v, src) != 0)
			return bad(e, f, "the path must start at src");
		if (i == n - 1 && strcmp(v, dst) != 0)
			return bad(e, f, "the path must end at dst");
		for (size_t j = 0; j < i; j++)
			if (strcmp(json_string_value(json_array_get(list, j)), v) == 0)
				return bad(e, f, "node '%.60s' visited twice", v);
		json_array_append_new(list, json_string(v));
	}
	return 0;
}

int api_intent_parse(const char *buf, size_t len, api_intent *out, api_error *err)
{
	memset(out, 0, sizeof *out);
	if (len > API_MAX_BODY)
		return bad(err, NULL, "body larger than %zu bytes", (size_t)API_MAX_BODY);
	json_error_t je;
	json_t *in = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (in == NULL)
		return bad(err, NULL, "invalid JSON: line %d, column %d: %.150s", je.line, je.column,
			   je.text);
	int rc = -1;
	json_t *body = json_object();
	if (!json_is_object(in)) {
		bad(err, NULL, "an intent is a JSON object");
		goto done;
	}
	const json_t *kv = json_object_get(in, "kind");
	if (kv == NULL) {
		bad(err, "kind", "missing");
		goto done;
	}
	if (!json_is_string(kv)) {
		bad(err, "kind", "must be a string");
		goto done;
	}
	static const struct {
		const char *kind;
		int (*fn)(json_t *, json_t *, api_error *);
	} kinds[] = {
		{ "drain-link", parse_drain_link }, { "drain-router", parse_drain_router },
		{ "classes", parse_classes },       { "share", parse_share },
		{ "pin", parse_pin },
	};
	const char *kind = json_string_value(kv);
	size_t k = 0;
	while (k < sizeof kinds / sizeof kinds[0] && strcmp(kinds[k].kind, kind) != 0)
		k++;
	if (k == sizeof kinds / sizeof kinds[0]) {
		bad(err, "kind", "unknown kind '%.60s' (drain-link, drain-router, classes, share, pin)",
		    kind);
		goto done;
	}
	if (kinds[k].fn(in, body, err) != 0)
		goto done;
	char *text = json_dumps(body, JSON_COMPACT);
	if (text == NULL)
		abort(); /* out of memory: the project's policy */
	out->kind = neto_strdup(kinds[k].kind);
	out->body = neto_strdup(text);
	free(text);
	rc = 0;
done:
	json_decref(body);
	json_decref(in);
	return rc;
}

void api_intent_free(api_intent *it)
{
	free(it->kind);
	free(it->body);
	memset(it, 0, sizeof *it);
}
