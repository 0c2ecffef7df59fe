/*
 * lab_exec.h - running the commands that build the lab (ip, tc, sysctl,
 * FRR's and BIRD's tools): argument vectors, never a shell, so names from
 * a topology file are never parsed as shell words.
 * Ownership: *out of lab_exec_argv is the caller's to free.
 */
#ifndef NETO_LAB_EXEC_H
#define NETO_LAB_EXEC_H

#include <stdio.h>
#include <sys/types.h>

#include "lib/err.h"

/* Runs argv (NULL-terminated); returns its exit status (-1 when it could not
 * run). Its output goes to *out (caller frees) when out is not NULL, else
 * is discarded. */
int lab_exec_argv(char *const argv[], char **out);
/* Runs the command given as words (at most 63, NULL-terminated); on failure
 * fills *err with the command and its output. */
int lab_exec(neto_err *err, const char *first, ...) __attribute__((sentinel));

/* One line of the lab's state file (lab.state), flushed and synced before
 * the thing it records is created: a crash never leaves something the
 * next `down` does not know of. */
void lab_rec(FILE *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Starts a daemon of the lab: argv in its own session, in namespace ns
 * (NULL: this one), stdin /dev/null, stdout and stderr appended to log.
 * exe NULL: this binary, recorded "proc PID neto WHAT"; else the program
 * exe (a path, or a name looked up in PATH), recorded "pid PID WHAT". The
 * child runs only once its PID is recorded. Returns the PID, or -1 and
 * *err. */
pid_t lab_spawn(FILE *st, const char *ns, const char *log, const char *exe,
		const char *const argv[], const char *what, neto_err *err);

#endif
