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

		if (addr_is_zero(&s->tab[i]))
			continue;
		for (j = set_hash(&s->tab[i]) & (nc - 1); !addr_is_zero(&nt[j]); j = (j + 1) & (nc - 1))
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

	if (s->full)
		return;
	if (addr_is_zero(a)) {
		s->has_zero = true;
		return;
	}
	if ((s->n + 1) * 2 > s->cap) {
		if (s->n >= STORE_MAX_INDEX_KEYS || set_grow(s)) {
			s->full = true;
			return;
		}
	}
	for (j = set_hash(a) & (s->cap - 1); !addr_is_zero(&s->tab[j]); j = (j + 1) & (s->cap - 1))
		if (addr_eq(&s->tab[j], a))
			return;
	s->tab[j] = *a;
	s->n++;
}

void addr_set_clear(struct addr_set *s)
{
	if (s->tab && s->n)
		memset(s->tab, 0, s->cap * sizeof(*s->tab));
	s->n = 0;
	s->has_zero = false;
	s->full = false;
}

void addr_set_free(struct addr_set *s)
{
	free(s->tab);
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
			if (!addr_is_zero(&set->tab[i]))
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
	struct flow *rows, *rows2, *rows3;
	struct sortkey *keys;
	int32_t *peer;
	uint32_t *queue[2];
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

/*
 * Rows are sorted by conversation (the two endpoints, lower address first,
 * protocol, ports, start) so that a flow and its reverse flow sit side by
 * side and a host's flows form runs; then each flow whose reverse is in the
 * block is paired with it (first come, first paired) and stores only the
 * offset to its partner. Measured in bench/store/README.md.
 */
struct sortkey {
	uint8_t lo[16], hi[16];
	uint16_t lport, hport;
	uint8_t proto, dir;
	int64_t first;
	uint32_t idx;
};

static int key_cmp(const void *a, const void *b)
{
	const struct sortkey *x = a, *y = b;
	int c = memcmp(x->lo, y->lo, 16);

	if (c || (c = memcmp(x->hi, y->hi, 16)))
		return c;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	if (x->lport != y->lport)
		return x->lport < y->lport ? -1 : 1;
	if (x->hport != y->hport)
		return x->hport < y->hport ? -1 : 1;
	if (x->dir != y->dir)
		return x->dir < y->dir ? -1 : 1;
	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static bool same_conv(const struct sortkey *x, const struct sortkey *y)
{
	return !memcmp(x->lo, y->lo, 16) && !memcmp(x->hi, y->hi, 16) && x->proto == y->proto &&
	       x->lport == y->lport && x->hport == y->hport;
}

static void sort_rows(struct store_writer *w)
{
	size_t n = w->nrows;
	struct flow *t;

	for (size_t i = 0; i < n; i++) {
		const struct flow *f = &w->rows[i];
		struct sortkey *k = &w->keys[i];
		int c = memcmp(f->src.b, f->dst.b, 16);

		k->dir = c > 0 || (c == 0 && f->sport > f->dport);
		memcpy(k->lo, k->dir ? f->dst.b : f->src.b, 16);
		memcpy(k->hi, k->dir ? f->src.b : f->dst.b, 16);
		k->lport = k->dir ? f->dport : f->sport;
		k->hport = k->dir ? f->sport : f->dport;
		k->proto = f->proto;
		k->first = f->first_ms;
		k->idx = (uint32_t)i;
	}
	qsort(w->keys, n, sizeof(*w->keys), key_cmp);
	for (size_t i = 0; i < n; i++)
		w->rows2[i] = w->rows[w->keys[i].idx];
	t = w->rows;
	w->rows = w->rows2;
	w->rows2 = t;
	/* pair within each conversation: FIFO per direction */
	for (size_t g = 0; g < n;) {
		size_t e = g + 1, qh[2] = { 0, 0 }, qt[2] = { 0, 0 };
		bool ambiguous;

		while (e < n && same_conv(&w->keys[g], &w->keys[e]))
			e++;
		ambiguous = !memcmp(w->keys[g].lo, w->keys[g].hi, 16) && w->keys[g].lport == w->keys[g].hport;
		for (size_t i = g; i < e; i++) {
			int d = w->keys[i].dir;

			w->peer[i] = 0;
			if (!ambiguous && qh[!d] < qt[!d]) {
				uint32_t j = w->queue[!d][qh[!d]++];

				w->peer[i] = (int32_t)((int64_t)j - (int64_t)i);
			} else {
				w->queue[d][qt[d]++] = (uint32_t)i;
			}
		}
		g = e;
	}
}

/* Make ref row r relative to its partner p (see col_xswap in store_int.h). */
static void relate(struct flow *r, const struct flow *p, int64_t max_last)
{
	uint64_t d = (uint64_t)r->last_ms - (uint64_t)p->last_ms;

	/* the encoder stores max_last - last: make that the zigzag delta */
	r->last_ms = (int64_t)((uint64_t)max_last - (d << 1 ^ (uint64_t)((int64_t)d >> 63)));
	for (int c = 0; c < FLOW_NCOLS; c++) {
		int x = col_xswap(c);
		uint8_t *dst = (uint8_t *)r + store_cols[c].off;
		const uint8_t *src = (const uint8_t *)p + store_cols[x < 0 ? c : x].off;

		if (x < 0)
			continue;
		for (size_t k = 0; k < store_cols[c].esize; k++)
			dst[k] ^= src[k];
	}
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
	/* the base rows (peer 0) for the paired columns go to rows2; rows3
	 * holds every row with ref rows made relative to their partner */
	for (size_t i = 0; i < n; i++) {
		w->rows3[i] = w->rows[i];
		if (w->peer[i] == 0) {
			w->rows2[nbase++] = w->rows[i];
			continue;
		}
		relate(&w->rows3[i], &w->rows[i + (size_t)(int64_t)w->peer[i]], h.max_last);
	}
	for (int c = 0; c < BLK_NCOLS; c++) {
		struct col_ent *e = &h.col[c];
		long clen = -1;

		if (c == COL_PEER)
			store_peer_encode(w->peer, n, w->raw, e);
		else if (col_paired(c))
			store_col_encode((enum flow_col)c, w->rows2, nbase, h.max_last, w->raw, e);
		else if (c == FLOW_COL_FIRST)
			store_col_encode((enum flow_col)c, w->rows, n, h.max_last, w->raw, e);
		else
			store_col_encode((enum flow_col)c, w->rows3, n, h.max_last, w->raw, e);
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
	for (size_t i = 0; i < n; i++) {
		addr_set_add(&w->set, &w->rows[i].src);
		addr_set_add(&w->set, &w->rows[i].dst);
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
	w->rows3 = malloc(w->o.block_rows * sizeof(*w->rows3));
	w->keys = malloc(w->o.block_rows * sizeof(*w->keys));
	w->peer = malloc(w->o.block_rows * sizeof(*w->peer));
	w->queue[0] = malloc(w->o.block_rows * sizeof(*w->queue[0]));
	w->queue[1] = malloc(w->o.block_rows * sizeof(*w->queue[1]));
	w->raw = malloc(store_col_raw_max(w->o.block_rows));
	w->out_cap = BLK_HDR_LEN + BLK_NCOLS * store_codec_bound(w->o.codec, store_col_raw_max(w->o.block_rows));
	w->out = malloc(w->out_cap);
	w->cctx = store_cctx_new();
	if (!w->rows || !w->rows2 || !w->rows3 || !w->keys || !w->peer || !w->queue[0] || !w->queue[1] || !w->raw || !w->out || !w->cctx) {
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
	free(w->rows3);
	free(w->keys);
	free(w->peer);
	free(w->queue[0]);
	free(w->queue[1]);
	free(w->raw);
	free(w->out);
	free(w->dir);
	free(w);
	return err;
}
