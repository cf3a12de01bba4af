/*
 * core.c - a notify context over a desk, a constituency and a store; one
 * cycle (plan, follow-up, send); and the preview of what an incident would
 * be sent now, rendered as a person reads it (not as MIME).
 */
#include "notify/notify_int.h"
#include "util/buf.h"
#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int notify_open(const struct conf *cf, struct desk *d, const struct whois_db *w,
		const char *store_dir, struct notify **out, char *err, size_t errlen)
{
	struct notify *n = calloc(1, sizeof(*n));
	int rc;

	if (!n)
		return VIGIL_ENOMEM;
	if ((rc = notify_conf_read(cf, &n->c, err, errlen)) ||
	    (rc = tmplset_open(n->c.templates, &n->ts, err, errlen))) {
		free(n);
		return rc;
	}
	n->d = d;
	n->w = w;
	snprintf(n->store_dir, sizeof(n->store_dir), "%s", store_dir ? store_dir : "");
	*out = n;
	return 0;
}

void notify_close(struct notify *n)
{
	if (!n)
		return;
	tmplset_free(n->ts);
	if (n->pgp)
		pgp_close(n->pgp);
	free(n);
}

bool notify_can_send(const struct notify *n)
{
	return n->c.can_send;
}

int notify_check(struct notify *n, FILE *out)
{
	return tmplset_check(n->ts, out);
}

int notify_cycle(struct notify *n, int64_t now, struct notify_stats *st)
{
	int rc = notify_plan(n, now, st);
	int r1 = notify_blocks(n, now, st);
	int r2 = notify_followup(n, now, st);
	int r3 = notify_send(n, now, st);

	return rc ? rc : r1 ? r1 : r2 ? r2 : r3;
}

int notify_preview(struct notify *n, int64_t id, int64_t now, FILE *out, char *err,
		   size_t errlen)
{
	struct desk_incident inc;
	struct desk_notice old;
	struct notify_who w;
	const struct tmpl *t;
	const char *name;
	int64_t deadline;
	struct buf b;
	json_t *data;
	bool told;
	int rc;

	if ((rc = desk_get(n->d, id, &inc))) {
		snprintf(err, errlen, "incident %lld: %s", (long long)id, vigil_strerror(rc));
		return rc;
	}
	if (!inc.host[0]) {
		snprintf(err, errlen, "incident %lld has no host: its children are told", (long long)id);
		return VIGIL_EINVAL;
	}
	if (notify_who(n, inc.host, &w)) {
		snprintf(err, errlen, "incident %lld: nobody to tell about %s (no site or abuse contact)",
			 (long long)id, inc.host);
		return VIGIL_ENOTFOUND;
	}
	told = desk_notice_get(n->d, id, &old) == 0;
	name = told && old.replied == 0 && inc.due && inc.due <= now
		       ? (old.stage == DESK_REMINDED ? "escalation" : "reminder")
		       : inc.kind;
	deadline = notify_deadline(&n->c, inc.kind, notify_severity(&n->c, inc.kind));
	if (!(data = notify_incident_data(n, &inc, 0, 0, true)))
		return VIGIL_ENOMEM;
	notify_data_common(n, data, &w, now, deadline);
	if (!(t = tmplset_get(n->ts, w.language, name, err, errlen))) {
		json_decref(data);
		return VIGIL_ENOTFOUND;
	}
	buf_init(&b, NOTIFY_MAX_MAIL);
	rc = tmpl_render(t, data, &b);
	json_decref(data);
	if (rc) {
		snprintf(err, errlen, "%s: %s", tmpl_name(t), vigil_strerror(rc));
		buf_free(&b);
		return rc;
	}
	fprintf(out, "From: %s\nTo: %s\n", n->c.from, w.to);
	if (w.escalate[0])
		fprintf(out, "X-Escalation-To: %s\n", w.escalate);
	fprintf(out, "X-Template: %s\nX-Batch: %s\n", tmpl_name(t),
		w.batch_ms ? "digest" : "now");
	if (w.pgp[0])
		fprintf(out, "X-Encrypt-To: %s (%s)\n", w.pgp,
			n->c.encrypt == ENCRYPT_NEVER ? "encrypt = never" : "if the key is usable");
	fputs(b.data ? b.data : "", out);
	buf_free(&b);
	return 0;
}
