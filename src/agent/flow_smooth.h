/*
 * flow_smooth.h - the flow agents' matrices of rates keyed by (src, dst,
 * class), and their smoothing from window to window (docs/agents.md).
 *
 * A matrix maps the key "src,dst,class" (names never contain commas, see
 * flowmsg.h) to a number: bytes in a leaf's open window, rates elsewhere. A
 * matrix with no meaningful numbers doubles as a set of names.
 *
 * Smoothing turns the sequence of merged window matrices into the matrices
 * that a parent outputs:
 * - none: each window as it is.
 * - ewma:ALPHA: s = ALPHA x + (1 - ALPHA) s_prev per entry, starting from
 *   the first window as it is. An entry absent from a window counts as 0 if
 *   the window is complete; if part of the window is missing, an absent
 *   entry keeps its previous value (its exporter may be the missing part),
 *   while present entries are updated as usual.
 * - pNN[:W]: per entry, the NN-th percentile (nearest rank: the
 *   ceil(NN/100 n)-th smallest of n samples) of its rates over the last W
 *   windows (default 12). In a complete window an absent entry is a sample
 *   of 0; in an incomplete one it is no sample.
 * Smoothed entries below FLOWAGENT_SMOOTH_FLOOR times the largest of the
 * window, and entries of rate 0, are dropped (a demand that stopped decays
 * out of the matrix instead of staying forever as a denormal).
 *
 * The smoother's state (the EWMA values, or the last W windows) is what a
 * parent must not lose in a crash: it is saved as JSON in the store after
 * every window (flow.c) and loaded back on a restart.
 *
 * Ownership: matrices and smoothers own their keys and arrays; *_free.
 */
#ifndef NETO_AGENT_FLOW_SMOOTH_H
#define NETO_AGENT_FLOW_SMOOTH_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "lib/strmap.h"

#define FLOWAGENT_SMOOTH_FLOOR 1e-9
#define FLOWAGENT_PCT_DEFAULT_WINDOWS 12
#define FLOWAGENT_PCT_MAX_WINDOWS 1000

typedef struct flowagent_matrix {
	neto_strmap idx; /* key -> index */
	char **keys;     /* "src,dst,class", NUL-terminated */
	size_t *klen;
	double *val;
	size_t n, cap;
} flowagent_matrix;

void flowagent_matrix_init(flowagent_matrix *m);
void flowagent_matrix_free(flowagent_matrix *m);
/* Empties m (free + init). */
void flowagent_matrix_clear(flowagent_matrix *m);
/* Adds v to the entry of key[0..klen), creating it at 0 first. Returns its
 * index. */
size_t flowagent_matrix_add(flowagent_matrix *m, const char *key, size_t klen, double v);
/* The same for the key "src,dst,cls". */
size_t flowagent_matrix_add3(flowagent_matrix *m, const char *src, const char *dst,
			     const char *cls, double v);
/* Whether key is present; its value in *v. */
bool flowagent_matrix_get(const flowagent_matrix *m, const char *key, size_t klen, double *v);
/* Entry indices ordered by key (bytewise); the caller frees. NULL when
 * m is empty. */
size_t *flowagent_matrix_sorted(const flowagent_matrix *m);
/* Copies src into dst (cleared first). */
void flowagent_matrix_copy(flowagent_matrix *dst, const flowagent_matrix *src);

typedef enum flowagent_smooth_kind {
	FLOWAGENT_SMOOTH_NONE = 0,
	FLOWAGENT_SMOOTH_EWMA,
	FLOWAGENT_SMOOTH_PCT,
} flowagent_smooth_kind;

typedef struct flowagent_smoothing {
	flowagent_smooth_kind kind;
	double alpha;     /* ewma: weight of the newest window, (0, 1] */
	uint32_t pct;     /* percentile, 1..100 */
	uint32_t windows; /* pct: windows, 1..FLOWAGENT_PCT_MAX_WINDOWS; 0: the default */
} flowagent_smoothing;

/* "none", "ewma:ALPHA" or "pNN" / "pNN:W" (the syntax of the configuration
 * file's `smoothing`). */
int flowagent_smoothing_parse(const char *s, flowagent_smoothing *out, neto_err *err);
/* Checks ranges; fills a default W. */
int flowagent_smoothing_check(flowagent_smoothing *s, neto_err *err);
/* The canonical text of s ("ewma:0.29999999999999999" has 17 digits). */
void flowagent_smoothing_str(const flowagent_smoothing *s, char *buf, size_t n);

typedef struct flowagent_smoother {
	flowagent_smoothing spec;
	bool started;          /* ewma: a window has been seen */
	flowagent_matrix ewma; /* ewma: the smoothed values */
	flowagent_matrix *hist; /* pct: the last windows, oldest first */
	bool *hist_complete;
	size_t n_hist;
} flowagent_smoother;

/* spec must have passed flowagent_smoothing_check. */
void flowagent_smoother_init(flowagent_smoother *s, const flowagent_smoothing *spec);
void flowagent_smoother_free(flowagent_smoother *s);
/* Feeds the next window's merged matrix (complete: no exporter or agent
 * missing) and writes the smoothed matrix into *out (cleared first). */
void flowagent_smoother_step(flowagent_smoother *s, const flowagent_matrix *x, bool complete,
			     flowagent_matrix *out);
/* The state as a new JSON object (caller decrefs), and back. Loading fails,
 * leaving *s as it was, on a document that is not such a state. */
json_t *flowagent_smoother_save(const flowagent_smoother *s);
int flowagent_smoother_load(flowagent_smoother *s, const json_t *j, neto_err *err);

#endif
