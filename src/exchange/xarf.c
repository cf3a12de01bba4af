/*
 * xarf.c - X-ARF v4 JSON (xarf.org schemas v4): one report per incident, one
 * JSON document a line. The host is source_identifier; category and type
 * come from the kind table (kinds.c) with the fields each type requires:
 * protocol and first_seen for connection reports, compromise_evidence for a
 * botnet, threat_type for a block list, service for an open service, the
 * probed ports as probed_resources of a scan (reconnaissance). Two types ask
 * for what flow records do not keep: connection/ddos a source_port, and
 * copyright/copyright the infringing_url; those reports are written without
 * them (valid against the core schema, not the type's). The
 * flow evidence goes in "evidence" (each event as text/plain, base64, with
 * its SHA-256) and in vigil-specific fields prefixed "vigil_".
 */
#include "exchange/exchange_int.h"
#include "util/err.h"
#include "util/sha256.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *b64(const char *s, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc((n + 2) / 3 * 4 + 1), *p = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)(uint8_t)s[i] << 16;

		if (i + 1 < n)
			v |= (uint32_t)(uint8_t)s[i + 1] << 8;
		if (i + 2 < n)
			v |= (uint8_t)s[i + 2];
		*p++ = tab[v >> 18 & 63];
		*p++ = tab[v >> 12 & 63];
		*p++ = i + 1 < n ? tab[v >> 6 & 63] : '=';
		*p++ = i + 2 < n ? tab[v & 63] : '=';
	}
	*p = '\0';
	return out;
}

/* The evidence entry of one event: its why, counts and reproducing query. */
static json_t *evidence(json_t *ev)
{
	char text[2048], hex[72];
	uint8_t dig[32];
	char *enc;
	json_t *o;
	int n = snprintf(text, sizeof(text), "%s\nfirst %s last %s: %lld flows, %lld packets, %lld bytes\n%s\n",
			 ex_str(ev, "why"), ex_str(ev, "first"), ex_str(ev, "last"),
			 (long long)ex_int(ev, "flows", 0), (long long)ex_int(ev, "packets", 0),
			 (long long)ex_int(ev, "bytes", 0), ex_str(ev, "reproduce"));

	if (n < 0)
		return NULL;
	if ((size_t)n >= sizeof(text))
		n = (int)sizeof(text) - 1;
	struct sha256 h;

	sha256_init(&h);
	sha256_update(&h, text, (size_t)n);
	sha256_final(&h, dig);
	memcpy(hex, "sha256:", 7);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 7 + 2 * i, 3, "%02x", dig[i]);
	if (!(enc = b64(text, (size_t)n)))
		return NULL;
	o = json_pack("{s:s, s:s, s:s, s:s}", "content_type", "text/plain", "description",
		      "flow evidence", "payload", enc, "hash", hex);
	free(enc);
	return o;
}

/* report_id must be a UUID: the same incident of the same team always gets
 * the same one (SHA-256 of "team#id", as an RFC 9562 version 8 UUID), so a
 * peer sees a re-export as the same report. */
static void report_id(char *out, size_t n, const char *team, int64_t id, const char *host)
{
	struct sha256 h;
	uint8_t d[32];
	char in[320];
	/* a campaign's report per host: "team#id/host" */
	int len = host ? snprintf(in, sizeof(in), "%.200s#%lld/%.64s", team, (long long)id, host)
		       : snprintf(in, sizeof(in), "%.200s#%lld", team, (long long)id);

	sha256_init(&h);
	sha256_update(&h, in, (size_t)len);
	sha256_final(&h, d);
	d[6] = (uint8_t)((d[6] & 0x0f) | 0x80);
	d[8] = (uint8_t)((d[8] & 0x3f) | 0x80);
	snprintf(out, n,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12],
		 d[13], d[14], d[15]);
}

/* One report of incident inc about host (NULL: the incident's own host). */
static json_t *report(json_t *inc, const char *host, const struct exchange_opts *o)
{
	const struct exchange_kind_map *k = exchange_kind(ex_str(inc, "kind"));
	json_t *evs = json_object_get(inc, "evidence"), *ev0 = json_array_get(evs, 0), *ev;
	json_t *r, *who, *list = json_array();
	char rid[160], now[32];
	const char *proto = ev0 ? ex_proto_name(ex_int(ev0, "proto", -1)) : NULL;
	int64_t port = ev0 ? ex_int(ev0, "port", -1) : -1;
	size_t i;

	report_id(rid, sizeof(rid), o->team && *o->team ? o->team : "localhost", ex_int(inc, "id", 0),
		  host);
	who = json_pack("{s:s, s:s, s:s}", "org", o->team_name && *o->team_name ? o->team_name : "CSIRT",
			"contact", o->email && *o->email ? o->email : "csirt@localhost", "domain",
			o->team && *o->team ? o->team : "localhost");
	r = json_pack("{s:s, s:s, s:s, s:O, s:O, s:s, s:s, s:s, s:s}", "xarf_version", "4.2.0",
		      "report_id", rid, "timestamp",
		      *ex_str(inc, "first_seen") ? ex_str(inc, "first_seen") : ex_now(o, now),
		      "reporter", who, "sender", who, "source_identifier", host ? host : ex_str(inc, "host"),
		      "category", k->xarf_class, "type", k->xarf_type, "evidence_source",
		      "flow_analysis");
	json_decref(who);
	if (!r) {
		json_decref(list);
		return NULL;
	}
	if (*ex_str(inc, "first_seen"))
		json_object_set_new(r, "first_seen", json_string(ex_str(inc, "first_seen")));
	if (*ex_str(inc, "last_seen"))
		json_object_set_new(r, "last_seen", json_string(ex_str(inc, "last_seen")));
	if (!strcmp(k->xarf_class, "connection"))
		json_object_set_new(r, "protocol", json_string(proto ? proto : "tcp"));
	if (!strcmp(k->xarf_type, "botnet"))
		json_object_set_new(r, "compromise_evidence",
				    json_string(ev0 ? ex_str(ev0, "why") : ex_str(inc, "subject")));
	if (!strcmp(k->xarf_type, "reconnaissance")) {
		/* what was probed: each event's port (a flow record keeps no URL) */
		json_t *probed = json_array();

		json_array_foreach(evs, i, ev) {
			const char *pn = ex_proto_name(ex_int(ev, "proto", -1));
			char res[48];

			if (i >= EX_MAX_EVENTS)
				break;
			if (ex_int(ev, "port", -1) >= 0)
				snprintf(res, sizeof(res), "%lld/%s", (long long)ex_int(ev, "port", -1),
					 pn ? pn : "ip");
			else
				snprintf(res, sizeof(res), "%s", *ex_str(ev, "peer") ? ex_str(ev, "peer") : "ports");
			json_array_append_new(probed, json_string(res));
		}
		if (!json_array_size(probed))
			json_array_append_new(probed, json_string("ports"));
		json_object_set_new(r, "probed_resources", probed);
	}
	if (!strcmp(k->xarf_type, "blocklist"))
		json_object_set_new(r, "threat_type", json_string("contact with a listed address"));
	if (!strcmp(k->xarf_type, "open_service")) {
		char svc[32];

		snprintf(svc, sizeof(svc), "%lld/%s", (long long)port, proto ? proto : "udp");
		json_object_set_new(r, "service", json_string(port >= 0 ? svc : "unknown"));
	}
	if (*ex_str(inc, "peer")) {
		json_object_set_new(r, "destination_ip", json_string(ex_str(inc, "peer")));
		if (port > 0)
			json_object_set_new(r, "destination_port", json_integer(port));
	}
	json_object_set_new(r, "description", json_string(ex_str(inc, "subject")));
	json_array_foreach(evs, i, ev) {
		json_t *e;

		if (i >= EX_MAX_EVENTS)
			break;
		if ((e = evidence(ev)))
			json_array_append_new(list, e);
	}
	json_object_set_new(r, "evidence", list);
	{
		char tag[64], inc_tag[64];

		snprintf(tag, sizeof(tag), "kind:%.40s", ex_str(inc, "kind"));
		snprintf(inc_tag, sizeof(inc_tag), "incident:%lld", (long long)ex_int(inc, "id", 0));
		json_object_set_new(r, "tags", json_pack("[s, s]", tag, inc_tag));
	}
	json_object_set_new(r, "vigil_kind", json_string(ex_str(inc, "kind")));
	json_object_set_new(r, "vigil_state", json_string(ex_str(inc, "state")));
	json_object_set_new(r, "vigil_incident", json_integer(ex_int(inc, "id", 0)));
	return r;
}

static int put(json_t *r, struct buf *out)
{
	char *s = r ? json_dumps(r, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	int rc = s ? buf_addstr(out, s) : VIGIL_ENOMEM;

	if (!rc)
		rc = buf_addc(out, '\n');
	free(s);
	json_decref(r);
	return rc;
}

/* An X-ARF report has one source: a campaign (a parent incident without a
 * host of its own) is one report per child host, marked with the campaign. */
static int write_xarf(json_t *const *incs, size_t n, const struct exchange_opts *o,
		      struct buf *out, char *err, size_t errlen)
{
	int rc = 0;

	for (size_t i = 0; i < n && rc >= 0; i++) {
		json_t *members = ex_members(incs[i]), *ch;
		size_t j;

		if (!json_array_size(members))
			rc = put(report(incs[i], NULL, o), out);
		json_array_foreach(members, j, ch) {
			json_t *r;

			if (rc < 0)
				break;
			if ((r = report(incs[i], ex_str(ch, "host"), o)))
				json_object_set_new(r, "vigil_campaign_member", json_integer(ex_int(ch, "id", 0)));
			rc = put(r, out);
		}
		json_decref(members);
	}
	if (rc < 0)
		snprintf(err, errlen, "out of memory (or over the output cap)");
	return rc < 0 ? rc : 0;
}

const struct exchange_writer exchange_xarf = { "xarf", write_xarf };
