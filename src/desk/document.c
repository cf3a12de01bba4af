/*
 * document.c - the raw documents (mails) that reports came in, kept whole as
 * evidence under their SHA-256, with the Message-Id and the senders' case ids
 * that make a resent notice a duplicate instead of a second incident.
 *
 * A document is stored (one transaction), its events are ingested (their own
 * batch), then it is marked filed (a third). A crash in between leaves it
 * stored and not filed; filing it again is safe because its events carry the
 * document's hash and so have the same ids: they come back as duplicates.
 */
#include "desk/priv.h"
#include "util/b64.h"
#include "util/err.h"
#include "util/vtime.h"

#include <stdlib.h>
#include <string.h>

static void row_document(struct desk *d, struct db_stmt *st, struct desk_document *o)
{
	const char *s;

	memset(o, 0, sizeof(*o));
	o->id = d->ops->col_int(st, 0);
	desk_copy(o->sha256, sizeof(o->sha256), d->ops->col_text(st, 1));
	desk_copy(o->message_id, sizeof(o->message_id), d->ops->col_text(st, 2));
	desk_copy(o->sender, sizeof(o->sender), d->ops->col_text(st, 3));
	desk_copy(o->subject, sizeof(o->subject), d->ops->col_text(st, 4));
	desk_copy(o->origin, sizeof(o->origin), d->ops->col_text(st, 5));
	o->received = d->ops->col_int(st, 6);
	o->size = d->ops->col_int(st, 7);
	o->filed = d->ops->col_int(st, 8) != 0;
	s = d->ops->col_text(st, 9);
	desk_copy(o->outcome, sizeof(o->outcome), s ? s : "");
}

#define DOC_COLS "id, sha256, message_id, sender, subject, origin, received, size, filed, outcome"

int desk_document_add(struct desk *d, struct desk_document *doc, const void *raw, size_t len)
{
	static const char SQL_BYHASH[] = "SELECT " DOC_COLS " FROM document WHERE sha256 = $1";
	static const char SQL_BYMSGID[] = "SELECT " DOC_COLS " FROM document"
					  " WHERE message_id = $1 AND filed <> 0 ORDER BY id LIMIT 1";
	static const char SQL_ADD[] =
		"INSERT INTO document (sha256, message_id, sender, subject, origin, received, size, raw)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id";
	struct desk_document old;
	struct db_stmt *st;
	char *b64 = NULL;
	int rc, r;

	sha256_hex(raw, len, doc->sha256);
	if ((rc = desk_tx_begin(d)))
		return rc;
	rc = VIGIL_EDB;
	if (!(st = desk_q(d, SQL_BYHASH)))
		goto fail;
	desk_bind_text(d, st, 1, doc->sha256);
	if ((r = desk_step(d, st)) < 0)
		goto fail;
	if (r == 1) {
		row_document(d, st, &old);
		d->ops->reset(st);
		doc->id = old.id;
		desk_copy(doc->outcome, sizeof(doc->outcome), old.outcome);
		doc->filed = old.filed;
		desk_tx_rollback(d);
		return old.filed ? VIGIL_EEXIST : 0;
	}
	d->ops->reset(st);
	if (doc->message_id[0]) {
		if (!(st = desk_q(d, SQL_BYMSGID)))
			goto fail;
		desk_bind_text(d, st, 1, doc->message_id);
		if ((r = desk_step(d, st)) < 0)
			goto fail;
		if (r == 1) {
			row_document(d, st, &old);
			d->ops->reset(st);
			doc->id = old.id;
			doc->filed = true;
			desk_copy(doc->outcome, sizeof(doc->outcome), old.outcome);
			desk_tx_rollback(d);
			return VIGIL_EEXIST;
		}
		d->ops->reset(st);
	}
	rc = VIGIL_ENOMEM;
	if (!(b64 = malloc(b64_len(len) + 1)))
		goto fail;
	b64_encode(raw, len, b64);
	rc = VIGIL_EDB;
	if (!(st = desk_q(d, SQL_ADD)))
		goto fail;
	if (!doc->received)
		doc->received = vtime_now_ms();
	doc->size = (int64_t)len;
	desk_bind_text(d, st, 1, doc->sha256);
	desk_bind_text(d, st, 2, doc->message_id);
	desk_bind_text(d, st, 3, doc->sender);
	desk_bind_text(d, st, 4, doc->subject);
	desk_bind_text(d, st, 5, doc->origin);
	desk_bind_int(d, st, 6, doc->received);
	desk_bind_int(d, st, 7, doc->size);
	desk_bind_text(d, st, 8, b64);
	if (desk_step(d, st) != 1) {
		d->ops->reset(st);
		goto fail;
	}
	doc->id = d->ops->col_int(st, 0);
	d->ops->reset(st);
	free(b64);
	b64 = NULL;
	if ((rc = desk_audit_json(d, 0, "document",
				  json_pack("{s:I, s:s, s:s, s:s, s:s, s:I}", "document", (json_int_t)doc->id,
					    "sha256", doc->sha256, "message_id", doc->message_id,
					    "sender", doc->sender, "origin", doc->origin, "size",
					    (json_int_t)doc->size))))
		goto fail;
	return desk_tx_commit(d);
fail:
	free(b64);
	desk_tx_rollback(d);
	return rc;
}

int desk_document_case(struct desk *d, int64_t doc_id, const char *sender, const char *case_id)
{
	static const char SQL_GET[] = "SELECT document_id FROM report_case WHERE sender = $1 AND case_id = $2";
	static const char SQL_PUT[] = "INSERT INTO report_case (sender, case_id, document_id) VALUES ($1, $2, $3)";
	struct db_stmt *st;
	int64_t owner;
	int rc, r;

	if (!case_id || !case_id[0])
		return 0;
	if ((rc = desk_tx_begin(d)))
		return rc;
	rc = VIGIL_EDB;
	if (!(st = desk_q(d, SQL_GET)))
		goto fail;
	desk_bind_text(d, st, 1, sender ? sender : "");
	desk_bind_text(d, st, 2, case_id);
	if ((r = desk_step(d, st)) < 0)
		goto fail;
	if (r == 1) {
		owner = d->ops->col_int(st, 0);
		d->ops->reset(st);
		desk_tx_rollback(d);
		return owner == doc_id ? 0 : VIGIL_EEXIST;
	}
	d->ops->reset(st);
	if (!(st = desk_q(d, SQL_PUT)))
		goto fail;
	desk_bind_text(d, st, 1, sender ? sender : "");
	desk_bind_text(d, st, 2, case_id);
	desk_bind_int(d, st, 3, doc_id);
	if (desk_run(d, st))
		goto fail;
	return desk_tx_commit(d);
fail:
	desk_tx_rollback(d);
	return rc;
}

int desk_document_filed(struct desk *d, int64_t id, const char *outcome)
{
	static const char SQL_FILED[] = "UPDATE document SET filed = 1, outcome = $1 WHERE id = $2";
	struct db_stmt *st;
	int rc;

	if ((rc = desk_tx_begin(d)))
		return rc;
	rc = VIGIL_EDB;
	if (!(st = desk_q(d, SQL_FILED)))
		goto fail;
	desk_bind_text(d, st, 1, outcome ? outcome : "");
	desk_bind_int(d, st, 2, id);
	if (desk_run(d, st))
		goto fail;
	if (d->ops->changes(st) != 1) {
		rc = VIGIL_ENOTFOUND;
		goto fail;
	}
	return desk_tx_commit(d);
fail:
	desk_tx_rollback(d);
	return rc;
}

static bool is_hex(const char *s, size_t *n)
{
	size_t i = 0;

	while ((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))
		i++;
	*n = i;
	return s[i] == '\0';
}

int desk_document_get(struct desk *d, const char *ref, struct desk_document *out, char **raw,
		      size_t *len)
{
	static const char SQL_ID[] = "SELECT " DOC_COLS ", raw FROM document WHERE id = $1";
	static const char SQL_HASH[] = "SELECT " DOC_COLS ", raw FROM document"
				       " WHERE sha256 >= $1 AND sha256 <= $2 ORDER BY sha256 LIMIT 2";
	struct db_stmt *st;
	char lo[65], hi[65], *end;
	size_t n;
	long long v;
	int r, rc = VIGIL_ENOTFOUND;

	if (!ref || !*ref)
		return VIGIL_EINVAL;
	v = strtoll(ref, &end, 10);
	if (*end == '\0' && v > 0 && strlen(ref) < 8) {
		if (!(st = desk_q(d, SQL_ID)))
			return VIGIL_EDB;
		desk_bind_int(d, st, 1, v);
	} else {
		if (!is_hex(ref, &n) || n < 8 || n > 64)
			return VIGIL_EINVAL;
		memcpy(lo, ref, n);
		memcpy(hi, ref, n);
		memset(lo + n, '0', 64 - n);
		memset(hi + n, 'f', 64 - n);
		lo[64] = hi[64] = '\0';
		if (!(st = desk_q(d, SQL_HASH)))
			return VIGIL_EDB;
		desk_bind_text(d, st, 1, lo);
		desk_bind_text(d, st, 2, hi);
	}
	if ((r = desk_step(d, st)) < 0) {
		rc = VIGIL_EDB;
		goto out;
	}
	if (r == 0)
		goto out;
	row_document(d, st, out);
	if (raw) {
		const char *t = d->ops->col_text(st, 10);
		size_t tl = t ? strlen(t) : 0;

		rc = VIGIL_ENOMEM;
		if (!(*raw = malloc(tl / 4 * 3 + 4)))
			goto out;
		if (b64_decode(t ? t : "", tl, (unsigned char *)*raw, len)) {
			free(*raw);
			*raw = NULL;
			rc = VIGIL_EFORMAT;
			goto out;
		}
		(*raw)[*len] = '\0';
	}
	rc = 0;
	if ((r = desk_step(d, st)) == 1) { /* a prefix that names two documents */
		if (raw) {
			free(*raw);
			*raw = NULL;
		}
		rc = VIGIL_EEXIST;
	}
out:
	d->ops->reset(st);
	return rc;
}

int desk_document_list(struct desk *d, int64_t limit, int64_t offset,
		       int (*fn)(void *ctx, const struct desk_document *doc), void *ctx)
{
	static const char SQL[] = "SELECT " DOC_COLS " FROM document ORDER BY id DESC"
				  " LIMIT $1 OFFSET $2";
	struct db_stmt *st = NULL;
	struct desk_document doc;
	int rc;

	/* a statement of its own: fn may use the desk */
	if (d->ops->prepare(d->db, SQL, &st))
		return VIGIL_EDB;
	d->ops->bind_int(st, 1, limit > 0 ? limit : INT64_MAX);
	d->ops->bind_int(st, 2, offset > 0 ? offset : 0);
	while ((rc = desk_step(d, st)) == 1) {
		row_document(d, st, &doc);
		if (fn(ctx, &doc))
			break;
	}
	d->ops->finalize(st);
	return rc < 0 ? VIGIL_EDB : 0;
}

int desk_document_sites(struct desk *d, const char *sha256,
			int (*fn)(void *ctx, const char *site), void *ctx)
{
	static const char SQL[] = "SELECT DISTINCT i.site FROM event e JOIN incident i"
				  " ON i.id = e.incident_id WHERE e.doc = $1";
	struct db_stmt *st = NULL;
	int rc;

	if (d->ops->prepare(d->db, SQL, &st))
		return VIGIL_EDB;
	d->ops->bind_text(st, 1, sha256);
	while ((rc = desk_step(d, st)) == 1)
		if (fn(ctx, d->ops->col_text(st, 0) ? d->ops->col_text(st, 0) : ""))
			break;
	d->ops->finalize(st);
	return rc < 0 ? VIGIL_EDB : 0;
}
