/*
 * block.c - a block as the reader hands it out: its columns are read
 * (one pread each), checked against their CRC32C, decompressed and decoded
 * only when first asked for, into buffers kept across blocks; the check of a
 * block's address filter against the hosts a reader wants. Also the public
 * store_block_* accessors.
 */
#include "store/store_int.h"
#include "util/err.h"

#include <stdlib.h>

void blk_init(struct store_block *b)
{
	memset(b, 0, sizeof(*b));
	b->fd = -1;
}

void blk_reset(struct store_block *b, int fd, uint64_t off, const struct blk_hdr *h)
{
	b->fd = fd;
	b->off = off;
	b->h = *h;
	b->done = 0;
	b->bad = false;
}

void blk_release(struct store_block *b)
{
	store_dctx_free(b->dctx);
	free(b->cbuf);
	free(b->rbuf);
	for (int c = 0; c < FLOW_NCOLS; c++)
		free(b->col[c]);
	free(b->peer);
	free(b->cidx);
	free(b->cmp[0]);
	free(b->cmp[1]);
	blk_init(b);
}

static int grow(uint8_t **p, size_t *cap, size_t need)
{
	uint8_t *np;

	if (need <= *cap)
		return 0;
	np = realloc(*p, need);
	if (!np)
		return VIGIL_ENOMEM;
	*p = np;
	*cap = need;
	return 0;
}

/* Read stored column c, check its CRC and decompress it; NULL on failure.
 * The bytes stay valid until the next call. */
static const uint8_t *read_raw(struct store_block *b, int c)
{
	const struct col_ent *e = &b->h.col[c];

	if (grow(&b->cbuf, &b->ccap, e->clen ? e->clen : 1) ||
	    store_pread(b->fd, b->cbuf, e->clen, b->off + e->off))
		return NULL;
	b->bytes_read += e->clen;
	if (store_crc32c(0, b->cbuf, e->clen) != e->crc)
		return NULL;
	if (e->codec == STORE_NONE)
		return e->clen == e->rlen ? b->cbuf : NULL;
	if (!b->dctx && !(b->dctx = store_dctx_new()))
		return NULL;
	if (grow(&b->rbuf, &b->rcap, e->rlen ? e->rlen : 1) ||
	    store_decompress(b->dctx, (enum store_codec)e->codec, b->cbuf, e->clen, b->rbuf, e->rlen))
		return NULL;
	return b->rbuf;
}

/* The peer column and the row -> base-row index map. */
static int load_peer(struct store_block *b)
{
	size_t n = b->h.rows, nb = 0;
	const uint8_t *raw;

	if (b->done & (1ull << COL_PEER))
		return 0;
	if (n > b->peercap) {
		int32_t *p = realloc(b->peer, n * sizeof(*p));
		uint32_t *q;

		if (!p)
			return VIGIL_ENOMEM;
		b->peer = p;
		q = realloc(b->cidx, n * sizeof(*q));
		if (!q)
			return VIGIL_ENOMEM;
		b->cidx = q;
		b->peercap = n;
	}
	if (!(raw = read_raw(b, COL_PEER)) || store_peer_decode(&b->h.col[COL_PEER], raw, n, b->peer))
		return VIGIL_EFORMAT;
	{
		const int32_t *pe = b->peer;
		uint32_t *ci = b->cidx;

		/* base row i: its index among base rows (a ref row's entry is
		 * never read: expansion reads its partner's) */
		for (size_t i = 0; i < n; i++) {
			ci[i] = (uint32_t)nb;
			nb += pe[i] == 0;
		}
	}
	b->nbase = nb;
	b->done |= 1ull << COL_PEER;
	return 0;
}

/* Decode a paired column and its swap partner together (see col_paired). */
static int decode_pair(struct store_block *b, int c)
{
	int s = col_swap(c);
	size_t n = b->h.rows, es = store_cols[c].esize, nb;
	const uint8_t *raw;
	uint8_t *out[2], *cmp[2];

	if (load_peer(b))
		return VIGIL_EFORMAT;
	nb = b->nbase;
	if (grow((uint8_t **)&b->col[c], &b->colcap[c], n * es) ||
	    grow((uint8_t **)&b->col[s], &b->colcap[s], n * es) ||
	    grow((uint8_t **)&b->cmp[0], &b->cmpcap[0], nb * es + 1) ||
	    grow((uint8_t **)&b->cmp[1], &b->cmpcap[1], nb * es + 1))
		return VIGIL_ENOMEM;
	if (!(raw = read_raw(b, c)) ||
	    store_col_decode((enum flow_col)c, &b->h.col[c], raw, nb, b->h.max_last, NULL, b->cmp[0]))
		return VIGIL_EFORMAT;
	if (s != c && (!(raw = read_raw(b, s)) ||
		       store_col_decode((enum flow_col)s, &b->h.col[s], raw, nb, b->h.max_last, NULL,
					b->cmp[1])))
		return VIGIL_EFORMAT;
	out[0] = b->col[c];
	out[1] = b->col[s];
	cmp[0] = b->cmp[0];
	cmp[1] = s != c ? b->cmp[1] : b->cmp[0];
	/* typed loops: this runs for every row of every query on addresses or
	 * ports. peer and cidx in locals: the stores through o0/o1 (char-typed
	 * for u8) would otherwise make the compiler reload b->peer and b->cidx
	 * every row. PROTO is its own partner: one output, one load. */
#define EXPAND(T)                                                                         \
	do {                                                                              \
		T *o0 = (T *)(void *)out[0], *o1 = (T *)(void *)out[1];                   \
		const T *c0 = (const T *)(void *)cmp[0], *c1 = (const T *)(void *)cmp[1]; \
		const int32_t *pe = b->peer;                                              \
		const uint32_t *ci = b->cidx;                                             \
		if (s == c) {                                                             \
			for (size_t i = 0; i < n; i++)                                    \
				o0[i] = c0[ci[i + (size_t)(int64_t)pe[i]]];              \
			break;                                                            \
		}                                                                         \
		for (size_t i = 0; i < n; i++) {                                          \
			int32_t p = pe[i];                                                \
			size_t k = ci[i + (size_t)(int64_t)p];                            \
			T x = c0[k], y = c1[k];                                           \
			o0[i] = p ? y : x;                                                \
			o1[i] = p ? x : y;                                                \
		}                                                                         \
	} while (0)
	if (es == 16)
		EXPAND(struct vaddr);
	else if (es == 2)
		EXPAND(uint16_t);
	else
		EXPAND(uint8_t);
#undef EXPAND
	b->done |= 1ull << c | 1ull << s;
	return 0;
}

/* Decode column c as stored, all rows (last: the LAST column, for FIRST). */
static int decode_plain(struct store_block *b, int c, const int64_t *last)
{
	const uint8_t *raw;
	size_t n = b->h.rows;

	if (grow((uint8_t **)&b->col[c], &b->colcap[c], n * store_cols[c].esize))
		return VIGIL_ENOMEM;
	if (!(raw = read_raw(b, c)) ||
	    store_col_decode((enum flow_col)c, &b->h.col[c], raw, n, b->h.max_last, last, b->col[c]))
		return VIGIL_EFORMAT;
	return 0;
}

/* LAST: ref rows hold a zigzag delta from their partner's LAST. */
static int decode_last(struct store_block *b)
{
	int64_t *f;

	if (decode_plain(b, FLOW_COL_LAST, NULL) || load_peer(b))
		return VIGIL_EFORMAT;
	f = b->col[FLOW_COL_LAST];
	for (size_t i = 0; i < b->h.rows; i++) {
		if (b->peer[i]) {
			uint64_t z = (uint64_t)b->h.max_last - (uint64_t)f[i];

			f[i] = (int64_t)((uint64_t)f[i + (size_t)(int64_t)b->peer[i]] + (z >> 1 ^ (0 - (z & 1))));
		}
	}
	return 0;
}

/* A column stored XOR its partner's (swapped) column on ref rows. */
static int decode_xor(struct store_block *b, int c)
{
	int s = col_xswap(c);
	size_t es = store_cols[c].esize, rows;
	uint8_t *x, *y;

	if (decode_plain(b, c, NULL) || (s != c && decode_plain(b, s, NULL)) || load_peer(b))
		return VIGIL_EFORMAT;
	x = b->col[c];
	y = b->col[s];
	rows = b->h.rows; /* locals: the u8 loops' stores may alias *b */
	/* j is a base row: its values are final whatever the order. Typed loops
	 * for the widths the XOR columns have (u32 interfaces and AS, u8). */
#define XOR_LOOP(T)                                                              \
	do {                                                                     \
		T *xt = (T *)(void *)x, *yt = (T *)(void *)y;                    \
		const int32_t *pe = b->peer;                                     \
		for (size_t i = 0; i < rows; i++) {                              \
			size_t j = i + (size_t)(int64_t)pe[i];                   \
			if (!pe[i])                                              \
				continue;                                        \
			xt[i] ^= yt[j];                                          \
			if (s != c)                                              \
				yt[i] ^= xt[j];                                  \
		}                                                                \
	} while (0)
	if (es == 4) {
		XOR_LOOP(uint32_t);
	} else if (es == 1) {
		XOR_LOOP(uint8_t);
	} else {
		for (size_t i = 0; i < b->h.rows; i++) {
			size_t j = i + (size_t)(int64_t)b->peer[i];

			if (!b->peer[i])
				continue;
			for (size_t k = 0; k < es; k++) {
				x[i * es + k] ^= y[j * es + k];
				if (s != c)
					y[i * es + k] ^= x[j * es + k];
			}
		}
	}
#undef XOR_LOOP
	b->done |= 1ull << c | 1ull << s;
	return 0;
}

const void *blk_col(struct store_block *b, enum flow_col c)
{
	int err;

	if ((unsigned)c >= FLOW_NCOLS)
		return NULL;
	if (b->done & (1ull << c))
		return b->col[c];
	if (col_paired(c)) {
		err = decode_pair(b, c);
	} else if (col_xswap(c) >= 0) {
		err = decode_xor(b, c);
	} else if (c == FLOW_COL_LAST) {
		err = decode_last(b);
	} else if (c == FLOW_COL_FIRST) {
		const int64_t *last = blk_col(b, FLOW_COL_LAST);

		err = last ? decode_plain(b, c, last) : VIGIL_EFORMAT;
	} else {
		err = decode_plain(b, c, NULL);
	}
	if (err) {
		b->bad = true;
		return NULL;
	}
	b->done |= 1ull << c;
	return b->col[c];
}

int blk_filter_check(int fd, uint64_t off, const struct blk_hdr *h, const struct vaddr *hosts,
		     size_t n, uint8_t **buf, size_t *cap, uint64_t *bytes)
{
	const struct col_ent *e = &h->col[COL_FILTER];
	uint32_t words;
	int err;

	if (e->clen == 0)
		return 1;
	if ((err = grow(buf, cap, e->clen)) || (err = store_pread(fd, *buf, e->clen, off + e->off)))
		return err == VIGIL_ESHORT ? VIGIL_ECHECKSUM : err;
	*bytes += e->clen;
	if (store_crc32c(0, *buf, e->clen) != e->crc)
		return VIGIL_ECHECKSUM;
	words = e->clen / 8;
	for (size_t i = 0; i < n; i++)
		if (bloom_has(*buf, words, e->width, &hosts[i]))
			return 1;
	return 0;
}

size_t store_block_rows(const struct store_block *b) { return b->h.rows; }
int64_t store_block_min_first(const struct store_block *b) { return b->h.min_first; }
int64_t store_block_max_last(const struct store_block *b) { return b->h.max_last; }

const void *store_block_col(struct store_block *b, enum flow_col c) { return blk_col(b, c); }

void store_block_row(struct store_block *b, size_t i, struct flow *out)
{
	memset(out, 0, sizeof(*out));
	if (i >= b->h.rows)
		return;
	for (int c = 0; c < FLOW_NCOLS; c++) {
		const uint8_t *col = blk_col(b, (enum flow_col)c);
		size_t es = store_cols[c].esize;

		if (col)
			memcpy((uint8_t *)out + store_cols[c].off, col + i * es, es);
	}
}
