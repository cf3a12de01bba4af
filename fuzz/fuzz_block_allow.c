// fuzz-libs: vigil_block
/*
 * fuzz_block_allow.c - the allow-list file parser of src/block ([block]
 * allow_file): any bytes, then a lookup over what was read.
 */
#include "block/block.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct block_allow *a = block_allow_new();
	struct vprefix p;
	char err[256], what[256];

	if (!a)
		return 0;
	block_allow_parse(a, (const char *)data, size, "fuzz", err, sizeof(err));
	if (!prefix_parse("10.1.2.0/24", &p))
		block_allow_hit(a, &p, what, sizeof(what));
	block_allow_free(a);
	return 0;
}
