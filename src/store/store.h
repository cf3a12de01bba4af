/*
 * store.h - the flow store: time-partitioned segment files of compressed
 * column blocks, crash-safe, with a per-segment address index and retention.
 *
 * Writer: one per store directory (the collector). Flows are appended to the
 * open block; a block is finished (compressed, checksummed, written and made
 * durable) when full or when the flush interval passes, so a kill -9 loses at
 * most the block in progress. Segments rotate every `segment_ms` of wall time.
 *
 * Reader: selects segments by time range and (optionally) by the addresses
 * the caller needs, then yields blocks. A block's columns are decompressed on
 * first use, so a query that filters on two columns reads two columns. A torn
 * or corrupt block is skipped and counted, never returned.
 */
#ifndef VIGIL_STORE_STORE_H
#define VIGIL_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "flow/flow.h"

enum store_codec { STORE_ZSTD = 1, STORE_LZ4 = 2, STORE_NONE = 3 };

struct store_opts {
	int64_t segment_ms;     /* segment length, default 5 min */
	uint32_t block_rows;    /* flows per block at most, default 65536 (0 = default) */
	int64_t flush_ms;       /* finish the block in progress at least this often, default 1000 */
	enum store_codec codec; /* default STORE_ZSTD */
	int level;              /* codec level, 0 = codec default (zstd 3, lz4 fast) */
	int sync;               /* > 0: fdatasync every finished block (the default when opts
				 * is NULL); <= 0: don't (a crash of the machine, not of the
				 * process, may then lose recent blocks) */
};

struct store_writer_stats {
	uint64_t flows, blocks, segments, bytes_written;
	uint64_t flows_durable; /* flows in finished (written and synced) blocks */
};

struct store_writer;

/* Open (create) the store directory for writing: takes DIR/.lock (a second
 * writer gets VIGIL_ESTATE) and first recovers every segment a crashed writer
 * left open. opts NULL = defaults. Returns 0 or a vigil_err. */
int store_writer_open(const char *dir, const struct store_opts *opts, struct store_writer **out);
/* Append flows (copied). May finish blocks and rotate segments. */
int store_writer_add(struct store_writer *w, const struct flow *f, size_t n);
/* Call regularly (e.g. every loop turn) with the current time: finishes the
 * block in progress when flush_ms has passed and rotates segments. */
int store_writer_tick(struct store_writer *w, int64_t now_ms);
/* Finish the block in progress now. */
int store_writer_flush(struct store_writer *w);
void store_writer_get_stats(const struct store_writer *w, struct store_writer_stats *s);
/* Flush, finish the segment and free. NULL is fine. */
int store_writer_close(struct store_writer *w);

/* Which flows a reader wants. Unset times: INT64_MIN / INT64_MAX.
 * Blocks are selected when their [min first, max last] overlaps the range;
 * rows inside a block are NOT filtered by store_reader_next_block() (check
 * FIRST/LAST yourself); store_reader_next() does filter rows by time.
 * Blocks come in segment (write) order; rows within a block are NOT in
 * arrival order: the writer sorts them by conversation (endpoints, protocol,
 * ports, start) so a flow and its reverse compress together. Segments still
 * being written (.seg.open) have no index yet and are always read. */
struct store_select {
	int64_t from_ms, to_ms;       /* flows whose [first,last] overlaps this */
	const struct vaddr *hosts;    /* if non-NULL: only segments whose index may hold */
	size_t nhosts;                /*   any of these as src or dst */
};

struct store_reader_stats {
	uint64_t segments, segments_skipped, blocks, blocks_skipped, bad_blocks, torn_tails, rows;
	uint64_t bytes_read;
	uint64_t bad_segments;  /* files whose header is unreadable */
};

struct store_reader;
struct store_block;

int store_reader_open(const char *dir, const struct store_select *sel, struct store_reader **out);
/* Next block: 1 with *b set (valid until the next call), 0 at the end, <0 error. */
int store_reader_next_block(struct store_reader *r, struct store_block **b);
/* Convenience: next block materialised as struct flow rows. Same returns. */
int store_reader_next(struct store_reader *r, const struct flow **flows, size_t *n);
void store_reader_get_stats(const struct store_reader *r, struct store_reader_stats *s);
void store_reader_close(struct store_reader *r);

size_t store_block_rows(const struct store_block *b);
int64_t store_block_min_first(const struct store_block *b);
int64_t store_block_max_last(const struct store_block *b);
/* The decoded column (see enum flow_col for its element type), or NULL if it
 * could not be decoded (then the block is counted bad: skip it). */
const void *store_block_col(struct store_block *b, enum flow_col c);
/* Materialise row i. */
void store_block_row(struct store_block *b, size_t i, struct flow *out);

struct store_expire_result {
	uint64_t segments_removed, bytes_removed, segments_kept, bytes_kept;
};

/* Remove whole segments older than max_age_ms (0 = no age limit) and then the
 * oldest until the store is at most max_bytes (0 = no size limit). */
int store_expire(const char *dir, int64_t max_age_ms, uint64_t max_bytes, int64_t now_ms,
		 struct store_expire_result *res);

/* One segment file as `vigil store info` and `verify` see it. */
struct store_segment_info {
	const char *path;
	int open;                    /* still being written (NAME.seg.open): no footer yet */
	int footer;                  /* has a valid footer */
	int torn;                    /* trailing bytes are not a whole block */
	int err;                     /* <0: the file header is unreadable (nothing else is set) */
	int64_t start_ms, segment_ms; /* the wall-clock interval it was written in */
	int64_t min_first, max_last; /* flow times; INT64_MAX / INT64_MIN when empty */
	uint64_t rows, blocks, bytes;
	uint64_t bad_blocks;         /* verify: blocks failing a checksum or decoding */
	uint8_t codec;               /* enum store_codec the writer used */
};

/*
 * Visit every segment of dir in time order (fn returning non-zero stops and
 * is returned). With verify set, every block is read: header and column
 * checksums checked and every column decoded; bad(ctx, path, block index,
 * file offset, reason) is called for each failure (bad may be NULL).
 * Returns 0, VIGIL_ENOTFOUND if dir does not exist, or another vigil_err.
 */
int store_scan(const char *dir, int verify, int (*fn)(void *ctx, const struct store_segment_info *si),
	       void (*bad)(void *ctx, const char *path, uint64_t block, uint64_t offset,
			   const char *why),
	       void *ctx);

#endif
