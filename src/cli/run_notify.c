/*
 * run_notify.c - notifications in `vigil run` (see run_notify.h).
 */
#include "cli/run_notify.h"
#include "desk/desk.h"
#include "notify/notify.h"
#include "util/conf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/vtime.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

struct run_notify {
	struct desk *desk;
	struct notify *n;
	struct notify_stats st;
	int64_t interval_ms;
	pthread_t thr;
	bool running, stop;
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

static void *notify_main(void *arg)
{
	struct run_notify *r = arg;
	struct timespec ts;

	pthread_mutex_lock(&r->mu);
	while (!r->stop) {
		pthread_mutex_unlock(&r->mu);
		if (notify_cycle(r->n, vtime_now_ms(), &r->st) < 0)
			log_warn("run: notify: a cycle did not finish (see above); the next one retries");
		pthread_mutex_lock(&r->mu);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += (time_t)(r->interval_ms / 1000);
		ts.tv_nsec += (long)(r->interval_ms % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		while (!r->stop && pthread_cond_timedwait(&r->cv, &r->mu, &ts) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

static void rn_free(struct run_notify *r)
{
	notify_close(r->n);
	if (r->desk)
		desk_close(r->desk);
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->cv);
	free(r);
}

int run_notify_start(const struct conf *cf, const char *desk_url, const struct whois_db *whois,
		     bool live, struct run_notify **out)
{
	const char *store = conf_get(cf, "store", "dir", "./var/flows");
	char err[1024] = "";
	struct run_notify *r;
	struct stat sb;

	*out = NULL;
	if (!conf_get(cf, "notify", "smtp", NULL) && !conf_get_bool(cf, "notify", "enable", false))
		return 0;
	if (!(r = calloc(1, sizeof(*r))))
		return -1;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	r->interval_ms = conf_get_duration(cf, "notify", "interval", 60 * 1000);
	if (r->interval_ms < 1000)
		r->interval_ms = 1000;
	if (desk_open(desk_url, &r->desk, err, sizeof(err)) < 0) {
		fprintf(stderr, "vigil run: desk %s: %s\n", desk_url, err);
		rn_free(r);
		return -1;
	}
	desk_set_actor(r->desk, "vigil-run");
	if (stat(store, &sb) || !S_ISDIR(sb.st_mode))
		store = NULL;
	if (notify_open(cf, r->desk, whois, store, &r->n, err, sizeof(err))) {
		fprintf(stderr, "vigil run: notify: %s\n", err);
		rn_free(r);
		return -1;
	}
	if (live) {
		if (pthread_create(&r->thr, NULL, notify_main, r)) {
			rn_free(r);
			return -1;
		}
		r->running = true;
		log_info("run: telling sites every %llds%s", (long long)(r->interval_ms / 1000),
			 notify_can_send(r->n) ? "" : " (no [notify] smtp: mails stay in the outbox)");
	}
	*out = r;
	return 0;
}

int run_notify_once(struct run_notify *r)
{
	if (!r)
		return 0;
	return notify_cycle(r->n, vtime_now_ms(), &r->st) < 0 ? -1 : 0;
}

void run_notify_stop(struct run_notify *r)
{
	if (!r)
		return;
	if (r->running) {
		pthread_mutex_lock(&r->mu);
		r->stop = true;
		pthread_cond_signal(&r->cv);
		pthread_mutex_unlock(&r->mu);
		pthread_join(r->thr, NULL);
	}
	fprintf(stderr,
		"vigil run: notify: %llu mails queued, %llu incidents told, %llu reminders,"
		" %llu escalations; sent %llu, deferred %llu, failed %llu\n",
		(unsigned long long)r->st.queued, (unsigned long long)r->st.incidents,
		(unsigned long long)r->st.reminders, (unsigned long long)r->st.escalations,
		(unsigned long long)r->st.sent, (unsigned long long)r->st.deferred,
		(unsigned long long)r->st.failed);
	rn_free(r);
}
