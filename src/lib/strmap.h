/*
 * strmap.h - map from byte strings to uint32_t values (node and link names to
 * indices). Open addressing with linear probing; keys are copied and owned by
 * the map. Lookups take (ptr, len) so that parsers can look up fields of their
 * input without copying them.
 */
#ifndef NETO_LIB_STRMAP_H
#define NETO_LIB_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct neto_strmap_slot {
	char *key; /* NULL: empty slot */
	size_t klen;
	uint64_t hash;
	uint32_t val;
} neto_strmap_slot;

typedef struct neto_strmap {
	neto_strmap_slot *slots;
	size_t cap; /* power of two, or 0 */
	size_t count;
} neto_strmap;

void neto_strmap_init(neto_strmap *m);
void neto_strmap_free(neto_strmap *m);
/* Inserts key -> val. Returns false (and changes nothing) when the key is
 * already present; *old then holds its value (old may be NULL). */
bool neto_strmap_put(neto_strmap *m, const char *key, size_t klen, uint32_t val,
		     uint32_t *old);
bool neto_strmap_get(const neto_strmap *m, const char *key, size_t klen, uint32_t *val);

#endif
