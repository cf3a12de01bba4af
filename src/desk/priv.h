/*
 * priv.h - what the files of src/desk share and nobody else sees: the
 * struct desk itself, the prepared-statement cache, transactions with the
 * audit-chain head locked, and the audit append.
 */
#ifndef VIGIL_DESK_PRIV_H
#define VIGIL_DESK_PRIV_H

#include "desk/db.h"
#include "desk/desk.h"
#include "util/sha256.h"

#define DESK_MAXSTMT 256
#define DESK_KEYCACHE 65536 /* slots of the incident cache (power of 2), flushed half full */

/* What a batch remembers about an incident it touched (flushed at commit). */
/* Peers of an incident remembered in its cache entry (so a join with a
 * known peer costs no query). */
#define DESK_KC_PEERS 4

struct desk_kc {
	char key[160];
	int64_t id;      /* 0: empty slot */
	int64_t first_seen, last_seen, events, dups, joined;
	int64_t base_events, base_dups; /* values when loaded */
	uint32_t peers[DESK_KC_PEERS];  /* hashes of peers known to be listed */
	uint32_t npeer;
	bool dirty;
};

/* An event of the open batch, kept so the batch can be replayed carefully. */
struct desk_pending {
	struct event e;
	char *raw;
	size_t len;
	char source[64];
	char eid[33];
	bool dup; /* the same event came earlier in this batch */
	int64_t incident_id;
};

#define DESK_AROWS 64 /* audit rows (and incident updates) a multi-row statement carries */

/* An audit row waiting to be inserted with others (at the latest at COMMIT). */
struct desk_arow {
	int64_t seq, time, incident;
	char action[32];
	char *detail;
	char prev[SHA256_HEXLEN], hash[SHA256_HEXLEN];
};

struct desk {
	const struct db_ops *ops;
	struct db *db;
	char actor[64];
	int64_t window_ms, recurrence_ms;
	desk_site_fn site_fn;
	void *site_ctx;
	struct {
		const char *sql; /* identity: the address of a static SQL string */
		struct db_stmt *st;
	} stmts[DESK_MAXSTMT];
	size_t nstmts;
	bool in_tx;
	int64_t head_seq;
	char head_hash[SHA256_HEXLEN];
	bool head_dirty;
	struct desk_arow abuf[DESK_AROWS];
	size_t nabuf;
	struct desk_kc *kc; /* DESK_KEYCACHE slots, kept across ingest batches */
	size_t kc_used;
	uint32_t *kdirty;    /* slots that became dirty since the last flush */
	size_t nkdirty, capkdirty;
	int64_t kc_head_seq; /* audit head when the cache was last known good */
	bool tx_ingest;      /* the open transaction is an ingest batch */
	struct desk_pending *batch; /* the open batch's events */
	size_t nbatch, capbatch;
	size_t rows_from;    /* batch[rows_from..] have rows not yet queued for insert */
	uint32_t *bset;      /* open-addressing set of batch indexes + 1, by eid */
	size_t bset_cap;
	bool careful;        /* replaying: check each event for a duplicate at once */
	struct desk_ingest_stats bst;  /* counts of the open batch */
	struct desk_ingest_stats *st_out; /* where they go at COMMIT */
};

/* Copy src into dst[n], truncating; always NUL-terminates. */
void desk_copy(char *dst, size_t n, const char *src);
/* The cached statement for sql (a static string), reset and ready to bind; NULL on error. */
struct db_stmt *desk_q(struct desk *d, const char *sql);
int desk_bind_text(struct desk *d, struct db_stmt *st, int i, const char *s);
int desk_bind_int(struct desk *d, struct db_stmt *st, int i, int64_t v);
/* Execute without waiting (see db_ops.defer); errors show at the next sync/commit. */
int desk_defer(struct desk *d, struct db_stmt *st, int64_t expect);
/* Run to completion (ignore rows); 0 or VIGIL_EDB. */
int desk_run(struct desk *d, struct db_stmt *st);
/* Step once: 1 row, 0 none, < 0 error (logged). */
int desk_step(struct desk *d, struct db_stmt *st);

/* Begin a write transaction and load (locking) the audit head. */
int desk_tx_begin(struct desk *d);
/* Write the audit head back and COMMIT. VIGIL_EEXIST (transaction still
 * open) when a must-change deferred execution changed nothing. */
int desk_tx_commit(struct desk *d);
void desk_tx_rollback(struct desk *d);

/* Append an audit entry (inside a transaction). detail is a JSON object text. */
int desk_audit_add(struct desk *d, int64_t incident, const char *action, const char *detail);
/* Queue the buffered audit rows for insert; discard drops them (rollback). */
int desk_audit_flush(struct desk *d);
void desk_audit_discard(struct desk *d);
/* The hash of an audit row given its predecessor's (hex into out). */
void desk_audit_hash(const char *prev, int64_t seq, int64_t time, const char *actor,
		     int64_t incident, const char *action, const char *detail, char *out);

#define INC_COLS "id, parent_id, merged_into, kind, state, owner, site, subject, host, peer," \
		 " first_seen, last_seen, created, updated, resolved_at, events, dups, query, due"
/* Fill inc from a row selected with INC_COLS. */
void desk_row_incident(struct desk *d, struct db_stmt *st, struct desk_incident *inc);
/* Append an audit entry whose detail is the JSON object o (stolen, may be NULL: ENOMEM). */
int desk_audit_json(struct desk *d, int64_t id, const char *action, json_t *o);
/* Load an incident row by id (inside or outside a transaction). */
int desk_load(struct desk *d, int64_t id, struct desk_incident *inc);
/* Create an incident row; *id gets its id. Audited as "create". */
int desk_create(struct desk *d, const struct desk_incident *inc, const char *key,
		const char *ckey, const char *why, int64_t *id);
/* Change the state, audited as action with detail; checks nothing. */
int desk_set_state(struct desk *d, int64_t id, const char *from, const char *to,
		   const char *action, const char *note);
/* Whether the workflow allows from -> to. */
bool desk_transition_ok(const char *from, const char *to);
/* Flush the per-batch incident cache into the incident rows. */
int desk_kc_flush(struct desk *d);
/* Mark a cache entry changed (its counters are written at the next flush). */
int desk_kc_touch(struct desk *d, struct desk_kc *k);
void desk_kc_clear(struct desk *d);
/* The incident for event e (creating or reopening one as the rules say);
 * *kc_out is its cache entry, *outcome 0 joined, 1 new, 2 reopened. */
int desk_rules_apply(struct desk *d, const struct event *e, struct desk_kc **kc_out, int *outcome);
/* Parse one event line and add it (bad lines: "name:lineno: reason" on stderr, counted). */
int desk_ingest_line(struct desk *d, const char *line, size_t len, const char *name,
		     uint64_t lineno, struct desk_ingest_stats *st);
/* Correspondence came in on inc (inside a transaction): a reply to a notice
 * stops its follow-up and opens the incident. */
int desk_notice_replied(struct desk *d, const struct desk_incident *inc, const char *from);
/* Insert a mail into the outbox inside the open transaction (m->id set);
 * VIGIL_EEXIST when its Message-Id is there already. */
int desk_outbox_insert(struct desk *d, struct desk_mail *m, const void *raw, size_t len);
/* Event of kind with peer joined the cached incident k: list the peer on
 * it, and when it is new there, put the incident in the peer's campaign
 * (peers.c). */
int desk_peer_seen(struct desk *d, struct desk_kc *k, const char *kind, const char *peer,
		   int64_t first_ms);
/* List the peers of incident id again from its events (after merge/split). */
int desk_peers_rebuild(struct desk *d, int64_t id);
/* Link two incidents inside the current transaction (audited on both). */
int desk_link_in_tx(struct desk *d, int64_t a, int64_t b);

/* The stable id of an event: hex of the first 128 bits of SHA-256 over its
 * canonical JSON (eid: 33 bytes). */
void desk_event_id(const struct event *e, char *eid);

#endif
