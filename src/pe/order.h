/*
 * order.h - congestion-free ordering of egress moves into steps.
 *
 * A peering decision moves prefixes from one egress to another; each move
 * takes the prefix's traffic off one peering link and puts it on another.
 * The routers apply the moves of a step in whatever order their BGP sessions
 * deliver them, so within a step a link may already carry every move into it
 * before any move out of it has happened. A step is therefore safe when, for
 * every link that receives traffic in it,
 *
 *     load before the step + every move of the step into the link <= limit
 *
 * with limit = headroom x capacity. Moves out of a link count only once the
 * step is over (the scheduler's barrier: step k + 1 starts when every task
 * of step k is done).
 *
 * pe_order builds the steps greedily. Each step takes, per destination link,
 * moves while they fit (the constraint of a step is per destination link
 * only, so links do not compete inside a step); moves whose source link is
 * wanted by a move that does not fit yet go first (they free room), then the
 * larger moves. When no move fits at all (a cycle of swaps between full
 * links), and use_slack is set, one move is made in a step of its own in the
 * slack between headroom and 100% of capacity: the move after which the
 * most other moves fit under headroom, then the one that needs the least
 * slack; then ordering under headroom resumes (at most PE_ORDER_MAX_SLACK
 * times). Moves that fit nowhere even under capacity are left for the next
 * cycle (left[]).
 *
 * Which move takes a contended link's room can decide whether the others
 * ever fit (a small move may eat the room a larger one needed). So when the
 * first run leaves moves or uses the slack, the greedy runs again,
 * PE_ORDER_ATTEMPTS runs in all: with the moves in shuffled orders (freeing
 * moves still first), and, up to PE_ORDER_SEQ_MAX moves, sequentially (one
 * move taking room per step, larger first, then consecutive steps merged
 * while the merged step stays safe). The best result is kept: fewer moves
 * left, then fewer steps counting a slack step twice, then fewer slack
 * steps.
 * Capacity itself is never exceeded.
 *
 * A move between two egresses on the same link adds nothing to it (the
 * traffic only changes ISP session there); a move from or to PE_ORDER_NONE
 * (traffic on no known link) only frees or only takes room.
 *
 * Pure arithmetic over arrays: no I/O, no globals, no parser (hence no fuzz
 * target; tests/unit/test_pe_order.c checks it on random instances against
 * pe_order_verify and an exhaustive search).
 *
 * Ownership: pe_order_result's arrays belong to the result
 * (pe_order_result_free); the problem's arrays are only read.
 */
#ifndef NETO_PE_ORDER_H
#define NETO_PE_ORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

#define PE_ORDER_NONE UINT32_MAX
/* At most this many slack steps per ordering (each costs O(moves^2) to
 * choose and a scheduler barrier to apply); the moves still stuck after
 * them wait for the next cycle. */
#define PE_ORDER_MAX_SLACK 64
/* Greedy runs when the first leaves moves or needs the slack: the first,
 * then shuffled orders of the moves (the best kept). */
#define PE_ORDER_ATTEMPTS 8
/* Sequential attempts (one move taking room per step, then merged) only up
 * to this many moves. */
#define PE_ORDER_SEQ_MAX 512

typedef struct pe_order_move {
	uint32_t from, to;	/* links; PE_ORDER_NONE: not on a known link */
	double rate;		/* >= 0, the unit of the capacities */
} pe_order_move;

typedef struct pe_order_problem {
	size_t n_links;
	const double *cap;	/* per link, > 0 */
	double headroom;	/* 0 < headroom <= 1: limit = headroom x cap */
	const double *load;	/* per link before any move; includes the
				 * moves' own rates on their source links */
	size_t n_moves;
	const pe_order_move *moves;
	bool use_slack;		/* when stuck, one move at a time up to capacity */
} pe_order_problem;

typedef struct pe_order_result {
	uint32_t *order;	/* move indices, step after step */
	size_t *step_off;	/* n_steps + 1: step k is order[step_off[k] .. step_off[k+1]) */
	bool *slack;		/* per step: checked against capacity, not headroom */
	size_t n_steps;
	size_t n_slack;		/* steps (one move each) that use the slack */
	uint32_t *left;		/* moves not ordered: for the next cycle */
	size_t n_left;
	double peak;		/* highest worst-case load / capacity over the steps */
} pe_order_result;

void pe_order_result_free(pe_order_result *r);

/* Orders the moves of p into steps (above). -1 and *err on a problem that
 * does not add up (a link index out of range, a negative rate, a capacity
 * not above 0, a headroom outside (0, 1]). */
int pe_order(const pe_order_problem *p, pe_order_result *r, neto_err *err);

typedef struct pe_order_violation {
	size_t step;		/* SIZE_MAX: not about a step (a move twice, missing) */
	uint32_t link;
	double load, limit;	/* worst-case load of the step, the limit it broke */
} pe_order_violation;

/* Checks steps r against p under the worst order (every move into a link
 * before any move out of it, within each step): returns the number of
 * violations, the first in *v when v is not NULL. Also a violation: a move
 * index out of range, a move in two places, a move neither ordered nor left.
 * *peak (may be NULL) gets the highest worst-case load / capacity. */
size_t pe_order_verify(const pe_order_problem *p, const pe_order_result *r,
		       pe_order_violation *v, double *peak);

/* A lower bound on the steps any ordering of every orderable move needs
 * under headroom: per move, the earliest step at which enough moves out of
 * its destination can have happened to make room for it alone, and 2 when
 * a destination cannot take all its incoming moves at once. Moves that no
 * amount of freeing makes fit are not counted. */
size_t pe_order_lower_bound(const pe_order_problem *p);

#endif
