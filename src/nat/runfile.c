/*
 * runfile.c - one immutable, sorted file of NAT mappings (a "run").
 *
 *   header   "VIGILNAT" u32 version u32 flags u64 records       (24 bytes)
 *   blocks   zstd frames, each up to NAT_BLOCK_RECS mappings stored column
 *            by column (deltas and varints: sorted mappings repeat a lot)
 *   footer   source names, then per block: first and last key, offset,
 *            compressed and raw length, records, crc32 of the frame;
 *            min start and max end of the run
 *   trailer  u64 footer offset, u32 footer length, u32 crc32 of the
 *            footer, "VIGILEND"                                   (24 bytes)
 *
 * All integers little-endian. A run is written to NAME.tmp, fdatasync'd,
 * linked to its final name (never over another run) and the directory is
 * fsync'd, so a reader sees a whole run or none. Readers map the file and
 * check header, trailer and footer; each block's crc is checked before it
 * is decompressed.
 */
#include "nat/nat_int.h"
#include "util/err.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#define HDR_LEN 24
#define TRL_LEN 24
#define NCOL 10
#define KEY_LEN 19 /* outside 16, port 2, proto 1 */
#define BIX_LEN (2 * KEY_LEN + 8 + 4 + 4 + 4 + 4)
#define MAX_SRCS 65535

/* ---- little-endian and varint helpers ---- */

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i)); }
static void put64(uint8_t *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i)); }
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t get64(const uint8_t *p) { return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32; }

struct wbuf {
	uint8_t *p;
	size_t len, cap;
};

static int wb_need(struct wbuf *b, size_t n)
{
	if (b->len + n <= b->cap)
		return 0;
	size_t c = b->cap ? b->cap : 4096;
	while (c < b->len + n)
		c *= 2;
	uint8_t *q = realloc(b->p, c);
	if (!q)
		return VIGIL_ENOMEM;
	b->p = q;
	b->cap = c;
	return 0;
}

static int wb_add(struct wbuf *b, const void *p, size_t n)
{
	if (wb_need(b, n))
		return VIGIL_ENOMEM;
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

static int wb_var(struct wbuf *b, uint64_t v)
{
	if (wb_need(b, 10))
		return VIGIL_ENOMEM;
	while (v >= 0x80) {
		b->p[b->len++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	b->p[b->len++] = (uint8_t)v;
	return 0;
}

static uint64_t zz(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }
static int64_t unzz(uint64_t v) { return (int64_t)(v >> 1) ^ -(int64_t)(v & 1); }

struct rbuf {
	const uint8_t *p, *end;
	bool bad;
};

static uint64_t rb_var(struct rbuf *b)
{
	uint64_t v = 0;
	for (unsigned s = 0; s < 64; s += 7) {
		if (b->p >= b->end) {
			b->bad = true;
			return 0;
		}
		uint8_t c = *b->p++;
		v |= (uint64_t)(c & 0x7f) << s;
		if (!(c & 0x80))
			return v;
	}
	b->bad = true;
	return 0;
}

static const uint8_t *rb_take(struct rbuf *b, size_t n)
{
	if ((size_t)(b->end - b->p) < n) {
		b->bad = true;
		return NULL;
	}
	const uint8_t *q = b->p;
	b->p += n;
	return q;
}

/* ---- keys ---- */

static void key_of(uint8_t k[KEY_LEN], const struct vaddr *a, uint16_t port, uint8_t proto)
{
	memcpy(k, a->b, 16);
	k[16] = (uint8_t)(port >> 8); /* big-endian so memcmp orders like numbers */
	k[17] = (uint8_t)port;
	k[18] = proto;
}

int nat_map_cmp(const struct nat_map *a, const struct nat_map *b)
{
	int c = memcmp(a->outside.b, b->outside.b, 16);
	if (c)
		return c;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	if (a->start_ms != b->start_ms)
		return a->start_ms < b->start_ms ? -1 : 1;
	if (a->end_ms != b->end_ms)
		return a->end_ms < b->end_ms ? -1 : 1;
	return memcmp(a->inside.b, b->inside.b, 16);
}

static int cmp_q(const void *a, const void *b) { return nat_map_cmp(a, b); }

/* Sorting a million 64-byte mappings with qsort moves them around many
 * times; sorting small keys and moving each mapping once is several times
 * faster. The key orders exactly as nat_map_cmp. */
struct skey {
	uint64_t a, b, c; /* outside (big-endian halves); port, proto, start - base */
	uint32_t i;
};

static uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static int cmp_skey(const void *x, const void *y)
{
	const struct skey *p = x, *q = y;
	if (p->a != q->a)
		return p->a < q->a ? -1 : 1;
	if (p->b != q->b)
		return p->b < q->b ? -1 : 1;
	if (p->c != q->c)
		return p->c < q->c ? -1 : 1;
	return p->i < q->i ? -1 : p->i > q->i;
}

void nat_sort_scratch_free(struct nat_sort_scratch *s)
{
	if (!s)
		return;
	free(s->keys);
	free(s->maps);
	memset(s, 0, sizeof(*s));
}

/* maps[0..n) in nat_map_cmp order (equal keys: in input order) into
 * scratch->maps; returns it, or NULL out of memory. */
static const struct nat_map *sort_maps(const struct nat_map *maps, size_t n, struct nat_sort_scratch *sc)
{
	int64_t lo = INT64_MAX, hi = INT64_MIN;
	for (size_t i = 0; i < n; i++) {
		if (maps[i].start_ms < lo)
			lo = maps[i].start_ms;
		if (maps[i].start_ms > hi)
			hi = maps[i].start_ms;
	}
	if (sc->cap < n) {
		size_t c = n + n / 4;
		void *k = realloc(sc->keys, c * sizeof(struct skey));
		if (k)
			sc->keys = k;
		struct nat_map *m = realloc(sc->maps, c * sizeof(*m));
		if (m)
			sc->maps = m;
		if (!k || !m)
			return NULL;
		sc->cap = c;
	}
	struct skey *k = sc->keys;
	struct nat_map *out = sc->maps;
	/* 40 bits of ms from the earliest start: runs span days, not decades */
	if ((uint64_t)(hi - lo) >= (1ULL << 40)) {
		memcpy(out, maps, n * sizeof(*out));
		if (n > 1)
			qsort(out, n, sizeof(*out), cmp_q);
		return out;
	}
	for (size_t i = 0; i < n; i++) {
		k[i].a = be64(maps[i].outside.b);
		k[i].b = be64(maps[i].outside.b + 8);
		k[i].c = (uint64_t)maps[i].port << 48 | (uint64_t)maps[i].proto << 40 |
			 (uint64_t)(maps[i].start_ms - lo);
		k[i].i = (uint32_t)i;
	}
	if (n > 1)
		qsort(k, n, sizeof(*k), cmp_skey);
	for (size_t i = 0; i < n; i++)
		out[i] = maps[k[i].i];
	return out;
}

/* ---- writing ---- */

/* Encode maps[0..n) column by column into raw. */
static int encode_block(const struct nat_map *m, size_t n, struct wbuf *raw)
{
	struct wbuf col[NCOL] = { 0 };
	int64_t pstart = 0, pline = 0;
	int err = 0;

	for (size_t i = 0; i < n && !err; i++) {
		bool same = i && !memcmp(m[i].outside.b, m[i - 1].outside.b, 16);
		err |= wb_var(&col[0], same ? 0 : 1);
		if (!same)
			err |= wb_add(&col[1], m[i].outside.b, 16);
		err |= wb_var(&col[2], zz((int64_t)m[i].port - (i ? (int64_t)m[i - 1].port : 0)));
		err |= wb_add(&col[3], &m[i].proto, 1);
		err |= wb_var(&col[4], zz(m[i].start_ms - pstart));
		pstart = m[i].start_ms;
		err |= wb_var(&col[5], m[i].end_ms ? zz(m[i].end_ms - m[i].start_ms) + 1 : 0);
		err |= wb_add(&col[6], m[i].inside.b, 16);
		err |= wb_var(&col[7], m[i].inside_port);
		err |= wb_var(&col[8], zz((int64_t)m[i].line - pline));
		pline = m[i].line;
		uint8_t sf[3];
		put16(sf, m[i].src);
		sf[2] = m[i].flags;
		err |= wb_add(&col[9], sf, 3);
	}
	for (int c = 0; c < NCOL && !err; c++)
		err = wb_var(raw, col[c].len);
	for (int c = 0; c < NCOL && !err; c++)
		err = wb_add(raw, col[c].p, col[c].len);
	for (int c = 0; c < NCOL; c++)
		free(col[c].p);
	return err ? VIGIL_ENOMEM : 0;
}

static int fsync_dir_of(const char *path)
{
	char d[4096];
	const char *s = strrchr(path, '/');
	size_t n = s ? (size_t)(s - path) : 1;

	if (n >= sizeof(d))
		return VIGIL_EINVAL;
	memcpy(d, s ? path : ".", n);
	d[n] = 0;
	int fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return VIGIL_EIO;
	int err = fsync(fd) && errno != EINVAL ? VIGIL_EIO : 0;
	close(fd);
	return err;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return VIGIL_EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int nat_run_write(const char *path, const struct nat_map *in, size_t n, const char *const *srcs,
		  size_t nsrcs, struct nat_sort_scratch *scratch)
{
	struct wbuf file = { 0 }, raw = { 0 }, foot = { 0 };
	char tmp[4200];
	int64_t minst = INT64_MAX, maxend = 0;
	size_t nblocks = 0;
	int err = 0, fd = -1;

	if (nsrcs > MAX_SRCS || (size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return VIGIL_EINVAL;
	struct nat_sort_scratch own = { 0 };
	struct nat_sort_scratch *sc = scratch ? scratch : &own;
	const struct nat_map *maps = sort_maps(in, n, sc);
	if (!maps) {
		nat_sort_scratch_free(&own);
		return VIGIL_ENOMEM;
	}

	uint8_t hdr[HDR_LEN];
	memcpy(hdr, NAT_RUN_MAGIC, 8);
	put32(hdr + 8, NAT_RUN_VERSION);
	put32(hdr + 12, 0);
	put64(hdr + 16, n);
	err = wb_add(&file, hdr, HDR_LEN);

	/* footer: sources first, the block index follows as blocks are written */
	uint8_t b2[2];
	put16(b2, (uint16_t)nsrcs);
	err |= wb_add(&foot, b2, 2);
	for (size_t i = 0; i < nsrcs && !err; i++) {
		size_t l = strlen(srcs[i]);
		if (l > 1024)
			l = 1024;
		put16(b2, (uint16_t)l);
		err |= wb_add(&foot, b2, 2);
		err |= wb_add(&foot, srcs[i], l);
	}
	size_t bix_at = foot.len;
	err |= wb_need(&foot, 4);
	if (!err) {
		put32(foot.p + foot.len, 0); /* block count, filled in below */
		foot.len += 4;
	}

	for (size_t at = 0; at < n && !err; at += NAT_BLOCK_RECS) {
		size_t k = n - at < NAT_BLOCK_RECS ? n - at : NAT_BLOCK_RECS;
		const struct nat_map *m = maps + at;

		for (size_t i = 0; i < k; i++) {
			if (m[i].start_ms < minst)
				minst = m[i].start_ms;
			int64_t e = m[i].end_ms ? m[i].end_ms : m[i].start_ms;
			if (e > maxend)
				maxend = e;
		}
		raw.len = 0;
		if ((err = encode_block(m, k, &raw)))
			break;
		size_t bound = ZSTD_compressBound(raw.len);
		if ((err = wb_need(&file, bound)))
			break;
		size_t cl = ZSTD_compress(file.p + file.len, bound, raw.p, raw.len, 3);
		if (ZSTD_isError(cl)) {
			err = VIGIL_EIO;
			break;
		}
		uint8_t bix[BIX_LEN];
		key_of(bix, &m[0].outside, m[0].port, m[0].proto);
		key_of(bix + KEY_LEN, &m[k - 1].outside, m[k - 1].port, m[k - 1].proto);
		put64(bix + 2 * KEY_LEN, file.len);
		put32(bix + 2 * KEY_LEN + 8, (uint32_t)cl);
		put32(bix + 2 * KEY_LEN + 12, (uint32_t)raw.len);
		put32(bix + 2 * KEY_LEN + 16, (uint32_t)k);
		put32(bix + 2 * KEY_LEN + 20, (uint32_t)crc32(0, file.p + file.len, (uInt)cl));
		file.len += cl;
		err = wb_add(&foot, bix, BIX_LEN);
		nblocks++;
	}
	if (!err) {
		uint8_t mm[16];
		put32(foot.p + bix_at, (uint32_t)nblocks);
		put64(mm, (uint64_t)(n ? minst : 0));
		put64(mm + 8, (uint64_t)maxend);
		err = wb_add(&foot, mm, 16);
	}
	if (!err) {
		uint8_t trl[TRL_LEN];
		put64(trl, file.len);
		put32(trl + 8, (uint32_t)foot.len);
		put32(trl + 12, (uint32_t)crc32(0, foot.p, (uInt)foot.len));
		memcpy(trl + 16, "VIGILEND", 8);
		err = wb_add(&file, foot.p, foot.len);
		err |= wb_add(&file, trl, TRL_LEN);
	}
	if (!err) {
		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0 || write_all(fd, file.p, file.len) || fdatasync(fd))
			err = VIGIL_EIO;
		if (fd >= 0 && close(fd))
			err = VIGIL_EIO;
		/* link, not rename: never replace a run someone else just wrote */
		if (!err && link(tmp, path))
			err = errno == EEXIST ? VIGIL_EEXIST : VIGIL_EIO;
		unlink(tmp);
		if (!err)
			err = fsync_dir_of(path);
	}
	free(file.p);
	free(raw.p);
	free(foot.p);
	nat_sort_scratch_free(&own);
	return err;
}

/* ---- reading ---- */

struct nat_run {
	const uint8_t *map;
	size_t len;
	uint64_t nrecs;
	uint32_t nblocks;
	const uint8_t *bix; /* nblocks * BIX_LEN */
	char **srcs;
	size_t nsrcs;
	int64_t min_start, max_end;
	struct nat_map *dec; /* one decoded block */
	uint8_t *rawbuf;
	size_t rawcap;
	ZSTD_DCtx *dctx;
};

void nat_run_close(struct nat_run *r)
{
	if (!r)
		return;
	if (r->map)
		munmap((void *)r->map, r->len);
	for (size_t i = 0; i < r->nsrcs; i++)
		free(r->srcs[i]);
	free(r->srcs);
	free(r->dec);
	free(r->rawbuf);
	ZSTD_freeDCtx(r->dctx);
	free(r);
}

int nat_run_open(const char *path, struct nat_run **out)
{
	struct nat_run *r = calloc(1, sizeof(*r));
	struct stat st;
	int fd, err = VIGIL_EFORMAT;

	if (!r)
		return VIGIL_ENOMEM;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		free(r);
		return errno == ENOENT ? VIGIL_ENOTFOUND : VIGIL_EIO;
	}
	if (fstat(fd, &st) || st.st_size < HDR_LEN + TRL_LEN) {
		close(fd);
		free(r);
		return VIGIL_EFORMAT;
	}
	r->len = (size_t)st.st_size;
	void *m = mmap(NULL, r->len, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED) {
		free(r);
		return VIGIL_EIO;
	}
	r->map = m;
	const uint8_t *p = r->map, *t = p + r->len - TRL_LEN;
	if (memcmp(p, NAT_RUN_MAGIC, 8) || memcmp(t + 16, "VIGILEND", 8))
		goto fail;
	if (get32(p + 8) != NAT_RUN_VERSION) {
		err = VIGIL_EUNSUPPORTED;
		goto fail;
	}
	r->nrecs = get64(p + 16);
	uint64_t fo = get64(t);
	uint32_t fl = get32(t + 8);
	if (fo < HDR_LEN || fo > r->len - TRL_LEN || fl != r->len - TRL_LEN - fo)
		goto fail;
	if (get32(t + 12) != (uint32_t)crc32(0, p + fo, fl)) {
		err = VIGIL_ECHECKSUM;
		goto fail;
	}
	struct rbuf f = { p + fo, p + fo + fl, false };
	const uint8_t *q = rb_take(&f, 2);
	if (!q)
		goto fail;
	r->nsrcs = get16(q);
	if (!(r->srcs = calloc(r->nsrcs ? r->nsrcs : 1, sizeof(char *)))) {
		err = VIGIL_ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < r->nsrcs; i++) {
		if (!(q = rb_take(&f, 2)))
			goto fail;
		size_t l = get16(q);
		if (!(q = rb_take(&f, l)))
			goto fail;
		if (!(r->srcs[i] = malloc(l + 1))) {
			err = VIGIL_ENOMEM;
			goto fail;
		}
		memcpy(r->srcs[i], q, l);
		r->srcs[i][l] = 0;
	}
	if (!(q = rb_take(&f, 4)))
		goto fail;
	r->nblocks = get32(q);
	if ((uint64_t)r->nblocks * BIX_LEN + 16 != (uint64_t)(f.end - f.p))
		goto fail;
	r->bix = f.p;
	r->min_start = (int64_t)get64(f.end - 16);
	r->max_end = (int64_t)get64(f.end - 8);
	for (uint32_t b = 0; b < r->nblocks; b++) {
		const uint8_t *e = r->bix + (size_t)b * BIX_LEN + 2 * KEY_LEN;
		uint64_t off = get64(e);
		uint32_t cl = get32(e + 8), n = get32(e + 16);
		if (off < HDR_LEN || off > fo || cl > fo - off || n == 0 || n > NAT_BLOCK_RECS_MAX)
			goto fail;
	}
	if (!(r->dec = malloc(NAT_BLOCK_RECS_MAX * sizeof(*r->dec))) || !(r->dctx = ZSTD_createDCtx())) {
		err = VIGIL_ENOMEM;
		goto fail;
	}
	*out = r;
	return 0;
fail:
	nat_run_close(r);
	return err;
}

void nat_run_info(const struct nat_run *r, uint64_t *n, int64_t *min_start, int64_t *max_end,
		  uint64_t *bytes)
{
	if (n)
		*n = r->nrecs;
	if (min_start)
		*min_start = r->min_start;
	if (max_end)
		*max_end = r->max_end;
	if (bytes)
		*bytes = r->len;
}

/* Decode block b into r->dec; returns its record count or < 0. */
static int decode_block(struct nat_run *r, uint32_t b)
{
	const uint8_t *e = r->bix + (size_t)b * BIX_LEN + 2 * KEY_LEN;
	uint64_t off = get64(e);
	uint32_t cl = get32(e + 8), rl = get32(e + 12), n = get32(e + 16);

	if (get32(e + 20) != (uint32_t)crc32(0, r->map + off, cl))
		return VIGIL_ECHECKSUM;
	if (rl > 64u * NAT_BLOCK_RECS_MAX)
		return VIGIL_EFORMAT;
	if (r->rawcap < rl) {
		uint8_t *nb = realloc(r->rawbuf, rl);
		if (!nb)
			return VIGIL_ENOMEM;
		r->rawbuf = nb;
		r->rawcap = rl;
	}
	size_t got = ZSTD_decompressDCtx(r->dctx, r->rawbuf, rl, r->map + off, cl);
	if (ZSTD_isError(got) || got != rl)
		return VIGIL_EFORMAT;

	struct rbuf hdr = { r->rawbuf, r->rawbuf + rl, false }, col[NCOL];
	uint64_t clen[NCOL];
	for (int c = 0; c < NCOL; c++)
		clen[c] = rb_var(&hdr);
	const uint8_t *at = hdr.p;
	for (int c = 0; c < NCOL; c++) {
		if (hdr.bad || clen[c] > (uint64_t)(hdr.end - at))
			return VIGIL_EFORMAT;
		col[c] = (struct rbuf){ at, at + clen[c], false };
		at += clen[c];
	}
	struct vaddr out = { { 0 } };
	int64_t port = 0, start = 0, line = 0;
	for (uint32_t i = 0; i < n; i++) {
		struct nat_map *m = &r->dec[i];
		const uint8_t *q;
		if (rb_var(&col[0]) || i == 0) {
			if (!(q = rb_take(&col[1], 16)))
				return VIGIL_EFORMAT;
			memcpy(out.b, q, 16);
		}
		m->outside = out;
		port += unzz(rb_var(&col[2]));
		m->port = (uint16_t)port;
		m->proto = (q = rb_take(&col[3], 1)) ? *q : 0;
		start += unzz(rb_var(&col[4]));
		m->start_ms = start;
		uint64_t d = rb_var(&col[5]);
		m->end_ms = d ? start + unzz(d - 1) : 0;
		if ((q = rb_take(&col[6], 16)))
			memcpy(m->inside.b, q, 16);
		m->inside_port = (uint16_t)rb_var(&col[7]);
		line += unzz(rb_var(&col[8]));
		m->line = (uint32_t)line;
		if ((q = rb_take(&col[9], 3))) {
			m->src = get16(q);
			m->flags = q[2];
		}
	}
	for (int c = 0; c < NCOL; c++)
		if (col[c].bad)
			return VIGIL_EFORMAT;
	return (int)n;
}

int nat_run_find(struct nat_run *r, const struct vaddr *outside, uint16_t port, uint8_t proto,
		 int (*fn)(void *ctx, const struct nat_map *m, const char *src), void *ctx)
{
	uint8_t lo[KEY_LEN], hi[KEY_LEN];

	key_of(lo, outside, port, proto);
	key_of(hi, outside, port, proto ? proto : 255);
	/* first block whose last key >= lo */
	uint32_t a = 0, b = r->nblocks;
	while (a < b) {
		uint32_t mid = a + (b - a) / 2;
		if (memcmp(r->bix + (size_t)mid * BIX_LEN + KEY_LEN, lo, KEY_LEN) < 0)
			a = mid + 1;
		else
			b = mid;
	}
	for (; a < r->nblocks; a++) {
		if (memcmp(r->bix + (size_t)a * BIX_LEN, hi, KEY_LEN) > 0)
			break;
		int n = decode_block(r, a);
		if (n < 0)
			return n;
		for (int i = 0; i < n; i++) {
			const struct nat_map *m = &r->dec[i];
			if (m->port != port || !addr_eq(&m->outside, outside) || (proto && m->proto != proto))
				continue;
			const char *src = m->src < r->nsrcs ? r->srcs[m->src] : "?";
			int rc = fn(ctx, m, src);
			if (rc)
				return rc;
		}
	}
	return 0;
}

int nat_run_each(struct nat_run *r, int (*fn)(void *ctx, const struct nat_map *m, const char *src),
		 void *ctx)
{
	for (uint32_t a = 0; a < r->nblocks; a++) {
		int n = decode_block(r, a);
		if (n < 0)
			return n;
		for (int i = 0; i < n; i++) {
			const struct nat_map *m = &r->dec[i];
			int rc = fn(ctx, m, m->src < r->nsrcs ? r->srcs[m->src] : "?");
			if (rc)
				return rc;
		}
	}
	return 0;
}
