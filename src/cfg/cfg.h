/*
 * cfg.h - neto's configuration file: one INI file for every role of the
 * orchestrator (store, controller, scheduler, API, agents, simulator).
 *
 * The parser is strict, like every other parser of neto: an unknown section
 * or key, a key given twice, a section given twice or a value that does not
 * parse is an error naming the file and the line ("neto.ini:7: [controller]
 * period: '30' needs a unit (ms, s, m, h)"), and nothing of the file is
 * used. Every key has a default (neto_cfg_defaults), so that no file at all,
 * or an empty one, is a valid configuration. docs/config.md documents every
 * key.
 *
 * The file is read with libinih over a private copy of the input; the parser
 * does no I/O and keeps no state between calls (the fuzz target calls it on
 * arbitrary bytes). cfg_print writes the effective configuration back as a
 * file that cfg_parse reads to the same neto_cfg (tested).
 *
 * Units: durations in milliseconds (int64_t), fractions as doubles.
 *
 * Ownership: a neto_cfg owns all of its strings and arrays; release it with
 * neto_cfg_free. neto_cfg_defaults and cfg_parse fill a caller-provided
 * struct whose previous contents are ignored (not freed).
 */
#ifndef NETO_CFG_CFG_H
#define NETO_CFG_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

/* Inputs larger than this are refused: a configuration file is small, and a
 * wrong path to a big file should fail clearly. */
#define CFG_MAX_BYTES ((size_t)1 << 20)
/* Longest line (libinih's line buffer holds 200 bytes with the line end). */
#define CFG_MAX_LINE 196
/* Longest section header inside the brackets (libinih keeps 49 bytes). */
#define CFG_MAX_SECTION 49
/* Longest string value (paths, URIs), and longest file name in [sim]
 * demands: with these, every line that cfg_print writes fits in
 * CFG_MAX_LINE, whatever form the numbers had in the input. */
#define CFG_MAX_VALUE 160
#define CFG_MAX_SERIES_FILE 100
/* Most [agent NAME] sections. */
#define CFG_MAX_AGENTS 256

typedef struct neto_cfg_store {
	char *uri;		/* store_open URI; default "sqlite:neto.db" */
} neto_cfg_store;

typedef enum neto_cfg_engine {
	CFG_ENGINE_HEURISTIC = 0,
	CFG_ENGINE_EXACT,
} neto_cfg_engine;

typedef struct neto_cfg_controller {
	int64_t period_ms;		/* default 30 s */
	int64_t lease_ms;		/* default 10 s */
	double demand_threshold;	/* relative change that triggers a cycle; 0.1 */
	uint32_t max_steps;		/* planner's limit, 1..1000; default 10 */
	neto_cfg_engine te_engine;	/* default heuristic */
	uint32_t k_paths;		/* candidate paths per demand, 1..64; default 4 */
	bool one_shot;			/* transition = one-shot: the target as one
					 * step, no intermediate configurations;
					 * default false (planned) */
} neto_cfg_controller;

typedef struct neto_cfg_scheduler {
	int64_t task_timeout_ms;	/* default 10 s */
	uint32_t max_attempts;		/* 1..1000; default 3 */
	int64_t backoff_ms;		/* default 1 s */
} neto_cfg_scheduler;

typedef struct neto_cfg_api {
	char *listen;		/* "HOST:PORT" as written; default "127.0.0.1:8080" */
	char *host;		/* the host part: IPv4 or IPv6 literal (no brackets)
				 * or "localhost" */
	uint16_t port;		/* 0: any free port (tests) */
	bool loopback;		/* host is 127.0.0.0/8, ::1 or localhost */
	char *token;		/* bearer token for mutating calls; NULL: none
				 * (allowed only when loopback) */
} neto_cfg_api;

typedef enum neto_cfg_role {
	CFG_ROLE_UPDATE = 0,	/* applies tasks to routers */
	CFG_ROLE_TOPOLOGY,	/* reports the topology */
	CFG_ROLE_FLOW,		/* aggregates flow records into demand matrices */
} neto_cfg_role;

typedef enum neto_cfg_smoothing {
	CFG_SMOOTH_NONE = 0,
	CFG_SMOOTH_EWMA,	/* param: weight of the newest window, (0, 1] */
	CFG_SMOOTH_PERCENTILE,	/* param: percentile 1..100 over recent windows */
} neto_cfg_smoothing;

typedef struct neto_cfg_agent {
	char *name;		/* from "[agent NAME]" */
	neto_cfg_role role;
	char *driver;		/* device driver: "sim" (default) or "pcep" */
	/* update: glob patterns of the routers it may touch; default {"*"} */
	char **routers;
	size_t n_routers;
	/* flow: the agent it reports to (NULL: the root, which writes matrices) */
	char *parent;
	/* flow: the exporters a leaf reads (none: an inner node) */
	char **exporters;
	size_t n_exporters;
	int64_t window_ms;	/* flow: aggregation window; default 10 s */
	neto_cfg_smoothing smoothing;	/* flow: default ewma:0.3 */
	double smoothing_param;
	/* update, driver pcep (docs/pcep.md): where the PCE listens
	 * ("HOST:PORT", default "0.0.0.0:4189"), the routers' PCC addresses
	 * ("NAME=ADDR" items) and a map file (routers, labels, colours) */
	char *pcep_listen;
	char **pcep_peers;
	size_t n_pcep_peers;
	char *pcep_map;
	/* flow: the IPFIX/NetFlow collector of `neto agent flow NAME`
	 * (docs/ipfix.md); listen NULL: none, and the keys below are unset */
	char *listen;		/* UDP "HOST:PORT" as written */
	char *listen_host;	/* IPv4 or IPv6 literal, or "localhost" */
	uint16_t listen_port;
	uint32_t rcvbuf;	/* SO_RCVBUF in bytes; 0: the system's */
	char **exporter_addrs;	/* "NAME@ADDRESS", NAME one of exporters */
	size_t n_exporter_addrs;
	char *prefixes;		/* file of "PREFIX ROUTER" lines; NULL: none */
	char **dscp_classes;	/* "DSCP:CLASS", DSCP 0..63 */
	size_t n_dscp_classes;
	char *default_class;	/* class of other DSCPs; default "bronze" */
	uint32_t sampling;	/* 1 in N when the exporter says nothing; default 1 */
	char *metrics;		/* HTTP "HOST:PORT" of /metrics; NULL: none */
	int64_t template_timeout_ms;	/* default 30 min */
	/* "EXPORTER:IFINDEX:ROUTER": flows an exporter received on that input
	 * interface entered the WAN at ROUTER (default: the exporter) */
	char **ingress_ifaces;
	size_t n_ingress_ifaces;
	/* flow, with listen: flows to no site prefix are summed per
	 * destination /24 (IPv4) or /48 (IPv6), class and ingress and written
	 * each window to kv "pe-traffic" under the agent's name (docs/ipfix.md);
	 * at most pe_traffic_top prefixes (default 100000), the rest summed */
	bool pe_traffic;
	uint32_t pe_traffic_top;
} neto_cfg_agent;

typedef enum neto_cfg_series_kind {
	CFG_SERIES_NONE = 0,		/* no demands */
	CFG_SERIES_CSV,			/* a demand CSV (one matrix) or a demand series
					 * CSV (first column "hour"), docs/formats.md */
	CFG_SERIES_ABILENE_HOURLY,	/* abilene_hourly.txt: one 12x12 matrix a line */
} neto_cfg_series_kind;

typedef struct neto_cfg_series {
	neto_cfg_series_kind kind;
	char *file;
	double scale;		/* rate multiplier; default 1 */
	uint32_t start;		/* abilene-hourly: first line (hour), 1-based; default 1 */
	int64_t step_ms;	/* sim time per matrix of the series; default 1 h */
} neto_cfg_series;

typedef struct neto_cfg_sim {
	bool enabled;		/* a [sim] section is present */
	char *topology;		/* topology file (required with [sim]) */
	neto_cfg_series demands;
	uint64_t seed;		/* default 1 */
	int64_t install_delay_min_ms, install_delay_max_ms;	/* default 200..800 ms */
	int64_t state_timeout_ms;	/* default 30 s */
	char *scenario;		/* scenario file; NULL: none */
	double speedup;		/* sim seconds per real second; default 1 */
} neto_cfg_sim;

typedef struct neto_cfg {
	neto_cfg_store store;
	neto_cfg_controller controller;
	neto_cfg_scheduler scheduler;
	neto_cfg_api api;
	neto_cfg_agent *agents;	/* in file order */
	size_t n_agents;
	neto_cfg_sim sim;
} neto_cfg;

/* Fills *c with the defaults of every key (no agents, no [sim]): the
 * configuration of `neto run` without a file. Free with neto_cfg_free. */
void neto_cfg_defaults(neto_cfg *c);
void neto_cfg_free(neto_cfg *c);

/*
 * Parses the configuration file (buf, len) named NAME (for messages) into
 * *out: the defaults, overridden by the file. On failure returns -1 with
 * "NAME:LINE: problem" (or "NAME: problem" for what concerns no one line)
 * in *err, and *out holds nothing to free.
 */
int cfg_parse(const char *buf, size_t len, const char *name, neto_cfg *out,
	      neto_err *err);

/* The agent named NAME, or NULL. */
const neto_cfg_agent *cfg_agent_find(const neto_cfg *c, const char *name);

/* cfg_print flags */
#define CFG_PRINT_REDACT 1u	/* print the API token as "<redacted>" */

/*
 * The effective configuration as an INI file: every section and every key
 * with its value (defaults included), in a fixed order. Without
 * CFG_PRINT_REDACT, cfg_parse reads it back to an identical configuration.
 * Caller frees the string.
 */
char *cfg_print(const neto_cfg *c, unsigned flags);

/* Value syntax, shared with the command line:
 * - a duration: a number and a unit, ms, s, m or h ("30s", "500ms", "1.5s"),
 *   a whole number of milliseconds, at most 30 days. */
int cfg_parse_duration(const char *s, int64_t *ms, neto_err *err);
/* - "HOST:PORT" with HOST an IPv4 address, "[IPv6]" or "localhost". On
 *   success *host is a new string (caller frees). */
int cfg_parse_listen(const char *s, char **host, uint16_t *port, bool *loopback,
		     neto_err *err);
/* - a store URI as store_open accepts it (see store.h). */
int cfg_check_store_uri(const char *s, neto_err *err);
/* - an API base URL: http://HOST[:PORT][/PREFIX] or https://... */
int cfg_check_http_url(const char *s, neto_err *err);

/* Writes ms as the shortest duration with an exact unit ("30s", "1500ms")
 * into out (at least 24 bytes). Returns out. */
const char *cfg_format_duration(int64_t ms, char *out, size_t n);

#endif
