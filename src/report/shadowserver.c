/*
 * shadowserver.c - Shadowserver's CSV reports (attached plain or zipped; the
 * 2022+ column sets and the legacy ones such as botnet_drone): every row is
 * one occurrence. The report type comes from the file name
 * ("2019-10-15-scan_dns-sample-asn.csv" -> scan_dns), failing that from the
 * columns, and a const table maps it to vigil's kind: scan_* are open (or
 * vulnerable) services, sinkhole and drone reports infected hosts (the peer
 * is the sinkhole or C&C), honeypot reports scans, brute force or DDoS.
 */
#include "report/csv.h"
#include "report/report.h"
#include "report/report_int.h"
#include "util/err.h"
#include "util/proto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Report type prefix -> kind; the first match wins, so specific names come first. */
static const struct {
	const char *prefix, *kind;
} types[] = {
	{ "scan_http_vulnerable", "vulnerable" }, { "scan_smtp_vulnerable", "vulnerable" },
	{ "scan_ssl_poodle", "vulnerable" },      { "scan_ssl_freak", "vulnerable" },
	{ "scan_synfulknock", "vulnerable" },     { "scan_exchange", "vulnerable" },
	{ "scan_", "open-service" },              { "scan6_", "open-service" },
	{ "dns_openresolver", "open-service" },   { "open_", "open-service" },
	{ "event4_honeypot_brute_force", "login-attack" },
	{ "event6_honeypot_brute_force", "login-attack" },
	{ "event4_honeypot_darknet", "scan" },    { "event6_honeypot_darknet", "scan" },
	{ "event4_honeypot_http_scan", "scan" },  { "event6_honeypot_http_scan", "scan" },
	{ "event4_ddos_participant", "ddos" },    { "event4_honeypot_ddos_amp", "ddos-target" },
	{ "event4_honeypot_ddos_target", "ddos-target" }, { "event4_honeypot_ddos", "ddos-target" },
	{ "event4_ip_spoofer", "spoofer" },       { "event6_ip_spoofer", "spoofer" },
	{ "event4_sinkhole", "bot" },             { "event6_sinkhole", "bot" },
	{ "event4_microsoft_sinkhole", "bot" },   { "event6_microsoft_sinkhole", "bot" },
	{ "botnet_drone", "bot" },                { "sinkhole_http_drone", "bot" },
	{ "microsoft_sinkhole", "bot" },          { "drone", "bot" },
	{ "blocklist", "blocklist" },             { "compromised_website", "compromised" },
	{ "malware_url", "malware" },             { "phish_url", "phishing" },
	{ "sandbox_", "cc" },                     { "device_id", "report" },
	{ "population_", "report" },              { "special", "report" },
};

/* The type named by a file name: basename, less .gz/.zip/.csv, less a
 * leading date, cut at the first '-' after a known type (or the first '-'). */
static void type_of_name(const char *fname, char *out, size_t n)
{
	const char *b = strrchr(fname, '/');
	char buf[200];
	size_t len;

	b = b ? b + 1 : fname;
	rpt_cpy(buf, sizeof(buf), b);
	for (;;) {
		len = strlen(buf);
		if (len > 4 && (!strcasecmp(buf + len - 4, ".zip") || !strcasecmp(buf + len - 4, ".csv")))
			buf[len - 4] = '\0';
		else if (len > 3 && !strcasecmp(buf + len - 3, ".gz"))
			buf[len - 3] = '\0';
		else
			break;
	}
	b = buf;
	if (strlen(b) > 11 && b[4] == '-' && b[7] == '-' && b[10] == '-')
		b += 11;
	rpt_cpy(out, n, b);
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		size_t pl = strlen(types[i].prefix);
		if (!strncmp(out, types[i].prefix, pl)) {
			char *dash = strchr(out + pl, '-');
			if (dash)
				*dash = '\0';
			return;
		}
	}
	char *dash = strchr(out, '-');
	if (dash)
		*dash = '\0';
}

static const char *kind_of(const char *type)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strncmp(type, types[i].prefix, strlen(types[i].prefix)))
			return types[i].kind;
	return NULL;
}

static bool has_header(const struct report_part *p)
{
	const char *nl = memchr(p->data, '\n', p->len);
	size_t n = nl ? (size_t)(nl - p->data) : p->len;
	char line[2048];

	snprintf(line, sizeof(line), "%.*s", (int)(n < sizeof(line) - 1 ? n : sizeof(line) - 1), p->data);
	return rpt_ci_contains(line, "timestamp") &&
	       (rpt_ci_contains(line, "\"ip\"") || rpt_ci_contains(line, ",ip,") ||
		rpt_ci_contains(line, "src_ip") || rpt_ci_contains(line, "timestamp,ip") ||
		rpt_ci_contains(line, "http_referer_ip"));
}

static int ss_probe(const struct report_msg *m, const struct report_part *p)
{
	char t[64];

	(void)m;
	if (!p->data || !p->len || !has_header(p))
		return 0;
	type_of_name(p->filename, t, sizeof(t));
	return kind_of(t) ? 85 : 60;
}

static const char *field(const struct csv *c, int col)
{
	return col >= 0 && (size_t)col < c->nf ? c->f[col] : "";
}

static int ss_parse(const struct report_msg *m, const struct report_part *p, report_emit_fn emit,
		    void (*bad)(void *ctx, const char *msg), void *ctx, char *err, size_t errlen)
{
	struct csv c;
	char **hdr = NULL, type[64], msg[256];
	size_t nh = 0;
	int c_ip, c_port, c_proto, c_time, c_peer, c_pport, c_inf, c_tag, c_host, c_url, c_type;
	const char *kind;
	int rc, emitted = 0, r;

	(void)m;
	if ((rc = csv_init(&c, p->data, p->len)))
		return rc;
	if ((r = csv_next(&c)) != 1) {
		snprintf(err, errlen, "line 1: no header row");
		csv_free(&c);
		return VIGIL_EFORMAT;
	}
	if (!(hdr = calloc(c.nf, sizeof(*hdr)))) {
		csv_free(&c);
		return VIGIL_ENOMEM;
	}
	for (nh = 0; nh < c.nf; nh++)
		if (!(hdr[nh] = strdup(c.f[nh]))) {
			rc = VIGIL_ENOMEM;
			goto out;
		}
	type_of_name(p->filename, type, sizeof(type));
	if (!(kind = kind_of(type))) {
		/* no known name: tell by the columns */
		const char *const *h = (const char *const *)hdr;
		if (csv_col(h, nh, "infection") >= 0)
			rpt_cpy(type, sizeof(type), csv_col(h, nh, "cc_ip") >= 0 ? "botnet_drone" : "event4_sinkhole");
		else if (csv_col(h, nh, "url") >= 0 && csv_col(h, nh, "source") >= 0)
			snprintf(type, sizeof(type), "phish_url");
		else
			snprintf(type, sizeof(type), "shadowserver");
		kind = kind_of(type);
		if (!kind)
			kind = "report";
	}
#define COL(n) csv_col((const char *const *)hdr, nh, n)
	/* the host of ours the row is about: ip, src_ip, or in the referer
	 * reports the site whose page points at the sinkhole */
	bool referer = COL("ip") < 0 && COL("src_ip") < 0 && COL("http_referer_ip") >= 0;
	c_ip = COL("ip") >= 0 ? COL("ip") : COL("src_ip") >= 0 ? COL("src_ip") : COL("http_referer_ip");
	c_port = COL("port") >= 0 ? COL("port") : COL("src_port") >= 0 ? COL("src_port") :
		 referer ? COL("http_referer_port") : -1;
	c_proto = COL("protocol");
	c_type = COL("type");
	c_time = COL("timestamp");
	c_peer = COL("cc_ip") >= 0 ? COL("cc_ip") : COL("dst_ip");
	c_pport = COL("cc_port") >= 0 ? COL("cc_port") : COL("dst_port");
	c_inf = COL("infection");
	c_tag = COL("tag");
	c_host = COL("hostname") >= 0 ? COL("hostname") : COL("host");
	c_url = COL("url");
#undef COL
	if (c_ip < 0) {
		snprintf(err, errlen, "line 1: no ip, src_ip or http_referer_ip column");
		rc = VIGIL_EFORMAT;
		goto out;
	}
	while ((r = csv_next(&c)) != 0) {
		struct report_occ o;
		const char *ip, *v;

		if (r < 0) {
			snprintf(msg, sizeof(msg), "line %u: a row that cannot be read (unterminated quote or over the size limit)",
				 c.row_line);
			bad(ctx, msg);
			continue;
		}
		report_occ_init(&o);
		ip = field(&c, c_ip);
		if (!*ip || addr_parse(ip, &o.ip)) {
			snprintf(msg, sizeof(msg), "line %u: no IP address in column %s (\"%.40s\")", c.row_line,
				 hdr[c_ip], ip);
			bad(ctx, msg);
			continue;
		}
		if (*(v = field(&c, c_port))) {
			long pv = strtol(v, NULL, 10);
			if (pv >= 0 && pv <= 65535)
				o.port = (int32_t)pv;
		}
		v = field(&c, c_proto);
		if (!*v && !strcmp(kind, "bot"))
			v = field(&c, c_type); /* botnet_drone: type is tcp/udp */
		if (*v) {
			int pr = proto_parse(v);
			if (pr >= 0)
				o.proto = (int16_t)pr;
		}
		if (*(v = field(&c, c_time))) {
			rpt_cpy(o.time_orig, sizeof(o.time_orig), v);
			if (report_time_parse(v, &o.time_ms))
				o.time_ms = 0;
		}
		if ((!strcmp(kind, "bot") || !strcmp(kind, "cc") || !strcmp(kind, "login-attack") ||
		     !strcmp(kind, "scan") || !strcmp(kind, "ddos")) &&
		    *(v = field(&c, c_peer)) && addr_parse(v, &o.peer) == 0) {
			o.has_peer = true;
			if (*(v = field(&c, c_pport))) {
				long pv = strtol(v, NULL, 10);
				if (pv >= 0 && pv <= 65535)
					o.peer_port = (int32_t)pv;
			}
		}
		rpt_cpy(o.type, sizeof(o.type), kind);
		rpt_cpy(o.subtype, sizeof(o.subtype), type);
		v = *field(&c, c_inf) ? field(&c, c_inf) : *field(&c, c_tag) ? field(&c, c_tag)
			: *field(&c, c_url) ? field(&c, c_url) : field(&c, c_host);
		rpt_copy_trim(o.detail, sizeof(o.detail), v, strlen(v));
		snprintf(o.sender, sizeof(o.sender), "Shadowserver");
		snprintf(o.format, sizeof(o.format), "shadowserver");
		o.confidence = REPORT_CONF_HIGH;
		snprintf(o.source, sizeof(o.source), "part %u line %u", p->index, c.row_line);
		if ((rc = emit(ctx, &o)))
			goto out;
		emitted++;
	}
	rc = emitted;
out:
	for (size_t i = 0; i < nh; i++)
		free(hdr[i]);
	free(hdr);
	csv_free(&c);
	return rc;
}

const struct report_parser report_shadowserver = { "shadowserver", ss_probe, ss_parse };
