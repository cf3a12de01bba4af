/*
 * acns.c - ACNS copyright notices (the <Infringement> XML of versions 0.6,
 * 0.7, 1.1 and 1.2), read with libxml2 from an XML attachment or from a text
 * part that carries it inline (often inside a PGP clear-signed body). Element
 * names are matched by local name, so every version's namespace (or none)
 * reads the same. No network, no DTD, no entity substitution.
 *
 * One occurrence per notice: the Source's IP_Address, Port and TimeStamp,
 * the Case ID, the Complainant, the first Item's Title and FileName.
 */
#include "report/report.h"
#include "report/report_int.h"
#include "util/err.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Where the notice's XML starts and ends in the part, or -1. */
static int locate(const struct report_part *p, const char **start, const char **end, bool *decl)
{
	const char *s = rpt_find(p->data, p->len, "<Infringement"), *e, *x;

	if (!s)
		return -1;
	e = rpt_find(s, p->len - (size_t)(s - p->data), "</Infringement>");
	if (!e)
		return -1;
	e += strlen("</Infringement>");
	*decl = false;
	if (strncmp(p->ctype, "text/", 5) && (x = rpt_find(p->data, (size_t)(s - p->data), "<?xml"))) {
		s = x; /* a raw XML attachment: keep its encoding declaration */
		*decl = true;
	}
	*start = s;
	*end = e;
	return 0;
}

static int acns_probe(const struct report_msg *m, const struct report_part *p)
{
	const char *s, *e;
	bool decl;

	(void)m;
	if (!p->data || locate(p, &s, &e, &decl))
		return 0;
	return rpt_find(s, (size_t)(e - s), "IP_Address") ? 90 : 0;
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

/* The trimmed text of an element into buf. */
static void text(const xmlNode *n, char *buf, size_t len)
{
	xmlChar *t = n ? xmlNodeGetContent(n) : NULL;
	const char *s = t ? (const char *)t : "";
	size_t a = 0, b = strlen(s);

	while (a < b && (s[a] == ' ' || s[a] == '\t' || s[a] == '\r' || s[a] == '\n'))
		a++;
	while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t' || s[b - 1] == '\r' || s[b - 1] == '\n'))
		b--;
	snprintf(buf, len, "%.*s", (int)(b - a), s + a);
	for (char *c = buf; *c; c++) /* one line */
		if (*c == '\n' || *c == '\r' || *c == '\t')
			*c = ' ';
	xmlFree(t);
}

static void attr(const xmlNode *n, const char *name, char *buf, size_t len)
{
	xmlChar *v = n ? xmlGetProp(n, (const xmlChar *)name) : NULL;

	snprintf(buf, len, "%s", v ? (const char *)v : "");
	xmlFree(v);
}

static int proto_of(const char *type, const char *protocol)
{
	const char *s[2] = { protocol, type };

	for (int i = 0; i < 2; i++) {
		if (!s[i] || !*s[i])
			continue;
		if (!strcasecmp(s[i], "udp") || rpt_ci_contains(s[i], "utp"))
			return 17;
		if (!strcasecmp(s[i], "tcp") || rpt_ci_contains(s[i], "bittorrent") ||
		    rpt_ci_contains(s[i], "gnutella") || rpt_ci_contains(s[i], "edonkey") ||
		    rpt_ci_contains(s[i], "ares") || !strcasecmp(s[i], "ftp") || !strcasecmp(s[i], "http"))
			return 6;
	}
	return -1;
}

static int acns_parse(const struct report_msg *m, const struct report_part *p, report_emit_fn emit,
		      void (*bad)(void *ctx, const char *msg), void *ctx, char *err, size_t errlen)
{
	const char *s, *e;
	const xmlNode *root, *src, *cs, *cpl, *item = NULL, *ipn;
	struct report_occ o;
	char ip[64], port[16], ts[64], type[64], btype[64], proto[64], title[200], fname[200];
	unsigned line0 = 1;
	bool decl;
	xmlDoc *doc;
	int rc;

	(void)m;
	(void)bad;
	if (locate(p, &s, &e, &decl)) {
		snprintf(err, errlen, "no <Infringement> element");
		return VIGIL_EFORMAT;
	}
	for (const char *c = p->data; c < s; c++)
		line0 += *c == '\n';
	doc = xmlReadMemory(s, (int)(e - s), "acns.xml", decl ? NULL : "UTF-8",
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
	if (!doc) {
		const xmlError *xe = xmlGetLastError();
		snprintf(err, errlen, "line %u: ACNS XML that cannot be read: %s",
			 line0 + (xe && xe->line > 0 ? (unsigned)xe->line - 1 : 0),
			 xe && xe->message ? xe->message : "malformed");
		for (char *c = err; *c; c++)
			if (*c == '\n')
				*c = ' ';
		return VIGIL_EFORMAT;
	}
	rc = VIGIL_EFORMAT;
	root = xmlDocGetRootElement(doc);
	if (!is(root, "Infringement") || !(src = child(root, "Source"))) {
		snprintf(err, errlen, "line %u: an <Infringement> without a <Source>", line0);
		goto out;
	}
	report_occ_init(&o);
	ipn = child(src, "IP_Address");
	text(ipn, ip, sizeof(ip));
	if (!ip[0] || addr_parse(ip, &o.ip)) {
		snprintf(err, errlen, "line %u: no IP address in <Source><IP_Address> (\"%s\")",
			 line0 + (ipn ? (unsigned)xmlGetLineNo(ipn) - 1 : 0), ip);
		goto out;
	}
	text(child(src, "Port"), port, sizeof(port));
	if (port[0]) {
		char *end;
		long v = strtol(port, &end, 10);
		if (*end == '\0' && v >= 0 && v <= 65535)
			o.port = (int32_t)v;
	}
	text(child(src, "TimeStamp"), ts, sizeof(ts));
	rpt_cpy(o.time_orig, sizeof(o.time_orig), ts);
	if (ts[0] && report_time_parse(ts, &o.time_ms))
		o.time_ms = 0;
	text(child(src, "Type"), type, sizeof(type));
	attr(child(src, "SubType"), "BaseType", btype, sizeof(btype));
	attr(child(src, "SubType"), "Protocol", proto, sizeof(proto));
	o.proto = (int16_t)proto_of(type, proto);
	snprintf(o.type, sizeof(o.type), "copyright");
	snprintf(o.subtype, sizeof(o.subtype), "%.30s%s%.30s", btype[0] ? btype : type,
		 btype[0] && type[0] ? "/" : "", btype[0] ? type : "");
	if ((cs = child(root, "Case")))
		text(child(cs, "ID"), o.case_id, sizeof(o.case_id));
	if ((cpl = child(root, "Complainant"))) {
		text(child(cpl, "Entity"), o.sender, sizeof(o.sender));
		if (!o.sender[0])
			text(child(cpl, "Email"), o.sender, sizeof(o.sender));
	}
	if (child(root, "Content"))
		item = child(child(root, "Content"), "Item");
	text(child(item, "Title"), title, sizeof(title));
	text(child(item, "FileName"), fname, sizeof(fname));
	snprintf(o.detail, sizeof(o.detail), "%.120s%s%.120s%s", title, title[0] && fname[0] ? " (" : "", fname,
		 title[0] && fname[0] ? ")" : "");
	snprintf(o.format, sizeof(o.format), "acns");
	o.confidence = REPORT_CONF_HIGH;
	snprintf(o.source, sizeof(o.source), "part %u line %u", p->index,
		 line0 + (unsigned)xmlGetLineNo(ipn) - 1);
	rc = emit(ctx, &o);
	if (rc == 0)
		rc = 1;
out:
	xmlFreeDoc(doc);
	return rc;
}

const struct report_parser report_acns = { "acns", acns_probe, acns_parse };
