/*
 * incident.c - what analysts do to incidents: create, set fields (with the
 * RTIR-like workflow check on state), note/correspond, record blocks, merge,
 * split, link. Each public call is one transaction and writes its audit
 * entries in it, so a change and its audit row commit or vanish together.
 */
#include "desk/priv.h"
#include "util/err.h"
#include "util/vtime.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void col_copy(struct desk *d, struct db_stmt *st, int i, char *dst, size_t n)
{
	const char *s = d->ops->col_text(st, i);

	snprintf(dst, n, "%s", s ? s : "");
}

void desk_row_incident(struct desk *d, struct db_stmt *st, struct desk_incident *inc)
{
	const struct db_ops *o = d->ops;

	inc->id = o->col_int(st, 0);
	inc->parent_id = o->col_null(st, 1) ? 0 : o->col_int(st, 1);
	inc->merged_into = o->col_null(st, 2) ? 0 : o->col_int(st, 2);
	col_copy(d, st, 3, inc->kind, sizeof(inc->kind));
	col_copy(d, st, 4, inc->state, sizeof(inc->state));
	col_copy(d, st, 5, inc->owner, sizeof(inc->owner));
	col_copy(d, st, 6, inc->site, sizeof(inc->site));
	col_copy(d, st, 7, inc->subject, sizeof(inc->subject));
	col_copy(d, st, 8, inc->host, sizeof(inc->host));
	col_copy(d, st, 9, inc->peer, sizeof(inc->peer));
	inc->first_seen = o->col_int(st, 10);
	inc->last_seen = o->col_int(st, 11);
	inc->created = o->col_int(st, 12);
	inc->updated = o->col_int(st, 13);
	inc->resolved_at = o->col_int(st, 14);
	inc->events = o->col_int(st, 15);
	inc->dups = o->col_int(st, 16);
	col_copy(d, st, 17, inc->query, sizeof(inc->query));
	inc->due = o->col_int(st, 18);
}

int desk_load(struct desk *d, int64_t id, struct desk_incident *inc)
{
	static const char SQL_GET[] = "SELECT " INC_COLS " FROM incident WHERE id = $1";
	struct db_stmt *st;
	int rc;

	memset(inc, 0, sizeof(*inc));
	if (!(st = desk_q(d, SQL_GET)))
		return VIGIL_EDB;
	desk_bind_int(d, st, 1, id);
	rc = desk_step(d, st);
	if (rc == 1)
		desk_row_incident(d, st, inc);
	d->ops->reset(st);
	return rc < 0 ? VIGIL_EDB : rc == 0 ? VIGIL_ENOTFOUND : 0;
}

int desk_get(struct desk *d, int64_t id, struct desk_incident *out)
{
	return desk_load(d, id, out);
}

/* A compact JSON object text from a jansson object (stolen); caller frees. */
static char *detail_of(json_t *o)
{
	char *s = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

	json_decref(o);
	return s;
}

int desk_audit_json(struct desk *d, int64_t id, const char *action, json_t *o)
{
	char *s = detail_of(o);
	int rc;

	if (!s)
		return VIGIL_ENOMEM;
	rc = desk_audit_add(d, id, action, s);
	free(s);
	return rc;
}

int desk_create(struct desk *d, const struct desk_incident *inc, const char *key,
		const char *ckey, const char *why, int64_t *id)
{
	static const char SQL_NEW[] =
		"INSERT INTO incident (key, ckey, kind, state, owner, site, subject, host, peer,"
		" first_seen, last_seen, created, updated, query)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13) RETURNING id";
	struct db_stmt *st;
	int64_t now = vtime_now_ms();

	if (!(st = desk_q(d, SQL_NEW)))
		return VIGIL_EDB;
	desk_bind_text(d, st, 1, key);
	desk_bind_text(d, st, 2, ckey);
	desk_bind_text(d, st, 3, inc->kind);
	desk_bind_text(d, st, 4, inc->state[0] ? inc->state : "new");
	desk_bind_text(d, st, 5, inc->owner);
	desk_bind_text(d, st, 6, inc->site);
	desk_bind_text(d, st, 7, inc->subject);
	desk_bind_text(d, st, 8, inc->host);
	desk_bind_text(d, st, 9, inc->peer);
	desk_bind_int(d, st, 10, inc->first_seen);
	desk_bind_int(d, st, 11, inc->last_seen);
	desk_bind_int(d, st, 12, now);
	desk_bind_text(d, st, 13, inc->query);
	if (desk_step(d, st) != 1) {
		d->ops->reset(st);
		return VIGIL_EDB;
	}
	*id = d->ops->col_int(st, 0);
	d->ops->reset(st);
	return desk_audit_json(d, *id, "create",
			  json_pack("{s:s, s:s, s:s, s:s, s:s}", "kind", inc->kind, "host", inc->host,
				    "peer", inc->peer, "site", inc->site, "why", why ? why : ""));
}

int desk_set_state(struct desk *d, int64_t id, const char *from, const char *to,
		   const char *action, const char *note)
{
	static const char SQL_STATE[] =
		"UPDATE incident SET state = $1, updated = $2, resolved_at = $3 WHERE id = $4";
	static const char SQL_STATE_KEEP[] =
		"UPDATE incident SET state = $1, updated = $2 WHERE id = $3";
	int64_t now = vtime_now_ms();
	bool closing = !strcmp(to, "resolved") || !strcmp(to, "rejected");
	struct db_stmt *st = desk_q(d, closing ? SQL_STATE : SQL_STATE_KEEP);

	if (!st)
		return VIGIL_EDB;
	desk_bind_text(d, st, 1, to);
	desk_bind_int(d, st, 2, now);
	if (closing) {
		desk_bind_int(d, st, 3, now);
		desk_bind_int(d, st, 4, id);
	} else {
		desk_bind_int(d, st, 3, id);
	}
	if (desk_run(d, st))
		return VIGIL_EDB;
	return desk_audit_json(d, id, action, json_pack("{s:s, s:s, s:s}", "from", from, "to", to,
						   "note", note ? note : ""));
}

int desk_incident_new(struct desk *d, const char *kind, const char *host, const char *site,
		      const char *subject, int64_t *id)
{
	struct desk_incident inc;
	struct vaddr a;
	char key[160];
	int rc;

	if (!kind || !*kind || !host || addr_parse(host, &a))
		return VIGIL_EINVAL;
	memset(&inc, 0, sizeof(inc));
	desk_copy(inc.kind, sizeof(inc.kind), kind);
	addr_format(&a, inc.host);
	desk_copy(inc.site, sizeof(inc.site), site ? site : "");
	desk_copy(inc.subject, sizeof(inc.subject), subject ? subject : "");
	snprintf(inc.state, sizeof(inc.state), "new");
	inc.first_seen = inc.last_seen = vtime_now_ms();
	snprintf(key, sizeof(key), "%s|%s", inc.kind, inc.host);
	if ((rc = desk_tx_begin(d)))
		return rc;
	if ((rc = desk_create(d, &inc, key, "", "created by hand", id))) {
		desk_tx_rollback(d);
		return rc;
	}
	return desk_tx_commit(d);
}

int desk_incident_set(struct desk *d, int64_t id, const char *field, const char *value,
		      char *err, size_t errlen)
{
	static const char SQL_OWNER[] = "UPDATE incident SET owner = $1, updated = $2 WHERE id = $3";
	static const char SQL_SITE[] = "UPDATE incident SET site = $1, updated = $2 WHERE id = $3";
	static const char SQL_SUBJ[] = "UPDATE incident SET subject = $1, updated = $2 WHERE id = $3";
	static const char SQL_PARENT[] = "UPDATE incident SET parent_id = $1, updated = $2 WHERE id = $3";
	struct desk_incident inc;
	const char *sql = NULL, *old = NULL;
	int rc;

	if ((rc = desk_tx_begin(d)))
		return rc;
	if ((rc = desk_load(d, id, &inc))) {
		snprintf(err, errlen, "no incident %lld", (long long)id);
		goto fail;
	}
	if (!strcmp(field, "state")) {
		if (!desk_transition_ok(inc.state, value)) {
			snprintf(err, errlen, "incident %lld: %s -> %s is not allowed "
				 "(new -> open -> stalled|blocked -> resolved; any -> rejected; "
				 "resolved|rejected -> open)", (long long)id, inc.state, value);
			rc = VIGIL_ESTATE;
			goto fail;
		}
		if ((rc = desk_set_state(d, id, inc.state, value, "state", NULL)))
			goto fail;
		return desk_tx_commit(d);
	}
	if (!strcmp(field, "owner")) {
		sql = SQL_OWNER;
		old = inc.owner;
	} else if (!strcmp(field, "site")) {
		sql = SQL_SITE;
		old = inc.site;
	} else if (!strcmp(field, "subject")) {
		sql = SQL_SUBJ;
		old = inc.subject;
	} else if (!strcmp(field, "parent")) {
		sql = SQL_PARENT;
		old = "";
	} else {
		snprintf(err, errlen, "unknown field '%s' (state, owner, site, subject, parent)", field);
		rc = VIGIL_EINVAL;
		goto fail;
	}
	struct db_stmt *st = desk_q(d, sql);
	if (!st) {
		rc = VIGIL_EDB;
		goto fail;
	}
	if (sql == SQL_PARENT) {
		struct desk_incident p;
		int64_t pid = strtoll(value, NULL, 10);

		if (pid == id || desk_load(d, pid, &p)) {
			snprintf(err, errlen, "no incident %s to be the parent", value);
			rc = VIGIL_EINVAL;
			goto fail;
		}
		st = desk_q(d, sql);
		desk_bind_int(d, st, 1, pid);
	} else {
		desk_bind_text(d, st, 1, value);
	}
	desk_bind_int(d, st, 2, vtime_now_ms());
	desk_bind_int(d, st, 3, id);
	if ((rc = desk_run(d, st)))
		goto fail;
	if ((rc = desk_audit_json(d, id, field, json_pack("{s:s, s:s}", "from", old, "to", value))))
		goto fail;
	return desk_tx_commit(d);
fail:
	if (!err[0])
		snprintf(err, errlen, "%s", vigil_strerror(rc));
	desk_tx_rollback(d);
	return rc;
}

int desk_incident_note(struct desk *d, int64_t id, const char *direction,
		       const char *correspondent, const char *subject, const char *body)
{
	static const char SQL_NOTE[] =
		"INSERT INTO investigation (incident_id, time, actor, direction, correspondent, subject, body)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7)";
	struct desk_incident inc;
	struct db_stmt *st;
	int rc;

	if (!direction || (strcmp(direction, "note") && strcmp(direction, "in") && strcmp(direction, "out")))
		return VIGIL_EINVAL;
	if ((rc = desk_tx_begin(d)))
		return rc;
	if ((rc = desk_load(d, id, &inc)))
		goto fail;
	rc = VIGIL_EDB;
	if (!(st = desk_q(d, SQL_NOTE)))
		goto fail;
	desk_bind_int(d, st, 1, id);
	desk_bind_int(d, st, 2, vtime_now_ms());
	desk_bind_text(d, st, 3, d->actor);
	desk_bind_text(d, st, 4, direction);
	desk_bind_text(d, st, 5, correspondent ? correspondent : "");
	desk_bind_text(d, st, 6, subject ? subject : "");
	desk_bind_text(d, st, 7, body ? body : "");
	if (desk_run(d, st))
		goto fail;
	if ((rc = desk_audit_json(d, id, !strcmp(direction, "note") ? "note" : "correspond",
			     json_pack("{s:s, s:s, s:s, s:s}", "direction", direction, "to",
				       correspondent ? correspondent : "", "subject",
				       subject ? subject : "", "body", body ? body : ""))))
		goto fail;
	if (!strcmp(direction, "in") && (rc = desk_notice_replied(d, &inc, correspondent)))
		goto fail;
	return desk_tx_commit(d);
fail:
	desk_tx_rollback(d);
	return rc;
}

/* The v1 call, kept for `vigil incident note --block/--unblock`: an active
 * block without an end, or the end of incident id's live block of target. */
struct find_live {
	char prefix[PREFIX_STRLEN];
	int64_t id;
};

static int find_live(void *ctx, const struct desk_block *b)
{
	struct find_live *f = ctx;

	if (strcmp(b->prefix, f->prefix))
		return 0;
	f->id = b->id;
	return 1;
}

int desk_incident_block(struct desk *d, int64_t id, const char *target, const char *reason,
			bool remove)
{
	struct desk_block_filter f = { .state = "live", .incident_id = id };
	struct find_live fl = { .id = 0 };
	struct desk_incident inc;
	struct vprefix p;
	char err[256] = "";
	int64_t bid;
	int rc;

	if (!target || !*target || prefix_parse(target, &p))
		return VIGIL_EINVAL;
	if ((rc = desk_load(d, id, &inc)))
		return rc;
	if (!remove)
		return desk_block_add(d, id, target, reason, 0, false, &bid, err, sizeof(err));
	prefix_format(&p, fl.prefix);
	if ((rc = desk_block_list(d, &f, find_live, &fl)))
		return rc;
	if (!fl.id)
		return VIGIL_ENOTFOUND;
	return desk_block_set_state(d, fl.id, "removed", reason, err, sizeof(err));
}

int desk_link_in_tx(struct desk *d, int64_t a, int64_t b)
{
	static const char SQL_LINK[] =
		"INSERT INTO link (a, b, created) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
	struct db_stmt *st;
	int rc;

	if (!(st = desk_q(d, SQL_LINK)))
		return VIGIL_EDB;
	desk_bind_int(d, st, 1, a < b ? a : b);
	desk_bind_int(d, st, 2, a < b ? b : a);
	desk_bind_int(d, st, 3, vtime_now_ms());
	if (desk_defer(d, st, 0))
		return VIGIL_EDB;
	if ((rc = desk_audit_json(d, a, "link", json_pack("{s:I}", "with", (json_int_t)b))))
		return rc;
	return desk_audit_json(d, b, "link", json_pack("{s:I}", "with", (json_int_t)a));
}

int desk_incident_link(struct desk *d, int64_t a, int64_t b, char *err, size_t errlen)
{
	struct desk_incident x;
	int rc;

	if (a == b) {
		snprintf(err, errlen, "cannot link an incident to itself");
		return VIGIL_EINVAL;
	}
	if ((rc = desk_tx_begin(d)))
		return rc;
	if (desk_load(d, a, &x) || desk_load(d, b, &x)) {
		snprintf(err, errlen, "no such incident");
		rc = VIGIL_ENOTFOUND;
		goto fail;
	}
	if ((rc = desk_link_in_tx(d, a, b)))
		goto fail;
	return desk_tx_commit(d);
fail:
	desk_tx_rollback(d);
	return rc;
}
