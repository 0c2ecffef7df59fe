/*
 * strbuf.h - growing a NUL-terminated string one formatted line at a time
 * (cycle logs, warnings collected for an operator).
 *
 * Ownership: *buf is NULL or a string from these functions; the caller frees
 * it with free().
 */
#ifndef NETO_LIB_STRBUF_H
#define NETO_LIB_STRBUF_H

#include <stdarg.h>

/* Appends the formatted text and a newline to *buf. Lines longer than 511
 * bytes are cut. */
void neto_append_line(char **buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void neto_append_vline(char **buf, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

#endif
