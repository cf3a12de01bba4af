/*
 * send.c - emptying the outbox: each due mail goes to the SMTP server; the
 * server's 250 makes it sent (and correspondence on its incidents), a
 * temporary failure waits with doubling back-off, a refusal for good or a
 * mail older than give_up is marked failed (kept, `vigil notify retry`).
 * When the server cannot be reached the rest of the batch waits untouched:
 * nothing is lost, and vigil never sends a mail the server already took.
 */
#include "notify/notify_int.h"
#include "util/err.h"
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sctx {
	struct notify *n;
	int64_t now;
	struct notify_stats *st;
	bool server_down;
};

static int64_t backoff(const struct notify_conf *c, int64_t tries)
{
	int64_t ms = c->retry_ms;

	for (int64_t i = 0; i < tries && ms < c->retry_max_ms; i++)
		ms *= 2;
	return ms < c->retry_max_ms ? ms : c->retry_max_ms;
}

static int send_one(void *ctx, const struct desk_mail *m)
{
	struct sctx *s = ctx;
	struct notify *n = s->n;
	struct desk_mail cur;
	char ref[24], *raw = NULL, buf[1024], err[512];
	const char *rcpt[16];
	size_t len = 0;
	bool permanent = false;
	int k, rc;

	if (s->server_down)
		return 1;
	snprintf(ref, sizeof(ref), "%lld", (long long)m->id);
	if ((rc = desk_outbox_get(n->d, ref, &cur, &raw, &len)))
		return 0;
	if ((k = mail_addresses(cur.recipients, buf, sizeof(buf), rcpt, 16)) <= 0) {
		desk_outbox_failed(n->d, m->id, "no valid recipient address", 0, true);
		s->st->failed++;
		free(raw);
		return 0;
	}
	rc = smtp_send(&n->c.smtp, rcpt, (size_t)k, raw, len, &permanent, err, sizeof(err));
	free(raw);
	if (rc == 0) {
		if ((rc = desk_outbox_sent(n->d, m->id, s->now)))
			log_error("notify: mail %lld was sent but could not be marked: %s",
				  (long long)m->id, vigil_strerror(rc));
		s->st->sent++;
		return 0;
	}
	if (permanent || s->now - cur.created >= n->c.give_up_ms) {
		log_error("notify: mail %lld to %s failed for good: %s", (long long)m->id,
			  cur.recipients, err);
		desk_outbox_failed(n->d, m->id, err, 0, true);
		s->st->failed++;
		return 0;
	}
	log_warn("notify: mail %lld to %s deferred: %s", (long long)m->id, cur.recipients, err);
	desk_outbox_failed(n->d, m->id, err, s->now + backoff(&n->c, cur.tries), false);
	s->st->deferred++;
	/* a 4xx for one mail says nothing of the next; no answer at all does */
	if (!strstr(err, "the server refused: 4"))
		s->server_down = true;
	return 0;
}

int notify_send(struct notify *n, int64_t now, struct notify_stats *st)
{
	struct sctx s = { .n = n, .now = now, .st = st };

	if (!n->c.can_send)
		return 0;
	return desk_outbox_due(n->d, now, 0, send_one, &s);
}
