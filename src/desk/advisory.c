/*
 * advisory.c - advisories kept as records (see desk.h): the text, how its
 * recipients were chosen, and which site got it as which mail, so an
 * advisory is never sent twice to a site and the team can say who was told.
 */
#include "desk/priv.h"
#include "util/err.h"
#include "util/vtime.h"

#include <stdlib.h>
#include <string.h>

int desk_advisory_new(struct desk *d, const char *title, const char *body, const char *selector,
		      int64_t *id)
{
	static const char SQL[] = "INSERT INTO advisory (title, body, selector, created, actor)"
				  " VALUES ($1, $2, $3, $4, $5) RETURNING id";
	struct db_stmt *st;
	int rc;

	if (!title || !*title || !body)
		return VIGIL_EINVAL;
	if ((rc = desk_tx_begin(d)))
		return rc;
	rc = VIGIL_EDB;
	if (!(st = desk_q(d, SQL)))
		goto fail;
	desk_bind_text(d, st, 1, title);
	desk_bind_text(d, st, 2, body);
	desk_bind_text(d, st, 3, selector ? selector : "all");
	desk_bind_int(d, st, 4, vtime_now_ms());
	desk_bind_text(d, st, 5, d->actor);
	if (desk_step(d, st) != 1) {
		d->ops->reset(st);
		goto fail;
	}
	*id = d->ops->col_int(st, 0);
	d->ops->reset(st);
	if ((rc = desk_audit_json(d, 0, "advisory",
				  json_pack("{s:I, s:s, s:s}", "advisory", (json_int_t)*id, "title",
					    title, "selector", selector ? selector : "all"))))
		goto fail;
	return desk_tx_commit(d);
fail:
	desk_tx_rollback(d);
	return rc;
}

#define ADV_COLS "a.id, a.title, a.selector, a.actor, a.created, a.sent_at," \
		 " (SELECT COUNT(*) FROM advisory_rcpt r WHERE r.advisory_id = a.id), a.body"

static void row_advisory(struct desk *d, struct db_stmt *st, struct desk_advisory *a)
{
	memset(a, 0, sizeof(*a));
	a->id = d->ops->col_int(st, 0);
	desk_copy(a->title, sizeof(a->title), d->ops->col_text(st, 1));
	desk_copy(a->selector, sizeof(a->selector), d->ops->col_text(st, 2));
	desk_copy(a->actor, sizeof(a->actor), d->ops->col_text(st, 3));
	a->created = d->ops->col_int(st, 4);
	a->sent_at = d->ops->col_int(st, 5);
	a->recipients = d->ops->col_int(st, 6);
}

int desk_advisory_get(struct desk *d, int64_t id, struct desk_advisory *out, char **body)
{
	static const char SQL[] = "SELECT " ADV_COLS " FROM advisory a WHERE a.id = $1";
	struct db_stmt *st = desk_q(d, SQL);
	int rc;

	if (!st)
		return VIGIL_EDB;
	desk_bind_int(d, st, 1, id);
	rc = desk_step(d, st);
	if (rc != 1) {
		d->ops->reset(st);
		return rc < 0 ? VIGIL_EDB : VIGIL_ENOTFOUND;
	}
	row_advisory(d, st, out);
	rc = 0;
	if (body && !(*body = strdup(d->ops->col_text(st, 7) ? d->ops->col_text(st, 7) : "")))
		rc = VIGIL_ENOMEM;
	d->ops->reset(st);
	return rc;
}

int desk_advisory_list(struct desk *d, int (*fn)(void *ctx, const struct desk_advisory *a),
		       void *ctx)
{
	static const char SQL[] = "SELECT " ADV_COLS " FROM advisory a ORDER BY a.id DESC";
	struct db_stmt *st = desk_q(d, SQL);
	struct desk_advisory a;
	int rc;

	if (!st)
		return VIGIL_EDB;
	while ((rc = desk_step(d, st)) == 1) {
		row_advisory(d, st, &a);
		if (fn(ctx, &a))
			break;
	}
	d->ops->reset(st);
	return rc < 0 ? VIGIL_EDB : 0;
}

int desk_advisory_queue(struct desk *d, int64_t id, const char *site, const char *hosts,
			struct desk_mail *m, const void *raw, size_t len)
{
	static const char SQL[] = "INSERT INTO advisory_rcpt (advisory_id, site, recipient, hosts,"
				  " message_id) VALUES ($1, $2, $3, $4, $5)"
				  " ON CONFLICT (advisory_id, site) DO NOTHING";
	struct db_stmt *st;
	int rc;

	if ((rc = desk_tx_begin(d)))
		return rc;
	rc = VIGIL_EDB;
	if (!(st = desk_q(d, SQL)))
		goto fail;
	desk_bind_int(d, st, 1, id);
	desk_bind_text(d, st, 2, site);
	desk_bind_text(d, st, 3, m->recipients);
	desk_bind_text(d, st, 4, hosts ? hosts : "");
	desk_bind_text(d, st, 5, m->message_id);
	if (desk_run(d, st))
		goto fail;
	if (d->ops->changes(st) == 0) {
		rc = VIGIL_EEXIST;
		goto fail;
	}
	if ((rc = desk_outbox_insert(d, m, raw, len)))
		goto fail;
	if ((rc = desk_audit_json(d, 0, "advisory-recipient",
				  json_pack("{s:I, s:s, s:s, s:s}", "advisory", (json_int_t)id,
					    "site", site, "to", m->recipients, "mail",
					    m->message_id))))
		goto fail;
	return desk_tx_commit(d);
fail:
	desk_tx_rollback(d);
	return rc;
}

int desk_advisory_rcpts(struct desk *d, int64_t id,
			int (*fn)(void *ctx, const char *site, const char *recipient,
				  const char *hosts, const char *message_id),
			void *ctx)
{
	static const char SQL[] = "SELECT site, recipient, hosts, message_id FROM advisory_rcpt"
				  " WHERE advisory_id = $1 ORDER BY site";
	struct db_stmt *st = desk_q(d, SQL);
	int rc;

	if (!st)
		return VIGIL_EDB;
	desk_bind_int(d, st, 1, id);
	while ((rc = desk_step(d, st)) == 1)
		if (fn(ctx, d->ops->col_text(st, 0), d->ops->col_text(st, 1),
		       d->ops->col_text(st, 2), d->ops->col_text(st, 3)))
			break;
	d->ops->reset(st);
	return rc < 0 ? VIGIL_EDB : 0;
}

int desk_advisory_sent(struct desk *d, int64_t id, int64_t now)
{
	static const char SQL[] = "UPDATE advisory SET sent_at = $2 WHERE id = $1";
	struct db_stmt *st;
	int rc;

	if ((rc = desk_tx_begin(d)))
		return rc;
	rc = VIGIL_EDB;
	if (!(st = desk_q(d, SQL)))
		goto fail;
	desk_bind_int(d, st, 1, id);
	desk_bind_int(d, st, 2, now);
	if (desk_run(d, st))
		goto fail;
	if ((rc = desk_audit_json(d, 0, "advisory-sent",
				  json_pack("{s:I}", "advisory", (json_int_t)id))))
		goto fail;
	return desk_tx_commit(d);
fail:
	desk_tx_rollback(d);
	return rc;
}
