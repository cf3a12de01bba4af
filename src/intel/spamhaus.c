/*
 * spamhaus.c - Spamhaus DROP / EDROP in both published forms: the text list
 * "1.10.16.0/20 ; SBL256894" with ';' comment lines, and the JSON lines form
 * {"cidr":"1.10.16.0/20","sblid":"SBL256894","rir":"apnic"} whose trailing
 * {"type":"metadata",...} record is skipped. The SBL id becomes the entry's
 * ref. ASN-DROP lines ("AS260 ; ...") are not addresses and count as bad.
 */
#include "intel/intel_int.h"
#include "util/err.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static int drop_line(struct intel_parse *p, char *line, size_t len)
{
	char *s = intel_trim(line), *semi, *ref = NULL;

	(void)len;
	if (*s == '\0' || *s == ';' || *s == '#') {
		p->skipped++;
		return 0;
	}
	semi = strchr(s, ';');
	if (semi) {
		*semi = '\0';
		ref = intel_trim(semi + 1);
		ref[strcspn(ref, " \t")] = '\0';
	}
	s = intel_trim(s);
	if ((s[0] == 'A' || s[0] == 'a') && (s[1] == 'S' || s[1] == 's')) {
		snprintf(p->msg, sizeof(p->msg), "an AS number (%.20s), not an address", s);
		return 1;
	}
	return intel_parse_add_text(p, s, strlen(s), -1, NULL, ref);
}

static int drop_json_line(struct intel_parse *p, char *line, size_t len)
{
	char *s = intel_trim(line);
	json_error_t jerr;
	json_t *o = NULL, *cidr, *sbl;
	int rc = 1;

	if (*s == '\0' || *s == '#' || *s == ';') {
		p->skipped++;
		return 0;
	}
	o = json_loadb(s, strlen(s), JSON_REJECT_DUPLICATES, &jerr);
	(void)len;
	if (!o || !json_is_object(o)) {
		snprintf(p->msg, sizeof(p->msg), "not a JSON object: %.80s", o ? "" : jerr.text);
		goto out;
	}
	if (json_object_get(o, "type") && !json_object_get(o, "cidr")) {
		p->skipped++; /* the metadata record */
		rc = 0;
		goto out;
	}
	cidr = json_object_get(o, "cidr");
	sbl = json_object_get(o, "sblid");
	if (!json_is_string(cidr)) {
		snprintf(p->msg, sizeof(p->msg), "no \"cidr\" string");
		goto out;
	}
	rc = intel_parse_add_text(p, json_string_value(cidr), strlen(json_string_value(cidr)), -1,
				  NULL, json_is_string(sbl) ? json_string_value(sbl) : NULL);
out:
	json_decref(o);
	return rc;
}

const struct intel_reader intel_reader_spamhaus = {
	.fmt = INTEL_FMT_SPAMHAUS,
	.name = "spamhaus",
	.default_kind = INTEL_BLOCKLIST,
	.line = drop_line,
};

const struct intel_reader intel_reader_spamhaus_json = {
	.fmt = INTEL_FMT_SPAMHAUS_JSON,
	.name = "spamhaus-json",
	.default_kind = INTEL_BLOCKLIST,
	.line = drop_json_line,
};
