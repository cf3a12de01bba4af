// fuzz-libs: vigil_flow
/*
 * fuzz_pcap.c - libFuzzer target for the capture reader: the input is
 * written to a temporary file and read with flow_pcap_read (libpcap parses
 * the file format; our code strips link, IP and UDP headers and decodes
 * whatever looks like an export).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

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
	char path[] = "/tmp/vigil-fuzz-pcap-XXXXXX";
	char err[256];
	struct flow_decoder *d;
	int fd = mkstemp(path);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	d = flow_decoder_new(NULL);
	if (d)
		flow_pcap_read(path, d, sink, NULL, err, sizeof(err));
	flow_decoder_free(d);
	unlink(path);
	return 0;
}
