/*
 * ipfix.c - IPFIX (RFC 7011) messages: a 16-byte header (length, export
 * time, sequence counting data records per observation domain, domain id)
 * then sets: 2 templates, 3 options templates, >= 256 data. Templates with
 * enterprise fields, variable-length fields and reduced-size encodings are
 * compiled by template.c; withdrawal (field count 0, and the "all" forms
 * with template id 2 or 3) removes them; refresh replaces.
 */
#include "flow/flow_int.h"
#include "util/err.h"

static int ipfix_templates(struct fctx *c, struct fexp *e, struct rd *s, uint16_t set_id)
{
	bool options = set_id == 3;

	while (rd_left(s) >= 4) {
		const uint8_t *start = s->p;
		uint16_t tid = 0, nfields = 0, nscope = 0;
		struct ftmpl *t;
		int rc;

		rd_u16(s, &tid);
		rd_u16(s, &nfields);
		if (tid == 0 && flow_all_zero(start, (size_t)(s->end - start)))
			break; /* padding */
		if (nfields == 0) {
			if (tid == set_id)
				ftmpl_withdraw_all(e, options);
			else if (tid >= 256)
				ftmpl_withdraw(e, tid);
			else
				return VIGIL_EFORMAT;
			continue;
		}
		if (tid < 256)
			return VIGIL_EFORMAT;
		if (options && (rd_u16(s, &nscope) < 0 || nscope == 0 || nscope > nfields))
			return rd_left(s) ? VIGIL_EFORMAT : VIGIL_ESHORT;
		rc = ftmpl_parse(s, true, options, tid, nfields, nscope, &t);
		if (rc < 0)
			return rc;
		rc = frec_template_arrived(c, e, t);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* r is positioned after the version field. */
static int ipfix_decode(struct fctx *c, struct rd *r)
{
	uint16_t mlen;
	uint32_t secs, seq, domain;
	uint64_t ndata = 0;
	bool held = false;
	struct fexp *e;
	struct fhdr h;
	struct rd m;
	int rc = 0;

	if (rd_u16(r, &mlen) < 0 || rd_u32(r, &secs) < 0 || rd_u32(r, &seq) < 0 ||
	    rd_u32(r, &domain) < 0) {
		e = fexp_get(c, 10, 0);
		if (e) {
			e->st.packets++;
			e->st.bad_packets++;
		}
		return VIGIL_ESHORT;
	}
	e = fexp_get(c, 10, domain);
	if (!e)
		return VIGIL_ELIMIT;
	e->st.packets++;
	if (mlen < 16 || rd_sub(r, mlen - 16u, &m) < 0) {
		e->st.bad_packets++;
		return mlen < 16 ? VIGIL_EFORMAT : VIGIL_ESHORT;
	}
	fpend_expire(c->d, e, c->recv_ms);
	h = (struct fhdr){ .version = 10, .export_ms = (int64_t)secs * 1000, .domain = domain };
	while (rd_left(&m) > 0) {
		const uint8_t *start = m.p;
		size_t left = rd_left(&m);
		uint16_t id = 0, len = 0;
		struct rd s;
		long n;

		if (left < 4) {
			if (!flow_all_zero(start, left))
				rc = VIGIL_ESHORT;
			break;
		}
		rd_u16(&m, &id);
		rd_u16(&m, &len);
		if (len < 4) {
			if (!flow_all_zero(start, left))
				rc = VIGIL_EFORMAT;
			break;
		}
		if (rd_sub(&m, len - 4u, &s) < 0) {
			rc = VIGIL_ESHORT;
			break;
		}
		if (id == 2 || id == 3)
			rc = ipfix_templates(c, e, &s, id);
		else if (id >= 256) {
			n = frec_data_set(c, e, &h, id, s.p, rd_left(&s), &held);
			if (n < 0)
				rc = (int)n;
			else
				ndata += (uint64_t)n;
		}
		if (rc < 0)
			break;
	}
	if (rc < 0) {
		e->st.bad_packets++;
		e->seq_valid = false;
	} else {
		fexp_seq(e, seq, (uint32_t)ndata);
		if (held)
			e->seq_valid = false; /* records we could not count yet */
	}
	return rc;
}

const struct flow_proto flow_proto_ipfix = { 10, "ipfix", ipfix_decode };
