/*
 * stats.c - counts over the desk for dashboards and /metrics: incidents by
 * state, by site, a site's incidents per day, events, mails waiting and
 * active blocks. Each is one aggregate query.
 */
#include "desk/priv.h"
#include "util/err.h"

#include <stdlib.h>
#include <string.h>

/* Run sql (params: text t, then ints v) and call fn(name, count) per row. */
static int each_count(struct desk *d, const char *sql, const char *t, const int64_t *v, int nv,
		      int (*fn)(void *ctx, const char *name, int64_t n), void *ctx)
{
	struct db_stmt *st = NULL;
	int rc, p = 1;

	if (d->ops->prepare(d->db, sql, &st))
		return VIGIL_EDB;
	if (t)
		d->ops->bind_text(st, p++, t);
	for (int i = 0; i < nv; i++)
		d->ops->bind_int(st, p++, v[i]);
	while ((rc = desk_step(d, st)) == 1) {
		const char *name = d->ops->col_text(st, 0);

		if (fn(ctx, name ? name : "", d->ops->col_int(st, 1)))
			break;
	}
	d->ops->finalize(st);
	return rc < 0 ? VIGIL_EDB : 0;
}

int desk_count_by_state(struct desk *d, int (*fn)(void *ctx, const char *state, int64_t n),
			void *ctx)
{
	return each_count(d, "SELECT state, COUNT(*) FROM incident WHERE merged_into IS NULL"
			     " GROUP BY state ORDER BY state", NULL, NULL, 0, fn, ctx);
}

int desk_count_by_site(struct desk *d, int (*fn)(void *ctx, const char *site, int64_t open),
		       void *ctx)
{
	return each_count(d, "SELECT site, SUM(CASE WHEN state IN ('resolved', 'rejected')"
			     " THEN 0 ELSE 1 END) FROM incident WHERE merged_into IS NULL"
			     " AND site <> '' GROUP BY site ORDER BY site", NULL, NULL, 0, fn, ctx);
}

struct day_ctx {
	int (*fn)(void *ctx, int64_t day_ms, int64_t n);
	void *ctx;
};

static int day_row(void *ctx, const char *name, int64_t n)
{
	struct day_ctx *c = ctx;
	char *end;
	long long day = strtoll(name, &end, 10);

	return c->fn(c->ctx, (int64_t)day * 86400000LL, n);
}

int desk_count_by_day(struct desk *d, const char *site, int64_t from, int64_t to,
		      int (*fn)(void *ctx, int64_t day_ms, int64_t n), void *ctx)
{
	int64_t v[2] = { from, to };
	struct day_ctx c = { fn, ctx };

	return each_count(d, "SELECT CAST(created / 86400000 AS TEXT), COUNT(*) FROM incident"
			     " WHERE site = $1 AND created >= $2 AND created < $3 AND merged_into IS NULL"
			     " GROUP BY created / 86400000 ORDER BY created / 86400000",
			  site, v, 2, day_row, &c);
}

static int one_int(struct desk *d, const char *sql, int64_t *n)
{
	struct db_stmt *st = NULL;
	int rc;

	*n = 0;
	if (d->ops->prepare(d->db, sql, &st))
		return VIGIL_EDB;
	rc = desk_step(d, st);
	if (rc == 1)
		*n = d->ops->col_int(st, 0);
	d->ops->finalize(st);
	return rc < 0 ? VIGIL_EDB : 0;
}

int desk_count_events(struct desk *d, int64_t *n)
{
	return one_int(d, "SELECT COALESCE(MAX(id), 0) FROM event", n);
}

int desk_count_mail_pending(struct desk *d, int64_t *n)
{
	return one_int(d, "SELECT COUNT(*) FROM outbox WHERE state = 'queued'", n);
}
