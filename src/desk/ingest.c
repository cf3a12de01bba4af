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
	d->rows_from = 0;
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

void desk_event_id(const struct event *e, char *eid)
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
	if (desk_defer(d, st, 0))
		return VIGIL_EDB;
	if (!(st = desk_q(d, SQL_IDUP)))
		return VIGIL_EDB;
	desk_bind_text(d, st, 1, eid);
	return desk_defer(d, st, 0);
}

#define ROWS 64 /* events a multi-row INSERT carries */

static const char REPORT_COLS[] = "INSERT INTO report (eid, source, received, raw) VALUES ";
static const char EVENT_COLS[] =
	"INSERT INTO event (eid, incident_id, kind, host, peer, port, proto, first_ms, last_ms,"
	" flows, packets, bytes, score, why, query, source, doc) VALUES ";
#define REPORT_NP 4
#define EVENT_NP 17

/* "INSERT ... VALUES ($1,..),(..) ... ON CONFLICT (eid) DO NOTHING" for rows rows into out. */
static void multi_sql(char *out, size_t n, const char *head, int np, int rows)
{
	size_t len = (size_t)snprintf(out, n, "%s", head);
	int k = 1;

	for (int r = 0; r < rows; r++) {
		len += (size_t)snprintf(out + len, n - len, r ? ",(" : "(");
		for (int c = 0; c < np; c++, k++)
			len += (size_t)snprintf(out + len, n - len, c ? ",$%d" : "$%d", k);
		len += (size_t)snprintf(out + len, n - len, ")");
	}
	snprintf(out + len, n - len, " ON CONFLICT (eid) DO NOTHING");
}

/* The single-row and ROWS-row statement texts (built once; their addresses key the cache). */
static char sql_report1[512], sql_reportn[4096], sql_event1[1024], sql_eventn[20480];

static void build_sql(void)
{
	if (sql_report1[0])
		return;
	multi_sql(sql_report1, sizeof(sql_report1), REPORT_COLS, REPORT_NP, 1);
	multi_sql(sql_reportn, sizeof(sql_reportn), REPORT_COLS, REPORT_NP, ROWS);
	multi_sql(sql_event1, sizeof(sql_event1), EVENT_COLS, EVENT_NP, 1);
	multi_sql(sql_eventn, sizeof(sql_eventn), EVENT_COLS, EVENT_NP, ROWS);
}

static void bind_report(struct desk *d, struct db_stmt *q, int base, const struct desk_pending *p)
{
	const struct event *e = &p->e;

	desk_bind_text(d, q, base + 1, p->eid);
	desk_bind_text(d, q, base + 2, p->source[0] ? p->source : (e->source[0] ? e->source : "event"));
	desk_bind_int(d, q, base + 3, vtime_now_ms());
	desk_bind_text(d, q, base + 4, p->raw);
}

static void bind_event(struct desk *d, struct db_stmt *q, int base, const struct desk_pending *p)
{
	const struct event *e = &p->e;
	char host[ADDR_STRLEN], peer[ADDR_STRLEN] = "", score[32];

	addr_format(&e->host, host);
	if (e->has_peer)
		addr_format(&e->peer, peer);
	snprintf(score, sizeof(score), "%.17g", e->score);
	desk_bind_text(d, q, base + 1, p->eid);
	desk_bind_int(d, q, base + 2, p->incident_id);
	desk_bind_text(d, q, base + 3, e->kind);
	desk_bind_text(d, q, base + 4, host);
	desk_bind_text(d, q, base + 5, peer);
	desk_bind_int(d, q, base + 6, e->port);
	desk_bind_int(d, q, base + 7, e->proto);
	desk_bind_int(d, q, base + 8, e->first_ms);
	desk_bind_int(d, q, base + 9, e->last_ms);
	desk_bind_int(d, q, base + 10, (int64_t)(e->flows > INT64_MAX ? INT64_MAX : e->flows));
	desk_bind_int(d, q, base + 11, (int64_t)(e->packets > INT64_MAX ? INT64_MAX : e->packets));
	desk_bind_int(d, q, base + 12, (int64_t)(e->bytes > INT64_MAX ? INT64_MAX : e->bytes));
	desk_bind_text(d, q, base + 13, score);
	desk_bind_text(d, q, base + 14, e->why);
	desk_bind_text(d, q, base + 15, e->query);
	desk_bind_text(d, q, base + 16, e->source);
	desk_bind_text(d, q, base + 17, e->doc);
}

/* Queue the report and event rows of batch[from..to) (not duplicates) as
 * inserts that must each add a row; ROWS at a time where possible. */
static int insert_rows(struct desk *d, size_t from, size_t to)
{
	const char *rs, *es;
	struct db_stmt *q;
	size_t n, i;
	int r;

	build_sql();
	while (from < to) {
		/* a full chunk only if none of its entries is a duplicate */
		n = to - from >= ROWS ? ROWS : 1;
		for (i = from; n == ROWS && i < from + ROWS; i++)
			if (d->batch[i].dup)
				n = 1;
		if (n == 1 && d->batch[from].dup) {
			from++;
			continue;
		}
		rs = n == ROWS ? sql_reportn : sql_report1;
		es = n == ROWS ? sql_eventn : sql_event1;
		if (!(q = desk_q(d, rs)))
			return VIGIL_EDB;
		for (r = 0; r < (int)n; r++)
			bind_report(d, q, r * REPORT_NP, &d->batch[from + (size_t)r]);
		if (desk_defer(d, q, (int64_t)n))
			return VIGIL_EDB;
		if (!(q = desk_q(d, es)))
			return VIGIL_EDB;
		for (r = 0; r < (int)n; r++)
			bind_event(d, q, r * EVENT_NP, &d->batch[from + (size_t)r]);
		if (desk_defer(d, q, (int64_t)n))
			return VIGIL_EDB;
		from += n;
	}
	return 0;
}

/* Queue the rows held back so far: full chunks only, or everything when all. */
static int flush_rows(struct desk *d, bool all)
{
	size_t to = d->nbatch;
	int rc;

	if (!all)
		to = d->rows_from + (d->nbatch - d->rows_from) / ROWS * ROWS;
	if (to <= d->rows_from)
		return 0;
	rc = insert_rows(d, d->rows_from, to);
	d->rows_from = to;
	return rc;
}

/*
 * One event into the open batch. Fast mode assumes the event is new: the
 * rules run at once, its report and event rows are held and inserted ROWS at
 * a time (ON CONFLICT DO NOTHING, each must add a row). If any turns out to
 * exist, COMMIT says so and the whole batch is replayed in careful mode,
 * which inserts the report at once and checks it before the rules run.
 */
static int ingest_one(struct desk *d, struct desk_pending *p)
{
	struct desk_ingest_stats *st = &d->bst;
	struct desk_kc *k;
	struct db_stmt *q;
	int outcome, rc;

	st->events++;
	if (p->dup) { /* within the batch: the first one's insert goes before this update */
		st->duplicates++;
		if (!d->careful && (rc = flush_rows(d, true)))
			return rc;
		return count_duplicate(d, p->eid);
	}
	if (d->careful) {
		build_sql();
		if (!(q = desk_q(d, sql_report1)))
			return VIGIL_EDB;
		bind_report(d, q, 0, p);
		if (desk_defer(d, q, 1))
			return VIGIL_EDB;
		int misses = d->ops->sync(d->db);

		if (misses < 0)
			return VIGIL_EDB;
		if (misses > 0) {
			st->duplicates++;
			return count_duplicate(d, p->eid);
		}
	}
	if (d->kc_used >= DESK_KEYCACHE / 2) {
		if ((rc = desk_kc_flush(d)))
			return rc;
		desk_kc_clear(d);
	}
	if ((rc = desk_rules_apply(d, &p->e, &k, &outcome)))
		return rc;
	p->incident_id = k->id;
	if (d->careful) {
		if (!(q = desk_q(d, sql_event1)))
			return VIGIL_EDB;
		bind_event(d, q, 0, p);
		if (desk_defer(d, q, 0))
			return VIGIL_EDB;
	} else if ((rc = flush_rows(d, false))) {
		return rc;
	}
	k->events++;
	if (p->e.first_ms < k->first_seen || !k->first_seen)
		k->first_seen = p->e.first_ms;
	if (p->e.last_ms > k->last_seen)
		k->last_seen = p->e.last_ms;
	if ((rc = desk_kc_touch(d, k)))
		return rc;
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
	desk_event_id(e, eid);
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
	return desk_defer(d, q, 0);
}

int desk_ingest_commit(struct desk *d, const char *pos_key, const char *pos_file, int64_t pos_off)
{
	int rc;

	if (!d->in_tx || !d->tx_ingest)
		return VIGIL_ESTATE;
	if ((rc = flush_rows(d, true)) || (rc = store_position(d, pos_key, pos_file, pos_off)))
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
