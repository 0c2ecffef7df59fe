/*
 * strbuf.c - formatted lines appended to a string (strbuf.h).
 */
#include "lib/strbuf.h"

#include <stdio.h>
#include <string.h>

#include "lib/mem.h"

void neto_append_vline(char **buf, const char *fmt, va_list ap)
{
	char line[512];
	vsnprintf(line, sizeof line, fmt, ap);
	size_t old = *buf ? strlen(*buf) : 0, add = strlen(line);
	*buf = neto_realloc(*buf, old + add + 2);
	memcpy(*buf + old, line, add);
	(*buf)[old + add] = '\n';
	(*buf)[old + add + 1] = '\0';
}

void neto_append_line(char **buf, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	neto_append_vline(buf, fmt, ap);
	va_end(ap);
}
