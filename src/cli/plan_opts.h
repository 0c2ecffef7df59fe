/*
 * plan_opts.h - the command line of `neto plan`, parsed without global state
 * so that it can be tested and fuzzed like every other parser.
 *
 * Two modes: planning (--from and --to, both allocations in the shape of
 * `neto te --format json`) and checking a plan file (--verify PLAN.json).
 * Strings in plan_opts point into the caller's argv and live as long as it.
 */
#ifndef NETO_CLI_PLAN_OPTS_H
#define NETO_CLI_PLAN_OPTS_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/err.h"

typedef enum plan_out_format {
	PLAN_OUT_TABLE = 0,
	PLAN_OUT_JSON,
} plan_out_format;

typedef struct plan_cli {
	const char *topology;
	const char *from;      /* installed allocation */
	const char *to;        /* target allocation */
	const char *output;    /* NULL: stdout */
	const char *plan;      /* --verify: the plan file ("-" is stdin) */
	plan_out_format format;
	bool verify;
	bool help;
	bool quiet;
	uint32_t max_steps;    /* 1..PLAN_MAX_STEPS, default 10 */
	double default_capacity; /* GraphML links; 0: none */
} plan_cli;

/* Parses argv[0..argc) (the arguments after "plan"). On success returns 0;
 * with --help sets o->help and skips the required-option checks. On a bad
 * command line returns -1 with the problem in *err. */
int plan_cli_parse(plan_cli *o, int argc, char *const *argv, neto_err *err);

/* The text of `neto plan --help`. */
extern const char plan_cli_usage[];

#endif
