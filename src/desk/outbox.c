/*
 * outbox.c - the durable outbox (see desk.h): a composed mail is queued in
 * the same transaction that records what it tells (the notices), so a
 * crash either loses both or keeps both; it stays queued until the server
 * took it, and only then becomes correspondence on its incidents. A send
 * that fails waits for its next try; nothing is deleted.
 */
#include "desk/priv.h"
#include "util/b64.h"
#include "util/err.h"
#include "util/vtime.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAIL_COLS "id, message_id, kind, recipients, subject, incidents, created, next_try," \
		  " sent_at, tries, state, last_error"

static void row_mail(struct desk *d, struct db_stmt *st, struct desk_mail *m)
{
	const struct db_ops *o = d->ops;

	memset(m, 0, sizeof(*m));
	m->id = o->col_int(st, 0);
	desk_copy(m->message_id, sizeof(m->message_id), o->col_text(st, 1));
	desk_copy(m->kind, sizeof(m->kind), o->col_text(st, 2));
	desk_copy(m->recipients, sizeof(m->recipients), o->col_text(st, 3));
	desk_copy(m->subject, sizeof(m->subject), o->col_text(st, 4));
	desk_copy(m->incidents, sizeof(m->incidents), o->col_text(st, 5));
	m->created = o->col_int(st, 6);
	m->next_try = o->col_int(st, 7);
	m->sent_at = o->col_int(st, 8);
	m->tries = o->col_int(st, 9);
	desk_copy(m->state, sizeof(m->state), o->col_text(st, 10));
	desk_copy(m->last_error, sizeof(m->last_error), o->col_text(st, 11));
}

/* Calls fn(ctx, id) for each id of a comma-separated list; stops at the first error. */
static int each_id(const char *list, int (*fn)(struct desk *d, int64_t id, void *ctx),
		   struct desk *d, void *ctx)
{
	const char *p = list;
	char *end;
	int rc;

	while (*p) {
		long long v;

		errno = 0;
		v = strtoll(p, &end, 10);
		if (end == p || errno)
			return VIGIL_EFORMAT;
		if ((rc = fn(d, (int64_t)v, ctx)))
			return rc;
		p = end;
		while (*p == ',' || *p == ' ')
			p++;
	}
	return 0;
}

static int upsert_notice(struct desk *d, const struct desk_told *t, const struct desk_mail *m)
{
	static const char SQL_NEW[] =
		"INSERT INTO notice (incident_id, recipient, escalate, stage, last_event, first_sent,"
		" last_sent, message_id) VALUES ($1, $2, $3, $4, $5, $6, $6, $7)"
		" ON CONFLICT (incident_id) DO NOTHING";
	static const char SQL_UPD[] =
		"UPDATE notice SET stage = $2, last_event = $3, last_sent = $4,"
		" recipient = CASE WHEN $5 = '' THEN recipient ELSE $5 END,"
		" escalate = CASE WHEN $6 = '' THEN escalate ELSE $6 END WHERE incident_id = $1";
	static const char SQL_DUE[] = "UPDATE incident SET due = $2, updated = $3 WHERE id = $1";
	struct db_stmt *st;

	if (!(st = desk_q(d, SQL_NEW)))
		return VIGIL_EDB;
	desk_bind_int(d, st, 1, t->incident_id);
	desk_bind_text(d, st, 2, t->recipient ? t->recipient : m->recipients);
	desk_bind_text(d, st, 3, t->escalate ? t->escalate : "");
	desk_bind_int(d, st, 4, t->stage);
	desk_bind_int(d, st, 5, t->last_event);
	desk_bind_int(d, st, 6, m->created);
	desk_bind_text(d, st, 7, m->message_id);
	if (desk_run(d, st))
		return VIGIL_EDB;
	if (d->ops->changes(st) == 0) {
		if (!(st = desk_q(d, SQL_UPD)))
			return VIGIL_EDB;
		desk_bind_int(d, st, 1, t->incident_id);
		desk_bind_int(d, st, 2, t->stage);
		desk_bind_int(d, st, 3, t->last_event);
		desk_bind_int(d, st, 4, m->created);
		desk_bind_text(d, st, 5, t->recipient ? t->recipient : "");
		desk_bind_text(d, st, 6, t->escalate ? t->escalate : "");
		if (desk_run(d, st))
			return VIGIL_EDB;
	}
	if (t->due) {
		if (!(st = desk_q(d, SQL_DUE)))
			return VIGIL_EDB;
		desk_bind_int(d, st, 1, t->incident_id);
		desk_bind_int(d, st, 2, t->due < 0 ? 0 : t->due);
		desk_bind_int(d, st, 3, m->created);
		if (desk_run(d, st))
			return VIGIL_EDB;
	}
	return desk_audit_json(d, t->incident_id, "notify",
			       json_pack("{s:s, s:s, s:s, s:I, s:I}", "mail", m->message_id, "kind",
					 m->kind, "to", m->recipients, "stage", (json_int_t)t->stage,
					 "events_to", (json_int_t)t->last_event));
}

int desk_outbox_insert(struct desk *d, struct desk_mail *m, const void *raw, size_t len)
{
	static const char SQL_HAVE[] = "SELECT id FROM outbox WHERE message_id = $1";
	static const char SQL_ADD[] =
		"INSERT INTO outbox (message_id, kind, recipients, subject, incidents, created,"
		" next_try, state, raw) VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued', $8) RETURNING id";
	struct db_stmt *st;
	char *b64;
	int r;

	if (!m->message_id[0] || !m->recipients[0])
		return VIGIL_EINVAL;
	if (!m->created)
		m->created = vtime_now_ms();
	if (!m->next_try)
		m->next_try = m->created;
	if (!(st = desk_q(d, SQL_HAVE)))
		return VIGIL_EDB;
	desk_bind_text(d, st, 1, m->message_id);
	if ((r = desk_step(d, st)) < 0)
		return VIGIL_EDB;
	if (r == 1) {
		m->id = d->ops->col_int(st, 0);
		d->ops->reset(st);
		return VIGIL_EEXIST;
	}
	if (!(b64 = malloc(b64_len(len) + 1)))
		return VIGIL_ENOMEM;
	b64_encode(raw, len, b64);
	if (!(st = desk_q(d, SQL_ADD))) {
		free(b64);
		return VIGIL_EDB;
	}
	desk_bind_text(d, st, 1, m->message_id);
	desk_bind_text(d, st, 2, m->kind);
	desk_bind_text(d, st, 3, m->recipients);
	desk_bind_text(d, st, 4, m->subject);
	desk_bind_text(d, st, 5, m->incidents);
	desk_bind_int(d, st, 6, m->created);
	desk_bind_int(d, st, 7, m->next_try);
	desk_bind_text(d, st, 8, b64);
	r = desk_step(d, st);
	free(b64);
	if (r != 1) {
		d->ops->reset(st);
		return VIGIL_EDB;
	}
	m->id = d->ops->col_int(st, 0);
	d->ops->reset(st);
	snprintf(m->state, sizeof(m->state), "queued");
	return 0;
}

int desk_outbox_queue(struct desk *d, struct desk_mail *m, const void *raw, size_t len,
		      const struct desk_told *told, size_t n)
{
	int rc;

	if ((rc = desk_tx_begin(d)))
		return rc;
	if ((rc = desk_outbox_insert(d, m, raw, len)))
		goto fail;
	for (size_t i = 0; i < n; i++)
		if ((rc = upsert_notice(d, &told[i], m)))
			goto fail;
	if (!n && (rc = desk_audit_json(d, 0, "notify",
					json_pack("{s:s, s:s, s:s}", "mail", m->message_id, "kind",
						  m->kind, "to", m->recipients))))
		goto fail;
	return desk_tx_commit(d);
fail:
	desk_tx_rollback(d);
	return rc;
}

static int list_mails(struct desk *d, struct db_stmt *st,
		      int (*fn)(void *ctx, const struct desk_mail *m), void *ctx)
{
	struct desk_mail *v = NULL, *grown, m;
	size_t n = 0, cap = 0;
	int rc;

	/* read all rows first: fn may use the desk (and its statement cache) */
	while ((rc = desk_step(d, st)) == 1) {
		row_mail(d, st, &m);
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if (!(grown = realloc(v, cap * sizeof(*v)))) {
				free(v);
				d->ops->reset(st);
				return VIGIL_ENOMEM;
			}
			v = grown;
		}
		v[n++] = m;
	}
	d->ops->reset(st);
	if (rc < 0) {
		free(v);
		return VIGIL_EDB;
	}
	for (size_t i = 0; i < n; i++)
		if (fn(ctx, &v[i]))
			break;
	free(v);
	return 0;
}

int desk_outbox_due(struct desk *d, int64_t now, size_t limit,
		    int (*fn)(void *ctx, const struct desk_mail *m), void *ctx)
{
	static const char SQL[] = "SELECT " MAIL_COLS " FROM outbox WHERE state = 'queued'"
				  " AND next_try <= $1 ORDER BY next_try, id LIMIT $2";
	struct db_stmt *st = desk_q(d, SQL);

	if (!st)
		return VIGIL_EDB;
	desk_bind_int(d, st, 1, now);
	desk_bind_int(d, st, 2, limit ? (int64_t)limit : INT64_MAX);
	return list_mails(d, st, fn, ctx);
}

int desk_outbox_list(struct desk *d, const char *state, size_t limit,
		     int (*fn)(void *ctx, const struct desk_mail *m), void *ctx)
{
	static const char SQL_ALL[] = "SELECT " MAIL_COLS " FROM outbox ORDER BY id DESC LIMIT $1";
	static const char SQL_STATE[] = "SELECT " MAIL_COLS " FROM outbox WHERE state = $2"
					" ORDER BY id DESC LIMIT $1";
	struct db_stmt *st = desk_q(d, state ? SQL_STATE : SQL_ALL);

	if (!st)
		return VIGIL_EDB;
	desk_bind_int(d, st, 1, limit ? (int64_t)limit : INT64_MAX);
	if (state)
		desk_bind_text(d, st, 2, state);
	return list_mails(d, st, fn, ctx);
}

int desk_outbox_get(struct desk *d, const char *ref, struct desk_mail *out, char **raw,
		    size_t *len)
{
	static const char SQL_ID[] = "SELECT " MAIL_COLS ", raw FROM outbox WHERE id = $1";
	static const char SQL_MSGID[] = "SELECT " MAIL_COLS ", raw FROM outbox WHERE message_id = $1";
	struct db_stmt *st;
	char *end;
	long long v;
	int rc;

	errno = 0;
	v = strtoll(ref, &end, 10);
	if (end != ref && !*end && !errno) {
		if (!(st = desk_q(d, SQL_ID)))
			return VIGIL_EDB;
		desk_bind_int(d, st, 1, (int64_t)v);
	} else {
		char id[256];
		size_t n = strlen(ref);

		if (n && ref[0] == '<' && ref[n - 1] == '>')
			snprintf(id, sizeof(id), "%.*s", (int)(n - 2), ref + 1);
		else
			snprintf(id, sizeof(id), "%s", ref);
		if (!(st = desk_q(d, SQL_MSGID)))
			return VIGIL_EDB;
		desk_bind_text(d, st, 1, id);
	}
	rc = desk_step(d, st);
	if (rc != 1) {
		d->ops->reset(st);
		return rc < 0 ? VIGIL_EDB : VIGIL_ENOTFOUND;
	}
	row_mail(d, st, out);
	rc = 0;
	if (raw) {
		const char *s = d->ops->col_text(st, 12);
		size_t n = s ? strlen(s) : 0;
		unsigned char *b = malloc(n / 4 * 3 + 4);

		if (!b)
			rc = VIGIL_ENOMEM;
		else if (b64_decode(s ? s : "", n, b, len)) {
			free(b);
			rc = VIGIL_EFORMAT;
		} else {
			b[*len] = 0;
			*raw = (char *)b;
		}
	}
	d->ops->reset(st);
	return rc;
}

struct sent_ctx {
	const struct desk_mail *m;
	const char *body;
};

static int sent_one(struct desk *d, int64_t id, void *ctx)
{
	static const char SQL_NOTE[] =
		"INSERT INTO investigation (incident_id, time, actor, direction, correspondent, subject, body)"
		" VALUES ($1, $2, $3, 'out', $4, $5, $6)";
	const struct sent_ctx *c = ctx;
	struct db_stmt *st = desk_q(d, SQL_NOTE);

	if (!st)
		return VIGIL_EDB;
	desk_bind_int(d, st, 1, id);
	desk_bind_int(d, st, 2, c->m->sent_at);
	desk_bind_text(d, st, 3, d->actor);
	desk_bind_text(d, st, 4, c->m->recipients);
	desk_bind_text(d, st, 5, c->m->subject);
	desk_bind_text(d, st, 6, c->body);
	if (desk_run(d, st))
		return VIGIL_EDB;
	return desk_audit_json(d, id, "mail-sent",
			       json_pack("{s:s, s:s, s:s, s:s}", "mail", c->m->message_id, "kind",
					 c->m->kind, "to", c->m->recipients, "subject",
					 c->m->subject));
}

int desk_outbox_sent(struct desk *d, int64_t id, int64_t now)
{
	static const char SQL[] = "UPDATE outbox SET state = 'sent', sent_at = $2, tries = tries + 1,"
				  " last_error = '' WHERE id = $1 AND state = 'queued'";
	struct desk_mail m;
	struct sent_ctx c;
	struct db_stmt *st;
	char ref[24], *raw = NULL;
	size_t len = 0;
	int rc;

	snprintf(ref, sizeof(ref), "%lld", (long long)id);
	if ((rc = desk_outbox_get(d, ref, &m, &raw, &len)))
		return rc;
	if ((rc = desk_tx_begin(d)))
		goto out;
	rc = VIGIL_EDB;
	if (!(st = desk_q(d, SQL)))
		goto fail;
	desk_bind_int(d, st, 1, id);
	desk_bind_int(d, st, 2, now);
	if (desk_run(d, st))
		goto fail;
	if (d->ops->changes(st) == 0) {
		rc = VIGIL_ESTATE; /* sent already (or failed for good) */
		goto fail;
	}
	m.sent_at = now;
	c.m = &m;
	c.body = raw;
	if (strchr(m.incidents, ',')) {
		/* a digest is kept once, in the outbox; each incident refers to it */
		char ref2[400];

		snprintf(ref2, sizeof(ref2),
			 "Sent in digest mail %lld <%s> with other incidents: `vigil notify show %lld`.",
			 (long long)m.id, m.message_id, (long long)m.id);
		free(raw);
		raw = strdup(ref2);
		c.body = raw ? raw : "";
	}
	if (m.incidents[0] && (rc = each_id(m.incidents, sent_one, d, &c)))
		goto fail;
	if (!m.incidents[0] &&
	    (rc = desk_audit_json(d, 0, "mail-sent",
				  json_pack("{s:s, s:s, s:s}", "mail", m.message_id, "kind", m.kind,
					    "to", m.recipients))))
		goto fail;
	rc = desk_tx_commit(d);
	goto out;
fail:
	desk_tx_rollback(d);
out:
	free(raw);
	return rc;
}

struct fail_ctx {
	const struct desk_mail *m;
	const char *why;
	bool give_up;
};

static int failed_one(struct desk *d, int64_t id, void *ctx)
{
	const struct fail_ctx *c = ctx;

	return desk_audit_json(d, id, c->give_up ? "mail-failed" : "mail-deferred",
			       json_pack("{s:s, s:s, s:I, s:s}", "mail", c->m->message_id, "to",
					 c->m->recipients, "tries", (json_int_t)c->m->tries + 1,
					 "error", c->why));
}

int desk_outbox_failed(struct desk *d, int64_t id, const char *why, int64_t next_try,
		       bool give_up)
{
	static const char SQL[] = "UPDATE outbox SET state = $2, next_try = $3, tries = tries + 1,"
				  " last_error = $4 WHERE id = $1 AND state = 'queued'";
	struct desk_mail m;
	struct fail_ctx c = { .m = &m, .why = why ? why : "", .give_up = give_up };
	struct db_stmt *st;
	char ref[24];
	int rc;

	snprintf(ref, sizeof(ref), "%lld", (long long)id);
	if ((rc = desk_outbox_get(d, ref, &m, NULL, NULL)))
		return rc;
	if ((rc = desk_tx_begin(d)))
		return rc;
	rc = VIGIL_EDB;
	if (!(st = desk_q(d, SQL)))
		goto fail;
	desk_bind_int(d, st, 1, id);
	desk_bind_text(d, st, 2, give_up ? "failed" : "queued");
	desk_bind_int(d, st, 3, next_try);
	desk_bind_text(d, st, 4, c.why);
	if (desk_run(d, st))
		goto fail;
	if (d->ops->changes(st) == 0) {
		rc = VIGIL_ESTATE;
		goto fail;
	}
	if (m.incidents[0] ? (rc = each_id(m.incidents, failed_one, d, &c)) != 0
			   : (rc = failed_one(d, 0, &c)) != 0)
		goto fail;
	return desk_tx_commit(d);
fail:
	desk_tx_rollback(d);
	return rc;
}

int desk_outbox_retry(struct desk *d, int64_t id, int64_t now)
{
	static const char SQL_ONE[] = "UPDATE outbox SET state = 'queued', next_try = $2"
				      " WHERE id = $1 AND state = 'failed'";
	static const char SQL_ALL[] = "UPDATE outbox SET state = 'queued', next_try = $2"
				      " WHERE state = 'failed' AND $1 = 0";
	struct db_stmt *st;
	int64_t n;
	int rc;

	if ((rc = desk_tx_begin(d)))
		return rc;
	rc = VIGIL_EDB;
	if (!(st = desk_q(d, id ? SQL_ONE : SQL_ALL)))
		goto fail;
	desk_bind_int(d, st, 1, id);
	desk_bind_int(d, st, 2, now);
	if (desk_run(d, st))
		goto fail;
	n = d->ops->changes(st);
	if ((rc = desk_audit_json(d, 0, "mail-retry",
				  json_pack("{s:I, s:I}", "mail", (json_int_t)id, "requeued",
					    (json_int_t)n))))
		goto fail;
	if ((rc = desk_tx_commit(d)))
		return rc;
	return (int)(n > 1000000 ? 1000000 : n);
fail:
	desk_tx_rollback(d);
	return rc;
}

int desk_kv_get(struct desk *d, const char *key, int64_t *n, char *v, size_t vn)
{
	static const char SQL[] = "SELECT n, v FROM kv WHERE k = $1";
	struct db_stmt *st = desk_q(d, SQL);
	int rc;

	if (!st)
		return VIGIL_EDB;
	desk_bind_text(d, st, 1, key);
	rc = desk_step(d, st);
	if (rc == 1) {
		if (n)
			*n = d->ops->col_int(st, 0);
		if (v)
			desk_copy(v, vn, d->ops->col_text(st, 1));
	}
	d->ops->reset(st);
	return rc < 0 ? VIGIL_EDB : rc == 0 ? VIGIL_ENOTFOUND : 0;
}

int desk_kv_set(struct desk *d, const char *key, int64_t n, const char *v)
{
	static const char SQL[] = "INSERT INTO kv (k, n, v) VALUES ($1, $2, $3)"
				  " ON CONFLICT (k) DO UPDATE SET n = excluded.n, v = excluded.v";
	struct db_stmt *st;
	int rc;

	if ((rc = desk_tx_begin(d)))
		return rc;
	if (!(st = desk_q(d, SQL))) {
		desk_tx_rollback(d);
		return VIGIL_EDB;
	}
	desk_bind_text(d, st, 1, key);
	desk_bind_int(d, st, 2, n);
	desk_bind_text(d, st, 3, v ? v : "");
	if (desk_run(d, st)) {
		desk_tx_rollback(d);
		return VIGIL_EDB;
	}
	return desk_tx_commit(d);
}
