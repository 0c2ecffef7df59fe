/*
 * te_fairness.c - compares two allocations of the same instance, one from the
 * heuristic engine and one from the exact (LP) engine.
 *
 * Usage: te_fairness HEUR.json EXACT.json
 *
 * Both files are outputs of `neto te --format json`. Demands are matched by
 * (src, dst, class); the two files must hold the same set of demands with the
 * same offered rates, else the tool exits with status 1.
 *
 * The quality number is the fairness measure of Soroush (Namyar et al.,
 * NSDI'24): the geometric mean over demands of
 *
 *     min(a / o, o / a)
 *
 * where a is the rate the heuristic allocates to the demand and o the rate the
 * exact engine allocates, both first raised to at least theta = 1e-4 x the
 * mean offered rate of the instance (mean over all its demands), so that a
 * demand both engines starve counts as a perfect match and a near-zero rate on
 * one side does not send the mean to zero. 1 means identical allocations.
 * Next to it, total_ratio = total allocated by the heuristic / total allocated
 * by the exact engine (1 when both are zero).
 *
 * Output: a table per class (in priority order) and overall, then one
 * machine-readable line, the last one: `fairness=<x> total_ratio=<y>`.
 * This is a benchmark tool: it reads whole files with jansson and keeps
 * everything in memory; the inputs come from neto itself.
 */
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"
#include "lib/strmap.h"

#define THETA_FACTOR 1e-4

typedef struct fd_entry {
	const char *src, *dst, *cls; /* borrowed from the JSON document */
	double demand, allocated;
} fd_entry;

typedef struct fd_run {
	const char *path;
	json_t *root;
	fd_entry *v;
	size_t n;
	double compute_seconds; /* summary.compute_seconds, or NAN */
} fd_run;

typedef struct fd_class {
	const char *name;
	long long priority; /* from the "classes" array; -1 if absent */
	size_t first;       /* order of first appearance, to break ties */
	size_t n;
	double sum_log;     /* sum of log(min(a/o, o/a)) */
	double worst;       /* smallest min(a/o, o/a) */
	double demand, heur, exact;
} fd_class;

static const char *fd_str(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool fd_num(json_t *obj, const char *key, double *out)
{
	json_t *v = json_object_get(obj, key);
	if (!json_is_number(v))
		return false;
	*out = json_number_value(v);
	return isfinite(*out);
}

/* Loads one `neto te --format json` output. Returns 0, or -1 with a message
 * on stderr. */
static int fd_load(fd_run *r, const char *path)
{
	json_error_t jerr;

	memset(r, 0, sizeof(*r));
	r->path = path;
	r->compute_seconds = (double)NAN;
	r->root = json_load_file(path, 0, &jerr);
	if (!r->root) {
		if (jerr.line > 0)
			fprintf(stderr, "te_fairness: %s:%d: %s\n", path, jerr.line, jerr.text);
		else
			fprintf(stderr, "te_fairness: %s\n", jerr.text);
		return -1;
	}
	json_t *dem = json_object_get(r->root, "demands");
	if (!json_is_array(dem)) {
		fprintf(stderr, "te_fairness: %s: no \"demands\" array\n", path);
		return -1;
	}
	r->n = json_array_size(dem);
	r->v = neto_calloc(r->n ? r->n : 1, sizeof(*r->v));
	for (size_t i = 0; i < r->n; i++) {
		json_t *d = json_array_get(dem, i);
		fd_entry *e = &r->v[i];
		e->src = fd_str(d, "src");
		e->dst = fd_str(d, "dst");
		e->cls = fd_str(d, "class");
		if (!e->src || !e->dst || !e->cls || !fd_num(d, "demand", &e->demand) ||
		    !fd_num(d, "allocated", &e->allocated)) {
			fprintf(stderr,
				"te_fairness: %s: demand %zu: want src, dst, class, demand, allocated\n",
				path, i);
			return -1;
		}
	}
	json_t *sum = json_object_get(r->root, "summary");
	double s;
	if (json_is_object(sum) && fd_num(sum, "compute_seconds", &s))
		r->compute_seconds = s;
	return 0;
}

static void fd_free(fd_run *r)
{
	free(r->v);
	if (r->root)
		json_decref(r->root);
}

/* Key of a demand: the three names joined by a byte no name contains. */
static size_t fd_key(const fd_entry *e, char **buf, size_t *cap)
{
	size_t a = strlen(e->src), b = strlen(e->dst), c = strlen(e->cls);
	size_t need = a + b + c + 3;
	if (need > *cap) {
		*cap = need * 2;
		*buf = neto_realloc(*buf, *cap);
	}
	char *p = *buf;
	memcpy(p, e->src, a);
	p[a] = '\x1f';
	memcpy(p + a + 1, e->dst, b);
	p[a + 1 + b] = '\x1f';
	memcpy(p + a + b + 2, e->cls, c);
	return a + b + c + 2;
}

static uint32_t fd_class_index(fd_class **cls, size_t *n, neto_strmap *by_name,
			       const char *name)
{
	uint32_t idx;
	if (neto_strmap_get(by_name, name, strlen(name), &idx))
		return idx;
	*cls = neto_reallocarray(*cls, *n + 1, sizeof(**cls));
	fd_class *c = &(*cls)[*n];
	memset(c, 0, sizeof(*c));
	c->name = name;
	c->priority = -1;
	c->first = *n;
	c->worst = 1.0;
	idx = (uint32_t)*n;
	neto_strmap_put(by_name, name, strlen(name), idx, NULL);
	(*n)++;
	return idx;
}

static int fd_class_cmp(const void *pa, const void *pb)
{
	const fd_class *a = pa, *b = pb;
	/* classes without a known priority (-1) go last */
	long long qa = a->priority < 0 ? (long long)1 << 62 : a->priority;
	long long qb = b->priority < 0 ? (long long)1 << 62 : b->priority;
	if (qa != qb)
		return qa < qb ? -1 : 1;
	return a->first < b->first ? -1 : a->first > b->first;
}

static double fd_ratio(double num, double den)
{
	if (den > 0)
		return num / den;
	return num > 0 ? HUGE_VAL : 1.0;
}

/* Relative difference test for offered rates printed by the same program. */
static bool fd_same(double x, double y)
{
	double m = fmax(fabs(x), fabs(y));
	return fabs(x - y) <= 1e-9 * m + 1e-12;
}

static void fd_row(const fd_class *c)
{
	double fair = c->n ? exp(c->sum_log / (double)c->n) : 1.0;
	printf("| %-12s | %8zu | %14.6g | %14.6g | %14.6g | %11.6f | %9.6f | %9.6f |\n", c->name,
	       c->n, c->demand, c->heur, c->exact, fd_ratio(c->heur, c->exact), fair, c->worst);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: te_fairness HEUR.json EXACT.json\n");
		return 2;
	}

	fd_run heur = { 0 }, exact = { 0 };
	int rc = 1;
	char *key = NULL;
	size_t key_cap = 0;
	neto_strmap by_key, by_class;
	fd_class *cls = NULL;
	size_t n_cls = 0;
	uint32_t *match = NULL;

	neto_strmap_init(&by_key);
	neto_strmap_init(&by_class);
	if (fd_load(&heur, argv[1]) != 0 || fd_load(&exact, argv[2]) != 0)
		goto out;

	if (heur.n != exact.n) {
		fprintf(stderr, "te_fairness: demand sets differ: %s has %zu demands, %s has %zu\n",
			heur.path, heur.n, exact.path, exact.n);
		goto out;
	}
	if (exact.n == 0) {
		fprintf(stderr, "te_fairness: no demands\n");
		goto out;
	}

	/* index the exact run, then find each heuristic demand in it */
	for (size_t i = 0; i < exact.n; i++) {
		size_t len = fd_key(&exact.v[i], &key, &key_cap);
		if (!neto_strmap_put(&by_key, key, len, (uint32_t)i, NULL)) {
			fprintf(stderr, "te_fairness: %s: demand %s -> %s (%s) appears twice\n",
				exact.path, exact.v[i].src, exact.v[i].dst, exact.v[i].cls);
			goto out;
		}
	}
	match = neto_calloc(heur.n, sizeof(*match));
	bool *seen = neto_calloc(exact.n, sizeof(*seen));
	for (size_t i = 0; i < heur.n; i++) {
		const fd_entry *h = &heur.v[i];
		size_t len = fd_key(h, &key, &key_cap);
		uint32_t j;
		if (!neto_strmap_get(&by_key, key, len, &j)) {
			fprintf(stderr, "te_fairness: demand %s -> %s (%s) is in %s but not in %s\n",
				h->src, h->dst, h->cls, heur.path, exact.path);
			free(seen);
			goto out;
		}
		if (seen[j]) {
			fprintf(stderr, "te_fairness: %s: demand %s -> %s (%s) appears twice\n",
				heur.path, h->src, h->dst, h->cls);
			free(seen);
			goto out;
		}
		seen[j] = true;
		if (!fd_same(h->demand, exact.v[j].demand)) {
			fprintf(stderr,
				"te_fairness: demand %s -> %s (%s): offered %.17g in %s, %.17g in %s\n",
				h->src, h->dst, h->cls, h->demand, heur.path, exact.v[j].demand,
				exact.path);
			free(seen);
			goto out;
		}
		match[i] = j;
	}
	free(seen);

	/* classes: order of first appearance, then by priority when known */
	json_t *jcls = json_object_get(exact.root, "classes");
	for (size_t i = 0; json_is_array(jcls) && i < json_array_size(jcls); i++) {
		json_t *c = json_array_get(jcls, i);
		const char *name = fd_str(c, "name");
		json_t *prio = json_object_get(c, "priority");
		if (!name)
			continue;
		uint32_t ci = fd_class_index(&cls, &n_cls, &by_class, name);
		if (json_is_integer(prio))
			cls[ci].priority = json_integer_value(prio);
	}

	double mean = 0;
	for (size_t i = 0; i < exact.n; i++)
		mean += exact.v[i].demand;
	mean /= (double)exact.n;
	double theta = THETA_FACTOR * mean;
	if (!(theta > 0))
		theta = 1e-300; /* all demands zero: every ratio is 1 */

	fd_class all = { .name = "all", .worst = 1.0 };
	for (size_t i = 0; i < heur.n; i++) {
		const fd_entry *h = &heur.v[i], *o = &exact.v[match[i]];
		uint32_t ci = fd_class_index(&cls, &n_cls, &by_class, h->cls);
		double a = fmax(h->allocated, theta), b = fmax(o->allocated, theta);
		double r = fmin(a / b, b / a);
		fd_class *targets[2] = { &cls[ci], &all };
		for (int t = 0; t < 2; t++) {
			fd_class *c = targets[t];
			c->n++;
			c->sum_log += log(r);
			c->worst = fmin(c->worst, r);
			c->demand += o->demand;
			c->heur += h->allocated;
			c->exact += o->allocated;
		}
	}
	qsort(cls, n_cls, sizeof(*cls), fd_class_cmp);

	printf("heuristic: %s\nexact:     %s\n", heur.path, exact.path);
	printf("demands %zu, mean offered %.6g, theta %.6g\n", exact.n, mean, theta);
	printf("compute_seconds: heuristic %.6g exact %.6g\n\n", heur.compute_seconds,
	       exact.compute_seconds);
	printf("| %-12s | %8s | %14s | %14s | %14s | %11s | %9s | %9s |\n", "class", "demands",
	       "offered", "heuristic", "exact", "total_ratio", "fairness", "worst");
	printf("|--------------|----------|----------------|----------------|----------------|"
	       "-------------|-----------|-----------|\n");
	for (size_t i = 0; i < n_cls; i++)
		if (cls[i].n > 0)
			fd_row(&cls[i]);
	fd_row(&all);
	printf("\nfairness=%.6f total_ratio=%.6f\n", exp(all.sum_log / (double)all.n),
	       fd_ratio(all.heur, all.exact));
	rc = 0;
out:
	free(match);
	free(cls);
	free(key);
	neto_strmap_free(&by_key);
	neto_strmap_free(&by_class);
	fd_free(&heur);
	fd_free(&exact);
	return rc;
}
