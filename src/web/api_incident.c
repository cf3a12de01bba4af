/*
 * api_incident.c - the incident routes: the queue (filters and paging done
 * by the desk in SQL), one incident (desk_show), and the workflow actions
 * (state, take, note, link, merge). Every action runs with the desk's actor
 * set to "web:USER" by the dispatcher, so the audit trail names the person.
 * Workflow refusals are 409 with the desk's reason.
 */
#include "web/web_int.h"
#include "util/err.h"

#include <stdio.h>
#include <string.h>

#define PAGE_MAX 500

static int add_item(void *ctx, const struct desk_incident *inc)
{
	json_array_append_new(ctx, desk_incident_json(inc));
	return 0;
}

int api_incidents(struct web_req *r)
{
	const char *sites[DESK_USER_MAXSITES];
	struct desk_filter f = { 0 };
	int64_t limit, offset, total = 0;
	json_t *items;
	int rc;

	if (web_arg_int(r, "limit", 50, 1, PAGE_MAX, &limit) ||
	    web_arg_int(r, "offset", 0, 0, INT64_MAX / 2, &offset) ||
	    web_arg_time(r, "since", 0, &f.since_ms) || web_arg_time(r, "until", 0, &f.until_ms))
		return r->status;
	f.state = web_arg(r, "state");
	f.kind = web_arg(r, "kind");
	f.site = web_arg(r, "site");
	f.host = web_arg(r, "host");
	f.owner = web_arg(r, "owner");
	f.q = web_arg(r, "q");
	f.sort = web_arg(r, "sort");
	f.limit = limit;
	f.offset = offset;
	web_scope_filter(r, &f, sites);
	if ((rc = desk_count(r->w->desk, &f, &total)))
		return web_error(r, rc == VIGIL_EINVAL ? 400 : 500,
				 rc == VIGIL_EINVAL ? "bad filter: at most 8 states in state=" :
						      "desk: %s", vigil_strerror(rc));
	items = json_array();
	if ((rc = desk_list(r->w->desk, &f, add_item, items))) {
		json_decref(items);
		return web_error(r, rc == VIGIL_EINVAL ? 400 : 500, "%s",
				 rc == VIGIL_EINVAL ? "sort: one of -id id -last_seen last_seen -updated updated"
						    : vigil_strerror(rc));
	}
	return web_json(r, json_pack("{s:I, s:I, s:I, s:o}", "total", (json_int_t)total, "limit",
				     (json_int_t)limit, "offset", (json_int_t)offset, "items", items));
}

/* Leave out of a list of incident objects those the user may not see. */
static void prune(const struct web_req *r, json_t *arr)
{
	for (size_t i = json_array_size(arr); i-- > 0;) {
		json_t *e = json_array_get(arr, i);
		json_t *s = json_object_get(e, "site");

		if (json_is_object(e) && !web_authorize(r, json_string_value(s)))
			json_array_remove(arr, i);
	}
}

int api_incident(struct web_req *r)
{
	struct desk_incident inc;
	json_t *o = NULL;
	int rc;

	if (web_incident(r, 1, &inc))
		return r->status;
	if ((rc = desk_show(r->w->desk, inc.id, &o)))
		return web_error(r, 500, "desk: %s", vigil_strerror(rc));
	if (!strcmp(r->user.role, "site"))
		prune(r, json_object_get(o, "children"));
	return web_json(r, o);
}

static int answer_incident(struct web_req *r, int64_t id)
{
	struct desk_incident inc;

	if (desk_get(r->w->desk, id, &inc))
		return web_error(r, 404, "no incident %lld", (long long)id);
	return web_json(r, desk_incident_json(&inc));
}

/* A desk refusal as an answer: missing 404, workflow 409, bad input 400. */
static int refused(struct web_req *r, int rc, const char *err)
{
	int status = rc == VIGIL_ENOTFOUND ? 404 :
		     rc == VIGIL_ESTATE || rc == VIGIL_EEXIST ? 409 :
		     rc == VIGIL_EINVAL ? 400 : 500;

	return web_error(r, status, "%s", err && *err ? err : vigil_strerror(rc));
}

int api_incident_state(struct web_req *r)
{
	struct desk_incident inc;
	char err[512] = "";
	const char *state, *why;
	json_t *b;
	int rc;

	if (web_incident(r, 1, &inc))
		return r->status;
	if (!(b = web_body_object(r->body, r->len, err, sizeof(err))))
		return web_error(r, 400, "%s", err);
	state = json_string_value(json_object_get(b, "state"));
	why = json_string_value(json_object_get(b, "why"));
	if (!state) {
		json_decref(b);
		return web_error(r, 400, "body: {\"state\":\"open\",\"why\":\"...\"} is needed");
	}
	rc = desk_incident_set(r->w->desk, inc.id, "state", state, err, sizeof(err));
	if (!rc && why && *why)
		rc = desk_incident_note(r->w->desk, inc.id, "note", "", "state", why);
	json_decref(b);
	if (rc)
		return refused(r, rc, err);
	return answer_incident(r, inc.id);
}

int api_incident_take(struct web_req *r)
{
	struct desk_incident inc;
	char err[512] = "";
	int rc;

	if (web_incident(r, 1, &inc))
		return r->status;
	if ((rc = desk_incident_set(r->w->desk, inc.id, "owner", r->user.name, err, sizeof(err))))
		return refused(r, rc, err);
	return answer_incident(r, inc.id);
}

int api_incident_note(struct web_req *r)
{
	struct desk_incident inc;
	char err[256];
	const char *text;
	json_t *b;
	int rc;

	if (web_incident(r, 1, &inc))
		return r->status;
	if (!(b = web_body_object(r->body, r->len, err, sizeof(err))))
		return web_error(r, 400, "%s", err);
	text = json_string_value(json_object_get(b, "text"));
	if (!text || !*text) {
		json_decref(b);
		return web_error(r, 400, "body: {\"text\":\"...\"} is needed");
	}
	rc = desk_incident_note(r->w->desk, inc.id, "note", "", "", text);
	json_decref(b);
	if (rc)
		return refused(r, rc, NULL);
	return web_json(r, json_pack("{s:b}", "ok", 1));
}

int api_incident_link(struct web_req *r)
{
	struct desk_incident inc, other;
	char err[512] = "";
	json_t *b;
	json_int_t m;
	int rc;

	if (web_incident(r, 1, &inc))
		return r->status;
	if (!(b = web_body_object(r->body, r->len, err, sizeof(err))))
		return web_error(r, 400, "%s", err);
	m = json_integer_value(json_object_get(b, "other"));
	json_decref(b);
	if (m <= 0)
		return web_error(r, 400, "body: {\"other\":ID} is needed");
	if (desk_get(r->w->desk, m, &other) || !web_authorize(r, other.site))
		return web_error(r, 404, "no incident %lld", (long long)m);
	if ((rc = desk_incident_link(r->w->desk, inc.id, m, err, sizeof(err))))
		return refused(r, rc, err);
	return web_json(r, json_pack("{s:b}", "ok", 1));
}

int api_incident_merge(struct web_req *r)
{
	int64_t ids[64];
	struct desk_incident inc;
	char err[512] = "";
	json_t *b, *a;
	size_t n;
	int rc;

	if (!(b = web_body_object(r->body, r->len, err, sizeof(err))))
		return web_error(r, 400, "%s", err);
	a = json_object_get(b, "ids");
	n = json_array_size(a);
	if (!json_is_array(a) || n < 2 || n > 64) {
		json_decref(b);
		return web_error(r, 400, "body: {\"ids\":[INTO, ID, ...]} with 2 to 64 ids is needed");
	}
	for (size_t i = 0; i < n; i++) {
		ids[i] = json_integer_value(json_array_get(a, i));
		if (ids[i] <= 0 || desk_get(r->w->desk, ids[i], &inc) || !web_authorize(r, inc.site)) {
			json_decref(b);
			return web_error(r, 404, "no incident %lld", (long long)ids[i]);
		}
	}
	json_decref(b);
	if ((rc = desk_incident_merge(r->w->desk, ids, n, err, sizeof(err))))
		return refused(r, rc, err);
	return answer_incident(r, ids[0]);
}
