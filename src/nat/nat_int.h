/*
 * nat_int.h - internal to src/nat: the pieces the log readers share
 * (syslog time stamps, small scanners over a line) and the run files the
 * index is made of (runfile.c), which the index writer (index.c) and the
 * lookup (lookup.c) both use.
 */
#ifndef VIGIL_NAT_INT_H
#define VIGIL_NAT_INT_H

#include "nat/nat.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- scanning a line ---- */
struct nat_scan {
	const char *p, *end;
};

/* Find needle from s->p on; move s->p past it. false when absent. */
bool nat_skip_past(struct nat_scan *s, const char *needle);
/* An address "a.b.c.d" or IPv6 at s->p, up to '/', ' ', ')' ...; moves past it. */
bool nat_scan_addr(struct nat_scan *s, struct vaddr *a);
/* A decimal number at s->p (at most max); moves past it. */
bool nat_scan_uint(struct nat_scan *s, uint32_t max, uint32_t *v);
/* "H:MM:SS" (also "D days H:MM:SS" and "HhMMmSSs") as seconds. */
bool nat_scan_duration(struct nat_scan *s, uint32_t *secs);
/* "tcp"/"TCP"/"udp"/"icmp"/"6" ... as an IP protocol number, 0 when unknown. */
uint8_t nat_proto(const char *s, size_t n);

/* A syslog or ISO time stamp at the start of line (after an optional "<PRI>"):
 * "Mar  1 10:00:00", "Mar 01 2024 10:00:00" (ASA), "2024-03-01T10:00:00Z",
 * "2024-03-01T10:00:00.123+01:00", "2024-03-01 10:00:00". Year and zone
 * from o when the stamp has none. Returns ms and the end of the stamp, or -1. */
int nat_syslog_time(const char *line, size_t len, const struct nat_fmt_opts *o, int64_t *ms,
		    size_t *used);

/* ---- run files: one immutable sorted file of mappings ---- */

#define NAT_RUN_MAGIC "VIGILNAT"
#define NAT_RUN_VERSION 1
#define NAT_BLOCK_RECS 256      /* mappings a block written (a lookup decodes one a run) */
#define NAT_BLOCK_RECS_MAX 1024 /* and the most a reader accepts */

/* One mapping as the index keeps it. */
struct nat_map {
	struct vaddr outside, inside;
	int64_t start_ms, end_ms; /* end 0: open (no close seen) */
	uint32_t line;
	uint16_t src;             /* index into the run's source names */
	uint16_t port, inside_port;
	uint8_t proto;
	uint8_t flags;            /* NAT_MAP_* */
};
#define NAT_MAP_NOSTART 1 /* the close said no start: start is end - cap */

int nat_map_cmp(const struct nat_map *a, const struct nat_map *b); /* key, then start */

struct nat_run; /* an open run file (read side) */

/* Memory a writer lends nat_run_write for sorting, kept between runs so a
 * long ingest does not fault in fresh pages at every flush. Zero it to
 * start; nat_sort_scratch_free() at the end. */
struct nat_sort_scratch {
	void *keys;
	struct nat_map *maps;
	size_t cap;
};
void nat_sort_scratch_free(struct nat_sort_scratch *s);

/* Write maps[0..n) (in any order: sorted here, maps left as they were)
 * with the source names to path, crash-safe (temporary file, fdatasync,
 * link, directory fsync). scratch may be NULL. */
int nat_run_write(const char *path, const struct nat_map *maps, size_t n, const char *const *srcs,
		  size_t nsrcs, struct nat_sort_scratch *scratch);
/* Open and check a run's header and footer; VIGIL_ECHECKSUM / EFORMAT when damaged. */
int nat_run_open(const char *path, struct nat_run **out);
void nat_run_close(struct nat_run *r);
/* Every map of (outside, port[, proto]) in the run: fn for each; fn's non-zero stops. */
int nat_run_find(struct nat_run *r, const struct vaddr *outside, uint16_t port, uint8_t proto,
		 int (*fn)(void *ctx, const struct nat_map *m, const char *src), void *ctx);
/* Every map of the run in order (compaction, info). */
int nat_run_each(struct nat_run *r, int (*fn)(void *ctx, const struct nat_map *m, const char *src),
		 void *ctx);
void nat_run_info(const struct nat_run *r, uint64_t *n, int64_t *min_start, int64_t *max_end,
		  uint64_t *bytes);

/* ---- the index: a directory of runs ----
 *   DIR/h/YYYYMMDDHH-SEQ.nat  mappings that started in that hour and lasted
 *                             at most an hour (nearly all of them)
 *   DIR/l/YYYYMMDD-SEQ.nat    longer ones, open ones (no close seen yet) and
 *                             closes whose start was in an earlier file
 */
#define NAT_HOUR_MS (3600LL * 1000)
#define NAT_DAY_MS (24 * NAT_HOUR_MS)

struct nat_part {
	char kind;          /* 'h' or 'l' */
	int64_t t0;         /* UTC ms of the hour / day */
	unsigned seq;
	char *path;
	struct nat_run *run; /* opened on first use */
	bool bad;            /* could not be opened: skipped (warned once) */
};

struct nat_index {
	char *dir;
	bool writable;
	struct nat_part *parts; /* sorted by kind, t0, seq */
	size_t nparts, partcap;
	struct nat_writer *w;   /* writable only */
	uint64_t bad_runs;
};

/* The run of a part, opened on first use; NULL (warned once) when damaged. */
struct nat_run *nat_part_run(struct nat_index *x, struct nat_part *p);
/* The first part of kind at or after t0 (index into x->parts, may be nparts). */
size_t nat_part_lower(const struct nat_index *x, char kind, int64_t t0);

#endif
