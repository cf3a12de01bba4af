/*
 * rules.c - how events become incidents (the rules analysts read in
 * docs/internals/desk.md and vigil-incident(1)):
 *
 *  key   kind + host: one host to clean is one incident, whichever peers
 *        it talked to; the peers of cc and blocklist incidents are listed
 *        with the incident and a peer shared by several hosts makes a
 *        campaign parent (peers.c).
 *  join  the key's newest incident is not resolved/rejected and its
 *        last_seen is within the window (24 h) of the event: append.
 *  reopen the key's newest incident was resolved and the event is within
 *        the recurrence window (7 d) of the resolution: open it again.
 *  new   otherwise a new incident (state new), linked to the key's previous
 *        incident if there was one.
 *
 * A batch keeps the incidents it touched in a small hash table (struct
 * desk_kc) and writes their counters back once at commit, 64 incidents per
 * UPDATE statement (only the entries listed as dirty are visited).
 */
#include "desk/priv.h"
#include "util/err.h"
#include "util/log.h"
#include "util/vtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const open_states[] = { "new", "open", "stalled", "blocked", NULL };

static bool is_open(const char *state)
{
	for (const char *const *s = open_states; *s; s++)
		if (!strcmp(state, *s))
			return true;
	return false;
}

bool desk_transition_ok(const char *from, const char *to)
{
	static const struct {
		const char *from, *to;
	} allowed[] = {
		{ "new", "open" },         { "new", "stalled" },      { "new", "blocked" },
		{ "new", "resolved" },     { "open", "stalled" },     { "open", "blocked" },
		{ "open", "resolved" },    { "stalled", "open" },     { "stalled", "blocked" },
		{ "stalled", "resolved" }, { "blocked", "open" },     { "blocked", "stalled" },
		{ "blocked", "resolved" }, { "resolved", "open" },    { "rejected", "open" },
	};

	if (!strcmp(to, "rejected"))
		return strcmp(from, "rejected") != 0;
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (!strcmp(allowed[i].from, from) && !strcmp(allowed[i].to, to))
			return true;
	return false;
}

static uint64_t key_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ULL;
	return h;
}

void desk_kc_clear(struct desk *d)
{
	if (d->kc && d->kc_used) {
		memset(d->kc, 0, DESK_KEYCACHE * sizeof(*d->kc));
		d->kc_used = 0;
	}
	d->nkdirty = 0;
}

/* The slot of key: its entry, or an empty slot to fill (NULL when full). */
static struct desk_kc *kc_slot(struct desk *d, const char *key)
{
	size_t i = key_hash(key) & (DESK_KEYCACHE - 1);

	if (!d->kc && !(d->kc = calloc(DESK_KEYCACHE, sizeof(*d->kc))))
		return NULL;
	for (size_t n = 0; n < DESK_KEYCACHE; n++, i = (i + 1) & (DESK_KEYCACHE - 1))
		if (!d->kc[i].id || !strcmp(d->kc[i].key, key))
			return &d->kc[i];
	return NULL;
}

int desk_kc_touch(struct desk *d, struct desk_kc *k)
{
	if (k->dirty)
		return 0;
	if (d->nkdirty == d->capkdirty) {
		size_t ncap = d->capkdirty ? d->capkdirty * 2 : 1024;
		uint32_t *nd = realloc(d->kdirty, ncap * sizeof(*nd));

		if (!nd)
			return VIGIL_ENOMEM;
		d->kdirty = nd;
		d->capkdirty = ncap;
	}
	d->kdirty[d->nkdirty++] = (uint32_t)(k - d->kc);
	k->dirty = true;
	return 0;
}

/*
 * The counters of n incidents in one statement (n = KC_ROWS, KC_MID or 1):
 *   UPDATE incident SET events = CASE id WHEN $1 THEN CAST($2 AS BIGINT) ... END,
 *     first_seen = CASE id ... END, last_seen = CASE id ... END, updated = $N
 *   WHERE id IN ($1, $5, ...)
 * A CASE over an IN list (not UPDATE ... FROM (VALUES ...), for which
 * PostgreSQL chose a table scan) keeps the lookups on the primary key; the
 * CASTs give PostgreSQL the parameters' types. Used where the backend says
 * so (db_ops.update_rows): SQLite. PostgreSQL stays at one UPDATE per
 * incident: with the 64-row form its server CPU went from 8.7 s to 23 s per
 * 100,000 events, and with four bigint arrays joined by unnest() it did not
 * drop either (bench/desk; why was not investigated further).
 */
#define KC_ROWS 64
#define KC_MID 8
#define KC_NP 4

static char sql_kc1[512], sql_kcmid[4096], sql_kcn[32768];

static void kc_sql(char *out, size_t cap, int rows)
{
	static const char *const col[] = { "events", "first_seen", "last_seen" };
	size_t len = (size_t)snprintf(out, cap, "UPDATE incident SET ");

	for (int c = 0; c < 3; c++) {
		len += (size_t)snprintf(out + len, cap - len, "%s = CASE id", col[c]);
		for (int r = 0; r < rows; r++)
			len += (size_t)snprintf(out + len, cap - len, " WHEN $%d THEN CAST($%d AS BIGINT)",
						r * KC_NP + 1, r * KC_NP + 2 + c);
		len += (size_t)snprintf(out + len, cap - len, " END, ");
	}
	len += (size_t)snprintf(out + len, cap - len, "updated = CAST($%d AS BIGINT) WHERE id IN (",
				rows * KC_NP + 1);
	for (int r = 0; r < rows; r++)
		len += (size_t)snprintf(out + len, cap - len, r ? ", $%d" : "$%d", r * KC_NP + 1);
	snprintf(out + len, cap - len, ")");
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Write the counters of the incidents ks[0..n) (one statement) and audit their joins. */
static int kc_write(struct desk *d, struct desk_kc *const *ks, size_t n, int64_t now)
{
	const char *sql = n == KC_ROWS ? sql_kcn : n == KC_MID ? sql_kcmid : sql_kc1;
	struct db_stmt *st;
	char detail[64];

	if (!sql_kc1[0]) {
		kc_sql(sql_kc1, sizeof(sql_kc1), 1);
		kc_sql(sql_kcmid, sizeof(sql_kcmid), KC_MID);
		kc_sql(sql_kcn, sizeof(sql_kcn), KC_ROWS);
	}
	if (!(st = desk_q(d, sql)))
		return VIGIL_EDB;
	for (size_t r = 0; r < n; r++) {
		int b = (int)r * KC_NP;

		desk_bind_int(d, st, b + 1, ks[r]->id);
		desk_bind_int(d, st, b + 2, ks[r]->events);
		desk_bind_int(d, st, b + 3, ks[r]->first_seen);
		desk_bind_int(d, st, b + 4, ks[r]->last_seen);
	}
	desk_bind_int(d, st, (int)n * KC_NP + 1, now);
	if (desk_defer(d, st, 0))
		return VIGIL_EDB;
	for (size_t r = 0; r < n; r++) {
		struct desk_kc *k = ks[r];

		if (k->joined) {
			snprintf(detail, sizeof(detail), "{\"events\":%lld}", (long long)k->joined);
			if (desk_audit_add(d, k->id, "ingest-join", detail))
				return VIGIL_EDB;
		}
		k->dirty = false;
		k->joined = 0;
	}
	return 0;
}

/* Write the counters of the dirty cached incidents back, KC_ROWS per
 * statement, in slot order (the order of their audit rows). */
int desk_kc_flush(struct desk *d)
{
	struct desk_kc *ks[KC_ROWS];
	int64_t now = vtime_now_ms();
	size_t n = 0, i = 0;
	int rc = 0;

	if (!d->kc || !d->nkdirty)
		return 0;
	qsort(d->kdirty, d->nkdirty, sizeof(*d->kdirty), cmp_u32);
	/* dirty entries, each once (a slot may be listed twice: see desk_rules_apply) */
	for (size_t j = 0; j < d->nkdirty; j++) {
		struct desk_kc *k = &d->kc[d->kdirty[j]];

		if (k->id && k->dirty && (n == 0 || d->kdirty[j] != d->kdirty[n - 1]))
			d->kdirty[n++] = d->kdirty[j];
	}
	while (i < n && !rc) {
		size_t m = n - i >= KC_ROWS ? KC_ROWS : n - i >= KC_MID ? KC_MID : 1;

		if (d->ops->update_rows < KC_ROWS)
			m = 1;

		for (size_t r = 0; r < m; r++)
			ks[r] = &d->kc[d->kdirty[i + r]];
		rc = kc_write(d, ks, m, now);
		i += m;
	}
	d->nkdirty = 0;
	return rc;
}

/* Newest incident of key, following merges; inc->id 0 when none. */
static int find_by_key(struct desk *d, const char *key, struct desk_incident *inc)
{
	static const char SQL_KEY[] =
		"SELECT " INC_COLS " FROM incident WHERE key = $1 ORDER BY id DESC LIMIT 1";
	struct db_stmt *st;
	int rc;

	memset(inc, 0, sizeof(*inc));
	if (!(st = desk_q(d, SQL_KEY)))
		return VIGIL_EDB;
	desk_bind_text(d, st, 1, key);
	rc = desk_step(d, st);
	if (rc == 1)
		desk_row_incident(d, st, inc);
	d->ops->reset(st);
	if (rc <= 0)
		return rc;
	for (int hop = 0; hop < 16 && inc->merged_into; hop++)
		if ((rc = desk_load(d, inc->merged_into, inc)))
			return rc;
	return 0;
}

static bool peer_kind(const char *kind)
{
	return !strcmp(kind, "cc") || !strcmp(kind, "blocklist");
}

int desk_rules_apply(struct desk *d, const struct event *e, struct desk_kc **kc_out, int *outcome)
{
	char host[ADDR_STRLEN], peer[ADDR_STRLEN] = "", site[128] = "", key[160], ckey[120] = "";
	struct desk_incident inc, prev;
	struct desk_kc *k;
	int64_t id;
	int rc;

	addr_format(&e->host, host);
	if (e->has_peer)
		addr_format(&e->peer, peer);
	snprintf(key, sizeof(key), "%s|%s", e->kind, host);
	if (peer_kind(e->kind) && e->has_peer)
		snprintf(ckey, sizeof(ckey), "%s|%s", e->kind, peer);
	k = kc_slot(d, key);
	if (!k)
		return VIGIL_ELIMIT;
	if (k->id && e->first_ms <= k->last_seen + d->window_ms) {
		*outcome = 0;
		*kc_out = k;
		return ckey[0] ? desk_peer_seen(d, k, e->kind, peer, e->first_ms) : 0;
	}
	/* Out of the window of the cached incident: what is stored must be
	 * current before it is read back (and before the slot is reused). */
	if (k->id && k->dirty && (rc = kc_write(d, &k, 1, vtime_now_ms())))
		return rc;
	if ((rc = find_by_key(d, key, &prev)))
		return rc;
	*outcome = 1;
	if (prev.id && is_open(prev.state) && e->first_ms <= prev.last_seen + d->window_ms) {
		*outcome = 0;
	} else if (prev.id && !strcmp(prev.state, "resolved") &&
		   e->last_ms <= prev.resolved_at + d->recurrence_ms) {
		if ((rc = desk_set_state(d, prev.id, prev.state, "open", "reopen",
					 "reopened by recurrence")))
			return rc;
		*outcome = 2;
	}
	if (*outcome != 1) {
		id = prev.id;
		inc = prev;
	} else {
		memset(&inc, 0, sizeof(inc));
		desk_copy(inc.kind, sizeof(inc.kind), e->kind);
		snprintf(inc.state, sizeof(inc.state), "new");
		desk_copy(inc.host, sizeof(inc.host), host);
		desk_copy(inc.peer, sizeof(inc.peer), peer);
		/* the site is asked only for a new incident: joins are the hot path */
		if (d->site_fn && d->site_fn(d->site_ctx, &e->host, site, sizeof(site)) != 0)
			site[0] = '\0';
		site[sizeof(site) - 1] = '\0';
		desk_copy(inc.site, sizeof(inc.site), site);
		desk_copy(inc.query, sizeof(inc.query), e->query);
		desk_copy(inc.subject, sizeof(inc.subject), e->why);
		inc.first_seen = e->first_ms;
		inc.last_seen = e->last_ms;
		if ((rc = desk_create(d, &inc, key, ckey, e->why, &id)))
			return rc;
		inc.id = id;
		inc.events = 0;
		if (prev.id && (rc = desk_link_in_tx(d, id, prev.id)))
			return rc;
	}
	if (!k->id)
		d->kc_used++;
	memset(k, 0, sizeof(*k));
	desk_copy(k->key, sizeof(k->key), key);
	k->id = id;
	k->first_seen = inc.first_seen;
	k->last_seen = inc.last_seen;
	k->events = inc.events;
	*kc_out = k;
	return ckey[0] ? desk_peer_seen(d, k, e->kind, peer, e->first_ms) : 0;
}
