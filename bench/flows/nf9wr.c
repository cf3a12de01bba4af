/*
 * nf9wr.c - NetFlow v9 packet and pcap writing for the flow benchmark (see
 * nf9wr.h). Every byte goes through the bounded writer; the templates are
 * tables of (field type, length) so the record layout is stated once.
 */
#include "nf9wr.h"

#include <string.h>

void wr_init(struct wr *w, void *buf, size_t len)
{
	w->start = w->p = buf;
	w->end = w->p + len;
	w->err = 0;
}

void wr_bytes(struct wr *w, const void *p, size_t n)
{
	if (w->err || wr_room(w) < n) {
		w->err = 1;
		return;
	}
	memcpy(w->p, p, n);
	w->p += n;
}

void wr_u8(struct wr *w, uint8_t v)
{
	wr_bytes(w, &v, 1);
}

void wr_u16(struct wr *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	wr_bytes(w, b, 2);
}

void wr_u32(struct wr *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	wr_bytes(w, b, 4);
}

struct tfield {
	uint16_t type, len;
};

/* NetFlow v9 field types (RFC 3954 section 8). */
static const struct tfield tpl_v4[] = {
	{ 8, 4 }, { 12, 4 }, { 7, 2 }, { 11, 2 }, { 4, 1 }, { 6, 1 }, { 5, 1 }, { 10, 2 },
	{ 14, 2 }, { 2, 4 }, { 1, 4 }, { 22, 4 }, { 21, 4 }, { 16, 2 }, { 17, 2 }, { 9, 1 },
	{ 13, 1 }, { 15, 4 }, { 61, 1 },
};
static const struct tfield tpl_v6[] = {
	{ 27, 16 }, { 28, 16 }, { 7, 2 }, { 11, 2 }, { 4, 1 }, { 6, 1 }, { 5, 1 }, { 10, 2 },
	{ 14, 2 }, { 2, 4 }, { 1, 4 }, { 22, 4 }, { 21, 4 }, { 16, 2 }, { 17, 2 }, { 29, 1 },
	{ 30, 1 }, { 61, 1 },
};
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static size_t tpl_reclen(const struct tfield *t, size_t n)
{
	size_t len = 0;

	for (size_t i = 0; i < n; i++)
		len += t[i].len;
	return len;
}

static void write_header(struct wr *w, struct nf9_exporter *e, int64_t now_ms, uint16_t count)
{
	wr_u16(w, 9);
	wr_u16(w, count);
	/* v9 has whole seconds only: state sysUptime at that same second, so
	 * decoders that compute boot = unix_secs - sysUptime get it exact. */
	wr_u32(w, (uint32_t)(now_ms / 1000 * 1000 - e->boot_ms));
	wr_u32(w, (uint32_t)(now_ms / 1000));
	wr_u32(w, e->seq++);
	wr_u32(w, e->source_id);
}

static void write_template(struct wr *w, uint16_t id, const struct tfield *t, size_t n)
{
	wr_u16(w, id);
	wr_u16(w, (uint16_t)n);
	for (size_t i = 0; i < n; i++) {
		wr_u16(w, t[i].type);
		wr_u16(w, t[i].len);
	}
}

/* Pad a flowset that started at `start` to 4 bytes and patch its length. */
static void close_set(struct wr *w, uint8_t *start)
{
	while (wr_len(w) % 4)
		wr_u8(w, 0);
	if (w->err)
		return;
	size_t len = (size_t)(w->p - start);
	start[2] = (uint8_t)(len >> 8);
	start[3] = (uint8_t)len;
}

size_t nf9_template_packet(struct nf9_exporter *e, int64_t now_ms, uint8_t *buf, size_t cap)
{
	struct wr w;
	uint16_t count = 2;
	uint8_t *set;

	wr_init(&w, buf, cap);
	if (e->sampling > 1)
		count = 4;
	write_header(&w, e, now_ms, count);
	set = w.p;
	wr_u16(&w, 0);
	wr_u16(&w, 0);
	write_template(&w, NF9_TPL_V4, tpl_v4, NELEM(tpl_v4));
	write_template(&w, NF9_TPL_V6, tpl_v6, NELEM(tpl_v6));
	close_set(&w, set);
	if (e->sampling > 1) {
		/* Options template: scope System (1) of 4 bytes; SAMPLING_INTERVAL (34)
		 * and SAMPLING_ALGORITHM (35), then its one data record. */
		set = w.p;
		wr_u16(&w, 1);
		wr_u16(&w, 0);
		wr_u16(&w, NF9_TPL_OPT);
		wr_u16(&w, 4);  /* scope length in bytes */
		wr_u16(&w, 8);  /* option length in bytes */
		wr_u16(&w, 1);
		wr_u16(&w, 4);
		wr_u16(&w, 34);
		wr_u16(&w, 4);
		wr_u16(&w, 35);
		wr_u16(&w, 1);
		close_set(&w, set);
		set = w.p;
		wr_u16(&w, NF9_TPL_OPT);
		wr_u16(&w, 0);
		wr_u32(&w, 0);
		wr_u32(&w, e->sampling);
		wr_u8(&w, 2); /* random 1-out-of-N */
		close_set(&w, set);
	}
	return w.err ? 0 : wr_len(&w);
}

size_t nf9_fit(int v6, size_t cap)
{
	size_t rec = v6 ? tpl_reclen(tpl_v6, NELEM(tpl_v6)) : tpl_reclen(tpl_v4, NELEM(tpl_v4));

	if (cap < 20 + 4 + 3)
		return 0;
	return (cap - 20 - 4 - 3) / rec;
}

static uint32_t uptime(const struct nf9_exporter *e, int64_t ms)
{
	return ms > e->boot_ms ? (uint32_t)(ms - e->boot_ms) : 0;
}

size_t nf9_data_packet(struct nf9_exporter *e, int64_t now_ms, int v6, const struct genflow *f,
		       size_t n, uint8_t *buf, size_t cap)
{
	struct wr w;
	uint8_t *set;

	wr_init(&w, buf, cap);
	write_header(&w, e, now_ms, (uint16_t)n);
	set = w.p;
	wr_u16(&w, v6 ? NF9_TPL_V6 : NF9_TPL_V4);
	wr_u16(&w, 0);
	for (size_t i = 0; i < n; i++) {
		const struct genflow *g = &f[i];

		if (v6) {
			wr_bytes(&w, g->src.b, 16);
			wr_bytes(&w, g->dst.b, 16);
		} else {
			wr_u32(&w, addr_v4(&g->src));
			wr_u32(&w, addr_v4(&g->dst));
		}
		wr_u16(&w, g->sport);
		wr_u16(&w, g->dport);
		wr_u8(&w, g->proto);
		wr_u8(&w, g->tcp_flags);
		wr_u8(&w, g->tos);
		wr_u16(&w, g->in_if);
		wr_u16(&w, g->out_if);
		wr_u32(&w, g->packets);
		wr_u32(&w, g->bytes);
		wr_u32(&w, uptime(e, g->first_ms));
		wr_u32(&w, uptime(e, g->last_ms));
		wr_u16(&w, 0);  /* src AS: not known at the edge router */
		wr_u16(&w, 0);  /* dst AS */
		wr_u8(&w, g->src_mask);
		wr_u8(&w, g->dst_mask);
		if (!v6)
			wr_u32(&w, 0xc0000201); /* next hop 192.0.2.1 */
		wr_u8(&w, g->direction);
	}
	close_set(&w, set);
	return w.err ? 0 : wr_len(&w);
}

/* Internet checksum of an IPv4 header. */
static uint16_t ip_csum(const uint8_t *h, size_t n)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(h[i] << 8 | h[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* Little-endian (host-independent) writes for the pcap headers. */
static void le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

int pcapw_open(struct pcapw *pw, const char *path, uint32_t src_ip, uint32_t dst_ip)
{
	uint8_t gh[24] = { 0 };

	memset(pw, 0, sizeof(*pw));
	pw->fp = fopen(path, "wb");
	if (!pw->fp)
		return -3;
	pw->src_ip = src_ip;
	pw->dst_ip = dst_ip;
	pw->sport = 2055;
	pw->dport = 2055;
	le32(gh, 0xa1b2c3d4);
	gh[4] = 2;  /* version 2.4 */
	gh[6] = 4;
	le32(gh + 16, 65535);
	le32(gh + 20, 1); /* LINKTYPE_ETHERNET */
	if (fwrite(gh, sizeof(gh), 1, pw->fp) != 1)
		return -3;
	return 0;
}

int pcapw_write(struct pcapw *pw, int64_t ts_ms, const uint8_t *payload, size_t len)
{
	uint8_t h[16 + 14 + 20 + 8];
	struct wr w;
	size_t caplen = 14 + 20 + 8 + len;

	if (len > 65000)
		return -2;
	le32(h, (uint32_t)(ts_ms / 1000));
	le32(h + 4, (uint32_t)(ts_ms % 1000) * 1000);
	le32(h + 8, (uint32_t)caplen);
	le32(h + 12, (uint32_t)caplen);
	wr_init(&w, h + 16, sizeof(h) - 16);
	/* Ethernet: locally administered MACs, IPv4. */
	wr_bytes(&w, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
	wr_u16(&w, 0x0800);
	wr_u8(&w, 0x45);
	wr_u8(&w, 0);
	wr_u16(&w, (uint16_t)(20 + 8 + len));
	wr_u16(&w, pw->ip_id++);
	wr_u16(&w, 0x4000); /* DF */
	wr_u8(&w, 64);
	wr_u8(&w, 17);
	wr_u16(&w, 0);
	wr_u32(&w, pw->src_ip);
	wr_u32(&w, pw->dst_ip);
	wr_u16(&w, pw->sport);
	wr_u16(&w, pw->dport);
	wr_u16(&w, (uint16_t)(8 + len));
	wr_u16(&w, 0); /* no UDP checksum (allowed over IPv4) */
	if (w.err)
		return -2;
	uint16_t c = ip_csum(h + 16 + 14, 20);
	h[16 + 14 + 10] = (uint8_t)(c >> 8);
	h[16 + 14 + 11] = (uint8_t)c;
	if (fwrite(h, sizeof(h), 1, pw->fp) != 1 || fwrite(payload, len, 1, pw->fp) != 1)
		return -3;
	pw->packets++;
	pw->bytes += len;
	return 0;
}

int pcapw_close(struct pcapw *pw)
{
	int rc = 0;

	if (pw->fp && fclose(pw->fp) != 0)
		rc = -3;
	pw->fp = NULL;
	return rc;
}
