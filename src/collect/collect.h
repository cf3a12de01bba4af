/*
 * collect.h - the collector: receives NetFlow v5/v9 and IPFIX over UDP (or
 * reads captures), decodes the export packets and writes the flows to the
 * store, handing every decoded batch to extra consumers (sinks) on the way.
 *
 * Threads: the receive thread (the one calling collect_run) reads the
 * sockets with recvmmsg and decodes straight into batches of a bounded
 * queue; a store worker thread takes finished batches, hands them to the
 * sinks and appends them to the store writer (which compresses and makes
 * blocks durable off the receive path). When the queue is full the receive
 * thread waits and the kernel socket buffer absorbs the burst; what the
 * kernel drops is counted (SO_RXQ_OVFL) and reported.
 *
 * Life cycle:
 *   collect_opts_init / collect_opts_from_conf / collect_opts_add_* -> opts
 *   collect_new(opts)            binds the sockets, prepares the store dir
 *   collect_drop_privileges(c)   when root: become opts.user (default nobody)
 *   collect_add_sink(c, fn, ctx) any number, before running
 *   collect_run(c)               loop until collect_stop(), then finish
 *     or collect_read_capture(c, path) ... then collect_finish(c)
 *   collect_free(c)
 */
#ifndef VIGIL_COLLECT_COLLECT_H
#define VIGIL_COLLECT_COLLECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "flow/flow.h"
#include "store/store.h"
#include "util/addr.h"
#include "util/conf.h"

#define COLLECT_MAX_LISTEN 32
#define COLLECT_MAX_ALLOW 65536
#define COLLECT_MAX_SAMPLING 65536
#define COLLECT_MAX_SINKS 16
#define COLLECT_DEFAULT_PORT_NETFLOW 2055
#define COLLECT_DEFAULT_PORT_IPFIX 4739

/* One address to listen on. addr holds an IPv4 (mapped) or IPv6 address. */
struct collect_listen {
	struct vaddr addr;
	uint16_t port;
};

/* A configured sampling rate for one exporter (overrides what it sends). */
struct collect_sampling {
	struct vaddr exporter;
	uint32_t rate;
};

/*
 * Everything the collector is configured with. Fill with collect_opts_init()
 * (defaults) then collect_opts_from_conf() and the command-line adders;
 * release with collect_opts_free(). The arrays are owned by the struct.
 */
struct collect_opts {
	/* [collect] */
	struct collect_listen listen[COLLECT_MAX_LISTEN];
	size_t nlisten;              /* 0 and no capture: the default ports on [::] and 0.0.0.0 */
	int64_t rcvbuf;              /* socket receive buffer to ask for, bytes; default 64 MiB */
	struct vprefix *allow;       /* exporter allow-list; none = every exporter */
	size_t nallow;
	struct collect_sampling *sampling;
	size_t nsampling;
	char user[64];               /* privilege-drop target; "" = "nobody" (only when root) */
	int64_t stats_interval_ms;   /* periodic stats line at -v; default 60 s, 0 = never */
	unsigned queue_batches;      /* most batches of 2048 flows (360 KB) waiting for the store;
				      * allocated as the backlog needs them; default 512 */
	/* [store] */
	char store_dir[4096];        /* default ./var/flows */
	struct store_opts store;     /* segment, flush, codec, level */
	/* decoder limits (defaults) */
	struct flow_decoder_opts decoder;
};

/* Defaults for everything; no listen addresses yet. */
void collect_opts_init(struct collect_opts *o);
/*
 * Read the [collect] and [store] sections of cf (NULL: nothing) over the
 * current values. Returns 0, or VIGIL_EINVAL / VIGIL_ELIMIT / VIGIL_ENOMEM
 * with a sentence naming the key in err.
 */
int collect_opts_from_conf(struct collect_opts *o, const struct conf *cf, char *err, size_t errlen);
/* Add "ADDR:PORT", "[V6ADDR]:PORT" or a bare "PORT" (= [::]:PORT and 0.0.0.0:PORT). */
int collect_opts_add_listen(struct collect_opts *o, const char *spec);
/* Add an exporter prefix to the allow-list ("192.0.2.0/24", "2001:db8::1"). */
int collect_opts_add_allow(struct collect_opts *o, const char *prefix);
/* Add "EXPORTER RATE" (as the `sampling` key). */
int collect_opts_add_sampling(struct collect_opts *o, const char *spec);
void collect_opts_free(struct collect_opts *o);

struct collect;

/*
 * Create a collector: validate opts (copied; the caller keeps its own), bind
 * every listen address (IPv6 sockets are v6-only so [::] and 0.0.0.0 can share
 * a port; a wildcard IPv6 bind that fails for want of IPv6 is skipped when
 * another socket is bound), size the receive buffers (SO_RCVBUFFORCE when
 * allowed, else SO_RCVBUF), enable SO_RXQ_OVFL, and create the store
 * directory (owned by the privilege-drop user when running as root).
 * listen_live = false makes a capture-only collector that binds nothing.
 * Returns 0 with *out set, or a vigil_err with a sentence in err.
 */
int collect_new(const struct collect_opts *opts, bool listen_live, struct collect **out,
		char *err, size_t errlen);

/*
 * When the process runs as root: setgroups/setgid/setuid to opts.user
 * ("nobody" by default), and verify root cannot be regained. Not root, or
 * user "root": nothing to do (0). Returns 0 or a vigil_err (with err): the
 * caller must then refuse to continue. Call after every privileged bind of
 * the process (the lead's `vigil run` binds its HTTP port first).
 */
int collect_drop_privileges(struct collect *c, char *err, size_t errlen);

/*
 * Add a consumer of every decoded batch. fn is called on the store worker
 * thread, one batch at a time in arrival order, before the batch is written
 * to the store; the array is valid only during the call. A slow sink delays
 * storing and, once the queue is full, receiving. Before collect_run or
 * collect_read_capture only. Returns 0 or VIGIL_ELIMIT.
 */
int collect_add_sink(struct collect *c, flow_emit_fn fn, void *ctx);

/*
 * Receive until collect_stop(): opens the store writer (as the current
 * user), starts the store worker, then loops over the sockets. On stop
 * every flow received is handed to the sinks and made durable, the store
 * is closed, and collect_run returns 0 (or the first store error).
 */
int collect_run(struct collect *c);

/* Ask collect_run to return. Async-signal-safe; any thread. */
void collect_stop(struct collect *c);

/*
 * Apply the [collect] allow-list and sampling overrides of cf (listen,
 * store and user changes need a restart and are reported in err as a note,
 * returning 0). Thread-safe: the receive loop swaps the new policy in at its
 * next turn. Not async-signal-safe (it allocates): call it from a thread
 * that took the SIGHUP, not from the handler. Returns 0 or a vigil_err (the
 * old policy stays).
 */
int collect_reload(struct collect *c, const struct conf *cf, char *err, size_t errlen);

/* Ask the receive loop to print per-exporter stats to stderr. Async-signal-safe. */
void collect_request_stats(struct collect *c);

/*
 * Read one capture file (pcap/pcapng, any UDP port) into the store and the
 * sinks, exporters being the packets' IP sources. The allow-list applies
 * to live input only. Returns the number of flows read or a vigil_err (err
 * gets a sentence). Call collect_finish() after the last capture.
 */
long collect_read_capture(struct collect *c, const char *path, char *err, size_t errlen);

/*
 * Hand every queued batch to the sinks and the store, stop the store worker
 * and close the store writer. Idempotent. Returns 0 or the first store error.
 */
int collect_finish(struct collect *c);

/* Totals since collect_new. Exact once the receive loop has returned. */
struct collect_totals {
	uint64_t packets;        /* datagrams received (and accepted by the allow-list) */
	uint64_t flows;          /* flows decoded */
	uint64_t bad_packets;    /* datagrams the decoders refused */
	uint64_t seq_lost;       /* sequence-number gaps summed over exporters (see collect_stats) */
	uint64_t kernel_drops;   /* datagrams the kernel dropped, socket buffer full (SO_RXQ_OVFL) */
	uint64_t denied;         /* datagrams from exporters not on the allow-list */
	uint64_t stored;         /* flows handed to the store writer successfully */
	uint64_t store_errors;   /* flows the store writer refused (disk full...) */
	uint64_t recv_errors;    /* failed recvmmsg calls (other than no data) */
	uint64_t exporters;      /* (exporter, domain) pairs seen by the decoders */
};
void collect_get_totals(struct collect *c, struct collect_totals *t);

/*
 * Print the one-line summary and, if per_exporter, a table with one row per
 * (exporter, observation domain) and one per denied exporter. Reads decoder
 * state: call from the receive thread's side (the loop does it for
 * collect_request_stats) or when no loop is running.
 */
void collect_stats(struct collect *c, FILE *out, bool per_exporter);

/* Stop, finish and free. NULL is fine. */
void collect_free(struct collect *c);

#endif
