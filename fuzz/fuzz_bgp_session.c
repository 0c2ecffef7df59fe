/*
 * fuzz_bgp_session.c - arbitrary bytes from a peer into a BGP session, in
 * the state the first input byte picks (OpenSent, or Established after a
 * valid OPEN and KEEPALIVE), in pieces of the sizes the second byte picks.
 * The session must never read out of bounds, must end Idle with a
 * NOTIFICATION queued whenever it reports an error, and must stay
 * consistent (buffered input below one message).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/bgp/session.h"

static void on_update(void *ctx, bgp_session *s, const bgp_update *u, int rc)
{
	(void)ctx;
	(void)s;
	if (rc != 0 && rc != BGP_TREAT_AS_WITHDRAW)
		abort();
	for (size_t i = 0; i < u->n_nlri; i++)
		if (u->nlri[i].len > 32)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	bool establish = data[0] & 1;
	size_t piece = (size_t)data[1] + 1;
	data += 2;
	size -= 2;
	bgp_session s;
	bgp_session_cfg c;
	memset(&c, 0, sizeof c);
	c.local_as = 65001;
	c.remote_as = 65002;
	c.router_id = 0x01010101;
	c.hold_time = 90;
	c.families[0] = (bgp_family){ BGP_AFI_LS, BGP_SAFI_LS };
	c.families[1] = (bgp_family){ BGP_AFI_IPV4, BGP_SAFI_UNICAST };
	c.n_families = 2;
	neto_err err;
	if (bgp_session_init(&s, &c, &err) != 0)
		abort();
	s.on_update = on_update;
	bgp_session_start(&s, 0);
	bgp_session_connected(&s, 0);
	if (establish) {
		bgp_open o;
		wire_wr w;
		wire_wr_init(&w);
		bgp_open_init(&o, 65002, 30, 0x02020202);
		bgp_open_add_family(&o, BGP_AFI_LS, BGP_SAFI_LS);
		bgp_open_add_family(&o, BGP_AFI_IPV4, BGP_SAFI_UNICAST);
		if (bgp_open_encode(&o, &w, &err) != 0)
			abort();
		bgp_keepalive_encode(&w);
		if (bgp_session_input(&s, 1, w.buf, w.len) != 0 || s.state != BGP_ST_ESTABLISHED)
			abort();
		wire_wr_free(&w);
	}
	double now = 2;
	while (size > 0) {
		size_t n = size < piece ? size : piece;
		size_t before = s.out.len;
		int rc = bgp_session_input(&s, now, data, n);
		if (rc != 0) {
			if (s.state != BGP_ST_IDLE)
				abort();
			/* an error of ours queues a NOTIFICATION; a received one
			 * does not (RFC 4271 section 6.4) */
			if (s.sent.code != 0 && s.out.len <= before)
				abort();
			break;
		}
		if (s.in_len >= BGP_MAX_LEN)
			abort();
		data += n;
		size -= n;
		now += 1;
	}
	bgp_session_free(&s);
	return 0;
}
