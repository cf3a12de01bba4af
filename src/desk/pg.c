/*
 * pg.c - the PostgreSQL desk backend (many analysts at once): libpq,
 * server-side prepared statements, parameters sent as text. Inside a
 * transaction the connection is in libpq's pipeline mode: deferred
 * executions (inserts and updates whose outcome is only checked at the end)
 * are queued without waiting, and the queue is drained - one round trip -
 * when a statement's rows are needed, every PG_MAXPEND executions, and before
 * COMMIT. URL: "postgresql://user@host:port/db" or "postgres://...".
 * Commits are durable with synchronous_commit on (forced at connect).
 */
#include "desk/db.h"
#include "desk/schema.h"
#include "util/err.h"

#include <libpq-fe.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PG_MAXPARAMS 2048
#define PG_MAXPEND 512 /* queued executions before a forced drain */

struct db {
	PGconn *c;
	unsigned nstmt; /* names of prepared statements: s1, s2, ... */
	bool pipe;      /* in pipeline mode (inside a transaction) */
	int npend;      /* executions queued and not yet drained */
	int64_t expect[PG_MAXPEND];
	int misses;     /* must-change executions that changed nothing */
	bool failed;    /* a queued execution failed */
};

struct db_stmt {
	struct db *db;
	char name[24];
	int nparams;
	char **params; /* nparams */
	PGresult *res;
	int row, nrows;
	int64_t changes;
	bool ran;
};

static int pg_open(const char *url, struct db **out, char *err, size_t errlen)
{
	struct db *db = calloc(1, sizeof(*db));
	PGresult *r;
	int rc = VIGIL_EDB;

	if (!db)
		return VIGIL_ENOMEM;
	db->c = PQconnectdb(url);
	if (PQstatus(db->c) != CONNECTION_OK) {
		snprintf(err, errlen, "postgresql: %s", PQerrorMessage(db->c));
		goto out;
	}
	r = PQexec(db->c, "SET synchronous_commit = on; SET client_min_messages = warning");
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		snprintf(err, errlen, "postgresql: %s", PQerrorMessage(db->c));
		PQclear(r);
		goto out;
	}
	PQclear(r);
	*out = db;
	db = NULL;
	rc = 0;
out:
	if (db) {
		PQfinish(db->c);
		free(db);
	}
	return rc;
}

static void pg_close(struct db *db)
{
	if (!db)
		return;
	PQfinish(db->c);
	free(db);
}

/* Sync the pipeline and read every queued result; want (queued last) keeps its result. */
static int drain(struct db *db, struct db_stmt *want)
{
	int total = db->npend + (want ? 1 : 0);
	bool synced = false;
	PGresult *r;

	db->npend = 0;
	if (PQpipelineSync(db->c) != 1) {
		db->failed = true;
		return VIGIL_EDB;
	}
	for (int i = 0; i < total && !synced; i++) {
		bool first = true;

		while ((r = PQgetResult(db->c)) != NULL) {
			ExecStatusType s = PQresultStatus(r);

			if (s == PGRES_PIPELINE_SYNC) {
				synced = true;
				PQclear(r);
				break;
			}
			if (first) {
				first = false;
				if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
					db->failed = true;
				} else if (want && i == total - 1) {
					want->res = r;
					continue;
				} else if (db->expect[i] > strtoll(PQcmdTuples(r), NULL, 10)) {
					db->misses += (int)(db->expect[i] - strtoll(PQcmdTuples(r), NULL, 10));
				}
			}
			PQclear(r);
		}
	}
	while (!synced && (r = PQgetResult(db->c)) != NULL) {
		synced = PQresultStatus(r) == PGRES_PIPELINE_SYNC;
		PQclear(r);
	}
	return db->failed ? VIGIL_EDB : 0;
}

/* Leave pipeline mode (draining it) so synchronous calls work again. */
static void leave_pipe(struct db *db)
{
	if (!db->pipe)
		return;
	drain(db, NULL);
	PQexitPipelineMode(db->c);
	db->pipe = false;
}

static int pg_exec(struct db *db, const char *sql)
{
	leave_pipe(db);
	{
	PGresult *r = PQexec(db->c, sql);
	ExecStatusType s = PQresultStatus(r);

	PQclear(r);
	return (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) ? 0 : VIGIL_EDB;
	}
}

static int pg_begin(struct db *db)
{
	if (pg_exec(db, "BEGIN"))
		return VIGIL_EDB;
	db->misses = 0;
	db->failed = false;
	db->npend = 0;
	if (PQenterPipelineMode(db->c) != 1)
		return VIGIL_EDB;
	db->pipe = true;
	return 0;
}

/* Highest $N in sql, i.e. the parameter count. */
static int count_params(const char *sql)
{
	int max = 0;

	for (const char *p = sql; *p; p++) {
		if (*p == '$' && p[1] >= '0' && p[1] <= '9') {
			int n = 0;

			for (p++; *p >= '0' && *p <= '9'; p++)
				n = n * 10 + (*p - '0');
			if (n > max)
				max = n;
			p--;
		}
	}
	return max;
}

static int pg_prepare(struct db *db, const char *sql, struct db_stmt **out)
{
	struct db_stmt *st;
	PGresult *r;
	int n = count_params(sql);

	if (n > PG_MAXPARAMS)
		return VIGIL_ELIMIT;
	st = calloc(1, sizeof(*st));
	if (!st)
		return VIGIL_ENOMEM;
	st->db = db;
	st->nparams = n;
	if (n && !(st->params = calloc((size_t)n, sizeof(*st->params)))) {
		free(st);
		return VIGIL_ENOMEM;
	}
	snprintf(st->name, sizeof(st->name), "s%u", ++db->nstmt);
	bool was_pipe = db->pipe;
	leave_pipe(db);
	r = PQprepare(db->c, st->name, sql, n, NULL);
	if (was_pipe && PQenterPipelineMode(db->c) == 1)
		db->pipe = true;
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		PQclear(r);
		free(st->params);
		free(st);
		return VIGIL_EDB;
	}
	PQclear(r);
	*out = st;
	return 0;
}

static void clear_params(struct db_stmt *st)
{
	for (int i = 0; i < st->nparams; i++) {
		free(st->params[i]);
		st->params[i] = NULL;
	}
}

static void pg_reset(struct db_stmt *st)
{
	PQclear(st->res);
	st->res = NULL;
	st->row = st->nrows = 0;
	st->changes = 0;
	st->ran = false;
	clear_params(st);
}

static void pg_finalize(struct db_stmt *st)
{
	char sql[48];

	if (!st)
		return;
	pg_reset(st);
	snprintf(sql, sizeof(sql), "DEALLOCATE %s", st->name);
	pg_exec(st->db, sql);
	free(st->params);
	free(st);
}

static int pg_bind_text(struct db_stmt *st, int i, const char *s)
{
	if (i < 1 || i > st->nparams)
		return VIGIL_EINVAL;
	free(st->params[i - 1]);
	st->params[i - 1] = NULL;
	if (s && !(st->params[i - 1] = strdup(s)))
		return VIGIL_ENOMEM;
	return 0;
}

static int pg_bind_int(struct db_stmt *st, int i, int64_t v)
{
	char s[24];

	snprintf(s, sizeof(s), "%" PRId64, v);
	return pg_bind_text(st, i, s);
}

static int pg_step(struct db_stmt *st)
{
	if (!st->ran) {
		ExecStatusType s;

		st->ran = true;
		if (st->db->pipe) {
			if (PQsendQueryPrepared(st->db->c, st->name, st->nparams,
						(const char *const *)st->params, NULL, NULL, 0) != 1)
				return VIGIL_EDB;
			drain(st->db, st);
			if (!st->res)
				return VIGIL_EDB;
		} else {
			st->res = PQexecPrepared(st->db->c, st->name, st->nparams,
						 (const char *const *)st->params, NULL, NULL, 0);
		}
		s = PQresultStatus(st->res);
		if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
			return VIGIL_EDB;
		st->nrows = PQntuples(st->res);
		st->row = -1;
		st->changes = strtoll(PQcmdTuples(st->res), NULL, 10);
	}
	if (st->row + 1 < st->nrows) {
		st->row++;
		return 1;
	}
	return 0;
}

static int pg_defer(struct db_stmt *st, int64_t expect)
{
	struct db *db = st->db;
	int rc;

	if (!db->pipe) {
		while ((rc = pg_step(st)) > 0)
			;
		if (rc < 0)
			return rc;
		if (st->changes < expect)
			db->misses += (int)(expect - st->changes);
		return 0;
	}
	if (PQsendQueryPrepared(db->c, st->name, st->nparams, (const char *const *)st->params,
				NULL, NULL, 0) != 1) {
		db->failed = true;
		return VIGIL_EDB;
	}
	db->expect[db->npend++] = expect;
	st->ran = true;
	if (db->npend == PG_MAXPEND)
		return drain(db, NULL);
	return 0;
}

static int pg_sync(struct db *db)
{
	int n;

	if (db->pipe && db->npend)
		drain(db, NULL);
	n = db->failed ? VIGIL_EDB : db->misses;
	db->misses = 0;
	db->failed = false;
	return n;
}

static const char *pg_col_text(struct db_stmt *st, int i)
{
	if (!st->res || st->row < 0 || PQgetisnull(st->res, st->row, i))
		return NULL;
	return PQgetvalue(st->res, st->row, i);
}

static int64_t pg_col_int(struct db_stmt *st, int i)
{
	const char *s = pg_col_text(st, i);

	return s ? strtoll(s, NULL, 10) : 0;
}

static bool pg_col_null(struct db_stmt *st, int i)
{
	return pg_col_text(st, i) == NULL;
}

static int64_t pg_changes(struct db_stmt *st)
{
	return st->changes;
}

static const char *pg_errmsg(struct db *db)
{
	return PQerrorMessage(db->c);
}

static const char *const pg_migrations[] = {
	DESK_SCHEMA_V1("BIGSERIAL PRIMARY KEY", "DOUBLE PRECISION"),
	DESK_SCHEMA_V2,
	DESK_SCHEMA_V3_PG,
	DESK_SCHEMA_V4("BIGSERIAL PRIMARY KEY"),
	DESK_SCHEMA_V5("BIGSERIAL PRIMARY KEY"),
	DESK_SCHEMA_V6,
	DESK_SCHEMA_V7("BIGSERIAL PRIMARY KEY"),
	DESK_SCHEMA_V8,
};

static const char *const pg_schemes[] = { "postgresql://", "postgres://", NULL };

const struct db_ops desk_pg_ops = {
	.name = "postgresql",
	.schemes = pg_schemes,
	.open = pg_open,
	.close = pg_close,
	.exec = pg_exec,
	.begin = pg_begin,
	.prepare = pg_prepare,
	.finalize = pg_finalize,
	.bind_text = pg_bind_text,
	.bind_int = pg_bind_int,
	.step = pg_step,
	.col_text = pg_col_text,
	.col_int = pg_col_int,
	.col_null = pg_col_null,
	.defer = pg_defer,
	.sync = pg_sync,
	.changes = pg_changes,
	.reset = pg_reset,
	.errmsg = pg_errmsg,
	.update_rows = 1,
	.migrate_lock = "SELECT pg_advisory_xact_lock(hashtext('vigil desk migration'))",
	.migrations = pg_migrations,
	.nmigrations = sizeof(pg_migrations) / sizeof(pg_migrations[0]),
};
