/*
 * pcc.c - the minimal stateful PCC (pcc.h).
 *
 * Requests are checked in the order RFC 8281 s5.3-5.4 and RFC 8231 s5.8
 * give, each failure answered by a PCErr that carries the request's SRP-ID
 * (RFC 8231 s6.3): an instantiation with a PLSP-ID (19/8), without a name
 * (10/8) or with a name in use (23/1), with a path setup type we do not do
 * (21/1), beyond our LSP limit (19/6), or refused by the accept hook
 * (24/x); an update of an unknown PLSP-ID (19/3) or of an LSP not delegated
 * (19/1); a removal of an unknown LSP (19/3) or one no PCE created (19/9).
 * Answers to one message go out together, in PCRpts of at most
 * REPORTS_PER_MSG state reports.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/mem.h"
#include "proto/pcep/pcc.h"

#define REPORTS_PER_MSG 64

void pcc_init(pcc *c, const pcc_cfg *cfg)
{
	memset(c, 0, sizeof *c);
	c->cfg = *cfg;
	c->cfg.sess.pcc = true;
	pcep_session_init(&c->s, &c->cfg.sess);
	neto_strmap_init(&c->by_name);
	c->next_plsp = 1;
}

void pcc_free(pcc *c)
{
	pcep_session_free(&c->s);
	for (size_t i = 0; i < c->n_lsp; i++) {
		free(c->lsp[i].name);
		pcep_path_free(&c->lsp[i].path);
	}
	free(c->lsp);
	free(c->plsp_slot);
	neto_strmap_free(&c->by_name);
	memset(c, 0, sizeof *c);
}

void pcc_start(pcc *c, int64_t now)
{
	pcep_session_start(&c->s, now);
}

static pcc_lsp *slot(pcc *c, const char *name)
{
	uint32_t i;
	if (neto_strmap_get(&c->by_name, name, strlen(name), &i))
		return &c->lsp[i];
	if (c->n_lsp == c->cap_lsp) {
		c->cap_lsp = c->cap_lsp ? 2 * c->cap_lsp : 64;
		c->lsp = neto_reallocarray(c->lsp, c->cap_lsp, sizeof *c->lsp);
	}
	i = (uint32_t)c->n_lsp++;
	memset(&c->lsp[i], 0, sizeof c->lsp[i]);
	c->lsp[i].name = neto_strdup(name);
	neto_strmap_put(&c->by_name, name, strlen(name), i, NULL);
	return &c->lsp[i];
}

pcc_lsp *pcc_find(pcc *c, const char *name)
{
	uint32_t i;
	if (!neto_strmap_get(&c->by_name, name, strlen(name), &i) || !c->lsp[i].alive)
		return NULL;
	return &c->lsp[i];
}

static pcc_lsp *by_plsp(pcc *c, uint32_t id)
{
	if (id == 0 || id >= c->cap_plsp || c->plsp_slot[id] == 0)
		return NULL;
	pcc_lsp *l = &c->lsp[c->plsp_slot[id] - 1];
	return l->alive && l->plsp_id == id ? l : NULL;
}

size_t pcc_count(const pcc *c)
{
	size_t n = 0;
	for (size_t i = 0; i < c->n_lsp; i++)
		n += c->lsp[i].alive;
	return n;
}

/* Gives L a fresh PLSP-ID (20 bits, never 0: RFC 8231 s7.3). */
static bool assign_plsp(pcc *c, pcc_lsp *l)
{
	if (c->next_plsp > PCEP_MAX_PLSP_ID)
		return false;
	uint32_t id = c->next_plsp++;
	if (id >= c->cap_plsp) {
		size_t nc = c->cap_plsp ? 2 * c->cap_plsp : 1024;
		while (nc <= id)
			nc *= 2;
		c->plsp_slot = neto_reallocarray(c->plsp_slot, nc, sizeof *c->plsp_slot);
		memset(c->plsp_slot + c->cap_plsp, 0, (nc - c->cap_plsp) * sizeof *c->plsp_slot);
		c->cap_plsp = nc;
	}
	c->plsp_slot[id] = (uint32_t)(l - c->lsp) + 1;
	l->plsp_id = id;
	return true;
}

pcc_lsp *pcc_add_local(pcc *c, const char *name, const pcep_path *path)
{
	pcc_lsp *l = slot(c, name);
	if (l->alive || !assign_plsp(c, l))
		return NULL;
	pcep_path_free(&l->path);
	pcep_path_copy(&l->path, path);
	l->alive = true;
	l->flags = PCEP_LSP_D | PCEP_LSP_A | (PCEP_OPER_UP << PCEP_LSP_O_SHIFT);
	return l;
}

/* ---- reports ---------------------------------------------------------------- */

typedef struct batch {
	pcep_msg m;
	size_t cap;
} batch;

static void flush_batch(pcc *c, batch *b, int64_t now)
{
	if (b->m.n_path == 0)
		return;
	neto_err err;
	b->m.type = PCEP_MSG_PCRPT;
	(void)pcep_session_send(&c->s, &b->m, now, &err);	/* fails only when closed */
	for (size_t i = 0; i < b->m.n_path; i++)
		free(b->m.path[i].ero.sub);	/* the only thing each report owns */
	b->m.n_path = 0;
}

/* A state report of L, answering srp_id (0: none), into the batch. */
static void report(pcc *c, batch *b, const pcc_lsp *l, uint32_t srp_id, uint16_t extra,
		   int64_t now)
{
	if (b->m.n_path == REPORTS_PER_MSG)
		flush_batch(c, b, now);
	if (b->m.n_path == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 16;
		b->m.path = neto_reallocarray(b->m.path, b->cap, sizeof *b->m.path);
	}
	pcep_path *r = &b->m.path[b->m.n_path++];
	memset(r, 0, sizeof *r);
	if (srp_id) {
		r->has_srp = true;
		r->srp.srp_id = srp_id;
		r->srp.tlvs.has_pst = true;
		r->srp.tlvs.pst_value = l->path.srp.tlvs.has_pst ? l->path.srp.tlvs.pst_value
								 : PCEP_PST_SR;
	}
	r->has_lsp = true;
	r->lsp.plsp_id = l->plsp_id;
	r->lsp.flags = (uint16_t)(l->flags | extra);
	/* s7.3.2: the name goes with every report (it is borrowed here) */
	r->lsp.tlvs.name = l->name;
	r->lsp.tlvs.has_lsp_ids = c->cfg.addr.af != 0;
	r->lsp.tlvs.lsp_ids.sender = c->cfg.addr;
	r->lsp.tlvs.lsp_ids.endpoint = l->path.has_endpoints ? l->path.dst : c->cfg.addr;
	if (r->lsp.tlvs.lsp_ids.endpoint.af != c->cfg.addr.af)
		r->lsp.tlvs.lsp_ids.endpoint = c->cfg.addr;
	memcpy(r->lsp.tlvs.lsp_ids.ext_tunnel_id, c->cfg.addr.a, 16);
	r->lsp.tlvs.has_lsp_error = l->lsp_error != 0;
	r->lsp.tlvs.lsp_error = l->lsp_error;
	r->has_ero = true;
	if (!(extra & PCEP_LSP_R))
		pcep_ro_copy(&r->ero, &l->path.ero);
	r->has_bandwidth = l->path.has_bandwidth;
	r->bandwidth = l->path.bandwidth;
	r->n_metric = l->path.n_metric;
	memcpy(r->metric, l->path.metric, sizeof r->metric);
}

static void send_sync(pcc *c, int64_t now)
{
	batch b = { 0 };
	for (size_t i = 0; i < c->n_lsp; i++)
		if (c->lsp[i].alive)
			report(c, &b, &c->lsp[i], 0, PCEP_LSP_S, now);
	flush_batch(c, &b, now);
	/* RFC 8231 s5.6: the end-of-synchronisation marker */
	pcep_path marker = { 0 };
	marker.has_lsp = true;
	marker.has_ero = true;
	pcep_msg m = { .type = PCEP_MSG_PCRPT, .path = &marker, .n_path = 1 };
	neto_err err;
	(void)pcep_session_send(&c->s, &m, now, &err);
	free(b.m.path);
	c->synced = true;
}

/* ---- requests --------------------------------------------------------------- */

static void refuse(pcc *c, batch *b, uint32_t srp_id, uint8_t type, uint8_t value, int64_t now)
{
	flush_batch(c, b, now);	/* keep answers in order */
	pcep_session_send_error(&c->s, type, value, srp_id, now);
	c->n_refused++;
}

static void install(pcc_lsp *l, const pcep_path *p)
{
	pcep_path_free(&l->path);
	pcep_path_copy(&l->path, p);
	l->last_srp = p->srp.srp_id;
	l->lsp_error = 0;
}

static void installed(pcc *c, pcc_lsp *l)
{
	if (c->cfg.installed)
		c->cfg.installed(c->cfg.installed_arg, c, l);
}

static void on_initiate(pcc *c, batch *b, const pcep_path *p, int64_t now)
{
	uint32_t srp = p->srp.srp_id;
	if (p->srp.flags & PCEP_SRP_R) {
		/* RFC 8281 s5.4: removal; PLSP-ID 0 removes all PCE-initiated LSPs */
		if (p->lsp.plsp_id == 0) {
			for (size_t i = 0; i < c->n_lsp; i++) {
				pcc_lsp *l = &c->lsp[i];
				if (l->alive && (l->flags & PCEP_LSP_C)) {
					l->alive = false;
					installed(c, l);
					c->n_removed++;
					report(c, b, l, srp, PCEP_LSP_R, now);
				}
			}
			return;
		}
		pcc_lsp *l = by_plsp(c, p->lsp.plsp_id);
		if (l == NULL)
			return refuse(c, b, srp, PCEP_ERR_INVALID_OPERATION, PCEP_EV_UNKNOWN_PLSP_ID,
				      now);
		if (!(l->flags & PCEP_LSP_C))
			return refuse(c, b, srp, PCEP_ERR_INVALID_OPERATION,
				      PCEP_EV_NOT_PCE_INITIATED, now);
		l->alive = false;
		installed(c, l);
		c->n_removed++;
		report(c, b, l, srp, PCEP_LSP_R, now);
		return;
	}
	if (p->lsp.plsp_id != 0)
		return refuse(c, b, srp, PCEP_ERR_INVALID_OPERATION, PCEP_EV_NONZERO_PLSP_ID, now);
	if (p->lsp.tlvs.name == NULL)
		return refuse(c, b, srp, PCEP_ERR_INVALID_OBJECT, PCEP_EV_NO_SYMBOLIC_NAME, now);
	uint8_t pst = p->srp.tlvs.has_pst ? p->srp.tlvs.pst_value : PCEP_PST_RSVP;
	if (pst != PCEP_PST_SR && !(pst == PCEP_PST_SRV6 && c->cfg.sess.srv6))
		return refuse(c, b, srp, PCEP_ERR_INVALID_PST, PCEP_EV_UNSUPPORTED_PST, now);
	if (pcc_find(c, p->lsp.tlvs.name))
		return refuse(c, b, srp, PCEP_ERR_BAD_PARAMETER, PCEP_EV_NAME_IN_USE, now);
	if (c->cfg.max_lsps && pcc_count(c) >= c->cfg.max_lsps)
		return refuse(c, b, srp, PCEP_ERR_INVALID_OPERATION, PCEP_EV_INIT_LIMIT, now);
	if (c->cfg.accept) {
		uint8_t v = c->cfg.accept(c->cfg.accept_arg, p->lsp.tlvs.name, p);
		if (v)
			return refuse(c, b, srp, PCEP_ERR_INSTANTIATION, v, now);
	}
	pcc_lsp *l = slot(c, p->lsp.tlvs.name);
	if (!assign_plsp(c, l))
		return refuse(c, b, srp, PCEP_ERR_INSTANTIATION, PCEP_EV_INTERNAL, now);
	install(l, p);
	l->alive = true;
	/* delegated to the PCE that created it, created by a PCE, up */
	l->flags = PCEP_LSP_D | PCEP_LSP_C | (p->lsp.flags & PCEP_LSP_A) |
		   (PCEP_OPER_UP << PCEP_LSP_O_SHIFT);
	installed(c, l);
	c->n_initiated++;
	report(c, b, l, srp, 0, now);
}

static void on_update(pcc *c, batch *b, const pcep_path *p, int64_t now)
{
	uint32_t srp = p->srp.srp_id;
	pcc_lsp *l = by_plsp(c, p->lsp.plsp_id);
	if (l == NULL)
		return refuse(c, b, srp, PCEP_ERR_INVALID_OPERATION, PCEP_EV_UNKNOWN_PLSP_ID, now);
	if (!(l->flags & PCEP_LSP_D))
		return refuse(c, b, srp, PCEP_ERR_INVALID_OPERATION, PCEP_EV_NOT_DELEGATED, now);
	if (c->cfg.accept) {
		uint8_t v = c->cfg.accept(c->cfg.accept_arg, l->name, p);
		if (v)
			return refuse(c, b, srp, PCEP_ERR_INSTANTIATION, v, now);
	}
	/* the update replaces the path; the end points stay the LSP's */
	pcep_path keep_ep = { 0 };
	keep_ep.has_endpoints = l->path.has_endpoints;
	keep_ep.src = l->path.src;
	keep_ep.dst = l->path.dst;
	install(l, p);
	if (!p->has_endpoints) {
		l->path.has_endpoints = keep_ep.has_endpoints;
		l->path.src = keep_ep.src;
		l->path.dst = keep_ep.dst;
	}
	installed(c, l);
	c->n_updated++;
	report(c, b, l, srp, 0, now);
}

static void process(pcc *c, int64_t now)
{
	pcep_msg *m;
	while ((m = pcep_session_next(&c->s)) != NULL) {
		batch b = { 0 };
		switch (m->type) {
		case PCEP_MSG_PCINITIATE:
			for (size_t i = 0; i < m->n_path; i++)
				on_initiate(c, &b, &m->path[i], now);
			break;
		case PCEP_MSG_PCUPD:
			for (size_t i = 0; i < m->n_path; i++)
				on_update(c, &b, &m->path[i], now);
			break;
		case PCEP_MSG_PCRPT:
			/* reports go from PCC to PCE only */
			pcep_session_send_error(&c->s, PCEP_ERR_CAPABILITY, 0, 0, now);
			break;
		default:
			break;	/* PCErr, PCNtf: nothing to do */
		}
		flush_batch(c, &b, now);
		free(b.m.path);
		pcep_msg_free(m);
		free(m);
	}
}

int pcc_input(pcc *c, const uint8_t *buf, size_t len, int64_t now)
{
	int rc = pcep_session_input(&c->s, buf, len, now);
	if (c->s.state == PCEP_ST_UP && !c->synced)
		send_sync(c, now);
	process(c, now);
	return rc;
}

int pcc_drop(pcc *c, const char *name, int64_t now)
{
	pcc_lsp *l = pcc_find(c, name);
	if (l == NULL || !l->alive)
		return -1;
	l->alive = false;
	installed(c, l);
	c->n_removed++;
	if (c->synced) {
		/* before synchronisation the sync report simply leaves it out */
		batch b = { 0 };
		report(c, &b, l, 0, PCEP_LSP_R, now);
		flush_batch(c, &b, now);
		free(b.m.path);
	}
	return 0;
}

void pcc_tick(pcc *c, int64_t now)
{
	pcep_session_tick(&c->s, now);
}

void pcc_restart(pcc *c)
{
	pcep_session_free(&c->s);
	pcep_session_init(&c->s, &c->cfg.sess);
	c->synced = false;
}

/* ---- socket glue -------------------------------------------------------------- */

int pcc_connect(const char *host, uint16_t port, neto_err *err)
{
	pcep_addr a;
	if (pcep_addr_parse(host, &a) != 0)
		return neto_err_set(err, "pcc: '%s' is not an IP address", host);
	struct sockaddr_storage ss;
	socklen_t sl;
	memset(&ss, 0, sizeof ss);
	if (a.af == 4) {
		struct sockaddr_in *v = (struct sockaddr_in *)&ss;
		v->sin_family = AF_INET;
		v->sin_port = htons(port);
		memcpy(&v->sin_addr, a.a, 4);
		sl = sizeof *v;
	} else {
		struct sockaddr_in6 *v = (struct sockaddr_in6 *)&ss;
		v->sin6_family = AF_INET6;
		v->sin6_port = htons(port);
		memcpy(&v->sin6_addr, a.a, 16);
		sl = sizeof *v;
	}
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return neto_err_set(err, "pcc: socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&ss, sl) != 0) {
		int e = errno;
		close(fd);
		return neto_err_set(err, "pcc: connect %s port %u: %s", host, (unsigned)port,
				    strerror(e));
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	int fl = fcntl(fd, F_GETFL, 0);
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	return fd;
}

int pcc_io(pcc *c, int fd, int64_t now)
{
	uint8_t buf[65536];
	int closed = 0;
	for (int k = 0; k < 16; k++) {
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n > 0) {
			if (pcc_input(c, buf, (size_t)n, now) != 0) {
				closed = 1;
				break;
			}
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0 && errno == EINTR)
			continue;
		closed = 1;
		break;
	}
	pcc_tick(c, now);
	size_t len;
	const uint8_t *b = pcep_session_output(&c->s, &len);
	while (len > 0) {
		ssize_t n = send(fd, b, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				closed = 1;
			break;
		}
		pcep_session_sent(&c->s, (size_t)n);
		b = pcep_session_output(&c->s, &len);
	}
	return closed || c->s.state == PCEP_ST_CLOSED ? -1 : 0;
}
