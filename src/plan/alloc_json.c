/*
 * alloc_json.c - allocations as `neto te --format json` writes them, read
 * back as tunnels with paths and rates (plan.h), and the tunnel and class
 * arrays that plan files share with that format (plan_json.h).
 *
 * The planner trusts what it reads here: a link name that does not exist, a
 * path that does not lead from the tunnel's source to its destination, or a
 * negative rate would make a plan that looks congestion-free on paper and
 * overloads a real link. So every reference is resolved against the
 * topology, every path is walked hop by hop, and every error names the file
 * and the JSON path of the value ("cur.json: demands[12].paths[0].links[3]:
 * unknown link 'x'"). Members that neto does not read (a demand's "demand",
 * a path's "delay", the "links" array) are ignored, so that documents with
 * more fields stay readable.
 *
 * jansson builds the tree; arrays are sized by what it actually parsed, never
 * by a count the input declares. Duplicate object keys are rejected.
 */
#include "plan/plan_json.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"

/* More segments than any router's maximum SID depth is not a segment list. */
#define PLAN_MAX_SEGS 64

/* Above this many paths in one tunnel, repeated paths are found with a hash
 * map instead of pairwise comparison. */
#define PAIRWISE_MAX 16

void plan_alloc_free(plan_alloc *a)
{
	if (a == NULL)
		return;
	for (size_t i = 0; i < a->n_tunnels; i++) {
		plan_alloc_tunnel *tu = &a->tunnels[i];
		for (uint32_t k = 0; k < tu->n_paths; k++) {
			plan_alloc_path *p = &tu->paths[k];
			for (uint32_t j = 0; j < p->n_segs; j++)
				free(p->segs[j]);
			free(p->segs);
			free(p->links);
		}
		free(tu->paths);
		free(tu->cls);
	}
	free(a->tunnels);
	a->tunnels = NULL;
	a->n_tunnels = 0;
}

void plan_classes_init(plan_classes *c)
{
	memset(c, 0, sizeof *c);
	neto_strmap_init(&c->by_name);
}

void plan_classes_free(plan_classes *c)
{
	neto_strmap_free(&c->by_name);
	free(c->prio);
	c->prio = NULL;
	c->n = 0;
}

static int perr(neto_err *err, const char *fname, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int perr(neto_err *err, const char *fname, const char *fmt, ...)
{
	char msg[440];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return neto_err_at(err, fname, 0, "%s", msg);
}

int plan_json_classes(plan_classes *c, const json_t *arr, const char *fname, const char *where,
		      neto_err *err)
{
	if (!json_is_array(arr))
		return perr(err, fname, "%s: missing or not an array", where);
	size_t n = json_array_size(arr);
	c->prio = neto_calloc(n, sizeof *c->prio);
	for (size_t i = 0; i < n; i++) {
		const json_t *o = json_array_get(arr, i);
		if (!json_is_object(o))
			return perr(err, fname, "%s[%zu]: must be an object", where, i);
		const json_t *name = json_object_get(o, "name");
		if (!json_is_string(name) || json_string_length(name) == 0)
			return perr(err, fname, "%s[%zu].name: missing or not a non-empty string",
				    where, i);
		const json_t *pr = json_object_get(o, "priority");
		if (!json_is_integer(pr) || json_integer_value(pr) < 0 ||
		    json_integer_value(pr) > (json_int_t)UINT32_MAX)
			return perr(err, fname,
				    "%s[%zu].priority: missing or not a whole number in 0..%u", where,
				    i, UINT32_MAX);
		uint32_t old;
		if (!neto_strmap_put(&c->by_name, json_string_value(name), json_string_length(name),
				     (uint32_t)i, &old))
			return perr(err, fname, "%s[%zu]: class '%.100s' repeats %s[%u]", where, i,
				    json_string_value(name), where, old);
		c->prio[i] = (uint32_t)json_integer_value(pr);
		c->n = i + 1;
	}
	return 0;
}

typedef struct tctx {
	const topo *t;
	const plan_classes *c;
	const char *fname;
	const char *where;
	neto_err *err;
	uint32_t *seen;   /* per node: stamp of the last path that visited it */
	uint32_t stamp;
} tctx;

bool plan_json_sid_ok(const json_t *v)
{
	if (!json_is_string(v))
		return false;
	size_t n = json_string_length(v);
	if (n == 0 || n >= INET6_ADDRSTRLEN)
		return false;
	uint8_t addr[16];
	return inet_pton(AF_INET6, json_string_value(v), addr) == 1;
}

static uint32_t node_ref(tctx *c, const json_t *tun, size_t ti, const char *key)
{
	const json_t *v = json_object_get(tun, key);
	if (!json_is_string(v)) {
		perr(c->err, c->fname, "%s[%zu].%s: missing or not a node name", c->where, ti, key);
		return TOPO_NONE;
	}
	uint32_t n = topo_find_node(c->t, json_string_value(v), json_string_length(v));
	if (n == TOPO_NONE)
		perr(c->err, c->fname, "%s[%zu].%s: unknown node '%.100s'", c->where, ti, key,
		     json_string_value(v));
	return n;
}

/* Reads paths[pi] of tunnels[ti] into *p (zeroed by the caller; freed by the
 * caller on failure). */
static int parse_path(tctx *c, plan_alloc_path *p, const json_t *jp, uint32_t src, uint32_t dst,
		      size_t ti, size_t pi)
{
	const topo *t = c->t;
	if (!json_is_object(jp))
		return perr(c->err, c->fname, "%s[%zu].paths[%zu]: must be an object", c->where, ti,
			    pi);
	const json_t *links = json_object_get(jp, "links");
	if (!json_is_array(links) || json_array_size(links) == 0)
		return perr(c->err, c->fname,
			    "%s[%zu].paths[%zu].links: missing or not a non-empty array", c->where,
			    ti, pi);
	size_t n = json_array_size(links);
	/* a path that visits no node twice has fewer links than there are
	 * nodes; the walk below stops at the first repeat, so this only
	 * bounds the allocation */
	if (n >= t->n_nodes)
		return perr(c->err, c->fname,
			    "%s[%zu].paths[%zu].links: %zu links, more than a path through %u "
			    "nodes can have",
			    c->where, ti, pi, n, t->n_nodes);
	p->links = neto_calloc(n, sizeof *p->links);
	if (++c->stamp == 0) {
		memset(c->seen, 0, (size_t)t->n_nodes * sizeof *c->seen);
		c->stamp = 1;
	}
	c->seen[src] = c->stamp;
	uint32_t at = src;
	for (size_t i = 0; i < n; i++) {
		const json_t *v = json_array_get(links, i);
		if (!json_is_string(v))
			return perr(c->err, c->fname,
				    "%s[%zu].paths[%zu].links[%zu]: not a link id (string)", c->where,
				    ti, pi, i);
		uint32_t l = topo_find_link(t, json_string_value(v), json_string_length(v));
		if (l == TOPO_NONE)
			return perr(c->err, c->fname, "%s[%zu].paths[%zu].links[%zu]: unknown link '%.100s'",
				    c->where, ti, pi, i, json_string_value(v));
		const topo_link *lk = &t->links[l];
		if (lk->src != at)
			return perr(c->err, c->fname,
				    "%s[%zu].paths[%zu].links[%zu]: link '%.100s' starts at node "
				    "'%.100s', not at '%.100s' where the path is",
				    c->where, ti, pi, i, lk->id, t->nodes[lk->src].name,
				    t->nodes[at].name);
		if (c->seen[lk->dst] == c->stamp)
			return perr(c->err, c->fname,
				    "%s[%zu].paths[%zu].links[%zu]: the path visits node '%.100s' twice",
				    c->where, ti, pi, i, t->nodes[lk->dst].name);
		c->seen[lk->dst] = c->stamp;
		at = lk->dst;
		p->links[i] = l;
		p->n_links = (uint32_t)(i + 1);
	}
	if (at != dst)
		return perr(c->err, c->fname,
			    "%s[%zu].paths[%zu].links: the path ends at node '%.100s', not at the "
			    "tunnel's dst '%.100s'",
			    c->where, ti, pi, t->nodes[at].name, t->nodes[dst].name);

	const json_t *rate = json_object_get(jp, "rate");
	if (!json_is_number(rate) || !isfinite(json_number_value(rate)) ||
	    !(json_number_value(rate) >= 0))
		return perr(c->err, c->fname, "%s[%zu].paths[%zu].rate: missing or not a number >= 0",
			    c->where, ti, pi);
	p->rate = json_number_value(rate);

	const json_t *segs = json_object_get(jp, "segments");
	if (segs == NULL)
		return 0;
	if (!json_is_array(segs))
		return perr(c->err, c->fname, "%s[%zu].paths[%zu].segments: not an array", c->where,
			    ti, pi);
	size_t ns = json_array_size(segs);
	if (ns > PLAN_MAX_SEGS)
		return perr(c->err, c->fname,
			    "%s[%zu].paths[%zu].segments: %zu segments, more than %d", c->where, ti,
			    pi, ns, PLAN_MAX_SEGS);
	p->segs = neto_calloc(ns, sizeof *p->segs);
	for (size_t i = 0; i < ns; i++) {
		const json_t *v = json_array_get(segs, i);
		if (!plan_json_sid_ok(v))
			return perr(c->err, c->fname,
				    "%s[%zu].paths[%zu].segments[%zu]: not an IPv6 address (SRv6 SID)",
				    c->where, ti, pi, i);
		p->segs[i] = neto_strndup(json_string_value(v), json_string_length(v));
		p->n_segs = (uint32_t)(i + 1);
	}
	return 0;
}

static bool same_links(const plan_alloc_path *a, const plan_alloc_path *b)
{
	return a->n_links == b->n_links &&
	       memcmp(a->links, b->links, a->n_links * sizeof *a->links) == 0;
}

/* Finds a path of tu that repeats an earlier one: returns 0, or -1 with the
 * message. */
static int check_repeats(tctx *c, const plan_alloc_tunnel *tu, size_t ti)
{
	if (tu->n_paths <= PAIRWISE_MAX) {
		for (uint32_t i = 1; i < tu->n_paths; i++)
			for (uint32_t j = 0; j < i; j++)
				if (same_links(&tu->paths[i], &tu->paths[j]))
					return perr(c->err, c->fname,
						    "%s[%zu].paths[%u]: same links as paths[%u]",
						    c->where, ti, i, j);
		return 0;
	}
	neto_strmap m;
	neto_strmap_init(&m);
	int rc = 0;
	for (uint32_t i = 0; i < tu->n_paths && rc == 0; i++) {
		const plan_alloc_path *p = &tu->paths[i];
		uint32_t old;
		if (!neto_strmap_put(&m, (const char *)p->links, p->n_links * sizeof *p->links, i,
				     &old))
			rc = perr(c->err, c->fname, "%s[%zu].paths[%u]: same links as paths[%u]",
				  c->where, ti, i, old);
	}
	neto_strmap_free(&m);
	return rc;
}

static int parse_tunnel(tctx *c, plan_alloc_tunnel *tu, const json_t *jt, size_t ti,
			neto_strmap *keys)
{
	if (!json_is_object(jt))
		return perr(c->err, c->fname, "%s[%zu]: must be an object", c->where, ti);
	uint32_t src = node_ref(c, jt, ti, "src");
	if (src == TOPO_NONE)
		return -1;
	uint32_t dst = node_ref(c, jt, ti, "dst");
	if (dst == TOPO_NONE)
		return -1;
	if (src == dst)
		return perr(c->err, c->fname, "%s[%zu]: src and dst are the same node '%.100s'",
			    c->where, ti, c->t->nodes[src].name);
	const json_t *cls = json_object_get(jt, "class");
	if (!json_is_string(cls))
		return perr(c->err, c->fname, "%s[%zu].class: missing or not a class name", c->where,
			    ti);
	uint32_t ci;
	if (!neto_strmap_get(&c->c->by_name, json_string_value(cls), json_string_length(cls), &ci))
		return perr(c->err, c->fname, "%s[%zu].class: unknown class '%.100s'", c->where, ti,
			    json_string_value(cls));
	tu->src = src;
	tu->dst = dst;
	tu->cls = neto_strndup(json_string_value(cls), json_string_length(cls));
	tu->priority = c->c->prio[ci];

	uint32_t key[3] = { src, dst, ci }, old;
	if (!neto_strmap_put(keys, (const char *)key, sizeof key, (uint32_t)ti, &old))
		return perr(c->err, c->fname,
			    "%s[%zu]: tunnel '%.100s' -> '%.100s' class '%.100s' repeats %s[%u]",
			    c->where, ti, c->t->nodes[src].name, c->t->nodes[dst].name, tu->cls,
			    c->where, old);

	const json_t *paths = json_object_get(jt, "paths");
	if (!json_is_array(paths))
		return perr(c->err, c->fname, "%s[%zu].paths: missing or not an array", c->where, ti);
	size_t np = json_array_size(paths);
	if (np > UINT32_MAX)
		return perr(c->err, c->fname, "%s[%zu].paths: too many paths", c->where, ti);
	tu->paths = neto_calloc(np, sizeof *tu->paths);
	for (size_t k = 0; k < np; k++) {
		/* count it first, so that the caller frees what it holds */
		tu->n_paths = (uint32_t)(k + 1);
		if (parse_path(c, &tu->paths[k], json_array_get(paths, k), src, dst, ti, k) != 0)
			return -1;
	}
	return check_repeats(c, tu, ti);
}

int plan_json_tunnels(plan_alloc *a, const topo *t, const plan_classes *cl, const json_t *arr,
		      const char *fname, const char *where, neto_err *err)
{
	if (!json_is_array(arr))
		return perr(err, fname, "%s: missing or not an array", where);
	size_t n = json_array_size(arr);
	tctx c = { .t = t, .c = cl, .fname = fname, .where = where, .err = err };
	c.seen = neto_calloc(t->n_nodes, sizeof *c.seen);
	neto_strmap keys;
	neto_strmap_init(&keys);
	a->tunnels = neto_calloc(n, sizeof *a->tunnels);
	a->n_tunnels = 0;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		a->n_tunnels = i + 1;
		rc = parse_tunnel(&c, &a->tunnels[i], json_array_get(arr, i), i, &keys);
	}
	neto_strmap_free(&keys);
	free(c.seen);
	if (rc != 0)
		plan_alloc_free(a);
	return rc;
}

int plan_alloc_parse(plan_alloc *a, const topo *t, const char *buf, size_t len,
		     const char *fname, neto_err *err)
{
	memset(a, 0, sizeof *a);
	json_error_t je;
	json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL)
		return neto_err_at(err, fname, je.line > 0 ? (unsigned)je.line : 0,
				   "invalid JSON: %s (column %d)", je.text, je.column);
	plan_classes cl;
	plan_classes_init(&cl);
	int rc = 0;
	if (!json_is_object(root)) {
		rc = perr(err, fname, "top level must be an object");
		goto done;
	}
	const json_t *sum = json_object_get(root, "summary");
	if (sum != NULL) {
		if (!json_is_object(sum)) {
			rc = perr(err, fname, "summary: not an object");
			goto done;
		}
		const json_t *unit = json_object_get(sum, "unit");
		if (unit != NULL && !json_is_null(unit)) {
			if (!json_is_string(unit)) {
				rc = perr(err, fname, "summary.unit: not a string");
				goto done;
			}
			if (t->unit != NULL && strcmp(t->unit, json_string_value(unit)) != 0) {
				rc = perr(err, fname,
					  "summary.unit: rates in '%.60s', but the topology's "
					  "capacities are in '%.60s'",
					  json_string_value(unit), t->unit);
				goto done;
			}
		}
	}
	rc = plan_json_classes(&cl, json_object_get(root, "classes"), fname, "classes", err);
	if (rc == 0)
		rc = plan_json_tunnels(a, t, &cl, json_object_get(root, "demands"), fname,
				       "demands", err);
done:
	plan_classes_free(&cl);
	json_decref(root);
	if (rc != 0)
		plan_alloc_free(a);
	return rc;
}
