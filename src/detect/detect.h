/*
 * detect.h - detectors over time windows: list hits (C&C, block lists), a
 * weighted score per internal host, horizontal and vertical scans, DoS,
 * reflection and internal amplifiers; and the event log they append to.
 *
 * A struct detect is made from a configuration (the [detect] section of
 * vigil.conf, CLI options set into it with conf_set()): the constituency's
 * own networks, window length, thresholds. Feed it flows in roughly time
 * order with detect_feed(); a window [k*W, (k+1)*W) closes when a flow ends
 * past it, and at detect_flush(). Closing a window runs every detector's
 * flush, which emits events (util/event.h) through the callback. The hot
 * path allocates nothing per flow: tables are sized up front and capped;
 * what does not fit is counted in the stats' overflow counter.
 *
 * With 1:N sampled flows (N > 1) events are marked estimate = true,
 * sampling = N: packets and bytes are estimates (x N), flows and distinct
 * peers are what the sample showed, scan targets are estimated from the
 * probes seen (docs/internals/detect.md).
 */
#ifndef VIGIL_DETECT_DETECT_H
#define VIGIL_DETECT_DETECT_H

#include <stddef.h>
#include <stdint.h>

#include "flow/flow.h"
#include "intel/intel.h"
#include "util/conf.h"
#include "util/event.h"

/* Receives each event; e is only valid during the call. */
typedef void (*detect_emit_fn)(void *ctx, const struct event *e);

struct detect_stats {
	uint64_t flows;           /* flows fed */
	uint64_t flows_external;  /* neither end in the constituency: ignored */
	uint64_t flows_late;      /* ended before the open window: counted in it */
	uint64_t windows;         /* windows closed */
	uint64_t events;          /* events emitted */
	uint64_t overflow;        /* keys not tracked because a table was full */
	uint64_t list_hits;       /* flows with a listed peer */
	size_t memory;            /* bytes held by the detectors' tables */
};

struct detect;

/*
 * Make the detectors from conf's [detect] section (conf may be NULL: all
 * defaults, but at least one `network` is required). On error returns
 * VIGIL_EINVAL / VIGIL_ESYNTAX with a sentence in err.
 */
int detect_new(const struct conf *conf, detect_emit_fn emit, void *ctx, struct detect **out,
	       char *err, size_t errlen);
/* The same with only the detectors named in only ("lists,scan"; NULL: as
 * [detect] detectors says, all by default) and, when window_ms > 0, that
 * window instead of [detect] window. */
int detect_new_only(const struct conf *conf, const char *only, int64_t window_ms,
		    detect_emit_fn emit, void *ctx, struct detect **out, char *err, size_t errlen);
/* Emits nothing; use detect_flush() first to get the open window's events. */
void detect_free(struct detect *d);

/* The threat lists to match against (not owned; may be NULL). Takes effect at
 * once; a long-running caller swaps sets between windows. */
void detect_set_intel(struct detect *d, const struct intel_set *set);

/* Feed flows (hot path). May close windows and emit. */
void detect_feed(struct detect *d, const struct flow *f, size_t n);
/* Close the open window (if any flow was fed into it) and emit its events. */
void detect_flush(struct detect *d);
void detect_get_stats(const struct detect *d, struct detect_stats *s);
/* Window length in ms. */
int64_t detect_window_ms(const struct detect *d);
/* Start (ms) of the open window, INT64_MIN when no window is open: every
 * window before it is closed and its events emitted. */
int64_t detect_open_start(const struct detect *d);

/*
 * The event log: a directory of files events-YYYYmmddTHHMMSSZ.jsonl (UTC; the
 * name's time is when the file was started, so name order is time order).
 * Each batch is appended as complete lines with one write() and made durable
 * with fdatasync(); a file is rotated at max_bytes or max_age_ms. Readers
 * consume complete lines only, remembering (file, offset). See
 * docs/internals/event-log.md.
 */
struct evlog_opts {
	uint64_t max_bytes;  /* default 64 MiB */
	int64_t max_age_ms;  /* default 1 h */
	int sync;            /* fdatasync each batch (default 1; -1 = off) */
};

struct evlog;

/* Open (create) dir. Returns 0 or a vigil_err. opts may be NULL. */
int evlog_open(const char *dir, const struct evlog_opts *opts, struct evlog **out);
/* Append n events as n JSON lines in one write; now_ms decides rotation. */
int evlog_append(struct evlog *l, const struct event *e, size_t n, int64_t now_ms);
/* Path of the file being written ("" before the first append). */
const char *evlog_current(const struct evlog *l);
void evlog_close(struct evlog *l);

/*
 * Retro-hunt: look for the entries of a list in the flows already stored.
 * When a list gains entries (a feed refresh, SIGHUP in `vigil run`) or on
 * `vigil hunt`, the flows of [from, to] that touch an entry are read through
 * the store's per-segment and per-block address filters (only blocks that
 * may hold an entry's address are decoded), sorted by time and run through
 * the lists detector (window o->window_ms, default 1 h), so the events are
 * those the live detectors would have filed had the entry been listed then;
 * each is marked as found by the hunt (source "hunt", why "found by hunt:").
 */
struct hunt_opts {
	const char *store_dir;
	int64_t from_ms, to_ms;         /* INT64_MIN / INT64_MAX: all */
	const struct intel_set *entries; /* what to look for (built) */
	int64_t window_ms;              /* 0: 1 h */
	size_t max_flows;               /* matching flows held at once (0: 4 M) */
};

struct hunt_stats {
	uint64_t entries;          /* entries looked for */
	uint64_t filter_hosts;     /* addresses asked of the store's filters */
	uint64_t wide;             /* entries too wide for the filters (every block read) */
	uint64_t segments, segments_skipped, blocks, blocks_skipped, bad_blocks, rows;
	uint64_t bytes_read;
	uint64_t matched;          /* flows touching an entry */
	uint64_t events;
	int64_t elapsed_ms;
};

int hunt_run(const struct conf *conf, const struct hunt_opts *o, detect_emit_fn emit, void *ctx,
	     struct hunt_stats *st, char *err, size_t errlen);

#endif
