/*
 * publish.c - the collector's side of the bus. bus_pub_flows() (a collect
 * sink) sorts flows into one open batch per partition; a batch is sealed at
 * batch_flows flows or batch_ms after its first flow and handed to the
 * publishing thread, which owns the broker connection (librabbitmq is not
 * thread-safe). Every batch is published persistent on a channel in confirm
 * mode and held until the broker's basic.ack: a nack, a closed channel or a
 * lost connection puts the unconfirmed batches back in front of the queue,
 * in order, for the next broker of the list (at-least-once; the workers and
 * the desk are idempotent). The sink blocks while max_unconfirmed batches
 * are held, so a broker outage slows the collector's sinks instead of
 * growing memory without bound (the store is written before the sinks are
 * waited for only up to the collector's own queue; see vigil-collect(1)).
 */
#include "bus/amqp_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/err.h"
#include "util/log.h"

struct pbatch {
	struct pbatch *next;
	uint64_t seq, tag;
	unsigned part;
	uint32_t count;
	struct buf body;
};

struct blist {
	struct pbatch *head, *tail;
	size_t n;
};

struct bus_pub {
	struct bus_brokers br;
	struct bus_part *part;
	unsigned partitions;
	size_t batch_flows, max_held;
	int64_t batch_ms;
	char id[BUS_COLLECTOR_MAX + 1];

	pthread_mutex_t mu;
	pthread_cond_t space, done;
	struct flow **acc;      /* [partitions] open batches */
	uint32_t *nacc;
	int64_t *since;         /* monotonic ms of the first flow of an open batch */
	struct blist ready;     /* sealed, to publish */
	size_t held;            /* ready + unconfirmed */
	uint64_t seq;
	bool finishing, quit;
	struct bus_pub_stats st;

	/* the thread's own */
	pthread_t thread;
	bool started;
	amqp_connection_state_t conn;
	struct blist unconf;    /* published, in tag order */
	uint64_t next_tag;
};

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void bl_push(struct blist *l, struct pbatch *b)
{
	b->next = NULL;
	if (l->tail)
		l->tail->next = b;
	else
		l->head = b;
	l->tail = b;
	l->n++;
}

static struct pbatch *bl_pop(struct blist *l)
{
	struct pbatch *b = l->head;

	if (b) {
		l->head = b->next;
		if (!l->head)
			l->tail = NULL;
		l->n--;
	}
	return b;
}

/* Put all of from in front of to, keeping from's order. */
static void bl_prepend(struct blist *to, struct blist *from)
{
	if (!from->head)
		return;
	from->tail->next = to->head;
	if (!to->head)
		to->tail = from->tail;
	to->head = from->head;
	to->n += from->n;
	*from = (struct blist){ 0 };
}

static void pbatch_free(struct pbatch *b)
{
	if (b) {
		buf_free(&b->body);
		free(b);
	}
}

/* Seal partition p's open batch (mu held). */
static int seal(struct bus_pub *p, unsigned part)
{
	struct pbatch *b;
	struct bus_batch_info info;
	int rc;

	if (!p->nacc[part])
		return 0;
	b = calloc(1, sizeof(*b));
	if (!b) {
		log_error("bus: partition %u: %u flows not published: out of memory", part,
			  p->nacc[part]);
		p->st.dropped += p->nacc[part];
		p->nacc[part] = 0;
		return VIGIL_ENOMEM;
	}
	buf_init(&b->body, (size_t)1 << 26);
	memset(&info, 0, sizeof(info));
	snprintf(info.collector, sizeof(info.collector), "%s", p->id);
	info.seq = ++p->seq;
	info.partition = (uint16_t)part;
	rc = bus_batch_encode(&b->body, &info, p->acc[part], p->nacc[part]);
	if (rc < 0) {
		/* never leave a full open batch behind: count its flows as lost */
		log_error("bus: partition %u: %u flows not published: %s", part, p->nacc[part],
			  vigil_strerror(rc));
		p->st.dropped += p->nacc[part];
		p->nacc[part] = 0;
		pbatch_free(b);
		return rc;
	}
	b->seq = info.seq;
	b->part = part;
	b->count = p->nacc[part];
	p->nacc[part] = 0;
	p->st.batches++;
	bl_push(&p->ready, b);
	p->held++;
	return 0;
}

void bus_pub_flows(void *ctx, const struct flow *f, size_t n)
{
	struct bus_pub *p = ctx;

	pthread_mutex_lock(&p->mu);
	for (size_t i = 0; i < n; i++) {
		unsigned part = bus_part_of(p->part, &f[i]);

		while (p->held >= p->max_held && !p->quit)
			pthread_cond_wait(&p->space, &p->mu);
		if (!p->nacc[part])
			p->since[part] = mono_ms();
		p->acc[part][p->nacc[part]++] = f[i];
		p->st.flows++;
		if (p->nacc[part] == p->batch_flows)
			seal(p, part);
	}
	pthread_mutex_unlock(&p->mu);
}

static void lost(struct bus_pub *p, const char *why)
{
	log_warn("bus: broker %s:%d lost (%s); %zu unconfirmed batches will be resent",
		 p->br.url[(p->br.next + p->br.n - 1) % p->br.n].host,
		 p->br.url[(p->br.next + p->br.n - 1) % p->br.n].port, why, p->unconf.n);
	amqp_destroy_connection(p->conn);
	p->conn = NULL;
	pthread_mutex_lock(&p->mu);
	p->st.resent += p->unconf.n;
	bl_prepend(&p->ready, &p->unconf);
	pthread_mutex_unlock(&p->mu);
}

static int open_conn(struct bus_pub *p, char *err, size_t errlen)
{
	size_t which;

	if (bus_amqp_connect(&p->br, &p->conn, &which, err, errlen) < 0)
		return VIGIL_EIO;
	if (bus_amqp_declare(p->conn, 1, p->partitions, err, errlen) < 0)
		goto fail;
	amqp_confirm_select(p->conn, 1);
	if (bus_amqp_reply(amqp_get_rpc_reply(p->conn), "confirm.select", err, errlen) < 0)
		goto fail;
	p->next_tag = 0;
	log_info("bus: publishing to %s:%d", p->br.url[which].host, p->br.url[which].port);
	return 0;
fail:
	amqp_destroy_connection(p->conn);
	p->conn = NULL;
	return VIGIL_EIO;
}

/* Confirmed up to tag (or just tag): free those batches. */
static void confirmed(struct bus_pub *p, uint64_t tag, bool multiple, bool nack)
{
	struct blist keep = { 0 }, resend = { 0 };
	struct pbatch *b;
	size_t freed = 0;

	while ((b = bl_pop(&p->unconf))) {
		if (b->tag == tag || (multiple && b->tag < tag)) {
			if (nack) {
				bl_push(&resend, b);
			} else {
				freed++;
				pthread_mutex_lock(&p->mu);
				p->st.confirmed++;
				pthread_mutex_unlock(&p->mu);
				pbatch_free(b);
			}
		} else {
			bl_push(&keep, b);
		}
	}
	p->unconf = keep;
	pthread_mutex_lock(&p->mu);
	if (nack) {
		p->st.nacked += resend.n;
		p->st.resent += resend.n;
		bl_prepend(&p->ready, &resend);
	}
	p->held -= freed;
	if (freed)
		pthread_cond_broadcast(&p->space);
	if (p->held == 0)
		pthread_cond_broadcast(&p->done);
	pthread_mutex_unlock(&p->mu);
}

/* Read what the broker sent within wait_ms. 0, or -1 when the connection is gone. */
static int poll_frames(struct bus_pub *p, int64_t wait_ms)
{
	for (;;) {
		amqp_frame_t fr;
		struct timeval tv = { (time_t)(wait_ms / 1000), (suseconds_t)(wait_ms % 1000) * 1000 };
		int rc = amqp_simple_wait_frame_noblock(p->conn, &fr, &tv);

		if (rc == AMQP_STATUS_TIMEOUT)
			return 0;
		if (rc != AMQP_STATUS_OK) {
			lost(p, amqp_error_string2(rc));
			return -1;
		}
		wait_ms = 0;
		if (fr.frame_type != AMQP_FRAME_METHOD)
			continue;
		switch (fr.payload.method.id) {
		case AMQP_BASIC_ACK_METHOD: {
			amqp_basic_ack_t *a = fr.payload.method.decoded;

			confirmed(p, a->delivery_tag, a->multiple, false);
			break;
		}
		case AMQP_BASIC_NACK_METHOD: {
			amqp_basic_nack_t *a = fr.payload.method.decoded;

			confirmed(p, a->delivery_tag, a->multiple, true);
			break;
		}
		case AMQP_CHANNEL_CLOSE_METHOD:
			lost(p, "the broker closed the channel");
			return -1;
		case AMQP_CONNECTION_CLOSE_METHOD:
			lost(p, "the broker closed the connection");
			return -1;
		default:
			break;
		}
	}
}

static int publish_one(struct bus_pub *p, struct pbatch *b)
{
	amqp_basic_properties_t props;
	char key[16], mid[96];
	int rc;

	snprintf(key, sizeof(key), "%u", b->part);
	snprintf(mid, sizeof(mid), "%s:%llu", p->id, (unsigned long long)b->seq);
	memset(&props, 0, sizeof(props));
	props._flags = AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_CONTENT_TYPE_FLAG |
		       AMQP_BASIC_MESSAGE_ID_FLAG;
	props.delivery_mode = AMQP_DELIVERY_PERSISTENT;
	props.content_type = amqp_cstring_bytes("application/x-vigil-flows");
	props.message_id = amqp_cstring_bytes(mid);
	rc = amqp_basic_publish(p->conn, 1, amqp_cstring_bytes(BUS_EXCHANGE),
				amqp_cstring_bytes(key), 0, 0, &props,
				(amqp_bytes_t){ b->body.len, b->body.data });
	b->tag = ++p->next_tag;
	bl_push(&p->unconf, b);
	pthread_mutex_lock(&p->mu);
	p->st.published++;
	p->st.bytes += b->body.len;
	pthread_mutex_unlock(&p->mu);
	if (rc != AMQP_STATUS_OK) {
		lost(p, amqp_error_string2(rc));
		return -1;
	}
	return 0;
}

static void *pub_thread(void *arg)
{
	struct bus_pub *p = arg;
	int64_t backoff = 200;
	char err[512];

	for (;;) {
		struct pbatch *b;
		int64_t now = mono_ms();
		bool fin, more;

		if (!p->conn) {
			pthread_mutex_lock(&p->mu);
			fin = p->quit;
			pthread_mutex_unlock(&p->mu);
			if (fin)
				break;
			if (open_conn(p, err, sizeof(err)) < 0) {
				log_warn("bus: %s; retrying in %lld ms", err, (long long)backoff);
				usleep((useconds_t)backoff * 1000);
				backoff = backoff * 2 > 5000 ? 5000 : backoff * 2;
				continue;
			}
			backoff = 200;
			pthread_mutex_lock(&p->mu);
			p->st.reconnects++;
			pthread_mutex_unlock(&p->mu);
		}
		/* seal batches that waited long enough, then publish up to 256 */
		pthread_mutex_lock(&p->mu);
		for (unsigned i = 0; i < p->partitions; i++)
			if (p->nacc[i] && (p->finishing || now - p->since[i] >= p->batch_ms))
				seal(p, i);
		fin = p->quit;
		pthread_mutex_unlock(&p->mu);
		if (fin)
			break;
		for (int k = 0; k < 256; k++) {
			pthread_mutex_lock(&p->mu);
			b = bl_pop(&p->ready);
			pthread_mutex_unlock(&p->mu);
			if (!b || publish_one(p, b) < 0)
				break;
		}
		if (!p->conn)
			continue;
		pthread_mutex_lock(&p->mu);
		more = p->ready.n > 0;
		pthread_mutex_unlock(&p->mu);
		poll_frames(p, more ? 0 : 20);
	}
	if (p->conn)
		bus_amqp_close(p->conn);
	p->conn = NULL;
	return NULL;
}

int bus_pub_new(const struct bus_pub_opts *o, struct bus_pub **out, char *err, size_t errlen)
{
	struct bus_pub *p = calloc(1, sizeof(*p));
	int rc = VIGIL_ENOMEM;

	*out = NULL;
	if (!p)
		return VIGIL_ENOMEM;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->space, NULL);
	pthread_cond_init(&p->done, NULL);
	p->partitions = o->partitions ? o->partitions : BUS_DEFAULT_PARTITIONS;
	p->batch_flows = o->batch_flows ? o->batch_flows : 1000;
	if (p->batch_flows > BUS_BATCH_MAX_FLOWS)
		p->batch_flows = BUS_BATCH_MAX_FLOWS;
	p->batch_ms = o->batch_ms > 0 ? o->batch_ms : 200;
	p->max_held = o->max_unconfirmed ? o->max_unconfirmed : 4096;
	if (o->collector_id) {
		snprintf(p->id, sizeof(p->id), "%s", o->collector_id);
	} else {
		char host[256] = "vigil";

		gethostname(host, sizeof(host) - 1);
		host[strcspn(host, " \t.")] = '\0';
		snprintf(p->id, sizeof(p->id), "%.40s-%ld", host[0] ? host : "vigil", (long)getpid());
	}
	for (char *s = p->id; *s; s++)
		if (*s < 0x21 || *s > 0x7e)
			*s = '_';
	if ((rc = bus_brokers_parse(&p->br, o->urls, err, errlen)) < 0)
		goto fail;
	if ((rc = bus_part_new(o->conf, NULL, 0, p->partitions, &p->part, err, errlen)) < 0)
		goto fail;
	rc = VIGIL_ENOMEM;
	p->acc = calloc(p->partitions, sizeof(*p->acc));
	p->nacc = calloc(p->partitions, sizeof(*p->nacc));
	p->since = calloc(p->partitions, sizeof(*p->since));
	if (!p->acc || !p->nacc || !p->since)
		goto fail;
	for (unsigned i = 0; i < p->partitions; i++)
		if (!(p->acc[i] = malloc(p->batch_flows * sizeof(struct flow))))
			goto fail;
	/* the first connection is made here so that a wrong URL fails at once */
	if ((rc = open_conn(p, err, errlen)) < 0)
		goto fail;
	if (pthread_create(&p->thread, NULL, pub_thread, p) != 0) {
		snprintf(err, errlen, "cannot start the publishing thread");
		rc = VIGIL_ESYS;
		goto fail;
	}
	p->started = true;
	p->st.reconnects = 1;
	*out = p;
	return 0;
fail:
	bus_pub_free(p);
	return rc;
}

int bus_pub_finish(struct bus_pub *p, int64_t timeout_ms)
{
	struct timespec dl;
	int rc = 0;

	if (!p)
		return 0;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += timeout_ms / 1000;
	dl.tv_nsec += (timeout_ms % 1000) * 1000000;
	if (dl.tv_nsec >= 1000000000) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&p->mu);
	p->finishing = true;
	for (unsigned i = 0; i < p->partitions; i++)
		seal(p, i);
	while (p->held > 0 && p->started) {
		if (timeout_ms <= 0)
			pthread_cond_wait(&p->done, &p->mu);
		else if (pthread_cond_timedwait(&p->done, &p->mu, &dl) == ETIMEDOUT)
			break;
	}
	if (p->held > 0)
		rc = VIGIL_EIO;
	pthread_mutex_unlock(&p->mu);
	return rc;
}

void bus_pub_get_stats(struct bus_pub *p, struct bus_pub_stats *st)
{
	pthread_mutex_lock(&p->mu);
	*st = p->st;
	pthread_mutex_unlock(&p->mu);
}

void bus_pub_print_stats(struct bus_pub *p, FILE *out)
{
	struct bus_pub_stats s;

	bus_pub_get_stats(p, &s);
	fprintf(out,
		"bus: flows %llu in %llu batches; published %llu, confirmed %llu, nacked %llu, "
		"resent %llu, dropped %llu flows, %llu bytes, %llu connections (collector %s)\n",
		(unsigned long long)s.flows, (unsigned long long)s.batches,
		(unsigned long long)s.published, (unsigned long long)s.confirmed,
		(unsigned long long)s.nacked, (unsigned long long)s.resent,
		(unsigned long long)s.dropped, (unsigned long long)s.bytes, (unsigned long long)s.reconnects, p->id);
}

void bus_pub_free(struct bus_pub *p)
{
	struct pbatch *b;

	if (!p)
		return;
	if (p->started) {
		pthread_mutex_lock(&p->mu);
		p->quit = true;
		pthread_cond_broadcast(&p->space);
		pthread_mutex_unlock(&p->mu);
		pthread_join(p->thread, NULL);
	} else if (p->conn) {
		bus_amqp_close(p->conn);
	}
	while ((b = bl_pop(&p->ready)))
		pbatch_free(b);
	while ((b = bl_pop(&p->unconf)))
		pbatch_free(b);
	if (p->acc)
		for (unsigned i = 0; i < p->partitions; i++)
			free(p->acc[i]);
	free(p->acc);
	free(p->nacc);
	free(p->since);
	bus_part_free(p->part);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->space);
	pthread_cond_destroy(&p->done);
	free(p);
}
