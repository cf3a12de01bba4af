/*
 * xarf.c - X-ARF reports from peer teams: v0.2 (the YAML second part of an
 * "X-XARF: PLAIN" mail, read with libyaml), the v3 JSON of the abusix
 * schemas ({"Version": "3", "ReporterInfo", "Report": {...}}) and v4 JSON
 * ({"xarf_version": "4.x", "category", "type", "source_identifier" ...}),
 * both read with jansson. Each report is one occurrence; its category and
 * type are mapped to vigil's kind by the tables below.
 */
#include "report/report.h"
#include "report/report_int.h"
#include "util/err.h"
#include "util/proto.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#define XARF_MAX_KEYS 64
#define XARF_MAX_DEPTH 16

/* (category or class, type) -> kind; "*" matches any type. */
static const struct {
	const char *cat, *type, *kind;
} kinds[] = {
	{ "*", "login-attack", "login-attack" }, { "*", "login_attack", "login-attack" },
	{ "*", "loginattack", "login-attack" },  { "*", "ssh", "login-attack" },
	{ "*", "port-scan", "scan" },            { "*", "port_scan", "scan" },
	{ "*", "portscan", "scan" },             { "*", "scan", "scan" },
	{ "*", "reconnaissance", "scan" },       { "*", "vulnerability_scan", "scan" },
	{ "*", "ddos", "ddos" },                 { "*", "phishing", "phishing" },
	{ "*", "spam", "spam" },                 { "*", "bulk_messaging", "spam" },
	{ "*", "malware", "malware" },           { "*", "malware-attack", "malware" },
	{ "*", "infected_host", "bot" },         { "*", "infected-host", "bot" },
	{ "*", "botnet", "bot" },                { "*", "compromised_server", "compromised" },
	{ "*", "remote_compromise", "compromised" }, { "*", "open_service", "open-service" },
	{ "*", "openservice", "open-service" },  { "*", "open-service", "open-service" },
	{ "*", "blocklist", "blocklist" },       { "*", "exploit", "exploit" },
	{ "*", "sql_injection", "exploit" },     { "*", "regbot", "spam" },
	{ "*", "badbot", "scan" },               { "*", "scraping", "scan" },
	{ "*", "copyright", "copyright" },       { "*", "p2p", "copyright" },
	{ "*", "dos", "ddos" },                  { "*", "webcrawler", "scan" },
	{ "*", "childabuse", "abuse-content" },  { "*", "csam", "abuse-content" },
	{ "*", "csem", "abuse-content" },        { "*", "trademark", "copyright" },
	{ "copyright", "*", "copyright" },       { "fraud", "*", "phishing" },
	{ "vulnerability", "*", "vulnerable" },  { "messaging", "*", "spam" },
	{ "infrastructure", "*", "compromised" }, { "content", "*", "report" },
	{ "abuse", "*", "report" },              { "connection", "*", "report" },
};

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

static void kind_of(const char *cat, const char *type, char *out, size_t n)
{
	char c[64], t[64];

	rpt_cpy(c, sizeof(c), cat ? cat : "");
	rpt_cpy(t, sizeof(t), type ? type : "");
	lower(c);
	lower(t);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if ((kinds[i].cat[0] == '*' || !strcmp(kinds[i].cat, c)) &&
		    (kinds[i].type[0] == '*' || !strcmp(kinds[i].type, t))) {
			snprintf(out, n, "%s", kinds[i].kind);
			return;
		}
	}
	snprintf(out, n, "report");
}

static const char *skip_blank(const struct report_part *p)
{
	const char *s = p->data, *end = p->data + p->len;

	while (s < end && isspace((unsigned char)*s))
		s++;
	return s;
}

static bool looks_json(const struct report_part *p)
{
	const char *s = skip_blank(p);

	return s < p->data + p->len && *s == '{' &&
	       (rpt_find(p->data, p->len, "\"xarf_version\"") ||
		(rpt_find(p->data, p->len, "\"Version\"") && rpt_find(p->data, p->len, "\"Report\"")));
}

static bool looks_yaml(const struct report_part *p)
{
	return rpt_find(p->data, p->len, "Reported-From:") &&
	       (rpt_find(p->data, p->len, "Source:") || rpt_find(p->data, p->len, "Category:"));
}

static int xarf_probe(const struct report_msg *m, const struct report_part *p)
{
	if (!p->data || !p->len)
		return 0;
	if (looks_json(p))
		return 90;
	if (looks_yaml(p))
		return m->x_arf[0] ? 90 : 70;
	return 0;
}

static int64_t port_of(json_t *v)
{
	if (json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= 65535)
		return json_integer_value(v);
	if (json_is_string(v)) {
		char *e;
		long x = strtol(json_string_value(v), &e, 10);
		if (*e == '\0' && e != json_string_value(v) && x >= 0 && x <= 65535)
			return x;
	}
	return -1;
}

static const char *jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

/* v3 and v4 JSON into o; 0, or VIGIL_EFORMAT with a reason. */
static int from_json(const struct report_part *p, struct report_occ *o, char *err, size_t errlen)
{
	json_error_t je;
	json_t *j = json_loadb(p->data, p->len, JSON_REJECT_DUPLICATES, &je), *r, *rep;
	const char *ip, *cat, *type, *ver, *date;
	char kind[24];
	int rc = VIGIL_EFORMAT;
	int64_t v;

	if (!j) {
		snprintf(err, errlen, "line %d: not JSON: %s", je.line, je.text);
		return VIGIL_EFORMAT;
	}
	if (!json_is_object(j)) {
		snprintf(err, errlen, "line 1: an X-ARF report is a JSON object");
		goto out;
	}
	if (json_object_get(j, "xarf_version")) { /* v4 */
		ver = jstr(j, "xarf_version");
		if (ver[0] != '4') {
			snprintf(err, errlen, "xarf_version \"%s\" is not 4.x", ver);
			goto out;
		}
		ip = jstr(j, "source_identifier");
		cat = jstr(j, "category");
		type = jstr(j, "type");
		date = jstr(j, "timestamp");
		v = port_of(json_object_get(j, "source_port"));
		o->port = (int32_t)v;
		if (*jstr(j, "protocol"))
			o->proto = (int16_t)proto_parse(jstr(j, "protocol"));
		if ((r = json_object_get(j, "reporter"))) {
			rpt_cpy(o->sender, sizeof(o->sender), *jstr(r, "contact") ? jstr(r, "contact") : jstr(r, "org"));
		}
		rpt_cpy(o->case_id, sizeof(o->case_id), jstr(j, "report_id"));
		if (addr_parse(jstr(j, "destination_ip"), &o->peer) == 0) {
			o->has_peer = true;
			o->peer_port = (int32_t)port_of(json_object_get(j, "destination_port"));
		}
		snprintf(o->detail, sizeof(o->detail), "%s%s%s", jstr(j, "service"),
			 *jstr(j, "service") && *jstr(j, "evidence_source") ? ", evidence from " : "",
			 jstr(j, "evidence_source"));
	} else { /* v3 */
		ver = jstr(j, "Version");
		/* "3", "3.0.0", "2" */
		if ((ver[0] != '3' && ver[0] != '2') || (ver[1] && ver[1] != '.')) {
			snprintf(err, errlen, "Version \"%s\" is not an X-ARF JSON version (3, or 4 as xarf_version)", ver);
			goto out;
		}
		if (!json_is_object(rep = json_object_get(j, "Report"))) {
			snprintf(err, errlen, "no \"Report\" object");
			goto out;
		}
		if (!json_is_object(r = json_object_get(j, "ReporterInfo"))) {
			snprintf(err, errlen, "no \"ReporterInfo\" object");
			goto out;
		}
		snprintf(o->sender, sizeof(o->sender), "%s",
			 *jstr(r, "ReporterOrgEmail") ? jstr(r, "ReporterOrgEmail") : jstr(r, "ReporterOrg"));
		ip = jstr(rep, "SourceIp");
		if (!*ip && json_is_object(json_object_get(rep, "Source"))) /* the 3.0.0 drafts */
			ip = jstr(json_object_get(rep, "Source"), "IP");
		cat = jstr(rep, "ReportClass");
		type = jstr(rep, "ReportType");
		date = jstr(rep, "Date");
		o->port = (int32_t)port_of(json_object_get(rep, "SourcePort"));
		if (addr_parse(jstr(rep, "DestinationIp"), &o->peer) == 0) {
			o->has_peer = true;
			o->peer_port = (int32_t)port_of(json_object_get(rep, "DestinationPort"));
		}
		rpt_cpy(o->detail, sizeof(o->detail), jstr(rep, "Service"));
	}
	if (!*type || !*cat) {
		snprintf(err, errlen, "no report class/category or type");
		goto out;
	}
	if (addr_parse(ip, &o->ip)) {
		snprintf(err, errlen, "the source \"%.60s\" is not an IP address", ip);
		goto out;
	}
	if (*date) {
		rpt_cpy(o->time_orig, sizeof(o->time_orig), date);
		if (report_time_parse(date, &o->time_ms)) {
			snprintf(err, errlen, "the date \"%.60s\" cannot be read", date);
			goto out;
		}
	}
	kind_of(cat, type, kind, sizeof(kind));
	rpt_cpy(o->type, sizeof(o->type), kind);
	snprintf(o->subtype, sizeof(o->subtype), "%s/%s", cat, type);
	rc = 0;
out:
	json_decref(j);
	return rc;
}

/* v0.2: the top-level mapping of scalars. */
struct kvs {
	char key[XARF_MAX_KEYS][48];
	char val[XARF_MAX_KEYS][256];
	unsigned line[XARF_MAX_KEYS];
	size_t n;
};

static const char *kv_get(const struct kvs *k, const char *name, unsigned *line)
{
	for (size_t i = 0; i < k->n; i++)
		if (!strcasecmp(k->key[i], name)) {
			if (line)
				*line = k->line[i];
			return k->val[i];
		}
	return NULL;
}

static int read_yaml(const struct report_part *p, struct kvs *k, char *err, size_t errlen)
{
	yaml_parser_t y;
	yaml_event_t ev;
	int depth = 0, rc = 0;
	bool want_key = true, done = false;
	char key[48] = "";
	unsigned kline = 0;

	memset(k, 0, sizeof(*k));
	if (!yaml_parser_initialize(&y))
		return VIGIL_ENOMEM;
	yaml_parser_set_input_string(&y, (const unsigned char *)p->data, p->len);
	while (!done) {
		if (!yaml_parser_parse(&y, &ev)) {
			snprintf(err, errlen, "line %zu: YAML that cannot be read: %s",
				 y.problem_mark.line + 1, y.problem ? y.problem : "?");
			rc = VIGIL_EFORMAT;
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
		case YAML_DOCUMENT_END_EVENT:
			done = depth == 0 && k->n > 0;
			if (ev.type == YAML_STREAM_END_EVENT)
				done = true;
			break;
		case YAML_MAPPING_START_EVENT:
		case YAML_SEQUENCE_START_EVENT:
			if (++depth > XARF_MAX_DEPTH) {
				snprintf(err, errlen, "line %zu: nested deeper than %d", ev.start_mark.line + 1,
					 XARF_MAX_DEPTH);
				rc = VIGIL_ELIMIT;
				done = true;
			}
			if (depth > 1 && !want_key) /* a nested value: skip it as the key's value */
				want_key = true;
			break;
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			depth--;
			break;
		case YAML_ALIAS_EVENT:
			if (depth == 1)
				want_key = !want_key;
			break;
		case YAML_SCALAR_EVENT:
			if (depth != 1)
				break;
			if (want_key) {
				snprintf(key, sizeof(key), "%.*s", (int)ev.data.scalar.length,
					 (const char *)ev.data.scalar.value);
				kline = (unsigned)ev.start_mark.line + 1;
				want_key = false;
			} else {
				if (k->n < XARF_MAX_KEYS) {
					snprintf(k->key[k->n], sizeof(k->key[0]), "%s", key);
					rpt_copy_trim(k->val[k->n], sizeof(k->val[0]),
						      (const char *)ev.data.scalar.value, ev.data.scalar.length);
					k->line[k->n] = kline;
					k->n++;
				}
				want_key = true;
			}
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&y);
	return rc;
}

static int from_yaml(const struct report_part *p, struct report_occ *o, unsigned *line, char *err,
		     size_t errlen)
{
	struct kvs *k = malloc(sizeof(*k));
	const char *v, *cat, *type;
	char kind[24];
	int rc;

	if (!k)
		return VIGIL_ENOMEM;
	if ((rc = read_yaml(p, k, err, errlen)))
		goto out;
	rc = VIGIL_EFORMAT;
	if (!(v = kv_get(k, "Source", line)) || !*v) {
		snprintf(err, errlen, "no Source: in the X-ARF report");
		goto out;
	}
	if (addr_parse(v, &o->ip)) {
		unsigned l = *line;
		snprintf(err, errlen, "line %u: Source \"%.60s\" is not an IP address (Source-Type %s)", l, v,
			 kv_get(k, "Source-Type", NULL) ? kv_get(k, "Source-Type", NULL) : "?");
		goto out;
	}
	cat = kv_get(k, "Category", NULL);
	type = kv_get(k, "Report-Type", NULL);
	if (!cat || !type) {
		snprintf(err, errlen, "no Category: or Report-Type: in the X-ARF report");
		goto out;
	}
	if ((v = kv_get(k, "Port", NULL)) && *v) {
		char *e;
		long x = strtol(v, &e, 10);
		if (*e == '\0' && x >= 0 && x <= 65535)
			o->port = (int32_t)x;
	}
	if ((v = kv_get(k, "Date", NULL)) && *v) {
		rpt_cpy(o->time_orig, sizeof(o->time_orig), v);
		if (report_time_parse(v, &o->time_ms))
			o->time_ms = 0;
	}
	if ((v = kv_get(k, "Reported-From", NULL)))
		rpt_cpy(o->sender, sizeof(o->sender), v);
	if ((v = kv_get(k, "Report-ID", NULL)))
		rpt_cpy(o->case_id, sizeof(o->case_id), v);
	if ((v = kv_get(k, "Service", NULL))) {
		snprintf(o->detail, sizeof(o->detail), "service %s", v);
		if (!strcasecmp(v, "ssh") || !strcasecmp(v, "http") || !strcasecmp(v, "smtp") ||
		    !strcasecmp(v, "imap") || !strcasecmp(v, "ftp"))
			o->proto = 6;
	}
	kind_of(cat, type, kind, sizeof(kind));
	if (!strcmp(kind, "report") && o->detail[0])
		kind_of("", kv_get(k, "Service", NULL), kind, sizeof(kind));
	rpt_cpy(o->type, sizeof(o->type), kind);
	snprintf(o->subtype, sizeof(o->subtype), "%s/%s", cat, type);
	rc = 0;
out:
	free(k);
	return rc;
}

static int xarf_parse(const struct report_msg *m, const struct report_part *p, report_emit_fn emit,
		      void (*bad)(void *ctx, const char *msg), void *ctx, char *err, size_t errlen)
{
	struct report_occ o;
	unsigned line = 1;
	int rc;

	(void)m;
	(void)bad;
	report_occ_init(&o);
	if (looks_json(p))
		rc = from_json(p, &o, err, errlen);
	else
		rc = from_yaml(p, &o, &line, err, errlen);
	if (rc)
		return rc;
	snprintf(o.format, sizeof(o.format), "xarf");
	o.confidence = REPORT_CONF_HIGH;
	snprintf(o.source, sizeof(o.source), "part %u line %u", p->index, line);
	rc = emit(ctx, &o);
	return rc ? rc : 1;
}

const struct report_parser report_xarf = { "xarf", xarf_probe, xarf_parse };
