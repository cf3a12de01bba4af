// fuzz-libs: vigil_whois
/*
 * fuzz_rpsl.c - libFuzzer target for the streaming RPSL reader and the model
 * built from its objects: the input is fed in two pieces (split at a point
 * taken from the first byte) to exercise objects and lines that span feeds,
 * then the same bytes go through the whole importer (as a file) and a few
 * lookups.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "whois/whois.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count_obj(void *ctx, const struct whois_rpsl_object *o)
{
	size_t *n = ctx;
	*n += o->nattrs;
	for (size_t i = 0; i < o->nattrs; i++)
		*n += strlen(o->attrs[i].name) + strlen(o->attrs[i].value);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = 0, cut = size ? (data[0] * size) / 256 : 0;
	struct whois_rpsl *r = whois_rpsl_new("fuzz", count_obj, NULL, &n);
	char path[] = "/tmp/fuzz-rpsl-XXXXXX";
	struct whois_db *db = NULL;
	int fd;

	if (!r)
		return 0;
	whois_rpsl_feed(r, data, cut);
	whois_rpsl_feed(r, data + cut, size - cut);
	whois_rpsl_finish(r);
	whois_rpsl_free(r);

	fd = mkstemp(path);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		const char *files[] = { path };
		if (whois_build(files, 1, NULL, NULL, NULL, &db) == 0) {
			static const char *ips[] = { "0.0.0.0", "10.0.0.1", "192.0.2.1", "255.255.255.255",
						     "2001:db8::1", "::" };
			for (size_t i = 0; i < sizeof(ips) / sizeof(ips[0]); i++) {
				struct vaddr a;
				struct whois_result res;
				char buf[WHOIS_RANGE_STRLEN], sb[512];
				addr_parse(ips[i], &a);
				if (whois_lookup(db, &a, &res)) {
					whois_range_format(&res, buf);
					whois_src_format(&res.src_net, sb, sizeof(sb));
				}
			}
			whois_free(db);
		}
	}
	close(fd);
	unlink(path);
	return 0;
}
