/*
 * list.c - listing and counting incidents through filters (the CLI's
 * `vigil incident list` and the web queue). One WHERE clause is built from
 * the filter as a parameterised query; the page (ORDER BY, LIMIT, OFFSET) is
 * done by the database over an index, so the queue's first page of a
 * million incidents is a short index walk, not a scan.
 */
#include "desk/priv.h"
#include "util/err.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIST_MAXSTATES 8
#define LIST_MAXTEXT (LIST_MAXSTATES + DESK_USER_MAXSITES + 8)

struct where {
	char sql[2048];
	size_t len;
	int np;
	const char *txt[LIST_MAXTEXT];
	int tpos[LIST_MAXTEXT], nt;
	int64_t ints[6];
	int ipos[6], ni;
	char states[LIST_MAXSTATES][16];
	char like[300];
	bool overflow;
};

static void add(struct where *w, const char *fmt, int p)
{
	if (w->len < sizeof(w->sql))
		w->len += (size_t)snprintf(w->sql + w->len, sizeof(w->sql) - w->len, fmt, p);
}

static void add_text(struct where *w, const char *fmt, const char *val)
{
	if (w->nt == LIST_MAXTEXT) {
		w->overflow = true;
		return;
	}
	w->np++;
	add(w, fmt, w->np);
	w->tpos[w->nt] = w->np;
	w->txt[w->nt++] = val;
}

static void add_int(struct where *w, const char *fmt, int64_t v)
{
	w->np++;
	add(w, fmt, w->np);
	w->ipos[w->ni] = w->np;
	w->ints[w->ni++] = v;
}

/* "a,b,c" -> state IN ($i, $j, $k) */
static int add_states(struct where *w, const char *list)
{
	size_t n = 0;
	const char *p = list;

	while (*p) {
		const char *e = strchr(p, ',');
		size_t l = e ? (size_t)(e - p) : strlen(p);

		if (l > 0) {
			if (n == LIST_MAXSTATES || l >= sizeof(w->states[0]))
				return VIGIL_EINVAL;
			memcpy(w->states[n], p, l);
			w->states[n++][l] = 0;
		}
		p += l + (e ? 1 : 0);
	}
	if (n == 0)
		return 0;
	add(w, " AND state IN (", 0);
	for (size_t i = 0; i < n; i++)
		add_text(w, i ? ", $%d" : "$%d", w->states[i]);
	add(w, ")", 0);
	return 0;
}

static int build(struct where *w, const struct desk_filter *f, bool count)
{
	memset(w, 0, sizeof(*w));
	add(w, " WHERE 1 = 1", 0);
	if (!f->include_merged)
		/* a list walks the id order: unary + keeps planners off the (mostly
		 * NULL) merged_into indexes; a count wants incident_queue, which
		 * covers merged_into and the equality filters */
		add(w, count ? " AND merged_into IS NULL" : " AND +merged_into IS NULL", 0);
	if (f->state && add_states(w, f->state))
		return VIGIL_EINVAL;
	if (f->kind)
		add_text(w, " AND kind = $%d", f->kind);
	if (f->site)
		add_text(w, " AND site = $%d", f->site);
	if (f->only_sites) {
		if (f->nsites == 0 || f->nsites > DESK_USER_MAXSITES) {
			add(w, " AND 1 = 0", 0);
		} else {
			add(w, " AND site IN (", 0);
			for (size_t i = 0; i < f->nsites; i++)
				add_text(w, i ? ", $%d" : "$%d", f->sites[i]);
			add(w, ")", 0);
		}
	}
	if (f->owner)
		add_text(w, " AND owner = $%d", f->owner);
	if (f->host)
		add_text(w, " AND id IN (SELECT id FROM incident WHERE host = $%1$d"
			    " UNION SELECT incident_id FROM event WHERE host = $%1$d)", f->host);
	if (f->q && *f->q) {
		/* %q% with LIKE's own characters escaped, lowered for both backends */
		size_t j = 0;

		w->like[j++] = '%';
		for (const char *p = f->q; *p && j < sizeof(w->like) - 3; p++) {
			if (*p == '%' || *p == '_' || *p == '\\')
				w->like[j++] = '\\';
			w->like[j++] = (char)tolower((unsigned char)*p);
		}
		w->like[j++] = '%';
		w->like[j] = 0;
		add_text(w, " AND (LOWER(subject) LIKE $%1$d ESCAPE '\\' OR host LIKE $%1$d ESCAPE '\\')",
			 w->like);
	}
	if (f->since_ms)
		add_int(w, " AND last_seen >= $%d", f->since_ms);
	if (f->until_ms)
		add_int(w, " AND last_seen <= $%d", f->until_ms);
	if (f->overdue_at)
		add_int(w, " AND due > 0 AND due < $%d AND state NOT IN ('resolved', 'rejected')",
			f->overdue_at);
	return w->overflow ? VIGIL_EINVAL : 0;
}

static const char *order_by(const char *sort)
{
	static const struct {
		const char *name, *sql;
	} sorts[] = {
		{ "-id", " ORDER BY id DESC" },
		{ "id", " ORDER BY id" },
		{ "-last_seen", " ORDER BY last_seen DESC, id DESC" },
		{ "last_seen", " ORDER BY last_seen, id" },
		{ "-updated", " ORDER BY updated DESC, id DESC" },
		{ "updated", " ORDER BY updated, id" },
	};

	if (!sort || !*sort)
		return sorts[0].sql;
	for (size_t i = 0; i < sizeof(sorts) / sizeof(sorts[0]); i++)
		if (!strcmp(sort, sorts[i].name))
			return sorts[i].sql;
	return NULL;
}

static int prepare(struct desk *d, struct where *w, struct db_stmt **st)
{
	if (w->len >= sizeof(w->sql))
		return VIGIL_ELIMIT;
	if (d->ops->prepare(d->db, w->sql, st))
		return VIGIL_EDB;
	for (int i = 0; i < w->nt; i++)
		d->ops->bind_text(*st, w->tpos[i], w->txt[i]);
	for (int i = 0; i < w->ni; i++)
		d->ops->bind_int(*st, w->ipos[i], w->ints[i]);
	return 0;
}

int desk_list(struct desk *d, const struct desk_filter *f,
	      int (*fn)(void *ctx, const struct desk_incident *inc), void *ctx)
{
	struct where *w = malloc(sizeof(*w));
	const char *order = order_by(f->sort);
	struct db_stmt *st = NULL;
	struct desk_incident inc;
	int rc;

	if (!w)
		return VIGIL_ENOMEM;
	if (!order || (rc = build(w, f, false))) {
		free(w);
		return VIGIL_EINVAL;
	}
	/* the WHERE clause goes after the column list: rebuild the text around it */
	{
		char where[sizeof(w->sql)];

		memcpy(where, w->sql, w->len + 1);
		w->len = (size_t)snprintf(w->sql, sizeof(w->sql), "SELECT " INC_COLS " FROM incident%s%s",
					  where, order);
	}
	if (f->limit > 0)
		add_int(w, " LIMIT $%d", f->limit);
	if (f->limit > 0 && f->offset > 0)
		add_int(w, " OFFSET $%d", f->offset);
	if ((rc = prepare(d, w, &st))) {
		free(w);
		return rc;
	}
	while ((rc = desk_step(d, st)) == 1) {
		desk_row_incident(d, st, &inc);
		if (fn(ctx, &inc))
			break;
	}
	d->ops->finalize(st);
	free(w);
	return rc < 0 ? VIGIL_EDB : 0;
}

int desk_count(struct desk *d, const struct desk_filter *f, int64_t *total)
{
	struct where *w = malloc(sizeof(*w));
	struct db_stmt *st = NULL;
	int rc;

	if (!w)
		return VIGIL_ENOMEM;
	if ((rc = build(w, f, true))) {
		free(w);
		return rc;
	}
	{
		char where[sizeof(w->sql)];

		memcpy(where, w->sql, w->len + 1);
		w->len = (size_t)snprintf(w->sql, sizeof(w->sql), "SELECT COUNT(*) FROM incident%s",
					  where);
	}
	if ((rc = prepare(d, w, &st))) {
		free(w);
		return rc;
	}
	rc = desk_step(d, st);
	*total = rc == 1 ? d->ops->col_int(st, 0) : 0;
	d->ops->finalize(st);
	free(w);
	return rc < 0 ? VIGIL_EDB : 0;
}
