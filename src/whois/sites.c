/*
 * sites.c - the local constituency table the CSIRT edits (docs/sites.example):
 * one block a site,
 *
 *     [site oxford]
 *     prefix = 163.1.0.0/16
 *     prefix = 163.1.2.0/28 nat-gateway
 *     nat = 163.1.9.1, 163.1.9.2
 *     name = University of Oxford
 *     contact = oxcert@example.ac.uk
 *     abuse = abuse@example.ac.uk
 *     phone = +44 1865 000000
 *     pgp = 0x12345678
 *     language = en
 *     format = text | iodef | csv
 *     batch = 1h          (now: a mail an incident)
 *
 * An address covered by a site prefix is "ours"; the fields a site sets
 * override RPSL's answers. Every bad line is reported with file:line and
 * counted, and the rest loads.
 */
#include "whois/model.h"
#include "util/err.h"
#include "util/vtime.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define MAX_SITE_LINE 4096
#define MAX_SITE_PREFIXES 1000000

struct sctx {
	struct whois_db *db;
	const char *file;
	uint32_t fidx;
	whois_err_fn err;
	void *ctx;
	uint32_t line;
	size_t cur_idx;
	bool in_site;
};

static void bad(struct sctx *s, const char *msg)
{
	s->db->st.bad++;
	if (s->err)
		s->err(s->ctx, s->file, s->line, msg);
}

static void trim(const char **p, size_t *n)
{
	while (*n && (**p == ' ' || **p == '\t')) {
		(*p)++;
		(*n)--;
	}
	while (*n && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t' || (*p)[*n - 1] == '\r'))
		(*n)--;
}

static int add_prefix(struct sctx *s, const char *v, size_t n, bool nat)
{
	char tmp[PREFIX_STRLEN + 16];
	struct vprefix p;
	struct w_sitepfx x;

	trim(&v, &n);
	if (n >= 12 && strncasecmp(v + n - 11, "nat-gateway", 11) == 0) {
		nat = true;
		n -= 11;
		trim(&v, &n);
	}
	if (n == 0 || n >= sizeof(tmp)) {
		bad(s, "bad prefix");
		return 0;
	}
	memcpy(tmp, v, n);
	tmp[n] = '\0';
	if (prefix_parse(tmp, &p)) {
		bad(s, "bad prefix");
		return 0;
	}
	if (s->db->sitepfx.n >= MAX_SITE_PREFIXES) {
		bad(s, "too many site prefixes");
		return 0;
	}
	prefix_range(&p, &x.lo, &x.hi);
	x.site = (uint32_t)s->cur_idx;
	x.nat = nat;
	x.line = s->line;
	return W_PUSH(s->db->sitepfx, x);
}

static int set_field(struct sctx *s, const char *k, size_t kn, const char *v, size_t vn)
{
	struct w_site *st = &s->db->sites.v[s->cur_idx];
	uint32_t *f = NULL, *fl = NULL;
	char tmp[64];

#define KEY(name) (kn == strlen(name) && strncasecmp(k, name, kn) == 0)
	if (KEY("prefix"))
		return add_prefix(s, v, vn, false);
	if (KEY("nat")) {
		size_t i = 0;
		while (i < vn) {
			size_t e = i;
			while (e < vn && v[e] != ',')
				e++;
			int rc = add_prefix(s, v + i, e - i, true);
			if (rc)
				return rc;
			i = e + 1;
		}
		return 0;
	}
	if (KEY("name"))
		f = &st->name, fl = &st->line_name;
	else if (KEY("contact"))
		f = &st->contact, fl = &st->line_contact;
	else if (KEY("abuse"))
		f = &st->abuse, fl = &st->line_abuse;
	else if (KEY("phone"))
		f = &st->phone;
	else if (KEY("pgp"))
		f = &st->pgp;
	else if (KEY("language"))
		f = &st->language;
	else if (KEY("format")) {
		if (!((vn == 4 && !strncasecmp(v, "text", 4)) || (vn == 5 && !strncasecmp(v, "iodef", 5)) ||
		      (vn == 3 && !strncasecmp(v, "csv", 3)))) {
			bad(s, "format must be text, iodef or csv");
			return 0;
		}
		f = &st->format;
	} else if (KEY("batch")) {
		int64_t ms;
		if (vn == 0 || vn >= sizeof(tmp)) {
			bad(s, "bad batch window");
			return 0;
		}
		memcpy(tmp, v, vn);
		tmp[vn] = '\0';
		if (strcasecmp(tmp, "now") && (vtime_parse_duration(tmp, &ms) || ms < 0)) {
			bad(s, "bad batch window (now, or e.g. 1h, 30m)");
			return 0;
		}
		f = &st->batch;
	} else {
		bad(s, "unknown key");
		return 0;
	}
#undef KEY
	if (vn == 0) {
		bad(s, "empty value");
		return 0;
	}
	if (!w_valid_utf8((const unsigned char *)v, vn)) {
		bad(s, "value is not UTF-8");
		return 0;
	}
	uint32_t off;
	int rc = w_arena_intern(&s->db->a, v, vn, &off);
	if (rc)
		return rc;
	*f = off;
	if (fl)
		*fl = s->line;
	return 0;
}

static int open_site(struct sctx *s, const char *p, size_t n)
{
	struct w_site st;
	uint32_t id;
	int rc;

	/* p: inside the brackets */
	trim(&p, &n);
	if (n < 5 || strncasecmp(p, "site", 4) != 0 || (p[4] != ' ' && p[4] != '\t')) {
		bad(s, "section must be [site NAME]");
		s->in_site = false;
		return 0;
	}
	p += 5;
	n -= 5;
	trim(&p, &n);
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.')) {
			n = 0;
			break;
		}
	}
	if (n == 0) {
		bad(s, "bad site name (letters, digits, - _ .)");
		s->in_site = false;
		return 0;
	}
	if ((rc = w_arena_intern(&s->db->a, p, n, &id)) != 0)
		return rc;
	for (size_t i = 0; i < s->db->sites.n; i++)
		if (s->db->sites.v[i].id == id) {
			bad(s, "site defined twice");
			s->in_site = false;
			return 0;
		}
	memset(&st, 0, sizeof(st));
	st.id = id;
	st.file = s->fidx;
	st.line = s->line;
	if ((rc = W_PUSH(s->db->sites, st)) != 0)
		return rc;
	s->cur_idx = s->db->sites.n - 1;
	s->in_site = true;
	return 0;
}

static int do_line(struct sctx *s, const char *p, size_t n)
{
	trim(&p, &n);
	if (n == 0 || p[0] == '#' || p[0] == ';')
		return 0;
	if (p[0] == '[') {
		if (p[n - 1] != ']') {
			bad(s, "unterminated section header");
			s->in_site = false;
			return 0;
		}
		return open_site(s, p + 1, n - 2);
	}
	const char *eq = memchr(p, '=', n);
	if (!eq) {
		bad(s, "expected key = value");
		return 0;
	}
	if (!s->in_site) {
		bad(s, "key outside a [site NAME] block");
		return 0;
	}
	const char *k = p, *v = eq + 1;
	size_t kn = (size_t)(eq - p), vn = n - kn - 1;
	trim(&k, &kn);
	trim(&v, &vn);
	return set_field(s, k, kn, v, vn);
}

int w_sites_parse(struct whois_db *db, const char *file, const char *text, size_t len,
		  whois_err_fn err, void *ctx)
{
	struct sctx s;
	int rc;

	memset(&s, 0, sizeof(s));
	s.db = db;
	s.err = err;
	s.ctx = ctx;
	if ((rc = w_db_file(db, file, &s.fidx)) != 0)
		return rc;
	s.file = file;
	size_t i = 0;
	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t e = nl ? (size_t)(nl - text) : len;
		s.line++;
		if (e - i > MAX_SITE_LINE)
			bad(&s, "line too long");
		else if (memchr(text + i, '\0', e - i))
			bad(&s, "NUL byte in line");
		else if ((rc = do_line(&s, text + i, e - i)) != 0)
			return rc;
		i = e + 1;
	}
	return 0;
}
