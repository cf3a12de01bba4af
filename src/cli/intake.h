/*
 * intake.h - abuse mail into the desk: the glue between src/report (what a
 * mail says), src/nat (which inside host held a gateway's port), whois (the
 * site) and the desk (documents, events, correspondence). Used by `vigil
 * report ingest` and by `vigil run`'s [report] maildir.
 *
 * One mail: parsed; kept whole as a desk document (its SHA-256); a reply
 * "[vigil #N]" becomes correspondence on N; otherwise every occurrence
 * becomes an event (through NAT when the address is a gateway), ingested in
 * one transaction, and the document is marked filed. A mail nothing can be
 * read from is kept under the rejected folder with a .why sidecar.
 */
#ifndef VIGIL_CLI_INTAKE_H
#define VIGIL_CLI_INTAKE_H

#include <stdint.h>
#include <stdio.h>

#include "nat/nat.h"

struct desk;
struct whois_db;

struct intake_opts {
	const char *rejected_dir;     /* default ./var/rejected */
	struct nat_index *nat;        /* NULL: gateways stay unresolved */
	struct nat_lookup_opts nat_opts;
	const struct whois_db *whois; /* NULL: no gateways known, sites from the desk's lookup */
};

struct intake_stats {
	uint64_t mails, filed, duplicates, case_dups, replies, rejected, failed;
	uint64_t occurrences, bad_rows, events, new_incidents, joined, event_dups;
	uint64_t traced, traced_high, traced_low, untraced;
};

struct intake;

/* The desk must outlive the intake; the intake installs its own site lookup
 * on it (whois, and for a host traced through NAT the gateway's site). */
int intake_new(struct desk *d, const struct intake_opts *o, struct intake **out);
void intake_free(struct intake *in);

/* One mail read from origin (a path, "-", a maildir entry). Returns 0 when
 * it was filed (or was a duplicate or a reply), 1 when rejected (kept under
 * the rejected folder), or < 0 when the desk failed (nothing acknowledged:
 * the mail must be offered again). */
int intake_mail(struct intake *in, const void *raw, size_t len, const char *origin,
		struct intake_stats *st);

/* Every message of MAILDIR/new: filed or rejected, then moved to cur/ with
 * ":2,S". A desk failure stops and leaves the rest in new/. Returns 0, 1
 * (something rejected) or < 0. */
int intake_maildir(struct intake *in, const char *dir, struct intake_stats *st);

/* Is path a maildir (has new/ and cur/)? */
int intake_is_maildir(const char *path);

/* "mails N: filed F, duplicates D, C case ids seen before, replies R, rejected J, ..." */
void intake_print(const struct intake_stats *st, FILE *f);

#endif
