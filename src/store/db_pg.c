/*
 * db_pg.c - the PostgreSQL backend of the driver layer (db.h), over libpq.
 *
 * Statements go through PQexecParams with typed parameters in binary format
 * (int8 as 8 big-endian bytes, text as its bytes with an explicit length),
 * so nothing is quoted, nothing needs a terminator, and a body of tens of
 * megabytes is sent as is. Results come back in text format and are parsed
 * here (integers) or handed out in place (text).
 *
 * Transactions: writes run SERIALIZABLE, reads REPEATABLE READ READ ONLY (a
 * snapshot, never a serialization failure). A statement or a COMMIT that
 * fails with SQLSTATE 40001 (serialization failure) or 40P01 (deadlock)
 * marks the handle retryable, and db_txn runs the transaction again.
 *
 * Connection loss: a lost connection is noticed at the next BEGIN, which
 * resets it once; if the server still cannot be reached the call fails with
 * libpq's message. The store never aborts on it: the caller may retry.
 * Notices (e.g. "relation already exists, skipping") are dropped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "lib/mem.h"
#include "store/db_impl.h"

#define PG_INT8OID 20
#define PG_TEXTOID 25

typedef struct pg_db {
	struct db base;
	PGconn *c;
} pg_db;

typedef struct pg_res {
	struct db_res base;
	PGresult *r;
	int row, nrows;
} pg_res;

/* Copies a libpq message without its trailing newline. */
static int pg_msg(neto_err *err, const char *what, const char *msg)
{
	size_t n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		n--;
	return neto_err_set(err, "postgresql: %s%s%.*s", what ? what : "",
			    what ? ": " : "", (int)n, msg);
}

/* Checks a result; on failure sets *err (and the retry flag) and frees it. */
static int pg_check(pg_db *p, PGresult *r, neto_err *err)
{
	if (r == NULL)
		return pg_msg(err, NULL, PQerrorMessage(p->c));
	ExecStatusType s = PQresultStatus(r);
	if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK)
		return 0;
	const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	if (state != NULL && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0))
		p->base.retryable = 1;
	const char *primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
	if (primary != NULL)
		neto_err_set(err, "postgresql: %s%s%s", primary, state ? " SQLSTATE " : "",
			     state ? state : "");
	else
		pg_msg(err, NULL, PQerrorMessage(p->c));
	PQclear(r);
	return -1;
}

static PGresult *pg_run(pg_db *p, const char *sql, const db_arg *args, int nargs)
{
	Oid *types = NULL;
	const char **vals = NULL;
	int *lens = NULL, *fmts = NULL;
	unsigned char(*ibuf)[8] = NULL;
	if (nargs > 0) {
		types = neto_calloc((size_t)nargs, sizeof *types);
		vals = neto_calloc((size_t)nargs, sizeof *vals);
		lens = neto_calloc((size_t)nargs, sizeof *lens);
		fmts = neto_calloc((size_t)nargs, sizeof *fmts);
		ibuf = neto_calloc((size_t)nargs, sizeof *ibuf);
	}
	for (int i = 0; i < nargs; i++) {
		const db_arg *a = &args[i];
		fmts[i] = 1;
		switch (a->type) {
		case DB_ARG_INT: {
			uint64_t v = (uint64_t)a->i;
			for (int b = 0; b < 8; b++)
				ibuf[i][b] = (unsigned char)(v >> (56 - 8 * b));
			types[i] = PG_INT8OID;
			vals[i] = (const char *)ibuf[i];
			lens[i] = 8;
			break;
		}
		case DB_ARG_TEXT:
			types[i] = PG_TEXTOID;
			vals[i] = a->s;
			lens[i] = (int)a->len;
			break;
		case DB_ARG_NULL:
			types[i] = 0;	/* inferred from the context */
			vals[i] = NULL;
			break;
		}
	}
	PGresult *r = PQexecParams(p->c, sql, nargs, types, vals, lens, fmts, 0);
	free(types);
	free(vals);
	free(lens);
	free(fmts);
	free(ibuf);
	return r;
}

/* libpq takes lengths as int; PostgreSQL's own limit is 1 GB per value. */
static int pg_args_ok(const db_arg *args, int nargs, neto_err *err)
{
	for (int i = 0; i < nargs; i++)
		if (args[i].type == DB_ARG_TEXT && args[i].len > 0x3fffffff)
			return neto_err_set(err, "postgresql: parameter $%d: %zu bytes "
					    "is over the 1 GB limit", i + 1, args[i].len);
	return 0;
}

static int pg_exec(db *d, const char *sql, const db_arg *args, int nargs,
		   int64_t *changes, neto_err *err)
{
	pg_db *p = (pg_db *)d;
	if (pg_args_ok(args, nargs, err) != 0)
		return -1;
	PGresult *r = pg_run(p, sql, args, nargs);
	if (pg_check(p, r, err) != 0)
		return -1;
	if (changes != NULL) {
		const char *t = PQcmdTuples(r);
		*changes = *t ? strtoll(t, NULL, 10) : 0;
	}
	PQclear(r);
	return 0;
}

static int pg_query(db *d, db_res **out, const char *sql, const db_arg *args,
		    int nargs, neto_err *err)
{
	pg_db *p = (pg_db *)d;
	if (pg_args_ok(args, nargs, err) != 0)
		return -1;
	PGresult *r = pg_run(p, sql, args, nargs);
	if (pg_check(p, r, err) != 0)
		return -1;
	pg_res *res = neto_calloc(1, sizeof *res);
	res->base.d = d;
	res->r = r;
	res->row = -1;
	res->nrows = PQntuples(r);
	*out = &res->base;
	return 0;
}

static int pg_step(db_res *res, neto_err *err)
{
	pg_res *r = (pg_res *)res;
	if (r->row + 1 >= r->nrows) {
		r->row = r->nrows;
		return 0;
	}
	r->row++;
	return 1;
}

static int pg_isnull(db_res *res, int col)
{
	pg_res *r = (pg_res *)res;
	return PQgetisnull(r->r, r->row, col);
}

static int64_t pg_col_int(db_res *res, int col)
{
	pg_res *r = (pg_res *)res;
	if (PQgetisnull(r->r, r->row, col))
		return 0;
	return strtoll(PQgetvalue(r->r, r->row, col), NULL, 10);
}

static const char *pg_col_text(db_res *res, int col)
{
	pg_res *r = (pg_res *)res;
	if (PQgetisnull(r->r, r->row, col))
		return NULL;
	return PQgetvalue(r->r, r->row, col);
}

static size_t pg_col_len(db_res *res, int col)
{
	pg_res *r = (pg_res *)res;
	return (size_t)PQgetlength(r->r, r->row, col);
}

static void pg_res_free(db_res *res)
{
	pg_res *r = (pg_res *)res;
	PQclear(r->r);
	free(r);
}

static int pg_simple(pg_db *p, const char *sql, neto_err *err)
{
	PGresult *r = PQexec(p->c, sql);
	if (pg_check(p, r, err) != 0)
		return -1;
	/* COMMIT of a transaction that failed answers ROLLBACK */
	int rolled_back = strcmp(sql, "COMMIT") == 0 &&
			  strcmp(PQcmdStatus(r), "ROLLBACK") == 0;
	PQclear(r);
	if (rolled_back)
		return neto_err_set(err, "postgresql: transaction was rolled back");
	return 0;
}

static int pg_begin(db *d, enum db_txn_mode mode, neto_err *err)
{
	pg_db *p = (pg_db *)d;
	if (PQstatus(p->c) != CONNECTION_OK) {
		PQreset(p->c);
		if (PQstatus(p->c) != CONNECTION_OK)
			return pg_msg(err, "cannot reconnect", PQerrorMessage(p->c));
	}
	if (PQtransactionStatus(p->c) != PQTRANS_IDLE)
		PQclear(PQexec(p->c, "ROLLBACK"));	/* left over from a failure */
	const char *sql = mode == DB_WRITE ? "BEGIN ISOLATION LEVEL SERIALIZABLE" :
			  "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
	if (pg_simple(p, sql, err) == 0)
		return 0;
	if (PQstatus(p->c) == CONNECTION_OK)
		return -1;
	/* the server closed the connection since the last call (restart,
	 * terminated backend): nothing was done yet, so reconnect once */
	PQreset(p->c);
	if (PQstatus(p->c) != CONNECTION_OK)
		return pg_msg(err, "cannot reconnect", PQerrorMessage(p->c));
	return pg_simple(p, sql, err);
}

static int pg_commit(db *d, neto_err *err)
{
	return pg_simple((pg_db *)d, "COMMIT", err);
}

static void pg_rollback(db *d)
{
	pg_db *p = (pg_db *)d;
	PGTransactionStatusType t = PQtransactionStatus(p->c);
	if (t == PQTRANS_INTRANS || t == PQTRANS_INERROR)
		PQclear(PQexec(p->c, "ROLLBACK"));
}

static void pg_close(db *d)
{
	pg_db *p = (pg_db *)d;
	PQfinish(p->c);
	free(p);
}

static const struct db_ops pg_ops = {
	.backend = DB_PG,
	.close = pg_close,
	.exec = pg_exec,
	.query = pg_query,
	.step = pg_step,
	.isnull = pg_isnull,
	.col_int = pg_col_int,
	.col_text = pg_col_text,
	.col_len = pg_col_len,
	.res_free = pg_res_free,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
};

static void pg_quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

int db_open_pg(db **out, const char *conninfo, neto_err *err)
{
	/* keywords are applied in order and the conninfo (expanded from
	 * dbname) comes last, so what it sets wins over these defaults */
	const char *const keys[] = { "connect_timeout", "application_name",
				     "client_encoding", "dbname", NULL };
	const char *const vals[] = { "10", "neto", "UTF8", conninfo, NULL };
	PGconn *c = PQconnectdbParams(keys, vals, 1);
	if (c == NULL)
		return neto_err_set(err, "postgresql: out of memory");
	if (PQstatus(c) != CONNECTION_OK) {
		pg_msg(err, "cannot connect", PQerrorMessage(c));
		PQfinish(c);
		return -1;
	}
	PQsetNoticeProcessor(c, pg_quiet, NULL);
	pg_db *p = neto_calloc(1, sizeof *p);
	p->base.ops = &pg_ops;
	p->base.rng = (unsigned)(uintptr_t)p ^ (unsigned)PQbackendPID(c);
	p->c = c;
	*out = &p->base;
	return 0;
}
