/*
 * run_hunt.c - retro-hunts on reload in `vigil run` (see run_hunt.h).
 *
 * The thread keeps two list sets, each with its own hold on the intel
 * handle (so neither is freed under it): the one the last hunt brought the
 * desk up to (hunted) and the newest one (latest). While they differ it
 * hunts intel_diff(latest, hunted) with a third hold on the one it hunts,
 * which becomes hunted's when the hunt is over.
 */
#include "cli/run_hunt.h"
#include "cli/commands.h"
#include "cli/hunt_desk.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "desk/desk.h"
#include "detect/detect.h"
#include "intel/intel.h"
#include "util/conf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/vtime.h"

struct run_hunt {
	const struct conf *cf;
	char *desk_url, *store_dir;
	const struct whois_db *whois;
	struct intel_handle *h;
	int64_t since_ms;
	pthread_t thr;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	const struct intel_set *hunted, *latest;
	bool stop;
};

static void hunt_once(struct run_hunt *r, const struct intel_set *now, const struct intel_set *before)
{
	struct intel_set *added = NULL;
	struct hunt_opts o = { .store_dir = r->store_dir, .to_ms = INT64_MAX };
	struct hunt_stats hs;
	struct desk_ingest_stats ds;
	struct desk *d = NULL;
	char err[512] = "";
	long n = intel_diff(now, before, &added);

	if (n <= 0) {
		if (n < 0)
			log_error("hunt: %s", vigil_strerror((int)n));
		intel_set_free(added);
		return;
	}
	o.entries = added;
	o.from_ms = vtime_now_ms() - r->since_ms;
	log_info("hunt: the lists gained %ld entries: looking for them in the flows of the last %lld days",
		 n, (long long)(r->since_ms / 86400000));
	if (desk_open(r->desk_url, &d, err, sizeof(err)) < 0) {
		log_error("hunt: desk: %s", err);
	} else {
		desk_set_actor(d, "vigil-hunt");
		if (r->whois)
			desk_set_site_lookup(d, cli_site_of, (void *)r->whois);
		if (hunt_to_desk(r->cf, &o, d, &hs, &ds, err, sizeof(err)) < 0)
			log_error("hunt: %s", err);
		else
			hunt_print(stderr, "vigil run: hunt", &hs, &ds);
		desk_close(d);
	}
	intel_set_free(added);
}

static void *hunt_main(void *arg)
{
	struct run_hunt *r = arg;

	pthread_mutex_lock(&r->mu);
	for (;;) {
		while (!r->stop && r->latest == r->hunted)
			pthread_cond_wait(&r->cv, &r->mu);
		if (r->latest == r->hunted)
			break; /* stop, and nothing left to hunt */
		const struct intel_set *now = r->latest, *before = r->hunted;

		intel_handle_hold(r->h, now);
		pthread_mutex_unlock(&r->mu);
		hunt_once(r, now, before);
		pthread_mutex_lock(&r->mu);
		/* the desk is up to now: its hold moves to hunted */
		intel_handle_release(r->h, before);
		r->hunted = now;
		if (r->stop)
			break;
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

int run_hunt_start(const struct conf *cf, const char *desk_url, const char *store_dir,
		   const struct whois_db *whois, struct intel_handle *h, struct run_hunt **out)
{
	struct run_hunt *r;

	*out = NULL;
	if (!conf_get_bool(cf, "hunt", "on_reload", true))
		return 0;
	if (!(r = calloc(1, sizeof(*r))) || !(r->desk_url = strdup(desk_url)) ||
	    !(r->store_dir = strdup(store_dir))) {
		if (r)
			free(r->desk_url);
		free(r);
		fprintf(stderr, "vigil run: out of memory\n");
		return -1;
	}
	r->cf = cf;
	r->whois = whois;
	r->h = h;
	r->since_ms = conf_get_duration(cf, "hunt", "since", 30LL * 86400000);
	r->hunted = intel_handle_acquire(h);
	r->latest = intel_handle_acquire(h);
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	if (pthread_create(&r->thr, NULL, hunt_main, r) != 0) {
		fprintf(stderr, "vigil run: cannot start the hunt thread\n");
		intel_handle_release(h, r->hunted);
		free(r->desk_url);
		free(r->store_dir);
		free(r);
		return -1;
	}
	*out = r;
	return 0;
}

void run_hunt_reloaded(struct run_hunt *r)
{
	const struct intel_set *s;

	if (!r)
		return;
	s = intel_handle_acquire(r->h);
	pthread_mutex_lock(&r->mu);
	intel_handle_release(r->h, r->latest);
	r->latest = s;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

void run_hunt_stop(struct run_hunt *r)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->mu);
	r->stop = true;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
	pthread_join(r->thr, NULL);
	intel_handle_release(r->h, r->latest);
	intel_handle_release(r->h, r->hunted);
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->cv);
	free(r->desk_url);
	free(r->store_dir);
	free(r);
}
