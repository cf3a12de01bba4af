/*
 * ingest.c - events into the desk in batches. Each event is stored as a
 * report (raw JSON, source) keyed by its stable id - the first 128 bits of
 * SHA-256 over its canonical JSON - under a UNIQUE constraint, so a replay
 * after a crash or a detector repeating itself is counted as a duplicate and
 * never stored twice. The rules (rules.c) pick its incident. A batch is one
 * transaction; callers acknowledge only after desk_ingest_commit() returned.
 */
#include "desk/priv.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/vtime.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BATCH_EVENTS 1000
#define BATCH_MS 200
#define MAX_LINE (64 * 1024)

int desk_ingest_begin(struct desk *d)
{
	int rc = desk_tx_begin(d);

	if (rc == 0)
		d->tx_ingest = true;
	return rc;
}

static void batch_clear(struct desk *d)
{
	for (size_t i = 0; i < d->nbatch; i++)
		free(d->batch[i].raw);
	d->nbatch = 0;
	if (d->bset)
		memset(d->bset, 0, d->bset_cap * sizeof(*d->bset));
	memset(&d->bst, 0, sizeof(d->bst));
}

void desk_ingest_rollback(struct desk *d)
{
	desk_tx_rollback(d);
	batch_clear(d);
	d->careful = false;
}

static void event_id(const struct event *e, char *eid)
{
	struct buf b;
	char hex[SHA256_HEXLEN];

	buf_init(&b, 8192);
	event_to_json(e, &b);
	sha256_hex(b.data ? b.data : "", b.len, hex);
	buf_free(&b);
	memcpy(eid, hex, 32);
	eid[32] = '\0';
}

/* A duplicate: count it on the stored event and on its incident. */
static int count_duplicate(struct desk *d, const char *eid)
{
	static const char SQL_EDUP[] = "UPDATE event SET dups = dups + 1 WHERE eid = $1";
	static const char SQL_IDUP[] =
		"UPDATE incident SET dups = dups + 1 WHERE id = (SELECT incident_id FROM event WHERE eid = $1)";
	struct db_stmt *st;

	if (!(st = desk_q(d, SQL_EDUP)))
		return VIGIL_EDB;
	desk_bind_text(d, st, 1, eid);
	if (desk_defer(d, st, false))
		return VIGIL_EDB;
	if (!(st = desk_q(d, SQL_IDUP)))
		return VIGIL_EDB;
	desk_bind_text(d, st, 1, eid);
	return desk_defer(d, st, false);
}

/*
 * One event into the open batch. Fast mode queues the report and event
 * inserts (ON CONFLICT DO NOTHING) without waiting and assumes the event is
 * new; if any turns out to exist, COMMIT reports it and the whole batch is
 * replayed in careful mode, which checks each report insert at once.
 */
static int ingest_one(struct desk *d, const struct desk_pending *p)
{
	static const char SQL_REPORT[] =
		"INSERT INTO report (eid, source, received, raw) VALUES ($1, $2, $3, $4)"
		" ON CONFLICT (eid) DO NOTHING";
	static const char SQL_EVENT[] =
		"INSERT INTO event (eid, incident_id, kind, host, peer, port, proto, first_ms, last_ms,"
		" flows, packets, bytes, score, why, query, source)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
		" ON CONFLICT (eid) DO NOTHING";
	const struct event *e = &p->e;
	const char *eid = p->eid;
	char host[ADDR_STRLEN], peer[ADDR_STRLEN] = "", score[32];
	struct desk_ingest_stats *st = &d->bst;
	struct desk_kc *k;
	struct db_stmt *q;
	int outcome, rc;

	if (p->dup) { /* within the batch: the first one's insert is queued before this update */
		st->events++;
		st->duplicates++;
		return count_duplicate(d, eid);
	}
	if (!(q = desk_q(d, SQL_REPORT)))
		return VIGIL_EDB;
	desk_bind_text(d, q, 1, eid);
	desk_bind_text(d, q, 2, p->source[0] ? p->source : (e->source[0] ? e->source : "event"));
	desk_bind_int(d, q, 3, vtime_now_ms());
	desk_bind_text(d, q, 4, p->raw);
	if (desk_defer(d, q, true))
		return VIGIL_EDB;
	st->events++;
	if (d->careful) {
		int misses = d->ops->sync(d->db);

		if (misses < 0)
			return VIGIL_EDB;
		if (misses > 0) {
			st->duplicates++;
			return count_duplicate(d, eid);
		}
	}
	if (d->kc_used >= DESK_KEYCACHE / 2) {
		if ((rc = desk_kc_flush(d)))
			return rc;
		desk_kc_clear(d);
	}
	if ((rc = desk_rules_apply(d, e, &k, &outcome)))
		return rc;
	if (!(q = desk_q(d, SQL_EVENT)))
		return VIGIL_EDB;
	addr_format(&e->host, host);
	if (e->has_peer)
		addr_format(&e->peer, peer);
	snprintf(score, sizeof(score), "%.17g", e->score);
	desk_bind_text(d, q, 1, eid);
	desk_bind_int(d, q, 2, k->id);
	desk_bind_text(d, q, 3, e->kind);
	desk_bind_text(d, q, 4, host);
	desk_bind_text(d, q, 5, peer);
	desk_bind_int(d, q, 6, e->port);
	desk_bind_int(d, q, 7, e->proto);
	desk_bind_int(d, q, 8, e->first_ms);
	desk_bind_int(d, q, 9, e->last_ms);
	desk_bind_int(d, q, 10, (int64_t)(e->flows > INT64_MAX ? INT64_MAX : e->flows));
	desk_bind_int(d, q, 11, (int64_t)(e->packets > INT64_MAX ? INT64_MAX : e->packets));
	desk_bind_int(d, q, 12, (int64_t)(e->bytes > INT64_MAX ? INT64_MAX : e->bytes));
	desk_bind_text(d, q, 13, score);
	desk_bind_text(d, q, 14, e->why);
	desk_bind_text(d, q, 15, e->query);
	desk_bind_text(d, q, 16, e->source);
	if (desk_defer(d, q, !d->careful))
		return VIGIL_EDB;
	k->events++;
	if (e->first_ms < k->first_seen || !k->first_seen)
		k->first_seen = e->first_ms;
	if (e->last_ms > k->last_seen)
		k->last_seen = e->last_ms;
	k->dirty = true;
	if (outcome == 0) {
		k->joined++;
		st->joined++;
	} else if (outcome == 1) {
		st->new_incidents++;
	} else {
		st->reopened++;
		st->joined++;
	}
	return 0;
}

static uint64_t eid_hash(const char *eid)
{
	uint64_t h = 0;

	for (int i = 0; i < 16; i++) /* eid is hex of a hash already */
		h = h << 4 | (uint64_t)(eid[i] <= '9' ? eid[i] - '0' : eid[i] - 'a' + 10);
	return h;
}

/* Whether eid is already in the open batch; else remember it as batch index idx. */
static int batch_seen(struct desk *d, const char *eid, size_t idx, bool *seen)
{
	size_t i;

	if (d->bset_cap < 2 * (d->nbatch + 1)) {
		size_t ncap = d->bset_cap ? d->bset_cap * 2 : 1024;
		uint32_t *ns;

		while (ncap < 2 * (d->nbatch + 1))
			ncap *= 2;
		if (!(ns = calloc(ncap, sizeof(*ns))))
			return VIGIL_ENOMEM;
		free(d->bset);
		d->bset = ns;
		d->bset_cap = ncap;
		for (size_t j = 0; j < d->nbatch; j++) { /* rehash */
			for (i = eid_hash(d->batch[j].eid) & (ncap - 1); ns[i]; i = (i + 1) & (ncap - 1))
				;
			ns[i] = (uint32_t)j + 1;
		}
	}
	*seen = false;
	for (i = eid_hash(eid) & (d->bset_cap - 1); d->bset[i]; i = (i + 1) & (d->bset_cap - 1)) {
		if (!strcmp(d->batch[d->bset[i] - 1].eid, eid)) {
			*seen = true;
			return 0;
		}
	}
	d->bset[i] = (uint32_t)idx + 1;
	return 0;
}

int desk_ingest_event(struct desk *d, const struct event *e, const char *raw, size_t rawlen,
		      const char *source, struct desk_ingest_stats *st)
{
	struct desk_pending *p;
	char eid[33];
	bool seen;
	int rc;

	if (!d->in_tx || !d->tx_ingest)
		return VIGIL_ESTATE;
	if (d->nbatch == d->capbatch) {
		size_t ncap = d->capbatch ? d->capbatch * 2 : 256;
		struct desk_pending *nb = realloc(d->batch, ncap * sizeof(*nb));

		if (!nb)
			return VIGIL_ENOMEM;
		d->batch = nb;
		d->capbatch = ncap;
	}
	event_id(e, eid);
	d->st_out = st;
	if ((rc = batch_seen(d, eid, d->nbatch, &seen)))
		return rc;
	p = &d->batch[d->nbatch];
	p->dup = seen;
	memcpy(p->eid, eid, sizeof(eid));
	p->e = *e;
	p->len = rawlen;
	if (!(p->raw = malloc(rawlen + 1)))
		return VIGIL_ENOMEM;
	memcpy(p->raw, raw, rawlen);
	p->raw[rawlen] = '\0';
	desk_copy(p->source, sizeof(p->source), source);
	d->nbatch++;
	return ingest_one(d, p);
}

static void add_stats(struct desk_ingest_stats *to, const struct desk_ingest_stats *from)
{
	to->events += from->events;
	to->new_incidents += from->new_incidents;
	to->joined += from->joined;
	to->reopened += from->reopened;
	to->duplicates += from->duplicates;
	to->bad += from->bad;
}

static int store_position(struct desk *d, const char *pos_key, const char *pos_file, int64_t pos_off)
{
	static const char SQL_POS[] =
		"INSERT INTO follow_pos (dir, file, off) VALUES ($1, $2, $3)"
		" ON CONFLICT (dir) DO UPDATE SET file = excluded.file, off = excluded.off";
	struct db_stmt *q;

	if (!pos_key)
		return 0;
	if (!(q = desk_q(d, SQL_POS)))
		return VIGIL_EDB;
	desk_bind_text(d, q, 1, pos_key);
	desk_bind_text(d, q, 2, pos_file);
	desk_bind_int(d, q, 3, pos_off);
	return desk_defer(d, q, false);
}

int desk_ingest_commit(struct desk *d, const char *pos_key, const char *pos_file, int64_t pos_off)
{
	int rc;

	if (!d->in_tx || !d->tx_ingest)
		return VIGIL_ESTATE;
	if ((rc = store_position(d, pos_key, pos_file, pos_off)))
		goto fail;
	rc = desk_tx_commit(d);
	if (rc == VIGIL_EEXIST && !d->careful) {
		/* Some event was stored before (a replay, a repeating detector):
		 * redo the batch checking each one. */
		desk_tx_rollback(d);
		memset(&d->bst, 0, sizeof(d->bst));
		d->careful = true;
		if ((rc = desk_ingest_begin(d)))
			goto fail;
		for (size_t i = 0; i < d->nbatch; i++)
			if ((rc = ingest_one(d, &d->batch[i])))
				goto fail;
		if ((rc = store_position(d, pos_key, pos_file, pos_off)))
			goto fail;
		rc = desk_tx_commit(d);
	}
	if (rc)
		goto fail;
	if (d->st_out)
		add_stats(d->st_out, &d->bst);
	batch_clear(d);
	d->careful = false;
	return 0;
fail:
	if (rc == VIGIL_EEXIST)
		rc = VIGIL_EDB;
	desk_ingest_rollback(d);
	return rc;
}

int desk_follow_position(struct desk *d, const char *dir, char *file, size_t n, int64_t *off)
{
	static const char SQL_GETPOS[] = "SELECT file, off FROM follow_pos WHERE dir = $1";
	struct db_stmt *q;
	int rc;

	file[0] = '\0';
	*off = 0;
	if (!(q = desk_q(d, SQL_GETPOS)))
		return VIGIL_EDB;
	desk_bind_text(d, q, 1, dir);
	rc = desk_step(d, q);
	if (rc == 1) {
		const char *f = d->ops->col_text(q, 0);

		snprintf(file, n, "%s", f ? f : "");
		*off = d->ops->col_int(q, 1);
	}
	d->ops->reset(q);
	return rc < 0 ? VIGIL_EDB : 0;
}

/* Parse and add one line; bad lines are reported and counted. */
int desk_ingest_line(struct desk *d, const char *line, size_t len, const char *name,
		     uint64_t lineno, struct desk_ingest_stats *st)
{
	struct event e;
	char why[160];

	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (len == 0)
		return 0;
	if (event_from_json(line, len, &e, why, sizeof(why)) != 0) {
		fprintf(stderr, "%s:%llu: %s\n", name, (unsigned long long)lineno, why);
		st->bad++;
		return 0;
	}
	return desk_ingest_event(d, &e, line, len, name, st);
}

/* Commit the open batch and acknowledge it. */
static int ack_batch(struct desk *d, struct desk_ingest_stats *st, const struct desk_ingest_stats *pending,
		     void (*ack)(void *ctx, const struct desk_ingest_stats *st), void *ctx)
{
	int rc = desk_ingest_commit(d, NULL, NULL, 0);

	if (rc)
		return rc;
	*st = *pending;
	if (ack)
		ack(ctx, st);
	return 0;
}

int desk_ingest_stream(struct desk *d, int fd, const char *name, struct desk_ingest_stats *st,
		       void (*ack)(void *ctx, const struct desk_ingest_stats *st), void *ctx)
{
	size_t cap = 4 * MAX_LINE, len = 0, pos = 0;
	char *buf = malloc(cap);
	uint64_t lineno = 0, inbatch = 0, t0 = 0;
	struct desk_ingest_stats pending = *st;
	bool eof = false, skipping = false;
	int rc = 0;

	if (!buf)
		return VIGIL_ENOMEM;
	for (;;) {
		char *nl = memchr(buf + pos, '\n', len - pos);

		if (nl || (eof && pos < len)) {
			size_t n = nl ? (size_t)(nl - (buf + pos)) + 1 : len - pos;

			if (!d->in_tx) {
				if ((rc = desk_ingest_begin(d)))
					goto out;
				t0 = vtime_mono_ns();
				inbatch = 0;
			}
			lineno++;
			if (skipping) {
				skipping = false;
			} else if ((rc = desk_ingest_line(d, buf + pos, n, name, lineno, &pending))) {
				goto out;
			}
			pos += n;
			if (++inbatch >= BATCH_EVENTS || vtime_mono_ns() - t0 >= BATCH_MS * 1000000ULL)
				if ((rc = ack_batch(d, st, &pending, ack, ctx)))
					goto out;
			continue;
		}
		if (eof)
			break;
		memmove(buf, buf + pos, len - pos);
		len -= pos;
		pos = 0;
		if (len == cap) { /* no newline in 4 x MAX_LINE: drop it up to the next one */
			if (!skipping)
				fprintf(stderr, "%s:%llu: line longer than %d bytes\n", name,
					(unsigned long long)lineno + 1, MAX_LINE);
			pending.bad += !skipping;
			skipping = true;
			len = 0;
		}
		if (d->in_tx) {
			uint64_t el = (vtime_mono_ns() - t0) / 1000000ULL;
			struct pollfd p = { .fd = fd, .events = POLLIN };
			int w = poll(&p, 1, el >= BATCH_MS ? 0 : (int)(BATCH_MS - el));

			if (w == 0) { /* input paused: do not hold events unacknowledged */
				if ((rc = ack_batch(d, st, &pending, ack, ctx)))
					goto out;
				continue;
			}
		}
		ssize_t r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = VIGIL_EIO;
			goto out;
		}
		if (r == 0)
			eof = true;
		len += (size_t)r;
	}
	if (d->in_tx && (rc = ack_batch(d, st, &pending, ack, ctx)))
		goto out;
	*st = pending;
out:
	if (rc && d->in_tx)
		desk_ingest_rollback(d);
	free(buf);
	return rc;
}
