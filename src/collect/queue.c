/*
 * queue.c - the bounded queue of flow batches between the receive thread
 * (producer: the decoders emit straight into the open batch) and the store
 * worker thread (consumer: sinks, then store_writer_add, and
 * store_writer_tick so the block in progress is finished every flush
 * interval even when nothing arrives). Single producer, single consumer;
 * the lock is taken once per batch, never per flow. A full queue makes the
 * producer wait: the socket buffer then takes the burst.
 */
#include "collect/collect_int.h"
#include "util/err.h"
#include "util/log.h"
#include "util/vtime.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int collect_queue_init(struct collect_queue *q, unsigned nslots)
{
	memset(q, 0, sizeof(*q));
	if (nslots < 2)
		nslots = 2;
	q->slots = calloc(nslots, sizeof(*q->slots));
	if (!q->slots)
		return VIGIL_ENOMEM;
	q->nslots = nslots;
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->not_empty, NULL);
	pthread_cond_init(&q->not_full, NULL);
	return 0;
}

static struct collect_batch *open_batch(struct collect_queue *q)
{
	return &q->slots[q->head % q->nslots];
}

void collect_queue_publish(struct collect_queue *q)
{
	if (open_batch(q)->n == 0)
		return;
	pthread_mutex_lock(&q->mu);
	q->head++;
	pthread_cond_signal(&q->not_empty);
	/* The next open batch must not be one the worker still holds. */
	while (q->head - q->tail >= q->nslots)
		pthread_cond_wait(&q->not_full, &q->mu);
	pthread_mutex_unlock(&q->mu);
	open_batch(q)->n = 0;
	q->first_ms = 0;
}

void collect_queue_emit(void *ctx, const struct flow *f, size_t n)
{
	struct collect_queue *q = ctx;

	while (n > 0) {
		struct collect_batch *b = open_batch(q);
		size_t room = COLLECT_BATCH_FLOWS - b->n;
		size_t k = n < room ? n : room;

		if (b->n == 0 && k > 0)
			q->first_ms = vtime_now_ms();
		memcpy(&b->flows[b->n], f, k * sizeof(*f));
		b->n += k;
		f += k;
		n -= k;
		if (b->n == COLLECT_BATCH_FLOWS)
			collect_queue_publish(q);
	}
}

static void store_batch(struct collect_queue *q, struct collect_batch *b)
{
	int rc;

	for (size_t i = 0; i < q->nsinks; i++)
		q->sinks[i].fn(q->sinks[i].ctx, b->flows, b->n);
	if (!q->writer)
		return;
	rc = store_writer_add(q->writer, b->flows, b->n);
	if (rc < 0) {
		if (!q->first_error) {
			q->first_error = rc;
			log_error("collect: store: %s; flows are being lost", vigil_strerror(rc));
		}
		atomic_fetch_add(&q->store_errors, b->n);
	} else {
		atomic_fetch_add(&q->stored, b->n);
	}
}

static void tick(struct collect_queue *q)
{
	int rc;

	if (!q->writer)
		return;
	rc = store_writer_tick(q->writer, vtime_now_ms());
	if (rc < 0 && !q->first_error) {
		q->first_error = rc;
		log_error("collect: store: %s", vigil_strerror(rc));
	}
}

static void *worker(void *arg)
{
	struct collect_queue *q = arg;

	for (;;) {
		struct collect_batch *b = NULL;
		bool done;

		pthread_mutex_lock(&q->mu);
		if (q->head == q->tail && !q->closing) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += (long)q->tick_ms * 1000000L;
			ts.tv_sec += ts.tv_nsec / 1000000000L;
			ts.tv_nsec %= 1000000000L;
			pthread_cond_timedwait(&q->not_empty, &q->mu, &ts);
		}
		if (q->head != q->tail)
			b = &q->slots[q->tail % q->nslots];
		done = q->closing && q->head == q->tail;
		pthread_mutex_unlock(&q->mu);
		if (b) {
			store_batch(q, b);
			pthread_mutex_lock(&q->mu);
			q->tail++;
			pthread_cond_signal(&q->not_full);
			pthread_mutex_unlock(&q->mu);
		}
		tick(q);
		if (done)
			break;
	}
	return NULL;
}

int collect_queue_start(struct collect_queue *q, struct store_writer *w, int64_t tick_ms,
			const struct collect_sink *sinks, size_t nsinks)
{
	sigset_t all, old;
	int rc;

	q->writer = w;
	q->tick_ms = tick_ms < 10 ? 10 : tick_ms > 250 ? 250 : tick_ms;
	q->sinks = sinks;
	q->nsinks = nsinks;
	/* Signals belong to the thread that runs the receive loop (or the
	 * embedding program's signal thread), never to the worker. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&q->thread, NULL, worker, q);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		return VIGIL_ESYS;
	q->started = true;
	return 0;
}

int collect_queue_finish(struct collect_queue *q)
{
	int rc;

	if (!q->slots)
		return 0;
	if (q->started) {
		collect_queue_publish(q);
		pthread_mutex_lock(&q->mu);
		q->closing = true;
		pthread_cond_signal(&q->not_empty);
		pthread_mutex_unlock(&q->mu);
		pthread_join(q->thread, NULL);
		q->started = false;
	} else if (open_batch(q)->n) {
		/* never started (no store): still feed the sinks */
		store_batch(q, open_batch(q));
		open_batch(q)->n = 0;
	}
	if (q->writer) {
		rc = store_writer_close(q->writer);
		q->writer = NULL;
		if (rc < 0 && !q->first_error) {
			q->first_error = rc;
			log_error("collect: closing the store: %s", vigil_strerror(rc));
		}
	}
	return q->first_error;
}

void collect_queue_free(struct collect_queue *q)
{
	if (!q->slots)
		return;
	collect_queue_finish(q);
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->not_empty);
	pthread_cond_destroy(&q->not_full);
	free(q->slots);
	q->slots = NULL;
}
