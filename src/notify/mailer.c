/*
 * mailer.c - one mail from a template: render it with the data, take its
 * Subject: line, make sure a single-incident subject carries the tag
 * "[vigil #N]" (replies are matched by it), compose it signed and, where the
 * recipient has a usable key, encrypted, and give it a Message-Id of the
 * team's domain.
 */
#include "notify/notify_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

static int ensure_pgp(struct notify *n, char *err, size_t errlen)
{
	if (n->pgp)
		return 0;
	return pgp_open(n->c.gnupghome[0] ? n->c.gnupghome : NULL, &n->pgp, err, errlen);
}

static void message_id(struct notify *n, int64_t now, char *out, size_t len)
{
	const char *dom = strchr(n->c.from_addr, '@');
	unsigned char r[6] = { 0 };

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		memset(r, 0, sizeof(r));
	snprintf(out, len, "vigil.%lld.%ld.%llu.%02x%02x%02x%02x%02x%02x@%s", (long long)now,
		 (long)getpid(), (unsigned long long)++n->seq, r[0], r[1], r[2], r[3], r[4], r[5],
		 dom ? dom + 1 : "localhost");
}

int notify_compose(struct notify *n, const char *name, const struct notify_who *w,
		   const char *to, json_t *data, const char *kind, const char *incidents,
		   const struct mail_attach *att, const char *in_reply_to, int64_t now,
		   struct notify_mail *out, char *err, size_t errlen)
{
	const struct tmpl *t = tmplset_get(n->ts, w->language, name, err, errlen);
	struct mail_header hdr[3];
	struct mail_out m = { 0 };
	const char *encrypt_to[1];
	char fpr[64], subject[512], *body, *nl;
	struct buf b;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!t)
		return VIGIL_ENOTFOUND;
	buf_init(&b, NOTIFY_MAX_MAIL);
	if ((rc = tmpl_render(t, data, &b))) {
		snprintf(err, errlen, "%s: rendering failed: %s", tmpl_name(t), vigil_strerror(rc));
		buf_free(&b);
		return rc;
	}
	body = b.data ? b.data : "";
	if (strncmp(body, "Subject:", 8) || !(nl = strchr(body, '\n'))) {
		snprintf(err, errlen, "%s:1: a template starts with a \"Subject:\" line", tmpl_name(t));
		buf_free(&b);
		return VIGIL_ESYNTAX;
	}
	*nl = 0;
	snprintf(subject, sizeof(subject), "%s", body + 8 + strspn(body + 8, " \t"));
	if ((nl > body && nl[-1] == '\r'))
		nl[-1] = 0;
	for (char *p = subject; *p; p++)
		if (*p == '\r' || *p == '\n' || *p == '\t')
			*p = ' ';
	body = nl + 1;
	while (*body == '\n' || *body == '\r')
		body++;
	/* one incident: the tag must be in the subject */
	if (incidents && *incidents && !strchr(incidents, ',')) {
		char tag[40];

		snprintf(tag, sizeof(tag), "[vigil #%s]", incidents);
		if (!strstr(subject, tag)) {
			size_t l = strlen(subject);

			snprintf(subject + l, sizeof(subject) - l, " %s", tag);
		}
	}
	snprintf(out->m.subject, sizeof(out->m.subject), "%.255s", subject);
	snprintf(out->m.kind, sizeof(out->m.kind), "%s", kind);
	snprintf(out->m.recipients, sizeof(out->m.recipients), "%s", to ? to : w->to);
	snprintf(out->m.incidents, sizeof(out->m.incidents), "%s", incidents ? incidents : "");
	message_id(n, now, out->m.message_id, sizeof(out->m.message_id));
	out->m.created = now;
	out->m.next_try = now;

	hdr[0] = (struct mail_header){ "Auto-Submitted", "auto-generated" };
	hdr[1] = (struct mail_header){ "X-Vigil-Kind", kind };
	hdr[2] = (struct mail_header){ "X-Vigil-Incidents", incidents && *incidents ? incidents : "-" };
	m.from = n->c.from;
	m.to = out->m.recipients;
	m.reply_to = n->c.reply_to[0] ? n->c.reply_to : NULL;
	m.subject = subject;
	m.message_id = out->m.message_id;
	m.in_reply_to = in_reply_to && *in_reply_to ? in_reply_to : NULL;
	m.date_ms = now;
	m.language = w->language;
	m.body = body;
	m.att = att;
	m.natt = att ? 1 : 0;
	m.hdr = hdr;
	m.nhdr = 3;
	m.sign = n->c.sign;
	m.sign_key = n->c.sign_key[0] ? n->c.sign_key : NULL;
	if (n->c.encrypt != ENCRYPT_NEVER && w->pgp[0]) {
		char why[256] = "";

		if ((rc = ensure_pgp(n, why, sizeof(why))) == 0)
			rc = pgp_find_key(n->pgp, w->pgp, true, fpr, sizeof(fpr), why, sizeof(why));
		if (rc == 0) {
			encrypt_to[0] = fpr;
			m.encrypt_to = encrypt_to;
			m.nencrypt = 1;
		} else if (n->c.encrypt == ENCRYPT_ALWAYS) {
			snprintf(err, errlen, "%s: no usable key %s to encrypt to (encrypt = always): %s",
				 w->to, w->pgp, why);
			buf_free(&b);
			return VIGIL_ENOTFOUND;
		} else {
			log_warn("notify: %s: key %s not usable, sending unencrypted: %s", w->to, w->pgp,
				 why);
		}
	} else if (n->c.encrypt == ENCRYPT_ALWAYS) {
		snprintf(err, errlen, "%s: no PGP key in the sites table (encrypt = always)", w->to);
		buf_free(&b);
		return VIGIL_ENOTFOUND;
	}
	if (m.nencrypt) {
		/* what the subject says (the host, the kind) goes inside; the
		 * outside keeps the tag so a reply still finds its incident */
		char outer[128], *tag = strstr(subject, "[vigil #");
		size_t tl = tag ? strcspn(tag, "]") + 1 : 0;
		struct buf inner;

		buf_init(&inner, NOTIFY_MAX_MAIL + 1024);
		if (buf_printf(&inner, "Subject: %s\n\n%s", subject, body)) {
			buf_free(&inner);
			buf_free(&b);
			return VIGIL_ELIMIT;
		}
		if (tag)
			snprintf(outer, sizeof(outer), "%.*s Security incident report (encrypted)",
				 (int)(tl < 40 ? tl : 40), tag);
		else
			snprintf(outer, sizeof(outer), "Security report (encrypted)");
		buf_free(&b);
		b = inner;
		m.body = b.data;
		m.subject = outer;
		if ((rc = ensure_pgp(n, err, errlen))) {
			buf_free(&b);
			return rc;
		}
		rc = mail_compose(&m, n->pgp, &out->raw, &out->len, err, errlen);
		buf_free(&b);
		return rc;
	}
	if (m.sign && (rc = ensure_pgp(n, err, errlen))) {
		buf_free(&b);
		return rc;
	}
	rc = mail_compose(&m, n->pgp, &out->raw, &out->len, err, errlen);
	buf_free(&b);
	return rc;
}
