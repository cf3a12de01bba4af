/*
 * dispatch.c - which parser reads which part of a mail. Every MIME leaf, and
 * every member of a zip/gzip/tar attachment, is offered to the structured
 * parsers (the table below); the one whose probe is highest reads it. The
 * text-only ACNS reader runs only when no part carries ACNS XML (a notice
 * usually has both, saying the same thing), and the plain-text fallback only
 * when no structured parser found anything in the whole mail.
 */
#include "report/report.h"
#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct report_parser *const structured[] = {
	&report_acns, &report_shadowserver, &report_xarf, &report_iodef, &report_acns_text,
};
#define NSTRUCT (sizeof(structured) / sizeof(structured[0]))

void report_occ_init(struct report_occ *o)
{
	memset(o, 0, sizeof(*o));
	o->port = -1;
	o->proto = -1;
	o->peer_port = -1;
}

struct wrap {
	const struct report_msg *m;
	const struct report_parser *parser;
	report_emit_fn emit;
	void (*bad)(void *ctx, const char *msg);
	void *ctx;
	struct report_stats *st;
	const struct report_part *part;
	uint64_t n;
};

static int wrap_emit(void *ctx, const struct report_occ *o)
{
	struct wrap *w = ctx;
	struct report_occ c = *o;

	if (w->st->occurrences >= REPORT_MAX_OCC)
		return VIGIL_ELIMIT;
	if (!c.format[0])
		snprintf(c.format, sizeof(c.format), "%s", w->parser->name);
	if (!c.sender[0])
		snprintf(c.sender, sizeof(c.sender), "%s", w->m->from);
	if (!c.source[0])
		snprintf(c.source, sizeof(c.source), "part %u", w->part->index);
	w->n++;
	w->st->occurrences++;
	return w->emit(w->ctx, &c);
}

static void wrap_bad(void *ctx, const char *msg)
{
	struct wrap *w = ctx;
	char line[512];

	w->st->bad++;
	if (w->bad) {
		snprintf(line, sizeof(line), "part %u%s%s%s: %s", w->part->index,
			 w->part->filename[0] ? " (" : "", w->part->filename,
			 w->part->filename[0] ? ")" : "", msg);
		w->bad(w->ctx, line);
	}
}

static void note_format(struct report_stats *st, const char *name)
{
	size_t i = 0;

	while (i < 7 && st->formats[i]) {
		if (!strcmp(st->formats[i], name))
			return;
		i++;
	}
	if (i < 7) {
		st->formats[i] = name;
		st->formats[i + 1] = NULL;
	}
}

/* Parse one part with parser pr through the wrapper. */
static int run_parser(struct wrap *w, const struct report_parser *pr, const struct report_part *p,
		      char *err, size_t errlen)
{
	int rc;

	w->parser = pr;
	w->part = p;
	w->n = 0;
	rc = pr->parse(w->m, p, wrap_emit, wrap_bad, w, err, errlen);
	if (w->n)
		note_format(w->st, pr->name);
	return rc;
}

struct member_ctx {
	struct wrap *w;
	const struct report_part *archive;
	unsigned *next_index;
	bool acns_seen;
	char *err;
	size_t errlen;
	int rc;
};

static const struct report_parser *best_parser(const struct report_msg *m, const struct report_part *p,
					       bool acns_seen)
{
	const struct report_parser *best = NULL;
	int bestp = 0;

	for (size_t i = 0; i < NSTRUCT; i++) {
		int pr;

		if (structured[i] == &report_acns_text && acns_seen)
			continue;
		if ((pr = structured[i]->probe(m, p)) > bestp) {
			bestp = pr;
			best = structured[i];
		}
	}
	return best;
}

static int member(void *ctx, const char *name, const void *data, size_t len)
{
	struct member_ctx *mc = ctx;
	struct report_part p;
	const struct report_parser *pr;
	char *copy;
	int rc = 0;

	if (!(copy = malloc(len + 1)))
		return VIGIL_ENOMEM;
	memcpy(copy, data, len);
	copy[len] = '\0';
	p.index = (*mc->next_index)++;
	p.parent = mc->archive->index;
	p.ctype = strstr(name, ".csv") ? "text/csv" : "application/octet-stream";
	p.filename = name;
	p.data = copy;
	p.len = len;
	mc->w->st->parts++;
	if ((pr = best_parser(mc->w->m, &p, mc->acns_seen))) {
		rc = run_parser(mc->w, pr, &p, mc->err, mc->errlen);
		if (rc < 0 && rc != VIGIL_ELIMIT) {
			char msg[600];
			snprintf(msg, sizeof(msg), "%s", mc->err);
			wrap_bad(mc->w, msg);
			rc = 0;
		}
	}
	free(copy);
	return rc;
}

int report_parse_msg(const struct report_msg *m, report_emit_fn emit,
		     void (*bad)(void *ctx, const char *msg), void *ctx, struct report_stats *st,
		     char *err, size_t errlen)
{
	struct wrap w = { .m = m, .emit = emit, .bad = bad, .ctx = ctx, .st = st };
	unsigned next_index = (unsigned)m->nparts + 1;
	bool acns_seen = false;
	char aerr[256];
	int rc, first_err = 0;

	memset(st, 0, sizeof(*st));
	err[0] = '\0';
	for (size_t i = 0; i < m->nparts; i++)
		if (report_acns.probe(m, &m->parts[i]) > 0)
			acns_seen = true;
	for (size_t i = 0; i < m->nparts; i++) {
		const struct report_part *p = &m->parts[i];
		const struct report_parser *pr;
		struct member_ctx mc = { &w, p, &next_index, acns_seen, err, errlen, 0 };

		st->parts++;
		w.part = p;
		rc = report_archive_each(p, member, &mc, aerr, sizeof(aerr));
		if (rc > 0)
			continue; /* an archive: its members were the parts */
		if (rc < 0) {
			if (rc == VIGIL_ENOMEM)
				return rc;
			wrap_bad(&w, aerr);
			if (!first_err) {
				first_err = rc;
				snprintf(err, errlen, "part %u: %s", p->index, aerr);
			}
			continue;
		}
		if (!(pr = best_parser(m, p, acns_seen)))
			continue;
		rc = run_parser(&w, pr, p, aerr, sizeof(aerr));
		if (rc == VIGIL_ENOMEM || (rc == VIGIL_ELIMIT && st->occurrences >= REPORT_MAX_OCC))
			return rc;
		if (rc < 0) {
			wrap_bad(&w, aerr);
			if (!first_err) {
				first_err = rc;
				snprintf(err, errlen, "part %u: %s", p->index, aerr);
			}
		} else if (rc > 0 && rc != VIGIL_ELIMIT) {
			/* a callback's stop */
		}
	}
	if (st->occurrences == 0) {
		/* nothing structured: read the text parts as a person would */
		for (size_t i = 0; i < m->nparts; i++) {
			const struct report_part *p = &m->parts[i];

			if (strncmp(p->ctype, "text/", 5) || report_text.probe(m, p) <= 0)
				continue;
			if ((rc = run_parser(&w, &report_text, p, aerr, sizeof(aerr))) < 0 && !first_err) {
				first_err = rc;
				snprintf(err, errlen, "part %u: %s", p->index, aerr);
			}
		}
	}
	if (st->occurrences)
		return (int)(st->occurrences > 0x7fffffff ? 0x7fffffff : st->occurrences);
	return first_err;
}
