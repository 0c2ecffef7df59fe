/*
 * pce.c - the stateful, active PCE: listener, sessions, LSP databases
 * (pce.h).
 *
 * One thread, one poll(2) over the listener and every PCC's socket. A
 * session's bytes go through its pcep_session (framing, Open, timers,
 * errors); what the session delivers (PCRpt, PCErr) updates that session's
 * LSP database here. Requests are only sent, never waited for: their
 * outcome arrives later as a PCRpt carrying the request's SRP-ID (RFC 8231
 * s7.2: "the SRP-ID of the PCUpd/PCInitiate being acknowledged") or as a
 * PCErr listing it.
 *
 * The database of a session: a slot per symbolic name (stable, so a
 * policy's slot survives its LSP being removed and created again), a map
 * PLSP-ID -> slot for reports, and a map pending SRP-ID -> slot for
 * answers. Memory per LSP: the slot (with its last report, whose ERO is an
 * array of subobjects) and three map entries.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent/pce.h"
#include "lib/mem.h"

/* ---- uint32 -> index map (open addressing, linear probing) -------------- */

static size_t u32_slot(uint32_t k, size_t cap)
{
	return (size_t)((k * 2654435761u) & (cap - 1));
}

static void u32_put(pce_u32map *m, uint32_t k, uint32_t v);

static void u32_grow(pce_u32map *m)
{
	pce_u32map n = { 0 };
	n.cap = m->cap ? 2 * m->cap : 64;
	n.key = neto_calloc(n.cap, sizeof *n.key);
	n.val = neto_calloc(n.cap, sizeof *n.val);
	for (size_t i = 0; i < m->cap; i++)
		if (m->key[i])
			u32_put(&n, m->key[i], m->val[i]);
	free(m->key);
	free(m->val);
	*m = n;
}

static void u32_put(pce_u32map *m, uint32_t k, uint32_t v)
{
	if (2 * (m->count + 1) > m->cap)
		u32_grow(m);
	size_t i = u32_slot(k, m->cap);
	while (m->key[i] && m->key[i] != k)
		i = (i + 1) & (m->cap - 1);
	if (m->key[i] == 0)
		m->count++;
	m->key[i] = k;
	m->val[i] = v;
}

static bool u32_get(const pce_u32map *m, uint32_t k, uint32_t *v)
{
	if (m->cap == 0 || k == 0)
		return false;
	for (size_t i = u32_slot(k, m->cap); m->key[i]; i = (i + 1) & (m->cap - 1))
		if (m->key[i] == k) {
			*v = m->val[i];
			return true;
		}
	return false;
}

/* Deletion with backward shift, so that probes never need tombstones. */
static void u32_del(pce_u32map *m, uint32_t k)
{
	if (m->cap == 0 || k == 0)
		return;
	size_t i = u32_slot(k, m->cap);
	while (m->key[i] && m->key[i] != k)
		i = (i + 1) & (m->cap - 1);
	if (m->key[i] == 0)
		return;
	m->key[i] = 0;
	m->count--;
	for (size_t j = (i + 1) & (m->cap - 1); m->key[j]; j = (j + 1) & (m->cap - 1)) {
		size_t h = u32_slot(m->key[j], m->cap);
		/* move j back to i if its home is not in (i, j] */
		if ((j > i && (h <= i || h > j)) || (j < i && h <= i && h > j)) {
			m->key[i] = m->key[j];
			m->val[i] = m->val[j];
			m->key[j] = 0;
			i = j;
		}
	}
}

static void u32_free(pce_u32map *m)
{
	free(m->key);
	free(m->val);
	memset(m, 0, sizeof *m);
}

/* ---- sessions ------------------------------------------------------------- */

static void logf_(pce *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(pce *p, const char *fmt, ...)
{
	if (p->cfg.log == NULL)
		return;
	va_list ap;
	va_start(ap, fmt);
	fprintf(p->cfg.log, "pce: ");
	vfprintf(p->cfg.log, fmt, ap);
	fputc('\n', p->cfg.log);
	va_end(ap);
	fflush(p->cfg.log);
}

static void sess_free(pce_sess *s)
{
	if (s->fd >= 0)
		close(s->fd);
	pcep_session_free(&s->s);
	for (size_t i = 0; i < s->n_lsp; i++) {
		free(s->lsp[i].name);
		pcep_path_free(&s->lsp[i].report);
		free(s->lsp[i].asked.sub);
	}
	free(s->lsp);
	neto_strmap_free(&s->by_name);
	u32_free(&s->by_plsp);
	u32_free(&s->by_srp);
	free(s);
}

bool pce_sess_up(const pce_sess *s)
{
	return s != NULL && s->s.state == PCEP_ST_UP;
}

pce_lsp *pce_lsp_find(pce_sess *s, const char *name)
{
	uint32_t i;
	if (!neto_strmap_get(&s->by_name, name, strlen(name), &i))
		return NULL;
	return &s->lsp[i];
}

static uint32_t slot_for(pce_sess *s, const char *name)
{
	uint32_t i;
	if (neto_strmap_get(&s->by_name, name, strlen(name), &i))
		return i;
	if (s->n_lsp == s->cap_lsp) {
		s->cap_lsp = s->cap_lsp ? 2 * s->cap_lsp : 64;
		s->lsp = neto_reallocarray(s->lsp, s->cap_lsp, sizeof *s->lsp);
	}
	i = (uint32_t)s->n_lsp++;
	memset(&s->lsp[i], 0, sizeof s->lsp[i]);
	s->lsp[i].name = neto_strdup(name);
	neto_strmap_put(&s->by_name, name, strlen(name), i, NULL);
	return i;
}

size_t pce_lsp_count(const pce_sess *s)
{
	size_t n = 0;
	for (size_t i = 0; i < s->n_lsp; i++)
		n += s->lsp[i].exists;
	return n;
}

pce_sess *pce_find(pce *p, const pcep_addr *a)
{
	for (size_t i = p->n_sess; i-- > 0;)
		if (pcep_addr_eq(&p->sess[i]->peer, a))
			return p->sess[i];
	return NULL;
}

/* ---- reports and errors --------------------------------------------------- */

static void finish(pce_sess *s, pce_lsp *l, pce_req_state st)
{
	l->req = st;
	u32_del(&s->by_srp, l->srp_id);
}

/* RFC 8231 s6.1: one <state-report>. */
static void on_report(pce *p, pce_sess *s, const pcep_path *r, int64_t now)
{
	const pcep_lsp *o = &r->lsp;
	if (o->plsp_id == 0) {
		/* s5.6: the end-of-synchronisation marker */
		if (!(o->flags & PCEP_LSP_S) && !s->synced) {
			s->synced = true;
			s->gen++;
			char a[64];
			logf_(p, "%s: synchronised, %zu LSPs", pcep_addr_str(&s->peer, a, sizeof a),
			      pce_lsp_count(s));
		}
		return;
	}
	s->n_reports++;
	uint32_t i;
	bool found = u32_get(&s->by_plsp, o->plsp_id, &i);
	if (!found && o->tlvs.name) {
		i = slot_for(s, o->tlvs.name);
		found = true;
	}
	if (!found && r->has_srp && u32_get(&s->by_srp, r->srp.srp_id, &i))
		found = true;
	if (!found) {
		/* s7.3.2: the first report of an LSP names it */
		s->n_unmatched++;
		pcep_session_send_error(&s->s, PCEP_ERR_INVALID_OBJECT, PCEP_EV_NO_SYMBOLIC_NAME,
					r->has_srp ? r->srp.srp_id : 0, now);
		return;
	}
	pce_lsp *l = &s->lsp[i];
	s->gen++;
	if (l->plsp_id != o->plsp_id) {
		uint32_t j;
		if (l->plsp_id && u32_get(&s->by_plsp, l->plsp_id, &j) && j == i)
			u32_del(&s->by_plsp, l->plsp_id);
		l->plsp_id = o->plsp_id;
	}
	l->flags = o->flags;
	pcep_path_free(&l->report);
	if (o->flags & PCEP_LSP_R) {
		l->exists = false;
		u32_del(&s->by_plsp, o->plsp_id);
	} else {
		l->exists = true;
		u32_put(&s->by_plsp, o->plsp_id, i);
		pcep_path_copy(&l->report, r);
	}
	if (!r->has_srp || r->srp.srp_id == 0)
		return;
	l->report_srp = r->srp.srp_id;
	if (l->req != PCE_REQ_PENDING || r->srp.srp_id != l->srp_id)
		return;
	if (o->tlvs.has_lsp_error) {
		/* s7.3.3: the PCC could not set the LSP up as asked */
		snprintf(l->why, sizeof l->why, "LSP error code %u", (unsigned)o->tlvs.lsp_error);
		finish(s, l, PCE_REQ_FAILED);
		return;
	}
	if (l->op == PCE_OP_REMOVE && !(o->flags & PCEP_LSP_R))
		return;	/* not yet removed */
	finish(s, l, PCE_REQ_DONE);
	(void)now;
}

static void on_pcerr(pce *p, pce_sess *s, const pcep_msg *m)
{
	s->n_errors++;
	uint8_t t = m->n_err ? m->err[0].type : 0, v = m->n_err ? m->err[0].value : 0;
	char a[64];
	pcep_addr_str(&s->peer, a, sizeof a);
	if (m->n_err_srp == 0)
		logf_(p, "%s: PCErr %u/%u (%s)", a, (unsigned)t, (unsigned)v, pcep_err_str(t, v));
	for (size_t k = 0; k < m->n_err_srp; k++) {
		uint32_t i;
		if (!u32_get(&s->by_srp, m->err_srp[k], &i)) {
			logf_(p, "%s: PCErr %u/%u for unknown SRP-ID %u", a, (unsigned)t, (unsigned)v,
			      (unsigned)m->err_srp[k]);
			continue;
		}
		pce_lsp *l = &s->lsp[i];
		l->err_type = t;
		l->err_value = v;
		snprintf(l->why, sizeof l->why, "PCErr %u/%u: %s", (unsigned)t, (unsigned)v,
			 pcep_err_str(t, v));
		logf_(p, "%s: %s refused: %s", a, l->name, l->why);
		finish(s, l, PCE_REQ_FAILED);
	}
}

static void on_msg(pce *p, pce_sess *s, pcep_msg *m, int64_t now)
{
	switch (m->type) {
	case PCEP_MSG_PCRPT:
		for (size_t i = 0; i < m->n_path; i++)
			on_report(p, s, &m->path[i], now);
		break;
	case PCEP_MSG_PCERR:
		on_pcerr(p, s, m);
		break;
	case PCEP_MSG_PCNTF:
		break;
	default:
		/* PCUpd/PCInitiate go from a PCE to a PCC, never back */
		pcep_session_send_error(&s->s, PCEP_ERR_CAPABILITY, 0, 0, now);
		break;
	}
}

/* ---- requests ------------------------------------------------------------- */

static int ready(pce_sess *s, neto_err *err)
{
	char a[64];
	if (!pce_sess_up(s))
		return neto_err_set(err, "PCC %s: session %s", pcep_addr_str(&s->peer, a, sizeof a),
				    pcep_state_name(s->s.state));
	if (!s->synced)
		return neto_err_set(err, "PCC %s: state synchronisation not finished",
				    pcep_addr_str(&s->peer, a, sizeof a));
	return 0;
}

static uint32_t new_srp(pce_sess *s)
{
	/* RFC 8231 s7.2: 0 and 0xFFFFFFFF are reserved */
	if (s->next_srp == 0 || s->next_srp == 0xffffffffu)
		s->next_srp = 1;
	return s->next_srp++;
}

static uint8_t pst_of(const pcep_path *p)
{
	for (size_t i = 0; i < p->ero.n; i++)
		if (p->ero.sub[i].type == PCEP_RO_SRV6)
			return PCEP_PST_SRV6;
	return PCEP_PST_SR;
}

static int send_req(pce_sess *s, pce_lsp *l, uint32_t slot, uint8_t type, pcep_path *q,
		    pce_req_kind op, int64_t now, neto_err *err)
{
	pcep_msg m = { .type = type, .path = q, .n_path = 1 };
	q->has_srp = true;
	q->srp.srp_id = new_srp(s);
	q->has_lsp = true;
	if (pcep_session_send(&s->s, &m, now, err) != 0)
		return -1;
	if (l->req == PCE_REQ_PENDING)
		u32_del(&s->by_srp, l->srp_id);
	l->op = op;
	l->req = PCE_REQ_PENDING;
	l->srp_id = q->srp.srp_id;
	l->sent_at = now;
	free(l->asked.sub);
	pcep_ro_copy(&l->asked, &q->ero);
	l->err_type = l->err_value = 0;
	l->why[0] = '\0';
	u32_put(&s->by_srp, l->srp_id, slot);
	return 0;
}

/* A shallow copy of the caller's path with our SRP and LSP objects. */
static pcep_path req_path(const pcep_path *path)
{
	pcep_path q = *path;
	memset(&q.srp, 0, sizeof q.srp);
	memset(&q.lsp, 0, sizeof q.lsp);
	q.has_rro = false;
	return q;
}

int pce_initiate(pce_sess *s, const char *name, const pcep_path *path, int64_t now,
		 neto_err *err)
{
	if (ready(s, err) != 0)
		return -1;
	if (!(s->s.peer_caps.stateful_flags & PCEP_STATEFUL_I))
		return neto_err_set(err, "PCC does not accept PCE-initiated LSPs (no I flag)");
	uint32_t i = slot_for(s, name);
	pce_lsp *l = &s->lsp[i];
	if (l->exists)
		return neto_err_set(err, "LSP %s exists (PLSP-ID %u): update it", name,
				    (unsigned)l->plsp_id);
	pcep_path q = req_path(path);
	/* RFC 8408 s3: the PST of an SR path; RFC 8281 s5.3: PLSP-ID 0, the
	 * name, delegated to us, administratively up */
	q.srp.tlvs.has_pst = true;
	q.srp.tlvs.pst_value = pst_of(path);
	q.lsp.flags = PCEP_LSP_D | PCEP_LSP_A;
	q.lsp.tlvs.name = l->name;
	return send_req(s, l, i, PCEP_MSG_PCINITIATE, &q, PCE_OP_INITIATE, now, err);
}

int pce_update(pce_sess *s, const char *name, const pcep_path *path, int64_t now,
	       neto_err *err)
{
	if (ready(s, err) != 0)
		return -1;
	pce_lsp *l = pce_lsp_find(s, name);
	if (l == NULL || !l->exists)
		return neto_err_set(err, "no LSP %s to update", name);
	/* RFC 8231 s5.8.2: only a delegated LSP may be updated */
	if (!(l->flags & PCEP_LSP_D))
		return neto_err_set(err, "LSP %s is not delegated to this PCE", name);
	pcep_path q = req_path(path);
	q.srp.tlvs.has_pst = true;
	q.srp.tlvs.pst_value = pst_of(path);
	q.lsp.plsp_id = l->plsp_id;
	q.lsp.flags = PCEP_LSP_D | PCEP_LSP_A;
	q.has_endpoints = false;	/* not part of <update-request> */
	return send_req(s, l, (uint32_t)(l - s->lsp), PCEP_MSG_PCUPD, &q, PCE_OP_UPDATE, now,
			err);
}

int pce_remove(pce_sess *s, const char *name, int64_t now, neto_err *err)
{
	if (ready(s, err) != 0)
		return -1;
	pce_lsp *l = pce_lsp_find(s, name);
	if (l == NULL || !l->exists)
		return neto_err_set(err, "no LSP %s to remove", name);
	/* RFC 8281 s5.4: only PCE-initiated LSPs are removed this way */
	if (!(l->flags & PCEP_LSP_C))
		return neto_err_set(err, "LSP %s was not initiated by a PCE", name);
	pcep_path q = { 0 };
	q.srp.flags = PCEP_SRP_R;
	q.lsp.plsp_id = l->plsp_id;
	/* the LSP stays delegated until it goes: FRR pathd refuses a removal
	 * whose LSP object does not say so (PCErr 19/1) */
	q.lsp.flags = PCEP_LSP_D;
	return send_req(s, l, (uint32_t)(l - s->lsp), PCEP_MSG_PCINITIATE, &q, PCE_OP_REMOVE, now,
			err);
}

/* ---- sockets -------------------------------------------------------------- */

static int nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL, 0);
	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

int pce_open(pce **out, const pce_cfg *cfg, neto_err *err)
{
	*out = NULL;
	pcep_addr a;
	const char *host = cfg->host ? cfg->host : "0.0.0.0";
	if (pcep_addr_parse(host, &a) != 0)
		return neto_err_set(err, "pce: listen address '%s' is not an IP address", host);
	struct sockaddr_storage ss;
	socklen_t sl;
	memset(&ss, 0, sizeof ss);
	if (a.af == 4) {
		struct sockaddr_in *v = (struct sockaddr_in *)&ss;
		v->sin_family = AF_INET;
		v->sin_port = htons(cfg->port);
		memcpy(&v->sin_addr, a.a, 4);
		sl = sizeof *v;
	} else {
		struct sockaddr_in6 *v = (struct sockaddr_in6 *)&ss;
		v->sin6_family = AF_INET6;
		v->sin6_port = htons(cfg->port);
		memcpy(&v->sin6_addr, a.a, 16);
		sl = sizeof *v;
	}
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return neto_err_set(err, "pce: socket: %s", strerror(errno));
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, 128) != 0 ||
	    nonblock(fd) != 0) {
		int e = errno;
		close(fd);
		return neto_err_set(err, "pce: listening on %s port %u: %s", host,
				    (unsigned)cfg->port, strerror(e));
	}
	pce *p = neto_calloc(1, sizeof *p);
	p->cfg = *cfg;
	p->cfg.host = NULL;	/* borrowed; not kept */
	p->lfd = fd;
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	p->port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
						: ((struct sockaddr_in6 *)&ss)->sin6_port);
	*out = p;
	logf_(p, "listening on %s port %u", host, (unsigned)p->port);
	return 0;
}

void pce_free(pce *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n_sess; i++)
		sess_free(p->sess[i]);
	free(p->sess);
	if (p->lfd >= 0)
		close(p->lfd);
	free(p);
}

static void drop_sess(pce *p, size_t i)
{
	sess_free(p->sess[i]);
	memmove(&p->sess[i], &p->sess[i + 1], (p->n_sess - i - 1) * sizeof *p->sess);
	p->n_sess--;
}

static pce_sess *on_accept(pce *p, int fd, const struct sockaddr_storage *ss, int64_t now)
{
	pcep_addr a = { 0 };
	uint16_t port;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *v = (const struct sockaddr_in *)ss;
		a.af = 4;
		memcpy(a.a, &v->sin_addr, 4);
		port = ntohs(v->sin_port);
	} else {
		const struct sockaddr_in6 *v = (const struct sockaddr_in6 *)ss;
		a.af = 6;
		memcpy(a.a, &v->sin6_addr, 16);
		/* an IPv4 peer on a dual-stack socket */
		static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
		if (memcmp(a.a, mapped, 12) == 0) {
			a.af = 4;
			memmove(a.a, a.a + 12, 4);
			memset(a.a + 4, 0, 12);
		}
		port = ntohs(v->sin6_port);
	}
	char as[64];
	pcep_addr_str(&a, as, sizeof as);
	nonblock(fd);
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	for (size_t i = 0; i < p->n_sess; i++) {
		if (!pcep_addr_eq(&p->sess[i]->peer, &a))
			continue;
		if (p->sess[i]->s.state != PCEP_ST_CLOSED) {
			/* RFC 5440 s4.2.1: one session per PCC */
			wire_wr w;
			wire_wr_init(&w);
			pcep_encode_error(&w, PCEP_ERR_SECOND_SESSION, 0, 0);
			pcep_encode_close(&w, PCEP_CLOSE_NONE);
			ssize_t n = write(fd, w.buf, w.len);
			(void)n;
			wire_wr_free(&w);
			close(fd);
			logf_(p, "%s: second session refused", as);
			return NULL;
		}
		drop_sess(p, i);
		break;
	}
	pce_sess *s = neto_calloc(1, sizeof *s);
	s->fd = fd;
	s->peer = a;
	s->peer_port = port;
	s->next_srp = 1;
	neto_strmap_init(&s->by_name);
	pcep_session_init(&s->s, &p->cfg.sess);
	pcep_session_start(&s->s, now);
	p->sess = neto_reallocarray(p->sess, p->n_sess + 1, sizeof *p->sess);
	p->sess[p->n_sess++] = s;
	p->n_accepted++;
	s->serial = p->n_accepted;
	logf_(p, "%s: connected from port %u", as, (unsigned)port);
	return s;
}

/* Writes what the session has; false when the socket failed. */
static bool flush(pce_sess *s)
{
	size_t len;
	const uint8_t *b = pcep_session_output(&s->s, &len);
	while (len > 0) {
		ssize_t n = send(s->fd, b, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return true;
			if (errno == EINTR)
				continue;
			return false;
		}
		pcep_session_sent(&s->s, (size_t)n);
		b = pcep_session_output(&s->s, &len);
	}
	return true;
}

static void sess_closed(pce *p, pce_sess *s, const char *why, int64_t now)
{
	char a[64];
	if (s->s.state != PCEP_ST_CLOSED) {
		snprintf(s->s.why, sizeof s->s.why, "%s", why);
		s->s.state = PCEP_ST_CLOSED;
	}
	if (s->fd >= 0) {
		close(s->fd);
		s->fd = -1;
	}
	s->closed_at = now;
	logf_(p, "%s: session closed: %s", pcep_addr_str(&s->peer, a, sizeof a), s->s.why);
}

static void sess_io(pce *p, pce_sess *s, short revents, int64_t now)
{
	pcep_state before = s->s.state;
	if (revents & (POLLIN | POLLHUP | POLLERR)) {
		uint8_t buf[65536];
		for (int k = 0; k < 16; k++) {
			ssize_t n = recv(s->fd, buf, sizeof buf, 0);
			if (n > 0) {
				pcep_session_input(&s->s, buf, (size_t)n, now);
				if (s->s.state == PCEP_ST_CLOSED)
					break;
				continue;
			}
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				break;
			if (n < 0 && errno == EINTR)
				continue;
			flush(s);
			sess_closed(p, s, n == 0 ? "connection closed by the PCC" : strerror(errno),
				    now);
			return;
		}
	}
	pcep_msg *m;
	while ((m = pcep_session_next(&s->s)) != NULL) {
		on_msg(p, s, m, now);
		pcep_msg_free(m);
		free(m);
	}
	pcep_session_tick(&s->s, now);
	if (before != PCEP_ST_UP && s->s.state == PCEP_ST_UP) {
		char a[64];
		s->up_since = now;
		logf_(p, "%s: session up (keepalive %u s, peer deadtimer %u s)",
		      pcep_addr_str(&s->peer, a, sizeof a), (unsigned)s->s.keepalive,
		      (unsigned)s->s.peer_deadtimer);
	}
	if (!flush(s)) {
		sess_closed(p, s, "write failed", now);
		return;
	}
	if (s->s.state == PCEP_ST_CLOSED)
		sess_closed(p, s, s->s.why, now);
}

int pce_poll(pce *p, int timeout_ms, int64_t now, neto_err *err)
{
	size_t n = 1 + p->n_sess;
	struct pollfd *fds = neto_calloc(n, sizeof *fds);
	fds[0].fd = p->lfd;
	fds[0].events = POLLIN;
	int64_t next = INT64_MAX;
	for (size_t i = 0; i < p->n_sess; i++) {
		pce_sess *s = p->sess[i];
		fds[1 + i].fd = s->fd;
		fds[1 + i].events = (short)(POLLIN | (s->s.out.len ? POLLOUT : 0));
		if (s->fd >= 0) {
			int64_t d = pcep_session_deadline(&s->s);
			if (d < next)
				next = d;
		}
	}
	if (next != INT64_MAX && next - now < timeout_ms)
		timeout_ms = next - now < 0 ? 0 : (int)(next - now);
	int rc = poll(fds, n, timeout_ms);
	if (rc < 0 && errno != EINTR) {
		free(fds);
		return neto_err_set(err, "pce: poll: %s", strerror(errno));
	}
	size_t n_before = p->n_sess;
	for (size_t i = 0; i < n_before && i < p->n_sess; i++) {
		pce_sess *s = p->sess[i];
		if (s->fd >= 0)
			sess_io(p, s, rc > 0 ? fds[1 + i].revents : 0, now);
	}
	if (rc > 0 && (fds[0].revents & POLLIN)) {
		for (int k = 0; k < 256; k++) {
			struct sockaddr_storage ss;
			socklen_t sl = sizeof ss;
			int fd = accept4(p->lfd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
			if (fd < 0)
				break;
			pce_sess *s = on_accept(p, fd, &ss, now);
			if (s)
				flush(s);
		}
	}
	free(fds);
	return 0;
}
