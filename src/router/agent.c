/*
 * agent.c - `neto router`'s agent (agent.h): the PCC's LSPs in the kernel.
 *
 * The PCC (proto/pcep/pcc.c) decides what is accepted and answers the PCE;
 * this file is its data plane, through the installed hook: every accepted
 * initiation, update or removal reprograms the SR policy the LSP belongs to
 * (all live LSPs with its colour and end point) with one REPLACE per
 * destination prefix, then reads the class's table back and rewrites each
 * member's report (ERO, operational state, LSP-ERROR-CODE) from what the
 * kernel holds. A member that cannot be used (SR-MPLS without an MPLS data
 * plane, a colour without a class, an end point without prefixes, a SID the
 * IGP does not reach, a segment inside the policy's own prefixes, which
 * would encapsulate the tunnel into itself) is left out and reported down
 * with error 4; when the kernel refuses the route, the LSP that caused it is
 * left out and the rest programmed again (error 5). An LSP stays out until
 * the PCE updates it.
 *
 * apply_delay (agent.h) holds each read of the session's requests for that
 * long before the first of them reaches the kernel, like a router whose
 * control plane or FIB is slow: the wait blocks the agent (a busy control
 * plane), the requests read with it are then programmed one after the
 * other without waiting again, and each report is sent after its
 * programming, so the PCE learns of the change only once it is in the
 * kernel.
 *
 * Timers: the session (keepalive, dead timer) runs on the monotonic clock;
 * the loop wakes at least every 200 ms. Connection attempts back off from
 * `reconnect` to 32 times it. The state timeout counts from the moment the
 * session was last up (or the agent started).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lib/mem.h"
#include "router/agent.h"

struct ragent_meta {
	char *name;		/* owned; the LSP's symbolic name */
	bool known;		/* colour and end point recorded */
	uint32_t color;
	pcep_addr ep;
	pcep_ro want;		/* the ERO asked for (owned) */
	bool failed;		/* refused until the next request */
	uint32_t code;		/* its LSP-ERROR-CODE */
	char why[160];
};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void logf_(ragent *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(ragent *a, const char *fmt, ...)
{
	if (a->log == NULL)
		return;
	va_list ap;
	va_start(ap, fmt);
	fprintf(a->log, "router %s: ", a->cfg.name ? a->cfg.name : "-");
	vfprintf(a->log, fmt, ap);
	fputc('\n', a->log);
	fflush(a->log);
	va_end(ap);
}

static ragent_meta *meta_get(ragent *a, const char *name)
{
	for (size_t i = 0; i < a->n_meta; i++)
		if (strcmp(a->meta[i].name, name) == 0)
			return &a->meta[i];
	if (a->n_meta == a->cap_meta) {
		a->cap_meta = a->cap_meta ? 2 * a->cap_meta : 16;
		a->meta = neto_reallocarray(a->meta, a->cap_meta, sizeof *a->meta);
	}
	ragent_meta *m = &a->meta[a->n_meta++];
	memset(m, 0, sizeof *m);
	m->name = neto_strdup(name);
	return m;
}

/* ---- one policy: the LSPs of a colour and an end point ------------------ */

static void fail_member(ragent_meta *m, uint32_t code, const char *why)
{
	m->failed = true;
	m->code = code;
	snprintf(m->why, sizeof m->why, "%.150s", why);
}

static bool in_prefix(const uint8_t a[16], const rt_prefix *p)
{
	uint32_t full = p->len / 8, rest = p->len % 8;
	if (memcmp(a, p->addr, full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (a[full] & mask) == (p->addr[full] & mask);
}

/* The report of L from the kernel's lists K (NULL: the table has no route
 * for the policy). */
static void readback_member(ragent *a, pcc_lsp *l, ragent_meta *m, const rt_policy *k)
{
	free(l->path.ero.sub);
	l->path.ero.sub = NULL;
	l->path.ero.n = 0;
	l->path.has_ero = true;
	l->flags = (uint16_t)(l->flags & ~PCEP_LSP_O_MASK);
	const rt_seglist *hit = NULL;
	rt_seglist want;
	neto_err e;
	if (!m->failed && ragent_ero_segs(&m->want, &want, &e) == 0 && k != NULL) {
		for (uint32_t i = 0; i < k->n_lists && hit == NULL; i++)
			if (k->lists[i].n_segs == want.n_segs &&
			    memcmp(k->lists[i].segs, want.segs, 16 * (size_t)want.n_segs) == 0)
				hit = &k->lists[i];
	}
	if (hit == NULL) {
		if (!m->failed)
			fail_member(m, RAGENT_LSPERR_INTERNAL, "not in the kernel after programming");
		l->lsp_error = m->code;
		l->flags |= PCEP_OPER_DOWN << PCEP_LSP_O_SHIFT;
		logf_(a, "lsp %s down: %s", l->name, m->why);
		return;
	}
	/* the ERO reported is the kernel's list; behaviours and structures
	 * (which the kernel does not keep) come from the request */
	for (uint32_t i = 0; i < hit->n_segs; i++) {
		pcep_subobj *s = pcep_ro_add(&l->path.ero);
		const pcep_subobj *w = &m->want.sub[i];
		s->type = PCEP_RO_SRV6;
		s->flags = (uint16_t)(w->flags & ~(PCEP_SRV6_S | PCEP_SRV6_V));
		memcpy(s->sid6, hit->segs[i], 16);
		s->behavior = w->behavior;
		s->st = w->st;
		s->nai = w->nai;
		if (w->flags & PCEP_SRV6_F)
			s->nai.type = PCEP_NAI_ABSENT;
	}
	l->lsp_error = 0;
	l->flags |= PCEP_OPER_UP << PCEP_LSP_O_SHIFT;
}

static bool member_of(ragent *a, const pcc_lsp *l, uint32_t color, const pcep_addr *ep,
		      ragent_meta **out)
{
	if (!l->alive)
		return false;
	ragent_meta *m = meta_get(a, l->name);
	*out = m;
	return m->known && m->color == color && pcep_addr_eq(&m->ep, ep);
}

/* Programs the policy (COLOR, EP) from its live LSPs and rewrites their
 * reports from the kernel. TRIGGER is the LSP whose request caused it. */
static void program(ragent *a, uint32_t color, const pcep_addr *ep, const pcc_lsp *trigger)
{
	pcc *c = &a->pcc;
	const ragent_class *k = ragent_class_find(&a->cfg, color);
	rt_policy *p = neto_calloc(1, sizeof *p);
	const ragent_endpoint *e = ragent_endpoint_find(&a->cfg, ep);
	if (e) {
		p->n_prefixes = e->n;
		memcpy(p->prefixes, e->p, e->n * sizeof e->p[0]);
	} else if (ep->af == 6) {
		/* no prefixes configured: the end point's own address */
		p->n_prefixes = 1;
		memcpy(p->prefixes[0].addr, ep->a, 16);
		p->prefixes[0].len = 128;
	}
	char eps[64];
	pcep_addr_str(ep, eps, sizeof eps);
	for (int attempt = 0; attempt < 3; attempt++) {
		p->n_lists = 0;
		float bw[RT_MAX_LISTS];
		for (size_t i = 0; i < c->n_lsp; i++) {
			pcc_lsp *l = &c->lsp[i];
			ragent_meta *m;
			if (!member_of(a, l, color, ep, &m) || m->failed)
				continue;
			neto_err err;
			rt_seglist *sl = &p->lists[p->n_lists];
			memset(sl, 0, sizeof *sl);
			if (k == NULL) {
				fail_member(m, RAGENT_LSPERR_UNACCEPTABLE, "no class for its colour");
				continue;
			}
			if (p->n_prefixes == 0) {
				fail_member(m, RAGENT_LSPERR_UNACCEPTABLE,
					    "no destination prefixes for its end point");
				continue;
			}
			if (ragent_ero_segs(&m->want, sl, &err) != 0) {
				fail_member(m, RAGENT_LSPERR_UNACCEPTABLE, err.msg);
				continue;
			}
			bool loop = false;
			for (uint32_t s = 0; s < sl->n_segs; s++)
				for (uint32_t q = 0; q < p->n_prefixes; q++)
					loop |= in_prefix(sl->segs[s], &p->prefixes[q]);
			if (loop) {
				fail_member(m, RAGENT_LSPERR_UNACCEPTABLE,
					    "a segment lies in the policy's own destination");
				continue;
			}
			if (ragent_nexthop(sl->segs[0], &sl->oif, &sl->has_via, sl->via, &err) != 0) {
				char msg[160];
				snprintf(msg, sizeof msg, "first SID unreachable: %.120s", err.msg);
				fail_member(m, RAGENT_LSPERR_UNACCEPTABLE, msg);
				continue;
			}
			/* two LSPs of one policy with the same segment list (the
			 * PCE moves paths between LSPs in a transition step) are
			 * one next hop with their bandwidths added: the kernel
			 * refuses a multipath route with two equal next hops */
			float lbw = l->path.has_bandwidth ? l->path.bandwidth : 0;
			uint32_t same = 0;
			while (same < p->n_lists &&
			       !(p->lists[same].n_segs == sl->n_segs &&
				 memcmp(p->lists[same].segs, sl->segs, 16 * (size_t)sl->n_segs) == 0))
				same++;
			if (same < p->n_lists) {
				bw[same] += lbw;
				continue;
			}
			if (p->n_lists == RT_MAX_LISTS) {
				fail_member(m, RAGENT_LSPERR_UNACCEPTABLE,
					    "too many segment lists in the policy");
				continue;
			}
			bw[p->n_lists] = lbw;
			p->n_lists++;
		}
		uint32_t w[RT_MAX_LISTS];
		ragent_weights(bw, p->n_lists, w);
		for (uint32_t i = 0; i < p->n_lists; i++)
			p->lists[i].weight = w[i];
		if (k == NULL || p->n_prefixes == 0)
			break;
		p->table = k->table;
		neto_err err;
		int rc = p->n_lists ? rt_nl_policy(a->nl, RT_OP_REPLACE, p, &err)
				    : rt_nl_policy(a->nl, RT_OP_DELETE, p, &err);
		if (rc == 0) {
			a->n_programmed++;
			logf_(a, "policy colour %u end point %s: %u segment list(s) in table %u",
			      color, eps, p->n_lists, p->table);
			break;
		}
		a->n_refused++;
		logf_(a, "policy colour %u end point %s: kernel refused: %s", color, eps, err.msg);
		/* leave the requester out (then everyone) and try again */
		char msg[160];
		snprintf(msg, sizeof msg, "kernel refused the route: %.120s", err.msg);
		ragent_meta *tm;
		if (attempt == 0 && trigger && member_of(a, trigger, color, ep, &tm) && !tm->failed) {
			fail_member(tm, RAGENT_LSPERR_INTERNAL, msg);
			continue;
		}
		for (size_t i = 0; i < c->n_lsp; i++) {
			ragent_meta *m;
			if (member_of(a, &c->lsp[i], color, ep, &m) && !m->failed)
				fail_member(m, RAGENT_LSPERR_INTERNAL, msg);
		}
	}
	/* what the kernel holds for the policy's first prefix */
	rt_policy_set set = { 0 };
	const rt_policy *held = NULL;
	if (k && p->n_prefixes) {
		neto_err err;
		if (rt_nl_read(a->nl, k->table, &set, NULL, NULL, &err) != 0)
			logf_(a, "read back table %u: %s", k->table, err.msg);
		for (size_t i = 0; i < set.n && held == NULL; i++)
			for (uint32_t q = 0; q < set.v[i].n_prefixes; q++)
				if (set.v[i].prefixes[q].len == p->prefixes[0].len &&
				    memcmp(set.v[i].prefixes[q].addr, p->prefixes[0].addr, 16) == 0)
					held = &set.v[i];
	}
	for (size_t i = 0; i < c->n_lsp; i++) {
		ragent_meta *m;
		if (member_of(a, &c->lsp[i], color, ep, &m))
			readback_member(a, &c->lsp[i], m, held);
	}
	rt_policy_set_free(&set);
	free(p);
}

/* apply_delay: once per read of the session (ragent_run clears waited). A
 * signal ends the wait early: the agent is being stopped. */
static void apply_wait(ragent *a)
{
	if (a->cfg.apply_delay_ms <= 0 || a->waited)
		return;
	a->waited = true;
	logf_(a, "apply delay: programming in %lld ms", (long long)a->cfg.apply_delay_ms);
	struct timespec ts = { .tv_sec = (time_t)(a->cfg.apply_delay_ms / 1000),
			       .tv_nsec = (long)(a->cfg.apply_delay_ms % 1000) * 1000000 };
	(void)nanosleep(&ts, NULL);
}

/* The PCC's hook: an LSP was initiated, updated or removed. */
static void on_installed(void *arg, pcc *c, pcc_lsp *l)
{
	ragent *a = arg;
	apply_wait(a);
	ragent_meta *m = meta_get(a, l->name);
	bool had = m->known;
	uint32_t old_color = m->color;
	pcep_addr old_ep = m->ep;
	if (l->alive) {
		uint32_t color;
		if (ragent_path_color(&l->path, &color))
			m->color = color;
		else if (!had)
			m->color = 0;
		if (l->path.has_endpoints)
			m->ep = l->path.dst;
		else if (l->path.has_assoc && l->path.assoc.tlvs.has_ext_assoc)
			m->ep = l->path.assoc.tlvs.policy_endpoint;
		m->known = true;
		m->failed = false;
		m->code = 0;
		m->why[0] = '\0';
		free(m->want.sub);
		memset(&m->want, 0, sizeof m->want);
		pcep_ro_copy(&m->want, &l->path.ero);
		logf_(a, "lsp %s (PLSP-ID %u): %s, colour %u, %zu segment(s)", l->name, l->plsp_id,
		      l->last_srp ? "requested" : "held", m->color, m->want.n);
	} else {
		logf_(a, "lsp %s (PLSP-ID %u): removed", l->name, l->plsp_id);
	}
	(void)c;
	if (had && (!l->alive || old_color != m->color || !pcep_addr_eq(&old_ep, &m->ep)))
		program(a, old_color, &old_ep, NULL);
	if (l->alive)
		program(a, m->color, &m->ep, l);
	else
		m->known = false;
}

/* Removes every PCE-initiated LSP and its routes (state timeout, exit). */
static void flush(ragent *a, const char *why)
{
	pcc *c = &a->pcc;
	size_t n = 0;
	for (size_t i = 0; i < c->n_lsp; i++) {
		if (c->lsp[i].alive && (c->lsp[i].flags & PCEP_LSP_C)) {
			c->lsp[i].alive = false;
			n++;
		}
	}
	for (size_t i = 0; i < a->n_meta; i++) {
		ragent_meta *m = &a->meta[i];
		if (m->known && pcc_find(c, m->name) == NULL) {
			program(a, m->color, &m->ep, NULL);
			m->known = false;
		}
	}
	a->n_flushes++;
	logf_(a, "%s: removed %zu policy path(s)", why, n);
}

/* ---- life cycle ----------------------------------------------------------- */

static void cfg_copy(ragent_cfg *dst, const ragent_cfg *src)
{
	*dst = *src;
	dst->name = src->name ? neto_strdup(src->name) : NULL;
	dst->pce_host = src->pce_host ? neto_strdup(src->pce_host) : NULL;
	dst->te_source = src->te_source ? neto_strdup(src->te_source) : NULL;
	dst->telemetry_store = src->telemetry_store ? neto_strdup(src->telemetry_store) : NULL;
	dst->links = NULL;
	if (src->n_links) {
		dst->links = neto_reallocarray(NULL, src->n_links, sizeof *dst->links);
		memcpy(dst->links, src->links, src->n_links * sizeof *dst->links);
	}
	dst->delays = NULL;
	if (src->n_delays) {
		dst->delays = neto_reallocarray(NULL, src->n_delays, sizeof *dst->delays);
		memcpy(dst->delays, src->delays, src->n_delays * sizeof *dst->delays);
	}
	probe_cfg_copy(&dst->probe, &src->probe);
	dst->ep = NULL;
	if (src->n_ep) {
		dst->ep = neto_reallocarray(NULL, src->n_ep, sizeof *dst->ep);
		memcpy(dst->ep, src->ep, src->n_ep * sizeof *dst->ep);
	}
}

/* Policies left in the classes' tables by an earlier run: the tables are
 * the agent's, and it holds nothing yet. */
static void clear_tables(ragent *a)
{
	for (uint32_t i = 0; i < a->cfg.n_cls; i++) {
		rt_policy_set set;
		neto_err err;
		if (rt_nl_read(a->nl, a->cfg.cls[i].table, &set, NULL, NULL, &err) != 0)
			continue;
		for (size_t j = 0; j < set.n; j++)
			if (rt_nl_policy(a->nl, RT_OP_DELETE, &set.v[j], &err) != 0)
				logf_(a, "clear table %u: %s", a->cfg.cls[i].table, err.msg);
		if (set.n)
			logf_(a, "cleared %zu stale policy route(s) from table %u", set.n,
			      a->cfg.cls[i].table);
		rt_policy_set_free(&set);
	}
}

int ragent_open(ragent *a, const ragent_cfg *cfg, FILE *log, neto_err *err)
{
	memset(a, 0, sizeof *a);
	a->fd = -1;
	a->log = log;
	if (ragent_cfg_check(cfg, err) != 0)
		return -1;
	cfg_copy(&a->cfg, cfg);
	a->nl = rt_nl_open(err);
	if (a->nl == NULL) {
		ragent_cfg_free(&a->cfg);
		return -1;
	}
	clear_tables(a);
	for (uint32_t i = 0; i < a->cfg.n_cls; i++) {
		const ragent_class *k = &a->cfg.cls[i];
		if (rt_nl_dscp_rule(a->nl, RT_OP_REPLACE, k->dscp, k->table, a->cfg.rule_prio,
				    err) != 0) {
			ragent_free(a);
			return -1;
		}
	}
	pcc_cfg pc;
	memset(&pc, 0, sizeof pc);
	pcep_session_cfg_default(&pc.sess, true);
	pc.sess.keepalive = a->cfg.keepalive;
	pc.sess.deadtimer = (uint8_t)(4 * a->cfg.keepalive);
	pc.sess.srv6 = true;	/* PST 3 (RFC 9603) besides PST 1 (RFC 8664) */
	pc.sess.msd = RT_MAX_SEGS;
	pc.addr = a->cfg.addr;
	pc.installed = on_installed;
	pc.installed_arg = a;
	pcc_init(&a->pcc, &pc);
	a->backoff = a->cfg.reconnect_ms;
	a->down_since = mono_ms();
	return 0;
}

void ragent_free(ragent *a)
{
	lsx_free(a->lsx);
	telemetry_free(a->tel);
	if (a->fd >= 0)
		close(a->fd);
	if (a->pcc.lsp || a->pcc.s.out.buf)
		pcc_free(&a->pcc);
	for (size_t i = 0; i < a->n_meta; i++) {
		free(a->meta[i].name);
		free(a->meta[i].want.sub);
	}
	free(a->meta);
	if (a->nl)
		rt_nl_close(a->nl);
	ragent_cfg_free(&a->cfg);
	memset(a, 0, sizeof *a);
	a->fd = -1;
}

static void try_connect(ragent *a, int64_t now)
{
	neto_err err;
	int fd = pcc_connect(a->cfg.pce_host, a->cfg.pce_port, &err);
	if (fd < 0) {
		logf_(a, "%s; again in %lld ms", err.msg, (long long)a->backoff);
		a->next_try = now + a->backoff;
		if (a->backoff < 32 * a->cfg.reconnect_ms)
			a->backoff *= 2;
		return;
	}
	a->fd = fd;
	a->n_connects++;
	if (a->cfg.addr.af == 0) {
		/* our PCC address: the connection's own */
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
			pcep_addr *pa = &a->pcc.cfg.addr;
			memset(pa, 0, sizeof *pa);
			if (ss.ss_family == AF_INET) {
				pa->af = 4;
				memcpy(pa->a, &((struct sockaddr_in *)&ss)->sin_addr, 4);
			} else {
				pa->af = 6;
				memcpy(pa->a, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
			}
		}
	}
	if (a->n_connects > 1)
		pcc_restart(&a->pcc);
	pcc_start(&a->pcc, now);
	logf_(a, "connected to PCE %s port %u; holding %zu LSP(s)", a->cfg.pce_host,
	      (unsigned)a->cfg.pce_port, pcc_count(&a->pcc));
}

int ragent_run(ragent *a, volatile sig_atomic_t *stop, neto_err *err)
{
	pcep_state last = PCEP_ST_IDLE;
	/* the latency prober runs in its own thread while the agent runs */
	prober *prb = NULL;
	if (a->cfg.probe.targets &&
	    probe_start(&prb, &a->cfg.probe, a->cfg.name, a->cfg.telemetry_store, a->log, err) != 0)
		return -1;
	while (!*stop) {
		int64_t now = mono_ms();
		if (a->lsx)
			lsx_poll(a->lsx, now);
		if (a->tel)
			telemetry_poll(a->tel, now);
		if (a->cfg.pce_host == NULL) {
			/* BGP-LS export only */
			struct pollfd none;
			(void)poll(&none, 0, 100);
			continue;
		}
		if (a->fd < 0 && now >= a->next_try)
			try_connect(a, now);
		a->waited = false;
		if (a->fd >= 0 && pcc_io(&a->pcc, a->fd, now) != 0) {
			logf_(a, "session with PCE closed: %s",
			      a->pcc.s.why[0] ? a->pcc.s.why : "connection lost");
			close(a->fd);
			a->fd = -1;
			a->next_try = now + a->backoff;
		}
		pcep_state st = a->fd >= 0 ? a->pcc.s.state : PCEP_ST_CLOSED;
		if (st == PCEP_ST_UP) {
			if (last != PCEP_ST_UP) {
				logf_(a, "session up; state synchronised (%zu LSP(s))",
				      pcc_count(&a->pcc));
				a->backoff = a->cfg.reconnect_ms;
			}
			a->down_since = -1;
			a->flushed = false;
		} else {
			if (a->down_since < 0)
				a->down_since = now;
			/* RFC 8231 s5.7.5: the state timeout ran out */
			if (!a->flushed && now - a->down_since >= a->cfg.state_timeout_ms) {
				if (pcc_count(&a->pcc))
					flush(a, "state timeout");
				a->flushed = true;
			}
		}
		last = st;
		int wait = 200;
		if (a->fd < 0 && a->next_try - now < wait)
			wait = a->next_try > now ? (int)(a->next_try - now) : 0;
		struct pollfd pfd = { .fd = a->fd, .events = POLLIN };
		if (poll(&pfd, a->fd >= 0 ? 1 : 0, wait) < 0 && errno != EINTR) {
			probe_stop(prb);
			return neto_err_set(err, "poll: %s", strerror(errno));
		}
	}
	probe_stop(prb);
	/* leaving: the PCE-initiated policies go with the agent */
	int64_t now = mono_ms();
	if (pcc_count(&a->pcc))
		flush(a, "exit");
	if (a->fd >= 0) {
		if (a->pcc.s.state == PCEP_ST_UP)
			pcep_session_close(&a->pcc.s, PCEP_CLOSE_NONE, now);
		(void)pcc_io(&a->pcc, a->fd, now);
	}
	for (uint32_t i = 0; i < a->cfg.n_cls; i++) {
		const ragent_class *k = &a->cfg.cls[i];
		neto_err e;
		if (rt_nl_dscp_rule(a->nl, RT_OP_DELETE, k->dscp, k->table, a->cfg.rule_prio, &e) !=
		    0)
			logf_(a, "rule dscp %u: %s", k->dscp, e.msg);
	}
	return 0;
}
