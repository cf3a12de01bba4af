/*
 * compose.c - outgoing mail (compose.h): the fields of a struct mail_out
 * checked, built into a GMimeMessage (a UTF-8 quoted-printable text part,
 * base64 attachments beside it in multipart/mixed), the body entity handed
 * to pgp.c to be signed or encrypted when asked, and the whole serialised
 * with CRLF line ends. Addresses are read by a strict parser of our own:
 * gmime's is lenient ("a@b@c" becomes "a@b"), which suits intake but not
 * deciding where a notification goes.
 */
#include "notify/compose.h"
#include "notify/pgp_mime.h"
#include "util/err.h"

#include <gmime/gmime.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ADDR_MAX 254                /* an RFC 5321 path */
#define DNAME_MAX 256               /* a display name as written */
#define LIST_MAX 1000               /* addresses in one header */
#define COMPOSE_MAX_RAW (32u << 20) /* body and attachments, before encoding */

static pthread_once_t gmime_once = PTHREAD_ONCE_INIT;

static void gmime_start(void)
{
	g_mime_init();
}

struct addr_ent {
	char name[DNAME_MAX]; /* as written, quotes removed; may hold RFC 2047 words */
	char addr[ADDR_MAX + 1];
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool atext(unsigned char c)
{
	return is_alnum(c) || (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

/* local@domain: a dot-atom local part and a domain of dot-separated labels
 * of letters, digits and hyphens, or an [address literal]. */
static bool addr_ok(const char *a)
{
	size_t n = strlen(a), at = n, i, dn;
	const char *d;

	for (i = 0; i < n; i++)
		if (a[i] == '@') {
			if (at != n)
				return false;
			at = i;
		}
	if (at == n || at == 0 || at + 1 >= n)
		return false;
	for (i = 0; i < at; i++)
		if (a[i] == '.' ? i == 0 || i + 1 == at || a[i - 1] == '.' : !atext((unsigned char)a[i]))
			return false;
	d = a + at + 1;
	dn = n - at - 1;
	if (d[0] == '[') {
		if (dn < 3 || d[dn - 1] != ']')
			return false;
		for (i = 1; i + 1 < dn; i++)
			if (d[i] <= ' ' || d[i] >= 127 || strchr("[]\\", d[i]))
				return false;
		return true;
	}
	for (i = 0; i < dn; i++)
		if (d[i] == '.' ? i == 0 || i + 1 == dn || d[i - 1] == '.'
				: !is_alnum((unsigned char)d[i]) && d[i] != '-')
			return false;
	return true;
}

static void trim(char *s)
{
	size_t n = strlen(s), i = 0;

	while (n && is_space(s[n - 1]))
		s[--n] = '\0';
	while (s[i] && is_space(s[i]))
		i++;
	memmove(s, s + i, n - i + 1);
}

/* The entry of a comma-separated list at *sp ("Name <a@b>", "\"Doe, J\"
 * <a@b>", "a@b (comment)"), up to the next comma outside quotes, angle
 * brackets and comments; *sp moves past that comma. Returns 1, 0 for an
 * empty entry, VIGIL_EFORMAT (groups and quoted local parts included). */
static int next_entry(const char **sp, struct addr_ent *e)
{
	const char *s = *sp;
	size_t nn = 0, an = 0;
	bool angle = false, closed = false, quoted = false;
	int depth = 0;

	for (; *s; s++) {
		char c = *s;

		if (depth) {
			if (c == '\\' && s[1])
				s++;
			else if (c == '(')
				depth++;
			else if (c == ')')
				depth--;
			continue;
		}
		if (c == '(') {
			depth = 1;
			continue;
		}
		if (c == ',' && !angle)
			break;
		if (closed) {
			if (!is_space(c))
				return VIGIL_EFORMAT;
			continue;
		}
		if (angle) {
			if (c == '>')
				angle = false, closed = true;
			else if (is_space(c) || an == ADDR_MAX)
				return VIGIL_EFORMAT;
			else
				e->addr[an++] = c;
			continue;
		}
		if (c == '<') {
			angle = true;
			continue;
		}
		if (c == '>' || c == ':' || c == ';' || ((unsigned char)c < ' ' && !is_space(c)))
			return VIGIL_EFORMAT;
		if (c == '"') {
			quoted = true;
			for (s++; *s != '"'; s++) {
				if (*s == '\\' && s[1])
					s++;
				if (!*s || nn + 1 >= DNAME_MAX || ((unsigned char)*s < ' ' && *s != '\t'))
					return VIGIL_EFORMAT;
				e->name[nn++] = *s;
			}
			continue;
		}
		if (nn + 1 >= DNAME_MAX)
			return VIGIL_EFORMAT;
		e->name[nn++] = is_space(c) ? ' ' : c;
	}
	if (depth || angle)
		return VIGIL_EFORMAT;
	*sp = *s ? s + 1 : s;
	e->name[nn] = '\0';
	e->addr[an] = '\0';
	trim(e->name);
	if (!closed) {
		/* a bare address: what was read as a name is the address */
		if (!e->name[0])
			return quoted ? VIGIL_EFORMAT : 0;
		if (quoted || strlen(e->name) > ADDR_MAX)
			return VIGIL_EFORMAT;
		memcpy(e->addr, e->name, strlen(e->name) + 1);
		e->name[0] = '\0';
	}
	return addr_ok(e->addr) ? 1 : VIGIL_EFORMAT;
}

int mail_addresses(const char *list, char *buf, size_t buflen, const char **v, size_t max)
{
	struct addr_ent e;
	size_t used = 0, n = 0, len;
	int rc;

	for (const char *s = list ? list : ""; *s;) {
		if ((rc = next_entry(&s, &e)) < 0)
			return rc;
		if (rc == 0)
			continue;
		len = strlen(e.addr);
		if (n >= max || n >= LIST_MAX || buflen - used < len + 1)
			return VIGIL_ELIMIT;
		memcpy(buf + used, e.addr, len + 1);
		v[n++] = buf + used;
		used += len + 1;
	}
	return (int)n;
}

/* Header text: valid UTF-8 without control characters (tab allowed). */
static bool text_ok(const char *s)
{
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		if ((*c < ' ' && *c != '\t') || *c == 127)
			return false;
	return g_utf8_validate(s, -1, NULL);
}

/* A message id without its <>: printable ASCII, no blank or brackets. */
static bool id_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 250)
		return false;
	for (; *s; s++)
		if (*s <= ' ' || *s >= 127 || *s == '<' || *s == '>')
			return false;
	return true;
}

static bool lang_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64)
		return false;
	for (; *s; s++)
		if (!is_alnum((unsigned char)*s) && !strchr("-, ", *s))
			return false;
	return true;
}

/* An extra header's name: ftext, and none of those compose sets itself. */
static bool hname_ok(const char *s)
{
	static const char *const own[] = {"From", "To", "Cc", "Bcc", "Reply-To", "Subject", "Date",
					  "Message-Id", "In-Reply-To", "References",
					  "MIME-Version", "Sender"};
	size_t n = strlen(s);

	if (n == 0 || n > 76 || !strncasecmp(s, "Content-", 8))
		return false;
	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (!strcasecmp(s, own[i]))
			return false;
	for (; *s; s++)
		if (*s <= ' ' || *s >= 127 || *s == ':')
			return false;
	return true;
}

/* Append the addresses of list to l; need: at least one. */
static int add_list(InternetAddressList *l, const char *field, const char *list, bool need,
		    char *err, size_t errlen)
{
	struct addr_ent e;
	int rc, n = 0;

	for (const char *s = list; *s;) {
		InternetAddress *ia;
		char *name;

		if ((rc = next_entry(&s, &e)) < 0) {
			snprintf(err, errlen, "%s: \"%.80s\" is not a list of mail addresses", field, list);
			return VIGIL_EINVAL;
		}
		if (rc == 0)
			continue;
		if (++n > LIST_MAX) {
			snprintf(err, errlen, "%s: more than %d addresses", field, LIST_MAX);
			return VIGIL_ELIMIT;
		}
		name = strstr(e.name, "=?") ? g_mime_utils_header_decode_phrase(NULL, e.name)
					    : g_strdup(e.name);
		if (!text_ok(name)) {
			g_free(name);
			snprintf(err, errlen, "%s: the name of <%s> is not UTF-8 text", field, e.addr);
			return VIGIL_EINVAL;
		}
		ia = internet_address_mailbox_new(name, e.addr);
		internet_address_list_add(l, ia);
		g_object_unref(ia);
		g_free(name);
	}
	if (need && n == 0) {
		snprintf(err, errlen, "%s: no address", field);
		return VIGIL_EINVAL;
	}
	return 0;
}

static int check(const struct mail_out *m, struct pgp *p, char *err, size_t errlen)
{
	size_t raw;

	if (!m->from || !m->to || !m->subject || !m->message_id || !m->body) {
		snprintf(err, errlen, "the mail has no %s", !m->from ? "From" : !m->to ? "To"
				  : !m->subject ? "Subject" : !m->message_id ? "Message-Id" : "body");
		return VIGIL_EINVAL;
	}
	if (!text_ok(m->subject)) {
		snprintf(err, errlen, "the subject is not UTF-8 text on one line");
		return VIGIL_EINVAL;
	}
	if (!id_ok(m->message_id) || (m->in_reply_to && !id_ok(m->in_reply_to))) {
		snprintf(err, errlen, "\"%.80s\" is not a message id (printable, no blank or <>)",
			 id_ok(m->message_id) ? m->in_reply_to : m->message_id);
		return VIGIL_EINVAL;
	}
	if (m->language && !lang_ok(m->language)) {
		snprintf(err, errlen, "\"%.40s\" is not a language tag", m->language);
		return VIGIL_EINVAL;
	}
	if (!g_utf8_validate(m->body, -1, NULL)) {
		snprintf(err, errlen, "the body is not UTF-8");
		return VIGIL_EINVAL;
	}
	for (size_t i = 0; i < m->nhdr; i++)
		if (!m->hdr[i].name || !hname_ok(m->hdr[i].name) || !m->hdr[i].value ||
		    !text_ok(m->hdr[i].value)) {
			snprintf(err, errlen, "extra header \"%.40s\" is not allowed or not one line of text",
				 m->hdr[i].name ? m->hdr[i].name : "");
			return VIGIL_EINVAL;
		}
	if ((raw = strlen(m->body)) > COMPOSE_MAX_RAW) {
		snprintf(err, errlen, "the body is over %u bytes", COMPOSE_MAX_RAW);
		return VIGIL_ELIMIT;
	}
	for (size_t i = 0; i < m->natt; i++) {
		const struct mail_attach *a = &m->att[i];

		if ((a->len && !a->data) || (a->filename && (!text_ok(a->filename) ||
		    strpbrk(a->filename, "/\\"))) || (a->content_type && !text_ok(a->content_type))) {
			snprintf(err, errlen, "attachment %zu has no data, or a bad name or type", i + 1);
			return VIGIL_EINVAL;
		}
		if (a->len > COMPOSE_MAX_RAW - raw) {
			snprintf(err, errlen, "the body and attachments are over %u bytes", COMPOSE_MAX_RAW);
			return VIGIL_ELIMIT;
		}
		raw += a->len;
	}
	if ((m->sign || m->nencrypt) && !p) {
		snprintf(err, errlen, "signing or encrypting needs a keyring (pgp_open)");
		return VIGIL_EINVAL;
	}
	return 0;
}

static int headers(GMimeMessage *msg, const struct mail_out *m, char *err, size_t errlen)
{
	GMimeObject *obj = GMIME_OBJECT(msg);
	InternetAddressList *from = g_mime_message_get_addresses(msg, GMIME_ADDRESS_TYPE_FROM);
	GDateTime *dt;
	char id[256];
	int rc;

	if ((rc = add_list(from, "From", m->from, true, err, errlen)))
		return rc;
	if (internet_address_list_length(from) != 1) {
		snprintf(err, errlen, "From: one address, not %d", internet_address_list_length(from));
		return VIGIL_EINVAL;
	}
	if ((rc = add_list(g_mime_message_get_addresses(msg, GMIME_ADDRESS_TYPE_TO), "To", m->to,
			   true, err, errlen)) ||
	    (m->cc && (rc = add_list(g_mime_message_get_addresses(msg, GMIME_ADDRESS_TYPE_CC), "Cc",
				     m->cc, false, err, errlen))) ||
	    (m->reply_to && (rc = add_list(g_mime_message_get_addresses(msg,
					   GMIME_ADDRESS_TYPE_REPLY_TO), "Reply-To", m->reply_to,
					   false, err, errlen))))
		return rc;
	g_mime_message_set_subject(msg, m->subject, "utf-8");
	if (!(dt = g_date_time_new_from_unix_utc(m->date_ms / 1000))) {
		snprintf(err, errlen, "the date %lld ms is out of range", (long long)m->date_ms);
		return VIGIL_EINVAL;
	}
	g_mime_message_set_date(msg, dt);
	g_date_time_unref(dt);
	g_mime_message_set_message_id(msg, m->message_id);
	if (m->in_reply_to) {
		snprintf(id, sizeof(id), "<%s>", m->in_reply_to);
		g_mime_object_set_header(obj, "In-Reply-To", id, NULL);
		g_mime_object_set_header(obj, "References", id, NULL);
	}
	for (size_t i = 0; i < m->nhdr; i++)
		g_mime_object_append_header(obj, m->hdr[i].name, m->hdr[i].value, "utf-8");
	return 0;
}

/* The text part: LF line ends (CRLF on output), a final newline, encoded
 * quoted-printable here with "From " at a line start armored (=46rom) so
 * no mbox on the way alters a signed body. */
static GMimeObject *text_part(const char *body, const char *lang)
{
	GMimeTextPart *tp = g_mime_text_part_new_with_subtype("plain");
	GMimeObject *obj = GMIME_OBJECT(tp);
	GMimeStream *mem = g_mime_stream_mem_new(), *fs = g_mime_stream_filter_new(mem);
	GMimeFilter *f[3] = {g_mime_filter_dos2unix_new(TRUE),
			     g_mime_filter_basic_new(GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE, TRUE),
			     g_mime_filter_from_new(GMIME_FILTER_FROM_MODE_ARMOR)};
	GMimeDataWrapper *dw;

	for (int i = 0; i < 3; i++) {
		g_mime_stream_filter_add(GMIME_STREAM_FILTER(fs), f[i]);
		g_object_unref(f[i]);
	}
	g_mime_stream_write(fs, body, strlen(body));
	g_mime_stream_flush(fs);
	g_object_unref(fs);
	g_mime_stream_reset(mem);
	dw = g_mime_data_wrapper_new_with_stream(mem, GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	g_mime_part_set_content(GMIME_PART(tp), dw);
	g_object_unref(dw);
	g_object_unref(mem);
	g_mime_part_set_content_encoding(GMIME_PART(tp), GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	g_mime_object_set_content_type_parameter(obj, "charset", "utf-8");
	if (lang)
		g_mime_object_set_header(obj, "Content-Language", lang, NULL);
	return obj;
}

static GMimeObject *attach_part(const struct mail_attach *a)
{
	GMimePart *part = g_mime_part_new();
	GMimeStream *mem = a->len ? g_mime_stream_mem_new_with_buffer(a->data, a->len)
				  : g_mime_stream_mem_new();
	GMimeDataWrapper *dw = g_mime_data_wrapper_new_with_stream(mem, GMIME_CONTENT_ENCODING_DEFAULT);

	if (a->content_type) {
		GMimeContentType *ct = g_mime_content_type_parse(NULL, a->content_type);

		if (ct) {
			g_mime_object_set_content_type(GMIME_OBJECT(part), ct);
			g_object_unref(ct);
		}
	}
	g_mime_part_set_content(part, dw);
	g_object_unref(dw);
	g_object_unref(mem);
	g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_BASE64);
	g_mime_part_set_filename(part, a->filename && *a->filename ? a->filename : "attachment");
	return GMIME_OBJECT(part);
}

static GMimeObject *body_entity(const struct mail_out *m)
{
	GMimeObject *text = text_part(m->body, m->language);
	GMimeMultipart *mixed;

	if (m->natt == 0)
		return text;
	mixed = g_mime_multipart_new_with_subtype("mixed");
	g_mime_multipart_set_boundary(mixed, NULL); /* a random one */
	g_mime_multipart_add(mixed, text);
	g_object_unref(text);
	for (size_t i = 0; i < m->natt; i++) {
		GMimeObject *a = attach_part(&m->att[i]);

		g_mime_multipart_add(mixed, a);
		g_object_unref(a);
	}
	return GMIME_OBJECT(mixed);
}

int mail_compose(const struct mail_out *m, struct pgp *p, char **out, size_t *len, char *err,
		 size_t errlen)
{
	GMimeMessage *msg = NULL;
	GMimeObject *body = NULL, *wrap = NULL;
	GMimeFormatOptions *fo = NULL;
	GMimeStream *mem = NULL;
	GByteArray *ba;
	int rc;

	*out = NULL;
	*len = 0;
	if ((rc = check(m, p, err, errlen)))
		return rc;
	pthread_once(&gmime_once, gmime_start);
	msg = g_mime_message_new(TRUE);
	if ((rc = headers(msg, m, err, errlen)))
		goto out;
	body = body_entity(m);
	fo = g_mime_format_options_new();
	g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_DOS);
	if (m->nencrypt)
		rc = pgp_mime_encrypt(p, m->sign_key, m->encrypt_to, m->nencrypt, body, fo, &wrap,
				      err, errlen);
	else if (m->sign)
		rc = pgp_mime_sign(p, m->sign_key, body, fo, &wrap, err, errlen);
	if (rc)
		goto out;
	g_mime_message_set_mime_part(msg, wrap ? wrap : body);
	mem = g_mime_stream_mem_new();
	if (g_mime_object_write_to_stream(GMIME_OBJECT(msg), fo, mem) < 0) {
		snprintf(err, errlen, "the mail could not be serialised");
		rc = VIGIL_EIO;
		goto out;
	}
	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	if (!(*out = malloc(ba->len + 1))) {
		rc = VIGIL_ENOMEM;
		goto out;
	}
	memcpy(*out, ba->data, ba->len);
	(*out)[ba->len] = '\0';
	*len = ba->len;
out:
	if (mem)
		g_object_unref(mem);
	if (fo)
		g_mime_format_options_free(fo);
	if (wrap)
		g_object_unref(wrap);
	if (body)
		g_object_unref(body);
	g_object_unref(msg);
	return rc;
}
