/*
 * test_compose.c - outgoing mail read back with gmime (headers, RFC 2047,
 * CRLF, quoted-printable UTF-8, attachments), address lists, and PGP/MIME
 * checked with the gpg binary over a throwaway keyring: the signature
 * verified over the first part cut from the raw bytes, the encrypted body
 * decrypted, unusable keys refused with their reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <gmime/gmime.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "notify/compose.h"
#include "util/err.h"

static const char WELSH[] = "Rhybudd diogelwch: ŵ ŷ\n\n"
			    "Mae'r cyfeiriad 192.0.2.7 wedi anfon sbam am 12:00 UTC.\n"
			    "From our logs, the host below is infected.\n"
			    ".a line that starts with a dot\n"
			    "A long line that has to be folded by quoted-printable because it goes "
			    "well past seventy-six characters: ŵŵŵŵŵŵŵŵŵŵ\n";
static const char SUBJECT[] = "Rhybudd diogelwch: ŵ ŷ";

/* call returns 0; its err is printed when it does not. */
#define OK(call)                                          \
	do {                                              \
		int rc_ = (call);                         \
		if (rc_)                                  \
			print_error("%d: %s\n", rc_, err); \
		assert_int_equal(rc_, 0);                 \
	} while (0)

static void base(struct mail_out *m)
{
	memset(m, 0, sizeof(*m));
	m->from = "CSIRT Cymru <csirt@example.net>";
	m->to = "\"Site, Abuse\" <abuse@site.example>, noc@site.example";
	m->subject = SUBJECT;
	m->message_id = "n-42.1700000000@csirt.example.net";
	m->date_ms = 1700000000123LL;
	m->body = WELSH;
}

/* Where needle starts in hay[0..hl), or NULL. */
static const char *find(const char *hay, size_t hl, const char *needle)
{
	size_t nl = strlen(needle);

	for (size_t i = 0; nl <= hl && i <= hl - nl; i++)
		if (!memcmp(hay + i, needle, nl))
			return hay + i;
	return NULL;
}

/* Every line ends in CRLF, every byte is 7-bit. */
static void assert_wire(const char *raw, size_t len)
{
	assert_true(len > 2);
	assert_memory_equal(raw + len - 2, "\r\n", 2);
	for (size_t i = 0; i < len; i++) {
		assert_true((unsigned char)raw[i] < 128);
		if (raw[i] == '\n')
			assert_true(i > 0 && raw[i - 1] == '\r');
		if (raw[i] == '\r')
			assert_true(i + 1 < len && raw[i + 1] == '\n');
	}
}

static GMimeMessage *parse(const char *raw, size_t len)
{
	GMimeStream *st = g_mime_stream_mem_new_with_buffer(raw, len);
	GMimeParser *p = g_mime_parser_new_with_stream(st);
	GMimeMessage *msg = g_mime_parser_construct_message(p, NULL);

	g_object_unref(p);
	g_object_unref(st);
	assert_non_null(msg);
	return msg;
}

/* The decoded content of a leaf; text with LF line ends (g_free). */
static char *content(GMimeObject *o, size_t *len, bool text)
{
	GMimeStream *mem = g_mime_stream_mem_new(), *fs = g_mime_stream_filter_new(mem);
	GByteArray *ba;
	char *s;

	assert_true(GMIME_IS_PART(o));
	if (text) {
		GMimeFilter *f = g_mime_filter_dos2unix_new(FALSE);

		g_mime_stream_filter_add(GMIME_STREAM_FILTER(fs), f);
		g_object_unref(f);
	}
	g_mime_data_wrapper_write_to_stream(g_mime_part_get_content(GMIME_PART(o)), fs);
	g_mime_stream_flush(fs);
	g_object_unref(fs);
	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	s = g_malloc(ba->len + 1);
	memcpy(s, ba->data, ba->len);
	s[ba->len] = '\0';
	*len = ba->len;
	g_object_unref(mem);
	return s;
}

static void assert_type(GMimeObject *o, const char *type)
{
	char *t = g_mime_content_type_get_mime_type(g_mime_object_get_content_type(o));

	assert_string_equal(t, type);
	g_free(t);
}

static void assert_addr(InternetAddressList *l, int i, const char *name, const char *addr)
{
	InternetAddress *ia = internet_address_list_get_address(l, i);

	assert_non_null(ia);
	assert_string_equal(internet_address_get_name(ia) ? internet_address_get_name(ia) : "",
			    name);
	assert_string_equal(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia)), addr);
}

static void test_plain(void **state)
{
	struct mail_header hdr[] = {{"X-Vigil-Incident", "INC-2023-0042"},
				    {"Auto-Submitted", "auto-generated"}};
	struct mail_out m;
	GMimeMessage *msg;
	GMimeObject *part;
	GDateTime *dt;
	char *raw, *text, err[256];
	size_t len, tlen;

	(void)state;
	base(&m);
	m.cc = "desk@csirt.example.net";
	m.reply_to = "CSIRT desk <desk@csirt.example.net>";
	m.in_reply_to = "orig.1@site.example";
	m.language = "cy";
	m.hdr = hdr;
	m.nhdr = 2;
	OK(mail_compose(&m, NULL, &raw, &len, err, sizeof(err)));
	assert_int_equal(strlen(raw), len);
	assert_wire(raw, len);
	/* the subject went out as RFC 2047, the body as quoted-printable */
	assert_non_null(find(raw, len, "Subject: Rhybudd diogelwch: =?"));
	assert_non_null(find(raw, len, "Content-Transfer-Encoding: quoted-printable\r\n"));
	assert_non_null(find(raw, len, "=C5=B5"));        /* ŵ */
	assert_non_null(find(raw, len, "\r\n=46rom our logs")); /* armored for mbox */
	assert_non_null(find(raw, len, "\r\nMIME-Version: 1.0\r\n"));
	assert_non_null(find(raw, len, "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"));

	msg = parse(raw, len);
	assert_string_equal(g_mime_message_get_subject(msg), SUBJECT);
	assert_string_equal(g_mime_message_get_message_id(msg), m.message_id);
	assert_addr(g_mime_message_get_from(msg), 0, "CSIRT Cymru", "csirt@example.net");
	assert_int_equal(internet_address_list_length(g_mime_message_get_to(msg)), 2);
	assert_addr(g_mime_message_get_to(msg), 0, "Site, Abuse", "abuse@site.example");
	assert_addr(g_mime_message_get_to(msg), 1, "", "noc@site.example");
	assert_addr(g_mime_message_get_cc(msg), 0, "", "desk@csirt.example.net");
	assert_addr(g_mime_message_get_reply_to(msg), 0, "CSIRT desk", "desk@csirt.example.net");
	dt = g_mime_message_get_date(msg);
	assert_non_null(dt);
	assert_int_equal(g_date_time_to_unix(dt), 1700000000);
	assert_string_equal(g_mime_object_get_header(GMIME_OBJECT(msg), "In-Reply-To"),
			    "<orig.1@site.example>");
	assert_string_equal(g_mime_object_get_header(GMIME_OBJECT(msg), "References"),
			    "<orig.1@site.example>");
	assert_string_equal(g_mime_object_get_header(GMIME_OBJECT(msg), "X-Vigil-Incident"),
			    "INC-2023-0042");
	assert_string_equal(g_mime_object_get_header(GMIME_OBJECT(msg), "Auto-Submitted"),
			    "auto-generated");
	part = g_mime_message_get_mime_part(msg);
	assert_type(part, "text/plain");
	assert_string_equal(g_mime_object_get_content_type_parameter(part, "charset"), "utf-8");
	assert_string_equal(g_mime_object_get_header(part, "Content-Language"), "cy");
	text = content(part, &tlen, true);
	assert_string_equal(text, WELSH);
	g_free(text);
	g_object_unref(msg);
	free(raw);

	/* CRLF in the body is normalised, a final newline added; no reply headers */
	base(&m);
	m.body = "line one\r\nline two";
	OK(mail_compose(&m, NULL, &raw, &len, err, sizeof(err)));
	assert_wire(raw, len);
	assert_null(find(raw, len, "In-Reply-To"));
	assert_null(find(raw, len, "References"));
	assert_null(find(raw, len, "=0D"));
	msg = parse(raw, len);
	text = content(g_mime_message_get_mime_part(msg), &tlen, true);
	assert_string_equal(text, "line one\nline two\n");
	g_free(text);
	g_object_unref(msg);
	free(raw);
}

static void test_attachment(void **state)
{
	static const char csv[] = "ip,time,kind\n192.0.2.7,2023-11-14T12:00:00Z,spam\n";
	unsigned char bin[3000];
	struct mail_attach att[2] = {
		{"incidents.csv", "text/csv; charset=utf-8", csv, sizeof(csv) - 1},
		{"capture.pcap", NULL, bin, sizeof(bin)},
	};
	struct mail_out m;
	GMimeMessage *msg;
	GMimeMultipart *mp;
	GMimeObject *a;
	char *raw, *data, err[256];
	size_t len, dlen;

	(void)state;
	for (size_t i = 0; i < sizeof(bin); i++)
		bin[i] = (unsigned char)(i * 7 + i / 256);
	base(&m);
	m.att = att;
	m.natt = 2;
	OK(mail_compose(&m, NULL, &raw, &len, err, sizeof(err)));
	assert_wire(raw, len);
	msg = parse(raw, len);
	assert_type(g_mime_message_get_mime_part(msg), "multipart/mixed");
	mp = GMIME_MULTIPART(g_mime_message_get_mime_part(msg));
	assert_int_equal(g_mime_multipart_get_count(mp), 3);
	data = content(g_mime_multipart_get_part(mp, 0), &dlen, true);
	assert_string_equal(data, WELSH);
	g_free(data);
	a = g_mime_multipart_get_part(mp, 1);
	assert_type(a, "text/csv");
	assert_string_equal(g_mime_part_get_filename(GMIME_PART(a)), "incidents.csv");
	assert_int_equal(g_mime_part_get_content_encoding(GMIME_PART(a)),
			 GMIME_CONTENT_ENCODING_BASE64);
	data = content(a, &dlen, false);
	assert_int_equal(dlen, sizeof(csv) - 1);
	assert_memory_equal(data, csv, dlen);
	g_free(data);
	a = g_mime_multipart_get_part(mp, 2);
	assert_type(a, "application/octet-stream");
	assert_string_equal(g_mime_part_get_filename(GMIME_PART(a)), "capture.pcap");
	data = content(a, &dlen, false);
	assert_int_equal(dlen, sizeof(bin));
	assert_memory_equal(data, bin, dlen);
	g_free(data);
	g_object_unref(msg);
	free(raw);
}

static void test_addresses(void **state)
{
	char buf[256];
	const char *v[4];

	(void)state;
	assert_int_equal(mail_addresses("\"Doe, John\" <j@x.org>, b@y.example, Ŵyn <w@x.cymru>",
					buf, sizeof(buf), v, 4), 3);
	assert_string_equal(v[0], "j@x.org");
	assert_string_equal(v[1], "b@y.example");
	assert_string_equal(v[2], "w@x.cymru");
	assert_int_equal(mail_addresses("a@x.org, ,b@y.org,", buf, sizeof(buf), v, 4), 2);
	assert_string_equal(v[1], "b@y.org");
	assert_int_equal(mail_addresses("abuse@site.example (Site abuse desk)", buf, sizeof(buf), v,
					4), 1);
	assert_string_equal(v[0], "abuse@site.example");
	assert_int_equal(mail_addresses("=?utf-8?q?Caf=C3=A9?= <c@x.org>", buf, sizeof(buf), v, 4), 1);
	assert_string_equal(v[0], "c@x.org");
	assert_int_equal(mail_addresses("postmaster@[192.0.2.1]", buf, sizeof(buf), v, 4), 1);
	assert_int_equal(mail_addresses("", buf, sizeof(buf), v, 4), 0);
	assert_int_equal(mail_addresses(NULL, buf, sizeof(buf), v, 4), 0);
	/* not addresses */
	static const char *const bad[] = {"garbage", "a@b@c.org", "a b@c.org", "<a@b.org",
					  "a@b.org>", "Team: a@x.org, b@y.org;", "a@", "@b.org",
					  "\"unterminated <a@b.org>", "A <a@b.org> <c@d.org>",
					  "a..b@c.org", "a@b..org", "\"q\"@b.org", "a@b.org (open"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(mail_addresses(bad[i], buf, sizeof(buf), v, 4), VIGIL_EFORMAT);
	/* caps: entries and bytes */
	assert_int_equal(mail_addresses("a@x.org, b@x.org, c@x.org", buf, sizeof(buf), v, 2),
			 VIGIL_ELIMIT);
	assert_int_equal(mail_addresses("abcdef@x.org", buf, 8, v, 4), VIGIL_ELIMIT);
}

static void test_invalid(void **state)
{
	struct mail_header hdr = {"Content-Type", "text/html"};
	struct mail_out m;
	char *raw, err[256];
	size_t len;

	(void)state;
	base(&m);
	m.message_id = NULL;
	assert_int_equal(mail_compose(&m, NULL, &raw, &len, err, sizeof(err)), VIGIL_EINVAL);
	assert_null(raw);
	assert_non_null(strstr(err, "Message-Id"));
	base(&m);
	m.message_id = "<with@brackets>";
	assert_int_equal(mail_compose(&m, NULL, &raw, &len, err, sizeof(err)), VIGIL_EINVAL);
	base(&m);
	m.subject = "two\r\nBcc: victim@example.org";
	assert_int_equal(mail_compose(&m, NULL, &raw, &len, err, sizeof(err)), VIGIL_EINVAL);
	base(&m);
	m.to = "garbage";
	assert_int_equal(mail_compose(&m, NULL, &raw, &len, err, sizeof(err)), VIGIL_EINVAL);
	assert_non_null(strstr(err, "To:"));
	base(&m);
	m.from = "a@x.org, b@x.org";
	assert_int_equal(mail_compose(&m, NULL, &raw, &len, err, sizeof(err)), VIGIL_EINVAL);
	base(&m);
	m.hdr = &hdr;
	m.nhdr = 1;
	assert_int_equal(mail_compose(&m, NULL, &raw, &len, err, sizeof(err)), VIGIL_EINVAL);
	base(&m);
	m.body = "\xff\xfe not UTF-8";
	assert_int_equal(mail_compose(&m, NULL, &raw, &len, err, sizeof(err)), VIGIL_EINVAL);
	base(&m);
	m.sign = true;
	assert_int_equal(mail_compose(&m, NULL, &raw, &len, err, sizeof(err)), VIGIL_EINVAL);
	assert_non_null(strstr(err, "keyring"));
}

/* ---- PGP/MIME against the gpg binary ---- */

static struct {
	bool have_gpg;
	char dir[64];   /* mkdtemp */
	char home[96];  /* dir/gnupg */
	char csirt[64], site[64];
	struct pgp *p;
} G;

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	return rc == -1 ? -1 : WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
}

#define GPG "gpg --homedir %s --batch --no-tty --pinentry-mode loopback --passphrase '' "

/* The fingerprint of the primary key for <addr>. */
static int fingerprint(const char *addr, char *fpr, size_t n)
{
	char cmd[512], line[512];
	FILE *f;
	int rc = -1;

	snprintf(cmd, sizeof(cmd), "gpg --homedir %s --batch --with-colons --list-keys '<%s>' 2>/dev/null",
		 G.home, addr);
	if (!(f = popen(cmd, "r")))
		return -1;
	while (rc && fgets(line, sizeof(line), f)) {
		char *p = line;

		if (strncmp(line, "fpr:", 4))
			continue;
		for (int i = 0; i < 9 && p; i++)
			p = strchr(p + 1, ':');
		if (p && strlen(p + 1) > 40 && strlen(p + 1) < n) {
			memcpy(fpr, p + 1, 40);
			fpr[40] = '\0';
			rc = 0;
		}
	}
	pclose(f);
	return rc;
}

static int make_key(const char *uid, const char *addr, const char *when, char *fpr)
{
	char f[64];

	if (run(GPG "%s --quick-gen-key '%s' ed25519 sign 1d 2>>%s/gpg.log", G.home, when, uid,
		G.dir) || fingerprint(addr, f, sizeof(f)) ||
	    run(GPG "%s --quick-add-key %s cv25519 encr 1d 2>>%s/gpg.log", G.home, when, f, G.dir))
		return -1;
	if (fpr)
		memcpy(fpr, f, 41);
	return 0;
}

static int pgp_setup(void **state)
{
	char err[256];

	(void)state;
	if (run("gpg --version >/dev/null 2>&1") != 0)
		return 0;
	snprintf(G.dir, sizeof(G.dir), "/tmp/vigil-pgp-XXXXXX");
	if (!mkdtemp(G.dir))
		return -1;
	snprintf(G.home, sizeof(G.home), "%s/gnupg", G.dir);
	if (mkdir(G.home, 0700))
		return -1;
	if (make_key("Test CSIRT <csirt@example.net>", "csirt@example.net", "", G.csirt) ||
	    make_key("Site <abuse@site.example>", "abuse@site.example", "", G.site) ||
	    make_key("Old Site <old@site.example>", "old@site.example",
		     "--faked-system-time 20200101T000000", NULL)) {
		fprintf(stderr, "gpg could not make the test keys (see %s/gpg.log)\n", G.dir);
		return -1;
	}
	if (pgp_open(G.home, &G.p, err, sizeof(err))) {
		fprintf(stderr, "pgp_open: %s\n", err);
		return -1;
	}
	G.have_gpg = true;
	return 0;
}

static int pgp_teardown(void **state)
{
	(void)state;
	pgp_close(G.p);
	if (G.dir[0]) {
		run("gpgconf --homedir %s --kill all >/dev/null 2>&1", G.home);
		run("rm -rf %s", G.dir);
	}
	return 0;
}

#define NEED_GPG()                                                       \
	do {                                                             \
		if (!G.have_gpg) {                                       \
			print_message("gpg is not installed: skipped\n"); \
			skip();                                          \
		}                                                        \
	} while (0)

static void write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *s = calloc(1, 1 << 20);
	size_t n;

	assert_non_null(f);
	assert_non_null(s);
	n = fread(s, 1, (1 << 20) - 1, f);
	s[n] = '\0';
	fclose(f);
	return s;
}

/* The boundary of the top multipart, from the parsed header. */
static char *boundary(const char *raw, size_t len, const char *type)
{
	GMimeMessage *msg = parse(raw, len);
	GMimeObject *top = g_mime_message_get_mime_part(msg);
	char *b;

	assert_type(top, type);
	b = strdup(g_mime_multipart_get_boundary(GMIME_MULTIPART(top)));
	g_object_unref(msg);
	return b;
}

/* Cut the signed part and the signature from the raw bytes, check gpg
 * verifies them (and that micalg names gpg's hash); a byte changed in the
 * part must fail. */
static void verify_signed(const char *raw, size_t len, const char *signer)
{
	static const struct { int id; const char *name; } hashes[] = {
		{8, "pgp-sha256"}, {9, "pgp-sha384"}, {10, "pgp-sha512"}, {11, "pgp-sha224"}};
	char *b = boundary(raw, len, "multipart/signed"), open_[128], close_[128], path[256],
	     sigp[256], stp[256], *st, *vs, *body, want[64] = "";
	const char *p1, *e1, *s0, *e2, *micalg;
	GMimeMessage *msg = parse(raw, len);
	GMimeObject *top = g_mime_message_get_mime_part(msg);
	int hash = -1;

	assert_string_equal(g_mime_object_get_content_type_parameter(top, "protocol"),
			    "application/pgp-signature");
	micalg = g_mime_object_get_content_type_parameter(top, "micalg");
	assert_non_null(micalg);
	assert_int_equal(strncmp(micalg, "pgp-", 4), 0);
	snprintf(open_, sizeof(open_), "--%s\r\n", b);
	snprintf(close_, sizeof(close_), "\r\n--%s\r\n", b);
	assert_non_null(p1 = find(raw, len, open_));
	p1 += strlen(open_);
	assert_non_null(e1 = find(p1, len - (size_t)(p1 - raw), close_));
	s0 = e1 + strlen(close_);
	assert_non_null(s0 = find(s0, len - (size_t)(s0 - raw), "\r\n\r\n"));
	s0 += 4;
	snprintf(close_, sizeof(close_), "\r\n--%s--", b);
	assert_non_null(e2 = find(s0, len - (size_t)(s0 - raw), close_));
	assert_non_null(find(e1, (size_t)(s0 - e1), "Content-Type: application/pgp-signature"));
	snprintf(path, sizeof(path), "%s/part1", G.dir);
	snprintf(sigp, sizeof(sigp), "%s/part1.asc", G.dir);
	snprintf(stp, sizeof(stp), "%s/status", G.dir);
	write_file(path, p1, (size_t)(e1 - p1));
	write_file(sigp, s0, (size_t)(e2 - s0));
	assert_int_equal(run("gpg --homedir %s --batch --status-fd 1 --verify %s %s >%s 2>/dev/null",
			     G.home, sigp, path, stp), 0);
	st = read_text(stp);
	assert_non_null(strstr(st, "[GNUPG:] GOODSIG"));
	assert_non_null(vs = strstr(st, "[GNUPG:] VALIDSIG "));
	/* VALIDSIG fpr date ts expire ver reserved pkalgo hashalgo class primary */
	assert_int_equal(sscanf(vs, "[GNUPG:] VALIDSIG %*s %*s %*s %*s %*s %*s %*s %d", &hash), 1);
	for (size_t i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++)
		if (hashes[i].id == hash)
			snprintf(want, sizeof(want), "%s", hashes[i].name);
	assert_string_equal(micalg, want);
	if (signer)
		assert_non_null(strstr(vs, signer));
	free(st);
	/* the outer headers stay outside what was signed */
	assert_string_equal(g_mime_message_get_subject(msg), SUBJECT);
	assert_null(find(p1, (size_t)(e1 - p1), "Subject:"));
	/* a changed byte fails */
	body = malloc((size_t)(e1 - p1));
	memcpy(body, p1, (size_t)(e1 - p1));
	body[(e1 - p1) / 2] ^= 1;
	write_file(path, body, (size_t)(e1 - p1));
	assert_int_not_equal(run("gpg --homedir %s --batch --verify %s %s >/dev/null 2>&1", G.home,
				 sigp, path), 0);
	free(body);
	g_object_unref(msg);
	free(b);
}

static void test_signed(void **state)
{
	static const char csv[] = "ip,time\n192.0.2.7,2023-11-14T12:00:00Z\n";
	struct mail_attach att = {"incidents.csv", "text/csv; charset=utf-8", csv, sizeof(csv) - 1};
	struct mail_out m;
	char *raw, err[256];
	size_t len;

	(void)state;
	NEED_GPG();
	base(&m);
	m.language = "cy";
	m.sign = true;
	m.sign_key = "csirt@example.net";
	OK(mail_compose(&m, G.p, &raw, &len, err, sizeof(err)));
	assert_wire(raw, len);
	verify_signed(raw, len, G.csirt);
	free(raw);
	/* with an attachment: multipart/mixed inside; the default signer */
	m.att = &att;
	m.natt = 1;
	m.sign_key = NULL;
	OK(mail_compose(&m, G.p, &raw, &len, err, sizeof(err)));
	assert_wire(raw, len);
	assert_non_null(find(raw, len, "multipart/mixed"));
	verify_signed(raw, len, NULL);
	free(raw);
}

static void test_encrypted(void **state)
{
	const char *to[] = {"abuse@site.example"};
	struct mail_out m;
	GMimeMessage *msg;
	GMimeMultipart *mp;
	GMimeStream *fst;
	GMimeParser *ps;
	GMimeObject *inner;
	char *raw, *data, *st, *text, err[256], encp[256], decp[256], stp[256];
	size_t len, dlen;
	FILE *f;

	(void)state;
	NEED_GPG();
	base(&m);
	m.sign_key = "csirt@example.net";
	m.encrypt_to = to;
	m.nencrypt = 1;
	OK(mail_compose(&m, G.p, &raw, &len, err, sizeof(err)));
	assert_wire(raw, len);
	assert_null(find(raw, len, "192.0.2.7")); /* nothing of the body in clear */
	msg = parse(raw, len);
	assert_string_equal(g_mime_message_get_subject(msg), SUBJECT);
	assert_type(g_mime_message_get_mime_part(msg), "multipart/encrypted");
	assert_string_equal(g_mime_object_get_content_type_parameter(
				    g_mime_message_get_mime_part(msg), "protocol"),
			    "application/pgp-encrypted");
	mp = GMIME_MULTIPART(g_mime_message_get_mime_part(msg));
	assert_int_equal(g_mime_multipart_get_count(mp), 2);
	assert_type(g_mime_multipart_get_part(mp, 0), "application/pgp-encrypted");
	data = content(g_mime_multipart_get_part(mp, 0), &dlen, true);
	assert_string_equal(data, "Version: 1\n");
	g_free(data);
	assert_type(g_mime_multipart_get_part(mp, 1), "application/octet-stream");
	data = content(g_mime_multipart_get_part(mp, 1), &dlen, false);
	assert_int_equal(strncmp(data, "-----BEGIN PGP MESSAGE-----", 27), 0);
	snprintf(encp, sizeof(encp), "%s/msg.asc", G.dir);
	snprintf(decp, sizeof(decp), "%s/msg.dec", G.dir);
	snprintf(stp, sizeof(stp), "%s/status", G.dir);
	write_file(encp, data, dlen);
	g_free(data);
	g_object_unref(msg);
	unlink(decp);
	assert_int_equal(run("gpg --homedir %s --batch --status-fd 1 -o %s --decrypt %s >%s 2>/dev/null",
			     G.home, decp, encp, stp), 0);
	st = read_text(stp);
	assert_non_null(strstr(st, "[GNUPG:] DECRYPTION_OKAY"));
	assert_non_null(strstr(st, "[GNUPG:] GOODSIG"));
	assert_non_null(strstr(st, G.csirt));
	free(st);
	/* the decrypted entity is the text part, body intact */
	assert_non_null(f = fopen(decp, "rb"));
	fst = g_mime_stream_file_new(f);
	ps = g_mime_parser_new_with_stream(fst);
	inner = g_mime_parser_construct_part(ps, NULL);
	assert_non_null(inner);
	assert_type(inner, "text/plain");
	text = content(inner, &dlen, true);
	assert_string_equal(text, WELSH);
	g_free(text);
	g_object_unref(inner);
	g_object_unref(ps);
	g_object_unref(fst);
	free(raw);
}

static void test_keys(void **state)
{
	const char *nobody[] = {"nobody@nowhere.example"}, *old[] = {"old@site.example"};
	struct mail_out m;
	char fpr[64], err[256], *raw;
	size_t len;

	(void)state;
	NEED_GPG();
	OK(pgp_find_key(G.p, "abuse@site.example", true, fpr, sizeof(fpr), err,
				      sizeof(err)));
	assert_string_equal(fpr, G.site);
	OK(pgp_find_key(G.p, G.csirt, false, fpr, sizeof(fpr), err, sizeof(err)));
	assert_string_equal(fpr, G.csirt);
	/* an address matches exactly, not as a substring */
	assert_int_equal(pgp_find_key(G.p, "buse@site.example", true, fpr, sizeof(fpr), err,
				      sizeof(err)), VIGIL_ENOTFOUND);
	assert_int_equal(pgp_find_key(G.p, "old@site.example", true, fpr, sizeof(fpr), err,
				      sizeof(err)), VIGIL_ENOTFOUND);
	assert_non_null(strstr(err, "expired"));
	assert_int_equal(pgp_find_key(G.p, "old@site.example", false, fpr, sizeof(fpr), err,
				      sizeof(err)), VIGIL_ENOTFOUND);
	assert_non_null(strstr(err, "expired"));
	assert_int_equal(pgp_find_key(G.p, "nobody@nowhere.example", true, fpr, sizeof(fpr), err,
				      sizeof(err)), VIGIL_ENOTFOUND);
	assert_non_null(strstr(err, "nobody@nowhere.example"));
	/* the fingerprint buffer must hold 41 bytes */
	assert_int_equal(pgp_find_key(G.p, G.site, true, fpr, 40, err, sizeof(err)), VIGIL_ELIMIT);
	/* the same through mail_compose */
	base(&m);
	m.sign_key = "csirt@example.net";
	m.encrypt_to = nobody;
	m.nencrypt = 1;
	assert_int_equal(mail_compose(&m, G.p, &raw, &len, err, sizeof(err)), VIGIL_ENOTFOUND);
	assert_non_null(strstr(err, "nobody@nowhere.example"));
	m.encrypt_to = old;
	assert_int_equal(mail_compose(&m, G.p, &raw, &len, err, sizeof(err)), VIGIL_ENOTFOUND);
	assert_non_null(strstr(err, "expired"));
	base(&m);
	m.sign = true;
	m.sign_key = "old@site.example";
	assert_int_equal(mail_compose(&m, G.p, &raw, &len, err, sizeof(err)), VIGIL_ENOTFOUND);
	assert_null(raw);
	/* a keyring folder that is not there */
	{
		struct pgp *q;

		assert_int_equal(pgp_open("/nonexistent/gnupg", &q, err, sizeof(err)), VIGIL_EIO);
		assert_null(q);
	}
}

int main(void)
{
	const struct CMUnitTest mime[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_attachment),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_invalid),
	};
	const struct CMUnitTest pgp[] = {
		cmocka_unit_test(test_signed),
		cmocka_unit_test(test_encrypted),
		cmocka_unit_test(test_keys),
	};
	int rc;

	g_mime_init();
	rc = cmocka_run_group_tests_name("compose", mime, NULL, NULL);
	rc += cmocka_run_group_tests_name("pgp", pgp, pgp_setup, pgp_teardown);
	g_mime_shutdown();
	return rc;
}
