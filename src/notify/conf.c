/*
 * conf.c - the [notify] settings (vigil.conf(5)): the SMTP server and the
 * team's identity, which incidents are told and how they are batched,
 * signing and encryption, the outbox's back-off, and the reply deadlines
 * and severities of the follow-up. Every key has a default.
 */
#include "notify/notify_int.h"
#include "util/conf.h"
#include "util/err.h"
#include "util/vtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
	const char *kind, *level;
} default_severity[] = {
	{ "cc", "high" },	  { "dos", "high" },	   { "blocklist", "medium" },
	{ "scan", "medium" },	  { "portscan", "medium" }, { "amplifier", "medium" },
	{ "copyright", "medium" }, { "report", "low" },
};

/* Split a space/comma list of s into buf, pointers into v. */
static size_t split_list(const char *s, char *buf, size_t n, const char **v, size_t max)
{
	size_t k = 0;
	char *save = NULL, *tok;

	snprintf(buf, n, "%s", s ? s : "");
	for (tok = strtok_r(buf, " ,\t", &save); tok && k < max; tok = strtok_r(NULL, " ,\t", &save))
		v[k++] = tok;
	return k;
}

struct each_ctx {
	struct notify_conf *c;
	char *err;
	size_t errlen;
};

static int dur(const char *s, int64_t *ms)
{
	return !strcasecmp(s, "now") ? (*ms = 0, 0) : vtime_parse_duration(s, ms);
}

static int add_deadline(void *ctx, const char *value)
{
	struct each_ctx *e = ctx;
	struct notify_deadline *dl;
	char a[64] = "", b[64] = "";
	char *slash;
	int k = sscanf(value, "%63s %63s", a, b);

	if (e->c->ndeadlines == NOTIFY_MAX_DEADLINES) {
		snprintf(e->err, e->errlen, "[notify] deadline: more than %d", NOTIFY_MAX_DEADLINES);
		return VIGIL_ELIMIT;
	}
	dl = &e->c->deadlines[e->c->ndeadlines];
	memset(dl, 0, sizeof(*dl));
	if (k == 1) {
		if (vtime_parse_duration(a, &dl->ms) || dl->ms <= 0)
			goto bad;
	} else if (k == 2) {
		if (vtime_parse_duration(b, &dl->ms) || dl->ms <= 0)
			goto bad;
		if ((slash = strchr(a, '/'))) {
			*slash = 0;
			snprintf(dl->severity, sizeof(dl->severity), "%.7s", slash + 1);
		}
		snprintf(dl->kind, sizeof(dl->kind), "%.23s", a);
	} else {
		goto bad;
	}
	e->c->ndeadlines++;
	return 0;
bad:
	snprintf(e->err, e->errlen,
		 "[notify] deadline = %s: give DURATION, KIND DURATION or KIND/SEVERITY DURATION",
		 value);
	return VIGIL_EINVAL;
}

static int add_severity(void *ctx, const char *value)
{
	struct each_ctx *e = ctx;
	char a[64] = "", b[64] = "";

	if (sscanf(value, "%63s %63s", a, b) != 2 ||
	    (strcmp(b, "high") && strcmp(b, "medium") && strcmp(b, "low"))) {
		snprintf(e->err, e->errlen, "[notify] severity = %s: give KIND high|medium|low", value);
		return VIGIL_EINVAL;
	}
	if (e->c->nseverity == NOTIFY_MAX_LIST)
		return VIGIL_ELIMIT;
	snprintf(e->c->severity[e->c->nseverity].kind, 24, "%.23s", a);
	snprintf(e->c->severity[e->c->nseverity].level, 8, "%.7s", b);
	e->c->nseverity++;
	return 0;
}

static int add_csv(void *ctx, const char *value)
{
	struct each_ctx *e = ctx;

	if (e->c->ncsv == NOTIFY_MAX_LIST)
		return VIGIL_ELIMIT;
	snprintf(e->c->csv[e->c->ncsv++], 256, "%s", value);
	return 0;
}

static int get_dur(const struct conf *cf, const char *key, const char *def, int64_t *ms, char *err,
		   size_t errlen)
{
	const char *s = conf_get(cf, "notify", key, def);

	if (dur(s, ms)) {
		snprintf(err, errlen, "[notify] %s = %s: not a duration (30s, 5m, 1h, 1d)", key, s);
		return VIGIL_EINVAL;
	}
	return 0;
}

int notify_conf_read(const struct conf *cf, struct notify_conf *c, char *err, size_t errlen)
{
	struct each_ctx e = { .c = c, .err = err, .errlen = errlen };
	const char *s, *lt, *gt;
	int64_t timeout;
	int rc;

	memset(c, 0, sizeof(*c));
	snprintf(c->smtp_url, sizeof(c->smtp_url), "%s", conf_get(cf, "notify", "smtp", ""));
	c->can_send = c->smtp_url[0] != 0;
	snprintf(c->helo, sizeof(c->helo), "%s", conf_get(cf, "notify", "helo", ""));
	snprintf(c->user, sizeof(c->user), "%s", conf_get(cf, "notify", "user", ""));
	snprintf(c->password, sizeof(c->password), "%s", conf_get(cf, "notify", "password", ""));
	snprintf(c->cafile, sizeof(c->cafile), "%s", conf_get(cf, "notify", "cafile", ""));
	snprintf(c->from, sizeof(c->from), "%s",
		 conf_get(cf, "notify", "from", "vigil CSIRT <csirt@localhost>"));
	/* the envelope sender: the address inside <>, or the whole value */
	s = c->from;
	if ((lt = strchr(s, '<')) && (gt = strchr(lt, '>')))
		snprintf(c->from_addr, sizeof(c->from_addr), "%.*s", (int)(gt - lt - 1), lt + 1);
	else
		snprintf(c->from_addr, sizeof(c->from_addr), "%s", s);
	if (!strchr(c->from_addr, '@')) {
		snprintf(err, errlen, "[notify] from = %s: no mail address in it", c->from);
		return VIGIL_EINVAL;
	}
	snprintf(c->reply_to, sizeof(c->reply_to), "%s", conf_get(cf, "notify", "reply_to", ""));
	snprintf(c->team, sizeof(c->team), "%s", conf_get(cf, "notify", "team", "CSIRT"));
	snprintf(c->templates, sizeof(c->templates), "%s", conf_get(cf, "notify", "templates", ""));
	c->nstates = split_list(conf_get(cf, "notify", "states", "new open"), c->states_buf,
				sizeof(c->states_buf), c->states, 8);
	if (!c->nstates) {
		snprintf(err, errlen, "[notify] states: name at least one state");
		return VIGIL_EINVAL;
	}
	c->nkinds = split_list(conf_get(cf, "notify", "kinds", ""), c->kinds_buf, sizeof(c->kinds_buf),
			       c->kinds, NOTIFY_MAX_LIST);
	c->outside = conf_get_bool(cf, "notify", "outside", true);
	if ((rc = get_dur(cf, "outside_batch", "1d", &c->outside_batch_ms, err, errlen)) ||
	    (rc = get_dur(cf, "batch", "now", &c->batch_ms, err, errlen)) ||
	    (rc = get_dur(cf, "retry", "1m", &c->retry_ms, err, errlen)) ||
	    (rc = get_dur(cf, "retry_max", "1h", &c->retry_max_ms, err, errlen)) ||
	    (rc = get_dur(cf, "give_up", "2d", &c->give_up_ms, err, errlen)) ||
	    (rc = get_dur(cf, "interval", "1m", &c->interval_ms, err, errlen)) ||
	    (rc = get_dur(cf, "timeout", "30s", &timeout, err, errlen)))
		return rc;
	if (c->retry_ms <= 0)
		c->retry_ms = 1000;
	if (c->retry_max_ms < c->retry_ms)
		c->retry_max_ms = c->retry_ms;
	snprintf(c->gnupghome, sizeof(c->gnupghome), "%s", conf_get(cf, "notify", "gnupghome", ""));
	snprintf(c->sign_key, sizeof(c->sign_key), "%s", conf_get(cf, "notify", "sign_key", ""));
	c->sign = conf_get_bool(cf, "notify", "sign", false);
	s = conf_get(cf, "notify", "encrypt", "auto");
	if (!strcmp(s, "auto"))
		c->encrypt = ENCRYPT_AUTO;
	else if (!strcmp(s, "always"))
		c->encrypt = ENCRYPT_ALWAYS;
	else if (!strcmp(s, "never"))
		c->encrypt = ENCRYPT_NEVER;
	else {
		snprintf(err, errlen, "[notify] encrypt = %s: give auto, always or never", s);
		return VIGIL_EINVAL;
	}
	c->max_events = (size_t)conf_get_int(cf, "notify", "max_events", 50);
	c->flow_lines = (size_t)conf_get_int(cf, "notify", "flow_lines", 10);
	if (!c->max_events || c->max_events > 100000)
		c->max_events = 50;
	if (c->flow_lines > 1000)
		c->flow_lines = 1000;
	if ((rc = conf_each(cf, "notify", "deadline", add_deadline, &e)) ||
	    (rc = conf_each(cf, "notify", "severity", add_severity, &e)) ||
	    (rc = conf_each(cf, "notify", "csv", add_csv, &e)))
		return rc;
	snprintf(c->escalate, sizeof(c->escalate), "%s", conf_get(cf, "notify", "escalate", ""));

	c->smtp.url = c->smtp_url;
	c->smtp.helo = c->helo[0] ? c->helo : NULL;
	c->smtp.user = c->user[0] ? c->user : NULL;
	c->smtp.password = c->password;
	c->smtp.cafile = c->cafile[0] ? c->cafile : NULL;
	c->smtp.insecure = conf_get_bool(cf, "notify", "insecure", false);
	c->smtp.timeout_ms = (long)timeout;
	c->smtp.from = c->from_addr;
	s = conf_get(cf, "notify", "tls", "try");
	if (!strcmp(s, "none"))
		c->smtp.tls = SMTP_TLS_NONE;
	else if (!strcmp(s, "try"))
		c->smtp.tls = SMTP_TLS_TRY;
	else if (!strcmp(s, "require"))
		c->smtp.tls = SMTP_TLS_REQUIRE;
	else {
		snprintf(err, errlen, "[notify] tls = %s: give none, try or require", s);
		return VIGIL_EINVAL;
	}
	return 0;
}

const char *notify_severity(const struct notify_conf *c, const char *kind)
{
	for (size_t i = c->nseverity; i-- > 0;)
		if (!strcmp(c->severity[i].kind, kind))
			return c->severity[i].level;
	for (size_t i = 0; i < sizeof(default_severity) / sizeof(default_severity[0]); i++)
		if (!strcmp(default_severity[i].kind, kind))
			return default_severity[i].level;
	return "medium";
}

int64_t notify_deadline(const struct notify_conf *c, const char *kind, const char *severity)
{
	int best = -1;
	int64_t ms = 3LL * 24 * 3600 * 1000;

	/* the most specific match wins; of equals, the last written */
	for (size_t i = 0; i < c->ndeadlines; i++) {
		const struct notify_deadline *dl = &c->deadlines[i];
		int score;

		if (dl->kind[0] && strcmp(dl->kind, kind))
			continue;
		if (dl->severity[0] && strcmp(dl->severity, severity))
			continue;
		score = (dl->kind[0] ? 2 : 0) + (dl->severity[0] ? 1 : 0);
		if (score >= best) {
			best = score;
			ms = dl->ms;
		}
	}
	return ms;
}

bool notify_kind_told(const struct notify_conf *c, const char *kind)
{
	if (!c->nkinds)
		return true;
	for (size_t i = 0; i < c->nkinds; i++)
		if (!strcmp(c->kinds[i], kind))
			return true;
	return false;
}

bool notify_wants_csv(const struct notify_conf *c, const char *addr)
{
	for (size_t i = 0; i < c->ncsv; i++)
		if (!strcasecmp(c->csv[i], addr))
			return true;
	return false;
}
