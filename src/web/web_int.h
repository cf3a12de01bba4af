/*
 * web_int.h - what the files of src/web share: the server, one request as
 * the routes see it, the route table's entry, and the helpers every route
 * uses (JSON answers, errors, parameters, the one authorization check).
 */
#ifndef VIGIL_WEB_WEB_INT_H
#define VIGIL_WEB_WEB_INT_H

#include <jansson.h>
#include <microhttpd.h>
#include <stdbool.h>
#include <stdint.h>

#include "desk/desk.h"
#include "web/web.h"

#define WEB_MAX_BODY (64 * 1024)
#define WEB_MAX_SEGS 8
#define WEB_RATE_SLOTS 1024
#define WEB_SESSION_COOKIE "vigil_session"

/* Failed logins of one key (an address or a user name) as a leaky bucket:
 * each failure adds 1000, the level drains at the key's rate a minute, so
 * the limit holds over any 60 s, not per clock minute. */
struct web_rate {
	char key[72];
	int64_t last;  /* ms of the last update */
	int64_t level; /* failures x 1000 */
};

struct web {
	struct web_conf c;
	char *listen, *root, *store_dir, *desk_url; /* owned copies */
	char *cert_pem, *key_pem;
	struct MHD_Daemon *mhd;
	struct desk *desk;
	uint16_t port;
	bool tls;
	struct web_rate rate[WEB_RATE_SLOTS];
	int64_t last_expire;
};

struct web_req {
	struct web *w;
	struct MHD_Connection *conn;
	const char *method, *url;
	char *body;
	size_t len;
	bool too_big;
	/* the path split at '/', after "/api/v1" */
	char segs[WEB_MAX_SEGS][256];
	size_t nsegs;
	/* who asks */
	bool loopback;
	char peer[64];
	bool authed, by_token;
	struct desk_user user;
	char csrf[65], sid_hash[65];
	/* the answer */
	int status;
	json_t *out;
	char *text;           /* a text answer instead of JSON (metrics), malloc'd */
	int stream_fd;        /* > 0: the answer is read from this pipe (api_query) */
	const char *ctype;
	char set_cookie[256];
	int retry_after;      /* seconds, 0 none */
};

enum web_route_flags {
	WEB_PUBLIC = 1,   /* no login needed */
	WEB_WRITE = 2,    /* changes something: not readonly, CSRF for cookies */
	WEB_ADMIN = 4,    /* admin only */
	WEB_STAFF = 8,    /* the team only (admin, analyst): workflow actions */
};

struct web_route {
	const char *method;
	const char *pattern; /* segments after /api/v1; "#" an integer, "*" any */
	int (*fn)(struct web_req *r);
	int flags;
};

/* decode.c: what request input becomes (the fuzz target's surface). */
/* Split path (after the prefix) into r->segs (percent-decoded): 0, or -1
 * for too many/long segments, "..", NUL or a bad escape. */
int web_split_path(const char *path, char segs[][256], size_t max, size_t *n);
/* A decimal int64 with nothing else: 0 or -1. */
int web_parse_int(const char *s, int64_t *v);
/* RFC 3339 or integer ms: 0 or -1. */
int web_parse_time(const char *s, int64_t *ms);
/* The body as a JSON object (new reference) or NULL with a message in err. */
json_t *web_body_object(const char *body, size_t len, char *err, size_t errlen);
/* Does route pattern match segs? */
bool web_pattern_match(const char *pattern, char segs[][256], size_t n);

/* route.c */
/* Set an error answer {"error":{"status","message"}}; returns status. */
int web_error(struct web_req *r, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Set a JSON answer (stolen; NULL: 500 out of memory); returns 200. */
int web_json(struct web_req *r, json_t *o);
/* A query-string parameter, NULL when absent or empty. */
const char *web_arg(struct web_req *r, const char *name);
/* Integer parameter with a default and bounds: 0, or a 400 already set (returns -1). */
int web_arg_int(struct web_req *r, const char *name, int64_t def, int64_t lo, int64_t hi,
		int64_t *v);
int web_arg_time(struct web_req *r, const char *name, int64_t def, int64_t *v);
/* THE authorization check: may the user see (and, on a write route, act on)
 * things of site? Site users only their own sites; everyone else all. */
bool web_authorize(const struct web_req *r, const char *site);
/* The incident N (segment i) when the user may see it: 0, or a 404 set
 * (the same answer for missing and not yours). */
int web_incident(struct web_req *r, size_t seg, struct desk_incident *inc);
/* Restrict a filter to the user's sites (site users); keeps the array in r. */
void web_scope_filter(const struct web_req *r, struct desk_filter *f, const char **sites);
/* Run the request: answers in r. */
void web_dispatch(struct web_req *r);
/* The role-and-sites body of login and me. */
json_t *web_me_json(const struct web_req *r);

/* auth.c */
/* Authenticate from cookie or bearer token (sets r->authed, r->user). */
void web_auth(struct web_req *r);
int web_login(struct web_req *r);
int web_logout(struct web_req *r);
int web_me(struct web_req *r);
/* The CSRF check of a cookie-authenticated write: true when it passes. */
bool web_csrf_ok(struct web_req *r);

/* api_incident.c, api_misc.c, flows.c, metrics.c: the routes */
int api_incidents(struct web_req *r);
int api_incident(struct web_req *r);
int api_incident_state(struct web_req *r);
int api_incident_take(struct web_req *r);
int api_incident_note(struct web_req *r);
int api_incident_link(struct web_req *r);
int api_incident_merge(struct web_req *r);
int api_incident_flows(struct web_req *r);
int api_incident_series(struct web_req *r);
int api_host(struct web_req *r);
int api_host_flows(struct web_req *r);
int api_host_series(struct web_req *r);
int api_whois(struct web_req *r);
int api_sites(struct web_req *r);
int api_site(struct web_req *r);
int api_reports(struct web_req *r);
int api_report(struct web_req *r);
int api_blocks(struct web_req *r);
int api_block(struct web_req *r);
int api_notices(struct web_req *r);
int web_metrics(struct web_req *r);
int api_query(struct web_req *r);

/* flows.c: the host's flows from the store. */
/* Top n keys (a `vigil flows -s` key) of host's flows in [from, to]: a JSON
 * array of {"key","flows","packets","bytes"}, counts scaled by sampling. */
int web_flows_top(struct web *w, const struct vaddr *host, int64_t from, int64_t to,
		  const char *key, size_t n, json_t **out, char *err, size_t errlen);
/* Bins of step ms over [from, to): [[t_ms, bytes, packets, flows], ...]. */
int web_flows_series(struct web *w, const struct vaddr *host, int64_t from, int64_t to,
		     int64_t step, json_t **out, char *err, size_t errlen);
/* Top n addresses of the whole store in [from, to] whose site is site. */
int web_flows_site_top(struct web *w, const char *site, int64_t from, int64_t to, size_t n,
		       json_t **out, char *err, size_t errlen);

#endif
