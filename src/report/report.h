/*
 * report.h - inbound abuse reports: a mail (RFC 5322, MIME decoded with
 * gmime) is split into parts, zip/gzip attachments are opened (libarchive),
 * and each part is offered to the format parsers (ACNS XML and text notices,
 * Shadowserver CSV, X-ARF v0.2 YAML and v4 JSON, IODEF 1.0/2.0, and a plain
 * text fallback). Each parser emits occurrences: one reported thing (a host,
 * maybe a port and a time) with where in the mail it was found.
 *
 * Data flows one way: mail -> parts -> parsers -> occurrences. The caller
 * (the CLI) turns occurrences into desk events; nothing here knows the desk.
 */
#ifndef VIGIL_REPORT_REPORT_H
#define VIGIL_REPORT_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"

#define REPORT_MAX_MAIL (64u << 20)   /* bytes of one mail */
#define REPORT_MAX_PARTS 256          /* MIME leaves (and archive members) of one mail */
#define REPORT_MAX_PART (32u << 20)   /* decoded bytes of one part or archive member */
#define REPORT_MAX_OCC 1000000        /* occurrences of one mail */

/* ---- one reported occurrence ------------------------------------------ */

enum report_conf { REPORT_CONF_LOW = 0, REPORT_CONF_HIGH = 1 };

struct report_occ {
	char type[24];        /* copyright, bot, scan, spam, phishing, open-service, malware,
	                         login-attack, ddos, vulnerable, compromised, report ... */
	char subtype[64];     /* the sender's own name: Shadowserver report type, X-ARF
	                         type, ACNS infringement type, infection name ... */
	struct vaddr ip;      /* the reported host */
	int32_t port;         /* -1: none */
	int16_t proto;        /* -1: none; 6, 17, 1 ... */
	bool has_peer;
	struct vaddr peer;    /* the other end, when the report names it (C&C, target) */
	int32_t peer_port;    /* -1: none */
	int64_t time_ms;      /* UTC; 0: the report gives none */
	char time_orig[64];   /* the time as the sender wrote it ("" when none) */
	char case_id[128];    /* the sender's id for this notice/row ("" when none) */
	char sender[128];     /* who reports it: ACNS Complainant, X-ARF Reporter, mail From */
	char format[16];      /* the parser: "acns", "shadowserver", "xarf", "text" ... */
	uint8_t confidence;   /* enum report_conf: high for structured formats */
	char source[64];      /* where in the mail: "part 2 line 14" */
	char detail[256];     /* one line a person reads: the work's title, the infection ... */
};

void report_occ_init(struct report_occ *o); /* zero with the "none" markers set */

/* ---- a mail, as MIME decoding leaves it ------------------------------- */

struct report_part {
	unsigned index;        /* 1-based, in MIME tree order; archive members follow their archive */
	const char *ctype;     /* "text/plain", "application/xml" ... lower case */
	const char *filename;  /* attachment or archive member name, or "" */
	const char *data;      /* decoded content (transfer encoding undone; text parts in
	                          UTF-8), NUL-terminated for convenience */
	size_t len;
	unsigned parent;       /* index of the archive it came from, 0 for a MIME leaf */
};

struct report_msg {
	const char *message_id; /* without <>, "" when none */
	const char *from;       /* the From address (addr-spec), "" when none */
	const char *from_name;  /* display name, "" when none */
	const char *subject;    /* decoded (RFC 2047) */
	const char *date;       /* the Date header as written */
	int64_t date_ms;        /* the Date header in UTC, 0 when absent or unreadable */
	const char *in_reply_to; /* "" when none */
	const char *x_arf;      /* the X-XARF (or X-ARF) header: "PLAIN", "SECURE", "" when none */
	const struct report_part *parts;
	size_t nparts;
};

struct report_mail; /* owns a parsed mail and everything its report_msg points to */

/* Parse raw (an RFC 5322 message, CRLF or LF). On failure returns VIGIL_EFORMAT
 * (not a mail), VIGIL_ELIMIT (over a cap) or VIGIL_ENOMEM with a reason in err. */
int report_mail_parse(const void *raw, size_t len, struct report_mail **out, char *err,
		      size_t errlen);
const struct report_msg *report_mail_msg(const struct report_mail *m);
void report_mail_free(struct report_mail *m);

/* ---- the parsers ------------------------------------------------------- */

/* A parser's emit callback: non-zero stops the parser, which returns it. */
typedef int (*report_emit_fn)(void *ctx, const struct report_occ *o);

struct report_parser {
	const char *name;
	/* 0..100: how sure the part is in this format (0: not at all). */
	int (*probe)(const struct report_msg *m, const struct report_part *p);
	/* Emit every occurrence of part p. Returns their number, or VIGIL_EFORMAT
	 * with a reason naming the line ("line 14: no IP address in column ip")
	 * in err when the part cannot be read at all; a bad row/line among good
	 * ones is passed to bad() and skipped. */
	int (*parse)(const struct report_msg *m, const struct report_part *p, report_emit_fn emit,
		     void (*bad)(void *ctx, const char *msg), void *ctx, char *err, size_t errlen);
};

extern const struct report_parser report_acns, report_acns_text, report_shadowserver,
	report_xarf, report_iodef, report_text;

/* Open an archive part (zip, gzip, tar...; probed by content): calls fn for
 * each regular member with a part of its own (index 0, parent set by the
 * caller). Returns members seen, 0 when p is no archive, or < 0 with err. */
int report_archive_each(const struct report_part *p,
			int (*fn)(void *ctx, const char *name, const void *data, size_t len),
			void *ctx, char *err, size_t errlen);

struct report_stats {
	uint64_t parts, occurrences, bad;
	const char *formats[8]; /* names of the parsers that emitted, NULL-terminated */
};

/* Run every part of m (and archive members) through the parsers: the best
 * structured parser that claims a part parses it; text runs only on a mail
 * where no structured parser emitted anything. bad() gets skipped rows. */
int report_parse_msg(const struct report_msg *m, report_emit_fn emit,
		     void (*bad)(void *ctx, const char *msg), void *ctx, struct report_stats *st,
		     char *err, size_t errlen);

/* "[vigil #N]" in a subject: returns N > 0, or 0 when there is none. */
int64_t report_reply_incident(const char *subject);

/* ---- times as senders write them -------------------------------------- */

/* RFC 3339, RFC 2822 ("Tue, 2 Jun 2015 10:11:12 +0200"), "2015-06-02 10:11:12"
 * with or without "UTC"/"GMT"/"Z"/an offset, ACNS's "2015-06-02T10:11:12Z",
 * zone names with their offset ("EST (GMT -0500)", "EDT", "PST", "CET"),
 * epoch seconds. No zone: UTC. Returns 0 and *ms (UTC) or VIGIL_EINVAL. */
int report_time_parse(const char *s, int64_t *ms);

#endif
