/*
 * crashwriter.c - test helper for test_crash: writes flows to a store as a
 * collector would (flush every 100 ms, 1 s segments, fdatasync on) until it
 * is killed. After every flush that made flows durable it prints
 * "durable N" (flows [START, START+N) are on disk), so the test knows what
 * must survive a kill -9 at any moment.
 *
 * usage: crashwriter STOREDIR START
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "store/store.h"
#include "util/err.h"
#include "util/vtime.h"

#include "gen.h"

#define SEED 7

int main(int argc, char **argv)
{
	struct store_opts o = { .segment_ms = 1000, .block_rows = 4096, .flush_ms = 100, .sync = 1 };
	struct store_writer *w;
	struct store_writer_stats st;
	uint64_t start, id, last = 0;
	struct flow f[50];
	int err;

	if (argc != 3) {
		fprintf(stderr, "usage: crashwriter STOREDIR START\n");
		return 2;
	}
	start = strtoull(argv[2], NULL, 10);
	if ((err = store_writer_open(argv[1], &o, &w))) {
		fprintf(stderr, "crashwriter: %s\n", vigil_strerror(err));
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (id = start;;) {
		struct timespec ts = { 0, 1000000 };

		for (int k = 0; k < 50; k++, id++) {
			gen_flow(SEED, id, 1700000000000LL, &f[k]);
			f[k].bytes = id;
		}
		if ((err = store_writer_add(w, f, 50)) || (err = store_writer_tick(w, vtime_now_ms()))) {
			fprintf(stderr, "crashwriter: %s\n", vigil_strerror(err));
			return 1;
		}
		store_writer_get_stats(w, &st);
		if (st.flows_durable != last) {
			last = st.flows_durable;
			printf("durable %" PRIu64 "\n", last);
			fflush(stdout);
		}
		nanosleep(&ts, NULL);
	}
}
