/*
 * model.h - internal to src/whois: the in-memory constituency model shared by
 * the RPSL importer (db.c), the sites table (sites.c), lookups (lookup.c) and
 * snapshots (snapshot.c). Not for other stages: they use whois.h.
 *
 * All strings live in one arena and are referred to by 32-bit offsets
 * (offset 0 is the empty string); names other objects refer to (org ids,
 * nic-hdls, irt names) are interned upper-case, so a reference is resolved
 * by comparing offsets. Records are plain arrays; cross references are
 * array indices (W_NONE when absent), resolved once when the build ends.
 */
#ifndef VIGIL_WHOIS_MODEL_H
#define VIGIL_WHOIS_MODEL_H

#include "util/lpm.h"
#include "whois/whois.h"

#include <stdint.h>

#define W_NONE UINT32_MAX
#define W_MAX_ARENA 0xfff00000u /* offsets are 32-bit */
#define W_MAX_DEPTH 64          /* parent walk when inheriting abuse-c / irt */

struct w_arena {
	char *p;
	size_t len, cap;
	uint32_t *ht; /* intern table of offsets, 0 = empty slot */
	size_t htcap, htn;
};

/* A hash map from a 32-bit key (an interned offset or an AS number) to an index. */
struct w_map {
	uint32_t *keys, *vals;
	size_t cap, n;
};

/* inetnum / inet6num: exactly one 64-byte cache line (the array is 64-byte
 * aligned once indexed), so a lookup reads the whole net in one miss; the
 * parent links, needed only when indexing, are kept apart in net_parent. */
struct w_net {
	struct vaddr lo, hi;
	uint32_t key, netname, country;
	uint32_t org, abuse, irt; /* indices */
	uint32_t file, line;
};

/* One entry of the direct IPv4 table (one per /24): the answer of the net
 * and of the route indexes for the whole /24, as index + 1 (0: none), or
 * W_SPLIT when the /24 holds several answers (search that index instead).
 * A net entry with W_L2 set (and not W_SPLIT) instead names a block of
 * W_L2N entries of v4l2, one per /29 of the /24, with the same meanings. */
struct w_v4ent {
	uint32_t net, route;
};
_Static_assert(sizeof(struct w_net) == 64, "a net is one cache line");
#define W_SPLIT UINT32_MAX
#define W_V4BITS 24
#define W_L2 0x80000000u
#define W_L2SHIFT 3 /* /29 */
#define W_L2N (1u << (32 - W_V4BITS - W_L2SHIFT))

struct w_route { /* route / route6 */
	struct vaddr lo, hi;
	uint32_t key, asn, next; /* next: another origin for the same prefix */
	uint32_t file, line;
	uint32_t as_name; /* from the aut-num, set when indexing (not stored) */
};

struct w_org {
	uint32_t key, name, country, email, phone, abuse;
	uint32_t file, line;
};

struct w_contact { /* role or person */
	uint32_t key, name, abuse_mailbox, email, phone, is_role;
	uint32_t file, line;
};

struct w_irt {
	uint32_t key, abuse_mailbox, email, signature, encryption, phone;
	uint32_t file, line;
};

struct w_aut {
	uint32_t asn, name, org;
	uint32_t file, line;
};

struct w_site {
	uint32_t id, name, contact, abuse, phone, pgp, language, format, batch;
	uint32_t file, line, line_name, line_abuse, line_contact;
};

struct w_sitepfx {
	struct vaddr lo, hi;
	uint32_t site, nat, line;
};

/* a growable array of records with a cap */
#define W_VEC(T) struct { T *v; size_t n, cap; }

struct whois_db {
	struct w_arena a;
	W_VEC(uint32_t) files; /* file names (arena offsets) */
	W_VEC(struct w_net) nets;
	W_VEC(uint32_t) net_parent; /* per net: the smallest enclosing net */
	W_VEC(struct w_route) routes;
	W_VEC(struct w_org) orgs;
	W_VEC(struct w_contact) contacts;
	W_VEC(struct w_irt) irts;
	W_VEC(struct w_aut) auts;
	W_VEC(struct w_site) sites;
	W_VEC(struct w_sitepfx) sitepfx;
	struct lpm *net_lpm, *route_lpm, *site_lpm;
	struct w_v4ent *v4tab; /* 2^W_V4BITS entries, mmap'd; NULL: search only */
	size_t v4tab_bytes;
	uint32_t *v4l2; /* W_L2N entries per split /24 (w_alloc_hot) */
	struct w_map aut_by_asn;
	struct whois_stats st;
};

int w_arena_init(struct w_arena *a);
void w_arena_free(struct w_arena *a);
/* Append s[0..n) NUL-terminated; *off gets its offset (0 when n == 0). */
int w_arena_add(struct w_arena *a, const char *s, size_t n, uint32_t *off);
/* The same, returning the existing copy when the string is already interned. */
int w_arena_intern(struct w_arena *a, const char *s, size_t n, uint32_t *off);
/* Intern the upper-cased form (for references). */
int w_arena_intern_upper(struct w_arena *a, const char *s, uint32_t *off);
/* The string at an offset. A database loaded from a snapshot has no intern
 * table (lookups never intern), only the arena. */
static inline const char *w_str(const struct whois_db *db, uint32_t off)
{
	return db->a.p + off;
}

void w_map_free(struct w_map *m);
int w_map_put(struct w_map *m, uint32_t key, uint32_t val); /* keeps the first */
uint32_t w_map_get(const struct w_map *m, uint32_t key);

/* Grow a vector to hold n records; returns 0, VIGIL_ENOMEM, or VIGIL_ELIMIT
 * past 2^32 - 1 records (indices are 32-bit). */
int w_vec_reserve(void **v, size_t *cap, size_t n, size_t elem);
#define W_PUSH(vec, rec)                                                           \
	(w_vec_reserve((void **)&(vec).v, &(vec).cap, (vec).n + 1, sizeof(*(vec).v)) \
		 ? VIGIL_ENOMEM                                                     \
		 : ((vec).v[(vec).n++] = (rec), 0))

int w_db_alloc(struct whois_db **out);
/* Register a file name; *idx its index. */
int w_db_file(struct whois_db *db, const char *path, uint32_t *idx);
/* Parse a sites table held in memory (file is the name for messages). */
int w_sites_parse(struct whois_db *db, const char *file, const char *text, size_t len,
		  whois_err_fn err, void *ctx);
/* True when s[0..n) is well-formed UTF-8 (rpsl.c). */
bool w_valid_utf8(const unsigned char *s, size_t n);
/* Build the three LPMs and the direct IPv4 table from the record arrays
 * (after import or load); moves nets to a 64-byte aligned array. */
int w_db_index(struct whois_db *db);
/* Allocate n records of elem bytes aligned for the lookup path (64 bytes,
 * huge pages asked for when large); free with free(). NULL on failure. */
void *w_alloc_hot(size_t n, size_t elem);
/* Move the nets into a w_alloc_hot() array of exactly nets.n (lookup.c). */
int w_hot_nets(struct whois_db *db);
/* (Re)build db->v4tab from the built net and route LPMs (lookup.c). */
int w_v4tab_build(struct whois_db *db);

#endif
