/*
 * colenc.c - how one column of a block becomes bytes and back: the column
 * table (which struct flow member, which kind), the per-column encodings
 * (constant, varint deltas, fixed-width byte planes, IPv4-only addresses)
 * and the zstd / lz4 wrappers. The encodings turn the repetitive structure of
 * flows into runs a general-purpose compressor sees: a flow's end becomes a
 * small delta back from the block's last end (a block holds what the
 * exporters sent in about one flush interval), its start its duration,
 * addresses and ports are split into byte planes, constant columns cost one
 * value.
 */
#include "store/store_int.h"
#include "util/err.h"

#include <lz4.h>
#include <lz4hc.h>
#include <stdlib.h>
#include <zstd.h>

#define COL(k, m, n) { k, offsetof(struct flow, m), sizeof(((struct flow *)0)->m), n }

const struct col_def store_cols[FLOW_NCOLS] = {
	[FLOW_COL_FIRST] = COL(K_FIRST, first_ms, "first"),
	[FLOW_COL_LAST] = COL(K_LAST, last_ms, "last"),
	[FLOW_COL_SRC] = COL(K_ADDR, src, "src"),
	[FLOW_COL_DST] = COL(K_ADDR, dst, "dst"),
	[FLOW_COL_XSRC] = COL(K_ADDR, xsrc, "xsrc"),
	[FLOW_COL_XDST] = COL(K_ADDR, xdst, "xdst"),
	[FLOW_COL_NEXTHOP] = COL(K_ADDR, nexthop, "nexthop"),
	[FLOW_COL_EXPORTER] = COL(K_ADDR, exporter, "exporter"),
	[FLOW_COL_PACKETS] = COL(K_U64, packets, "packets"),
	[FLOW_COL_BYTES] = COL(K_U64, bytes, "bytes"),
	[FLOW_COL_SAMPLING] = COL(K_U32, sampling, "sampling"),
	[FLOW_COL_SRC_AS] = COL(K_U32, src_as, "src_as"),
	[FLOW_COL_DST_AS] = COL(K_U32, dst_as, "dst_as"),
	[FLOW_COL_IN_IF] = COL(K_U32, in_if, "in_if"),
	[FLOW_COL_OUT_IF] = COL(K_U32, out_if, "out_if"),
	[FLOW_COL_DOMAIN] = COL(K_U32, domain, "domain"),
	[FLOW_COL_SPORT] = COL(K_U16, sport, "sport"),
	[FLOW_COL_DPORT] = COL(K_U16, dport, "dport"),
	[FLOW_COL_XSPORT] = COL(K_U16, xsport, "xsport"),
	[FLOW_COL_XDPORT] = COL(K_U16, xdport, "xdport"),
	[FLOW_COL_PROTO] = COL(K_U8, proto, "proto"),
	[FLOW_COL_TCP_FLAGS] = COL(K_U8, tcp_flags, "tcp_flags"),
	[FLOW_COL_TOS] = COL(K_U8, tos, "tos"),
	[FLOW_COL_NAT_EVENT] = COL(K_U8, nat_event, "nat_event"),
	[FLOW_COL_SRC_MASK] = COL(K_U8, src_mask, "src_mask"),
	[FLOW_COL_DST_MASK] = COL(K_U8, dst_mask, "dst_mask"),
	[FLOW_COL_DIRECTION] = COL(K_U8, direction, "direction"),
	[FLOW_COL_VERSION] = COL(K_U8, version, "version"),
};

/* ---- codecs ---- */

struct cctx {
	ZSTD_CCtx *z;
	void *hc; /* LZ4 HC state */
};

void *store_cctx_new(void)
{
	struct cctx *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->z = ZSTD_createCCtx();
	c->hc = malloc((size_t)LZ4_sizeofStateHC());
	if (!c->z || !c->hc) {
		store_cctx_free(c);
		return NULL;
	}
	return c;
}

void store_cctx_free(void *p)
{
	struct cctx *c = p;

	if (!c)
		return;
	ZSTD_freeCCtx(c->z);
	free(c->hc);
	free(c);
}

void *store_dctx_new(void) { return ZSTD_createDCtx(); }
void store_dctx_free(void *c) { ZSTD_freeDCtx(c); }

size_t store_codec_bound(enum store_codec codec, size_t n)
{
	size_t z = ZSTD_compressBound(n), l = (size_t)LZ4_compressBound((int)n);

	(void)codec;
	return (z > l ? z : l) + 16;
}

long store_compress(void *p, enum store_codec codec, int level, const uint8_t *src, size_t n,
		    uint8_t *dst, size_t cap)
{
	struct cctx *c = p;

	if (codec == STORE_ZSTD) {
		size_t r = ZSTD_compressCCtx(c->z, dst, cap, src, n, level ? level : 3);

		return ZSTD_isError(r) ? VIGIL_EIO : (long)r;
	}
	if (codec == STORE_LZ4) {
		int r;

		if (n > (size_t)LZ4_MAX_INPUT_SIZE || cap > INT32_MAX)
			return VIGIL_ELIMIT;
		if (level > 1)
			r = LZ4_compress_HC_extStateHC(c->hc, (const char *)src, (char *)dst, (int)n,
						       (int)cap, level);
		else
			r = LZ4_compress_default((const char *)src, (char *)dst, (int)n, (int)cap);
		return r > 0 ? r : VIGIL_EIO;
	}
	return VIGIL_EINVAL;
}

int store_decompress(void *dctx, enum store_codec codec, const uint8_t *src, size_t clen,
		     uint8_t *dst, size_t rlen)
{
	if (codec == STORE_NONE) {
		if (clen != rlen)
			return VIGIL_EFORMAT;
		memcpy(dst, src, rlen);
		return 0;
	}
	if (codec == STORE_ZSTD) {
		size_t r = ZSTD_decompressDCtx(dctx, dst, rlen, src, clen);

		return !ZSTD_isError(r) && r == rlen ? 0 : VIGIL_EFORMAT;
	}
	if (codec == STORE_LZ4) {
		int r;

		if (clen > INT32_MAX || rlen > INT32_MAX)
			return VIGIL_EFORMAT;
		r = LZ4_decompress_safe((const char *)src, (char *)dst, (int)clen, (int)rlen);
		return r >= 0 && (size_t)r == rlen ? 0 : VIGIL_EFORMAT;
	}
	return VIGIL_EFORMAT;
}

/* ---- column encodings ---- */

size_t store_col_raw_max(size_t rows) { return rows * 16 + 16; }

static uint64_t get_member(const struct flow *f, const struct col_def *d)
{
	const uint8_t *p = (const uint8_t *)f + d->off;

	switch (d->esize) {
	case 1: return *p;
	case 2: { uint16_t v; memcpy(&v, p, 2); return v; }
	case 4: { uint32_t v; memcpy(&v, p, 4); return v; }
	default: { uint64_t v; memcpy(&v, p, 8); return v; }
	}
}

static size_t put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

static uint64_t zigzag(uint64_t d) { return d << 1 ^ (uint64_t)((int64_t)d >> 63); }
static uint64_t unzigzag(uint64_t z) { return z >> 1 ^ (0 - (z & 1)); }

/* Address of row i's member: row sel[i] of the block when sel is given. */
#define AT(i) (base + (size_t)(sel ? sel[i] : (i)) * st)

static bool col_is_const(const struct flow *rows, const uint32_t *sel, size_t n,
			 const struct col_def *d)
{
	const uint8_t *base = (const uint8_t *)rows + d->off;
	const size_t st = sizeof(*rows);

	/* typed word compares: this runs for every column of every block */
#define SAME(T)                                               \
	do {                                                  \
		T v0;                                         \
		memcpy(&v0, AT(0), sizeof(T));                \
		for (size_t i = 1; i < n; i++) {              \
			T v;                                  \
			memcpy(&v, AT(i), sizeof(T));         \
			if (v != v0)                          \
				return false;                 \
		}                                             \
		return true;                                  \
	} while (0)
	switch (d->esize) {
	case 1: SAME(uint8_t);
	case 2: SAME(uint16_t);
	case 4: SAME(uint32_t);
	case 8: SAME(uint64_t);
	default: {
		uint64_t a0, a1;

		memcpy(&a0, AT(0), 8);
		memcpy(&a1, AT(0) + 8, 8);
		for (size_t i = 1; i < n; i++) {
			uint64_t x0, x1;

			memcpy(&x0, AT(i), 8);
			memcpy(&x1, AT(i) + 8, 8);
			if ((x0 ^ a0) | (x1 ^ a1))
				return false;
		}
		return true;
	}
	}
#undef SAME
}

/* IPv4-mapped (::ffff:a.b.c.d) by word compares. */
static inline bool v4_fast(const uint8_t *a)
{
	static const uint8_t pre[8] = { 0, 0, 0xff, 0xff, 0, 0, 0, 0 };
	uint64_t x, y, m;

	memcpy(&x, a, 8);
	memcpy(&y, a + 8, 8);
	memcpy(&m, pre, 8);
	/* bytes 8..11 of the address: compare the low half of y in memory order */
	return x == 0 && !memcmp(&y, &m, 4);
}

/* Write v into out as n byte planes (plane j holds byte j of every row). */
#define PLANES(T)                                                              \
	do {                                                                   \
		for (size_t i = 0; i < n; i++) {                               \
			T v;                                                   \
			memcpy(&v, AT(i), sizeof(T));                          \
			for (size_t j = 0; j < sizeof(T); j++)                 \
				out[j * n + i] = (uint8_t)((uint64_t)v >> (8 * j)); \
		}                                                              \
	} while (0)

void store_col_encode(enum flow_col c, const struct flow *rows, const uint32_t *sel, size_t n,
		      int64_t max_last, uint8_t *out, struct col_ent *e)
{
	const struct col_def *d = &store_cols[c];
	const uint8_t *base = (const uint8_t *)rows + d->off;
	const size_t st = sizeof(*rows);
	size_t len = 0;

	memset(e, 0, sizeof(*e));
	if (col_is_const(rows, sel, n, d)) {
		e->enc = ENC_CONST;
		e->width = (uint8_t)d->esize;
		if (d->kind == K_ADDR)
			memcpy(out, AT(0), 16);
		else
			put_u64le(out, get_member(&rows[sel ? sel[0] : 0], d)); /* low esize bytes are the value */
		e->rlen = (uint32_t)d->esize;
		return;
	}
	switch (d->kind) {
	case K_FIRST:
		e->enc = ENC_VARINT;
		for (size_t i = 0; i < n; i++) {
			const struct flow *f = &rows[sel ? sel[i] : i];

			len += put_varint(out + len, zigzag((uint64_t)f->last_ms - (uint64_t)f->first_ms));
		}
		break;
	case K_LAST:
		e->enc = ENC_VARINT;
		for (size_t i = 0; i < n; i++)
			len += put_varint(out + len, (uint64_t)max_last - (uint64_t)rows[sel ? sel[i] : i].last_ms);
		break;
	case K_U64:
		e->enc = ENC_VARINT;
		for (size_t i = 0; i < n; i++) {
			uint64_t v;

			memcpy(&v, AT(i), 8);
			len += put_varint(out + len, v);
		}
		break;
	case K_U32:
		e->enc = ENC_VARINT;
		for (size_t i = 0; i < n; i++) {
			uint32_t v;

			memcpy(&v, AT(i), 4);
			len += put_varint(out + len, v);
		}
		break;
	case K_ADDR: {
		bool v4;
		size_t k4 = 0, k6, bm = (n + 7) / 8, i4 = 0, i6 = 0;
		uint8_t *p4, *p6;

		for (size_t i = 0; i < n; i++)
			k4 += v4_fast(AT(i));
		v4 = k4 == n;
		if (v4 || k4 == 0) {
			e->enc = v4 ? ENC_V4 : ENC_FIXED;
			e->width = v4 ? 4 : 16;
			for (size_t i = 0; i < n; i++) {
				const uint8_t *a = AT(i) + (v4 ? 12 : 0);

				for (size_t j = 0; j < e->width; j++)
					out[j * n + i] = a[j];
			}
			len = n * e->width;
			break;
		}
		/* mixed: a bitmap of the IPv6 rows, then IPv4 planes, then IPv6 planes */
		k6 = n - k4;
		e->enc = ENC_MIX;
		e->width = 16;
		memset(out, 0, bm);
		p4 = out + bm;
		p6 = p4 + 4 * k4;
		for (size_t i = 0; i < n; i++) {
			const uint8_t *a = AT(i);

			if (v4_fast(a)) {
				for (size_t j = 0; j < 4; j++)
					p4[j * k4 + i4] = a[12 + j];
				i4++;
			} else {
				out[i / 8] |= (uint8_t)(1u << (i % 8));
				for (size_t j = 0; j < 16; j++)
					p6[j * k6 + i6] = a[j];
				i6++;
			}
		}
		len = bm + 4 * k4 + 16 * k6;
		break;
	}
	case K_U16:
		e->enc = ENC_FIXED;
		e->width = 2;
		PLANES(uint16_t);
		len = n * 2;
		break;
	case K_U8:
		e->enc = ENC_FIXED;
		e->width = 1;
		for (size_t i = 0; i < n; i++)
			out[i] = *AT(i);
		len = n;
		break;
	}
	e->rlen = (uint32_t)len;
}

void store_peer_encode(const int32_t *peer, size_t n, uint8_t *out, struct col_ent *e)
{
	size_t len = 0;
	bool any = false;

	memset(e, 0, sizeof(*e));
	for (size_t i = 0; i < n && !any; i++)
		any = peer[i] != 0;
	if (!any) {
		e->enc = ENC_CONST;
		e->width = 4;
		e->rlen = 4;
		memset(out, 0, 4);
		return;
	}
	e->enc = ENC_VARINT;
	for (size_t i = 0; i < n; i++)
		len += put_varint(out + len, zigzag((uint64_t)(int64_t)peer[i]));
	e->rlen = (uint32_t)len;
}

int store_peer_decode(const struct col_ent *e, const uint8_t *raw, size_t n, int32_t *dst)
{
	size_t pos = 0, len = e->rlen; /* a local: dst's stores may alias *e */

	if (e->enc == ENC_CONST) {
		if (e->rlen != 4 || get_u32le(raw) != 0)
			return VIGIL_EFORMAT;
		memset(dst, 0, n * sizeof(*dst));
		return 0;
	}
	if (e->enc != ENC_VARINT)
		return VIGIL_EFORMAT;
	for (size_t i = 0; i < n; i++) {
		uint64_t v = 0;
		int64_t off;

		if (pos < len && raw[pos] < 0x80) { /* the common one-byte case */
			v = raw[pos++];
		} else {
			unsigned shift = 0;

			for (;;) {
				uint8_t b;

				if (pos >= len || shift > 63)
					return VIGIL_EFORMAT;
				b = raw[pos++];
				v |= (uint64_t)(b & 0x7f) << shift;
				shift += 7;
				if (!(b & 0x80))
					break;
			}
		}
		off = (int64_t)unzigzag(v);
		/* -i <= off < n - i, as one unsigned test */
		if ((uint64_t)off + i >= n)
			return VIGIL_EFORMAT;
		dst[i] = (int32_t)off;
	}
	if (pos != len)
		return VIGIL_EFORMAT;
	for (size_t i = 0; i < n; i++)
		if (dst[i] && dst[i + (size_t)(int64_t)dst[i]] != 0)
			return VIGIL_EFORMAT; /* partner must be a base row */
	return 0;
}

static void set_elem(void *dst, size_t i, size_t esize, uint64_t v)
{
	uint8_t *p = (uint8_t *)dst + i * esize;

	switch (esize) {
	case 1: *p = (uint8_t)v; break;
	case 2: { uint16_t x = (uint16_t)v; memcpy(p, &x, 2); break; }
	case 4: { uint32_t x = (uint32_t)v; memcpy(p, &x, 4); break; }
	default: memcpy(p, &v, 8); break;
	}
}

/* Mixed IPv4/IPv6 addresses (see store_col_encode). */
static int decode_mix(const struct col_ent *e, const uint8_t *raw, size_t n, void *dst)
{
	size_t bm = (n + 7) / 8, k6 = 0, k4, i4 = 0, i6 = 0;
	const uint8_t *p4, *p6;

	if (e->width != 16 || e->rlen < bm)
		return VIGIL_EFORMAT;
	if (n % 8 && raw[bm - 1] >> (n % 8))
		return VIGIL_EFORMAT; /* bits past the last row */
	for (size_t j = 0; j < bm; j++) /* the bits past n are 0 (checked) */
		k6 += (size_t)__builtin_popcount(raw[j]);
	k4 = n - k6;
	if (e->rlen != bm + 4 * k4 + 16 * k6)
		return VIGIL_EFORMAT;
	p4 = raw + bm;
	p6 = p4 + 4 * k4;
	/* A byte of the bitmap at a time (no i / 8, i % 8 per row); an IPv4
	 * row is built whole and stored with one 16-byte copy. */
	for (size_t j = 0; j < bm; j++) {
		size_t base = j * 8, m = n - base < 8 ? n - base : 8;
		uint8_t bits = raw[j];

		for (size_t r = 0; r < m; r++) {
			uint8_t *a = (uint8_t *)dst + (base + r) * 16;

			if (bits >> r & 1) {
				for (size_t q = 0; q < 16; q++)
					a[q] = p6[q * k6 + i6];
				i6++;
			} else {
				const uint8_t v[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
						       p4[i4], p4[k4 + i4], p4[2 * k4 + i4],
						       p4[3 * k4 + i4]};

				memcpy(a, v, sizeof(v));
				i4++;
			}
		}
	}
	return 0;
}

/* Fill n elements of esize bytes with v (native order, as struct flow). */
static void fill_elems(void *dst, size_t n, size_t esize, uint64_t v)
{
	if (esize == 8) {
		uint64_t *o = dst;

		for (size_t i = 0; i < n; i++)
			o[i] = v;
	} else if (esize == 4) {
		uint32_t *o = dst;

		for (size_t i = 0; i < n; i++)
			o[i] = (uint32_t)v;
	} else if (esize == 2) {
		uint16_t *o = dst;

		for (size_t i = 0; i < n; i++)
			o[i] = (uint16_t)v;
	} else {
		for (size_t i = 0; i < n; i++)
			set_elem(dst, i, esize, v);
	}
}

/* One LEB128 varint at raw[*pos]; 0, or -1 when truncated or over 64 bits.
 * The one-byte case (most values) is tested inline by the loops below. */
static inline int get_varint_slow(const uint8_t *raw, size_t len, size_t *pos, uint64_t *v)
{
	uint64_t x = 0;
	unsigned shift = 0;

	if (len - *pos >= 10) { /* room for the longest varint: no bounds checks */
		const uint8_t *p = raw + *pos;

		for (unsigned k = 0; k < 10; k++) {
			x |= (uint64_t)(p[k] & 0x7f) << (7 * k);
			if (!(p[k] & 0x80)) {
				*pos += k + 1;
				*v = x;
				return 0;
			}
		}
		return -1; /* an 11th byte would shift past 63 bits */
	}
	for (;;) {
		uint8_t b;

		if (*pos >= len || shift > 63)
			return -1;
		b = raw[(*pos)++];
		x |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80))
			break;
	}
	*v = x;
	return 0;
}

/* The typed varint column loops: each decodes n values from raw[0..len) into
 * o and returns the bytes consumed, or -1 on a malformed value. */
#define VARINT_LOOP(NAME, T, ARG, XFORM)                                               \
	static long NAME(const uint8_t *raw, size_t len, size_t n, ARG, T *o)         \
	{                                                                              \
		size_t pos = 0;                                                        \
		for (size_t i = 0; i < n; i++) {                                       \
			uint64_t v;                                                    \
			if (pos < len && raw[pos] < 0x80) {                            \
				v = raw[pos++];                                        \
			} else if (pos + 1 < len && raw[pos + 1] < 0x80) {             \
				v = (uint64_t)(raw[pos] & 0x7f) | (uint64_t)raw[pos + 1] << 7; \
				pos += 2;                                              \
			} else if (get_varint_slow(raw, len, &pos, &v))                 \
				return -1;                                             \
			XFORM;                                                         \
		}                                                                      \
		return (long)pos;                                                      \
	}
VARINT_LOOP(dec_last, int64_t, int64_t max_last, o[i] = (int64_t)((uint64_t)max_last - v))
VARINT_LOOP(dec_first, int64_t, const int64_t *last,
	    o[i] = (int64_t)((uint64_t)last[i] - unzigzag(v)))
VARINT_LOOP(dec_u64, uint64_t, int unused, (void)unused; o[i] = v)
VARINT_LOOP(dec_u32, uint32_t, int unused, (void)unused; if (v > UINT32_MAX) return -1;
	    o[i] = (uint32_t)v)
#undef VARINT_LOOP

/* IPv4 byte planes -> IPv4-mapped struct vaddr (16 bytes each): two 64-bit
 * stores per address on little-endian hosts, bytewise elsewhere. */
static void dec_v4(const uint8_t *raw, size_t n, void *dst)
{
	uint8_t *a = dst;
	const uint8_t *p0 = raw, *p1 = raw + n, *p2 = raw + 2 * n, *p3 = raw + 3 * n;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t zero = 0;

	for (size_t i = 0; i < n; i++, a += 16) {
		uint64_t hi = 0xffff0000ull | (uint64_t)p0[i] << 32 | (uint64_t)p1[i] << 40 |
			      (uint64_t)p2[i] << 48 | (uint64_t)p3[i] << 56;

		memcpy(a, &zero, 8);
		memcpy(a + 8, &hi, 8);
	}
#else
	for (size_t i = 0; i < n; i++, a += 16) {
		memset(a, 0, 10);
		a[10] = a[11] = 0xff;
		a[12] = p0[i];
		a[13] = p1[i];
		a[14] = p2[i];
		a[15] = p3[i];
	}
#endif
}

int store_col_decode(enum flow_col c, const struct col_ent *e, const uint8_t *raw, size_t n,
		     int64_t max_last, const int64_t *last, void *dst)
{
	const struct col_def *d = &store_cols[c];

	if (e->enc == ENC_CONST) {
		if (e->rlen != d->esize || e->width != d->esize)
			return VIGIL_EFORMAT;
		if (d->kind == K_ADDR) {
			for (size_t i = 0; i < n; i++)
				memcpy((uint8_t *)dst + i * 16, raw, 16);
		} else {
			uint64_t v = 0;

			for (size_t j = 0; j < d->esize; j++)
				v |= (uint64_t)raw[j] << (8 * j);
			fill_elems(dst, n, d->esize, v);
		}
		return 0;
	}
	switch (d->kind) {
	case K_FIRST:
	case K_LAST:
	case K_U64:
	case K_U32: {
		long r;

		if (e->enc != ENC_VARINT)
			return VIGIL_EFORMAT;
		/* one loop per kind: no per-element switch on kind or width */
		if (d->kind == K_LAST)
			r = dec_last(raw, e->rlen, n, max_last, dst);
		else if (d->kind == K_FIRST)
			r = dec_first(raw, e->rlen, n, last, dst);
		else if (d->kind == K_U64)
			r = dec_u64(raw, e->rlen, n, 0, dst);
		else
			r = dec_u32(raw, e->rlen, n, 0, dst);
		return r >= 0 && (size_t)r == e->rlen ? 0 : VIGIL_EFORMAT;
	}
	case K_ADDR: {
		size_t w = e->enc == ENC_V4 ? 4 : 16;

		if (e->enc == ENC_MIX)
			return decode_mix(e, raw, n, dst);

		if ((e->enc != ENC_V4 && e->enc != ENC_FIXED) || e->width != w || e->rlen != n * w)
			return VIGIL_EFORMAT;
		if (w == 4) {
			dec_v4(raw, n, dst);
			return 0;
		}
		for (size_t i = 0; i < n; i++) {
			uint8_t *a = (uint8_t *)dst + i * 16;

			for (size_t j = 0; j < w; j++)
				a[j] = raw[j * n + i];
		}
		return 0;
	}
	case K_U16:
	case K_U8:
		if (e->enc != ENC_FIXED || e->width != d->esize || e->rlen != n * d->esize)
			return VIGIL_EFORMAT;
		if (d->esize == 1) {
			memcpy(dst, raw, n);
			return 0;
		}
		if (d->esize == 2) {
			uint16_t *o = dst;

			for (size_t i = 0; i < n; i++)
				o[i] = (uint16_t)(raw[i] | raw[n + i] << 8);
			return 0;
		}
		for (size_t i = 0; i < n; i++) {
			uint64_t v = 0;

			for (size_t j = 0; j < d->esize; j++)
				v |= (uint64_t)raw[j * n + i] << (8 * j);
			set_elem(dst, i, d->esize, v);
		}
		return 0;
	}
	return VIGIL_EFORMAT;
}
