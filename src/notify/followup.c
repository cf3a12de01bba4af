/*
 * followup.c - chasing sites that do not answer. A notice whose due time
 * passes with no reply gets a reminder to the same contact and a new
 * deadline; the next passing sends an escalation to the site's second
 * contact; the last one stalls the incident. A reply (desk_notice_replied)
 * ends it all. Every step is a mail in the outbox or a state change, both
 * in the audit log.
 */
#include "notify/notify_int.h"
#include "util/err.h"
#include "util/log.h"
#include "util/vtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fctx {
	struct notify *n;
	int64_t now;
	struct notify_stats *st;
	int failed;
};

static int stall(struct notify *n, const struct desk_incident *inc, struct notify_stats *st)
{
	char err[256];
	int rc;

	if (!strcmp(inc->state, "new") &&
	    (rc = desk_incident_set(n->d, inc->id, "state", "open", err, sizeof(err))))
		log_warn("notify: incident %lld: %s", (long long)inc->id, err);
	if (strcmp(inc->state, "stalled") &&
	    (rc = desk_incident_set(n->d, inc->id, "state", "stalled", err, sizeof(err)))) {
		log_error("notify: incident %lld: cannot stall: %s", (long long)inc->id, err);
		return rc;
	}
	if ((rc = desk_notice_set(n->d, inc->id, DESK_STALLED, 0,
				  "no reply by the last deadline: stalled")))
		return rc;
	st->stalled++;
	return 0;
}

static int one(void *ctx, const struct desk_incident *inc, const struct desk_notice *no)
{
	struct fctx *f = ctx;
	struct notify *n = f->n;
	const char *sev = notify_severity(&n->c, inc->kind);
	int64_t deadline = notify_deadline(&n->c, inc->kind, sev);
	struct notify_who w;
	struct notify_mail nm;
	struct desk_told t = { .incident_id = inc->id, .last_event = no->last_event };
	bool escalate = no->stage == DESK_REMINDED;
	char ids[24], err[512];
	const char *to;
	json_t *data;
	int rc;

	if (no->stage >= DESK_ESCALATED) {
		if (stall(n, inc, f->st))
			f->failed++;
		return 0;
	}
	if (no->stage < DESK_TOLD)
		return 0;
	if (notify_who(n, inc->host, &w)) {
		memset(&w, 0, sizeof(w));
		snprintf(w.language, sizeof(w.language), "en");
		snprintf(w.to, sizeof(w.to), "%s", no->recipient);
		snprintf(w.format, sizeof(w.format), "text");
	}
	to = escalate && no->escalate[0] ? no->escalate : no->recipient;
	if (!(data = notify_incident_data(n, inc, 0, no->last_event, true)))
		return VIGIL_ENOMEM;
	notify_data_common(n, data, &w, f->now, deadline);
	json_object_set_new(json_object_get(data, "incident"), "reminder",
			    json_integer(escalate ? 2 : 1));
	json_object_set_new(json_object_get(data, "incident"), "escalated", json_boolean(escalate));
	{
		char tt[VTIME_STRLEN];

		json_object_set_new(json_object_get(data, "incident"), "told",
				    json_string(vtime_format_s(no->first_sent, tt)));
	}
	json_object_set_new(data, "recipient", json_string(to));
	json_object_set_new(data, "to", json_string(to));
	snprintf(ids, sizeof(ids), "%lld", (long long)inc->id);
	rc = notify_compose(n, escalate ? "escalation" : "reminder", &w, to, data,
			    escalate ? "escalation" : "reminder", ids, NULL, no->message_id, f->now,
			    &nm, err, sizeof(err));
	json_decref(data);
	if (rc) {
		log_error("notify: incident %lld: %s", (long long)inc->id, err);
		f->failed++;
		return 0;
	}
	t.stage = escalate ? DESK_ESCALATED : DESK_REMINDED;
	t.due = f->now + deadline;
	rc = desk_outbox_queue(n->d, &nm.m, nm.raw, nm.len, &t, 1);
	free(nm.raw);
	if (rc) {
		f->failed++;
		return 0;
	}
	f->st->queued++;
	if (escalate)
		f->st->escalations++;
	else
		f->st->reminders++;
	return 0;
}

int notify_followup(struct notify *n, int64_t now, struct notify_stats *st)
{
	struct fctx f = { .n = n, .now = now, .st = st };
	int rc = desk_overdue(n->d, now, one, &f);

	if (rc)
		return rc;
	return f.failed ? VIGIL_EIO : 0;
}
