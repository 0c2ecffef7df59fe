/* mem.c - allocators that abort on exhaustion (policy in mem.h). */
#include "lib/mem.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(size_t n)
{
	fprintf(stderr, "neto: out of memory (%zu bytes)\n", n);
	abort();
}

void *neto_malloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (p == NULL)
		oom(n);
	return p;
}

void *neto_calloc(size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size ? size : 1);
	if (p == NULL)
		oom(count * size);
	return p;
}

void *neto_realloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (q == NULL)
		oom(n);
	return q;
}

void *neto_reallocarray(void *p, size_t count, size_t size)
{
	if (size != 0 && count > SIZE_MAX / size)
		oom(SIZE_MAX);
	return neto_realloc(p, count * size);
}

char *neto_strdup(const char *s)
{
	return neto_strndup(s, strlen(s));
}

char *neto_strndup(const char *s, size_t len)
{
	char *p = neto_malloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}
