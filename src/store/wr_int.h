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
};
void addr_set_add(struct addr_set *s, const struct vaddr *a);
void addr_set_clear(struct addr_set *s);
void addr_set_free(struct addr_set *s);

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
