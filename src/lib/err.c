/* err.c - formatting of error messages; see err.h for the convention. */
#include "lib/err.h"

#include <stdarg.h>
#include <stdio.h>

int neto_err_set(neto_err *e, const char *fmt, ...)
{
	if (e == NULL)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return -1;
}

int neto_err_at(neto_err *e, const char *file, unsigned line, const char *fmt, ...)
{
	if (e == NULL)
		return -1;
	int n;
	if (line > 0)
		n = snprintf(e->msg, sizeof e->msg, "%s:%u: ", file ? file : "<input>", line);
	else
		n = snprintf(e->msg, sizeof e->msg, "%s: ", file ? file : "<input>");
	if (n < 0 || (size_t)n >= sizeof e->msg)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg + n, sizeof e->msg - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}
