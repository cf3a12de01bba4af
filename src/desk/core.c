/*
 * core.c - opening a desk: picking the backend from the URL through a const
 * table, applying the schema migrations in order (schema_version), the
 * prepared-statement cache, and write transactions that hold the audit head.
 */
#include "desk/priv.h"
#include "util/err.h"
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct db_ops *const backends[] = { &desk_sqlite_ops, &desk_pg_ops };

static const struct db_ops *pick_backend(const char *url)
{
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		for (const char *const *s = backends[i]->schemes; *s; s++)
			if (!strncmp(url, *s, strlen(*s)))
				return backends[i];
	return NULL;
}

/* Bring the schema to the newest version; each step in its own transaction. */
static int migrate(struct desk *d, char *err, size_t errlen)
{
	static const char SQL_VER[] = "SELECT version FROM schema_version";
	const struct db_ops *o = d->ops;
	int64_t ver = 0;
	struct db_stmt *st;
	int rc;

	if (o->migrate_lock && (o->begin(d->db) || o->exec(d->db, o->migrate_lock)))
		goto dberr;
	if (o->exec(d->db, "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")) {
		snprintf(err, errlen, "schema_version: %s", o->errmsg(d->db));
		if (o->migrate_lock)
			o->exec(d->db, "ROLLBACK");
		return VIGIL_EDB;
	}
	if (o->migrate_lock && o->exec(d->db, "COMMIT"))
		goto dberr;
	for (;;) {
		if (o->begin(d->db))
			goto dberr;
		if (o->migrate_lock && o->exec(d->db, o->migrate_lock))
			goto dberr_tx;
		st = desk_q(d, SQL_VER);
		if (!st)
			goto dberr_tx;
		rc = desk_step(d, st);
		if (rc < 0)
			goto dberr_tx;
		ver = rc ? o->col_int(st, 0) : -1;
		o->reset(st);
		if (ver < 0) {
			if (o->exec(d->db, "INSERT INTO schema_version VALUES (0)"))
				goto dberr_tx;
			ver = 0;
		}
		if ((size_t)ver > o->nmigrations) {
			o->exec(d->db, "ROLLBACK");
			snprintf(err, errlen, "desk schema version %lld is newer than this vigil",
				 (long long)ver);
			return VIGIL_EUNSUPPORTED;
		}
		if ((size_t)ver == o->nmigrations) {
			o->exec(d->db, "COMMIT");
			break;
		}
		if (o->exec(d->db, o->migrations[ver]))
			goto dberr_tx;
		if (o->exec(d->db, "UPDATE schema_version SET version = version + 1"))
			goto dberr_tx;
		if (o->exec(d->db, "COMMIT"))
			goto dberr;
		log_info("desk: schema migrated to version %lld", (long long)ver + 1);
	}
	return 0;
dberr_tx:
	snprintf(err, errlen, "migration: %s", o->errmsg(d->db));
	o->exec(d->db, "ROLLBACK");
	return VIGIL_EDB;
dberr:
	snprintf(err, errlen, "migration: %s", o->errmsg(d->db));
	return VIGIL_EDB;
}

int desk_open(const char *url, struct desk **out, char *err, size_t errlen)
{
	struct desk *d = NULL;
	const char *user = getenv("USER");
	int rc;

	if (!url || !*url)
		url = DESK_DEFAULT_URL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return VIGIL_ENOMEM;
	d->ops = pick_backend(url);
	if (!d->ops) {
		snprintf(err, errlen, "%s: unknown desk URL (use sqlite:PATH or postgresql://...)", url);
		rc = VIGIL_EINVAL;
		goto out;
	}
	d->window_ms = DESK_DEFAULT_WINDOW_MS;
	d->recurrence_ms = DESK_DEFAULT_RECURRENCE_MS;
	snprintf(d->actor, sizeof(d->actor), "%s", user && *user ? user : "vigil");
	rc = d->ops->open(url, &d->db, err, errlen);
	if (rc)
		goto out;
	rc = migrate(d, err, errlen);
	if (rc)
		goto out;
	*out = d;
	d = NULL;
out:
	desk_close(d);
	return rc;
}

void desk_close(struct desk *d)
{
	if (!d)
		return;
	if (d->in_tx)
		desk_tx_rollback(d);
	desk_audit_discard(d);
	for (size_t i = 0; i < d->nstmts; i++)
		d->ops->finalize(d->stmts[i].st);
	if (d->db)
		d->ops->close(d->db);
	free(d->kc);
	free(d->kdirty);
	for (size_t i = 0; i < d->nbatch; i++)
		free(d->batch[i].raw);
	free(d->batch);
	free(d->bset);
	free(d);
}

const char *desk_backend(const struct desk *d)
{
	return d->ops->name;
}

void desk_set_actor(struct desk *d, const char *actor)
{
	if (actor && *actor)
		snprintf(d->actor, sizeof(d->actor), "%s", actor);
}

void desk_set_windows(struct desk *d, int64_t window_ms, int64_t recurrence_ms)
{
	if (window_ms > 0)
		d->window_ms = window_ms;
	if (recurrence_ms > 0)
		d->recurrence_ms = recurrence_ms;
}

void desk_set_site_lookup(struct desk *d, desk_site_fn fn, void *ctx)
{
	d->site_fn = fn;
	d->site_ctx = ctx;
}

void desk_copy(char *dst, size_t n, const char *src)
{
	size_t l = src ? strlen(src) : 0;

	if (n == 0)
		return;
	if (l >= n)
		l = n - 1;
	if (l)
		memcpy(dst, src, l);
	dst[l] = '\0';
}

struct db_stmt *desk_q(struct desk *d, const char *sql)
{
	struct db_stmt *st;

	for (size_t i = 0; i < d->nstmts; i++) {
		if (d->stmts[i].sql == sql) {
			d->ops->reset(d->stmts[i].st);
			return d->stmts[i].st;
		}
	}
	if (d->nstmts == DESK_MAXSTMT) {
		log_error("desk: statement cache full");
		return NULL;
	}
	if (d->ops->prepare(d->db, sql, &st)) {
		log_error("desk: prepare failed: %s [%s]", d->ops->errmsg(d->db), sql);
		return NULL;
	}
	d->stmts[d->nstmts].sql = sql;
	d->stmts[d->nstmts].st = st;
	d->nstmts++;
	return st;
}

int desk_bind_text(struct desk *d, struct db_stmt *st, int i, const char *s)
{
	return d->ops->bind_text(st, i, s);
}

int desk_bind_int(struct desk *d, struct db_stmt *st, int i, int64_t v)
{
	return d->ops->bind_int(st, i, v);
}

int desk_step(struct desk *d, struct db_stmt *st)
{
	int rc = d->ops->step(st);

	if (rc < 0)
		log_error("desk: %s", d->ops->errmsg(d->db));
	return rc;
}

int desk_defer(struct desk *d, struct db_stmt *st, int64_t expect)
{
	int rc = d->ops->defer(st, expect);

	if (rc < 0)
		log_error("desk: %s", d->ops->errmsg(d->db));
	return rc;
}

int desk_run(struct desk *d, struct db_stmt *st)
{
	int rc;

	while ((rc = desk_step(d, st)) > 0)
		;
	return rc < 0 ? VIGIL_EDB : 0;
}

int desk_tx_begin(struct desk *d)
{
	static const char SQL_LOCK[] = "UPDATE audit_head SET seq = seq WHERE id = 1";
	static const char SQL_HEAD[] = "SELECT seq, hash FROM audit_head WHERE id = 1";
	struct db_stmt *st;

	if (d->in_tx)
		return VIGIL_ESTATE;
	if (d->ops->begin(d->db)) {
		log_error("desk: BEGIN: %s", d->ops->errmsg(d->db));
		return VIGIL_EDB;
	}
	d->in_tx = true;
	/* The UPDATE takes the head's row lock (PostgreSQL), so writers append in turn. */
	if (!(st = desk_q(d, SQL_LOCK)) || desk_run(d, st))
		goto fail;
	if (!(st = desk_q(d, SQL_HEAD)) || desk_step(d, st) != 1)
		goto fail;
	d->head_seq = d->ops->col_int(st, 0);
	snprintf(d->head_hash, sizeof(d->head_hash), "%s", d->ops->col_text(st, 1));
	d->ops->reset(st);
	d->head_dirty = false;
	/* Every change anyone makes is audited: an unmoved head means the
	 * incidents cached by the last ingest batch are still what is stored. */
	if (d->kc_used && d->head_seq != d->kc_head_seq)
		desk_kc_clear(d);
	return 0;
fail:
	desk_tx_rollback(d);
	return VIGIL_EDB;
}

int desk_tx_commit(struct desk *d)
{
	static const char SQL_SETHEAD[] = "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1";
	struct db_stmt *st;
	int misses;

	if (!d->in_tx)
		return VIGIL_ESTATE;
	if (desk_kc_flush(d) || desk_audit_flush(d))
		goto fail;
	if (d->head_dirty) {
		if (!(st = desk_q(d, SQL_SETHEAD)))
			goto fail;
		desk_bind_int(d, st, 1, d->head_seq);
		desk_bind_text(d, st, 2, d->head_hash);
		if (desk_defer(d, st, 0))
			goto fail;
	}
	misses = d->ops->sync(d->db);
	if (misses < 0) {
		log_error("desk: %s", d->ops->errmsg(d->db));
		goto fail;
	}
	if (misses > 0)
		return VIGIL_EEXIST;
	if (d->ops->exec(d->db, "COMMIT")) {
		log_error("desk: COMMIT: %s", d->ops->errmsg(d->db));
		goto fail;
	}
	d->in_tx = false;
	if (d->tx_ingest)
		d->kc_head_seq = d->head_seq;
	else
		desk_kc_clear(d);
	d->tx_ingest = false;
	return 0;
fail:
	desk_tx_rollback(d);
	return VIGIL_EDB;
}

void desk_tx_rollback(struct desk *d)
{
	if (d->in_tx)
		d->ops->exec(d->db, "ROLLBACK");
	d->ops->sync(d->db); /* forget queued outcomes */
	desk_audit_discard(d);
	d->in_tx = false;
	d->tx_ingest = false;
	d->head_dirty = false;
	desk_kc_clear(d);
}
