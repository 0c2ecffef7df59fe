/*
 * argv_util.h - small helpers the commands' option parsers share.
 *
 * Ownership: cli_push grows the caller's array (the caller frees it, not
 * the strings, which stay argv's).
 */
#ifndef NETO_CLI_ARGV_UTIL_H
#define NETO_CLI_ARGV_UTIL_H

#include <stdbool.h>
#include <stddef.h>

/* Appends s to the array *v of *n strings (for repeatable options). */
void cli_push(const char ***v, size_t *n, const char *s);

/* A whole string as a finite number ("1e3", "0.5"); false for "", a
 * trailing character, inf or nan. */
bool cli_num(const char *s, double *out);

#endif
