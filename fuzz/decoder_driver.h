/*
 * decoder_driver.h - the body shared by the libFuzzer targets of the wire
 * decoders (fuzz_netflow5.c, fuzz_netflow9.c, fuzz_ipfix.c). Each defines
 * FORCE_VERSION and includes this. The input is a sequence of packets, each
 * prefixed by a 2-byte big-endian length; every packet's version field is
 * forced to FORCE_VERSION so the fuzzer stays in one decoder, and one decoder
 * sees all packets (templates, held data, sequence tracking, caps).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "flow/flow.h"

static void sink(void *ctx, const struct flow *f, size_t n)
{
	(void)ctx;
	(void)f;
	(void)n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t pkt[65536];
	struct flow_decoder_opts o = { .max_templates = 16, .max_pending = 4 };
	struct flow_decoder *d = flow_decoder_new(&o);
	struct vaddr e;
	size_t off = 0;

	if (!d)
		return 0;
	addr_from_v4(&e, 0xc0000201);
	while (off + 2 <= size) {
		size_t n = (size_t)data[off] << 8 | data[off + 1];

		off += 2;
		if (n > size - off)
			n = size - off;
		memcpy(pkt, data + off, n);
		if (n >= 2) {
			pkt[0] = 0;
			pkt[1] = FORCE_VERSION;
		}
		flow_decode(d, &e, (int64_t)off * 1000, pkt, n, sink, NULL);
		off += n;
	}
	flow_decoder_free(d);
	return 0;
}
