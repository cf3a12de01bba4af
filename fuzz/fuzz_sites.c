// fuzz-libs: vigil_whois
/*
 * fuzz_sites.c - libFuzzer target for the sites table parser (sites.c) and
 * lookups over what it loaded, through the snapshot writer and reader too.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "whois/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct whois_db *db = NULL, *db2 = NULL;
	char path[] = "/tmp/fuzz-sites-XXXXXX";
	int fd;

	if (w_db_alloc(&db))
		return 0;
	if (w_sites_parse(db, "fuzz", (const char *)data, size, NULL, NULL) == 0 &&
	    w_db_index(db) == 0) {
		static const char *ips[] = { "163.1.2.1", "10.0.0.1", "2001:db8::1" };
		for (size_t i = 0; i < sizeof(ips) / sizeof(ips[0]); i++) {
			struct vaddr a;
			struct whois_result res;
			addr_parse(ips[i], &a);
			whois_lookup(db, &a, &res);
		}
		fd = mkstemp(path);
		if (fd >= 0) {
			close(fd);
			if (whois_save(db, path) == 0 && whois_open(path, &db2) == 0)
				whois_free(db2);
			unlink(path);
		}
	}
	whois_free(db);
	return 0;
}
