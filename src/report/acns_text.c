/*
 * acns_text.c - copyright notices read from their text alone, for mails that
 * carry no ACNS XML: the "Key: value" lines such notices use ("IP Address:",
 * "Infringers IP Address:", "Port:", "Port ID:", "Timestamp:", "Initial
 * Infringement Timestamp:", "Notice ID:", "Case ID:", "Title:", "Infringed
 * Work:", "Protocol:"). One occurrence per notice; confidence high when the
 * address, the time and the case id were all found.
 */
#include "report/report.h"
#include "report/report_int.h"
#include "util/err.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum field { F_IP, F_PORT, F_TIME, F_CASE, F_TITLE, F_FILE, F_PROTO, NFIELDS };

static const struct {
	const char *key; /* lower case, matched at the end of the line's key */
	enum field f;
} keys[] = {
	{ "ip address", F_IP },      { "ip", F_IP },
	{ "port id", F_PORT },       { "port", F_PORT },
	{ "infringement timestamp", F_TIME }, { "timestamp", F_TIME },
	{ "date & time of infringement", F_TIME }, { "time of infringement", F_TIME },
	{ "notice id", F_CASE },     { "case id", F_CASE },      { "reference number", F_CASE },
	{ "title", F_TITLE },        { "infringed work", F_TITLE },
	{ "infringing file name", F_FILE }, { "file name", F_FILE }, { "filename", F_FILE },
	{ "protocol", F_PROTO },
};

/* Key and value of a "Key: value" line; the key lower-cased into k. */
static bool kv(const char *line, size_t n, char *k, size_t kcap, const char **v, size_t *vn)
{
	const char *colon = memchr(line, ':', n);
	size_t kl, o = 0;

	if (!colon || colon == line || (size_t)(colon - line) > 60)
		return false;
	kl = (size_t)(colon - line);
	for (size_t i = 0; i < kl && o + 1 < kcap; i++)
		k[o++] = (char)tolower((unsigned char)line[i]);
	while (o && k[o - 1] == ' ')
		o--;
	k[o] = '\0';
	*v = colon + 1;
	*vn = n - kl - 1;
	return true;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix) && (a == b || s[a - b - 1] == ' ' || s[a - b - 1] == '\'');
}

static int acns_text_probe(const struct report_msg *m, const struct report_part *p)
{
	(void)m;
	if (!p->data || strncmp(p->ctype, "text/", 5))
		return 0;
	if (!rpt_ci_contains(p->data, "ip address:") && !rpt_ci_contains(p->data, "ip address :"))
		return 0;
	if (!rpt_ci_contains(p->data, "infring") && !rpt_ci_contains(p->data, "copyright"))
		return 0;
	return 40;
}

static int acns_text_parse(const struct report_msg *m, const struct report_part *p,
			   report_emit_fn emit, void (*bad)(void *ctx, const char *msg), void *ctx,
			   char *err, size_t errlen)
{
	char val[NFIELDS][200], k[64];
	unsigned line = 0, ipline = 0;
	const char *s = p->data, *end = p->data + p->len;
	struct report_occ o;
	bool have[NFIELDS] = { false };
	int rc;

	(void)m;
	(void)bad;
	memset(val, 0, sizeof(val));
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s)), *v;
		size_t n = (size_t)((nl ? nl : end) - s), vn;

		line++;
		if (kv(s, n, k, sizeof(k), &v, &vn)) {
			for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
				if (!ends_with(k, keys[i].key) || have[keys[i].f])
					continue;
				rpt_copy_trim(val[keys[i].f], sizeof(val[0]), v, vn);
				if (val[keys[i].f][0]) {
					have[keys[i].f] = true;
					if (keys[i].f == F_IP)
						ipline = line;
				}
				break;
			}
		}
		s = nl ? nl + 1 : end;
	}
	report_occ_init(&o);
	if (!have[F_IP] || addr_parse(val[F_IP], &o.ip)) {
		snprintf(err, errlen, "no readable \"IP Address:\" line%s%s", have[F_IP] ? ": " : "",
			 val[F_IP]);
		return VIGIL_EFORMAT;
	}
	if (have[F_PORT]) {
		char *e;
		long v = strtol(val[F_PORT], &e, 10);
		if (e != val[F_PORT] && v >= 0 && v <= 65535)
			o.port = (int32_t)v;
	}
	if (have[F_TIME]) {
		rpt_cpy(o.time_orig, sizeof(o.time_orig), val[F_TIME]);
		if (report_time_parse(val[F_TIME], &o.time_ms))
			o.time_ms = 0;
	}
	if (have[F_PROTO] && (rpt_ci_contains(val[F_PROTO], "bittorrent") ||
			      !strcasecmp(val[F_PROTO], "tcp") || rpt_ci_contains(val[F_PROTO], "edonkey") ||
			      rpt_ci_contains(val[F_PROTO], "gnutella")))
		o.proto = 6;
	else if (have[F_PROTO] && !strcasecmp(val[F_PROTO], "udp"))
		o.proto = 17;
	snprintf(o.type, sizeof(o.type), "copyright");
	rpt_cpy(o.subtype, sizeof(o.subtype), have[F_PROTO] ? val[F_PROTO] : "");
	rpt_cpy(o.case_id, sizeof(o.case_id), val[F_CASE]);
	snprintf(o.detail, sizeof(o.detail), "%.120s%s%.120s%s", val[F_TITLE],
		 have[F_TITLE] && have[F_FILE] ? " (" : "", val[F_FILE],
		 have[F_TITLE] && have[F_FILE] ? ")" : "");
	snprintf(o.format, sizeof(o.format), "acns-text");
	o.confidence = have[F_IP] && o.time_ms && have[F_CASE] ? REPORT_CONF_HIGH : REPORT_CONF_LOW;
	snprintf(o.source, sizeof(o.source), "part %u line %u", p->index, ipline);
	rc = emit(ctx, &o);
	return rc ? rc : 1;
}

const struct report_parser report_acns_text = { "acns-text", acns_text_probe, acns_text_parse };
