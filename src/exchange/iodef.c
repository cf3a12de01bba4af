/*
 * iodef.c - IODEF 2.0 (RFC 7970) and 1.0 (RFC 5070) documents, built as a
 * libxml2 tree (every text and attribute escaped by the library) in the
 * element order of the schemas. One Incident per vigil incident:
 *
 *   IncidentID name=team      the incident number
 *   StartTime / EndTime       first and last seen
 *   ReportTime (GenerationTime in 2.0)   now
 *   Description               the subject
 *   Assessment                SystemImpact (2.0) / Impact (1.0) by kind
 *   Contact creator           the team; Contact tech: the site, when known
 *   EventData per event       why, times, Flow (host and peer as Systems
 *                             with Node/Address, the port as Service), the
 *                             Expectation (what is asked, by kind and
 *                             state), Record (counts, the vigil flows query)
 *   AdditionalData            the incident's state and vigil's kind
 *
 * 2.0 also says the state in Incident@status.
 */
#include "exchange/exchange_int.h"
#include "util/addr.h"
#include "util/err.h"

#include <libxml/tree.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct ver {
	int v;                 /* 1 or 2 */
	const char *ns, *version, *proto_attr;
};

static const struct ver V2 = { 2, "urn:ietf:params:xml:ns:iodef-2.0", "2.00", "ip-protocol" };
static const struct ver V1 = { 1, "urn:ietf:params:xml:ns:iodef-1.0", "1.00", "ip_protocol" };

static xmlNodePtr el(xmlNodePtr parent, const char *name, const char *text)
{
	return xmlNewTextChild(parent, NULL, BAD_CAST name, text ? BAD_CAST text : NULL);
}

static void at(xmlNodePtr n, const char *name, const char *value)
{
	xmlNewProp(n, BAD_CAST name, BAD_CAST value);
}

static void contact(xmlNodePtr inc, const struct ver *v, const char *role, const char *name,
		    const char *email)
{
	xmlNodePtr c = el(inc, "Contact", NULL);

	at(c, "role", role);
	at(c, "type", "organization");
	if (name && *name)
		el(c, "ContactName", name);
	if (email && *email) {
		if (v->v == 2)
			el(el(c, "Email", NULL), "EmailTo", email);
		else
			el(c, "Email", email);
	}
}

static void record_item(xmlNodePtr rd, const char *meaning, const char *text)
{
	xmlNodePtr it = el(rd, "RecordItem", text);

	at(it, "dtype", "string");
	at(it, "meaning", meaning);
}

static void sys_el(xmlNodePtr flow, const struct ver *v, const char *category, const char *ip,
		   int64_t port, int64_t proto, const char *descr)
{
	xmlNodePtr s = el(flow, "System", NULL), node, a, svc;
	struct vaddr va;
	char num[24];

	at(s, "category", category);
	node = el(s, "Node", NULL);
	a = el(node, "Address", ip);
	at(a, "category", addr_parse(ip, &va) == 0 && !addr_is_v4(&va) ? "ipv6-addr" : "ipv4-addr");
	if (port >= 0 || proto >= 0) {
		svc = el(s, "Service", NULL);
		if (proto >= 0) {
			snprintf(num, sizeof(num), "%lld", (long long)proto);
			at(svc, v->proto_attr, num);
		}
		if (port >= 0) {
			snprintf(num, sizeof(num), "%lld", (long long)port);
			el(svc, "Port", num);
		}
	}
	if (descr && *descr)
		el(s, "Description", descr);
}

/* What is asked of the receiver: the kind's action while the incident is
 * worked, nothing once it is resolved or rejected. */
static void expectation(xmlNodePtr parent, const struct ver *v, const struct exchange_kind_map *k,
			const char *state)
{
	bool done = !strcmp(state, "resolved") || !strcmp(state, "rejected");
	xmlNodePtr e = el(parent, "Expectation", NULL);
	const char *act = done ? "nothing" : k->action;
	char d[96];

	/* 1.0 has no harden-asset, upgrade-software, rebuild-asset ... */
	if (v->v == 1 && (!strcmp(act, "harden-asset") || !strcmp(act, "upgrade-software") ||
			  !strcmp(act, "rebuild-asset") || !strcmp(act, "redirect-traffic") ||
			  !strcmp(act, "honeypot") || !strcmp(act, "watch-and-report") ||
			  !strcmp(act, "defined-coa")))
		act = "remediate-other";
	at(e, "action", act);
	snprintf(d, sizeof(d), "incident %s at the reporting team", state);
	el(e, "Description", d);
}

static void event_data(xmlNodePtr inc, const struct ver *v, json_t *incident, json_t *ev,
		       const struct exchange_kind_map *k)
{
	xmlNodePtr ed = el(inc, "EventData", NULL), flow, rec, rd;
	const char *host = ev ? ex_str(ev, "host") : ex_str(incident, "host");
	const char *peer = ev ? ex_str(ev, "peer") : ex_str(incident, "peer");
	const char *first = ev ? ex_str(ev, "first") : ex_str(incident, "first_seen");
	const char *last = ev ? ex_str(ev, "last") : ex_str(incident, "last_seen");
	int64_t port = ev ? ex_int(ev, "port", -1) : -1, proto = ev ? ex_int(ev, "proto", -1) : -1;
	bool host_src = !strcmp(k->host_role, "source");
	char counts[160];

	if (ev && *ex_str(ev, "why"))
		el(ed, "Description", ex_str(ev, "why"));
	if (*first)
		el(ed, "StartTime", first);
	if (*last)
		el(ed, "EndTime", last);
	flow = el(ed, "Flow", NULL);
	/* the port is the service's: on the end that is not the source */
	if (*host) {
		sys_el(flow, v, k->host_role, host, host_src ? -1 : port, host_src ? -1 : proto, "");
	} else {
		/* a campaign (a parent without a host of its own): its members' hosts */
		json_t *ch, *members = ex_members(incident);
		size_t i;

		json_array_foreach(members, i, ch)
			sys_el(flow, v, k->host_role, ex_str(ch, "host"), -1, -1, "");
		json_decref(members);
	}
	if (*peer)
		sys_el(flow, v, k->peer_role, peer, host_src ? port : -1, host_src ? proto : -1, "");
	expectation(ed, v, k, ex_str(incident, "state"));
	if (!ev)
		return;
	rec = el(ed, "Record", NULL);
	rd = el(rec, "RecordData", NULL);
	if (*first)
		el(rd, "DateTime", first);
	el(rd, "Description", "flow evidence from the reporting team's NetFlow/IPFIX store");
	snprintf(counts, sizeof(counts), "flows=%lld packets=%lld bytes=%lld",
		 (long long)ex_int(ev, "flows", 0), (long long)ex_int(ev, "packets", 0),
		 (long long)ex_int(ev, "bytes", 0));
	record_item(rd, "counts", counts);
	if (*ex_str(ev, "reproduce"))
		record_item(rd, "query", ex_str(ev, "reproduce"));
	if (*ex_str(ev, "source"))
		record_item(rd, "source", ex_str(ev, "source"));
}

/* IODEF 1.0 knows only default, public, need-to-know and private: TLP
 * white is public, green and amber need-to-know, red private. */
static const char *restriction1(const char *r)
{
	static const char *const map[][2] = {
		{ "white", "public" }, { "green", "need-to-know" }, { "amber", "need-to-know" },
		{ "red", "private" }, { "partner", "need-to-know" }, { "default", "default" },
		{ "public", "public" }, { "need-to-know", "need-to-know" }, { "private", "private" },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(map[i][0], r))
			return map[i][1];
	return "need-to-know";
}

static const char *status2(const char *state)
{
	if (!strcmp(state, "new"))
		return "new";
	if (!strcmp(state, "resolved"))
		return "resolved";
	if (!strcmp(state, "rejected"))
		return "ext-value";
	return "in-progress";
}

static void incident(xmlNodePtr root, const struct ver *v, json_t *inc,
		     const struct exchange_opts *o)
{
	const struct exchange_kind_map *k = exchange_kind(ex_str(inc, "kind"));
	xmlNodePtr n = el(root, "Incident", NULL), id, as, imp, ad;
	json_t *evs = json_object_get(inc, "evidence"), *ev, *notice;
	char num[32], now[32];
	size_t i;

	at(n, "purpose", "reporting");
	const char *restr = o->restriction && *o->restriction ? o->restriction : "amber";

	at(n, "restriction", v->v == 2 ? restr : restriction1(restr));
	if (v->v == 2) {
		at(n, "status", status2(ex_str(inc, "state")));
		if (!strcmp(ex_str(inc, "state"), "rejected"))
			at(n, "ext-status", "rejected");
	}
	snprintf(num, sizeof(num), "%lld", (long long)ex_int(inc, "id", 0));
	id = el(n, "IncidentID", num);
	at(id, "name", o->team && *o->team ? o->team : "localhost");
	if (*ex_str(inc, "first_seen"))
		el(n, "StartTime", ex_str(inc, "first_seen"));
	if (*ex_str(inc, "last_seen"))
		el(n, "EndTime", ex_str(inc, "last_seen"));
	ex_now(o, now);
	el(n, "ReportTime", now);
	if (v->v == 2)
		el(n, "GenerationTime", now);
	if (*ex_str(inc, "subject"))
		el(n, "Description", ex_str(inc, "subject"));
	as = el(n, "Assessment", NULL);
	at(as, "occurrence", "actual");
	if (v->v == 2) {
		imp = el(as, "SystemImpact", NULL);
		at(imp, "type", k->impact2);
		el(imp, "Description", ex_str(inc, "kind"));
	} else {
		imp = el(as, "Impact", ex_str(inc, "kind"));
		at(imp, "type", k->impact1);
	}
	contact(n, v, "creator", o->team_name, o->email);
	notice = json_object_get(inc, "notice");
	if (*ex_str(inc, "site"))
		contact(n, v, "tech", ex_str(inc, "site"), notice ? ex_str(notice, "to") : "");
	if (json_array_size(evs) == 0)
		event_data(n, v, inc, NULL, k);
	json_array_foreach(evs, i, ev) {
		if (i >= EX_MAX_EVENTS)
			break;
		event_data(n, v, inc, ev, exchange_kind(ex_str(ev, "kind")));
	}
	ad = el(n, "AdditionalData", ex_str(inc, "state"));
	at(ad, "dtype", "string");
	at(ad, "meaning", "vigil-state");
	ad = el(n, "AdditionalData", ex_str(inc, "kind"));
	at(ad, "dtype", "string");
	at(ad, "meaning", "vigil-kind");
}

static int write_iodef(const struct ver *v, json_t *const *incs, size_t n,
		       const struct exchange_opts *o, struct buf *out, char *err, size_t errlen)
{
	xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
	xmlNodePtr root;
	xmlChar *mem = NULL;
	int size = 0, rc = 0;

	if (!doc || !(root = xmlNewNode(NULL, BAD_CAST "IODEF-Document"))) {
		xmlFreeDoc(doc);
		snprintf(err, errlen, "out of memory");
		return VIGIL_ENOMEM;
	}
	xmlDocSetRootElement(doc, root);
	xmlSetNs(root, xmlNewNs(root, BAD_CAST v->ns, NULL));
	at(root, "version", v->version);
	if (v->v == 2)
		xmlNodeSetLang(root, BAD_CAST(o->lang && *o->lang ? o->lang : "en"));
	else
		at(root, "lang", o->lang && *o->lang ? o->lang : "en");
	for (size_t i = 0; i < n; i++)
		incident(root, v, incs[i], o);
	xmlDocDumpFormatMemoryEnc(doc, &mem, &size, "UTF-8", 1);
	if (!mem || buf_add(out, mem, (size_t)size) < 0) {
		snprintf(err, errlen, "out of memory (or the document is over the output cap)");
		rc = VIGIL_ENOMEM;
	}
	xmlFree(mem);
	xmlFreeDoc(doc);
	return rc;
}

static int write2(json_t *const *incs, size_t n, const struct exchange_opts *o, struct buf *out,
		  char *err, size_t errlen)
{
	return write_iodef(&V2, incs, n, o, out, err, errlen);
}

static int write1(json_t *const *incs, size_t n, const struct exchange_opts *o, struct buf *out,
		  char *err, size_t errlen)
{
	return write_iodef(&V1, incs, n, o, out, err, errlen);
}

const struct exchange_writer exchange_iodef2 = { "iodef", write2 };
const struct exchange_writer exchange_iodef1 = { "iodef1", write1 };
