/*
 * web.h - the web desk's HTTP server (libmicrohttpd): the static page from
 * a directory, the JSON API under /api/v1 over the desk, the flow store and
 * the constituency, users with roles, sessions and API tokens, /metrics.
 * The contract with the page is docs/internals/web.md.
 *
 * The server runs in one thread of its own (MHD's) with its own desk
 * connection; what it needs of the constituency comes through callbacks so
 * this stage does not depend on how the CLI opens it.
 */
#ifndef VIGIL_WEB_WEB_H
#define VIGIL_WEB_WEB_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"

struct web;

#define WEB_DEFAULT_LISTEN "127.0.0.1:8080"
#define WEB_DEFAULT_TTL_MS (8LL * 3600 * 1000)
#define WEB_DEFAULT_LOGIN_RATE 5 /* failures a minute per address and per user */

/* Counters of a collector running in the same process (vigil run). */
struct web_collector_stats {
	uint64_t packets, flows, bad_packets, seq_lost, kernel_drops, denied, stored,
		store_errors, exporters;
};

struct web_conf {
	const char *listen;     /* "ADDR:PORT" ("[v6]:PORT"); port 0 picks a free one */
	const char *root;       /* directory of the static page */
	const char *cert, *key; /* PEM files: TLS when both are set */
	const char *desk_url;   /* NULL: the desk default */
	const char *store_dir;  /* the flow store ([store] dir) */
	int64_t session_ttl_ms; /* <= 0: WEB_DEFAULT_TTL_MS */
	int login_rate;         /* <= 0: WEB_DEFAULT_LOGIN_RATE */
	/* The constituency (any may be NULL): the site of an address (0, or
	 * non-zero for unknown), the whois answer of an address as JSON (new
	 * reference, as `vigil whois -o json`), a site's contacts (a JSON
	 * array, new reference). */
	int (*site_of)(void *ctx, const struct vaddr *a, char *site, size_t n);
	json_t *(*whois_json)(void *ctx, const struct vaddr *a);
	json_t *(*site_contacts)(void *ctx, const char *site);
	/* The in-process collector's counters (NULL: none): 0 when filled. */
	int (*collector)(void *ctx, struct web_collector_stats *st);
	void *ctx;
};

/* Open the desk, bind and start serving. On failure a sentence in err. */
int web_start(const struct web_conf *c, struct web **out, char *err, size_t errlen);
/* The port bound (when listen asked for 0). */
uint16_t web_port(const struct web *w);
/* Stop serving and free. NULL is fine. */
void web_stop(struct web *w);

/* The argon2id string of a password (libsodium crypto_pwhash_str, interactive
 * limits) into out (>= 128 bytes): 0 or VIGIL_ENOMEM. */
int web_password_hash(const char *password, char *out, size_t n);
/* A new random secret as 64 hex digits (session ids, tokens, csrf) and
 * its SHA-256 hex (what the desk keeps; hash may be NULL). */
int web_secret(char secret[65], char hash[65]);

#endif
