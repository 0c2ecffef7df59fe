/*
 * lab_exec.h - running the commands that build the lab (ip, tc, sysctl,
 * FRR's and BIRD's tools): argument vectors, never a shell, so names from
 * a topology file are never parsed as shell words.
 * Ownership: *out of lab_exec_argv is the caller's to free.
 */
#ifndef NETO_LAB_EXEC_H
#define NETO_LAB_EXEC_H

#include "lib/err.h"

/* Runs argv (NULL-terminated); returns its exit status (-1 when it could not
 * run). Its output goes to *out (caller frees) when out is not NULL, else
 * is discarded. */
int lab_exec_argv(char *const argv[], char **out);
/* Runs the command given as words (at most 63, NULL-terminated); on failure
 * fills *err with the command and its output. */
int lab_exec(neto_err *err, const char *first, ...) __attribute__((sentinel));

#endif
