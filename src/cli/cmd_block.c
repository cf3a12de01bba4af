/*
 * cmd_block.c - `vigil block`: border blocks tied to incidents. add (after
 * the [block] safety policy), list, show (with the flows that hit it),
 * activate, remove, extend, render (the whole active set for a router),
 * changes (the numbered change sequence as a renderer's delta lines),
 * push ([block] command), expire and check (is it working, against the
 * flow store). Every subcommand takes --desk URL, -c CONFIG, --actor NAME.
 */
#include "block/block.h"
#include "cli/commands.h"
#include "desk/desk.h"
#include "util/conf.h"
#include "util/err.h"
#include "util/vtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct opts {
	const char *desk, *config, *actor, *output, *state, *incident, *until, *reason, *format;
	const char *store, *after;
	bool pending;
	int64_t limit;
	const char *pos[4];
	size_t npos;
};

static const char USAGE[] =
	"usage: vigil block COMMAND [--desk URL] [-c CONFIG] [--actor NAME] ...\n"
	"  add ADDR[/LEN] --incident N [--until TIME|DURATION|never] --reason TEXT [--pending]\n"
	"  list [--state pending|active|removed|expired|live] [--incident N] [-o table|json]\n"
	"  show ID [-R STORE] [-n LINES] [-o table|json]   (with the flows that hit it)\n"
	"  activate ID [--reason TEXT]     (a pending block goes live)\n"
	"  remove ID --reason TEXT\n"
	"  extend ID --until TIME|DURATION|never [--reason TEXT]\n"
	"  render --format cisco|juniper|exabgp|flowspec   (the active set, for a config push)\n"
	"  changes [--after SEQ] [--format F]   (the change sequence as add/remove lines)\n"
	"  push                            (feed [block] command the changes it has not had)\n"
	"  expire                          (end the blocks whose end has come)\n"
	"  check [-R STORE]                (flows from blocked prefixes after activation)\n";

static int usage_err(const char *msg)
{
	if (msg)
		fprintf(stderr, "vigil block: %s\n", msg);
	fputs(USAGE, stderr);
	return 2;
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct {
		const char *name;
		size_t off;
	} valopts[] = {
		{ "--desk", offsetof(struct opts, desk) },	   { "-c", offsetof(struct opts, config) },
		{ "--actor", offsetof(struct opts, actor) },	   { "-o", offsetof(struct opts, output) },
		{ "--state", offsetof(struct opts, state) },	   { "--incident", offsetof(struct opts, incident) },
		{ "--until", offsetof(struct opts, until) },	   { "--reason", offsetof(struct opts, reason) },
		{ "--format", offsetof(struct opts, format) },   { "-R", offsetof(struct opts, store) },
		{ "--after", offsetof(struct opts, after) },
	};

	memset(o, 0, sizeof(*o));
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		bool done = false;

		if (a[0] != '-') {
			if (o->npos == 4)
				return usage_err("too many arguments");
			o->pos[o->npos++] = a;
			continue;
		}
		if (!strcmp(a, "--pending")) {
			o->pending = true;
			continue;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "vigil block: %s needs a value\n", a);
			return 2;
		}
		if (!strcmp(a, "-n")) {
			char *end;

			o->limit = strtoll(argv[++i], &end, 10);
			if (*end || o->limit < 0)
				return usage_err("-n takes a count");
			continue;
		}
		for (size_t k = 0; k < sizeof(valopts) / sizeof(valopts[0]); k++)
			if (!strcmp(a, valopts[k].name)) {
				*(const char **)((char *)o + valopts[k].off) = argv[++i];
				done = true;
				break;
			}
		if (!done) {
			fprintf(stderr, "vigil block: unknown option %s\n", a);
			return 2;
		}
	}
	return 0;
}

static int parse_id(const char *s, int64_t *id)
{
	char *end;
	long long v;

	if (!s)
		return -1;
	v = strtoll(s, &end, 10);
	if (*end || v <= 0)
		return -1;
	*id = v;
	return 0;
}

/* --until: an RFC 3339 time, a duration from now ("7d"), or "never" (0). */
static int parse_until(const char *s, int64_t now, int64_t *until)
{
	int64_t ms;

	if (!strcmp(s, "never") || !strcmp(s, "0")) {
		*until = 0;
		return 0;
	}
	if (!vtime_parse_duration(s, &ms) && ms > 0) {
		*until = now + ms;
		return 0;
	}
	return vtime_parse(s, until) ? -1 : 0;
}

struct env {
	struct conf *cf;
	struct desk *d;
	struct block_ctx *b;
};

static int open_env(const struct opts *o, bool need_store, struct env *e)
{
	char err[512] = "";
	const char *url, *store;
	struct stat sb;
	int rc;

	memset(e, 0, sizeof(*e));
	if ((rc = conf_load(o->config, &e->cf, err, sizeof(err)))) {
		fprintf(stderr, "vigil block: %s\n", err);
		return 2;
	}
	url = o->desk ? o->desk : conf_get(e->cf, "desk", "url", DESK_DEFAULT_URL);
	if ((rc = desk_open(url, &e->d, err, sizeof(err)))) {
		fprintf(stderr, "vigil block: %s\n", err[0] ? err : vigil_strerror(rc));
		return 1;
	}
	desk_set_actor(e->d, o->actor ? o->actor : conf_get(e->cf, "desk", "actor", NULL));
	store = o->store ? o->store : conf_get(e->cf, "store", "dir", "./var/flows");
	if (stat(store, &sb) || !S_ISDIR(sb.st_mode)) {
		if (need_store || o->store) {
			fprintf(stderr, "vigil block: %s is not a flow store directory (-R, [store] dir)\n",
				store);
			return 1;
		}
		store = NULL;
	}
	if ((rc = block_open(e->cf, e->d, store, &e->b, err, sizeof(err)))) {
		fprintf(stderr, "vigil block: %s\n", err);
		return 1;
	}
	return 0;
}

static void close_env(struct env *e)
{
	block_close(e->b);
	desk_close(e->d);
	conf_free(e->cf);
}

/* The change is in the desk whatever the push does: a failed push is
 * repeated by `vigil block push` and by every cycle of `vigil run`. */
static void push_after(struct env *e)
{
	if (block_push(e->b, NULL) < 0)
		fprintf(stderr, "vigil block: [block] command failed: the change is recorded and"
			" `vigil block push` (or the next vigil run cycle) repeats it\n");
}

static bool json_out(const struct opts *o)
{
	return o->output && !strcmp(o->output, "json");
}

static void print_row(const struct desk_block *b)
{
	char t1[VTIME_STRLEN], t2[VTIME_STRLEN];

	printf("%6lld  %-8s %-22s #%-6lld %-20s %-20s %s\n", (long long)b->id, b->state, b->prefix,
	       (long long)b->incident_id, vtime_format_s(b->activated ? b->activated : b->created, t1),
	       b->ended ? vtime_format_s(b->ended, t2) : b->until ? vtime_format_s(b->until, t2) : "-",
	       b->reason);
}

static int list_one(void *ctx, const struct desk_block *b)
{
	const struct opts *o = ctx;

	if (json_out(o)) {
		json_t *j = desk_block_json(b);
		char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;

		printf("%s\n", s ? s : "{}");
		free(s);
		json_decref(j);
	} else {
		print_row(b);
	}
	return 0;
}

static int do_add(struct env *e, const struct opts *o)
{
	int64_t inc, until, id, now = vtime_now_ms();
	char err[512] = "";
	int rc;

	if (o->npos != 1 || !o->incident || parse_id(o->incident, &inc))
		return usage_err("add ADDR[/LEN] --incident N --until TIME|DURATION --reason TEXT");
	if (!o->reason || !*o->reason)
		return usage_err("add needs --reason: it is told to the site and kept in the audit log");
	if (!o->until)
		until = block_default_until(e->b, now);
	else if (parse_until(o->until, now, &until))
		return usage_err("--until takes an RFC 3339 time, a duration (7d, 12h) or never");
	rc = block_add(e->b, inc, o->pos[0], o->reason, until, o->pending, &id, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "vigil block add: %s\n", err);
		return 1;
	}
	printf("%lld\n", (long long)id);
	push_after(e);
	return 0;
}

static int do_list(struct env *e, const struct opts *o)
{
	struct desk_block_filter f = { .state = o->state };

	if (o->incident && parse_id(o->incident, &f.incident_id))
		return usage_err("--incident takes an incident number");
	if (!json_out(o))
		printf("%6s  %-8s %-22s %-7s %-20s %-20s %s\n", "id", "state", "prefix", "inc",
		       "since", "until/ended", "reason");
	return desk_block_list(e->d, &f, list_one, (void *)o) ? 1 : 0;
}

static int do_show(struct env *e, const struct opts *o)
{
	struct desk_block b;
	char cmd[1024], t[VTIME_STRLEN];
	int64_t id;
	json_t *j;

	if (o->npos != 1 || parse_id(o->pos[0], &id))
		return usage_err("show ID");
	if (desk_block_get(e->d, id, &b)) {
		fprintf(stderr, "vigil block show: no block %lld\n", (long long)id);
		return 1;
	}
	if (json_out(o)) {
		char *text = NULL, *s;
		size_t len = 0;
		FILE *mem = open_memstream(&text, &len);

		j = desk_block_json(&b);
		if (mem) {
			block_flows(e->b, &b, o->limit ? (size_t)o->limit : 20, mem, cmd, sizeof(cmd));
			fclose(mem);
			json_object_set_new(j, "flows", json_string(text ? text : ""));
			json_object_set_new(j, "flows_query", json_string(cmd));
		}
		free(text);
		s = json_dumps(j, JSON_COMPACT);
		printf("%s\n", s ? s : "{}");
		free(s);
		json_decref(j);
		return 0;
	}
	printf("Block %lld: %s %s (incident #%lld)\n", (long long)b.id, b.prefix, b.state,
	       (long long)b.incident_id);
	printf("  reason:     %s\n  added by:   %s at %s\n", b.reason, b.actor,
	       vtime_format_s(b.created, t));
	if (b.activated)
		printf("  active:     since %s\n", vtime_format_s(b.activated, t));
	printf("  until:      %s\n", b.until ? vtime_format_s(b.until, t) : "removed by hand");
	if (b.ended)
		printf("  ended:      %s by %s: %s\n", vtime_format_s(b.ended, t), b.removed_by,
		       b.removed_why);
	printf("  told site:  %s", b.told_add ? vtime_format_s(b.told_add, t) : "not yet");
	if (b.ended)
		printf("; of its end: %s", b.told_remove ? vtime_format_s(b.told_remove, t) : "not yet");
	printf("\n  change:     %lld\n", (long long)b.seq);
	if (b.checked_to) {
		printf("  checked to: %s: %lld flows, %lld packets, %lld bytes from it after activation\n",
		       vtime_format_s(b.checked_to, t), (long long)b.leak_flows,
		       (long long)b.leak_packets, (long long)b.leak_bytes);
	}
	if (!b.activated)
		return 0;
	printf("\nFlows that hit it (after activation and [block] check_grace):\n");
	fflush(stdout);
	if (block_flows(e->b, &b, o->limit ? (size_t)o->limit : 20, stdout, cmd, sizeof(cmd)) < 0)
		return 1;
	if (cmd[0])
		printf("\nAll of them: %s\n", cmd);
	return 0;
}

static int do_state(struct env *e, const struct opts *o, const char *to)
{
	char err[512] = "";
	int64_t id;

	if (o->npos != 1 || parse_id(o->pos[0], &id))
		return usage_err("activate|remove ID [--reason TEXT]");
	if (!strcmp(to, "removed") && (!o->reason || !*o->reason))
		return usage_err("remove needs --reason (the site's answer, a ticket ...)");
	if (desk_block_set_state(e->d, id, to, o->reason, err, sizeof(err))) {
		fprintf(stderr, "vigil block: %s\n", err);
		return 1;
	}
	push_after(e);
	return 0;
}

static int do_extend(struct env *e, const struct opts *o)
{
	char err[512] = "";
	int64_t id, until, now = vtime_now_ms();

	if (o->npos != 1 || parse_id(o->pos[0], &id) || !o->until)
		return usage_err("extend ID --until TIME|DURATION|never");
	if (parse_until(o->until, now, &until))
		return usage_err("--until takes an RFC 3339 time, a duration (7d, 12h) or never");
	if (block_policy_duration(e->b, until, now, err, sizeof(err))) {
		fprintf(stderr, "vigil block extend: %s\n", err);
		return 1;
	}
	if (desk_block_extend(e->d, id, until, o->reason, err, sizeof(err))) {
		fprintf(stderr, "vigil block extend: %s\n", err);
		return 1;
	}
	return 0;
}

static const struct block_renderer *pick(const struct opts *o)
{
	const struct block_renderer *r = block_renderer_find(o->format ? o->format : "exabgp");

	if (!r)
		fprintf(stderr, "vigil block: --format %s: not one of %s\n", o->format,
			block_renderer_names());
	return r;
}

static int do_render(struct env *e, const struct opts *o)
{
	const struct block_renderer *r;

	if (!o->format)
		return usage_err("render --format cisco|juniper|exabgp|flowspec");
	if (!(r = pick(o)))
		return 2;
	return block_render(e->b, r, stdout) ? 1 : 0;
}

static int do_changes(struct env *e, const struct opts *o)
{
	const struct block_renderer *r = pick(o);
	int64_t after = 0, last;
	char *end;

	if (!r)
		return 2;
	if (o->after) {
		after = strtoll(o->after, &end, 10);
		if (*end || after < 0)
			return usage_err("--after takes a change number");
	}
	return block_render_changes(e->b, r, after, stdout, &last) ? 1 : 0;
}

int cmd_block(int argc, char **argv)
{
	static const char *const known[] = { "add", "list", "show", "activate", "remove", "extend",
					     "render", "changes", "push", "expire", "check", NULL };
	struct block_stats st = { 0 };
	struct opts o;
	struct env e;
	const char *cmd;
	bool ok = false;
	int rc;

	if (argc < 2)
		return usage_err(NULL);
	cmd = argv[1];
	for (const char *const *k = known; *k; k++)
		ok |= !strcmp(cmd, *k);
	if (!ok)
		return usage_err("unknown command");
	if ((rc = parse(argc, argv, &o)))
		return rc;
	if ((rc = open_env(&o, !strcmp(cmd, "check"), &e))) {
		close_env(&e);
		return rc;
	}
	if (!strcmp(cmd, "add"))
		rc = do_add(&e, &o);
	else if (!strcmp(cmd, "list"))
		rc = do_list(&e, &o);
	else if (!strcmp(cmd, "show"))
		rc = do_show(&e, &o);
	else if (!strcmp(cmd, "activate"))
		rc = do_state(&e, &o, "active");
	else if (!strcmp(cmd, "remove"))
		rc = do_state(&e, &o, "removed");
	else if (!strcmp(cmd, "extend"))
		rc = do_extend(&e, &o);
	else if (!strcmp(cmd, "render"))
		rc = do_render(&e, &o);
	else if (!strcmp(cmd, "changes"))
		rc = do_changes(&e, &o);
	else if (!strcmp(cmd, "push"))
		rc = block_push(e.b, &st) < 0 ? 1 : 0;
	else if (!strcmp(cmd, "expire")) {
		int n = block_expire(e.b, vtime_now_ms(), &st);

		rc = n < 0 || block_push(e.b, &st) < 0;
		printf("expired %d\n", n < 0 ? 0 : n);
	} else {
		rc = block_check(e.b, vtime_now_ms(), &st) < 0;
		printf("checked %llu blocks: %llu not effective, %llu new block-leak events\n",
		       (unsigned long long)st.checked, (unsigned long long)st.leaks,
		       (unsigned long long)st.events);
		if (st.leaks)
			rc = 3;
	}
	close_env(&e);
	return rc;
}
