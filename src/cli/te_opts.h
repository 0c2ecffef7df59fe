/*
 * te_opts.h - the command line of `neto te`, parsed without global state so
 * that it can be tested and fuzzed like every other parser.
 *
 * Strings in te_opts point into the caller's argv and live as long as it.
 */
#ifndef NETO_CLI_TE_OPTS_H
#define NETO_CLI_TE_OPTS_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/err.h"

typedef enum te_out_format {
	TE_OUT_TABLE = 0,
	TE_OUT_JSON,
} te_out_format;

typedef struct te_opts {
	const char *topology;
	const char *demands;
	const char *classes;   /* NULL: one class named "default" */
	const char *output;    /* NULL: stdout */
	te_out_format format;
	bool exact;
	bool compare;          /* run both engines, print their comparison */
	bool help;
	bool quiet;
	uint32_t msd;          /* default SRV6_DEFAULT_MSD */
	uint32_t k;            /* 0: per class (classes file or 4) */
	double default_capacity; /* GraphML links; 0: none */
	double scale;          /* demand multiplier, default 1 */
	unsigned top;          /* links in the table, default 10 */
} te_opts;

/* Parses argv[0..argc) (the arguments after "te"). On success returns 0;
 * with --help sets opts->help and skips the required-option checks. On a bad
 * command line returns -1 with the problem in *err. */
int te_opts_parse(te_opts *o, int argc, char *const *argv, neto_err *err);

/* The text of `neto te --help`. */
extern const char te_opts_usage[];

#endif
