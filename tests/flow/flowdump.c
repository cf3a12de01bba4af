/*
 * flowdump.c - test helper (never part of the vigil binary): decode
 * captures (-r FILE.pcap) or raw export payloads (-p FILE.dat, one UDP
 * payload per file, fed in the order given, exporter 192.0.2.1) with one
 * decoder and print one normalised line per flow for the tshark oracle:
 *   src dst sport dport proto packets bytes first_ms last_ms sampling version
 * With -s, the exporter counters go to stderr afterwards.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow/flow.h"
#include "util/addr.h"
#include "util/err.h"

static void print_flows(void *ctx, const struct flow *f, size_t n)
{
	FILE *out = ctx;

	for (size_t i = 0; i < n; i++) {
		char s[ADDR_STRLEN], d[ADDR_STRLEN];

		fprintf(out, "%s %s %u %u %u %llu %llu %lld %lld %u %u\n", addr_format(&f[i].src, s),
			addr_format(&f[i].dst, d), f[i].sport, f[i].dport, f[i].proto,
			(unsigned long long)f[i].packets, (unsigned long long)f[i].bytes,
			(long long)f[i].first_ms, (long long)f[i].last_ms, f[i].sampling,
			f[i].version);
	}
}

static void print_stats(void *ctx, const struct flow_exporter_stats *s)
{
	char a[ADDR_STRLEN];

	(void)ctx;
	fprintf(stderr,
		"exporter %s v%u domain %u packets %llu records %llu bad %llu gaps %llu "
		"held_dropped %llu unknown_template %llu sampling %u templates %u\n",
		addr_format(&s->exporter, a), s->version, s->domain,
		(unsigned long long)s->packets, (unsigned long long)s->records,
		(unsigned long long)s->bad_packets, (unsigned long long)s->seq_gaps,
		(unsigned long long)s->pending_dropped, (unsigned long long)s->unknown_template,
		s->sampling, s->templates);
}

static int feed_raw(struct flow_decoder *d, const char *path)
{
	static uint8_t buf[65536];
	struct vaddr exp;
	FILE *fp = fopen(path, "rb");
	size_t n;
	int rc;

	if (!fp) {
		perror(path);
		return -1;
	}
	n = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	addr_from_v4(&exp, 0xc0000201);
	rc = flow_decode(d, &exp, 0, buf, n, print_flows, stdout);
	if (rc < 0)
		fprintf(stderr, "%s: %s\n", path, vigil_strerror(rc));
	return 0;
}

int main(int argc, char **argv)
{
	struct flow_decoder *d = flow_decoder_new(NULL);
	int stats = 0, rc = 0;

	if (!d)
		return 1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-s")) {
			stats = 1;
		} else if (!strcmp(argv[i], "-r") && i + 1 < argc) {
			char err[256];
			long n = flow_pcap_read(argv[++i], d, print_flows, stdout, err, sizeof(err));

			if (n < 0) {
				fprintf(stderr, "%s\n", err);
				rc = 1;
			}
		} else if (!strcmp(argv[i], "-p") && i + 1 < argc) {
			if (feed_raw(d, argv[++i]) < 0)
				rc = 1;
		} else {
			fprintf(stderr, "usage: flowdump [-s] (-r CAPTURE | -p PAYLOAD)...\n");
			rc = 2;
			break;
		}
	}
	fflush(stdout);
	if (stats)
		flow_decoder_stats(d, print_stats, NULL);
	flow_decoder_free(d);
	return rc;
}
