/*
 * notify.h - what leaves the desk: notices to the responsible site (or, for
 * outside hosts, the network's abuse contact), updates, per-site batches and
 * per-contact digests, reminders and escalation when no answer comes, and
 * advisories to the constituency. Reads the desk, the constituency (whois)
 * and the flow store; writes only the desk's outbox and notices. Mails are
 * composed from templates a team edits (templates/LANG/NAME.txt), signed
 * and encrypted with gpgme, and sent over SMTP with libcurl.
 *
 * One cycle (what `vigil notify run` and `vigil run` do):
 *   notify_plan      compose what is due (new incidents, updates, digests
 *                    whose period ended) and queue it with the notices it
 *                    records, one transaction a mail;
 *   notify_followup  reminders, escalations and stalls for notices whose
 *                    due time passed without a reply;
 *   notify_send      hand queued mails to the server; a failure waits with
 *                    back-off, nothing is lost or sent twice by vigil.
 *
 * The data a template sees (JSON; times RFC 3339 UTC):
 *   team        {name, from, reply_to, signature}
 *   recipient   "abuse@site.example"         to      the To: line
 *   site        {id, name, contact, abuse, language, format, batch}  (ours)
 *   network     {asn: [N], as_name, netname, country, abuse} (outside hosts)
 *   incident    {id, tag "[vigil #N]", kind, kind_text, severity, state,
 *                host, peer, site, subject, first_seen, last_seen, events,
 *                query (the `vigil flows` command that shows it), due,
 *                action (what the site is asked to do), update (bool),
 *                reminder (0, 1 ...), escalated (bool), told (first told)}
 *   events      [{id, kind, host, peer, port, proto, first, last, flows,
 *                packets, bytes, score, why, query, estimate (bool),
 *                report {sender, subject, received, sha256, excerpt}}]
 *   flows       [{line}] the stored flows of the first events (nfdump-style
 *                lines), with flows_header; empty when no store is read
 *   more_events N events not listed (the listing is capped)
 *   incidents   [incident + its events ...]   (digests)
 *   hosts       [{host, site, ...}]           (advisories)
 *   advisory    {id, title, body}             (advisories)
 *   period      {from, to, length}            (digests)
 *   now, deadline (when an answer is expected), deadline_text ("3 days")
 */
#ifndef VIGIL_NOTIFY_NOTIFY_H
#define VIGIL_NOTIFY_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct conf;
struct desk;
struct whois_db;
struct notify;

struct notify_stats {
	uint64_t queued;      /* mails composed and queued */
	uint64_t incidents;   /* incidents told (new or updated) */
	uint64_t reminders, escalations, stalled;
	uint64_t sent, deferred, failed; /* send outcomes */
	uint64_t no_contact;  /* incidents with nobody to tell (listed in the log) */
	uint64_t waiting;     /* incidents waiting for their batch period */
};

/* Set up from vigil.conf [notify] (cf may be NULL: defaults) over an open
 * desk, a constituency (may be NULL: nobody can be found to tell) and a
 * flow store directory (may be NULL: no flow lines in mails). Templates are
 * compiled and checked here: an error names the file and line (in err) and
 * nothing is sent. */
int notify_open(const struct conf *cf, struct desk *d, const struct whois_db *w,
		const char *store_dir, struct notify **out, char *err, size_t errlen);
void notify_close(struct notify *n);
/* Compile every template and check its names, problems to out as
 * FILE:LINE: reason; returns how many. */
int notify_check(struct notify *n, FILE *out);
/* Whether an SMTP server is configured ([notify] smtp). */
bool notify_can_send(const struct notify *n);

int notify_plan(struct notify *n, int64_t now, struct notify_stats *st);
int notify_followup(struct notify *n, int64_t now, struct notify_stats *st);
/* Tell sites of blocks on their hosts and of their end (block.txt,
 * unblock.txt; data as for a notice plus block {id, prefix, reason, state,
 * created, activated, until, ended, removed_why, expired}), each mail
 * queued with the record that it was told. */
int notify_blocks(struct notify *n, int64_t now, struct notify_stats *st);
int notify_send(struct notify *n, int64_t now, struct notify_stats *st);
/* plan, blocks, followup, then send when a server is configured. */
int notify_cycle(struct notify *n, int64_t now, struct notify_stats *st);

/* Write the mail incident id would get now (whatever its batch) to out,
 * headers and body, without queueing anything. */
int notify_preview(struct notify *n, int64_t id, int64_t now, FILE *out, char *err,
		   size_t errlen);

/* ---- advisories ---- */
struct notify_selector {
	bool all;              /* every site of the constituency */
	const char *filter;    /* a flow filter over the store (nfdump syntax) */
	int64_t from_ms, to_ms; /* its time range */
	const char *side;      /* "src" (default), "dst" or "any": which addresses of a flow */
};

/* The sites an advisory concerns with their hosts: fn(site id, recipient,
 * hosts "a, b, c") for each. */
int notify_advisory_sites(struct notify *n, const struct notify_selector *sel,
			  int (*fn)(void *ctx, const char *site, const char *recipient,
				    const char *hosts),
			  void *ctx, char *err, size_t errlen);
/* Write the mail one site (NULL: the first) would get for advisory id. */
int notify_advisory_preview(struct notify *n, int64_t id, const struct notify_selector *sel,
			    const char *site, FILE *out, char *err, size_t errlen);
/* Queue advisory id to every site sel chooses that has not had it (the
 * record keeps who got it); returns the number queued or < 0. */
int notify_advisory_send(struct notify *n, int64_t id, const struct notify_selector *sel,
			 int64_t now, char *err, size_t errlen);

#endif
