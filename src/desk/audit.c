/*
 * audit.c - the append-only audit log: one row per change, each carrying
 * SHA-256(prev_hash "\n" canonical row), so editing, inserting or deleting a
 * row breaks the chain at that row; the head (last seq and hash) is kept in
 * audit_head, so cutting rows off the end shows too. Verification walks the
 * chain from the first row.
 */
#include "desk/priv.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/vtime.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

void desk_audit_hash(const char *prev, int64_t seq, int64_t time, const char *actor,
		     int64_t incident, const char *action, const char *detail, char *out)
{
	struct sha256 s;
	uint8_t dg[SHA256_LEN];
	char num[80];

	sha256_init(&s);
	sha256_update(&s, prev, strlen(prev));
	snprintf(num, sizeof(num), "\n%" PRId64 "\n%" PRId64 "\n", seq, time);
	sha256_update(&s, num, strlen(num));
	sha256_update(&s, actor, strlen(actor));
	snprintf(num, sizeof(num), "\n%" PRId64 "\n", incident);
	sha256_update(&s, num, strlen(num));
	sha256_update(&s, action, strlen(action));
	sha256_update(&s, "\n", 1);
	sha256_update(&s, detail, strlen(detail));
	sha256_final(&s, dg);
	sha256_tohex(dg, out);
}

#define AUDIT_NP 8

static const char AUDIT_HEAD[] =
	"INSERT INTO audit (seq, time, actor, incident_id, action, detail, prev_hash, hash) VALUES ";
static char sql_audit1[256], sql_auditn[4096];

static void build_audit_sql(char *out, size_t n, int rows)
{
	size_t len = (size_t)snprintf(out, n, "%s", AUDIT_HEAD);
	int k = 1;

	for (int r = 0; r < rows; r++) {
		len += (size_t)snprintf(out + len, n - len, r ? ",(" : "(");
		for (int c = 0; c < AUDIT_NP; c++, k++)
			len += (size_t)snprintf(out + len, n - len, c ? ",$%d" : "$%d", k);
		len += (size_t)snprintf(out + len, n - len, ")");
	}
}

void desk_audit_discard(struct desk *d)
{
	for (size_t i = 0; i < d->nabuf; i++)
		free(d->abuf[i].detail);
	d->nabuf = 0;
}

int desk_audit_flush(struct desk *d)
{
	struct db_stmt *st;
	size_t i = 0;
	int rc = 0;

	if (!sql_audit1[0]) {
		build_audit_sql(sql_audit1, sizeof(sql_audit1), 1);
		build_audit_sql(sql_auditn, sizeof(sql_auditn), DESK_AROWS);
	}
	while (i < d->nabuf) {
		size_t n = d->nabuf - i == DESK_AROWS ? DESK_AROWS : 1;

		if (!(st = desk_q(d, n == 1 ? sql_audit1 : sql_auditn))) {
			rc = VIGIL_EDB;
			break;
		}
		for (size_t r = 0; r < n; r++) {
			const struct desk_arow *a = &d->abuf[i + r];
			int b = (int)r * AUDIT_NP;

			desk_bind_int(d, st, b + 1, a->seq);
			desk_bind_int(d, st, b + 2, a->time);
			desk_bind_text(d, st, b + 3, d->actor);
			desk_bind_int(d, st, b + 4, a->incident);
			desk_bind_text(d, st, b + 5, a->action);
			desk_bind_text(d, st, b + 6, a->detail);
			desk_bind_text(d, st, b + 7, a->prev);
			desk_bind_text(d, st, b + 8, a->hash);
		}
		if (desk_defer(d, st, 0)) {
			rc = VIGIL_EDB;
			break;
		}
		i += n;
	}
	desk_audit_discard(d);
	return rc;
}

int desk_audit_add(struct desk *d, int64_t incident, const char *action, const char *detail)
{
	struct desk_arow *a;
	int rc;

	if (!d->in_tx)
		return VIGIL_ESTATE;
	if (!detail || !*detail)
		detail = "{}";
	a = &d->abuf[d->nabuf];
	if (!(a->detail = strdup(detail)))
		return VIGIL_ENOMEM;
	a->seq = d->head_seq + 1;
	a->time = vtime_now_ms();
	a->incident = incident;
	desk_copy(a->action, sizeof(a->action), action);
	memcpy(a->prev, d->head_hash, sizeof(a->prev));
	desk_audit_hash(d->head_hash, a->seq, a->time, d->actor, incident, a->action, a->detail, a->hash);
	d->nabuf++;
	d->head_seq = a->seq;
	memcpy(d->head_hash, a->hash, sizeof(a->hash));
	d->head_dirty = true;
	if (d->nabuf == DESK_AROWS && (rc = desk_audit_flush(d)))
		return rc;
	return 0;
}

static const char *txt(const char *s)
{
	return s ? s : "";
}

int desk_audit_verify(struct desk *d, int64_t *n, int64_t *bad_seq, char *err, size_t errlen)
{
	static const char SQL_ALL[] =
		"SELECT seq, time, actor, incident_id, action, detail, prev_hash, hash"
		" FROM audit ORDER BY seq";
	static const char SQL_HEAD[] = "SELECT seq, hash FROM audit_head WHERE id = 1";
	const struct db_ops *o = d->ops;
	struct db_stmt *st;
	char prev[SHA256_HEXLEN] = GENESIS, h[SHA256_HEXLEN];
	int64_t expect = 1, count = 0;
	int rc;

	*n = 0;
	*bad_seq = 0;
	if (!(st = desk_q(d, SQL_ALL)))
		return VIGIL_EDB;
	while ((rc = desk_step(d, st)) == 1) {
		int64_t seq = o->col_int(st, 0);

		if (seq != expect) {
			snprintf(err, errlen, "entry %lld: expected sequence number %lld (rows missing or inserted)",
				 (long long)seq, (long long)expect);
			*bad_seq = seq;
			goto tamper;
		}
		if (strcmp(txt(o->col_text(st, 6)), prev)) {
			snprintf(err, errlen, "entry %lld: prev_hash does not match entry %lld",
				 (long long)seq, (long long)seq - 1);
			*bad_seq = seq;
			goto tamper;
		}
		desk_audit_hash(prev, seq, o->col_int(st, 1), txt(o->col_text(st, 2)), o->col_int(st, 3),
				txt(o->col_text(st, 4)), txt(o->col_text(st, 5)), h);
		if (strcmp(h, txt(o->col_text(st, 7)))) {
			snprintf(err, errlen, "entry %lld: content does not match its hash (edited)",
				 (long long)seq);
			*bad_seq = seq;
			goto tamper;
		}
		memcpy(prev, h, sizeof(prev));
		expect++;
		count++;
	}
	o->reset(st);
	if (rc < 0)
		return VIGIL_EDB;
	if (!(st = desk_q(d, SQL_HEAD)) || desk_step(d, st) != 1)
		return VIGIL_EDB;
	if (o->col_int(st, 0) != count || strcmp(txt(o->col_text(st, 1)), prev)) {
		snprintf(err, errlen, "the log ends at entry %lld but its head says %lld (rows removed from the end)",
			 (long long)count, (long long)o->col_int(st, 0));
		*bad_seq = count + 1;
		o->reset(st);
		return VIGIL_ETAMPER;
	}
	o->reset(st);
	*n = count;
	return 0;
tamper:
	o->reset(st);
	*n = count;
	return VIGIL_ETAMPER;
}
