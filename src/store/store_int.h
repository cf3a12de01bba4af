/*
 * store_int.h - internals shared by the store's files (not for other stages):
 * the on-disk layout constants (docs/internals/store-format.md), little-endian
 * put/get helpers over the bounds-checked cursor, CRC32C, the column table,
 * column encode/decode and the segment-file primitives (header, block header,
 * footer, Bloom filter, directory walk) that writer, reader, expire and verify
 * all use.
 */
#ifndef VIGIL_STORE_STORE_INT_H
#define VIGIL_STORE_STORE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "flow/flow.h"
#include "store/store.h"
#include "util/rd.h"

#define SEG_MAGIC "VIGILSEG"
#define SEG_VERSION 2     /* written; 1 (blocks without a filter) is still read */
#define SEG_VERSION_MIN 1
#define SEG_HDR_LEN 64
#define BLK_MAGIC 0x4b4c4256u /* "VBLK" little-endian */
#define FTR_MAGIC 0x52544656u /* "VFTR" */
#define END_MAGIC "VIGILEND"
#define BLK_FIXED 36
#define BLK_COLENT 16
/* Stored columns of a block: the flow columns plus the reverse-pair column. */
#define COL_PEER FLOW_NCOLS
#define BLK_NCOLS (FLOW_NCOLS + 1)
/* Version 2 blocks add one entry after the columns: the block's address
 * filter (a Bloom filter of its SRC and DST addresses), the last payload part. */
#define COL_FILTER BLK_NCOLS
#define BLK_NENT (BLK_NCOLS + 1)
#define BLK_HDR_LEN (BLK_FIXED + BLK_NENT * BLK_COLENT + 4)  /* version 2: 520 */
#define BLK_HDR_LEN_V1 (BLK_FIXED + BLK_NCOLS * BLK_COLENT + 4) /* version 1: 504 */
#define TRAILER_LEN 24
#define FTR_FIXED 56
#define FTR_DIRENT 32

#define STORE_MAX_ROWS (1u << 20)       /* block rows cap (writer option and reader check) */
#define STORE_MAX_BLOCKS (1u << 24)     /* blocks per segment cap */
#define STORE_MAX_BLOOM_WORDS (1u << 24) /* Bloom filter at most 128 MiB */
#define STORE_BLOOM_BITS_PER_KEY 8      /* with k = 6: about 2% false positives */
#define STORE_BLK_BLOOM_BITS 6          /* per distinct address of a block: with k = 4, */
                                        /* about 5.6% false positives (8 bits: 2%, +1/3 bytes) */
#define STORE_BLK_BLOOM_K 4
/* A block's filter is at most this many 64-bit words (2 addresses a row). */
#define STORE_BLK_BLOOM_MAX_WORDS(rows) ((2 * (uint64_t)(rows) * STORE_BLK_BLOOM_BITS + 63) / 64 + 1)
#define STORE_MAX_INDEX_KEYS (8u << 20) /* distinct addresses tracked per segment */

/* Column encodings (per block, per column). */
enum col_enc {
	ENC_CONST = 1,  /* one value for every row: raw element bytes */
	ENC_VARINT = 2, /* LEB128 per row (times as deltas, see colenc.c) */
	ENC_FIXED = 3,  /* fixed width, byte planes (shuffled) */
	ENC_V4 = 4,     /* addresses, all IPv4: 4 bytes each, byte planes */
	ENC_MIX = 5,    /* addresses, mixed: IPv6-row bitmap, IPv4 planes, IPv6 planes */
	ENC_BLOOM = 6,  /* the block's address filter (entry COL_FILTER, width = k) */
};

enum col_kind { K_FIRST, K_LAST, K_ADDR, K_U64, K_U32, K_U16, K_U8 };

struct col_def {
	enum col_kind kind;
	size_t off;   /* offsetof in struct flow */
	size_t esize; /* decoded element size */
	const char *name;
};

extern const struct col_def store_cols[FLOW_NCOLS];

/* One column entry of a block header. */
struct col_ent {
	uint8_t enc, codec, width, flags;
	uint32_t clen, rlen, crc;
	uint64_t off; /* offset of the payload from the block start (computed) */
};

struct blk_hdr {
	uint32_t hdr_len, payload_len, rows; /* hdr_len: BLK_HDR_LEN or BLK_HDR_LEN_V1 */
	int64_t min_first, max_last;
	struct col_ent col[BLK_NENT]; /* col[COL_FILTER].clen 0: no filter (version 1) */
};

struct seg_hdr {
	uint16_t version;
	int64_t created_ms, start_ms, segment_ms;
	uint8_t codec, level;
};

struct dirent_blk {
	uint64_t off;
	uint32_t rows;
	int64_t min_first, max_last;
};

struct seg_footer {
	uint32_t nblocks;
	uint32_t flags; /* FTR_INDEX_FULL: index incomplete, cannot skip by host */
	uint64_t rows;
	int64_t min_first, max_last;
	struct dirent_blk *blocks; /* owned */
	uint32_t bloom_words, bloom_k; /* filter of bloom_words * 64 bits, k hashes */
	uint64_t bloom_keys;
	uint8_t *bloom; /* owned, bloom_words * 8 bytes */
};
#define FTR_INDEX_FULL 1u

/* ---- little-endian helpers ---- */
static inline void put_u16le(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void put_u32le(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}
static inline void put_u64le(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}
static inline uint32_t get_u32le(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t get_u64le(const uint8_t *p)
{
	return (uint64_t)get_u32le(p) | (uint64_t)get_u32le(p + 4) << 32;
}
static inline int rdle_u8(struct rd *r, uint8_t *v) { return rd_u8(r, v); }
static inline int rdle_u16(struct rd *r, uint16_t *v)
{
	if (rd_left(r) < 2)
		return -4;
	*v = (uint16_t)(r->p[0] | r->p[1] << 8);
	r->p += 2;
	return 0;
}
static inline int rdle_u32(struct rd *r, uint32_t *v)
{
	if (rd_left(r) < 4)
		return -4;
	*v = get_u32le(r->p);
	r->p += 4;
	return 0;
}
static inline int rdle_u64(struct rd *r, uint64_t *v)
{
	if (rd_left(r) < 8)
		return -4;
	*v = get_u64le(r->p);
	r->p += 8;
	return 0;
}
static inline int rdle_i64(struct rd *r, int64_t *v)
{
	uint64_t u;

	if (rdle_u64(r, &u))
		return -4;
	*v = (int64_t)u;
	return 0;
}

/* crc32c.c: CRC-32C (Castagnoli), crc starts at 0. */
uint32_t store_crc32c(uint32_t crc, const void *buf, size_t len);
/* The portable table version (what store_crc32c uses without SSE4.2), and
 * whether store_crc32c uses the SSE4.2 instruction here (1) or not (0). */
uint32_t store_crc32c_portable(uint32_t crc, const void *buf, size_t len);
int store_crc32c_hw(void);

/* colenc.c: codec-level compression. Returns the compressed length or <0. */
size_t store_codec_bound(enum store_codec codec, size_t n);
long store_compress(void *cctx, enum store_codec codec, int level, const uint8_t *src, size_t n,
		    uint8_t *dst, size_t cap);
/* Decompresses exactly rlen bytes; returns 0 or VIGIL_EFORMAT. */
int store_decompress(void *dctx, enum store_codec codec, const uint8_t *src, size_t clen,
		     uint8_t *dst, size_t rlen);
void *store_cctx_new(void);
void store_cctx_free(void *c);
void *store_dctx_new(void);
void store_dctx_free(void *c);

/*
 * Encode column c of n rows into out (cap >= store_col_raw_max(n)): rows[0..n),
 * or rows[sel[0]], ..., rows[sel[n-1]] when sel is not NULL. Sets
 * e->enc/width/rlen. max_last is the block's base time: LAST is stored as
 * max_last - last, FIRST as the zigzag duration last - first.
 */
void store_col_encode(enum flow_col c, const struct flow *rows, const uint32_t *sel, size_t n,
		      int64_t max_last, uint8_t *out, struct col_ent *e);
size_t store_col_raw_max(size_t rows);
/*
 * Reverse pairs: a row whose (dst, src, dport, sport, proto) is another
 * row's (src, dst, sport, dport, proto) stores only a signed offset to that
 * row in the peer column; its SRC, DST, SPORT, DPORT and PROTO are not
 * stored (they are the partner's, swapped). These five columns are encoded
 * over the rows with peer 0 only ("base" rows).
 */
static inline bool col_paired(int c)
{
	return c == FLOW_COL_SRC || c == FLOW_COL_DST || c == FLOW_COL_SPORT ||
	       c == FLOW_COL_DPORT || c == FLOW_COL_PROTO;
}
/* The column whose value a ref row takes from its partner. */
static inline int col_swap(int c)
{
	return c == FLOW_COL_SRC ? FLOW_COL_DST : c == FLOW_COL_DST ? FLOW_COL_SRC :
	       c == FLOW_COL_SPORT ? FLOW_COL_DPORT : c == FLOW_COL_DPORT ? FLOW_COL_SPORT : c;
}
/*
 * A ref row also stores some columns relative to its partner: LAST as a
 * zigzag delta from the partner's LAST, and these XORed with the partner's
 * (swapped) column, which is usually zero: interfaces, AS numbers, masks
 * swap between a flow and its reverse; direction, TOS, TCP flags compare
 * with the partner's own. Returns the partner column, or -1.
 */
static inline int col_xswap(int c)
{
	switch (c) {
	case FLOW_COL_IN_IF: return FLOW_COL_OUT_IF;
	case FLOW_COL_OUT_IF: return FLOW_COL_IN_IF;
	case FLOW_COL_SRC_AS: return FLOW_COL_DST_AS;
	case FLOW_COL_DST_AS: return FLOW_COL_SRC_AS;
	case FLOW_COL_SRC_MASK: return FLOW_COL_DST_MASK;
	case FLOW_COL_DST_MASK: return FLOW_COL_SRC_MASK;
	case FLOW_COL_DIRECTION: case FLOW_COL_TOS: case FLOW_COL_TCP_FLAGS: return c;
	default: return -1;
	}
}
void store_peer_encode(const int32_t *peer, size_t n, uint8_t *out, struct col_ent *e);
/* Decode and validate: every offset lands in the block on a row with peer 0. */
int store_peer_decode(const struct col_ent *e, const uint8_t *raw, size_t n, int32_t *dst);

/*
 * Decode a raw (decompressed) column into dst (n elements of the member
 * type). last is the decoded LAST column (needed by FIRST). Returns 0 or
 * VIGIL_EFORMAT on any inconsistency.
 */
int store_col_decode(enum flow_col c, const struct col_ent *e, const uint8_t *raw, size_t n,
		     int64_t max_last, const int64_t *last, void *dst);

/* segment.c */
void seg_hdr_put(uint8_t out[SEG_HDR_LEN], const struct seg_hdr *h);
int seg_hdr_get(const uint8_t *p, size_t len, struct seg_hdr *h);
/* Parse a block header from p (len bytes available). 0, VIGIL_ESHORT (need
 * more bytes), VIGIL_EFORMAT (not a block) or VIGIL_ECHECKSUM. */
int blk_hdr_get(const uint8_t *p, size_t len, struct blk_hdr *h);
void blk_hdr_put(uint8_t out[BLK_HDR_LEN], const struct blk_hdr *h);
/* Footer: serialise into a malloc'd buffer including the trailer (caller frees). */
int footer_build(const struct seg_footer *f, uint64_t footer_off, uint8_t **out, size_t *len);
/* Read the trailer+footer of an open fd of size fsize. 0, or <0 if absent/bad. */
int footer_read(int fd, uint64_t fsize, struct seg_footer *f, uint64_t *footer_off);
void footer_free(struct seg_footer *f);

/* Bloom filter over addresses (the segment's index and each block's filter). */
void bloom_add(uint8_t *bits, uint32_t words, uint32_t k, const struct vaddr *a);
bool bloom_has(const uint8_t *bits, uint32_t words, uint32_t k, const struct vaddr *a);
/* The two hashes bloom_add uses (h2 is a function of h1), and bloom_add
 * from h1 alone (so a writer can deduplicate addresses by h1). */
void bloom_hash(const struct vaddr *a, uint64_t *h1, uint64_t *h2);
void bloom_add_hash(uint8_t *bits, uint32_t words, uint32_t k, uint64_t h1);
/*
 * Does block b (header read, fd set) possibly hold one of hosts[0..n)?
 * Reads its filter (one pread, added to *bytes) and checks its CRC. 1: maybe
 * (also when the block has no filter), 0: certainly not, VIGIL_ECHECKSUM:
 * the filter is damaged, VIGIL_ENOMEM / VIGIL_EIO.
 */
int blk_filter_check(int fd, uint64_t off, const struct blk_hdr *h, const struct vaddr *hosts,
		     size_t n, uint8_t **buf, size_t *cap, uint64_t *bytes);

/*
 * Scan the blocks of a segment from the first block on, as a reader does for
 * a segment without a valid footer. For each whole block with a valid header
 * calls fn (may be NULL; a non-zero return stops the scan and is returned)
 * with its offset and header. Stops at the end of the file or at the footer.
 * Bytes that are not a valid block header are skipped by searching for the
 * next valid one (*bad counts such regions); if none follows, they are a
 * torn tail (*torn set). *end gets the offset just past the last whole block.
 * Returns 0 or a negative vigil_err for an I/O error.
 */
int seg_scan(int fd, uint64_t fsize, int (*fn)(void *ctx, uint64_t off, const struct blk_hdr *h),
	     void *ctx, uint64_t *end, bool *torn, uint64_t *bad);

/* Segment files of a store in time order (by name). paths[] malloc'd. */
struct seg_list {
	char **paths;
	size_t n;
};
int seg_list(const char *dir, bool include_open, struct seg_list *l);
void seg_list_free(struct seg_list *l);
bool seg_is_open_name(const char *path);

/*
 * A block being read: its header, where it is, and the columns decoded so
 * far into buffers that live as long as the block object (the reader reuses
 * one across blocks, so steady-state reading does not allocate).
 */
struct store_block {
	int fd;
	uint64_t off; /* of the block header in the file */
	struct blk_hdr h;
	void *dctx;
	uint8_t *cbuf, *rbuf; /* compressed / raw scratch */
	size_t ccap, rcap;
	void *col[FLOW_NCOLS];
	size_t colcap[FLOW_NCOLS];
	int32_t *peer;   /* reverse-pair offsets (0: base row) */
	uint32_t *cidx;  /* row -> index among base rows */
	size_t peercap, nbase;
	void *cmp[2];    /* compact (base-row) arrays of a pair of columns */
	size_t cmpcap[2];
	uint64_t done;   /* bit c: column c decoded; bit COL_PEER: peer/cidx ready */
	bool bad;        /* a column failed its checksum or decoding */
	uint64_t bytes_read;
};
void blk_init(struct store_block *b);
/* Point b at the block at off with header h (read through fd). */
void blk_reset(struct store_block *b, int fd, uint64_t off, const struct blk_hdr *h);
/* Decode column c; NULL (and b->bad set) on checksum or format failure. */
const void *blk_col(struct store_block *b, enum flow_col c);
void blk_release(struct store_block *b);

/* pread exactly n bytes; 0, VIGIL_ESHORT at EOF, VIGIL_EIO. */
int store_pread(int fd, void *buf, size_t n, uint64_t off);

#endif
