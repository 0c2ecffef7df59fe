/* testutil.h - helpers shared by the unit tests. */
#ifndef NETO_TESTUTIL_H
#define NETO_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

/* Reads a file relative to the source tree (e.g. "tests/data/abilene.graph").
 * Aborts the test on failure. Caller frees. */
char *tu_read(const char *relpath, size_t *len);

/* Deterministic pseudo-random numbers for property tests (xorshift64*). */
uint64_t tu_rand(uint64_t *state);
/* Uniform double in [0, 1). */
double tu_randf(uint64_t *state);

#endif
