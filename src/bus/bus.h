/*
 * bus.h - flows between machines over a message broker (RabbitMQ, AMQP
 * 0-9-1 through librabbitmq): collectors publish batches of decoded flows,
 * one queue a partition; detector workers consume partitions and acknowledge
 * a delivery only once every window it fed has closed and that window's
 * events are committed to the desk. See docs/internals/bus.md.
 *
 * Pieces:
 *   batch.c    the wire format of one message (magic "VGB1", versioned)
 *   part.c     partition of a flow: hash of its internal host mod P
 *   amqp.c     broker list, connection with failover, topology
 *   publish.c  the collector side (a sink of struct collect)
 *   consume.c  the worker side (detect per partition, desk, acks)
 */
#ifndef VIGIL_BUS_BUS_H
#define VIGIL_BUS_BUS_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "flow/flow.h"
#include "util/buf.h"
#include "util/conf.h"

#define BUS_EXCHANGE "vigil.flows"
#define BUS_QUEUE_PREFIX "vigil.flows."
#define BUS_DEFAULT_PARTITIONS 8
#define BUS_MAX_PARTITIONS 1024
#define BUS_MAX_URLS 16

/* ---- the batch (batch.c) ----
 * Layout (little-endian): "VGB1", version (1), flags (0), partition u16,
 * sequence u64, base time i64 (ms), collector id (length u8, 1..64 bytes of
 * printable ASCII), count u32 (1..BUS_BATCH_MAX_FLOWS), then count records
 * of varints and tagged addresses (docs/internals/bus.md). */
#define BUS_BATCH_MAGIC "VGB1"
#define BUS_BATCH_VERSION 1
#define BUS_BATCH_MAX_FLOWS 65536
#define BUS_COLLECTOR_MAX 64

struct bus_batch_info {
	char collector[BUS_COLLECTOR_MAX + 1]; /* who published it */
	uint64_t seq;                          /* per collector, from 1 */
	uint16_t partition;
	uint32_t count;
};

/* Append the batch of flows f[0..n) (1 <= n <= BUS_BATCH_MAX_FLOWS) to out.
 * Returns 0, VIGIL_EINVAL (bad n or collector id) or VIGIL_ENOMEM. */
int bus_batch_encode(struct buf *out, const struct bus_batch_info *info, const struct flow *f,
		     size_t n);
/* Decode a batch into out[0..cap) (cap >= the batch's count, else
 * VIGIL_ELIMIT), *info gets the header. Everything is checked: magic,
 * version, lengths, value ranges, no trailing bytes. Returns the number of
 * flows or a negative vigil_err with a sentence in err. */
long bus_batch_decode(const void *data, size_t len, struct bus_batch_info *info,
		      struct flow *out, size_t cap, char *err, size_t errlen);

/* ---- partitions (part.c) ---- */
struct bus_part;

/* The constituency from cf's [detect] network keys plus extra (may be
 * NULL/0: "CIDR" strings). No networks at all is allowed: every flow then
 * goes by its source. Returns 0 or VIGIL_EINVAL/ENOMEM with err. */
int bus_part_new(const struct conf *cf, const char *const *extra, size_t nextra,
		 unsigned partitions, struct bus_part **out, char *err, size_t errlen);
void bus_part_free(struct bus_part *p);
/* The internal host of f: the end inside the constituency, the source if
 * both or neither are. */
const struct vaddr *bus_part_host(const struct bus_part *p, const struct flow *f);
/* Partition of f: FNV-1a of the internal host's 16 bytes mod P. */
unsigned bus_part_of(const struct bus_part *p, const struct flow *f);
uint64_t bus_hash_addr(const struct vaddr *a);
/* Parse a partition list "0-3" or "0,2,5" (each < partitions) into a
 * bitmap want[0..BUS_MAX_PARTITIONS). Returns how many, or VIGIL_EINVAL. */
int bus_parse_partitions(const char *s, unsigned partitions, bool *want);

/* ---- broker list (amqp.c) ---- */
struct bus_url {
	char host[256], user[128], pass[128], vhost[128];
	int port;
};
/* Parse "amqp://user:pass@host:port/vhost,..." (comma list). Returns the
 * count or VIGIL_EINVAL with err. */
int bus_parse_urls(const char *s, struct bus_url *out, size_t cap, char *err, size_t errlen);

/* ---- publisher (publish.c) ---- */
struct bus_pub_opts {
	const char *urls;
	unsigned partitions;       /* 0: BUS_DEFAULT_PARTITIONS */
	const struct conf *conf;   /* [detect] network for the partition */
	size_t batch_flows;        /* 0: 1000 */
	int64_t batch_ms;          /* 0: 200 */
	size_t max_unconfirmed;    /* batches held (queued or unconfirmed); 0: 4096 */
	const char *collector_id;  /* NULL: host-pid-start */
};

struct bus_pub_stats {
	uint64_t flows, batches, published, confirmed, nacked, resent, bytes, reconnects;
	uint64_t dropped; /* flows that could not be encoded (out of memory) */
};

struct bus_pub;

/* Connects (trying each broker), declares the topology, starts the
 * publishing thread. Returns 0 or a vigil_err with err. */
int bus_pub_new(const struct bus_pub_opts *o, struct bus_pub **out, char *err, size_t errlen);
/* A collect sink (flow_emit_fn): group flows per partition into batches.
 * Blocks while max_unconfirmed batches are held (backpressure). */
void bus_pub_flows(void *ctx, const struct flow *f, size_t n);
/* Publish what is left and wait until every batch is confirmed or
 * timeout_ms passed (<= 0: wait forever). 0 or VIGIL_EIO. */
int bus_pub_finish(struct bus_pub *p, int64_t timeout_ms);
void bus_pub_get_stats(struct bus_pub *p, struct bus_pub_stats *st);
void bus_pub_print_stats(struct bus_pub *p, FILE *out);
void bus_pub_free(struct bus_pub *p);

/* ---- worker (consume.c) ---- */
struct bus_worker_opts {
	const char *urls;
	const bool *want;           /* [BUS_MAX_PARTITIONS]: partitions to consume */
	unsigned partitions;        /* how many exist (queues declared) */
	const struct conf *conf;    /* detector configuration */
	const void *intel;          /* struct intel_set * or NULL */
	const char *desk_url;
	unsigned prefetch;          /* 0: unlimited */
	bool drain;                 /* exit once idle (see bus_worker_run) */
	int64_t drain_idle_ms;      /* < 0: 2000 */
	int64_t drain_min_ms;       /* < 0: 10000 */
	volatile sig_atomic_t *stop;
};

struct bus_worker_stats {
	uint64_t deliveries, flows, skipped, redelivered, events, acked, windows, commits,
		 reconnects, bad;
};

/* Consume until *stop (unacked deliveries are requeued: nothing lost) or,
 * with drain, until every queue is empty, nothing is unacked, nothing
 * arrived for drain_idle_ms and drain_min_ms passed since the start: then
 * the open windows are flushed, their events committed and the deliveries
 * acked. Returns 0 or a vigil_err with err. */
int bus_worker_run(const struct bus_worker_opts *o, struct bus_worker_stats *st, char *err,
		   size_t errlen);

#endif
