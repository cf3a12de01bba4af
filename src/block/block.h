/*
 * block.h - containment at the border: the safety policy every new block
 * must pass (an allow-list of what is never blocked, a cap on live blocks,
 * a shortest prefix, a longest duration), the renderers that turn blocks
 * into what routers take (Cisco IOS/IOS-XE ACLs, Juniper firewall filters,
 * ExaBGP RTBH routes, BGP FlowSpec rules in ExaBGP's syntax), the team's
 * `[block] command` fed with each change, expiry, and the check that a
 * block works (flows from a blocked prefix after it went active). The
 * blocks themselves are kept in the desk (desk.h, desk_block_*); this stage
 * reads and writes them only through it.
 *
 * Functions return 0 (or a count) or a negative enum vigil_err; those with
 * err/errlen write a sentence for a person there on failure.
 */
#ifndef VIGIL_BLOCK_BLOCK_H
#define VIGIL_BLOCK_BLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/addr.h"

struct conf;
struct desk;
struct desk_block;
struct block_ctx;

#define BLOCK_MAX_ALLOW 65536 /* allow-list entries */
#define BLOCK_ALLOW_LINE 1024 /* longest allow-list file line */

/* ---- the allow-list (addresses never blocked) ---- */
struct block_allow;

struct block_allow *block_allow_new(void);
void block_allow_free(struct block_allow *a);
/* Add entries from text[0..len) (a file's contents, named name in
 * messages): one address or prefix a line, anything after it a label
 * ("192.0.2.53  DNS resolver"), '#' starts a comment, blank lines ignored.
 * A bad line stops it with VIGIL_EFORMAT and "name:LINE: reason" in err;
 * entries of the lines before it are kept. */
int block_allow_parse(struct block_allow *a, const char *text, size_t len, const char *name,
		      char *err, size_t errlen);
/* Add one entry (label may be NULL). VIGIL_EINVAL for a bad prefix. */
int block_allow_add(struct block_allow *a, const char *prefix, const char *label);
size_t block_allow_count(const struct block_allow *a);
/* An entry that overlaps p (p contains it or it contains p): 1 with its
 * text ("192.0.2.53 (DNS resolver, resolvers.txt:3)") in what, else 0. */
int block_allow_hit(const struct block_allow *a, const struct vprefix *p, char *what, size_t n);

/* ---- renderers ---- */
struct block_render_conf {
	char acl4[64], acl6[64];           /* Cisco ACL names */
	char filter4[64], filter6[64];     /* Juniper filter names */
	bool juniper_curly;                /* curly-brace form instead of set commands */
	char nexthop4[ADDR_STRLEN], nexthop6[ADDR_STRLEN]; /* RTBH next-hops */
	char community[32];                /* RTBH community (RFC 7999 BLACKHOLE 65535:666) */
};

/* One live block as renderers see it. */
struct block_item {
	int64_t id;
	struct vprefix p;
};

struct block_renderer {
	const char *name;  /* cisco juniper exabgp flowspec */
	const char *what;  /* one line for help */
	/* The whole set, for a config push (replaces what vigil pushed before). */
	int (*full)(const struct block_render_conf *c, const struct block_item *v, size_t n,
		    int64_t seq, FILE *out);
	/* One change: the lines that add or remove it on a router holding the set. */
	int (*change)(const struct block_render_conf *c, bool add, const struct block_item *it,
		      FILE *out);
};

/* The renderer called name, or NULL. */
const struct block_renderer *block_renderer_find(const char *name);
/* "cisco, juniper, exabgp, flowspec" */
const char *block_renderer_names(void);
/* Defaults, then [block] settings (cf may be NULL). */
int block_render_conf_read(const struct conf *cf, struct block_render_conf *c, char *err,
			   size_t errlen);

/* ---- the stage over a desk ---- */
struct block_stats {
	uint64_t expired, pushed, push_failed, checked, leaks, events;
};

/* Read [block] (cf may be NULL: defaults) and its allow file, over an open
 * desk; store_dir (may be NULL) is the flow store the check reads. */
int block_open(const struct conf *cf, struct desk *d, const char *store_dir,
	       struct block_ctx **out, char *err, size_t errlen);
void block_close(struct block_ctx *b);
const struct block_allow *block_allow_list(const struct block_ctx *b);
const struct block_render_conf *block_conf(const struct block_ctx *b);
/* The default end of a block added now without --until (0: none). */
int64_t block_default_until(const struct block_ctx *b, int64_t now);

/* Whether a block of prefix until until_ms (0: none) may be added now:
 * 0, or VIGIL_EINVAL / VIGIL_ELIMIT with the reason in err (bad prefix,
 * shorter than min_prefix4/6, on the allow-list, too long, the cap). */
int block_policy_check(struct block_ctx *b, const char *prefix, int64_t until_ms, int64_t now,
		       char *err, size_t errlen);
/* The duration part of the policy alone (for an extension): until_ms (0:
 * none) within [block] max_duration from now. */
int block_policy_duration(struct block_ctx *b, int64_t until_ms, int64_t now, char *err,
			  size_t errlen);
/* Check and add (desk_block_add); *id the new block. */
int block_add(struct block_ctx *b, int64_t incident, const char *prefix, const char *reason,
	      int64_t until_ms, bool pending, int64_t *id, char *err, size_t errlen);

/* Render the live (active) set with renderer r to out. */
int block_render(struct block_ctx *b, const struct block_renderer *r, FILE *out);
/* Changes after seq as r's delta lines to out; *last the last seq written. */
int block_render_changes(struct block_ctx *b, const struct block_renderer *r, int64_t after,
			 FILE *out, int64_t *last);
/* Feed the changes not yet given to [block] command (none configured: 0),
 * as [block] format lines on its stdin, all in one run; the position moves
 * only when it exits 0, so a failed push is repeated at the next call. */
int block_push(struct block_ctx *b, struct block_stats *st);
/* End every pending/active block whose end has come (audited as expired by
 * the desk's actor); idempotent. Returns the number ended or < 0. */
int block_expire(struct block_ctx *b, int64_t now, struct block_stats *st);
/* The effectiveness check: flows in the store from each block's prefix
 * after it went active (plus [block] check_grace), up to now - [block]
 * check_lag, not yet checked. Leaks raise a "block-leak" event on the
 * block's incident. */
int block_check(struct block_ctx *b, int64_t now, struct block_stats *st);
/* The flows that hit block bl (at most limit lines, as `vigil flows`
 * prints them) to out; the `vigil flows` command that shows them into cmd. */
int block_flows(struct block_ctx *b, const struct desk_block *bl, size_t limit, FILE *out,
		char *cmd, size_t cmdlen);
/* expire, push, check: one cycle of `vigil run`. */
int block_cycle(struct block_ctx *b, int64_t now, struct block_stats *st);

#endif
