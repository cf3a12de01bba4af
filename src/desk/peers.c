/*
 * peers.c - the peers of an incident and the campaigns they make.
 *
 * One host to clean is one incident, whichever servers it talked to: a cc
 * or blocklist incident lists its peers in incident_peer (kind, peer,
 * incident). A peer that a second host's open incident also has makes a
 * campaign: a parent incident keyed "campaign|kind|peer" made when the
 * second host shows up. A host incident's first campaign is its parent;
 * campaigns of its other peers are linked to it (an incident has one parent).
 */
#include "desk/priv.h"
#include "util/err.h"
#include "util/vtime.h"

#include <stdio.h>
#include <string.h>

/* x's parent becomes parent, or, when x has another parent, x is linked to it. */
static int join_campaign(struct desk *d, int64_t x, int64_t parent)
{
	static const char SQL_PARENT_OF[] = "SELECT parent_id FROM incident WHERE id = $1";
	static const char SQL_SETPARENT[] = "UPDATE incident SET parent_id = $1 WHERE id = $2";
	struct db_stmt *st;
	int64_t cur = 0;
	char detail[64];
	int rc;

	if (!(st = desk_q(d, SQL_PARENT_OF)))
		return VIGIL_EDB;
	desk_bind_int(d, st, 1, x);
	if ((rc = desk_step(d, st)) < 0)
		return rc;
	if (rc)
		cur = d->ops->col_int(st, 0);
	d->ops->reset(st);
	if (cur == parent)
		return 0;
	if (cur)
		return desk_link_in_tx(d, x, parent);
	if (!(st = desk_q(d, SQL_SETPARENT)))
		return VIGIL_EDB;
	desk_bind_int(d, st, 1, parent);
	desk_bind_int(d, st, 2, x);
	if (desk_run(d, st))
		return VIGIL_EDB;
	snprintf(detail, sizeof(detail), "{\"parent\":%lld}", (long long)parent);
	return desk_audit_add(d, x, "set-parent", detail);
}

/* Incident id gained peer (of kind): find or make the peer's campaign. */
static int campaign(struct desk *d, int64_t id, const char *kind, const char *peer)
{
	static const char SQL_PARENT[] =
		"SELECT id FROM incident WHERE key = $1 AND state <> 'resolved' AND state <> 'rejected'"
		" ORDER BY id DESC LIMIT 1";
	static const char SQL_SIBLING[] =
		"SELECT p.incident_id FROM incident_peer p JOIN incident i ON i.id = p.incident_id"
		" WHERE p.kind = $1 AND p.peer = $2 AND p.incident_id <> $3 AND i.merged_into IS NULL"
		" AND i.state <> 'resolved' AND i.state <> 'rejected'"
		" ORDER BY p.incident_id DESC LIMIT 1";
	struct desk_incident p;
	char pkey[200];
	int64_t parent = 0, sibling = 0;
	struct db_stmt *st;
	int rc;

	snprintf(pkey, sizeof(pkey), "campaign|%s|%s", kind, peer);
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
		desk_bind_text(d, st, 1, kind);
		desk_bind_text(d, st, 2, peer);
		desk_bind_int(d, st, 3, id);
		if ((rc = desk_step(d, st)) < 0)
			return rc;
		if (rc)
			sibling = d->ops->col_int(st, 0);
		d->ops->reset(st);
		if (!sibling)
			return 0;
		memset(&p, 0, sizeof(p));
		desk_copy(p.kind, sizeof(p.kind), kind);
		snprintf(p.state, sizeof(p.state), "new");
		desk_copy(p.peer, sizeof(p.peer), peer);
		snprintf(p.subject, sizeof(p.subject), "campaign: %s %s", kind, peer);
		if ((rc = desk_create(d, &p, pkey, "", "campaign parent: several hosts", &parent)))
			return rc;
		if ((rc = join_campaign(d, sibling, parent)))
			return rc;
	}
	return join_campaign(d, id, parent);
}

static uint32_t peer_hash(const char *kind, const char *peer)
{
	uint32_t h = 2166136261u;

	for (const char *s = kind; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	h = (h ^ '|') * 16777619u;
	for (const char *s = peer; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h | 1;
}

int desk_peer_seen(struct desk *d, struct desk_kc *k, const char *kind, const char *peer,
		   int64_t first_ms)
{
	static const char SQL_ADD[] =
		"INSERT INTO incident_peer (kind, peer, incident_id, first_ms) VALUES ($1, $2, $3, $4)"
		" ON CONFLICT DO NOTHING RETURNING incident_id";
	uint32_t h = peer_hash(kind, peer);
	struct db_stmt *st;
	int rc;

	for (size_t i = 0; i < DESK_KC_PEERS; i++)
		if (k->peers[i] == h)
			return 0;
	k->peers[k->npeer++ % DESK_KC_PEERS] = h;
	if (!(st = desk_q(d, SQL_ADD)))
		return VIGIL_EDB;
	desk_bind_text(d, st, 1, kind);
	desk_bind_text(d, st, 2, peer);
	desk_bind_int(d, st, 3, k->id);
	desk_bind_int(d, st, 4, first_ms);
	rc = desk_step(d, st);
	d->ops->reset(st);
	if (rc <= 0)
		return rc; /* known already (or an error) */
	return campaign(d, k->id, kind, peer);
}

int desk_peers_rebuild(struct desk *d, int64_t id)
{
	static const char SQL_DEL[] = "DELETE FROM incident_peer WHERE incident_id = $1";
	static const char SQL_FILL[] =
		"INSERT INTO incident_peer (kind, peer, incident_id, first_ms)"
		" SELECT kind, peer, incident_id, MIN(first_ms) FROM event"
		" WHERE incident_id = $1 AND peer <> '' AND (kind = 'cc' OR kind = 'blocklist')"
		" GROUP BY kind, peer, incident_id ON CONFLICT DO NOTHING";
	struct db_stmt *st;

	if (!(st = desk_q(d, SQL_DEL)))
		return VIGIL_EDB;
	desk_bind_int(d, st, 1, id);
	if (desk_run(d, st))
		return VIGIL_EDB;
	if (!(st = desk_q(d, SQL_FILL)))
		return VIGIL_EDB;
	desk_bind_int(d, st, 1, id);
	return desk_run(d, st) ? VIGIL_EDB : 0;
}
