// fuzz-libs: vigil_query
/*
 * fuzz_filter.c - compiles arbitrary bytes as a `vigil flows` filter and, if
 * they compile, evaluates the filter over a few fixed flows both column-wise
 * and row by row (the two must agree), and asks for its required hosts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "query/query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void mkflows(struct flow *f, size_t n)
{
	memset(f, 0, n * sizeof(*f));
	for (size_t i = 0; i < n; i++) {
		f[i].first_ms = 1700000000000LL + (int64_t)i * 1000;
		f[i].last_ms = f[i].first_ms + (int64_t)(i % 3) * 5000;
		addr_from_v4(&f[i].src, 0x0a010203u + (uint32_t)i);
		addr_from_v4(&f[i].dst, 0xc0000200u + (uint32_t)(i * 7));
		if (i == 3)
			addr_parse("2001:db8::1", &f[i].dst);
		addr_from_v4(&f[i].exporter, 0x7f000001u);
		f[i].sport = (uint16_t)(1024 + i);
		f[i].dport = (uint16_t)(i % 2 ? 445 : 53);
		f[i].proto = (uint8_t)(i % 2 ? 6 : 17);
		f[i].packets = i * 10;
		f[i].bytes = i * 1000;
		f[i].tcp_flags = (uint8_t)(i * 37);
		f[i].sampling = i % 2 ? 1 : 100;
		f[i].src_as = (uint32_t)i;
		f[i].in_if = (uint32_t)(i % 4);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct query_filter *f = NULL;
	struct flow flows[8];
	uint32_t sel[8];
	char err[512];
	char *text;

	if (size > 4096)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (query_filter_compile(text, &f, err, sizeof(err)) == 0) {
		const struct vaddr *h;
		mkflows(flows, 8);
		size_t n = query_filter_eval_flows(f, flows, 8, sel);
		size_t m = 0;
		for (size_t i = 0; i < 8; i++)
			m += query_filter_match(f, &flows[i]);
		if (n != m)
			abort();
		(void)query_filter_hosts(f, &h);
		query_filter_free(f);
	}
	free(text);
	return 0;
}
