/*
 * whois.h - who is responsible for an address: the constituency database
 * built from RIPE-style RPSL dumps (inetnum, inet6num, route, route6,
 * aut-num, organisation, role, person, irt) and a local sites table that
 * overrides and extends them. Detectors, the desk and `vigil whois` use it.
 *
 * Build once (whois_build from text files, or whois_open on a snapshot
 * written by whois_save), then whois_lookup() any number of times from any
 * number of threads: a lookup allocates nothing and fills a struct
 * whois_result whose strings point into the database, valid until
 * whois_free(). Every answer carries where it came from (struct whois_src).
 *
 * The streaming RPSL reader that feeds the database is public too, so tests
 * and fuzzers can drive it in pieces: init / feed / finish.
 */
#ifndef VIGIL_WHOIS_WHOIS_H
#define VIGIL_WHOIS_WHOIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"

/* ---- the streaming RPSL reader ---------------------------------------- */

#define WHOIS_RPSL_MAX_LINE 16384       /* longer lines are an error */
#define WHOIS_RPSL_MAX_ATTRS 100000     /* attributes in one object */
#define WHOIS_RPSL_MAX_OBJECT (8u << 20) /* bytes of values in one object */

struct whois_rpsl_attr {
	const char *name;  /* lower case, NUL-terminated */
	const char *value; /* continuation lines joined with '\n'; end-of-line
	                      '#' remarks and surrounding blanks removed; UTF-8 */
	uint32_t line;     /* line of the attribute's first line */
};

struct whois_rpsl_object {
	const char *cls; /* name of the first attribute (the class) */
	const char *key; /* value of the first attribute */
	const struct whois_rpsl_attr *attrs;
	size_t nattrs;
	uint32_t line; /* first line of the object */
};

/* Called for every well-formed object; the object is valid only during the
 * call. A non-zero return stops the reader and is returned by feed/finish. */
typedef int (*whois_rpsl_object_fn)(void *ctx, const struct whois_rpsl_object *obj);
/* Called for every bad object or line (it is skipped, the rest goes on). */
typedef void (*whois_err_fn)(void *ctx, const char *file, uint32_t line, const char *msg);

struct whois_rpsl;

/* file is the name used in error messages (borrowed, must outlive the reader). */
struct whois_rpsl *whois_rpsl_new(const char *file, whois_rpsl_object_fn fn,
				  whois_err_fn err, void *ctx);
void whois_rpsl_free(struct whois_rpsl *r);
/* Feed any number of bytes (objects and lines may span calls). Returns 0, a
 * callback's non-zero value, or VIGIL_ENOMEM. */
int whois_rpsl_feed(struct whois_rpsl *r, const void *data, size_t len);
/* End of input: delivers the last object. */
int whois_rpsl_finish(struct whois_rpsl *r);
/* Bad objects/lines seen so far. */
uint64_t whois_rpsl_bad(const struct whois_rpsl *r);

/* ---- the database ------------------------------------------------------ */

/* Where an answer came from: an RPSL object (cls "inetnum", key
 * "193.0.0.0 - 193.0.7.255", file, line) or the sites table (cls "site",
 * key the site's id). cls == NULL: no answer for that field. */
struct whois_src {
	const char *cls;
	const char *key;
	const char *file;
	uint32_t line;
};

#define WHOIS_MAX_AS 4

struct whois_result {
	bool found;          /* anything matched at all */
	bool is_ours;        /* covered by a prefix of the sites table */
	bool is_nat_gateway; /* a NAT gateway named in the sites table */
	struct vaddr lo, hi; /* the most specific range matched (net or site) */
	const char *netname, *country;
	const char *org_id, *org_name;
	const char *site;          /* site id from the sites table, or NULL */
	const char *abuse_mailbox; /* comma-separated addresses */
	const char *contact;       /* site contact or RPSL e-mail */
	const char *phone;
	const char *pgp;            /* site PGP key id */
	const char *language, *format, *batch;
	uint32_t asn[WHOIS_MAX_AS]; /* origin AS of the most specific route(s) */
	unsigned nasn;
	const char *as_name;
	const char *irt, *irt_abuse_mailbox, *irt_email, *irt_signature, *irt_encryption;
	/* sources, one per group of fields */
	struct whois_src src_net;     /* lo/hi, netname, country */
	struct whois_src src_org;     /* org_id, org_name */
	struct whois_src src_abuse;   /* abuse_mailbox */
	struct whois_src src_contact; /* contact, phone */
	struct whois_src src_route;   /* asn */
	struct whois_src src_irt;     /* irt_* */
	struct whois_src src_site;    /* site, is_ours, pgp, language, format, batch */
	struct whois_src src_nat;     /* is_nat_gateway */
};

struct whois_stats {
	uint64_t inetnum, inet6num, route, route6, autnum, organisation, role, person, irt;
	uint64_t skipped; /* objects of other classes (mntner, domain ...) */
	uint64_t bad;     /* bad objects/lines reported */
	uint64_t sites, site_prefixes;
	uint64_t string_bytes; /* bytes of the string arena */
};

struct whois_db;

/* Build from RPSL dumps (plain or gzip'd, detected by magic; may be NULL/0)
 * and a sites table (may be NULL). Bad objects and lines go to err (may be
 * NULL) with file and line, and the rest loads. Returns 0 and *out (free with
 * whois_free), or VIGIL_EIO (a file could not be read), VIGIL_ENOMEM. */
int whois_build(const char *const *rpsl_files, size_t nfiles, const char *sites_file,
		whois_err_fn err, void *ctx, struct whois_db **out);
void whois_free(struct whois_db *db);

/* Write a snapshot (binary, little-endian, checksummed) and read it back.
 * whois_open returns VIGIL_EIO, VIGIL_EFORMAT, VIGIL_EUNSUPPORTED (version),
 * VIGIL_ECHECKSUM or VIGIL_ENOMEM. */
int whois_save(const struct whois_db *db, const char *path);
int whois_open(const char *path, struct whois_db **out);

/* Resolve a. Returns true when anything matched (out->found). Thread-safe
 * for any number of concurrent readers; allocates nothing. */
bool whois_lookup(const struct whois_db *db, const struct vaddr *a, struct whois_result *out);

/* The same for n addresses into out[0..n), faster than n calls when the
 * database is much larger than the CPU caches (the index searches of
 * several addresses overlap). Returns how many matched. */
size_t whois_lookup_batch(const struct whois_db *db, const struct vaddr *a, size_t n,
			  struct whois_result *out);

void whois_get_stats(const struct whois_db *db, struct whois_stats *st);

/* Every site of the sites table once, in file order: fn(ctx, site id, an
 * address of its first prefix, for whois_lookup). Stops when fn returns
 * non-zero and returns that. */
int whois_each_site(const struct whois_db *db,
		    int (*fn)(void *ctx, const char *site, const struct vaddr *a), void *ctx);

/* "inetnum 193.0.0.0 - 193.0.7.255 (ripe.db.inetnum line 1234)" or
 * "sites.conf line 12 (site oxford)" into buf; returns buf ("" when none). */
char *whois_src_format(const struct whois_src *s, char *buf, size_t len);
/* The matched range as a person writes it: "193.0.0.0/21" when it is a
 * prefix, else "a - b". buf >= WHOIS_RANGE_STRLEN. */
#define WHOIS_RANGE_STRLEN 100
char *whois_range_format(const struct whois_result *r, char *buf);

#endif
