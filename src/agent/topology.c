/*
 * topology.c - the topology agent (topology.h, docs/agents.md).
 *
 * The agent compares bytes, not topologies: both its source state and the
 * store's latest snapshot are neto JSON written by topo_json_write, whose
 * output is a function of the topology alone, so "differs" is a memcmp and
 * the store's own byte-identical check agrees with it.
 *
 * Three pieces of state, all rebuilt after a restart:
 * - the lease: whether this instance may write, and until when by the local
 *   clock (now + ttl at the last successful acquire). The agent stops
 *   writing as soon as that time passes, even if the store cannot be
 *   reached to learn who holds it now; store_topology_put takes no fence,
 *   so the margin is the lease ttl against the clock skew (see store.h).
 * - the candidate: the latest good state of the source (JSON and the number
 *   of links down). A file that fails to parse leaves it as it was.
 * - the stored snapshot: read back with store_topology_latest whenever this
 *   instance (re)gains the lease, so a new leader neither rewrites what is
 *   there nor ignores the rate limit of the previous one (the snapshot's
 *   time is the start of the interval).
 *
 * Rate limiting is the "latest wins" kind: the candidate is replaced by
 * every new source state and written only once the interval since the last
 * snapshot has passed; states in between are never written. A link that
 * flaps ten times in a second costs at most one snapshot per interval, and
 * none when it ends where it started.
 */
#include "agent/topology.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/file.h"
#include "lib/mem.h"
#include "topo/topo_io.h"

struct topoagent {
	store *st;
	char *name;
	topoagent_source source;
	char *path;
	char *source_name; /* for store_topology_put: "file:PATH" or "sim" */
	double default_capacity;
	int64_t interval_ms, ttl_ms;

	/* lease */
	bool holder;
	int64_t held_until;     /* local clock: the lease is ours until then */
	int64_t next_lease_try; /* next store_lease_acquire */
	bool synced;            /* stored snapshot read since the lease was taken */

	/* file source: identity of the version last read */
	bool have_stat, stat_failed;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;

	/* candidate: the latest good source state */
	char *cand;
	size_t cand_len;
	uint32_t cand_down;

	/* the store's latest snapshot, once synced */
	char *stored;
	size_t stored_len;
	int64_t last_put_at; /* time of the latest snapshot; INT64_MIN: none */

	char *audit_pending; /* detail of an audit row still to write */
	topoagent_status status;
};

static void set_error(topoagent *a, const char *msg)
{
	snprintf(a->status.last_error, sizeof a->status.last_error, "%s", msg);
}

int topoagent_new(topoagent **out, store *st, const topoagent_cfg *cfg, neto_err *err)
{
	*out = NULL;
	if (cfg->name == NULL || cfg->name[0] == '\0')
		return neto_err_set(err, "topology agent: a name is required");
	if (cfg->source != TOPOAGENT_FILE && cfg->source != TOPOAGENT_SIM &&
	    cfg->source != TOPOAGENT_BGP)
		return neto_err_set(err, "topology agent %s: unknown source", cfg->name);
	if (cfg->source == TOPOAGENT_FILE && (cfg->path == NULL || cfg->path[0] == '\0'))
		return neto_err_set(err, "topology agent %s: the file source needs a path",
				    cfg->name);
	if (cfg->min_interval_ms < 0 || cfg->lease_ttl_ms < 0 || !(cfg->default_capacity >= 0))
		return neto_err_set(err,
				    "topology agent %s: interval, ttl and default capacity "
				    "must not be negative",
				    cfg->name);
	topoagent *a = neto_calloc(1, sizeof *a);
	a->st = st;
	a->name = neto_strdup(cfg->name);
	a->source = cfg->source;
	if (cfg->source == TOPOAGENT_FILE) {
		a->path = neto_strdup(cfg->path);
		size_t n = strlen(cfg->path) + 6;
		a->source_name = neto_malloc(n);
		snprintf(a->source_name, n, "file:%s", cfg->path);
	} else {
		a->source_name = neto_strdup(cfg->source == TOPOAGENT_BGP ? "bgp" : "sim");
	}
	a->default_capacity = cfg->default_capacity;
	a->interval_ms = cfg->min_interval_ms ? cfg->min_interval_ms : TOPOAGENT_DEFAULT_INTERVAL_MS;
	a->ttl_ms = cfg->lease_ttl_ms ? cfg->lease_ttl_ms : TOPOAGENT_DEFAULT_TTL_MS;
	a->next_lease_try = INT64_MIN;
	a->last_put_at = INT64_MIN;
	*out = a;
	return 0;
}

void topoagent_free(topoagent *a)
{
	if (a == NULL)
		return;
	free(a->name);
	free(a->path);
	free(a->source_name);
	free(a->cand);
	free(a->stored);
	free(a->audit_pending);
	free(a);
}

const topoagent_status *topoagent_status_get(const topoagent *a)
{
	return &a->status;
}

static bool cand_differs(const topoagent *a)
{
	return a->cand != NULL && (a->stored == NULL || a->stored_len != a->cand_len ||
				   memcmp(a->stored, a->cand, a->cand_len) != 0);
}

/* t as neto JSON in a new buffer; -1 with errno as topo_json_write. */
static int serialise(const topo *t, char **out, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	if (f == NULL)
		return -1;
	int rc = topo_json_write(f, t);
	int e = errno;
	if (fclose(f) != 0 && rc == 0) {
		rc = -1;
		e = errno;
	}
	if (rc != 0) {
		free(buf);
		errno = e;
		return -1;
	}
	*out = buf;
	*len = n;
	return 0;
}

static uint32_t count_down(const topo *t)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < t->n_links; i++)
		n += !t->links[i].up;
	return n;
}

/* Makes (json, len, down) the candidate, taking ownership of json. */
static void set_candidate(topoagent *a, char *json, size_t len, uint32_t down)
{
	if (a->cand != NULL && a->cand_len == len && memcmp(a->cand, json, len) == 0) {
		free(json);
		return;
	}
	free(a->cand);
	a->cand = json;
	a->cand_len = len;
	a->cand_down = down;
	a->status.links_down = down;
}

static const char *unwritable(int e)
{
	return e == EILSEQ ? "a name is not valid UTF-8"
	       : e == ERANGE ? "an IGP metric is above 16,777,215"
			     : strerror(e);
}

int topoagent_set_topology(topoagent *a, const topo *t, neto_err *err)
{
	if (a->source == TOPOAGENT_FILE)
		return neto_err_set(err, "topology agent %s: not a sim-source agent", a->name);
	char *json;
	size_t len;
	if (serialise(t, &json, &len) != 0)
		return neto_err_set(err, "topology agent %s: the topology has no JSON form: %s",
				    a->name, unwritable(errno));
	set_candidate(a, json, len, count_down(t));
	a->status.pending = cand_differs(a);
	return 0;
}

/* Reports msg unless it is the problem last reported (a file that stays
 * missing is reported once, not at every tick). */
static int report_once(topoagent *a, neto_err *err, const char *msg)
{
	if (strcmp(a->status.last_error, msg) == 0)
		return 0;
	set_error(a, msg);
	return neto_err_set(err, "%s", msg);
}

static bool same_version(const topoagent *a, const struct stat *sb)
{
	return a->have_stat && a->dev == sb->st_dev && a->ino == sb->st_ino &&
	       a->size == sb->st_size && a->mtime.tv_sec == sb->st_mtim.tv_sec &&
	       a->mtime.tv_nsec == sb->st_mtim.tv_nsec && a->ctime.tv_sec == sb->st_ctim.tv_sec &&
	       a->ctime.tv_nsec == sb->st_ctim.tv_nsec;
}

/* Re-reads the file when it is not the version read last. */
static int poll_file(topoagent *a, neto_err *err)
{
	struct stat sb;
	char msg[sizeof err->msg];
	if (stat(a->path, &sb) != 0) {
		a->have_stat = false;
		snprintf(msg, sizeof msg, "%s: %s (the last good snapshot stays)", a->path,
			 strerror(errno));
		return report_once(a, err, msg);
	}
	if (same_version(a, &sb))
		return 0;
	char *buf;
	size_t len;
	neto_err e2;
	if (neto_file_read(a->path, &buf, &len, &e2) != 0) {
		a->have_stat = false; /* retried at the next tick */
		snprintf(msg, sizeof msg, "%.470s (the last good snapshot stays)", e2.msg);
		return report_once(a, err, msg);
	}
	/* The identity from before the read: a write during the read changes
	 * it again, and the next tick reads the file once more. */
	a->have_stat = true;
	a->dev = sb.st_dev;
	a->ino = sb.st_ino;
	a->size = sb.st_size;
	a->mtime = sb.st_mtim;
	a->ctime = sb.st_ctim;
	topo t;
	topo_init(&t);
	topo_parse_opts o = { .default_capacity = a->default_capacity };
	int rc = topo_parse(&t, TOPO_FMT_AUTO, buf, len, a->path, &o, &e2);
	free(buf);
	if (rc != 0) {
		a->status.parse_errors++;
		snprintf(msg, sizeof msg, "%.470s (the last good snapshot stays)", e2.msg);
		set_error(a, msg);
		topo_free(&t);
		return neto_err_set(err, "%s", msg);
	}
	char *json;
	size_t jlen;
	rc = serialise(&t, &json, &jlen);
	uint32_t down = count_down(&t);
	topo_free(&t);
	if (rc != 0) {
		snprintf(msg, sizeof msg, "%s: cannot be stored as neto JSON: %s", a->path,
			 unwritable(errno));
		set_error(a, msg);
		return neto_err_set(err, "%s", msg);
	}
	set_candidate(a, json, jlen, down);
	a->status.last_error[0] = '\0';
	return 0;
}

static int heartbeat(topoagent *a, int64_t now, neto_err *err)
{
	json_t *o = json_pack("{s:s, s:b}", "source", a->source_name, "holder", a->holder);
	char *info = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	int rc = store_agent_heartbeat(a->st, a->name, "topology", NULL, info, now, err);
	free(info);
	return rc;
}

static int lease(topoagent *a, int64_t now, neto_err *err)
{
	if (now < a->next_lease_try)
		return 0;
	int held;
	int64_t epoch;
	if (store_lease_acquire(a->st, TOPOAGENT_LEASE, a->name, now, a->ttl_ms, &held, &epoch,
				err) != 0)
		return -1;
	if (held && !a->holder)
		a->synced = false;
	a->holder = held != 0;
	if (a->holder)
		a->held_until = now + a->ttl_ms;
	a->status.epoch = epoch;
	int64_t step = a->ttl_ms / 3 > 0 ? a->ttl_ms / 3 : 1;
	a->next_lease_try = now + step;
	return heartbeat(a, now, err);
}

static int sync_stored(topoagent *a, neto_err *err)
{
	int64_t version, at;
	char *body;
	size_t len;
	if (store_topology_latest(a->st, &version, &at, &body, &len, err) != 0)
		return -1;
	free(a->stored);
	a->stored = body;
	a->stored_len = body ? len : 0;
	a->last_put_at = body ? at : INT64_MIN;
	a->status.version = version;
	a->synced = true;
	return 0;
}

static int write_audit(topoagent *a, int64_t now, neto_err *err)
{
	if (a->audit_pending == NULL)
		return 0;
	if (store_audit_add(a->st, a->name, NULL, "topology", a->audit_pending, now, err) != 0)
		return -1;
	free(a->audit_pending);
	a->audit_pending = NULL;
	return 0;
}

static int write_snapshot(topoagent *a, int64_t now, neto_err *err)
{
	if (!a->synced && sync_stored(a, err) != 0)
		return -1;
	if (write_audit(a, now, err) != 0)
		return -1;
	if (!cand_differs(a))
		return 0;
	if (a->last_put_at != INT64_MIN && now - a->last_put_at < a->interval_ms)
		return 0;
	int64_t version;
	int changed;
	if (store_topology_put(a->st, a->source_name, a->cand, a->cand_len, now, &version,
			       &changed, err) != 0)
		return -1;
	free(a->stored);
	a->stored = neto_malloc(a->cand_len + 1);
	memcpy(a->stored, a->cand, a->cand_len);
	a->stored[a->cand_len] = '\0';
	a->stored_len = a->cand_len;
	a->status.version = version;
	if (!changed)
		return 0;
	a->last_put_at = now;
	a->status.snapshots++;
	char detail[64];
	snprintf(detail, sizeof detail, "version %lld: %u links down", (long long)version,
		 a->cand_down);
	a->audit_pending = neto_strdup(detail);
	return write_audit(a, now, err);
}

int topoagent_tick(topoagent *a, int64_t now_ms, neto_err *err)
{
	int rc = 0;
	neto_err e2;
	if (lease(a, now_ms, &e2) != 0) {
		rc = neto_err_set(err, "topology agent %s: %s", a->name, e2.msg);
		set_error(a, err->msg);
	}
	/* without a renewal the lease is ours only until its local end */
	if (a->holder && now_ms >= a->held_until)
		a->holder = false;
	a->status.holder = a->holder;
	if (a->source == TOPOAGENT_FILE && poll_file(a, rc == 0 ? err : &e2) != 0)
		rc = -1;
	if (a->holder && write_snapshot(a, now_ms, &e2) != 0) {
		char msg[sizeof e2.msg];
		snprintf(msg, sizeof msg, "%s", e2.msg);
		set_error(a, msg);
		if (rc == 0)
			rc = neto_err_set(err, "topology agent %s: %s", a->name, msg);
	}
	a->status.pending = cand_differs(a);
	return rc;
}

int topoagent_release(topoagent *a, int64_t now_ms, neto_err *err)
{
	if (!a->holder)
		return 0;
	a->holder = false;
	a->status.holder = false;
	return store_lease_release(a->st, TOPOAGENT_LEASE, a->name, now_ms, err);
}
