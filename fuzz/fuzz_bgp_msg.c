/*
 * fuzz_bgp_msg.c - the BGP message decoders on arbitrary bytes. A failure
 * must come with a message and, except for NOTIFICATION, a NOTIFICATION code
 * to send; a success (or a treat-as-withdraw) must encode again, and the
 * encoding must decode to a message that encodes to the same bytes. UPDATEs
 * are decoded with and without ADD-PATH path identifiers.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/bgp/bgp.h"

static void same(const wire_wr *a, const wire_wr *b)
{
	if (a->len != b->len || memcmp(a->buf, b->buf, a->len) != 0)
		abort();
}

static void open_msg(const uint8_t *m, size_t len)
{
	bgp_open o, o2;
	bgp_notif n;
	neto_err err;
	n.code = 0;
	err.msg[0] = '\0';
	if (bgp_open_decode(m, len, &o, &n, &err) != 0) {
		if (err.msg[0] == '\0' || (n.code != BGP_ERR_OPEN && n.code != BGP_ERR_HEADER))
			abort();
		return;
	}
	wire_wr w, w2;
	wire_wr_init(&w);
	wire_wr_init(&w2);
	if (bgp_open_encode(&o, &w, &err) == 0) {
		if (bgp_open_decode(w.buf, w.len, &o2, &n, &err) != 0 ||
		    bgp_open_encode(&o2, &w2, &err) != 0)
			abort();
		same(&w, &w2);
	}
	wire_wr_free(&w);
	wire_wr_free(&w2);
}

static void update_msg(const uint8_t *m, size_t len, bool as4, bool addpath)
{
	bgp_update u, u2;
	bgp_notif n;
	neto_err err;
	bgp_upd_opts o = { as4, false };
	/* with ADD-PATH on both unicast families (RFC 7911) */
	bgp_addpath ap = { addpath, addpath };
	n.code = 0;
	err.msg[0] = '\0';
	int rc = bgp_update_decode_ap(m, len, &o, &ap, &u, &n, &err);
	if (rc == -1) {
		if (err.msg[0] == '\0' || n.code == 0 || u.nlri != NULL || u.asns != NULL)
			abort();
		return;
	}
	if (rc != 0 && (err.msg[0] == '\0' || n.code != BGP_ERR_UPDATE))
		abort();
	wire_wr w, w2;
	wire_wr_init(&w);
	wire_wr_init(&w2);
	/* a message that decoded cleanly re-encodes into at most the size
	 * it came in (attribute discard only shrinks it) */
	if (bgp_update_encode_ap(&u, &o, &ap, &w, &err) == 0) {
		if (rc == 0 && w.len > len)
			abort();
		int rc2 = bgp_update_decode_ap(w.buf, w.len, &o, &ap, &u2, &n, &err);
		if (rc2 == -1 || bgp_update_encode_ap(&u2, &o, &ap, &w2, &err) != 0)
			abort();
		same(&w, &w2);
		bgp_update_free(&u2);
	}
	bgp_update_free(&u);
	wire_wr_free(&w);
	wire_wr_free(&w2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bgp_hdr h;
	bgp_notif n;
	neto_err err;
	/* a stream of messages, as a session reads them */
	while (size >= BGP_HDR_LEN) {
		if (bgp_hdr_decode(data, size, &h, &n, &err) != 0 || h.len > size)
			return 0;
		switch (h.type) {
		case BGP_OPEN:
			open_msg(data, h.len);
			break;
		case BGP_UPDATE:
			update_msg(data, h.len, true, false);
			update_msg(data, h.len, false, false);
			update_msg(data, h.len, true, true);
			break;
		case BGP_NOTIFICATION: {
			bgp_notification m;
			if (bgp_notification_decode(data, h.len, &m, &err) != 0)
				abort();	/* the header check is all it needs */
			break;
		}
		case BGP_ROUTE_REFRESH: {
			bgp_refresh r;
			if (bgp_refresh_decode(data, h.len, &r, &n, &err) == 0) {
				wire_wr w;
				wire_wr_init(&w);
				bgp_refresh_encode(&r, &w);
				if (w.len != h.len || memcmp(w.buf, data, w.len) != 0)
					abort();
				wire_wr_free(&w);
			} else if (n.code != BGP_ERR_REFRESH) {
				abort();
			}
			break;
		}
		default:
			break;
		}
		data += h.len;
		size -= h.len;
	}
	return 0;
}
