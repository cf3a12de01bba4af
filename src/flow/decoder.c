/*
 * decoder.c - the flow decoder object: creation with its caps, the table of
 * wire decoders chosen by the export version (NetFlow v5, v9, IPFIX), the
 * batch every decoder emits into, and the counters visitor. Protocol detail
 * lives in netflow5.c, netflow9.c and ipfix.c; templates in template.c.
 */
#include <stdlib.h>
#include <string.h>

#include "flow/flow_int.h"
#include "util/err.h"

static const struct flow_proto *const protos[] = {
	&flow_proto_v5, &flow_proto_v9, &flow_proto_ipfix,
};

static const struct flow_proto *proto_by_version(uint16_t v)
{
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (protos[i]->version == v)
			return protos[i];
	return NULL;
}

struct flow_decoder *flow_decoder_new(const struct flow_decoder_opts *opts)
{
	struct flow_decoder *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	if (opts)
		d->o = *opts;
	if (!d->o.max_templates)
		d->o.max_templates = 1024;
	if (!d->o.max_exporters)
		d->o.max_exporters = 65536;
	if (!d->o.max_pending)
		d->o.max_pending = 256;
	if (!d->o.default_sampling)
		d->o.default_sampling = 1;
	if (!d->o.template_timeout_ms)
		d->o.template_timeout_ms = 30ull * 60 * 1000;
	d->nbuckets = 256;
	d->ebuckets = calloc(d->nbuckets, sizeof(*d->ebuckets));
	if (!d->ebuckets) {
		free(d);
		return NULL;
	}
	return d;
}

void flow_decoder_free(struct flow_decoder *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->nbuckets; i++) {
		struct fexp *e = d->ebuckets[i], *next;

		for (; e; e = next) {
			next = e->next;
			fexp_free(d, e);
		}
	}
	free(d->ebuckets);
	free(d->cfg);
	free(d);
}

void flow_decoder_set_sampling(struct flow_decoder *d, const struct vaddr *exporter, uint32_t rate)
{
	size_t i;

	for (i = 0; i < d->ncfg; i++)
		if (addr_eq(&d->cfg[i].addr, exporter))
			break;
	if (i == d->ncfg) {
		if (!rate)
			return;
		if (d->ncfg == d->capcfg) {
			size_t ncap = d->capcfg ? d->capcfg * 2 : 16;
			struct fcfg_rate *n;

			if (ncap > d->o.max_exporters)
				ncap = d->o.max_exporters;
			if (d->ncfg >= ncap)
				return; /* capped: as many configured rates as exporters */
			n = realloc(d->cfg, ncap * sizeof(*n));
			if (!n)
				return;
			d->cfg = n;
			d->capcfg = ncap;
		}
		d->cfg[d->ncfg].addr = *exporter;
		d->ncfg++;
	}
	d->cfg[i].rate = rate;
	for (size_t b = 0; b < d->nbuckets; b++)
		for (struct fexp *e = d->ebuckets[b]; e; e = e->next)
			if (addr_eq(&e->st.exporter, exporter))
				e->cfg_rate = rate;
}

struct flow *flow_out(struct fctx *c)
{
	struct flow *f;

	if (c->n == FLOW_BATCH)
		flow_flush(c);
	f = &c->d->batch[c->n++];
	memset(f, 0, sizeof(*f));
	return f;
}

void flow_flush(struct fctx *c)
{
	if (!c->n)
		return;
	if (c->emit)
		c->emit(c->ectx, c->d->batch, c->n);
	c->emitted += (long)c->n;
	c->n = 0;
}

bool flow_all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

int flow_decode(struct flow_decoder *d, const struct vaddr *exporter, int64_t recv_ms,
		const uint8_t *pkt, size_t len, flow_emit_fn emit, void *ctx)
{
	struct fctx c = { .d = d, .addr = exporter, .recv_ms = recv_ms, .emit = emit, .ectx = ctx };
	const struct flow_proto *p;
	struct rd r;
	uint16_t version;
	int rc;

	rd_init(&r, pkt, len);
	if (rd_u16(&r, &version) < 0)
		return VIGIL_ESHORT;
	p = proto_by_version(version);
	if (!p)
		return VIGIL_EUNSUPPORTED;
	rc = p->decode(&c, &r);
	flow_flush(&c);
	if (rc < 0)
		return rc;
	return c.emitted > INT32_MAX ? INT32_MAX : (int)c.emitted;
}

void flow_decoder_stats(const struct flow_decoder *d,
			void (*fn)(void *ctx, const struct flow_exporter_stats *s), void *ctx)
{
	for (size_t b = 0; b < d->nbuckets; b++)
		for (const struct fexp *e = d->ebuckets[b]; e; e = e->next) {
			struct flow_exporter_stats s = e->st;

			s.sampling = fexp_rate(d, e);
			s.templates = e->ntmpl;
			fn(ctx, &s);
		}
}

void flow_decoder_pcap_stats(const struct flow_decoder *d, struct flow_pcap_stats *out)
{
	*out = d->pcap;
}
