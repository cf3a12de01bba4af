/*
 * expire.c - retention and inspection over a store directory: store_expire()
 * removes whole closed segments by age and then by total size, oldest first;
 * store_scan() describes each segment (for `vigil store info`) and, when
 * asked, checks every block's checksums and decoding (`vigil store verify`).
 * A segment still being written is never removed.
 */
#include "store/store_int.h"
#include "util/err.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* Read a segment's header; 0 or <0. */
static int read_hdr(const char *path, struct seg_hdr *h, uint64_t *size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;
	uint8_t hb[SEG_HDR_LEN];
	struct stat sb;

	if (fd < 0)
		return VIGIL_EIO;
	err = fstat(fd, &sb) ? VIGIL_EIO : store_pread(fd, hb, SEG_HDR_LEN, 0);
	if (!err)
		err = seg_hdr_get(hb, SEG_HDR_LEN, h);
	*size = err ? 0 : (uint64_t)sb.st_size;
	if (err && fstat(fd, &sb) == 0) {
		*size = (uint64_t)sb.st_size;
		h->start_ms = (int64_t)sb.st_mtime * 1000;
		h->segment_ms = 0;
	}
	close(fd);
	return err;
}

static void rm_dir_if_empty(const char *path)
{
	char d[4096];
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;

	if (n == 0 || n >= sizeof(d))
		return;
	memcpy(d, path, n);
	d[n] = '\0';
	rmdir(d); /* fails harmlessly unless empty (and never removes the store root: it holds .lock) */
}

int store_expire(const char *dir, int64_t max_age_ms, uint64_t max_bytes, int64_t now_ms,
		 struct store_expire_result *res)
{
	struct seg_list l;
	uint64_t *size = NULL, total = 0;
	int64_t *end = NULL;
	bool *gone = NULL;
	int err;

	memset(res, 0, sizeof(*res));
	err = seg_list(dir, true, &l);
	if (err)
		return err;
	size = calloc(l.n + 1, sizeof(*size));
	end = calloc(l.n + 1, sizeof(*end));
	gone = calloc(l.n + 1, sizeof(*gone));
	if (!size || !end || !gone) {
		err = VIGIL_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < l.n; i++) {
		struct seg_hdr h;

		memset(&h, 0, sizeof(h));
		read_hdr(l.paths[i], &h, &size[i]);
		end[i] = h.start_ms + h.segment_ms;
		total += size[i];
	}
	for (size_t i = 0; i < l.n; i++) {
		bool old = max_age_ms > 0 && end[i] < now_ms - max_age_ms;
		bool big = max_bytes > 0 && total > max_bytes;

		if (seg_is_open_name(l.paths[i]) || !(old || big))
			continue;
		if (unlink(l.paths[i])) {
			err = VIGIL_EIO;
			continue;
		}
		gone[i] = true;
		total -= size[i];
		res->segments_removed++;
		res->bytes_removed += size[i];
		rm_dir_if_empty(l.paths[i]);
	}
	for (size_t i = 0; i < l.n; i++) {
		if (!gone[i]) {
			res->segments_kept++;
			res->bytes_kept += size[i];
		}
	}
out:
	free(size);
	free(end);
	free(gone);
	seg_list_free(&l);
	return err;
}

/* ---- info / verify ---- */

struct vctx {
	struct store_block blk;
	int fd;
	const char *path;
	uint64_t nblk, bad;
	bool verify;
	void (*badfn)(void *, const char *, uint64_t, uint64_t, const char *);
	void *ctx;
	uint64_t rows;
	int64_t min_first, max_last;
	uint8_t *fbuf; /* a block's address filter */
	size_t fcap;
};

static void check_block(struct vctx *v, uint64_t off, const struct blk_hdr *h)
{
	v->rows += h->rows;
	if (h->min_first < v->min_first)
		v->min_first = h->min_first;
	if (h->max_last > v->max_last)
		v->max_last = h->max_last;
	if (v->verify) {
		uint64_t nread = 0;
		struct vaddr none;

		memset(&none, 0, sizeof(none));
		if (blk_filter_check(v->fd, off, h, &none, 0, &v->fbuf, &v->fcap, &nread) < 0) {
			if (v->badfn)
				v->badfn(v->ctx, v->path, v->nblk, off, "address filter fails its checksum");
			v->bad++;
			v->nblk++;
			return;
		}
		blk_reset(&v->blk, v->fd, off, h);
		for (int c = 0; c < FLOW_NCOLS; c++) {
			if (!blk_col(&v->blk, (enum flow_col)c)) {
				char why[64];

				snprintf(why, sizeof(why), "column %s fails its checksum or decoding",
					 store_cols[c].name);
				if (v->badfn)
					v->badfn(v->ctx, v->path, v->nblk, off, why);
				v->bad++;
				break;
			}
		}
	}
	v->nblk++;
}

static int scan_block(void *ctx, uint64_t off, const struct blk_hdr *h)
{
	check_block(ctx, off, h);
	return 0;
}

static int scan_one(const char *path, bool verify, struct vctx *v, struct store_segment_info *si)
{
	uint8_t hb[SEG_HDR_LEN];
	struct seg_hdr sh;
	struct seg_footer f;
	struct stat sb;
	uint64_t foff, end;
	int err = 0;

	memset(si, 0, sizeof(*si));
	si->path = path;
	si->open = seg_is_open_name(path);
	v->fd = open(path, O_RDONLY | O_CLOEXEC);
	v->path = path;
	v->nblk = v->bad = v->rows = 0;
	v->min_first = INT64_MAX;
	v->max_last = INT64_MIN;
	if (v->fd < 0 || fstat(v->fd, &sb)) {
		si->err = VIGIL_EIO;
		goto out;
	}
	si->bytes = (uint64_t)sb.st_size;
	if ((si->err = store_pread(v->fd, hb, SEG_HDR_LEN, 0)) ||
	    (si->err = seg_hdr_get(hb, SEG_HDR_LEN, &sh))) {
		if (verify && v->badfn)
			v->badfn(v->ctx, path, 0, 0, "file header unreadable");
		goto out;
	}
	si->start_ms = sh.start_ms;
	si->segment_ms = sh.segment_ms;
	si->codec = sh.codec;
	if (footer_read(v->fd, si->bytes, &f, &foff) == 0) {
		si->footer = 1;
		for (uint32_t i = 0; i < f.nblocks; i++) {
			uint8_t b[BLK_HDR_LEN];
			struct blk_hdr h;

			if (!verify) {
				v->rows += f.blocks[i].rows;
				v->nblk++;
				if (f.blocks[i].min_first < v->min_first)
					v->min_first = f.blocks[i].min_first;
				if (f.blocks[i].max_last > v->max_last)
					v->max_last = f.blocks[i].max_last;
				continue;
			}
			if (store_pread(v->fd, b, BLK_HDR_LEN, f.blocks[i].off) ||
			    blk_hdr_get(b, BLK_HDR_LEN, &h) ||
			    f.blocks[i].off + h.hdr_len + h.payload_len > foff) {
				if (v->badfn)
					v->badfn(v->ctx, path, i, f.blocks[i].off, "block header damaged");
				v->bad++;
				v->nblk++;
				continue;
			}
			check_block(v, f.blocks[i].off, &h);
		}
		footer_free(&f);
	} else {
		bool torn = false;
		uint64_t badr = 0;

		err = seg_scan(v->fd, si->bytes, scan_block, v, &end, &torn, &badr);
		si->torn = torn;
		if (badr && verify && v->badfn)
			v->badfn(v->ctx, path, v->nblk, 0, "damaged bytes between blocks skipped");
		v->bad += badr;
	}
	si->rows = v->rows;
	si->blocks = v->nblk;
	si->bad_blocks = v->bad;
	si->min_first = v->min_first;
	si->max_last = v->max_last;
out:
	if (v->fd >= 0)
		close(v->fd);
	v->fd = -1;
	return err;
}

int store_scan(const char *dir, int verify, int (*fn)(void *ctx, const struct store_segment_info *si),
	       void (*bad)(void *ctx, const char *path, uint64_t block, uint64_t offset,
			   const char *why),
	       void *ctx)
{
	struct seg_list l;
	struct vctx v;
	int err = seg_list(dir, true, &l);

	if (err)
		return err;
	memset(&v, 0, sizeof(v));
	blk_init(&v.blk);
	v.fd = -1;
	v.verify = verify != 0;
	v.badfn = bad;
	v.ctx = ctx;
	for (size_t i = 0; i < l.n && !err; i++) {
		struct store_segment_info si;

		err = scan_one(l.paths[i], v.verify, &v, &si);
		if (!err && fn)
			err = fn(ctx, &si);
	}
	blk_release(&v.blk);
	free(v.fbuf);
	seg_list_free(&l);
	return err;
}
