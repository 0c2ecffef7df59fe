/*
 * err.h - the one error convention of neto.
 *
 * A function that can fail returns 0 on success and -1 on failure, and on
 * failure writes a human-readable message into the caller's `neto_err`.
 * Messages about input name the file and line: "FILE:LINE: problem".
 * Out of memory is not an error that callers handle: the allocators in mem.h
 * abort (see docs/design.md, "Errors and memory").
 */
#ifndef NETO_LIB_ERR_H
#define NETO_LIB_ERR_H

#include <stddef.h>

typedef struct neto_err {
	char msg[512];
} neto_err;

/* Formats the message into *e (if e is not NULL). Always returns -1 so that
 * callers can write `return neto_err_set(e, ...);`. */
int neto_err_set(neto_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Same, prefixed with "file:line: " (line 0 omits the line). */
int neto_err_at(neto_err *e, const char *file, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
