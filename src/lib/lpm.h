/*
 * lpm.h - longest-prefix match over IPv4 or IPv6 prefixes: which site's
 * prefix holds a flow's destination.
 *
 * A path-compressed binary trie (each node keeps the whole prefix it
 * stands for, so a chain of one-child nodes collapses into one): at most
 * 2n - 1 nodes for n prefixes, a lookup visits at most one node per
 * branching bit that matters, typically 20 to 30 for a full Internet
 * table, and compares 128-bit keys as two 64-bit words. Nodes live in one
 * array with 32-bit indices (32 octets each), so a 1M-prefix table takes
 * about 64 MB and no pointer chasing across the heap. lpm_compile adds a
 * 65,536-entry first stage on the first 16 bits.
 *
 * One table holds one family. Inserting a prefix that is there replaces
 * its value. Keys are network-order address octets (4 or 16).
 *
 * Ownership: lpm_free releases everything lpm_new made.
 */
#ifndef NETO_LIB_LPM_H
#define NETO_LIB_LPM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

typedef struct lpm lpm;

/* family 4 or 6 */
lpm *lpm_new(int family);
void lpm_free(lpm *t);
int lpm_family(const lpm *t);
/* prefixes stored */
size_t lpm_size(const lpm *t);
/* addr: 4 or 16 octets; plen 0..32 or 0..128 (bits beyond plen are
 * ignored). Returns -1 when plen is out of range. */
int lpm_insert(lpm *t, const uint8_t *addr, unsigned plen, uint32_t value);
/* Builds the first stage: a table indexed by an address's first 16 bits
 * that gives the longest match among shorter prefixes and where the walk
 * resumes, so a lookup skips the top of the trie (the shared /8 .. /16
 * levels of a full table). An insert undoes it (lookups stay correct,
 * walking from the root) until the next lpm_compile. 512 KiB. */
void lpm_compile(lpm *t);
/* The value of the longest prefix holding addr: true and *value, or false. */
bool lpm_lookup(const lpm *t, const uint8_t *addr, uint32_t *value);

/* "10.0.0.0/8", "2001:db8::/32" (or an address alone: a host prefix) into
 * family, addr (16 octets, v4 in the first 4) and plen. Bits set beyond
 * plen are an error ("10.0.0.1/8: host bits set"). */
int lpm_parse_prefix(const char *s, int *family, uint8_t addr[16], unsigned *plen,
		     neto_err *err);

#endif
