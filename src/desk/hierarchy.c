/*
 * hierarchy.c - reshaping incidents by hand: merge several into one (their
 * events, children, notes and blocks move; the others stay as records
 * marked merged_into), and split the events of some hosts off into a new
 * incident. Counters are recomputed from the events afterwards.
 */
#include "desk/priv.h"
#include "util/err.h"
#include "util/vtime.h"

#include <stdio.h>
#include <string.h>

/* events/first_seen/last_seen of id from its event rows. */
static int recount(struct desk *d, int64_t id)
{
	static const char SQL_RECOUNT[] =
		"UPDATE incident SET events = (SELECT COUNT(*) FROM event WHERE incident_id = $1),"
		" first_seen = COALESCE((SELECT MIN(first_ms) FROM event WHERE incident_id = $1), first_seen),"
		" last_seen = COALESCE((SELECT MAX(last_ms) FROM event WHERE incident_id = $1), last_seen),"
		" dups = (SELECT COALESCE(SUM(dups), 0) FROM event WHERE incident_id = $1),"
		" updated = $2 WHERE id = $1";
	struct db_stmt *st = desk_q(d, SQL_RECOUNT);

	if (!st)
		return VIGIL_EDB;
	desk_bind_int(d, st, 1, id);
	desk_bind_int(d, st, 2, vtime_now_ms());
	if (desk_run(d, st))
		return VIGIL_EDB;
	return desk_peers_rebuild(d, id);
}

/* Run one of the "move rows from incident $2 to $1" statements. */
static int move(struct desk *d, const char *sql, int64_t to, int64_t from)
{
	struct db_stmt *st = desk_q(d, sql);

	if (!st)
		return VIGIL_EDB;
	desk_bind_int(d, st, 1, to);
	desk_bind_int(d, st, 2, from);
	return desk_run(d, st);
}

int desk_incident_merge(struct desk *d, const int64_t *ids, size_t n, char *err, size_t errlen)
{
	static const char SQL_MV_EV[] = "UPDATE event SET incident_id = $1 WHERE incident_id = $2";
	static const char SQL_MV_INV[] = "UPDATE investigation SET incident_id = $1 WHERE incident_id = $2";
	static const char SQL_MV_BLK[] = "UPDATE block SET incident_id = $1 WHERE incident_id = $2";
	static const char SQL_MV_KID[] = "UPDATE incident SET parent_id = $1 WHERE parent_id = $2";
	static const char SQL_MERGED[] = "UPDATE incident SET merged_into = $1 WHERE id = $2";
	struct desk_incident inc;
	json_t *list;
	int rc;

	if (n < 2) {
		snprintf(err, errlen, "merge needs at least two incidents");
		return VIGIL_EINVAL;
	}
	if ((rc = desk_tx_begin(d)))
		return rc;
	list = json_array();
	for (size_t i = 0; i < n; i++) {
		if (desk_load(d, ids[i], &inc)) {
			snprintf(err, errlen, "no incident %lld", (long long)ids[i]);
			rc = VIGIL_ENOTFOUND;
			goto fail;
		}
		if (inc.merged_into) {
			snprintf(err, errlen, "incident %lld is already merged into %lld",
				 (long long)ids[i], (long long)inc.merged_into);
			rc = VIGIL_ESTATE;
			goto fail;
		}
		for (size_t j = 0; j < i; j++) {
			if (ids[j] == ids[i]) {
				snprintf(err, errlen, "incident %lld named twice", (long long)ids[i]);
				rc = VIGIL_EINVAL;
				goto fail;
			}
		}
	}
	for (size_t i = 1; i < n; i++) {
		if ((rc = move(d, SQL_MV_EV, ids[0], ids[i])) || (rc = move(d, SQL_MV_INV, ids[0], ids[i])) ||
		    (rc = move(d, SQL_MV_BLK, ids[0], ids[i])) || (rc = move(d, SQL_MV_KID, ids[0], ids[i])) ||
		    (rc = move(d, SQL_MERGED, ids[0], ids[i])) || (rc = recount(d, ids[i])))
			goto fail;
		json_array_append_new(list, json_integer(ids[i]));
		if ((rc = desk_audit_json(d, ids[i], "merged-into", json_pack("{s:I}", "into", (json_int_t)ids[0]))))
			goto fail;
	}
	if ((rc = recount(d, ids[0])))
		goto fail;
	rc = desk_audit_json(d, ids[0], "merge", json_pack("{s:O}", "merged", list));
	if (rc)
		goto fail;
	json_decref(list);
	return desk_tx_commit(d);
fail:
	json_decref(list);
	if (!err[0])
		snprintf(err, errlen, "%s", vigil_strerror(rc));
	desk_tx_rollback(d);
	return rc;
}

int desk_incident_split(struct desk *d, int64_t id, const char *const *hosts, size_t nhosts,
			int64_t *newid, char *err, size_t errlen)
{
	static const char SQL_MV_HOST[] =
		"UPDATE event SET incident_id = $1 WHERE incident_id = $2 AND host = $3";
	struct desk_incident inc, fresh;
	json_t *list = json_array();
	char key[160];
	int64_t moved = 0;
	int rc;

	if (nhosts == 0) {
		snprintf(err, errlen, "split needs --host");
		json_decref(list);
		return VIGIL_EINVAL;
	}
	if ((rc = desk_tx_begin(d))) {
		json_decref(list);
		return rc;
	}
	if (desk_load(d, id, &inc)) {
		snprintf(err, errlen, "no incident %lld", (long long)id);
		rc = VIGIL_ENOTFOUND;
		goto fail;
	}
	fresh = inc;
	struct vaddr a;
	if (addr_parse(hosts[0], &a)) {
		snprintf(err, errlen, "%s: not an IP address", hosts[0]);
		rc = VIGIL_EINVAL;
		goto fail;
	}
	addr_format(&a, fresh.host);
	snprintf(fresh.state, sizeof(fresh.state), "new");
	snprintf(fresh.subject, sizeof(fresh.subject), "split from %lld: %.200s", (long long)id, inc.subject);
	snprintf(key, sizeof(key), "%s|%s", inc.kind, fresh.host);
	if ((rc = desk_create(d, &fresh, key, "", "split", newid)))
		goto fail;
	for (size_t i = 0; i < nhosts; i++) {
		struct db_stmt *st;
		char h[ADDR_STRLEN];

		if (addr_parse(hosts[i], &a)) {
			snprintf(err, errlen, "%s: not an IP address", hosts[i]);
			rc = VIGIL_EINVAL;
			goto fail;
		}
		addr_format(&a, h);
		if (!(st = desk_q(d, SQL_MV_HOST))) {
			rc = VIGIL_EDB;
			goto fail;
		}
		desk_bind_int(d, st, 1, *newid);
		desk_bind_int(d, st, 2, id);
		desk_bind_text(d, st, 3, h);
		if ((rc = desk_run(d, st)))
			goto fail;
		moved += d->ops->changes(st);
		json_array_append_new(list, json_string(h));
	}
	if (moved == 0) {
		snprintf(err, errlen, "incident %lld has no events of those hosts", (long long)id);
		rc = VIGIL_ENOTFOUND;
		goto fail;
	}
	if ((rc = recount(d, id)) || (rc = recount(d, *newid)))
		goto fail;
	if ((rc = desk_audit_json(d, id, "split", json_pack("{s:I, s:O, s:I}", "to", (json_int_t)*newid,
							      "hosts", list, "events", (json_int_t)moved))))
		goto fail;
	if ((rc = desk_audit_json(d, *newid, "split-from", json_pack("{s:I, s:O}", "from", (json_int_t)id,
								     "hosts", list))))
		goto fail;
	if ((rc = desk_link_in_tx(d, id, *newid)))
		goto fail;
	json_decref(list);
	return desk_tx_commit(d);
fail:
	json_decref(list);
	if (!err[0])
		snprintf(err, errlen, "%s", vigil_strerror(rc));
	desk_tx_rollback(d);
	return rc;
}
