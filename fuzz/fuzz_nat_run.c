// fuzz-libs: vigil_nat
/*
 * fuzz_nat_run.c - a NAT index run file as it may be found after a crash or
 * on a damaged disk: the input is written as DIR/h/2024030110-000001.nat and
 * the index opened and asked about it (info, lookups). A damaged run must be
 * refused or skipped, never read out of bounds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nat/nat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[128], err[256];
	struct nat_index *x;
	struct nat_index_info in;
	struct nat_answer a[4];
	struct vaddr o;

	if (!dir[0]) {
		const char *t = getenv("TMPDIR");
		snprintf(dir, sizeof(dir), "%.40s/fuzz-nat-run-%d", t ? t : "/tmp", (int)getpid());
		mkdir(dir, 0755);
		snprintf(path, sizeof(path), "%s/h", dir);
		mkdir(path, 0755);
	}
	snprintf(path, sizeof(path), "%s/h/2024030110-000001.nat", dir);
	FILE *f = fopen(path, "wb");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	if (nat_index_open(dir, false, &x, err, sizeof(err)) == 0) {
		nat_index_info(x, &in);
		addr_parse("10.10.9.1", &o);
		nat_lookup(x, &o, 40123, 1709287927000LL, NULL, a, 4);
		if (size > 40) {
			struct vaddr any;
			memcpy(any.b, data + 24, 16);
			nat_lookup(x, &any, (uint16_t)(data[0] << 8 | data[1]), 1709287927000LL, NULL, a, 4);
		}
		nat_index_close(x);
	}
	unlink(path);
	return 0;
}
