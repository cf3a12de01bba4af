/*
 * rpsl.c - a reentrant streaming reader for RPSL database dumps (RIPE split
 * files `ripe.db.*`, other registries' exports), shaped init / feed / finish.
 *
 * Objects are runs of `name: value` lines separated by blank lines. Lines
 * starting with '%' or '#' are comments; lines starting with a space, tab or
 * '+' continue the previous attribute (joined with '\n'). A '#' outside
 * double quotes starts an end-of-line remark and is dropped with it, so a
 * quoted local part like "a#b"@example.com survives. Attribute names are
 * folded to lower case; CR before LF is dropped; a line that is not valid
 * UTF-8 is taken as Latin-1 and converted. Lines, attributes per object and
 * object size are capped; a bad line makes its whole object bad: it is
 * reported (file, line), counted and skipped, and the reader goes on.
 */
#include "whois/model.h"
#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct attr_off {
	size_t name, value;
	uint32_t line;
};

struct whois_rpsl {
	const char *file;
	whois_rpsl_object_fn fn;
	whois_err_fn err;
	void *ctx;
	/* the current line */
	char *line;
	size_t llen, lcap;
	bool overlong;
	uint32_t lineno;
	/* the current object: NUL-terminated names and values in store */
	char *store;
	size_t slen, scap;
	struct attr_off *offs;
	size_t nattrs, acap;
	struct whois_rpsl_attr *out; /* delivered view, reused */
	size_t ocap;
	uint32_t obj_line;
	bool bad;
	uint64_t nbad;
	/* Latin-1 conversion scratch */
	char *conv;
	size_t ccap;
	int stopped; /* callback's non-zero return */
};

struct whois_rpsl *whois_rpsl_new(const char *file, whois_rpsl_object_fn fn,
				  whois_err_fn err, void *ctx)
{
	struct whois_rpsl *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->file = file ? file : "-";
	r->fn = fn;
	r->err = err;
	r->ctx = ctx;
	return r;
}

void whois_rpsl_free(struct whois_rpsl *r)
{
	if (!r)
		return;
	free(r->line);
	free(r->store);
	free(r->offs);
	free(r->out);
	free(r->conv);
	free(r);
}

uint64_t whois_rpsl_bad(const struct whois_rpsl *r) { return r->nbad; }

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t nc;
	void *np;

	if (need <= *cap)
		return 0;
	nc = *cap ? *cap : 64;
	while (nc < need)
		nc *= 2;
	np = realloc(*p, nc * elem);
	if (!np)
		return VIGIL_ENOMEM;
	*p = np;
	*cap = nc;
	return 0;
}

/* Report a bad object once (at its first bad line) and mark it. */
static void mark_bad(struct whois_rpsl *r, const char *msg)
{
	if (r->bad)
		return;
	r->bad = true;
	r->nbad++;
	if (r->err)
		r->err(r->ctx, r->file, r->lineno, msg);
}

static void reset_object(struct whois_rpsl *r)
{
	r->slen = 0;
	r->nattrs = 0;
	r->bad = false;
	r->obj_line = 0;
}

static int deliver(struct whois_rpsl *r)
{
	int rc = 0;

	if (r->nattrs && !r->bad) {
		if (grow((void **)&r->out, &r->ocap, r->nattrs, sizeof(*r->out)))
			return VIGIL_ENOMEM;
		for (size_t i = 0; i < r->nattrs; i++) {
			r->out[i].name = r->store + r->offs[i].name;
			r->out[i].value = r->store + r->offs[i].value;
			r->out[i].line = r->offs[i].line;
		}
		struct whois_rpsl_object o = { r->out[0].name, r->out[0].value, r->out,
					       r->nattrs, r->obj_line };
		rc = r->fn ? r->fn(r->ctx, &o) : 0;
	}
	reset_object(r);
	return rc;
}

bool w_valid_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i];
		size_t k;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			k = 1;
		else if (c >= 0xe0 && c <= 0xef)
			k = 2;
		else if (c >= 0xf0 && c <= 0xf4)
			k = 3;
		else
			return false;
		for (size_t j = 1; j <= k; j++)
			if (i + j >= n || (s[i + j] & 0xc0) != 0x80)
				return false;
		i += k + 1;
	}
	return true;
}

/* Append a trimmed, remark-stripped value to the store (no NUL). */
static int append_value(struct whois_rpsl *r, const char *v, size_t n)
{
	size_t end = n;
	bool quoted = false;

	for (size_t i = 0; i < n; i++) {
		if (v[i] == '"')
			quoted = !quoted;
		else if (v[i] == '#' && !quoted) {
			end = i;
			break;
		}
	}
	while (end && (v[end - 1] == ' ' || v[end - 1] == '\t' || v[end - 1] == '\r'))
		end--;
	size_t b = 0;
	while (b < end && (v[b] == ' ' || v[b] == '\t'))
		b++;
	if (r->slen + (end - b) + 2 > WHOIS_RPSL_MAX_OBJECT) {
		mark_bad(r, "object too large");
		return 0;
	}
	if (grow((void **)&r->store, &r->scap, r->slen + (end - b) + 2, 1))
		return VIGIL_ENOMEM;
	memcpy(r->store + r->slen, v + b, end - b);
	r->slen += end - b;
	return 0;
}

static int add_attr(struct whois_rpsl *r, const char *s, size_t n)
{
	size_t colon = 0;
	int rc;

	while (colon < n && s[colon] != ':')
		colon++;
	if (colon == n || colon == 0) {
		mark_bad(r, "line is neither 'attribute: value' nor a continuation");
		return 0;
	}
	for (size_t i = 0; i < colon; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '*')) {
			mark_bad(r, "bad attribute name");
			return 0;
		}
	}
	if (r->bad)
		return 0;
	if (r->nattrs >= WHOIS_RPSL_MAX_ATTRS) {
		mark_bad(r, "too many attributes in one object");
		return 0;
	}
	if (r->slen + colon + 2 > WHOIS_RPSL_MAX_OBJECT) {
		mark_bad(r, "object too large");
		return 0;
	}
	if (grow((void **)&r->offs, &r->acap, r->nattrs + 1, sizeof(*r->offs)) ||
	    grow((void **)&r->store, &r->scap, r->slen + colon + 2, 1))
		return VIGIL_ENOMEM;
	if (r->nattrs == 0)
		r->obj_line = r->lineno;
	struct attr_off *a = &r->offs[r->nattrs];
	a->name = r->slen;
	a->line = r->lineno;
	for (size_t i = 0; i < colon; i++) {
		char c = s[i];
		r->store[r->slen++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	r->store[r->slen++] = '\0';
	a->value = r->slen;
	if ((rc = append_value(r, s + colon + 1, n - colon - 1)) != 0)
		return rc;
	if (r->bad)
		return 0;
	r->store[r->slen++] = '\0';
	r->nattrs++;
	return 0;
}

static int continue_attr(struct whois_rpsl *r, const char *s, size_t n)
{
	int rc;

	if (r->nattrs == 0) {
		mark_bad(r, "continuation line outside an attribute");
		return 0;
	}
	if (r->bad)
		return 0;
	/* the current value is the last thing in the store: reopen it */
	size_t save = r->slen;
	r->slen--; /* drop its NUL */
	size_t before = r->slen;
	bool empty_value = r->slen == r->offs[r->nattrs - 1].value;
	if ((rc = append_value(r, s + 1, n - 1)) != 0)
		return rc;
	if (r->bad) {
		r->slen = save;
		return 0;
	}
	if (r->slen == before) { /* empty continuation: nothing to join */
		r->store[r->slen++] = '\0';
		return 0;
	}
	if (!empty_value) {
		/* insert the '\n' separator before the appended text */
		size_t added = r->slen - before;
		memmove(r->store + before + 1, r->store + before, added);
		r->store[before] = '\n';
		r->slen++;
	}
	r->store[r->slen++] = '\0';
	return 0;
}

static int process_line(struct whois_rpsl *r, char *s, size_t n)
{
	r->lineno++;
	if (n && s[n - 1] == '\r')
		n--;
	if (!w_valid_utf8((const unsigned char *)s, n)) {
		if (grow((void **)&r->conv, &r->ccap, 2 * n + 1, 1))
			return VIGIL_ENOMEM;
		size_t o = 0;
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)s[i];
			if (c < 0x80) {
				r->conv[o++] = (char)c;
			} else {
				r->conv[o++] = (char)(0xc0 | c >> 6);
				r->conv[o++] = (char)(0x80 | (c & 0x3f));
			}
		}
		s = r->conv;
		n = o;
	}
	size_t i = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == n)
		return deliver(r); /* blank line ends the object */
	if (s[0] == '%' || s[0] == '#')
		return 0;
	if (s[0] == ' ' || s[0] == '\t' || s[0] == '+')
		return continue_attr(r, s, n);
	return add_attr(r, s, n);
}

int whois_rpsl_feed(struct whois_rpsl *r, const void *data, size_t len)
{
	const char *p = data;
	int rc;

	if (r->stopped)
		return r->stopped;
	while (len) {
		const char *nl = memchr(p, '\n', len);
		size_t take = nl ? (size_t)(nl - p) : len;
		if (!r->overlong) {
			if (r->llen + take > WHOIS_RPSL_MAX_LINE) {
				r->overlong = true;
			} else {
				if (grow((void **)&r->line, &r->lcap, r->llen + take + 1, 1))
					return VIGIL_ENOMEM;
				memcpy(r->line + r->llen, p, take);
				r->llen += take;
			}
		}
		if (!nl)
			break;
		if (r->overlong) {
			r->lineno++;
			mark_bad(r, "line too long");
			rc = 0;
		} else {
			rc = process_line(r, r->line, r->llen);
		}
		r->llen = 0;
		r->overlong = false;
		if (rc) {
			r->stopped = rc;
			return rc;
		}
		p = nl + 1;
		len -= take + 1;
	}
	return 0;
}

int whois_rpsl_finish(struct whois_rpsl *r)
{
	int rc;

	if (r->stopped)
		return r->stopped;
	if (r->llen || r->overlong) {
		if (r->overlong) {
			r->lineno++;
			mark_bad(r, "line too long");
			rc = 0;
		} else {
			rc = process_line(r, r->line, r->llen);
		}
		r->llen = 0;
		r->overlong = false;
		if (rc)
			return r->stopped = rc;
	}
	rc = deliver(r);
	if (rc)
		r->stopped = rc;
	return rc;
}
