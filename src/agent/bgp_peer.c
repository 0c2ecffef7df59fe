/*
 * bgp_peer.c - sockets for the BGP speaker (see bgp_peer.h).
 *
 * Everything is non-blocking and single-threaded: one poll() over the
 * listening socket and the peers' connections. Writes go out as far as the
 * kernel takes them; the rest stays in the session's output buffer and is
 * sent when the socket is writable again.
 */

#include "agent/bgp_peer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/mem.h"

double bgp_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int bgp_sockaddr(const char *addr, uint16_t port, struct sockaddr_storage *sa, socklen_t *len,
		 neto_err *err)
{
	memset(sa, 0, sizeof *sa);
	struct sockaddr_in *s4 = (struct sockaddr_in *)sa;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)sa;
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		*len = sizeof *s4;
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		*len = sizeof *s6;
		return 0;
	}
	return neto_err_set(err, "'%s' is not an IPv4 or IPv6 address", addr);
}

static bool same_host(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		      &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
}

/* RFC 2385: the key for one peer address on socket fd. */
static int set_md5(int fd, const bgp_peer *p, neto_err *err)
{
	if (p->cfg.password[0] == '\0')
		return 0;
	struct tcp_md5sig md5;
	memset(&md5, 0, sizeof md5);
	memcpy(&md5.tcpm_addr, &p->sa, p->sa_len);
	size_t klen = strlen(p->cfg.password);
	if (klen > TCP_MD5SIG_MAXKEYLEN)
		return neto_err_set(err, "peer %s: password longer than %d", p->cfg.name,
				    TCP_MD5SIG_MAXKEYLEN);
	md5.tcpm_keylen = (uint16_t)klen;
	memcpy(md5.tcpm_key, p->cfg.password, klen);
	if (setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &md5, sizeof md5) != 0)
		return neto_err_set(err, "peer %s: TCP_MD5SIG: %s", p->cfg.name, strerror(errno));
	return 0;
}

static void on_update(void *ctx, bgp_session *s, const bgp_update *u, int rc)
{
	(void)s;
	bgp_peer *p = ctx;
	if (p->owner->on_update != NULL)
		p->owner->on_update(p->owner->ctx, p, u, rc);
}

static void on_state(void *ctx, bgp_session *s, bgp_state from, bgp_state to)
{
	(void)s;
	bgp_peer *p = ctx;
	if (p->owner->on_state != NULL)
		p->owner->on_state(p->owner->ctx, p, from, to);
}

static void on_refresh(void *ctx, bgp_session *s, const bgp_refresh *r)
{
	(void)s;
	bgp_peer *p = ctx;
	if (p->owner->on_refresh != NULL)
		p->owner->on_refresh(p->owner->ctx, p, r);
}

int bgp_speaker_init(bgp_speaker *sp, const bgp_peer_cfg *peers, size_t n,
		     const char *listen_addr, uint16_t port, neto_err *err)
{
	memset(sp, 0, sizeof *sp);
	sp->lfd = -1;
	sp->peers = neto_calloc(n ? n : 1, sizeof *sp->peers);
	for (size_t i = 0; i < n; i++) {
		bgp_peer *p = &sp->peers[i];
		p->cfg = peers[i];
		p->owner = sp;
		p->fd = -1;
		p->fd2 = -1;
		if (p->cfg.port == 0)
			p->cfg.port = BGP_PORT;
		if (bgp_sockaddr(p->cfg.address, p->cfg.port, &p->sa, &p->sa_len, err) != 0 ||
		    bgp_session_init(&p->s, &p->cfg.s, err) != 0) {
			neto_err e2 = *err;
			sp->n_peers = i;
			bgp_speaker_free(sp);
			return neto_err_set(err, "peer %s: %s", peers[i].name, e2.msg);
		}
		p->s.on_update = on_update;
		p->s.on_state = on_state;
		p->s.on_refresh = on_refresh;
		p->s.ctx = p;
		sp->n_peers = i + 1;
	}
	if (listen_addr == NULL)
		return 0;
	struct sockaddr_storage la;
	socklen_t la_len = 0;
	if (bgp_sockaddr(listen_addr, port ? port : BGP_PORT, &la, &la_len, err) != 0)
		goto fail;
	sp->lfd = socket(la.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (sp->lfd < 0) {
		neto_err_set(err, "socket: %s", strerror(errno));
		goto fail;
	}
	int one = 1;
	setsockopt(sp->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(sp->lfd, (struct sockaddr *)&la, la_len) != 0 || listen(sp->lfd, 16) != 0) {
		neto_err_set(err, "listen on %s port %u: %s", listen_addr, port ? port : BGP_PORT,
			     strerror(errno));
		goto fail;
	}
	for (size_t i = 0; i < n; i++)
		if (set_md5(sp->lfd, &sp->peers[i], err) != 0)
			goto fail;
	return 0;
fail:
	bgp_speaker_free(sp);
	return -1;
}

static void close_fd(bgp_peer *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	p->connecting = false;
}

/* Sends what session s queued on fd, as far as the socket takes it. */
static void flush_conn(bgp_session *s, int fd)
{
	while (fd >= 0 && s->out.len > 0) {
		ssize_t k = send(fd, s->out.buf, s->out.len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (k <= 0)
			break;
		bgp_session_consumed(s, (size_t)k);
	}
}

static void flush(bgp_peer *p)
{
	if (!p->connecting)
		flush_conn(&p->s, p->fd);
}

/* Drops the second connection (last words out first). */
static void drop_s2(bgp_peer *p)
{
	if (!p->has_s2)
		return;
	flush_conn(&p->s2, p->fd2);
	if (p->fd2 >= 0)
		close(p->fd2);
	p->fd2 = -1;
	bgp_session_free(&p->s2);
	p->has_s2 = false;
}

/* The session gave up the connection (Idle): last words out, close. */
static void settle(bgp_peer *p)
{
	if (p->fd >= 0 && !p->connecting && (p->s.state == BGP_ST_IDLE || !p->s.connected)) {
		flush(p);
		close_fd(p);
		p->s.out.len = 0;
	}
}

void bgp_speaker_free(bgp_speaker *sp)
{
	for (size_t i = 0; i < sp->n_peers; i++) {
		close_fd(&sp->peers[i]);
		bgp_session_free(&sp->peers[i].s);
		if (sp->peers[i].has_s2) {
			if (sp->peers[i].fd2 >= 0)
				close(sp->peers[i].fd2);
			bgp_session_free(&sp->peers[i].s2);
		}
	}
	free(sp->peers);
	if (sp->lfd >= 0)
		close(sp->lfd);
	memset(sp, 0, sizeof *sp);
	sp->lfd = -1;
}

void bgp_speaker_start(bgp_speaker *sp)
{
	double now = bgp_now();
	for (size_t i = 0; i < sp->n_peers; i++)
		bgp_session_start(&sp->peers[i].s, now);
}

void bgp_speaker_stop(bgp_speaker *sp)
{
	double now = bgp_now();
	for (size_t i = 0; i < sp->n_peers; i++) {
		bgp_peer *p = &sp->peers[i];
		bgp_session_stop(&p->s, now, BGP_CEASE_SHUTDOWN);
		if (p->fd >= 0 && !p->connecting)
			flush(p);
		close_fd(p);
		if (p->has_s2) {
			bgp_session_stop(&p->s2, now, BGP_CEASE_SHUTDOWN);
			drop_s2(p);
		}
	}
}

static void start_connect(bgp_peer *p, double now)
{
	neto_err err;
	int fd = socket(p->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		bgp_session_closed(&p->s, now);
		return;
	}
	p->fd = fd;
	if (set_md5(fd, p, &err) != 0) {
		snprintf(p->s.last_error, sizeof p->s.last_error, "%s", err.msg);
		close_fd(p);
		bgp_session_closed(&p->s, now);
		return;
	}
	if (p->cfg.local_address[0] != '\0') {
		struct sockaddr_storage la;
		socklen_t la_len = 0;
		if (bgp_sockaddr(p->cfg.local_address, 0, &la, &la_len, &err) != 0 ||
		    bind(fd, (struct sockaddr *)&la, la_len) != 0) {
			close_fd(p);
			bgp_session_closed(&p->s, now);
			return;
		}
	}
	p->local_initiated = true;
	p->connect_started = now;
	if (connect(fd, (struct sockaddr *)&p->sa, p->sa_len) == 0) {
		bgp_session_connected(&p->s, now);
		flush(p);
	} else if (errno == EINPROGRESS) {
		p->connecting = true;
	} else {
		close_fd(p);
		bgp_session_closed(&p->s, now);
	}
}

/* A collision between p->s and p->s2, once decidable (RFC 4271 section
 * 6.8): the loser sends Cease/connection collision resolution and is
 * closed; a winning s2 becomes the peer's session. A second connection
 * that closed or failed before that is dropped; if the first one did, the
 * second takes its place. */
static void resolve(bgp_peer *p, double now)
{
	if (!p->has_s2)
		return;
	if (p->fd2 < 0 || p->s2.state == BGP_ST_IDLE) {
		drop_s2(p);
		return;
	}
	int loser = 1;	/* the first connection is gone: the second takes over */
	if (p->fd >= 0 && p->s.state != BGP_ST_IDLE) {
		loser = bgp_collision_loser(&p->s, p->local_initiated, &p->s2);
		if (loser == 0)
			return;
		p->collisions++;
	}
	if (loser == 2) {
		bgp_session_stop(&p->s2, now, BGP_CEASE_COLLISION);
		drop_s2(p);
		return;
	}
	if (p->s.connected)
		bgp_session_stop(&p->s, now, BGP_CEASE_COLLISION);
	if (p->fd >= 0 && !p->connecting)
		flush(p);
	close_fd(p);
	bgp_session_free(&p->s);
	p->s = p->s2;	/* moves the output buffer too */
	p->s.on_state = on_state;
	p->s.cfg.passive = p->cfg.s.passive;	/* its own way of restarting */
	p->fd = p->fd2;
	p->fd2 = -1;
	p->has_s2 = false;
	p->local_initiated = false;
	memset(&p->s2, 0, sizeof p->s2);
	if (p->owner->on_state != NULL)
		p->owner->on_state(p->owner->ctx, p, BGP_ST_IDLE, p->s.state);
}

static void do_accept(bgp_speaker *sp, double now)
{
	for (;;) {
		struct sockaddr_storage from;
		socklen_t flen = sizeof from;
		int fd = accept4(sp->lfd, (struct sockaddr *)&from, &flen,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		bgp_peer *p = NULL;
		for (size_t i = 0; i < sp->n_peers && p == NULL; i++)
			if (same_host(&sp->peers[i].sa, &from))
				p = &sp->peers[i];
		if (p == NULL) {
			close(fd);
			continue;
		}
		if (p->connecting) {
			/* our own attempt has not completed: take theirs */
			close_fd(p);
		}
		if (p->fd >= 0 && !p->has_s2 &&
		    (p->s.state == BGP_ST_OPENSENT || p->s.state == BGP_ST_OPENCONFIRM)) {
			/* RFC 4271 section 6.8: a collision; the new connection
			 * gets a session of its own (passive: it never
			 * reconnects) that sends our OPEN, and resolve() settles
			 * it once the peer's identifier is known */
			bgp_session_cfg c2 = p->cfg.s;
			c2.passive = true;
			neto_err e2;
			if (bgp_session_init(&p->s2, &c2, &e2) != 0) {
				close(fd);
				continue;
			}
			p->s2.on_update = on_update;
			p->s2.on_refresh = on_refresh;
			p->s2.ctx = p;	/* state changes stay quiet until it wins */
			p->has_s2 = true;
			p->fd2 = fd;
			bgp_session_start(&p->s2, now);
			bgp_session_connected(&p->s2, now);
			flush_conn(&p->s2, p->fd2);
			resolve(p, now);
			continue;
		}
		if (p->fd >= 0 || !bgp_session_accepts(&p->s)) {
			close(fd);
			continue;
		}
		p->fd = fd;
		p->local_initiated = false;
		bgp_session_connected(&p->s, now);
		flush(p);
	}
}

/* Reads the second connection of a collision. */
static void do_read2(bgp_peer *p, double now)
{
	uint8_t buf[16384];
	for (int rounds = 0; rounds < 64 && p->has_s2 && p->fd2 >= 0; rounds++) {
		ssize_t k = recv(p->fd2, buf, sizeof buf, MSG_DONTWAIT);
		if (k > 0) {
			bgp_session_input(&p->s2, now, buf, (size_t)k);
			flush_conn(&p->s2, p->fd2);
			resolve(p, now);
			continue;
		}
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return;
		bgp_session_closed(&p->s2, now);
		close(p->fd2);
		p->fd2 = -1;
		resolve(p, now);
		return;
	}
}

static void do_read(bgp_peer *p, double now)
{
	uint8_t buf[16384];
	for (int rounds = 0; rounds < 64 && p->fd >= 0; rounds++) {
		ssize_t k = recv(p->fd, buf, sizeof buf, MSG_DONTWAIT);
		if (k > 0) {
			bgp_session_input(&p->s, now, buf, (size_t)k);
			flush(p);
			resolve(p, now);
			settle(p);
			continue;
		}
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return;
		/* closed by the peer, or an error */
		close_fd(p);
		bgp_session_closed(&p->s, now);
		resolve(p, now);
		return;
	}
}

/* The descriptors to wait on (at most max), with who owns each and whether
 * it is a peer's second connection (who NULL: the listening socket), and
 * *wait lowered to the next session timer. */
static size_t wait_set(bgp_speaker *sp, double now, struct pollfd *pf, bgp_peer **who,
		       bool *second, size_t max, int *wait)
{
	size_t n = 0;
	if (sp->lfd >= 0 && n < max) {
		pf[n].fd = sp->lfd;
		pf[n].events = POLLIN;
		second[n] = false;
		who[n++] = NULL;
	}
	for (size_t i = 0; i < sp->n_peers && n < max; i++) {
		bgp_peer *p = &sp->peers[i];
		if (p->has_s2 && p->fd2 >= 0) {
			pf[n].fd = p->fd2;
			pf[n].events = (short)(POLLIN | (p->s2.out.len ? POLLOUT : 0));
			second[n] = true;
			who[n++] = p;
		}
		if (p->fd < 0 || n >= max)
			continue;
		pf[n].fd = p->fd;
		pf[n].events = (short)(p->connecting ? POLLOUT
						     : (POLLIN | (p->s.out.len ? POLLOUT : 0)));
		second[n] = false;
		who[n++] = p;
	}
	for (size_t i = 0; i < sp->n_peers; i++) {
		double t = bgp_session_next_timer(&sp->peers[i].s);
		if (t > 0) {
			int ms = (int)((t - now) * 1000.0) + 1;
			if (ms < 0)
				ms = 0;
			if (ms < *wait)
				*wait = ms;
		}
	}
	return n;
}

size_t bgp_speaker_wait_set(bgp_speaker *sp, struct pollfd *pf, size_t max, int *wait_ms)
{
	bgp_peer *who[BGP_SPEAKER_MAX_FDS];
	bool second[BGP_SPEAKER_MAX_FDS];
	if (max > BGP_SPEAKER_MAX_FDS)
		max = BGP_SPEAKER_MAX_FDS;
	return wait_set(sp, bgp_now(), pf, who, second, max, wait_ms);
}

int bgp_speaker_poll(bgp_speaker *sp, int max_wait_ms, neto_err *err)
{
	double now = bgp_now();
	/* timers and connection attempts first */
	for (size_t i = 0; i < sp->n_peers; i++) {
		bgp_peer *p = &sp->peers[i];
		bgp_session_tick(&p->s, now);
		if (p->has_s2) {
			bgp_session_tick(&p->s2, now);
			flush_conn(&p->s2, p->fd2);
			resolve(p, now);
		}
		if (p->connecting && now - p->connect_started > p->s.cfg.connect_retry) {
			close_fd(p);
			bgp_session_closed(&p->s, now);
		}
		if (p->fd < 0 && bgp_session_wants_connect(&p->s))
			start_connect(p, now);
		flush(p);
		settle(p);
	}
	struct pollfd pf[BGP_SPEAKER_MAX_FDS];
	bgp_peer *who[BGP_SPEAKER_MAX_FDS];
	bool second[BGP_SPEAKER_MAX_FDS];
	int wait = max_wait_ms;
	size_t n = wait_set(sp, now, pf, who, second, BGP_SPEAKER_MAX_FDS, &wait);
	int rc = poll(pf, n, wait);
	if (rc < 0) {
		if (errno == EINTR)
			return 0;
		return neto_err_set(err, "poll: %s", strerror(errno));
	}
	now = bgp_now();
	for (size_t i = 0; i < n; i++) {
		if (pf[i].revents == 0)
			continue;
		bgp_peer *p = who[i];
		if (p == NULL) {
			do_accept(sp, now);
			continue;
		}
		if (second[i]) {
			if (!p->has_s2 || p->fd2 != pf[i].fd)
				continue;	/* resolved meanwhile */
			if (pf[i].revents & (POLLIN | POLLHUP | POLLERR))
				do_read2(p, now);
			if (p->has_s2 && (pf[i].revents & POLLOUT))
				flush_conn(&p->s2, p->fd2);
			continue;
		}
		if (p->fd != pf[i].fd)
			continue;	/* replaced meanwhile */
		if (p->connecting) {
			int e = 0;
			socklen_t el = sizeof e;
			getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &e, &el);
			p->connecting = false;
			if (e != 0) {
				close_fd(p);
				bgp_session_closed(&p->s, now);
				continue;
			}
			bgp_session_connected(&p->s, now);
			flush(p);
			continue;
		}
		if (pf[i].revents & (POLLIN | POLLHUP | POLLERR))
			do_read(p, now);
		if (p->fd >= 0 && (pf[i].revents & POLLOUT))
			flush(p);
		settle(p);
	}
	return 0;
}

int bgp_speaker_send(bgp_speaker *sp, bgp_peer *p, const uint8_t *msg, size_t len,
		     neto_err *err)
{
	(void)sp;
	if (bgp_session_send(&p->s, msg, len, err) != 0)
		return -1;
	flush(p);
	return 0;
}
