/*
 * record.c - running a compiled template over the records of one data set:
 * each record's fields land in a small scratch record (numeric slots and
 * addresses, with a bit per slot seen), which is then turned into a struct
 * flow (times normalised to epoch ms, ICMP type/code, the sampling rate in
 * force) or, for options templates, into exporter state (sampling rates per
 * sampler id, systemInitTimeMilliseconds). No allocation per record.
 */
#include <string.h>

#include "flow/flow_int.h"
#include "util/err.h"

#define NTP_UNIX_OFFSET 2208988800ll

struct rec {
	uint64_t seen;
	uint8_t aseen;
	uint64_t v[S_N];
	struct vaddr a[A_N];
};

_Static_assert(S_N <= 64, "slots must fit the seen mask");

#define HAS(x, s) (((x)->seen >> (s)) & 1)
#define GET(x, s) (HAS(x, s) ? (x)->v[s] : 0)

/* Run t's program over one record; 0 or VIGIL_ESHORT (record cut). */
static int run(const struct ftmpl *t, struct rd *r, struct rec *x)
{
	x->seen = 0;
	x->aseen = 0;
	for (uint16_t i = 0; i < t->nops; i++) {
		const struct fop *op = &t->ops[i];
		uint32_t v4;
		uint8_t l8;
		uint16_t l16;

		switch (op->kind) {
		case OP_SKIP:
			if (rd_skip(r, op->len) < 0)
				return VIGIL_ESHORT;
			break;
		case OP_VSKIP:
			if (rd_u8(r, &l8) < 0)
				return VIGIL_ESHORT;
			l16 = l8;
			if (l8 == 255 && rd_u16(r, &l16) < 0)
				return VIGIL_ESHORT;
			if (rd_skip(r, l16) < 0)
				return VIGIL_ESHORT;
			break;
		case OP_UINT:
			if (rd_uint(r, op->len, &x->v[op->slot]) < 0)
				return VIGIL_ESHORT;
			x->seen |= 1ull << op->slot;
			break;
		case OP_ADDR4:
			/* templates with both v4 and v6 fields zero the unused family:
			 * a zero address never replaces one already read */
			if (rd_u32(r, &v4) < 0)
				return VIGIL_ESHORT;
			if (v4 || !(x->aseen & (1u << op->slot)))
				addr_from_v4(&x->a[op->slot], v4);
			x->aseen |= (uint8_t)(1u << op->slot);
			break;
		case OP_ADDR6:
			if (rd_left(r) < 16)
				return VIGIL_ESHORT;
			if (!(x->aseen & (1u << op->slot)) || !flow_all_zero(r->p, 16))
				memcpy(x->a[op->slot].b, r->p, 16);
			r->p += 16;
			x->aseen |= (uint8_t)(1u << op->slot);
			break;
		}
	}
	return 0;
}

/* 10000-01-01T00:00:00Z: later times in a record are treated as absent. */
#define FLOW_TIME_MAX_MS 253402300800000LL

static int64_t ntp_ms(uint64_t v)
{
	int64_t secs = (int64_t)(v >> 32) - NTP_UNIX_OFFSET;

	return secs * 1000 + (int64_t)(((v & 0xffffffffull) * 1000) >> 32);
}

/* One end of the flow's time span; idx 0 = first, 1 = last. */
static int64_t rec_time(const struct rec *x, const struct fexp *e, const struct fhdr *h, int idx)
{
	static const uint8_t ms[2] = { S_FIRST_MS, S_LAST_MS }, s[2] = { S_FIRST_S, S_LAST_S },
			     us[2] = { S_FIRST_US, S_LAST_US }, ns[2] = { S_FIRST_NS, S_LAST_NS },
			     up[2] = { S_FIRST_UP, S_LAST_UP }, dus[2] = { S_FIRST_DUS, S_LAST_DUS };

	/* a value past year 9999 is nonsense (and would overflow): use the export time */
	if (HAS(x, ms[idx]))
		return x->v[ms[idx]] <= FLOW_TIME_MAX_MS ? (int64_t)x->v[ms[idx]] : h->export_ms;
	if (HAS(x, s[idx]))
		return x->v[s[idx]] <= FLOW_TIME_MAX_MS / 1000 ? (int64_t)x->v[s[idx]] * 1000
							      : h->export_ms;
	if (HAS(x, us[idx]))
		return ntp_ms(x->v[us[idx]]);
	if (HAS(x, ns[idx]))
		return ntp_ms(x->v[ns[idx]]);
	if (HAS(x, up[idx])) {
		uint32_t rel = (uint32_t)x->v[up[idx]];

		if (h->has_uptime)
			return h->export_ms - (int64_t)(int32_t)(h->uptime_ms - rel);
		if (HAS(x, S_SYSINIT) && x->v[S_SYSINIT] <= FLOW_TIME_MAX_MS)
			return (int64_t)x->v[S_SYSINIT] + rel;
		if (e->sysinit_ms > 0 && e->sysinit_ms <= FLOW_TIME_MAX_MS)
			return e->sysinit_ms + rel;
		return h->export_ms;
	}
	if (HAS(x, dus[idx]))
		return h->export_ms - (int64_t)(x->v[dus[idx]] / 1000);
	return h->export_ms;
}

/* A sampling rate the record itself states (v9 34, 50; IPFIX 305/306, 309/310), 0 if none. */
static uint32_t rec_rate(const struct rec *x)
{
	uint64_t r = 0;

	if (HAS(x, S_SAMP_INT) && x->v[S_SAMP_INT])
		r = x->v[S_SAMP_INT];
	else if (HAS(x, S_SAMP_RAND) && x->v[S_SAMP_RAND])
		r = x->v[S_SAMP_RAND];
	else if (HAS(x, S_SAMP_PINT) && x->v[S_SAMP_PINT]) {
		uint64_t space = HAS(x, S_SAMP_PSPACE) ? x->v[S_SAMP_PSPACE] : 0;

		if (space < (1ull << 32))
			r = (x->v[S_SAMP_PINT] + space) / x->v[S_SAMP_PINT];
	} else if (HAS(x, S_SAMP_SIZE) && HAS(x, S_SAMP_POP) && x->v[S_SAMP_SIZE])
		r = x->v[S_SAMP_POP] / x->v[S_SAMP_SIZE];
	return r > UINT32_MAX ? UINT32_MAX : (uint32_t)r;
}

static void apply_options(struct fexp *e, const struct rec *x)
{
	uint32_t rate = rec_rate(x);

	if (rate) {
		if (HAS(x, S_SAMPLER_ID))
			fexp_sampler_set(e, (uint32_t)x->v[S_SAMPLER_ID], rate);
		else
			e->opt_rate = rate;
	}
	if (HAS(x, S_SYSINIT))
		e->sysinit_ms = (int64_t)x->v[S_SYSINIT];
}

static uint64_t first_of(const struct rec *x, const uint8_t *slots, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (HAS(x, slots[i]))
			return x->v[slots[i]];
	return 0;
}

static void emit_flow(struct fctx *c, struct fexp *e, const struct fhdr *h, const struct rec *x)
{
	static const uint8_t bytes[] = { S_BYTES, S_BYTES_TOT, S_BYTES_INIT, S_BYTES_OUT };
	static const uint8_t pkts[] = { S_PKTS, S_PKTS_TOT, S_PKTS_INIT, S_PKTS_OUT };
	struct flow *f = flow_out(c);
	uint32_t rate = e->cfg_rate;

	if (x->aseen & (1u << A_SRC))
		f->src = x->a[A_SRC];
	if (x->aseen & (1u << A_DST))
		f->dst = x->a[A_DST];
	if (x->aseen & (1u << A_NH))
		f->nexthop = x->a[A_NH];
	if (x->aseen & (1u << A_XSRC))
		f->xsrc = x->a[A_XSRC];
	if (x->aseen & (1u << A_XDST))
		f->xdst = x->a[A_XDST];
	f->exporter = *c->addr;
	f->first_ms = rec_time(x, e, h, 0);
	f->last_ms = rec_time(x, e, h, 1);
	f->bytes = first_of(x, bytes, sizeof(bytes));
	f->packets = first_of(x, pkts, sizeof(pkts));
	f->src_as = (uint32_t)GET(x, S_SRCAS);
	f->dst_as = (uint32_t)GET(x, S_DSTAS);
	f->in_if = (uint32_t)GET(x, S_INIF);
	f->out_if = (uint32_t)GET(x, S_OUTIF);
	f->domain = h->domain;
	f->proto = (uint8_t)GET(x, S_PROTO);
	/* transport ports: 7/11, else the tcp/udp-specific 180..183 */
	f->sport = (uint16_t)(HAS(x, S_SPORT) ? x->v[S_SPORT] : GET(x, S_SPORT2));
	f->dport = (uint16_t)(HAS(x, S_DPORT) ? x->v[S_DPORT] : GET(x, S_DPORT2));
	if (f->proto == 1 || f->proto == 58) {
		/* ICMP type/code as nfdump shows it: dport = type << 8 | code.
		 * A zero type/code field does not hide a port field that has it. */
		uint64_t icmp = 0;

		if (HAS(x, S_ICMP))
			icmp = x->v[S_ICMP];
		else if (HAS(x, S_ICMP_TYPE))
			icmp = GET(x, S_ICMP_TYPE) << 8 | (GET(x, S_ICMP_CODE) & 0xff);
		if (icmp) {
			f->sport = 0;
			f->dport = (uint16_t)icmp;
		}
	}
	f->xsport = (uint16_t)GET(x, S_XSPORT);
	f->xdport = (uint16_t)GET(x, S_XDPORT);
	f->tcp_flags = (uint8_t)GET(x, S_FLAGS);
	f->tos = (uint8_t)GET(x, S_TOS);
	f->nat_event = (uint8_t)GET(x, S_NATEV);
	f->src_mask = (uint8_t)GET(x, S_SMASK);
	f->dst_mask = (uint8_t)GET(x, S_DMASK);
	f->direction = (uint8_t)GET(x, S_DIR);
	f->version = h->version;
	if (!rate)
		rate = rec_rate(x);
	if (!rate && HAS(x, S_SAMPLER_ID))
		rate = fexp_sampler_rate(e, (uint32_t)x->v[S_SAMPLER_ID]);
	if (!rate)
		rate = fexp_rate(c->d, e);
	f->sampling = rate;
}

/*
 * Decode the records of one data set (body p/len, set header removed) with
 * template t. Flows go to the batch; options records update e. Trailing
 * bytes too short for a record are padding. Returns the number of records,
 * or VIGIL_EFORMAT when the set holds no whole record yet is not zero
 * padding, or a record is cut by non-padding (records before it are kept).
 */
long frec_decode_set(struct fctx *c, struct fexp *e, const struct ftmpl *t, const struct fhdr *h,
		     const uint8_t *p, size_t len)
{
	struct rec x;
	struct rd r;
	long n = 0;

	rd_init(&r, p, len);
	while (rd_left(&r) > 0) {
		const uint8_t *start = r.p;

		if (rd_left(&r) < t->min_len) {
			if (n == 0 && !flow_all_zero(r.p, rd_left(&r)))
				return VIGIL_EFORMAT;
			break;
		}
		if (run(t, &r, &x) < 0) {
			if (n == 0 || !flow_all_zero(start, (size_t)(r.end - start)))
				return VIGIL_EFORMAT;
			break;
		}
		if (t->options)
			apply_options(e, &x);
		else
			emit_flow(c, e, h, &x);
		n++;
	}
	if (!t->options)
		e->st.records += (uint64_t)n;
	return n;
}

/*
 * A data set for template tid: decoded now if the template is known, else
 * held until it comes. Returns records decoded (0 when held) or -err.
 */
long frec_data_set(struct fctx *c, struct fexp *e, const struct fhdr *h, uint16_t tid,
		   const uint8_t *p, size_t len, bool *held)
{
	const struct ftmpl *t = ftmpl_find(c->d, e, tid, c->recv_ms);

	if (!t) {
		fpend_hold(c->d, e, h, c->recv_ms, tid, p, len);
		*held = true;
		return 0;
	}
	return frec_decode_set(c, e, t, h, p, len);
}

/* Store a newly parsed template (ownership passes) and decode data held for it. */
int frec_template_arrived(struct fctx *c, struct fexp *e, struct ftmpl *t)
{
	uint16_t id = t->id;
	const struct ftmpl *live;
	int rc = ftmpl_store(c->d, e, t, c->recv_ms);

	if (rc < 0)
		return rc;
	live = ftmpl_find(c->d, e, id, c->recv_ms);
	if (live && e->npend)
		fpend_release(c, e, live);
	return 0;
}
