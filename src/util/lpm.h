/*
 * lpm.h - a longest-prefix-match set over IPv4 and IPv6, shared by intel
 * (threat lists), whois (inetnum/route) and detect (own networks).
 *
 * Build once, look up many times: add prefixes or address ranges with a
 * 32-bit value each, call lpm_build(), then lpm_lookup() returns the value of
 * the most specific entry containing the address (the smallest range; for
 * equal ranges the one added last). Building flattens the entries into sorted
 * disjoint intervals with a 64K-way first-level index for IPv4, so a lookup
 * is a few cache lines whatever the number of entries. Adding after a build
 * is allowed; call lpm_build() again before the next lookup.
 * Not thread-safe for writers; any number of readers after a build.
 */
#ifndef VIGIL_UTIL_LPM_H
#define VIGIL_UTIL_LPM_H

#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"

#define LPM_NONE UINT32_MAX

struct lpm;

struct lpm *lpm_new(void);
void lpm_free(struct lpm *t);
/* Add a prefix (len in the 128-bit space, see addr.h). Returns 0 or VIGIL_ENOMEM. */
int lpm_add(struct lpm *t, const struct vprefix *p, uint32_t value);
/* Add an inclusive range lo..hi (both IPv4 or both IPv6). VIGIL_EINVAL if lo > hi
 * or the families differ. */
int lpm_add_range(struct lpm *t, const struct vaddr *lo, const struct vaddr *hi, uint32_t value);
int lpm_build(struct lpm *t);
/* Value of the most specific entry containing a, or LPM_NONE. */
uint32_t lpm_lookup(const struct lpm *t, const struct vaddr *a);
/* The same for a host-order IPv4 address, without building a vaddr. */
uint32_t lpm_lookup_v4(const struct lpm *t, uint32_t v4);
/* Precompute a direct IPv4 table over a built set: nblocks consecutive
 * blocks of 2^shift addresses from base (aligned to 2^shift, 3 <= shift <=
 * 24, inside the IPv4 space); block k, stored at tab[k * stride], gets v + 1
 * when every address of the block has the same answer v, LPM_NONE when its
 * addresses have different answers (look those up with lpm_lookup_v4), and
 * is left alone (the caller zeroes tab: 0 means no match) when nothing in
 * the block matches. Runs in time linear in the intervals met and the blocks
 * they cover, so a zeroed lazily-mapped table only has the pages of covered
 * blocks touched. Returns 0, VIGIL_EINVAL (bad arguments, not built) or
 * VIGIL_ELIMIT (a value >= UINT32_MAX - 1). */
int lpm_fill_v4(const struct lpm *t, uint32_t base, unsigned shift, size_t nblocks,
		uint32_t *tab, size_t stride);
/* Entries added (not intervals). */
size_t lpm_count(const struct lpm *t);
/* Bytes of memory held. */
size_t lpm_memory(const struct lpm *t);

#endif
