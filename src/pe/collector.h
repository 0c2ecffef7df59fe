/*
 * collector.h - one BMP session of the live collector (`neto bmp`): the
 * octets a border router sent, framed into BMP messages and applied to the
 * route table, whatever the TCP reads cut them into.
 *
 * RFC 7854 section 3.3: the router connects to the monitoring station and
 * streams; the station never answers. A read may end anywhere: inside the
 * common header, inside a message, or after several messages. The session
 * keeps the unframed tail and applies every whole message. A bad version, a
 * length below the header or above BMP_MAX_LEN, or a message the codec
 * refuses ends the session: the error names the router, the offset in its
 * stream and the problem, and the caller closes that connection only.
 *
 * When a session ends (error, Termination or the router closing), the
 * router's peers are gone from the station's view: pe_bmp_sess_close marks
 * them down and removes their routes, so a table never keeps routes nobody
 * reports any more.
 *
 * No sockets here: the command does the I/O (src/cmd/cmd_bmp.c).
 * Ownership: the session owns its buffer (pe_bmp_sess_free); the route
 * table is the caller's.
 */
#ifndef NETO_PE_COLLECTOR_H
#define NETO_PE_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/err.h"
#include "pe/rib.h"

typedef struct pe_bmp_sess {
	uint32_t router;	/* the route table's number for this router */
	char name[64];		/* for messages: the router's address */
	char sysname[64];	/* Initiation sysName, "" until seen */
	uint8_t *buf;
	size_t len, cap;	/* unframed octets buffered */
	uint64_t offset;	/* stream offset of buf[0] */
	uint64_t n_msgs, n_stats, n_bytes;
	bool terminated;	/* a Termination message arrived */
} pe_bmp_sess;

void pe_bmp_sess_init(pe_bmp_sess *s, uint32_t router, const char *name);
void pe_bmp_sess_free(pe_bmp_sess *s);

/* Appends n octets read from the router and applies every whole message to
 * t. 0: go on reading; 1: a Termination arrived (RFC 7854 section 4.5: the
 * router closes next; the caller may close now); -1: the stream is broken,
 * *err says "ROUTER: offset N: problem", the caller closes the session. */
int pe_bmp_sess_feed(pe_bmp_sess *s, pe_rib *t, const uint8_t *data, size_t n,
		     neto_err *err);

/* The session is over: marks the router's peers down and removes their
 * routes. Returns the number of routes removed. */
size_t pe_bmp_sess_close(pe_bmp_sess *s, pe_rib *t);

/* Writes every route of t in the text route format `neto peer --routes`
 * reads (docs/peering.md), the router named by router_names[router]. */
int pe_rib_write_routes(const pe_rib *t, const char *const *router_names, size_t n_names,
			FILE *f);

/* "192.0.2.1" or "2001:db8::1" for a per-peer header address (IPv4 in the
 * last four octets when the first twelve are zero). */
const char *pe_peer_addr_str(const uint8_t addr[16], char *out, size_t n);

#endif
