// fuzz-libs: vigil_query
/*
 * fuzz_flows_fmt.c - the `vigil flows` options that parse text: the bytes
 * are an -o fmt: format string (nfdump tokens) and, split at the first
 * newline, an -A key list. What compiles runs over a few fixed flows
 * (aggregated, sorted, written to a memory stream) in both -N modes.
 */
#include <stdint.h>
#include <stdio.h>
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
		addr_from_v4(&f[i].src, 0x0a010203u + (uint32_t)(i % 3));
		addr_from_v4(&f[i].dst, 0xc0000200u + (uint32_t)(i * 7 % 5));
		if (i == 3)
			addr_parse("2001:db8::1", &f[i].dst);
		addr_from_v4(&f[i].exporter, 0x7f000001u);
		addr_from_v4(&f[i].nexthop, 0xc0000201u);
		f[i].sport = (uint16_t)(i % 2 ? 445 : 1024 + i);
		f[i].dport = (uint16_t)(i % 2 ? 1024 + i : 445);
		f[i].proto = (uint8_t)(i % 4 == 2 ? 1 : i % 2 ? 6 : 17);
		f[i].packets = i * 10 + 1;
		f[i].bytes = i * 1000000 + 40;
		f[i].tcp_flags = (uint8_t)(i * 37);
		f[i].sampling = 1;
		f[i].src_mask = (uint8_t)(i * 9 % 33);
		f[i].src_as = (uint32_t)i;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct flow flows[12];
	char *text = malloc(size + 1), err[512];
	const char *aggtext = NULL;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	char *nl = memchr(text, '\n', size);
	if (nl) {
		*nl = '\0';
		aggtext = nl + 1;
	}
	mkflows(flows, 12);
	for (int plain = 0; plain < 2; plain++) {
		struct query_opts o;
		struct query_run *qr = NULL;
		char *buf = NULL;
		size_t blen = 0;
		FILE *mem = open_memstream(&buf, &blen);
		if (!mem)
			break;
		memset(&o, 0, sizeof(o));
		o.format = QUERY_OUT_FMT;
		o.fmt = text;
		o.plain = plain;
		o.from_ms = INT64_MIN;
		o.to_ms = INT64_MAX;
		o.summary = true;
		o.sort = (enum query_sort)(size % 12);
		if (aggtext) {
			o.aggregate = true;
			o.agg.bidir = (int)(size % 3);
			if (query_aggspec_parse(aggtext, &o.agg, err, sizeof(err)) != 0)
				o.aggregate = false;
		}
		if (query_run_new("", &o, mem, &qr, err, sizeof(err)) == 0) {
			query_run_flows(qr, flows, 12);
			query_run_finish(qr);
		}
		query_run_free(qr);
		fclose(mem);
		free(buf);
	}
	free(text);
	return 0;
}
