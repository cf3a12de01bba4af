/*
 * cmd_collect.c - `vigil collect`: receive NetFlow/IPFIX on UDP and store
 * the flows (or, with -r, read captures into the store and exit). Options
 * override vigil.conf's [collect] and [store] sections. Signals are taken by
 * one thread with sigwait(): SIGTERM/SIGINT stop (everything received is
 * stored, exit 0), SIGHUP reloads the allow-list and sampling overrides from
 * the config file, SIGUSR1 prints per-exporter counters to stderr.
 */
#include "bus/bus.h"
#include "cli/commands.h"
#include "collect/collect.h"
#include "util/err.h"
#include "util/log.h"
#include "util/vtime.h"

#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CAPTURES 4096

static void usage(FILE *out)
{
	fprintf(out,
		"usage: vigil collect [-v] [-c CONFIG] [-w STOREDIR] [-p PORT ...] [-l ADDR:PORT ...]\n"
		"                     [-u USER] [--stats-interval DURATION]\n"
		"       vigil collect [-c CONFIG] [-w STOREDIR] -r CAPTURE [-r CAPTURE ...]\n"
		"  (either form) [--publish amqp://USER:PASS@HOST:PORT/VHOST,...] [--partitions P]\n"
		"  -c CONFIG     vigil.conf ([collect] and [store] sections)\n"
		"  -w STOREDIR   flow store directory (default ./var/flows)\n"
		"  -p PORT       listen on [::]:PORT and 0.0.0.0:PORT (repeatable)\n"
		"  -l ADDR:PORT  listen on one address, [v6]:port for IPv6 (repeatable)\n"
		"  -r CAPTURE    read a pcap/pcapng (any UDP port) into the store, then exit\n"
		"  -u USER       user to become after binding when started as root (default nobody)\n"
		"  -v            more logging; periodic stats and per-exporter table at exit\n"
		"  --stats-interval DURATION  stats line period at -v (default 60s, 0 = off)\n"
		"  --publish URLS  also publish the flows to the bus (RabbitMQ; [bus] url)\n"
		"  --partitions P  partitions of the bus (default 8; [bus] partitions)\n"
		"Signals: TERM/INT stop cleanly, HUP reloads the allow-list and sampling,\n"
		"USR1 prints per-exporter counters to stderr. See vigil-collect(1).\n");
}

struct sigctx {
	struct collect *c;
	const char *conf_path;
	sigset_t set;
};

/* The signal thread: everything a handler must not do happens here. */
static void *sig_thread(void *arg)
{
	struct sigctx *s = arg;

	for (;;) {
		int sig = 0;

		if (sigwait(&s->set, &sig) != 0)
			continue;
		if (sig == SIGTERM || sig == SIGINT) {
			log_info("collect: signal %d: stopping", sig);
			collect_stop(s->c);
		} else if (sig == SIGUSR1) {
			collect_request_stats(s->c);
		} else if (sig == SIGHUP) {
			struct conf *cf = NULL;
			char err[512] = "";
			int rc = conf_load(s->conf_path, &cf, err, sizeof(err));
			if (rc == 0)
				rc = collect_reload(s->c, cf, err, sizeof(err));
			if (rc)
				log_error("collect: reload failed, keeping the old settings: %s",
					  err[0] ? err : vigil_strerror(rc));
			else
				log_info("collect: reloading %s", s->conf_path ? s->conf_path :
					 "(no config file: allow-list and sampling cleared)");
			conf_free(cf);
		} else if (sig == SIGUSR2) {
			break;  /* our own request to end */
		}
	}
	return NULL;
}

static int run_live(struct collect *c, const char *conf_path)
{
	struct sigctx s = { c, conf_path, { { 0 } } };
	pthread_t t;
	int rc;

	s.set = (sigset_t){ { 0 } };
	sigemptyset(&s.set);
	sigaddset(&s.set, SIGTERM);
	sigaddset(&s.set, SIGINT);
	sigaddset(&s.set, SIGHUP);
	sigaddset(&s.set, SIGUSR1);
	sigaddset(&s.set, SIGUSR2);
	if (pthread_create(&t, NULL, sig_thread, &s) != 0) {
		fprintf(stderr, "vigil collect: cannot start the signal thread\n");
		return 1;
	}
	rc = collect_run(c);
	pthread_kill(t, SIGUSR2);
	pthread_join(t, NULL);
	if (rc) {
		fprintf(stderr, "vigil collect: %s\n", vigil_strerror(rc));
		return 1;
	}
	return 0;
}

/* Wait for the broker to confirm every batch; say what happened. */
static int finish_bus(struct bus_pub *pub, int64_t timeout_ms)
{
	int rc = bus_pub_finish(pub, timeout_ms);

	bus_pub_print_stats(pub, stderr);
	if (rc)
		fprintf(stderr, "vigil collect: bus: not every batch was confirmed within %lld s\n",
			(long long)(timeout_ms / 1000));
	return rc;
}

int cmd_collect(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "stats-interval", required_argument, NULL, 'S' },
		{ "publish", required_argument, NULL, 'P' },
		{ "partitions", required_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct collect_opts o;
	struct collect_totals t;
	struct collect *c = NULL;
	struct conf *cf = NULL;
	const char *conf_path = NULL, *store = NULL, *user = NULL, *stats_iv = NULL;
	const char *publish = NULL, *partitions = NULL;
	struct bus_pub *pub = NULL;
	const char *captures[MAX_CAPTURES];
	const char *listens[COLLECT_MAX_LISTEN];
	size_t ncap = 0, nlisten = 0;
	char err[512] = "";
	sigset_t set;
	int ch, rc, status = 1;

	collect_opts_init(&o);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:w:p:l:r:u:vh", lopts, NULL)) != -1) {
		switch (ch) {
		case 'c': conf_path = optarg; break;
		case 'w': store = optarg; break;
		case 'p':
		case 'l':
			if (nlisten == COLLECT_MAX_LISTEN) {
				fprintf(stderr, "vigil collect: too many -p/-l\n");
				goto usage_out;
			}
			if (ch == 'p' && strchr(optarg, ':')) {
				fprintf(stderr, "vigil collect: -p takes a port; use -l ADDR:PORT\n");
				goto usage_out;
			}
			listens[nlisten++] = optarg;
			break;
		case 'r':
			if (ncap == MAX_CAPTURES) {
				fprintf(stderr, "vigil collect: too many -r\n");
				goto usage_out;
			}
			captures[ncap++] = optarg;
			break;
		case 'u': user = optarg; break;
		case 'S': stats_iv = optarg; break;
		case 'P': publish = optarg; break;
		case 'N': partitions = optarg; break;
		case 'v':
			if (log_get_level() < LOG_LVL_DEBUG)
				log_set_level(log_get_level() + 1);
			break;
		case 'h':
			usage(stdout);
			status = 0;
			goto out;
		default:
			goto usage_out;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "vigil collect: unexpected argument '%s'\n", argv[optind]);
		goto usage_out;
	}
	if ((rc = conf_load(conf_path, &cf, err, sizeof(err)))) {
		fprintf(stderr, "vigil collect: %s\n", err);
		goto out;
	}
	if ((rc = collect_opts_from_conf(&o, cf, err, sizeof(err)))) {
		fprintf(stderr, "vigil collect: %s: %s\n", conf_path ? conf_path : "config", err);
		goto out;
	}
	if (nlisten) {
		o.nlisten = 0;  /* the command line replaces the configured addresses */
		for (size_t i = 0; i < nlisten; i++) {
			if (collect_opts_add_listen(&o, listens[i])) {
				fprintf(stderr, "vigil collect: bad listen address '%s'\n", listens[i]);
				goto usage_out;
			}
		}
	}
	if (store)
		snprintf(o.store_dir, sizeof(o.store_dir), "%s", store);
	if (user)
		snprintf(o.user, sizeof(o.user), "%s", user);
	if (stats_iv && vtime_parse_duration(stats_iv, &o.stats_interval_ms)) {
		fprintf(stderr, "vigil collect: --stats-interval %s: not a duration (e.g. 10s)\n",
			stats_iv);
		goto usage_out;
	}

	/* Signals go to the signal thread only: block them before any thread starts. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	if (!ncap)
		pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	if ((rc = collect_new(&o, ncap == 0, &c, err, sizeof(err)))) {
		fprintf(stderr, "vigil collect: %s\n", err[0] ? err : vigil_strerror(rc));
		goto out;
	}
	if (!publish)
		publish = conf_get(cf, "bus", "url", NULL);
	if (publish) {
		struct bus_pub_opts po = { .urls = publish, .conf = cf };
		int64_t np = partitions ? strtoll(partitions, NULL, 10)
					: conf_get_int(cf, "bus", "partitions", BUS_DEFAULT_PARTITIONS);

		if (np < 1 || np > BUS_MAX_PARTITIONS) {
			fprintf(stderr, "vigil collect: --partitions wants 1..%d\n", BUS_MAX_PARTITIONS);
			goto usage_out;
		}
		po.partitions = (unsigned)np;
		po.collector_id = conf_get(cf, "bus", "collector_id", NULL);
		if ((rc = bus_pub_new(&po, &pub, err, sizeof(err)))) {
			fprintf(stderr, "vigil collect: bus: %s\n", err[0] ? err : vigil_strerror(rc));
			goto out;
		}
		if ((rc = collect_add_sink(c, bus_pub_flows, pub))) {
			fprintf(stderr, "vigil collect: bus: %s\n", vigil_strerror(rc));
			goto out;
		}
	}
	if (ncap) {
		bool failed = false;
		for (size_t i = 0; i < ncap; i++) {
			long n = collect_read_capture(c, captures[i], err, sizeof(err));
			if (n < 0) {
				fprintf(stderr, "vigil collect: %s: %s\n", captures[i],
					err[0] ? err : vigil_strerror((int)n));
				failed = true;
			} else {
				log_info("collect: %s: %ld flows", captures[i], n);
			}
		}
		rc = collect_finish(c);
		if (rc)
			fprintf(stderr, "vigil collect: store: %s\n", vigil_strerror(rc));
		collect_stats(c, stdout, log_get_level() >= LOG_LVL_INFO);
		collect_get_totals(c, &t);
		status = failed || rc || t.store_errors ? 1 : 0;
		if (pub && finish_bus(pub, conf_get_duration(cf, "bus", "confirm_timeout", 600000)))
			status = 1;
		goto out;
	}
	if ((rc = collect_drop_privileges(c, err, sizeof(err)))) {
		fprintf(stderr, "vigil collect: %s\n", err);
		goto out;
	}
	status = run_live(c, conf_path);
	if (status == 0 && (rc = collect_finish(c)))
		fprintf(stderr, "vigil collect: store: %s\n", vigil_strerror(rc));
	collect_stats(c, stderr, log_get_level() >= LOG_LVL_INFO);
	collect_get_totals(c, &t);
	if (t.store_errors)
		status = 1;
	if (pub && finish_bus(pub, conf_get_duration(cf, "bus", "confirm_timeout", 600000)))
		status = 1;
	goto out;
usage_out:
	usage(stderr);
	status = 2;
out:
	collect_free(c);
	bus_pub_free(pub);
	conf_free(cf);
	collect_opts_free(&o);
	return status;
}
