/*
 * segment.c - the bytes of a segment file (docs/internals/store-format.md):
 * file header, block header, footer with block directory and Bloom address
 * index, the trailer that finds the footer, the block-by-block scan used for
 * segments still open (or whose footer is damaged), and the listing of the
 * segment files of a store directory in time order.
 */
#include "store/store_int.h"
#include "util/err.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int store_pread(int fd, void *buf, size_t n, uint64_t off)
{
	uint8_t *p = buf;

	while (n) {
		ssize_t r = pread(fd, p, n, (off_t)off);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return VIGIL_EIO;
		}
		if (r == 0)
			return VIGIL_ESHORT;
		p += r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

/* ---- file header ---- */

void seg_hdr_put(uint8_t out[SEG_HDR_LEN], const struct seg_hdr *h)
{
	memset(out, 0, SEG_HDR_LEN);
	memcpy(out, SEG_MAGIC, 8);
	put_u16le(out + 8, SEG_VERSION);
	put_u16le(out + 10, SEG_HDR_LEN);
	out[12] = h->codec;
	out[13] = h->level;
	put_u64le(out + 16, (uint64_t)h->created_ms);
	put_u64le(out + 24, (uint64_t)h->start_ms);
	put_u64le(out + 32, (uint64_t)h->segment_ms);
	put_u32le(out + 60, store_crc32c(0, out, 60));
}

int seg_hdr_get(const uint8_t *p, size_t len, struct seg_hdr *h)
{
	if (len < SEG_HDR_LEN)
		return VIGIL_ESHORT;
	if (memcmp(p, SEG_MAGIC, 8))
		return VIGIL_EFORMAT;
	if (get_u32le(p + 60) != store_crc32c(0, p, 60))
		return VIGIL_ECHECKSUM;
	h->version = (uint16_t)(p[8] | p[9] << 8);
	if (h->version < SEG_VERSION_MIN || h->version > SEG_VERSION || (p[10] | p[11] << 8) != SEG_HDR_LEN)
		return VIGIL_EUNSUPPORTED;
	h->codec = p[12];
	h->level = p[13];
	h->created_ms = (int64_t)get_u64le(p + 16);
	h->start_ms = (int64_t)get_u64le(p + 24);
	h->segment_ms = (int64_t)get_u64le(p + 32);
	return 0;
}

/* ---- block header ---- */

void blk_hdr_put(uint8_t out[BLK_HDR_LEN], const struct blk_hdr *h)
{
	uint8_t *p = out + BLK_FIXED;

	memset(out, 0, BLK_HDR_LEN);
	put_u32le(out, BLK_MAGIC);
	put_u32le(out + 4, BLK_HDR_LEN);
	put_u32le(out + 8, h->payload_len);
	put_u32le(out + 12, h->rows);
	put_u64le(out + 16, (uint64_t)h->min_first);
	put_u64le(out + 24, (uint64_t)h->max_last);
	out[32] = BLK_NENT;
	for (int c = 0; c < BLK_NENT; c++, p += BLK_COLENT) {
		const struct col_ent *e = &h->col[c];

		p[0] = e->enc;
		p[1] = e->codec;
		p[2] = e->width;
		p[3] = e->flags;
		put_u32le(p + 4, e->clen);
		put_u32le(p + 8, e->rlen);
		put_u32le(p + 12, e->crc);
	}
	put_u32le(out + BLK_HDR_LEN - 4, store_crc32c(0, out, BLK_HDR_LEN - 4));
}

int blk_hdr_get(const uint8_t *p, size_t len, struct blk_hdr *h)
{
	struct rd r;
	uint32_t magic, crc, hl;
	uint8_t ncols = 0, u8 = 0;
	uint64_t off;
	int nent;

	if (len < 8)
		return VIGIL_ESHORT;
	hl = get_u32le(p + 4);
	if (get_u32le(p) != BLK_MAGIC || (hl != BLK_HDR_LEN && hl != BLK_HDR_LEN_V1))
		return VIGIL_EFORMAT;
	if (len < hl)
		return VIGIL_ESHORT;
	crc = get_u32le(p + hl - 4);
	if (crc != store_crc32c(0, p, hl - 4))
		return VIGIL_ECHECKSUM;
	memset(h, 0, sizeof(*h));
	nent = hl == BLK_HDR_LEN ? BLK_NENT : BLK_NCOLS;
	off = hl;
	rd_init(&r, p, hl - 4);
	rdle_u32(&r, &magic);
	rdle_u32(&r, &h->hdr_len);
	rdle_u32(&r, &h->payload_len);
	rdle_u32(&r, &h->rows);
	rdle_i64(&r, &h->min_first);
	rdle_i64(&r, &h->max_last);
	rdle_u8(&r, &ncols);
	rd_skip(&r, 3);
	if (ncols != nent || h->rows == 0 || h->rows > STORE_MAX_ROWS)
		return VIGIL_EFORMAT;
	for (int c = 0; c < nent; c++) {
		struct col_ent *e = &h->col[c];

		rdle_u8(&r, &e->enc);
		rdle_u8(&r, &e->codec);
		rdle_u8(&r, &e->width);
		rdle_u8(&r, &u8);
		e->flags = u8;
		rdle_u32(&r, &e->clen);
		rdle_u32(&r, &e->rlen);
		rdle_u32(&r, &e->crc);
		e->off = off;
		off += e->clen;
		if (c == COL_FILTER) {
			/* empty, or a raw Bloom filter of whole words, k hashes */
			if (e->clen && (e->enc != ENC_BLOOM || e->codec != STORE_NONE ||
					e->rlen != e->clen || e->clen % 8 || e->width == 0 ||
					e->width > 16 ||
					e->clen / 8 > STORE_BLK_BLOOM_MAX_WORDS(h->rows)))
				return VIGIL_EFORMAT;
		} else if (e->rlen > store_col_raw_max(h->rows)) {
			return VIGIL_EFORMAT;
		}
	}
	if (off - hl != h->payload_len)
		return VIGIL_EFORMAT;
	return 0;
}

/* ---- Bloom filter ---- */

/* The second hash, derived from the first. */
static uint64_t bloom_h2(uint64_t h)
{
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 29;
	return h | 1;
}

void bloom_hash(const struct vaddr *a, uint64_t *h1, uint64_t *h2)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (int i = 0; i < 16; i++) {
		h ^= a->b[i];
		h *= 0x100000001b3ull;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	*h1 = h;
	*h2 = bloom_h2(h);
}

void bloom_add(uint8_t *bits, uint32_t words, uint32_t k, const struct vaddr *a)
{
	uint64_t h1, h2, m = (uint64_t)words * 64;

	bloom_hash(a, &h1, &h2);
	for (uint32_t i = 0; i < k; i++) {
		uint64_t b = (h1 + i * h2) % m;

		bits[b >> 3] |= (uint8_t)(1u << (b & 7));
	}
}

void bloom_add_hash(uint8_t *bits, uint32_t words, uint32_t k, uint64_t h1)
{
	uint64_t m = (uint64_t)words * 64, h2 = bloom_h2(h1);

	for (uint32_t i = 0; i < k; i++) {
		uint64_t b = (h1 + i * h2) % m;

		bits[b >> 3] |= (uint8_t)(1u << (b & 7));
	}
}

bool bloom_has(const uint8_t *bits, uint32_t words, uint32_t k, const struct vaddr *a)
{
	uint64_t h1, h2, m = (uint64_t)words * 64;

	if (m == 0)
		return true;
	bloom_hash(a, &h1, &h2);
	for (uint32_t i = 0; i < k; i++) {
		uint64_t b = (h1 + i * h2) % m;

		if (!(bits[b >> 3] & (1u << (b & 7))))
			return false;
	}
	return true;
}

/* ---- footer ---- */

static size_t bloom_bytes(uint32_t words) { return (size_t)words * 8; }

int footer_build(const struct seg_footer *f, uint64_t footer_off, uint8_t **out, size_t *len)
{
	size_t bb = f->bloom ? bloom_bytes(f->bloom_words) : 0;
	size_t flen = FTR_FIXED + (size_t)f->nblocks * FTR_DIRENT + bb + 4;
	uint8_t *p = calloc(1, flen + TRAILER_LEN), *q;
	uint32_t crc;

	if (!p)
		return VIGIL_ENOMEM;
	put_u32le(p, FTR_MAGIC);
	put_u32le(p + 4, 1);
	put_u32le(p + 8, f->nblocks);
	put_u32le(p + 12, f->flags);
	put_u64le(p + 16, f->rows);
	put_u64le(p + 24, (uint64_t)f->min_first);
	put_u64le(p + 32, (uint64_t)f->max_last);
	put_u32le(p + 40, bb ? f->bloom_words : 0);
	put_u32le(p + 44, bb ? f->bloom_k : 0);
	put_u64le(p + 48, f->bloom_keys);
	q = p + FTR_FIXED;
	for (uint32_t i = 0; i < f->nblocks; i++, q += FTR_DIRENT) {
		put_u64le(q, f->blocks[i].off);
		put_u32le(q + 8, f->blocks[i].rows);
		put_u64le(q + 16, (uint64_t)f->blocks[i].min_first);
		put_u64le(q + 24, (uint64_t)f->blocks[i].max_last);
	}
	if (bb)
		memcpy(q, f->bloom, bb);
	q += bb;
	crc = store_crc32c(0, p, flen - 4);
	put_u32le(q, crc);
	q += 4;
	put_u64le(q, footer_off);
	put_u32le(q + 8, (uint32_t)flen);
	put_u32le(q + 12, crc);
	memcpy(q + 16, END_MAGIC, 8);
	*out = p;
	*len = flen + TRAILER_LEN;
	return 0;
}

void footer_free(struct seg_footer *f)
{
	if (!f)
		return;
	free(f->blocks);
	free(f->bloom);
	f->blocks = NULL;
	f->bloom = NULL;
}

int footer_read(int fd, uint64_t fsize, struct seg_footer *f, uint64_t *footer_off)
{
	uint8_t t[TRAILER_LEN], *p = NULL;
	uint64_t off;
	uint32_t flen, crc, ver;
	struct rd r;
	int err = VIGIL_EFORMAT;
	size_t bb;

	memset(f, 0, sizeof(*f));
	if (fsize < SEG_HDR_LEN + FTR_FIXED + 4 + TRAILER_LEN)
		return VIGIL_ENOTFOUND;
	if (store_pread(fd, t, TRAILER_LEN, fsize - TRAILER_LEN))
		return VIGIL_EIO;
	if (memcmp(t + 16, END_MAGIC, 8))
		return VIGIL_ENOTFOUND;
	off = get_u64le(t);
	flen = get_u32le(t + 8);
	crc = get_u32le(t + 12);
	if (off < SEG_HDR_LEN || flen < FTR_FIXED + 4 || off + flen != fsize - TRAILER_LEN)
		return VIGIL_EFORMAT;
	p = malloc(flen);
	if (!p)
		return VIGIL_ENOMEM;
	if (store_pread(fd, p, flen, off)) {
		err = VIGIL_EIO;
		goto out;
	}
	if (store_crc32c(0, p, flen - 4) != crc || get_u32le(p + flen - 4) != crc) {
		err = VIGIL_ECHECKSUM;
		goto out;
	}
	rd_init(&r, p, flen - 4);
	{
		uint32_t magic;

		rdle_u32(&r, &magic);
		rdle_u32(&r, &ver);
		if (magic != FTR_MAGIC || ver != 1)
			goto out;
	}
	rdle_u32(&r, &f->nblocks);
	rdle_u32(&r, &f->flags);
	rdle_u64(&r, &f->rows);
	rdle_i64(&r, &f->min_first);
	rdle_i64(&r, &f->max_last);
	rdle_u32(&r, &f->bloom_words);
	rdle_u32(&r, &f->bloom_k);
	rdle_u64(&r, &f->bloom_keys);
	if (f->nblocks > STORE_MAX_BLOCKS || f->bloom_words > STORE_MAX_BLOOM_WORDS || f->bloom_k > 32)
		goto out;
	bb = bloom_bytes(f->bloom_words);
	if (rd_left(&r) != (size_t)f->nblocks * FTR_DIRENT + bb)
		goto out;
	if (f->nblocks) {
		f->blocks = calloc(f->nblocks, sizeof(*f->blocks));
		if (!f->blocks) {
			err = VIGIL_ENOMEM;
			goto out;
		}
	}
	for (uint32_t i = 0; i < f->nblocks; i++) {
		uint32_t pad;

		rdle_u64(&r, &f->blocks[i].off);
		rdle_u32(&r, &f->blocks[i].rows);
		rdle_u32(&r, &pad);
		rdle_i64(&r, &f->blocks[i].min_first);
		rdle_i64(&r, &f->blocks[i].max_last);
		if (f->blocks[i].off < SEG_HDR_LEN || f->blocks[i].off >= off)
			goto out;
	}
	if (bb) {
		f->bloom = malloc(bb);
		if (!f->bloom) {
			err = VIGIL_ENOMEM;
			goto out;
		}
		rd_bytes(&r, f->bloom, bb);
	}
	*footer_off = off;
	err = 0;
out:
	free(p);
	if (err)
		footer_free(f);
	return err;
}

/* ---- block scan ---- */

/* Find the next offset >= from (< fsize) holding a valid block header. */
static int resync(int fd, uint64_t from, uint64_t fsize, uint64_t *found)
{
	enum { CHUNK = 1 << 16 };
	uint8_t *buf = malloc(CHUNK + BLK_HDR_LEN);
	int err = VIGIL_ENOTFOUND;
	struct blk_hdr h;

	if (!buf)
		return VIGIL_ENOMEM;
	for (uint64_t base = from; base < fsize; base += CHUNK) {
		size_t n = (size_t)(fsize - base < CHUNK + BLK_HDR_LEN ? fsize - base : CHUNK + BLK_HDR_LEN);

		if (store_pread(fd, buf, n, base)) {
			err = VIGIL_EIO;
			break;
		}
		for (size_t i = 0; i < n && i < CHUNK; i++) {
			if (buf[i] != 'V' || n - i < 8 || get_u32le(buf + i) != BLK_MAGIC)
				continue;
			if (blk_hdr_get(buf + i, n - i, &h) == 0 &&
			    base + i + h.hdr_len + h.payload_len <= fsize) {
				*found = base + i;
				err = 0;
				goto out;
			}
		}
	}
out:
	free(buf);
	return err;
}

int seg_scan(int fd, uint64_t fsize, int (*fn)(void *ctx, uint64_t off, const struct blk_hdr *h),
	     void *ctx, uint64_t *end, bool *torn, uint64_t *bad)
{
	uint64_t off = SEG_HDR_LEN;
	uint8_t hb[BLK_HDR_LEN];
	struct blk_hdr h;
	int err = 0;

	*end = SEG_HDR_LEN;
	*torn = false;
	while (off < fsize) {
		size_t n = (size_t)(fsize - off < BLK_HDR_LEN ? fsize - off : BLK_HDR_LEN);
		uint64_t next;
		int rc;

		err = store_pread(fd, hb, n, off);
		if (err)
			return err == VIGIL_ESHORT ? 0 : err; /* file shrank: stop */
		if (n >= 4 && get_u32le(hb) == FTR_MAGIC)
			return 0;
		rc = blk_hdr_get(hb, n, &h);
		if (rc == 0 && off + h.hdr_len + h.payload_len <= fsize) {
			if (fn && (err = fn(ctx, off, &h)) != 0)
				return err;
			off += h.hdr_len + (uint64_t)h.payload_len;
			*end = off;
			continue;
		}
		rc = resync(fd, off + 1, fsize, &next);
		if (rc == VIGIL_ENOTFOUND) {
			*torn = true;
			return 0;
		}
		if (rc)
			return rc;
		(*bad)++;
		off = next;
	}
	return 0;
}

/* ---- directory listing ---- */

bool seg_is_open_name(const char *path)
{
	size_t n = strlen(path);

	return n > 9 && !strcmp(path + n - 9, ".seg.open");
}

static bool seg_name_ok(const char *name, bool include_open)
{
	size_t n = strlen(name);

	if (strncmp(name, "vigil-", 6))
		return false;
	if (n > 4 && !strcmp(name + n - 4, ".seg"))
		return true;
	return include_open && seg_is_open_name(name);
}

static int list_add(struct seg_list *l, size_t *cap, const char *dir, const char *sub,
		    const char *name)
{
	size_t n = strlen(dir) + (sub ? strlen(sub) + 1 : 0) + strlen(name) + 2;
	char *p = malloc(n);

	if (!p)
		return VIGIL_ENOMEM;
	if (sub)
		snprintf(p, n, "%s/%s/%s", dir, sub, name);
	else
		snprintf(p, n, "%s/%s", dir, name);
	if (l->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		char **np = realloc(l->paths, nc * sizeof(*np));

		if (!np) {
			free(p);
			return VIGIL_ENOMEM;
		}
		l->paths = np;
		*cap = nc;
	}
	l->paths[l->n++] = p;
	return 0;
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

static int by_name(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	int c = strcmp(base_name(x), base_name(y));

	return c ? c : strcmp(x, y);
}

static bool is_day_dir(const char *name)
{
	if (strlen(name) != 8)
		return false;
	for (int i = 0; i < 8; i++)
		if (name[i] < '0' || name[i] > '9')
			return false;
	return true;
}

int seg_list(const char *dir, bool include_open, struct seg_list *l)
{
	DIR *d = opendir(dir), *sd = NULL;
	struct dirent *e, *se;
	size_t cap = 0;
	int err = 0;

	l->paths = NULL;
	l->n = 0;
	if (!d)
		return errno == ENOENT ? VIGIL_ENOTFOUND : VIGIL_EIO;
	while ((e = readdir(d)) != NULL) {
		if (seg_name_ok(e->d_name, include_open)) {
			if ((err = list_add(l, &cap, dir, NULL, e->d_name)))
				goto out;
			continue;
		}
		if (!is_day_dir(e->d_name))
			continue;
		{
			size_t n = strlen(dir) + 10;
			char sub[4096];

			if (n >= sizeof(sub))
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
			sd = opendir(sub);
			if (!sd)
				continue;
			while ((se = readdir(sd)) != NULL)
				if (seg_name_ok(se->d_name, include_open) &&
				    (err = list_add(l, &cap, dir, e->d_name, se->d_name)))
					goto out;
			closedir(sd);
			sd = NULL;
		}
	}
	if (l->n)
		qsort(l->paths, l->n, sizeof(*l->paths), by_name);
out:
	if (sd)
		closedir(sd);
	closedir(d);
	if (err)
		seg_list_free(l);
	return err;
}

void seg_list_free(struct seg_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->paths[i]);
	free(l->paths);
	l->paths = NULL;
	l->n = 0;
}
