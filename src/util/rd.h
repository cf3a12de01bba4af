/*
 * rd.h - a bounds-checked cursor for reading the wire (network byte order).
 *
 * Every read checks the remaining length and returns -1 (VIGIL_ESHORT) on a
 * short read without moving; a packet buffer is never cast to a struct.
 * All functions are static inline: this is the decoders' hot path.
 */
#ifndef VIGIL_UTIL_RD_H
#define VIGIL_UTIL_RD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct rd {
	const uint8_t *p;
	const uint8_t *end;
};

static inline void rd_init(struct rd *r, const void *buf, size_t len)
{
	r->p = (const uint8_t *)buf;
	r->end = r->p + len;
}

static inline size_t rd_left(const struct rd *r) { return (size_t)(r->end - r->p); }

static inline int rd_u8(struct rd *r, uint8_t *v)
{
	if (rd_left(r) < 1)
		return -4;
	*v = r->p[0];
	r->p += 1;
	return 0;
}

static inline int rd_u16(struct rd *r, uint16_t *v)
{
	if (rd_left(r) < 2)
		return -4;
	*v = (uint16_t)(r->p[0] << 8 | r->p[1]);
	r->p += 2;
	return 0;
}

static inline int rd_u32(struct rd *r, uint32_t *v)
{
	if (rd_left(r) < 4)
		return -4;
	*v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 | (uint32_t)r->p[2] << 8 | r->p[3];
	r->p += 4;
	return 0;
}

static inline int rd_u64(struct rd *r, uint64_t *v)
{
	uint32_t hi, lo;

	if (rd_left(r) < 8)
		return -4;
	rd_u32(r, &hi);
	rd_u32(r, &lo);
	*v = (uint64_t)hi << 32 | lo;
	return 0;
}

/* Big-endian unsigned integer of 1..8 bytes (reduced-size encoding, RFC 7011 6.2). */
static inline int rd_uint(struct rd *r, size_t n, uint64_t *v)
{
	uint64_t x = 0;

	if (n == 0 || n > 8 || rd_left(r) < n)
		return -4;
	for (size_t i = 0; i < n; i++)
		x = x << 8 | r->p[i];
	r->p += n;
	*v = x;
	return 0;
}

static inline int rd_bytes(struct rd *r, void *dst, size_t n)
{
	if (rd_left(r) < n)
		return -4;
	memcpy(dst, r->p, n);
	r->p += n;
	return 0;
}

static inline int rd_skip(struct rd *r, size_t n)
{
	if (rd_left(r) < n)
		return -4;
	r->p += n;
	return 0;
}

/* Take the next n bytes as a cursor of their own. */
static inline int rd_sub(struct rd *r, size_t n, struct rd *sub)
{
	if (rd_left(r) < n)
		return -4;
	sub->p = r->p;
	sub->end = r->p + n;
	r->p += n;
	return 0;
}

#endif
