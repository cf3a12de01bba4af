/*
 * tmplset.c - the team's templates on disk: DIR/LANG/NAME.txt, compiled on
 * first use and kept, looked up with fallbacks (the site's language, then
 * English; a kind without its own file uses notice.txt), and checked as a
 * whole by `vigil notify check`: syntax, and every name against the data
 * notify.h documents, each problem as FILE:LINE.
 */
#include "notify/notify_int.h"
#include "util/err.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define TS_MAX 256

struct tmplset {
	char dir[1024];
	struct {
		char key[96]; /* "LANG/NAME" */
		struct tmpl *t;  /* NULL: no such file */
	} e[TS_MAX];
	size_t n;
};

/* Names a template may use (any level: the data's keys and its items' keys). */
static const char *const known_names[] = {
	".", "team", "name", "from", "reply_to", "signature", "recipient", "to", "site", "id",
	"contact", "abuse", "language", "format", "batch", "network", "asn", "as_name", "netname",
	"country", "incident", "tag", "kind", "kind_text", "severity", "state", "host", "peer",
	"subject", "first_seen", "last_seen", "events", "query", "due", "action", "update",
	"reminder", "escalated", "told", "port", "proto", "first", "last", "flows", "packets",
	"bytes", "score", "why", "estimate", "report", "sender", "received", "sha256", "excerpt",
	"line", "flows_header", "more_events", "incidents", "incidents_count", "hosts", "advisory",
	"title", "body", "period", "length", "now", "deadline", "deadline_text", "csv", "sites",
	"count", "hosts_count", "block", "prefix", "reason", "created", "activated", "until",
	"ended", "removed_why", "expired",
};

/* Templates of a mail type; any other name is an incident kind, and a kind
 * without a file of its own is told with notice.txt. */
static const char *const mail_names[] = { "update", "reminder", "escalation", "digest",
					  "digest-outside", "advisory", "block", "unblock" };

static bool is_kind_name(const char *name)
{
	for (size_t i = 0; i < sizeof(mail_names) / sizeof(mail_names[0]); i++)
		if (!strcmp(mail_names[i], name))
			return false;
	return true;
}

static bool dir_exists(const char *p)
{
	struct stat sb;

	return !stat(p, &sb) && S_ISDIR(sb.st_mode);
}

int tmplset_open(const char *dir, struct tmplset **out, char *err, size_t errlen)
{
	struct tmplset *s;
	const char *pick = dir && *dir ? dir : NULL;

	if (!pick) {
		const char *env = getenv("VIGIL_TEMPLATES");

		if (env && *env)
			pick = env;
		else if (dir_exists("./templates"))
			pick = "./templates";
		else
			pick = "/usr/share/vigil/templates";
	}
	if (!dir_exists(pick)) {
		snprintf(err, errlen, "templates: %s is not a directory ([notify] templates)", pick);
		return VIGIL_ENOTFOUND;
	}
	if (!(s = calloc(1, sizeof(*s))))
		return VIGIL_ENOMEM;
	snprintf(s->dir, sizeof(s->dir), "%s", pick);
	*out = s;
	return 0;
}

void tmplset_free(struct tmplset *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		tmpl_free(s->e[i].t);
	free(s);
}

/* The compiled LANG/NAME (NULL when the file does not exist); a compile
 * error is returned as VIGIL_ESYNTAX with err set. */
static int lookup(struct tmplset *s, const char *lang, const char *name, const struct tmpl **out,
		  char *err, size_t errlen)
{
	char key[96], path[1200];
	struct tmpl *t = NULL;
	struct stat sb;
	int rc;

	snprintf(key, sizeof(key), "%.15s/%.63s", lang, name);
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->e[i].key, key)) {
			*out = s->e[i].t;
			return 0;
		}
	snprintf(path, sizeof(path), "%s/%s.txt", s->dir, key);
	if (!stat(path, &sb)) {
		if ((rc = tmpl_load(path, &t, err, errlen)))
			return rc;
	}
	if (s->n < TS_MAX) {
		snprintf(s->e[s->n].key, sizeof(s->e[s->n].key), "%s", key);
		s->e[s->n++].t = t;
	}
	*out = t;
	return 0;
}

const struct tmpl *tmplset_get(struct tmplset *s, const char *lang, const char *name,
			       char *err, size_t errlen)
{
	const char *langs[2] = { lang && *lang ? lang : "en", "en" };
	const char *names[2] = { name, is_kind_name(name) ? "notice" : NULL };
	const struct tmpl *t;

	for (int l = 0; l < 2; l++)
		for (int k = 0; k < 2; k++) {
			if (!names[k] || (l == 1 && !strcmp(langs[0], "en")))
				continue;
			if (lookup(s, langs[l], names[k], &t, err, errlen))
				return NULL;
			if (t)
				return t;
		}
	if (strcmp(langs[0], "en"))
		snprintf(err, errlen, "templates: no %s/%s.txt nor en/%s.txt under %s", langs[0], name,
			 name, s->dir);
	else
		snprintf(err, errlen, "templates: no en/%s.txt under %s", name, s->dir);
	return NULL;
}

struct check_ctx {
	FILE *out;
	const char *file;
	int problems;
};

static int check_name(void *ctx, const char *name, unsigned line, const char *const *outer,
		      size_t nouter)
{
	struct check_ctx *c = ctx;
	char first[64];
	size_t len = strcspn(name, ".");

	if (!strcmp(name, "."))
		return 0;
	snprintf(first, sizeof(first), "%.*s", (int)(len < 63 ? len : 63), name);
	for (size_t i = 0; i < sizeof(known_names) / sizeof(known_names[0]); i++)
		if (!strcmp(known_names[i], first))
			return 0;
	fprintf(c->out, "%s:%u: unknown name '%s'%s%s\n", c->file, line, name,
		nouter ? " inside " : "", nouter ? outer[nouter - 1] : "");
	c->problems++;
	return 0;
}

int tmplset_check(struct tmplset *s, FILE *out)
{
	DIR *top = opendir(s->dir), *sub;
	struct dirent *de, *fe;
	char path[1400], file[1800], err[512];
	int problems = 0, files = 0;

	if (!top) {
		fprintf(out, "%s: cannot read the templates directory\n", s->dir);
		return 1;
	}
	while ((de = readdir(top))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%.255s", s->dir, de->d_name);
		if (!dir_exists(path) || !(sub = opendir(path)))
			continue;
		while ((fe = readdir(sub))) {
			size_t l = strlen(fe->d_name);
			struct tmpl *t;

			if (l < 5 || strcmp(fe->d_name + l - 4, ".txt"))
				continue;
			snprintf(file, sizeof(file), "%s/%.255s", path, fe->d_name);
			files++;
			if (tmpl_load(file, &t, err, sizeof(err))) {
				fprintf(out, "%s\n", err);
				problems++;
				continue;
			}
			struct check_ctx c = { .out = out, .file = file };

			tmpl_each_name(t, check_name, &c);
			problems += c.problems;
			tmpl_free(t);
		}
		closedir(sub);
	}
	closedir(top);
	if (!files) {
		fprintf(out, "%s: no templates (LANG/NAME.txt) found\n", s->dir);
		problems++;
	}
	return problems;
}
