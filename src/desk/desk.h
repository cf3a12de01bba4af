/*
 * desk.h - the incident desk: reports come in (detector events, later mails
 * and feeds), readable rules turn them into incidents, analysts work the
 * incidents (states as in RTIR: new, open, stalled, blocked, resolved,
 * rejected), and every change lands in a hash-chained audit log. One API over
 * two backends chosen by URL: "sqlite:PATH" (default) and "postgresql://...".
 *
 * All functions return 0 (or a count) or a negative enum vigil_err; those
 * that take err/errlen write a sentence for a person there on failure.
 * A struct desk is used by one thread at a time.
 */
#ifndef VIGIL_DESK_DESK_H
#define VIGIL_DESK_DESK_H

#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/addr.h"
#include "util/event.h"

struct desk;

#define DESK_DEFAULT_URL "sqlite:./var/desk.sqlite"
#define DESK_DEFAULT_WINDOW_MS (24LL * 3600 * 1000)
#define DESK_DEFAULT_RECURRENCE_MS (7LL * 24 * 3600 * 1000)

struct desk_incident {
	int64_t id;
	int64_t parent_id;   /* 0: none */
	int64_t merged_into; /* 0: not merged */
	char kind[24];
	char state[12];
	char owner[64];
	char site[128];
	char subject[256];
	char host[ADDR_STRLEN];
	char peer[ADDR_STRLEN];
	int64_t first_seen, last_seen, created, updated, resolved_at; /* ms */
	int64_t events, dups;
	char query[512];
	int64_t due; /* ms: when the site's answer is expected; 0 nothing awaited */
};

/* Open (and create or migrate) the desk at url. The caller frees with desk_close(). */
int desk_open(const char *url, struct desk **out, char *err, size_t errlen);
void desk_close(struct desk *d);
/* The backend name, "sqlite" or "postgresql". */
const char *desk_backend(const struct desk *d);
/* Who the audit log names for changes (default $USER, else "vigil"). Copied. */
void desk_set_actor(struct desk *d, const char *actor);
/* Aggregation windows in ms (<= 0 keeps the default). */
void desk_set_windows(struct desk *d, int64_t window_ms, int64_t recurrence_ms);
/* Site of an address (constituency): write it into site (NUL-terminated) and
 * return 0, or return non-zero for "unknown". Without a lookup sites are "". */
typedef int (*desk_site_fn)(void *ctx, const struct vaddr *a, char *site, size_t n);
void desk_set_site_lookup(struct desk *d, desk_site_fn fn, void *ctx);

/* ---- ingest (rules: docs/internals/desk.md) ---- */
struct desk_ingest_stats {
	uint64_t events;      /* accepted lines (new + duplicates) */
	uint64_t new_incidents, joined, reopened, duplicates;
	uint64_t bad;         /* lines skipped as malformed */
};

/* A batch: begin, add events, commit. Nothing is durable (or acknowledged)
 * before desk_ingest_commit() returned 0. raw is the event's JSON as received
 * (stored as the report); source names where it came from. */
int desk_ingest_begin(struct desk *d);
int desk_ingest_event(struct desk *d, const struct event *e, const char *raw, size_t rawlen,
		      const char *source, struct desk_ingest_stats *st);
/* Commit the batch; when pos_key is non-NULL also store (pos_file, pos_off)
 * as the follow position of pos_key in the same transaction. */
int desk_ingest_commit(struct desk *d, const char *pos_key, const char *pos_file, int64_t pos_off);
void desk_ingest_rollback(struct desk *d);
/* Read event JSON lines from fd (named name in messages) until end of file
 * in batches of up to 1000 events or 200 ms (also committed whenever input
 * pauses); after each COMMIT calls ack(ctx, totals) if given. Bad lines go to
 * stderr as "name:line: reason", are counted and skipped. */
int desk_ingest_stream(struct desk *d, int fd, const char *name, struct desk_ingest_stats *st,
		       void (*ack)(void *ctx, const struct desk_ingest_stats *st), void *ctx);
/* Follow a directory of events-*.jsonl files (lexicographic = time order),
 * ingesting complete lines and storing the position with each batch, until
 * *stop becomes non-zero. Resumes from the stored position. */
int desk_follow(struct desk *d, const char *dir, volatile sig_atomic_t *stop,
		struct desk_ingest_stats *st,
		void (*ack)(void *ctx, const struct desk_ingest_stats *st), void *ctx);
/* The same, but return (0) once every complete line of every file is
 * ingested instead of waiting for more: for a run over captures. */
int desk_follow_drain(struct desk *d, const char *dir, struct desk_ingest_stats *st);
/* The stored follow position of dir ("" / 0 when none). */
int desk_follow_position(struct desk *d, const char *dir, char *file, size_t n, int64_t *off);

/* ---- incidents ---- */
struct desk_filter {
	const char *state, *kind, *site, *host, *owner; /* NULL: any */
	int64_t since_ms; /* last_seen >= since_ms; 0: any */
	int64_t overdue_at; /* 0 < due < overdue_at and not resolved/rejected; 0: any */
	int64_t limit;    /* 0: no limit */
	bool include_merged;
	/* the web queue's (state may also be a comma list of up to 8 states) */
	const char *q;      /* subject or host contains this (ASCII case-insensitive); NULL: any */
	int64_t until_ms;   /* last_seen <= until_ms; 0: any */
	int64_t offset;     /* rows skipped (with limit) */
	const char *sort;   /* "-id" (NULL: default) "id" "-last_seen" "last_seen" "-updated" "updated" */
	bool only_sites;    /* restrict to sites[0..nsites) (none: nothing matches) */
	const char *const *sites;
	size_t nsites;
};

/* Calls fn for every matching incident, newest first (or f->sort), at
 * most f->limit after f->offset; stops if fn returns non-zero. VIGIL_EINVAL
 * for an unknown sort or too many states/sites. */
int desk_list(struct desk *d, const struct desk_filter *f,
	      int (*fn)(void *ctx, const struct desk_incident *inc), void *ctx);
/* How many incidents match f (limit, offset and sort ignored). */
int desk_count(struct desk *d, const struct desk_filter *f, int64_t *total);
int desk_get(struct desk *d, int64_t id, struct desk_incident *out);
/* One incident as a JSON object (new reference; NULL when out of memory). */
json_t *desk_incident_json(const struct desk_incident *inc);
/* Everything about one incident as a JSON object (caller json_decref()s):
 * the incident, children, hosts, links, events (evidence), reports,
 * investigations, blocks and its audit trail. */
int desk_show(struct desk *d, int64_t id, json_t **out);

int desk_incident_new(struct desk *d, const char *kind, const char *host, const char *site,
		      const char *subject, int64_t *id);
/* Set one field: state, owner, site, subject or parent. A state change
 * follows the workflow (new -> open -> stalled|blocked -> resolved, any ->
 * rejected, resolved|rejected -> open); others give VIGIL_ESTATE with a
 * reason in err. */
int desk_incident_set(struct desk *d, int64_t id, const char *field, const char *value,
		      char *err, size_t errlen);
/* An internal note (direction "note") or correspondence ("in"/"out" with a correspondent). */
int desk_incident_note(struct desk *d, int64_t id, const char *direction,
		       const char *correspondent, const char *subject, const char *body);
/* A block (countermeasure) record: add (active) or mark removed. No enforcement here. */
int desk_incident_block(struct desk *d, int64_t id, const char *target, const char *reason,
			bool remove);
/* Merge ids[1..n) into ids[0]: events move, the others are marked merged. */
int desk_incident_merge(struct desk *d, const int64_t *ids, size_t n, char *err, size_t errlen);
/* Move the events of the given hosts to a new incident (same kind); *newid gets its id. */
int desk_incident_split(struct desk *d, int64_t id, const char *const *hosts, size_t nhosts,
			int64_t *newid, char *err, size_t errlen);
int desk_incident_link(struct desk *d, int64_t a, int64_t b, char *err, size_t errlen);

/* ---- documents: the raw reports (mails) incidents came from ---- */
struct desk_document {
	int64_t id;
	char sha256[65];       /* hex, computed by desk_document_add */
	char message_id[256];
	char sender[256];
	char subject[256];
	char origin[256];      /* where it was read: a file, a maildir entry, "-" */
	int64_t received;      /* ms */
	int64_t size;          /* bytes */
	bool filed;            /* every event of it is in the desk */
	char outcome[128];     /* one line: "2 events: 1 new incident", "reply to #12" ... */
};

/* Keep raw (len bytes) as a document: fills doc->sha256 and doc->id. Returns 0
 * for a new document or one stored but never filed (a crash came between:
 * file it again, its events are duplicates by their ids), or VIGIL_EEXIST
 * when the same bytes or the same Message-Id were filed before (doc->id and
 * doc->outcome are the stored one's). Audited as "document". */
int desk_document_add(struct desk *d, struct desk_document *doc, const void *raw, size_t len);
/* Claim a sender's case id for a document: 0, or VIGIL_EEXIST when another
 * document claimed it first (the notice was sent again). */
int desk_document_case(struct desk *d, int64_t doc_id, const char *sender, const char *case_id);
/* Mark a document filed, with its outcome. */
int desk_document_filed(struct desk *d, int64_t id, const char *outcome);
/* A document by id ("12") or SHA-256 (or a prefix of at least 8 hex digits).
 * With raw non-NULL, *raw gets its bytes (malloc'd; caller frees) and *len. */
int desk_document_get(struct desk *d, const char *ref, struct desk_document *out, char **raw,
		      size_t *len);

/* Documents newest first, at most limit (0: all) after offset. */
int desk_document_list(struct desk *d, int64_t limit, int64_t offset,
		       int (*fn)(void *ctx, const struct desk_document *doc), void *ctx);
/* The sites of the incidents the events of document sha256 are on. */
int desk_document_sites(struct desk *d, const char *sha256,
			int (*fn)(void *ctx, const char *site), void *ctx);

/* Walk the audit chain. Returns 0 and *n entries when intact; VIGIL_ETAMPER
 * with *bad_seq the first broken entry and a reason in err otherwise. */
int desk_audit_verify(struct desk *d, int64_t *n, int64_t *bad_seq, char *err, size_t errlen);

/* ---- what notifications need kept (src/notify writes it; the desk sends nothing) ----
 * Who was told what about an incident and what is awaited from them, the
 * durable outbox of composed mails, and advisories with their recipients. */

/* Follow-up stages of a notice. */
enum desk_stage { DESK_UNTOLD, DESK_TOLD, DESK_REMINDED, DESK_ESCALATED, DESK_STALLED };

struct desk_notice {
	int64_t incident_id;
	char recipient[512];  /* comma-separated addresses told */
	char escalate[512];   /* where an escalation goes ("" none) */
	int stage;            /* enum desk_stage */
	int64_t last_event;   /* highest event row id told */
	int64_t first_sent, last_sent, replied; /* ms; 0 never */
	char message_id[256]; /* of the first notice (replies refer to it) */
};

/* One piece of evidence (an event row) as notifications list it. */
struct desk_event {
	int64_t id;
	char kind[24];
	char host[ADDR_STRLEN], peer[ADDR_STRLEN];
	int port, proto; /* -1: none */
	int64_t first_ms, last_ms, flows, packets, bytes;
	double score;
	char why[512], query[512], source[64], doc[65];
};

/* The notice of an incident: 0, or VIGIL_ENOTFOUND when it was never told. */
int desk_notice_get(struct desk *d, int64_t id, struct desk_notice *out);
/* Every incident in one of states[0..nstates) (not merged) with events not
 * yet told, oldest first: fn gets it, the highest event row id and the one
 * told before (0: never told). Stops when fn returns non-zero. */
int desk_untold(struct desk *d, const char *const *states, size_t nstates,
		int (*fn)(void *ctx, const struct desk_incident *inc, int64_t max_event,
			  int64_t told_event),
		void *ctx);
/* The events of incident id with row id in (after, upto] (upto 0: any),
 * oldest first, at most limit (0: all). */
int desk_events(struct desk *d, int64_t id, int64_t after, int64_t upto, size_t limit,
		int (*fn)(void *ctx, const struct desk_event *e), void *ctx);
/* Notices awaiting an answer whose incident's due time is before now. */
int desk_overdue(struct desk *d, int64_t now,
		 int (*fn)(void *ctx, const struct desk_incident *inc, const struct desk_notice *n),
		 void *ctx);

/* Set a notice's stage and the incident's due time (0: nothing awaited)
 * without a mail (a stall), audited as "followup". */
int desk_notice_set(struct desk *d, int64_t id, int stage, int64_t due, const char *why);

/* A composed mail in the outbox. */
struct desk_mail {
	int64_t id;
	char message_id[256];  /* without <> */
	char kind[16];         /* notice update reminder escalation digest advisory */
	char recipients[1024]; /* comma-separated bare addresses */
	char subject[256];
	char incidents[1024];  /* comma-separated incident ids ("" none) */
	int64_t created, next_try, sent_at; /* ms */
	int64_t tries;
	char state[12];        /* queued sent failed */
	char last_error[256];
};

/* What a queued mail tells about one incident: its notice becomes this
 * (stage, recipients, highest event told) and its due time due (0 keeps it). */
struct desk_told {
	int64_t incident_id;
	int64_t last_event;
	int stage;
	int64_t due;
	const char *recipient, *escalate; /* NULL: keep */
};

/* Queue m (raw[0..len): the whole message) and update the notices of
 * told[0..n) in one transaction, audited per incident as "notify". The
 * mail's id goes into m->id. VIGIL_EEXIST when the Message-Id is queued
 * already (nothing changes). */
int desk_outbox_queue(struct desk *d, struct desk_mail *m, const void *raw, size_t len,
		      const struct desk_told *told, size_t n);
/* Queued mails due at now, oldest first, at most limit (0: all). */
int desk_outbox_due(struct desk *d, int64_t now, size_t limit,
		    int (*fn)(void *ctx, const struct desk_mail *m), void *ctx);
/* Every mail in state (NULL: any), newest first, at most limit (0: all). */
int desk_outbox_list(struct desk *d, const char *state, size_t limit,
		     int (*fn)(void *ctx, const struct desk_mail *m), void *ctx);
/* A mail by id or Message-Id, and its bytes (*raw malloc'd; may be NULL). */
int desk_outbox_get(struct desk *d, const char *ref, struct desk_mail *out, char **raw,
		    size_t *len);
/* The server took mail id at now: mark it sent and keep it as outgoing
 * correspondence on each of its incidents, audited ("mail-sent"). */
int desk_outbox_sent(struct desk *d, int64_t id, int64_t now);
/* A send failed: keep it queued for next_try, or (give_up) mark it failed;
 * audited on its incidents. */
int desk_outbox_failed(struct desk *d, int64_t id, const char *why, int64_t next_try,
		       bool give_up);
/* Put failed mails (id, or all when id is 0) back in the queue now. */
int desk_outbox_retry(struct desk *d, int64_t id, int64_t now);

/* Small named values kept in the desk ("digest:abuse@x" -> last period). */
int desk_kv_get(struct desk *d, const char *key, int64_t *n, char *v, size_t vn);
int desk_kv_set(struct desk *d, const char *key, int64_t n, const char *v);

/* ---- advisories ---- */
struct desk_advisory {
	int64_t id;
	char title[256];
	char selector[512]; /* how recipients were chosen: "all" or "flows -t ... 'FILTER'" */
	char actor[64];
	int64_t created, sent_at;
	int64_t recipients;
};

int desk_advisory_new(struct desk *d, const char *title, const char *body, const char *selector,
		      int64_t *id);
/* *body (malloc'd; may be NULL) is the advisory's text. */
int desk_advisory_get(struct desk *d, int64_t id, struct desk_advisory *out, char **body);
int desk_advisory_list(struct desk *d, int (*fn)(void *ctx, const struct desk_advisory *a),
		       void *ctx);
/* Queue mail m (raw[0..len)) of advisory id to site, listing hosts, and
 * record the site as told, in one transaction; VIGIL_EEXIST (nothing
 * queued) when the site got it already. */
int desk_advisory_queue(struct desk *d, int64_t id, const char *site, const char *hosts,
			struct desk_mail *m, const void *raw, size_t len);
/* The recipients of advisory id: fn(site, recipient, hosts, message_id). */
int desk_advisory_rcpts(struct desk *d, int64_t id,
			int (*fn)(void *ctx, const char *site, const char *recipient,
				  const char *hosts, const char *message_id),
			void *ctx);
/* Mark advisory id sent at now. */
int desk_advisory_sent(struct desk *d, int64_t id, int64_t now);

/* ---- blocks: containment with a lifecycle (src/block renders them; the desk keeps them) ----
 * States: pending -> active -> removed | expired; pending -> removed. A
 * block always belongs to an incident. Every change is one transaction with
 * its audit entry (who and why). A change routers must see (a block going
 * active, an active one ending) is also a numbered row of the change
 * sequence (desk_block_changes), in order, so a push can be replayed. */
struct desk_block {
	int64_t id, incident_id;
	char prefix[PREFIX_STRLEN]; /* normalised ADDR/LEN */
	char state[12];             /* pending active removed expired */
	char reason[256];
	char actor[64];             /* who added it */
	char removed_by[64], removed_why[256];
	int64_t created, activated, until, ended; /* ms; until 0: until removed */
	int64_t seq;                /* its last change in the sequence (0: none yet) */
	int64_t told_add, told_remove; /* ms the site was told; 0 not yet */
	/* effectiveness: flows from the prefix after activation, checked up to checked_to */
	int64_t checked_to, leak_flows, leak_packets, leak_bytes, leak_first, leak_last;
};

struct desk_block_change {
	int64_t seq, block_id, time;
	char op[8];                 /* add remove */
	char prefix[PREFIX_STRLEN];
};

/* Add a block of prefix (an address or ADDR/LEN, normalised) on incident
 * incident_id until until_ms (0: until removed), pending or active. Refused
 * (with a sentence in err): no such incident (VIGIL_ENOTFOUND), a bad
 * prefix or an end already past (VIGIL_EINVAL), the same prefix pending or
 * active already (VIGIL_EEXIST). Policy (allow-list, cap, prefix length) is
 * src/block's: call it first. *id gets the new block's id. */
int desk_block_add(struct desk *d, int64_t incident_id, const char *prefix, const char *reason,
		   int64_t until_ms, bool pending, int64_t *id, char *err, size_t errlen);
int desk_block_get(struct desk *d, int64_t id, struct desk_block *out);
struct desk_block_filter {
	const char *state;   /* NULL: any; "live" means pending or active */
	int64_t incident_id; /* 0: any */
};
/* Blocks matching f (NULL: all), oldest first; stops when fn returns non-zero. */
int desk_block_list(struct desk *d, const struct desk_block_filter *f,
		    int (*fn)(void *ctx, const struct desk_block *b), void *ctx);
/* Pending and active blocks. */
int desk_block_live_count(struct desk *d, int64_t *n);
/* Move block id to state to (active, removed, expired) with actor's why.
 * Allowed: pending -> active|removed, active -> removed|expired; others are
 * VIGIL_ESTATE with a sentence in err. */
int desk_block_set_state(struct desk *d, int64_t id, const char *to, const char *why,
			 char *err, size_t errlen);
/* A new end for a pending or active block (until_ms in the future, or 0: until removed). */
int desk_block_extend(struct desk *d, int64_t id, int64_t until_ms, const char *why, char *err,
		      size_t errlen);
/* Pending or active blocks whose end is at or before now, oldest first. */
int desk_block_due(struct desk *d, int64_t now,
		   int (*fn)(void *ctx, const struct desk_block *b), void *ctx);
/* The change sequence after seq after, in order; stops when fn returns non-zero. */
int desk_block_changes(struct desk *d, int64_t after,
		       int (*fn)(void *ctx, const struct desk_block_change *c), void *ctx);
/* The highest change seq (0: none). */
int desk_block_last_change(struct desk *d, int64_t *seq);
/* Blocks the site was not told about yet: active ones not told of (removal
 * false) and ended ones whose end was not told (removal true). */
int desk_block_untold(struct desk *d,
		      int (*fn)(void *ctx, const struct desk_block *b, bool removal), void *ctx);
/* Queue mail m (raw[0..len)) telling the site of block id (its add, or with
 * removal its end) and mark it told, in one transaction, audited as
 * "block-told". m NULL: nobody to tell; it is marked told with why audited.
 * VIGIL_EEXIST when it was told already (nothing queued). */
int desk_block_told(struct desk *d, int64_t id, bool removal, struct desk_mail *m,
		    const void *raw, size_t len, const char *why);
/* The effectiveness record: flows counts seen from block id's prefix in
 * (checked_to, to] are added and checked_to becomes to. With e non-NULL,
 * event e (raw its JSON) is stored on the block's incident in the same
 * transaction, deduplicated by its event id as ingestion does (a
 * duplicate counts on the stored event); *was_new says whether it was new. */
int desk_block_checked(struct desk *d, int64_t id, int64_t to, int64_t flows, int64_t packets,
		       int64_t bytes, int64_t first, int64_t last, const struct event *e,
		       const char *raw, bool *was_new);
/* One block as a JSON object (new reference). */
json_t *desk_block_json(const struct desk_block *b);

/* ---- counts for dashboards and /metrics (stats.c) ---- */
/* Incidents (not merged) per state. */
int desk_count_by_state(struct desk *d, int (*fn)(void *ctx, const char *state, int64_t n),
			void *ctx);
/* Per site (not empty): incidents not resolved or rejected. */
int desk_count_by_site(struct desk *d, int (*fn)(void *ctx, const char *site, int64_t open),
		       void *ctx);
/* Incidents of site created per UTC day in [from, to) (days with none left out). */
int desk_count_by_day(struct desk *d, const char *site, int64_t from, int64_t to,
		      int (*fn)(void *ctx, int64_t day_ms, int64_t n), void *ctx);
/* Events ever stored (the highest row id), and mails queued in the outbox. */
int desk_count_events(struct desk *d, int64_t *n);
int desk_count_mail_pending(struct desk *d, int64_t *n);

/* ---- people of the web desk: users, their sites, sessions, API tokens ----
 * The desk keeps what src/web decides with: it never sees a password or a
 * secret, only the argon2id string (users.pwhash) and the SHA-256 hex of
 * session ids and tokens. Adding and disabling users is audited (incident
 * 0) with the desk's actor. */
#define DESK_USER_MAXSITES 16

struct desk_user {
	char name[64];
	char role[12];      /* admin analyst readonly site */
	char pwhash[160];   /* crypto_pwhash_str() output */
	int64_t created, disabled; /* ms; disabled 0: active */
	char sites[DESK_USER_MAXSITES][128];
	size_t nsites;
};

/* Whether role is one of admin, analyst, readonly, site. */
bool desk_role_ok(const char *role);
/* Add user u (name, role, pwhash, sites). VIGIL_EEXIST when the name is
 * taken, VIGIL_EINVAL (sentence in err) for a bad name or role or a site
 * user without sites. */
int desk_user_add(struct desk *d, const struct desk_user *u, char *err, size_t errlen);
/* A user and its sites by name: 0 or VIGIL_ENOTFOUND. */
int desk_user_get(struct desk *d, const char *name, struct desk_user *out);
/* Every user by name (sites filled); stops when fn returns non-zero. */
int desk_user_list(struct desk *d, int (*fn)(void *ctx, const struct desk_user *u), void *ctx);
/* Disable a user and end its sessions and tokens: 0 or VIGIL_ENOTFOUND. */
int desk_user_disable(struct desk *d, const char *name);
/* A new password hash for a user. */
int desk_user_password(struct desk *d, const char *name, const char *pwhash);

/* Keep a session: idhash the SHA-256 hex of its id, csrf its token; the
 * login is audited (incident 0, action "login", the user and from, the
 * client's address). */
int desk_session_add(struct desk *d, const char *idhash, const char *user, const char *csrf,
		     int64_t expires, const char *from);
/* The live session of idhash at now (user and csrf copied): 0 or VIGIL_ENOTFOUND. */
int desk_session_get(struct desk *d, const char *idhash, int64_t now, char *user, size_t un,
		     char *csrf, size_t cn);
/* End a session; a session that was there is audited as "logout" of user. */
int desk_session_delete(struct desk *d, const char *idhash, const char *user);
/* Forget sessions that ended before now. */
int desk_session_expire(struct desk *d, int64_t now);
/* Keep an API token (hash: SHA-256 hex of the token) of user. Audited. */
int desk_token_add(struct desk *d, const char *hash, const char *user, const char *label);
/* The user of token hash (last_used set to now): 0 or VIGIL_ENOTFOUND. */
int desk_token_get(struct desk *d, const char *hash, int64_t now, char *user, size_t un);

#endif
