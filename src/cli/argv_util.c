/*
 * argv_util.c - small helpers the commands' option parsers share.
 */
#include "cli/argv_util.h"

#include <math.h>
#include <stdlib.h>

#include "lib/mem.h"

void cli_push(const char ***v, size_t *n, const char *s)
{
	*v = neto_reallocarray(*v, *n + 1, sizeof **v);
	(*v)[(*n)++] = s;
}

bool cli_num(const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end);
	if (*s == '\0' || *end != '\0' || !isfinite(v))
		return false;
	*out = v;
	return true;
}
