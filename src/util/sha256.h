/*
 * sha256.h - SHA-256 (FIPS 180-4), small and dependency-free, for the desk's
 * hash-chained audit log and stable event ids. Not constant-time; not for
 * secrets.
 */
#ifndef VIGIL_UTIL_SHA256_H
#define VIGIL_UTIL_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32
#define SHA256_HEXLEN 65 /* 64 hex digits + NUL */

struct sha256 {
	uint32_t h[8];
	uint64_t total; /* bytes hashed so far */
	uint8_t block[64];
	size_t used;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *p, size_t n);
void sha256_final(struct sha256 *s, uint8_t out[SHA256_LEN]);
/* One-shot digest of p[0..n) as 64 lowercase hex digits into hex (>= SHA256_HEXLEN). */
char *sha256_hex(const void *p, size_t n, char *hex);
/* Lowercase hex of a digest into hex (>= SHA256_HEXLEN); returns hex. */
char *sha256_tohex(const uint8_t d[SHA256_LEN], char *hex);

#endif
