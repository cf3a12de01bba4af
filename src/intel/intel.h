/*
 * intel.h - threat lists: readers for the common feed formats and one
 * longest-prefix-match set over all their entries.
 *
 * A struct intel_set holds the entries of any number of feeds (Emerging
 * Threats / DShield plain lists, abuse.ch Feodo Tracker CSV, Spamhaus DROP
 * text and JSON lines, a generic CSV with an IP column). Load files into it
 * with intel_load(), then intel_build() once, then look addresses up from any
 * number of threads. Every entry remembers its feed name, its kind (C&C or
 * block list), the C&C port and malware family where the feed gives them, and
 * the file line it came from. A bad line is reported (file:line and why) and
 * counted while the rest of the file loads.
 *
 * Reloading without a restart: build a new set and intel_handle_swap() it in;
 * readers that acquired the old set keep it until they release it.
 */
#ifndef VIGIL_INTEL_INTEL_H
#define VIGIL_INTEL_INTEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"

enum intel_kind { INTEL_BLOCKLIST = 0, INTEL_CC = 1 };

enum intel_format {
	INTEL_FMT_AUTO = 0,   /* detect from the content */
	INTEL_FMT_PLAIN,      /* IP or CIDR a line, # and ; comments; DShield "start end" */
	INTEL_FMT_FEODO,      /* abuse.ch Feodo Tracker CSV (C&C) */
	INTEL_FMT_SPAMHAUS,   /* Spamhaus DROP text: "1.2.3.0/24 ; SBL123" */
	INTEL_FMT_SPAMHAUS_JSON, /* Spamhaus DROP JSON lines {"cidr":..,"sblid":..} */
	INTEL_FMT_CSV,        /* CSV with a header and an IP column */
};

#define INTEL_MAX_LINE 4096          /* longer lines are bad lines */
#define INTEL_MAX_ENTRIES (16u << 20) /* per set */
#define INTEL_MAX_FEEDS 1024
#define INTEL_MAX_FILE (1u << 30)    /* bytes per list file */

/* One listed address range. Owned by the set; valid while the set lives. */
struct intel_entry {
	struct vaddr lo, hi;   /* inclusive range (a prefix or DShield range) */
	const char *feed;      /* feed name */
	const char *family;    /* malware family or "" */
	const char *ref;       /* feed's own id (SBL id) or "" */
	int32_t port;          /* C&C port, -1 if none */
	uint32_t line;         /* line in the list file */
	uint8_t kind;          /* enum intel_kind */
	uint8_t len;           /* prefix length (128-bit space) or 0 for a range */
};

/* What one load did. */
struct intel_load_stats {
	char feed[64];
	enum intel_format format;
	uint64_t loaded, bad, skipped; /* skipped: comments, headers, blank lines */
};

/* Called for each bad line; file is the path given, msg says why. */
typedef void (*intel_err_fn)(void *ctx, const char *file, unsigned line, const char *msg);

struct intel_set;

struct intel_set *intel_set_new(void);
/* Frees the set and its entries. NULL is fine. */
void intel_set_free(struct intel_set *s);

/*
 * Load one list. spec is PATH or a chain of prefixes before it:
 *   [name=FEED:][kind=cc|blocklist:][FORMAT:][col=N:]PATH
 * FORMAT is plain, et, dshield, feodo, spamhaus, spamhaus-json, csv.
 * The feed name defaults to the file name without directories and extension.
 * Returns the number of entries loaded (>= 0) or a vigil_err: VIGIL_EIO when
 * the file cannot be read, VIGIL_ELIMIT when a cap is reached. Bad lines do
 * not fail the load: they go to errfn (may be NULL) and stats->bad.
 * stats may be NULL. Call intel_build() before the next lookup.
 */
long intel_load(struct intel_set *s, const char *spec, intel_err_fn errfn, void *ctx,
		struct intel_load_stats *stats);

/* The same over a buffer (for tests and fuzzing); file names the buffer in
 * messages, feed may be NULL (then "list"), kind < 0 means the format's default. */
long intel_load_mem(struct intel_set *s, const char *file, const char *feed, enum intel_format fmt,
		    int kind, int col, const char *data, size_t len, intel_err_fn errfn, void *ctx,
		    struct intel_load_stats *stats);

/* Add one entry by hand (prefix or address). Returns 0 or a vigil_err. */
int intel_add(struct intel_set *s, const char *feed, enum intel_kind kind, const struct vprefix *p,
	      int32_t port, const char *family);

/* Build the lookup structure; C&C entries win over block-list entries of the
 * same range. Returns 0 or VIGIL_ENOMEM. */
int intel_build(struct intel_set *s);

/* Most specific entry containing a, or NULL. Only after intel_build(). */
const struct intel_entry *intel_lookup(const struct intel_set *s, const struct vaddr *a);
const struct intel_entry *intel_lookup_v4(const struct intel_set *s, uint32_t v4);

size_t intel_count(const struct intel_set *s);
size_t intel_memory(const struct intel_set *s);

/* Visit each feed: name, kind of most entries, entries loaded and bad lines. */
void intel_feeds(const struct intel_set *s,
		 void (*fn)(void *ctx, const char *feed, enum intel_format fmt, uint64_t loaded,
			    uint64_t bad),
		 void *ctx);

/* The entries of now that were not in before: each entry of now (built)
 * whose range and kind no entry of before (built; may be NULL: all of now)
 * covers, copied with its feed, family and line into a new built set
 * (*out; caller frees). What a retro-hunt looks for when a list grows.
 * Returns the number of entries in *out or a vigil_err. */
long intel_diff(const struct intel_set *now, const struct intel_set *before,
		struct intel_set **out);
/* Visit each entry (in load order); stops when fn returns non-zero. */
void intel_each(const struct intel_set *s, int (*fn)(void *ctx, const struct intel_entry *e),
		void *ctx);
const char *intel_format_name(enum intel_format f);
/* "plain", "feodo", ... -> format; -1 if unknown. */
int intel_format_parse(const char *name);
const char *intel_kind_name(enum intel_kind k); /* "cc" or "blocklist" */

/*
 * Reload without a restart (RCU-lite): the handle holds the current set;
 * readers acquire it (refcount) for a window of work and release it; swap
 * installs a new set and frees the old one when its last reader releases it.
 */
struct intel_handle;

/* Takes ownership of set (may be NULL: an empty set is used). */
struct intel_handle *intel_handle_new(struct intel_set *set);
void intel_handle_free(struct intel_handle *h);
const struct intel_set *intel_handle_acquire(struct intel_handle *h);
void intel_handle_release(struct intel_handle *h, const struct intel_set *set);
/* One more hold on a set already acquired (released once more). */
void intel_handle_hold(struct intel_handle *h, const struct intel_set *set);
/* Install set (takes ownership; must be built). */
void intel_handle_swap(struct intel_handle *h, struct intel_set *set);
/* Load specs into a new set, build it and swap it in. On a failure to read a
 * file the old set stays and the error is returned; bad lines do not fail. */
int intel_reload(struct intel_handle *h, const char *const *specs, size_t nspecs,
		 intel_err_fn errfn, void *ctx);

#endif
