/*
 * notify_int.h - what the files of src/notify share: the settings read
 * from [notify], the template set, the struct notify itself, and the steps
 * of composing a mail (internal to src/notify).
 */
#ifndef VIGIL_NOTIFY_NOTIFY_INT_H
#define VIGIL_NOTIFY_NOTIFY_INT_H

#include <jansson.h>

#include "desk/desk.h"
#include "notify/compose.h"
#include "notify/notify.h"
#include "notify/smtp.h"
#include "notify/template.h"
#include "whois/whois.h"

#define NOTIFY_MAX_DEADLINES 64
#define NOTIFY_MAX_LIST 64
#define NOTIFY_MAX_MAIL (8u << 20) /* bytes of one rendered mail body */

enum notify_encrypt { ENCRYPT_AUTO, ENCRYPT_ALWAYS, ENCRYPT_NEVER };

struct notify_deadline {
	char kind[24];     /* "" any */
	char severity[8];  /* "" any */
	int64_t ms;
};

struct notify_conf {
	struct smtp_conf smtp;
	bool can_send;
	char smtp_url[512], helo[128], user[128], password[256], cafile[512];
	char from[256], from_addr[256], reply_to[256], team[128];
	char templates[1024];
	const char *states[NOTIFY_MAX_LIST];
	size_t nstates;
	char states_buf[256];
	const char *kinds[NOTIFY_MAX_LIST];
	size_t nkinds;
	char kinds_buf[512];
	bool outside;
	int64_t outside_batch_ms, batch_ms;
	char gnupghome[1024], sign_key[256];
	bool sign;
	enum notify_encrypt encrypt;
	int64_t retry_ms, retry_max_ms, give_up_ms, interval_ms;
	size_t max_events, flow_lines;
	struct notify_deadline deadlines[NOTIFY_MAX_DEADLINES];
	size_t ndeadlines;
	struct {
		char kind[24], level[8];
	} severity[NOTIFY_MAX_LIST];
	size_t nseverity;
	char escalate[256];
	char csv[NOTIFY_MAX_LIST][256];
	size_t ncsv;
};

/* Read [notify] (cf may be NULL); a bad value is an error naming the key. */
int notify_conf_read(const struct conf *cf, struct notify_conf *c, char *err, size_t errlen);
/* The reply deadline for kind at severity. */
int64_t notify_deadline(const struct notify_conf *c, const char *kind, const char *severity);
/* "high", "medium" or "low" for kind. */
const char *notify_severity(const struct notify_conf *c, const char *kind);
/* Whether incidents of kind are told. */
bool notify_kind_told(const struct notify_conf *c, const char *kind);
/* Whether the outside contact wants the CSV attached. */
bool notify_wants_csv(const struct notify_conf *c, const char *addr);

/* The template set: compiled lazily by (language, name), checked once. */
struct tmplset;
int tmplset_open(const char *dir, struct tmplset **out, char *err, size_t errlen);
void tmplset_free(struct tmplset *s);
/* The template for name in lang with the fallbacks LANG/NAME, LANG/notice
 * (single-incident names only), en/NAME, en/notice; NULL with err set. */
const struct tmpl *tmplset_get(struct tmplset *s, const char *lang, const char *name,
			       char *err, size_t errlen);
/* Compile every template under dir and check its names; every problem is
 * written to out as FILE:LINE: reason. Returns the number of problems. */
int tmplset_check(struct tmplset *s, FILE *out);

/* Who is told about an address. */
struct notify_who {
	bool ours;
	char key[600];          /* batch group: "site:ID" or "contact:ADDR" */
	char site[128], site_name[256];
	char to[512];           /* comma-separated bare addresses */
	char escalate[512];
	char language[16], format[16];
	char pgp[128];
	int64_t batch_ms;       /* 0: now */
	uint32_t asn[WHOIS_MAX_AS];
	unsigned nasn;
	char as_name[128], netname[128], country[8];
};

/* 0 and *w filled, or VIGIL_ENOTFOUND (nobody to tell). */
int notify_who(const struct notify *n, const char *host, struct notify_who *w);
/* The site's part of the template data (a new object). */
json_t *notify_who_json(const struct notify_who *w);

struct notify {
	struct notify_conf c;
	struct desk *d;
	const struct whois_db *w;
	char store_dir[1024];
	struct tmplset *ts;
	struct pgp *pgp;
	bool pgp_tried;
	uint64_t seq; /* Message-Id counter */
};

/* The template data of one incident (a new object with incident, events,
 * flows, more_events) telling events (after, upto]. */
json_t *notify_incident_data(struct notify *n, const struct desk_incident *inc, int64_t after,
			     int64_t upto, bool with_flows);
/* The stored flow lines of incident inc's first events into data (flows,
 * flows_header). */
void notify_flow_lines(struct notify *n, const struct desk_incident *inc, json_t *events,
		       json_t *data);
/* The CSV of a digest's incidents (one line an event; caller frees). */
char *notify_csv(json_t *incidents, size_t *len);

/* A composed mail ready to queue. */
struct notify_mail {
	struct desk_mail m;
	char *raw;
	size_t len;
};

/* Render template name for lang with data, compose the mail to w (to
 * overrides w->to when non-NULL), with attachment att (may be NULL), and fill
 * out (free out->raw). kind is the outbox kind; incidents the ids told. */
int notify_compose(struct notify *n, const char *name, const struct notify_who *w,
		   const char *to, json_t *data, const char *kind, const char *incidents,
		   const struct mail_attach *att, const char *in_reply_to, int64_t now,
		   struct notify_mail *out, char *err, size_t errlen);
/* Common template data: team, now, recipient, deadline. */
void notify_data_common(struct notify *n, json_t *data, const struct notify_who *w,
			int64_t now, int64_t deadline_ms);

#endif
