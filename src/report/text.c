/*
 * text.c - any other abuse mail, read as a person would skim it: every line
 * that names an address is looked at; a line that also carries a time (a log
 * excerpt: "2024-03-01 10:05:11 DROP TCP 10.10.5.66:51234 -> ...") is one
 * occurrence, with the port written beside the address ("ip:port") or named
 * ("port 22", "dpt=22"); an address that only appears in prose is one
 * occurrence without a time. The kind is guessed from the words of the mail
 * (subject and text). Everything here is a guess: confidence low.
 */
#include "report/report.h"
#include "report/report_int.h"
#include "util/err.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_PROSE 256 /* distinct addresses kept from lines without a time */

static const struct {
	const char *word, *type;
} words[] = {
	{ "copyright", "copyright" }, { "infring", "copyright" }, { "phish", "phishing" },
	{ "spam", "spam" },           { "ddos", "ddos" },          { "denial of service", "ddos" },
	{ "brute", "login-attack" },  { "login", "login-attack" }, { "ssh", "login-attack" },
	{ "password", "login-attack" }, { "scan", "scan" },        { "probing", "scan" },
	{ "malware", "bot" },         { "botnet", "bot" },         { "infected", "bot" },
	{ "compromised", "compromised" },
};

static void guess_type(const struct report_msg *m, const struct report_part *p, char *out, size_t n)
{
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if ((m->subject && rpt_ci_contains(m->subject, words[i].word)) ||
		    rpt_ci_contains(p->data, words[i].word)) {
			snprintf(out, n, "%s", words[i].type);
			return;
		}
	}
	snprintf(out, n, "report");
}

static bool noise(const struct vaddr *a)
{
	if (addr_is_zero(a))
		return true;
	if (addr_is_v4(a)) {
		uint32_t v = addr_v4(a);
		return (v >> 24) == 127 || (v >> 24) == 0 || v == 0xffffffffu || (v >> 28) == 14;
	}
	return a->b[0] == 0 && a->b[15] <= 1; /* ::, ::1 */
}

/* An address starting at s[i] (not inside a longer word or number). Writes
 * its end into *end. */
static bool addr_at(const char *s, size_t n, size_t i, struct vaddr *a, size_t *end)
{
	char buf[64];
	size_t j = i, dots = 0, colons = 0;

	if (i > 0 && (isalnum((unsigned char)s[i - 1]) || s[i - 1] == '.' || s[i - 1] == ':' ||
		      s[i - 1] == '-' || s[i - 1] == '_'))
		return false;
	while (j < n && j - i < sizeof(buf) - 1 &&
	       (isxdigit((unsigned char)s[j]) || s[j] == '.' || s[j] == ':')) {
		dots += s[j] == '.';
		colons += s[j] == ':';
		j++;
	}
	if (j < n && (isalnum((unsigned char)s[j]) || s[j] == '_'))
		return false; /* part of a word: a version number, a hash */
	while (j > i && (s[j - 1] == '.' || s[j - 1] == ':')) /* sentence end */
		j--;
	if (dots == 3 || (dots >= 3 && colons == 1)) { /* IPv4, maybe with :port */
		size_t k = i;
		while (k < j && s[k] != ':')
			k++;
		memcpy(buf, s + i, k - i);
		buf[k - i] = '\0';
		if (addr_parse(buf, a))
			return false;
		*end = k;
		return true;
	}
	if (colons >= 2 && dots == 0) {
		memcpy(buf, s + i, j - i);
		buf[j - i] = '\0';
		if (addr_parse(buf, a))
			return false;
		*end = j;
		return true;
	}
	return false;
}

static int32_t port_after(const char *s, size_t n, size_t at)
{
	long v = 0;
	size_t j = at + 1, d = 0;

	if (at >= n || s[at] != ':')
		return -1;
	while (j < n && isdigit((unsigned char)s[j]) && d < 6) {
		v = v * 10 + (s[j] - '0');
		j++;
		d++;
	}
	return d && d <= 5 && v <= 65535 ? (int32_t)v : -1;
}

/* "port 22", "port: 22", "dpt=22", "DPT=22", "/22" after tcp: the first on the line. */
static int32_t port_named(const char *s, size_t n)
{
	static const char *const keys[] = { "port ", "port: ", "port=", "dpt=", "spt=" };

	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			size_t kl = strlen(keys[k]);
			if (n - i > kl && !strncasecmp(s + i, keys[k], kl) && isdigit((unsigned char)s[i + kl])) {
				long v = strtol(s + i + kl, NULL, 10);
				if (v >= 0 && v <= 65535)
					return (int32_t)v;
			}
		}
	}
	return -1;
}

/* A time on the line: the longest prefix starting at a digit or month name that parses. */
static bool time_on(const char *s, size_t n, int64_t *ms, char *orig, size_t olen)
{
	char buf[48];

	for (size_t i = 0; i < n; i++) {
		if (!(isdigit((unsigned char)s[i]) && i + 10 <= n && (s[i + 4] == '-' || s[i + 4] == '/')))
			continue;
		if (i > 0 && isalnum((unsigned char)s[i - 1]))
			continue;
		for (size_t len = n - i < sizeof(buf) - 1 ? n - i : sizeof(buf) - 1; len >= 10; len--) {
			memcpy(buf, s + i, len);
			buf[len] = '\0';
			if (report_time_parse(buf, ms) == 0) {
				rpt_copy_trim(orig, olen, buf, len);
				return true;
			}
		}
	}
	return false;
}

static int text_probe(const struct report_msg *m, const struct report_part *p)
{
	(void)m;
	return p->data && !strncmp(p->ctype, "text/", 5) ? 5 : 0;
}

static int text_parse(const struct report_msg *m, const struct report_part *p, report_emit_fn emit,
		      void (*bad)(void *ctx, const char *msg), void *ctx, char *err, size_t errlen)
{
	const char *s = p->data, *end = p->data + p->len;
	struct vaddr prose[MAX_PROSE], timed[MAX_PROSE];
	unsigned prose_line[MAX_PROSE];
	size_t nprose = 0, ntimed = 0;
	char type[24];
	unsigned line = 0;
	int emitted = 0, rc;

	(void)bad;
	guess_type(m, p, type, sizeof(type));
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = (size_t)((nl ? nl : end) - s), aend = 0;
		struct report_occ o;
		bool found = false;

		line++;
		if (n > 0 && s[0] == '>') { /* quoted text of an earlier mail */
			s = nl ? nl + 1 : end;
			continue;
		}
		report_occ_init(&o);
		for (size_t i = 0; i < n && !found; i++)
			if ((isxdigit((unsigned char)s[i]) || s[i] == ':') && addr_at(s, n, i, &o.ip, &aend) &&
			    !noise(&o.ip))
				found = true;
		if (found) {
			if (time_on(s, n, &o.time_ms, o.time_orig, sizeof(o.time_orig))) {
				o.port = port_after(s, n, aend);
				if (o.port < 0)
					o.port = port_named(s, n);
				o.proto = rpt_find(s, n, "TCP") || rpt_find(s, n, "tcp") ? 6
					: rpt_find(s, n, "UDP") || rpt_find(s, n, "udp") ? 17 : -1;
				rpt_cpy(o.type, sizeof(o.type), type);
				snprintf(o.format, sizeof(o.format), "text");
				o.confidence = REPORT_CONF_LOW;
				snprintf(o.source, sizeof(o.source), "part %u line %u", p->index, line);
				rpt_copy_trim(o.detail, sizeof(o.detail), s, n);
				if ((rc = emit(ctx, &o)))
					return rc;
				emitted++;
				if (ntimed < MAX_PROSE)
					timed[ntimed++] = o.ip;
			} else if (nprose < MAX_PROSE) {
				bool seen = false;
				for (size_t k = 0; k < nprose && !seen; k++)
					seen = addr_eq(&prose[k], &o.ip);
				if (!seen) {
					prose_line[nprose] = line;
					prose[nprose++] = o.ip;
				}
			}
		}
		s = nl ? nl + 1 : end;
	}
	for (size_t k = 0; k < nprose; k++) {
		struct report_occ o;
		bool seen = false;

		for (size_t t = 0; t < ntimed && !seen; t++)
			seen = addr_eq(&timed[t], &prose[k]);
		if (seen)
			continue;
		report_occ_init(&o);
		o.ip = prose[k];
		rpt_cpy(o.type, sizeof(o.type), type);
		snprintf(o.format, sizeof(o.format), "text");
		o.confidence = REPORT_CONF_LOW;
		snprintf(o.source, sizeof(o.source), "part %u line %u", p->index, prose_line[k]);
		snprintf(o.detail, sizeof(o.detail), "named in the text of \"%.200s\"", m->subject);
		if ((rc = emit(ctx, &o)))
			return rc;
		emitted++;
	}
	if (!emitted) {
		snprintf(err, errlen, "no IP address in the text");
		return 0;
	}
	return emitted;
}

const struct report_parser report_text = { "text", text_probe, text_parse };
