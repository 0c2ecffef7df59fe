/*
 * intents.c - what the operator's intents mean for one controller cycle
 * (ctl.h). The API validated each body when it was made (docs/api.md); here
 * they are resolved against the current topology and class set. An intent
 * that names a link, router or class the network no longer has is skipped
 * with a warning: the topology may have changed since, and one stale intent
 * must not stop traffic engineering for everything else.
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"
#include "lib/mem.h"
#include "lib/strbuf.h"

void ctl_intents_init(ctl_intents *in)
{
	memset(in, 0, sizeof *in);
	class_set_init(&in->classes);
}

void ctl_intents_free(ctl_intents *in)
{
	free(in->link_off);
	free(in->class_share);
	free(in->pair_share);
	for (size_t i = 0; i < in->n_pins; i++)
		free(in->pins[i].links);
	free(in->pins);
	class_set_free(&in->classes);
	free(in->warnings);
	ctl_intents_init(in);
}

const class_set *ctl_intents_classes(const ctl_intents *in, const class_set *def)
{
	return in->have_classes ? &in->classes : def;
}

static const char *str_member(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static uint32_t node_of(const topo *t, const char *name)
{
	return name ? topo_find_node(t, name, strlen(name)) : TOPO_NONE;
}

static int read_classes(ctl_intents *in, const store_intent *it, const json_t *o,
			neto_err *err)
{
	const json_t *arr = json_object_get(o, "classes");
	if (!json_is_array(arr) || json_array_size(arr) == 0)
		return neto_err_set(err, "intent %lld: classes: expected a non-empty array",
				    (long long)it->id);
	class_set_free(&in->classes);
	class_set_init(&in->classes);
	size_t i;
	const json_t *c;
	json_array_foreach(arr, i, c)
	{
		const char *name = str_member(c, "name");
		const json_t *pr = json_object_get(c, "priority");
		const json_t *k = json_object_get(c, "k");
		if (k == NULL)
			k = json_object_get(c, "paths");
		if (name == NULL || !json_is_integer(pr) || json_integer_value(pr) < 0 ||
		    (k && !json_is_integer(k)))
			return neto_err_set(err, "intent %lld: classes[%zu]: bad class",
					    (long long)it->id, i);
		json_int_t kk = k ? json_integer_value(k) : TE_DEFAULT_K;
		if (kk < 1 || kk > TE_MAX_K)
			return neto_err_set(err, "intent %lld: classes[%zu]: k must be 1..%d",
					    (long long)it->id, i, TE_MAX_K);
		if (class_set_add(&in->classes, name, strlen(name),
				  (uint32_t)json_integer_value(pr), (uint32_t)kk, TE_LAT_LOW, 0,
				  err) != 0)
			return -1;
	}
	in->have_classes = true;
	return 0;
}

static void drain_pair(ctl_intents *in, const topo *t, uint32_t a, uint32_t b)
{
	for (uint32_t l = 0; l < t->n_links; l++)
		if ((t->links[l].src == a && t->links[l].dst == b) ||
		    (t->links[l].src == b && t->links[l].dst == a)) {
			in->n_drained_links += !in->link_off[l];
			in->link_off[l] = true;
		}
}

static void read_drain_link(ctl_intents *in, const topo *t, const store_intent *it,
			    const json_t *o)
{
	const char *id = str_member(o, "link");
	if (id) {
		uint32_t l = topo_find_link(t, id, strlen(id));
		if (l == TOPO_NONE) {
			neto_append_line(&in->warnings, "intent %lld: drain-link: no link '%s'", (long long)it->id, id);
			return;
		}
		in->n_drained_links += !in->link_off[l];
		in->link_off[l] = true;
		return;
	}
	uint32_t a = node_of(t, str_member(o, "src")), b = node_of(t, str_member(o, "dst"));
	if (a == TOPO_NONE || b == TOPO_NONE) {
		neto_append_line(&in->warnings, "intent %lld: drain-link: unknown node", (long long)it->id);
		return;
	}
	drain_pair(in, t, a, b);
}

static void read_drain_router(ctl_intents *in, const topo *t, const store_intent *it,
			      const json_t *o)
{
	const char *r = str_member(o, "router");
	uint32_t v = node_of(t, r);
	if (v == TOPO_NONE) {
		neto_append_line(&in->warnings, "intent %lld: drain-router: no router '%s'", (long long)it->id,
		     r ? r : "");
		return;
	}
	for (uint32_t l = 0; l < t->n_links; l++)
		if (t->links[l].src == v || t->links[l].dst == v) {
			in->n_drained_links += !in->link_off[l];
			in->link_off[l] = true;
		}
}

static void read_share(ctl_intents *in, const topo *t, const class_set *cs,
		       const store_intent *it, const json_t *o)
{
	const json_t *sv = json_object_get(o, "share");
	if (!json_is_number(sv) || json_number_value(sv) < 0 || json_number_value(sv) > 1) {
		neto_append_line(&in->warnings, "intent %lld: share: must be a number in [0, 1]", (long long)it->id);
		return;
	}
	double share = json_number_value(sv);
	const char *cname = str_member(o, "class");
	uint32_t c = UINT32_MAX;
	if (cname) {
		c = class_find(cs, cname, strlen(cname));
		if (c == UINT32_MAX) {
			neto_append_line(&in->warnings, "intent %lld: share: no class '%s'", (long long)it->id, cname);
			return;
		}
	}
	const json_t *pairs = json_object_get(o, "pairs");
	if (!json_is_array(pairs) || json_array_size(pairs) == 0) {
		for (uint32_t k = 0; k < cs->n; k++)
			if (c == UINT32_MAX || c == k)
				in->class_share[k] = share;
		return;
	}
	size_t i;
	const json_t *p;
	json_array_foreach(pairs, i, p)
	{
		uint32_t a = node_of(t, json_string_value(json_array_get(p, 0)));
		uint32_t b = node_of(t, json_string_value(json_array_get(p, 1)));
		if (a == TOPO_NONE || b == TOPO_NONE) {
			neto_append_line(&in->warnings, "intent %lld: share: pairs[%zu]: unknown node", (long long)it->id,
			     i);
			continue;
		}
		in->pair_share = neto_reallocarray(in->pair_share, in->n_pair_share + 1,
						   sizeof *in->pair_share);
		in->pair_share[in->n_pair_share++] =
			(struct ctl_pair_share){ .src = a, .dst = b, .cls = c, .share = share };
	}
}

/* The lowest-delay up link from a to b, or TOPO_NONE. */
static uint32_t link_between(const topo *t, uint32_t a, uint32_t b)
{
	uint32_t best = TOPO_NONE;
	for (uint32_t i = t->out_off[a]; i < t->out_off[a + 1]; i++) {
		uint32_t l = t->out_links[i];
		if (t->links[l].dst == b && t->links[l].up &&
		    (best == TOPO_NONE || t->links[l].delay < t->links[best].delay))
			best = l;
	}
	return best;
}

static void read_pin(ctl_intents *in, const topo *t, const class_set *cs,
		     const store_intent *it, const json_t *o)
{
	const char *cname = str_member(o, "class");
	uint32_t c = cname ? class_find(cs, cname, strlen(cname)) : UINT32_MAX;
	uint32_t a = node_of(t, str_member(o, "src")), b = node_of(t, str_member(o, "dst"));
	const json_t *path = json_object_get(o, "path");
	if (c == UINT32_MAX || a == TOPO_NONE || b == TOPO_NONE || !json_is_array(path) ||
	    json_array_size(path) < 2) {
		neto_append_line(&in->warnings, "intent %lld: pin: unknown class or node, or no path", (long long)it->id);
		return;
	}
	size_t n = json_array_size(path);
	uint32_t *links = neto_reallocarray(NULL, n, sizeof *links);
	uint32_t prev = node_of(t, json_string_value(json_array_get(path, 0)));
	bool ok = prev == a;
	for (size_t i = 1; ok && i < n; i++) {
		uint32_t v = node_of(t, json_string_value(json_array_get(path, i)));
		links[i - 1] = v == TOPO_NONE ? TOPO_NONE : link_between(t, prev, v);
		ok = links[i - 1] != TOPO_NONE && !in->link_off[links[i - 1]];
		prev = v;
	}
	if (!ok || prev != b) {
		neto_append_line(&in->warnings, "intent %lld: pin: the path is not a chain of usable links from %s to %s",
		     (long long)it->id, t->nodes[a].name, t->nodes[b].name);
		free(links);
		return;
	}
	in->pins = neto_reallocarray(in->pins, in->n_pins + 1, sizeof *in->pins);
	in->pins[in->n_pins++] = (struct ctl_pin){
		.src = a, .dst = b, .cls = c, .links = links, .n_links = (uint32_t)(n - 1)
	};
}

int ctl_intents_read(ctl_intents *in, const topo *t, const class_set *def,
		     const store_intent *v, size_t n, neto_err *err)
{
	json_t **doc = neto_calloc(n ? n : 1, sizeof *doc);
	int rc = -1;
	for (size_t i = 0; i < n; i++) {
		json_error_t je;
		doc[i] = json_loads(v[i].body, JSON_REJECT_DUPLICATES, &je);
		if (!json_is_object(doc[i])) {
			neto_err_set(err, "intent %lld: body is not a JSON object", (long long)v[i].id);
			goto done;
		}
	}
	/* classes first: the other intents name classes */
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].kind, "classes") == 0 && read_classes(in, &v[i], doc[i], err) != 0)
			goto done;
	const class_set *cs = ctl_intents_classes(in, def);
	in->link_off = neto_calloc(t->n_links ? t->n_links : 1, sizeof *in->link_off);
	in->class_share = neto_malloc((cs->n ? cs->n : 1) * sizeof *in->class_share);
	for (uint32_t k = 0; k < cs->n; k++)
		in->class_share[k] = 1.0;
	/* drains before pins: a pinned path may not cross a drained link */
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i].kind, "drain-link") == 0)
			read_drain_link(in, t, &v[i], doc[i]);
		else if (strcmp(v[i].kind, "drain-router") == 0)
			read_drain_router(in, t, &v[i], doc[i]);
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i].kind, "share") == 0)
			read_share(in, t, cs, &v[i], doc[i]);
		else if (strcmp(v[i].kind, "pin") == 0)
			read_pin(in, t, cs, &v[i], doc[i]);
		else if (strcmp(v[i].kind, "classes") != 0 && strcmp(v[i].kind, "drain-link") != 0 &&
			 strcmp(v[i].kind, "drain-router") != 0)
			neto_append_line(&in->warnings, "intent %lld: unknown kind '%s'", (long long)v[i].id, v[i].kind);
	}
	rc = 0;
done:
	for (size_t i = 0; i < n; i++)
		json_decref(doc[i]);
	free(doc);
	return rc;
}
