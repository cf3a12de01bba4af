// fuzz-libs: vigil_whois
/*
 * fuzz_whois_snapshot.c - libFuzzer target for the whois snapshot reader
 * (src/whois/snapshot.c). The input is taken as the payload: the target
 * wraps it in a valid header and CRC so the fuzzer reaches the decoder and
 * its offset/index checks instead of stopping at the checksum; then a few
 * lookups run on whatever loaded.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "whois/whois.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/fuzz-whoisdb-XXXXXX";
	uint8_t *buf = malloc(size + 28);
	struct whois_db *db = NULL;
	int fd;

	if (!buf)
		return 0;
	memcpy(buf, "VGLWHOIS", 8);
	le(buf + 8, 1, 4);
	le(buf + 12, 0, 4);
	le(buf + 16, size, 8);
	memcpy(buf + 24, data, size);
	le(buf + 24 + size, crc32(crc32(0, NULL, 0), buf, (uInt)(24 + size)), 4);
	fd = mkstemp(path);
	if (fd >= 0) {
		if (write(fd, buf, size + 28) == (ssize_t)(size + 28) && whois_open(path, &db) == 0) {
			static const char *ips[] = { "198.51.100.10", "10.0.0.1", "2001:db8:100::1" };
			for (size_t i = 0; i < sizeof(ips) / sizeof(ips[0]); i++) {
				struct vaddr a;
				struct whois_result r;
				char b[WHOIS_RANGE_STRLEN], s[512];
				addr_parse(ips[i], &a);
				if (whois_lookup(db, &a, &r)) {
					whois_range_format(&r, b);
					whois_src_format(&r.src_net, s, sizeof(s));
					whois_src_format(&r.src_abuse, s, sizeof(s));
				}
			}
			whois_free(db);
		}
		close(fd);
		unlink(path);
	}
	free(buf);
	return 0;
}
