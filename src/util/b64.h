/*
 * b64.h - base64 (RFC 4648, standard alphabet, padded) for keeping arbitrary
 * bytes in a text column or a JSON string.
 */
#ifndef VIGIL_UTIL_B64_H
#define VIGIL_UTIL_B64_H

#include <stddef.h>

/* Encoded length of n bytes, without the NUL. */
size_t b64_len(size_t n);
/* Encode n bytes of p into out (>= b64_len(n) + 1 bytes, NUL-terminated). */
void b64_encode(const void *p, size_t n, char *out);
/* Decode s[0..n) (whitespace ignored) into out (>= n / 4 * 3 + 3 bytes);
 * *outlen gets the length. Returns 0 or VIGIL_EFORMAT. */
int b64_decode(const char *s, size_t n, unsigned char *out, size_t *outlen);

#endif
