/*
 * route.c - the API's route table and the checks every request passes in
 * one place: authentication (cookie or bearer token), the role against the
 * route's flags (readonly users never write, only admins administer), the
 * CSRF token of cookie-authenticated writes, and web_authorize(), the one
 * function that decides what a site contact may see. Anything of another
 * site answers exactly as a missing thing does (404), never 403.
 */
#include "web/web_int.h"
#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct web_route routes[] = {
	{ "POST", "login", web_login, WEB_PUBLIC },
	{ "POST", "logout", web_logout, WEB_PUBLIC },
	{ "GET", "me", web_me, 0 },
	{ "GET", "incidents", api_incidents, 0 },
	{ "POST", "incidents/merge", api_incident_merge, WEB_WRITE | WEB_STAFF },
	{ "GET", "incidents/#", api_incident, 0 },
	{ "POST", "incidents/#/state", api_incident_state, WEB_WRITE | WEB_STAFF },
	{ "POST", "incidents/#/take", api_incident_take, WEB_WRITE | WEB_STAFF },
	{ "POST", "incidents/#/notes", api_incident_note, WEB_WRITE },
	{ "POST", "incidents/#/link", api_incident_link, WEB_WRITE | WEB_STAFF },
	{ "GET", "incidents/#/flows", api_incident_flows, 0 },
	{ "GET", "incidents/#/series", api_incident_series, 0 },
	{ "GET", "hosts/*", api_host, 0 },
	{ "GET", "hosts/*/flows", api_host_flows, 0 },
	{ "GET", "hosts/*/series", api_host_series, 0 },
	{ "GET", "whois/*", api_whois, 0 },
	{ "GET", "sites", api_sites, 0 },
	{ "GET", "sites/*", api_site, 0 },
	{ "GET", "reports", api_reports, 0 },
	{ "GET", "reports/*", api_report, 0 },
	{ "GET", "blocks", api_blocks, 0 },
	{ "GET", "blocks/#", api_block, 0 },
	{ "GET", "notices", api_notices, 0 },
	{ "GET", "query", api_query, WEB_PUBLIC },  /* checks loopback or the team itself */
};

int web_error(struct web_req *r, int status, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_decref(r->out);
	r->out = json_pack("{s:{s:i, s:s}}", "error", "status", status, "message", msg);
	r->status = status;
	return status;
}

int web_json(struct web_req *r, json_t *o)
{
	if (!o)
		return web_error(r, 500, "out of memory");
	json_decref(r->out);
	r->out = o;
	r->status = 200;
	return 200;
}

const char *web_arg(struct web_req *r, const char *name)
{
	const char *v = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);

	return v && *v ? v : NULL;
}

int web_arg_int(struct web_req *r, const char *name, int64_t def, int64_t lo, int64_t hi,
		int64_t *v)
{
	const char *s = web_arg(r, name);

	*v = def;
	if (!s)
		return 0;
	if (web_parse_int(s, v) || *v < lo || *v > hi) {
		web_error(r, 400, "%s: an integer from %lld to %lld, not '%.64s'", name, (long long)lo,
			  (long long)hi, s);
		return -1;
	}
	return 0;
}

int web_arg_time(struct web_req *r, const char *name, int64_t def, int64_t *v)
{
	const char *s = web_arg(r, name);

	*v = def;
	if (!s)
		return 0;
	if (web_parse_time(s, v)) {
		web_error(r, 400, "%s: a time as RFC 3339 (2026-03-01T10:00:00Z) or ms, not '%.64s'",
			  name, s);
		return -1;
	}
	return 0;
}

bool web_authorize(const struct web_req *r, const char *site)
{
	if (!r->authed)
		return false;
	if (strcmp(r->user.role, "site"))
		return true;
	for (size_t i = 0; site && *site && i < r->user.nsites; i++)
		if (!strcmp(r->user.sites[i], site))
			return true;
	return false;
}

int web_incident(struct web_req *r, size_t seg, struct desk_incident *inc)
{
	int64_t id = 0;

	if (seg >= r->nsegs || web_parse_int(r->segs[seg], &id) || desk_get(r->w->desk, id, inc) ||
	    !web_authorize(r, inc->site)) {
		web_error(r, 404, "no incident %lld", (long long)id);
		return -1;
	}
	return 0;
}

void web_scope_filter(const struct web_req *r, struct desk_filter *f, const char **sites)
{
	if (!strcmp(r->user.role, "site")) {
		for (size_t i = 0; i < r->user.nsites; i++)
			sites[i] = r->user.sites[i];
		f->only_sites = true;
		f->sites = sites;
		f->nsites = r->user.nsites;
	}
}

json_t *web_me_json(const struct web_req *r)
{
	json_t *sites = json_array();

	for (size_t i = 0; i < r->user.nsites; i++)
		json_array_append_new(sites, json_string(r->user.sites[i]));
	return json_pack("{s:s, s:s, s:o, s:s}", "user", r->user.name, "role", r->user.role, "sites",
			 sites, "csrf", r->csrf);
}

void web_dispatch(struct web_req *r)
{
	const struct web_route *rt = NULL;
	bool path_known = false;
	char actor[80];

	if (!strcmp(r->url, "/metrics")) {
		web_auth(r);
		web_metrics(r);
		return;
	}
	if (strncmp(r->url, "/api/v1/", 8) ||
	    web_split_path(r->url + 8, r->segs, WEB_MAX_SEGS, &r->nsegs)) {
		web_error(r, 404, "no such API path %.200s", r->url);
		return;
	}
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (!web_pattern_match(routes[i].pattern, r->segs, r->nsegs))
			continue;
		path_known = true;
		if (!strcmp(routes[i].method, r->method) ||
		    (!strcmp(r->method, "HEAD") && !strcmp(routes[i].method, "GET"))) {
			rt = &routes[i];
			break;
		}
	}
	if (!rt) {
		if (path_known)
			web_error(r, 405, "%s is not allowed on %.200s", r->method, r->url);
		else
			web_error(r, 404, "no such API path %.200s", r->url);
		return;
	}
	if (!(rt->flags & WEB_PUBLIC)) {
		web_auth(r);
		if (!r->authed) {
			web_error(r, 401, "log in first (POST /api/v1/login) or give a Bearer token");
			return;
		}
	}
	if (strcmp(r->method, "GET") && strcmp(r->method, "HEAD") && !(rt->flags & WEB_PUBLIC)) {
		if (!web_csrf_ok(r)) {
			web_error(r, 403, "missing or wrong X-CSRF-Token");
			return;
		}
		if (!strcmp(r->user.role, "readonly")) {
			web_error(r, 403, "user %s is read-only", r->user.name);
			return;
		}
	}
	if ((rt->flags & WEB_ADMIN) && strcmp(r->user.role, "admin")) {
		web_error(r, 403, "only an admin may do this");
		return;
	}
	if ((rt->flags & WEB_STAFF) && strcmp(r->user.role, "admin") &&
	    strcmp(r->user.role, "analyst")) {
		struct desk_incident inc;
		int64_t id;

		/* another site's incident stays missing, even here */
		if (r->nsegs >= 2 && !web_parse_int(r->segs[1], &id) && web_incident(r, 1, &inc))
			return;
		web_error(r, 403, "only the team (admin, analyst) may do this");
		return;
	}
	if (r->authed) {
		snprintf(actor, sizeof(actor), "web:%s", r->user.name);
		desk_set_actor(r->w->desk, actor);
	}
	rt->fn(r);
}
