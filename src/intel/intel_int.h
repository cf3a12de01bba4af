/*
 * intel_int.h - what the intel readers share inside src/intel (not public):
 * the per-file parse state the loader hands each reader line by line, the
 * reader table entry, and small text helpers (CSV fields, trimming).
 */
#ifndef VIGIL_INTEL_INT_H
#define VIGIL_INTEL_INT_H

#include "intel/intel.h"

#define INTEL_MAX_COLS 64

/* Parse state of one file. A reader's line() adds entries with
 * intel_parse_add() and returns 0 (added or skipped), 1 for a bad line with msg
 * set, or a negative vigil_err that stops the load (cap reached, no memory). */
struct intel_parse {
	struct intel_set *set;
	const char *file;
	const char *feed;     /* interned in the set */
	int kind;             /* enum intel_kind */
	int col;              /* csv: 0-based IP column, -1 = from the header */
	int port_col, family_col, ref_col; /* -1 if none */
	bool header_seen;
	unsigned lineno;
	uint64_t loaded, skipped;
	char msg[160];
};

struct intel_reader {
	enum intel_format fmt;
	const char *name;
	int default_kind;
	int (*line)(struct intel_parse *p, char *line, size_t len);
};

extern const struct intel_reader intel_reader_plain;
extern const struct intel_reader intel_reader_feodo;
extern const struct intel_reader intel_reader_spamhaus;
extern const struct intel_reader intel_reader_spamhaus_json;
extern const struct intel_reader intel_reader_csv;

/* Add an inclusive range (len = prefix length, 0 for a range); strings may be
 * NULL; they are interned. Returns 0 or a vigil_err (cap reached, no memory). */
int intel_parse_add(struct intel_parse *p, const struct vaddr *lo, const struct vaddr *hi,
		    uint8_t len, int32_t port, const char *family, const char *ref);
/* Parse an address or CIDR (n bytes, not NUL-terminated) and add it. Returns 0,
 * 1 with p->msg set when it is not one, or a negative vigil_err. */
int intel_parse_add_text(struct intel_parse *p, const char *s, size_t n, int32_t port,
			 const char *family, const char *ref);

/* Register feed name (once) and return its interned name; NULL when the feed
 * cap is reached or memory runs out. */
const char *intel_set_feed_name(struct intel_set *s, const char *name, enum intel_format fmt);
/* Add to a feed's counters. */
void intel_set_feed_count(struct intel_set *s, const char *name, uint64_t loaded, uint64_t bad);

/* Split a CSV line in place into at most max fields (quotes removed, "" kept as
 * one quote); returns the count or -1 on an unterminated quote. */
int intel_csv_split(char *line, char **fields, int max);
/* Trim spaces, tabs and CR at both ends in place; returns the new start. */
char *intel_trim(char *s);
/* Parse a decimal port 0..65535; -1 if not one. */
int32_t intel_parse_port(const char *s);

#endif
