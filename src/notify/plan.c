/*
 * plan.c - deciding what to tell and composing it. Every incident in a told
 * state with events not yet told is grouped by whom to tell (a site, or an
 * outside network's abuse contact). A group whose batch is "now" gets one
 * mail an incident (a notice, or an update listing only the new events); a
 * batched group gets one digest a period listing everything new since the
 * last. Each mail is queued with the notices it records in one transaction,
 * so what was queued is never composed again and nothing is told twice.
 */
#include "notify/notify_int.h"
#include "util/err.h"
#include "util/log.h"
#include "util/vtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIGEST_MAX_INCIDENTS 500 /* incidents one digest mail lists; more: more mails */

struct item {
	struct desk_incident inc;
	int64_t max_event, told_event;
	size_t group;
};

struct group {
	struct notify_who who;
	size_t first, count; /* items of this group after sorting */
};

struct plan {
	struct notify *n;
	struct item *items;
	size_t nitems, cap;
};

static int collect(void *ctx, const struct desk_incident *inc, int64_t max_event,
		   int64_t told_event)
{
	struct plan *p = ctx;
	struct item *grown;

	if (!inc->host[0] || !notify_kind_told(&p->n->c, inc->kind))
		return 0;
	if (p->nitems == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 256;
		if (!(grown = realloc(p->items, p->cap * sizeof(*grown))))
			return VIGIL_ENOMEM;
		p->items = grown;
	}
	p->items[p->nitems].inc = *inc;
	p->items[p->nitems].max_event = max_event;
	p->items[p->nitems].told_event = told_event;
	p->nitems++;
	return 0;
}

static int by_group(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	return x->inc.id < y->inc.id ? -1 : x->inc.id > y->inc.id;
}

/* Queue a composed mail with its notices; a Message-Id clash cannot
 * happen (ids are unique), so any failure is the desk's. */
static int queue(struct notify *n, struct notify_mail *nm, const struct desk_told *t, size_t nt,
		 struct notify_stats *st)
{
	int rc = desk_outbox_queue(n->d, &nm->m, nm->raw, nm->len, t, nt);

	free(nm->raw);
	nm->raw = NULL;
	if (rc)
		return rc;
	st->queued++;
	st->incidents += nt;
	return 0;
}

static int tell_one(struct notify *n, const struct item *it, const struct notify_who *w,
		    int64_t now, struct notify_stats *st)
{
	struct desk_notice old;
	bool update = it->told_event > 0;
	const char *sev = notify_severity(&n->c, it->inc.kind);
	int64_t deadline = notify_deadline(&n->c, it->inc.kind, sev);
	struct notify_mail nm;
	struct desk_told t = { .incident_id = it->inc.id, .last_event = it->max_event };
	char ids[24], err[512];
	json_t *data;
	int rc;

	if (desk_notice_get(n->d, it->inc.id, &old))
		memset(&old, 0, sizeof(old));
	if (!(data = notify_incident_data(n, &it->inc, it->told_event, it->max_event, true)))
		return VIGIL_ENOMEM;
	notify_data_common(n, data, w, now, update ? 0 : deadline);
	snprintf(ids, sizeof(ids), "%lld", (long long)it->inc.id);
	rc = notify_compose(n, update ? "update" : it->inc.kind, w, update ? old.recipient : NULL,
			    data, update ? "update" : "notice", ids, NULL,
			    update ? old.message_id : NULL, now, &nm, err, sizeof(err));
	json_decref(data);
	if (rc) {
		log_error("notify: incident %lld: %s", (long long)it->inc.id, err);
		return rc;
	}
	t.stage = update ? old.stage : DESK_TOLD;
	t.due = update || !w->ours ? 0 : now + deadline; /* outside networks are not chased */
	t.recipient = update ? NULL : nm.m.recipients;
	t.escalate = update ? NULL : w->escalate;
	return queue(n, &nm, &t, 1, st);
}

static int tell_digest(struct notify *n, const struct item *its, size_t count,
		       const struct notify_who *w, int64_t now, int64_t since,
		       struct notify_stats *st)
{
	struct desk_told *t = calloc(count, sizeof(*t));
	json_t *data = json_object(), *list = json_array();
	struct mail_attach att = { .filename = "incidents.csv",
				   .content_type = "text/csv; charset=utf-8" };
	struct notify_mail nm;
	char *ids = malloc(count * 24 + 1), err[512], *csv = NULL;
	size_t ilen = 0, csvlen = 0;
	int64_t longest = 0;
	int rc = VIGIL_ENOMEM;

	if (!t || !data || !list || !ids)
		goto out;
	ids[0] = 0;
	for (size_t i = 0; i < count; i++) {
		const struct item *it = &its[i];
		const char *sev = notify_severity(&n->c, it->inc.kind);
		int64_t deadline = notify_deadline(&n->c, it->inc.kind, sev);
		json_t *one = notify_incident_data(n, &it->inc, it->told_event, it->max_event,
						   count <= 20);

		if (!one)
			goto out;
		json_array_append_new(list, one);
		ilen += (size_t)snprintf(ids + ilen, 24, "%s%lld", i ? "," : "", (long long)it->inc.id);
		t[i].incident_id = it->inc.id;
		t[i].last_event = it->max_event;
		if (it->told_event > 0) {
			struct desk_notice old;

			t[i].stage = desk_notice_get(n->d, it->inc.id, &old) ? DESK_TOLD : old.stage;
		} else {
			t[i].stage = DESK_TOLD;
			t[i].due = w->ours ? now + deadline : 0; /* outside networks are not chased */
			t[i].recipient = w->to;
			t[i].escalate = w->escalate;
			if (deadline > longest)
				longest = deadline;
		}
	}
	json_object_set_new(data, "incidents", list);
	list = NULL;
	json_object_set_new(data, "incidents_count", json_integer((json_int_t)count));
	{
		char t1[32], t2[32];

		json_object_set_new(data, "period",
				    json_pack("{s:s, s:s, s:I}", "from",
					      since ? vtime_format_s(since, t1) : "",
					      "to", vtime_format_s(now, t2), "length",
					      (json_int_t)(w->batch_ms / 1000)));
	}
	notify_data_common(n, data, w, now, w->ours ? longest : 0);
	if (!strcmp(w->format, "csv")) {
		if (!(csv = notify_csv(json_object_get(data, "incidents"), &csvlen)))
			goto out;
		att.data = csv;
		att.len = csvlen;
		json_object_set_new(data, "csv", json_true());
	}
	rc = notify_compose(n, w->ours ? "digest" : "digest-outside", w, NULL, data, "digest", ids,
			    csv ? &att : NULL, NULL, now, &nm, err, sizeof(err));
	if (rc) {
		log_error("notify: digest to %s: %s", w->to, err);
		goto out;
	}
	rc = queue(n, &nm, t, count, st);
out:
	free(csv);
	free(ids);
	free(t);
	json_decref(list);
	json_decref(data);
	return rc;
}

/* The digest of group g if its period has turned since the last one. */
static int tell_group_batched(struct notify *n, const struct item *its, size_t count,
			      const struct notify_who *w, int64_t now, struct notify_stats *st)
{
	char key[640];
	int64_t last = -1, period = now / w->batch_ms;
	char since_s[32] = "";
	int64_t since = 0;
	int rc;

	snprintf(key, sizeof(key), "digest:%s", w->key);
	if (desk_kv_get(n->d, key, &last, since_s, sizeof(since_s)) == 0 && last >= period) {
		st->waiting += count;
		return 0;
	}
	if (since_s[0])
		since = strtoll(since_s, NULL, 10);
	for (size_t i = 0; i < count; i += DIGEST_MAX_INCIDENTS) {
		size_t k = count - i < DIGEST_MAX_INCIDENTS ? count - i : DIGEST_MAX_INCIDENTS;

		if ((rc = tell_digest(n, its + i, k, w, now, since, st)))
			return rc;
	}
	snprintf(since_s, sizeof(since_s), "%lld", (long long)now);
	return desk_kv_set(n->d, key, period, since_s);
}

int notify_plan(struct notify *n, int64_t now, struct notify_stats *st)
{
	struct plan p = { .n = n };
	struct group *groups = NULL, *grown;
	size_t ngroups = 0, capg = 0;
	struct notify_who w;
	int rc, failed = 0;

	if ((rc = desk_untold(n->d, n->c.states, n->c.nstates, collect, &p)))
		goto out;
	/* group by whom to tell */
	for (size_t i = 0; i < p.nitems; i++) {
		size_t g;

		if (notify_who(n, p.items[i].inc.host, &w)) {
			st->no_contact++;
			log_warn("notify: incident %lld (%s): nobody to tell about %s",
				 (long long)p.items[i].inc.id, p.items[i].inc.kind, p.items[i].inc.host);
			p.items[i].group = SIZE_MAX;
			continue;
		}
		for (g = 0; g < ngroups && strcmp(groups[g].who.key, w.key); g++)
			;
		if (g == ngroups) {
			if (ngroups == capg) {
				capg = capg ? capg * 2 : 64;
				if (!(grown = realloc(groups, capg * sizeof(*grown)))) {
					rc = VIGIL_ENOMEM;
					goto out;
				}
				groups = grown;
			}
			groups[ngroups].who = w;
			groups[ngroups++].count = 0;
		}
		p.items[i].group = g;
		groups[g].count++;
	}
	if (p.nitems)
		qsort(p.items, p.nitems, sizeof(*p.items), by_group);
	for (size_t i = 0, g = 0; g < ngroups; g++) {
		groups[g].first = i;
		i += groups[g].count;
	}
	for (size_t g = 0; g < ngroups; g++) {
		const struct notify_who *gw = &groups[g].who;
		const struct item *its = p.items + groups[g].first;

		if (gw->batch_ms <= 0) {
			for (size_t k = 0; k < groups[g].count; k++)
				if (tell_one(n, &its[k], gw, now, st))
					failed++;
		} else if (tell_group_batched(n, its, groups[g].count, gw, now, st)) {
			failed++;
		}
	}
	rc = failed ? VIGIL_EIO : 0;
out:
	free(groups);
	free(p.items);
	return rc;
}
