/*
 * bgp_peer.h - the socket side of neto's BGP speaker: one listening socket,
 * one TCP connection per configured peer, non-blocking, driven by poll().
 *
 * Each peer has a bgp_session (src/proto/bgp/session.h) that does all of the
 * protocol; this layer only opens, accepts, reads, writes and closes
 * connections and feeds the session the monotonic clock. Outgoing
 * connections are made for active peers; incoming ones are matched to a
 * configured peer by source address (others are closed at once). TCP MD5
 * signatures (RFC 2385) are set with setsockopt(TCP_MD5SIG), on the
 * listening socket for each peer with a password and on each outgoing
 * socket.
 *
 * Collisions (RFC 4271 section 6.8): an incoming connection from a peer
 * whose session is in OpenSent or OpenConfirm is accepted as a second
 * connection with a session of its own (`s2`, which sends its OPEN). As
 * soon as the peer's BGP identifier is known on either connection (its
 * OPEN received), the connection initiated by the higher identifier
 * survives and the other is closed with a Cease NOTIFICATION, subcode 7
 * (connection collision resolution, RFC 4486); when the second one
 * survives it becomes the peer's session. A connection arriving while the
 * session is Established is closed.
 *
 * Ownership: the speaker owns its peers and sockets; bgp_speaker_free
 * closes everything.
 */
#ifndef NETO_AGENT_BGP_PEER_H
#define NETO_AGENT_BGP_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <poll.h>
#include <sys/socket.h>

#include "lib/err.h"
#include "proto/bgp/session.h"

typedef struct bgp_peer_cfg {
	char name[64];
	char address[64];	/* IPv4 or IPv6 literal */
	uint16_t port;		/* 0: 179 */
	char local_address[64];	/* "" : any */
	char password[81];	/* TCP MD5 key; "" : none */
	bgp_session_cfg s;
} bgp_peer_cfg;

typedef struct bgp_speaker bgp_speaker;

typedef struct bgp_peer {
	bgp_peer_cfg cfg;
	bgp_speaker *owner;
	struct sockaddr_storage sa;
	socklen_t sa_len;
	bgp_session s;
	int fd;			/* -1: none */
	bool connecting;	/* a non-blocking connect is under way */
	bool local_initiated;
	double connect_started;
	/* the colliding incoming connection, until resolved (see above) */
	bool has_s2;
	int fd2;
	bgp_session s2;
	unsigned collisions;	/* collisions resolved */
	void *user;		/* the caller's */
} bgp_peer;

typedef void (*bgp_speaker_on_update)(void *ctx, bgp_peer *p, const bgp_update *u, int rc);
typedef void (*bgp_speaker_on_state)(void *ctx, bgp_peer *p, bgp_state from, bgp_state to);
typedef void (*bgp_speaker_on_refresh)(void *ctx, bgp_peer *p, const bgp_refresh *r);

struct bgp_speaker {
	bgp_peer *peers;
	size_t n_peers;
	int lfd;		/* listening socket, -1: none */
	bgp_speaker_on_update on_update;
	bgp_speaker_on_state on_state;
	bgp_speaker_on_refresh on_refresh;	/* a ROUTE-REFRESH (RFC 2918) arrived */
	void *ctx;
};

/* Copies the peer configurations; listens on listen_addr:port when
 * listen_addr is not NULL (port 0: 179). Sessions are not started. */
int bgp_speaker_init(bgp_speaker *sp, const bgp_peer_cfg *peers, size_t n,
		     const char *listen_addr, uint16_t port, neto_err *err);
void bgp_speaker_free(bgp_speaker *sp);

/* The monotonic clock, in seconds. */
double bgp_now(void);

void bgp_speaker_start(bgp_speaker *sp);
/* Sends Cease/administrative shutdown to every connected peer, closes. */
void bgp_speaker_stop(bgp_speaker *sp);

/* One round: waits at most max_wait_ms for sockets or timers, then does
 * the work that is ready. Problems of one peer are in its session's
 * last_error; -1 only for a failure of poll itself. */
int bgp_speaker_poll(bgp_speaker *sp, int max_wait_ms, neto_err *err);

/* For a caller with sockets of its own: the speaker's descriptors to wait
 * on (at most max; the listening socket and one or two per peer) and
 * *wait_ms lowered to its next timer. The caller polls them with its own,
 * then calls bgp_speaker_poll(sp, 0, err), which does the work that is
 * ready. */
#define BGP_SPEAKER_MAX_FDS 257
size_t bgp_speaker_wait_set(bgp_speaker *sp, struct pollfd *pf, size_t max, int *wait_ms);

/* Queues a message to a peer (Established only) and tries to send it. */
int bgp_speaker_send(bgp_speaker *sp, bgp_peer *p, const uint8_t *msg, size_t len,
		     neto_err *err);

/* Parses "a.b.c.d" or an IPv6 literal and port into *sa. */
int bgp_sockaddr(const char *addr, uint16_t port, struct sockaddr_storage *sa, socklen_t *len,
		 neto_err *err);

#endif
