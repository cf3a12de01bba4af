/*
 * addr.h - IP addresses and prefixes, IPv4 and IPv6 in one type.
 *
 * struct vaddr holds 16 bytes in network order; an IPv4 address is stored
 * IPv4-mapped (::ffff:a.b.c.d), so one comparison, hash and prefix test serves
 * both families. Prefix lengths are in that 128-bit space: an IPv4 /24 is
 * stored as length 96 + 24. Use prefix_parse()/prefix_format() at the edges
 * and never think about it again.
 */
#ifndef VIGIL_UTIL_ADDR_H
#define VIGIL_UTIL_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vaddr {
	uint8_t b[16];
};

struct vprefix {
	struct vaddr addr; /* network address (host bits zero) */
	uint8_t len;       /* 0..128, IPv4 as 96 + n */
};

#define ADDR_STRLEN 46 /* INET6_ADDRSTRLEN */
#define PREFIX_STRLEN 50

/* IPv4 from a host-order 32-bit value. */
void addr_from_v4(struct vaddr *a, uint32_t v4);
/* IPv6 from 16 network-order bytes. */
void addr_from_v6(struct vaddr *a, const uint8_t b[16]);
bool addr_is_v4(const struct vaddr *a);
/* Host-order IPv4 value; only meaningful when addr_is_v4(). */
uint32_t addr_v4(const struct vaddr *a);
bool addr_is_zero(const struct vaddr *a);
int addr_cmp(const struct vaddr *a, const struct vaddr *b);
bool addr_eq(const struct vaddr *a, const struct vaddr *b);
uint64_t addr_hash(const struct vaddr *a);

/* Parse "192.0.2.1" or "2001:db8::1". Returns 0 or VIGIL_EINVAL. */
int addr_parse(const char *s, struct vaddr *a);
/* Parse the first n bytes of s (need not be NUL-terminated). */
int addr_parse_n(const char *s, size_t n, struct vaddr *a);
/* Writes a NUL-terminated string into buf (>= ADDR_STRLEN); returns buf. */
char *addr_format(const struct vaddr *a, char *buf);

/* Parse "192.0.2.0/24", "2001:db8::/32" or a bare address (full length).
 * Host bits set beyond the length are cleared. Returns 0 or VIGIL_EINVAL. */
int prefix_parse(const char *s, struct vprefix *p);
char *prefix_format(const struct vprefix *p, char *buf); /* >= PREFIX_STRLEN */
bool prefix_contains(const struct vprefix *p, const struct vaddr *a);
/* Lowest and highest address of a prefix. */
void prefix_range(const struct vprefix *p, struct vaddr *lo, struct vaddr *hi);
/* Length as a person writes it: 24 for an IPv4 /24 (stored 120). */
unsigned prefix_display_len(const struct vprefix *p);

#endif
