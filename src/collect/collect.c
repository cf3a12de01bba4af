/*
 * collect.c - the collector object and its receive loop: bind, then read
 * every socket with recvmmsg (non-blocking, round robin) and decode each
 * accepted datagram straight into the batch queue; when all sockets are dry,
 * publish the open batch and sleep in poll() on the sockets and a self-pipe
 * that collect_stop / collect_reload / collect_request_stats write to. The
 * allow-list and sampling overrides are swapped in by the loop itself, so
 * the per-packet path takes no lock. Captures (-r) go through the same queue.
 */
#include "collect/collect_int.h"
#include "util/err.h"
#include "util/log.h"
#include "util/vtime.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A batch waits at most this long in the receive thread before it is
 * handed to the store worker, even under steady load. */
#define PUBLISH_MS 50

static int copy_opts(struct collect_opts *dst, const struct collect_opts *src)
{
	*dst = *src;
	dst->allow = NULL;
	dst->sampling = NULL;
	if (src->nallow) {
		if (!(dst->allow = malloc(src->nallow * sizeof(*dst->allow))))
			return VIGIL_ENOMEM;
		memcpy(dst->allow, src->allow, src->nallow * sizeof(*dst->allow));
	}
	if (src->nsampling) {
		if (!(dst->sampling = malloc(src->nsampling * sizeof(*dst->sampling))))
			return VIGIL_ENOMEM;
		memcpy(dst->sampling, src->sampling, src->nsampling * sizeof(*dst->sampling));
	}
	return 0;
}

/* Tell the decoder the configured rates: new ones set, dropped ones cleared. */
static void apply_sampling(struct collect *c, const struct collect_policy *old,
			   const struct collect_policy *p)
{
	for (size_t i = 0; old && i < old->nsampling; i++) {
		bool kept = false;
		for (size_t j = 0; j < p->nsampling && !kept; j++)
			kept = addr_eq(&old->sampling[i].exporter, &p->sampling[j].exporter);
		if (!kept)
			flow_decoder_set_sampling(c->dec, &old->sampling[i].exporter, 0);
	}
	for (size_t j = 0; j < p->nsampling; j++)
		flow_decoder_set_sampling(c->dec, &p->sampling[j].exporter, p->sampling[j].rate);
}

static int bind_all(struct collect *c, char *err, size_t errlen)
{
	struct collect_opts *o = &c->opts;
	char msg[256] = "";
	size_t bound = 0;
	int rc = 0;

	if (o->nlisten == 0) {
		collect_opts_add_listen(o, "2055");
		collect_opts_add_listen(o, "4739");
	}
	c->socks = calloc(o->nlisten, sizeof(*c->socks));
	c->sockbufs = malloc((size_t)COLLECT_VLEN * COLLECT_DGRAM_MAX);
	if (!c->socks || !c->sockbufs)
		return VIGIL_ENOMEM;
	for (size_t i = 0; i < o->nlisten; i++) {
		struct collect_sock *s = &c->socks[c->nsocks];
		char where[80];

		rc = collect_sock_open(s, &o->listen[i], o->rcvbuf, msg, sizeof(msg));
		if (rc == VIGIL_EUNSUPPORTED && !addr_is_v4(&o->listen[i].addr) &&
		    addr_is_zero(&o->listen[i].addr)) {
			log_warn("collect: %s (no IPv6 here?); skipped", msg);
			continue;
		}
		if (rc) {
			snprintf(err, errlen, "%s", msg);
			return rc;
		}
		s->bufs = c->sockbufs;
		c->nsocks++;
		bound++;
		log_info("collect: listening on %s (receive buffer %lld bytes)",
			 collect_listen_format(&s->where, where, sizeof(where)), (long long)s->rcvbuf);
		if (o->rcvbuf > 0 && s->rcvbuf < o->rcvbuf)
			log_warn("collect: %s: asked for a %lld-byte receive buffer, got %lld "
				 "(raise net.core.rmem_max or run as root)", where,
				 (long long)o->rcvbuf, (long long)s->rcvbuf);
	}
	if (!bound) {
		snprintf(err, errlen, "no address to listen on");
		return VIGIL_EINVAL;
	}
	return 0;
}

int collect_new(const struct collect_opts *opts, bool listen_live, struct collect **out,
		char *err, size_t errlen)
{
	struct collect *c = calloc(1, sizeof(*c));
	int rc = VIGIL_ENOMEM;

	if (!c)
		return VIGIL_ENOMEM;
	c->wake[0] = c->wake[1] = -1;
	c->live = listen_live;
	atomic_init(&c->pending, NULL);
	if ((rc = copy_opts(&c->opts, opts)))
		goto out;
	if (c->opts.store.flush_ms <= 0)
		c->opts.store.flush_ms = 1000;
	rc = VIGIL_ENOMEM;
	if (!(c->src_tab = calloc(COLLECT_MAX_SOURCES * 2, sizeof(*c->src_tab))))
		goto out;
	if ((rc = collect_queue_init(&c->q, c->opts.queue_batches)))
		goto out;
	if ((rc = collect_policy_new(&c->opts, &c->policy)))
		goto out;
	rc = VIGIL_ENOMEM;
	if (!(c->dec = flow_decoder_new(&c->opts.decoder)))
		goto out;
	apply_sampling(c, NULL, c->policy);
	if (pipe(c->wake) != 0) {
		c->wake[0] = c->wake[1] = -1;
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		rc = VIGIL_ESYS;
		goto out;
	}
	for (int i = 0; i < 2; i++) {
		fcntl(c->wake[i], F_SETFL, fcntl(c->wake[i], F_GETFL) | O_NONBLOCK);
		fcntl(c->wake[i], F_SETFD, FD_CLOEXEC);
	}
	if ((rc = collect_priv_resolve(c, err, errlen)))
		goto out;
	if (c->live && (rc = bind_all(c, err, errlen)))
		goto out;
	if ((rc = collect_priv_prepare_dir(c, err, errlen)))
		goto out;
	*out = c;
	return 0;
out:
	if (rc == VIGIL_ENOMEM && err && !err[0])
		snprintf(err, errlen, "out of memory");
	collect_free(c);
	return rc;
}

int collect_add_sink(struct collect *c, flow_emit_fn fn, void *ctx)
{
	if (c->nsinks >= COLLECT_MAX_SINKS)
		return VIGIL_ELIMIT;
	if (c->store_open)
		return VIGIL_ESTATE;
	c->sinks[c->nsinks].fn = fn;
	c->sinks[c->nsinks].ctx = ctx;
	c->nsinks++;
	return 0;
}

/* Open the writer and start the worker, once. */
static int open_store(struct collect *c)
{
	struct store_writer *w = NULL;
	int rc;

	if (c->store_open)
		return 0;
	if (c->finished)
		return VIGIL_ESTATE;
	rc = store_writer_open(c->opts.store_dir, &c->opts.store, &w);
	if (rc) {
		log_error("collect: cannot open the store %s: %s", c->opts.store_dir,
			  vigil_strerror(rc));
		return rc;
	}
	rc = collect_queue_start(&c->q, w, c->opts.store.flush_ms / 4, c->sinks, c->nsinks);
	if (rc) {
		store_writer_close(w);
		return rc;
	}
	c->store_open = true;
	return 0;
}

/* flow_emit_fn for the decoders: count, then into the queue. */
static void emit(void *ctx, const struct flow *f, size_t n)
{
	struct collect *c = ctx;

	c->flows += n;
	collect_queue_emit(&c->q, f, n);
}

static void take_policy(struct collect *c)
{
	struct collect_policy *p = atomic_exchange(&c->pending, NULL);

	if (!p)
		return;
	apply_sampling(c, c->policy, p);
	collect_policy_free(c->policy);
	c->policy = p;
	log_info("collect: reloaded: %zu allow-list entr%s, %zu sampling override%s", p->nallow,
		 p->nallow == 1 ? "y" : "ies", p->nsampling, p->nsampling == 1 ? "" : "s");
}

/* Decode the datagrams of the last receive on s. */
static void handle(struct collect *c, struct collect_sock *s, int n, int64_t now)
{
	for (int i = 0; i < n; i++) {
		struct vaddr from;
		size_t len;
		bool trunc;
		const uint8_t *p = collect_sock_dgram(s, i, &len, &trunc);
		int rc;

		collect_sock_from(s, i, &from);
		if (!collect_policy_allows(c->policy, &from)) {
			collect_count_source(c, &from, true);
			continue;
		}
		c->packets++;
		if (trunc) {
			collect_count_source(c, &from, false);
			continue;
		}
		rc = flow_decode(c->dec, &from, now, p, len, emit, c);
		if (rc < 0)
			collect_count_source(c, &from, false);
	}
}

static void drain_wake(struct collect *c)
{
	char b[64];

	while (read(c->wake[0], b, sizeof(b)) > 0)
		;
}

static void periodic(struct collect *c, int64_t now, int64_t *next_stats)
{
	if (c->stats_flag) {
		c->stats_flag = 0;
		collect_stats(c, stderr, true);
	}
	if (c->opts.stats_interval_ms > 0 && now >= *next_stats) {
		double secs = (double)(now - c->last_ms) / 1000.0;
		*next_stats = now + c->opts.stats_interval_ms;
		if (log_get_level() >= LOG_LVL_INFO) {
			if (c->last_ms && secs > 0)
				log_info("collect: last %.0f s: %.0f flows/s, %.0f packets/s", secs,
					 (double)(c->flows - c->last_flows) / secs,
					 (double)(c->packets - c->last_packets) / secs);
			collect_stats(c, stderr, false);
		}
		c->last_ms = now;
		c->last_flows = c->flows;
		c->last_packets = c->packets;
	}
}

int collect_run(struct collect *c)
{
	struct pollfd *pfd = NULL;
	int64_t now = vtime_now_ms();
	int64_t next_stats = now + c->opts.stats_interval_ms;
	int rc;

	if (!c->live || !c->nsocks)
		return VIGIL_ESTATE;
	if ((rc = open_store(c)))
		return rc;
	if (!(pfd = calloc(c->nsocks + 1, sizeof(*pfd))))
		return VIGIL_ENOMEM;
	for (size_t i = 0; i < c->nsocks; i++) {
		pfd[i].fd = c->socks[i].fd;
		pfd[i].events = POLLIN;
	}
	pfd[c->nsocks].fd = c->wake[0];
	pfd[c->nsocks].events = POLLIN;
	while (!c->stop_flag) {
		int got = 0;

		now = vtime_now_ms();
		for (size_t i = 0; i < c->nsocks; i++) {
			int n = collect_sock_recv(&c->socks[i]);
			if (n > 0) {
				handle(c, &c->socks[i], n, now);
				got += n;
			} else if (n < 0) {
				if (c->recv_errors++ == 0)
					log_warn("collect: recvmmsg: %s", strerror(errno));
			}
		}
		if (atomic_load(&c->pending))
			take_policy(c);
		if (got) {
			if (c->q.first_ms && now - c->q.first_ms >= PUBLISH_MS)
				collect_queue_publish(&c->q);
			if (c->stats_flag || now >= next_stats)
				periodic(c, now, &next_stats);
			continue;
		}
		/* Dry: hand the open batch to the store, then sleep until data or a wake. */
		collect_queue_publish(&c->q);
		periodic(c, now, &next_stats);
		if (c->stop_flag)
			break;
		if (poll(pfd, c->nsocks + 1, 1000) > 0 && (pfd[c->nsocks].revents & POLLIN))
			drain_wake(c);
	}
	/* What the kernel already holds was received: take it before finishing. */
	for (int round = 0; round < 1024; round++) {
		int got = 0;
		now = vtime_now_ms();
		for (size_t i = 0; i < c->nsocks; i++) {
			int n = collect_sock_recv(&c->socks[i]);
			if (n > 0) {
				handle(c, &c->socks[i], n, now);
				got += n;
			}
		}
		if (!got)
			break;
	}
	free(pfd);
	return collect_finish(c);
}

void collect_stop(struct collect *c)
{
	char b = 's';

	c->stop_flag = 1;
	if (c->wake[1] >= 0) {
		ssize_t w = write(c->wake[1], &b, 1);
		(void)w;
	}
}

void collect_request_stats(struct collect *c)
{
	char b = 'u';

	c->stats_flag = 1;
	if (c->wake[1] >= 0) {
		ssize_t w = write(c->wake[1], &b, 1);
		(void)w;
	}
}

long collect_read_capture(struct collect *c, const char *path, char *err, size_t errlen)
{
	long n;
	int rc;

	if ((rc = open_store(c))) {
		snprintf(err, errlen, "cannot open the store %s: %s", c->opts.store_dir,
			 vigil_strerror(rc));
		return rc;
	}
	n = flow_pcap_read(path, c->dec, emit, c, err, errlen);
	collect_queue_publish(&c->q);
	return n;
}

int collect_finish(struct collect *c)
{
	if (c->finished)
		return c->finish_rc;
	c->finished = true;
	c->finish_rc = collect_queue_finish(&c->q);
	return c->finish_rc;
}

void collect_free(struct collect *c)
{
	if (!c)
		return;
	if (c->q.all)
		collect_finish(c);
	collect_queue_free(&c->q);
	for (size_t i = 0; i < c->nsocks; i++)
		collect_sock_close(&c->socks[i]);
	free(c->socks);
	free(c->sockbufs);
	flow_decoder_free(c->dec);
	collect_policy_free(c->policy);
	collect_policy_free(atomic_load(&c->pending));
	for (int i = 0; i < 2; i++)
		if (c->wake[i] >= 0)
			close(c->wake[i]);
	free(c->src_tab);
	collect_opts_free(&c->opts);
	free(c);
}
