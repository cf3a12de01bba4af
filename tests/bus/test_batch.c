/*
 * test_batch.c - the bus's flow batch (src/bus/batch.c): every field of
 * every flow comes back as it went in (IPv4, IPv6, zero addresses, extreme
 * values, times before the base), and each kind of damage is refused with
 * a sentence naming it; the partition of a flow is its internal host's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "bus/bus.h"
#include "util/err.h"

static void fill(struct flow *f, size_t n)
{
	memset(f, 0, n * sizeof(*f));
	for (size_t i = 0; i < n; i++) {
		uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
				   (uint8_t)(i + 1) };

		f[i].first_ms = 1709287200000LL + (int64_t)i * 997 - (i % 3 ? 5000 : 0);
		f[i].last_ms = f[i].first_ms + (int64_t)(i * 31 % 60000) - (i == 7 ? 10 : 0);
		if (i % 4 == 3) {
			addr_from_v6(&f[i].src, v6);
			v6[15] ^= 0xff;
			addr_from_v6(&f[i].dst, v6);
		} else {
			addr_from_v4(&f[i].src, 0x0a0a0000u + (uint32_t)i);
			addr_from_v4(&f[i].dst, 0xcb007100u + (uint32_t)(i * 7));
		}
		if (i % 5 == 0)
			addr_from_v4(&f[i].xsrc, 0xc6336401u);
		addr_from_v4(&f[i].exporter, 0x7f000001u);
		if (i % 6 == 1)
			addr_from_v4(&f[i].nexthop, 0); /* 0.0.0.0 as an exporter sends it */
		f[i].packets = i == 1 ? UINT64_MAX : i * 3 + 1;
		f[i].bytes = i == 2 ? UINT64_MAX : i * 1500 + 40;
		f[i].sampling = i == 4 ? UINT32_MAX : 1 + (uint32_t)(i % 10 == 0) * 9;
		f[i].src_as = (uint32_t)i * 65537u;
		f[i].dst_as = 64512;
		f[i].in_if = (uint32_t)i % 7;
		f[i].out_if = UINT32_MAX;
		f[i].domain = 256;
		f[i].sport = (uint16_t)(1024 + i);
		f[i].dport = i == 6 ? UINT16_MAX : 443;
		f[i].xsport = (uint16_t)i;
		f[i].proto = (uint8_t)(i % 3 ? 6 : 17);
		f[i].tcp_flags = 0x12;
		f[i].tos = 0xb8;
		f[i].nat_event = (uint8_t)(i % 2);
		f[i].src_mask = 24;
		f[i].dst_mask = 128;
		f[i].direction = 1;
		f[i].version = (uint8_t)(i % 2 ? 9 : 10);
	}
}

static void encode(struct buf *b, const struct flow *f, size_t n)
{
	struct bus_batch_info info = { .seq = 42, .partition = 5 };

	snprintf(info.collector, sizeof(info.collector), "border-1");
	buf_init(b, 1 << 24);
	assert_int_equal(bus_batch_encode(b, &info, f, n), 0);
}

static void test_roundtrip(void **state)
{
	enum { N = 200 };
	struct flow *in = calloc(N, sizeof(*in)), *out = calloc(N, sizeof(*out));
	struct bus_batch_info info;
	char err[256];
	struct buf b;

	(void)state;
	fill(in, N);
	encode(&b, in, N);
	assert_int_equal(bus_batch_decode(b.data, b.len, &info, out, N, err, sizeof(err)), N);
	assert_string_equal(info.collector, "border-1");
	assert_int_equal(info.seq, 42);
	assert_int_equal(info.partition, 5);
	assert_int_equal(info.count, N);
	for (size_t i = 0; i < N; i++)
		assert_memory_equal(&in[i], &out[i], sizeof(in[i]));
	/* room for fewer flows than the batch holds */
	assert_int_equal(bus_batch_decode(b.data, b.len, &info, out, N - 1, err, sizeof(err)),
			 VIGIL_ELIMIT);
	buf_free(&b);
	free(in);
	free(out);
}

static void test_damage(void **state)
{
	struct flow in[10], out[10];
	struct bus_batch_info info;
	char err[256];
	struct buf b;
	char *c;

	(void)state;
	fill(in, 10);
	encode(&b, in, 10);
	c = malloc(b.len + 1);
	/* every truncation is refused */
	for (size_t len = 0; len < b.len; len++) {
		memcpy(c, b.data, len);
		assert_true(bus_batch_decode(c, len, &info, out, 10, err, sizeof(err)) < 0);
		assert_true(err[0] != '\0');
	}
	/* a trailing byte */
	memcpy(c, b.data, b.len);
	c[b.len] = 0;
	assert_int_equal(bus_batch_decode(c, b.len + 1, &info, out, 10, err, sizeof(err)),
			 VIGIL_EFORMAT);
	assert_non_null(strstr(err, "after the last"));
	/* magic, version, count, collector id */
	memcpy(c, b.data, b.len);
	c[0] = 'X';
	assert_int_equal(bus_batch_decode(c, b.len, &info, out, 10, err, sizeof(err)), VIGIL_EFORMAT);
	memcpy(c, b.data, b.len);
	c[4] = 2;
	assert_int_equal(bus_batch_decode(c, b.len, &info, out, 10, err, sizeof(err)),
			 VIGIL_EUNSUPPORTED);
	assert_non_null(strstr(err, "version 2"));
	memcpy(c, b.data, b.len);
	c[25] = ' ';
	assert_int_equal(bus_batch_decode(c, b.len, &info, out, 10, err, sizeof(err)), VIGIL_EFORMAT);
	memcpy(c, b.data, b.len);
	memset(c + 25 + 8, 0, 4); /* count 0 */
	assert_int_equal(bus_batch_decode(c, b.len, &info, out, 10, err, sizeof(err)), VIGIL_EFORMAT);
	/* an address type 3 in the first record's mask */
	memcpy(c, b.data, b.len);
	c[25 + 8 + 4] |= 3;
	assert_int_equal(bus_batch_decode(c, b.len, &info, out, 10, err, sizeof(err)), VIGIL_EFORMAT);
	assert_non_null(strstr(err, "flow 1"));
	free(c);
	buf_free(&b);
}

static void test_encode_limits(void **state)
{
	struct flow f[1];
	struct bus_batch_info info = { .seq = 1 };
	struct buf b;

	(void)state;
	fill(f, 1);
	buf_init(&b, 1 << 20);
	assert_int_equal(bus_batch_encode(&b, &info, f, 1), VIGIL_EINVAL); /* no collector id */
	snprintf(info.collector, sizeof(info.collector), "c");
	assert_int_equal(bus_batch_encode(&b, &info, f, 0), VIGIL_EINVAL);
	assert_int_equal(bus_batch_encode(&b, &info, f, 1), 0);
	buf_free(&b);
}

static void test_partition(void **state)
{
	struct bus_part *p;
	struct flow a, bflow;
	char err[256];
	const char *nets[] = { "10.10.0.0/16" };
	bool want[BUS_MAX_PARTITIONS];

	(void)state;
	assert_int_equal(bus_part_new(NULL, nets, 1, 8, &p, err, sizeof(err)), 0);
	memset(&a, 0, sizeof(a));
	memset(&bflow, 0, sizeof(bflow));
	/* the inside host decides, whichever end it is */
	addr_from_v4(&a.src, 0x0a0a0303u);
	addr_from_v4(&a.dst, 0xc0000242u);
	addr_from_v4(&bflow.src, 0xc0000242u);
	addr_from_v4(&bflow.dst, 0x0a0a0303u);
	assert_ptr_equal(bus_part_host(p, &bflow), &bflow.dst);
	assert_int_equal(bus_part_of(p, &a), bus_part_of(p, &bflow));
	assert_true(bus_part_of(p, &a) < 8);
	bus_part_free(p);
	assert_true(bus_part_new(NULL, (const char *[]){ "10.0.0.0/33" }, 1, 8, &p, err,
				 sizeof(err)) < 0);
	/* partition lists */
	assert_int_equal(bus_parse_partitions("0-3", 8, want), 4);
	assert_true(want[0] && want[3] && !want[4]);
	assert_int_equal(bus_parse_partitions("1,5,5,7", 8, want), 3);
	assert_int_equal(bus_parse_partitions("0-8", 8, want), VIGIL_EINVAL);
	assert_int_equal(bus_parse_partitions("3-1", 8, want), VIGIL_EINVAL);
	assert_int_equal(bus_parse_partitions("a", 8, want), VIGIL_EINVAL);
	assert_int_equal(bus_parse_partitions("1,", 8, want), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_damage),
		cmocka_unit_test(test_encode_limits),
		cmocka_unit_test(test_partition),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
