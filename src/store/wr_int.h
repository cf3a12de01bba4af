/*
 * wr_int.h - what writer.c and recover.c share: the segment's exact address
 * set (turned into the footer's Bloom filter), finalising a segment, and the
 * small file-system helpers. Internal to src/store.
 */
#ifndef VIGIL_STORE_WR_INT_H
#define VIGIL_STORE_WR_INT_H

#include "store/store_int.h"

struct addr_set {
	struct vaddr *tab; /* open addressing; the zero address marks a free slot */
	size_t cap, n;
	bool has_zero, full;
	/* direct-mapped cache of recently added addresses (ADDR_RECENT slots,
	 * allocated on first use): popular hosts skip the big table's probe */
	struct vaddr *recent;
};
#define ADDR_RECENT 4096
void addr_set_add(struct addr_set *s, const struct vaddr *a);
/* addr_set_add of a[0..n), prefetching the table slots ahead (the table is
 * far bigger than the caches: one miss per new address otherwise). */
void addr_set_add_many(struct addr_set *s, const struct vaddr *const *a, size_t n);
void addr_set_clear(struct addr_set *s);
void addr_set_free(struct addr_set *s);

/*
 * wsort.c: the block's row order and reverse-flow pairing (scratch arrays
 * for up to cap rows, allocated once per writer).
 */
struct wsort {
	uint64_t *key;       /* radix key per row */
	uint64_t *aux;       /* proto, lower port, higher port, direction bit */
	uint8_t *cls;        /* 0: IPv4 <-> IPv4 (key is exact), 1: other */
	uint32_t *idx[2];    /* permutation and scratch */
	uint32_t *queue[2];  /* pairing queues per direction */
	const uint32_t *order; /* result of the last wsort_sort */
};
int wsort_init(struct wsort *s, size_t cap);
void wsort_free(struct wsort *s);
/* Order of rows[0..n) (sorted position -> input row); valid until the next call. */
const uint32_t *wsort_sort(struct wsort *s, const struct flow *rows, size_t n);
/* Pair the rows in the order of the last wsort_sort: peer[i] (sorted
 * positions) is 0 for a base row, else the offset to its partner. */
void wsort_pair(struct wsort *s, const struct flow *rows, size_t n, int32_t *peer);

/* Write footer + trailer at end (truncating anything after it), fsync,
 * rename open_path to final_path and fsync its directory. */
int seg_finalise(int fd, uint64_t end, const struct dirent_blk *blocks, uint32_t nblocks,
		 const struct addr_set *set, const char *open_path, const char *final_path,
		 bool sync);

/* Recover every NAME.seg.open of dir left by a crashed writer. */
int store_recover(const char *dir, bool sync);

int store_mkdir_p(const char *dir);
int store_fsync_dir(const char *dir);
int store_write_all(int fd, const void *buf, size_t n);

#endif
