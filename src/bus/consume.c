/*
 * consume.c - a detector worker: consumes the queues of its partitions
 * (one channel each, manual acks), runs one struct detect per partition and
 * commits the events of every closed window to the desk before it
 * acknowledges the deliveries that fed it ("checkpoint with the ack",
 * docs/internals/bus.md).
 *
 * Why that is enough: a window closes when a flow ends past it, so when a
 * delivery closes a window, every delivery before it on that partition's
 * channel fed closed windows only. Those are acknowledged (multiple) in the
 * same step that commits the window's events; the delivery that closed the
 * window waits for the next close. With each commit the desk also stores the
 * partition's checkpoint, the start of the window still open: a worker that
 * starts (or reconnects) after another died gets the unacknowledged
 * deliveries again, marked redelivered, and skips their flows that end
 * before the checkpoint (their windows' events are in the desk already), so
 * it rebuilds exactly the open window. The desk keeps each event id once.
 */
#include "bus/amqp_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "desk/desk.h"
#include "detect/detect.h"
#include "intel/intel.h"
#include "util/err.h"
#include "util/event.h"
#include "util/log.h"

#define CTL_CHANNEL 1
#define CHANNEL_BASE 2 /* partition p consumes on channel CHANNEL_BASE + p */

struct wpart {
	bool on;
	unsigned idx;
	struct detect *d;
	struct event *ev;      /* emitted, not yet committed */
	size_t nev, cap;
	bool oom;
	uint64_t windows;      /* detect's closed-window count at the last commit */
	uint64_t last_tag;     /* latest delivery on the channel (0: none) */
	uint64_t acked_tag;    /* acknowledged up to */
	int64_t ckpt;          /* flows of redeliveries ending before this are done */
	char key[64];          /* desk position key */
};

struct worker {
	const struct bus_worker_opts *o;
	struct bus_brokers br;
	amqp_connection_state_t conn;
	struct desk *desk;
	struct wpart *p;
	unsigned np;
	struct flow *flows;
	struct bus_worker_stats *st;
	struct buf json;
	char *err;
	size_t errlen;
};

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_event(void *ctx, const struct event *e)
{
	struct wpart *p = ctx;

	if (p->nev == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		struct event *ev = realloc(p->ev, cap * sizeof(*ev));

		if (!ev) {
			p->oom = true;
			return;
		}
		p->ev = ev;
		p->cap = cap;
	}
	p->ev[p->nev++] = *e;
}

static int new_detect(struct worker *w, struct wpart *p)
{
	int rc;

	detect_free(p->d);
	p->d = NULL;
	p->nev = 0;
	rc = detect_new(w->o->conf, on_event, p, &p->d, w->err, w->errlen);
	if (rc < 0)
		return rc;
	detect_set_intel(p->d, w->o->intel);
	p->windows = 0;
	return 0;
}

/* Commit p's pending events with its checkpoint, then ack up to tag. */
static int commit(struct worker *w, struct wpart *p, int64_t ckpt, uint64_t tag)
{
	struct desk_ingest_stats ds = { 0 };
	int rc;

	if (p->oom) {
		snprintf(w->err, w->errlen, "partition %u: out of memory holding events", p->idx);
		return VIGIL_ENOMEM;
	}
	if ((rc = desk_ingest_begin(w->desk)) < 0)
		goto fail;
	for (size_t i = 0; i < p->nev; i++) {
		buf_reset(&w->json);
		if (event_to_json(&p->ev[i], &w->json) < 0) {
			rc = VIGIL_ENOMEM;
			desk_ingest_rollback(w->desk);
			goto fail;
		}
		rc = desk_ingest_event(w->desk, &p->ev[i], w->json.data, w->json.len, "bus", &ds);
		if (rc < 0) {
			desk_ingest_rollback(w->desk);
			goto fail;
		}
	}
	if ((rc = desk_ingest_commit(w->desk, p->key, "window", ckpt)) < 0)
		goto fail;
	w->st->events += p->nev;
	w->st->commits++;
	p->nev = 0;
	p->ckpt = ckpt;
	if (tag > p->acked_tag && w->conn) {
		if (amqp_basic_ack(w->conn, (amqp_channel_t)(CHANNEL_BASE + p->idx), tag, 1) != 0) {
			/* the broker requeues them; the checkpoint makes that harmless */
			log_warn("bus: partition %u: ack failed; the deliveries come back", p->idx);
		} else {
			w->st->acked += tag - p->acked_tag;
			p->acked_tag = tag;
		}
	}
	return 0;
fail:
	snprintf(w->err, w->errlen, "partition %u: desk: %s", p->idx, vigil_strerror(rc));
	return rc;
}

static void close_conn(struct worker *w)
{
	if (w->conn)
		amqp_destroy_connection(w->conn);
	w->conn = NULL;
}

/* (Re)connect, declare, subscribe. The open windows are dropped: the
 * broker gives their unacknowledged deliveries back. */
static int connect_all(struct worker *w)
{
	size_t which;
	int rc;

	close_conn(w);
	if ((rc = bus_amqp_connect(&w->br, &w->conn, &which, w->err, w->errlen)) < 0)
		return rc;
	if ((rc = bus_amqp_declare(w->conn, CTL_CHANNEL, w->o->partitions, w->err, w->errlen)) < 0)
		goto fail;
	for (unsigned i = 0; i < w->np; i++) {
		struct wpart *p = &w->p[i];
		amqp_channel_t ch = (amqp_channel_t)(CHANNEL_BASE + i);
		char q[64];

		if (!p->on)
			continue;
		if ((rc = new_detect(w, p)) < 0)
			goto fail;
		p->last_tag = p->acked_tag = 0;
		bus_queue_name(i, q, sizeof(q));
		amqp_channel_open(w->conn, ch);
		if ((rc = bus_amqp_reply(amqp_get_rpc_reply(w->conn), "channel open", w->err,
					 w->errlen)) < 0)
			goto fail;
		amqp_basic_qos(w->conn, ch, 0, (uint16_t)w->o->prefetch, 0);
		if ((rc = bus_amqp_reply(amqp_get_rpc_reply(w->conn), "basic.qos", w->err,
					 w->errlen)) < 0)
			goto fail;
		amqp_basic_consume(w->conn, ch, amqp_cstring_bytes(q), amqp_empty_bytes, 0, 0, 0,
				   amqp_empty_table);
		if ((rc = bus_amqp_reply(amqp_get_rpc_reply(w->conn), "basic.consume", w->err,
					 w->errlen)) < 0)
			goto fail;
	}
	w->st->reconnects++;
	log_info("bus: consuming from %s:%d", w->br.url[which].host, w->br.url[which].port);
	return 0;
fail:
	close_conn(w);
	return rc;
}

static void handle(struct worker *w, amqp_envelope_t *env)
{
	unsigned idx = env->channel >= CHANNEL_BASE ? (unsigned)(env->channel - CHANNEL_BASE) : w->np;
	struct bus_batch_info info;
	struct wpart *p;
	char derr[256];
	long n;
	size_t m = 0;

	if (idx >= w->np || !w->p[idx].on)
		return; /* not ours: never happens with one consumer a channel */
	p = &w->p[idx];
	p->last_tag = env->delivery_tag;
	w->st->deliveries++;
	if (env->redelivered)
		w->st->redelivered++;
	n = bus_batch_decode(env->message.body.bytes, env->message.body.len, &info, w->flows,
			     BUS_BATCH_MAX_FLOWS, derr, sizeof(derr));
	if (n < 0) {
		/* counted, named and dropped (acked with the next window): a bad
		 * message must not block the partition */
		w->st->bad++;
		log_error("bus: partition %u: delivery %llu (%.*s): %s", idx,
			  (unsigned long long)env->delivery_tag,
			  (int)env->message.properties.message_id.len,
			  (char *)env->message.properties.message_id.bytes, derr);
		return;
	}
	if (env->redelivered && p->ckpt != INT64_MIN) {
		for (long i = 0; i < n; i++)
			if (w->flows[i].last_ms >= p->ckpt)
				w->flows[m++] = w->flows[i];
		w->st->skipped += (uint64_t)n - m;
	} else {
		m = (size_t)n;
	}
	w->st->flows += m;
	if (m)
		detect_feed(p->d, w->flows, m);
}

/* After feeding: if a window closed, commit and ack what came before. */
static int after_feed(struct worker *w, struct wpart *p)
{
	struct detect_stats ds;

	detect_get_stats(p->d, &ds);
	if (ds.windows == p->windows)
		return 0;
	w->st->windows += ds.windows - p->windows;
	p->windows = ds.windows;
	return commit(w, p, detect_open_start(p->d), p->last_tag - 1);
}

/* Ready messages in all our queues (on the control channel), or -1. */
static long queued(struct worker *w)
{
	long total = 0;

	for (unsigned i = 0; i < w->np; i++) {
		amqp_queue_declare_ok_t *ok;
		char q[64];

		if (!w->p[i].on)
			continue;
		bus_queue_name(i, q, sizeof(q));
		ok = amqp_queue_declare(w->conn, CTL_CHANNEL, amqp_cstring_bytes(q), 1, 0, 0, 0,
					amqp_empty_table);
		if (!ok) {
			bus_amqp_reply(amqp_get_rpc_reply(w->conn), "queue check", w->err, w->errlen);
			return -1;
		}
		total += ok->message_count;
	}
	return total;
}

/* Close every open window, commit, ack everything. */
static int flush_all(struct worker *w)
{
	for (unsigned i = 0; i < w->np; i++) {
		struct wpart *p = &w->p[i];
		int64_t open;
		int rc;

		if (!p->on)
			continue;
		open = detect_open_start(p->d);
		detect_flush(p->d);
		if (open != INT64_MIN)
			w->st->windows++;
		if (open == INT64_MIN && p->nev == 0 && p->last_tag <= p->acked_tag)
			continue;
		rc = commit(w, p, open == INT64_MIN ? p->ckpt : open + detect_window_ms(p->d),
			    p->last_tag);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int load_checkpoints(struct worker *w)
{
	for (unsigned i = 0; i < w->np; i++) {
		struct wpart *p = &w->p[i];
		char file[64];
		int64_t off = 0;
		int rc;

		p->ckpt = INT64_MIN;
		if (!p->on)
			continue;
		snprintf(p->key, sizeof(p->key), "bus:%s%u", BUS_QUEUE_PREFIX, i);
		rc = desk_follow_position(w->desk, p->key, file, sizeof(file), &off);
		if (rc < 0) {
			snprintf(w->err, w->errlen, "desk: reading the checkpoint of partition %u: %s",
				 i, vigil_strerror(rc));
			return rc;
		}
		if (strcmp(file, "window") == 0)
			p->ckpt = off;
	}
	return 0;
}

static int run(struct worker *w)
{
	const struct bus_worker_opts *o = w->o;
	int64_t start = mono_ms(), last = start, backoff = 200;
	int64_t idle = o->drain_idle_ms >= 0 ? o->drain_idle_ms : 2000;
	int64_t minrun = o->drain_min_ms >= 0 ? o->drain_min_ms : 10000;
	int rc;

	while (!(o->stop && *o->stop)) {
		struct timeval tv = { 0, 200 * 1000 };
		amqp_envelope_t env;
		amqp_rpc_reply_t r;

		if (!w->conn) {
			if (connect_all(w) < 0) {
				log_warn("bus: %s; retrying in %lld ms", w->err, (long long)backoff);
				struct timespec ts = { (time_t)(backoff / 1000), (long)(backoff % 1000) * 1000000 };
				nanosleep(&ts, NULL);
				backoff = backoff * 2 > 5000 ? 5000 : backoff * 2;
				continue;
			}
			backoff = 200;
		}
		amqp_maybe_release_buffers(w->conn);
		r = amqp_consume_message(w->conn, &env, &tv, 0);
		if (r.reply_type == AMQP_RESPONSE_NORMAL) {
			unsigned idx = (unsigned)env.channel - CHANNEL_BASE;

			handle(w, &env);
			amqp_destroy_envelope(&env);
			last = mono_ms();
			if (idx < w->np && w->p[idx].on && (rc = after_feed(w, &w->p[idx])) < 0)
				return rc;
			continue;
		}
		if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
		    r.library_error == AMQP_STATUS_TIMEOUT) {
			long q;

			if (!o->drain || mono_ms() - start < minrun || mono_ms() - last < idle)
				continue;
			q = queued(w);
			if (q < 0) {
				log_warn("bus: %s", w->err);
				close_conn(w);
				continue;
			}
			if (q == 0)
				return flush_all(w);
			continue;
		}
		if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
		    r.library_error == AMQP_STATUS_UNEXPECTED_STATE) {
			amqp_frame_t fr;

			if (amqp_simple_wait_frame(w->conn, &fr) != AMQP_STATUS_OK) {
				log_warn("bus: connection lost; reconnecting");
				close_conn(w);
				continue;
			}
			if (fr.frame_type == AMQP_FRAME_METHOD &&
			    (fr.payload.method.id == AMQP_CHANNEL_CLOSE_METHOD ||
			     fr.payload.method.id == AMQP_CONNECTION_CLOSE_METHOD ||
			     fr.payload.method.id == AMQP_BASIC_CANCEL_METHOD)) {
				log_warn("bus: the broker closed a channel or cancelled a consumer; "
					 "reconnecting");
				close_conn(w);
			}
			continue;
		}
		bus_amqp_reply(r, "consume", w->err, w->errlen);
		log_warn("bus: %s; reconnecting", w->err);
		close_conn(w);
	}
	return 0; /* stopped: the unacknowledged deliveries go back to their queues */
}

int bus_worker_run(const struct bus_worker_opts *o, struct bus_worker_stats *st, char *err,
		   size_t errlen)
{
	struct worker w = { .o = o, .st = st, .err = err, .errlen = errlen };
	int rc;

	memset(st, 0, sizeof(*st));
	buf_init(&w.json, (size_t)1 << 20);
	if ((rc = bus_brokers_parse(&w.br, o->urls, err, errlen)) < 0)
		goto out;
	w.np = o->partitions;
	w.p = calloc(w.np, sizeof(*w.p));
	w.flows = malloc(BUS_BATCH_MAX_FLOWS * sizeof(*w.flows));
	rc = VIGIL_ENOMEM;
	if (!w.p || !w.flows)
		goto out;
	for (unsigned i = 0; i < w.np; i++) {
		w.p[i].on = o->want[i];
		w.p[i].idx = i;
	}
	if ((rc = desk_open(o->desk_url, &w.desk, err, errlen)) < 0)
		goto out;
	if ((rc = load_checkpoints(&w)) < 0)
		goto out;
	if ((rc = connect_all(&w)) < 0)
		goto out;
	rc = run(&w);
out:
	if (w.conn && rc == 0 && !(o->stop && *o->stop))
		bus_amqp_close(w.conn);
	else
		close_conn(&w);
	for (unsigned i = 0; w.p && i < w.np; i++) {
		detect_free(w.p[i].d);
		free(w.p[i].ev);
	}
	free(w.p);
	free(w.flows);
	if (w.desk)
		desk_close(w.desk);
	buf_free(&w.json);
	return rc;
}
