/*
 * queue.c - the bounded queue of flow batches between the receive thread
 * (producer: the decoders emit straight into the open batch) and the store
 * worker thread (consumer: sinks, then store_writer_add, and
 * store_writer_tick so the block in progress is finished every flush
 * interval even when nothing arrives). Single producer, single consumer;
 * the lock is taken once per batch, never per flow. Batches are allocated
 * when the backlog first needs them, up to a cap, and reused; at the cap the
 * producer waits and the socket buffer takes the burst.
 */
#include "collect/collect_int.h"
#include "util/err.h"
#include "util/log.h"
#include "util/vtime.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int collect_queue_init(struct collect_queue *q, unsigned cap)
{
	memset(q, 0, sizeof(*q));
	if (cap < 2)
		cap = 2;
	q->cap = cap;
	q->all = calloc(cap, sizeof(*q->all));
	q->fifo = calloc(cap, sizeof(*q->fifo));
	q->free = calloc(cap, sizeof(*q->free));
	if (q->all && q->fifo && q->free)
		q->open = malloc(sizeof(*q->open));
	if (!q->open) {
		free(q->all);
		free(q->fifo);
		free(q->free);
		memset(q, 0, sizeof(*q));
		return VIGIL_ENOMEM;
	}
	q->open->n = 0;
	q->all[q->nalloc++] = q->open;
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->not_empty, NULL);
	pthread_cond_init(&q->not_full, NULL);
	return 0;
}

/* With q->mu held: a batch to fill next - a returned one, a new one while
 * under the cap, else wait for the worker to return one. */
static struct collect_batch *take_free(struct collect_queue *q)
{
	struct collect_batch *b;

	for (;;) {
		if (q->nfree)
			return q->free[--q->nfree];
		if (q->nalloc < q->cap && (b = malloc(sizeof(*b)))) {
			q->all[q->nalloc++] = b;
			return b;
		}
		pthread_cond_wait(&q->not_full, &q->mu);
	}
}

void collect_queue_publish(struct collect_queue *q)
{
	unsigned waiting;

	if (!q->open || q->open->n == 0)
		return;
	pthread_mutex_lock(&q->mu);
	q->fifo[q->head % q->cap] = q->open;
	q->head++;
	waiting = (unsigned)(q->head - q->tail);
	if (waiting > q->peak)
		q->peak = waiting;
	pthread_cond_signal(&q->not_empty);
	q->open = take_free(q);
	pthread_mutex_unlock(&q->mu);
	q->open->n = 0;
	q->first_ms = 0;
}

void collect_queue_emit(void *ctx, const struct flow *f, size_t n)
{
	struct collect_queue *q = ctx;

	while (n > 0) {
		struct collect_batch *b = q->open;
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
			b = q->fifo[q->tail % q->cap];
		done = q->closing && q->head == q->tail;
		pthread_mutex_unlock(&q->mu);
		if (b) {
			store_batch(q, b);
			pthread_mutex_lock(&q->mu);
			q->tail++;
			q->free[q->nfree++] = b;
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

	if (!q->all)
		return 0;
	if (q->started) {
		collect_queue_publish(q);
		pthread_mutex_lock(&q->mu);
		q->closing = true;
		pthread_cond_signal(&q->not_empty);
		pthread_mutex_unlock(&q->mu);
		pthread_join(q->thread, NULL);
		q->started = false;
	} else if (q->open && q->open->n) {
		/* never started (no store): still feed the sinks */
		store_batch(q, q->open);
		q->open->n = 0;
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
	if (!q->all)
		return;
	collect_queue_finish(q);
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->not_empty);
	pthread_cond_destroy(&q->not_full);
	for (unsigned i = 0; i < q->nalloc; i++)
		free(q->all[i]);
	free(q->all);
	free(q->fifo);
	free(q->free);
	memset(q, 0, sizeof(*q));
}
