/*
 * pending.c - data sets that arrived before their template. Routers do send
 * data first (after a restart, or with templates on a timer), so such a set
 * is held per exporter, in arrival order, and decoded when its template
 * arrives. Bounded: at most max_pending sets of at most 64 KB per exporter
 * (the oldest is dropped to make room), 64 MB over all exporters (then new
 * sets are not held), and nothing is held longer than ten minutes; every
 * set dropped unread counts in pending_dropped.
 */
#include <stdlib.h>
#include <string.h>

#include "flow/flow_int.h"

static void pop_head(struct flow_decoder *d, struct fexp *e)
{
	struct fpend *p = e->pend_head;

	e->pend_head = p->next;
	if (!e->pend_head)
		e->pend_tail = NULL;
	e->npend--;
	d->pend_bytes -= p->len;
	free(p);
}

/* Hold a copy of the data set body p/len for template tid. */
void fpend_hold(struct flow_decoder *d, struct fexp *e, const struct fhdr *h, int64_t recv_ms,
		uint16_t tid, const uint8_t *p, size_t len)
{
	struct fpend *n;

	e->st.unknown_template++;
	while (e->npend >= d->o.max_pending && e->pend_head) {
		pop_head(d, e);
		e->st.pending_dropped++;
	}
	if (len > FLOW_PEND_MAX_BYTES || d->pend_bytes + len > FLOW_PEND_TOTAL_MAX) {
		e->st.pending_dropped++;
		return;
	}
	n = malloc(sizeof(*n) + len);
	if (!n) {
		e->st.pending_dropped++;
		return;
	}
	n->next = NULL;
	n->recv_ms = recv_ms;
	n->export_ms = h->export_ms;
	n->uptime_ms = h->uptime_ms;
	n->tid = tid;
	n->len = (uint32_t)len;
	memcpy(n->data, p, len);
	d->pend_bytes += len;
	if (e->pend_tail)
		e->pend_tail->next = n;
	else
		e->pend_head = n;
	e->pend_tail = n;
	e->npend++;
}

/* Decode (and forget) every held set for t's id, oldest first. */
void fpend_release(struct fctx *c, struct fexp *e, const struct ftmpl *t)
{
	struct fpend **pp = &e->pend_head, *prev = NULL;

	while (*pp) {
		struct fpend *p = *pp;

		if (p->tid != t->id) {
			prev = p;
			pp = &p->next;
			continue;
		}
		struct fhdr h = {
			.version = e->st.version, .has_uptime = e->st.version == 9,
			.uptime_ms = p->uptime_ms, .export_ms = p->export_ms, .domain = e->st.domain,
		};

		if (frec_decode_set(c, e, t, &h, p->data, p->len) < 0)
			e->st.bad_packets++;
		*pp = p->next;
		if (e->pend_tail == p)
			e->pend_tail = prev;
		e->npend--;
		c->d->pend_bytes -= p->len;
		free(p);
	}
}

/* Drop held sets received more than ten minutes before now. */
void fpend_expire(struct flow_decoder *d, struct fexp *e, int64_t now)
{
	while (e->pend_head && now - e->pend_head->recv_ms > FLOW_PEND_TTL_MS) {
		pop_head(d, e);
		e->st.pending_dropped++;
	}
}

void fpend_free_all(struct flow_decoder *d, struct fexp *e)
{
	while (e->pend_head)
		pop_head(d, e);
}
