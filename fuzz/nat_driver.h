/*
 * nat_driver.h - the common body of the NAT reader fuzz targets.
 */
#ifndef VIGIL_FUZZ_NAT_DRIVER_H
#define VIGIL_FUZZ_NAT_DRIVER_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nat/nat.h"

static int fz_nat_emit(void *ctx, const struct nat_rec *r)
{
	uint64_t *n = ctx;
	if ((r->ev != NAT_OPEN && r->ev != NAT_CLOSE) || (r->ev == NAT_OPEN && !r->start_ms && !r->end_ms) ||
	    (r->ev == NAT_CLOSE && !r->end_ms) || r->line == 0)
		abort();
	(*n)++;
	return 0;
}

static void fz_nat_bad(void *ctx, uint32_t line, const char *msg)
{
	(void)ctx;
	if (!line || !msg || !msg[0])
		abort();
}

static void fz_nat_run(const struct nat_format *fmt, const uint8_t *data, size_t size)
{
	struct nat_reader *rd;
	struct nat_reader_stats st;
	struct nat_fmt_opts o = { .year = 2024 };
	uint64_t n = 0;
	size_t cut = size ? (data[0] * size) / 256 : 0;

	if (nat_reader_new(fmt, &o, fz_nat_emit, fz_nat_bad, &n, &rd))
		return;
	nat_reader_feed(rd, data, cut);
	nat_reader_feed(rd, data + cut, size - cut);
	nat_reader_finish(rd);
	nat_reader_get_stats(rd, &st);
	if (st.records != n || st.records + st.other + st.bad != st.lines)
		abort();
	nat_reader_free(rd);
}

#endif
