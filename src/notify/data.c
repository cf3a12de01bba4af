/*
 * data.c - what a template sees (the object notify.h describes): the
 * incident with its tag, what it means and what the site is asked to do,
 * its events (the evidence) with the report each came from, the stored
 * flow lines, and the team, recipient and deadline common to every mail;
 * and the CSV a digest attaches.
 */
#include "notify/notify_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/proto.h"
#include "util/vtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *kind, *text, *action;
} kinds[] = {
	{ "cc", "contacting botnet command-and-control servers",
	  "Take the host off the network, find and remove the malware (or reinstall), change the "
	  "credentials used on it, and tell us when it is clean." },
	{ "blocklist", "talking to addresses on block lists",
	  "Check the host for compromise and what it exchanged with the listed addresses, and tell "
	  "us what you found." },
	{ "scan", "scanning many addresses",
	  "Stop the scanning: find the process behind it (often a compromised account or malware), "
	  "clean the host and tell us when it has stopped." },
	{ "portscan", "scanning many ports of other hosts",
	  "Find the process behind the scan, stop it and tell us what it was." },
	{ "dos", "sending a denial-of-service flood",
	  "Disconnect the host until the flood has stopped and the cause is removed." },
	{ "amplifier", "answering as a reflector for amplification attacks",
	  "Close the service to the Internet or restrict it (e.g. recursion only for your own "
	  "networks), and tell us when it is done." },
	{ "copyright", "named in a copyright infringement notice",
	  "Identify the user at that time, have the file sharing stopped and the material removed, "
	  "and tell us the outcome." },
	{ "report", "reported to us by an outside party",
	  "Investigate the report, stop the activity and tell us what you found." },
};

static void kind_info(const char *kind, const char **text, const char **action)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(kinds[i].kind, kind)) {
			*text = kinds[i].text;
			*action = kinds[i].action;
			return;
		}
	*text = "involved in a security incident";
	*action = "Investigate, stop the activity and tell us what you found.";
}

static json_t *tm(int64_t ms)
{
	char t[VTIME_STRLEN];

	return ms ? json_string(vtime_format_s(ms, t)) : json_null();
}

/* The top-level lines of a report's text, for the mail (multipart or
 * encoded bodies are not shown: the mail names the report instead). */
static json_t *excerpt(const char *raw, size_t len)
{
	const char *p = raw, *end = raw + len, *body;
	struct buf b;
	int lines = 0;
	json_t *s;

	body = strstr(raw, "\r\n\r\n");
	if (!body)
		body = strstr(raw, "\n\n");
	if (!body)
		return json_null();
	for (const char *h = raw; h < body; h++)
		if ((*h == 'C' || *h == 'c') && (!strncmp(h, "Content-Type: multipart", 23) ||
						 !strncmp(h, "Content-Transfer-Encoding: base64", 33)))
			return json_null();
	buf_init(&b, 4096);
	for (p = body; p < end && *p && (*p == '\r' || *p == '\n'); p++)
		;
	while (p < end && *p && lines < 15) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (l && p[l - 1] == '\r')
			l--;
		if (buf_add(&b, "> ", 2) || buf_add(&b, p, l) || buf_addc(&b, '\n'))
			break;
		lines++;
		p = nl ? nl + 1 : end;
	}
	s = json_string(b.data ? b.data : "");
	buf_free(&b);
	return s ? s : json_null();
}

struct ev_ctx {
	struct notify *n;
	json_t *arr;
	size_t count;
};

static int ev_row(void *ctx, const struct desk_event *e)
{
	struct ev_ctx *c = ctx;
	char *raw = NULL;
	size_t rlen = 0;
	struct desk_document doc;
	json_t *o;

	c->count++;
	if (json_array_size(c->arr) >= c->n->c.max_events)
		return 0;
	o = json_pack("{s:I, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:I, s:I, s:I, s:I, s:I, s:f, s:s,"
		      " s:s, s:b}",
		      "id", (json_int_t)e->id, "kind", e->kind, "host", e->host, "peer", e->peer,
		      "port", e->port >= 0 ? json_integer(e->port) : json_null(), "proto",
		      e->proto >= 0 ? json_string(proto_name((uint8_t)e->proto)) : json_null(),
		      "first", tm(e->first_ms), "last", tm(e->last_ms), "first_ms",
		      (json_int_t)e->first_ms, "last_ms", (json_int_t)e->last_ms, "flows",
		      (json_int_t)e->flows, "packets", (json_int_t)e->packets, "bytes",
		      (json_int_t)e->bytes, "score", e->score, "why", e->why, "query", e->query,
		      "estimate", strstr(e->why, "estimat") != NULL);
	if (!o)
		return 0;
	if (e->doc[0] && !desk_document_get(c->n->d, e->doc, &doc, &raw, &rlen)) {
		char t[VTIME_STRLEN];

		json_object_set_new(o, "report",
				    json_pack("{s:s, s:s, s:s, s:s, s:o}", "sender", doc.sender,
					      "subject", doc.subject, "received",
					      vtime_format_s(doc.received, t), "sha256", doc.sha256,
					      "excerpt", raw ? excerpt(raw, rlen) : json_null()));
		free(raw);
	}
	json_array_append_new(c->arr, o);
	return 0;
}

json_t *notify_incident_data(struct notify *n, const struct desk_incident *inc, int64_t after,
			     int64_t upto, bool with_flows)
{
	const char *text, *action;
	const char *sev = notify_severity(&n->c, inc->kind);
	struct ev_ctx c = { .n = n, .arr = json_array() };
	char tag[40], query[700];
	json_t *data, *o;

	kind_info(inc->kind, &text, &action);
	snprintf(tag, sizeof(tag), "[vigil #%lld]", (long long)inc->id);
	if (inc->query[0])
		snprintf(query, sizeof(query), "vigil flows %s", inc->query);
	else {
		char t1[VTIME_STRLEN], t2[VTIME_STRLEN];

		snprintf(query, sizeof(query), "vigil flows -t %s-%s 'host %s%s%s'",
			 vtime_format_s(inc->first_seen, t1), vtime_format_s(inc->last_seen + 999, t2),
			 inc->host, inc->peer[0] ? " and host " : "", inc->peer);
	}
	o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:I, s:s, s:o,"
		      " s:s, s:b}",
		      "id", (json_int_t)inc->id, "tag", tag, "kind", inc->kind, "kind_text", text,
		      "severity", sev, "state", inc->state, "host", inc->host, "peer", inc->peer,
		      "site", inc->site, "subject", inc->subject, "first_seen", tm(inc->first_seen),
		      "last_seen", tm(inc->last_seen), "events", (json_int_t)inc->events, "query",
		      query, "due", tm(inc->due), "action", action, "update", after > 0);
	data = json_object();
	if (!o || !data || !c.arr) {
		json_decref(o);
		json_decref(data);
		json_decref(c.arr);
		return NULL;
	}
	desk_events(n->d, inc->id, after, upto, 0, ev_row, &c);
	json_object_set_new(data, "incident", o);
	json_object_set_new(data, "more_events",
			    json_integer((json_int_t)(c.count - json_array_size(c.arr))));
	if (with_flows)
		notify_flow_lines(n, inc, c.arr, data);
	json_object_set_new(data, "events", c.arr);
	return data;
}

static void duration_text(int64_t ms, char *buf, size_t n)
{
	int64_t h = ms / 3600000;

	if (h >= 48 && h % 24 == 0)
		snprintf(buf, n, "%lld days", (long long)(h / 24));
	else if (h >= 24 && h % 24 == 0)
		snprintf(buf, n, "1 day");
	else if (h >= 1)
		snprintf(buf, n, "%lld hour%s", (long long)h, h == 1 ? "" : "s");
	else
		snprintf(buf, n, "%lld minutes", (long long)(ms / 60000));
}

void notify_data_common(struct notify *n, json_t *data, const struct notify_who *w,
			int64_t now, int64_t deadline_ms)
{
	char dl[64];

	json_object_set_new(data, "team",
			    json_pack("{s:s, s:s, s:s}", "name", n->c.team, "from", n->c.from,
				      "reply_to", n->c.reply_to[0] ? n->c.reply_to : n->c.from_addr));
	json_object_set_new(data, "now", tm(now));
	if (w) {
		json_object_set_new(data, "recipient", json_string(w->to));
		json_object_set_new(data, "to", json_string(w->to));
		json_object_set_new(data, w->ours ? "site" : "network", notify_who_json(w));
		if (!w->ours)
			json_object_set_new(data, "site", notify_who_json(w));
	}
	if (deadline_ms > 0) {
		duration_text(deadline_ms, dl, sizeof(dl));
		json_object_set_new(data, "deadline", tm(now + deadline_ms));
		json_object_set_new(data, "deadline_text", json_string(dl));
	}
}

static void csv_field(struct buf *b, const char *s)
{
	bool q = strpbrk(s, ",\"\r\n") != NULL;

	if (!q) {
		buf_addstr(b, s);
		return;
	}
	buf_addc(b, '"');
	for (; *s; s++) {
		if (*s == '"')
			buf_addc(b, '"');
		buf_addc(b, *s);
	}
	buf_addc(b, '"');
}

char *notify_csv(json_t *incidents, size_t *len)
{
	static const char *const cols[] = { "kind", "host", "peer", "port", "proto", "first",
					    "last", "flows", "packets", "bytes", "why" };
	struct buf b;
	size_t i, j;
	json_t *inc, *ev;

	buf_init(&b, 64u << 20);
	buf_addstr(&b, "incident,kind,host,peer,port,proto,first,last,flows,packets,bytes,why\r\n");
	json_array_foreach(incidents, i, inc) {
		json_t *evs = json_object_get(inc, "events");
		const char *tag = json_string_value(json_object_get(json_object_get(inc, "incident"), "tag"));

		json_array_foreach(evs, j, ev) {
			csv_field(&b, tag ? tag : "");
			for (size_t k = 0; k < sizeof(cols) / sizeof(cols[0]); k++) {
				json_t *v = json_object_get(ev, cols[k]);
				char num[32];

				buf_addc(&b, ',');
				if (json_is_string(v))
					csv_field(&b, json_string_value(v));
				else if (json_is_integer(v)) {
					snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
					buf_addstr(&b, num);
				}
			}
			buf_addstr(&b, "\r\n");
		}
	}
	*len = b.len;
	return buf_steal(&b);
}
