/*
 * probe.h - neto's latency probe: a small UDP request/answer format, and
 * the delay queue of the responder.
 *
 * A border router measures the round-trip time to a destination prefix
 * through one ISP by sending probes to an address of that prefix; a
 * responder there (`neto probe-responder`) sends each one back as an
 * answer. Every message is one UDP datagram (default port 7788):
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                      magic 0x4E50524F "NPRO"                  |
 *   +---------------+---------------+-------------------------------+
 *   |  version (1)  |  type (1, 2)  |        padding length         |
 *   +---------------+---------------+-------------------------------+
 *   |                     sender identifier                         |
 *   +---------------------------------------------------------------+
 *   |                        sequence                               |
 *   +---------------------------------------------------------------+
 *   |             sender timestamp (nanoseconds, 64 bits)           |
 *   |                                                               |
 *   +---------------------------------------------------------------+
 *   |          padding (padding length octets, sent as zeros)       |
 *
 * type 1 is a probe, type 2 its answer. The answer repeats the probe's
 * identifier, sequence, timestamp and padding length (and so its size: the
 * return path carries as many octets as the forward one). The datagram
 * must be exactly header + padding long: trailing octets are malformed,
 * since a probe that was cut or glued is not what its sender measured.
 * The timestamp is the sender's own clock: only the sender interprets it.
 *
 * This protocol has no error message: a responder never answers malformed
 * input (answering could reflect traffic to a forged source), it counts
 * it by reason (probe_error). Padding is capped so that a probe fits a
 * 1500-octet MTU over IPv6 (40 + 8 + 24 + 1400 = 1472).
 *
 * Pure: no I/O, no globals. Ownership: probe_encode appends to the
 * caller's wire_wr (the caller frees it); probe_decode borrows nothing.
 */
#ifndef NETO_PROTO_PROBE_H
#define NETO_PROTO_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "lib/wire.h"

#define PROBE_MAGIC 0x4E50524FU	/* "NPRO" */
#define PROBE_VERSION 1
#define PROBE_HDR_LEN 24
#define PROBE_MAX_PAD 1400
#define PROBE_MAX_LEN (PROBE_HDR_LEN + PROBE_MAX_PAD)
#define PROBE_PORT 7788

enum probe_type {
	PROBE_REQUEST = 1,	/* a probe: answer it */
	PROBE_ANSWER = 2,	/* the answer to one */
};

/* Why a datagram is not a probe message (the protocol's own error codes:
 * what a responder counts, never sends). */
enum probe_error {
	PROBE_OK = 0,
	PROBE_E_SHORT = 1,	/* shorter than the header */
	PROBE_E_MAGIC = 2,	/* not a neto probe */
	PROBE_E_VERSION = 3,	/* another version of it */
	PROBE_E_TYPE = 4,	/* neither a probe nor an answer */
	PROBE_E_LENGTH = 5,	/* length is not header + padding length */
	PROBE_E_PAD = 6,	/* padding length above PROBE_MAX_PAD */
};
#define PROBE_N_ERRORS 7

/* "short", "magic", ... for counters and logs. */
const char *probe_error_name(int e);

typedef struct probe_msg {
	uint8_t type;		/* enum probe_type */
	uint16_t pad;		/* padding length, 0..PROBE_MAX_PAD */
	uint32_t id;		/* the sender's identifier */
	uint32_t seq;
	uint64_t ts_ns;		/* the sender's timestamp */
} probe_msg;

/* Appends m (header and pad zero octets) to w. -1 with *err when m->type
 * or m->pad is out of range (nothing appended). */
int probe_encode(const probe_msg *m, wire_wr *w, neto_err *err);

/* Decodes one datagram (buf, len). Returns PROBE_OK, or an enum
 * probe_error with a message in *err (if not NULL). */
int probe_decode(const void *buf, size_t len, probe_msg *m, neto_err *err);

/* The answer to probe q: the same fields, type PROBE_ANSWER. */
probe_msg probe_answer_of(const probe_msg *q);

/* ---- the responder's delay queue ------------------------------------------
 * Answers held until they are due: a binary min-heap on the due time
 * (ties in arrival order), bounded (a full queue refuses; the responder
 * counts a drop). Each entry holds an opaque, fixed-size payload (the
 * answer and where it goes), copied in and out. Not thread-safe. */

typedef struct probe_delayq {
	size_t cap, n;		/* entries */
	size_t item;		/* payload octets per entry */
	uint64_t next_order;	/* arrival counter: FIFO among equal times */
	int64_t *due;		/* owned: per slot */
	uint64_t *order;	/* owned */
	uint8_t *data;		/* owned: cap * item */
	size_t *heap;		/* owned: slot numbers, heap-ordered */
	size_t *free_slots;	/* owned: stack of unused slots */
	size_t n_free;
} probe_delayq;

/* cap >= 1 entries of item >= 1 octets each. Caller frees with
 * probe_delayq_free. */
void probe_delayq_init(probe_delayq *q, size_t cap, size_t item);
void probe_delayq_free(probe_delayq *q);
/* Queues a copy of payload, due at `due`. false when the queue is full. */
bool probe_delayq_push(probe_delayq *q, int64_t due, const void *payload);
/* The earliest due time; false when empty. */
bool probe_delayq_peek(const probe_delayq *q, int64_t *due);
/* Takes the earliest entry if it is due at or before now: copies its
 * payload out and returns true. */
bool probe_delayq_pop_due(probe_delayq *q, int64_t now, void *payload);

#endif
