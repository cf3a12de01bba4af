/*
 * cmd_advisory.c - `vigil advisory`: advisories to the constituency. `new`
 * keeps the text and how its recipients are chosen (every site, or the
 * sites a flow filter over the store concerns); `preview` shows one site's
 * mail; `send` queues one mail a site, listing its hosts (a site never gets
 * the same advisory twice); `list` and `show` say who got what.
 */
#include "cli/commands.h"
#include "cli/notify_open.h"
#include "desk/desk.h"
#include "notify/notify.h"
#include "util/conf.h"
#include "util/err.h"
#include "util/vtime.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ADVISORY (1u << 20)

static const char USAGE[] =
	"usage: vigil advisory COMMAND [-c CONFIG] [--desk URL] [--actor NAME] [-R STOREDIR] ...\n"
	"  new --title TEXT (--all | --filter 'FILTER' [-t RANGE] [--side src|dst|any]) FILE.md|-\n"
	"  list\n"
	"  show ID                       the text, how recipients are chosen, who got it\n"
	"  preview ID [--site SITE]      the mail one site would get\n"
	"  send ID                       queue it to every chosen site that has not had it\n";

static char *read_text(const char *path)
{
	FILE *fp = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char *s;
	size_t n;

	if (!fp)
		return NULL;
	if (!(s = malloc(MAX_ADVISORY + 1))) {
		if (fp != stdin)
			fclose(fp);
		return NULL;
	}
	n = fread(s, 1, MAX_ADVISORY, fp);
	s[n] = 0;
	if (fp != stdin)
		fclose(fp);
	return s;
}

/* The selector as the record keeps it (JSON text, caller frees). */
static char *selector_json(const struct notify_selector *sel)
{
	json_t *o = sel->all ? json_pack("{s:b}", "all", 1)
			     : json_pack("{s:s, s:I, s:I, s:s}", "filter", sel->filter, "from",
					 (json_int_t)sel->from_ms, "to", (json_int_t)sel->to_ms, "side",
					 sel->side ? sel->side : "src");
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	return s;
}

/* Back from the record; *keep holds the strings (json_decref it after). */
static int selector_parse(const char *text, struct notify_selector *sel, json_t **keep)
{
	json_t *o = json_loads(text, 0, NULL);

	memset(sel, 0, sizeof(*sel));
	*keep = o;
	if (!o)
		return VIGIL_EFORMAT;
	sel->all = json_is_true(json_object_get(o, "all"));
	sel->filter = json_string_value(json_object_get(o, "filter"));
	sel->from_ms = json_integer_value(json_object_get(o, "from"));
	sel->to_ms = json_integer_value(json_object_get(o, "to"));
	sel->side = json_string_value(json_object_get(o, "side"));
	if (!sel->all && !sel->filter)
		return VIGIL_EFORMAT;
	return 0;
}

static const char *describe(const struct notify_selector *sel, char *buf, size_t n)
{
	char t1[VTIME_STRLEN], t2[VTIME_STRLEN];

	if (sel->all)
		snprintf(buf, n, "every site");
	else
		snprintf(buf, n, "sites with %s hosts of flows '%s' from %s to %s",
			 sel->side ? sel->side : "src", sel->filter,
			 sel->from_ms == INT64_MIN ? "the start" : vtime_format_s(sel->from_ms, t1),
			 sel->to_ms == INT64_MAX ? "now" : vtime_format_s(sel->to_ms, t2));
	return buf;
}

static int print_adv(void *ctx, const struct desk_advisory *a)
{
	char t[VTIME_STRLEN];

	(void)ctx;
	printf("%5lld  %-20s  %-20s  %4lld  %s\n", (long long)a->id, vtime_format_s(a->created, t),
	       a->sent_at ? "sent" : "not sent", (long long)a->recipients, a->title);
	return 0;
}

static int print_rcpt(void *ctx, const char *site, const char *to, const char *hosts,
		      const char *msgid)
{
	(void)ctx;
	printf("  %-20s %-36s %s%s%s\n", site, to, msgid, hosts && *hosts ? "\n      hosts: " : "",
	       hosts ? hosts : "");
	return 0;
}

static int print_site(void *ctx, const char *site, const char *to, const char *hosts)
{
	int *n = ctx;

	(*n)++;
	printf("  %-20s %-36s %s\n", site, to, hosts && *hosts ? hosts : "-");
	return 0;
}

int cmd_advisory(int argc, char **argv)
{
	struct cli_notify_opts o = { 0 };
	struct cli_notify c;
	struct notify_selector sel = { .from_ms = INT64_MIN, .to_ms = INT64_MAX };
	const char *cmd = argc > 1 ? argv[1] : NULL, *pos = NULL, *title = NULL, *range = NULL,
		   *site = NULL;
	char err[1024] = "", desc[1024];
	int status = 0, rc;
	long long id = 0;

	if (!cmd || !strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
		fputs(USAGE, cmd ? stdout : stderr);
		return cmd ? 0 : 2;
	}
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		const char **slot = !strcmp(a, "-c") ? &o.config : !strcmp(a, "--desk") ? &o.desk :
				    !strcmp(a, "--actor") ? &o.actor : !strcmp(a, "-R") ? &o.store :
				    !strcmp(a, "--title") ? &title : !strcmp(a, "--filter") ? &sel.filter :
				    !strcmp(a, "-t") ? &range : !strcmp(a, "--side") ? &sel.side :
				    !strcmp(a, "--site") ? &site : NULL;

		if (slot) {
			if (i + 1 >= argc) {
				fprintf(stderr, "vigil advisory: %s needs a value\n", a);
				return 2;
			}
			*slot = argv[++i];
		} else if (!strcmp(a, "--all")) {
			sel.all = true;
		} else if ((a[0] != '-' || !strcmp(a, "-")) && !pos) {
			pos = a;
		} else {
			fprintf(stderr, "vigil advisory: unexpected %s\n%s", a, USAGE);
			return 2;
		}
	}
	if (strcmp(cmd, "new") && strcmp(cmd, "list") && strcmp(cmd, "show") &&
	    strcmp(cmd, "preview") && strcmp(cmd, "send")) {
		fprintf(stderr, "vigil advisory: unknown command %s\n%s", cmd, USAGE);
		return 2;
	}
	if (!strcmp(cmd, "new")) {
		if (!title || !pos || (sel.all == (sel.filter != NULL))) {
			fprintf(stderr, "vigil advisory new: give --title, the text, and either --all"
					" or --filter\n%s", USAGE);
			return 2;
		}
		if (sel.side && strcmp(sel.side, "src") && strcmp(sel.side, "dst") &&
		    strcmp(sel.side, "any")) {
			fprintf(stderr, "vigil advisory new: --side takes src, dst or any\n");
			return 2;
		}
		if (range && vtime_parse_range(range, &sel.from_ms, &sel.to_ms)) {
			fprintf(stderr, "vigil advisory new: -t %s is not a time range\n", range);
			return 2;
		}
	} else if (strcmp(cmd, "list")) {
		char *end;

		errno = 0;
		id = pos ? strtoll(pos, &end, 10) : 0;
		if (!pos || *end || id <= 0 || errno) {
			fprintf(stderr, "vigil advisory %s: which advisory (an id)?\n", cmd);
			return 2;
		}
	}
	if (cli_notify_open("vigil advisory", &o, &c))
		return 1;
	if (!strcmp(cmd, "new")) {
		char *text = read_text(pos), *js = selector_json(&sel);
		int64_t nid;
		int count = 0;

		if (!text) {
			fprintf(stderr, "vigil advisory new: %s: cannot read it\n", pos);
			status = 1;
		} else if ((rc = notify_advisory_sites(c.n, &sel, print_site, &count, err,
						       sizeof(err)))) {
			fprintf(stderr, "vigil advisory new: %s\n", err[0] ? err : vigil_strerror(rc));
			status = 1;
		} else if ((rc = desk_advisory_new(c.d, title, text, js, &nid))) {
			fprintf(stderr, "vigil advisory new: %s\n", vigil_strerror(rc));
			status = 1;
		} else {
			printf("advisory %lld: \"%s\" for %s: %d site%s now\n", (long long)nid, title,
			       describe(&sel, desc, sizeof(desc)), count, count == 1 ? "" : "s");
		}
		free(text);
		free(js);
	} else if (!strcmp(cmd, "list")) {
		printf("%5s  %-20s  %-20s  %4s  %s\n", "ID", "CREATED", "SENT", "TO", "TITLE");
		desk_advisory_list(c.d, print_adv, NULL);
	} else {
		struct desk_advisory a;
		struct notify_selector rs;
		json_t *keep = NULL;
		char *body = NULL;

		if ((rc = desk_advisory_get(c.d, id, &a, &body))) {
			fprintf(stderr, "vigil advisory %s: %lld: %s\n", cmd, id, vigil_strerror(rc));
			status = 1;
		} else if (selector_parse(a.selector, &rs, &keep)) {
			fprintf(stderr, "vigil advisory %s: %lld: unreadable selector %s\n", cmd, id,
				a.selector);
			status = 1;
		} else if (!strcmp(cmd, "show")) {
			char t[VTIME_STRLEN];

			printf("Advisory %lld: %s\n  by %s at %s, for %s\n  sent: %s\n\n%s\n", id,
			       a.title, a.actor, vtime_format_s(a.created, t),
			       describe(&rs, desc, sizeof(desc)), a.sent_at ? "yes" : "not yet", body);
			printf("Recipients (%lld):\n", (long long)a.recipients);
			desk_advisory_rcpts(c.d, id, print_rcpt, NULL);
		} else if (!strcmp(cmd, "preview")) {
			if ((rc = notify_advisory_preview(c.n, id, &rs, site, stdout, err, sizeof(err)))) {
				fprintf(stderr, "vigil advisory preview: %s\n", err[0] ? err : vigil_strerror(rc));
				status = 1;
			}
		} else {
			rc = notify_advisory_send(c.n, id, &rs, vtime_now_ms(), err, sizeof(err));
			if (rc < 0) {
				fprintf(stderr, "vigil advisory send: %s\n", err[0] ? err : vigil_strerror(rc));
				status = 1;
			} else {
				printf("advisory %lld: %d mail%s queued%s\n", id, rc, rc == 1 ? "" : "s",
				       rc ? "" : " (every chosen site has had it)");
				if (notify_can_send(c.n)) {
					struct notify_stats st = { 0 };

					notify_send(c.n, vtime_now_ms(), &st);
					cli_notify_print_stats(stdout, &st);
				}
			}
		}
		json_decref(keep);
		free(body);
	}
	cli_notify_close(&c);
	return status;
}
