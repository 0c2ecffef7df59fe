/*
 * flows.c - the traffic matrix and the flow records the routers export.
 *
 * Flow records count what enters each ingress router, per window of
 * flow_window_ms aligned on time 0. The matrix can change at any time
 * (sim_set_demands at `now`), so volumes are integrated: each matrix entry
 * accrues rate x elapsed ms into its open-window volume as the clock moves,
 * and when a window closes its volumes become records. When the matrix is
 * replaced mid-window, the old entries' volumes move to a carry list that
 * the closing window merges with the new matrix's volumes by key, so a
 * window's record of (ingress, egress, class) adds up every matrix that was
 * in force during it.
 *
 * Time with no traffic is skipped in one step (windows without volume have
 * no records), so a clock that jumps far ahead costs nothing.
 */
#include "sim/sim_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"

void sim_flows_init(sim *s)
{
	s->win_start = 0;
	s->acc_t = 0;
}

void sim_flows_free(sim *s)
{
	free(s->dem);
	free(s->acc);
	free(s->carry);
	free(s->recs);
}

static int vol_cmp(const void *pa, const void *pb)
{
	const sim_vol *a = pa, *b = pb;
	if (a->src != b->src)
		return a->src < b->src ? -1 : 1;
	if (a->dst != b->dst)
		return a->dst < b->dst ? -1 : 1;
	return a->cls < b->cls ? -1 : (a->cls > b->cls);
}

static int dem_cmp(const void *pa, const void *pb)
{
	const sim_dem *a = pa, *b = pb;
	if (a->src != b->src)
		return a->src < b->src ? -1 : 1;
	if (a->dst != b->dst)
		return a->dst < b->dst ? -1 : 1;
	return a->cls < b->cls ? -1 : (a->cls > b->cls);
}

static void carry_add(sim *s, uint32_t src, uint32_t dst, uint32_t cls, double vol)
{
	if (s->n_carry == s->cap_carry) {
		s->cap_carry = s->cap_carry ? 2 * s->cap_carry : 16;
		s->carry = neto_reallocarray(s->carry, s->cap_carry, sizeof *s->carry);
	}
	s->carry[s->n_carry++] = (sim_vol){ .src = src, .dst = dst, .cls = cls, .vol = vol };
}

static uint64_t to_u64(double x)
{
	if (!(x > 0))
		return 0;
	if (x >= 18446744073709549568.0) /* largest double below 2^64 */
		return UINT64_MAX;
	return (uint64_t)x;
}

/* x / n rounded to the nearest, halves up. */
static uint64_t div_round(uint64_t x, uint64_t n)
{
	uint64_t q = x / n, r = x % n;
	return q + (r >= n - r ? 1 : 0);
}

static void emit(sim *s, const sim_vol *v)
{
	/* vol is rate x ms: bits = vol x bits_per_unit / 1000 */
	uint64_t bytes = to_u64(floor(v->vol * s->bits_per_unit / 8000.0 + 0.5));
	if (bytes == 0)
		return;
	uint64_t pkts = to_u64(ceil((double)bytes / s->p.packet_bytes));
	if (pkts == 0)
		pkts = 1;
	uint32_t n = s->p.sampling;
	if (n > 1) {
		bytes = div_round(bytes, n);
		pkts = div_round(pkts, n);
		if (pkts == 0)
			return; /* no packet of the flow was sampled */
	}
	if (s->n_recs == s->cap_recs) {
		s->cap_recs = s->cap_recs ? 2 * s->cap_recs : 64;
		s->recs = neto_reallocarray(s->recs, s->cap_recs, sizeof *s->recs);
	}
	s->recs[s->n_recs++] = (sim_flow){
		.start_ms = s->win_start,
		.end_ms = s->win_start + s->p.flow_window_ms,
		.exporter = v->src,
		.ingress = v->src,
		.egress = v->dst,
		.cls = s->cls_name[v->cls],
		.dscp = s->cls_dscp[v->cls],
		.bytes = bytes,
		.packets = pkts,
		.sampling = n,
	};
}

/* Turns the open window's volumes into records and empties them. */
static void close_window(sim *s)
{
	for (size_t i = 0; i < s->n_dem; i++) {
		if (s->acc[i] > 0)
			carry_add(s, s->dem[i].src, s->dem[i].dst, s->dem[i].cls, s->acc[i]);
		s->acc[i] = 0;
	}
	if (s->n_carry == 0)
		return;
	qsort(s->carry, s->n_carry, sizeof *s->carry, vol_cmp);
	size_t i = 0;
	while (i < s->n_carry) {
		sim_vol v = s->carry[i++];
		while (i < s->n_carry && vol_cmp(&v, &s->carry[i]) == 0)
			v.vol += s->carry[i++].vol;
		emit(s, &v);
	}
	s->n_carry = 0;
}

void sim_flows_accrue(sim *s, int64_t now)
{
	const int64_t w = s->p.flow_window_ms;
	bool traffic = s->n_carry > 0;
	for (size_t i = 0; i < s->n_dem && !traffic; i++)
		traffic = s->dem[i].rate > 0;
	if (!traffic) {
		/* nothing to count: jump to the window that holds now */
		if (now >= s->win_start + w) {
			for (size_t i = 0; i < s->n_dem; i++)
				s->acc[i] = 0;
			s->win_start = now - (now % w);
		}
		if (now > s->acc_t)
			s->acc_t = now;
		return;
	}
	while (s->acc_t < now) {
		int64_t wend = s->win_start + w;
		int64_t t = now < wend ? now : wend;
		double dt = (double)(t - s->acc_t);
		for (size_t i = 0; i < s->n_dem; i++)
			s->acc[i] += s->dem[i].rate * dt;
		s->acc_t = t;
		if (t == wend) {
			close_window(s);
			s->win_start = wend;
		}
	}
}

/* Replaces the matrix with v (n entries, classes already interned; taken
 * over by the sim), once the clock is at the change. */
static void set_matrix(sim *s, sim_dem *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof *v, dem_cmp);
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (m > 0 && dem_cmp(&v[m - 1], &v[i]) == 0)
			v[m - 1].rate += v[i].rate;
		else
			v[m++] = v[i];
	}
	for (size_t i = 0; i < s->n_dem; i++)
		if (s->acc[i] > 0)
			carry_add(s, s->dem[i].src, s->dem[i].dst, s->dem[i].cls, s->acc[i]);
	free(s->dem);
	free(s->acc);
	s->dem = v;
	s->n_dem = m;
	s->acc = neto_calloc(m ? m : 1, sizeof *s->acc);
}

static int check_entry(const sim *s, uint32_t src, uint32_t dst, double rate, size_t i,
		       neto_err *err)
{
	uint32_t n = s->t->n_nodes;
	if (src >= n || dst >= n)
		return neto_err_set(err, "sim: demand %zu: node %u is out of range (%u nodes)", i,
				    src >= n ? src : dst, n);
	if (src == dst)
		return neto_err_set(err, "sim: demand %zu: from '%s' to itself", i,
				    s->t->nodes[src].name);
	if (!(rate >= 0 && isfinite(rate)))
		return neto_err_set(err, "sim: demand %zu: rate must be a finite number >= 0", i);
	return 0;
}

int sim_set_demands(sim *s, const sim_demand *v, size_t n, int64_t now, neto_err *err)
{
	if (n > 0 && v == NULL)
		return neto_err_set(err, "sim: no demands");
	for (size_t i = 0; i < n; i++) {
		size_t len = 0;
		if (check_entry(s, v[i].src, v[i].dst, v[i].rate, i, err) != 0 ||
		    sim_class_check(v[i].cls, &len, err) != 0)
			return -1;
	}
	if (sim_run_to(s, now, err) != 0)
		return -1;
	sim_dem *m = neto_malloc((n ? n : 1) * sizeof *m);
	for (size_t i = 0; i < n; i++) {
		m[i] = (sim_dem){ .src = v[i].src, .dst = v[i].dst, .rate = v[i].rate };
		if (sim_class_intern(s, v[i].cls, &m[i].cls, err) != 0)
			abort(); /* checked above */
	}
	set_matrix(s, m, n);
	return 0;
}

int sim_set_demand_set(sim *s, const demand_set *ds, const class_set *cs, int64_t now,
		       neto_err *err)
{
	for (size_t i = 0; i < ds->n; i++) {
		const demand *d = &ds->v[i];
		size_t len = 0;
		if (check_entry(s, d->src, d->dst, d->rate, i, err) != 0)
			return -1;
		if (d->cls >= cs->n)
			return neto_err_set(err, "sim: demand %zu: class %u is out of range", i,
					    d->cls);
		if (sim_class_check(cs->v[d->cls].name, &len, err) != 0)
			return -1;
	}
	if (sim_run_to(s, now, err) != 0)
		return -1;
	sim_dem *m = neto_malloc((ds->n ? ds->n : 1) * sizeof *m);
	for (size_t i = 0; i < ds->n; i++) {
		const demand *d = &ds->v[i];
		m[i] = (sim_dem){ .src = d->src, .dst = d->dst, .rate = d->rate };
		if (sim_class_intern(s, cs->v[d->cls].name, &m[i].cls, err) != 0)
			abort();
	}
	set_matrix(s, m, ds->n);
	return 0;
}

int sim_flows(sim *s, int64_t now, sim_flow **out, size_t *n, neto_err *err)
{
	if (sim_run_to(s, now, err) != 0)
		return -1;
	*n = s->n_recs;
	*out = s->n_recs ? s->recs : NULL;
	if (s->n_recs == 0)
		free(s->recs);
	s->recs = NULL;
	s->n_recs = s->cap_recs = 0;
	return 0;
}
