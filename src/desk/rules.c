/*
 * rules.c - how events become incidents (the rules analysts read in
 * docs/internals/desk.md and vigil-incident(1)):
 *
 *  key   kind + host, plus the peer for kinds about a peer (cc, blocklist);
 *        with a site lookup, a peer kind's key is kind + peer + site (one
 *        incident per site), and campaigns group such incidents by kind+peer.
 *  join  the key's newest incident is not resolved/rejected and its
 *        last_seen is within the window (24 h) of the event: append.
 *  reopen the key's newest incident was resolved and the event is within
 *        the recurrence window (7 d) of the resolution: open it again.
 *  new   otherwise a new incident (state new), linked to the key's previous
 *        incident if there was one.
 *
 * A batch keeps the incidents it touched in a small hash table (struct
 * desk_kc) and writes their counters back once at commit.
 */
#include "desk/priv.h"
#include "util/err.h"
#include "util/log.h"
#include "util/vtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const open_states[] = { "new", "open", "stalled", "blocked", NULL };

static bool is_open(const char *state)
{
	for (const char *const *s = open_states; *s; s++)
		if (!strcmp(state, *s))
			return true;
	return false;
}

bool desk_transition_ok(const char *from, const char *to)
{
	static const struct {
		const char *from, *to;
	} allowed[] = {
		{ "new", "open" },         { "new", "stalled" },      { "new", "blocked" },
		{ "new", "resolved" },     { "open", "stalled" },     { "open", "blocked" },
		{ "open", "resolved" },    { "stalled", "open" },     { "stalled", "blocked" },
		{ "stalled", "resolved" }, { "blocked", "open" },     { "blocked", "stalled" },
		{ "blocked", "resolved" }, { "resolved", "open" },    { "rejected", "open" },
	};

	if (!strcmp(to, "rejected"))
		return strcmp(from, "rejected") != 0;
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (!strcmp(allowed[i].from, from) && !strcmp(allowed[i].to, to))
			return true;
	return false;
}

static uint64_t key_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ULL;
	return h;
}

void desk_kc_clear(struct desk *d)
{
	if (d->kc && d->kc_used) {
		memset(d->kc, 0, DESK_KEYCACHE * sizeof(*d->kc));
		d->kc_used = 0;
	}
}

/* The slot of key: its entry, or an empty slot to fill (NULL when full). */
static struct desk_kc *kc_slot(struct desk *d, const char *key)
{
	size_t i = key_hash(key) & (DESK_KEYCACHE - 1);

	if (!d->kc && !(d->kc = calloc(DESK_KEYCACHE, sizeof(*d->kc))))
		return NULL;
	for (size_t n = 0; n < DESK_KEYCACHE; n++, i = (i + 1) & (DESK_KEYCACHE - 1))
		if (!d->kc[i].id || !strcmp(d->kc[i].key, key))
			return &d->kc[i];
	return NULL;
}

/* Write the counters of the dirty cached incidents back, one UPDATE each
 * (a multi-row UPDATE ... FROM (VALUES ...) made PostgreSQL scan the table). */
int desk_kc_flush(struct desk *d)
{
	static const char SQL_UPD[] =
		"UPDATE incident SET events = $1, first_seen = $2, last_seen = $3, updated = $4"
		" WHERE id = $5";
	int64_t now = vtime_now_ms();
	char detail[64];

	if (!d->kc)
		return 0;
	for (size_t i = 0; i < DESK_KEYCACHE; i++) {
		struct desk_kc *k = &d->kc[i];
		struct db_stmt *st;

		if (!k->id || !k->dirty)
			continue;
		if (!(st = desk_q(d, SQL_UPD)))
			return VIGIL_EDB;
		desk_bind_int(d, st, 1, k->events);
		desk_bind_int(d, st, 2, k->first_seen);
		desk_bind_int(d, st, 3, k->last_seen);
		desk_bind_int(d, st, 4, now);
		desk_bind_int(d, st, 5, k->id);
		if (desk_defer(d, st, 0))
			return VIGIL_EDB;
		if (k->joined) {
			snprintf(detail, sizeof(detail), "{\"events\":%lld}", (long long)k->joined);
			if (desk_audit_add(d, k->id, "ingest-join", detail))
				return VIGIL_EDB;
		}
		k->dirty = false;
		k->joined = 0;
	}
	return 0;
}

/* Newest incident of key, following merges; inc->id 0 when none. */
static int find_by_key(struct desk *d, const char *key, struct desk_incident *inc)
{
	static const char SQL_KEY[] =
		"SELECT " INC_COLS " FROM incident WHERE key = $1 ORDER BY id DESC LIMIT 1";
	struct db_stmt *st;
	int rc;

	memset(inc, 0, sizeof(*inc));
	if (!(st = desk_q(d, SQL_KEY)))
		return VIGIL_EDB;
	desk_bind_text(d, st, 1, key);
	rc = desk_step(d, st);
	if (rc == 1)
		desk_row_incident(d, st, inc);
	d->ops->reset(st);
	if (rc <= 0)
		return rc;
	for (int hop = 0; hop < 16 && inc->merged_into; hop++)
		if ((rc = desk_load(d, inc->merged_into, inc)))
			return rc;
	return 0;
}

/* Give a new child incident a campaign parent once a second site/host shows up. */
static int attach_campaign(struct desk *d, int64_t child, const struct desk_incident *tmpl,
			   const char *ckey)
{
	static const char SQL_PARENT[] =
		"SELECT id FROM incident WHERE key = $1 AND state <> 'resolved' AND state <> 'rejected'"
		" ORDER BY id DESC LIMIT 1";
	static const char SQL_SIBLING[] =
		"SELECT id FROM incident WHERE ckey = $1 AND id <> $2 AND parent_id IS NULL"
		" AND merged_into IS NULL AND state <> 'resolved' AND state <> 'rejected'"
		" ORDER BY id DESC LIMIT 1";
	static const char SQL_SETPARENT[] = "UPDATE incident SET parent_id = $1 WHERE id = $2";
	char pkey[200], detail[64];
	int64_t parent = 0, sibling = 0;
	struct db_stmt *st;
	int rc;

	snprintf(pkey, sizeof(pkey), "campaign|%s", ckey);
	if (!(st = desk_q(d, SQL_PARENT)))
		return VIGIL_EDB;
	desk_bind_text(d, st, 1, pkey);
	if ((rc = desk_step(d, st)) < 0)
		return rc;
	if (rc)
		parent = d->ops->col_int(st, 0);
	d->ops->reset(st);
	if (!parent) {
		if (!(st = desk_q(d, SQL_SIBLING)))
			return VIGIL_EDB;
		desk_bind_text(d, st, 1, ckey);
		desk_bind_int(d, st, 2, child);
		if ((rc = desk_step(d, st)) < 0)
			return rc;
		if (rc)
			sibling = d->ops->col_int(st, 0);
		d->ops->reset(st);
		if (!sibling)
			return 0;
		struct desk_incident p = *tmpl;
		p.host[0] = '\0';
		p.site[0] = '\0';
		snprintf(p.subject, sizeof(p.subject), "campaign: %s %s", tmpl->kind, tmpl->peer);
		if ((rc = desk_create(d, &p, pkey, "", "campaign parent: several sites/hosts", &parent)))
			return rc;
		if (!(st = desk_q(d, SQL_SETPARENT)))
			return VIGIL_EDB;
		desk_bind_int(d, st, 1, parent);
		desk_bind_int(d, st, 2, sibling);
		if (desk_run(d, st))
			return VIGIL_EDB;
		snprintf(detail, sizeof(detail), "{\"parent\":%lld}", (long long)parent);
		if (desk_audit_add(d, sibling, "set-parent", detail))
			return VIGIL_EDB;
	}
	if (!(st = desk_q(d, SQL_SETPARENT)))
		return VIGIL_EDB;
	desk_bind_int(d, st, 1, parent);
	desk_bind_int(d, st, 2, child);
	if (desk_run(d, st))
		return VIGIL_EDB;
	snprintf(detail, sizeof(detail), "{\"parent\":%lld}", (long long)parent);
	return desk_audit_add(d, child, "set-parent", detail);
}

static bool peer_kind(const char *kind)
{
	return !strcmp(kind, "cc") || !strcmp(kind, "blocklist");
}

int desk_rules_apply(struct desk *d, const struct event *e, struct desk_kc **kc_out, int *outcome)
{
	char host[ADDR_STRLEN], peer[ADDR_STRLEN] = "", site[128] = "", key[160], ckey[120] = "";
	struct desk_incident inc, prev;
	struct desk_kc *k;
	int64_t id;
	int rc;

	addr_format(&e->host, host);
	if (e->has_peer)
		addr_format(&e->peer, peer);
	if (d->site_fn && d->site_fn(d->site_ctx, &e->host, site, sizeof(site)) != 0)
		site[0] = '\0';
	site[sizeof(site) - 1] = '\0';
	if (peer_kind(e->kind) && e->has_peer) {
		snprintf(ckey, sizeof(ckey), "%s|%s", e->kind, peer);
		if (site[0])
			snprintf(key, sizeof(key), "%s|%s|@%s", e->kind, peer, site);
		else
			snprintf(key, sizeof(key), "%s|%s|%s", e->kind, host, peer);
	} else {
		snprintf(key, sizeof(key), "%s|%s", e->kind, host);
	}
	k = kc_slot(d, key);
	if (!k)
		return VIGIL_ELIMIT;
	if (k->id && e->first_ms <= k->last_seen + d->window_ms) {
		*outcome = 0;
		*kc_out = k;
		return 0;
	}
	if ((rc = find_by_key(d, key, &prev)))
		return rc;
	*outcome = 1;
	if (prev.id && is_open(prev.state) && e->first_ms <= prev.last_seen + d->window_ms) {
		*outcome = 0;
	} else if (prev.id && !strcmp(prev.state, "resolved") &&
		   e->last_ms <= prev.resolved_at + d->recurrence_ms) {
		if ((rc = desk_set_state(d, prev.id, prev.state, "open", "reopen",
					 "reopened by recurrence")))
			return rc;
		*outcome = 2;
	}
	if (*outcome != 1) {
		id = prev.id;
		inc = prev;
	} else {
		memset(&inc, 0, sizeof(inc));
		desk_copy(inc.kind, sizeof(inc.kind), e->kind);
		snprintf(inc.state, sizeof(inc.state), "new");
		desk_copy(inc.host, sizeof(inc.host), host);
		desk_copy(inc.peer, sizeof(inc.peer), peer);
		desk_copy(inc.site, sizeof(inc.site), site);
		desk_copy(inc.query, sizeof(inc.query), e->query);
		desk_copy(inc.subject, sizeof(inc.subject), e->why);
		inc.first_seen = e->first_ms;
		inc.last_seen = e->last_ms;
		if ((rc = desk_create(d, &inc, key, ckey, e->why, &id)))
			return rc;
		inc.id = id;
		inc.events = 0;
		if (prev.id && (rc = desk_link_in_tx(d, id, prev.id)))
			return rc;
		if (ckey[0] && (rc = attach_campaign(d, id, &inc, ckey)))
			return rc;
	}
	if (!k->id)
		d->kc_used++;
	memset(k, 0, sizeof(*k));
	desk_copy(k->key, sizeof(k->key), key);
	k->id = id;
	k->first_seen = inc.first_seen;
	k->last_seen = inc.last_seen;
	k->events = inc.events;
	*kc_out = k;
	return 0;
}
