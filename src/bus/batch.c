/*
 * batch.c - the wire format of one bus message: a versioned batch of decoded
 * flows (docs/internals/bus.md, "The batch").
 *
 *   "VGB1" version:u8 flags:u8 partition:u16 seq:u64 base_ms:i64
 *   idlen:u8 collector-id[idlen] count:u32        (little-endian)
 *   count records:
 *     amask:u16      2 bits per address (src dst xsrc xdst nexthop exporter):
 *                    0 zero, 1 IPv4 (4 bytes follow), 2 IPv6 (16 bytes)
 *     addresses      in that order, as the mask says
 *     zigzag varint  first_ms - base_ms
 *     zigzag varint  last_ms - first_ms
 *     varints        packets bytes sampling src_as dst_as in_if out_if domain
 *                    sport dport xsport xdport
 *     8 bytes        proto tcp_flags tos nat_event src_mask dst_mask
 *                    direction version
 *
 * The decoder trusts nothing: every length, range and the absence of
 * trailing bytes is checked, and an error names the record and the field.
 */
#include "bus/bus.h"

#include <stdio.h>
#include <string.h>

#include "util/err.h"
#include "util/varint.h"

#define HDR_FIXED (4 + 1 + 1 + 2 + 8 + 8 + 1)

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static uint64_t zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static int64_t unzigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

static bool all_zero(const struct vaddr *a)
{
	static const uint8_t zero[16];

	return memcmp(a->b, zero, 16) == 0;
}

/* 0 only for the 16 zero bytes: 0.0.0.0 (IPv4-mapped) travels as IPv4 so a
 * flow comes back byte for byte */
static unsigned addr_code(const struct vaddr *a)
{
	if (all_zero(a))
		return 0;
	return addr_is_v4(a) ? 1 : 2;
}

static const struct vaddr *rec_addr(const struct flow *f, unsigned i)
{
	const struct vaddr *a[6] = { &f->src, &f->dst, &f->xsrc, &f->xdst, &f->nexthop,
				     &f->exporter };
	return a[i];
}

int bus_batch_encode(struct buf *out, const struct bus_batch_info *info, const struct flow *f,
		     size_t n)
{
	size_t idlen = strlen(info->collector);
	uint8_t hdr[HDR_FIXED + BUS_COLLECTOR_MAX + 4];
	uint8_t rec[2 + 6 * 16 + 14 * 10 + 8];
	int64_t base;

	if (n == 0 || n > BUS_BATCH_MAX_FLOWS || idlen == 0 || idlen > BUS_COLLECTOR_MAX)
		return VIGIL_EINVAL;
	base = f[0].first_ms;
	memcpy(hdr, BUS_BATCH_MAGIC, 4);
	hdr[4] = BUS_BATCH_VERSION;
	hdr[5] = 0;
	put_le(hdr + 6, info->partition, 2);
	put_le(hdr + 8, info->seq, 8);
	put_le(hdr + 16, (uint64_t)base, 8);
	hdr[24] = (uint8_t)idlen;
	memcpy(hdr + 25, info->collector, idlen);
	put_le(hdr + 25 + idlen, (uint32_t)n, 4);
	if (buf_add(out, hdr, 25 + idlen + 4) < 0)
		return VIGIL_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct flow *r = &f[i];
		uint16_t mask = 0;
		size_t k = 2;

		for (unsigned j = 0; j < 6; j++) {
			const struct vaddr *a = rec_addr(r, j);
			unsigned c = addr_code(a);

			mask |= (uint16_t)(c << (2 * j));
			if (c == 1) {
				memcpy(rec + k, a->b + 12, 4);
				k += 4;
			} else if (c == 2) {
				memcpy(rec + k, a->b, 16);
				k += 16;
			}
		}
		put_le(rec, mask, 2);
		k += put_varint(rec + k, zigzag((int64_t)((uint64_t)r->first_ms - (uint64_t)base)));
		k += put_varint(rec + k, zigzag((int64_t)((uint64_t)r->last_ms - (uint64_t)r->first_ms)));
		k += put_varint(rec + k, r->packets);
		k += put_varint(rec + k, r->bytes);
		k += put_varint(rec + k, r->sampling);
		k += put_varint(rec + k, r->src_as);
		k += put_varint(rec + k, r->dst_as);
		k += put_varint(rec + k, r->in_if);
		k += put_varint(rec + k, r->out_if);
		k += put_varint(rec + k, r->domain);
		k += put_varint(rec + k, r->sport);
		k += put_varint(rec + k, r->dport);
		k += put_varint(rec + k, r->xsport);
		k += put_varint(rec + k, r->xdport);
		rec[k++] = r->proto;
		rec[k++] = r->tcp_flags;
		rec[k++] = r->tos;
		rec[k++] = r->nat_event;
		rec[k++] = r->src_mask;
		rec[k++] = r->dst_mask;
		rec[k++] = r->direction;
		rec[k++] = r->version;
		if (buf_add(out, rec, k) < 0)
			return VIGIL_ENOMEM;
	}
	return 0;
}

struct rd {
	const uint8_t *p, *end;
};

static int get_varint(struct rd *r, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;

	for (unsigned shift = 0; shift < 64; shift += 7) {
		uint8_t b;

		if (r->p == r->end)
			return VIGIL_ESHORT;
		b = *r->p++;
		if (shift == 63 && b > 1)
			return VIGIL_EFORMAT;
		x |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			if (x > max)
				return VIGIL_EFORMAT;
			*v = x;
			return 0;
		}
	}
	return VIGIL_EFORMAT;
}

static const char *const varint_names[] = {
	"first", "duration", "packets", "bytes", "sampling", "src_as", "dst_as", "in_if",
	"out_if", "domain", "sport", "dport", "xsport", "xdport",
};

long bus_batch_decode(const void *data, size_t len, struct bus_batch_info *info,
		      struct flow *out, size_t cap, char *err, size_t errlen)
{
	struct rd r = { data, (const uint8_t *)data + len };
	const uint8_t *p = data;
	size_t idlen;
	uint32_t count;
	int64_t base;

	if (len < HDR_FIXED + 1 + 4) {
		snprintf(err, errlen, "batch of %zu bytes is shorter than its header", len);
		return VIGIL_ESHORT;
	}
	if (memcmp(p, BUS_BATCH_MAGIC, 4) != 0) {
		snprintf(err, errlen, "not a vigil flow batch (no VGB1 magic)");
		return VIGIL_EFORMAT;
	}
	if (p[4] != BUS_BATCH_VERSION) {
		snprintf(err, errlen, "batch version %u, this vigil reads version %u", p[4],
			 BUS_BATCH_VERSION);
		return VIGIL_EUNSUPPORTED;
	}
	if (p[5] != 0) {
		snprintf(err, errlen, "batch flags 0x%02x unknown", p[5]);
		return VIGIL_EUNSUPPORTED;
	}
	info->partition = (uint16_t)get_le(p + 6, 2);
	info->seq = get_le(p + 8, 8);
	base = (int64_t)get_le(p + 16, 8);
	idlen = p[24];
	if (idlen == 0 || idlen > BUS_COLLECTOR_MAX || len < 25 + idlen + 4) {
		snprintf(err, errlen, "collector id of %zu bytes does not fit", idlen);
		return VIGIL_EFORMAT;
	}
	for (size_t i = 0; i < idlen; i++) {
		if (p[25 + i] < 0x21 || p[25 + i] > 0x7e) {
			snprintf(err, errlen, "collector id byte %zu is not printable ASCII", i);
			return VIGIL_EFORMAT;
		}
	}
	memcpy(info->collector, p + 25, idlen);
	info->collector[idlen] = '\0';
	count = (uint32_t)get_le(p + 25 + idlen, 4);
	if (count == 0 || count > BUS_BATCH_MAX_FLOWS) {
		snprintf(err, errlen, "batch count %u out of range 1..%u", count, BUS_BATCH_MAX_FLOWS);
		return VIGIL_EFORMAT;
	}
	if (count > cap) {
		snprintf(err, errlen, "batch of %u flows, room for %zu", count, cap);
		return VIGIL_ELIMIT;
	}
	/* the smallest record is 2 + 14 + 8 bytes */
	if ((len - (25 + idlen + 4)) / 24 < count) {
		snprintf(err, errlen, "batch says %u flows in %zu bytes", count, len);
		return VIGIL_ESHORT;
	}
	info->count = count;
	r.p = p + 25 + idlen + 4;
	for (uint32_t i = 0; i < count; i++) {
		struct flow *f = &out[i];
		uint64_t v[14];
		static const uint64_t max[14] = {
			UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT32_MAX, UINT32_MAX,
			UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT16_MAX, UINT16_MAX,
			UINT16_MAX, UINT16_MAX,
		};
		uint16_t mask;

		memset(f, 0, sizeof(*f));
		if (r.end - r.p < 2)
			goto short_rec;
		mask = (uint16_t)get_le(r.p, 2);
		r.p += 2;
		if (mask >> 12) {
			snprintf(err, errlen, "flow %u: address mask 0x%04x has unknown bits", i + 1,
				 mask);
			return VIGIL_EFORMAT;
		}
		for (unsigned j = 0; j < 6; j++) {
			struct vaddr *a = (struct vaddr *)rec_addr(f, j);
			unsigned c = (mask >> (2 * j)) & 3;

			if (c == 3) {
				snprintf(err, errlen, "flow %u: address %u has unknown type 3", i + 1,
					 j + 1);
				return VIGIL_EFORMAT;
			}
			if (c == 1) {
				if (r.end - r.p < 4)
					goto short_rec;
				addr_from_v4(a, (uint32_t)r.p[0] << 24 | (uint32_t)r.p[1] << 16 |
							(uint32_t)r.p[2] << 8 | r.p[3]);
				r.p += 4;
			} else if (c == 2) {
				if (r.end - r.p < 16)
					goto short_rec;
				addr_from_v6(a, r.p);
				r.p += 16;
				if (addr_is_v4(a) || all_zero(a)) {
					snprintf(err, errlen,
						 "flow %u: address %u sent as IPv6 is IPv4 or zero", i + 1,
						 j + 1);
					return VIGIL_EFORMAT;
				}
			}
		}
		for (unsigned j = 0; j < 14; j++) {
			int rc = get_varint(&r, max[j], &v[j]);

			if (rc == VIGIL_ESHORT)
				goto short_rec;
			if (rc < 0) {
				snprintf(err, errlen, "flow %u: field %s is out of range", i + 1,
					 varint_names[j]);
				return VIGIL_EFORMAT;
			}
		}
		if (r.end - r.p < 8)
			goto short_rec;
		f->first_ms = (int64_t)((uint64_t)base + (uint64_t)unzigzag(v[0]));
		f->last_ms = (int64_t)((uint64_t)f->first_ms + (uint64_t)unzigzag(v[1]));
		f->packets = v[2];
		f->bytes = v[3];
		f->sampling = (uint32_t)v[4];
		f->src_as = (uint32_t)v[5];
		f->dst_as = (uint32_t)v[6];
		f->in_if = (uint32_t)v[7];
		f->out_if = (uint32_t)v[8];
		f->domain = (uint32_t)v[9];
		f->sport = (uint16_t)v[10];
		f->dport = (uint16_t)v[11];
		f->xsport = (uint16_t)v[12];
		f->xdport = (uint16_t)v[13];
		f->proto = r.p[0];
		f->tcp_flags = r.p[1];
		f->tos = r.p[2];
		f->nat_event = r.p[3];
		f->src_mask = r.p[4];
		f->dst_mask = r.p[5];
		f->direction = r.p[6];
		f->version = r.p[7];
		r.p += 8;
		continue;
short_rec:
		snprintf(err, errlen, "flow %u of %u: the batch ends inside it", i + 1, count);
		return VIGIL_ESHORT;
	}
	if (r.p != r.end) {
		snprintf(err, errlen, "%zu bytes after the last of %u flows", (size_t)(r.end - r.p),
			 count);
		return VIGIL_EFORMAT;
	}
	return (long)count;
}
