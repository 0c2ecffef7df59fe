/*
 * pe_order.c - time of the congestion-free ordering of egress moves
 * (pe/order.h) at the sizes a controller cycle sees: N prefixes (default
 * 10,000) with heavy-tailed rates over L peering links (default 8) filled
 * to 85% .. 100% of a 95% headroom, each moving with probability MOVE
 * (default 0.3) to a random link. FILL (default 1) above 1 fills links
 * beyond headroom (to FILL - 0.15 .. FILL of it, before or after the
 * moves), so that some moves only fit through the slack or not at all: the
 * greedy's retries then run. Prints the median time of pe_order and of
 * pe_order_verify over REPEATS random instances, with the steps, slack
 * steps and moves left.
 *
 * usage: pe_order [PREFIXES [LINKS [MOVE [REPEATS [FILL]]]]]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "lib/mem.h"
#include "pe/order.h"

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static uint64_t rng = 0x0de5;

static double randf(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (double)((rng * 0x2545F4914F6CDD1DULL) >> 11) * (1.0 / 9007199254740992.0);
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000;
	size_t L = argc > 2 ? strtoul(argv[2], NULL, 10) : 8;
	double move = argc > 3 ? atof(argv[3]) : 0.3;
	int reps = argc > 4 ? atoi(argv[4]) : 11;
	double fill = argc > 5 ? atof(argv[5]) : 1;
	if (n == 0 || L == 0 || reps <= 0) {
		fprintf(stderr, "usage: pe_order [PREFIXES [LINKS [MOVE [REPEATS [FILL]]]]]\n");
		return 2;
	}
	double *t_order = neto_calloc((size_t)reps, sizeof *t_order);
	double *t_verify = neto_calloc((size_t)reps, sizeof *t_verify);
	double *cap = neto_calloc(L, sizeof *cap), *load = neto_calloc(L, sizeof *load);
	double *after = neto_calloc(L, sizeof *after);
	pe_order_move *mv = neto_calloc(n, sizeof *mv);
	size_t steps = 0, slack = 0, left = 0, moves = 0;
	for (int r = 0; r < reps; r++) {
		for (size_t l = 0; l < L; l++)
			load[l] = after[l] = 0;
		size_t m = 0;
		for (size_t i = 0; i < n; i++) {
			double rate = 1e6 * (0.2 + 1 / (0.01 + randf()));
			uint32_t from = (uint32_t)(randf() * (double)L) % (uint32_t)L, to = from;
			if (randf() < move)
				to = (uint32_t)(randf() * (double)L) % (uint32_t)L;
			load[from] += rate;
			after[to] += rate;
			if (to != from)
				mv[m++] = (pe_order_move){ .from = from, .to = to, .rate = rate };
		}
		for (size_t l = 0; l < L; l++) {
			double big = load[l] > after[l] ? load[l] : after[l];
			cap[l] = big / (0.95 * (fill - 0.15 + 0.15 * randf()));
		}
		pe_order_problem p = { .n_links = L, .cap = cap, .headroom = 0.95, .load = load,
				       .n_moves = m, .moves = mv, .use_slack = true };
		pe_order_result res;
		neto_err err;
		double t0 = mono();
		if (pe_order(&p, &res, &err) != 0) {
			fprintf(stderr, "%s\n", err.msg);
			return 1;
		}
		double t1 = mono();
		size_t nv = pe_order_verify(&p, &res, NULL, NULL);
		double t2 = mono();
		if (nv != 0) {
			fprintf(stderr, "the ordering does not verify (%zu violations)\n", nv);
			return 1;
		}
		t_order[r] = t1 - t0;
		t_verify[r] = t2 - t1;
		steps += res.n_steps;
		slack += res.n_slack;
		left += res.n_left;
		moves += m;
		pe_order_result_free(&res);
	}
	qsort(t_order, (size_t)reps, sizeof *t_order, cmp_d);
	qsort(t_verify, (size_t)reps, sizeof *t_verify, cmp_d);
	printf("prefixes %zu links %zu moves/instance %.0f: order median %.3f ms, verify median "
	       "%.3f ms; mean steps %.2f, slack steps %.2f, moves left %.2f (%d instances)\n",
	       n, L, (double)moves / reps, 1e3 * t_order[reps / 2], 1e3 * t_verify[reps / 2],
	       (double)steps / reps, (double)slack / reps, (double)left / reps, reps);
	free(t_order);
	free(t_verify);
	free(cap);
	free(load);
	free(after);
	free(mv);
	return 0;
}
