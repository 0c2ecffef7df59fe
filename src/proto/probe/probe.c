/*
 * probe.c - the latency probe's codec and the responder's delay queue
 * (probe.h). The format is neto's own (docs/peering.md, "Latency
 * measurement"); the section references below are to probe.h's layout.
 */
#include "proto/probe/probe.h"

#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"

const char *probe_error_name(int e)
{
	static const char *const names[PROBE_N_ERRORS] = {
		"ok", "short", "magic", "version", "type", "length", "padding",
	};
	return e >= 0 && e < PROBE_N_ERRORS ? names[e] : "?";
}

int probe_encode(const probe_msg *m, wire_wr *w, neto_err *err)
{
	if (m->type != PROBE_REQUEST && m->type != PROBE_ANSWER)
		return neto_err_set(err, "probe: type %u is neither probe (1) nor answer (2)",
				    (unsigned)m->type);
	if (m->pad > PROBE_MAX_PAD)
		return neto_err_set(err, "probe: padding %u above %d", (unsigned)m->pad,
				    PROBE_MAX_PAD);
	wire_put_u32(w, PROBE_MAGIC);
	wire_put_u8(w, PROBE_VERSION);
	wire_put_u8(w, m->type);
	wire_put_u16(w, m->pad);
	wire_put_u32(w, m->id);
	wire_put_u32(w, m->seq);
	wire_put_u64(w, m->ts_ns);
	wire_put_zero(w, m->pad);
	return 0;
}

static int fail(neto_err *err, int code, const char *what)
{
	if (err)
		neto_err_set(err, "probe: %s", what);
	return code;
}

int probe_decode(const void *buf, size_t len, probe_msg *m, neto_err *err)
{
	memset(m, 0, sizeof *m);
	wire_rd r = wire_rd_init(buf, len);
	uint32_t magic = wire_u32(&r);
	uint8_t version = wire_u8(&r);
	uint8_t type = wire_u8(&r);
	uint16_t pad = wire_u16(&r);
	uint32_t id = wire_u32(&r);
	uint32_t seq = wire_u32(&r);
	uint64_t ts = wire_u64(&r);
	/* the fixed header first: nothing in it is trusted before the check */
	if (!wire_ok(&r)) {
		/* a short datagram of another protocol says "magic", not "short" */
		if (len >= 4 && magic != PROBE_MAGIC)
			return fail(err, PROBE_E_MAGIC, "not a neto probe (bad magic)");
		return fail(err, PROBE_E_SHORT, "shorter than the 24-octet header");
	}
	if (magic != PROBE_MAGIC)
		return fail(err, PROBE_E_MAGIC, "not a neto probe (bad magic)");
	/* a version this code does not know may lay out the rest differently */
	if (version != PROBE_VERSION)
		return fail(err, PROBE_E_VERSION, "unknown version");
	if (type != PROBE_REQUEST && type != PROBE_ANSWER)
		return fail(err, PROBE_E_TYPE, "type is neither probe (1) nor answer (2)");
	if (pad > PROBE_MAX_PAD)
		return fail(err, PROBE_E_PAD, "padding length above 1400");
	/* exactly header + padding: the padding is cut as its own slice and
	 * nothing may follow it */
	wire_rd p = wire_sub(&r, pad);
	if (!wire_ok(&p) || wire_left(&r) != 0)
		return fail(err, PROBE_E_LENGTH, "datagram length is not header + padding length");
	m->type = type;
	m->pad = pad;
	m->id = id;
	m->seq = seq;
	m->ts_ns = ts;
	return PROBE_OK;
}

probe_msg probe_answer_of(const probe_msg *q)
{
	probe_msg a = *q;
	a.type = PROBE_ANSWER;
	return a;
}

/* ---- delay queue ------------------------------------------------------------ */

void probe_delayq_init(probe_delayq *q, size_t cap, size_t item)
{
	memset(q, 0, sizeof *q);
	q->cap = cap ? cap : 1;
	q->item = item ? item : 1;
	q->due = neto_calloc(q->cap, sizeof *q->due);
	q->order = neto_calloc(q->cap, sizeof *q->order);
	q->data = neto_reallocarray(NULL, q->cap, q->item);
	q->heap = neto_calloc(q->cap, sizeof *q->heap);
	q->free_slots = neto_calloc(q->cap, sizeof *q->free_slots);
	for (size_t i = 0; i < q->cap; i++)
		q->free_slots[i] = q->cap - 1 - i;
	q->n_free = q->cap;
}

void probe_delayq_free(probe_delayq *q)
{
	free(q->due);
	free(q->order);
	free(q->data);
	free(q->heap);
	free(q->free_slots);
	memset(q, 0, sizeof *q);
}

static bool before(const probe_delayq *q, size_t a, size_t b)
{
	if (q->due[a] != q->due[b])
		return q->due[a] < q->due[b];
	return q->order[a] < q->order[b];
}

bool probe_delayq_push(probe_delayq *q, int64_t due, const void *payload)
{
	if (q->n == q->cap || q->n_free == 0)
		return false;
	size_t s = q->free_slots[--q->n_free];
	q->due[s] = due;
	q->order[s] = q->next_order++;
	memcpy(q->data + s * q->item, payload, q->item);
	size_t i = q->n++;
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!before(q, s, q->heap[parent]))
			break;
		q->heap[i] = q->heap[parent];
		i = parent;
	}
	q->heap[i] = s;
	return true;
}

bool probe_delayq_peek(const probe_delayq *q, int64_t *due)
{
	if (q->n == 0)
		return false;
	*due = q->due[q->heap[0]];
	return true;
}

bool probe_delayq_pop_due(probe_delayq *q, int64_t now, void *payload)
{
	if (q->n == 0 || q->due[q->heap[0]] > now)
		return false;
	size_t top = q->heap[0];
	memcpy(payload, q->data + top * q->item, q->item);
	q->free_slots[q->n_free++] = top;
	size_t last = q->heap[--q->n];
	size_t i = 0;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		size_t cand = last;
		if (l < q->n && before(q, q->heap[l], cand)) {
			m = l;
			cand = q->heap[l];
		}
		if (r < q->n && before(q, q->heap[r], cand))
			m = r;
		if (m == i)
			break;
		q->heap[i] = q->heap[m];
		i = m;
	}
	if (q->n > 0)
		q->heap[i] = last;
	return true;
}
