/*
 * collect_dump.c - test helper (never part of the vigil binary): print flows
 * as one normalised line each, from a store directory (-R DIR, through
 * store_reader) or decoded from a capture (-r FILE, through flow_pcap_read),
 * so the collector's tests can compare what was stored with what was sent.
 * -e adds the exporter. The reader's counters go to stderr as one line
 * "rows=N bad_blocks=N torn_tails=N blocks=N"; exit 1 on any read error.
 */
#include "flow/flow.h"
#include "store/store.h"
#include "util/addr.h"
#include "util/err.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int with_exporter;

static void print_flow(const struct flow *f)
{
	char s[ADDR_STRLEN], d[ADDR_STRLEN], e[ADDR_STRLEN];

	addr_format(&f->src, s);
	addr_format(&f->dst, d);
	printf("%" PRId64 " %" PRId64 " %s %u %s %u %u %" PRIu64 " %" PRIu64 " %u %u %" PRIu32
	       " %u %" PRIu32 " %" PRIu32 " %" PRIu32,
	       f->first_ms, f->last_ms, s, f->sport, d, f->dport, f->proto, f->packets, f->bytes,
	       f->tcp_flags, f->tos, f->sampling, f->version, f->domain, f->in_if, f->out_if);
	if (with_exporter)
		printf(" %s", addr_format(&f->exporter, e));
	putchar('\n');
}

static void emit(void *ctx, const struct flow *f, size_t n)
{
	(void)ctx;
	for (size_t i = 0; i < n; i++)
		print_flow(&f[i]);
}

int main(int argc, char **argv)
{
	const char *store = NULL, *cap = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-R") && i + 1 < argc)
			store = argv[++i];
		else if (!strcmp(argv[i], "-r") && i + 1 < argc)
			cap = argv[++i];
		else if (!strcmp(argv[i], "-e"))
			with_exporter = 1;
		else {
			fprintf(stderr, "usage: collect_dump [-e] -R STOREDIR | -r CAPTURE\n");
			return 2;
		}
	}
	if (cap) {
		char err[256] = "";
		struct flow_decoder *d = flow_decoder_new(NULL);
		long n = d ? flow_pcap_read(cap, d, emit, NULL, err, sizeof(err)) : VIGIL_ENOMEM;
		flow_decoder_free(d);
		if (n < 0) {
			fprintf(stderr, "collect_dump: %s: %s\n", cap, err);
			return 1;
		}
		fprintf(stderr, "rows=%ld\n", n);
		return 0;
	}
	if (store) {
		struct store_select sel = { INT64_MIN, INT64_MAX, NULL, 0 };
		struct store_reader *r = NULL;
		struct store_reader_stats st;
		const struct flow *f;
		size_t n;
		int rc = store_reader_open(store, &sel, &r);

		if (rc) {
			fprintf(stderr, "collect_dump: %s: %s\n", store, vigil_strerror(rc));
			return 1;
		}
		while ((rc = store_reader_next(r, &f, &n)) > 0)
			for (size_t i = 0; i < n; i++)
				print_flow(&f[i]);
		store_reader_get_stats(r, &st);
		fprintf(stderr, "rows=%" PRIu64 " bad_blocks=%" PRIu64 " torn_tails=%" PRIu64
			" blocks=%" PRIu64 " segments=%" PRIu64 "\n",
			st.rows, st.bad_blocks, st.torn_tails, st.blocks, st.segments);
		store_reader_close(r);
		if (rc < 0) {
			fprintf(stderr, "collect_dump: %s: %s\n", store, vigil_strerror(rc));
			return 1;
		}
		return 0;
	}
	fprintf(stderr, "usage: collect_dump [-e] -R STOREDIR | -r CAPTURE\n");
	return 2;
}
