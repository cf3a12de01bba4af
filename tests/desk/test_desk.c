/*
 * test_desk.c - the desk's contract, run unchanged against each backend:
 * `test_desk sqlite` (a temporary file) and `test_desk pg` (a fresh database
 * on the server in VIGIL_PG_URL; skipped with a message when unset).
 * Covers the aggregation rules (join, duplicate, window, reopen, recurrence,
 * parent/child campaigns with and without sites), the workflow, merge/split/
 * link, notes and blocks, the audit chain and tamper detection by direct SQL,
 * bad lines with their line numbers, and follow/resume from the stored position.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <limits.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "desk/desk.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/vtime.h"

static bool use_pg;
static const char *pg_base;
static char tmpdir[256];

struct fx {
	char url[512];
	char dbname[64];
	struct desk *d;
};

/* base URL with the database name replaced by name. */
static void pg_url_for(const char *name, char *out, size_t n)
{
	const char *slash = strrchr(pg_base, '/');
	int pre = (int)(slash - pg_base);

	snprintf(out, n, "%.*s/%s", pre, pg_base, name);
}

static void pg_admin(const char *sql)
{
	PGconn *c = PQconnectdb(pg_base);
	PGresult *r;

	assert_int_equal(PQstatus(c), CONNECTION_OK);
	r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
}

/* Run SQL on the desk's database behind its back (to tamper). */
static void raw_sql(struct fx *f, const char *sql)
{
	if (use_pg) {
		PGconn *c = PQconnectdb(f->url);
		PGresult *r = PQexec(c, sql);

		if (PQresultStatus(r) != PGRES_COMMAND_OK)
			fail_msg("%s: %s", sql, PQerrorMessage(c));
		PQclear(r);
		PQfinish(c);
	} else {
		sqlite3 *h;

		assert_int_equal(sqlite3_open(f->url + 7, &h), SQLITE_OK);
		sqlite3_busy_timeout(h, 5000);
		if (sqlite3_exec(h, sql, NULL, NULL, NULL) != SQLITE_OK)
			fail_msg("%s: %s", sql, sqlite3_errmsg(h));
		sqlite3_close(h);
	}
}

static int setup(void **state)
{
	static int n;
	struct fx *f = calloc(1, sizeof(*f));
	char err[256] = "";

	n++;
	if (use_pg) {
		char sql[128];

		snprintf(f->dbname, sizeof(f->dbname), "vigil_t_%d_%d", (int)getpid(), n);
		snprintf(sql, sizeof(sql), "CREATE DATABASE %s", f->dbname);
		pg_admin(sql);
		pg_url_for(f->dbname, f->url, sizeof(f->url));
	} else {
		snprintf(f->url, sizeof(f->url), "sqlite:%s/desk%d.sqlite", tmpdir, n);
	}
	if (desk_open(f->url, &f->d, err, sizeof(err)))
		fail_msg("desk_open %s: %s", f->url, err);
	desk_set_actor(f->d, "tester");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	desk_close(f->d);
	if (use_pg) {
		char sql[128];

		snprintf(sql, sizeof(sql), "DROP DATABASE %s", f->dbname);
		pg_admin(sql);
	} else {
		char p[600];

		snprintf(p, sizeof(p), "%s", f->url + 7);
		unlink(p);
		snprintf(p, sizeof(p), "%s-wal", f->url + 7);
		unlink(p);
		snprintf(p, sizeof(p), "%s-shm", f->url + 7);
		unlink(p);
	}
	free(f);
	return 0;
}

/* An event of kind for host (and peer), at hour h of a fixed day; n varies its counts. */
static void mkev(struct event *e, const char *kind, const char *host, const char *peer, int h, int n)
{
	event_init(e);
	snprintf(e->kind, sizeof(e->kind), "%s", kind);
	assert_int_equal(addr_parse(host, &e->host), 0);
	if (peer) {
		assert_int_equal(addr_parse(peer, &e->peer), 0);
		e->has_peer = true;
	}
	e->first_ms = 1763719200000LL + (int64_t)h * 3600000; /* 2025-11-21T10:00Z + h */
	e->last_ms = e->first_ms + 300000;
	e->flows = (uint64_t)n;
	e->packets = (uint64_t)n * 2;
	e->bytes = (uint64_t)n * 100;
	snprintf(e->why, sizeof(e->why), "test %s %d", kind, n);
}

/* Ingest events in one batch. */
static void ingest(struct fx *f, const struct event *ev, size_t n, struct desk_ingest_stats *st)
{
	struct buf b;

	buf_init(&b, 1 << 16);
	assert_int_equal(desk_ingest_begin(f->d), 0);
	for (size_t i = 0; i < n; i++) {
		buf_reset(&b);
		assert_int_equal(event_to_json(&ev[i], &b), 0);
		assert_int_equal(desk_ingest_event(f->d, &ev[i], b.data, b.len, "test", st), 0);
	}
	assert_int_equal(desk_ingest_commit(f->d, NULL, NULL, 0), 0);
	buf_free(&b);
}

static int count_cb(void *ctx, const struct desk_incident *inc)
{
	(void)inc;
	(*(int *)ctx)++;
	return 0;
}

static int count(struct fx *f, const struct desk_filter *flt)
{
	int n = 0;
	struct desk_filter none = { 0 };

	assert_int_equal(desk_list(f->d, flt ? flt : &none, count_cb, &n), 0);
	return n;
}

static int64_t json_count(json_t *o, const char *k)
{
	return (int64_t)json_array_size(json_object_get(o, k));
}

static void verify_ok(struct fx *f)
{
	int64_t n, bad;
	char err[256] = "";

	assert_int_equal(desk_audit_verify(f->d, &n, &bad, err, sizeof(err)), 0);
	assert_true(n > 0);
}

static void test_join_and_duplicate(void **state)
{
	struct fx *f = *state;
	struct event ev[3];
	struct desk_ingest_stats st = { 0 };
	struct desk_incident inc;

	mkev(&ev[0], "scan", "192.0.2.10", NULL, 0, 1);
	mkev(&ev[1], "scan", "192.0.2.10", NULL, 5, 2); /* 5 h later: within 24 h */
	ev[2] = ev[0];                                   /* identical: a duplicate */
	ingest(f, ev, 3, &st);
	assert_int_equal(st.events, 3);
	assert_int_equal(st.new_incidents, 1);
	assert_int_equal(st.joined, 1);
	assert_int_equal(st.duplicates, 1);
	assert_int_equal(count(f, NULL), 1);
	assert_int_equal(desk_get(f->d, 1, &inc), 0);
	assert_int_equal(inc.events, 2);
	assert_int_equal(inc.dups, 1);
	assert_string_equal(inc.state, "new");
	assert_int_equal(inc.first_seen, ev[0].first_ms);
	assert_int_equal(inc.last_seen, ev[1].last_ms);
	/* the same again in a later batch: all duplicates, nothing new */
	memset(&st, 0, sizeof(st));
	ingest(f, ev, 3, &st);
	assert_int_equal(st.duplicates, 3);
	assert_int_equal(st.new_incidents + st.joined, 0);
	assert_int_equal(desk_get(f->d, 1, &inc), 0);
	assert_int_equal(inc.events, 2);
	assert_int_equal(inc.dups, 4);
	/* another kind on the same host is another incident */
	mkev(&ev[0], "dos", "192.0.2.10", NULL, 1, 1);
	ingest(f, ev, 1, &st);
	assert_int_equal(count(f, NULL), 2);
	verify_ok(f);
}

/* Batches larger than one multi-row insert, with duplicates inside the batch
 * and from an earlier batch (which makes the batch replay carefully). */
static void test_big_batch(void **state)
{
	struct fx *f = *state;
	struct event *ev = calloc(300, sizeof(*ev));
	struct desk_ingest_stats st = { 0 };
	struct desk_filter flt = { 0 };
	int64_t total = 0;

	for (int i = 0; i < 200; i++) {
		char host[32];

		snprintf(host, sizeof(host), "198.51.100.%d", i % 40);
		mkev(&ev[i], "scan", host, NULL, i % 5, i);
	}
	ev[150] = ev[3]; /* the same event twice in one batch */
	ingest(f, ev, 200, &st);
	assert_int_equal(st.events, 200);
	assert_int_equal(st.duplicates, 1);
	assert_int_equal(st.new_incidents, 40);
	assert_int_equal(st.joined, 159);
	/* next batch: 100 already stored, 100 new, mixed */
	for (int i = 0; i < 100; i++) {
		char host[32];

		ev[200 + i] = ev[i * 2];
		snprintf(host, sizeof(host), "198.51.100.%d", i % 40);
		mkev(&ev[i * 2], "scan", host, NULL, 6 + i % 5, 1000 + i);
	}
	memset(&st, 0, sizeof(st));
	ingest(f, ev, 300, &st);
	assert_int_equal(st.events, 300);
	assert_int_equal(st.duplicates, 200); /* 100 old ones twice in this batch (odd i and 200..299) */
	assert_int_equal(st.new_incidents, 0);
	assert_int_equal(st.joined, 100);
	assert_int_equal(count(f, &flt), 40);
	for (int64_t id = 1; id <= 40; id++) {
		struct desk_incident inc;

		if (desk_get(f->d, id, &inc) == 0)
			total += inc.events;
	}
	if (!use_pg) /* PostgreSQL ids may have gaps after a replay */
		assert_int_equal(total, 299);
	free(ev);
	verify_ok(f);
}

static void test_window_new_and_link(void **state)
{
	struct fx *f = *state;
	struct event ev[2];
	struct desk_ingest_stats st = { 0 };
	json_t *o;

	mkev(&ev[0], "scan", "192.0.2.11", NULL, 0, 1);
	mkev(&ev[1], "scan", "192.0.2.11", NULL, 48, 2); /* two days later: outside 24 h */
	ingest(f, ev, 2, &st);
	assert_int_equal(st.new_incidents, 2);
	assert_int_equal(desk_show(f->d, 2, &o), 0);
	assert_int_equal(json_count(o, "links"), 1);
	assert_int_equal(json_integer_value(json_array_get(json_object_get(o, "links"), 0)), 1);
	json_decref(o);
	/* a shorter window splits even a 5 h gap */
	desk_set_windows(f->d, 3600000, 0);
	mkev(&ev[0], "scan", "192.0.2.12", NULL, 0, 1);
	mkev(&ev[1], "scan", "192.0.2.12", NULL, 5, 2);
	ingest(f, ev, 2, &st);
	assert_int_equal(count(f, NULL), 4);
}

static void test_reopen_and_recurrence(void **state)
{
	struct fx *f = *state;
	struct event ev[1];
	struct desk_ingest_stats st = { 0 };
	struct desk_incident inc;
	char err[256] = "";
	json_t *o, *a, *v;
	size_t i;
	bool reopened = false;

	mkev(&ev[0], "blocklist", "192.0.2.13", NULL, 0, 1);
	ingest(f, ev, 1, &st);
	assert_int_equal(desk_incident_set(f->d, 1, "state", "resolved", err, sizeof(err)), 0);
	/* recurrence within 7 d of the resolution: the same incident is reopened */
	ev[0].last_ms = vtime_now_ms();
	ev[0].first_ms = ev[0].last_ms - 1000;
	memset(&st, 0, sizeof(st));
	ingest(f, ev, 1, &st);
	assert_int_equal(st.reopened, 1);
	assert_int_equal(st.new_incidents, 0);
	assert_int_equal(desk_get(f->d, 1, &inc), 0);
	assert_string_equal(inc.state, "open");
	assert_int_equal(inc.events, 2);
	assert_int_equal(desk_show(f->d, 1, &o), 0);
	a = json_object_get(o, "audit");
	json_array_foreach(a, i, v)
		reopened |= !strcmp(json_string_value(json_object_get(v, "action")), "reopen");
	assert_true(reopened);
	json_decref(o);
	/* resolved long before (recurrence window 1 s): a new incident linked to the old */
	assert_int_equal(desk_incident_set(f->d, 1, "state", "resolved", err, sizeof(err)), 0);
	desk_set_windows(f->d, 0, 1000);
	ev[0].first_ms = vtime_now_ms() + 3600000;
	ev[0].last_ms = ev[0].first_ms + 1000;
	memset(&st, 0, sizeof(st));
	ingest(f, ev, 1, &st);
	assert_int_equal(st.new_incidents, 1);
	assert_int_equal(desk_get(f->d, 2, &inc), 0);
	assert_string_equal(inc.state, "new");
	assert_int_equal(desk_show(f->d, 2, &o), 0);
	assert_int_equal(json_count(o, "links"), 1);
	json_decref(o);
	verify_ok(f);
}

static void test_campaign_no_sites(void **state)
{
	struct fx *f = *state;
	struct event ev[3];
	struct desk_ingest_stats st = { 0 };
	json_t *o;
	struct desk_filter flt = { .kind = "cc" };

	mkev(&ev[0], "cc", "192.0.2.20", "198.51.100.1", 0, 1);
	mkev(&ev[1], "cc", "192.0.2.21", "198.51.100.1", 0, 1);
	mkev(&ev[2], "cc", "192.0.2.20", "198.51.100.2", 0, 1); /* another C&C: same host, same incident */
	ingest(f, ev, 3, &st);
	assert_int_equal(st.new_incidents, 2);
	assert_int_equal(st.joined, 1);
	/* 1 and 2 share a peer: a campaign parent (3, made with the second) holds both */
	assert_int_equal(count(f, &flt), 3);
	assert_int_equal(desk_show(f->d, 3, &o), 0);
	assert_string_equal(json_string_value(json_object_get(o, "peer")), "198.51.100.1");
	assert_int_equal(json_count(o, "children"), 2);
	json_decref(o);
	assert_int_equal(desk_show(f->d, 1, &o), 0);
	assert_int_equal(json_count(o, "peers"), 2);
	assert_int_equal(json_count(o, "evidence"), 2);
	assert_int_equal(json_integer_value(json_object_get(o, "parent")), 3);
	json_decref(o);
}

/* One host talking to twenty C&C servers in an hour is one incident listing
 * twenty peers; a second host sharing two of them makes two campaigns: the
 * first is the parent of both, the second is linked to both. */
static void test_one_incident_per_host(void **state)
{
	struct fx *f = *state;
	struct event ev[22];
	struct desk_ingest_stats st = { 0 };
	struct desk_filter flt = { .kind = "cc" };
	char peer[32];
	json_t *o;

	for (int i = 0; i < 20; i++) {
		snprintf(peer, sizeof(peer), "198.51.100.%d", i + 1);
		mkev(&ev[i], "cc", "192.0.2.20", peer, 0, i + 1);
		ev[i].first_ms += i * 60000;
		ev[i].last_ms += i * 60000;
	}
	mkev(&ev[20], "cc", "192.0.2.21", "198.51.100.5", 1, 1);
	mkev(&ev[21], "cc", "192.0.2.21", "198.51.100.7", 1, 2);
	ingest(f, ev, 22, &st);
	assert_int_equal(st.new_incidents, 2);
	assert_int_equal(st.joined, 20);
	assert_int_equal(desk_show(f->d, 1, &o), 0);
	assert_int_equal(json_count(o, "peers"), 20);
	assert_int_equal(json_count(o, "evidence"), 20);
	assert_int_equal(json_integer_value(json_object_get(o, "parent")), 3);
	assert_int_equal(json_count(o, "links"), 1); /* campaign 4 */
	json_decref(o);
	/* incidents: 1 and 2 (hosts), 3 and 4 (campaigns of .5 and .7) */
	assert_int_equal(count(f, &flt), 4);
	assert_int_equal(desk_show(f->d, 3, &o), 0);
	assert_string_equal(json_string_value(json_object_get(o, "peer")), "198.51.100.5");
	assert_int_equal(json_count(o, "children"), 2);
	json_decref(o);
	assert_int_equal(desk_show(f->d, 4, &o), 0);
	assert_string_equal(json_string_value(json_object_get(o, "peer")), "198.51.100.7");
	assert_int_equal(json_count(o, "links"), 2);
	/* the linked incidents with their hosts: the campaign's members */
	assert_int_equal(json_count(o, "linked"), 2);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(o, "linked"), 1), "host")),
			    "192.0.2.21");
	json_decref(o);
	/* replayed: nothing new, nothing twice */
	memset(&st, 0, sizeof(st));
	ingest(f, ev, 22, &st);
	assert_int_equal(st.duplicates, 22);
	assert_int_equal(count(f, &flt), 4);
	verify_ok(f);
}

static int fake_site(void *ctx, const struct vaddr *a, char *site, size_t n)
{
	(void)ctx;
	snprintf(site, n, "site%u", (unsigned)(addr_v4(a) & 0xff) / 10);
	return 0;
}

static void test_campaign_sites(void **state)
{
	struct fx *f = *state;
	struct event ev[4];
	struct desk_ingest_stats st = { 0 };
	json_t *o;
	struct desk_filter flt = { .site = "site2" };

	desk_set_site_lookup(f->d, fake_site, NULL);
	mkev(&ev[0], "cc", "192.0.2.20", "198.51.100.1", 0, 1); /* site2 */
	mkev(&ev[1], "cc", "192.0.2.21", "198.51.100.1", 0, 2); /* site2: its own host incident */
	mkev(&ev[2], "cc", "192.0.2.35", "198.51.100.1", 0, 3); /* site3 */
	mkev(&ev[3], "scan", "192.0.2.36", NULL, 0, 3);         /* no peer: site recorded */
	ingest(f, ev, 4, &st);
	assert_int_equal(st.new_incidents, 4);
	assert_int_equal(st.joined, 0);
	assert_int_equal(count(f, &flt), 2);
	flt.site = "site3";
	assert_int_equal(count(f, &flt), 2);
	/* the parent is 3 (created with the second host), children 1, 2 and 4 */
	assert_int_equal(desk_show(f->d, 3, &o), 0);
	assert_int_equal(json_count(o, "children"), 3);
	json_decref(o);
	assert_int_equal(desk_show(f->d, 1, &o), 0);
	assert_int_equal(json_count(o, "hosts"), 1);
	assert_int_equal(json_count(o, "evidence"), 1);
	assert_string_equal(json_string_value(json_object_get(o, "site")), "site2");
	json_decref(o);
}

static void test_workflow(void **state)
{
	struct fx *f = *state;
	int64_t id;
	char err[256] = "";
	struct desk_incident inc;

	assert_int_equal(desk_incident_new(f->d, "copyright", "192.0.2.30", "physics", "ACNS notice", &id), 0);
	assert_int_equal(id, 1);
	assert_int_equal(desk_incident_set(f->d, id, "state", "open", err, sizeof(err)), 0);
	err[0] = '\0';
	assert_int_equal(desk_incident_set(f->d, id, "state", "new", err, sizeof(err)), VIGIL_ESTATE);
	assert_non_null(strstr(err, "not allowed"));
	assert_int_equal(desk_incident_set(f->d, id, "state", "stalled", err, sizeof(err)), 0);
	assert_int_equal(desk_incident_set(f->d, id, "state", "blocked", err, sizeof(err)), 0);
	assert_int_equal(desk_incident_set(f->d, id, "state", "resolved", err, sizeof(err)), 0);
	assert_int_equal(desk_get(f->d, id, &inc), 0);
	assert_true(inc.resolved_at > 0);
	assert_int_equal(desk_incident_set(f->d, id, "state", "stalled", err, sizeof(err)), VIGIL_ESTATE);
	assert_int_equal(desk_incident_set(f->d, id, "state", "open", err, sizeof(err)), 0);
	assert_int_equal(desk_incident_set(f->d, id, "state", "rejected", err, sizeof(err)), 0);
	assert_int_equal(desk_incident_set(f->d, id, "state", "rejected", err, sizeof(err)), VIGIL_ESTATE);
	assert_int_equal(desk_incident_set(f->d, id, "state", "bogus", err, sizeof(err)), VIGIL_ESTATE);
	assert_int_equal(desk_incident_set(f->d, id, "owner", "alice", err, sizeof(err)), 0);
	assert_int_equal(desk_incident_set(f->d, id, "colour", "red", err, sizeof(err)), VIGIL_EINVAL);
	assert_int_equal(desk_incident_set(f->d, 99, "owner", "bob", err, sizeof(err)), VIGIL_ENOTFOUND);
	assert_int_equal(desk_get(f->d, id, &inc), 0);
	assert_string_equal(inc.owner, "alice");
	assert_string_equal(inc.state, "rejected");
	assert_string_equal(inc.site, "physics");
	verify_ok(f);
}

static void test_notes_blocks(void **state)
{
	struct fx *f = *state;
	int64_t id;
	json_t *o, *a;

	assert_int_equal(desk_incident_new(f->d, "scan", "192.0.2.40", NULL, NULL, &id), 0);
	assert_int_equal(desk_incident_note(f->d, id, "note", NULL, NULL, "looks like a student VM"), 0);
	assert_int_equal(desk_incident_note(f->d, id, "out", "abuse@site.example", "Scan from your host",
					    "Please check 192.0.2.40"), 0);
	assert_int_equal(desk_incident_note(f->d, id, "sideways", NULL, NULL, "x"), VIGIL_EINVAL);
	assert_int_equal(desk_incident_block(f->d, id, "192.0.2.40/32", "scanning", false), 0);
	assert_int_equal(desk_incident_block(f->d, id, "192.0.2.40/32", NULL, true), 0);
	assert_int_equal(desk_incident_block(f->d, id, "192.0.2.40/32", NULL, true), VIGIL_ENOTFOUND);
	assert_int_equal(desk_show(f->d, id, &o), 0);
	a = json_object_get(o, "investigations");
	assert_int_equal(json_array_size(a), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(a, 1), "correspondent")),
			    "abuse@site.example");
	a = json_object_get(o, "blocks");
	assert_int_equal(json_array_size(a), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(a, 0), "state")), "removed");
	assert_int_equal(json_count(o, "audit"), 5); /* create, note, correspond, block, unblock */
	json_decref(o);
	verify_ok(f);
}

/* Documents: kept whole (any bytes) under their SHA-256, duplicates by hash
 * and by Message-Id once filed, refiled after a crash before filing, case ids
 * claimed once, and shown with the incidents whose events name them. */
static void test_documents(void **state)
{
	struct fx *f = *state;
	static const char raw[] = "Message-Id: <a1@example.net>\r\nSubject: notice\r\n\r\nbody \xff\x00 end";
	struct desk_document doc, again, got;
	struct desk_ingest_stats st = { 0 };
	struct event ev;
	char *back = NULL;
	size_t len = 0;
	json_t *o, *a;

	memset(&doc, 0, sizeof(doc));
	snprintf(doc.message_id, sizeof(doc.message_id), "a1@example.net");
	snprintf(doc.sender, sizeof(doc.sender), "notices@example.net");
	snprintf(doc.origin, sizeof(doc.origin), "test.eml");
	assert_int_equal(desk_document_add(f->d, &doc, raw, sizeof(raw) - 1), 0);
	assert_true(doc.id > 0);
	assert_int_equal(strlen(doc.sha256), 64);
	/* not filed yet (as after a crash): the same bytes are filed again */
	again = doc;
	assert_int_equal(desk_document_add(f->d, &again, raw, sizeof(raw) - 1), 0);
	assert_int_equal(again.id, doc.id);
	assert_int_equal(desk_document_case(f->d, doc.id, doc.sender, "CASE-1"), 0);
	assert_int_equal(desk_document_case(f->d, doc.id, doc.sender, "CASE-1"), 0); /* same owner */
	mkev(&ev, "copyright", "192.0.2.50", NULL, 0, 1);
	memcpy(ev.doc, doc.sha256, sizeof(ev.doc));
	ingest(f, &ev, 1, &st);
	assert_int_equal(st.new_incidents, 1);
	assert_int_equal(desk_document_filed(f->d, doc.id, "1 event: 1 new incident"), 0);
	/* filed: the same bytes, and other bytes with the same Message-Id, are duplicates */
	again = doc;
	assert_int_equal(desk_document_add(f->d, &again, raw, sizeof(raw) - 1), VIGIL_EEXIST);
	assert_string_equal(again.outcome, "1 event: 1 new incident");
	again = doc;
	static const char resent[] = "Message-Id: <a1@example.net>\r\n\r\nresent";
	assert_int_equal(desk_document_add(f->d, &again, resent, sizeof(resent) - 1), VIGIL_EEXIST);
	assert_int_equal(again.id, doc.id);
	/* a second document claiming the same case id is refused */
	memset(&again, 0, sizeof(again));
	snprintf(again.sender, sizeof(again.sender), "notices@example.net");
	assert_int_equal(desk_document_add(f->d, &again, "other", 5), 0);
	assert_true(again.id != doc.id);
	assert_int_equal(desk_document_case(f->d, again.id, again.sender, "CASE-1"), VIGIL_EEXIST);
	assert_int_equal(desk_document_case(f->d, again.id, "someone@else.example", "CASE-1"), 0);
	/* read back by id and by hash prefix, bytes intact */
	assert_int_equal(desk_document_get(f->d, "1", &got, &back, &len), 0);
	assert_int_equal(len, sizeof(raw) - 1);
	assert_memory_equal(back, raw, len);
	free(back);
	back = NULL;
	char prefix[13];
	memcpy(prefix, doc.sha256, 12);
	prefix[12] = '\0';
	assert_int_equal(desk_document_get(f->d, prefix, &got, NULL, NULL), 0);
	assert_int_equal(got.id, doc.id);
	assert_true(got.filed);
	assert_string_equal(got.message_id, "a1@example.net");
	assert_int_equal(desk_document_get(f->d, "00000000", &got, NULL, NULL), VIGIL_ENOTFOUND);
	assert_int_equal(desk_document_get(f->d, "xyz", &got, NULL, NULL), VIGIL_EINVAL);
	/* the incident shows its document */
	assert_int_equal(desk_show(f->d, 1, &o), 0);
	a = json_object_get(o, "documents");
	assert_int_equal(json_array_size(a), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(a, 0), "sha256")), doc.sha256);
	assert_string_equal(json_string_value(json_object_get(json_array_get(a, 0), "outcome")),
			    "1 event: 1 new incident");
	json_decref(o);
	verify_ok(f);
}

static void test_merge_split_link(void **state)
{
	struct fx *f = *state;
	struct event ev[4];
	struct desk_ingest_stats st = { 0 };
	struct desk_incident inc;
	int64_t ids[2] = { 1, 2 }, newid;
	const char *hosts[] = { "192.0.2.51" };
	char err[256] = "";
	json_t *o;

	mkev(&ev[0], "scan", "192.0.2.50", NULL, 0, 1);
	mkev(&ev[1], "scan", "192.0.2.51", NULL, 0, 2);
	mkev(&ev[2], "scan", "192.0.2.51", NULL, 1, 3);
	mkev(&ev[3], "scan", "192.0.2.52", NULL, 0, 4);
	ingest(f, ev, 4, &st);
	assert_int_equal(count(f, NULL), 3);
	assert_int_equal(desk_incident_merge(f->d, ids, 2, err, sizeof(err)), 0);
	assert_int_equal(count(f, NULL), 2);
	assert_int_equal(desk_get(f->d, 1, &inc), 0);
	assert_int_equal(inc.events, 3);
	assert_int_equal(desk_get(f->d, 2, &inc), 0);
	assert_int_equal(inc.merged_into, 1);
	assert_int_equal(inc.events, 0);
	assert_int_equal(desk_incident_merge(f->d, ids, 2, err, sizeof(err)), VIGIL_ESTATE);
	/* a new event of the merged host joins the surviving incident */
	mkev(&ev[0], "scan", "192.0.2.51", NULL, 2, 5);
	memset(&st, 0, sizeof(st));
	ingest(f, ev, 1, &st);
	assert_int_equal(st.joined, 1);
	assert_int_equal(desk_get(f->d, 1, &inc), 0);
	assert_int_equal(inc.events, 4);
	/* split .51 off again */
	assert_int_equal(desk_incident_split(f->d, 1, hosts, 1, &newid, err, sizeof(err)), 0);
	assert_int_equal(desk_get(f->d, 1, &inc), 0);
	assert_int_equal(inc.events, 1);
	assert_int_equal(desk_get(f->d, newid, &inc), 0);
	assert_int_equal(inc.events, 3);
	assert_string_equal(inc.host, "192.0.2.51");
	assert_int_equal(desk_incident_split(f->d, 1, hosts, 1, &newid, err, sizeof(err)), VIGIL_ENOTFOUND);
	assert_int_equal(desk_incident_link(f->d, 1, 3, err, sizeof(err)), 0);
	assert_int_equal(desk_incident_link(f->d, 1, 3, err, sizeof(err)), 0); /* idempotent */
	assert_int_equal(desk_incident_link(f->d, 1, 1, err, sizeof(err)), VIGIL_EINVAL);
	assert_int_equal(desk_show(f->d, 1, &o), 0);
	assert_int_equal(json_count(o, "links"), 2); /* the split-off one and 3 */
	assert_int_equal(json_count(o, "merged"), 1);
	json_decref(o);
	verify_ok(f);
}

static void test_audit_tamper(void **state)
{
	struct fx *f = *state;
	int64_t id, n, bad;
	char err[256] = "";

	assert_int_equal(desk_incident_new(f->d, "scan", "192.0.2.60", NULL, NULL, &id), 0);
	assert_int_equal(desk_incident_set(f->d, id, "owner", "alice", err, sizeof(err)), 0);
	assert_int_equal(desk_incident_set(f->d, id, "state", "open", err, sizeof(err)), 0);
	assert_int_equal(desk_incident_note(f->d, id, "note", NULL, NULL, "fine"), 0);
	assert_int_equal(desk_audit_verify(f->d, &n, &bad, err, sizeof(err)), 0);
	assert_int_equal(n, 4);
	/* someone rewrites history: the owner was bob */
	raw_sql(f, "UPDATE audit SET detail = '{\"from\":\"\",\"to\":\"bob\"}' WHERE seq = 2");
	assert_int_equal(desk_audit_verify(f->d, &n, &bad, err, sizeof(err)), VIGIL_ETAMPER);
	assert_int_equal(bad, 2);
	assert_non_null(strstr(err, "entry 2"));
	raw_sql(f, "UPDATE audit SET detail = '{\"from\":\"\",\"to\":\"alice\"}' WHERE seq = 2");
	assert_int_equal(desk_audit_verify(f->d, &n, &bad, err, sizeof(err)), 0);
	/* a row deleted from the middle, then from the end */
	raw_sql(f, "DELETE FROM audit WHERE seq = 4");
	assert_int_equal(desk_audit_verify(f->d, &n, &bad, err, sizeof(err)), VIGIL_ETAMPER);
	assert_int_equal(bad, 4);
	raw_sql(f, "DELETE FROM audit WHERE seq = 3");
	raw_sql(f, "UPDATE audit SET actor = 'mallory' WHERE seq = 1");
	assert_int_equal(desk_audit_verify(f->d, &n, &bad, err, sizeof(err)), VIGIL_ETAMPER);
	assert_int_equal(bad, 1);
}

/* Write s to a temp file and return an fd open for reading. */
static int text_fd(const char *s)
{
	char p[300];
	int fd;

	snprintf(p, sizeof(p), "%s/input.jsonl", tmpdir);
	fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
	lseek(fd, 0, SEEK_SET);
	unlink(p);
	return fd;
}

static void test_bad_lines(void **state)
{
	struct fx *f = *state;
	struct desk_ingest_stats st = { 0 };
	char p[300], msgs[1024] = "";
	int fd, saved, efd;
	ssize_t n;

	fd = text_fd("{\"kind\":\"scan\",\"host\":\"192.0.2.70\",\"first\":\"2025-11-21T10:00:00Z\"}\n"
		     "\n"
		     "{\"kind\":\"scan\",\"host\":\"not-an-ip\",\"first\":\"2025-11-21T10:00:00Z\"}\n"
		     "garbage\n"
		     "{\"kind\":\"scan\",\"host\":\"192.0.2.71\",\"first\":\"2025-11-21T10:00:00Z\"}");
	snprintf(p, sizeof(p), "%s/stderr.txt", tmpdir);
	efd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0600);
	saved = dup(2);
	dup2(efd, 2);
	assert_int_equal(desk_ingest_stream(f->d, fd, "in.jsonl", &st, NULL, NULL), 0);
	dup2(saved, 2);
	close(saved);
	lseek(efd, 0, SEEK_SET);
	n = read(efd, msgs, sizeof(msgs) - 1);
	assert_true(n > 0);
	close(efd);
	unlink(p);
	close(fd);
	assert_int_equal(st.events, 2); /* the last line has no newline and still counts */
	assert_int_equal(st.bad, 2);
	assert_non_null(strstr(msgs, "in.jsonl:3: missing or bad \"host\""));
	assert_non_null(strstr(msgs, "in.jsonl:4: not JSON"));
	assert_int_equal(count(f, NULL), 2);
}

static void append(const char *dir, const char *name, const char *s)
{
	char p[600];
	FILE *fp;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fp = fopen(p, "a");
	assert_non_null(fp);
	fputs(s, fp);
	fclose(fp);
}

struct stopper {
	volatile sig_atomic_t stop;
	uint64_t at;
};

static void stop_at(void *ctx, const struct desk_ingest_stats *st)
{
	struct stopper *s = ctx;

	if (st->events >= s->at)
		s->stop = 1;
}

static void line(char *buf, size_t n, int i)
{
	snprintf(buf, n, "{\"kind\":\"scan\",\"host\":\"192.0.2.%d\",\"first\":\"2025-11-21T10:00:%02dZ\"}\n",
		 100 + i % 50, i % 60);
}

static void test_follow_resume(void **state)
{
	struct fx *f = *state;
	char dir[300], l[200], file[256];
	struct stopper s = { 0 };
	struct desk_ingest_stats st = { 0 };
	int64_t off;

	snprintf(dir, sizeof(dir), "%s/log%s", tmpdir, use_pg ? "pg" : "sq");
	mkdir(dir, 0700);
	for (int i = 0; i < 10; i++) {
		line(l, sizeof(l), i);
		append(dir, "events-20251121T100000Z.jsonl", l);
	}
	append(dir, "events-20251121T100000Z.jsonl", "{\"kind\":\"scan\",\"host\""); /* half a line */
	append(dir, "notes.txt", "not an event log\n");
	s.at = 10;
	assert_int_equal(desk_follow(f->d, dir, &s.stop, &st, stop_at, &s), 0);
	assert_int_equal(st.events, 10);
	assert_int_equal(desk_follow_position(f->d, dir, file, sizeof(file), &off), 0);
	/* the stored key is the real path; ask through it */
	char real[PATH_MAX];
	assert_non_null(realpath(dir, real));
	assert_int_equal(desk_follow_position(f->d, real, file, sizeof(file), &off), 0);
	assert_string_equal(file, "events-20251121T100000Z.jsonl");
	assert_true(off > 0);
	/* the writer completes the line, appends more and starts a new file */
	append(dir, "events-20251121T100000Z.jsonl", ":\"192.0.2.99\",\"first\":\"2025-11-21T10:00:00Z\"}\n");
	for (int i = 10; i < 15; i++) {
		line(l, sizeof(l), i);
		append(dir, "events-20251121T110000Z.jsonl", l);
	}
	memset(&st, 0, sizeof(st));
	s.stop = 0;
	s.at = 6;
	assert_int_equal(desk_follow(f->d, dir, &s.stop, &st, stop_at, &s), 0);
	assert_int_equal(st.events, 6); /* resumed: nothing read twice */
	assert_int_equal(st.duplicates, 0);
	assert_int_equal(desk_follow_position(f->d, real, file, sizeof(file), &off), 0);
	assert_string_equal(file, "events-20251121T110000Z.jsonl");
	/* drain: files the complete lines left (one), leaves a half line, returns */
	line(l, sizeof(l), 15);
	append(dir, "events-20251121T110000Z.jsonl", l);
	append(dir, "events-20251121T110000Z.jsonl", "{\"kind\":\"scan\",\"host\"");
	memset(&st, 0, sizeof(st));
	assert_int_equal(desk_follow_drain(f->d, dir, &st), 0);
	assert_int_equal(st.events, 1);
	memset(&st, 0, sizeof(st));
	assert_int_equal(desk_follow_drain(f->d, dir, &st), 0); /* nothing new: returns at once */
	assert_int_equal(st.events, 0);
}

static void test_open_errors(void **state)
{
	struct desk *d = NULL;
	char err[256] = "";

	(void)state;
	assert_int_equal(desk_open("mysql://x", &d, err, sizeof(err)), VIGIL_EINVAL);
	assert_non_null(strstr(err, "unknown desk URL"));
	assert_int_equal(desk_open("sqlite:/nonexistent-dir/x/y.sqlite", &d, err, sizeof(err)), VIGIL_EDB);
	assert_null(d);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_join_and_duplicate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_big_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_window_new_and_link, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_and_recurrence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_campaign_no_sites, setup, teardown),
		cmocka_unit_test_setup_teardown(test_campaign_sites, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_incident_per_host, setup, teardown),
		cmocka_unit_test_setup_teardown(test_workflow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notes_blocks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge_split_link, setup, teardown),
		cmocka_unit_test_setup_teardown(test_documents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_tamper, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_follow_resume, setup, teardown),
		cmocka_unit_test(test_open_errors),
	};
	const char *tmp = getenv("TMPDIR");
	int rc;

	use_pg = argc > 1 && !strcmp(argv[1], "pg");
	if (use_pg) {
		pg_base = getenv("VIGIL_PG_URL");
		if (!pg_base || !*pg_base) {
			printf("test_desk pg: VIGIL_PG_URL is not set (scripts/test.sh starts PostgreSQL); skipping\n");
			return 77;
		}
	}
	snprintf(tmpdir, sizeof(tmpdir), "%s/vigil-desk-test.XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	rc = use_pg ? cmocka_run_group_tests_name("desk on postgresql", tests, NULL, NULL)
		    : cmocka_run_group_tests_name("desk on sqlite", tests, NULL, NULL);
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return rc;
}
