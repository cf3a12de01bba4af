/*
 * exporter.c - the exporter table: one entry per (UDP source address,
 * export version, v9 source id / IPFIX observation domain), hashed, capped
 * at max_exporters, holding the counters flow_decoder_stats() reports, the
 * sequence tracking that estimates loss, and the sampling rates in force
 * (configured, from options data per sampler id, from the v5 header).
 */
#include <stdlib.h>
#include <string.h>

#include "flow/flow_int.h"

static uint64_t key_hash(const struct vaddr *a, uint8_t version, uint32_t domain)
{
	uint64_t h = addr_hash(a) ^ ((uint64_t)domain * 0x9e3779b97f4a7c15ull) ^ version;

	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 32;
	return h;
}

static void grow(struct flow_decoder *d)
{
	size_t n = d->nbuckets * 2;
	struct fexp **nb = calloc(n, sizeof(*nb));

	if (!nb)
		return; /* keep the longer chains */
	for (size_t i = 0; i < d->nbuckets; i++) {
		struct fexp *e = d->ebuckets[i], *next;

		for (; e; e = next) {
			size_t b = key_hash(&e->st.exporter, e->st.version, e->st.domain) & (n - 1);

			next = e->next;
			e->next = nb[b];
			nb[b] = e;
		}
	}
	free(d->ebuckets);
	d->ebuckets = nb;
	d->nbuckets = n;
}

/*
 * The exporter entry for the packet being decoded, created on first sight.
 * Returns NULL when max_exporters is reached (counted in exporters_refused)
 * or memory runs out.
 */
struct fexp *fexp_get(struct fctx *c, uint8_t version, uint32_t domain)
{
	struct flow_decoder *d = c->d;
	size_t b = key_hash(c->addr, version, domain) & (d->nbuckets - 1);
	struct fexp *e;

	for (e = d->ebuckets[b]; e; e = e->next)
		if (e->st.domain == domain && e->st.version == version &&
		    addr_eq(&e->st.exporter, c->addr))
			return e;
	if (d->nexp >= d->o.max_exporters) {
		d->exporters_refused++;
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->st.exporter = *c->addr;
	e->st.domain = domain;
	e->st.version = version;
	for (size_t i = 0; i < d->ncfg; i++)
		if (addr_eq(&d->cfg[i].addr, c->addr))
			e->cfg_rate = d->cfg[i].rate;
	e->next = d->ebuckets[b];
	d->ebuckets[b] = e;
	d->nexp++;
	if (d->nexp > d->nbuckets * 2)
		grow(d);
	return e;
}

void fexp_free(struct flow_decoder *d, struct fexp *e)
{
	if (!e)
		return;
	ftmpl_free_all(e);
	fpend_free_all(d, e);
	free(e);
}

/* The exporter-wide rate in force: configured, options data, v5 header, default. */
uint32_t fexp_rate(const struct flow_decoder *d, const struct fexp *e)
{
	if (e->cfg_rate)
		return e->cfg_rate;
	if (e->opt_rate)
		return e->opt_rate;
	if (e->hdr_rate)
		return e->hdr_rate;
	return d->o.default_sampling;
}

/*
 * Sequence check: seq is what the header says, advance how far this packet
 * moves it (records for v5/IPFIX, 1 for v9). A forward jump of less than
 * 2^30 counts as loss; anything else (restart, reordering) resynchronises.
 */
void fexp_seq(struct fexp *e, uint32_t seq, uint32_t advance)
{
	if (e->seq_valid && seq != e->seq_next) {
		uint32_t gap = seq - e->seq_next;

		if (gap < (1u << 30))
			e->st.seq_gaps += gap;
	}
	e->seq_next = seq + advance;
	e->seq_valid = true;
}

void fexp_sampler_set(struct fexp *e, uint32_t id, uint32_t rate)
{
	for (unsigned i = 0; i < e->nsamplers; i++)
		if (e->samplers[i].id == id) {
			e->samplers[i].rate = rate;
			return;
		}
	if (e->nsamplers == FLOW_MAX_SAMPLERS) {
		/* capped: the oldest sampler makes room */
		memmove(e->samplers, e->samplers + 1, (FLOW_MAX_SAMPLERS - 1) * sizeof(e->samplers[0]));
		e->nsamplers--;
	}
	e->samplers[e->nsamplers].id = id;
	e->samplers[e->nsamplers].rate = rate;
	e->nsamplers++;
}

/* Rate announced for a sampler id, 0 when unknown. */
uint32_t fexp_sampler_rate(const struct fexp *e, uint32_t id)
{
	for (unsigned i = 0; i < e->nsamplers; i++)
		if (e->samplers[i].id == id)
			return e->samplers[i].rate;
	return 0;
}
