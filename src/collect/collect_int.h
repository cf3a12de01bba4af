/*
 * collect_int.h - what the files of src/collect share and nobody else sees:
 * the collector object, the exporter policy (allow-list and sampling
 * overrides), the listening sockets, the batch queue between the receive
 * thread and the store worker, and the table of denied exporters.
 */
#ifndef VIGIL_COLLECT_INT_H
#define VIGIL_COLLECT_INT_H

#include "collect/collect.h"
#include "util/lpm.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/socket.h>

/* ---- policy (opts.c): what the receive thread checks per packet ---- */

struct collect_policy {
	struct lpm *allow;              /* NULL: every exporter allowed */
	size_t nallow;
	struct collect_sampling *sampling;
	size_t nsampling;
};

/* Build a policy from opts' allow-list and sampling overrides. */
int collect_policy_new(const struct collect_opts *o, struct collect_policy **out);
void collect_policy_free(struct collect_policy *p);

static inline bool collect_policy_allows(const struct collect_policy *p, const struct vaddr *a)
{
	return !p->allow || lpm_lookup(p->allow, a) != LPM_NONE;
}

/* Parse a duration "200ms", "1s", "5m", "2h" or plain seconds into ms. */
int collect_parse_ms(const char *s, int64_t *ms);

/* ---- sockets (sock.c) ---- */

#define COLLECT_VLEN 64            /* datagrams per recvmmsg */
#define COLLECT_DGRAM_MAX 65536    /* largest UDP payload */

struct collect_sock {
	int fd;
	struct collect_listen where;
	int64_t rcvbuf;                /* what the kernel granted */
	uint32_t ovfl;                 /* last SO_RXQ_OVFL value seen (cumulative) */
	struct mmsghdr *msgs;          /* COLLECT_VLEN, owned (a GNU type: sock.c alone sees it) */
	struct iovec iov[COLLECT_VLEN];
	struct sockaddr_storage from[COLLECT_VLEN];
	char ctrl[COLLECT_VLEN][64];
	uint8_t *bufs;                 /* COLLECT_VLEN * COLLECT_DGRAM_MAX, not owned */
};

/* Bind one socket for l and size its buffer. Returns 0 or a vigil_err (err set). */
int collect_sock_open(struct collect_sock *s, const struct collect_listen *l, int64_t rcvbuf,
		      char *err, size_t errlen);
/* Receive up to COLLECT_VLEN datagrams without waiting. Returns the count,
 * 0 when nothing is waiting, or a vigil_err. Updates s->ovfl. */
int collect_sock_recv(struct collect_sock *s);
/* Datagram i of the last receive: its bytes, length, and whether it was
 * truncated (longer than COLLECT_DGRAM_MAX). */
const uint8_t *collect_sock_dgram(const struct collect_sock *s, int i, size_t *len, bool *trunc);
/* The source of datagram i of the last receive as a vaddr. */
void collect_sock_from(const struct collect_sock *s, int i, struct vaddr *a);
void collect_sock_close(struct collect_sock *s);
/* "[::]:2055" / "0.0.0.0:4739" into buf (>= 64). */
char *collect_listen_format(const struct collect_listen *l, char *buf, size_t len);

/* ---- batch queue and store worker (queue.c) ---- */

#define COLLECT_BATCH_FLOWS 2048

struct collect_batch {
	size_t n;
	struct flow flows[COLLECT_BATCH_FLOWS];
};

struct collect_sink {
	flow_emit_fn fn;
	void *ctx;
};

struct collect_queue {
	pthread_mutex_t mu;
	pthread_cond_t not_empty, not_full;
	/* Batches are allocated on demand, up to cap, and then reused: a stall
	 * of the store (fdatasync on a busy disk) is absorbed in memory instead of
	 * the kernel dropping datagrams; the footprint is the worst backlog seen. */
	struct collect_batch **all;    /* every batch allocated (nalloc of cap) */
	struct collect_batch **fifo;   /* published, waiting for the worker: ring of cap */
	struct collect_batch **free;   /* returned by the worker: stack of cap */
	unsigned cap, nalloc, nfree;
	uint64_t head;                 /* fifo: next position the producer fills */
	uint64_t tail;                 /* fifo: next position the worker takes */
	struct collect_batch *open;    /* the producer's batch being filled */
	unsigned peak;                 /* most batches ever waiting */
	bool closing;
	bool started;
	pthread_t thread;
	int64_t first_ms;              /* when the open batch got its first flow */
	/* worker side */
	struct store_writer *writer;
	int64_t tick_ms;
	const struct collect_sink *sinks;
	size_t nsinks;
	_Atomic uint64_t stored, store_errors;
	int first_error;
};

/* cap: most batches in memory at once (>= 2). */
int collect_queue_init(struct collect_queue *q, unsigned cap);
/* Start the worker over writer (owned by the queue from now on). */
int collect_queue_start(struct collect_queue *q, struct store_writer *w, int64_t tick_ms,
			const struct collect_sink *sinks, size_t nsinks);
/* flow_emit_fn: copy flows into the open batch, publishing full ones. ctx = queue. */
void collect_queue_emit(void *ctx, const struct flow *f, size_t n);
/* Publish the open batch if it holds anything. */
void collect_queue_publish(struct collect_queue *q);
/* Publish, drain, stop the worker, close the writer. Returns 0 or the first store error. */
int collect_queue_finish(struct collect_queue *q);
void collect_queue_free(struct collect_queue *q);

/* ---- per source address counters the decoders cannot keep (stats.c) ---- */

#define COLLECT_MAX_SOURCES 4096

struct collect_source {
	struct vaddr addr;
	uint64_t denied;               /* datagrams refused by the allow-list */
	uint64_t bad;                  /* datagrams the decoders refused (any version) */
	bool used;
};

/* ---- the collector ---- */

struct collect {
	struct collect_opts opts;      /* own copy; arrays owned */
	bool live;
	struct collect_sock *socks;
	size_t nsocks;
	uint8_t *sockbufs;             /* datagram buffers shared by the sockets */
	struct flow_decoder *dec;
	struct collect_policy *policy;           /* receive thread's */
	_Atomic(struct collect_policy *) pending; /* set by collect_reload */
	struct collect_sink sinks[COLLECT_MAX_SINKS];
	size_t nsinks;
	struct collect_queue q;
	int wake[2];                   /* self-pipe: stop/reload/stats wake the loop */
	volatile sig_atomic_t stop_flag, stats_flag;
	bool store_open, finished;
	int finish_rc;
	/* counters, receive thread */
	uint64_t packets, flows, bad_packets, denied, recv_errors;
	uint64_t last_packets, last_flows; /* at the previous periodic line */
	int64_t last_ms;
	struct collect_source *src_tab; /* 2 * COLLECT_MAX_SOURCES slots, open addressing */
	size_t nsrc;
	uint64_t denied_other, bad_other; /* past the table's cap */
	uid_t drop_uid;
	gid_t drop_gid;
	bool drop;                     /* root and a user to become */
};

/* Count a datagram from a refused by the allow-list (denied) or the decoders. */
void collect_count_source(struct collect *c, const struct vaddr *a, bool denied);
/* Sum of the sockets' kernel drop counters. */
uint64_t collect_kernel_drops(const struct collect *c);

/* privdrop.c: resolve opts.user (when root) into c->drop_uid/gid. */
int collect_priv_resolve(struct collect *c, char *err, size_t errlen);
/* mkdir -p the store dir; chown it to the drop user when dropping. */
int collect_priv_prepare_dir(struct collect *c, char *err, size_t errlen);

#endif
