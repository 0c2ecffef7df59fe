/*
 * db_sqlite.c - the SQLite backend of the driver layer (db.h).
 *
 * One connection per handle, opened without SQLite's own mutexes (a handle
 * belongs to one thread at a time). The file is put in WAL mode, so readers
 * never block the writer nor the writer the readers, with synchronous=NORMAL:
 * a commit appends to the WAL without waiting for the disk (about 0.05 ms
 * instead of 1 ms with FULL, which matters when every agent's report is a
 * commit and writers queue behind each other). A process that crashes loses
 * nothing it committed and the file is never corrupted; a power cut or an
 * OS crash may lose the last commits before a checkpoint. For stronger
 * durability, use PostgreSQL (docs/store.md). Writers take the write
 * lock up front with BEGIN IMMEDIATE; a writer that finds it taken waits up
 * to the busy timeout inside SQLite, after which the call fails ("database
 * is locked"); waiting is already the retry, so it is not retried again.
 * Parameters "$1".."$N" are SQLite named parameters and are bound by name.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "lib/mem.h"
#include "store/db_impl.h"

#define SQ_BUSY_TIMEOUT_MS 10000

typedef struct sq_db {
	struct db base;
	sqlite3 *h;
	bool last_busy;		/* sq_pragma's last failure was SQLITE_BUSY */
} sq_db;

typedef struct sq_res {
	struct db_res base;
	sqlite3_stmt *st;
} sq_res;

static int sq_fail(sq_db *s, int rc, const char *what, neto_err *err)
{
	(void)rc;
	return neto_err_set(err, "sqlite: %s%s%s", what ? what : "",
			    what ? ": " : "", sqlite3_errmsg(s->h));
}

static int bind_arg(sqlite3_stmt *st, int idx, const db_arg *a)
{
	switch (a->type) {
	case DB_ARG_INT:
		return sqlite3_bind_int64(st, idx, a->i);
	case DB_ARG_TEXT:
		return sqlite3_bind_text64(st, idx, a->s, a->len, SQLITE_STATIC,
					   SQLITE_UTF8);
	case DB_ARG_NULL:
		break;
	}
	return sqlite3_bind_null(st, idx);
}

static int sq_prepare(sq_db *s, sqlite3_stmt **out, const char *sql,
		      const db_arg *args, int nargs, neto_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->h, sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		char what[80];
		snprintf(what, sizeof what, "%.60s", sql);
		sqlite3_finalize(st);
		return sq_fail(s, rc, what, err);
	}
	int bound = 0;
	for (int k = 1; k <= nargs; k++) {
		char name[16];
		snprintf(name, sizeof name, "$%d", k);
		int idx = sqlite3_bind_parameter_index(st, name);
		if (idx == 0)
			continue;
		rc = bind_arg(st, idx, &args[k - 1]);
		if (rc != SQLITE_OK) {
			sqlite3_finalize(st);
			return sq_fail(s, rc, "bind", err);
		}
		bound++;
	}
	if (bound != sqlite3_bind_parameter_count(st)) {
		sqlite3_finalize(st);
		return neto_err_set(err, "sqlite: %.60s: parameters other than "
				    "$1..$%d", sql, nargs);
	}
	*out = st;
	return 0;
}

static int sq_exec(db *d, const char *sql, const db_arg *args, int nargs,
		   int64_t *changes, neto_err *err)
{
	sq_db *s = (sq_db *)d;
	sqlite3_stmt *st = NULL;
	if (sq_prepare(s, &st, sql, args, nargs, err) != 0)
		return -1;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	if (rc != SQLITE_DONE) {
		sq_fail(s, rc, NULL, err);
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	if (changes != NULL)
		*changes = sqlite3_changes64(s->h);
	return 0;
}

static int sq_query(db *d, db_res **out, const char *sql, const db_arg *args,
		    int nargs, neto_err *err)
{
	sq_db *s = (sq_db *)d;
	sqlite3_stmt *st = NULL;
	if (sq_prepare(s, &st, sql, args, nargs, err) != 0)
		return -1;
	sq_res *r = neto_calloc(1, sizeof *r);
	r->base.d = d;
	r->st = st;
	*out = &r->base;
	return 0;
}

static int sq_step(db_res *res, neto_err *err)
{
	sq_res *r = (sq_res *)res;
	int rc = sqlite3_step(r->st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return sq_fail((sq_db *)res->d, rc, NULL, err);
}

static int sq_isnull(db_res *res, int col)
{
	return sqlite3_column_type(((sq_res *)res)->st, col) == SQLITE_NULL;
}

static int64_t sq_col_int(db_res *res, int col)
{
	return sqlite3_column_int64(((sq_res *)res)->st, col);
}

static const char *sq_col_text(db_res *res, int col)
{
	sqlite3_stmt *st = ((sq_res *)res)->st;
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return NULL;
	const char *s = (const char *)sqlite3_column_text(st, col);
	if (s == NULL) {	/* only on out of memory: the policy is abort */
		fprintf(stderr, "neto: sqlite: out of memory\n");
		abort();
	}
	return s;
}

/* The length of what sq_col_text returned (sqlite3_column_bytes after
 * sqlite3_column_text gives the length of the text form). */
static size_t sq_col_len(db_res *res, int col)
{
	return (size_t)sqlite3_column_bytes(((sq_res *)res)->st, col);
}

static void sq_res_free(db_res *res)
{
	sq_res *r = (sq_res *)res;
	sqlite3_finalize(r->st);
	free(r);
}

static int sq_simple(sq_db *s, const char *sql, neto_err *err)
{
	char *msg = NULL;
	int rc = sqlite3_exec(s->h, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		neto_err_set(err, "sqlite: %s: %s", sql, msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int sq_begin(db *d, enum db_txn_mode mode, neto_err *err)
{
	return sq_simple((sq_db *)d, mode == DB_WRITE ? "BEGIN IMMEDIATE" : "BEGIN", err);
}

static int sq_commit(db *d, neto_err *err)
{
	return sq_simple((sq_db *)d, "COMMIT", err);
}

static void sq_rollback(db *d)
{
	sq_db *s = (sq_db *)d;
	if (!sqlite3_get_autocommit(s->h))
		sqlite3_exec(s->h, "ROLLBACK", NULL, NULL, NULL);
}

static void sq_close(db *d)
{
	sq_db *s = (sq_db *)d;
	sqlite3_close_v2(s->h);
	free(s);
}

static const struct db_ops sq_ops = {
	.backend = DB_SQLITE,
	.close = sq_close,
	.exec = sq_exec,
	.query = sq_query,
	.step = sq_step,
	.isnull = sq_isnull,
	.col_int = sq_col_int,
	.col_text = sq_col_text,
	.col_len = sq_col_len,
	.res_free = sq_res_free,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
};

/* Runs a PRAGMA and returns its first result column (copied), if any. */
static int sq_pragma(sq_db *s, const char *sql, char *val, size_t cap,
		     neto_err *err)
{
	sqlite3_stmt *st = NULL;
	s->last_busy = false;
	if (sq_prepare(s, &st, sql, NULL, 0, err) != 0)
		return -1;
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sq_fail(s, rc, sql, err);
		sqlite3_finalize(st);
		s->last_busy = (rc & 0xff) == SQLITE_BUSY;
		return -1;
	}
	if (val != NULL) {
		const unsigned char *t = rc == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
		snprintf(val, cap, "%s", t ? (const char *)t : "");
	}
	sqlite3_finalize(st);
	return 0;
}

int db_open_sqlite(db **out, const char *path, neto_err *err)
{
	sq_db *s = neto_calloc(1, sizeof *s);
	s->base.ops = &sq_ops;
	s->base.rng = (unsigned)(uintptr_t)s;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI |
		    SQLITE_OPEN_NOMUTEX;
	int rc = sqlite3_open_v2(path, &s->h, flags, NULL);
	if (rc != SQLITE_OK) {
		if (s->h != NULL)
			neto_err_set(err, "sqlite: %s: %s", path, sqlite3_errmsg(s->h));
		else
			neto_err_set(err, "sqlite: %s: %s", path, sqlite3_errstr(rc));
		sqlite3_close_v2(s->h);
		free(s);
		return -1;
	}
	sqlite3_extended_result_codes(s->h, 1);
	sqlite3_busy_timeout(s->h, SQ_BUSY_TIMEOUT_MS);
	/* Switching to WAL takes an exclusive lock, and SQLite may answer
	 * SQLITE_BUSY at once, without the busy handler, while another process
	 * opens the same new file (several roles starting together): retry
	 * for as long as the busy timeout would have waited. */
	char mode[32];
	for (int waited = 0;; waited += 20) {
		if (sq_pragma(s, "PRAGMA journal_mode=WAL", mode, sizeof mode, err) == 0)
			break;
		if (!s->last_busy || waited >= SQ_BUSY_TIMEOUT_MS)
			goto fail;
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	if (strcmp(mode, "wal") != 0 && strcmp(mode, "memory") != 0) {
		neto_err_set(err, "sqlite: %s: cannot use WAL mode (journal mode %s)",
			     path, mode);
		goto fail;
	}
	if (sq_pragma(s, "PRAGMA synchronous=NORMAL", NULL, 0, err) != 0 ||
	    sq_pragma(s, "PRAGMA foreign_keys=ON", NULL, 0, err) != 0)
		goto fail;
	*out = &s->base;
	return 0;
fail:
	sqlite3_close_v2(s->h);
	free(s);
	return -1;
}
