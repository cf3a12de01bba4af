/*
 * reader.c - the store's reader: lists the segment files in time order,
 * skips whole segments by their footer (time span, Bloom address index) and
 * blocks by their time span and their own address filter, and yields the
 * rest block by block. A segment
 * still being written (or whose footer is damaged) is walked block by block
 * up to its torn tail. Torn tails and damaged blocks are counted, never
 * returned and never an error.
 */
#include "store/store_int.h"
#include "util/err.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

struct scanned {
	uint64_t off;
	struct blk_hdr h;
};

struct store_reader {
	int64_t from, to;
	struct vaddr *hosts;
	size_t nhosts;
	struct seg_list list;
	size_t next_seg;
	int fd;
	uint64_t fsize, data_end;
	bool have_footer;
	struct seg_footer ftr;
	size_t next_blk;
	struct scanned *scan;
	size_t nscan, scancap;
	struct store_block blk;
	bool blk_live;
	struct flow *rows;
	size_t rowcap;
	uint8_t *fbuf; /* a block's address filter */
	size_t fcap;
	struct store_reader_stats st;
};

static int scan_cb(void *ctx, uint64_t off, const struct blk_hdr *h)
{
	struct store_reader *r = ctx;

	if (r->nscan == r->scancap) {
		size_t nc = r->scancap ? r->scancap * 2 : 64;
		struct scanned *ns;

		if (nc > STORE_MAX_BLOCKS || !(ns = realloc(r->scan, nc * sizeof(*ns))))
			return VIGIL_ENOMEM;
		r->scan = ns;
		r->scancap = nc;
	}
	r->scan[r->nscan].off = off;
	r->scan[r->nscan].h = *h;
	r->nscan++;
	return 0;
}

static void seg_done(struct store_reader *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	footer_free(&r->ftr);
	r->have_footer = false;
	r->nscan = 0;
	r->next_blk = 0;
}

static bool overlaps(const struct store_reader *r, int64_t lo, int64_t hi)
{
	return !(hi < r->from || lo > r->to);
}

/* Does the footer say the segment may hold one of the hosts? */
static bool may_hold(const struct store_reader *r)
{
	if (!r->hosts || (r->ftr.flags & FTR_INDEX_FULL) || !r->ftr.bloom)
		return true;
	for (size_t i = 0; i < r->nhosts; i++)
		if (bloom_has(r->ftr.bloom, r->ftr.bloom_words, r->ftr.bloom_k, &r->hosts[i]))
			return true;
	return false;
}

/* Open the next segment worth reading. 1 opened, 0 none left, <0 error. */
static int seg_next(struct store_reader *r)
{
	while (r->next_seg < r->list.n) {
		const char *path = r->list.paths[r->next_seg++];
		uint8_t hb[SEG_HDR_LEN];
		struct seg_hdr sh;
		struct stat sb;
		uint64_t footer_off, bad = 0, end;
		bool torn = false;
		int err;

		r->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (r->fd < 0 && errno == ENOENT && seg_is_open_name(path)) {
			/* finalised (renamed) since we listed it */
			char fin[4096];
			size_t n = strlen(path) - 5;

			if (n < sizeof(fin)) {
				memcpy(fin, path, n);
				fin[n] = '\0';
				r->fd = open(fin, O_RDONLY | O_CLOEXEC);
			}
		}
		if (r->fd < 0)
			continue; /* expired or moved meanwhile */
		if (fstat(r->fd, &sb) || store_pread(r->fd, hb, SEG_HDR_LEN, 0) ||
		    seg_hdr_get(hb, SEG_HDR_LEN, &sh)) {
			r->st.bad_segments++;
			seg_done(r);
			continue;
		}
		r->fsize = (uint64_t)sb.st_size;
		r->st.segments++;
		err = footer_read(r->fd, r->fsize, &r->ftr, &footer_off);
		if (err == VIGIL_ENOMEM || err == VIGIL_EIO) {
			seg_done(r);
			return err;
		}
		if (err == 0) {
			r->have_footer = true;
			r->data_end = footer_off;
			if (r->ftr.nblocks == 0 || !overlaps(r, r->ftr.min_first, r->ftr.max_last) ||
			    !may_hold(r)) {
				r->st.segments_skipped++;
				seg_done(r);
				continue;
			}
			return 1;
		}
		/* open segment, or footer damaged: walk the blocks */
		if ((err = seg_scan(r->fd, r->fsize, scan_cb, r, &end, &torn, &bad))) {
			seg_done(r);
			return err;
		}
		r->data_end = end;
		r->st.bad_blocks += bad;
		if (torn)
			r->st.torn_tails++;
		return 1;
	}
	return 0;
}

int store_reader_open(const char *dir, const struct store_select *sel, struct store_reader **out)
{
	struct store_reader *r = calloc(1, sizeof(*r));
	int err;

	*out = NULL;
	if (!r)
		return VIGIL_ENOMEM;
	r->fd = -1;
	blk_init(&r->blk);
	r->from = sel ? sel->from_ms : INT64_MIN;
	r->to = sel ? sel->to_ms : INT64_MAX;
	if (sel && sel->hosts && sel->nhosts) {
		r->hosts = malloc(sel->nhosts * sizeof(*r->hosts));
		if (!r->hosts) {
			store_reader_close(r);
			return VIGIL_ENOMEM;
		}
		memcpy(r->hosts, sel->hosts, sel->nhosts * sizeof(*r->hosts));
		r->nhosts = sel->nhosts;
	}
	err = seg_list(dir, true, &r->list);
	if (err) {
		store_reader_close(r);
		return err;
	}
	*out = r;
	return 0;
}

/* Account for the block handed out last time. */
static void blk_settle(struct store_reader *r)
{
	if (r->blk_live) {
		if (r->blk.bad)
			r->st.bad_blocks++;
		r->st.bytes_read += r->blk.bytes_read;
		r->blk.bytes_read = 0;
		r->blk_live = false;
	}
}

int store_reader_next_block(struct store_reader *r, struct store_block **b)
{
	int err;

	blk_settle(r);
	for (;;) {
		struct blk_hdr h;
		uint64_t off;

		if (r->fd < 0) {
			err = seg_next(r);
			if (err <= 0)
				return err;
		}
		if (r->have_footer) {
			const struct dirent_blk *d;
			uint8_t hb[BLK_HDR_LEN];

			if (r->next_blk >= r->ftr.nblocks) {
				seg_done(r);
				continue;
			}
			d = &r->ftr.blocks[r->next_blk++];
			if (!overlaps(r, d->min_first, d->max_last)) {
				r->st.blocks_skipped++;
				continue;
			}
			off = d->off;
			/* a version-1 header is shorter: its payload follows, and the footer */
			if (store_pread(r->fd, hb, BLK_HDR_LEN, off) || blk_hdr_get(hb, BLK_HDR_LEN, &h) ||
			    off + h.hdr_len + h.payload_len > r->data_end || h.rows != d->rows) {
				r->st.bad_blocks++;
				continue;
			}
			r->st.bytes_read += h.hdr_len;
		} else {
			if (r->next_blk >= r->nscan) {
				seg_done(r);
				continue;
			}
			off = r->scan[r->next_blk].off;
			h = r->scan[r->next_blk].h;
			r->next_blk++;
			if (!overlaps(r, h.min_first, h.max_last)) {
				r->st.blocks_skipped++;
				continue;
			}
		}
		if (r->hosts) {
			/* a damaged filter skips nothing: the columns have their own CRCs */
			err = blk_filter_check(r->fd, off, &h, r->hosts, r->nhosts, &r->fbuf, &r->fcap,
					       &r->st.bytes_read);
			if (err == VIGIL_ENOMEM || err == VIGIL_EIO)
				return err;
			if (err == 0) {
				r->st.blocks_skipped++;
				continue;
			}
		}
		blk_reset(&r->blk, r->fd, off, &h);
		r->blk_live = true;
		r->st.blocks++;
		r->st.rows += h.rows;
		*b = &r->blk;
		return 1;
	}
}

int store_reader_next(struct store_reader *r, const struct flow **flows, size_t *n)
{
	struct store_block *b;
	int rc;

	while ((rc = store_reader_next_block(r, &b)) == 1) {
		size_t rows = b->h.rows, k = 0;
		const uint8_t *cols[FLOW_NCOLS];
		bool ok = true;

		for (int c = 0; c < FLOW_NCOLS && ok; c++)
			ok = blk_col(b, (enum flow_col)c) != NULL;
		if (!ok)
			continue; /* counted bad when settled */
		if (rows > r->rowcap) {
			struct flow *nr = realloc(r->rows, rows * sizeof(*nr));

			if (!nr)
				return VIGIL_ENOMEM;
			/* zeroed once: only members are written, padding stays zero */
			memset(nr, 0, rows * sizeof(*nr));
			r->rows = nr;
			r->rowcap = rows;
		}
		/* column by column in tiles of rows that stay in cache, typed copies */
		for (int c = 0; c < FLOW_NCOLS; c++)
			cols[c] = blk_col(b, (enum flow_col)c);
		for (size_t t = 0; t < rows; t += 256) {
			size_t te = rows - t < 256 ? rows : t + 256;

			for (int c = 0; c < FLOW_NCOLS; c++) {
				const uint8_t *col = cols[c];
				uint8_t *base = (uint8_t *)r->rows + store_cols[c].off;
				size_t es = store_cols[c].esize;

#define SCATTER(W)                                                                \
	for (size_t i = t; i < te; i++)                                           \
		memcpy(base + i * sizeof(struct flow), col + (W) * i, (W))
				switch (es) {
				case 1: SCATTER(1); break;
				case 2: SCATTER(2); break;
				case 4: SCATTER(4); break;
				case 8: SCATTER(8); break;
				default: SCATTER(16); break;
				}
#undef SCATTER
			}
		}
		for (size_t i = 0; i < rows; i++) {
			if (!overlaps(r, r->rows[i].first_ms, r->rows[i].last_ms))
				continue;
			if (k != i)
				r->rows[k] = r->rows[i];
			k++;
		}
		if (k == 0)
			continue;
		*flows = r->rows;
		*n = k;
		return 1;
	}
	return rc;
}

void store_reader_get_stats(const struct store_reader *r, struct store_reader_stats *s)
{
	*s = r->st;
	s->bytes_read += r->blk.bytes_read;
	if (r->blk_live && r->blk.bad)
		s->bad_blocks++;
}

void store_reader_close(struct store_reader *r)
{
	if (!r)
		return;
	seg_done(r);
	blk_release(&r->blk);
	seg_list_free(&r->list);
	free(r->scan);
	free(r->rows);
	free(r->hosts);
	free(r->fbuf);
	free(r);
}
