/*
 * ini_util.c - shared pieces of the libinih-driven section parsers.
 */
#include "cfg/ini_util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

char *cfg_lines_next(cfg_lines *l, char *str, int num)
{
	if (l->pos >= l->end || num <= 1)
		return NULL;
	size_t n = 0;
	while (l->pos + n < l->end && l->pos[n] != '\n' && n + 1 < (size_t)num)
		n++;
	if (l->pos + n < l->end && l->pos[n] == '\n' && n + 1 < (size_t)num)
		n++;
	memcpy(str, l->pos, n);
	str[n] = '\0';
	l->pos += n;
	l->lineno++;
	return str;
}

int cfg_uint(const char *v, uint64_t max, uint64_t *out)
{
	char *end;
	if (v[0] < '0' || v[0] > '9')
		return -1;
	unsigned long long n = strtoull(v, &end, 10);
	if (*end != '\0' || n > max)
		return -1;
	*out = n;
	return 0;
}

int cfg_bool(const char *v, bool *out)
{
	if (strcasecmp(v, "yes") == 0 || strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0)
		*out = true;
	else if (strcasecmp(v, "no") == 0 || strcasecmp(v, "false") == 0 || strcmp(v, "0") == 0)
		*out = false;
	else
		return -1;
	return 0;
}
