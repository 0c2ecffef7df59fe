/*
 * decide.h - the peering decision: which egress (ISP peer at a border
 * router, over a peering link) each destination prefix's traffic leaves by.
 *
 * Inputs, all flat arrays indexed by small integers so that a full table
 * (1M prefixes, traffic on 100k of them) decides in well under a second:
 *  - links with capacities, a headroom (default 95%) no link should exceed;
 *  - egresses, each on one link;
 *  - per prefix its candidate egresses (the ISPs that offered a route), the
 *    latency of each (measured, or from a static table: pe_lat_table) and
 *    BGP's own choice (best-path over the routes, see rib.h);
 *  - demands: traffic per (prefix, class), classes in strict precedence,
 *    class 0 first.
 * Output: per demand the chosen egress, per link the projected load, and
 * every move with its reason for the audit log.
 *
 * The heuristic (in the spirit of Facebook's Edge Fabric):
 * classes are placed in precedence order, so a lower class never takes
 * room a higher class wants. Within a class, every demand starts where it
 * was (its previous choice, or BGP's when it has none or its egress
 * withdrew the route), then
 *  1. projection: demands whose lowest-latency egress saves more than
 *     min_gain_ms, not held down, go there whatever the load, the largest
 *     gains (rate x latency saved) first, at most max_moves of them;
 *  2. relief: for each link above headroom, its demands of this class move
 *     to the candidate with room that costs the least extra (latency, plus
 *     min_gain_ms for a demand that was not going to move: a move must pay
 *     for itself), which is the extra latency per unit of load moved, the
 *     cheapest first, until the link is under headroom; a demand that fits
 *     nowhere may get room by moving other demands off one of its
 *     candidate links (a chain of two moves); passes repeat while they
 *     move something. Relief ignores hold-down: an overloaded link drops
 *     traffic;
 *  3. when a link is still above headroom, the class is placed again
 *     largest demand first (a packing order) and relieved, and kept if
 *     that leaves less traffic above headroom; if a link is still above
 *     headroom, relief runs once more allowing exchanges: a stuck demand
 *     trades places with a smaller one on a candidate link of its own when
 *     both links end under headroom (the cheapest such pair first);
 * then, all classes placed,
 *  4. if a link is still above headroom, relief runs again over every
 *     class, lowest precedence first (its stuck demands congest the link
 *     for every class on it: capacity comes before precedence);
 *  5. refill: demands projected this cycle or moved by relief take the
 *     cheapest candidate with room left, the largest saving first (relief
 *     moves whole demands and leaves room behind);
 * and, at any step,
 *  6. optionally (split), a demand that fits on no egress whole is split
 *     into 2^split_bits more-specific prefixes placed separately (their
 *     traffic assumed even: measured more-specific traffic would do better).
 * A relief move never puts a link above headroom. Guarantees (tested):
 * when every demand may use every link and the total traffic is at most
 * sum(headroom x capacity) - (links - 1) x (largest demand), no link ends
 * above headroom; whenever a link stays above headroom, no demand on it
 * fits on any of its other candidates (one class; tested). Against the exact optimum on
 * random instances with partial candidate sets, see docs/peering.md.
 *
 * pe_exact solves the same assignment exactly with GLPK (a MIP: binary
 * choice per demand and candidate, link rows under headroom, minimum
 * rate x latency, classes weighted apart), as the oracle for tests and the
 * benchmark on instances it solves in time.
 *
 * Ownership: pe_result_free releases a result; pe_state belongs to the
 * caller across cycles.
 */
#ifndef NETO_PE_DECIDE_H
#define NETO_PE_DECIDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "pe/rib.h"

typedef struct pe_demand {
	uint32_t pfx;
	uint8_t cls;		/* 0 = highest precedence */
	double rate;		/* bit/s */
} pe_demand;

typedef struct pe_problem {
	size_t n_links;
	const double *cap;		/* bit/s per link */
	size_t n_egress;
	const uint32_t *egress_link;	/* link of each egress */
	size_t n_pfx;
	const uint32_t *cand_off;	/* n_pfx + 1: candidates of p are [off[p], off[p+1]) */
	const uint32_t *cand_egress;
	const float *cand_lat;		/* ms */
	const uint32_t *bgp_best;	/* egress per prefix, PE_NONE without a route */
	const uint8_t *pfx_len;		/* bits; only needed for split */
	const uint8_t *pfx_family;	/* 4 or 6; only needed for split */
	size_t n_dem;
	const pe_demand *dem;
	unsigned n_class;		/* classes 0 .. n_class-1 */
} pe_problem;

typedef struct pe_opts {
	double headroom;	/* fraction of capacity a link may carry, default 0.95 */
	double min_gain_ms;	/* a latency move must save more, default 5 */
	size_t max_moves;	/* latency moves projected per cycle, default 1000; 0: none */
	double hold_s;		/* no latency move within this of the last, default 300 */
	bool split;		/* default off */
	unsigned split_bits;	/* 1..4, default 1 (halves) */
	unsigned split_max_v4, split_max_v6;	/* longest more-specific, default 24, 48 */
} pe_opts;

void pe_opts_default(pe_opts *o);

enum pe_reason {
	PE_WITHDRAWN = 1,	/* the egress no longer offers the prefix */
	PE_LATENCY = 2,		/* a lower-latency egress had room */
	PE_OVERLOAD = 3,	/* its link was above headroom */
	PE_SPLIT = 4,		/* split into more-specifics to fit */
};
const char *pe_reason_name(int reason);

typedef struct pe_move {
	uint32_t dem;
	uint32_t from, to;	/* egresses (from PE_NONE: no previous) */
	uint8_t reason;
	float lat_from, lat_to;	/* ms */
	uint32_t link;		/* PE_OVERLOAD: the link relieved */
} pe_move;

/* A demand split into 2^bits more-specifics; egress[i] carries part i
 * (more-specific number i in address order). */
typedef struct pe_split {
	uint32_t dem;
	uint8_t bits;
	uint32_t egress[16];
} pe_split;

typedef struct pe_result {
	uint32_t *choice;	/* per demand: egress, PE_NONE when unroutable */
	double *load;		/* per link, bit/s */
	pe_move *moves;
	size_t n_moves;
	size_t n_latency_moves, n_relief_moves, n_withdrawn_moves;
	size_t n_capped;	/* latency moves the cap held back */
	pe_split *splits;
	size_t n_splits;
	size_t n_overloaded;	/* links still above headroom */
	size_t n_unroutable;
	double lat_sum;		/* sum of rate x latency (bit/s x ms) */
	double rate_sum;
} pe_result;

void pe_result_free(pe_result *r);

/* What the decision remembers between cycles: per (prefix, class) the
 * egress chosen (PE_NONE: BGP's) and when it last moved. 8 octets per
 * (prefix, class). */
typedef struct pe_state {
	size_t n_pfx;
	unsigned n_class;
	uint32_t *cur;
	float *moved_at;
} pe_state;

void pe_state_init(pe_state *s);
/* Grows s to cover n_pfx prefixes and n_class classes (new entries: BGP's). */
void pe_state_fit(pe_state *s, size_t n_pfx, unsigned n_class);
void pe_state_free(pe_state *s);

/* One cycle at time now (seconds, the caller's clock). Checks the problem's
 * indices (-1 and *err when one is out of range), fills *r and updates *s. */
int pe_decide(const pe_problem *p, const pe_opts *o, pe_state *s, double now, pe_result *r,
	      neto_err *err);

/* ---- the exact model --------------------------------------------------- */

typedef struct pe_exact_result {
	int status;		/* PE_EXACT_OPTIMAL, _FEASIBLE (time limit), _INFEASIBLE, _NONE */
	uint32_t *choice;	/* per demand (owned, free()) */
	double lat_sum;		/* of choice */
	double lp_bound;	/* LP relaxation: no assignment does better */
} pe_exact_result;

enum { PE_EXACT_OPTIMAL = 0, PE_EXACT_FEASIBLE = 1, PE_EXACT_INFEASIBLE = 2, PE_EXACT_NONE = 3 };

/* Minimises sum rate x latency (class c weighted 1000^(n_class-1-c), so a
 * higher class's latency outweighs any lower class's) with every link under
 * headroom, as a MIP (time_limit_s, 0: none). Demands without candidates
 * are left PE_NONE. */
int pe_exact(const pe_problem *p, double headroom, double time_limit_s, pe_exact_result *x,
	     neto_err *err);
void pe_exact_free(pe_exact_result *x);

/* ---- latency: measured with a static fallback -------------------------- */

/* Static latency per (covering prefix, egress), looked up by longest
 * prefix match; a 0.0.0.0/0 or ::/0 entry is an egress's default. */
typedef struct pe_lat_table pe_lat_table;
pe_lat_table *pe_lat_table_new(size_t n_egress);
void pe_lat_table_free(pe_lat_table *t);
int pe_lat_table_add(pe_lat_table *t, uint32_t egress, int family, const uint8_t *addr,
		     unsigned len, float ms, neto_err *err);
/* true and *ms for the longest static entry holding the prefix's first
 * address (a more specific entry than the prefix itself wins, too) */
bool pe_lat_table_get(const pe_lat_table *t, uint32_t egress, int family, const uint8_t *addr,
		      float *ms);

#endif
