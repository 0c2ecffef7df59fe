/*
 * lpm.c - path-compressed binary trie for longest-prefix match (see lpm.h).
 *
 * Invariants: a node's prefix extends its parent's (longer plen, same
 * leading bits); child[b] holds prefixes whose bit plen is b; a node
 * without a value has two children (a branching "glue" node), except the
 * transient state inside an insert. Index 0 is "none".
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lpm.h"
#include "lib/mem.h"

typedef struct lpm_node {
	uint64_t hi, lo;	/* the prefix, bits beyond plen zero */
	uint32_t child[2];
	uint32_t value;
	uint8_t plen;
	uint8_t has_value;
} lpm_node;

#define LPM_STRIDE 16
#define LPM_BLOCKS (1u << LPM_STRIDE)

struct lpm {
	int family;
	unsigned bits;
	lpm_node *n;	/* n[0] unused */
	size_t nn, cap;
	uint32_t root;
	size_t size;
	/* lpm_compile: per value of the first 16 bits, the longest shorter
	 * prefix's value and the node the walk continues from */
	bool compiled;
	uint32_t *start, *best;	/* best: value + 1, 0: none */
};

lpm *lpm_new(int family)
{
	lpm *t = neto_calloc(1, sizeof *t);
	t->family = family == 6 ? 6 : 4;
	t->bits = t->family == 6 ? 128 : 32;
	t->cap = 64;
	t->n = neto_calloc(t->cap, sizeof *t->n);
	t->nn = 1;
	return t;
}

void lpm_free(lpm *t)
{
	if (!t)
		return;
	free(t->start);
	free(t->best);
	free(t->n);
	free(t);
}

int lpm_family(const lpm *t)
{
	return t->family;
}

size_t lpm_size(const lpm *t)
{
	return t->size;
}

static void load(const lpm *t, const uint8_t *a, uint64_t *hi, uint64_t *lo)
{
	uint64_t h = 0, l = 0;
	if (t->family == 4) {
		h = (uint64_t)a[0] << 56 | (uint64_t)a[1] << 48 | (uint64_t)a[2] << 40 |
		    (uint64_t)a[3] << 32;
	} else {
		for (int i = 0; i < 8; i++)
			h = h << 8 | a[i];
		for (int i = 8; i < 16; i++)
			l = l << 8 | a[i];
	}
	*hi = h;
	*lo = l;
}

static void mask(uint64_t *hi, uint64_t *lo, unsigned plen)
{
	if (plen == 0) {
		*hi = *lo = 0;
	} else if (plen < 64) {
		*hi &= ~0ULL << (64 - plen);
		*lo = 0;
	} else if (plen == 64) {
		*lo = 0;
	} else if (plen < 128) {
		*lo &= ~0ULL << (128 - plen);
	}
}

static unsigned bit(uint64_t hi, uint64_t lo, unsigned i)
{
	return i < 64 ? (unsigned)(hi >> (63 - i)) & 1 : (unsigned)(lo >> (127 - i)) & 1;
}

/* Leading bits two keys share, capped at max. */
static unsigned common(uint64_t ah, uint64_t al, uint64_t bh, uint64_t bl, unsigned max)
{
	unsigned c;
	if (ah != bh)
		c = (unsigned)__builtin_clzll(ah ^ bh);
	else if (al != bl)
		c = 64 + (unsigned)__builtin_clzll(al ^ bl);
	else
		c = 128;
	return c < max ? c : max;
}

static uint32_t node_new(lpm *t, uint64_t hi, uint64_t lo, unsigned plen)
{
	if (t->nn == t->cap) {
		t->cap *= 2;
		t->n = neto_reallocarray(t->n, t->cap, sizeof *t->n);
	}
	uint32_t i = (uint32_t)t->nn++;
	memset(&t->n[i], 0, sizeof t->n[i]);
	t->n[i].hi = hi;
	t->n[i].lo = lo;
	t->n[i].plen = (uint8_t)plen;
	return i;
}

static void set_value(lpm *t, uint32_t i, uint32_t value)
{
	if (!t->n[i].has_value)
		t->size++;
	t->n[i].has_value = 1;
	t->n[i].value = value;
}

int lpm_insert(lpm *t, const uint8_t *addr, unsigned plen, uint32_t value)
{
	if (plen > t->bits)
		return -1;
	t->compiled = false;
	uint64_t hi, lo;
	load(t, addr, &hi, &lo);
	mask(&hi, &lo, plen);
	/* where the current node hangs: parent index (0: the root) and side */
	uint32_t parent = 0;
	unsigned side = 0;
	uint32_t i = t->root;
	for (;;) {
		if (i == 0) {
			uint32_t k = node_new(t, hi, lo, plen);
			set_value(t, k, value);
			if (parent)
				t->n[parent].child[side] = k;
			else
				t->root = k;
			return 0;
		}
		lpm_node *n = &t->n[i];
		unsigned max = plen < n->plen ? plen : n->plen;
		unsigned c = common(hi, lo, n->hi, n->lo, max);
		if (c < n->plen) {
			/* the new prefix leaves n's path above n: split there */
			uint64_t nh = n->hi, nl = n->lo;
			uint32_t k;
			if (c == plen) {
				k = node_new(t, hi, lo, plen);
				set_value(t, k, value);
				t->n[k].child[bit(nh, nl, plen)] = i;
			} else {
				uint64_t gh = hi, gl = lo;
				mask(&gh, &gl, c);
				k = node_new(t, gh, gl, c);
				uint32_t leaf = node_new(t, hi, lo, plen);
				set_value(t, leaf, value);
				t->n[k].child[bit(hi, lo, c)] = leaf;
				t->n[k].child[bit(nh, nl, c)] = i;
			}
			if (parent)
				t->n[parent].child[side] = k;
			else
				t->root = k;
			return 0;
		}
		if (plen == n->plen) {
			set_value(t, i, value);
			return 0;
		}
		parent = i;
		side = bit(hi, lo, n->plen);
		i = n->child[side];
	}
}

/* Fills the first-stage table under node i; best: value + 1 of the
 * longest prefix shorter than the stride above it (0: none). */
static void compile_node(lpm *t, uint32_t i, uint32_t best)
{
	const lpm_node *n = &t->n[i];
	uint32_t block = (uint32_t)(n->hi >> (64 - LPM_STRIDE));
	if (n->plen >= LPM_STRIDE) {
		/* the first node of the path at or past the stride starts the walk */
		t->start[block] = i;
		t->best[block] = best;
		return;
	}
	if (n->has_value)
		best = n->value + 1;
	uint32_t span = 1u << (LPM_STRIDE - n->plen);
	for (uint32_t b = block; b < block + span; b++) {
		t->start[b] = 0;
		t->best[b] = best;
	}
	for (int k = 0; k < 2; k++)
		if (n->child[k])
			compile_node(t, n->child[k], best);
}

void lpm_compile(lpm *t)
{
	if (!t->start) {
		t->start = neto_calloc(LPM_BLOCKS, sizeof *t->start);
		t->best = neto_calloc(LPM_BLOCKS, sizeof *t->best);
	} else {
		memset(t->start, 0, LPM_BLOCKS * sizeof *t->start);
		memset(t->best, 0, LPM_BLOCKS * sizeof *t->best);
	}
	if (t->root)
		compile_node(t, t->root, 0);
	t->compiled = true;
}

bool lpm_lookup(const lpm *t, const uint8_t *addr, uint32_t *value)
{
	uint64_t hi, lo;
	load(t, addr, &hi, &lo);
	bool found = false;
	uint32_t i = t->root;
	if (t->compiled) {
		uint32_t block = (uint32_t)(hi >> (64 - LPM_STRIDE));
		if (t->best[block]) {
			*value = t->best[block] - 1;
			found = true;
		}
		i = t->start[block];
	}
	while (i) {
		const lpm_node *n = &t->n[i];
		uint64_t h = hi, l = lo;
		mask(&h, &l, n->plen);
		if (h != n->hi || l != n->lo)
			break;
		if (n->has_value) {
			*value = n->value;
			found = true;
		}
		if (n->plen >= t->bits)
			break;
		i = n->child[bit(hi, lo, n->plen)];
	}
	return found;
}

int lpm_parse_prefix(const char *s, int *family, uint8_t addr[16], unsigned *plen,
		     neto_err *err)
{
	char buf[64];
	size_t len = strlen(s);
	if (len == 0 || len >= sizeof buf)
		return neto_err_set(err, "'%s': not a prefix (ADDRESS/LENGTH)", s);
	memcpy(buf, s, len + 1);
	char *slash = strchr(buf, '/');
	long pl = -1;
	if (slash) {
		*slash = '\0';
		char *end;
		const char *p = slash + 1;
		if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] != '\0'))
			return neto_err_set(err, "'%s': bad prefix length", s);
		pl = strtol(p, &end, 10);
		if (*end != '\0')
			return neto_err_set(err, "'%s': bad prefix length", s);
	}
	memset(addr, 0, 16);
	unsigned bits;
	if (inet_pton(AF_INET, buf, addr) == 1) {
		*family = 4;
		bits = 32;
	} else if (inet_pton(AF_INET6, buf, addr) == 1) {
		*family = 6;
		bits = 128;
	} else {
		return neto_err_set(err, "'%s': not an IPv4 or IPv6 prefix", s);
	}
	if (pl < 0)
		pl = bits;
	if ((unsigned long)pl > bits)
		return neto_err_set(err, "'%s': prefix length above %u", s, bits);
	for (unsigned b = (unsigned)pl; b < bits; b++)
		if (addr[b / 8] & (0x80 >> (b % 8)))
			return neto_err_set(err, "'%s': host bits set beyond /%ld", s, pl);
	*plen = (unsigned)pl;
	return 0;
}
