// fuzz-libs: vigil_bus
/*
 * fuzz_bus_batch.c - whatever bytes a bus message holds, decoding it must
 * not crash or trip a sanitizer, and what decodes must encode back to the
 * same flows (a batch that passes the checks is a batch a worker can use).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bus/bus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct flow out[BUS_BATCH_MAX_FLOWS], back[BUS_BATCH_MAX_FLOWS];
	struct bus_batch_info info, info2;
	char err[256];
	long n = bus_batch_decode(data, size, &info, out, BUS_BATCH_MAX_FLOWS, err, sizeof(err));
	struct buf b;

	if (n <= 0)
		return 0;
	buf_init(&b, (size_t)1 << 26);
	if (bus_batch_encode(&b, &info, out, (size_t)n) != 0)
		abort();
	if (bus_batch_decode(b.data, b.len, &info2, back, BUS_BATCH_MAX_FLOWS, err, sizeof(err)) != n)
		abort();
	if (memcmp(out, back, (size_t)n * sizeof(*out)) != 0 || info2.seq != info.seq)
		abort();
	buf_free(&b);
	return 0;
}
