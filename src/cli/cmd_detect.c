/*
 * cmd_detect.c - `vigil detect`: run the detectors (src/detect) over flows
 * from captures (-r) or the store (-R) and write the events as JSON lines to
 * stdout, one object a line (DESIGN.md). The constituency, lists, window and
 * thresholds come from the config's [detect] and [intel] sections, with the
 * command line added on top. See vigil-detect(1).
 */
#include "cli/commands.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus/bus.h"
#include "detect/detect.h"
#include "flow/flow.h"
#include "intel/intel.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/conf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/vtime.h"

#define MAX_CAPTURES 4096
#define MAX_LISTS 256
#define DEFAULT_STORE_DIR "./var/flows"

static const char usage_text[] =
	"usage: vigil detect [-r CAPTURE ... | -R STOREDIR] [-t FROM-TO] [-c CONFIG]\n"
	"                    [--network CIDR ...] [--list [FORMAT:]FILE ...] [--allow CIDR ...]\n"
	"                    [--window 30m] [--set KEY=VALUE ...] [-o json] [--stats]\n"
	"       vigil detect --consume URLS --partitions LIST [--partition-count P]\n"
	"                    [--desk URL] [--prefetch N] [--drain] [-c CONFIG] ...\n"
	"Writes events as JSON lines to stdout; with --consume, a bus worker that\n"
	"commits them to the desk. See vigil-detect(1).\n";

static volatile sig_atomic_t worker_stop;

static void on_term(int sig)
{
	(void)sig;
	worker_stop = 1;
}

struct consume_args {
	const char *urls, *parts, *count, *desk, *prefetch;
	bool drain;
};

/* `vigil detect --consume`: one worker for the partitions in LIST. */
static int run_consume(const struct consume_args *a, const struct conf *cf,
		       const struct intel_set *set)
{
	static bool want[BUS_MAX_PARTITIONS];
	struct bus_worker_opts o = { .urls = a->urls, .want = want, .conf = cf, .intel = set,
				     .drain = a->drain, .stop = &worker_stop };
	struct bus_worker_stats st;
	struct sigaction sa;
	char err[512] = "";
	int64_t np = a->count ? strtoll(a->count, NULL, 10)
			      : conf_get_int(cf, "bus", "partitions", BUS_DEFAULT_PARTITIONS);
	int rc;

	if (np < 1 || np > BUS_MAX_PARTITIONS) {
		fprintf(stderr, "vigil detect: --partition-count wants 1..%d\n", BUS_MAX_PARTITIONS);
		return 2;
	}
	o.partitions = (unsigned)np;
	if (!a->parts || bus_parse_partitions(a->parts, o.partitions, want) <= 0) {
		fprintf(stderr, "vigil detect: --partitions wants a list like 0-3 or 0,2,5 of "
				"partitions below %u\n", o.partitions);
		return 2;
	}
	o.desk_url = a->desk ? a->desk : conf_get(cf, "desk", "url", NULL);
	if (!o.desk_url) {
		fprintf(stderr, "vigil detect: --consume needs a desk: --desk URL or [desk] url\n");
		return 2;
	}
	o.prefetch = (unsigned)(a->prefetch ? strtoul(a->prefetch, NULL, 10)
					    : (unsigned long)conf_get_int(cf, "bus", "prefetch", 0));
	/* --drain: exit once the queues are empty and nothing came for drain_idle,
	 * but not before drain_min (a worker started ahead of its collectors) */
	o.drain_idle_ms = conf_get_duration(cf, "bus", "drain_idle", 2000);
	o.drain_min_ms = conf_get_duration(cf, "bus", "drain_min", 10000);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	rc = bus_worker_run(&o, &st, err, sizeof(err));
	fprintf(stderr,
		"vigil detect: deliveries %llu flows %llu redelivered %llu skipped %llu bad %llu "
		"windows %llu events %llu commits %llu acked %llu connections %llu\n",
		(unsigned long long)st.deliveries, (unsigned long long)st.flows,
		(unsigned long long)st.redelivered, (unsigned long long)st.skipped,
		(unsigned long long)st.bad, (unsigned long long)st.windows,
		(unsigned long long)st.events, (unsigned long long)st.commits,
		(unsigned long long)st.acked, (unsigned long long)st.reconnects);
	if (rc < 0) {
		fprintf(stderr, "vigil detect: %s\n", err[0] ? err : vigil_strerror(rc));
		return 1;
	}
	return 0;
}

struct out_ctx {
	struct buf b;
	FILE *f;
	uint64_t n;
};

static void emit_stdout(void *vctx, const struct event *e)
{
	struct out_ctx *o = vctx;

	buf_reset(&o->b);
	if (event_to_json(e, &o->b) == 0) {
		fwrite(o->b.data, 1, o->b.len, o->f);
		fputc('\n', o->f);
		o->n++;
	}
}

struct feed_ctx {
	struct detect *d;
	int64_t from, to;
	struct flow *tmp;
	size_t ntmp;
};

/* Feed flows that overlap [from, to]. */
static void feed_range(struct feed_ctx *fc, const struct flow *f, size_t n)
{
	size_t i = 0;

	if (fc->from == INT64_MIN && fc->to == INT64_MAX) {
		detect_feed(fc->d, f, n);
		return;
	}
	while (i < n) {
		size_t j = i;

		while (j < n && f[j].last_ms >= fc->from && f[j].first_ms <= fc->to)
			j++;
		if (j > i)
			detect_feed(fc->d, f + i, j - i);
		i = j + 1;
	}
}

static void on_flows(void *vctx, const struct flow *f, size_t n)
{
	feed_range(vctx, f, n);
}

static int run_store(struct feed_ctx *fc, const char *dir, char *err, size_t errlen)
{
	struct store_select sel = { fc->from, fc->to, NULL, 0 };
	struct store_reader *r = NULL;
	const struct flow *f;
	size_t n;
	int rc;

	rc = store_reader_open(dir, &sel, &r);
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", dir, vigil_strerror(rc));
		return rc;
	}
	while ((rc = store_reader_next(r, &f, &n)) > 0)
		feed_range(fc, f, n);
	if (rc < 0)
		snprintf(err, errlen, "%s: %s", dir, vigil_strerror(rc));
	store_reader_close(r);
	return rc;
}

enum { OPT_NETWORK = 256, OPT_LIST, OPT_ALLOW, OPT_WINDOW, OPT_SET, OPT_STATS, OPT_CONSUME,
       OPT_PARTS, OPT_PCOUNT, OPT_DESK, OPT_PREFETCH, OPT_DRAIN };

int cmd_detect(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "network", required_argument, NULL, OPT_NETWORK },
		{ "list", required_argument, NULL, OPT_LIST },
		{ "allow", required_argument, NULL, OPT_ALLOW },
		{ "window", required_argument, NULL, OPT_WINDOW },
		{ "set", required_argument, NULL, OPT_SET },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ "consume", required_argument, NULL, OPT_CONSUME },
		{ "partitions", required_argument, NULL, OPT_PARTS },
		{ "partition-count", required_argument, NULL, OPT_PCOUNT },
		{ "desk", required_argument, NULL, OPT_DESK },
		{ "prefetch", required_argument, NULL, OPT_PREFETCH },
		{ "drain", no_argument, NULL, OPT_DRAIN },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *captures[MAX_CAPTURES];
	size_t ncap = 0;
	const char *storedir = NULL, *confpath = NULL, *range = NULL;
	const char *lists[MAX_LISTS];
	size_t nlists = 0;
	struct conf *cf = NULL;
	struct intel_set *set = NULL;
	struct detect *d = NULL;
	struct flow_decoder *dec = NULL;
	struct out_ctx out = { .f = stdout };
	struct feed_ctx fc = { .from = INT64_MIN, .to = INT64_MAX };
	char err[512] = "";
	bool stats = false;
	struct consume_args ca = { 0 };
	int c, rc, status = 2;
	/* CLI values are added to the config after it is loaded */
	const char *cli_key[512], *cli_val[512];
	size_t ncli = 0;

	buf_init(&out.b, 1 << 16);
	optind = 1;
	while ((c = getopt_long(argc, argv, "r:R:t:c:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (ncap >= MAX_CAPTURES) {
				fprintf(stderr, "vigil detect: too many captures\n");
				goto out;
			}
			captures[ncap++] = optarg;
			break;
		case 'R': storedir = optarg; break;
		case 't': range = optarg; break;
		case 'c': confpath = optarg; break;
		case 'o':
			if (strcmp(optarg, "json") != 0) {
				fprintf(stderr, "vigil detect: only -o json is supported\n");
				goto out;
			}
			break;
		case OPT_NETWORK: case OPT_ALLOW: case OPT_WINDOW: case OPT_LIST: case OPT_SET:
			if (ncli >= 512)
				goto usage;
			cli_key[ncli] = c == OPT_NETWORK ? "network" : c == OPT_ALLOW ? "allow" :
					c == OPT_WINDOW ? "window" : c == OPT_LIST ? "\001list" : "\001set";
			cli_val[ncli++] = optarg;
			break;
		case OPT_STATS: stats = true; break;
		case OPT_CONSUME: ca.urls = optarg; break;
		case OPT_PARTS: ca.parts = optarg; break;
		case OPT_PCOUNT: ca.count = optarg; break;
		case OPT_DESK: ca.desk = optarg; break;
		case OPT_PREFETCH: ca.prefetch = optarg; break;
		case OPT_DRAIN: ca.drain = true; break;
		case 'h':
			fputs(usage_text, stdout);
			status = 0;
			goto out;
		default:
			goto usage;
		}
	}
	if (optind < argc || (ncap && storedir) || (ca.urls && (ncap || storedir || range)))
		goto usage;
	if (range && vtime_parse_range(range, &fc.from, &fc.to) < 0) {
		fprintf(stderr, "vigil detect: bad time range: %s\n", range);
		goto out;
	}
	rc = conf_load(confpath, &cf, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "vigil detect: %s\n", err);
		goto out;
	}
	for (size_t i = 0; i < ncli; i++) {
		if (strcmp(cli_key[i], "\001set") == 0) {
			char key[128];
			const char *eq = strchr(cli_val[i], '=');

			if (!eq || (size_t)(eq - cli_val[i]) >= sizeof(key)) {
				fprintf(stderr, "vigil detect: --set wants KEY=VALUE: %s\n", cli_val[i]);
				goto out;
			}
			memcpy(key, cli_val[i], (size_t)(eq - cli_val[i]));
			key[eq - cli_val[i]] = '\0';
			rc = conf_set(cf, "detect", key, eq + 1);
		} else if (strcmp(cli_key[i], "\001list") == 0) {
			rc = conf_set(cf, "intel", "list", cli_val[i]);
		} else {
			rc = conf_set(cf, "detect", cli_key[i], cli_val[i]);
		}
		if (rc < 0) {
			fprintf(stderr, "vigil detect: %s\n", vigil_strerror(rc));
			goto out;
		}
	}
	if (conf_get_all(cf, "intel", "list", lists, MAX_LISTS, &nlists) < 0) {
		fprintf(stderr, "vigil detect: too many lists\n");
		goto out;
	}
	set = intel_set_new();
	if (!set)
		goto nomem;
	for (size_t i = 0; i < nlists; i++) {
		long n = intel_load(set, lists[i], cli_report_bad_line, NULL, NULL);

		if (n < 0) {
			fprintf(stderr, "vigil detect: %s: %s\n", lists[i], vigil_strerror((int)n));
			status = 1;
			goto out;
		}
	}
	if (intel_build(set) < 0)
		goto nomem;
	if (ca.urls) {
		status = run_consume(&ca, cf, set);
		goto out;
	}
	rc = detect_new(cf, emit_stdout, &out, &d, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "vigil detect: %s\n", err);
		goto out;
	}
	detect_set_intel(d, set);
	fc.d = d;
	if (ncap) {
		dec = flow_decoder_new(NULL);
		if (!dec)
			goto nomem;
		for (size_t i = 0; i < ncap; i++) {
			long n = flow_pcap_read(captures[i], dec, on_flows, &fc, err, sizeof(err));

			if (n < 0) {
				fprintf(stderr, "vigil detect: %s: %s\n", captures[i], err);
				status = 1;
				goto out;
			}
		}
	} else {
		if (!storedir)
			storedir = conf_get(cf, "store", "dir", DEFAULT_STORE_DIR);
		if (run_store(&fc, storedir, err, sizeof(err)) < 0) {
			fprintf(stderr, "vigil detect: %s\n", err);
			status = 1;
			goto out;
		}
	}
	detect_flush(d);
	fflush(stdout);
	if (stats) {
		struct detect_stats st;

		detect_get_stats(d, &st);
		fprintf(stderr,
			"vigil detect: %llu flows (%llu outside the constituency, %llu late), %llu "
			"windows, %llu list hits, %llu events, %llu not tracked (tables full), "
			"%zu list entries, %.1f MiB of tables\n",
			(unsigned long long)st.flows, (unsigned long long)st.flows_external,
			(unsigned long long)st.flows_late, (unsigned long long)st.windows,
			(unsigned long long)st.list_hits, (unsigned long long)st.events,
			(unsigned long long)st.overflow, intel_count(set),
			(double)st.memory / (1024.0 * 1024.0));
	}
	status = 0;
	goto out;
nomem:
	fprintf(stderr, "vigil detect: out of memory\n");
	status = 1;
	goto out;
usage:
	fputs(usage_text, stderr);
	status = 2;
out:
	flow_decoder_free(dec);
	detect_free(d);
	intel_set_free(set);
	conf_free(cf);
	buf_free(&out.b);
	return status;
}
