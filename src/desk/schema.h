/*
 * schema.h - the desk's tables, written once as a template (internal to
 * src/desk). Each backend fills in its spelling of an auto-increment key and
 * of a float column; the migration lists in sqlite.c and pg.c are built from
 * these so the two schemas cannot drift apart.
 *
 * Times are int64 ms since the epoch (UTC), addresses are text as
 * addr_format() writes them.
 */
#ifndef VIGIL_DESK_SCHEMA_H
#define VIGIL_DESK_SCHEMA_H

/* ID is "INTEGER PRIMARY KEY AUTOINCREMENT" or "BIGSERIAL PRIMARY KEY", REAL a float type. */
#define DESK_SCHEMA_V1(ID, REAL)                                                              \
	"CREATE TABLE incident (id " ID ", parent_id BIGINT, merged_into BIGINT,"             \
	" key TEXT NOT NULL, ckey TEXT NOT NULL DEFAULT '', kind TEXT NOT NULL,"              \
	" state TEXT NOT NULL, owner TEXT NOT NULL DEFAULT '', site TEXT NOT NULL DEFAULT '',"  \
	" subject TEXT NOT NULL DEFAULT '', host TEXT NOT NULL DEFAULT '',"                   \
	" peer TEXT NOT NULL DEFAULT '', first_seen BIGINT NOT NULL DEFAULT 0,"               \
	" last_seen BIGINT NOT NULL DEFAULT 0, created BIGINT NOT NULL,"                      \
	" updated BIGINT NOT NULL, resolved_at BIGINT NOT NULL DEFAULT 0,"                    \
	" events BIGINT NOT NULL DEFAULT 0, dups BIGINT NOT NULL DEFAULT 0,"                  \
	" query TEXT NOT NULL DEFAULT '');"                                                   \
	"CREATE INDEX incident_key ON incident (key, id);"                                    \
	"CREATE INDEX incident_ckey ON incident (ckey);"                                      \
	"CREATE INDEX incident_state ON incident (state, id);"                                \
	"CREATE INDEX incident_host ON incident (host);"                                      \
	"CREATE INDEX incident_parent ON incident (parent_id);"                               \
	"CREATE TABLE report (id " ID ", eid TEXT NOT NULL UNIQUE, source TEXT NOT NULL,"    \
	" received BIGINT NOT NULL, raw TEXT NOT NULL);"                                      \
	"CREATE TABLE event (id " ID ", eid TEXT NOT NULL UNIQUE, incident_id BIGINT NOT NULL," \
	" kind TEXT NOT NULL, host TEXT NOT NULL, peer TEXT NOT NULL DEFAULT '',"             \
	" port BIGINT NOT NULL DEFAULT -1, proto BIGINT NOT NULL DEFAULT -1,"                 \
	" first_ms BIGINT NOT NULL, last_ms BIGINT NOT NULL, flows BIGINT NOT NULL DEFAULT 0," \
	" packets BIGINT NOT NULL DEFAULT 0, bytes BIGINT NOT NULL DEFAULT 0,"                \
	" score " REAL " NOT NULL DEFAULT 0, why TEXT NOT NULL DEFAULT '',"                   \
	" query TEXT NOT NULL DEFAULT '', source TEXT NOT NULL DEFAULT '',"                   \
	" dups BIGINT NOT NULL DEFAULT 0);"                                                   \
	"CREATE INDEX event_incident ON event (incident_id, id);"                             \
	"CREATE INDEX event_host ON event (host);"                                            \
	"CREATE TABLE link (a BIGINT NOT NULL, b BIGINT NOT NULL, created BIGINT NOT NULL,"   \
	" PRIMARY KEY (a, b));"                                                               \
	"CREATE TABLE investigation (id " ID ", incident_id BIGINT NOT NULL,"                \
	" time BIGINT NOT NULL, actor TEXT NOT NULL, direction TEXT NOT NULL,"                \
	" correspondent TEXT NOT NULL DEFAULT '', subject TEXT NOT NULL DEFAULT '',"          \
	" body TEXT NOT NULL DEFAULT '');"                                                    \
	"CREATE INDEX investigation_incident ON investigation (incident_id);"                 \
	"CREATE TABLE block (id " ID ", incident_id BIGINT NOT NULL, target TEXT NOT NULL,"  \
	" reason TEXT NOT NULL DEFAULT '', state TEXT NOT NULL, actor TEXT NOT NULL,"         \
	" time BIGINT NOT NULL, removed_at BIGINT NOT NULL DEFAULT 0);"                       \
	"CREATE INDEX block_incident ON block (incident_id);"                                 \
	"CREATE TABLE audit (seq BIGINT PRIMARY KEY, time BIGINT NOT NULL, actor TEXT NOT NULL," \
	" incident_id BIGINT NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL,"           \
	" prev_hash TEXT NOT NULL, hash TEXT NOT NULL);"                                      \
	"CREATE INDEX audit_incident ON audit (incident_id, seq);"                            \
	"CREATE TABLE audit_head (id BIGINT PRIMARY KEY, seq BIGINT NOT NULL, hash TEXT NOT NULL);" \
	"INSERT INTO audit_head VALUES (1, 0, "                                               \
	"'0000000000000000000000000000000000000000000000000000000000000000');"                \
	"CREATE TABLE follow_pos (dir TEXT PRIMARY KEY, file TEXT NOT NULL, off BIGINT NOT NULL);"

/* v2: indexes for show and the list filters on a desk with a million incidents. */
#define DESK_SCHEMA_V2                                                                        \
	"CREATE INDEX incident_merged ON incident (merged_into);"                             \
	"CREATE INDEX incident_owner ON incident (owner, id);"                                \
	"CREATE INDEX incident_site ON incident (site, id);"                                  \
	"CREATE INDEX incident_kind ON incident (kind, id);"                                  \
	"CREATE INDEX link_b ON link (b, a);"

/* v3: room in each incident page for the new version of a row, so that the
 * counter UPDATE of every ingest batch (events, first_seen, last_seen,
 * updated: no index covers them) is a heap-only update in PostgreSQL instead
 * of a new entry in each of the table's ten indexes. Takes effect for pages
 * written from now on. SQLite rewrites rows in place: nothing to do. */
#define DESK_SCHEMA_V3_PG "ALTER TABLE incident SET (fillfactor = 70);"
#define DESK_SCHEMA_V3_SQLITE "SELECT 1;"

/* v4: documents (the raw mails reports came in) kept as evidence with their
 * SHA-256, the case ids senders gave (a notice sent twice is a duplicate),
 * and each event's document. raw is base64 so that any bytes fit a TEXT
 * column on both backends; filed is set once every event of the document
 * is in the desk (a document stored but not filed is filed again). */
#define DESK_SCHEMA_V4(ID)                                                                    \
	"CREATE TABLE document (id " ID ", sha256 TEXT NOT NULL UNIQUE,"                      \
	" message_id TEXT NOT NULL DEFAULT '', sender TEXT NOT NULL DEFAULT '',"              \
	" subject TEXT NOT NULL DEFAULT '', origin TEXT NOT NULL DEFAULT '',"                 \
	" received BIGINT NOT NULL, size BIGINT NOT NULL, filed BIGINT NOT NULL DEFAULT 0,"   \
	" outcome TEXT NOT NULL DEFAULT '', raw TEXT NOT NULL);"                              \
	"CREATE INDEX document_msgid ON document (message_id);"                               \
	"CREATE TABLE report_case (sender TEXT NOT NULL, case_id TEXT NOT NULL,"              \
	" document_id BIGINT NOT NULL, PRIMARY KEY (sender, case_id));"                       \
	"ALTER TABLE event ADD COLUMN doc TEXT NOT NULL DEFAULT '';"                          \
	"CREATE INDEX event_doc ON event (doc);"

/* v5: what the notification stage needs the desk to keep (the desk sends
 * nothing itself). incident.due is RTIR's Due: when the site's answer is
 * expected (0: nothing awaited). notice: per incident, who was told, the
 * highest event row told (so nothing is told twice and later events go out
 * as updates), the follow-up stage (1 told, 2 reminded, 3 escalated, 4
 * stalled) and when a reply came. outbox: every mail composed, durable
 * until the server took it (state queued|sent|failed, next_try for
 * back-off); raw is the whole message, base64. kv: small named positions
 * (the last digest period sent to each recipient). advisory and
 * advisory_rcpt: advisories and who got them. */
#define DESK_SCHEMA_V5(ID)                                                                    \
	"ALTER TABLE incident ADD COLUMN due BIGINT NOT NULL DEFAULT 0;"                      \
	"CREATE INDEX incident_due ON incident (due);"                                        \
	"CREATE TABLE notice (incident_id BIGINT PRIMARY KEY, recipient TEXT NOT NULL,"       \
	" escalate TEXT NOT NULL DEFAULT '', stage BIGINT NOT NULL DEFAULT 0,"                \
	" last_event BIGINT NOT NULL DEFAULT 0, first_sent BIGINT NOT NULL DEFAULT 0,"        \
	" last_sent BIGINT NOT NULL DEFAULT 0, replied BIGINT NOT NULL DEFAULT 0,"            \
	" message_id TEXT NOT NULL DEFAULT '');"                                              \
	"CREATE TABLE outbox (id " ID ", message_id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL," \
	" recipients TEXT NOT NULL, subject TEXT NOT NULL DEFAULT '',"                        \
	" incidents TEXT NOT NULL DEFAULT '', created BIGINT NOT NULL,"                       \
	" next_try BIGINT NOT NULL, tries BIGINT NOT NULL DEFAULT 0, state TEXT NOT NULL,"    \
	" last_error TEXT NOT NULL DEFAULT '', sent_at BIGINT NOT NULL DEFAULT 0,"            \
	" raw TEXT NOT NULL);"                                                                \
	"CREATE INDEX outbox_due ON outbox (state, next_try);"                                \
	"CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT NOT NULL DEFAULT '',"                    \
	" n BIGINT NOT NULL DEFAULT 0);"                                                      \
	"CREATE TABLE advisory (id " ID ", title TEXT NOT NULL, body TEXT NOT NULL,"          \
	" selector TEXT NOT NULL DEFAULT '', created BIGINT NOT NULL, actor TEXT NOT NULL,"   \
	" sent_at BIGINT NOT NULL DEFAULT 0);"                                                \
	"CREATE TABLE advisory_rcpt (advisory_id BIGINT NOT NULL, site TEXT NOT NULL,"        \
	" recipient TEXT NOT NULL, hosts TEXT NOT NULL DEFAULT '',"                           \
	" message_id TEXT NOT NULL DEFAULT '', PRIMARY KEY (advisory_id, site));"

/* v6: one incident per host to clean. The key of cc and blocklist incidents
 * loses the peer (kind|host, as for every kind); the peers an incident's
 * events name are listed in incident_peer, which campaigns (a peer shared
 * by several hosts) are found through. Existing incidents are rekeyed and
 * their peers listed from their events. */
#define DESK_SCHEMA_V6                                                                        \
	"CREATE TABLE incident_peer (kind TEXT NOT NULL, peer TEXT NOT NULL,"                 \
	" incident_id BIGINT NOT NULL, first_ms BIGINT NOT NULL,"                             \
	" PRIMARY KEY (kind, peer, incident_id));"                                            \
	"CREATE INDEX incident_peer_incident ON incident_peer (incident_id);"                 \
	"INSERT INTO incident_peer (kind, peer, incident_id, first_ms)"                       \
	" SELECT kind, peer, incident_id, MIN(first_ms) FROM event"                           \
	" WHERE peer <> '' AND (kind = 'cc' OR kind = 'blocklist')"                           \
	" GROUP BY kind, peer, incident_id;"                                                  \
	"UPDATE incident SET key = kind || '|' || host"                                       \
	" WHERE (kind = 'cc' OR kind = 'blocklist') AND host <> '' AND key NOT LIKE 'campaign|%';"

/* v7: blocks with a lifecycle (src/block renders them for routers; the desk
 * only keeps them). The v1 columns keep their meaning: target is the prefix
 * as first given, time is when the block was created, removed_at when it
 * ended (removed or expired). prefix is the normalised ADDR/LEN; state is
 * pending|active|removed|expired; activated and expires are ms (expires 0:
 * until removed); removed_by/removed_why say who ended it and why; seq is
 * the block_change row of its last change. told_add/told_remove: when the
 * site was told of the block and of its end (0: not yet). The effectiveness
 * record: flows seen from the prefix after activation, checked up to
 * checked_to. block_change is the renderer's sequence: one row per change
 * a router must see (add when a block goes active, remove when an active
 * block ends), numbered in order, so `[block] command` and a render can be
 * replayed from any point. */
#define DESK_SCHEMA_V7(ID)                                                                    \
	"ALTER TABLE block ADD COLUMN prefix TEXT NOT NULL DEFAULT '';"                       \
	"ALTER TABLE block ADD COLUMN activated BIGINT NOT NULL DEFAULT 0;"                   \
	"ALTER TABLE block ADD COLUMN expires BIGINT NOT NULL DEFAULT 0;"                     \
	"ALTER TABLE block ADD COLUMN removed_by TEXT NOT NULL DEFAULT '';"                   \
	"ALTER TABLE block ADD COLUMN removed_why TEXT NOT NULL DEFAULT '';"                  \
	"ALTER TABLE block ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;"                         \
	"ALTER TABLE block ADD COLUMN told_add BIGINT NOT NULL DEFAULT 0;"                    \
	"ALTER TABLE block ADD COLUMN told_remove BIGINT NOT NULL DEFAULT 0;"                 \
	"ALTER TABLE block ADD COLUMN checked_to BIGINT NOT NULL DEFAULT 0;"                  \
	"ALTER TABLE block ADD COLUMN leak_flows BIGINT NOT NULL DEFAULT 0;"                  \
	"ALTER TABLE block ADD COLUMN leak_packets BIGINT NOT NULL DEFAULT 0;"                \
	"ALTER TABLE block ADD COLUMN leak_bytes BIGINT NOT NULL DEFAULT 0;"                  \
	"ALTER TABLE block ADD COLUMN leak_first BIGINT NOT NULL DEFAULT 0;"                  \
	"ALTER TABLE block ADD COLUMN leak_last BIGINT NOT NULL DEFAULT 0;"                   \
	"UPDATE block SET prefix = target, activated = time;"                                 \
	"UPDATE block SET state = 'removed' WHERE state <> 'active';"                         \
	"CREATE INDEX block_state ON block (state, expires);"                                 \
	"CREATE INDEX block_prefix ON block (prefix);"                                        \
	"CREATE TABLE block_change (seq " ID ", block_id BIGINT NOT NULL, op TEXT NOT NULL,"  \
	" prefix TEXT NOT NULL, time BIGINT NOT NULL);"

/* v8: the web desk's people. users: name, role (admin analyst readonly
 * site), the argon2id hash libsodium wrote (crypto_pwhash_str), disabled
 * (ms it was disabled, 0 active). user_site: the sites a "site" user may
 * see. sessions and api_tokens keep only the SHA-256 (hex) of the secret
 * the browser or script holds; the session's CSRF token is kept as is
 * (it is no credential by itself). "user" is reserved in PostgreSQL, hence
 * the column name username. Two indexes for the queue's other sort orders
 * (last_seen, updated) so a page of a million incidents is a short index
 * walk, and two that cover the queue's equality filters (an analyst owns
 * many incidents: owner has its own) so its total is counted in an index
 * without reading incident rows. */
#define DESK_SCHEMA_V8                                                                        \
	"CREATE TABLE users (name TEXT PRIMARY KEY, role TEXT NOT NULL, pwhash TEXT NOT NULL," \
	" created BIGINT NOT NULL, disabled BIGINT NOT NULL DEFAULT 0);"                      \
	"CREATE TABLE user_site (username TEXT NOT NULL, site TEXT NOT NULL,"                 \
	" PRIMARY KEY (username, site));"                                                     \
	"CREATE TABLE sessions (id TEXT PRIMARY KEY, username TEXT NOT NULL,"                 \
	" csrf TEXT NOT NULL, created BIGINT NOT NULL, expires BIGINT NOT NULL);"            \
	"CREATE INDEX sessions_expires ON sessions (expires);"                                \
	"CREATE TABLE api_tokens (hash TEXT PRIMARY KEY, username TEXT NOT NULL,"             \
	" label TEXT NOT NULL DEFAULT '', created BIGINT NOT NULL,"                           \
	" last_used BIGINT NOT NULL DEFAULT 0);"                                              \
	"CREATE INDEX incident_last_seen ON incident (last_seen, id);"                        \
	"CREATE INDEX incident_updated ON incident (updated, id);"                            \
	"CREATE INDEX incident_queue ON incident (merged_into, state, kind, site, owner);"     \
	"CREATE INDEX incident_owner_m ON incident (owner, merged_into);"

#endif
