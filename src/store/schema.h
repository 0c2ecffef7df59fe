/*
 * schema.h - the store's tables and their versioned migrations (private to
 * src/store; the tables are described in docs/store.md).
 */
#ifndef NETO_STORE_SCHEMA_H
#define NETO_STORE_SCHEMA_H

#include "store/db.h"

/* The schema version this build creates: the number of migrations. */
int schema_latest(void);

/*
 * Brings the database to schema_latest(), one transaction per migration,
 * the version kept in table neto_meta. Safe to run concurrently from
 * several processes and again on a database that is up to date. Fails when
 * the database has a newer version than this build knows. *version (may be
 * NULL) gets the version found at the end.
 */
int schema_migrate(db *d, int *version, neto_err *err);

/* Reads the version inside the caller's transaction (0: no schema yet). */
int schema_read_version(db *d, int *version, neto_err *err);

#endif
