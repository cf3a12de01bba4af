/*
 * genflows.c - the flow benchmark's generator and replayer.
 *
 *   genflows gen  [-n FLOWS] [-s SEED] [-T SPAN_S] [-6 PERMILLE] [-S RATE]
 *                 (-o FILE.pcap | -u HOST:PORT [-R FLOWS_PER_S])
 *   genflows send -r FILE.pcap -u HOST:PORT [-R FLOWS_PER_S] [-c FLOWS] [-d SECONDS]
 *
 * `gen` turns the traffic model (model.c) into NetFlow v9 export packets
 * (nf9wr.c), into a pcap file or straight to a collector at a paced rate,
 * and prints what it made (flows, packets, distinct destinations per 30
 * minutes of flow time) on stderr. `send` replays the UDP payloads of such a
 * pcap, paced, so two collectors receive byte-identical exports; it prints
 * one line of totals on stdout. Bench tool: not part of vigil or its tests.
 */
#include "model.h"
#include "nf9wr.h"
#include "sender.h"
#include "util/rd.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define WINDOW_MS (30 * 60000)
#define TEMPLATE_EVERY 256  /* data packets between template refreshes */
#define DSET_BITS 25        /* distinct-destination set: 32 M slots */

/* An exact distinct counter of destination addresses per 30-minute window. */
struct dset {
	uint64_t *slot;
	uint64_t n, cap;
	int full;
};

static uint64_t hash_addr(const struct vaddr *a)
{
	uint64_t h = 0x9e3779b97f4a7c15ull, w;

	for (int i = 0; i < 16; i += 8) {
		memcpy(&w, a->b + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	return h | 1; /* 0 marks an empty slot */
}

static void dset_add(struct dset *d, const struct vaddr *a)
{
	uint64_t h = hash_addr(a), i = h & (d->cap - 1);

	if (d->full)
		return;
	while (d->slot[i]) {
		if (d->slot[i] == h)
			return;
		i = (i + 1) & (d->cap - 1);
	}
	d->slot[i] = h;
	if (++d->n > d->cap / 4 * 3)
		d->full = 1;
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 10);
	if (errno || end == s) /* allow k/M suffixes */
		return -2;
	if (*end == 'k' || *end == 'K')
		*v *= 1000, end++;
	else if (*end == 'M' || *end == 'm')
		*v *= 1000000, end++;
	return *end ? -2 : 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: genflows gen [-n FLOWS] [-s SEED] [-T SPAN_S] [-6 PERMILLE] [-S SAMPLING]\n"
		"                    (-o FILE.pcap | -u HOST:PORT [-R FLOWS_PER_S])\n"
		"       genflows send -r FILE.pcap -u HOST:PORT [-R FLOWS_PER_S] [-c FLOWS] [-d SECONDS]\n");
}

/* Where gen's packets go. */
struct sink {
	struct pcapw pw;
	struct sender *snd;
	uint64_t flows, packets;
};

static int sink_put(struct sink *k, int64_t ts_ms, const uint8_t *pkt, size_t len, uint32_t nflows)
{
	k->packets++;
	k->flows += nflows;
	if (k->snd)
		return sender_add(k->snd, pkt, len, nflows);
	return pcapw_write(&k->pw, ts_ms, pkt, len);
}

struct queue {
	struct genflow f[32];
	size_t n, max;
	int v6;
};

static int flush_queue(struct queue *q, struct nf9_exporter *e, int64_t now, struct sink *k,
		       uint64_t *datapkts)
{
	uint8_t pkt[NF9_MAXPKT];
	size_t len;
	int rc;

	if (q->n == 0)
		return 0;
	if (*datapkts % TEMPLATE_EVERY == 0) {
		len = nf9_template_packet(e, now, pkt, sizeof(pkt));
		if (!len || (rc = sink_put(k, now, pkt, len, 0)) < 0)
			return -2;
	}
	len = nf9_data_packet(e, now, q->v6, q->f, q->n, pkt, sizeof(pkt));
	if (!len)
		return -2;
	rc = sink_put(k, now, pkt, len, (uint32_t)q->n);
	(*datapkts)++;
	q->n = 0;
	return rc;
}

static int cmd_gen(int argc, char **argv)
{
	struct model_opts mo = { .seed = 2009, .flows = 20000000, .start_ms = 1793491200000LL,
				 .span_ms = 3600000, .v6_permille = 50 };
	struct nf9_exporter ex = { .source_id = 1, .sampling = 1 };
	const char *out = NULL, *udp = NULL;
	double rate = 0;
	struct sink k = { 0 };
	struct model *m = NULL;
	struct queue q4 = { .max = 0 }, q6 = { .max = 0, .v6 = 1 };
	struct dset ds = { 0 };
	uint64_t datapkts = 0, v6flows = 0, rare = 0, v;
	int64_t now = 0, window = 0;
	struct vaddr rare_addr;
	int opt, rc = 2;

	while ((opt = getopt(argc, argv, "n:s:T:6:S:o:u:R:")) != -1) {
		if (opt == 'o' || opt == 'u') {
			*(opt == 'o' ? &out : &udp) = optarg;
			continue;
		}
		if (parse_u64(optarg, &v) < 0) {
			usage();
			return 2;
		}
		switch (opt) {
		case 'n': mo.flows = v; break;
		case 's': mo.seed = v; break;
		case 'T': mo.span_ms = (int64_t)v * 1000; break;
		case '6': mo.v6_permille = (unsigned)v; break;
		case 'S': ex.sampling = (uint32_t)v; break;
		case 'R': rate = (double)v; break;
		default: usage(); return 2;
		}
	}
	if (!out == !udp || mo.flows == 0 || mo.span_ms <= 0) {
		usage();
		return 2;
	}
	addr_parse(model_rare_host(), &rare_addr);
	ex.boot_ms = mo.start_ms - 86400000LL;
	q4.max = nf9_fit(0, NF9_MAXPKT);
	q6.max = nf9_fit(1, NF9_MAXPKT);
	if (q4.max > 32)
		q4.max = 32;
	if (q6.max > 32)
		q6.max = 32;
	ds.cap = 1ull << DSET_BITS;
	ds.slot = calloc(ds.cap, sizeof(*ds.slot));
	m = model_new(&mo);
	if (!m || !ds.slot) {
		fprintf(stderr, "genflows: out of memory\n");
		goto out;
	}
	if (out && pcapw_open(&k.pw, out, 0xc0000201u /* 192.0.2.1 */, 0x7f000001u) < 0) {
		fprintf(stderr, "genflows: cannot write %s: %s\n", out, strerror(errno));
		goto out;
	}
	if (udp && sender_open(udp, rate, 4 << 20, &k.snd) < 0) {
		fprintf(stderr, "genflows: cannot send to %s\n", udp);
		goto out;
	}
	for (;;) {
		struct genflow f[2];
		int n = model_next(m, f, &now);

		if (n == 0)
			break;
		if ((now - mo.start_ms) / WINDOW_MS != window) {
			fprintf(stderr, "window %" PRId64 ": %" PRIu64 " distinct destinations%s\n",
				window, ds.n, ds.full ? " (at least: set full)" : "");
			window = (now - mo.start_ms) / WINDOW_MS;
			memset(ds.slot, 0, ds.cap * sizeof(*ds.slot));
			ds.n = 0;
			ds.full = 0;
		}
		for (int i = 0; i < n; i++) {
			int is6 = !addr_is_v4(&f[i].dst);
			struct queue *q = is6 ? &q6 : &q4;

			dset_add(&ds, &f[i].dst);
			v6flows += (uint64_t)is6;
			rare += addr_eq(&f[i].dst, &rare_addr) || addr_eq(&f[i].src, &rare_addr);
			q->f[q->n++] = f[i];
			if (q->n == q->max && flush_queue(q, &ex, now, &k, &datapkts) < 0) {
				fprintf(stderr, "genflows: write failed\n");
				goto out;
			}
		}
	}
	if (flush_queue(&q4, &ex, now, &k, &datapkts) < 0 || flush_queue(&q6, &ex, now, &k, &datapkts) < 0) {
		fprintf(stderr, "genflows: write failed\n");
		goto out;
	}
	fprintf(stderr, "window %" PRId64 ": %" PRIu64 " distinct destinations (partial window)\n",
		window, ds.n);
	fprintf(stderr, "flows %" PRIu64 " (IPv6 %" PRIu64 "), packets %" PRIu64
		", flow time %" PRId64 " s, rare host %s in %" PRIu64 " flows\n",
		k.flows, v6flows, k.packets, mo.span_ms / 1000, model_rare_host(), rare);
	rc = 0;
	if (k.snd) {
		uint64_t p, fl, e;
		double s;
		sender_flush(k.snd);
		sender_totals(k.snd, &p, &fl, &e, &s);
		printf("flows=%" PRIu64 " packets=%" PRIu64 " errors=%" PRIu64 " seconds=%.3f rate=%.0f\n",
		       fl, p, e, s, s > 0 ? (double)fl / s : 0.0);
	}
out:
	if (k.pw.fp && pcapw_close(&k.pw) < 0 && rc == 0) {
		fprintf(stderr, "genflows: write failed\n");
		rc = 1;
	}
	sender_close(k.snd);
	model_free(m);
	free(ds.slot);
	return rc;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/*
 * The UDP payload of one pcap record (Ethernet/IPv4/UDP as gen writes them,
 * IPv4 options allowed) and the flow records it carries (data flowsets of
 * NetFlow v9; 0 for a template packet). Returns 0, or -1 to skip the record.
 */
static int udp_payload(const uint8_t *p, size_t caplen, const uint8_t **pl, size_t *len,
		       uint32_t *nflows)
{
	struct rd r, ip;
	uint16_t eth, count, setid, version;
	uint8_t vihl, proto;

	rd_init(&r, p, caplen);
	if (rd_skip(&r, 12) < 0 || rd_u16(&r, &eth) < 0 || eth != 0x0800)
		return -1;
	if (rd_u8(&r, &vihl) < 0 || (vihl >> 4) != 4 || (vihl & 15) < 5)
		return -1;
	ip = r;
	if (rd_skip(&ip, 8) < 0 || rd_u8(&ip, &proto) < 0 || proto != 17)
		return -1;
	if (rd_skip(&r, (size_t)(vihl & 15) * 4 - 1) < 0 || rd_skip(&r, 8) < 0)
		return -1;
	*pl = r.p;
	*len = rd_left(&r);
	*nflows = 0;
	if (rd_u16(&r, &version) == 0 && version == 9 && rd_u16(&r, &count) == 0 &&
	    rd_skip(&r, 16) == 0 && rd_u16(&r, &setid) == 0 && setid >= 256)
		*nflows = count;
	return 0;
}

static int cmd_send(int argc, char **argv)
{
	const char *in = NULL, *udp = NULL;
	uint64_t maxflows = UINT64_MAX, v, packets, flows, errors, queued = 0;
	double rate = 0, maxsec = 0, secs;
	struct sender *s = NULL;
	uint8_t *map = MAP_FAILED;
	struct stat st;
	size_t off;
	int fd = -1, opt, rc = 2;

	while ((opt = getopt(argc, argv, "r:u:R:c:d:")) != -1) {
		if (opt == 'r' || opt == 'u') {
			*(opt == 'r' ? &in : &udp) = optarg;
			continue;
		}
		if (parse_u64(optarg, &v) < 0) {
			usage();
			return 2;
		}
		switch (opt) {
		case 'R': rate = (double)v; break;
		case 'c': maxflows = v; break;
		case 'd': maxsec = (double)v; break;
		default: usage(); return 2;
		}
	}
	if (!in || !udp) {
		usage();
		return 2;
	}
	fd = open(in, O_RDONLY);
	if (fd < 0 || fstat(fd, &st) < 0 || st.st_size < 24) {
		fprintf(stderr, "genflows: cannot read %s\n", in);
		goto out;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED || le32(map) != 0xa1b2c3d4u || le32(map + 20) != 1) {
		fprintf(stderr, "genflows: %s is not a little-endian Ethernet pcap\n", in);
		goto out;
	}
	madvise(map, (size_t)st.st_size, MADV_SEQUENTIAL);
	if (sender_open(udp, rate, 4 << 20, &s) < 0) {
		fprintf(stderr, "genflows: cannot send to %s\n", udp);
		goto out;
	}
	off = 24;
	while (off + 16 <= (size_t)st.st_size) {
		uint32_t caplen = le32(map + off + 8), nfl;
		const uint8_t *pl;
		size_t len;

		if (caplen > (size_t)st.st_size - off - 16)
			break;
		if (udp_payload(map + off + 16, caplen, &pl, &len, &nfl) == 0) {
			sender_totals(s, &packets, &flows, &errors, &secs);
			if (queued + nfl > maxflows || (maxsec > 0 && secs >= maxsec))
				break;
			queued += nfl;
			sender_add(s, pl, len, nfl);
		}
		off += 16 + caplen;
	}
	sender_flush(s);
	sender_totals(s, &packets, &flows, &errors, &secs);
	printf("flows=%" PRIu64 " packets=%" PRIu64 " errors=%" PRIu64 " seconds=%.3f rate=%.0f\n",
	       flows, packets, errors, secs, secs > 0 ? (double)flows / secs : 0.0);
	rc = errors ? 1 : 0;
out:
	sender_close(s);
	if (map != MAP_FAILED)
		munmap(map, (size_t)st.st_size);
	if (fd >= 0)
		close(fd);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage();
		return 2;
	}
	optind = 2;
	if (!strcmp(argv[1], "gen"))
		return cmd_gen(argc, argv);
	if (!strcmp(argv[1], "send"))
		return cmd_send(argc, argv);
	usage();
	return 2;
}
