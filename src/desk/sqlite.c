/*
 * sqlite.c - the SQLite desk backend (the default): one file, WAL journal,
 * synchronous=FULL so a COMMIT that returned survives a crash or power cut,
 * BEGIN IMMEDIATE so writers queue instead of failing half-way. The WAL is
 * checkpointed every 16384 pages (64 MB) rather than SQLite's 1000: an
 * ingest batch dirties several MB of index pages (random event ids), so the
 * default checkpointed after nearly every COMMIT, rewriting and syncing the
 * database file each time; durability is unchanged (a COMMIT is durable once
 * its WAL frames are synced). URL:
 * "sqlite:PATH" (or a bare path ending in .sqlite/.db).
 */
#include "desk/db.h"
#include "desk/schema.h"
#include "util/err.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct db {
	sqlite3 *h;
	int misses; /* deferred executions that changed nothing, since the last sync */
	bool failed;
};

struct db_stmt {
	struct db *db;
	sqlite3 *h;
	sqlite3_stmt *st;
	int64_t changes;
	bool done;
};

static int sq_open(const char *url, struct db **out, char *err, size_t errlen)
{
	const char *path = url;
	struct db *db;
	int rc = VIGIL_EDB;

	if (!strncmp(path, "sqlite:", 7))
		path += 7;
	if (!strncmp(path, "//", 2))
		path += 2;
	db = calloc(1, sizeof(*db));
	if (!db)
		return VIGIL_ENOMEM;
	if (sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, db->h ? sqlite3_errmsg(db->h) : "cannot open");
		goto out;
	}
	sqlite3_busy_timeout(db->h, 30000);
	if (sqlite3_exec(db->h, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
			 " PRAGMA foreign_keys=OFF; PRAGMA cache_size=-65536;"
			 " PRAGMA wal_autocheckpoint=16384; PRAGMA journal_size_limit=67108864;"
			 " PRAGMA temp_store=MEMORY;",
			 NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db->h));
		goto out;
	}
	*out = db;
	db = NULL;
	rc = 0;
out:
	if (db) {
		sqlite3_close(db->h);
		free(db);
	}
	return rc;
}

static void sq_close(struct db *db)
{
	if (!db)
		return;
	sqlite3_close(db->h);
	free(db);
}

static int sq_exec(struct db *db, const char *sql)
{
	return sqlite3_exec(db->h, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : VIGIL_EDB;
}

static int sq_begin(struct db *db)
{
	db->misses = 0;
	db->failed = false;
	return sq_exec(db, "BEGIN IMMEDIATE");
}

/* SQLite reads "$1" as a *named* parameter; rewrite to "?1" so numbers mean positions. */
static int sq_prepare(struct db *db, const char *sql, struct db_stmt **out)
{
	size_t n = strlen(sql);
	char *s = malloc(n + 1);
	struct db_stmt *st = NULL;
	int rc = VIGIL_ENOMEM;

	if (!s)
		goto out;
	for (size_t i = 0; i <= n; i++)
		s[i] = (sql[i] == '$' && sql[i + 1] >= '0' && sql[i + 1] <= '9') ? '?' : sql[i];
	st = calloc(1, sizeof(*st));
	if (!st)
		goto out;
	st->h = db->h;
	st->db = db;
	if (sqlite3_prepare_v2(db->h, s, -1, &st->st, NULL) != SQLITE_OK) {
		rc = VIGIL_EDB;
		free(st);
		st = NULL;
		goto out;
	}
	*out = st;
	st = NULL;
	rc = 0;
out:
	free(s);
	return rc;
}

static void sq_finalize(struct db_stmt *st)
{
	if (!st)
		return;
	sqlite3_finalize(st->st);
	free(st);
}

static int sq_bind_text(struct db_stmt *st, int i, const char *s)
{
	int rc = s ? sqlite3_bind_text(st->st, i, s, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st->st, i);

	return rc == SQLITE_OK ? 0 : VIGIL_EDB;
}

static int sq_bind_int(struct db_stmt *st, int i, int64_t v)
{
	return sqlite3_bind_int64(st->st, i, v) == SQLITE_OK ? 0 : VIGIL_EDB;
}

static int sq_step(struct db_stmt *st)
{
	int rc;

	if (st->done)
		return 0;
	rc = sqlite3_step(st->st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE) {
		st->done = true;
		st->changes = sqlite3_changes(st->h);
		return 0;
	}
	return VIGIL_EDB;
}

static int sq_defer(struct db_stmt *st, int64_t expect)
{
	int rc;

	while ((rc = sq_step(st)) > 0)
		;
	if (rc < 0) {
		st->db->failed = true;
		return VIGIL_EDB;
	}
	if (st->changes < expect)
		st->db->misses += (int)(expect - st->changes);
	return 0;
}

static int sq_sync(struct db *db)
{
	int n = db->failed ? VIGIL_EDB : db->misses;

	db->misses = 0;
	db->failed = false;
	return n;
}

static const char *sq_col_text(struct db_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st->st, i);
}

static int64_t sq_col_int(struct db_stmt *st, int i)
{
	return sqlite3_column_int64(st->st, i);
}

static bool sq_col_null(struct db_stmt *st, int i)
{
	return sqlite3_column_type(st->st, i) == SQLITE_NULL;
}

static int64_t sq_changes(struct db_stmt *st)
{
	return st->changes;
}

static void sq_reset(struct db_stmt *st)
{
	sqlite3_reset(st->st);
	sqlite3_clear_bindings(st->st);
	st->done = false;
	st->changes = 0;
}

static const char *sq_errmsg(struct db *db)
{
	return sqlite3_errmsg(db->h);
}

static const char *const sq_migrations[] = {
	DESK_SCHEMA_V1("INTEGER PRIMARY KEY AUTOINCREMENT", "REAL"),
	DESK_SCHEMA_V2,
	DESK_SCHEMA_V3_SQLITE,
	DESK_SCHEMA_V4("INTEGER PRIMARY KEY AUTOINCREMENT"),
	DESK_SCHEMA_V5("INTEGER PRIMARY KEY AUTOINCREMENT"),
	DESK_SCHEMA_V6,
	DESK_SCHEMA_V7("INTEGER PRIMARY KEY AUTOINCREMENT"),
	DESK_SCHEMA_V8,
};

static const char *const sq_schemes[] = { "sqlite:", NULL };

const struct db_ops desk_sqlite_ops = {
	.name = "sqlite",
	.schemes = sq_schemes,
	.open = sq_open,
	.close = sq_close,
	.exec = sq_exec,
	.begin = sq_begin,
	.prepare = sq_prepare,
	.finalize = sq_finalize,
	.bind_text = sq_bind_text,
	.bind_int = sq_bind_int,
	.step = sq_step,
	.col_text = sq_col_text,
	.col_int = sq_col_int,
	.col_null = sq_col_null,
	.defer = sq_defer,
	.sync = sq_sync,
	.changes = sq_changes,
	.reset = sq_reset,
	.errmsg = sq_errmsg,
	.update_rows = 64,
	.migrations = sq_migrations,
	.nmigrations = sizeof(sq_migrations) / sizeof(sq_migrations[0]),
};
