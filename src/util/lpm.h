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
/* Entries added (not intervals). */
size_t lpm_count(const struct lpm *t);
/* Bytes of memory held. */
size_t lpm_memory(const struct lpm *t);

#endif
