/*
 * cmd_hunt.c - `vigil hunt`: look in the stored flows for what a threat
 * list names, now that it names it. With --old, only the entries the list
 * gained since that older copy; events as JSON lines on stdout, or filed in
 * the desk (--desk) as back-dated incidents marked as found by the hunt.
 * See vigil-hunt(1).
 */
#include "cli/commands.h"
#include "cli/hunt_desk.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "desk/desk.h"
#include "detect/detect.h"
#include "intel/intel.h"
#include "util/buf.h"
#include "util/conf.h"
#include "util/err.h"
#include "util/vtime.h"
#include "whois/whois.h"

#define MAX_LISTS 256
#define DEFAULT_STORE_DIR "./var/flows"
#define DEFAULT_SINCE "90d"

static const char usage_text[] =
	"usage: vigil hunt --list [FORMAT:]FILE ... [--old [FORMAT:]FILE ...]\n"
	"                  [--since 90d | -t FROM[-TO]] [-R STOREDIR] [-c CONFIG]\n"
	"                  [--network CIDR ...] [--window 1h] [--desk URL] [--stats]\n"
	"Events as JSON lines on stdout, or filed in the desk with --desk. See vigil-hunt(1).\n";

static void emit_stdout(void *ctx, const struct event *e)
{
	struct buf *b = ctx;

	buf_reset(b);
	if (event_to_json(e, b) == 0) {
		fwrite(b->data, 1, b->len, stdout);
		fputc('\n', stdout);
	}
}

/* Load specs into a new built set; NULL (message printed) on failure. */
static struct intel_set *load_lists(const char *const *specs, size_t n)
{
	struct intel_set *s = intel_set_new();

	if (!s)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		long r = intel_load(s, specs[i], cli_report_bad_line, NULL, NULL);

		if (r < 0) {
			fprintf(stderr, "vigil hunt: %s: %s\n", specs[i], vigil_strerror((int)r));
			intel_set_free(s);
			return NULL;
		}
	}
	if (intel_build(s) < 0) {
		intel_set_free(s);
		return NULL;
	}
	return s;
}

enum { OPT_LIST = 256, OPT_OLD, OPT_SINCE, OPT_NETWORK, OPT_WINDOW, OPT_DESK, OPT_STATS };

int cmd_hunt(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "list", required_argument, NULL, OPT_LIST },
		{ "old", required_argument, NULL, OPT_OLD },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "network", required_argument, NULL, OPT_NETWORK },
		{ "window", required_argument, NULL, OPT_WINDOW },
		{ "desk", required_argument, NULL, OPT_DESK },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *lists[MAX_LISTS], *old[MAX_LISTS], *nets[MAX_LISTS];
	size_t nlists = 0, nold = 0, nnets = 0;
	const char *storedir = NULL, *confpath = NULL, *range = NULL, *since = NULL;
	const char *desk_url = NULL, *window = NULL;
	struct intel_set *now = NULL, *before = NULL, *added = NULL;
	struct conf *cf = NULL;
	struct desk *d = NULL;
	struct whois_db *whois = NULL;
	struct hunt_opts ho = { .from_ms = INT64_MIN, .to_ms = INT64_MAX };
	struct hunt_stats hs;
	struct desk_ingest_stats ds;
	struct buf b;
	char err[512] = "";
	bool stats = false;
	int c, rc, status = 2;

	buf_init(&b, 1 << 16);
	optind = 1;
	while ((c = getopt_long(argc, argv, "R:t:c:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'R': storedir = optarg; break;
		case 't': range = optarg; break;
		case 'c': confpath = optarg; break;
		case 'o':
			if (strcmp(optarg, "json") != 0) {
				fprintf(stderr, "vigil hunt: only -o json is supported\n");
				goto out;
			}
			break;
		case OPT_LIST: case OPT_OLD: case OPT_NETWORK: {
			const char **arr = c == OPT_LIST ? lists : c == OPT_OLD ? old : nets;
			size_t *n = c == OPT_LIST ? &nlists : c == OPT_OLD ? &nold : &nnets;

			if (*n >= MAX_LISTS)
				goto usage;
			arr[(*n)++] = optarg;
			break;
		}
		case OPT_SINCE: since = optarg; break;
		case OPT_WINDOW: window = optarg; break;
		case OPT_DESK: desk_url = optarg; break;
		case OPT_STATS: stats = true; break;
		case 'h':
			fputs(usage_text, stdout);
			status = 0;
			goto out;
		default:
			goto usage;
		}
	}
	if (optind < argc || (range && since))
		goto usage;
	if ((rc = conf_load(confpath, &cf, err, sizeof(err))) < 0) {
		fprintf(stderr, "vigil hunt: %s\n", err);
		goto out;
	}
	for (size_t i = 0; i < nnets; i++)
		if (conf_set(cf, "detect", "network", nets[i]) < 0)
			goto nomem;
	if (!nlists && conf_get_all(cf, "intel", "list", lists, MAX_LISTS, &nlists) < 0)
		goto usage;
	if (!nlists) {
		fprintf(stderr, "vigil hunt: no list to hunt for: give --list FILE or [intel] list\n");
		goto out;
	}
	if (range) {
		if (vtime_parse_range(range, &ho.from_ms, &ho.to_ms) < 0) {
			fprintf(stderr, "vigil hunt: bad time range: %s\n", range);
			goto out;
		}
	} else {
		int64_t dur;

		if (!since)
			since = conf_get(cf, "hunt", "since", DEFAULT_SINCE);
		if (vtime_parse_duration(since, &dur) < 0 || dur <= 0) {
			fprintf(stderr, "vigil hunt: bad --since: %s (a duration: 90d, 12h)\n", since);
			goto out;
		}
		ho.from_ms = vtime_now_ms() - dur;
	}
	if (window && (vtime_parse_duration(window, &ho.window_ms) < 0 || ho.window_ms < 1000)) {
		fprintf(stderr, "vigil hunt: bad --window: %s\n", window);
		goto out;
	}
	status = 1;
	if (!(now = load_lists(lists, nlists)))
		goto out;
	if (nold && !(before = load_lists(old, nold)))
		goto out;
	if (intel_diff(now, before, &added) < 0)
		goto nomem;
	ho.entries = added;
	ho.store_dir = storedir ? storedir : conf_get(cf, "store", "dir", DEFAULT_STORE_DIR);
	if (desk_url) {
		if (desk_open(desk_url, &d, err, sizeof(err)) < 0) {
			fprintf(stderr, "vigil hunt: %s\n", err);
			goto out;
		}
		if (cli_whois_open(cf, NULL, &whois) < 0) {
			fprintf(stderr, "vigil hunt: cannot read the constituency\n");
			goto out;
		}
		if (whois)
			desk_set_site_lookup(d, cli_site_of, whois);
		rc = hunt_to_desk(cf, &ho, d, &hs, &ds, err, sizeof(err));
	} else {
		rc = hunt_run(cf, &ho, emit_stdout, &b, &hs, err, sizeof(err));
		fflush(stdout);
	}
	if (rc < 0) {
		fprintf(stderr, "vigil hunt: %s\n", err);
		goto out;
	}
	if (desk_url || stats)
		hunt_print(stderr, "vigil hunt", &hs, desk_url ? &ds : NULL);
	status = 0;
	goto out;
nomem:
	fprintf(stderr, "vigil hunt: out of memory\n");
	status = 1;
	goto out;
usage:
	fputs(usage_text, stderr);
	status = 2;
out:
	desk_close(d);
	whois_free(whois);
	intel_set_free(added);
	intel_set_free(before);
	intel_set_free(now);
	conf_free(cf);
	buf_free(&b);
	return status;
}
