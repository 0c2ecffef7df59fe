/*
 * db.h - the thin driver layer under the store: one API over SQLite and
 * PostgreSQL (libpq), so that the store's SQL is written once.
 *
 * - SQL text uses $1..$N parameters. PostgreSQL takes them natively; SQLite
 *   binds them by name ("$1" is a named parameter there), so the same text
 *   runs on both. Parameters are typed (integer, text or NULL); text carries
 *   an explicit length, so bodies of tens of megabytes need no terminator
 *   and no copy (libpq sends them in binary format, which for text is the
 *   bytes themselves; they must be valid UTF-8 for PostgreSQL).
 * - Results are read row by row; integer columns with db_int, text with
 *   db_text (NULL for SQL NULL).
 * - Transactions: db_txn runs a callback inside one transaction and commits
 *   it, and runs the whole callback again when the database reports a
 *   transient conflict (PostgreSQL serialization failure 40001 or deadlock
 *   40P01). Write transactions are
 *   BEGIN IMMEDIATE on SQLite (one writer at a time, taken up front) and
 *   SERIALIZABLE on PostgreSQL; read transactions are a deferred BEGIN on
 *   SQLite and REPEATABLE READ READ ONLY (one snapshot) on PostgreSQL.
 * - A PostgreSQL connection that was lost is re-established at the start of
 *   the next transaction; when the server cannot be reached the call fails
 *   with a message, never aborts.
 *
 * A db handle is used by one thread at a time (each thread or process opens
 * its own). Errors follow lib/err.h: 0 on success, -1 with *err set.
 */
#ifndef NETO_STORE_DB_H
#define NETO_STORE_DB_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/err.h"

typedef struct db db;
typedef struct db_res db_res;

enum db_backend { DB_SQLITE, DB_PG };

enum db_arg_type { DB_ARG_NULL, DB_ARG_INT, DB_ARG_TEXT };

typedef struct db_arg {
	enum db_arg_type type;
	int64_t i;
	const char *s;	/* DB_ARG_TEXT: LEN bytes, no terminator needed */
	size_t len;
} db_arg;

static inline db_arg db_arg_int(int64_t v)
{
	return (db_arg){ .type = DB_ARG_INT, .i = v };
}

/* Text of LEN bytes; S NULL gives SQL NULL. */
static inline db_arg db_arg_textn(const char *s, size_t len)
{
	if (s == NULL)
		return (db_arg){ .type = DB_ARG_NULL };
	return (db_arg){ .type = DB_ARG_TEXT, .s = s, .len = len };
}

/* NUL-terminated text; NULL gives SQL NULL. */
static inline db_arg db_arg_text(const char *s)
{
	return db_arg_textn(s, s ? strlen(s) : 0);
}

#define DB_I(v) db_arg_int(v)
#define DB_T(s) db_arg_text(s)
#define DB_TN(s, n) db_arg_textn((s), (n))
/* Expands to "array, count" for the parameter list of db_exec/db_query. */
#define DB_ARGS(...) \
	(const db_arg[]){ __VA_ARGS__ }, \
	(int)(sizeof((const db_arg[]){ __VA_ARGS__ }) / sizeof(db_arg))
#define DB_NOARGS NULL, 0

/*
 * Opens a database. SQLite: PATH is a file name (created when missing), a
 * "file:" URI, or ":memory:"; the file is put in WAL mode with a busy
 * timeout and foreign keys on. PostgreSQL: CONNINFO is a libpq URI or
 * key=value string; a connect timeout of 10 s applies unless it sets one.
 * Caller closes with db_close().
 */
int db_open_sqlite(db **out, const char *path, neto_err *err);
int db_open_pg(db **out, const char *conninfo, neto_err *err);
void db_close(db *d);
enum db_backend db_backend_of(const db *d);

/* Runs one statement; *changes (may be NULL) gets the rows it changed. */
int db_exec(db *d, const char *sql, const db_arg *args, int nargs,
	    int64_t *changes, neto_err *err);

/* Runs a query; the arguments must stay valid until db_res_free. */
int db_query(db *d, db_res **out, const char *sql, const db_arg *args,
	     int nargs, neto_err *err);
/* Next row: 1 when there is one, 0 at the end, -1 on error. */
int db_step(db_res *r, neto_err *err);
int db_isnull(db_res *r, int col);
int64_t db_int(db_res *r, int col);
/* Column text and its length (may be NULL); NULL for SQL NULL. Valid until
 * the next db_step or db_res_free. */
const char *db_text(db_res *r, int col, size_t *len);
/* A copy for the caller (free()); NULL for SQL NULL. */
char *db_strdup(db_res *r, int col, size_t *len);
void db_res_free(db_res *r);

/*
 * Runs a query that returns at most one row and reads it with FN (may be
 * NULL); *found says whether there was a row.
 */
int db_query_row(db *d, const char *sql, const db_arg *args, int nargs,
		 void (*fn)(db_res *r, void *ctx), void *ctx, int *found,
		 neto_err *err);
/* One integer (the first column of the first row); *found as above. */
int db_query_int(db *d, const char *sql, const db_arg *args, int nargs,
		 int64_t *v, int *found, neto_err *err);

/* ---- transactions -------------------------------------------------------- */

enum db_txn_mode { DB_READ, DB_WRITE };

/*
 * Runs FN(d, CTX, err) in one transaction. FN returns 0 to commit, -1 on
 * error (rolled back), or a positive value to roll back and return that
 * value (STORE_FENCED). When FN or the commit fails on a transient conflict
 * the transaction is rolled back, RESET(CTX) is called (if not NULL) to drop
 * what FN produced, and FN runs again, a bounded number of times with
 * back-off. RESET is also called when the call finally fails.
 */
typedef int (*db_txn_fn)(db *d, void *ctx, neto_err *err);
int db_txn(db *d, enum db_txn_mode mode, db_txn_fn fn, void (*reset)(void *ctx),
	   void *ctx, neto_err *err);

/* The primitives db_txn is made of (migrations use them directly). */
int db_begin(db *d, enum db_txn_mode mode, neto_err *err);
int db_commit(db *d, neto_err *err);
void db_rollback(db *d);
/* Whether the last failure was a transient conflict worth a retry. */
int db_retryable(const db *d);

/*
 * Per-backend SQL, the only places where the two dialects differ; the table
 * is in db.c and documented in docs/store.md.
 */
enum db_dialect_item {
	DB_SQL_ID,	  /* auto-increment BIGINT primary key column type */
	DB_SQL_TEXT,	  /* text column, compared and sorted bytewise */
	DB_SQL_FOR_SHARE, /* suffix that read-locks the rows a SELECT returns */
	DB_SQL_LOCK_SCHEMA,   /* statement that serialises migrations ("": none) */
	DB_SQL_UNLOCK_SCHEMA, /* and its release */
	DB_SQL_NITEMS
};
const char *db_dialect(const db *d, enum db_dialect_item item);

#endif
