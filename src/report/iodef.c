/*
 * iodef.c - IODEF 1.0 (RFC 5070) and 2.0 (RFC 7970) documents from peer
 * teams, read with libxml2 (no network, no DTDs, no entity expansion).
 *
 * Each Incident gives one occurrence per source System of each EventData
 * (nested EventData too; the Incident's own times when an EventData has
 * none): the host is that System's Node/Address, the peer the first System
 * of another category, the port and protocol the Service of either, the
 * time the EventData's (else the Incident's) StartTime, DetectTime or
 * ReportTime. The kind comes from vigil's own AdditionalData
 * meaning="vigil-kind" when a vigil wrote the document, else from the
 * Assessment's Impact (1.0) or SystemImpact (2.0) type; the sender is the
 * creator Contact's address, else the IncidentID name; the case id is
 * "name#number". For a DoS the attacked host is the one reported (target),
 * unless only the attackers are named; a Flow without a source System
 * reports its target.
 */
#include "report/report.h"
#include "report/report_int.h"
#include "util/err.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <string.h>

#define NS1 "urn:ietf:params:xml:ns:iodef-1.0"
#define NS2 "urn:ietf:params:xml:ns:iodef-2.0"

static int iodef_probe(const struct report_msg *m, const struct report_part *p)
{
	(void)m;
	if (!rpt_find(p->data, p->len, "IODEF-Document"))
		return 0;
	return rpt_find(p->data, p->len, NS1) || rpt_find(p->data, p->len, NS2) ? 95 : 0;
}

static bool is(const xmlNode *n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

static const xmlNode *child(const xmlNode *n, const char *name)
{
	for (const xmlNode *c = n ? n->children : NULL; c; c = c->next)
		if (is(c, name))
			return c;
	return NULL;
}

/* The trimmed text of n into out[cap] ("" for none). */
static void text(const xmlNode *n, char *out, size_t cap)
{
	xmlChar *t = n ? xmlNodeGetContent(n) : NULL;

	rpt_copy_trim(out, cap, t ? (const char *)t : "", t ? strlen((const char *)t) : 0);
	xmlFree(t);
}

static void prop(const xmlNode *n, const char *name, char *out, size_t cap)
{
	xmlChar *t = n ? xmlGetProp(n, BAD_CAST name) : NULL;

	rpt_cpy(out, cap, t ? (const char *)t : "");
	xmlFree(t);
}

/* IODEF impact words to vigil's kinds (docs/internals/exchange.md). */
static const char *kind_of(const char *impact)
{
	static const char *const map[][2] = {
		{ "recon", "scan" }, { "dos", "dos" }, { "admin", "compromised" },
		{ "user", "compromised" }, { "file", "compromised" }, { "info-leak", "compromised" },
		{ "misconfiguration", "vulnerable" }, { "social-engineering", "phishing" },
		{ "takeover-system", "compromised" }, { "takeover-account", "compromised" },
		{ "takeover-service", "compromised" }, { "availability-system", "dos" },
		{ "availability-service", "dos" }, { "availability-data", "dos" },
		{ "breach-credential", "phishing" }, { "integrity-configuration", "vulnerable" },
		{ "policy", "report" }, { "extortion", "report" },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(map[i][0], impact))
			return map[i][1];
	return "report";
}

struct inc_ctx {
	const struct report_part *p;
	report_emit_fn emit;
	void *ctx;
	struct report_occ base;  /* type, sender, case id, detail, time */
	bool dos;
	int n;
	int rc;
};

/* The first address of a System's Node. */
static bool sys_addr(const xmlNode *sys, struct vaddr *a)
{
	const xmlNode *node = child(sys, "Node");
	char t[128];

	for (const xmlNode *c = node ? node->children : NULL; c; c = c->next) {
		if (!is(c, "Address"))
			continue;
		text(c, t, sizeof(t));
		if (addr_parse(t, a) == 0)
			return true;
	}
	return false;
}

static void sys_service(const xmlNode *sys, int32_t *port, int16_t *proto)
{
	const xmlNode *svc = child(sys, "Service");
	char t[32];
	char *end;
	long v;

	if (!svc)
		return;
	prop(svc, "ip-protocol", t, sizeof(t));
	if (!t[0])
		prop(svc, "ip_protocol", t, sizeof(t));
	v = strtol(t, &end, 10);
	if (t[0] && !*end && v >= 0 && v <= 255 && *proto < 0)
		*proto = (int16_t)v;
	text(child(svc, "Port"), t, sizeof(t));
	v = strtol(t, &end, 10);
	if (t[0] && !*end && v >= 0 && v <= 65535 && *port < 0)
		*port = (int32_t)v;
}

static int64_t first_time(const xmlNode *n, int64_t def)
{
	static const char *const names[] = { "StartTime", "DetectTime", "ReportTime", "GenerationTime" };
	char t[64];
	int64_t ms;

	for (size_t i = 0; i < 4; i++) {
		text(child(n, names[i]), t, sizeof(t));
		if (t[0] && report_time_parse(t, &ms) == 0)
			return ms;
	}
	return def;
}

static void event_data(struct inc_ctx *c, const xmlNode *ed, int64_t t_inc)
{
	int64_t t = first_time(ed, t_inc);

	for (const xmlNode *f = ed->children; f && c->rc == 0; f = f->next) {
		if (is(f, "EventData")) {
			event_data(c, f, t);
			continue;
		}
		if (!is(f, "Flow"))
			continue;
		const char *want = c->dos ? "target" : "source";
		struct vaddr peer, a;
		bool has_peer = false, found = false;
		int32_t port = -1;
		int16_t proto = -1;
		char cat[32];

		/* a DoS report names the attacked host; one that names only the
		 * attackers (a botnet's bots) reports those */
		for (const xmlNode *s = f->children; s && !found; s = s->next) {
			prop(s, "category", cat, sizeof(cat));
			found = is(s, "System") && !strcmp(cat, want) && sys_addr(s, &a);
		}
		if (!found)
			want = c->dos ? "source" : "target";

		for (const xmlNode *s = f->children; s; s = s->next) {
			if (!is(s, "System"))
				continue;
			prop(s, "category", cat, sizeof(cat));
			sys_service(s, &port, &proto);
			if (strcmp(cat, want) && !has_peer)
				has_peer = sys_addr(s, &peer);
		}
		for (const xmlNode *s = f->children; s && c->rc == 0; s = s->next) {
			struct report_occ o = c->base;

			prop(s, "category", cat, sizeof(cat));
			if (!is(s, "System") || strcmp(cat, want) || !sys_addr(s, &o.ip))
				continue;
			o.port = port;
			o.proto = proto;
			o.has_peer = has_peer;
			if (has_peer)
				o.peer = peer;
			o.time_ms = t;
			c->rc = c->emit(c->ctx, &o);
			c->n++;
		}
	}
}

static int incident(struct inc_ctx *c, const xmlNode *inc, bool v2, char *err, size_t errlen)
{
	const xmlNode *id = child(inc, "IncidentID"), *as = child(inc, "Assessment"), *imp;
	char name[128], num[64], impact[64] = "", kind[24] = "", t[256];
	int before = c->n;

	if (!id) {
		snprintf(err, errlen, "line %d: Incident without IncidentID", inc->line);
		return VIGIL_EFORMAT;
	}
	prop(id, "name", name, sizeof(name));
	text(id, num, sizeof(num));
	report_occ_init(&c->base);
	snprintf(c->base.format, sizeof(c->base.format), "iodef");
	c->base.confidence = REPORT_CONF_HIGH;
	snprintf(c->base.case_id, sizeof(c->base.case_id), "%.60s#%.60s", name, num);
	snprintf(c->base.source, sizeof(c->base.source), "part %u line %d", c->p->index, inc->line);
	for (const xmlNode *a = inc->children; a; a = a->next) {
		if (!is(a, "AdditionalData"))
			continue;
		prop(a, "meaning", t, sizeof(t));
		if (!strcmp(t, "vigil-kind"))
			text(a, kind, sizeof(kind));
	}
	imp = child(as, v2 ? "SystemImpact" : "Impact");
	prop(imp, "type", impact, sizeof(impact));
	rpt_cpy(c->base.type, sizeof(c->base.type), kind[0] ? kind : kind_of(impact));
	rpt_cpy(c->base.subtype, sizeof(c->base.subtype), impact[0] ? impact : "iodef");
	c->dos = !strcmp(c->base.type, "dos");
	/* the sender: the creator's (else any contact's) address, else the team name */
	for (const xmlNode *ct = inc->children; ct; ct = ct->next) {
		const xmlNode *em;

		if (!is(ct, "Contact") || !(em = child(ct, "Email")))
			continue;
		text(child(em, "EmailTo") ? child(em, "EmailTo") : em, t, sizeof(t));
		prop(ct, "role", num, sizeof(num));
		if (t[0] && (!c->base.sender[0] || !strcmp(num, "creator")))
			rpt_cpy(c->base.sender, sizeof(c->base.sender), t);
	}
	if (!c->base.sender[0])
		rpt_cpy(c->base.sender, sizeof(c->base.sender), name);
	text(child(inc, "Description"), c->base.detail, sizeof(c->base.detail));
	c->base.time_ms = first_time(inc, 0);
	text(child(inc, "StartTime"), c->base.time_orig, sizeof(c->base.time_orig));
	for (const xmlNode *ed = inc->children; ed && c->rc == 0; ed = ed->next)
		if (is(ed, "EventData"))
			event_data(c, ed, c->base.time_ms);
	if (c->rc)
		return c->rc;
	if (c->n == before) {
		snprintf(err, errlen, "line %d: Incident %.60s#%.60s names no %s System with an address",
			 inc->line, name, c->base.case_id + strlen(name) + 1, c->dos ? "target" : "source");
		return VIGIL_EFORMAT;
	}
	return 0;
}

static int iodef_parse(const struct report_msg *m, const struct report_part *p, report_emit_fn emit,
		       void (*bad)(void *ctx, const char *msg), void *ctx, char *err, size_t errlen)
{
	struct inc_ctx c = { .p = p, .emit = emit, .ctx = ctx };
	xmlDocPtr doc;
	xmlNodePtr root;
	bool v2;
	int rc = 0, incidents = 0, root_line;
	char e[256];

	(void)m;
	if (p->len > INT32_MAX) {
		snprintf(err, errlen, "IODEF document too large");
		return VIGIL_EFORMAT;
	}
	doc = xmlReadMemory(p->data, (int)p->len, "iodef.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
	if (!doc) {
		const xmlError *x = xmlGetLastError();

		snprintf(err, errlen, "line %d: not well-formed XML: %.120s", x ? x->line : 0,
			 x && x->message ? x->message : "parse error");
		return VIGIL_EFORMAT;
	}
	root = xmlDocGetRootElement(doc);
	if (!is(root, "IODEF-Document") || !root->ns ||
	    (strcmp((const char *)root->ns->href, NS1) && strcmp((const char *)root->ns->href, NS2))) {
		snprintf(err, errlen, "line %d: not an IODEF-Document in the 1.0 or 2.0 namespace",
			 root ? root->line : 1);
		xmlFreeDoc(doc);
		return VIGIL_EFORMAT;
	}
	v2 = !strcmp((const char *)root->ns->href, NS2);
	for (xmlNodePtr inc = root->children; inc; inc = inc->next) {
		if (!is(inc, "Incident"))
			continue;
		incidents++;
		e[0] = '\0';
		rc = incident(&c, inc, v2, e, sizeof(e));
		if (rc == VIGIL_EFORMAT) {
			/* one bad Incident among good ones is skipped and named */
			if (bad)
				bad(ctx, e);
			rc = 0;
			if (incidents == 1 && !inc->next)
				snprintf(err, errlen, "%s", e);
		} else if (rc) {
			break;
		}
	}
	root_line = root->line; /* root goes with the document */
	xmlFreeDoc(doc);
	if (rc)
		return rc;
	if (!incidents) {
		snprintf(err, errlen, "line %d: IODEF-Document without an Incident", root_line);
		return VIGIL_EFORMAT;
	}
	if (!c.n) {
		if (!err[0])
			snprintf(err, errlen, "no Incident names a host with an address");
		return VIGIL_EFORMAT;
	}
	return c.n;
}

const struct report_parser report_iodef = { "iodef", iodef_probe, iodef_parse };
