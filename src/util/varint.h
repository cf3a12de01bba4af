/*
 * varint.h - LEB128 unsigned varints (7 bits a byte, low first), as the
 * store's columns and the bus's batches write them.
 */
#ifndef VIGIL_UTIL_VARINT_H
#define VIGIL_UTIL_VARINT_H

#include <stddef.h>
#include <stdint.h>

/* Write v at p (at most 10 bytes); returns the bytes written. */
static inline size_t put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

#endif
