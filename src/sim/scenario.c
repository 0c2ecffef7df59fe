/*
 * scenario.c - the simulator's failure scenarios (docs/sim.md, "Scenario
 * files").
 *
 * A line-oriented text format, one event per line:
 *
 *     # comment
 *     at 5000 reject router R2 count 3
 *     at 0 stall router R5 for 20000
 *     at 10000 session-drop router R3 [for 30000]
 *     at 60000 link-down A B          (every link between A and B, both ways)
 *     at 60000 link-down edge_7       (one link, by id)
 *     at 90000 link-up A B
 *
 * The parser is strict and pure: it walks (buf, len) with the bounds-checked
 * line cursor of lib/text.h, checks every field (keywords, whole numbers in
 * range, name lengths), caps the number of events, and names the line of
 * any problem ("scenario:LINE: ..."). Times must not decrease from one line
 * to the next, so a file reads as the timeline it describes. Names are only
 * copied here; sim_load_scenario resolves them against a topology.
 */
#include "sim/sim.h"

#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"
#include "lib/text.h"

#define NAME_MAX_LEN 255
#define FIELDS_MAX 8

static const char fname[] = "scenario";

void sim_scenario_free(sim_scenario *sc)
{
	if (sc == NULL)
		return;
	for (size_t i = 0; i < sc->n; i++) {
		free(sc->v[i].a);
		free(sc->v[i].b);
	}
	free(sc->v);
	free(sc);
}

static int parse_ms(neto_span f, bool positive, int64_t *out)
{
	uint64_t v;
	if (!neto_span_to_u64(f, &v) || v > (uint64_t)SIM_TIME_MAX || (positive && v == 0))
		return -1;
	*out = (int64_t)v;
	return 0;
}

static int name_copy(neto_span f, unsigned line, char **out, neto_err *err)
{
	if (f.len > NAME_MAX_LEN)
		return neto_err_at(err, fname, line, "name longer than %d bytes", NAME_MAX_LEN);
	*out = neto_strndup(f.p, f.len);
	return 0;
}

/* "router NAME" at f[0..2). */
static int parse_router(const neto_span *f, unsigned line, const char *usage, sim_event *e,
			neto_err *err)
{
	if (!neto_span_eq(f[0], "router"))
		return neto_err_at(err, fname, line, "expected '%s'", usage);
	return name_copy(f[1], line, &e->a, err);
}

/* Optional "for MS" at f[0..n): n is 0 or 2. */
static int parse_for(const neto_span *f, size_t n, unsigned line, const char *usage,
		     sim_event *e, neto_err *err)
{
	char b[64];
	e->dur = SIM_NEVER;
	if (n == 0)
		return 0;
	if (n != 2 || !neto_span_eq(f[0], "for"))
		return neto_err_at(err, fname, line, "expected '%s'", usage);
	if (parse_ms(f[1], true, &e->dur) != 0)
		return neto_err_at(err, fname, line,
				   "duration '%s' is not a whole number of ms in 1..%lld",
				   neto_span_str(f[1], b, sizeof b), (long long)SIM_TIME_MAX);
	return 0;
}

static int parse_event(neto_span line_s, unsigned line, sim_event *e, neto_err *err)
{
	static const char u_reject[] = "at TIME reject router NAME count N";
	static const char u_stall[] = "at TIME stall router NAME [for MS]";
	static const char u_drop[] = "at TIME session-drop router NAME [for MS]";
	static const char u_link[] = "at TIME link-down|link-up (NODE NODE | LINK-ID)";
	neto_span f[FIELDS_MAX];
	char b[64];
	size_t n = neto_split(line_s, 0, f, FIELDS_MAX);
	if (n < 3 || !neto_span_eq(f[0], "at"))
		return neto_err_at(err, fname, line, "expected 'at TIME ACTION ...'");
	if (parse_ms(f[1], false, &e->at) != 0)
		return neto_err_at(err, fname, line, "time '%s' is not a whole number of ms in 0..%lld",
				   neto_span_str(f[1], b, sizeof b), (long long)SIM_TIME_MAX);
	e->line = line;
	neto_span act = f[2];
	const neto_span *rest = f + 3;
	/* n is FIELDS_MAX + 1 when the line has more fields than that: then nr
	 * is more than any action takes, and every branch fails on it */
	size_t nr = n - 3;

	if (neto_span_eq(act, "reject")) {
		e->kind = SIM_EV_REJECT;
		if (nr != 4 || !neto_span_eq(rest[2], "count"))
			return neto_err_at(err, fname, line, "expected '%s'", u_reject);
		if (parse_router(rest, line, u_reject, e, err) != 0)
			return -1;
		uint32_t c;
		if (!neto_span_to_u32(rest[3], &c) || c < 1 || c > SIM_SCENARIO_MAX_COUNT)
			return neto_err_at(err, fname, line, "count '%s' is not a whole number in 1..%d",
					   neto_span_str(rest[3], b, sizeof b),
					   SIM_SCENARIO_MAX_COUNT);
		e->count = c;
		return 0;
	}
	if (neto_span_eq(act, "stall") || neto_span_eq(act, "session-drop")) {
		bool stall = neto_span_eq(act, "stall");
		const char *usage = stall ? u_stall : u_drop;
		e->kind = stall ? SIM_EV_STALL : SIM_EV_SESSION_DROP;
		if (nr != 2 && nr != 4)
			return neto_err_at(err, fname, line, "expected '%s'", usage);
		if (parse_router(rest, line, usage, e, err) != 0)
			return -1;
		return parse_for(rest + 2, nr - 2, line, usage, e, err);
	}
	if (neto_span_eq(act, "link-down") || neto_span_eq(act, "link-up")) {
		e->kind = neto_span_eq(act, "link-down") ? SIM_EV_LINK_DOWN : SIM_EV_LINK_UP;
		if (nr != 1 && nr != 2)
			return neto_err_at(err, fname, line, "expected '%s'", u_link);
		if (nr == 2 && rest[0].len == rest[1].len &&
		    memcmp(rest[0].p, rest[1].p, rest[0].len) == 0)
			return neto_err_at(err, fname, line, "a link from '%s' to itself",
					   neto_span_str(rest[0], b, sizeof b));
		if (name_copy(rest[0], line, &e->a, err) != 0)
			return -1;
		if (nr == 2 && name_copy(rest[1], line, &e->b, err) != 0)
			return -1;
		return 0;
	}
	return neto_err_at(err, fname, line,
			   "unknown action '%s' (expected reject, stall, session-drop, "
			   "link-down or link-up)", neto_span_str(act, b, sizeof b));
}

int sim_scenario_parse(const char *buf, size_t len, sim_scenario **out, neto_err *err)
{
	*out = NULL;
	if (len > 0 && buf == NULL)
		return neto_err_set(err, "scenario: no input");
	if (neto_text_check_nul(buf, len, fname, err) != 0)
		return -1;
	sim_scenario *sc = neto_calloc(1, sizeof *sc);
	size_t cap = 0;
	neto_lines c;
	neto_lines_init(&c, buf, len);
	neto_span line;
	int64_t prev = 0;
	while (neto_lines_next_data(&c, &line)) {
		if (sc->n == SIM_SCENARIO_MAX_EVENTS) {
			neto_err_at(err, fname, c.lineno, "more than %d events",
				    SIM_SCENARIO_MAX_EVENTS);
			goto fail;
		}
		if (sc->n == cap) {
			cap = cap ? 2 * cap : 16;
			sc->v = neto_reallocarray(sc->v, cap, sizeof *sc->v);
		}
		sim_event *e = &sc->v[sc->n];
		memset(e, 0, sizeof *e);
		sc->n++; /* counted now so that fail frees its names */
		if (parse_event(line, c.lineno, e, err) != 0)
			goto fail;
		if (e->at < prev) {
			neto_err_at(err, fname, c.lineno,
				    "time %lld is before the previous event's time %lld",
				    (long long)e->at, (long long)prev);
			goto fail;
		}
		prev = e->at;
	}
	*out = sc;
	return 0;
fail:
	sim_scenario_free(sc);
	return -1;
}
