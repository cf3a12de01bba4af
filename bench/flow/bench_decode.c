/*
 * bench_decode.c - decode speed of the flow decoders: the UDP payloads of
 * one export capture are loaded into memory once, then fed to one decoder
 * again and again (templates stay learnt, as in a running collector); the
 * figure is flow records emitted per second of CPU time. Also times
 * flow_pcap_read on the file (libpcap + header stripping + decode).
 * Usage: bench_decode CAPTURE [SECONDS]
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flow/flow.h"
#include "util/rd.h"

struct pkt {
	uint8_t *p;
	size_t n;
	struct vaddr src;
};

static unsigned long long sink_n;

static void sink(void *ctx, const struct flow *f, size_t n)
{
	(void)ctx;
	sink_n += n;
	if (n)
		sink_n += f[n - 1].bytes & 1; /* keep the flows "used" */
}

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Ethernet/IPv4/UDP only: what the fixtures captured on loopback hold. */
static size_t load(const char *path, struct pkt *pk, size_t max)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline(path, err);
	struct pcap_pkthdr *h;
	const u_char *d;
	size_t n = 0;

	if (!pc) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
	while (n < max && pcap_next_ex(pc, &h, &d) == 1) {
		size_t ihl;

		if (h->caplen < 14 + 20 + 8 || d[12] != 0x08 || d[13] != 0 || d[23] != 17)
			continue;
		ihl = (size_t)(d[14] & 15) * 4;
		if (h->caplen < 14 + ihl + 8)
			continue;
		pk[n].n = h->caplen - 14 - ihl - 8;
		pk[n].p = malloc(pk[n].n);
		memcpy(pk[n].p, d + 14 + ihl + 8, pk[n].n);
		addr_from_v4(&pk[n].src, (uint32_t)d[26] << 24 | (uint32_t)d[27] << 16 |
						 (uint32_t)d[28] << 8 | d[29]);
		n++;
	}
	pcap_close(pc);
	return n;
}

int main(int argc, char **argv)
{
	static struct pkt pk[4096];
	double secs = argc > 2 ? atof(argv[2]) : 2.0;
	struct flow_decoder *d;
	unsigned long long recs = 0, pkts = 0;
	double t0, t1;
	size_t n;

	if (argc < 2) {
		fprintf(stderr, "usage: bench_decode CAPTURE [SECONDS]\n");
		return 2;
	}
	n = load(argv[1], pk, 4096);
	d = flow_decoder_new(NULL);
	t0 = cpu_now();
	do {
		for (size_t i = 0; i < n; i++) {
			int r = flow_decode(d, &pk[i].src, 1, pk[i].p, pk[i].n, sink, NULL);

			if (r > 0)
				recs += (unsigned long long)r;
		}
		pkts += n;
		t1 = cpu_now();
	} while (t1 - t0 < secs);
	printf("decode %s: %llu records in %.2f s CPU = %.2f M records/s (%.0f packets/s)\n",
	       argv[1], recs, t1 - t0, recs / (t1 - t0) / 1e6, pkts / (t1 - t0));
	flow_decoder_free(d);

	/* the whole reader: libpcap, link/IP/UDP stripping, decode */
	recs = 0;
	t0 = cpu_now();
	do {
		char err[256];
		struct flow_decoder *d2 = flow_decoder_new(NULL);
		long r = flow_pcap_read(argv[1], d2, sink, NULL, err, sizeof(err));

		if (r > 0)
			recs += (unsigned long long)r;
		flow_decoder_free(d2);
		t1 = cpu_now();
	} while (t1 - t0 < secs);
	printf("pcap_read %s: %.2f M records/s\n", argv[1], recs / (t1 - t0) / 1e6);
	for (size_t i = 0; i < n; i++)
		free(pk[i].p);
	return sink_n == 0;
}
