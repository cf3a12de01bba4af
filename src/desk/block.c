/*
 * block.c - what the desk keeps about blocks (see desk.h): each block's
 * lifecycle (pending -> active -> removed | expired), the numbered change
 * sequence routers are fed from, what the site was told, and the
 * effectiveness record. Every public call is one transaction with its audit
 * entry on the block's incident, so a change and who made it, and why,
 * commit or vanish together. The desk enforces nothing on a router and
 * applies no policy: src/block does.
 */
#include "desk/priv.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/vtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_COLS "id, incident_id, prefix, state, reason, actor, removed_by, removed_why," \
		   " time, activated, expires, removed_at, seq, told_add, told_remove,"       \
		   " checked_to, leak_flows, leak_packets, leak_bytes, leak_first, leak_last"

static void row_block(struct desk *d, struct db_stmt *st, struct desk_block *b)
{
	const struct db_ops *o = d->ops;

	memset(b, 0, sizeof(*b));
	b->id = o->col_int(st, 0);
	b->incident_id = o->col_int(st, 1);
	desk_copy(b->prefix, sizeof(b->prefix), o->col_text(st, 2));
	desk_copy(b->state, sizeof(b->state), o->col_text(st, 3));
	desk_copy(b->reason, sizeof(b->reason), o->col_text(st, 4));
	desk_copy(b->actor, sizeof(b->actor), o->col_text(st, 5));
	desk_copy(b->removed_by, sizeof(b->removed_by), o->col_text(st, 6));
	desk_copy(b->removed_why, sizeof(b->removed_why), o->col_text(st, 7));
	b->created = o->col_int(st, 8);
	b->activated = o->col_int(st, 9);
	b->until = o->col_int(st, 10);
	b->ended = o->col_int(st, 11);
	b->seq = o->col_int(st, 12);
	b->told_add = o->col_int(st, 13);
	b->told_remove = o->col_int(st, 14);
	b->checked_to = o->col_int(st, 15);
	b->leak_flows = o->col_int(st, 16);
	b->leak_packets = o->col_int(st, 17);
	b->leak_bytes = o->col_int(st, 18);
	b->leak_first = o->col_int(st, 19);
	b->leak_last = o->col_int(st, 20);
}

static int load_block(struct desk *d, int64_t id, struct desk_block *b)
{
	static const char SQL_GET[] = "SELECT " BLOCK_COLS " FROM block WHERE id = $1";
	struct db_stmt *st = desk_q(d, SQL_GET);
	int rc;

	memset(b, 0, sizeof(*b));
	if (!st)
		return VIGIL_EDB;
	desk_bind_int(d, st, 1, id);
	rc = desk_step(d, st);
	if (rc == 1)
		row_block(d, st, b);
	d->ops->reset(st);
	return rc < 0 ? VIGIL_EDB : rc == 0 ? VIGIL_ENOTFOUND : 0;
}

int desk_block_get(struct desk *d, int64_t id, struct desk_block *out)
{
	return load_block(d, id, out);
}

static json_t *time_or_null(int64_t ms)
{
	char t[VTIME_STRLEN];

	return ms ? json_string(vtime_format_s(ms, t)) : json_null();
}

json_t *desk_block_json(const struct desk_block *b)
{
	json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "id",
			      (json_int_t)b->id, "incident", (json_int_t)b->incident_id, "prefix",
			      b->prefix, "state", b->state, "reason", b->reason, "actor", b->actor,
			      "removed_by", b->removed_by, "removed_why", b->removed_why, "seq",
			      (json_int_t)b->seq);

	if (!o)
		return NULL;
	json_object_set_new(o, "created", time_or_null(b->created));
	json_object_set_new(o, "activated", time_or_null(b->activated));
	json_object_set_new(o, "until", time_or_null(b->until));
	json_object_set_new(o, "ended", time_or_null(b->ended));
	json_object_set_new(o, "told_add", time_or_null(b->told_add));
	json_object_set_new(o, "told_remove", time_or_null(b->told_remove));
	json_object_set_new(o, "checked_to", time_or_null(b->checked_to));
	json_object_set_new(o, "leak",
			    json_pack("{s:I, s:I, s:I, s:o, s:o}", "flows", (json_int_t)b->leak_flows,
				      "packets", (json_int_t)b->leak_packets, "bytes",
				      (json_int_t)b->leak_bytes, "first", time_or_null(b->leak_first),
				      "last", time_or_null(b->leak_last)));
	return o;
}

/* Append a change routers must see; *seq gets its number. */
static int add_change(struct desk *d, int64_t block_id, const char *op, const char *prefix,
		      int64_t now, int64_t *seq)
{
	static const char SQL_CH[] =
		"INSERT INTO block_change (block_id, op, prefix, time) VALUES ($1, $2, $3, $4)"
		" RETURNING seq";
	static const char SQL_SEQ[] = "UPDATE block SET seq = $1 WHERE id = $2";
	struct db_stmt *st = desk_q(d, SQL_CH);

	if (!st)
		return VIGIL_EDB;
	desk_bind_int(d, st, 1, block_id);
	desk_bind_text(d, st, 2, op);
	desk_bind_text(d, st, 3, prefix);
	desk_bind_int(d, st, 4, now);
	if (desk_step(d, st) != 1) {
		d->ops->reset(st);
		return VIGIL_EDB;
	}
	*seq = d->ops->col_int(st, 0);
	d->ops->reset(st);
	if (!(st = desk_q(d, SQL_SEQ)))
		return VIGIL_EDB;
	desk_bind_int(d, st, 1, *seq);
	desk_bind_int(d, st, 2, block_id);
	return desk_run(d, st);
}

int desk_block_add(struct desk *d, int64_t incident_id, const char *prefix, const char *reason,
		   int64_t until_ms, bool pending, int64_t *id, char *err, size_t errlen)
{
	static const char SQL_LIVE[] =
		"SELECT id, state FROM block WHERE prefix = $1 AND state IN ('pending', 'active')"
		" ORDER BY id LIMIT 1";
	static const char SQL_ADD[] =
		"INSERT INTO block (incident_id, target, reason, state, actor, time, prefix,"
		" activated, expires) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id";
	struct desk_incident inc;
	struct vprefix p;
	char norm[PREFIX_STRLEN], t[VTIME_STRLEN];
	int64_t now = vtime_now_ms(), seq = 0;
	struct db_stmt *st;
	int rc;

	if (!prefix || prefix_parse(prefix, &p)) {
		snprintf(err, errlen, "'%s' is not an address or ADDR/LEN prefix", prefix ? prefix : "");
		return VIGIL_EINVAL;
	}
	prefix_format(&p, norm);
	if (until_ms && until_ms <= now) {
		snprintf(err, errlen, "the block would end at %s, which is not in the future",
			 vtime_format_s(until_ms, t));
		return VIGIL_EINVAL;
	}
	if ((rc = desk_tx_begin(d)))
		return rc;
	if ((rc = desk_load(d, incident_id, &inc))) {
		snprintf(err, errlen, "no incident %lld: a block belongs to an incident",
			 (long long)incident_id);
		goto fail;
	}
	if (!(st = desk_q(d, SQL_LIVE))) {
		rc = VIGIL_EDB;
		goto fail;
	}
	desk_bind_text(d, st, 1, norm);
	if ((rc = desk_step(d, st)) < 0)
		goto fail;
	if (rc == 1) {
		snprintf(err, errlen, "%s is blocked already (block %lld, %s)", norm,
			 (long long)d->ops->col_int(st, 0), d->ops->col_text(st, 1));
		d->ops->reset(st);
		rc = VIGIL_EEXIST;
		goto fail;
	}
	d->ops->reset(st);
	if (!(st = desk_q(d, SQL_ADD))) {
		rc = VIGIL_EDB;
		goto fail;
	}
	desk_bind_int(d, st, 1, incident_id);
	desk_bind_text(d, st, 2, prefix);
	desk_bind_text(d, st, 3, reason ? reason : "");
	desk_bind_text(d, st, 4, pending ? "pending" : "active");
	desk_bind_text(d, st, 5, d->actor);
	desk_bind_int(d, st, 6, now);
	desk_bind_text(d, st, 7, norm);
	desk_bind_int(d, st, 8, pending ? 0 : now);
	desk_bind_int(d, st, 9, until_ms);
	if (desk_step(d, st) != 1) {
		d->ops->reset(st);
		rc = VIGIL_EDB;
		goto fail;
	}
	*id = d->ops->col_int(st, 0);
	d->ops->reset(st);
	if (!pending && (rc = add_change(d, *id, "add", norm, now, &seq)))
		goto fail;
	if ((rc = desk_audit_json(d, incident_id, "block",
				  json_pack("{s:I, s:s, s:s, s:s, s:o, s:I}", "block", (json_int_t)*id,
					    "target", norm, "state", pending ? "pending" : "active",
					    "reason", reason ? reason : "", "until",
					    time_or_null(until_ms), "seq", (json_int_t)seq))))
		goto fail;
	return desk_tx_commit(d);
fail:
	if (err && errlen && !err[0])
		snprintf(err, errlen, "%s", vigil_strerror(rc));
	desk_tx_rollback(d);
	return rc;
}

static int list_rows(struct desk *d, struct db_stmt *st,
		     int (*fn)(void *ctx, const struct desk_block *b), void *ctx)
{
	struct desk_block *all = NULL, *grown;
	size_t n = 0, cap = 0;
	int rc;

	/* rows first, callbacks after: fn may use the desk */
	while ((rc = desk_step(d, st)) == 1) {
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			if (!(grown = realloc(all, cap * sizeof(*all)))) {
				rc = VIGIL_ENOMEM;
				break;
			}
			all = grown;
		}
		row_block(d, st, &all[n++]);
	}
	d->ops->reset(st);
	if (rc == 0)
		for (size_t i = 0; i < n; i++)
			if (fn(ctx, &all[i]))
				break;
	free(all);
	return rc < 0 ? rc : 0;
}

int desk_block_list(struct desk *d, const struct desk_block_filter *f,
		    int (*fn)(void *ctx, const struct desk_block *b), void *ctx)
{
	static const char SQL_LIST[] =
		"SELECT " BLOCK_COLS " FROM block WHERE (CAST($1 AS TEXT) = '' OR state = $1"
		" OR (CAST($1 AS TEXT) = 'live' AND state IN ('pending', 'active')))"
		" AND (CAST($2 AS BIGINT) = 0 OR incident_id = CAST($2 AS BIGINT)) ORDER BY id";
	struct db_stmt *st = desk_q(d, SQL_LIST);

	if (!st)
		return VIGIL_EDB;
	desk_bind_text(d, st, 1, f && f->state ? f->state : "");
	desk_bind_int(d, st, 2, f ? f->incident_id : 0);
	return list_rows(d, st, fn, ctx);
}

int desk_block_live_count(struct desk *d, int64_t *n)
{
	static const char SQL_N[] = "SELECT COUNT(*) FROM block WHERE state IN ('pending', 'active')";
	struct db_stmt *st = desk_q(d, SQL_N);
	int rc;

	*n = 0;
	if (!st)
		return VIGIL_EDB;
	if ((rc = desk_step(d, st)) == 1)
		*n = d->ops->col_int(st, 0);
	d->ops->reset(st);
	return rc < 0 ? rc : 0;
}

int desk_block_due(struct desk *d, int64_t now,
		   int (*fn)(void *ctx, const struct desk_block *b), void *ctx)
{
	static const char SQL_DUE[] =
		"SELECT " BLOCK_COLS " FROM block WHERE state IN ('pending', 'active')"
		" AND expires > 0 AND expires <= $1 ORDER BY expires, id";
	struct db_stmt *st = desk_q(d, SQL_DUE);

	if (!st)
		return VIGIL_EDB;
	desk_bind_int(d, st, 1, now);
	return list_rows(d, st, fn, ctx);
}

static bool transition_ok(const char *from, const char *to)
{
	if (!strcmp(from, "pending"))
		return !strcmp(to, "active") || !strcmp(to, "removed") || !strcmp(to, "expired");
	if (!strcmp(from, "active"))
		return !strcmp(to, "removed") || !strcmp(to, "expired");
	return false;
}

int desk_block_set_state(struct desk *d, int64_t id, const char *to, const char *why,
			 char *err, size_t errlen)
{
	static const char SQL_ACT[] = "UPDATE block SET state = 'active', activated = $1 WHERE id = $2";
	static const char SQL_END[] =
		"UPDATE block SET state = $1, removed_at = $2, removed_by = $3, removed_why = $4"
		" WHERE id = $5";
	struct desk_block b;
	struct db_stmt *st;
	int64_t now = vtime_now_ms(), seq = 0;
	bool activate = !strcmp(to, "active");
	int rc;

	if ((rc = desk_tx_begin(d)))
		return rc;
	if ((rc = load_block(d, id, &b))) {
		snprintf(err, errlen, "no block %lld", (long long)id);
		goto fail;
	}
	if (!transition_ok(b.state, to)) {
		snprintf(err, errlen, "block %lld is %s: it cannot become %s (pending -> active ->"
			 " removed|expired; pending -> removed)", (long long)id, b.state, to);
		rc = VIGIL_ESTATE;
		goto fail;
	}
	if (!(st = desk_q(d, activate ? SQL_ACT : SQL_END))) {
		rc = VIGIL_EDB;
		goto fail;
	}
	if (activate) {
		desk_bind_int(d, st, 1, now);
		desk_bind_int(d, st, 2, id);
	} else {
		desk_bind_text(d, st, 1, to);
		desk_bind_int(d, st, 2, now);
		desk_bind_text(d, st, 3, d->actor);
		desk_bind_text(d, st, 4, why ? why : "");
		desk_bind_int(d, st, 5, id);
	}
	if ((rc = desk_run(d, st)))
		goto fail;
	/* routers see a block only while it is active */
	if (activate)
		rc = add_change(d, id, "add", b.prefix, now, &seq);
	else if (!strcmp(b.state, "active"))
		rc = add_change(d, id, "remove", b.prefix, now, &seq);
	if (rc)
		goto fail;
	if ((rc = desk_audit_json(d, b.incident_id, activate ? "block-active" :
				  !strcmp(to, "expired") ? "block-expired" : "unblock",
				  json_pack("{s:I, s:s, s:s, s:s, s:s, s:I}", "block", (json_int_t)id,
					    "target", b.prefix, "from", b.state, "to", to, "why",
					    why ? why : "", "seq", (json_int_t)seq))))
		goto fail;
	return desk_tx_commit(d);
fail:
	if (!err[0])
		snprintf(err, errlen, "%s", vigil_strerror(rc));
	desk_tx_rollback(d);
	return rc;
}

int desk_block_extend(struct desk *d, int64_t id, int64_t until_ms, const char *why, char *err,
		      size_t errlen)
{
	static const char SQL_EXT[] = "UPDATE block SET expires = $1 WHERE id = $2";
	struct desk_block b;
	struct db_stmt *st;
	char t[VTIME_STRLEN];
	int rc;

	if (until_ms && until_ms <= vtime_now_ms()) {
		snprintf(err, errlen, "the new end %s is not in the future", vtime_format_s(until_ms, t));
		return VIGIL_EINVAL;
	}
	if ((rc = desk_tx_begin(d)))
		return rc;
	if ((rc = load_block(d, id, &b))) {
		snprintf(err, errlen, "no block %lld", (long long)id);
		goto fail;
	}
	if (strcmp(b.state, "pending") && strcmp(b.state, "active")) {
		snprintf(err, errlen, "block %lld is %s: only a pending or active block can be extended",
			 (long long)id, b.state);
		rc = VIGIL_ESTATE;
		goto fail;
	}
	if (!(st = desk_q(d, SQL_EXT))) {
		rc = VIGIL_EDB;
		goto fail;
	}
	desk_bind_int(d, st, 1, until_ms);
	desk_bind_int(d, st, 2, id);
	if ((rc = desk_run(d, st)))
		goto fail;
	if ((rc = desk_audit_json(d, b.incident_id, "block-extend",
				  json_pack("{s:I, s:s, s:o, s:o, s:s}", "block", (json_int_t)id,
					    "target", b.prefix, "from", time_or_null(b.until), "to",
					    time_or_null(until_ms), "why", why ? why : ""))))
		goto fail;
	return desk_tx_commit(d);
fail:
	if (!err[0])
		snprintf(err, errlen, "%s", vigil_strerror(rc));
	desk_tx_rollback(d);
	return rc;
}

int desk_block_changes(struct desk *d, int64_t after,
		       int (*fn)(void *ctx, const struct desk_block_change *c), void *ctx)
{
	static const char SQL_CH[] =
		"SELECT seq, block_id, op, prefix, time FROM block_change WHERE seq > $1 ORDER BY seq";
	struct db_stmt *st = desk_q(d, SQL_CH);
	struct desk_block_change *all = NULL, *grown;
	size_t n = 0, cap = 0;
	int rc;

	if (!st)
		return VIGIL_EDB;
	desk_bind_int(d, st, 1, after);
	while ((rc = desk_step(d, st)) == 1) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if (!(grown = realloc(all, cap * sizeof(*all)))) {
				rc = VIGIL_ENOMEM;
				break;
			}
			all = grown;
		}
		memset(&all[n], 0, sizeof(all[n]));
		all[n].seq = d->ops->col_int(st, 0);
		all[n].block_id = d->ops->col_int(st, 1);
		desk_copy(all[n].op, sizeof(all[n].op), d->ops->col_text(st, 2));
		desk_copy(all[n].prefix, sizeof(all[n].prefix), d->ops->col_text(st, 3));
		all[n].time = d->ops->col_int(st, 4);
		n++;
	}
	d->ops->reset(st);
	if (rc == 0)
		for (size_t i = 0; i < n; i++)
			if (fn(ctx, &all[i]))
				break;
	free(all);
	return rc < 0 ? rc : 0;
}

int desk_block_last_change(struct desk *d, int64_t *seq)
{
	static const char SQL_MAX[] = "SELECT COALESCE(MAX(seq), 0) FROM block_change";
	struct db_stmt *st = desk_q(d, SQL_MAX);
	int rc;

	*seq = 0;
	if (!st)
		return VIGIL_EDB;
	if ((rc = desk_step(d, st)) == 1)
		*seq = d->ops->col_int(st, 0);
	d->ops->reset(st);
	return rc < 0 ? rc : 0;
}

struct untold_ctx {
	int (*fn)(void *ctx, const struct desk_block *b, bool removal);
	void *ctx;
};

static int untold_one(void *ctx, const struct desk_block *b)
{
	struct untold_ctx *u = ctx;
	bool ended = !strcmp(b->state, "removed") || !strcmp(b->state, "expired");

	/* a pending block that never went active changed nothing the site saw */
	if (ended && !b->activated)
		return 0;
	return u->fn(u->ctx, b, ended);
}

int desk_block_untold(struct desk *d,
		      int (*fn)(void *ctx, const struct desk_block *b, bool removal), void *ctx)
{
	static const char SQL_UNTOLD[] =
		"SELECT " BLOCK_COLS " FROM block WHERE (state = 'active' AND told_add = 0)"
		" OR (state IN ('removed', 'expired') AND told_remove = 0 AND activated > 0)"
		" ORDER BY id";
	struct db_stmt *st = desk_q(d, SQL_UNTOLD);
	struct untold_ctx u = { fn, ctx };

	if (!st)
		return VIGIL_EDB;
	return list_rows(d, st, untold_one, &u);
}

int desk_block_told(struct desk *d, int64_t id, bool removal, struct desk_mail *m,
		    const void *raw, size_t len, const char *why)
{
	static const char SQL_ADD[] = "UPDATE block SET told_add = $1 WHERE id = $2 AND told_add = 0";
	static const char SQL_REM[] =
		"UPDATE block SET told_remove = $1,"
		" told_add = CASE WHEN told_add = 0 THEN CAST($1 AS BIGINT) ELSE told_add END"
		" WHERE id = $2 AND told_remove = 0";
	struct desk_block b;
	struct db_stmt *st;
	int64_t now = vtime_now_ms();
	int rc;

	if ((rc = desk_tx_begin(d)))
		return rc;
	if ((rc = load_block(d, id, &b)))
		goto fail;
	if (!(st = desk_q(d, removal ? SQL_REM : SQL_ADD))) {
		rc = VIGIL_EDB;
		goto fail;
	}
	desk_bind_int(d, st, 1, now);
	desk_bind_int(d, st, 2, id);
	if ((rc = desk_run(d, st)))
		goto fail;
	if (d->ops->changes(st) == 0) {
		rc = VIGIL_EEXIST;
		goto fail;
	}
	if (m && (rc = desk_outbox_insert(d, m, raw, len)))
		goto fail;
	if ((rc = desk_audit_json(d, b.incident_id, "block-told",
				  json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "block", (json_int_t)id,
					    "target", b.prefix, "told", removal ? "removal" : "block",
					    "mail", m ? m->message_id : "", "to", m ? m->recipients : "",
					    "why", why ? why : ""))))
		goto fail;
	return desk_tx_commit(d);
fail:
	desk_tx_rollback(d);
	return rc;
}

/* Store event e on incident inc_id unless its id is stored already (a duplicate is counted). */
static int leak_event(struct desk *d, int64_t inc_id, const struct event *e, const char *raw,
		      bool *was_new)
{
	static const char SQL_REP[] =
		"INSERT INTO report (eid, source, received, raw) VALUES ($1, $2, $3, $4)"
		" ON CONFLICT (eid) DO NOTHING";
	static const char SQL_EV[] =
		"INSERT INTO event (eid, incident_id, kind, host, peer, port, proto, first_ms, last_ms,"
		" flows, packets, bytes, score, why, query, source) VALUES ($1, $2, $3, $4, '', -1,"
		" -1, $5, $6, $7, $8, $9, 0, $10, $11, $12)";
	static const char SQL_DUP[] = "UPDATE event SET dups = dups + 1 WHERE eid = $1";
	static const char SQL_INC[] =
		"UPDATE incident SET events = events + 1, updated = $2,"
		" first_seen = CASE WHEN first_seen = 0 OR first_seen > $3 THEN $3 ELSE first_seen END,"
		" last_seen = CASE WHEN last_seen < $4 THEN $4 ELSE last_seen END WHERE id = $1";
	static const char SQL_IDUP[] = "UPDATE incident SET dups = dups + 1 WHERE id = $1";
	char eid[33], host[ADDR_STRLEN];
	struct db_stmt *st;

	desk_event_id(e, eid);
	addr_format(&e->host, host);
	if (!(st = desk_q(d, SQL_REP)))
		return VIGIL_EDB;
	desk_bind_text(d, st, 1, eid);
	desk_bind_text(d, st, 2, e->source[0] ? e->source : "block-check");
	desk_bind_int(d, st, 3, vtime_now_ms());
	desk_bind_text(d, st, 4, raw ? raw : "");
	if (desk_run(d, st))
		return VIGIL_EDB;
	*was_new = d->ops->changes(st) > 0;
	if (!*was_new) {
		if (!(st = desk_q(d, SQL_DUP)))
			return VIGIL_EDB;
		desk_bind_text(d, st, 1, eid);
		if (desk_run(d, st) || !(st = desk_q(d, SQL_IDUP)))
			return VIGIL_EDB;
		desk_bind_int(d, st, 1, inc_id);
		return desk_run(d, st);
	}
	if (!(st = desk_q(d, SQL_EV)))
		return VIGIL_EDB;
	desk_bind_text(d, st, 1, eid);
	desk_bind_int(d, st, 2, inc_id);
	desk_bind_text(d, st, 3, e->kind);
	desk_bind_text(d, st, 4, host);
	desk_bind_int(d, st, 5, e->first_ms);
	desk_bind_int(d, st, 6, e->last_ms);
	desk_bind_int(d, st, 7, (int64_t)e->flows);
	desk_bind_int(d, st, 8, (int64_t)e->packets);
	desk_bind_int(d, st, 9, (int64_t)e->bytes);
	desk_bind_text(d, st, 10, e->why);
	desk_bind_text(d, st, 11, e->query);
	desk_bind_text(d, st, 12, e->source);
	if (desk_run(d, st) || !(st = desk_q(d, SQL_INC)))
		return VIGIL_EDB;
	desk_bind_int(d, st, 1, inc_id);
	desk_bind_int(d, st, 2, vtime_now_ms());
	desk_bind_int(d, st, 3, e->first_ms);
	desk_bind_int(d, st, 4, e->last_ms);
	return desk_run(d, st);
}

int desk_block_checked(struct desk *d, int64_t id, int64_t to, int64_t flows, int64_t packets,
		       int64_t bytes, int64_t first, int64_t last, const struct event *e,
		       const char *raw, bool *was_new)
{
	static const char SQL_CHK[] =
		"UPDATE block SET checked_to = $2, leak_flows = leak_flows + $3,"
		" leak_packets = leak_packets + $4, leak_bytes = leak_bytes + $5,"
		" leak_first = CASE WHEN CAST($6 AS BIGINT) > 0"
		" AND (leak_first = 0 OR leak_first > CAST($6 AS BIGINT)) THEN CAST($6 AS BIGINT)"
		" ELSE leak_first END,"
		" leak_last = CASE WHEN CAST($7 AS BIGINT) > leak_last THEN CAST($7 AS BIGINT)"
		" ELSE leak_last END WHERE id = $1";
	struct desk_block b;
	struct db_stmt *st;
	bool fresh = false;
	int rc;

	if (was_new)
		*was_new = false;
	if ((rc = desk_tx_begin(d)))
		return rc;
	if ((rc = load_block(d, id, &b)))
		goto fail;
	if (!(st = desk_q(d, SQL_CHK))) {
		rc = VIGIL_EDB;
		goto fail;
	}
	desk_bind_int(d, st, 1, id);
	desk_bind_int(d, st, 2, to);
	desk_bind_int(d, st, 3, flows);
	desk_bind_int(d, st, 4, packets);
	desk_bind_int(d, st, 5, bytes);
	desk_bind_int(d, st, 6, flows ? first : 0);
	desk_bind_int(d, st, 7, flows ? last : 0);
	if ((rc = desk_run(d, st)))
		goto fail;
	if (e && (rc = leak_event(d, b.incident_id, e, raw, &fresh)))
		goto fail;
	if (flows && (rc = desk_audit_json(d, b.incident_id, "block-leak",
					   json_pack("{s:I, s:s, s:I, s:I, s:I, s:b}", "block",
						     (json_int_t)id, "target", b.prefix, "flows",
						     (json_int_t)flows, "packets", (json_int_t)packets,
						     "bytes", (json_int_t)bytes, "new_event", fresh))))
		goto fail;
	if ((rc = desk_tx_commit(d)))
		return rc;
	/* the cache of ingested incidents may hold this one's counters from before */
	desk_kc_clear(d);
	if (was_new)
		*was_new = fresh;
	return 0;
fail:
	desk_tx_rollback(d);
	return rc;
}
