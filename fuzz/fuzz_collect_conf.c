// fuzz-libs: vigil_collect vigil_store vigil_flow
/*
 * fuzz_collect_conf.c - the collector's configuration parsers with any bytes:
 * the input is written as a vigil.conf and read into collect_opts (listen,
 * allow, sampling, rcvbuf, durations, codec), then every line is also fed to
 * the listen / allow / sampling parsers directly and a policy is built from
 * the result. No crash, no sanitizer report, caps respected.
 */
#include "collect/collect.h"
#include "util/conf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/fuzz-collect-conf-XXXXXX";
	char err[256];
	struct collect_opts o;
	struct conf *cf = NULL;
	char *text;
	int fd;

	if (size > 16384)
		return 0;
	fd = mkstemp(path);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	collect_opts_init(&o);
	if (conf_load(path, &cf, err, sizeof(err)) == 0) {
		(void)collect_opts_from_conf(&o, cf, err, sizeof(err));
		conf_free(cf);
	}
	unlink(path);
	if (o.nlisten > COLLECT_MAX_LISTEN || o.nallow > COLLECT_MAX_ALLOW)
		abort();

	text = malloc(size + 1);
	if (text) {
		char *save = NULL;
		memcpy(text, data, size);
		text[size] = '\0';
		for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			(void)collect_opts_add_listen(&o, line);
			(void)collect_opts_add_allow(&o, line);
			(void)collect_opts_add_sampling(&o, line);
		}
		free(text);
	}
	if (o.nlisten > COLLECT_MAX_LISTEN)
		abort();
	collect_opts_free(&o);
	return 0;
}
