/*
 * schema.c - the store's tables, created and upgraded by numbered
 * migrations.
 *
 * Each migration is a list of statements in the SQL both backends accept,
 * with two placeholders for the only DDL that differs (db.h, db_dialect):
 *   {id}    an auto-increment BIGINT primary key column
 *   {text}  a text column compared and sorted bytewise
 * A migration runs in one transaction together with the update of the
 * version it brings the database to, so a crash leaves either the old or
 * the new schema. Migrations are never edited once released: a change to
 * the schema is a new migration appended to the list.
 *
 * The version lives in table neto_meta (name, value), which also holds the
 * intent serial. neto_meta itself is created, if missing, inside the first
 * transaction, so it is the one table outside the numbered migrations.
 */
#include "store/schema.h"

#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"

typedef struct migration {
	const char *what;
	const char *const *sql;	/* NULL-terminated */
} migration;

/* 1: the initial schema (docs/store.md describes each table) */
static const char *const m1_sql[] = {
	"CREATE TABLE lease ("
	" name {text} PRIMARY KEY,"
	" holder {text} NOT NULL,"
	" epoch BIGINT NOT NULL,"
	" expires BIGINT NOT NULL)",

	"CREATE TABLE topology ("
	" version {id},"
	" at BIGINT NOT NULL,"
	" source {text} NOT NULL,"
	" body {text} NOT NULL)",

	"CREATE TABLE demand ("
	" id {id},"
	" at BIGINT NOT NULL,"
	" body {text} NOT NULL,"
	" missing {text})",

	"CREATE TABLE intent ("
	" id {id},"
	" created BIGINT NOT NULL,"
	" kind {text} NOT NULL,"
	" body {text} NOT NULL,"
	" deleted BIGINT)",

	"CREATE TABLE plan ("
	" id {id},"
	" created BIGINT NOT NULL,"
	" updated BIGINT NOT NULL,"
	" epoch BIGINT NOT NULL,"
	" kind {text} NOT NULL,"
	" state {text} NOT NULL"
	"  CHECK (state IN ('running', 'done', 'failed', 'superseded')),"
	" priority INTEGER NOT NULL,"
	" nsteps INTEGER NOT NULL,"
	" step INTEGER NOT NULL,"
	" topology_version BIGINT NOT NULL,"
	" demand_id BIGINT NOT NULL,"
	" intent_serial BIGINT NOT NULL,"
	" reason {text},"
	" solution {text},"
	" body {text})",
	"CREATE INDEX plan_state ON plan (state)",

	"CREATE TABLE task ("
	" id {id},"
	" plan_id BIGINT NOT NULL REFERENCES plan (id),"
	" step INTEGER NOT NULL,"
	" priority INTEGER NOT NULL,"
	" router {text} NOT NULL,"
	" policy {text} NOT NULL,"
	" action {text} NOT NULL CHECK (action IN ('apply', 'remove')),"
	" desired {text},"
	" state {text} NOT NULL"
	"  CHECK (state IN ('pending', 'assigned', 'done', 'failed', 'cancelled')),"
	" agent {text},"
	" attempts INTEGER NOT NULL,"
	" not_before BIGINT NOT NULL,"
	" deadline BIGINT NOT NULL,"
	" updated BIGINT NOT NULL,"
	" error {text})",
	"CREATE INDEX task_plan ON task (plan_id, step)",
	"CREATE INDEX task_state ON task (state)",
	"CREATE INDEX task_agent ON task (agent)",

	"CREATE TABLE installed ("
	" router {text} NOT NULL,"
	" policy {text} NOT NULL,"
	" body {text} NOT NULL,"
	" updated BIGINT NOT NULL,"
	" PRIMARY KEY (router, policy))",

	"CREATE TABLE agent ("
	" name {text} PRIMARY KEY,"
	" role {text} NOT NULL,"
	" routers {text},"
	" info {text},"
	" registered BIGINT NOT NULL,"
	" heartbeat BIGINT NOT NULL)",

	"CREATE TABLE audit ("
	" id {id},"
	" at BIGINT NOT NULL,"
	" epoch BIGINT NOT NULL,"
	" actor {text} NOT NULL,"
	" router {text},"
	" action {text} NOT NULL,"
	" detail {text})",

	"CREATE TABLE kv ("
	" ns {text} NOT NULL,"
	" name {text} NOT NULL,"
	" body {text} NOT NULL,"
	" updated BIGINT NOT NULL,"
	" PRIMARY KEY (ns, name))",

	"CREATE TABLE msg ("
	" id {id},"
	" topic {text} NOT NULL,"
	" subject {text},"
	" at BIGINT NOT NULL,"
	" body {text} NOT NULL)",
	"CREATE INDEX msg_topic ON msg (topic, at, id)",

	"INSERT INTO neto_meta (name, value) VALUES ('intent_serial', 0)",
	NULL
};

static const migration migrations[] = {
	{ "initial schema", m1_sql },
};

#define NMIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

int schema_latest(void)
{
	return NMIGRATIONS;
}

/* The statement with {id} and {text} replaced for D's backend. Caller frees. */
static char *expand(const db *d, const char *sql)
{
	static const struct {
		const char *token;
		enum db_dialect_item item;
	} tokens[] = { { "{id}", DB_SQL_ID }, { "{text}", DB_SQL_TEXT } };
	size_t cap = strlen(sql) + 1, n = 0;
	char *out = neto_malloc(cap);
	for (const char *p = sql; *p;) {
		const char *rep = NULL;
		size_t skip = 1;
		for (size_t t = 0; t < sizeof tokens / sizeof tokens[0]; t++) {
			size_t tl = strlen(tokens[t].token);
			if (strncmp(p, tokens[t].token, tl) == 0) {
				rep = db_dialect(d, tokens[t].item);
				skip = tl;
				break;
			}
		}
		size_t rl = rep ? strlen(rep) : 1;
		if (n + rl + 1 > cap) {
			cap = 2 * cap + rl;
			out = neto_realloc(out, cap);
		}
		memcpy(out + n, rep ? rep : p, rl);
		n += rl;
		p += skip;
	}
	out[n] = '\0';
	return out;
}

int schema_read_version(db *d, int *version, neto_err *err)
{
	int64_t v;
	int found;
	if (db_query_int(d, "SELECT value FROM neto_meta WHERE name = 'schema_version'",
			 DB_NOARGS, &v, &found, err) != 0)
		return -1;
	*version = found ? (int)v : 0;
	return 0;
}

typedef struct step_ctx {
	int version;	/* found before this step */
	int done;	/* nothing left to apply */
} step_ctx;

/* One transaction: makes sure neto_meta exists, reads the version and
 * applies the next migration, if any. */
static int migrate_step(db *d, void *vctx, neto_err *err)
{
	step_ctx *c = vctx;
	char *meta = expand(d, "CREATE TABLE IF NOT EXISTS neto_meta ("
			    " name {text} PRIMARY KEY, value BIGINT NOT NULL)");
	int rc = db_exec(d, meta, DB_NOARGS, NULL, err);
	free(meta);
	if (rc != 0 ||
	    db_exec(d, "INSERT INTO neto_meta (name, value) VALUES ('schema_version', 0) "
		    "ON CONFLICT (name) DO NOTHING", DB_NOARGS, NULL, err) != 0 ||
	    schema_read_version(d, &c->version, err) != 0)
		return -1;
	if (c->version > NMIGRATIONS)
		return neto_err_set(err, "store schema version %d is newer than this "
				    "neto knows (%d): upgrade neto", c->version,
				    NMIGRATIONS);
	if (c->version == NMIGRATIONS) {
		c->done = 1;
		return 0;
	}
	const migration *m = &migrations[c->version];
	for (const char *const *s = m->sql; *s != NULL; s++) {
		char *sql = expand(d, *s);
		rc = db_exec(d, sql, DB_NOARGS, NULL, err);
		free(sql);
		if (rc != 0) {
			char msg[sizeof err->msg];
			memcpy(msg, err->msg, sizeof msg);
			return neto_err_set(err, "schema migration %d (%s): %s",
					    c->version + 1, m->what, msg);
		}
	}
	return db_exec(d, "UPDATE neto_meta SET value = $1 WHERE name = 'schema_version'",
		       DB_ARGS(DB_I(c->version + 1)), NULL, err);
}

int schema_migrate(db *d, int *version, neto_err *err)
{
	const char *lock = db_dialect(d, DB_SQL_LOCK_SCHEMA);
	if (*lock && db_exec(d, lock, DB_NOARGS, NULL, err) != 0)
		return -1;
	int rc = 0;
	step_ctx c = { 0, 0 };
	while (rc == 0 && !c.done)
		rc = db_txn(d, DB_WRITE, migrate_step, NULL, &c, err);
	const char *unlock = db_dialect(d, DB_SQL_UNLOCK_SCHEMA);
	if (*unlock) {
		neto_err ignored;
		db_exec(d, unlock, DB_NOARGS, NULL, &ignored);
	}
	if (rc != 0)
		return -1;
	if (version != NULL)
		*version = c.version;
	return 0;
}
