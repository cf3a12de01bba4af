/*
 * test_store.c - the flow store's contract: what is written is read back
 * field by field across blocks and segments; time and host selection; a
 * torn tail at any offset yields exactly the finished blocks; a corrupt
 * byte costs exactly its block; per-block address filters skip blocks
 * without the host and never lose its flows; an open segment is recovered
 * by the next writer; retention by age and size; lz4 and uncompressed codecs;
 * the SSE4.2 CRC-32C equals the portable one; varint columns decode exactly
 * and reject malformed values on both the checked and unchecked paths.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store.h"
#include "store/store_int.h"
#include "util/err.h"

#include "gen.h"

#define BASE_MS 1700000000000LL
#define SEG_MS 10000

static char *mkstore(void)
{
	char tmpl[] = "/tmp/vigil-store-test-XXXXXX";
	char *d = mkdtemp(tmpl);

	assert_non_null(d);
	return strdup(d);
}

static void rm_rf(const char *dir)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* Write n flows of stream seed, batch flows per simulated second. */
static void write_flows(const char *dir, const struct store_opts *o, uint64_t seed, size_t n,
			size_t batch, struct store_writer_stats *st)
{
	struct store_writer *w;
	struct flow *f = calloc(batch, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(store_writer_open(dir, o, &w), 0);
	for (size_t i = 0, sec = 0; i < n; sec++) {
		size_t k = 0;

		assert_int_equal(store_writer_tick(w, BASE_MS + (int64_t)sec * 1000), 0);
		for (; k < batch && i < n; k++, i++)
			gen_flow(seed, i, BASE_MS, &f[k]);
		assert_int_equal(store_writer_add(w, f, k), 0);
	}
	assert_int_equal(store_writer_flush(w), 0);
	if (st)
		store_writer_get_stats(w, st);
	assert_int_equal(store_writer_close(w), 0);
	free(f);
}

static void check_flow_eq(const struct flow *a, const struct flow *b)
{
	assert_int_equal(a->first_ms, b->first_ms);
	assert_int_equal(a->last_ms, b->last_ms);
	assert_memory_equal(&a->src, &b->src, 16);
	assert_memory_equal(&a->dst, &b->dst, 16);
	assert_memory_equal(&a->xsrc, &b->xsrc, 16);
	assert_memory_equal(&a->xdst, &b->xdst, 16);
	assert_memory_equal(&a->nexthop, &b->nexthop, 16);
	assert_memory_equal(&a->exporter, &b->exporter, 16);
	assert_int_equal(a->packets, b->packets);
	assert_int_equal(a->bytes, b->bytes);
	assert_int_equal(a->sampling, b->sampling);
	assert_int_equal(a->src_as, b->src_as);
	assert_int_equal(a->dst_as, b->dst_as);
	assert_int_equal(a->in_if, b->in_if);
	assert_int_equal(a->out_if, b->out_if);
	assert_int_equal(a->domain, b->domain);
	assert_int_equal(a->sport, b->sport);
	assert_int_equal(a->dport, b->dport);
	assert_int_equal(a->xsport, b->xsport);
	assert_int_equal(a->xdport, b->xdport);
	assert_int_equal(a->proto, b->proto);
	assert_int_equal(a->tcp_flags, b->tcp_flags);
	assert_int_equal(a->tos, b->tos);
	assert_int_equal(a->nat_event, b->nat_event);
	assert_int_equal(a->src_mask, b->src_mask);
	assert_int_equal(a->dst_mask, b->dst_mask);
	assert_int_equal(a->direction, b->direction);
	assert_int_equal(a->version, b->version);
}

/* Read everything under sel; returns the row count. */
static size_t read_all(const char *dir, const struct store_select *sel, uint64_t seed_unused,
		       struct store_reader_stats *st)
{
	struct store_reader *r;
	const struct flow *rows;
	size_t n, total = 0;
	int rc;

	(void)seed_unused;
	assert_int_equal(store_reader_open(dir, sel, &r), 0);
	while ((rc = store_reader_next(r, &rows, &n)) == 1) {
		for (size_t i = 0; i < n; i++)
			assert_int_equal(rows[i].version, 10); /* no garbage row */
		total += n;
	}
	assert_int_equal(rc, 0);
	if (st)
		store_reader_get_stats(r, st);
	store_reader_close(r);
	return total;
}

static void test_roundtrip(void **state)
{
	char *dir = mkstore();
	struct store_opts o = { .segment_ms = SEG_MS, .block_rows = 3000, .sync = -1 };
	struct store_writer_stats ws;
	struct store_reader_stats rs;
	struct store_reader *r;
	struct store_block *b;
	size_t n = 60000, i = 0;
	uint8_t *seen = calloc(n, 1);
	int rc;

	(void)state;
	write_flows(dir, &o, 1, n, 1000, &ws);
	assert_int_equal(ws.flows, n);
	assert_int_equal(ws.flows_durable, n);
	assert_true(ws.segments >= 6);
	assert_true(ws.blocks > ws.segments);
	assert_int_equal(store_reader_open(dir, NULL, &r), 0);
	while ((rc = store_reader_next_block(r, &b)) == 1) {
		const int64_t *first = store_block_col(b, FLOW_COL_FIRST);
		const uint16_t *dport = store_block_col(b, FLOW_COL_DPORT);
		const struct vaddr *src = store_block_col(b, FLOW_COL_SRC);

		assert_non_null(first);
		assert_non_null(dport);
		assert_non_null(src);
		for (size_t k = 0; k < store_block_rows(b); k++, i++) {
			struct flow want, got;

			store_block_row(b, k, &got);
			assert_true(got.bytes < n);
			assert_false(seen[got.bytes]); /* exactly once */
			seen[got.bytes] = 1;
			gen_flow(1, got.bytes, BASE_MS, &want);
			check_flow_eq(&got, &want);
			assert_int_equal(first[k], want.first_ms);
			assert_int_equal(dport[k], want.dport);
			assert_memory_equal(&src[k], &want.src, 16);
			assert_true(first[k] >= store_block_min_first(b));
			assert_true(want.last_ms <= store_block_max_last(b));
		}
	}
	assert_int_equal(rc, 0);
	assert_int_equal(i, n);
	store_reader_get_stats(r, &rs);
	assert_int_equal(rs.rows, n);
	assert_int_equal(rs.segments, ws.segments);
	assert_int_equal(rs.bad_blocks, 0);
	assert_int_equal(rs.torn_tails, 0);
	store_reader_close(r);
	free(seen);
	rm_rf(dir);
	free(dir);
}

static void test_codecs(void **state)
{
	enum store_codec codecs[] = { STORE_LZ4, STORE_NONE, STORE_ZSTD };
	int levels[] = { 0, 0, 9 };

	(void)state;
	for (size_t c = 0; c < 3; c++) {
		char *dir = mkstore();
		struct store_opts o = { .block_rows = 5000, .sync = -1, .codec = codecs[c], .level = levels[c] };
		struct store_reader *r;
		const struct flow *rows;
		size_t n, i = 0;

		write_flows(dir, &o, 2, 12345, 12345, NULL);
		assert_int_equal(store_reader_open(dir, NULL, &r), 0);
		while (store_reader_next(r, &rows, &n) == 1) {
			for (size_t k = 0; k < n; k++, i++) {
				struct flow want;

				assert_true(rows[k].bytes < 12345);
				gen_flow(2, rows[k].bytes, BASE_MS, &want);
				check_flow_eq(&rows[k], &want);
			}
		}
		assert_int_equal(i, 12345);
		store_reader_close(r);
		rm_rf(dir);
		free(dir);
	}
}

static void test_select_time(void **state)
{
	char *dir = mkstore();
	struct store_opts o = { .segment_ms = SEG_MS, .block_rows = 2000, .sync = -1 };
	struct store_select sel = { BASE_MS + 20000, BASE_MS + 25000, NULL, 0 };
	struct store_reader_stats rs;
	struct store_reader *r;
	const struct flow *rows;
	size_t n, got = 0, want = 0, total = 50000;

	(void)state;
	write_flows(dir, &o, 3, total, 1000, NULL);
	for (size_t i = 0; i < total; i++) {
		struct flow f;

		gen_flow(3, i, BASE_MS, &f);
		if (!(f.last_ms < sel.from_ms || f.first_ms > sel.to_ms))
			want++;
	}
	assert_int_equal(store_reader_open(dir, &sel, &r), 0);
	while (store_reader_next(r, &rows, &n) == 1) {
		for (size_t k = 0; k < n; k++)
			assert_false(rows[k].last_ms < sel.from_ms || rows[k].first_ms > sel.to_ms);
		got += n;
	}
	store_reader_get_stats(r, &rs);
	store_reader_close(r);
	assert_int_equal(got, want);
	assert_true(rs.segments_skipped + rs.blocks_skipped > 0);
	rm_rf(dir);
	free(dir);
}

static void test_select_host(void **state)
{
	char *dir = mkstore();
	struct store_opts o = { .segment_ms = SEG_MS, .block_rows = 1000, .sync = -1 };
	struct store_reader_stats rs;
	struct store_writer *w;
	struct store_reader *r;
	struct vaddr needle, absent;
	struct store_select sel = { INT64_MIN, INT64_MAX, &needle, 1 };
	const struct flow *rows;
	struct flow f;
	size_t n, hits = 0;

	(void)state;
	/* 8 segments of ordinary flows; the needle only in segment 5 */
	addr_parse("203.0.113.77", &needle);
	addr_parse("2001:db8:dead::1", &absent);
	assert_int_equal(store_writer_open(dir, &o, &w), 0);
	for (int s = 0; s < 8; s++) {
		assert_int_equal(store_writer_tick(w, BASE_MS + (int64_t)s * SEG_MS), 0);
		for (uint64_t i = 0; i < 3000; i++) {
			gen_flow(4, (uint64_t)s * 3000 + i, BASE_MS, &f);
			if (s == 5 && i % 1000 == 7)
				f.dst = needle;
			assert_int_equal(store_writer_add(w, &f, 1), 0);
		}
	}
	assert_int_equal(store_writer_close(w), 0);
	assert_int_equal(store_reader_open(dir, &sel, &r), 0);
	while (store_reader_next(r, &rows, &n) == 1)
		for (size_t k = 0; k < n; k++)
			hits += addr_eq(&rows[k].dst, &needle);
	store_reader_get_stats(r, &rs);
	store_reader_close(r);
	assert_int_equal(hits, 3);
	assert_int_equal(rs.segments, 8);
	assert_true(rs.segments_skipped >= 6); /* Bloom false positives allowed, but few */
	sel.hosts = &absent;
	read_all(dir, &sel, 4, &rs);
	assert_true(rs.segments_skipped >= 7);
	rm_rf(dir);
	free(dir);
}

/* ---- damaged files ---- */

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *p;
	long n;

	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	p = malloc((size_t)n + 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return p;
}

static void spit(const char *path, const uint8_t *p, size_t n)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(p, 1, n, fp), n);
	fclose(fp);
}

/* One closed segment of nblk blocks of 500 rows; returns its bytes, block offsets. */
static uint8_t *one_segment(size_t nblk, size_t *len, struct seg_footer *f, uint64_t *foff)
{
	char *dir = mkstore();
	struct store_opts o = { .block_rows = 500, .sync = -1 };
	struct seg_list l;
	uint8_t *p;
	int fd;

	write_flows(dir, &o, 5, nblk * 500, 500, NULL);
	assert_int_equal(seg_list(dir, true, &l), 0);
	assert_int_equal(l.n, 1);
	p = slurp(l.paths[0], len);
	fd = open(l.paths[0], O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(footer_read(fd, *len, f, foff), 0);
	close(fd);
	assert_int_equal(f->nblocks, nblk);
	seg_list_free(&l);
	rm_rf(dir);
	free(dir);
	return p;
}

static void test_torn_tail(void **state)
{
	struct seg_footer f;
	uint64_t foff;
	size_t len;
	uint8_t *seg = one_segment(4, &len, &f, &foff);
	char *dir = mkstore();
	char path[256];
	uint64_t last = f.blocks[3].off;

	(void)state;
	snprintf(path, sizeof(path), "%s/vigil-20231114T221320Z.seg.open", dir);
	/* every cut inside the last block (and the footer-less whole file) */
	for (uint64_t cut = last; cut <= foff; cut += (cut < last + BLK_HDR_LEN + 64 ? 1 : 97)) {
		struct store_reader_stats rs;
		size_t got;

		spit(path, seg, (size_t)cut);
		got = read_all(dir, NULL, 5, &rs);
		if (cut == last || cut == foff) {
			assert_int_equal(got, cut == foff ? 2000 : 1500);
			assert_int_equal(rs.torn_tails, 0);
		} else {
			assert_int_equal(got, 1500);
			assert_int_equal(rs.torn_tails, 1);
		}
		assert_int_equal(rs.bad_blocks, 0);
	}
	/* the next writer recovers it: footer written, renamed, same flows */
	spit(path, seg, (size_t)(last + 1000));
	{
		struct store_writer *w;
		struct seg_list l;
		struct store_reader_stats rs;

		assert_int_equal(store_writer_open(dir, NULL, &w), 0);
		assert_int_equal(store_writer_close(w), 0);
		assert_int_equal(seg_list(dir, true, &l), 0);
		assert_int_equal(l.n, 1);
		assert_false(seg_is_open_name(l.paths[0]));
		seg_list_free(&l);
		assert_int_equal(read_all(dir, NULL, 5, &rs), 1500);
		assert_int_equal(rs.torn_tails, 0);
	}
	footer_free(&f);
	free(seg);
	rm_rf(dir);
	free(dir);
}

static void test_corrupt_block(void **state)
{
	struct seg_footer f;
	uint64_t foff;
	size_t len;
	uint8_t *seg = one_segment(5, &len, &f, &foff);
	char *dir = mkstore();
	char path[256], opath[300];
	struct blk_hdr h2;
	uint64_t where[3];

	(void)state;
	/* in block 2: its header, its first column, the last byte of its last
	 * column (the address filter follows it) */
	assert_int_equal(blk_hdr_get(seg + f.blocks[2].off, len - f.blocks[2].off, &h2), 0);
	assert_true(h2.col[COL_FILTER].clen > 0);
	where[0] = f.blocks[2].off + 10;
	where[1] = f.blocks[2].off + BLK_HDR_LEN + 100;
	where[2] = f.blocks[3].off - 1 - h2.col[COL_FILTER].clen;
	snprintf(path, sizeof(path), "%s/vigil-20231114T221320Z.seg", dir);
	snprintf(opath, sizeof(opath), "%s.open", path);
	for (size_t k = 0; k < 3; k++) {
		struct store_reader_stats rs;

		seg[where[k]] ^= 0x5a;
		/* closed segment (footer directory) */
		spit(path, seg, len);
		assert_int_equal(read_all(dir, NULL, 5, &rs), 2000);
		assert_int_equal(rs.bad_blocks, 1);
		/* open segment (scanned block by block) */
		unlink(path);
		spit(opath, seg, (size_t)foff);
		assert_int_equal(read_all(dir, NULL, 5, &rs), 2000);
		assert_int_equal(rs.bad_blocks, 1);
		unlink(opath);
		seg[where[k]] ^= 0x5a;
	}
	/* corrupt the footer: falls back to scanning, nothing lost */
	seg[foff + 20] ^= 1;
	{
		struct store_reader_stats rs;

		spit(path, seg, len);
		assert_int_equal(read_all(dir, NULL, 5, &rs), 2500);
		assert_int_equal(rs.bad_blocks, 0);
	}
	footer_free(&f);
	free(seg);
	rm_rf(dir);
	free(dir);
}

static int count_bad(void *ctx, const struct store_segment_info *si)
{
	*(uint64_t *)ctx += si->bad_blocks;
	return 0;
}

/* Rows of stream 6 read under sel that carry host; *rows gets all rows read. */
static size_t host_rows(const char *dir, const struct store_select *sel, const struct vaddr *host,
			size_t *rows_out, struct store_reader_stats *rs)
{
	struct store_reader *r;
	const struct flow *rows;
	size_t n, hits = 0, total = 0;
	int rc;

	assert_int_equal(store_reader_open(dir, sel, &r), 0);
	while ((rc = store_reader_next(r, &rows, &n)) == 1) {
		for (size_t k = 0; k < n; k++)
			hits += addr_eq(&rows[k].src, host) || addr_eq(&rows[k].dst, host);
		total += n;
	}
	assert_int_equal(rc, 0);
	store_reader_get_stats(r, rs);
	store_reader_close(r);
	*rows_out = total;
	return hits;
}

/*
 * Per-block address filters: in one segment of 10 blocks, a host present in
 * one block only is read from that block (others skipped, every one of its
 * flows returned), an absent host reads no block; in a closed segment and in
 * an open one (no footer index). A damaged filter is found by verify and
 * skips nothing.
 */
static void test_block_filter(void **state)
{
	char *dir = mkstore();
	struct store_opts o = { .block_rows = 1000, .sync = -1 };
	struct store_reader_stats rs;
	struct store_writer *w;
	struct vaddr needle, absent;
	struct store_select sel = { INT64_MIN, INT64_MAX, &needle, 1 };
	struct seg_footer f;
	struct seg_list l;
	struct blk_hdr h;
	struct flow fl;
	char path[4096], opath[4200];
	uint64_t foff, bad = 0;
	size_t len, rows;
	uint8_t *seg;
	int fd;

	(void)state;
	addr_parse("203.0.113.77", &needle);
	addr_parse("198.18.0.1", &absent);
	assert_int_equal(store_writer_open(dir, &o, &w), 0);
	assert_int_equal(store_writer_tick(w, BASE_MS), 0);
	for (uint64_t i = 0; i < 10000; i++) {
		gen_flow(6, i, BASE_MS, &fl);
		if (i == 4005 || i == 4500)
			fl.src = needle;
		if (i == 4990)
			fl.dst = needle;
		assert_int_equal(store_writer_add(w, &fl, 1), 0);
	}
	assert_int_equal(store_writer_close(w), 0);

	/* closed segment: the footer index lets it through, the blocks' filters do not */
	assert_int_equal(host_rows(dir, &sel, &needle, &rows, &rs), 3);
	assert_int_equal(rs.segments, 1);
	assert_int_equal(rs.segments_skipped, 0);
	assert_true(rs.blocks_skipped >= 8); /* 9 without it, a false positive allowed */
	assert_int_equal(rs.blocks + rs.blocks_skipped, 10);
	assert_true(rows <= 2000);
	sel.hosts = NULL;
	assert_int_equal(read_all(dir, &sel, 6, &rs), 10000);
	assert_int_equal(rs.blocks_skipped, 0);

	/* the same segment left open by a crash: no footer, blocks still skipped */
	assert_int_equal(seg_list(dir, true, &l), 0);
	assert_int_equal(l.n, 1);
	snprintf(path, sizeof(path), "%s", l.paths[0]);
	seg_list_free(&l);
	snprintf(opath, sizeof(opath), "%s.open", path);
	seg = slurp(path, &len);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(footer_read(fd, len, &f, &foff), 0);
	close(fd);
	assert_int_equal(f.nblocks, 10);
	unlink(path);
	spit(opath, seg, (size_t)foff);
	sel.hosts = &needle;
	assert_int_equal(host_rows(dir, &sel, &needle, &rows, &rs), 3);
	assert_true(rs.blocks_skipped >= 8);
	assert_int_equal(rs.blocks + rs.blocks_skipped, 10);
	sel.hosts = &absent;
	assert_int_equal(host_rows(dir, &sel, &absent, &rows, &rs), 0);
	assert_true(rs.blocks_skipped >= 9);
	unlink(opath);

	/* a damaged filter (last byte of block 2): verify reports it; a host
	 * lookup reads that block rather than skip it; nothing is lost */
	assert_int_equal(blk_hdr_get(seg + f.blocks[2].off, len - f.blocks[2].off, &h), 0);
	assert_true(h.col[COL_FILTER].clen >= 8);
	seg[f.blocks[3].off - 1] ^= 0x5a;
	spit(path, seg, len);
	assert_int_equal(store_scan(dir, 1, count_bad, NULL, &bad), 0);
	assert_int_equal(bad, 1);
	sel.hosts = &needle;
	assert_int_equal(host_rows(dir, &sel, &needle, &rows, &rs), 3);
	assert_int_equal(rs.bad_blocks, 0);
	assert_true(rs.blocks_skipped >= 7);
	sel.hosts = NULL;
	assert_int_equal(read_all(dir, &sel, 6, &rs), 10000);
	assert_int_equal(rs.bad_blocks, 0);
	footer_free(&f);
	free(seg);
	rm_rf(dir);
	free(dir);
}

/*
 * Format 1 (no block filters) is still read: the fuzz corpus's seed of a
 * closed zstd segment, written before format 2, read as an open segment
 * under a host selection: no block is skipped by host, all 100 flows come
 * back, verify passes.
 */
static void test_format_v1(void **state)
{
	char seed[1024], path[512];
	char *dir;
	struct vaddr absent;
	struct store_select sel = { INT64_MIN, INT64_MAX, &absent, 1 };
	struct store_reader_stats rs;
	struct seg_footer f;
	uint64_t bad = 0, foff;
	size_t len, rows;
	uint8_t *p;
	int fd;

	(void)state;
	snprintf(seed, sizeof(seed), "%s/fuzz/corpus/segment/closed-zstd", VIGIL_SOURCE_DIR);
	if (access(seed, R_OK) != 0) {
		skip(); /* the seed is part of the source tree; absent in a partial checkout */
		return;
	}
	p = slurp(seed, &len);
	assert_true(len > SEG_HDR_LEN);
	assert_int_equal(p[8] | p[9] << 8, 1);
	fd = open(seed, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(footer_read(fd, len, &f, &foff), 0); /* cut it: no footer index */
	close(fd);
	footer_free(&f);
	dir = mkstore();
	addr_parse("198.18.0.1", &absent);
	snprintf(path, sizeof(path), "%s/vigil-20231114T221320Z.seg.open", dir);
	spit(path, p, (size_t)foff);
	assert_int_equal(host_rows(dir, &sel, &absent, &rows, &rs), 0);
	assert_int_equal(rows, 100);
	assert_int_equal(rs.blocks, 3);
	assert_int_equal(rs.blocks_skipped, 0);
	assert_int_equal(rs.bad_blocks, 0);
	assert_int_equal(store_scan(dir, 1, count_bad, NULL, &bad), 0);
	assert_int_equal(bad, 0);
	free(p);
	rm_rf(dir);
	free(dir);
}

static int count_seg(void *ctx, const struct store_segment_info *si)
{
	size_t *n = ctx;

	(void)si;
	(*n)++;
	return 0;
}

static void test_expire(void **state)
{
	char *dir = mkstore();
	struct store_opts o = { .segment_ms = 60000, .block_rows = 1000, .sync = -1 };
	struct store_expire_result er;
	struct store_writer *w;
	struct flow f;
	size_t nseg = 0;
	int64_t day = 86400000;

	(void)state;
	/* one segment per day, 10 days */
	assert_int_equal(store_writer_open(dir, &o, &w), 0);
	for (int d = 0; d < 10; d++) {
		assert_int_equal(store_writer_tick(w, BASE_MS + d * day), 0);
		for (uint64_t i = 0; i < 2000; i++) {
			gen_flow(6, (uint64_t)d * 2000 + i, BASE_MS + d * day, &f);
			assert_int_equal(store_writer_add(w, &f, 1), 0);
		}
	}
	assert_int_equal(store_writer_close(w), 0);
	assert_int_equal(store_scan(dir, 0, count_seg, NULL, &nseg), 0);
	assert_int_equal(nseg, 10);
	/* by age: now = day 10, keep 3.5 days -> days 7, 8, 9 stay */
	assert_int_equal(store_expire(dir, 3 * day + day / 2, 0, BASE_MS + 10 * day, &er), 0);
	assert_int_equal(er.segments_removed, 7);
	assert_int_equal(er.segments_kept, 3);
	/* by size: keep at most the size of two segments */
	{
		uint64_t per = er.bytes_kept / er.segments_kept;

		assert_int_equal(store_expire(dir, 0, per * 2 + per / 2, BASE_MS + 10 * day, &er), 0);
		assert_int_equal(er.segments_kept, 2);
		assert_true(er.bytes_kept <= per * 2 + per / 2);
	}
	nseg = 0;
	assert_int_equal(store_scan(dir, 1, count_seg, NULL, &nseg), 0);
	assert_int_equal(nseg, 2);
	assert_int_equal(read_all(dir, NULL, 6, NULL), 4000);
	rm_rf(dir);
	free(dir);
}

static size_t t_varint(uint8_t *p, uint64_t v)
{
	size_t k = 0;

	while (v >= 0x80) {
		p[k++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[k++] = (uint8_t)v;
	return k;
}

/* Varint columns: values of every length decode exactly whether 10 or more
 * bytes remain (unchecked path) or fewer (checked path); an overlong varint,
 * a truncated one, a trailing byte and a u32 column value over 32 bits are
 * format errors. */
static void test_varint_decode(void **state)
{
	static const uint64_t vals[] = { 0, 127, 128, 300, 1ull << 32, UINT64_MAX, 16384, 1 };
	const size_t nv = sizeof(vals) / sizeof(vals[0]);
	uint8_t raw[128];
	uint64_t out[16];
	uint32_t o32[4];
	struct col_ent e = { .enc = ENC_VARINT, .width = 8 };
	size_t len = 0;

	(void)state;
	for (size_t i = 0; i < nv; i++)
		len += t_varint(raw + len, vals[i]);
	e.rlen = (uint32_t)len;
	assert_int_equal(store_col_decode(FLOW_COL_PACKETS, &e, raw, nv, 0, NULL, out), 0);
	for (size_t i = 0; i < nv; i++)
		assert_true(out[i] == vals[i]);
	/* the last value alone at the end: 10 bytes, exactly the unchecked size */
	len = t_varint(raw, UINT64_MAX);
	e.rlen = (uint32_t)len;
	assert_int_equal(len, 10);
	assert_int_equal(store_col_decode(FLOW_COL_BYTES, &e, raw, 1, 0, NULL, out), 0);
	assert_true(out[0] == UINT64_MAX);
	/* trailing byte */
	raw[len] = 0;
	e.rlen = (uint32_t)len + 1;
	assert_int_equal(store_col_decode(FLOW_COL_BYTES, &e, raw, 1, 0, NULL, out), VIGIL_EFORMAT);
	/* overlong: 11 bytes, with and without bytes after it */
	memset(raw, 0x80, 10);
	raw[10] = 0x01;
	memset(raw + 11, 0, 8);
	for (uint32_t rl = 11; rl <= 19; rl += 8) {
		e.rlen = rl;
		assert_int_equal(store_col_decode(FLOW_COL_BYTES, &e, raw, 1 + (rl - 11), 0, NULL, out),
				 VIGIL_EFORMAT);
	}
	/* truncated, fewer than 10 bytes left */
	raw[0] = 5;
	raw[1] = 0x80;
	raw[2] = 0x80;
	e.rlen = 3;
	assert_int_equal(store_col_decode(FLOW_COL_BYTES, &e, raw, 2, 0, NULL, out), VIGIL_EFORMAT);
	/* u32 columns: UINT32_MAX fits, 2^32 does not */
	e.width = 4;
	len = t_varint(raw, UINT32_MAX);
	len += t_varint(raw + len, 7);
	e.rlen = (uint32_t)len;
	assert_int_equal(store_col_decode(FLOW_COL_SRC_AS, &e, raw, 2, 0, NULL, o32), 0);
	assert_true(o32[0] == UINT32_MAX && o32[1] == 7);
	len = t_varint(raw, 1ull << 32);
	e.rlen = (uint32_t)len;
	assert_int_equal(store_col_decode(FLOW_COL_SRC_AS, &e, raw, 1, 0, NULL, o32), VIGIL_EFORMAT);
}

/* CRC-32C: the known check value, and the SSE4.2 path (when this CPU has
 * it) equal to the portable table version on random buffers at every length
 * 0..300 and offset 0..7 (unaligned heads and tails), whole and chained. */
static void test_crc32c(void **state)
{
	static uint8_t buf[4096 + 8];
	uint64_t x = 0x9e3779b97f4a7c15ull;

	(void)state;
	assert_int_equal(store_crc32c(0, "123456789", 9), 0xe3069283u);
	assert_int_equal(store_crc32c_portable(0, "123456789", 9), 0xe3069283u);
	assert_int_equal(store_crc32c(0, "", 0), 0);
	for (size_t i = 0; i < sizeof(buf); i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		buf[i] = (uint8_t)x;
	}
	if (!store_crc32c_hw())
		print_message("crc32c: no SSE4.2 here, portable version only\n");
	for (size_t off = 0; off < 8; off++)
		for (size_t len = 0; len <= 300; len++) {
			uint32_t a = store_crc32c(0, buf + off, len);
			uint32_t b = store_crc32c_portable(0, buf + off, len);
			size_t h = len / 3;

			assert_int_equal(a, b);
			assert_int_equal(store_crc32c(store_crc32c(0, buf + off, h), buf + off + h,
						      len - h),
					 b);
		}
	assert_int_equal(store_crc32c(0, buf, 4096), store_crc32c_portable(0, buf, 4096));
	assert_int_equal(store_crc32c(0x12345678u, buf + 3, 4093),
			 store_crc32c_portable(0x12345678u, buf + 3, 4093));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_codecs),
		cmocka_unit_test(test_select_time),
		cmocka_unit_test(test_select_host),
		cmocka_unit_test(test_torn_tail),
		cmocka_unit_test(test_corrupt_block),
		cmocka_unit_test(test_block_filter),
		cmocka_unit_test(test_format_v1),
		cmocka_unit_test(test_expire),
		cmocka_unit_test(test_crc32c),
		cmocka_unit_test(test_varint_decode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
