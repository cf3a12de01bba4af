/*
 * run_block.c - blocks in `vigil run` (see run_block.h).
 */
#include "cli/run_block.h"
#include "block/block.h"
#include "desk/desk.h"
#include "util/conf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/vtime.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct run_block {
	struct desk *desk;
	struct block_ctx *b;
	struct block_stats st;
	int64_t interval_ms;
	pthread_t thr;
	bool running, stop;
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

static void *block_main(void *arg)
{
	struct run_block *r = arg;
	struct timespec ts;

	pthread_mutex_lock(&r->mu);
	while (!r->stop) {
		pthread_mutex_unlock(&r->mu);
		if (block_cycle(r->b, vtime_now_ms(), &r->st) < 0)
			log_warn("run: block: a cycle did not finish (see above); the next one retries");
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

static void rb_free(struct run_block *r)
{
	block_close(r->b);
	if (r->desk)
		desk_close(r->desk);
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->cv);
	free(r);
}

int run_block_start(const struct conf *cf, const char *desk_url, bool live, struct run_block **out)
{
	const char *store = conf_get(cf, "store", "dir", "./var/flows");
	char err[1024] = "";
	struct run_block *r;

	*out = NULL;
	if (!conf_get_bool(cf, "block", "enable", true))
		return 0;
	if (!(r = calloc(1, sizeof(*r))))
		return -1;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	r->interval_ms = conf_get_duration(cf, "block", "interval", 60 * 1000);
	if (r->interval_ms < 1000)
		r->interval_ms = 1000;
	if (desk_open(desk_url, &r->desk, err, sizeof(err)) < 0) {
		fprintf(stderr, "vigil run: desk %s: %s\n", desk_url, err);
		rb_free(r);
		return -1;
	}
	desk_set_actor(r->desk, "vigil-run");
	/* the store may appear only once the collector writes (capture mode): the cycle looks */
	if (!conf_get_bool(cf, "block", "check", true))
		store = NULL;
	if (block_open(cf, r->desk, store, &r->b, err, sizeof(err))) {
		fprintf(stderr, "vigil run: block: %s\n", err);
		rb_free(r);
		return -1;
	}
	if (live) {
		if (pthread_create(&r->thr, NULL, block_main, r)) {
			rb_free(r);
			return -1;
		}
		r->running = true;
		log_info("run: expiring, pushing and checking blocks every %llds",
			 (long long)(r->interval_ms / 1000));
	}
	*out = r;
	return 0;
}

int run_block_once(struct run_block *r)
{
	if (!r)
		return 0;
	return block_cycle(r->b, vtime_now_ms(), &r->st) < 0 ? -1 : 0;
}

void run_block_stop(struct run_block *r)
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
	if (r->st.expired || r->st.pushed || r->st.leaks || r->st.push_failed)
		fprintf(stderr,
			"vigil run: block: %llu expired, %llu changes pushed (%llu pushes failed),"
			" %llu not effective\n",
			(unsigned long long)r->st.expired, (unsigned long long)r->st.pushed,
			(unsigned long long)r->st.push_failed, (unsigned long long)r->st.leaks);
	rb_free(r);
}
