/*
 * api_misc.c - the routes around incidents: the host's stored flows (top-N
 * and series) for an incident or an address, a host page, whois, sites
 * (counts, incidents per day, top talkers, hosts on lists), the documents
 * reports came in, blocks and the notification outbox. Site users see only
 * what web_authorize() allows; the rest answers as missing.
 */
#include "web/web_int.h"
#include "util/b64.h"
#include "util/err.h"
#include "util/vtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOUR_MS (3600LL * 1000)
#define DAY_MS (24 * HOUR_MS)

static int store_error(struct web_req *r, int rc, const char *err)
{
	return web_error(r, rc == VIGIL_EINVAL ? 400 : rc == VIGIL_ENOTFOUND ? 404 : 500, "%s", err);
}

static int flows_answer(struct web_req *r, const char *hostname, int64_t def_from, int64_t def_to)
{
	struct vaddr a;
	int64_t from, to, n;
	const char *top = web_arg(r, "top");
	char err[256];
	json_t *items;
	int rc;

	if (addr_parse(hostname, &a))
		return web_error(r, 400, "'%.64s' is not an address", hostname);
	if (web_arg_time(r, "from", def_from, &from) || web_arg_time(r, "to", def_to, &to) ||
	    web_arg_int(r, "n", 10, 1, 1000, &n))
		return r->status;
	if ((rc = web_flows_top(r->w, &a, from, to, top ? top : "peer", (size_t)n, &items, err,
				sizeof(err))))
		return store_error(r, rc, err);
	return web_json(r, json_pack("{s:s, s:I, s:I, s:s, s:o}", "host", hostname, "from",
				     (json_int_t)from, "to", (json_int_t)to, "top", top ? top : "peer",
				     "items", items));
}

static int series_answer(struct web_req *r, const char *hostname, int64_t def_from, int64_t def_to)
{
	struct vaddr a;
	int64_t from, to, step;
	char err[256];
	json_t *pts;
	int rc;

	if (addr_parse(hostname, &a))
		return web_error(r, 400, "'%.64s' is not an address", hostname);
	if (web_arg_time(r, "from", def_from, &from) || web_arg_time(r, "to", def_to, &to) ||
	    web_arg_int(r, "step", 60, 1, 86400 * 7, &step))
		return r->status;
	from -= from % (step * 1000); /* bins on step boundaries, UTC */
	if ((rc = web_flows_series(r->w, &a, from, to, step * 1000, &pts, err, sizeof(err))))
		return store_error(r, rc, err);
	return web_json(r, json_pack("{s:s, s:I, s:I, s:I, s:o}", "host", hostname, "step",
				     (json_int_t)step, "from", (json_int_t)from, "to", (json_int_t)to,
				     "points", pts));
}

int api_incident_flows(struct web_req *r)
{
	struct desk_incident inc;

	if (web_incident(r, 1, &inc))
		return r->status;
	if (!inc.host[0])
		return web_error(r, 404, "incident %lld has no host", (long long)inc.id);
	return flows_answer(r, inc.host, inc.first_seen - HOUR_MS, inc.last_seen + HOUR_MS);
}

int api_incident_series(struct web_req *r)
{
	struct desk_incident inc;

	if (web_incident(r, 1, &inc))
		return r->status;
	if (!inc.host[0])
		return web_error(r, 404, "incident %lld has no host", (long long)inc.id);
	return series_answer(r, inc.host, inc.first_seen - HOUR_MS, inc.last_seen + HOUR_MS);
}

/* The site of a host (constituency), "" when unknown. */
static void site_of(struct web *w, const struct vaddr *a, char *site, size_t n)
{
	site[0] = '\0';
	if (!w->c.site_of || w->c.site_of(w->c.ctx, a, site, n))
		site[0] = '\0';
}

/* The host ADDR (segment 1) when the user may see it: 0, or a 404 set. */
static int host_of(struct web_req *r, struct vaddr *a, char *site, size_t n)
{
	if (addr_parse(r->segs[1], a)) {
		web_error(r, 404, "no host %.64s", r->segs[1]);
		return -1;
	}
	site_of(r->w, a, site, n);
	if (!web_authorize(r, site)) {
		web_error(r, 404, "no host %.64s", r->segs[1]);
		return -1;
	}
	return 0;
}

static int add_visible(void *ctx, const struct desk_incident *inc)
{
	struct web_req *r = ctx;

	if (web_authorize(r, inc->site))
		json_array_append_new(json_object_get(r->out, "incidents"), desk_incident_json(inc));
	return 0;
}

int api_host(struct web_req *r)
{
	const char *sites[DESK_USER_MAXSITES];
	struct desk_filter f = { .limit = 200 };
	struct vaddr a;
	char site[128], name[ADDR_STRLEN];
	json_t *wj = NULL;

	if (host_of(r, &a, site, sizeof(site)))
		return r->status;
	addr_format(&a, name);
	f.host = name;
	web_scope_filter(r, &f, sites);
	if (r->w->c.whois_json)
		wj = r->w->c.whois_json(r->w->c.ctx, &a);
	web_json(r, json_pack("{s:s, s:s, s:o, s:[]}", "host", name, "site", site, "whois",
			      wj ? wj : json_null(), "incidents"));
	if (r->status == 200 && desk_list(r->w->desk, &f, add_visible, r))
		return web_error(r, 500, "desk: listing failed");
	return r->status;
}

int api_host_flows(struct web_req *r)
{
	struct vaddr a;
	char site[128];
	int64_t now = vtime_now_ms();

	if (host_of(r, &a, site, sizeof(site)))
		return r->status;
	return flows_answer(r, r->segs[1], now - DAY_MS, now);
}

int api_host_series(struct web_req *r)
{
	struct vaddr a;
	char site[128];
	int64_t now = vtime_now_ms();

	if (host_of(r, &a, site, sizeof(site)))
		return r->status;
	return series_answer(r, r->segs[1], now - DAY_MS, now);
}

int api_whois(struct web_req *r)
{
	struct vaddr a;
	char site[128];
	json_t *o;

	if (host_of(r, &a, site, sizeof(site)))
		return r->status;
	if (!r->w->c.whois_json)
		return web_error(r, 404, "no constituency configured ([whois])");
	if (!(o = r->w->c.whois_json(r->w->c.ctx, &a)))
		return web_error(r, 500, "whois failed");
	return web_json(r, o);
}

static int add_site(void *ctx, const char *site, int64_t open)
{
	struct web_req *r = ctx;

	if (web_authorize(r, site))
		json_array_append_new(r->out, json_pack("{s:s, s:I}", "site", site, "open",
							(json_int_t)open));
	return 0;
}

int api_sites(struct web_req *r)
{
	web_json(r, json_array());
	if (desk_count_by_site(r->w->desk, add_site, r))
		return web_error(r, 500, "desk: counting failed");
	/* a site user's sites with no incident yet are still its sites */
	for (size_t i = 0; !strcmp(r->user.role, "site") && i < r->user.nsites; i++) {
		bool seen = false;

		for (size_t j = 0; j < json_array_size(r->out); j++)
			seen |= !strcmp(json_string_value(json_object_get(json_array_get(r->out, j),
									  "site")),
					r->user.sites[i]);
		if (!seen)
			json_array_append_new(r->out, json_pack("{s:s, s:i}", "site", r->user.sites[i],
								"open", 0));
	}
	return r->status;
}

static int add_day(void *ctx, int64_t day, int64_t n)
{
	json_array_append_new(ctx, json_pack("[I, I]", (json_int_t)day, (json_int_t)n));
	return 0;
}

struct listed {
	json_t *arr;
};

static int add_listed(void *ctx, const struct desk_incident *inc)
{
	struct listed *l = ctx;

	for (size_t i = 0; i < json_array_size(l->arr); i++) {
		json_t *e = json_array_get(l->arr, i);

		if (!strcmp(json_string_value(json_object_get(e, "host")), inc->host)) {
			json_array_append_new(json_object_get(e, "incidents"), json_integer(inc->id));
			return 0;
		}
	}
	json_array_append_new(l->arr, json_pack("{s:s, s:[I]}", "host", inc->host, "incidents",
						(json_int_t)inc->id));
	return json_array_size(l->arr) >= 1000;
}

int api_site(struct web_req *r)
{
	const char *site = r->segs[1];
	int64_t now = vtime_now_ms(), from, to, tfrom;
	struct desk_filter f = { .site = site, .state = "new,open,stalled,blocked", .limit = 5000 };
	struct listed l;
	json_t *days, *contacts = NULL, *top = NULL;
	char err[256];

	if (!web_authorize(r, site))
		return web_error(r, 404, "no site %.64s", site);
	if (web_arg_time(r, "from", now - 30 * DAY_MS, &from) || web_arg_time(r, "to", now, &to))
		return r->status;
	days = json_array();
	if (desk_count_by_day(r->w->desk, site, from, to, add_day, days)) {
		json_decref(days);
		return web_error(r, 500, "desk: counting failed");
	}
	l.arr = json_array();
	f.kind = "cc";
	desk_list(r->w->desk, &f, add_listed, &l);
	f.kind = "blocklist";
	desk_list(r->w->desk, &f, add_listed, &l);
	if (r->w->c.site_contacts)
		contacts = r->w->c.site_contacts(r->w->c.ctx, site);
	/* top talkers over the last day of the asked range (a scan of the
	 * site's flows: a day keeps it within a request's time) */
	tfrom = to - DAY_MS > from ? to - DAY_MS : from;
	if (r->w->store_dir && web_flows_site_top(r->w, site, tfrom, to, 10, &top, err, sizeof(err)))
		top = NULL;
	return web_json(r, json_pack("{s:s, s:o, s:o, s:o, s:I, s:I, s:o}", "site", site, "contacts",
				     contacts ? contacts : json_array(), "incidents_by_day", days,
				     "top_talkers", top ? top : json_array(), "top_from",
				     (json_int_t)tfrom, "top_to", (json_int_t)to, "listed_hosts",
				     l.arr));
}

static json_t *doc_json(const struct desk_document *doc)
{
	char t[VTIME_STRLEN];

	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:b, s:s}", "id",
			 (json_int_t)doc->id, "sha256", doc->sha256, "message_id", doc->message_id,
			 "sender", doc->sender, "subject", doc->subject, "origin", doc->origin,
			 "received", vtime_format(doc->received, t), "size", (json_int_t)doc->size,
			 "filed", doc->filed, "outcome", doc->outcome);
}

struct vis {
	struct web_req *r;
	bool ok;
};

static int site_seen(void *ctx, const char *site)
{
	struct vis *v = ctx;

	v->ok |= web_authorize(v->r, site);
	return v->ok;
}

static bool doc_visible(struct web_req *r, const struct desk_document *doc)
{
	struct vis v = { r, false };

	if (strcmp(r->user.role, "site"))
		return true;
	desk_document_sites(r->w->desk, doc->sha256, site_seen, &v);
	return v.ok;
}

static int add_doc(void *ctx, const struct desk_document *doc)
{
	struct web_req *r = ctx;

	if (doc_visible(r, doc))
		json_array_append_new(json_object_get(r->out, "items"), doc_json(doc));
	return 0;
}

int api_reports(struct web_req *r)
{
	int64_t limit, offset;

	if (web_arg_int(r, "limit", 50, 1, 500, &limit) ||
	    web_arg_int(r, "offset", 0, 0, INT64_MAX / 2, &offset))
		return r->status;
	web_json(r, json_pack("{s:[]}", "items"));
	if (desk_document_list(r->w->desk, limit, offset, add_doc, r))
		return web_error(r, 500, "desk: listing failed");
	return r->status;
}

static bool utf8_ok(const unsigned char *s, size_t n)
{
	json_t *j = json_stringn((const char *)s, n);
	bool ok = j != NULL;

	json_decref(j);
	return ok;
}

int api_report(struct web_req *r)
{
	struct desk_document doc;
	char *raw = NULL;
	size_t len = 0;
	json_t *o;

	if (desk_document_get(r->w->desk, r->segs[1], &doc, &raw, &len) || !doc_visible(r, &doc)) {
		free(raw);
		return web_error(r, 404, "no report %.64s", r->segs[1]);
	}
	o = doc_json(&doc);
	if (raw && utf8_ok((unsigned char *)raw, len)) {
		json_object_set_new(o, "raw", json_stringn(raw, len));
	} else if (raw) {
		char *b = malloc(len / 3 * 4 + 8);

		if (b) {
			b64_encode((unsigned char *)raw, len, b);
			json_object_set_new(o, "raw_b64", json_string(b));
			free(b);
		}
	}
	free(raw);
	return web_json(r, o);
}

/* May the user see things of incident id? */
static bool incident_visible(struct web_req *r, int64_t id)
{
	struct desk_incident inc;

	if (strcmp(r->user.role, "site"))
		return true;
	return desk_get(r->w->desk, id, &inc) == 0 && web_authorize(r, inc.site);
}

static int add_block(void *ctx, const struct desk_block *b)
{
	struct web_req *r = ctx;

	if (incident_visible(r, b->incident_id))
		json_array_append_new(json_object_get(r->out, "items"), desk_block_json(b));
	return 0;
}

int api_blocks(struct web_req *r)
{
	struct desk_block_filter f = { .state = web_arg(r, "state") };

	web_json(r, json_pack("{s:[]}", "items"));
	if (desk_block_list(r->w->desk, &f, add_block, r))
		return web_error(r, 500, "desk: listing failed");
	return r->status;
}

int api_block(struct web_req *r)
{
	struct desk_block b;
	int64_t id = 0;

	web_parse_int(r->segs[1], &id);
	if (desk_block_get(r->w->desk, id, &b) || !incident_visible(r, b.incident_id))
		return web_error(r, 404, "no block %lld", (long long)id);
	return web_json(r, desk_block_json(&b));
}

static int add_mail(void *ctx, const struct desk_mail *m)
{
	struct web_req *r = ctx;
	char t1[VTIME_STRLEN], t2[VTIME_STRLEN], t3[VTIME_STRLEN];
	bool ok = strcmp(r->user.role, "site") == 0 ? false : true;
	const char *p = m->incidents;

	while (!ok && *p) {
		char *end;
		long long id = strtoll(p, &end, 10);

		if (end == p)
			break;
		ok = incident_visible(r, id);
		p = *end == ',' ? end + 1 : end;
	}
	if (!ok)
		return 0;
	json_array_append_new(
		json_object_get(r->out, "items"),
		json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:I, s:s}", "id",
			  (json_int_t)m->id, "message_id", m->message_id, "kind", m->kind,
			  "recipients", m->recipients, "subject", m->subject, "incidents",
			  m->incidents, "state", m->state, "created", vtime_format(m->created, t1),
			  "next_try", m->next_try ? json_string(vtime_format(m->next_try, t2)) : json_null(),
			  "sent_at", m->sent_at ? json_string(vtime_format(m->sent_at, t3)) : json_null(),
			  "tries", (json_int_t)m->tries, "last_error", m->last_error));
	return 0;
}

int api_notices(struct web_req *r)
{
	int64_t limit;

	if (web_arg_int(r, "limit", 200, 1, 5000, &limit))
		return r->status;
	web_json(r, json_pack("{s:[]}", "items"));
	if (desk_outbox_list(r->w->desk, web_arg(r, "state"), (size_t)limit, add_mail, r))
		return web_error(r, 500, "desk: listing failed");
	return r->status;
}
