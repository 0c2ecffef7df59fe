/*
 * flowmsg.h - the two messages of the flow agents (docs/formats.md, "Flow
 * messages"): a batch of flow records that one exporter measured over one
 * window, and a partial demand matrix that an agent sends to its parent.
 *
 * Both are line-oriented text, CSV-like: a header line that starts with the
 * message's tag and version and declares every count, then the declared
 * number of lines. The codecs are pure (no I/O, no globals): encoders take a
 * filled structure and return a new buffer, decoders take (buf, len), need
 * no terminator, never read past len and never allocate from a declared
 * count (counts are capped, and arrays grow with the lines actually read).
 *
 * Names (exporters, agents, routers, classes) are 1..FLOWMSG_NAME_MAX bytes
 * of UTF-8 without commas, control characters or surrounding spaces.
 *
 * Ownership: a decoded message owns its storage (names point into it) until
 * its *_free; a message the caller fills for an encoder points into the
 * caller's memory and is never passed to *_free. Errors name the message and
 * the line: "WHAT:LINE: problem" (encoders: "WHAT: record 3: problem").
 */
#ifndef NETO_AGENT_FLOWMSG_H
#define NETO_AGENT_FLOWMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

#define FLOWMSG_VERSION 1
#define FLOWMSG_NAME_MAX 255
#define FLOWMSG_MAX_BYTES ((size_t)128 << 20)
#define FLOWMSG_MAX_RECORDS 1000000u   /* records in one batch */
#define FLOWMSG_MAX_ENTRIES 1000000u   /* entries in one partial matrix */
#define FLOWMSG_MAX_EXPORTERS 65536u   /* covered + missing in one partial */
#define FLOWMSG_MAX_WINDOW_MS 86400000 /* one day */

/* Whether s[0..len) is a valid name (see above). */
bool flowmsg_name_ok(const char *s, size_t len);

/* ---- flow record batch ("neto-flows") ------------------------------------ */

typedef struct flowmsg_record {
	const char *ingress, *egress; /* routers: topology node names */
	const char *cls;              /* traffic class name */
	uint64_t bytes, packets;      /* sampled counts, before scaling */
} flowmsg_record;

typedef struct flowmsg_batch {
	const char *exporter;
	int64_t start_ms;  /* window start, ms since the Unix epoch, >= 0 */
	int64_t window_ms; /* window length, 1..FLOWMSG_MAX_WINDOW_MS */
	uint32_t sampling; /* 1 in N packets sampled, N >= 1 */
	const flowmsg_record *recs;
	size_t n;          /* <= FLOWMSG_MAX_RECORDS */
	/* storage of a decoded batch; NULL in one the caller fills */
	char *text_;
	flowmsg_record *recs_;
} flowmsg_batch;

/* Encodes b into a new buffer (*out, *len; caller frees; NUL-terminated one
 * past len). Fails, writing nothing, on anything the decoder would reject. */
int flowmsg_batch_encode(const flowmsg_batch *b, char **out, size_t *len, neto_err *err);
/* Decodes (buf, len) into *b (overwritten; free with flowmsg_batch_free
 * after success; after failure *b holds nothing to free). */
int flowmsg_batch_decode(flowmsg_batch *b, const char *buf, size_t len, const char *what,
			 neto_err *err);
void flowmsg_batch_free(flowmsg_batch *b);

/* ---- partial demand matrix ("neto-partial") ------------------------------ */

typedef struct flowmsg_entry {
	const char *src, *dst, *cls; /* src != dst */
	double rate;                 /* >= 0, in units of bits_per_unit bits per second */
} flowmsg_entry;

typedef struct flowmsg_partial {
	const char *agent;      /* the sender */
	int64_t start_ms, window_ms;
	double bits_per_unit;   /* > 0: 1e6 when rates are in Mbps */
	const char *const *covered; /* exporters whose records are included */
	size_t n_covered;
	const char *const *missing; /* exporters, and agents, whose share is missing */
	size_t n_missing;           /* covered and missing names all distinct */
	const flowmsg_entry *entries; /* distinct (src, dst, cls) triples */
	size_t n;
	/* storage of a decoded partial; NULL in one the caller fills */
	char *text_;
	const char **names_;
	flowmsg_entry *entries_;
} flowmsg_partial;

int flowmsg_partial_encode(const flowmsg_partial *p, char **out, size_t *len, neto_err *err);
int flowmsg_partial_decode(flowmsg_partial *p, const char *buf, size_t len, const char *what,
			   neto_err *err);
void flowmsg_partial_free(flowmsg_partial *p);

#endif
