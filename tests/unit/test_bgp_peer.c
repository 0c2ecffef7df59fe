/*
 * test_bgp_peer.c - connection collisions at the socket layer (RFC 4271
 * section 6.8): a neto speaker whose outgoing connection to a peer is in
 * OpenSent accepts the peer's own connection, sends its OPEN there too,
 * and once the peer's OPEN arrives keeps the connection initiated by the
 * higher BGP identifier; the other gets NOTIFICATION Cease / connection
 * collision resolution (RFC 4486 subcode 7) and is closed. The peer is
 * played by the test over plain loopback sockets, so that both orders of
 * identifiers are exercised deterministically.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent/bgp_peer.h"

static int listen_on(uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 4) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int connect_to(uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
	return fd;
}

/* Polls the speaker until one whole message arrives on fd; returns its
 * type (message in buf), or -1 when fd is closed, -2 on timeout. */
static int read_msg(bgp_speaker *sp, int fd, uint8_t *buf, size_t *len)
{
	size_t have = 0;
	neto_err err;
	for (int i = 0; i < 400; i++) {
		bgp_speaker_poll(sp, 5, &err);
		ssize_t k = recv(fd, buf + have, (have < 19 ? 19 : (size_t)(buf[16] << 8 | buf[17])) - have,
				 MSG_DONTWAIT);
		if (k == 0)
			return -1;
		if (k < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				continue;
			return -1;
		}
		have += (size_t)k;
		if (have >= 19 && have == (size_t)(buf[16] << 8 | buf[17])) {
			*len = have;
			return buf[18];
		}
	}
	return -2;
}

static void send_open(int fd, uint32_t asn, uint32_t id)
{
	bgp_open o;
	bgp_open_init(&o, asn, 90, id);
	wire_wr w;
	wire_wr_init(&w);
	neto_err err;
	assert_int_equal(bgp_open_encode(&o, &w, &err), 0);
	assert_int_equal(send(fd, w.buf, w.len, 0), (ssize_t)w.len);
	wire_wr_free(&w);
}

static void send_keepalive(int fd)
{
	wire_wr w;
	wire_wr_init(&w);
	bgp_keepalive_encode(&w);
	assert_int_equal(send(fd, w.buf, w.len, 0), (ssize_t)w.len);
	wire_wr_free(&w);
}

/* The speaker (identifier local_id) connects to the test's peer, which
 * connects back; the peer (identifier peer_id) sends its OPEN on the
 * connection it initiated. */
static void collide(uint32_t local_id, uint32_t peer_id, uint16_t port)
{
	int l = listen_on(port);
	if (l < 0)
		skip();	/* the port is taken */
	bgp_peer_cfg c;
	memset(&c, 0, sizeof c);
	strcpy(c.name, "peer");
	strcpy(c.address, "127.0.0.1");
	c.port = port;
	c.s = (bgp_session_cfg){ .local_as = 65001, .remote_as = 65002, .router_id = local_id,
				 .hold_time = 90 };
	bgp_speaker sp;
	neto_err err;
	if (bgp_speaker_init(&sp, &c, 1, "127.0.0.1", (uint16_t)(port + 1), &err) != 0) {
		close(l);
		skip();
	}
	bgp_peer *p = &sp.peers[0];
	bgp_speaker_start(&sp);
	/* conn1: the speaker's own connection, OPEN sent */
	int c1 = -1;
	for (int i = 0; i < 200 && c1 < 0; i++) {
		bgp_speaker_poll(&sp, 5, &err);
		c1 = accept4(l, NULL, NULL, SOCK_NONBLOCK);
	}
	assert_true(c1 >= 0);
	uint8_t buf[4096];
	size_t len;
	assert_int_equal(read_msg(&sp, c1, buf, &len), BGP_OPEN);
	assert_int_equal(p->s.state, BGP_ST_OPENSENT);
	assert_true(p->local_initiated);
	/* conn2: the peer's connection, accepted while in OpenSent; the
	 * speaker answers with its OPEN there as well */
	int c2 = connect_to((uint16_t)(port + 1));
	assert_int_equal(read_msg(&sp, c2, buf, &len), BGP_OPEN);
	assert_true(p->has_s2);
	assert_int_equal(p->s.state, BGP_ST_OPENSENT);
	assert_int_equal(p->collisions, 0);
	/* the peer's OPEN on conn2: the identifiers decide */
	send_open(c2, 65002, peer_id);
	bool peer_wins = peer_id > local_id;
	int lose = peer_wins ? c1 : c2, keep = peer_wins ? c2 : c1;
	/* (the losing connection may have answered the OPEN with its
	 * KEEPALIVE before the collision was looked at) */
	int t = read_msg(&sp, lose, buf, &len);
	if (t == BGP_KEEPALIVE && !peer_wins)
		t = read_msg(&sp, lose, buf, &len);
	assert_int_equal(t, BGP_NOTIFICATION);
	bgp_notification nt;
	assert_int_equal(bgp_notification_decode(buf, len, &nt, &err), 0);
	assert_int_equal(nt.code, BGP_ERR_CEASE);
	assert_int_equal(nt.subcode, BGP_CEASE_COLLISION);
	assert_int_equal(read_msg(&sp, lose, buf, &len), -1);	/* then closed */
	assert_false(p->has_s2);
	assert_int_equal(p->collisions, 1);
	assert_int_equal(p->local_initiated, !peer_wins);
	if (peer_wins) {
		/* the peer's connection is now the session, in OpenConfirm */
		assert_int_equal(p->s.state, BGP_ST_OPENCONFIRM);
		assert_int_equal(read_msg(&sp, keep, buf, &len), BGP_KEEPALIVE);
	} else {
		/* the speaker's own connection carries on: the peer's OPEN */
		assert_int_equal(p->s.state, BGP_ST_OPENSENT);
		send_open(keep, 65002, peer_id);
		assert_int_equal(read_msg(&sp, keep, buf, &len), BGP_KEEPALIVE);
		assert_int_equal(p->s.state, BGP_ST_OPENCONFIRM);
	}
	send_keepalive(keep);
	for (int i = 0; i < 100 && p->s.state != BGP_ST_ESTABLISHED; i++)
		bgp_speaker_poll(&sp, 5, &err);
	assert_int_equal(p->s.state, BGP_ST_ESTABLISHED);
	assert_int_equal(p->s.peer.bgp_id, peer_id);
	/* a third connection while Established is closed at once */
	int c3 = connect_to((uint16_t)(port + 1));
	assert_int_equal(read_msg(&sp, c3, buf, &len), -1);
	assert_int_equal(p->s.state, BGP_ST_ESTABLISHED);
	close(c3);
	bgp_speaker_free(&sp);
	close(c1);
	close(c2);
	close(l);
}

static void test_peer_wins(void **state)
{
	(void)state;
	collide(0x01010101, 0x0a0a0a0a, (uint16_t)(21000 + getpid() % 20000));
}

static void test_local_wins(void **state)
{
	(void)state;
	collide(0x05050505, 0x02020202, (uint16_t)(21002 + getpid() % 20000));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_peer_wins),
		cmocka_unit_test(test_local_wins),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
