/* strmap.c - string to index map (see strmap.h). FNV-1a hashing: the keys are
 * operator-supplied names, not adversarial network input. */
#include "lib/strmap.h"

#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"

static uint64_t hash_bytes(const char *k, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)k[i];
		h *= 1099511628211ULL;
	}
	return h;
}

void neto_strmap_init(neto_strmap *m)
{
	m->slots = NULL;
	m->cap = 0;
	m->count = 0;
}

void neto_strmap_free(neto_strmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->slots[i].key);
	free(m->slots);
	neto_strmap_init(m);
}

static neto_strmap_slot *find(const neto_strmap *m, const char *k, size_t n, uint64_t h)
{
	size_t mask = m->cap - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		neto_strmap_slot *s = &m->slots[i];
		if (s->key == NULL)
			return s;
		if (s->hash == h && s->klen == n && memcmp(s->key, k, n) == 0)
			return s;
	}
}

static void grow(neto_strmap *m)
{
	neto_strmap old = *m;
	m->cap = old.cap ? old.cap * 2 : 64;
	m->slots = neto_calloc(m->cap, sizeof *m->slots);
	for (size_t i = 0; i < old.cap; i++) {
		neto_strmap_slot *s = &old.slots[i];
		if (s->key != NULL)
			*find(m, s->key, s->klen, s->hash) = *s;
	}
	free(old.slots);
}

bool neto_strmap_put(neto_strmap *m, const char *key, size_t klen, uint32_t val,
		     uint32_t *old)
{
	if ((m->count + 1) * 2 > m->cap)
		grow(m);
	uint64_t h = hash_bytes(key, klen);
	neto_strmap_slot *s = find(m, key, klen, h);
	if (s->key != NULL) {
		if (old)
			*old = s->val;
		return false;
	}
	s->key = neto_strndup(key, klen);
	s->klen = klen;
	s->hash = h;
	s->val = val;
	m->count++;
	return true;
}

bool neto_strmap_get(const neto_strmap *m, const char *key, size_t klen, uint32_t *val)
{
	if (m->cap == 0)
		return false;
	const neto_strmap_slot *s = find(m, key, klen, hash_bytes(key, klen));
	if (s->key == NULL)
		return false;
	*val = s->val;
	return true;
}
