/*
 * flow_smooth.c - matrices and smoothing of the flow agents (flow_smooth.h).
 *
 * Matrices are small hash tables over neto_strmap with the entries in
 * parallel arrays in insertion order; sorting happens only when a matrix is
 * written out, so that the output is deterministic.
 *
 * The percentile keeps the last W windows whole, which is W times the
 * matrix in memory and in the stored state: cheap for site-level matrices
 * (a few hundred sites, a handful of classes), the size to watch on large
 * ones. EWMA keeps one matrix.
 */
#include "agent/flow_smooth.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"

/* ---- matrices ------------------------------------------------------------ */

void flowagent_matrix_init(flowagent_matrix *m)
{
	memset(m, 0, sizeof *m);
	neto_strmap_init(&m->idx);
}

void flowagent_matrix_free(flowagent_matrix *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->klen);
	free(m->val);
	neto_strmap_free(&m->idx);
	memset(m, 0, sizeof *m);
}

void flowagent_matrix_clear(flowagent_matrix *m)
{
	flowagent_matrix_free(m);
	flowagent_matrix_init(m);
}

size_t flowagent_matrix_add(flowagent_matrix *m, const char *key, size_t klen, double v)
{
	uint32_t i;
	if (neto_strmap_get(&m->idx, key, klen, &i)) {
		m->val[i] += v;
		return i;
	}
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 16;
		m->keys = neto_reallocarray(m->keys, m->cap, sizeof *m->keys);
		m->klen = neto_reallocarray(m->klen, m->cap, sizeof *m->klen);
		m->val = neto_reallocarray(m->val, m->cap, sizeof *m->val);
	}
	m->keys[m->n] = neto_strndup(key, klen);
	m->klen[m->n] = klen;
	m->val[m->n] = v;
	neto_strmap_put(&m->idx, key, klen, (uint32_t)m->n, NULL);
	return m->n++;
}

size_t flowagent_matrix_add3(flowagent_matrix *m, const char *src, const char *dst,
			     const char *cls, double v)
{
	size_t a = strlen(src), b = strlen(dst), c = strlen(cls);
	char stack[256];
	char *k = a + b + c + 2 < sizeof stack ? stack : neto_malloc(a + b + c + 2);
	memcpy(k, src, a);
	k[a] = ',';
	memcpy(k + a + 1, dst, b);
	k[a + 1 + b] = ',';
	memcpy(k + a + b + 2, cls, c);
	size_t i = flowagent_matrix_add(m, k, a + b + c + 2, v);
	if (k != stack)
		free(k);
	return i;
}

bool flowagent_matrix_get(const flowagent_matrix *m, const char *key, size_t klen, double *v)
{
	uint32_t i;
	if (!neto_strmap_get(&m->idx, key, klen, &i))
		return false;
	*v = m->val[i];
	return true;
}

static int cmp_key(const void *pa, const void *pb, void *ctx)
{
	const flowagent_matrix *m = ctx;
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	size_t la = m->klen[a], lb = m->klen[b];
	int c = memcmp(m->keys[a], m->keys[b], la < lb ? la : lb);
	if (c != 0)
		return c;
	return la < lb ? -1 : la > lb;
}

size_t *flowagent_matrix_sorted(const flowagent_matrix *m)
{
	if (m->n == 0)
		return NULL;
	size_t *ord = neto_reallocarray(NULL, m->n, sizeof *ord);
	for (size_t i = 0; i < m->n; i++)
		ord[i] = i;
	qsort_r(ord, m->n, sizeof *ord, cmp_key, (void *)(uintptr_t)m);
	return ord;
}

void flowagent_matrix_copy(flowagent_matrix *dst, const flowagent_matrix *src)
{
	flowagent_matrix_clear(dst);
	for (size_t i = 0; i < src->n; i++)
		flowagent_matrix_add(dst, src->keys[i], src->klen[i], src->val[i]);
}

/* ---- smoothing specification --------------------------------------------- */

int flowagent_smoothing_check(flowagent_smoothing *s, neto_err *err)
{
	switch (s->kind) {
	case FLOWAGENT_SMOOTH_NONE:
		return 0;
	case FLOWAGENT_SMOOTH_EWMA:
		if (!(s->alpha > 0 && s->alpha <= 1))
			return neto_err_set(err, "smoothing: the EWMA weight must be in (0, 1]");
		return 0;
	case FLOWAGENT_SMOOTH_PCT:
		if (s->pct < 1 || s->pct > 100)
			return neto_err_set(err, "smoothing: the percentile must be in 1..100");
		if (s->windows == 0)
			s->windows = FLOWAGENT_PCT_DEFAULT_WINDOWS;
		if (s->windows > FLOWAGENT_PCT_MAX_WINDOWS)
			return neto_err_set(err, "smoothing: at most %d windows",
					    FLOWAGENT_PCT_MAX_WINDOWS);
		return 0;
	}
	return neto_err_set(err, "smoothing: unknown kind");
}

static bool parse_uint(const char *s, size_t len, uint32_t max, uint32_t *out)
{
	if (len == 0 || len > 9)
		return false;
	uint32_t v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint32_t)(s[i] - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

int flowagent_smoothing_parse(const char *s, flowagent_smoothing *out, neto_err *err)
{
	flowagent_smoothing r = { 0 };
	if (strcmp(s, "none") == 0) {
		r.kind = FLOWAGENT_SMOOTH_NONE;
	} else if (strncmp(s, "ewma:", 5) == 0) {
		char *end;
		r.kind = FLOWAGENT_SMOOTH_EWMA;
		r.alpha = strtod(s + 5, &end);
		if (end == s + 5 || *end != '\0')
			return neto_err_set(err, "smoothing '%.60s': the EWMA weight is not a number",
					    s);
	} else if (s[0] == 'p') {
		const char *colon = strchr(s, ':');
		size_t plen = colon ? (size_t)(colon - s - 1) : strlen(s + 1);
		r.kind = FLOWAGENT_SMOOTH_PCT;
		if (!parse_uint(s + 1, plen, 1000, &r.pct) ||
		    (colon && !parse_uint(colon + 1, strlen(colon + 1), 100000, &r.windows)) ||
		    (colon && r.windows == 0))
			return neto_err_set(err,
					    "smoothing '%.60s': expected pNN or pNN:W (percentile "
					    "1..100, W windows)",
					    s);
	} else {
		return neto_err_set(err, "smoothing '%.60s': expected none, ewma:W, pNN or pNN:W",
				    s);
	}
	if (flowagent_smoothing_check(&r, err) != 0)
		return -1;
	*out = r;
	return 0;
}

void flowagent_smoothing_str(const flowagent_smoothing *s, char *buf, size_t n)
{
	switch (s->kind) {
	case FLOWAGENT_SMOOTH_NONE:
		snprintf(buf, n, "none");
		return;
	case FLOWAGENT_SMOOTH_EWMA:
		/* the shortest text that reads back as the same weight */
		for (int prec = 1; prec <= 17; prec++) {
			snprintf(buf, n, "ewma:%.*g", prec, s->alpha);
			if (strtod(buf + 5, NULL) == s->alpha)
				return;
		}
		return;
	case FLOWAGENT_SMOOTH_PCT:
		snprintf(buf, n, "p%u:%u", s->pct, s->windows);
		return;
	}
	snprintf(buf, n, "?");
}

/* ---- smoother ------------------------------------------------------------ */

void flowagent_smoother_init(flowagent_smoother *s, const flowagent_smoothing *spec)
{
	memset(s, 0, sizeof *s);
	s->spec = *spec;
	flowagent_matrix_init(&s->ewma);
}

static void drop_history(flowagent_smoother *s)
{
	for (size_t i = 0; i < s->n_hist; i++)
		flowagent_matrix_free(&s->hist[i]);
	free(s->hist);
	free(s->hist_complete);
	s->hist = NULL;
	s->hist_complete = NULL;
	s->n_hist = 0;
}

void flowagent_smoother_free(flowagent_smoother *s)
{
	flowagent_matrix_free(&s->ewma);
	drop_history(s);
	memset(s, 0, sizeof *s);
}

/* Copies the entries of m above the floor into out. */
static void floor_into(const flowagent_matrix *m, flowagent_matrix *out)
{
	double top = 0;
	for (size_t i = 0; i < m->n; i++)
		if (m->val[i] > top)
			top = m->val[i];
	for (size_t i = 0; i < m->n; i++)
		if (m->val[i] > 0 && m->val[i] >= FLOWAGENT_SMOOTH_FLOOR * top)
			flowagent_matrix_add(out, m->keys[i], m->klen[i], m->val[i]);
}

static void step_ewma(flowagent_smoother *s, const flowagent_matrix *x, bool complete,
		      flowagent_matrix *out)
{
	double a = s->spec.alpha;
	flowagent_matrix next;
	flowagent_matrix_init(&next);
	if (!s->started) {
		flowagent_matrix_copy(&next, x);
	} else {
		for (size_t i = 0; i < x->n; i++) {
			double prev = 0;
			flowagent_matrix_get(&s->ewma, x->keys[i], x->klen[i], &prev);
			flowagent_matrix_add(&next, x->keys[i], x->klen[i],
					     a * x->val[i] + (1 - a) * prev);
		}
		for (size_t i = 0; i < s->ewma.n; i++) {
			double dummy;
			if (flowagent_matrix_get(x, s->ewma.keys[i], s->ewma.klen[i], &dummy))
				continue;
			double v = complete ? (1 - a) * s->ewma.val[i] : s->ewma.val[i];
			flowagent_matrix_add(&next, s->ewma.keys[i], s->ewma.klen[i], v);
		}
	}
	/* the state keeps what the output keeps */
	flowagent_matrix_clear(&s->ewma);
	floor_into(&next, &s->ewma);
	flowagent_matrix_free(&next);
	flowagent_matrix_copy(out, &s->ewma);
	s->started = true;
}

static int cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;
	return a < b ? -1 : a > b;
}

static void push_history(flowagent_smoother *s, const flowagent_matrix *x, bool complete)
{
	uint32_t w = s->spec.windows;
	if (s->n_hist == w) {
		flowagent_matrix_free(&s->hist[0]);
		memmove(s->hist, s->hist + 1, (s->n_hist - 1) * sizeof *s->hist);
		memmove(s->hist_complete, s->hist_complete + 1,
			(s->n_hist - 1) * sizeof *s->hist_complete);
		s->n_hist--;
	}
	s->hist = neto_reallocarray(s->hist, s->n_hist + 1, sizeof *s->hist);
	s->hist_complete =
		neto_reallocarray(s->hist_complete, s->n_hist + 1, sizeof *s->hist_complete);
	flowagent_matrix_init(&s->hist[s->n_hist]);
	flowagent_matrix_copy(&s->hist[s->n_hist], x);
	s->hist_complete[s->n_hist] = complete;
	s->n_hist++;
}

static void step_pct(flowagent_smoother *s, const flowagent_matrix *x, bool complete,
		     flowagent_matrix *out)
{
	push_history(s, x, complete);
	flowagent_matrix all; /* every key of the history */
	flowagent_matrix_init(&all);
	for (size_t w = 0; w < s->n_hist; w++)
		for (size_t i = 0; i < s->hist[w].n; i++)
			flowagent_matrix_add(&all, s->hist[w].keys[i], s->hist[w].klen[i], 0);
	double *samples = neto_reallocarray(NULL, s->n_hist, sizeof *samples);
	for (size_t i = 0; i < all.n; i++) {
		size_t n = 0;
		for (size_t w = 0; w < s->n_hist; w++) {
			double v;
			if (flowagent_matrix_get(&s->hist[w], all.keys[i], all.klen[i], &v))
				samples[n++] = v;
			else if (s->hist_complete[w])
				samples[n++] = 0;
		}
		qsort(samples, n, sizeof *samples, cmp_double);
		/* nearest rank: the ceil(p n / 100)-th smallest, at least the first */
		size_t rank = ((size_t)s->spec.pct * n + 99) / 100;
		all.val[i] = samples[rank > 0 ? rank - 1 : 0];
	}
	free(samples);
	floor_into(&all, out);
	flowagent_matrix_free(&all);
}

void flowagent_smoother_step(flowagent_smoother *s, const flowagent_matrix *x, bool complete,
			     flowagent_matrix *out)
{
	flowagent_matrix_clear(out);
	switch (s->spec.kind) {
	case FLOWAGENT_SMOOTH_NONE:
		flowagent_matrix_copy(out, x);
		return;
	case FLOWAGENT_SMOOTH_EWMA:
		step_ewma(s, x, complete, out);
		return;
	case FLOWAGENT_SMOOTH_PCT:
		step_pct(s, x, complete, out);
		return;
	}
}

/* ---- state --------------------------------------------------------------- */

static json_t *matrix_json(const flowagent_matrix *m)
{
	json_t *a = json_array();
	size_t *ord = flowagent_matrix_sorted(m);
	for (size_t k = 0; k < m->n; k++) {
		size_t i = ord[k];
		json_array_append_new(a, json_pack("[s%f]", m->keys[i], m->klen[i], m->val[i]));
	}
	free(ord);
	return a;
}

static int matrix_load(flowagent_matrix *m, const json_t *a, neto_err *err)
{
	if (!json_is_array(a))
		return neto_err_set(err, "smoothing state: a matrix is not an array");
	for (size_t i = 0; i < json_array_size(a); i++) {
		json_t *e = json_array_get(a, i);
		json_t *k = json_array_get(e, 0), *v = json_array_get(e, 1);
		if (!json_is_array(e) || json_array_size(e) != 2 || !json_is_string(k) ||
		    !json_is_number(v) || !isfinite(json_number_value(v)))
			return neto_err_set(err, "smoothing state: entry %zu is not [key, rate]", i);
		flowagent_matrix_add(m, json_string_value(k), json_string_length(k),
				     json_number_value(v));
	}
	return 0;
}

json_t *flowagent_smoother_save(const flowagent_smoother *s)
{
	switch (s->spec.kind) {
	case FLOWAGENT_SMOOTH_NONE:
		return json_object();
	case FLOWAGENT_SMOOTH_EWMA:
		return json_pack("{s:b, s:o}", "started", s->started, "ewma", matrix_json(&s->ewma));
	case FLOWAGENT_SMOOTH_PCT: {
		json_t *w = json_array();
		for (size_t i = 0; i < s->n_hist; i++)
			json_array_append_new(w, json_pack("{s:b, s:o}", "complete",
							   s->hist_complete[i], "rates",
							   matrix_json(&s->hist[i])));
		return json_pack("{s:o}", "windows", w);
	}
	}
	return json_object();
}

int flowagent_smoother_load(flowagent_smoother *s, const json_t *j, neto_err *err)
{
	flowagent_smoother t;
	flowagent_smoother_init(&t, &s->spec);
	int rc = 0;
	if (!json_is_object(j)) {
		rc = neto_err_set(err, "smoothing state: not an object");
	} else if (s->spec.kind == FLOWAGENT_SMOOTH_EWMA) {
		json_t *st = json_object_get(j, "started");
		if (!json_is_boolean(st))
			rc = neto_err_set(err, "smoothing state: no \"started\"");
		else {
			t.started = json_is_true(st);
			rc = matrix_load(&t.ewma, json_object_get(j, "ewma"), err);
		}
	} else if (s->spec.kind == FLOWAGENT_SMOOTH_PCT) {
		json_t *w = json_object_get(j, "windows");
		if (!json_is_array(w) || json_array_size(w) > s->spec.windows)
			rc = neto_err_set(err, "smoothing state: \"windows\" is not an array of "
					       "at most W windows");
		for (size_t i = 0; rc == 0 && i < json_array_size(w); i++) {
			json_t *o = json_array_get(w, i);
			json_t *c = json_object_get(o, "complete");
			if (!json_is_boolean(c)) {
				rc = neto_err_set(err, "smoothing state: window %zu malformed", i);
				break;
			}
			flowagent_matrix m;
			flowagent_matrix_init(&m);
			rc = matrix_load(&m, json_object_get(o, "rates"), err);
			if (rc == 0)
				push_history(&t, &m, json_is_true(c));
			flowagent_matrix_free(&m);
		}
	}
	if (rc != 0) {
		flowagent_smoother_free(&t);
		return -1;
	}
	flowagent_smoother_free(s);
	*s = t;
	return 0;
}
