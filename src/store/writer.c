/*
 * writer.c - the store's writer: appends flows to the block in progress,
 * finishes a block (encode, compress, checksum, one write(), fdatasync) when
 * it is full or the flush interval has passed, rotates segments on wall time
 * and finalises a segment (footer with block directory and Bloom address
 * index, fsync, rename from NAME.seg.open to NAME.seg, fsync of the
 * directory). On open it takes the store's lock and recovers every segment a
 * crashed writer left open (see recover.c). No I/O or allocation per flow.
 */
#include "store/store_int.h"
#include "store/wr_int.h"
#include "util/err.h"
#include "util/log.h"
#include "util/vtime.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int store_mkdir_p(const char *dir)
{
	char p[4096];
	size_t n = strlen(dir);

	if (n == 0 || n >= sizeof(p))
		return VIGIL_EINVAL;
	memcpy(p, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		p[i] = '\0';
		if (mkdir(p, 0755) && errno != EEXIST)
			return VIGIL_ESYS;
		if (i < n)
			p[i] = '/';
	}
	return 0;
}

int store_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return VIGIL_EIO;
	if (fsync(fd) && errno != EINVAL)
		err = VIGIL_EIO;
	close(fd);
	return err;
}

int store_write_all(int fd, const void *buf, size_t n)
{
	const uint8_t *p = buf;

	while (n) {
		ssize_t r = write(fd, p, n);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return VIGIL_EIO;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Word compares instead of the out-of-line util/addr.h calls (hot here). */
static inline bool slot_free(const struct vaddr *a)
{
	uint64_t x, y;

	memcpy(&x, a->b, 8);
	memcpy(&y, a->b + 8, 8);
	return (x | y) == 0;
}

static inline bool addr_eq_fast(const struct vaddr *a, const struct vaddr *b)
{
	uint64_t x0, x1, y0, y1;

	memcpy(&x0, a->b, 8);
	memcpy(&x1, a->b + 8, 8);
	memcpy(&y0, b->b, 8);
	memcpy(&y1, b->b + 8, 8);
	return ((x0 ^ y0) | (x1 ^ y1)) == 0;
}

/* addr_is_zero(): all zero, or IPv4 0.0.0.0 (::ffff:0.0.0.0). */
static inline bool addr_zero_fast(const struct vaddr *a)
{
	static const uint8_t v4zero[8] = { 0, 0, 0xff, 0xff, 0, 0, 0, 0 };
	uint64_t x, y, z;

	memcpy(&x, a->b, 8);
	memcpy(&y, a->b + 8, 8);
	memcpy(&z, v4zero, 8);
	return x == 0 && (y == 0 || y == z);
}

/* ---- the segment's address set (exact, capped), turned into a Bloom filter at close ---- */

static uint64_t set_hash(const struct vaddr *a)
{
	uint64_t x, y;

	memcpy(&x, a->b, 8);
	memcpy(&y, a->b + 8, 8);
	x ^= y * 0x9e3779b97f4a7c15ull;
	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 29;
	return x;
}

static int set_grow(struct addr_set *s)
{
	size_t nc = s->cap ? s->cap * 2 : 4096;
	struct vaddr *nt = calloc(nc, sizeof(*nt));

	if (!nt)
		return VIGIL_ENOMEM;
	for (size_t i = 0; i < s->cap; i++) {
		size_t j;

		if (slot_free(&s->tab[i]))
			continue;
		for (j = set_hash(&s->tab[i]) & (nc - 1); !slot_free(&nt[j]); j = (j + 1) & (nc - 1))
			;
		nt[j] = s->tab[i];
	}
	free(s->tab);
	s->tab = nt;
	s->cap = nc;
	return 0;
}

void addr_set_add(struct addr_set *s, const struct vaddr *a)
{
	size_t j;
	uint64_t h;
	struct vaddr *r;

	if (s->full)
		return;
	if (addr_zero_fast(a)) {
		s->has_zero = true;
		return;
	}
	h = set_hash(a);
	if (!s->recent)
		s->recent = calloc(ADDR_RECENT, sizeof(*s->recent)); /* NULL: no cache */
	r = s->recent ? &s->recent[h >> 52 & (ADDR_RECENT - 1)] : NULL;
	if (r && addr_eq_fast(r, a))
		return; /* added since the last clear */
	if ((s->n + 1) * 2 > s->cap) {
		if (s->n >= STORE_MAX_INDEX_KEYS || set_grow(s)) {
			s->full = true;
			return;
		}
	}
	if (r)
		*r = *a;
	for (j = h & (s->cap - 1); !slot_free(&s->tab[j]); j = (j + 1) & (s->cap - 1))
		if (addr_eq_fast(&s->tab[j], a))
			return;
	s->tab[j] = *a;
	s->n++;
}

void addr_set_add_many(struct addr_set *s, const struct vaddr *const *a, size_t n)
{
	enum { AHEAD = 12 };

	for (size_t i = 0; i < n && !s->full; i++) {
		if (i + AHEAD < n && s->tab)
			__builtin_prefetch(&s->tab[set_hash(a[i + AHEAD]) & (s->cap - 1)]);
		addr_set_add(s, a[i]);
	}
}

void addr_set_clear(struct addr_set *s)
{
	if (s->tab && s->n)
		memset(s->tab, 0, s->cap * sizeof(*s->tab));
	if (s->recent)
		memset(s->recent, 0, ADDR_RECENT * sizeof(*s->recent));
	s->n = 0;
	s->has_zero = false;
	s->full = false;
}

void addr_set_free(struct addr_set *s)
{
	free(s->tab);
	free(s->recent);
	memset(s, 0, sizeof(*s));
}

int seg_finalise(int fd, uint64_t end, const struct dirent_blk *blocks, uint32_t nblocks,
		 const struct addr_set *set, const char *open_path, const char *final_path,
		 bool sync)
{
	struct seg_footer f;
	uint8_t *buf = NULL;
	size_t len;
	int err;
	uint64_t keys = set->n + (set->has_zero ? 1 : 0);

	memset(&f, 0, sizeof(f));
	f.nblocks = nblocks;
	f.blocks = (struct dirent_blk *)blocks;
	f.min_first = INT64_MAX;
	f.max_last = INT64_MIN;
	for (uint32_t i = 0; i < nblocks; i++) {
		f.rows += blocks[i].rows;
		if (blocks[i].min_first < f.min_first)
			f.min_first = blocks[i].min_first;
		if (blocks[i].max_last > f.max_last)
			f.max_last = blocks[i].max_last;
	}
	if (set->full) {
		f.flags = FTR_INDEX_FULL;
	} else {
		uint64_t words = (keys * STORE_BLOOM_BITS_PER_KEY + 63) / 64;

		f.bloom_words = (uint32_t)(words < 8 ? 8 : words > STORE_MAX_BLOOM_WORDS ? STORE_MAX_BLOOM_WORDS : words);
		f.bloom_k = 6;
		f.bloom_keys = keys;
		f.bloom = calloc(f.bloom_words, 8);
		if (!f.bloom)
			return VIGIL_ENOMEM;
		for (size_t i = 0; i < set->cap; i++)
			if (!slot_free(&set->tab[i]))
				bloom_add(f.bloom, f.bloom_words, f.bloom_k, &set->tab[i]);
		if (set->has_zero) {
			struct vaddr z;

			memset(&z, 0, sizeof(z));
			bloom_add(f.bloom, f.bloom_words, f.bloom_k, &z);
		}
	}
	err = footer_build(&f, end, &buf, &len);
	free(f.bloom);
	if (err)
		return err;
	if (ftruncate(fd, (off_t)end) || lseek(fd, (off_t)end, SEEK_SET) < 0)
		err = VIGIL_EIO;
	if (!err)
		err = store_write_all(fd, buf, len);
	free(buf);
	if (!err && sync && fsync(fd))
		err = VIGIL_EIO;
	if (!err && rename(open_path, final_path))
		err = VIGIL_EIO;
	if (!err && sync) {
		char d[4096];
		const char *slash = strrchr(final_path, '/');
		size_t n = slash ? (size_t)(slash - final_path) : 0;

		if (n && n < sizeof(d)) {
			memcpy(d, final_path, n);
			d[n] = '\0';
			err = store_fsync_dir(d);
		}
	}
	return err;
}

/* ---- the writer ---- */

struct store_writer {
	char *dir;
	struct store_opts o;
	int lockfd;
	struct flow *rows, *rows2;
	uint32_t *base; /* sorted positions of the base rows (peer 0) */
	struct wsort ws;
	int32_t *peer;
	const struct vaddr **cand; /* addresses for the segment's set */
	uint64_t *fset; /* the block's distinct address hashes (open addressing, 0 free) */
	size_t fset_cap;
	size_t nrows;
	int64_t now_ms, block_started_ms;
	uint8_t *raw, *out;
	size_t out_cap;
	void *cctx;
	/* the segment being written (fd < 0: none) */
	int fd;
	char open_path[4096], final_path[4096];
	int64_t seg_start;
	uint64_t seg_off;
	struct dirent_blk *blocks;
	size_t nblocks, blocks_cap;
	struct addr_set set;
	struct store_writer_stats st;
};

static int64_t floor_to(int64_t t, int64_t step)
{
	int64_t q = t / step;

	if (t % step && t < 0)
		q--;
	return q * step;
}

static int seg_create(struct store_writer *w)
{
	time_t secs = (time_t)(floor_to(w->seg_start, 1000) / 1000);
	struct tm tm;
	char day[4096], stamp[32];
	struct seg_hdr h;
	uint8_t hb[SEG_HDR_LEN];
	int err = 0, fd = -1;

	gmtime_r(&secs, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	if ((size_t)snprintf(day, sizeof(day), "%s/%.8s", w->dir, stamp) >= sizeof(day) - 64)
		return VIGIL_EINVAL;
	if (mkdir(day, 0755) == 0) {
		if (w->o.sync > 0)
			store_fsync_dir(w->dir);
	} else if (errno != EEXIST) {
		return VIGIL_ESYS;
	}
	for (int seq = 0; seq < 10000 && fd < 0; seq++) {
		struct stat sb;
		char suffix[16] = "";

		if (seq)
			snprintf(suffix, sizeof(suffix), "-%d", seq);
		if ((size_t)snprintf(w->final_path, sizeof(w->final_path), "%s/vigil-%s%s.seg", day,
				     stamp, suffix) >= sizeof(w->final_path) - 8)
			return VIGIL_EINVAL;
		memcpy(w->open_path, w->final_path, strlen(w->final_path));
		memcpy(w->open_path + strlen(w->final_path), ".open", 6);
		if (stat(w->final_path, &sb) == 0)
			continue;
		fd = open(w->open_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0 && errno != EEXIST)
			return VIGIL_ESYS;
	}
	if (fd < 0)
		return VIGIL_ELIMIT;
	memset(&h, 0, sizeof(h));
	h.created_ms = vtime_now_ms();
	h.start_ms = w->seg_start;
	h.segment_ms = w->o.segment_ms;
	h.codec = (uint8_t)w->o.codec;
	h.level = (uint8_t)w->o.level;
	seg_hdr_put(hb, &h);
	err = store_write_all(fd, hb, sizeof(hb));
	if (!err && w->o.sync > 0 && (fdatasync(fd) || store_fsync_dir(day)))
		err = VIGIL_EIO;
	if (err) {
		close(fd);
		unlink(w->open_path);
		return err;
	}
	w->fd = fd;
	w->seg_off = SEG_HDR_LEN;
	w->nblocks = 0;
	addr_set_clear(&w->set);
	w->st.segments++;
	return 0;
}

static int seg_close(struct store_writer *w)
{
	int err;

	if (w->fd < 0)
		return 0;
	err = seg_finalise(w->fd, w->seg_off, w->blocks, (uint32_t)w->nblocks, &w->set,
			   w->open_path, w->final_path, w->o.sync > 0);
	close(w->fd);
	w->fd = -1;
	if (err)
		log_error("store: could not finalise %s: %s", w->open_path, vigil_strerror(err));
	return err;
}

/* Sort the block's rows by conversation and pair reverse flows (wsort.c). */
static void sort_rows(struct store_writer *w)
{
	size_t n = w->nrows;
	const uint32_t *o = wsort_sort(&w->ws, w->rows, n);
	struct flow *t;

	wsort_pair(&w->ws, w->rows, n, w->peer);
	for (size_t i = 0; i < n; i++)
		w->rows2[i] = w->rows[o[i]];
	t = w->rows;
	w->rows = w->rows2;
	w->rows2 = t;
}

/* Make ref row r relative to its partner p (see col_xswap in store_int.h:
 * the XORs here are exactly that table). */
static void relate(struct flow *r, const struct flow *p, int64_t max_last)
{
	uint64_t d = (uint64_t)r->last_ms - (uint64_t)p->last_ms;

	/* the encoder stores max_last - last: make that the zigzag delta */
	r->last_ms = (int64_t)((uint64_t)max_last - (d << 1 ^ (uint64_t)((int64_t)d >> 63)));
	r->in_if ^= p->out_if;
	r->out_if ^= p->in_if;
	r->src_as ^= p->dst_as;
	r->dst_as ^= p->src_as;
	r->src_mask ^= p->dst_mask;
	r->dst_mask ^= p->src_mask;
	r->direction ^= p->direction;
	r->tos ^= p->tos;
	r->tcp_flags ^= p->tcp_flags;
}

/* Undo relate(): r as it was added, p unchanged. */
static void unrelate(struct flow *r, const struct flow *p, int64_t max_last)
{
	uint64_t z = (uint64_t)max_last - (uint64_t)r->last_ms;

	r->last_ms = (int64_t)((uint64_t)p->last_ms + (z >> 1 ^ (0 - (z & 1))));
	r->in_if ^= p->out_if;
	r->out_if ^= p->in_if;
	r->src_as ^= p->dst_as;
	r->dst_as ^= p->src_as;
	r->src_mask ^= p->dst_mask;
	r->dst_mask ^= p->src_mask;
	r->direction ^= p->direction;
	r->tos ^= p->tos;
	r->tcp_flags ^= p->tcp_flags;
}

/* Make every ref row of the sorted block relative to its partner (a base
 * row, never modified), or undo that. */
static void relate_all(struct store_writer *w, int64_t max_last, bool undo)
{
	for (size_t i = 0; i < w->nrows; i++) {
		const struct flow *p;

		if (!w->peer[i])
			continue;
		p = &w->rows[i + (size_t)(int64_t)w->peer[i]];
		if (undo)
			unrelate(&w->rows[i], p, max_last);
		else
			relate(&w->rows[i], p, max_last);
	}
}

/*
 * The block's address filter at out: a Bloom filter of the distinct SRC and
 * DST addresses of its n rows (sorted, with peers: a ref row's addresses are
 * its partner's), STORE_BLK_BLOOM_BITS bits per address. Sets e; returns
 * the bytes written (at most 8 * STORE_BLK_BLOOM_MAX_WORDS(n)).
 */
static size_t block_filter(struct store_writer *w, size_t n, uint8_t *out, struct col_ent *e)
{
	size_t cap = 16, keys = 0;
	uint64_t words;
	bool zero = false;

	while (cap < 4 * n)
		cap <<= 1; /* at most 2n addresses: load factor <= 1/2 */
	memset(w->fset, 0, cap * sizeof(*w->fset));
	for (size_t i = 0; i < n; i++) {
		const struct vaddr *a[2] = { &w->rows[i].src, &w->rows[i].dst };

		if (w->peer[i])
			continue;
		for (int j = 0; j < 2; j++) {
			uint64_t h1, h2;
			size_t slot;

			if (i && addr_eq_fast(a[j], j ? &w->rows[i - 1].dst : &w->rows[i - 1].src) &&
			    !w->peer[i - 1])
				continue; /* sorted rows repeat the lower address */
			bloom_hash(a[j], &h1, &h2);
			if (h1 == 0) {
				keys += !zero;
				zero = true;
				continue;
			}
			for (slot = h1 & (cap - 1); w->fset[slot] && w->fset[slot] != h1;
			     slot = (slot + 1) & (cap - 1))
				;
			if (!w->fset[slot]) {
				w->fset[slot] = h1;
				keys++;
			}
		}
	}
	words = (keys * STORE_BLK_BLOOM_BITS + 63) / 64;
	if (words == 0)
		words = 1;
	memset(out, 0, words * 8);
	for (size_t i = 0; i < cap; i++)
		if (w->fset[i])
			bloom_add_hash(out, (uint32_t)words, STORE_BLK_BLOOM_K, w->fset[i]);
	if (zero)
		bloom_add_hash(out, (uint32_t)words, STORE_BLK_BLOOM_K, 0);
	e->enc = ENC_BLOOM;
	e->codec = STORE_NONE;
	e->width = STORE_BLK_BLOOM_K;
	e->flags = 0;
	e->clen = e->rlen = (uint32_t)(words * 8);
	e->crc = store_crc32c(0, out, e->clen);
	return e->clen;
}

/* Encode, compress and write the block in progress; make it durable. */
static int finish_block(struct store_writer *w)
{
	struct blk_hdr h;
	size_t n = w->nrows, pos = BLK_HDR_LEN, nbase = 0;
	int err;

	if (n == 0)
		return 0;
	sort_rows(w); /* idempotent: a retry after a failed write sorts again */
	memset(&h, 0, sizeof(h));
	h.rows = (uint32_t)n;
	h.min_first = INT64_MAX;
	h.max_last = INT64_MIN;
	for (size_t i = 0; i < n; i++) {
		if (w->rows[i].first_ms < h.min_first)
			h.min_first = w->rows[i].first_ms;
		if (w->rows[i].last_ms > h.max_last)
			h.max_last = w->rows[i].last_ms;
	}
	/* the paired columns are encoded over the base rows (peer 0) only */
	for (size_t i = 0; i < n; i++)
		if (w->peer[i] == 0)
			w->base[nbase++] = (uint32_t)i;
	for (int c = 0; c < BLK_NCOLS; c++) {
		struct col_ent *e = &h.col[c];
		long clen = -1;

		if (c == COL_PEER)
			store_peer_encode(w->peer, n, w->raw, e);
		else if (col_paired(c))
			store_col_encode((enum flow_col)c, w->rows, w->base, nbase, h.max_last, w->raw, e);
		else
			store_col_encode((enum flow_col)c, w->rows, NULL, n, h.max_last, w->raw, e);
		/* FIRST (column 0) is encoded from the true LAST; every later
		 * column sees ref rows made relative to their partner, in place
		 * (undone below, so the rows stay as added for a retry) */
		if (c == FLOW_COL_FIRST)
			relate_all(w, h.max_last, false);
		if (e->enc != ENC_CONST && w->o.codec != STORE_NONE)
			clen = store_compress(w->cctx, w->o.codec, w->o.level, w->raw, e->rlen,
					      w->out + pos, w->out_cap - pos);
		if (clen > 0 && (size_t)clen < e->rlen) {
			e->codec = (uint8_t)w->o.codec;
			e->clen = (uint32_t)clen;
		} else {
			e->codec = STORE_NONE;
			e->clen = e->rlen;
			memcpy(w->out + pos, w->raw, e->rlen);
		}
		e->crc = store_crc32c(0, w->out + pos, e->clen);
		pos += e->clen;
	}
	relate_all(w, h.max_last, true);
	/* the filter is the last part of the payload: same write, own CRC */
	pos += block_filter(w, n, w->out + pos, &h.col[COL_FILTER]);
	h.payload_len = (uint32_t)(pos - BLK_HDR_LEN);
	blk_hdr_put(w->out, &h);
	if (w->fd < 0 && (err = seg_create(w)))
		return err;
	if (w->nblocks == w->blocks_cap) {
		size_t nc = w->blocks_cap ? w->blocks_cap * 2 : 256;
		struct dirent_blk *nb;

		if (nc > STORE_MAX_BLOCKS || !(nb = realloc(w->blocks, nc * sizeof(*nb))))
			return VIGIL_ENOMEM;
		w->blocks = nb;
		w->blocks_cap = nc;
	}
	err = store_write_all(w->fd, w->out, pos);
	if (!err && w->o.sync > 0 && fdatasync(w->fd))
		err = VIGIL_EIO;
	if (err) {
		/* leave no partial block behind; the rows stay for a retry */
		if (ftruncate(w->fd, (off_t)w->seg_off) == 0)
			lseek(w->fd, (off_t)w->seg_off, SEEK_SET);
		return err;
	}
	w->blocks[w->nblocks++] = (struct dirent_blk){ w->seg_off, (uint32_t)n, h.min_first, h.max_last };
	w->seg_off += pos;
	/* a ref row's addresses are its partner's; sorted rows repeat the
	 * lower address, so skip what was just added */
	for (size_t i = 0, k = 0; i < n && !w->set.full; i++) {
		const struct flow *f = &w->rows[i];

		if (!w->peer[i]) {
			if (i == 0 || !addr_eq_fast(&f->src, &w->rows[i - 1].src))
				w->cand[k++] = &f->src;
			if (i == 0 || !addr_eq_fast(&f->dst, &w->rows[i - 1].dst))
				w->cand[k++] = &f->dst;
		}
		if (i + 1 == n)
			addr_set_add_many(&w->set, w->cand, k);
	}
	w->st.blocks++;
	w->st.bytes_written += pos;
	w->st.flows_durable += n;
	w->nrows = 0;
	return 0;
}

int store_writer_open(const char *dir, const struct store_opts *opts, struct store_writer **out)
{
	struct store_writer *w = calloc(1, sizeof(*w));
	char lock[4096];
	int err = 0;

	*out = NULL;
	if (!w)
		return VIGIL_ENOMEM;
	w->fd = -1;
	w->lockfd = -1;
	if (opts)
		w->o = *opts;
	else
		w->o.sync = 1;
	if (w->o.segment_ms <= 0)
		w->o.segment_ms = 5 * 60 * 1000;
	if (w->o.block_rows == 0)
		w->o.block_rows = 65536;
	if (w->o.block_rows > STORE_MAX_ROWS)
		w->o.block_rows = STORE_MAX_ROWS;
	if (w->o.flush_ms <= 0)
		w->o.flush_ms = 1000;
	if (w->o.codec == 0)
		w->o.codec = STORE_ZSTD;
	if (w->o.codec != STORE_ZSTD && w->o.codec != STORE_LZ4 && w->o.codec != STORE_NONE) {
		err = VIGIL_EINVAL;
		goto out;
	}
	if (w->o.level < 0 || w->o.level > 19) {
		err = VIGIL_EINVAL;
		goto out;
	}
	if (!(w->dir = strdup(dir))) {
		err = VIGIL_ENOMEM;
		goto out;
	}
	if ((err = store_mkdir_p(dir)))
		goto out;
	if ((size_t)snprintf(lock, sizeof(lock), "%s/.lock", dir) >= sizeof(lock)) {
		err = VIGIL_EINVAL;
		goto out;
	}
	w->lockfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (w->lockfd < 0) {
		err = VIGIL_ESYS;
		goto out;
	}
	if (flock(w->lockfd, LOCK_EX | LOCK_NB)) {
		log_error("store: %s is in use by another writer", dir);
		err = VIGIL_ESTATE;
		goto out;
	}
	w->rows = malloc(w->o.block_rows * sizeof(*w->rows));
	w->rows2 = malloc(w->o.block_rows * sizeof(*w->rows2));
	w->base = malloc(w->o.block_rows * sizeof(*w->base));
	w->peer = malloc(w->o.block_rows * sizeof(*w->peer));
	w->cand = malloc(2 * w->o.block_rows * sizeof(*w->cand));
	w->raw = malloc(store_col_raw_max(w->o.block_rows));
	w->out_cap = BLK_HDR_LEN + BLK_NCOLS * store_codec_bound(w->o.codec, store_col_raw_max(w->o.block_rows)) +
		     8 * STORE_BLK_BLOOM_MAX_WORDS(w->o.block_rows);
	w->out = malloc(w->out_cap);
	for (w->fset_cap = 16; w->fset_cap < 4 * (size_t)w->o.block_rows; w->fset_cap <<= 1)
		;
	w->fset = malloc(w->fset_cap * sizeof(*w->fset));
	w->cctx = store_cctx_new();
	if (!w->rows || !w->rows2 || !w->base || wsort_init(&w->ws, w->o.block_rows) || !w->peer || !w->cand ||
	    !w->raw || !w->out || !w->fset || !w->cctx) {
		err = VIGIL_ENOMEM;
		goto out;
	}
	if ((err = store_recover(dir, w->o.sync > 0)))
		goto out;
	w->now_ms = vtime_now_ms();
	w->seg_start = floor_to(w->now_ms, w->o.segment_ms);
out:
	if (err) {
		store_writer_close(w);
		return err;
	}
	*out = w;
	return 0;
}

/* Rotate when wall time has left the segment's interval. */
static int maybe_rotate(struct store_writer *w)
{
	int64_t start = floor_to(w->now_ms, w->o.segment_ms);
	int err;

	if (start == w->seg_start)
		return 0;
	if ((err = finish_block(w)))
		return err;
	err = seg_close(w);
	w->seg_start = start;
	return err;
}

int store_writer_add(struct store_writer *w, const struct flow *f, size_t n)
{
	int err;

	for (size_t i = 0; i < n; i++) {
		if (w->nrows == w->o.block_rows && (err = finish_block(w)))
			return err;
		if (w->nrows == 0)
			w->block_started_ms = w->now_ms;
		w->rows[w->nrows++] = f[i];
		w->st.flows++;
	}
	if (w->nrows == w->o.block_rows)
		return finish_block(w);
	return 0;
}

int store_writer_tick(struct store_writer *w, int64_t now_ms)
{
	int err;

	w->now_ms = now_ms;
	if (w->nrows && now_ms - w->block_started_ms >= w->o.flush_ms && (err = finish_block(w)))
		return err;
	return maybe_rotate(w);
}

int store_writer_flush(struct store_writer *w) { return finish_block(w); }

void store_writer_get_stats(const struct store_writer *w, struct store_writer_stats *s)
{
	*s = w->st;
}

int store_writer_close(struct store_writer *w)
{
	int err = 0, e2;

	if (!w)
		return 0;
	if (w->rows)
		err = finish_block(w);
	e2 = seg_close(w);
	if (!err)
		err = e2;
	if (w->lockfd >= 0)
		close(w->lockfd);
	store_cctx_free(w->cctx);
	addr_set_free(&w->set);
	free(w->blocks);
	free(w->rows);
	free(w->rows2);
	free(w->base);
	wsort_free(&w->ws);
	free(w->peer);
	free(w->cand);
	free(w->fset);
	free(w->raw);
	free(w->out);
	free(w->dir);
	free(w);
	return err;
}
