/*
 * db.h - the desk's storage backends behind one small const struct of
 * function pointers (internal to src/desk). A backend is a connection, a
 * handful of prepared statements with $1..$N text/integer parameters, and
 * rows read back as text or integers. Everything above (rules, audit,
 * incidents) is written once against this and runs on SQLite and PostgreSQL.
 */
#ifndef VIGIL_DESK_DB_H
#define VIGIL_DESK_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db;      /* a backend connection */
struct db_stmt; /* a backend prepared statement */

struct db_ops {
	const char *name;
	/* URL prefixes this backend serves ("sqlite:", "postgresql://", ...). */
	const char *const *schemes;
	/* Connect; on failure writes a reason into err and returns VIGIL_EDB. */
	int (*open)(const char *url, struct db **out, char *err, size_t errlen);
	void (*close)(struct db *db);
	/* Run SQL without parameters or results (several statements allowed). */
	int (*exec)(struct db *db, const char *sql);
	/* BEGIN a write transaction (SQLite: IMMEDIATE). */
	int (*begin)(struct db *db);
	/* Prepare SQL with $1..$N placeholders, numbered in order of first use. */
	int (*prepare)(struct db *db, const char *sql, struct db_stmt **out);
	void (*finalize)(struct db_stmt *st);
	/* Bind parameter i (from 1); text is copied, NULL binds SQL NULL. */
	int (*bind_text)(struct db_stmt *st, int i, const char *s);
	int (*bind_int)(struct db_stmt *st, int i, int64_t v);
	/* Execute (first call) / advance: 1 a row, 0 done, < 0 VIGIL_EDB. */
	int (*step)(struct db_stmt *st);
	/* Column i (from 0) of the current row; text is valid until the next step/reset. */
	const char *(*col_text)(struct db_stmt *st, int i);
	int64_t (*col_int)(struct db_stmt *st, int i);
	bool (*col_null)(struct db_stmt *st, int i);
	/* Execute without waiting for the outcome (PostgreSQL: queued in a
	 * pipeline inside a transaction; SQLite: at once). The statement may be
	 * reset and reused right away. expect: the rows it must change; each one
	 * it did not (an ON CONFLICT DO NOTHING that hit) counts as a "miss". */
	int (*defer)(struct db_stmt *st, int64_t expect);
	/* Wait for every deferred execution: the number of misses (>= 0), or
	 * VIGIL_EDB if any failed. */
	int (*sync)(struct db *db);
	/* Rows changed by the last executed INSERT/UPDATE/DELETE. */
	int64_t (*changes)(struct db_stmt *st);
	/* Forget results and bindings; the statement can be bound and run again. */
	void (*reset)(struct db_stmt *st);
	/* The last error text of the connection. */
	const char *(*errmsg)(struct db *db);
	/* Incidents whose counters one UPDATE statement writes at an ingest
	 * commit: 1, or 64 with a CASE over an IN list (see rules.c). */
	int update_rows;
	/* Run first in every migration transaction so that two processes opening
	 * a fresh desk at once migrate it one after the other (NULL: the
	 * backend's write lock already does). */
	const char *migrate_lock;
	/* Ordered schema migrations; migrations[i] takes version i to i + 1. */
	const char *const *migrations;
	size_t nmigrations;
};

extern const struct db_ops desk_sqlite_ops;
extern const struct db_ops desk_pg_ops;

#endif
