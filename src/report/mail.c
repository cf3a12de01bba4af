/*
 * mail.c - one RFC 5322 message decoded with gmime 3 into the flat list of
 * parts the report parsers read (report.h): the MIME tree walked in order,
 * forwarded messages (message/rfc822) entered, each leaf's transfer encoding
 * undone, text parts converted from their charset to valid UTF-8, and the
 * headers a CSIRT files by (Message-Id, From, Subject, Date, In-Reply-To,
 * X-XARF). Caps from report.h bound the parts and their bytes.
 */
#include "report/report.h"
#include "util/err.h"

#include <gmime/gmime.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct report_mail {
	struct report_msg msg;
	struct report_part parts[REPORT_MAX_PARTS];
	size_t nparts;
	char *strs[8]; /* the header strings msg points to */
	char *err;     /* while walking: first cap hit */
};

static pthread_once_t gmime_once = PTHREAD_ONCE_INIT;

static void gmime_start(void)
{
	g_mime_init();
}

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

/* The decoded bytes of a leaf part; text is converted to valid UTF-8. */
static int leaf(struct report_mail *rm, GMimePart *part, unsigned parent)
{
	GMimeObject *obj = GMIME_OBJECT(part);
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	GMimeDataWrapper *dw = g_mime_part_get_content(part);
	GMimeStream *mem, *filt = NULL;
	GByteArray *ba;
	struct report_part *p;
	char *type, *data;
	const char *charset, *fname;
	size_t len;
	bool text;

	if (rm->nparts >= REPORT_MAX_PARTS) {
		if (!rm->err)
			rm->err = strdup("more MIME parts than the limit");
		return VIGIL_ELIMIT;
	}
	type = ct ? g_mime_content_type_get_mime_type(ct) : g_strdup("text/plain");
	for (char *c = type; *c; c++)
		*c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
	text = !strncmp(type, "text/", 5);
	charset = ct ? g_mime_content_type_get_parameter(ct, "charset") : NULL;
	mem = g_mime_stream_mem_new();
	if (dw) {
		if (text && charset && g_ascii_strcasecmp(charset, "utf-8") &&
		    g_ascii_strcasecmp(charset, "us-ascii")) {
			GMimeFilter *f = g_mime_filter_charset_new(charset, "UTF-8");
			if (f) {
				filt = g_mime_stream_filter_new(mem);
				g_mime_stream_filter_add(GMIME_STREAM_FILTER(filt), f);
				g_object_unref(f);
			}
		}
		g_mime_data_wrapper_write_to_stream(dw, filt ? filt : mem);
		if (filt) {
			g_mime_stream_flush(filt);
			g_object_unref(filt);
		}
	}
	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	len = ba ? ba->len : 0;
	if (len > REPORT_MAX_PART) {
		if (!rm->err)
			rm->err = strdup("a MIME part is larger than the limit");
		g_object_unref(mem);
		g_free(type);
		return VIGIL_ELIMIT;
	}
	if (text && len && !g_utf8_validate((const char *)ba->data, (gssize)len, NULL)) {
		gchar *v = g_utf8_make_valid((const char *)ba->data, (gssize)len);
		len = strlen(v);
		data = malloc(len + 1);
		if (data)
			memcpy(data, v, len + 1);
		g_free(v);
	} else {
		data = malloc(len + 1);
		if (data) {
			if (len)
				memcpy(data, ba->data, len);
			data[len] = '\0';
		}
	}
	g_object_unref(mem);
	fname = g_mime_part_get_filename(part);
	p = &rm->parts[rm->nparts];
	p->index = (unsigned)rm->nparts + 1;
	p->parent = parent;
	p->ctype = strdup(type);
	p->filename = dup_or_empty(fname);
	p->data = data;
	p->len = len;
	g_free(type);
	rm->nparts++;
	if (!data || !p->ctype || !p->filename)
		return VIGIL_ENOMEM;
	return 0;
}

static int walk(struct report_mail *rm, GMimeObject *obj, int depth)
{
	if (!obj)
		return 0;
	if (depth > 32) {
		if (!rm->err)
			rm->err = strdup("MIME parts nested deeper than 32");
		return VIGIL_ELIMIT;
	}
	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);
		int n = g_mime_multipart_get_count(mp), rc;

		for (int i = 0; i < n; i++)
			if ((rc = walk(rm, g_mime_multipart_get_part(mp, i), depth + 1)))
				return rc;
		return 0;
	}
	if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));

		return inner ? walk(rm, g_mime_message_get_mime_part(inner), depth + 1) : 0;
	}
	if (GMIME_IS_PART(obj))
		return leaf(rm, GMIME_PART(obj), 0);
	return 0;
}

static bool has_headers(GMimeObject *obj)
{
	GMimeHeaderList *h = g_mime_object_get_header_list(obj);

	return h && g_mime_header_list_get_count(h) > 0;
}

/* A bare IODEF document (a peer team's export saved as a file, or piped in)
 * is read as a mail of one application/xml part: the same parsers, the
 * same document keeping, the same duplicate checks. */
static bool bare_iodef(const char *s, size_t len)
{
	size_t i = 0;

	if (len >= 3 && !memcmp(s, "\xef\xbb\xbf", 3))
		i = 3;
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
		i++;
	if (i >= len || s[i] != '<')
		return false;
	for (size_t j = i; j + 14 <= len && j < i + 4096; j++)
		if (!memcmp(s + j, "IODEF-Document", 14))
			return true;
	return false;
}

static int mail_parse(const void *raw, size_t len, struct report_mail **out, char *err,
		      size_t errlen);

int report_mail_parse(const void *raw, size_t len, struct report_mail **out, char *err,
		      size_t errlen)
{
	static const char head[] = "From: <iodef@localhost>\r\nSubject: IODEF document\r\n"
				   "MIME-Version: 1.0\r\nContent-Type: application/xml; charset=utf-8\r\n"
				   "Content-Transfer-Encoding: 8bit\r\n\r\n";
	char *w;
	int rc;

	if (len > REPORT_MAX_MAIL || !bare_iodef(raw, len))
		return mail_parse(raw, len, out, err, errlen);
	if (!(w = malloc(sizeof(head) - 1 + len)))
		return VIGIL_ENOMEM;
	memcpy(w, head, sizeof(head) - 1);
	memcpy(w + sizeof(head) - 1, raw, len);
	rc = mail_parse(w, sizeof(head) - 1 + len, out, err, errlen);
	free(w);
	return rc;
}

static int mail_parse(const void *raw, size_t len, struct report_mail **out, char *err,
		      size_t errlen)
{
	struct report_mail *rm;
	GMimeStream *st;
	GMimeParser *parser;
	GMimeMessage *msg;
	GMimeObject *obj;
	InternetAddressList *from;
	GDateTime *date;
	const char *mid, *subj, *dh, *irt, *xarf, *addr = "", *name = "";
	int rc;

	*out = NULL;
	if (len > REPORT_MAX_MAIL) {
		snprintf(err, errlen, "the mail is %zu bytes, over the limit of %u", len, REPORT_MAX_MAIL);
		return VIGIL_ELIMIT;
	}
	if (len == 0 || memchr(raw, ':', len < 1000 ? len : 1000) == NULL) {
		snprintf(err, errlen, "no mail header (\"Name: value\") in the first lines");
		return VIGIL_EFORMAT;
	}
	pthread_once(&gmime_once, gmime_start);
	if (!(rm = calloc(1, sizeof(*rm))))
		return VIGIL_ENOMEM;
	st = g_mime_stream_mem_new_with_buffer(raw, len);
	parser = g_mime_parser_new_with_stream(st);
	msg = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	g_object_unref(st);
	if (!msg || !has_headers(GMIME_OBJECT(msg))) {
		snprintf(err, errlen, "not a mail: no header block could be read");
		if (msg)
			g_object_unref(msg);
		free(rm);
		return VIGIL_EFORMAT;
	}
	obj = GMIME_OBJECT(msg);
	mid = g_mime_message_get_message_id(msg);
	subj = g_mime_message_get_subject(msg);
	dh = g_mime_object_get_header(obj, "Date");
	irt = g_mime_object_get_header(obj, "In-Reply-To");
	xarf = g_mime_object_get_header(obj, "X-XARF");
	if (!xarf)
		xarf = g_mime_object_get_header(obj, "X-ARF");
	if ((from = g_mime_message_get_from(msg)) && internet_address_list_length(from) > 0) {
		InternetAddress *ia = internet_address_list_get_address(from, 0);

		if (INTERNET_ADDRESS_IS_MAILBOX(ia))
			addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
		name = internet_address_get_name(ia);
	}
	rm->strs[0] = dup_or_empty(mid);
	rm->strs[1] = dup_or_empty(addr);
	rm->strs[2] = dup_or_empty(name);
	rm->strs[3] = dup_or_empty(subj);
	rm->strs[4] = dup_or_empty(dh);
	rm->strs[5] = dup_or_empty(irt);
	rm->strs[6] = dup_or_empty(xarf);
	for (int i = 0; i < 7; i++)
		if (!rm->strs[i]) {
			g_object_unref(msg);
			report_mail_free(rm);
			return VIGIL_ENOMEM;
		}
	/* strip a trailing blank and a leading one from header values */
	for (int i = 0; i < 7; i++) {
		char *s = rm->strs[i];
		size_t n = strlen(s);
		while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
			s[--n] = '\0';
		if (*s == ' ')
			memmove(s, s + 1, n);
	}
	rm->msg.message_id = rm->strs[0];
	rm->msg.from = rm->strs[1];
	rm->msg.from_name = rm->strs[2];
	rm->msg.subject = rm->strs[3];
	rm->msg.date = rm->strs[4];
	rm->msg.in_reply_to = rm->strs[5];
	rm->msg.x_arf = rm->strs[6];
	if (rm->strs[4][0] && report_time_parse(rm->strs[4], &rm->msg.date_ms) != 0) {
		if ((date = g_mime_message_get_date(msg)))
			rm->msg.date_ms = (int64_t)g_date_time_to_unix(date) * 1000;
		else
			rm->msg.date_ms = 0;
	}
	rc = walk(rm, g_mime_message_get_mime_part(msg), 0);
	g_object_unref(msg);
	if (rc) {
		snprintf(err, errlen, "%s", rm->err ? rm->err : vigil_strerror(rc));
		report_mail_free(rm);
		return rc;
	}
	rm->msg.parts = rm->parts;
	rm->msg.nparts = rm->nparts;
	if (!rm->msg.from[0] && !rm->msg.subject[0] && !rm->msg.message_id[0] && !rm->msg.date[0]) {
		snprintf(err, errlen, "not a mail: no From, Subject, Message-Id or Date header");
		report_mail_free(rm);
		return VIGIL_EFORMAT;
	}
	*out = rm;
	return 0;
}

const struct report_msg *report_mail_msg(const struct report_mail *m)
{
	return &m->msg;
}

void report_mail_free(struct report_mail *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nparts; i++) {
		free((char *)m->parts[i].ctype);
		free((char *)m->parts[i].filename);
		free((char *)m->parts[i].data);
	}
	for (size_t i = 0; i < sizeof(m->strs) / sizeof(m->strs[0]); i++)
		free(m->strs[i]);
	free(m->err);
	free(m);
}
