/*
 * template.c - NetFlow v9 and IPFIX templates: parsing a template record,
 * compiling it once into a compact program (one step per field: length,
 * kind, destination slot; runs of ignored fields merged), the mapping from
 * information element ids to struct flow members, and the per-exporter
 * template cache (refresh replaces, withdrawal removes, a template expires
 * after template_timeout_ms, at most max_templates per exporter).
 */
#include <stdlib.h>
#include <string.h>

#include "flow/flow_int.h"
#include "util/err.h"

enum { T_UINT, T_ADDR };

/* Information element id -> what we keep of it. Ids as IANA (IPFIX) and Cisco (v9). */
static const struct fmap {
	uint16_t id;
	uint8_t type;
	uint8_t slot;
} fmap[] = {
	{ 1, T_UINT, S_BYTES },        { 2, T_UINT, S_PKTS },         { 4, T_UINT, S_PROTO },
	{ 5, T_UINT, S_TOS },          { 6, T_UINT, S_FLAGS },        { 7, T_UINT, S_SPORT },
	{ 8, T_ADDR, A_SRC },          { 9, T_UINT, S_SMASK },        { 10, T_UINT, S_INIF },
	{ 11, T_UINT, S_DPORT },       { 12, T_ADDR, A_DST },         { 13, T_UINT, S_DMASK },
	{ 14, T_UINT, S_OUTIF },       { 15, T_ADDR, A_NH },          { 16, T_UINT, S_SRCAS },
	{ 17, T_UINT, S_DSTAS },       { 21, T_UINT, S_LAST_UP },     { 22, T_UINT, S_FIRST_UP },
	{ 23, T_UINT, S_BYTES_OUT },   { 24, T_UINT, S_PKTS_OUT },    { 27, T_ADDR, A_SRC },
	{ 28, T_ADDR, A_DST },         { 29, T_UINT, S_SMASK },       { 30, T_UINT, S_DMASK },
	{ 32, T_UINT, S_ICMP },        { 34, T_UINT, S_SAMP_INT },    { 48, T_UINT, S_SAMPLER_ID },
	{ 50, T_UINT, S_SAMP_RAND },   { 61, T_UINT, S_DIR },         { 62, T_ADDR, A_NH },
	{ 85, T_UINT, S_BYTES_TOT },   { 86, T_UINT, S_PKTS_TOT },    { 139, T_UINT, S_ICMP },
	{ 150, T_UINT, S_FIRST_S },    { 151, T_UINT, S_LAST_S },     { 152, T_UINT, S_FIRST_MS },
	{ 153, T_UINT, S_LAST_MS },    { 154, T_UINT, S_FIRST_US },   { 155, T_UINT, S_LAST_US },
	{ 156, T_UINT, S_FIRST_NS },   { 157, T_UINT, S_LAST_NS },    { 158, T_UINT, S_FIRST_DUS },
	{ 159, T_UINT, S_LAST_DUS },   { 160, T_UINT, S_SYSINIT },    { 176, T_UINT, S_ICMP_TYPE },
	{ 177, T_UINT, S_ICMP_CODE },  { 178, T_UINT, S_ICMP_TYPE },  { 179, T_UINT, S_ICMP_CODE },
	{ 180, T_UINT, S_SPORT2 },     { 181, T_UINT, S_DPORT2 },     { 182, T_UINT, S_SPORT2 },
	{ 183, T_UINT, S_DPORT2 },     { 225, T_ADDR, A_XSRC },
	{ 226, T_ADDR, A_XDST },       { 227, T_UINT, S_XSPORT },     { 228, T_UINT, S_XDPORT },
	{ 230, T_UINT, S_NATEV },      { 231, T_UINT, S_BYTES_INIT }, { 281, T_ADDR, A_XSRC },
	{ 282, T_ADDR, A_XDST },       { 298, T_UINT, S_PKTS_INIT },  { 302, T_UINT, S_SAMPLER_ID },
	{ 305, T_UINT, S_SAMP_PINT },  { 306, T_UINT, S_SAMP_PSPACE },{ 309, T_UINT, S_SAMP_SIZE },
	{ 310, T_UINT, S_SAMP_POP },
	/* Cisco ASA NSEL (v9): translated addresses and ports */
	{ 40001, T_ADDR, A_XSRC },     { 40002, T_ADDR, A_XDST },     { 40003, T_UINT, S_XSPORT },
	{ 40004, T_UINT, S_XDPORT },
};

static const struct fmap *fmap_find(uint16_t id)
{
	size_t lo = 0, hi = sizeof(fmap) / sizeof(fmap[0]);

	while (lo < hi) { /* fmap is sorted by id */
		size_t mid = (lo + hi) / 2;

		if (fmap[mid].id == id)
			return &fmap[mid];
		if (fmap[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The program step for one field; `keep` false for fields we must not interpret. */
static struct fop compile_field(uint16_t id, uint16_t len, bool keep)
{
	struct fop op = { .len = len, .kind = OP_SKIP, .slot = 0 };
	const struct fmap *m = keep ? fmap_find(id) : NULL;

	if (len == 65535) {
		op.kind = OP_VSKIP;
		op.len = 0;
		return op;
	}
	if (!m)
		return op;
	if (m->type == T_ADDR && (len == 4 || len == 16)) {
		op.kind = len == 4 ? OP_ADDR4 : OP_ADDR6;
		op.slot = m->slot;
	} else if (m->type == T_UINT && len >= 1 && len <= 8) {
		op.kind = OP_UINT;
		op.slot = m->slot;
	}
	return op;
}

/*
 * Parse the field list of one template record from r (the header - id,
 * counts - already read by the caller) and compile it. ipfix: field ids may
 * carry the enterprise bit (then a 4-byte PEN follows; such fields are
 * skipped). options: the first nscope fields are scope fields (interpreted
 * for IPFIX, skipped for v9 whose scope types are not IE ids).
 * On success *out is a new template the caller owns. Returns 0, VIGIL_ESHORT
 * when the record is cut, VIGIL_EFORMAT for a template no record can follow
 * (too many fields, zero or > 65535-byte records).
 */
int ftmpl_parse(struct rd *r, bool ipfix, bool options, uint16_t id, uint16_t nfields,
		uint16_t nscope, struct ftmpl **out)
{
	struct ftmpl *t = NULL;
	uint64_t fixed = 0;
	int rc = VIGIL_EFORMAT;

	*out = NULL;
	if (nfields == 0 || nfields > FLOW_MAX_FIELDS || nscope > nfields)
		goto out;
	t = calloc(1, sizeof(*t) + nfields * sizeof(t->ops[0]));
	if (!t) {
		rc = VIGIL_ENOMEM;
		goto out;
	}
	t->id = id;
	t->options = options;
	for (uint16_t i = 0; i < nfields; i++) {
		uint16_t fid, flen;
		bool keep = !(options && !ipfix && i < nscope);
		struct fop op;

		if (rd_u16(r, &fid) < 0 || rd_u16(r, &flen) < 0) {
			rc = VIGIL_ESHORT;
			goto out;
		}
		if (ipfix && (fid & 0x8000)) {
			if (rd_skip(r, 4) < 0) {
				rc = VIGIL_ESHORT;
				goto out;
			}
			keep = false;
		}
		op = compile_field(fid, flen, keep);
		if (op.kind == OP_VSKIP) {
			t->variable = true;
			t->min_len += 1;
		} else {
			fixed += op.len;
			t->min_len += op.len;
		}
		if (op.kind == OP_SKIP && op.len == 0)
			continue;
		if (op.kind == OP_SKIP && t->nops && t->ops[t->nops - 1].kind == OP_SKIP &&
		    t->ops[t->nops - 1].len + op.len <= 65535) {
			t->ops[t->nops - 1].len += op.len;
			continue;
		}
		t->ops[t->nops++] = op;
	}
	if (t->min_len == 0 || fixed > 65535)
		goto out;
	*out = t;
	t = NULL;
	rc = 0;
out:
	free(t);
	return rc;
}

static void unlink_free(struct fexp *e, struct ftmpl **pp)
{
	struct ftmpl *t = *pp;

	*pp = t->next;
	free(t);
	e->ntmpl--;
}

/*
 * Put t in e's cache (takes ownership in every case). A template with the
 * same id is replaced. Returns 0, or VIGIL_ELIMIT when e already holds
 * max_templates others (t is freed).
 */
int ftmpl_store(struct flow_decoder *d, struct fexp *e, struct ftmpl *t, int64_t now)
{
	struct ftmpl **pp = &e->tmpl[t->id % FLOW_TMPL_BUCKETS];

	t->updated_ms = now;
	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->id == t->id) {
			t->next = (*pp)->next;
			free(*pp);
			*pp = t;
			return 0;
		}
	if (e->ntmpl >= d->o.max_templates) {
		free(t);
		return VIGIL_ELIMIT;
	}
	t->next = NULL;
	*pp = t;
	e->ntmpl++;
	return 0;
}

/* The live template with this id, or NULL (an expired one is dropped). */
struct ftmpl *ftmpl_find(struct flow_decoder *d, struct fexp *e, uint16_t id, int64_t now)
{
	struct ftmpl **pp = &e->tmpl[id % FLOW_TMPL_BUCKETS];

	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->id == id) {
			if (now - (*pp)->updated_ms > (int64_t)d->o.template_timeout_ms) {
				unlink_free(e, pp);
				return NULL;
			}
			return *pp;
		}
	return NULL;
}

void ftmpl_withdraw(struct fexp *e, uint16_t id)
{
	struct ftmpl **pp = &e->tmpl[id % FLOW_TMPL_BUCKETS];

	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->id == id) {
			unlink_free(e, pp);
			return;
		}
}

/* Withdraw every data template (options false) or every options template. */
void ftmpl_withdraw_all(struct fexp *e, bool options)
{
	for (size_t b = 0; b < FLOW_TMPL_BUCKETS; b++) {
		struct ftmpl **pp = &e->tmpl[b];

		while (*pp) {
			if ((*pp)->options == options)
				unlink_free(e, pp);
			else
				pp = &(*pp)->next;
		}
	}
}

void ftmpl_free_all(struct fexp *e)
{
	for (size_t b = 0; b < FLOW_TMPL_BUCKETS; b++) {
		struct ftmpl *t = e->tmpl[b], *next;

		for (; t; t = next) {
			next = t->next;
			free(t);
		}
		e->tmpl[b] = NULL;
	}
	e->ntmpl = 0;
}
