/*
 * db_impl.h - what a database backend provides to db.c (private to
 * src/store). Each backend embeds `struct db` and `struct db_res` as the
 * first member of its own handle and result types.
 */
#ifndef NETO_STORE_DB_IMPL_H
#define NETO_STORE_DB_IMPL_H

#include "store/db.h"

struct db_ops {
	enum db_backend backend;
	void (*close)(db *d);
	int (*exec)(db *d, const char *sql, const db_arg *args, int nargs,
		    int64_t *changes, neto_err *err);
	int (*query)(db *d, db_res **out, const char *sql, const db_arg *args,
		     int nargs, neto_err *err);
	int (*step)(db_res *r, neto_err *err);
	int (*isnull)(db_res *r, int col);
	int64_t (*col_int)(db_res *r, int col);
	const char *(*col_text)(db_res *r, int col);	/* NULL for SQL NULL */
	size_t (*col_len)(db_res *r, int col);		/* after col_text */
	void (*res_free)(db_res *r);
	/* BEGIN in the mode's isolation; reconnects first when needed */
	int (*begin)(db *d, enum db_txn_mode mode, neto_err *err);
	int (*commit)(db *d, neto_err *err);
	void (*rollback)(db *d);
};

struct db {
	const struct db_ops *ops;
	int retryable;		/* the last failure was a transient conflict */
	unsigned rng;		/* back-off jitter */
};

struct db_res {
	db *d;
};

#endif
