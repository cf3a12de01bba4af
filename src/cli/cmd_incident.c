/*
 * cmd_incident.c - `vigil incident`: the analyst's side of the desk (list,
 * show, new, set, note, merge, split, link, resolve, reject, verify) and the
 * feeding side (ingest event lines, follow the detectors' event log). Every
 * subcommand takes --desk URL (default: [desk] url, else
 * sqlite:./var/desk.sqlite), -c CONFIG and --actor NAME.
 */
#include "cli/commands.h"
#include "desk/desk.h"
#include "util/conf.h"
#include "util/err.h"
#include "util/vtime.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_POS 64
#define MAX_HOSTS 64

struct opts {
	const char *desk, *config, *actor, *output;
	const char *state, *kind, *site, *owner, *age, *subject, *note, *to, *from;
	const char *block, *unblock, *reason;
	const char *hosts[MAX_HOSTS];
	size_t nhosts;
	int64_t limit;
	bool all, progress, overdue, lift, keep_blocks;
	const char *pos[MAX_POS];
	size_t npos;
};

static const char USAGE[] =
	"usage: vigil incident COMMAND [--desk URL] [-c CONFIG] [--actor NAME] ...\n"
	"  list [--state S] [--kind K] [--site S] [--host IP] [--owner U] [--age 7d] [--overdue] [-n N] [--all] [-o table|json]\n"
	"  show ID [-o table|json]\n"
	"  new --kind K --host IP [--site S] [--subject TEXT]\n"
	"  set ID FIELD=VALUE ...      (state, owner, site, subject, parent)\n"
	"  note ID [TEXT] [--to WHO | --from WHO] [--subject S] [--block TARGET | --unblock TARGET] [--reason R]\n"
	"  merge ID ID ...             (into the first)\n"
	"  split ID --host IP ...      (those hosts' events to a new incident)\n"
	"  link ID ID\n"
	"  resolve ID [--note TEXT] [--lift | --keep-blocks]    reject ID [--note TEXT]\n"
	"  verify                      (check the audit log's hash chain)\n"
	"  ingest FILE|- [--progress]  (event JSON lines)\n"
	"  follow DIR [--progress]     (events-*.jsonl written by the detectors)\n";

static int usage_err(const char *msg)
{
	if (msg)
		fprintf(stderr, "vigil incident: %s\n", msg);
	fputs(USAGE, stderr);
	return 2;
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct {
		const char *name;
		size_t off;
	} valopts[] = {
		{ "--desk", offsetof(struct opts, desk) },     { "-c", offsetof(struct opts, config) },
		{ "--actor", offsetof(struct opts, actor) },   { "-o", offsetof(struct opts, output) },
		{ "--state", offsetof(struct opts, state) },   { "--kind", offsetof(struct opts, kind) },
		{ "--site", offsetof(struct opts, site) },     { "--owner", offsetof(struct opts, owner) },
		{ "--age", offsetof(struct opts, age) },       { "--subject", offsetof(struct opts, subject) },
		{ "--note", offsetof(struct opts, note) },     { "--to", offsetof(struct opts, to) },
		{ "--from", offsetof(struct opts, from) },     { "--block", offsetof(struct opts, block) },
		{ "--unblock", offsetof(struct opts, unblock) }, { "--reason", offsetof(struct opts, reason) },
	};

	memset(o, 0, sizeof(*o));
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		bool done = false;

		if (a[0] != '-' || !strcmp(a, "-")) {
			if (o->npos == MAX_POS)
				return usage_err("too many arguments");
			o->pos[o->npos++] = a;
			continue;
		}
		if (!strcmp(a, "--all")) {
			o->all = true;
			continue;
		}
		if (!strcmp(a, "--progress")) {
			o->progress = true;
			continue;
		}
		if (!strcmp(a, "--overdue")) {
			o->overdue = true;
			continue;
		}
		if (!strcmp(a, "--lift") || !strcmp(a, "--keep-blocks")) {
			*(a[2] == 'l' ? &o->lift : &o->keep_blocks) = true;
			continue;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "vigil incident: %s needs a value\n", a);
			return 2;
		}
		if (!strcmp(a, "--host")) {
			if (o->nhosts == MAX_HOSTS)
				return usage_err("too many --host");
			o->hosts[o->nhosts++] = argv[++i];
			continue;
		}
		if (!strcmp(a, "-n")) {
			char *end;

			o->limit = strtoll(argv[++i], &end, 10);
			if (*end || o->limit < 0)
				return usage_err("-n takes a count");
			continue;
		}
		for (size_t k = 0; k < sizeof(valopts) / sizeof(valopts[0]); k++) {
			if (!strcmp(a, valopts[k].name)) {
				*(const char **)((char *)o + valopts[k].off) = argv[++i];
				done = true;
				break;
			}
		}
		if (!done) {
			fprintf(stderr, "vigil incident: unknown option %s\n", a);
			return 2;
		}
	}
	if (o->output && strcmp(o->output, "json") && strcmp(o->output, "table"))
		return usage_err("-o takes table or json");
	return 0;
}

static bool json_out(const struct opts *o)
{
	return o->output && !strcmp(o->output, "json");
}

static int parse_id(const char *s, int64_t *id)
{
	char *end;

	if (!s)
		return -1;
	errno = 0;
	*id = strtoll(s, &end, 10);
	if (errno || *end || *id <= 0) {
		fprintf(stderr, "vigil incident: '%s' is not an incident id\n", s);
		return -1;
	}
	return 0;
}

/* mkdir -p of the directory part of a sqlite: URL, so the default ./var works. */
static void make_parent(const char *url)
{
	char path[4096];
	char *slash;

	if (strncmp(url, "sqlite:", 7))
		return;
	snprintf(path, sizeof(path), "%s", url + 7);
	slash = strrchr(path, '/');
	if (!slash || slash == path)
		return;
	*slash = '\0';
	for (char *p = path + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(path, 0750);
			*p = '/';
		}
	}
	mkdir(path, 0750);
}

static int open_desk(const struct opts *o, struct desk **d)
{
	struct conf *c = NULL;
	char err[512] = "";
	const char *url;
	int64_t window, recur;
	int rc;

	if ((rc = conf_load(o->config, &c, err, sizeof(err)))) {
		fprintf(stderr, "vigil incident: %s\n", err);
		return 2;
	}
	url = o->desk ? o->desk : conf_get(c, "desk", "url", DESK_DEFAULT_URL);
	make_parent(url);
	rc = desk_open(url, d, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "vigil incident: %s\n", err[0] ? err : vigil_strerror(rc));
		conf_free(c);
		return 1;
	}
	window = conf_get_duration(c, "desk", "window", DESK_DEFAULT_WINDOW_MS);
	recur = conf_get_duration(c, "desk", "recurrence", DESK_DEFAULT_RECURRENCE_MS);
	desk_set_windows(*d, window, recur);
	desk_set_actor(*d, o->actor ? o->actor : conf_get(c, "desk", "actor", NULL));
	conf_free(c);
	return 0;
}

static void print_time(int64_t ms, char *buf)
{
	if (ms)
		vtime_format_s(ms, buf);
	else
		snprintf(buf, VTIME_STRLEN, "-");
}

static int list_row(void *ctx, const struct desk_incident *inc)
{
	const struct opts *o = ctx;
	char t[VTIME_STRLEN];

	if (json_out(o)) {
		json_t *j = desk_incident_json(inc);
		char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;

		if (s)
			printf("%s\n", s);
		free(s);
		json_decref(j);
		return 0;
	}
	print_time(inc->last_seen, t);
	printf("%7lld  %-8s  %-10s  %-15s  %-12s  %-8s  %6lld  %-20s  %s\n", (long long)inc->id,
	       inc->state, inc->kind, inc->host[0] ? inc->host : (inc->peer[0] ? inc->peer : "-"),
	       inc->site[0] ? inc->site : "-", inc->owner[0] ? inc->owner : "-",
	       (long long)inc->events, t, inc->subject);
	return 0;
}

static int do_list(struct desk *d, const struct opts *o)
{
	struct desk_filter f = { .state = o->state, .kind = o->kind, .site = o->site,
				 .owner = o->owner, .limit = o->limit, .include_merged = o->all };
	char host[ADDR_STRLEN];
	int rc;

	if (o->nhosts) {
		struct vaddr a;

		if (addr_parse(o->hosts[0], &a))
			return usage_err("--host takes an IP address");
		f.host = addr_format(&a, host);
	}
	if (o->age) {
		int64_t ms;

		if (vtime_parse_duration(o->age, &ms))
			return usage_err("--age takes a duration (7d, 12h, 30m)");
		f.since_ms = vtime_now_ms() - ms;
	}
	if (o->overdue)
		f.overdue_at = vtime_now_ms();
	if (!json_out(o))
		printf("%7s  %-8s  %-10s  %-15s  %-12s  %-8s  %6s  %-20s  %s\n", "ID", "STATE", "KIND",
		       "HOST", "SITE", "OWNER", "EVENTS", "LAST SEEN", "SUBJECT");
	rc = desk_list(d, &f, list_row, (void *)o);
	if (rc) {
		fprintf(stderr, "vigil incident list: %s\n", vigil_strerror(rc));
		return 1;
	}
	return 0;
}

static const char *js(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s && *s ? s : "-";
}

static void show_text(json_t *o)
{
	json_t *a, *v;
	size_t i;

	printf("Incident %lld: %s\n", (long long)json_integer_value(json_object_get(o, "id")),
	       js(o, "subject"));
	printf("  state %s   kind %s   owner %s   site %s\n", js(o, "state"), js(o, "kind"),
	       js(o, "owner"), js(o, "site"));
	printf("  host %s   peer %s   first %s   last %s\n", js(o, "host"), js(o, "peer"),
	       js(o, "first_seen"), js(o, "last_seen"));
	printf("  events %lld   duplicates %lld   created %s   updated %s\n",
	       (long long)json_integer_value(json_object_get(o, "events")),
	       (long long)json_integer_value(json_object_get(o, "duplicates")), js(o, "created"),
	       js(o, "updated"));
	if ((v = json_object_get(o, "notice"))) {
		printf("  told %s (%s) first %s last %s", js(v, "to"), js(v, "stage"),
		       js(v, "first_sent"), js(v, "last_sent"));
		if (json_is_string(json_object_get(v, "replied")))
			printf("   replied %s", js(v, "replied"));
		else
			printf("   due %s", js(o, "due"));
		printf("\n");
	}
	if ((v = json_object_get(o, "parent")) && json_is_integer(v))
		printf("  parent %lld\n", (long long)json_integer_value(v));
	if ((v = json_object_get(o, "merged_into")) && json_is_integer(v))
		printf("  merged into %lld\n", (long long)json_integer_value(v));
	if (json_array_size(a = json_object_get(o, "hosts"))) {
		printf("  hosts:");
		json_array_foreach(a, i, v)
			printf(" %s", json_string_value(v));
		printf("\n");
	}
	if (json_array_size(a = json_object_get(o, "peers"))) {
		printf("  peers (%zu):", json_array_size(a));
		json_array_foreach(a, i, v)
			printf(" %s", json_string_value(v));
		printf("\n");
	}
	if (json_array_size(a = json_object_get(o, "links"))) {
		printf("  linked:");
		json_array_foreach(a, i, v)
			printf(" %lld", (long long)json_integer_value(v));
		printf("\n");
	}
	if (json_array_size(a = json_object_get(o, "merged"))) {
		printf("  merged from:");
		json_array_foreach(a, i, v)
			printf(" %lld", (long long)json_integer_value(v));
		printf("\n");
	}
	if (json_array_size(a = json_object_get(o, "children"))) {
		printf("\nChildren:\n");
		json_array_foreach(a, i, v)
			printf("  %lld  %-8s  site %s  host %s  events %lld\n",
			       (long long)json_integer_value(json_object_get(v, "id")), js(v, "state"),
			       js(v, "site"), js(v, "host"),
			       (long long)json_integer_value(json_object_get(v, "events")));
	}
	printf("\nEvidence (%zu events):\n", json_array_size(a = json_object_get(o, "evidence")));
	json_array_foreach(a, i, v) {
		printf("  %s  %s..%s  %s %s  flows %lld  bytes %lld  %s\n", js(v, "eid"), js(v, "first"),
		       js(v, "last"), js(v, "kind"), js(v, "host"),
		       (long long)json_integer_value(json_object_get(v, "flows")),
		       (long long)json_integer_value(json_object_get(v, "bytes")), js(v, "why"));
		printf("      reproduce: %s\n", js(v, "reproduce"));
	}
	if (json_array_size(a = json_object_get(o, "documents"))) {
		printf("\nDocuments (the reports as received; vigil report show ID prints one):\n");
		json_array_foreach(a, i, v) {
			printf("  %lld  sha256 %s  %lld bytes  received %s\n",
			       (long long)json_integer_value(json_object_get(v, "id")), js(v, "sha256"),
			       (long long)json_integer_value(json_object_get(v, "size")), js(v, "received"));
			printf("      from %s  message-id %s\n      subject %s\n      read from %s: %s\n",
			       js(v, "sender"), js(v, "message_id"), js(v, "subject"), js(v, "origin"),
			       js(v, "outcome"));
		}
	}
	if (json_array_size(a = json_object_get(o, "investigations"))) {
		printf("\nInvestigations and notes:\n");
		json_array_foreach(a, i, v)
			printf("  %s  %s  %s %s  %s: %s\n", js(v, "time"), js(v, "actor"),
			       js(v, "direction"), js(v, "correspondent"), js(v, "subject"), js(v, "body"));
	}
	if (json_array_size(a = json_object_get(o, "blocks"))) {
		printf("\nBlocks:\n");
		json_array_foreach(a, i, v)
			printf("  %lld  %s  %-7s  %s  by %s at %s%s%s\n",
			       (long long)json_integer_value(json_object_get(v, "id")), js(v, "prefix"),
			       js(v, "state"), js(v, "reason"), js(v, "actor"), js(v, "created"),
			       json_is_string(json_object_get(v, "until")) ? " until " : "",
			       json_is_string(json_object_get(v, "until")) ? js(v, "until") : "");
	}
	printf("\nAudit trail:\n");
	json_array_foreach(json_object_get(o, "audit"), i, v) {
		char *det = json_dumps(json_object_get(v, "detail"), JSON_COMPACT | JSON_ENCODE_ANY);

		printf("  %6lld  %s  %-8s  %-12s  %s\n",
		       (long long)json_integer_value(json_object_get(v, "seq")), js(v, "time"),
		       js(v, "actor"), js(v, "action"), det ? det : "");
		free(det);
	}
}

static int do_show(struct desk *d, const struct opts *o)
{
	json_t *j;
	int64_t id;
	int rc;

	if (o->npos != 1 || parse_id(o->pos[0], &id))
		return usage_err("show ID");
	if ((rc = desk_show(d, id, &j))) {
		fprintf(stderr, "vigil incident show: %lld: %s\n", (long long)id, vigil_strerror(rc));
		return 1;
	}
	if (json_out(o)) {
		char *s = json_dumps(j, JSON_COMPACT);

		printf("%s\n", s ? s : "{}");
		free(s);
	} else {
		show_text(j);
	}
	json_decref(j);
	return 0;
}

static int do_new(struct desk *d, const struct opts *o)
{
	int64_t id;
	int rc;

	if (!o->kind || o->nhosts != 1)
		return usage_err("new --kind K --host IP");
	rc = desk_incident_new(d, o->kind, o->hosts[0], o->site, o->subject, &id);
	if (rc) {
		fprintf(stderr, "vigil incident new: %s\n", vigil_strerror(rc));
		return 1;
	}
	printf("%lld\n", (long long)id);
	return 0;
}

static int do_set(struct desk *d, const struct opts *o)
{
	int64_t id;

	if (o->npos < 2 || parse_id(o->pos[0], &id))
		return usage_err("set ID FIELD=VALUE ...");
	for (size_t i = 1; i < o->npos; i++) {
		char field[32], err[512] = "";
		const char *eq = strchr(o->pos[i], '=');
		int rc;

		if (!eq || eq == o->pos[i] || (size_t)(eq - o->pos[i]) >= sizeof(field))
			return usage_err("set takes FIELD=VALUE");
		memcpy(field, o->pos[i], (size_t)(eq - o->pos[i]));
		field[eq - o->pos[i]] = '\0';
		if ((rc = desk_incident_set(d, id, field, eq + 1, err, sizeof(err)))) {
			fprintf(stderr, "vigil incident set: %s\n", err);
			return 1;
		}
	}
	return 0;
}

/* Resolving an incident with live blocks asks what to do with them. */
struct live_blocks {
	char list[512];
	int64_t ids[64];
	size_t n;
};

static int note_live(void *ctx, const struct desk_block *b)
{
	struct live_blocks *l = ctx;
	size_t len = strlen(l->list);

	if (l->n < 64)
		l->ids[l->n] = b->id;
	l->n++;
	if (len < sizeof(l->list) - 64)
		snprintf(l->list + len, sizeof(l->list) - len, "%s%lld (%s, %s)", len ? ", " : "",
			 (long long)b->id, b->prefix, b->state);
	return 0;
}

static int lift_blocks(struct desk *d, const struct opts *o, int64_t id)
{
	struct desk_block_filter f = { .state = "live", .incident_id = id };
	struct live_blocks l = { .n = 0 };
	char why[96], err[512];

	if (desk_block_list(d, &f, note_live, &l))
		return 1;
	if (!l.n || o->keep_blocks)
		return 0;
	if (!o->lift) {
		fprintf(stderr, "vigil incident resolve: incident %lld still has blocks: %s; give --lift"
			" to remove them or --keep-blocks to leave them in place\n", (long long)id, l.list);
		return 1;
	}
	snprintf(why, sizeof(why), "incident %lld resolved", (long long)id);
	for (size_t i = 0; i < l.n && i < 64; i++) {
		err[0] = '\0';
		if (desk_block_set_state(d, l.ids[i], "removed", why, err, sizeof(err))) {
			fprintf(stderr, "vigil incident resolve: %s\n", err);
			return 1;
		}
		printf("block %lld lifted (vigil block push, or the next vigil run cycle, tells the routers)\n",
		       (long long)l.ids[i]);
	}
	return 0;
}

static int do_close(struct desk *d, const struct opts *o, const char *state)
{
	char err[512] = "";
	int64_t id;
	int rc;

	if (o->npos != 1 || parse_id(o->pos[0], &id))
		return usage_err("resolve|reject ID [--note TEXT]");
	if (!strcmp(state, "resolved") && (rc = lift_blocks(d, o, id)))
		return rc;
	if ((rc = desk_incident_set(d, id, "state", state, err, sizeof(err)))) {
		fprintf(stderr, "vigil incident: %s\n", err);
		return 1;
	}
	if (o->note && (rc = desk_incident_note(d, id, "note", NULL, state, o->note))) {
		fprintf(stderr, "vigil incident: note: %s\n", vigil_strerror(rc));
		return 1;
	}
	return 0;
}

static int do_note(struct desk *d, const struct opts *o)
{
	int64_t id;
	int rc;

	if (o->npos < 1 || o->npos > 2 || parse_id(o->pos[0], &id))
		return usage_err("note ID [TEXT] ...");
	if (o->block || o->unblock) {
		rc = desk_incident_block(d, id, o->block ? o->block : o->unblock,
					 o->reason ? o->reason : (o->npos == 2 ? o->pos[1] : NULL),
					 o->unblock != NULL);
	} else {
		if (o->npos != 2)
			return usage_err("note ID TEXT");
		rc = desk_incident_note(d, id, o->to ? "out" : o->from ? "in" : "note",
					o->to ? o->to : o->from, o->subject, o->pos[1]);
	}
	if (rc) {
		fprintf(stderr, "vigil incident note: %lld: %s\n", (long long)id, vigil_strerror(rc));
		return 1;
	}
	return 0;
}

static int do_merge(struct desk *d, const struct opts *o)
{
	int64_t ids[MAX_POS];
	char err[512] = "";

	if (o->npos < 2)
		return usage_err("merge ID ID ...");
	for (size_t i = 0; i < o->npos; i++)
		if (parse_id(o->pos[i], &ids[i]))
			return 2;
	if (desk_incident_merge(d, ids, o->npos, err, sizeof(err))) {
		fprintf(stderr, "vigil incident merge: %s\n", err);
		return 1;
	}
	return 0;
}

static int do_split(struct desk *d, const struct opts *o)
{
	int64_t id, newid;
	char err[512] = "";

	if (o->npos != 1 || parse_id(o->pos[0], &id) || !o->nhosts)
		return usage_err("split ID --host IP ...");
	if (desk_incident_split(d, id, o->hosts, o->nhosts, &newid, err, sizeof(err))) {
		fprintf(stderr, "vigil incident split: %s\n", err);
		return 1;
	}
	printf("%lld\n", (long long)newid);
	return 0;
}

static int do_link(struct desk *d, const struct opts *o)
{
	int64_t a, b;
	char err[512] = "";

	if (o->npos != 2 || parse_id(o->pos[0], &a) || parse_id(o->pos[1], &b))
		return usage_err("link ID ID");
	if (desk_incident_link(d, a, b, err, sizeof(err))) {
		fprintf(stderr, "vigil incident link: %s\n", err);
		return 1;
	}
	return 0;
}

static int do_verify(struct desk *d)
{
	int64_t n, bad;
	char err[512] = "";
	int rc = desk_audit_verify(d, &n, &bad, err, sizeof(err));

	if (rc == VIGIL_ETAMPER) {
		printf("audit log BROKEN at entry %lld: %s\n", (long long)bad, err);
		return 1;
	}
	if (rc) {
		fprintf(stderr, "vigil incident verify: %s\n", vigil_strerror(rc));
		return 1;
	}
	printf("audit log intact: %lld entries\n", (long long)n);
	return 0;
}

static void ack_progress(void *ctx, const struct desk_ingest_stats *st)
{
	(void)ctx;
	printf("ack %llu\n", (unsigned long long)st->events);
	fflush(stdout);
}

static void print_stats(const struct desk_ingest_stats *st)
{
	printf("%llu events ingested, %llu new incidents, %llu joined, %llu duplicates",
	       (unsigned long long)st->events, (unsigned long long)st->new_incidents,
	       (unsigned long long)st->joined, (unsigned long long)st->duplicates);
	if (st->reopened)
		printf(", %llu reopened", (unsigned long long)st->reopened);
	if (st->bad)
		printf(", %llu bad lines skipped", (unsigned long long)st->bad);
	printf("\n");
}

static int do_ingest(struct desk *d, const struct opts *o)
{
	struct desk_ingest_stats st = { 0 };
	int fd, rc;

	if (o->npos != 1)
		return usage_err("ingest FILE|-");
	fd = strcmp(o->pos[0], "-") ? open(o->pos[0], O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
	if (fd < 0) {
		fprintf(stderr, "vigil incident ingest: %s: %s\n", o->pos[0], strerror(errno));
		return 1;
	}
	rc = desk_ingest_stream(d, fd, strcmp(o->pos[0], "-") ? o->pos[0] : "stdin", &st,
				o->progress ? ack_progress : NULL, NULL);
	if (fd != STDIN_FILENO)
		close(fd);
	print_stats(&st);
	if (rc) {
		fprintf(stderr, "vigil incident ingest: %s (only the counts above were committed)\n",
			vigil_strerror(rc));
		return 1;
	}
	return 0;
}

static volatile sig_atomic_t follow_stop;

static void on_signal(int sig)
{
	(void)sig;
	follow_stop = 1;
}

static int do_follow(struct desk *d, const struct opts *o)
{
	struct desk_ingest_stats st = { 0 };
	struct sigaction sa;
	int rc;

	if (o->npos != 1)
		return usage_err("follow DIR");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (o->progress) {
		printf("following %s\n", o->pos[0]);
		fflush(stdout);
	}
	rc = desk_follow(d, o->pos[0], &follow_stop, &st, o->progress ? ack_progress : NULL, NULL);
	print_stats(&st);
	if (rc) {
		fprintf(stderr, "vigil incident follow: %s: %s\n", o->pos[0], vigil_strerror(rc));
		return 1;
	}
	return 0;
}

int cmd_incident(int argc, char **argv)
{
	struct opts o;
	struct desk *d = NULL;
	const char *cmd;
	int rc;

	if (argc < 2)
		return usage_err(NULL);
	cmd = argv[1];
	if (!strcmp(cmd, "export"))
		return cmd_incident_export(argc - 1, argv + 1);
	if ((rc = parse(argc, argv, &o)))
		return rc;
	static const char *const known[] = { "list", "show", "new", "set", "note", "merge", "split",
					     "link", "resolve", "reject", "verify", "ingest",
					     "follow", NULL };
	bool ok = false;
	for (const char *const *k = known; *k; k++)
		ok |= !strcmp(cmd, *k);
	if (!ok)
		return usage_err("unknown command");
	if ((rc = open_desk(&o, &d)))
		return rc;
	if (!strcmp(cmd, "list"))
		rc = do_list(d, &o);
	else if (!strcmp(cmd, "show"))
		rc = do_show(d, &o);
	else if (!strcmp(cmd, "new"))
		rc = do_new(d, &o);
	else if (!strcmp(cmd, "set"))
		rc = do_set(d, &o);
	else if (!strcmp(cmd, "note"))
		rc = do_note(d, &o);
	else if (!strcmp(cmd, "merge"))
		rc = do_merge(d, &o);
	else if (!strcmp(cmd, "split"))
		rc = do_split(d, &o);
	else if (!strcmp(cmd, "link"))
		rc = do_link(d, &o);
	else if (!strcmp(cmd, "resolve"))
		rc = do_close(d, &o, "resolved");
	else if (!strcmp(cmd, "reject"))
		rc = do_close(d, &o, "rejected");
	else if (!strcmp(cmd, "verify"))
		rc = do_verify(d);
	else if (!strcmp(cmd, "ingest"))
		rc = do_ingest(d, &o);
	else
		rc = do_follow(d, &o);
	desk_close(d);
	return rc;
}
