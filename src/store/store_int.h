/*
 * store_int.h - what the files of the store share (private to src/store):
 * the handle, the fence check, the audit writer and list reading.
 */
#ifndef NETO_STORE_STORE_INT_H
#define NETO_STORE_STORE_INT_H

#include "store/db.h"
#include "store/store.h"

struct store {
	db *db;
};

/* Lease names the fenced writes check. */
#define STORE_LEASE_CONTROLLER "controller"
#define STORE_LEASE_SCHEDULER "scheduler"

/*
 * Inside a write transaction: 0 when F holds LEASE at NOW (same holder, same
 * epoch, not expired), STORE_FENCED when it does not, -1 on error. On
 * PostgreSQL the lease row is read-locked until the end of the transaction,
 * so a takeover either commits before (and this check sees it) or waits.
 */
int store_fence_check(db *d, const char *lease, const store_fence *f,
		      int64_t now, neto_err *err);

/* Inside a write transaction: appends one audit row. */
int store_audit_write(db *d, int64_t now, int64_t epoch, const char *actor,
		      const char *router, const char *action, const char *detail,
		      neto_err *err);

/*
 * Inside a transaction: runs SQL and reads every row into a new array of
 * SIZE-byte elements with ROW (which fills one zeroed element). On failure
 * what was read is freed with FREE_FN. *v is NULL when there are no rows.
 */
int store_read_list(db *d, const char *sql, const db_arg *args, int nargs,
		    size_t size, void (*row)(db_res *r, void *elem),
		    void (*free_fn)(void *v, size_t n), void **v, size_t *n,
		    neto_err *err);

/*
 * A whole read transaction that is one store_read_list: the body of the
 * simple list functions. On failure *v = NULL and *n = 0.
 */
int store_list_txn(store *st, const char *sql, const db_arg *args, int nargs,
		   size_t size, void (*row)(db_res *r, void *elem),
		   void (*free_fn)(void *v, size_t n), void **v, size_t *n,
		   neto_err *err);

/* A LIMIT argument: 0 means no limit. */
int64_t store_limit(size_t limit);

#endif
