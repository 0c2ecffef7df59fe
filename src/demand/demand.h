/*
 * demand.h - traffic classes and demands.
 *
 * A class has a name and a priority (0 = highest; classes are served in
 * strict precedence), a number of candidate paths K and a latency policy.
 * A demand is the triple (src, dst, class) with a rate in the topology's
 * capacity unit; repeated triples add up (demand_add merges them).
 *
 * Ownership: sets own their arrays and strings; *_free releases them.
 */
#ifndef NETO_DEMAND_DEMAND_H
#define NETO_DEMAND_DEMAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "lib/strmap.h"
#include "topo/topo.h"

#define TE_DEFAULT_K 4
#define TE_MAX_K 64

typedef enum te_latency {
	TE_LAT_LOW = 0, /* fill the lowest-delay paths first (default) */
	TE_LAT_ANY,     /* no delay preference: spread over the K paths */
} te_latency;

typedef struct te_class {
	char *name;
	uint32_t priority;   /* 0 = highest */
	uint32_t k_paths;    /* candidate paths per demand, 1..TE_MAX_K */
	te_latency latency;
	double max_delay;    /* us; paths with a larger delay are not used; 0 = no bound */
} te_class;

typedef struct class_set {
	te_class *v;
	uint32_t n;
	neto_strmap by_name;
} class_set;

void class_set_init(class_set *cs);
void class_set_free(class_set *cs);
/* One class named "default", priority 0, K = TE_DEFAULT_K. */
void class_set_default(class_set *cs);
/* Adds a class; fails on a duplicate name. */
int class_set_add(class_set *cs, const char *name, size_t len, uint32_t priority,
		  uint32_t k_paths, te_latency lat, double max_delay, neto_err *err);
uint32_t class_find(const class_set *cs, const char *name, size_t len);
/* Index of the lowest-priority class (largest priority number; first on ties). */
uint32_t class_lowest(const class_set *cs);
/* Largest k_paths over all classes. */
uint32_t class_max_k(const class_set *cs);

/* Classes CSV: header `name,priority` then optional columns `paths`,
 * `latency` (low|any) and `max_delay` (us), in any order. */
int class_parse_csv(class_set *cs, const char *buf, size_t len, const char *fname,
		    neto_err *err);

typedef struct demand {
	uint32_t src, dst;   /* node indices */
	uint32_t cls;        /* class index */
	double rate;         /* >= 0, topology's capacity unit */
} demand;

typedef struct demand_set {
	demand *v;
	size_t n, cap;
	/* open-addressing index of (src, dst, cls) -> position in v */
	uint32_t *slots;
	size_t n_slots;
} demand_set;

void demand_set_init(demand_set *ds);
void demand_set_free(demand_set *ds);
/* Adds rate to the triple, creating it when new. Returns its index. */
size_t demand_add(demand_set *ds, uint32_t src, uint32_t dst, uint32_t cls, double rate);
/* Index of the triple, or SIZE_MAX. */
size_t demand_find(const demand_set *ds, uint32_t src, uint32_t dst, uint32_t cls);

typedef enum demand_format {
	DEMAND_FMT_AUTO = 0,
	DEMAND_FMT_REPETITA, /* REPETITA .demands; all in the lowest class */
	DEMAND_FMT_CSV,      /* src,dst,class,rate */
} demand_format;

demand_format demand_detect(const char *buf, size_t len);

/* Parses demands against a finished topology and a class set, adding to ds.
 * Errors name file and line: unknown node, unknown class, negative or
 * non-numeric rate, src == dst, malformed line, missing header or section. */
int demand_parse(demand_set *ds, demand_format fmt, const topo *t, const class_set *cs,
		 const char *buf, size_t len, const char *fname, neto_err *err);
int demand_parse_repetita(demand_set *ds, const topo *t, const class_set *cs,
			  const char *buf, size_t len, const char *fname, neto_err *err);
int demand_parse_csv(demand_set *ds, const topo *t, const class_set *cs,
		     const char *buf, size_t len, const char *fname, neto_err *err);

/* A demand time series: matrix i is the demand of hour i (or of the i-th
 * period of whoever replays it). CSV with a first column "hour". */
#define DEMAND_SERIES_MAX 10000
typedef struct demand_series {
	demand_set *v;
	size_t n;
} demand_series;
void demand_series_init(demand_series *s);
void demand_series_free(demand_series *s);
/* Hours with no line are empty matrices. Errors name fname and the line. */
int demand_series_parse(demand_series *s, const topo *t, const class_set *cs, const char *buf,
			size_t len, const char *fname, neto_err *err);

#endif
