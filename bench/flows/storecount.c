/*
 * storecount.c - count the flows in a vigil store directory through the
 * public store reader (src/store/store.h), independently of `vigil flows`:
 * the benchmark's "stored" figure for loss runs. Prints "flows=N blocks=N
 * bad_blocks=N torn_tails=N" and exits 0, or 1 on a reader error. Bench tool.
 */
#include "store/store.h"
#include "util/err.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	struct store_select sel = { .from_ms = INT64_MIN, .to_ms = INT64_MAX };
	struct store_reader *r = NULL;
	struct store_reader_stats st;
	struct store_block *b;
	uint64_t rows = 0;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: storecount STOREDIR\n");
		return 2;
	}
	rc = store_reader_open(argv[1], &sel, &r);
	if (rc < 0) {
		fprintf(stderr, "storecount: %s: %s\n", argv[1], vigil_strerror(rc));
		return 1;
	}
	while ((rc = store_reader_next_block(r, &b)) == 1)
		rows += store_block_rows(b);
	store_reader_get_stats(r, &st);
	store_reader_close(r);
	if (rc < 0) {
		fprintf(stderr, "storecount: %s: %s\n", argv[1], vigil_strerror(rc));
		return 1;
	}
	printf("flows=%" PRIu64 " blocks=%" PRIu64 " bad_blocks=%" PRIu64 " torn_tails=%" PRIu64 "\n",
	       rows, st.blocks, st.bad_blocks, st.torn_tails);
	return 0;
}
