/*
 * show.c - reading the desk: list incidents through filters (built as one
 * parameterised query), and everything about one incident as a JSON object
 * for `vigil incident show` and, later, the HTTP API. Long lists inside one
 * incident (events, reports, audit) are capped and say how many there are.
 */
#include "desk/priv.h"
#include "util/err.h"
#include "util/vtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHOW_MAX_EVENTS 500
#define SHOW_MAX_REPORTS 100
#define SHOW_MAX_AUDIT 1000

static json_t *time_json(int64_t ms)
{
	char t[VTIME_STRLEN];

	return ms ? json_string(vtime_format(ms, t)) : json_null();
}

json_t *desk_incident_json(const struct desk_incident *inc)
{
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s}",
			      "id", (json_int_t)inc->id, "kind", inc->kind, "state", inc->state,
			      "owner", inc->owner, "site", inc->site, "subject", inc->subject,
			      "host", inc->host, "peer", inc->peer, "events", (json_int_t)inc->events,
			      "duplicates", (json_int_t)inc->dups, "query", inc->query);

	if (!o)
		return NULL;
	json_object_set_new(o, "parent", inc->parent_id ? json_integer(inc->parent_id) : json_null());
	json_object_set_new(o, "merged_into", inc->merged_into ? json_integer(inc->merged_into) : json_null());
	json_object_set_new(o, "first_seen", time_json(inc->first_seen));
	json_object_set_new(o, "last_seen", time_json(inc->last_seen));
	json_object_set_new(o, "created", time_json(inc->created));
	json_object_set_new(o, "updated", time_json(inc->updated));
	json_object_set_new(o, "resolved_at", time_json(inc->resolved_at));
	json_object_set_new(o, "due", time_json(inc->due));
	return o;
}

static const char *txt(const char *s)
{
	return s ? s : "";
}

/* The `vigil flows` arguments that reproduce an event. */
static json_t *reproduce(const char *query, const char *host, const char *peer, int64_t first,
			 int64_t last)
{
	char t1[VTIME_STRLEN], t2[VTIME_STRLEN], s[1024];

	if (query && *query)
		snprintf(s, sizeof(s), "vigil flows %s", query);
	else if (peer && *peer)
		snprintf(s, sizeof(s), "vigil flows -t %s-%s 'host %s and host %s'",
			 vtime_format_s(first, t1), vtime_format_s(last + 999, t2), host, peer);
	else
		snprintf(s, sizeof(s), "vigil flows -t %s-%s 'host %s'", vtime_format_s(first, t1),
			 vtime_format_s(last + 999, t2), host);
	return json_string(s);
}

/* Run st (bound with $1 = id) and collect up to max rows through row(). */
static int collect(struct desk *d, struct db_stmt *st, int64_t max, json_t *arr,
		   json_t *(*row)(struct desk *d, struct db_stmt *st))
{
	int rc;
	int64_t n = 0;

	while ((rc = desk_step(d, st)) == 1) {
		if (n++ < max)
			json_array_append_new(arr, row(d, st));
	}
	d->ops->reset(st);
	return rc < 0 ? VIGIL_EDB : 0;
}

static json_t *row_child(struct desk *d, struct db_stmt *st)
{
	struct desk_incident c;

	desk_row_incident(d, st, &c);
	return json_pack("{s:I, s:s, s:s, s:s, s:I}", "id", (json_int_t)c.id, "state", c.state,
			 "site", c.site, "host", c.host, "events", (json_int_t)c.events);
}

static json_t *row_text0(struct desk *d, struct db_stmt *st)
{
	return json_string(txt(d->ops->col_text(st, 0)));
}

static json_t *row_int0(struct desk *d, struct db_stmt *st)
{
	return json_integer(d->ops->col_int(st, 0));
}

static json_t *row_event(struct desk *d, struct db_stmt *st)
{
	const struct db_ops *o = d->ops;
	json_t *e = json_pack("{s:I, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:f, s:s, s:s, s:I}",
			      "id", (json_int_t)o->col_int(st, 0), "eid", txt(o->col_text(st, 1)),
			      "kind", txt(o->col_text(st, 2)), "host", txt(o->col_text(st, 3)),
			      "peer", txt(o->col_text(st, 4)), "flows", (json_int_t)o->col_int(st, 9),
			      "packets", (json_int_t)o->col_int(st, 10), "bytes", (json_int_t)o->col_int(st, 11),
			      "score", o->col_text(st, 12) ? strtod(o->col_text(st, 12), NULL) : 0.0,
			      "why", txt(o->col_text(st, 13)), "source", txt(o->col_text(st, 15)),
			      "duplicates", (json_int_t)o->col_int(st, 16));

	if (o->col_int(st, 5) >= 0)
		json_object_set_new(e, "port", json_integer(o->col_int(st, 5)));
	if (o->col_int(st, 6) >= 0)
		json_object_set_new(e, "proto", json_integer(o->col_int(st, 6)));
	json_object_set_new(e, "first", time_json(o->col_int(st, 7)));
	json_object_set_new(e, "last", time_json(o->col_int(st, 8)));
	json_object_set_new(e, "reproduce", reproduce(o->col_text(st, 14), txt(o->col_text(st, 3)),
						      txt(o->col_text(st, 4)), o->col_int(st, 7),
						      o->col_int(st, 8)));
	return e;
}

static json_t *row_report(struct desk *d, struct db_stmt *st)
{
	const struct db_ops *o = d->ops;
	json_t *r = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)o->col_int(st, 0), "eid",
			      txt(o->col_text(st, 1)), "source", txt(o->col_text(st, 2)));

	json_object_set_new(r, "received", time_json(o->col_int(st, 3)));
	json_object_set_new(r, "raw", json_string(txt(o->col_text(st, 4))));
	return r;
}

static json_t *row_document(struct desk *d, struct db_stmt *st)
{
	const struct db_ops *o = d->ops;
	json_t *r = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:s}", "id",
			      (json_int_t)o->col_int(st, 0), "sha256", txt(o->col_text(st, 1)),
			      "message_id", txt(o->col_text(st, 2)), "sender", txt(o->col_text(st, 3)),
			      "subject", txt(o->col_text(st, 4)), "origin", txt(o->col_text(st, 5)),
			      "size", (json_int_t)o->col_int(st, 7), "outcome", txt(o->col_text(st, 8)));

	json_object_set_new(r, "received", time_json(o->col_int(st, 6)));
	return r;
}

static json_t *row_inv(struct desk *d, struct db_stmt *st)
{
	const struct db_ops *o = d->ops;
	json_t *r = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)o->col_int(st, 0),
			      "actor", txt(o->col_text(st, 2)), "direction", txt(o->col_text(st, 3)),
			      "correspondent", txt(o->col_text(st, 4)), "subject", txt(o->col_text(st, 5)),
			      "body", txt(o->col_text(st, 6)));

	json_object_set_new(r, "time", time_json(o->col_int(st, 1)));
	return r;
}

static json_t *row_block(struct desk *d, struct db_stmt *st)
{
	struct desk_block b;

	if (desk_block_get(d, d->ops->col_int(st, 0), &b))
		return json_null();
	return desk_block_json(&b);
}

static json_t *row_audit(struct desk *d, struct db_stmt *st)
{
	const struct db_ops *o = d->ops;
	json_t *detail = json_loads(txt(o->col_text(st, 4)), 0, NULL);
	json_t *r = json_pack("{s:I, s:s, s:s, s:s}", "seq", (json_int_t)o->col_int(st, 0), "actor",
			      txt(o->col_text(st, 2)), "action", txt(o->col_text(st, 3)), "hash",
			      txt(o->col_text(st, 5)));

	json_object_set_new(r, "time", time_json(o->col_int(st, 1)));
	json_object_set_new(r, "detail", detail ? detail : json_string(txt(o->col_text(st, 4))));
	return r;
}

int desk_show(struct desk *d, int64_t id, json_t **out)
{
	static const char SQL_KIDS[] = "SELECT " INC_COLS " FROM incident WHERE parent_id = $1 ORDER BY id";
	static const char SQL_HOSTS[] = "SELECT DISTINCT host FROM event WHERE incident_id = $1 ORDER BY host";
	static const char SQL_PEERS[] =
		"SELECT peer FROM incident_peer WHERE incident_id = $1 ORDER BY first_ms, peer";
	static const char SQL_LINKS[] =
		"SELECT b FROM link WHERE a = $1 UNION SELECT a FROM link WHERE b = $1 ORDER BY 1";
	static const char SQL_LINKED[] =
		"SELECT " INC_COLS " FROM incident WHERE id IN"
		" (SELECT b FROM link WHERE a = $1 UNION SELECT a FROM link WHERE b = $1) ORDER BY id";
	static const char SQL_MERGED[] = "SELECT id FROM incident WHERE merged_into = $1 ORDER BY id";
	static const char SQL_EVENTS[] =
		"SELECT id, eid, kind, host, peer, port, proto, first_ms, last_ms, flows, packets, bytes,"
		" score, why, query, source, dups FROM event WHERE incident_id = $1 ORDER BY id";
	static const char SQL_REPORTS[] =
		"SELECT r.id, r.eid, r.source, r.received, r.raw FROM report r JOIN event e ON e.eid = r.eid"
		" WHERE e.incident_id = $1 ORDER BY r.id";
	static const char SQL_DOCS[] =
		"SELECT id, sha256, message_id, sender, subject, origin, received, size, outcome"
		" FROM document WHERE sha256 IN (SELECT doc FROM event WHERE incident_id = $1 AND doc <> '')"
		" ORDER BY id";
	static const char SQL_INV[] =
		"SELECT id, time, actor, direction, correspondent, subject, body FROM investigation"
		" WHERE incident_id = $1 ORDER BY id";
	static const char SQL_BLOCKS[] =
		"SELECT id FROM block WHERE incident_id = $1"
		" ORDER BY id";
	static const char SQL_AUDIT[] =
		"SELECT seq, time, actor, action, detail, hash FROM audit WHERE incident_id = $1 ORDER BY seq";
	static const struct {
		const char *sql, *name;
		int64_t max;
		json_t *(*row)(struct desk *d, struct db_stmt *st);
	} parts[] = {
		{ SQL_KIDS, "children", 100000, row_child },
		{ SQL_HOSTS, "hosts", 100000, row_text0 },
		{ SQL_PEERS, "peers", 100000, row_text0 },
		{ SQL_LINKS, "links", 100000, row_int0 },
		{ SQL_LINKED, "linked", 100000, row_child },
		{ SQL_MERGED, "merged", 100000, row_int0 },
		{ SQL_EVENTS, "evidence", SHOW_MAX_EVENTS, row_event },
		{ SQL_REPORTS, "reports", SHOW_MAX_REPORTS, row_report },
		{ SQL_DOCS, "documents", SHOW_MAX_REPORTS, row_document },
		{ SQL_INV, "investigations", 100000, row_inv },
		{ SQL_BLOCKS, "blocks", 100000, row_block },
		{ SQL_AUDIT, "audit", SHOW_MAX_AUDIT, row_audit },
	};
	struct desk_incident inc;
	json_t *o;
	int rc;

	if ((rc = desk_load(d, id, &inc)))
		return rc;
	if (!(o = desk_incident_json(&inc)))
		return VIGIL_ENOMEM;
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		struct db_stmt *st = desk_q(d, parts[i].sql);
		json_t *arr = json_array();

		json_object_set_new(o, parts[i].name, arr);
		if (!st) {
			rc = VIGIL_EDB;
			goto fail;
		}
		desk_bind_int(d, st, 1, id);
		if ((rc = collect(d, st, parts[i].max, arr, parts[i].row)))
			goto fail;
	}
	{
		struct desk_notice nt;
		static const char *const stages[] = { "untold", "told", "reminded", "escalated",
						      "stalled" };

		if (desk_notice_get(d, id, &nt) == 0)
			json_object_set_new(
				o, "notice",
				json_pack("{s:s, s:s, s:s, s:I, s:o, s:o, s:o, s:s}", "to", nt.recipient,
					  "escalate", nt.escalate, "stage",
					  nt.stage >= 0 && nt.stage <= 4 ? stages[nt.stage] : "?",
					  "events_told", (json_int_t)nt.last_event, "first_sent",
					  time_json(nt.first_sent), "last_sent", time_json(nt.last_sent),
					  "replied", time_json(nt.replied), "message_id", nt.message_id));
	}
	if (inc.host[0]) {
		json_t *hosts = json_object_get(o, "hosts");
		bool seen = false;

		for (size_t i = 0; i < json_array_size(hosts); i++)
			seen |= !strcmp(json_string_value(json_array_get(hosts, i)), inc.host);
		if (!seen)
			json_array_insert_new(hosts, 0, json_string(inc.host));
	}
	*out = o;
	return 0;
fail:
	json_decref(o);
	return rc;
}
