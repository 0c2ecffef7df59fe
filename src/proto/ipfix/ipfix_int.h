/*
 * ipfix_int.h - the template cache's insides, shared by cache.c (storage,
 * expiry, the buffer of early data sets) and decode.c (the wire).
 *
 * A template is compiled once, when it arrives: each field gets the slot of
 * the flat record it fills (or SLOT_SKIP), so decoding a data record is one
 * pass over the fields with a switch, no lookups.
 */
#ifndef NETO_PROTO_IPFIX_INT_H
#define NETO_PROTO_IPFIX_INT_H

#include "proto/ipfix/ipfix.h"

enum ipfix_slot {
	SLOT_SKIP = 0,
	SLOT_BYTES, SLOT_PKTS, SLOT_PROTO, SLOT_TOS, SLOT_SPORT, SLOT_DPORT,
	SLOT_SRC4, SLOT_DST4, SLOT_SRC6, SLOT_DST6, SLOT_INIF, SLOT_OUTIF,
	SLOT_START_UP, SLOT_END_UP, SLOT_START_S, SLOT_END_S, SLOT_START_MS, SLOT_END_MS,
	SLOT_SAMP_INTERVAL, SLOT_SAMP_RANDOM, SLOT_PKT_INTERVAL, SLOT_PKT_SPACE,
	SLOT_SAMP_SIZE, SLOT_SAMP_POP, SLOT_SAMP_PROB, SLOT_SAMPLER_ID, SLOT_SYS_INIT,
};

typedef struct ipfix_key {
	ipfix_addr exp;
	uint32_t domain;
	uint16_t tid;
	uint8_t version;
} ipfix_key;

typedef struct ipfix_tfield {
	uint16_t ie;		/* without the enterprise bit */
	uint16_t len;		/* IPFIX_VARLEN: variable */
	uint32_t pen;
	uint8_t slot;
} ipfix_tfield;

typedef struct ipfix_tmpl {
	struct ipfix_tmpl *next;	/* hash chain */
	ipfix_key key;
	int64_t expires_ms;
	uint64_t fp;		/* fingerprint of the definition */
	bool dead;		/* expired or withdrawn: kept for its fingerprint */
	int64_t dead_since;
	uint16_t n, scope_n;	/* scope_n > 0: an options template */
	size_t min_len;		/* a record's length, variable fields as 1 octet */
	ipfix_tfield f[];
} ipfix_tmpl;

#define IPFIX_MAX_SAMPLERS 64

typedef struct ipfix_sampler {
	uint32_t id;		/* 0: the domain's (options without an ID) */
	uint32_t n;
} ipfix_sampler;

/* What an exporter's options told about an observation domain. */
typedef struct ipfix_dom {
	struct ipfix_dom *next;
	ipfix_addr exp;
	uint32_t domain;
	uint8_t version;
	int64_t boot_ms;	/* systemInitTimeMilliseconds; 0: unknown */
	size_t n_samplers;
	ipfix_sampler samplers[IPFIX_MAX_SAMPLERS];
} ipfix_dom;

/* A data set that came before its template, with what decoding it needs
 * from its message's header. */
typedef struct ipfix_pending {
	struct ipfix_pending *next;
	ipfix_key key;
	uint64_t fp;		/* the key's last definition when buffered; 0: none */
	int64_t received_ms, export_ms, boot_ms;
	size_t len;
	uint8_t data[];
} ipfix_pending;

#define IPFIX_MAX_DOMAINS 65536

struct ipfix_cache {
	ipfix_cache_cfg cfg;
	ipfix_stats st;
	ipfix_tmpl **tb;	/* hash buckets */
	size_t nb, n, ndead;
	ipfix_dom **db;
	size_t ndb, nd;
	ipfix_pending *pq_head, *pq_tail;	/* FIFO, oldest first */
	size_t pq_bytes;
};

bool ipfix_key_eq(const ipfix_key *a, const ipfix_key *b);
/* The live template of key, or NULL (an expired one is marked dead). *fp
 * (if not NULL) gets the fingerprint of a dead one, or 0. */
ipfix_tmpl *ipfix_tmpl_find(ipfix_cache *c, const ipfix_key *k, int64_t now_ms, uint64_t *fp);
uint64_t ipfix_tmpl_fingerprint(const ipfix_tmpl *t);
/* Takes t (heap, from ipfix_tmpl_alloc); replaces a template of the same
 * key. Returns false (and frees t) when the cache is full. */
bool ipfix_tmpl_put(ipfix_cache *c, ipfix_tmpl *t);
/* Removes key's template; tid 2/3 (IPFIX) every template or options
 * template of the domain. Returns how many went. */
size_t ipfix_tmpl_withdraw(ipfix_cache *c, const ipfix_key *k, int64_t now_ms);
ipfix_dom *ipfix_dom_get(ipfix_cache *c, const ipfix_addr *exp, uint32_t domain,
			 uint8_t version, bool create);
void ipfix_dom_set_sampler(ipfix_dom *d, uint32_t id, uint32_t n);
/* The rate of sampler id (0: the domain's): 0 when unknown. */
uint32_t ipfix_dom_sampling(const ipfix_dom *d, uint32_t id);

void ipfix_pending_add(ipfix_cache *c, const ipfix_key *k, uint64_t fp, int64_t now_ms,
		       int64_t export_ms,
		       int64_t boot_ms, const uint8_t *data, size_t len);
/* Unlinks the oldest pending set of key k (caller frees), or NULL. */
void ipfix_pending_drop(ipfix_cache *c, ipfix_pending *p);
ipfix_pending *ipfix_pending_take(ipfix_cache *c, const ipfix_key *k);

#endif
