/*
 * updates.c - the router updates of one step of a plan (planner.h).
 *
 * A head-end changes a tunnel (an SR policy) atomically, so a step's updates
 * are one per tunnel whose rates differ between the two configurations:
 * create it when it had no rate before, delete it when it has none after,
 * modify it otherwise. The step is congestion-free in any order, but the
 * order in which they are handed out still matters for how much headroom the
 * links have while the step is under way: updates that only free capacity
 * go first (deletes, then modifications that lower the tunnel's total rate,
 * throttles among them), then the other modifications, then creates, which
 * only consume. Inside each group tunnels keep their index order, so the
 * output is deterministic.
 */
#include "plan/planner.h"

#include <stdlib.h>

#include "lib/mem.h"

/* The groups, in the order they are handed out. */
enum { RANK_DELETE, RANK_SHRINK, RANK_MODIFY, RANK_CREATE, N_RANKS };

size_t plan_step_updates(const plan_space *s, const double *a, const double *b,
			 plan_update **out)
{
	uint8_t *rank = neto_malloc(s->n_tunnels ? s->n_tunnels : 1);
	size_t count[N_RANKS] = { 0 };
	size_t n = 0;
	for (size_t t = 0; t < s->n_tunnels; t++) {
		const plan_tunnel *tu = &s->tunnels[t];
		bool differs = false;
		double ta = 0, tb = 0;
		for (uint32_t e = tu->entry_off; e < tu->entry_off + tu->n_entries; e++) {
			differs |= a[e] != b[e];
			ta += a[e];
			tb += b[e];
		}
		rank[t] = N_RANKS;
		if (!differs)
			continue;
		if (!(ta > 0))
			rank[t] = RANK_CREATE;
		else if (!(tb > 0))
			rank[t] = RANK_DELETE;
		else if (tb < ta)
			rank[t] = RANK_SHRINK;
		else
			rank[t] = RANK_MODIFY;
		count[rank[t]]++;
		n++;
	}
	size_t at[N_RANKS];
	size_t pos = 0;
	for (int r = 0; r < N_RANKS; r++) {
		at[r] = pos;
		pos += count[r];
	}
	plan_update *u = neto_malloc((n ? n : 1) * sizeof *u);
	static const plan_action action[N_RANKS] = {
		[RANK_DELETE] = PLAN_DELETE,
		[RANK_SHRINK] = PLAN_MODIFY,
		[RANK_MODIFY] = PLAN_MODIFY,
		[RANK_CREATE] = PLAN_CREATE,
	};
	for (size_t t = 0; t < s->n_tunnels; t++) {
		if (rank[t] == N_RANKS)
			continue;
		u[at[rank[t]]++] = (plan_update){ .tunnel = (uint32_t)t, .action = action[rank[t]] };
	}
	free(rank);
	*out = u;
	return n;
}
