/* addr.c - parsing, formatting and testing of IPv4/IPv6 addresses (see addr.h). */
#include "util/addr.h"
#include "util/err.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t v4_mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

void addr_from_v4(struct vaddr *a, uint32_t v4)
{
	memcpy(a->b, v4_mapped_prefix, 12);
	a->b[12] = (uint8_t)(v4 >> 24);
	a->b[13] = (uint8_t)(v4 >> 16);
	a->b[14] = (uint8_t)(v4 >> 8);
	a->b[15] = (uint8_t)v4;
}

void addr_from_v6(struct vaddr *a, const uint8_t b[16]) { memcpy(a->b, b, 16); }

bool addr_is_v4(const struct vaddr *a) { return memcmp(a->b, v4_mapped_prefix, 12) == 0; }

uint32_t addr_v4(const struct vaddr *a)
{
	return (uint32_t)a->b[12] << 24 | (uint32_t)a->b[13] << 16 | (uint32_t)a->b[14] << 8 |
	       a->b[15];
}

bool addr_is_zero(const struct vaddr *a)
{
	static const uint8_t zero[16];
	return memcmp(a->b, zero, 16) == 0 ||
	       (addr_is_v4(a) && addr_v4(a) == 0);
}

int addr_cmp(const struct vaddr *a, const struct vaddr *b) { return memcmp(a->b, b->b, 16); }
bool addr_eq(const struct vaddr *a, const struct vaddr *b) { return memcmp(a->b, b->b, 16) == 0; }

uint64_t addr_hash(const struct vaddr *a)
{
	uint64_t x, y;

	memcpy(&x, a->b, 8);
	memcpy(&y, a->b + 8, 8);
	x ^= y * 0x9e3779b97f4a7c15ULL;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

int addr_parse_n(const char *s, size_t n, struct vaddr *a)
{
	char buf[ADDR_STRLEN + 1];
	struct in_addr in4;
	struct in6_addr in6;

	if (n == 0 || n > ADDR_STRLEN)
		return VIGIL_EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (memchr(buf, ':', n)) {
		if (inet_pton(AF_INET6, buf, &in6) != 1)
			return VIGIL_EINVAL;
		memcpy(a->b, in6.s6_addr, 16);
		return 0;
	}
	if (inet_pton(AF_INET, buf, &in4) != 1)
		return VIGIL_EINVAL;
	addr_from_v4(a, ntohl(in4.s_addr));
	return 0;
}

int addr_parse(const char *s, struct vaddr *a) { return addr_parse_n(s, strlen(s), a); }

char *addr_format(const struct vaddr *a, char *buf)
{
	if (addr_is_v4(a)) {
		snprintf(buf, ADDR_STRLEN, "%u.%u.%u.%u", a->b[12], a->b[13], a->b[14], a->b[15]);
		return buf;
	}
	if (!inet_ntop(AF_INET6, a->b, buf, ADDR_STRLEN))
		snprintf(buf, ADDR_STRLEN, "?");
	return buf;
}

static void mask_host_bits(struct vaddr *a, unsigned len)
{
	for (unsigned i = 0; i < 16; i++) {
		unsigned bit = i * 8;
		if (bit >= len)
			a->b[i] = 0;
		else if (bit + 8 > len)
			a->b[i] &= (uint8_t)(0xff << (8 - (len - bit)));
	}
}

int prefix_parse(const char *s, struct vprefix *p)
{
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long len;
	char *end;

	if (addr_parse_n(s, alen, &p->addr) != 0)
		return VIGIL_EINVAL;
	if (!slash) {
		p->len = 128;
		return 0;
	}
	if (slash[1] < '0' || slash[1] > '9')
		return VIGIL_EINVAL;
	len = strtoul(slash + 1, &end, 10);
	if (*end != '\0')
		return VIGIL_EINVAL;
	if (addr_is_v4(&p->addr) && !memchr(s, ':', alen)) {
		if (len > 32)
			return VIGIL_EINVAL;
		len += 96;
	} else if (len > 128) {
		return VIGIL_EINVAL;
	}
	p->len = (uint8_t)len;
	mask_host_bits(&p->addr, p->len);
	return 0;
}

unsigned prefix_display_len(const struct vprefix *p)
{
	return addr_is_v4(&p->addr) && p->len >= 96 ? p->len - 96u : p->len;
}

char *prefix_format(const struct vprefix *p, char *buf)
{
	char a[ADDR_STRLEN];

	snprintf(buf, PREFIX_STRLEN, "%s/%u", addr_format(&p->addr, a), prefix_display_len(p));
	return buf;
}

bool prefix_contains(const struct vprefix *p, const struct vaddr *a)
{
	unsigned full = p->len / 8, rest = p->len % 8;

	if (memcmp(p->addr.b, a->b, full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t m = (uint8_t)(0xff << (8 - rest));
	return (p->addr.b[full] & m) == (a->b[full] & m);
}

void prefix_range(const struct vprefix *p, struct vaddr *lo, struct vaddr *hi)
{
	*lo = p->addr;
	*hi = p->addr;
	for (unsigned i = 0; i < 16; i++) {
		unsigned bit = i * 8;
		if (bit >= p->len)
			hi->b[i] = 0xff;
		else if (bit + 8 > p->len)
			hi->b[i] |= (uint8_t)(0xff >> (p->len - bit));
	}
}
