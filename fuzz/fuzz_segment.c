// fuzz-libs: vigil_store
/*
 * fuzz_segment.c - whatever bytes a segment file holds, reading it must not
 * crash or trip a sanitizer: the input is written as a closed segment and
 * read through the reader (every column of every block) and `verify`, then
 * as a segment left open by a crash, read again and recovered by a writer.
 * Mutations rarely keep a CRC32C right, so each input is also tried with its
 * header, block and footer checksums recomputed: that lets the fuzzer reach
 * the column decoders (varints, byte planes, pairs, zstd/lz4) with any bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "store/store_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

static void put(const char *name, const uint8_t *data, size_t size)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f)
		abort();
	if (size && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
}

static void drop(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
}

static int on_seg(void *ctx, const struct store_segment_info *si)
{
	(void)ctx;
	(void)si;
	return 0;
}

static void read_all(void)
{
	struct store_reader *r;
	struct store_block *b;
	struct store_reader_stats st;
	struct vaddr host;

	if (store_reader_open(dir, NULL, &r))
		return;
	while (store_reader_next_block(r, &b) == 1) {
		for (int c = 0; c < FLOW_NCOLS; c++)
			(void)store_block_col(b, (enum flow_col)c);
		if (store_block_rows(b)) {
			struct flow f;

			store_block_row(b, store_block_rows(b) - 1, &f);
		}
	}
	store_reader_get_stats(r, &st);
	store_reader_close(r);
	/* the materialising path, with a host and a time range */
	memset(&host, 0, sizeof(host));
	host.b[10] = host.b[11] = 0xff;
	{
		struct store_select sel = { 0, INT64_MAX / 2, &host, 1 };
		const struct flow *rows;
		size_t n;

		if (store_reader_open(dir, &sel, &r))
			return;
		while (store_reader_next(r, &rows, &n) == 1)
			;
		store_reader_close(r);
	}
	store_scan(dir, 1, on_seg, NULL, NULL);
}

/* Recompute every checksum in place, walking blocks as the writer laid them out. */
static void fix_crcs(uint8_t *p, size_t size)
{
	size_t off = SEG_HDR_LEN;

	if (size < SEG_HDR_LEN)
		return;
	put_u32le(p + 60, store_crc32c(0, p, 60));
	/* a block header says its own length: 520 (format 2, with the address
	 * filter entry) or 504 (format 1) */
	while (off + 8 <= size && get_u32le(p + off) == BLK_MAGIC) {
		uint8_t *h = p + off;
		uint32_t hl = get_u32le(h + 4);
		int nent = hl == BLK_HDR_LEN ? BLK_NENT : BLK_NCOLS;
		uint64_t pos = off + hl;

		if ((hl != BLK_HDR_LEN && hl != BLK_HDR_LEN_V1) || off + hl > size)
			return;
		for (int c = 0; c < nent; c++) {
			uint8_t *e = h + BLK_FIXED + c * BLK_COLENT;
			uint32_t clen = get_u32le(e + 4);

			if (pos + clen > size)
				break;
			put_u32le(e + 12, store_crc32c(0, p + pos, clen));
			pos += clen;
		}
		put_u32le(h + hl - 4, store_crc32c(0, h, hl - 4));
		off += hl + (size_t)get_u32le(h + 8);
		if (off > size)
			return;
	}
	if (size >= off + FTR_FIXED + 4 + TRAILER_LEN && get_u32le(p + off) == FTR_MAGIC) {
		size_t flen = size - TRAILER_LEN - off;
		uint32_t crc = store_crc32c(0, p + off, flen - 4);

		put_u32le(p + off + flen - 4, crc);
		put_u32le(p + size - 12, crc);
	}
}

static void one(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size + 1);

	if (!copy)
		return 0;
	one(data, size);
	memcpy(copy, data, size);
	fix_crcs(copy, size);
	one(copy, size);
	free(copy);
	return 0;
}

static void one(const uint8_t *data, size_t size)
{
	struct store_opts o = { .sync = -1 };
	struct store_writer *w;
	char cmd[128];

	if (!dir[0]) {
		char tmpl[] = "/tmp/fuzz-segment-XXXXXX";

		if (!mkdtemp(tmpl))
			abort();
		snprintf(dir, sizeof(dir), "%s", tmpl);
	}
	put("vigil-20240101T000000Z.seg", data, size);
	read_all();
	drop("vigil-20240101T000000Z.seg");
	put("vigil-20240101T000000Z.seg.open", data, size);
	read_all();
	if (store_writer_open(dir, &o, &w) == 0) { /* recovers the open segment */
		store_writer_close(w);
		read_all();
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'/vigil-* '%s'/2*", dir, dir);
	if (system(cmd) != 0)
		abort();
}
