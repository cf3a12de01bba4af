/*
 * cmd_notify.c - `vigil notify`: one cycle of telling sites (compose what is
 * due, remind and escalate, send), the preview of an incident's mail, the
 * template check, and the outbox (list, show, retry). Every subcommand
 * takes -c CONFIG, --desk URL and --actor NAME.
 */
#include "cli/commands.h"
#include "cli/notify_open.h"
#include "desk/desk.h"
#include "notify/notify.h"
#include "util/conf.h"
#include "util/err.h"
#include "util/vtime.h"
#include "whois/whois.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char USAGE[] =
	"usage: vigil notify COMMAND [-c CONFIG] [--desk URL] [--actor NAME] ...\n"
	"  run [--no-send | --send-only]   compose what is due, remind, escalate, send\n"
	"  preview ID                      the mail incident ID would get now\n"
	"  check                           compile every template and check its names\n"
	"  outbox [--state queued|sent|failed] [-n N] [-o json]\n"
	"  show ID|MESSAGE-ID              the mail as queued or sent\n"
	"  retry [ID]                      put failed mails back in the queue\n";

static void make_parent(const char *url)
{
	char path[1024], *s;

	if (strncmp(url, "sqlite:", 7))
		return;
	snprintf(path, sizeof(path), "%s", url + 7);
	if ((s = strrchr(path, '/'))) {
		*s = 0;
		mkdir(path, 0750);
	}
}

int cli_notify_open(const char *prog, const struct cli_notify_opts *o, struct cli_notify *out)
{
	char err[1024] = "";
	const char *url, *store;
	struct stat sb;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = conf_load(o->config, &out->cf, err, sizeof(err)))) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return 1;
	}
	url = o->desk ? o->desk : conf_get(out->cf, "desk", "url", DESK_DEFAULT_URL);
	make_parent(url);
	if ((rc = desk_open(url, &out->d, err, sizeof(err)))) {
		fprintf(stderr, "%s: %s\n", prog, err[0] ? err : vigil_strerror(rc));
		goto fail;
	}
	desk_set_actor(out->d, o->actor ? o->actor : conf_get(out->cf, "desk", "actor", NULL));
	if (cli_whois_open(out->cf, NULL, &out->w) < 0)
		goto fail;
	store = o->store ? o->store : conf_get(out->cf, "store", "dir", "./var/flows");
	if (stat(store, &sb) || !S_ISDIR(sb.st_mode))
		store = NULL;
	if ((rc = notify_open(out->cf, out->d, out->w, store, &out->n, err, sizeof(err)))) {
		fprintf(stderr, "%s: %s\n", prog, err[0] ? err : vigil_strerror(rc));
		goto fail;
	}
	return 0;
fail:
	cli_notify_close(out);
	return 1;
}

void cli_notify_close(struct cli_notify *c)
{
	notify_close(c->n);
	if (c->w)
		whois_free(c->w);
	if (c->d)
		desk_close(c->d);
	conf_free(c->cf);
	memset(c, 0, sizeof(*c));
}

void cli_notify_print_stats(FILE *out, const struct notify_stats *st)
{
	fprintf(out,
		"notify: %llu mails queued (%llu incidents told, %llu reminders, %llu escalations),"
		" %llu stalled, %llu waiting for their batch, %llu with nobody to tell; sent %llu,"
		" deferred %llu, failed %llu\n",
		(unsigned long long)st->queued, (unsigned long long)st->incidents,
		(unsigned long long)st->reminders, (unsigned long long)st->escalations,
		(unsigned long long)st->stalled, (unsigned long long)st->waiting,
		(unsigned long long)st->no_contact, (unsigned long long)st->sent,
		(unsigned long long)st->deferred, (unsigned long long)st->failed);
}

struct lopts {
	bool json;
	size_t n;
};

static int list_row(void *ctx, const struct desk_mail *m)
{
	const struct lopts *o = ctx;
	char t1[VTIME_STRLEN], t2[VTIME_STRLEN];

	if (o->json) {
		json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s}", "id",
				      (json_int_t)m->id, "message_id", m->message_id, "kind", m->kind,
				      "to", m->recipients, "subject", m->subject, "incidents",
				      m->incidents, "state", m->state, "created",
				      vtime_format_s(m->created, t1), "tries", (json_int_t)m->tries,
				      "error", m->last_error);
		char *s;

		if (j && m->sent_at)
			json_object_set_new(j, "sent", json_string(vtime_format_s(m->sent_at, t2)));
		s = j ? json_dumps(j, JSON_COMPACT) : NULL;
		if (s)
			printf("%s\n", s);
		free(s);
		json_decref(j);
		return 0;
	}
	printf("%6lld  %-7s %-10s %-20s %3lld  %-32.32s %s%s%s\n", (long long)m->id, m->state,
	       m->kind, vtime_format_s(m->sent_at ? m->sent_at : m->created, t1),
	       (long long)m->tries, m->recipients, m->subject, m->last_error[0] ? "  -- " : "",
	       m->last_error);
	return 0;
}

int cmd_notify(int argc, char **argv)
{
	struct cli_notify_opts o = { 0 };
	struct cli_notify c;
	const char *cmd = argc > 1 ? argv[1] : NULL, *pos = NULL, *state = NULL, *out = NULL;
	bool no_send = false, send_only = false;
	long long limit = 0;
	char err[1024] = "";
	int rc, status = 0;

	if (!cmd || !strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
		fputs(USAGE, cmd ? stdout : stderr);
		return cmd ? 0 : 2;
	}
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		const char **slot = !strcmp(a, "-c") ? &o.config : !strcmp(a, "--desk") ? &o.desk :
				    !strcmp(a, "--actor") ? &o.actor : !strcmp(a, "-R") ? &o.store :
				    !strcmp(a, "--state") ? &state : !strcmp(a, "-o") ? &out : NULL;

		if (slot) {
			if (i + 1 >= argc) {
				fprintf(stderr, "vigil notify: %s needs a value\n", a);
				return 2;
			}
			*slot = argv[++i];
		} else if (!strcmp(a, "-n") && i + 1 < argc) {
			char *end;

			limit = strtoll(argv[++i], &end, 10);
			if (*end || limit < 0) {
				fprintf(stderr, "vigil notify: -n takes a count\n");
				return 2;
			}
		} else if (!strcmp(a, "--no-send")) {
			no_send = true;
		} else if (!strcmp(a, "--send-only")) {
			send_only = true;
		} else if (a[0] != '-' && !pos) {
			pos = a;
		} else {
			fprintf(stderr, "vigil notify: unexpected %s\n%s", a, USAGE);
			return 2;
		}
	}
	if (out && strcmp(out, "json") && strcmp(out, "table")) {
		fprintf(stderr, "vigil notify: -o takes table or json\n");
		return 2;
	}
	if (strcmp(cmd, "run") && strcmp(cmd, "preview") && strcmp(cmd, "check") &&
	    strcmp(cmd, "outbox") && strcmp(cmd, "show") && strcmp(cmd, "retry")) {
		fprintf(stderr, "vigil notify: unknown command %s\n%s", cmd, USAGE);
		return 2;
	}
	if ((!strcmp(cmd, "preview") || !strcmp(cmd, "show")) && !pos) {
		fprintf(stderr, "vigil notify %s: which one?\n%s", cmd, USAGE);
		return 2;
	}
	if (cli_notify_open("vigil notify", &o, &c))
		return 1;
	if (!strcmp(cmd, "run")) {
		struct notify_stats st = { 0 };
		int64_t now = vtime_now_ms();

		if (send_only)
			rc = notify_send(c.n, now, &st);
		else if (no_send) {
			rc = notify_plan(c.n, now, &st);
			int r1 = notify_blocks(c.n, now, &st);
			int r2 = notify_followup(c.n, now, &st);

			rc = rc ? rc : r1 ? r1 : r2;
		} else
			rc = notify_cycle(c.n, now, &st);
		cli_notify_print_stats(stdout, &st);
		if (!notify_can_send(c.n) && !no_send)
			printf("notify: no [notify] smtp server configured: mails stay in the outbox\n");
		status = rc || st.failed ? 1 : 0;
	} else if (!strcmp(cmd, "preview")) {
		char *end;
		long long id = strtoll(pos, &end, 10);

		if (*end || id <= 0) {
			fprintf(stderr, "vigil notify preview: %s is not an incident id\n", pos);
			status = 2;
		} else if ((rc = notify_preview(c.n, id, vtime_now_ms(), stdout, err, sizeof(err)))) {
			fprintf(stderr, "vigil notify preview: %s\n", err[0] ? err : vigil_strerror(rc));
			status = 1;
		}
	} else if (!strcmp(cmd, "check")) {
		int problems = notify_check(c.n, stdout);

		if (problems)
			fprintf(stderr, "vigil notify check: %d problem%s\n", problems,
				problems == 1 ? "" : "s");
		else
			printf("templates: all good\n");
		status = problems ? 1 : 0;
	} else if (!strcmp(cmd, "outbox")) {
		struct lopts lo = { .json = out && !strcmp(out, "json") };

		if (!lo.json)
			printf("%6s  %-7s %-10s %-20s %3s  %-32s %s\n", "ID", "STATE", "KIND", "TIME",
			       "TRY", "TO", "SUBJECT");
		if ((rc = desk_outbox_list(c.d, state, (size_t)limit, list_row, &lo))) {
			fprintf(stderr, "vigil notify outbox: %s\n", vigil_strerror(rc));
			status = 1;
		}
	} else if (!strcmp(cmd, "show")) {
		struct desk_mail m;
		char *raw = NULL;
		size_t len = 0;

		if ((rc = desk_outbox_get(c.d, pos, &m, &raw, &len))) {
			fprintf(stderr, "vigil notify show: %s: %s\n", pos, vigil_strerror(rc));
			status = 1;
		} else {
			fwrite(raw, 1, len, stdout);
		}
		free(raw);
	} else {
		long long id = pos ? strtoll(pos, NULL, 10) : 0;

		if ((rc = desk_outbox_retry(c.d, id, vtime_now_ms())) < 0) {
			fprintf(stderr, "vigil notify retry: %s\n", vigil_strerror(rc));
			status = 1;
		} else {
			printf("notify: %d mail%s back in the queue\n", rc, rc == 1 ? "" : "s");
		}
	}
	cli_notify_close(&c);
	return status;
}
