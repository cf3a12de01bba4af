/*
 * block.c - a block as the reader hands it out: its columns are read
 * (one pread each), checked against their CRC32C, decompressed and decoded
 * only when first asked for, into buffers kept across blocks. Also the public
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

const void *blk_col(struct store_block *b, enum flow_col c)
{
	const struct col_ent *e;
	const int64_t *first = NULL;
	const uint8_t *raw;
	size_t n = b->h.rows, need;

	if ((unsigned)c >= FLOW_NCOLS)
		return NULL;
	if (b->done & (1u << c))
		return b->col[c];
	e = &b->h.col[c];
	if (c == FLOW_COL_LAST && !(first = blk_col(b, FLOW_COL_FIRST)))
		goto bad;
	need = n * store_cols[c].esize;
	if (grow((uint8_t **)&b->col[c], &b->colcap[c], need) || grow(&b->cbuf, &b->ccap, e->clen ? e->clen : 1))
		goto bad;
	if (store_pread(b->fd, b->cbuf, e->clen, b->off + e->off))
		goto bad;
	b->bytes_read += e->clen;
	if (store_crc32c(0, b->cbuf, e->clen) != e->crc)
		goto bad;
	if (e->codec == STORE_NONE) {
		if (e->clen != e->rlen)
			goto bad;
		raw = b->cbuf;
	} else {
		if (!b->dctx && !(b->dctx = store_dctx_new()))
			goto bad;
		if (grow(&b->rbuf, &b->rcap, e->rlen ? e->rlen : 1) ||
		    store_decompress(b->dctx, (enum store_codec)e->codec, b->cbuf, e->clen, b->rbuf, e->rlen))
			goto bad;
		raw = b->rbuf;
	}
	if (store_col_decode(c, e, raw, n, b->h.min_first, first, b->col[c]))
		goto bad;
	b->done |= 1u << c;
	return b->col[c];
bad:
	b->bad = true;
	return NULL;
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
