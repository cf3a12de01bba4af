/*
 * cmd_run.c - `vigil run`: the whole service from one configuration file.
 *
 * The spine of DESIGN.md in one process: the collector receives (or, with -r,
 * reads captures), stores every flow and hands each batch to the detectors;
 * the detectors' events are appended to the event log; the desk follows the
 * event log and turns events into incidents, looking up each host's site in
 * the constituency (whois) when one is configured. Stages meet only through
 * their public headers: flows go collect -> detect, events go through the
 * event log to the desk, as they would between separate processes.
 *
 * Threads: the collector's receive and store threads (detectors run on the
 * store thread as a sink), one desk follower, and this thread, which waits
 * for signals: SIGTERM/SIGINT stop, SIGHUP reloads the allow-list, sampling
 * overrides and threat lists (and what the lists gained is hunted for in the
 * stored flows, run_hunt.h), SIGUSR1 prints per-exporter counters.
 */
#include "cli/commands.h"
#include "cli/run_mail.h"
#include "cli/run_hunt.h"
#include "cli/run_block.h"
#include "cli/run_notify.h"
#include "cli/run_web.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <getopt.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collect/collect.h"
#include "desk/desk.h"
#include "detect/detect.h"
#include "intel/intel.h"
#include "util/conf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/vtime.h"
#include "whois/whois.h"

#define MAX_CAPTURES 256
#define MAX_LISTS 256
#define EVENT_BATCH 256

static const char usage_text[] =
	"usage: vigil run [-c CONFIG] [-r CAPTURE ...] [--desk URL] [-p PORT ...]\n"
	"Collect, store, detect and file incidents. With -r, work through the captures\n"
	"and exit; otherwise listen until SIGTERM. See vigil-run(1).\n";

struct run {
	struct conf *cf;
	const char *confpath;
	struct collect *col;
	struct detect *det;
	struct intel_handle *intel;
	struct evlog *evlog;
	struct desk *desk;
	struct whois_db *whois;
	struct run_mail *mail; /* [report] maildir, NULL when none */
	struct run_notify *notify; /* [notify], NULL when off */
	struct run_hunt *hunt; /* retro-hunts on reload, NULL when off */
	struct run_block *block;   /* [block], NULL when off */
	struct run_web *web;       /* [web] listen, NULL when off */
	const char *events_dir;
	/* events buffered on the store thread, appended once per batch */
	struct event ev[EVENT_BATCH];
	size_t nev;
	uint64_t events, evlog_errors;
	volatile sig_atomic_t follow_stop;
	struct desk_ingest_stats follow_st;
	int follow_rc;
};

/* (Re)load the [intel] lists of cf into the handle. */
static int load_intel(struct run *r, const struct conf *cf)
{
	const char *specs[MAX_LISTS];
	size_t n;
	int rc;

	if ((rc = conf_get_all(cf, "intel", "list", specs, MAX_LISTS, &n)) < 0)
		return rc;
	rc = intel_reload(r->intel, specs, n, cli_report_bad_line, NULL);
	if (rc < 0)
		return rc;
	const struct intel_set *set = intel_handle_acquire(r->intel);
	log_info("run: %zu threat-list entries from %zu lists", intel_count(set), n);
	intel_handle_release(r->intel, set);
	return 0;
}

static void flush_events(struct run *r)
{
	if (r->nev == 0)
		return;
	if (evlog_append(r->evlog, r->ev, r->nev, vtime_now_ms()) < 0) {
		r->evlog_errors += r->nev;
		log_error("run: cannot append %zu events to %s", r->nev, r->events_dir);
	}
	r->events += r->nev;
	r->nev = 0;
}

/* Detector output: buffered, written to the event log in batches. */
static void on_event(void *ctx, const struct event *e)
{
	struct run *r = ctx;

	r->ev[r->nev++] = *e;
	if (r->nev == EVENT_BATCH)
		flush_events(r);
}

/* Collector sink, on the store thread: run the detectors over the batch
 * against the threat lists in force now. */
static void on_flows(void *ctx, const struct flow *f, size_t n)
{
	struct run *r = ctx;
	const struct intel_set *set;

	if (!r->det)
		return;
	set = intel_handle_acquire(r->intel);

	detect_set_intel(r->det, set);
	detect_feed(r->det, f, n);
	detect_set_intel(r->det, NULL);
	intel_handle_release(r->intel, set);
	flush_events(r);
}

/* The constituency: a snapshot made by `vigil whois import`, else the
 * configured RPSL dumps and sites table, else none (sites stay empty). */
static int open_whois(struct run *r)
{
	int rc = cli_whois_open(r->cf, NULL, &r->whois);

	if (rc < 0)
		return rc;
	if (r->whois)
		desk_set_site_lookup(r->desk, cli_site_of, r->whois);
	return 0;
}

/*
 * Started as root, the collector becomes an unprivileged user once its
 * sockets are bound. Hand that user what the rest of the run writes: the
 * event log directory (files are created there at every rotation) and an
 * SQLite desk with its WAL files. Returns 0 or -1 with a sentence in err.
 */
static int hand_over(struct run *r, const char *desk_url, const char *user, char *err,
		     size_t errlen)
{
	char path[PATH_MAX + 8];
	struct passwd pw, *res = NULL;
	char pwbuf[4096];
	struct dirent *de;
	DIR *dh;

	if (geteuid() != 0)
		return 0;
	if (!user[0])
		user = "nobody";
	if (strcmp(user, "root") == 0)
		return 0;
	if (getpwnam_r(user, &pw, pwbuf, sizeof(pwbuf), &res) != 0 || !res) {
		snprintf(err, errlen, "no user '%s' to run as", user);
		return -1;
	}
	if (chown(r->events_dir, pw.pw_uid, pw.pw_gid) < 0) {
		snprintf(err, errlen, "%.400s: %s", r->events_dir, strerror(errno));
		return -1;
	}
	if ((dh = opendir(r->events_dir))) {
		while ((de = readdir(dh))) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", r->events_dir, de->d_name);
			if (chown(path, pw.pw_uid, pw.pw_gid) < 0)
				log_warn("run: %s: %s", path, strerror(errno));
		}
		closedir(dh);
	}
	if (strncmp(desk_url, "sqlite:", 7) == 0) {
		static const char *const suffix[] = { "", "-wal", "-shm" };

		for (size_t i = 0; i < 3; i++) {
			snprintf(path, sizeof(path), "%s%s", desk_url + 7, suffix[i]);
			if (chown(path, pw.pw_uid, pw.pw_gid) < 0 && errno != ENOENT) {
				snprintf(err, errlen, "%.400s: %s", path, strerror(errno));
				return -1;
			}
		}
	}
	return 0;
}

static void *follow_main(void *arg)
{
	struct run *r = arg;

	r->follow_rc = desk_follow(r->desk, r->events_dir, &r->follow_stop, &r->follow_st, NULL,
				   NULL);
	return NULL;
}

/* Wait for signals until told to stop (live mode). */
static void signal_loop(struct run *r, const sigset_t *set)
{
	for (;;) {
		int sig;
		char err[512] = "";

		if (sigwait(set, &sig) != 0)
			continue;
		if (sig == SIGTERM || sig == SIGINT) {
			log_info("run: stopping");
			collect_stop(r->col);
			return;
		}
		if (sig == SIGUSR1) {
			collect_request_stats(r->col);
			continue;
		}
		if (sig == SIGHUP) {
			struct conf *ncf = NULL;

			if (conf_load(r->confpath, &ncf, err, sizeof(err)) < 0) {
				log_error("run: reload: %s; keeping the old configuration", err);
				continue;
			}
			if (collect_reload(r->col, ncf, err, sizeof(err)) < 0)
				log_error("run: reload: %s", err);
			else if (err[0])
				log_warn("run: reload: %s", err);
			if (load_intel(r, ncf) < 0)
				log_error("run: reload of threat lists failed; keeping the old lists");
			else
				run_hunt_reloaded(r->hunt);
			conf_free(ncf); /* r->cf stays for the detectors' settings */
			log_info("run: configuration reloaded");
		}
	}
}

static void *collect_main(void *arg)
{
	struct run *r = arg;

	if (collect_run(r->col) < 0)
		log_error("run: collector stopped with a store error");
	/* wake the signal loop if the collector ended on its own */
	kill(getpid(), SIGTERM);
	return NULL;
}

int cmd_run(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "desk", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *captures[MAX_CAPTURES], *ports[32], *desk_url = NULL;
	size_t ncap = 0, nports = 0;
	struct run r;
	struct collect_opts co;
	char err[512] = "";
	int ch, rc, status = 1;
	bool opts_inited = false, follower = false;
	pthread_t follow_thr;
	sigset_t sigs;

	memset(&r, 0, sizeof(r));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:r:p:h", lopts, NULL)) != -1) {
		switch (ch) {
		case 'c': r.confpath = optarg; break;
		case 'r':
			if (ncap == MAX_CAPTURES)
				goto usage;
			captures[ncap++] = optarg;
			break;
		case 'p':
			if (nports == 32)
				goto usage;
			ports[nports++] = optarg;
			break;
		case 'd': desk_url = optarg; break;
		case 'h': fputs(usage_text, stdout); return 0;
		default: goto usage;
		}
	}
	if (optind != argc)
		goto usage;
	if (log_get_level() < LOG_LVL_INFO)
		log_set_level(LOG_LVL_INFO);

	if (conf_load(r.confpath, &r.cf, err, sizeof(err)) < 0) {
		fprintf(stderr, "vigil run: %s\n", err);
		return 1;
	}
	/* Block the signals before any thread starts; this thread takes them. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	/* threat lists and detectors */
	if (!(r.intel = intel_handle_new(NULL)))
		goto nomem;
	if (load_intel(&r, r.cf) < 0) {
		fprintf(stderr, "vigil run: cannot load the threat lists named in [intel]\n");
		goto out;
	}
	/* Without the constituency the detectors cannot tell inbound from
	 * outbound: collect and store only, and say so. */
	if (!conf_get(r.cf, "detect", "network", NULL))
		log_warn("run: no [detect] network in the configuration: collecting and "
			 "storing only, detectors off");
	else if ((rc = detect_new(r.cf, on_event, &r, &r.det, err, sizeof(err))) < 0) {
		fprintf(stderr, "vigil run: detect: %s\n", err);
		goto out;
	}
	r.events_dir = conf_get(r.cf, "detect", "events_dir", "./var/events");
	if ((rc = evlog_open(r.events_dir, NULL, &r.evlog)) < 0) {
		fprintf(stderr, "vigil run: event log %s: %s\n", r.events_dir, vigil_strerror(rc));
		goto out;
	}

	/* the desk and the constituency */
	if (!desk_url)
		desk_url = conf_get(r.cf, "desk", "url", "sqlite:./var/desk.sqlite");
	if (desk_open(desk_url, &r.desk, err, sizeof(err)) < 0) {
		fprintf(stderr, "vigil run: desk %s: %s\n", desk_url, err);
		goto out;
	}
	desk_set_actor(r.desk, "vigil-run");
	desk_set_windows(r.desk, conf_get_duration(r.cf, "desk", "window", 0),
			 conf_get_duration(r.cf, "desk", "recurrence", 0));
	if (open_whois(&r) < 0)
		goto out;
	if (run_mail_start(r.cf, desk_url, r.whois, ncap == 0, &r.mail) < 0)
		goto out;
	if (run_notify_start(r.cf, desk_url, r.whois, ncap == 0, &r.notify) < 0)
		goto out;
	if (ncap == 0 && r.det &&
	    run_hunt_start(r.cf, desk_url, conf_get(r.cf, "store", "dir", "./var/flows"), r.whois,
			   r.intel, &r.hunt) < 0)
		goto out;
	if (run_block_start(r.cf, desk_url, ncap == 0, &r.block) < 0)
		goto out;

	/* the collector */
	collect_opts_init(&co);
	opts_inited = true;
	if (collect_opts_from_conf(&co, r.cf, err, sizeof(err)) < 0) {
		fprintf(stderr, "vigil run: %s\n", err);
		goto out;
	}
	for (size_t i = 0; i < nports; i++) {
		if (collect_opts_add_listen(&co, ports[i]) < 0) {
			fprintf(stderr, "vigil run: bad port or address: %s\n", ports[i]);
			goto out;
		}
	}
	if (collect_new(&co, ncap == 0, &r.col, err, sizeof(err)) < 0) {
		fprintf(stderr, "vigil run: %s\n", err);
		goto out;
	}
	if (ncap == 0 && hand_over(&r, desk_url, co.user, err, sizeof(err)) < 0) {
		fprintf(stderr, "vigil run: %s\n", err);
		goto out;
	}
	/* the web desk, over its own desk connection (opened before privileges
	 * go, as the other stages' are), with the collector's counters */
	if (ncap == 0 && run_web_start(r.cf, desk_url, r.whois, r.col, false, NULL, NULL, &r.web) < 0)
		goto out;
	if (collect_drop_privileges(r.col, err, sizeof(err)) < 0) {
		fprintf(stderr, "vigil run: %s\n", err);
		goto out;
	}
	if (collect_add_sink(r.col, on_flows, &r) < 0)
		goto out;

	if (ncap) {
		for (size_t i = 0; i < ncap; i++) {
			long n = collect_read_capture(r.col, captures[i], err, sizeof(err));

			if (n < 0) {
				fprintf(stderr, "vigil run: %s: %s\n", captures[i], err);
				goto out;
			}
		}
		if (collect_finish(r.col) < 0) {
			fprintf(stderr, "vigil run: the store refused flows (see above)\n");
			goto out;
		}
		if (r.det)
			detect_flush(r.det);
		flush_events(&r);
		/* file every event of this run, then stop */
		rc = desk_follow_drain(r.desk, r.events_dir, &r.follow_st);
		if (rc < 0) {
			fprintf(stderr, "vigil run: desk: %s\n", vigil_strerror(rc));
			goto out;
		}
		/* and the abuse mail waiting in the maildir */
		if (run_mail_once(r.mail) < 0) {
			fprintf(stderr, "vigil run: desk: mail not filed is left in the maildir\n");
			goto out;
		}
		/* expire, push and check the blocks */
		if (run_block_once(r.block) < 0)
			fprintf(stderr, "vigil run: block: the cycle did not finish (see above)\n");
		/* and tell the sites what this run found */
		if (run_notify_once(r.notify) < 0)
			fprintf(stderr, "vigil run: notify: not everything was composed or sent (see above)\n");
	} else {
		pthread_t col_thr;

		if (pthread_create(&follow_thr, NULL, follow_main, &r) != 0)
			goto out;
		follower = true;
		if (pthread_create(&col_thr, NULL, collect_main, &r) != 0)
			goto out;
		log_info("run: collecting; SIGTERM stops, SIGHUP reloads, SIGUSR1 prints counters");
		signal_loop(&r, &sigs);
		pthread_join(col_thr, NULL);
		if (collect_finish(r.col) < 0)
			log_error("run: the store refused flows");
		if (r.det)
			detect_flush(r.det);
		flush_events(&r);
		/* stop the follower, then file what the last window produced */
		r.follow_stop = 1;
		pthread_join(follow_thr, NULL);
		follower = false;
		if (r.follow_rc < 0 || desk_follow_drain(r.desk, r.events_dir, &r.follow_st) < 0) {
			fprintf(stderr, "vigil run: desk: could not file every event; "
					"`vigil incident follow` resumes where it stopped\n");
			goto out;
		}
	}
	status = 0;
	goto out;
nomem:
	fprintf(stderr, "vigil run: out of memory\n");
	goto out;
usage:
	fputs(usage_text, stderr);
	return 2;
out:
	run_web_stop(r.web);
	run_hunt_stop(r.hunt);
	run_block_stop(r.block);
	run_notify_stop(r.notify);
	run_mail_stop(r.mail);
	if (follower) { /* an error before the normal stop */
		r.follow_stop = 1;
		pthread_join(follow_thr, NULL);
	}
	if (r.col) {
		struct collect_totals t;

		collect_get_totals(r.col, &t);
		collect_stats(r.col, stderr, false);
	}
	if (r.col) {
		struct detect_stats ds = { 0 };

		if (r.det)
			detect_get_stats(r.det, &ds);
		fprintf(stderr,
			"vigil run: %llu flows examined, %llu list hits, %llu events "
			"(%llu not written); desk: %llu events filed, %llu new incidents, "
			"%llu joined, %llu reopened, %llu duplicates\n",
			(unsigned long long)ds.flows, (unsigned long long)ds.list_hits,
			(unsigned long long)r.events, (unsigned long long)r.evlog_errors,
			(unsigned long long)r.follow_st.events,
			(unsigned long long)r.follow_st.new_incidents,
			(unsigned long long)r.follow_st.joined,
			(unsigned long long)r.follow_st.reopened,
			(unsigned long long)r.follow_st.duplicates);
	}
	collect_free(r.col);
	if (opts_inited)
		collect_opts_free(&co);
	detect_free(r.det);
	evlog_close(r.evlog);
	intel_handle_free(r.intel);
	desk_close(r.desk);
	whois_free(r.whois);
	conf_free(r.cf);
	return status;
}
