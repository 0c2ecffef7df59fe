/*
 * sim.c - the simulated routers: clock, policy requests, controller
 * sessions, failures and readback (sim.h; the model is in docs/sim.md).
 *
 * The simulation is a discrete-event one driven by the caller's clock:
 * nothing happens between calls, and every call that takes `now` first runs
 * the events due up to `now` in time order. Three kinds of events exist:
 * scenario events (a sorted array with a cursor), request completions (a
 * binary heap of pending requests ordered by due time, then by issue order)
 * and session expiries (computed from each router's last refresh; scanning
 * the routers per event is cheap next to everything else at the sizes the
 * simulator is meant for, tens to hundreds of routers).
 *
 * Per-policy ordering: a request is due at now + a drawn delay, but never
 * before the previous request for the same (router, dst, class), and equal
 * due times complete in issue order. A stall postpones every completion that
 * falls inside it to its end, which keeps that order too.
 *
 * Installed policies live per router in an array sorted by (dst, class id),
 * so that readback is a binary search and sim_policies hands out the array
 * itself. Requests are kept for the life of the sim (their status stays
 * queryable); a request's copy of its policy moves into the router when it
 * is installed, or is freed when it is rejected.
 */
#include "sim/sim_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/mem.h"
#include "te/srv6.h"

/* ---- small helpers ------------------------------------------------------ */

/* splitmix64: small, fast, and fully determined by the seed. */
static uint64_t rng_next(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double rng_unit(uint64_t *x)
{
	return (double)(rng_next(x) >> 11) * 0x1.0p-53;
}

static int64_t draw_delay(sim *s)
{
	const sim_params *p = &s->p;
	switch (p->delay_dist) {
	case SIM_DELAY_UNIFORM: {
		uint64_t span = (uint64_t)(p->delay_max_ms - p->delay_min_ms) + 1;
		return p->delay_min_ms + (int64_t)(rng_next(&s->rng) % span);
	}
	case SIM_DELAY_EXP: {
		double d = -p->delay_mean_ms * log1p(-rng_unit(&s->rng));
		if (d > 50 * p->delay_mean_ms)
			d = 50 * p->delay_mean_ms;
		return p->delay_min_ms + (int64_t)llround(d);
	}
	case SIM_DELAY_FIXED:
		break;
	}
	return p->delay_min_ms;
}

static void pack_key(uint32_t router, uint32_t dst, uint32_t cls, char key[12])
{
	memcpy(key, &router, 4);
	memcpy(key + 4, &dst, 4);
	memcpy(key + 8, &cls, 4);
}

static const char *node_name(const sim *s, uint32_t v)
{
	return s->t->nodes[v].name;
}

static bool session_open(const sim_router *r, int64_t now)
{
	return r->alive && now >= r->drop_until;
}

/* ---- parameters and life cycle ------------------------------------------ */

void sim_params_default(sim_params *p)
{
	memset(p, 0, sizeof *p);
	p->delay_dist = SIM_DELAY_UNIFORM;
	p->delay_min_ms = 100;
	p->delay_max_ms = 500;
	p->delay_mean_ms = 200;
	p->state_timeout_ms = 60000;
	p->flow_window_ms = 60000;
	p->sampling = 1;
	p->packet_bytes = 1000;
	p->bits_per_unit = 0;
}

/* Bits per second of the topology's unit, or 0 when unknown. */
static double unit_bits(const char *unit)
{
	static const struct {
		const char *name;
		double bits;
	} known[] = { { "bps", 1 }, { "kbps", 1e3 }, { "mbps", 1e6 }, { "gbps", 1e9 },
		      { "tbps", 1e12 } };
	if (unit == NULL)
		return 0;
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (strcasecmp(unit, known[i].name) == 0)
			return known[i].bits;
	return 0;
}

static int params_check(const sim_params *p, neto_err *err)
{
	if (p->delay_dist != SIM_DELAY_UNIFORM && p->delay_dist != SIM_DELAY_EXP &&
	    p->delay_dist != SIM_DELAY_FIXED)
		return neto_err_set(err, "sim: unknown install delay distribution %d",
				    (int)p->delay_dist);
	if (p->delay_min_ms < 0 || p->delay_min_ms > SIM_MAX_DELAY_MS)
		return neto_err_set(err, "sim: delay_min_ms must be in 0..%lld",
				    (long long)SIM_MAX_DELAY_MS);
	if (p->delay_dist == SIM_DELAY_UNIFORM &&
	    (p->delay_max_ms < p->delay_min_ms || p->delay_max_ms > SIM_MAX_DELAY_MS))
		return neto_err_set(err, "sim: delay_max_ms must be in delay_min_ms..%lld",
				    (long long)SIM_MAX_DELAY_MS);
	if (p->delay_dist == SIM_DELAY_EXP &&
	    !(p->delay_mean_ms >= 0 && p->delay_mean_ms <= (double)SIM_MAX_DELAY_MS))
		return neto_err_set(err, "sim: delay_mean_ms must be in 0..%lld",
				    (long long)SIM_MAX_DELAY_MS);
	if (p->state_timeout_ms < 0 || p->state_timeout_ms > SIM_TIME_MAX)
		return neto_err_set(err, "sim: state_timeout_ms must be in 0..%lld",
				    (long long)SIM_TIME_MAX);
	if (p->flow_window_ms < 1 || p->flow_window_ms > SIM_TIME_MAX)
		return neto_err_set(err, "sim: flow_window_ms must be in 1..%lld",
				    (long long)SIM_TIME_MAX);
	if (p->sampling < 1)
		return neto_err_set(err, "sim: sampling must be at least 1");
	if (!(p->packet_bytes >= 1 && isfinite(p->packet_bytes)))
		return neto_err_set(err, "sim: packet_bytes must be a finite number >= 1");
	if (!(p->bits_per_unit >= 0 && isfinite(p->bits_per_unit)))
		return neto_err_set(err, "sim: bits_per_unit must be a finite number >= 0");
	return 0;
}

sim *sim_new(const topo *t, uint64_t seed, const sim_params *params, neto_err *err)
{
	sim_params p;
	if (params == NULL)
		sim_params_default(&p);
	else
		p = *params;
	if (params_check(&p, err) != 0)
		return NULL;
	if (t == NULL || t->n_nodes == 0 || t->out_off == NULL) {
		neto_err_set(err, "sim: the topology is empty or not finished");
		return NULL;
	}
	double bits = p.bits_per_unit > 0 ? p.bits_per_unit : unit_bits(t->unit);
	if (bits <= 0) {
		if (t->unit == NULL)
			neto_err_set(err, "sim: the topology has no capacity unit; "
					  "set bits_per_unit");
		else
			neto_err_set(err, "sim: unknown capacity unit '%.64s'; set bits_per_unit",
				     t->unit);
		return NULL;
	}

	sim *s = neto_calloc(1, sizeof *s);
	s->t = t;
	s->p = p;
	s->bits_per_unit = bits;
	s->rng = seed;
	s->now = 0;
	neto_strmap_init(&s->cls_by_name);
	neto_strmap_init(&s->pkey);
	s->routers = neto_calloc(t->n_nodes, sizeof *s->routers);
	for (uint32_t v = 0; v < t->n_nodes; v++) {
		s->routers[v].alive = true;
		s->routers[v].last_refresh = 0;
		s->routers[v].drop_until = 0;
		s->routers[v].stall_until = 0;
	}
	s->link_up = neto_calloc(t->n_links ? t->n_links : 1, sizeof *s->link_up);
	for (uint32_t l = 0; l < t->n_links; l++)
		s->link_up[l] = t->links[l].up;
	sim_igp_init(s);
	sim_flows_init(s);
	return s;
}

static void polcopy_free(sim_polcopy *pc)
{
	free(pc->lists);
	free(pc->pool);
	pc->lists = NULL;
	pc->pool = NULL;
	pc->n_lists = 0;
}

void sim_free(sim *s)
{
	if (s == NULL)
		return;
	for (uint32_t v = 0; v < s->t->n_nodes; v++) {
		sim_router *r = &s->routers[v];
		for (uint32_t i = 0; i < r->n_pol; i++)
			polcopy_free(&r->priv[i]);
		free(r->pub);
		free(r->priv);
		free(r->pcls);
	}
	free(s->routers);
	free(s->link_up);
	for (size_t i = 0; i < s->n_reqs; i++)
		polcopy_free(&s->reqs[i].pol);
	free(s->reqs);
	free(s->heap);
	neto_strmap_free(&s->pkey);
	free(s->pkey_due);
	for (size_t i = 0; i < s->n_ev; i++)
		free(s->ev[i].links);
	free(s->ev);
	free(s->rpt);
	for (uint32_t c = 0; c < s->n_cls; c++)
		free(s->cls_name[c]);
	free(s->cls_name);
	free(s->cls_dscp);
	neto_strmap_free(&s->cls_by_name);
	sim_igp_free(s);
	sim_flows_free(s);
	free(s);
}

const topo *sim_topo(const sim *s)
{
	return s->t;
}

int64_t sim_now(const sim *s)
{
	return s->now;
}

/* ---- classes ------------------------------------------------------------ */

int sim_class_check(const char *name, size_t *len, neto_err *err)
{
	if (name == NULL)
		return neto_err_set(err, "sim: no class name");
	size_t n = strnlen(name, SIM_CLASS_MAX + 1);
	if (n == 0)
		return neto_err_set(err, "sim: empty class name");
	if (n > SIM_CLASS_MAX)
		return neto_err_set(err, "sim: class name longer than %d bytes", SIM_CLASS_MAX);
	*len = n;
	return 0;
}

int sim_class_intern(sim *s, const char *name, uint32_t *id, neto_err *err)
{
	size_t n = 0;
	if (sim_class_check(name, &n, err) != 0)
		return -1;
	if (neto_strmap_get(&s->cls_by_name, name, n, id))
		return 0;
	if (s->n_cls == s->cap_cls) {
		s->cap_cls = s->cap_cls ? 2 * s->cap_cls : 8;
		s->cls_name = neto_reallocarray(s->cls_name, s->cap_cls, sizeof *s->cls_name);
		s->cls_dscp = neto_reallocarray(s->cls_dscp, s->cap_cls, sizeof *s->cls_dscp);
	}
	*id = s->n_cls;
	s->cls_name[s->n_cls] = neto_strndup(name, n);
	s->cls_dscp[s->n_cls] = 0;
	s->n_cls++;
	neto_strmap_put(&s->cls_by_name, name, n, *id, NULL);
	return 0;
}

static bool class_lookup(const sim *s, const char *name, uint32_t *id)
{
	if (name == NULL)
		return false;
	size_t n = strnlen(name, SIM_CLASS_MAX + 1);
	return n > 0 && n <= SIM_CLASS_MAX && neto_strmap_get(&s->cls_by_name, name, n, id);
}

int sim_class_dscp(sim *s, const char *cls, uint8_t dscp, neto_err *err)
{
	if (dscp > 63)
		return neto_err_set(err, "sim: DSCP %u is out of range (0..63)", (unsigned)dscp);
	uint32_t c;
	if (sim_class_intern(s, cls, &c, err) != 0)
		return -1;
	s->cls_dscp[c] = dscp;
	return 0;
}

/* ---- reports ------------------------------------------------------------ */

static void report(sim *s, int64_t at, sim_report_kind kind, uint64_t id, uint32_t router,
		   uint32_t dst, uint32_t cls)
{
	if (s->n_rpt == s->cap_rpt) {
		s->cap_rpt = s->cap_rpt ? 2 * s->cap_rpt : 16;
		s->rpt = neto_reallocarray(s->rpt, s->cap_rpt, sizeof *s->rpt);
	}
	s->rpt[s->n_rpt++] = (sim_report){ .at = at, .kind = kind, .request_id = id,
					   .router = router, .dst = dst,
					   .cls = s->cls_name[cls] };
}

void sim_reports(sim *s, sim_report **out, size_t *n)
{
	*n = s->n_rpt;
	*out = s->n_rpt ? s->rpt : NULL;
	if (s->n_rpt == 0)
		free(s->rpt);
	s->rpt = NULL;
	s->n_rpt = s->cap_rpt = 0;
}

/* ---- installed policies ------------------------------------------------- */

/* Position of (dst, cls) in r's sorted array: *found says whether it is
 * there; otherwise the return value is where it goes. */
static uint32_t pol_pos(const sim_router *r, uint32_t dst, uint32_t cls, bool *found)
{
	uint32_t lo = 0, hi = r->n_pol;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		uint32_t d = r->pub[mid].dst, c = r->pcls[mid];
		if (d < dst || (d == dst && c < cls))
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < r->n_pol && r->pub[lo].dst == dst && r->pcls[lo] == cls;
	return lo;
}

const sim_installed *sim_find_installed(const sim *s, uint32_t router, uint32_t dst,
					uint32_t cls)
{
	const sim_router *r = &s->routers[router];
	bool found;
	uint32_t i = pol_pos(r, dst, cls, &found);
	return found ? &r->pub[i] : NULL;
}

const sim_installed *sim_policy_get(const sim *s, uint32_t router, uint32_t dst,
				    const char *cls)
{
	uint32_t c;
	if (router >= s->t->n_nodes || dst >= s->t->n_nodes || !class_lookup(s, cls, &c))
		return NULL;
	return sim_find_installed(s, router, dst, c);
}

size_t sim_policies(const sim *s, uint32_t router, const sim_installed **out)
{
	if (router >= s->t->n_nodes || s->routers[router].n_pol == 0) {
		*out = NULL;
		return 0;
	}
	*out = s->routers[router].pub;
	return s->routers[router].n_pol;
}

/* Installs the request's policy (taking its copy) on its router. */
static void pol_install(sim *s, sim_req *q, uint64_t id, int64_t at)
{
	sim_router *r = &s->routers[q->router];
	bool found;
	uint32_t i = pol_pos(r, q->dst, q->cls, &found);
	if (found) {
		polcopy_free(&r->priv[i]);
	} else {
		if (r->n_pol == r->cap_pol) {
			r->cap_pol = r->cap_pol ? 2 * r->cap_pol : 4;
			r->pub = neto_reallocarray(r->pub, r->cap_pol, sizeof *r->pub);
			r->priv = neto_reallocarray(r->priv, r->cap_pol, sizeof *r->priv);
			r->pcls = neto_reallocarray(r->pcls, r->cap_pol, sizeof *r->pcls);
		}
		size_t tail = r->n_pol - i;
		memmove(&r->pub[i + 1], &r->pub[i], tail * sizeof *r->pub);
		memmove(&r->priv[i + 1], &r->priv[i], tail * sizeof *r->priv);
		memmove(&r->pcls[i + 1], &r->pcls[i], tail * sizeof *r->pcls);
		r->n_pol++;
	}
	r->priv[i] = q->pol;
	q->pol = (sim_polcopy){ 0 };
	r->pcls[i] = q->cls;
	r->pub[i] = (sim_installed){
		.dst = q->dst,
		.cls = s->cls_name[q->cls],
		.policy = { .lists = r->priv[i].lists, .n_lists = r->priv[i].n_lists },
		.request_id = id,
		.installed_at = at,
	};
}

static void pol_remove(sim *s, uint32_t router, uint32_t dst, uint32_t cls)
{
	sim_router *r = &s->routers[router];
	bool found;
	uint32_t i = pol_pos(r, dst, cls, &found);
	if (!found)
		return;
	polcopy_free(&r->priv[i]);
	size_t tail = r->n_pol - i - 1;
	memmove(&r->pub[i], &r->pub[i + 1], tail * sizeof *r->pub);
	memmove(&r->priv[i], &r->priv[i + 1], tail * sizeof *r->priv);
	memmove(&r->pcls[i], &r->pcls[i + 1], tail * sizeof *r->pcls);
	r->n_pol--;
}

/* ---- the pending-request heap ------------------------------------------- */

static bool req_before(const sim *s, size_t a, size_t b)
{
	int64_t da = s->reqs[a].due, db = s->reqs[b].due;
	return da < db || (da == db && a < b);
}

static void heap_push(sim *s, size_t idx)
{
	if (s->n_heap == s->cap_heap) {
		s->cap_heap = s->cap_heap ? 2 * s->cap_heap : 16;
		s->heap = neto_reallocarray(s->heap, s->cap_heap, sizeof *s->heap);
	}
	size_t i = s->n_heap++;
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!req_before(s, idx, s->heap[p]))
			break;
		s->heap[i] = s->heap[p];
		i = p;
	}
	s->heap[i] = idx;
}

static size_t heap_pop(sim *s)
{
	size_t top = s->heap[0];
	size_t last = s->heap[--s->n_heap];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= s->n_heap)
			break;
		if (c + 1 < s->n_heap && req_before(s, s->heap[c + 1], s->heap[c]))
			c++;
		if (!req_before(s, s->heap[c], last))
			break;
		s->heap[i] = s->heap[c];
		i = c;
	}
	if (s->n_heap > 0)
		s->heap[i] = last;
	return top;
}

/* ---- running the clock -------------------------------------------------- */

static void req_reject(sim *s, size_t idx, int64_t at, const char *reason)
{
	sim_req *q = &s->reqs[idx];
	q->status = SIM_REQ_REJECTED;
	q->done = at;
	q->reason = reason;
	polcopy_free(&q->pol);
	report(s, at, SIM_RPT_REJECTED, idx + 1, q->router, q->dst, q->cls);
}

/* The router's session timed out: it drops every policy it holds for neto
 * and the requests it has not completed. */
static void session_expire(sim *s, uint32_t router, int64_t at)
{
	sim_router *r = &s->routers[router];
	r->alive = false;
	for (uint32_t i = 0; i < r->n_pol; i++) {
		report(s, at, SIM_RPT_EXPIRED, 0, router, r->pub[i].dst, r->pcls[i]);
		polcopy_free(&r->priv[i]);
	}
	r->n_pol = 0;
	/* heap order is by due time; reject in issue order for stable reports */
	size_t *idx = neto_malloc((s->n_heap ? s->n_heap : 1) * sizeof *idx);
	size_t k = 0;
	for (size_t i = 0; i < s->n_heap; i++) {
		size_t q = s->heap[i];
		if (s->reqs[q].router == router && s->reqs[q].status == SIM_REQ_PENDING)
			idx[k++] = q;
	}
	for (size_t a = 1; a < k; a++) /* insertion sort: few per router */
		for (size_t b = a; b > 0 && idx[b - 1] > idx[b]; b--) {
			size_t x = idx[b];
			idx[b] = idx[b - 1];
			idx[b - 1] = x;
		}
	for (size_t i = 0; i < k; i++)
		req_reject(s, idx[i], at, "session expired before the request completed");
	free(idx);
}

static int64_t next_expiry(const sim *s, uint32_t *router)
{
	int64_t best = SIM_NEVER;
	if (s->p.state_timeout_ms == 0)
		return best;
	for (uint32_t v = 0; v < s->t->n_nodes; v++) {
		const sim_router *r = &s->routers[v];
		if (!r->alive)
			continue;
		int64_t at = r->last_refresh + s->p.state_timeout_ms;
		if (at < best) {
			best = at;
			*router = v;
		}
	}
	return best;
}

static void set_link(sim *s, uint32_t l, bool up)
{
	if (s->link_up[l] != up) {
		s->link_up[l] = up;
		sim_igp_invalidate(s);
	}
}

static int64_t until(int64_t at, int64_t dur)
{
	return dur == SIM_NEVER ? SIM_NEVER : at + dur;
}

static void run_event(sim *s, const sim_ev *e)
{
	switch (e->kind) {
	case SIM_EV_REJECT: {
		sim_router *r = &s->routers[e->router];
		r->reject_left += e->count;
		break;
	}
	case SIM_EV_STALL: {
		sim_router *r = &s->routers[e->router];
		int64_t u = until(e->at, e->dur);
		if (u > r->stall_until)
			r->stall_until = u;
		break;
	}
	case SIM_EV_SESSION_DROP: {
		sim_router *r = &s->routers[e->router];
		int64_t u = until(e->at, e->dur);
		if (u > r->drop_until)
			r->drop_until = u;
		break;
	}
	case SIM_EV_LINK_DOWN:
	case SIM_EV_LINK_UP:
		for (uint32_t i = 0; i < e->n_links; i++)
			set_link(s, e->links[i], e->kind == SIM_EV_LINK_UP);
		break;
	}
}

static void run_request(sim *s, int64_t at)
{
	size_t idx = heap_pop(s);
	sim_req *q = &s->reqs[idx];
	if (q->status != SIM_REQ_PENDING)
		return; /* rejected while it waited (session expiry) */
	sim_router *r = &s->routers[q->router];
	if (r->stall_until > at) {
		q->due = r->stall_until;
		heap_push(s, idx);
		return;
	}
	if (r->reject_left > 0) {
		r->reject_left--;
		req_reject(s, idx, at, "rejected by the router");
		return;
	}
	q->status = SIM_REQ_INSTALLED;
	q->done = at;
	if (q->remove) {
		pol_remove(s, q->router, q->dst, q->cls);
		report(s, at, SIM_RPT_REMOVED, idx + 1, q->router, q->dst, q->cls);
	} else {
		pol_install(s, q, idx + 1, at);
		report(s, at, SIM_RPT_INSTALLED, idx + 1, q->router, q->dst, q->cls);
	}
}

int sim_run_to(sim *s, int64_t now, neto_err *err)
{
	if (now < 0 || now > SIM_TIME_MAX)
		return neto_err_set(err, "sim: time %lld ms is out of range (0..%lld)",
				    (long long)now, (long long)SIM_TIME_MAX);
	if (now < s->now)
		return neto_err_set(err, "sim: time %lld ms is before the simulator's time %lld ms",
				    (long long)now, (long long)s->now);
	for (;;) {
		int64_t te = s->ev_next < s->n_ev ? s->ev[s->ev_next].at : SIM_NEVER;
		int64_t tq = s->n_heap > 0 ? s->reqs[s->heap[0]].due : SIM_NEVER;
		uint32_t xr = 0;
		int64_t tx = next_expiry(s, &xr);
		int64_t t = te < tq ? te : tq;
		if (tx < t)
			t = tx;
		if (t > now)
			break;
		if (t > s->now)
			s->now = t;
		if (te == t)
			run_event(s, &s->ev[s->ev_next++]);
		else if (tx == t)
			session_expire(s, xr, t);
		else
			run_request(s, t);
	}
	s->now = now;
	sim_flows_accrue(s, now);
	return 0;
}

int sim_advance(sim *s, int64_t now, neto_err *err)
{
	return sim_run_to(s, now, err);
}

/* ---- requests ----------------------------------------------------------- */

static int list_err(neto_err *err, uint32_t i, const char *what)
{
	return neto_err_set(err, "sim: segment list %u: %s", i, what);
}

static int policy_check(const sim *s, uint32_t router, uint32_t dst, const sim_policy *p,
			neto_err *err)
{
	const topo *t = s->t;
	if (p == NULL || p->n_lists == 0 || p->lists == NULL)
		return neto_err_set(err, "sim: a policy needs at least one segment list");
	if (p->n_lists > SIM_MAX_LISTS)
		return neto_err_set(err, "sim: %u segment lists, more than %d", p->n_lists,
				    SIM_MAX_LISTS);
	for (uint32_t i = 0; i < p->n_lists; i++) {
		const sim_seglist *sl = &p->lists[i];
		if (!(sl->weight > 0 && isfinite(sl->weight)))
			return list_err(err, i, "weight must be a finite number > 0");
		if (sl->limited && !(sl->rate_limit >= 0 && isfinite(sl->rate_limit)))
			return list_err(err, i, "rate limit must be a finite number >= 0");
		if ((sl->n_links > 0) == (sl->n_segs > 0))
			return list_err(err, i, "give either links or segments");
		uint32_t cur = router;
		if (sl->n_links > 0) {
			if (sl->links == NULL || sl->n_links > SIM_MAX_HOPS)
				return list_err(err, i, "no links, or too many");
			for (uint32_t k = 0; k < sl->n_links; k++) {
				uint32_t l = sl->links[k];
				if (l >= t->n_links)
					return neto_err_set(err, "sim: segment list %u: link %u "
							    "is out of range", i, l);
				if (t->links[l].src != cur)
					return neto_err_set(err, "sim: segment list %u: link '%s' "
							    "does not start at '%s'", i,
							    t->links[l].id, node_name(s, cur));
				cur = t->links[l].dst;
			}
		} else {
			if (sl->segs == NULL || sl->n_segs > SIM_MAX_SEGS)
				return list_err(err, i, "no segments, or too many");
			for (uint32_t k = 0; k < sl->n_segs; k++) {
				uint32_t g = sl->segs[k];
				if (g & SRV6_SEG_ADJ) {
					uint32_t l = g & ~SRV6_SEG_ADJ;
					if (l >= t->n_links)
						return neto_err_set(err, "sim: segment list %u: "
								    "adjacency %u is out of range",
								    i, l);
					if (t->links[l].src != cur)
						return neto_err_set(err, "sim: segment list %u: "
								    "adjacency '%s' does not start "
								    "at '%s'", i, t->links[l].id,
								    node_name(s, cur));
					cur = t->links[l].dst;
				} else {
					if (g >= t->n_nodes)
						return neto_err_set(err, "sim: segment list %u: "
								    "node %u is out of range", i, g);
					cur = g;
				}
			}
		}
		if (cur != dst)
			return neto_err_set(err, "sim: segment list %u ends at '%s', not at '%s'", i,
					    node_name(s, cur), node_name(s, dst));
	}
	return 0;
}

static sim_polcopy policy_copy(const sim_policy *p)
{
	size_t total = 0;
	for (uint32_t i = 0; i < p->n_lists; i++)
		total += (size_t)p->lists[i].n_links + p->lists[i].n_segs;
	sim_polcopy c = { 0 };
	c.n_lists = p->n_lists;
	c.lists = neto_malloc((size_t)p->n_lists * sizeof *c.lists);
	c.pool = neto_malloc((total ? total : 1) * sizeof *c.pool);
	size_t off = 0;
	for (uint32_t i = 0; i < p->n_lists; i++) {
		const sim_seglist *in = &p->lists[i];
		sim_seglist *o = &c.lists[i];
		*o = (sim_seglist){ .weight = in->weight, .limited = in->limited,
				    .rate_limit = in->limited ? in->rate_limit : 0 };
		if (in->n_links > 0) {
			memcpy(c.pool + off, in->links, (size_t)in->n_links * sizeof *c.pool);
			o->links = c.pool + off;
			o->n_links = in->n_links;
			off += in->n_links;
		} else {
			memcpy(c.pool + off, in->segs, (size_t)in->n_segs * sizeof *c.pool);
			o->segs = c.pool + off;
			o->n_segs = in->n_segs;
			off += in->n_segs;
		}
	}
	return c;
}

static int request(sim *s, uint32_t router, uint32_t dst, const char *cls,
		   const sim_policy *desired, int64_t now, uint64_t *request_id, neto_err *err)
{
	const topo *t = s->t;
	if (sim_run_to(s, now, err) != 0)
		return -1;
	if (router >= t->n_nodes || dst >= t->n_nodes)
		return neto_err_set(err, "sim: node %u is out of range (%u nodes)",
				    router >= t->n_nodes ? router : dst, t->n_nodes);
	if (router == dst)
		return neto_err_set(err, "sim: a policy from '%s' to itself", node_name(s, router));
	size_t clen = 0;
	if (sim_class_check(cls, &clen, err) != 0)
		return -1;
	if (desired != NULL && policy_check(s, router, dst, desired, err) != 0)
		return -1;
	uint32_t c;
	if (sim_class_intern(s, cls, &c, err) != 0)
		return -1;

	if (s->n_reqs == s->cap_reqs) {
		s->cap_reqs = s->cap_reqs ? 2 * s->cap_reqs : 16;
		s->reqs = neto_reallocarray(s->reqs, s->cap_reqs, sizeof *s->reqs);
	}
	size_t idx = s->n_reqs++;
	sim_req *q = &s->reqs[idx];
	*q = (sim_req){ .router = router, .dst = dst, .cls = c, .remove = desired == NULL,
			.status = SIM_REQ_PENDING, .issued = now, .due = now, .done = -1 };
	if (desired != NULL)
		q->pol = policy_copy(desired);
	if (request_id != NULL)
		*request_id = idx + 1;

	if (!session_open(&s->routers[router], now)) {
		req_reject(s, idx, now, "no controller session with the router");
		return 0;
	}
	char key[12];
	pack_key(router, dst, c, key);
	uint32_t k;
	if (!neto_strmap_get(&s->pkey, key, sizeof key, &k)) {
		if (s->n_pkey == s->cap_pkey) {
			s->cap_pkey = s->cap_pkey ? 2 * s->cap_pkey : 16;
			s->pkey_due = neto_reallocarray(s->pkey_due, s->cap_pkey,
							sizeof *s->pkey_due);
		}
		k = (uint32_t)s->n_pkey++;
		s->pkey_due[k] = 0;
		neto_strmap_put(&s->pkey, key, sizeof key, k, NULL);
	}
	int64_t due = now + draw_delay(s);
	if (due < s->pkey_due[k])
		due = s->pkey_due[k];
	s->pkey_due[k] = due;
	q->due = due;
	heap_push(s, idx);
	return 0;
}

int sim_request_apply(sim *s, uint32_t router, uint32_t dst, const char *cls,
		      const sim_policy *desired, int64_t now, uint64_t *request_id,
		      neto_err *err)
{
	if (desired == NULL)
		return neto_err_set(err, "sim: apply without a policy");
	return request(s, router, dst, cls, desired, now, request_id, err);
}

int sim_request_remove(sim *s, uint32_t router, uint32_t dst, const char *cls,
		       int64_t now, uint64_t *request_id, neto_err *err)
{
	return request(s, router, dst, cls, NULL, now, request_id, err);
}

sim_req_status sim_request_status(const sim *s, uint64_t request_id)
{
	if (request_id == 0 || request_id > s->n_reqs)
		return SIM_REQ_UNKNOWN;
	const sim_req *q = &s->reqs[request_id - 1];
	/* held by a stall that is on now and that it falls due in */
	int64_t stall = s->routers[q->router].stall_until;
	if (q->status == SIM_REQ_PENDING && stall > s->now && q->due <= stall)
		return SIM_REQ_STALLED;
	return q->status;
}

int sim_request_info(const sim *s, uint64_t request_id, sim_req_info *out, neto_err *err)
{
	sim_req_status st = sim_request_status(s, request_id);
	if (st == SIM_REQ_UNKNOWN)
		return neto_err_set(err, "sim: no request %llu", (unsigned long long)request_id);
	const sim_req *q = &s->reqs[request_id - 1];
	*out = (sim_req_info){ .status = st, .router = q->router, .dst = q->dst,
			       .cls = s->cls_name[q->cls], .remove = q->remove,
			       .issued_at = q->issued, .due_at = q->due, .done_at = q->done,
			       .reason = q->reason };
	return 0;
}

/* ---- sessions ----------------------------------------------------------- */

int sim_session_refresh(sim *s, uint32_t router, int64_t now, neto_err *err)
{
	if (sim_run_to(s, now, err) != 0)
		return -1;
	if (router >= s->t->n_nodes)
		return neto_err_set(err, "sim: router %u is out of range (%u nodes)", router,
				    s->t->n_nodes);
	sim_router *r = &s->routers[router];
	if (now < r->drop_until)
		return neto_err_set(err, "sim: router '%s': the session is down, the refresh "
				    "is lost", node_name(s, router));
	r->alive = true;
	r->last_refresh = now;
	return 0;
}

bool sim_session_up(const sim *s, uint32_t router)
{
	return router < s->t->n_nodes && session_open(&s->routers[router], s->now);
}

/* ---- failures ----------------------------------------------------------- */

int sim_link_set(sim *s, uint32_t link, bool up, int64_t now, neto_err *err)
{
	if (sim_run_to(s, now, err) != 0)
		return -1;
	if (link >= s->t->n_links)
		return neto_err_set(err, "sim: link %u is out of range (%u links)", link,
				    s->t->n_links);
	set_link(s, link, up);
	return 0;
}

bool sim_link_up(const sim *s, uint32_t link)
{
	return link < s->t->n_links && s->link_up[link];
}

static int router_of(const sim *s, const sim_event *e, uint32_t *v, neto_err *err)
{
	*v = topo_find_node(s->t, e->a, strlen(e->a));
	if (*v == TOPO_NONE)
		return neto_err_at(err, "scenario", e->line, "unknown router '%.200s'", e->a);
	return 0;
}

static int links_of(const sim *s, const sim_event *e, sim_ev *o, neto_err *err)
{
	const topo *t = s->t;
	if (e->b == NULL) {
		uint32_t l = topo_find_link(t, e->a, strlen(e->a));
		if (l == TOPO_NONE)
			return neto_err_at(err, "scenario", e->line, "unknown link '%.200s'", e->a);
		o->links = neto_malloc(sizeof *o->links);
		o->links[0] = l;
		o->n_links = 1;
		return 0;
	}
	uint32_t a = topo_find_node(t, e->a, strlen(e->a));
	uint32_t b = topo_find_node(t, e->b, strlen(e->b));
	if (a == TOPO_NONE || b == TOPO_NONE)
		return neto_err_at(err, "scenario", e->line, "unknown node '%.200s'",
				   a == TOPO_NONE ? e->a : e->b);
	uint32_t n = 0;
	for (uint32_t l = 0; l < t->n_links; l++)
		if ((t->links[l].src == a && t->links[l].dst == b) ||
		    (t->links[l].src == b && t->links[l].dst == a))
			n++;
	if (n == 0)
		return neto_err_at(err, "scenario", e->line, "no link between '%.200s' and '%.200s'",
				   e->a, e->b);
	o->links = neto_malloc((size_t)n * sizeof *o->links);
	for (uint32_t l = 0; l < t->n_links; l++)
		if ((t->links[l].src == a && t->links[l].dst == b) ||
		    (t->links[l].src == b && t->links[l].dst == a))
			o->links[o->n_links++] = l;
	return 0;
}

static int ev_cmp(const void *pa, const void *pb)
{
	const sim_ev *a = pa, *b = pb;
	if (a->at != b->at)
		return a->at < b->at ? -1 : 1;
	return a->seq < b->seq ? -1 : (a->seq > b->seq);
}

int sim_load_scenario(sim *s, const sim_scenario *sc, neto_err *err)
{
	if (sc == NULL || sc->n == 0)
		return 0;
	sim_ev *tmp = neto_calloc(sc->n, sizeof *tmp);
	size_t k;
	for (k = 0; k < sc->n; k++) {
		const sim_event *e = &sc->v[k];
		sim_ev *o = &tmp[k];
		*o = (sim_ev){ .at = e->at, .seq = s->ev_seq + k, .line = e->line,
			       .kind = e->kind, .count = e->count, .dur = e->dur };
		int rc = 0;
		if (e->at < s->now || e->at > SIM_TIME_MAX)
			rc = neto_err_at(err, "scenario", e->line,
					 "event at %lld ms is before the simulator's time %lld ms",
					 (long long)e->at, (long long)s->now);
		else if (e->kind == SIM_EV_LINK_DOWN || e->kind == SIM_EV_LINK_UP)
			rc = links_of(s, e, o, err);
		else
			rc = router_of(s, e, &o->router, err);
		if (rc != 0)
			break;
	}
	if (k < sc->n) {
		for (size_t i = 0; i <= k; i++)
			free(tmp[i].links);
		free(tmp);
		return -1;
	}
	s->ev_seq += sc->n;
	/* drop the events already run, append, sort the rest */
	size_t keep = s->n_ev - s->ev_next;
	for (size_t i = 0; i < s->ev_next; i++)
		free(s->ev[i].links);
	if (s->ev_next > 0)
		memmove(s->ev, s->ev + s->ev_next, keep * sizeof *s->ev);
	s->n_ev = keep;
	s->ev_next = 0;
	if (s->n_ev + sc->n > s->cap_ev) {
		s->cap_ev = s->n_ev + sc->n;
		s->ev = neto_reallocarray(s->ev, s->cap_ev, sizeof *s->ev);
	}
	memcpy(s->ev + s->n_ev, tmp, sc->n * sizeof *tmp);
	s->n_ev += sc->n;
	free(tmp);
	qsort(s->ev, s->n_ev, sizeof *s->ev, ev_cmp);
	return 0;
}
