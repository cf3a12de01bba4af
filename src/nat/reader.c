/*
 * reader.c - NAT logs line by line: init / feed / finish, so a file, stdin or
 * a fuzzer can feed any piece size. The format is given or detected: each
 * line is probed until one format claims it, then that format reads the
 * rest. A line that claims to be a mapping but cannot be read is bad
 * (counted, passed to the caller with its number); other lines are "other".
 */
#include "nat/nat_int.h"
#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LINE (64u * 1024)

extern const struct nat_format nat_fmt_asa, nat_fmt_conntrack, nat_fmt_srx;

const struct nat_format *const nat_formats[] = { &nat_fmt_asa, &nat_fmt_conntrack, &nat_fmt_srx, NULL };

const struct nat_format *nat_format_find(const char *name)
{
	for (size_t i = 0; nat_formats[i]; i++)
		if (!strcmp(nat_formats[i]->name, name))
			return nat_formats[i];
	return NULL;
}

struct nat_reader {
	const struct nat_format *fmt;
	void *state;
	struct nat_fmt_opts opts;
	nat_emit_fn emit;
	nat_bad_fn bad;
	void *ctx;
	char *line; /* a line held across feeds */
	size_t len;
	bool toolong;
	struct nat_reader_stats st;
};

int nat_reader_new(const struct nat_format *fmt, const struct nat_fmt_opts *o, nat_emit_fn emit,
		   nat_bad_fn bad, void *ctx, struct nat_reader **out)
{
	struct nat_reader *r = calloc(1, sizeof(*r));

	if (!r || !(r->line = malloc(MAX_LINE))) {
		free(r);
		return VIGIL_ENOMEM;
	}
	if (o)
		r->opts = *o;
	r->emit = emit;
	r->bad = bad;
	r->ctx = ctx;
	if (fmt && fmt->state_new && !(r->state = fmt->state_new())) {
		free(r->line);
		free(r);
		return VIGIL_ENOMEM;
	}
	r->fmt = fmt;
	*out = r;
	return 0;
}

void nat_reader_free(struct nat_reader *r)
{
	if (!r)
		return;
	if (r->fmt && r->fmt->state_free)
		r->fmt->state_free(r->state);
	free(r->line);
	free(r);
}

const struct nat_format *nat_reader_format(const struct nat_reader *r)
{
	return r->fmt;
}

void nat_reader_get_stats(const struct nat_reader *r, struct nat_reader_stats *st)
{
	*st = r->st;
}

static int one_line(struct nat_reader *r, const char *s, size_t n)
{
	struct nat_rec rec;
	char err[160] = "";
	int rc;

	r->st.lines++;
	if (n && s[n - 1] == '\r')
		n--;
	if (!r->fmt) {
		int best = 0;
		const struct nat_format *bf = NULL;

		for (size_t i = 0; nat_formats[i]; i++) {
			int p = nat_formats[i]->probe(s, n);
			if (p > best) {
				best = p;
				bf = nat_formats[i];
			}
		}
		if (!bf) {
			r->st.other++;
			return 0;
		}
		if (bf->state_new && !(r->state = bf->state_new()))
			return VIGIL_ENOMEM;
		r->fmt = bf;
	}
	rc = r->fmt->parse(r->state, s, n, &r->opts, &rec, err, sizeof(err));
	if (rc == 1 && (rec.ev == NAT_OPEN ? rec.start_ms <= 0 : rec.end_ms <= 0)) {
		/* a mapping with no moment to it cannot answer a lookup */
		snprintf(err, sizeof(err), "%s without a usable time", rec.ev == NAT_OPEN ? "build" : "teardown");
		rc = VIGIL_EFORMAT;
	}
	if (rc == 1) {
		rec.line = (uint32_t)(r->st.lines > UINT32_MAX ? UINT32_MAX : r->st.lines);
		r->st.records++;
		return r->emit ? r->emit(r->ctx, &rec) : 0;
	}
	if (rc == 0) {
		r->st.other++;
		return 0;
	}
	r->st.bad++;
	if (r->bad)
		r->bad(r->ctx, (uint32_t)r->st.lines, err[0] ? err : "a line that cannot be read");
	return 0;
}

static void too_long(struct nat_reader *r)
{
	r->st.lines++;
	r->st.bad++;
	if (r->bad)
		r->bad(r->ctx, (uint32_t)r->st.lines, "line longer than 64 KiB");
}

int nat_reader_feed(struct nat_reader *r, const void *data, size_t len)
{
	const char *p = data, *end = p + len;
	int rc;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);

		if (r->toolong) { /* skipping the rest of an over-long line */
			if (!nl)
				return 0;
			r->toolong = false;
			p = nl + 1;
			continue;
		}
		if (r->len + n > MAX_LINE) {
			too_long(r);
			r->len = 0;
			if (!nl) {
				r->toolong = true;
				return 0;
			}
			p = nl + 1;
			continue;
		}
		if (!nl) { /* keep the piece for the next feed */
			memcpy(r->line + r->len, p, n);
			r->len += n;
			return 0;
		}
		if (r->len) {
			memcpy(r->line + r->len, p, n);
			rc = one_line(r, r->line, r->len + n);
			r->len = 0;
		} else {
			rc = one_line(r, p, n);
		}
		if (rc)
			return rc;
		p = nl + 1;
	}
	return 0;
}

int nat_reader_finish(struct nat_reader *r)
{
	int rc = 0;

	if (r->len)
		rc = one_line(r, r->line, r->len);
	r->len = 0;
	r->toolong = false;
	return rc;
}
