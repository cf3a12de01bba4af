/*
 * metrics.c - GET /metrics in Prometheus' text format 0.0.4: incidents by
 * state, events, mails waiting, active blocks, flows in the store and, when
 * a collector runs in the same process, its counters. Answers loopback
 * clients without credentials, anyone else only with a valid Bearer token
 * (or a session).
 */
#include "web/web_int.h"
#include "store/store.h"
#include <stddef.h>

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct out {
	char *s;
	size_t len, cap;
	bool oom;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		if (o->oom)
			return;
		va_start(ap, fmt);
		n = vsnprintf(o->s + o->len, o->cap - o->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			o->oom = true;
			return;
		}
		if ((size_t)n < o->cap - o->len) {
			o->len += (size_t)n;
			return;
		}
		char *b = realloc(o->s, o->cap * 2 + (size_t)n);
		if (!b) {
			o->oom = true;
			return;
		}
		o->s = b;
		o->cap = o->cap * 2 + (size_t)n;
	}
}

static void metric(struct out *o, const char *name, const char *type, const char *help)
{
	put(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static int state_row(void *ctx, const char *state, int64_t n)
{
	struct out *o = ctx;

	put(o, "vigil_incidents{state=\"%s\"} %" PRId64 "\n", state, n);
	return 0;
}

static int seg_row(void *ctx, const struct store_segment_info *si)
{
	*(uint64_t *)ctx += si->rows;
	return 0;
}

int web_metrics(struct web_req *r)
{
	struct web *w = r->w;
	struct out o = { .cap = 4096 };
	struct web_collector_stats cs;
	uint64_t flows = 0;
	int64_t n;

	if (!r->loopback && !r->authed)
		return web_error(r, 401, "metrics: loopback only, or give a Bearer token");
	if (!(o.s = malloc(o.cap)))
		return web_error(r, 500, "out of memory");
	o.s[0] = '\0';
	metric(&o, "vigil_incidents", "gauge", "Incidents (not merged) by state.");
	desk_count_by_state(w->desk, state_row, &o);
	metric(&o, "vigil_events_total", "counter", "Events stored in the desk.");
	if (desk_count_events(w->desk, &n) == 0)
		put(&o, "vigil_events_total %" PRId64 "\n", n);
	metric(&o, "vigil_notifications_pending", "gauge", "Mails queued in the outbox.");
	if (desk_count_mail_pending(w->desk, &n) == 0)
		put(&o, "vigil_notifications_pending %" PRId64 "\n", n);
	metric(&o, "vigil_blocks_active", "gauge", "Blocks pending or active.");
	if (desk_block_live_count(w->desk, &n) == 0)
		put(&o, "vigil_blocks_active %" PRId64 "\n", n);
	if (w->store_dir && store_scan(w->store_dir, 0, seg_row, NULL, &flows) == 0) {
		metric(&o, "vigil_flows_stored", "gauge", "Flows in the store's segments.");
		put(&o, "vigil_flows_stored %" PRIu64 "\n", flows);
	}
	if (w->c.collector && w->c.collector(w->c.ctx, &cs) == 0) {
		static const struct {
			const char *name, *help;
			size_t off;
		} cm[] = {
			{ "packets", "Datagrams received.", offsetof(struct web_collector_stats, packets) },
			{ "flows", "Flows decoded.", offsetof(struct web_collector_stats, flows) },
			{ "bad_packets", "Datagrams the decoders refused.",
			  offsetof(struct web_collector_stats, bad_packets) },
			{ "seq_lost", "Records lost by sequence numbers.",
			  offsetof(struct web_collector_stats, seq_lost) },
			{ "kernel_drops", "Datagrams the kernel dropped.",
			  offsetof(struct web_collector_stats, kernel_drops) },
			{ "denied", "Datagrams from exporters not allowed.",
			  offsetof(struct web_collector_stats, denied) },
			{ "stored", "Flows handed to the store.",
			  offsetof(struct web_collector_stats, stored) },
			{ "store_errors", "Flows the store refused.",
			  offsetof(struct web_collector_stats, store_errors) },
		};
		char name[64];

		for (size_t i = 0; i < sizeof(cm) / sizeof(cm[0]); i++) {
			snprintf(name, sizeof(name), "vigil_collector_%s_total", cm[i].name);
			metric(&o, name, "counter", cm[i].help);
			put(&o, "%s %" PRIu64 "\n", name,
			    *(const uint64_t *)(const void *)((const char *)&cs + cm[i].off));
		}
		metric(&o, "vigil_collector_exporters", "gauge", "Exporters (and domains) seen.");
		put(&o, "vigil_collector_exporters %" PRIu64 "\n", cs.exporters);
	}
	if (o.oom) {
		free(o.s);
		return web_error(r, 500, "out of memory");
	}
	r->text = o.s;
	r->ctype = "text/plain; version=0.0.4; charset=utf-8";
	r->status = 200;
	return 200;
}
