/*
 * netflow9.c - NetFlow v9 (RFC 3954): a 20-byte header (sysUptime, export
 * seconds, package sequence counting packets, source id) then flowsets:
 * 0 templates, 1 options templates, >= 256 data. Templates are kept per
 * (exporter address, source id) by template.c; data whose template has not
 * come yet is held by pending.c. Trailing zero padding is accepted.
 */
#include "flow/flow_int.h"
#include "util/err.h"

static int v9_templates(struct fctx *c, struct fexp *e, struct rd *s)
{
	while (rd_left(s) >= 4) {
		uint16_t tid = 0, nfields = 0;
		struct ftmpl *t;
		int rc;

		rd_u16(s, &tid);
		rd_u16(s, &nfields);
		if (tid == 0 && nfields == 0 && flow_all_zero(s->p, rd_left(s)))
			break; /* padding */
		if (tid < 256)
			return VIGIL_EFORMAT;
		if (nfields == 0) {
			ftmpl_withdraw(e, tid);
			continue;
		}
		rc = ftmpl_parse(s, false, false, tid, nfields, 0, &t);
		if (rc < 0)
			return rc;
		rc = frec_template_arrived(c, e, t);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int v9_options(struct fctx *c, struct fexp *e, struct rd *s)
{
	while (rd_left(s) >= 6) {
		uint16_t tid = 0, scope_len = 0, opt_len = 0;
		struct ftmpl *t;
		int rc;

		rd_u16(s, &tid);
		rd_u16(s, &scope_len);
		rd_u16(s, &opt_len);
		if (tid == 0 && flow_all_zero(s->p - 6, rd_left(s) + 6))
			break; /* padding */
		if (tid < 256 || scope_len % 4 || opt_len % 4)
			return VIGIL_EFORMAT;
		if (scope_len + opt_len == 0) {
			ftmpl_withdraw(e, tid);
			continue;
		}
		rc = ftmpl_parse(s, false, true, tid, (uint16_t)((scope_len + opt_len) / 4),
				 (uint16_t)(scope_len / 4), &t);
		if (rc < 0)
			return rc;
		rc = frec_template_arrived(c, e, t);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* r is positioned after the version field. */
static int v9_decode(struct fctx *c, struct rd *r)
{
	uint16_t count;
	uint32_t uptime, secs, seq, source;
	struct fexp *e;
	struct fhdr h;
	int rc = 0;

	if (rd_u16(r, &count) < 0 || rd_u32(r, &uptime) < 0 || rd_u32(r, &secs) < 0 ||
	    rd_u32(r, &seq) < 0 || rd_u32(r, &source) < 0) {
		e = fexp_get(c, 9, 0);
		if (e) {
			e->st.packets++;
			e->st.bad_packets++;
		}
		return VIGIL_ESHORT;
	}
	e = fexp_get(c, 9, source);
	if (!e)
		return VIGIL_ELIMIT;
	e->st.packets++;
	fexp_seq(e, seq, 1);
	fpend_expire(c->d, e, c->recv_ms);
	h = (struct fhdr){ .version = 9, .has_uptime = true, .uptime_ms = uptime,
			   .export_ms = (int64_t)secs * 1000, .domain = source };
	while (rd_left(r) > 0) {
		uint16_t id = 0, len = 0;
		struct rd s;
		bool held = false;
		long n;

		const uint8_t *start = r->p;
		size_t left = rd_left(r);

		if (left < 4) {
			if (!flow_all_zero(start, left))
				rc = VIGIL_ESHORT;
			break; /* else zero padding after the last flowset */
		}
		rd_u16(r, &id);
		rd_u16(r, &len);
		if (len < 4) {
			if (!flow_all_zero(start, left))
				rc = VIGIL_EFORMAT;
			break;
		}
		if (rd_sub(r, len - 4u, &s) < 0) {
			rc = VIGIL_ESHORT;
			break;
		}
		if (id == 0)
			rc = v9_templates(c, e, &s);
		else if (id == 1)
			rc = v9_options(c, e, &s);
		else if (id >= 256) {
			n = frec_data_set(c, e, &h, id, s.p, rd_left(&s), &held);
			rc = n < 0 ? (int)n : 0;
		}
		if (rc < 0)
			break;
	}
	if (rc < 0)
		e->st.bad_packets++;
	return rc;
}

const struct flow_proto flow_proto_v9 = { 9, "netflow9", v9_decode };
