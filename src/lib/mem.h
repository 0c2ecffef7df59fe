/*
 * mem.h - allocation with one out-of-memory policy: abort.
 *
 * neto's working sets are sized by the topology and demand inputs, which the
 * operator controls; a controller that cannot allocate cannot make progress, so
 * it stops loudly instead of threading ENOMEM through every path. Callers never
 * check these for NULL. Caller frees with free().
 */
#ifndef NETO_LIB_MEM_H
#define NETO_LIB_MEM_H

#include <stddef.h>

void *neto_malloc(size_t n);
void *neto_calloc(size_t count, size_t size);
void *neto_realloc(void *p, size_t n);
/* realloc of count*size with overflow check. */
void *neto_reallocarray(void *p, size_t count, size_t size);
char *neto_strdup(const char *s);
/* Copies len bytes of s and terminates them. */
char *neto_strndup(const char *s, size_t len);

#endif
