/*
 * recover.c - what a writer does on start for every NAME.seg.open a crashed
 * writer left behind: walk its blocks up to the torn tail, rebuild the block
 * directory and address index from the blocks themselves, cut the torn tail
 * off, write the footer and rename the file to NAME.seg. A finished block is
 * never lost; a file whose header itself is unreadable is set aside as
 * NAME.seg.broken rather than deleted.
 */
#include "store/wr_int.h"
#include "util/err.h"
#include "util/log.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

struct rec {
	struct dirent_blk *blocks;
	size_t n, cap;
	struct addr_set set;
	struct store_block blk;
	int fd;
};

static int rec_block(void *ctx, uint64_t off, const struct blk_hdr *h)
{
	struct rec *r = ctx;
	const struct vaddr *src, *dst;

	if (r->n == r->cap) {
		size_t nc = r->cap ? r->cap * 2 : 256;
		struct dirent_blk *nb;

		if (nc > STORE_MAX_BLOCKS || !(nb = realloc(r->blocks, nc * sizeof(*nb))))
			return VIGIL_ENOMEM;
		r->blocks = nb;
		r->cap = nc;
	}
	r->blocks[r->n++] = (struct dirent_blk){ off, h->rows, h->min_first, h->max_last };
	blk_reset(&r->blk, r->fd, off, h);
	src = blk_col(&r->blk, FLOW_COL_SRC);
	dst = blk_col(&r->blk, FLOW_COL_DST);
	for (size_t i = 0; src && dst && i < h->rows; i++) {
		addr_set_add(&r->set, &src[i]);
		addr_set_add(&r->set, &dst[i]);
	}
	return 0;
}

static int recover_one(const char *path, bool sync)
{
	struct rec r;
	char final[4096];
	uint8_t hb[SEG_HDR_LEN];
	struct seg_hdr sh;
	struct stat sb;
	uint64_t end = 0, bad = 0;
	bool torn = false;
	size_t plen = strlen(path) - 5; /* without ".open" */
	int err = 0;

	memset(&r, 0, sizeof(r));
	blk_init(&r.blk);
	r.fd = open(path, O_RDWR | O_CLOEXEC);
	if (r.fd < 0 || fstat(r.fd, &sb)) {
		err = VIGIL_EIO;
		goto out;
	}
	if (plen >= sizeof(final)) {
		err = VIGIL_EINVAL;
		goto out;
	}
	if (store_pread(r.fd, hb, SEG_HDR_LEN, 0) || seg_hdr_get(hb, SEG_HDR_LEN, &sh)) {
		char broken[4200];

		snprintf(broken, sizeof(broken), "%.*s.broken", (int)plen, path);
		if ((uint64_t)sb.st_size <= SEG_HDR_LEN) {
			/* crashed while creating: there can be no block in it */
			unlink(path);
		} else {
			log_warn("store: %s has no readable header; set aside as %s", path, broken);
			rename(path, broken);
		}
		goto out;
	}
	if ((err = seg_scan(r.fd, (uint64_t)sb.st_size, rec_block, &r, &end, &torn, &bad)))
		goto out;
	if (r.n == 0 && bad == 0) {
		unlink(path);
		goto out;
	}
	memcpy(final, path, plen);
	final[plen] = '\0';
	for (int seq = 1; stat(final, &sb) == 0 && seq < 1000; seq++)
		snprintf(final, sizeof(final), "%.*s-r%d.seg", (int)(plen - 4), path, seq);
	log_info("store: recovering %s: %zu blocks%s%s", path, r.n, torn ? ", torn tail cut" : "",
		 bad ? ", with damaged blocks" : "");
	err = seg_finalise(r.fd, end, r.blocks, (uint32_t)r.n, &r.set, path, final, sync);
out:
	if (r.fd >= 0)
		close(r.fd);
	blk_release(&r.blk);
	addr_set_free(&r.set);
	free(r.blocks);
	return err;
}

int store_recover(const char *dir, bool sync)
{
	struct seg_list l;
	int err = seg_list(dir, true, &l);

	if (err == VIGIL_ENOTFOUND)
		return 0;
	if (err)
		return err;
	for (size_t i = 0; i < l.n && !err; i++)
		if (seg_is_open_name(l.paths[i]))
			err = recover_one(l.paths[i], sync);
	seg_list_free(&l);
	return err;
}
