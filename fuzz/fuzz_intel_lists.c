// fuzz-libs: vigil_intel
/*
 * fuzz_intel_lists.c - the threat-list readers (src/intel: plain/ET/DShield,
 * Feodo CSV, Spamhaus DROP text and JSON lines, generic CSV) with any bytes.
 * The first byte picks the format (0 = detect from content) and the CSV
 * column; the rest is the list. Whatever loads must build into a set whose
 * lookups return entries that contain the address looked up.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "intel/intel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void ignore(void *ctx, const char *file, unsigned line, const char *msg)
{
	(void)ctx;
	(void)file;
	(void)line;
	(void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct intel_set *s;
	enum intel_format fmt;
	long n;

	if (size < 1)
		return 0;
	fmt = (enum intel_format)(data[0] % 6);
	s = intel_set_new();
	if (!s)
		return 0;
	n = intel_load_mem(s, "fuzz", "fuzz", fmt, -1, (data[0] >> 4) % 4, (const char *)data + 1,
			   size - 1, ignore, NULL, NULL);
	if (n >= 0 && intel_build(s) == 0) {
		for (size_t i = 1; i + 4 <= size && i < 64; i += 4) {
			uint32_t v4 = (uint32_t)data[i] << 24 | (uint32_t)data[i + 1] << 16 |
				      (uint32_t)data[i + 2] << 8 | data[i + 3];
			const struct intel_entry *e = intel_lookup_v4(s, v4);
			struct vaddr a;

			if (!e)
				continue;
			addr_from_v4(&a, v4);
			if (addr_cmp(&e->lo, &a) > 0 || addr_cmp(&a, &e->hi) > 0)
				abort();
		}
	}
	intel_set_free(s);
	return 0;
}
