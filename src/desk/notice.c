/*
 * notice.c - what the desk keeps about telling sites (see desk.h): per
 * incident who was told, the highest event told (so nothing goes out twice
 * and later events go out as updates), the follow-up stage and the reply;
 * and the evidence rows notifications list. The desk decides nothing here
 * but one workflow rule: a reply to a notice stops the follow-up and opens
 * the incident (desk_notice_replied, called when correspondence comes in).
 */
#include "desk/priv.h"
#include "util/err.h"
#include "util/vtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOTICE_COLS "incident_id, recipient, escalate, stage, last_event, first_sent, last_sent," \
		    " replied, message_id"

static void row_notice(struct desk *d, struct db_stmt *st, int c, struct desk_notice *n)
{
	const struct db_ops *o = d->ops;

	memset(n, 0, sizeof(*n));
	n->incident_id = o->col_int(st, c);
	desk_copy(n->recipient, sizeof(n->recipient), o->col_text(st, c + 1));
	desk_copy(n->escalate, sizeof(n->escalate), o->col_text(st, c + 2));
	n->stage = (int)o->col_int(st, c + 3);
	n->last_event = o->col_int(st, c + 4);
	n->first_sent = o->col_int(st, c + 5);
	n->last_sent = o->col_int(st, c + 6);
	n->replied = o->col_int(st, c + 7);
	desk_copy(n->message_id, sizeof(n->message_id), o->col_text(st, c + 8));
}

int desk_notice_get(struct desk *d, int64_t id, struct desk_notice *out)
{
	static const char SQL[] = "SELECT " NOTICE_COLS " FROM notice WHERE incident_id = $1";
	struct db_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!(st = desk_q(d, SQL)))
		return VIGIL_EDB;
	desk_bind_int(d, st, 1, id);
	rc = desk_step(d, st);
	if (rc == 1)
		row_notice(d, st, 0, out);
	d->ops->reset(st);
	return rc < 0 ? VIGIL_EDB : rc == 0 ? VIGIL_ENOTFOUND : 0;
}

int desk_untold(struct desk *d, const char *const *states, size_t nstates,
		int (*fn)(void *ctx, const struct desk_incident *inc, int64_t max_event,
			  int64_t told_event),
		void *ctx)
{
	char sql[1024];
	size_t len;
	struct db_stmt *st;
	struct desk_incident inc;
	int rc;

	if (!nstates || nstates > 8)
		return VIGIL_EINVAL;
	/* a statement of its own: the state list varies */
	len = (size_t)snprintf(sql, sizeof(sql),
			       "SELECT i.id, i.parent_id, i.merged_into, i.kind, i.state, i.owner,"
			       " i.site, i.subject, i.host, i.peer, i.first_seen, i.last_seen,"
			       " i.created, i.updated, i.resolved_at, i.events, i.dups, i.query,"
			       " i.due, m.top, COALESCE(n.last_event, 0)"
			       " FROM incident i JOIN (SELECT incident_id, MAX(id) AS top FROM event"
			       " GROUP BY incident_id) m ON m.incident_id = i.id"
			       " LEFT JOIN notice n ON n.incident_id = i.id"
			       " WHERE i.merged_into IS NULL AND m.top > COALESCE(n.last_event, 0)"
			       " AND i.state IN (");
	for (size_t i = 0; i < nstates; i++)
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, "%s$%zu", i ? ", " : "", i + 1);
	len += (size_t)snprintf(sql + len, sizeof(sql) - len, ") ORDER BY i.id");
	if (len >= sizeof(sql))
		return VIGIL_ELIMIT;
	if (d->ops->prepare(d->db, sql, &st))
		return VIGIL_EDB;
	for (size_t i = 0; i < nstates; i++)
		d->ops->bind_text(st, (int)i + 1, states[i]);
	while ((rc = desk_step(d, st)) == 1) {
		desk_row_incident(d, st, &inc);
		if (fn(ctx, &inc, d->ops->col_int(st, 19), d->ops->col_int(st, 20)))
			break;
	}
	d->ops->finalize(st);
	return rc < 0 ? VIGIL_EDB : 0;
}

int desk_events(struct desk *d, int64_t id, int64_t after, int64_t upto, size_t limit,
		int (*fn)(void *ctx, const struct desk_event *e), void *ctx)
{
	static const char SQL[] =
		"SELECT id, kind, host, peer, port, proto, first_ms, last_ms, flows, packets, bytes,"
		" score, why, query, source, doc FROM event WHERE incident_id = $1 AND id > $2"
		" AND id <= $3 ORDER BY id LIMIT $4";
	const struct db_ops *o = d->ops;
	struct db_stmt *st;
	struct desk_event e;
	int rc;

	if (!(st = desk_q(d, SQL)))
		return VIGIL_EDB;
	desk_bind_int(d, st, 1, id);
	desk_bind_int(d, st, 2, after);
	desk_bind_int(d, st, 3, upto > 0 ? upto : INT64_MAX);
	desk_bind_int(d, st, 4, limit ? (int64_t)limit : INT64_MAX);
	while ((rc = desk_step(d, st)) == 1) {
		memset(&e, 0, sizeof(e));
		e.id = o->col_int(st, 0);
		desk_copy(e.kind, sizeof(e.kind), o->col_text(st, 1));
		desk_copy(e.host, sizeof(e.host), o->col_text(st, 2));
		desk_copy(e.peer, sizeof(e.peer), o->col_text(st, 3));
		e.port = (int)o->col_int(st, 4);
		e.proto = (int)o->col_int(st, 5);
		e.first_ms = o->col_int(st, 6);
		e.last_ms = o->col_int(st, 7);
		e.flows = o->col_int(st, 8);
		e.packets = o->col_int(st, 9);
		e.bytes = o->col_int(st, 10);
		e.score = strtod(o->col_text(st, 11) ? o->col_text(st, 11) : "0", NULL);
		desk_copy(e.why, sizeof(e.why), o->col_text(st, 12));
		desk_copy(e.query, sizeof(e.query), o->col_text(st, 13));
		desk_copy(e.source, sizeof(e.source), o->col_text(st, 14));
		desk_copy(e.doc, sizeof(e.doc), o->col_text(st, 15));
		if (fn(ctx, &e))
			break;
	}
	d->ops->reset(st);
	return rc < 0 ? VIGIL_EDB : 0;
}

int desk_overdue(struct desk *d, int64_t now,
		 int (*fn)(void *ctx, const struct desk_incident *inc, const struct desk_notice *n),
		 void *ctx)
{
	static const char SQL[] =
		"SELECT i.id, i.parent_id, i.merged_into, i.kind, i.state, i.owner, i.site,"
		" i.subject, i.host, i.peer, i.first_seen, i.last_seen, i.created, i.updated,"
		" i.resolved_at, i.events, i.dups, i.query, i.due, n.incident_id, n.recipient,"
		" n.escalate, n.stage, n.last_event, n.first_sent, n.last_sent, n.replied,"
		" n.message_id FROM incident i JOIN notice n ON n.incident_id = i.id"
		" WHERE i.due > 0 AND i.due <= $1 AND n.replied = 0 AND i.merged_into IS NULL"
		" AND i.state NOT IN ('resolved', 'rejected') ORDER BY i.due, i.id";
	struct db_stmt *st;
	struct desk_incident inc;
	struct desk_notice n;
	int rc;

	/* the cached statement is reset by nested desk_q calls: read all first */
	struct {
		struct desk_incident inc;
		struct desk_notice n;
	} *rows = NULL, *grown;
	size_t nrows = 0, cap = 0;

	if (!(st = desk_q(d, SQL)))
		return VIGIL_EDB;
	desk_bind_int(d, st, 1, now);
	while ((rc = desk_step(d, st)) == 1) {
		desk_row_incident(d, st, &inc);
		row_notice(d, st, 19, &n);
		if (nrows == cap) {
			cap = cap ? cap * 2 : 64;
			if (!(grown = realloc(rows, cap * sizeof(*rows)))) {
				free(rows);
				d->ops->reset(st);
				return VIGIL_ENOMEM;
			}
			rows = grown;
		}
		rows[nrows].inc = inc;
		rows[nrows++].n = n;
	}
	d->ops->reset(st);
	if (rc < 0) {
		free(rows);
		return VIGIL_EDB;
	}
	for (size_t i = 0; i < nrows; i++)
		if (fn(ctx, &rows[i].inc, &rows[i].n))
			break;
	free(rows);
	return 0;
}

/* Inside a transaction: correspondence came in on incident id. A reply to
 * a notice stops its follow-up (replied, no due time) and opens an incident
 * that was new or stalled waiting for it. */
int desk_notice_replied(struct desk *d, const struct desk_incident *inc, const char *from)
{
	static const char SQL_REPLIED[] =
		"UPDATE notice SET replied = $2 WHERE incident_id = $1 AND replied = 0";
	static const char SQL_NODUE[] = "UPDATE incident SET due = 0, updated = $2 WHERE id = $1";
	struct db_stmt *st;
	int64_t now = vtime_now_ms();
	int rc;

	if (!(st = desk_q(d, SQL_REPLIED)))
		return VIGIL_EDB;
	desk_bind_int(d, st, 1, inc->id);
	desk_bind_int(d, st, 2, now);
	if (desk_run(d, st))
		return VIGIL_EDB;
	if (d->ops->changes(st) == 0)
		return 0; /* never told, or answered before */
	if (!(st = desk_q(d, SQL_NODUE)))
		return VIGIL_EDB;
	desk_bind_int(d, st, 1, inc->id);
	desk_bind_int(d, st, 2, now);
	if (desk_run(d, st))
		return VIGIL_EDB;
	if ((rc = desk_audit_json(d, inc->id, "reply",
				  json_pack("{s:s, s:s}", "from", from ? from : "", "followup",
					    "stopped"))))
		return rc;
	if (!strcmp(inc->state, "new") || !strcmp(inc->state, "stalled"))
		return desk_set_state(d, inc->id, inc->state, "open", "state", "the site replied");
	return 0;
}

int desk_notice_set(struct desk *d, int64_t id, int stage, int64_t due, const char *why)
{
	static const char SQL_STAGE[] = "UPDATE notice SET stage = $2 WHERE incident_id = $1";
	static const char SQL_DUE[] = "UPDATE incident SET due = $2, updated = $3 WHERE id = $1";
	struct db_stmt *st;
	int rc;

	if ((rc = desk_tx_begin(d)))
		return rc;
	rc = VIGIL_EDB;
	if (!(st = desk_q(d, SQL_STAGE)))
		goto fail;
	desk_bind_int(d, st, 1, id);
	desk_bind_int(d, st, 2, stage);
	if (desk_run(d, st))
		goto fail;
	if (d->ops->changes(st) == 0) {
		rc = VIGIL_ENOTFOUND;
		goto fail;
	}
	if (!(st = desk_q(d, SQL_DUE)))
		goto fail;
	desk_bind_int(d, st, 1, id);
	desk_bind_int(d, st, 2, due);
	desk_bind_int(d, st, 3, vtime_now_ms());
	if (desk_run(d, st))
		goto fail;
	if ((rc = desk_audit_json(d, id, "followup",
				  json_pack("{s:I, s:s}", "stage", (json_int_t)stage, "why",
					    why ? why : ""))))
		goto fail;
	return desk_tx_commit(d);
fail:
	desk_tx_rollback(d);
	return rc;
}
